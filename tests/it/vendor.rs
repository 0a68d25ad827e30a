//! The files of a bundle checked against the vendor's signed listing, through
//! the command line: a builder whose key is in an attacker's hands signs a
//! bundle with a swapped MSI, a changed listing, another key's signature, a
//! file moved to another product, a file no step names, or a listing
//! described with a higher serial; a server that pins the vendor's key
//! (`ROOT/vendor-keys/VENDOR.pub`, or `--vendor-key`) refuses each with exit 3
//! before anything is extracted, and one without a vendor key accepts it as
//! before. The attacker uses the bundle-format library as anyone could.

use crate::common;

use airlock::package::Package;
use base64::Engine;
use bundle_format::keys::{PublicKey, SigningKey};
use common::bundle::{airlock, write_package};
use common::faults::FaultServer;
use common::online::{Builder, serve};
use common::runner::{Files, Recorder, Wine, product_code};
use common::stderr;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

const SITE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/site");
const VENDOR_KEY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/keys/vendor-test.pub");
const LICENSES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/licenses");
const AGENT: &str = "nw-backup-agent-3.2.0.410.msi";
const CONSOLE: &str = "nw-console-3.2.0.410.msi";
/// How the signed Northwind listing is named in messages.
const NORTHWIND: &str = "Northwind Server Tools (Northwind Systems, serial 2026110501)";

fn vendor_fingerprint() -> String {
    PublicKey::load(Path::new(VENDOR_KEY))
        .unwrap()
        .fingerprint()
        .to_string()
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn site_file(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(SITE).join(name)).unwrap()
}

/// `airlock build` of `select` from the fixture site's Northwind listing,
/// its vendor signature checked, for Linux servers, into `NAME/Bundle`.
fn built(b: &Builder, server: &FaultServer, select: &[&str], name: &str) -> PathBuf {
    let folder = b.path(name);
    std::fs::create_dir_all(&folder).unwrap();
    let out = folder.join("Bundle");
    b.build(&format!("{}northwind.pl.xml", server.base), select)
        .args(["--vendor-key", VENDOR_KEY, "--out"])
        .arg(&out)
        .assert()
        .success();
    out
}

/// What an attacker holding the builder's key does: unpacks `bundle` with
/// the bundle-format library, lets `change` edit its package and files, and
/// writes `NAME/Bundle` (same runner) with the manifest's sizes and hashes
/// made anew and signed with the builder's key.
fn resign(
    b: &Builder,
    bundle: &Path,
    name: &str,
    change: impl FnOnce(&mut Package, &mut Files),
) -> PathBuf {
    let public = PublicKey::load(&b.public).unwrap();
    let unpacked = b.path(&format!("{name}-unpacked"));
    let manifest = bundle_format::extract(bundle, &[public], &unpacked).unwrap();
    let layout = bundle_format::inspect(bundle).unwrap().layout;
    let bytes = std::fs::read(bundle).unwrap();
    let runner =
        &bytes[layout.runner.offset as usize..(layout.runner.offset + layout.runner.len) as usize];
    let mut package = Package::of(&manifest).unwrap();
    let mut files: Files = manifest
        .files
        .iter()
        .map(|f| {
            let kind = [
                "msi",
                "msp",
                "exe",
                "text",
                "license",
                "listing",
                "signature",
            ]
            .into_iter()
            .find(|k| *k == f.kind)
            .unwrap();
            (
                f.name.clone(),
                kind,
                std::fs::read(unpacked.join(&f.name)).unwrap(),
            )
        })
        .collect();
    change(&mut package, &mut files);
    let folder = b.path(name);
    std::fs::create_dir_all(&folder).unwrap();
    let out = folder.join("Bundle");
    let key = SigningKey::load(&b.key).unwrap();
    write_package(&out, runner, &package, &files, &key, None);
    out
}

/// Replaces the bytes of the file `name`.
fn put(files: &mut Files, name: &str, bytes: Vec<u8>) {
    files.iter_mut().find(|f| f.0 == name).unwrap().2 = bytes;
}

