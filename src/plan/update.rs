//! The incremental plan (`--history`): from what one machine has to what
//! brings it up to date. Each installed product goes to the newest release an
//! upgrade chain reaches, pending critical updates come first, new
//! dependencies and optional components of the categories the machine uses
//! are added, and nothing it already has is planned again. The resolver does
//! the walk; this module says what to ask of it and explains the result.
//! What it does to each product is kept only for the products the listings
//! define; the machine's others (it may have hundreds of thousands) are
//! read from its history when shown.

use super::error::Error;
use super::item::{Action, ItemKind, Plan, PlanItem, Reason};
use super::lookup::Lookup;
use super::selection::{Installed, Pick, Selection};
use super::{resolve, upgrade};
use crate::history::{self, History};
use crate::listing::{
    Catalog, Category, Product, ProductKind, Release, Requirement, Resolution, Version,
};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// An incremental plan and what it does to each product of the machine.
#[derive(Debug, Clone)]
pub struct Update {
    pub plan: Plan,
    /// Every product the listings define that the machine has, and every
    /// product the plan adds, by id. The machine's other products are left
    /// alone: [`Update::products`] lists them all.
    pub known: Vec<Change>,
}

impl Update {
    /// Every product `machine` (the history this update was planned for)
    /// has or the plan adds, by id.
    pub fn products<'a>(&'a self, machine: &'a History) -> impl Iterator<Item = Entry<'a>> {
        // Both are sorted by id, and every installed product the listings
        // define is in `known`: one look at each.
        let mut known = self.known.iter().peekable();
        let mut installed = machine.products.iter().peekable();
        std::iter::from_fn(move || match (known.peek(), installed.peek()) {
            (Some(c), Some(p)) if c.product.as_str() <= p.id.as_str() => {
                installed.next_if(|p| p.id == c.product);
                known.next().map(Entry::Known)
            }
            (_, Some(_)) => installed.next().map(Entry::Unknown),
            (Some(_), None) => known.next().map(Entry::Known),
            (None, None) => None,
        })
    }

    /// The installed products of `machine` no listing defines, by id.
    pub fn unknown<'a>(
        &'a self,
        machine: &'a History,
    ) -> impl Iterator<Item = &'a history::Product> {
        self.products(machine).filter_map(|entry| match entry {
            Entry::Unknown(p) => Some(p),
            Entry::Known(_) => None,
        })
    }
}

/// One product of a machine's update, shown (and serialized) as a [`Change`].
#[derive(Debug, Clone, Copy)]
pub enum Entry<'a> {
    /// A product the listings define, or one the plan adds.
    Known(&'a Change),
    /// An installed product no listing defines: left alone.
    Unknown(&'a history::Product),
}

impl Entry<'_> {
    /// The product's id.
    pub fn product(&self) -> &str {
        match self {
            Entry::Known(change) => &change.product,
            Entry::Unknown(p) => &p.id,
        }
    }
}

impl Serialize for Entry<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Entry::Known(change) => change.serialize(s),
            Entry::Unknown(p) => {
                let has = Kept::of(p);
                Unchanged {
                    product: &p.id,
                    has,
                    will: has,
                    path: &[],
                }
                .serialize(s)
            }
        }
    }
}

/// An installed product no listing defines, as the [`Change`] that leaves
/// it as it is would serialize, borrowed from the history.
#[derive(Serialize)]
struct Unchanged<'a> {
    product: &'a str,
    has: Kept<'a>,
    will: Kept<'a>,
    path: &'a [String],
}

/// What a product no listing defines has, as its [`Point`] would show:
/// with no label, which only a listing gives.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Kept<'a> {
    version: Version,
    #[serde(skip_serializing_if = "Option::is_none")]
    hotfix: Option<&'a str>,
}

impl<'a> Kept<'a> {
    pub fn of(product: &'a history::Product) -> Kept<'a> {
        Kept {
            version: product.version,
            hotfix: product.hotfix.as_deref(),
        }
    }
}

impl fmt::Display for Kept<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        shown(f, &self.version, self.hotfix)
    }
}

/// What a machine has of one product and what it will have.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub product: String,
    pub has: Option<Point>,
    pub will: Option<Point>,
    /// The versions the plan takes it through, in order (empty: unchanged),
    /// each as text (`7.6.1655.0 (7.6 HF7)`).
    #[serde(serialize_with = "as_text")]
    pub path: Vec<Point>,
    /// The newest release the listings offer, when it is newer than what
    /// the machine will have (not selected, or no upgrade path reaches it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offered: Option<Version>,
}

