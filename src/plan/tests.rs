//! The resolver's rules, one test each, on a small ITMS-like catalog.

use super::testing::{catalog, itms, v};
use super::*;
use crate::listing::Catalog;

fn selection(select: &str) -> Selection {
    Selection {
        picks: parse_picks(&[select.to_string()]).unwrap(),
        ..Selection::default()
    }
}

fn plan_for(
    catalog: &Catalog,
    selection: &Selection,
    installed: &[(&str, &str)],
) -> Result<Plan, Error> {
    let installed: Installed = installed
        .iter()
        .map(|(id, ver)| (id.to_string(), v(ver)))
        .collect();
    resolve(catalog, selection, &installed)
}

/// One line per item: `action product version reason`.
fn lines(plan: &Plan) -> Vec<String> {
    plan.items
        .iter()
        .map(|i| {
            let action = serde_json::to_value(i.action).unwrap();
            format!(
                "{} {} {} {}",
                action.as_str().unwrap(),
                i.product,
                i.version,
                i.reason
            )
        })
        .collect()
}

fn plan_lines(select: &str, edit: impl FnOnce(&mut Selection)) -> Vec<String> {
    let mut s = selection(select);
    edit(&mut s);
    lines(&plan_for(&itms(), &s, &[]).unwrap())
}

fn error(select: &str, edit: impl FnOnce(&mut Selection), installed: &[(&str, &str)]) -> String {
    let mut s = selection(select);
    edit(&mut s);
    plan_for(&itms(), &s, installed).unwrap_err().to_string()
}

#[test]
fn a_suite_expands_to_its_members_dependencies_first() {
    let plan = plan_for(&itms(), &selection("cms"), &[]).unwrap();
    assert_eq!(
        lines(&plan),
        [
            "install power 7.6.1 requires:cms",
            "install smp 8.0.2298.0 requires:ita",
            "hotfix smp 8.0.2298.1 requires:ita",
            "install ita 8.0 recommends:cms",
            "install patch 8.0.2298.0 requires:cms",
        ]
    );
    assert_eq!(plan.total_bytes, 4 * 1000 + 100);
    let suites: Vec<_> = plan
        .suites
        .iter()
        .map(|s| (s.product.as_str(), s.reason.to_string()))
        .collect();
    assert_eq!(suites, [("cms", "selected".to_string())]);
    let eulas: Vec<_> = plan.eulas.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(eulas, ["itms"]);
    assert_eq!(plan.items[4].replaces, ["patch-linux"]);
}

#[test]
fn without_drops_a_recommendation_and_what_only_it_brought() {
    let got = plan_lines("cms", |s| {
        s.without.insert("ita".into());
    });
    assert_eq!(
        got,
        [
            "install power 7.6.1 requires:cms",
            "install smp 8.0.2298.0 requires:patch",
            "hotfix smp 8.0.2298.1 requires:patch",
            "install patch 8.0.2298.0 requires:cms",
        ]
    );
}

#[test]
fn without_a_mandatory_dependency_names_who_requires_it() {
    let without = |id: &str| {
        let id = id.to_string();
        move |s: &mut Selection| {
            s.without.insert(id);
        }
    };
    assert_eq!(
        error("cms", without("patch"), &[]),
        "--without patch: it is a mandatory dependency of cms 8.0; only recommended ones can be dropped"
    );
    let err = error("patch,ita", without("smp"), &[]);
    assert!(
        err.contains("mandatory dependency of patch 8.0.2298.0, ita 8.0"),
        "{err}"
    );
    assert_eq!(
        error("ita", without("ita"), &[]),
        "--without ita: it is also selected"
    );
    assert_eq!(
        error("patch", without("power"), &[]),
        "--without power: nothing in the plan recommends it, so it leaves nothing out; \
         this plan has no recommended dependency to drop"
    );
    assert_eq!(
        error("cms", without("ds"), &[]),
        "--without ds: nothing in the plan recommends it, so it leaves nothing out; \
         the ones it can drop are ita"
    );
}

