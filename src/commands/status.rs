//! `airlock status`: what this machine has installed, with versions, hot
//! fixes, license states, pending critical updates, a restart an installer
//! asked for, the bundles installed, and an unfinished install.

use crate::commands::output::{print, print_json};
use crate::commands::root::RootArgs;
use crate::error::{Exit, Result};
use crate::history::License;
use crate::state::now;
use crate::text::escaped;
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  airlock status --root /var/lib/airlock\n  airlock status --json\n\n\
    A --root that does not exist is an error (exit code 1), never \"nothing installed\"."
)]
pub struct Args {
    #[command(flatten)]
    pub root: RootArgs,
    /// One JSON document on stdout
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Status {
    products: Vec<Product>,
    pending_critical: Vec<Pending>,
    /// A restart an installer asked for that has not happened yet.
    restart_pending: Option<Restart>,
    bundles: Vec<Bundle>,
    #[serde(skip_serializing_if = "Option::is_none")]
    interrupted: Option<Interrupted>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Restart {
    requested: String,
    by: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Bundle {
    id: String,
    created: String,
    key_fingerprint: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Product {
    id: String,
    name: String,
    version: String,
    hotfix: Option<String>,
    product_code: Option<String>,
    installed: String,
    license: License,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Pending {
    id: String,
    product: String,
    message: String,
    resolved_by_hotfix: Option<String>,
    resolved_by_release: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Interrupted {
    bundle: String,
    steps_done: usize,
    running: Option<usize>,
}

pub fn run(args: Args) -> Result<Exit> {
    let record = args.root.existing()?.record()?;
    let now = now();
    let status = Status {
        products: record
            .products
            .iter()
            .map(|(id, p)| Product {
                id: id.clone(),
                name: p.name.clone(),
                version: p.version.to_string(),
                hotfix: p.hotfix.clone(),
                product_code: p.product_code.clone(),
                installed: crate::text::rfc3339_unix(p.installed),
                license: record.license_of(id, now),
            })
            .collect(),
        pending_critical: record
            .pending_critical(&[])
            .into_iter()
            .map(|c| Pending {
                id: c.id.clone(),
                product: c.product.clone(),
                message: c.message.clone(),
                resolved_by_hotfix: c.resolved_by_hotfix.clone(),
                resolved_by_release: c.resolved_by_release.map(|v| v.to_string()),
            })
            .collect(),
        restart_pending: record
            .pending_restart(crate::host::boot_time())
            .map(|(at, by)| Restart {
                requested: crate::text::rfc3339_unix(at),
                by: by.to_string(),
            }),
        bundles: record
            .bundles
            .iter()
            .map(|b| Bundle {
                id: b.id.clone(),
                created: crate::text::rfc3339_unix(b.created),
                key_fingerprint: b.key_fingerprint.clone(),
            })
            .collect(),
        interrupted: record.journal.as_ref().map(|j| Interrupted {
            bundle: j.bundle.clone(),
            steps_done: j.done.len(),
            running: j.running.map(|i| i + 1),
        }),
    };
    if args.json {
        print_json(&status)?;
        return Ok(Exit::Done);
    }
    print(&render(&status))?;
    Ok(Exit::Done)
}

/// The status as aligned tables with headers, then what needs attention.
fn render(status: &Status) -> String {
    let mut text = String::new();
    if status.products.is_empty() {
        text.push_str("nothing installed\n");
    } else {
        let rows: Vec<Vec<String>> = status
            .products
            .iter()
            .map(|p| {
                let license = match &p.license.expires {
                    Some(x) => format!("{} until {x}", p.license.state.word()),
                    None => p.license.state.word().to_string(),
                };
                vec![
                    p.id.clone(),
                    p.version.clone(),
                    p.hotfix
                        .as_deref()
                        .map_or_else(|| "-".into(), |h| escaped(h).into_owned()),
                    license,
                    escaped(&p.name).into_owned(),
                ]
            })
            .collect();
        table(
            &mut text,
            &["PRODUCT", "VERSION", "HOT FIX", "LICENSE", "NAME"],
            &rows,
        );
    }
    if !status.bundles.is_empty() {
        text.push_str("\nbundles installed:\n");
        let rows: Vec<Vec<String>> = status
            .bundles
            .iter()
            .map(|b| {
                vec![
                    escaped(&b.id).into_owned(),
                    b.created.clone(),
                    b.key_fingerprint.clone(),
                ]
            })
            .collect();
        table(&mut text, &["BUNDLE", "CREATED", "BUILDER KEY"], &rows);
    }
    if let Some(r) = &status.restart_pending {
        let _ = writeln!(
            text,
            "\nrestart pending: {} asked for a restart at {}; restart the machine before the next install",
            escaped(&r.by),
            r.requested
        );
    }
    for c in &status.pending_critical {
        let _ = writeln!(
            text,
            "pending critical update {} for {}: {}",
            escaped(&c.id),
            c.product,
            escaped(&c.message)
        );
    }
    if let Some(i) = &status.interrupted {
        let _ = writeln!(
            text,
            "install of bundle {} stopped after {} steps: run it again to resume",
            escaped(&i.bundle),
            i.steps_done
        );
    }
    text
}

/// Appends `rows` under `headers`, each column as wide as its widest cell
/// (the last one unpadded).
fn table(text: &mut String, headers: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let last = headers.len() - 1;
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut out = String::new();
        for (i, cell) in cells.enumerate() {
            if i == last {
                out.push_str(cell);
            } else {
                let _ = write!(out, "{cell:<w$}  ", w = widths[i]);
            }
        }
        text.push_str(out.trim_end());
        text.push('\n');
    };
    line(&mut headers.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
}
