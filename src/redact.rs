//! Passwords in URLs are never shown: every URL or listing source that reaches
//! a message, a log line or a JSON document goes through [`redact`] first.

/// `text` with the password of a `scheme://user:password@host` prefix replaced
/// by `***`; anything else unchanged.
pub fn redact(text: &str) -> String {
    let Some(scheme_end) = text.find("://") else {
        return text.to_string();
    };
    let rest_start = scheme_end + 3;
    let rest = &text[rest_start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return text.to_string();
    };
    let Some(colon) = authority[..at].find(':') else {
        return text.to_string();
    };
    let password_start = rest_start + colon + 1;
    let password_end = rest_start + at;
    format!("{}***{}", &text[..password_start], &text[password_end..])
}

#[cfg(test)]
mod tests {
    use super::redact;

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
}
