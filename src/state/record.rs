//! The record of what this machine has: installed products (with what the
//! runner needs to repair and uninstall them), licenses, listings received,
//! bundles installed, and the journal of an install in progress. Stored as one
//! JSON document, rewritten whole after each change; it never holds a
//! property value.

use crate::history::{self, History, LicenseState};
use crate::listing::{LicenseKind, Version};
use crate::package::{CriticalUpdate, Dependency, Method};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The record's format, in `format`.
pub const FORMAT: u32 = 1;
/// How long a product without a purchased license runs on an offline machine.
pub const TRIAL_SECONDS: u64 = 7 * 24 * 3600;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Record {
    pub format: u32,
    /// Random, made when the record is first written.
    pub machine_id: String,
    pub machine_name: String,
    pub products: BTreeMap<String, Product>,
    /// The vendor's installation program, once installed.
    #[serde(default)]
    pub installer: Option<Installer>,
    /// Purchased licenses applied, by product.
    pub licenses: BTreeMap<String, License>,
    /// Every listing received (its bytes are under `listings/`).
    pub listings: Vec<Received>,
    /// The critical updates those listings declare.
    pub critical_updates: Vec<CriticalUpdate>,
    /// Bundles whose install finished.
    pub bundles: Vec<history::Bundle>,
    /// The install in progress, if one stopped before its end.
    #[serde(default)]
    pub journal: Option<Journal>,
    /// Unix seconds when an installer last asked for a restart.
    #[serde(default)]
    pub restart_requested: Option<u64>,
    /// What asked for it (`smp 8.0.2298.0`, `repair smp`).
    #[serde(default)]
    pub restart_requested_by: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Product {
    pub name: String,
    pub version: Version,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub hotfix: Option<String>,
    /// The ProductCode installed now (see `crate::identity`); absent in
    /// records written before codes were kept, and for a product whose
    /// installer program names none.
    #[serde(default)]
    pub product_code: Option<String>,
    #[serde(default)]
    pub upgrade_code: Option<String>,
    /// Unix seconds of the first install (the trial starts then).
    pub installed: u64,
    pub updated: u64,
    /// The bundle that brought the current version.
    pub bundle: String,
    /// The extracted installer file of the current version, for repair (a
    /// patch keeps the MSI it patched).
    pub file: PathBuf,
    pub method: Method,
    pub license: LicenseKind,
    pub requires: Vec<Dependency>,
    pub retain_on_cascade: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Installer {
    pub name: String,
    pub version: Version,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct License {
    pub id: String,
    /// RFC 3339; absent: perpetual.
    #[serde(default)]
    pub expires: Option<String>,
    /// Unix seconds of the expiry, for comparisons.
    #[serde(default)]
    pub expires_at: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Received {
    pub vendor: String,
    pub name: String,
    pub serial: u64,
    pub sha256: String,
    /// Its file under `ROOT/listings/`.
    pub file: String,
}

/// Where an install stands: the steps of `bundle` done so far, and the one running.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Journal {
    pub bundle: String,
    pub done: Vec<usize>,
    #[serde(default)]
    pub running: Option<usize>,
}

impl Record {
    pub fn new(machine_id: String, machine_name: String) -> Record {
        Record {
            format: FORMAT,
            machine_id,
            machine_name,
            products: BTreeMap::new(),
            installer: None,
            licenses: BTreeMap::new(),
            listings: Vec::new(),
            critical_updates: Vec::new(),
            bundles: Vec::new(),
            journal: None,
            restart_requested: None,
            restart_requested_by: None,
        }
    }

    /// Notes that `what` (an installer run) asked for a restart at `now`.
    pub fn ask_restart(&mut self, now: u64, what: &str) {
        self.restart_requested = Some(now);
        self.restart_requested_by = Some(what.to_string());
    }

    /// When a restart was asked for and by what, while the machine has not
    /// restarted since (by its boot time; without one, until asked again).
    pub fn pending_restart(&self, boot: Option<u64>) -> Option<(u64, &str)> {
        let asked = self.restart_requested?;
        if boot.is_some_and(|b| b > asked) {
            return None;
        }
        Some((
            asked,
            self.restart_requested_by
                .as_deref()
                .unwrap_or("an installer"),
        ))
    }

    /// A product's license state at `now` (unix seconds), and when it ends.
    pub fn license_of(&self, id: &str, now: u64) -> history::License {
        let product = self.products.get(id);
        if let Some(l) = self.licenses.get(id) {
            let expired = l.expires_at.is_some_and(|x| x <= now);
            return history::License {
                state: if expired {
                    LicenseState::Expired
                } else {
                    LicenseState::Licensed
                },
                expires: l.expires.as_deref().map(Box::from),
            };
        }
        match product {
            Some(p) if p.license != LicenseKind::Free => {
                let ends = p.installed.saturating_add(TRIAL_SECONDS);
                history::License {
                    state: if ends <= now {
                        LicenseState::Expired
                    } else {
                        LicenseState::Trial
                    },
                    expires: Some(crate::text::rfc3339_unix(ends).into()),
                }
            }
            _ => history::License {
                state: LicenseState::Free,
                expires: None,
            },
        }
    }

    /// Critical updates that affect an installed version.
    pub fn pending_critical<'a>(&'a self, extra: &'a [CriticalUpdate]) -> Vec<&'a CriticalUpdate> {
        let mut pending: Vec<&CriticalUpdate> = Vec::new();
        for c in self.critical_updates.iter().chain(extra) {
            let affected = self
                .products
                .get(&c.product)
                .is_some_and(|p| c.affects.matches(&p.version));
            if affected
                && !pending
                    .iter()
                    .any(|p| p.id == c.id && p.product == c.product)
            {
                pending.push(c);
            }
        }
        pending
    }

    /// The history this record exports at `now` (unix seconds).
    pub fn history(&self, now: u64) -> History {
        let mut listings: Vec<history::Listing> = Vec::new();
        for r in &self.listings {
            let last = listings
                .iter_mut()
                .find(|l| l.vendor == r.vendor && l.name == r.name);
            match last {
                Some(l) => l.serial = l.serial.max(r.serial),
                None => listings.push(history::Listing {
                    vendor: r.vendor.clone(),
                    name: r.name.clone(),
                    serial: r.serial,
                }),
            }
        }
        History {
            machine_id: self.machine_id.clone(),
            machine_name: self.machine_name.clone(),
            installer: self.installer.as_ref().map(|i| history::Installer {
                name: i.name.clone(),
                version: i.version,
            }),
            products: self
                .products
                .iter()
                .map(|(id, p)| history::Product {
                    id: id.as_str().into(),
                    version: p.version,
                    hotfix: p.hotfix.as_deref().map(Box::from),
                    product_code: p.product_code.as_deref().map(Box::from),
                    installed: p.installed,
                    license: self.license_of(id, now),
                })
                .collect(),
            listings,
            bundles: self.bundles.clone(),
        }
    }
}
