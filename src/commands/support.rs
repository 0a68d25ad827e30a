//! `airlock support-package`: writes the support package (see `crate::support`).

use crate::commands::root::RootArgs;
use crate::error::{Exit, Result};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  airlock support-package --root /var/lib/airlock --out /media/usb\n\n\
    Writes Support_<YYYYMMDD>_<HHMMSS>.zip (UTC; Support_<YYYYMMDD>_<HHMMSS>_2.zip and so on\n\
    when that name is taken): airlock and installer logs, every listing received, the\n\
    record, the history and the settings. No property value is in it."
)]
pub struct Args {
    #[command(flatten)]
    pub root: RootArgs,
    /// The folder to write the zip into, made when missing (default: the current folder)
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
}

pub fn run(args: Args) -> Result<Exit> {
    let root = args.root.existing()?;
    let keys: Vec<String> = root
        .trusted_keys()
        .map(|k| k.iter().map(|k| k.fingerprint().to_string()).collect())
        .unwrap_or_default();
    let settings = format!(
        "airlock {}\nroot {}\nplatform {} {}\nAIRLOCK_MSIEXEC {}\ntrusted keys {}\n",
        env!("CARGO_PKG_VERSION"),
        root.dir().display(),
        std::env::consts::OS,
        std::env::consts::ARCH,
        std::env::var("AIRLOCK_MSIEXEC").unwrap_or_else(|_| "(not set)".into()),
        if keys.is_empty() {
            "(none)".into()
        } else {
            keys.join(", ")
        }
    );
    super::output::create_folder(&args.out)?;
    let path = crate::support::write(&root, &args.out, &settings).map_err(
        bundle_format::IoError::at(&args.out, "write the support package in"),
    )?;
    crate::commands::output::print(&format!("{}\n", path.display()))?;
    Ok(Exit::Done)
}
