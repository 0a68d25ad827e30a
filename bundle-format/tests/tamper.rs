//! The tamper matrix: one damaged byte in each region of a bundle, truncation,
//! appended garbage, swapped file data, a wrong key and an unknown format are
//! each refused with a verification error naming what failed, and extraction
//! leaves nothing behind.

mod common;

use bundle_format::{Failure, SignedBundle, WriteOptions, extract, verify};
use common::*;
use std::fs;
use std::path::Path;

struct Case {
    name: String,
    bytes: Vec<u8>,
    /// Checks the failure; the message must contain `words`.
    expect: fn(&Failure) -> bool,
    words: String,
}

const RUNNER: &[u8] = b"MZ this is a tiny runner executable\n";

fn files() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("first.msi", noise(40_000, 11)),
        ("second.msi", noise(40_000, 12)),
        ("third.txt", noise(3_000, 13)),
    ]
}

fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len())
        .position(|w| w == needle)
        .expect("file data stored verbatim (incompressible)")
}

fn check_refused(dir: &Path, case: &Case) {
    let path = dir.join(format!("{}.exe", case.name));
    fs::write(&path, &case.bytes).unwrap();
    let err = verify(&path, &[key().public()]).unwrap_err();
    assert!(err.is_verification(), "{}: {err}", case.name);
    let failure = err.failure().unwrap();
    assert!(
        (case.expect)(failure),
        "{}: unexpected failure {failure:?}",
        case.name
    );
    let msg = err.to_string();
    assert!(
        msg.contains(&case.words),
        "{}: {msg:?} lacks {:?}",
        case.name,
        case.words
    );

    let dest = dir.join("out").join("Components");
    let before = listing(dir);
    let err = extract(&path, &[key().public()], &dest).unwrap_err();
    assert!(err.is_verification(), "{}: {err}", case.name);
    assert_eq!(
        listing(dir),
        before,
        "{}: extract left something",
        case.name
    );
    fs::remove_file(&path).unwrap();
}

