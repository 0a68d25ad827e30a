//! Writes that a crash cannot tear: the new bytes go to a temporary file beside
//! the destination, which is synced, renamed into place, and its folder synced;
//! the version it replaces is kept as `NAME.bak` (a hard link made before the
//! rename, itself renamed into place), so a damaged file always has its
//! predecessor beside it.

use bundle_format::atomic::{persist, rename_over, sync_parent, temp_beside};
use std::ffi::OsString;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Set to N, the process stops for a minute inside its N-th write (temp file
/// written and synced, not yet renamed), after creating `ROOT/.paused-in-write`:
/// how the crash tests kill it during a record write. Nothing else reads it.
pub const PAUSE_ENV: &str = "AIRLOCK_PAUSE_IN_WRITE";

static WRITES: AtomicU64 = AtomicU64::new(0);

/// `path` with `.bak` appended to its name.
pub fn backup_of(path: &Path) -> PathBuf {
    let mut name = OsString::from(path.file_name().unwrap_or_default());
    name.push(".bak");
    path.with_file_name(name)
}

/// Replaces `path` with `bytes` atomically; with `keep_backup`, what it held
/// before stays as `NAME.bak`.
pub fn write(path: &Path, bytes: &[u8], keep_backup: bool) -> io::Result<()> {
    let mut temp = temp_beside(path, 0o644)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    pause_if_asked(path);
    if keep_backup && path.exists() {
        let bak = backup_of(path);
        let link = temp_beside(&bak, 0o644)?;
        let link_path = link.path().to_path_buf();
        drop(link);
        fs::remove_file(&link_path).or_else(ignore_missing)?;
        fs::hard_link(path, &link_path).or_else(|_| fs::copy(path, &link_path).map(|_| ()))?;
        rename_over(&link_path, &bak)?;
    }
    persist(temp, path, true)?;
    sync_parent(path)
}

fn ignore_missing(e: io::Error) -> io::Result<()> {
    match e.kind() {
        io::ErrorKind::NotFound => Ok(()),
        _ => Err(e),
    }
}

fn pause_if_asked(path: &Path) {
    let n = WRITES.fetch_add(1, Ordering::SeqCst) + 1;
    let wanted = std::env::var(PAUSE_ENV)
        .ok()
        .and_then(|v| v.parse::<u64>().ok());
    if wanted == Some(n) {
        let marker = bundle_format::atomic::folder_of(path).join(".paused-in-write");
        let _ = fs::write(marker, path.display().to_string());
        std::thread::sleep(std::time::Duration::from_secs(60));
    }
}

/// Removes temporary files (`.NAME.*.tmp`) a killed process left in `dir`.
pub fn sweep_temporaries(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.ends_with(".tmp") {
            let _ = fs::remove_file(entry.path());
        }
    }
}
