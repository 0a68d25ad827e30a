//! The checks a package description must pass before anything acts on it:
//! every text field printable, every id and GUID well formed, every file
//! reference naming a file of the bundle of the right kind, every readiness
//! check with exactly the fields its kind takes. The model they check is in
//! the parent module.

use super::{Action, Check, CheckName, Error, MAX_ENTRIES, Package, Step, StepKind};
use crate::listing::{self, is_product_id};
use bundle_format::FileEntry;
use bundle_format::manifest::ManifestError;
use bundle_format::manifest::{check_hex, check_name, check_text, check_text_allow_empty};
use std::collections::{HashMap, HashSet};

/// Why a readiness check's fields do not fit its kind.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("a {kind:?} check takes no {field}")]
    Extra {
        kind: CheckName,
        field: &'static str,
    },
    #[error("a {kind:?} check needs {field}")]
    Missing {
        kind: CheckName,
        field: &'static str,
    },
    #[error("{0}")]
    Text(#[from] ManifestError),
}

fn field(at: impl Into<String>, problem: impl Into<String>) -> Error {
    Error::Field {
        field: at.into(),
        problem: problem.into(),
    }
}

impl Package {
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

        check_name(&self.vendor).map_err(|p| field("vendor", p.to_string()))?;
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
                .map_err(|problem| field(at(&format!("checks[{j}]")), problem.to_string()))?;
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
    /// The check as the listing model has it; the problem when a field its
    /// kind needs is missing, or one it does not take is there.
    pub fn to_listing(&self) -> Result<listing::CheckKind, CheckError> {
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
                    family: family.into(),
                    min_version: self.min_version,
                }),
                &["family", "minVersion"],
            ),
            CheckName::FileExists => (
                self.path
                    .clone()
                    .map(|path| listing::CheckKind::FileExists { path: path.into() }),
                &["path"],
            ),
            CheckName::RegistryKey => (
                self.key
                    .clone()
                    .map(|key| listing::CheckKind::RegistryKey { key: key.into() }),
                &["key"],
            ),
        };
        if let Some((extra, _)) = given.iter().find(|(f, set)| *set && !takes.contains(f)) {
            return Err(CheckError::Extra {
                kind: self.kind,
                field: extra,
            });
        }
        for value in [&self.family, &self.path, &self.key].into_iter().flatten() {
            check_text("check", value)?;
        }
        kind.ok_or(CheckError::Missing {
            kind: self.kind,
            field: takes[0],
        })
    }
}

/// An `airlock-package-1` document holds none of the keys package-2 added.
pub(super) fn refuse_keys_of_2(
    content: &serde_json::Map<String, serde_json::Value>,
) -> Result<(), Error> {
    let not_in_1 = |at: String| {
        field(
            at,
            format!(
                "is not a key of {} (it came with {})",
                super::CONTENT_TYPE_1,
                super::CONTENT_TYPE
            ),
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
