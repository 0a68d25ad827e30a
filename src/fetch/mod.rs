//! Getting files from the network: the one HTTP client of a run, used for the
//! listings and for every payload, with retries, resume, a minimum rate, a
//! sha256-keyed download cache and progress. Every byte downloaded is hashed
//! as it arrives and checked against the listing before it is kept.

mod body;
mod cache;
mod download;
mod listings;
mod progress;
mod retry;

pub use cache::{Cache, Entry, Pruned};
pub use listings::read_listing;
pub use progress::Progress;

use crate::redact::redact;
use progress::Board;
use sha2::{Digest, Sha256};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;
use url::Url;

/// The slowest transfer accepted: fewer than `bytes_per_sec` on average over
/// any `window` ends the attempt (a server sending a byte a second, which the
/// idle timeout never catches, must not hold a build for hours).
#[derive(Debug, Clone, Copy)]
pub struct MinRate {
    pub bytes_per_sec: u64,
    pub window: Duration,
}

/// How downloads behave.
#[derive(Debug, Clone)]
pub struct Options {
    /// Files downloaded at once.
    pub jobs: usize,
    /// Attempts after the first, for connection errors, timeouts, 5xx, 429,
    /// dropped bodies and too slow transfers; never for 403 or 404.
    pub retries: u32,
    pub connect_timeout: Duration,
    /// The longest wait for the next bytes (or the response headers).
    pub idle_timeout: Duration,
    pub min_rate: MinRate,
    /// The wait before the first retry; it doubles for each next one (at most
    /// 30 s), with random jitter.
    pub backoff: Duration,
    /// A PEM file of certificates trusted for https besides the system's.
    pub ca_cert: Option<PathBuf>,
    pub progress: Progress,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            jobs: 4,
            retries: 5,
            connect_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            min_rate: MinRate {
                bytes_per_sec: 1024,
                window: Duration::from_secs(60),
            },
            backoff: Duration::from_millis(500),
            ca_cert: None,
            progress: Progress::Auto,
        }
    }
}

/// One file the plan needs.
#[derive(Debug, Clone)]
pub struct Wanted {
    /// Its file name in the bundle, for messages and bars.
    pub name: String,
    pub url: Url,
    pub size: u64,
    pub sha256: [u8; 32],
}

/// Where a wanted file is. `verified` is true when its bytes were hashed and
/// matched on the way here; a cache hit or a local file has only its size
/// checked (the bundle writer hashes it while packing: one read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Local {
    pub path: PathBuf,
    pub verified: bool,
}

