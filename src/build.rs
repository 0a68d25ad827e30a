//! From a resolved plan to a bundle: which files it holds (every planned
//! payload, the vendor's installer, the EULA texts, the license files and the
//! listings themselves), the package description the runner acts on, the
//! check of each MSI against its listing, and the write through bundle-format.
//! Getting the bytes is `fetch`'s business; this module only says what it needs.
//! The pipeline that turns planned targets into bundles is [`Builder`].

mod builder;
mod error;

pub use builder::{Builder, Built, Event, Reporter, Request, Target, check_out, check_split};
pub use error::Error;

use crate::fetch::Wanted;
use crate::history::Imported;
use crate::identity::Identity;
use crate::license::License;
use crate::listing::{Catalog, Hotfix, Listing, Payload, PayloadKind, Product, Version};
use crate::package::{self, Method, Package, StepKind};
use crate::plan::{self, Plan, PlanItem};
use bundle_format::FileEntry;
use bundle_format::manifest::check_name;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where the bytes of one bundle file come from.
#[derive(Debug, Clone)]
pub enum Origin {
    /// Held in memory (a listing's exact bytes).
    Memory(Arc<[u8]>),
    /// The `n`th entry of [`Contents::downloads`].
    Download(usize),
    /// A file the user gave (a license).
    Path(PathBuf),
}

/// Everything a bundle will hold, before anything is downloaded.
#[derive(Debug)]
pub struct Contents {
    pub package: Package,
    /// In payload order.
    pub files: Vec<(FileEntry, Origin)>,
    /// What must be fetched, each once.
    pub downloads: Vec<Wanted>,
    /// The MSIs to check against their listing once they are here.
    pub msi_checks: Vec<MsiExpected>,
}

/// What an MSI's own tables must say.
#[derive(Debug, Clone)]
pub struct MsiExpected {
    /// Its file name in the bundle.
    pub file: String,
    pub product_code: Option<String>,
    pub version: Version,
    /// `x64` or `Intel`, from the release's arch (`any` ships a 32-bit MSI).
    pub platform: Option<&'static str>,
}

/// Collects what a bundle of `plan` holds. `licenses` are the files the user
/// gave, already parsed; each must be for a product of the plan (or, for an
/// incremental bundle, of the machine) and unexpired. An incremental bundle
/// names the history it was built against (`base`) and leaves out the
/// installer when the machine's is as new.
pub fn contents(
    catalog: &Catalog,
    plan: &Plan,
    licenses: &[(PathBuf, License)],
    contact: Option<String>,
    now: time::OffsetDateTime,
    base: Option<&Imported>,
) -> Result<Contents, Error> {
    let first = catalog
        .listings
        .first()
        .ok_or_else(|| Error::Contents("no listing was given".into()))?;
    let mut out = Collector::default();
    let listings = catalog
        .listings
        .iter()
        .map(|listing| out.listing(listing))
        .collect::<Result<_, _>>()?;
    let installer = match first.installer.as_ref().filter(|i| !has_installer(base, i)) {
        Some(i) => Some(out.installer(i)?),
        None => None,
    };
    let eulas = plan
        .eulas
        .iter()
        .map(|e| out.eula(e))
        .collect::<Result<_, _>>()?;

    // Indexed once: a plan of thousands of steps must not scan the catalog per step.
    let index = Index {
        products: catalog.products().map(|p| (p.id.as_str(), p)).collect(),
        hotfixes: catalog
            .listings
            .iter()
            .flat_map(|l| &l.hotfixes)
            .map(|h| (h.id.as_str(), h))
            .collect(),
    };
    let steps = plan
        .items
        .iter()
        .map(|item| out.step(&index, item))
        .collect::<Result<_, _>>()?;
    let suites = plan
        .suites
        .iter()
        .map(|s| package::Suite {
            product: s.product.clone(),
            name: index
                .products
                .get(s.product.as_str())
                .map_or_else(|| s.product.clone(), |p| p.name.clone()),
            version: s.version,
            reason: s.reason.to_string(),
        })
        .collect();
    let licenses = licenses
        .iter()
        .map(|(path, license)| out.license(path, license, plan, now, base))
        .collect::<Result<_, _>>()?;

    let package = Package {
        vendor: first.vendor.clone(),
        listings,
        installer,
        suites,
        steps,
        licenses,
        eulas,
        contact,
        critical_updates: catalog.critical_updates().map(critical_update).collect(),
        origins: origins(catalog, &out.downloads),
        base: base.map(base_of),
    };
    Ok(Contents {
        package,
        files: out.files,
        downloads: out.downloads,
        msi_checks: out.msi_checks,
    })
}

