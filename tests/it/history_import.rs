//! Importing an exported history, without Wine: machines installed from the
//! v1 listing with a recording msiexec, their exported history read by `plan`
//! and `build` against v2. The incremental plan and its output, every import
//! error, the incremental bundle's files and size, two histories in one build,
//! a bundle installed on another machine, a bundle installed twice, and a
//! history edited and re-digested (read as true: the digest is no signature;
//! its bundle is refused by the machine it misdescribes).

use crate::common;

use common::bundle::json_of;
use common::faults::FaultServer;
use common::history::{Installed, Machine, V1, V2, installed, reseal, vendor};
use common::online::Builder;
use common::runner::Recorder;
use common::stderr;
use sha2::{Digest, Sha256};
use std::fs;
use std::path::{Path, PathBuf};

/// The machine the round trip starts from: smp, patch and power-scheme 7.6.
fn v1_machine(server: &FaultServer) -> Installed {
    installed(server, V1, "patch,power-scheme")
}

/// `airlock plan --listing V2 --history HISTORY` from the builder's side.
fn plan(server: &FaultServer, b: &Builder, history: &Path) -> assert_cmd::Command {
    let mut cmd = common::bundle::airlock(&b.path("state"));
    cmd.args(["plan", "--listing", &format!("{}{V2}", server.base)])
        .arg("--history")
        .arg(history);
    cmd
}

/// The steps from a v1 machine to v2: (product, version, action, reason, file).
pub const V1_TO_V2: [[&str; 5]; 6] = [
    [
        "power-scheme",
        "7.6.1440.0",
        "hotfix",
        "critical:cu-2016-02",
        "power-scheme-7.6-hf1.msi",
    ],
    [
        "smp",
        "7.6.1655.0",
        "hotfix",
        "upgrade-step",
        "smp-7.6-hf7.msi",
    ],
    [
        "smp",
        "8.0.2298.0",
        "upgrade",
        "update",
        "smp-8.0.2298.0.msi",
    ],
    ["smp", "8.0.2298.1", "hotfix", "update", "smp-8.0-hf1.msi"],
    [
        "management-views",
        "8.0.2298.0",
        "install",
        "requires:patch",
        "management-views-8.0.2298.0.msi",
    ],
    [
        "patch",
        "8.0.2298.0",
        "upgrade",
        "update",
        "patch-8.0.2298.0.msi",
    ],
];

/// `items` (plan items or bundle steps) as [`V1_TO_V2`] rows.
fn rows(items: &serde_json::Value) -> Vec<[String; 5]> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            ["product", "version", "action", "reason", "file"]
                .map(|k| i[k].as_str().unwrap_or("?").to_string())
        })
        .collect()
}

fn expected_rows() -> Vec<[String; 5]> {
    V1_TO_V2.iter().map(|r| r.map(str::to_string)).collect()
}

/// The history file rewritten by `edit`; `sealed`: with its digest made right again.
fn edited(history: &Path, name: &str, sealed: bool, edit: impl Fn(&str) -> String) -> PathBuf {
    let text = edit(&fs::read_to_string(history).unwrap());
    let out = history.with_file_name(name);
    fs::write(&out, if sealed { reseal(&text) } else { text }).unwrap();
    out
}

/// Runs `plan` on `history`, which must fail with exit 1, and returns stderr,
/// checked to name the file.
fn refused(server: &FaultServer, b: &Builder, history: &Path) -> String {
    let out = plan(server, b, history).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("history {}:", history.display())),
        "the message names the file: {err}"
    );
    err
}

