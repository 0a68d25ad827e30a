//! `airlock products`: what the given listings offer, as a table for people or
//! one JSON document for scripts.

use crate::error::{Exit, Result};
use crate::listing::{
    self, Catalog, Dependency, HotfixSeverity, Listing, Product, ProductKind, Release, Requirement,
    Resolution, Text, Version,
};
use crate::plan::PayloadFields;
use serde::{Serialize, Serializer};

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  airlock products --listing https://vendor.example/itms.pl.xml
  airlock products --listing itms.pl.xml.zip --all-versions --hotfixes
  airlock products --listing itms.pl.xml --listing partner.pl.xml --vendor-key vendor.pub --json")]
pub struct Args {
    #[command(flatten)]
    pub source: super::network::ListingArgs,
    /// Show every release of each product, not only the latest
    #[arg(long)]
    pub all_versions: bool,
    /// Also list hot fixes
    #[arg(long)]
    pub hotfixes: bool,
    /// Print one JSON document on stdout
    #[arg(long)]
    pub json: bool,
}

mod table;

pub fn run(args: Args) -> Result<Exit> {
    let catalog = args.source.load()?;
    let shown = Shown::of(&catalog, &args);
    if args.json {
        super::output::print_json(&shown)?;
    } else {
        super::output::print(&shown.table(args.hotfixes))?;
    }
    drop(shown);
    // The command ends here and the process with it: freeing a large
    // catalog's hundreds of thousands of allocations one by one is time
    // spent for nothing, so the memory is left to the exit.
    std::mem::forget(catalog);
    Ok(Exit::Done)
}

/// What is shown, in the shape of the JSON output.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Shown<'c> {
    listings: Vec<ListingInfo<'c>>,
    products: Products<'c>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hotfixes: Option<Vec<HotfixInfo<'c>>>,
    /// Mandatory fixes: always shown, they block other operations.
    critical_updates: Vec<CriticalInfo<'c>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CriticalInfo<'c> {
    id: &'c str,
    product: &'c str,
    affects: String,
    resolved_by_hotfix: Option<&'c str>,
    resolved_by_release: Option<String>,
    message: &'c str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ListingInfo<'c> {
    source: &'c str,
    vendor: &'c str,
    name: &'c str,
    serial: u64,
    published: String,
    sha256: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProductInfo<'c> {
    id: &'c str,
    name: &'c str,
    kind: ProductKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    category: Option<listing::Category>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    applies_to: &'c [Text],
    retain_on_cascade: bool,
    listing: &'c str,
    /// Newest first.
    releases: Vec<ReleaseInfo<'c>>,
}

/// A release as shown: borrowed from the catalog, each version and
/// requirement written as its text straight into the output (a large
/// listing's JSON is tens of megabytes, made of small strings).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReleaseInfo<'c> {
    version: &'c Version,
    label: Option<&'c str>,
    license: listing::LicenseKind,
    arch: listing::Arch,
    eula: Option<&'c str>,
    published: Option<String>,
    requires: Dependencies<'c>,
    recommends: Dependencies<'c>,
    upgrades_from: &'c [Requirement],
    replaces: &'c [Text],
    /// None for a suite, which ships no file.
    #[serde(flatten)]
    payload: Option<PayloadFields<'c>>,
}

/// `requires` or `recommends` of a release, each as `{"product", "version"}`.
struct Dependencies<'c>(&'c [Dependency]);

impl Serialize for Dependencies<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct DependencyInfo<'c> {
            product: &'c str,
            version: &'c Requirement,
        }
        serializer.collect_seq(self.0.iter().map(|d| DependencyInfo {
            product: &d.product,
            version: &d.version,
        }))
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HotfixInfo<'c> {
    id: &'c str,
    product: &'c str,
    base: String,
    version: String,
    label: Option<&'c str>,
    severity: HotfixSeverity,
    published: Option<String>,
    #[serde(flatten)]
    payload: PayloadFields<'c>,
}

fn release(r: &Release) -> ReleaseInfo<'_> {
    ReleaseInfo {
        version: &r.version,
        label: r.label.as_deref(),
        license: r.license,
        arch: r.arch,
        eula: r.eula.as_deref(),
        published: r.published.as_ref().map(|d| crate::text::rfc3339(*d)),
        requires: Dependencies(&r.requires),
        recommends: Dependencies(&r.recommends),
        upgrades_from: &r.upgrades_from,
        replaces: &r.replaces,
        payload: r.payload.as_ref().map(PayloadFields::of),
    }
}

fn listing_info(l: &Listing) -> ListingInfo<'_> {
    ListingInfo {
        source: &l.source,
        vendor: &l.vendor,
        name: &l.name,
        serial: l.serial,
        published: crate::text::rfc3339(l.published),
        sha256: hex::encode(l.sha256),
    }
}

/// Every product of the catalog, each shown as it is written out rather
/// than all built first: a large listing has tens of thousands.
struct Products<'c> {
    catalog: &'c Catalog,
    all_versions: bool,
}

impl<'c> Products<'c> {
    fn iter(&self) -> impl Iterator<Item = ProductInfo<'c>> + use<'c> {
        let all_versions = self.all_versions;
        self.catalog.listings.iter().flat_map(move |l| {
            l.products.iter().map(move |p| {
                let releases: Vec<&Release> = if all_versions {
                    p.releases.iter().rev().collect()
                } else {
                    p.latest().into_iter().collect()
                };
                product(p, l, releases)
            })
        })
    }
}

impl Serialize for Products<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'c> Shown<'c> {
    fn of(catalog: &'c Catalog, args: &Args) -> Shown<'c> {
        let products = Products {
            catalog,
            all_versions: args.all_versions,
        };
        let hotfixes = args.hotfixes.then(|| {
            catalog
                .listings
                .iter()
                .flat_map(|l| &l.hotfixes)
                .map(|h| HotfixInfo {
                    id: &h.id,
                    product: &h.product,
                    base: h.base.to_string(),
                    version: h.version.to_string(),
                    label: h.label.as_deref(),
                    severity: h.severity,
                    published: h.published.as_ref().map(|d| crate::text::rfc3339(*d)),
                    payload: PayloadFields::of(&h.payload),
                })
                .collect()
        });
        let critical_updates = catalog
            .critical_updates()
            .map(|c| CriticalInfo {
                id: &c.id,
                product: &c.product,
                affects: c.affects.to_string(),
                resolved_by_hotfix: match &c.resolved_by {
                    Resolution::Hotfix(id) => Some(id),
                    Resolution::Release(_) => None,
                },
                resolved_by_release: match &c.resolved_by {
                    Resolution::Release(version) => Some(version.to_string()),
                    Resolution::Hotfix(_) => None,
                },
                message: &c.message,
            })
            .collect();
        Shown {
            listings: catalog.listings.iter().map(listing_info).collect(),
            products,
            hotfixes,
            critical_updates,
        }
    }
}

fn product<'c>(p: &'c Product, l: &'c Listing, releases: Vec<&'c Release>) -> ProductInfo<'c> {
    ProductInfo {
        id: &p.id,
        name: &p.name,
        kind: p.kind,
        category: p.category,
        applies_to: &p.applies_to,
        retain_on_cascade: p.retain_on_cascade,
        listing: &l.source,
        releases: releases.into_iter().map(release).collect(),
    }
}
