//! Trust that survives a compromised builder, through the command line:
//! builder keys with a life (expiry, revocation, signed revocation lists
//! imported offline), listing serials that never go back, the vendor's
//! signature checked on the server, and the provenance statement.

use crate::common;

use common::bundle::{Fixture, airlock, fixture};
use common::online::vendor_fingerprint;
use common::stderr;
use std::path::{Path, PathBuf};

/// `airlock keygen --out DIR/NAME`: the key files and the fingerprint it printed.
fn keygen(dir: &Path, name: &str) -> (PathBuf, PathBuf, String) {
    let out = airlock(&dir.join("unused-root"))
        .arg("keygen")
        .arg("--out")
        .arg(dir.join(name))
        .assert()
        .success();
    let fingerprint = String::from_utf8_lossy(&out.get_output().stdout)
        .trim()
        .to_string();
    (
        dir.join(format!("{name}.key")),
        dir.join(format!("{name}.pub")),
        fingerprint,
    )
}

/// `airlock trust ARGS` on `root`, which must succeed.
fn trust(root: &Path, args: &[&str]) {
    airlock(root).arg("trust").args(args).assert().success();
}

/// `airlock verify BUNDLE` with only the root's keys: its exit code and stderr.
fn verify(root: &Path, bundle: &Path) -> (i32, String) {
    let out = airlock(root).arg("verify").arg(bundle).output().unwrap();
    (out.status.code().unwrap_or(-1), stderr(&out))
}

fn fingerprint_of(f: &Fixture) -> String {
    f.keys.key.public().fingerprint().to_string()
}

fn state_of(root: &Path, fingerprint: &str) -> serde_json::Value {
    let out = airlock(root)
        .args(["trust", "list", "--json"])
        .assert()
        .success();
    let doc: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    doc["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["fingerprint"] == fingerprint)
        .cloned()
        .unwrap_or(serde_json::Value::Null)
}

#[test]
fn a_revoked_builder_key_is_refused_even_when_its_key_file_is_put_back() {
    let f = fixture();
    let root = f.dir.path().join("root");
    let public = f.keys.public.to_str().unwrap();
    let fp = fingerprint_of(&f);
    trust(&root, &["add", public, "--note", "build host b1"]);
    assert_eq!(verify(&root, &f.bundle).0, 0);
    assert_eq!(state_of(&root, &fp)["state"], "trusted");
    assert_eq!(state_of(&root, &fp)["note"], "build host b1");

    trust(
        &root,
        &["revoke", &fp, "--reason", "build host b1 compromised"],
    );
    let (code, err) = verify(&root, &f.bundle);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains(&fp) && err.contains("revoked") && err.contains("build host b1 compromised"),
        "{err}"
    );
    assert_eq!(state_of(&root, &fp)["state"], "revoked");

    // The key file copied back by hand, or given with --trust: still refused.
    std::fs::copy(&f.keys.public, root.join("trusted-keys/again.pub")).unwrap();
    assert_eq!(verify(&root, &f.bundle).0, 3);
    let out = airlock(&root)
        .arg("verify")
        .arg(&f.bundle)
        .arg("--trust")
        .arg(&f.keys.public)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    // Installing is refused the same way, before anything is extracted.
    let out = airlock(&root)
        .args(["install", "--dry-run"])
        .arg(&f.bundle)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("build host b1 compromised"));
    // And `trust add` does not undo it.
    let out = airlock(&root)
        .args(["trust", "add", public])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("never trusted again"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_expired_builder_key_is_refused_naming_its_expiry_until_its_life_is_extended() {
    let f = fixture();
    let root = f.dir.path().join("root");
    let public = f.keys.public.to_str().unwrap();
    trust(&root, &["add", public, "--expires", "2020-01-01"]);
    let (code, err) = verify(&root, &f.bundle);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains(&fingerprint_of(&f)) && err.contains("expired on 2020-01-01T00:00:00Z"),
        "{err}"
    );
    assert_eq!(state_of(&root, &fingerprint_of(&f))["state"], "expired");
    trust(&root, &["add", public, "--expires", "2999-01-01"]);
    assert_eq!(verify(&root, &f.bundle).0, 0);
}

