//! Uninstalling: which products go (the one named and, transitively, what
//! requires it, except products kept on cascade; dependents first), and the
//! check made before any of them is touched: each must have a ProductCode
//! and the installer command must be there to run. One product that cannot
//! be removed stops the whole cascade before anything is removed, so a
//! machine is never left with half a cascade gone.

use super::backend::Backend;
use crate::identity::NoProductCode;
use crate::state::Record;
use crate::text::escaped;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// `id` and, transitively, what requires it and is not retained; dependents first.
pub fn cascade(record: &Record, id: &str) -> Vec<String> {
    let mut order = vec![id.to_string()];
    let mut seen: BTreeSet<String> = order.iter().cloned().collect();
    let mut i = 0;
    while i < order.len() {
        let current = order[i].clone();
        for (other, p) in &record.products {
            if !seen.contains(other)
                && !p.retain_on_cascade
                && p.requires.iter().any(|d| d.product == current)
            {
                seen.insert(other.clone());
                order.push(other.clone());
            }
        }
        i += 1;
    }
    order.reverse();
    order
}

/// One product to remove, with the ProductCode that removes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    pub id: String,
    pub product_code: String,
}

/// Why an uninstall does not start: every problem found. Nothing was changed.
#[derive(Debug, thiserror::Error)]
#[error("nothing was uninstalled: {}", .problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct Refusal {
    pub problems: Vec<Problem>,
}

/// One reason an uninstall cannot start.
#[derive(Debug, thiserror::Error)]
pub enum Problem {
    #[error(
        "the installer command `{}` cannot run: {} is not found (give the right one with \
         --msiexec CMD)",
        escaped(command),
        escaped(program)
    )]
    NoCommand { command: String, program: String },
    #[error("{id} {version} cannot be removed: {why}")]
    NoCode {
        id: String,
        version: String,
        why: NoProductCode,
    },
}

/// The removals of `ids` (in that order), once each is known to be
/// removable with `backend`; otherwise every product that is not, and why.
/// Nothing has been changed either way.
pub fn check(record: &Record, ids: &[String], backend: &Backend) -> Result<Vec<Removal>, Refusal> {
    let mut problems = Vec::new();
    let command = backend.command();
    let program = command.split_whitespace().next().unwrap_or_default();
    if find_program(program).is_none() {
        problems.push(Problem::NoCommand {
            program: program.to_string(),
            command,
        });
    }
    let mut removals = Vec::new();
    for id in ids {
        let Some(p) = record.products.get(id) else {
            continue;
        };
        match crate::identity::removal_code(id, p) {
            Ok(code) => removals.push(Removal {
                id: id.clone(),
                product_code: code,
            }),
            Err(why) => problems.push(Problem::NoCode {
                id: id.clone(),
                version: p.version.to_string(),
                why,
            }),
        }
    }
    if problems.is_empty() {
        Ok(removals)
    } else {
        Err(Refusal { problems })
    }
}

/// Where `program` is: itself when it names a path, else the first match
/// on PATH (with Windows' executable extensions there).
fn find_program(program: &str) -> Option<PathBuf> {
    if program.is_empty() {
        return None;
    }
    let path = Path::new(program);
    if path.components().count() > 1 {
        return path.is_file().then(|| path.to_path_buf());
    }
    let extensions: Vec<String> = if cfg!(windows) {
        let pathext = std::env::var("PATHEXT").unwrap_or_else(|_| ".EXE;.COM;.BAT;.CMD".into());
        std::iter::once(String::new())
            .chain(pathext.split(';').map(str::to_string))
            .collect()
    } else {
        vec![String::new()]
    };
    let dirs = std::env::var_os("PATH")?;
    std::env::split_paths(&dirs).find_map(|dir| {
        extensions.iter().find_map(|ext| {
            let candidate = dir.join(format!("{program}{ext}"));
            candidate.is_file().then_some(candidate)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_program_is_found_on_path_or_by_its_path() {
        assert!(find_program("sh").is_some() || cfg!(windows));
        assert_eq!(find_program("no-such-program-here"), None);
        assert_eq!(find_program("/no/such/dir/msiexec"), None);
        assert_eq!(find_program(""), None);
    }
}
