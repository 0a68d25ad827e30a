//! `airlock build` through the binary, against the fixture vendor site served
//! on 127.0.0.1 by a counting server: the whole ITMS build then verify and
//! inspect, the EULA gate, licenses, MSIs that disagree with their listing,
//! reproducible bytes, the cache (two builds sharing it at once, an entry
//! damaged on disk or turned into a folder, a read-only cache), split parts
//! (a part size too small, an `--out` naming a part), download failures, and
//! the runner a bundle embeds (found, or refused with the reason before any
//! download).

use crate::common;

use common::bundle::{built_one, json_of};
use common::faults::Fault;
use common::online::{Builder, files_under, serve};
use predicates::str::contains;
use std::fs;
use std::path::Path;

const SITE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/site");
const VENDOR_KEY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/keys/vendor-test.pub");
const LICENSES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/licenses");

#[test]
fn the_itms_suite_builds_verifies_and_shows_its_whole_plan() {
    let server = serve(Path::new(SITE));
    let listing = format!("{}itms.pl.xml", server.base);
    let b = Builder::new();
    let out = b.path("ITMS.exe");
    let report = built_one(
        b.build(
            &listing,
            &["--select", "cms", "--optional", "smp-docs", "--accept-eula"],
        )
        .args(["--vendor-key", VENDOR_KEY, "--contact", "ops@example.com"])
        .arg("--license")
        .arg(format!("{LICENSES}/patch.xml"))
        .arg("--out")
        .arg(&out),
    );
    assert_eq!(report["bundle"], out.display().to_string());
    assert_eq!(report["size"], fs::metadata(&out).unwrap().len());
    let names: Vec<&str> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    for name in [
        "itms.pl.xml",
        "sim-8.0.2298.0.msi",
        "itms-eula.txt",
        "smp-8.0.2298.0.msi",
        "smp-8.0-hf1.msi",
        "smp-docs-8.0.2298.0.msi",
        "power-scheme-7.6-hf1.msi",
        "patch.xml",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }

    common::bundle::on_bundle(&b.path("state"), &["verify"], &out, &b.public)
        .assert()
        .success()
        .stdout(contains("every hash checked"));
    let shown = common::bundle::airlock(&b.path("state"))
        .arg("inspect")
        .arg(&out)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&shown.get_output().stdout).into_owned();
    for expected in [
        "vendor        Symantec",
        "installer     Symantec Installation Manager 8.0.2298.0 [sim-8.0.2298.0.msi]",
        "hotfix   smp 8.0.2298.1 (8.0 HF1) from 8.0.2298.0",
        "property NS_PASSWORD (required, secret): Notification Server account password",
        "check free disk space >= 12.5 GiB (block)",
        "check memory >= 8.0 GiB (warn)",
        "patch                LIC-2026-000123 expires 2027-11-01T00:00:00Z [patch.xml]",
        "contact       ops@example.com",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
    let json = json_of(
        common::bundle::airlock(&b.path("state"))
            .arg("inspect")
            .arg(&out),
    );
    let steps = json["content"]["steps"].as_array().unwrap();
    assert_eq!(steps[0]["product"], "smp");
    assert_eq!(steps[0]["properties"][1]["secret"], true);
    assert_eq!(json["content"]["eulas"][0]["id"], "itms");
    assert_eq!(
        json["content"]["criticalUpdates"][0]["resolvedByHotfix"],
        "smp-8.0-hf1"
    );
}

#[test]
fn the_eula_gate_stops_before_any_download() {
    let server = serve(Path::new(SITE));
    let b = Builder::new();
    b.build(&format!("{}itms.pl.xml", server.base), &["--select", "smp"])
        .assert()
        .code(2)
        .stderr(contains("itms: Symantec Software License Agreement"))
        .stderr(contains("--accept-eula"));
    assert_eq!(server.requests("msi/smp-8.0.2298.0.msi"), 0);
    assert_eq!(server.requests("eula/itms-eula.txt"), 0);
    assert!(
        fs::read_dir(b.dir.path())
            .unwrap()
            .flatten()
            .all(|e| { !e.file_name().to_string_lossy().ends_with(".exe") })
    );
}

