//! `airlock install --json`: the document of what each step did (or would
//! do, in a dry run), beside the text the install prints.

use crate::error::{Exit, Result};
use crate::install::{Plan, Todo};
use crate::package::Package;
use crate::trust::vendor::Checked;
use bundle_format::Manifest;

/// The `--json` document of an install: what each step did.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report<'a> {
    bundle_id: &'a str,
    /// `install`, `dry-run` or `extract-only`.
    mode: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extracted_to: Option<String>,
    steps: Vec<StepReport<'a>>,
    /// Required properties with no value (a dry run lists them).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    missing_answers: &'a [String],
    pub restart_needed: bool,
    /// The exit code: 0, or 10 when the machine must restart.
    exit: u8,
    /// Why nothing was done, when nothing was.
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    /// What was checked against a vendor key before anything was extracted,
    /// as `verify --json` says it.
    vendor_check: &'a Checked,
}

/// One step of an install: `result` is `installed`, `skipped` (with the
/// reason) or, in a dry run, `planned`.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct StepReport<'a> {
    product: &'a str,
    version: String,
    /// `install`, `upgrade`, `hotfix`, or `installer` for the vendor's installer.
    action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    hotfix: Option<&'a str>,
    result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

impl<'a> Report<'a> {
    pub fn new(manifest: &'a Manifest, mode: &'static str, vendor: &'a Checked) -> Report<'a> {
        Report {
            bundle_id: &manifest.bundle_id,
            mode,
            extracted_to: None,
            steps: Vec::new(),
            missing_answers: &[],
            restart_needed: false,
            exit: 0,
            note: None,
            vendor_check: vendor,
        }
    }

    /// The plan's steps, `done` when they ran (or `planned`, when they did not).
    pub fn with_steps(mut self, plan: &'a Plan, package: &'a Package, done: bool) -> Report<'a> {
        let ran = if done { "installed" } else { "planned" };
        if plan.installer_first
            && let Some(i) = &package.installer
        {
            self.steps.push(StepReport {
                product: &i.name,
                version: i.version.to_string(),
                action: "installer".into(),
                hotfix: None,
                result: ran,
                reason: None,
            });
        }
        for (step, todo) in &plan.steps {
            let (result, reason) = match todo {
                Todo::Run => (ran, None),
                Todo::Skip(why) => ("skipped", Some(why.as_str())),
            };
            self.steps.push(StepReport {
                product: &step.product,
                version: step.version.to_string(),
                action: crate::commands::output::word(&step.action),
                hotfix: step.hotfix.as_deref(),
                result,
                reason,
            });
        }
        self.missing_answers = &plan.missing_answers;
        self
    }

    pub fn note(mut self, note: String) -> Report<'a> {
        self.note = Some(note);
        self
    }

    /// Prints the document when `--json` asks for it; the exit code either way.
    pub fn print(mut self, json: bool) -> Result<Exit> {
        let exit = match self.restart_needed {
            true => Exit::RestartNeeded,
            false => Exit::Done,
        };
        self.exit = exit as u8;
        if json {
            crate::commands::output::print_json(&self)?;
        }
        Ok(exit)
    }
}
