//! A pseudo-terminal for tests: a command runs inside a detached tmux session,
//! keys are sent as a person types them, and the screen is read back.

use std::process::Command;
use std::time::{Duration, Instant};

fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux")
        .args(args)
        .output()
        .expect("tmux runs (apt-get install tmux)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A tmux session running a command; killed when dropped.
pub struct Session(String);

impl Session {
    /// Starts `command` (a shell command line) in a session named after `name`.
    pub fn start(name: &str, command: &str) -> Session {
        let name = format!("airlock-{name}-{}", std::process::id());
        tmux(&[
            "new-session",
            "-d",
            "-s",
            &name,
            "-x",
            "160",
            "-y",
            "60",
            command,
        ]);
        Session(name)
    }

    /// What the terminal shows now.
    pub fn screen(&self) -> String {
        tmux(&["capture-pane", "-p", "-t", &self.0])
    }

    /// Whether the terminal shows its cursor (a picker hides it while it runs).
    pub fn cursor_visible(&self) -> bool {
        tmux(&["display-message", "-p", "-t", &self.0, "#{cursor_flag}"]).trim() == "1"
    }

    /// Waits until the screen shows `text`, then sends `keys` one by one.
    pub fn when(&self, text: &str, keys: &[&str]) {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "never saw {text:?} in:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        for key in keys {
            tmux(&["send-keys", "-t", &self.0, key]);
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        tmux(&["kill-session", "-t", &self.0]);
    }
}
