//! The runner's record under stress and its guards, through the real binary:
//! two installs on one root, SIGKILL between steps and inside a record write,
//! a tampered bundle, secrets, the exported history's bytes, missing answers,
//! blocking checks, critical updates, rollback, the runner kept in ROOT, and
//! symbolic links in ROOT neither written through nor sent in a support package.
//! The installer backend here is a recording script (see common::runner): the
//! subject is the record, and Wine's installs are tested in runner_wine.rs.

use crate::common;

use airlock::package::CriticalUpdate;
use common::bundle::{airlock, json_of};
use common::runner::{Builder, Files, Recorder, files_containing, msi_step, package, property};
use common::{stderr, wait_for};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

/// A state root, a builder with its key, the recording backend, and a
/// three-step bundle (agent, gateway with a secret property, console).
struct Setup {
    root: tempfile::TempDir,
    builder: Builder,
    rec: Recorder,
    bundle: PathBuf,
}

fn three_steps() -> (airlock::package::Package, Files) {
    let agent = msi_step("nw-backup-agent", "3.2.0.410");
    let mut gateway = msi_step("nw-gateway", "3.2.0.410");
    gateway.0.properties = vec![property("GATEWAY_KEY", false, true)];
    let console = msi_step("nw-console", "3.2.0.410");
    package(vec![agent, gateway, console], Vec::new())
}

fn setup() -> Setup {
    let builder = Builder::new();
    let (p, files) = three_steps();
    let bundle = builder.bundle("nw", &p, &files, 1_790_000_000);
    Setup {
        root: tempfile::tempdir().unwrap(),
        builder,
        rec: Recorder::new(),
        bundle,
    }
}

impl Setup {
    fn install_of(&self, bundle: &Path) -> assert_cmd::Command {
        let mut cmd = airlock(self.root.path());
        cmd.args(["install", "--yes", "--msiexec", &self.rec.command()])
            .arg(bundle)
            .arg("--trust")
            .arg(&self.builder.keys.public)
            .env_remove("DELAY")
            .env_remove(airlock::state::PAUSE_ENV);
        cmd
    }

    fn install(&self) -> assert_cmd::Command {
        self.install_of(&self.bundle)
    }

    /// The install started in the background, with `env` set.
    fn spawn(&self, env: &[(&str, &str)]) -> Child {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin!("airlock"));
        cmd.env_remove("RUST_BACKTRACE")
            .env("AIRLOCK_ROOT", self.root.path())
            .args(["install", "--yes", "--msiexec", &self.rec.command()])
            .arg(&self.bundle)
            .arg("--trust")
            .arg(&self.builder.keys.public)
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        cmd.spawn().unwrap()
    }

    fn record(&self) -> Value {
        serde_json::from_slice(&std::fs::read(self.root.path().join("record.json")).unwrap())
            .unwrap()
    }

    fn components(&self) -> PathBuf {
        self.bundle.parent().unwrap().join("Northwind/Components")
    }
}

/// How many temporary files of an atomic write are in `dir`.
fn temporaries(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .count()
}

/// Which MSI each recorded call ran, in order.
fn ran(rec: &Recorder) -> Vec<String> {
    rec.calls()
        .iter()
        .map(|c| {
            let file = c.split(' ').nth(1).unwrap_or_default();
            file.rsplit('\\')
                .next()
                .unwrap()
                .trim_end_matches("-3.2.0.410.msi")
                .to_string()
        })
        .collect()
}

#[test]
fn a_second_install_on_the_same_root_refuses_naming_the_first() {
    let s = setup();
    let first = s.spawn(&[("DELAY", "2")]);
    wait_for("the first install to run a step", || {
        !s.rec.calls().is_empty()
    });
    let out = s.install().output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("in use by another airlock process"), "{err}");
    assert!(
        err.contains(&format!("process {} (airlock install", first.id())),
        "{err}"
    );
    let first = first.wait_with_output().unwrap();
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(ran(&s.rec), ["nw-backup-agent", "nw-gateway", "nw-console"]);
}

