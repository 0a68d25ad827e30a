//! Purchased license files (the listing contract's "License files"): one small
//! XML element per product, read strictly, so the builder can refuse a file
//! that is malformed, for a product outside the plan, or expired, and the
//! offline machine can apply it.

use crate::xml::{AttrError, Kind, Reader, Scope, Token, char_class, line_column};
use quick_xml::events::BytesStart;
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The namespace of the `license` element.
pub const NAMESPACE: &str = "urn:airlock:license:1";
/// The largest license file read (they are a few hundred bytes).
pub const MAX_BYTES: u64 = 64 * 1024;

/// Why a license file cannot be used; the message names the file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: cannot read it: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {problem}", path.display())]
    Invalid {
        path: PathBuf,
        #[source]
        problem: Problem,
    },
}

/// Where in a license file: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// What is wrong with a license file's bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("not UTF-8 text: a license file is a small XML file")]
    NotUtf8,
    /// What the strict XML reader refused, in its words.
    #[error("{at}: {problem}")]
    Xml { at: Position, problem: String },
    #[error("{at}: {problem}")]
    Attribute { at: Position, problem: Attribute },
    #[error(
        "{at}: a license file holds exactly one empty <license xmlns=\"{NAMESPACE}\" .../> element"
    )]
    Stray { at: Position },
    #[error("no <license xmlns=\"{NAMESPACE}\"> element")]
    Missing,
}

/// What is wrong with the attributes of `<license>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Attribute {
    #[error("bad attribute: {0}")]
    Malformed(String),
    #[error("unknown attribute {0:?} on <license>")]
    Unknown(String),
    #[error("attribute {0} is written twice; keep one")]
    Twice(String),
    #[error("attribute {name} {problem}")]
    Value { name: String, problem: String },
    #[error("attribute {name} holds the {class} character U+{:04X}; remove it", u32::from(*c))]
    Char {
        name: String,
        class: &'static str,
        c: char,
    },
    #[error("<license> needs the attribute {0}")]
    Missing(&'static str),
    #[error("attribute {name}={value:?} is not an RFC 3339 date-time")]
    NotADate { name: &'static str, value: String },
    #[error("attribute seats={value:?} is not a whole number")]
    NotANumber { value: String },
}

/// One purchased license.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct License {
    pub id: String,
    pub product: String,
    pub licensee: Option<String>,
    pub seats: Option<u64>,
    pub issued: Option<OffsetDateTime>,
    /// `None`: perpetual.
    pub expires: Option<OffsetDateTime>,
}

/// The bytes of the license file `path`: a regular file of at most `MAX_BYTES`.
pub fn read_bytes(path: &Path) -> std::io::Result<Vec<u8>> {
    bundle_format::regular::read_bounded(path, MAX_BYTES, "a license file")
}

impl License {
    /// Whether it has expired at `now`.
    pub fn expired_at(&self, now: OffsetDateTime) -> bool {
        self.expires.is_some_and(|e| e <= now)
    }

    /// `expires` as RFC 3339 UTC.
    pub fn expires_text(&self) -> Option<String> {
        self.expires.map(crate::text::rfc3339)
    }

