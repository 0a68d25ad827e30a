//! Resolving a selection against the catalog into an ordered, explained plan:
//! dependencies, optional components, hot fixes, and upgrades of what a
//! machine already has.

mod error;
mod hotfix;
mod item;
mod lookup;
mod machines;
mod resolve;
mod selection;
mod update;
mod upgrade;

#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;

pub use error::{Asked, Error};
pub use item::{Action, EulaRef, ItemKind, PayloadFields, Plan, PlanItem, Reason, SuiteRef};
pub use machines::{Machine, MachineError, MachineRef, machines};
pub use resolve::resolve;
pub use selection::{HotfixPolicy, Installed, Pick, PickError, Selection, parse_picks};
pub use update::{Change, Entry, Kept, Point, Update, update};
