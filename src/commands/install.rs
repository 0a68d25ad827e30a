//! `airlock install`: verifies a bundle and extracts its files. Installing them
//! (readiness checks, msiexec, licenses, history) is not part of this version:
//! only `--extract-only` runs, and without it the command says so.

use crate::commands::progress;
use crate::commands::trust::BundleArgs;
use crate::error::{Error, Exit, Result};
use crate::interrupt;
use crate::package::Package;
use crate::text::escaped;
use bundle_format::manifest::check_name;
use bundle_format::{
    Destination, DestinationLock, Manifest, SignedBundle, Staging, Stale, sweep_stale,
};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    airlock install Vendor_Install_Package_20260101_120000.exe --extract-only --trust builder.pub\n  \
    ./Bundle.exe --extract-only --extract-to /srv/components --root /var/lib/airlock\n\n\
    The bundle is verified (signature by a trusted key, every hash) while it is extracted;\n\
    nothing lands in the destination unless everything holds (exit code 3 otherwise).\n\
    Default destination: <folder of the bundle>/<Vendor>/Components.")]
pub struct Args {
    #[command(flatten)]
    pub target: BundleArgs,
    /// Verify and extract, then stop (installing is not available in this version)
    #[arg(long)]
    pub extract_only: bool,
    /// Where to extract (default: <folder of the bundle>/<Vendor>/Components)
    #[arg(long, value_name = "DIR")]
    pub extract_to: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<Exit> {
    if !args.extract_only {
        return Err(Error::Other(
            "installing is not available in this version of airlock yet: only \
             `--extract-only` is (verify and extract the files, then stop)"
                .into(),
        ));
    }
    let signed = args.target.open()?;
    let package = Package::of(signed.manifest())?;
    let destination = match args.extract_to {
        Some(dir) => dir,
        None => default_destination(&args.target.bundle, &package.vendor)?,
    };
    let key = signed.key().fingerprint();
    let manifest = extract(signed, &destination)?;
    eprintln!(
        "extracted {} files to {} (signed by trusted key {key}, every hash checked)",
        manifest.files.len(),
        escaped(&destination.display().to_string())
    );
    Ok(Exit::Done)
}

/// Extracts `signed` into `destination`, one extraction per destination at a
/// time (waiting for another one, named), after removing what interrupted runs
/// left there; an interrupting signal removes the staging folder.
fn extract(signed: SignedBundle, destination: &Path) -> Result<Manifest> {
    let dest = Destination::resolve(destination)?;
    let lock = DestinationLock::acquire(&dest, &mut |holder| {
        eprintln!(
            "waiting: {holder} is extracting into {}; this extraction starts when it ends",
            destination.display()
        );
    })?;
    let _lock_removed = interrupt::remove_on_interrupt(lock.path());
    for stale in sweep_stale(&dest)? {
        match stale {
            Stale::Removed(dir) => eprintln!(
                "removed {}: an extraction into {} was stopped (killed or crashed) before it finished",
                dir.display(),
                destination.display()
            ),
            Stale::Kept(dir) => eprintln!(
                "kept {}: an extraction into {} was stopped while replacing files; the files it \
                 replaced are in its ..replaced folder: move back what you need, then remove it",
                dir.display(),
                destination.display()
            ),
        }
    }
    let staging = Staging::create(&dest)?;
    let _staging_removed = interrupt::remove_on_interrupt(staging.path());
    let bar = progress::files(signed.manifest(), "verifying and extracting");
    let staged = signed.stage(&dest, staging, &mut |n| bar.set_position(n))?;
    bar.finish_and_clear();
    Ok(interrupt::uninterrupted(|| staged.commit())?)
}

/// `<folder of the bundle>/<Vendor>/Components`, the vendor name checked as a plain name.
fn default_destination(bundle: &Path, vendor: &str) -> Result<PathBuf> {
    check_name(vendor).map_err(|problem| {
        Error::Other(format!(
            "the vendor name cannot be used as a folder ({problem}); give --extract-to DIR"
        ))
    })?;
    let folder = match bundle.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok(folder.join(vendor).join("Components"))
}
