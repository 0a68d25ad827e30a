//! `airlock cache`: what the download cache holds, and pruning it.

use super::output::{print, print_json};
use crate::error::{Exit, Result};
use crate::fetch::{Cache, Entry};
use crate::text::human_bytes;
use std::path::PathBuf;
use std::time::Duration;
use time::OffsetDateTime;

const EXAMPLES: &str = "\
Examples:
  airlock cache                          # what the cache holds
  airlock cache list --cache /srv/airlock-cache
  airlock cache prune                    # remove files not used for 30 days
  airlock cache prune --older-than 2w --dry-run
  airlock cache prune --older-than 7d
  airlock cache prune --all

An age is a number and a unit: w (weeks), d (days), h (hours) or min (minutes);
a bare m is refused, as it could mean minutes or months.";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(subcommand)]
    pub action: Option<Action>,
    /// The cache folder (default: airlock in the user's cache folder, ~/.cache/airlock on Linux)
    #[arg(long, value_name = "DIR", global = true)]
    pub cache: Option<PathBuf>,
}

#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Each cached file: sha256 prefix, size, last used, the names it was fetched as; and the total
    List {
        /// Print the entries as one JSON document on stdout
        #[arg(long)]
        json: bool,
    },
    /// Remove the files not used for a while, or all of them
    #[command(after_help = EXAMPLES)]
    Prune {
        /// Remove files not used for this long: weeks (2w), days (30d), hours (12h) or minutes (45min)
        #[arg(long, value_name = "AGE", default_value = "30d", value_parser = parse_age, conflicts_with = "all")]
        older_than: Duration,
        /// Remove every file (those a running build holds are left)
        #[arg(long)]
        all: bool,
        /// List what would be removed, and remove nothing
        #[arg(long)]
        dry_run: bool,
    },
}

pub fn run(args: Args) -> Result<Exit> {
    let cache = Cache::open(args.cache.as_deref())?;
    match args.action.unwrap_or(Action::List { json: false }) {
        Action::List { json } => list(&cache, json),
        Action::Prune {
            older_than,
            all,
            dry_run,
        } => {
            let pruned = cache.prune((!all).then_some(older_than), dry_run)?;
            let busy = match pruned.busy {
                0 => String::new(),
                n => format!("; {n} in use by a running build, left"),
            };
            let mut text = String::new();
            if dry_run {
                for entry in &pruned.entries {
                    text.push_str(&format!("{}\n", row(entry)));
                }
            }
            print(&format!(
                "{text}{} {} file{} ({}) from {}{busy}\n",
                if dry_run {
                    "would remove (dry run, nothing removed)"
                } else {
                    "removed"
                },
                pruned.files,
                if pruned.files == 1 { "" } else { "s" },
                human_bytes(pruned.bytes),
                cache.dir().display()
            ))?;
            Ok(Exit::Done)
        }
    }
}

/// The `--json` document of `cache list`.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Listed<'a> {
    folder: String,
    entries: Vec<Shown<'a>>,
    total_bytes: u64,
}

/// One cached file in `cache list --json`.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Shown<'a> {
    sha256: &'a str,
    size: u64,
    /// RFC 3339.
    last_used: String,
    names: &'a [String],
}

fn list(cache: &Cache, json: bool) -> Result<Exit> {
    let entries = cache.list()?;
    let total: u64 = entries.iter().map(|e| e.size).sum();
    if json {
        print_json(&Listed {
            folder: cache.dir().display().to_string(),
            entries: entries
                .iter()
                .map(|e| Shown {
                    sha256: &e.sha256,
                    size: e.size,
                    last_used: crate::text::rfc3339(OffsetDateTime::from(e.last_used)),
                    names: &e.names,
                })
                .collect(),
            total_bytes: total,
        })?;
        return Ok(Exit::Done);
    }
    let mut text = format!("{}\n", cache.dir().display());
    for entry in &entries {
        text.push_str(&format!("{}\n", row(entry)));
    }
    text.push_str(&format!(
        "{} file{}, {} in all\n",
        entries.len(),
        if entries.len() == 1 { "" } else { "s" },
        human_bytes(total)
    ));
    print(&text)?;
    Ok(Exit::Done)
}

/// One cached file: sha256 prefix, size, last used, the names it was fetched as.
fn row(entry: &Entry) -> String {
    let names: Vec<String> = entry
        .names
        .iter()
        .map(|n| n.escape_debug().to_string())
        .collect();
    format!(
        "  {}  {:>10}  {}  {}",
        &entry.sha256[..16],
        human_bytes(entry.size),
        crate::text::rfc3339(OffsetDateTime::from(entry.last_used)),
        names.join(", ")
    )
}

/// `2w`, `30d`, `12h`, `45min`, `1d 12h`: an age, as `humantime` reads it
/// (weeks, days, hours, minutes, seconds; `2weeks` and `1day` too). A bare
/// `m` or `M` (minutes or months?) is refused as ambiguous.
pub(crate) fn parse_age(text: &str) -> std::result::Result<Duration, String> {
    let bad = |why: &str| {
        format!(
            "{:?} is not an age{why}: write a number and a unit: w (weeks), d (days), h (hours) \
             or min (minutes), as in 2w, 30d, 12h, 45min",
            crate::text::escaped(text)
        )
    };
    let ambiguous = text
        .split(|c: char| !c.is_ascii_alphabetic())
        .any(|unit| unit == "m" || unit == "M");
    if ambiguous {
        return Err(bad(" (m could mean minutes or months)"));
    }
    humantime::parse_duration(text).map_err(|e| bad(&format!(" ({e})")))
}

#[cfg(test)]
mod tests {
    use super::parse_age;
    use std::time::Duration;

    #[test]
    fn ages_take_unambiguous_units_only() {
        for (text, seconds) in [
            ("2w", 1_209_600),
            ("30d", 2_592_000),
            ("12h", 43_200),
            ("45min", 2_700),
            ("0d", 0),
            ("1d 12h", 129_600),
            ("1.5d", 129_600),
            ("2weeks", 1_209_600),
        ] {
            assert_eq!(parse_age(text), Ok(Duration::from_secs(seconds)), "{text}");
        }
        for text in ["5m", "5M", "1h 30m"] {
            assert!(
                parse_age(text).unwrap_err().contains("minutes or months"),
                "{text}"
            );
        }
        for text in ["", "d", "30", "30x", "-1d", "30D", "99999999999999999999w"] {
            assert!(
                parse_age(text).unwrap_err().contains("is not an age"),
                "{text}"
            );
        }
    }
}
