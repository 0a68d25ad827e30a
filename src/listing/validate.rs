//! The rules that span elements and listings: ids unique across the catalog,
//! every id reference resolves (rule 1), no `requires` cycle (rule 2), file
//! names unique as Windows compares them and sizes that add up (rules 3 and
//! 8). Runs after every listing of a run is parsed, then sorts releases by version.

use super::Error;
use super::model::*;
use super::parse::Marks;
use super::position::Doc;
use super::version::Version;
use super::xml::Tag;
use bundle_format::manifest::find_clash;
use hashbrown::HashTable;
use hashbrown::hash_table::Entry;
use rustc_hash::{FxBuildHasher, FxHashMap as HashMap};
use std::hash::BuildHasher;

/// One parsed listing with its text and element positions.
pub(crate) struct Parsed<'t> {
    pub doc: Doc<'t>,
    pub listing: Listing,
    pub marks: Marks,
}

/// Where an id is defined: listing index and index in its listing's
/// vector (its offset is in the listing's marks at the same index).
#[derive(Clone, Copy)]
struct Defined {
    listing: u32,
    index: u32,
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
        index.references(&parsed)?;
        index.requires_cycles(&parsed)?;
        index.resolutions(&parsed)?
    };
    // The file rules point at payloads only: the other marks go first.
    for p in &mut parsed {
        p.marks = Marks {
            files: std::mem::take(&mut p.marks.files),
            ..Marks::default()
        };
    }
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
    /// Each product's number in catalog order, found by its id: a catalog
    /// has tens of thousands, each looked up in the model rather than kept
    /// beside its number.
    products: HashTable<u32>,
    /// Where each listing's products start in catalog order.
    first_product: Vec<usize>,
    eulas: HashMap<&'p str, Defined>,
    hotfixes: HashMap<&'p str, Defined>,
}

