//! What downloads show on stderr: on a terminal a bar per file and an overall
//! bar with bytes, rate and ETA; otherwise one line per finished file; or nothing.

use super::{Wanted, escaped};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Instant;

/// How downloads report progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Progress {
    /// Bars when stderr is a terminal, lines otherwise.
    #[default]
    Auto,
    /// One line per file when it is done.
    Lines,
    /// Nothing.
    Quiet,
}

/// The bars (or lines) of one batch of downloads.
pub(crate) struct Board {
    bars: Option<(MultiProgress, ProgressBar)>,
    lines: bool,
}

impl Board {
    pub(crate) fn new(progress: Progress, wanted: &[Wanted]) -> Board {
        let terminal = std::io::stderr().is_terminal();
        let bars = (progress == Progress::Auto && terminal).then(|| {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            let total = wanted.iter().map(|w| w.size).sum();
            let overall = multi.add(ProgressBar::new(total));
            overall.set_style(style(
                "{msg:20} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            ));
            overall.set_message(format!("{} files", wanted.len()));
            (multi, overall)
        });
        Board {
            lines: progress == Progress::Lines || (progress == Progress::Auto && !terminal),
            bars,
        }
    }

    /// The bar of one file.
    pub(crate) fn file(&self, wanted: &Wanted) -> FileBar {
        let bar = self.bars.as_ref().map(|(multi, overall)| {
            let bar = multi.insert_before(overall, ProgressBar::new(wanted.size));
            bar.set_style(style(
                "{msg:20!} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
            ));
            bar.set_message(escaped(&wanted.name));
            (bar, overall.clone())
        });
        FileBar {
            bar,
            line: self.lines.then(|| (escaped(&wanted.name), wanted.size)),
            start: Instant::now(),
            counted: std::cell::Cell::new(0),
        }
    }

    pub(crate) fn finish(&self) {
        if let Some((_, overall)) = &self.bars {
            overall.finish_and_clear();
        }
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

/// One file's progress; the overall bar follows every change.
pub(crate) struct FileBar {
    bar: Option<(ProgressBar, ProgressBar)>,
    line: Option<(String, u64)>,
    start: Instant,
    /// Bytes this file has added to the overall bar.
    counted: std::cell::Cell<u64>,
}

impl FileBar {
    pub(crate) fn inc(&self, n: u64) {
        self.set(self.counted.get() + n);
    }

    /// The file now has `have` bytes (less after a restart from zero).
    pub(crate) fn set(&self, have: u64) {
        if let Some((bar, overall)) = &self.bar {
            bar.set_position(have);
            let before = self.counted.get();
            if have >= before {
                overall.inc(have - before);
            } else {
                overall.set_position(overall.position().saturating_sub(before - have));
            }
        }
        self.counted.set(have);
    }

    /// The file is there: `how` it came (`downloaded`, `cached`).
    pub(crate) fn done(&self, how: &str) {
        if let Some((bar, overall)) = &self.bar {
            let size = bar.length().unwrap_or(0);
            self.set(size);
            bar.finish_and_clear();
            overall.tick();
        }
        if let Some((name, size)) = &self.line {
            let seconds = self.start.elapsed().as_secs_f64();
            let rate = if how == "downloaded" && seconds > 0.0 {
                format!(
                    ", {}/s",
                    crate::text::human_bytes((*size as f64 / seconds) as u64)
                )
            } else {
                String::new()
            };
            crate::say!(
                "{how} {name} ({}) in {seconds:.1} s{rate}",
                crate::text::human_bytes(*size)
            );
        }
    }
}
