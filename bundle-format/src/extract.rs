//! Verifying and extracting: the payload pass with a sink that writes each
//! file into a staging folder next to the destination, and moves them into
//! the destination only once every check has passed. On any failure the
//! staging folder is removed: nothing is left behind.

use crate::atomic::{hidden_sibling, sync_parent};
use crate::error::Error;
use crate::keys::PublicKey;
use crate::manifest::{FileEntry, Manifest};
use crate::payload::{self, Discard, Sink};
use crate::read::SignedBundle;
use crate::write::COPY_BUF;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

impl SignedBundle {
    /// Reads the whole payload once and checks every file against the
    /// manifest, keeping nothing. Returns the (now fully verified) manifest.
    pub fn verify_payload(self, progress: &mut dyn FnMut(u64)) -> Result<Manifest, Error> {
        payload::pass(&self, &mut Discard, progress)?;
        Ok(self.into_manifest())
    }

    /// Checks the payload as [`SignedBundle::verify_payload`] does while
    /// writing the files into a staging folder beside `dest`; once all are
    /// checked, moves them into `dest` (created if missing; files of the
    /// same names are replaced; a folder of the same name is refused). On
    /// failure nothing is left behind and `dest` is as it was.
    pub fn extract(self, dest: &Path, progress: &mut dyn FnMut(u64)) -> Result<Manifest, Error> {
        // A destination that is a symbolic link is followed: staging goes beside
        // its target, on the file system the files are renamed into.
        let dest = &fs::canonicalize(dest).unwrap_or_else(|_| dest.to_path_buf());
        let mut stage = Staging::create(dest)?;
        payload::pass(&self, &mut stage, progress)?;
        stage.commit(dest, &self.manifest().files)?;
        Ok(self.into_manifest())
    }
}

/// Opens `path`, checks its signature against `trusted`, its runner and its
/// whole payload; extracts nothing.
pub fn verify(path: &Path, trusted: &[PublicKey]) -> Result<Manifest, Error> {
    SignedBundle::open(path, trusted)?.verify_payload(&mut |_| {})
}

/// Verifies `path` against `trusted` and extracts its files into `dest`.
pub fn extract(path: &Path, trusted: &[PublicKey], dest: &Path) -> Result<Manifest, Error> {
    SignedBundle::open(path, trusted)?.extract(dest, &mut |_| {})
}

/// The staging folder; removed with its content unless committed.
struct Staging {
    dir: PathBuf,
    current: Option<(PathBuf, BufWriter<File>)>,
}

impl Staging {
    /// Creates the staging folder in the nearest existing folder above `dest`
    /// (same file system, and no folder is created before the checks pass).
    fn create(dest: &Path) -> Result<Staging, Error> {
        let mut parent = dest.parent();
        while let Some(p) = parent {
            if p.as_os_str().is_empty() || p.is_dir() {
                break;
            }
            parent = p.parent();
        }
        let parent = match parent {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = dest.file_name().unwrap_or(dest.as_os_str());
        let dir = hidden_sibling(&parent, name, "partial")?;
        fs::create_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        Ok(Staging { dir, current: None })
    }

    /// Moves the staged files into `dest`, all or nothing: a file already
    /// there is first moved aside into the staging folder; if any move fails,
    /// the files moved in are taken back out and the ones moved aside are put
    /// back, so `dest` is as it was.
    fn commit(mut self, dest: &Path, files: &[FileEntry]) -> Result<(), Error> {
        fs::create_dir_all(dest).map_err(|e| Error::io(dest, e))?;
        // Not a valid file name (it holds ".."), so no staged file can have it.
        let aside = self.dir.join(ASIDE);
        let mut moved = Vec::with_capacity(files.len());
        for f in files {
            match self.move_in(dest, &aside, &f.name) {
                Ok(replaced) => moved.push((f.name.as_str(), replaced)),
                Err(e) => {
                    if self.restore(dest, &aside, &moved) {
                        return Err(e);
                    }
                    // Keep what was moved aside, and say where: it is the only copy.
                    self.dir = PathBuf::new();
                    return Err(Error::io(
                        &aside,
                        io::Error::other(format!(
                            "{e}; some files it replaced could not be put back into {}: \
                             they are kept in this folder",
                            dest.display()
                        )),
                    ));
                }
            }
        }
        if let Some(first) = files.first() {
            // Best effort: every file is already in place.
            let _ = sync_parent(&dest.join(&first.name));
        }
        let _ = fs::remove_dir_all(&self.dir);
        self.dir = PathBuf::new();
        Ok(())
    }

    /// Moves one staged file into `dest`; returns whether it replaced one (now aside).
    fn move_in(&self, dest: &Path, aside: &Path, name: &str) -> Result<bool, Error> {
        let to = dest.join(name);
        let replaced = match fs::symlink_metadata(&to) {
            Ok(m) if m.is_dir() => {
                return Err(Error::io(
                    &to,
                    io::Error::new(
                        io::ErrorKind::AlreadyExists,
                        "is a folder; move it away, then extract again",
                    ),
                ));
            }
            Ok(_) => {
                if !aside.exists() {
                    fs::create_dir(aside).map_err(|e| Error::io(aside, e))?;
                }
                fs::rename(&to, aside.join(name)).map_err(|e| Error::io(&to, e))?;
                true
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => false,
            Err(e) => return Err(Error::io(&to, e)),
        };
        if let Err(e) = fs::rename(self.dir.join(name), &to) {
            if replaced {
                let _ = fs::rename(aside.join(name), &to);
            }
            return Err(Error::io(&to, e));
        }
        Ok(replaced)
    }

    /// Undoes the moves of `commit`, newest first; false if anything moved aside could not go back.
    fn restore(&self, dest: &Path, aside: &Path, moved: &[(&str, bool)]) -> bool {
        let mut complete = true;
        for (name, replaced) in moved.iter().rev() {
            let to = dest.join(name);
            if *replaced {
                complete &= fs::rename(aside.join(name), &to).is_ok();
            } else {
                let _ = fs::remove_file(&to);
            }
        }
        complete
    }
}

/// The folder inside the staging folder that holds the files being replaced.
const ASIDE: &str = "..replaced";

impl Sink for Staging {
    fn begin(&mut self, entry: &FileEntry) -> Result<(), Error> {
        // Names were checked (plain, unique ignoring case), so this stays inside the folder.
        let path = self.dir.join(&entry.name);
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        self.current = Some((path, BufWriter::with_capacity(COPY_BUF, file)));
        Ok(())
    }

    fn data(&mut self, bytes: &[u8]) -> Result<(), Error> {
        if let Some((path, w)) = &mut self.current {
            w.write_all(bytes).map_err(|e| Error::io(&*path, e))?;
        }
        Ok(())
    }

    fn end(&mut self, _: &FileEntry) -> Result<(), Error> {
        if let Some((path, w)) = self.current.take() {
            let file = w
                .into_inner()
                .map_err(|e| Error::io(&path, e.into_error()))?;
            file.sync_all().map_err(|e| Error::io(&path, e))?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        self.current.take();
        if !self.dir.as_os_str().is_empty() {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}
