//! Reading a history file on the online side (`--history`): strictly, because
//! an incremental bundle is only as right as what it was built from. A file
//! that is not a history, is from a newer format, was cut short, damaged or
//! edited is refused with a message saying which, and what to do. A file
//! the writer wrote is read as it streams in, as the writer writes it
//! (`canonical.rs`); any other is read whole, here, by the strict XML
//! reader, which checks in the order of the format's rules and names the
//! first thing wrong: one pass that reads the model and, line by line,
//! compares the file with what the writer makes of it, after one pass of
//! the hasher over the digest.

use super::{
    Bundle, DECLARATION, History, Installer, License, LicenseState, Listing, NAMESPACE, Product,
};
use crate::listing::{Version, is_guid, is_product_id};
use crate::text::escaped;
use crate::xml::{AttrError, Kind, Reader, Scope, Token, line_column};
use bundle_format::regular;
use quick_xml::events::BytesStart;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::io::{BufReader, Read};
use std::path::Path;
use time::{Date, Month, Time};

/// The largest history file read (one line per product, listing and bundle).
pub const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// A history file read and checked, with the sha256 of its bytes (what an
/// incremental bundle built from it names as its base).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Imported {
    pub history: History,
    pub sha256: String,
}

/// Why a file is not a history this program can build from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read it: {0}")]
    Io(String),
    #[error(
        "not an Airlock product history ({0}); on the offline machine, `airlock history export --out FILE` writes one"
    )]
    Foreign(String),
    #[error(
        "written by a newer Airlock (history format version {0}; this one reads version 1): build with a newer Airlock"
    )]
    Newer(String),
    #[error(
        "cut short: it does not end with its digest and </history>; copy it again from the offline machine"
    )]
    CutShort,
    #[error(
        "its line ends were changed to CRLF (by a copy in text mode, or an editor): copy it again as a binary file, or export it again"
    )]
    LineEnds,
    #[error(
        "{0} bytes follow </history>, which ends a history: copy it again as a binary file, or export it again"
    )]
    Trailing(usize),
    #[error(
        "damaged or edited: its content hashes to {actual}, its digest says {stated}; export it again on the offline machine"
    )]
    Damaged { stated: String, actual: String },
    #[error("line {line}: {problem}; export it again on the offline machine")]
    Field { line: usize, problem: String },
    #[error(
        "line {line} is not as Airlock writes it (edited by hand, or rewritten by another tool); export it again on the offline machine"
    )]
    Edited { line: usize },
}

impl Imported {
    /// Reads a history file (a regular file, bounded in size): as it streams
    /// in when it is as the writer writes it, else whole, so that what is
    /// wrong with it is named (and a file that cannot be read says why).
    pub fn load(path: &Path) -> Result<Imported, ReadError> {
        const WHAT: &str = "a history file";
        if let Ok(file) = regular::open_as(path, WHAT)
            && let Ok(size) = file.metadata().map(|m| m.len())
            && size <= MAX_BYTES
        {
            let mut input = BufReader::with_capacity(1 << 16, file.take(MAX_BYTES + 1));
            // Past the limit, the file grew since its size was read.
            if let Some(read) = super::canonical::read(&mut input, size)
                && input.get_ref().limit() > 0
            {
                return Ok(read);
            }
        }
        let bytes = regular::read_bounded(path, MAX_BYTES, WHAT)
            .map_err(|e| ReadError::Io(e.to_string()))?;
        strict(&bytes)
    }

    /// Checks and reads the bytes of a history file, in the order
    /// `bundle-format/HISTORY.md` gives.
    pub fn parse(bytes: &[u8]) -> Result<Imported, ReadError> {
        match super::canonical::read(bytes, bytes.len() as u64) {
            Some(read) => Ok(read),
            None => strict(bytes),
        }
    }
}

/// Reads `bytes` with the strict XML reader, checking as it goes in the
/// order `bundle-format/HISTORY.md` gives: what a file that is not as the
/// writer writes it gets, so the first thing wrong in it is named.
fn strict(bytes: &[u8]) -> Result<Imported, ReadError> {
    let text =
        crate::xml::decode(bytes).map_err(|_| ReadError::Foreign("it is not UTF-8 text".into()))?;
    let reader = Reader::new(text, NAMESPACE).map_err(|e| {
        let (line, _) = line_column(text, e.at);
        ReadError::Foreign(format!("not XML: line {line}: {}", e.problem))
    })?;
    let mut doc = Doc {
        text,
        reader,
        depth: 0,
        checked_to: 0,
        edited: None,
    };
    doc.root()?;
    let sealed = check_digest(text)?;
    let history = doc.body()?;
    // Between the end of the bundles and the digest line: one line end.
    let end = doc.checked_to;
    doc.differs(end, text.get(end..sealed.body).unwrap_or_default(), "\n");
    if let Some(at) = doc.edited {
        return Err(ReadError::Edited { line: doc.line(at) });
    }
    Ok(Imported {
        history,
        sha256: sealed.sha256,
    })
}

