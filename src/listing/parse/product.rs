//! `<product>` and what a release holds: `<release>`, its dependencies
//! (`requires`, `recommends`, `upgradesFrom`, `replaces`), `<property>` and
//! `<check>`.

use super::{Cursor, offset};
use crate::listing::Error;
use crate::listing::model::*;
use crate::listing::version::Requirement;
use crate::listing::xml::{Elem, Tag};
use rustc_hash::FxHashSet;
use std::borrow::Cow;
use std::hash::Hash;

impl<'a> Cursor<'a> {
    pub(super) fn product(&mut self, e: Elem<'a>) -> Result<Product, Error> {
        let [id, name, kind, category, applies_to, retain] = self.xml.attrs(
            &e,
            [
                "id",
                "name",
                "kind",
                "category",
                "appliesTo",
                "retainOnCascade",
            ],
        )?;
        let id = self.text(&e, "id", id)?;
        self.product_id(&e, "id", &id)?;
        let name = self.text(&e, "name", name)?;
        let kind = self.required(&e, "kind", kind)?;
        let kind = self.one_of(
            &e,
            "kind",
            &kind,
            &[
                ("suite", ProductKind::Suite),
                ("solution", ProductKind::Solution),
                ("optional", ProductKind::Optional),
            ],
        )?;
        let category = self.category(&e, kind, category)?;
        let applies_to = self.applies_to(&e, category, applies_to)?;
        let retain_on_cascade = self.flag(&e, "retainOnCascade", retain.as_deref())?;
        let mut releases: Vec<Release> = Vec::new();
        self.release_at.clear();
        let first_release = self.marks.releases.len();
        self.children(&e, |cur, child| {
            if child.tag != Tag::Release {
                return Err(cur.xml.misplaced(&child, "product", "<release>"));
            }
            let at = child.at;
            cur.marks.releases.push(offset(at));
            let release = cur.release(child, kind)?;
            if let Some(&i) = cur.release_at.get(&release.version) {
                return Err(cur.doc.invalid(
                    at,
                    "release",
                    format!(
                        "unique release version: release {} of {id:?} is already listed at {} (missing parts count as 0); each release of a product has its own version",
                        release.version,
                        cur.doc.location(cur.marks.releases[first_release + i] as usize)
                    ),
                ));
            }
            cur.release_at.insert(release.version, releases.len());
            releases.push(release);
            Ok(())
        })?;
        if releases.is_empty() {
            return Err(self.bad(
                &e,
                "product releases: a product needs at least one <release>; add one",
            ));
        }
        // Growth leaves room for more; the model is kept whole for the run.
        releases.shrink_to_fit();
        Ok(Product {
            id,
            name,
            kind,
            category,
            applies_to,
            retain_on_cascade,
            releases,
        })
    }

    pub(super) fn release(&mut self, e: Elem<'a>, kind: ProductKind) -> Result<Release, Error> {
        let [version, label, eula, license, arch, published] = self.xml.attrs(
            &e,
            ["version", "label", "eula", "license", "arch", "published"],
        )?;
        let version = self.required(&e, "version", version)?;
        let version = self.version(&e, "version", &version)?;
        let license = self.required(&e, "license", license)?;
        let license = self.one_of(
            &e,
            "license",
            &license,
            &[
                ("required", LicenseKind::Required),
                ("trial", LicenseKind::Trial),
                ("free", LicenseKind::Free),
            ],
        )?;
        let arch = match arch {
            Some(a) => self.one_of(
                &e,
                "arch",
                &a,
                &[("x86", Arch::X86), ("x64", Arch::X64), ("any", Arch::Any)],
            )?,
            None => Arch::Any,
        };
        let published = match published {
            Some(p) => Some(self.date(&e, "published", &p)?),
            None => None,
        };
        let mut release = Release {
            label: label.map(|l| Text::from(&*l)),
            eula: eula.map(|id| Text::from(&*id)),
            license,
            arch,
            published,
            ..Release::new(version)
        };
        self.property_at.clear();
        self.lists.clear();
        self.children(&e, |cur, child| {
            cur.release_child(&mut release, kind, child)
        })?;
        if kind != ProductKind::Suite && release.payload.is_none() {
            return Err(self.bad(
                &e,
                "one payload: a release of a solution or optional component needs one <payload>; add it",
            ));
        }
        self.lists.fill(&mut release);
        Ok(release)
    }

