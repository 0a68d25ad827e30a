//! The root `<productListing>` and its own attributes, `<installer>` and
//! `<eula>`: what a listing says about itself before its products.

use super::{Cursor, Marks};
use crate::listing::Error;
use crate::listing::model::*;
use crate::listing::xml::{Elem, Step, Tag};
use bundle_format::manifest::check_name;
use std::thread::ScopedJoinHandle;

const ONE_INSTALLER: &str =
    "one installer: a listing has at most one <installer>; remove the others";

/// What the root holds besides its attributes, read from its children or
/// from a stretch of them.
#[derive(Default)]
struct Children {
    installer: Option<Installer>,
    /// Offset of the first `<installer>`, read whole or not.
    installer_at: Option<usize>,
    eulas: Vec<Eula>,
    products: Vec<Product>,
    hotfixes: Vec<Hotfix>,
    critical_updates: Vec<CriticalUpdate>,
}

/// The root's children from some offset on, as another thread read them:
/// what it read before its first error, and where the root's end tag is
/// (the offset to go on from), or that error.
pub(super) struct Rest {
    children: Children,
    marks: Marks,
    end: Result<usize, Error>,
}

impl<'a> Cursor<'a> {
    /// The listing of `root`; `rest`: see [`Cursor::root_children`].
    pub(super) fn listing(
        &mut self,
        root: Elem<'a>,
        rest: Option<(usize, ScopedJoinHandle<'_, Rest>)>,
    ) -> Result<Listing, Error> {
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
        let mut children = Children::default();
        if root.open {
            self.root_children(&root, &mut children, rest)?;
        }
        let Children {
            installer,
            installer_at: _,
            mut eulas,
            mut products,
            mut hotfixes,
            mut critical_updates,
        } = children;
        // Growth leaves room for as many again; the model is kept whole for the run.
        eulas.shrink_to_fit();
        products.shrink_to_fit();
        hotfixes.shrink_to_fit();
        critical_updates.shrink_to_fit();
        Ok(Listing {
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
            installer,
            eulas,
            products,
            hotfixes,
            critical_updates,
        })
    }

    /// The children of the open root until its end tag. When `rest` is
    /// given, another thread reads the children from its offset on: if this
    /// reader gets there between two children, what that thread read is
    /// taken as read here (it read the same text in the same state) and
    /// reading goes on after it; if not, its result is dropped.
    fn root_children(
        &mut self,
        root: &Elem<'a>,
        children: &mut Children,
        mut rest: Option<(usize, ScopedJoinHandle<'_, Rest>)>,
    ) -> Result<(), Error> {
        loop {
            match rest.as_ref().and_then(|(from, _)| self.xml.next_at(*from)) {
                None => rest = None,
                Some(false) => {}
                Some(true) => {
                    if let Some((_, half)) = rest.take() {
                        // The thread cannot panic on its own; a panic is passed on as is.
                        let half = half
                            .join()
                            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                        self.join(children, half)?;
                    }
                }
            }
            match self.xml.next()? {
                Step::Child(child) => self.root_child(children, child)?,
                Step::Close => return Ok(()),
                Step::End => return Err(self.ends_inside(root.at, root.tag.name())),
            }
        }
    }

    /// Reads the root's children from where the events are (on another
    /// thread, from a [`super::Events::part`]) up to its end tag.
    pub(super) fn rest_of_root(mut self, root_at: usize) -> Rest {
        let mut children = Children::default();
        let end = loop {
            let before = self.xml.position();
            match self.xml.next() {
                Ok(Step::Child(child)) => match self.root_child(&mut children, child) {
                    Ok(()) => {}
                    Err(error) => break Err(error),
                },
                Ok(Step::Close) => break Ok(before),
                Ok(Step::End) => break Err(self.ends_inside(root_at, Tag::ProductListing.name())),
                Err(error) => break Err(error),
            }
        };
        Rest {
            children,
            marks: self.marks,
            end,
        }
    }

    /// Takes what another thread read of the root's children after those
    /// read here, as though read here: its first error counts, after a
    /// second installer.
    fn join(&mut self, children: &mut Children, rest: Rest) -> Result<(), Error> {
        if children.installer_at.is_some()
            && let Some(at) = rest.children.installer_at
        {
            return Err(self.doc.invalid(at, "installer", ONE_INSTALLER));
        }
        let Children {
            installer,
            installer_at,
            eulas,
            products,
            hotfixes,
            critical_updates,
        } = rest.children;
        children.installer = children.installer.take().or(installer);
        children.installer_at = children.installer_at.or(installer_at);
        append(&mut children.eulas, eulas);
        append(&mut children.products, products);
        append(&mut children.hotfixes, hotfixes);
        append(&mut children.critical_updates, critical_updates);
        self.marks.append(rest.marks);
        self.xml.skip_to(rest.end?);
        Ok(())
    }

    fn root_child(&mut self, children: &mut Children, child: Elem<'a>) -> Result<(), Error> {
        match child.tag {
            Tag::Installer if children.installer_at.is_some() => {
                return Err(self.bad(&child, ONE_INSTALLER));
            }
            Tag::Installer => {
                children.installer_at = Some(child.at);
                children.installer = Some(self.installer(child)?);
            }
            Tag::Eula => {
                self.marks.eulas.push(child.at);
                children.eulas.push(self.eula(child)?);
            }
            Tag::Product => {
                self.marks.products.push(child.at);
                children.products.push(self.product(child)?);
            }
            Tag::Hotfix => {
                self.marks.hotfixes.push(child.at);
                children.hotfixes.push(self.hotfix(child)?);
            }
            Tag::CriticalUpdate => {
                self.marks.critical_updates.push(child.at);
                children.critical_updates.push(self.critical_update(child)?);
            }
            _ => {
                return Err(self.xml.misplaced(
                    &child,
                    "productListing",
                    "installer, eula, product, hotfix or criticalUpdate",
                ));
            }
        }
        Ok(())
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

/// `later` added after the items of `items`, which grow to exactly both:
/// growing by doubling would leave room for as many again beside the
/// model, kept whole for the run.
pub(super) fn append<T>(items: &mut Vec<T>, later: Vec<T>) {
    items.reserve_exact(later.len());
    items.extend(later);
}