#[test]
fn requirements_no_single_release_meets_name_both_requirers() {
    let err = error("patch@=7.6.1423.0,ita", |_| {}, &[]);
    assert_eq!(
        err,
        "no single release of smp satisfies 7.6.* (from patch 7.6.1423.0) and >=8.0 (from ita 8.0); \
         available: 7.0.1200.0, 7.5.3153.0, 7.6.1423.0, 8.0.2298.0; pin releases whose \
         requirements agree (ID@VERSION) or leave one of them out"
    );
}

#[test]
fn a_pin_without_a_matching_release_lists_the_versions() {
    assert_eq!(
        error("patch@>=9", |_| {}, &[]),
        "no release of patch matches >=9 (from --select patch@>=9); available: 7.6.1423.0, 8.0.2298.0"
    );
}

#[test]
fn a_pin_chooses_the_release_and_its_dependencies_follow() {
    assert_eq!(
        plan_lines("patch@=7.6.1423.0", |_| {}),
        [
            "install smp 7.6.1423.0 requires:patch",
            "hotfix smp 7.6.1655.0 requires:patch",
            "install patch 7.6.1423.0 selected",
        ]
    );
    // smp is walked first at its latest, then settles on what patch 7.6 needs.
    assert_eq!(
        plan_lines("smp,patch@=7.6.1423.0", |_| {}),
        [
            "install smp 7.6.1423.0 selected",
            "hotfix smp 7.6.1655.0 selected",
            "install patch 7.6.1423.0 selected",
        ]
    );
}

#[test]
fn unknown_ids_are_refused_with_close_ones() {
    assert_eq!(
        error("pach", |_| {}, &[]),
        "unknown product \"pach\"; did you mean patch?"
    );
    assert_eq!(
        error("smp", |s| s.optional.push("nothing-like-it".into()), &[]),
        "unknown product \"nothing-like-it\"; `airlock products` lists the ids"
    );
}

#[test]
fn optional_components_need_what_they_apply_to() {
    assert_eq!(
        error("smp", |s| s.optional.push("patch".into()), &[]),
        "--optional patch: patch is a solution, not an optional component; use --select patch"
    );
    assert_eq!(
        plan_lines("patch", |s| {
            s.optional.push("docs".into());
            s.hotfixes = HotfixPolicy::None;
        }),
        [
            "install smp 8.0.2298.0 requires:patch",
            "install patch 8.0.2298.0 selected",
            "install docs 8.0 optional",
        ]
    );
    assert_eq!(
        error("", |s| s.optional.push("lang-de".into()), &[]),
        "lang-de is a language pack for ds; select one of them (or have one installed) to add it"
    );
    assert_eq!(
        error("docs", |_| {}, &[]),
        "docs is documentation for smp, patch; select one of them (or have one installed) to add it"
    );
    // Installed is as good as planned; the migration wizard stands alone.
    let s = Selection {
        optional: vec!["docs".into(), "migration".into()],
        ..Selection::default()
    };
    let plan = plan_for(&itms(), &s, &[("patch", "8.0.2298.0")]).unwrap();
    assert_eq!(
        lines(&plan),
        [
            "install docs 8.0 optional",
            "install migration 8.0 optional"
        ]
    );
}

#[test]
fn hotfix_policies() {
    let with = |policy| plan_lines("smp@=7.6.1423.0", |s| s.hotfixes = policy);
    assert_eq!(
        with(HotfixPolicy::Latest),
        [
            "install smp 7.6.1423.0 selected",
            "hotfix smp 7.6.1655.0 selected"
        ]
    );
    assert_eq!(
        with(HotfixPolicy::All),
        [
            "install smp 7.6.1423.0 selected",
            "hotfix smp 7.6.1500.0 selected",
            "hotfix smp 7.6.1655.0 selected",
        ]
    );
    assert_eq!(
        with(HotfixPolicy::None),
        ["install smp 7.6.1423.0 selected"]
    );
    let plan = plan_for(&itms(), &selection("smp@=7.6.1423.0"), &[]).unwrap();
    let hf = &plan.items[1];
    assert_eq!((hf.kind, hf.action), (ItemKind::Hotfix, Action::Hotfix));
    assert_eq!(hf.hotfix.as_deref(), Some("smp-7.6-hf7"));
    assert_eq!(hf.from_version, Some(v("7.6.1423.0")));
}

