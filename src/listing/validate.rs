//! The rules that span elements and listings: ids unique across the catalog,
//! every id reference resolves (rule 1), no `requires` cycle (rule 2). Runs
//! after every listing of a run is parsed, then sorts releases by version.

use super::Error;
use super::model::*;
use super::parse::Marks;
use super::position::Doc;
use super::version::Version;
use std::collections::HashMap;

/// One parsed listing with its text and element positions.
pub(crate) struct Parsed<'t> {
    pub doc: Doc<'t>,
    pub listing: Listing,
    pub marks: Marks,
}

/// Where an id was defined: listing index and byte offset.
type Defined = (usize, usize);

/// Checks the catalog-wide rules and returns the catalog.
pub(crate) fn validate(mut parsed: Vec<Parsed<'_>>) -> Result<Catalog, Error> {
    let resolutions = {
        let index = Index::build(&parsed)?;
        index.references(&parsed)?;
        index.requires_cycles(&parsed)?;
        index.resolutions(&parsed)?
    };
    for (li, ci, version) in resolutions {
        parsed[li].listing.critical_updates[ci].resolved_by = Resolution::Release(version);
    }
    let listings = parsed
        .into_iter()
        .map(|p| {
            let mut listing = p.listing;
            for product in &mut listing.products {
                product.releases.sort_by_key(|r| r.version);
            }
            listing
        })
        .collect();
    Ok(Catalog { listings })
}

/// Every id of the catalog, by kind.
struct Index<'p> {
    /// Product id -> (listing, product index).
    products: HashMap<&'p str, (usize, usize)>,
    eulas: HashMap<&'p str, Defined>,
    /// Hot fix id -> (listing, hot fix index).
    hotfixes: HashMap<&'p str, (usize, usize)>,
}

