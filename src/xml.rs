//! The one strict XML reader behind every XML file Airlock reads: the
//! listing, the history and license files. quick-xml reads more than XML 1.0
//! allows (a raw `<` inside an attribute value, a DTD, any entity name, a
//! declaration anywhere), and each reader once kept its own idea of which
//! characters a value may hold. Here are decided, once: the document's
//! encoding and characters, the declaration, DTDs and references, each
//! element's namespace, which attributes an element may carry (an unknown or
//! repeated one is refused), the character policy of values, and where in the
//! text a problem is (line and column). Problems are typed; each reader words
//! its messages for its own users (rules of the listing contract, lines of a
//! history).

use quick_xml::XmlVersion;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, NamespaceError, NamespaceResolver, QName, ResolveResult};
use std::borrow::Cow;

/// Why an attribute's value is not one XML 1.0 allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ValueError {
    /// A `<` written as is (XML 1.0, production AttValue).
    RawLessThan,
    /// An entity other than the five predefined ones, or a malformed reference.
    Reference(String),
    /// A character reference to a character XML 1.0 does not allow (`&#1;`).
    NotXmlChar(char),
}

impl std::fmt::Display for ValueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ValueError::RawLessThan => {
                f.write_str("holds a raw `<`, which XML 1.0 does not allow in a value; write &lt;")
            }
            ValueError::Reference(e) => write!(
                f,
                "{e}; only &lt; &gt; &amp; &apos; &quot; and character references are allowed"
            ),
            ValueError::NotXmlChar(c) => write!(
                f,
                "refers to the character U+{:04X}, which XML 1.0 does not allow; remove the reference",
                u32::from(*c)
            ),
        }
    }
}

/// XML 1.0's `Char`: tab, newline, carriage return, and from U+0020 on but
/// U+FFFE and U+FFFF (surrogates cannot occur in a `str`).
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{FFFD}' | '\u{10000}'..)
}

/// An attribute's value as XML 1.0 gives it: references replaced, white
/// space normalised, borrowed from the document when nothing was replaced.
pub(crate) fn value<'v>(attr: &Attribute<'v>) -> Result<Cow<'v, str>, ValueError> {
    // One look at each byte: a raw `<`, or something to replace or normalise.
    let special = attr
        .value
        .bytes()
        .find(|b| matches!(b, b'<' | b'&' | b'\t' | b'\n' | b'\r'));
    match special {
        Some(b'<') => return Err(ValueError::RawLessThan),
        // The usual case, borrowed as it is.
        None => return Ok(attr.value.clone()),
        Some(_) if attr.value.contains('<') => return Err(ValueError::RawLessThan),
        Some(_) => {}
    }
    let value = attr
        .normalized_value(XmlVersion::Implicit1_0)
        .map_err(|e| ValueError::Reference(e.to_string()))?;
    // Characters written as is are the document's (the reader checks
    // those); these came from references.
    if let Cow::Owned(text) = &value
        && let Some(c) = text.chars().find(|&c| !is_xml_char(c))
    {
        return Err(ValueError::NotXmlChar(c));
    }
    Ok(value)
}

/// What an attribute holds, for [`refused_char`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Ids, names and labels, compared and shown as they are: no control
    /// character at all, and no bidirectional or invisible one, which would
    /// make two different values read alike.
    Plain,
    /// Free text (a description, arguments, a path): no control character
    /// but tab.
    Text,
}

/// The one character policy of attribute values: the first character `value`
/// may not hold as `kind`, if any. `char::is_control` covers C0, DEL and C1;
/// U+FFFE and U+FFFF are not characters at all.
pub(crate) fn refused_char(value: &str, kind: Kind) -> Option<char> {
    // The usual case: printable ASCII.
    if value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return None;
    }
    value.chars().find(|&c| {
        (c.is_control() && !(c == '\t' && kind == Kind::Text))
            || matches!(c, '\u{FFFE}' | '\u{FFFF}')
            || (kind == Kind::Plain && bundle_format::manifest::is_invisible(c))
    })
}