#[test]
fn the_plan_from_a_v1_history_brings_every_product_to_v2() {
    let server = vendor();
    let m = v1_machine(&server);
    let json = json_of(&mut plan(&server, &m.builder, &m.history));
    assert_eq!(rows(&json["items"]), expected_rows(), "{json:#}");
    let history = fs::read(&m.history).unwrap();
    let text = String::from_utf8_lossy(&history);
    let machine_id = text.split("<machine id=\"").nth(1).unwrap()[..32].to_string();
    assert_eq!(json["machine"]["id"], machine_id.as_str());
    assert_eq!(
        json["machine"]["history"],
        hex::encode(Sha256::digest(&history)).as_str()
    );
    assert_eq!(json["unknown"], serde_json::json!([]));
    let products: Vec<String> = json["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let version = |v: &serde_json::Value| match v["hotfix"].as_str() {
                Some(h) => format!("{} {h}", v["version"].as_str().unwrap()),
                None => v["version"].as_str().unwrap_or("none").to_string(),
            };
            format!(
                "{}: {} => {} via {}",
                p["product"].as_str().unwrap(),
                version(&p["has"]),
                version(&p["will"]),
                p["path"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join(" | ")
            )
        })
        .collect();
    let mut products = products;
    products.sort();
    assert_eq!(
        products,
        [
            "management-views: none => 8.0.2298.0 via 8.0.2298.0",
            "patch: 7.6.1423.0 => 8.0.2298.0 via 8.0.2298.0",
            "power-scheme: 7.6.1423.0 => 7.6.1440.0 power-scheme-7.6-hf1 via 7.6.1440.0 (7.6 HF1)",
            "smp: 7.6.1423.0 => 8.0.2298.1 smp-8.0-hf1 via 7.6.1655.0 (7.6 HF7) | 8.0.2298.0 | 8.0.2298.1 (8.0 HF1)",
        ]
    );

    let out = plan(&server, &m.builder, &m.history).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    for line in [
        "smp 7.6.1423.0 -> 7.6.1655.0 (7.6 HF7) -> 8.0.2298.0 -> 8.0.2298.1 (8.0 HF1)",
        "patch 7.6.1423.0 -> 8.0.2298.0",
        "power-scheme 7.6.1423.0 -> 7.6.1440.0 (7.6 HF1)",
        "management-views (not installed) -> 8.0.2298.0",
    ] {
        // The product ids may be padded into a column.
        let words = |l: &str| l.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            text.lines().any(|l| words(l) == line),
            "{line:?} not a line of:\n{text}"
        );
    }
    assert!(
        !text.contains("sim-8.0.2298.0.msi"),
        "the installer is as new: {text}"
    );
}

#[test]
fn a_foreign_file_is_not_a_history() {
    let server = vendor();
    let b = Builder::new();
    let listing = b.path("itms-v1.pl.xml");
    fs::write(&listing, common::history::render(V1)).unwrap();
    let text = b.path("notes.txt");
    fs::write(&text, "srv01: smp 7.6\n").unwrap();
    let other_ns = b.path("other.xml");
    fs::write(
        &other_ns,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<history xmlns=\"urn:example:history\" version=\"1\"/>\n",
    )
    .unwrap();
    for file in [&listing, &text, &other_ns] {
        let err = refused(&server, &b, file);
        assert!(err.contains("not an Airlock product history"), "{err}");
    }
}

#[test]
fn a_history_from_a_newer_airlock_is_refused() {
    let server = vendor();
    let m = v1_machine(&server);
    let newer = edited(&m.history, "newer.xml", true, |t| {
        t.replacen(
            "xmlns=\"urn:airlock:history:1\" version=\"1\"",
            "xmlns=\"urn:airlock:history:1\" version=\"2\"",
            1,
        )
    });
    let err = refused(&server, &m.builder, &newer);
    assert!(
        err.contains("written by a newer Airlock (history format version 2; this one reads")
            && err.contains("1)"),
        "{err}"
    );
}

#[test]
fn a_history_whose_digest_does_not_match_is_damaged() {
    let server = vendor();
    let m = v1_machine(&server);
    let damaged = edited(&m.history, "damaged.xml", false, |t| {
        t.replacen("version=\"7.6.1423.0\"", "version=\"8.0.2298.0\"", 1)
    });
    let err = refused(&server, &m.builder, &damaged);
    assert!(
        err.contains("damaged or edited") && err.contains("export it again"),
        "{err}"
    );
}

