//! The download cache: files kept by their sha256, shared by every build of
//! the user, safe when several run at once, and never trusted on name alone.
//!
//! Layout under the cache folder:
//! `sha256/<hex>` a verified file (its modification time is when it was last used);
//! `names/<hex>` the file names it was fetched as, one a line;
//! `partial/<hex>.part` an unfinished download, `<hex>.validator` the ETag or
//! Last-Modified its resume needs; `locks/<hex>` the lock file of one entry:
//! whoever holds its OS lock is the only one reading or writing that entry.
//! None of these is opened through a symbolic link, and the four folders may
//! not be links (the cache folder itself may).

use super::{Error, Wanted};
use std::collections::BTreeSet;
use std::fs::{self, File, FileTimes};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The download cache folder.
pub struct Cache {
    dir: PathBuf,
    /// A folder of it could not be created for lack of rights: the cache
    /// serves what it holds, and a file it lacks cannot be downloaded into it.
    read_only: bool,
}

/// One cached file.
#[derive(Debug, Clone)]
pub struct Entry {
    pub sha256: String,
    pub size: u64,
    pub last_used: SystemTime,
    /// The file names it was fetched as (from listings: untrusted text).
    pub names: Vec<String>,
}

/// What a prune removed (or, dry, would remove), and what it left because a
/// build was using it.
#[derive(Debug, Default, Clone)]
pub struct Pruned {
    pub files: usize,
    pub bytes: u64,
    pub busy: usize,
    /// The entries removed (or that would be), most recently used first.
    pub entries: Vec<Entry>,
}

const ENTRIES: &str = "sha256";
const NAMES: &str = "names";
const PARTIAL: &str = "partial";
const LOCKS: &str = "locks";
/// The most read of an entry's names file (one file name a line).
const MAX_NAMES_BYTES: u64 = 64 * 1024;
/// The most read of a saved ETag or Last-Modified.
const MAX_VALIDATOR_BYTES: u64 = 1023;

impl Cache {
    /// Opens (creating it when needed) the cache at `dir`, or by default
    /// `airlock` in the user's cache folder (`~/.cache/airlock` on Linux).
    pub fn open(dir: Option<&Path>) -> Result<Cache, Error> {
        let dir = match dir {
            Some(dir) => dir.to_path_buf(),
            None => dirs::cache_dir()
                .ok_or(Error::NoCacheFolder)?
                .join("airlock"),
        };
        let mut read_only = false;
        for sub in [ENTRIES, NAMES, PARTIAL, LOCKS] {
            let path = dir.join(sub);
            match crate::nofollow::create_dir_below(&dir, &path) {
                Ok(()) => {}
                Err(e) if is_read_only(&e) => read_only = true,
                Err(e) => return Err(Error::local(&path, "create the cache folder", e)),
            }
        }
        Ok(Cache { dir, read_only })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Takes `sha256`'s entry for this process, waiting while another holds it.
    pub(crate) fn lock(&self, sha256: &[u8; 32]) -> Result<EntryLock<'_>, Error> {
        let (path, file) = self.lock_file(sha256)?;
        if let Some(file) = file.opened() {
            file.lock().map_err(|e| Error::local(&path, "lock", e))?;
        }
        Ok(self.held(sha256, file))
    }

