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

/// What a secret value is shown and logged as.
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
        let mut shown: Vec<String> = program
            .iter()
            .chain(&args)
            .map(|w| crate::text::escaped(w).into_owned())
            .collect();
        shown.extend(properties.iter().map(Property::shown));
        let mut command = Command::new(&program[0]);
        command.args(&program[1..]).args(&args);
        for p in properties {
            p.pass(&mut command);
        }
        command
            .current_dir(folder)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        (command, shown.join(" "))
    }
}

impl Property {
    /// `NAME="value"` as the Windows Installer reads it: the value in quotes,
    /// a `"` inside it doubled, so that it stays one property whatever it holds.
    fn quoted(&self, value: &str) -> String {
        format!("{}=\"{}\"", self.name, value.replace('"', "\"\""))
    }

    /// The property as shown: a secret masked, quoted where the value needs
    /// it (empty, a space, a `"`), control characters escaped.
    pub fn shown(&self) -> String {
        let value = if self.secret { MASK } else { &self.value };
        let shown = if value.is_empty() || value.contains([' ', '"']) {
            self.quoted(value)
        } else {
            format!("{}={value}", self.name)
        };
        crate::text::escaped(&shown).into_owned()
    }

    /// Adds the property to the installer's command line. On Windows the
    /// command line is the installer's to parse, so it gets the quoted form
    /// verbatim (the standard library's quoting, `\"`, is not what msiexec
    /// reads). Elsewhere the installer is reached through Wine, which builds
    /// the Windows command line from each argument itself: the argument is
    /// `NAME=value`, whole.
    fn pass(&self, command: &mut Command) {
        #[cfg(windows)]
        {
            use std::os::windows::process::CommandExt;
            command.raw_arg(self.quoted(&self.value));
        }
        #[cfg(not(windows))]
        command.arg(format!("{}={}", self.name, self.value));
    }

    /// Why this property's value cannot reach the installer as exactly the
    /// one property it is, if it cannot (checked before anything runs; the
    /// name is checked when the package is read).
    pub fn uncarried(&self) -> Option<&'static str> {
        if self.value.contains(char::is_control) {
            return Some(
                "holds a control character (a line break, a tab, a NUL), which an installer \
                 command line cannot carry",
            );
        }
        if !wine() {
            return None;
        }
        if self.value.is_empty() {
            return Some(
                "is empty, which Wine's msiexec reads as the start of the next property; \
                 leave the property out of the answers instead",
            );
        }
        if self.value.contains('"') {
            return Some(
                "holds a double quote (\"), which Wine's msiexec drops from its command line \
                 (Windows' own msiexec keeps it)",
            );
        }
        if cfg!(not(windows)) && self.value.contains(' ') && self.value.ends_with('\\') {
            return Some(
                "ends with a backslash and holds a space, and Wine doubles such a backslash \
                 when it passes the value to msiexec; leave the final backslash out",
            );
        }
        None
    }
}

/// Whether the installer runs under Wine: always off Windows (the backend is
/// Wine's msiexec there), and on Windows when Wine is the system underneath.
fn wine() -> bool {
    #[cfg(windows)]
    return crate::host::wine();
    #[cfg(not(windows))]
    return true;
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

/// Replaces every secret value in the log with the mask, rewriting it
/// atomically.
fn scrub(log: &Path, properties: &[Property]) {
    let Ok(bytes) = std::fs::read(log) else {
        return;
    };
    let secrets: Vec<&str> = properties
        .iter()
        .filter(|p| p.secret)
        .map(|p| p.value.as_str())
        .collect();
    if let Some(clean) = scrubbed(&bytes, &secrets) {
        let _ = crate::state::write_file(log, &clean);
    }
}

/// `log` with every secret replaced by the mask, in each encoding a Windows
/// Installer log may be written in (UTF-8, UTF-16LE, and the Western ANSI
/// code page Wine and English Windows write by default); `None` when no
/// secret occurs. One left-to-right pass over the input that never reads what
/// it wrote: it ends whatever the secrets are (one character, the mask or a
/// part of it, text that occurs elsewhere in the log). Where secrets overlap,
/// the longest is masked.
fn scrubbed(log: &[u8], secrets: &[&str]) -> Option<Vec<u8>> {
    let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    let mut needles: Vec<Vec<u8>> = Vec::new();
    let mut masks: Vec<Vec<u8>> = Vec::new();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        let mut forms = vec![
            (secret.as_bytes().to_vec(), MASK.as_bytes().to_vec()),
            (utf16(secret), utf16(MASK)),
        ];
        if let Some(ansi) = windows_1252(secret) {
            forms.push((ansi, MASK.as_bytes().to_vec()));
        }
        for (needle, mask) in forms {
            if !needles.contains(&needle) {
                needles.push(needle);
                masks.push(mask);
            }
        }
    }
    if needles.is_empty() {
        return None;
    }
    let finder = aho_corasick::AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::LeftmostLongest)
        .build(&needles)
        .ok()?;
    finder.find(log)?;
    Some(finder.replace_all_bytes(log, &masks))
}

