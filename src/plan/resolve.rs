//! Selection -> plan: walks `requires` and kept `recommends` from the
//! selection, settles one release per product, checks the selection's rules
//! (`--without`, what optional components apply to), then lays the items out
//! in install order against what is already installed.

use super::error::{Asked, Error};
use super::item::{Action, EulaRef, ItemKind, Plan, PlanItem, Reason, SuiteRef};
use super::lookup::Lookup;
use super::selection::{HotfixPolicy, Installed, Selection};
use super::{hotfix, suggest, upgrade};
use crate::listing::{
    Catalog, Category, Hotfix, Payload, Product, ProductKind, Release, Requirement, Version,
};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

/// How a product came into the plan; the smallest gives its reason.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Via<'c> {
    Selected,
    Optional,
    Requires(&'c str),
    Recommends(&'c str),
}

impl From<Via<'_>> for Reason {
    fn from(via: Via) -> Reason {
        match via {
            Via::Selected => Reason::Selected,
            Via::Optional => Reason::Optional,
            Via::Requires(id) => Reason::Requires(id.to_string()),
            Via::Recommends(id) => Reason::Recommends(id.to_string()),
        }
    }
}

#[derive(Debug, Clone)]
struct Demand<'c> {
    via: Via<'c>,
    asked: Asked,
}

/// One walk of the dependency graph from the selection. Product ids are
/// borrowed from the catalog: a walk of a large listing copies none.
#[derive(Debug, Default)]
struct Walk<'c> {
    demands: BTreeMap<&'c str, Vec<Demand<'c>>>,
    /// The release taken for each product reached.
    chosen: BTreeMap<&'c str, Version>,
    /// The products each chosen release requires.
    requires: HashMap<&'c str, BTreeSet<&'c str>>,
    /// The products to install before each: what it requires, its kept
    /// recommends, and (for a component) what it applies to.
    after: HashMap<&'c str, BTreeSet<&'c str>>,
    /// Recommended products left out by `--without`.
    dropped: HashSet<&'c str>,
}

/// Resolves `selection` against `catalog` on a machine with `installed`
/// (empty for a fresh one) into an ordered, explained plan.
pub fn resolve(
    catalog: &Catalog,
    selection: &Selection,
    installed: &Installed,
) -> Result<Plan, Error> {
    let catalog = &Lookup::new(catalog);
    let roots = roots(catalog, selection)?;
    let walk = settle(catalog, &roots, &selection.without, installed)?;
    check_without(&walk, &selection.without)?;
    check_applies_to(catalog, &walk, installed)?;
    assemble(catalog, &walk, selection.hotfixes, installed)
}

fn product<'a>(catalog: &Lookup<'a>, id: &str) -> Result<&'a Product, Error> {
    catalog.product(id).ok_or_else(|| Error::UnknownProduct {
        id: id.to_string(),
        suggestions: suggest::close_ids(id, catalog.catalog.products().map(|p| p.id.as_str())),
    })
}

fn kind_name(kind: ProductKind) -> &'static str {
    match kind {
        ProductKind::Suite => "suite",
        ProductKind::Solution => "solution",
        ProductKind::Optional => "optional component",
    }
}

/// The demands the command line makes, checked against the catalog.
fn roots<'c>(
    catalog: &Lookup<'c>,
    selection: &Selection,
) -> Result<Vec<(&'c str, Demand<'c>)>, Error> {
    let mut roots = Vec::new();
    for pick in &selection.picks {
        let found = product(catalog, &pick.id)?;
        let by = match &pick.pin {
            Some(pin) => format!("--select {}@{pin}", pick.id),
            None => format!("--select {}", pick.id),
        };
        let requirement = pick.pin.clone().unwrap_or_else(Requirement::any);
        let asked = Asked { by, requirement };
        let via = Via::Selected;
        roots.push((found.id.as_str(), Demand { via, asked }));
    }
    for id in &selection.optional {
        let found = product(catalog, id)?;
        if found.kind != ProductKind::Optional {
            return Err(Error::NotOptional {
                id: id.clone(),
                kind: kind_name(found.kind),
            });
        }
        let by = format!("--optional {id}");
        let asked = Asked {
            by,
            requirement: Requirement::any(),
        };
        let via = Via::Optional;
        roots.push((found.id.as_str(), Demand { via, asked }));
    }
    for id in &selection.without {
        product(catalog, id)?;
    }
    Ok(roots)
}

