//! Untrusted text (from a listing, a manifest, a server) made safe to show on
//! a terminal: control characters cannot forge lines or send escape
//! sequences, and bidirectional or invisible characters cannot make text read
//! as other text, because each becomes a visible escape (`\n`, `\u{1b}`).
//! And the one way every output writes a size, a moment or a digest, so a
//! size reads `1.5 GiB` and a time `2026-11-20T10:00:00Z` wherever it is shown.

use bundle_format::manifest::is_invisible;
use std::borrow::Cow;
use std::fmt;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// Bytes in binary units, one decimal: `1000 B`, `4.0 KiB`, `1.5 GiB`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    match unit {
        0 => format!("{bytes} B"),
        _ => format!("{value:.1} {}", UNITS[unit]),
    }
}

/// A moment as RFC 3339 in UTC, to the second: `2026-11-20T10:00:00Z`.
pub fn rfc3339(at: OffsetDateTime) -> String {
    Moment(at).to_string()
}

/// A moment shown as [`rfc3339`] shows it, written where it goes rather
/// than built first: a listing's JSON shows tens of thousands of them.
#[derive(Debug, Clone, Copy)]
pub struct Moment(pub OffsetDateTime);

impl fmt::Display for Moment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.0.to_offset(UtcOffset::UTC);
        let at = at.replace_nanosecond(0).unwrap_or(at);
        // RFC 3339 has four-digit years: `2026-11-20T10:00:00Z` is 20 bytes.
        let mut text = [0u8; 32];
        match at.format_into(&mut &mut text[..], &Rfc3339) {
            Ok(len) => f.write_str(std::str::from_utf8(&text[..len]).map_err(|_| fmt::Error)?),
            Err(_) => write!(f, "{} (seconds since 1970)", at.unix_timestamp()),
        }
    }
}

impl serde::Serialize for Moment {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A SHA-256 digest as 64 lowercase hex digits in a JSON document, written
/// from the stack rather than built as a `String`, as [`Moment`] is.
#[derive(Debug, Clone, Copy)]
pub struct Sha256Hex<'a>(pub &'a [u8; 32]);

impl serde::Serialize for Sha256Hex<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut text = [0u8; 64];
        hex::encode_to_slice(self.0, &mut text).map_err(serde::ser::Error::custom)?;
        s.serialize_str(std::str::from_utf8(&text).map_err(serde::ser::Error::custom)?)
    }
}

/// Unix seconds as RFC 3339 UTC (`2026-11-20T10:00:00Z`); a time past the
/// year 9999 is shown as its last second.
pub fn rfc3339_unix(seconds: u64) -> String {
    let at = OffsetDateTime::from_unix_timestamp(seconds.min(253_402_300_799) as i64)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    rfc3339(at)
}

/// A moment in UTC as it goes into a file name, where `:` cannot:
/// `20261120_100000`.
pub fn file_stamp(at: OffsetDateTime) -> String {
    let at = at.to_offset(UtcOffset::UTC);
    at.format(time::macros::format_description!(
        "[year][month][day]_[hour][minute][second]"
    ))
    .unwrap_or_else(|_| at.unix_timestamp().to_string())
}

/// `text` with every control, bidirectional and invisible character written
/// as an escape; borrowed as is when there is none (the usual case).
pub fn escaped(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() || is_invisible(c);
    // Printable ASCII, checked a byte at a time, is most text shown.
    let printable = |b: &u8| (b' '..b'\x7f').contains(b);
    if text.as_bytes().iter().all(printable) || !text.contains(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(13_421_772_800), "12.5 GiB");
    }

    #[test]
    fn moments_are_utc_to_the_second() {
        let at = time::macros::datetime!(2026-11-20 12:00:00.75 +02:00);
        assert_eq!(rfc3339(at), "2026-11-20T10:00:00Z");
        assert_eq!(rfc3339_unix(1_795_000_000), "2026-11-18T11:06:40Z");
        assert_eq!(rfc3339_unix(u64::MAX), "9999-12-31T23:59:59Z");
        assert_eq!(file_stamp(at), "20261120_100000");
    }

    #[test]
    fn controls_and_invisible_characters_become_visible_escapes() {
        assert!(matches!(escaped("ITMS 8.0 — Ünïcode"), Cow::Borrowed(_)));
        assert_eq!(escaped("7.6\ninstall backdoor"), "7.6\\ninstall backdoor");
        assert_eq!(
            escaped("\u{1b}]0;owned\u{7}\u{1b}[2J"),
            "\\u{1b}]0;owned\\u{7}\\u{1b}[2J"
        );
        assert_eq!(escaped("a\r\tb\u{85}c\u{9b}"), "a\\r\\tb\\u{85}c\\u{9b}");
        assert_eq!(escaped("setup\u{202E}gpj.exe"), "setup\\u{202e}gpj.exe");
        assert_eq!(
            escaped("zero\u{200B}width\u{2028}"),
            "zero\\u{200b}width\\u{2028}"
        );
    }
}
