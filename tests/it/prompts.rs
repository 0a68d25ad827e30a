//! Prompts on a real terminal (a detached tmux session): a secret installer
//! property is typed without being shown; Ctrl-C at that prompt, or at the
//! product picker, ends the run with exit code 130 and leaves the terminal as
//! it was (echo on, cursor shown).

use crate::common;

use common::runner::{Builder, Recorder, msi_step, package, property};
use common::terminal::Session;
use common::wait_for;
use std::path::{Path, PathBuf};

/// A bundle whose gateway step needs a secret the answers do not give
/// (installed without `--yes`, which asks nothing).
fn gateway_bundle(builder: &Builder) -> PathBuf {
    let mut gateway = msi_step("nw-gateway", "3.2.0.410");
    gateway.0.properties = vec![property("GATEWAY_KEY", true, true)];
    let (p, files) = package(vec![gateway], Vec::new());
    builder.bundle("gateway", &p, &files, 1_790_000_000)
}

/// Runs `command` in a tmux session, then writes its exit code to `dir/rc`
/// and the terminal's settings to `dir/stty`, and keeps the pane open.
fn session(name: &str, dir: &Path, command: &str) -> Session {
    Session::start(
        name,
        &format!(
            "env -u RUST_BACKTRACE {command}; echo $? > {rc}.tmp; stty -a > {stty}; mv {rc}.tmp {rc}; sleep 60",
            rc = dir.join("rc").display(),
            stty = dir.join("stty").display()
        ),
    )
}

fn install_command(dir: &Path, builder: &Builder, bundle: &Path, recorder: &Recorder) -> String {
    format!(
        "AIRLOCK_ROOT={root} {airlock} install --msiexec {msiexec} {bundle} --trust {key}",
        root = dir.join("root").display(),
        airlock = env!("CARGO_BIN_EXE_airlock"),
        msiexec = recorder.command(),
        bundle = bundle.display(),
        key = builder.keys.public.display()
    )
}

/// The exit code written by [`session`], once the command ended.
fn exit_code(dir: &Path) -> String {
    let rc = dir.join("rc");
    wait_for("the command", || rc.exists());
    std::fs::read_to_string(rc).unwrap().trim().to_string()
}

/// Whether `stty -a` shows echo on.
fn echo_on(dir: &Path) -> bool {
    let stty = std::fs::read_to_string(dir.join("stty")).unwrap();
    stty.split_whitespace().any(|w| w == "echo")
}

#[test]
fn a_secret_typed_at_the_prompt_is_not_shown_and_reaches_the_installer() {
    let dir = tempfile::tempdir().unwrap();
    let builder = Builder::new();
    let recorder = Recorder::new();
    let bundle = gateway_bundle(&builder);
    let s = session(
        "secret",
        dir.path(),
        &install_command(dir.path(), &builder, &bundle, &recorder),
    );
    s.when("Northwind Gateway (nw-gateway) needs GATEWAY_KEY", &[]);
    s.when("needs GATEWAY_KEY", &["Typed-Secret-4471", "Enter"]);
    s.when("install these steps? [y/N]", &["y", "Enter"]);
    assert_eq!(exit_code(dir.path()), "0", "{}", s.screen());
    let screen = s.screen();
    assert!(!screen.contains("Typed-Secret-4471"), "{screen}");
    assert!(screen.contains("installed"), "{screen}");
    let calls = recorder.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(
        calls[0].ends_with("GATEWAY_KEY=Typed-Secret-4471"),
        "{calls:?}"
    );
    assert!(echo_on(dir.path()));
}

#[test]
fn ctrl_c_at_the_secret_prompt_exits_130_with_echo_back_on() {
    let dir = tempfile::tempdir().unwrap();
    let builder = Builder::new();
    let recorder = Recorder::new();
    let bundle = gateway_bundle(&builder);
    let s = session(
        "secret-ctrl-c",
        dir.path(),
        &install_command(dir.path(), &builder, &bundle, &recorder),
    );
    s.when("needs GATEWAY_KEY", &["half-typed"]);
    s.when("needs GATEWAY_KEY", &["C-c"]);
    assert_eq!(exit_code(dir.path()), "130", "{}", s.screen());
    assert!(echo_on(dir.path()), "echo is back on after Ctrl-C");
    assert!(!s.screen().contains("half-typed"));
    assert_eq!(recorder.calls(), Vec::<String>::new(), "nothing installed");
}

#[test]
fn ctrl_c_at_the_product_picker_exits_130_with_the_cursor_shown() {
    let dir = tempfile::tempdir().unwrap();
    let listing = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/site/itms.pl.xml");
    let s = session(
        "picker-ctrl-c",
        dir.path(),
        &format!(
            "AIRLOCK_CONFIG={config} {airlock} plan --listing {listing}",
            config = dir.path().join("config").display(),
            airlock = env!("CARGO_BIN_EXE_airlock"),
        ),
    );
    s.when("Products to install", &["Down", "Space"]);
    s.when("[x]", &[]);
    assert!(!s.cursor_visible(), "the picker hides the cursor");
    s.when("Products to install", &["C-c"]);
    assert_eq!(exit_code(dir.path()), "130", "{}", s.screen());
    assert!(s.cursor_visible(), "the cursor is shown again");
    assert!(echo_on(dir.path()));
}
