//! Airlock's own folders (the state root, the download cache) hold no
//! symbolic links: a link planted there (`ROOT/lock -> /etc/passwd`,
//! `ROOT/licenses -> /elsewhere`, `cache/partial/X.part -> ~/.bashrc`) would
//! send a write, or a read, outside the folder it belongs to. Their files are
//! opened without following a link, their folders checked and made level by
//! level, and a link found there is an error that names it.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// The error for the symbolic link at `path`.
fn link_error(path: &Path) -> io::Error {
    io::Error::other(format!(
        "{} is a symbolic link, and airlock follows none in its own folders: remove it \
         (a real folder or file may take its place)",
        path.display()
    ))
}

fn is_link(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// Opens `path` with `options`, refusing a symbolic link in its place. The
/// refusal is part of the open itself (`O_NOFOLLOW`; on Windows the reparse
/// point is opened, not its target, and refused), so a link made between a
/// check and the open is refused too. Anything but a regular file is refused
/// as well, and a FIFO put there does not hold the open (`O_NONBLOCK`, which
/// changes nothing for a regular file).
pub fn open(options: &mut OpenOptions, path: &Path) -> io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::OpenOptionsExt;
        options.custom_flags(windows_sys::Win32::Storage::FileSystem::FILE_FLAG_OPEN_REPARSE_POINT);
    }
    let file = options
        .open(path)
        .map_err(|e| if is_link(path) { link_error(path) } else { e })?;
    let meta = file.metadata()?;
    if meta.file_type().is_symlink() {
        return Err(link_error(path));
    }
    bundle_format::regular::require_regular(&meta, "it")?;
    Ok(file)
}

/// Writes `bytes` as the whole of `path`, which must not be a symbolic link.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    open(&mut options, path)?.write_all(bytes)
}

/// Checks that nothing from `base` (not included: the folder the user
/// chose may be a link) down to `path` is a symbolic link; parts that do
/// not exist yet pass.
pub fn check_below(base: &Path, path: &Path) -> io::Result<()> {
    let rest = path.strip_prefix(base).map_err(|_| {
        io::Error::other(format!(
            "{} is not inside {}",
            path.display(),
            base.display()
        ))
    })?;
    let mut at = base.to_path_buf();
    for part in rest.components() {
        at.push(part);
        if is_link(&at) {
            return Err(link_error(&at));
        }
    }
    Ok(())
}

/// Creates the folder `dir` below `base` and every missing one between,
/// refusing a symbolic link on the way (checked again once made, so a link
/// put in place meanwhile is found).
pub fn create_dir_below(base: &Path, dir: &Path) -> io::Result<()> {
    check_below(base, dir)?;
    std::fs::create_dir_all(dir)?;
    check_below(base, dir)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn links_are_refused_and_named() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let base = dir.path();
        std::os::unix::fs::symlink(outside.path().join("f"), base.join("lock")).unwrap();
        std::os::unix::fs::symlink(outside.path(), base.join("licenses")).unwrap();
        let err = write(&base.join("lock"), b"x").unwrap_err().to_string();
        assert!(err.contains("lock is a symbolic link"), "{err}");
        assert!(!outside.path().join("f").exists());
        let err = create_dir_below(base, &base.join("licenses/sub"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("licenses is a symbolic link"), "{err}");
        assert!(!outside.path().join("sub").exists());
        create_dir_below(base, &base.join("logs/a")).unwrap();
        write(&base.join("logs/a/x"), b"x").unwrap();
        assert!(check_below(base, &base.join("logs/a/x")).is_ok());
    }
}
