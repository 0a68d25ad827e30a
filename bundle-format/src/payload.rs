//! The single pass over the payload: one thread reads and decompresses, the
//! other checks the tar framing against the manifest, hashes every file and
//! hands its bytes to a sink (discarded by `verify`, staged by `extract`).
//! Nothing is read past a declared size, and memory stays bounded.

use crate::error::{Error, Failure};
use crate::manifest::{FileEntry, Manifest};
use crate::read::{SignedBundle, fail};
use crate::ustar;
use sha2::{Digest, Sha256};
use std::io::{self, Read, Seek};
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use zstd::stream::raw::{DParameter, Decoder, InBuffer, Operation, OutBuffer};

/// Size of each decompressed chunk passed between the threads.
const CHUNK: usize = 1 << 20;
/// Chunks in flight (memory bound: CHUNKS x CHUNK, plus zstd's window).
const CHUNKS: usize = 4;
/// The largest zstd window accepted (2^24 = 16 MiB); levels 1..=19 stay below it.
pub const MAX_WINDOW_LOG: u32 = 24;

/// Receives each file's bytes during the pass.
pub(crate) trait Sink {
    fn begin(&mut self, entry: &FileEntry) -> Result<(), Error>;
    fn data(&mut self, bytes: &[u8]) -> Result<(), Error>;
    /// Called once the file's size and sha256 matched.
    fn end(&mut self, entry: &FileEntry) -> Result<(), Error>;
    /// True once the sink has all it wants: the pass stops after this file,
    /// the rest of the payload unread (and unchecked).
    fn complete(&self) -> bool {
        false
    }
}

/// Discards the bytes: for `verify`.
pub(crate) struct Discard;

impl Sink for Discard {
    fn begin(&mut self, _: &FileEntry) -> Result<(), Error> {
        Ok(())
    }
    fn data(&mut self, _: &[u8]) -> Result<(), Error> {
        Ok(())
    }
    fn end(&mut self, _: &FileEntry) -> Result<(), Error> {
        Ok(())
    }
}

enum Msg {
    Data(Vec<u8>),
    End,
    Failed(Error),
    /// The compressed data is damaged: in the bytes right after the last ones
    /// delivered, so in the file being read, which the reader names.
    Damaged(String),
}

/// Streams the payload of `bundle` once, checking it against the manifest.
pub(crate) fn pass<R: Read + Seek + Send>(
    bundle: &mut SignedBundle<R>,
    sink: &mut dyn Sink,
    progress: &mut dyn FnMut(u64),
) -> Result<(), Error> {
    let (path, manifest, source) = bundle.payload()?;
    let (tx, rx) = sync_channel::<Msg>(CHUNKS);
    let (free_tx, free_rx) = sync_channel::<Vec<u8>>(CHUNKS + 1);
    std::thread::scope(|scope| {
        scope.spawn(move || decompress(path, source, tx, free_rx));
        let mut chunks = Chunks {
            path,
            reading: None,
            rx,
            free: free_tx,
            current: Vec::new(),
            pos: 0,
            ended: false,
        };
        let result = check(path, manifest, &mut chunks, sink, progress);
        // Dropping the receivers stops the decompressing thread if it is still going.
        drop(chunks);
        result
    })
}

/// Reads and decompresses the payload into chunks for the checking side.
///
/// The decoder is given exactly the bytes it asks for next (a block header,
/// then that block), so each call decodes at most one block: when a block is
/// damaged, everything decoded before it has been delivered, and the file
/// being read is the one the damaged block belongs to.
fn decompress(path: &Path, mut source: impl Read, tx: SyncSender<Msg>, free: Receiver<Vec<u8>>) {
    let mut z = match Decoder::new().and_then(|mut z| {
        z.set_parameter(DParameter::WindowLogMax(MAX_WINDOW_LOG))?;
        Ok(z)
    }) {
        Ok(z) => z,
        Err(e) => {
            let _ = tx.send(Msg::Failed(Error::io(path, e)));
            return;
        }
    };
    let mut input = vec![0u8; CHUNK];
    let (mut start, mut end, mut eof) = (0, 0, false);
    // How many bytes the decoder wants next; 0 between frames.
    let mut wanted = 0usize;
    let mut allocated = 0;
    loop {
        let mut buf = match free.try_recv() {
            Ok(b) => b,
            Err(_) if allocated < CHUNKS + 1 => {
                allocated += 1;
                vec![0u8; CHUNK]
            }
            Err(_) => match free.recv() {
                Ok(b) => b,
                Err(_) => return,
            },
        };
        buf.resize(CHUNK, 0);
        let mut filled = 0;
        let mut outcome = None;
        while filled < CHUNK {
            if start == end && !eof {
                match source.read(&mut input) {
                    Ok(0) => eof = true,
                    Ok(n) => (start, end) = (0, n),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        outcome = Some(Msg::Failed(Error::io(path, e)));
                        break;
                    }
                }
                continue;
            }
            if start == end && wanted == 0 {
                // Every frame read is complete and flushed, and no byte follows.
                outcome = Some(Msg::End);
                break;
            }
            let take = wanted.max(1).min(end - start);
            let mut inb = InBuffer::around(&input[start..start + take]);
            let mut outb = OutBuffer::around(&mut buf[filled..]);
            match z.run(&mut inb, &mut outb) {
                Ok(next) => {
                    let (read, written) = (inb.pos(), outb.pos());
                    start += read;
                    filled += written;
                    wanted = next;
                    if read == 0 && written == 0 {
                        outcome = Some(Msg::Damaged(
                            "the compressed data is damaged (it ends in the middle of a frame)"
                                .into(),
                        ));
                        break;
                    }
                }
                // zstd's text for a window above window_log_max: not damage, a refusal.
                Err(e) if e.to_string().contains("too much memory") => {
                    outcome = Some(Msg::Failed(fail(
                        path,
                        Failure::Payload(format!(
                            "the compressed data needs a window larger than \
                             2^{MAX_WINDOW_LOG} bytes ({e})"
                        )),
                    )));
                    break;
                }
                Err(e) => {
                    outcome = Some(Msg::Damaged(format!(
                        "the compressed data is damaged ({e})"
                    )));
                    break;
                }
            }
        }
        // What was decoded before an error goes first, so a file whose bytes
        // are wrong is named before the damage is reported.
        buf.truncate(filled);
        if filled > 0 && tx.send(Msg::Data(buf)).is_err() {
            return;
        }
        if let Some(last) = outcome {
            let _ = tx.send(last);
            return;
        }
    }
}

