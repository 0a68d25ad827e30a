//! Work on a stream of bytes (hashing, writing the output) moved to a thread
//! of its own and fed through a bounded channel of pooled 1 MiB buffers, so it
//! runs beside the compression instead of on the writer's critical path.

use crate::COPY_BUF;
use std::io;
use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};
use std::thread::JoinHandle;

/// Buffers in flight between the feeder and the thread.
const DEPTH: usize = 4;

/// A thread applying `work` to every buffer pushed, in order, until finished.
pub(crate) struct Lane<S> {
    full: Option<SyncSender<(Vec<u8>, usize)>>,
    empty: Receiver<Vec<u8>>,
    spare: Vec<Vec<u8>>,
    made: usize,
    thread: Option<JoinHandle<io::Result<S>>>,
}

impl<S: Send + 'static> Lane<S> {
    /// Starts the thread with its `state`; `spare` are buffers to use first
    /// (those a finished lane gave back).
    pub(crate) fn start(
        spare: Vec<Vec<u8>>,
        mut state: S,
        mut work: impl FnMut(&mut S, &[u8]) -> io::Result<()> + Send + 'static,
    ) -> Lane<S> {
        let (full, to_do) = sync_channel::<(Vec<u8>, usize)>(DEPTH);
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
    pub(crate) fn buffer(&mut self) -> Vec<u8> {
        if let Some(buf) = self.spare.pop() {
            return buf;
        }
        if let Ok(buf) = self.empty.try_recv() {
            return buf;
        }
        if self.made < DEPTH + 2 {
            self.made += 1;
            return vec![0; COPY_BUF];
        }
        // The thread has stopped when nothing comes back: the next push says why.
        self.empty.recv().unwrap_or_else(|_| vec![0; COPY_BUF])
    }

    /// Hands the first `len` bytes of `buf` to the thread. When the thread has
    /// stopped on an error, that error.
    pub(crate) fn push(&mut self, buf: Vec<u8>, len: usize) -> io::Result<()> {
        let sent = self.full.as_ref().map(|full| full.send((buf, len)).is_ok());
        if sent == Some(true) {
            return Ok(());
        }
        self.stop()
            .and(Err(io::Error::other("the writer's worker thread stopped")))
    }

    /// Waits for the thread to do all it was given: its state, and the buffers
    /// for the next lane.
    pub(crate) fn finish(mut self) -> (io::Result<S>, Vec<Vec<u8>>) {
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