/// `airlock verify BUNDLE --trust BUILDER` on `root`, more arguments after.
fn verify(b: &Builder, root: &Path, bundle: &Path, more: &[&str]) -> (i32, String, String) {
    let out = airlock(root)
        .arg("verify")
        .arg(bundle)
        .arg("--trust")
        .arg(&b.public)
        .args(more)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr(&out),
    )
}

/// A state root pinning the fixture vendor key for the Northwind listing.
fn pinned_root(b: &Builder, name: &str) -> PathBuf {
    let root = b.path(name);
    std::fs::create_dir_all(root.join("vendor-keys")).unwrap();
    std::fs::copy(
        VENDOR_KEY,
        root.join("vendor-keys").join("Northwind Systems.pub"),
    )
    .unwrap();
    root
}

/// The agent's MSI swapped for the console's (a real, validly built MSI),
/// under the agent's name, its ProductCode written into the step so that
/// nothing but the vendor's word can tell.
fn swap_agent(package: &mut Package, files: &mut Files) {
    let console = site_file(&format!("thirdparty/{CONSOLE}"));
    put(files, AGENT, console);
    package.steps[0].product_code = Some(product_code(
        &Path::new(SITE).join("thirdparty").join(CONSOLE),
    ));
}

#[test]
fn a_swapped_msi_signed_again_by_the_builder_is_refused_with_the_vendor_key_and_accepted_without() {
    let server = serve(Path::new(SITE));
    let b = Builder::new();
    let honest = built(&b, &server, &["--select", "nw-backup-agent"], "honest");
    let swapped = resign(&b, &honest, "swapped", swap_agent);

    // Without a vendor key the builder's signature is all there is: accepted.
    let (code, out, err) = verify(&b, &b.path("plain-root"), &swapped, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("files not checked against a vendor key"),
        "{out}"
    );

    let expected = format!(
        "{AGENT}: the bundle's is 10752 bytes sha256 {}, the signed listing {NORTHWIND} \
         publishes 10752 bytes sha256 {} for nw-backup-agent 3.2.0.410; the bundle was changed \
         after the vendor published it: do not install it",
        sha(&site_file(&format!("thirdparty/{CONSOLE}"))),
        sha(&site_file(&format!("thirdparty/{AGENT}")))
    );
    // The key given for this run, then pinned in the root.
    let (code, _, err) = verify(
        &b,
        &b.path("plain-root"),
        &swapped,
        &["--vendor-key", VENDOR_KEY],
    );
    assert_eq!(code, 3, "{err}");
    assert!(err.contains(&expected), "{err}");
    let root = pinned_root(&b, "pinned-root");
    let (code, _, err) = verify(&b, &root, &swapped, &[]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains(&expected), "{err}");
    let (code, _, err) = verify(&b, &root, &swapped, &["--json"]);
    assert_eq!(code, 3, "{err}");

    // install refuses before anything is extracted or run.
    let recorder = Recorder::new();
    let out = common::runner::install(&root, &swapped, &b.public, &recorder.command())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains(&expected), "{}", stderr(&out));
    assert!(recorder.calls().is_empty());
    assert_eq!(
        common::bundle::listing(swapped.parent().unwrap()),
        ["Bundle"],
        "nothing extracted"
    );
    assert!(!root.join("record.json").exists(), "nothing recorded");
}

