//! The root `<productListing>` and its own attributes, `<installer>` and
//! `<eula>`: what a listing says about itself before its products.

use super::Cursor;
use crate::listing::Error;
use crate::listing::model::*;
use crate::listing::xml::{Elem, Tag};
use bundle_format::manifest::check_name;

impl<'a> Cursor<'a> {
    pub(super) fn listing(&mut self, root: Elem<'a>) -> Result<Listing, Error> {
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
            signature: None,
            vendor_key: None,
            vendor: vendor.into_string(),
            name: name.into_string(),
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
        // Growth leaves room for as many again; the model is kept whole for the run.
        listing.eulas.shrink_to_fit();
        listing.products.shrink_to_fit();
        listing.hotfixes.shrink_to_fit();
        listing.critical_updates.shrink_to_fit();
        Ok(listing)
    }

    pub(super) fn installer(&mut self, e: Elem<'a>) -> Result<Installer, Error> {
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

    pub(super) fn eula(&mut self, e: Elem<'a>) -> Result<Eula, Error> {
        let [id, title] = self.xml.attrs(&e, ["id", "title"])?;
        let id = self.text(&e, "id", id)?;
        self.plain_id(&e, &id)?;
        let title = self.text(&e, "title", title)?;
        let payload = self.single_payload(&e, &[PayloadKind::Text])?;
        Ok(Eula { id, title, payload })
    }
}
