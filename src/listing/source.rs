//! Getting listings: each `SRC` is a local path or an http(s) URL of
//! `NAME.pl.xml` or `NAME.pl.xml.zip`, bounded to 64 MiB, with the base URL its
//! relative payload URLs resolve against and, when a vendor key is given, its
//! `NAME.pl.xml.sig` beside it. Then every listing is parsed and the catalog
//! validated as one.

use super::Error;
use super::model::Catalog;
use super::parse;
use super::position::Doc;
use super::signature;
use super::validate::{Parsed, validate};
use super::xml::decode;
use bundle_format::keys::PublicKey;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;
use url::Url;

/// The largest listing accepted, zipped or not (rule 5).
pub const MAX_LISTING_BYTES: u64 = 64 * 1024 * 1024;
/// The largest signature file read.
const MAX_SIGNATURE_BYTES: u64 = 4096;

/// Reads, checks and parses every listing of a run into one catalog. Each
/// listing is named `source` as the user wrote it. With `vendor_key`, every
/// listing's `NAME.pl.xml.sig` must exist and verify.
pub fn load(sources: &[String], vendor_key: Option<&Path>) -> Result<Catalog, Error> {
    let key = match vendor_key {
        Some(path) => Some(PublicKey::load(path).map_err(|e| Error::Read {
            source_name: path.display().to_string(),
            message: format!("cannot use the vendor key: {e}"),
        })?),
        None => None,
    };
    let http = Http::default();
    let mut fetched = Vec::with_capacity(sources.len());
    for source in sources {
        let origin = Origin::of(source)?;
        let listing = origin.read_listing(source, &http)?;
        if let Some(key) = &key {
            let location = origin.signature_location(source)?;
            let sig = origin.read_signature(&location, &http)?;
            signature::verify(source, &location, sig.as_deref(), &listing.xml, key)?;
        }
        fetched.push(listing);
    }
    let mut parsed = Vec::with_capacity(sources.len());
    for (source, listing) in sources.iter().zip(&fetched) {
        let text = decode(source, &listing.xml)?;
        let doc = Doc { name: source, text };
        let (listing, marks) = parse::parse(doc, &listing.base)?;
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

fn read_error(source: &str, message: impl Into<String>) -> Error {
    Error::Read {
        source_name: source.to_string(),
        message: message.into(),
    }
}

/// An error and its causes on one line: reqwest's own text ("error sending
/// request") says nothing of why (connection refused, timeout, TLS).
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        cause = c.source();
    }
    text
}

fn is_zip(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".zip")
}

impl Origin {
    fn of(source: &str) -> Result<Origin, Error> {
        let lower = source.to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            let url = Url::parse(source)
                .map_err(|e| read_error(source, format!("not a valid URL: {e}")))?;
            Ok(Origin::Remote(url))
        } else {
            Ok(Origin::Local(PathBuf::from(source)))
        }
    }

    fn read_listing(&self, source: &str, http: &Http) -> Result<Fetched, Error> {
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
                http.get(source, url, MAX_LISTING_BYTES)?
                    .ok_or_else(|| read_error(source, "not found (HTTP 404); check the URL"))?
            }
        };
        let xml = if is_zip(source) {
            unzip(source, &bytes)?
        } else {
            bytes
        };
        Ok(Fetched { xml, base })
    }

    /// `NAME.pl.xml.sig` beside the listing (for `NAME.pl.xml.zip` too).
    fn signature_location(&self, source: &str) -> Result<String, Error> {
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
                Ok(path.with_file_name(sig_name(name)).display().to_string())
            }
            Origin::Remote(url) => {
                let mut url = url.clone();
                let path = sig_name(url.path());
                url.set_path(&path);
                Ok(url.to_string())
            }
        }
    }

    /// The signature file's bytes, or `None` when it does not exist.
    fn read_signature(&self, location: &str, http: &Http) -> Result<Option<Vec<u8>>, Error> {
        match self {
            Origin::Local(_) => read_local(location, Path::new(location), MAX_SIGNATURE_BYTES),
            Origin::Remote(_) => {
                let url = Url::parse(location)
                    .map_err(|e| read_error(location, format!("not a valid URL: {e}")))?;
                Ok(http
                    .get(location, &url, MAX_SIGNATURE_BYTES)?
                    .map(|(bytes, _)| bytes))
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

fn too_big(source: &str, len: u64, limit: u64) -> Error {
    read_error(
        source,
        format!(
            "rule 5: it is {len} bytes; at most {limit} bytes ({} MiB) are accepted",
            limit / (1024 * 1024)
        ),
    )
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
                "rule 5: it is larger than {limit} bytes ({} MiB), the most accepted",
                limit / (1024 * 1024)
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

/// One HTTP client for the run, built on first use.
#[derive(Default)]
struct Http {
    client: OnceLock<reqwest::blocking::Client>,
}

impl Http {
    fn client(&self, source: &str) -> Result<&reqwest::blocking::Client, Error> {
        if let Some(client) = self.client.get() {
            return Ok(client);
        }
        let client = reqwest::blocking::Client::builder()
            .connect_timeout(Duration::from_secs(15))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("airlock/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| read_error(source, format!("cannot start an HTTP client: {e}")))?;
        Ok(self.client.get_or_init(|| client))
    }

    /// The body at `url`, at most `limit` bytes, and the URL it came from
    /// after redirects; `None` on 404.
    fn get(&self, source: &str, url: &Url, limit: u64) -> Result<Option<(Vec<u8>, Url)>, Error> {
        let response = self
            .client(source)?
            .get(url.clone())
            .send()
            .map_err(|e| read_error(source, format!("cannot download: {}", with_causes(&e))))?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(read_error(
                source,
                format!("the server answered HTTP {status}"),
            ));
        }
        let len = response.content_length().unwrap_or(0);
        if len > limit {
            return Err(too_big(source, len, limit));
        }
        let found = response.url().clone();
        let bytes = read_bounded(source, response, len, limit)?;
        Ok(Some((bytes, found)))
    }
}
