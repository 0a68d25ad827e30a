//! The installer backend: runs the Windows Installer (`msiexec`, or Wine's
//! through `--msiexec "wine msiexec"`) or a vendor's installer program, quiet,
//! with a verbose log, and turns its exit code into done / done-but-restart /
//! failed, waiting and retrying while another installation runs (1618).
//! Secret property values go to the installer only: the command line shown is
//! masked and the log is scrubbed of them.

use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// The Windows Installer command as configured (`msiexec`, `wine msiexec`).
#[derive(Debug, Clone)]
pub struct Backend {
    words: Vec<String>,
    /// How long to wait before retrying when another installation runs.
    busy_wait: Duration,
    busy_tries: u32,
}

/// What to do.
#[derive(Debug, Clone)]
pub enum Operation<'a> {
    /// `/i FILE`: install, or major-upgrade an older version.
    Install(&'a Path),
    /// `/p FILE`: apply a patch.
    Patch(&'a Path),
    /// The program itself with its silent arguments.
    Program(&'a Path, &'a str),
    /// `/x {ProductCode}`.
    Uninstall(&'a str),
    /// `/i FILE REINSTALL=ALL REINSTALLMODE=amus`: reinstall every file and
    /// registration from the package (what `/fa` does from the cached copy;
    /// this form also works where `/f` takes no package path, as under Wine).
    Repair(&'a Path),
}

/// A Windows Installer property for the command line.
#[derive(Debug, Clone)]
pub struct Property {
    pub name: String,
    pub value: String,
    pub secret: bool,
}

/// How an operation ended well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Done {
    Done,
    /// 3010 or 1641: done, the machine must restart to finish.
    RestartNeeded,
}

/// How it ended badly: the command shown (masked), its exit, and the log.
#[derive(Debug, Clone)]
pub struct Failed {
    pub command: String,
    pub code: Option<i32>,
    pub problem: String,
    pub log: PathBuf,
}

const MASK: &str = "******";

impl Backend {
    /// `--msiexec CMD` / `AIRLOCK_MSIEXEC`, split on white space; on Windows
    /// `msiexec` when none is given. `None` elsewhere without one.
    pub fn configured(command: Option<&str>) -> Option<Backend> {
        let command = match command {
            Some(c) if !c.trim().is_empty() => c.to_string(),
            _ if cfg!(windows) => "msiexec".to_string(),
            _ => return None,
        };
        Some(Backend {
            words: command.split_whitespace().map(str::to_string).collect(),
            busy_wait: Duration::from_secs(10),
            busy_tries: 30,
        })
    }

    /// The command as configured.
    pub fn command(&self) -> String {
        self.words.join(" ")
    }

    /// Runs `operation`, logging verbosely to `log`; 1618 waits and retries.
    pub fn run(
        &self,
        operation: &Operation,
        properties: &[Property],
        log: &Path,
    ) -> Result<Done, Failed> {
        let folder = log.parent().unwrap_or(Path::new("."));
        let _ = std::fs::create_dir_all(folder);
        let (mut command, shown) = self.build(operation, properties, log, folder);
        let failed = |code: Option<i32>, problem: String| Failed {
            command: shown.clone(),
            code,
            problem,
            log: log.to_path_buf(),
        };
        let mut tries = 0;
        loop {
            tries += 1;
            let status = command
                .status()
                .map_err(|e| failed(None, format!("cannot run {}: {e}", self.words[0])))?;
            scrub(log, properties);
            let code = status.code();
            let is = |windows: i32| code.is_some_and(|c| same_code(c, windows));
            match code {
                Some(0) => return Ok(Done::Done),
                _ if is(3010) || is(1641) => return Ok(Done::RestartNeeded),
                _ if is(1618) && tries < self.busy_tries => std::thread::sleep(self.busy_wait),
                _ if is(1618) => {
                    return Err(failed(
                        Some(1618),
                        format!("another installation kept running through {tries} tries"),
                    ));
                }
                code => {
                    let problem = match code {
                        Some(c) => format!("exit code {c}"),
                        None => "stopped by a signal".into(),
                    };
                    return Err(failed(code, problem));
                }
            }
        }
    }

    /// The command to run (in the log's folder), and the line to show with secrets masked.
    fn build(
        &self,
        operation: &Operation,
        properties: &[Property],
        log: &Path,
        folder: &Path,
    ) -> (Command, String) {
        let path = |p: &Path| backend_path(folder, p);
        let (program, mut args): (Vec<String>, Vec<String>) = match operation {
            Operation::Install(f) => (self.words.clone(), vec!["/i".into(), path(f)]),
            Operation::Patch(f) => (self.words.clone(), vec!["/p".into(), path(f)]),
            Operation::Uninstall(code) => (self.words.clone(), vec!["/x".into(), code.to_string()]),
            Operation::Repair(f) => (
                self.words.clone(),
                vec![
                    "/i".into(),
                    path(f),
                    "REINSTALL=ALL".into(),
                    "REINSTALLMODE=amus".into(),
                ],
            ),
            Operation::Program(f, silent) => {
                // The launcher is the backend command without its last word
                // (`wine` for `wine msiexec`; nothing for `msiexec`).
                let mut launcher = self.words[..self.words.len() - 1].to_vec();
                launcher.push(path(f));
                (
                    launcher,
                    silent.split_whitespace().map(str::to_string).collect(),
                )
            }
        };
        if !matches!(operation, Operation::Program(..)) {
            args.extend(["/qn".into(), "/norestart".into(), "/l*v".into()]);
            args.push(
                log.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            );
        }
        let mut shown: Vec<String> = program.iter().chain(&args).cloned().collect();
        for p in properties {
            args.push(format!("{}={}", p.name, p.value));
            let value = if p.secret { MASK } else { p.value.as_str() };
            shown.push(format!("{}={}", p.name, value));
        }
        let mut command = Command::new(&program[0]);
        command
            .args(&program[1..])
            .args(&args)
            .current_dir(folder)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        (command, crate::text::escaped(&shown.join(" ")).into_owned())
    }
}

/// Whether exit code `code` is the Windows Installer's `windows`. Off Windows a
/// process exit code keeps only its low 8 bits, so a Windows layer's 3010
/// arrives as 194 and 1603 as 67: compare those bits there.
fn same_code(code: i32, windows: i32) -> bool {
    if cfg!(windows) {
        code == windows
    } else {
        code & 0xff == windows & 0xff
    }
}

/// A file as the backend is given it: its absolute path on Windows; elsewhere
/// a path relative to the folder the backend runs in, with `\` separators, which
/// a Windows layer (Wine) resolves on the same file system.
fn backend_path(folder: &Path, file: &Path) -> String {
    let absolute = |p: &Path| dunce::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    if cfg!(windows) {
        return absolute(file).display().to_string();
    }
    let (from, to) = (absolute(folder), absolute(file));
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".into(); from.len() - common];
    parts.extend(
        to[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("\\")
}

/// Replaces every secret value in the log (UTF-8 or UTF-16LE, as Windows
/// Installer writes either) with a mask, rewriting it atomically.
fn scrub(log: &Path, properties: &[Property]) {
    let Ok(mut bytes) = std::fs::read(log) else {
        return;
    };
    let mut changed = false;
    for p in properties
        .iter()
        .filter(|p| p.secret && !p.value.is_empty())
    {
        let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
        for (needle, mask) in [
            (p.value.as_bytes().to_vec(), MASK.as_bytes().to_vec()),
            (utf16(&p.value), utf16(MASK)),
        ] {
            while let Some(at) = find(&bytes, &needle) {
                bytes.splice(at..at + needle.len(), mask.iter().copied());
                changed = true;
            }
        }
    }
    if changed {
        let _ = crate::state::write_file(log, &bytes);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
