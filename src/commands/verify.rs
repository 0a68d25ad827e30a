//! `airlock verify`: checks a bundle's signature (by a trusted key) and every
//! hash in one read, extracting nothing.

use super::output::{print, print_json};
use crate::commands::progress;
use crate::commands::trust::BundleArgs;
use crate::error::{Error, Exit, Result};
use crate::package::Package;
use bundle_format::runner::Identity;
use bundle_format::{FileEntry, Manifest};
use serde::Serialize;

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    airlock verify Vendor_Install_Package_20260101_120000.exe --trust builder.pub\n  \
    airlock verify Bundle.exe --root /var/lib/airlock --json\n\n\
    Exit code 0 only when the signature is by a trusted key and every hash holds;\n\
    3 when anything does not (the message names what). With --json, one JSON document\n\
    is printed either way, with \"valid\" and, on failure, \"error\".")]
pub struct Args {
    #[command(flatten)]
    pub target: BundleArgs,
    /// Print one JSON document: valid, keyFingerprint, bundleId, serial, files
    #[arg(long)]
    pub json: bool,
}

/// The `--json` report.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Report<'a> {
    valid: bool,
    key_fingerprint: Option<String>,
    bundle_id: Option<&'a str>,
    serial: Option<u64>,
    files: &'a [FileEntry],
    /// What the runner is (platform, program, version, bundle format).
    #[serde(skip_serializing_if = "Option::is_none")]
    runner_identity: Option<&'a Identity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// A bundle fully verified (signature, runner, every file's size and hash).
pub struct Verified {
    pub manifest: Manifest,
    pub package: Package,
    /// The fingerprint of the trusted key that signed it.
    pub key: String,
    /// What its (checked) runner is.
    pub runner: Identity,
}

/// Fully verifies a bundle (signature, runner, every file's size and hash).
pub fn verify(target: &BundleArgs) -> Result<Verified> {
    let mut signed = target.open()?;
    let package = Package::of(signed.manifest())?;
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
    })
}

pub fn run(args: Args) -> Result<Exit> {
    match verify(&args.target) {
        Ok(Verified {
            manifest,
            package,
            key,
            runner,
        }) => {
            let serial = package.listings.first().map(|l| l.serial);
            if args.json {
                print_json(&Report {
                    valid: true,
                    key_fingerprint: Some(key),
                    bundle_id: Some(&manifest.bundle_id),
                    serial,
                    files: &manifest.files,
                    runner_identity: Some(&runner),
                    error: None,
                })?;
            } else {
                let total = manifest.total_size();
                print(&format!(
                    "valid: {} is signed by trusted key {key}; bundle {} of {}, {} steps, \
                     {} files ({} bytes), every hash checked; runner {}\n",
                    args.target.bundle.display(),
                    manifest.bundle_id,
                    package.vendor,
                    package.steps.len(),
                    manifest.files.len(),
                    total,
                    crate::text::escaped(&runner.to_string())
                ))?;
            }
            Ok(Exit::Done)
        }
        Err(error) => {
            if args.json {
                // The verdict is the exit code: a reader gone does not change it.
                let printed = print_json(&Report {
                    valid: false,
                    key_fingerprint: None,
                    bundle_id: None,
                    serial: None,
                    files: &[],
                    runner_identity: None,
                    error: Some(error.to_string()),
                });
                if let Err(e) = printed
                    && !matches!(e, Error::StdoutClosed)
                {
                    return Err(e);
                }
            }
            Err(error)
        }
    }
}
