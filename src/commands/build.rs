//! `airlock build`: resolve a selection, gate on EULAs, download what the plan
//! needs (cached, resumable, verified), check each MSI against its listing,
//! and write one signed self-extracting bundle (and its split parts).

use super::incremental;
use super::output::{human_bytes, print, print_json};
use super::plan::SelectionArgs;
use super::progress;
use crate::build::{self, Contents, Origin};
use crate::error::{Error, Exit, Result};
use crate::fetch::{self, Cache, Fetcher, Local, Progress};
use crate::interrupt;
use crate::license::License;
use crate::package::CONTENT_TYPE;
use crate::plan::{self, EulaRef, Installed, Plan};
use crate::verbosity;
use bundle_format::keys::SigningKey;
use bundle_format::regular;
use bundle_format::runner::Os;
use bundle_format::split::PartSize;
use bundle_format::{FileEntry, Manifest, WriteOptions, Written, write_bundle};
use std::collections::HashMap;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

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

/// One bundle written, as `--json` prints it.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Report<'a> {
    bundle: String,
    bundle_id: String,
    size: u64,
    key_fingerprint: String,
    files: Vec<FileEntry>,
    /// What the embedded runner is (platform, program, version, bundle format).
    runner_identity: &'a bundle_format::runner::Identity,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    parts: Vec<String>,
    /// The machine an incremental bundle is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    machine: Option<incremental::MachineRef<'a>>,
}

