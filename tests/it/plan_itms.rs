//! `airlock plan` on the fixture ITMS vendor site (fixtures/site/itms.pl.xml):
//! suites expand to the guide's Table A-2 sets, and every selection rule holds
//! through the real binary.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeSet;

fn listing() -> String {
    format!("{}/fixtures/site/itms.pl.xml", env!("CARGO_MANIFEST_DIR"))
}

fn airlock(args: &[&str]) -> assert_cmd::assert::Assert {
    let listing = listing();
    Command::cargo_bin("airlock")
        .unwrap()
        .env_remove("RUST_BACKTRACE")
        .args(["plan", "--listing", &listing])
        .args(args)
        .assert()
}

/// The plan JSON of a selection that must resolve.
fn plan(args: &[&str]) -> Value {
    let out = airlock(&[args, &["--json"]].concat()).success();
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

/// `action product version reason` per item.
fn lines(plan: &Value) -> Vec<String> {
    items(plan)
        .iter()
        .map(|i| {
            format!(
                "{} {} {} {}",
                i["action"].as_str().unwrap(),
                i["product"].as_str().unwrap(),
                i["version"].as_str().unwrap(),
                i["reason"].as_str().unwrap()
            )
        })
        .collect()
}

fn items(plan: &Value) -> &Vec<Value> {
    plan["items"].as_array().unwrap()
}

fn products(plan: &Value) -> BTreeSet<String> {
    items(plan)
        .iter()
        .map(|i| i["product"].as_str().unwrap().to_string())
        .collect()
}

/// A selection that must be refused as unresolvable (exit 5) with this in the message.
fn refused_with(args: &[&str], message: &str) {
    let out = airlock(args).code(5);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains(message), "{args:?}: {err}");
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

#[test]
fn without_drops_a_recommended_solution() {
    let with = products(&plan(&["--select", "cms"]));
    let without = products(&plan(&["--select", "cms", "--without", "it-analytics"]));
    assert!(with.contains("it-analytics"));
    assert_eq!(
        with.difference(&without).collect::<Vec<_>>(),
        ["it-analytics"]
    );
}

#[test]
fn without_a_mandatory_solution_names_its_requirer() {
    refused_with(
        &["--select", "cms", "--without", "patch"],
        "--without patch: it is a mandatory dependency of cms 8.0",
    );
    refused_with(
        &["--select", "patch", "--without", "smp"],
        "mandatory dependency of patch 8.0.2298.0",
    );
}

#[test]
fn pins_choose_a_release_and_its_dependencies_follow() {
    let got = plan(&["--select", "patch@=7.6.1423.0"]);
    assert_eq!(
        lines(&got),
        [
            "install smp 7.6.1423.0 requires:patch",
            "hotfix smp 7.6.1655.0 requires:patch",
            "install patch 7.6.1423.0 selected",
        ]
    );
    refused_with(
        &["--select", "patch@>=9"],
        "no release of patch matches >=9 (from --select patch@>=9); available: 7.6.1423.0, 8.0.2298.0",
    );
    refused_with(
        &["--select", "patch@=7.6.1423.0,it-analytics"],
        "no single release of smp satisfies 7.6.* (from patch 7.6.1423.0) and >=8.0 (from it-analytics 8.0.2298.0)",
    );
}

#[test]
fn optional_components_follow_the_seed_rules() {
    refused_with(
        &["--optional", "smp-docs"],
        "smp-docs is documentation for smp, inventory, patch, software, deployment",
    );
    refused_with(
        &["--optional", "langpack-ja,migration-wizard"],
        "langpack-ja is a language pack for smp, inventory, patch, software; select one",
    );
    let got = plan(&[
        "--select",
        "patch",
        "--optional",
        "smp-docs,langpack-ja",
        "--hotfixes",
        "none",
    ]);
    assert_eq!(
        lines(&got),
        [
            "install smp 8.0.2298.0 requires:patch",
            "hotfix smp 8.0.2298.1 critical:cu-2016-05",
            "install patch 8.0.2298.0 selected",
            "install langpack-ja 8.0.2298.0 optional",
            "install smp-docs 8.0.2298.0 optional",
        ]
    );
    let alone = plan(&["--optional", "migration-wizard"]);
    assert_eq!(
        lines(&alone),
        ["install migration-wizard 8.0.2298.0 optional"]
    );
    refused_with(
        &["--optional", "patch"],
        "patch is a solution, not an optional component",
    );
}

#[test]
fn hotfix_policies() {
    let hotfixes = |policy: &str| -> Vec<String> {
        let got = plan(&["--select", "smp@=7.6.1423.0", "--hotfixes", policy]);
        items(&got)
            .iter()
            .skip(1)
            .map(|i| i["hotfix"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(hotfixes("latest"), ["smp-7.6-hf7"]);
    assert_eq!(
        hotfixes("all"),
        ["smp-7.6-hf1", "smp-7.6-hf4", "smp-7.6-hf7"]
    );
    assert_eq!(hotfixes("none"), Vec::<String>::new());
}

#[test]
fn unknown_ids_are_refused_with_a_suggestion() {
    refused_with(
        &["--select", "pach"],
        "unknown product \"pach\"; did you mean patch?",
    );
}

#[test]
fn json_is_the_contract_shape() {
    let got = plan(&["--select", "cms"]);
    let mut total = 0;
    for item in items(&got) {
        for key in [
            "product", "version", "kind", "action", "reason", "file", "url", "sha256",
        ] {
            assert!(item[key].is_string(), "{key} in {item}");
        }
        total += item["size"].as_u64().unwrap();
        assert!(["install", "upgrade", "hotfix"].contains(&item["action"].as_str().unwrap()));
    }
    assert_eq!(got["totalBytes"].as_u64(), Some(total));
    assert_eq!(got["suites"][0]["product"], "cms");
    assert_eq!(got["eulas"][0]["id"], "itms");
    let smp = items(&got).iter().find(|i| i["product"] == "smp").unwrap();
    assert_eq!(
        (smp["kind"].as_str(), smp["action"].as_str()),
        (Some("solution"), Some("install"))
    );
}

#[test]
fn same_selection_same_bytes() {
    for extra in [&["--json"][..], &[]] {
        let args = [
            &["--select", "itms,smp-docs", "--hotfixes", "all"][..],
            extra,
        ]
        .concat();
        let first = airlock(&args).success().get_output().stdout.clone();
        let second = airlock(&args).success().get_output().stdout.clone();
        assert!(!first.is_empty());
        assert_eq!(first, second);
    }
}

#[test]
fn the_text_plan_is_a_tree_with_sizes_and_the_total() {
    let out = airlock(&["--select", "cms"]).success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.starts_with("suite cms 8.0"), "{text}");
    assert!(text.contains("├─ install patch 8.0.2298.0"), "{text}");
    assert!(text.contains("Total download: "), "{text}");
    assert!(
        text.contains("EULAs to accept before building:\n  itms: "),
        "{text}"
    );
}

#[test]
fn usage_errors_and_help() {
    airlock(&[])
        .code(2)
        .stderr(predicates::str::contains("nothing to plan"));
    airlock(&["--select", "smp@~8"])
        .code(2)
        .stderr(predicates::str::contains("--select \"smp@~8\""));
    Command::cargo_bin("airlock")
        .unwrap()
        .args(["plan", "--help"])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "Examples:\n  airlock plan --listing",
        ));
}

/// Per suite (fixtures/README.md, "Suites"): the mandatory set, with the
/// platform every solution requires, and the pre-selected optional set.
const SUITES: [(&str, &[&str], &[&str]); 4] = [
    (
        "ams",
        &["asset", "cmdb", "ita-csm-pack", "smp"],
        &["it-analytics"],
    ),
    (
        "cms",
        &[
            "cms-portal",
            "deployment",
            "event-console",
            "inventory",
            "ita-csm-pack",
            "patch",
            "power-scheme",
            "rtci",
            "rtsm",
            "software",
            "remote-access-connector",
            "smp",
        ],
        &["it-analytics", "management-views"],
    ),
    (
        "sms",
        &[
            "deployment",
            "event-console",
            "inventory-pack-servers",
            "inventory",
            "ita-csm-pack",
            "monitor-pack-servers",
            "monitor",
            "patch",
            "sms-portal",
            "software",
            "vmm",
            "smp",
        ],
        // management-views: the optional solution of Deployment Solution's own row.
        &["it-analytics", "power-scheme", "management-views"],
    ),
    (
        "itms",
        &[
            "asset",
            "cms-portal",
            "cmdb",
            "deployment",
            "event-console",
            "event-pack-servers",
            "inventory",
            "ita-csm-pack",
            "ita-servicedesk-pack",
            "ita-sep-pack",
            "monitor-pack-servers",
            "monitor",
            "oob-remover",
            "patch",
            "power-scheme",
            "rtci",
            "vmm",
            "sms-portal",
            "rtsm",
            "software",
            "smp",
            // members of its member suites cms and sms
            "remote-access-connector",
            "inventory-pack-servers",
        ],
        &["it-analytics", "management-views"],
    ),
];

#[test]
fn each_suite_is_its_table_a2_sets() {
    for (suite, mandatory, optional) in SUITES {
        let got = plan(&["--select", suite, "--hotfixes", "none"]);
        let want: BTreeSet<String> = set(mandatory).union(&set(optional)).cloned().collect();
        assert_eq!(products(&got), want, "{suite}");
        for item in items(&got) {
            let product = item["product"].as_str().unwrap();
            let reason = item["reason"].as_str().unwrap();
            if item["action"] == "hotfix" {
                // `--hotfixes none` still resolves a critical update.
                assert_eq!(reason, "critical:cu-2016-05", "{suite}: {product}");
                continue;
            }
            let kind = if optional.contains(&product) {
                "recommends:"
            } else {
                "requires:"
            };
            assert!(
                reason.starts_with(kind),
                "{suite}: {product} is there for {reason}"
            );
            assert_eq!(item["action"], "install", "{suite}: {product}");
        }
        assert!(
            got["suites"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["product"] == suite && s["reason"] == "selected")
        );
    }
}

#[test]
fn hotfixes_come_right_after_their_release() {
    let got = plan(&["--select", "cms"]);
    let order = lines(&got);
    let at = |line: &str| {
        order
            .iter()
            .position(|l| l == line)
            .unwrap_or_else(|| panic!("{line} not in {order:?}"))
    };
    assert_eq!(
        at("hotfix smp 8.0.2298.1 requires:cms-portal"),
        at("install smp 8.0.2298.0 requires:cms-portal") + 1
    );
    assert_eq!(
        at("hotfix power-scheme 7.6.1440.0 requires:cms"),
        at("install power-scheme 7.6.1423.0 requires:cms") + 1
    );
    assert_eq!(
        at("install smp 8.0.2298.0 requires:cms-portal"),
        0,
        "the platform goes first"
    );
}

#[test]
fn a_vendor_key_checks_the_listing_signature() {
    let key = format!(
        "{}/fixtures/keys/vendor-test.pub",
        env!("CARGO_MANIFEST_DIR")
    );
    airlock(&["--select", "patch", "--vendor-key", &key]).success();
    let unsigned = tempfile::tempdir().unwrap();
    let copy = unsigned.path().join("itms.pl.xml");
    std::fs::copy(listing(), &copy).unwrap();
    Command::cargo_bin("airlock")
        .unwrap()
        .args([
            "plan",
            "--select",
            "patch",
            "--vendor-key",
            &key,
            "--listing",
        ])
        .arg(&copy)
        .assert()
        .code(3);
}

#[test]
fn a_third_party_listing_joins_the_plan() {
    let northwind = format!(
        "{}/fixtures/site/northwind.pl.xml",
        env!("CARGO_MANIFEST_DIR")
    );
    let got = plan(&[
        "--listing",
        &northwind,
        "--select",
        "nw-console,patch",
        "--hotfixes",
        "none",
    ]);
    assert_eq!(
        lines(&got),
        [
            "install nw-backup-agent 3.2.0.410 requires:nw-console",
            "install nw-console 3.2.0.410 selected",
            "install smp 8.0.2298.0 requires:patch",
            "hotfix smp 8.0.2298.1 critical:cu-2016-05",
            "install patch 8.0.2298.0 selected",
        ]
    );
}
