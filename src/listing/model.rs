//! The product listing as data: what the parser produces and the resolver reads.
//! Field meanings are those of the listing contract (listing.md).

use super::version::{Requirement, Version};
use time::OffsetDateTime;
use url::Url;

/// One parsed, validated listing document.
#[derive(Debug, Clone)]
pub struct Listing {
    /// Where it was read from, as the user named it (path or URL): used in messages.
    pub source: String,
    /// The absolute URL relative payload URLs resolve against (`file://` for a local listing).
    pub base: Url,
    /// sha256 of the exact `.pl.xml` bytes (inside a zip: the member's bytes).
    pub sha256: [u8; 32],
    /// The exact `.pl.xml` bytes, for the bundle.
    pub bytes: std::sync::Arc<[u8]>,
    /// The exact bytes of its `NAME.pl.xml.sig`, when the vendor publishes one.
    pub signature: Option<std::sync::Arc<[u8]>>,
    /// The fingerprint of the vendor key that verified `signature`, when one was given.
    pub vendor_key: Option<String>,
    pub vendor: String,
    pub name: String,
    pub serial: u64,
    pub published: OffsetDateTime,
    pub installer: Option<Installer>,
    pub eulas: Vec<Eula>,
    pub products: Vec<Product>,
    pub hotfixes: Vec<Hotfix>,
    pub critical_updates: Vec<CriticalUpdate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PayloadKind {
    Msi,
    Msp,
    Exe,
    Text,
}

/// One file to download.
#[derive(Debug, Clone)]
pub struct Payload {
    pub kind: PayloadKind,
    /// Plain file name; its name inside a bundle.
    pub file: String,
    /// Absolute, already resolved against the listing's base.
    pub url: Url,
    pub size: u64,
    pub sha256: [u8; 32],
    /// `{GUID}`, msi only.
    pub product_code: Option<String>,
    /// Silent-install arguments, exe only.
    pub args: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Installer {
    pub name: String,
    pub version: Version,
    pub payload: Payload,
}

#[derive(Debug, Clone)]
pub struct Eula {
    pub id: String,
    pub title: String,
    pub payload: Payload,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProductKind {
    Suite,
    Solution,
    Optional,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Documentation,
    Language,
    Migration,
}

#[derive(Debug, Clone)]
pub struct Product {
    pub id: String,
    pub name: String,
    pub kind: ProductKind,
    /// Optional components only.
    pub category: Option<Category>,
    /// Documentation and language components: the products they apply to.
    pub applies_to: Vec<String>,
    pub retain_on_cascade: bool,
    /// Sorted by version, oldest first.
    pub releases: Vec<Release>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LicenseKind {
    Required,
    Trial,
    Free,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Arch {
    X86,
    X64,
    Any,
}

#[derive(Debug, Clone)]
pub struct Release {
    pub version: Version,
    pub label: Option<String>,
    /// An `eula` id.
    pub eula: Option<String>,
    pub license: LicenseKind,
    pub arch: Arch,
    pub published: Option<OffsetDateTime>,
    /// None for suites, one for solutions and optional components.
    pub payload: Option<Payload>,
    pub requires: Vec<Dependency>,
    pub recommends: Vec<Dependency>,
    /// Installed versions of this product this release upgrades directly.
    pub upgrades_from: Vec<Requirement>,
    /// Product ids merged into this release.
    pub replaces: Vec<String>,
    pub properties: Vec<Property>,
    pub checks: Vec<Check>,
}

#[derive(Debug, Clone)]
pub struct Dependency {
    pub product: String,
    /// `Requirement::any()` when the attribute is absent.
    pub version: Requirement,
}

#[derive(Debug, Clone)]
pub struct Property {
    pub name: String,
    pub required: bool,
    pub secret: bool,
    pub default: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Block,
    Warn,
    Info,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckKind {
    DiskFree {
        min_bytes: u64,
    },
    Memory {
        min_bytes: u64,
    },
    Os {
        family: String,
        min_version: Option<Version>,
    },
    FileExists {
        path: String,
    },
    RegistryKey {
        key: String,
    },
}

#[derive(Debug, Clone)]
pub struct Check {
    pub kind: CheckKind,
    pub severity: Severity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HotfixSeverity {
    Critical,
    Recommended,
}

#[derive(Debug, Clone)]
pub struct Hotfix {
    pub id: String,
    pub product: String,
    /// The release version it applies to.
    pub base: Version,
    /// The product's version once applied.
    pub version: Version,
    pub label: Option<String>,
    pub severity: HotfixSeverity,
    pub published: Option<OffsetDateTime>,
    pub payload: Payload,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    Hotfix(String),
    Release(Version),
}

#[derive(Debug, Clone)]
pub struct CriticalUpdate {
    pub id: String,
    pub product: String,
    pub affects: Requirement,
    pub resolved_by: Resolution,
    pub message: String,
}

/// Every listing given for one run (a vendor's and third parties'), with
/// product ids unique across them.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub listings: Vec<Listing>,
}

impl Listing {
    /// Every file the listing publishes: the installer's, the EULAs', every
    /// release's and every hot fix's.
    pub fn payloads(&self) -> impl Iterator<Item = &Payload> {
        self.installer
            .iter()
            .map(|i| &i.payload)
            .chain(self.eulas.iter().map(|e| &e.payload))
            .chain(
                self.products
                    .iter()
                    .flat_map(|p| &p.releases)
                    .filter_map(|r| r.payload.as_ref()),
            )
            .chain(self.hotfixes.iter().map(|h| &h.payload))
    }
}

impl Catalog {
    pub fn products(&self) -> impl Iterator<Item = &Product> {
        self.listings.iter().flat_map(|l| &l.products)
    }

    pub fn product(&self, id: &str) -> Option<&Product> {
        self.products().find(|p| p.id == id)
    }

    /// The listing that names a product.
    pub fn listing_of(&self, product: &str) -> Option<&Listing> {
        self.listings
            .iter()
            .find(|l| l.products.iter().any(|p| p.id == product))
    }

    pub fn eula(&self, id: &str) -> Option<&Eula> {
        self.listings
            .iter()
            .flat_map(|l| &l.eulas)
            .find(|e| e.id == id)
    }

    /// Hot fixes of one release, oldest (lowest resulting version) first.
    pub fn hotfixes_for(&self, product: &str, base: &Version) -> Vec<&Hotfix> {
        let mut found: Vec<&Hotfix> = self
            .listings
            .iter()
            .flat_map(|l| &l.hotfixes)
            .filter(|h| h.product == product && &h.base == base)
            .collect();
        found.sort_by(|a, b| a.version.cmp(&b.version).then_with(|| a.id.cmp(&b.id)));
        found
    }

    pub fn critical_updates(&self) -> impl Iterator<Item = &CriticalUpdate> {
        self.listings.iter().flat_map(|l| &l.critical_updates)
    }
}

impl Release {
    /// A release with nothing but its version: no label, EULA, payload,
    /// dependencies, properties or checks; free, for any architecture.
    pub fn new(version: Version) -> Release {
        Release {
            version,
            label: None,
            eula: None,
            license: LicenseKind::Free,
            arch: Arch::Any,
            published: None,
            payload: None,
            requires: Vec::new(),
            recommends: Vec::new(),
            upgrades_from: Vec::new(),
            replaces: Vec::new(),
            properties: Vec::new(),
            checks: Vec::new(),
        }
    }
}

impl Product {
    pub fn latest(&self) -> Option<&Release> {
        self.releases.last()
    }

    pub fn release(&self, version: &Version) -> Option<&Release> {
        self.releases.iter().find(|r| &r.version == version)
    }
}
