//! A real SIGINT sent to a real `airlock build` while it packs a 256 MiB
//! payload: exit 130, and neither a bundle nor its staging folder is left.

use crate::common;

use common::bundle::{key_files, listing, noise};
use sha2::{Digest, Sha256};
use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIG: u64 = 256 << 20;

/// A local listing of one solution whose installer is `big.exe`, `BIG` bytes of noise.
fn big_listing(dir: &Path) -> std::path::PathBuf {
    let mut hash = Sha256::new();
    let mut file = fs::File::create(dir.join("big.exe")).unwrap();
    let mut source = noise(3, BIG);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = source.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        hash.update(&buf[..n]);
        std::io::Write::write_all(&mut file, &buf[..n]).unwrap();
    }
    let listing = dir.join("big.pl.xml");
    fs::write(
        &listing,
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<productListing xmlns="urn:airlock:product-listing:1" vendor="Example" name="Big"
                serial="1" published="2026-11-20T10:00:00Z">
  <product id="big" name="Big Product" kind="solution">
    <release version="1.0" license="free">
      <payload kind="exe" file="big.exe" url="big.exe" size="{BIG}" sha256="{}" args="/quiet"/>
    </release>
  </product>
</productListing>
"#,
            hex::encode(hash.finalize())
        ),
    )
    .unwrap();
    listing
}

#[test]
fn sigint_while_packing_leaves_no_bundle_and_no_staging() {
    let dir = tempfile::tempdir().unwrap();
    let keys = key_files(dir.path(), "builder", 4);
    let listing_path = big_listing(dir.path());
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("airlock"))
        .env_remove("RUST_BACKTRACE")
        .arg("build")
        .arg("--listing")
        .arg(&listing_path)
        .args([
            "--select",
            "big",
            "--target",
            "linux",
            "--quiet",
            "--sign-key",
        ])
        .arg(&keys.secret)
        .arg("--cache")
        .arg(dir.path().join("cache"))
        .arg("--out")
        .arg(out.join("Big.exe"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    // Wait until the bundle being written holds at least 16 MiB of payload.
    let start = Instant::now();
    'packing: loop {
        assert!(child.try_wait().unwrap().is_none(), "the build ended first");
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no packing seen"
        );
        for entry in fs::read_dir(&out).unwrap().flatten() {
            if entry.file_name().to_string_lossy().ends_with(".building") {
                let size: u64 = fs::read_dir(entry.path())
                    .unwrap()
                    .flatten()
                    .filter_map(|f| f.metadata().ok())
                    .map(|m| m.len())
                    .sum();
                if size >= 16 << 20 {
                    break 'packing;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let status = Command::new("kill")
        .args(["-s", "INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted; removed"), "{stderr}");
    assert_eq!(listing(&out), Vec::<String>::new(), "{stderr}");
}
