//! Building the model from one listing document: each element of the
//! contract, its attributes checked and converted, in one pass over the
//! events of `xml`. Rules that span elements across the whole catalog
//! (references, cycles, unique ids) are in `validate`.

use super::Error;
use super::model::*;
use super::position::Doc;
use super::version::{Requirement, Version};
use super::xml::{Elem, Events, NAMESPACE, Step, Tag};
use bundle_format::manifest::check_name;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::HashMap;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use url::Url;

/// Byte offsets of the elements the catalog-wide rules point at, each vector
/// in document order: the n-th release of the listing (product by product,
/// releases as written) is at `releases[n]`, its `requires` follow those of the
/// releases before it in `requires`, and so on. Flat, so that marking costs no
/// allocation per element.
#[derive(Default)]
pub(crate) struct Marks<'a> {
    /// Every payload, in document order.
    pub files: Vec<FileMark<'a>>,
    pub eulas: Vec<usize>,
    pub products: Vec<usize>,
    pub releases: Vec<usize>,
    pub requires: Vec<usize>,
    pub recommends: Vec<usize>,
    pub replaces: Vec<usize>,
    pub hotfixes: Vec<usize>,
    pub critical_updates: Vec<usize>,
}

/// A payload as the run-wide file rules see it.
pub(crate) struct FileMark<'a> {
    /// Its `file`.
    pub name: Cow<'a, str>,
    pub size: u64,
    /// Offset of its `<payload>`.
    pub at: usize,
}

/// Parses one document. `base` is the URL relative payload URLs resolve against.
/// The result keeps the element positions `validate` needs.
pub(crate) fn parse<'a>(doc: Doc<'a>, base: &'a Url) -> Result<(Listing, Marks<'a>), Error> {
    let mut cursor = Cursor {
        xml: Events::new(doc)?,
        doc,
        base,
        base_dir: base.join(".").map(String::from).unwrap_or_default(),
        marks: Marks {
            // Roughly one payload per 500 bytes of a large listing: sized once.
            files: Vec::with_capacity(doc.text.len() / 500),
            ..Marks::default()
        },
    };
    let root = match cursor.xml.next()? {
        Step::Child(root) => root,
        Step::Close | Step::End => {
            return Err(doc.invalid(
                doc.text.len(),
                "productListing",
                format!("the document has no <productListing xmlns=\"{NAMESPACE}\"> root element"),
            ));
        }
    };
    let mut listing = cursor.listing(root)?;
    // After the root only the end of the document can come: `next` refuses a
    // second root element itself.
    if let Step::Child(e) = cursor.xml.next()? {
        return Err(cursor.xml.misplaced(&e, "the document", "nothing"));
    }
    listing.sha256 = Sha256::digest(doc.text.as_bytes()).into();
    Ok((listing, cursor.marks))
}

/// One document's parse in progress: its events, where its relative URLs
/// resolve, and what has been seen so far.
struct Cursor<'a> {
    xml: Events<'a>,
    doc: Doc<'a>,
    base: &'a Url,
    /// The folder URL of the listing (`…/`); a local listing's relative
    /// payload URLs must stay in it.
    base_dir: String,
    marks: Marks<'a>,
}

impl<'a> Cursor<'a> {
    /// Children of `parent` until its end tag, each handed to `f`.
    fn children(
        &mut self,
        parent: &Elem<'a>,
        mut f: impl FnMut(&mut Self, Elem<'a>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        if !parent.open {
            return Ok(());
        }
        loop {
            match self.xml.next()? {
                Step::Child(child) => f(self, child)?,
                Step::Close => return Ok(()),
                Step::End => {
                    return Err(self.doc.invalid(
                        parent.at,
                        parent.tag.name(),
                        "the document ends inside this element; close it",
                    ));
                }
            }
        }
    }

    /// An element that takes no children.
    fn leaf(&mut self, e: &Elem<'a>) -> Result<(), Error> {
        self.children(e, |cur, child| {
            Err(cur.xml.misplaced(&child, e.tag.name(), "no child elements"))
        })
    }

    fn bad(&self, e: &Elem<'_>, message: impl Into<String>) -> Error {
        self.doc.invalid(e.at, e.tag.name(), message)
    }