#[test]
fn killed_between_steps_the_record_is_true_and_the_next_run_resumes() {
    let s = setup();
    let mut child = s.spawn(&[("DELAY", "1")]);
    wait_for("the second step to start", || s.rec.calls().len() == 2);
    child.kill().unwrap();
    child.wait().unwrap();

    let record = s.record();
    assert_eq!(record["journal"]["done"], serde_json::json!([0]));
    assert_eq!(record["journal"]["running"], 1);
    let ids: Vec<&String> = record["products"].as_object().unwrap().keys().collect();
    assert_eq!(ids, ["nw-backup-agent"]);
    let status = json_of(airlock(s.root.path()).arg("status"));
    assert_eq!(status["interrupted"]["stepsDone"], 1);

    s.install().assert().success();
    assert_eq!(
        ran(&s.rec),
        ["nw-backup-agent", "nw-gateway", "nw-gateway", "nw-console"],
        "the finished step is not run again; the interrupted one is"
    );
    assert!(s.record()["journal"].is_null());
    assert_eq!(s.record()["products"].as_object().unwrap().len(), 3);
}

#[test]
fn killed_inside_a_record_write_the_previous_record_stands_and_the_next_run_resumes() {
    let s = setup();
    // Writes: the listing received, the journal, step 1 running, step 1 done (the 4th).
    let mut child = s.spawn(&[(airlock::state::PAUSE_ENV, "4")]);
    let marker = s.root.path().join(".paused-in-write");
    // The marker is created, then written: wait for what it says.
    wait_for("the fourth write to pause", || {
        std::fs::read_to_string(&marker).is_ok_and(|said| !said.is_empty())
    });
    assert!(
        std::fs::read_to_string(&marker)
            .unwrap()
            .ends_with("record.json")
    );
    child.kill().unwrap();
    child.wait().unwrap();

    assert_eq!(
        temporaries(s.root.path()),
        1,
        "the write was cut between temp file and rename"
    );
    let record = s.record();
    assert_eq!(record["journal"]["running"], 0);
    assert!(record["products"].as_object().unwrap().is_empty());
    assert!(s.root.path().join("record.json.bak").exists());

    s.install().assert().success();
    assert_eq!(
        ran(&s.rec),
        [
            "nw-backup-agent",
            "nw-backup-agent",
            "nw-gateway",
            "nw-console"
        ]
    );
    assert_eq!(s.record()["products"].as_object().unwrap().len(), 3);
    assert_eq!(
        temporaries(s.root.path()),
        0,
        "the next locked run sweeps the leftover"
    );
}

#[test]
fn a_tampered_bundle_extracts_and_installs_nothing() {
    let s = setup();
    let layout = bundle_format::inspect(&s.bundle).unwrap().layout;
    let mut bytes = std::fs::read(&s.bundle).unwrap();
    bytes[(layout.payload.offset + layout.payload.len / 2) as usize] ^= 0x40;
    std::fs::write(&s.bundle, bytes).unwrap();
    let out = s.install().output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(s.rec.calls().is_empty());
    assert!(!s.components().exists());
    assert!(!s.root.path().join("record.json").exists());
}

#[test]
fn a_secret_reaches_the_installer_and_nothing_else() {
    let s = setup();
    let answers = s.builder.dir.path().join("answers.toml");
    std::fs::write(&answers, "[nw-gateway]\nGATEWAY_KEY = 'S3cret-Value-11'\n").unwrap();
    let out = s.install().arg("--answers").arg(&answers).output().unwrap();
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        s.rec.calls()[1].contains("GATEWAY_KEY=S3cret-Value-11"),
        "the installer got it"
    );
    assert!(
        !err.contains("S3cret-Value-11") && err.contains("GATEWAY_KEY=******"),
        "{err}"
    );
    assert_eq!(
        files_containing(s.root.path(), b"S3cret-Value-11"),
        Vec::<PathBuf>::new()
    );
    let logs = files_containing(s.root.path(), b"GATEWAY_KEY=******");
    assert_eq!(logs.len(), 1, "the step's log, scrubbed: {logs:?}");

    let out_dir = tempfile::tempdir().unwrap();
    let out = airlock(s.root.path())
        .args(["support-package", "--out"])
        .arg(out_dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let zip_path = PathBuf::from(String::from_utf8(out.stdout).unwrap().trim());
    let name = zip_path.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.len() == "Support_20261202_101500.zip".len()
            && name.starts_with("Support_")
            && name.ends_with(".zip"),
        "{name}"
    );
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    let mut names = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
        assert!(
            !bytes.windows(15).any(|w| w == b"S3cret-Value-11"),
            "{name} holds the secret"
        );
        names.push(name);
    }
    for wanted in [
        "settings.txt",
        "history.xml",
        "record.json",
        "logs/airlock.log",
        "listings/2026110501-northwind.pl.xml",
    ] {
        assert!(names.iter().any(|n| n == wanted), "{wanted} in {names:?}");
    }
    assert!(
        names
            .iter()
            .any(|n| n.ends_with("02-nw-gateway-3.2.0.410.log")),
        "{names:?}"
    );
}

