//! `airlock verify`: checks a bundle's signature (by a trusted key) and every
//! hash in one read, extracting nothing.

use super::output::{print, print_json};
use crate::commands::progress;
use crate::commands::signed::{BundleArgs, vendor_text};
use crate::error::{Exit, Result};
use crate::package::Package;
use crate::trust::vendor::Checked;
use bundle_format::runner::Identity;
use bundle_format::{FileEntry, Manifest};
use serde::Serialize;

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    airlock verify Vendor_Install_Package_20260101_120000.exe --trust builder.pub\n  \
    airlock verify Bundle.exe --root /var/lib/airlock --json\n  \
    airlock verify Bundle.exe --trust builder.pub --vendor-key symantec-listing.pub\n  \
    airlock verify Bundle.exe --require-vendor-signature\n\n\
    Exit code 0 only when the signature is by a trusted key and every hash holds;\n\
    3 when anything does not (the message names what). With a vendor key (--vendor-key,\n\
    or pinned as ROOT/vendor-keys/<Vendor>.pub), also the vendor's signature of each listing\n\
    packed in the bundle, and that every file it runs is, by name, size and sha256, one\n\
    that signed listing publishes for that product and release, hot fix, installer or EULA.\n\
    With --json, one JSON document is printed either way: the report, or {\"schema\", \"error\": {\"exit\", \"message\"}}.")]
pub struct Args {
    #[command(flatten)]
    pub target: BundleArgs,
    /// Print one JSON document: valid, keyFingerprint, bundleId, serial, files, runnerIdentity, vendorCheck
    #[arg(long)]
    pub json: bool,
}

/// The `--json` report.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Report<'a> {
    valid: bool,
    key_fingerprint: String,
    bundle_id: &'a str,
    serial: Option<u64>,
    files: &'a [FileEntry],
    /// What the runner is (platform, program, version, bundle format).
    runner_identity: &'a Identity,
    /// Each listing and the vendor key it was checked with (`null`: none),
    /// and how many files were found to be what a signed listing publishes.
    vendor_check: &'a Checked,
}

/// A bundle fully verified (signature, runner, every file's size and hash).
pub struct Verified {
    pub manifest: Manifest,
    pub package: Package,
    /// The fingerprint of the trusted key that signed it.
    pub key: String,
    /// What its (checked) runner is.
    pub runner: Identity,
    /// What was checked against a vendor key.
    pub vendor: Checked,
}

/// Fully verifies a bundle (signature, runner, the files against the vendor
/// keys that apply, every file's size and hash).
pub fn verify(target: &BundleArgs) -> Result<Verified> {
    let (mut signed, package, vendor) = target.open_checked()?;
    let key = signed.key().fingerprint().to_string();
    let runner = signed.runner_identity()?;
    let bar = progress::files(signed.manifest(), "verifying");
    let manifest = signed.verify_payload(&mut |n| bar.set_position(n))?;
    bar.finish_and_clear();
    Ok(Verified {
        manifest,
        package,
        key,
        runner,
        vendor,
    })
}

pub fn run(args: Args) -> Result<Exit> {
    // With --json, a failure's document is printed where every error's is.
    let Verified {
        manifest,
        package,
        key,
        runner,
        vendor,
    } = verify(&args.target)?;
    if args.json {
        let serial = package.listings.first().map(|l| l.serial);
        print_json(&Report {
            valid: true,
            key_fingerprint: key,
            bundle_id: &manifest.bundle_id,
            serial,
            files: &manifest.files,
            runner_identity: &runner,
            vendor_check: &vendor,
        })?;
    } else {
        let total = manifest.total_size();
        print(&format!(
            "valid: {} is signed by trusted key {key}; bundle {} of {}, {} steps, \
             {} files ({} bytes), every hash checked; runner {}; {}\n",
            args.target.bundle.display(),
            manifest.bundle_id,
            package.vendor,
            package.steps.len(),
            manifest.files.len(),
            total,
            crate::text::escaped(&runner.to_string()),
            vendor_text(&vendor)
        ))?;
    }
    Ok(Exit::Done)
}
