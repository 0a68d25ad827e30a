//! Readiness checks, run before anything changes: the built-in ones (a temp
//! folder, no pending restart, free space for extraction, administrator
//! rights) and each step's checks from the package. Each ends in one of the
//! four outcomes of the installation guide; a `block` check that is not met
//! stops the install.

use crate::host;
use crate::listing::{CheckKind, Severity};
use crate::package::Step;
use crate::text::escaped;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Met,
    /// Met, with a recommendation to consider.
    Recommended,
    NotMet,
    /// Met; there is information to read.
    Information,
}

impl Outcome {
    pub fn word(self) -> &'static str {
        match self {
            Outcome::Met => "met",
            Outcome::Recommended => "met, with a recommendation",
            Outcome::NotMet => "NOT MET",
            Outcome::Information => "information",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Checked {
    pub what: String,
    pub outcome: Outcome,
    /// What was found, and what to do when it is not met.
    pub detail: String,
}

/// What the built-in checks look at.
pub struct Context<'a> {
    /// Where the payload is extracted, and how many bytes it takes.
    pub extract_to: &'a Path,
    pub extract_bytes: u64,
    /// When an installer last asked for a restart (unix seconds).
    pub restart_requested: Option<u64>,
    /// The installer backend's command, when it is not the local Windows Installer.
    pub backend: &'a str,
}

/// Runs the built-in checks, then those of `steps`.
pub fn run(context: &Context, steps: &[&Step]) -> Vec<Checked> {
    let mut out = vec![temp_folder(), restart(context), space(context), admin()];
    for step in steps {
        for check in &step.checks {
            if let Ok(kind) = check.to_listing() {
                let checked = step_check(step, &kind, check.severity, context.backend);
                // A hot fix step repeats its release's checks: show each once.
                if !out.iter().any(|c| c.what == checked.what) {
                    out.push(checked);
                }
            }
        }
    }
    out
}

fn checked(what: impl Into<String>, outcome: Outcome, detail: impl Into<String>) -> Checked {
    Checked {
        what: what.into(),
        outcome,
        detail: detail.into(),
    }
}

fn temp_folder() -> Checked {
    let temp = std::env::temp_dir();
    if temp.is_dir() {
        checked("temporary folder", Outcome::Met, temp.display().to_string())
    } else {
        checked(
            "temporary folder",
            Outcome::NotMet,
            format!(
                "{} does not exist: create it, or point TMP/TMPDIR at a folder that does",
                temp.display()
            ),
        )
    }
}

fn restart(context: &Context) -> Checked {
    const WHAT: &str = "no pending restart";
    if let Some(why) = host::pending_restart() {
        return checked(
            WHAT,
            Outcome::NotMet,
            format!("{why}: restart, then run this again"),
        );
    }
    match (context.restart_requested, host::boot_time()) {
        (Some(asked), Some(boot)) if asked >= boot => checked(
            WHAT,
            Outcome::NotMet,
            format!(
                "an installer asked for a restart at {} and the machine has not restarted since: \
                 restart, then run this again",
                crate::text::rfc3339_unix(asked)
            ),
        ),
        (Some(asked), None) => checked(
            WHAT,
            Outcome::Information,
            format!(
                "an installer asked for a restart at {}; make sure the machine restarted since",
                crate::text::rfc3339_unix(asked)
            ),
        ),
        _ => checked(WHAT, Outcome::Met, "none"),
    }
}

fn space(context: &Context) -> Checked {
    let what = "free space for extraction";
    let Some(free) = host::free_bytes(context.extract_to) else {
        return checked(what, Outcome::Information, "not measurable on this system");
    };
    let need = context.extract_bytes;
    let detail = format!(
        "{} free where the files go, {} needed",
        crate::text::human_bytes(free),
        crate::text::human_bytes(need)
    );
    if free >= need {
        checked(what, Outcome::Met, detail)
    } else {
        checked(
            what,
            Outcome::NotMet,
            format!("{detail}: free some space, or extract elsewhere with --extract-to DIR"),
        )
    }
}

fn admin() -> Checked {
    let rights = host::rights();
    let outcome = match (rights.admin, rights.required) {
        (true, _) => Outcome::Met,
        (false, true) => Outcome::NotMet,
        (false, false) => Outcome::Recommended,
    };
    checked("administrator rights", outcome, rights.detail)
}

/// How a failed check of this severity ends.
fn failing(severity: Severity) -> Outcome {
    match severity {
        Severity::Block => Outcome::NotMet,
        Severity::Warn => Outcome::Recommended,
        Severity::Info => Outcome::Information,
    }
}

fn step_check(step: &Step, kind: &CheckKind, severity: Severity, backend: &str) -> Checked {
    let at = |what: String| format!("{} ({}): {what}", step.product, escaped(&step.name));
    let result = |ok: bool, what: String, found: String| {
        checked(
            at(what),
            if ok { Outcome::Met } else { failing(severity) },
            found,
        )
    };
    let not_here = |what: String, why: &str| {
        checked(
            at(what),
            Outcome::Information,
            format!("not measured ({why}); installs go through `{backend}`: check it there"),
        )
    };
    match kind {
        CheckKind::DiskFree { min_bytes } => {
            let what = format!("{} free disk space", crate::text::human_bytes(*min_bytes));
            let volume = host::install_volume();
            match host::free_bytes(&volume) {
                Some(free) => result(
                    free >= *min_bytes,
                    what,
                    format!(
                        "{} free on the volume of {}",
                        crate::text::human_bytes(free),
                        volume.display()
                    ),
                ),
                None => not_here(what, "no free-space query on this system"),
            }
        }
        CheckKind::Memory { min_bytes } => {
            let what = format!("{} memory", crate::text::human_bytes(*min_bytes));
            match host::total_memory() {
                Some(have) => result(
                    have >= *min_bytes,
                    what,
                    format!("{} installed", crate::text::human_bytes(have)),
                ),
                None => not_here(what, "no memory query on this system"),
            }
        }
        CheckKind::Os {
            family,
            min_version,
        } => {
            let what = match min_version {
                Some(v) => format!("{} {v} or later", escaped(family)),
                None => escaped(family).into_owned(),
            };
            if family.eq_ignore_ascii_case(std::env::consts::OS) && min_version.is_none() {
                result(true, what, std::env::consts::OS.into())
            } else {
                not_here(what, &format!("this is {}", std::env::consts::OS))
            }
        }
        CheckKind::FileExists { path } => {
            let found = Path::new(path).exists();
            result(
                found,
                format!("{} exists", escaped(path)),
                if found { "found" } else { "missing" }.into(),
            )
        }
        CheckKind::RegistryKey { key } => {
            let what = format!("registry key {} exists", escaped(key));
            match host::registry_key(key) {
                Some(Ok(found)) => {
                    result(found, what, if found { "found" } else { "missing" }.into())
                }
                Some(Err(problem)) => checked(at(what), failing(severity), problem),
                None => not_here(what, "there is no registry here"),
            }
        }
    }
}
