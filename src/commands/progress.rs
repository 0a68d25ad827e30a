//! Progress bars for long byte-counting work, on stderr and hidden when stderr
//! is not a terminal (indicatif's stderr target does that by itself) or with
//! `--quiet`.

use bundle_format::Manifest;
use indicatif::{ProgressBar, ProgressStyle};

/// A bar counting the bytes of every file the manifest lists (a payload pass reports those).
pub fn files(manifest: &Manifest, message: &str) -> ProgressBar {
    bytes(manifest.total_size(), message)
}

/// A bar counting `total` bytes, labelled `message`.
pub fn bytes(total: u64, message: &str) -> ProgressBar {
    if crate::verbosity::quiet() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total).with_message(message.to_string());
    if let Ok(style) = ProgressStyle::with_template(
        "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}
