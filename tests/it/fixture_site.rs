//! The fixture vendor site (fixtures/site/) is what the other tests and the demo
//! download from. These tests hold it to its word: every listing tells the truth
//! about the files beside it, each MSI carries the ProductCode, version and
//! platform its listing says, the vendor signature verifies, the committed site
//! is what fixtures/build-site.sh builds, and the MSIs really install and
//! upgrade through Wine's Windows Installer.

use crate::common::require_tools;
use crate::common::runner::Wine;
use base64::Engine as _;
use ed25519_dalek::pkcs8::DecodePublicKey as _;
use quick_xml::events::{BytesStart, Event};
use sha2::{Digest as _, Sha256};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const LISTINGS: [&str; 3] = ["itms.pl.xml", "northwind.pl.xml", "contoso.pl.xml"];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn site() -> PathBuf {
    fixtures().join("site")
}

/// One `payload` of a listing, with what it belongs to.
#[derive(Debug)]
struct Payload {
    /// Product id (release or hot fix), or the element that owns it (`installer`, `eula`).
    owner: String,
    kind: String,
    file: String,
    url: String,
    size: u64,
    sha256: String,
    product_code: Option<String>,
    /// Release, hot fix or installer version; `None` for a EULA.
    version: Option<String>,
    /// The release's arch (for a hot fix: its base release's); `None` for the installer and EULAs.
    arch: Option<String>,
}

fn attrs(e: &BytesStart) -> HashMap<String, String> {
    e.attributes()
        .map(|a| {
            let a = a.unwrap();
            let value = a
                .normalized_value(quick_xml::XmlVersion::Explicit1_0)
                .unwrap();
            (a.key.as_ref().to_owned(), value.into_owned())
        })
        .collect()
}

