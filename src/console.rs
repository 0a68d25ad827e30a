//! What the program says to the person at the console, on stderr: one path
//! that never panics when stderr cannot be written.
//!
//! A runner double-clicked in Explorer gets a console window of its own,
//! which Windows closes the moment the program ends: the admin would never
//! see what happened. Started that way (the only process on its console,
//! reading from that console), the program says how it ended and waits for a
//! key. Run from a prompt, or with its input redirected, it ends as on Linux.

use crate::Exit;
use std::fmt;
use std::io::Write;

/// Writes `text` to stderr. A stderr that cannot be written (closed, or a full
/// disk behind it) leaves nobody to tell: the text is dropped, where
/// `eprint!` would panic. Every message to the person goes through here.
pub fn say(text: fmt::Arguments<'_>) {
    let _ = std::io::stderr().lock().write_fmt(text);
}

/// `eprintln!` through [`say`]: one line to stderr that never panics.
#[macro_export]
macro_rules! say {
    () => {
        $crate::console::say(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::console::say(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// At the end of a run that ends with `code`: when this process is alone on
/// an interactive console, shows the result and waits for a key.
pub fn hold_if_alone(code: u8) {
    #[cfg(windows)]
    if windows::alone_on_console() {
        crate::say!();
        crate::say!("{}", result(code));
        crate::say!("Press any key to close this window...");
        windows::wait_for_key();
    }
    #[cfg(not(windows))]
    let _ = code;
}

/// How a run ended, in words, with its exit code.
pub fn result(code: u8) -> String {
    let meaning = match code {
        c if c == Exit::Done as u8 => "done",
        c if c == Exit::RestartNeeded as u8 => "done; restart the machine to finish",
        c if c == Exit::Verification as u8 => "stopped: the bundle failed verification",
        c if c == Exit::ReadinessBlocked as u8 => "stopped: a readiness check is not met",
        c if c == Exit::InstallerFailed as u8 => {
            "stopped: an installer failed (run it again to resume)"
        }
        c if c == Exit::CriticalPending as u8 => "stopped: a critical update is pending",
        c if c == Exit::Usage as u8 => "stopped: the command line is not usable",
        _ => "failed",
    };
    format!("airlock finished: {meaning} (exit code {code}); the messages above say more")
}

#[cfg(windows)]
mod windows {
    use std::io::IsTerminal;
    use windows_sys::Win32::System::Console::{
        FlushConsoleInputBuffer, GetConsoleProcessList, GetStdHandle, INPUT_RECORD, KEY_EVENT,
        ReadConsoleInputW, STD_INPUT_HANDLE,
    };

    /// Only this process is attached to its console (a prompt would be a
    /// second one), and input comes from that console.
    pub fn alone_on_console() -> bool {
        let mut ids = [0u32; 2];
        // SAFETY: the buffer holds as many ids as its length says.
        let count = unsafe { GetConsoleProcessList(ids.as_mut_ptr(), ids.len() as u32) };
        count == 1 && std::io::stdin().is_terminal()
    }

    /// Waits until a key is pressed on the console.
    pub fn wait_for_key() {
        // SAFETY: the standard input handle of this process, a console (checked above).
        let input = unsafe { GetStdHandle(STD_INPUT_HANDLE) };
        unsafe { FlushConsoleInputBuffer(input) };
        loop {
            // SAFETY: INPUT_RECORD is plain data; one record is read into it.
            let mut record: INPUT_RECORD = unsafe { std::mem::zeroed() };
            let mut read = 0u32;
            if unsafe { ReadConsoleInputW(input, &mut record, 1, &mut read) } == 0 || read == 0 {
                return;
            }
            // SAFETY: the union holds a key event when EventType says so.
            if u32::from(record.EventType) == KEY_EVENT
                && unsafe { record.Event.KeyEvent.bKeyDown } != 0
            {
                return;
            }
        }
    }
}
