//! `airlock history export`: writes this machine's product history (the XML of
//! `bundle-format/HISTORY.md`) for the online side.

use crate::commands::root::RootArgs;
use crate::error::{Error, Exit, Result};
use crate::state::now;
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Write the history as XML for `airlock build --history`
    #[command(
        after_help = "Example:\n  airlock history export --out server1-history.xml --root /var/lib/airlock"
    )]
    Export {
        /// The file to write (replaced atomically; its folder is made when missing)
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[command(flatten)]
        root: RootArgs,
    },
}

pub fn run(command: Command) -> Result<Exit> {
    let Command::Export { out, root } = command;
    let record = root.existing()?.record()?;
    let bytes = record.history(now()).to_xml();
    super::output::create_parent(&out)?;
    crate::state::write_file(&out, &bytes).map_err(Error::io(&out, "write"))?;
    crate::say!(
        "wrote {} ({} products, sha256 {})",
        out.display(),
        record.products.len(),
        crate::history::digest(&bytes)
    );
    Ok(Exit::Done)
}
