//! Upgrade chains on the fixture ITMS listing, through the library: the
//! installed state comes from an exported history only in a later step of the
//! workflow, so the resolver is given it directly here.

use airlock::listing::{self, Version};
use airlock::plan::{self, Installed, Selection, parse_picks};

fn upgrade_smp_from(installed: &str) -> Result<Vec<String>, String> {
    let listing = format!("{}/fixtures/site/itms.pl.xml", env!("CARGO_MANIFEST_DIR"));
    let catalog = listing::load(&[listing], None).unwrap();
    let selection = Selection {
        picks: parse_picks(&["smp".to_string()]).unwrap(),
        ..Selection::default()
    };
    let installed: Installed = [("smp".to_string(), installed.parse::<Version>().unwrap())]
        .into_iter()
        .collect();
    let plan = plan::resolve(&catalog, &selection, &installed).map_err(|e| e.to_string())?;
    Ok(plan
        .items
        .iter()
        .map(|i| {
            let from = i.from_version.map(|v| v.to_string()).unwrap_or_default();
            format!("{} {from} -> {} {}", i.payload.file, i.version, i.reason)
        })
        .collect())
}

#[test]
fn sp1_without_hf5_goes_through_hf5_to_8_0() {
    for start in ["7.5.3153.0", "7.5.3167.0", "7.5.3219.0"] {
        assert_eq!(
            upgrade_smp_from(start).unwrap(),
            [
                format!("smp-7.5-sp1-hf5.msi {start} -> 7.5.3300.0 upgrade-step"),
                "smp-8.0.2298.0.msi 7.5.3300.0 -> 8.0.2298.0 selected".to_string(),
                "smp-8.0-hf1.msi 8.0.2298.0 -> 8.0.2298.1 selected".to_string(),
            ],
            "from {start}"
        );
    }
}

#[test]
fn sp1_hf5_and_7_6_hf7_upgrade_directly() {
    for start in ["7.5.3300.0", "7.6.1655.0"] {
        let items = upgrade_smp_from(start).unwrap();
        assert_eq!(
            items[0],
            format!("smp-8.0.2298.0.msi {start} -> 8.0.2298.0 selected")
        );
        assert_eq!(items.len(), 2, "{items:?}");
    }
}

#[test]
fn seven_six_goes_through_hf7() {
    assert_eq!(
        upgrade_smp_from("7.6.1423.0").unwrap()[..2],
        [
            "smp-7.6-hf7.msi 7.6.1423.0 -> 7.6.1655.0 upgrade-step",
            "smp-8.0.2298.0.msi 7.6.1655.0 -> 8.0.2298.0 selected",
        ]
    );
}

#[test]
fn seven_zero_is_refused_with_the_reason() {
    let error = upgrade_smp_from("7.0.1200.0").unwrap_err();
    assert!(
        error.contains("7.0.1200.0")
            && error.contains("=7.5.3300.0")
            && error.contains("=7.6.1655.0"),
        "{error}"
    );
}
