//! One module per subcommand: its arguments and the glue that runs it.

pub mod build;
pub mod cache;
pub mod inspect;
pub mod install;
pub mod join;
pub mod keygen;
pub mod listing;
pub mod network;
pub mod output;
pub mod picker;
pub mod plan;
pub mod products;
pub mod progress;
pub mod trust;
pub mod verify;
