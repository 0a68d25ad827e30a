//! The rules every XML file Airlock reads shares: the listing, the history and
//! license files. quick-xml reads more than XML 1.0 allows (a raw `<` inside
//! an attribute value), and each reader once kept its own idea of which
//! characters a value may hold; an attribute's value and the one character
//! policy are decided here, so the readers cannot drift apart. Each reader
//! still words its messages for its own users (rules of the listing contract,
//! lines of a history).

use quick_xml::XmlVersion;
use quick_xml::events::attributes::Attribute;
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
    if attr.value.contains('<') {
        return Err(ValueError::RawLessThan);
    }
    let value = attr
        .normalized_value(XmlVersion::Implicit1_0)
        .map_err(|e| ValueError::Reference(e.to_string()))?;
    // Characters written as is are the document's (each reader checks
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

#[cfg(test)]
mod tests {
    use super::*;
    use quick_xml::events::BytesStart;

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
}
