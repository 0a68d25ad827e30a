//! A history read as the writer writes it: one pass over the text that
//! matches each line with the writer's form and checks each value as it
//! goes, after one pass of the hasher. Every history the writer writes is
//! read here, at the speed of a scan and without a general XML reader; a
//! file that differs from that form anywhere is left to the strict reader
//! (`read.rs`), which says what is wrong and on which line.

use super::read::{Sealed, check_digest, is_machine_id, unix_seconds};
use super::{
    Bundle, DECLARATION, History, Installer, License, LicenseState, Listing, NAMESPACE, Product,
    VERSION,
};
use crate::listing::{Version, is_guid, is_product_id};
use crate::xml::{Kind, refused_char};
use std::borrow::Cow;

/// The model and the file's sha256 when `text` is, byte for byte, what the
/// writer writes of a model whose every value is valid; `None` otherwise.
pub(super) fn read(text: &str) -> Option<(History, String)> {
    let Sealed { body, sha256 } = check_digest(text).ok()?;
    let mut at = Cursor {
        rest: text.get(..body)?,
    };
    at.line(&format!(
        "{DECLARATION}\n<history xmlns=\"{NAMESPACE}\" version=\"{VERSION}\">"
    ))?;
    // Each item is one line: the lines left bound how many a list holds.
    let lines = at.rest.bytes().filter(|&b| b == b'\n').count();

    at.text("  <machine")?;
    let machine_id = at.attribute("id")?.into_owned();
    let machine_name = at.attribute("name")?.into_owned();
    at.line("/>")?;
    if !is_machine_id(&machine_id) {
        return None;
    }
    let installer = match at.text("  <installer") {
        Some(()) => {
            let name = at.attribute("name")?.into_owned();
            let version = at.version("version")?;
            at.line("/>")?;
            Some(Installer { name, version })
        }
        None => None,
    };

    let mut products: Vec<Product> = at.list("products", "product", lines, product)?;
    if products.windows(2).any(|p| p[0].id >= p[1].id) {
        return None;
    }
    products.shrink_to_fit();
    let listings = at.list("listings", "listing", 0, listing)?;
    let mut seen = rustc_hash::FxHashSet::default();
    if !listings.iter().all(|l| seen.insert((&l.vendor, &l.name))) {
        return None;
    }
    let bundles = at.list("bundles", "bundle", 0, bundle)?;
    // The digest line follows at once.
    if !at.rest.is_empty() {
        return None;
    }
    let history = History {
        machine_id,
        machine_name,
        installer,
        products,
        listings,
        bundles,
    };
    Some((history, sha256))
}

/// Where the reading is: the text not read yet.
struct Cursor<'a> {
    rest: &'a str,
}

impl<'a> Cursor<'a> {
    /// `expected`, next.
    fn text(&mut self, expected: &str) -> Option<()> {
        self.rest = self.rest.strip_prefix(expected)?;
        Some(())
    }

    /// `expected` and a line end, next.
    fn line(&mut self, expected: &str) -> Option<()> {
        self.text(expected)?;
        self.text("\n")
    }

