//! The host's answers on Windows: the volume's free space
//! (`GetDiskFreeSpaceExW`), memory (`GlobalMemoryStatusEx`), the process
//! token's elevation, uptime, the registry's pending-restart markers, and
//! registry keys named by checks, and whether Wine is the system underneath.

use super::Rights;
use std::os::windows::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use windows_registry::{CLASSES_ROOT, CURRENT_CONFIG, CURRENT_USER, Key, LOCAL_MACHINE, USERS};
use windows_sys::Win32::Foundation::{CloseHandle, HANDLE};
use windows_sys::Win32::Security::{
    GetTokenInformation, TOKEN_ELEVATION, TOKEN_QUERY, TokenElevation,
};
use windows_sys::Win32::Storage::FileSystem::GetDiskFreeSpaceExW;
use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleW, GetProcAddress};
use windows_sys::Win32::System::SystemInformation::{
    GetTickCount64, GlobalMemoryStatusEx, MEMORYSTATUSEX,
};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

/// The machine's name, or `unknown`.
pub fn machine_name() -> String {
    std::env::var("COMPUTERNAME").unwrap_or_else(|_| "unknown".into())
}

/// Where installers put their files: the volume of `%ProgramFiles%`.
pub fn install_volume() -> PathBuf {
    std::env::var_os("ProgramFiles")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(r"C:\"))
}

/// Free bytes for this user on the volume holding `path` (or its nearest existing folder).
pub fn free_bytes(path: &Path) -> Option<u64> {
    let existing = path.ancestors().find(|p| p.exists())?;
    let wide: Vec<u16> = existing.as_os_str().encode_wide().chain([0]).collect();
    let mut free = 0u64;
    // SAFETY: a valid NUL-terminated wide string; the other outputs may be null.
    let ok = unsafe {
        GetDiskFreeSpaceExW(
            wide.as_ptr(),
            &mut free,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    };
    (ok != 0).then_some(free)
}

/// Installed physical memory in bytes.
pub fn total_memory() -> Option<u64> {
    // SAFETY: MEMORYSTATUSEX is plain data; dwLength must be set before the call.
    let mut status: MEMORYSTATUSEX = unsafe { std::mem::zeroed() };
    status.dwLength = std::mem::size_of::<MEMORYSTATUSEX>() as u32;
    let ok = unsafe { GlobalMemoryStatusEx(&mut status) };
    (ok != 0).then_some(status.ullTotalPhys)
}

/// When the system started (unix seconds): now less its uptime.
pub fn boot_time() -> Option<u64> {
    // SAFETY: GetTickCount64 has no preconditions.
    let up = unsafe { GetTickCount64() } / 1000;
    super::now().checked_sub(up)
}

/// Why Windows waits for a restart, if one of its markers says so: files to
/// replace at the next start (Session Manager), Component Based Servicing, or
/// Windows Update.
pub fn pending_restart() -> Option<String> {
    const SESSION: &str = r"SYSTEM\CurrentControlSet\Control\Session Manager";
    const CBS: &str =
        r"SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending";
    const WU: &str =
        r"SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired";
    let renames = LOCAL_MACHINE
        .open(SESSION)
        .and_then(|k| k.get_multi_string("PendingFileRenameOperations"))
        .is_ok_and(|files| files.iter().any(|f| !f.is_empty()));
    if renames {
        return Some(format!(
            r"files wait to be replaced at the next start (HKLM\{SESSION}, PendingFileRenameOperations)"
        ));
    }
    if LOCAL_MACHINE.open(CBS).is_ok() {
        return Some(format!(
            r"Component Based Servicing waits for a restart (HKLM\{CBS})"
        ));
    }
    if LOCAL_MACHINE.open(WU).is_ok() {
        return Some(format!(r"Windows Update waits for a restart (HKLM\{WU})"));
    }
    None
}

/// Whether Wine, not Windows, is underneath: Wine's ntdll exports
/// `wine_get_version`, Windows' does not.
pub fn wine() -> bool {
    let ntdll: Vec<u16> = "ntdll.dll".encode_utf16().chain([0]).collect();
    // SAFETY: a NUL-terminated wide name; ntdll is loaded in every process.
    let module = unsafe { GetModuleHandleW(ntdll.as_ptr()) };
    // SAFETY: a module handle from above (or null, checked) and a NUL-terminated name.
    !module.is_null()
        && unsafe { GetProcAddress(module, c"wine_get_version".as_ptr().cast()) }.is_some()
}

/// Whether the process token is elevated (an administrator's, not filtered by UAC).
pub fn rights() -> Rights {
    let elevated = token_elevated();
    Rights {
        admin: elevated == Some(true),
        required: true,
        detail: match elevated {
            Some(true) => "running elevated (administrator)",
            Some(false) => {
                "not elevated: run from a prompt opened with \"Run as administrator\" \
                 (Windows Installer needs it to install for the machine)"
            }
            None => "the process token cannot be read: run as administrator",
        },
    }
}

fn token_elevated() -> Option<bool> {
    let mut token: HANDLE = std::ptr::null_mut();
    // SAFETY: the pseudo handle of this process; `token` receives a handle closed below.
    if unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) } == 0 {
        return None;
    }
    let mut elevation = TOKEN_ELEVATION { TokenIsElevated: 0 };
    let mut size = 0u32;
    // SAFETY: the buffer is a TOKEN_ELEVATION of the size given.
    let ok = unsafe {
        GetTokenInformation(
            token,
            TokenElevation,
            (&mut elevation as *mut TOKEN_ELEVATION).cast(),
            std::mem::size_of::<TOKEN_ELEVATION>() as u32,
            &mut size,
        )
    };
    // SAFETY: the handle OpenProcessToken gave.
    unsafe { CloseHandle(token) };
    (ok != 0).then_some(elevation.TokenIsElevated != 0)
}

/// Whether registry key `key` (`HKLM\SOFTWARE\...`, or a root's long name) exists.
pub fn registry_key(key: &str) -> Option<Result<bool, String>> {
    Some(open_key(key))
}

fn open_key(key: &str) -> Result<bool, String> {
    let (root, path) = key.split_once('\\').unwrap_or((key, ""));
    let root: &Key = match root.to_ascii_uppercase().as_str() {
        "HKLM" | "HKEY_LOCAL_MACHINE" => LOCAL_MACHINE,
        "HKCU" | "HKEY_CURRENT_USER" => CURRENT_USER,
        "HKCR" | "HKEY_CLASSES_ROOT" => CLASSES_ROOT,
        "HKU" | "HKEY_USERS" => USERS,
        "HKCC" | "HKEY_CURRENT_CONFIG" => CURRENT_CONFIG,
        _ => {
            return Err(
                "the key does not start with a registry root (HKLM, HKCU, HKCR, HKU, HKCC)".into(),
            );
        }
    };
    /// HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND): the key is not there.
    const NOT_FOUND: i32 = 0x8007_0002_u32 as i32;
    match root.open(path.trim_end_matches('\\')) {
        Ok(_) => Ok(true),
        Err(e) if e.code().0 == NOT_FOUND => Ok(false),
        Err(e) => Err(format!("cannot be read: {}", e.message())),
    }
}
