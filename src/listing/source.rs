//! Getting listings: each `SRC` is a local path or an http(s) URL of
//! `NAME.pl.xml` or `NAME.pl.xml.zip`, bounded to 64 MiB, with the base URL its
//! relative payload URLs resolve against and, when a vendor key is given, its
//! `NAME.pl.xml.sig` beside it. Then every listing is parsed and the catalog
//! validated as one. The network is not reached from here: the bytes at an
//! http(s) URL come from the caller's [`GetRemote`] (the fetcher).

use super::Error;
use super::model::Catalog;
use super::parse;
use super::position::Doc;
use super::signature;
use super::validate::{Parsed, validate};
use super::xml::decode;
use crate::redact::redact;
use bundle_format::keys::PublicKey;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use url::Url;

/// The largest listing accepted, zipped or not (rule 5).
pub const MAX_LISTING_BYTES: u64 = 64 * 1024 * 1024;
/// The largest signature file read.
pub const MAX_SIGNATURE_BYTES: u64 = 4096;

/// A body read over the network: its bytes and the URL it came from after redirects.
pub struct Remote {
    pub bytes: Vec<u8>,
    pub url: Url,
}

/// Gets the body at an http(s) URL, refusing more than `limit` bytes (with
/// [`too_big`]); `Ok(None)` when the server has no such file (404). The first
/// argument names the file in messages (its password already hidden).
pub type GetRemote<'a> = &'a dyn Fn(&str, &Url, u64) -> Result<Option<Remote>, Error>;

/// [`load_with`] for local listings only: an http(s) source is refused.
pub fn load(sources: &[String], vendor_key: Option<&Path>) -> Result<Catalog, Error> {
    load_with(sources, vendor_key, &|name, _, _| {
        Err(read_error(
            name,
            "a listing at an http(s) URL needs network support, which this airlock (an offline runner) was built without; copy the listing here and give its path",
        ))
    })
}

/// Reads, checks and parses every listing of a run into one catalog. Each
/// listing is named `source` as the user wrote it, its password hidden. With
/// `vendor_key`, every listing's `NAME.pl.xml.sig` must exist and verify.
pub fn load_with(
    sources: &[String],
    vendor_key: Option<&Path>,
    get: GetRemote<'_>,
) -> Result<Catalog, Error> {
    let key = vendor_key.map(read_vendor_key).transpose()?;
    let copies = sources
        .iter()
        .map(|source| read(source, key.is_some(), get))
        .collect::<Result<Vec<_>, _>>()?;
    parse_copies(&copies, key.as_ref())
}

/// The vendor's public key, for [`parse_copies`].
pub fn read_vendor_key(path: &Path) -> Result<PublicKey, Error> {
    PublicKey::load(path).map_err(|e| Error::Read {
        source_name: path.display().to_string(),
        message: format!("cannot use the vendor key: {e}"),
    })
}

/// A listing's bytes before parsing: what [`read`] got from its source, or a
/// copy kept from an earlier read.
#[derive(Debug, Clone)]
pub struct Copy {
    /// How messages name the listing (its source, password hidden, or the name it is kept under).
    pub name: String,
    /// The exact `.pl.xml` bytes (inside a zip: the member's), shared with
    /// the parsed listing rather than copied.
    pub xml: Arc<[u8]>,
    /// The URL its relative payload URLs resolve against.
    pub base: Url,
    /// The `NAME.pl.xml.sig` bytes; `None` when it was not asked for or does not exist.
    pub signature: Option<Vec<u8>>,
    /// Where the signature was looked for, for messages.
    pub signature_at: String,
}

/// Reads one listing from its source (a path or an http(s) URL), and its
/// signature file beside it when `with_signature`; nothing is checked yet.
pub fn read(source: &str, with_signature: bool, get: GetRemote<'_>) -> Result<Copy, Error> {
    let name = redact(source);
    let origin = Origin::of(source, &name)?;
    let listing = origin.read_listing(&name, get)?;
    let (signature, signature_at) = if with_signature {
        let location = origin.signature_location(&name)?;
        (origin.read_signature(&location, get)?, location.shown())
    } else {
        (None, String::new())
    };
    Ok(Copy {
        signature_at,
        name,
        xml: listing.xml,
        base: listing.base,
        signature,
    })
}

/// Checks each copy's signature with `vendor_key` (when given), then parses
/// every listing and validates them as one catalog.
pub fn parse_copies(copies: &[Copy], vendor_key: Option<&PublicKey>) -> Result<Catalog, Error> {
    if let Some(key) = vendor_key {
        for copy in copies {
            let sig = copy.signature.as_deref();
            signature::verify(&copy.name, &copy.signature_at, sig, &copy.xml, key)?;
        }
    }
    let mut parsed = Vec::with_capacity(copies.len());
    for copy in copies {
        let text = decode(&copy.name, &copy.xml)?;
        let doc = Doc {
            name: &copy.name,
            text,
        };
        let (mut listing, marks) = parse::parse(doc, &copy.base)?;
        listing.bytes = Arc::clone(&copy.xml);
        listing.signature = copy.signature.as_deref().map(Arc::from);
        listing.vendor_key = vendor_key.map(|k| k.fingerprint().to_string());
        parsed.push(Parsed {
            doc,
            listing,
            marks,
        });
    }
    validate(parsed)
}

