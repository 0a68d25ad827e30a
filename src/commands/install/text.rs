//! `airlock install`'s text on stderr: the bundle, its readiness checks, and
//! the plan with each step's properties (secrets masked) and missing answers.

use crate::install::backend::Property;
use crate::install::{Plan, Todo};
use crate::package::Package;
use crate::text::escaped;
use bundle_format::Manifest;

/// The readiness checks and the plan, on stderr.
pub fn show(plan: &Plan, package: &Package, manifest: &Manifest) {
    crate::say!(
        "bundle {} from {} (made {})",
        escaped(&manifest.bundle_id),
        escaped(&package.vendor),
        crate::text::rfc3339_unix(manifest.created)
    );
    crate::say!("readiness checks:");
    for c in &plan.checks {
        crate::say!("  [{}] {}: {}", c.outcome.word(), c.what, c.detail);
    }
    crate::say!("plan:");
    if plan.installer_first
        && let Some(i) = &package.installer
    {
        crate::say!("  0. installer {} {}", escaped(&i.name), i.version);
    }
    for (n, ((step, todo), props)) in plan.steps.iter().zip(&plan.properties).enumerate() {
        let shown: Vec<String> = props.iter().map(Property::shown).collect();
        let state = match todo {
            Todo::Run => String::new(),
            Todo::Skip(why) => format!("  (skipped: {why})"),
        };
        crate::say!(
            "  {}. {} {} {} ({}) {}{}{}",
            n + 1,
            crate::commands::output::word(&step.action),
            step.product,
            step.version,
            escaped(&step.name),
            escaped(&step.file),
            if shown.is_empty() {
                String::new()
            } else {
                format!(" {}", shown.join(" "))
            },
            state
        );
    }
    if !plan.missing_answers.is_empty() {
        crate::say!("answers:");
        for missing in &plan.missing_answers {
            crate::say!("  [MISSING] {missing}: required, and no value is given");
        }
    }
}
