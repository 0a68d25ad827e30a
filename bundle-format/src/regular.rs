//! Opening the files this crate reads (bundles, parts, indexes, keys) only when
//! they are regular files: a FIFO would block forever, a device such as
//! `/dev/zero` would never end, and a folder cannot be read. Small files are
//! read with a bound, so a wrong file given as a key cannot fill the memory.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::Path;

/// Opens `path` for reading, refusing anything but a regular file (checked
/// before opening, as opening a FIFO blocks, and again on what was opened).
pub fn open(path: &Path) -> io::Result<File> {
    refuse_special(&fs::metadata(path)?)?;
    let file = File::open(path)?;
    refuse_special(&file.metadata()?)?;
    Ok(file)
}

/// Reads all of the regular file `path`, refusing one longer than `limit` bytes
/// (`what` names what the file should be, for the message).
pub fn read_bounded(path: &Path, limit: u64, what: &str) -> io::Result<Vec<u8>> {
    let file = open(path)?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "is larger than {}, too large for {what}; is it the right file?",
                size_in_words(limit)
            ),
        ));
    }
    Ok(bytes)
}

/// `limit` in the largest binary unit that divides it: `4 KiB`, `1 MiB`, `1000 bytes`.
fn size_in_words(limit: u64) -> String {
    match limit {
        0 => "0 bytes".into(),
        l if l % (1 << 20) == 0 => format!("{} MiB", l >> 20),
        l if l % (1 << 10) == 0 => format!("{} KiB", l >> 10),
        l => format!("{l} bytes"),
    }
}

fn refuse_special(meta: &fs::Metadata) -> io::Result<()> {
    if meta.is_file() {
        return Ok(());
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("is {}, not a regular file; give a file", kind(meta)),
    ))
}

/// What a file that is not a regular file is, in words.
fn kind(meta: &fs::Metadata) -> &'static str {
    if meta.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "a special file"
}
