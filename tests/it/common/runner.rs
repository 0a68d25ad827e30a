//! Packages of the fixture site's real MSIs for the runner's tests, a Wine
//! prefix to install them into, and a recording installer backend for the
//! tests about the record itself (locks, crashes, secrets).

use super::bundle::{File, KeyFiles, key_files, step, write_package};
use airlock::package::{CriticalUpdate, Dependency, ListingRef, Method, Package, Property, Step};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub fn site() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/site")
}

/// A bundle's files.
pub type Files = Vec<File>;

/// The ProductCode in an MSI's Property table.
pub fn product_code(msi: &Path) -> String {
    let mut package = msi::open(msi).unwrap();
    let rows = package.select_rows(msi::Select::table("Property")).unwrap();
    rows.into_iter()
        .find(|row| row["Property"].as_str() == Some("ProductCode"))
        .and_then(|row| row["Value"].as_str().map(str::to_owned))
        .unwrap()
}

/// An install step of a Northwind fixture MSI (`nw-backup-agent`,
/// `nw-console`, `nw-gateway`) or of smp at `version`, and its file.
pub fn msi_step(product: &str, version: &str) -> (Step, File) {
    let (name, site_path) = match product {
        "smp" => (
            "Symantec Management Platform".to_string(),
            format!("msi/smp-{version}.msi"),
        ),
        _ => {
            let name = match product {
                "nw-backup-agent" => "Northwind Backup Agent",
                "nw-console" => "Northwind Console",
                "nw-gateway" => "Northwind Gateway",
                other => panic!("no fixture MSI for {other}"),
            };
            (
                name.to_string(),
                format!("thirdparty/{product}-{version}.msi"),
            )
        }
    };
    let path = site().join(site_path);
    let file = path.file_name().unwrap().to_string_lossy().into_owned();
    let mut step = step(product, &name, version, &file, Method::Msi);
    step.product_code = Some(product_code(&path));
    (step, (file, "msi", std::fs::read(&path).unwrap()))
}

/// The step of smp 7.6 HF7 (a hot fix shipped as a full MSI, from 7.6), and its file.
pub fn hf7_step() -> (Step, File) {
    let msi = site().join("hf/smp-7.6-hf7.msi");
    let mut hf7 = step(
        "smp",
        "Symantec Management Platform",
        "7.6.1655.0",
        "smp-7.6-hf7.msi",
        Method::Msi,
    );
    hf7.kind = airlock::package::StepKind::Hotfix;
    hf7.action = airlock::package::Action::Hotfix;
    hf7.from_version = Some("7.6.1423.0".parse().unwrap());
    hf7.hotfix = Some("smp-7.6-hf7".into());
    hf7.product_code = Some(product_code(&msi));
    let file = (
        "smp-7.6-hf7.msi".to_string(),
        "msi",
        std::fs::read(&msi).unwrap(),
    );
    (hf7, file)
}

/// A property a step takes.
pub fn property(name: &str, required: bool, secret: bool) -> Property {
    Property {
        name: name.into(),
        required,
        secret,
        default: None,
        description: None,
    }
}

pub fn requires(product: &str) -> Dependency {
    Dependency {
        product: product.into(),
        version: airlock::listing::Requirement::any(),
    }
}

/// A package of `steps` from the Northwind listing (whose bytes it carries).
pub fn package(steps: Vec<(Step, File)>, critical: Vec<CriticalUpdate>) -> (Package, Files) {
    let listing = std::fs::read(site().join("northwind.pl.xml")).unwrap();
    let mut files: Files = vec![("northwind.pl.xml".into(), "listing", listing.clone())];
    let mut package = Package {
        vendor: "Northwind".into(),
        listings: vec![ListingRef {
            vendor: "Northwind Systems".into(),
            name: "Northwind Server Tools".into(),
            serial: 2026110501,
            published: "2026-11-05T08:30:00Z".into(),
            sha256: hex::encode(Sha256::digest(&listing)),
            file: "northwind.pl.xml".into(),
            source: None,
            signature: None,
            vendor_key: None,
        }],
        installer: None,
        suites: Vec::new(),
        steps: Vec::new(),
        licenses: Vec::new(),
        eulas: Vec::new(),
        contact: None,
        critical_updates: critical,
        base: None,
        origins: Vec::new(),
    };
    for (step, file) in steps {
        package.steps.push(step);
        if !files.iter().any(|(n, _, _)| *n == file.0) {
            files.push(file);
        }
    }
    (package, files)
}