    /// Like [`Cache::lock`], but `None` at once when another holds the entry.
    fn try_lock(&self, sha256: &[u8; 32]) -> Result<Option<EntryLock<'_>>, Error> {
        let (path, file) = self.lock_file(sha256)?;
        let Some(opened) = file.opened() else {
            return Ok(Some(self.held(sha256, file)));
        };
        match opened.try_lock() {
            Ok(()) => Ok(Some(self.held(sha256, file))),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(e)) => Err(Error::local(&path, "lock", e)),
        }
    }

    /// The entry's lock file, created when needed. In a cache this user may
    /// read but not write, an existing lock file is opened for reading (an OS
    /// lock needs no more), and without one the entry is used unlocked: such a
    /// user can only read it, and a hit is all it can serve.
    fn lock_file(&self, sha256: &[u8; 32]) -> Result<(PathBuf, LockFile), Error> {
        let path = self.dir.join(LOCKS).join(hex::encode(sha256));
        let mut options = File::options();
        options.write(true).create(true).truncate(true);
        let file = match crate::nofollow::open(&mut options, &path) {
            Ok(file) => LockFile::Writable(file),
            Err(e) if is_read_only(&e) || (self.read_only && e.kind() == ErrorKind::NotFound) => {
                LockFile::ReadOnly(crate::nofollow::open(File::options().read(true), &path).ok())
            }
            Err(e) => return Err(Error::local(&path, "open", e)),
        };
        Ok((path, file))
    }

    fn held(&self, sha256: &[u8; 32], file: LockFile) -> EntryLock<'_> {
        let hex = hex::encode(sha256);
        EntryLock {
            cache: self,
            part: self.dir.join(PARTIAL).join(format!("{hex}.part")),
            hex,
            file,
        }
    }

    /// Removes the cached file with this sha256, if any (its bytes were found wrong).
    pub fn evict(&self, sha256: &[u8; 32]) -> Result<(), Error> {
        self.lock(sha256)?.evict()
    }

    /// Every cached file, most recently used first.
    pub fn list(&self) -> Result<Vec<Entry>, Error> {
        let folder = self.dir.join(ENTRIES);
        let read = fs::read_dir(&folder).map_err(|e| Error::local(&folder, "read", e))?;
        let mut entries = Vec::new();
        for item in read {
            let item = item.map_err(|e| Error::local(&folder, "read", e))?;
            let name = item.file_name().to_string_lossy().into_owned();
            if !is_hex_digest(&name) {
                continue;
            }
            let Ok(meta) = item.metadata() else {
                continue; // removed meanwhile
            };
            entries.push(Entry {
                names: self.names(&name),
                sha256: name,
                size: meta.len(),
                last_used: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            });
        }
        entries.sort_by_key(|e| std::cmp::Reverse(e.last_used));
        Ok(entries)
    }

    /// Removes the files not used for `older_than` (every file when `None`)
    /// and unfinished downloads as old; an entry a build holds is left. With
    /// `dry_run`, removes and locks nothing: says what would be removed (an
    /// entry a build holds then is still left).
    pub fn prune(&self, older_than: Option<Duration>, dry_run: bool) -> Result<Pruned, Error> {
        let now = SystemTime::now();
        let old = |time: SystemTime| {
            older_than.is_none_or(|age| now.duration_since(time).unwrap_or_default() >= age)
        };
        let mut pruned = Pruned::default();
        for entry in self.list()? {
            if !old(entry.last_used) {
                continue;
            }
            let mut sha = [0; 32];
            if hex::decode_to_slice(&entry.sha256, &mut sha).is_err() {
                continue;
            }
            if !dry_run {
                match self.try_lock(&sha)? {
                    Some(lock) => lock.evict()?,
                    None => {
                        pruned.busy += 1;
                        continue;
                    }
                }
            }
            pruned.files += 1;
            pruned.bytes += entry.size;
            pruned.entries.push(entry);
        }
        if dry_run {
            return Ok(pruned);
        }
        let partial = self.dir.join(PARTIAL);
        let read = fs::read_dir(&partial).map_err(|e| Error::local(&partial, "read", e))?;
        for item in read.flatten() {
            let name = item.file_name().to_string_lossy().into_owned();
            let Some(hex) = name.strip_suffix(".part") else {
                continue;
            };
            let mut sha = [0; 32];
            let modified = item.metadata().and_then(|m| m.modified());
            if hex::decode_to_slice(hex, &mut sha).is_err() || !modified.is_ok_and(old) {
                continue;
            }
            if let Some(lock) = self.try_lock(&sha)? {
                lock.discard_part()?;
            }
        }
        Ok(pruned)
    }

    fn names(&self, hex: &str) -> Vec<String> {
        read_text(&self.dir.join(NAMES).join(hex), MAX_NAMES_BYTES)
            .map(|text| text.lines().map(str::to_string).collect())
            .unwrap_or_default()
    }
}

fn is_hex_digest(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

/// One cache entry, held by this process until dropped (the OS lock goes with the file).
pub(crate) struct EntryLock<'c> {
    cache: &'c Cache,
    hex: String,
    part: PathBuf,
    file: LockFile,
}

/// An entry's lock file, as this user could open it (see `Cache::lock_file`).
enum LockFile {
    Writable(File),
    /// The cache is read-only to this user: its lock file when there is one.
    ReadOnly(Option<File>),
}

impl LockFile {
    fn opened(&self) -> Option<&File> {
        match self {
            LockFile::Writable(file) => Some(file),
            LockFile::ReadOnly(file) => file.as_ref(),
        }
    }
}