#[test]
fn a_second_build_downloads_nothing_and_both_give_the_same_bytes() {
    let server = serve(Path::new(SITE));
    let listing = format!("{}itms.pl.xml", server.base);
    let b = Builder::new();
    for name in ["one.exe", "two.exe"] {
        b.build(&listing, &["--select", "patch", "--accept-eula"])
            .env("SOURCE_DATE_EPOCH", "1764000000")
            .arg("--out")
            .arg(b.path(name))
            .assert()
            .success();
    }
    assert_eq!(server.requests("msi/patch-8.0.2298.0.msi"), 1);
    assert_eq!(server.requests("installer/sim-8.0.2298.0.msi"), 1);
    assert_eq!(
        fs::read(b.path("one.exe")).unwrap(),
        fs::read(b.path("two.exe")).unwrap(),
        "same inputs and SOURCE_DATE_EPOCH, same bytes"
    );
    // The default name comes from the vendor and the (reproducible) time;
    // a bundle for Linux servers has no `.exe`.
    b.build(&listing, &["--select", "patch", "--accept-eula"])
        .env("SOURCE_DATE_EPOCH", "1764000000")
        .assert()
        .success();
    assert!(b.path("Symantec_Install_Package_20251124_160000").is_file());
}

/// A copy of the fixture site whose listing has `from` replaced by `to`.
fn changed_site(from: &str, to: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    files_under(Path::new(SITE), "", &mut files);
    for (path, file) in files {
        let dest = dir.path().join(&path);
        fs::create_dir_all(dest.parent().unwrap()).unwrap();
        fs::copy(file, dest).unwrap();
    }
    let listing = dir.path().join("itms.pl.xml");
    let text = fs::read_to_string(&listing).unwrap();
    assert!(text.contains(from), "{from} not in the listing");
    fs::write(&listing, text.replacen(from, to, 1)).unwrap();
    dir
}

#[test]
fn an_msi_that_disagrees_with_its_listing_is_refused() {
    // patch 8.0's ProductCode, then smp 8.0 HF1's version.
    for (from, to, field) in [
        (
            "{7E7AE4BD-66B9-4333-BF18-D80B6AFEAD92}",
            "{7E7AE4BD-66B9-4333-BF18-D80B6AFEAD93}",
            "ProductCode",
        ),
        (
            r#"version="8.0.2298.1""#,
            r#"version="8.0.2298.7""#,
            "ProductVersion",
        ),
    ] {
        let site = changed_site(from, to);
        let server = serve(site.path());
        let b = Builder::new();
        b.build(
            &format!("{}itms.pl.xml", server.base),
            &["--select", "patch", "--accept-eula"],
        )
        .arg("--out")
        .arg(b.path("B.exe"))
        .assert()
        .code(1)
        .stderr(contains(format!("MSI's {field} is")))
        .stderr(contains("the listing says"));
        assert!(!b.path("B.exe").exists(), "no bundle after a refusal");
    }
}

