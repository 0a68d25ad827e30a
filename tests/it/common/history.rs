//! Both ends of the history round trip for tests: the vendor's listing as a
//! machine first received it and later (`fixtures/history/*.pl.xml.in`, served
//! with the fixture site's payloads by a counting server), and offline
//! machines (a state root each) that install bundles and export their history.

use super::bundle::airlock;
use super::faults::FaultServer;
use super::online::Builder;
use super::runner::{Recorder, Wine, product_code, site};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The listing as the machine first received it: smp, patch and power-scheme 7.6.
pub const V1: &str = "itms-v1.pl.xml";
/// The same listing later: 8.0 through 7.6 HF7, 8.0 HF1, a critical update of
/// power-scheme, patch 8.0 requiring management-views.
pub const V2: &str = "itms-v2.pl.xml";

/// `fixtures/history/NAME.in` with every `@@PATH@@` replaced by the payload
/// attributes of the site file PATH, as `fixtures/build-site.sh` does.
pub fn render(name: &str) -> Vec<u8> {
    let template = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/history")
        .join(format!("{name}.in"));
    let text = std::fs::read_to_string(template).unwrap();
    let mut parts = text.split("@@");
    let mut out = parts.next().unwrap().to_string();
    while let (Some(path), Some(rest)) = (parts.next(), parts.next()) {
        let file = site().join(path);
        let bytes = std::fs::read(&file).unwrap();
        out.push_str(&format!(
            r#"file="{}" url="{path}" size="{}" sha256="{}""#,
            file.file_name().unwrap().to_string_lossy(),
            bytes.len(),
            hex::encode(Sha256::digest(&bytes)),
        ));
        if path.ends_with(".msi") {
            out.push_str(&format!(r#" productCode="{}""#, product_code(&file)));
        }
        out.push_str(rest);
    }
    out.into_bytes()
}

/// The fixture site and both listings ([`V1`], [`V2`]) beside it on a counting server.
pub fn vendor() -> FaultServer {
    let server = super::online::serve(&site());
    for name in [V1, V2] {
        server.add(name, render(name), vec![], vec![]);
    }
    server
}

/// Builds `full.exe` in `builder`'s folder: the full bundle of `selection`
/// from the served `listing`.
pub fn build_full(
    server: &FaultServer,
    builder: &Builder,
    listing: &str,
    selection: &str,
) -> PathBuf {
    let full = builder.path("full.exe");
    builder
        .build(
            &format!("{}{listing}", server.base),
            &["--select", selection],
        )
        .arg("--accept-eula")
        .arg("--out")
        .arg(&full)
        .assert()
        .success();
    full
}

/// A machine with its own Wine prefix, installed through Wine's msiexec from
/// the full bundle of `selection` from the served `listing` (which must succeed).
pub fn on_wine(
    server: &FaultServer,
    builder: &Builder,
    listing: &str,
    selection: &str,
) -> (Wine, Machine) {
    let full = build_full(server, builder, listing, selection);
    let wine = Wine::new();
    let machine = Machine::new();
    let out = machine
        .install_on(&wine, &full, &builder.public)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (wine, machine)
}

/// Builds `out`, the incremental bundle of `history` from the served v2
/// listing; returns the bundle's entry in the build's JSON report.
pub fn build_incremental(
    server: &FaultServer,
    builder: &Builder,
    history: &Path,
    out: &Path,
) -> serde_json::Value {
    super::bundle::built_one(
        builder
            .build(
                &format!("{}{V2}", server.base),
                &["--accept-eula", "--history"],
            )
            .arg(history)
            .arg("--out")
            .arg(out),
    )
}

/// `text` (an exported history, maybe edited) with its `digest` line made
/// right again, so that only the edit itself is wrong.
pub fn reseal(text: &str) -> String {
    let at = text.find("  <digest ").expect("a digest line");
    let digest = hex::encode(Sha256::digest(&text.as_bytes()[..at]));
    format!(
        "{}  <digest algorithm=\"sha256\">{digest}</digest>\n</history>\n",
        &text[..at]
    )
}

/// A machine installed from a full bundle of `listing` (`selection`) with a
/// recording msiexec, and the history it exported.
pub struct Installed {
    pub builder: Builder,
    pub machine: Machine,
    pub recorder: Recorder,
    pub history: PathBuf,
}

pub fn installed(server: &FaultServer, listing: &str, selection: &str) -> Installed {
    let builder = Builder::new();
    let full = build_full(server, &builder, listing, selection);
    let machine = Machine::new();
    let recorder = Recorder::new();
    machine
        .install(&full, &builder.public, &recorder.command())
        .assert()
        .success();
    let history = machine.export(builder.path("history.xml"));
    Installed {
        builder,
        machine,
        recorder,
        history,
    }
}

/// An offline machine: its state root.
pub struct Machine {
    pub root: tempfile::TempDir,
}

impl Machine {
    pub fn new() -> Machine {
        Machine {
            root: tempfile::tempdir().unwrap(),
        }
    }

    /// `airlock install --yes --msiexec MSIEXEC BUNDLE --trust PUBLIC` on this machine.
    pub fn install(&self, bundle: &Path, public: &Path, msiexec: &str) -> assert_cmd::Command {
        super::runner::install(self.root.path(), bundle, public, msiexec)
    }

    /// `airlock install` of `bundle` on this machine through `wine`'s msiexec.
    pub fn install_on(&self, wine: &Wine, bundle: &Path, public: &Path) -> assert_cmd::Command {
        let mut cmd = self.install(bundle, public, "wine msiexec");
        cmd.envs(wine.vars());
        cmd
    }

    /// `airlock ARGS...` on this machine.
    pub fn airlock(&self, args: &[&str]) -> assert_cmd::Command {
        let mut cmd = airlock(self.root.path());
        cmd.args(args);
        cmd
    }

    /// Exports this machine's history to `out`, which it returns.
    pub fn export(&self, out: PathBuf) -> PathBuf {
        self.airlock(&["history", "export", "--out"])
            .arg(&out)
            .assert()
            .success();
        out
    }

    /// Each installed product as `id version`, from `status --json`.
    pub fn status(&self) -> Vec<String> {
        let status = super::bundle::json_of(&mut self.airlock(&["status"]));
        status["products"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                format!(
                    "{} {}",
                    p["id"].as_str().unwrap(),
                    p["version"].as_str().unwrap()
                )
            })
            .collect()
    }
}
