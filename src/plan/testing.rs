//! A small builder of hand-made catalogs for the resolver's tests.

use crate::listing::*;
use time::OffsetDateTime;
use url::Url;

pub fn v(text: &str) -> Version {
    text.parse().unwrap()
}

fn payload(kind: PayloadKind, file: String, size: u64) -> Payload {
    Payload {
        kind,
        url: PayloadUrl::new(
            &Url::parse("https://vendor.test/files/")
                .unwrap()
                .join(&file)
                .unwrap(),
        ),
        file: file.into(),
        size,
        sha256: [7; 32],
        detail: PayloadDetail::None,
    }
}

fn dependency(product: &str, requirement: &str) -> Dependency {
    Dependency {
        product: product.into(),
        version: match requirement {
            "*" => Requirement::any(),
            r => r.parse().unwrap(),
        },
    }
}

/// `list` with `item` added at its end.
fn push<T: Clone>(list: &mut List<T>, item: T) {
    let mut grown = list.to_vec();
    grown.push(item);
    *list = grown.into();
}

/// Edits one release: `.requires("smp", ">=8.0")`, `"*"` for any version.
pub struct ReleaseEdit<'a>(&'a mut Release);

impl ReleaseEdit<'_> {
    pub fn requires(&mut self, product: &str, requirement: &str) -> &mut Self {
        push(&mut self.0.requires, dependency(product, requirement));
        self
    }
    pub fn recommends(&mut self, product: &str, requirement: &str) -> &mut Self {
        push(&mut self.0.recommends, dependency(product, requirement));
        self
    }
    pub fn upgrades_from(&mut self, requirement: &str) -> &mut Self {
        push(&mut self.0.upgrades_from, requirement.parse().unwrap());
        self
    }
    pub fn eula(&mut self, id: &str) -> &mut Self {
        self.0.eula = Some(id.into());
        self
    }
    pub fn replaces(&mut self, product: &str) -> &mut Self {
        push(&mut self.0.replaces, product.into());
        self
    }
}

pub struct CatalogBuilder {
    listing: Listing,
}

pub fn catalog() -> CatalogBuilder {
    CatalogBuilder {
        listing: Listing {
            source: "test.pl.xml".into(),
            base: Url::parse("https://vendor.test/").unwrap(),
            sha256: [0; 32],
            bytes: Default::default(),
            signature: None,
            vendor_key: None,
            vendor: "Test".into(),
            name: "Test listing".into(),
            serial: 1,
            published: OffsetDateTime::UNIX_EPOCH,
            installer: None,
            eulas: Vec::new(),
            products: Vec::new(),
            hotfixes: Vec::new(),
            critical_updates: Vec::new(),
        },
    }
}

impl CatalogBuilder {
    /// A product with these releases (no dependencies; payload `ID-VERSION.msi`
    /// of 1000 bytes, none for a suite).
    pub fn product(mut self, id: &str, kind: ProductKind, versions: &[&str]) -> Self {
        let releases = versions
            .iter()
            .map(|text| Release {
                payload: (kind != ProductKind::Suite)
                    .then(|| payload(PayloadKind::Msi, format!("{id}-{text}.msi"), 1000)),
                ..Release::new(v(text))
            })
            .collect();
        self.listing.products.push(Product {
            id: id.into(),
            name: id.to_uppercase().into(),
            kind,
            category: None,
            applies_to: Default::default(),
            retain_on_cascade: false,
            releases,
        });
        self
    }

    pub fn solution(self, id: &str, versions: &[&str]) -> Self {
        self.product(id, ProductKind::Solution, versions)
    }

    pub fn suite(self, id: &str, version: &str) -> Self {
        self.product(id, ProductKind::Suite, &[version])
    }

    /// An optional component (`applies_to` empty for a migration one).
    pub fn optional(mut self, id: &str, category: Category, applies_to: &[&str]) -> Self {
        self = self.product(id, ProductKind::Optional, &["8.0"]);
        if let Some(p) = self.listing.products.last_mut() {
            p.category = Some(category);
            p.applies_to = applies_to.iter().map(|&s| s.into()).collect();
        }
        self
    }

