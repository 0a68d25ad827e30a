//! One payload from the network into its `.part` file: resumed where an
//! earlier attempt or run stopped (`Range` with `If-Range`), restarted when the
//! server sends the whole file instead, hashed as it streams, and checked
//! against the listing's size and sha256 before it may be kept.

use super::body::{Stop, read_body};
use super::cache::EntryLock;
use super::progress::FileBar;
use super::retry::{self, Attempt, with_retries};
use super::{Error, Fetcher, Wanted, hash_reader, mismatch};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_RANGE, ETAG, HeaderMap, IF_RANGE, LAST_MODIFIED, RANGE};
use sha2::{Digest, Sha256};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::Path;

/// The bytes of the `.part` file so far and their running hash.
struct Progress {
    file: File,
    hasher: Sha256,
    have: u64,
    /// Bytes taken over from a `.part` an earlier run left: if the whole does
    /// not match, they may be stale, and the file is fetched once more whole.
    inherited: u64,
}

impl Progress {
    fn restart(&mut self, part: &Path) -> Result<(), Error> {
        self.file
            .set_len(0)
            .map_err(|e| Error::local(part, "write", e))?;
        self.hasher = Sha256::new();
        self.have = 0;
        self.inherited = 0;
        Ok(())
    }
}

/// Downloads `wanted` into the lock's `.part` file and checks it; on a
/// mismatch the `.part` is removed and nothing is kept.
pub(crate) fn download(
    fetcher: &Fetcher,
    wanted: &Wanted,
    lock: &EntryLock,
    bar: &FileBar,
) -> Result<(), Error> {
    let part = lock.part();
    let mut progress = resume(part, wanted.size)?;
    bar.set(progress.have);
    loop {
        if progress.have < wanted.size {
            with_retries(
                &fetcher.options,
                &wanted.name,
                || attempt(fetcher, wanted, lock, &mut progress, bar),
                |why| Error::download(wanted, why),
            )?;
        }
        let actual: [u8; 32] = progress.hasher.clone().finalize().into();
        if progress.have == wanted.size && actual == wanted.sha256 {
            return Ok(());
        }
        if progress.inherited > 0 {
            // A stale `.part` from an earlier run: once more, from the start.
            progress.restart(part)?;
            bar.set(0);
            continue;
        }
        lock.discard_part()?;
        let (actual_size, actual_sha256) = if progress.have > wanted.size {
            // Reading stopped one byte past the listed size.
            (
                format!("more than {}", wanted.size),
                "(not read to the end)".into(),
            )
        } else {
            (progress.have.to_string(), hex::encode(actual))
        };
        return Err(mismatch(wanted, actual_size, actual_sha256));
    }
}

/// The `.part` an earlier run left (hashed once to carry on), or a new one.
fn resume(part: &Path, size: u64) -> Result<Progress, Error> {
    let mut options = OpenOptions::new();
    options.create(true).read(true).append(true);
    let file =
        crate::nofollow::open(&mut options, part).map_err(|e| Error::local(part, "write", e))?;
    let mut progress = Progress {
        file,
        hasher: Sha256::new(),
        have: 0,
        inherited: 0,
    };
    let len = progress
        .file
        .metadata()
        .map_err(|e| Error::local(part, "read", e))?
        .len();
    if len > size {
        progress.restart(part)?;
    } else if len > 0 {
        let have = hash_reader(
            crate::nofollow::open(File::options().read(true), part)
                .map_err(|e| Error::local(part, "read", e))?
                .take(len),
            &mut progress.hasher,
        )
        .map_err(|e| Error::local(part, "read", e))?;
        progress.have = have;
        progress.inherited = have;
    }
    Ok(progress)
}

