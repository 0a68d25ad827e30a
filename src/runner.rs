//! The runner a bundle embeds. Every airlock binary carries the Airlock
//! runner marker (bundle-format/README.md, section 10), so a builder can tell
//! an Airlock runner of its bundle format from any other executable; this
//! module holds the marker and chooses and checks the runner for the servers'
//! platform: `--runner`, else for Windows `AIRLOCK_RUNNER` or the runner kept
//! beside this program, else this program when it is built for that platform.

use bundle_format::manifest::FORMAT_VERSION;
use bundle_format::runner::{self, Identity, Os};
use std::path::{Path, PathBuf};

/// The marker: the program, its version and the bundle format it reads.
/// `format=1` is checked against the crate's format version by a test.
pub static MARKER: &str = concat!(
    "AIRLOCK-RUNNER:marker=1 program=airlock version=",
    env!("CARGO_PKG_VERSION"),
    " format=1\0"
);

/// Keeps [`MARKER`] in the binary: nothing reads it at run time, and the
/// linker drops (and LTO folds away) what no code refers to. Called once at
/// start-up.
pub fn keep_marker() {
    std::hint::black_box(MARKER.as_ptr());
}

/// The name under which the Windows runner is kept beside the `airlock`
/// program, for `build` to find it.
pub const BESIDE_NAME: &str = "airlock-runner.exe";

/// The environment variable naming the Windows runner.
pub const ENV: &str = "AIRLOCK_RUNNER";

/// The Rust target the Windows runner is built for.
pub const WINDOWS_TARGET: &str = "x86_64-pc-windows-gnu";

/// The one command that makes the Windows runner, from a source checkout.
pub const WINDOWS_BUILD: &str =
    "cargo build --profile runner --target x86_64-pc-windows-gnu --no-default-features";

/// Where [`WINDOWS_BUILD`] puts it.
pub const WINDOWS_BUILT: &str = "target/x86_64-pc-windows-gnu/runner/airlock.exe";

/// Why no runner could be used. Each names the file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "no Windows runner to embed (a bundle for Windows servers carries the offline airlock \
         built for Windows): none was given with --runner or {ENV}, and none is kept beside \
         this program as {beside}. Make it with `{WINDOWS_BUILD}`, then give it with --runner \
         {WINDOWS_BUILT}, set {ENV} to it, or copy it to {beside}; for Linux servers, build \
         with --target linux",
        beside = beside.display()
    )]
    NotFound { beside: PathBuf },
    #[error("runner {} ({origin}): cannot read: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        origin: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("runner {} ({origin}): {problem}; {hint}", path.display(), hint = hint(*os))]
    Refused {
        path: PathBuf,
        origin: &'static str,
        os: Os,
        problem: String,
    },
}

impl Error {
    /// A runner that cannot be read is a failure (exit 1); one that is not
    /// a runner for the platform named (a folder or a device included) is a
    /// usage error (exit 2).
    pub fn is_usage(&self) -> bool {
        match self {
            Error::Unreadable { source, .. } => source.kind() == std::io::ErrorKind::InvalidInput,
            _ => true,
        }
    }
}

fn hint(os: Os) -> String {
    match os {
        Os::Windows => format!(
            "give the offline airlock built for Windows (`{WINDOWS_BUILD}`), or build with --target linux"
        ),
        Os::Linux => {
            "give an airlock built for Linux, or leave --runner out to embed this program".into()
        }
    }
}

/// A runner chosen and checked: an Airlock runner of this bundle format for
/// the platform named.
#[derive(Debug)]
pub struct Runner {
    pub path: PathBuf,
    pub identity: Identity,
}

/// The runner for servers running `os`: `given` (`--runner`), else for
/// Windows the [`ENV`] variable or [`BESIDE_NAME`] beside this program, else
/// this program itself when it is built for `os`.
pub fn choose(os: Os, given: Option<&Path>) -> Result<Runner, Error> {
    if let Some(path) = given {
        return check(path, os, "--runner");
    }
    let exe = std::env::current_exe().map_err(|source| Error::Unreadable {
        path: PathBuf::from("airlock"),
        origin: "this program",
        source,
    })?;
    if os == Os::Windows {
        if let Some(path) = std::env::var_os(ENV).filter(|p| !p.is_empty()) {
            return check(Path::new(&path), os, ENV);
        }
        let beside = exe.with_file_name(BESIDE_NAME);
        if beside.exists() {
            return check(&beside, os, "kept beside this program");
        }
        let itself = check(&exe, os, "this program");
        if itself.is_ok() || std::env::consts::OS == "windows" {
            return itself;
        }
        return Err(Error::NotFound { beside });
    }
    check(&exe, os, "this program")
}

/// Refuses anything but an Airlock runner of this bundle format for `os`.
pub fn check(path: &Path, os: Os, origin: &'static str) -> Result<Runner, Error> {
    let unreadable = |source| Error::Unreadable {
        path: path.to_path_buf(),
        origin,
        source,
    };
    let refused = |problem: String| Error::Refused {
        path: path.to_path_buf(),
        origin,
        os,
        problem,
    };
    let file = bundle_format::regular::open(path).map_err(unreadable)?;
    if bundle_format::has_trailer(path).unwrap_or(false) {
        return Err(refused(
            "a bundle already (a runner with a bundle appended), not a runner".into(),
        ));
    }
    let identity = runner::identify(file).map_err(unreadable)?;
    let want = format!("{os} ({})", os.executable_format());
    let Some(platform) = &identity.platform else {
        return Err(refused(format!(
            "not an executable for {want}: neither a PE nor an ELF file"
        )));
    };
    if platform.os != os {
        return Err(refused(format!(
            "a program for {platform} ({}), not for {want}",
            platform.os.executable_format()
        )));
    }
    let Some(marker) = &identity.marker else {
        return Err(refused(format!(
            "a program for {platform}, but not an Airlock runner (it carries no Airlock runner marker)"
        )));
    };
    if marker.program != "airlock" || marker.bundle_format != FORMAT_VERSION {
        return Err(refused(format!(
            "{} {} reads bundle format {}, and this airlock writes format {FORMAT_VERSION}",
            crate::text::escaped(&marker.program),
            crate::text::escaped(&marker.version),
            marker.bundle_format
        )));
    }
    Ok(Runner {
        path: path.to_path_buf(),
        identity,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_names_this_program_its_version_and_the_format_it_reads() {
        let found = runner::identify(MARKER.as_bytes()).unwrap().marker.unwrap();
        assert_eq!(found.program, "airlock");
        assert_eq!(found.version, env!("CARGO_PKG_VERSION"));
        assert_eq!(found.bundle_format, FORMAT_VERSION);
    }
}