/// A listing's `.pl.xml` bytes and its base URL.
pub(crate) struct Fetched {
    pub xml: Arc<[u8]>,
    pub base: Url,
}

/// Where a listing comes from.
enum Origin {
    Local(PathBuf),
    Remote(Url),
}

/// Where a signature file is: a local path, or a URL and how it is shown.
enum Location {
    Local(PathBuf),
    Remote(Url),
}

impl Location {
    fn shown(&self) -> String {
        match self {
            Location::Local(path) => path.display().to_string(),
            Location::Remote(url) => redact(url.as_str()),
        }
    }
}

fn read_error(source: &str, message: impl Into<String>) -> Error {
    Error::Read {
        source_name: source.to_string(),
        message: message.into(),
    }
}

/// Whether the listing source `source` is a path (`Some`) or an http(s) URL
/// (`None`); a URL of another scheme (`ftp://…`) is refused, naming it.
pub fn local_path(source: &str) -> Result<Option<PathBuf>, Error> {
    match Origin::of(source, &redact(source))? {
        Origin::Local(path) => Ok(Some(path)),
        Origin::Remote(_) => Ok(None),
    }
}

/// The scheme of `source` when it is written as a URL (`ftp://…`), not a path.
fn url_scheme(source: &str) -> Option<&str> {
    let (scheme, _) = source.split_once("://")?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then_some(scheme)
}

/// A zipped listing is named `….zip`; for a URL only its path counts, not its query.
fn is_zip(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".zip")
}

impl Origin {
    fn of(source: &str, name: &str) -> Result<Origin, Error> {
        let lower = source.to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            let url = Url::parse(source)
                .map_err(|e| read_error(name, format!("not a valid URL: {e}")))?;
            Ok(Origin::Remote(url))
        } else if let Some(scheme) = url_scheme(source) {
            Err(read_error(
                name,
                format!(
                    "the {scheme} scheme is not supported; give an http or https URL, or the path of a file"
                ),
            ))
        } else {
            Ok(Origin::Local(PathBuf::from(source)))
        }
    }

    fn read_listing(&self, source: &str, get: GetRemote<'_>) -> Result<Fetched, Error> {
        let (bytes, base) = match self {
            Origin::Local(path) => {
                let bytes = read_local(source, path, MAX_LISTING_BYTES, "a listing")?
                    .ok_or_else(|| read_error(source, "no such file; check the path"))?;
                let full = fs::canonicalize(path)
                    .map_err(|e| read_error(source, format!("cannot resolve the path: {e}")))?;
                let base = Url::from_file_path(&full)
                    .map_err(|()| read_error(source, "cannot turn the path into a file:// URL"))?;
                (bytes, base)
            }
            Origin::Remote(url) => {
                // After redirects, relative URLs resolve against where the listing was found.
                let remote =
                    get(source, url, MAX_LISTING_BYTES)?.ok_or_else(|| Error::Download {
                        source_name: source.to_string(),
                        message: "not found (HTTP 404); check the URL".into(),
                    })?;
                (Arc::from(remote.bytes), remote.url)
            }
        };
        let zipped = match self {
            Origin::Local(path) => is_zip(&path.to_string_lossy()),
            Origin::Remote(url) => is_zip(url.path()),
        };
        let xml = if zipped {
            unzip(source, &bytes)?
        } else {
            bytes
        };
        Ok(Fetched { xml, base })
    }

    /// `NAME.pl.xml.sig` beside the listing (for `NAME.pl.xml.zip` too).
    fn signature_location(&self, source: &str) -> Result<Location, Error> {
        let sig_name = |name: &str| {
            let stem = if is_zip(name) {
                &name[..name.len() - 4]
            } else {
                name
            };
            format!("{stem}.sig")
        };
        match self {
            Origin::Local(path) => {
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .ok_or_else(|| read_error(source, "the path names no file"))?;
                Ok(Location::Local(path.with_file_name(sig_name(name))))
            }
            Origin::Remote(url) => {
                let mut url = url.clone();
                let path = sig_name(url.path());
                url.set_path(&path);
                Ok(Location::Remote(url))
            }
        }
    }

    /// The signature file's bytes, or `None` when it does not exist.
    fn read_signature(
        &self,
        location: &Location,
        get: GetRemote<'_>,
    ) -> Result<Option<Vec<u8>>, Error> {
        let shown = location.shown();
        match location {
            Location::Local(path) => {
                let bytes = read_local(&shown, path, MAX_SIGNATURE_BYTES, "a listing signature")?;
                Ok(bytes.map(|b| b.to_vec()))
            }
            Location::Remote(url) => {
                Ok(get(&shown, url, MAX_SIGNATURE_BYTES)?.map(|remote| remote.bytes))
            }
        }
    }
}

