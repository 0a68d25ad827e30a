//! `<payload>`: one file to download, checked where it is read (kind for its
//! owner, a plain file name, a URL kept in the listing's folder, size and
//! sha256), and the one-payload rule of installers, EULAs and hot fixes.

use super::Cursor;
use super::{FileMark, offset};
use crate::listing::Error;
use crate::listing::model::*;
use crate::listing::xml::{Elem, Tag};
use crate::redact::redact;
use bundle_format::manifest::check_name;
use std::borrow::Cow;
use std::sync::Arc;
use url::Url;

impl<'a> Cursor<'a> {
    /// The one payload child of `e`, of one of `kinds`.
    pub(super) fn single_payload(
        &mut self,
        e: &Elem<'a>,
        kinds: &[PayloadKind],
    ) -> Result<Payload, Error> {
        let mut payload = None;
        self.children(e, |cur, child| {
            if child.tag != Tag::Payload {
                return Err(cur.xml.misplaced(&child, e.tag.name(), "one <payload>"));
            }
            if payload.is_some() {
                return Err(cur.bad(
                    &child,
                    format!(
                        "one payload: <{}> has exactly one <payload>; remove this one",
                        e.tag.name()
                    ),
                ));
            }
            payload = Some(cur.payload(child, kinds, e.tag)?);
            Ok(())
        })?;
        payload.ok_or_else(|| {
            self.bad(
                e,
                format!(
                    "one payload: <{}> needs one <payload> child; add it",
                    e.tag.name()
                ),
            )
        })
    }

    pub(super) fn payload(
        &mut self,
        e: Elem<'a>,
        kinds: &[PayloadKind],
        owner: Tag,
    ) -> Result<Payload, Error> {
        let [kind, file, url, size, sha256, product_code, args] = self.xml.attrs(
            &e,
            [
                "kind",
                "file",
                "url",
                "size",
                "sha256",
                "productCode",
                "args",
            ],
        )?;
        let kind = self.required(&e, "kind", kind)?;
        let kind = self.one_of(
            &e,
            "kind",
            &kind,
            &[
                ("msi", PayloadKind::Msi),
                ("msp", PayloadKind::Msp),
                ("exe", PayloadKind::Exe),
                ("text", PayloadKind::Text),
            ],
        )?;
        if !kinds.contains(&kind) {
            let allowed: Vec<&str> = kinds.iter().map(|k| kind_name(*k)).collect();
            return Err(self.bad(
                &e,
                format!(
                    "payload kind: a payload of <{}> is of kind {}, not {}",
                    owner.name(),
                    allowed.join(" or "),
                    kind_name(kind)
                ),
            ));
        }
        let file = self.required(&e, "file", file)?;
        check_name(&file).map_err(|problem| {
            self.bad(
                &e,
                format!(
                    "rule 8: `file`: {problem}; give a plain file name (it names the file inside a bundle)"
                ),
            )
        })?;
        let url = self.required(&e, "url", url)?;
        let url = self.url(&e, &url)?;
        let size = self.required(&e, "size", size)?;
        let size = self.u64(&e, "size", &size, "rule 3")?;
        self.marks.files.push(FileMark {
            at: offset(e.at),
            owner,
        });
        let sha256 = self.required(&e, "sha256", sha256)?;
        let digest = self.sha256(&e, &sha256)?;
        let detail = self.kind_only(&e, kind, product_code, args)?;
        self.leaf(&e)?;
        Ok(Payload {
            kind,
            file: Text::from(&*file),
            url,
            size,
            sha256: digest,
            detail,
        })
    }

    /// `productCode` (msi payloads only, a GUID) and `args` (exe payloads only).
    fn kind_only(
        &self,
        e: &Elem<'_>,
        kind: PayloadKind,
        product_code: Option<Cow<'_, str>>,
        args: Option<Cow<'_, str>>,
    ) -> Result<PayloadDetail, Error> {
        let product_code = match product_code {
            Some(_) if kind != PayloadKind::Msi => {
                return Err(self.bad(
                    e,
                    "msi only: `productCode` belongs to msi payloads only; remove it",
                ));
            }
            Some(code) => Some(ProductCode::parse(&code).ok_or_else(|| {
                self.bad(
                    e,
                    format!(
                        "productCode syntax: `productCode` {code:?} is not a GUID in braces, like {{6C0B2B2E-1F3A-4D5E-9A7B-0C1D2E3F4A5B}}"
                    ),
                )
            })?),
            None => None,
        };
        let args = match args {
            Some(_) if kind != PayloadKind::Exe => {
                return Err(self.bad(
                    e,
                    "exe only: `args` belongs to exe payloads only; remove it",
                ));
            }
            args => args,
        };
        // Each belongs to a kind of its own: at most one is given by now.
        Ok(match (product_code, args) {
            (Some(code), _) => PayloadDetail::ProductCode(code),
            (None, Some(args)) => PayloadDetail::Args(Text::from(&*args)),
            (None, None) => PayloadDetail::None,
        })
    }

