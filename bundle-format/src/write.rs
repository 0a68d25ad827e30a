//! Writing a bundle: the runner, the signed manifest, the zstd-compressed tar
//! payload streamed from the caller's readers (checked against the sizes and
//! digests the caller declared), and the trailer; atomically, so a failure
//! leaves no output behind.

use crate::error::Error;
use crate::keys::SigningKey;
use crate::lane::Lane;
use crate::manifest::{FORMAT_VERSION, FileEntry, Manifest, ManifestError};
use crate::trailer::Layout;
use crate::{SIGNATURE_CONTEXT, atomic, ustar};
use sha2::{Digest, Sha256};
use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};
use tempfile::NamedTempFile;

/// Size of the buffers used to copy data.
pub(crate) const COPY_BUF: usize = 1 << 20;

/// How to write a bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteOptions {
    /// zstd level, 1..=19. The default, 3, costs little on MSIs that are already compressed.
    pub level: i32,
    /// zstd worker threads (at least 1; the output does not depend on this number).
    pub workers: u32,
    /// Creation time (seconds since the Unix epoch); `None` means now.
    pub created: Option<u64>,
    /// Derive the bundle id from the content instead of drawing it at random.
    pub reproducible: bool,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            level: 3,
            workers: std::thread::available_parallelism()
                .map(|n| n.get() as u32)
                .unwrap_or(1),
            created: None,
            reproducible: false,
        }
    }
}

impl WriteOptions {
    /// The defaults, made reproducible when `SOURCE_DATE_EPOCH` is set: the
    /// creation time is taken from it and the bundle id derived from the content.
    pub fn from_env() -> Result<WriteOptions, Error> {
        WriteOptions::with_source_date_epoch(std::env::var_os("SOURCE_DATE_EPOCH").as_deref())
    }

    /// As [`WriteOptions::from_env`], given the variable's value.
    pub fn with_source_date_epoch(value: Option<&OsStr>) -> Result<WriteOptions, Error> {
        let mut options = WriteOptions::default();
        if let Some(value) = value {
            let epoch = value
                .to_str()
                .and_then(|s| s.trim().parse::<u64>().ok())
                .ok_or_else(|| {
                    Error::Options(format!(
                        "SOURCE_DATE_EPOCH={value:?} is not a number of seconds since 1970-01-01"
                    ))
                })?;
            options.created = Some(epoch);
            options.reproducible = true;
        }
        Ok(options)
    }
}

/// What was written.
#[derive(Clone, Debug)]
pub struct Written {
    /// The manifest as signed, with the fields the writer filled.
    pub manifest: Manifest,
    pub layout: Layout,
    /// Total size of the bundle file in bytes.
    pub size: u64,
    /// sha256 (hex) of the whole bundle file.
    pub sha256: String,
}

