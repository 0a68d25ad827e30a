//! Real signed bundles for tests, made with the `bundle_format` writer (there is
//! no `build` command to make them yet), with their key files on disk.

use assert_cmd::Command;
use bundle_format::keys::SigningKey;
use bundle_format::{
    FileEntry, ListingRef, Manifest, PlanItem, WriteOptions, Written, write_bundle,
};
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

/// The files every test bundle holds: two installers and a license.
pub fn sample_files() -> Vec<(String, Vec<u8>)> {
    vec![
        ("Altiris_SMP_8.0.msi".into(), content(1, 300_000)),
        ("ITMS_8.0_HF7.msp".into(), content(2, 70_001)),
        ("smp.lic".into(), b"license for smp\n".to_vec()),
    ]
}

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

/// Writes `dest` with the files `(name, size, sha256)`, each read from `open(name)`.
pub fn write_streamed<R: Read>(
    dest: &Path,
    runner: &[u8],
    files: &[(String, u64, String)],
    key: &SigningKey,
    mut open: impl FnMut(&str) -> R,
) -> Written {
    let mut manifest = Manifest::new(
        "airlock tests",
        ListingRef {
            vendor: "Symantec".into(),
            name: "ITMS".into(),
            serial: 42,
            sha256: hex::encode(Sha256::digest(b"listing")),
        },
    );
    manifest.contact = Some("ops@example.com".into());
    for (name, size, sha256) in files {
        let kind = name.rsplit('.').next().unwrap_or("bin").to_string();
        manifest.files.push(FileEntry {
            name: name.clone(),
            kind: kind.clone(),
            size: *size,
            sha256: sha256.clone(),
        });
        if kind != "lic" {
            manifest.plan.push(PlanItem {
                product: "smp".into(),
                version: "8.0.2298.0".into(),
                kind: "solution".into(),
                action: if kind == "msp" { "hotfix" } else { "install" }.into(),
                file: Some(name.clone()),
                extra: Default::default(),
            });
        }
    }
    write_bundle(
        dest,
        runner,
        manifest,
        key,
        |entry| Ok(open(&entry.name)),
        &WriteOptions::default(),
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
