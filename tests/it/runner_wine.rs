//! The runner installing for real: fixture MSIs built by wixl, installed by
//! `airlock install` through `wine msiexec` into a fresh Wine prefix per test,
//! the files checked on the Wine drive; a major upgrade, an uninstall with its
//! cascade, an installer failing in the middle of a plan, then resumed, and
//! property values and secrets of every shape read back from msiexec's log.

use crate::common;

use common::bundle::airlock;
use common::runner::{Builder, Wine, msi_step, package, property, requires};
use common::stderr;
use std::path::Path;

fn install(wine: &Wine, root: &Path, bundle: &Path, public: &Path) -> assert_cmd::Command {
    let mut cmd = common::runner::install(root, bundle, public, "wine msiexec");
    cmd.envs(wine.vars());
    cmd
}

/// A fresh Wine prefix, a state root and a builder; `None` (skip) without Wine outside CI.
fn setup(test: &str) -> Option<(Wine, tempfile::TempDir, Builder)> {
    if !common::require_tools(test, &["wine", "wineserver"]) {
        return None;
    }
    Some((Wine::new(), tempfile::tempdir().unwrap(), Builder::new()))
}

#[test]
fn installs_upgrades_and_uninstalls_through_wine() {
    let Some((wine, root, builder)) = setup("installs_upgrades_and_uninstalls_through_wine") else {
        return;
    };
    let agent = msi_step("nw-backup-agent", "3.2.0.410");
    let mut console = msi_step("nw-console", "3.2.0.410");
    console.0.requires.push(requires("nw-backup-agent"));
    let mut smp76 = msi_step("smp", "7.6.1423.0");
    smp76.0.retain_on_cascade = true;
    let smp76_code = smp76.0.product_code.clone().unwrap();
    let (first, files) = package(vec![agent, console, smp76], Vec::new());
    let bundle = builder.bundle("first", &first, &files, 1_790_000_000);

    let out = install(&wine, root.path(), &bundle, &builder.keys.public)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let smp_txt = wine.c("Program Files/Altiris/Symantec Management Platform/smp.txt");
    let agent_txt = wine.c("Program Files/Northwind/Northwind Backup Agent/nw-backup-agent.txt");
    let console_txt = wine.c("Program Files/Northwind/Northwind Console/nw-console.txt");
    assert!(
        std::fs::read_to_string(&smp_txt)
            .unwrap()
            .starts_with("Symantec Management Platform 7.6.1423.0\n")
    );
    assert!(agent_txt.exists() && console_txt.exists());
    assert!(
        root.path().join("logs").read_dir().unwrap().count() >= 2,
        "airlock.log and the bundle's logs"
    );

    // 7.6 -> 8.0, a major upgrade, with a secret property answered.
    let mut smp80 = msi_step("smp", "8.0.2298.0");
    smp80.0.action = airlock::package::Action::Upgrade;
    smp80.0.from_version = Some("7.6.1423.0".parse().unwrap());
    smp80.0.properties = vec![property("NS_PASSWORD", true, true)];
    smp80.0.retain_on_cascade = true;
    let smp80_code = smp80.0.product_code.clone().unwrap();
    let (second, files) = package(vec![smp80], Vec::new());
    let bundle2 = builder.bundle("second", &second, &files, 1_790_000_100);
    let answers = builder.dir.path().join("answers.toml");
    std::fs::write(&answers, "[smp]\nNS_PASSWORD = 'Wine-Secret-4711'\n").unwrap();
    let out = install(&wine, root.path(), &bundle2, &builder.keys.public)
        .arg("--answers")
        .arg(&answers)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        std::fs::read_to_string(&smp_txt)
            .unwrap()
            .starts_with("Symantec Management Platform 8.0.2298.0\n")
    );
    assert!(wine.registered(&smp80_code));
    assert!(
        !wine.registered(&smp76_code),
        "7.6 replaced by its major upgrade"
    );
    assert_eq!(
        common::runner::files_containing(root.path(), b"Wine-Secret-4711"),
        Vec::<std::path::PathBuf>::new()
    );

    let status = common::bundle::json_of(airlock(root.path()).arg("status"));
    let versions: Vec<(String, String)> = status["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().into(),
                p["version"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        versions,
        [
            ("nw-backup-agent".into(), "3.2.0.410".into()),
            ("nw-console".into(), "3.2.0.410".into()),
            ("smp".into(), "8.0.2298.0".into())
        ]
    );

    // Repair puts a lost file back from the extracted MSI.
    std::fs::remove_file(&agent_txt).unwrap();
    let mut repair = airlock(root.path());
    repair.args(["repair", "nw-backup-agent", "--msiexec", "wine msiexec"]);
    repair.envs(wine.vars());
    let out = repair.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(agent_txt.exists(), "repaired");

    // Uninstalling the agent takes its dependent console along, not smp.
    let mut un = airlock(root.path());
    un.args([
        "uninstall",
        "nw-backup-agent",
        "--yes",
        "--msiexec",
        "wine msiexec",
    ]);
    un.envs(wine.vars());
    let out = un.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !agent_txt.exists() && !console_txt.exists(),
        "both removed from the Wine drive"
    );
    assert!(smp_txt.exists());
    let status = common::bundle::json_of(airlock(root.path()).arg("status"));
    assert_eq!(status["products"].as_array().unwrap().len(), 1);
}