#[test]
fn every_tampering_is_refused_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let owned = files();
    let files: Vec<(&str, &[u8])> = owned.iter().map(|(n, d)| (*n, &d[..])).collect();
    let good_path = dir.path().join("good.exe");
    let w = write(&good_path, RUNNER, &files, &key(), &WriteOptions::default());
    let good = fs::read(&good_path).unwrap();
    fs::remove_file(&good_path).unwrap();
    let l = w.layout;
    let flip = |at: u64| {
        let mut b = good.clone();
        b[at as usize] ^= 0x01;
        b
    };

    let mut cases = vec![
        Case {
            name: "runner-byte".into(),
            bytes: flip(5),
            expect: |f| matches!(f, Failure::Runner(_)),
            words: "runner: sha256".into(),
        },
        Case {
            name: "manifest-byte".into(),
            bytes: flip(l.manifest.offset + l.manifest.len / 2),
            expect: |f| {
                matches!(
                    f,
                    Failure::Signature { .. } | Failure::UntrustedKey { .. } | Failure::Manifest(_)
                )
            },
            words: "verification failed".into(),
        },
        Case {
            name: "signature-byte".into(),
            bytes: flip(l.signature.offset + 10),
            expect: |f| matches!(f, Failure::Signature { .. }),
            words: "signature does not verify".into(),
        },
        Case {
            name: "trailer-field".into(),
            bytes: flip(l.payload.offset + l.payload.len + 9),
            expect: |f| matches!(f, Failure::Trailer(m) if m.contains("checksum")),
            words: "trailer".into(),
        },
        Case {
            name: "trailer-magic".into(),
            bytes: flip(good.len() as u64 - 1),
            expect: |f| *f == Failure::NotABundle,
            words: "not an Airlock bundle".into(),
        },
        Case {
            name: "truncated-by-one".into(),
            bytes: good[..good.len() - 1].to_vec(),
            expect: |f| *f == Failure::NotABundle,
            words: "not an Airlock bundle".into(),
        },
        Case {
            name: "truncated-payload".into(),
            bytes: {
                let mut b = good[..(l.payload.offset + l.payload.len / 2) as usize].to_vec();
                b.extend_from_slice(&good[good.len() - 112..]);
                b
            },
            expect: |f| matches!(f, Failure::Trailer(m) if m.contains("truncated")),
            words: "truncated".into(),
        },
        Case {
            name: "appended-garbage".into(),
            bytes: {
                let mut b = good.clone();
                b.extend_from_slice(b"garbage");
                b
            },
            expect: |f| *f == Failure::NotABundle,
            words: "not an Airlock bundle".into(),
        },
        Case {
            name: "unknown-format".into(),
            bytes: {
                let mut b = good.clone();
                let t = b.len() - 16;
                b[t] = 2;
                b
            },
            expect: |f| {
                *f == Failure::UnsupportedFormat {
                    found: 2,
                    supported: 1,
                }
            },
            words: "format 2".into(),
        },
        Case {
            name: "wrong-key".into(),
            bytes: {
                let m = filled_manifest(RUNNER, &files, &other_key());
                assemble(RUNNER, &m, &zstd(&spec_tar(&files)), &other_key())
            },
            expect: |f| matches!(f, Failure::UntrustedKey { .. }),
            words: "not a trusted key".into(),
        },
    ];
    for (name, data) in &files {
        let at = find(&good, &data[data.len() / 2..data.len() / 2 + 64]) as u64;
        cases.push(Case {
            name: format!("data-of-{name}"),
            bytes: flip(at),
            expect: |f| matches!(f, Failure::File { problem, .. } if problem.contains("sha256")),
            words: format!("file {name}: sha256"),
        });
    }
    // Swap the data of the two files of equal size.
    let a = find(&good, &files[0].1[..64]);
    let b = find(&good, &files[1].1[..64]);
    let mut swapped = good.clone();
    swapped[a..a + 40_000].copy_from_slice(files[1].1);
    swapped[b..b + 40_000].copy_from_slice(files[0].1);
    cases.push(Case {
        name: "swapped-files".into(),
        bytes: swapped,
        expect: |f| matches!(f, Failure::File { name, .. } if name == "first.msi"),
        words: "file first.msi: sha256".into(),
    });
    for case in &cases {
        check_refused(dir.path(), case);
    }
}

#[test]
fn newer_manifest_format_is_named_even_when_signed() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<(&str, &[u8])> = vec![("a.msi", b"a")];
    let m = filled_manifest(RUNNER, &files, &key());
    let text = String::from_utf8(m.to_bytes())
        .unwrap()
        .replace("\"format\":1", "\"format\":2");
    let path = dir.path().join("newer.exe");
    fs::write(
        &path,
        assemble_raw(RUNNER, text.as_bytes(), &zstd(&spec_tar(&files)), &key()),
    )
    .unwrap();
    let err = verify(&path, &[key().public()]).unwrap_err();
    assert_eq!(
        err.failure(),
        Some(&Failure::UnsupportedFormat {
            found: 2,
            supported: 1
        })
    );
    assert!(err.to_string().contains("format 2") && err.to_string().contains("format 1"));
}

#[test]
fn hand_assembled_bundle_matches_the_spec() {
    // A bundle built from the spec alone (tar crate headers, plain zstd) is accepted.
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<(&str, &[u8])> = vec![("a.msi", b"hello"), ("b.txt", &[1u8; 1000])];
    let m = filled_manifest(RUNNER, &files, &key());
    let path = dir.path().join("spec.exe");
    fs::write(
        &path,
        assemble(RUNNER, &m, &zstd(&spec_tar(&files)), &key()),
    )
    .unwrap();
    let opened = SignedBundle::open(&path, &[key().public()]).unwrap();
    assert_eq!(opened.verify_payload(&mut |_| {}).unwrap(), m);
}

