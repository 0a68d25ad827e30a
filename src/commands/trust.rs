//! Which public keys this machine trusts: `--trust PUB` (repeatable) plus every
//! `ROOT/trusted-keys/*.pub`, where ROOT is `--root`, env `AIRLOCK_ROOT`, or the
//! platform default; and opening a bundle with them. Shared by every command
//! that checks a signature.

use crate::error::{Error, Result};
use bundle_format::keys::PublicKey;
use bundle_format::{SignedBundle, inspect};
use std::fs;
use std::io;
use std::path::PathBuf;

/// A bundle and the keys to check it with.
#[derive(Debug, Clone, clap::Args)]
pub struct BundleArgs {
    /// The bundle file
    #[arg(value_name = "BUNDLE")]
    pub bundle: PathBuf,
    #[command(flatten)]
    pub trust: TrustArgs,
}

impl BundleArgs {
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
        Ok(SignedBundle::open(&self.bundle, &keys)?)
    }
}

/// The flags that name trusted keys.
#[derive(Debug, Clone, clap::Args)]
pub struct TrustArgs {
    /// A trusted public key file (`.pub`, written by `airlock keygen`); repeatable
    #[arg(long = "trust", value_name = "PUB")]
    pub trust: Vec<PathBuf>,
    /// Where this machine's state lives; its `trusted-keys/*.pub` are trusted too
    #[arg(long, env = "AIRLOCK_ROOT", value_name = "DIR")]
    pub root: Option<PathBuf>,
}

/// `%ProgramData%\Airlock` on Windows, `/var/lib/airlock` elsewhere.
pub fn default_root() -> PathBuf {
    #[cfg(windows)]
    {
        let data = std::env::var_os("ProgramData").unwrap_or_else(|| r"C:\ProgramData".into());
        PathBuf::from(data).join("Airlock")
    }
    #[cfg(not(windows))]
    {
        PathBuf::from("/var/lib/airlock")
    }
}

impl TrustArgs {
    pub fn root(&self) -> PathBuf {
        self.root.clone().unwrap_or_else(default_root)
    }

    /// Every trusted key; an unreadable or malformed key file is an error naming it.
    pub fn keys(&self) -> Result<Vec<PublicKey>> {
        let mut keys = Vec::new();
        for path in &self.trust {
            keys.push(PublicKey::load(path)?);
        }
        let folder = self.root().join("trusted-keys");
        let entries = match fs::read_dir(&folder) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(keys),
            Err(e) => return Err(Error::Other(format!("{}: {e}", folder.display()))),
        };
        let mut paths = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::Other(format!("{}: {e}", folder.display())))?;
            let path = entry.path();
            if path.extension().is_some_and(|x| x == "pub") {
                paths.push(path);
            }
        }
        paths.sort();
        for path in paths {
            keys.push(PublicKey::load(&path)?);
        }
        Ok(keys)
    }

    /// The error for "no key trusted", naming the key that signed what was checked.
    pub fn none_trusted(&self, what: &str, fingerprint: &str) -> Error {
        Error::Verification(format!(
            "{what} is signed by key {fingerprint}, and no trusted key was given: \
             pass its public key with --trust PUB, or put it in {}",
            self.root().join("trusted-keys").display()
        ))
    }
}