fn license_file(dir: &Path, product: &str, expires: &str) -> PathBuf {
    let path = dir.join(format!("{product}.xml"));
    std::fs::write(
        &path,
        format!(
            r#"<license xmlns="urn:airlock:license:1" id="LIC-{product}" product="{product}" expires="{expires}"/>"#
        ),
    )
    .unwrap();
    path
}

#[test]
fn licenses_bundled_added_trial_and_expired_are_told_apart() {
    let s = setup();
    let (mut p, mut files) = three_steps();
    let bundled = license_file(s.builder.dir.path(), "nw-gateway", "2099-01-01T00:00:00Z");
    files.push((
        "nw-gateway.xml".into(),
        "license",
        std::fs::read(&bundled).unwrap(),
    ));
    p.licenses.push(airlock::package::License {
        file: "nw-gateway.xml".into(),
        product: "nw-gateway".into(),
        id: "LIC-nw-gateway".into(),
        licensee: None,
        expires: Some("2099-01-01T00:00:00Z".into()),
    });
    let bundle = s.builder.bundle("lic", &p, &files, 1_790_000_000);
    s.install_of(&bundle).assert().success();
    let expired = license_file(s.builder.dir.path(), "nw-console", "2025-01-10T00:00:00Z");
    let out = airlock(s.root.path())
        .args(["license", "add"])
        .arg(&expired)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(stderr(&out).contains("EXPIRED since 2025-01-10T00:00:00Z"));

    let status = json_of(airlock(s.root.path()).arg("status"));
    let states: Vec<(&str, &str)> = status["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap(),
                p["license"]["state"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("nw-backup-agent", "trial"),
            ("nw-console", "expired"),
            ("nw-gateway", "licensed")
        ]
    );
    let trial_ends = status["products"][0]["license"]["expires"]
        .as_str()
        .unwrap();
    let installed = status["products"][0]["installed"].as_str().unwrap();
    let parse = |t: &str| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).unwrap()
    };
    assert_eq!((parse(trial_ends) - parse(installed)).whole_days(), 7);
    assert!(s.root.path().join("licenses/nw-console.xml").exists());
}

#[test]
fn the_history_of_the_same_state_exports_the_same_bytes() {
    let s = setup();
    s.install().assert().success();
    let (a, b) = (s.root.path().join("a.xml"), s.root.path().join("b.xml"));
    for out in [&a, &b] {
        airlock(s.root.path())
            .args(["history", "export", "--out"])
            .arg(out)
            .assert()
            .success();
    }
    let bytes = std::fs::read(&a).unwrap();
    assert_eq!(bytes, std::fs::read(&b).unwrap());
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.contains(r#"<product id="nw-gateway" version="3.2.0.410""#),
        "{text}"
    );
    assert!(text.contains(
        r#"<listing vendor="Northwind Systems" name="Northwind Server Tools" serial="2026110501"/>"#
    ));
    let body = &text[..text.find("  <digest").unwrap()];
    let digest = airlock::history::digest(body.as_bytes());
    assert!(text.contains(&format!("<digest algorithm=\"sha256\">{digest}</digest>")));
}

/// `Support_<YYYYMMDD>_<HHMMSS>` of `seconds` after now (UTC).
fn support_stamp(seconds: i64) -> String {
    let at = time::OffsetDateTime::now_utc() + time::Duration::seconds(seconds);
    at.format(time::macros::format_description!(
        "Support_[year][month][day]_[hour][minute][second]"
    ))
    .unwrap()
}

