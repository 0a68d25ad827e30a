//! Through the real binary: passwords in listing URLs, and in payload URLs a
//! listing writes whole, are never shown (JSON sources, payload URLs,
//! errors), and `airlock cache` lists and prunes a cache filled by real
//! downloads, never written through a symbolic link.

use crate::common;

use airlock::fetch::{Cache, Fetcher, Options, Progress, Wanted};
use assert_cmd::Command;
use common::bundle::content;
use common::faults::FaultServer;
use sha2::{Digest, Sha256};
use std::process::Output;
use std::time::{Duration, SystemTime};

const SITE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/site");
const VENDOR_KEY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/keys/vendor-test.pub");

fn airlock(args: &[&str]) -> Output {
    Command::cargo_bin("airlock")
        .unwrap()
        .env_remove("RUST_BACKTRACE")
        .args(args)
        .output()
        .unwrap()
}

fn with_password(base: &str) -> String {
    base.replace("http://", "http://user:s3cret@")
}

#[test]
fn a_password_in_a_listing_url_is_never_shown() {
    let base = with_password(&common::http::serve_dir(SITE));
    let listing = format!("{base}itms.pl.xml");
    let out = airlock(&["products", "--listing", &listing, "--json", "--hotfixes"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.contains("s3cret"), "{stdout}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let source = doc["listings"][0]["source"].as_str().unwrap();
    assert_eq!(source, listing.replace("s3cret", "***"));
    assert!(stdout.contains("\"url\": \"http://user:***@127.0.0.1:"));

    let out = airlock(&["products", "--listing", &listing]);
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("user:***@") && !table.contains("s3cret"),
        "{table}"
    );
    let out = airlock(&["plan", "--listing", &listing, "--select", "cms"]);
    let plan = String::from_utf8(out.stdout).unwrap();
    assert!(plan.contains("EULAs") && !plan.contains("s3cret"), "{plan}");

    // Errors: not found, a missing signature, an unreachable server.
    let out = airlock(&["products", "--listing", &format!("{base}nothing.pl.xml")]);
    assert_eq!(out.status.code(), Some(6));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("user:***@") && !stderr.contains("s3cret"),
        "{stderr}"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        format!("{SITE}/itms.pl.xml"),
        dir.path().join("itms.pl.xml"),
    )
    .unwrap();
    let unsigned = with_password(&common::http::serve_dir(dir.path()));
    let out = airlock(&[
        "products",
        "--listing",
        &format!("{unsigned}itms.pl.xml"),
        "--vendor-key",
        VENDOR_KEY,
    ]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(".pl.xml.sig is missing") && !stderr.contains("s3cret"),
        "{stderr}"
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = airlock(&[
        "products",
        "--listing",
        &format!("http://user:s3cret@127.0.0.1:{port}/itms.pl.xml"),
        "--retries",
        "0",
    ]);
    assert_eq!(out.status.code(), Some(6));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot download") && !stderr.contains("s3cret"),
        "{stderr}"
    );
}

/// A listing whose payloads are below its folder or written as whole URLs,
/// some of those with a password of their own.
const OWN_URLS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<productListing xmlns="urn:airlock:product-listing:1" vendor="Test" name="Own URLs"
                serial="1" published="2026-11-20T10:00:00Z">
  <eula id="terms" title="Terms">
    <payload kind="text" file="terms.txt" url="https://ops:s3cret@mirror.example/terms.txt#top" size="1"
             sha256="0000000000000000000000000000000000000000000000000000000000000000"/>
  </eula>
  <product id="a" name="A" kind="solution">
    <release version="1.0" license="free" eula="terms">
      <payload kind="msi" file="a.msi" url="https://ops:s3cret@mirror.example:8443/a.msi?from=x:y@z" size="1"
               sha256="0000000000000000000000000000000000000000000000000000000000000001"/>
    </release>
  </product>
  <product id="b" name="B" kind="solution">
    <release version="2.0" license="free">
      <payload kind="exe" file="b.exe" url="http://mirror.example/b.exe" size="1" args="/quiet"
               sha256="0000000000000000000000000000000000000000000000000000000000000002"/>
    </release>
  </product>
  <hotfix id="a-hf1" product="a" base="1.0" version="1.0.1" severity="critical">
    <payload kind="msp" file="a-hf1.msp" url="hf/a-hf1.msp" size="1"
             sha256="0000000000000000000000000000000000000000000000000000000000000003"/>
  </hotfix>
</productListing>
"#;

