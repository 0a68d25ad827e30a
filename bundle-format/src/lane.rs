//! Work on a stream of bytes (hashing, writing the output) moved to a thread
//! of its own and fed through a bounded channel of pooled 1 MiB buffers, so it
//! runs beside the compression instead of on the writer's critical path.

use crate::COPY_BUF;
use std::io;
use std::ops::{Deref, DerefMut};
use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};
use std::thread::JoinHandle;

/// Buffers in flight between the feeder and the thread.
const DEPTH: usize = 4;

/// What the start and the length of a [`Block`] are multiples of: the
/// largest logical block size of disks, so a block can be written to a file
/// opened for direct (unbuffered) writes.
pub(crate) const BLOCK_ALIGN: usize = 4096;

/// A pooled buffer of `COPY_BUF` bytes starting at a multiple of [`BLOCK_ALIGN`].
pub(crate) struct Block {
    bytes: Vec<u8>,
    start: usize,
}

impl Block {
    pub(crate) fn new() -> Block {
        let bytes = vec![0; COPY_BUF + BLOCK_ALIGN];
        // The heap allocation does not move with the Vec, so neither does the start.
        let start = bytes.as_ptr().align_offset(BLOCK_ALIGN).min(BLOCK_ALIGN);
        Block { bytes, start }
    }
}

impl Deref for Block {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.bytes[self.start..self.start + COPY_BUF]
    }
}

impl DerefMut for Block {
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut self.bytes[self.start..self.start + COPY_BUF]
    }
}

/// A thread applying `work` to every buffer pushed, in order, until finished.
pub(crate) struct Lane<S> {
    full: Option<SyncSender<(Block, usize)>>,
    empty: Receiver<Block>,
    spare: Vec<Block>,
    made: usize,
    thread: Option<JoinHandle<io::Result<S>>>,
}

impl<S: Send + 'static> Lane<S> {
    /// Starts the thread with its `state`; `spare` are buffers to use first
    /// (those a finished lane gave back).
    pub(crate) fn start(
        spare: Vec<Block>,
        mut state: S,
        mut work: impl FnMut(&mut S, &[u8]) -> io::Result<()> + Send + 'static,
    ) -> Lane<S> {
        let (full, to_do) = sync_channel::<(Block, usize)>(DEPTH);
        let (done, empty) = channel();
        let thread = std::thread::spawn(move || {
            for (buf, len) in to_do {
                work(&mut state, &buf[..len])?;
                let _ = done.send(buf);
            }
            Ok(state)
        });
        Lane {
            full: Some(full),
            empty,
            made: spare.len(),
            spare,
            thread: Some(thread),
        }
    }

    /// A buffer of `COPY_BUF` bytes to fill: a spare or given back one, a new
    /// one while fewer than the pipeline holds exist, else the next given back.
    pub(crate) fn buffer(&mut self) -> Block {
        if let Some(buf) = self.spare.pop() {
            return buf;
        }
        if let Ok(buf) = self.empty.try_recv() {
            return buf;
        }
        if self.made < DEPTH + 2 {
            self.made += 1;
            return Block::new();
        }
        // The thread has stopped when nothing comes back: the next push says why.
        self.empty.recv().unwrap_or_else(|_| Block::new())
    }

    /// Hands the first `len` bytes of `buf` to the thread. When the thread has
    /// stopped on an error, that error.
    pub(crate) fn push(&mut self, buf: Block, len: usize) -> io::Result<()> {
        let sent = self.full.as_ref().map(|full| full.send((buf, len)).is_ok());
        if sent == Some(true) {
            return Ok(());
        }
        self.stop()
            .and(Err(io::Error::other("the writer's worker thread stopped")))
    }

    /// Waits for the thread to do all it was given: its state, and the buffers
    /// for the next lane.
    pub(crate) fn finish(mut self) -> (io::Result<S>, Vec<Block>) {
        let result = self.stop();
        let mut spare = std::mem::take(&mut self.spare);
        spare.extend(self.empty.try_iter());
        (result, spare)
    }

    fn stop(&mut self) -> io::Result<S> {
        self.full = None;
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(io::Error::other("the writer's worker thread panicked")),
            None => Err(io::Error::other("the writer's worker thread stopped")),
        }
    }
}

impl<S> Drop for Lane<S> {
    /// A lane dropped on an error ends its thread before the output is removed.
    fn drop(&mut self) {
        self.full = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
