//! Hostile and mistaken inputs on the bundle side, through the real binary:
//! FIFOs, devices and folders given as a bundle, an index or a key are refused
//! at once (they blocked or grew without bound); key files that are empty,
//! binary (DER), too large or of the other kind say what to give; a
//! destination that is a file or a dangling link, a state root that is a file
//! or a dangling link, and a keygen path that names no file, are refused
//! saying what to give.

use crate::common;

use common::bundle::{Fixture, airlock, fixture};
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

fn root(f: &Fixture) -> PathBuf {
    let root = f.dir.path().join("state");
    fs::create_dir_all(&root).unwrap();
    root
}

fn fifo(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    assert!(
        Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap()
            .success()
    );
    path
}

/// Paths that are not regular files, with the words naming what each is.
fn not_files(dir: &Path) -> Vec<(PathBuf, &'static str)> {
    vec![
        (
            fifo(dir, "pipe"),
            "is a FIFO (named pipe), not a regular file",
        ),
        (
            PathBuf::from("/dev/zero"),
            "is a device, not a regular file",
        ),
        (dir.to_path_buf(), "is a folder, not a regular file"),
    ]
}

#[test]
fn a_bundle_that_is_not_a_regular_file_is_refused_at_once() {
    let f = fixture();
    let root = root(&f);
    for (path, says) in not_files(f.dir.path()) {
        let trust = ["--trust".into(), f.keys.public.display().to_string()];
        let extract = [&trust[..], &["--extract-only".into()]].concat();
        for (command, rest) in [
            ("verify", &trust[..]),
            ("inspect", &[]),
            ("install", &extract),
        ] {
            airlock(&root)
                .arg(command)
                .arg(&path)
                .args(rest)
                .timeout(Duration::from_secs(20))
                .assert()
                .code(1)
                .stderr(contains(format!("{}: {says}", path.display())));
        }
    }
}

#[test]
fn a_key_that_is_not_a_regular_file_is_refused_at_once() {
    let f = fixture();
    let root = root(&f);
    for (path, says) in not_files(f.dir.path()) {
        airlock(&root)
            .arg("verify")
            .arg(&f.bundle)
            .arg("--trust")
            .arg(&path)
            .timeout(Duration::from_secs(20))
            .assert()
            .code(1)
            .stderr(contains(format!("{}: {says}", path.display())));
    }
}

#[test]
fn a_parts_index_that_is_not_a_regular_file_is_refused_at_once() {
    let f = fixture();
    let root = root(&f);
    let index = fifo(f.dir.path(), "Bundle.exe.parts");
    airlock(&root)
        .arg("join")
        .arg(&index)
        .timeout(Duration::from_secs(20))
        .assert()
        .code(1)
        .stderr(contains("is a FIFO (named pipe), not a regular file"));
}

/// `airlock verify` with `--trust KEY` where KEY holds `bytes`; stderr must hold `says`.
fn key_refused(f: &Fixture, bytes: &[u8], says: &str) {
    let key = f.dir.path().join("given.pub");
    fs::write(&key, bytes).unwrap();
    airlock(&root(f))
        .arg("verify")
        .arg(&f.bundle)
        .arg("--trust")
        .arg(&key)
        .assert()
        .code(1)
        .stderr(contains(format!("{}: {says}", key.display())));
}

#[test]
fn key_files_that_are_not_pem_public_keys_say_what_to_give() {
    let f = fixture();
    let public = f.keys.key.public().to_bytes();
    // SubjectPublicKeyInfo DER of an Ed25519 key: 12 fixed bytes, then the key.
    let mut der = hex::decode("302a300506032b6570032100").unwrap();
    der.extend_from_slice(&public);
    key_refused(
        &f,
        &der,
        "holds binary data, not a PEM public key (a DER key?",
    );
    key_refused(&f, b"", "is empty; a public key file is PEM text");
    key_refused(&f, b"\n  \n", "is empty");
    key_refused(&f, &[0u8; 64], "holds binary data");
    key_refused(
        &f,
        b"hello\n",
        "is not a PEM public key: it has no -----BEGIN PUBLIC KEY----- line",
    );
    let secret = fs::read(&f.keys.secret).unwrap();
    key_refused(
        &f,
        &secret,
        "holds a PEM \"PRIVATE KEY\", not a public key; it is a secret key: give the public key",
    );
    let big = "x".repeat(5000);
    key_refused(
        &f,
        big.as_bytes(),
        "is larger than 4 KiB, too large for a public key file",
    );
}