#[test]
fn a_listing_whose_vendor_signature_does_not_hold_is_refused() {
    let server = serve(Path::new(SITE));
    let b = Builder::new();
    let honest = built(&b, &server, &["--select", "nw-backup-agent"], "honest");
    let fingerprint = vendor_fingerprint();

    // The listing changed to publish the swapped MSI, so everything else agrees.
    let edited = resign(&b, &honest, "edited", |package, files| {
        swap_agent(package, files);
        let listing = String::from_utf8(site_file("northwind.pl.xml")).unwrap();
        let agent = sha(&site_file(&format!("thirdparty/{AGENT}")));
        let console = sha(&site_file(&format!("thirdparty/{CONSOLE}")));
        let listing = listing.replacen(&agent, &console, 1).into_bytes();
        package.listings[0].sha256 = sha(&listing);
        put(files, "northwind.pl.xml", listing);
    });
    // Signed by another key: the listing is the vendor's, the signature not.
    let forged = resign(&b, &honest, "forged", |_, files| {
        let other = SigningKey::from_bytes(&[42; 32]);
        let signature = other.sign(&site_file("northwind.pl.xml"));
        let line = base64::engine::general_purpose::STANDARD.encode(signature) + "\n";
        put(files, "northwind.pl.xml.sig", line.into_bytes());
    });
    for (name, bundle) in [("edited", &edited), ("forged", &forged)] {
        let (code, _, err) = verify(&b, &b.path("plain-root"), bundle, &[]);
        assert_eq!(code, 0, "{name}: accepted without a vendor key: {err}");
        let root = pinned_root(&b, &format!("{name}-root"));
        let (code, _, err) = verify(&b, &root, bundle, &[]);
        assert_eq!(code, 3, "{name}: {err}");
        assert!(
            err.contains(&format!(
                "listing northwind.pl.xml (Northwind Systems / Northwind Server Tools serial \
                 2026110501): the vendor's signature does not verify with vendor key {fingerprint}"
            )) && err.contains(&format!(
                "the vendor signature northwind.pl.xml.sig does not match the listing for key {fingerprint}"
            )),
            "{name}: {err}"
        );
    }
    // The builder's key given where the vendor's belongs: said so.
    let builder = b.public.to_str().unwrap();
    let (code, _, err) = verify(
        &b,
        &b.path("plain-root"),
        &honest,
        &["--vendor-key", builder],
    );
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains(&format!(
            "does not verify with vendor key {}: refused; the listing in the bundle is not the \
             one the vendor signed (or the key given is not the vendor's: it is the builder key \
             that signed this bundle; give the key the vendor publishes for its listings)",
            bundle_format::keys::PublicKey::load(&b.public)
                .unwrap()
                .fingerprint()
        )),
        "{err}"
    );
}

#[test]
fn a_listing_described_with_another_serial_than_the_signed_one_is_refused() {
    // A rollback dressed up: the package claims a serial higher than the
    // signed listing's, past the serial floor that reads the package.
    let server = serve(Path::new(SITE));
    let b = Builder::new();
    let honest = built(&b, &server, &["--select", "nw-backup-agent"], "honest");
    let claimed = resign(&b, &honest, "claimed", |package, _| {
        package.listings[0].serial = 2099010101;
    });
    let (code, _, err) = verify(&b, &pinned_root(&b, "root"), &claimed, &[]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains(
            "listing file northwind.pl.xml: the bundle's description says serial 2099010101, \
             the signed listing says serial 2026110501"
        ),
        "{err}"
    );
}

#[test]
fn a_file_moved_to_another_product_or_named_by_no_step_is_refused() {
    let server = serve(Path::new(SITE));
    let b = Builder::new();
    let honest = built(&b, &server, &["--select", "nw-console"], "honest");
    let root = pinned_root(&b, "root");
    let (code, _, err) = verify(&b, &root, &honest, &[]);
    assert_eq!(code, 0, "{err}");

    // The console's step runs the agent's MSI (published, but for another product).
    let moved = resign(&b, &honest, "moved", |package, files| {
        let console = package
            .steps
            .iter_mut()
            .find(|s| s.product == "nw-console")
            .unwrap();
        console.file = AGENT.into();
        console.product_code = Some(product_code(
            &Path::new(SITE).join("thirdparty").join(AGENT),
        ));
        files.retain(|f| f.0 != CONSOLE);
        package.origins.retain(|o| o.file != CONSOLE);
    });
    let (code, _, err) = verify(&b, &b.path("plain-root"), &moved, &[]);
    assert_eq!(code, 0, "accepted without a vendor key: {err}");
    let (code, _, err) = verify(&b, &root, &moved, &[]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains(&format!(
            "{AGENT}: the bundle runs it for nw-console 3.2.0.410, but the signed listing \
             {NORTHWIND} publishes {CONSOLE} (10752 bytes sha256 {}) for nw-console 3.2.0.410",
            sha(&site_file(&format!("thirdparty/{CONSOLE}")))
        )),
        "{err}"
    );

    // A DLL beside the installers, named by nothing: a vendor never published it.
    let planted = resign(&b, &honest, "planted", |_, files| {
        files.push(("version.dll".into(), "exe", b"MZ planted".to_vec()));
    });
    let (code, _, err) = verify(&b, &b.path("plain-root"), &planted, &[]);
    assert_eq!(code, 0, "accepted without a vendor key: {err}");
    let (code, _, err) = verify(&b, &root, &planted, &[]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains(
            "version.dll: the bundle holds this file, but no step, installer, EULA, license or \
             listing names it"
        ),
        "{err}"
    );
}

