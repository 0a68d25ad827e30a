//! Airlock: resolve a vendor's product listing into a plan, carry it across an
//! air gap as one signed bundle, and install it on the other side.

#[cfg(feature = "net")]
pub mod build;
pub mod commands;
pub mod console;
pub mod error;
#[cfg(feature = "net")]
pub mod fetch;
pub mod history;
pub mod host;
pub mod identity;
pub mod install;
pub mod interrupt;
pub mod license;
pub mod listing;
pub mod nofollow;
pub mod package;
pub mod plan;
pub mod redact;
#[cfg(feature = "net")]
pub mod registry;
pub mod runner;
pub mod state;
pub mod suggest;
pub mod support;
pub mod text;
pub mod trust;
pub mod verbosity;
mod xml;

pub use error::{Error, Exit, Result};
