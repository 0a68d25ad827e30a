//! One module per subcommand: its arguments and the glue that runs it.

#[cfg(feature = "net")]
pub mod build;
#[cfg(feature = "net")]
pub mod cache;
pub mod history;
pub mod incremental;
pub mod inspect;
pub mod install;
pub mod join;
pub mod keygen;
pub mod license;
#[cfg(feature = "net")]
pub mod listing;
pub mod network;
pub mod output;
pub mod picker;
pub mod plan;
pub mod products;
pub mod progress;
pub mod repair;
pub mod root;
pub mod status;
pub mod support;
pub mod trust;
pub mod uninstall;
pub mod verify;
