//! Standard output that cannot be written, through the real binary: a reader
//! that went away ends the program quietly (no panic, no backtrace), a full
//! disk is exit 1 with a plain message.

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
