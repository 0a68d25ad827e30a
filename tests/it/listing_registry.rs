//! Registered listings through the binary, against the fixture site on a
//! counting server: add, list, update, remove; a stale copy refreshed by the
//! next run, a fresh one not fetched; a failed refresh said and the copy used;
//! an older serial, or a copy from another vendor, refused; a source of
//! another scheme refused; credentials taken from the environment and never
//! kept or shown, never shared by two names, never sent to another origin.

use crate::common;

use base64::Engine;
use common::faults::{Fault, FaultServer};
use predicates::prelude::*;
use predicates::str::contains;
use std::fs;
use std::path::{Path, PathBuf};

const SITE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/site");
const VENDOR_KEY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/keys/vendor-test.pub");

/// The ITMS listing and its signature served as they are, and the payloads of
/// a `smp` plan, on a counting server.
fn serve() -> FaultServer {
    let server = FaultServer::start();
    for path in ["itms.pl.xml", "itms.pl.xml.sig"] {
        server.add(
            path,
            fs::read(Path::new(SITE).join(path)).unwrap(),
            vec![],
            vec![],
        );
    }
    server
}

/// The served ITMS listing, registered as `itms` in a new config folder.
fn registered() -> (FaultServer, Config) {
    let server = serve();
    let c = Config::new();
    c.airlock(&[
        "listing",
        "add",
        "itms",
        &format!("{}itms.pl.xml", server.base),
    ])
    .assert()
    .success();
    (server, c)
}

struct Config {
    dir: tempfile::TempDir,
}

