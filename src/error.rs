//! The error every command returns, and the exit code each kind of failure
//! maps to (the table in the command-line contract).

#[cfg(feature = "net")]
use crate::{build, fetch};
use crate::{install, listing, package, plan, runner, state, trust};

/// Process exit codes, as the command-line contract numbers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    Done = 0,
    Failed = 1,
    Usage = 2,
    Verification = 3,
    ReadinessBlocked = 4,
    Unresolvable = 5,
    Download = 6,
    InstallerFailed = 7,
    CriticalPending = 8,
    RestartNeeded = 10,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Listing(#[from] listing::Error),
    #[error(transparent)]
    Plan(#[from] plan::Error),
    /// Machines' histories that cannot be planned from (`--history`).
    #[error(transparent)]
    Machines(#[from] plan::MachineError),
    #[cfg(feature = "net")]
    #[error(transparent)]
    Fetch(#[from] fetch::Error),
    /// The plan cannot become a bundle (a license, an MSI that disagrees with its listing).
    #[cfg(feature = "net")]
    #[error(transparent)]
    Build(#[from] build::Error),
    #[error(transparent)]
    Bundle(#[from] bundle_format::Error),
    /// A signed bundle whose package description cannot be acted on.
    #[error(transparent)]
    Package(#[from] package::Error),
    #[error(transparent)]
    Key(#[from] bundle_format::keys::KeyError),
    #[error(transparent)]
    Split(#[from] bundle_format::split::SplitError),
    #[error(transparent)]
    State(#[from] state::Error),
    /// No runner for the servers' platform, or one that is not an Airlock runner.
    #[error(transparent)]
    Runner(#[from] runner::Error),
    #[error(transparent)]
    Install(#[from] install::Error),
    /// A builder key revoked or expired, a revocation list refused.
    #[error(transparent)]
    Trust(#[from] trust::Error),
    /// Something is not to be trusted (no trusted key, a key that does not match).
    #[error("{0}")]
    Verification(String),
    /// The command line is well formed but its values are not usable.
    #[error("{0}")]
    Usage(String),
    /// Any other failure; the message says what and where.
    #[error("{0}")]
    Other(String),
    /// Whoever read standard output has gone (a closed pipe): the program
    /// stops writing and ends quietly, with the exit code of what it had done.
    #[error("standard output was closed")]
    StdoutClosed,
}

impl Error {
    pub fn exit(&self) -> Exit {
        match self {
            Error::Listing(listing::Error::Signature { .. }) => Exit::Verification,
            Error::Listing(listing::Error::Download { .. }) => Exit::Download,
            Error::Listing(_) => Exit::Failed,
            #[cfg(feature = "net")]
            Error::Fetch(e) if e.is_download() => Exit::Download,
            #[cfg(feature = "net")]
            Error::Build(e) if e.is_usage() => Exit::Usage,
            #[cfg(feature = "net")]
            Error::Fetch(_) | Error::Build(_) => Exit::Failed,
            Error::Plan(_) | Error::Machines(plan::MachineError::Plan(_)) => Exit::Unresolvable,
            Error::Machines(e) if e.is_usage() => Exit::Usage,
            Error::Machines(_) => Exit::Failed,
            Error::Bundle(e) if e.is_verification() => Exit::Verification,
            Error::Bundle(_) => Exit::Failed,
            Error::Package(_) => Exit::Verification,
            Error::Key(bundle_format::keys::KeyError::BasePath { .. }) => Exit::Usage,
            Error::Key(_) => Exit::Failed,
            Error::Split(e) if e.is_verification() => Exit::Verification,
            Error::Split(_) => Exit::Failed,
            Error::State(_) => Exit::Failed,
            Error::Runner(e) if e.is_usage() => Exit::Usage,
            Error::Runner(_) => Exit::Failed,
            Error::Install(e) => match e {
                install::Error::State(_) | install::Error::Refused(_) => Exit::Failed,
                install::Error::Blocked(_) => Exit::ReadinessBlocked,
                install::Error::StepFailed(_) => Exit::InstallerFailed,
                install::Error::Critical(_) => Exit::CriticalPending,
                install::Error::Older(_) | install::Error::Base(_) => Exit::Verification,
            },
            Error::Trust(e) if e.is_verification() => Exit::Verification,
            Error::Trust(e) if e.is_usage() => Exit::Usage,
            Error::Trust(_) => Exit::Failed,
            Error::Verification(_) => Exit::Verification,
            Error::Usage(_) => Exit::Usage,
            Error::Other(_) => Exit::Failed,
            Error::StdoutClosed => Exit::Done,
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
