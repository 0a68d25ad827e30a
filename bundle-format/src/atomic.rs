//! Files that appear whole or not at all: work happens in a temporary file or
//! folder beside the destination, which is synced, renamed into place, and its
//! folder synced. The writer, the extractor and split/join all go through here.

use crate::Error;
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use tempfile::NamedTempFile;

/// The folder `path` lives in (`.` for a bare file name).
pub fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A new temporary file beside `dest`, `.NAME.RANDOM.tmp`, with Unix `mode`;
/// removed when dropped unless [`persist`]ed.
pub fn temp_beside(dest: &Path, mode: u32) -> io::Result<NamedTempFile> {
    let name = dest
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file path"))?;
    let mut prefix = OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(mode));
    #[cfg(not(unix))]
    let _ = mode;
    builder.tempfile_in(folder_of(dest))
}

/// Syncs `temp`, renames it to `dest` (refusing to replace an existing file
/// unless `replace`), and syncs the folder so the rename survives a crash.
pub fn persist(temp: NamedTempFile, dest: &Path, replace: bool) -> io::Result<()> {
    temp.as_file().sync_all()?;
    if replace {
        temp.persist(dest).map_err(|e| e.error)?;
    } else {
        temp.persist_noclobber(dest).map_err(|e| e.error)?;
    }
    sync_parent(dest)
}

/// Writes `bytes` to `dest` whole or not at all, replacing what is there, with
/// Unix `mode`: for small files kept beside the bundles (a store's records).
pub fn write_file(dest: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let mut temp = temp_beside(dest, mode)?;
    temp.write_all(bytes)?;
    persist(temp, dest, true)
}

/// Makes a rename durable by syncing the folder that holds `path` (not on Windows).
pub fn sync_parent(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(folder_of(path))?.sync_all()?;
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// A new name in `dir`: `.NAME.RANDOM.EXT`, for work in progress next to its final place.
pub(crate) fn hidden_sibling(dir: &Path, name: &OsStr, ext: &str) -> Result<PathBuf, Error> {
    let mut random = [0u8; 6];
    getrandom::fill(&mut random)
        .map_err(|e| Error::Options(format!("no randomness for a temporary name: {e}")))?;
    let mut hidden = OsString::from(".");
    hidden.push(name);
    hidden.push(format!(".{}.{ext}", hex::encode(random)));
    Ok(dir.join(hidden))
}
