//! The host's answers on Unix: `statvfs`, `/proc`, the effective user, and
//! the `/run/reboot-required` marker. There is no registry here.

use super::Rights;
use std::path::{Path, PathBuf};

/// The machine's host name, or `unknown`.
pub fn machine_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname writes at most that.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc == 0 {
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        if let Ok(name) = std::str::from_utf8(&buf[..end])
            && !name.is_empty()
        {
            return name.to_string();
        }
    }
    "unknown".into()
}

/// Where installers put their files: checked for a `diskFree` requirement.
/// The Windows layer keeps its drive in the user's files; the temporary
/// folder stands for that file system.
pub fn install_volume() -> PathBuf {
    std::env::temp_dir()
}

/// Free bytes on the file system holding `path` (or its nearest existing folder).
pub fn free_bytes(path: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let existing = path.ancestors().find(|p| p.exists())?;
    let c = std::ffi::CString::new(existing.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs is plain data, filled by the call for a valid C string.
    let mut s: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c.as_ptr(), &mut s) } != 0 {
        return None;
    }
    Some((s.f_bavail as u64).saturating_mul(s.f_frsize as u64))
}

/// The most read of a `/proc` file (`/proc/stat` grows with the CPUs).
const MAX_PROC_BYTES: u64 = 4 * 1024 * 1024;

/// The text of a `/proc` file, when there is one.
fn proc_file(path: &str) -> Option<String> {
    bundle_format::regular::read_text(Path::new(path), MAX_PROC_BYTES, "a /proc file").ok()
}

/// Installed memory in bytes, where `/proc/meminfo` tells.
pub fn total_memory() -> Option<u64> {
    let info = proc_file("/proc/meminfo")?;
    let kib: u64 = info
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// When the system started (unix seconds), where `/proc/stat` tells.
pub fn boot_time() -> Option<u64> {
    let stat = proc_file("/proc/stat")?;
    stat.lines()
        .find_map(|l| l.strip_prefix("btime "))
        .and_then(|v| v.trim().parse().ok())
}

/// Why the system waits for a restart, if it says so.
pub fn pending_restart() -> Option<String> {
    Path::new("/run/reboot-required")
        .exists()
        .then(|| "the system asks for a restart (/run/reboot-required)".to_string())
}

pub fn rights() -> Rights {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        Rights {
            admin: true,
            required: false,
            detail: "running as root",
        }
    } else {
        Rights {
            admin: false,
            required: false,
            detail: "not running as root: the installer backend must be allowed to install \
                     (a Wine prefix belongs to its user)",
        }
    }
}

/// Whether registry key `key` exists: `None`, there is no registry here.
pub fn registry_key(_key: &str) -> Option<Result<bool, String>> {
    None
}
