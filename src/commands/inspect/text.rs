//! `airlock inspect`'s text: every section of the manifest and the package
//! description headed, each value escaped, marked unverified.

use crate::commands::output::word;
use crate::listing::CheckKind;
use crate::package::{self, Package, Step};
use crate::text::escaped as e;
use crate::text::human_bytes;
use bundle_format::Manifest;
use bundle_format::runner::Identity;
use std::fmt::Write as _;

/// The manifest as a reader sees it, every section headed, marked unverified.
pub fn render(
    m: &Manifest,
    runner: &Identity,
    package: std::result::Result<&Package, &package::Error>,
) -> String {
    let mut out = String::new();
    let total = m.total_size();
    // Writing to a String cannot fail.
    let _ = writeln!(
        out,
        "UNVERIFIED: nothing below has been checked (run `airlock verify BUNDLE --trust PUB`)\n"
    );
    let _ = writeln!(out, "bundle id     {}", m.bundle_id);
    let _ = writeln!(
        out,
        "created       {}",
        crate::text::rfc3339_unix(m.created)
    );
    let _ = writeln!(out, "built by      {}", e(&m.builder));
    let _ = writeln!(
        out,
        "signing key   {} (claimed, not checked)",
        m.key_fingerprint
    );
    let _ = writeln!(
        out,
        "runner        {}, {}",
        e(&runner.to_string()),
        human_bytes(m.runner.size)
    );
    match package {
        Ok(p) => render_package(&mut out, p),
        Err(problem) => {
            let _ = writeln!(
                out,
                "content       {} (cannot be read: {})",
                m.content_type,
                e(&problem.to_string())
            );
        }
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
            e(&f.name),
            f.kind,
            human_bytes(f.size),
            f.sha256
        );
    }
    out
}

fn render_package(out: &mut String, p: &Package) {
    let _ = writeln!(out, "vendor        {}", e(&p.vendor));
    for l in &p.listings {
        let _ = writeln!(
            out,
            "listing       {} / {}, serial {}, published {} [{}]",
            e(&l.vendor),
            e(&l.name),
            l.serial,
            e(&l.published),
            e(&l.file)
        );
        let vouched = match (&l.signature, &l.vendor_key) {
            (Some(sig), Some(key)) => format!(
                "{}, checked by the builder with vendor key {}",
                e(sig),
                e(key)
            ),
            (Some(sig), None) => format!("{}, not checked by the builder", e(sig)),
            (None, _) => "none in the bundle".into(),
        };
        let _ = writeln!(out, "  vendor signature {vouched}");
    }
    let _ = writeln!(
        out,
        "vendor check  the files were not checked against a vendor key here (inspect checks nothing)"
    );
    let _ = writeln!(
        out,
        "contact       {}",
        p.contact
            .as_deref()
            .filter(|c| !c.is_empty())
            .map_or("(none)".into(), e)
    );
    let _ = writeln!(
        out,
        "base history  {}",
        p.base.as_ref().map_or_else(
            || "none: a full bundle".to_string(),
            |b| format!(
                "sha256 {} of machine {} (incremental: for that machine only)",
                b.digest,
                e(&b.machine_id)
            )
        )
    );
    if let Some(i) = &p.installer {
        let _ = writeln!(
            out,
            "installer     {} {} [{}]{}",
            e(&i.name),
            i.version,
            e(&i.file),
            i.args
                .as_deref()
                .map(|a| format!(" args {}", e(a)))
                .unwrap_or_default()
        );
    }
    for s in &p.suites {
        let _ = writeln!(
            out,
            "suite         {} {} ({}), {}",
            s.product,
            s.version,
            e(&s.name),
            e(&s.reason)
        );
    }
    let _ = writeln!(out, "\nplan ({} steps, in install order)", p.steps.len());
    for (i, step) in p.steps.iter().enumerate() {
        render_step(out, i + 1, step);
    }
    if !p.licenses.is_empty() {
        let _ = writeln!(out, "\nlicenses");
        for l in &p.licenses {
            let expires = l
                .expires
                .as_deref()
                .map_or("perpetual".to_string(), |x| format!("expires {}", e(x)));
            let _ = writeln!(
                out,
                "  {:<20} {} {expires} [{}]",
                l.product,
                e(&l.id),
                e(&l.file)
            );
        }
    }
    if !p.eulas.is_empty() {
        let _ = writeln!(out, "\nEULAs accepted by the builder");
        for eula in &p.eulas {
            let _ = writeln!(
                out,
                "  {:<12} {} (sha256 {})",
                e(&eula.id),
                e(&eula.title),
                eula.sha256
            );
        }
    }
    if !p.critical_updates.is_empty() {
        let _ = writeln!(out, "\ncritical updates the listings declare");
        for c in &p.critical_updates {
            let by = match (&c.resolved_by_hotfix, &c.resolved_by_release) {
                (Some(h), _) => format!("hot fix {}", e(h)),
                (_, Some(v)) => format!("release {v}"),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "  {} {} affects {}, resolved by {by}: {}",
                e(&c.id),
                c.product,
                c.affects,
                e(&c.message)
            );
        }
    }
}

