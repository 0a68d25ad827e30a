//! `airlock repair ID`: reinstalls every file of an installed product from
//! its extracted installer file (`msiexec /i FILE REINSTALL=ALL REINSTALLMODE=amus`).

use crate::commands::root::{MsiexecArgs, RootArgs};
use crate::error::{Exit, Result};
use crate::install;
use crate::install::backend::Operation;
use crate::install::run_logged;
use crate::package::Method;
use crate::state::now;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  airlock repair smp --msiexec \"wine msiexec\"\n\n\
    Uses the installer file the product was installed from (kept where the bundle was\n\
    extracted); extract the bundle again with --extract-only if it is gone."
)]
pub struct Args {
    /// The product id to repair
    pub id: String,
    #[command(flatten)]
    pub root: RootArgs,
    #[command(flatten)]
    pub msiexec: MsiexecArgs,
}

pub fn run(args: Args) -> Result<Exit> {
    let backend = args.msiexec.required()?;
    let (locked, mut record) = args.root.lock_installed("repair", &args.id)?;
    let p = &record.products[&args.id];
    if p.method != Method::Msi {
        return Err(install::Error::NotRepairable {
            id: args.id,
            version: p.version.to_string(),
            kind: p.method.file_kind(),
        }
        .into());
    }
    if !p.file.is_file() {
        return Err(install::Error::InstallerGone {
            id: args.id,
            version: p.version.to_string(),
            file: p.file.clone(),
            bundle: p.bundle.clone(),
        }
        .into());
    }
    let what = format!("repair {} {}", args.id, p.version);
    crate::say!("{what}");
    let log = locked
        .root
        .logs_dir()
        .join(format!("repair-{}", now()))
        .join(format!("{}.log", args.id));
    let restart = run_logged(
        &locked,
        &backend,
        &Operation::Repair(&p.file),
        &[],
        &log,
        &what,
    )?;
    if restart {
        record.ask_restart(now(), &what);
        locked.save(&record)?;
        crate::say!("repaired; the machine must restart to finish");
        return Ok(Exit::RestartNeeded);
    }
    crate::say!("repaired");
    Ok(Exit::Done)
}