/// True when an incremental bundle's machine already has `installer`, or a newer one.
fn has_installer(base: Option<&Imported>, installer: &crate::listing::Installer) -> bool {
    base.and_then(|b| b.history.installer.as_ref())
        .is_some_and(|have| have.name == installer.name && have.version >= installer.version)
}

/// A critical update as the package carries it to the runner.
fn critical_update(c: &crate::listing::CriticalUpdate) -> package::CriticalUpdate {
    package::CriticalUpdate {
        id: c.id.clone(),
        product: c.product.clone(),
        affects: c.affects.clone(),
        resolved_by_hotfix: match &c.resolved_by {
            crate::listing::Resolution::Hotfix(id) => Some(id.clone()),
            crate::listing::Resolution::Release(_) => None,
        },
        resolved_by_release: match &c.resolved_by {
            crate::listing::Resolution::Release(v) => Some(*v),
            crate::listing::Resolution::Hotfix(_) => None,
        },
        message: c.message.clone(),
    }
}

/// What an incremental bundle expects of its machine: the history it was
/// built against, by digest, and each product the history holds.
fn base_of(b: &Imported) -> package::Base {
    package::Base {
        digest: b.sha256.clone(),
        machine_id: b.history.machine_id.clone(),
        expected: b
            .history
            .products
            .iter()
            .map(|p| package::Expected {
                product: p.id.to_string(),
                version: p.version,
                hotfix: p.hotfix.as_deref().map(String::from),
            })
            .collect(),
    }
}

/// Where each downloaded file came from (its URL without credentials) and
/// the listing that publishes it.
fn origins(catalog: &Catalog, downloads: &[Wanted]) -> Vec<package::FileOrigin> {
    downloads
        .iter()
        .filter_map(|w| {
            let listing = catalog
                .listings
                .iter()
                .position(|l| l.payloads().any(|p| p.file == w.name))?;
            Some(package::FileOrigin {
                file: w.name.clone(),
                url: crate::redact::redact(w.url.as_str()),
                listing: listing as u64,
            })
        })
        .collect()
}

/// The size and sha256 a file entry declares for bytes at hand.
fn bytes_entry(bytes: &[u8]) -> (u64, [u8; 32]) {
    use sha2::Digest;
    (bytes.len() as u64, sha2::Sha256::digest(bytes).into())
}

/// The catalog's products and hot fixes by id.
struct Index<'a> {
    products: HashMap<&'a str, &'a Product>,
    hotfixes: HashMap<&'a str, &'a Hotfix>,
}

#[derive(Default)]
struct Collector {
    files: Vec<(FileEntry, Origin)>,
    downloads: Vec<Wanted>,
    msi_checks: Vec<MsiExpected>,
    /// Upper-cased name -> index in `files` (Windows folds names by upper case).
    names: HashMap<String, usize>,
}

