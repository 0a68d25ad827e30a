//! Purchased license files (the listing contract's "License files"): one small
//! XML element per product, read strictly, so the builder can refuse a file
//! that is malformed, for a product outside the plan, or expired, and the
//! offline machine can apply it.

use crate::xml::{Kind, char_class, refused_char};
use quick_xml::events::Event;
use quick_xml::name::{Namespace, ResolveResult};
use quick_xml::reader::NsReader;
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

    /// Parses the bytes of a license file.
    pub fn parse(bytes: &[u8]) -> Result<License, String> {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| "not UTF-8 text: a license file is a small XML file".to_string())?;
        let mut reader = NsReader::from_str(text);
        let mut found = None;
        loop {
            let at = reader.buffer_position();
            let event = reader
                .read_resolved_event()
                .map_err(|e| format!("not well-formed XML at byte {at}: {e}"))?;
            match event {
                (_, Event::Eof) => break,
                (_, Event::Decl(_) | Event::Comment(_)) => {}
                (_, Event::Text(t)) if t.trim_ascii_start().is_empty() => {}
                (_, Event::DocType(_)) => {
                    return Err("a DTD is not allowed in a license file".into());
                }
                (ResolveResult::Bound(Namespace(ns)), Event::Empty(e))
                    if found.is_none()
                        && ns == NAMESPACE
                        && e.local_name().into_inner() == "license" =>
                {
                    found = Some(License::from_attributes(&e)?);
                }
                _ => {
                    return Err(format!(
                        "byte {at}: a license file holds exactly one empty <license xmlns=\"{NAMESPACE}\" .../> element"
                    ));
                }
            }
        }
        found.ok_or_else(|| format!("no <license xmlns=\"{NAMESPACE}\"> element"))
    }

    fn from_attributes(e: &quick_xml::events::BytesStart<'_>) -> Result<License, String> {
        let mut license = License {
            id: String::new(),
            product: String::new(),
            licensee: None,
            seats: None,
            issued: None,
            expires: None,
        };
        for attr in e.attributes() {
            let attr = attr.map_err(|e| format!("bad attribute: {e}"))?;
            let name = attr.key.as_ref().to_string();
            let value = crate::xml::value(&attr)
                .map_err(|e| format!("attribute {name} {e}"))?
                .into_owned();
            if let Some(c) = refused_char(&value, Kind::Plain) {
                return Err(format!(
                    "attribute {name} holds the {} character U+{:04X}; remove it",
                    char_class(c),
                    u32::from(c)
                ));
            }
            let date = |v: &str| {
                OffsetDateTime::parse(v, &Rfc3339)
                    .map_err(|_| format!("attribute {name}={v:?} is not an RFC 3339 date-time"))
            };
            match name.as_str() {
                "xmlns" => {}
                "id" => license.id = value,
                "product" => license.product = value,
                "licensee" => license.licensee = Some(value),
                "seats" => {
                    license.seats =
                        Some(value.parse().map_err(|_| {
                            format!("attribute seats={value:?} is not a whole number")
                        })?)
                }
                "issued" => license.issued = Some(date(&value)?),
                "expires" => license.expires = Some(date(&value)?),
                other => return Err(format!("unknown attribute {other:?} on <license>")),
            }
        }
        for (name, value) in [("id", &license.id), ("product", &license.product)] {
            if value.is_empty() {
                return Err(format!("<license> needs the attribute {name}"));
            }
        }
        Ok(license)
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
        ] {
            let err = License::parse(bad).unwrap_err();
            assert!(err.contains(says), "{bad:?}: {err}");
        }
    }
}
