//! `airlock build`: resolve a selection, gate on EULAs, download what the plan
//! needs (cached, resumable, verified), check each MSI against its listing,
//! and write one signed self-extracting bundle (and its split parts).

mod shown;

use super::incremental;
use super::output::print_json;
use super::plan::SelectionArgs;
use crate::build::{self, Builder, Request, Target};
use crate::error::{Error, Exit, Result};
use crate::fetch::{self, Cache, Fetcher, Progress};
use crate::license::License;
use crate::plan::{self, EulaRef, Installed};
use crate::verbosity;
use bundle_format::WriteOptions;
use bundle_format::keys::SigningKey;
use bundle_format::runner::Os;
use bundle_format::split::PartSize;
use shown::Shown;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  airlock build --listing https://downloads.example.com/itms.pl.xml --select cms \\
      --sign-key builder.key --accept-eula --contact 'ops@example.com'
  airlock build --listing itms.pl.xml --select smp,patch --license patch.xml \\
      --sign-key builder.key --accept-eula --out ITMS.exe --split 4095M
  airlock build --listing itms.pl.xml --select smp --runner airlock.exe \\
      --sign-key builder.key --accept-eula --json
  airlock build --listing itms.pl.xml --select smp --target linux \\
      --sign-key builder.key --accept-eula --out bundle-for-linux
  airlock build --listing itms.pl.xml --history srv01.xml --history srv02.xml \\
      --sign-key builder.key --accept-eula --out updates/

Bundles are for Windows servers unless --target linux: they embed the Windows runner
(the offline airlock built for Windows), from --runner, else the AIRLOCK_RUNNER
environment variable, else airlock-runner.exe beside this program. With none, build
stops before downloading and names the command that makes it:
  cargo build --profile runner --target x86_64-pc-windows-gnu --no-default-features
--target linux embeds this program. A runner is checked before use: an Airlock runner
of this bundle format, for the platform named.

The bundle is <Vendor>_Install_Package_<YYYYMMDD>_<HHMMSS>.exe (UTC; no .exe with
--target linux) in the current folder unless --out names it. With --history, each
machine's bundle holds only what brings it up to date, is named
<Vendor>_Install_Package_<machine>_<YYYYMMDD>_<HHMMSS>.exe, and installs only on that
machine as it was exported (install --force-base overrides). Downloads are kept in the
cache (--cache) by sha256, so a second build of the same plan downloads nothing. With
SOURCE_DATE_EPOCH set, the same inputs give the same bundle bytes.";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    pub source: super::network::ListingArgs,
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// The builder's secret key (from `airlock keygen`) that signs the bundle
    #[arg(long, value_name = "KEY")]
    pub sign_key: PathBuf,
    /// Accept the license agreements (EULAs) the planned releases name
    #[arg(long)]
    pub accept_eula: bool,
    /// Who built the bundle, shown on the offline side
    #[arg(long, value_name = "TEXT")]
    pub contact: Option<String>,
    /// A machine's exported history (`airlock history export`): build only what brings it up to date; repeatable, one bundle per machine
    #[arg(long = "history", value_name = "FILE")]
    pub histories: Vec<PathBuf>,
    /// A purchased license file to bundle (for a product of the plan, or installed on the machine); repeatable
    #[arg(long = "license", value_name = "FILE")]
    pub licenses: Vec<PathBuf>,
    /// The bundle to write (default: <Vendor>_Install_Package_<YYYYMMDD>_<HHMMSS>.exe)
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Download cache folder (default: the user's cache folder, airlock)
    #[arg(long, value_name = "DIR")]
    pub cache: Option<PathBuf>,
    /// Files downloaded at once
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
    /// Also write the bundle as parts NAME.001, NAME.002, ... of this size (4095M, 700M)
    #[arg(long, value_name = "SIZE")]
    pub split: Option<PartSize>,
    /// The servers' platform: windows (embeds the Windows runner) or linux (embeds this program)
    #[arg(long, value_enum, default_value_t = TargetOs::Windows)]
    pub target: TargetOs,
    /// The runner to embed, checked to be an Airlock runner for --target (default for windows: AIRLOCK_RUNNER, or airlock-runner.exe beside this program)
    #[arg(long, value_name = "PATH")]
    pub runner: Option<PathBuf>,
    /// Print the result as JSON on stdout, and nothing else there
    #[arg(long)]
    pub json: bool,
}