/// How [`refused_char`]'s character is named in messages.
pub(crate) fn char_class(c: char) -> &'static str {
    if bundle_format::manifest::is_invisible(c) && !c.is_control() {
        "bidirectional or invisible"
    } else {
        "control"
    }
}

/// Line and column of byte offset `at` in `text`, both 1-based; the column
/// counts characters. Counted only when a problem is reported, so reading
/// never counts lines.
pub(crate) fn line_column(text: &str, at: usize) -> (usize, usize) {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// What is wrong with a document, at the byte offset of an [`Error`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Problem {
    /// The bytes are not UTF-8 (from the offset on).
    NotUtf8,
    /// A character XML 1.0 does not allow anywhere, written as is.
    NotXmlChar(char),
    /// Markup quick-xml cannot read; its words.
    Syntax(String),
    /// More namespace declarations in scope than the reader keeps.
    TooManyBindings(usize),
    /// A malformed or misplaced XML declaration: what is wrong with it.
    Declaration(&'static str),
    /// An XML declaration naming another encoding than UTF-8.
    Encoding(String),
    /// A `<!DOCTYPE>`: no DTD is read, no entity expanded.
    Doctype,
    /// A reference to an entity other than the five predefined ones.
    Entity(String),
    /// A character reference to a character XML 1.0 does not allow (its text).
    CharReference(String),
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::NotUtf8 => f.write_str("not UTF-8 text"),
            Problem::NotXmlChar(c) => write!(
                f,
                "the character U+{:04X} is not allowed anywhere in XML 1.0",
                u32::from(*c)
            ),
            Problem::Syntax(e) => write!(f, "not well-formed XML: {e}"),
            Problem::TooManyBindings(n) => {
                write!(f, "more than {n} namespace declarations are in scope")
            }
            Problem::Declaration(what) => write!(f, "the XML declaration is malformed: {what}"),
            Problem::Encoding(e) => {
                write!(f, "the XML declaration names the encoding {e:?}, not UTF-8")
            }
            Problem::Doctype => f.write_str("a DTD (<!DOCTYPE>), which is never read"),
            Problem::Entity(name) => write!(
                f,
                "the entity reference &{name}; (only &lt; &gt; &amp; &apos; &quot; and character references are allowed)"
            ),
            Problem::CharReference(name) => {
                write!(f, "&{name}; is not a character XML 1.0 allows")
            }
        }
    }
}

/// A problem and the byte offset it is at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Error {
    pub at: usize,
    pub problem: Problem,
}

/// The namespace an element is in, as its reader sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scope {
    /// The reader's own namespace.
    Ours,
    /// Another declared namespace (its name).
    Other(String),
    /// No namespace at all.
    Unbound,
    /// A prefix that is not declared.
    Unknown(String),
}

/// One piece of the document, each with the byte offset of its first character.
pub(crate) enum Token<'a> {
    /// A start tag (`open`: `<x>`, children may follow) or an empty one (`<x/>`).
    Start {
        start: BytesStart<'a>,
        at: usize,
        open: bool,
        scope: Scope,
    },
    /// An end tag.
    End {
        at: usize,
    },
    /// White space between elements.
    Blank,
    /// Other text: characters, CDATA or a reference (checked already).
    Text {
        at: usize,
    },
    Comment {
        at: usize,
    },
    /// A processing instruction (not the declaration).
    Instruction {
        at: usize,
    },
    /// The end of the document.
    Eof,
}

/// Why an element's attributes are refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AttrError {
    /// Markup quick-xml cannot read as an attribute; its words.
    Malformed(String),
    /// An attribute the element does not carry (its local name).
    Unknown(String),
    /// An attribute written twice (its local name).
    Twice(String),
    /// A value XML 1.0 does not allow.
    Value { name: String, error: ValueError },
    /// A value holding a character the policy refuses.
    Char { name: String, c: char },
}

