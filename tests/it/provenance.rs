//! `airlock inspect --provenance` through the binary: bundles built from the
//! fixture vendor site on a counting server (a listing signed and checked
//! with `--vendor-key`, one unsigned and read through a URL with a password,
//! an incremental bundle) and bundles written with the library's types (an
//! `airlock-package-1` one, content no airlock made). The statement's files
//! and hashes are exactly what `verify --json` reports; each downloaded file
//! names the URL it was served from and the listing and vendor key that vouch
//! for it.

use crate::common;

use airlock::package::CONTENT_TYPE_1;
use common::bundle::{airlock, built_one, json_of};
use common::history::{V1, build_incremental, installed, vendor};
use common::online::{Builder, VENDOR_KEY, serve, vendor_fingerprint};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::path::Path;

const SITE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/site");
const LICENSE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/licenses/patch.xml");

/// The kinds of file that are not downloaded from a listing's payload.
const NOT_DOWNLOADED: [&str; 3] = ["listing", "signature", "license"];

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// `airlock inspect --provenance BUNDLE`, which must succeed: the statement
/// (checked to be in-toto's document, `_type` first, no `schema`) and stderr.
fn provenance(root: &Path, bundle: &Path) -> (Value, String) {
    let out = airlock(root)
        .args(["inspect", "--provenance"])
        .arg(bundle)
        .output()
        .unwrap();
    let stderr = common::stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("{\n  \"_type\": \"https://in-toto.io/Statement/v1\",\n"),
        "{text}"
    );
    let statement: Value = serde_json::from_str(&text).unwrap();
    let mut fields: Vec<&String> = statement.as_object().unwrap().keys().collect();
    fields.sort();
    assert_eq!(fields, ["_type", "predicate", "predicateType", "subject"]);
    assert!(
        stderr.contains("inspect checks nothing")
            && stderr.contains("only as good as its signature")
            && stderr.contains("airlock verify"),
        "{stderr}"
    );
    (statement, stderr)
}

/// Checks `statement` against the `verify --json` report of the same bundle
/// (signed by `public`) and `inspect --json`'s manifest: the subject is every
/// file verify reports, in its order, with its hash; the builder is the key
/// verify checked; the bundle id and time are the manifest's.
fn matches_verify(statement: &Value, root: &Path, bundle: &Path, public: &Path) -> Value {
    let verified = json_of(
        airlock(root)
            .arg("verify")
            .arg(bundle)
            .arg("--trust")
            .arg(public),
    );
    let named = |list: &Value, digest: &dyn Fn(&Value) -> Value| -> Vec<(Value, Value)> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|f| (f["name"].clone(), digest(f)))
            .collect()
    };
    let files = named(&verified["files"], &|f| f["sha256"].clone());
    assert!(files.len() > 1, "{verified}");
    assert_eq!(
        named(&statement["subject"], &|f| f["digest"]["sha256"].clone()),
        files
    );
    for f in statement["subject"].as_array().unwrap() {
        assert_eq!(f["digest"].as_object().unwrap().len(), 1, "{f}");
    }
    assert_eq!(statement["predicateType"], "https://slsa.dev/provenance/v1");
    let definition = &statement["predicate"]["buildDefinition"];
    assert_eq!(definition["buildType"], "urn:airlock:bundle-build:1");
    let run = &statement["predicate"]["runDetails"];
    assert_eq!(
        run["builder"]["id"],
        format!(
            "urn:airlock:builder-key:{}",
            verified["keyFingerprint"].as_str().unwrap()
        )
    );
    assert_eq!(run["metadata"]["invocationId"], verified["bundleId"]);
    let inspected = json_of(airlock(root).arg("inspect").arg(bundle));
    assert_eq!(run["metadata"]["finishedOn"], inspected["created"]);
    assert!(
        run["metadata"]["finishedOn"]
            .as_str()
            .unwrap()
            .ends_with('Z'),
        "{run}"
    );
    assert_eq!(run["builder"]["version"]["airlock"], inspected["builder"]);
    assert_eq!(
        definition["externalParameters"]["vendor"],
        inspected["content"]["vendor"]
    );
    let steps: Vec<Value> = inspected["content"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let mut step = json!({"product": s["product"], "version": s["version"],
                                  "action": s["action"], "file": s["file"]});
            if let Some(h) = s.get("hotfix") {
                step["hotfix"] = h.clone();
            }
            step
        })
        .collect();
    assert_eq!(definition["externalParameters"]["steps"], json!(steps));
    verified
}