    /// One child of a `<release>`: its payload set on `release`, the others
    /// added to the lists being gathered.
    fn release_child(
        &mut self,
        release: &mut Release,
        kind: ProductKind,
        child: Elem<'a>,
    ) -> Result<(), Error> {
        match child.tag {
            Tag::Payload if kind == ProductKind::Suite => {
                return Err(self.bad(
                    &child,
                    "suite release: a suite's release has no payload (a suite is a set of other products); remove it, or make the product a solution",
                ));
            }
            Tag::Payload if release.payload.is_some() => {
                return Err(self.bad(
                    &child,
                    "one payload: a release has exactly one <payload>; remove this one",
                ));
            }
            Tag::Payload => {
                release.payload = Some(self.payload(
                    child,
                    &[PayloadKind::Msi, PayloadKind::Exe],
                    Tag::Release,
                )?)
            }
            Tag::Requires => {
                self.marks.requires.push(offset(child.at));
                let dependency = self.dependency(child)?;
                self.lists.requires.push(dependency);
            }
            Tag::Recommends => {
                self.marks.recommends.push(offset(child.at));
                let dependency = self.dependency(child)?;
                self.lists.recommends.push(dependency);
            }
            Tag::UpgradesFrom => {
                let requirement = self.upgrades_from(child)?;
                self.lists.upgrades_from.push(requirement);
            }
            Tag::Replaces => {
                self.marks.replaces.push(offset(child.at));
                let id = self.replaces(child)?;
                self.lists.replaces.push(id);
            }
            Tag::Property => {
                let property = self.property(child)?;
                self.lists.properties.push(property);
            }
            Tag::Check => {
                let check = self.check(child)?;
                self.lists.checks.push(check);
            }
            _ => {
                return Err(self.xml.misplaced(
                    &child,
                    "release",
                    "payload, requires, recommends, upgradesFrom, replaces, property or check",
                ));
            }
        }
        Ok(())
    }

    fn upgrades_from(&mut self, e: Elem<'a>) -> Result<Requirement, Error> {
        let [version] = self.xml.attrs(&e, ["version"])?;
        let version = self.required(&e, "version", version)?;
        let requirement = self.requirement(&e, "version", &version)?;
        self.leaf(&e)?;
        Ok(requirement)
    }

    fn replaces(&mut self, e: Elem<'a>) -> Result<Text, Error> {
        let [product] = self.xml.attrs(&e, ["product"])?;
        let product = self.text(&e, "product", product)?;
        self.product_id(&e, "product", &product)?;
        self.leaf(&e)?;
        Ok(product)
    }

    /// A property's name once per release: msiexec takes one value per name.
    fn unique_property(&mut self, name: &str, at: usize) -> Result<(), Error> {
        let name = self.in_document(name);
        if let Some(&first) = self.property_at.get(&name) {
            return Err(self.doc.invalid(
                at,
                "property",
                format!(
                    "unique property: property {name:?} is already declared in this release at {}; declare each property once",
                    self.doc.location(first)
                ),
            ));
        }
        self.property_at.insert(name, at);
        Ok(())
    }

    pub(super) fn dependency(&mut self, e: Elem<'a>) -> Result<Dependency, Error> {
        let [product, version] = self.xml.attrs(&e, ["product", "version"])?;
        let product = self.text(&e, "product", product)?;
        self.product_id(&e, "product", &product)?;
        let version = match version {
            Some(v) => self.requirement(&e, "version", &v)?,
            None => Requirement::any(),
        };
        self.leaf(&e)?;
        Ok(Dependency { product, version })
    }