/// The Northwind listing and the agent's MSI, without the listing's signature.
fn unsigned_site() -> FaultServer {
    let server = FaultServer::start();
    for name in ["northwind.pl.xml", &format!("thirdparty/{AGENT}")] {
        server.add(name, site_file(name), vec![], vec![]);
    }
    server
}

#[test]
fn a_required_vendor_signature_refuses_a_bundle_of_an_unsigned_listing() {
    let server = unsigned_site();
    let b = Builder::new();
    let bundle = b.path("unsigned/Bundle");
    std::fs::create_dir_all(b.path("unsigned")).unwrap();
    b.build(
        &format!("{}northwind.pl.xml", server.base),
        &["--select", "nw-backup-agent", "--out"],
    )
    .arg(&bundle)
    .assert()
    .success();
    let fingerprint = vendor_fingerprint();

    let (code, out, err) = verify(&b, &b.path("plain-root"), &bundle, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("not checked against a vendor key"), "{out}");

    let (code, _, err) = verify(
        &b,
        &b.path("plain-root"),
        &bundle,
        &["--require-vendor-signature"],
    );
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains(
            "listing northwind.pl.xml (Northwind Systems / Northwind Server Tools serial \
             2026110501) is checked by no pinned vendor key, and --require-vendor-signature was given"
        ) && err.contains("Northwind Systems.pub"),
        "{err}"
    );

    let required = b.path("required-root");
    std::fs::create_dir_all(required.join("vendor-keys")).unwrap();
    std::fs::write(required.join("vendor-keys/require-signature"), "").unwrap();
    let (code, _, err) = verify(&b, &required, &bundle, &[]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("is checked by no pinned vendor key")
            && err.contains("require-signature asks for it"),
        "{err}"
    );

    // A key for the vendor, and no signature to check with it.
    let (code, _, err) = verify(
        &b,
        &b.path("plain-root"),
        &bundle,
        &["--vendor-key", VENDOR_KEY],
    );
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains(&format!(
            "carries no vendor signature, but vendor key {fingerprint} was given with --vendor-key"
        )),
        "{err}"
    );
    let (code, _, err) = verify(&b, &pinned_root(&b, "pinned-root"), &bundle, &[]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains(&format!(
            "carries no vendor signature, but vendor key {fingerprint} is pinned for Northwind Systems"
        )),
        "{err}"
    );
}

#[test]
fn an_unreadable_vendor_key_is_named_and_stops_the_run() {
    let server = serve(Path::new(SITE));
    let b = Builder::new();
    let honest = built(&b, &server, &["--select", "nw-backup-agent"], "honest");
    let root = b.path("root");
    std::fs::create_dir_all(root.join("vendor-keys")).unwrap();
    std::fs::write(
        root.join("vendor-keys/Northwind Systems.pub"),
        "not a key\n",
    )
    .unwrap();
    let (code, _, err) = verify(&b, &root, &honest, &[]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("Northwind Systems.pub") && err.contains("cannot use the vendor key"),
        "{err}"
    );
    let missing = b.path("missing.pub");
    let (code, _, err) = verify(
        &b,
        &b.path("plain-root"),
        &honest,
        &["--vendor-key", missing.to_str().unwrap()],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("missing.pub"), "{err}");
}