/// The resolved dependencies after the listings: one per file verify
/// reports that a listing's payload brought (not listings, signatures or
/// licenses), in verify's order.
fn downloaded<'a>(statement: &'a Value, verified: &Value, listings: usize) -> Vec<&'a Value> {
    let deps = statement["predicate"]["buildDefinition"]["resolvedDependencies"]
        .as_array()
        .unwrap();
    let expected: Vec<&Value> = verified["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !NOT_DOWNLOADED.contains(&f["kind"].as_str().unwrap()))
        .collect();
    let files: Vec<&Value> = deps[listings..].iter().take(expected.len()).collect();
    for (dep, file) in files.iter().zip(&expected) {
        assert_eq!(dep["name"], file["name"], "{dep}");
        assert_eq!(dep["digest"], json!({"sha256": file["sha256"]}), "{dep}");
        assert_eq!(dep["annotations"]["kind"], file["kind"], "{dep}");
    }
    assert_eq!(files.len(), expected.len(), "{deps:?}");
    files
}

#[test]
fn a_signed_listing_build_names_each_file_its_url_listing_and_vendor_key() {
    let server = serve(Path::new(SITE));
    let listing = format!("{}itms.pl.xml", server.base);
    let b = Builder::new();
    let bundle = b.path("ITMS.exe");
    built_one(
        b.build(&listing, &["--select", "patch", "--accept-eula"])
            .args(["--vendor-key", VENDOR_KEY, "--license", LICENSE, "--out"])
            .arg(&bundle),
    );
    let root = b.path("root");
    let (statement, _) = provenance(&root, &bundle);
    let verified = matches_verify(&statement, &root, &bundle, &b.public);
    let vendor_key = vendor_fingerprint();

    let deps = &statement["predicate"]["buildDefinition"]["resolvedDependencies"];
    let listing_bytes = std::fs::read(Path::new(SITE).join("itms.pl.xml")).unwrap();
    assert_eq!(
        deps[0],
        json!({"name": "itms.pl.xml", "uri": listing,
               "digest": {"sha256": sha256(&listing_bytes)},
               "annotations": {"kind": "listing", "vendor": "Symantec",
                               "listingName": "IT Management Suite", "serial": 2026112001u64,
                               "published": "2026-11-20T10:00:00Z",
                               "signatureFile": "itms.pl.xml.sig", "vendorKey": vendor_key}})
    );
    let files = downloaded(&statement, &verified, 1);
    let names: Vec<&str> = files.iter().map(|d| d["name"].as_str().unwrap()).collect();
    for name in [
        "sim-8.0.2298.0.msi",
        "itms-eula.txt",
        "patch-8.0.2298.0.msi",
    ] {
        assert!(names.contains(&name), "{name} is not in {names:?}");
    }
    for dep in &files {
        // The URL it came from: the fixture server's, which served exactly
        // these bytes, once (a fresh cache), at that path.
        let uri = dep["uri"].as_str().unwrap();
        let path = uri
            .strip_prefix(&server.base)
            .unwrap_or_else(|| panic!("{uri} is not on {}", server.base));
        assert!(
            server.base.starts_with("http://127.0.0.1:"),
            "{}",
            server.base
        );
        let served = std::fs::read(Path::new(SITE).join(path)).unwrap();
        assert_eq!(dep["digest"]["sha256"], sha256(&served), "{dep}");
        assert_eq!(server.requests(path), 1, "{path}");
        assert_eq!(dep["annotations"]["listing"], "itms.pl.xml", "{dep}");
        assert_eq!(
            dep["annotations"]["vendorKey"],
            vendor_key.as_str(),
            "{dep}"
        );
    }
    // The license is the customer's: a subject and a parameter, not a download.
    assert_eq!(
        deps.as_array().unwrap().len(),
        1 + files.len(),
        "a listing and its downloads only: {deps}"
    );
    assert_eq!(
        statement["predicate"]["buildDefinition"]["externalParameters"]["licenses"],
        json!([{"file": "patch.xml", "product": "patch", "id": "LIC-2026-000123"}])
    );
}

