//! The vendor's word, checked on the server. A builder key vouches for a
//! bundle; it cannot vouch for what the vendor published, and the builder is
//! the machine an attacker reaches first. So when the server pins a vendor's
//! key (`ROOT/vendor-keys/VENDOR.pub`, or `--vendor-key` for one run), the
//! listing packed in the bundle must carry that vendor's signature over its
//! exact bytes, and every file the bundle runs (each step's, the vendor
//! installer's, each EULA text) must be, by name, size and sha256, the one
//! that signed listing publishes for that product and release, hot fix,
//! installer or EULA. All of it is decided from the manifest and the packed
//! listings, before anything is extracted (bundle-format README, section 11;
//! PACKAGE.md, "listings[]").

use crate::listing::{self, Catalog, Copy, MAX_LISTING_BYTES, Payload, read_vendor_key};
use crate::package::{ListingRef, Package};
use crate::state::Root;
use crate::text::escaped;
use bundle_format::keys::PublicKey;
use bundle_format::{FileEntry, IoError, SignedBundle};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};

/// The file in `ROOT/vendor-keys/` whose presence makes a vendor signature required.
pub const REQUIRE_FILE: &str = "require-signature";

/// Why a bundle's files cannot be checked against its vendor, or do not hold.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A vendor key file cannot be read or is not a key.
    #[error(transparent)]
    Key(listing::Error),
    /// The folder of pinned vendor keys cannot be read.
    #[error(transparent)]
    Folder(#[from] IoError),
    /// Reading the packed listings out of the bundle failed.
    #[error(transparent)]
    Bundle(Box<bundle_format::Error>),
    /// A packed listing the check needs does not parse (exit 3).
    #[error(
        "the listing packed in the bundle cannot be read, so its files cannot be checked \
         against the vendor: refused"
    )]
    Listing(#[source] listing::Error),
    /// The listing's signature does not verify with any key that applies (exit 3).
    #[error(
        "listing {listing}: the vendor's signature does not verify with vendor key {keys}: \
         refused; the listing in the bundle is not the one the vendor signed{}",
        if *builder_key {
            " (or the key given is not the vendor's: it is the builder key that signed this \
             bundle; give the key the vendor publishes for its listings)"
        } else {
            ""
        }
    )]
    Signature {
        listing: String,
        keys: String,
        /// One of `keys` is the builder key that signed the bundle.
        builder_key: bool,
        #[source]
        source: Box<listing::Error>,
    },
    /// A listing that must be signed carries no signature (exit 3).
    #[error(
        "listing {listing} carries no vendor signature, but {why}: refused; ask the builder \
         for a bundle of the vendor's signed listing"
    )]
    Unsigned { listing: String, why: String },
    /// Every listing must be signed by a pinned key, and no key applies to this one (exit 3).
    #[error(
        "listing {listing} is checked by no pinned vendor key, and {why}: refused; pin the \
         vendor's key as {} or give --vendor-key PUB",
        pin.display()
    )]
    NotPinned {
        listing: String,
        why: String,
        pin: PathBuf,
    },
    /// The package describes a checked listing otherwise than its signed bytes say (exit 3).
    #[error(
        "listing file {file}: the bundle's description says {described}, the signed listing \
         says {signed}: refused; the bundle was changed after the vendor published it"
    )]
    Described {
        file: String,
        described: String,
        signed: String,
    },
    /// No key is pinned for a listing's vendor, but one is pinned for the
    /// same name in another case: the admin meant it, so nothing goes unchecked (exit 1).
    #[error(
        "listing {}: vendor key {} is pinned for vendor {:?}, but the listing's vendor is {:?}, \
         and a pinned key's file name must be the vendor exactly (case too): refused, so that \
         the listing does not go unchecked; rename the file to {}",
        .0.listing,
        .0.file.display(),
        .0.pinned,
        .0.vendor,
        .0.rename.display()
    )]
    Misnamed(Box<Misnamed>),
    /// A file the bundle would run is not what the signed listing publishes (exit 3).
    #[error(
        "{file}: {problem}; the bundle was changed after the vendor published it: do not \
         install it"
    )]
    File { file: String, problem: String },
}

impl Error {
    /// True when the bundle is not to be trusted (exit 3).
    pub fn is_verification(&self) -> bool {
        match self {
            Error::Key(_) | Error::Folder(_) | Error::Misnamed(_) => false,
            Error::Bundle(e) => e.is_verification(),
            _ => true,
        }
    }
}

