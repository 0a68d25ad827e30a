//! Work in progress beside a destination folder, and who owns it. An
//! extraction takes the destination's lock (`.NAME.lock`, an OS file lock, so
//! one extraction at a time uses a destination), writes into a staging folder
//! `.NAME.RANDOM.partial` that holds a locked owner file while its process
//! lives, and a later run sweeps staging folders whose owner died (a SIGKILL,
//! a power cut): their owner lock can be taken.

use crate::atomic::hidden_sibling;
use crate::error::Error;
use std::ffi::{OsStr, OsString};
use std::fs::{self, File, TryLockError};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// The extension of staging folders: `.NAME.RANDOM.partial`.
pub const STAGING_EXTENSION: &str = "partial";
/// The file inside a staging folder whose lock says its owner is alive.
/// Not a valid bundle file name (it holds ".."), so no staged file can have it.
const OWNER: &str = "..owner";
/// The folder inside a staging folder that holds the files being replaced.
pub(crate) const ASIDE: &str = "..replaced";
/// Longest holder description read from a lock file.
const MAX_HOLDER_LEN: u64 = 256;

/// Where work for `dest` happens: `dest` (a destination that exists resolved,
/// following symbolic links, so staging is on the file system the files go to)
/// and the nearest existing folder above it. Refuses a destination, or a
/// folder on the way to it, that exists and is not a folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destination {
    pub dest: PathBuf,
    /// The nearest existing folder above `dest`: staging and the lock go here.
    pub folder: PathBuf,
}

impl Destination {
    pub fn resolve(dest: &Path) -> Result<Destination, Error> {
        let dest = dunce::canonicalize(dest).unwrap_or_else(|_| dest.to_path_buf());
        not_a_folder(&dest, &dest)?;
        if let (Err(_), Ok(target)) = (fs::metadata(&dest), fs::read_link(&dest)) {
            let problem = format!(
                "is a link to {}, which does not exist; create that folder, or give another destination",
                target.display()
            );
            return Err(Error::io(
                &dest,
                io::Error::new(io::ErrorKind::NotFound, problem),
            ));
        }
        let mut parent = dest.parent();
        while let Some(p) = parent {
            if p.as_os_str().is_empty() {
                break;
            }
            if p.exists() {
                not_a_folder(p, &dest)?;
                break;
            }
            parent = p.parent();
        }
        let folder = match parent {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        Ok(Destination { dest, folder })
    }

    fn name(&self) -> &OsStr {
        self.dest.file_name().unwrap_or(self.dest.as_os_str())
    }

    /// `.NAME.` : how every staging folder of this destination's name starts.
    fn staging_prefix(&self) -> OsString {
        let mut prefix = OsString::from(".");
        prefix.push(self.name());
        prefix.push(".");
        prefix
    }

    /// The lock file: `.NAME.lock` in [`Destination::folder`].
    pub fn lock_path(&self) -> PathBuf {
        let mut name = self.staging_prefix();
        name.push("lock");
        self.folder.join(name)
    }
}

/// Refuses `path` when it exists and is not a folder (so `dest` cannot be made).
fn not_a_folder(path: &Path, dest: &Path) -> Result<(), Error> {
    match fs::metadata(path) {
        Ok(m) if !m.is_dir() => {
            let problem = if path == dest {
                "exists and is not a folder; give a folder to extract into".to_string()
            } else {
                format!(
                    "is not a folder, so {} cannot be made; give another destination",
                    dest.display()
                )
            };
            Err(Error::io(
                path,
                io::Error::new(io::ErrorKind::NotADirectory, problem),
            ))
        }
        _ => Ok(()),
    }
}

/// The destination's lock, held until dropped. The lock file holds the
/// holder's process id, so a waiting run can name it; it is removed on release.
#[derive(Debug)]
pub struct DestinationLock {
    path: PathBuf,
    file: Option<File>,
}

impl DestinationLock {
    /// Takes the lock of `dest`. When another process holds it, calls
    /// `waiting` once with the holder (as its lock file describes it) and
    /// waits until it is released.
    pub fn acquire(
        dest: &Destination,
        waiting: &mut dyn FnMut(&str),
    ) -> Result<DestinationLock, Error> {
        let path = dest.lock_path();
        let mut told = false;
        loop {
            let io = |e| Error::io(&path, e);
            let mut file = fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(io)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    if !told {
                        told = true;
                        waiting(&holder(&mut file));
                    }
                    file.lock().map_err(io)?;
                }
                Err(TryLockError::Error(e)) => return Err(io(e)),
            }
            // The holder removes the file as it releases it: a lock taken on a
            // file no longer at `path` guards nothing, so start again.
            if !is_same_file(&file, &path) {
                continue;
            }
            // The folder above the destination may have been made meanwhile:
            // the lock of this destination now lives there.
            if Destination::resolve(&dest.dest)?.lock_path() != path {
                let _ = fs::remove_file(&path);
                continue;
            }
            file.set_len(0).map_err(io)?;
            write!(file, "process {}", std::process::id()).map_err(io)?;
            return Ok(DestinationLock {
                path,
                file: Some(file),
            });
        }
    }

    /// The lock file (to remove if the process must stop without unwinding).
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for DestinationLock {
    fn drop(&mut self) {
        // Removed while still locked, so a waiter sees it is gone (see `acquire`).
        if cfg!(unix) {
            let _ = fs::remove_file(&self.path);
        }
        self.file.take();
    }
}

