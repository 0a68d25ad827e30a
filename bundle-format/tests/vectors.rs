//! Test vectors: small bundles with known bytes in tests/vectors/, valid and
//! broken, with their expected results in vectors.json. The generator below
//! rebuilds every vector; the committed bytes must match it exactly (set
//! AIRLOCK_WRITE_VECTORS=1 to rewrite them after a deliberate format change).

mod common;

use bundle_format::{
    FileEntry, Manifest, PublicKey, SigningKey, WriteOptions, extract, verify, write_bundle,
};
use common::*;
use serde::{Deserialize, Serialize};
use std::fs;
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

fn vector_key() -> SigningKey {
    SigningKey::from_pem(&fs::read_to_string(dir().join("test.key")).unwrap()).unwrap()
}

fn vector_pub() -> PublicKey {
    PublicKey::load(&dir().join("test.pub")).unwrap()
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Vector {
    file: String,
    /// `ok`, or the failure kind (`Failure::kind`).
    expect: String,
    /// Words the error message contains (empty for `ok`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    message: String,
    description: String,
}

fn v(file: &str, expect: &str, message: &str, description: &str) -> Vector {
    Vector {
        file: file.into(),
        expect: expect.into(),
        message: message.into(),
        description: description.into(),
    }
}

/// Every vector: its bytes and what a reader must say about it.
fn generate() -> Vec<(Vector, Vec<u8>)> {
    let key = vector_key();
    let runner = fs::read(dir().join("runner.bin")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let options = WriteOptions {
        created: Some(1_767_225_600),
        reproducible: true,
        ..WriteOptions::default()
    };
    let data = noise(1500, 99);
    let files: Vec<(&str, &[u8])> = vec![
        ("hello.msi", b"hello, offline world\n"),
        ("data.bin", &data),
    ];

    let build = |name: &str, files: &[(&str, &[u8])], mut m: Manifest| {
        let path = tmp.path().join(name);
        m.files = files
            .iter()
            .map(|(n, d)| FileEntry {
                name: n.to_string(),
                kind: "msi".into(),
                size: d.len() as u64,
                sha256: sha(d),
            })
            .collect();
        let w = write_bundle(
            &path,
            &runner[..],
            m,
            &key,
            |e| Ok(files.iter().find(|(n, _)| *n == e.name).unwrap().1),
            &options,
            &mut |_| {},
        )
        .unwrap();
        (fs::read(&path).unwrap(), w.layout)
    };

    let mut out = Vec::new();
    let (empty, _) = build("e", &[], {
        let mut m = manifest(&[]);
        m.content.clear();
        m
    });
    out.push((
        v("valid-empty.bundle", "ok", "", "no files, empty content"),
        empty,
    ));
    let (good, layout) = build("g", &files, manifest(&files));
    out.push((
        v(
            "valid-two-files.bundle",
            "ok",
            "",
            "two files (hello.msi, data.bin) and a content document naming them",
        ),
        good.clone(),
    ));

    let flipped = |at: usize| {
        let mut b = good.clone();
        b[at] ^= 1;
        b
    };
    let trailer_at = good.len() - 112;
    let find = |needle: &[u8]| {
        good.windows(needle.len())
            .position(|w| w == needle)
            .unwrap()
    };
    let spec = |m: &Manifest, tar: &[u8], key: &SigningKey| assemble(&runner, m, &zstd(tar), key);
    let signed = filled_manifest(&runner, &files, &key);
    let only_hello: Vec<(&str, &[u8])> = files[..1].to_vec();

    let mut broken = vec![
        (
            v(
                "runner-flipped.bundle",
                "runner",
                "runner: sha256",
                "one bit of the runner flipped",
            ),
            flipped(0),
        ),
        (
            v(
                "manifest-flipped.bundle",
                "signature",
                "signature does not verify",
                "one bit of the manifest's contact flipped",
            ),
            flipped(find(b"ops@example.com")),
        ),
        (
            v(
                "signature-flipped.bundle",
                "signature",
                "signature does not verify",
                "one bit of the signature flipped",
            ),
            flipped(layout.signature.offset as usize + 3),
        ),
        (
            v(
                "payload-flipped.bundle",
                "file",
                "file data.bin: sha256",
                "one bit of data.bin flipped inside the payload",
            ),
            flipped(find(&data[700..764]) + 10),
        ),
        (
            v(
                "trailer-flipped.bundle",
                "trailer",
                "checksum",
                "one bit of the trailer's runner length flipped",
            ),
            flipped(trailer_at + 8),
        ),
        (
            v(
                "truncated.bundle",
                "not-a-bundle",
                "not an Airlock bundle",
                "last byte removed",
            ),
            good[..good.len() - 1].to_vec(),
        ),
        (
            v(
                "appended.bundle",
                "not-a-bundle",
                "not an Airlock bundle",
                "one byte appended",
            ),
            [&good[..], b"x"].concat(),
        ),
        (
            v(
                "format-2.bundle",
                "unsupported-format",
                "format 2",
                "trailer says format 2",
            ),
            {
                let mut b = good.clone();
                b[trailer_at + 96] = 2;
                b
            },
        ),
        (
            v(
                "untrusted-key.bundle",
                "untrusted-key",
                &other_key().public().fingerprint().to_string(),
                "signed by a key that is not trusted",
            ),
            spec(
                &filled_manifest(&runner, &files, &other_key()),
                &spec_tar(&files),
                &other_key(),
            ),
        ),
        (
            v(
                "extra-entry.bundle",
                "payload",
                "does not list",
                "the payload holds data.bin, the manifest lists only hello.msi",
            ),
            spec(
                &filled_manifest(&runner, &only_hello, &key),
                &spec_tar(&files),
                &key,
            ),
        ),
        (
            v(
                "missing-entry.bundle",
                "file",
                "file data.bin: the payload ends before this file",
                "the manifest lists data.bin, the payload lacks it",
            ),
            spec(&signed, &spec_tar(&only_hello), &key),
        ),
        (
            v(
                "symlink-entry.bundle",
                "file",
                "not a regular file",
                "the payload's hello.msi is a symbolic link",
            ),
            {
                let mut m = filled_manifest(&runner, &[("hello.msi", b"")], &key);
                m.files[0].size = 0;
                let mut b = tar::Builder::new(Vec::new());
                let mut h = spec_header("hello.msi", 0, tar::EntryType::Symlink);
                h.set_link_name("/etc/passwd").unwrap();
                h.set_cksum();
                b.append(&h, &b""[..]).unwrap();
                spec(&m, &b.into_inner().unwrap(), &key)
            },
        ),
        (
            v(
                "traversal-name.bundle",
                "manifest",
                "files[0].name",
                "a signed manifest naming ../evil.msi",
            ),
            {
                let mut m = signed.clone();
                m.files[0].name = "../evil.msi".into();
                spec(&m, &spec_tar(&files), &key)
            },
        ),
        (
            v(
                "trailing-tar-data.bundle",
                "payload",
                "data follows the end of the archive",
                "bytes after the tar end-of-archive marker",
            ),
            spec(
                &signed,
                &[spec_tar(&files), b"junk".to_vec()].concat(),
                &key,
            ),
        ),
        (
            v(
                "size-bomb.bundle",
                "file",
                "size field differs",
                "the tar header of hello.msi claims 1 GiB",
            ),
            {
                let mut tar = spec_tar(&files);
                tar[..512].copy_from_slice(
                    spec_header("hello.msi", 1 << 30, tar::EntryType::Regular).as_bytes(),
                );
                spec(&signed, &tar, &key)
            },
        ),
        (
            v(
                "zstd-garbage.bundle",
                "payload",
                "compressed data is damaged",
                "garbage after the zstd frame",
            ),
            assemble(
                &runner,
                &signed,
                &[zstd(&spec_tar(&files)), b"garbage!".to_vec()].concat(),
                &key,
            ),
        ),
        (
            v(
                "unknown-field.bundle",
                "manifest",
                "unknown field",
                "a signed manifest with a field format 1 does not define",
            ),
            {
                let text = String::from_utf8(signed.to_bytes()).unwrap().replacen(
                    '{',
                    "{\"surprise\":1,",
                    1,
                );
                assemble_raw(&runner, text.as_bytes(), &zstd(&spec_tar(&files)), &key)
            },
        ),
        (
            v(
                "runner-size.bundle",
                "runner",
                "the manifest says",
                "the manifest's runner size differs from the trailer's",
            ),
            {
                let mut m = signed.clone();
                m.runner.size += 1;
                spec(&m, &spec_tar(&files), &key)
            },
        ),
    ];
    out.append(&mut broken);
    out
}

#[test]
fn committed_vectors_match_the_generator() {
    let generated = generate();
    let table: Vec<&Vector> = generated.iter().map(|(v, _)| v).collect();
    let json = serde_json::to_string_pretty(&table).unwrap() + "\n";
    if std::env::var_os("AIRLOCK_WRITE_VECTORS").is_some() {
        for (v, bytes) in &generated {
            fs::write(dir().join(&v.file), bytes).unwrap();
        }
        fs::write(dir().join("vectors.json"), &json).unwrap();
    }
    assert_eq!(
        fs::read_to_string(dir().join("vectors.json")).unwrap(),
        json
    );
    for (v, bytes) in &generated {
        let committed = fs::read(dir().join(&v.file)).unwrap();
        assert!(
            committed == *bytes,
            "{} differs from what the generator makes",
            v.file
        );
    }
}

#[test]
fn every_vector_gives_its_expected_result() {
    let table: Vec<Vector> =
        serde_json::from_str(&fs::read_to_string(dir().join("vectors.json")).unwrap()).unwrap();
    let mut listed: Vec<String> = table.iter().map(|v| v.file.clone()).collect();
    for fixed in [
        "README.md",
        "vectors.json",
        "runner.bin",
        "test.key",
        "test.pub",
    ] {
        listed.push(fixed.into());
    }
    listed.sort();
    assert_eq!(
        listing(&dir()),
        listed,
        "every file in tests/vectors is described"
    );
    for v in &table {
        let path = dir().join(&v.file);
        let result = verify(&path, &[vector_pub()]);
        let out = tempfile::tempdir().unwrap();
        let extracted = extract(&path, &[vector_pub()], &out.path().join("a").join("b"));
        assert_eq!(extracted.is_ok(), result.is_ok(), "{}", v.file);
        if extracted.is_err() {
            assert!(
                listing(out.path()).is_empty(),
                "{}: extract left something",
                v.file
            );
        }
        match (v.expect.as_str(), result) {
            ("ok", Ok(_)) => {}
            ("ok", Err(e)) => panic!("{}: expected ok, got {e}", v.file),
            (_, Ok(_)) => panic!("{}: expected {}, got ok", v.file, v.expect),
            (kind, Err(e)) => {
                assert!(e.is_verification(), "{}: {e}", v.file);
                assert_eq!(e.failure().unwrap().kind(), kind, "{}: {e}", v.file);
                assert!(
                    e.to_string().contains(&v.message),
                    "{}: {e:?} lacks {:?}",
                    v.file,
                    v.message
                );
            }
        }
    }
}