#[test]
fn trust_commands_refuse_bad_values_with_usage_errors() {
    let f = fixture();
    let root = f.dir.path().join("root");
    let public = f.keys.public.to_str().unwrap();
    for (args, expect) in [
        (vec!["add", public, "--expires", "next week"], "not a date"),
        (
            vec!["revoke", "xyz", "--reason", "r"],
            "not a key fingerprint",
        ),
        (vec!["remove", "0123"], "not a key fingerprint"),
    ] {
        let out = airlock(&root).arg("trust").args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(expect), "{args:?}: {}", stderr(&out));
    }
    let out = airlock(&root)
        .args(["trust", "remove", "0123456789abcdef"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("no key with fingerprint 0123456789abcdef"));
    // Removing a key: its bundles are untrusted again (exit 3 naming the key).
    trust(&root, &["add", public]);
    trust(&root, &["remove", &fingerprint_of(&f)]);
    let (code, err) = verify(&root, &f.bundle);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains(&fingerprint_of(&f)), "{err}");
}

#[test]
fn revocations_cross_the_air_gap_in_a_list_signed_by_a_trusted_key() {
    let f = fixture();
    let dir = f.dir.path();
    let root = dir.join("root");
    let (key2, pub2, fp2) = keygen(dir, "builder2");
    let fp = fingerprint_of(&f);
    trust(&root, &["add", f.keys.public.to_str().unwrap()]);
    trust(&root, &["add", pub2.to_str().unwrap()]);

    // Builder side: builder2 revokes builder's key.
    let list = dir.join("revoke-b1.txt");
    airlock(&dir.join("builder-root"))
        .args(["trust", "revocations", "--sign-key"])
        .arg(&key2)
        .args([
            "--revoke",
            &fp,
            "--reason",
            "build host b1 compromised",
            "--out",
        ])
        .arg(&list)
        .assert()
        .success();

    // A changed list, and one signed by a key the server does not trust, are refused.
    let tampered = dir.join("tampered.txt");
    let text = std::fs::read_to_string(&list).unwrap();
    std::fs::write(&tampered, text.replace("compromised", "retired")).unwrap();
    let (stranger, _, stranger_fp) = keygen(dir, "stranger");
    let foreign = dir.join("foreign.txt");
    airlock(&dir.join("builder-root"))
        .args(["trust", "revocations", "--sign-key"])
        .arg(&stranger)
        .args(["--revoke", &fp, "--reason", "r", "--out"])
        .arg(&foreign)
        .assert()
        .success();
    for (file, expect) in [
        (&tampered, "does not verify".to_string()),
        (
            &foreign,
            format!("signed by key {stranger_fp}, which this machine does not trust"),
        ),
    ] {
        let out = airlock(&root)
            .args(["trust", "import"])
            .arg(file)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        assert!(stderr(&out).contains(&expect), "{}", stderr(&out));
        assert_eq!(verify(&root, &f.bundle).0, 0, "nothing was revoked");
    }

    // Server side, offline: the signed list is imported; the key is refused.
    airlock(&root)
        .args(["trust", "import"])
        .arg(&list)
        .assert()
        .success();
    let (code, err) = verify(&root, &f.bundle);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains(&fp)
            && err.contains(&format!("by a list signed with key {fp2}"))
            && err.contains("build host b1 compromised"),
        "{err}"
    );
    assert_eq!(state_of(&root, &fp2)["state"], "trusted");

    // A list signed by a revoked key is not imported.
    let (_, _, fp3) = keygen(dir, "builder3");
    let late = dir.join("late.txt");
    airlock(&dir.join("builder-root"))
        .args(["trust", "revocations", "--sign-key"])
        .arg(&f.keys.secret)
        .args(["--revoke", &fp3, "--reason", "r", "--out"])
        .arg(&late)
        .assert()
        .success();
    let out = airlock(&root)
        .args(["trust", "import"])
        .arg(&late)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("revoked"), "{}", stderr(&out));
    assert_eq!(state_of(&root, &fp3), serde_json::Value::Null);
}