/// A version of a product, with the hot fix that reached it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Point {
    pub version: Version,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hotfix: Option<String>,
    /// The hot fix's label (`7.6 HF7`), shown after the version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl fmt::Display for Point {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        shown(
            f,
            &self.version,
            self.label.as_deref().or(self.hotfix.as_deref()),
        )
    }
}

/// A version, and the hot fix that reached it by label or id (`7.6.1655.0 (7.6 HF7)`).
fn shown(f: &mut fmt::Formatter<'_>, version: &Version, hotfix: Option<&str>) -> fmt::Result {
    write!(f, "{version}")?;
    match hotfix {
        Some(hotfix) => write!(f, " ({hotfix})"),
        None => Ok(()),
    }
}

fn as_text<S: serde::Serializer>(path: &[Point], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(path.iter().map(ToString::to_string))
}

/// Plans what brings `machine` up to date. With no pick in `selection`,
/// every installed product is updated; with picks, only those (and the
/// new products they name). Pending critical updates are always planned.
pub fn update(
    catalog: &Catalog,
    selection: &Selection,
    machine: &History,
) -> Result<Update, Error> {
    let lookup = Lookup::new(catalog);
    let known: Vec<&history::Product> = machine
        .products
        .iter()
        .filter(|p| lookup.product(&p.id).is_some())
        .collect();
    let installed: Installed = known
        .iter()
        .map(|p| (p.id.to_string(), p.version))
        .collect();

    let mut asked = selection.clone();
    if asked.picks.is_empty() {
        // `--without` an installed product: update everything but it.
        asked.picks = known
            .iter()
            .filter(|p| !selection.without.contains(p.id.as_str()))
            .map(|p| Pick {
                id: p.id.to_string(),
                pin: None,
                by: Some(format!("the update of installed {} {}", p.id, p.version)),
            })
            .collect();
        asked.without.retain(|id| !installed.contains_key(id));
    }
    for pick in &mut asked.picks {
        if let (None, Some(v), Some(product)) =
            (&pick.pin, installed.get(&pick.id), lookup.product(&pick.id))
        {
            pick.pin = reachable(&lookup, product, v).map(|r| Requirement::exact(r.version));
        }
    }
    let critical = pending_critical(&lookup, &installed);
    for (id, c) in &critical {
        if !asked.picks.iter().any(|p| &p.id == id) {
            asked.picks.push(Pick {
                id: id.clone(),
                pin: Some(Requirement::exact(c.release)),
                by: Some(format!("critical update {} of installed {id}", c.id)),
            });
        }
    }
    asked
        .picks
        .retain(|p| p.pin.is_some() || !installed.contains_key(&p.id));

    let mut plan = resolve(catalog, &asked, &installed)?;
    // What the plan changes may leave an installed product's requirement
    // unmet: that product is updated too (each round adds one at least).
    for _ in 0..installed.len() {
        let broken = broken_dependents(&lookup, &plan, &installed, &asked);
        if broken.is_empty() {
            break;
        }
        for id in broken {
            let pin = lookup
                .product(&id)
                .zip(installed.get(&id))
                .and_then(|(p, v)| reachable(&lookup, p, v))
                .map(|r| Requirement::exact(r.version));
            asked.picks.push(Pick {
                by: Some(format!(
                    "the update of installed {id}, whose requirement the plan breaks"
                )),
                id,
                pin,
            });
        }
        plan = resolve(catalog, &asked, &installed)?;
    }
    let extra = optional_for_new(&lookup, &plan, &installed, &asked.without);
    if !extra.is_empty() {
        asked.optional.extend(extra);
        plan = resolve(catalog, &asked, &installed)?;
    }
    if !selection.picks.is_empty() {
        plan = only_named(plan, selection, &installed, &critical)?;
    }
    explain(&mut plan, selection, &installed, &critical);
    critical_first(&mut plan.items, &critical);
    Ok(Update {
        known: changes(&lookup, &known, &plan),
        plan,
    })
}