/// Walks until every product's release is the one `choose` takes for the
/// demands of that walk (a release chosen early may bring demands that change another).
fn settle<'c>(
    catalog: &Lookup<'c>,
    roots: &[(&'c str, Demand<'c>)],
    without: &BTreeSet<String>,
    installed: &Installed,
) -> Result<Walk<'c>, Error> {
    let mut prior = BTreeMap::new();
    let mut unsettled = Vec::new();
    for _ in 0..catalog.catalog.products().count() + 2 {
        let walk = walk(catalog, roots, without, &prior)?;
        let mut settled = BTreeMap::new();
        for (id, demands) in &walk.demands {
            settled.insert(
                *id,
                choose(catalog, product(catalog, id)?, demands, installed)?.version,
            );
        }
        if settled == walk.chosen {
            return Ok(walk);
        }
        unsettled = settled
            .iter()
            .filter(|(id, v)| walk.chosen.get(*id) != Some(v))
            .map(|(id, _)| id.to_string())
            .collect();
        prior = settled;
    }
    Err(Error::Unsettled {
        products: unsettled,
    })
}

/// One breadth-first walk from the roots: each product takes its release in
/// `prior`, else the latest its demands so far admit; `--without` drops recommends.
fn walk<'c>(
    catalog: &Lookup<'c>,
    roots: &[(&'c str, Demand<'c>)],
    without: &BTreeSet<String>,
    prior: &BTreeMap<&'c str, Version>,
) -> Result<Walk<'c>, Error> {
    let mut w = Walk::default();
    let mut queue = VecDeque::new();
    for (id, demand) in roots {
        w.demands.entry(*id).or_default().push(demand.clone());
        queue.push_back(*id);
    }
    while let Some(id) = queue.pop_front() {
        if w.chosen.contains_key(id) {
            continue;
        }
        let found = product(catalog, id)?;
        let demands = w.demands.get(id).map(Vec::as_slice).unwrap_or_default();
        let release = prior
            .get(id)
            .and_then(|v| found.release(v))
            .or_else(|| latest_matching(found, demands.iter()))
            .or_else(|| found.latest());
        let Some(release) = release else {
            continue; // no release at all: `choose` says so
        };
        w.chosen.insert(id, release.version);
        let by = format!("{id} {}", release.version);
        let mandatory = release.requires.iter().map(|d| (d, Via::Requires(id)));
        let recommended = release.recommends.iter().map(|d| (d, Via::Recommends(id)));
        let mut requires = BTreeSet::new();
        let mut after: BTreeSet<&str> = found.applies_to.iter().map(String::as_str).collect();
        for (dep, via) in mandatory.chain(recommended) {
            let to = dep.product.as_str();
            if matches!(via, Via::Recommends(_)) && without.contains(to) {
                w.dropped.insert(to);
                continue;
            }
            if catalog.product(to).is_none() {
                return Err(Error::MissingDependency {
                    id: to.to_string(),
                    by,
                });
            }
            if matches!(via, Via::Requires(_)) {
                requires.insert(to);
            }
            after.insert(to);
            let asked = Asked {
                by: by.clone(),
                requirement: dep.version.clone(),
            };
            w.demands.entry(to).or_default().push(Demand { via, asked });
            queue.push_back(to);
        }
        w.requires.insert(id, requires);
        w.after.insert(id, after);
    }
    Ok(w)
}

fn latest_matching<'a, 'd, 'c: 'd>(
    product: &'a Product,
    demands: impl Iterator<Item = &'d Demand<'c>> + Clone,
) -> Option<&'a Release> {
    product.releases.iter().rev().find(|r| {
        demands
            .clone()
            .all(|d| d.asked.requirement.matches(&r.version))
    })
}

