//! The upgrade-chain search: the shortest sequence of releases and hot fixes
//! of one product that takes an installed version to a target release, each
//! step admitted by the listing (`upgradesFrom`, hot-fix bases), or the
//! reason there is none.

use super::error::Error;
use super::hotfix;
use super::lookup::Lookup;
use crate::listing::{Hotfix, Product, Release, Version};
use std::collections::{BTreeMap, VecDeque};

/// One step of a chain.
#[derive(Debug, Clone, Copy)]
pub enum Step<'a> {
    Release(&'a Release),
    Hotfix(&'a Hotfix),
}

impl Step<'_> {
    /// The product's version once the step is applied.
    pub fn version(&self) -> Version {
        match self {
            Step::Release(r) => r.version,
            Step::Hotfix(h) => h.version,
        }
    }
}

/// The steps from `from` to `target`, in order; the last is `target` itself.
///
/// An intermediate release is a step only when `unmet` finds nothing it
/// requires missing (it says what is, so a refusal can name it).
/// Among chains of equal length the one taking the highest versions first
/// wins, so the result is the same on every run.
pub fn chain<'a>(
    lookup: &Lookup<'a>,
    product: &'a Product,
    from: &Version,
    target: &'a Release,
    unmet: impl Fn(&Release) -> Option<String>,
) -> Result<Vec<Step<'a>>, Error> {
    let mut came_from: BTreeMap<Version, (Version, Step<'a>)> = BTreeMap::new();
    let mut skipped: BTreeMap<Version, String> = BTreeMap::new();
    let mut queue = VecDeque::from([*from]);
    while let Some(at) = queue.pop_front() {
        if at == target.version {
            return Ok(walk_back(&came_from, from, at));
        }
        for step in next_steps(lookup, product, &at) {
            let to = step.version();
            if let Step::Release(r) = step
                && to != target.version
                && let Some(why) = unmet(r)
            {
                skipped.insert(to, why);
                continue;
            }
            if to != *from && !came_from.contains_key(&to) {
                came_from.insert(to, (at, step));
                queue.push_back(to);
            }
        }
    }
    Err(Error::NoUpgradePath {
        product: product.id.to_string(),
        from: *from,
        to: target.version,
        why: why_not(product, from, target, &skipped),
    })
}

/// Every step admitted from `at`, highest resulting version first.
fn next_steps<'a>(lookup: &Lookup<'a>, product: &'a Product, at: &Version) -> Vec<Step<'a>> {
    let mut steps: Vec<Step<'a>> = product
        .releases
        .iter()
        .filter(|r| r.version > *at && r.upgrades_from.iter().any(|q| q.matches(at)))
        .map(Step::Release)
        .chain(
            hotfix::applicable(lookup, &product.id, at)
                .into_iter()
                .map(Step::Hotfix),
        )
        .collect();
    steps.sort_by_key(|s| std::cmp::Reverse(s.version()));
    steps
}

fn walk_back<'a>(
    came_from: &BTreeMap<Version, (Version, Step<'a>)>,
    from: &Version,
    mut at: Version,
) -> Vec<Step<'a>> {
    let mut steps = Vec::new();
    while at != *from {
        match came_from.get(&at) {
            Some((previous, step)) => {
                steps.push(*step);
                at = *previous;
            }
            None => break,
        }
    }
    steps.reverse();
    steps
}

fn why_not(
    product: &Product,
    from: &Version,
    target: &Release,
    skipped: &BTreeMap<Version, String>,
) -> String {
    if target.upgrades_from.is_empty() {
        return format!(
            "{} declares no upgradesFrom, so it installs only where {} is not installed (uninstall {} {from} first)",
            target.version, product.id, product.id
        );
    }
    let admitted: Vec<String> = target
        .upgrades_from
        .iter()
        .map(ToString::to_string)
        .collect();
    let because: String = skipped
        .iter()
        .map(|(v, why)| format!("; {} {v} cannot be a step: {why}", product.id))
        .collect();
    format!(
        "{} upgrades only from {}, and no release or hot fix reaches {} from {from}{because}",
        target.version,
        admitted.join(" or "),
        if admitted.len() == 1 { "it" } else { "those" },
    )
}