#[test]
fn history_and_support_packages_go_into_a_missing_folder_and_never_replace_one_another() {
    let s = setup();
    s.install().assert().success();
    let usb = s.builder.dir.path().join("usb");
    let exports = usb.join("exports");
    airlock(s.root.path())
        .args(["history", "export", "--out"])
        .arg(exports.join("srv01.xml"))
        .assert()
        .success()
        .stderr(predicates::str::contains(format!(
            "created the folder {}",
            exports.display()
        )));
    assert!(exports.join("srv01.xml").is_file());

    let support = usb.join("support");
    let package = || {
        let out = airlock(s.root.path())
            .args(["support-package", "--out"])
            .arg(&support)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
    };
    let first = package();
    assert_eq!(first.parent(), Some(support.as_path()));
    // Every name of this second and the next few is taken: the packages
    // made now go beside them, each under a name of its own.
    let mut taken = Vec::new();
    for ahead in 0..10 {
        let name = support.join(format!("{}.zip", support_stamp(ahead)));
        if !name.exists() {
            std::fs::write(&name, "made earlier").unwrap();
            taken.push(name);
        }
    }
    let (second, third) = (package(), package());
    for made in [&second, &third] {
        let name = made.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.ends_with("_2.zip") || name.ends_with("_3.zip"),
            "{name}"
        );
        zip::ZipArchive::new(std::fs::File::open(made).unwrap()).unwrap();
    }
    assert_ne!(second, third);
    for name in &taken {
        assert_eq!(std::fs::read_to_string(name).unwrap(), "made earlier");
    }

    // A file where the folder should be is named; no temporary name is shown.
    let file = usb.join("plain.txt");
    std::fs::write(&file, "in the way").unwrap();
    for args in [
        vec![
            "history".into(),
            "export".into(),
            "--out".into(),
            file.join("h.xml"),
        ],
        vec!["support-package".into(), "--out".into(), file.join("s")],
    ] {
        let out = airlock(s.root.path()).args(&args).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains(&format!("cannot create the folder {}", file.display())),
            "{err}"
        );
        assert_eq!(
            err.lines().count(),
            1,
            "the folder named, nothing else: {err}"
        );
    }
}

#[test]
fn a_required_property_without_an_answer_stops_before_any_change() {
    let builder = Builder::new();
    let mut gateway = msi_step("nw-gateway", "3.2.0.410");
    gateway.0.properties = vec![property("GATEWAY_KEY", true, true)];
    let (p, files) = package(vec![gateway], Vec::new());
    let s = Setup {
        bundle: builder.bundle("req", &p, &files, 1_790_000_000),
        builder,
        root: tempfile::tempdir().unwrap(),
        rec: Recorder::new(),
    };
    let out = s.install().output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("[nw-gateway] GATEWAY_KEY") && err.contains("--answers FILE"),
        "{err}"
    );
    assert!(s.rec.calls().is_empty() && !s.components().exists());
    assert!(!s.root.path().join("record.json").exists());
}

#[test]
fn a_blocking_check_stops_with_4_and_a_dry_run_changes_nothing() {
    let builder = Builder::new();
    let mut agent = msi_step("nw-backup-agent", "3.2.0.410");
    agent.0.checks = vec![airlock::package::Check {
        kind: airlock::package::CheckName::FileExists,
        severity: airlock::listing::Severity::Block,
        min_bytes: None,
        family: None,
        min_version: None,
        path: Some("/nonexistent/agent.conf".into()),
        key: None,
    }];
    let (p, files) = package(vec![agent], Vec::new());
    let s = Setup {
        bundle: builder.bundle("chk", &p, &files, 1_790_000_000),
        builder,
        root: tempfile::tempdir().unwrap(),
        rec: Recorder::new(),
    };
    let out = s.install().output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("[NOT MET] nw-backup-agent (Northwind Backup Agent): /nonexistent/agent.conf exists: missing"), "{err}");
    assert!(err.contains("[met] temporary folder"), "{err}");

    let (p, files) = three_steps();
    let plain = s.builder.bundle("plain", &p, &files, 1_790_000_000);
    let out = s.install_of(&plain).arg("--dry-run").output().unwrap();
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("3. install nw-console 3.2.0.410")
            && err.contains("dry run: nothing was changed"),
        "{err}"
    );
    assert!(s.rec.calls().is_empty() && !s.components().exists());
    assert!(!s.root.path().join("record.json").exists());
}