/// The release to plan: for a product that is only depended on, the installed
/// one (its base release, if a hot fix reached it) when every demand admits
/// the installed version; else the latest release every demand admits. Or
/// which demands cannot be met together.
fn choose<'a>(
    catalog: &Lookup,
    product: &'a Product,
    demands: &[Demand],
    installed: &Installed,
) -> Result<&'a Release, Error> {
    let asked_for = demands
        .iter()
        .any(|d| matches!(d.via, Via::Selected | Via::Optional));
    let kept = installed
        .get(&product.id)
        .filter(|v| !asked_for && demands.iter().all(|d| d.asked.requirement.matches(v)))
        .and_then(|v| {
            let base = catalog.base_of(&product.id, v).unwrap_or(*v);
            product.release(&base)
        });
    if let Some(release) = kept.or_else(|| latest_matching(product, demands.iter())) {
        return Ok(release);
    }
    let available: Vec<Version> = product.releases.iter().map(|r| r.version).collect();
    let name = product.id.clone();
    for d in demands {
        if latest_matching(product, std::iter::once(d)).is_none() {
            return Err(Error::NoMatchingRelease {
                product: name,
                asked: d.asked.clone(),
                available,
            });
        }
    }
    for (i, a) in demands.iter().enumerate() {
        for b in &demands[i + 1..] {
            if latest_matching(product, [a, b].into_iter()).is_none() {
                return Err(Error::Conflict {
                    product: name,
                    asked: vec![a.asked.clone(), b.asked.clone()],
                    available,
                });
            }
        }
    }
    Err(Error::Conflict {
        product: name,
        asked: demands.iter().map(|d| d.asked.clone()).collect(),
        available,
    })
}

fn check_without(walk: &Walk, without: &BTreeSet<String>) -> Result<(), Error> {
    for id in without {
        let Some(demands) = walk.demands.get(id.as_str()) else {
            if walk.dropped.contains(id.as_str()) {
                continue;
            }
            let droppable = walk
                .demands
                .iter()
                .filter(|(_, ds)| ds.iter().all(|d| matches!(d.via, Via::Recommends(_))))
                .map(|(id, _)| id.to_string())
                .collect();
            return Err(Error::WithoutUnused {
                product: id.clone(),
                droppable,
            });
        };
        if demands
            .iter()
            .any(|d| matches!(d.via, Via::Selected | Via::Optional))
        {
            return Err(Error::WithoutSelected {
                product: id.clone(),
            });
        }
        let mut seen = HashSet::new();
        let required_by = demands
            .iter()
            .filter(|d| seen.insert(&d.asked.by))
            .map(|d| d.asked.by.clone())
            .collect();
        return Err(Error::WithoutMandatory {
            product: id.clone(),
            required_by,
        });
    }
    Ok(())
}

/// Documentation and language packs need a product they apply to, planned or installed.
fn check_applies_to(catalog: &Lookup, walk: &Walk, installed: &Installed) -> Result<(), Error> {
    for id in walk.chosen.keys() {
        let found = product(catalog, id)?;
        let category = match found.category {
            Some(Category::Documentation) => "documentation",
            Some(Category::Language) => "a language pack",
            Some(Category::Migration) | None => continue,
        };
        let present =
            |t: &String| walk.chosen.contains_key(t.as_str()) || installed.contains_key(t);
        if !found.applies_to.iter().any(present) {
            return Err(Error::NothingToApplyTo {
                product: id.to_string(),
                category,
                applies_to: found.applies_to.clone(),
            });
        }
    }
    Ok(())
}