/// A pinned key whose file name is a listing's vendor in another case.
#[derive(Debug)]
pub struct Misnamed {
    listing: String,
    pinned: String,
    vendor: String,
    file: PathBuf,
    rename: PathBuf,
}

/// A vendor key and the file it was read from.
#[derive(Debug, Clone)]
struct Key {
    path: PathBuf,
    key: PublicKey,
}

/// The vendor keys that apply on this run: pinned in the state root by
/// vendor, given on the command line, and whether a signature is required.
#[derive(Debug, Clone, Default)]
pub struct VendorKeys {
    /// Each with its vendor: the stem of `ROOT/vendor-keys/VENDOR.pub`, exactly.
    pinned: Vec<(String, Key)>,
    /// `--vendor-key`: every listing must be signed by one of them.
    given: Vec<Key>,
    /// Why every listing must be signed by a key here, when it must.
    required: Option<String>,
    /// `ROOT/vendor-keys`, named in messages.
    folder: PathBuf,
}

impl VendorKeys {
    /// The root's pinned keys and `require-signature` setting, plus the keys
    /// `given` for this run (read as `build --vendor-key` reads its key) and
    /// `require` (`--require-vendor-signature`).
    pub fn load(root: &Root, given: &[PathBuf], require: bool) -> Result<VendorKeys, Error> {
        let folder = root.vendor_keys_dir();
        let mut keys = VendorKeys {
            given: given.iter().map(|p| read(p)).collect::<Result<_, _>>()?,
            folder: folder.clone(),
            ..VendorKeys::default()
        };
        let entries = match std::fs::read_dir(&folder) {
            Ok(entries) => Some(entries),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(IoError::at(&folder, "read the vendor keys folder")(e).into()),
        };
        let mut require_file = None;
        for entry in entries.into_iter().flatten() {
            let path = entry
                .map_err(IoError::at(&folder, "read the vendor keys folder"))?
                .path();
            if path.file_name().is_some_and(|n| n == REQUIRE_FILE) {
                require_file = Some(path);
            } else if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("pub"))
                && let Some(vendor) = path.file_stem().and_then(|s| s.to_str())
            {
                keys.pinned.push((vendor.to_string(), read(&path)?));
            }
        }
        keys.required = match (require, require_file) {
            (true, _) => Some("--require-vendor-signature was given".into()),
            (false, Some(file)) => Some(format!("{} asks for it", file.display())),
            (false, None) => None,
        };
        Ok(keys)
    }

    /// Where a key pinned for `vendor` is kept: `ROOT/vendor-keys/VENDOR.pub`.
    fn pin_path(&self, vendor: &str) -> PathBuf {
        self.folder.join(format!("{}.pub", escaped(vendor)))
    }

    /// True when nothing is pinned, given or required: nothing is checked.
    pub fn is_empty(&self) -> bool {
        self.pinned.is_empty() && self.given.is_empty() && self.required.is_none()
    }

    /// The keys that apply to a listing of these vendors (the package's
    /// word and the listing's own), and why each applies.
    fn for_vendors<'k>(&'k self, vendors: &[&str]) -> Vec<(&'k Key, String)> {
        let mut keys: Vec<(&Key, String)> = Vec::new();
        for vendor in vendors {
            if let Some((_, key)) = self.pinned.iter().find(|(v, _)| v == vendor)
                && !keys.iter().any(|(k, _)| k.key == key.key)
            {
                let why = format!(
                    "vendor key {} is pinned for {} ({})",
                    key.key.fingerprint(),
                    escaped(vendor),
                    key.path.display()
                );
                keys.push((key, why));
            }
        }
        for key in &self.given {
            if !keys.iter().any(|(k, _)| k.key == key.key) {
                let why = format!(
                    "vendor key {} was given with --vendor-key ({})",
                    key.key.fingerprint(),
                    key.path.display()
                );
                keys.push((key, why));
            }
        }
        keys
    }
}

fn read(path: &Path) -> Result<Key, Error> {
    Ok(Key {
        path: path.to_path_buf(),
        key: read_vendor_key(path).map_err(Error::Key)?,
    })
}

/// What was checked against a vendor key.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Checked {
    /// Each listing of the bundle, in order, and the vendor key that verified it.
    pub listings: Vec<ListingChecked>,
    /// How many files were found to be what a signed listing publishes.
    pub files: usize,
}

