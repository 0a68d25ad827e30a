//! The rules that span elements and listings: ids unique across the catalog,
//! every id reference resolves (rule 1), no `requires` cycle (rule 2), file
//! names unique as Windows compares them and sizes that add up (rules 3 and
//! 8). Runs after every listing of a run is parsed, then sorts releases by version.

use super::Error;
use super::model::*;
use super::parse::Marks;
use super::position::Doc;
use super::version::Version;
use bundle_format::manifest::find_clash;
use rustc_hash::FxHashMap as HashMap;

/// One parsed listing with its text and element positions.
pub(crate) struct Parsed<'t> {
    pub doc: Doc<'t>,
    pub listing: Listing,
    pub marks: Marks<'t>,
}

/// Where an id is defined: listing index, byte offset, index in its listing's vector.
#[derive(Clone, Copy)]
struct Defined {
    listing: usize,
    at: usize,
    index: usize,
}

/// `requires` edges between products numbered in catalog order.
struct Edges {
    /// (required product, listing, byte offset of the `<requires>`), grouped by
    /// requiring product in catalog order. As `u32` (a listing is at most
    /// 64 MiB): a large listing has tens of thousands.
    to: Vec<(u32, u32, u32)>,
    /// Product n's edges are `to[start[n]..start[n + 1]]`.
    start: Vec<u32>,
}

impl Edges {
    /// Product `product`'s `n`-th edge: (required product, listing, byte offset).
    fn get(&self, product: usize, n: usize) -> Option<(usize, usize, usize)> {
        let edges = &self.to[self.start[product] as usize..self.start[product + 1] as usize];
        let &(to, li, at) = edges.get(n)?;
        Some((to as usize, li as usize, at as usize))
    }
}

/// Checks the catalog-wide rules and returns the catalog.
pub(crate) fn validate(mut parsed: Vec<Parsed<'_>>) -> Result<Catalog, Error> {
    // The payloads' marks were sized for the largest listings; what they
    // hold is kept through the checks below, without the room to spare.
    for p in &mut parsed {
        p.marks.files.shrink_to_fit();
    }
    let resolutions = {
        let index = Index::build(&parsed)?;
        let edges = index.references(&parsed)?;
        index.requires_cycles(&parsed, &edges)?;
        index.resolutions(&parsed)?
    };
    files(&parsed)?;
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
    products: HashMap<&'p str, Defined>,
    /// Where each listing's products start in catalog order.
    first_product: Vec<usize>,
    eulas: HashMap<&'p str, Defined>,
    hotfixes: HashMap<&'p str, Defined>,
}

