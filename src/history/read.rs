//! Reading a history file on the online side (`--history`): strictly, because
//! an incremental bundle is only as right as what it was built from. A file
//! that is not a history, is from a newer format, was cut short, damaged or
//! edited is refused with a message saying which, and what to do.

use super::{Bundle, History, Installer, License, LicenseState, Listing, NAMESPACE, Product};
use crate::listing::{Version, is_guid, is_product_id};
use crate::text::escaped;
use crate::xml::{Kind, refused_char};
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};
use quick_xml::reader::NsReader;
use sha2::{Digest, Sha256};
use std::path::Path;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

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
    /// Reads a history file (a regular file, bounded in size).
    pub fn load(path: &Path) -> Result<Imported, ReadError> {
        let bytes = bundle_format::regular::read_bounded(path, MAX_BYTES, "a history file")
            .map_err(|e| ReadError::Io(e.to_string()))?;
        Imported::parse(&bytes)
    }

    /// Checks and reads the bytes of a history file, in the order
    /// `bundle-format/HISTORY.md` gives.
    pub fn parse(bytes: &[u8]) -> Result<Imported, ReadError> {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| ReadError::Foreign("it is not UTF-8 text".into()))?;
        let mut doc = Doc {
            text,
            reader: NsReader::from_str(text),
            line: 1,
            counted: 0,
        };
        doc.root()?;
        let sealed = check_digest(text)?;
        let history = doc.body()?;
        // The digest line and the end were checked to be as the writer
        // writes them for this body: the body decides.
        let body = history.body_xml();
        if body != bytes[..sealed.body] {
            return Err(ReadError::Edited {
                line: first_difference(&body, bytes),
            });
        }
        Ok(Imported {
            history,
            sha256: sealed.sha256,
        })
    }
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

/// The number of the first line where `a` and `b` differ.
fn first_difference(a: &[u8], b: &[u8]) -> usize {
    let same = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    1 + b[..same].iter().filter(|&&c| c == b'\n').count()
}

struct Doc<'a> {
    text: &'a str,
    reader: NsReader<&'a [u8]>,
    /// The line at byte `counted`: lines are counted once, as the reader goes.
    line: usize,
    counted: usize,
}

/// One element of the document: its local name, whether it has children, and its attributes.
struct Element {
    name: String,
    open: bool,
    line: usize,
    attributes: Vec<(String, String)>,
}

impl Element {
    fn field(&self, problem: impl Into<String>) -> ReadError {
        ReadError::Field {
            line: self.line,
            problem: problem.into(),
        }
    }

    /// Takes the attributes in `names` (any other is an error); `None` for one absent.
    fn take<const N: usize>(&self, names: [&str; N]) -> Result<[Option<String>; N], ReadError> {
        let mut found: [Option<String>; N] = std::array::from_fn(|_| None);
        for (key, value) in &self.attributes {
            let Some(i) = names.iter().position(|n| n == key) else {
                return Err(self.field(format!(
                    "<{}> has an attribute {} that a history does not",
                    self.name,
                    escaped(key)
                )));
            };
            if value.is_empty() {
                return Err(self.field(format!("<{}> {key}=\"\" is empty", self.name)));
            }
            if refused_char(value, Kind::Plain).is_some() {
                return Err(self.field(format!(
                    "<{}> {key}=\"{}\" holds control, bidirectional or invisible characters",
                    self.name,
                    escaped(value)
                )));
            }
            found[i] = Some(value.clone());
        }
        Ok(found)
    }

    fn required(&self, name: &str, value: Option<String>) -> Result<String, ReadError> {
        value.ok_or_else(|| self.field(format!("<{}> needs the attribute {name}", self.name)))
    }

    fn bad(&self, name: &str, value: &str, should: &str) -> ReadError {
        self.field(format!(
            "<{}> {name}=\"{}\" is not {should}",
            self.name,
            escaped(value)
        ))
    }
}