/// A folder with a key pair, where bundles are written.
pub struct Builder {
    pub dir: tempfile::TempDir,
    pub keys: KeyFiles,
}

impl Builder {
    pub fn new() -> Builder {
        let dir = tempfile::tempdir().unwrap();
        let keys = key_files(dir.path(), "builder", 7);
        Builder { dir, keys }
    }

    /// Writes `NAME.exe` in its own folder (so each extracts apart), made at `created`.
    pub fn bundle(&self, name: &str, package: &Package, files: &Files, created: u64) -> PathBuf {
        let folder = self.dir.path().join(name);
        std::fs::create_dir_all(&folder).unwrap();
        let dest = folder.join(format!("{name}.exe"));
        write_package(
            &dest,
            b"MZ runner\n",
            package,
            files,
            &self.keys.key,
            Some(created),
        );
        dest
    }
}

/// `airlock install --yes --msiexec MSIEXEC BUNDLE --trust PUBLIC` on the state root `root`.
pub fn install(root: &Path, bundle: &Path, public: &Path, msiexec: &str) -> assert_cmd::Command {
    let mut cmd = super::bundle::airlock(root);
    cmd.args(["install", "--yes", "--msiexec", msiexec])
        .arg(bundle)
        .arg("--trust")
        .arg(public);
    cmd
}

/// A fresh Wine prefix for one test, its wineserver stopped when dropped.
pub struct Wine {
    pub prefix: tempfile::TempDir,
}

impl Wine {
    pub fn new() -> Wine {
        let wine = Wine {
            prefix: tempfile::tempdir().unwrap(),
        };
        let mut init = Command::new("wine");
        wine.env(&mut init);
        let status = init
            .args(["wineboot", "--init"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        assert!(
            status.unwrap().success(),
            "wineboot --init in a fresh prefix"
        );
        wine
    }

    /// The environment that points Wine at this prefix, quietly.
    pub fn vars(&self) -> [(&'static str, std::ffi::OsString); 3] {
        [
            ("WINEPREFIX", self.prefix.path().into()),
            ("WINEDEBUG", "-all".into()),
            ("WINEDLLOVERRIDES", "mscoree,mshtml=".into()),
        ]
    }

    pub fn env<'a>(&self, cmd: &'a mut Command) -> &'a mut Command {
        cmd.envs(self.vars())
    }

    /// A file on the prefix's C: drive.
    pub fn c(&self, path: &str) -> PathBuf {
        self.prefix.path().join("drive_c").join(path)
    }

    /// Whether Windows Installer has `product_code` registered.
    pub fn registered(&self, product_code: &str) -> bool {
        let key =
            format!(r"HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\{product_code}");
        let mut cmd = Command::new("wine");
        self.env(&mut cmd)
            .args(["reg", "query", &key])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success()
    }
}

impl Drop for Wine {
    fn drop(&mut self) {
        let mut cmd = Command::new("wineserver");
        let _ = self.env(&mut cmd).arg("-k").status();
    }
}

/// Every file under `dir` whose bytes contain `needle`.
pub fn files_containing(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_containing(&path, needle));
        } else if std::fs::read(&path)
            .unwrap_or_default()
            .windows(needle.len())
            .any(|w| w == needle)
        {
            found.push(path);
        }
    }
    found
}

/// An installer backend for the tests about the record itself (locks,
/// crashes, secrets): a shell script that appends its arguments to `calls`,
/// writes them into the `/l*v` log as a verbose Windows Installer log would
/// (property values included), waits `DELAY` seconds and exits with `EXIT`.
pub struct Recorder {
    pub dir: tempfile::TempDir,
    pub script: PathBuf,
    pub calls: PathBuf,
}