#[test]
fn the_suite_holds_against_the_vendor_key_and_its_installer_eula_and_hot_fix_are_checked() {
    let server = serve(Path::new(SITE));
    let b = Builder::new();
    let out = b.path("ITMS.exe");
    b.build(
        &format!("{}itms.pl.xml", server.base),
        &["--select", "cms", "--optional", "smp-docs", "--accept-eula"],
    )
    .args(["--vendor-key", VENDOR_KEY, "--license"])
    .arg(format!("{LICENSES}/patch.xml"))
    .arg("--out")
    .arg(&out)
    .assert()
    .success();
    let doc = common::bundle::json_of(
        airlock(&b.path("root"))
            .arg("verify")
            .arg(&out)
            .arg("--trust")
            .arg(&b.public)
            .args(["--vendor-key", VENDOR_KEY]),
    );
    let check = &doc["vendorCheck"];
    assert_eq!(
        check["listings"][0]["vendorKey"],
        vendor_fingerprint().as_str()
    );
    assert_eq!(check["listings"][0]["file"], "itms.pl.xml");
    // Every file but the listing, its signature and the license.
    let files = doc["files"].as_array().unwrap().len() as u64;
    assert_eq!(check["files"], files - 3, "{doc}");

    let itms = "the signed listing IT Management Suite (Symantec, serial 2026112001)";
    let eula = resign(&b, &out, "eula", |package, files| {
        let text = b"You agree to everything.".to_vec();
        package.eulas[0].sha256 = sha(&text);
        put(files, "itms-eula.txt", text);
    });
    let installer = resign(&b, &out, "installer", |package, _| {
        package.installer.as_mut().unwrap().version = "8.0.2298.1".parse().unwrap();
    });
    let hotfix = resign(&b, &out, "hotfix", |_, files| {
        put(files, "smp-8.0-hf1.msi", site_file("hf/smp-7.6-hf7.msi"));
    });
    let unreadable = resign(&b, &out, "unreadable", |package, files| {
        let text = b"<productListing".to_vec();
        package.listings[0].sha256 = sha(&text);
        put(files, "itms.pl.xml", text);
    });
    for (bundle, expected) in [
        (
            eula,
            format!(
                "itms-eula.txt: the bundle's is 24 bytes sha256 {}, {itms} publishes 753 bytes \
                 sha256 {} for EULA itms",
                sha(b"You agree to everything."),
                sha(&site_file("eula/itms-eula.txt"))
            ),
        ),
        (
            installer,
            format!(
                "sim-8.0.2298.0.msi: the bundle runs it for the installer Symantec Installation \
                 Manager 8.0.2298.1, which {itms} does not publish"
            ),
        ),
        (
            hotfix,
            format!(
                "smp-8.0-hf1.msi: the bundle's is 10752 bytes sha256 {}, {itms} publishes 10752 \
                 bytes sha256 {} for hot fix smp-8.0-hf1 of smp 8.0.2298.1",
                sha(&site_file("hf/smp-7.6-hf7.msi")),
                sha(&site_file("hf/smp-8.0-hf1.msi"))
            ),
        ),
        (
            unreadable,
            "the listing packed in the bundle cannot be read, so its files cannot be checked \
             against the vendor"
                .to_string(),
        ),
    ] {
        let (code, _, err) = verify(&b, &b.path("plain-root"), &bundle, &[]);
        assert_eq!(code, 0, "accepted without a vendor key: {err}");
        let (code, _, err) = verify(&b, &b.path("root"), &bundle, &["--vendor-key", VENDOR_KEY]);
        assert_eq!(code, 3, "{err}");
        assert!(err.contains(&expected), "{expected}\n{err}");
    }
}