    fn required<'v>(
        &self,
        e: &Elem<'_>,
        name: &str,
        value: Option<Cow<'v, str>>,
    ) -> Result<Cow<'v, str>, Error> {
        match value {
            Some(v) if !v.trim().is_empty() => Ok(v),
            Some(_) => Err(self.bad(
                e,
                format!("required attribute: `{name}` is empty; give it a value"),
            )),
            None => Err(self.bad(
                e,
                format!(
                    "required attribute: <{}> needs `{name}`; add it",
                    e.tag.name()
                ),
            )),
        }
    }

    /// `value` borrowed from the document itself when it is written there as is
    /// (no entity to replace), so it can outlive the element it was read from.
    fn in_document(&self, value: &str) -> Cow<'a, str> {
        let text = self.doc.text;
        let offset = (value.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
        match text.get(offset..offset + value.len()) {
            Some(slice) if std::ptr::eq(slice.as_ptr(), value.as_ptr()) => Cow::Borrowed(slice),
            _ => Cow::Owned(value.to_string()),
        }
    }

    fn text(&self, e: &Elem<'_>, name: &str, value: Option<Cow<'_, str>>) -> Result<String, Error> {
        self.required(e, name, value).map(Cow::into_owned)
    }

    fn version(&self, e: &Elem<'_>, name: &str, value: &str) -> Result<Version, Error> {
        value.trim().parse().map_err(|err| {
            self.bad(
                e,
                format!("version syntax: `{name}`: {err}; write 1 to 4 dot-separated numbers, like 8.0.2298.0"),
            )
        })
    }

    fn requirement(&self, e: &Elem<'_>, name: &str, value: &str) -> Result<Requirement, Error> {
        value.parse().map_err(|err| {
            self.bad(
                e,
                format!(
                    "requirement syntax: `{name}`: {err}; write comparators joined by commas, like >=7.6,<8.1 or 8.0.*"
                ),
            )
        })
    }

    fn u64(&self, e: &Elem<'_>, name: &str, value: &str, rule: &str) -> Result<u64, Error> {
        let digits = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
        match value.parse::<u64>() {
            Ok(n) if digits => Ok(n),
            _ => Err(self.bad(
                e,
                format!(
                    "{rule}: `{name}` {value:?} is not an unsigned 64-bit number; write decimal digits only (at most 18446744073709551615)"
                ),
            )),
        }
    }

    fn date(&self, e: &Elem<'_>, name: &str, value: &str) -> Result<OffsetDateTime, Error> {
        OffsetDateTime::parse(value, &Rfc3339).map_err(|err| {
            self.bad(
                e,
                format!(
                    "date: `{name}` {value:?} is not an RFC 3339 date ({err}); write it like 2026-11-20T10:00:00Z"
                ),
            )
        })
    }

    fn flag(&self, e: &Elem<'_>, name: &str, value: Option<&str>) -> Result<bool, Error> {
        match value {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(self.bad(
                e,
                format!("boolean: `{name}` is {other:?}; write true or false"),
            )),
        }
    }

    fn one_of<T: Copy>(
        &self,
        e: &Elem<'_>,
        name: &str,
        value: &str,
        choices: &[(&str, T)],
    ) -> Result<T, Error> {
        choices
            .iter()
            .find(|(text, _)| *text == value)
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                let allowed: Vec<&str> = choices.iter().map(|(t, _)| *t).collect();
                self.bad(
                    e,
                    format!(
                        "allowed values: `{name}` is {value:?}; it must be one of {}",
                        allowed.join(", ")
                    ),
                )
            })
    }

    fn product_id(&self, e: &Elem<'_>, name: &str, value: &str) -> Result<(), Error> {
        if is_product_id(value) {
            return Ok(());
        }
        Err(self.bad(
            e,
            format!(
                "id syntax: `{name}` {value:?} is not a product id; ids match [a-z0-9][a-z0-9._-]* (lowercase letters, digits, '.', '_', '-')"
            ),
        ))
    }

    /// An id of an eula, hot fix or critical update: non-empty, no spaces.
    fn plain_id(&self, e: &Elem<'_>, value: &str) -> Result<(), Error> {
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(self.bad(
                e,
                format!(
                    "id syntax: `id` {value:?} contains spaces or control characters; remove them"
                ),
            ));
        }
        Ok(())
    }

    // ---- elements -----------------------------------------------------------

    fn listing(&mut self, root: Elem<'a>) -> Result<Listing, Error> {
        let [vendor, name, serial, published] = self
            .xml
            .attrs(&root, ["vendor", "name", "serial", "published"])?;
        let vendor = self.text(&root, "vendor", vendor)?;
        if !vendor
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | '_' | '-'))
        {
            return Err(self.bad(
                &root,
                format!(
                    "vendor charset: `vendor` {vendor:?} may contain only letters, digits, space, '.', '_' and '-' (it names bundle files)"
                ),
            ));
        }
        check_name(&vendor).map_err(|problem| {
            self.bad(
                &root,
                format!(
                    "rule 8: `vendor` is used as a folder name (<Vendor>/Components), and {problem}; give the vendor a plain name"
                ),
            )
        })?;
        let name = self.text(&root, "name", name)?;
        let serial = self.required(&root, "serial", serial)?;
        let serial = self.u64(&root, "serial", &serial, "serial")?;
        let published = self.required(&root, "published", published)?;
        let published = self.date(&root, "published", &published)?;
        let mut listing = Listing {
            source: self.doc.name.to_string(),
            base: self.base.clone(),
            sha256: [0; 32],
            bytes: Default::default(),
            vendor,
            name,
            serial,
            published,
            installer: None,
            eulas: Vec::new(),
            products: Vec::new(),
            hotfixes: Vec::new(),
            critical_updates: Vec::new(),
        };
        self.children(&root, |cur, child| {
            match child.tag {
                Tag::Installer if listing.installer.is_some() => {
                    return Err(cur.bad(
                        &child,
                        "one installer: a listing has at most one <installer>; remove the others",
                    ));
                }
                Tag::Installer => listing.installer = Some(cur.installer(child)?),
                Tag::Eula => {
                    cur.marks.eulas.push(child.at);
                    listing.eulas.push(cur.eula(child)?);
                }
                Tag::Product => {
                    cur.marks.products.push(child.at);
                    listing.products.push(cur.product(child)?);
                }
                Tag::Hotfix => {
                    cur.marks.hotfixes.push(child.at);
                    listing.hotfixes.push(cur.hotfix(child)?);
                }
                Tag::CriticalUpdate => {
                    cur.marks.critical_updates.push(child.at);
                    listing.critical_updates.push(cur.critical_update(child)?);
                }
                _ => {
                    return Err(cur.xml.misplaced(
                        &child,
                        "productListing",
                        "installer, eula, product, hotfix or criticalUpdate",
                    ));
                }
            }
            Ok(())
        })?;
        Ok(listing)
    }

    /// The one payload child of `e`, of one of `kinds`.
    fn single_payload(&mut self, e: &Elem<'a>, kinds: &[PayloadKind]) -> Result<Payload, Error> {
        let mut payload = None;
        self.children(e, |cur, child| {
            if child.tag != Tag::Payload {
                return Err(cur.xml.misplaced(&child, e.tag.name(), "one <payload>"));
            }
            if payload.is_some() {
                return Err(cur.bad(
                    &child,
                    format!(
                        "one payload: <{}> has exactly one <payload>; remove this one",
                        e.tag.name()
                    ),
                ));
            }
            payload = Some(cur.payload(child, kinds, e.tag)?);
            Ok(())
        })?;
        payload.ok_or_else(|| {
            self.bad(
                e,
                format!(
                    "one payload: <{}> needs one <payload> child; add it",
                    e.tag.name()
                ),
            )
        })
    }

    fn installer(&mut self, e: Elem<'a>) -> Result<Installer, Error> {
        let [name, version] = self.xml.attrs(&e, ["name", "version"])?;
        let name = self.text(&e, "name", name)?;
        let version = self.required(&e, "version", version)?;
        let version = self.version(&e, "version", &version)?;
        let payload = self.single_payload(&e, &[PayloadKind::Exe, PayloadKind::Msi])?;
        Ok(Installer {
            name,
            version,
            payload,
        })
    }

    fn eula(&mut self, e: Elem<'a>) -> Result<Eula, Error> {
        let [id, title] = self.xml.attrs(&e, ["id", "title"])?;
        let id = self.text(&e, "id", id)?;
        self.plain_id(&e, &id)?;
        let title = self.text(&e, "title", title)?;
        let payload = self.single_payload(&e, &[PayloadKind::Text])?;
        Ok(Eula { id, title, payload })
    }

    fn payload(
        &mut self,
        e: Elem<'a>,
        kinds: &[PayloadKind],
        owner: Tag,
    ) -> Result<Payload, Error> {
        let [kind, file, url, size, sha256, product_code, args] = self.xml.attrs(
            &e,
            [
                "kind",
                "file",
                "url",
                "size",
                "sha256",
                "productCode",
                "args",
            ],
        )?;
        let kind = self.required(&e, "kind", kind)?;
        let kind = self.one_of(
            &e,
            "kind",
            &kind,
            &[
                ("msi", PayloadKind::Msi),
                ("msp", PayloadKind::Msp),
                ("exe", PayloadKind::Exe),
                ("text", PayloadKind::Text),
            ],
        )?;
        if !kinds.contains(&kind) {
            let allowed: Vec<&str> = kinds.iter().map(|k| kind_name(*k)).collect();
            return Err(self.bad(
                &e,
                format!(
                    "payload kind: a payload of <{}> is of kind {}, not {}",
                    owner.name(),
                    allowed.join(" or "),
                    kind_name(kind)
                ),
            ));
        }
        let file = self.required(&e, "file", file)?;
        check_name(&file).map_err(|problem| {
            self.bad(
                &e,
                format!(
                    "rule 8: `file`: {problem}; give a plain file name (it names the file inside a bundle)"
                ),
            )
        })?;
        let url = self.required(&e, "url", url)?;
        let url = self.url(&e, &url)?;
        let size = self.required(&e, "size", size)?;
        let size = self.u64(&e, "size", &size, "rule 3")?;
        self.marks.files.push(FileMark {
            name: self.in_document(&file),
            size,
            at: e.at,
        });
        let sha256 = self.required(&e, "sha256", sha256)?;
        let mut digest = [0u8; 32];
        if sha256.len() != 64 || hex::decode_to_slice(sha256.as_bytes(), &mut digest).is_err() {
            return Err(self.bad(
                &e,
                format!(
                    "rule 3: `sha256` {sha256:?} is not 64 hex digits; write the file's SHA-256 digest in hexadecimal"
                ),
            ));
        }
        let product_code = match product_code {
            Some(_) if kind != PayloadKind::Msi => {
                return Err(self.bad(
                    &e,
                    "msi only: `productCode` belongs to msi payloads only; remove it",
                ));
            }
            Some(code) if !is_guid(&code) => {
                return Err(self.bad(
                    &e,
                    format!(
                        "productCode syntax: `productCode` {code:?} is not a GUID in braces, like {{6C0B2B2E-1F3A-4D5E-9A7B-0C1D2E3F4A5B}}"
                    ),
                ));
            }
            code => code.map(Cow::into_owned),
        };
        let args = match args {
            Some(_) if kind != PayloadKind::Exe => {
                return Err(self.bad(
                    &e,
                    "exe only: `args` belongs to exe payloads only; remove it",
                ));
            }
            args => args.map(Cow::into_owned),
        };
        self.leaf(&e)?;
        Ok(Payload {
            kind,
            file: file.into_owned(),
            url,
            size,
            sha256: digest,
            product_code,
            args,
        })
    }

    /// A payload URL, absolute or resolved against the listing's own URL.
    fn url(&self, e: &Elem<'_>, text: &str) -> Result<Url, Error> {
        let not_url = |err: url::ParseError| {
            self.bad(
                e,
                format!("payload url: `url` {text:?} is not a URL ({err}); write an absolute http(s) URL or one relative to the listing"),
            )
        };
        if is_plain_path(text) && !self.base_dir.is_empty() {
            // The common case, a path below the listing's folder: one parse, no join.
            let mut full = String::with_capacity(self.base_dir.len() + text.len());
            full.push_str(&self.base_dir);
            full.push_str(text);
            return Url::parse(&full).map_err(not_url);
        }
        let url = self.base.join(text).map_err(not_url)?;
        if !matches!(url.scheme(), "http" | "https" | "file") {
            return Err(self.bad(
                e,
                format!(
                    "payload url: `url` {text:?} uses the scheme {:?}; only http, https and file are fetched",
                    url.scheme()
                ),
            ));
        }
        let relative = Url::parse(text) == Err(url::ParseError::RelativeUrlWithoutBase);
        if self.base.scheme() == "file"
            && relative
            && !url.as_str().starts_with(self.base_dir.as_str())
        {
            return Err(self.bad(
                e,
                format!(
                    "payload url: `url` {text:?} leaves the listing's folder; a local listing's relative URLs stay inside its folder (no ../ or /)"
                ),
            ));
        }
        Ok(url)
    }

    fn product(&mut self, e: Elem<'a>) -> Result<Product, Error> {
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
        let category = match (kind, category) {
            (ProductKind::Optional, Some(c)) => Some(self.one_of(
                &e,
                "category",
                &c,
                &[
                    ("documentation", Category::Documentation),
                    ("language", Category::Language),
                    ("migration", Category::Migration),
                ],
            )?),
            (ProductKind::Optional, None) => {
                return Err(self.bad(
                    &e,
                    "optional component: an optional component needs `category` (documentation, language or migration); add it",
                ));
            }
            (_, Some(_)) => {
                return Err(self.bad(
                    &e,
                    "optional component: `category` belongs to optional components only (kind=\"optional\"); remove it",
                ));
            }
            (_, None) => None,
        };
        let applies_to: Vec<String> = match (category, applies_to) {
            (Some(Category::Documentation | Category::Language), Some(list)) => {
                let ids: Vec<String> = list.split_ascii_whitespace().map(String::from).collect();
                for id in &ids {
                    self.product_id(&e, "appliesTo", id)?;
                }
                if ids.is_empty() {
                    return Err(self.bad(
                        &e,
                        "optional component: `appliesTo` is empty; name the products it applies to",
                    ));
                }
                ids
            }
            (Some(Category::Documentation | Category::Language), None) => {
                return Err(self.bad(
                    &e,
                    "optional component: a documentation or language component needs `appliesTo` (the product ids it applies to, space-separated); add it",
                ));
            }
            (_, Some(_)) => {
                return Err(self.bad(
                    &e,
                    "optional component: `appliesTo` belongs to documentation and language components only; remove it",
                ));
            }
            (_, None) => Vec::new(),
        };
        let retain_on_cascade = self.flag(&e, "retainOnCascade", retain.as_deref())?;
        let mut releases: Vec<Release> = Vec::new();
        // Each version's position, so a product with many releases is not quadratic.
        let mut seen: HashMap<Version, usize> = HashMap::new();
        let first_release = self.marks.releases.len();
        self.children(&e, |cur, child| {
            if child.tag != Tag::Release {
                return Err(cur.xml.misplaced(&child, "product", "<release>"));
            }
            let at = child.at;
            cur.marks.releases.push(at);
            let release = cur.release(child, kind)?;
            if let Some(&i) = seen.get(&release.version) {
                return Err(cur.doc.invalid(
                    at,
                    "release",
                    format!(
                        "unique release version: release {} of {id:?} is already listed at {} (missing parts count as 0); each release of a product has its own version",
                        release.version,
                        cur.doc.location(cur.marks.releases[first_release + i])
                    ),
                ));
            }
            seen.insert(release.version, releases.len());
            releases.push(release);
            Ok(())
        })?;
        if releases.is_empty() {
            return Err(self.bad(
                &e,
                "product releases: a product needs at least one <release>; add one",
            ));
        }
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

    fn release(&mut self, e: Elem<'a>, kind: ProductKind) -> Result<Release, Error> {
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
            label: label.map(Cow::into_owned),
            eula: eula.map(Cow::into_owned),
            license,
            arch,
            published,
            ..Release::new(version)
        };
        // Each property's offset by name: msiexec takes one value per name.
        let mut property_at: HashMap<String, usize> = HashMap::new();
        self.children(&e, |cur, child| {
            match child.tag {
                Tag::Payload if kind == ProductKind::Suite => {
                    return Err(cur.bad(
                        &child,
                        "suite release: a suite's release has no payload (a suite is a set of other products); remove it, or make the product a solution",
                    ));
                }
                Tag::Payload if release.payload.is_some() => {
                    return Err(cur.bad(
                        &child,
                        "one payload: a release has exactly one <payload>; remove this one",
                    ));
                }
                Tag::Payload => {
                    release.payload =
                        Some(cur.payload(child, &[PayloadKind::Msi, PayloadKind::Exe], Tag::Release)?)
                }
                Tag::Requires => {
                    cur.marks.requires.push(child.at);
                    release.requires.push(cur.dependency(child)?);
                }
                Tag::Recommends => {
                    cur.marks.recommends.push(child.at);
                    release.recommends.push(cur.dependency(child)?);
                }
                Tag::UpgradesFrom => {
                    let [version] = cur.xml.attrs(&child, ["version"])?;
                    let version = cur.required(&child, "version", version)?;
                    let requirement = cur.requirement(&child, "version", &version)?;
                    cur.leaf(&child)?;
                    release.upgrades_from.push(requirement);
                }
                Tag::Replaces => {
                    let [product] = cur.xml.attrs(&child, ["product"])?;
                    let product = cur.text(&child, "product", product)?;
                    cur.product_id(&child, "product", &product)?;
                    cur.leaf(&child)?;
                    cur.marks.replaces.push(child.at);
                    release.replaces.push(product);
                }
                Tag::Property => {
                    let at = child.at;
                    let property = cur.property(child)?;
                    if let Some(&first) = property_at.get(&property.name) {
                        return Err(cur.doc.invalid(
                            at,
                            "property",
                            format!(
                                "unique property: property {:?} is already declared in this release at {}; declare each property once",
                                property.name,
                                cur.doc.location(first)
                            ),
                        ));
                    }
                    property_at.insert(property.name.clone(), at);
                    release.properties.push(property);
                }
                Tag::Check => release.checks.push(cur.check(child)?),
                _ => {
                    return Err(cur.xml.misplaced(
                        &child,
                        "release",
                        "payload, requires, recommends, upgradesFrom, replaces, property or check",
                    ));
                }
            }
            Ok(())
        })?;
        if kind != ProductKind::Suite && release.payload.is_none() {
            return Err(self.bad(
                &e,
                "one payload: a release of a solution or optional component needs one <payload>; add it",
            ));
        }
        Ok(release)
    }

    fn dependency(&mut self, e: Elem<'a>) -> Result<Dependency, Error> {
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

    fn property(&mut self, e: Elem<'a>) -> Result<Property, Error> {
        let [name, required, secret, default, description] = self
            .xml
            .attrs(&e, ["name", "required", "secret", "default", "description"])?;
        let name = self.text(&e, "name", name)?;
        if name.contains(|c: char| c.is_whitespace() || c == '=') {
            return Err(self.bad(
                &e,
                format!("property name: {name:?} contains spaces or '='; write a Windows Installer property name"),
            ));
        }
        let required = self.flag(&e, "required", required.as_deref())?;
        let secret = self.flag(&e, "secret", secret.as_deref())?;
        self.leaf(&e)?;
        Ok(Property {
            name,
            required,
            secret,
            default: default.map(Cow::into_owned),
            description: description.map(Cow::into_owned),
        })
    }

    fn check(&mut self, e: Elem<'a>) -> Result<Check, Error> {
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

    fn hotfix(&mut self, e: Elem<'a>) -> Result<Hotfix, Error> {
        let [id, product, base, version, label, severity, published] = self.xml.attrs(
            &e,
            [
                "id",
                "product",
                "base",
                "version",
                "label",
                "severity",
                "published",
            ],
        )?;
        let id = self.text(&e, "id", id)?;
        self.plain_id(&e, &id)?;
        let product = self.text(&e, "product", product)?;
        self.product_id(&e, "product", &product)?;
        let base = self.required(&e, "base", base)?;
        let base = self.version(&e, "base", &base)?;
        let version = self.required(&e, "version", version)?;
        let version = self.version(&e, "version", &version)?;
        if version <= base {
            return Err(self.bad(
                &e,
                format!(
                    "hot fix version: `version` {version} is not greater than its `base` {base}; a hot fix raises the product's version"
                ),
            ));
        }
        let severity = self.required(&e, "severity", severity)?;
        let severity = self.one_of(
            &e,
            "severity",
            &severity,
            &[
                ("critical", HotfixSeverity::Critical),
                ("recommended", HotfixSeverity::Recommended),
            ],
        )?;
        let published = match published {
            Some(p) => Some(self.date(&e, "published", &p)?),
            None => None,
        };
        let label = label.map(Cow::into_owned);
        let payload = self.single_payload(&e, &[PayloadKind::Msp, PayloadKind::Msi])?;
        Ok(Hotfix {
            id,
            product,
            base,
            version,
            label,
            severity,
            published,
            payload,
        })
    }

    /// `resolved_by` is read as a hot fix id here; `validate` turns it into a
    /// release version when no hot fix has that id.
    fn critical_update(&mut self, e: Elem<'a>) -> Result<CriticalUpdate, Error> {
        let [id, product, affects, resolved_by, message] = self
            .xml
            .attrs(&e, ["id", "product", "affects", "resolvedBy", "message"])?;
        let id = self.text(&e, "id", id)?;
        self.plain_id(&e, &id)?;
        let product = self.text(&e, "product", product)?;
        self.product_id(&e, "product", &product)?;
        let affects = self.required(&e, "affects", affects)?;
        let affects = self.requirement(&e, "affects", &affects)?;
        let resolved_by = self.text(&e, "resolvedBy", resolved_by)?;
        let message = self.text(&e, "message", message)?;
        self.leaf(&e)?;
        Ok(CriticalUpdate {
            id,
            product,
            affects,
            resolved_by: Resolution::Hotfix(resolved_by),
            message,
        })
    }
}

fn kind_name(kind: PayloadKind) -> &'static str {
    match kind {
        PayloadKind::Msi => "msi",
        PayloadKind::Msp => "msp",
        PayloadKind::Exe => "exe",
        PayloadKind::Text => "text",
    }
}