/// One request: the rest of the file from `progress.have` on.
fn attempt(
    fetcher: &Fetcher,
    wanted: &Wanted,
    lock: &EntryLock,
    progress: &mut Progress,
    bar: &FileBar,
) -> Result<(), Attempt<Error>> {
    let part = lock.part();
    let fail = |message: String| Attempt::Fail(Error::download(wanted, message));
    let client = fetcher.client().map_err(Attempt::Fail)?;
    let mut request = client.get(wanted.url.clone());
    if progress.have > 0 {
        request = request.header(RANGE, format!("bytes={}-", progress.have));
        if let Some(validator) = lock.validator() {
            request = request.header(IF_RANGE, validator);
        }
    }
    let response = match request.send() {
        Ok(response) => response,
        Err(e) if retry::transient(&e) => return Err(Attempt::retry(retry::describe(e))),
        Err(e) => return Err(Attempt::Fail(Error::request(wanted, e))),
    };
    let status = response.status();
    match status {
        StatusCode::PARTIAL_CONTENT => {
            let start = range_start(response.headers());
            if start != Some(progress.have) {
                progress.restart(part).map_err(Attempt::Fail)?;
                bar.set(0);
                return Err(Attempt::retry(format!(
                    "the server resumed at {start:?}, not at byte {}",
                    progress.have
                )));
            }
        }
        StatusCode::OK => {
            // The whole file: no Range support, or it changed since the `.part`.
            if progress.have > 0 {
                progress.restart(part).map_err(Attempt::Fail)?;
                bar.set(0);
            }
        }
        StatusCode::RANGE_NOT_SATISFIABLE => {
            progress.restart(part).map_err(Attempt::Fail)?;
            bar.set(0);
            return Err(Attempt::retry(
                "the server refused to resume (HTTP 416); starting over",
            ));
        }
        _ => {
            return Err(retry::status(status, response.headers(), |why| {
                Error::download(wanted, why)
            }));
        }
    }
    if let Some(encoding) = retry::encoded(response.headers()) {
        return Err(fail(format!(
            "the server sent it with Content-Encoding {encoding}; the listing's hash is of the file itself, so an encoded body is refused"
        )));
    }
    lock.save_validator(validator(response.headers()).as_deref());
    let announced = response.content_length();
    stream(fetcher, wanted, response, progress, bar, part)?;
    if progress.have < wanted.size && announced.is_some_and(|n| n > 0) {
        // The server sent all it announced, and the file is shorter.
        return Ok(());
    }
    if progress.have < wanted.size {
        return Err(Attempt::retry(format!(
            "the connection ended after {} of {} bytes",
            progress.have, wanted.size
        )));
    }
    Ok(())
}

/// Copies the body to the `.part`, hashing it, under the download rules
/// (`body::read_body`); stops one byte past the listed size (the check then
/// reports the mismatch).
fn stream(
    fetcher: &Fetcher,
    wanted: &Wanted,
    body: impl Read,
    progress: &mut Progress,
    bar: &FileBar,
    part: &Path,
) -> Result<(), Attempt<Error>> {
    let room = (wanted.size + 1).saturating_sub(progress.have);
    let options = &fetcher.options;
    let read = read_body(
        body,
        room,
        options.idle_timeout,
        options.min_rate,
        |bytes| {
            progress.file.write_all(bytes)?;
            progress.hasher.update(bytes);
            progress.have += bytes.len() as u64;
            bar.inc(bytes.len() as u64);
            Ok::<(), std::io::Error>(())
        },
    );
    match read {
        Ok(_) => Ok(()),
        Err(Stop::Sink(e)) => Err(Attempt::Fail(Error::local(part, "write", e))),
        Err(Stop::Cut(cut)) => Err(Attempt::retry(
            cut.after(&format!("{} of {} bytes", progress.have, wanted.size)),
        )),
    }
}

/// Where a `206` body starts (`Content-Range: bytes START-END/TOTAL`).
fn range_start(headers: &HeaderMap) -> Option<u64> {
    let text = headers.get(CONTENT_RANGE)?.to_str().ok()?;
    let range = text.trim().strip_prefix("bytes ")?;
    range.split('-').next()?.trim().parse().ok()
}

/// What makes a later resume safe: a strong ETag, else Last-Modified.
fn validator(headers: &HeaderMap) -> Option<String> {
    let strong = headers
        .get(ETAG)
        .and_then(|v| v.to_str().ok())
        .filter(|t| !t.starts_with("W/"));
    strong
        .or_else(|| headers.get(LAST_MODIFIED).and_then(|v| v.to_str().ok()))
        .map(str::to_string)
}
