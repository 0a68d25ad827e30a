//! The catalog indexed once per resolution. The catalog's own lookups scan
//! every listing; asked once per dependency they made planning quadratic in
//! the listing's size, so the resolver asks these maps instead.

use crate::listing::{Catalog, CriticalUpdate, Eula, Hotfix, Product, Version};
use std::collections::HashMap;

pub struct Lookup<'c> {
    pub catalog: &'c Catalog,
    products: HashMap<&'c str, &'c Product>,
    eulas: HashMap<&'c str, &'c Eula>,
    /// Hot fixes by product and base release, oldest (lowest version) first.
    hotfixes: HashMap<&'c str, HashMap<Version, Vec<&'c Hotfix>>>,
    /// The base release of each hot fix version, by product.
    bases: HashMap<&'c str, HashMap<Version, Version>>,
    critical_updates: HashMap<&'c str, Vec<&'c CriticalUpdate>>,
}

impl<'c> Lookup<'c> {
    pub fn new(catalog: &'c Catalog) -> Lookup<'c> {
        let mut hotfixes: HashMap<&str, HashMap<Version, Vec<&Hotfix>>> = HashMap::new();
        let mut bases: HashMap<&str, HashMap<Version, Version>> = HashMap::new();
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
        let mut critical_updates: HashMap<&str, Vec<&CriticalUpdate>> = HashMap::new();
        for c in catalog.critical_updates() {
            critical_updates
                .entry(c.product.as_str())
                .or_default()
                .push(c);
        }
        Lookup {
            catalog,
            products: catalog.products().map(|p| (p.id.as_str(), p)).collect(),
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

    pub fn product(&self, id: &str) -> Option<&'c Product> {
        self.products.get(id).copied()
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
