//! The flags the offline commands share: `--root DIR` (env `AIRLOCK_ROOT`),
//! where this machine's state lives, and `--msiexec CMD` (env
//! `AIRLOCK_MSIEXEC`), the Windows Installer command.

use crate::error::{Error, Result};
use crate::install::backend::Backend;
use crate::install::critical_guard;
use crate::state::{Locked, Record, Root, default_root};
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct RootArgs {
    /// Where this machine's state lives (record, logs, licenses, listings, trusted keys)
    #[arg(long, env = "AIRLOCK_ROOT", value_name = "DIR")]
    pub root: Option<PathBuf>,
}

impl RootArgs {
    /// The state root these flags name (the platform default without one).
    pub fn state(&self) -> Root {
        Root::new(self.root.clone().unwrap_or_else(default_root))
    }

    /// The state root, which must exist: a root that is not there is a
    /// wrong `--root` (or a machine where nothing was ever installed), and
    /// reading it as empty would hide that.
    pub fn existing(&self) -> Result<Root> {
        let root = self.state();
        root.check_folder()?;
        if !root.dir().is_dir() {
            return Err(crate::state::Error::NoRoot {
                path: root.dir().to_path_buf(),
            }
            .into());
        }
        Ok(root)
    }

    /// Locks the root for `airlock VERB ID` on an installed product; a
    /// pending critical update stops it (exit 8).
    pub fn lock_installed(&self, verb: &str, id: &str) -> Result<(Locked, Record)> {
        let locked = self.existing()?.lock(&format!("airlock {verb} {id}"))?;
        let record = locked.root.record()?;
        if !record.products.contains_key(id) {
            return Err(crate::install::Error::NotInstalled { id: id.into() }.into());
        }
        critical_guard(&record, &[], |_| false)?;
        Ok((locked, record))
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct MsiexecArgs {
    /// The Windows Installer command (default `msiexec` on Windows; elsewhere e.g. "wine msiexec")
    #[arg(long, env = "AIRLOCK_MSIEXEC", value_name = "CMD")]
    pub msiexec: Option<String>,
}

impl MsiexecArgs {
    /// The backend, when one is configured or the platform has a default.
    pub fn backend(&self) -> Option<Backend> {
        Backend::configured(self.msiexec.as_deref())
    }

    /// The backend, or the refusal that says how to give one.
    pub fn required(&self) -> Result<Backend> {
        self.backend().ok_or_else(|| {
            Error::Usage(
                "no Windows Installer command: on this system give one with --msiexec CMD \
                 (for example --msiexec \"wine msiexec\") or env AIRLOCK_MSIEXEC; nothing was \
                 changed"
                    .into(),
            )
        })
    }
}
