//! The XML layer of the listing parser: quick-xml's streaming reader (not
//! serde) with the limits and namespace rules of the contract. DTDs and
//! entities are refused, nesting is bounded, elements of other namespaces are
//! skipped, and every element's attributes are read without allocation.

use super::Error;
use super::position::Doc;
use crate::xml::{Kind, ValueError, char_class, is_xml_char, refused_char};
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, NamespaceError, QName, ResolveResult};
use quick_xml::reader::NsReader;
use std::borrow::Cow;

/// The namespace of every listing element.
pub const NAMESPACE: &str = "urn:airlock:product-listing:1";
/// Deepest element nesting accepted (rule 5).
pub const MAX_DEPTH: usize = 32;

/// The listing's bytes as text; bad UTF-8 is refused with its position.
pub(crate) fn decode<'a>(name: &str, bytes: &'a [u8]) -> Result<&'a str, Error> {
    std::str::from_utf8(bytes).map_err(|e| {
        let valid = &bytes[..e.valid_up_to()];
        let doc = Doc {
            name,
            // The prefix up to the error is valid UTF-8 by definition.
            text: std::str::from_utf8(valid).unwrap_or_default(),
        };
        doc.invalid(
            e.valid_up_to(),
            "xml",
            "encoding: the listing is not valid UTF-8 here; save it as UTF-8",
        )
    })
}

/// The contract's elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tag {
    ProductListing,
    Installer,
    Eula,
    Product,
    Release,
    Payload,
    Requires,
    Recommends,
    UpgradesFrom,
    Replaces,
    Property,
    Check,
    Hotfix,
    CriticalUpdate,
}

impl Tag {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Tag::ProductListing => "productListing",
            Tag::Installer => "installer",
            Tag::Eula => "eula",
            Tag::Product => "product",
            Tag::Release => "release",
            Tag::Payload => "payload",
            Tag::Requires => "requires",
            Tag::Recommends => "recommends",
            Tag::UpgradesFrom => "upgradesFrom",
            Tag::Replaces => "replaces",
            Tag::Property => "property",
            Tag::Check => "check",
            Tag::Hotfix => "hotfix",
            Tag::CriticalUpdate => "criticalUpdate",
        }
    }

    fn from_name(name: &str) -> Option<Tag> {
        Some(match name {
            "productListing" => Tag::ProductListing,
            "installer" => Tag::Installer,
            "eula" => Tag::Eula,
            "product" => Tag::Product,
            "release" => Tag::Release,
            "payload" => Tag::Payload,
            "requires" => Tag::Requires,
            "recommends" => Tag::Recommends,
            "upgradesFrom" => Tag::UpgradesFrom,
            "replaces" => Tag::Replaces,
            "property" => Tag::Property,
            "check" => Tag::Check,
            "hotfix" => Tag::Hotfix,
            "criticalUpdate" => Tag::CriticalUpdate,
            _ => return None,
        })
    }
}

/// One element of the listing namespace, as just read.
pub(crate) struct Elem<'a> {
    pub tag: Tag,
    pub start: BytesStart<'a>,
    /// Byte offset of its `<`.
    pub at: usize,
    /// Written as `<x>…</x>` (children may follow) rather than `<x/>`.
    pub open: bool,
}

pub(crate) enum Step<'a> {
    Child(Elem<'a>),
    /// The current element's end tag.
    Close,
    /// The end of the document.
    End,
}

/// Values of the attributes an element may carry, in the order asked for.
pub(crate) type Values<'e, const N: usize> = [Option<Cow<'e, str>>; N];

const PREDEFINED: [&str; 5] = ["lt", "gt", "amp", "apos", "quot"];

/// The attributes that hold ids, names and labels: no bidirectional or
/// invisible characters there (rule 7; `file` has the name rule, rule 8).
const PLAIN_TEXT: [&str; 8] = [
    "id",
    "name",
    "label",
    "vendor",
    "product",
    "eula",
    "appliesTo",
    "resolvedBy",
];

