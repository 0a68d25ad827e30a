//! The XML layer of the listing parser: the one strict reader
//! ([`crate::xml::Reader`]) with the limits and namespace rules of the
//! contract, its problems worded as rules of the contract. Nesting is
//! bounded, elements of other namespaces are skipped, and every element's
//! attributes are read without allocation.

use super::Error;
use super::position::Doc;
use crate::xml::{AttrError, Kind, Problem, Reader, Scope, Token, ValueError, char_class};
use quick_xml::events::BytesStart;
use std::borrow::Cow;

/// The namespace of every listing element.
pub const NAMESPACE: &str = "urn:airlock:product-listing:1";
/// Deepest element nesting accepted (rule 5).
pub const MAX_DEPTH: usize = 32;

/// The listing's bytes as text; bad UTF-8 is refused with its position.
pub(crate) fn decode<'a>(name: &str, bytes: &'a [u8]) -> Result<&'a str, Error> {
    crate::xml::decode(bytes).map_err(|e| {
        let doc = Doc {
            name,
            // The prefix up to the error is valid UTF-8 by definition.
            text: std::str::from_utf8(&bytes[..e.at]).unwrap_or_default(),
        };
        doc.invalid(
            e.at,
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

/// The kind of text an attribute of a listing element holds (rule 7).
fn kind(name: &str) -> Kind {
    if PLAIN_TEXT.contains(&name) {
        Kind::Plain
    } else {
        Kind::Text
    }
}

/// The listing's elements, one at a time, with their byte offsets.
pub(crate) struct Events<'a> {
    reader: Reader<'a>,
    doc: Doc<'a>,
    /// Listing elements now open (the root is depth 1).
    depth: usize,
    root_done: bool,
}

impl<'a> Events<'a> {
    /// The events of `doc`, whose characters [`check_chars`] checks apart:
    /// what they say counts only once that check passed.
    pub(crate) fn new(doc: Doc<'a>) -> Events<'a> {
        Events {
            reader: Reader::with_chars_checked_apart(doc.text, NAMESPACE).without_blanks(),
            doc,
            depth: 0,
            root_done: false,
        }
    }

    /// The events of the rest of the element now open from `from` on, read
    /// as these events would read them there: see [`Reader::part`].
    pub(crate) fn part(&self, from: usize) -> Events<'a> {
        Events {
            reader: self.reader.part(from),
            doc: self.doc,
            depth: self.depth,
            root_done: self.root_done,
        }
    }

    /// Whether the next event starts at `at`, only white space before it.
    /// `None` once `at` is passed.
    pub(crate) fn next_at(&self, at: usize) -> Option<bool> {
        let ahead = self.doc.text.as_bytes().get(self.reader.position()..at)?;
        Some(
            ahead
                .iter()
                .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')),
        )
    }

    /// Where the events are: the byte offset just after the last one.
    pub(crate) fn position(&self) -> usize {
        self.reader.position()
    }

    /// Goes on at `at`, where the [`Events::part`] taken at the next event
    /// ended: the end tag of the element it was taken in.
    pub(crate) fn skip_to(&mut self, at: usize) {
        self.reader.skip_to(at);
    }

    fn token(&mut self) -> Result<Token<'a>, Error> {
        self.reader.next().map_err(|e| problem(&self.doc, e))
    }

    /// The next listing element or end tag; skips comments, processing
    /// instructions, whitespace and elements of other namespaces.
    pub(crate) fn next(&mut self) -> Result<Step<'a>, Error> {
        loop {
            match self.token()? {
                Token::Start {
                    start,
                    at,
                    open,
                    scope,
                } => {
                    if let Some(step) = self.element(start, at, open, scope)? {
                        return Ok(step);
                    }
                }
                Token::End { .. } => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        self.root_done = true;
                    }
                    return Ok(Step::Close);
                }
                Token::Text { at } if self.depth == 0 => {
                    return Err(self.doc.invalid(
                        at,
                        "text",
                        "rule 6: text outside the root element is not well-formed XML; remove it (an XML declaration, if any, comes first)",
                    ));
                }
                Token::Text { at } => return Err(self.text_here(at)),
                Token::Blank | Token::Comment { .. } | Token::Instruction { .. } => {}
                Token::Eof => {
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
        scope: Scope,
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
            if scope != Scope::Ours || local != "productListing" {
                let found = match &scope {
                    Scope::Ours => format!("namespace {NAMESPACE:?}"),
                    Scope::Other(n) => format!("namespace {n:?}"),
                    Scope::Unbound | Scope::Unknown(_) => "no namespace".to_string(),
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
        match scope {
            Scope::Ours => {}
            Scope::Other(_) => {
                self.check_foreign_attributes(&start, at)?;
                if open {
                    self.skip_foreign(local, at)?;
                }
                return Ok(None);
            }
            Scope::Unbound => {
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
            Scope::Unknown(prefix) => {
                return Err(self.doc.invalid(
                    at,
                    local,
                    format!(
                        "rule 6: the prefix `{prefix}` is not declared; declare it with xmlns:{prefix}=\"…\""
                    ),
                ));
            }
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
            let (start, inner, open) = match self.token()? {
                Token::Start {
                    start, at, open, ..
                } => (start, at, open),
                Token::End { .. } => {
                    level -= 1;
                    continue;
                }
                Token::Eof => {
                    return Err(self.doc.invalid(
                        at,
                        name,
                        "the document ends inside this element; close it",
                    ));
                }
                _ => continue,
            };
            if self.depth + level + 1 > MAX_DEPTH {
                return Err(self.too_deep(inner, start.local_name().into_inner()));
            }
            self.check_foreign_attributes(&start, inner)?;
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

    /// A foreign element's attributes are ignored but must still be free of entities.
    fn check_foreign_attributes(&self, start: &BytesStart<'_>, at: usize) -> Result<(), Error> {
        let name = start.local_name().into_inner();
        self.reader
            .foreign_attributes(start)
            .map_err(|e| self.attribute(at, name, &[], e))
    }

    /// An attribute problem as a rule of the contract; `names` are those
    /// the element may carry.
    fn attribute(&self, at: usize, element: &str, names: &[&str], e: AttrError) -> Error {
        let message = match e {
            AttrError::Malformed(e) => format!("malformed attribute: {e}; fix the markup"),
            AttrError::Unknown(name) => format!(
                "rule 4: unknown attribute `{name}` on <{element}>; it may carry {}; remove it or put it in a namespace of its own",
                names.join(", ")
            ),
            AttrError::Twice(name) => format!("attribute `{name}` is written twice; keep one"),
            AttrError::Value {
                name,
                error: e @ ValueError::Reference(_),
            } => format!("rule 5: attribute `{name}`: {e}"),
            AttrError::Value { name, error } => format!("rule 6: attribute `{name}` {error}"),
            AttrError::Char { name, c } => format!(
                "rule 7: attribute `{name}` holds the {} character U+{:04X}; remove it (it would change how the text reads where it is shown)",
                char_class(c),
                u32::from(c)
            ),
        };
        self.doc.invalid(at, element, message)
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

    /// The values of the attributes `names` of `e`, in that order; any other
    /// is an error (rule 4). Attributes of other namespaces are ignored.
    pub(crate) fn attrs<'e, const N: usize>(
        &self,
        e: &'e Elem<'a>,
        names: [&'static str; N],
    ) -> Result<Values<'e, N>, Error> {
        self.reader
            .attributes(&e.start, names, true, kind)
            .map_err(|err| self.attribute(e.at, e.tag.name(), &names, err))
    }
}

/// Every character of `doc` is one XML 1.0 allows (rule 6).
pub(crate) fn check_chars(doc: &Doc<'_>) -> Result<(), Error> {
    crate::xml::check_chars(doc.text).map_err(|e| problem(doc, e))
}

/// A problem of the document as a rule of the contract.
fn problem(doc: &Doc<'_>, e: crate::xml::Error) -> Error {
    let (element, message) = match e.problem {
        Problem::NotUtf8 => (
            "xml",
            "encoding: the listing is not valid UTF-8 here; save it as UTF-8".to_string(),
        ),
        Problem::NotXmlChar(c) => (
            "xml",
            format!(
                "rule 6: the character U+{:04X} is not allowed anywhere in XML 1.0; remove it",
                u32::from(c)
            ),
        ),
        Problem::Syntax(e) => ("xml", format!("rule 6: not well-formed XML: {e}; fix the markup")),
        Problem::TooManyBindings(limit) => (
            "xml",
            format!(
                "rule 5: more than {limit} namespace declarations (xmlns) are in scope at once; a listing needs its own namespace and a few for extensions: remove the others"
            ),
        ),
        Problem::Declaration(problem) => (
            "?xml",
            format!(
                "rule 6: the XML declaration is not well-formed: {problem}; write <?xml version=\"1.0\" encoding=\"UTF-8\"?> as the first line, or none"
            ),
        ),
        Problem::Encoding(encoding) => (
            "xml",
            format!(
                "encoding: the listing declares encoding {encoding:?}; only UTF-8 is accepted: save it as UTF-8"
            ),
        ),
        Problem::Doctype => (
            "!DOCTYPE",
            "rule 5: DTDs are refused (no entity is ever expanded); remove the <!DOCTYPE> declaration".to_string(),
        ),
        Problem::Entity(name) => (
            "entity",
            format!(
                "rule 5: entity reference &{name}; refused (no entity is ever expanded); only &lt; &gt; &amp; &apos; &quot; and character references are allowed"
            ),
        ),
        Problem::CharReference(name) => (
            "entity",
            format!("rule 6: &{name}; is not a character XML 1.0 allows; remove it"),
        ),
    };
    doc.invalid(e.at, element, message)
}