#[test]
fn licenses_must_be_for_the_plan_and_current() {
    let server = serve(Path::new(SITE));
    let listing = format!("{}itms.pl.xml", server.base);
    let b = Builder::new();
    b.build(&listing, &["--select", "patch", "--accept-eula"])
        .arg("--license")
        .arg(format!("{LICENSES}/smp.xml"))
        .assert()
        .success();
    b.build(&listing, &["--select", "patch", "--accept-eula"])
        .arg("--license")
        .arg(format!("{LICENSES}/asset-perpetual.xml"))
        .assert()
        .code(1)
        .stderr(contains("asset-perpetual.xml"))
        .stderr(contains("not in this bundle's plan"));
    b.build(&listing, &["--select", "inventory", "--accept-eula"])
        .arg("--license")
        .arg(format!("{LICENSES}/inventory-expired.xml"))
        .assert()
        .code(1)
        .stderr(contains("expired on 2025-01-10"));
    b.build(&listing, &["--select", "patch", "--accept-eula"])
        .arg("--out")
        .arg(b.dir.path())
        .assert()
        .code(2)
        .stderr(contains("is a folder; name the bundle file"));
    let bad = b.path("bad.xml");
    fs::write(&bad, "<license/>").unwrap();
    b.build(&listing, &["--select", "patch", "--accept-eula"])
        .arg("--license")
        .arg(&bad)
        .assert()
        .code(1)
        .stderr(contains("bad.xml"));
    assert_eq!(server.requests("msi/patch-8.0.2298.0.msi"), 1);
}

#[test]
fn wrong_bytes_from_the_vendor_fail_with_exit_6_and_write_nothing() {
    let server = serve(Path::new(SITE));
    let path = "msi/patch-8.0.2298.0.msi";
    server.add(
        path,
        fs::read(Path::new(SITE).join(path)).unwrap(),
        vec![],
        vec![Fault::Wrong],
    );
    let b = Builder::new();
    b.build(
        &format!("{}itms.pl.xml", server.base),
        &["--select", "patch", "--accept-eula"],
    )
    .arg("--out")
    .arg(b.path("B.exe"))
    .assert()
    .code(6)
    .stderr(contains("patch-8.0.2298.0.msi"))
    .stderr(contains("expected"));
    assert!(!b.path("B.exe").exists());
}

#[test]
fn a_split_build_joins_back_into_the_bundle() {
    let b = Builder::new();
    let out = b.path("Split.exe");
    let local = format!("{SITE}/itms.pl.xml");
    let report = built_one(
        b.build(&local, &["--select", "patch", "--accept-eula"])
            .arg("--out")
            .arg(&out)
            .args(["--split", "4M"]),
    );
    let parts = report["parts"].as_array().unwrap();
    assert!(parts.len() >= 2, "{parts:?}");
    let whole = fs::read(&out).unwrap();
    fs::remove_file(&out).unwrap();
    common::bundle::airlock(&b.path("state"))
        .arg("join")
        .arg(b.path("Split.exe.001"))
        .arg("--trust")
        .arg(&b.public)
        .assert()
        .success();
    assert_eq!(fs::read(&out).unwrap(), whole);
}

/// The site path of each downloaded file of a build `report`, by its bundle name.
fn downloaded_paths(report: &serde_json::Value) -> Vec<String> {
    let mut site = Vec::new();
    files_under(Path::new(SITE), "", &mut site);
    let names: Vec<&str> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] != "listing" && f["kind"] != "signature")
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    let paths: Vec<String> = site
        .into_iter()
        .map(|(path, _)| path)
        .filter(|path| names.iter().any(|n| path.rsplit('/').next() == Some(n)))
        .collect();
    assert_eq!(paths.len(), names.len(), "{names:?} in {paths:?}");
    paths
}

