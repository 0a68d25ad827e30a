//! `airlock install`: verifies a bundle, runs the readiness checks, extracts
//! its files and installs them in plan order through the installer backend,
//! recording each step; or only verifies and extracts (`--extract-only`), or
//! only shows the checks and the plan (`--dry-run`).

mod extract;
mod report;
mod text;

use extract::extract;
use report::Report;
use text::show;

use crate::commands::root::MsiexecArgs;
use crate::commands::signed::{BundleArgs, vendor_text};
use crate::error::{Error, Exit, Result};
use crate::install::answers::Answers;
use crate::install::backend::Backend;
use crate::install::{self, Target, Todo, checks};
use crate::text::escaped;
use bundle_format::manifest::check_name;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    airlock install Vendor_Install_Package_20260101_120000.exe --trust builder.pub --answers answers.toml --yes\n  \
    ./Bundle.exe --msiexec \"wine msiexec\" --root /var/lib/airlock --yes\n  \
    ./Bundle.exe --dry-run\n  \
    ./Bundle.exe --extract-only --extract-to /srv/components\n  \
    ./Bundle.exe --vendor-key symantec-listing.pub --yes\n\n\
    The bundle is verified (signature by a trusted key, every hash) while it is extracted;\n\
    nothing is installed unless everything holds (exit code 3 otherwise). Readiness checks\n\
    run before anything changes (exit 4 when one blocks). An installer that fails stops the\n\
    install (exit 7): what was installed before it is recorded, and the same command resumes.\n\
    Default extraction folder: <folder of the bundle>/<Vendor>/Components.\n\
    Answers file (TOML), one per machine, kept across bundles: [smp]\\n  INSTALLDIR = 'D:\\\\Altiris'\n\
    An answer no step of the bundle takes is a warning; a required property with no value\n\
    stops the install before any change (--dry-run lists them), unless a terminal can ask.\n\
    With a vendor key (--vendor-key PUB, or pinned as ROOT/vendor-keys/<Vendor>.pub, <Vendor>\n\
    as the listing names it), the vendor's signature of the listing packed in the bundle and\n\
    every file it runs (name, size, sha256) are checked against that signed listing before\n\
    anything is extracted: exit 3 on any difference, even with a valid builder signature.\n\
    --require-vendor-signature (or the file ROOT/vendor-keys/require-signature) refuses a\n\
    bundle with a listing no such key signed.")]
