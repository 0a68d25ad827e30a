//! A history read as the writer writes it, as it streams in: line by line,
//! each line matched with the writer's form and each value checked as it
//! goes, each line hashed once the reading moves past it. Nothing of the
//! file is kept but the model, so a history at its size limit is read in
//! little more memory than its products take. Every history the writer
//! writes is read here, at the speed of a scan and without a general XML
//! reader; a file that differs from that form anywhere is left to the
//! strict reader (`read.rs`), which says what is wrong and on which line.

use super::read::{is_machine_id, unix_seconds};
use super::{
    Bundle, DECLARATION, History, Imported, Installer, License, LicenseState, Listing, NAMESPACE,
    Product, VERSION,
};
use crate::listing::{Version, is_guid, is_product_id};
use crate::xml::{Kind, refused_char};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::io::BufRead;

/// The length of the shortest product line the writer writes, line end included.
pub(super) const SHORTEST_PRODUCT_LINE: u64 = 82;

/// The model and the file's sha256 when `input` (of `size` bytes) is, byte
/// for byte, what the writer writes of a model whose every value is valid;
/// `None` otherwise (an input that cannot be read included).
pub(super) fn read(input: impl BufRead, size: u64) -> Option<Imported> {
    let mut lines = Lines {
        input,
        line: Vec::new(),
        hasher: Sha256::new(),
    };
    lines.next()?.whole(DECLARATION)?;
    lines.next()?.whole(&format!(
        "<history xmlns=\"{NAMESPACE}\" version=\"{VERSION}\">"
    ))?;

    let mut at = lines.next()?;
    at.text("  <machine")?;
    let machine_id = at.attribute("id")?.into_owned();
    let machine_name = at.attribute("name")?.into_owned();
    at.whole("/>")?;
    if !is_machine_id(&machine_id) {
        return None;
    }
    let mut at = lines.next()?;
    let installer = match at.text("  <installer") {
        Some(()) => {
            let name = at.attribute("name")?.into_owned();
            let version = at.version("version")?;
            at.whole("/>")?;
            at = lines.next()?;
            Some(Installer { name, version })
        }
        None => None,
    };

    let open = at.list("products")?;
    // Room for as many products as the size allows, so that none is moved
    // as the list grows: what is not filled takes no memory.
    let room = usize::try_from(size / SHORTEST_PRODUCT_LINE).ok()?;
    let mut products: Vec<Product> = lines.items(open, room, "products", "product", product)?;
    if products.windows(2).any(|p| p[0].id >= p[1].id) {
        return None;
    }
    products.shrink_to_fit();
    let open = lines.next()?.list("listings")?;
    let listings = lines.items(open, 0, "listings", "listing", listing)?;
    let mut seen = rustc_hash::FxHashSet::default();
    if !listings.iter().all(|l| seen.insert((&l.vendor, &l.name))) {
        return None;
    }
    let open = lines.next()?.list("bundles")?;
    let bundles = lines.items(open, 0, "bundles", "bundle", bundle)?;

    // The digest of every line before its own, then the end.
    let digest = lines.digest_so_far();
    let mut at = lines.next()?;
    at.text("  <digest algorithm=\"sha256\">")?;
    at.text(&digest)?;
    at.whole("</digest>")?;
    lines.next()?.whole("</history>")?;
    let sha256 = lines.finish()?;
    let history = History {
        machine_id,
        machine_name,
        installer,
        products,
        listings,
        bundles,
    };
    Some(Imported { history, sha256 })
}

/// The input, one line at a time.
struct Lines<R> {
    input: R,
    /// The line read last, with its line end.
    line: Vec<u8>,
    /// Every line before `line`.
    hasher: Sha256,
}

impl<R: BufRead> Lines<R> {
    /// The next line, without its line end: `None` at the end of the input,
    /// for a last line without one, or for one that is not UTF-8. The line
    /// left is hashed.
    fn next(&mut self) -> Option<Cursor<'_>> {
        self.hasher.update(&self.line);
        self.line.clear();
        self.input.read_until(b'\n', &mut self.line).ok()?;
        let text = self.line.strip_suffix(b"\n")?;
        Some(Cursor {
            rest: std::str::from_utf8(text).ok()?,
        })
    }

    /// The sha256 (hex) of every line read so far.
    fn digest_so_far(&self) -> String {
        hex::encode(self.hasher.clone().chain_update(&self.line).finalize())
    }

    /// The sha256 (hex) of the whole input, when the last line read ends it.
    fn finish(mut self) -> Option<String> {
        self.hasher.update(&self.line);
        let ended = self.input.fill_buf().ok()?.is_empty();
        ended.then(|| hex::encode(self.hasher.finalize()))
    }

    /// After `  <NAME>` (`open`), its items one per line (`item` reads what
    /// follows `    <ITEM`), then `  </NAME>`; nothing after `  <NAME/>`.
    /// `room`: how many items to make room for.
    fn items<T>(
        &mut self,
        open: bool,
        room: usize,
        name: &str,
        item: &str,
        read: fn(&mut Cursor<'_>) -> Option<T>,
    ) -> Option<Vec<T>> {
        if !open {
            return Some(Vec::new());
        }
        let mut items = Vec::with_capacity(room);
        loop {
            let mut at = self.next()?;
            if at.text("  </").is_some() {
                at.text(name)?;
                at.whole(">")?;
                break;
            }
            at.text("    <")?;
            at.text(item)?;
            items.push(read(&mut at)?);
            at.whole("/>")?;
        }
        // An empty list is written `<NAME/>`.
        (!items.is_empty()).then_some(items)
    }
}

/// Where the reading of a line is: the text of it not read yet.
struct Cursor<'a> {
    rest: &'a str,
}

impl<'a> Cursor<'a> {
    /// `expected`, next.
    fn text(&mut self, expected: &str) -> Option<()> {
        self.rest = self.rest.strip_prefix(expected)?;
        Some(())
    }

    /// `expected`, and the line ends there.
    fn whole(mut self, expected: &str) -> Option<()> {
        self.text(expected)?;
        self.rest.is_empty().then_some(())
    }

    /// `  <NAME>` (true: items follow) or `  <NAME/>` (false), the whole line.
    fn list(mut self, name: &str) -> Option<bool> {
        self.text("  <")?;
        self.text(name)?;
        match self.rest {
            ">" => Some(true),
            "/>" => Some(false),
            _ => None,
        }
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
        id: id.as_ref().into(),
        version,
        hotfix: hotfix.as_deref().map(Box::from),
        product_code: product_code.as_deref().map(Box::from),
        installed,
        license: License {
            state,
            expires: expires.as_deref().map(Box::from),
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