/// Why a file could not be had.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Not to be had: refused by the server (404, 403), or still failing
    /// after the retries; `why` says which, in words.
    #[error("{name}: cannot download {url}: {why}")]
    Download {
        name: String,
        url: String,
        why: String,
    },
    /// A request that cannot be made at all (a URL the client refuses, a
    /// redirect loop): not tried again. The source has no URL in it (the
    /// URL is named here, its password hidden).
    #[error("{name}: cannot download {url}: {source}")]
    Request {
        name: String,
        url: String,
        #[source]
        source: reqwest::Error,
    },
    /// The `file://` payload of a local listing cannot be read.
    #[error("{name}: cannot read {}: {source}", path.display())]
    LocalPayload {
        name: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The bytes are not the ones the listing names: `sizes` says expected and actual size and hash.
    #[error(
        "{name}: the file at {url} is not the one the listing names: {sizes}; nothing was kept (the vendor's file changed, or the listing is wrong)"
    )]
    Mismatch {
        name: String,
        url: String,
        sizes: String,
    },
    /// The listing's URL is not one to download from.
    #[error("{name}: {message}")]
    Refused { name: String, message: String },
    /// The download cache or a local file could not be used: `action` says
    /// what was tried on `path`, the source why.
    #[error("cannot {action} {}: {source}", path.display())]
    Local {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
    /// The `--ca-cert` file cannot be read.
    #[error("--ca-cert {}: cannot read: {source}", path.display())]
    CaCert {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The `--ca-cert` file holds no certificate.
    #[error("--ca-cert {}: holds no PEM certificate (-----BEGIN CERTIFICATE-----)", path.display())]
    NoCertificate { path: PathBuf },
    /// The HTTP client could not be set up.
    #[error("cannot start the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
    /// No `--cache` and no cache folder for this user.
    #[error("this user has no cache folder (HOME is not set?); give one with --cache DIR")]
    NoCacheFolder,
    /// A download worker ended without a result (it panicked).
    #[error("a download worker stopped unexpectedly")]
    WorkerStopped,
}

impl Error {
    /// A download that failed or brought wrong bytes (exit 6), not a local problem.
    pub fn is_download(&self) -> bool {
        matches!(
            self,
            Error::Download { .. }
                | Error::Request { .. }
                | Error::LocalPayload { .. }
                | Error::Mismatch { .. }
        )
    }

    fn download(wanted: &Wanted, why: impl Into<String>) -> Error {
        Error::Download {
            name: escaped(&wanted.name),
            url: redact(wanted.url.as_str()),
            why: why.into(),
        }
    }

    /// A request that failed for good, its source without the URL.
    fn request(wanted: &Wanted, source: reqwest::Error) -> Error {
        Error::Request {
            name: escaped(&wanted.name),
            url: redact(wanted.url.as_str()),
            source: source.without_url(),
        }
    }

    fn local(path: &Path, action: &'static str, source: std::io::Error) -> Error {
        Error::Local {
            path: path.to_path_buf(),
            action,
            source,
        }
    }
}

/// Untrusted text (a listing's file name) made safe to print.
fn escaped(text: &str) -> String {
    text.escape_debug().to_string()
}

/// The most read of a `--ca-cert` file: a bundle of a few hundred certificates.
const MAX_CA_CERT_BYTES: u64 = 4 * 1024 * 1024;

/// The one HTTP client of a run and how it downloads.
pub struct Fetcher {
    /// Started at the first request: a run that reads only local files
    /// never pays for its thread and the system's trusted certificates.
    client: OnceLock<reqwest::blocking::Client>,
    /// The `--ca-cert` certificates, read (and refused) before anything else.
    extra_certs: Vec<reqwest::Certificate>,
    options: Options,
}

impl Fetcher {
    /// Reads the extra trusted certificates; the client is started when
    /// first used (see [`Fetcher::client`]).
    pub fn new(options: Options) -> Result<Fetcher, Error> {
        let mut extra_certs = Vec::new();
        if let Some(path) = &options.ca_cert {
            let pem = bundle_format::regular::read_bounded(path, MAX_CA_CERT_BYTES, "a PEM file")
                .map_err(|source| Error::CaCert {
                path: path.clone(),
                source,
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .ok()
                .filter(|c| !c.is_empty())
                .ok_or_else(|| Error::NoCertificate { path: path.clone() })?;
            extra_certs = certs;
        }
        Ok(Fetcher {
            client: OnceLock::new(),
            extra_certs,
            options,
        })
    }

    /// The client, started at the first call: timeouts, the extra trusted
    /// certificates, proxies from the usual environment variables
    /// (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`), no content decoding (hashes
    /// cover the bytes as sent).
    fn client(&self) -> Result<&reqwest::blocking::Client, Error> {
        if let Some(client) = self.client.get() {
            return Ok(client);
        }
        let mut builder = reqwest::blocking::Client::builder()
            .connect_timeout(self.options.connect_timeout)
            .timeout(self.options.idle_timeout)
            .user_agent(concat!("airlock/", env!("CARGO_PKG_VERSION")));
        if !self.extra_certs.is_empty() {
            builder = builder.tls_certs_merge(self.extra_certs.iter().cloned());
        }
        let client = builder.build().map_err(Error::Client)?;
        // Two downloads that start it at once keep the first.
        Ok(self.client.get_or_init(|| client))
    }

    /// Every wanted file, in order, `jobs` at a time, each from the cache or
    /// downloaded into it. `remote_listing`: the files come from a listing read
    /// over http(s), which may not point at local `file://` paths. The first
    /// failure stops new downloads and is returned.
    pub fn fetch_all(
        &self,
        cache: &Cache,
        wanted: &[Wanted],
        remote_listing: bool,
    ) -> Result<Vec<Local>, Error> {
        // Refusals first: nothing is downloaded for a listing that will be refused.
        for w in wanted {
            check_scheme(w, remote_listing)?;
        }
        let board = Board::new(self.options.progress, wanted);
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let results: Vec<Mutex<Option<Result<Local, Error>>>> =
            wanted.iter().map(|_| Mutex::new(None)).collect();
        let workers = self.options.jobs.clamp(1, wanted.len().max(1));
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= wanted.len() || failed.load(Ordering::Relaxed) {
                            break;
                        }
                        let result = self.fetch_one(cache, &wanted[i], &board, false);
                        if result.is_err() {
                            failed.store(true, Ordering::Relaxed);
                        }
                        if let Ok(mut slot) = results[i].lock() {
                            *slot = Some(result);
                        }
                    }
                });
            }
        });
        board.finish();
        let mut locals = Vec::with_capacity(wanted.len());
        let mut skipped = false;
        for slot in results {
            match slot.into_inner().ok().flatten() {
                Some(Ok(local)) => locals.push(local),
                Some(Err(e)) => return Err(e),
                None => skipped = true,
            }
        }
        if skipped {
            return Err(Error::WorkerStopped);
        }
        Ok(locals)
    }

    /// Fetches one wanted file again, ignoring the cache: the bundle writer
    /// found a cache hit's bytes wrong. A `file://` file is read and hashed.
    pub fn refetch(&self, cache: &Cache, wanted: &Wanted) -> Result<Local, Error> {
        let board = Board::new(self.options.progress, std::slice::from_ref(wanted));
        let result = self.fetch_one(cache, wanted, &board, true);
        board.finish();
        result
    }

    fn fetch_one(
        &self,
        cache: &Cache,
        wanted: &Wanted,
        board: &Board,
        again: bool,
    ) -> Result<Local, Error> {
        if wanted.url.scheme() == "file" {
            return local_file(wanted, again);
        }
        let bar = board.file(wanted);
        let lock = cache.lock(&wanted.sha256)?;
        if again {
            lock.evict()?;
        } else if let Some(path) = lock.hit(wanted)? {
            bar.done("cached");
            return Ok(Local {
                path,
                verified: false,
            });
        }
        download::download(self, wanted, &lock, &bar)?;
        let path = lock.commit(wanted)?;
        bar.done("downloaded");
        Ok(Local {
            path,
            verified: true,
        })
    }
}

