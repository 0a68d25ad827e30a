//! `<product>` and what a release holds: `<release>`, its dependencies
//! (`requires`, `recommends`, `upgradesFrom`, `replaces`), `<property>` and
//! `<check>`.

use super::{Cursor, offset};
use crate::listing::Error;
use crate::listing::model::*;
use crate::listing::version::Requirement;
use crate::listing::xml::{Elem, Tag};
use hashbrown::HashTable;
use rustc_hash::{FxBuildHasher, FxHashMap, FxHashSet};
use std::borrow::Cow;
use std::hash::{BuildHasher, Hash};

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
        // Gathered in room kept from product to product, then handed over
        // as a slice of their exact number.
        let mut releases = std::mem::take(&mut self.lists.releases);
        releases.clear();
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
        let product_releases = releases.drain(..).collect();
        self.lists.releases = releases;
        Ok(Product {
            id,
            name,
            kind,
            category,
            applies_to,
            retain_on_cascade,
            releases: product_releases,
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
            label: label.map(|l| self.lists.shared_text(&l)),
            eula: eula.map(|id| self.lists.shared_text(&id)),
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
        let requirement = self.shared_requirement(&e, &version)?;
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

    /// The requirement `value` of `e`'s `version`: the one read before when
    /// the listing wrote the same text before (a vendor states the same
    /// range across a suite), so that it is kept once.
    fn shared_requirement(&mut self, e: &Elem<'_>, value: &str) -> Result<Requirement, Error> {
        if let Some(found) = self.lists.requirement_of.get(value) {
            return Ok(found.clone());
        }
        let requirement = self.requirement(e, "version", value)?;
        self.lists
            .requirement_of
            .insert(value.into(), requirement.clone());
        Ok(requirement)
    }

    pub(super) fn dependency(&mut self, e: Elem<'a>) -> Result<Dependency, Error> {
        let [product, version] = self.xml.attrs(&e, ["product", "version"])?;
        let product = self.text(&e, "product", product)?;
        self.product_id(&e, "product", &product)?;
        let version = match version {
            Some(v) => self.shared_requirement(&e, &v)?,
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
    ) -> Result<List<Text>, Error> {
        match (category, applies_to) {
            (Some(Category::Documentation | Category::Language), Some(list)) => {
                let ids: List<Text> = list.split_ascii_whitespace().map(Text::from).collect();
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
            (_, None) => Ok(List::default()),
        }
    }
}

/// The lists of the release being read, gathered here and then handed to
/// it as shared slices of their exact length: the model is kept whole for
/// the run, and releases share the lists they have alike. Emptied, not
/// dropped, between releases: their room is allocated once for the whole
/// document. With them, the releases of the product being read and the
/// requirements read so far.
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
    releases: Vec<Release>,
    /// Every requirement of the document so far, by its text.
    requirement_of: FxHashMap<Box<str>, Requirement>,
    /// Every label and `eula` id of the document so far.
    texts: FxHashSet<SharedText>,
}

/// The distinct lists of one kind seen so far, each found by its items as
/// written (see [`Same`]).
type Shared<T> = HashTable<List<T>>;

/// Equal as written, not only in meaning: `>=8` and `>=8.0` accept the same
/// versions, but a release that wrote one must not read back as the other.
/// What a shared list's items are compared by.
trait Same {
    fn same(&self, other: &Self) -> bool;
}

impl Same for Text {
    fn same(&self, other: &Self) -> bool {
        self == other
    }
}

impl Same for Requirement {
    fn same(&self, other: &Self) -> bool {
        Requirement::same(self, other)
    }
}

impl Same for Dependency {
    fn same(&self, other: &Self) -> bool {
        self.product == other.product && self.version.same(&other.version)
    }
}

/// Texts and flags only: equal is written alike.
impl Same for Property {
    fn same(&self, other: &Self) -> bool {
        self == other
    }
}

impl Same for Check {
    fn same(&self, other: &Self) -> bool {
        let versions = match (&self.kind, &other.kind) {
            (
                CheckKind::Os {
                    min_version: Some(mine),
                    ..
                },
                CheckKind::Os {
                    min_version: Some(theirs),
                    ..
                },
            ) => mine.same(theirs),
            _ => true,
        };
        self == other && versions
    }
}

/// `list` as a shared list, the one already seen when there is one; `list`
/// is left empty.
fn share<T: Same + Hash>(seen: &mut Shared<T>, list: &mut Vec<T>) -> List<T> {
    if list.is_empty() {
        return List::default();
    }
    let hash = FxBuildHasher.hash_one(list.as_slice());
    let same = |found: &List<T>| {
        found.len() == list.len() && found.iter().zip(list.iter()).all(|(a, b)| a.same(b))
    };
    if let Some(found) = seen.find(hash, same) {
        let found = found.clone();
        list.clear();
        return found;
    }
    let new = List::take(list);
    seen.insert_unique(hash, new.clone(), |l| FxBuildHasher.hash_one(&**l));
    new
}

impl Lists {
    /// `text` as a shared text, the one already seen when there is one.
    fn shared_text(&mut self, text: &str) -> SharedText {
        if let Some(found) = self.texts.get(text) {
            return found.clone();
        }
        let new = SharedText::from(text);
        self.texts.insert(new.clone());
        new
    }

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

#[cfg(test)]
mod tests {
    use crate::listing::model::*;
    use url::Url;

    /// Suite `s` with one release per entry of `releases` (its version and
    /// children), and suite `a` it depends on.
    fn listing(releases: &[(&str, &str)]) -> Listing {
        let releases: String = releases
            .iter()
            .map(|(version, children)| {
                format!(
                    r#"<release version="{version}" label="L" license="free">{children}</release>"#
                )
            })
            .collect();
        let text = format!(
            r#"<productListing xmlns="urn:airlock:product-listing:1" vendor="V" name="L" serial="1" published="2026-11-20T10:00:00Z">
            <product id="a" name="A" kind="suite"><release version="8.0" license="free"/></product>
            <product id="s" name="S" kind="suite">{releases}</product></productListing>"#
        );
        let base = Url::parse("https://vendor.example/l.pl.xml").unwrap();
        crate::listing::parse_document("l.pl.xml", text.as_bytes(), &base).unwrap()
    }

    /// What reads back of a release's lists, as JSON and messages show them.
    fn shown(release: &Release) -> String {
        let requires: Vec<String> = release
            .requires
            .iter()
            .map(|d| {
                format!(
                    "{} {}",
                    d.product,
                    serde_json::to_string(&d.version).unwrap()
                )
            })
            .collect();
        let upgrades: Vec<String> = release
            .upgrades_from
            .iter()
            .map(|r| r.to_string())
            .collect();
        let checks: Vec<String> = release
            .checks
            .iter()
            .map(|c| match &c.kind {
                CheckKind::Os { min_version, .. } => {
                    format!("{:?}", min_version.map(|v| v.to_string()))
                }
                other => format!("{other:?}"),
            })
            .collect();
        format!("{requires:?} {upgrades:?} {checks:?}")
    }

    /// Releases share what they wrote alike, and only that: a requirement or
    /// version equal in meaning but written otherwise (`>=8` and `>=8.0`)
    /// reads back as each release wrote it.
    #[test]
    fn releases_share_lists_and_requirements_written_alike_and_no_others() {
        let alike = r#"<requires product="a" version="&gt;=8.0"/><upgradesFrom version="7.*"/><check kind="os" family="windows" minVersion="6.2.0" severity="block"/>"#;
        let l = listing(&[
            (
                "1",
                r#"<requires product="a" version="&gt;=8"/><upgradesFrom version="7.0.*"/><check kind="os" family="windows" minVersion="6.2" severity="block"/>"#,
            ),
            ("2", alike),
            ("3", alike),
            (
                "4",
                r#"<requires product="a" version="&gt;=8.0,&lt;10"/><upgradesFrom version="7.0.*"/>"#,
            ),
            ("5", r#"<requires product="a" version="&gt;=8.0,&lt;10"/>"#),
        ]);
        let r = &l.products[1].releases;
        assert_eq!(shown(&r[0]), r#"["a \">=8\""] ["7.0.*"] ["Some(\"6.2\")"]"#);
        assert_eq!(
            shown(&r[1]),
            r#"["a \">=8.0\""] ["7.*"] ["Some(\"6.2.0\")"]"#
        );
        assert_eq!(shown(&r[2]), shown(&r[1]));
        assert_eq!(shown(&r[3]), r#"["a \">=8.0,<10\""] ["7.0.*"] []"#);
        assert_eq!(shown(&r[4]), r#"["a \">=8.0,<10\""] [] []"#);
        // Equal in meaning, so equal as values, but each kept as written.
        assert_eq!(r[0].requires, r[1].requires);
        let same = |a: &[Dependency], b: &[Dependency]| std::ptr::eq(a.as_ptr(), b.as_ptr());
        assert!(!same(&r[0].requires, &r[1].requires));
        assert!(same(&r[1].requires, &r[2].requires));
        assert!(same(&r[3].requires, &r[4].requires));
        assert!(!std::ptr::eq(r[0].checks.as_ptr(), r[1].checks.as_ptr()));
        // The same text, one requirement: the range of release 4 is that of 5.
        let range = |i: usize| r[i].requires[0].version.comparators().as_ptr();
        assert!(std::ptr::eq(range(3), range(4)));
        assert!(!std::ptr::eq(range(1), range(3)));
        // Labels read back as written, one text for the listing.
        assert!(r.iter().all(|r| r.label.as_deref() == Some("L")));
        let label = |i: usize| r[i].label.as_deref().unwrap().as_ptr();
        assert!(std::ptr::eq(label(0), label(4)));
    }
}