#[test]
fn a_history_cut_short_is_refused() {
    let server = vendor();
    let m = v1_machine(&server);
    let whole = fs::read_to_string(&m.history).unwrap();
    let at_digest = whole.find("  <digest ").unwrap();
    let in_products = whole.find("<products>").unwrap() + 20;
    for (name, len) in [
        ("no-digest.xml", at_digest),
        ("half.xml", in_products),
        ("unclosed.xml", whole.len() - "</history>\n".len()),
    ] {
        let cut = m.history.with_file_name(name);
        fs::write(&cut, &whole[..len]).unwrap();
        let err = refused(&server, &m.builder, &cut);
        assert!(err.contains("cut short"), "{name}: {err}");
    }
}

/// The 1-based number of the first line of `text` that contains `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn a_bad_field_is_named_with_its_line() {
    let server = vendor();
    let m = v1_machine(&server);
    let whole = fs::read_to_string(&m.history).unwrap();
    let machine_id = whole.split("<machine id=\"").nth(1).unwrap()[..32].to_string();
    let cases: [(&str, &str, &str, &str); 6] = [
        // (what, replaced, by, field named)
        (
            "machine id",
            &format!("id=\"{machine_id}\""),
            "id=\"not-hex\"",
            "id",
        ),
        (
            "version",
            "version=\"7.6.1423.0\"",
            "version=\"7.6.x\"",
            "version",
        ),
        (
            "license state",
            "license=\"trial\"",
            "license=\"pirated\"",
            "license",
        ),
        (
            "unknown attribute",
            "<product id=\"patch\"",
            "<product color=\"red\" id=\"patch\"",
            "color",
        ),
        (
            "raw < in a value",
            "<product id=\"patch\"",
            "<product id=\"pa<tch\"",
            "raw `<`",
        ),
        (
            "products out of order",
            "<product id=\"patch\"",
            "<product id=\"zzz\"",
            "zzz",
        ),
    ];
    for (i, (what, from, to, field)) in cases.into_iter().enumerate() {
        // Out of order shows on the product after the edited one.
        let line = line_of(&whole, from) + usize::from(field == "zzz");
        let bad = edited(&m.history, &format!("bad-{i}.xml"), true, |t| {
            t.replacen(from, to, 1)
        });
        let err = refused(&server, &m.builder, &bad);
        assert!(
            err.contains(&format!("line {line}")) && err.contains(field),
            "{what}: line {line} and {field:?} named in: {err}"
        );
    }
}

#[test]
fn a_history_edited_by_hand_names_the_line() {
    let server = vendor();
    let m = v1_machine(&server);
    let whole = fs::read_to_string(&m.history).unwrap();
    let cases: [(&str, &str, &str); 3] = [
        ("re-indented", "  <machine ", "    <machine "),
        (
            "two spaces between attributes",
            "<product id=\"patch\" ",
            "<product id=\"patch\"  ",
        ),
        ("a CR before a line end", "<products>\n", "<products>\r\n"),
    ];
    for (i, (what, from, to)) in cases.into_iter().enumerate() {
        let line = line_of(&whole, from.trim_end());
        let bad = edited(&m.history, &format!("hand-{i}.xml"), true, |t| {
            t.replacen(from, to, 1)
        });
        let err = refused(&server, &m.builder, &bad);
        assert!(
            err.contains(&format!("line {line}")),
            "{what}: line {line} in: {err}"
        );
    }
}