/// A relative path of plain segments (`msi/a-1.0.msi`): no scheme, query,
/// fragment, `.` or `..` segment, nothing to escape; it resolves to the
/// listing's folder followed by itself.
fn is_plain_path(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._~-/".contains(&b))
        && text.split('/').all(|s| !matches!(s, "" | "." | ".."))
}

/// `[a-z0-9][a-z0-9._-]*`
pub(crate) fn is_product_id(text: &str) -> bool {
    let mut bytes = text.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

/// `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`, hex digits of either case.
pub(crate) fn is_guid(text: &str) -> bool {
    let Some(inner) = text.strip_prefix('{').and_then(|t| t.strip_suffix('}')) else {
        return false;
    };
    let mut groups = inner.split('-');
    [8, 4, 4, 4, 12].iter().all(|&n| {
        groups
            .next()
            .is_some_and(|g| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
    }) && groups.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The one-parse path for plain relative URLs gives what `Url::join` gives.
        #[test]
        fn plain_paths_resolve_like_join(
            segments in prop::collection::vec("[a-zA-Z0-9._~-]{1,8}", 1..5),
            base in prop::sample::select(vec![
                "https://vendor.example/listings/itms.pl.xml?token=1",
                "http://127.0.0.1:8080/itms.pl.xml",
                "file:///srv/vendor%20site/itms.pl.xml.zip",
            ]),
        ) {
            let text = segments.join("/");
            prop_assume!(is_plain_path(&text));
            let base = Url::parse(base).unwrap();
            let dir = String::from(base.join(".").unwrap());
            prop_assert_eq!(Url::parse(&format!("{dir}{text}")).unwrap(), base.join(&text).unwrap());
        }
    }

    #[test]
    fn plain_paths_exclude_what_join_treats_specially() {
        for text in [
            "", "/a", "a//b", "./a", "a/../b", "..", "a?b", "a#b", "a b", "a%20b", "c:x", "a\\b",
        ] {
            assert!(!is_plain_path(text), "{text}");
        }
        assert!(is_plain_path("msi/smp-8.0.2298.0.msi"));
    }

    #[test]
    fn guids_are_braced_8_4_4_4_12_hex() {
        assert!(is_guid("{6C0B2B2E-1F3A-4d5e-9A7B-0C1D2E3F4A5B}"));
        for bad in [
            "6C0B2B2E-1F3A-4D5E-9A7B-0C1D2E3F4A5B",
            "{6C0B2B2E-1F3A-4D5E-9A7B-0C1D2E3F4A5}",
            "{6C0B2B2E-1F3A-4D5E-9A7B-0C1D2E3F4A5B-0}",
            "{6C0B2B2E-1F3A-4D5E-9A7B0C1D2E3F4A5B}",
            "{6C0B2B2G-1F3A-4D5E-9A7B-0C1D2E3F4A5B}",
        ] {
            assert!(!is_guid(bad), "{bad}");
        }
    }
}
