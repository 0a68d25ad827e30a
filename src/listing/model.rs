//! The product listing as data: what the parser produces and the resolver reads.
//! Field meanings are those of the listing contract (listing.md).
//!
//! A large listing is kept whole for the run beside its own bytes, so the
//! model is compact: ids, names and file names are [`Text`] (inline up to 24
//! bytes), a release's lists are [`List`]s its listing's releases share, a
//! product code is held in place, and a payload's URL is its text, parsed
//! where it is fetched.

use super::version::{Requirement, Version};
use std::fmt;
use std::sync::Arc;
use time::OffsetDateTime;
use triomphe::ThinArc;
use url::Url;

/// A short text of the listing: an id, a name, a label, a file name. Kept
/// inline up to 24 bytes, on the heap beyond; reads as a `&str`.
pub type Text = compact_str::CompactString;

/// A text a listing repeats from release to release, kept once per listing:
/// a release's `eula` (one of a few) and `label` (a suite's products all
/// call their 8.0 release "8.0"). One pointer wide; reads as a `&str`.
#[derive(Clone)]
pub struct SharedText(Arc<Text>);

impl std::ops::Deref for SharedText {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for SharedText {
    fn from(text: &str) -> Self {
        SharedText(Arc::new(text.into()))
    }
}

/// As its text, so that a shared text is found by it.
impl std::borrow::Borrow<str> for SharedText {
    fn borrow(&self) -> &str {
        self
    }
}

impl PartialEq for SharedText {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}
impl Eq for SharedText {}

impl std::hash::Hash for SharedText {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (**self).hash(state)
    }
}

impl fmt::Debug for SharedText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl fmt::Display for SharedText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

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
    pub file: Text,
    /// Absolute, already resolved against the listing's base.
    pub url: PayloadUrl,
    pub size: u64,
    pub sha256: [u8; 32],
    /// What only an msi or an exe carries.
    pub detail: PayloadDetail,
}

/// The one attribute only some kinds of payload carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayloadDetail {
    None,
    /// An msi's `{GUID}`.
    ProductCode(ProductCode),
    /// An exe's silent-install arguments.
    Args(Text),
}

impl Payload {
    /// `{GUID}`, msi only.
    pub fn product_code(&self) -> Option<&str> {
        match &self.detail {
            PayloadDetail::ProductCode(code) => Some(code),
            _ => None,
        }
    }

    /// Silent-install arguments, exe only.
    pub fn args(&self) -> Option<&str> {
        match &self.detail {
            PayloadDetail::Args(args) => Some(args),
            _ => None,
        }
    }
}

/// An msi's product code, `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`, as the
/// listing writes it (hex digits of either case), held in place; reads as a `&str`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProductCode([u8; 38]);

impl ProductCode {
    /// `text` when it is a GUID in braces.
    pub fn parse(text: &str) -> Option<ProductCode> {
        if !super::is_guid(text) {
            return None;
        }
        text.as_bytes().try_into().ok().map(ProductCode)
    }
}

impl std::ops::Deref for ProductCode {
    type Target = str;
    fn deref(&self) -> &str {
        // ASCII only, checked by `parse`.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Display for ProductCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

impl fmt::Debug for ProductCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// A payload's absolute URL as text, checked when the listing was read:
/// the folder of the listing (shared by all its payloads) followed by the
/// path written in the listing, or the whole URL when the listing wrote one
/// that is not a plain path below its folder.
#[derive(Clone, PartialEq, Eq)]
pub struct PayloadUrl {
    folder: Option<Arc<String>>,
    rest: Text,
}

impl PayloadUrl {
    /// `folder` (a URL ending in `/`) followed by `path`, both already checked
    /// to make a URL as they are.
    pub(crate) fn below(folder: Arc<String>, path: &str) -> PayloadUrl {
        PayloadUrl {
            folder: Some(folder),
            rest: path.into(),
        }
    }

    /// A URL whole.
    pub fn new(url: &Url) -> PayloadUrl {
        PayloadUrl {
            folder: None,
            rest: url.as_str().into(),
        }
    }

    /// The URL's text in its two pieces, the listing's folder (empty for a
    /// URL written whole) and the rest, for writing it without joining them.
    pub fn pieces(&self) -> (&str, &str) {
        (
            self.folder.as_deref().map_or("", String::as_str),
            &self.rest,
        )
    }

    /// The URL, parsed.
    pub fn to_url(&self) -> Url {
        // Checked when the listing was read: a URL whose text is its own
        // serialization, so parsing it again cannot fail or change it.
        Url::parse(&self.to_string()).expect("a payload URL checked when its listing was read")
    }
}

impl fmt::Display for PayloadUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (folder, rest) = self.pieces();
        f.write_str(folder)?;
        f.write_str(rest)
    }
}

