//! One extraction per destination at a time, through the real binary: a run
//! waits for the holder of the destination's lock and names it; concurrent
//! runs of different bundles leave one bundle's files, never a mix; and
//! concurrent runs of one bundle all succeed.

use crate::common;

use bundle_format::{Destination, DestinationLock};
use common::bundle::{content, fixture, key_files, listing, write};
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn extraction(root: &Path, bundle: &Path, public: &Path, dest: &Path) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("airlock"));
    cmd.env_remove("RUST_BACKTRACE")
        .env("AIRLOCK_ROOT", root)
        .arg("install")
        .arg(bundle)
        .arg("--trust")
        .arg(public)
        .args(["--extract-only", "--extract-to"])
        .arg(dest)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

#[test]
fn a_second_extraction_waits_for_the_holder_and_names_it() {
    let f = fixture();
    let root = f.dir.path().join("state");
    let dest = f.dir.path().join("Components");
    let held = DestinationLock::acquire(&Destination::resolve(&dest).unwrap(), &mut |_| {
        panic!("nobody holds it yet")
    })
    .unwrap();

    let mut child: Child = extraction(&root, &f.bundle, &f.keys.public, &dest)
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let _ = tx.send(line.unwrap());
        }
    });
    let first = rx.recv_timeout(Duration::from_secs(30)).unwrap();
    assert!(
        first.contains(&format!(
            "waiting: process {} is extracting into",
            std::process::id()
        )),
        "{first}"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(child.try_wait().unwrap().is_none(), "it must wait");
    assert!(!dest.exists(), "nothing extracted while the lock is held");

    drop(held);
    assert!(child.wait().unwrap().success());
    let rest: Vec<String> = rx.iter().collect();
    assert!(
        rest.iter()
            .any(|l| l.contains(&format!("extracted {} files", f.files.len()))),
        "{rest:?}"
    );
    assert_eq!(listing(&dest).len(), f.files.len());
    // The lock file goes with the lock.
    assert!(!listing(f.dir.path()).iter().any(|p| p.ends_with(".lock")));
}

/// A bundle file and the files it holds.
type Bundle = (std::path::PathBuf, Vec<(String, Vec<u8>)>);

/// Two bundles with the same file names and different bytes.
fn two_bundles(dir: &Path) -> [Bundle; 2] {
    let keys = key_files(dir, "builder", 9);
    fs::rename(&keys.public, dir.join("builder.pub")).unwrap();
    [1u64, 2].map(|seed| {
        let files: Vec<(String, Vec<u8>)> = (0..400)
            .map(|i| (format!("file{i:03}.msi"), content(seed * 1000 + i, 1_000)))
            .collect();
        let bundle = dir.join(format!("B{seed}.exe"));
        write(&bundle, b"MZ runner\n", &files, &keys.key);
        (bundle, files)
    })
}

#[test]
fn concurrent_extractions_of_two_bundles_leave_one_bundle_whole() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("state");
    let bundles = two_bundles(dir.path());
    let public = dir.path().join("builder.pub");
    for round in 0..3 {
        let dest = dir.path().join(format!("Components{round}"));
        let children: Vec<Child> = (0..4)
            .map(|i| {
                extraction(&root, &bundles[i % 2].0, &public, &dest)
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let whole = bundles.iter().any(|(_, files)| {
            files
                .iter()
                .all(|(name, bytes)| fs::read(dest.join(name)).unwrap() == *bytes)
        });
        assert!(whole, "round {round}: a mix of both bundles' files");
    }
}

#[test]
fn concurrent_extractions_of_one_bundle_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("state");
    let [(bundle, files), _] = two_bundles(dir.path());
    let public = dir.path().join("builder.pub");
    for round in 0..3 {
        let dest = dir.path().join(format!("Components{round}"));
        let children: Vec<Child> = (0..6)
            .map(|_| extraction(&root, &bundle, &public, &dest).spawn().unwrap())
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "round {round}: {stderr}");
        }
        for (name, bytes) in &files {
            assert_eq!(fs::read(dest.join(name)).unwrap(), *bytes);
        }
    }
    let left = listing(dir.path());
    assert!(
        !left
            .iter()
            .any(|p| p.ends_with(".lock") || p.contains(".partial")),
        "{left:?}"
    );
}