#[test]
fn an_unsigned_listing_read_with_a_password_vouches_with_no_vendor_key_and_shows_no_password() {
    let server = serve(Path::new(SITE));
    // The vendor's listing at a path where no signature is published.
    let bytes = std::fs::read(Path::new(SITE).join("itms.pl.xml")).unwrap();
    server.add("unsigned.pl.xml", bytes, vec![], vec![]);
    let listing = format!(
        "{}unsigned.pl.xml",
        server.base.replace("http://", "http://user:s3cret@")
    );
    let b = Builder::new();
    let bundle = b.path("Unsigned.exe");
    built_one(
        b.build(&listing, &["--select", "power-scheme", "--accept-eula"])
            .arg("--out")
            .arg(&bundle),
    );
    let root = b.path("root");
    let out = airlock(&root)
        .args(["inspect", "--provenance"])
        .arg(&bundle)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("s3cret"), "{text}");
    let (statement, stderr) = provenance(&root, &bundle);
    assert!(!stderr.contains("s3cret"), "{stderr}");
    let verified = matches_verify(&statement, &root, &bundle, &b.public);

    let listing_dep = &statement["predicate"]["buildDefinition"]["resolvedDependencies"][0];
    assert_eq!(listing_dep["uri"], listing.replace("s3cret", "***"));
    assert_eq!(listing_dep["annotations"]["signatureFile"], Value::Null);
    assert_eq!(listing_dep["annotations"]["vendorKey"], Value::Null);
    let redacted = server.base.replace("http://", "http://user:***@");
    let files = downloaded(&statement, &verified, 1);
    assert!(!files.is_empty());
    for dep in files {
        let uri = dep["uri"].as_str().unwrap();
        assert!(uri.starts_with(&redacted), "{uri}");
        assert_eq!(
            dep["annotations"],
            json!({"kind": dep["annotations"]["kind"], "listing": "unsigned.pl.xml",
                   "vendorKey": null})
        );
    }
}

#[test]
fn an_incremental_bundle_names_the_history_it_was_built_against() {
    let server = vendor();
    let m = installed(&server, V1, "patch,power-scheme");
    let (b, history) = (&m.builder, &m.history);
    let bundle = b.path("update.exe");
    let report = build_incremental(&server, b, history, &bundle);

    let root = b.path("root");
    let (statement, _) = provenance(&root, &bundle);
    let verified = matches_verify(&statement, &root, &bundle, &b.public);
    let files = downloaded(&statement, &verified, 1);
    assert!(!files.is_empty(), "{verified}");
    let deps = statement["predicate"]["buildDefinition"]["resolvedDependencies"]
        .as_array()
        .unwrap();
    assert_eq!(deps.len(), 1 + files.len() + 1, "{deps:?}");
    let digest = sha256(&std::fs::read(history).unwrap());
    assert_eq!(report["machine"]["history"], digest.as_str(), "{report}");
    let inspected = json_of(airlock(&root).arg("inspect").arg(&bundle));
    assert_eq!(
        deps.last().unwrap(),
        &json!({"name": "history", "digest": {"sha256": digest},
                "annotations": {"kind": "history",
                                "machineId": inspected["content"]["base"]["machineId"]}})
    );
}