#[test]
fn two_builds_sharing_one_cache_at_once_download_each_file_once() {
    let server = serve(Path::new(SITE));
    // A slow first byte keeps the first download going while the other build starts.
    let slow = "msi/patch-8.0.2298.0.msi";
    server.add(
        slow,
        fs::read(Path::new(SITE).join(slow)).unwrap(),
        vec![],
        vec![Fault::Delay(std::time::Duration::from_millis(500))],
    );
    let listing = format!("{}itms.pl.xml", server.base);
    let b = Builder::new();
    let reports: Vec<serde_json::Value> = std::thread::scope(|scope| {
        let runs: Vec<_> = ["one.exe", "two.exe"]
            .into_iter()
            .map(|name| {
                let (b, listing) = (&b, &listing);
                scope.spawn(move || {
                    built_one(
                        b.build(listing, &["--select", "patch", "--accept-eula"])
                            .env("SOURCE_DATE_EPOCH", "1764000000")
                            .arg("--out")
                            .arg(b.path(name)),
                    )
                })
            })
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    assert_eq!(reports[0]["files"], reports[1]["files"]);
    assert_eq!(
        fs::read(b.path("one.exe")).unwrap(),
        fs::read(b.path("two.exe")).unwrap(),
        "the same payload files, the same bytes"
    );
    let paths = downloaded_paths(&reports[0]);
    assert!(paths.contains(&slow.to_string()), "{paths:?}");
    for path in &paths {
        assert_eq!(server.requests(path), 1, "{path} downloaded once");
    }
    for name in ["one.exe", "two.exe"] {
        common::bundle::on_bundle(&b.path("state"), &["verify"], &b.path(name), &b.public)
            .assert()
            .success();
    }
}

#[test]
fn a_cache_entry_damaged_on_disk_is_found_while_packing_and_fetched_again() {
    use sha2::Digest;
    let server = serve(Path::new(SITE));
    let listing = format!("{}itms.pl.xml", server.base);
    let b = Builder::new();
    b.build(&listing, &["--select", "patch", "--accept-eula"])
        .assert()
        .success();
    // The EULA text has no MSI check: packing is where its bytes are read.
    let eula = "eula/itms-eula.txt";
    let original = fs::read(Path::new(SITE).join(eula)).unwrap();
    let entry = b
        .path("cache/sha256")
        .join(hex::encode(sha2::Sha256::digest(&original)));
    let mut damaged = fs::read(&entry).unwrap();
    damaged[10] ^= 0xff;
    fs::write(&entry, &damaged).unwrap();

    let out = b.path("Again.exe");
    b.build(&listing, &["--select", "patch", "--accept-eula"])
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stderr(contains(
            "itms-eula.txt: the cached copy is not the listed file",
        ))
        .stderr(contains("fetching it again"));
    assert_eq!(server.requests(eula), 2);
    assert_eq!(
        fs::read(&entry).unwrap(),
        original,
        "the cache holds the right bytes again"
    );
    common::bundle::on_bundle(&b.path("state"), &["verify"], &out, &b.public)
        .assert()
        .success()
        .stdout(contains("every hash checked"));
}

#[test]
fn a_cache_entry_that_is_a_folder_is_evicted_and_fetched_again() {
    use sha2::Digest;
    let server = serve(Path::new(SITE));
    let listing = format!("{}itms.pl.xml", server.base);
    let b = Builder::new();
    b.build(&listing, &["--select", "patch", "--accept-eula"])
        .assert()
        .success();
    let eula = "eula/itms-eula.txt";
    let original = fs::read(Path::new(SITE).join(eula)).unwrap();
    let entry = b
        .path("cache/sha256")
        .join(hex::encode(sha2::Sha256::digest(&original)));
    fs::remove_file(&entry).unwrap();
    fs::create_dir_all(entry.join("inside")).unwrap();
    fs::write(entry.join("inside/file"), "not the EULA").unwrap();

    b.build(&listing, &["--select", "patch", "--accept-eula"])
        .arg("--out")
        .arg(b.path("Again.exe"))
        .assert()
        .success();
    assert_eq!(server.requests(eula), 2);
    assert_eq!(fs::read(&entry).unwrap(), original);
}

/// Runs `command` (a program and its arguments) with `dir` read-only: as
/// root (whom file modes do not stop) on a read-only bind mount of its own
/// mount namespace, otherwise with the write bits taken off.
fn with_read_only(dir: &Path, command: &[std::ffi::OsString]) -> std::process::Output {
    if unsafe { libc::geteuid() } == 0 {
        let script =
            r#"mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" "$1" && shift && exec "$@""#;
        return std::process::Command::new("unshare")
            .args(["-m", "sh", "-c", script, "sh"])
            .arg(dir)
            .args(command)
            .output()
            .expect("unshare (util-linux) runs the build on a read-only mount");
    }
    let chmod = |mode: &str| {
        let done = std::process::Command::new("chmod")
            .args(["-R", mode])
            .arg(dir)
            .status()
            .unwrap();
        assert!(done.success());
    };
    chmod("a-w");
    let out = std::process::Command::new(&command[0])
        .args(&command[1..])
        .output()
        .unwrap();
    chmod("u+w");
    out
}

#[test]
fn a_read_only_cache_with_every_file_warm_builds_from_it() {
    let server = serve(Path::new(SITE));
    let listing = format!("{}itms.pl.xml", server.base);
    let b = Builder::new();
    b.build(&listing, &["--select", "patch", "--accept-eula"])
        .assert()
        .success();
    let cache = b.path("cache");
    let before = common::bundle::listing(&cache);
    let out = b.path("ReadOnly.exe");
    let command: Vec<std::ffi::OsString> = [
        assert_cmd::cargo::cargo_bin("airlock").into_os_string(),
        "build".into(),
        "--listing".into(),
        listing.clone().into(),
        "--sign-key".into(),
        b.key.clone().into_os_string(),
        "--cache".into(),
        cache.clone().into_os_string(),
        "--quiet".into(),
        "--target".into(),
        "linux".into(),
        "--select".into(),
        "patch".into(),
        "--accept-eula".into(),
        "--out".into(),
        out.clone().into_os_string(),
    ]
    .into();
    let done = with_read_only(&cache, &command);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert_eq!(server.requests("msi/patch-8.0.2298.0.msi"), 1);
    assert_eq!(common::bundle::listing(&cache), before, "nothing written");
    common::bundle::on_bundle(&b.path("state"), &["verify"], &out, &b.public)
        .assert()
        .success();
}

#[test]
fn a_split_size_too_small_for_the_runner_is_refused_before_any_download() {
    let server = serve(Path::new(SITE));
    let b = Builder::new();
    b.build(
        &format!("{}itms.pl.xml", server.base),
        &["--select", "patch", "--accept-eula"],
    )
    .arg("--out")
    .arg(b.path("Small.exe"))
    .args(["--split", "1K"])
    .assert()
    .code(2)
    .stderr(contains(
        "--split 1.0 KiB: the bundle is at least as large as its runner",
    ))
    .stderr(contains("a split bundle has at most 999: give --split"));
    assert_eq!(server.requests("msi/patch-8.0.2298.0.msi"), 0);
    assert_eq!(server.requests("itms.pl.xml"), 0);
    assert!(!b.path("Small.exe").exists());
}

#[test]
fn an_out_that_names_a_file_of_a_split_bundle_is_refused_by_build_and_join() {
    let b = Builder::new();
    let local = format!("{SITE}/itms.pl.xml");
    b.build(&local, &["--select", "patch", "--accept-eula"])
        .arg("--out")
        .arg(b.path("Split.exe"))
        .args(["--split", "4M"])
        .assert()
        .success();
    let first = b.path("Split.exe.001");
    let part = fs::read(&first).unwrap();
    for name in ["Split.exe.001", "Split.exe.002", "Split.exe.parts"] {
        b.build(&local, &["--select", "patch", "--accept-eula"])
            .arg("--out")
            .arg(b.path(name))
            .assert()
            .code(2)
            .stderr(contains(format!(
                "--out {}: that name belongs to the split bundle whose index is {}",
                b.path(name).display(),
                b.path("Split.exe.parts").display()
            )));
        common::bundle::airlock(&b.path("state"))
            .arg("join")
            .arg(&first)
            .arg("--out")
            .arg(b.path(name))
            .assert()
            .code(2)
            .stderr(contains("that is a file of the split bundle being joined"));
    }
    assert_eq!(
        fs::read(&first).unwrap(),
        part,
        "the first part is unchanged"
    );
}

/// The first bytes of an x86_64 PE executable, then `tail`.
fn pe_with(tail: &[u8]) -> Vec<u8> {
    let mut pe = vec![0u8; 0x200];
    pe[..2].copy_from_slice(b"MZ");
    pe[0x3c..0x40].copy_from_slice(&0x80u32.to_le_bytes());
    pe[0x80..0x84].copy_from_slice(b"PE\0\0");
    pe[0x84..0x86].copy_from_slice(&0x8664u16.to_le_bytes());
    pe.extend_from_slice(tail);
    pe
}

/// A copy of the airlock binary alone in `dir` (so nothing is kept beside it).
fn airlock_alone_in(dir: &Path) -> std::path::PathBuf {
    fs::create_dir_all(dir).unwrap();
    let copy = dir.join("airlock");
    fs::copy(assert_cmd::cargo::cargo_bin("airlock"), &copy).unwrap();
    copy
}

#[test]
fn a_windows_build_without_a_runner_stops_before_any_download_and_names_the_command() {
    let server = serve(Path::new(SITE));
    let listing = format!("{}itms.pl.xml", server.base);
    let b = Builder::new();
    let bin = b.path("bin");
    let airlock = airlock_alone_in(&bin);
    let out = common::bundle::run_written(
        std::process::Command::new(&airlock)
            .current_dir(b.dir.path())
            .env_remove("RUST_BACKTRACE")
            .env_remove("AIRLOCK_RUNNER")
            .args(["build", "--listing", &listing, "--select", "patch"])
            .args(["--accept-eula", "--sign-key"])
            .arg(&b.key)
            .arg("--cache")
            .arg(b.path("cache")),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("error: no Windows runner to embed"), "{err}");
    assert!(
        err.contains(
            "Make it with `cargo build --profile runner --target x86_64-pc-windows-gnu --no-default-features`"
        ),
        "{err}"
    );
    assert!(
        err.contains(&bin.join("airlock-runner.exe").display().to_string()),
        "{err}"
    );
    assert!(err.contains("build with --target linux"), "{err}");
    assert_eq!(server.all_requests(), 0, "nothing was downloaded");
    assert!(!b.path("cache").exists());
}

#[test]
fn only_an_airlock_runner_of_this_format_for_the_platform_named_is_embedded() {
    let server = serve(Path::new(SITE));
    let listing = format!("{}itms.pl.xml", server.base);
    let b = Builder::new();
    let linux_airlock = assert_cmd::cargo::cargo_bin("airlock");
    let text = b.path("notes.txt");
    fs::write(&text, "not a program\n").unwrap();
    let tool = b.path("tool.exe");
    fs::write(&tool, pe_with(b"a Windows program, no marker")).unwrap();
    let future = b.path("future.exe");
    fs::write(
        &future,
        pe_with(b"AIRLOCK-RUNNER:marker=1 program=airlock version=9.0.0 format=2\0"),
    )
    .unwrap();
    let shown = |p: &Path| p.display().to_string();
    let cases: Vec<(Vec<String>, Option<&Path>, String)> = vec![
        (
            vec!["--runner".into(), "/bin/ls".into()],
            None,
            "runner /bin/ls (--runner): a program for linux x86_64 (ELF), not for windows (PE); \
             give the offline airlock built for Windows"
                .into(),
        ),
        (
            vec!["--runner".into(), shown(&linux_airlock)],
            None,
            format!(
                "runner {} (--runner): a program for linux x86_64 (ELF), not for windows (PE)",
                shown(&linux_airlock)
            ),
        ),
        (
            vec![],
            Some(Path::new("/bin/ls")),
            "runner /bin/ls (AIRLOCK_RUNNER): a program for linux x86_64 (ELF), not for windows (PE)"
                .into(),
        ),
        (
            vec!["--runner".into(), shown(&text)],
            None,
            "not an executable for windows (PE): neither a PE nor an ELF file".into(),
        ),
        (
            vec!["--runner".into(), shown(&tool)],
            None,
            "a program for windows x86_64, but not an Airlock runner (it carries no Airlock runner marker)"
                .into(),
        ),
        (
            vec!["--runner".into(), shown(&future)],
            None,
            "airlock 9.0.0 reads bundle format 2, and this airlock writes format 1".into(),
        ),
        (
            vec![
                "--target".into(),
                "linux".into(),
                "--runner".into(),
                shown(&tool),
            ],
            None,
            "a program for windows x86_64 (PE), not for linux (ELF); give an airlock built for Linux"
                .into(),
        ),
        (
            vec!["--runner".into(), shown(b.dir.path())],
            None,
            "is a folder, not a regular file".into(),
        ),
    ];
    for (args, env, expected) in cases {
        let mut cmd = b.build_for(&listing, &["--select", "patch", "--accept-eula"]);
        cmd.args(&args);
        if let Some(runner) = env {
            cmd.env("AIRLOCK_RUNNER", runner);
        }
        cmd.assert().code(2).stderr(contains(expected));
    }
    assert_eq!(server.all_requests(), 0, "nothing was downloaded");

    // A bundle is not a runner, even one whose runner is right.
    let bundle = b.path("linux-bundle");
    b.build(&listing, &["--select", "patch", "--accept-eula"])
        .arg("--out")
        .arg(&bundle)
        .assert()
        .success();
    let served = server.all_requests();
    b.build(&listing, &["--select", "patch", "--accept-eula"])
        .arg("--runner")
        .arg(&bundle)
        .assert()
        .code(2)
        .stderr(contains(
            "(--runner): a bundle already (a runner with a bundle appended), not a runner",
        ));
    assert_eq!(server.all_requests(), served);
}

#[test]
fn a_bundle_for_linux_has_no_exe_and_inspect_and_verify_name_its_runner() {
    let server = serve(Path::new(SITE));
    let listing = format!("{}itms.pl.xml", server.base);
    let b = Builder::new();
    let report = built_one(
        b.build(&listing, &["--select", "patch", "--accept-eula"])
            .env("SOURCE_DATE_EPOCH", "1764000000"),
    );
    let bundle = b.path("Symantec_Install_Package_20251124_160000");
    assert_eq!(report["bundle"], "Symantec_Install_Package_20251124_160000");
    assert!(bundle.is_file());
    let version = env!("CARGO_PKG_VERSION");
    let identity = serde_json::json!({
        "platform": {"os": "linux", "arch": "x86_64"},
        "marker": {"program": "airlock", "version": version, "bundleFormat": 1}
    });
    assert_eq!(report["runnerIdentity"], identity);
    let named = format!("runner        airlock {version} for linux x86_64 (bundle format 1), ");
    common::bundle::airlock(&b.path("state"))
        .arg("inspect")
        .arg(&bundle)
        .assert()
        .success()
        .stdout(contains(named));
    let inspected = json_of(
        common::bundle::airlock(&b.path("state"))
            .arg("inspect")
            .arg(&bundle),
    );
    assert_eq!(inspected["runnerIdentity"], identity);
    common::bundle::on_bundle(&b.path("state"), &["verify"], &bundle, &b.public)
        .assert()
        .success()
        .stdout(contains(format!(
            "every hash checked; runner airlock {version} for linux x86_64 (bundle format 1)"
        )));
    let verified = json_of(&mut common::bundle::on_bundle(
        &b.path("state"),
        &["verify"],
        &bundle,
        &b.public,
    ));
    assert_eq!(verified["runnerIdentity"], identity);

    // A runner that is no Airlock runner is shown as such, not refused.
    let f = common::bundle::fixture();
    common::bundle::airlock(&b.path("state"))
        .arg("inspect")
        .arg(&f.bundle)
        .assert()
        .success()
        .stdout(contains(
            "runner        not an Airlock runner (no runner marker), for an unknown platform (neither PE nor ELF), 19 B",
        ));
}
