//! What the machine says about itself, asked the way its system answers:
//! its name, its clock, free space, memory, administrator rights, when it
//! started, whether it waits for a restart, and registry keys. The readiness
//! checks read only this; Unix and Windows each answer in their own module.

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub use unix::*;
#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub use windows::*;

/// Unix seconds now, by the machine's clock.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Whether this process may install for the whole machine.
pub struct Rights {
    pub admin: bool,
    /// Whether installing without them cannot work (Windows Installer
    /// refuses a per-machine install unelevated), or may (a Wine prefix
    /// belongs to its user).
    pub required: bool,
    /// What was found, said the system's way.
    pub detail: &'static str,
}