impl<'p> Index<'p> {
    fn build(parsed: &'p [Parsed<'_>]) -> Result<Index<'p>, Error> {
        let count = |f: fn(&Listing) -> usize| parsed.iter().map(|p| f(&p.listing)).sum();
        let mut index = Index {
            products: HashMap::with_capacity_and_hasher(
                count(|l| l.products.len()),
                Default::default(),
            ),
            first_product: Vec::with_capacity(parsed.len()),
            eulas: HashMap::with_capacity_and_hasher(count(|l| l.eulas.len()), Default::default()),
            hotfixes: HashMap::with_capacity_and_hasher(
                count(|l| l.hotfixes.len()),
                Default::default(),
            ),
        };
        let mut critical_updates = HashMap::default();
        let mut count = 0;
        for (li, p) in parsed.iter().enumerate() {
            index.first_product.push(count);
            count += p.listing.products.len();
            let products = p.listing.products.iter().map(|x| x.id.as_str());
            let at = p.marks.products.iter().copied();
            unique(parsed, &mut index.products, "product", li, products, at)?;
            let eulas = p.listing.eulas.iter().map(|x| x.id.as_str());
            let at = p.marks.eulas.iter().copied();
            unique(parsed, &mut index.eulas, "eula", li, eulas, at)?;
            let hotfixes = p.listing.hotfixes.iter().map(|x| x.id.as_str());
            let at = p.marks.hotfixes.iter().copied();
            unique(parsed, &mut index.hotfixes, "hotfix", li, hotfixes, at)?;
            let updates = p.listing.critical_updates.iter().map(|x| x.id.as_str());
            let at = p.marks.critical_updates.iter().copied();
            unique(
                parsed,
                &mut critical_updates,
                "criticalUpdate",
                li,
                updates,
                at,
            )?;
        }
        Ok(index)
    }

    fn product(&self, parsed: &'p [Parsed<'_>], id: &str) -> Option<&'p Product> {
        self.products
            .get(id)
            .map(|d| &parsed[d.listing].listing.products[d.index])
    }

    /// Rule 1 for products' `appliesTo`, releases' `eula`, `requires`,
    /// `recommends`, `replaces`, and hot fixes' `product` and `base`.
    /// Returns the `requires` edges.
    fn references(&self, parsed: &[Parsed<'_>]) -> Result<Edges, Error> {
        let mut edges = Edges {
            to: Vec::new(),
            start: Vec::with_capacity(self.products.len() + 1),
        };
        for (li, p) in parsed.iter().enumerate() {
            let doc = p.doc;
            let product_ref = |at: usize, element: &str, attribute: &str, id: &str| {
                self.products.get(id).copied().ok_or_else(|| {
                    doc.invalid(
                        at,
                        element,
                        format!(
                            "rule 1: `{attribute}` names product {id:?}, which no listing defines; correct the id or add the product"
                        ),
                    )
                })
            };
            let mut releases = p.marks.releases.iter();
            let mut requires = p.marks.requires.iter();
            let mut recommends = p.marks.recommends.iter();
            let mut replaces = p.marks.replaces.iter();
            for (product, &at) in p.listing.products.iter().zip(&p.marks.products) {
                for id in &product.applies_to {
                    product_ref(at, "product", "appliesTo", id)?;
                }
                edges.start.push(edges.to.len() as u32);
                for (release, &release_at) in product.releases.iter().zip(releases.by_ref()) {
                    if let Some(eula) = &release.eula
                        && !self.eulas.contains_key(eula.as_str())
                    {
                        return Err(doc.invalid(
                            release_at,
                            "release",
                            format!(
                                "rule 1: `eula` names {eula:?}, which no <eula> defines; correct the id or add the eula"
                            ),
                        ));
                    }
                    for (dep, &at) in release.requires.iter().zip(requires.by_ref()) {
                        let to = product_ref(at, "requires", "product", &dep.product)?;
                        let to = self.first_product[to.listing] + to.index;
                        edges.to.push((to as u32, li as u32, at as u32));
                    }
                    for (dep, &at) in release.recommends.iter().zip(recommends.by_ref()) {
                        product_ref(at, "recommends", "product", &dep.product)?;
                    }
                    for (id, &at) in release.replaces.iter().zip(replaces.by_ref()) {
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
        edges.start.push(edges.to.len() as u32);
        Ok(edges)
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
                let reached = if let Some(d) = self.hotfixes.get(text.as_str()) {
                    let hotfix = &parsed[d.listing].listing.hotfixes[d.index];
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
                        "rule 1: `resolvedBy` {text:?} brings {:?} to {reached}, which `affects` ({}) still matches; name a fix outside the affected versions",
                        update.product, update.affects
                    ));
                }
            }
        }
        Ok(by_release)
    }

    /// Rule 2: the `requires` graph between products has no cycle.
    fn requires_cycles(&self, parsed: &[Parsed<'_>], edges: &Edges) -> Result<(), Error> {
        let ids: Vec<&str> = parsed
            .iter()
            .flat_map(|p| p.listing.products.iter().map(|x| x.id.as_str()))
            .collect();
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
                let Some((to, li, at)) = edges.get(node, *next) else {
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

/// Records the ids of one listing, refusing one already seen in this or another listing.
fn unique<'p>(
    parsed: &[Parsed<'_>],
    seen: &mut HashMap<&'p str, Defined>,
    kind: &str,
    listing: usize,
    ids: impl Iterator<Item = &'p str>,
    offsets: impl Iterator<Item = usize>,
) -> Result<(), Error> {
    for (index, (id, at)) in ids.zip(offsets).enumerate() {
        let defined = Defined { listing, at, index };
        let Some(first) = seen.insert(id, defined) else {
            continue;
        };
        let doc = parsed[listing].doc;
        let message = if first.listing == listing {
            format!(
                "unique id: duplicate {kind} id {id:?}: already defined at {}; give each its own id",
                doc.location(first.at)
            )
        } else {
            format!(
                "unique id: {kind} id {id:?} is in two listings: {} and {}; a catalog names each id once, so drop one of the listings or rename the id",
                parsed[first.listing].doc.name, doc.name
            )
        };
        return Err(doc.invalid(at, kind, message));
    }
    Ok(())
}

/// Rules 3 and 8 over every payload of the run: no two `file` names are one
/// file on Windows (the bundle container's own rule, in every listing), and
/// the sizes add up to what a bundle can hold, so no total is ever wrong.
fn files(parsed: &[Parsed<'_>]) -> Result<(), Error> {
    let all = || {
        parsed
            .iter()
            .flat_map(|p| p.marks.files.iter().map(move |f| (p.doc, f)))
    };
    if let Some((first, again)) = find_clash(all().map(|(_, f)| &*f.name)) {
        let (first_doc, first) = all().nth(first).expect("a payload find_clash counted");
        let (doc, again) = all().nth(again).expect("a payload find_clash counted");
        return Err(doc.invalid(
            again.at,
            "payload",
            format!(
                "rules 3 and 8: file {:?} is already used at {} as {:?} (names compare without case, as on Windows, across every listing of the run); give each payload its own file name",
                again.name,
                first_doc.location(first.at),
                first.name
            ),
        ));
    }
    let mut total = 0u64;
    for (doc, f) in all() {
        total = total.checked_add(f.size).ok_or_else(|| {
            doc.invalid(
                f.at,
                "payload",
                format!(
                    "rule 3: `size` {}: the payloads of the run add up to more than {} bytes here, more than any bundle can hold; correct the sizes",
                    f.size,
                    u64::MAX
                ),
            )
        })?;
    }
    Ok(())
}