fn render_step(out: &mut String, n: usize, s: &Step) {
    let label = s
        .label
        .as_deref()
        .map(|l| format!(" ({})", e(l)))
        .unwrap_or_default();
    let from = s
        .from_version
        .as_ref()
        .map(|v| format!(" from {v}"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "  {n:>3}. {:<8} {} {}{label}{from}  [{}: {}]  {}",
        word(&s.action),
        s.product,
        s.version,
        word(&s.method),
        e(&s.file),
        e(&s.reason)
    );
    let mut facts = vec![
        format!("arch {}", word(&s.arch)),
        format!("license {}", word(&s.license)),
    ];
    if let Some(code) = &s.product_code {
        facts.push(format!("ProductCode {code}"));
    }
    if let Some(h) = &s.hotfix {
        facts.push(format!("hot fix {}", e(h)));
    }
    if s.retain_on_cascade {
        facts.push("kept when what it depends on is uninstalled".into());
    }
    if !s.requires.is_empty() {
        let list: Vec<String> = s
            .requires
            .iter()
            .map(|d| format!("{} {}", d.product, d.version))
            .collect();
        facts.push(format!("requires {}", list.join(", ")));
    }
    if !s.replaces.is_empty() {
        facts.push(format!("replaces {}", s.replaces.join(", ")));
    }
    let _ = writeln!(out, "         {}", facts.join("; "));
    for p in &s.properties {
        let mut how = vec![if p.required { "required" } else { "optional" }];
        if p.secret {
            how.push("secret");
        }
        let default = p
            .default
            .as_deref()
            .map(|d| format!(", default \"{}\"", e(d)))
            .unwrap_or_default();
        let description = p
            .description
            .as_deref()
            .map(|d| format!(": {}", e(d)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "         property {} ({}{default}){description}",
            p.name,
            how.join(", ")
        );
    }
    for c in &s.checks {
        let detail = match c.to_listing() {
            Ok(kind) => check_text(&kind),
            Err(problem) => problem.to_string(),
        };
        let _ = writeln!(out, "         check {} ({})", e(&detail), word(&c.severity));
    }
}

/// A readiness check in words.
pub fn check_text(kind: &CheckKind) -> String {
    match kind {
        CheckKind::DiskFree { min_bytes } => {
            format!("free disk space >= {}", human_bytes(*min_bytes))
        }
        CheckKind::Memory { min_bytes } => format!("memory >= {}", human_bytes(*min_bytes)),
        CheckKind::Os {
            family,
            min_version,
        } => match min_version {
            Some(v) => format!("OS {family} >= {v}"),
            None => format!("OS {family}"),
        },
        CheckKind::FileExists { path } => format!("file {path} exists"),
        CheckKind::RegistryKey { key } => format!("registry key {key} exists"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bundle_format::FileEntry;

    #[test]
    fn sizes_adding_up_past_u64_are_shown_not_a_panic() {
        // Inspect shows unsigned manifests: their sizes may be anything.
        let mut m = Manifest::new("b", "other", Default::default());
        for name in ["a.msi", "b.msi"] {
            m.files.push(FileEntry {
                name: name.into(),
                kind: "msi".into(),
                size: u64::MAX,
                sha256: "0".repeat(64),
            });
        }
        let shown = render(&m, &Identity::default(), Package::of(&m).as_ref());
        assert!(shown.contains("files (2, "));
        assert!(shown.contains("cannot be read"), "{shown}");
    }
}
