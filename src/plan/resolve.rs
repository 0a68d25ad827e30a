//! Selection -> plan: walks `requires` and kept `recommends` from the
//! selection, settles one release per product, checks the selection's rules
//! (`--without`, what optional components apply to), then lays the items out
//! in install order against what is already installed.

use super::error::{Asked, Error};
use super::item::{Action, EulaRef, ItemKind, Plan, PlanItem, Reason, SuiteRef};
use super::lookup::{Lookup, PerProduct, Pid};
use super::selection::{HotfixPolicy, Installed, Selection};
use super::{hotfix, upgrade};
use crate::listing::{
    Catalog, Category, Hotfix, Payload, Product, ProductKind, Release, Requirement, Text, Version,
};
use crate::suggest;
use rustc_hash::FxHashSet as HashSet;
use std::borrow::Cow;
use std::collections::{BTreeSet, VecDeque};
use std::fmt;

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

/// Who made a demand: a flag of the command line (as typed), or a release.
#[derive(Debug, Clone)]
enum By<'c> {
    Command(String),
    Release(&'c str, Version),
}

impl fmt::Display for By<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            By::Command(flag) => f.write_str(flag),
            By::Release(id, version) => write!(f, "{id} {version}"),
        }
    }
}

/// One requirement on a product. It borrows from the listing: a walk of a
/// large listing copies no text per dependency, and the `Asked` an error
/// names is made only when one is reported.
#[derive(Debug, Clone)]
struct Demand<'c> {
    via: Via<'c>,
    by: By<'c>,
    requirement: Cow<'c, Requirement>,
}

impl Demand<'_> {
    /// A demand of the command line: `flag` as typed.
    fn command(via: Via<'static>, flag: String, requirement: Requirement) -> Demand<'static> {
        Demand {
            via,
            by: By::Command(flag),
            requirement: Cow::Owned(requirement),
        }
    }

    fn asked(&self) -> Asked {
        Asked {
            by: self.by.to_string(),
            requirement: self.requirement.clone().into_owned(),
        }
    }
}

/// One walk of the dependency graph from the selection, its state kept per
/// product number: a walk of a large listing copies no id and hashes each
/// only where a release names it.
#[derive(Debug)]
struct Walk<'c> {
    demands: PerProduct<Vec<Demand<'c>>>,
    /// The release taken for each product reached.
    chosen: Releases<'c>,
    /// The products demanded, in id order once the walk is over.
    reached: Vec<Pid>,
    /// The products each chosen release requires, in id order.
    requires: PerProduct<Vec<Pid>>,
    /// The products to install before each, in id order: what it requires,
    /// its kept recommends, and (for a component) what it applies to.
    after: PerProduct<Vec<Pid>>,
    /// Recommended products left out by `--without`.
    dropped: HashSet<&'c str>,
}

/// A release per product, for those that have one.
type Releases<'c> = PerProduct<Option<&'c Release>>;

impl<'c> Walk<'c> {
    fn new(catalog: &Lookup<'c>) -> Walk<'c> {
        Walk {
            demands: PerProduct::new(catalog, Vec::new()),
            chosen: PerProduct::new(catalog, None),
            reached: Vec::new(),
            requires: PerProduct::new(catalog, Vec::new()),
            after: PerProduct::new(catalog, Vec::new()),
            dropped: HashSet::default(),
        }
    }

    /// Adds a demand on product `n`.
    fn demand(&mut self, n: Pid, demand: Demand<'c>) {
        if self.demands[n].is_empty() {
            self.reached.push(n);
        }
        self.demands[n].push(demand);
    }

    /// The products reached that have a release, in id order, with it.
    fn planned(&self) -> impl Iterator<Item = (Pid, &'c Release)> {
        self.reached
            .iter()
            .filter_map(|&n| self.chosen[n].map(|release| (n, release)))
    }

    fn demands_on(&self, catalog: &Lookup, id: &str) -> &[Demand<'c>] {
        catalog.number(id).map_or(&[], |n| &self.demands[n])
    }

    fn chosen(&self, catalog: &Lookup, id: &str) -> Option<&'c Release> {
        catalog.number(id).and_then(|n| self.chosen[n])
    }
}