/// What [`check_digest`] found: where the digest line starts, and the
/// sha256 of the whole file (one pass of the hasher over the bytes).
struct Sealed {
    body: usize,
    sha256: String,
}

/// The digest line and the end: everything before `  <digest` hashes to it.
fn check_digest(text: &str) -> Result<Sealed, ReadError> {
    const OPEN: &str = "\n  <digest algorithm=\"sha256\">";
    const CLOSE: &str = "</digest>\n</history>\n";
    let Some(body) = text.strip_suffix(CLOSE) else {
        if text.contains("\r\n") {
            return Err(ReadError::LineEnds);
        }
        if let Some(at) = text.find(CLOSE) {
            return Err(ReadError::Trailing(text.len() - at - CLOSE.len()));
        }
        return Err(ReadError::CutShort);
    };
    let Some(at) = body.rfind(OPEN) else {
        return Err(ReadError::CutShort);
    };
    let stated = &body[at + OPEN.len()..];
    let mut hasher = Sha256::new();
    hasher.update(&text.as_bytes()[..=at]);
    let actual = hex::encode(hasher.clone().finalize());
    if stated != actual {
        return Err(ReadError::Damaged {
            stated: escaped(stated).into_owned(),
            actual,
        });
    }
    hasher.update(&text.as_bytes()[at + 1..]);
    Ok(Sealed {
        body: at + 1,
        sha256: hex::encode(hasher.finalize()),
    })
}

struct Doc<'a> {
    text: &'a str,
    reader: Reader<'a>,
    /// History elements now open (the root is depth 1).
    depth: usize,
    /// Where the text proved to be as the writer writes it ends.
    checked_to: usize,
    /// The first byte that is not as the writer writes it, if any: named
    /// once every field has been checked (rule 5 comes after rule 4).
    edited: Option<usize>,
}

/// One element of the document: its local name, whether it has children,
/// where it starts, and its tag as read.
struct Element<'a> {
    open: bool,
    at: usize,
    start: BytesStart<'a>,
}

impl Element<'_> {
    fn name(&self) -> &str {
        self.start.local_name().into_inner()
    }
}

impl<'a> Doc<'a> {
    /// The line of byte offset `at`, counted only for a message.
    fn line(&self, at: usize) -> usize {
        line_column(self.text, at).0
    }

    fn field(&self, at: usize, problem: impl Into<String>) -> ReadError {
        ReadError::Field {
            line: self.line(at),
            problem: problem.into(),
        }
    }

    fn bad(&self, e: &Element<'_>, name: &str, value: &str, should: &str) -> ReadError {
        self.field(
            e.at,
            format!(
                "<{}> {name}=\"{}\" is not {should}",
                e.name(),
                escaped(value)
            ),
        )
    }

    /// Notes the first place where `found`, read at `at`, is not `expected`.
    fn differs(&mut self, at: usize, found: &str, expected: &str) {
        if self.edited.is_none() && found != expected {
            let same = found
                .bytes()
                .zip(expected.bytes())
                .take_while(|(a, b)| a == b)
                .count();
            self.edited = Some(at + same);
        }
    }

    /// Whether what lies between the last tag checked and the tag at `at`
    /// is the writer's: a line end and two spaces per level.
    fn indented(&mut self, at: usize, level: usize) {
        const SPACES: &str = "\n      ";
        let expected = SPACES.get(..1 + 2 * level).unwrap_or(SPACES);
        let found = self.text.get(self.checked_to..at).unwrap_or_default();
        self.differs(self.checked_to, found, expected);
    }

    /// Whether the tag at `at`, up to where the reader is, is what the
    /// writer writes for `start` (empty or not).
    fn written(&mut self, at: usize, start: &BytesStart<'_>, open: bool) {
        let end = self.reader.position();
        let found = self.text.get(at..end).unwrap_or_default();
        let content: &str = start;
        let close = if open { ">" } else { "/>" };
        let matches = found.len() == content.len() + 1 + close.len()
            && found.starts_with('<')
            && found[1..].starts_with(content)
            && found.ends_with(close);
        if !matches {
            self.differs(at, found, &format!("<{content}{close}"));
        }
        self.checked_to = end;
    }