impl Config {
    fn new() -> Config {
        Config {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn listings(&self) -> PathBuf {
        self.dir.path().join("config/listings")
    }

    /// `airlock ARGS` with this config folder and no credentials in the environment.
    fn airlock(&self, args: &[&str]) -> assert_cmd::Command {
        let mut cmd = common::bundle::airlock(&self.dir.path().join("state"));
        cmd.env("AIRLOCK_CONFIG", self.dir.path().join("config"))
            .env_remove("AIRLOCK_LISTING_ITMS_USER")
            .env_remove("AIRLOCK_LISTING_ITMS_PASSWORD")
            .args(args);
        cmd
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        common::bundle::json_of(&mut self.airlock(args))
    }

    /// Moves the kept copy's fetch time two days back: it is stale now.
    fn age(&self, name: &str) {
        let path = self.listings().join(format!("{name}.json"));
        let mut record: serde_json::Value =
            serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        let fetched = record["fetched"].as_i64().unwrap();
        record["fetched"] = (fetched - 2 * 86_400).into();
        fs::write(&path, serde_json::to_vec(&record).unwrap()).unwrap();
    }

    /// `airlock plan --listing NAME --select smp --json`.
    fn plan(&self, listing: &str) -> assert_cmd::Command {
        self.airlock(&[
            "plan",
            "--listing",
            listing,
            "--select",
            "smp",
            "--retries",
            "0",
            "--json",
        ])
    }
}

#[test]
fn listings_are_added_listed_updated_and_removed() {
    let server = serve();
    let url = format!("{}itms.pl.xml", server.base);
    let c = Config::new();
    c.airlock(&["listing", "add", "itms", &url, "--vendor-key", VENDOR_KEY])
        .assert()
        .success()
        .stdout(
            contains("registered itms: ").and(contains("serial 2026112001, refreshed every 1d")),
        );
    assert!(c.listings().join("itms.pl.xml.sig").is_file());
    assert_eq!(
        fs::read(c.listings().join("itms.pl.xml")).unwrap(),
        fs::read(Path::new(SITE).join("itms.pl.xml")).unwrap(),
        "the copy is the exact bytes served"
    );
    c.airlock(&["listing", "add", "itms", &url])
        .assert()
        .code(2)
        .stderr(contains("already registered as itms: give --replace"));

    let listed = &c.json(&["listing", "list"])["listings"];
    assert_eq!(listed[0]["name"], "itms");
    assert_eq!(listed[0]["source"], url);
    assert_eq!(listed[0]["refresh"], "1d");
    assert_eq!(listed[0]["serial"], 2026112001u64);
    assert_eq!(listed[0]["signed"], true);
    assert_eq!(listed[0]["stale"], false);

    c.age("itms");
    assert_eq!(c.json(&["listing", "list"])["listings"][0]["stale"], true);
    c.airlock(&["listing", "update"])
        .assert()
        .success()
        .stdout(contains("itms: serial 2026112001 (was 2026112001)"));
    assert_eq!(server.requests("itms.pl.xml"), 2);
    assert_eq!(
        server.requests("itms.pl.xml.sig"),
        2,
        "the kept signature stays with its copy"
    );
    assert_eq!(c.json(&["listing", "list"])["listings"][0]["stale"], false);

    c.airlock(&["listing", "remove", "itms"]).assert().success();
    assert_eq!(fs::read_dir(c.listings()).unwrap().count(), 0);
    c.airlock(&["listing", "remove", "itms"])
        .assert()
        .code(2)
        .stderr(contains("no listing is registered as \"itms\""));
    c.airlock(&["listing", "add", "Itms", &url])
        .assert()
        .code(2)
        .stderr(contains("\"Itms\" is not a listing name"));
}

#[test]
fn a_run_refreshes_a_stale_copy_and_uses_a_fresh_one_as_it_is() {
    let (server, c) = registered();
    assert_eq!(server.requests("itms.pl.xml"), 1);

    c.plan("itms").assert().success();
    assert_eq!(
        server.requests("itms.pl.xml"),
        1,
        "a fresh copy is not fetched"
    );
    // A key given for a copy kept without a signature: fetched again, with it.
    c.plan("itms")
        .args(["--vendor-key", VENDOR_KEY])
        .assert()
        .success();
    assert_eq!(server.requests("itms.pl.xml"), 2);
    assert_eq!(server.requests("itms.pl.xml.sig"), 1);
    assert_eq!(c.json(&["listing", "list"])["listings"][0]["signed"], true);
    c.plan("itms").assert().success();
    assert_eq!(
        server.requests("itms.pl.xml"),
        2,
        "a fresh copy is not fetched"
    );

    c.age("itms");
    let out = c.plan("itms").assert().success();
    let plan: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert!(
        plan["items"][0]["file"]
            .as_str()
            .unwrap()
            .starts_with("smp-")
    );
    assert_eq!(
        server.requests("itms.pl.xml"),
        3,
        "a stale copy is fetched again"
    );
    assert_eq!(c.json(&["listing", "list"])["listings"][0]["stale"], false);
}

#[test]
fn a_failed_refresh_is_said_and_the_kept_copy_used() {
    let (server, c) = registered();
    c.age("itms");
    let body = fs::read(Path::new(SITE).join("itms.pl.xml")).unwrap();
    server.add("itms.pl.xml", body, vec![], vec![Fault::Status(500)]);
    c.plan("itms")
        .assert()
        .success()
        .stdout(contains("\"totalBytes\""))
        .stderr(
            contains("warning: listing itms: could not refresh it (")
                .and(contains("HTTP 500"))
                .and(contains("); using the copy fetched ").and(contains(", serial 2026112001"))),
        );
    assert_eq!(c.json(&["listing", "list"])["listings"][0]["stale"], true);
    c.airlock(&["listing", "update", "itms", "--retries", "0"])
        .assert()
        .code(6)
        .stderr(contains("HTTP 500"));
}

#[test]
fn an_older_serial_is_refused_and_the_kept_copy_stays() {
    let (server, c) = registered();
    let kept = fs::read(c.listings().join("itms.pl.xml")).unwrap();
    let older = String::from_utf8(kept.clone()).unwrap().replacen(
        "serial=\"2026112001\"",
        "serial=\"2026110001\"",
        1,
    );
    server.add("itms.pl.xml", older.into_bytes(), vec![], vec![]);

    c.airlock(&["listing", "update", "itms"])
        .assert()
        .code(3)
        .stderr(contains(
            "has serial 2026110001, older than serial 2026112001 of the copy kept",
        ));
    c.age("itms");
    c.plan("itms").assert().code(3).stderr(
        contains("listing itms: ").and(contains("serial 2026110001, older than serial 2026112001")),
    );
    assert_eq!(fs::read(c.listings().join("itms.pl.xml")).unwrap(), kept);
    assert_eq!(
        c.json(&["listing", "list"])["listings"][0]["serial"],
        2026112001u64
    );
}

#[test]
fn a_newer_serial_from_another_vendor_is_refused_naming_both() {
    let (server, c) = registered();
    let kept = fs::read(c.listings().join("itms.pl.xml")).unwrap();
    let other = String::from_utf8(kept.clone())
        .unwrap()
        .replacen("serial=\"2026112001\"", "serial=\"2026120001\"", 1)
        .replacen("vendor=\"Symantec\"", "vendor=\"Contoso\"", 1);
    server.add("itms.pl.xml", other.into_bytes(), vec![], vec![]);
    let says = "is published by vendor \"Contoso\", not by \"Symantec\", the vendor of the copy kept; refused";
    c.airlock(&["listing", "update", "itms"])
        .assert()
        .code(3)
        .stderr(contains(says));
    // A record written before records named their vendor: the kept copy says it.
    let record = c.listings().join("itms.json");
    let mut json: serde_json::Value = serde_json::from_slice(&fs::read(&record).unwrap()).unwrap();
    assert_eq!(json["vendor"], "Symantec");
    json.as_object_mut().unwrap().remove("vendor");
    fs::write(&record, serde_json::to_vec(&json).unwrap()).unwrap();
    c.age("itms");
    c.plan("itms").assert().code(3).stderr(contains(says));
    assert_eq!(fs::read(c.listings().join("itms.pl.xml")).unwrap(), kept);
}

#[test]
fn a_source_of_another_scheme_is_refused_naming_it() {
    let c = Config::new();
    c.airlock(&["listing", "add", "x", "ftp://vendor.example/itms.pl.xml"])
        .assert()
        .code(1)
        .stderr(contains(
            "ftp://vendor.example/itms.pl.xml: the ftp scheme is not supported; give an http or https URL, or the path of a file",
        ));
    assert!(!c.listings().join("x.json").exists());
    c.airlock(&["products", "--listing", "ftp://vendor.example/itms.pl.xml"])
        .assert()
        .code(1)
        .stderr(contains("the ftp scheme is not supported"));
}

/// Every byte of every file under `dir`, as text (lossy).
fn everything_under(dir: &Path) -> String {
    let mut text = String::new();
    for entry in fs::read_dir(dir).unwrap().flatten() {
        text.push_str(&String::from_utf8_lossy(&fs::read(entry.path()).unwrap()));
    }
    text
}

#[test]
fn credentials_come_from_the_environment_and_are_never_kept_or_shown() {
    const PASSWORD: &str = "s3cret-pw";
    let server = FaultServer::start();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("ops:{PASSWORD}"));
    let body = fs::read(Path::new(SITE).join("itms.pl.xml")).unwrap();
    server.add(
        "itms.pl.xml",
        body,
        vec![],
        vec![Fault::Auth(format!("Basic {basic}"))],
    );
    let url = format!("{}itms.pl.xml", server.base);
    let c = Config::new();

    c.airlock(&["listing", "add", "itms", &url, "--retries", "0"])
        .assert()
        .code(6)
        .stderr(contains("401"));
    let added = c
        .airlock(&["listing", "add", "itms", &url])
        .env("AIRLOCK_LISTING_ITMS_USER", "ops")
        .env("AIRLOCK_LISTING_ITMS_PASSWORD", PASSWORD)
        .assert()
        .success();
    c.age("itms");
    let planned = c
        .plan("itms")
        .env("AIRLOCK_LISTING_ITMS_USER", "ops")
        .env("AIRLOCK_LISTING_ITMS_PASSWORD", PASSWORD)
        .assert()
        .success()
        .stderr("");
    assert_eq!(server.requests("itms.pl.xml"), 3);

    // A password given in the URL is used once and not kept.
    let with_password = url.replacen("http://", &format!("http://ops:{PASSWORD}@"), 1);
    let replaced = c
        .airlock(&["listing", "add", "itms", &with_password, "--replace"])
        .assert()
        .success()
        .stderr(contains(
            "set AIRLOCK_LISTING_ITMS_PASSWORD for later updates",
        ));
    let listed = c.airlock(&["listing", "list"]).assert().success();
    assert_eq!(server.requests("itms.pl.xml"), 4);

    for output in [added, planned, replaced, listed] {
        let output = output.get_output();
        let shown = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(!shown.contains(PASSWORD), "the password was shown: {shown}");
    }
    let kept = everything_under(&c.listings());
    assert!(
        kept.contains("\"source\": \"http://ops@127.0.0.1"),
        "{kept}"
    );
    assert!(!kept.contains(PASSWORD), "the password was kept: {kept}");
}

#[test]
fn names_that_would_share_credential_variables_are_refused() {
    let (server, c) = registered();
    let url = format!("{}itms.pl.xml", server.base);
    c.airlock(&["listing", "add", "a-b", &url])
        .assert()
        .success();
    let fetched = server.requests("itms.pl.xml");
    for other in ["a.b", "a_b"] {
        c.airlock(&["listing", "add", other, &url])
            .assert()
            .code(2)
            .stderr(contains(format!(
                "listing {other} would read its credentials from AIRLOCK_LISTING_A_B_USER and \
                 AIRLOCK_LISTING_A_B_PASSWORD, as listing a-b does"
            )));
        assert!(!c.listings().join(format!("{other}.json")).exists());
    }
    assert_eq!(server.requests("itms.pl.xml"), fetched, "nothing fetched");

    // A pair registered by an older airlock gets no credentials at all.
    for ext in ["json", "pl.xml"] {
        fs::copy(
            c.listings().join(format!("a-b.{ext}")),
            c.listings().join(format!("a.b.{ext}")),
        )
        .unwrap();
    }
    c.plan("a.b").assert().success();
    c.plan("a.b")
        .env("AIRLOCK_LISTING_A_B_PASSWORD", "meant-for-a-b")
        .assert()
        .code(2)
        .stderr(contains("as listing a-b does"))
        .stderr(contains("meant-for-a-b").not());
}

#[test]
fn credentials_are_sent_only_to_the_origin_they_were_first_sent_to() {
    const PASSWORD: &str = "bound-pw-7";
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("ops:{PASSWORD}"));
    let body = fs::read(Path::new(SITE).join("itms.pl.xml")).unwrap();
    let first = FaultServer::start();
    first.add(
        "itms.pl.xml",
        body.clone(),
        vec![],
        vec![Fault::Auth(format!("Basic {basic}"))],
    );
    let elsewhere = FaultServer::start();
    elsewhere.add("itms.pl.xml", body, vec![], vec![]);
    let c = Config::new();
    let with_credentials = |cmd: &mut assert_cmd::Command| {
        cmd.env("AIRLOCK_LISTING_PROT_USER", "ops")
            .env("AIRLOCK_LISTING_PROT_PASSWORD", PASSWORD);
    };
    let origin = first.base.trim_end_matches('/').to_string();
    let mut add = c.airlock(&[
        "listing",
        "add",
        "prot",
        &format!("{}itms.pl.xml", first.base),
    ]);
    with_credentials(&mut add);
    add.assert().success();
    let record = fs::read_to_string(c.listings().join("prot.json")).unwrap();
    assert!(
        record.contains(&format!("\"credentialOrigin\": \"{origin}\"")),
        "{record}"
    );