impl Collector {
    /// Adds a file; a second file of the same name (as Windows compares
    /// names) is an error unless it is the same bytes, which are then shared.
    fn add(
        &mut self,
        name: &str,
        kind: &str,
        (size, sha256): &(u64, [u8; 32]),
        origin: Origin,
    ) -> Result<bool, Error> {
        check_name(name).map_err(|problem| Error::Contents(problem.to_string()))?;
        let sha = hex::encode(sha256);
        if let Some(&i) = self.names.get(&name.to_uppercase()) {
            let (existing, _) = &self.files[i];
            if existing.sha256 == sha && existing.name == name {
                return Ok(false);
            }
            return Err(Error::Contents(format!(
                "two different files would be named {:?} in the bundle ({} and {}); rename one in its listing",
                name, existing.name, name
            )));
        }
        self.names.insert(name.to_uppercase(), self.files.len());
        self.files.push((
            FileEntry {
                name: name.to_string(),
                kind: kind.to_string(),
                size: *size,
                sha256: sha,
            },
            origin,
        ));
        Ok(true)
    }

    fn download(&mut self, payload: &Payload, kind: &str) -> Result<(), Error> {
        let index = self.downloads.len();
        let added = self.add(
            &payload.file,
            kind,
            &(payload.size, payload.sha256),
            Origin::Download(index),
        )?;
        if added {
            self.downloads.push(Wanted {
                name: payload.file.clone(),
                url: payload.url.clone(),
                size: payload.size,
                sha256: payload.sha256,
            });
        }
        Ok(())
    }

    /// A listing's exact bytes and its signature, when it has one, and the
    /// package's reference to them.
    fn listing(&mut self, listing: &Listing) -> Result<package::ListingRef, Error> {
        let file = self.listing_file(listing)?;
        let signature = match &listing.signature {
            Some(bytes) => Some(self.signature_file(&file, bytes)?),
            None => None,
        };
        Ok(package::ListingRef {
            vendor: listing.vendor.clone(),
            name: listing.name.clone(),
            serial: listing.serial,
            published: crate::text::rfc3339(listing.published),
            sha256: hex::encode(listing.sha256),
            file,
            source: Some(crate::redact::redact(&listing.source)),
            vendor_key: listing.vendor_key.clone().filter(|_| signature.is_some()),
            signature,
        })
    }

    /// The vendor's installer, checked against its listing once here when it is an MSI.
    fn installer(&mut self, i: &crate::listing::Installer) -> Result<package::Installer, Error> {
        let method = Method::of(i.payload.kind).ok_or_else(|| {
            Error::Contents(format!(
                "the installer {} is a text file, not a program",
                i.name
            ))
        })?;
        self.download(&i.payload, method.file_kind())?;
        if method == Method::Msi {
            self.msi_checks.push(MsiExpected {
                file: i.payload.file.clone(),
                product_code: i.payload.product_code.clone(),
                version: i.version,
                platform: None,
            });
        }
        Ok(package::Installer {
            name: i.name.clone(),
            version: i.version,
            file: i.payload.file.clone(),
            method,
            args: i.payload.args.clone(),
            product_code: i.payload.product_code.clone(),
        })
    }

    fn eula(&mut self, e: &plan::EulaRef) -> Result<package::Eula, Error> {
        self.download(&e.payload, "text")?;
        Ok(package::Eula {
            id: e.id.clone(),
            title: e.title.clone(),
            file: e.payload.file.clone(),
            sha256: hex::encode(e.payload.sha256),
        })
    }