impl fmt::Debug for PayloadUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string(), f)
    }
}

#[derive(Debug, Clone)]
pub struct Installer {
    pub name: Text,
    pub version: Version,
    pub payload: Payload,
}

#[derive(Debug, Clone)]
pub struct Eula {
    pub id: Text,
    pub title: Text,
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
    pub id: Text,
    pub name: Text,
    pub kind: ProductKind,
    /// Optional components only.
    pub category: Option<Category>,
    /// Documentation and language components: the products they apply to.
    pub applies_to: List<Text>,
    pub retain_on_cascade: bool,
    /// Sorted by version, oldest first.
    pub releases: Box<[Release]>,
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
    pub label: Option<SharedText>,
    /// An `eula` id.
    pub eula: Option<SharedText>,
    pub license: LicenseKind,
    pub arch: Arch,
    pub published: Option<OffsetDateTime>,
    /// None for suites, one for solutions and optional components.
    pub payload: Option<Payload>,
    pub requires: List<Dependency>,
    pub recommends: List<Dependency>,
    /// Installed versions of this product this release upgrades directly.
    pub upgrades_from: List<Requirement>,
    /// Product ids merged into this release.
    pub replaces: List<Text>,
    pub properties: List<Property>,
    pub checks: List<Check>,
}

/// A release's list of dependencies, properties or checks (or the products
/// a component applies to), read as a slice. Releases share a list they
/// have alike (most releases of a product require the same, a vendor's
/// releases declare the same properties and checks): it is kept once per
/// listing. One pointer wide, none when empty; the items and their number
/// in one allocation.
pub struct List<T>(Option<ThinArc<(), T>>);

/// Another handle on the same items.
impl<T> Clone for List<T> {
    fn clone(&self) -> Self {
        List(self.0.clone())
    }
}

impl<T> Default for List<T> {
    fn default() -> Self {
        List(None)
    }
}

impl<T> std::ops::Deref for List<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.0.as_ref().map_or(&[], |items| &items.slice)
    }
}

impl<T> List<T> {
    /// The items of `items`, which is left empty.
    pub fn take(items: &mut Vec<T>) -> Self {
        List((!items.is_empty()).then(|| ThinArc::from_header_and_iter((), items.drain(..))))
    }
}

impl<T> From<Vec<T>> for List<T> {
    fn from(mut items: Vec<T>) -> Self {
        List::take(&mut items)
    }
}

impl<T> FromIterator<T> for List<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        items.into_iter().collect::<Vec<T>>().into()
    }
}

impl<'l, T> IntoIterator for &'l List<T> {
    type Item = &'l T;
    type IntoIter = std::slice::Iter<'l, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T: PartialEq> PartialEq for List<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}
impl<T: Eq> Eq for List<T> {}

impl<T: fmt::Debug> fmt::Debug for List<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Dependency {
    pub product: Text,
    /// `Requirement::any()` when the attribute is absent.
    pub version: Requirement,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Property {
    pub name: Text,
    pub required: bool,
    pub secret: bool,
    pub default: Option<Text>,
    pub description: Option<Text>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Block,
    Warn,
    Info,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CheckKind {
    DiskFree {
        min_bytes: u64,
    },
    Memory {
        min_bytes: u64,
    },
    Os {
        family: Text,
        min_version: Option<Version>,
    },
    FileExists {
        path: Text,
    },
    RegistryKey {
        key: Text,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
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
    pub id: Text,
    pub product: Text,
    /// The release version it applies to.
    pub base: Version,
    /// The product's version once applied.
    pub version: Version,
    pub label: Option<Text>,
    pub severity: HotfixSeverity,
    pub published: Option<OffsetDateTime>,
    pub payload: Payload,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    Hotfix(Text),
    Release(Version),
}

#[derive(Debug, Clone)]
pub struct CriticalUpdate {
    pub id: Text,
    pub product: Text,
    pub affects: Requirement,
    pub resolved_by: Resolution,
    pub message: Text,
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
            requires: List::default(),
            recommends: List::default(),
            upgrades_from: List::default(),
            replaces: List::default(),
            properties: List::default(),
            checks: List::default(),
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