    /// `sha256`: 64 hex digits.
    fn sha256(&self, e: &Elem<'_>, text: &str) -> Result<[u8; 32], Error> {
        let mut digest = [0u8; 32];
        if text.len() != 64 || hex::decode_to_slice(text.as_bytes(), &mut digest).is_err() {
            return Err(self.bad(
                e,
                format!(
                    "rule 3: `sha256` {text:?} is not 64 hex digits; write the file's SHA-256 digest in hexadecimal"
                ),
            ));
        }
        Ok(digest)
    }

    /// A payload URL, absolute or resolved against the listing's own URL.
    /// Messages quote it with its password hidden, as everywhere.
    fn url(&self, e: &Elem<'_>, text: &str) -> Result<PayloadUrl, Error> {
        let shown = || redact(text);
        let not_url = |err: url::ParseError| {
            self.bad(
                e,
                format!("payload url: `url` {:?} is not a URL ({err}); write an absolute http(s) URL or one relative to the listing", shown()),
            )
        };
        if is_plain_path(text) && !self.base_dir.is_empty() {
            // The common case, a path below the listing's folder: the folder's
            // URL followed by the path is the URL as it is (no character to
            // escape, no segment to remove), so nothing is parsed or copied.
            return Ok(PayloadUrl::below(Arc::clone(&self.base_dir), text));
        }
        let url = self.base.join(text).map_err(not_url)?;
        if !matches!(url.scheme(), "http" | "https" | "file") {
            return Err(self.bad(
                e,
                format!(
                    "payload url: `url` {:?} uses the scheme {:?}; only http, https and file are fetched",
                    shown(),
                    url.scheme()
                ),
            ));
        }
        let relative = Url::parse(text) == Err(url::ParseError::RelativeUrlWithoutBase);
        if self.base.scheme() == "file"
            && relative
            && !url.as_str().starts_with(self.base_dir.as_str())
        {
            return Err(self.bad(
                e,
                format!(
                    "payload url: `url` {:?} leaves the listing's folder; a local listing's relative URLs stay inside its folder (no ../ or /)",
                    shown()
                ),
            ));
        }
        Ok(PayloadUrl::new(&url))
    }
}

fn kind_name(kind: PayloadKind) -> &'static str {
    match kind {
        PayloadKind::Msi => "msi",
        PayloadKind::Msp => "msp",
        PayloadKind::Exe => "exe",
        PayloadKind::Text => "text",
    }
}

/// A relative path of plain segments (`msi/a-1.0.msi`): no scheme, query,
/// fragment, `.` or `..` segment, nothing to escape; it resolves to the
/// listing's folder followed by itself.
fn is_plain_path(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._~-/".contains(&b))
        && text.split('/').all(|s| !matches!(s, "" | "." | ".."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The one-parse path for plain relative URLs gives what `Url::join` gives.
        #[test]
        fn plain_paths_resolve_like_join(
            segments in prop::collection::vec("[a-zA-Z0-9._~-]{1,8}", 1..5),
            base in prop::sample::select(vec![
                "https://vendor.example/listings/itms.pl.xml?token=1",
                "http://127.0.0.1:8080/itms.pl.xml",
                "file:///srv/vendor%20site/itms.pl.xml.zip",
            ]),
        ) {
            let text = segments.join("/");
            prop_assume!(is_plain_path(&text));
            let base = Url::parse(base).unwrap();
            let dir = String::from(base.join(".").unwrap());
            let below = PayloadUrl::below(Arc::new(dir), &text);
            let joined = base.join(&text).unwrap();
            prop_assert_eq!(below.to_string(), joined.as_str());
            prop_assert_eq!(below.to_url(), joined);
        }
    }

    #[test]
    fn plain_paths_exclude_what_join_treats_specially() {
        for text in [
            "", "/a", "a//b", "./a", "a/../b", "..", "a?b", "a#b", "a b", "a%20b", "c:x", "a\\b",
        ] {
            assert!(!is_plain_path(text), "{text}");
        }
        assert!(is_plain_path("msi/smp-8.0.2298.0.msi"));
    }
}