#[test]
fn a_history_edited_and_re_digested_is_read_as_true_and_its_bundle_refused_by_the_machine() {
    let server = vendor();
    let m = v1_machine(&server);
    // The digest is a plain sha256, not a signature: made right again, the edit is not noticed.
    let forged = edited(&m.history, "forged.xml", true, |t| {
        t.replacen(
            "<product id=\"patch\" version=\"7.6.1423.0\"",
            "<product id=\"patch\" version=\"8.0.2298.0\"",
            1,
        )
    });
    assert_ne!(fs::read(&forged).unwrap(), fs::read(&m.history).unwrap());
    plan(&server, &m.builder, &forged).assert().success();
    // The signed base binding names what the history claimed; the machine compares its own record.
    let bundle = m.builder.path("forged.exe");
    common::history::build_incremental(&server, &m.builder, &forged, &bundle);
    let calls = m.recorder.calls().len();
    let out = m
        .machine
        .install(&bundle, &m.builder.public, &m.recorder.command())
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("patch: expected 8.0.2298.0, found 7.6.1423.0"),
        "{err}"
    );
    assert_eq!(m.recorder.calls().len(), calls, "no installer ran");
}

#[test]
fn an_installed_product_the_listings_do_not_know_is_left_alone_with_a_warning() {
    let server = vendor();
    let m = v1_machine(&server);
    let legacy = edited(&m.history, "legacy.xml", true, |t| {
        t.replacen(
            "<products>\n",
            "<products>\n    <product id=\"aa-legacy\" version=\"1.0.0.0\" installed=\"2026-01-05T09:00:00Z\" license=\"free\"/>\n",
            1,
        )
    });
    let out = plan(&server, &m.builder, &legacy).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("warning:")
            && err.contains("installed product \"aa-legacy\"")
            && err.contains("is not in the listings; it is left alone"),
        "{err}"
    );
    let json = json_of(&mut plan(&server, &m.builder, &legacy));
    assert_eq!(json["unknown"], serde_json::json!(["aa-legacy"]));
    assert_eq!(rows(&json["items"]), expected_rows());
}

#[test]
fn a_listing_older_than_the_one_the_machine_last_used_is_refused() {
    let server = vendor();
    let m = installed(&server, V2, "power-scheme");
    let mut cmd = common::bundle::airlock(&m.builder.path("state"));
    let out = cmd
        .args(["plan", "--listing", &format!("{}{V1}", server.base)])
        .arg("--history")
        .arg(&m.history)
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("2026100101") && err.contains("2026110101"),
        "{err}"
    );
}

/// Builds the incremental bundle of `m`'s history from v2 into `out`; its report.
fn build_incremental(server: &FaultServer, m: &Installed, out: &Path) -> serde_json::Value {
    common::history::build_incremental(server, &m.builder, &m.history, out)
}

