//! `airlock uninstall ID`: removes a product and every installed product that
//! depends on it (except those marked retainOnCascade), dependents first,
//! through the installer backend, recording each removal as it is done; when
//! one of them cannot be removed, none is (see `crate::install::remove`).

use crate::commands::install::confirm;
use crate::commands::root::{MsiexecArgs, RootArgs};
use crate::error::{Exit, Result};
use crate::install::backend::Operation;
use crate::install::remove::{Removal, cascade, check};
use crate::install::run_logged;
use crate::state::now;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  airlock uninstall patch --msiexec \"wine msiexec\"\n  airlock uninstall smp --yes\n\n\
    Lists what will be removed (the product and its dependents, except those kept on\n\
    cascade) and asks; --yes removes without asking. Every product is checked first\n\
    (its ProductCode is known, the installer command runs): if one cannot be removed,\n\
    nothing is, and the message says which and why (exit code 1)."
)]
pub struct Args {
    /// The product id to uninstall
    pub id: String,
    #[command(flatten)]
    pub root: RootArgs,
    /// Remove without asking
    #[arg(long)]
    pub yes: bool,
    #[command(flatten)]
    pub msiexec: MsiexecArgs,
    /// Print what was removed as one JSON document on stdout
    #[arg(long)]
    pub json: bool,
}

/// The `--json` document of an uninstall: each product removed, in order.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    steps: Vec<StepReport>,
    /// An uninstaller asked for a restart.
    restart_needed: bool,
    exit: u8,
}

#[derive(serde::Serialize)]
struct StepReport {
    product: String,
    version: String,
    /// Always `uninstall`.
    action: &'static str,
    /// Always `uninstalled`: a removal that fails stops the command with an error.
    result: &'static str,
}

pub fn run(args: Args) -> Result<Exit> {
    let backend = args.msiexec.required()?;
    let (locked, mut record) = args.root.lock_installed("uninstall", &args.id)?;
    let remove = cascade(&record, &args.id);
    crate::say!("will uninstall, in this order:");
    for id in &remove {
        let p = &record.products[id];
        crate::say!("  {id} {} ({})", p.version, crate::text::escaped(&p.name));
    }
    let removals = check(&record, &remove, &backend).map_err(crate::install::Error::from)?;
    confirm("uninstall these products?", args.yes)?;
    let logs = locked.root.operation_logs(&format!("uninstall-{}", now()));
    let mut report = Report {
        steps: Vec::new(),
        restart_needed: false,
        exit: Exit::Done as u8,
    };
    for Removal { id, product_code } in &removals {
        let version = record.products[id].version.to_string();
        let what = format!("uninstall {id} {version}");
        crate::say!("{what}");
        let log = logs.join(format!("{id}.log"));
        report.restart_needed |= run_logged(
            &locked,
            &backend,
            &Operation::Uninstall(product_code),
            &[],
            &log,
            &what,
        )?;
        record.products.remove(id);
        locked.save(&record)?;
        report.steps.push(StepReport {
            product: id.clone(),
            version,
            action: "uninstall",
            result: "uninstalled",
        });
    }
    crate::say!("uninstalled {}", remove.join(", "));
    let exit = match report.restart_needed {
        true => {
            crate::say!("the machine must restart to finish");
            Exit::RestartNeeded
        }
        false => Exit::Done,
    };
    report.exit = exit as u8;
    if args.json {
        crate::commands::output::print_json(&report)?;
    }
    Ok(exit)
}
