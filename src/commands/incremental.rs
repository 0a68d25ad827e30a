//! `--history` for `plan` and `build`: showing what planning the machines
//! warned about, and what each product of a machine has and will have.

use crate::plan::{Change, Entry, Kept, Machine, MachineRef, Plan};
use crate::text::escaped;
use serde::{Serialize, Serializer};
use std::fmt::Write as _;

/// How many unknown products are named one by one on stderr.
const SHOWN: usize = 20;

/// Says on stderr which installed products the listings do not know: the
/// first [`SHOWN`] of each history by name, then how many more.
pub fn warn(machines: &[Machine]) {
    for machine in machines {
        let history = &machine.path;
        let mut unknown = machine.unknown();
        for p in unknown.by_ref().take(SHOWN) {
            crate::say!(
                "warning: history {}: installed product {:?} is not in the listings; it is left alone",
                history.display(),
                p.id.as_str()
            );
        }
        let more = unknown.count();
        if more > 0 {
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
        .products()
        .map(|e| e.product().len())
        .max()
        .unwrap_or(0);
    for entry in machine.products() {
        let line = match entry {
            Entry::Known(change) => line(change, width),
            Entry::Unknown(p) => format!(
                "{:width$}  {} (not in the listings: left alone)",
                p.id.as_str(),
                Kept::of(p)
            ),
        };
        let _ = writeln!(out, "  {}", escaped(&line));
    }
    out
}

/// The line of a product the listings define, or one the plan adds.
fn line(change: &Change, width: usize) -> String {
    let has = change
        .has
        .as_ref()
        .map_or_else(|| "(not installed)".to_string(), ToString::to_string);
    let mut line = format!("{:width$}  {has}", change.product);
    if change.path.is_empty() {
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
    line
}

/// The `plan --json` document of an incremental plan: the contract's plan
/// and, per product, what the machine has and will have.
#[derive(Serialize)]
pub struct Report<'a> {
    #[serde(flatten)]
    plan: &'a Plan,
    machine: MachineRef<'a>,
    /// Every product the machine has or the plan adds, as a [`Change`].
    #[serde(serialize_with = "products")]
    products: &'a Machine,
    /// The installed products no listing defines, by id.
    #[serde(serialize_with = "unknown")]
    unknown: &'a Machine,
}

/// The `plan --json` document of one machine's update.
pub fn report(machine: &Machine) -> Report<'_> {
    Report {
        plan: &machine.update.plan,
        machine: machine.reference(),
        products: machine,
        unknown: machine,
    }
}

// The lists of a machine's products are written as they are read from its
// history, never collected: it may have hundreds of thousands.

fn products<S: Serializer>(machine: &&Machine, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(machine.products())
}

fn unknown<S: Serializer>(machine: &&Machine, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(machine.unknown().map(|p| p.id.as_str()))
}
