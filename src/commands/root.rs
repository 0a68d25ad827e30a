//! The `--root DIR` flag (env `AIRLOCK_ROOT`) every offline command takes: where
//! this machine's state lives.

use crate::state::{Root, default_root};
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
}
