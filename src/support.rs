//! The support package: one zip a person can send to the vendor's support,
//! `Support_<YYYYMMDD>_<HHMMSS>.zip` (UTC), holding airlock's and the
//! installers' logs, every listing received, the record, the exported history
//! and the settings. None of them holds a property value (the record never
//! does; installer logs are scrubbed as they are written).

use crate::state::{Root, now};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;

/// The most read of one file of the root (a log, a listing, the record): a
/// larger one, or one that is not a regular file, is named in `skipped.txt`.
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Writes the support package into `out_dir`; returns its path. A name
/// already taken (two packages in one second) gets `_2`, `_3`, ... before
/// `.zip`; an existing file is never replaced.
pub fn write(root: &Root, out_dir: &Path, settings: &str) -> io::Result<PathBuf> {
    let stamp = crate::text::file_stamp(
        time::OffsetDateTime::from_unix_timestamp(now() as i64).map_err(io::Error::other)?,
    );
    let dest = out_dir.join(format!("Support_{stamp}.zip"));
    let mut temp = bundle_format::atomic::temp_beside(&dest, 0o644)?;
    {
        let mut zip = zip::ZipWriter::new(temp.as_file_mut());
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default());
        let mut add = |name: &str, bytes: &[u8]| -> io::Result<()> {
            zip.start_file(name, options).map_err(io::Error::other)?;
            zip.write_all(bytes)
        };
        add("settings.txt", settings.as_bytes())?;
        let mut skipped = String::new();
        match root.record() {
            Ok(record) => add("history.xml", &record.history(now()).to_xml())?,
            Err(e) => add("history-error.txt", e.to_string().as_bytes())?,
        }
        for (folder, prefix) in [
            (root.dir().to_path_buf(), ""),
            (root.logs_dir(), "logs/"),
            (root.listings_dir(), "listings/"),
        ] {
            for path in files_under(&folder, prefix.is_empty())? {
                let link = path.is_symlink();
                let name = path
                    .strip_prefix(&folder)
                    .unwrap_or(&path)
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                if link {
                    // What a link points to is not the root's to send.
                    skipped.push_str(&format!(
                        "{prefix}{name}: is a symbolic link, which the support package does not follow\n"
                    ));
                    continue;
                }
                match bundle_format::regular::read_bounded(
                    &path,
                    MAX_FILE_BYTES,
                    "a file of the support package",
                ) {
                    Ok(bytes) => add(&format!("{prefix}{name}"), &bytes)?,
                    // Not a regular file, or too large: named in the package, not read.
                    Err(e)
                        if matches!(
                            e.kind(),
                            io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData
                        ) =>
                    {
                        skipped.push_str(&format!("{prefix}{name}: {e}\n"));
                    }
                    Err(e) => {
                        return Err(io::Error::new(e.kind(), format!("{}: {e}", path.display())));
                    }
                }
            }
        }
        if !skipped.is_empty() {
            add("skipped.txt", skipped.as_bytes())?;
        }
        zip.finish().map_err(io::Error::other)?;
    }
    temp.as_file().sync_all()?;
    let mut taken = 1;
    loop {
        let path = match taken {
            1 => dest.clone(),
            n => out_dir.join(format!("Support_{stamp}_{n}.zip")),
        };
        match temp.persist_noclobber(&path) {
            Ok(_) => {
                bundle_format::atomic::sync_parent(&path)?;
                return Ok(path);
            }
            Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists && taken < 1000 => {
                temp = e.file;
                taken += 1;
            }
            Err(e) => return Err(e.error),
        }
    }
}

/// The record files at the top of the root (`top_only`), or every file under
/// `dir` that is not a folder (links, FIFOs and devices included, for the
/// package to name), found without following a symbolic link: a link in the
/// root may point anywhere. The root itself may be a link; `logs/` and
/// `listings/` may not.
fn files_under(dir: &Path, top_only: bool) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let walk = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .follow_root_links(top_only)
        .min_depth(1)
        .max_depth(if top_only { 1 } else { usize::MAX })
        .sort_by_file_name();
    for entry in walk {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e)
                if e.io_error()
                    .is_some_and(|e| e.kind() == io::ErrorKind::NotFound) =>
            {
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        if !entry.file_type().is_dir()
            && (!top_only
                || entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with("record.json"))
        {
            out.push(entry.into_path());
        }
    }
    Ok(out)
}
