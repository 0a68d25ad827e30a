//! The Windows runner, for real under Wine: `airlock.exe` cross-built for
//! x86_64-pc-windows-gnu, embedded by the Linux builder (given, or found
//! beside airlock or through AIRLOCK_RUNNER), installs its bundle
//! through Wine's own msiexec with its state in C:\ProgramData\Airlock; the
//! exit codes Linux sees are the contract's; registry checks and restart
//! markers are read from the prefix's registry; the Windows build with default
//! features builds a bundle from the loopback site; run alone on a console, it
//! holds its window with the result until a key is pressed; property values
//! reach Wine's msiexec as one property each, read back from its log.

use crate::common;

use common::bundle::{KeyFiles, airlock, key_files, run_written, write_package};
use common::runner::{Wine, msi_step, package};
use common::stderr;
use common::windows::{self, reg, run};
use predicates::str::contains;
use std::path::Path;
use std::process::Command;

const SITE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/site");
const VENDOR_KEY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/keys/vendor-test.pub");

/// A Wine prefix where the Windows runner starts, a folder, and a key pair
/// in it; `None` (skip) without Wine outside CI.
fn setup(test: &str, seed: u8) -> Option<(Wine, tempfile::TempDir, KeyFiles)> {
    if !common::require_tools(test, &["wine", "wineserver"]) {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let keys = key_files(dir.path(), "builder", seed);
    Some((windows::prefix(), dir, keys))
}

/// Flips one byte of the file, `back` bytes from its end.
fn flip(path: &Path, back: usize) {
    let mut bytes = std::fs::read(path).unwrap();
    let at = bytes.len() - back;
    bytes[at] ^= 1;
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_bundle_built_on_linux_installs_under_wine_and_its_kept_runner_manages_the_machine() {
    let Some((wine, dir, keys)) = setup("a_bundle_built_on_linux_installs_under_wine", 21) else {
        return;
    };
    let runner = windows::runner();
    let site = common::http::serve_dir(SITE);
    let bundle_dir = dir.path().join("usb");
    std::fs::create_dir(&bundle_dir).unwrap();
    let bundle = bundle_dir.join("Bundle.exe");
    airlock(&dir.path().join("linux-state"))
        .args([
            "build",
            "--quiet",
            "--select",
            "nw-gateway",
            "--vendor-key",
            VENDOR_KEY,
        ])
        .arg("--listing")
        .arg(format!("{site}northwind.pl.xml"))
        .arg("--sign-key")
        .arg(&keys.secret)
        .arg("--cache")
        .arg(dir.path().join("cache"))
        .arg("--runner")
        .arg(&runner)
        .arg("--out")
        .arg(&bundle)
        .assert()
        .success();
    assert!(
        std::fs::read(&bundle)
            .unwrap()
            .starts_with(&std::fs::read(&runner).unwrap()),
        "the bundle starts with the Windows runner"
    );
    let install = |exe: &Path| {
        let mut cmd = run(&wine, exe, exe.parent().unwrap());
        cmd.args(["--yes", "--trust"]).arg(&keys.public);
        cmd
    };

    // A tampered copy: exit 3, nothing extracted.
    let tampered_dir = dir.path().join("tampered");
    std::fs::create_dir(&tampered_dir).unwrap();
    let tampered = tampered_dir.join("Bundle.exe");
    std::fs::copy(&bundle, &tampered).unwrap();
    flip(&tampered, 5000);
    let out = install(&tampered).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("verification failed"),
        "{}",
        stderr(&out)
    );
    assert!(
        !tampered_dir.join("Northwind Systems/Components").exists(),
        "nothing extracted from a tampered bundle"
    );

    // Without the gateway's key its MSI refuses: exit 7 after the agent's step.
    let agent_txt = wine.c("Program Files/Northwind/Northwind Backup Agent/nw-backup-agent.txt");
    let gateway_txt = wine.c("Program Files/Northwind/Northwind Gateway/nw-gateway.txt");
    let out = install(&bundle).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(7), "{err}");
    assert!(
        err.contains("step 2 of 2") && err.contains("ended with exit code 1603"),
        "{err}"
    );
    assert!(
        err.contains(r"Its log: C:\ProgramData\Airlock\logs\"),
        "the log named with its drive letter: {err}"
    );
    assert!(!err.contains(r"\\?\"), "{err}");
    assert!(agent_txt.exists() && !gateway_txt.exists());

    // With its answer the same bundle resumes at the gateway, through Wine's own msiexec.
    let answers = dir.path().join("answers.toml");
    std::fs::write(&answers, "[nw-gateway]\nGATEWAY_KEY = 'gw-key-5150'\n").unwrap();
    let out = install(&bundle)
        .arg("--answers")
        .arg(&answers)
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("[1/2] nw-backup-agent 3.2.0.410: skipped (done by an earlier run)"),
        "{err}"
    );
    assert!(
        err.contains(r"Northwind Systems\Components (signed by trusted key"),
        "extracted next to the bundle, shown the Windows way: {err}"
    );
    assert!(
        bundle_dir
            .join("Northwind Systems/Components/nw-gateway-3.2.0.410.msi")
            .is_file()
    );
    assert!(
        std::fs::read_to_string(&gateway_txt)
            .unwrap()
            .starts_with("Northwind Gateway 3.2.0.410")
    );
    let root = wine.c("ProgramData/Airlock");
    let kept = root.join("runner/airlock.exe");
    assert_eq!(
        std::fs::read(&kept).unwrap(),
        std::fs::read(&runner).unwrap()
    );
    assert_eq!(
        common::runner::files_containing(&root, b"gw-key-5150"),
        Vec::<std::path::PathBuf>::new()
    );

    // The runner kept in C:\ProgramData\Airlock works once the bundle is gone.
    std::fs::remove_file(&bundle).unwrap();
    let status = |wine: &Wine| -> serde_json::Value {
        let out = run(wine, &kept, dir.path())
            .args(["status", "--json"])
            .assert()
            .success();
        serde_json::from_slice(&out.get_output().stdout).unwrap()
    };
    let ids = |s: &serde_json::Value| -> Vec<String> {
        s["products"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&status(&wine)), ["nw-backup-agent", "nw-gateway"]);
    run(&wine, &kept, dir.path())
        .arg("--version")
        .assert()
        .success()
        .stdout(contains("(features: offline-only; bundle format 1)"));
    run(&wine, &kept, dir.path())
        .args(["history", "export", "--out", r"C:\history.xml"])
        .assert()
        .success()
        .stderr(contains(r"wrote C:\history.xml (2 products"));
    let history = std::fs::read_to_string(wine.c("history.xml")).unwrap();
    assert!(
        history.contains(r#"<product id="nw-gateway" version="3.2.0.410""#),
        "{history}"
    );
    run(&wine, &kept, dir.path())
        .args(["uninstall", "nw-gateway", "--yes"])
        .assert()
        .success();
    assert!(!gateway_txt.exists() && agent_txt.exists());
    assert_eq!(ids(&status(&wine)), ["nw-backup-agent"]);
}

/// `airlock build` of the Northwind backup agent by `airlock` (a program
/// file), with no --runner and no AIRLOCK_RUNNER unless set after.
fn build_agent(airlock: &Path, site: &str, keys: &KeyFiles, dir: &Path, out: &Path) -> Command {
    let mut cmd = Command::new(airlock);
    cmd.env_remove("RUST_BACKTRACE")
        .env_remove("AIRLOCK_RUNNER")
        .args(["build", "--quiet", "--select", "nw-backup-agent"])
        .args(["--vendor-key", VENDOR_KEY, "--listing"])
        .arg(format!("{site}northwind.pl.xml"))
        .arg("--sign-key")
        .arg(&keys.secret)
        .arg("--cache")
        .arg(dir.join("cache"))
        .arg("--out")
        .arg(out);
    cmd
}

/// A copy of the Linux airlock in a folder of its own, `dir/NAME/airlock`.
fn airlock_copy(dir: &Path, name: &str) -> std::path::PathBuf {
    let folder = dir.join(name);
    std::fs::create_dir_all(&folder).unwrap();
    let copy = folder.join("airlock");
    std::fs::copy(assert_cmd::cargo::cargo_bin("airlock"), &copy).unwrap();
    copy
}

#[test]
fn a_bundle_built_with_no_runner_given_embeds_the_windows_runner_found_and_installs_under_wine() {
    let Some((wine, dir, keys)) = setup("a_bundle_built_with_no_runner_given", 24) else {
        return;
    };
    let runner = windows::runner();
    let site = common::http::serve_dir(SITE);
    // The runner kept beside a copy of airlock; another copy, alone, told
    // by the environment.
    let beside = airlock_copy(dir.path(), "with-runner");
    std::fs::copy(&runner, beside.with_file_name("airlock-runner.exe")).unwrap();
    let alone = airlock_copy(dir.path(), "alone");
    let mut built = Vec::new();
    for (program, env, name) in [(&beside, None, "beside"), (&alone, Some(&runner), "env")] {
        let folder = dir.path().join(name);
        std::fs::create_dir(&folder).unwrap();
        let bundle = folder.join("Bundle.exe");
        let mut cmd = build_agent(program, &site, &keys, dir.path(), &bundle);
        if let Some(runner) = env {
            cmd.env("AIRLOCK_RUNNER", runner);
        }
        let out = run_written(&mut cmd);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(
            std::fs::read(&bundle)
                .unwrap()
                .starts_with(&std::fs::read(&runner).unwrap()),
            "{name}: the bundle starts with the Windows runner"
        );
        let shown = common::bundle::json_of(
            airlock(&dir.path().join("linux-state"))
                .arg("inspect")
                .arg(&bundle),
        );
        assert_eq!(
            shown["runnerIdentity"]["platform"],
            serde_json::json!({"os": "windows", "arch": "x86_64"}),
            "{name}"
        );
        assert_eq!(shown["runnerIdentity"]["marker"]["program"], "airlock");
        built.push(bundle);
    }

    // Each installs through Wine's own msiexec, in a prefix of its own.
    let agent = "Program Files/Northwind/Northwind Backup Agent/nw-backup-agent.txt";
    for (bundle, wine) in built.iter().zip([wine, windows::prefix()]) {
        run(&wine, bundle, bundle.parent().unwrap())
            .args(["--yes", "--trust"])
            .arg(&keys.public)
            .assert()
            .success();
        assert!(
            std::fs::read_to_string(wine.c(agent))
                .unwrap()
                .starts_with("Northwind Backup Agent 3.2.0.410"),
            "{}",
            bundle.display()
        );
        assert!(wine.c("ProgramData/Airlock/runner/airlock.exe").is_file());
    }
}

#[test]
fn registry_checks_and_pending_restart_markers_are_read_from_the_registry() {
    let Some((wine, dir, keys)) = setup("registry_checks_and_pending_restart_markers", 22) else {
        return;
    };
    const KEY: &str = r"HKLM\Software\Airlock Tests\Prerequisite";
    let mut agent = msi_step("nw-backup-agent", "3.2.0.410");
    agent.0.checks.push(airlock::package::Check {
        kind: airlock::package::CheckName::RegistryKey,
        severity: airlock::listing::Severity::Block,
        min_bytes: None,
        family: None,
        min_version: None,
        path: None,
        key: Some(KEY.into()),
    });
    let (p, files) = package(vec![agent], Vec::new());
    let bundle = dir.path().join("Bundle.exe");
    let runner = std::fs::read(windows::runner()).unwrap();
    write_package(&bundle, &runner, &p, &files, &keys.key, Some(1_790_000_000));
    let install = || {
        let mut cmd = run(&wine, &bundle, dir.path());
        cmd.args(["--yes", "--trust"]).arg(&keys.public);
        cmd
    };
    let check = format!("registry key {KEY} exists");

    install()
        .assert()
        .code(4)
        .stderr(contains(format!(
            "[NOT MET] nw-backup-agent (Northwind Backup Agent): {check}: missing"
        )))
        .stderr(contains("readiness checks not met, nothing was changed"));

    reg(&wine, &["add", KEY, "/f"]);
    const UPDATE: &str =
        r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired";
    reg(&wine, &["add", UPDATE, "/f"]);
    install()
        .assert()
        .code(4)
        .stderr(contains(format!(
            "[met] nw-backup-agent (Northwind Backup Agent): {check}: found"
        )))
        .stderr(contains(format!(
            "[NOT MET] no pending restart: Windows Update waits for a restart ({UPDATE})"
        )));
    reg(&wine, &["delete", UPDATE, "/f"]);

    const SESSION: &str = r"HKLM\SYSTEM\CurrentControlSet\Control\Session Manager";
    reg(
        &wine,
        &[
            "add",
            SESSION,
            "/v",
            "PendingFileRenameOperations",
            "/t",
            "REG_MULTI_SZ",
            "/d",
            r"\??\C:\windows\old.dll",
            "/f",
        ],
    );
    install().assert().code(4).stderr(contains(
        "[NOT MET] no pending restart: files wait to be replaced at the next start",
    ));
    reg(
        &wine,
        &["delete", SESSION, "/v", "PendingFileRenameOperations", "/f"],
    );

    install()
        .assert()
        .success()
        .stderr(contains("[met] no pending restart: none"));
    assert!(
        wine.c("Program Files/Northwind/Northwind Backup Agent/nw-backup-agent.txt")
            .exists()
    );
}

#[test]
fn the_windows_build_with_default_features_builds_a_bundle_that_linux_verifies() {
    let Some((wine, dir, keys)) = setup(
        "the_windows_build_with_default_features_builds_a_bundle",
        23,
    ) else {
        return;
    };
    let builder = windows::builder();
    run(&wine, &builder, dir.path())
        .arg("--version")
        .assert()
        .success()
        .stdout(contains("(features: net; bundle format 1)"));
    let site = common::http::serve_dir(SITE);
    run(&wine, &builder, dir.path())
        .args(["build", "--quiet", "--select", "nw-console"])
        .arg("--listing")
        .arg(format!("{site}northwind.pl.xml"))
        .args(["--sign-key", "builder.key", "--vendor-key"])
        .arg(format!("Z:{}", VENDOR_KEY.replace('/', "\\")))
        .args(["--cache", "cache", "--out", "Windows-Built.exe"])
        .assert()
        .success();
    let bundle = dir.path().join("Windows-Built.exe");
    assert!(
        std::fs::read(&bundle)
            .unwrap()
            .starts_with(&std::fs::read(&builder).unwrap()),
        "a Windows build embeds itself as the runner"
    );
    let verified = common::bundle::json_of(
        airlock(&dir.path().join("state"))
            .arg("verify")
            .arg(&bundle)
            .arg("--trust")
            .arg(&keys.public),
    );
    assert_eq!(verified["valid"], true);
    let mut names: Vec<&str> = verified["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "northwind.pl.xml",
            "northwind.pl.xml.sig",
            "nw-backup-agent-3.2.0.410.msi",
            "nw-console-3.2.0.410.msi"
        ]
    );
}

#[test]
fn alone_on_its_console_it_shows_the_result_and_waits_for_a_key() {
    let Some((wine, dir, _)) = setup("alone_on_its_console_it_shows_the_result", 24) else {
        return;
    };
    if !common::require_tools("alone_on_its_console_it_shows_the_result", &["tmux"]) {
        return;
    }
    let runner = windows::runner();
    let vars: Vec<String> = wine
        .vars()
        .iter()
        .map(|(k, v)| format!("{k}='{}'", v.to_string_lossy()))
        .collect();
    let rc = |name: &str| dir.path().join(name);
    // Under a terminal, `wine airlock.exe` is the only process on its console,
    // as when Explorer starts it; with its input redirected it does not wait.
    let command = |input: &str, name: &str| {
        format!(
            "env -u RUST_BACKTRACE {vars} wine {runner} join 'Z:\\missing.exe.001' {input}; \
             echo $? > {rc}.tmp; mv {rc}.tmp {rc}; sleep 30",
            vars = vars.join(" "),
            runner = runner.display(),
            rc = rc(name).display()
        )
    };
    let held = common::terminal::Session::start("console", &command("", "held"));
    held.when("Press any key to close this window...", &[]);
    let screen = held.screen();
    assert!(
        screen.contains(
            "airlock finished: stopped: the bundle failed verification (exit code 3); \
             the messages above say more"
        ) && screen.contains(r"Z:\missing.exe.parts"),
        "{screen}"
    );

    let free = common::terminal::Session::start("redirected", &command("< /dev/null", "free"));
    common::wait_for("the run with redirected input", || rc("free").exists());
    assert_eq!(std::fs::read_to_string(rc("free")).unwrap().trim(), "3");
    assert!(!free.screen().contains("Press any key"));

    // A whole other run has started and ended meanwhile: the first still waits.
    assert!(!rc("held").exists(), "it waits for a key");
    held.when("Press any key", &["x"]);
    common::wait_for("the held run", || rc("held").exists());
    assert_eq!(std::fs::read_to_string(rc("held")).unwrap().trim(), "3");
}

#[test]
fn the_windows_runner_passes_each_value_as_one_property_and_masks_any_secret() {
    let Some((wine, dir, keys)) = setup("the_windows_runner_passes_each_value_as_one_property", 23)
    else {
        return;
    };
    let (p, files) = common::runner::gateway_with_properties();
    let bundle = dir.path().join("Bundle.exe");
    let runner = std::fs::read(windows::runner()).unwrap();
    write_package(&bundle, &runner, &p, &files, &keys.key, Some(1_790_000_000));
    let install_with = |properties: &str| {
        common::runner::gateway_answers(&dir.path().join("answers.toml"), properties);
        let mut cmd = run(&wine, &bundle, dir.path());
        cmd.args(["--yes", "--answers", "answers.toml", "--trust"])
            .arg(&keys.public);
        cmd.output().unwrap()
    };

    // Wine's msiexec drops a `"` and runs an empty value into the next
    // property: the runner finds Wine underneath and refuses both.
    for (value, why) in [
        (
            r#"'x" INSTALLDIR=C:\injected2 REBOOT=ReallySuppress'"#,
            "double quote",
        ),
        ("''", "is empty"),
        ("\"tab\\there\"", "control character"),
    ] {
        let out = install_with(&format!("BACKUP_TARGET = {value}"));
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{value}: {err}");
        assert!(
            err.contains("[nw-gateway] BACKUP_TARGET in ") && err.contains(why),
            "{value}: {err}"
        );
    }

    // Quoted for msiexec by the runner itself: a final backslash stays one.
    let target = r"x INSTALLDIR=C:\injected2 REBOOT=ReallySuppress";
    let note = r"C:\Program Files\Backup; a=b\";
    let out = install_with(&format!("BACKUP_TARGET = '{target}'\nNOTE = '{note}'"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        wine.c("Program Files/Northwind/Northwind Gateway/nw-gateway.txt")
            .exists()
    );
    assert!(!wine.c("injected2").exists());
    let log = common::runner::installer_log(
        &wine.c("ProgramData/Airlock"),
        "01-nw-gateway-3.2.0.410.log",
    );
    common::runner::gateway_logged(&log, target, note);
}
