//! The interactive product picker, for real in a pseudo-terminal: `airlock
//! plan` runs inside a detached tmux session, keys are sent as a person types
//! them, and the plan it prints is checked. Without a terminal, nothing prompts.

use crate::common;

use common::terminal::Session;
use common::wait_for;
use std::time::Duration;

const LISTING: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/site/itms.pl.xml");

#[test]
fn a_suite_is_picked_on_a_terminal_with_a_recommended_dependency_unticked() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan.json");
    let rc = dir.path().join("rc");
    let airlock = env!("CARGO_BIN_EXE_airlock");
    let session = Session::start(
        "picker",
        &format!(
            "env -u RUST_BACKTRACE AIRLOCK_CONFIG={config} {airlock} plan --listing {LISTING} --json > {out}; echo $? > {rc}.tmp; mv {rc}.tmp {rc}",
            config = dir.path().join("config").display(),
            out = out.display(),
            rc = rc.display()
        ),
    );
    // cms is the 28th choice; it pulls in it-analytics and management-views as recommended.
    let mut keys = vec!["Down"; 27];
    keys.extend(["Space", "Enter"]);
    session.when("[ ] cms (suite)", &keys);
    session.when("Always included:", &[]);
    session.when("[x] it-analytics (recommended by cms)", &["Space", "Enter"]);
    session.when("Go on with this plan?", &["y"]);
    wait_for("the picker", || rc.exists());
    assert_eq!(std::fs::read_to_string(&rc).unwrap().trim(), "0");
    let plan: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let products: Vec<&str> = plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["product"].as_str().unwrap())
        .collect();
    for id in ["smp", "cms-portal", "patch", "management-views"] {
        assert!(products.contains(&id), "{id} missing from {products:?}");
    }
    assert!(
        !products.contains(&"it-analytics"),
        "unticked, yet planned: {products:?}"
    );
}

#[test]
fn without_a_terminal_nothing_prompts() {
    let dir = tempfile::tempdir().unwrap();
    for command in ["plan", "build"] {
        let mut cmd = assert_cmd::Command::cargo_bin("airlock").unwrap();
        cmd.env_remove("RUST_BACKTRACE")
            .env("AIRLOCK_CONFIG", dir.path())
            .args([command, "--listing", LISTING]);
        if command == "build" {
            cmd.args(["--sign-key", "missing.key"]);
        }
        cmd.write_stdin("")
            .timeout(Duration::from_secs(20))
            .assert()
            .code(2)
            .stderr(predicates::str::contains(format!(
                "nothing to {command}: name products with --select ID"
            )));
    }
}