#[test]
fn the_honest_bundle_with_the_pinned_key_installs_and_verify_reports_the_key() {
    if !common::require_tools(
        "the_honest_bundle_with_the_pinned_key_installs",
        &["wine", "wineserver"],
    ) {
        return;
    }
    let server = serve(Path::new(SITE));
    let b = Builder::new();
    let honest = built(&b, &server, &["--select", "nw-backup-agent"], "honest");
    let root = pinned_root(&b, "root");
    let fingerprint = vendor_fingerprint();

    let doc = common::bundle::json_of(
        airlock(&root)
            .arg("verify")
            .arg(&honest)
            .arg("--trust")
            .arg(&b.public),
    );
    assert_eq!(
        doc["vendorCheck"],
        serde_json::json!({
            "listings": [{"file": "northwind.pl.xml", "vendor": "Northwind Systems",
                          "name": "Northwind Server Tools", "serial": 2026110501u64,
                          "vendorKey": fingerprint}],
            "files": 1
        })
    );
    let (code, out, err) = verify(&b, &root, &honest, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!(
            "1 file checked against the vendor: listing Northwind Server Tools (Northwind \
             Systems, serial 2026110501) signed with vendor key {fingerprint}"
        )),
        "{out}"
    );
    let plain = common::bundle::json_of(
        airlock(&b.path("plain-root"))
            .arg("verify")
            .arg(&honest)
            .arg("--trust")
            .arg(&b.public),
    );
    assert_eq!(plain["vendorCheck"]["files"], 0);
    assert_eq!(
        plain["vendorCheck"]["listings"][0]["vendorKey"],
        serde_json::Value::Null
    );

    let wine = Wine::new();
    let out = common::runner::install(&root, &honest, &b.public, "wine msiexec")
        .arg("--json")
        .envs(wine.vars())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 file checked against the vendor"),
        "{}",
        stderr(&out)
    );
    // The install's own record of it, for an audit, as verify says it.
    let installed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(installed["vendorCheck"], doc["vendorCheck"]);
    assert!(
        wine.c("Program Files/Northwind/Northwind Backup Agent/nw-backup-agent.txt")
            .exists()
    );
}

#[test]
fn the_windows_runner_refuses_the_swapped_msi_under_wine() {
    if !common::require_tools(
        "the_windows_runner_refuses_the_swapped_msi_under_wine",
        &["wine", "wineserver"],
    ) {
        return;
    }
    let server = serve(Path::new(SITE));
    let b = Builder::new();
    let folder = b.path("honest");
    std::fs::create_dir_all(&folder).unwrap();
    let honest = folder.join("Bundle.exe");
    b.build_for(
        &format!("{}northwind.pl.xml", server.base),
        &["--select", "nw-backup-agent"],
    )
    .args(["--vendor-key", VENDOR_KEY, "--runner"])
    .arg(common::windows::runner())
    .arg("--out")
    .arg(&honest)
    .assert()
    .success();
    let swapped = resign(&b, &honest, "swapped", swap_agent);
    let swapped_exe = swapped.with_file_name("Bundle.exe");
    std::fs::rename(&swapped, &swapped_exe).unwrap();
    let agent = "Program Files/Northwind/Northwind Backup Agent/nw-backup-agent.txt";
    let folder = swapped_exe.parent().unwrap();

    // Pinned in C:\ProgramData\Airlock\vendor-keys, then given on the command line.
    let wine = common::windows::prefix();
    let keys = wine.c("ProgramData/Airlock/vendor-keys");
    std::fs::create_dir_all(&keys).unwrap();
    std::fs::copy(VENDOR_KEY, keys.join("Northwind Systems.pub")).unwrap();
    let given = common::windows::prefix();
    for (wine, more) in [(&wine, vec![]), (&given, vec!["--vendor-key", VENDOR_KEY])] {
        let out = common::windows::run(wine, &swapped_exe, folder)
            .args(["--yes", "--trust"])
            .arg(&b.public)
            .args(more)
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(3), "{err}");
        assert!(
            err.contains(&format!(
                "{AGENT}: the bundle's is 10752 bytes sha256 {}",
                sha(&site_file(&format!("thirdparty/{CONSOLE}")))
            )) && err.contains("do not install it"),
            "{err}"
        );
        assert!(!wine.c(agent).exists(), "nothing installed");
        assert_eq!(
            common::bundle::listing(folder),
            ["Bundle.exe"],
            "nothing extracted"
        );
    }
}

