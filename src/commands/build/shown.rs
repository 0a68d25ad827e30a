//! What a person or a script sees of `build`: each machine's update, a bar
//! while packing and each bundle as it is written (on stderr with `--json`),
//! then with `--json` one document listing every bundle written.

use super::incremental;
use crate::build::{self, Built, Event};
use crate::commands::output::print;
use crate::commands::progress;
use crate::error::Result;
use crate::plan::MachineRef;
use crate::text::human_bytes;
use bundle_format::FileEntry;
use bundle_format::runner::Identity;

/// What `--json` prints: every bundle written, one or several, in one shape.
#[derive(serde::Serialize)]
pub struct Bundles<'a> {
    bundles: Vec<Report<'a>>,
}

/// One bundle written, as `--json` prints it.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Report<'a> {
    bundle: String,
    bundle_id: &'a str,
    size: u64,
    key_fingerprint: &'a str,
    files: &'a [FileEntry],
    /// What the embedded runner is (platform, program, version, bundle format).
    runner_identity: &'a Identity,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    parts: &'a [String],
    /// The machine an incremental bundle is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    machine: Option<&'a MachineRef<'a>>,
}

/// The `--json` document of the bundles written.
pub fn bundles<'a>(built: &'a [Built<'a>], runner: &'a Identity) -> Bundles<'a> {
    Bundles {
        bundles: built.iter().map(|b| report(b, runner)).collect(),
    }
}

fn report<'a>(built: &'a Built<'a>, runner: &'a Identity) -> Report<'a> {
    let manifest = &built.written.manifest;
    Report {
        bundle: built.path.display().to_string(),
        bundle_id: &manifest.bundle_id,
        size: built.written.size,
        key_fingerprint: &manifest.key_fingerprint,
        files: &manifest.files,
        runner_identity: runner,
        parts: &built.parts,
        machine: built.machine.as_ref(),
    }
}

/// What a person sees of the build: each machine's update, a bar while
/// packing, each bundle as it is written (on stderr with `--json`).
pub struct Shown<'a> {
    json: bool,
    runner: &'a Identity,
    /// The bundles complete so far, named if a later one fails.
    pub written: Vec<String>,
    bar: Option<indicatif::ProgressBar>,
}

impl<'a> Shown<'a> {
    pub fn new(json: bool, runner: &'a Identity) -> Shown<'a> {
        Shown {
            json,
            runner,
            written: Vec::new(),
            bar: None,
        }
    }

    fn text(&self, text: &str) -> Result<()> {
        if !self.json {
            return print(text);
        }
        crate::console::say(format_args!("{text}"));
        Ok(())
    }
}

impl build::Reporter for Shown<'_> {
    type Error = crate::error::Error;

    fn report(&mut self, event: Event<'_>) -> Result<()> {
        match event {
            Event::Machine { machine, bundled } => {
                let note = match bundled {
                    true => "",
                    false => {
                        "  nothing new for it in these listings: no bundle is written for it\n"
                    }
                };
                self.text(&format!("{}{note}", incremental::render(machine)))?;
            }
            Event::Refetch { file, problem } => crate::say!(
                "{}: the cached copy is not the listed file ({problem}); fetching it again",
                file.escape_debug()
            ),
            Event::Packing { total } => self.bar = Some(progress::bytes(total, "packing")),
            Event::Packed(n) => self.bar.iter().for_each(|bar| bar.set_position(n)),
            Event::PackEnd => self.bar.take().iter().for_each(|b| b.finish_and_clear()),
            Event::Written(built) => {
                let manifest = &built.written.manifest;
                let mut text = format!(
                    "wrote {}: bundle {}, {} steps, {} files, {}, signed by key {}, runner {}\n",
                    built.path.display(),
                    manifest.bundle_id,
                    built.steps,
                    manifest.files.len(),
                    human_bytes(built.written.size),
                    manifest.key_fingerprint,
                    self.runner
                );
                if let Some(first) = built.parts.first() {
                    text += &format!(
                        "and {} parts for removable media: {first} ... with the index {}\n",
                        built.parts.len(),
                        bundle_format::split::index_path(&built.path).display()
                    );
                }
                if !self.json {
                    self.text(&text)?;
                }
                self.written.push(built.path.display().to_string());
            }
        }
        Ok(())
    }
}
