//! Shared test helpers: a fixed key, and bundles written from in-memory files.
#![allow(dead_code)]

use bundle_format::{
    FileEntry, ListingRef, Manifest, PlanItem, SigningKey, WriteOptions, Written, write_bundle,
};
use sha2::{Digest, Sha256};
use std::path::Path;

/// The fixed test key (its secret is 32 bytes of 0x2a).
pub fn key() -> SigningKey {
    SigningKey::from_bytes(&[0x2a; 32])
}

pub fn other_key() -> SigningKey {
    SigningKey::from_bytes(&[0x07; 32])
}

pub fn sha(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// A manifest listing `files` with a one-step plan per file.
pub fn manifest(files: &[(&str, &[u8])]) -> Manifest {
    let mut m = Manifest::new(
        "airlock-test 1",
        ListingRef {
            vendor: "Example".into(),
            name: "Example products".into(),
            serial: 7,
            sha256: sha(b"listing"),
        },
    );
    for (name, data) in files {
        m.files.push(FileEntry {
            name: name.to_string(),
            kind: "msi".into(),
            size: data.len() as u64,
            sha256: sha(data),
        });
        m.plan.push(PlanItem {
            product: name.split('.').next().unwrap().to_lowercase(),
            version: "1.0".into(),
            kind: "solution".into(),
            action: "install".into(),
            file: Some(name.to_string()),
            extra: Default::default(),
        });
    }
    m.contact = Some("ops@example.com".into());
    m
}

/// Fixed time, reproducible id.
pub fn reproducible() -> WriteOptions {
    WriteOptions {
        created: Some(1_700_000_000),
        reproducible: true,
        ..WriteOptions::default()
    }
}

/// Writes a bundle of `files` (data in memory) with `runner` to `dest`.
pub fn write(
    dest: &Path,
    runner: &[u8],
    files: &[(&str, &[u8])],
    key: &SigningKey,
    options: &WriteOptions,
) -> Written {
    let m = manifest(files);
    write_bundle(
        dest,
        runner,
        m,
        key,
        |entry| {
            let data = files.iter().find(|(n, _)| *n == entry.name).unwrap().1;
            Ok(data)
        },
        options,
        &mut |_| {},
    )
    .unwrap()
}

/// Deterministic pseudo-random bytes (incompressible enough for tests).
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Every entry of `dir` (names), sorted.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}
