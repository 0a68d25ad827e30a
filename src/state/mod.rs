//! The offline machine's store under ROOT, and the only code that knows its
//! layout:
//!
//! ```text
//! ROOT/record.json (+ .bak)   installed products, licenses, listings, bundles, journal
//! ROOT/lock                   held by the one process changing the root; names it
//! ROOT/trusted-keys/*.pub     public keys whose bundles are trusted
//! ROOT/trust.json (+ .bak)    their expiry and notes, and every revocation (crate::trust)
//! ROOT/vendor-keys/VENDOR.pub pinned vendor keys (and `require-signature`)
//! ROOT/licenses/PRODUCT.xml   purchased license files applied
//! ROOT/listings/              every listing received, as its exact bytes
//! ROOT/logs/airlock.log       what airlock did, one line per event
//! ROOT/logs/<operation>/      one installer log per step
//! ROOT/runner/                a copy of the runner that last installed
//! ```
//!
//! Every change is an atomic file write made right after the item it records.
//! Nothing under ROOT is written through a symbolic link: a link in the place
//! of a file or folder there is refused, naming it.

mod file;
mod lock;
pub mod record;

pub use file::{PAUSE_ENV, backup_of};
pub use record::Record;

use bundle_format::IoError;
use bundle_format::keys::PublicKey;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The most read of `record.json`: several times the largest history it exports.
const MAX_RECORD_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Io(#[from] bundle_format::IoError),
    #[error(
        "{path} is damaged ({problem}); it was left as it is. Its previous version is {backup}: \
         check it, then copy it over the damaged file"
    )]
    Damaged {
        path: PathBuf,
        problem: String,
        backup: String,
    },
    #[error(
        "{root} is in use by another airlock process ({holder}); wait for it to finish, then run \
         this again"
    )]
    Busy { root: PathBuf, holder: String },
    #[error("{0}")]
    Key(#[from] bundle_format::keys::KeyError),
    #[error(
        "the state root {path} {problem}; give --root (or AIRLOCK_ROOT) a folder, which is \
         created when missing"
    )]
    NotAFolder { path: PathBuf, problem: String },
    #[error(
        "{}: no such state root (nothing was ever installed with it as --root); give the right \
         one with --root DIR (or AIRLOCK_ROOT)",
        path.display()
    )]
    NoRoot { path: PathBuf },
}

/// A state root.
#[derive(Debug, Clone)]
pub struct Root {
    dir: PathBuf,
}

/// The root locked by this process; dropping it releases the lock.
#[derive(Debug)]
pub struct Locked {
    pub root: Root,
    _lock: lock::Lock,
}

/// `%ProgramData%\Airlock` on Windows, `/var/lib/airlock` elsewhere.
pub fn default_root() -> PathBuf {
    #[cfg(windows)]
    {
        let data = std::env::var_os("ProgramData").unwrap_or_else(|| r"C:\ProgramData".into());
        PathBuf::from(data).join("Airlock")
    }
    #[cfg(not(windows))]
    {
        PathBuf::from("/var/lib/airlock")
    }
}

