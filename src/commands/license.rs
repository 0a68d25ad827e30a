//! `airlock license add FILE...`: applies purchased license files on this
//! machine (kept under the root, recorded per product).

use crate::commands::root::RootArgs;
use crate::error::{Exit, Result};
use crate::install::apply_license;
use crate::text::escaped;
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Apply license files (each for one product)
    #[command(
        after_help = "Example:\n  airlock license add patch.xml smp.xml --root /var/lib/airlock"
    )]
    Add {
        /// License files (`<license xmlns="urn:airlock:license:1" .../>`)
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        #[command(flatten)]
        root: RootArgs,
    },
}

pub fn run(command: Command) -> Result<Exit> {
    let Command::Add { files, root } = command;
    let mut read = Vec::new();
    for path in &files {
        let license = crate::license::License::load(path)?;
        let bytes =
            crate::license::read_bytes(path).map_err(bundle_format::IoError::at(path, "read"))?;
        read.push((license, bytes));
    }
    let locked = root.state().lock("airlock license add")?;
    let mut record = locked.root.record()?;
    let now = time::OffsetDateTime::now_utc();
    for (license, bytes) in read {
        apply_license(&locked, &mut record, &bytes, &license.product)?;
        let until = match license.expires_text() {
            Some(x) if license.expired_at(now) => format!(", EXPIRED since {x}"),
            Some(x) => format!(", until {x}"),
            None => ", perpetual".into(),
        };
        let installed = if record.products.contains_key(&license.product) {
            ""
        } else {
            " (not installed yet: it applies when it is)"
        };
        crate::say!(
            "applied license {} for {}{until}{installed}",
            escaped(&license.id),
            escaped(&license.product)
        );
    }
    Ok(Exit::Done)
}