#[test]
fn an_installer_failing_mid_plan_stops_with_7_and_the_next_run_resumes() {
    let Some((wine, root, builder)) =
        setup("an_installer_failing_mid_plan_stops_with_7_and_the_next_run_resumes")
    else {
        return;
    };
    let agent = msi_step("nw-backup-agent", "3.2.0.410");
    let mut gateway = msi_step("nw-gateway", "3.2.0.410");
    gateway.0.properties = vec![property("GATEWAY_KEY", false, true)];
    let console = msi_step("nw-console", "3.2.0.410");
    let (p, files) = package(vec![agent, gateway, console], Vec::new());
    let bundle = builder.bundle("gw", &p, &files, 1_790_000_000);

    let out = install(&wine, root.path(), &bundle, &builder.keys.public)
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(7), "{err}");
    assert!(
        err.contains("step 2 of 3") && err.contains("02-nw-gateway-3.2.0.410.log"),
        "{err}"
    );
    assert!(err.contains("resumes at this step"), "{err}");
    let status = common::bundle::json_of(airlock(root.path()).arg("status"));
    let ids: Vec<&str> = status["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["nw-backup-agent"],
        "the step before the failure is recorded"
    );
    let first_log = root
        .path()
        .join("logs")
        .join(
            std::fs::read_dir(root.path().join("logs"))
                .unwrap()
                .flatten()
                .find(|e| e.path().is_dir())
                .unwrap()
                .file_name(),
        )
        .join("01-nw-backup-agent-3.2.0.410.log");
    let before = std::fs::metadata(&first_log)
        .map(|m| m.modified().unwrap())
        .ok();

    let answers = builder.dir.path().join("answers.toml");
    std::fs::write(&answers, "[nw-gateway]\nGATEWAY_KEY = 'gw-key-93d1'\n").unwrap();
    let out = install(&wine, root.path(), &bundle, &builder.keys.public)
        .arg("--answers")
        .arg(&answers)
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("[1/3] nw-backup-agent 3.2.0.410: skipped (done by an earlier run)"),
        "{err}"
    );
    assert_eq!(
        std::fs::metadata(&first_log)
            .map(|m| m.modified().unwrap())
            .ok(),
        before,
        "step 1 not run again"
    );
    assert!(
        wine.c("Program Files/Northwind/Northwind Gateway/nw-gateway.txt")
            .exists()
    );
    assert!(
        wine.c("Program Files/Northwind/Northwind Console/nw-console.txt")
            .exists()
    );
    assert_eq!(
        common::runner::files_containing(root.path(), b"gw-key-93d1"),
        Vec::<std::path::PathBuf>::new()
    );
    let status = common::bundle::json_of(airlock(root.path()).arg("status"));
    assert_eq!(status["products"].as_array().unwrap().len(), 3);
    assert!(status.get("interrupted").is_none());
}

#[test]
fn a_property_value_stays_one_property_and_secrets_of_any_shape_are_masked() {
    let Some((wine, root, builder)) =
        setup("a_property_value_stays_one_property_and_secrets_of_any_shape_are_masked")
    else {
        return;
    };
    let (p, files) = common::runner::gateway_with_properties();
    let bundle = builder.bundle("gw", &p, &files, 1_790_000_000);
    let answers = builder.dir.path().join("answers.toml");
    let install_with = |properties: &str| {
        common::runner::gateway_answers(&answers, properties);
        install(&wine, root.path(), &bundle, &builder.keys.public)
            .arg("--answers")
            .arg(&answers)
            .output()
            .unwrap()
    };

    // What Wine's msiexec cannot carry is refused before anything runs,
    // naming the product and the property.
    for (value, why) in [
        (
            r#"'x" INSTALLDIR=C:\injected2 REBOOT=ReallySuppress'"#,
            "double quote",
        ),
        ("\"line\\nbreak\"", "control character"),
        ("\"nul\\u0000\"", "control character"),
        ("''", "is empty"),
        (r"'C:\Backup Target\'", "ends with a backslash"),
    ] {
        let out = install_with(&format!("BACKUP_TARGET = {value}"));
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{value}: {err}");
        assert!(
            err.contains("[nw-gateway] BACKUP_TARGET in ")
                && err.contains(why)
                && err.contains("Nothing was changed"),
            "{value}: {err}"
        );
        let ran = std::fs::read_dir(root.path().join("logs"))
            .map(|d| d.flatten().filter(|e| e.path().is_dir()).count())
            .unwrap_or(0);
        assert_eq!(ran, 0, "{value}: no installer ran");
    }

    // A value with spaces, `=` and `;` arrives whole, as one property.
    let target = r"x INSTALLDIR=C:\injected2 REBOOT=ReallySuppress";
    let note = r"pass word;with=equals and C:\a\b\ inside";
    let out = install_with(&format!("BACKUP_TARGET = '{target}'\nNOTE = '{note}'"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        wine.c("Program Files/Northwind/Northwind Gateway/nw-gateway.txt")
            .exists()
    );
    assert!(!wine.c("injected2").exists());
    let log = common::runner::installer_log(root.path(), "01-nw-gateway-3.2.0.410.log");
    let logged = common::runner::gateway_logged(&log, target, note);
    assert!(
        logged["INSTALLDIR"].starts_with(r"C:\Program Files\Northwind\Northwind "),
        "{:?}",
        logged["INSTALLDIR"]
    );
}