impl Root {
    pub fn new(dir: PathBuf) -> Root {
        Root { dir }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn record_path(&self) -> PathBuf {
        self.dir.join("record.json")
    }

    pub fn trusted_keys_dir(&self) -> PathBuf {
        self.dir.join("trusted-keys")
    }

    pub fn trust_path(&self) -> PathBuf {
        self.dir.join("trust.json")
    }

    pub fn vendor_keys_dir(&self) -> PathBuf {
        self.dir.join("vendor-keys")
    }

    pub fn logs_dir(&self) -> PathBuf {
        self.dir.join("logs")
    }

    /// `logs/airlock.log`: what airlock did, one line per event.
    pub fn log_file(&self) -> PathBuf {
        self.logs_dir().join("airlock.log")
    }

    /// `logs/<operation>/`: the installer logs of one operation's steps
    /// (`uninstall-<time>`, a bundle's id).
    pub fn operation_logs(&self, operation: &str) -> PathBuf {
        self.logs_dir().join(operation)
    }

    pub fn listings_dir(&self) -> PathBuf {
        self.dir.join("listings")
    }

    pub fn licenses_dir(&self) -> PathBuf {
        self.dir.join("licenses")
    }

    pub fn runner_path(&self) -> PathBuf {
        let name = if cfg!(windows) {
            "airlock.exe"
        } else {
            "airlock"
        };
        self.dir.join("runner").join(name)
    }

    /// Creates the root if needed and takes its lock; `holder` says who takes
    /// it (shown to a second process). Leftovers of a killed write are removed.
    pub fn lock(self, holder: &str) -> Result<Locked, Error> {
        self.check_folder()?;
        fs::create_dir_all(&self.dir).map_err(IoError::at(&self.dir, "create the folder"))?;
        let path = self.dir.join("lock");
        let holder = format!(
            "process {} ({holder}), since {}",
            std::process::id(),
            crate::text::rfc3339_unix(now())
        );
        match lock::Lock::take(&path, &holder) {
            Ok(lock) => {
                file::sweep_temporaries(&self.dir);
                let locked = Locked {
                    root: self,
                    _lock: lock,
                };
                // Refused up front, before any change, rather than halfway.
                for entry in [
                    locked.root.record_path(),
                    backup_of(&locked.root.record_path()),
                    locked.root.log_file(),
                    locked.root.licenses_dir(),
                    locked.root.listings_dir(),
                    locked.root.runner_path(),
                ] {
                    locked.inside(&entry)?;
                }
                Ok(locked)
            }
            Err(lock::Refused::Held(holder)) => Err(Error::Busy {
                root: self.dir,
                holder: if holder.is_empty() {
                    "it did not say who it is".into()
                } else {
                    holder
                },
            }),
            Err(lock::Refused::Io(e)) => Err(IoError::at(&path, "lock")(e).into()),
        }
    }

    /// The root is a folder, or nothing yet: a file, or a link to nothing,
    /// named as the root is said so rather than left to an OS error.
    pub fn check_folder(&self) -> Result<(), Error> {
        let problem = match fs::metadata(&self.dir) {
            Ok(meta) if meta.is_dir() => return Ok(()),
            Ok(_) => "is a file, not a folder".to_string(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => match fs::read_link(&self.dir) {
                Ok(target) => format!("is a link to {}, which does not exist", target.display()),
                Err(_) => return Ok(()),
            },
            Err(e) => return Err(IoError::at(&self.dir, "read")(e).into()),
        };
        Err(Error::NotAFolder {
            path: self.dir.clone(),
            problem,
        })
    }

    /// The record, or a new empty one when the root has none yet. A record
    /// that cannot be read is an error naming its backup, never replaced.
    pub fn record(&self) -> Result<Record, Error> {
        self.check_folder()?;
        let path = self.record_path();
        let bytes = match bundle_format::regular::read_bounded(
            &path,
            MAX_RECORD_BYTES,
            "the machine's record",
        ) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(Record::new(new_machine_id(), crate::host::machine_name()));
            }
            Err(e) => return Err(IoError::at(&path, "read")(e).into()),
        };
        let damaged = |problem: String| {
            let bak = backup_of(&path);
            Error::Damaged {
                backup: if bak.exists() {
                    bak.display().to_string()
                } else {
                    format!("missing too ({})", bak.display())
                },
                path: path.clone(),
                problem,
            }
        };
        let record: Record = serde_json::from_slice(&bytes).map_err(|e| damaged(e.to_string()))?;
        if record.format != record::FORMAT {
            return Err(damaged(format!(
                "format {} is not {}, the one this airlock reads",
                record.format,
                record::FORMAT
            )));
        }
        Ok(record)
    }

    /// Every `trusted-keys/*.pub`, in name order; a malformed one is an error naming it.
    pub fn trusted_keys(&self) -> Result<Vec<PublicKey>, Error> {
        Ok(self
            .trusted_key_files()?
            .into_iter()
            .map(|(_, key)| key)
            .collect())
    }

    /// Every `trusted-keys/*.pub` with its key, in name order.
    pub fn trusted_key_files(&self) -> Result<Vec<(PathBuf, PublicKey)>, Error> {
        self.keys_in(&self.trusted_keys_dir())
    }