    pub(super) fn property(&mut self, e: Elem<'a>) -> Result<Property, Error> {
        let [name, required, secret, default, description] = self
            .xml
            .attrs(&e, ["name", "required", "secret", "default", "description"])?;
        let name = self.required(&e, "name", name)?;
        if name.contains(|c: char| c.is_whitespace() || c == '=') {
            return Err(self.bad(
                &e,
                format!("property name: {name:?} contains spaces or '='; write a Windows Installer property name"),
            ));
        }
        let required = self.flag(&e, "required", required.as_deref())?;
        let secret = self.flag(&e, "secret", secret.as_deref())?;
        self.leaf(&e)?;
        self.unique_property(&name, e.at)?;
        Ok(Property {
            name: Text::from(&*name),
            required,
            secret,
            default: default.map(|d| Text::from(&*d)),
            description: description.map(|d| Text::from(&*d)),
        })
    }

    pub(super) fn check(&mut self, e: Elem<'a>) -> Result<Check, Error> {
        const NAMES: [&str; 7] = [
            "kind",
            "severity",
            "minBytes",
            "family",
            "minVersion",
            "path",
            "key",
        ];
        let [kind, severity, min_bytes, family, min_version, path, key] =
            self.xml.attrs(&e, NAMES)?;
        let kind_text = self.required(&e, "kind", kind)?;
        let severity = self.required(&e, "severity", severity)?;
        let severity = self.one_of(
            &e,
            "severity",
            &severity,
            &[
                ("block", Severity::Block),
                ("warn", Severity::Warn),
                ("info", Severity::Info),
            ],
        )?;
        // Which of minBytes, family, minVersion, path, key each kind takes.
        let (kind, takes) = match &*kind_text {
            "diskFree" | "memory" => {
                let min = self.required(&e, "minBytes", min_bytes.clone())?;
                let min_bytes = self.u64(&e, "minBytes", &min, "check")?;
                let kind = if &*kind_text == "diskFree" {
                    CheckKind::DiskFree { min_bytes }
                } else {
                    CheckKind::Memory { min_bytes }
                };
                (kind, [true, false, false, false, false])
            }
            "os" => {
                let family = self.text(&e, "family", family.clone())?;
                let min_version = match &min_version {
                    Some(v) => Some(self.version(&e, "minVersion", v)?),
                    None => None,
                };
                (
                    CheckKind::Os {
                        family,
                        min_version,
                    },
                    [false, true, true, false, false],
                )
            }
            "fileExists" => (
                CheckKind::FileExists {
                    path: self.text(&e, "path", path.clone())?,
                },
                [false, false, false, true, false],
            ),
            "registryKey" => (
                CheckKind::RegistryKey {
                    key: self.text(&e, "key", key.clone())?,
                },
                [false, false, false, false, true],
            ),
            other => {
                return Err(self.bad(
                    &e,
                    format!(
                        "check kind: `kind` is {other:?}; it must be one of diskFree, memory, os, fileExists, registryKey"
                    ),
                ));
            }
        };
        let given = [&min_bytes, &family, &min_version, &path, &key];
        for ((value, takes), name) in given.iter().zip(takes).zip(&NAMES[2..]) {
            if value.is_some() && !takes {
                return Err(self.bad(
                    &e,
                    format!(
                        "check kind: `{name}` does not apply to a {kind_text} check; remove it"
                    ),
                ));
            }
        }
        self.leaf(&e)?;
        Ok(Check { kind, severity })
    }