/// The newest release an upgrade chain takes `product` to from `from`, or
/// the release `from` is (or is a hot fix of) when nothing newer is reachable.
fn reachable<'c>(lookup: &Lookup<'c>, product: &'c Product, from: &Version) -> Option<&'c Release> {
    product
        .releases
        .iter()
        .rev()
        .filter(|r| r.version > *from)
        .find(|r| upgrade::chain(lookup, product, from, r, |_| None).is_ok())
        .or_else(|| product.release(&lookup.base_of(&product.id, from).unwrap_or(*from)))
}

/// A critical update affecting an installed version.
#[derive(Debug, Clone)]
struct Pending {
    id: String,
    affects: Requirement,
    /// The release to plan so its resolution is applied (the hot fix's base).
    release: Version,
}

/// The first critical update affecting each installed product, by product.
fn pending_critical(lookup: &Lookup, installed: &Installed) -> BTreeMap<String, Pending> {
    let mut pending = BTreeMap::new();
    for (id, version) in installed {
        for c in lookup.critical_updates(id) {
            if !c.affects.matches(version) {
                continue;
            }
            let release = match &c.resolved_by {
                Resolution::Release(v) => Some(*v),
                Resolution::Hotfix(h) => lookup.hotfix(id, h).map(|f| f.base),
            };
            if let Some(release) = release {
                pending.entry(id.clone()).or_insert(Pending {
                    id: c.id.clone(),
                    affects: c.affects.clone(),
                    release,
                });
            }
        }
    }
    pending
}

/// Installed products the plan leaves alone whose installed release requires
/// a version of a product that the plan changes to one it does not admit.
fn broken_dependents(
    lookup: &Lookup,
    plan: &Plan,
    installed: &Installed,
    asked: &Selection,
) -> Vec<String> {
    let planned: BTreeMap<&str, Version> = plan
        .items
        .iter()
        .map(|i| (i.product.as_str(), i.version))
        .collect();
    let picked: BTreeSet<&str> = asked.picks.iter().map(|p| p.id.as_str()).collect();
    installed
        .iter()
        .filter(|(id, _)| !planned.contains_key(id.as_str()) && !picked.contains(id.as_str()))
        .filter(|(id, version)| {
            let Some(product) = lookup.product(id) else {
                return false;
            };
            let base = lookup.base_of(id, version).unwrap_or(**version);
            product.release(&base).is_some_and(|release| {
                release.requires.iter().any(|dep| {
                    planned
                        .get(dep.product.as_str())
                        .is_some_and(|to| !dep.version.matches(to))
                })
            })
        })
        .map(|(id, _)| id.clone())
        .collect()
}

/// Optional components (documentation, language packs) of the categories
/// the machine already has, for the solutions the plan newly installs.
fn optional_for_new(
    lookup: &Lookup,
    plan: &Plan,
    installed: &Installed,
    without: &BTreeSet<String>,
) -> Vec<String> {
    let used: Vec<Category> = installed
        .keys()
        .filter_map(|id| lookup.product(id)?.category)
        .filter(|c| matches!(c, Category::Documentation | Category::Language))
        .collect();
    let planned: BTreeSet<&str> = plan.items.iter().map(|i| i.product.as_str()).collect();
    let new: BTreeSet<&str> = plan
        .items
        .iter()
        .filter(|i| i.action == Action::Install && i.kind == ItemKind::Solution)
        .map(|i| i.product.as_str())
        .collect();
    lookup
        .catalog
        .products()
        .filter(|p| {
            p.kind == ProductKind::Optional
                && p.category.is_some_and(|c| used.contains(&c))
                && !installed.contains_key(&p.id)
                && !without.contains(&p.id)
                && !planned.contains(p.id.as_str())
                && p.applies_to.iter().any(|t| new.contains(t.as_str()))
        })
        .map(|p| p.id.clone())
        .collect()
}

/// A narrowed update changes only what was named and what that needs: an
/// installed product that is only a dependency, kept at its release, takes no
/// hot fix, unless one applies a pending critical update.
fn only_named(
    plan: Plan,
    selection: &Selection,
    installed: &Installed,
    critical: &BTreeMap<String, Pending>,
) -> Result<Plan, Error> {
    let named = named(selection);
    // Per product: whether every item of it is a hot fix not applying a critical update.
    let mut only_hotfixes: BTreeMap<&str, bool> = BTreeMap::new();
    for i in &plan.items {
        let hotfix = i.action == Action::Hotfix && !matches!(i.reason, Reason::Critical(_));
        *only_hotfixes.entry(i.product.as_str()).or_insert(true) &= hotfix;
    }
    let untouched: BTreeSet<String> = only_hotfixes
        .into_iter()
        .filter(|&(product, only)| {
            only && installed.contains_key(product)
                && !critical.contains_key(product)
                && !named.contains(product)
        })
        .map(|(product, _)| product.to_string())
        .collect();
    let items = plan
        .items
        .into_iter()
        .filter(|i| !untouched.contains(&i.product))
        .collect();
    Plan::new(items, plan.suites, plan.eulas)
}

