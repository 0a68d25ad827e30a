//! The plan as others read it: ordered items with the reason each is there,
//! the payload each refers to, and the EULAs it needs. Serialises to the
//! command-line contract's `plan` JSON.

use super::Error;
use crate::listing::{Payload, ProductKind, Version};
use crate::redact::Redacted;
use crate::text::Sha256Hex;
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use std::fmt;

/// What a plan item is: a release of a product of this kind, or a hot fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    Suite,
    Solution,
    Optional,
    Hotfix,
}

impl From<ProductKind> for ItemKind {
    fn from(kind: ProductKind) -> ItemKind {
        match kind {
            ProductKind::Suite => ItemKind::Suite,
            ProductKind::Solution => ItemKind::Solution,
            ProductKind::Optional => ItemKind::Optional,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// A fresh install.
    Install,
    /// A release installed over an older installed version of its product.
    Upgrade,
    /// A hot fix applied to an installed (or just installed) release.
    Hotfix,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Install => "install",
            Action::Upgrade => "upgrade",
            Action::Hotfix => "hotfix",
        })
    }
}

impl Serialize for Action {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Why an item is in the plan.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reason {
    /// Named by `--select` (directly; suites pass it on as `requires:<suite>`).
    Selected,
    /// Named by `--optional`.
    Optional,
    /// A mandatory dependency of this product.
    Requires(String),
    /// A recommended dependency of this product, kept.
    Recommends(String),
    /// An installed product brought to a newer version by an incremental plan.
    Update,
    /// An intermediate release or hot fix on the way to an upgrade's target.
    UpgradeStep,
    /// The hot fix that resolves this critical update of a planned release
    /// (included whatever `--hotfixes` says: the offline machine would
    /// otherwise stop at it).
    Critical(String),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Selected => f.write_str("selected"),
            Reason::Optional => f.write_str("optional"),
            Reason::Requires(id) => write!(f, "requires:{id}"),
            Reason::Recommends(id) => write!(f, "recommends:{id}"),
            Reason::Update => f.write_str("update"),
            Reason::UpgradeStep => f.write_str("upgrade-step"),
            Reason::Critical(id) => write!(f, "critical:{id}"),
        }
    }
}

impl Serialize for Reason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One file the plan installs, in install order.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanItem {
    pub product: String,
    /// The product's version once this item is applied.
    pub version: Version,
    pub kind: ItemKind,
    pub action: Action,
    pub reason: Reason,
    /// file, size, url, sha256, payloadKind, productCode.
    #[serde(flatten, serialize_with = "serialize_payload")]
    pub payload: Payload,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The hot fix id, for a hot fix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hotfix: Option<String>,
    /// The installed version this item upgrades or patches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_version: Option<Version>,
    /// The EULA id the release names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eula: Option<String>,
    /// Products merged into this release (uninstalled when it is installed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replaces: Vec<String>,
}

/// A suite in the plan: it ships nothing itself, its members are items.
#[derive(Debug, Clone, Serialize)]
pub struct SuiteRef {
    pub product: String,
    pub version: Version,
    pub reason: Reason,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eula: Option<String>,
}

/// A license agreement the plan's releases name; it must be accepted before bundling.
#[derive(Debug, Clone, Serialize)]
pub struct EulaRef {
    pub id: String,
    pub title: String,
    #[serde(flatten, serialize_with = "serialize_payload")]
    pub payload: Payload,
}

/// The resolved plan: items in install order (dependencies first, hot fixes
/// right after their base), the suites that brought members in, and EULAs.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub items: Vec<PlanItem>,
    /// Sum of the items' sizes: what a bundle downloads and holds.
    pub total_bytes: u64,
    pub suites: Vec<SuiteRef>,
    pub eulas: Vec<EulaRef>,
}

impl Plan {
    /// The plan of these items; their sizes must add up to a number of bytes
    /// (a listing that passed validation guarantees it, a hand-made catalog may not).
    pub fn new(
        items: Vec<PlanItem>,
        suites: Vec<SuiteRef>,
        eulas: Vec<EulaRef>,
    ) -> Result<Plan, Error> {
        let total_bytes = items
            .iter()
            .try_fold(0u64, |sum, i| sum.checked_add(i.payload.size))
            .ok_or(Error::TooLarge { files: items.len() })?;
        Ok(Plan {
            items,
            total_bytes,
            suites,
            eulas,
        })
    }
}

fn serialize_payload<S: Serializer>(payload: &Payload, s: S) -> Result<S::Ok, S::Error> {
    PayloadFields::of(payload).serialize(s)
}

/// A payload as every JSON document shows it, among the fields of what it
/// belongs to: file, size, url, sha256, payloadKind, productCode. Written
/// from the payload as it is, nothing built first: a listing's JSON shows
/// tens of thousands.
#[derive(Debug)]
pub struct PayloadFields<'a> {
    payload: &'a Payload,
    product_code: Option<&'a str>,
}

impl<'a> PayloadFields<'a> {
    pub fn of(payload: &'a Payload) -> PayloadFields<'a> {
        PayloadFields {
            payload,
            product_code: payload.product_code(),
        }
    }

    /// How many fields [`PayloadFields::serialize_fields`] writes.
    pub fn field_count(&self) -> usize {
        5 + usize::from(self.product_code.is_some())
    }

    /// Writes the payload's fields among those of `fields`, the struct it belongs to.
    pub fn serialize_fields<S: SerializeStruct>(&self, fields: &mut S) -> Result<(), S::Error> {
        let payload = self.payload;
        let (folder, path) = payload.url.pieces();
        fields.serialize_field("file", &*payload.file)?;
        fields.serialize_field("size", &payload.size)?;
        // A password in the listing's URL reaches its payloads' URLs: never shown.
        fields.serialize_field("url", &Redacted::joined(folder, path))?;
        fields.serialize_field("sha256", &Sha256Hex(&payload.sha256))?;
        fields.serialize_field("payloadKind", &payload.kind)?;
        if let Some(code) = self.product_code {
            fields.serialize_field("productCode", code)?;
        }
        Ok(())
    }
}

impl Serialize for PayloadFields<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut fields = s.serialize_struct("PayloadFields", self.field_count())?;
        self.serialize_fields(&mut fields)?;
        fields.end()
    }
}

#[cfg(test)]
mod tests {
    use crate::plan::testing::catalog;
    use crate::plan::{Error, Installed, Selection, parse_picks, resolve};

    #[test]
    fn sizes_that_add_up_past_u64_are_an_error_not_a_wrapped_total() {
        let mut catalog = catalog()
            .solution("a", &["1"])
            .solution("b", &["1"])
            .build();
        for product in &mut catalog.listings[0].products {
            if let Some(payload) = &mut product.releases[0].payload {
                payload.size = 1 << 63;
            }
        }
        let selection = Selection {
            picks: parse_picks(&["a,b".to_string()]).unwrap(),
            ..Selection::default()
        };
        let error = resolve(&catalog, &selection, &Installed::new()).unwrap_err();
        assert!(matches!(error, Error::TooLarge { files: 2 }), "{error}");
    }
}
