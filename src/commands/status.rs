//! `airlock status`: what this machine has installed, with versions, hot
//! fixes, license states, pending critical updates and an unfinished install.

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
    after_help = "Examples:\n  airlock status --root /var/lib/airlock\n  airlock status --json"
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
    #[serde(skip_serializing_if = "Option::is_none")]
    interrupted: Option<Interrupted>,
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
    let record = args.root.state().record()?;
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
                installed: crate::history::rfc3339(p.installed),
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
    let mut text = String::new();
    if status.products.is_empty() {
        text.push_str("nothing installed\n");
    }
    for p in &status.products {
        let expires = p
            .license
            .expires
            .as_deref()
            .map(|x| format!(" until {x}"))
            .unwrap_or_default();
        let _ = writeln!(
            text,
            "{:<28} {:<14} {:<22} {}{}  {}",
            p.id,
            p.version,
            p.hotfix
                .as_deref()
                .map(|h| escaped(h).into_owned())
                .unwrap_or_else(|| "-".into()),
            p.license.state.word(),
            expires,
            escaped(&p.name)
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
    print(&text)?;
    Ok(Exit::Done)
}