/// The consuming side: decompressed bytes as a stream of slices.
struct Chunks<'a> {
    /// The bundle, named in errors.
    path: &'a Path,
    /// The file whose header or bytes are being read, named if the data is damaged.
    reading: Option<&'a str>,
    rx: Receiver<Msg>,
    free: SyncSender<Vec<u8>>,
    current: Vec<u8>,
    pos: usize,
    ended: bool,
}

impl Chunks<'_> {
    /// Up to `max` next bytes; empty only at the end of the payload.
    fn next(&mut self, max: usize) -> Result<&[u8], Error> {
        while self.pos == self.current.len() && !self.ended {
            match self.rx.recv() {
                Ok(Msg::Data(buf)) => {
                    let old = std::mem::replace(&mut self.current, buf);
                    if old.capacity() > 0 {
                        let _ = self.free.try_send(old);
                    }
                    self.pos = 0;
                }
                Ok(Msg::End) => self.ended = true,
                Ok(Msg::Failed(e)) => return Err(e),
                Ok(Msg::Damaged(problem)) => {
                    return Err(fail(
                        self.path,
                        match self.reading {
                            Some(name) => Failure::File {
                                name: name.to_string(),
                                problem,
                            },
                            None => Failure::Payload(problem),
                        },
                    ));
                }
                Err(_) => self.ended = true,
            }
        }
        let n = max.min(self.current.len() - self.pos);
        let s = &self.current[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// Fills `out` completely; returns how many bytes were available if fewer.
    fn fill(&mut self, out: &mut [u8]) -> Result<usize, Error> {
        let mut got = 0;
        while got < out.len() {
            let s = self.next(out.len() - got)?;
            if s.is_empty() {
                break;
            }
            out[got..got + s.len()].copy_from_slice(s);
            got += s.len();
        }
        Ok(got)
    }
}

fn check<'a>(
    path: &Path,
    manifest: &'a Manifest,
    chunks: &mut Chunks<'a>,
    sink: &mut dyn Sink,
    progress: &mut dyn FnMut(u64),
) -> Result<(), Error> {
    let files = &manifest.files;
    let file_fail = |name: &str, problem: String| {
        fail(
            path,
            Failure::File {
                name: name.to_string(),
                problem,
            },
        )
    };
    let mut done = 0u64;
    let mut header = [0u8; ustar::BLOCK];
    for entry in files {
        chunks.reading = Some(&entry.name);
        let got = chunks.fill(&mut header)?;
        if got < ustar::BLOCK {
            return Err(file_fail(
                &entry.name,
                "the payload ends before this file".into(),
            ));
        }
        if header != ustar::header(&entry.name, entry.size) {
            return Err(file_fail(
                &entry.name,
                ustar::describe_mismatch(&header, &entry.name, entry.size),
            ));
        }
        sink.begin(entry)?;
        let mut hasher = Sha256::new();
        let mut left = entry.size;
        while left > 0 {
            let s = chunks.next(left.min(CHUNK as u64) as usize)?;
            if s.is_empty() {
                return Err(file_fail(
                    &entry.name,
                    format!(
                        "the payload ends after {} of its {} bytes",
                        entry.size - left,
                        entry.size
                    ),
                ));
            }
            hasher.update(s);
            sink.data(s)?;
            left -= s.len() as u64;
            done += s.len() as u64;
            progress(done);
        }
        let digest = hex::encode(hasher.finalize());
        if digest != entry.sha256 {
            return Err(file_fail(
                &entry.name,
                format!("sha256 is {digest}, the manifest says {}", entry.sha256),
            ));
        }
        let pad = ustar::padding(entry.size);
        let mut zeros = [0u8; ustar::BLOCK];
        if chunks.fill(&mut zeros[..pad])? < pad || zeros.iter().any(|&b| b != 0) {
            return Err(file_fail(
                &entry.name,
                "the tar padding after it is missing or not zero".into(),
            ));
        }
        sink.end(entry)?;
        if sink.complete() {
            return Ok(());
        }
    }
    chunks.reading = None;
    let mut end = [0u8; ustar::END_LEN];
    let got = chunks.fill(&mut end)?;
    if got >= ustar::BLOCK && end[..ustar::BLOCK].iter().any(|&b| b != 0) {
        let len = end[..100].iter().position(|&b| b == 0).unwrap_or(100);
        return Err(fail(
            path,
            Failure::Payload(format!(
                "holds an entry {:?} that the manifest does not list",
                String::from_utf8_lossy(&end[..len])
            )),
        ));
    }
    if got < ustar::END_LEN || end.iter().any(|&b| b != 0) {
        return Err(fail(
            path,
            Failure::Payload("the end-of-archive marker is missing or damaged".into()),
        ));
    }
    if !chunks.next(1)?.is_empty() {
        return Err(fail(
            path,
            Failure::Payload("data follows the end of the archive".into()),
        ));
    }
    Ok(())
}
