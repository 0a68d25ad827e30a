//! The signed description of an installation package: the `content` of an
//! Airlock bundle's manifest (content type `airlock-package-1`). It holds
//! everything the offline runner acts on without the listing's help (steps and
//! how to run each file, properties, checks, licenses, EULAs, critical updates,
//! the base history of an incremental bundle, and since `airlock-package-2`
//! the vendor's listing signatures and where each file came from). `build` writes it; everything
//! that reads a bundle parses it here, strictly: unknown keys are refused and
//! every field is checked against the container's files. Specified in
//! `bundle-format/PACKAGE.md`.

use crate::listing::{
    self, Arch, Category, HotfixSeverity, LicenseKind, PayloadKind, Requirement, Severity, Version,
    is_product_id,
};
use bundle_format::manifest::{check_hex, check_name, check_text, check_text_allow_empty};
use bundle_format::{FileEntry, Manifest};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

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

fn field(at: impl Into<String>, problem: impl Into<String>) -> Error {
    Error::Field {
        field: at.into(),
        problem: problem.into(),
    }
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
            refuse_keys_of_2(&manifest.content)?;
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

    /// Checks every field; file references must name a file of the bundle of
    /// the right kind. The error names the first bad field.
    pub fn validate(&self, files: &[FileEntry]) -> Result<(), Error> {
        let files: HashMap<&str, &FileEntry> = files.iter().map(|f| (f.name.as_str(), f)).collect();
        let file = |at: &str, name: &str, kind: &str| -> Result<(), Error> {
            match files.get(name) {
                Some(f) if f.kind == kind => Ok(()),
                Some(f) => Err(field(
                    at,
                    format!("{name:?} is a file of kind {:?}, not {kind:?}", f.kind),
                )),
                None => Err(field(
                    at,
                    format!("{name:?} is not one of the bundle's files"),
                )),
            }
        };
        let text =
            |at: &str, value: &str| check_text(at, value).map_err(|e| field(at, e.to_string()));
        let id = |at: &str, value: &str| -> Result<(), Error> {
            if value.len() <= 128 && is_product_id(value) {
                Ok(())
            } else {
                Err(field(at, format!("{value:?} is not a product id")))
            }
        };

        check_name(&self.vendor).map_err(|p| field("vendor", p))?;
        for (what, len) in [
            ("listings", self.listings.len()),
            ("suites", self.suites.len()),
            ("steps", self.steps.len()),
            ("licenses", self.licenses.len()),
            ("eulas", self.eulas.len()),
            ("criticalUpdates", self.critical_updates.len()),
        ] {
            if len > MAX_ENTRIES {
                return Err(field(
                    what,
                    format!("{len} entries, more than {MAX_ENTRIES}"),
                ));
            }
        }
        if self.listings.is_empty() {
            return Err(field("listings", "names no listing"));
        }
        for (i, l) in self.listings.iter().enumerate() {
            let at = |f: &str| format!("listings[{i}].{f}");
            text(&at("vendor"), &l.vendor)?;
            text(&at("name"), &l.name)?;
            text(&at("published"), &l.published)?;
            check_hex(&at("sha256"), &l.sha256, 64)
                .map_err(|e| field(at("sha256"), e.to_string()))?;
            file(&at("file"), &l.file, "listing")?;
            if let Some(source) = &l.source {
                text(&at("source"), source)?;
            }
            if let Some(signature) = &l.signature {
                file(&at("signature"), signature, "signature")?;
            }
            match (&l.vendor_key, &l.signature) {
                (Some(key), Some(_)) => check_hex(&at("vendorKey"), key, 16)
                    .map_err(|e| field(at("vendorKey"), e.to_string()))?,
                (Some(_), None) => {
                    return Err(field(at("vendorKey"), "is given without a signature"));
                }
                (None, _) => {}
            }
        }
        if self.origins.len() > MAX_ENTRIES {
            return Err(field("origins", format!("more than {MAX_ENTRIES} entries")));
        }
        for (i, o) in self.origins.iter().enumerate() {
            let at = |f: &str| format!("origins[{i}].{f}");
            text(&at("url"), &o.url)?;
            if !files.contains_key(o.file.as_str()) {
                return Err(field(
                    at("file"),
                    format!("{:?} is not one of the bundle's files", o.file),
                ));
            }
            if usize::try_from(o.listing).map_or(true, |n| n >= self.listings.len()) {
                return Err(field(at("listing"), "names no listing of the bundle"));
            }
        }
        if let Some(installer) = &self.installer {
            text("installer.name", &installer.name)?;
            file(
                "installer.file",
                &installer.file,
                installer.method.file_kind(),
            )?;
            if let Some(args) = &installer.args {
                check_text_allow_empty("installer.args", args)
                    .map_err(|e| field("installer.args", e.to_string()))?;
            }
            if let Some(code) = &installer.product_code {
                check_guid("installer.productCode", code)?;
            }
        }
        for (i, s) in self.suites.iter().enumerate() {
            id(&format!("suites[{i}].product"), &s.product)?;
            text(&format!("suites[{i}].name"), &s.name)?;
            text(&format!("suites[{i}].reason"), &s.reason)?;
        }
        let mut eula_ids = HashSet::new();
        for (i, e) in self.eulas.iter().enumerate() {
            let at = |f: &str| format!("eulas[{i}].{f}");
            text(&at("id"), &e.id)?;
            text(&at("title"), &e.title)?;
            file(&at("file"), &e.file, "text")?;
            let declared = files.get(e.file.as_str()).map(|f| f.sha256.as_str());
            if declared != Some(e.sha256.as_str()) {
                return Err(field(at("sha256"), "is not the sha256 of the EULA's file"));
            }
            eula_ids.insert(e.id.as_str());
        }
        for (i, s) in self.steps.iter().enumerate() {
            self.validate_step(i, s, &text, &id, &file, &eula_ids)?;
        }
        for (i, l) in self.licenses.iter().enumerate() {
            let at = |f: &str| format!("licenses[{i}].{f}");
            file(&at("file"), &l.file, "license")?;
            id(&at("product"), &l.product)?;
            text(&at("id"), &l.id)?;
            if let Some(who) = &l.licensee {
                text(&at("licensee"), who)?;
            }
            if let Some(expires) = &l.expires {
                text(&at("expires"), expires)?;
            }
        }
        if let Some(contact) = &self.contact {
            check_text_allow_empty("contact", contact)
                .map_err(|e| field("contact", e.to_string()))?;
        }
        for (i, c) in self.critical_updates.iter().enumerate() {
            let at = |f: &str| format!("criticalUpdates[{i}].{f}");
            text(&at("id"), &c.id)?;
            id(&at("product"), &c.product)?;
            text(&at("message"), &c.message)?;
            match (&c.resolved_by_hotfix, &c.resolved_by_release) {
                (Some(h), None) => text(&at("resolvedByHotfix"), h)?,
                (None, Some(_)) => {}
                _ => {
                    return Err(field(
                        at("resolvedByHotfix"),
                        "exactly one of resolvedByHotfix and resolvedByRelease must be given",
                    ));
                }
            }
        }
        if let Some(base) = &self.base {
            check_hex("base.digest", &base.digest, 64)
                .map_err(|e| field("base.digest", e.to_string()))?;
            text("base.machineId", &base.machine_id)?;
            for (i, e) in base.expected.iter().enumerate() {
                id(&format!("base.expected[{i}].product"), &e.product)?;
            }
        }
        Ok(())
    }

    fn validate_step(
        &self,
        i: usize,
        s: &Step,
        text: &dyn Fn(&str, &str) -> Result<(), Error>,
        id: &dyn Fn(&str, &str) -> Result<(), Error>,
        file: &dyn Fn(&str, &str, &str) -> Result<(), Error>,
        eulas: &HashSet<&str>,
    ) -> Result<(), Error> {
        let at = |f: &str| format!("steps[{i}].{f}");
        id(&at("product"), &s.product)?;
        text(&at("name"), &s.name)?;
        text(&at("reason"), &s.reason)?;
        file(&at("file"), &s.file, s.method.file_kind())?;
        if let Some(label) = &s.label {
            text(&at("label"), label)?;
        }
        if let Some(args) = &s.args {
            check_text_allow_empty(&at("args"), args)
                .map_err(|e| field(at("args"), e.to_string()))?;
        }
        if let Some(code) = &s.upgrade_code {
            check_guid(&at("upgradeCode"), code)?;
        }
        if let Some(code) = &s.product_code {
            check_guid(&at("productCode"), code)?;
        }
        let is_hotfix = s.kind == StepKind::Hotfix;
        if is_hotfix != (s.action == Action::Hotfix) || is_hotfix != s.hotfix.is_some() {
            return Err(field(
                at("action"),
                "a hot fix step has kind and action \"hotfix\" and a hotfix id; no other step has",
            ));
        }
        if s.action != Action::Install && s.from_version.is_none() {
            return Err(field(
                at("fromVersion"),
                "an upgrade or hot fix names the version it starts from",
            ));
        }
        if (s.kind == StepKind::Optional) != s.category.is_some() {
            return Err(field(
                at("category"),
                "optional components, and only they, have a category",
            ));
        }
        for (j, a) in s.applies_to.iter().enumerate() {
            id(&at(&format!("appliesTo[{j}]")), a)?;
        }
        for (j, p) in s.properties.iter().enumerate() {
            let pat = |f: &str| at(&format!("properties[{j}].{f}"));
            check_property_name(&pat("name"), &p.name)?;
            if let Some(d) = &p.default {
                check_text_allow_empty(&pat("default"), d)
                    .map_err(|e| field(pat("default"), e.to_string()))?;
            }
            if let Some(d) = &p.description {
                text(&pat("description"), d)?;
            }
        }
        for (j, c) in s.checks.iter().enumerate() {
            c.to_listing()
                .map_err(|problem| field(at(&format!("checks[{j}]")), problem))?;
        }
        for (j, d) in s.requires.iter().enumerate() {
            id(&at(&format!("requires[{j}].product")), &d.product)?;
        }
        for (j, r) in s.replaces.iter().enumerate() {
            id(&at(&format!("replaces[{j}]")), r)?;
        }
        if let Some(e) = &s.eula
            && !eulas.contains(e.as_str())
        {
            return Err(field(
                at("eula"),
                format!("{e:?} is not one of the accepted EULAs"),
            ));
        }
        Ok(())
    }
}

