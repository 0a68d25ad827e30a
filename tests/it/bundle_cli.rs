//! The offline side's bundle commands through the real binary: verify, inspect,
//! install --extract-only, join, and a bundle that runs itself; with the tamper
//! matrix (every region of a bundle, and split parts) giving exit code 3.

use crate::common;

use common::bundle::{
    Fixture, airlock, content, fixture, json_of, key_files, listing, on_bundle, run_written, write,
};
use predicates::str::contains;
use std::fs;

fn state_root(f: &Fixture) -> std::path::PathBuf {
    let root = f.dir.path().join("state");
    fs::create_dir_all(&root).unwrap();
    root
}

#[test]
fn verify_accepts_a_good_bundle_and_reports_json() {
    let f = fixture();
    let root = state_root(&f);
    on_bundle(&root, &["verify"], &f.bundle, &f.keys.public)
        .assert()
        .success()
        .stdout(contains("valid"));
    let json = json_of(&mut on_bundle(
        &root,
        &["verify"],
        &f.bundle,
        &f.keys.public,
    ));
    assert_eq!(json["valid"], true);
    assert_eq!(
        json["keyFingerprint"],
        f.keys.key.public().fingerprint().to_string()
    );
    assert_eq!(json["bundleId"], f.written.manifest.bundle_id.as_str());
    assert_eq!(json["serial"], 42);
    let files = json["files"].as_array().unwrap();
    assert_eq!(files.len(), f.files.len());
    assert_eq!(files[1]["name"], "ITMS_8.0_HF7.msp");
    assert_eq!(files[1]["size"], 70_001);
    assert_eq!(
        files[1]["sha256"],
        f.written.manifest.files[1].sha256.as_str()
    );
}

#[test]
fn keys_in_the_state_root_are_trusted() {
    let f = fixture();
    let root = state_root(&f);
    airlock(&root)
        .arg("verify")
        .arg(&f.bundle)
        .assert()
        .code(3)
        .stderr(contains(f.keys.key.public().fingerprint().to_string()))
        .stderr(contains("no trusted key"));
    fs::create_dir_all(root.join("trusted-keys")).unwrap();
    fs::copy(&f.keys.public, root.join("trusted-keys/builder.pub")).unwrap();
    airlock(&root)
        .arg("verify")
        .arg(&f.bundle)
        .assert()
        .success();
    airlock(&root)
        .env_remove("AIRLOCK_ROOT")
        .arg("verify")
        .arg(&f.bundle)
        .arg("--root")
        .arg(&root)
        .assert()
        .success();
}

#[test]
fn inspect_shows_the_manifest_unverified() {
    let f = fixture();
    let root = state_root(&f);
    airlock(&root)
        .arg("inspect")
        .arg(&f.bundle)
        .assert()
        .success()
        .stdout(contains("UNVERIFIED"))
        .stdout(contains("Symantec"))
        .stdout(contains("Altiris_SMP_8.0.msi"))
        .stdout(contains("ops@example.com"))
        .stdout(contains(f.keys.key.public().fingerprint().to_string()));
    let json = json_of(airlock(&root).arg("inspect").arg(&f.bundle));
    assert_eq!(json["verified"], false);
    assert_eq!(json["bundleId"], f.written.manifest.bundle_id.as_str());
    assert_eq!(json["contentType"], "airlock-package-2");
    assert_eq!(json["content"]["vendor"], "Symantec");
    assert_eq!(json["files"].as_array().unwrap().len(), f.files.len());
}

#[test]
fn extract_only_writes_the_files_to_the_vendor_folder() {
    let f = fixture();
    let root = state_root(&f);
    on_bundle(
        &root,
        &["install", "--extract-only"],
        &f.bundle,
        &f.keys.public,
    )
    .assert()
    .success();
    let dest = f.dir.path().join("Symantec/Components");
    for (name, bytes) in &f.files {
        assert_eq!(&fs::read(dest.join(name)).unwrap(), bytes, "{name}");
    }
    assert_eq!(listing(&dest).len(), f.files.len());
}

