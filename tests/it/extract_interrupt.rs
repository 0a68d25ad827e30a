//! Real signals sent to a real extraction of a 256 MiB bundle: SIGINT, SIGTERM
//! and SIGHUP leave nothing behind and say so; after a SIGKILL, which cannot be
//! caught, the next run finds what was left, removes it and says so.

use crate::common;

use common::bundle::{key_files, listing, write_big};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Large enough that extracting it takes a while; incompressible, so it stays large.
const BIG: u64 = 256 << 20;

struct Big {
    _dir: tempfile::TempDir,
    bundle: PathBuf,
    public: PathBuf,
}

/// The 256 MiB bundle, made once for every test of this file.
fn big() -> &'static Big {
    static BIG_BUNDLE: OnceLock<Big> = OnceLock::new();
    BIG_BUNDLE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let keys = key_files(dir.path(), "builder", 9);
        let bundle = dir.path().join("Big.exe");
        write_big(&bundle, BIG, &keys.key);
        Big {
            bundle,
            public: keys.public,
            _dir: dir,
        }
    })
}

/// Starts `airlock install BIG --extract-only --extract-to WORK/Components`.
fn start_extraction(work: &Path) -> Child {
    let big = big();
    Command::new(assert_cmd::cargo::cargo_bin("airlock"))
        .env_remove("RUST_BACKTRACE")
        .env("AIRLOCK_ROOT", work.join("state"))
        .arg("install")
        .arg(&big.bundle)
        .arg("--trust")
        .arg(&big.public)
        .arg("--extract-only")
        .arg("--extract-to")
        .arg(work.join("Components"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until the staging folder in `work` holds at least 16 MiB; returns it.
fn staging_under_way(work: &Path, child: &mut Child) -> PathBuf {
    let start = Instant::now();
    loop {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the extraction ended before it could be interrupted"
        );
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no staging folder appeared"
        );
        for entry in fs::read_dir(work).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(".Components.") && name.ends_with(".partial") {
                let staged = fs::metadata(entry.path().join("big.bin")).map_or(0, |m| m.len());
                if staged >= 16 << 20 {
                    return entry.path();
                }
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn send(signal: &str, child: &Child) {
    let status = Command::new("kill")
        .args(["-s", signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -s {signal}");
}

/// A work folder with an empty state root (so no machine-wide trusted key is seen).
fn work() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("state")).unwrap();
    dir
}

/// Interrupts an extraction into `work` with `signal`; returns its output,
/// its staging folder and what is left in `work`.
fn interrupted_by(signal: &str, work: &Path) -> (Output, PathBuf, Vec<String>) {
    let mut child = start_extraction(work);
    let staging = staging_under_way(work, &mut child);
    send(signal, &child);
    let output = child.wait_with_output().unwrap();
    (output, staging, listing(work))
}

fn assert_cleaned_up(signal: &str) {
    let work = work();
    let (output, staging, left) = interrupted_by(signal, work.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{signal}: {stderr}");
    assert!(
        stderr.contains("interrupted; removed the unfinished work")
            && stderr.contains(&staging.display().to_string()),
        "{signal}: {stderr}"
    );
    // No staging folder, no partial file, no lock file, no destination.
    assert_eq!(left, vec!["state/"], "{signal}");
}

#[test]
fn sigint_removes_the_staging_folder_and_exits_130() {
    assert_cleaned_up("INT");
}

#[test]
fn sigterm_removes_the_staging_folder() {
    assert_cleaned_up("TERM");
}

#[test]
fn sighup_removes_the_staging_folder() {
    assert_cleaned_up("HUP");
}

#[test]
fn after_a_sigkill_the_next_run_removes_what_it_left_and_says_so() {
    let dir = work();
    let work = dir.path();
    let (output, staging, left) = interrupted_by("KILL", work);
    assert_eq!(output.status.code(), None, "killed, no exit code");
    let name = staging.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        left.contains(&format!("{name}/")) && left.contains(&format!("{name}/big.bin")),
        "a SIGKILL leaves the staging folder: {left:?}"
    );

    let again = start_extraction(work).wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(again.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("removed {}", staging.display()))
            && stderr.contains("was stopped (killed or crashed) before it finished"),
        "{stderr}"
    );
    assert_eq!(
        listing(work),
        vec![
            "Components/",
            "Components/big.bin",
            "Components/itms.pl.xml",
            "state/"
        ]
    );
    assert_eq!(
        fs::metadata(work.join("Components/big.bin")).unwrap().len(),
        BIG
    );
}
