//! Arbitrary bytes as a bundle: inspect, verify and extract must never panic,
//! and extraction must leave nothing behind when it refuses. The bytes are
//! read from memory; only extraction writes, into one folder per process.
#![no_main]

use bundle_format::{PublicKey, SignedBundle, inspect_reader};
use libfuzzer_sys::fuzz_target;
use std::io::Cursor;
use std::path::Path;
use std::sync::OnceLock;
use tempfile::TempDir;

fn trusted() -> &'static [PublicKey] {
    static KEYS: OnceLock<Vec<PublicKey>> = OnceLock::new();
    // The test vectors' key: seeded with the vectors, mutations keep valid signatures
    // often enough to reach the payload checks.
    KEYS.get_or_init(|| {
        let pem = include_str!("../../tests/vectors/test.pub");
        PublicKey::from_pem(pem).into_iter().collect()
    })
}

/// The folder extractions go into, empty between inputs.
fn scratch() -> &'static Path {
    static DIR: OnceLock<TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a temporary folder"))
        .path()
}

fuzz_target!(|data: &[u8]| {
    let name = Path::new("b.exe");
    let open = || SignedBundle::from_reader(Cursor::new(data), name, trusted());
    let _ = inspect_reader(Cursor::new(data), name);
    if let Ok(bundle) = open() {
        let _ = bundle.verify_payload(&mut |_| {});
    }
    let Ok(bundle) = open() else { return };
    let dest = scratch().join("out");
    if bundle.extract(&dest, &mut |_| {}).is_ok() {
        let _ = std::fs::remove_dir_all(&dest);
    } else {
        let left = std::fs::read_dir(scratch()).map(|d| d.count()).unwrap_or(0);
        assert_eq!(left, 0, "a refused extraction left files behind");
    }
});
