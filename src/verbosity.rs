//! How much the program says on stderr, set once from the global `-q`/`-v`:
//! quiet shows no progress, verbose adds detail (each retry of a download and
//! why). Results, warnings and errors (with every cause) show at every
//! level; what `--json` prints on stdout never changes.

use std::sync::atomic::{AtomicU8, Ordering};

/// The three levels, from `-q`, nothing, and `-v`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Quiet,
    Normal,
    Verbose,
}

static LEVEL: AtomicU8 = AtomicU8::new(Level::Normal as u8);

/// Sets the level for the rest of the run.
pub fn set(level: Level) {
    LEVEL.store(level as u8, Ordering::Relaxed);
}

fn level() -> Level {
    match LEVEL.load(Ordering::Relaxed) {
        0 => Level::Quiet,
        1 => Level::Normal,
        _ => Level::Verbose,
    }
}

/// `-q`: no progress bars or progress lines.
pub fn quiet() -> bool {
    level() == Level::Quiet
}

/// `-v`: more detail on stderr.
pub fn verbose() -> bool {
    level() == Level::Verbose
}
