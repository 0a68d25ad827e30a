//! Every command's `--json`, through the binary, against the fixture vendor
//! site, a real built bundle and a real state root (installed through Wine's
//! msiexec): each document parses, carries `"schema": 1`, and gives its times
//! in RFC 3339; a failure under `--json` is the error document on stdout,
//! with the exit code the process ends with, beside the text on stderr. The
//! one JSON document whose shape another standard fixes, `inspect
//! --provenance` (an in-toto statement), has no `schema` and is checked as
//! what it is.

use crate::common;

use common::bundle::airlock;
use common::history::{Machine, V1, vendor};
use common::online::Builder;
use common::runner::Wine;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::Path;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The fields that hold a time, in any document.
const TIMES: [&str; 10] = [
    "created",
    "finishedOn",
    "added",
    "revoked",
    "installed",
    "published",
    "fetched",
    "lastUsed",
    "requested",
    "expires",
];

/// Checks one `--json` document: an object with `schema` 1, and every
/// time field (at any depth) an RFC 3339 string. Returns how many time
/// fields it holds, so a test can say it saw some.
fn checked(what: &str, doc: &Value) -> usize {
    assert!(doc.is_object(), "{what}: not an object: {doc}");
    assert_eq!(doc["schema"], 1, "{what}: {doc}");
    times(what, doc)
}

/// Parses what a command printed: one JSON document whose first field is `schema`.
fn parsed(what: &str, stdout: &[u8]) -> Value {
    let text = String::from_utf8_lossy(stdout);
    assert!(
        text.starts_with("{\n  \"schema\": 1,\n"),
        "{what}: schema is not the first field: {text}"
    );
    assert_eq!(
        text.matches("\"schema\":").count(),
        1,
        "{what}: schema is given more than once: {text}"
    );
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{what}: stdout is not one JSON document ({e}): {text}"))
}

fn times(what: &str, value: &Value) -> usize {
    match value {
        Value::Object(fields) => fields
            .iter()
            .map(|(key, v)| match v {
                Value::String(s) if TIMES.contains(&key.as_str()) => {
                    assert!(
                        OffsetDateTime::parse(s, &Rfc3339).is_ok(),
                        "{what}: {key} {s:?} is not RFC 3339"
                    );
                    1
                }
                Value::Number(n) if TIMES.contains(&key.as_str()) => {
                    panic!("{what}: {key} is a number ({n}), not an RFC 3339 time")
                }
                v => times(what, v),
            })
            .sum(),
        Value::Array(items) => items.iter().map(|v| times(what, v)).sum(),
        _ => 0,
    }
}

/// Runs `cmd` (which must end with exit 0) and parses its stdout.
fn document(what: &str, cmd: &mut assert_cmd::Command) -> Value {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    parsed(what, &out.stdout)
}

/// Runs `cmd`, which must fail with `exit`, and returns its error document
/// after checking it and that stderr says the same.
fn failure(what: &str, cmd: &mut assert_cmd::Command, exit: i32) -> (Value, String) {
    let out = cmd.output().unwrap();
    let stderr = common::stderr(&out);
    assert_eq!(out.status.code(), Some(exit), "{what}: {stderr}");
    let doc = parsed(what, &out.stdout);
    checked(what, &doc);
    assert_eq!(doc["error"]["exit"], exit, "{what}: {doc}");
    let message = doc["error"]["message"].as_str().unwrap().to_string();
    assert!(stderr.contains("error: "), "{what}: {stderr}");
    (doc, message)
}