#[test]
fn a_key_named_in_another_case_than_the_vendor_is_named_to_rename_and_an_upper_case_extension_pins()
{
    let server = serve(Path::new(SITE));
    let b = Builder::new();
    let honest = built(&b, &server, &["--select", "nw-backup-agent"], "honest");

    // Windows Explorer shows the extension in upper case: it still pins.
    let upper = b.path("upper");
    std::fs::create_dir_all(upper.join("vendor-keys")).unwrap();
    std::fs::copy(
        VENDOR_KEY,
        upper.join("vendor-keys").join("Northwind Systems.PUB"),
    )
    .unwrap();
    let (code, out, err) = verify(&b, &upper, &honest, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!(
            "1 file checked against the vendor: listing Northwind Server Tools (Northwind \
             Systems, serial 2026110501) signed with vendor key {}",
            vendor_fingerprint()
        )),
        "{out}"
    );

    // The stem in another case: refused with the name to give the file,
    // not a listing silently left unchecked; nothing recorded in the root.
    let lower = b.path("lower");
    std::fs::create_dir_all(lower.join("vendor-keys")).unwrap();
    std::fs::copy(
        VENDOR_KEY,
        lower.join("vendor-keys").join("northwind systems.pub"),
    )
    .unwrap();
    for command in ["verify", "install"] {
        let out = airlock(&lower)
            .arg(command)
            .arg(&honest)
            .arg("--trust")
            .arg(&b.public)
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{command}: {err}");
        assert!(
            err.contains("northwind systems.pub")
                && err.contains("is pinned for vendor \"northwind systems\"")
                && err.contains("the listing's vendor is \"Northwind Systems\"")
                && err.contains(&format!(
                    "rename the file to {}",
                    lower
                        .join("vendor-keys")
                        .join("Northwind Systems.pub")
                        .display()
                )),
            "{command}: {err}"
        );
    }
    let mut left: Vec<_> = std::fs::read_dir(&lower)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left, ["vendor-keys"]);
}

#[test]
fn join_checks_the_parts_of_a_split_bundle_against_the_pinned_vendor_key_and_says_so() {
    let server = serve(Path::new(SITE));
    let b = Builder::new();
    let honest = built(&b, &server, &["--select", "nw-backup-agent"], "honest");
    let swapped = resign(&b, &honest, "swapped", swap_agent);
    let root = pinned_root(&b, "root");
    for (bundle, code) in [(&honest, 0), (&swapped, 3)] {
        let bytes = std::fs::read(bundle).unwrap();
        let folder = bundle.parent().unwrap().join("split");
        std::fs::create_dir_all(&folder).unwrap();
        let whole = folder.join("Bundle");
        std::fs::write(&whole, &bytes).unwrap();
        let key = SigningKey::load(&b.key).unwrap();
        let half = bundle_format::split::PartSize::new(bytes.len() as u64 / 2 + 1).unwrap();
        bundle_format::split::split(&whole, half, &key, &mut |_| {}).unwrap();
        std::fs::remove_file(&whole).unwrap();
        let out = airlock(&root)
            .arg("join")
            .arg(folder.join("Bundle.001"))
            .arg("--out")
            .arg(&whole)
            .arg("--trust")
            .arg(&b.public)
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(code), "{err}");
        if code == 0 {
            assert!(
                err.contains(&format!(
                    "1 file checked against the vendor: listing {NORTHWIND} signed with \
                     vendor key {}",
                    vendor_fingerprint()
                )),
                "{err}"
            );
            assert_eq!(std::fs::read(&whole).unwrap(), bytes);
        } else {
            assert!(err.contains(AGENT), "{err}");
            assert!(!whole.exists(), "no refused bundle left behind");
        }
    }
}