#[test]
fn a_pending_critical_update_blocks_other_installs_and_uninstalls_with_8() {
    let s = setup();
    let smp = msi_step("smp", "8.0.2298.0");
    let critical = CriticalUpdate {
        id: "cu-2016-05".into(),
        product: "smp".into(),
        affects: ">=8.0,<8.0.2298.1".parse().unwrap(),
        resolved_by_hotfix: Some("smp-8.0-hf1".into()),
        resolved_by_release: None,
        message: "Security fix for the Notification Server".into(),
    };
    let (p, files) = package(vec![smp], vec![critical]);
    let first = s.builder.bundle("smp", &p, &files, 1_790_000_000);
    s.install_of(&first).assert().success();
    let status = json_of(airlock(s.root.path()).arg("status"));
    assert_eq!(status["pendingCritical"][0]["id"], "cu-2016-05");

    let out = s.install().output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(8), "{err}");
    assert!(
        err.contains("critical update cu-2016-05 for smp 8.0.2298.0")
            && err.contains("hot fix smp-8.0-hf1"),
        "{err}"
    );
    let out = airlock(s.root.path())
        .args(["uninstall", "smp", "--yes", "--msiexec", &s.rec.command()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8), "{}", stderr(&out));
    assert_eq!(s.rec.calls().len(), 1, "only the first install ran");
}

#[test]
fn an_older_bundle_from_the_same_key_is_refused_unless_allowed() {
    let s = setup();
    s.install().assert().success();
    let (p, files) = three_steps();
    let older = s.builder.bundle("older", &p, &files, 1_780_000_000);
    let out = s.install_of(&older).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("is older than bundle") && err.contains("--allow-older"),
        "{err}"
    );
    s.install_of(&older).arg("--allow-older").assert().success();
}

#[test]
fn without_an_installer_command_install_refuses_with_2() {
    let s = setup();
    let out = airlock(s.root.path())
        .env_remove("AIRLOCK_MSIEXEC")
        .args(["install", "--yes"])
        .arg(&s.bundle)
        .arg("--trust")
        .arg(&s.builder.keys.public)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--msiexec \"wine msiexec\""));
    assert!(!s.components().exists(), "nothing extracted");
}

#[test]
fn the_runner_kept_in_the_root_works_once_the_bundle_is_gone() {
    let s = setup();
    s.install().assert().success();
    std::fs::remove_file(&s.bundle).unwrap();
    let out = assert_cmd::Command::new(s.root.path().join("runner/airlock"))
        .env_remove("AIRLOCK_ROOT")
        .args(["status", "--root"])
        .arg(s.root.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("nw-gateway"),
        "{text}"
    );
}

#[test]
fn a_damaged_record_is_reported_with_its_backup_and_left_alone() {
    let s = setup();
    s.install().assert().success();
    let path = s.root.path().join("record.json");
    std::fs::write(&path, b"{\"format\": 1, \"mach").unwrap();
    let out = airlock(s.root.path()).arg("status").output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("record.json is damaged") && err.contains("record.json.bak"),
        "{err}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"{\"format\": 1, \"mach");
}

#[test]
fn a_restart_asked_by_an_installer_ends_with_10_and_blocks_the_next_install() {
    let s = setup();
    // The script exits 3010, which a Unix process reports as 194, as Wine does.
    let out = s.install().env("EXIT", "3010").output().unwrap();
    assert_eq!(out.status.code(), Some(10), "{}", stderr(&out));
    assert!(stderr(&out).contains("must restart"));
    let out = s.install().output().unwrap();
    let err = stderr(&out);
    // Every step is recorded: nothing left to run, nothing to block.
    assert!(
        out.status.success() && err.contains("nothing to install"),
        "{err}"
    );

    let (p, files) = package(vec![msi_step("smp", "8.0.2298.0")], Vec::new());
    let next = s.builder.bundle("next", &p, &files, 1_790_000_100);
    let out = s.install_of(&next).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(
        err.contains("[NOT MET] no pending restart: an installer asked for a restart at"),
        "{err}"
    );
}