fn file_names(report: &serde_json::Value) -> Vec<String> {
    let mut names: Vec<String> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

/// The files an incremental bundle from v1 to v2 holds, sorted.
const V1_TO_V2_FILES: [&str; 8] = [
    "itms-eula.txt",
    "itms-v2.pl.xml",
    "management-views-8.0.2298.0.msi",
    "patch-8.0.2298.0.msi",
    "power-scheme-7.6-hf1.msi",
    "smp-7.6-hf7.msi",
    "smp-8.0-hf1.msi",
    "smp-8.0.2298.0.msi",
];

/// Where the fixture site keeps the file a bundle names `file`.
fn site_path(file: &str) -> String {
    let dir = match file {
        f if f.ends_with(".txt") => "eula",
        f if f.contains("-hf") => "hf",
        _ => "msi",
    };
    format!("{dir}/{file}")
}

#[test]
fn the_incremental_bundle_holds_only_the_changed_files() {
    let server = vendor();
    let m = v1_machine(&server);
    let bundle = m.builder.path("incremental.exe");
    let report = build_incremental(&server, &m, &bundle);
    assert_eq!(file_names(&report), V1_TO_V2_FILES);
    let site = common::runner::site();
    let mut sum = fs::metadata(site.join(site_path("itms-eula.txt")))
        .unwrap()
        .len();
    sum += common::history::render(V2).len() as u64;
    for file in &V1_TO_V2_FILES[2..] {
        sum += fs::metadata(site.join(site_path(file))).unwrap().len();
    }
    let runner = fs::metadata(assert_cmd::cargo::cargo_bin("airlock"))
        .unwrap()
        .len();
    let size = fs::metadata(&bundle).unwrap().len();
    assert_eq!(report["size"], size);
    assert!(
        size <= runner + sum + 8 * 1024,
        "bundle {size} bytes > runner {runner} + files {sum} + 8 KiB"
    );

    let inspect = json_of(
        common::bundle::airlock(&m.builder.path("state"))
            .arg("inspect")
            .arg(&bundle),
    );
    let content = &inspect["content"];
    assert_eq!(rows(&content["steps"]), expected_rows());
    assert!(
        content.get("installer").is_none(),
        "the machine's installer is as new"
    );
    let history = fs::read(&m.history).unwrap();
    assert_eq!(
        content["base"]["digest"],
        hex::encode(Sha256::digest(&history)).as_str()
    );
    let expected: Vec<String> = content["base"]["expected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["product"].as_str().unwrap(),
                e["version"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        expected,
        [
            "patch 7.6.1423.0",
            "power-scheme 7.6.1423.0",
            "smp 7.6.1423.0"
        ]
    );
}

/// `history` with its machine renamed `name`.
fn renamed(history: &Path, name: &str) -> PathBuf {
    edited(history, &format!("{name}.xml"), true, |t| {
        let start = t.find("<machine ").unwrap();
        let end = start + t[start..].find("/>").unwrap();
        let id = t[start..end].split("id=\"").nth(1).unwrap()[..32].to_string();
        format!(
            "{}<machine id=\"{id}\" name=\"{name}\"{}",
            &t[..start],
            &t[end..]
        )
    })
}

#[test]
fn two_histories_in_one_build_give_two_bundles_sharing_each_download() {
    let server = vendor();
    let a = v1_machine(&server);
    let b = installed(&server, V1, "smp");
    let srv_a = renamed(&a.history, "srv-a");
    let srv_b = renamed(&b.history, "srv-b");
    let online = Builder::new();
    let out = online.path("bundles");
    fs::create_dir(&out).unwrap();
    let paths: Vec<String> = V1_TO_V2_FILES
        .iter()
        .filter(|f| !f.ends_with(".pl.xml"))
        .map(|f| site_path(f))
        .collect();
    let requests = || -> Vec<usize> { paths.iter().map(|p| server.requests(p)).collect() };
    let before = requests();
    let report = json_of(
        online
            .build(&format!("{}{V2}", server.base), &["--accept-eula"])
            .env("SOURCE_DATE_EPOCH", "1764000000")
            .arg("--history")
            .arg(&srv_a)
            .arg("--history")
            .arg(&srv_b)
            .arg("--out")
            .arg(&out),
    );
    let bundles = report["bundles"].as_array().unwrap();
    assert_eq!(bundles.len(), 2, "{report:#}");
    let by_machine = |name: &str| {
        bundles
            .iter()
            .find(|b| b["machine"]["name"] == name)
            .unwrap_or_else(|| panic!("no bundle for {name}: {report:#}"))
    };
    let one = by_machine("srv-a");
    let two = by_machine("srv-b");
    assert_eq!(file_names(one), V1_TO_V2_FILES);
    assert_eq!(
        file_names(two),
        [
            "itms-eula.txt",
            "itms-v2.pl.xml",
            "smp-7.6-hf7.msi",
            "smp-8.0-hf1.msi",
            "smp-8.0.2298.0.msi"
        ]
    );
    assert_eq!(
        one["bundle"],
        out.join("Symantec_Install_Package_srv-a_20251124_160000")
            .display()
            .to_string()
    );
    assert_eq!(
        two["bundle"],
        out.join("Symantec_Install_Package_srv-b_20251124_160000")
            .display()
            .to_string()
    );
    for b in [one, two] {
        assert!(Path::new(b["bundle"].as_str().unwrap()).is_file());
    }
    let downloaded: Vec<usize> = requests().iter().zip(&before).map(|(a, b)| a - b).collect();
    assert_eq!(downloaded, [1; 7], "each of {paths:?} downloaded once");
    assert_eq!(
        server.requests("installer/sim-8.0.2298.0.msi"),
        2,
        "only the two v1 builds"
    );
}

#[test]
fn an_incremental_bundle_for_another_machine_is_refused_before_anything_changes() {
    let server = vendor();
    let a = v1_machine(&server);
    let other = Machine::new();
    let recorder = Recorder::new();
    let full = a.builder.path("full.exe");
    other
        .install(&full, &a.builder.public, &recorder.command())
        .assert()
        .success();
    let calls = recorder.calls().len();
    let bundle = a.builder.path("incremental.exe");
    build_incremental(&server, &a, &bundle);
    let out = other
        .install(&bundle, &a.builder.public, &recorder.command())
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("machine") && err.contains("--force-base"),
        "{err}"
    );
    assert_eq!(recorder.calls().len(), calls, "no installer ran");
    assert_eq!(
        other.status(),
        [
            "patch 7.6.1423.0",
            "power-scheme 7.6.1423.0",
            "smp 7.6.1423.0"
        ]
    );
}

#[test]
fn installing_the_same_incremental_bundle_twice_does_nothing_the_second_time() {
    let server = vendor();
    let m = v1_machine(&server);
    let bundle = m.builder.path("incremental.exe");
    let report = build_incremental(&server, &m, &bundle);
    let before = m.recorder.calls().len();
    m.machine
        .install(&bundle, &m.builder.public, &m.recorder.command())
        .assert()
        .success();
    let calls = m.recorder.calls();
    let ran: Vec<&str> = calls[before..]
        .iter()
        .map(|c| {
            V1_TO_V2
                .iter()
                .find(|r| c.contains(r[4]))
                .map_or(c.as_str(), |r| r[4])
        })
        .collect();
    assert_eq!(
        ran,
        V1_TO_V2.map(|r| r[4]),
        "one msiexec run per step, in order"
    );
    let after = m.machine.status();
    assert_eq!(
        after,
        [
            "management-views 8.0.2298.0",
            "patch 8.0.2298.0",
            "power-scheme 7.6.1440.0",
            "smp 8.0.2298.1"
        ]
    );

    let out = m
        .machine
        .install(&bundle, &m.builder.public, &m.recorder.command())
        .output()
        .unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{said}");
    let id = report["bundleId"].as_str().unwrap();
    assert!(
        said.contains(id) && said.contains("already installed") && said.contains("nothing"),
        "{said}"
    );
    assert_eq!(m.recorder.calls().len(), calls.len(), "no installer ran");
    assert_eq!(m.machine.status(), after);
}

#[test]
fn select_narrows_the_update_and_the_pending_critical_update_still_comes() {
    let server = vendor();
    let m = v1_machine(&server);
    // patch 8.0 needs management-views, which needs smp 8.0: smp comes as a
    // requirement now, not as an update of its own; the critical update of
    // power-scheme, which nobody selected, still comes first.
    let json = json_of(plan(&server, &m.builder, &m.history).args(["--select", "patch"]));
    let expected: Vec<[String; 5]> = expected_rows()
        .into_iter()
        .map(|mut r| {
            if r[0] == "smp" && r[3] == "update" {
                r[3] = "requires:management-views".into();
            }
            r
        })
        .collect();
    assert_eq!(rows(&json["items"]), expected);

    let json = json_of(plan(&server, &m.builder, &m.history).args(["--select", "power-scheme"]));
    let got = rows(&json["items"]);
    assert_eq!(
        got,
        [expected_rows()[0].clone()],
        "smp and patch are left as they are"
    );
}

#[test]
fn licenses_for_installed_products_are_bundled_and_others_refused() {
    let server = vendor();
    let m = v1_machine(&server);
    let license = |name: &str| common::runner::site().join(format!("../licenses/{name}.xml"));
    let out = m.builder.path("power.exe");
    let report = common::bundle::built_one(
        m.builder
            .build(
                &format!("{}{V2}", server.base),
                &["--accept-eula", "--select", "power-scheme"],
            )
            .arg("--history")
            .arg(&m.history)
            .arg("--license")
            .arg(license("patch"))
            .arg("--out")
            .arg(&out),
    );
    assert!(
        file_names(&report).contains(&"patch.xml".to_string()),
        "patch is installed on the machine: its license travels ({report})"
    );
    let refused = m
        .builder
        .build(
            &format!("{}{V2}", server.base),
            &["--accept-eula", "--select", "power-scheme"],
        )
        .arg("--history")
        .arg(&m.history)
        .arg("--license")
        .arg(license("asset-perpetual"))
        .arg("--out")
        .arg(m.builder.path("refused.exe"))
        .output()
        .unwrap();
    let err = stderr(&refused);
    assert_eq!(refused.status.code(), Some(1), "{err}");
    assert!(err.contains("nor on the machine"), "{err}");
    assert!(!m.builder.path("refused.exe").exists());
}

#[test]
fn force_base_never_runs_a_step_from_a_version_the_machine_does_not_have() {
    let server = vendor();
    let a = v1_machine(&server);
    let bundle = a.builder.path("incremental.exe");
    build_incremental(&server, &a, &bundle);
    let fresh = Machine::new();
    let recorder = Recorder::new();
    let out = fresh
        .install(&bundle, &a.builder.public, &recorder.command())
        .arg("--force-base")
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("step 2 takes smp from 7.6.1423.0, and this machine has none then"),
        "{err}"
    );
    assert!(recorder.calls().is_empty(), "no installer ran");
}

