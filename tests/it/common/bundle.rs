//! Real signed bundles for tests, made with the `bundle_format` writer and a
//! package description written with the library's own types (no listing or
//! HTTP server needed), with their key files on disk.

use airlock::listing::{Arch, LicenseKind};
use airlock::package::{
    Action, CONTENT_TYPE, License, ListingRef, Method, Package, Step, StepKind,
};
use assert_cmd::Command;
use bundle_format::keys::SigningKey;
use bundle_format::{FileEntry, Manifest, WriteOptions, Written, write_bundle};
use sha2::{Digest, Sha256};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// A key pair written as `NAME.key` / `NAME.pub` in a folder.
pub struct KeyFiles {
    pub key: SigningKey,
    pub secret: PathBuf,
    pub public: PathBuf,
}

pub fn key_files(dir: &Path, name: &str, seed: u8) -> KeyFiles {
    let key = SigningKey::from_bytes(&[seed; 32]);
    let (secret, public) = key.write_pair(&dir.join(name)).unwrap();
    KeyFiles {
        key,
        secret,
        public,
    }
}

/// Deterministic, poorly compressible bytes (an MSI stand-in).
pub fn content(seed: u64, len: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(len);
    noise(seed, len as u64).read_to_end(&mut bytes).unwrap();
    bytes
}

/// `len` deterministic, poorly compressible bytes, streamed (for files too large to hold).
pub fn noise(seed: u64, len: u64) -> Noise {
    Noise {
        x: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
        left: len,
    }
}

/// The reader [`noise`] returns (an xorshift generator).
pub struct Noise {
    x: u64,
    left: u64,
}