#[test]
fn a_password_in_a_payload_url_the_listing_writes_whole_is_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("own.pl.xml"), OWN_URLS).unwrap();
    let base = with_password(&common::http::serve_dir(dir.path()));
    let listing = format!("{base}own.pl.xml");
    let folder = base.replace("s3cret", "***");
    let json = |args: &[&str]| {
        let out = airlock(args);
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stdout}");
        assert!(!stdout.contains("s3cret"), "{stdout}");
        serde_json::from_str::<serde_json::Value>(&stdout).unwrap()
    };

    let products = json(&[
        "products",
        "--listing",
        &listing,
        "--json",
        "--hotfixes",
        "--all-versions",
    ]);
    let url = |value: &serde_json::Value| value["url"].as_str().unwrap().to_string();
    let releases: Vec<String> = products["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| url(&p["releases"][0]))
        .collect();
    assert_eq!(
        releases,
        [
            "https://ops:***@mirror.example:8443/a.msi?from=x:y@z",
            "http://mirror.example/b.exe"
        ]
    );
    assert_eq!(
        url(&products["hotfixes"][0]),
        format!("{folder}hf/a-hf1.msp")
    );

    let plan = json(&[
        "plan",
        "--listing",
        &listing,
        "--select",
        "a,b",
        "--hotfixes",
        "all",
        "--json",
    ]);
    let items: Vec<String> = plan["items"].as_array().unwrap().iter().map(url).collect();
    assert_eq!(
        items,
        [
            "https://ops:***@mirror.example:8443/a.msi?from=x:y@z".to_string(),
            format!("{folder}hf/a-hf1.msp"),
            "http://mirror.example/b.exe".to_string(),
        ]
    );
    assert_eq!(
        url(&plan["eulas"][0]),
        "https://ops:***@mirror.example/terms.txt#top"
    );
}

