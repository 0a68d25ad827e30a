//! `airlock cache`: what the download cache holds, and pruning it.

use super::output::{human_bytes, print};
use crate::error::{Exit, Result};
use crate::fetch::Cache;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};
use time::OffsetDateTime;
use time::macros::format_description;

const EXAMPLES: &str = "\
Examples:
  airlock cache                          # what the cache holds
  airlock cache list --cache /srv/airlock-cache
  airlock cache prune                    # remove files not used for 30 days
  airlock cache prune --older-than 7d
  airlock cache prune --all";

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
    List,
    /// Remove the files not used for a while, or all of them
    #[command(after_help = EXAMPLES)]
    Prune {
        /// Remove files not used for this long: days (30d), hours (12h) or minutes (5m)
        #[arg(long, value_name = "AGE", default_value = "30d", value_parser = parse_age, conflicts_with = "all")]
        older_than: Duration,
        /// Remove every file (those a running build holds are left)
        #[arg(long)]
        all: bool,
    },
}

pub fn run(args: Args) -> Result<Exit> {
    let cache = Cache::open(args.cache.as_deref())?;
    match args.action.unwrap_or(Action::List) {
        Action::List => list(&cache),
        Action::Prune { older_than, all } => {
            let pruned = cache.prune((!all).then_some(older_than))?;
            let busy = match pruned.busy {
                0 => String::new(),
                n => format!("; {n} in use by a running build, left"),
            };
            print(&format!(
                "removed {} file{} ({}) from {}{busy}\n",
                pruned.files,
                if pruned.files == 1 { "" } else { "s" },
                human_bytes(pruned.bytes),
                cache.dir().display()
            ))?;
            Ok(Exit::Done)
        }
    }
}

fn list(cache: &Cache) -> Result<Exit> {
    let entries = cache.list()?;
    let mut text = format!("{}\n", cache.dir().display());
    for entry in &entries {
        let names: Vec<String> = entry
            .names
            .iter()
            .map(|n| n.escape_debug().to_string())
            .collect();
        text.push_str(&format!(
            "  {}  {:>10}  {}  {}\n",
            &entry.sha256[..16],
            human_bytes(entry.size),
            date(entry.last_used),
            names.join(", ")
        ));
    }
    let total: u64 = entries.iter().map(|e| e.size).sum();
    text.push_str(&format!(
        "{} file{}, {} in all\n",
        entries.len(),
        if entries.len() == 1 { "" } else { "s" },
        human_bytes(total)
    ));
    print(&text)?;
    Ok(Exit::Done)
}

fn date(time: SystemTime) -> String {
    OffsetDateTime::from(time)
        .format(format_description!("[year]-[month]-[day] [hour]:[minute]"))
        .unwrap_or_default()
}

/// `30d`, `12h`, `5m`: an age in days, hours or minutes.
pub(crate) fn parse_age(text: &str) -> std::result::Result<Duration, String> {
    let bad = || format!("{text:?} is not an age: write a number and d, h or m (30d, 12h, 5m)");
    let unit = text.chars().last().ok_or_else(bad)?;
    let seconds = match unit {
        'd' => 86_400,
        'h' => 3_600,
        'm' => 60,
        _ => return Err(bad()),
    };
    let count: u64 = text[..text.len() - 1].parse().map_err(|_| bad())?;
    count
        .checked_mul(seconds)
        .map(Duration::from_secs)
        .ok_or_else(bad)
}
