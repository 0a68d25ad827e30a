//! `products` as text for a person: the listings, then a table per kind of
//! product, the critical updates and the hot fixes; every cell escaped.

use super::{Dependencies, ProductInfo, ReleaseInfo, Shown};
use crate::listing::{ProductKind, Version};
use crate::text::escaped;
use serde::Serialize;
use std::borrow::Cow;

impl Shown<'_> {
    /// The text shown to a person.
    pub(super) fn table(&self, with_hotfixes: bool) -> String {
        let mut out = String::new();
        for l in &self.listings {
            out.push_str(&format!(
                "{} — {} (serial {}, published {}) from {}\n",
                escaped(l.vendor),
                escaped(l.name),
                l.serial,
                l.published,
                escaped(l.source)
            ));
        }
        let sections = [
            (ProductKind::Suite, "Suites"),
            (ProductKind::Solution, "Solutions"),
            (ProductKind::Optional, "Optional components"),
        ];
        for (kind, title) in sections {
            let mut rows = vec![row(&[
                "ID",
                "NAME",
                "VERSION",
                "LABEL",
                "LICENSE",
                "ARCH",
                "DEPENDENCIES",
            ])];
            for p in self.products.iter().filter(|p| p.kind == kind) {
                for r in p.releases.iter() {
                    rows.push(vec![
                        p.id.to_string(),
                        p.name.to_string(),
                        r.version.to_string(),
                        r.label.unwrap_or("").to_string(),
                        json_word(&r.license),
                        json_word(&r.arch),
                        dependency_summary(&p, &r),
                    ]);
                }
            }
            if rows.len() > 1 {
                out.push_str(&format!("\n{title}\n"));
                out.push_str(&render(&rows));
            }
        }
        if !self.critical_updates.is_empty() {
            let mut rows = vec![row(&["ID", "PRODUCT", "AFFECTS", "RESOLVED BY", "MESSAGE"])];
            for c in &self.critical_updates {
                rows.push(vec![
                    c.id.to_string(),
                    c.product.to_string(),
                    c.affects.to_string(),
                    c.resolved_by_hotfix
                        .map_or_else(
                            || c.resolved_by_release.map(Version::to_string),
                            |h| Some(h.into()),
                        )
                        .unwrap_or_default(),
                    c.message.to_string(),
                ]);
            }
            out.push_str("\nCritical updates\n");
            out.push_str(&render(&rows));
        }
        if with_hotfixes {
            let mut rows = vec![row(&[
                "ID",
                "LABEL",
                "PRODUCT",
                "BASE -> VERSION",
                "SEVERITY",
            ])];
            for h in self.hotfixes.iter().flatten() {
                rows.push(vec![
                    h.id.to_string(),
                    h.label.unwrap_or("").to_string(),
                    h.product.to_string(),
                    format!("{} -> {}", h.base, h.version),
                    json_word(&h.severity),
                ]);
            }
            out.push_str("\nHot fixes\n");
            if rows.len() > 1 {
                out.push_str(&render(&rows));
            } else {
                out.push_str("  (none)\n");
            }
        }
        out
    }
}

/// An enum's lowercase JSON name, for the table.
fn json_word(value: &impl Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

/// "requires a >=1; recommends b; for smp patch".
fn dependency_summary(p: &ProductInfo<'_>, r: &ReleaseInfo<'_>) -> String {
    let list = |deps: &Dependencies<'_>| {
        deps.0
            .iter()
            .map(|d| match d.version.to_string().as_str() {
                "*" => d.product.to_string(),
                v => format!("{} {v}", d.product),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut parts = Vec::new();
    if !r.requires.0.is_empty() {
        parts.push(format!("requires {}", list(&r.requires)));
    }
    if !r.recommends.0.is_empty() {
        parts.push(format!("recommends {}", list(&r.recommends)));
    }
    if let Some(category) = p.category {
        let word = json_word(&category);
        if p.applies_to.is_empty() {
            parts.push(word);
        } else {
            parts.push(format!("{word} for {}", p.applies_to.join(" ")));
        }
    }
    parts.join("; ")
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

/// Left-aligned columns, two spaces apart, indented by two; every cell escaped.
fn render(rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<Cow<str>>> = rows
        .iter()
        .map(|r| r.iter().map(|cell| escaped(cell)).collect())
        .collect();
    let columns = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for r in &rows {
        let mut line = String::from(" ");
        for (cell, width) in r.iter().zip(&widths) {
            line.push(' ');
            line.push_str(cell);
            line.push_str(&" ".repeat(width - cell.chars().count() + 1));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
