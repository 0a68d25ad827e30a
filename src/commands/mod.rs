//! One module per subcommand: its arguments and the glue that runs it.

#[cfg(feature = "net")]
pub mod build;
#[cfg(feature = "net")]
pub mod cache;
pub mod inspect;
pub mod install;
pub mod join;
pub mod keygen;
#[cfg(feature = "net")]
pub mod listing;
pub mod network;
pub mod output;
pub mod picker;
pub mod plan;
pub mod products;
pub mod progress;
pub mod trust;
pub mod verify;