impl<'a> Doc<'a> {
    /// The line the reader is at.
    fn line(&mut self) -> usize {
        let at = usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX);
        let end = at.min(self.text.len()).max(self.counted);
        self.line += self.text.as_bytes()[self.counted..end]
            .iter()
            .filter(|&&c| c == b'\n')
            .count();
        self.counted = end;
        self.line
    }

    /// The next element start or end (`None`: an end tag), skipping the declaration and blank text.
    fn next(&mut self) -> Result<Option<Element>, ReadError> {
        loop {
            let line = self.line();
            let (ns, event) = self
                .reader
                .read_resolved_event()
                .map_err(|e| ReadError::Field {
                    line,
                    problem: format!("not well-formed XML: {}", escaped(&e.to_string())),
                })?;
            let (start, open) = match event {
                Event::Decl(_) => continue,
                Event::Text(t) if t.trim_ascii().is_empty() => continue,
                Event::Start(s) => (s, true),
                Event::Empty(s) => (s, false),
                Event::End(_) => return Ok(None),
                Event::Eof => return Err(ReadError::CutShort),
                Event::Text(_) | Event::GeneralRef(_) => {
                    return Err(ReadError::Field {
                        line,
                        problem: "text where a history has only elements".into(),
                    });
                }
                _ => {
                    return Err(ReadError::Field {
                        line,
                        problem:
                            "a comment, processing instruction or DTD, which a history never holds"
                                .into(),
                    });
                }
            };
            if !matches!(ns, ResolveResult::Bound(Namespace(n)) if n == NAMESPACE) {
                return Err(ReadError::Field {
                    line,
                    problem: format!(
                        "<{}> is not in the history namespace {NAMESPACE}",
                        escaped(start.name().as_ref())
                    ),
                });
            }
            return Ok(Some(element(&start, open, line)?));
        }
    }

    /// The root: a `history` element in the namespace, of version 1.
    fn root(&mut self) -> Result<(), ReadError> {
        let (ns, start, line) = loop {
            let line = self.line();
            let (ns, event) = self
                .reader
                .read_resolved_event()
                .map_err(|e| ReadError::Foreign(format!("not XML: {}", escaped(&e.to_string()))))?;
            match event {
                Event::Decl(_) | Event::Comment(_) | Event::DocType(_) | Event::PI(_) => {}
                Event::Text(t) if t.trim_ascii().is_empty() => {}
                Event::Start(s) | Event::Empty(s) => break (ns, s.into_owned(), line),
                _ => return Err(ReadError::Foreign("it holds no XML element".into())),
            }
        };
        let name = start.local_name().as_ref().to_string();
        let namespace = match ns {
            ResolveResult::Bound(Namespace(n)) => n.to_string(),
            _ => "no namespace".into(),
        };
        if name != "history" || namespace != NAMESPACE {
            return Err(ReadError::Foreign(format!(
                "its root element is <{}> in {}",
                escaped(&name),
                escaped(&namespace)
            )));
        }
        let root = element(&start, true, line)?;
        let [_, version] = root.take(["xmlns", "version"])?;
        let version = root.required("version", version)?;
        match version.parse::<f64>() {
            _ if version == "1" => Ok(()),
            Ok(n) if n > 1.0 => Err(ReadError::Newer(escaped(&version).into_owned())),
            _ => Err(root.bad("version", &version, "a format version (1)")),
        }
    }

    /// Everything inside `history`, in the order the format gives.
    fn body(&mut self) -> Result<History, ReadError> {
        let machine = self.expect("machine", false)?;
        let [id, name] = machine.take(["id", "name"])?;
        let machine_id = machine.required("id", id)?;
        if machine_id.len() != 32
            || !machine_id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(machine.bad("id", &machine_id, "32 lowercase hex digits"));
        }
        let machine_name = machine.required("name", name)?;
        let mut next = self.next()?;
        let mut installer = None;
        if let Some(e) = next.as_ref().filter(|e| e.name == "installer" && !e.open) {
            let [name, version] = e.take(["name", "version"])?;
            let version = e.required("version", version)?;
            installer = Some(Installer {
                name: e.required("name", name)?,
                version: version_of(e, "version", &version)?,
            });
            next = self.next()?;
        }
        let products = self.list(next, "products", "product", product)?;
        if let Some(pair) = products.windows(2).find(|p| p[0].0.id >= p[1].0.id) {
            return Err(ReadError::Field {
                line: pair[1].1,
                problem: format!(
                    "product {} comes after {}: products are listed once each, sorted by id",
                    pair[1].0.id, pair[0].0.id
                ),
            });
        }
        let next = self.next()?;
        let listings = self.list(next, "listings", "listing", listing)?;
        let mut seen = std::collections::HashSet::new();
        for (l, line) in &listings {
            if !seen.insert((&l.vendor, &l.name)) {
                return Err(ReadError::Field {
                    line: *line,
                    problem: format!(
                        "listing {} / {} comes twice: a history names each listing once",
                        escaped(&l.vendor),
                        escaped(&l.name)
                    ),
                });
            }
        }
        let next = self.next()?;
        let bundles = self.list(next, "bundles", "bundle", bundle)?;
        Ok(History {
            machine_id,
            machine_name,
            installer,
            products: products.into_iter().map(|(p, _)| p).collect(),
            listings: listings.into_iter().map(|(l, _)| l).collect(),
            bundles: bundles.into_iter().map(|(b, _)| b).collect(),
        })
    }

    fn expect(&mut self, name: &str, open: bool) -> Result<Element, ReadError> {
        let line = self.line();
        match self.next()? {
            Some(e) if e.name == name && e.open == open => Ok(e),
            Some(e) => Err(e.field(format!("<{}> where <{name}> belongs", e.name))),
            None => Err(ReadError::Field {
                line,
                problem: format!("an end tag where <{name}> belongs"),
            }),
        }
    }

    /// `<NAME/>`, or `<NAME>` with `<ITEM/>` children read by `read`, each with its line.
    fn list<T>(
        &mut self,
        first: Option<Element>,
        name: &str,
        item: &str,
        read: fn(&Element) -> Result<T, ReadError>,
    ) -> Result<Vec<(T, usize)>, ReadError> {
        let line = self.line();
        let list = match first {
            Some(e) if e.name == name => e,
            Some(e) => return Err(e.field(format!("<{}> where <{name}> belongs", e.name))),
            None => {
                return Err(ReadError::Field {
                    line,
                    problem: format!("an end tag where <{name}> belongs"),
                });
            }
        };
        list.take::<0>([])?;
        let mut items = Vec::new();
        if !list.open {
            return Ok(items);
        }
        while let Some(e) = self.next()? {
            if e.name != item || e.open {
                return Err(e.field(format!(
                    "<{}> inside <{name}>, which holds <{item}/>",
                    e.name
                )));
            }
            items.push((read(&e)?, e.line));
        }
        Ok(items)
    }
}