/// An `airlock-package-1` document holds none of the keys package-2 added.
fn refuse_keys_of_2(content: &serde_json::Map<String, serde_json::Value>) -> Result<(), Error> {
    let not_in_1 = |at: String| {
        field(
            at,
            format!("is not a key of {CONTENT_TYPE_1} (it came with {CONTENT_TYPE})"),
        )
    };
    if content.contains_key("origins") {
        return Err(not_in_1("origins".into()));
    }
    let listings = content.get("listings").and_then(|l| l.as_array());
    for (i, l) in listings.into_iter().flatten().enumerate() {
        for key in ["source", "signature", "vendorKey"] {
            if l.get(key).is_some() {
                return Err(not_in_1(format!("listings[{i}].{key}")));
            }
        }
    }
    Ok(())
}

/// `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`, hex digits of either case: the
/// listing's own GUID rule.
fn check_guid(at: &str, value: &str) -> Result<(), Error> {
    if crate::listing::is_guid(value) {
        Ok(())
    } else {
        Err(field(at, format!("{value:?} is not a GUID in braces")))
    }
}

/// A Windows Installer property name: letters, digits, `_` and `.`, not
/// starting with a digit or a dot (so `NAME=value` cannot carry anything else).
fn check_property_name(at: &str, value: &str) -> Result<(), Error> {
    let mut chars = value.chars();
    let ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.'))
        && value.len() <= 72;
    if ok {
        Ok(())
    } else {
        Err(field(
            at,
            format!("{value:?} is not a Windows Installer property name"),
        ))
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
                out.family = Some(family.clone());
                out.min_version = *min_version;
            }
            listing::CheckKind::FileExists { path } => {
                out.kind = CheckName::FileExists;
                out.path = Some(path.clone());
            }
            listing::CheckKind::RegistryKey { key } => {
                out.kind = CheckName::RegistryKey;
                out.key = Some(key.clone());
            }
        }
        out
    }

    /// The check as the listing model has it; the problem when a field its
    /// kind needs is missing, or one it does not take is there.
    pub fn to_listing(&self) -> Result<listing::CheckKind, String> {
        let given = [
            ("minBytes", self.min_bytes.is_some()),
            ("family", self.family.is_some()),
            ("minVersion", self.min_version.is_some()),
            ("path", self.path.is_some()),
            ("key", self.key.is_some()),
        ];
        let (kind, takes): (Option<listing::CheckKind>, &[&str]) = match self.kind {
            CheckName::DiskFree => (
                self.min_bytes
                    .map(|min_bytes| listing::CheckKind::DiskFree { min_bytes }),
                &["minBytes"],
            ),
            CheckName::Memory => (
                self.min_bytes
                    .map(|min_bytes| listing::CheckKind::Memory { min_bytes }),
                &["minBytes"],
            ),
            CheckName::Os => (
                self.family.clone().map(|family| listing::CheckKind::Os {
                    family,
                    min_version: self.min_version,
                }),
                &["family", "minVersion"],
            ),
            CheckName::FileExists => (
                self.path
                    .clone()
                    .map(|path| listing::CheckKind::FileExists { path }),
                &["path"],
            ),
            CheckName::RegistryKey => (
                self.key
                    .clone()
                    .map(|key| listing::CheckKind::RegistryKey { key }),
                &["key"],
            ),
        };
        if let Some((extra, _)) = given.iter().find(|(f, set)| *set && !takes.contains(f)) {
            return Err(format!("a {:?} check takes no {extra}", self.kind));
        }
        for value in [&self.family, &self.path, &self.key].into_iter().flatten() {
            check_text("check", value).map_err(|e| e.to_string())?;
        }
        kind.ok_or_else(|| format!("a {:?} check needs {}", self.kind, takes[0]))
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
        m.files.push(FileEntry {
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
