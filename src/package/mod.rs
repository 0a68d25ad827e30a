//! The signed description of an installation package: the `content` of an
//! Airlock bundle's manifest (content type `airlock-package-1`). It holds
//! everything the offline runner acts on without the listing's help (steps and
//! how to run each file, properties, checks, licenses, EULAs, critical updates,
//! the base history of an incremental bundle, and since `airlock-package-2`
//! the vendor's listing signatures and where each file came from). `build` writes it; everything
//! that reads a bundle parses it here, strictly: unknown keys are refused and
//! every field is checked against the container's files. Specified in
//! `bundle-format/PACKAGE.md`.

pub mod provenance;
mod validate;

pub use validate::CheckError;

use crate::listing::{
    self, Arch, Category, HotfixSeverity, LicenseKind, PayloadKind, Requirement, Severity, Version,
};
use bundle_format::Manifest;
use serde::{Deserialize, Serialize};

/// The manifest's `contentType` for this schema.
pub const CONTENT_TYPE: &str = "airlock-package-2";
/// The schema before the vendor's signature travelled with the bundle: the
/// same object without `origins` and the listings' `source`, `signature`
/// and `vendorKey`. Read, never written.
pub const CONTENT_TYPE_1: &str = "airlock-package-1";

/// The most entries in each list of a package.
pub const MAX_ENTRIES: usize = 100_000;

/// Everything a bundle says about installing its files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Package {
    /// The vendor whose listing comes first; names `<Vendor>/Components`.
    pub vendor: String,
    /// Every listing the plan was resolved from, in the order given.
    pub listings: Vec<ListingRef>,
    /// The vendor's installation program, run first where it is missing or older.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installer: Option<Installer>,
    /// Suites that brought members into the plan (they ship no file).
    pub suites: Vec<Suite>,
    /// Install steps, in the order they run.
    pub steps: Vec<Step>,
    pub licenses: Vec<License>,
    /// EULAs accepted when the bundle was built.
    pub eulas: Vec<Eula>,
    /// Who built the bundle, for the offline side (may be empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// Every critical update the listings declare.
    pub critical_updates: Vec<CriticalUpdate>,
    /// For an incremental bundle: the history it was built against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<Base>,
    /// Where each downloaded file came from (package-2; empty in package-1).
    #[serde(default)]
    pub origins: Vec<FileOrigin>,
}

/// A file downloaded from a listing's payload: the URL it came from and the
/// listing that publishes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FileOrigin {
    pub file: String,
    /// Absolute, its password removed.
    pub url: String,
    /// Index in `listings`.
    pub listing: u64,
}

/// One listing used, and the file in the bundle holding its exact bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListingRef {
    pub vendor: String,
    pub name: String,
    pub serial: u64,
    /// RFC 3339, as the listing states it.
    pub published: String,
    pub sha256: String,
    pub file: String,
    /// Where the builder read it, its password removed (package-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The file (kind `signature`) holding its `.pl.xml.sig` (package-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// The vendor key that verified the signature when the bundle was built (package-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_key: Option<String>,
}

/// How a step's file is run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// `msiexec /i`: a fresh install, or a major upgrade of an older version.
    Msi,
    /// `msiexec /p`: a patch applied to the installed product.
    Msp,
    /// The executable itself, with its silent arguments.
    Exe,
}

impl Method {
    /// How a file of this payload kind runs; `None` for text (EULAs).
    pub fn of(kind: PayloadKind) -> Option<Method> {
        match kind {
            PayloadKind::Msi => Some(Method::Msi),
            PayloadKind::Msp => Some(Method::Msp),
            PayloadKind::Exe => Some(Method::Exe),
            PayloadKind::Text => None,
        }
    }

