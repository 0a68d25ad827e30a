//! Standard output that cannot be written, through the real binary: a reader
//! that went away ends the program quietly (no panic, no backtrace), a full
//! disk is exit 1 with a plain message; `--help` and `--version` keep the same
//! rule, and a stderr that cannot be written (closed, `/dev/full`) never
//! changes how a command ends.

use assert_cmd::cargo::CommandCargoExt;
use std::process::{Command, Stdio};

const LISTING: &str = "fixtures/site/itms.pl.xml";

fn airlock(args: &[&str]) -> Command {
    let mut command = Command::cargo_bin("airlock").unwrap();
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        // A panic would print a backtrace with this set: the tests prove there is none.
        .env("RUST_BACKTRACE", "1")
        .args(args)
        .stderr(Stdio::piped());
    command
}

#[test]
fn a_full_disk_on_stdout_is_exit_1_with_a_message() {
    for args in [
        &["products", "--listing", LISTING, "--json"][..],
        &[
            "products",
            "--listing",
            LISTING,
            "--all-versions",
            "--hotfixes",
        ],
        &["plan", "--listing", LISTING, "--select", "cms"],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = airlock(args).stdout(full).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(
            stderr,
            "error: cannot write to standard output: No space left on device (os error 28)\n",
            "{args:?}"
        );
    }
}

#[test]
fn a_closed_pipe_ends_the_program_quietly() {
    for args in [
        &["products", "--listing", LISTING, "--json"][..],
        &["products", "--listing", LISTING, "--all-versions"],
        &["plan", "--listing", LISTING, "--select", "cms", "--json"],
    ] {
        // The reading end is closed before the program starts: its first write fails.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = airlock(args).stdout(writer).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
}

fn full() -> std::fs::File {
    std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap()
}

/// The `cache` commands on an empty cache folder of their own.
fn cache_commands(dir: &std::path::Path) -> Vec<Vec<String>> {
    let cache = dir.display().to_string();
    vec![
        vec![
            "cache".into(),
            "list".into(),
            "--cache".into(),
            cache.clone(),
        ],
        vec![
            "cache".into(),
            "prune".into(),
            "--all".into(),
            "--cache".into(),
            cache,
        ],
    ]
}

#[test]
fn cache_list_and_prune_end_quietly_on_a_closed_pipe_and_fail_on_a_full_disk() {
    let dir = tempfile::tempdir().unwrap();
    for args in cache_commands(dir.path()) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = airlock(&args).stdout(writer).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");

        let out = airlock(&args).stdout(full()).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(
            stderr,
            "error: cannot write to standard output: No space left on device (os error 28)\n",
            "{args:?}"
        );
    }
}

#[test]
fn help_and_version_to_a_full_disk_are_exit_1_and_to_a_closed_pipe_exit_0() {
    for args in [
        &["--help"][..],
        &["--version"],
        &["build", "--help"],
        &["cache", "list", "--help"],
    ] {
        let out = airlock(args).stdout(full()).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(
            stderr,
            "error: cannot write to standard output: No space left on device (os error 28)\n",
            "{args:?}"
        );

        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = airlock(args).stdout(writer).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
}

#[test]
fn a_stderr_that_cannot_be_written_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::write(&root, "a file, not a folder").unwrap();
    let root = root.display().to_string();
    let key = dir.path().join("k").display().to_string();
    // (arguments, the exit code the command has whatever stderr is)
    for (args, code) in [
        (&["products", "--listing", "missing.pl.xml"][..], 1),
        (&["status", "--root", &root], 1),
        (
            &[
                "plan",
                "--listing",
                LISTING,
                "--select",
                "nothing-of-that-name",
            ],
            5,
        ),
        (&["verify"], 2),
        // Succeeds, saying its fingerprint on stderr.
        (&["keygen", "--out", &key], 0),
    ] {
        let out = airlock(args)
            .stdout(Stdio::null())
            .stderr(full())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(code), "{args:?}");
        // Also with stderr a closed pipe.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let _ = std::fs::remove_file(format!("{key}.key"));
        let _ = std::fs::remove_file(format!("{key}.pub"));
        let out = airlock(args)
            .stdout(Stdio::null())
            .stderr(writer)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(code), "{args:?} (closed stderr)");
        let _ = std::fs::remove_file(format!("{key}.key"));
        let _ = std::fs::remove_file(format!("{key}.pub"));
    }
}
