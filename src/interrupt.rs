//! Ctrl-C, SIGTERM and SIGHUP during a long operation (an extraction, a join,
//! later a download or an install) must not leave its work in progress behind.
//! The operation registers what to remove if it is stopped (a staging folder,
//! a temporary file, a lock file) and drops the guard once that is no longer
//! needed; a step that must not be cut in two (moving verified files into
//! place) runs inside [`uninterrupted`]. On a signal the registered paths are
//! removed, stderr says what was removed, and the process exits with 130.
//! A signal can arrive while a prompt has the terminal in another mode (echo
//! off for a secret, raw keys and a hidden cursor for a picker): the terminal
//! as it was at start-up is put back first.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// The exit code of an interrupted run (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;

/// Paths to remove on a signal, with the id of the guard that registered each.
static PENDING: Mutex<Vec<(u64, PathBuf)>> = Mutex::new(Vec::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(0);
/// Held by a step that must not be cut in two, and by the handler before it acts.
static STEP: Mutex<()> = Mutex::new(());

fn pending() -> MutexGuard<'static, Vec<(u64, PathBuf)>> {
    PENDING.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Starts handling Ctrl-C, SIGTERM and SIGHUP (Ctrl-C and Ctrl-Break on
/// Windows). Call once, at start-up.
pub fn install() -> Result<(), ctrlc::Error> {
    terminal::save();
    ctrlc::set_handler(stop)
}

/// Ends the run as a signal would: for a prompt that read Ctrl-C as a key.
pub fn interrupted() -> ! {
    stop();
    unreachable!("stop() exits")
}

/// Runs on the handler's own thread (or a prompt's, see [`interrupted`]):
/// waits for any [`uninterrupted`] step to end, puts the terminal back,
/// removes what is registered, says so, and exits. A second caller waits on
/// the step lock, which the first never releases.
fn stop() {
    let _step = STEP.lock().unwrap_or_else(PoisonError::into_inner);
    terminal::restore();
    let paths = pending();
    let mut removed = Vec::new();
    for (_, path) in paths.iter().rev() {
        if remove(path) {
            removed.push(path.display().to_string());
        }
    }
    if removed.is_empty() {
        crate::say!("interrupted; nothing was left to clean up");
    } else {
        crate::say!(
            "interrupted; removed the unfinished work: {}",
            removed.join(", ")
        );
    }
    std::process::exit(EXIT_INTERRUPTED.into());
}

/// Removes a file or a folder with its content; true if it was there and is gone.
/// The interrupted thread may still be writing into a folder: try again a few times.
fn remove(path: &Path) -> bool {
    for _ in 0..50 {
        let result = match fs::symlink_metadata(path) {
            Err(_) => return false,
            Ok(m) if m.is_dir() => fs::remove_dir_all(path),
            Ok(_) => fs::remove_file(path),
        };
        if result.is_ok() || fs::symlink_metadata(path).is_err() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    crate::say!("could not remove {}", path.display());
    false
}

/// Keeps `path` registered for removal on a signal until dropped.
#[must_use = "the path is registered only while the guard lives"]
pub struct RemoveOnInterrupt(u64);

/// Registers `path` (a file or a folder) to be removed if the process is interrupted.
pub fn remove_on_interrupt(path: &Path) -> RemoveOnInterrupt {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    pending().push((id, path.to_path_buf()));
    RemoveOnInterrupt(id)
}

impl Drop for RemoveOnInterrupt {
    fn drop(&mut self) {
        pending().retain(|(id, _)| *id != self.0);
    }
}

/// Runs `step` to its end even if a signal arrives meanwhile: the signal is
/// handled once it returns.
pub fn uninterrupted<T>(step: impl FnOnce() -> T) -> T {
    let _hold = STEP.lock().unwrap_or_else(PoisonError::into_inner);
    step()
}

/// The terminal's settings at start-up, put back on an interruption.
mod terminal {
    use std::io::IsTerminal;
    use std::sync::OnceLock;

    #[cfg(unix)]
    type Saved = libc::termios;
    #[cfg(windows)]
    type Saved = u32;

    static SAVED: OnceLock<Saved> = OnceLock::new();

    /// Remembers how standard input's terminal is set, when it is one.
    pub fn save() {
        if !std::io::stdin().is_terminal() {
            return;
        }
        #[cfg(unix)]
        {
            // SAFETY: termios is plain data; tcgetattr fills it for fd 0 or fails.
            let mut t: libc::termios = unsafe { std::mem::zeroed() };
            if unsafe { libc::tcgetattr(0, &mut t) } == 0 {
                let _ = SAVED.set(t);
            }
        }
        #[cfg(windows)]
        {
            use windows_sys::Win32::System::Console::{
                GetConsoleMode, GetStdHandle, STD_INPUT_HANDLE,
            };
            let mut mode = 0u32;
            // SAFETY: the standard input handle, a console (checked above).
            if unsafe { GetConsoleMode(GetStdHandle(STD_INPUT_HANDLE), &mut mode) } != 0 {
                let _ = SAVED.set(mode);
            }
        }
    }

    /// Puts back what [`save`] remembered, and shows the cursor a picker hid.
    pub fn restore() {
        if let Some(saved) = SAVED.get() {
            #[cfg(unix)]
            // SAFETY: restores settings read from the same terminal.
            unsafe {
                libc::tcsetattr(0, libc::TCSANOW, saved);
            }
            #[cfg(windows)]
            {
                use windows_sys::Win32::System::Console::{
                    GetStdHandle, STD_INPUT_HANDLE, SetConsoleMode,
                };
                // SAFETY: the standard input handle, with the mode it had.
                unsafe { SetConsoleMode(GetStdHandle(STD_INPUT_HANDLE), *saved) };
            }
        }
        if std::io::stderr().is_terminal() {
            let _ = dialoguer::console::Term::stderr().show_cursor();
            crate::say!();
        }
    }
}