fn check_scheme(wanted: &Wanted, remote_listing: bool) -> Result<(), Error> {
    let refuse = |message: String| Error::Refused {
        name: escaped(&wanted.name),
        message,
    };
    match wanted.url.scheme() {
        "http" | "https" => Ok(()),
        "file" if remote_listing => Err(refuse(format!(
            "a listing read over http(s) may not name a local file ({}); only local listings may",
            redact(wanted.url.as_str())
        ))),
        "file" => Ok(()),
        other => Err(refuse(format!(
            "cannot download {}: the {other:?} scheme is not supported; use http(s)",
            redact(wanted.url.as_str())
        ))),
    }
}

/// A `file://` payload of a local listing, used where it is: a regular file of
/// the listed size (read and hashed when `hash`).
fn local_file(wanted: &Wanted, hash: bool) -> Result<Local, Error> {
    let path = wanted
        .url
        .to_file_path()
        .map_err(|()| Error::download(wanted, "not a local file path"))?;
    let meta = fs::metadata(&path).map_err(|source| Error::LocalPayload {
        name: escaped(&wanted.name),
        path: path.clone(),
        source,
    })?;
    if !meta.is_file() {
        return Err(Error::download(
            wanted,
            format!("{} is not a regular file", path.display()),
        ));
    }
    let mut actual = Sha256::new();
    let mut actual_size = meta.len();
    if hash {
        // One byte past the listed size is enough to tell a file that grew.
        let file =
            bundle_format::regular::open(&path).map_err(|e| Error::local(&path, "read", e))?;
        actual_size = hash_reader(file.take(wanted.size.saturating_add(1)), &mut actual)
            .map_err(|e| Error::local(&path, "read", e))?;
    }
    if actual_size != wanted.size || (hash && actual.clone().finalize()[..] != wanted.sha256) {
        return Err(mismatch(
            wanted,
            actual_size.to_string(),
            if hash {
                hex::encode(actual.finalize())
            } else {
                "(not read: the size already differs)".into()
            },
        ));
    }
    Ok(Local {
        path,
        verified: hash,
    })
}

/// Feeds everything `reader` gives to `hasher`; returns the byte count.
fn hash_reader(mut reader: impl Read, hasher: &mut Sha256) -> std::io::Result<u64> {
    let mut buf = vec![0; 256 * 1024];
    let mut total = 0;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        total += n as u64;
    }
}

fn mismatch(wanted: &Wanted, actual_size: String, actual_sha256: String) -> Error {
    Error::Mismatch {
        name: escaped(&wanted.name),
        url: redact(wanted.url.as_str()),
        sizes: format!(
            "expected {} bytes with sha256 {}, got {actual_size} bytes with sha256 {actual_sha256}",
            wanted.size,
            hex::encode(wanted.sha256)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_payload_that_cannot_be_read_keeps_its_cause_and_stays_a_download_failure() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gone.msi");
        let wanted = Wanted {
            name: "gone.msi".into(),
            url: Url::from_file_path(&path).unwrap(),
            size: 1,
            sha256: [0; 32],
        };
        let e = local_file(&wanted, false).unwrap_err();
        assert!(e.is_download(), "{e}");
        let source = std::error::Error::source(&e).expect("a source");
        let io = source
            .downcast_ref::<std::io::Error>()
            .expect("an io::Error");
        assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
        assert!(e.to_string().contains(&path.display().to_string()), "{e}");
    }

    #[test]
    fn a_cache_that_cannot_be_made_names_the_folder_with_its_cause() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain.txt");
        fs::write(&file, b"not a folder").unwrap();
        let Err(e) = Cache::open(Some(&file)) else {
            panic!("a cache was opened inside a file")
        };
        assert!(!e.is_download(), "{e}");
        assert!(matches!(e, Error::Local { .. }), "{e}");
        let source = std::error::Error::source(&e).expect("a source");
        assert!(source.downcast_ref::<std::io::Error>().is_some(), "{e}");
        assert!(
            e.to_string().starts_with("cannot create the cache folder"),
            "{e}"
        );
    }

    #[test]
    fn a_ca_cert_that_cannot_be_read_keeps_its_cause() {
        let dir = tempfile::tempdir().unwrap();
        let options = Options {
            ca_cert: Some(dir.path().join("none.pem")),
            ..Options::default()
        };
        let Err(e) = Fetcher::new(options) else {
            panic!("a missing --ca-cert was accepted")
        };
        assert!(matches!(e, Error::CaCert { .. }), "{e}");
        assert!(std::error::Error::source(&e).is_some(), "{e}");
    }
}
