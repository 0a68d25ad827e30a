//! Property tests: arbitrary and mutated bytes fed to the reader never panic,
//! and whatever it accepts is exactly what was signed.

mod common;

use bundle_format::{Manifest, extract, inspect, verify};
use common::*;
use proptest::prelude::*;
use std::fs;
use std::sync::OnceLock;

/// A bundle's bytes, its manifest, and its files (name, content).
type Original = (Vec<u8>, Manifest, Vec<(String, Vec<u8>)>);

/// A valid bundle and its files, built once.
fn original() -> &'static Original {
    static ORIGINAL: OnceLock<Original> = OnceLock::new();
    ORIGINAL.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let owned = vec![
            ("a.msi".to_string(), noise(700, 1)),
            (
                "b.txt".to_string(),
                b"plain text, compressible compressible compressible".to_vec(),
            ),
            ("c.bin".to_string(), vec![0u8; 2000]),
        ];
        let files: Vec<(&str, &[u8])> = owned.iter().map(|(n, d)| (n.as_str(), &d[..])).collect();
        let path = dir.path().join("b.exe");
        let w = write(&path, b"MZrunner", &files, &key(), &reproducible());
        (fs::read(&path).unwrap(), w.manifest, owned)
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    Remove(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), 1u8..=255).prop_map(|(at, x)| Mutation::Flip(at, x)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        1 => (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, b)| Mutation::Insert(at, b)),
        1 => (any::<usize>(), 1usize..64).prop_map(|(at, n)| Mutation::Remove(at, n)),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let len = bytes.len().max(1);
    match m {
        Mutation::Flip(at, x) => {
            let i = at % len;
            if let Some(b) = bytes.get_mut(i) {
                *b ^= x;
            }
        }
        Mutation::Truncate(at) => bytes.truncate(at % len),
        Mutation::Insert(at, b) => {
            let i = at % len;
            bytes.splice(i..i, b.iter().copied());
        }
        Mutation::Remove(at, n) => {
            let i = at % len;
            let end = (i + n).min(bytes.len());
            bytes.drain(i..end);
        }
    }
}

/// Runs every reader entry point on `bytes`; whatever verifies must be the original.
fn read_all(bytes: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.exe");
    fs::write(&path, bytes).unwrap();
    let _ = inspect(&path);
    let (_, orig_manifest, orig_files) = original();
    let verified = verify(&path, &[key().public()]);
    let dest = dir.path().join("out");
    let extracted = extract(&path, &[key().public()], &dest);
    assert_eq!(verified.is_ok(), extracted.is_ok());
    match extracted {
        Ok(m) => {
            assert_eq!(&m, orig_manifest);
            for (name, data) in orig_files {
                assert_eq!(&fs::read(dest.join(name)).unwrap(), data);
            }
        }
        Err(e) => {
            assert!(e.is_verification(), "{e}");
            assert_eq!(listing(dir.path()), vec!["x.exe"]);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn mutated_bundles_are_refused_or_authentic(ms in proptest::collection::vec(mutation(), 1..4)) {
        let mut bytes = original().0.clone();
        for m in &ms {
            apply(&mut bytes, m);
        }
        read_all(&bytes);
    }

    #[test]
    fn arbitrary_bytes_never_panic(mut bytes in proptest::collection::vec(any::<u8>(), 0..600), tail in any::<bool>()) {
        if tail {
            // Give the random bytes a valid-looking ending so the trailer parser is reached.
            let good = &original().0;
            bytes.extend_from_slice(&good[good.len() - 112..]);
        }
        read_all(&bytes);
    }

    #[test]
    fn manifest_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400), at in any::<usize>(), x in 1u8..=255) {
        let _ = Manifest::parse(&bytes);
        let mut json = original().1.to_bytes();
        let i = at % json.len();
        json[i] ^= x;
        let _ = Manifest::parse(&json);
    }
}

#[test]
fn unmutated_original_verifies() {
    read_all(&original().0);
}
