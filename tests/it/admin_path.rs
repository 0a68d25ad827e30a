//! The path a Windows administrator walks, installed for real through
//! `wine msiexec`: one answers file per machine carries an ITMS 7.6 -> 8.0
//! update (a hot fix first, then the release that needs a password)
//! unattended; a product keeps its identity through a hot fix shipped as a
//! full MSI, so repair and uninstall still work; an uninstall cascade with
//! one product that cannot be removed removes nothing; `status` shows a
//! restart an installer asked for and the bundles installed; a state root
//! that does not exist is an error.

use crate::common;

use common::bundle::{airlock, json_of, on_bundle, step};
use common::history::{V1, V2, on_wine, render, vendor};
use common::online::Builder;
use common::runner::{Wine, msi_step, package, product_code, requires, site};
use std::path::{Path, PathBuf};
use std::process::Output;

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The UpgradeCode every smp MSI shares (fixtures/msi/products.tsv).
const SMP_UPGRADE_CODE: &str = "{927A1907-C165-4734-88CD-7B2BB9A3AF7A}";

/// The v2 listing as a vendor would publish the 8.0 platform: its release
/// takes the Notification Server password (required, secret) and an install
/// folder, and its hot fixes name no ProductCode (the builder reads each
/// MSI's own).
fn v2_with_password() -> Vec<u8> {
    let text = String::from_utf8(render(V2)).unwrap();
    let from_hf7 = r#"<upgradesFrom version="=7.6.1655.0"/>"#;
    assert_eq!(text.matches(from_hf7).count(), 1, "smp 8.0's upgrade path");
    let text = text.replace(
        from_hf7,
        &format!(
            "{from_hf7}\n      <property name=\"INSTALLDIR\" description=\"Install folder\"/>\n      \
             <property name=\"NS_PASSWORD\" required=\"true\" secret=\"true\" \
             description=\"Notification Server account password\"/>"
        ),
    );
    let mut parts = text.split("<hotfix ");
    let mut out = parts.next().unwrap().to_string();
    for part in parts {
        let (hotfix, rest) = part.split_once("</hotfix>").unwrap();
        let attribute = " productCode=\"";
        let at = hotfix
            .find(attribute)
            .expect("an MSI hot fix names its code");
        let value = at + attribute.len();
        let end = value + hotfix[value..].find('"').unwrap() + 1;
        out.push_str("<hotfix ");
        out.push_str(&hotfix[..at]);
        out.push_str(&hotfix[end..]);
        out.push_str("</hotfix>");
        out.push_str(rest);
    }
    assert_eq!(out.matches("<hotfix ").count(), 3);
    out.into_bytes()
}

/// The folder of an smp release on the Wine drive, and the first line of its file.
fn smp_on_drive(wine: &Wine) -> String {
    let file = wine.c("Program Files/Altiris/Symantec Management Platform/smp.txt");
    std::fs::read_to_string(file).map_or("(absent)".into(), |t| {
        t.lines().next().unwrap_or_default().to_string()
    })
}