#[test]
fn every_json_document_parses_carries_schema_and_rfc3339_times() {
    let server = vendor();
    let listing = format!("{}{V1}", server.base);
    let builder = Builder::new();

    let products = document(
        "products",
        airlock(&builder.path("state")).args(["products", "--listing", &listing, "--json"]),
    );
    assert!(checked("products", &products) > 0, "a listing is published");
    let with_payloads = products["products"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["releases"].as_array().unwrap())
        .filter(|r| r["payloadKind"].is_string() && r.get("payload").is_none())
        .count();
    assert!(with_payloads > 0, "{products}");

    let plan = document(
        "plan",
        airlock(&builder.path("state")).args([
            "plan",
            "--listing",
            &listing,
            "--select",
            "patch,power-scheme",
            "--json",
        ]),
    );
    checked("plan", &plan);
    assert!(plan["items"][0]["payloadKind"].is_string(), "{plan}");

    let full = builder.path("full.exe");
    let built = document(
        "build",
        builder
            .build(&listing, &["--select", "patch,power-scheme"])
            .arg("--accept-eula")
            .arg("--out")
            .arg(&full)
            .arg("--json"),
    );
    checked("build", &built);
    assert!(built["bundles"][0]["runnerIdentity"].is_object(), "{built}");

    let keys = builder.path("keys/other");
    let keygen = document(
        "keygen",
        airlock(&builder.path("state"))
            .args(["keygen", "--json", "--out"])
            .arg(&keys),
    );
    checked("keygen", &keygen);
    let fingerprint = keygen["fingerprint"].as_str().unwrap();
    assert!(
        fingerprint.len() == 16 && fingerprint.chars().all(|c| c.is_ascii_hexdigit()),
        "{keygen}"
    );
    for half in ["secretKey", "publicKey"] {
        assert!(
            Path::new(keygen[half].as_str().unwrap()).is_file(),
            "{keygen}"
        );
    }

    let trust_root = builder.path("trust-root");
    airlock(&trust_root)
        .args(["trust", "add", "--expires", "2999-01-01"])
        .arg(keygen["publicKey"].as_str().unwrap())
        .assert()
        .success();
    let trusted = document(
        "trust list",
        airlock(&trust_root).args(["trust", "list", "--json"]),
    );
    assert!(
        checked("trust list", &trusted) > 0,
        "added and expires are times"
    );
    assert_eq!(trusted["keys"][0]["fingerprint"], fingerprint, "{trusted}");

    let verified = document(
        "verify",
        airlock(&builder.path("state"))
            .arg("verify")
            .arg(&full)
            .arg("--trust")
            .arg(&builder.public)
            .arg("--json"),
    );
    checked("verify", &verified);
    assert_eq!(verified["valid"], true);

    let inspected = document(
        "inspect",
        airlock(&builder.path("state"))
            .arg("inspect")
            .arg(&full)
            .arg("--json"),
    );
    assert!(checked("inspect", &inspected) > 0, "created is a time");
    assert!(inspected["created"].is_string(), "{inspected}");

    // In-toto's statement has exactly its own fields: no `schema`.
    let out = airlock(&builder.path("state"))
        .args(["inspect", "--provenance"])
        .arg(&full)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("{\n  \"_type\": \"https://in-toto.io/Statement/v1\",\n"),
        "{text}"
    );
    let statement: Value = serde_json::from_str(&text).unwrap();
    assert!(statement.get("schema").is_none(), "{text}");
    // finishedOn, and each listing's published.
    assert_eq!(times("inspect --provenance", &statement), 2, "{statement}");

    let cached = document(
        "cache list",
        airlock(&builder.path("state"))
            .args(["cache", "list", "--json", "--cache"])
            .arg(builder.path("cache")),
    );
    let entries = cached["entries"].as_array().unwrap().len();
    assert!(entries > 0, "{cached}");
    assert_eq!(checked("cache list", &cached), entries, "one lastUsed each");

    let config = builder.path("config");
    let registered = |args: &[&str]| {
        let mut cmd = airlock(&builder.path("state"));
        cmd.env("AIRLOCK_CONFIG", &config).args(args);
        cmd
    };
    registered(&["listing", "add", "itms", &listing])
        .assert()
        .success();
    let listed = document(
        "listing list",
        &mut registered(&["listing", "list", "--json"]),
    );
    assert_eq!(checked("listing list", &listed), 1, "one fetched time");
    assert_eq!(listed["listings"][0]["name"], "itms");

    let machine = Machine::new();
    let dry = document(
        "install --dry-run",
        machine
            .install(&full, &builder.public, "msiexec")
            .args(["--dry-run", "--json"]),
    );
    checked("install --dry-run", &dry);
    assert_eq!(dry["mode"], "dry-run");
    let planned: Vec<&str> = dry["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["result"].as_str().unwrap())
        .collect();
    assert!(
        !planned.is_empty() && planned.iter().all(|&r| r == "planned"),
        "{dry}"
    );

    if !common::require_tools("json", &["wine", "wineserver"]) {
        return;
    }
    let wine = Wine::new();
    let installed = document(
        "install",
        machine
            .install(&full, &builder.public, "wine msiexec")
            .envs(wine.vars())
            .arg("--json"),
    );
    checked("install", &installed);
    assert_eq!(installed["mode"], "install");
    assert_eq!(installed["restartNeeded"], false);
    assert_eq!(installed["exit"], 0);
    let steps: Vec<String> = installed["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| format!("{} {} {}", s["product"], s["action"], s["result"]))
        .collect();
    assert_eq!(steps.len(), planned.len(), "{installed}");
    assert!(
        steps
            .iter()
            .any(|s| s == "\"power-scheme\" \"install\" \"installed\""),
        "{steps:?}"
    );

    let status = document("status", &mut machine.airlock(&["status", "--json"]));
    // installed (each product) and created (the bundle).
    assert!(checked("status", &status) >= 4, "{status}");

    let history = builder.path("history.xml");
    let exported = document(
        "history export",
        machine
            .airlock(&["history", "export", "--json", "--out"])
            .arg(&history),
    );
    checked("history export", &exported);
    assert_eq!(exported["path"], history.display().to_string());
    assert_eq!(exported["products"], 3);
    assert_eq!(
        exported["sha256"],
        hex::encode(Sha256::digest(std::fs::read(&history).unwrap()))
    );

    let incremental = document(
        "plan --history",
        airlock(&builder.path("state"))
            .args(["plan", "--listing", &listing, "--json", "--history"])
            .arg(&history),
    );
    checked("plan --history", &incremental);
    assert!(incremental["machine"].is_object(), "{incremental}");

    let removed = document(
        "uninstall",
        machine
            .airlock(&[
                "uninstall",
                "power-scheme",
                "--yes",
                "--msiexec",
                "wine msiexec",
                "--json",
            ])
            .envs(wine.vars()),
    );
    checked("uninstall", &removed);
    assert_eq!(removed["steps"][0]["product"], "power-scheme", "{removed}");
    assert_eq!(removed["steps"][0]["result"], "uninstalled", "{removed}");
    assert_eq!(removed["restartNeeded"], false);
}

#[test]
fn a_failure_under_json_is_the_error_document_on_stdout() {
    let state = tempfile::tempdir().unwrap();
    let missing = state.path().join("missing.pl.xml");

    // A listing that is not there: exit 1, the message names it.
    let (_, message) = failure(
        "plan of a missing listing",
        airlock(state.path())
            .args(["plan", "--select", "smp", "--json", "--listing"])
            .arg(&missing),
        1,
    );
    assert!(message.contains("missing.pl.xml"), "{message}");

    // A control character in what the message quotes: JSON escapes it in the
    // document (read back, it is the character itself), stderr shows `\u{1b}`.
    let odd = state.path().join("odd\u{1b}[2Jname.pl.xml");
    let out = airlock(state.path())
        .args(["plan", "--select", "smp", "--json", "--listing"])
        .arg(&odd)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(
        !stdout.contains('\u{1b}'),
        "raw escape on stdout: {stdout:?}"
    );
    assert!(stdout.contains("\\u001b"), "{stdout}");
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("odd\u{1b}[2Jname"),
        "{doc}"
    );
    let stderr = common::stderr(&out);
    assert!(stderr.contains("odd\\u{1b}[2Jname"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");

    // A usage error clap finds: exit 2, still a document.
    let (_, message) = failure(
        "an unknown flag",
        airlock(state.path()).args(["status", "--json", "--no-such-flag"]),
        2,
    );
    assert!(message.contains("--no-such-flag"), "{message}");

    // A bundle that is not one: exit 3 from verify, as from any command.
    let fake = state.path().join("fake.exe");
    std::fs::write(&fake, b"MZ not a bundle").unwrap();
    let keys = common::bundle::key_files(state.path(), "k", 3);
    failure(
        "verify of a file that is no bundle",
        airlock(state.path())
            .arg("verify")
            .arg(&fake)
            .arg("--trust")
            .arg(&keys.public)
            .arg("--json"),
        3,
    );

    // A root that does not exist: status --json fails with a document too.
    failure(
        "status of a missing root",
        airlock(state.path())
            .args(["status", "--json", "--root"])
            .arg(state.path().join("nowhere")),
        1,
    );

    // Without --json, stdout stays empty on failure.
    let out = airlock(state.path())
        .args(["plan", "--select", "smp", "--listing"])
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
}