fn element(start: &BytesStart, open: bool, line: usize) -> Result<Element, ReadError> {
    let name = start.local_name().as_ref().to_string();
    let mut attributes = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| ReadError::Field {
            line,
            problem: format!("<{}>: {}", escaped(&name), escaped(&e.to_string())),
        })?;
        let key = attr.key.as_ref().to_string();
        let value = crate::xml::value(&attr)
            .map_err(|e| ReadError::Field {
                line,
                problem: format!("<{}> {}: {}", escaped(&name), escaped(&key), e),
            })?
            .into_owned();
        attributes.push((key, value));
    }
    Ok(Element {
        name: escaped(&name).into_owned(),
        open,
        line,
        attributes,
    })
}

fn version_of(e: &Element, name: &str, value: &str) -> Result<Version, ReadError> {
    value
        .parse()
        .map_err(|_| e.bad(name, value, "a version (1 to 4 numbers joined by dots)"))
}

/// A date-time as the writer gives it (RFC 3339, UTC, to the second), in unix seconds.
fn date(e: &Element, name: &str, value: &str) -> Result<u64, ReadError> {
    OffsetDateTime::parse(value, &Rfc3339)
        .ok()
        .and_then(|at| u64::try_from(at.unix_timestamp()).ok())
        .filter(|&seconds| crate::text::rfc3339_unix(seconds) == value)
        .ok_or_else(|| {
            e.bad(
                name,
                value,
                "an RFC 3339 date-time in UTC to the second (2026-12-02T12:10:49Z)",
            )
        })
}