/// One listing of the bundle and the vendor key its signature verified with.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListingChecked {
    pub file: String,
    pub vendor: String,
    pub name: String,
    pub serial: u64,
    /// The fingerprint of the vendor key; `null`: not checked against a vendor key.
    pub vendor_key: Option<String>,
}

impl Checked {
    /// True when at least one listing was checked against a vendor key.
    pub fn any(&self) -> bool {
        self.listings.iter().any(|l| l.vendor_key.is_some())
    }

    fn none(package: &Package) -> Checked {
        Checked {
            listings: package.listings.iter().map(unchecked).collect(),
            files: 0,
        }
    }
}

fn unchecked(l: &ListingRef) -> ListingChecked {
    ListingChecked {
        file: l.file.clone(),
        vendor: l.vendor.clone(),
        name: l.name.clone(),
        serial: l.serial,
        vendor_key: None,
    }
}

/// Checks `bundle` (opened with a trusted builder key, its `package` parsed)
/// against `keys`: reads the packed listings and signatures (and only them)
/// out of the payload, then decides with [`check_listings`]. With no key
/// pinned, given or required, reads nothing and checks nothing.
pub fn check(
    bundle: &mut SignedBundle,
    package: &Package,
    keys: &VendorKeys,
) -> Result<Checked, Error> {
    if keys.is_empty() {
        return Ok(Checked::none(package));
    }
    let mut names: Vec<&str> = Vec::new();
    for l in &package.listings {
        names.push(&l.file);
        names.extend(l.signature.as_deref());
    }
    let mut bytes = bundle
        .read_files(&names, MAX_LISTING_BYTES)
        .map_err(|e| Error::Bundle(Box::new(e)))?
        .into_iter();
    let mut packed = Vec::with_capacity(package.listings.len());
    for l in &package.listings {
        let xml = bytes.next().unwrap_or_default();
        let signature = l.signature.as_ref().and_then(|_| bytes.next());
        packed.push(Packed { xml, signature });
    }
    check_listings(
        package,
        &bundle.manifest().files,
        &packed,
        keys,
        bundle.key(),
    )
}

/// The bytes of one packed listing and of its signature file, if it has one.
struct Packed {
    xml: Vec<u8>,
    signature: Option<Vec<u8>>,
}

/// The check itself, on bytes at hand: `packed` holds, for each listing of
/// `package` in order, its file's bytes and its signature's; `files` are
/// the manifest's (whose sizes and hashes the payload pass enforces);
/// `builder` signed the bundle, named when it is given as a vendor key.
fn check_listings(
    package: &Package,
    files: &[FileEntry],
    packed: &[Packed],
    keys: &VendorKeys,
    builder: PublicKey,
) -> Result<Checked, Error> {
    // Any base does: only the payloads' names, sizes and hashes are compared,
    // and a web base refuses no relative URL the builder accepted.
    let base = url::Url::parse("https://listing.invalid/").map_err(|e| {
        Error::Listing(listing::Error::Read {
            source_name: "base URL".into(),
            message: e.to_string(),
        })
    })?;
    let copies: Vec<Copy> = package
        .listings
        .iter()
        .zip(packed)
        .map(|(l, p)| Copy {
            name: l.file.clone(),
            xml: p.xml.as_slice().into(),
            base: base.clone(),
            signature: p.signature.clone(),
            signature_at: l.signature.clone().unwrap_or_default(),
        })
        .collect();
    let catalog = listing::parse_copies(&copies, None).map_err(Error::Listing)?;
    let by_name: HashMap<&str, &FileEntry> = files.iter().map(|f| (f.name.as_str(), f)).collect();

    let mut checked = Checked::none(package);
    for (i, (l, copy)) in package.listings.iter().zip(&copies).enumerate() {
        let signed = &catalog.listings[i];
        let shown = format!(
            "{} ({} / {} serial {})",
            escaped(&l.file),
            escaped(&signed.vendor),
            escaped(&signed.name),
            signed.serial
        );
        let applying = keys.for_vendors(&[&l.vendor, &signed.vendor]);
        if applying.is_empty() {
            let vendors = [l.vendor.as_str(), signed.vendor.as_str()];
            if let Some((pinned, key)) = keys.pinned.iter().find(|(v, _)| {
                vendors
                    .iter()
                    .any(|vendor| v.to_lowercase() == vendor.to_lowercase())
            }) {
                return Err(Error::Misnamed(Box::new(Misnamed {
                    listing: shown,
                    pinned: escaped(pinned).into_owned(),
                    vendor: escaped(&signed.vendor).into_owned(),
                    file: key.path.clone(),
                    rename: keys.pin_path(&signed.vendor),
                })));
            }
            if let Some(why) = &keys.required {
                return Err(Error::NotPinned {
                    listing: shown,
                    why: why.clone(),
                    pin: keys.pin_path(&signed.vendor),
                });
            }
            continue;
        }
        if copy.signature.is_none() {
            return Err(Error::Unsigned {
                listing: shown,
                why: applying[0].1.clone(),
            });
        }
        let mut first_failure = None;
        let mut by = None;
        for (key, _) in &applying {
            let verified = listing::verify_signature(
                &copy.name,
                &copy.signature_at,
                copy.signature.as_deref(),
                &copy.xml,
                &key.key,
            );
            match verified {
                Ok(()) => {
                    by = Some(key.key.fingerprint().to_string());
                    break;
                }
                Err(e) => {
                    first_failure.get_or_insert(e);
                }
            }
        }
        let by = match (by, first_failure) {
            (Some(by), _) => by,
            (None, Some(source)) => {
                let fingerprints: Vec<String> = applying
                    .iter()
                    .map(|(k, _)| k.key.fingerprint().to_string())
                    .collect();
                return Err(Error::Signature {
                    listing: shown,
                    keys: fingerprints.join(" or "),
                    builder_key: applying.iter().any(|(k, _)| k.key == builder),
                    source: Box::new(source),
                });
            }
            (None, None) => continue,
        };
        described_as_signed(l, signed)?;
        checked.listings[i].vendor_key = Some(by);
    }
    if !checked.any() {
        return Ok(checked);
    }
    checked.files = Files {
        package,
        catalog: &catalog,
        checked: &checked,
        files: &by_name,
    }
    .check()?;
    Ok(checked)
}

