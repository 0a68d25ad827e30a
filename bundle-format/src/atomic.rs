//! Files that appear whole or not at all: work happens in a temporary file or
//! folder beside the destination, which is synced, renamed into place, and its
//! folder synced. The writer, the extractor and split/join all go through here.

use crate::Error;
use std::ffi::{OsStr, OsString};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
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
    let folder = folder_of(dest);
    builder
        .tempfile_in(folder)
        .map_err(|e| without_temp_name(e, folder))
}

/// The error of making a temporary file in `folder`, naming the folder
/// instead of the temporary file (a name the reader never chose or sees).
fn without_temp_name(e: io::Error, folder: &Path) -> io::Error {
    // tempfile's message is the OS error then ` at path "<temporary path>"`
    // (its wrapper type is private): keep the OS error. A unit test below
    // notices if that ever changes.
    let text = e.to_string();
    let cause = text
        .split_once(" at path \"")
        .map_or(text.as_str(), |(os, _)| os);
    io::Error::new(
        e.kind(),
        format!(
            "cannot create a file in the folder {}: {cause}",
            folder.display()
        ),
    )
}

/// Syncs `temp`, renames it to `dest` (refusing to replace an existing file
/// unless `replace`), and syncs the folder so the rename survives a crash.
pub fn persist(temp: NamedTempFile, dest: &Path, replace: bool) -> io::Result<()> {
    temp.as_file().sync_all()?;
    if replace {
        let path = temp.into_temp_path();
        rename_over(&path, dest)?;
        // Renamed: nothing is left at the temporary name to remove.
        let _ = path.keep();
    } else {
        temp.persist_noclobber(dest).map_err(|e| e.error)?;
    }
    sync_parent(dest)
}

/// How long a rename waits for another program to close the file it replaces.
const HELD_PATIENCE: Duration = Duration::from_secs(5);
const HELD_STEP: Duration = Duration::from_millis(100);

/// Renames `from` to `to`, replacing it. Windows refuses to replace a file
/// another program holds open (an editor, a backup or virus scanner): the
/// rename is tried again for a few seconds, then fails with a message that
/// names the file and what to do.
pub fn rename_over(from: &Path, to: &Path) -> io::Result<()> {
    let started = Instant::now();
    loop {
        match std::fs::rename(from, to) {
            Err(e) if held_open(&e) && started.elapsed() < HELD_PATIENCE => {
                std::thread::sleep(HELD_STEP)
            }
            Err(e) if held_open(&e) => {
                return Err(io::Error::new(
                    e.kind(),
                    format!(
                        "{} cannot be replaced: another program keeps it open, or it is \
                         read-only (waited {} s; {e}); close that program, then run this again",
                        to.display(),
                        HELD_PATIENCE.as_secs()
                    ),
                ));
            }
            other => return other,
        }
    }
}

/// Windows' answer when the file to replace is open elsewhere without
/// delete sharing: access denied (5) or a sharing violation (32).
fn held_open(e: &io::Error) -> bool {
    cfg!(windows) && matches!(e.raw_os_error(), Some(5 | 32))
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
    std::fs::File::open(folder_of(path))?.sync_all()?;
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

#[cfg(test)]
mod tests {
    #[test]
    fn a_temporary_file_that_cannot_be_made_is_reported_by_its_folder() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("missing");
        let e = super::temp_beside(&folder.join("history.xml"), 0o644).unwrap_err();
        let text = e.to_string();
        assert_eq!(e.kind(), std::io::ErrorKind::NotFound);
        assert!(
            text.starts_with(&format!(
                "cannot create a file in the folder {}: ",
                folder.display()
            )),
            "{text}"
        );
        assert!(
            text.ends_with(": No such file or directory (os error 2)") || cfg!(windows),
            "{text}"
        );
        assert!(!text.contains(".history.xml"), "{text}");
    }
}