#[test]
fn a_zipped_listing_is_known_by_its_path_not_its_query() {
    let base = common::http::serve_dir(SITE);
    // The second: a query ending in .zip does not make a plain listing a zip.
    for name in ["itms.pl.xml.zip?x=1", "itms.pl.xml?f=a.zip"] {
        let out = airlock(&["products", "--listing", &format!("{base}{name}"), "--json"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{name}: {stderr}");
    }
}

/// A cache holding three downloaded files.
fn filled_cache() -> tempfile::TempDir {
    let server = FaultServer::start();
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(Some(dir.path())).unwrap();
    let wanted: Vec<Wanted> = (0..3)
        .map(|i| {
            let body = content(i, 10_000 * (i as usize + 1));
            let name = format!("Product_{i}.msi");
            Wanted {
                url: server
                    .add(&name, body.clone(), vec![], vec![])
                    .parse()
                    .unwrap(),
                name,
                size: body.len() as u64,
                sha256: Sha256::digest(&body).into(),
            }
        })
        .collect();
    let fetcher = Fetcher::new(Options {
        progress: Progress::Quiet,
        ..Options::default()
    })
    .unwrap();
    fetcher.fetch_all(&cache, &wanted, true).unwrap();
    dir
}

#[test]
fn cache_lists_and_prunes() {
    let dir = filled_cache();
    let cache = dir.path().to_str().unwrap();
    let out = airlock(&["cache", "list", "--cache", cache]);
    assert_eq!(out.status.code(), Some(0));
    let list = String::from_utf8(out.stdout).unwrap();
    for name in ["Product_0.msi", "Product_1.msi", "Product_2.msi"] {
        assert!(list.contains(name), "{list}");
    }
    assert!(list.contains("3 files, 58.6 KiB in all"), "{list}");
    assert_eq!(
        airlock(&["cache", "--cache", cache]).stdout,
        list.as_bytes()
    );

    // One file last used 40 days ago: the default prune (30 days) takes only it.
    let entries = Cache::open(Some(dir.path())).unwrap().list().unwrap();
    let old = dir.path().join("sha256").join(&entries[0].sha256);
    let forty_days = SystemTime::now() - Duration::from_secs(40 * 86_400);
    std::fs::File::options()
        .write(true)
        .open(&old)
        .unwrap()
        .set_modified(forty_days)
        .unwrap();
    let out = airlock(&["cache", "prune", "--cache", cache]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("removed 1 file ("), "{text}");
    assert!(!old.exists());
    let out = airlock(&["cache", "prune", "--all", "--cache", cache]);
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .starts_with("removed 2 files")
    );
    let list = String::from_utf8(airlock(&["cache", "list", "--cache", cache]).stdout).unwrap();
    assert!(list.contains("0 files, 0 B in all"), "{list}");

    let out = airlock(&["cache", "prune", "--older-than", "30x", "--cache", cache]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("\"30x\" is not an age"));
}

#[test]
fn cache_prune_takes_unambiguous_ages_and_a_dry_run_removes_nothing() {
    let dir = filled_cache();
    let cache = dir.path().to_str().unwrap();
    let entries = Cache::open(Some(dir.path())).unwrap().list().unwrap();
    // One file last used 20 days ago, one 13 hours ago, one now.
    let age = |i: usize, seconds: u64| {
        let path = dir.path().join("sha256").join(&entries[i].sha256);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(SystemTime::now() - Duration::from_secs(seconds))
            .unwrap();
        path
    };
    let weeks = age(0, 20 * 86_400);
    let hours = age(1, 13 * 3_600);
    let now = dir.path().join("sha256").join(&entries[2].sha256);

    let out = airlock(&[
        "cache",
        "prune",
        "--older-than",
        "12h",
        "--dry-run",
        "--cache",
        cache,
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("would remove (dry run, nothing removed) 2 files ("),
        "{text}"
    );
    assert!(text.contains(&entries[0].sha256[..16]) && text.contains(&entries[1].sha256[..16]));
    assert!(!text.contains(&entries[2].sha256[..16]), "{text}");
    assert!(weeks.exists() && hours.exists() && now.exists());

    for (age, removed) in [("3w", 0), ("2w", 1), ("780min", 1), ("1d", 0), ("45min", 0)] {
        let out = airlock(&["cache", "prune", "--older-than", age, "--cache", cache]);
        assert_eq!(out.status.code(), Some(0), "{age}");
        let text = String::from_utf8(out.stdout).unwrap();
        let files = if removed == 1 { "file" } else { "files" };
        assert!(
            text.starts_with(&format!("removed {removed} {files} (")),
            "{age}: {text}"
        );
    }
    assert!(!weeks.exists() && !hours.exists() && now.exists());

    let out = airlock(&["cache", "prune", "--older-than", "30m", "--cache", cache]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("\"30m\" is not an age (m could mean minutes or months)")
            && err.contains("45min"),
        "{err}"
    );
    assert!(now.exists());
}

#[test]
fn cache_help_has_examples() {
    let out = airlock(&["cache", "--help"]);
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("Examples:") && help.contains("airlock cache prune --older-than 7d"));
}

/// Plants `link` (a path inside a fresh cache) pointing outside it, runs a
/// build of `patch` from the served site with that cache, and returns the
/// build's output; the place outside must be left as it was.
#[cfg(unix)]
fn build_with_link(site: &FaultServer, link: &str) -> (Output, bool) {
    let b = common::online::Builder::new();
    let cache = b.path("cache");
    Cache::open(Some(&cache)).unwrap();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("target");
    if link.ends_with('/') {
        std::fs::create_dir(&target).unwrap();
    }
    let link_path = cache.join(link.trim_end_matches('/'));
    if link.ends_with('/') {
        std::fs::remove_dir(&link_path).unwrap();
    }
    std::os::unix::fs::symlink(&target, &link_path).unwrap();
    let out = b
        .build(
            &format!("{}itms.pl.xml", site.base),
            &["--select", "patch", "--accept-eula"],
        )
        .arg("--out")
        .arg(b.path("patch.exe"))
        .output()
        .unwrap();
    let untouched = if link.ends_with('/') {
        std::fs::read_dir(&target).unwrap().count() == 0
    } else {
        !target.exists()
    };
    (out, untouched)
}

#[cfg(unix)]
#[test]
fn nothing_in_the_cache_is_written_through_a_symbolic_link() {
    let site = common::online::serve(std::path::Path::new(SITE));
    let msi = std::fs::read(format!("{SITE}/msi/patch-8.0.2298.0.msi")).unwrap();
    let hex = hex::encode(Sha256::digest(&msi));
    for (link, stops) in [
        ("partial/".to_string(), true),
        ("locks/".to_string(), true),
        (format!("locks/{hex}"), true),
        (format!("partial/{hex}.part"), true),
        (format!("names/{hex}.tmp"), true),
        // Only an optimisation: without it the download still completes.
        (format!("partial/{hex}.validator"), false),
    ] {
        let (out, untouched) = build_with_link(&site, &link);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(untouched, "{link}: written through the link ({err})");
        if stops {
            assert_eq!(out.status.code(), Some(1), "{link}: {err}");
            assert!(
                err.contains(&format!(
                    "{} is a symbolic link",
                    link.trim_end_matches('/')
                )) && err.contains("remove it"),
                "{link}: {err}"
            );
        } else {
            assert_eq!(out.status.code(), Some(0), "{link}: {err}");
        }
    }
}