impl<'p> Index<'p> {
    fn build(parsed: &'p [Parsed<'_>]) -> Result<Index<'p>, Error> {
        let mut products = HashMap::new();
        let mut product_seen = HashMap::new();
        let mut eulas = HashMap::new();
        let mut hotfixes = HashMap::new();
        let mut hotfix_seen = HashMap::new();
        let mut critical_seen = HashMap::new();
        for (li, p) in parsed.iter().enumerate() {
            for (pi, product) in p.listing.products.iter().enumerate() {
                let at = p.marks.products[pi].at;
                unique(parsed, &mut product_seen, "product", &product.id, (li, at))?;
                products.insert(product.id.as_str(), (li, pi));
            }
            for (ei, eula) in p.listing.eulas.iter().enumerate() {
                unique(
                    parsed,
                    &mut eulas,
                    "eula",
                    &eula.id,
                    (li, p.marks.eulas[ei]),
                )?;
            }
            for (hi, hotfix) in p.listing.hotfixes.iter().enumerate() {
                let at = p.marks.hotfixes[hi];
                unique(parsed, &mut hotfix_seen, "hotfix", &hotfix.id, (li, at))?;
                hotfixes.insert(hotfix.id.as_str(), (li, hi));
            }
            for (ci, update) in p.listing.critical_updates.iter().enumerate() {
                let at = p.marks.critical_updates[ci];
                unique(
                    parsed,
                    &mut critical_seen,
                    "criticalUpdate",
                    &update.id,
                    (li, at),
                )?;
            }
        }
        Ok(Index {
            products,
            eulas,
            hotfixes,
        })
    }

    fn product(&self, parsed: &'p [Parsed<'_>], id: &str) -> Option<&'p Product> {
        self.products
            .get(id)
            .map(|&(li, pi)| &parsed[li].listing.products[pi])
    }

    /// Rule 1 for products' `appliesTo`, releases' `eula`, `requires`,
    /// `recommends`, `replaces`, and hot fixes' `product` and `base`.
    fn references(&self, parsed: &[Parsed<'_>]) -> Result<(), Error> {
        for p in parsed {
            let doc = p.doc;
            let product_ref = |at: usize, element: &str, attribute: &str, id: &str| {
                if self.products.contains_key(id) {
                    Ok(())
                } else {
                    Err(doc.invalid(
                        at,
                        element,
                        format!(
                            "rule 1: `{attribute}` names product {id:?}, which no listing defines; correct the id or add the product"
                        ),
                    ))
                }
            };
            for (product, marks) in p.listing.products.iter().zip(&p.marks.products) {
                for id in &product.applies_to {
                    product_ref(marks.at, "product", "appliesTo", id)?;
                }
                for (release, rm) in product.releases.iter().zip(&marks.releases) {
                    if let Some(eula) = &release.eula
                        && !self.eulas.contains_key(eula.as_str())
                    {
                        return Err(doc.invalid(
                            rm.at,
                            "release",
                            format!(
                                "rule 1: `eula` names {eula:?}, which no <eula> defines; correct the id or add the eula"
                            ),
                        ));
                    }
                    for (dep, &at) in release.requires.iter().zip(&rm.requires) {
                        product_ref(at, "requires", "product", &dep.product)?;
                    }
                    for (dep, &at) in release.recommends.iter().zip(&rm.recommends) {
                        product_ref(at, "recommends", "product", &dep.product)?;
                    }
                    for (id, &at) in release.replaces.iter().zip(&rm.replaces) {
                        product_ref(at, "replaces", "product", id)?;
                    }
                }
            }
            for (hotfix, &at) in p.listing.hotfixes.iter().zip(&p.marks.hotfixes) {
                product_ref(at, "hotfix", "product", &hotfix.product)?;
                let has_base = self
                    .product(parsed, &hotfix.product)
                    .is_some_and(|product| product.release(&hotfix.base).is_some());
                if !has_base {
                    return Err(doc.invalid(
                        at,
                        "hotfix",
                        format!(
                            "rule 1: `base` {} is not a release of {:?}; name the release version this hot fix applies to",
                            hotfix.base, hotfix.product
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Rule 1 for critical updates: `product` and `resolvedBy`, which must
    /// also bring the product out of `affects`. Returns the updates resolved
    /// by a release version: (listing, update index, version).
    fn resolutions(&self, parsed: &[Parsed<'_>]) -> Result<Vec<(usize, usize, Version)>, Error> {
        let mut by_release = Vec::new();
        for (li, p) in parsed.iter().enumerate() {
            let updates = p.listing.critical_updates.iter();
            for (ci, (update, &at)) in updates.zip(&p.marks.critical_updates).enumerate() {
                let bad = |message: String| Err(p.doc.invalid(at, "criticalUpdate", message));
                let Some(product) = self.product(parsed, &update.product) else {
                    return bad(format!(
                        "rule 1: `product` names {:?}, which no listing defines; correct the id",
                        update.product
                    ));
                };
                let Resolution::Hotfix(text) = &update.resolved_by else {
                    continue;
                };
                let reached = if let Some(&(hl, hi)) = self.hotfixes.get(text.as_str()) {
                    let hotfix = &parsed[hl].listing.hotfixes[hi];
                    if hotfix.product != update.product {
                        return bad(format!(
                            "rule 1: `resolvedBy` names hot fix {text:?}, which is for {:?}, not {:?}",
                            hotfix.product, update.product
                        ));
                    }
                    hotfix.version
                } else {
                    match text.parse::<Version>() {
                        Ok(v) if product.release(&v).is_some() => {
                            by_release.push((li, ci, v));
                            v
                        }
                        _ => {
                            return bad(format!(
                                "rule 1: `resolvedBy` {text:?} is neither a hot fix id nor a release version of {:?}; name one of them",
                                update.product
                            ));
                        }
                    }
                };
                if update.affects.matches(&reached) {
                    return bad(format!(
                        "`resolvedBy` {text:?} brings {:?} to {reached}, which `affects` ({}) still matches; name a fix outside the affected versions",
                        update.product, update.affects
                    ));
                }
            }
        }
        Ok(by_release)
    }

    /// Rule 2: the `requires` graph between products has no cycle.
    fn requires_cycles(&self, parsed: &[Parsed<'_>]) -> Result<(), Error> {
        // Products numbered in catalog order; edges carry where they are written.
        let mut ids: Vec<&str> = Vec::new();
        let mut number: HashMap<&str, usize> = HashMap::new();
        for p in parsed {
            for product in &p.listing.products {
                number.insert(product.id.as_str(), ids.len());
                ids.push(product.id.as_str());
            }
        }
        let mut edges: Vec<Vec<(usize, usize, usize)>> = vec![Vec::new(); ids.len()];
        for (li, p) in parsed.iter().enumerate() {
            for (product, marks) in p.listing.products.iter().zip(&p.marks.products) {
                let from = number[product.id.as_str()];
                for (release, rm) in product.releases.iter().zip(&marks.releases) {
                    for (dep, &at) in release.requires.iter().zip(&rm.requires) {
                        if let Some(&to) = number.get(dep.product.as_str()) {
                            edges[from].push((to, li, at));
                        }
                    }
                }
            }
        }
        const NEW: u8 = 0;
        const OPEN: u8 = 1;
        const DONE: u8 = 2;
        let mut state = vec![NEW; ids.len()];
        for root in 0..ids.len() {
            if state[root] != NEW {
                continue;
            }
            state[root] = OPEN;
            let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
            while let Some((node, next)) = stack.last_mut() {
                let node = *node;
                let Some(&(to, li, at)) = edges[node].get(*next) else {
                    state[node] = DONE;
                    stack.pop();
                    continue;
                };
                *next += 1;
                match state[to] {
                    NEW => {
                        state[to] = OPEN;
                        stack.push((to, 0));
                    }
                    OPEN => {
                        let start = stack.iter().position(|(n, _)| *n == to).unwrap_or(0);
                        let mut path: Vec<&str> =
                            stack[start..].iter().map(|(n, _)| ids[*n]).collect();
                        path.push(ids[to]);
                        return Err(parsed[li].doc.invalid(
                            at,
                            "requires",
                            format!(
                                "rule 2: requires cycle {}; a mandatory dependency cannot lead back to itself: make one of them a <recommends>",
                                path.join(" -> ")
                            ),
                        ));
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }
}

/// Records an id, refusing one already seen in this or another listing.
fn unique<'p>(
    parsed: &[Parsed<'_>],
    seen: &mut HashMap<&'p str, Defined>,
    kind: &str,
    id: &'p str,
    (li, at): Defined,
) -> Result<(), Error> {
    let Some(&(first_li, first_at)) = seen.get(id) else {
        seen.insert(id, (li, at));
        return Ok(());
    };
    let doc = parsed[li].doc;
    let message = if first_li == li {
        format!(
            "duplicate {kind} id {id:?}: already defined at {}; give each its own id",
            doc.location(first_at)
        )
    } else {
        format!(
            "{kind} id {id:?} is in two listings: {} and {}; a catalog names each id once, so drop one of the listings or rename the id",
            parsed[first_li].doc.name, doc.name
        )
    };
    Err(doc.invalid(at, kind, message))
}