    /// ` NAME="VALUE"` next when it is there, its value as the writer
    /// escapes it (the five entities and nothing else), not empty, and
    /// holding no character the reader refuses.
    fn optional(&mut self, name: &str) -> Option<Option<Cow<'a, str>>> {
        let Some(after) = self
            .rest
            .strip_prefix(' ')
            .and_then(|r| r.strip_prefix(name))
            .and_then(|r| r.strip_prefix("=\""))
        else {
            return Some(None);
        };
        // One look at each byte: where the value ends, that it holds none
        // of the characters the writer escapes but `&`, and whether it is
        // printable ASCII with no reference (the usual case), borrowed as is.
        let mut plain = true;
        let mut end = 0;
        loop {
            match *after.as_bytes().get(end)? {
                b'"' => break,
                b'<' | b'>' | b'\'' => return None,
                b'&' => plain = false,
                b' '..=b'~' => {}
                _ => plain = false,
            }
            end += 1;
        }
        let raw = &after[..end];
        self.rest = &after[end + 1..];
        if raw.is_empty() {
            return None;
        }
        if plain {
            return Some(Some(Cow::Borrowed(raw)));
        }
        let value = unescape(raw)?;
        refused_char(&value, Kind::Plain)
            .is_none()
            .then_some(Some(value))
    }

    /// ` NAME="VALUE"` next, as [`Cursor::optional`] reads it.
    fn attribute(&mut self, name: &str) -> Option<Cow<'a, str>> {
        self.optional(name)?
    }

    /// A version as the writer writes it: each number as `Display` writes it.
    fn version(&mut self, name: &str) -> Option<Version> {
        let text = self.attribute(name)?;
        if !text.split('.').all(decimal) {
            return None;
        }
        text.parse().ok()
    }

    /// A date-time as the writer writes it, in unix seconds.
    fn date(&mut self, name: &str) -> Option<u64> {
        unix_seconds(&self.attribute(name)?)
    }

    /// `  <NAME/>`, or `  <NAME>`, its items one per line (`item` reads
    /// what follows `    <ITEM`), `  </NAME>`. `lines` bounds the count.
    fn list<T>(
        &mut self,
        name: &str,
        item: &str,
        lines: usize,
        read: fn(&mut Self) -> Option<T>,
    ) -> Option<Vec<T>> {
        self.text("  <")?;
        self.text(name)?;
        if self.line("/>").is_some() {
            return Some(Vec::new());
        }
        self.line(">")?;
        let mut items = Vec::with_capacity(lines);
        while self.text("  </").is_none() {
            self.text("    <")?;
            self.text(item)?;
            items.push(read(self)?);
            self.line("/>")?;
        }
        self.text(name)?;
        self.line(">")?;
        // An empty list is written `<NAME/>`.
        (!items.is_empty()).then_some(items)
    }
}

fn product(at: &mut Cursor<'_>) -> Option<Product> {
    let id = at.attribute("id")?;
    if !is_product_id(&id) {
        return None;
    }
    let version = at.version("version")?;
    let hotfix = at.optional("hotfix")?;
    let product_code = at.optional("productCode")?;
    if product_code.as_deref().is_some_and(|c| !is_guid(c)) {
        return None;
    }
    let installed = at.date("installed")?;
    let state = LicenseState::from_word(&at.attribute("license")?)?;
    let expires = at.optional("licenseExpires")?;
    if expires
        .as_deref()
        .is_some_and(|x| unix_seconds(x).is_none())
    {
        return None;
    }
    Some(Product {
        id: id.into_owned(),
        version,
        hotfix: hotfix.map(Cow::into_owned),
        product_code: product_code.map(Cow::into_owned),
        installed,
        license: License {
            state,
            expires: expires.map(Cow::into_owned),
        },
    })
}

fn listing(at: &mut Cursor<'_>) -> Option<Listing> {
    let vendor = at.attribute("vendor")?.into_owned();
    let name = at.attribute("name")?.into_owned();
    let text = at.attribute("serial")?;
    let serial = text.parse().ok().filter(|_| decimal(&text))?;
    Some(Listing {
        vendor,
        name,
        serial,
    })
}

fn bundle(at: &mut Cursor<'_>) -> Option<Bundle> {
    Some(Bundle {
        id: at.attribute("id")?.into_owned(),
        key_fingerprint: at.attribute("keyFingerprint")?.into_owned(),
        created: at.date("created")?,
    })
}

/// A value as the writer escapes it (`&amp; &lt; &gt; &quot; &apos;` for
/// those five characters, nothing else; the caller saw no `<`, `>` or `'`),
/// unescaped; borrowed when it holds no reference.
fn unescape(raw: &str) -> Option<Cow<'_, str>> {
    let Some(first) = raw.find('&') else {
        return Some(Cow::Borrowed(raw));
    };
    let mut value = String::with_capacity(raw.len());
    value.push_str(&raw[..first]);
    let mut rest = &raw[first..];
    while let Some(reference) = rest.strip_prefix('&') {
        let end = reference.find(';')?;
        value.push(match &reference[..end] {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => return None,
        });
        rest = &reference[end + 1..];
        let next = rest.find('&').unwrap_or(rest.len());
        value.push_str(&rest[..next]);
        rest = &rest[next..];
    }
    Some(Cow::Owned(value))
}

/// A whole number as `Display` writes one: decimal digits, no sign, no
/// leading zero.
fn decimal(text: &str) -> bool {
    match text.as_bytes() {
        [b'0'] => true,
        [first, rest @ ..] => (b'1'..=b'9').contains(first) && rest.iter().all(u8::is_ascii_digit),
        [] => false,
    }
}