    /// Edits the release `version` of `product`.
    pub fn with(
        mut self,
        product: &str,
        version: &str,
        edit: impl FnOnce(&mut ReleaseEdit),
    ) -> Self {
        let release = self
            .listing
            .products
            .iter_mut()
            .find(|p| p.id == product)
            .and_then(|p| p.releases.iter_mut().find(|r| r.version == v(version)))
            .unwrap();
        edit(&mut ReleaseEdit(release));
        self
    }

    /// A hot fix `ID` of `product` at `base` giving `version` (an msp of 100 bytes).
    pub fn hotfix(mut self, id: &str, product: &str, base: &str, version: &str) -> Self {
        self.listing.hotfixes.push(Hotfix {
            id: id.into(),
            product: product.into(),
            base: v(base),
            version: v(version),
            label: Some(id.to_uppercase().into()),
            severity: HotfixSeverity::Recommended,
            published: None,
            payload: payload(PayloadKind::Msp, format!("{id}.msp"), 100),
        });
        self
    }

    /// A critical update of `product` for versions `affects`, resolved by hot fix `hotfix`.
    pub fn critical(mut self, id: &str, product: &str, affects: &str, hotfix: &str) -> Self {
        self.listing.critical_updates.push(CriticalUpdate {
            id: id.into(),
            product: product.into(),
            affects: affects.parse().unwrap(),
            resolved_by: Resolution::Hotfix(hotfix.into()),
            message: format!("{id} must be applied").into(),
        });
        self
    }

    pub fn eula(mut self, id: &str) -> Self {
        self.listing.eulas.push(Eula {
            id: id.into(),
            title: format!("{id} license agreement").into(),
            payload: payload(PayloadKind::Text, format!("{id}.txt"), 10),
        });
        self
    }

    pub fn build(mut self) -> Catalog {
        for p in &mut self.listing.products {
            p.releases.sort_by_key(|r| r.version);
        }
        Catalog {
            listings: vec![self.listing],
        }
    }
}

/// smp 7.0 / 7.5 SP1 / 7.6 / 8.0 with the guide's upgrade paths and hot fixes,
/// solutions that depend on it, a suite, and optional components.
pub fn itms() -> Catalog {
    catalog()
        .eula("itms")
        .solution(
            "smp",
            &["7.0.1200.0", "7.5.3153.0", "7.6.1423.0", "8.0.2298.0"],
        )
        .with("smp", "8.0.2298.0", |r| {
            r.upgrades_from("=7.5.3300.0")
                .upgrades_from("=7.6.1655.0")
                .eula("itms");
        })
        .with("smp", "7.6.1423.0", |r| {
            r.upgrades_from("=7.5.3300.0");
        })
        .hotfix("smp-7.5-hf1", "smp", "7.5.3153.0", "7.5.3200.0")
        .hotfix("smp-7.5-hf5", "smp", "7.5.3153.0", "7.5.3300.0")
        .hotfix("smp-7.6-hf1", "smp", "7.6.1423.0", "7.6.1500.0")
        .hotfix("smp-7.6-hf7", "smp", "7.6.1423.0", "7.6.1655.0")
        .hotfix("smp-8.0-hf1", "smp", "8.0.2298.0", "8.0.2298.1")
        .solution("patch", &["7.6.1423.0", "8.0.2298.0"])
        .with("patch", "7.6.1423.0", |r| {
            r.requires("smp", "7.6.*");
        })
        .with("patch", "8.0.2298.0", |r| {
            r.requires("smp", ">=8.0")
                .upgrades_from(">=7.6")
                .replaces("patch-linux");
        })
        .solution("patch-linux", &["7.6"])
        .solution("power", &["7.6.1"])
        .solution("ita", &["8.0"])
        .with("ita", "8.0", |r| {
            r.requires("smp", ">=8.0");
        })
        .suite("cms", "8.0")
        .with("cms", "8.0", |r| {
            r.requires("patch", "8.0.*")
                .requires("power", ">=7.6.1")
                .recommends("ita", "*")
                .eula("itms");
        })
        .optional("docs", Category::Documentation, &["smp", "patch"])
        .optional("lang-de", Category::Language, &["ds"])
        .optional("migration", Category::Migration, &[])
        .solution("ds", &["8.0"])
        .build()
}
