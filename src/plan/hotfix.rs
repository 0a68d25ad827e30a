//! Which hot fixes of a release go into a plan. Hot fixes are cumulative: the
//! latest alone brings a release up to date; `all` lists every one in order.

use super::selection::HotfixPolicy;
use crate::listing::{Catalog, CriticalUpdate, Hotfix, Resolution, Version};

/// The hot fixes of `product` at release `base` to apply, oldest first,
/// leaving out those at or below `reached` (a version already there).
pub fn for_release<'a>(
    catalog: &'a Catalog,
    product: &str,
    base: &Version,
    reached: &Version,
    policy: HotfixPolicy,
) -> Vec<&'a Hotfix> {
    let mut newer = catalog
        .hotfixes_for(product, base)
        .into_iter()
        .filter(|h| &h.version > reached);
    match policy {
        HotfixPolicy::None => Vec::new(),
        HotfixPolicy::All => newer.collect(),
        HotfixPolicy::Latest => newer.next_back().into_iter().collect(),
    }
}

/// The hot fixes that apply to a product at `installed`: those of the base
/// release `installed` is, or those superseding the hot fix that reached it.
pub fn applicable<'a>(catalog: &'a Catalog, product: &str, installed: &Version) -> Vec<&'a Hotfix> {
    let base = base_of(catalog, product, installed).unwrap_or(*installed);
    catalog
        .hotfixes_for(product, &base)
        .into_iter()
        .filter(|h| &h.version > installed)
        .collect()
}

/// The release version a hot fix version was reached from, if `version` is one.
pub fn base_of(catalog: &Catalog, product: &str, version: &Version) -> Option<Version> {
    catalog
        .listings
        .iter()
        .flat_map(|l| &l.hotfixes)
        .find(|h| h.product == product && &h.version == version)
        .map(|h| h.base)
}

/// The critical update that `product` at `reached` (on release `base`) is
/// still affected by, and the hot fix of that release resolving it, if any.
pub fn critical_fix<'a>(
    catalog: &'a Catalog,
    product: &str,
    base: &Version,
    reached: &Version,
) -> Option<(&'a CriticalUpdate, &'a Hotfix)> {
    catalog
        .critical_updates()
        .filter(|c| c.product == product && c.affects.matches(reached))
        .find_map(|c| {
            let Resolution::Hotfix(id) = &c.resolved_by else {
                return None;
            };
            catalog
                .hotfixes_for(product, base)
                .into_iter()
                .find(|h| &h.id == id && &h.version > reached)
                .map(|h| (c, h))
        })
}
