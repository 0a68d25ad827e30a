//! Which public keys this machine trusts: `--trust PUB` (repeatable) plus the
//! state root's trusted keys, where ROOT is `--root`, env `AIRLOCK_ROOT`, or the
//! platform default; and opening a bundle with them, refusing one whose key
//! is revoked or expired, then checking its files against the vendor keys
//! that apply (`--vendor-key`, `ROOT/vendor-keys/`). Shared by every command
//! that checks a signature.

use crate::commands::root::RootArgs;
use crate::error::{Error, Result};
use crate::package::Package;
use crate::state::{Root, now};
use crate::text::escaped;
use crate::trust::Ledger;
use crate::trust::vendor::{self, Checked, VendorKeys};
use bundle_format::keys::PublicKey;
use bundle_format::{SignedBundle, inspect};
use std::path::PathBuf;

/// A bundle and the keys to check it with.
#[derive(Debug, Clone, clap::Args)]
pub struct BundleArgs {
    /// The bundle file
    #[arg(value_name = "BUNDLE")]
    pub bundle: PathBuf,
    #[command(flatten)]
    pub trust: TrustArgs,
    #[command(flatten)]
    pub vendor: VendorArgs,
}

impl BundleArgs {
    /// Opens the bundle as [`BundleArgs::open`] does, reads its package
    /// description, and checks its files against the vendor keys that apply,
    /// reading only the packed listings: nothing is extracted yet.
    pub fn open_checked(&self) -> Result<(SignedBundle, Package, Checked)> {
        let mut signed = self.open()?;
        let package = Package::of(signed.manifest())?;
        let keys = VendorKeys::load(
            &self.trust.state(),
            &self.vendor.vendor_key,
            self.vendor.require_vendor_signature,
        )
        .map_err(crate::trust::Error::from)?;
        let checked =
            vendor::check(&mut signed, &package, &keys).map_err(crate::trust::Error::from)?;
        Ok((signed, package, checked))
    }

    /// Opens the bundle with the trusted keys: trailer, signature, manifest and
    /// runner are checked, not yet the payload. With no trusted key at all,
    /// refuses and names the key that signed the bundle.
    pub fn open(&self) -> Result<SignedBundle> {
        let keys = self.trust.keys()?;
        if keys.is_empty() {
            let claimed = inspect(&self.bundle)?;
            return Err(self.trust.none_trusted(
                &self.bundle.display().to_string(),
                &claimed.manifest.key_fingerprint,
            ));
        }
        let signed = SignedBundle::open(&self.bundle, &keys)?;
        self.trust.admit(
            &format!("bundle {}", self.bundle.display()),
            &signed.key().fingerprint().to_string(),
        )?;
        Ok(signed)
    }
}

/// The flags that name trusted keys.
#[derive(Debug, Clone, clap::Args)]
pub struct TrustArgs {
    /// A trusted public key file (`.pub`, written by `airlock keygen`); repeatable
    #[arg(long = "trust", value_name = "PUB")]
    pub trust: Vec<PathBuf>,
    /// Its `trusted-keys/*.pub` are trusted too
    #[command(flatten)]
    pub root: RootArgs,
}

impl TrustArgs {
    /// The state root these flags name.
    pub fn state(&self) -> Root {
        self.root.state()
    }

    /// Every trusted key; an unreadable or malformed key file is an error naming it.
    pub fn keys(&self) -> Result<Vec<PublicKey>> {
        let mut keys = Vec::new();
        for path in &self.trust {
            keys.push(PublicKey::load(path)?);
        }
        keys.extend(self.state().trusted_keys()?);
        Ok(keys)
    }

    /// Refuses `what`, signed by `fingerprint`, when the root's ledger says
    /// that key is revoked or past its expiry.
    pub fn admit(&self, what: &str, fingerprint: &str) -> Result<()> {
        Ledger::load(&self.state())?.admit(what, fingerprint, now())?;
        Ok(())
    }

    /// The error for "no key trusted", naming the key that signed what was checked.
    pub fn none_trusted(&self, what: &str, fingerprint: &str) -> Error {
        Error::NoTrustedKey {
            what: what.into(),
            fingerprint: fingerprint.into(),
            folder: self.state().trusted_keys_dir(),
        }
    }
}

/// The flags that pin vendor keys for one run.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct VendorArgs {
    /// A vendor's public key (`.pub`): every listing of the bundle must be signed by one of the keys given, and every file it runs be one a signed listing publishes; repeatable. Keys kept as ROOT/vendor-keys/<Vendor>.pub do the same for that vendor's listings
    #[arg(long = "vendor-key", value_name = "PUB")]
    pub vendor_key: Vec<PathBuf>,
    /// Refuse a bundle with a listing that no pinned or given vendor key signed (the file ROOT/vendor-keys/require-signature asks for this on every run)
    #[arg(long)]
    pub require_vendor_signature: bool,
}

/// What was checked against a vendor key, in a sentence.
pub fn vendor_text(checked: &Checked) -> String {
    if !checked.any() {
        return "files not checked against a vendor key (pin one as ROOT/vendor-keys/<Vendor>.pub \
                or pass --vendor-key PUB)"
            .into();
    }
    let listings: Vec<String> = checked
        .listings
        .iter()
        .map(|l| {
            let listing = format!(
                "{} ({}, serial {})",
                escaped(&l.name),
                escaped(&l.vendor),
                l.serial
            );
            match &l.vendor_key {
                Some(key) => format!("{listing} signed with vendor key {key}"),
                None => format!("{listing} not checked against a vendor key"),
            }
        })
        .collect();
    format!(
        "{} {} checked against the vendor: listing {}",
        checked.files,
        if checked.files == 1 { "file" } else { "files" },
        listings.join("; listing ")
    )
}
