//! Writing a bundle: the runner, the signed manifest, the zstd-compressed tar
//! payload streamed from the caller's readers (checked against the sizes and
//! digests the caller declared), and the trailer; atomically, so a failure
//! leaves no output behind.

use crate::error::Error;
use crate::keys::SigningKey;
use crate::lane::{BLOCK_ALIGN, Block, Lane};
use crate::manifest::{FORMAT_VERSION, FileEntry, Manifest, ManifestError};
use crate::trailer::Layout;
use crate::{SIGNATURE_CONTEXT, atomic, ustar};
use sha2::{Digest, Sha256};
use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::{SystemTime, UNIX_EPOCH};
use tempfile::NamedTempFile;
use zstd::stream::raw::{CParameter, Encoder, InBuffer, Operation, OutBuffer};

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
    let mut w =
        Output::new(out.as_file().try_clone().map_err(io_err)?, out.path()).map_err(io_err)?;

    // The runner is read straight into the output's buffers and hashed there.
    let mut hasher = Sha256::new();
    loop {
        let space = w.space();
        let n = match runner.read(space) {
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
        hasher.update(&space[..n]);
        w.advance(n).map_err(io_err)?;
    }
    let runner_len = w.count;
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
    let mut z = Compressor::new(&mut w, options).map_err(io_err)?;
    let mut done = 0u64;
    let mut spare = Vec::new();
    for entry in &manifest.files {
        z.write(&ustar::header(&entry.name, entry.size))
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
            z.write(&chunk[..n]).map_err(io_err)?;
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
        z.write(&[0u8; ustar::BLOCK][..ustar::padding(entry.size)])
            .map_err(io_err)?;
    }
    z.write(&[0u8; ustar::END_LEN]).map_err(io_err)?;
    z.finish().map_err(io_err)?;
    let payload_len = w.count - payload_start;

    let layout = Layout::contiguous(runner_len, manifest_bytes.len() as u64, payload_len);
    w.write_all(&layout.encode()).map_err(io_err)?;
    w.finish().map_err(io_err)?;
    let size = layout.payload.offset + layout.payload.len + crate::trailer::TRAILER_LEN;
    Ok(Written {
        manifest,
        layout,
        size,
    })
}

/// The bytes the signature covers: the domain-separating context, then the manifest.
pub(crate) fn signed_message(manifest: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(SIGNATURE_CONTEXT.len() + manifest.len());
    m.extend_from_slice(SIGNATURE_CONTEXT);
    m.extend_from_slice(manifest);
    m
}

/// The bundle file as it is written: the runner is read and the compressor
/// writes straight into pooled 1 MiB buffers, which a thread of its own
/// writes to the file, so neither a copy nor the write holds up the compression.
struct Output {
    lane: Lane<Disk>,
    chunk: Block,
    filled: usize,
    /// Bytes written so far.
    count: u64,
}

/// Bytes written through the page cache are synced in the background each
/// time this many more are written: the disk works while the compression runs, and the sync that
/// makes the bundle durable has little left to do.
const SYNC_EVERY: u64 = 64 << 20;

/// The writing thread's state: the file, and its background syncing.
struct Disk {
    file: File,
    /// The same file opened for direct writes, which skip the copy into the
    /// page cache (and the flushing of it afterwards): while it is there and
    /// each block is whole, the blocks go through it.
    direct: Option<File>,
    syncer: Syncer,
    written: u64,
}

impl Disk {
    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        if let Some(direct) = &mut self.direct {
            if bytes.len().is_multiple_of(BLOCK_ALIGN) {
                match direct.write_all(bytes) {
                    Ok(()) => {
                        self.written += bytes.len() as u64;
                        return Ok(());
                    }
                    // The file system takes no direct write of this block after all.
                    Err(e) if e.kind() == io::ErrorKind::InvalidInput => {}
                    Err(e) => return Err(e),
                }
            }
            // The last block (shorter), or one direct writing refused: from
            // here on through the page cache, from where the direct writes ended.
            self.direct = None;
            self.file.seek(SeekFrom::Start(self.written))?;
        }
        self.file.write_all(bytes)?;
        let before = self.written / SYNC_EVERY;
        self.written += bytes.len() as u64;
        if self.written / SYNC_EVERY > before {
            self.syncer.ask();
        }
        Ok(())
    }
}

/// `file` (at `path`) opened again for direct writes, when the system and
/// its file system allow them (Linux's `O_DIRECT`; tmpfs does not, for one)
/// and what opened is still the same file.
#[cfg(target_os = "linux")]
fn open_direct(file: &File, path: &Path) -> Option<File> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let direct = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_DIRECT)
        .open(path)
        .ok()?;
    let (a, b) = (file.metadata().ok()?, direct.metadata().ok()?);
    (a.dev() == b.dev() && a.ino() == b.ino()).then_some(direct)
}

#[cfg(not(target_os = "linux"))]
fn open_direct(_: &File, _: &Path) -> Option<File> {
    None
}

impl Output {
    fn new(file: File, path: &Path) -> io::Result<Output> {
        let disk = Disk {
            syncer: Syncer::start(file.try_clone()?),
            direct: open_direct(&file, path),
            file,
            written: 0,
        };
        let mut lane = Lane::start(Vec::new(), disk, Disk::write);
        Ok(Output {
            chunk: lane.buffer(),
            lane,
            filled: 0,
            count: 0,
        })
    }