/// Products in install order: each after what it brings in (and a component
/// after what it applies to), ties by id; a `recommends` cycle is broken at the
/// smallest id whose mandatory ones are placed.
fn install_order<'c>(walk: &Walk<'c>) -> Vec<&'c str> {
    fn in_plan<'c>(walk: &Walk<'c>, deps: Option<&BTreeSet<&'c str>>) -> Vec<&'c str> {
        deps.into_iter()
            .flatten()
            .copied()
            .filter(|d| walk.chosen.contains_key(d))
            .collect()
    }
    // How many of its `after` products each still waits for, and who waits on each.
    let mut waiting: HashMap<&str, usize> = HashMap::new();
    let mut waiters: HashMap<&str, Vec<&str>> = HashMap::new();
    for &id in walk.chosen.keys() {
        let deps = in_plan(walk, walk.after.get(id));
        waiting.insert(id, deps.len());
        for d in deps {
            waiters.entry(d).or_default().push(id);
        }
    }
    let mut ready: BTreeSet<&str> = waiting
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(id, _)| *id)
        .collect();
    let mut remaining: BTreeSet<&str> = walk.chosen.keys().copied().collect();
    let mut order = Vec::new();
    while let Some(first) = remaining.first().copied() {
        let next = ready
            .first()
            .copied()
            .or_else(|| {
                remaining.iter().copied().find(|id| {
                    in_plan(walk, walk.requires.get(id))
                        .iter()
                        .all(|d| !remaining.contains(d))
                })
            })
            .unwrap_or(first);
        ready.remove(next);
        remaining.remove(next);
        order.push(next);
        for w in waiters.get(next).into_iter().flatten() {
            if let Some(n) = waiting.get_mut(w) {
                *n = n.saturating_sub(1);
                if *n == 0 && remaining.contains(w) {
                    ready.insert(w);
                }
            }
        }
    }
    order
}

fn assemble(
    catalog: &Lookup,
    walk: &Walk,
    policy: HotfixPolicy,
    installed: &Installed,
) -> Result<Plan, Error> {
    let mut items = Vec::new();
    let mut suites = Vec::new();
    for id in install_order(walk) {
        let found = product(catalog, id)?;
        let demands = walk.demands.get(id).map(Vec::as_slice).unwrap_or_default();
        let release = choose(catalog, found, demands, installed)?;
        let reason: Reason = demands
            .iter()
            .map(|d| d.via.clone())
            .min()
            .map_or(Reason::Selected, Reason::from);
        let Some(payload) = &release.payload else {
            suites.push(SuiteRef {
                product: id.to_string(),
                version: release.version,
                reason,
                eula: release.eula.clone(),
            });
            continue;
        };
        let start = installed.get(id);
        let (mut product_items, reached) = match start {
            None => {
                let item = release_item(found, release, payload, Action::Install, reason.clone());
                (vec![item], release.version)
            }
            Some(v) if *v == release.version => (Vec::new(), *v),
            Some(v) if catalog.base_of(id, v) == Some(release.version) => (Vec::new(), *v),
            Some(v) if *v > release.version => {
                if demands.iter().all(|d| d.asked.requirement.matches(v)) {
                    continue; // newer than planned, and good enough for everyone
                }
                return Err(Error::Downgrade {
                    product: id.to_string(),
                    installed: *v,
                    planned: release.version,
                    asked: demands.iter().map(|d| d.asked.clone()).collect(),
                });
            }
            Some(v) => (
                upgrade_items(catalog, found, v, release, &reason, |step| {
                    unmet_requires(walk, installed, step)
                })?,
                release.version,
            ),
        };
        let hotfixes = hotfix::for_release(catalog, id, &release.version, &reached, policy);
        product_items.extend(hotfixes.into_iter().map(|h| hotfix_item(h, reason.clone())));
        let reached = product_items.last().map_or(reached, |i| i.version);
        if let Some((update, fix)) = hotfix::critical_fix(catalog, id, &release.version, &reached) {
            product_items.push(hotfix_item(fix, Reason::Critical(update.id.clone())));
        }
        link_from(start.copied(), &mut product_items);
        items.extend(product_items);
    }
    let named = items
        .iter()
        .map(|i| (&i.product, i.version, &i.eula))
        .chain(suites.iter().map(|s| (&s.product, s.version, &s.eula)));
    let eulas = eulas(catalog, named)?;
    Plan::new(items, suites, eulas)
}