    /// Reads and parses a license file; the error names the file and what is wrong.
    pub fn load(path: &Path) -> Result<License, Error> {
        let bytes = read_bytes(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        License::parse(&bytes).map_err(|problem| Error::Invalid {
            path: path.to_path_buf(),
            problem,
        })
    }

    /// Parses the bytes of a license file with the one strict XML reader:
    /// the same characters, references and attributes are refused as in a
    /// listing or a history, each problem named with its line and column.
    pub fn parse(bytes: &[u8]) -> Result<License, Problem> {
        let text = crate::xml::decode(bytes).map_err(|_| Problem::NotUtf8)?;
        let at = |at: usize| {
            let (line, column) = line_column(text, at);
            Position { line, column }
        };
        let located = |e: crate::xml::Error| Problem::Xml {
            at: at(e.at),
            problem: e.problem.to_string(),
        };
        let mut reader = Reader::new(text, NAMESPACE).map_err(located)?;
        let mut found = None;
        loop {
            match reader.next().map_err(located)? {
                Token::Eof => break,
                Token::Blank | Token::Comment { .. } => {}
                Token::Start {
                    start,
                    at: tag,
                    open: false,
                    scope: Scope::Ours,
                } if found.is_none() && start.local_name().into_inner() == "license" => {
                    let license = License::from_attributes(&reader, &start).map_err(|problem| {
                        Problem::Attribute {
                            at: at(tag),
                            problem,
                        }
                    })?;
                    found = Some(license);
                }
                Token::Start { at: tag, .. }
                | Token::End { at: tag }
                | Token::Text { at: tag }
                | Token::Instruction { at: tag } => return Err(Problem::Stray { at: at(tag) }),
            }
        }
        found.ok_or(Problem::Missing)
    }

    fn from_attributes(reader: &Reader<'_>, e: &BytesStart<'_>) -> Result<License, Attribute> {
        let [id, product, licensee, seats, issued, expires] = reader
            .attributes(
                e,
                ["id", "product", "licensee", "seats", "issued", "expires"],
                false,
                |_| Kind::Plain,
            )
            .map_err(|e| match e {
                AttrError::Malformed(m) => Attribute::Malformed(m),
                AttrError::Unknown(name) => Attribute::Unknown(name),
                AttrError::Twice(name) => Attribute::Twice(name),
                AttrError::Value { name, error } => Attribute::Value {
                    name,
                    problem: error.to_string(),
                },
                AttrError::Char { name, c } => Attribute::Char {
                    name,
                    class: char_class(c),
                    c,
                },
            })?;
        let date = |name: &'static str, v: Option<Cow<'_, str>>| {
            v.map(|v| {
                OffsetDateTime::parse(&v, &Rfc3339).map_err(|_| Attribute::NotADate {
                    name,
                    value: v.into_owned(),
                })
            })
            .transpose()
        };
        let needed = |name: &'static str, v: Option<Cow<'_, str>>| {
            v.filter(|v| !v.is_empty())
                .map(Cow::into_owned)
                .ok_or(Attribute::Missing(name))
        };
        Ok(License {
            id: needed("id", id)?,
            product: needed("product", product)?,
            licensee: licensee.map(Cow::into_owned),
            seats: seats
                .map(|v| {
                    v.parse().map_err(|_| Attribute::NotANumber {
                        value: v.into_owned(),
                    })
                })
                .transpose()?,
            issued: date("issued", issued)?,
            expires: date("expires", expires)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixture_license_parses() {
        let text = br#"<?xml version="1.0" encoding="UTF-8"?>
<license xmlns="urn:airlock:license:1" id="LIC-2026-000123" product="patch"
         licensee="Example Corp" seats="500"
         issued="2026-11-01T00:00:00Z" expires="2027-11-01T00:00:00Z"/>"#;
        let l = License::parse(text).unwrap();
        assert_eq!(l.id, "LIC-2026-000123");
        assert_eq!(l.product, "patch");
        assert_eq!(l.seats, Some(500));
        assert_eq!(l.expires_text().as_deref(), Some("2027-11-01T00:00:00Z"));
    }

    #[test]
    fn malformed_files_are_refused_with_the_reason() {
        for (bad, says) in [
            (&b"\xff\xfe"[..], "not UTF-8"),
            (b"<license id=\"a\" product=\"b\"/>", "exactly one"),
            (
                b"<license xmlns=\"urn:airlock:license:1\" product=\"b\"/>",
                "needs the attribute id",
            ),
            (
                b"<license xmlns=\"urn:airlock:license:1\" id=\"a\" product=\"b\" expires=\"soon\"/>",
                "RFC 3339",
            ),
            (
                b"<license xmlns=\"urn:airlock:license:1\" id=\"a\" product=\"b\" color=\"red\"/>",
                "unknown attribute",
            ),
            (b"<!DOCTYPE x><x/>", "DTD"),
            (
                b"<license xmlns=\"urn:airlock:license:1\" id=\"a<b\" product=\"b\"/>",
                "raw `<`",
            ),
            (
                b"<license xmlns=\"urn:airlock:license:1\" id=\"a\" product=\"b\" licensee=\"Ex\xe2\x80\xaeample\"/>",
                "bidirectional or invisible character U+202E",
            ),
            (b"", "no <license"),
            // The one reader's rules, as for a listing or a history.
            (
                b"<license xmlns=\"urn:airlock:license:1\" id=\"a\" product=\"b\" id=\"c\"/>",
                "attribute id is written twice",
            ),
            (
                b"<license xmlns=\"urn:airlock:license:1\" id=\"a\xe2\x80\x8bb\" product=\"b\"/>",
                "bidirectional or invisible character U+200B",
            ),
            (
                b"<!-- \x01 -->\n<license xmlns=\"urn:airlock:license:1\" id=\"a\" product=\"b\"/>",
                "line 1, column 6: the character U+0001 is not allowed anywhere in XML 1.0",
            ),
            (
                b"<license xmlns=\"urn:airlock:license:1\" id=\"a\" product=\"b\"/>&ent;",
                "the entity reference &ent;",
            ),
            (
                b"<license xmlns=\"urn:airlock:license:1\" id=\"a\" product=\"b\"/>\n<?xml version=\"1.0\"?>",
                "line 2, column 1: the XML declaration is malformed",
            ),
            (
                b"\n\n  <license xmlns=\"urn:airlock:license:1\" id=\"a\" product=\"b\" x:y=\"1\" xmlns:x=\"urn:x\"/>",
                "line 3, column 3: unknown attribute \"x:y\"",
            ),
        ] {
            let err = License::parse(bad).unwrap_err();
            assert!(err.to_string().contains(says), "{bad:?}: {err}");
        }
    }
}
