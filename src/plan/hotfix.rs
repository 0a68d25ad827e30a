//! Which hot fixes of a release go into a plan. Hot fixes are cumulative: the
//! latest alone brings a release up to date; `all` lists every one in order.

use super::lookup::Lookup;
use super::selection::HotfixPolicy;
use crate::listing::{CriticalUpdate, Hotfix, Resolution, Version};

/// The hot fixes of `product` at release `base` to apply, oldest first,
/// leaving out those at or below `reached` (a version already there).
pub fn for_release<'a>(
    lookup: &Lookup<'a>,
    product: &str,
    base: &Version,
    reached: &Version,
    policy: HotfixPolicy,
) -> Vec<&'a Hotfix> {
    let mut newer = lookup
        .hotfixes_for(product, base)
        .iter()
        .copied()
        .filter(|h| &h.version > reached);
    match policy {
        HotfixPolicy::None => Vec::new(),
        HotfixPolicy::All => newer.collect(),
        HotfixPolicy::Latest => newer.next_back().into_iter().collect(),
    }
}

/// The hot fixes that apply to a product at `installed`: those of the base
/// release `installed` is, or those superseding the hot fix that reached it.
pub fn applicable<'a>(lookup: &Lookup<'a>, product: &str, installed: &Version) -> Vec<&'a Hotfix> {
    let base = lookup.base_of(product, installed).unwrap_or(*installed);
    lookup
        .hotfixes_for(product, &base)
        .iter()
        .copied()
        .filter(|h| &h.version > installed)
        .collect()
}

/// The critical update that `product` at `reached` (on release `base`) is
/// still affected by, and the hot fix of that release resolving it, if any.
pub fn critical_fix<'a>(
    lookup: &Lookup<'a>,
    product: &str,
    base: &Version,
    reached: &Version,
) -> Option<(&'a CriticalUpdate, &'a Hotfix)> {
    lookup
        .critical_updates(product)
        .iter()
        .filter(|c| c.affects.matches(reached))
        .find_map(|c| {
            let Resolution::Hotfix(id) = &c.resolved_by else {
                return None;
            };
            lookup
                .hotfixes_for(product, base)
                .iter()
                .find(|h| h.id == id && &h.version > reached)
                .map(|h| (*c, *h))
        })
}