/// Writes `dest`: a bundle of `content` (as `content_type`) and `files`,
/// signed with `key`, as a builder that wrote that content type would.
fn write_content(
    dest: &Path,
    content_type: &str,
    content: serde_json::Map<String, Value>,
    files: &[common::bundle::File],
    key: &bundle_format::keys::SigningKey,
) {
    let mut manifest = bundle_format::Manifest::new("airlock 0.0.1", content_type, content);
    for (name, kind, bytes) in files {
        manifest.files.push(bundle_format::FileEntry {
            name: name.clone(),
            kind: kind.to_string(),
            size: bytes.len() as u64,
            sha256: sha256(bytes),
        });
    }
    bundle_format::write_bundle(
        dest,
        &b"MZ runner\n"[..],
        manifest,
        key,
        |entry| {
            let (_, _, bytes) = files.iter().find(|(n, _, _)| *n == entry.name).unwrap();
            Ok(std::io::Cursor::new(bytes.clone()))
        },
        &bundle_format::WriteOptions::default(),
        &mut |_| {},
    )
    .unwrap();
}

#[test]
fn a_package_1_bundle_does_not_say_where_its_files_came_from_and_is_escaped() {
    use common::runner::{msi_step, package};
    let b = common::runner::Builder::new();
    let (mut p, files) = package(vec![msi_step("nw-backup-agent", "3.2.0.410")], vec![]);
    // Text the statement carries as JSON escapes, never as a raw line break.
    p.listings[0].name = "Northwind Server\nTools".into();
    let mut content = p.to_content();
    content.remove("origins");
    let bundle = b.dir.path().join("Old.exe");
    write_content(&bundle, CONTENT_TYPE_1, content, &files, &b.keys.key);

    let root = b.dir.path().join("root");
    let out = airlock(&root)
        .args(["inspect", "--provenance"])
        .arg(&bundle)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("\"Northwind Server\\nTools\""), "{text}");
    let (statement, stderr) = provenance(&root, &bundle);
    assert!(
        stderr.contains("airlock-package-1") && stderr.contains("no uri"),
        "{stderr}"
    );
    let verified = matches_verify(&statement, &root, &bundle, &b.keys.public);
    let deps = statement["predicate"]["buildDefinition"]["resolvedDependencies"]
        .as_array()
        .unwrap();
    assert!(deps[0].get("uri").is_none(), "{}", deps[0]);
    assert_eq!(
        deps[0]["annotations"],
        json!({"kind": "listing", "vendor": "Northwind Systems",
               "listingName": "Northwind Server\nTools", "serial": 2026110501u64,
               "published": "2026-11-05T08:30:00Z", "signatureFile": null, "vendorKey": null})
    );
    let files = downloaded(&statement, &verified, 1);
    assert_eq!(files.len(), 1);
    assert!(files[0].get("uri").is_none(), "{}", files[0]);
    assert_eq!(
        files[0]["annotations"],
        json!({"kind": "msi", "listing": null, "vendorKey": null})
    );
}

#[test]
fn content_no_airlock_made_has_no_statement() {
    let b = common::runner::Builder::new();
    let bundle = b.dir.path().join("Other.exe");
    let files = vec![("notes.txt".to_string(), "text", b"hello".to_vec())];
    write_content(
        &bundle,
        "other-package",
        serde_json::Map::new(),
        &files,
        &b.keys.key,
    );
    let out = airlock(&b.dir.path().join("root"))
        .args(["inspect", "--provenance"])
        .arg(&bundle)
        .output()
        .unwrap();
    let stderr = common::stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("\"other-package\"") && stderr.contains("not made by airlock build"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "nothing half-said on stdout");
}

#[test]
fn provenance_and_json_together_are_a_usage_error_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let out = airlock(dir.path())
        .args(["inspect", "Bundle.exe", "--provenance", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", common::stderr(&out));
    // Under --json, the failure is the error document, as for any usage error.
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["error"]["exit"], 2, "{doc}");
    let message = doc["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("--provenance") && message.contains("--json"),
        "{message}"
    );
}