fn product(e: &Element) -> Result<Product, ReadError> {
    let [id, version, hotfix, code, installed, license, expires] = e.take([
        "id",
        "version",
        "hotfix",
        "productCode",
        "installed",
        "license",
        "licenseExpires",
    ])?;
    let id = e.required("id", id)?;
    if !is_product_id(&id) {
        return Err(e.bad("id", &id, "a product id"));
    }
    let version = e.required("version", version)?;
    if let Some(code) = code.as_deref().filter(|c| !is_guid(c)) {
        return Err(e.bad("productCode", code, "a GUID in braces"));
    }
    let installed = e.required("installed", installed)?;
    date(e, "installed", &installed)?;
    let license = e.required("license", license)?;
    let state = match license.as_str() {
        "licensed" => LicenseState::Licensed,
        "trial" => LicenseState::Trial,
        "expired" => LicenseState::Expired,
        "free" => LicenseState::Free,
        other => return Err(e.bad("license", other, "licensed, trial, expired or free")),
    };
    if let Some(x) = &expires {
        date(e, "licenseExpires", x)?;
    }
    Ok(Product {
        version: version_of(e, "version", &version)?,
        id,
        hotfix,
        product_code: code,
        installed,
        license: License { state, expires },
    })
}

fn listing(e: &Element) -> Result<Listing, ReadError> {
    let [vendor, name, serial] = e.take(["vendor", "name", "serial"])?;
    let serial = e.required("serial", serial)?;
    Ok(Listing {
        vendor: e.required("vendor", vendor)?,
        name: e.required("name", name)?,
        serial: serial
            .parse()
            .map_err(|_| e.bad("serial", &serial, "a whole number"))?,
    })
}

fn bundle(e: &Element) -> Result<Bundle, ReadError> {
    let [id, key, created] = e.take(["id", "keyFingerprint", "created"])?;
    let created = e.required("created", created)?;
    Ok(Bundle {
        id: e.required("id", id)?,
        key_fingerprint: e.required("keyFingerprint", key)?,
        created: date(e, "created", &created)?,
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
        let read = Imported::parse(&bytes).unwrap();
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
            let e = Imported::parse(bytes).unwrap_err();
            assert!(matches!(e, ReadError::Foreign(_)), "{e:?}");
            assert!(e.to_string().contains("airlock history export"), "{e}");
        }
    }

    #[test]
    fn a_newer_format_says_so_before_anything_else() {
        let bytes = sealed(&BODY.replace("version=\"1\">", "version=\"2\">"));
        let e = Imported::parse(&bytes).unwrap_err();
        assert_eq!(e, ReadError::Newer("2".into()));
        assert!(e.to_string().contains("newer Airlock"), "{e}");
    }

    #[test]
    fn a_file_cut_short_or_damaged_is_refused() {
        let whole = sealed(BODY);
        for end in [whole.len() - 1, whole.len() - 20, BODY.len(), 200] {
            let e = Imported::parse(&whole[..end]).unwrap_err();
            assert_eq!(e, ReadError::CutShort, "cut at {end}");
        }
        let edited = String::from_utf8(whole.clone())
            .unwrap()
            .replace("7.6.1655.0", "7.6.1656.0");
        let e = Imported::parse(edited.as_bytes()).unwrap_err();
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
            let e = Imported::parse(&sealed(&BODY.replace(from, to))).unwrap_err();
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
        assert_eq!(
            Imported::parse(crlf.as_bytes()).unwrap_err(),
            ReadError::LineEnds
        );
        let mut extra = sealed(BODY);
        extra.extend_from_slice(b"\n\n");
        assert_eq!(Imported::parse(&extra).unwrap_err(), ReadError::Trailing(2));
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
            let e = Imported::parse(&sealed(&BODY.replace(from, to))).unwrap_err();
            assert!(e.to_string().contains(says), "{to}: {e}");
        }
        let later = BODY.replace("<history ", "\n<history ");
        let e = Imported::parse(&sealed(
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
        let e = Imported::parse(&sealed(&swapped)).unwrap_err();
        assert!(e.to_string().contains("sorted by id"), "{e}");
    }

    #[test]
    fn bytes_the_writer_would_not_write_name_the_first_line() {
        let reindented = BODY.replace("  <listings>", "    <listings>");
        let e = Imported::parse(&sealed(&reindented)).unwrap_err();
        assert_eq!(e, ReadError::Edited { line: 9 });
        let entity = BODY.replace("name=\"srv01\"", "name=\"srv&#48;1\"");
        let e = Imported::parse(&sealed(&entity)).unwrap_err();
        assert_eq!(e, ReadError::Edited { line: 3 });
    }
}
