//! One process changes a root at a time: an exclusive lock on `ROOT/lock`,
//! released by the system when the process ends however it ends. The holder
//! writes who it is into the file, so a second process can name it. A link
//! in the lock's place is refused, never written through.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

/// Held while a command changes the root; dropping it releases the lock.
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

/// Why the lock could not be taken.
pub enum Refused {
    /// Another process holds it: what it wrote about itself.
    Held(String),
    Io(std::io::Error),
}

/// The most read of the holder a lock file names.
const MAX_HOLDER_BYTES: u64 = 4096;

impl Lock {
    /// Takes the lock without waiting, and records `holder` in the file.
    pub fn take(path: &Path, holder: &str) -> Result<Lock, Refused> {
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        let mut file = crate::nofollow::open(&mut options, path).map_err(Refused::Io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                // The holder writes one line; more is not a holder's.
                let _ = (&mut file).take(MAX_HOLDER_BYTES).read_to_string(&mut text);
                return Err(Refused::Held(text.trim().to_string()));
            }
            Err(TryLockError::Error(e)) => return Err(Refused::Io(e)),
        }
        let wrote = file
            .set_len(0)
            .and_then(|_| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(holder.as_bytes()))
            .and_then(|_| file.sync_all());
        wrote.map_err(Refused::Io)?;
        Ok(Lock { _file: file })
    }
}
