//! What every command prints the same way: stdout itself (one path for every
//! write, so a closed pipe or a full disk is an answer, not a panic), JSON
//! documents and byte sizes; and the folder a written file goes into.

use crate::error::{Error, Result};
use std::io::{self, Write};
use std::path::Path;

/// Writes `text` to stdout and flushes it. A reader that went away (a closed
/// pipe, as with `| head`) is `Error::StdoutClosed`, which ends the program
/// quietly; any other failure is an error that says stdout could not be written.
pub fn print(text: &str) -> Result<()> {
    write(|out| out.write_all(text.as_bytes()))
}

/// Lets `fill` write to stdout, then flushes it; failures as [`print`] has them.
pub fn write(fill: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<()> {
    let mut out = io::stdout().lock();
    fill(&mut out)
        .and_then(|()| out.flush())
        .map_err(|e| match e.kind() {
            io::ErrorKind::BrokenPipe => Error::StdoutClosed,
            _ => Error::Stdout(e),
        })
}

/// Prints `value` as one pretty JSON document on stdout (the contract's `--json`).
pub fn print_json(value: &impl serde::Serialize) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value).map_err(Error::Json)?;
    text.push('\n');
    print(&text)
}

/// The word a unit enum serializes as (`install`, `x64`, `block`).
pub fn word(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Bytes in binary units, one decimal: `1000 B`, `4.0 KiB`, `1.5 GiB`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    match unit {
        0 => format!("{bytes} B"),
        _ => format!("{value:.1} {}", UNITS[unit]),
    }
}

/// Makes the folder that `path` (a file to write) goes into when it is
/// missing, saying so on stderr.
pub fn create_parent(path: &Path) -> Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => create_folder(dir),
        _ => Ok(()),
    }
}

/// Makes the folder `dir` (and those above it) when missing, saying so on
/// stderr; something else of that name is an error naming it.
pub fn create_folder(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if dir.exists() {
        return Err(Error::InTheWay {
            path: dir.to_path_buf(),
        });
    }
    std::fs::create_dir_all(dir).map_err(Error::io(dir, "create the folder"))?;
    crate::say!("created the folder {}", dir.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::human_bytes;

    #[test]
    fn sizes() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(13_421_772_800), "12.5 GiB");
    }
}