#[test]
fn machines_of_one_name_get_bundles_of_their_own_and_a_bad_out_stops_first() {
    let server = vendor();
    let a = v1_machine(&server);
    let b = installed(&server, V1, "smp");
    let (one, two) = (renamed(&a.history, "srv"), renamed(&b.history, "srv"));
    let online = Builder::new();
    let out = online.path("bundles");
    fs::create_dir(&out).unwrap();
    let build = |out: &Path| {
        let mut cmd = online.build(&format!("{}{V2}", server.base), &["--accept-eula"]);
        cmd.env("SOURCE_DATE_EPOCH", "1764000000")
            .arg("--history")
            .arg(&one)
            .arg("--history")
            .arg(&two)
            .arg("--out")
            .arg(out);
        cmd
    };
    let report = json_of(&mut build(&out));
    let paths: Vec<&str> = report["bundles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["bundle"].as_str().unwrap())
        .collect();
    assert_eq!(paths.len(), 2);
    assert_ne!(paths[0], paths[1], "one bundle never replaces another");
    assert_eq!(fs::read_dir(&out).unwrap().count(), 2);

    let requests = server.requests("msi/smp-8.0.2298.0.msi");
    let missing = build(&online.path("missing")).output().unwrap();
    assert_eq!(missing.status.code(), Some(2), "{}", stderr(&missing));
    assert_eq!(
        server.requests("msi/smp-8.0.2298.0.msi"),
        requests,
        "nothing downloaded"
    );
}

/// A history of `products` installed products (`p0000000`, …, sorted), sealed.
fn large_history(products: usize) -> String {
    let mut text = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <history xmlns=\"urn:airlock:history:1\" version=\"1\">\n  \
         <machine id=\"0123456789abcdef0123456789abcdef\" name=\"srv01\"/>\n  <products>\n",
    );
    for i in 0..products {
        text.push_str(&format!(
            "    <product id=\"p{i:07}\" version=\"7.6.{}.0\" installed=\"2026-11-18T11:06:40Z\" license=\"free\"/>\n",
            i % 60_000
        ));
    }
    text.push_str(
        "  </products>\n  <listings>\n    \
         <listing vendor=\"Scale\" name=\"Scale\" serial=\"1\"/>\n  </listings>\n  <bundles/>\n  \
         <digest algorithm=\"sha256\"></digest>\n</history>\n",
    );
    reseal(&text)
}