#[test]
fn what_is_installed_at_the_planned_version_is_left_out() {
    let s = selection("patch");
    let plan = plan_for(
        &itms(),
        &s,
        &[("smp", "8.0.2298.1"), ("patch", "8.0.2298.0")],
    )
    .unwrap();
    assert!(plan.items.is_empty(), "{:?}", lines(&plan));
    // At the release, only its newer hot fixes remain.
    let plan = plan_for(&itms(), &s, &[("smp", "8.0.2298.0")]).unwrap();
    assert_eq!(
        lines(&plan),
        [
            "hotfix smp 8.0.2298.1 requires:patch",
            "install patch 8.0.2298.0 selected"
        ]
    );
    let mut all = selection("smp@=7.6.1423.0");
    all.hotfixes = HotfixPolicy::All;
    let plan = plan_for(&itms(), &all, &[("smp", "7.6.1500.0")]).unwrap();
    assert_eq!(lines(&plan), ["hotfix smp 7.6.1655.0 selected"]);
    assert_eq!(plan.items[0].from_version, Some(v("7.6.1500.0")));
}

#[test]
fn upgrade_from_7_5_sp1_goes_through_hf5() {
    let plan = plan_for(&itms(), &selection("smp"), &[("smp", "7.5.3153.0")]).unwrap();
    assert_eq!(
        lines(&plan),
        [
            "hotfix smp 7.5.3300.0 upgrade-step",
            "upgrade smp 8.0.2298.0 selected",
            "hotfix smp 8.0.2298.1 selected",
        ]
    );
    let from: Vec<_> = plan
        .items
        .iter()
        .map(|i| i.from_version.unwrap().to_string())
        .collect();
    assert_eq!(from, ["7.5.3153.0", "7.5.3300.0", "8.0.2298.0"]);
    // From an earlier hot fix, the later one supersedes it.
    let plan = plan_for(&itms(), &selection("smp"), &[("smp", "7.5.3200.0")]).unwrap();
    assert_eq!(
        lines(&plan)[..2],
        [
            "hotfix smp 7.5.3300.0 upgrade-step",
            "upgrade smp 8.0.2298.0 selected"
        ]
    );
}

#[test]
fn upgrade_from_7_6_goes_through_hf7() {
    for installed in ["7.6.1423.0", "7.6.1500.0"] {
        let plan = plan_for(
            &itms(),
            &selection("patch"),
            &[("smp", installed), ("patch", "7.6.1423.0")],
        )
        .unwrap();
        assert_eq!(
            lines(&plan),
            [
                "hotfix smp 7.6.1655.0 upgrade-step",
                "upgrade smp 8.0.2298.0 requires:patch",
                "hotfix smp 8.0.2298.1 requires:patch",
                "upgrade patch 8.0.2298.0 selected",
            ],
            "from {installed}"
        );
    }
}

#[test]
fn upgrade_chains_through_an_intermediate_release() {
    // 7.5 HF5 may go straight to 8.0; 7.5 HF1 needs HF5 first; 7.5 SP1 itself
    // may not become 7.6 directly, so the shortest chain is HF5 then 8.0.
    let plan = plan_for(
        &itms(),
        &selection("smp@=7.6.1423.0"),
        &[("smp", "7.5.3153.0")],
    )
    .unwrap();
    assert_eq!(
        lines(&plan),
        [
            "hotfix smp 7.5.3300.0 upgrade-step",
            "upgrade smp 7.6.1423.0 selected",
            "hotfix smp 7.6.1655.0 selected",
        ]
    );
    let via_release = catalog()
        .solution("a", &["1", "2", "3"])
        .with("a", "2", |r| {
            r.upgrades_from("=1");
        })
        .with("a", "3", |r| {
            r.upgrades_from("=2");
        })
        .build();
    let plan = plan_for(&via_release, &selection("a"), &[("a", "1")]).unwrap();
    assert_eq!(
        lines(&plan),
        ["upgrade a 2 upgrade-step", "upgrade a 3 selected"]
    );
}

#[test]
fn upgrade_without_a_path_says_why() {
    assert_eq!(
        error("smp", |_| {}, &[("smp", "7.0.1200.0")]),
        "smp 7.0.1200.0 cannot be upgraded to 8.0.2298.0: 8.0.2298.0 upgrades only from \
         =7.5.3300.0 or =7.6.1655.0, and no release or hot fix reaches those from 7.0.1200.0"
    );
    assert_eq!(
        error("power", |_| {}, &[("power", "7.0")]),
        "power 7.0 cannot be upgraded to 7.6.1: 7.6.1 declares no upgradesFrom, so it installs \
         only where power is not installed (uninstall power 7.0 first)"
    );
}

