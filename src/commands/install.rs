//! `airlock install`: verifies a bundle and extracts its files. Installing them
//! (readiness checks, msiexec, licenses, history) is not part of this version:
//! only `--extract-only` runs, and without it the command says so.

use crate::commands::progress;
use crate::commands::trust::BundleArgs;
use crate::error::{Error, Exit, Result};
use crate::package::Package;
use crate::text::escaped;
use bundle_format::manifest::check_name;
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
    let bar = progress::files(signed.manifest(), "verifying and extracting");
    let manifest = signed.extract(&destination, &mut |n| bar.set_position(n))?;
    bar.finish_and_clear();
    eprintln!(
        "extracted {} files to {} (signed by trusted key {key}, every hash checked)",
        manifest.files.len(),
        escaped(&destination.display().to_string())
    );
    Ok(Exit::Done)
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