#[test]
fn uninstall_lists_the_cascade_asks_and_keeps_what_is_retained() {
    let builder = Builder::new();
    let agent = msi_step("nw-backup-agent", "3.2.0.410");
    let mut console = msi_step("nw-console", "3.2.0.410");
    console
        .0
        .requires
        .push(common::runner::requires("nw-backup-agent"));
    let mut gateway = msi_step("nw-gateway", "3.2.0.410");
    gateway
        .0
        .requires
        .push(common::runner::requires("nw-backup-agent"));
    gateway.0.retain_on_cascade = true;
    let (p, files) = package(vec![agent, console, gateway], Vec::new());
    let s = Setup {
        bundle: builder.bundle("cascade", &p, &files, 1_790_000_000),
        builder,
        root: tempfile::tempdir().unwrap(),
        rec: Recorder::new(),
    };
    s.install().assert().success();
    let uninstall = || {
        let mut cmd = airlock(s.root.path());
        cmd.args([
            "uninstall",
            "nw-backup-agent",
            "--msiexec",
            &s.rec.command(),
        ]);
        cmd
    };
    let out = uninstall().output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("  nw-console 3.2.0.410") && err.contains("  nw-backup-agent 3.2.0.410"),
        "{err}"
    );
    assert!(!err.contains("  nw-gateway"), "{err}");
    assert!(err.contains("pass --yes"), "{err}");
    assert_eq!(s.rec.calls().len(), 3, "nothing removed without an answer");

    uninstall().arg("--yes").assert().success();
    let calls = s.rec.calls();
    let console_code = common::runner::product_code(
        &common::runner::site().join("thirdparty/nw-console-3.2.0.410.msi"),
    );
    assert!(
        calls[3].starts_with(&format!("/x {console_code} /qn /norestart")),
        "{calls:?}"
    );
    assert_eq!(calls.len(), 5, "console, then the agent: {calls:?}");
    let ids: Vec<String> = s.record()["products"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(ids, ["nw-gateway"]);
}

#[test]
fn an_uninstall_that_asks_for_a_restart_ends_with_10_and_says_so() {
    let s = setup();
    s.install().assert().success();
    // The script exits 3010 for the removal, which a Unix process reports as 194, as Wine does.
    let out = airlock(s.root.path())
        .args(["uninstall", "nw-gateway", "--yes", "--json", "--msiexec"])
        .arg(s.rec.command())
        .env("EXIT", "3010")
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(10), "{err}");
    assert!(err.contains("the machine must restart to finish"), "{err}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["restartNeeded"], true);
    assert_eq!(report["exit"], 10);
    assert!(
        !s.record()["products"]
            .as_object()
            .unwrap()
            .contains_key("nw-gateway")
    );
}

#[test]
fn a_bad_answers_file_is_named_with_what_is_wrong_and_nothing_changes() {
    let s = setup();
    let answers = s.builder.dir.path().join("answers.toml");
    // A property no step takes is a warning, never an error: the same file serves the next bundle.
    std::fs::write(
        &answers,
        "[nw-gateway]\nGATEWAY_KEY = 'k'\nGATEWAY_KYE = 'typo'\n",
    )
    .unwrap();
    let out = s
        .install()
        .args(["--dry-run", "--answers"])
        .arg(&answers)
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("warning: [nw-gateway] GATEWAY_KYE in")
            && err.contains("it is not used (did you mean GATEWAY_KEY?)"),
        "{err}"
    );
    for (text, says) in [
        (
            "[nw-gateway]\nGATEWAY_KEY = 42\n",
            "[nw-gateway] GATEWAY_KEY: the value must be a string",
        ),
        (
            "[nw-gateway]\nGATEWAY_KEY = 'unterminated\n",
            "answers.toml:2: not a TOML answers file",
        ),
    ] {
        std::fs::write(&answers, text).unwrap();
        let out = s.install().arg("--answers").arg(&answers).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains(says), "{text:?}: {err}");
    }
    assert!(s.rec.calls().is_empty() && !s.components().exists());
}

