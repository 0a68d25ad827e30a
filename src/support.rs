//! The support package: one zip a person can send to the vendor's support,
//! `Support_<YYYYMMDD>_<HHMMSS>.zip` (UTC), holding airlock's and the
//! installers' logs, every listing received, the record, the exported history
//! and the settings. None of them holds a property value (the record never
//! does; installer logs are scrubbed as they are written).

use crate::state::{Root, now};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;

/// Writes the support package into `out_dir`; returns its path. A name
/// already taken (two packages in one second) gets `_2`, `_3`, ... before
/// `.zip`; an existing file is never replaced.
pub fn write(root: &Root, out_dir: &Path, settings: &str) -> io::Result<PathBuf> {
    let stamp = time::OffsetDateTime::from_unix_timestamp(now() as i64)
        .map_err(io::Error::other)?
        .format(time::macros::format_description!(
            "[year][month][day]_[hour][minute][second]"
        ))
        .map_err(io::Error::other)?;
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
                let name = path
                    .strip_prefix(&folder)
                    .unwrap_or(&path)
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                let mut bytes = Vec::new();
                std::fs::File::open(&path)?.read_to_end(&mut bytes)?;
                add(&format!("{prefix}{name}"), &bytes)?;
            }
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

/// The record files at the top of the root (`top_only`), or every file under `dir`.
fn files_under(dir: &Path, top_only: bool) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            if !top_only {
                out.extend(files_under(&path, false)?);
            }
        } else if !top_only
            || path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("record.json"))
        {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}