/// The payloads of a listing and its product ids: a minimal reading, enough to check the site.
fn read_listing(name: &str) -> (Vec<Payload>, BTreeSet<String>) {
    let text = std::fs::read_to_string(site().join(name)).unwrap();
    let mut reader = quick_xml::Reader::from_str(&text);
    let (mut payloads, mut ids) = (Vec::new(), BTreeSet::new());
    let mut release_arch = HashMap::new();
    // (owner, version, arch, hot fix base) of the element a payload belongs to.
    let mut current: (String, Option<String>, Option<String>, Option<String>) = Default::default();
    loop {
        let e = match reader.read_event().unwrap() {
            Event::Start(e) | Event::Empty(e) => e,
            Event::Eof => break,
            _ => continue,
        };
        let a = attrs(&e);
        match e.local_name().as_ref() {
            "product" => {
                current.0 = a["id"].clone();
                ids.insert(a["id"].clone());
            }
            "release" => {
                let arch = a.get("arch").cloned().unwrap_or_else(|| "any".into());
                release_arch.insert((current.0.clone(), a["version"].clone()), arch.clone());
                current = (current.0, Some(a["version"].clone()), Some(arch), None);
            }
            "hotfix" => {
                let (product, version) = (a["product"].clone(), a["version"].clone());
                current = (product, Some(version), None, Some(a["base"].clone()));
            }
            "installer" => current = ("installer".into(), Some(a["version"].clone()), None, None),
            "eula" => current = ("eula".into(), None, None, None),
            "payload" => payloads.push(Payload {
                owner: current.0.clone(),
                kind: a["kind"].clone(),
                file: a["file"].clone(),
                url: a["url"].clone(),
                size: a["size"].parse().unwrap(),
                sha256: a["sha256"].clone(),
                product_code: a.get("productCode").cloned(),
                version: current.1.clone(),
                arch: match &current.3 {
                    Some(base) => Some(release_arch[&(current.0.clone(), base.clone())].clone()),
                    None => current.2.clone(),
                },
            }),
            _ => {}
        }
    }
    (payloads, ids)
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn msi_property(package: &mut msi::Package<std::fs::File>, name: &str) -> String {
    let rows = package.select_rows(msi::Select::table("Property")).unwrap();
    rows.into_iter()
        .find(|row| row["Property"].as_str() == Some(name))
        .and_then(|row| row["Value"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("no {name} in the Property table"))
}

#[test]
fn every_payload_matches_its_file_and_every_file_is_listed() {
    let mut listed = BTreeSet::new();
    for listing in LISTINGS {
        let mut names = BTreeSet::new();
        for p in read_listing(listing).0 {
            let what = format!("{listing}: {} payload {}", p.owner, p.url);
            assert!(names.insert(p.file.clone()), "{what}: file name used twice");
            let path = site().join(&p.url);
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(bytes.len() as u64, p.size, "{what}: size");
            assert_eq!(sha256_hex(&bytes), p.sha256, "{what}: sha256");
            assert_eq!(
                Path::new(&p.url).file_name().unwrap(),
                p.file.as_str(),
                "{what}: file"
            );
            listed.insert(p.url.clone());
            if p.kind != "msi" {
                continue;
            }
            let mut package = msi::open(&path).unwrap();
            let code = p
                .product_code
                .as_deref()
                .expect("every fixture MSI names its productCode");
            assert_eq!(
                msi_property(&mut package, "ProductCode"),
                code,
                "{what}: ProductCode"
            );
            let version = p.version.as_deref().unwrap();
            assert_eq!(
                msi_property(&mut package, "ProductVersion"),
                version,
                "{what}: ProductVersion"
            );
            if let Some(arch) = &p.arch {
                // An `any` release ships a 32-bit MSI: it installs on both.
                let platform = if arch == "x64" { "x64" } else { "Intel" };
                assert_eq!(
                    package.summary_info().arch(),
                    Some(platform),
                    "{what}: summary platform"
                );
            }
        }
    }
    let mut on_site = BTreeSet::new();
    for dir in ["installer", "msi", "hf", "eula", "thirdparty"] {
        for entry in std::fs::read_dir(site().join(dir)).unwrap() {
            on_site.insert(format!(
                "{dir}/{}",
                entry.unwrap().file_name().to_str().unwrap()
            ));
        }
    }
    assert_eq!(
        on_site, listed,
        "files on the site and files the listings name"
    );
}

#[test]
fn zipped_listing_holds_exactly_the_listing() {
    let zip_file = std::fs::File::open(site().join("itms.pl.xml.zip")).unwrap();
    let mut archive = zip::ZipArchive::new(zip_file).unwrap();
    assert_eq!(archive.len(), 1);
    let mut member = archive.by_index(0).unwrap();
    assert_eq!(member.name().unwrap(), "itms.pl.xml");
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut member, &mut bytes).unwrap();
    assert_eq!(bytes, std::fs::read(site().join("itms.pl.xml")).unwrap());
}

#[test]
fn vendor_signatures_verify_with_the_test_key_and_only_over_the_exact_bytes() {
    let pem = std::fs::read_to_string(fixtures().join("keys/vendor-test.pub")).unwrap();
    let key = ed25519_dalek::VerifyingKey::from_public_key_pem(&pem).unwrap();
    for name in LISTINGS {
        let text = std::fs::read_to_string(site().join(format!("{name}.sig"))).unwrap();
        assert!(
            !text.contains(['\n', '\r', ' ']),
            "{name}.sig is base64 on one line"
        );
        let raw = base64::engine::general_purpose::STANDARD
            .decode(text)
            .unwrap();
        let signature = ed25519_dalek::Signature::from_slice(&raw).unwrap();
        let mut listing = std::fs::read(site().join(name)).unwrap();
        key.verify_strict(&listing, &signature).unwrap();
        listing.push(b'\n');
        assert!(key.verify_strict(&listing, &signature).is_err(), "{name}");
    }
}

#[test]
fn licenses_name_products_of_the_listing_one_perpetual_one_expired() {
    let (_, ids) = read_listing("itms.pl.xml");
    let (mut perpetual, mut expired) = (0, 0);
    for entry in std::fs::read_dir(fixtures().join("licenses")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut reader = quick_xml::Reader::from_str(&text);
        let license = loop {
            match reader.read_event().unwrap() {
                Event::Empty(e) if e.local_name().as_ref() == "license" => break attrs(&e),
                Event::Eof => panic!("{}: no license element", path.display()),
                _ => {}
            }
        };
        assert_eq!(
            license["xmlns"],
            "urn:airlock:license:1",
            "{}",
            path.display()
        );
        assert!(
            ids.contains(&license["product"]),
            "{}: unknown product",
            path.display()
        );
        // RFC 3339 times in UTC compare as text; the listing is published 2026-11-20.
        match license.get("expires") {
            None => perpetual += 1,
            Some(expires) if expires.as_str() < "2026-11-20T00:00:00Z" => expired += 1,
            Some(_) => {}
        }
    }
    assert_eq!((perpetual, expired), (1, 1));
}

#[test]
fn third_party_listings_clash_only_where_intended() {
    let itms = read_listing("itms.pl.xml").1;
    let northwind = read_listing("northwind.pl.xml").1;
    let contoso = read_listing("contoso.pl.xml").1;
    assert!(itms.is_disjoint(&northwind));
    assert_eq!(itms.intersection(&contoso).collect::<Vec<_>>(), ["patch"]);
}

#[test]
fn committed_site_is_what_build_site_builds() {
    if !require_tools(
        "committed_site_is_what_build_site_builds",
        &["wixl", "openssl", "perl", "zip"],
    ) {
        return;
    }
    let out = Command::new(fixtures().join("build-site.sh"))
        .arg("--check")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "build-site.sh --check: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `wine msiexec /i FILE /qn /norestart /l*v C:\\FILE.log` in `wine`'s
/// prefix; on failure, the exit code and the end of the log. Wine's own
/// output goes nowhere: its background processes would hold a captured pipe
/// open long after the command itself returns.
fn install(wine: &Wine, msi: &Path) -> Result<(), String> {
    let name = msi.file_name().unwrap().to_str().unwrap();
    let mut cmd = Command::new("wine");
    let status = wine
        .env(&mut cmd)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .current_dir(msi.parent().unwrap())
        .args(["msiexec", "/i", name, "/qn", "/norestart", "/l*v"])
        .arg(format!(r"C:\{name}.log"))
        .status()
        .unwrap();
    if status.success() {
        return Ok(());
    }
    let log = wine.c(&format!("{name}.log"));
    let log = String::from_utf8_lossy(&std::fs::read(log).unwrap_or_default()).into_owned();
    let tail: Vec<&str> = log.lines().rev().take(15).collect();
    Err(format!(
        "msiexec {status}; log ends:\n{}",
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    ))
}

#[test]
fn smp_installs_under_wine_and_its_hot_fix_replaces_it() {
    if !require_tools(
        "smp_installs_under_wine_and_its_hot_fix_replaces_it",
        &["wine", "wineserver"],
    ) {
        return;
    }
    let payloads = read_listing("itms.pl.xml").0;
    let smp = |version: &str| {
        let p = payloads
            .iter()
            .find(|p| p.owner == "smp" && p.version.as_deref() == Some(version))
            .unwrap();
        (site().join(&p.url), p.product_code.clone().unwrap())
    };
    let (release, release_code) = smp("8.0.2298.0");
    let (hotfix, hotfix_code) = smp("8.0.2298.1");
    let (older, _) = smp("7.6.1423.0");

    let wine = Wine::new();
    let installed = wine
        .prefix
        .path()
        .join("drive_c/Program Files/Altiris/Symantec Management Platform/smp.txt");
    let installed_text = || std::fs::read_to_string(&installed).unwrap();

    install(&wine, &release).unwrap();
    assert!(installed_text().starts_with("Symantec Management Platform 8.0.2298.0\n"));
    assert!(wine.registered(&release_code));

    install(&wine, &hotfix).unwrap();
    assert!(installed_text().starts_with("Symantec Management Platform 8.0.2298.1\n"));
    assert!(wine.registered(&hotfix_code), "8.0 HF1 registered");
    assert!(
        !wine.registered(&release_code),
        "8.0 replaced by its major upgrade"
    );

    assert!(
        install(&wine, &older).is_err(),
        "a downgrade to 7.6 is refused"
    );
    assert!(wine.registered(&hotfix_code));
    assert!(installed_text().starts_with("Symantec Management Platform 8.0.2298.1\n"));
}