    /// The next token that is not white space ([`Doc::indented`] checks that).
    fn token(&mut self) -> Result<Token<'a>, ReadError> {
        loop {
            let token = self.reader.next().map_err(|e| {
                self.field(
                    e.at,
                    format!("not well-formed XML: {}", escaped(&e.problem.to_string())),
                )
            })?;
            if !matches!(token, Token::Blank) {
                return Ok(token);
            }
        }
    }

    /// The next element start or end (`None`: an end tag).
    fn next(&mut self) -> Result<Option<Element<'a>>, ReadError> {
        let (start, at, open, scope) = match self.token()? {
            Token::Start {
                start,
                at,
                open,
                scope,
            } => (start, at, open, scope),
            Token::End { at } => {
                self.depth = self.depth.saturating_sub(1);
                self.indented(at, self.depth);
                let end = self.reader.position();
                let found = self.text.get(at..end).unwrap_or_default();
                // The element closed is the one last opened, by well-formedness.
                let name = found
                    .trim_start_matches("</")
                    .trim_end_matches('>')
                    .trim_end_matches([' ', '\t', '\r', '\n']);
                let expected = format!("</{name}>");
                self.differs(at, found, &expected);
                self.checked_to = end;
                return Ok(None);
            }
            Token::Eof => return Err(ReadError::CutShort),
            Token::Text { at } => {
                return Err(self.field(at, "text where a history has only elements"));
            }
            Token::Comment { at } | Token::Instruction { at } => {
                return Err(self.field(
                    at,
                    "a comment, processing instruction or DTD, which a history never holds",
                ));
            }
            Token::Blank => unreachable!("white space is kept by `token`"),
        };
        if scope != Scope::Ours {
            return Err(self.field(
                at,
                format!(
                    "<{}> is not in the history namespace {NAMESPACE}",
                    escaped(start.name().as_ref())
                ),
            ));
        }
        self.indented(at, self.depth);
        if open {
            self.depth += 1;
        }
        Ok(Some(Element { open, at, start }))
    }

    /// Takes the attributes in `names` (any other is an error); `None` for one absent.
    fn take<'e, const N: usize>(
        &self,
        e: &'e Element<'a>,
        names: [&'static str; N],
    ) -> Result<[Option<Cow<'e, str>>; N], ReadError> {
        let found = self
            .reader
            .attributes(&e.start, names, false, |_| Kind::Plain)
            .map_err(|err| {
                let name = escaped(e.name());
                self.field(
                    e.at,
                    match err {
                        AttrError::Malformed(m) => format!("<{name}>: {}", escaped(&m)),
                        AttrError::Unknown(key) => format!(
                            "<{name}> has an attribute {} that a history does not",
                            escaped(&key)
                        ),
                        AttrError::Twice(key) => {
                            format!("<{name}> has the attribute {} twice", escaped(&key))
                        }
                        AttrError::Value { name: key, error } => {
                            format!("<{name}> {}: {error}", escaped(&key))
                        }
                        AttrError::Char { name: key, .. } => {
                            let value = e
                                .start
                                .try_get_attribute(key.as_str())
                                .ok()
                                .flatten()
                                .map(|a| a.value.into_owned())
                                .unwrap_or_default();
                            format!(
                                "<{name}> {key}=\"{}\" holds control, bidirectional or invisible characters",
                                escaped(&value)
                            )
                        }
                    },
                )
            })?;
        for (key, value) in names.iter().zip(&found) {
            if value.as_deref() == Some("") {
                return Err(self.field(e.at, format!("<{}> {key}=\"\" is empty", e.name())));
            }
        }
        Ok(found)
    }

    fn required<'v>(
        &self,
        e: &Element<'_>,
        name: &str,
        value: Option<Cow<'v, str>>,
    ) -> Result<Cow<'v, str>, ReadError> {
        value.ok_or_else(|| self.field(e.at, format!("<{}> needs the attribute {name}", e.name())))
    }

    /// The root: a `history` element in the namespace, of version 1.
    fn root(&mut self) -> Result<(), ReadError> {
        let foreign = |e: crate::xml::Error| {
            ReadError::Foreign(format!("not XML: {}", escaped(&e.problem.to_string())))
        };
        let (start, at, scope) = loop {
            match self.reader.next().map_err(foreign)? {
                Token::Start {
                    start, at, scope, ..
                } => break (start, at, scope),
                Token::Blank | Token::Comment { .. } | Token::Instruction { .. } => {}
                Token::Text { .. } | Token::End { .. } | Token::Eof => {
                    return Err(ReadError::Foreign("it holds no XML element".into()));
                }
            }
        };
        let name = start.local_name().into_inner();
        if name != "history" || scope != Scope::Ours {
            let namespace = match &scope {
                Scope::Ours => NAMESPACE.to_string(),
                Scope::Other(n) => n.clone(),
                Scope::Unbound | Scope::Unknown(_) => "no namespace".into(),
            };
            return Err(ReadError::Foreign(format!(
                "its root element is <{}> in {}",
                escaped(name),
                escaped(&namespace)
            )));
        }
        let root = Element {
            open: true,
            at,
            start,
        };
        let [version] = self.take(&root, ["version"])?;
        let version = self.required(&root, "version", version)?;
        match version.parse::<f64>() {
            _ if version == "1" => {}
            Ok(n) if n > 1.0 => return Err(ReadError::Newer(escaped(&version).into_owned())),
            _ => return Err(self.bad(&root, "version", &version, "a format version (1)")),
        }
        // The declaration, a line end, then the root's start tag as written.
        let head = self.text.get(..DECLARATION.len()).unwrap_or_default();
        self.differs(0, head, DECLARATION);
        self.checked_to = DECLARATION.len();
        self.indented(at, 0);
        self.written(at, &super::root_element(), true);
        self.depth = 1;
        Ok(())
    }

    /// Everything inside `history`, in the order the format gives.
    fn body(&mut self) -> Result<History, ReadError> {
        let machine = self.expect("machine")?;
        let [id, name] = self.take(&machine, ["id", "name"])?;
        let machine_id = self.required(&machine, "id", id)?.into_owned();
        if !is_machine_id(&machine_id) {
            return Err(self.bad(&machine, "id", &machine_id, "32 lowercase hex digits"));
        }
        let machine_name = self.required(&machine, "name", name)?.into_owned();
        let mut history = History {
            machine_id,
            machine_name,
            installer: None,
            products: Vec::new(),
            listings: Vec::new(),
            bundles: Vec::new(),
        };
        self.written(machine.at, &history.machine_element(), false);
        let mut next = self.next()?;
        if let Some(e) = next.as_ref().filter(|e| e.name() == "installer" && !e.open) {
            let [name, version] = self.take(e, ["name", "version"])?;
            let version = self.required(e, "version", version)?;
            let installer = Installer {
                name: self.required(e, "name", name)?.into_owned(),
                version: self.version(e, "version", &version)?,
            };
            self.written(e.at, &super::installer_element(&installer), false);
            history.installer = Some(installer);
            next = self.next()?;
        }
        let products = self.list(next, "products", "product", product, super::product_element)?;
        if let Some(pair) = products.windows(2).find(|p| p[0].0.id >= p[1].0.id) {
            return Err(self.field(
                pair[1].1,
                format!(
                    "product {} comes after {}: products are listed once each, sorted by id",
                    pair[1].0.id, pair[0].0.id
                ),
            ));
        }
        let next = self.next()?;
        let listings = self.list(next, "listings", "listing", listing, super::listing_element)?;
        let mut seen = rustc_hash::FxHashSet::default();
        for (l, at) in &listings {
            if !seen.insert((&l.vendor, &l.name)) {
                return Err(self.field(
                    *at,
                    format!(
                        "listing {} / {} comes twice: a history names each listing once",
                        escaped(&l.vendor),
                        escaped(&l.name)
                    ),
                ));
            }
        }
        let next = self.next()?;
        let bundles = self.list(next, "bundles", "bundle", bundle, super::bundle_element)?;
        history.products = products.into_iter().map(|(p, _)| p).collect();
        history.listings = listings.into_iter().map(|(l, _)| l).collect();
        history.bundles = bundles.into_iter().map(|(b, _)| b).collect();
        Ok(history)
    }

    /// The empty element `<NAME/>`, next.
    fn expect(&mut self, name: &str) -> Result<Element<'a>, ReadError> {
        let at = self.reader.position();
        match self.next()? {
            Some(e) if e.name() == name && !e.open => Ok(e),
            Some(e) => Err(self.field(
                e.at,
                format!("<{}> where <{name}> belongs", escaped(e.name())),
            )),
            None => Err(self.field(at, format!("an end tag where <{name}> belongs"))),
        }
    }

    /// `<NAME/>`, or `<NAME>` with `<ITEM/>` children read by `read` and
    /// compared with what `write` writes of them, each with its offset.
    fn list<T>(
        &mut self,
        first: Option<Element<'a>>,
        name: &'static str,
        item: &str,
        read: fn(&Self, &Element<'a>) -> Result<T, ReadError>,
        write: fn(&T) -> BytesStart<'_>,
    ) -> Result<Vec<(T, usize)>, ReadError> {
        let at = self.reader.position();
        let list = match first {
            Some(e) if e.name() == name => e,
            Some(e) => {
                return Err(self.field(
                    e.at,
                    format!("<{}> where <{name}> belongs", escaped(e.name())),
                ));
            }
            None => return Err(self.field(at, format!("an end tag where <{name}> belongs"))),
        };
        self.take::<0>(&list, [])?;
        self.written(list.at, &BytesStart::new(name), list.open);
        let mut items = Vec::new();
        if list.open {
            while let Some(e) = self.next()? {
                if e.name() != item || e.open {
                    return Err(self.field(
                        e.at,
                        format!(
                            "<{}> inside <{name}>, which holds <{item}/>",
                            escaped(e.name())
                        ),
                    ));
                }
                let value = read(self, &e)?;
                self.written(e.at, &write(&value), false);
                items.push((value, e.at));
            }
        }
        // An empty list is written `<NAME/>`.
        if list.open && items.is_empty() && self.edited.is_none() {
            self.edited = Some(list.at);
        }
        Ok(items)
    }

    fn version(&self, e: &Element<'_>, name: &str, value: &str) -> Result<Version, ReadError> {
        value
            .parse()
            .map_err(|_| self.bad(e, name, value, "a version (1 to 4 numbers joined by dots)"))
    }

    /// A date-time as the writer gives it (RFC 3339, UTC, to the second), in unix seconds.
    fn date(&self, e: &Element<'_>, name: &str, value: &str) -> Result<u64, ReadError> {
        unix_seconds(value).ok_or_else(|| {
            self.bad(
                e,
                name,
                value,
                "an RFC 3339 date-time in UTC to the second (2026-12-02T12:10:49Z)",
            )
        })
    }
}