/// Where the first character XML 1.0 refuses is in UTF-8 `text`: a C0
/// control other than tab, newline and carriage return, or U+FFFE / U+FFFF
/// (EF BF BE / EF BF BF). A byte loop: it runs over every listing.
fn not_xml_char(text: &[u8]) -> Option<usize> {
    text.iter().enumerate().position(|(i, &b)| {
        (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
            || (b == 0xEF
                && text.get(i + 1) == Some(&0xBF)
                && matches!(text.get(i + 2), Some(0xBE | 0xBF)))
    })
}

/// What is wrong with an XML declaration's content (after `<?xml`), if
/// anything: `version="1.0"`, then optionally `encoding`, then `standalone`
/// (yes or no), in that order, nothing else (XML 1.0, production XMLDecl).
fn declaration_problem(content: &str) -> Option<&'static str> {
    let mut rest = content;
    let space = |rest: &mut &str| {
        let trimmed = rest.trim_start_matches([' ', '\t', '\r', '\n']);
        let had = trimmed.len() < rest.len();
        *rest = trimmed;
        had
    };
    // `S name Eq quoted`, the value returned.
    let pseudo = |rest: &mut &str, name: &str| -> Option<String> {
        let start = *rest;
        if !space(rest) || !rest.starts_with(name) {
            *rest = start;
            return None;
        }
        *rest = &rest[name.len()..];
        space(rest);
        *rest = rest.strip_prefix('=')?;
        space(rest);
        let quote = rest.chars().next().filter(|q| matches!(q, '"' | '\''))?;
        let close = rest[1..].find(quote)?;
        let value = rest[1..=close].to_string();
        *rest = &rest[close + 2..];
        Some(value)
    };
    match pseudo(&mut rest, "version").as_deref() {
        Some("1.0") => {}
        Some(_) => return Some("it must say version=\"1.0\" (listings are XML 1.0)"),
        None => return Some("it must start with version=\"1.0\""),
    }
    if let Some(encoding) = pseudo(&mut rest, "encoding")
        && !encoding.eq_ignore_ascii_case("utf-8")
    {
        // Named in its own message by the caller.
        return None;
    }
    if let Some(standalone) = pseudo(&mut rest, "standalone")
        && !matches!(standalone.as_str(), "yes" | "no")
    {
        return Some("standalone must be \"yes\" or \"no\"");
    }
    space(&mut rest);
    (!rest.is_empty())
        .then_some("after version, encoding and standalone (in that order) nothing else may follow")
}

/// The listing's elements, one at a time, with their byte offsets.
pub(crate) struct Events<'a> {
    reader: NsReader<&'a [u8]>,
    doc: Doc<'a>,
    /// Listing elements now open (the root is depth 1).
    depth: usize,
    root_done: bool,
    /// The reader counts positions after a byte-order mark: its length, added back.
    bom: usize,
}

