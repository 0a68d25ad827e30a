//! The crate's errors: why a bundle could not be written, read or trusted,
//! with verification failures kept apart so the application can map them to
//! their own exit code.

use crate::manifest::ManifestError;
use std::path::PathBuf;

/// A file or folder that could not be used: `action` says what was tried on
/// `path` (`read`, `write`, `create the folder`), the source why. One type for
/// every error of this crate and of its users that names the file it failed on.
#[derive(Debug, thiserror::Error)]
#[error("cannot {action} {}: {source}", path.display())]
pub struct IoError {
    pub path: PathBuf,
    pub action: &'static str,
    #[source]
    pub source: std::io::Error,
}

impl IoError {
    /// `action` on `path` failed: for `map_err`, whose `?` converts it into
    /// the caller's error.
    pub fn at(
        path: impl Into<PathBuf>,
        action: &'static str,
    ) -> impl FnOnce(std::io::Error) -> IoError {
        let path = path.into();
        move |source| IoError {
            path,
            action,
            source,
        }
    }
}

/// What made a bundle untrustworthy. Each message names the part that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    #[error("not an Airlock bundle (no bundle trailer at the end of the file)")]
    NotABundle,
    #[error("bundle trailer: {0}")]
    Trailer(String),
    #[error(
        "bundle format {found} is not format {supported}, the one this program reads; a newer bundle needs a newer airlock"
    )]
    UnsupportedFormat { found: u32, supported: u32 },
    #[error("manifest: {0}")]
    Manifest(ManifestError),
    #[error(
        "signed by key {fingerprint}, which is not a trusted key (pass its public key with --trust if you trust it)"
    )]
    UntrustedKey { fingerprint: String },
    #[error("manifest signature does not verify with key {fingerprint}")]
    Signature { fingerprint: String },
    #[error("runner: {0}")]
    Runner(String),
    #[error("file {name}: {problem}")]
    File { name: String, problem: String },
    #[error("payload: {0}")]
    Payload(String),
}

impl Failure {
    /// A stable short name for the kind of failure (for JSON output and test vectors).
    pub fn kind(&self) -> &'static str {
        match self {
            Failure::NotABundle => "not-a-bundle",
            Failure::Trailer(_) => "trailer",
            Failure::UnsupportedFormat { .. } => "unsupported-format",
            Failure::Manifest(_) => "manifest",
            Failure::UntrustedKey { .. } => "untrusted-key",
            Failure::Signature { .. } => "signature",
            Failure::Runner(_) => "runner",
            Failure::File { .. } => "file",
            Failure::Payload(_) => "payload",
        }
    }
}

/// Why a bundle could not be written, read or trusted.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: verification failed: {failure}", path.display())]
    Verification { path: PathBuf, failure: Failure },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The builder was given a manifest that does not hold.
    #[error("cannot write bundle: {0}")]
    Manifest(ManifestError),
    /// A source file does not match what the manifest declares for it.
    #[error("cannot write bundle: file {name}: {problem}")]
    Source { name: String, problem: String },
    #[error("cannot write bundle: {0}")]
    Options(String),
    /// A key file could not be made or read.
    #[error(transparent)]
    Key(#[from] crate::keys::KeyError),
}

impl Error {
    /// True when the bundle itself is not to be trusted (as opposed to an I/O failure).
    pub fn is_verification(&self) -> bool {
        matches!(self, Error::Verification { .. })
    }

    /// The verification failure, if that is what this is.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            Error::Verification { failure, .. } => Some(failure),
            _ => None,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