/// `text` in Windows-1252, when it has a character outside ASCII and every
/// character has a place in that code page.
fn windows_1252(text: &str) -> Option<Vec<u8>> {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    if text.is_ascii() {
        return None;
    }
    text.chars()
        .map(|c| match u32::from(c) {
            n @ (0..0x80 | 0xa0..0x100) => u8::try_from(n).ok(),
            _ => HIGH.iter().position(|&h| h == c).map(|i| 0x80 + i as u8),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{MASK, scrubbed, windows_1252};
    use proptest::prelude::*;

    fn utf16(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    proptest! {
        /// Whatever the secrets and the text, the scrubber ends, and what
        /// it returns holds no secret outside the masks it wrote.
        #[test]
        fn ends_for_any_secrets(
            secrets in prop::collection::vec("|\\*{1,7}|.{1,6}", 0..4),
            text in ".{0,300}",
        ) {
            let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
            let out = scrubbed(text.as_bytes(), &secrets).unwrap_or_else(|| text.clone().into());
            // No secret or text has a line break: one stands for each mask.
            let masks = aho_corasick::AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                .build([MASK.as_bytes().to_vec(), utf16(MASK)])
                .unwrap();
            let rest = masks.replace_all_bytes(&out, &["\n", "\n"]);
            let rest = String::from_utf8_lossy(&rest);
            for secret in secrets.iter().filter(|s| !s.is_empty()) {
                prop_assert!(!rest.contains(secret), "{secret:?} left in {rest:?}");
            }
        }

        /// A log of text and secrets (sharing no character) comes back as
        /// the same text with one mask where each secret was, in UTF-8,
        /// UTF-16LE and Windows-1252 alike.
        #[test]
        fn each_secret_becomes_one_mask(
            secret in "\\*{1,7}|[*a-c€é]{1,8}",
            text in prop::collection::vec("[ x-zü=:\n]{0,12}", 1..6),
        ) {
            let log = text.join(&secret);
            let clean = text.join(MASK);
            let changed = text.len() > 1;
            for encode in [|s: &str| s.as_bytes().to_vec(), utf16, ansi] {
                let got = scrubbed(&encode(&log), &[&secret]);
                let want = changed.then(|| encode(&clean));
                prop_assert_eq!(got, want);
            }
        }
    }

    /// Text in Windows-1252 (ASCII as it is).
    fn ansi(s: &str) -> Vec<u8> {
        windows_1252(s).unwrap_or_else(|| s.as_bytes().to_vec())
    }

    #[test]
    fn the_mask_and_its_parts_are_masked_once() {
        let log = b"a * b ** c ****** d".as_slice();
        assert_eq!(
            scrubbed(log, &["*", "**", "******"]).unwrap(),
            b"a ****** b ****** c ****** d"
        );
        assert_eq!(scrubbed(log, &[""]), None);
        assert_eq!(scrubbed(b"", &["*"]), None);
        assert_eq!(
            windows_1252("Grüße-€").unwrap(),
            b"Gr\xfc\xdfe-\x80",
            "Western ANSI"
        );
        assert_eq!(windows_1252("ascii"), None);
        assert_eq!(windows_1252("日本"), None);
    }
}
