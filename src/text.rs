//! Untrusted text (from a listing, a manifest, a server) made safe to show on
//! a terminal: control characters cannot forge lines or send escape
//! sequences, and bidirectional or invisible characters cannot make text read
//! as other text, because each becomes a visible escape (`\n`, `\u{1b}`).

use bundle_format::manifest::is_invisible;
use std::borrow::Cow;

/// `text` with every control, bidirectional and invisible character written
/// as an escape; borrowed as is when there is none (the usual case).
pub fn escaped(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() || is_invisible(c);
    if !text.contains(unsafe_char) {
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
    use super::escaped;
    use std::borrow::Cow;

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
