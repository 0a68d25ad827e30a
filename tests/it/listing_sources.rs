//! Where listings come from, through the real binary: the signed fixture
//! vendor site as local files, zipped, and over HTTP from a real server on
//! 127.0.0.1 (relative payload URLs resolve against the listing's URL); the
//! `--json` document and the table of `airlock products`.

use crate::common;

use assert_cmd::Command;
use serde_json::Value;
use std::process::Output;

const SITE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/site");
const VENDOR_KEY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/keys/vendor-test.pub");

fn products(args: &[&str]) -> Output {
    Command::cargo_bin("airlock")
        .unwrap()
        .env_remove("RUST_BACKTRACE")
        .arg("products")
        .args(args)
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = products(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    serde_json::from_str(&ok(&all)).unwrap()
}

fn product<'v>(doc: &'v Value, id: &str) -> &'v Value {
    doc["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap_or_else(|| panic!("no product {id}"))
}

#[test]
fn the_signed_fixture_site_parses_plain_and_zipped() {
    for name in ["itms.pl.xml", "itms.pl.xml.zip"] {
        let source = format!("{SITE}/{name}");
        let doc = json(&["--listing", &source, "--vendor-key", VENDOR_KEY]);
        let listing = &doc["listings"][0];
        assert_eq!(listing["source"], source.as_str());
        assert_eq!(listing["vendor"], "Symantec");
        assert_eq!(listing["serial"], 2026112001u64);
        let smp = product(&doc, "smp");
        assert_eq!(smp["kind"], "solution");
        let latest = &smp["releases"][0];
        assert_eq!(latest["version"], "8.0.2298.0");
        // Relative payload URLs resolve next to the listing (the zip's folder for a zip).
        let url = latest["url"].as_str().unwrap();
        assert!(url.starts_with(&format!("file://{SITE}/")), "{url}");
        let path = url::Url::parse(url).unwrap().to_file_path().unwrap();
        let size = std::fs::metadata(path).unwrap().len();
        assert_eq!(latest["size"], size);
    }
}

#[test]
fn the_third_party_listing_combines_and_the_conflicting_one_is_refused() {
    let itms = format!("{SITE}/itms.pl.xml");
    let northwind = format!("{SITE}/northwind.pl.xml");
    let doc = json(&[
        "--listing",
        &itms,
        "--listing",
        &northwind,
        "--vendor-key",
        VENDOR_KEY,
    ]);
    assert_eq!(doc["listings"].as_array().unwrap().len(), 2);
    assert_eq!(product(&doc, "nw-console")["listing"], northwind.as_str());
    assert_eq!(product(&doc, "smp")["listing"], itms.as_str());

    let contoso = format!("{SITE}/contoso.pl.xml");
    let out = products(&["--listing", &itms, "--listing", &contoso]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "product id \"patch\" is in two listings: {itms} and {contoso}"
        )),
        "{stderr}"
    );
}

#[test]
fn a_listing_over_http_resolves_payload_urls_against_its_own_url() {
    let base = common::http::serve_dir(SITE);
    for name in ["itms.pl.xml", "itms.pl.xml.zip"] {
        let source = format!("{base}{name}");
        let doc = json(&[
            "--listing",
            &source,
            "--vendor-key",
            VENDOR_KEY,
            "--hotfixes",
        ]);
        assert_eq!(doc["listings"][0]["source"], source.as_str());
        let smp = product(&doc, "smp");
        let url = smp["releases"][0]["url"].as_str().unwrap();
        assert!(url.starts_with(&base), "{url} is not below {base}");
        let hotfix = &doc["hotfixes"][0];
        assert!(hotfix["url"].as_str().unwrap().starts_with(&base));
    }
    // Redirected: payload URLs resolve against where the listing was found.
    let doc = json(&[
        "--listing",
        &format!("{base}moved/itms.pl.xml"),
        "--vendor-key",
        VENDOR_KEY,
    ]);
    let url = product(&doc, "smp")["releases"][0]["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(url.starts_with(&base) && !url.contains("/moved/"), "{url}");
    // Missing listing and missing signature over HTTP.
    let out = products(&["--listing", &format!("{base}nothing.pl.xml")]);
    assert_eq!(out.status.code(), Some(6));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not found (HTTP 404)"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        format!("{SITE}/itms.pl.xml"),
        dir.path().join("itms.pl.xml"),
    )
    .unwrap();
    let unsigned = common::http::serve_dir(dir.path());
    let out = products(&[
        "--listing",
        &format!("{unsigned}itms.pl.xml"),
        "--vendor-key",
        VENDOR_KEY,
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!(
        "the vendor signature {unsigned}itms.pl.xml.sig is missing"
    )),);
    // Refused on the announced length, before the body is read.
    let huge = std::fs::File::create(dir.path().join("huge.pl.xml")).unwrap();
    huge.set_len(64 * 1024 * 1024 + 1).unwrap();
    let out = products(&["--listing", &format!("{unsigned}huge.pl.xml")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("rule 5: it is 67108865 bytes"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_table_shows_latest_releases_unless_asked_for_all() {
    let source = format!("{SITE}/itms.pl.xml");
    let table = ok(&["--listing", &source]);
    assert!(table.starts_with("Symantec — IT Management Suite (serial 2026112001"));
    for section in ["\nSuites\n", "\nSolutions\n", "\nOptional components\n"] {
        assert!(table.contains(section), "{section}");
    }
    assert!(!table.contains("Hot fixes"));
    let smp_rows = |t: &str| t.lines().filter(|l| l.starts_with("  smp ")).count();
    assert_eq!(smp_rows(&table), 1);
    let all = ok(&["--listing", &source, "--all-versions", "--hotfixes"]);
    assert!(smp_rows(&all) > 1);
    assert!(all.contains("\nHot fixes\n"));
    assert!(all.contains("smp-8.0-hf1"));
    assert!(all.contains("8.0.2298.0 -> 8.0.2298.1"));

    let doc = json(&["--listing", &source, "--all-versions"]);
    let versions: Vec<&str> = product(&doc, "smp")["releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["version"].as_str().unwrap())
        .collect();
    let mut sorted = versions.clone();
    sorted.sort_by_key(|v| std::cmp::Reverse(v.parse::<airlock::listing::Version>().unwrap()));
    assert_eq!(versions, sorted, "newest first");
    assert!(doc.get("hotfixes").is_none());
    let critical = &doc["criticalUpdates"][0];
    assert_eq!(critical["product"], "smp");
    assert_eq!(critical["resolvedByHotfix"], "smp-8.0-hf1");
    assert!(table.contains("\nCritical updates\n"));
}

#[test]
fn help_has_an_example() {
    let out = Command::cargo_bin("airlock")
        .unwrap()
        .args(["products", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("Examples:"));
    assert!(help.contains("airlock products --listing"));
    assert!(help.contains("--vendor-key <PUB>"));
}

#[test]
fn an_unreachable_server_is_named_with_the_reason() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = products(&[
        "--listing",
        &format!("http://127.0.0.1:{port}/itms.pl.xml"),
        "--retries",
        "1",
    ]);
    // A download that failed after its retries: exit 6.
    assert_eq!(out.status.code(), Some(6));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("127.0.0.1:{port}/itms.pl.xml: cannot download"))
            && stderr.contains("onnection refused")
            && stderr.contains("(after 2 attempts)"),
        "{stderr}"
    );
}