    /// A license file the user gave: for a product of the plan (or, for an
    /// incremental bundle, of the machine) and unexpired at `now`.
    fn license(
        &mut self,
        path: &Path,
        license: &License,
        plan: &Plan,
        now: time::OffsetDateTime,
        base: Option<&Imported>,
    ) -> Result<package::License, Error> {
        let problem = |problem: String| Error::License {
            path: path.display().to_string(),
            problem,
        };
        let on_machine =
            base.is_some_and(|b| b.history.products.iter().any(|p| p.id == license.product));
        if !on_machine && !plan.items.iter().any(|i| i.product == license.product) {
            return Err(problem(format!(
                "it is for product {:?}, which is not in this bundle's plan{}; leave it out or select the product",
                license.product,
                if base.is_some() {
                    " nor on the machine"
                } else {
                    ""
                }
            )));
        }
        if license.expired_at(now) {
            return Err(problem(format!(
                "it expired on {}; ask the vendor for a current license",
                license.expires_text().unwrap_or_default()
            )));
        }
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| problem("its file name is not plain UTF-8".into()))?;
        let bytes =
            crate::license::read_bytes(path).map_err(|e| problem(format!("cannot read: {e}")))?;
        self.add(
            name,
            "license",
            &bytes_entry(&bytes),
            Origin::Path(path.to_path_buf()),
        )?;
        Ok(package::License {
            file: name.to_string(),
            product: license.product.clone(),
            id: license.id.clone(),
            licensee: license.licensee.clone(),
            expires: license.expires_text(),
        })
    }

    /// The listing's exact bytes, named after where it was read
    /// (`itms.pl.xml`, also for `itms.pl.xml.zip`), or `listing-N.pl.xml`.
    fn listing_file(&mut self, listing: &Listing) -> Result<String, Error> {
        let last = listing
            .source
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or_default()
            .split(['?', '#'])
            .next()
            .unwrap_or_default();
        let stem = last.strip_suffix(".zip").unwrap_or(last);
        let taken = |name: &str| self.names.contains_key(&name.to_uppercase());
        let name = if stem.ends_with(".pl.xml") && check_name(stem).is_ok() && !taken(stem) {
            stem.to_string()
        } else {
            (1..)
                .map(|n| format!("listing-{n}.pl.xml"))
                .find(|n| !taken(n))
                .unwrap_or_default()
        };
        let entry = bytes_entry(&listing.bytes);
        self.add(
            &name,
            "listing",
            &entry,
            Origin::Memory(listing.bytes.clone()),
        )?;
        Ok(name)
    }

    /// A listing's detached signature as the vendor published it, named
    /// after the listing's file (`itms.pl.xml.sig`).
    fn signature_file(&mut self, listing_file: &str, bytes: &Arc<[u8]>) -> Result<String, Error> {
        let name = format!("{listing_file}.sig");
        self.add(
            &name,
            "signature",
            &bytes_entry(bytes),
            Origin::Memory(bytes.clone()),
        )?;
        Ok(name)
    }

    fn step(&mut self, index: &Index<'_>, item: &PlanItem) -> Result<package::Step, Error> {
        let missing = || {
            Error::Contents(format!(
                "the plan names {} {}, which the listings do not hold",
                item.product, item.version
            ))
        };
        let product = *index
            .products
            .get(item.product.as_str())
            .ok_or_else(missing)?;
        let hotfix = item
            .hotfix
            .as_deref()
            .map(|id| index.hotfixes.get(id).copied().ok_or_else(missing))
            .transpose()?;
        // A hot fix takes its release's facts (arch, license, properties, ...).
        let release_version = hotfix.map_or(item.version, |h| h.base);
        let release = product.release(&release_version).ok_or_else(missing)?;
        let method = Method::of(item.payload.kind).ok_or_else(|| {
            Error::Contents(format!(
                "{} {}: its payload is a text file, not an installer",
                item.product, item.version
            ))
        })?;
        self.download(&item.payload, method.file_kind())?;
        if item.payload.kind == PayloadKind::Msi {
            self.msi_checks.push(MsiExpected {
                file: item.payload.file.clone(),
                product_code: item.payload.product_code.clone(),
                version: item.version,
                platform: Some(match release.arch {
                    crate::listing::Arch::X64 => "x64",
                    _ => "Intel",
                }),
            });
        }
        let kind = match item.kind {
            plan::ItemKind::Hotfix => StepKind::Hotfix,
            plan::ItemKind::Optional => StepKind::Optional,
            plan::ItemKind::Solution | plan::ItemKind::Suite => StepKind::Solution,
        };
        let action = match item.action {
            plan::Action::Install => package::Action::Install,
            plan::Action::Upgrade => package::Action::Upgrade,
            plan::Action::Hotfix => package::Action::Hotfix,
        };
        Ok(package::Step {
            product: item.product.clone(),
            name: product.name.clone(),
            kind,
            category: product.category,
            applies_to: product.applies_to.clone(),
            version: item.version,
            label: item.label.clone(),
            from_version: item.from_version,
            action,
            method,
            file: item.payload.file.clone(),
            args: item.payload.args.clone(),
            hotfix: item.hotfix.clone(),
            hotfix_severity: hotfix.map(|h| h.severity),
            reason: item.reason.to_string(),
            product_code: item.payload.product_code.clone(),
            upgrade_code: None,
            arch: release.arch,
            license: release.license,
            properties: release
                .properties
                .iter()
                .map(|p| package::Property {
                    name: p.name.clone(),
                    required: p.required,
                    secret: p.secret,
                    default: p.default.clone(),
                    description: p.description.clone(),
                })
                .collect(),
            checks: release
                .checks
                .iter()
                .map(package::Check::from_listing)
                .collect(),
            requires: release
                .requires
                .iter()
                .map(|d| package::Dependency {
                    product: d.product.clone(),
                    version: d.version.clone(),
                })
                .collect(),
            retain_on_cascade: product.retain_on_cascade,
            replaces: item.replaces.clone(),
            eula: item.eula.clone(),
        })
    }
}

