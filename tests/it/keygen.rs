//! `airlock keygen`: the key files it writes, their modes, and that other tools read them.

use assert_cmd::Command;
use std::fs;
use std::path::Path;
use std::process::Command as Process;

fn keygen(base: &Path) -> assert_cmd::assert::Assert {
    Command::cargo_bin("airlock")
        .unwrap()
        .env_remove("RUST_BACKTRACE")
        .args(["keygen", "--out"])
        .arg(base)
        .assert()
}

#[test]
fn writes_a_pair_and_prints_the_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("builder");
    let out = keygen(&base).success().get_output().stdout.clone();
    let fingerprint = String::from_utf8(out).unwrap();
    let fingerprint = fingerprint.trim();
    assert_eq!(fingerprint.len(), 16, "{fingerprint}");
    assert!(fingerprint.bytes().all(|b| b.is_ascii_hexdigit()));
    let public = bundle_format::keys::PublicKey::load(&dir.path().join("builder.pub")).unwrap();
    assert_eq!(public.fingerprint().to_string(), fingerprint);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir.path().join("builder.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("k");
    keygen(&base).success();
    let before = fs::read(dir.path().join("k.key")).unwrap();
    keygen(&base)
        .code(1)
        .stderr(predicates::str::contains("refusing to overwrite"));
    assert_eq!(fs::read(dir.path().join("k.key")).unwrap(), before);
}

/// openssl reads both files, and derives the same public key from the secret one.
#[test]
fn openssl_reads_both_files() {
    if !crate::common::require_tools("openssl_reads_both_files", &["openssl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("k");
    keygen(&base).success();
    let from_secret = Process::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(dir.path().join("k.key"))
        .output()
        .unwrap();
    assert!(from_secret.status.success(), "{from_secret:?}");
    let public = Process::new("openssl")
        .args(["pkey", "-pubin", "-in"])
        .arg(dir.path().join("k.pub"))
        .output()
        .unwrap();
    assert!(public.status.success(), "{public:?}");
    assert_eq!(from_secret.stdout, public.stdout);
    assert_eq!(
        String::from_utf8(public.stdout).unwrap(),
        fs::read_to_string(dir.path().join("k.pub")).unwrap()
    );
}

/// A secret key made readable by others is refused by what signs with it.
#[cfg(unix)]
#[test]
fn a_shared_secret_key_is_refused_when_used() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("k");
    keygen(&base).success();
    let secret = dir.path().join("k.key");
    assert!(bundle_format::keys::SigningKey::load(&secret).is_ok());
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o644)).unwrap();
    let refused = bundle_format::keys::SigningKey::load(&secret)
        .err()
        .unwrap()
        .to_string();
    assert!(
        refused.contains("k.key") && refused.contains("chmod 600"),
        "{refused}"
    );
}

#[test]
fn a_missing_folder_is_made_and_a_file_in_the_way_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("keys/builders/b1");
    keygen(&base)
        .success()
        .stderr(predicates::str::contains(format!(
            "created the folder {}",
            dir.path().join("keys/builders").display()
        )));
    assert!(dir.path().join("keys/builders/b1.key").is_file());
    assert!(dir.path().join("keys/builders/b1.pub").is_file());

    let file = dir.path().join("plain.txt");
    fs::write(&file, "in the way").unwrap();
    let out = keygen(&file.join("b2")).code(1).get_output().clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("cannot create the folder {}", file.display())),
        "{err}"
    );
    assert_eq!(
        err.lines().count(),
        1,
        "the folder named, nothing else: {err}"
    );
}