/// A listing that knows every tenth product of [`large_history`] and offers
/// each of those an upgrade.
fn large_listing(products: usize) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <productListing xmlns=\"urn:airlock:product-listing:1\" vendor=\"Scale\" name=\"Scale\" \
         serial=\"2\" published=\"2026-11-20T10:00:00Z\">\n",
    );
    let zeros = "0".repeat(64);
    for i in (0..products).step_by(10) {
        let v = i % 60_000;
        xml.push_str(&format!(
            "<product id=\"p{i:07}\" name=\"P{i}\" kind=\"solution\">\
             <release version=\"7.6.{v}.0\" license=\"free\"><payload kind=\"msi\" file=\"p{i}-76.msi\" url=\"p{i}-76.msi\" size=\"10\" sha256=\"{zeros}\"/></release>\
             <release version=\"8.0.{v}.0\" license=\"free\"><payload kind=\"msi\" file=\"p{i}-80.msi\" url=\"p{i}-80.msi\" size=\"10\" sha256=\"{zeros}\"/>\
             <upgradesFrom version=\"7.6.*\"/></release></product>\n"
        ));
    }
    xml.push_str("</productListing>\n");
    xml
}

#[test]
fn planning_from_a_history_grows_linearly_with_its_products() {
    let dir = tempfile::tempdir().unwrap();
    let sizes = [40_000, 160_000];
    let files = sizes.map(|n| {
        let history = dir.path().join(format!("history-{n}.xml"));
        let listing = dir.path().join(format!("scale-{n}.pl.xml"));
        fs::write(&history, large_history(n)).unwrap();
        fs::write(&listing, large_listing(n)).unwrap();
        (n, history, listing)
    });
    if !common::require_tools("planning_from_a_history_grows_linearly", &["/usr/bin/time"]) {
        return;
    }
    // The CPU seconds the planner spends (user + system, as the kernel counts
    // them for the process), not wall-clock time: other work on a loaded
    // machine does not add to them.
    let run = |(n, history, listing): &(usize, PathBuf, PathBuf)| {
        let times = dir.path().join(format!("cpu-{n}"));
        let out = std::process::Command::new("/usr/bin/time")
            .args(["-f", "%U %S", "-o"])
            .arg(&times)
            .arg(assert_cmd::cargo::cargo_bin("airlock"))
            .env_remove("RUST_BACKTRACE")
            .env("AIRLOCK_ROOT", dir.path().join("state"))
            .arg("plan")
            .arg("--listing")
            .arg(listing)
            .arg("--history")
            .arg(history)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        // Every product has its line: the known ones upgraded, the others left alone.
        let text = String::from_utf8_lossy(&out.stdout);
        let alone = text.matches("(not in the listings: left alone)").count();
        assert_eq!(alone, n - n / 10, "{}", stderr(&out));
        let times = fs::read_to_string(&times).unwrap();
        let cpu: f64 = times
            .split_whitespace()
            .map(|t| t.parse::<f64>().unwrap())
            .sum();
        // /usr/bin/time counts hundredths: never divide by zero.
        cpu.max(0.01)
    };
    // The least of three runs of each size.
    let mut best = [f64::MAX; 2];
    for _ in 0..3 {
        for (b, f) in best.iter_mut().zip(&files) {
            *b = b.min(run(f));
        }
    }
    // Four times the products: about four times the work when linear,
    // sixteen when quadratic.
    let ratio = best[1] / best[0];
    assert!(
        ratio < 8.0,
        "160,000 products took {ratio:.1} times the CPU of 40,000 ({:.2} s / {:.2} s): planning from a history is not linear",
        best[1],
        best[0]
    );
}
