//! `airlock uninstall ID`: removes a product and every installed product that
//! depends on it (except those marked retainOnCascade), dependents first,
//! through the installer backend, recording each removal as it is done.

use crate::commands::install::confirm;
use crate::commands::root::{MsiexecArgs, RootArgs};
use crate::error::{Error, Exit, Result};
use crate::install::backend::Operation;
use crate::install::run_logged;
use crate::state::{Record, now};
use std::collections::BTreeSet;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  airlock uninstall patch --msiexec \"wine msiexec\"\n  airlock uninstall smp --yes\n\n\
    Lists what will be removed (the product and its dependents, except those kept on\n\
    cascade) and asks; --yes removes without asking."
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
}

/// `id` and, transitively, what requires it and is not retained; dependents first.
pub fn cascade(record: &Record, id: &str) -> Vec<String> {
    let mut order = vec![id.to_string()];
    let mut seen: BTreeSet<String> = order.iter().cloned().collect();
    let mut i = 0;
    while i < order.len() {
        let current = order[i].clone();
        for (other, p) in &record.products {
            if !seen.contains(other)
                && !p.retain_on_cascade
                && p.requires.iter().any(|d| d.product == current)
            {
                seen.insert(other.clone());
                order.push(other.clone());
            }
        }
        i += 1;
    }
    order.reverse();
    order
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
    confirm("uninstall these products?", args.yes)?;
    let logs = locked.root.logs_dir().join(format!("uninstall-{}", now()));
    for id in &remove {
        let Some(p) = record.products.get(id) else {
            continue;
        };
        let code = p.product_code.clone().ok_or_else(|| {
            Error::Other(format!(
                "{id} has no ProductCode recorded: remove it with the system's own tools, \
                 then run this again"
            ))
        })?;
        let what = format!("uninstall {id} {}", p.version);
        crate::say!("{what}");
        let log = logs.join(format!("{id}.log"));
        run_logged(
            &locked,
            &backend,
            &Operation::Uninstall(&code),
            &[],
            &log,
            &what,
        )?;
        record.products.remove(id);
        locked.save(&record)?;
    }
    crate::say!("uninstalled {}", remove.join(", "));
    Ok(Exit::Done)
}