impl Read for Noise {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        for b in &mut buf[..n] {
            self.x ^= self.x << 13;
            self.x ^= self.x >> 7;
            self.x ^= self.x << 17;
            *b = self.x as u8;
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// The files every test bundle holds: two installers, a license and the listing.
pub fn sample_files() -> Vec<(String, Vec<u8>)> {
    vec![
        ("Altiris_SMP_8.0.msi".into(), content(1, 300_000)),
        ("ITMS_8.0_HF7.msp".into(), content(2, 70_001)),
        ("smp.lic".into(), b"license for smp\n".to_vec()),
        (LISTING.0.into(), LISTING.1.to_vec()),
    ]
}

/// The container's file kind for a sample file, by its extension.
fn kind_of(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("msi") => "msi",
        Some("msp") => "msp",
        Some("lic") => "license",
        Some("xml") => "listing",
        _ => "bin",
    }
}

/// The listing file every test bundle holds (added when the files have none).
const LISTING: (&str, &[u8]) = ("itms.pl.xml", b"<productListing/>\n");

/// A package installing every msi/msp of `files` (name, size, sha256),
/// licensing every .lic, from the listing among them.
fn package(files: &[(String, u64, String)]) -> Package {
    let mut package = Package {
        vendor: "Symantec".into(),
        listings: Vec::new(),
        installer: None,
        suites: Vec::new(),
        steps: Vec::new(),
        licenses: Vec::new(),
        eulas: Vec::new(),
        contact: Some("ops@example.com".into()),
        critical_updates: Vec::new(),
        base: None,
        origins: Vec::new(),
    };
    for (name, _, sha256) in files {
        let method = match kind_of(name) {
            "msi" => Method::Msi,
            "msp" => Method::Msp,
            "license" => {
                package.licenses.push(License {
                    file: name.clone(),
                    product: "smp".into(),
                    id: "LIC-1".into(),
                    licensee: None,
                    expires: None,
                });
                continue;
            }
            "listing" => {
                package.listings.push(ListingRef {
                    vendor: "Symantec".into(),
                    name: "ITMS".into(),
                    serial: 42,
                    published: "2026-11-20T10:00:00Z".into(),
                    sha256: sha256.clone(),
                    file: name.clone(),
                    source: None,
                    signature: None,
                    vendor_key: None,
                });
                continue;
            }
            _ => continue,
        };
        let hotfix = method == Method::Msp;
        let version = if hotfix { "8.0.2298.1" } else { "8.0.2298.0" };
        let mut step = step("smp", "Symantec Management Platform", version, name, method);
        if hotfix {
            step.kind = StepKind::Hotfix;
            step.action = Action::Hotfix;
            step.from_version = Some("8.0.2298.0".parse().unwrap());
            step.hotfix = Some("smp-8.0-hf1".into());
        }
        package.steps.push(step);
    }
    package
}

/// A plain install step of `product` running `file`, selected, x64, on trial.
pub fn step(product: &str, name: &str, version: &str, file: &str, method: Method) -> Step {
    Step {
        product: product.into(),
        name: name.into(),
        kind: StepKind::Solution,
        category: None,
        applies_to: Vec::new(),
        version: version.parse().unwrap(),
        label: None,
        from_version: None,
        action: Action::Install,
        method,
        file: file.into(),
        args: None,
        hotfix: None,
        hotfix_severity: None,
        reason: "selected".into(),
        product_code: None,
        upgrade_code: None,
        arch: Arch::X64,
        license: LicenseKind::Trial,
        properties: Vec::new(),
        checks: Vec::new(),
        requires: Vec::new(),
        retain_on_cascade: false,
        replaces: Vec::new(),
        eula: None,
    }
}

/// A file of a bundle: name, container kind, bytes.
pub type File = (String, &'static str, Vec<u8>);

/// Writes `dest`: `runner` followed by a bundle of `files`, signed with `key`.
pub fn write(dest: &Path, runner: &[u8], files: &[(String, Vec<u8>)], key: &SigningKey) -> Written {
    let entries: Vec<_> = files
        .iter()
        .map(|(name, bytes)| (name.clone(), bytes.len() as u64, Sha256::digest(bytes)))
        .map(|(name, size, digest)| (name, size, hex::encode(digest)))
        .collect();
    write_streamed(dest, runner, &entries, key, |name| {
        let (_, bytes) = files.iter().find(|(n, _)| n == name).unwrap();
        std::io::Cursor::new(bytes.clone())
    })
}

/// A bundle of one file `big.bin` of `len` noise bytes, never held in memory whole.
pub fn write_big(dest: &Path, len: u64, key: &SigningKey) -> Written {
    let mut hash = Sha256::new();
    std::io::copy(&mut noise(7, len), &mut HashWriter(&mut hash)).unwrap();
    let entry = ("big.bin".to_string(), len, hex::encode(hash.finalize()));
    write_streamed(dest, b"MZ stand-in runner\n", &[entry], key, |_| {
        noise(7, len)
    })
}

/// Feeds what is written to a hash.
struct HashWriter<'a>(&'a mut Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Writes `dest` with the files `(name, size, sha256)`, each read from
/// `open(name)`, plus the listing file when they hold none.
pub fn write_streamed<R: Read + 'static>(
    dest: &Path,
    runner: &[u8],
    files: &[(String, u64, String)],
    key: &SigningKey,
    mut open: impl FnMut(&str) -> R,
) -> Written {
    let mut files = files.to_vec();
    if !files.iter().any(|(name, _, _)| kind_of(name) == "listing") {
        let (name, bytes) = LISTING;
        let sha = hex::encode(Sha256::digest(bytes));
        files.push((name.to_string(), bytes.len() as u64, sha));
    }
    let entries: Vec<(String, &str, u64, String)> = files
        .iter()
        .map(|(name, size, sha256)| (name.clone(), kind_of(name), *size, sha256.clone()))
        .collect();
    write_manifested(
        dest,
        runner,
        &package(&files),
        &entries,
        key,
        None,
        |name| -> Box<dyn Read> {
            match name {
                n if n == LISTING.0 => Box::new(LISTING.1),
                n => Box::new(open(n)),
            }
        },
    )
}

/// Writes `dest`: `runner` followed by a bundle of `package` and its `files`
/// (name, container kind, bytes), signed with `key`, made at `created` (unix seconds).
pub fn write_package(
    dest: &Path,
    runner: &[u8],
    package: &Package,
    files: &[File],
    key: &SigningKey,
    created: Option<u64>,
) -> Written {
    let entries: Vec<(String, &str, u64, String)> = files
        .iter()
        .map(|(n, kind, b)| {
            (
                n.clone(),
                *kind,
                b.len() as u64,
                hex::encode(Sha256::digest(b)),
            )
        })
        .collect();
    write_manifested(dest, runner, package, &entries, key, created, |name| {
        let (_, _, bytes) = files.iter().find(|(n, _, _)| n == name).unwrap();
        std::io::Cursor::new(bytes.clone())
    })
}

/// Writes `dest`: `runner`, then a bundle of `package` whose files
/// `(name, kind, size, sha256)` are read from `open(name)`.
fn write_manifested<R: Read>(
    dest: &Path,
    runner: &[u8],
    package: &Package,
    files: &[(String, &str, u64, String)],
    key: &SigningKey,
    created: Option<u64>,
    mut open: impl FnMut(&str) -> R,
) -> Written {
    let mut manifest = Manifest::new("airlock tests", CONTENT_TYPE, package.to_content());
    for (name, kind, size, sha256) in files {
        manifest.files.push(FileEntry {
            name: name.clone(),
            kind: kind.to_string(),
            size: *size,
            sha256: sha256.clone(),
        });
    }
    let options = WriteOptions {
        created,
        ..WriteOptions::default()
    };
    write_bundle(
        dest,
        runner,
        manifest,
        key,
        |entry| Ok(open(&entry.name)),
        &options,
        &mut |_| {},
    )
    .unwrap()
}

/// A folder holding `Bundle.exe` (a stand-in runner + the sample files) and its key pair.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub bundle: PathBuf,
    pub keys: KeyFiles,
    pub files: Vec<(String, Vec<u8>)>,
    pub written: Written,
}

