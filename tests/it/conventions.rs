//! What a command-line tool is expected to have: completion scripts for the
//! four shells, a manual page, a `--version` that says what the build can do,
//! global `-q`/`-v`, `NO_COLOR`, and a top-level `--help` with examples.

use crate::common;
use assert_cmd::Command;
use common::faults::{Fault, FaultServer};
use predicates::str::contains;

const SITE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/site");

fn airlock() -> Command {
    let mut cmd = Command::cargo_bin("airlock").unwrap();
    cmd.env_remove("RUST_BACKTRACE")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE");
    cmd
}

fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.assert().success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

#[test]
fn completions_are_written_for_the_four_shells_and_know_every_command() {
    for (shell, marker) in [
        ("bash", "complete -F _airlock"),
        ("zsh", "#compdef airlock"),
        ("fish", "complete -c airlock"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let script = stdout_of(airlock().args(["completions", shell]));
        assert!(script.contains(marker), "{shell}: {script}");
        for word in [
            "build",
            "install",
            "history",
            "completions",
            "sign-key",
            "quiet",
        ] {
            assert!(script.contains(word), "{shell} script lacks {word}");
        }
    }
}

#[test]
fn the_bash_script_is_valid_bash() {
    let script = stdout_of(airlock().args(["completions", "bash"]));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("airlock.bash");
    std::fs::write(&path, script).unwrap();
    let status = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn a_shell_not_offered_is_a_usage_error_naming_the_four() {
    airlock()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stderr(contains("bash, zsh, fish, powershell"));
}

#[test]
fn the_man_page_is_roff_from_the_same_definitions_as_help() {
    let page = stdout_of(airlock().arg("man"));
    assert!(page.contains(".TH airlock 1"), "{page}");
    for word in [
        "NAME",
        "SYNOPSIS",
        "completions",
        "support\\-package",
        "quiet",
    ] {
        assert!(page.contains(word), "the page lacks {word}:\n{page}");
    }
    let build = stdout_of(airlock().args(["man", "build"]));
    assert!(build.contains(".TH airlock-build 1"), "{build}");
    assert!(build.contains("sign\\-key"), "{build}");
}

#[test]
fn a_man_page_for_a_command_that_is_not_there_is_a_usage_error() {
    airlock()
        .args(["man", "nosuch"])
        .assert()
        .code(2)
        .stderr(contains("airlock has no command \"nosuch\""))
        .stderr(contains("build, keygen"));
}

#[test]
fn version_names_the_features_and_the_bundle_format() {
    let expected = format!(
        "airlock {} (features: net; bundle format {})\n",
        env!("CARGO_PKG_VERSION"),
        bundle_format::manifest::FORMAT_VERSION
    );
    assert_eq!(stdout_of(airlock().arg("--version")), expected);
    assert_eq!(stdout_of(airlock().arg("-V")), expected);
}

#[test]
fn no_color_turns_colour_off_even_when_it_is_forced() {
    let help = |no_color: Option<&str>| {
        let mut cmd = airlock();
        cmd.arg("--help").env("CLICOLOR_FORCE", "1");
        if let Some(value) = no_color {
            cmd.env("NO_COLOR", value);
        }
        stdout_of(&mut cmd)
    };
    assert!(help(None).contains("\x1b["), "colour is forced");
    assert!(!help(Some("1")).contains("\x1b["), "NO_COLOR wins");
    // An empty NO_COLOR is as if it were not set (no-color.org).
    assert!(help(Some("")).contains("\x1b["));
    let error = airlock()
        .arg("--nosuch")
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .assert()
        .code(2);
    assert!(!String::from_utf8_lossy(&error.get_output().stderr).contains("\x1b["));
}

#[test]
fn the_top_level_help_shows_the_whole_loop() {
    let help = stdout_of(airlock().arg("--help"));
    for step in [
        "Examples, the whole loop:",
        "airlock keygen --out keys/builder",
        "airlock build --listing",
        "airlock install ITMS.exe --trust builder.pub",
        "airlock history export --out srv01.xml",
        "--history srv01.xml",
        "-q, --quiet",
        "-v, --verbose",
    ] {
        assert!(help.contains(step), "--help lacks {step:?}:\n{help}");
    }
}

#[test]
fn quiet_and_verbose_together_are_a_usage_error() {
    airlock()
        .args(["-q", "-v", "status"])
        .assert()
        .code(2)
        .stderr(contains("cannot be used with"));
}

/// A listing that fails once: `-v` says which, why, and that it is tried
/// again; without `-v` the retry is silent. Both succeed.
#[test]
fn verbose_says_why_a_download_is_tried_again() {
    let run = |verbose: bool| {
        let server = FaultServer::start();
        let body = std::fs::read(format!("{SITE}/itms.pl.xml")).unwrap();
        let url = server.add("itms.pl.xml", body, vec![Fault::Status(503)], vec![]);
        let config = tempfile::tempdir().unwrap();
        let mut cmd = airlock();
        cmd.env("AIRLOCK_CONFIG", config.path());
        if verbose {
            cmd.arg("-v");
        }
        let out = cmd.args(["products", "--listing", &url]).assert().success();
        assert_eq!(server.requests("itms.pl.xml"), 2);
        String::from_utf8_lossy(&out.get_output().stderr).into_owned()
    };
    let said = run(true);
    assert!(
        said.contains("attempt 1 failed (")
            && said.contains("503")
            && said.contains("trying again in"),
        "{said}"
    );
    assert!(!run(false).contains("trying again"));
}
