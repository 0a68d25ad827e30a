//! Shared test helpers: a fixed key, and bundles written from in-memory files.
#![allow(dead_code)]

use bundle_format::{FileEntry, Manifest, SigningKey, WriteOptions, Written, write_bundle};
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

/// A manifest listing `files`, with a content document naming a one-step
/// plan per file and a contact (the container carries it verbatim).
pub fn manifest(files: &[(&str, &[u8])]) -> Manifest {
    let steps: Vec<_> = files
        .iter()
        .map(|(name, _)| {
            serde_json::json!({
                "product": name.split('.').next().unwrap().to_lowercase(),
                "version": "1.0",
                "file": name,
            })
        })
        .collect();
    let content = serde_json::json!({"steps": steps, "contact": "ops@example.com"});
    let serde_json::Value::Object(content) = content else {
        unreachable!()
    };
    let mut m = Manifest::new("airlock-test 1", "test-files", content);
    for (name, data) in files {
        m.files.push(FileEntry {
            name: name.to_string(),
            kind: "msi".into(),
            size: data.len() as u64,
            sha256: sha(data),
        });
    }
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

/// Assembles a bundle by hand from its parts, following the spec: runner,
/// manifest, signature over context + manifest, payload, trailer. Lets tests
/// build bundles the writer would never make, still correctly signed.
pub fn assemble(runner: &[u8], manifest: &Manifest, payload: &[u8], key: &SigningKey) -> Vec<u8> {
    let bytes = manifest.to_bytes();
    assemble_raw(runner, &bytes, payload, key)
}

/// As [`assemble`], with the manifest given as exact bytes.
pub fn assemble_raw(runner: &[u8], manifest: &[u8], payload: &[u8], key: &SigningKey) -> Vec<u8> {
    let mut message = bundle_format::SIGNATURE_CONTEXT.to_vec();
    message.extend_from_slice(manifest);
    let layout = bundle_format::trailer::Layout::contiguous(
        runner.len() as u64,
        manifest.len() as u64,
        payload.len() as u64,
    );
    let mut out = runner.to_vec();
    out.extend_from_slice(manifest);
    out.extend_from_slice(&key.sign(&message));
    out.extend_from_slice(payload);
    out.extend_from_slice(&layout.encode());
    out
}

/// A manifest for `runner` and `files` as the writer would fill it (fixed id and time).
pub fn filled_manifest(runner: &[u8], files: &[(&str, &[u8])], key: &SigningKey) -> Manifest {
    let mut m = manifest(files);
    m.bundle_id = "0123456789abcdef0123456789abcdef".into();
    m.created = 1_700_000_000;
    m.key_fingerprint = key.public().fingerprint().to_string();
    m.runner.size = runner.len() as u64;
    m.runner.sha256 = sha(runner);
    m
}

/// A tar stream as the spec defines it, built with the `tar` crate's ustar
/// headers (an independent implementation of the same bytes).
pub fn spec_tar(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in files {
        b.append(
            &spec_header(name, data.len() as u64, tar::EntryType::Regular),
            *data,
        )
        .unwrap();
    }
    b.into_inner().unwrap()
}

/// The canonical ustar header of the spec, made with the `tar` crate.
pub fn spec_header(name: &str, size: u64, kind: tar::EntryType) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    h.as_ustar_mut().unwrap().name[..name.len()].copy_from_slice(name.as_bytes());
    h.set_mode(0o644);
    h.set_uid(0);
    h.set_gid(0);
    h.set_size(size);
    h.set_mtime(0);
    h.set_entry_type(kind);
    h.set_cksum();
    h
}

pub fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 3).unwrap()
}
