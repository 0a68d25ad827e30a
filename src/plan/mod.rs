//! Resolving a selection against the catalog into an ordered, explained plan.

/// Why a selection cannot be resolved.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Unresolvable(String),
}