/// Two bundles of one Northwind step, from the same listing name at two
/// serials, and a recorded installer: the second, older listing is refused.
#[test]
fn a_bundle_from_an_older_listing_serial_is_refused_unless_allowed() {
    use common::runner::{Builder, Recorder, install, msi_step, package};
    let builder = Builder::new();
    let recorder = Recorder::new();
    let root = builder.dir.path().join("root");
    let (newer, files) = package(vec![msi_step("nw-backup-agent", "3.2.0.410")], vec![]);
    let mut older = newer.clone();
    older.listings[0].serial -= 100;
    let first = builder.bundle("newer", &newer, &files, 1_800_000_000);
    let second = builder.bundle("older", &older, &files, 1_800_000_100);
    install(&root, &first, &builder.keys.public, &recorder.command())
        .assert()
        .success();
    let out = install(&root, &second, &builder.keys.public, &recorder.command())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("Northwind Systems / Northwind Server Tools serial 2026110401")
            && err.contains("older than serial 2026110501")
            && err.contains("--allow-older"),
        "{err}"
    );
    assert_eq!(recorder.calls().len(), 1, "nothing more ran");
    install(&root, &second, &builder.keys.public, &recorder.command())
        .arg("--allow-older")
        .assert()
        .success();
    // The same bundle again (an equal serial) is no rollback.
    install(&root, &first, &builder.keys.public, &recorder.command())
        .assert()
        .success();
}

const SITE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/site");
const VENDOR_KEY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/keys/vendor-test.pub");

#[test]
fn the_vendor_signature_travels_with_the_bundle_with_the_key_checked_at_build_time() {
    use common::online::{Builder, serve};
    let server = serve(Path::new(SITE));
    let b = Builder::new();
    let listing = format!("{}northwind.pl.xml", server.base);
    for (name, vendor_key) in [("checked", true), ("unchecked", false)] {
        let bundle = b.path(name);
        let mut build = b.build(&listing, &["--select", "nw-backup-agent", "--out"]);
        build.arg(&bundle);
        if vendor_key {
            build.args(["--vendor-key", VENDOR_KEY]);
        }
        build.assert().success();
        let out = airlock(&b.path("root"))
            .args(["inspect", "--json"])
            .arg(&bundle)
            .assert()
            .success();
        let doc: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        assert_eq!(doc["contentType"], "airlock-package-2");
        let l = &doc["content"]["listings"][0];
        assert_eq!(l["file"], "northwind.pl.xml");
        assert_eq!(l["signature"], "northwind.pl.xml.sig", "{name}");
        assert_eq!(l["source"], listing.as_str());
        match vendor_key {
            true => assert_eq!(l["vendorKey"], vendor_fingerprint().as_str()),
            false => assert!(l.get("vendorKey").is_none(), "{l}"),
        }
        let files = doc["files"].as_array().unwrap();
        let sig = files
            .iter()
            .find(|f| f["name"] == "northwind.pl.xml.sig")
            .expect("the signature is a file of the bundle");
        assert_eq!(sig["kind"], "signature");
        let published = std::fs::read(Path::new(SITE).join("northwind.pl.xml.sig")).unwrap();
        assert_eq!(
            sig["sha256"],
            hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&published)).as_str()
        );
        let origins = doc["content"]["origins"].as_array().unwrap();
        assert_eq!(origins.len(), 1, "{origins:?}");
        assert_eq!(origins[0]["file"], "nw-backup-agent-3.2.0.410.msi");
        assert_eq!(origins[0]["listing"], 0);
        assert!(
            origins[0]["url"]
                .as_str()
                .unwrap()
                .starts_with(server.base.as_str()),
            "{origins:?}"
        );
    }
}