#[test]
fn a_bundle_run_as_itself_installs_and_keeps_only_its_runner_in_the_root() {
    let s = setup();
    let runner = std::fs::read(assert_cmd::cargo::cargo_bin!("airlock")).unwrap();
    let (p, files) = three_steps();
    let exe = s.builder.dir.path().join("self/Bundle.exe");
    std::fs::create_dir_all(exe.parent().unwrap()).unwrap();
    common::bundle::write_package(&exe, &runner, &p, &files, &s.builder.keys.key, None);
    std::fs::set_permissions(&exe, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let out = common::bundle::run_written(
        std::process::Command::new(&exe)
            .env_remove("RUST_BACKTRACE")
            .args(["--yes", "--msiexec", &s.rec.command(), "--root"])
            .arg(s.root.path())
            .arg("--trust")
            .arg(&s.builder.keys.public),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(s.rec.calls().len(), 3);
    assert_eq!(
        std::fs::read(s.root.path().join("runner/airlock")).unwrap(),
        runner
    );
}

#[test]
fn an_update_bundle_stopped_part_way_resumes_past_its_base_check() {
    let s = setup();
    s.install().assert().success();
    let machine_id = s.record()["machineId"].as_str().unwrap().to_string();
    let newer = |product: &str| {
        let (mut step, file) = msi_step(product, "3.2.0.410");
        step.version = "3.3.0.0".parse().unwrap();
        step.action = airlock::package::Action::Upgrade;
        step.from_version = Some("3.2.0.410".parse().unwrap());
        (step, file)
    };
    let (mut update, files) = package(
        vec![newer("nw-backup-agent"), newer("nw-console")],
        Vec::new(),
    );
    update.base = Some(airlock::package::Base {
        digest: "0".repeat(64),
        machine_id,
        expected: ["nw-backup-agent", "nw-console", "nw-gateway"]
            .iter()
            .map(|p| airlock::package::Expected {
                product: p.to_string(),
                version: "3.2.0.410".parse().unwrap(),
                hotfix: None,
            })
            .collect(),
    });
    let bundle = s
        .builder
        .bundle("nw-update", &update, &files, 1_790_100_000);
    let u = Setup { bundle, ..s };
    let before = u.rec.calls().len();
    let dry = u.install().arg("--dry-run").output().unwrap();
    assert!(dry.status.success(), "{}", stderr(&dry));
    let mut child = u.spawn(&[("DELAY", "1")]);
    wait_for("the update's second step to start", || {
        u.rec.calls().len() == before + 2
    });
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        u.record()["products"]["nw-backup-agent"]["version"],
        "3.3.0.0"
    );

    let out = u.install().output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(u.record()["products"]["nw-console"]["version"], "3.3.0.0");
    assert_eq!(
        u.rec.calls().len(),
        before + 3,
        "only the stopped step runs again"
    );

    let again = u.install().output().unwrap();
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(stderr(&again).contains("already installed on this machine: nothing was done"));
    assert_eq!(u.rec.calls().len(), before + 3);
}

/// Plants `entry` of the root as a link to a place outside it (a folder when
/// `entry` ends with `/`), and says whether that place is still as it was.
#[cfg(unix)]
fn link_out_of(root: &Path, entry: &str) -> (tempfile::TempDir, impl Fn() -> bool) {
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("target");
    let folder = entry.ends_with('/');
    if folder {
        std::fs::create_dir(&target).unwrap();
    }
    let link = root.join(entry.trim_end_matches('/'));
    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let untouched = move || {
        if folder {
            std::fs::read_dir(&target).unwrap().count() == 0
        } else {
            !target.exists()
        }
    };
    (outside, untouched)
}

#[cfg(unix)]
#[test]
fn nothing_in_the_root_is_written_through_a_symbolic_link() {
    for entry in [
        "lock",
        "record.json",
        "logs/airlock.log",
        "logs/",
        "licenses/",
        "listings/",
        "runner/",
    ] {
        let s = setup();
        let (_outside, untouched) = link_out_of(s.root.path(), entry);
        let out = s.install().output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{entry}: {err}");
        assert!(
            err.contains(&format!(
                "{} is a symbolic link",
                s.root.path().join(entry.trim_end_matches('/')).display()
            )) && err.contains("remove it"),
            "{entry}: {err}"
        );
        assert!(untouched(), "{entry}: written through the link");
        assert!(s.rec.calls().is_empty(), "{entry}: no installer ran");
    }
}

#[cfg(unix)]
#[test]
fn the_support_package_leaves_out_what_links_point_to() {
    let s = setup();
    let out = s.install().output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("private.txt"), "not the root's").unwrap();
    let logs = s.root.path().join("logs");
    std::os::unix::fs::symlink(outside.path(), logs.join("outside")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("private.txt"), logs.join("x.log")).unwrap();
    let listings = s.root.path().join("listings");
    std::fs::rename(&listings, s.root.path().join("listings.real")).unwrap();
    std::os::unix::fs::symlink(outside.path(), &listings).unwrap();

    let out_dir = tempfile::tempdir().unwrap();
    let out = airlock(s.root.path())
        .args(["support-package", "--out"])
        .arg(out_dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let zip_path = PathBuf::from(String::from_utf8(out.stdout).unwrap().trim());
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    let mut names = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
        assert!(
            !bytes.windows(14).any(|w| w == b"not the root's"),
            "{} holds a file from outside the root",
            entry.name().unwrap()
        );
        names.push(entry.name().unwrap().to_string());
    }
    assert!(names.iter().any(|n| n == "logs/airlock.log"), "{names:?}");
    assert!(
        !names
            .iter()
            .any(|n| n.contains("outside") || n.contains("x.log") || n.starts_with("listings/")),
        "{names:?}"
    );
}