pub fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let keys = key_files(dir.path(), "builder", 9);
    let files = sample_files();
    let bundle = dir.path().join("Bundle.exe");
    let written = write(&bundle, b"MZ stand-in runner\n", &files, &keys.key);
    Fixture {
        dir,
        bundle,
        keys,
        files,
        written,
    }
}

/// Every path under `dir`, relative, sorted (to show that nothing was left behind).
pub fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.path().is_dir() {
                out.push(format!("{name}/"));
                out.extend(
                    listing(&entry.path())
                        .into_iter()
                        .map(|p| format!("{name}/{p}")),
                );
            } else {
                out.push(name);
            }
        }
    }
    out.sort();
    out
}

/// `airlock` with a private state root (so no machine-wide trusted key is seen).
pub fn airlock(root: &Path) -> Command {
    let mut cmd = Command::cargo_bin("airlock").unwrap();
    cmd.env_remove("RUST_BACKTRACE").env("AIRLOCK_ROOT", root);
    cmd
}

/// `airlock ARGS... BUNDLE --trust PUB`; more arguments may follow.
pub fn on_bundle(root: &Path, args: &[&str], bundle: &Path, public: &Path) -> Command {
    let mut cmd = airlock(root);
    cmd.args(args).arg(bundle).arg("--trust").arg(public);
    cmd
}

/// Runs `command --json`, which must succeed, and parses what it printed.
pub fn json_of(command: &mut Command) -> serde_json::Value {
    let out = command.arg("--json").assert().success();
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

/// Runs `build … --json`, which must succeed and write exactly one bundle,
/// and returns that bundle's entry of the `bundles` list.
pub fn built_one(command: &mut Command) -> serde_json::Value {
    let report = json_of(command);
    let bundles = report["bundles"].as_array().expect("a bundles list");
    assert_eq!(bundles.len(), 1, "{report:#}");
    bundles[0].clone()
}

/// Runs a program this test process has just written. Another test thread
/// forking at that moment keeps the file open for writing in its child until
/// that child execs, and running the program then fails with "Text file busy"
/// (ETXTBSY): wait a little and run it again.
pub fn run_written(cmd: &mut std::process::Command) -> std::process::Output {
    for _ in 0..200 {
        match cmd.output() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            done => return done.unwrap(),
        }
    }
    panic!("{cmd:?}: the program stayed busy for 2 s");
}
