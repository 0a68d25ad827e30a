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
        let mut json = serde_json::Serializer::with_formatter(&mut buffered, Pretty::default());
        if let Err(e) = value.serialize(&mut json) {
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

/// serde_json's pretty printing (`PrettyFormatter`: two spaces a level),
/// each line break written with its indentation in one piece rather than
/// two spaces at a time: a large listing's JSON has hundreds of thousands of
/// lines, and their indentation was a fifth of the time spent writing it.
#[derive(Default)]
struct Pretty {
    depth: usize,
    has_value: bool,
}

impl Pretty {
    /// Ends a line (after a comma, for a value that follows another) and
    /// indents the next to the current depth.
    fn new_line<W: ?Sized + Write>(&self, out: &mut W, comma: bool) -> io::Result<()> {
        const LINE: &[u8] = b",\n                                ";
        let start = usize::from(!comma);
        let end = 2 + 2 * self.depth;
        if end <= LINE.len() {
            return out.write_all(&LINE[start..end]);
        }
        out.write_all(&LINE[start..2])?;
        (0..self.depth).try_for_each(|_| out.write_all(b"  "))
    }

    /// Opens an array or an object, one level deeper.
    fn open<W: ?Sized + Write>(&mut self, out: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        out.write_all(bracket)
    }

    /// Closes an array or an object, on a line of its own unless it is empty.
    fn close<W: ?Sized + Write>(&mut self, out: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.new_line(out, false)?;
        }
        out.write_all(bracket)
    }
}

impl serde_json::ser::Formatter for Pretty {
    fn begin_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.new_line(out, !first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.open(out, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.close(out, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.new_line(out, !first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        out.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
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

#[cfg(test)]
mod tests {
    use super::Pretty;
    use serde::Serialize;
    use serde_json::json;

    #[test]
    fn pretty_writes_what_serde_json_pretty_writes() {
        let mut deep = json!([1, {}, []]);
        for level in 0..40 {
            deep = match level % 3 {
                0 => json!({ "a": deep, "b": [], "c": {} }),
                1 => json!([deep, "x\n\"y\"", null]),
                _ => json!([{ "e": [[], {}, [{}]] }, deep]),
            };
        }
        for value in [json!({}), json!([]), json!("text"), json!([[]]), deep] {
            let mut ours = Vec::new();
            value
                .serialize(&mut serde_json::Serializer::with_formatter(
                    &mut ours,
                    Pretty::default(),
                ))
                .unwrap();
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                serde_json::to_string_pretty(&value).unwrap()
            );
        }
    }
}
