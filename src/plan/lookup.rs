//! The catalog indexed once per resolution. The catalog's own lookups scan
//! every listing; asked once per dependency they made planning quadratic in
//! the listing's size, so the resolver asks these maps instead. Products are
//! also numbered, in id order: the resolver keeps its state per product in
//! vectors indexed by that number rather than in maps keyed by id text.

use crate::listing::{Catalog, CriticalUpdate, Eula, Hotfix, Product, Version};
use rustc_hash::FxHashMap as HashMap;
use std::ops::{Index, IndexMut};

/// A product's number: its place among the catalog's products sorted by id,
/// so two numbers compare as the ids they stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pid(u32);

/// One value per product of the catalog, indexed by its number.
#[derive(Debug, Clone)]
pub struct PerProduct<T>(Vec<T>);

impl<T: Clone> PerProduct<T> {
    /// `value` for each product of `lookup`.
    pub fn new(lookup: &Lookup, value: T) -> PerProduct<T> {
        PerProduct(vec![value; lookup.products.len()])
    }
}

impl<T> Index<Pid> for PerProduct<T> {
    type Output = T;
    fn index(&self, pid: Pid) -> &T {
        &self.0[pid.0 as usize]
    }
}

impl<T> IndexMut<Pid> for PerProduct<T> {
    fn index_mut(&mut self, pid: Pid) -> &mut T {
        &mut self.0[pid.0 as usize]
    }
}

pub struct Lookup<'c> {
    pub catalog: &'c Catalog,
    /// Every product, sorted by id; a product's number is its place here.
    products: Vec<&'c Product>,
    numbers: HashMap<&'c str, Pid>,
    eulas: HashMap<&'c str, &'c Eula>,
    /// Hot fixes by product and base release, oldest (lowest version) first.
    hotfixes: HashMap<&'c str, HashMap<Version, Vec<&'c Hotfix>>>,
    /// The base release of each hot fix version, by product.
    bases: HashMap<&'c str, HashMap<Version, Version>>,
    critical_updates: HashMap<&'c str, Vec<&'c CriticalUpdate>>,
}

impl<'c> Lookup<'c> {
    pub fn new(catalog: &'c Catalog) -> Lookup<'c> {
        let mut hotfixes: HashMap<&str, HashMap<Version, Vec<&Hotfix>>> = HashMap::default();
        let mut bases: HashMap<&str, HashMap<Version, Version>> = HashMap::default();
        for h in catalog.listings.iter().flat_map(|l| &l.hotfixes) {
            let product = h.product.as_str();
            let of_base = hotfixes.entry(product).or_default();
            of_base.entry(h.base).or_default().push(h);
            let base = bases.entry(product).or_default();
            base.entry(h.version).or_insert(h.base);
        }
        for found in hotfixes.values_mut().flat_map(HashMap::values_mut) {
            found.sort_by(|a, b| a.version.cmp(&b.version).then_with(|| a.id.cmp(&b.id)));
        }
        let mut critical_updates: HashMap<&str, Vec<&CriticalUpdate>> = HashMap::default();
        for c in catalog.critical_updates() {
            critical_updates
                .entry(c.product.as_str())
                .or_default()
                .push(c);
        }
        // Ids are unique across a catalog's listings (validation refuses a
        // second one), so the sorted order is total.
        let mut products: Vec<&Product> = catalog.products().collect();
        products.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        let numbers = (0..)
            .zip(&products)
            .map(|(n, p)| (p.id.as_str(), Pid(n)))
            .collect();
        Lookup {
            catalog,
            products,
            numbers,
            eulas: catalog
                .listings
                .iter()
                .flat_map(|l| &l.eulas)
                .map(|e| (e.id.as_str(), e))
                .collect(),
            hotfixes,
            bases,
            critical_updates,
        }
    }

    /// The number of the product with this id.
    pub fn number(&self, id: &str) -> Option<Pid> {
        self.numbers.get(id).copied()
    }

    /// The product numbered `n`.
    pub fn at(&self, n: Pid) -> &'c Product {
        self.products[n.0 as usize]
    }

    /// The product of this id, if the catalog has one.
    pub fn product(&self, id: &str) -> Option<&'c Product> {
        self.number(id).map(|n| self.at(n))
    }

    pub fn eula(&self, id: &str) -> Option<&'c Eula> {
        self.eulas.get(id).copied()
    }

    /// Hot fixes of one release, oldest (lowest resulting version) first.
    pub fn hotfixes_for(&self, product: &str, base: &Version) -> &[&'c Hotfix] {
        self.hotfixes
            .get(product)
            .and_then(|of_base| of_base.get(base))
            .map_or(&[], Vec::as_slice)
    }

    /// The hot fix of `product` with this id, whatever its base release.
    pub fn hotfix(&self, product: &str, id: &str) -> Option<&'c Hotfix> {
        self.hotfixes
            .get(product)?
            .values()
            .flatten()
            .find(|h| h.id == id)
            .copied()
    }

    /// The release version a hot fix version was reached from, if `version` is one.
    pub fn base_of(&self, product: &str, version: &Version) -> Option<Version> {
        self.bases.get(product)?.get(version).copied()
    }

    /// The critical updates of one product, in catalog order.
    pub fn critical_updates(&self, product: &str) -> &[&'c CriticalUpdate] {
        self.critical_updates
            .get(product)
            .map_or(&[], Vec::as_slice)
    }
}
