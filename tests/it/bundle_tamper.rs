//! The tamper matrix: one flipped byte in every region of a bundle, truncation,
//! appended garbage, a wrong key, an unknown format version, and damaged,
//! swapped, missing or foreign split parts. Each is refused with exit code 3 and
//! a message naming what failed, and nothing is written.

use crate::common;

use assert_cmd::Command;
use bundle_format::split::{PartSize, split};
use common::bundle::{Fixture, airlock, content, fixture, key_files, listing, on_bundle, write};
use predicates::str::contains;
use std::fs;
use std::path::{Path, PathBuf};

/// A damaged copy of the fixture's bundle, in a folder of its own.
struct Case {
    name: String,
    expect: String,
    dir: tempfile::TempDir,
    bundle: PathBuf,
}

fn case(f: &Fixture, name: &str, expect: &str, damage: impl FnOnce(&mut Vec<u8>)) -> Case {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("Bundle.exe");
    let mut bytes = fs::read(&f.bundle).unwrap();
    damage(&mut bytes);
    fs::write(&bundle, bytes).unwrap();
    Case {
        name: name.into(),
        expect: expect.into(),
        dir,
        bundle,
    }
}

fn flip(bytes: &mut [u8], at: u64) {
    bytes[at as usize] ^= 0x40;
}

fn find(haystack: &[u8], needle: &[u8]) -> u64 {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("file bytes stored as is in the payload") as u64
}

fn cases(f: &Fixture) -> Vec<Case> {
    let layout = f.written.layout;
    let original = fs::read(&f.bundle).unwrap();
    let mut all = vec![
        case(f, "runner", "runner", |b| flip(b, layout.runner.offset + 3)),
        case(f, "manifest", "signature", |b| {
            flip(b, layout.manifest.offset + layout.manifest.len / 2)
        }),
        case(f, "signature", "signature", |b| {
            flip(b, layout.signature.offset + 10)
        }),
        case(f, "trailer", "trailer", |b| {
            let at = b.len() as u64 - 40;
            flip(b, at)
        }),
        case(f, "truncated", "not an Airlock bundle", |b| {
            b.truncate(b.len() - 1)
        }),
        case(f, "truncated payload", "trailer", |b| {
            let end = b.len();
            let trailer = b[end - 112..].to_vec();
            b.truncate(end - 112 - 1000);
            b.extend_from_slice(&trailer);
        }),
        case(f, "garbage appended", "not an Airlock bundle", |b| {
            b.extend_from_slice(b"garbage after the trailer")
        }),
        case(f, "format 2", "bundle format 2", |b| {
            let at = b.len() - 16;
            b[at..at + 4].copy_from_slice(&2u32.to_le_bytes());
        }),
    ];
    // The sample files barely compress, so their bytes sit in the payload as
    // they are: damage the middle of each file's own data. The damage is found
    // by the file's sha256 or by the payload's own checksum, whichever comes first.
    for (name, bytes) in &f.files {
        if bytes.len() < 1000 {
            continue;
        }
        let middle = bytes.len() / 2;
        let at = find(&original, &bytes[middle..middle + 64]);
        assert!(at > layout.payload.offset);
        all.push(case(
            f,
            &format!("data of {name}"),
            &format!("{name}|payload: the compressed data is damaged"),
            |b| flip(b, at),
        ));
    }
    all
}

/// True when `text` holds one of the `|`-separated alternatives of `expect`.
fn names(text: &str, expect: &str) -> bool {
    expect.split('|').any(|e| text.contains(e))
}

fn refused(mut cmd: impl std::borrow::BorrowMut<Command>, what: &str, expect: &str) {
    let out = cmd.borrow_mut().assert().code(3).get_output().clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        names(&stderr, expect),
        "{what}: expected `{expect}` in:\n{stderr}"
    );
}

#[test]
fn every_damaged_region_fails_verify_and_extracts_nothing() {
    let f = fixture();
    for c in cases(&f) {
        let root = c.dir.path().join("state");
        refused(
            on_bundle(&root, &["verify"], &c.bundle, &f.keys.public),
            &c.name,
            &c.expect,
        );
        let json = on_bundle(&root, &["verify"], &c.bundle, &f.keys.public)
            .arg("--json")
            .assert()
            .code(3)
            .get_output()
            .stdout
            .clone();
        let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(json["schema"], 1, "{}", c.name);
        assert_eq!(json["error"]["exit"], 3, "{}", c.name);
        assert!(
            names(json["error"]["message"].as_str().unwrap(), &c.expect),
            "{}: {json}",
            c.name
        );

        let before = listing(c.dir.path());
        let dest = c.dir.path().join("out");
        refused(
            on_bundle(
                &root,
                &["install", "--extract-only"],
                &c.bundle,
                &f.keys.public,
            )
            .arg("--extract-to")
            .arg(&dest),
            &c.name,
            &c.expect,
        );
        assert!(!dest.exists(), "{}: destination created", c.name);
        refused(
            on_bundle(
                &root,
                &["install", "--extract-only"],
                &c.bundle,
                &f.keys.public,
            ),
            &c.name,
            &c.expect,
        );
        assert_eq!(
            listing(c.dir.path()),
            before,
            "{}: something was left",
            c.name
        );
    }
}

