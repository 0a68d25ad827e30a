//! Arbitrary bytes as a bundle file: inspect, verify and extract must never
//! panic, and extraction must leave nothing behind when it refuses.
#![no_main]

use bundle_format::{PublicKey, extract, inspect, verify};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn trusted() -> &'static [PublicKey] {
    static KEYS: OnceLock<Vec<PublicKey>> = OnceLock::new();
    // The test vectors' key: seeded with the vectors, mutations keep valid signatures
    // often enough to reach the payload checks.
    KEYS.get_or_init(|| {
        let pem = include_str!("../../tests/vectors/test.pub");
        PublicKey::from_pem(pem).into_iter().collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("b.exe");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let _ = inspect(&path);
    let _ = verify(&path, trusted());
    let dest = dir.path().join("out");
    if extract(&path, trusted(), &dest).is_err() {
        let left = std::fs::read_dir(dir.path()).map(|d| d.count()).unwrap_or(0);
        assert_eq!(left, 1, "a refused extraction left files behind");
    }
});