pub struct Args {
    #[command(flatten)]
    pub target: BundleArgs,
    /// Verify and extract, then stop
    #[arg(long, conflicts_with = "dry_run")]
    pub extract_only: bool,
    /// Where to extract (default: <folder of the bundle>/<Vendor>/Components)
    #[arg(long, value_name = "DIR")]
    pub extract_to: Option<PathBuf>,
    /// Show the readiness checks and the plan, change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Installer properties per product (TOML: `[smp] INSTALLDIR = 'D:\Altiris'`)
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,
    /// Ask nothing: install without confirmation
    #[arg(long)]
    pub yes: bool,
    #[command(flatten)]
    pub msiexec: MsiexecArgs,
    /// Install a bundle older than one already installed from the same key, or built from an older listing serial than one installed from
    #[arg(long)]
    pub allow_older: bool,
    /// Install an update bundle although this machine differs from the history it was built from
    #[arg(long)]
    pub force_base: bool,
    /// Print what was done as one JSON document on stdout (each step's result, restart needed)
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> Result<Exit> {
    let (signed, package, vendor) = args.target.open_checked()?;
    if vendor.any() {
        crate::say!("{}", vendor_text(&vendor));
    }
    let destination = match &args.extract_to {
        Some(dir) => dir.clone(),
        None => default_destination(&args.target.bundle, &package.vendor)?,
    };
    let key = signed.key().fingerprint().to_string();
    if args.extract_only {
        let manifest = extract(signed, &destination, &key)?;
        let mut report = Report::new(&manifest, "extract-only", &vendor);
        report.extracted_to = Some(destination.display().to_string());
        return report.print(args.json);
    }
    let backend = match args.dry_run {
        true => args.msiexec.backend(),
        false => Some(args.msiexec.required()?),
    };
    let root = args.target.trust.state();
    let locked = if args.dry_run {
        None
    } else {
        Some(
            root.clone()
                .lock(&format!("airlock install {}", args.target.bundle.display()))?,
        )
    };
    let record = root.record()?;
    if package.base.is_some()
        && let Some(done) = record
            .bundles
            .iter()
            .find(|b| b.id == signed.manifest().bundle_id)
    {
        let note = format!(
            "bundle {} (made {}) is already installed on this machine: nothing was done",
            done.id,
            crate::text::rfc3339_unix(done.created)
        );
        crate::say!("{}", escaped(&note));
        return Report::new(signed.manifest(), "install", &vendor)
            .note(note)
            .print(args.json);
    }
    crate::trust::serial_guard(&record, &package, args.allow_older)?;
    let answers = Answers::load(args.answers.as_deref()).map_err(install::Error::from)?;
    let backend_name = backend.as_ref().map(Backend::command).unwrap_or_default();
    let manifest = signed.manifest().clone();
    let context = checks::Context {
        extract_to: &destination,
        extract_bytes: manifest.total_size(),
        restart_requested: record.restart_requested,
        backend: &backend_name,
    };
    let plan = install::prepare(
        &record,
        &package,
        &manifest,
        &key,
        &install::Options {
            allow_older: args.allow_older,
            force_base: args.force_base,
            no_questions: args.yes || args.dry_run,
        },
        &answers,
        &context,
    )?;
    show(&plan, &package, &manifest);
    for unused in &plan.unused_answers {
        crate::say!("warning: {unused}");
    }
    if !plan.steps.iter().any(|(_, t)| *t == Todo::Run) && record.journal.is_none() {
        let note = "nothing to install: every step is done";
        crate::say!("{note}");
        return Report::new(&manifest, "install", &vendor)
            .with_steps(&plan, &package, false)
            .note(note.into())
            .print(args.json);
    }
    if let Some(blocked) = install::blocking(&plan) {
        return Err(install::Error::Blocked(blocked).into());
    }
    let (Some(locked), Some(backend)) = (locked, backend) else {
        match plan.missing_answers.len() {
            0 => crate::say!("dry run: nothing was changed"),
            n => crate::say!(
                "dry run: nothing was changed; the install would stop before any change: {n} \
                 required {} no value (listed above): give {} in --answers FILE",
                if n == 1 {
                    "property has"
                } else {
                    "properties have"
                },
                if n == 1 { "it" } else { "them" }
            ),
        }
        return Report::new(&manifest, "dry-run", &vendor)
            .with_steps(&plan, &package, false)
            .print(args.json);
    };
    if let Some(refusal) = &plan.unanswered {
        return Err(install::Error::Unanswered(refusal.clone()).into());
    }
    confirm("install these steps?", args.yes)?;
    extract(signed, &destination, &key)?;
    let target = Target {
        package: &package,
        manifest: &manifest,
        key: &key,
        components: &destination,
        backend: &backend,
    };
    let restart = install::execute(&locked, record, &target, &plan)?;
    if restart {
        crate::say!("installed; the machine must restart to finish");
    } else {
        crate::say!("installed");
    }
    let mut report = Report::new(&manifest, "install", &vendor).with_steps(&plan, &package, true);
    report.extracted_to = Some(destination.display().to_string());
    report.restart_needed = restart;
    report.print(args.json)
}

/// Goes on with `yes`; on a terminal, asks; otherwise stops and says to pass `--yes`.
pub fn confirm(question: &str, yes: bool) -> Result<()> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::Usage(format!(
            "{question} needs an answer, and there is no terminal to ask on: pass --yes"
        )));
    }
    crate::console::say(format_args!("{question} [y/N] "));
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(Error::Terminal)?;
    if matches!(line.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(install::Error::NotConfirmed.into())
    }
}

/// `<folder of the bundle>/<Vendor>/Components`, the vendor name checked as a plain name.
fn default_destination(bundle: &Path, vendor: &str) -> Result<PathBuf> {
    check_name(vendor).map_err(install::Error::VendorFolder)?;
    let folder = match bundle.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok(folder.join(vendor).join("Components"))
}
