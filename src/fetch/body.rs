//! Reading a response body under the rules every download keeps, whatever it
//! fetches (a listing, its signature, a payload): an attempt ends when no data
//! comes for the idle timeout (the client's per-read timeout), or when the
//! rate stays under the minimum for a whole window, so a server sending a byte
//! a second cannot hold a run for hours. One loop, so the rules cannot drift
//! apart between kinds of download.

use super::MinRate;
use std::io::{ErrorKind, Read};
use std::time::{Duration, Instant};

/// Why reading a body stopped before its end.
pub(super) enum Stop<E> {
    /// The transfer broke off (no data, a dropped connection, too slow):
    /// worth another attempt.
    Cut(Cut),
    /// The sink refused the bytes (a local write failed).
    Sink(E),
}

/// Why a transfer broke off, and the error that said so (for a dropped connection).
pub(super) struct Cut {
    why: String,
    cause: Option<std::io::Error>,
}

impl Cut {
    fn new(why: String) -> Cut {
        Cut { why, cause: None }
    }

    /// The reason, with how far it got (`400000 of 1048576 bytes`) put in.
    pub(super) fn after(&self, progress: &str) -> String {
        match &self.cause {
            Some(e) => format!("{} after {progress}: {e}", self.why),
            None => format!("{} after {progress}", self.why),
        }
    }
}

/// Feeds `body` to `sink` until it ends or `room` bytes came (a caller asks
/// for one byte more than it accepts, to tell a body that is too long);
/// returns the number of bytes read.
pub(super) fn read_body<E>(
    mut body: impl Read,
    room: u64,
    idle: Duration,
    min: MinRate,
    mut sink: impl FnMut(&[u8]) -> Result<(), E>,
) -> Result<u64, Stop<E>> {
    let mut buf = vec![0; 256 * 1024];
    let mut rate = RateWatch::new(min);
    let mut read = 0u64;
    while read < room {
        let max = buf
            .len()
            .min(usize::try_from(room - read).unwrap_or(usize::MAX));
        let n = match body.read(&mut buf[..max]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == ErrorKind::TimedOut => {
                let why = format!("no data for {} s", idle.as_secs_f32());
                return Err(Stop::Cut(Cut::new(why)));
            }
            Err(e) => {
                return Err(Stop::Cut(Cut {
                    why: "the connection dropped".into(),
                    cause: Some(e),
                }));
            }
        };
        sink(&buf[..n]).map_err(Stop::Sink)?;
        read += n as u64;
        if let Some(why) = rate.too_slow(n as u64) {
            return Err(Stop::Cut(Cut::new(why)));
        }
    }
    Ok(read)
}

/// The average rate over each window of a transfer.
struct RateWatch {
    min: MinRate,
    since: Instant,
    bytes: u64,
}

impl RateWatch {
    fn new(min: MinRate) -> RateWatch {
        RateWatch {
            min,
            since: Instant::now(),
            bytes: 0,
        }
    }

    /// Counts `n` more bytes; says why when a whole window went by below the minimum.
    fn too_slow(&mut self, n: u64) -> Option<String> {
        self.bytes += n;
        let elapsed = self.since.elapsed();
        if elapsed < self.min.window {
            return None;
        }
        let rate = self.bytes as f64 / elapsed.as_secs_f64();
        if rate < self.min.bytes_per_sec as f64 {
            return Some(format!(
                "too slow: {rate:.0} bytes/s over {:.0} s, below the minimum of {} bytes/s",
                elapsed.as_secs_f64(),
                self.min.bytes_per_sec
            ));
        }
        self.since = Instant::now();
        self.bytes = 0;
        None
    }
}
