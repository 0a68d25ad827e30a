//! Why a registered listing cannot be read, kept or refreshed: which of
//! them is the user's to fix on the command line (exit 2), which is a
//! listing not to be trusted (exit 3), and the file or listing each names.

use crate::listing;
use crate::text::escaped;
use std::io;
use std::path::PathBuf;

/// Why a registered listing cannot be read, kept or refreshed; each names
/// the listing or the file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "{:?} is not a listing name: use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit (itms, contoso-3rd)",
        escaped(name)
    )]
    BadName { name: String },
    #[error(
        "this system has no user config folder: give one with --config DIR (or AIRLOCK_CONFIG)"
    )]
    NoConfigFolder,
    #[error(transparent)]
    Io(#[from] bundle_format::IoError),
    #[error(
        "{}: not a listing record ({source}); remove it with `airlock listing remove {name}` and add the listing again",
        path.display()
    )]
    Record {
        path: PathBuf,
        name: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("cannot write the record of {name}: {source}")]
    RecordWrite {
        name: String,
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "no listing is registered as {name:?} in {}; `airlock listing list` shows those that are",
        dir.display()
    )]
    NotRegistered { name: String, dir: PathBuf },
    #[error(
        "a listing is already registered as {name}: give --replace to register it again, or `airlock listing update {name}`"
    )]
    AlreadyRegistered { name: String },
    #[error("{}: not a usable path: {source}", escaped(given))]
    Path {
        given: String,
        #[source]
        source: io::Error,
    },
    #[error(
        "listing {name} would read its credentials from {user_var} and {password_var}, as listing {other} does: \
         give it a name that differs from {other} in more than '.', '-' and '_' (or remove \
         {other} first)"
    )]
    SharedVariables {
        name: String,
        other: String,
        user_var: String,
        password_var: String,
    },
    #[error(
        "listing {name}: the credentials in {user_var} and {password_var} were first \
         sent to {bound}; they are not sent to {origin}. If the listing has really \
         moved, run `airlock listing remove {name}` and add it again from its new place"
    )]
    CredentialsBound {
        name: String,
        user_var: String,
        password_var: String,
        bound: String,
        origin: String,
    },
    #[error(
        "{}: the kept copy of listing {name} is not the one its record names (changed by hand, or an interrupted update); run `airlock listing update {name}`",
        path.display()
    )]
    CopyChanged { path: PathBuf, name: String },
    #[error(
        "{}: the record of listing {name} has no valid base URL ({source}); remove and add it again",
        path.display()
    )]
    BadBase {
        path: PathBuf,
        name: String,
        #[source]
        source: url::ParseError,
    },
    #[error(
        "listing {name}: {} is published by vendor \"{}\", not by \"{}\", the vendor of the copy kept; refused, the kept copy is unchanged (if the listing really changed hands, `airlock listing remove {name}` and add it again)",
        crate::redact::redact(at),
        escaped(vendor),
        escaped(kept)
    )]
    OtherVendor {
        name: String,
        /// Where the refused copy was read.
        at: String,
        vendor: String,
        kept: String,
    },
    #[error(
        "listing {name}: {} has serial {serial}, {} serial {kept} of the copy kept; refused (a vendor raises the serial with every publication), the kept copy is unchanged",
        crate::redact::redact(at),
        match serial < kept {
            true => "older than",
            false => "the same as, with other content than,",
        }
    )]
    OlderSerial {
        name: String,
        /// Where the refused copy was read.
        at: String,
        serial: u64,
        kept: u64,
    },
    #[error(transparent)]
    Listing(#[from] listing::Error),
}

impl Error {
    /// A name or value given on the command line that cannot be used (exit 2).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Error::BadName { .. }
                | Error::NoConfigFolder
                | Error::NotRegistered { .. }
                | Error::AlreadyRegistered { .. }
                | Error::Path { .. }
                | Error::SharedVariables { .. }
        )
    }

    /// A listing that is not to be trusted: refused, the kept copy unchanged (exit 3).
    pub fn is_verification(&self) -> bool {
        matches!(
            self,
            Error::CredentialsBound { .. } | Error::OtherVendor { .. } | Error::OlderSerial { .. }
        )
    }
}