/// A machine's id as the writer writes it: 32 lowercase hex digits.
pub(super) fn is_machine_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A date-time as the writer writes it (`2026-12-02T12:10:49Z`: RFC 3339,
/// UTC, to the second, from 1970 on), in unix seconds; `None` for any
/// other text. Read field by field: each of a history's lines holds one.
pub(super) fn unix_seconds(value: &str) -> Option<u64> {
    let b = value.as_bytes();
    let shape = b"0000-00-00T00:00:00Z";
    let fits = b.len() == shape.len()
        && b.iter().zip(shape).all(|(&c, &s)| match s {
            b'0' => c.is_ascii_digit(),
            _ => c == s,
        });
    if !fits {
        return None;
    }
    let number = |at: usize, len: usize| {
        b[at..at + len]
            .iter()
            .fold(0u16, |n, d| n * 10 + u16::from(d - b'0'))
    };
    let month = Month::try_from(u8::try_from(number(5, 2)).ok()?).ok()?;
    let date = Date::from_calendar_date(i32::from(number(0, 4)), month, number(8, 2) as u8).ok()?;
    let time = Time::from_hms(
        number(11, 2) as u8,
        number(14, 2) as u8,
        number(17, 2) as u8,
    )
    .ok()?;
    u64::try_from(date.with_time(time).assume_utc().unix_timestamp()).ok()
}

fn product(doc: &Doc<'_>, e: &Element<'_>) -> Result<Product, ReadError> {
    let [id, version, hotfix, code, installed, license, expires] = doc.take(
        e,
        [
            "id",
            "version",
            "hotfix",
            "productCode",
            "installed",
            "license",
            "licenseExpires",
        ],
    )?;
    let id = doc.required(e, "id", id)?;
    if !is_product_id(&id) {
        return Err(doc.bad(e, "id", &id, "a product id"));
    }
    let version = doc.required(e, "version", version)?;
    if let Some(code) = code.as_deref().filter(|c| !is_guid(c)) {
        return Err(doc.bad(e, "productCode", code, "a GUID in braces"));
    }
    let installed = doc.required(e, "installed", installed)?;
    let installed = doc.date(e, "installed", &installed)?;
    let license = doc.required(e, "license", license)?;
    let Some(state) = LicenseState::from_word(&license) else {
        return Err(doc.bad(e, "license", &license, "licensed, trial, expired or free"));
    };
    if let Some(x) = &expires {
        doc.date(e, "licenseExpires", x)?;
    }
    Ok(Product {
        version: doc.version(e, "version", &version)?,
        id: id.as_ref().into(),
        hotfix: hotfix.as_deref().map(Box::from),
        product_code: code.as_deref().map(Box::from),
        installed,
        license: License {
            state,
            expires: expires.as_deref().map(Box::from),
        },
    })
}

fn listing(doc: &Doc<'_>, e: &Element<'_>) -> Result<Listing, ReadError> {
    let [vendor, name, serial] = doc.take(e, ["vendor", "name", "serial"])?;
    let serial = doc.required(e, "serial", serial)?;
    Ok(Listing {
        vendor: doc.required(e, "vendor", vendor)?.into_owned(),
        name: doc.required(e, "name", name)?.into_owned(),
        serial: serial
            .parse()
            .map_err(|_| doc.bad(e, "serial", &serial, "a whole number"))?,
    })
}

fn bundle(doc: &Doc<'_>, e: &Element<'_>) -> Result<Bundle, ReadError> {
    let [id, key, created] = doc.take(e, ["id", "keyFingerprint", "created"])?;
    let created = doc.required(e, "created", created)?;
    Ok(Bundle {
        id: doc.required(e, "id", id)?.into_owned(),
        key_fingerprint: doc.required(e, "keyFingerprint", key)?.into_owned(),
        created: doc.date(e, "created", &created)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<history xmlns="urn:airlock:history:1" version="1">
  <machine id="0123456789abcdef0123456789abcdef" name="srv01"/>
  <installer name="Installation Manager" version="8.0.2298.0"/>
  <products>
    <product id="patch" version="7.6.1423.0" installed="2026-11-18T11:06:40Z" license="free"/>
    <product id="smp" version="7.6.1655.0" hotfix="smp-7.6-hf7" productCode="{00000000-0000-0000-0000-000000000001}" installed="2026-11-18T11:06:40Z" license="trial" licenseExpires="2026-11-25T11:06:40Z"/>
  </products>
  <listings>
    <listing vendor="Symantec" name="IT Management Suite" serial="2026112001"/>
  </listings>
  <bundles>
    <bundle id="b1" keyFingerprint="ab12" created="2026-11-18T11:00:00Z"/>
  </bundles>
"#;

    /// What the reader makes of `bytes`, once it is checked that the reading
    /// as the writer writes reads exactly the files the strict reader
    /// accepts, and the same from them.
    fn parse(bytes: &[u8]) -> Result<Imported, ReadError> {
        let written = super::super::canonical::read(bytes, bytes.len() as u64);
        assert_eq!(
            written.as_ref().ok_or(()),
            strict(bytes).as_ref().map_err(|_| ())
        );
        Imported::parse(bytes)
    }

    /// `body` closed with its own digest, as the writer closes it.
    fn sealed(body: &str) -> Vec<u8> {
        format!(
            "{body}  <digest algorithm=\"sha256\">{}</digest>\n</history>\n",
            super::super::digest(body.as_bytes())
        )
        .into_bytes()
    }

    #[test]
    fn reads_what_the_writer_writes_and_names_its_sha256() {
        let bytes = sealed(BODY);
        let read = parse(&bytes).unwrap();
        assert_eq!(read.history.to_xml(), bytes);
        assert_eq!(read.sha256, super::super::digest(&bytes));
        assert_eq!(read.history.products[1].version.to_string(), "7.6.1655.0");
        assert_eq!(read.history.installer.unwrap().name, "Installation Manager");
        assert_eq!(read.history.bundles[0].created, 1_794_999_600);
    }

    #[test]
    fn a_foreign_file_is_named_as_such() {
        for bytes in [
            &b"\xff\xfe<x/>"[..],
            b"not xml at all <",
            b"<productListing xmlns=\"urn:airlock:listing:1\"/>",
            b"<history xmlns=\"urn:other\" version=\"1\"/>",
            b"",
        ] {
            let e = parse(bytes).unwrap_err();
            assert!(matches!(e, ReadError::Foreign(_)), "{e:?}");
            assert!(e.to_string().contains("airlock history export"), "{e}");
        }
    }

    #[test]
    fn a_newer_format_says_so_before_anything_else() {
        let bytes = sealed(&BODY.replace("version=\"1\">", "version=\"2\">"));
        let e = parse(&bytes).unwrap_err();
        assert_eq!(e, ReadError::Newer("2".into()));
        assert!(e.to_string().contains("newer Airlock"), "{e}");
    }

    #[test]
    fn a_file_cut_short_or_damaged_is_refused() {
        let whole = sealed(BODY);
        for end in [whole.len() - 1, whole.len() - 20, BODY.len(), 200] {
            let e = parse(&whole[..end]).unwrap_err();
            assert_eq!(e, ReadError::CutShort, "cut at {end}");
        }
        let edited = String::from_utf8(whole.clone())
            .unwrap()
            .replace("7.6.1655.0", "7.6.1656.0");
        let e = parse(edited.as_bytes()).unwrap_err();
        assert!(matches!(e, ReadError::Damaged { .. }), "{e:?}");
        assert!(e.to_string().contains("export it again"), "{e}");
    }

    #[test]
    fn a_bad_field_names_its_line() {
        let cases = [
            (
                "0123456789abcdef0123456789abcdef",
                "0123456789ABCDEF0123456789ABCDEF",
                3,
                "32 lowercase hex",
            ),
            (
                "version=\"7.6.1423.0\"",
                "version=\"seven\"",
                6,
                "not a version",
            ),
            (
                "license=\"free\"",
                "license=\"gratis\"",
                6,
                "licensed, trial",
            ),
            (
                "installed=\"2026-11-18T11:06:40Z\" license=\"free\"",
                "installed=\"yesterday\" license=\"free\"",
                6,
                "RFC 3339",
            ),
            (
                "<product id=\"patch\"",
                "<product color=\"red\" id=\"patch\"",
                6,
                "attribute color",
            ),
            ("serial=\"2026112001\"", "serial=\"-1\"", 10, "whole number"),
            (
                "<bundles>",
                "<bundles>\n    <extra/>",
                13,
                "<extra> inside <bundles>",
            ),
        ];
        for (from, to, line, says) in cases {
            let e = parse(&sealed(&BODY.replace(from, to))).unwrap_err();
            let ReadError::Field { line: at, problem } = &e else {
                panic!("{to}: {e:?}");
            };
            assert_eq!(*at, line, "{to}: {e}");
            assert!(problem.contains(says), "{to}: {e}");
        }
    }

    #[test]
    fn changed_line_ends_and_bytes_after_the_end_are_named() {
        let crlf = String::from_utf8(sealed(BODY))
            .unwrap()
            .replace('\n', "\r\n");
        assert_eq!(parse(crlf.as_bytes()).unwrap_err(), ReadError::LineEnds);
        let mut extra = sealed(BODY);
        extra.extend_from_slice(b"\n\n");
        assert_eq!(parse(&extra).unwrap_err(), ReadError::Trailing(2));
    }

    #[test]
    fn values_the_writer_never_writes_are_refused() {
        let cases = [
            ("version=\"1\">", "version=\"2.0\">", "newer"),
            (
                "2026-11-18T11:00:00Z",
                "2026-11-18T13:00:00+02:00",
                "UTC to the second",
            ),
            (
                "2026-11-18T11:00:00Z",
                "2026-11-18T11:00:00.5Z",
                "UTC to the second",
            ),
            ("hotfix=\"smp-7.6-hf7\"", "hotfix=\"\"", "is empty"),
            (
                "hotfix=\"smp-7.6-hf7\"",
                "hotfix=\"smp\u{202e}7fh\"",
                "bidirectional",
            ),
            ("name=\"srv01\"", "name=\"\"", "is empty"),
            (
                "  </listings>",
                "    <listing vendor=\"Symantec\" name=\"IT Management Suite\" serial=\"1\"/>\n  </listings>",
                "comes twice",
            ),
        ];
        for (from, to, says) in cases {
            let e = parse(&sealed(&BODY.replace(from, to))).unwrap_err();
            assert!(e.to_string().contains(says), "{to}: {e}");
        }
        let later = BODY.replace("<history ", "\n<history ");
        let e = parse(&sealed(
            &later.replace("version=\"1\">", "version=\"1.0\">"),
        ))
        .unwrap_err();
        assert!(e.to_string().starts_with("line 3:"), "{e}");
    }

    #[test]
    fn products_out_of_order_are_refused() {
        let p = "    <product id=\"patch\" version=\"7.6.1423.0\" installed=\"2026-11-18T11:06:40Z\" license=\"free\"/>\n";
        let swapped = BODY
            .replace(p, "")
            .replace("  </products>", &format!("{p}  </products>"));
        let e = parse(&sealed(&swapped)).unwrap_err();
        assert!(e.to_string().contains("sorted by id"), "{e}");
    }

    #[test]
    fn bytes_the_writer_would_not_write_name_the_first_line() {
        let reindented = BODY.replace("  <listings>", "    <listings>");
        let e = parse(&sealed(&reindented)).unwrap_err();
        assert_eq!(e, ReadError::Edited { line: 9 });
        let entity = BODY.replace("name=\"srv01\"", "name=\"srv&#48;1\"");
        let e = parse(&sealed(&entity)).unwrap_err();
        assert_eq!(e, ReadError::Edited { line: 3 });
    }

    /// A free product, installed at one time.
    fn free(id: &str, version: &str) -> Product {
        Product {
            id: id.into(),
            version: version.parse().unwrap(),
            hotfix: None,
            product_code: None,
            installed: 1_795_000_000,
            license: License {
                state: LicenseState::Free,
                expires: None,
            },
        }
    }

    /// The history of a machine that has `products` and nothing else.
    fn having(products: Vec<Product>) -> History {
        History {
            machine_id: "0123456789abcdef0123456789abcdef".into(),
            machine_name: "srv01".into(),
            installer: None,
            products,
            listings: Vec::new(),
            bundles: Vec::new(),
        }
    }

    #[test]
    fn every_form_the_writer_writes_is_read_back() {
        let product = |id: &str| free(id, "8.0");
        let full = History {
            machine_id: "0123456789abcdef0123456789abcdef".into(),
            machine_name: "Büro \"<1>\" & 'two'".into(),
            installer: Some(Installer {
                name: "Installation Manager".into(),
                version: "8.0.2298.0".parse().unwrap(),
            }),
            products: vec![
                product("a"),
                Product {
                    hotfix: Some("b-hf&1".into()),
                    product_code: Some("{00000000-0000-0000-0000-00000000000A}".into()),
                    license: License {
                        state: LicenseState::Trial,
                        expires: Some(crate::text::rfc3339_unix(1_795_604_800).into()),
                    },
                    ..product("b")
                },
            ],
            listings: vec![
                Listing {
                    vendor: "Symantec".into(),
                    name: "ITMS & co".into(),
                    serial: 0,
                },
                Listing {
                    vendor: "Symantec".into(),
                    name: "Ghost".into(),
                    serial: u64::MAX,
                },
            ],
            bundles: vec![Bundle {
                id: "b1".into(),
                key_fingerprint: "ab12".into(),
                created: 0,
            }],
        };
        let empty = History {
            machine_name: "srv01".into(),
            installer: None,
            products: Vec::new(),
            listings: Vec::new(),
            bundles: Vec::new(),
            ..full.clone()
        };
        for history in [full, empty] {
            let bytes = history.to_xml();
            let read = super::super::canonical::read(&bytes[..], bytes.len() as u64)
                .expect("read as written");
            assert_eq!(read.history, history);
            assert_eq!(read.sha256, super::super::digest(&bytes));
            assert_eq!(parse(&bytes).unwrap().history, history);
        }
    }

    #[test]
    fn the_shortest_product_line_is_as_long_as_the_reader_reckons() {
        let shortest = Product {
            installed: 0,
            ..free("a", "0")
        };
        let xml = having(vec![shortest]).to_xml();
        let line = xml
            .split_inclusive(|&b| b == b'\n')
            .find(|line| line.starts_with(b"    <product "))
            .unwrap();
        assert_eq!(
            line.len() as u64,
            super::super::canonical::SHORTEST_PRODUCT_LINE
        );
    }

    #[test]
    fn a_file_is_read_up_to_the_size_limit_even_as_the_writer_writes_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.xml");
        // 98 bytes a product.
        for (products, fits) in [(3, true), (170_000, true), (172_000, false)] {
            let bytes = having(
                (0..products)
                    .map(|i| free(&format!("p{i:07}"), "7.6.1423.0"))
                    .collect(),
            )
            .to_xml();
            assert_eq!(bytes.len() as u64 <= MAX_BYTES, fits, "{}", bytes.len());
            std::fs::write(&path, &bytes).unwrap();
            match Imported::load(&path) {
                Ok(read) if fits => assert_eq!(Ok(read), Imported::parse(&bytes)),
                Err(ReadError::Io(e)) if !fits => {
                    assert!(e.contains("larger than 16 MiB"), "{e}")
                }
                other => panic!(
                    "{products} products: {:?}",
                    other.map(|read| read.history.products.len())
                ),
            }
        }
    }

    #[test]
    fn dates_are_read_as_the_writer_writes_them() {
        for seconds in [
            0,
            1,
            951_782_400,
            1_795_000_000,
            4_107_542_400,
            253_402_300_799,
        ] {
            let text = crate::text::rfc3339_unix(seconds);
            assert_eq!(unix_seconds(&text), Some(seconds), "{text}");
        }
        for text in [
            "2026-02-29T00:00:00Z",
            "1969-12-31T23:59:59Z",
            "2026-11-18T24:00:00Z",
            "2026-11-18T23:59:60Z",
            "2026-13-01T00:00:00Z",
            "2026-00-01T00:00:00Z",
            "2026-11-00T00:00:00Z",
            "2026-11-18T11:06:40z",
            "2026-11-18 11:06:40Z",
            "+2026-11-18T11:06:40Z",
            "2026-11-18T11:06:40",
        ] {
            assert_eq!(unix_seconds(text), None, "{text}");
        }
        assert_eq!(unix_seconds("2024-02-29T00:00:00Z"), Some(1_709_164_800));
    }
}
