//! The Airlock bundle container.

pub mod keys;
pub mod split;

/// Why a bundle could not be written, read or trusted.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Verification(String),
    #[error("{0}")]
    Io(String),
}

impl Error {
    /// True when the bundle itself is not to be trusted (as opposed to an I/O failure).
    pub fn is_verification(&self) -> bool {
        matches!(self, Error::Verification(_))
    }
}