    /// `category`: required of optional components, refused on others.
    fn category(
        &self,
        e: &Elem<'_>,
        kind: ProductKind,
        category: Option<Cow<'_, str>>,
    ) -> Result<Option<Category>, Error> {
        match (kind, category) {
            (ProductKind::Optional, Some(c)) => self
                .one_of(
                    e,
                    "category",
                    &c,
                    &[
                        ("documentation", Category::Documentation),
                        ("language", Category::Language),
                        ("migration", Category::Migration),
                    ],
                )
                .map(Some),
            (ProductKind::Optional, None) => Err(self.bad(
                e,
                "optional component: an optional component needs `category` (documentation, language or migration); add it",
            )),
            (_, Some(_)) => Err(self.bad(
                e,
                "optional component: `category` belongs to optional components only (kind=\"optional\"); remove it",
            )),
            (_, None) => Ok(None),
        }
    }

    /// `appliesTo`: the product ids a documentation or language component
    /// applies to, required of those and refused on others.
    fn applies_to(
        &self,
        e: &Elem<'_>,
        category: Option<Category>,
        applies_to: Option<Cow<'_, str>>,
    ) -> Result<Box<[Text]>, Error> {
        match (category, applies_to) {
            (Some(Category::Documentation | Category::Language), Some(list)) => {
                let ids: Box<[Text]> = list.split_ascii_whitespace().map(Text::from).collect();
                for id in &ids {
                    self.product_id(e, "appliesTo", id)?;
                }
                if ids.is_empty() {
                    return Err(self.bad(
                        e,
                        "optional component: `appliesTo` is empty; name the products it applies to",
                    ));
                }
                Ok(ids)
            }
            (Some(Category::Documentation | Category::Language), None) => Err(self.bad(
                e,
                "optional component: a documentation or language component needs `appliesTo` (the product ids it applies to, space-separated); add it",
            )),
            (_, Some(_)) => Err(self.bad(
                e,
                "optional component: `appliesTo` belongs to documentation and language components only; remove it",
            )),
            (_, None) => Ok(Box::default()),
        }
    }
}

/// The lists of the release being read, gathered here and then handed to
/// it as shared slices of their exact length: the model is kept whole for
/// the run, and releases share the lists they have alike. Emptied, not
/// dropped, between releases: their room is allocated once for the whole
/// document.
#[derive(Default)]
pub(super) struct Lists {
    requires: Vec<Dependency>,
    recommends: Vec<Dependency>,
    upgrades_from: Vec<Requirement>,
    replaces: Vec<Text>,
    properties: Vec<Property>,
    checks: Vec<Check>,
    /// Every list of the document so far, once each.
    dependencies: Shared<Dependency>,
    requirements: Shared<Requirement>,
    ids: Shared<Text>,
    declared: Shared<Property>,
    checked: Shared<Check>,
}

/// The distinct lists of one kind seen so far.
type Shared<T> = FxHashSet<List<T>>;

/// `list` as a shared list, the one already seen when there is one; `list`
/// is left empty.
fn share<T: Eq + Hash>(seen: &mut Shared<T>, list: &mut Vec<T>) -> List<T> {
    if list.is_empty() {
        return List::default();
    }
    if let Some(found) = seen.get(list.as_slice()) {
        list.clear();
        return found.clone();
    }
    let new: List<T> = list.drain(..).collect();
    seen.insert(new.clone());
    new
}

impl Lists {
    fn clear(&mut self) {
        self.requires.clear();
        self.recommends.clear();
        self.upgrades_from.clear();
        self.replaces.clear();
        self.properties.clear();
        self.checks.clear();
    }

    /// Moves every list into `release`, leaving these empty.
    fn fill(&mut self, release: &mut Release) {
        release.requires = share(&mut self.dependencies, &mut self.requires);
        release.recommends = share(&mut self.dependencies, &mut self.recommends);
        release.upgrades_from = share(&mut self.requirements, &mut self.upgrades_from);
        release.replaces = share(&mut self.ids, &mut self.replaces);
        release.properties = share(&mut self.declared, &mut self.properties);
        release.checks = share(&mut self.checked, &mut self.checks);
    }
}
