//! The history round trip with real installs: a machine (a Wine prefix and a
//! state root) installed from the v1 listing exports its history; the
//! incremental bundle built from it against v2 is installed through
//! `wine msiexec`, and `status` and the files on the Wine drive show exactly
//! the new versions; installed again, it does nothing. On a machine whose
//! state changed since the export, the same kind of bundle is refused, naming
//! the difference, and installs with `--force-base`.

use crate::common;

use common::bundle::json_of;
use common::history::{Machine, V1, build_incremental, on_wine, vendor};
use common::online::Builder;
use common::runner::{Recorder, Wine, package};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The products a v1 machine ends up with, and what v2 brings them to:
/// (folder under `Program Files/Altiris`, key, what the file's first line names).
const DRIVE: [(&str, &str); 5] = [
    ("Symantec Installation Manager", "sim"),
    ("Symantec Management Platform", "smp"),
    ("Altiris Patch Management Solution", "patch"),
    ("Altiris Power Scheme Task", "power-scheme"),
    ("ITMS Management Views", "management-views"),
];

/// The first line of each [`DRIVE`] product's file on the Wine drive, or `(absent)`.
fn drive(wine: &Wine) -> Vec<String> {
    DRIVE
        .iter()
        .map(|(name, key)| {
            let file = wine.c(&format!("Program Files/Altiris/{name}/{key}.txt"));
            std::fs::read_to_string(file).map_or("(absent)".to_string(), |t| {
                t.lines().next().unwrap_or_default().to_string()
            })
        })
        .collect()
}

const ON_V1: [&str; 5] = [
    "Symantec Installation Manager 8.0.2298.0",
    "Symantec Management Platform 7.6.1423.0",
    "Altiris Patch Management Solution 7.6.1423.0",
    "Altiris Power Scheme Task 7.6.1423.0",
    "(absent)",
];
const ON_V2: [&str; 5] = [
    "Symantec Installation Manager 8.0.2298.0",
    "Symantec Management Platform 8.0.2298.1",
    "Altiris Patch Management Solution 8.0.2298.0",
    "Altiris Power Scheme Task 7.6.1440.0",
    "ITMS Management Views 8.0.2298.0",
];
const STATUS_V2: [&str; 4] = [
    "management-views 8.0.2298.0",
    "patch 8.0.2298.0",
    "power-scheme 7.6.1440.0",
    "smp 8.0.2298.1",
];

/// The incremental bundle's steps: (product, version, action, reason).
const STEPS: [&str; 6] = [
    "power-scheme 7.6.1440.0 hotfix critical:cu-2016-02",
    "smp 7.6.1655.0 hotfix upgrade-step",
    "smp 8.0.2298.0 upgrade update",
    "smp 8.0.2298.1 hotfix update",
    "management-views 8.0.2298.0 install requires:patch",
    "patch 8.0.2298.0 upgrade update",
];

/// A machine with Wine, installed from a full v1 bundle (smp, patch,
/// power-scheme 7.6 and the installer), with its exported history, and the
/// incremental bundle built from that history against v2.
struct Scenario {
    wine: Wine,
    machine: Machine,
    builder: Builder,
    history: PathBuf,
    incremental: PathBuf,
    report: serde_json::Value,
}

fn scenario(test: &str) -> Option<Scenario> {
    if !common::require_tools(test, &["wine", "wineserver"]) {
        return None;
    }
    let server = vendor();
    let builder = Builder::new();
    let (wine, machine) = on_wine(&server, &builder, V1, "patch,power-scheme");
    assert_eq!(drive(&wine), ON_V1);
    assert_eq!(
        machine.status(),
        [
            "patch 7.6.1423.0",
            "power-scheme 7.6.1423.0",
            "smp 7.6.1423.0"
        ]
    );
    let history = machine.export(builder.path("history.xml"));
    let incremental = builder.path("incremental.exe");
    let report = build_incremental(&server, &builder, &history, &incremental);
    Some(Scenario {
        wine,
        machine,
        builder,
        history,
        incremental,
        report,
    })
}