#[test]
fn damage_in_compressed_data_names_the_file_being_read() {
    // Compressible data: its blocks are compressed (not stored), so a damaged
    // byte may make zstd fail before any of the file's bytes come out.
    let dir = tempfile::tempdir().unwrap();
    let text: Vec<u8> = (0..200_000u32)
        .flat_map(|i| format!("line {} of the release notes\n", i % 977).into_bytes())
        .take(300_000)
        .collect();
    let files: Vec<(&str, &[u8])> = vec![("notes.txt", &text), ("b.msi", b"bbbb")];
    let path = dir.path().join("b.exe");
    let w = write(&path, RUNNER, &files, &key(), &WriteOptions::default());
    let good = fs::read(&path).unwrap();
    let p = w.layout.payload;
    for at in [p.offset + 20, p.offset + p.len / 3, p.offset + p.len / 2] {
        let mut bad = good.clone();
        bad[at as usize] ^= 0x55;
        fs::write(&path, &bad).unwrap();
        let err = verify(&path, &[key().public()]).unwrap_err();
        assert!(
            matches!(err.failure(), Some(Failure::File { name, .. }) if name == "notes.txt"),
            "byte {at}: {err}"
        );
    }
}

#[test]
fn names_equal_on_a_case_insensitive_file_system_are_refused() {
    // Windows compares names by upper case: "ſ" (long s) and "s" are one name
    // there, though their lower cases differ; "K" (Kelvin sign) and "k" agree in lower case.
    for (a, b) in [("ſetup.msi", "Setup.msi"), ("\u{212A}b.msi", "kb.msi")] {
        let files: Vec<(&str, &[u8])> = vec![(a, b"1"), (b, b"2")];
        let err = filled_manifest(RUNNER, &files, &key())
            .validate()
            .unwrap_err();
        assert!(err.to_string().contains("appears twice"), "{a} {b}: {err}");
    }
}

#[test]
fn a_key_twice_in_one_object_is_refused_even_when_signed() {
    // Readers that keep the first value and readers that keep the last would
    // act on different content under one signature.
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<(&str, &[u8])> = vec![("a.msi", b"a")];
    let mut m = filled_manifest(RUNNER, &files, &key());
    m.content
        .insert("args".into(), serde_json::json!({"x": "safe"}));
    let text = String::from_utf8(m.to_bytes()).unwrap();
    for twice in [
        text.replace(r#""x":"safe""#, r#""x":"safe","x":"evil""#),
        text.replace(r#""args":"#, r#""args":1,"args":"#),
        text.replace(r#""created":"#, r#""created":1,"created":"#),
    ] {
        assert_ne!(twice, text);
        let path = dir.path().join("twice.exe");
        fs::write(
            &path,
            assemble_raw(RUNNER, twice.as_bytes(), &zstd(&spec_tar(&files)), &key()),
        )
        .unwrap();
        let err = verify(&path, &[key().public()]).unwrap_err();
        assert!(
            matches!(err.failure(), Some(Failure::Manifest(_)))
                && err.to_string().contains("twice"),
            "{twice}: {err}"
        );
    }
}

#[test]
fn damage_near_the_end_of_the_payload_is_not_blamed_on_an_earlier_file() {
    // Several compressed blocks decode in one go; bytes decoded before the
    // damaged block must still reach the check, so the right file is named.
    let dir = tempfile::tempdir().unwrap();
    let notes = |seed: u32| -> Vec<u8> {
        (0..40_000u32)
            .flat_map(|i| format!("note {} of part {seed}\n", i % 977).into_bytes())
            .take(300_000)
            .collect()
    };
    let (a, b) = (notes(1), notes(2));
    let files: Vec<(&str, &[u8])> = vec![("first.txt", &a), ("last.txt", &b)];
    let path = dir.path().join("b.exe");
    let w = write(&path, RUNNER, &files, &key(), &WriteOptions::default());
    let good = fs::read(&path).unwrap();
    let p = w.layout.payload;
    for back in [1, 2, 5, 40] {
        let at = (p.offset + p.len - back) as usize;
        let mut bad = good.clone();
        bad[at] ^= 0x55;
        fs::write(&path, &bad).unwrap();
        let err = verify(&path, &[key().public()]).unwrap_err();
        assert!(
            matches!(err.failure(), Some(Failure::File { name, .. }) if name == "last.txt")
                || matches!(err.failure(), Some(Failure::Payload(_))),
            "byte {back} from the end: {err}"
        );
    }
}