impl EntryLock<'_> {
    fn entry(&self) -> PathBuf {
        self.cache.dir.join(ENTRIES).join(&self.hex)
    }

    fn validator_path(&self) -> PathBuf {
        self.part.with_extension("validator")
    }

    /// The `.part` file a download writes.
    pub(crate) fn part(&self) -> &Path {
        &self.part
    }

    /// The ETag or Last-Modified saved with the `.part`, for `If-Range`.
    pub(crate) fn validator(&self) -> Option<String> {
        read_text(&self.validator_path(), MAX_VALIDATOR_BYTES).filter(|v| !v.is_empty())
    }

    /// Saves (or forgets) what a later resume checks the server's file against.
    pub(crate) fn save_validator(&self, value: Option<&str>) {
        // Only an optimisation: without it a resume sends `Range` alone, and the hash still decides.
        let path = self.validator_path();
        let _ = match value {
            Some(v) => crate::nofollow::write(&path, v.as_bytes()).is_ok(),
            None => remove_if_there(&path).is_ok(),
        };
    }

    /// Removes the unfinished download.
    pub(crate) fn discard_part(&self) -> Result<(), Error> {
        remove_if_there(&self.part)?;
        remove_if_there(&self.validator_path())
    }

    /// The cached file when it is there with the wanted size (a file of
    /// another size is removed); marks it used and records the name.
    pub(crate) fn hit(&self, wanted: &Wanted) -> Result<Option<PathBuf>, Error> {
        let entry = self.entry();
        let meta = match fs::symlink_metadata(&entry) {
            Ok(meta) => meta,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::local(&entry, "read", e)),
        };
        if !meta.is_file() || meta.len() != wanted.size {
            self.evict()?;
            return Ok(None);
        }
        // "Last used" and the names are for pruning and listing only: a cache
        // this user may read but not write keeps serving its files.
        if let Ok(file) = File::options().write(true).open(&entry) {
            let _ = file.set_times(FileTimes::new().set_modified(SystemTime::now()));
        }
        if let LockFile::Writable(_) = self.file {
            self.record_name(&wanted.name)?;
        }
        Ok(Some(entry))
    }

    /// Moves the verified `.part` into place (one atomic rename).
    pub(crate) fn commit(&self, wanted: &Wanted) -> Result<PathBuf, Error> {
        let entry = self.entry();
        fs::rename(&self.part, &entry).map_err(|e| Error::local(&entry, "write", e))?;
        remove_if_there(&self.validator_path())?;
        self.record_name(&wanted.name)?;
        Ok(entry)
    }

    /// Removes the entry and its names. An entry that is a folder (nothing
    /// this cache makes) is removed with what it holds, so it is fetched again.
    pub(crate) fn evict(&self) -> Result<(), Error> {
        let entry = self.entry();
        if fs::symlink_metadata(&entry).is_ok_and(|m| m.is_dir()) {
            fs::remove_dir_all(&entry).map_err(|e| Error::local(&entry, "remove", e))?;
        }
        remove_if_there(&entry)?;
        remove_if_there(&self.cache.dir.join(NAMES).join(&self.hex))
    }

    /// Adds `name` to the entry's names (a temporary file renamed over the list).
    fn record_name(&self, name: &str) -> Result<(), Error> {
        let mut names: BTreeSet<String> = self.cache.names(&self.hex).into_iter().collect();
        let one_line: String = name.chars().filter(|c| !c.is_control()).collect();
        if !names.insert(one_line) {
            return Ok(());
        }
        let path = self.cache.dir.join(NAMES).join(&self.hex);
        let temp = path.with_extension("tmp");
        let text: String = names.iter().map(|n| format!("{n}\n")).collect();
        crate::nofollow::write(&temp, text.as_bytes())
            .map_err(|e| Error::local(&temp, "write", e))?;
        fs::rename(&temp, &path).map_err(|e| Error::local(&path, "write", e))
    }
}

/// A refusal to write: the folder is read-only to this user, or mounted so.
fn is_read_only(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem
    )
}

/// A small text file of the cache, read only when it is a regular file (not
/// through a symbolic link) of at most `limit` bytes.
fn read_text(path: &Path, limit: u64) -> Option<String> {
    let file = crate::nofollow::open(File::options().read(true), path).ok()?;
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::Read::take(file, limit + 1), &mut text).ok()?;
    (text.len() as u64 <= limit).then_some(text)
}

/// Removes a file that may not exist.
fn remove_if_there(path: &Path) -> Result<(), Error> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != ErrorKind::NotFound => Err(Error::local(path, "remove", e)),
        _ => Ok(()),
    }
}
