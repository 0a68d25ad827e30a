//! `airlock listing`: keep named listings (a vendor's and third parties') with
//! their source, refresh interval and last copy, so builds can name them.

use super::cache::parse_age;
use super::network::{ConfigArgs, NetArgs};
use super::output::{print, print_json};
use crate::error::{Exit, Result};
use crate::fetch::Fetcher;
use crate::listing::read_vendor_key;
use crate::redact::redact;
use crate::registry::{self, Record, Registry};
use crate::text::escaped;
use std::path::PathBuf;
use std::time::Duration;

const EXAMPLES: &str = "\
Examples:
  airlock listing add itms https://downloads.example.com/itms.pl.xml --vendor-key vendor.pub
  airlock listing add contoso /srv/listings/contoso.pl.xml.zip --refresh 12h
  airlock listing list --json
  airlock listing update            # fetch every registered listing now
  airlock listing remove contoso
  airlock build --listing itms --listing contoso --select cms --sign-key builder.key --accept-eula

A build naming a registered listing uses its kept copy, fetched again first when
it is older than its refresh interval; when that fails, the build says so and uses
the copy. A copy whose serial is older than the kept one is refused (exit 3).
Listings live in <config>/listings (--config DIR or AIRLOCK_CONFIG; default airlock
in the user's config folder). No password is kept: for a protected source, set
AIRLOCK_LISTING_<NAME>_USER and AIRLOCK_LISTING_<NAME>_PASSWORD (NAME in upper case,
'.' and '-' as '_', so two listings may not differ only there); they are read
each time the listing is fetched, and only ever sent to the origin they were first
sent to.";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
    #[command(flatten)]
    pub config: ConfigArgs,
}

#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Register a listing under NAME and fetch its first copy
    #[command(after_help = EXAMPLES)]
    Add {
        /// The name builds use: lower-case letters, digits, '.', '_', '-'
        name: String,
        /// A path or http(s) URL of a .pl.xml or .pl.xml.zip (a password in it is used once, never kept)
        source: String,
        /// How long a copy is used before a build fetches it again: weeks (1w), days (1d), hours (12h) or minutes (30min)
        #[arg(long, value_name = "AGE", default_value = "1d", value_parser = parse_age)]
        refresh: Duration,
        /// Replace a listing already registered under NAME
        #[arg(long)]
        replace: bool,
        #[command(flatten)]
        fetch: FetchArgs,
    },
    /// Each registered listing: name, source, refresh interval, last fetch, serial, stale or not
    List {
        /// Print the list as JSON on stdout, and nothing else there
        #[arg(long)]
        json: bool,
    },
    /// Fetch a registered listing now (every one when no NAME is given)
    Update {
        name: Option<String>,
        #[command(flatten)]
        fetch: FetchArgs,
    },
    /// Forget a registered listing and its copy
    Remove { name: String },
}

#[derive(Debug, clap::Args)]
pub struct FetchArgs {
    /// The vendor's public key: the listing's NAME.pl.xml.sig must exist and verify, and is kept with the copy
    #[arg(long, value_name = "PUB")]
    vendor_key: Option<PathBuf>,
    #[command(flatten)]
    net: NetArgs,
}

impl FetchArgs {
    fn fetcher(&self) -> Result<Fetcher> {
        Ok(Fetcher::new(self.net.options())?)
    }
}

/// One line of `list --json`.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Shown {
    name: String,
    source: String,
    refresh: String,
    /// RFC 3339.
    fetched: String,
    serial: u64,
    signed: bool,
    stale: bool,
}

pub fn run(args: Args) -> Result<Exit> {
    let registry = args.config.registry()?;
    match args.action {
        Action::Add {
            name,
            source,
            refresh,
            replace,
            fetch,
        } => {
            let key = fetch
                .vendor_key
                .as_deref()
                .map(read_vendor_key)
                .transpose()?;
            let (source, refreshed) = registry.add(
                &fetch.fetcher()?,
                &name,
                &source,
                refresh.as_secs(),
                replace,
                key.as_ref(),
            )?;
            if source != registry::without_password(&source) {
                let (_, password) = registry::credential_vars(&name);
                crate::say!(
                    "note: the password in the URL was used once and not kept; set {password} for later updates"
                );
            }
            print(&format!(
                "registered {name}: {}, serial {}, refreshed every {}\n",
                redact(&refreshed.record.source),
                refreshed.record.serial,
                registry::interval(refreshed.record.refresh_secs)
            ))?;
            Ok(Exit::Done)
        }
        Action::List { json } => list(&registry, json),
        Action::Update { name, fetch } => update(&registry, name, &fetch),
        Action::Remove { name } => {
            registry.remove(&name)?;
            print(&format!("removed {name}\n"))?;
            Ok(Exit::Done)
        }
    }
}

fn list(registry: &Registry, json: bool) -> Result<Exit> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let shown: Vec<Shown> = registry
        .list()?
        .into_iter()
        .map(|(name, record): (String, Record)| Shown {
            stale: record.is_stale(now),
            source: redact(&record.source),
            refresh: registry::interval(record.refresh_secs),
            fetched: crate::text::rfc3339_unix(u64::try_from(record.fetched).unwrap_or(0)),
            serial: record.serial,
            signed: record.signed,
            name,
        })
        .collect();
    if json {
        return print_json(&serde_json::json!({ "listings": shown })).map(|()| Exit::Done);
    }
    let mut text = String::new();
    for s in &shown {
        text.push_str(&format!(
            "{}  {}  every {}  fetched {}  serial {}{}{}\n",
            s.name,
            escaped(&s.source),
            s.refresh,
            s.fetched,
            s.serial,
            if s.signed { "  signed" } else { "" },
            if s.stale { "  stale" } else { "" }
        ));
    }
    if shown.is_empty() {
        text.push_str(&format!(
            "no listing registered in {} (`airlock listing add NAME SRC`)\n",
            registry.dir().display()
        ));
    }
    print(&text)?;
    Ok(Exit::Done)
}

/// Fetches one listing, or all; each failure is said, the last one is the exit.
fn update(registry: &Registry, name: Option<String>, fetch: &FetchArgs) -> Result<Exit> {
    let names = match name {
        Some(name) => vec![name],
        None => registry.list()?.into_iter().map(|(n, _)| n).collect(),
    };
    let key = fetch
        .vendor_key
        .as_deref()
        .map(read_vendor_key)
        .transpose()?;
    let fetcher = fetch.fetcher()?;
    let mut failed = Vec::new();
    for name in names {
        let record = registry.expect(&name)?;
        match registry.refresh(
            &fetcher,
            &name,
            &record.source,
            record.refresh_secs,
            key.as_ref(),
        ) {
            Ok(refreshed) => print(&format!(
                "{name}: serial {} (was {})\n",
                refreshed.record.serial,
                refreshed.previous_serial.unwrap_or(record.serial)
            ))?,
            Err(e) => failed.push(e),
        }
    }
    let last = failed.pop();
    for e in failed {
        crate::say!("error: {}", escaped(&e.to_string()));
    }
    match last {
        Some(e) => Err(e.into()),
        None => Ok(Exit::Done),
    }
}