impl Scenario {
    /// Installs the incremental bundle through Wine, with more arguments.
    fn install(&self, args: &[&str]) -> std::process::Output {
        self.machine
            .install_on(&self.wine, &self.incremental, &self.builder.public)
            .args(args)
            .output()
            .unwrap()
    }
}

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn an_incremental_bundle_brings_a_v1_machine_to_v2_and_installs_once() {
    let Some(s) = scenario("an_incremental_bundle_brings_a_v1_machine_to_v2_and_installs_once")
    else {
        return;
    };
    let inspect = json_of(
        common::bundle::airlock(&s.builder.path("state"))
            .arg("inspect")
            .arg(&s.incremental),
    );
    let content = &inspect["content"];
    let steps: Vec<String> = content["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|st| {
            ["product", "version", "action", "reason"]
                .map(|k| st[k].as_str().unwrap_or("?"))
                .join(" ")
        })
        .collect();
    assert_eq!(steps, STEPS, "{content:#}");
    assert_eq!(
        content["base"]["digest"],
        hex::encode(Sha256::digest(std::fs::read(&s.history).unwrap())).as_str()
    );
    assert!(content.get("installer").is_none());

    let out = s.install(&[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(s.machine.status(), STATUS_V2);
    assert_eq!(drive(&s.wine), ON_V2);

    // Again: nothing to do, and no installer runs (a recording msiexec would see it).
    let recorder = Recorder::new();
    let out = s
        .machine
        .install(&s.incremental, &s.builder.public, &recorder.command())
        .output()
        .unwrap();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    let id = s.report["bundleId"].as_str().unwrap();
    assert!(
        said.contains(id) && said.contains("already installed") && said.contains("nothing"),
        "{said}"
    );
    assert_eq!(recorder.calls(), Vec::<String>::new());
    assert_eq!(s.machine.status(), STATUS_V2);
}

/// A bundle made with the library that applies 7.6 HF7 to smp 7.6, signed by
/// another key: the machine's state changes after its history was exported.
fn hf7_bundle(dir: &Path) -> (PathBuf, PathBuf) {
    let builder = common::runner::Builder::new();
    let (mut hf7, file) = common::runner::hf7_step();
    hf7.retain_on_cascade = true;
    let (p, files) = package(vec![(hf7, file)], Vec::new());
    let bundle = builder.bundle("hf7", &p, &files, 1_790_000_000);
    let public = dir.join("hf7.pub");
    std::fs::copy(&builder.keys.public, &public).unwrap();
    let kept = dir.join("hf7.exe");
    std::fs::copy(&bundle, &kept).unwrap();
    (kept, public)
}

#[test]
fn a_machine_changed_since_the_export_is_refused_then_forced() {
    let Some(s) = scenario("a_machine_changed_since_the_export_is_refused_then_forced") else {
        return;
    };
    let (hf7, key) = hf7_bundle(s.builder.dir.path());
    let out = s.machine.install_on(&s.wine, &hf7, &key).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let changed = [
        "patch 7.6.1423.0",
        "power-scheme 7.6.1423.0",
        "smp 7.6.1655.0",
    ];
    assert_eq!(s.machine.status(), changed);
    let mut on_hf7 = ON_V1;
    on_hf7[1] = "Symantec Management Platform 7.6.1655.0";
    assert_eq!(drive(&s.wine), on_hf7);

    let out = s.install(&[]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(3), "{said}");
    assert!(
        said.contains("smp: expected 7.6.1423.0, found 7.6.1655.0")
            && said.contains("--force-base"),
        "{said}"
    );
    assert_eq!(s.machine.status(), changed, "nothing changed");
    assert_eq!(drive(&s.wine), on_hf7, "nothing installed");

    let out = s.install(&["--force-base"]);
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(
        said.lines()
            .any(|l| l.contains("smp 7.6.1655.0") && l.contains("skipped")),
        "HF7 is already there: {said}"
    );
    assert_eq!(s.machine.status(), STATUS_V2);
    assert_eq!(drive(&s.wine), ON_V2);
}