#[test]
fn a_secret_key_file_of_the_other_kind_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let public = dir.path().join("k.pub");
    let key = bundle_format::keys::SigningKey::from_bytes(&[5; 32]);
    fs::write(&public, key.public().to_pem()).unwrap();
    let err = bundle_format::keys::SigningKey::load(&public)
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("it is a public key: give the secret key"),
        "{err}"
    );
}

#[test]
fn a_destination_that_is_a_file_is_refused_before_the_pass() {
    let f = fixture();
    let root = root(&f);
    let file = f.dir.path().join("taken");
    fs::write(&file, b"mine").unwrap();
    for dest in [file.clone(), file.join("below")] {
        airlock(&root)
            .arg("install")
            .arg(&f.bundle)
            .arg("--trust")
            .arg(&f.keys.public)
            .args(["--extract-only", "--extract-to"])
            .arg(&dest)
            .assert()
            .code(1)
            .stderr(contains(format!("{}: ", file.display())))
            .stderr(contains("is not a folder"))
            .stderr(contains("os error").not());
    }
    assert_eq!(fs::read(&file).unwrap(), b"mine");
}

#[test]
fn a_destination_that_is_a_dangling_link_says_where_it_points() {
    let f = fixture();
    let root = root(&f);
    let link = f.dir.path().join("dest");
    let nowhere = f.dir.path().join("gone");
    std::os::unix::fs::symlink(&nowhere, &link).unwrap();
    airlock(&root)
        .arg("install")
        .arg(&f.bundle)
        .arg("--trust")
        .arg(&f.keys.public)
        .args(["--extract-only", "--extract-to"])
        .arg(&link)
        .assert()
        .code(1)
        .stderr(contains(format!(
            "{}: is a link to {}, which does not exist; create that folder, or give another destination",
            link.display(),
            nowhere.display()
        )))
        .stderr(contains("os error").not());
    assert!(!nowhere.exists());
}

#[test]
fn a_root_that_is_a_file_or_a_dangling_link_says_what_to_give() {
    let f = fixture();
    let file = f.dir.path().join("root-file");
    fs::write(&file, b"mine").unwrap();
    let link = f.dir.path().join("root-link");
    std::os::unix::fs::symlink(f.dir.path().join("gone"), &link).unwrap();
    for (root, problem) in [
        (&file, "is a file, not a folder".to_string()),
        (
            &link,
            format!(
                "is a link to {}, which does not exist",
                f.dir.path().join("gone").display()
            ),
        ),
    ] {
        let out = f.dir.path().join("out");
        for args in [
            vec!["status".into()],
            vec![
                "support-package".into(),
                "--out".into(),
                f.dir.path().display().to_string(),
            ],
            vec![
                "license".into(),
                "add".into(),
                format!("{}/fixtures/licenses/patch.xml", env!("CARGO_MANIFEST_DIR")),
            ],
            vec![
                "install".into(),
                f.bundle.display().to_string(),
                "--trust".into(),
                f.keys.public.display().to_string(),
                "--dry-run".into(),
                "--extract-to".into(),
                out.display().to_string(),
            ],
        ] {
            airlock(root)
                .args(&args)
                .assert()
                .code(1)
                .stderr(contains(format!(
                    "the state root {} {problem}; give --root (or AIRLOCK_ROOT) a folder",
                    root.display()
                )))
                .stderr(contains("os error").not());
        }
    }
    assert_eq!(fs::read(&file).unwrap(), b"mine");
}

#[test]
fn keygen_refuses_a_path_that_names_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    fs::create_dir(&keys).unwrap();
    for out in [format!("{}/", keys.display()), keys.display().to_string()] {
        Command::new(assert_cmd::cargo::cargo_bin("airlock"))
            .env_remove("RUST_BACKTRACE")
            .args(["keygen", "--out", &out])
            .output()
            .map(|o| {
                assert_eq!(o.status.code(), Some(2), "{out}");
                let stderr = String::from_utf8_lossy(&o.stderr);
                assert!(
                    stderr.contains("names no file; give a base path"),
                    "{stderr}"
                );
            })
            .unwrap();
    }
    assert_eq!(
        fs::read_dir(&keys).unwrap().count(),
        0,
        "no hidden .key/.pub"
    );
}