    /// Every `*.pub` of `folder` with its key, in name order; none when it is missing.
    pub fn keys_in(&self, folder: &Path) -> Result<Vec<(PathBuf, PublicKey)>, Error> {
        self.check_folder()?;
        let entries = match fs::read_dir(folder) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(IoError::at(folder, "read")(e).into()),
        };
        let mut paths = Vec::new();
        for entry in entries {
            let path = entry.map_err(IoError::at(folder, "read"))?.path();
            if path.extension().is_some_and(|x| x == "pub") {
                paths.push(path);
            }
        }
        paths.sort();
        let mut keys = Vec::new();
        for path in paths {
            let key = PublicKey::load(&path)?;
            keys.push((path, key));
        }
        Ok(keys)
    }
}

impl Locked {
    /// Writes the record atomically, keeping the previous one as `record.json.bak`.
    pub fn save(&self, record: &Record) -> Result<(), Error> {
        let path = self.root.record_path();
        self.inside(&path)?;
        let mut bytes = serde_json::to_vec_pretty(record)
            .map_err(|e| IoError::at(&path, "write")(io::Error::from(e)))?;
        bytes.push(b'\n');
        file::write(&path, &bytes, true).map_err(|e| IoError::at(&path, "write")(e).into())
    }

    /// Writes `bytes` as `path` (under the root) atomically, creating its folder.
    pub fn put(&self, path: &Path, bytes: &[u8]) -> Result<(), Error> {
        if let Some(dir) = path.parent() {
            self.make_dir(dir)?;
        }
        self.inside(path)?;
        file::write(path, bytes, false).map_err(|e| IoError::at(path, "write")(e).into())
    }

    /// As [`Locked::put`], keeping what `path` held before as `NAME.bak`.
    pub fn put_kept(&self, path: &Path, bytes: &[u8]) -> Result<(), Error> {
        if let Some(dir) = path.parent() {
            self.make_dir(dir)?;
        }
        self.inside(path)?;
        file::write(path, bytes, true).map_err(|e| IoError::at(path, "write")(e).into())
    }

    /// Removes the file `path` under the root, and syncs its folder.
    pub fn remove(&self, path: &Path) -> Result<(), Error> {
        self.inside(path)?;
        fs::remove_file(path).map_err(IoError::at(path, "remove"))?;
        bundle_format::atomic::sync_parent(path).map_err(|e| IoError::at(path, "sync")(e).into())
    }

    /// Creates the folder `dir` under the root, and those between.
    pub fn make_dir(&self, dir: &Path) -> Result<(), Error> {
        crate::nofollow::create_dir_below(&self.root.dir, dir)
            .map_err(|e| IoError::at(dir, "create the folder")(e).into())
    }

    /// Checks that `path`, and every folder between the root and it, is no
    /// symbolic link (nothing in the root is written through one).
    pub fn inside(&self, path: &Path) -> Result<(), Error> {
        crate::nofollow::check_below(&self.root.dir, path)
            .map_err(|e| IoError::at(path, "write")(e).into())
    }

    /// Appends one line to `logs/airlock.log`, time first.
    pub fn log(&self, line: &str) {
        let dir = self.root.logs_dir();
        if self.make_dir(&dir).is_err() {
            return;
        }
        let mut options = fs::OpenOptions::new();
        options.create(true).append(true);
        if let Ok(mut f) = crate::nofollow::open(&mut options, &self.root.log_file()) {
            let _ = writeln!(f, "{} {line}", crate::text::rfc3339_unix(now()));
        }
    }
}

/// Replaces `path` with `bytes` atomically (temp file, sync, rename, sync the folder).
pub fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    file::write(path, bytes, false)
}

pub use crate::host::now;

fn new_machine_id() -> String {
    let mut bytes = [0u8; 16];
    // Without randomness the id still tells machines apart by time and process.
    if getrandom::fill(&mut bytes).is_err() {
        bytes[..8].copy_from_slice(&now().to_be_bytes());
        bytes[8..12].copy_from_slice(&std::process::id().to_be_bytes());
    }
    hex::encode(bytes)
}
