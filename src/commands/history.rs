//! `airlock history export`: writes this machine's product history (the XML of
//! `bundle-format/HISTORY.md`) for the online side.

use crate::commands::root::RootArgs;
use crate::error::{Exit, Result};
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
        /// Print the file written, its product count and sha256 as one JSON document on stdout
        #[arg(long)]
        json: bool,
    },
}

/// The `--json` document of an export.
#[derive(serde::Serialize)]
struct Report {
    path: String,
    products: usize,
    sha256: String,
}

pub fn run(command: Command) -> Result<Exit> {
    let Command::Export { out, root, json } = command;
    let record = root.existing()?.record()?;
    let bytes = record.history(now()).to_xml();
    super::output::create_parent(&out)?;
    crate::state::write_file(&out, &bytes).map_err(bundle_format::IoError::at(&out, "write"))?;
    let report = Report {
        path: out.display().to_string(),
        products: record.products.len(),
        sha256: crate::history::digest(&bytes),
    };
    crate::say!(
        "wrote {} ({} products, sha256 {})",
        report.path,
        report.products,
        report.sha256
    );
    if json {
        super::output::print_json(&report)?;
    }
    Ok(Exit::Done)
}
