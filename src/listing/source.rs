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
const MAX_SIGNATURE_BYTES: u64 = 4096;

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
    let key = match vendor_key {
        Some(path) => Some(PublicKey::load(path).map_err(|e| Error::Read {
            source_name: path.display().to_string(),
            message: format!("cannot use the vendor key: {e}"),
        })?),
        None => None,
    };
    let names: Vec<String> = sources.iter().map(|s| redact(s)).collect();
    let mut fetched = Vec::with_capacity(sources.len());
    for (source, name) in sources.iter().zip(&names) {
        let origin = Origin::of(source, name)?;
        let listing = origin.read_listing(name, get)?;
        if let Some(key) = &key {
            let location = origin.signature_location(name)?;
            let sig = origin.read_signature(&location, get)?;
            let shown = location.shown();
            signature::verify(name, &shown, sig.as_deref(), &listing.xml, key)?;
        }
        fetched.push(listing);
    }
    let mut parsed = Vec::with_capacity(sources.len());
    for (name, fetched) in names.iter().zip(&fetched) {
        let text = decode(name, &fetched.xml)?;
        let doc = Doc { name, text };
        let (mut listing, marks) = parse::parse(doc, &fetched.base)?;
        listing.bytes = Arc::from(fetched.xml.as_slice());
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
    pub xml: Vec<u8>,
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
        } else {
            Ok(Origin::Local(PathBuf::from(source)))
        }
    }

    fn read_listing(&self, source: &str, get: GetRemote<'_>) -> Result<Fetched, Error> {
        let (bytes, base) = match self {
            Origin::Local(path) => {
                let bytes = read_local(source, path, MAX_LISTING_BYTES)?
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
                (remote.bytes, remote.url)
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
            Location::Local(path) => read_local(&shown, path, MAX_SIGNATURE_BYTES),
            Location::Remote(url) => {
                Ok(get(&shown, url, MAX_SIGNATURE_BYTES)?.map(|remote| remote.bytes))
            }
        }
    }
}

/// A local file of at most `limit` bytes, refused before reading when larger;
/// `None` when it does not exist.
fn read_local(source: &str, path: &Path, limit: u64) -> Result<Option<Vec<u8>>, Error> {
    let file = match fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
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
            size_text(limit)
        ),
    )
}

/// A limit in the largest whole unit: `64 MiB`, `4 KiB`, `1000 bytes`.
fn size_text(limit: u64) -> String {
    match limit {
        l if l >= 1 << 20 && l % (1 << 20) == 0 => format!("{} MiB", l >> 20),
        l if l >= 1 << 10 && l % (1 << 10) == 0 => format!("{} KiB", l >> 10),
        l => format!("{l} bytes"),
    }
}

/// Reads to the end, refusing more than `limit` bytes; `expected` is the
/// announced length, so a listing is read without growing its buffer.
fn read_bounded(
    source: &str,
    reader: impl Read,
    expected: u64,
    limit: u64,
) -> Result<Vec<u8>, Error> {
    let mut bytes = Vec::with_capacity(usize::try_from(expected.min(limit)).unwrap_or(0));
    reader
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| read_error(source, format!("cannot read: {e}")))?;
    if bytes.len() as u64 > limit {
        return Err(read_error(
            source,
            format!(
                "rule 5: it is larger than {}, the most accepted",
                size_text(limit)
            ),
        ));
    }
    Ok(bytes)
}

/// The one `.pl.xml` member of a zipped listing.
fn unzip(source: &str, bytes: &[u8]) -> Result<Vec<u8>, Error> {
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
    #[test]
    fn limits_are_shown_in_their_unit() {
        assert_eq!(super::size_text(64 << 20), "64 MiB");
        assert_eq!(super::size_text(4096), "4 KiB");
        assert_eq!(super::size_text(1000), "1000 bytes");
    }
}