/// What the holder of a lock wrote in it, printable (control characters escaped).
fn holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.take(MAX_HOLDER_LEN).read_to_string(&mut text);
    let text = text.trim();
    if text.is_empty() {
        "another process".into()
    } else {
        text.escape_debug().to_string()
    }
}

#[cfg(unix)]
fn is_same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Elsewhere the lock file is never removed, so it is always the same file.
#[cfg(not(unix))]
fn is_same_file(_: &File, _: &Path) -> bool {
    true
}

/// A staging folder, owned by this process while it exists.
#[derive(Debug)]
pub struct Staging {
    pub(crate) dir: PathBuf,
    owner: Option<File>,
}

impl Staging {
    /// Makes a new staging folder for `dest` in its nearest existing folder
    /// (same file system, and no folder is created before the checks pass).
    /// It appears under its final name with its owner file already locked,
    /// so a sweep never takes a live one for stale.
    pub fn create(dest: &Destination) -> Result<Staging, Error> {
        let dir = hidden_sibling(&dest.folder, dest.name(), STAGING_EXTENSION)?;
        let mut making = dir.clone().into_os_string();
        making.push("-new");
        let making = PathBuf::from(making);
        fs::create_dir(&making).map_err(|e| Error::io(&making, e))?;
        let owned = (|| {
            let owner = File::create(making.join(OWNER))?;
            owner.lock()?;
            fs::rename(&making, &dir)?;
            Ok(owner)
        })();
        match owned {
            Ok(owner) => Ok(Staging {
                dir,
                owner: Some(owner),
            }),
            Err(e) => {
                let _ = fs::remove_dir_all(&making);
                Err(Error::io(&making, e))
            }
        }
    }

    /// The staging folder (to remove if the process must stop without unwinding).
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Forgets the folder: it is gone, or it must be kept.
    pub(crate) fn release(&mut self) {
        self.owner.take();
        self.dir = PathBuf::new();
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        self.owner.take();
        if !self.dir.as_os_str().is_empty() {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// A staging folder of a run that did not finish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stale {
    /// Removed.
    Removed(PathBuf),
    /// Kept: it holds files that run had moved aside from the destination,
    /// the only copy of them (in its `..replaced` folder).
    Kept(PathBuf),
}

/// Removes the staging folders of `dest`'s name in its folder whose owner
/// process is gone; a live run's folder (its owner file locked) is left alone.
/// Hold the destination's lock while sweeping.
pub fn sweep_stale(dest: &Destination) -> Result<Vec<Stale>, Error> {
    let prefix = dest.staging_prefix();
    let prefix = prefix.as_encoded_bytes();
    let suffix = format!(".{STAGING_EXTENSION}");
    let entries = fs::read_dir(&dest.folder).map_err(|e| Error::io(&dest.folder, e))?;
    let mut stale = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(&dest.folder, e))?;
        let name = entry.file_name();
        let bytes = name.as_encoded_bytes();
        let ours = bytes.starts_with(prefix) && bytes.ends_with(suffix.as_bytes());
        if !ours || !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let dir = entry.path();
        let Ok(owner) = fs::OpenOptions::new().write(true).open(dir.join(OWNER)) else {
            // Not made by `Staging::create`: not ours to judge.
            continue;
        };
        match owner.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => continue,
            Err(TryLockError::Error(e)) => return Err(Error::io(dir.join(OWNER), e)),
        }
        drop(owner);
        if dir.join(ASIDE).exists() {
            stale.push(Stale::Kept(dir));
        } else {
            fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
            stale.push(Stale::Removed(dir));
        }
    }
    stale.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    Ok(stale)
}