/// Sorted, each once: the order a `BTreeSet` of the same numbers iterates in.
fn sorted(mut pids: Vec<Pid>) -> Vec<Pid> {
    pids.sort_unstable();
    pids.dedup();
    pids
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
    check_without(catalog, &walk, &selection.without)?;
    check_applies_to(catalog, &walk, installed)?;
    assemble(catalog, &walk, selection.hotfixes, installed)
}

fn product(catalog: &Lookup, id: &str) -> Result<Pid, Error> {
    catalog.number(id).ok_or_else(|| Error::UnknownProduct {
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
fn roots(catalog: &Lookup, selection: &Selection) -> Result<Vec<(Pid, Demand<'static>)>, Error> {
    let mut roots = Vec::new();
    for pick in &selection.picks {
        let found = product(catalog, &pick.id)?;
        let by = match (&pick.by, &pick.pin) {
            (Some(by), _) => by.clone(),
            (None, Some(pin)) => format!("--select {}@{pin}", pick.id),
            (None, None) => format!("--select {}", pick.id),
        };
        let requirement = pick.pin.clone().unwrap_or_else(Requirement::any);
        roots.push((found, Demand::command(Via::Selected, by, requirement)));
    }
    for id in &selection.optional {
        let found = product(catalog, id)?;
        let kind = catalog.at(found).kind;
        if kind != ProductKind::Optional {
            return Err(Error::NotOptional {
                id: id.clone(),
                kind: kind_name(kind),
            });
        }
        let by = format!("--optional {id}");
        roots.push((
            found,
            Demand::command(Via::Optional, by, Requirement::any()),
        ));
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
    roots: &[(Pid, Demand<'c>)],
    without: &BTreeSet<String>,
    installed: &Installed,
) -> Result<Walk<'c>, Error> {
    let version = |r: Option<&Release>| r.map(|r| r.version);
    let mut prior = PerProduct::new(catalog, None);
    let mut unsettled = Vec::new();
    for _ in 0..catalog.catalog.products().count() + 2 {
        let mut walk = walk(catalog, roots, without, &prior)?;
        let mut settled = PerProduct::new(catalog, None);
        for &n in &walk.reached {
            settled[n] = Some(choose(catalog, catalog.at(n), &walk.demands[n], installed)?);
        }
        unsettled = walk
            .reached
            .iter()
            .filter(|&&n| version(settled[n]) != version(walk.chosen[n]))
            .map(|&n| catalog.at(n).id.to_string())
            .collect();
        if unsettled.is_empty() {
            walk.chosen = settled;
            return Ok(walk);
        }
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
    roots: &[(Pid, Demand<'c>)],
    without: &BTreeSet<String>,
    prior: &Releases<'c>,
) -> Result<Walk<'c>, Error> {
    let mut w = Walk::new(catalog);
    let mut queue = VecDeque::new();
    for (n, demand) in roots {
        w.demand(*n, demand.clone());
        queue.push_back(*n);
    }
    while let Some(n) = queue.pop_front() {
        if w.chosen[n].is_some() {
            continue;
        }
        let found = catalog.at(n);
        let id = found.id.as_str();
        let release = prior[n]
            .or_else(|| latest_matching(found, w.demands[n].iter()))
            .or_else(|| found.latest());
        let Some(release) = release else {
            continue; // no release at all: `choose` says so
        };
        w.chosen[n] = Some(release);
        let mandatory = release.requires.iter().map(|d| (d, Via::Requires(id)));
        let recommended = release.recommends.iter().map(|d| (d, Via::Recommends(id)));
        let mut requires = Vec::new();
        let mut after: Vec<Pid> = found
            .applies_to
            .iter()
            .filter_map(|t| catalog.number(t))
            .collect();
        for (dep, via) in mandatory.chain(recommended) {
            let to = dep.product.as_str();
            if matches!(via, Via::Recommends(_)) && without.contains(to) {
                w.dropped.insert(to);
                continue;
            }
            let Some(t) = catalog.number(to) else {
                return Err(Error::MissingDependency {
                    id: to.to_string(),
                    by: By::Release(id, release.version).to_string(),
                });
            };
            if matches!(via, Via::Requires(_)) {
                requires.push(t);
            }
            after.push(t);
            let demand = Demand {
                via,
                by: By::Release(id, release.version),
                requirement: Cow::Borrowed(&dep.version),
            };
            w.demand(t, demand);
            queue.push_back(t);
        }
        w.requires[n] = sorted(requires);
        w.after[n] = sorted(after);
    }
    w.reached.sort_unstable();
    Ok(w)
}

fn latest_matching<'a, 'd, 'c: 'd>(
    product: &'a Product,
    demands: impl Iterator<Item = &'d Demand<'c>> + Clone,
) -> Option<&'a Release> {
    product
        .releases
        .iter()
        .rev()
        .find(|r| demands.clone().all(|d| d.requirement.matches(&r.version)))
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
        .get(product.id.as_str())
        .filter(|v| !asked_for && demands.iter().all(|d| d.requirement.matches(v)))
        .and_then(|v| {
            let base = catalog.base_of(&product.id, v).unwrap_or(*v);
            product.release(&base)
        });
    if let Some(release) = kept.or_else(|| latest_matching(product, demands.iter())) {
        return Ok(release);
    }
    let available: Vec<Version> = product.releases.iter().map(|r| r.version).collect();
    let name = product.id.to_string();
    for d in demands {
        if latest_matching(product, std::iter::once(d)).is_none() {
            return Err(Error::NoMatchingRelease {
                product: name,
                asked: d.asked(),
                available,
            });
        }
    }
    for (i, a) in demands.iter().enumerate() {
        for b in &demands[i + 1..] {
            if latest_matching(product, [a, b].into_iter()).is_none() {
                return Err(Error::Conflict {
                    product: name,
                    asked: vec![a.asked(), b.asked()],
                    available,
                });
            }
        }
    }
    Err(Error::Conflict {
        product: name,
        asked: demands.iter().map(Demand::asked).collect(),
        available,
    })
}

fn check_without(catalog: &Lookup, walk: &Walk, without: &BTreeSet<String>) -> Result<(), Error> {
    for id in without {
        let demands = walk.demands_on(catalog, id);
        if demands.is_empty() {
            if walk.dropped.contains(id.as_str()) {
                continue;
            }
            let droppable = walk
                .reached
                .iter()
                .filter(|&&n| {
                    walk.demands[n]
                        .iter()
                        .all(|d| matches!(d.via, Via::Recommends(_)))
                })
                .map(|&n| catalog.at(n).id.to_string())
                .collect();
            return Err(Error::WithoutUnused {
                product: id.clone(),
                droppable,
            });
        }
        if demands
            .iter()
            .any(|d| matches!(d.via, Via::Selected | Via::Optional))
        {
            return Err(Error::WithoutSelected {
                product: id.clone(),
            });
        }
        let mut seen = HashSet::default();
        let required_by = demands
            .iter()
            .map(|d| d.by.to_string())
            .filter(|by| seen.insert(by.clone()))
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
    for (n, _) in walk.planned() {
        let found = catalog.at(n);
        let category = match found.category {
            Some(Category::Documentation) => "documentation",
            Some(Category::Language) => "a language pack",
            Some(Category::Migration) | None => continue,
        };
        let present =
            |t: &Text| walk.chosen(catalog, t).is_some() || installed.contains_key(t.as_str());
        if !found.applies_to.iter().any(present) {
            return Err(Error::NothingToApplyTo {
                product: found.id.to_string(),
                category,
                applies_to: found.applies_to.iter().map(|s| s.to_string()).collect(),
            });
        }
    }
    Ok(())
}

/// Products in install order, each with its release: each after what it
/// brings in (and a component after what it applies to), ties by id; a
/// `recommends` cycle is broken at the smallest id whose mandatory ones are placed.
fn install_order<'c>(catalog: &Lookup, walk: &Walk<'c>) -> Vec<(Pid, &'c Release)> {
    let in_plan = |deps: &[Pid]| -> Vec<Pid> {
        deps.iter()
            .copied()
            .filter(|&d| walk.chosen[d].is_some())
            .collect()
    };
    // How many of its `after` products each still waits for, and who waits on each.
    let mut waiting = PerProduct::new(catalog, 0usize);
    let mut waiters = PerProduct::new(catalog, Vec::new());
    let mut remaining = BTreeSet::new();
    for (n, _) in walk.planned() {
        let deps = in_plan(&walk.after[n]);
        waiting[n] = deps.len();
        for d in deps {
            waiters[d].push(n);
        }
        remaining.insert(n);
    }
    let mut ready: BTreeSet<Pid> = remaining
        .iter()
        .copied()
        .filter(|&n| waiting[n] == 0)
        .collect();
    let mut order = Vec::with_capacity(remaining.len());
    while let Some(first) = remaining.first().copied() {
        let next = ready
            .first()
            .copied()
            .or_else(|| {
                remaining.iter().copied().find(|&n| {
                    in_plan(&walk.requires[n])
                        .iter()
                        .all(|d| !remaining.contains(d))
                })
            })
            .unwrap_or(first);
        ready.remove(&next);
        remaining.remove(&next);
        order.extend(walk.chosen[next].map(|release| (next, release)));
        for &w in &waiters[next] {
            let n = &mut waiting[w];
            *n = n.saturating_sub(1);
            if *n == 0 && remaining.contains(&w) {
                ready.insert(w);
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
    for (n, release) in install_order(catalog, walk) {
        let found = catalog.at(n);
        let id = found.id.as_str();
        let demands = walk.demands[n].as_slice();
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
                eula: release.eula.as_deref().map(String::from),
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
                if demands.iter().all(|d| d.requirement.matches(v)) {
                    continue; // newer than planned, and good enough for everyone
                }
                return Err(Error::Downgrade {
                    product: id.to_string(),
                    installed: *v,
                    planned: release.version,
                    asked: demands.iter().map(Demand::asked).collect(),
                });
            }
            Some(v) => (
                upgrade_items(catalog, found, v, release, &reason, |step| {
                    unmet_requires(catalog, walk, installed, step)
                })?,
                release.version,
            ),
        };
        let hotfixes = hotfix::for_release(catalog, id, &release.version, &reached, policy);
        product_items.extend(hotfixes.into_iter().map(|h| hotfix_item(h, reason.clone())));
        let reached = product_items.last().map_or(reached, |i| i.version);
        if let Some((update, fix)) = hotfix::critical_fix(catalog, id, &release.version, &reached) {
            product_items.push(hotfix_item(fix, Reason::Critical(update.id.to_string())));
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
fn unmet_requires(
    catalog: &Lookup,
    walk: &Walk,
    installed: &Installed,
    step: &Release,
) -> Option<String> {
    step.requires.iter().find_map(|dep| {
        let at = walk
            .chosen(catalog, &dep.product)
            .map(|r| &r.version)
            .or_else(|| installed.get(dep.product.as_str()));
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
        product: product.id.to_string(),
        version: release.version,
        kind: ItemKind::from(product.kind),
        action,
        reason,
        payload: payload.clone(),
        label: release.label.as_deref().map(String::from),
        hotfix: None,
        from_version: None,
        eula: release.eula.as_deref().map(String::from),
        replaces: release.replaces.iter().map(|s| s.to_string()).collect(),
    }
}

fn hotfix_item(hotfix: &Hotfix, reason: Reason) -> PlanItem {
    PlanItem {
        product: hotfix.product.to_string(),
        version: hotfix.version,
        kind: ItemKind::Hotfix,
        action: Action::Hotfix,
        reason,
        payload: hotfix.payload.clone(),
        label: hotfix.label.as_deref().map(String::from),
        hotfix: Some(hotfix.id.to_string()),
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
    let mut seen = HashSet::default();
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
            id: eula.id.to_string(),
            title: eula.title.to_string(),
            payload: eula.payload.clone(),
        });
    }
    Ok(eulas)
}
