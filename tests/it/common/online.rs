//! The online side for tests: the fixture vendor site (or a changed copy)
//! on a counting server, and a builder with its own key, cache and folder
//! that runs `airlock build`.

use super::bundle::key_files;
use super::faults::FaultServer;
use std::fs;
use std::path::{Path, PathBuf};

/// The fixture vendor's public key, whose secret half signs the fixture
/// site's listings (`NAME.pl.xml.sig`).
pub const VENDOR_KEY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/keys/vendor-test.pub");

/// [`VENDOR_KEY`]'s fingerprint, as airlock prints fingerprints.
pub fn vendor_fingerprint() -> String {
    bundle_format::keys::PublicKey::load(Path::new(VENDOR_KEY))
        .unwrap()
        .fingerprint()
        .to_string()
}

/// Every file of `dir`, relative paths with `/`.
pub fn files_under(dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf)>) {
    for entry in fs::read_dir(dir).unwrap().flatten() {
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        if entry.path().is_dir() {
            files_under(&entry.path(), &format!("{name}/"), out);
        } else {
            out.push((name, entry.path()));
        }
    }
}

/// The fixture site (or a changed copy of it in `site`) on a counting server.
pub fn serve(site: &Path) -> FaultServer {
    let server = FaultServer::start();
    let mut files = Vec::new();
    files_under(site, "", &mut files);
    for (path, file) in files {
        server.add(&path, fs::read(file).unwrap(), vec![], vec![]);
    }
    server
}

/// A folder with a key pair, a download cache and a state root, where bundles are built.
pub struct Builder {
    pub dir: tempfile::TempDir,
    pub key: PathBuf,
    pub public: PathBuf,
}

impl Builder {
    pub fn new() -> Builder {
        let dir = tempfile::tempdir().unwrap();
        let keys = key_files(dir.path(), "builder", 11);
        Builder {
            key: keys.secret,
            public: keys.public,
            dir,
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `airlock build` of `selection` from `listing` for Linux servers (the
    /// bundle runs here), with this builder's key, cache and folder; more
    /// arguments may follow.
    pub fn build(&self, listing: &str, selection: &[&str]) -> assert_cmd::Command {
        // Before the selection, whose last word may wait for a value (--history).
        self.build_for(listing, &[&["--target", "linux"], selection].concat())
    }

    /// `airlock build` as [`Builder::build`], for the default target (Windows).
    pub fn build_for(&self, listing: &str, selection: &[&str]) -> assert_cmd::Command {
        let mut cmd = super::bundle::airlock(&self.path("state"));
        cmd.current_dir(self.dir.path())
            .env_remove("AIRLOCK_RUNNER")
            .args(["build", "--listing", listing, "--sign-key"])
            .arg(&self.key)
            .arg("--cache")
            .arg(self.path("cache"))
            .args(["--retries", "1", "--quiet"])
            .args(selection);
        cmd
    }
}