/// Refuses a package whose listing entry says other than the signed bytes:
/// the serial floor and what `inspect` shows read the entry.
fn described_as_signed(l: &ListingRef, signed: &listing::Listing) -> Result<(), Error> {
    let published = crate::text::rfc3339(signed.published);
    let sha256 = hex::encode(signed.sha256);
    let fields = [
        ("vendor", l.vendor.as_str(), signed.vendor.as_str()),
        ("name", &l.name, &signed.name),
        ("published", &l.published, &published),
        ("sha256", &l.sha256, &sha256),
    ];
    let serial = (l.serial != signed.serial).then(|| {
        (
            format!("serial {}", l.serial),
            format!("serial {}", signed.serial),
        )
    });
    let differs = fields
        .iter()
        .find(|(_, a, b)| a != b)
        .map(|(what, a, b)| {
            (
                format!("{what} {:?}", escaped(a)),
                format!("{what} {:?}", escaped(b)),
            )
        })
        .or(serial);
    match differs {
        Some((described, signed)) => Err(Error::Described {
            file: escaped(&l.file).into_owned(),
            described,
            signed,
        }),
        None => Ok(()),
    }
}

/// The files of a package, checked against the signed listings.
struct Files<'a> {
    package: &'a Package,
    catalog: &'a Catalog,
    checked: &'a Checked,
    files: &'a HashMap<&'a str, &'a FileEntry>,
}

