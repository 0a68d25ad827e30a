//! `airlock products`: what the given listings offer, as a table for people or
//! one JSON document for scripts.

use crate::error::{Exit, Result};
use crate::listing::{
    self, Catalog, Dependency, HotfixSeverity, Listing, Product, ProductKind, Release, Requirement,
    Resolution, Text, Version,
};
use crate::plan::PayloadFields;
use crate::text::{Moment, Sha256Hex};
use serde::ser::SerializeStruct;
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
    affects: &'c Requirement,
    resolved_by_hotfix: Option<&'c str>,
    resolved_by_release: Option<&'c Version>,
    message: &'c str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ListingInfo<'c> {
    source: &'c str,
    vendor: &'c str,
    name: &'c str,
    serial: u64,
    published: Moment,
    sha256: Sha256Hex<'c>,
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
    releases: Releases<'c>,
}

/// The releases of a product that are shown (all, or the latest), newest first.
struct Releases<'c>(&'c [Release]);

impl<'c> Releases<'c> {
    fn iter(&self) -> impl Iterator<Item = ReleaseInfo<'c>> + use<'c> {
        self.0.iter().rev().map(release)
    }
}

impl Serialize for Releases<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// A release as shown: borrowed from the catalog, each version, requirement,
/// date and digest written as its text straight into the output (a large
/// listing's JSON is tens of megabytes, made of small strings).
struct ReleaseInfo<'c> {
    version: &'c Version,
    label: Option<&'c str>,
    license: listing::LicenseKind,
    arch: listing::Arch,
    eula: Option<&'c str>,
    published: Option<Moment>,
    requires: Dependencies<'c>,
    recommends: Dependencies<'c>,
    upgrades_from: &'c [Requirement],
    replaces: &'c [Text],
    /// None for a suite, which ships no file.
    payload: Option<PayloadFields<'c>>,
}

/// Written field by field, the payload's among them, rather than through
/// `#[serde(flatten)]` and serde's map adapter: once per release shown.
impl Serialize for ReleaseInfo<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let payload_fields = self.payload.as_ref().map_or(0, PayloadFields::field_count);
        let mut fields = serializer.serialize_struct("ReleaseInfo", 10 + payload_fields)?;
        fields.serialize_field("version", self.version)?;
        fields.serialize_field("label", &self.label)?;
        fields.serialize_field("license", &self.license)?;
        fields.serialize_field("arch", &self.arch)?;
        fields.serialize_field("eula", &self.eula)?;
        fields.serialize_field("published", &self.published)?;
        fields.serialize_field("requires", &self.requires)?;
        fields.serialize_field("recommends", &self.recommends)?;
        fields.serialize_field("upgradesFrom", self.upgrades_from)?;
        fields.serialize_field("replaces", self.replaces)?;
        if let Some(payload) = &self.payload {
            payload.serialize_fields(&mut fields)?;
        }
        fields.end()
    }
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
    base: &'c Version,
    version: &'c Version,
    label: Option<&'c str>,
    severity: HotfixSeverity,
    published: Option<Moment>,
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
        published: r.published.map(Moment),
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
        published: Moment(l.published),
        sha256: Sha256Hex(&l.sha256),
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
                let releases = if all_versions {
                    &p.releases[..]
                } else {
                    p.latest().map_or(&[][..], std::slice::from_ref)
                };
                product(p, l, Releases(releases))
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
                    base: &h.base,
                    version: &h.version,
                    label: h.label.as_deref(),
                    severity: h.severity,
                    published: h.published.map(Moment),
                    payload: PayloadFields::of(&h.payload),
                })
                .collect()
        });
        let critical_updates = catalog
            .critical_updates()
            .map(|c| CriticalInfo {
                id: &c.id,
                product: &c.product,
                affects: &c.affects,
                resolved_by_hotfix: match &c.resolved_by {
                    Resolution::Hotfix(id) => Some(id),
                    Resolution::Release(_) => None,
                },
                resolved_by_release: match &c.resolved_by {
                    Resolution::Release(version) => Some(version),
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

fn product<'c>(p: &'c Product, l: &'c Listing, releases: Releases<'c>) -> ProductInfo<'c> {
    ProductInfo {
        id: &p.id,
        name: &p.name,
        kind: p.kind,
        category: p.category,
        applies_to: &p.applies_to,
        retain_on_cascade: p.retain_on_cascade,
        listing: &l.source,
        releases,
    }
}