impl Recorder {
    pub fn new() -> Recorder {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("msiexec.sh");
        let calls = dir.path().join("calls");
        std::fs::write(
            &script,
            format!(
                r#"#!/bin/sh
printf '%s\n' "$*" >> '{}'
log= prev=
for a in "$@"; do [ "$prev" = "/l*v" ] && log=$a; prev=$a; done
[ -n "$log" ] && printf 'Property(S): command line: %s\n' "$*" > "$log"
sleep "${{DELAY:-0}}"
exit "${{EXIT:-0}}"
"#,
                calls.display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        Recorder { dir, script, calls }
    }

    /// The `--msiexec` value that runs it.
    pub fn command(&self) -> String {
        self.script.display().to_string()
    }

    /// Each call's arguments, one line per call.
    pub fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(&self.calls)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }
}

/// The `Property(S): NAME = value` lines of a Windows Installer log, by name
/// (its bytes read one to a character, as Wine writes Western ANSI text).
pub fn logged_properties(log: &Path) -> std::collections::BTreeMap<String, String> {
    let text: String = std::fs::read(log)
        .unwrap_or_else(|e| panic!("{}: {e}", log.display()))
        .into_iter()
        .map(char::from)
        .collect();
    text.lines()
        .filter_map(|l| l.strip_prefix("Property(S): "))
        .filter_map(|l| l.split_once(" = "))
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

/// The installer log named `name` somewhere under `root`'s `logs/`.
pub fn installer_log(root: &Path, name: &str) -> PathBuf {
    std::fs::read_dir(root.join("logs"))
        .unwrap()
        .flatten()
        .map(|bundle| bundle.path().join(name))
        .find(|log| log.is_file())
        .unwrap_or_else(|| panic!("no {name} under {}", root.join("logs").display()))
}

/// The gateway with a property for each hostile case: `BACKUP_TARGET` and
/// `NOTE` shown, the rest secret.
pub fn gateway_with_properties() -> (Package, Files) {
    let mut gateway = msi_step("nw-gateway", "3.2.0.410");
    gateway.0.properties = ["BACKUP_TARGET", "NOTE"]
        .map(|n| property(n, false, false))
        .into_iter()
        .chain(
            [
                "GATEWAY_KEY",
                "ADMIN_PASSWORD",
                "SERVICE_PASSWORD",
                "TOKEN",
                "PIN",
            ]
            .map(|n| property(n, true, true)),
        )
        .collect();
    package(vec![gateway], Vec::new())
}

/// Answers for the gateway: the secrets are one character (`*`), a part of
/// the mask (`**`), the mask itself, a word of the log's own text (the
/// product's name) and a Western non-ASCII word.
pub const GATEWAY_SECRETS: &str = "GATEWAY_KEY = '*'\nADMIN_PASSWORD = '**'\n\
     SERVICE_PASSWORD = '******'\nTOKEN = 'Gateway'\nPIN = 'Grüße-€'\n";

/// Writes the gateway's answers: `properties`, then [`GATEWAY_SECRETS`].
pub fn gateway_answers(path: &Path, properties: &str) {
    let text = format!("[nw-gateway]\n{properties}\n{GATEWAY_SECRETS}");
    std::fs::write(path, text).unwrap();
}

/// The properties in the gateway's installer log, checked: `BACKUP_TARGET`
/// and `NOTE` arrived whole, no `REBOOT` was set by them, every secret is
/// the mask and none is left anywhere in the log.
pub fn gateway_logged(
    log: &Path,
    target: &str,
    note: &str,
) -> std::collections::BTreeMap<String, String> {
    let logged = logged_properties(log);
    assert_eq!(
        logged.get("BACKUP_TARGET").map(String::as_str),
        Some(target)
    );
    assert_eq!(logged.get("NOTE").map(String::as_str), Some(note));
    assert_eq!(logged.get("REBOOT"), None, "REBOOT not set by a value");
    for secret in [
        "GATEWAY_KEY",
        "ADMIN_PASSWORD",
        "SERVICE_PASSWORD",
        "TOKEN",
        "PIN",
    ] {
        assert_eq!(logged[secret], "******", "{secret}");
    }
    let bytes = std::fs::read(log).unwrap();
    for leak in [&b"Gateway"[..], b"Gr\xfc\xdfe-\x80", "Grüße-€".as_bytes()] {
        assert!(
            !bytes.windows(leak.len()).any(|w| w == leak),
            "{leak:?} in the log"
        );
    }
    logged
}
