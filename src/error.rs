//! The error every command returns, and the exit code each kind of failure
//! maps to (the table in the command-line contract).

#[cfg(feature = "net")]
use crate::{build, fetch, registry};
use crate::{install, license, listing, package, plan, runner, state, trust};
use std::path::PathBuf;

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
    Machines(Box<plan::MachineError>),
    #[cfg(feature = "net")]
    #[error(transparent)]
    Fetch(#[from] fetch::Error),
    /// A registered listing that cannot be read, kept or refreshed.
    #[cfg(feature = "net")]
    #[error(transparent)]
    Registry(Box<registry::Error>),
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
    /// A license file given on the command line that cannot be read or used.
    #[error(transparent)]
    License(#[from] license::Error),
    /// A builder key revoked or expired, a revocation list refused.
    #[error(transparent)]
    Trust(#[from] trust::Error),
    /// Something is not to be trusted (no trusted key, a key that does not match).
    #[error("{0}")]
    Verification(String),
    /// The command line is well formed but its values are not usable.
    #[error("{0}")]
    Usage(String),
    /// Whoever read standard output has gone (a closed pipe): the program
    /// stops writing and ends quietly, with the exit code of what it had done.
    #[error("standard output was closed")]
    StdoutClosed,
    #[error(transparent)]
    Io(#[from] bundle_format::IoError),
    /// Standard output could not be written for another reason than a closed pipe.
    #[error("cannot write to standard output: {0}")]
    Stdout(#[source] std::io::Error),
    /// A document could not be turned into JSON.
    #[error("cannot write the JSON output: {0}")]
    Json(#[source] serde_json::Error),
    /// An answer could not be read from the terminal.
    #[error("cannot read the answer from the terminal: {0}")]
    Terminal(#[source] std::io::Error),
    /// A folder to write into has a file in its place.
    #[error(
        "cannot create the folder {}: a file of that name is in the way; move it, or name another folder",
        path.display()
    )]
    InTheWay { path: PathBuf },
    /// The products picked on a terminal do not make a selection (exit 2, as
    /// the same ids given with `--select`).
    #[error(transparent)]
    Pick(#[from] plan::PickError),
    /// What was checked is signed by a key, and no key is trusted at all.
    #[error(
        "{what} is signed by key {fingerprint}, and no trusted key was given: pass its public \
         key with --trust PUB, or put it in {}",
        folder.display()
    )]
    NoTrustedKey {
        what: String,
        fingerprint: String,
        folder: PathBuf,
    },
}

// The two largest causes are boxed, so every `Result` of the crate stays
// small (a Windows path is wider than a Unix one).
impl From<plan::MachineError> for Error {
    fn from(e: plan::MachineError) -> Error {
        Error::Machines(Box::new(e))
    }
}

#[cfg(feature = "net")]
impl From<registry::Error> for Error {
    fn from(e: registry::Error) -> Error {
        Error::Registry(Box::new(e))
    }
}

impl Error {
    /// The texts of the causes under this error that its message does not
    /// already hold, outermost first: the lines `main` prints under the
    /// message. The rule every error here follows: a variant born of another
    /// error keeps it as its `source` and ends its own message with the
    /// source's text (`cannot read PATH: <why>`), so the message reads whole
    /// wherever it is shown; only causes deeper than the message names are
    /// left to print, and no text is printed twice.
    pub fn causes(&self) -> Vec<String> {
        causes(self)
    }
}

impl Error {
    pub fn exit(&self) -> Exit {
        match self {
            Error::Listing(e) => listing_exit(e),
            #[cfg(feature = "net")]
            Error::Registry(e) => match &**e {
                registry::Error::Listing(e) => listing_exit(e),
                e if e.is_usage() => Exit::Usage,
                e if e.is_verification() => Exit::Verification,
                _ => Exit::Failed,
            },
            #[cfg(feature = "net")]
            Error::Fetch(e) if e.is_download() => Exit::Download,
            #[cfg(feature = "net")]
            Error::Build(e) if e.is_usage() => Exit::Usage,
            #[cfg(feature = "net")]
            Error::Fetch(_) | Error::Build(_) => Exit::Failed,
            Error::Plan(_) => Exit::Unresolvable,
            Error::Machines(e) => match &**e {
                plan::MachineError::Plan(_) => Exit::Unresolvable,
                e if e.is_usage() => Exit::Usage,
                _ => Exit::Failed,
            },
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
            Error::License(_) => Exit::Failed,
            Error::Install(e) => match e {
                install::Error::State(_)
                | install::Error::Answers(_)
                | install::Error::Unanswered(_)
                | install::Error::License { .. }
                | install::Error::LicenseProduct { .. }
                | install::Error::RunningProgram(_)
                | install::Error::NotInstalled { .. }
                | install::Error::NotRepairable { .. }
                | install::Error::InstallerGone { .. }
                | install::Error::VendorFolder(_)
                | install::Error::Read { .. }
                | install::Error::Remove(_)
                | install::Error::NotConfirmed => Exit::Failed,
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
            Error::StdoutClosed => Exit::Done,
            Error::Io(_)
            | Error::Stdout(_)
            | Error::Json(_)
            | Error::Terminal(_)
            | Error::InTheWay { .. } => Exit::Failed,
            Error::Pick(_) => Exit::Usage,
            Error::NoTrustedKey { .. } => Exit::Verification,
        }
    }
}

/// A listing's signature that does not hold is a verification failure, one
/// that cannot be downloaded a download failure.
fn listing_exit(error: &listing::Error) -> Exit {
    match error {
        listing::Error::Signature { .. } => Exit::Verification,
        listing::Error::Download { .. } => Exit::Download,
        _ => Exit::Failed,
    }
}

/// The texts of the causes under `error`, outermost first, leaving out each
/// one whose text the message above it already holds.
pub fn causes(error: &dyn std::error::Error) -> Vec<String> {
    let mut shown = error.to_string();
    let mut causes = Vec::new();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !shown.contains(&text) {
            causes.push(text.clone());
        }
        shown = text;
        source = cause.source();
    }
    causes
}

/// `error` and the causes its message does not hold, on one line
/// (`what: why: why`), for a message that must carry them as text.
pub fn one_line(error: &dyn std::error::Error) -> String {
    std::iter::once(error.to_string())
        .chain(causes(error))
        .collect::<Vec<_>>()
        .join(": ")
}

pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;
    use bundle_format::IoError;
    use std::io;

    fn not_found() -> io::Error {
        io::Error::from_raw_os_error(2)
    }

    /// `action` on `path` failed, as the command's error.
    fn io_error(path: &str, action: &'static str) -> impl FnOnce(io::Error) -> Error {
        let at = IoError::at(path, action);
        move |source| Error::from(at(source))
    }

    #[test]
    fn typed_failures_keep_the_exit_codes_of_the_messages_they_replace() {
        let io = io_error("x.xml", "read")(not_found());
        assert_eq!(io.exit(), Exit::Failed);
        assert_eq!(Error::Stdout(not_found()).exit(), Exit::Failed);
        assert_eq!(Error::Terminal(not_found()).exit(), Exit::Failed);
        assert_eq!(Error::InTheWay { path: "d".into() }.exit(), Exit::Failed);
        let pick = plan::parse_picks(&["@1".into()]).unwrap_err();
        assert_eq!(Error::Pick(pick).exit(), Exit::Usage);
        let untrusted = Error::NoTrustedKey {
            what: "x.exe".into(),
            fingerprint: "0011223344556677".into(),
            folder: "keys".into(),
        };
        assert_eq!(untrusted.exit(), Exit::Verification);
        let not_installed = install::Error::NotInstalled { id: "smp".into() };
        assert_eq!(Error::from(not_installed).exit(), Exit::Failed);
        assert_eq!(
            Error::from(install::Error::NotConfirmed).exit(),
            Exit::Failed
        );
        let no_root = state::Error::NoRoot { path: "r".into() };
        assert_eq!(Error::from(no_root).exit(), Exit::Failed);
    }

    #[test]
    fn a_message_names_what_failed_and_why_and_no_cause_is_printed_twice() {
        let e = io_error("C:/lic/a.xml", "read")(not_found());
        let cause = not_found().to_string();
        assert_eq!(e.to_string(), format!("cannot read C:/lic/a.xml: {cause}"));
        assert!(e.causes().is_empty(), "{:?}", e.causes());
        assert_eq!(one_line(&e), e.to_string());
        // A cause deeper than the message names is printed, once.
        let deep = io::Error::other(io_error("a.xml", "read")(not_found()));
        let outer = io_error("b.xml", "write")(deep);
        assert_eq!(outer.causes(), Vec::<String>::new());
        let hidden = Error::Json(serde_json::from_str::<u8>("x").unwrap_err());
        assert!(hidden.causes().is_empty(), "{:?}", hidden.causes());
    }

    #[test]
    fn a_cause_the_message_does_not_hold_is_printed_below_it() {
        #[derive(Debug, thiserror::Error)]
        #[error("cannot use the listing")]
        struct Outer(#[source] io::Error);
        let e = io_error("x.xml", "read")(io::Error::other(Outer(not_found())));
        assert_eq!(e.causes(), vec![not_found().to_string()]);
        assert_eq!(
            one_line(&e),
            format!("cannot read x.xml: cannot use the listing: {}", not_found())
        );
    }

    #[test]
    fn every_io_born_variant_keeps_its_source() {
        let state = Error::from(state::Error::Io(IoError::at("record.json", "write")(
            not_found(),
        )));
        let key = Error::from(bundle_format::keys::KeyError::Io(IoError::at(
            "k.pub", "read",
        )(not_found())));
        let split = Error::from(bundle_format::split::SplitError::Io(IoError::at(
            "B.exe.001",
            "read",
        )(not_found())));
        for e in [state, key, split] {
            let source = std::error::Error::source(&e).expect("a source");
            assert!(source.downcast_ref::<io::Error>().is_some(), "{e}");
            assert!(e.to_string().ends_with(&not_found().to_string()), "{e}");
            assert!(e.causes().is_empty(), "{e}");
        }
    }
}
