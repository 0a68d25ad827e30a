//! The vendor's product listing: its model, parsing and validation, versions
//! and requirements. Knows nothing of downloads beyond reading the listing itself.

mod load_stub;
pub mod model;
pub mod version;

pub use load_stub::load;

pub use model::*;
pub use version::{Comparator, Requirement, Version, VersionError};

/// Why a listing could not be read or was refused.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The document breaks the contract; `location` is `file:line:column`.
    #[error("{location}: <{element}>: {message}")]
    Invalid {
        location: String,
        element: String,
        message: String,
    },
    /// The listing's vendor signature is missing or wrong.
    #[error("{source_name}: {message}")]
    Signature {
        source_name: String,
        message: String,
    },
    /// Reading the listing failed (file, network, zip).
    #[error("{source_name}: {message}")]
    Read {
        source_name: String,
        message: String,
    },
}