pub fn run(args: Args) -> Result<Exit> {
    let mut selection = args.selection.selection()?;
    let incremental = !args.histories.is_empty();
    let pick = !incremental && super::picker::needed(&selection, "build")?;
    // Every local input is checked before anything is downloaded.
    check_out(args.out.as_deref(), args.histories.len())?;
    let key = SigningKey::load(&args.sign_key)?;
    let licenses = args
        .licenses
        .iter()
        .map(|path| {
            License::load(path)
                .map(|l| (path.clone(), l))
                .map_err(Error::Other)
        })
        .collect::<Result<Vec<_>>>()?;
    let write_options = WriteOptions::from_env()?;
    let runner = crate::runner::choose(args.target.os(), args.runner.as_deref())?;
    if let Some(size) = args.split {
        check_split(size, &runner.path)?;
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
    let catalog = args.source.load_with(&fetcher)?;
    if pick {
        selection = super::picker::pick(&catalog, &selection)?;
    }
    let targets: Vec<Target> = if incremental {
        incremental::plan_all(&catalog, &selection, &args.histories)?
            .into_iter()
            .map(|m| Target::Machine(Box::new(m)))
            .collect()
    } else {
        vec![Target::Fresh(plan::resolve(
            &catalog,
            &selection,
            &Installed::new(),
        )?)]
    };
    accept_eulas(
        targets.iter().flat_map(|t| &t.plan().eulas),
        args.accept_eula,
    )?;
    let licenses_of = licenses_per_target(&targets, &licenses)?;

    let now = created_time(&write_options);
    let cache = Cache::open(args.cache.as_deref())?;
    let remote = catalog
        .listings
        .iter()
        .any(|l| matches!(l.base.scheme(), "http" | "https"));
    // Every bundle's contents (licenses, names) are settled before anything
    // is downloaded or written, so a bad input stops the run with nothing made.
    let mut names = Vec::new();
    let mut jobs = Vec::new();
    for (target, licenses) in targets.iter().zip(licenses_of) {
        if let Target::Machine(m) = target {
            let shown = incremental::render(m);
            let up_to_date = m.update.plan.items.is_empty();
            let note = "  nothing new for it in these listings: no bundle is written for it\n";
            if args.json {
                crate::console::say(format_args!(
                    "{shown}{}",
                    if up_to_date { note } else { "" }
                ));
            } else {
                print(&format!("{shown}{}", if up_to_date { note } else { "" }))?;
            }
            if up_to_date {
                continue;
            }
        }
        let base = match target {
            Target::Machine(m) => Some(&m.imported),
            Target::Fresh(_) => None,
        };
        let contents = build::contents(
            &catalog,
            target.plan(),
            &licenses,
            args.contact.clone(),
            now,
            base,
        )?;
        let out = out_path(&args, &contents.package.vendor, target, now, &mut names);
        jobs.push((target, contents, out));
    }
    let mut reports: Vec<Report> = Vec::new();
    for (target, contents, out) in &mut jobs {
        let result = (|| {
            let mut locals = fetcher.fetch_all(&cache, &contents.downloads, remote)?;
            check_msis(contents, &mut locals, &fetcher, &cache)?;
            let mut manifest = Manifest::new(
                concat!("airlock ", env!("CARGO_PKG_VERSION")),
                CONTENT_TYPE,
                contents.package.to_content(),
            );
            manifest.files = contents.files.iter().map(|(f, _)| f.clone()).collect();
            let written = write(
                out,
                &runner.path,
                manifest,
                &key,
                contents,
                &mut locals,
                (&fetcher, &cache),
                &write_options,
                verbosity::quiet(),
            )?;
            let parts = match args.split {
                Some(size) => match bundle_format::split::split(out, size, &key, &mut |_| {}) {
                    Ok(index) => index.parts.iter().map(|p| p.name.clone()).collect(),
                    Err(e) => {
                        // The run failed: its bundle is not left behind.
                        let _ = std::fs::remove_file(&*out);
                        return Err(e.into());
                    }
                },
                None => Vec::new(),
            };
            Ok::<_, Error>((written, parts))
        })();
        let (written, parts) = match result {
            Ok(done) => done,
            Err(e) => {
                for r in &reports {
                    crate::say!(
                        "{} was written before this failure, and is complete",
                        r.bundle
                    );
                }
                return Err(e);
            }
        };
        if !args.json {
            print(&format!(
                "wrote {}: bundle {}, {} steps, {} files, {}, signed by key {}, runner {}\n",
                out.display(),
                written.manifest.bundle_id,
                contents.package.steps.len(),
                written.manifest.files.len(),
                human_bytes(written.size),
                written.manifest.key_fingerprint,
                runner.identity
            ))?;
            if let Some(first) = parts.first() {
                print(&format!(
                    "and {} parts for removable media: {first} ... with the index {}\n",
                    parts.len(),
                    bundle_format::split::index_path(out).display()
                ))?;
            }
        }
        reports.push(Report {
            bundle: out.display().to_string(),
            bundle_id: written.manifest.bundle_id.clone(),
            size: written.size,
            key_fingerprint: written.manifest.key_fingerprint.clone(),
            files: written.manifest.files.clone(),
            runner_identity: &runner.identity,
            parts,
            machine: match target {
                Target::Machine(m) => Some(m.reference()),
                Target::Fresh(_) => None,
            },
        });
    }
    if args.json {
        match reports.as_slice() {
            [one] if args.histories.len() < 2 => print_json(one)?,
            _ => print_json(&serde_json::json!({ "bundles": reports }))?,
        }
    }
    Ok(Exit::Done)
}

/// What one bundle is built for: a fresh install, or one machine's update.
enum Target {
    Fresh(Plan),
    Machine(Box<incremental::Machine>),
}

impl Target {
    fn plan(&self) -> &Plan {
        match self {
            Target::Fresh(plan) => plan,
            Target::Machine(m) => &m.update.plan,
        }
    }
}

/// `--out` names the bundle file; with several histories, the folder the
/// bundles go in.
fn check_out(out: Option<&Path>, histories: usize) -> Result<()> {
    // NAME.001 ... or NAME.parts of a split bundle there: writing would destroy it.
    if let Some(out) = out
        && let Some(index) = bundle_format::split::index_path_for_part(out).filter(|i| i.is_file())
    {
        return Err(Error::Usage(format!(
            "--out {}: that name belongs to the split bundle whose index is {}, and writing there would destroy it; choose another --out",
            out.display(),
            index.display()
        )));
    }
    match out {
        Some(out) if histories > 1 && !out.is_dir() => Err(Error::Usage(format!(
            "--out {}: with several --history, --out names the (existing) folder the bundles go in, one per machine",
            out.display()
        ))),
        Some(out)
            if histories < 2
                && (out.is_dir() || out.as_os_str().to_string_lossy().ends_with(['/', '\\'])) =>
        {
            Err(Error::Usage(format!(
                "--out {} is a folder; name the bundle file to write (for example {}/Bundle.exe)",
                out.display(),
                out.display().to_string().trim_end_matches(['/', '\\'])
            )))
        }
        Some(out) if histories < 2 => match out.parent() {
            Some(folder) if !folder.as_os_str().is_empty() && !folder.is_dir() => {
                Err(Error::Usage(format!(
                    "--out {}: the folder {} does not exist; create it, or name a file in an existing folder",
                    out.display(),
                    folder.display()
                )))
            }
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

/// The licenses each bundle holds. With several machines, a license goes
/// into the bundles of the machines that have or get its product, and one
/// that fits none is refused before anything is downloaded; with one bundle,
/// `build::contents` says why a license does not fit.
fn licenses_per_target(
    targets: &[Target],
    licenses: &[(PathBuf, License)],
) -> Result<Vec<Vec<(PathBuf, License)>>> {
    if targets.len() < 2 {
        return Ok(vec![licenses.to_vec(); targets.len()]);
    }
    let fits = |target: &Target, product: &str| match target {
        Target::Machine(m) => m.update.products.iter().any(|c| c.product == product),
        Target::Fresh(plan) => plan.items.iter().any(|i| i.product == product),
    };
    for (path, license) in licenses {
        if !targets.iter().any(|t| fits(t, &license.product)) {
            return Err(Error::Other(format!(
                "license {}: it is for product {:?}, which no machine has or gets; leave it out or select the product",
                path.display(),
                license.product
            )));
        }
    }
    Ok(targets
        .iter()
        .map(|t| {
            licenses
                .iter()
                .filter(|(_, l)| fits(t, &l.product))
                .cloned()
                .collect()
        })
        .collect())
}

/// Where a bundle goes: `--out` (for several machines, a folder), else the
/// default name in the current folder; two machines never share a name.
fn out_path(
    args: &Args,
    vendor: &str,
    target: &Target,
    now: time::OffsetDateTime,
    taken: &mut Vec<String>,
) -> PathBuf {
    let machine = match target {
        Target::Machine(m) => Some(&m.imported.history),
        Target::Fresh(_) => None,
    };
    if args.histories.len() < 2
        && let Some(out) = &args.out
    {
        return out.clone();
    }
    let extension = match args.target {
        TargetOs::Windows => ".exe",
        TargetOs::Linux => "",
    };
    let stem = default_name(vendor, machine.map(|h| h.machine_name.as_str()), now);
    let mut name = format!("{stem}{extension}");
    if taken.contains(&name)
        && let Some(h) = machine
    {
        // Machine ids are unique in a run (a second history of one machine is refused).
        name = format!("{stem}_{}{extension}", h.machine_id);
    }
    taken.push(name.clone());
    match &args.out {
        Some(folder) => folder.join(name),
        None => PathBuf::from(name),
    }
}

/// A `--split` size too small for the bundle is refused before anything is
/// downloaded or written. A bundle is at least as large as its runner (the
/// payload's size is known only once it is compressed): when the runner alone
/// makes more parts than a split bundle may have, no bundle can fit.
fn check_split(size: PartSize, runner: &Path) -> Result<()> {
    let runner_len = std::fs::metadata(runner)
        .map_err(|e| Error::Other(format!("runner {}: cannot read: {e}", runner.display())))?
        .len();
    let max = bundle_format::split::MAX_PARTS;
    let parts = runner_len.div_ceil(size.bytes());
    if parts <= max {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "--split {}: the bundle is at least as large as its runner ({}), which alone makes {parts} parts; \
         a split bundle has at most {max}: give --split {}K or more",
        human_bytes(size.bytes()),
        human_bytes(runner_len),
        runner_len.div_ceil(max).div_ceil(1024)
    )))
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
                crate::redact::redact(e.payload.url.as_str())
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
            .map_err(|e| Error::Other(format!("cannot read the answer: {e}")))?;
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

/// The bundle's creation time: `SOURCE_DATE_EPOCH` when set, else now.
fn created_time(options: &WriteOptions) -> time::OffsetDateTime {
    options
        .created
        .and_then(|s| i64::try_from(s).ok())
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .unwrap_or_else(time::OffsetDateTime::now_utc)
}

/// `<Vendor>_Install_Package_<YYYYMMDD>_<HHMMSS>` in UTC (the caller adds
/// `.exe` for Windows); for one machine's update, its name after `Package_`
/// (as a plain file name).
fn default_name(vendor: &str, machine: Option<&str>, at: time::OffsetDateTime) -> String {
    let format = time::macros::format_description!("[year][month][day]_[hour][minute][second]");
    let stamp = at
        .format(format)
        .unwrap_or_else(|_| at.unix_timestamp().to_string());
    let machine: String = machine
        .map(|m| {
            let plain: String = m
                .chars()
                .take(40)
                .map(|c| match c {
                    'a'..='z' | 'A'..='Z' | '0'..='9' | '-' => c,
                    _ => '_',
                })
                .collect();
            format!("{plain}_")
        })
        .unwrap_or_default();
    format!("{vendor}_Install_Package_{machine}{stamp}")
}

/// Each MSI's tables against its listing, its codes recorded in the
/// package. A cache hit that disagrees is fetched again (the cache may hold
/// damaged bytes) before the build stops.
fn check_msis(
    contents: &mut Contents,
    locals: &mut [Local],
    fetcher: &Fetcher,
    cache: &Cache,
) -> Result<()> {
    let by_name: HashMap<&str, usize> = contents
        .downloads
        .iter()
        .enumerate()
        .map(|(i, w)| (w.name.as_str(), i))
        .collect();
    let mut found = Vec::new();
    for expected in &contents.msi_checks {
        let Some(&i) = by_name.get(expected.file.as_str()) else {
            continue;
        };
        let identity = match build::check_msi(&locals[i].path, expected) {
            Ok(identity) => identity,
            Err(e) if locals[i].verified => return Err(e.into()),
            Err(_) => {
                cache.evict(&contents.downloads[i].sha256)?;
                locals[i] = fetcher.refetch(cache, &contents.downloads[i])?;
                build::check_msi(&locals[i].path, expected)?
            }
        };
        found.push((expected.file.clone(), identity));
    }
    for (file, identity) in &found {
        contents.identify(file, identity);
    }
    Ok(())
}

/// Writes the bundle, reading each file from where it is. When a cache hit
/// turns out not to hold the declared bytes, it is evicted, fetched again and
/// the bundle written again; nothing wrong is ever packed. The writing happens
/// in a staging folder beside `out`, removed if the run is interrupted, and
/// the finished bundle is renamed into place.
#[allow(clippy::too_many_arguments)]
fn write(
    out: &Path,
    runner: &Path,
    manifest: Manifest,
    key: &SigningKey,
    contents: &Contents,
    locals: &mut [Local],
    fetcher_cache: (&Fetcher, &Cache),
    options: &WriteOptions,
    quiet: bool,
) -> Result<Written> {
    let (folder, name) = match (out.parent(), out.file_name()) {
        (Some(folder), Some(name)) => (
            if folder.as_os_str().is_empty() {
                Path::new(".")
            } else {
                folder
            },
            name,
        ),
        _ => {
            return Err(Error::Usage(format!(
                "--out {}: name a file to write",
                out.display()
            )));
        }
    };
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{}.", name.to_string_lossy()))
        .suffix(".building")
        .tempdir_in(folder)
        .map_err(|e| Error::Other(format!("{}: cannot write here: {e}", folder.display())))?;
    let _removed = interrupt::remove_on_interrupt(staging.path());
    let inner = staging.path().join(name);
    let written = pack(
        &inner,
        runner,
        manifest,
        key,
        contents,
        locals,
        fetcher_cache,
        options,
        quiet,
    )?;
    interrupt::uninterrupted(|| {
        std::fs::rename(&inner, out)?;
        // Not `File::open(folder)`: Windows opens no folder that way.
        bundle_format::atomic::sync_parent(out)
    })
    .map_err(|e| {
        Error::Other(format!(
            "{}: cannot put the bundle in place: {e}",
            out.display()
        ))
    })?;
    Ok(written)
}

/// [`write`]'s packing loop: one write of the bundle to `dest`, again after a
/// stale cache hit was fetched anew.
#[allow(clippy::too_many_arguments)]
fn pack(
    dest: &Path,
    runner: &Path,
    manifest: Manifest,
    key: &SigningKey,
    contents: &Contents,
    locals: &mut [Local],
    (fetcher, cache): (&Fetcher, &Cache),
    options: &WriteOptions,
    quiet: bool,
) -> Result<Written> {
    // Looked up once per file while packing: a map, not a scan of thousands.
    let origins: HashMap<&str, &Origin> = contents
        .files
        .iter()
        .map(|(f, o)| (f.name.as_str(), o))
        .collect();
    loop {
        let runner_file = regular::open(runner)
            .map_err(|e| Error::Other(format!("runner {}: cannot read: {e}", runner.display())))?;
        let bar = if quiet {
            indicatif::ProgressBar::hidden()
        } else {
            progress::files(&manifest, "packing")
        };
        let result = write_bundle(
            dest,
            runner_file,
            manifest.clone(),
            key,
            |entry| open(&origins, locals, &entry.name),
            options,
            &mut |n| bar.set_position(n),
        );
        bar.finish_and_clear();
        match result {
            Ok(written) => return Ok(written),
            Err(bundle_format::Error::Source { name, problem }) => {
                let stale = contents
                    .downloads
                    .iter()
                    .position(|w| w.name == name)
                    .filter(|&i| !locals[i].verified);
                let Some(i) = stale else {
                    return Err(bundle_format::Error::Source { name, problem }.into());
                };
                crate::say!(
                    "{}: the cached copy is not the listed file ({problem}); fetching it again",
                    name.escape_debug()
                );
                cache.evict(&contents.downloads[i].sha256)?;
                locals[i] = fetcher.refetch(cache, &contents.downloads[i])?;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// A reader of one bundle file's bytes.
fn open(
    origins: &HashMap<&str, &Origin>,
    locals: &[Local],
    name: &str,
) -> io::Result<Box<dyn Read>> {
    let origin = origins
        .get(name)
        .ok_or_else(|| io::Error::other("not one of the planned files"))?;
    Ok(match *origin {
        Origin::Memory(bytes) => Box::new(io::Cursor::new(bytes.clone())),
        Origin::Download(i) => Box::new(regular::open(&locals[*i].path)?),
        Origin::Path(path) => Box::new(regular::open(path)?),
    })
}