#[test]
fn a_bundle_runs_itself_as_install() {
    let dir = tempfile::tempdir().unwrap();
    let keys = key_files(dir.path(), "builder", 5);
    let files = vec![
        ("Product.msi".to_string(), content(7, 200_000)),
        ("vendor.pl.xml".to_string(), b"<productListing/>".to_vec()),
    ];
    let runner = fs::read(env!("CARGO_BIN_EXE_airlock")).unwrap();
    let bundle = dir.path().join("Selfrun.exe");
    write(&bundle, &runner, &files, &keys.key);
    let dest = dir.path().join("out");
    let out = run_written(
        std::process::Command::new(&bundle)
            .env_remove("RUST_BACKTRACE")
            .env("AIRLOCK_ROOT", dir.path().join("state"))
            .arg("--extract-only")
            .arg("--extract-to")
            .arg(&dest)
            .arg("--trust")
            .arg(&keys.public),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(fs::read(dest.join("Product.msi")).unwrap(), files[0].1);

    let other = key_files(dir.path(), "other", 6);
    let refused = run_written(
        std::process::Command::new(&bundle)
            .env("AIRLOCK_ROOT", dir.path().join("state"))
            .args(["--extract-only", "--extract-to"])
            .arg(dir.path().join("out2"))
            .arg("--trust")
            .arg(&other.public),
    );
    assert_eq!(refused.status.code(), Some(3));
    assert!(!dir.path().join("out2").exists());

    // Its own --help describes the bundle, not `airlock install <BUNDLE>`.
    let help = run_written(std::process::Command::new(&bundle).arg("--help"));
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(help.status.success(), "{text}");
    assert!(text.contains("Usage: Selfrun.exe [OPTIONS]\n"), "{text}");
    assert!(text.contains("  Selfrun.exe --dry-run\n"), "{text}");
    assert!(text.contains("--answers <FILE>"), "{text}");
    assert!(
        !text.contains("BUNDLE") && !text.contains("airlock install "),
        "{text}"
    );
    let stray = run_written(std::process::Command::new(&bundle).arg("Other.exe"));
    assert_eq!(stray.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&stray.stderr).contains("unexpected argument 'Other.exe'"),
        "a second bundle is not taken for this one"
    );
}

#[test]
fn every_command_has_help_with_an_example() {
    let root = tempfile::tempdir().unwrap();
    for cmd in [
        &["keygen"][..],
        &["verify"],
        &["inspect"],
        &["install"],
        &["join"],
        &["status"],
        &["history", "export"],
        &["uninstall"],
        &["repair"],
        &["license", "add"],
        &["support-package"],
    ] {
        airlock(root.path())
            .args(cmd)
            .arg("--help")
            .assert()
            .success()
            .stdout(contains("Example"));
    }
}

/// How many times `needle` occurs in `haystack`.
fn occurrences(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn a_missing_key_file_is_named_with_its_cause_printed_once() {
    let f = fixture();
    let root = state_root(&f);
    let missing = f.dir.path().join("nowhere.pub");
    let out = on_bundle(&root, &["verify"], &f.bundle, &missing)
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = common::stderr(&out);
    // ENOENT's text, as the OS words it: once, after the file it is about.
    let os = std::io::Error::from_raw_os_error(2).to_string();
    assert_eq!(
        stderr,
        format!("error: cannot read {}: {os}\n", missing.display())
    );
    assert_eq!(occurrences(&stderr, &os), 1, "{stderr}");
}

#[test]
fn a_history_that_cannot_be_written_is_named_with_its_cause_printed_once() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("state");
    fs::create_dir_all(&root).unwrap();
    // A folder where the file should go: the rename onto it fails.
    let out_path = dir.path().join("srv01.xml");
    fs::create_dir_all(&out_path).unwrap();
    let out = airlock(&root)
        .args(["history", "export", "--out"])
        .arg(&out_path)
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = common::stderr(&out);
    // EISDIR's text, as the OS words it: once, after the file it is about.
    let os = std::io::Error::from_raw_os_error(21).to_string();
    assert_eq!(
        stderr,
        format!("error: cannot write {}: {os}\n", out_path.display())
    );
    assert_eq!(occurrences(&stderr, &os), 1, "{stderr}");
}