/// The chain from `from` to `release`: releases are upgrades, hot fixes
/// hot fixes; every step but the target is an `upgrade-step`.
fn upgrade_items(
    catalog: &Lookup,
    product: &Product,
    from: &Version,
    release: &Release,
    reason: &Reason,
    unmet: impl Fn(&Release) -> Option<String>,
) -> Result<Vec<PlanItem>, Error> {
    let steps = upgrade::chain(catalog, product, from, release, unmet)?;
    Ok(steps
        .into_iter()
        .filter_map(|step| match step {
            upgrade::Step::Release(r) => {
                let reason = match r.version == release.version {
                    true => reason.clone(),
                    false => Reason::UpgradeStep,
                };
                let payload = r.payload.as_ref()?;
                Some(release_item(product, r, payload, Action::Upgrade, reason))
            }
            upgrade::Step::Hotfix(h) => Some(hotfix_item(h, Reason::UpgradeStep)),
        })
        .collect())
}

/// What an intermediate release of an upgrade chain requires that the machine
/// will not have when it is installed: its dependencies are placed first, so
/// each is at its planned release (or stays at its installed version).
fn unmet_requires(walk: &Walk, installed: &Installed, step: &Release) -> Option<String> {
    step.requires.iter().find_map(|dep| {
        let at = walk
            .chosen
            .get(dep.product.as_str())
            .or_else(|| installed.get(&dep.product));
        match at {
            Some(v) if dep.version.matches(v) => None,
            Some(v) => Some(format!(
                "it requires {} {}, and the plan has {} {v}",
                dep.product, dep.version, dep.product
            )),
            None => Some(format!(
                "it requires {} {}, which is neither planned nor installed",
                dep.product, dep.version
            )),
        }
    })
}

/// Sets each item's `fromVersion` to the version the one before it left
/// (the first: the installed version, none for a fresh install).
fn link_from(mut at: Option<Version>, items: &mut [PlanItem]) {
    for item in items {
        item.from_version = at;
        at = Some(item.version);
    }
}

fn release_item(
    product: &Product,
    release: &Release,
    payload: &Payload,
    action: Action,
    reason: Reason,
) -> PlanItem {
    PlanItem {
        product: product.id.clone(),
        version: release.version,
        kind: ItemKind::from(product.kind),
        action,
        reason,
        payload: payload.clone(),
        label: release.label.clone(),
        hotfix: None,
        from_version: None,
        eula: release.eula.clone(),
        replaces: release.replaces.clone(),
    }
}

fn hotfix_item(hotfix: &Hotfix, reason: Reason) -> PlanItem {
    PlanItem {
        product: hotfix.product.clone(),
        version: hotfix.version,
        kind: ItemKind::Hotfix,
        action: Action::Hotfix,
        reason,
        payload: hotfix.payload.clone(),
        label: hotfix.label.clone(),
        hotfix: Some(hotfix.id.clone()),
        from_version: None,
        eula: None,
        replaces: Vec::new(),
    }
}

/// The EULAs the planned releases name, in order of first appearance.
fn eulas<'a>(
    catalog: &Lookup,
    named: impl Iterator<Item = (&'a String, Version, &'a Option<String>)>,
) -> Result<Vec<EulaRef>, Error> {
    let mut eulas: Vec<EulaRef> = Vec::new();
    let mut seen = HashSet::new();
    for (product, version, eula) in named {
        let Some(id) = eula else { continue };
        if !seen.insert(id) {
            continue;
        }
        let eula = catalog.eula(id).ok_or_else(|| Error::MissingEula {
            product: product.clone(),
            version,
            eula: id.clone(),
        })?;
        eulas.push(EulaRef {
            id: eula.id.clone(),
            title: eula.title.clone(),
            payload: eula.payload.clone(),
        });
    }
    Ok(eulas)
}