    /// The container's file kind for a file run this way.
    pub fn file_kind(self) -> &'static str {
        match self {
            Method::Msi => "msi",
            Method::Msp => "msp",
            Method::Exe => "exe",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Installer {
    pub name: String,
    pub version: Version,
    pub file: String,
    pub method: Method,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_code: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Suite {
    pub product: String,
    pub name: String,
    pub version: Version,
    pub reason: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    Solution,
    Optional,
    Hotfix,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Install,
    Upgrade,
    Hotfix,
}

/// One install step: a release or a hot fix of one product.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Step {
    pub product: String,
    /// The product's display name.
    pub name: String,
    pub kind: StepKind,
    /// Optional components: documentation, language or migration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    /// Documentation and language components: the products they apply to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applies_to: Vec<String>,
    /// The product's version once this step is done.
    pub version: Version,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The installed version this step upgrades or patches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_version: Option<Version>,
    pub action: Action,
    pub method: Method,
    pub file: String,
    /// Silent arguments (exe only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<String>,
    /// The hot fix id (hot fixes only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hotfix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hotfix_severity: Option<HotfixSeverity>,
    /// Why the step is there: `selected`, `requires:<id>`, ...
    pub reason: String,
    /// The MSI's own ProductCode, read by the builder (an MSP has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_code: Option<String>,
    /// The MSI's own UpgradeCode, shared by a product's releases and hot fixes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade_code: Option<String>,
    pub arch: Arch,
    pub license: LicenseKind,
    pub properties: Vec<Property>,
    pub checks: Vec<Check>,
    pub requires: Vec<Dependency>,
    pub retain_on_cascade: bool,
    pub replaces: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eula: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Property {
    pub name: String,
    pub required: bool,
    pub secret: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Which readiness check: the fields it takes are those of the listing's `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CheckName {
    DiskFree,
    Memory,
    Os,
    FileExists,
    RegistryKey,
}

/// A readiness check, flat as in the listing: `kind` says which of the
/// optional fields it has (and it has no others).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Check {
    pub kind: CheckName,
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_version: Option<Version>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Dependency {
    pub product: String,
    /// `*` for any version.
    pub version: Requirement,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct License {
    pub file: String,
    pub product: String,
    /// The license's own id (`LIC-2026-000123`).
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licensee: Option<String>,
    /// RFC 3339; absent for a perpetual license.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Eula {
    pub id: String,
    pub title: String,
    pub file: String,
    /// Of the text that was accepted.
    pub sha256: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CriticalUpdate {
    pub id: String,
    pub product: String,
    pub affects: Requirement,
    /// Exactly one of `hotfix` (an id) and `release` (a version) is there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_by_hotfix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_by_release: Option<Version>,
    pub message: String,
}

/// What an incremental bundle expects of the machine it was built for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Base {
    /// sha256 of the exported history file.
    pub digest: String,
    pub machine_id: String,
    pub expected: Vec<Expected>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Expected {
    pub product: String,
    pub version: Version,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hotfix: Option<String>,
}

/// Why a bundle's content is not an Airlock package this program can act on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "the bundle holds content of type {0:?}, not {CONTENT_TYPE:?}: it was not made by airlock build, or needs a newer airlock"
    )]
    ContentType(String),
    #[error("the bundle's package description is not valid: {0}")]
    Json(String),
    #[error("the bundle's package description, field {field}: {problem}")]
    Field { field: String, problem: String },
}

impl Package {
    /// The package a manifest describes, parsed strictly and checked against its files.
    pub fn of(manifest: &Manifest) -> Result<Package, Error> {
        let first = match manifest.content_type.as_str() {
            CONTENT_TYPE => false,
            CONTENT_TYPE_1 => true,
            other => return Err(Error::ContentType(other.to_string())),
        };
        if first {
            validate::refuse_keys_of_2(&manifest.content)?;
        }
        let value = serde_json::Value::Object(manifest.content.clone());
        let package: Package =
            serde_json::from_value(value).map_err(|e| Error::Json(e.to_string()))?;
        package.validate(&manifest.files)?;
        Ok(package)
    }

    /// The manifest content this package is written as.
    pub fn to_content(&self) -> serde_json::Map<String, serde_json::Value> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(map)) => map,
            // A struct of plain data serializes to an object.
            other => unreachable!("package serialized as {other:?}"),
        }
    }
}

impl Check {
    pub fn from_listing(check: &listing::Check) -> Check {
        let mut out = Check {
            kind: CheckName::DiskFree,
            severity: check.severity,
            min_bytes: None,
            family: None,
            min_version: None,
            path: None,
            key: None,
        };
        match &check.kind {
            listing::CheckKind::DiskFree { min_bytes } => out.min_bytes = Some(*min_bytes),
            listing::CheckKind::Memory { min_bytes } => {
                out.kind = CheckName::Memory;
                out.min_bytes = Some(*min_bytes);
            }
            listing::CheckKind::Os {
                family,
                min_version,
            } => {
                out.kind = CheckName::Os;
                out.family = Some(family.to_string());
                out.min_version = *min_version;
            }
            listing::CheckKind::FileExists { path } => {
                out.kind = CheckName::FileExists;
                out.path = Some(path.to_string());
            }
            listing::CheckKind::RegistryKey { key } => {
                out.kind = CheckName::RegistryKey;
                out.key = Some(key.to_string());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(content_type: &str, content: serde_json::Value) -> Manifest {
        let serde_json::Value::Object(map) = content else {
            unreachable!()
        };
        let mut m = Manifest::new("tests", content_type, map);
        m.files.push(bundle_format::FileEntry {
            name: "l.pl.xml".into(),
            kind: "listing".into(),
            size: 1,
            sha256: "0".repeat(64),
        });
        m
    }

    fn content(listing: serde_json::Value, origins: bool) -> serde_json::Value {
        let mut c = serde_json::json!({
            "vendor": "V", "listings": [listing], "suites": [], "steps": [],
            "licenses": [], "eulas": [], "criticalUpdates": []
        });
        if origins {
            c["origins"] = serde_json::json!([]);
        }
        c
    }

    #[test]
    fn package_1_is_read_and_keys_of_package_2_in_it_are_refused() {
        let listing = serde_json::json!({"vendor": "V", "name": "N", "serial": 1,
            "published": "2026-01-01T00:00:00Z", "sha256": "0".repeat(64), "file": "l.pl.xml"});
        assert!(Package::of(&manifest(CONTENT_TYPE_1, content(listing.clone(), false))).is_ok());
        assert!(Package::of(&manifest(CONTENT_TYPE, content(listing.clone(), true))).is_ok());
        let err = Package::of(&manifest(CONTENT_TYPE_1, content(listing.clone(), true)))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("origins") && err.contains("is not a key of"),
            "{err}"
        );
        let mut keyed = listing.clone();
        keyed["vendorKey"] = "0123456789abcdef".into();
        let err = Package::of(&manifest(CONTENT_TYPE_1, content(keyed.clone(), false)))
            .unwrap_err()
            .to_string();
        assert!(err.contains("listings[0].vendorKey"), "{err}");
        // In package-2, a vendor key without a signature says nothing: refused.
        let err = Package::of(&manifest(CONTENT_TYPE, content(keyed, true)))
            .unwrap_err()
            .to_string();
        assert!(err.contains("without a signature"), "{err}");
    }
}