impl Files<'_> {
    /// Every step's, the installer's and each EULA's file against the listing
    /// that publishes it; then no other file but listings, signatures and
    /// licenses. Returns how many files were checked.
    fn check(&self) -> Result<usize, Error> {
        let mut accounted: HashSet<&str> = HashSet::new();
        for l in &self.package.listings {
            accounted.insert(&l.file);
            accounted.extend(l.signature.as_deref());
        }
        accounted.extend(self.package.licenses.iter().map(|l| l.file.as_str()));
        let listings = &self.catalog.listings;
        // The first listing that holds what `holds` looks for, and what it publishes for it.
        let find =
            |holds: &dyn Fn(&listing::Listing) -> bool,
             payload: &dyn Fn(&'_ listing::Listing) -> Option<&'_ Payload>| {
                listings
                    .iter()
                    .position(holds)
                    .map(|i| (i, payload(&listings[i])))
            };

        // Each file run: its name, for what, the listing and payload, its arguments.
        let mut runs = Vec::new();
        for step in &self.package.steps {
            let what = match &step.hotfix {
                Some(id) => format!(
                    "hot fix {} of {} {}",
                    escaped(id),
                    step.product,
                    step.version
                ),
                None => format!("{} {}", step.product, step.version),
            };
            let published =
                find(
                    &|l| l.products.iter().any(|p| p.id == step.product),
                    &|l| match &step.hotfix {
                        Some(id) => l
                            .hotfixes
                            .iter()
                            .find(|h| {
                                h.id == *id
                                    && h.product == step.product
                                    && h.version == step.version
                            })
                            .map(|h| &h.payload),
                        None => l
                            .products
                            .iter()
                            .find(|p| p.id == step.product)
                            .and_then(|p| p.release(&step.version))
                            .and_then(|r| r.payload.as_ref()),
                    },
                );
            runs.push((&step.file, what, published, step.args.as_deref()));
        }
        if let Some(installer) = &self.package.installer {
            let what = format!(
                "the installer {} {}",
                escaped(&installer.name),
                installer.version
            );
            let published = find(&|l| l.installer.is_some(), &|l| {
                l.installer
                    .as_ref()
                    .filter(|i| i.version == installer.version)
                    .map(|i| &i.payload)
            });
            runs.push((&installer.file, what, published, installer.args.as_deref()));
        }
        for eula in &self.package.eulas {
            let what = format!("EULA {}", escaped(&eula.id));
            let published = find(&|l| l.eulas.iter().any(|e| e.id == eula.id), &|l| {
                l.eulas.iter().find(|e| e.id == eula.id).map(|e| &e.payload)
            });
            runs.push((&eula.file, what, published, None));
        }
        let mut checked = HashSet::new();
        for (file, what, published, args) in runs {
            if self.one(file, &what, published, args)? {
                checked.insert(file.as_str());
            }
            accounted.insert(file);
        }
        if let Some(stray) = self
            .files
            .keys()
            .filter(|name| !accounted.contains(*name))
            .min()
        {
            return Err(Error::File {
                file: escaped(stray).into_owned(),
                problem: "the bundle holds this file, but no step, installer, EULA, license or \
                          listing names it, so no vendor published it (placed beside the \
                          installers, a program could load it)"
                    .into(),
            });
        }
        Ok(checked.len())
    }

    /// Checks one file the bundle runs for `what` against the payload its
    /// listing (index, payload if published) publishes; `Ok(false)`: that
    /// listing was checked by no vendor key.
    fn one(
        &self,
        file: &str,
        what: &str,
        published: Option<(usize, Option<&Payload>)>,
        args: Option<&str>,
    ) -> Result<bool, Error> {
        let refuse = |problem: String| Error::File {
            file: escaped(file).into_owned(),
            problem,
        };
        let Some((i, payload)) = published else {
            return Err(refuse(format!(
                "the bundle runs it for {what}, which no listing of the bundle names"
            )));
        };
        if self.checked.listings[i].vendor_key.is_none() {
            return Ok(false);
        }
        let listing = &self.catalog.listings[i];
        let signed = format!(
            "the signed listing {} ({}, serial {})",
            escaped(&listing.name),
            escaped(&listing.vendor),
            listing.serial
        );
        let Some(p) = payload else {
            return Err(refuse(format!(
                "the bundle runs it for {what}, which {signed} does not publish"
            )));
        };
        let sha256 = hex::encode(p.sha256);
        if p.file != file {
            return Err(refuse(format!(
                "the bundle runs it for {what}, but {signed} publishes {} ({} bytes sha256 {sha256}) \
                 for {what}",
                escaped(&p.file),
                p.size
            )));
        }
        let entry = self
            .files
            .get(file)
            .ok_or_else(|| refuse("is not a file of the bundle".into()))?;
        if entry.size != p.size || entry.sha256 != sha256 {
            return Err(refuse(format!(
                "the bundle's is {} bytes sha256 {}, {signed} publishes {} bytes sha256 {sha256} \
                 for {what}",
                entry.size,
                escaped(&entry.sha256),
                p.size
            )));
        }
        if args != p.args() {
            return Err(refuse(format!(
                "the bundle runs it with arguments {:?}, {signed} publishes {:?} for {what}",
                escaped(args.unwrap_or_default()),
                escaped(p.args().unwrap_or_default())
            )));
        }
        Ok(true)
    }
}