/// The platform of the servers a bundle is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TargetOs {
    Windows,
    Linux,
}

impl TargetOs {
    fn os(self) -> Os {
        match self {
            TargetOs::Windows => Os::Windows,
            TargetOs::Linux => Os::Linux,
        }
    }
}

pub fn run(args: Args) -> Result<Exit> {
    let mut selection = args.selection.selection()?;
    let incremental = !args.histories.is_empty();
    let pick = !incremental && super::picker::needed(&selection, "build")?;
    // Every local input is checked before anything is downloaded.
    build::check_out(args.out.as_deref(), args.histories.len())?;
    let key = SigningKey::load(&args.sign_key)?;
    let licenses = args
        .licenses
        .iter()
        .map(|path| {
            License::load(path)
                .map(|l| (path.clone(), l))
                .map_err(Error::from)
        })
        .collect::<Result<Vec<_>>>()?;
    let options = WriteOptions::from_env()?;
    let runner = crate::runner::choose(args.target.os(), args.runner.as_deref())?;
    if let Some(size) = args.split {
        build::check_split(size, &runner.path)?;
    }

    let fetcher = Fetcher::new(fetch::Options {
        jobs: usize::from(args.jobs),
        progress: if verbosity::quiet() {
            Progress::Quiet
        } else {
            Progress::Auto
        },
        ..args.source.net.options()
    })?;
    let catalog = args.source.load_signed(&fetcher)?;
    if pick {
        selection = super::picker::pick(&catalog, &selection, super::plan::render)?;
    }
    let targets: Vec<Target> = if incremental {
        let machines = plan::machines(&catalog, &selection, &args.histories)?;
        incremental::warn(&machines);
        machines
            .into_iter()
            .map(|m| Target::Machine(Box::new(m)))
            .collect()
    } else {
        let plan = plan::resolve(&catalog, &selection, &Installed::new())?;
        vec![Target::Fresh(plan)]
    };
    accept_eulas(
        targets.iter().flat_map(|t| &t.plan().eulas),
        args.accept_eula,
    )?;
    let cache = Cache::open(args.cache.as_deref())?;
    let builder = Builder {
        fetcher: &fetcher,
        cache: &cache,
        key: &key,
        runner: &runner,
        options: &options,
    };
    let request = Request {
        catalog: &catalog,
        targets: &targets,
        licenses: &licenses,
        contact: args.contact,
        out: args.out,
        os: args.target.os(),
        split: args.split,
        histories: args.histories.len(),
    };
    let mut shown = Shown::new(args.json, &runner.identity);
    let built = match builder.build(&request, &mut shown) {
        Ok(built) => built,
        Err(e) => {
            for path in &shown.written {
                crate::say!("{path} was written before this failure, and is complete");
            }
            return Err(e);
        }
    };
    if args.json {
        print_json(&shown::bundles(&built, &runner.identity))?;
    }
    Ok(Exit::Done)
}

/// The EULAs must be accepted before anything is downloaded: with
/// `--accept-eula`, or one by one on a terminal.
fn accept_eulas<'a>(eulas: impl Iterator<Item = &'a EulaRef>, accepted: bool) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    let eulas: Vec<&EulaRef> = eulas.filter(|e| seen.insert(&e.id)).collect();
    if eulas.is_empty() || accepted {
        return Ok(());
    }
    let list: Vec<String> = eulas
        .iter()
        .map(|e| {
            format!(
                "{}: {} <{}>",
                e.id,
                e.title,
                crate::redact::redact(&e.payload.url.to_string())
            )
        })
        .collect();
    let interactive = io::stdin().is_terminal() && io::stderr().is_terminal();
    if interactive {
        crate::say!("The planned releases need these license agreements accepted:");
        for line in &list {
            crate::say!("  {}", crate::text::escaped(line));
        }
        crate::console::say(format_args!(
            "Have you read them, and do you accept them? [y/N] "
        ));
        let _ = io::stderr().flush();
        let mut answer = String::new();
        io::stdin()
            .read_line(&mut answer)
            .map_err(Error::Terminal)?;
        if matches!(answer.trim(), "y" | "Y" | "yes" | "Yes") {
            return Ok(());
        }
        return Err(Error::Usage(
            "the license agreements were not accepted: nothing was built".into(),
        ));
    }
    Err(Error::Usage(format!(
        "the planned releases need license agreements accepted before anything is downloaded: {}; \
         read them, then run again with --accept-eula",
        list.join("; ")
    )))
}