/// Checks an MSI's ProductCode, ProductVersion and platform against what
/// its listing says; returns its ProductCode and UpgradeCode.
pub fn check_msi(path: &Path, expected: &MsiExpected) -> Result<Identity, Error> {
    let tables = crate::identity::read_msi(path).map_err(|problem| Error::MsiUnreadable {
        file: expected.file.clone(),
        problem,
    })?;
    let differs = |field: &'static str, want: String, got: Option<String>| Error::MsiMismatch {
        file: expected.file.clone(),
        field,
        expected: want,
        actual: got.unwrap_or_else(|| "(missing)".into()),
    };
    let code = tables.product_code.clone();
    if let Some(want) = &expected.product_code
        && !code
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case(want))
    {
        return Err(differs("ProductCode", want.clone(), code));
    }
    let parsed = tables
        .product_version
        .as_deref()
        .and_then(|v| v.parse::<Version>().ok());
    if parsed != Some(expected.version) {
        return Err(differs(
            "ProductVersion",
            expected.version.to_string(),
            tables.product_version,
        ));
    }
    if let Some(platform) = expected.platform
        && tables.platform.as_deref() != Some(platform)
    {
        return Err(differs("platform", platform.to_string(), tables.platform));
    }
    let guid = |field: &'static str, value: Option<String>| -> Result<Option<String>, Error> {
        match value {
            Some(v) if crate::listing::is_guid(&v) => Ok(Some(v)),
            Some(v) => Err(Error::MsiNotGuid {
                file: expected.file.clone(),
                field,
                value: crate::text::escaped(&v).into_owned(),
            }),
            None => Ok(None),
        }
    };
    let product_code = guid("ProductCode", code)?.ok_or_else(|| Error::MsiNoProductCode {
        file: expected.file.clone(),
    })?;
    Ok(Identity {
        product_code: Some(product_code),
        upgrade_code: guid("UpgradeCode", tables.upgrade_code)?,
    })
}

impl Contents {
    /// Records the codes read from the MSI `file` in every step (and the
    /// installer) that runs it.
    pub fn identify(&mut self, file: &str, identity: &Identity) {
        for step in self.package.steps.iter_mut().filter(|s| s.file == file) {
            step.product_code.clone_from(&identity.product_code);
            step.upgrade_code.clone_from(&identity.upgrade_code);
        }
        if let Some(i) = self.package.installer.as_mut().filter(|i| i.file == file) {
            i.product_code.clone_from(&identity.product_code);
        }
    }
}