/// Writes a bundle to `dest`.
///
/// `manifest` is the caller's part (see [`Manifest::new`]); the writer sets
/// `format`, `bundleId`, `created`, `keyFingerprint` and `runner`. The runner
/// is copied from `runner`; each file of `manifest.files`, in order, from the
/// reader `open` returns for it, which must yield exactly the declared size
/// and sha256. `progress` is called with the number of file bytes written so far.
/// The output is written to a temporary file next to `dest`, synced, and
/// renamed over `dest` only when complete; on failure it is removed.
pub fn write_bundle<R: Read, F: Read>(
    dest: &Path,
    runner: R,
    manifest: Manifest,
    key: &SigningKey,
    open: impl FnMut(&FileEntry) -> io::Result<F>,
    options: &WriteOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<Written, Error> {
    if !(1..=19).contains(&options.level) {
        return Err(Error::Options(format!(
            "zstd level {} is outside 1..=19",
            options.level
        )));
    }
    let mut manifest = manifest;
    manifest.format = FORMAT_VERSION;
    manifest.key_fingerprint = key.public().fingerprint().to_string();
    manifest.created = match options.created {
        Some(t) => t,
        None => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    };
    // Placeholders so the caller's fields can be checked before anything is written.
    manifest.bundle_id = "0".repeat(32);
    manifest.runner.sha256 = "0".repeat(64);
    manifest.validate().map_err(Error::Manifest)?;

    // Removed when dropped, so a failure below leaves nothing behind.
    let out = atomic::temp_beside(dest, 0o755).map_err(|e| Error::io(dest, e))?;
    let written = write_parts(&out, runner, manifest, key, open, options, progress)?;
    atomic::persist(out, dest, true).map_err(|e| Error::io(dest, e))?;
    Ok(written)
}

fn write_parts<R: Read, F: Read>(
    out: &NamedTempFile,
    mut runner: R,
    mut manifest: Manifest,
    key: &SigningKey,
    mut open: impl FnMut(&FileEntry) -> io::Result<F>,
    options: &WriteOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<Written, Error> {
    let io_err = |e| Error::io(out.path(), e);
    let mut w = Tally::new(out.as_file().try_clone().map_err(io_err)?);

    let mut buf = vec![0u8; COPY_BUF];
    let mut hasher = Sha256::new();
    let mut runner_len = 0u64;
    loop {
        let n = match runner.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(Error::Source {
                    name: "runner".into(),
                    problem: e.to_string(),
                });
            }
        };
        hasher.update(&buf[..n]);
        w.write_all(&buf[..n]).map_err(io_err)?;
        runner_len += n as u64;
    }
    manifest.runner.size = runner_len;
    manifest.runner.sha256 = hex::encode(hasher.finalize());

    manifest.bundle_id = if options.reproducible {
        manifest.bundle_id = "0".repeat(32);
        hex::encode(&Sha256::digest(manifest.to_bytes())[..16])
    } else {
        let mut id = [0u8; 16];
        getrandom::fill(&mut id)
            .map_err(|e| Error::Options(format!("no randomness for the bundle id: {e}")))?;
        hex::encode(id)
    };
    manifest.validate().map_err(Error::Manifest)?;
    let manifest_bytes = manifest.to_bytes();
    if manifest_bytes.len() as u64 > crate::manifest::MAX_MANIFEST_LEN {
        return Err(Error::Manifest(ManifestError::Field {
            field: "(whole manifest)".into(),
            problem: format!(
                "{} bytes, more than the limit of {}",
                manifest_bytes.len(),
                crate::manifest::MAX_MANIFEST_LEN
            ),
        }));
    }
    let signature = key.sign(&signed_message(&manifest_bytes));
    w.write_all(&manifest_bytes).map_err(io_err)?;
    w.write_all(&signature).map_err(io_err)?;

    let payload_start = w.count;
    let mut z = zstd::stream::write::Encoder::new(&mut w, options.level).map_err(io_err)?;
    // Every decompressed byte is checked (sha256 per file, exact framing): no frame checksum.
    z.include_checksum(false).map_err(io_err)?;
    z.multithread(options.workers.max(1)).map_err(io_err)?;
    // Each worker buffers a job of input and its output: 1 MiB jobs keep the
    // writer's memory near 20 MiB instead of growing past 100 MiB, at the same speed.
    z.set_parameter(zstd::stream::raw::CParameter::JobSize(1 << 20))
        .map_err(io_err)?;
    let mut done = 0u64;
    let mut spare = Vec::new();
    for entry in &manifest.files {
        z.write_all(&ustar::header(&entry.name, entry.size))
            .map_err(io_err)?;
        let source = |problem: String| Error::Source {
            name: entry.name.clone(),
            problem,
        };
        let mut reader = open(entry).map_err(|e| source(format!("cannot open: {e}")))?;
        // Hashed on a thread of its own while this one feeds zstd.
        let mut hashing = Lane::start(std::mem::take(&mut spare), Sha256::new(), |h, bytes| {
            h.update(bytes);
            Ok(())
        });
        let mut left = entry.size;
        while left > 0 {
            let mut chunk = hashing.buffer();
            let want = left.min(chunk.len() as u64) as usize;
            let n = match reader.read(&mut chunk[..want]) {
                Ok(0) => {
                    return Err(source(format!(
                        "ends after {} bytes, the manifest declares {}",
                        entry.size - left,
                        entry.size
                    )));
                }
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(source(format!("cannot read: {e}"))),
            };
            z.write_all(&chunk[..n]).map_err(io_err)?;
            hashing
                .push(chunk, n)
                .map_err(|e| source(format!("cannot hash: {e}")))?;
            left -= n as u64;
            done += n as u64;
            progress(done);
        }
        match reader.read(&mut [0u8; 1]) {
            Ok(0) => {}
            Ok(_) => {
                return Err(source(format!(
                    "is longer than the {} bytes the manifest declares",
                    entry.size
                )));
            }
            Err(e) => return Err(source(format!("cannot read: {e}"))),
        }
        let (hashed, buffers) = hashing.finish();
        spare = buffers;
        let digest = hex::encode(
            hashed
                .map_err(|e| source(format!("cannot hash: {e}")))?
                .finalize(),
        );
        if digest != entry.sha256 {
            return Err(source(format!(
                "sha256 is {digest}, the manifest declares {}",
                entry.sha256
            )));
        }
        z.write_all(&[0u8; ustar::BLOCK][..ustar::padding(entry.size)])
            .map_err(io_err)?;
    }
    z.write_all(&[0u8; ustar::END_LEN]).map_err(io_err)?;
    z.finish().map_err(io_err)?;
    let payload_len = w.count - payload_start;

    let layout = Layout::contiguous(runner_len, manifest_bytes.len() as u64, payload_len);
    w.write_all(&layout.encode()).map_err(io_err)?;
    let hash = w.finish().map_err(io_err)?;
    let size = layout.payload.offset + layout.payload.len + crate::trailer::TRAILER_LEN;
    Ok(Written {
        manifest,
        layout,
        size,
        sha256: hex::encode(hash.finalize()),
    })
}