#[test]
fn a_newer_installed_version_is_kept_or_refused() {
    let plan = plan_for(&itms(), &selection("smp@>=7.6"), &[("smp", "8.1")]).unwrap();
    assert!(plan.items.is_empty());
    let err = error("smp@=7.6.1423.0", |_| {}, &[("smp", "8.0.2298.0")]);
    assert!(
        err.starts_with("smp 8.0.2298.0 is installed, newer than 7.6.1423.0"),
        "{err}"
    );
}

#[test]
fn recommends_cycles_order_deterministically() {
    let c = catalog()
        .solution("b", &["1"])
        .with("b", "1", |r| {
            r.recommends("a", "*");
        })
        .solution("a", &["1"])
        .with("a", "1", |r| {
            r.recommends("b", "*").requires("base", "*");
        })
        .solution("base", &["1"])
        .build();
    for select in ["a,b", "b,a", "b"] {
        let plan = plan_for(&c, &selection(select), &[]).unwrap();
        let order: Vec<_> = plan.items.iter().map(|i| i.product.as_str()).collect();
        assert_eq!(order, ["base", "a", "b"], "select {select}");
    }
}

#[test]
fn json_has_the_contract_fields_and_is_deterministic() {
    let once =
        || serde_json::to_string(&plan_for(&itms(), &selection("cms"), &[]).unwrap()).unwrap();
    let first = once();
    assert_eq!(first, once());
    let json: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(json["totalBytes"], 4100);
    let smp = &json["items"][1];
    for (key, want) in [
        ("product", "smp"),
        ("version", "8.0.2298.0"),
        ("kind", "solution"),
        ("action", "install"),
        ("reason", "requires:ita"),
        ("file", "smp-8.0.2298.0.msi"),
        ("url", "https://vendor.test/files/smp-8.0.2298.0.msi"),
        ("eula", "itms"),
        ("payloadKind", "msi"),
    ] {
        assert_eq!(smp[key], want, "{key}");
    }
    assert_eq!(smp["size"], 1000);
    assert_eq!(smp["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(json["items"][2]["kind"], "hotfix");
    assert_eq!(json["items"][2]["hotfix"], "smp-8.0-hf1");
    assert_eq!(json["items"][2]["fromVersion"], "8.0.2298.0");
    assert_eq!(json["eulas"][0]["title"], "itms license agreement");
    assert_eq!(json["suites"][0]["product"], "cms");
}

#[test]
fn requirements_that_never_settle_ask_for_a_pin() {
    // Taking each product's latest admitted release never settles: a 2 wants
    // b 1, b 1 wants a 1, and with a 1 nothing holds b below 2.
    let c = catalog()
        .solution("a", &["1", "2"])
        .with("a", "2", |r| {
            r.requires("b", "=1");
        })
        .solution("b", &["1", "2"])
        .with("b", "1", |r| {
            r.requires("a", "=1");
        })
        .build();
    let err = plan_for(&c, &selection("a,b"), &[])
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("the versions of "), "{err}");
    assert!(err.ends_with("pin one with --select ID@REQ"), "{err}");
    let pinned = plan_for(&c, &selection("a,b@=1"), &[]).unwrap();
    assert_eq!(
        lines(&pinned),
        ["install a 1 selected", "install b 1 selected"]
    );
}

#[test]
fn an_installed_dependency_that_fits_is_kept_not_upgraded() {
    let c = catalog()
        .solution("smp", &["7.6.1423.0", "8.0.2298.0"])
        .with("smp", "8.0.2298.0", |r| {
            r.upgrades_from("=7.6.1655.0");
        })
        .hotfix("smp-7.6-hf7", "smp", "7.6.1423.0", "7.6.1655.0")
        .solution("sep-pack", &["12.1"])
        .with("sep-pack", "12.1", |r| {
            r.requires("smp", ">=7.6");
        })
        .build();
    let installed = [("smp", "7.6.1423.0")];
    let plan = plan_for(&c, &selection("sep-pack"), &installed).unwrap();
    assert_eq!(
        lines(&plan),
        [
            "hotfix smp 7.6.1655.0 requires:sep-pack",
            "install sep-pack 12.1 selected"
        ]
    );
    // Selected, it goes to the latest.
    let plan = plan_for(&c, &selection("sep-pack,smp"), &installed).unwrap();
    assert_eq!(
        lines(&plan),
        [
            "hotfix smp 7.6.1655.0 upgrade-step",
            "upgrade smp 8.0.2298.0 selected",
            "install sep-pack 12.1 selected",
        ]
    );
}

#[test]
fn an_upgrade_step_whose_requires_the_plan_breaks_is_not_taken() {
    // a 2.5 needs b 1.*, but b goes to 2 first: the chain goes through a 2.
    let two_ways = |with_two: bool| {
        let mut c = catalog()
            .solution("b", &["1", "2"])
            .with("b", "2", |r| {
                r.upgrades_from("=1");
            })
            .solution("a", &["1", "2", "2.5", "3"])
            .with("a", "2.5", |r| {
                r.upgrades_from("=1").requires("b", "1.*");
            })
            .with("a", "3", |r| {
                r.upgrades_from("=2")
                    .upgrades_from("=2.5")
                    .requires("b", ">=2");
            });
        if with_two {
            c = c.with("a", "2", |r| {
                r.upgrades_from("=1").requires("b", ">=2");
            });
        }
        c.build()
    };
    let installed = [("a", "1"), ("b", "1")];
    let plan = plan_for(&two_ways(true), &selection("a"), &installed).unwrap();
    assert_eq!(
        lines(&plan),
        [
            "upgrade b 2 requires:a",
            "upgrade a 2 upgrade-step",
            "upgrade a 3 selected"
        ]
    );
    let err = plan_for(&two_ways(false), &selection("a"), &installed).unwrap_err();
    assert_eq!(
        err.to_string(),
        "a 1 cannot be upgraded to 3: 3 upgrades only from =2 or =2.5, and no release or hot \
         fix reaches those from 1; a 2.5 cannot be a step: it requires b 1.*, and the plan has b 2"
    );
}

#[test]
fn a_critical_update_of_a_planned_release_is_resolved_whatever_the_hotfix_policy() {
    let c = catalog()
        .solution("a", &["8.0"])
        .hotfix("a-hf1", "a", "8.0", "8.0.1")
        .hotfix("a-hf2", "a", "8.0", "8.0.2")
        .critical("cu-1", "a", ">=8.0,<8.0.1", "a-hf1")
        .build();
    let with = |policy| {
        let mut s = selection("a");
        s.hotfixes = policy;
        lines(&plan_for(&c, &s, &[]).unwrap())
    };
    assert_eq!(
        with(HotfixPolicy::None),
        ["install a 8.0 selected", "hotfix a 8.0.1 critical:cu-1"]
    );
    assert_eq!(
        with(HotfixPolicy::Latest),
        ["install a 8.0 selected", "hotfix a 8.0.2 selected"]
    );
    // Already past it on the machine: nothing to add.
    let mut s = selection("a");
    s.hotfixes = HotfixPolicy::None;
    assert!(
        plan_for(&c, &s, &[("a", "8.0.1")])
            .unwrap()
            .items
            .is_empty()
    );
}

#[test]
fn a_plan_of_thousands_of_products_is_ordered_without_quadratic_scans() {
    // p{i} requires the two before it; ids sort unlike the order (p1000 < p999).
    let mut c = catalog();
    for i in 0..4000_usize {
        c = c.solution(&format!("p{i}"), &["1"]);
        for j in i.saturating_sub(2)..i {
            c = c.with(&format!("p{i}"), "1", |r| {
                r.requires(&format!("p{j}"), "*");
            });
        }
    }
    let c = c.build();
    let started = std::time::Instant::now();
    let plan = plan_for(&c, &selection("p3999"), &[]).unwrap();
    let took = started.elapsed();
    let order: Vec<&str> = plan.items.iter().map(|i| i.product.as_str()).collect();
    let want: Vec<String> = (0..4000).map(|i| format!("p{i}")).collect();
    assert_eq!(order, want);
    assert!(took.as_secs() < 5, "took {took:?}");
}
