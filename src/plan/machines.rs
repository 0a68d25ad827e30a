//! Planning for machines that exported their history: each history read
//! once, one history per machine, no listing older than one the machine
//! already used, then each machine's update planned. Installed products the
//! listings do not know are left in each history, listed (`unknown`) for the
//! caller to show.

use super::{Entry, Error, Selection, Update, update};
use crate::history::{Imported, ReadError};
use crate::listing::Catalog;
use crate::text::escaped;
use std::path::{Path, PathBuf};

/// One machine's history and the plan that brings it up to date.
pub struct Machine {
    pub path: PathBuf,
    pub imported: Imported,
    pub update: Update,
}

/// The machine an incremental plan or bundle is for, as `--json` names it.
#[derive(serde::Serialize)]
pub struct MachineRef<'a> {
    pub id: &'a str,
    pub name: &'a str,
    /// sha256 of the history file.
    pub history: &'a str,
}

impl Machine {
    /// Every product the machine has or its update adds, by id.
    pub fn products(&self) -> impl Iterator<Item = Entry<'_>> {
        self.update.products(&self.imported.history)
    }

    /// The machine's products no listing defines, by id.
    pub fn unknown(&self) -> impl Iterator<Item = &crate::history::Product> {
        self.update.unknown(&self.imported.history)
    }

    pub fn reference(&self) -> MachineRef<'_> {
        MachineRef {
            id: &self.imported.history.machine_id,
            name: &self.imported.history.machine_name,
            history: &self.imported.sha256,
        }
    }
}

/// Why the machines' updates cannot be planned.
#[derive(Debug, thiserror::Error)]
pub enum MachineError {
    #[error("history {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: ReadError,
    },
    #[error(
        "--history {} and --history {} are histories of the same machine ({machine_id}); give one per machine, its latest",
        path.display(),
        twin.display()
    )]
    SameMachine {
        path: PathBuf,
        twin: PathBuf,
        machine_id: String,
    },
    #[error(
        "history {}: machine {} last used listing {} {} serial {used}, newer than the serial {given} given here; \
         update the listing (`airlock listing update`) and build again",
        path.display(),
        escaped(machine),
        escaped(vendor),
        escaped(listing)
    )]
    OlderListing {
        path: PathBuf,
        machine: String,
        vendor: String,
        listing: String,
        used: u64,
        given: u64,
    },
    #[error(transparent)]
    Plan(#[from] Error),
}

impl MachineError {
    /// A command line that names one machine twice.
    pub fn is_usage(&self) -> bool {
        matches!(self, MachineError::SameMachine { .. })
    }
}

/// Reads every history (each machine once), then plans each machine's update.
pub fn machines(
    catalog: &Catalog,
    selection: &Selection,
    paths: &[PathBuf],
) -> Result<Vec<Machine>, MachineError> {
    let mut machines: Vec<Machine> = Vec::new();
    for path in paths {
        let imported = Imported::load(path).map_err(|source| MachineError::Read {
            path: path.clone(),
            source,
        })?;
        if let Some(twin) = machines
            .iter()
            .find(|m| m.imported.history.machine_id == imported.history.machine_id)
        {
            return Err(MachineError::SameMachine {
                path: path.clone(),
                twin: twin.path.clone(),
                machine_id: imported.history.machine_id.clone(),
            });
        }
        check_serials(catalog, path, &imported)?;
        let update = update(catalog, selection, &imported.history)?;
        machines.push(Machine {
            path: path.clone(),
            imported,
            update,
        });
    }
    Ok(machines)
}

/// A listing older than the one the machine last used would plan from
/// stale knowledge (and could pass off older releases as updates).
fn check_serials(catalog: &Catalog, path: &Path, imported: &Imported) -> Result<(), MachineError> {
    for listing in &catalog.listings {
        let newer = imported.history.listings.iter().find(|l| {
            l.vendor == listing.vendor && l.name == listing.name && l.serial > listing.serial
        });
        if let Some(used) = newer {
            return Err(MachineError::OlderListing {
                path: path.to_path_buf(),
                machine: imported.history.machine_name.clone(),
                vendor: listing.vendor.clone(),
                listing: listing.name.clone(),
                used: used.serial,
                given: listing.serial,
            });
        }
    }
    Ok(())
}