#[test]
fn an_existing_destination_is_left_untouched() {
    let f = fixture();
    let all = cases(&f);
    let c = all.last().unwrap();
    let dest = c.dir.path().join("out");
    fs::create_dir_all(&dest).unwrap();
    fs::write(dest.join("keep.txt"), "mine").unwrap();
    refused(
        on_bundle(
            &c.dir.path().join("state"),
            &["install", "--extract-only"],
            &c.bundle,
            &f.keys.public,
        )
        .arg("--extract-to")
        .arg(&dest),
        &c.name,
        &c.expect,
    );
    assert_eq!(listing(&dest), vec!["keep.txt".to_string()]);
    assert_eq!(fs::read_to_string(dest.join("keep.txt")).unwrap(), "mine");
}

#[test]
fn a_wrong_key_is_refused_naming_the_signer() {
    let f = fixture();
    let other = key_files(f.dir.path(), "other", 77);
    let root = f.dir.path().join("state");
    let signer = f.keys.key.public().fingerprint().to_string();
    for args in [vec!["verify"], vec!["install", "--extract-only"]] {
        refused(
            airlock(&root)
                .args(&args)
                .arg(&f.bundle)
                .arg("--trust")
                .arg(&other.public),
            "wrong key",
            &signer,
        );
    }
    assert!(!f.dir.path().join("Symantec").exists());
}

/// A bundle split into 4 parts, and its key.
fn split_fixture() -> (Fixture, Vec<PathBuf>) {
    let f = fixture();
    let size = fs::metadata(&f.bundle).unwrap().len();
    let part = PartSize::new(size.div_ceil(4)).unwrap();
    let index = split(&f.bundle, part, &f.keys.key, &mut |_| {}).unwrap();
    let parts = index
        .parts
        .iter()
        .map(|p| f.dir.path().join(&p.name))
        .collect();
    fs::remove_file(&f.bundle).unwrap();
    (f, parts)
}

#[test]
fn join_reassembles_and_verifies() {
    let (f, parts) = split_fixture();
    let root = f.dir.path().join("state");
    airlock(&root)
        .arg("join")
        .arg(&parts[0])
        .arg("--trust")
        .arg(&f.keys.public)
        .assert()
        .success()
        .stderr(contains("verified"));
    on_bundle(&root, &["verify"], &f.bundle, &f.keys.public)
        .assert()
        .success();
    let out = f.dir.path().join("again.exe");
    airlock(&root)
        .arg("join")
        .arg(&parts[0])
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stderr(contains("NOT verified"));
    assert_eq!(fs::read(&out).unwrap(), fs::read(&f.bundle).unwrap());
}

fn join_refused(f: &Fixture, first: &Path, expect: &str) {
    let before = listing(f.dir.path());
    refused(
        airlock(&f.dir.path().join("state"))
            .arg("join")
            .arg(first)
            .arg("--trust")
            .arg(&f.keys.public),
        expect,
        expect,
    );
    assert_eq!(
        listing(f.dir.path()),
        before,
        "{expect}: something was written"
    );
    assert!(!f.bundle.exists());
}

#[test]
fn join_names_a_bad_part_before_writing_anything() {
    let (f, parts) = split_fixture();
    let original: Vec<Vec<u8>> = parts.iter().map(|p| fs::read(p).unwrap()).collect();
    let restore = || {
        for (p, bytes) in parts.iter().zip(&original) {
            fs::write(p, bytes).unwrap();
        }
    };

    let mut damaged = original[2].clone();
    damaged[5] ^= 1;
    fs::write(&parts[2], damaged).unwrap();
    join_refused(
        &f,
        &parts[0],
        "part 3 is damaged or belongs to another bundle",
    );
    restore();

    fs::write(&parts[1], &original[2]).unwrap();
    fs::write(&parts[2], &original[1]).unwrap();
    join_refused(&f, &parts[0], "holds the bytes of part 3, not part 2");
    restore();

    fs::remove_file(&parts[3]).unwrap();
    join_refused(&f, &parts[0], "part 4 of 4 is missing");
    restore();

    fs::write(&parts[1], &original[1][..100]).unwrap();
    join_refused(&f, &parts[0], "part 2 has 100 bytes");
    restore();

    // A part of the same size from another bundle.
    let other_dir = tempfile::tempdir().unwrap();
    let other = other_dir.path().join("Bundle.exe");
    let files = vec![("Other.msi".to_string(), content(99, 500_000))];
    write(&other, b"MZ other runner\n", &files, &f.keys.key);
    split(
        &other,
        PartSize::new(original[0].len() as u64).unwrap(),
        &f.keys.key,
        &mut |_| {},
    )
    .unwrap();
    fs::copy(other_dir.path().join("Bundle.exe.002"), &parts[1]).unwrap();
    join_refused(
        &f,
        &parts[0],
        "part 2 is damaged or belongs to another bundle",
    );
    restore();

    // The index of another bundle, or a forged one, or one signed by a key not trusted.
    let index = f.dir.path().join("Bundle.exe.parts");
    let text = fs::read_to_string(&index).unwrap();
    fs::write(&index, text.replacen("\"size\":", "\"size\": ", 1)).unwrap();
    join_refused(&f, &parts[0], "index signature does not verify");
    fs::remove_file(&index).unwrap();
    join_refused(&f, &parts[0], "the index of the parts is missing");
    fs::write(&index, &text).unwrap();
    let stranger = key_files(f.dir.path(), "stranger", 31);
    let before = listing(f.dir.path());
    refused(
        airlock(&f.dir.path().join("state"))
            .arg("join")
            .arg(&parts[0])
            .arg("--trust")
            .arg(&stranger.public),
        "untrusted index",
        "not trusted",
    );
    assert_eq!(listing(f.dir.path()), before);
}
