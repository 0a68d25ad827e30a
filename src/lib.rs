//! Airlock: resolve a vendor's product listing into a plan, carry it across an
//! air gap as one signed bundle, and install it on the other side.

pub mod commands;
pub mod error;
pub mod interrupt;
pub mod listing;
pub mod plan;

pub use error::{Error, Exit, Result};
