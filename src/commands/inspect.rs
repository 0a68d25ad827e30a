//! `airlock inspect`: shows what a bundle says about itself, without a key and
//! therefore marked UNVERIFIED everywhere.

use super::output::{human_bytes, print, print_json};
use crate::error::{Error, Exit, Result};
use crate::text::escaped;
use bundle_format::Manifest;
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    airlock inspect Vendor_Install_Package_20260101_120000.exe\n  \
    airlock inspect Bundle.exe --json | jq .files\n\n\
    Nothing is checked: what is shown is what the bundle claims. Use `airlock verify\n\
    BUNDLE --trust PUB` before relying on it.")]
pub struct Args {
    /// The bundle file
    #[arg(value_name = "BUNDLE")]
    pub bundle: PathBuf,
    /// Print the manifest as one JSON document (with "verified": false)
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> Result<Exit> {
    let manifest = bundle_format::inspect(&args.bundle)?.manifest;
    if args.json {
        let mut value = serde_json::to_value(&manifest)
            .map_err(|e| Error::Other(format!("cannot show the manifest as JSON: {e}")))?;
        if let Some(object) = value.as_object_mut() {
            object.insert("verified".into(), serde_json::Value::Bool(false));
        }
        print_json(&value)?;
    } else {
        print(&render(&manifest))?;
    }
    Ok(Exit::Done)
}

fn created(seconds: u64) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    i64::try_from(seconds)
        .ok()
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .and_then(|t| t.format(format).ok())
        .unwrap_or_else(|| format!("{seconds} (seconds since 1970)"))
}

/// The manifest as a reader sees it, every section headed, marked unverified.
pub fn render(m: &Manifest) -> String {
    let mut out = String::new();
    let total = m.total_size();
    // Writing to a String cannot fail.
    let _ = writeln!(
        out,
        "UNVERIFIED: nothing below has been checked (run `airlock verify BUNDLE --trust PUB`)\n"
    );
    let _ = writeln!(out, "bundle id     {}", m.bundle_id);
    let _ = writeln!(out, "created       {}", created(m.created));
    let _ = writeln!(out, "built by      {}", escaped(&m.builder));
    let _ = writeln!(
        out,
        "listing       {} / {}, serial {} (sha256 {})",
        escaped(&m.listing.vendor),
        escaped(&m.listing.name),
        m.listing.serial,
        m.listing.sha256
    );
    let _ = writeln!(
        out,
        "signing key   {} (claimed, not checked)",
        m.key_fingerprint
    );
    let _ = writeln!(
        out,
        "contact       {}",
        m.contact
            .as_deref()
            .filter(|c| !c.is_empty())
            .map_or("(none)".into(), escaped)
    );
    let _ = writeln!(
        out,
        "base history  {}",
        m.base_history.as_deref().map_or_else(
            || "none: a full bundle".to_string(),
            |h| format!("sha256 {h} (incremental: for the machine that exported it)")
        )
    );
    let _ = writeln!(out, "\nplan ({} steps, in install order)", m.plan.len());
    for (i, step) in m.plan.iter().enumerate() {
        let file = step
            .file
            .as_deref()
            .map(|f| format!("  [{}]", escaped(f)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:>3}. {:<8} {} {} ({}){file}",
            i + 1,
            escaped(&step.action),
            escaped(&step.product),
            escaped(&step.version),
            escaped(&step.kind)
        );
    }
    let _ = writeln!(
        out,
        "\nfiles ({}, {} in all)",
        m.files.len(),
        human_bytes(total)
    );
    for f in &m.files {
        let _ = writeln!(
            out,
            "  {:<40} {:<8} {:>10}  {}",
            escaped(&f.name),
            escaped(&f.kind),
            human_bytes(f.size),
            f.sha256
        );
    }
    if !m.licenses.is_empty() {
        let _ = writeln!(out, "\nlicenses");
        for l in &m.licenses {
            let _ = writeln!(out, "  {:<20} {}", escaped(&l.product), escaped(&l.file));
        }
    }
    if !m.eulas.is_empty() {
        let _ = writeln!(out, "\nEULAs accepted by the builder");
        for e in &m.eulas {
            let _ = writeln!(out, "  {:<20} sha256 {}", escaped(&e.id), e.sha256);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bundle_format::{FileEntry, ListingRef};

    #[test]
    fn sizes_adding_up_past_u64_are_shown_not_a_panic() {
        // Inspect shows unsigned manifests: their sizes may be anything.
        let mut m = Manifest::new(
            "b",
            ListingRef {
                vendor: "V".into(),
                name: "N".into(),
                serial: 1,
                sha256: "0".repeat(64),
            },
        );
        for name in ["a.msi", "b.msi"] {
            m.files.push(FileEntry {
                name: name.into(),
                kind: "msi".into(),
                size: u64::MAX,
                sha256: "0".repeat(64),
            });
        }
        assert!(render(&m).contains("files (2, "));
    }
}