impl<'a> Events<'a> {
    /// The events of `doc`, once every character of it is one XML 1.0 allows (rule 6).
    pub(crate) fn new(doc: Doc<'a>) -> Result<Events<'a>, Error> {
        if let Some(at) = not_xml_char(doc.text.as_bytes()) {
            let c = doc.text[at..].chars().next().unwrap_or_default();
            return Err(doc.invalid(
                at,
                "xml",
                format!(
                    "rule 6: the character U+{:04X} is not allowed anywhere in XML 1.0; remove it",
                    u32::from(c)
                ),
            ));
        }
        let mut reader = NsReader::from_str(doc.text);
        reader.config_mut().check_comments = true;
        Ok(Events {
            reader,
            doc,
            depth: 0,
            root_done: false,
            bom: if doc.text.starts_with('\u{FEFF}') {
                3
            } else {
                0
            },
        })
    }

    /// A reader error as a located message.
    fn syntax(&self, e: quick_xml::Error) -> Error {
        let mut at = self.reader.error_position() as usize + self.bom;
        let message = match e {
            quick_xml::Error::Namespace(NamespaceError::TooManyBindings(limit)) => {
                // The reader has read the whole tag and names no position
                // for a namespace error: the tag's `<` is the last before its end.
                let end = self.reader.buffer_position() as usize + self.bom;
                at = self
                    .doc
                    .text
                    .get(..end)
                    .and_then(|t| t.rfind('<'))
                    .unwrap_or(0);
                format!(
                    "rule 5: more than {limit} namespace declarations (xmlns) are in scope at once; a listing needs its own namespace and a few for extensions: remove the others"
                )
            }
            e => format!("rule 6: not well-formed XML: {e}; fix the markup"),
        };
        self.doc.invalid(at, "xml", message)
    }

    /// The next listing element or end tag; skips comments, processing
    /// instructions, whitespace and elements of other namespaces.
    pub(crate) fn next(&mut self) -> Result<Step<'a>, Error> {
        loop {
            let (ours, event) = match self.reader.read_resolved_event() {
                Ok((ns, event)) => (
                    matches!(ns, ResolveResult::Bound(Namespace(n)) if n == NAMESPACE),
                    event,
                ),
                Err(e) => return Err(self.syntax(e)),
            };
            let end = self.reader.buffer_position() as usize + self.bom;
            match event {
                Event::Start(start) => {
                    let at = end.saturating_sub(start.len() + 2);
                    if let Some(step) = self.element(start, at, true, ours)? {
                        return Ok(step);
                    }
                }
                Event::Empty(start) => {
                    let at = end.saturating_sub(start.len() + 3);
                    if let Some(step) = self.element(start, at, false, ours)? {
                        return Ok(step);
                    }
                }
                Event::End(_) => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        self.root_done = true;
                    }
                    return Ok(Step::Close);
                }
                Event::Text(text) => {
                    let content = text.trim_ascii_start();
                    if !content.is_empty() {
                        let at = end.saturating_sub(content.len());
                        if self.depth == 0 {
                            return Err(self.doc.invalid(
                                at,
                                "text",
                                "rule 6: text outside the root element is not well-formed XML; remove it (an XML declaration, if any, comes first)",
                            ));
                        }
                        return Err(self.text_here(at));
                    }
                }
                Event::CData(cdata) => {
                    let at = end.saturating_sub(cdata.len() + 12);
                    return Err(self.text_here(at));
                }
                Event::GeneralRef(reference) => {
                    let at = end.saturating_sub(reference.len() + 2);
                    self.check_reference(&reference, at)?;
                    return Err(self.text_here(at));
                }
                Event::Comment(_) => {}
                Event::PI(pi) => {
                    // A target `xml` in any case is reserved: a misplaced or
                    // misspelt declaration.
                    if pi.target().eq_ignore_ascii_case("xml") {
                        let at = self.doc.text[..end].rfind("<?").unwrap_or(0);
                        return Err(
                            self.declaration(at, "it must be written `<?xml` in lower case")
                        );
                    }
                }
                Event::Decl(decl) => {
                    let at = self.doc.text[..end].rfind("<?").unwrap_or(0);
                    let first = at == 0 || (at == 3 && self.doc.text.starts_with('\u{FEFF}'));
                    if !first {
                        return Err(self.declaration(
                            at,
                            "it must come first in the document, before anything else (even spaces), and only once",
                        ));
                    }
                    // Between `<?xml` and `?>`.
                    let content = &self.doc.text[at + 5..end.saturating_sub(2)];
                    if let Some(problem) = declaration_problem(content) {
                        return Err(self.declaration(at, problem));
                    }
                    if let Some(Ok(encoding)) = decl.encoding()
                        && !encoding.eq_ignore_ascii_case("utf-8")
                    {
                        return Err(self.doc.invalid(
                            at,
                            "xml",
                            format!(
                                "encoding: the listing declares encoding {encoding:?}; only UTF-8 is accepted: save it as UTF-8"
                            ),
                        ));
                    }
                }
                Event::DocType(_) => {
                    let at = self.doc.text[..end].rfind("<!DOCTYPE").unwrap_or(0);
                    return Err(self.doc.invalid(
                        at,
                        "!DOCTYPE",
                        "rule 5: DTDs are refused (no entity is ever expanded); remove the <!DOCTYPE> declaration",
                    ));
                }
                Event::Eof => {
                    if self.depth > 0 {
                        return Err(self.doc.invalid(
                            self.doc.text.len(),
                            "xml",
                            "the document ends inside an element; close every element",
                        ));
                    }
                    return Ok(Step::End);
                }
            }
        }
    }

    /// Handles a start or empty tag: a listing element to return, or a foreign
    /// one skipped (`None`).
    fn element(
        &mut self,
        start: BytesStart<'a>,
        at: usize,
        open: bool,
        ours: bool,
    ) -> Result<Option<Step<'a>>, Error> {
        let local = start.local_name().into_inner();
        if self.depth + 1 > MAX_DEPTH {
            return Err(self.too_deep(at, local));
        }
        if self.depth == 0 {
            if self.root_done {
                return Err(self.doc.invalid(
                    at,
                    local,
                    "one root: a listing has exactly one root element; remove this one",
                ));
            }
            if !ours || local != "productListing" {
                let found = match self.reader.resolver().resolve_element(start.name()).0 {
                    ResolveResult::Bound(Namespace(n)) => format!("namespace {n:?}"),
                    _ => "no namespace".to_string(),
                };
                return Err(self.doc.invalid(
                    at,
                    local,
                    format!(
                        "namespace: the root element must be <productListing xmlns=\"{NAMESPACE}\">; found <{local}> in {found}"
                    ),
                ));
            }
        }
        if !ours {
            match self.reader.resolver().resolve_element(start.name()).0 {
                ResolveResult::Bound(_) => {}
                ResolveResult::Unbound => {
                    let hint = match Tag::from_name(local) {
                        Some(_) => format!(
                            "; <{local}> is a listing element: write it in the listing's namespace (with a prefixed root, prefix it too)"
                        ),
                        None => "; put vendor extensions in a namespace of their own".into(),
                    };
                    return Err(self.doc.invalid(
                        at,
                        local,
                        format!("rule 4: <{local}> is in no namespace, so it is neither a listing element nor an extension{hint}"),
                    ));
                }
                ResolveResult::Unknown(prefix) => {
                    return Err(self.doc.invalid(
                        at,
                        local,
                        format!(
                            "rule 6: the prefix `{}` is not declared; declare it with xmlns:{0}=\"…\"",
                            prefix
                        ),
                    ));
                }
            }
            self.check_foreign_attributes(&start, at)?;
            if open {
                self.skip_foreign(local, at)?;
            }
            return Ok(None);
        }
        let Some(tag) = Tag::from_name(local) else {
            return Err(self.doc.invalid(
                at,
                local,
                format!(
                    "rule 4: unknown element <{local}> in the listing namespace; remove it, or move vendor extensions to a namespace of their own"
                ),
            ));
        };
        if open {
            self.depth += 1;
        }
        Ok(Some(Step::Child(Elem {
            tag,
            start,
            at,
            open,
        })))
    }

    /// Reads past a foreign element's subtree, still refusing entities and deep nesting.
    fn skip_foreign(&mut self, name: &str, at: usize) -> Result<(), Error> {
        let mut level = 1;
        while level > 0 {
            let event = self.reader.read_event().map_err(|e| self.syntax(e))?;
            let end = self.reader.buffer_position() as usize + self.bom;
            let (start, open) = match event {
                Event::Start(start) => (start, true),
                Event::Empty(start) => (start, false),
                Event::End(_) => {
                    level -= 1;
                    continue;
                }
                Event::GeneralRef(reference) => {
                    self.check_reference(&reference, end.saturating_sub(reference.len() + 2))?;
                    continue;
                }
                Event::DocType(_) => {
                    return Err(self.doc.invalid(
                        at,
                        name,
                        "rule 5: DTDs are refused; remove the <!DOCTYPE> declaration",
                    ));
                }
                Event::Eof => {
                    return Err(self.doc.invalid(
                        at,
                        name,
                        "the document ends inside this element; close it",
                    ));
                }
                _ => continue,
            };
            let at = end.saturating_sub(start.len() + if open { 2 } else { 3 });
            if self.depth + level + 1 > MAX_DEPTH {
                return Err(self.too_deep(at, start.local_name().into_inner()));
            }
            self.check_foreign_attributes(&start, at)?;
            if open {
                level += 1;
            }
        }
        Ok(())
    }

    fn too_deep(&self, at: usize, name: &str) -> Error {
        self.doc.invalid(
            at,
            name,
            format!(
                "rule 5: elements are nested deeper than {MAX_DEPTH} levels; flatten the document"
            ),
        )
    }

    fn text_here(&self, at: usize) -> Error {
        self.doc.invalid(
            at,
            "text",
            "rule 4: listing elements carry attributes only, no text; remove the text or put it in an attribute",
        )
    }

    fn check_reference(&self, name: &str, at: usize) -> Result<(), Error> {
        if let Some(number) = name.strip_prefix('#') {
            let code = match number.strip_prefix('x') {
                Some(hex) => u32::from_str_radix(hex, 16),
                None => number.parse(),
            };
            return match code.ok().and_then(char::from_u32) {
                Some(c) if is_xml_char(c) => Ok(()),
                _ => Err(self.doc.invalid(
                    at,
                    "entity",
                    format!("rule 6: &{name}; is not a character XML 1.0 allows; remove it"),
                )),
            };
        }
        if PREDEFINED.contains(&name) {
            return Ok(());
        }
        Err(self.doc.invalid(
            at,
            "entity",
            format!(
                "rule 5: entity reference &{name}; refused (no entity is ever expanded); only &lt; &gt; &amp; &apos; &quot; and character references are allowed"
            ),
        ))
    }

    /// A foreign element's attributes are ignored but must still be free of entities.
    fn check_foreign_attributes(&self, start: &BytesStart<'_>, at: usize) -> Result<(), Error> {
        let name = start.local_name().into_inner();
        for attr in start.attributes() {
            let attr = attr.map_err(|e| self.malformed(at, name, e))?;
            self.value_of(&attr, at, name)?;
        }
        Ok(())
    }

    fn malformed(&self, at: usize, element: &str, e: impl std::fmt::Display) -> Error {
        self.doc.invalid(
            at,
            element,
            format!("malformed attribute: {e}; fix the markup"),
        )
    }

    fn value_of<'v>(
        &self,
        attr: &quick_xml::events::attributes::Attribute<'v>,
        at: usize,
        element: &str,
    ) -> Result<Cow<'v, str>, Error> {
        crate::xml::value(attr).map_err(|e| {
            let key = attr.key.into_inner();
            let message = match e {
                ValueError::Reference(_) => format!("rule 5: attribute `{key}`: {e}"),
                ValueError::RawLessThan | ValueError::NotXmlChar(_) => {
                    format!("rule 6: attribute `{key}` {e}")
                }
            };
            self.doc.invalid(at, element, message)
        })
    }

    fn declaration(&self, at: usize, problem: &str) -> Error {
        self.doc.invalid(
            at,
            "?xml",
            format!(
                "rule 6: the XML declaration is not well-formed: {problem}; write <?xml version=\"1.0\" encoding=\"UTF-8\"?> as the first line, or none"
            ),
        )
    }

    /// Rule 7 for one attribute of a listing element: no control character in
    /// any, and no bidirectional or invisible one in ids, names and labels.
    fn check_text(&self, e: &Elem<'_>, name: &str, value: &str) -> Result<(), Error> {
        let kind = if PLAIN_TEXT.contains(&name) {
            Kind::Plain
        } else {
            Kind::Text
        };
        match refused_char(value, kind) {
            None => Ok(()),
            Some(c) => Err(self.doc.invalid(
                e.at,
                e.tag.name(),
                format!(
                    "rule 7: attribute `{name}` holds the {} character U+{:04X}; remove it (it would change how the text reads where it is shown)",
                    char_class(c),
                    u32::from(c)
                ),
            )),
        }
    }

    pub(crate) fn misplaced(&self, child: &Elem<'_>, parent: &str, expected: &str) -> Error {
        self.doc.invalid(
            child.at,
            child.tag.name(),
            format!(
                "rule 4: <{}> is not allowed in <{parent}>; expected {expected}",
                child.tag.name()
            ),
        )
    }

    /// any other is an error (rule 4). Attributes of other namespaces are ignored.
    pub(crate) fn attrs<'e, const N: usize>(
        &self,
        e: &'e Elem<'a>,
        names: [&'static str; N],
    ) -> Result<Values<'e, N>, Error> {
        let mut values: Values<'e, N> = [const { None }; N];
        let element = e.tag.name();
        let mut attributes = e.start.attributes();
        // Duplicates among the attributes that count are caught below, without
        // the per-element allocation quick-xml's own check makes.
        attributes.with_checks(false);
        for attr in attributes {
            let attr = attr.map_err(|err| self.malformed(e.at, element, err))?;
            let key: QName<'_> = attr.key;
            let qname = key.into_inner();
            if qname == "xmlns" || qname.starts_with("xmlns:") {
                continue;
            }
            let local = if key.prefix().is_some() {
                match self.reader.resolver().resolve_attribute(key) {
                    (ResolveResult::Bound(Namespace(n)), local) if n == NAMESPACE => {
                        local.into_inner()
                    }
                    _ => {
                        self.value_of(&attr, e.at, element)?;
                        continue;
                    }
                }
            } else {
                qname
            };
            let Some(slot) = names.iter().position(|n| *n == local) else {
                return Err(self.doc.invalid(
                    e.at,
                    element,
                    format!(
                        "rule 4: unknown attribute `{local}` on <{element}>; it may carry {}; remove it or put it in a namespace of its own",
                        names.join(", ")
                    ),
                ));
            };
            if values[slot].is_some() {
                return Err(self.doc.invalid(
                    e.at,
                    element,
                    format!("attribute `{local}` is written twice; keep one"),
                ));
            }
            let value = self.value_of(&attr, e.at, element)?;
            self.check_text(e, names[slot], &value)?;
            values[slot] = Some(value);
        }
        Ok(values)
    }
}