/// The products the user's `--select` names.
fn named(selection: &Selection) -> BTreeSet<&str> {
    selection.picks.iter().map(|p| p.id.as_str()).collect()
}

/// The reasons of an incremental plan: an installed product brought forward
/// is an `update`; the step that leaves a critical update's affected range
/// says which update it applies, as does every step of a product planned
/// only for one.
fn explain(
    plan: &mut Plan,
    selection: &Selection,
    installed: &Installed,
    critical: &BTreeMap<String, Pending>,
) {
    let named = named(selection);
    let mut applied = BTreeSet::new();
    for item in &mut plan.items {
        if let Some(c) = critical.get(&item.product) {
            let only_for_it = !named.is_empty() && !named.contains(item.product.as_str());
            let applies = !c.affects.matches(&item.version) && applied.insert(item.product.clone());
            if only_for_it || applies {
                item.reason = Reason::Critical(c.id.clone());
                continue;
            }
        }
        if item.reason == Reason::Selected && installed.contains_key(&item.product) {
            item.reason = Reason::Update;
        }
    }
    for suite in &mut plan.suites {
        if suite.reason == Reason::Selected && installed.contains_key(&suite.product) {
            suite.reason = Reason::Update;
        }
    }
}

/// Moves each pending critical update's hot fixes (from the product's first
/// item up to the one applying it) to the front: nothing else may be
/// installed before them, and a hot fix of an installed release needs
/// nothing new. A resolution by release stays in dependency order.
fn critical_first(items: &mut Vec<PlanItem>, critical: &BTreeMap<String, Pending>) {
    let mut front = Vec::new();
    for (product, c) in critical {
        let mine: Vec<usize> = (0..items.len())
            .filter(|&i| &items[i].product == product)
            .collect();
        let Some(end) = mine
            .iter()
            .position(|&i| !c.affects.matches(&items[i].version))
        else {
            continue;
        };
        if mine[..=end]
            .iter()
            .all(|&i| items[i].action == Action::Hotfix)
        {
            front.extend_from_slice(&mine[..=end]);
        }
    }
    let mut moved: Vec<PlanItem> = front.iter().map(|&i| items[i].clone()).collect();
    let front: BTreeSet<usize> = front.into_iter().collect();
    moved.extend(
        items
            .drain(..)
            .enumerate()
            .filter(|(i, _)| !front.contains(i))
            .map(|(_, item)| item),
    );
    *items = moved;
}

