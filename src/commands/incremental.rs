//! `--history` for `plan` and `build`: showing what planning the machines
//! warned about, and what each product of a machine has and will have.

use crate::plan::{Change, Machine, MachineRef, Plan};
use crate::text::escaped;
use serde::Serialize;
use std::collections::HashSet;
use std::fmt::Write as _;

/// How many unknown products are named one by one on stderr.
const SHOWN: usize = 20;

/// Says on stderr which installed products the listings do not know: the
/// first [`SHOWN`] of each history by name, then how many more.
pub fn warn(machines: &[Machine]) {
    for machine in machines {
        let (history, products) = (&machine.path, &machine.update.unknown);
        for id in products.iter().take(SHOWN) {
            crate::say!(
                "warning: history {}: installed product {id:?} is not in the listings; it is left alone",
                history.display()
            );
        }
        if let Some(more) = products.len().checked_sub(SHOWN).filter(|n| *n > 0) {
            crate::say!(
                "warning: history {}: and {more} more installed products the listings do not know (all in --json's \"unknown\")",
                history.display()
            );
        }
    }
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

/// The `plan --json` document of one machine's update.
pub fn report(machine: &Machine) -> Report<'_> {
    Report {
        plan: &machine.update.plan,
        machine: machine.reference(),
        products: &machine.update.products,
        unknown: &machine.update.unknown,
    }
}