#[test]
fn one_answers_file_carries_the_7_6_to_8_0_update_unattended_and_smp_stays_removable() {
    let test = "one_answers_file_carries_the_7_6_to_8_0_update_unattended_and_smp_stays_removable";
    if !common::require_tools(test, &["wine", "wineserver"]) {
        return;
    }
    let server = vendor();
    server.add(
        "itms-v2-password.pl.xml",
        v2_with_password(),
        vec![],
        vec![],
    );
    let builder = Builder::new();
    let (wine, machine) = on_wine(&server, &builder, V1, "smp");
    assert_eq!(machine.status(), ["smp 7.6.1423.0"]);
    let history = machine.export(builder.path("history.xml"));
    let update = builder.path("update.exe");
    builder
        .build(
            &format!("{}itms-v2-password.pl.xml", server.base),
            &["--accept-eula", "--history"],
        )
        .arg(&history)
        .arg("--out")
        .arg(&update)
        .assert()
        .success();

    // The builder read every MSI's codes, the hot fixes' too.
    let inspect = json_of(airlock(&builder.path("state")).arg("inspect").arg(&update));
    let steps: Vec<String> = inspect["content"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let file = site().join(if s["kind"] == "hotfix" { "hf" } else { "msi" });
            let msi = file.join(s["file"].as_str().unwrap());
            assert_eq!(s["productCode"], product_code(&msi).as_str(), "{s:#}");
            assert_eq!(s["upgradeCode"], SMP_UPGRADE_CODE, "{s:#}");
            let props: Vec<&str> = s["properties"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            format!(
                "{} {} {}",
                s["version"].as_str().unwrap(),
                s["action"],
                props.join(",")
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            "7.6.1655.0 \"hotfix\" ",
            "8.0.2298.0 \"upgrade\" INSTALLDIR,NS_PASSWORD",
            "8.0.2298.1 \"hotfix\" INSTALLDIR,NS_PASSWORD"
        ]
    );

    let install = |args: &[&str]| {
        machine
            .install_on(&wine, &update, &builder.public)
            .args(args)
            .output()
            .unwrap()
    };
    // Without the password: a dry run lists it, an install stops before any change.
    let out = install(&["--dry-run"]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(
        said.contains(
            "[MISSING] [smp] NS_PASSWORD (Notification Server account password): required, and no value is given"
        ) && said.contains("the install would stop before any change: 1 required property has no value"),
        "{said}"
    );
    let out = install(&[]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains("required installer properties have no value: [smp] NS_PASSWORD")
            && said.contains("Nothing was changed"),
        "{said}"
    );
    assert_eq!(machine.status(), ["smp 7.6.1423.0"]);
    assert_eq!(
        smp_on_drive(&wine),
        "Symantec Management Platform 7.6.1423.0"
    );

    // The machine's one answers file: a typo, an answer for a later bundle,
    // a product this bundle does not hold.
    let answers = builder.path("server1.toml");
    std::fs::write(
        &answers,
        "[smp]\nNS_PASSWORD = 'Ns-Secret-5821'\nINSTALL_DIR = 'D:\\Altiris'\n\
         CONSOLE_PORT = '8443'\n\n[nw-backup-agent]\nBACKUP_TARGET = 'D:\\Backups'\n",
    )
    .unwrap();
    let out = install(&["--answers", answers.to_str().unwrap()]);
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    let shown = answers.display();
    for warning in [
        format!(
            "warning: [smp] INSTALL_DIR in {shown}: no step of smp in this bundle takes it; it is \
             not used (did you mean INSTALLDIR?)"
        ),
        format!(
            "warning: [smp] CONSOLE_PORT in {shown}: no step of smp in this bundle takes it; it is not used\n"
        ),
        format!(
            "warning: [nw-backup-agent] in {shown}: this bundle installs no nw-backup-agent; its \
             answers are left for another bundle"
        ),
    ] {
        assert!(said.contains(&warning), "{warning:?} in:\n{said}");
    }
    assert_eq!(machine.status(), ["smp 8.0.2298.1"]);
    assert_eq!(
        smp_on_drive(&wine),
        "Symantec Management Platform 8.0.2298.1"
    );
    assert_eq!(
        common::runner::files_containing(machine.root.path(), b"Ns-Secret-5821"),
        Vec::<PathBuf>::new()
    );

    // After the hot fix (a full MSI), smp is the hot fix's product.
    let hf1 = product_code(&site().join("hf/smp-8.0-hf1.msi"));
    assert!(wine.registered(&hf1));
    let status = json_of(&mut machine.airlock(&["status"]));
    assert_eq!(status["products"][0]["productCode"], hf1.as_str());
    let smp_txt = wine.c("Program Files/Altiris/Symantec Management Platform/smp.txt");
    std::fs::remove_file(&smp_txt).unwrap();
    let out = machine
        .airlock(&["repair", "smp", "--msiexec", "wine msiexec"])
        .envs(wine.vars())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        smp_on_drive(&wine),
        "Symantec Management Platform 8.0.2298.1"
    );
    let out = machine
        .airlock(&["uninstall", "smp", "--yes", "--msiexec", "wine msiexec"])
        .envs(wine.vars())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(!wine.registered(&hf1) && !smp_txt.exists());
    assert_eq!(machine.status(), Vec::<String>::new());
}

/// `airlock ARGS... --msiexec "wine msiexec"` on `root`, in `wine`'s prefix.
fn through_wine(wine: &Wine, root: &Path, args: &[&str]) -> Output {
    airlock(root)
        .args(args)
        .args(["--msiexec", "wine msiexec"])
        .envs(wine.vars())
        .output()
        .unwrap()
}

#[test]
fn a_bundle_without_codes_still_leaves_a_hot_fixed_product_repairable_and_removable() {
    let test = "a_bundle_without_codes_still_leaves_a_hot_fixed_product_repairable_and_removable";
    if !common::require_tools(test, &["wine", "wineserver"]) {
        return;
    }
    let wine = Wine::new();
    let root = tempfile::tempdir().unwrap();
    let builder = common::runner::Builder::new();
    // Both bundles as a builder that recorded no codes wrote them.
    let mut smp76 = msi_step("smp", "7.6.1423.0");
    smp76.0.product_code = None;
    let (first, files) = package(vec![smp76], Vec::new());
    let bundle = builder.bundle("first", &first, &files, 1_790_000_000);
    let install = |bundle: &Path| {
        common::runner::install(root.path(), bundle, &builder.keys.public, "wine msiexec")
            .envs(wine.vars())
            .output()
            .unwrap()
    };
    let out = install(&bundle);
    assert!(out.status.success(), "{}", text(&out));
    // As an older builder wrote it: no ProductCode.
    let (mut hf7, file) = common::runner::hf7_step();
    hf7.product_code = None;
    let msi = site().join("hf/smp-7.6-hf7.msi");
    let (second, files) = package(vec![(hf7, file)], Vec::new());
    let out = install(&builder.bundle("hf7", &second, &files, 1_790_000_100));
    assert!(out.status.success(), "{}", text(&out));

    let hf7_code = product_code(&msi);
    let old_code = product_code(&site().join("msi/smp-7.6.1423.0.msi"));
    assert!(wine.registered(&hf7_code) && !wine.registered(&old_code));
    let status = json_of(airlock(root.path()).arg("status"));
    assert_eq!(status["products"][0]["productCode"], hf7_code.as_str());
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.path().join("record.json")).unwrap()).unwrap();
    assert_eq!(record["products"]["smp"]["upgradeCode"], SMP_UPGRADE_CODE);

    let smp_txt = wine.c("Program Files/Altiris/Symantec Management Platform/smp.txt");
    std::fs::remove_file(&smp_txt).unwrap();
    let out = through_wine(&wine, root.path(), &["repair", "smp"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(smp_txt.exists(), "repaired from the hot fix's MSI");
    let out = through_wine(&wine, root.path(), &["uninstall", "smp", "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!wine.registered(&hf7_code) && !smp_txt.exists());
}

#[test]
fn a_cascade_with_one_product_that_cannot_be_removed_removes_nothing() {
    let test = "a_cascade_with_one_product_that_cannot_be_removed_removes_nothing";
    if !common::require_tools(test, &["wine", "wineserver"]) {
        return;
    }
    let wine = Wine::new();
    let root = tempfile::tempdir().unwrap();
    let builder = common::runner::Builder::new();
    let agent = msi_step("nw-backup-agent", "3.2.0.410");
    let mut console = msi_step("nw-console", "3.2.0.410");
    console.0.requires.push(requires("nw-backup-agent"));
    let codes = [
        agent.0.product_code.clone().unwrap(),
        console.0.product_code.clone().unwrap(),
    ];
    let (p, files) = package(vec![agent, console], Vec::new());
    let bundle = builder.bundle("nw", &p, &files, 1_790_000_000);
    let out = common::runner::install(root.path(), &bundle, &builder.keys.public, "wine msiexec")
        .envs(wine.vars())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let files_on_drive = [
        wine.c("Program Files/Northwind/Northwind Backup Agent/nw-backup-agent.txt"),
        wine.c("Program Files/Northwind/Northwind Console/nw-console.txt"),
    ];
    // `wine reg` can fail on a busy machine: a code counts as gone only when
    // three queries in a row say so.
    let registered = |code: &str| (0..3).any(|_| wine.registered(code));
    let all_there =
        || codes.iter().all(|c| registered(c)) && files_on_drive.iter().all(|f| f.exists());
    assert!(all_there());

    // An installer command that is not there: refused before anything runs.
    let out = airlock(root.path())
        .args([
            "uninstall",
            "nw-backup-agent",
            "--yes",
            "--msiexec",
            "no-such-wine msiexec",
        ])
        .envs(wine.vars())
        .output()
        .unwrap();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains(
            "nothing was uninstalled: the installer command `no-such-wine msiexec` cannot run: \
             no-such-wine is not found"
        ),
        "{said}"
    );

    // The console's record as an older airlock wrote it (no ProductCode), and
    // its extracted MSI cleaned away: it cannot be removed, so nothing is.
    let record_path = root.path().join("record.json");
    let mut record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&record_path).unwrap()).unwrap();
    let console = record["products"]["nw-console"].as_object_mut().unwrap();
    console.remove("productCode");
    console.remove("upgradeCode");
    let console_msi = PathBuf::from(console["file"].as_str().unwrap());
    std::fs::write(&record_path, serde_json::to_vec_pretty(&record).unwrap()).unwrap();
    std::fs::remove_file(&console_msi).unwrap();
    let status = json_of(airlock(root.path()).arg("status"));
    assert_eq!(
        status["products"][1]["productCode"],
        serde_json::Value::Null,
        "the old record loads"
    );

    let out = through_wine(
        &wine,
        root.path(),
        &["uninstall", "nw-backup-agent", "--yes"],
    );
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains(&format!(
            "nothing was uninstalled: nw-console 3.2.0.410 cannot be removed: no ProductCode is \
             recorded for it and its installer file {} is gone",
            console_msi.display()
        )),
        "{said}"
    );
    assert!(all_there(), "nothing removed");
    assert_eq!(
        json_of(airlock(root.path()).arg("status"))["products"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

/// Builds the MSI that asks for a restart (tests/fixtures/restart) into `dir`.
fn restart_msi(dir: &Path) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/restart");
    let msi = dir.join("nw-storage-driver-1.0.0.0.msi");
    let status = std::process::Command::new("wixl")
        .args(["-a", "x64", "-o"])
        .arg(&msi)
        .arg("restart.wxs")
        .current_dir(&source)
        .status()
        .unwrap();
    assert!(status.success(), "wixl builds restart.wxs");
    msi
}

#[test]
fn status_shows_a_pending_restart_and_the_bundles_installed_in_aligned_columns() {
    let test = "status_shows_a_pending_restart_and_the_bundles_installed_in_aligned_columns";
    if !common::require_tools(test, &["wine", "wineserver", "wixl"]) {
        return;
    }
    let wine = Wine::new();
    let root = tempfile::tempdir().unwrap();
    let builder = common::runner::Builder::new();
    let agent = msi_step("nw-backup-agent", "3.2.0.410");
    let (p, files) = package(vec![agent], Vec::new());
    let first = builder.bundle("agent", &p, &files, 1_790_000_000);
    let msi = restart_msi(builder.dir.path());
    let mut driver = step(
        "nw-storage-driver",
        "Northwind Storage Driver",
        "1.0.0.0",
        "nw-storage-driver-1.0.0.0.msi",
        airlock::package::Method::Msi,
    );
    driver.product_code = Some(product_code(&msi));
    let file = (
        "nw-storage-driver-1.0.0.0.msi".to_string(),
        "msi",
        std::fs::read(&msi).unwrap(),
    );
    let (p, files) = package(vec![(driver, file)], Vec::new());
    let second = builder.bundle("driver", &p, &files, 1_790_000_100);
    let install = |bundle: &Path| {
        common::runner::install(root.path(), bundle, &builder.keys.public, "wine msiexec")
            .envs(wine.vars())
            .output()
            .unwrap()
    };
    let out = install(&first);
    assert!(out.status.success(), "{}", text(&out));
    let status = json_of(airlock(root.path()).arg("status"));
    assert_eq!(status["restartPending"], serde_json::Value::Null);
    let out = install(&second);
    assert_eq!(out.status.code(), Some(10), "{}", text(&out));

    let status = json_of(airlock(root.path()).arg("status"));
    assert_eq!(status["restartPending"]["by"], "nw-storage-driver 1.0.0.0");
    let fingerprint = json_of(&mut on_bundle(
        root.path(),
        &["verify"],
        &first,
        &builder.keys.public,
    ))["keyFingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    let bundles: Vec<String> = status["bundles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            format!(
                "{} {}",
                b["created"].as_str().unwrap(),
                b["keyFingerprint"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        bundles,
        [
            format!("2026-09-21T14:13:20Z {fingerprint}"),
            format!("2026-09-21T14:15:00Z {fingerprint}")
        ]
    );
    for field in ["id", "version", "hotfix", "license"] {
        assert!(status["products"][0].get(field).is_some(), "{field}");
    }

    let out = airlock(root.path()).arg("status").output().unwrap();
    assert!(out.status.success());
    let shown = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = shown.lines().collect();
    let header = lines[0];
    assert!(header.starts_with("PRODUCT "), "{shown}");
    let column = |line: &str, word: &str| {
        line.find(word)
            .unwrap_or_else(|| panic!("{word} in {line}"))
    };
    for (row, version) in [(lines[1], "3.2.0.410"), (lines[2], "1.0.0.0")] {
        assert_eq!(column(header, "VERSION"), column(row, version), "{shown}");
        assert_eq!(
            column(header, "LICENSE"),
            column(row, "trial until"),
            "{shown}"
        );
    }
    assert!(lines[1].starts_with("nw-backup-agent ") && lines[2].starts_with("nw-storage-driver "));
    let bundles_at = lines
        .iter()
        .position(|l| *l == "bundles installed:")
        .unwrap();
    let header = lines[bundles_at + 1];
    assert_eq!(
        column(header, "BUILDER KEY"),
        column(lines[bundles_at + 2], &fingerprint),
        "{shown}"
    );
    assert!(
        shown.contains("restart pending: nw-storage-driver 1.0.0.0 asked for a restart at "),
        "{shown}"
    );
}

#[test]
fn a_state_root_that_does_not_exist_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-root");
    for args in [
        vec!["status"],
        vec!["status", "--json"],
        vec!["support-package", "--out", dir.path().to_str().unwrap()],
        vec![
            "history",
            "export",
            "--out",
            dir.path().join("h.xml").to_str().unwrap(),
        ],
        vec!["uninstall", "smp", "--yes", "--msiexec", "wine msiexec"],
    ] {
        let out = airlock(&missing).args(&args).output().unwrap();
        let said = text(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {said}");
        assert!(
            said.contains(&format!("{}: no such state root", missing.display())),
            "{args:?}: {said}"
        );
        assert!(!said.contains("nothing installed"), "{said}");
    }
    assert!(!missing.exists(), "nothing created");
    assert_eq!(common::bundle::listing(dir.path()), Vec::<String>::new());
}
