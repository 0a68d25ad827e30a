//! What every command prints the same way: stdout itself (one path for every
//! write, so a closed pipe or a full disk is an answer, not a panic), JSON
//! documents (each with its `schema` version, failures included: docs/json.md)
//! and unit words; and the folder a written file goes into.

use crate::error::{Error, Exit, Result};
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

/// The version of every `--json` document's shape (docs/json.md). It grows
/// when a field is renamed, removed or changes type; a new field keeps it.
pub const JSON_SCHEMA: u32 = 1;

/// A `--json` document: `schema` first, then the command's own fields.
#[derive(serde::Serialize)]
struct Document<'a, T: ?Sized> {
    schema: u32,
    #[serde(flatten)]
    body: &'a T,
}

/// Prints `value` (a struct or a map: its fields become the document's) as
/// one pretty JSON document on stdout, with the `schema` version: the one
/// way every command answers `--json`.
pub fn print_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<()> {
    print_standard_json(&Document {
        schema: JSON_SCHEMA,
        body: value,
    })
}

/// Prints `value` as one pretty JSON document on stdout, exactly as it
/// serializes: for a document whose shape another standard fixes (an in-toto
/// statement has no `schema` field: docs/json.md). The document is streamed
/// through a buffer, not built whole first: a large listing's is tens of
/// megabytes. A value that cannot be serialized (for [`print_json`], one
/// that is not an object) fails before the buffer's first write, so nothing
/// of it reaches stdout.
pub fn print_standard_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<()> {
    let mut refused = None;
    write(|out| {
        let mut buffered = io::BufWriter::with_capacity(1 << 16, out);
        if let Err(e) = serde_json::to_writer_pretty(&mut buffered, value) {
            if e.is_io() {
                return Err(e.into());
            }
            // Drop what was buffered: a half document is never printed.
            let _ = buffered.into_parts();
            refused = Some(e);
            return Ok(());
        }
        buffered.write_all(b"\n")?;
        buffered.flush()
    })?;
    refused.map_or(Ok(()), |e| Err(Error::Json(e)))
}

/// Prints the `--json` document of a failure: `{"schema", "error": {"exit",
/// "message", "causes"}}`; the text (unescaped here: JSON escapes control
/// characters itself) is the one stderr shows.
pub fn print_json_error(exit: Exit, message: &str, causes: &[String]) -> Result<()> {
    #[derive(serde::Serialize)]
    struct Failure<'a> {
        error: Detail<'a>,
    }
    #[derive(serde::Serialize)]
    struct Detail<'a> {
        exit: u8,
        message: &'a str,
        #[serde(skip_serializing_if = "<[_]>::is_empty")]
        causes: &'a [String],
    }
    print_json(&Failure {
        error: Detail {
            exit: exit as u8,
            message,
            causes,
        },
    })
}

/// The word a unit enum serializes as (`install`, `x64`, `block`).
pub fn word(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
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
    std::fs::create_dir_all(dir).map_err(bundle_format::IoError::at(dir, "create the folder"))?;
    crate::say!("created the folder {}", dir.display());
    Ok(())
}