    // Moved elsewhere: with the credentials set, refused before any request there.
    let moved = format!("{}itms.pl.xml", elsewhere.base);
    let mut replace = c.airlock(&["listing", "add", "prot", &moved, "--replace"]);
    with_credentials(&mut replace);
    replace
        .assert()
        .code(3)
        .stderr(contains(format!(
            "listing prot: the credentials in AIRLOCK_LISTING_PROT_USER and \
             AIRLOCK_LISTING_PROT_PASSWORD were first sent to {origin}; they are not sent to {}",
            elsewhere.base.trim_end_matches('/')
        )))
        .stderr(contains(PASSWORD).not());
    assert_eq!(elsewhere.requests("itms.pl.xml"), 0);

    // Without them the move is taken; the binding stays, so a later run with
    // the credentials set still keeps them from the new origin.
    c.airlock(&["listing", "add", "prot", &moved, "--replace"])
        .assert()
        .success();
    let record = fs::read_to_string(c.listings().join("prot.json")).unwrap();
    assert!(
        record.contains(&format!("\"credentialOrigin\": \"{origin}\"")),
        "{record}"
    );
    c.age("prot");
    let mut plan = c.plan("prot");
    with_credentials(&mut plan);
    plan.assert().code(3).stderr(contains("were first sent to"));
    assert_eq!(
        elsewhere.requests("itms.pl.xml"),
        1,
        "only the move without credentials"
    );
}

#[test]
fn a_registry_that_cannot_be_read_is_an_error_naming_its_file_unless_the_source_is_a_path() {
    let c = Config::new();
    // The config "folder" is a file: nothing under it can be read.
    fs::write(c.dir.path().join("config"), b"not a folder").unwrap();
    c.plan("itms").assert().code(1).stderr(contains(format!(
        "cannot read {}: ",
        c.dir.path().join("config/listings/itms.json").display()
    )));
    // A source that cannot be a listing's name is a path: the registry is not read.
    let path = Path::new(SITE).join("itms.pl.xml");
    c.plan(path.to_str().unwrap())
        .assert()
        .success()
        .stdout(contains("\"totalBytes\""));
}
