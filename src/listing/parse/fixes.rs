//! What a vendor publishes after a release: `<hotfix>` and `<criticalUpdate>`.

use super::Cursor;
use crate::listing::Error;
use crate::listing::model::*;
use crate::listing::xml::Elem;

impl<'a> Cursor<'a> {
    pub(super) fn hotfix(&mut self, e: Elem<'a>) -> Result<Hotfix, Error> {
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
        let label = label.map(|l| Text::from(&*l));
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
    pub(super) fn critical_update(&mut self, e: Elem<'a>) -> Result<CriticalUpdate, Error> {
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