    /// The free end of the current buffer (never empty), to fill and then [`Output::advance`].
    fn space(&mut self) -> &mut [u8] {
        &mut self.chunk[self.filled..]
    }

    /// Takes the next `n` bytes of [`Output::space`] as written; hands a full buffer to the thread.
    fn advance(&mut self, n: usize) -> io::Result<()> {
        self.filled += n;
        self.count += n as u64;
        if self.filled == self.chunk.len() {
            self.push()?;
        }
        Ok(())
    }

    fn write_all(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            let space = self.space();
            let n = bytes.len().min(space.len());
            space[..n].copy_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
            self.advance(n)?;
        }
        Ok(())
    }

    fn push(&mut self) -> io::Result<()> {
        if self.filled > 0 {
            let full = std::mem::replace(&mut self.chunk, self.lane.buffer());
            self.lane.push(full, std::mem::take(&mut self.filled))?;
        }
        Ok(())
    }

    /// Writes what is left and waits until the thread has written everything
    /// and the background syncing has stopped (the caller makes the file durable).
    fn finish(mut self) -> io::Result<()> {
        self.push()?;
        let (result, _) = self.lane.finish();
        result?.syncer.finish()
    }
}

/// Syncs a file on a thread of its own each time it is asked (at most one
/// request waits; more are merged into it). A failed sync stops the thread and
/// is returned by [`Syncer::finish`]: a sync error may be reported only once,
/// so it is never dropped.
struct Syncer {
    ask: Option<SyncSender<()>>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl Syncer {
    fn start(file: File) -> Syncer {
        let (ask, asked) = sync_channel::<()>(1);
        let thread = std::thread::spawn(move || {
            for () in asked {
                file.sync_data()?;
            }
            Ok(())
        });
        Syncer {
            ask: Some(ask),
            thread: Some(thread),
        }
    }

    fn ask(&self) {
        if let Some(ask) = &self.ask {
            // Full: a sync is already asked for and will cover these bytes too.
            // Gone: the thread stopped on an error, which `finish` returns.
            let _ = ask.try_send(());
        }
    }

    /// Waits for the sync under way; its error, if any sync failed.
    fn finish(mut self) -> io::Result<()> {
        self.ask = None;
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            _ => Err(io::Error::other("the writer's sync thread stopped")),
        }
    }
}

impl Drop for Syncer {
    /// Dropped on an error: the thread ends before the output is removed.
    fn drop(&mut self) {
        self.ask = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// zstd compressing into the [`Output`]'s buffers.
struct Compressor<'o> {
    z: Encoder<'static>,
    out: &'o mut Output,
}

impl<'o> Compressor<'o> {
    fn new(out: &'o mut Output, options: &WriteOptions) -> io::Result<Compressor<'o>> {
        let mut z = Encoder::new(options.level)?;
        // Every decompressed byte is checked (sha256 per file, exact framing): no frame checksum.
        z.set_parameter(CParameter::ChecksumFlag(false))?;
        z.set_parameter(CParameter::NbWorkers(options.workers.max(1)))?;
        // Each worker buffers a job of input and its output: 1 MiB jobs keep the
        // writer's memory near 20 MiB instead of growing past 100 MiB, at the same speed.
        z.set_parameter(CParameter::JobSize(1 << 20))?;
        // No job reloads the end of the one before it as a prefix (1 = no
        // overlap): with 1 MiB jobs the default reloads a quarter of every job,
        // which on already compressed files costs as much as compressing it
        // and finds nothing.
        z.set_parameter(CParameter::OverlapSizeLog(1))?;
        Ok(Compressor { z, out })
    }

    /// Compresses all of `bytes`.
    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut input = InBuffer::around(bytes);
        while input.pos() < bytes.len() {
            let mut output = OutBuffer::around(self.out.space());
            self.z.run(&mut input, &mut output)?;
            let n = output.pos();
            self.out.advance(n)?;
        }
        Ok(())
    }

    /// Ends the frame.
    fn finish(&mut self) -> io::Result<()> {
        loop {
            let mut output = OutBuffer::around(self.out.space());
            let left = self.z.finish(&mut output, true)?;
            let n = output.pos();
            self.out.advance(n)?;
            if left == 0 {
                return Ok(());
            }
        }
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

    /// Whole blocks go direct where the file system allows it; a shorter one
    /// (the last of a bundle) and all after it through the page cache, from
    /// where the direct writes ended: the file holds every byte in order.
    #[test]
    fn whole_blocks_then_a_short_one_land_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let file = File::create(&path).unwrap();
        let mut disk = Disk {
            syncer: Syncer::start(file.try_clone().unwrap()),
            direct: open_direct(&file, &path),
            file,
            written: 0,
        };
        let mut expected = Vec::new();
        for (i, len) in [crate::COPY_BUF, crate::COPY_BUF, 1000, crate::COPY_BUF]
            .into_iter()
            .enumerate()
        {
            let mut block = Block::new();
            block
                .iter_mut()
                .enumerate()
                .for_each(|(j, b)| *b = (i * 7 + j % 251) as u8);
            disk.write(&block[..len]).unwrap();
            expected.extend_from_slice(&block[..len]);
        }
        assert!(disk.direct.is_none(), "a short block ends direct writing");
        assert_eq!(disk.written, expected.len() as u64);
        disk.syncer.finish().unwrap();
        assert!(
            std::fs::read(&path).unwrap() == expected,
            "the file differs"
        );
    }
}
