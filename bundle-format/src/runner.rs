//! What a runner is: the platform its executable header names (PE for
//! Windows, ELF for Linux) and the Airlock runner marker compiled into it
//! (program, version, the bundle format it reads), found by scanning its
//! bytes (README.md, section 10). A builder refuses a runner that is not an
//! Airlock runner for the servers' platform; a reader shows what a bundle's
//! runner is. The format's verification does not depend on any of this.

use memchr::memmem::Finder;
use std::fmt;
use std::io::{self, Read};

/// The bytes every marker starts with.
pub const MARKER_MAGIC: &[u8] = b"AIRLOCK-RUNNER:";

/// The most bytes a marker's text holds between the magic and its NUL.
pub const MARKER_MAX_TEXT: usize = 240;

/// How much of the file's start is kept to read the executable header.
const HEADER_LEN: usize = 4096;

/// Bytes an occurrence of the magic needs after its start to be judged.
const WINDOW: usize = MARKER_MAGIC.len() + MARKER_MAX_TEXT + 1;

/// The operating system an executable is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Os {
    Windows,
    Linux,
}

impl Os {
    /// The executable format the operating system loads.
    pub fn executable_format(self) -> &'static str {
        match self {
            Os::Windows => "PE",
            Os::Linux => "ELF",
        }
    }
}

impl fmt::Display for Os {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Os::Windows => "windows",
            Os::Linux => "linux",
        })
    }
}

/// The platform an executable header names.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Platform {
    pub os: Os,
    /// `x86_64`, `x86`, `aarch64`, `arm`, or `machine 0x…` for others.
    pub arch: String,
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.os, self.arch)
    }
}

/// What an Airlock runner's marker says about it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Marker {
    pub program: String,
    pub version: String,
    /// The bundle format version the runner reads.
    pub bundle_format: u32,
}

/// What a runner is, as far as its bytes tell.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Identity {
    /// `None`: neither a PE nor an ELF executable.
    pub platform: Option<Platform>,
    /// `None`: no Airlock runner marker.
    pub marker: Option<Marker>,
}

impl fmt::Display for Identity {
    /// `airlock 0.1.0 for windows x86_64 (bundle format 1)`, or what is missing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let platform = self
            .platform
            .as_ref()
            .map_or("an unknown platform (neither PE nor ELF)".into(), |p| {
                p.to_string()
            });
        match &self.marker {
            Some(m) => write!(
                f,
                "{} {} for {platform} (bundle format {})",
                m.program, m.version, m.bundle_format
            ),
            None => write!(
                f,
                "not an Airlock runner (no runner marker), for {platform}"
            ),
        }
    }
}

/// Reads `runner` to its end and says what it is. Memory stays bounded
/// whatever its length.
pub fn identify(mut runner: impl Read) -> io::Result<Identity> {
    let mut scanner = Scanner::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = match runner.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        scanner.update(&buf[..n]);
    }
    Ok(scanner.finish())
}

/// Identifies a runner fed in chunks (for readers that already stream its
/// bytes, for example to hash them).
pub struct Scanner {
    header: Vec<u8>,
    /// The last bytes seen, where a marker may start that the next chunk ends.
    carry: Vec<u8>,
    finder: Finder<'static>,
    marker: Option<Marker>,
}

impl Default for Scanner {
    fn default() -> Scanner {
        Scanner::new()
    }
}

impl Scanner {
    pub fn new() -> Scanner {
        Scanner {
            header: Vec::with_capacity(HEADER_LEN),
            carry: Vec::new(),
            finder: Finder::new(MARKER_MAGIC),
            marker: None,
        }
    }

    pub fn update(&mut self, chunk: &[u8]) {
        if self.header.len() < HEADER_LEN {
            let take = chunk.len().min(HEADER_LEN - self.header.len());
            self.header.extend_from_slice(&chunk[..take]);
        }
        if self.marker.is_some() {
            return;
        }
        self.carry.extend_from_slice(chunk);
        // An occurrence whose whole window is here is judged now; one that
        // starts in the last WINDOW - 1 bytes waits for more.
        let decidable = self.carry.len().saturating_sub(WINDOW - 1);
        self.marker = self.first_marker(decidable);
        let keep_from = self.carry.len().saturating_sub(WINDOW - 1);
        self.carry.drain(..keep_from);
    }

    pub fn finish(mut self) -> Identity {
        if self.marker.is_none() {
            self.marker = self.first_marker(self.carry.len());
        }
        Identity {
            platform: platform(&self.header),
            marker: self.marker,
        }
    }

    /// The first well-formed marker starting before `limit` in `carry`.
    fn first_marker(&self, limit: usize) -> Option<Marker> {
        self.finder
            .find_iter(&self.carry)
            .take_while(|&at| at < limit)
            .find_map(|at| parse_marker(&self.carry[at + MARKER_MAGIC.len()..]))
    }
}

