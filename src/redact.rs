//! Passwords in URLs are never shown: every URL or listing source that reaches
//! a message, a log line or a JSON document goes through [`redact`] (or
//! [`Redacted`], which writes the same text where it goes) first.

use std::fmt;
use std::ops::Range;

/// `text` with the password of a `scheme://user:password@host` prefix replaced
/// by `***`; anything else unchanged.
pub fn redact(text: &str) -> String {
    Redacted::new(text).to_string()
}

/// A text shown as [`redact`] shows it, written where it goes rather than
/// built first: a listing's JSON shows tens of thousands of URLs. A text in
/// two pieces (a listing's folder and a payload's path below it) is shown as
/// the two joined would be.
#[derive(Debug, Clone, Copy)]
pub struct Redacted<'a> {
    head: &'a str,
    tail: &'a str,
}

impl<'a> Redacted<'a> {
    pub fn new(text: &'a str) -> Redacted<'a> {
        Redacted::joined(text, "")
    }

    /// `head` followed by `tail`.
    pub fn joined(head: &'a str, tail: &'a str) -> Redacted<'a> {
        match head {
            "" => Redacted {
                head: tail,
                tail: "",
            },
            _ => Redacted { head, tail },
        }
    }
}

impl fmt::Display for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Redacted { head, tail } = *self;
        if tail.is_empty() || authority(head).is_some_and(|a| a.end < head.len()) {
            // The password, if any, is in `head`: `tail` is shown as it is.
            write_redacted(f, head)?;
            f.write_str(tail)
        } else {
            // `head` does not hold the whole `scheme://user:password@host`.
            write_redacted(f, &format!("{head}{tail}"))
        }
    }
}

impl serde::Serialize for Redacted<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

fn write_redacted(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    let Some(password) = password(text) else {
        return f.write_str(text);
    };
    f.write_str(&text[..password.start])?;
    f.write_str("***")?;
    f.write_str(&text[password.end..])
}

/// Where the `user:password@host` of a `scheme://` prefix of `text` is: up
/// to the first `/`, `?` or `#` after it, or to the end of `text`.
fn authority(text: &str) -> Option<Range<usize>> {
    let start = text.as_bytes().windows(3).position(|w| w == b"://")? + 3;
    let end = text[start..]
        .find(['/', '?', '#'])
        .map_or(text.len(), |end| start + end);
    Some(start..end)
}

/// Where the password of `text`'s `scheme://user:password@host` prefix is.
fn password(text: &str) -> Option<Range<usize>> {
    let Range { start, end } = authority(text)?;
    let at = start + text[start..end].rfind('@')?;
    let colon = start + text[start..at].find(':')?;
    Some(colon + 1..at)
}

#[cfg(test)]
mod tests {
    use super::{Redacted, redact};

    #[test]
    fn only_the_password_is_hidden() {
        assert_eq!(
            redact("http://user:s3cr%40t@host:8080/a/b.pl.xml?x=1"),
            "http://user:***@host:8080/a/b.pl.xml?x=1"
        );
        assert_eq!(redact("https://p:w@@h/"), "https://p:***@h/");
        assert_eq!(redact("http://user@host/x"), "http://user@host/x");
        assert_eq!(redact("http://host/a:b@c"), "http://host/a:b@c");
        assert_eq!(redact("/srv/itms.pl.xml"), "/srv/itms.pl.xml");
        assert_eq!(redact("ftp://a:b@h"), "ftp://a:***@h");
    }

    #[test]
    fn a_text_in_two_pieces_is_shown_as_the_two_joined() {
        for text in [
            "http://user:s3cret@host:8080/a/b.msi?x=1",
            "https://p:w@@h/",
            "https://p:w@h",
            "http://user@host/x",
            "http://host/a:b@c",
            "file:///srv/a:b@c/x.msi",
            "x:/a://u:p@h/y",
            "/srv/itms.pl.xml",
            "",
        ] {
            for split in 0..=text.len() {
                let (head, tail) = text.split_at(split);
                assert_eq!(
                    Redacted::joined(head, tail).to_string(),
                    redact(text),
                    "{head:?} + {tail:?}"
                );
            }
        }
        assert_eq!(redact("https://p:w@h"), "https://p:***@h");
        assert_eq!(redact("x:/a://u:p@h/y"), "x:/a://u:***@h/y");
    }
}