/// Per product of the machine the listings define (`known`, by id) and
/// per product of the plan: what it has and will have, by id.
fn changes(lookup: &Lookup, known: &[&history::Product], plan: &Plan) -> Vec<Change> {
    // The plan's steps by product, in the plan's order.
    let mut steps: BTreeMap<&str, Vec<Point>> = BTreeMap::new();
    for item in &plan.items {
        steps.entry(item.product.as_str()).or_default().push(Point {
            version: item.version,
            label: item.hotfix.as_ref().and(item.label.clone()),
            hotfix: item.hotfix.clone(),
        });
    }
    let added = |(product, path): (&str, Vec<Point>)| Change {
        product: product.to_string(),
        has: None,
        will: path.last().cloned(),
        path,
        offered: None,
    };
    // The machine's products, merged with the products the plan adds.
    let mut all = Vec::with_capacity(known.len() + steps.len());
    let mut steps = steps.into_iter().peekable();
    for p in known {
        let before = std::iter::from_fn(|| steps.next_if(|(id, _)| *id < p.id.as_str()));
        all.extend(before.map(added));
        let path = steps
            .next_if(|(id, _)| *id == p.id)
            .map_or_else(Vec::new, |(_, path)| path);
        let hotfix = p.hotfix.as_deref();
        let has = Point {
            version: p.version,
            label: hotfix.and_then(|h| lookup.hotfix(&p.id, h)?.label.clone()),
            hotfix: hotfix.map(String::from),
        };
        all.push(Change {
            product: p.id.to_string(),
            will: Some(path.last().unwrap_or(&has).clone()),
            has: Some(has),
            path,
            offered: None,
        });
    }
    all.extend(steps.map(added));
    for change in &mut all {
        let latest = lookup.product(&change.product).and_then(Product::latest);
        if let (Some(latest), Some(will)) = (latest, &change.will) {
            let at = lookup
                .base_of(&change.product, &will.version)
                .unwrap_or(will.version);
            change.offered = (latest.version > at).then_some(latest.version);
        }
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{self, LicenseState};
    use crate::plan::parse_picks;
    use crate::plan::testing::{catalog, itms};

    /// A machine's history with `products`, sorted by id as a history lists them.
    fn machine(products: &[(&str, &str)]) -> History {
        let mut products = products.to_vec();
        products.sort_unstable();
        History {
            machine_id: "0123456789abcdef0123456789abcdef".into(),
            machine_name: "srv01".into(),
            installer: None,
            products: products
                .iter()
                .map(|(id, version)| history::Product {
                    id: (*id).into(),
                    version: version.parse().unwrap(),
                    hotfix: None,
                    product_code: None,
                    installed: 1_795_000_000,
                    license: history::License {
                        state: LicenseState::Free,
                        expires: None,
                    },
                })
                .collect(),
            listings: Vec::new(),
            bundles: Vec::new(),
        }
    }

    fn update_lines(
        catalog: &Catalog,
        select: &str,
        has: &[(&str, &str)],
    ) -> (Vec<String>, Update, History) {
        let selection = Selection {
            picks: parse_picks(&[select.to_string()]).unwrap(),
            ..Selection::default()
        };
        let machine = machine(has);
        let update = update(catalog, &selection, &machine).unwrap();
        let lines = update
            .plan
            .items
            .iter()
            .map(|i| format!("{} {} {} {}", i.action, i.product, i.version, i.reason))
            .collect();
        (lines, update, machine)
    }

    fn shown(entry: Entry<'_>) -> String {
        let change = match entry {
            Entry::Known(change) => change,
            Entry::Unknown(p) => return format!("{} {} (unknown)", p.id, Kept::of(p)),
        };
        let mut text = change
            .has
            .as_ref()
            .map_or("none".into(), ToString::to_string);
        for p in &change.path {
            text.push_str(&format!(" -> {p}"));
        }
        format!("{} {text}", change.product)
    }

    #[test]
    fn everything_installed_goes_to_the_newest_reachable_release() {
        let (lines, update, machine) = update_lines(
            &itms(),
            "",
            &[
                ("smp", "7.6.1423.0"),
                ("patch", "7.6.1423.0"),
                ("gone", "1.0"),
                ("zz-gone", "2.0"),
            ],
        );
        assert_eq!(
            lines,
            [
                "hotfix smp 7.6.1655.0 upgrade-step",
                "upgrade smp 8.0.2298.0 update",
                "hotfix smp 8.0.2298.1 update",
                "upgrade patch 8.0.2298.0 update",
            ]
        );
        let changes: Vec<String> = update.products(&machine).map(shown).collect();
        assert_eq!(
            changes,
            [
                "gone 1.0 (unknown)",
                "patch 7.6.1423.0 -> 8.0.2298.0",
                "smp 7.6.1423.0 -> 7.6.1655.0 (SMP-7.6-HF7) -> 8.0.2298.0 -> 8.0.2298.1 (SMP-8.0-HF1)",
                "zz-gone 2.0 (unknown)",
            ]
        );
        let unknown: Vec<&str> = update.unknown(&machine).map(|p| p.id.as_str()).collect();
        assert_eq!(unknown, ["gone", "zz-gone"]);
        assert_eq!(update.known.len(), 2);
    }

    #[test]
    fn a_product_no_listing_defines_is_shown_as_a_change_that_changes_nothing() {
        let mut p = machine(&[("gone", "1.0.7")]).products.remove(0);
        for hotfix in [None, Some("gone-hf1")] {
            p.hotfix = hotfix.map(Box::from);
            let has = Point {
                version: p.version,
                hotfix: hotfix.map(String::from),
                label: None,
            };
            let change = Change {
                product: "gone".into(),
                has: Some(has.clone()),
                will: Some(has.clone()),
                path: Vec::new(),
                offered: None,
            };
            assert_eq!(
                serde_json::to_string(&Entry::Unknown(&p)).unwrap(),
                serde_json::to_string(&change).unwrap()
            );
            assert_eq!(Kept::of(&p).to_string(), has.to_string());
        }
    }

    #[test]
    fn a_machine_up_to_date_plans_nothing() {
        let (lines, update, _) = update_lines(
            &itms(),
            "",
            &[("smp", "8.0.2298.1"), ("patch", "8.0.2298.0")],
        );
        assert!(lines.is_empty(), "{lines:?}");
        assert_eq!(update.known.len(), 2);
        assert!(
            update
                .known
                .iter()
                .all(|c| c.path.is_empty() && c.has == c.will)
        );
    }

    #[test]
    fn an_unreachable_release_is_passed_over_for_the_newest_reachable_one() {
        // 7.0 reaches nothing newer: it stays, and takes no hot fix it has none of.
        let (lines, ..) = update_lines(&itms(), "", &[("smp", "7.0.1200.0")]);
        assert!(lines.is_empty(), "{lines:?}");
        // 7.5 SP1 reaches 8.0 through HF5.
        let (lines, ..) = update_lines(&itms(), "", &[("smp", "7.5.3153.0")]);
        assert_eq!(
            lines,
            [
                "hotfix smp 7.5.3300.0 upgrade-step",
                "upgrade smp 8.0.2298.0 update",
                "hotfix smp 8.0.2298.1 update",
            ]
        );
    }

    #[test]
    fn a_pending_critical_update_comes_first_even_for_a_product_not_selected() {
        let catalog = catalog()
            .solution("smp", &["8.0"])
            .hotfix("smp-8.0-hf1", "smp", "8.0", "8.0.1")
            .hotfix("smp-8.0-hf2", "smp", "8.0", "8.0.2")
            .critical("cu-1", "smp", "<8.0.1", "smp-8.0-hf1")
            .solution("ds", &["1.0"])
            .with("ds", "1.0", |r| {
                r.requires("smp", ">=8.0");
            })
            .build();
        let (lines, ..) = update_lines(&catalog, "ds", &[("smp", "8.0")]);
        assert_eq!(
            lines,
            ["hotfix smp 8.0.2 critical:cu-1", "install ds 1.0 selected"]
        );
        let (lines, ..) = update_lines(&catalog, "", &[("smp", "8.0")]);
        assert_eq!(lines, ["hotfix smp 8.0.2 critical:cu-1"]);
    }

    #[test]
    fn select_narrows_the_update_and_adds_new_products() {
        let (lines, ..) = update_lines(
            &itms(),
            "patch,ds",
            &[
                ("smp", "8.0.2298.1"),
                ("patch", "7.6.1423.0"),
                ("power", "7.6.1"),
            ],
        );
        assert_eq!(
            lines,
            ["install ds 8.0 selected", "upgrade patch 8.0.2298.0 update",]
        );
    }

    #[test]
    fn an_installed_product_whose_requirement_an_update_breaks_is_updated_too() {
        // patch 7.6 requires smp 7.6.*: selecting smp alone takes patch along.
        let (lines, ..) = update_lines(
            &itms(),
            "smp",
            &[("smp", "7.6.1423.0"), ("patch", "7.6.1423.0")],
        );
        assert_eq!(
            lines,
            [
                "hotfix smp 7.6.1655.0 upgrade-step",
                "upgrade smp 8.0.2298.0 update",
                "hotfix smp 8.0.2298.1 update",
                "upgrade patch 8.0.2298.0 update",
            ]
        );
    }

    #[test]
    fn optional_components_of_the_categories_the_machine_uses_follow_new_solutions() {
        let (lines, ..) = update_lines(
            &itms(),
            "ds",
            &[("smp", "8.0.2298.1"), ("docs", "8.0"), ("lang-de", "8.0")],
        );
        assert_eq!(lines, ["install ds 8.0 selected"]);
        let catalog = catalog()
            .solution("smp", &["8.0"])
            .solution("ds", &["8.0"])
            .optional("smp-de", crate::listing::Category::Language, &["smp"])
            .optional("ds-de", crate::listing::Category::Language, &["ds"])
            .optional("ds-docs", crate::listing::Category::Documentation, &["ds"])
            .build();
        let (lines, ..) = update_lines(&catalog, "ds", &[("smp", "8.0"), ("smp-de", "8.0")]);
        assert_eq!(
            lines,
            ["install ds 8.0 selected", "install ds-de 8.0 optional"]
        );
    }
}
