//! Opening the files a program reads only when they are regular files: a FIFO
//! would block forever, a device such as `/dev/zero` would never end, and a
//! folder cannot be read. Files read whole are read with a bound named for
//! their kind, so a wrong file (or a link to a device) cannot fill the memory.
//! Both refusals name what the file should be and, for size, the limit.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::Path;

/// Opens `path` for reading, refusing anything but a regular file. It is
/// checked before opening (opening a device can have effects of its own),
/// opened without waiting for a writer (`O_NONBLOCK`: a FIFO put in its place
/// meanwhile does not block the open), and checked again on what was opened.
pub fn open(path: &Path) -> io::Result<File> {
    open_as(path, "it")
}

/// [`open`], with `what` the file should be named in a refusal ("an answers file").
pub fn open_as(path: &Path, what: &str) -> io::Result<File> {
    require_regular(&fs::metadata(path)?, what)?;
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        // On a regular file O_NONBLOCK changes nothing; it only keeps a FIFO
        // from holding the open until a writer comes.
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    require_regular(&file.metadata()?, what)?;
    Ok(file)
}

/// Reads all of the regular file `path`, refusing one longer than `limit` bytes
/// (`what` names what the file should be, for the message).
pub fn read_bounded(path: &Path, limit: u64, what: &str) -> io::Result<Vec<u8>> {
    let file = open_as(path, what)?;
    let announced = file.metadata()?.len();
    if announced > limit {
        return Err(too_large(limit, what));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(announced).unwrap_or(0));
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(limit, what));
    }
    Ok(bytes)
}

/// [`read_bounded`] for a file of text: refuses bytes that are not UTF-8.
pub fn read_text(path: &Path, limit: u64, what: &str) -> io::Result<String> {
    String::from_utf8(read_bounded(path, limit, what)?).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("is not UTF-8 text, as {what} is; is it the right file?"),
        )
    })
}

fn too_large(limit: u64, what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "is larger than {}, too large for {what}; is it the right file?",
            size_in_words(limit)
        ),
    )
}

/// `limit` in the largest binary unit that divides it: `4 KiB`, `1 MiB`, `1000 bytes`.
pub fn size_in_words(limit: u64) -> String {
    match limit {
        0 => "0 bytes".into(),
        l if l % (1 << 20) == 0 => format!("{} MiB", l >> 20),
        l if l % (1 << 10) == 0 => format!("{} KiB", l >> 10),
        l => format!("{l} bytes"),
    }
}

/// Refuses `meta` unless it is a regular file's, saying what it is and that
/// `what` must be a regular file.
pub fn require_regular(meta: &fs::Metadata, what: &str) -> io::Result<()> {
    if meta.is_file() {
        return Ok(());
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "is {}, not a regular file; {} must be a regular file",
            kind(meta),
            what
        ),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_over_its_limit_is_refused_naming_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        fs::write(&path, [0u8; 2048]).unwrap();
        assert_eq!(read_bounded(&path, 2048, "a key").unwrap().len(), 2048);
        let e = read_bounded(&path, 1024, "a key").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert!(
            e.to_string()
                .contains("larger than 1 KiB, too large for a key"),
            "{e}"
        );
    }

    #[test]
    fn limits_are_shown_in_their_unit() {
        assert_eq!(size_in_words(64 << 20), "64 MiB");
        assert_eq!(size_in_words(4096), "4 KiB");
        assert_eq!(size_in_words(1000), "1000 bytes");
    }

    #[cfg(unix)]
    #[test]
    fn a_device_and_a_folder_are_refused_without_reading() {
        let e = read_bounded(Path::new("/dev/zero"), 1 << 20, "an answers file").unwrap_err();
        assert!(
            e.to_string()
                .contains("is a device, not a regular file; an answers file must"),
            "{e}"
        );
        let dir = tempfile::tempdir().unwrap();
        let e = open(dir.path()).unwrap_err();
        assert!(e.to_string().contains("is a folder"), "{e}");
    }
}
