//! Verifying and extracting: the payload pass with a sink that writes each
//! file into a staging folder next to the destination, and moves them into
//! the destination only once every check has passed. On any failure the
//! staging folder is removed: nothing is left behind.

use crate::COPY_BUF;
use crate::atomic::sync_parent;
use crate::error::Error;
use crate::keys::PublicKey;
use crate::manifest::{FileEntry, Manifest};
use crate::payload::{self, Discard, Sink};
use crate::read::SignedBundle;
use crate::staging::{ASIDE, Destination, DestinationLock, Staging, sweep_stale};
use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};

impl<R: Read + Seek + Send> SignedBundle<R> {
    /// Reads the whole payload once and checks every file against the
    /// manifest, keeping nothing. Returns the (now fully verified) manifest.
    pub fn verify_payload(mut self, progress: &mut dyn FnMut(u64)) -> Result<Manifest, Error> {
        payload::pass(&mut self, &mut Discard, progress)?;
        Ok(self.into_manifest())
    }

    /// Reads the files named `names` into memory, in that order, checking
    /// each (and every file before it in the payload) as the full pass does,
    /// and stops after the last of them: for the few small files a reader
    /// must see before it extracts anything, such as a listing and its
    /// signature. A name that is not a file of the manifest, or a file of
    /// more than `limit` bytes, is refused before the payload is read. The
    /// payload can be read again after (to verify or extract it all).
    pub fn read_files(&mut self, names: &[&str], limit: u64) -> Result<Vec<Vec<u8>>, Error> {
        for name in names {
            let problem = match self.manifest().files.iter().find(|f| f.name == *name) {
                None => "is not a file of the bundle".to_string(),
                Some(f) if f.size > limit => {
                    format!("holds {} bytes, more than the {limit} read here", f.size)
                }
                Some(_) => continue,
            };
            return Err(self.fail(crate::Failure::File {
                name: name.to_string(),
                problem,
            }));
        }
        let mut keep = Keep {
            names,
            kept: vec![None; names.len()],
            current: None,
        };
        if !names.is_empty() {
            payload::pass(self, &mut keep, &mut |_| {})?;
        }
        Ok(keep
            .kept
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect())
    }

    /// Checks the payload as [`SignedBundle::verify_payload`] does while
    /// writing the files into `staging`; returns them staged, to be moved
    /// into place by [`Staged::commit`]. On failure the staging folder is removed.
    pub fn stage(
        mut self,
        dest: &Destination,
        staging: Staging,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Staged, Error> {
        let mut sink = Writer {
            staging: &staging,
            current: None,
        };
        payload::pass(&mut self, &mut sink, progress)?;
        Ok(Staged {
            staging,
            dest: dest.dest.clone(),
            manifest: self.into_manifest(),
        })
    }

    /// Extracts into `dest` (created if missing; files of the same names are
    /// replaced; a folder of the same name is refused): waits for the
    /// destination's lock, removes staging folders that dead runs left, then
    /// stages and commits. On failure nothing is left behind and `dest` is as it was.
    pub fn extract(self, dest: &Path, progress: &mut dyn FnMut(u64)) -> Result<Manifest, Error> {
        let dest = Destination::resolve(dest)?;
        let _lock = DestinationLock::acquire(&dest, &mut |_| {})?;
        sweep_stale(&dest)?;
        let staging = Staging::create(&dest)?;
        self.stage(&dest, staging, progress)?.commit()
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

/// Keeps the bytes of the files [`SignedBundle::read_files`] wants.
struct Keep<'a> {
    names: &'a [&'a str],
    kept: Vec<Option<Vec<u8>>>,
    /// The bytes so far of the wanted file being read.
    current: Option<Vec<u8>>,
}

impl Sink for Keep<'_> {
    fn begin(&mut self, entry: &FileEntry) -> Result<(), Error> {
        self.current = self
            .names
            .contains(&entry.name.as_str())
            .then(|| Vec::with_capacity(entry.size as usize));
        Ok(())
    }
    fn data(&mut self, bytes: &[u8]) -> Result<(), Error> {
        if let Some(kept) = &mut self.current {
            kept.extend_from_slice(bytes);
        }
        Ok(())
    }
    fn end(&mut self, entry: &FileEntry) -> Result<(), Error> {
        if let Some(bytes) = self.current.take() {
            for (name, kept) in self.names.iter().zip(&mut self.kept) {
                if *name == entry.name {
                    *kept = Some(bytes.clone());
                }
            }
        }
        Ok(())
    }
    fn complete(&self) -> bool {
        self.kept.iter().all(Option::is_some)
    }
}

/// Every file of a bundle checked and written into a staging folder, not yet in place.
#[derive(Debug)]
pub struct Staged {
    staging: Staging,
    dest: PathBuf,
    manifest: Manifest,
}

impl Staged {
    /// Moves the staged files into the destination, all or nothing. Do not stop the process while it runs: files it replaces sit in
    /// the staging folder until it returns.
    pub fn commit(mut self) -> Result<Manifest, Error> {
        commit(&mut self.staging, &self.dest, &self.manifest.files)?;
        Ok(self.manifest)
    }
}

/// Moves the staged files into `dest`, all or nothing: a file already there
/// is first moved aside into the staging folder; if any move fails, the files
/// moved in are taken back out and the ones moved aside are put back, so
/// `dest` is as it was.
fn commit(staging: &mut Staging, dest: &Path, files: &[FileEntry]) -> Result<(), Error> {
    fs::create_dir_all(dest).map_err(|e| Error::io(dest, e))?;
    let dir = staging.dir.clone();
    let aside = dir.join(ASIDE);
    let mut moved = Vec::with_capacity(files.len());
    for f in files {
        match move_in(&dir, dest, &aside, &f.name) {
            Ok(replaced) => moved.push((f.name.as_str(), replaced)),
            Err(e) => {
                if restore(dest, &aside, &moved) {
                    return Err(e);
                }
                // Keep what was moved aside, and say where: it is the only copy.
                staging.release();
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
    Ok(())
}

/// Moves one staged file from `dir` into `dest`; returns whether it replaced one (now aside).
fn move_in(dir: &Path, dest: &Path, aside: &Path, name: &str) -> Result<bool, Error> {
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
    if let Err(e) = fs::rename(dir.join(name), &to) {
        if replaced {
            let _ = fs::rename(aside.join(name), &to);
        }
        return Err(Error::io(&to, e));
    }
    Ok(replaced)
}

/// Undoes the moves of `commit`, newest first; false if anything moved aside could not go back.
fn restore(dest: &Path, aside: &Path, moved: &[(&str, bool)]) -> bool {
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

/// Writes each file of the pass into the staging folder.
struct Writer<'a> {
    staging: &'a Staging,
    current: Option<(PathBuf, BufWriter<File>)>,
}

impl Sink for Writer<'_> {
    fn begin(&mut self, entry: &FileEntry) -> Result<(), Error> {
        // Names were checked (plain, unique ignoring case), so this stays inside the folder.
        let path = self.staging.dir.join(&entry.name);
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