/// The marker text after the magic: printable ASCII up to a NUL, of
/// space-separated `key=value` items, `marker=1` and `program`, `version`,
/// `format` required, others ignored.
fn parse_marker(after: &[u8]) -> Option<Marker> {
    let window = &after[..after.len().min(MARKER_MAX_TEXT + 1)];
    let end = window.iter().position(|&b| b == 0)?;
    let text = std::str::from_utf8(&window[..end]).ok()?;
    if !text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return None;
    }
    let (mut layout, mut program, mut version, mut format) = (None, None, None, None);
    for item in text.split(' ') {
        let (key, value) = item.split_once('=')?;
        if value.is_empty() {
            return None;
        }
        match key {
            "marker" => layout = Some(value),
            "program" => program = Some(value),
            "version" => version = Some(value),
            "format" => format = value.parse::<u32>().ok(),
            _ => {}
        }
    }
    (layout? == "1").then_some(())?;
    Some(Marker {
        program: program?.to_string(),
        version: version?.to_string(),
        bundle_format: format?,
    })
}

/// The platform the executable header at the start of `bytes` names.
fn platform(bytes: &[u8]) -> Option<Platform> {
    let u16_le = |at: usize| Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?));
    if bytes.starts_with(b"MZ") {
        let pe = u32::from_le_bytes(bytes.get(0x3c..0x40)?.try_into().ok()?) as usize;
        if bytes.get(pe..pe.checked_add(4)?)? != b"PE\0\0" {
            return None;
        }
        let arch = match u16_le(pe + 4)? {
            0x8664 => "x86_64".into(),
            0x014c => "x86".into(),
            0xaa64 => "aarch64".into(),
            0x01c4 => "arm".into(),
            other => format!("machine 0x{other:04x}"),
        };
        return Some(Platform {
            os: Os::Windows,
            arch,
        });
    }
    if bytes.starts_with(b"\x7fELF") {
        let machine = match bytes.get(5)? {
            1 => u16_le(18)?,
            2 => u16::from_be_bytes(bytes.get(18..20)?.try_into().ok()?),
            _ => return None,
        };
        let arch = match machine {
            62 => "x86_64".into(),
            3 => "x86".into(),
            183 => "aarch64".into(),
            40 => "arm".into(),
            other => format!("machine 0x{other:04x}"),
        };
        return Some(Platform {
            os: Os::Linux,
            arch,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marker(text: &str) -> Vec<u8> {
        [MARKER_MAGIC, text.as_bytes(), b"\0"].concat()
    }

    #[test]
    fn a_marker_split_across_chunks_is_found() {
        let mut bytes = vec![7u8; 5000];
        bytes.extend(marker("marker=1 program=airlock version=1.2.3 format=1"));
        bytes.extend(vec![9u8; 100]);
        for chunk in [1, 3, 17, 4096, 5010] {
            let mut scanner = Scanner::new();
            for part in bytes.chunks(chunk) {
                scanner.update(part);
            }
            let found = scanner.finish().marker.expect("found");
            assert_eq!(found.program, "airlock");
            assert_eq!(found.version, "1.2.3");
            assert_eq!(found.bundle_format, 1);
        }
    }

    #[test]
    fn a_bare_magic_or_a_malformed_text_is_no_marker() {
        for text in [
            "",
            "marker=1 program=airlock version=1",
            "marker=2 program=airlock version=1 format=1",
            "marker=1 program=airlock version=1 format=x",
            "marker=1 program=airlock version= format=1",
            "marker=1 program=air\nlock version=1 format=1",
        ] {
            let scanned = identify(&marker(text)[..]).unwrap();
            assert_eq!(scanned.marker, None, "{text:?}");
        }
        let unterminated = [MARKER_MAGIC, &[b'a'; MARKER_MAX_TEXT + 10]].concat();
        assert_eq!(identify(&unterminated[..]).unwrap().marker, None);
    }

    #[test]
    fn the_first_good_marker_wins_and_unknown_keys_are_ignored() {
        let bytes = [
            &marker("garbage")[..],
            &marker("marker=1 program=airlock version=2 format=1 features=net")[..],
            &marker("marker=1 program=other version=3 format=1")[..],
        ]
        .concat();
        let found = identify(&bytes[..]).unwrap().marker.unwrap();
        assert_eq!(
            (found.program.as_str(), found.version.as_str()),
            ("airlock", "2")
        );
    }

    #[test]
    fn pe_and_elf_headers_name_their_platform() {
        let mut pe = vec![0u8; 0x200];
        pe[..2].copy_from_slice(b"MZ");
        pe[0x3c..0x40].copy_from_slice(&0x80u32.to_le_bytes());
        pe[0x80..0x84].copy_from_slice(b"PE\0\0");
        pe[0x84..0x86].copy_from_slice(&0x8664u16.to_le_bytes());
        assert_eq!(
            identify(&pe[..]).unwrap().platform.unwrap().to_string(),
            "windows x86_64"
        );
        let mut elf = [0u8; 64];
        elf[..4].copy_from_slice(b"\x7fELF");
        elf[5] = 1;
        elf[18..20].copy_from_slice(&183u16.to_le_bytes());
        assert_eq!(
            identify(&elf[..]).unwrap().platform.unwrap().to_string(),
            "linux aarch64"
        );
        // An MZ stub without the PE signature, or a cut header, names nothing.
        assert_eq!(identify(&pe[..0x82]).unwrap().platform, None);
        assert_eq!(
            identify(&b"MZ stand-in runner\n"[..]).unwrap().platform,
            None
        );
        assert_eq!(identify(&b"#!/bin/sh\n"[..]).unwrap().platform, None);
    }
}