/// The bytes the signature covers: the domain-separating context, then the manifest.
pub(crate) fn signed_message(manifest: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(SIGNATURE_CONTEXT.len() + manifest.len());
    m.extend_from_slice(SIGNATURE_CONTEXT);
    m.extend_from_slice(manifest);
    m
}

/// Counts what passes through and hands it, in 1 MiB buffers, to a thread
/// that hashes and writes it: the whole file's sha256 comes out of the one
/// write, with no second read of a multi-gigabyte bundle, and neither the hash
/// nor the write holds up the compression.
struct Tally {
    lane: Lane<(File, Sha256)>,
    chunk: Vec<u8>,
    filled: usize,
    count: u64,
}

impl Tally {
    fn new(file: File) -> Tally {
        let mut lane = Lane::start(Vec::new(), (file, Sha256::new()), |(file, hash), bytes| {
            hash.update(bytes);
            file.write_all(bytes)
        });
        Tally {
            chunk: lane.buffer(),
            lane,
            filled: 0,
            count: 0,
        }
    }

    /// Writes what is left; the hash of everything written.
    fn finish(mut self) -> io::Result<Sha256> {
        self.flush()?;
        let (result, _) = self.lane.finish();
        result.map(|(_, hash)| hash)
    }
}

impl Write for Tally {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = buf.len().min(self.chunk.len() - self.filled);
        self.chunk[self.filled..self.filled + n].copy_from_slice(&buf[..n]);
        self.filled += n;
        self.count += n as u64;
        if self.filled == self.chunk.len() {
            self.flush()?;
        }
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        if self.filled > 0 {
            let full = std::mem::replace(&mut self.chunk, self.lane.buffer());
            self.lane.push(full, std::mem::take(&mut self.filled))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_date_epoch() {
        let o = WriteOptions::with_source_date_epoch(Some(OsStr::new("1700000000"))).unwrap();
        assert_eq!((o.created, o.reproducible), (Some(1_700_000_000), true));
        let o = WriteOptions::with_source_date_epoch(None).unwrap();
        assert_eq!((o.created, o.reproducible), (None, false));
        let err = WriteOptions::with_source_date_epoch(Some(OsStr::new("yesterday"))).unwrap_err();
        assert!(err.to_string().contains("SOURCE_DATE_EPOCH"), "{err}");
    }
}