/// The five entities XML predefines; no other is expanded.
const PREDEFINED: [&str; 5] = ["lt", "gt", "amp", "apos", "quot"];

/// Where the first character XML 1.0 refuses is in UTF-8 `text`: a C0
/// control other than tab, newline and carriage return, or U+FFFE / U+FFFF
/// (EF BF BE / EF BF BF). Eight bytes at a time: it runs over every document.
fn not_xml_char(text: &[u8]) -> Option<usize> {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let suspect = |b: u8| b < 0x20 || b == 0xEF;
    let bad = |i: usize| {
        let b = text[i];
        (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
            || (b == 0xEF
                && text.get(i + 1) == Some(&0xBF)
                && matches!(text.get(i + 2), Some(0xBE | 0xBF)))
    };
    let mut i = 0;
    while i + 8 <= text.len() {
        let mut word = [0; 8];
        word.copy_from_slice(&text[i..i + 8]);
        let w = u64::from_le_bytes(word);
        // A byte below 0x20 (the classic "has a byte less than n" test), or 0xEF.
        let below = w.wrapping_sub(LOW * 0x20) & !w & HIGH;
        let x = w ^ (LOW * 0xEF);
        let ef = x.wrapping_sub(LOW) & !x & HIGH;
        if below | ef != 0
            && let Some(j) = (i..i + 8).find(|&j| suspect(text[j]) && bad(j))
        {
            return Some(j);
        }
        i += 8;
    }
    (i..text.len()).find(|&j| bad(j))
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
        Some(_) => return Some("it must say version=\"1.0\" (XML 1.0)"),
        None => return Some("it must start with version=\"1.0\""),
    }
    if let Some(encoding) = pseudo(&mut rest, "encoding")
        && !encoding.eq_ignore_ascii_case("utf-8")
    {
        // Named as its own problem by the caller.
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

/// A document's bytes as text: XML is read as UTF-8 only.
pub(crate) fn decode(bytes: &[u8]) -> Result<&str, Error> {
    std::str::from_utf8(bytes).map_err(|e| Error {
        at: e.valid_up_to(),
        problem: Problem::NotUtf8,
    })
}

/// Every character of `text` is one XML 1.0 allows anywhere; else the first
/// that is not, and where.
pub(crate) fn check_chars(text: &str) -> Result<(), Error> {
    match not_xml_char(text.as_bytes()) {
        None => Ok(()),
        Some(at) => Err(Error {
            at,
            problem: Problem::NotXmlChar(text[at..].chars().next().unwrap_or_default()),
        }),
    }
}

/// The strict reader of one document whose own elements are in `namespace`.
///
/// Namespaces are resolved as XML Namespaces 1.0 says, but the declarations
/// are looked for only in the start tags that hold `xmlns` at all: a
/// listing declares its namespace once, on the root, and scanning the
/// attributes of every other tag for declarations was a sixth of the time
/// spent reading one.
pub(crate) struct Reader<'a> {
    text: &'a str,
    reader: quick_xml::Reader<&'a [u8]>,
    /// The declarations in scope, each at the depth of the element that made it.
    resolver: NamespaceResolver,
    /// Elements now open.
    depth: u16,
    /// The scope of the last empty element or end tag is to be left before
    /// the next token: its declarations still count for its attributes.
    leave: bool,
    namespace: &'static str,
    /// quick-xml counts positions after a byte-order mark: its length, added back.
    bom: usize,
    /// Bytes of `text` before quick-xml's input that it has not counted:
    /// those another reader read, added back too.
    skipped: usize,
}

impl<'a> Reader<'a> {
    /// The document `text`, once every character of it is one XML 1.0 allows.
    pub(crate) fn new(text: &'a str, namespace: &'static str) -> Result<Reader<'a>, Error> {
        check_chars(text)?;
        Ok(Reader::with_chars_checked_apart(text, namespace))
    }

    /// The reader of `text` whose characters [`check_chars`] checks apart (at
    /// the same time, on another thread): what it reads means something only
    /// once that check passed, and the check's error comes first.
    pub(crate) fn with_chars_checked_apart(text: &'a str, namespace: &'static str) -> Reader<'a> {
        let mut reader = quick_xml::Reader::from_str(text);
        reader.config_mut().check_comments = true;
        Reader {
            text,
            reader,
            resolver: NamespaceResolver::default(),
            depth: 0,
            leave: false,
            namespace,
            bom: if text.starts_with('\u{FEFF}') { 3 } else { 0 },
            skipped: 0,
        }
    }

    /// A reader of the rest of the element now open from `from` on, as this
    /// reader would read it if it got there with the same declarations in
    /// scope: the end tag that closes that element is its last token. The
    /// end tags of elements opened after `from` are checked as ever; that
    /// last one is checked by this reader, see [`Reader::skip_to`].
    pub(crate) fn part(&self, from: usize) -> Reader<'a> {
        let mut reader = quick_xml::Reader::from_str(&self.text[from..]);
        *reader.config_mut() = self.reader.config().clone();
        reader.config_mut().allow_unmatched_ends = true;
        Reader {
            text: self.text,
            reader,
            resolver: self.resolver.clone(),
            depth: self.depth,
            leave: self.leave,
            namespace: self.namespace,
            bom: 0,
            skipped: from,
        }
    }

    /// Passes over the text up to `at`, which a [`Reader::part`] of this
    /// reader has read from where this one is: the next token is the one there.
    pub(crate) fn skip_to(&mut self, at: usize) {
        let ahead = at.saturating_sub(self.position());
        let rest = self.reader.get_mut();
        *rest = &rest[ahead.min(rest.len())..];
        self.skipped += ahead;
    }

    /// The reader, passing over white space between elements without a
    /// [`Token::Blank`], for a document in which it means nothing: a large
    /// listing has as much of it as it has tags.
    pub(crate) fn without_blanks(mut self) -> Reader<'a> {
        self.reader.config_mut().trim_text_start = true;
        self
    }

    /// Enters the scope of a start tag (`open`, or an empty one): its own
    /// declarations, if it makes any, and the namespace of its name.
    fn enter(&mut self, start: &BytesStart<'_>, open: bool) -> Result<Scope, quick_xml::Error> {
        let inner = self
            .depth
            .checked_add(1)
            .ok_or(NamespaceError::TooDeeplyNested(usize::from(u16::MAX)))?;
        // Only a tag that holds `xmlns` somewhere can declare a namespace.
        if start.attributes_raw().contains("xmlns") {
            self.resolver.set_level(self.depth);
            self.resolver.push(start)?;
        }
        if open {
            self.depth = inner;
        } else {
            self.leave = true;
        }
        let (ns, _) = self.resolver.resolve_element(start.name());
        Ok(scope(self.namespace, ns))
    }

    /// Where the reader is: the byte offset just after the last token.
    pub(crate) fn position(&self) -> usize {
        usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX)
            + self.bom
            + self.skipped
    }

    fn error(at: usize, problem: Problem) -> Error {
        Error { at, problem }
    }

    fn syntax(&self, e: quick_xml::Error) -> Error {
        match e {
            quick_xml::Error::Namespace(NamespaceError::TooManyBindings(limit)) => {
                // The reader has read the whole tag and names no position
                // for a namespace error: the tag's `<` is the last before its end.
                let end = self.position();
                let at = self.text.get(..end).and_then(|t| t.rfind('<')).unwrap_or(0);
                Reader::error(at, Problem::TooManyBindings(limit))
            }
            e => Reader::error(
                usize::try_from(self.reader.error_position()).unwrap_or(usize::MAX)
                    + self.bom
                    + self.skipped,
                Problem::Syntax(e.to_string()),
            ),
        }
    }

    /// The next token. The declaration is checked and passed over; a DTD is
    /// refused, and so is a reference other than the predefined entities and
    /// characters XML 1.0 allows.
    pub(crate) fn next(&mut self) -> Result<Token<'a>, Error> {
        loop {
            if self.leave {
                self.resolver.set_level(self.depth);
                self.leave = false;
            }
            let event = match self.reader.read_event() {
                Ok(event) => event,
                Err(e) => return Err(self.syntax(e)),
            };
            let end = self.position();
            return Ok(match event {
                Event::Start(start) => Token::Start {
                    at: end.saturating_sub(start.len() + 2),
                    scope: self.enter(&start, true).map_err(|e| self.syntax(e))?,
                    start,
                    open: true,
                },
                Event::Empty(start) => Token::Start {
                    at: end.saturating_sub(start.len() + 3),
                    scope: self.enter(&start, false).map_err(|e| self.syntax(e))?,
                    start,
                    open: false,
                },
                Event::End(end_tag) => {
                    // quick-xml has checked that it closes the open element.
                    self.depth = self.depth.saturating_sub(1);
                    self.leave = true;
                    Token::End {
                        at: end.saturating_sub(end_tag.len() + 3),
                    }
                }
                Event::Text(text) => {
                    let at = end.saturating_sub(text.len());
                    let blank = self.text.as_bytes()[at..end]
                        .iter()
                        .take_while(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
                        .count();
                    if at + blank == end {
                        Token::Blank
                    } else {
                        Token::Text { at: at + blank }
                    }
                }
                Event::CData(cdata) => Token::Text {
                    at: end.saturating_sub(cdata.len() + 12),
                },
                Event::GeneralRef(reference) => {
                    let at = end.saturating_sub(reference.len() + 2);
                    check_reference(&reference).map_err(|p| Reader::error(at, p))?;
                    Token::Text { at }
                }
                Event::Comment(comment) => Token::Comment {
                    at: end.saturating_sub(comment.len() + 7),
                },
                Event::PI(pi) => {
                    let at = self.text[..end].rfind("<?").unwrap_or(0);
                    // A target `xml` in any case is reserved: a misplaced or
                    // misspelt declaration.
                    if pi.target().eq_ignore_ascii_case("xml") {
                        return Err(Reader::error(
                            at,
                            Problem::Declaration("it must be written `<?xml` in lower case"),
                        ));
                    }
                    Token::Instruction { at }
                }
                Event::Decl(decl) => {
                    let at = self.text[..end].rfind("<?").unwrap_or(0);
                    if at != self.bom {
                        return Err(Reader::error(
                            at,
                            Problem::Declaration(
                                "it must come first in the document, before anything else (even spaces), and only once",
                            ),
                        ));
                    }
                    // Between `<?xml` and `?>`.
                    let content = &self.text[at + 5..end.saturating_sub(2)];
                    if let Some(problem) = declaration_problem(content) {
                        return Err(Reader::error(at, Problem::Declaration(problem)));
                    }
                    if let Some(Ok(encoding)) = decl.encoding()
                        && !encoding.eq_ignore_ascii_case("utf-8")
                    {
                        return Err(Reader::error(at, Problem::Encoding(encoding.into_owned())));
                    }
                    continue;
                }
                Event::DocType(_) => {
                    let at = self.text[..end].rfind("<!DOCTYPE").unwrap_or(0);
                    return Err(Reader::error(at, Problem::Doctype));
                }
                Event::Eof => Token::Eof,
            });
        }
    }

    /// The attributes of one element of ours: each of `names` at most once,
    /// in the order asked for (`None` when absent), any other refused.
    /// Namespace declarations are the reader's; an attribute in another
    /// namespace is skipped (its value still checked) when `extensions`, else
    /// refused. `kind` gives the character policy of each name.
    pub(crate) fn attributes<'v, const N: usize>(
        &self,
        start: &'v BytesStart<'_>,
        names: [&'static str; N],
        extensions: bool,
        kind: impl Fn(&str) -> Kind,
    ) -> Result<[Option<Cow<'v, str>>; N], AttrError> {
        let mut values: [Option<Cow<'v, str>>; N] = [const { None }; N];
        let mut attributes = start.attributes();
        // Duplicates among the attributes that count are caught below, without
        // the per-element allocation quick-xml's own check makes.
        attributes.with_checks(false);
        for attr in attributes {
            let attr = attr.map_err(|e| AttrError::Malformed(e.to_string()))?;
            let key: QName<'_> = attr.key;
            let qname = key.into_inner();
            // The usual case first: one of `names`, written without a prefix.
            let slot = match names.iter().position(|n| *n == qname) {
                Some(slot) => slot,
                None if qname == "xmlns" || qname.starts_with("xmlns:") => continue,
                None => {
                    let local = match self.resolver.resolve_attribute(key) {
                        (ResolveResult::Unbound, _) => qname,
                        (ResolveResult::Bound(Namespace(n)), local) if n == self.namespace => {
                            local.into_inner()
                        }
                        _ if extensions => {
                            checked(&attr, qname)?;
                            continue;
                        }
                        _ => return Err(AttrError::Unknown(qname.to_string())),
                    };
                    names
                        .iter()
                        .position(|n| *n == local)
                        .ok_or_else(|| AttrError::Unknown(local.to_string()))?
                }
            };
            let local = names[slot];
            if values[slot].is_some() {
                return Err(AttrError::Twice(local.to_string()));
            }
            // The usual case, printable ASCII with nothing to replace, in
            // one look at each byte (without stopping early, so that the
            // compiler looks at many at once); anything else is checked in full.
            let plain = attr.value.bytes().fold(true, |plain, b| {
                plain & matches!(b, 0x20..=0x7e) & (b != b'<') & (b != b'&')
            });
            let value = if plain {
                attr.value.clone()
            } else {
                let value = checked(&attr, local)?;
                if let Some(c) = refused_char(&value, kind(names[slot])) {
                    return Err(AttrError::Char {
                        name: local.to_string(),
                        c,
                    });
                }
                value
            };
            values[slot] = Some(value);
        }
        Ok(values)
    }

    /// Checks the values of an element that is not ours (ignored, but still
    /// free of entities and of characters XML 1.0 refuses).
    pub(crate) fn foreign_attributes(&self, start: &BytesStart<'_>) -> Result<(), AttrError> {
        for attr in start.attributes() {
            let attr = attr.map_err(|e| AttrError::Malformed(e.to_string()))?;
            checked(&attr, attr.key.into_inner())?;
        }
        Ok(())
    }
}