impl<'p> Index<'p> {
    fn build(parsed: &'p [Parsed<'_>]) -> Result<Index<'p>, Error> {
        let count = |f: fn(&Listing) -> usize| parsed.iter().map(|p| f(&p.listing)).sum();
        let mut index = Index {
            products: HashTable::with_capacity(count(|l| l.products.len())),
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
            let at = &p.marks.products;
            let first_product = &index.first_product;
            let id = |n: &u32| {
                nth_product(parsed, first_product, *n as usize)
                    .1
                    .id
                    .as_str()
            };
            let table = &mut index.products;
            let mut seen = |found: &str, defined: Defined| {
                let number = first_product[li] + defined.index as usize;
                let entry = table.entry(
                    FxBuildHasher.hash_one(found),
                    |n| id(n) == found,
                    |n| FxBuildHasher.hash_one(id(n)),
                );
                match entry {
                    Entry::Occupied(earlier) => Some(defined_at(first_product, *earlier.get())),
                    Entry::Vacant(place) => {
                        place.insert(number as u32);
                        None
                    }
                }
            };
            unique(parsed, &mut seen, "product", li, products, at)?;
            let eulas = p.listing.eulas.iter().map(|x| x.id.as_str());
            let at = &p.marks.eulas;
            let mut seen = |id, defined| index.eulas.insert(id, defined);
            unique(parsed, &mut seen, "eula", li, eulas, at)?;
            let hotfixes = p.listing.hotfixes.iter().map(|x| x.id.as_str());
            let at = &p.marks.hotfixes;
            let mut seen = |id, defined| index.hotfixes.insert(id, defined);
            unique(parsed, &mut seen, "hotfix", li, hotfixes, at)?;
            let updates = p.listing.critical_updates.iter().map(|x| x.id.as_str());
            let at = &p.marks.critical_updates;
            let mut seen = |id, defined| critical_updates.insert(id, defined);
            unique(parsed, &mut seen, "criticalUpdate", li, updates, at)?;
        }
        Ok(index)
    }

    fn product(&self, parsed: &'p [Parsed<'_>], id: &str) -> Option<&'p Product> {
        self.product_number(parsed, id)
            .map(|n| self.nth_product(parsed, n).1)
    }

    /// The number in catalog order of product `id`.
    fn product_number(&self, parsed: &[Parsed<'_>], id: &str) -> Option<usize> {
        self.products
            .find(FxBuildHasher.hash_one(id), |&n| {
                self.nth_product(parsed, n as usize).1.id == id
            })
            .map(|&n| n as usize)
    }

    /// Product `node` in catalog order: its listing and the product.
    fn nth_product<'q>(&self, parsed: &'q [Parsed<'_>], node: usize) -> (usize, &'q Product) {
        nth_product(parsed, &self.first_product, node)
    }

    /// Rule 1 for products' `appliesTo`, releases' `eula`, `requires`,
    /// `recommends`, `replaces`, and hot fixes' `product` and `base`.
    fn references(&self, parsed: &[Parsed<'_>]) -> Result<(), Error> {
        for p in parsed {
            let doc = p.doc;
            let product_ref = |at: usize, element: &str, attribute: &str, id: &str| {
                self.product_number(parsed, id).map(|_| ()).ok_or_else(|| {
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
                for (release, &release_at) in product.releases.iter().zip(releases.by_ref()) {
                    if let Some(eula) = &release.eula
                        && !self.eulas.contains_key(&**eula)
                    {
                        return Err(doc.invalid(
                            release_at as usize,
                            "release",
                            format!(
                                "rule 1: `eula` names {eula:?}, which no <eula> defines; correct the id or add the eula"
                            ),
                        ));
                    }
                    for (dep, &at) in release.requires.iter().zip(requires.by_ref()) {
                        product_ref(at as usize, "requires", "product", &dep.product)?;
                    }
                    for (dep, &at) in release.recommends.iter().zip(recommends.by_ref()) {
                        product_ref(at as usize, "recommends", "product", &dep.product)?;
                    }
                    for (id, &at) in release.replaces.iter().zip(replaces.by_ref()) {
                        product_ref(at as usize, "replaces", "product", id)?;
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
                let reached = if let Some(d) = self.hotfixes.get(text.as_str()) {
                    let hotfix = &parsed[d.listing as usize].listing.hotfixes[d.index as usize];
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

    /// Rule 2: the `requires` graph between products has no cycle. Walked
    /// depth first from the model itself, each edge looked up as it is
    /// reached, so no copy of the graph is made.
    fn requires_cycles(&self, parsed: &[Parsed<'_>]) -> Result<(), Error> {
        // Where each product's first `<requires>` is among its listing's marks.
        let mut first_mark: Vec<u32> = Vec::with_capacity(self.products.len());
        for p in parsed {
            let mut count = 0;
            for product in &p.listing.products {
                first_mark.push(count);
                count += product
                    .releases
                    .iter()
                    .map(|r| r.requires.len() as u32)
                    .sum::<u32>();
            }
        }
        const NEW: u8 = 0;
        const OPEN: u8 = 1;
        const DONE: u8 = 2;
        let mut state = vec![NEW; first_mark.len()];
        for root in 0..state.len() {
            if state[root] != NEW {
                continue;
            }
            state[root] = OPEN;
            let mut stack = vec![Visit::new(root, &first_mark)];
            while let Some(visit) = stack.last_mut() {
                let node = visit.node;
                let (li, product) = self.nth_product(parsed, node);
                let Some((dependency, mark)) = visit.next(product) else {
                    state[node] = DONE;
                    stack.pop();
                    continue;
                };
                // Every `requires` names a defined product: `references` ran first.
                let Some(to) = self.product_number(parsed, &dependency.product) else {
                    continue;
                };
                match state[to] {
                    NEW => {
                        state[to] = OPEN;
                        stack.push(Visit::new(to, &first_mark));
                    }
                    OPEN => {
                        let start = stack.iter().position(|v| v.node == to).unwrap_or(0);
                        let id = |n: usize| self.nth_product(parsed, n).1.id.as_str();
                        let mut path: Vec<&str> =
                            stack[start..].iter().map(|v| id(v.node)).collect();
                        path.push(id(to));
                        return Err(parsed[li].doc.invalid(
                            parsed[li].marks.requires[mark] as usize,
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

/// A product on the path of the `requires` walk, and how far through its
/// dependencies the walk is.
struct Visit {
    /// The product's number in catalog order.
    node: usize,
    release: usize,
    dependency: usize,
    /// The index in its listing's `requires` marks of the next dependency.
    mark: usize,
}

impl Visit {
    fn new(node: usize, first_mark: &[u32]) -> Visit {
        Visit {
            node,
            release: 0,
            dependency: 0,
            mark: first_mark[node] as usize,
        }
    }

    /// The next dependency of `product` (this visit's), with its mark index.
    fn next<'p>(&mut self, product: &'p Product) -> Option<(&'p Dependency, usize)> {
        loop {
            let release = product.releases.get(self.release)?;
            if let Some(dependency) = release.requires.get(self.dependency) {
                self.dependency += 1;
                self.mark += 1;
                return Some((dependency, self.mark - 1));
            }
            self.release += 1;
            self.dependency = 0;
        }
    }
}

/// Product `node` in catalog order, where each listing's products start at
/// `first_product`: its listing and the product.
fn nth_product<'q>(
    parsed: &'q [Parsed<'_>],
    first_product: &[usize],
    node: usize,
) -> (usize, &'q Product) {
    let li = first_product.partition_point(|&first| first <= node) - 1;
    (li, &parsed[li].listing.products[node - first_product[li]])
}

/// Where product number `n` in catalog order is defined.
fn defined_at(first_product: &[usize], n: u32) -> Defined {
    let li = first_product.partition_point(|&first| first <= n as usize) - 1;
    Defined {
        listing: li as u32,
        index: n - first_product[li] as u32,
    }
}

/// Records the ids of one listing, refusing one already seen in this or
/// another listing: `seen` records an id and returns where it was
/// defined before, if it was.
fn unique<'p>(
    parsed: &[Parsed<'_>],
    seen: &mut impl FnMut(&'p str, Defined) -> Option<Defined>,
    kind: &str,
    listing: usize,
    ids: impl Iterator<Item = &'p str>,
    offsets: &[usize],
) -> Result<(), Error> {
    for (index, (id, &at)) in ids.zip(offsets).enumerate() {
        let defined = Defined {
            listing: listing as u32,
            index: index as u32,
        };
        let Some(first) = seen(id, defined) else {
            continue;
        };
        let doc = parsed[listing].doc;
        let message = if first.listing as usize == listing {
            format!(
                "unique id: duplicate {kind} id {id:?}: already defined at {}; give each its own id",
                doc.location(offsets[first.index as usize])
            )
        } else {
            format!(
                "unique id: {kind} id {id:?} is in two listings: {} and {}; a catalog names each id once, so drop one of the listings or rename the id",
                parsed[first.listing as usize].doc.name, doc.name
            )
        };
        return Err(doc.invalid(at, kind, message));
    }
    Ok(())
}

/// Rules 3 and 8 over every payload of the run: no two `file` names are one
/// file on Windows (the bundle container's own rule, in every listing), and
/// the sizes add up to what a bundle can hold, so no total is ever wrong.
/// Payloads are taken in document order, listing after listing.
fn files(parsed: &[Parsed<'_>]) -> Result<(), Error> {
    let all = || {
        parsed
            .iter()
            .flat_map(|p| in_document_order(p).map(move |(at, f)| (p.doc, at, f)))
    };
    if let Some((first, again)) = find_clash(all().map(|(_, _, f)| f.file.as_str())) {
        let (first_doc, first_at, first) = all().nth(first).expect("a payload find_clash counted");
        let (doc, at, again) = all().nth(again).expect("a payload find_clash counted");
        return Err(doc.invalid(
            at,
            "payload",
            format!(
                "rules 3 and 8: file {:?} is already used at {} as {:?} (names compare without case, as on Windows, across every listing of the run); give each payload its own file name",
                again.file,
                first_doc.location(first_at),
                first.file
            ),
        ));
    }
    let mut total = 0u64;
    for (doc, at, f) in all() {
        total = total.checked_add(f.size).ok_or_else(|| {
            doc.invalid(
                at,
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

/// A listing's payloads in document order, each with its offset. Each kind
/// of element holding a payload is in the model in document order, and the
/// marks say which kind holds each payload in turn; releases are not yet
/// sorted by version.
fn in_document_order<'p>(p: &'p Parsed<'_>) -> impl Iterator<Item = (usize, &'p Payload)> + Clone {
    let listing = &p.listing;
    let mut installer = listing.installer.iter().map(|i| &i.payload);
    let mut eulas = listing.eulas.iter().map(|e| &e.payload);
    let mut releases = listing
        .products
        .iter()
        .flat_map(|product| &product.releases)
        .filter_map(|r| r.payload.as_ref());
    let mut hotfixes = listing.hotfixes.iter().map(|h| &h.payload);
    p.marks.files.iter().map_while(move |mark| {
        let payload = match mark.owner {
            Tag::Installer => installer.next(),
            Tag::Eula => eulas.next(),
            Tag::Hotfix => hotfixes.next(),
            _ => releases.next(),
        };
        Some((mark.at as usize, payload?))
    })
}
