//! Airlock: resolve a vendor's product listing into a plan, carry it across an
//! air gap as one signed bundle, and install it on the other side.

pub mod commands;
pub mod error;
pub mod history;
pub mod install;
pub mod license;
pub mod listing;
pub mod package;
pub mod plan;
pub mod shown;
pub mod state;
pub mod support;

pub use error::{Error, Exit, Result};
