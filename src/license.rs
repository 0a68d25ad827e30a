//! Purchased license files (the listing contract's "License files"): one small
//! XML element per product, read strictly, so the builder can refuse a file
//! that is malformed, for a product outside the plan, or expired, and the
//! offline machine can apply it.

use crate::xml::{AttrError, Kind, Reader, Scope, Token, char_class, line_column};
use quick_xml::events::BytesStart;
use std::borrow::Cow;
use std::path::Path;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The namespace of the `license` element.
pub const NAMESPACE: &str = "urn:airlock:license:1";
/// The largest license file read (they are a few hundred bytes).
pub const MAX_BYTES: u64 = 64 * 1024;

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
    pub fn load(path: &Path) -> Result<License, String> {
        let bytes =
            read_bytes(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        License::parse(&bytes).map_err(|problem| format!("{}: {problem}", path.display()))
    }

    /// Parses the bytes of a license file with the one strict XML reader:
    /// the same characters, references and attributes are refused as in a
    /// listing or a history, each problem named with its line and column.
    pub fn parse(bytes: &[u8]) -> Result<License, String> {
        let text = crate::xml::decode(bytes)
            .map_err(|_| "not UTF-8 text: a license file is a small XML file".to_string())?;
        let at = |at: usize| {
            let (line, column) = line_column(text, at);
            format!("line {line}, column {column}")
        };
        let located = |e: crate::xml::Error| format!("{}: {}", at(e.at), e.problem);
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
                    let license = License::from_attributes(&reader, &start)
                        .map_err(|problem| format!("{}: {problem}", at(tag)))?;
                    found = Some(license);
                }
                Token::Start { at: tag, .. }
                | Token::End { at: tag }
                | Token::Text { at: tag }
                | Token::Instruction { at: tag } => {
                    return Err(format!(
                        "{}: a license file holds exactly one empty <license xmlns=\"{NAMESPACE}\" .../> element",
                        at(tag)
                    ));
                }
            }
        }
        found.ok_or_else(|| format!("no <license xmlns=\"{NAMESPACE}\"> element"))
    }

    fn from_attributes(reader: &Reader<'_>, e: &BytesStart<'_>) -> Result<License, String> {
        let [id, product, licensee, seats, issued, expires] = reader
            .attributes(
                e,
                ["id", "product", "licensee", "seats", "issued", "expires"],
                false,
                |_| Kind::Plain,
            )
            .map_err(|e| match e {
                AttrError::Malformed(m) => format!("bad attribute: {m}"),
                AttrError::Unknown(name) => format!("unknown attribute {name:?} on <license>"),
                AttrError::Twice(name) => format!("attribute {name} is written twice; keep one"),
                AttrError::Value { name, error } => format!("attribute {name} {error}"),
                AttrError::Char { name, c } => format!(
                    "attribute {name} holds the {} character U+{:04X}; remove it",
                    char_class(c),
                    u32::from(c)
                ),
            })?;
        let date = |name: &str, v: Option<Cow<'_, str>>| {
            v.map(|v| {
                OffsetDateTime::parse(&v, &Rfc3339)
                    .map_err(|_| format!("attribute {name}={v:?} is not an RFC 3339 date-time"))
            })
            .transpose()
        };
        let needed = |name: &str, v: Option<Cow<'_, str>>| {
            v.filter(|v| !v.is_empty())
                .map(Cow::into_owned)
                .ok_or_else(|| format!("<license> needs the attribute {name}"))
        };
        Ok(License {
            id: needed("id", id)?,
            product: needed("product", product)?,
            licensee: licensee.map(Cow::into_owned),
            seats: seats
                .map(|v| {
                    v.parse()
                        .map_err(|_| format!("attribute seats={v:?} is not a whole number"))
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
            assert!(err.contains(says), "{bad:?}: {err}");
        }
    }
}