/// The scope of a name quick-xml resolved, for a reader of `namespace`.
fn scope(namespace: &str, ns: ResolveResult<'_>) -> Scope {
    match ns {
        ResolveResult::Bound(Namespace(n)) if n == namespace => Scope::Ours,
        ResolveResult::Bound(Namespace(n)) => Scope::Other(n.to_string()),
        ResolveResult::Unbound => Scope::Unbound,
        ResolveResult::Unknown(prefix) => Scope::Unknown(prefix),
    }
}

/// An attribute's [`value`], its error naming it.
fn checked<'v>(attr: &Attribute<'v>, name: &str) -> Result<Cow<'v, str>, AttrError> {
    value(attr).map_err(|error| AttrError::Value {
        name: name.to_string(),
        error,
    })
}

/// A reference outside attribute values: one of the predefined entities, or
/// a character XML 1.0 allows.
fn check_reference(name: &str) -> Result<(), Problem> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix('x') {
            Some(hex) => u32::from_str_radix(hex, 16),
            None => number.parse(),
        };
        return match code.ok().and_then(char::from_u32) {
            Some(c) if is_xml_char(c) => Ok(()),
            _ => Err(Problem::CharReference(name.to_string())),
        };
    }
    if PREDEFINED.contains(&name) {
        return Ok(());
    }
    Err(Problem::Entity(name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_value(tag: &str) -> Result<String, ValueError> {
        let start = BytesStart::from_content(tag, 1);
        let attr = start.attributes().next().unwrap().unwrap();
        value(&attr).map(Cow::into_owned)
    }

    #[test]
    fn values_follow_xml_1_0() {
        assert_eq!(first_value("x a=\"P&lt;Q\"").unwrap(), "P<Q");
        assert_eq!(first_value("x a=\"P<Q\""), Err(ValueError::RawLessThan));
        assert_eq!(first_value("x a='P<Q'"), Err(ValueError::RawLessThan));
        assert_eq!(first_value("x a=\"a\tb\"").unwrap(), "a b");
        assert_eq!(
            first_value("x a=\"&#1;\""),
            Err(ValueError::NotXmlChar('\u{1}'))
        );
        assert!(matches!(
            first_value("x a=\"&nbsp;\""),
            Err(ValueError::Reference(_))
        ));
    }

    #[test]
    fn plain_text_is_stricter_than_free_text() {
        assert_eq!(refused_char("smp-8.0", Kind::Plain), None);
        assert_eq!(refused_char("a\tb", Kind::Text), None);
        assert_eq!(refused_char("a\tb", Kind::Plain), Some('\t'));
        assert_eq!(refused_char("a\nb", Kind::Text), Some('\n'));
        assert_eq!(refused_char("a\u{9B}b", Kind::Text), Some('\u{9B}'));
        assert_eq!(refused_char("a\u{202E}b", Kind::Text), None);
        assert_eq!(refused_char("a\u{202E}b", Kind::Plain), Some('\u{202E}'));
        assert_eq!(refused_char("a\u{FFFE}", Kind::Text), Some('\u{FFFE}'));
        assert_eq!(char_class('\u{200B}'), "bidirectional or invisible");
        assert_eq!(char_class('\u{1}'), "control");
    }

    #[test]
    fn the_character_scan_finds_the_first_refused_character_at_any_offset() {
        for at in 0..20 {
            for bad in ["\u{1}", "\u{1F}", "\u{FFFE}", "\u{FFFF}"] {
                let text = format!("{}{bad}ab\u{FFFD}é\t\n\r", "x".repeat(at));
                assert_eq!(not_xml_char(text.as_bytes()), Some(at), "{at} {bad:?}");
            }
            let fine = format!("{}\u{FFFD}\u{EFFF}é\t\n\r ", "x".repeat(at));
            assert_eq!(not_xml_char(fine.as_bytes()), None, "{at}");
        }
    }

    #[test]
    fn lines_and_columns_are_one_based_and_count_characters() {
        let text = "ab\nçd<e/>\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 3), (2, 1));
        // 'ç' is two bytes, one column.
        assert_eq!(line_column(text, 6), (2, 3));
        // An offset inside a character points at that character.
        assert_eq!(line_column(text, 4), (2, 1));
    }

    #[test]
    fn attributes_are_matched_strictly() {
        let doc = br#"<a xmlns="urn:t" xmlns:x="urn:x" id="1" x:any="y" name="n&amp;m"/>"#;
        let mut reader = Reader::new(decode(doc).unwrap(), "urn:t").unwrap();
        let Token::Start { start, scope, .. } = reader.next().unwrap() else {
            panic!("a start tag");
        };
        assert_eq!(scope, Scope::Ours);
        let [id, name, other] = reader
            .attributes(&start, ["id", "name", "other"], true, |_| Kind::Plain)
            .unwrap();
        assert_eq!(id.as_deref(), Some("1"));
        assert!(matches!(id, Some(Cow::Borrowed(_))));
        assert_eq!(name.as_deref(), Some("n&m"));
        assert_eq!(other, None);
        assert_eq!(
            reader.attributes(&start, ["id", "name"], false, |_| Kind::Plain),
            Err(AttrError::Unknown("x:any".into()))
        );
        assert_eq!(
            reader.attributes(&start, ["id"], true, |_| Kind::Plain),
            Err(AttrError::Unknown("name".into()))
        );
        for (doc, expected) in [
            (
                &br#"<a xmlns="urn:t" id="1" id="2"/>"#[..],
                AttrError::Twice("id".into()),
            ),
            (
                "<a xmlns=\"urn:t\" id=\"a\u{200B}b\"/>".as_bytes(),
                AttrError::Char {
                    name: "id".into(),
                    c: '\u{200B}',
                },
            ),
        ] {
            let mut reader = Reader::new(decode(doc).unwrap(), "urn:t").unwrap();
            let Token::Start { start, .. } = reader.next().unwrap() else {
                panic!("a start tag");
            };
            assert_eq!(
                reader.attributes(&start, ["id"], true, |_| Kind::Plain),
                Err(expected)
            );
        }
    }

    #[test]
    fn a_declaration_holds_for_its_element_and_what_it_contains_only() {
        let doc = r#"<a xmlns="urn:t"><b xmlns="urn:x"><c/></b><d/><e xmlns:p="urn:t" p:id="1"/><p:f/></a>"#;
        for blanks in [true, false] {
            let mut reader = Reader::new(doc, "urn:t").unwrap();
            if !blanks {
                reader = reader.without_blanks();
            }
            let mut seen = Vec::new();
            loop {
                match reader.next().unwrap() {
                    Token::Start { start, scope, .. } => {
                        let name = start.local_name().into_inner().to_string();
                        if name == "e" {
                            // Its own declaration counts for its attributes.
                            let [id] = reader
                                .attributes(&start, ["id"], false, |_| Kind::Plain)
                                .unwrap();
                            assert_eq!(id.as_deref(), Some("1"));
                        }
                        seen.push((name, scope));
                    }
                    Token::Eof => break,
                    _ => {}
                }
            }
            let other = || Scope::Other("urn:x".into());
            assert_eq!(
                seen,
                [
                    ("a".into(), Scope::Ours),
                    ("b".into(), other()),
                    ("c".into(), other()),
                    ("d".into(), Scope::Ours),
                    ("e".into(), Scope::Ours),
                    ("f".into(), Scope::Unknown("p".into())),
                ]
            );
        }
    }

    #[test]
    fn text_after_white_space_is_where_it_is_with_or_without_blanks() {
        for blanks in [true, false] {
            let mut reader = Reader::new("<a>\n  x</a>", "urn:t").unwrap();
            if !blanks {
                reader = reader.without_blanks();
            }
            assert!(matches!(reader.next(), Ok(Token::Start { at: 0, .. })));
            assert!(matches!(reader.next(), Ok(Token::Text { at: 6 })));
            let mut reader = Reader::new("<a>\n  </a>", "urn:t").unwrap();
            if !blanks {
                reader = reader.without_blanks();
            }
            reader.next().unwrap();
            assert_eq!(matches!(reader.next(), Ok(Token::Blank)), blanks);
        }
    }

    #[test]
    fn dtds_entities_and_late_declarations_are_refused_where_they_are() {
        for (doc, at, problem) in [
            (&b"<!DOCTYPE a><a/>"[..], 0, Problem::Doctype),
            (b"<a>&ent;</a>", 3, Problem::Entity("ent".into())),
            (b"<a>&#1;</a>", 3, Problem::CharReference("#1".into())),
            (b"<a>\x01</a>", 3, Problem::NotXmlChar('\u{1}')),
            (b"<a>\xff</a>", 3, Problem::NotUtf8),
        ] {
            let error = decode(doc)
                .and_then(|t| Reader::new(t, "urn:t"))
                .and_then(|mut r| {
                    loop {
                        if let Token::Eof = r.next()? {
                            break Ok(());
                        }
                    }
                });
            assert_eq!(error, Err(Error { at, problem }), "{doc:?}");
        }
        let mut reader = Reader::new(" <?xml version=\"1.0\"?><a/>", "urn:t").unwrap();
        assert!(matches!(reader.next(), Ok(Token::Blank)));
        assert!(matches!(
            reader.next(),
            Err(Error {
                at: 1,
                problem: Problem::Declaration(_)
            })
        ));
    }
}
