//! `--history` for `plan` and `build`: reading the machines' exported
//! histories, refusing a listing older than one a machine already used,
//! planning each machine's update, and showing what each product has and
//! will have.

use crate::error::{Error, Result};
use crate::history::Imported;
use crate::listing::Catalog;
use crate::plan::{self, Change, Plan, Selection, Update};
use crate::text::escaped;
use serde::Serialize;
use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// How many unknown products are named one by one on stderr.
const SHOWN: usize = 20;

/// One machine's history and the plan that brings it up to date.
pub struct Machine {
    pub path: PathBuf,
    pub imported: Imported,
    pub update: Update,
}

/// Reads every history (each machine once), then plans each machine's update.
pub fn plan_all(
    catalog: &Catalog,
    selection: &Selection,
    paths: &[PathBuf],
) -> Result<Vec<Machine>> {
    let mut machines: Vec<Machine> = Vec::new();
    for path in paths {
        let imported = load(path)?;
        if let Some(twin) = machines
            .iter()
            .find(|m| m.imported.history.machine_id == imported.history.machine_id)
        {
            return Err(Error::Usage(format!(
                "--history {} and --history {} are histories of the same machine ({}); give one per machine, its latest",
                path.display(),
                twin.path.display(),
                imported.history.machine_id
            )));
        }
        check_serials(catalog, path, &imported)?;
        let update = plan::update(catalog, selection, &imported.history)?;
        for id in update.unknown.iter().take(SHOWN) {
            crate::say!(
                "warning: history {}: installed product {id:?} is not in the listings; it is left alone",
                path.display()
            );
        }
        if let Some(more) = update.unknown.len().checked_sub(SHOWN).filter(|n| *n > 0) {
            crate::say!(
                "warning: history {}: and {more} more installed products the listings do not know (all in --json's \"unknown\")",
                path.display()
            );
        }
        machines.push(Machine {
            path: path.clone(),
            imported,
            update,
        });
    }
    Ok(machines)
}

fn load(path: &Path) -> Result<Imported> {
    Imported::load(path).map_err(|e| Error::Other(format!("history {}: {e}", path.display())))
}

/// A listing older than the one the machine last used would plan from
/// stale knowledge (and could pass off older releases as updates).
fn check_serials(catalog: &Catalog, path: &Path, imported: &Imported) -> Result<()> {
    for listing in &catalog.listings {
        let newer = imported.history.listings.iter().find(|l| {
            l.vendor == listing.vendor && l.name == listing.name && l.serial > listing.serial
        });
        if let Some(used) = newer {
            return Err(Error::Other(format!(
                "history {}: machine {} last used listing {} {} serial {}, newer than the serial {} given here; \
                 update the listing (`airlock listing update`) and build again",
                path.display(),
                escaped(&imported.history.machine_name),
                escaped(&listing.vendor),
                escaped(&listing.name),
                used.serial,
                listing.serial
            )));
        }
    }
    Ok(())
}

/// The machine block of the text output: one line per product, what it has
/// and what it will have (`smp 7.6.1423.0 -> 7.6.1655.0 (7.6 HF7) -> 8.0.2298.0`).
pub fn render(machine: &Machine) -> String {
    let history = &machine.imported.history;
    let mut out = format!(
        "Machine {} ({}), history sha256 {}:\n",
        escaped(&history.machine_name),
        history.machine_id,
        machine.imported.sha256
    );
    let width = machine
        .update
        .products
        .iter()
        .map(|c| c.product.len())
        .max()
        .unwrap_or(0);
    // Looked up once per product: a machine may have hundreds of thousands.
    let unknown: HashSet<&str> = machine.update.unknown.iter().map(String::as_str).collect();
    for change in &machine.update.products {
        let has = change
            .has
            .as_ref()
            .map_or_else(|| "(not installed)".to_string(), ToString::to_string);
        let mut line = format!("{:width$}  {has}", change.product);
        if unknown.contains(change.product.as_str()) {
            line.push_str(" (not in the listings: left alone)");
        } else if change.path.is_empty() {
            match change.offered {
                Some(v) => {
                    let _ = write!(
                        line,
                        " (left as is: the listings offer {v}, not selected or no upgrade path reaches it)"
                    );
                }
                None => line.push_str(" (up to date)"),
            }
        }
        for point in &change.path {
            let _ = write!(line, " -> {point}");
        }
        let _ = writeln!(out, "  {}", escaped(&line));
    }
    out
}

/// The `plan --json` document of an incremental plan: the contract's plan
/// and, per product, what the machine has and will have.
#[derive(Serialize)]
pub struct Report<'a> {
    #[serde(flatten)]
    pub plan: &'a Plan,
    pub machine: MachineRef<'a>,
    pub products: &'a [Change],
    pub unknown: &'a [String],
}

#[derive(Serialize)]
pub struct MachineRef<'a> {
    pub id: &'a str,
    pub name: &'a str,
    /// sha256 of the history file.
    pub history: &'a str,
}

impl Machine {
    pub fn reference(&self) -> MachineRef<'_> {
        MachineRef {
            id: &self.imported.history.machine_id,
            name: &self.imported.history.machine_name,
            history: &self.imported.sha256,
        }
    }

    pub fn report(&self) -> Report<'_> {
        Report {
            plan: &self.update.plan,
            machine: self.reference(),
            products: &self.update.products,
            unknown: &self.update.unknown,
        }
    }
}