/// A local regular file (`what` it should be) of at most `limit` bytes,
/// refused before reading when larger; `None` when it does not exist.
fn read_local(
    source: &str,
    path: &Path,
    limit: u64,
    what: &str,
) -> Result<Option<Arc<[u8]>>, Error> {
    let file = match bundle_format::regular::open_as(path, what) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.kind() == io::ErrorKind::InvalidInput => {
            return Err(read_error(source, e.to_string()));
        }
        Err(e) => return Err(read_error(source, format!("cannot open: {e}"))),
    };
    let len = file
        .metadata()
        .map_err(|e| read_error(source, format!("cannot read: {e}")))?
        .len();
    if len > limit {
        return Err(too_big(source, len, limit));
    }
    read_bounded(source, file, len, limit).map(Some)
}

/// The refusal of a file larger than `limit` bytes (rule 5 for a listing).
pub fn too_big(source: &str, len: u64, limit: u64) -> Error {
    read_error(
        source,
        format!(
            "rule 5: it is {len} bytes; at most {} are accepted",
            bundle_format::regular::size_in_words(limit)
        ),
    )
}

/// Reads to the end, refusing more than `limit` bytes. `expected` is the
/// announced length: that many bytes are read straight into the memory the
/// parsed listing shares, so the listing is in memory once, never copied.
fn read_bounded(
    source: &str,
    mut reader: impl Read,
    expected: u64,
    limit: u64,
) -> Result<Arc<[u8]>, Error> {
    let cannot = |e: io::Error| read_error(source, format!("cannot read: {e}"));
    let len = usize::try_from(expected.min(limit)).unwrap_or(0);
    let mut shared: Arc<[u8]> = std::iter::repeat_n(0, len).collect();
    let buffer = Arc::get_mut(&mut shared).expect("a new Arc has no other owner");
    let mut filled = 0;
    while filled < len {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(cannot(e)),
        }
    }
    // A file that changed its length since it was announced: what it holds
    // now, still bounded.
    let mut rest = Vec::new();
    reader
        .take(limit + 1 - filled as u64)
        .read_to_end(&mut rest)
        .map_err(cannot)?;
    if filled == len && rest.is_empty() {
        return Ok(shared);
    }
    if (filled + rest.len()) as u64 > limit {
        return Err(read_error(
            source,
            format!(
                "rule 5: it is larger than {}, the most accepted",
                bundle_format::regular::size_in_words(limit)
            ),
        ));
    }
    Ok([&shared[..filled], &rest].concat().into())
}

/// The one `.pl.xml` member of a zipped listing.
fn unzip(source: &str, bytes: &[u8]) -> Result<Arc<[u8]>, Error> {
    let mut archive = zip::ZipArchive::new(io::Cursor::new(bytes))
        .map_err(|e| read_error(source, format!("not a readable zip archive: {e}")))?;
    if archive.len() != 1 {
        return Err(read_error(
            source,
            format!(
                "the archive holds {} members; a zipped listing holds exactly one NAME.pl.xml",
                archive.len()
            ),
        ));
    }
    let member = archive
        .by_index(0)
        .map_err(|e| read_error(source, format!("cannot read the archive's member: {e}")))?;
    let plain = member
        .enclosed_name()
        .filter(|p| p.components().count() == 1)
        .and_then(|p| p.to_str().map(String::from))
        .filter(|n| n.ends_with(".pl.xml") && !member.is_dir());
    let Some(name) = plain else {
        return Err(read_error(
            source,
            format!(
                "the archive's member {:?} is not a plain NAME.pl.xml file name",
                member.name().unwrap_or_default()
            ),
        ));
    };
    if member.size() > MAX_LISTING_BYTES {
        return Err(too_big(
            &format!("{source}: {name}"),
            member.size(),
            MAX_LISTING_BYTES,
        ));
    }
    let size = member.size();
    read_bounded(
        &format!("{source}: {name}"),
        member,
        size,
        MAX_LISTING_BYTES,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_whose_length_changed_since_it_was_announced_is_read_as_it_is_now() {
        let text = b"<productListing/>";
        for announced in [0, 5, text.len(), text.len() + 7] {
            let read = read_bounded("l.pl.xml", &text[..], announced as u64, 64).unwrap();
            assert_eq!(&read[..], text, "announced {announced}");
        }
    }

    #[test]
    fn a_listing_that_grew_past_the_limit_while_read_is_refused() {
        let error = read_bounded("l.pl.xml", &[b'x'; 65][..], 10, 64).unwrap_err();
        assert!(error.to_string().contains("rule 5"), "{error}");
        let exact = read_bounded("l.pl.xml", &[b'x'; 64][..], 10, 64).unwrap();
        assert_eq!(exact.len(), 64);
    }
}
