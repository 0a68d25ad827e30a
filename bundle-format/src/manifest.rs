//! The manifest: the signed JSON document that names everything a bundle
//! holds, its strict parsing, and the validation every field goes through
//! (so a reader never acts on a name, size or hash it has not checked).

use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;

/// The format version this crate writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// The largest manifest accepted, in bytes.
pub const MAX_MANIFEST_LEN: u64 = 16 * 1024 * 1024;
/// The most files a bundle may hold.
pub const MAX_FILES: usize = 10_000;
/// The longest file name, in UTF-8 bytes (it must fit a ustar name field).
pub const MAX_NAME_LEN: usize = 100;
/// The longest free-text field (product ids, versions, contact, ...), in bytes.
pub const MAX_TEXT_LEN: usize = 4096;

/// Everything a bundle states about itself. Serialized as JSON with camelCase
/// keys; unknown keys are refused (a format-1 reader must understand every
/// field it trusts). The container knows files, hashes, the signing key and
/// rollback; what the files mean to the application that made the bundle is
/// the application's `content`, a JSON object of the schema `contentType`
/// names, signed with the rest and parsed strictly by that application (as
/// tar knows nothing of what its files are for).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Manifest {
    /// Always [`FORMAT_VERSION`] for what this crate writes.
    pub format: u32,
    /// 32 lowercase hex digits (128 bits); filled by the writer.
    pub bundle_id: String,
    /// Creation time, seconds since the Unix epoch (UTC); filled by the writer.
    /// Per signing key, it orders bundles for rollback protection.
    pub created: u64,
    /// The program that built the bundle, e.g. `airlock 0.1.0`.
    pub builder: String,
    /// The signing key's fingerprint (16 hex digits); filled by the writer.
    pub key_fingerprint: String,
    /// The runner executable at the start of the file; filled by the writer.
    pub runner: RunnerRef,
    /// Every file of the payload, in payload order.
    pub files: Vec<FileEntry>,
    /// The schema of `content`: `[a-z0-9-]{1,32}`, e.g. `airlock-package-1`.
    pub content_type: String,
    /// The application's document about the files.
    pub content: serde_json::Map<String, serde_json::Value>,
}

/// Size and digest of the runner executable.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RunnerRef {
    pub size: u64,
    pub sha256: String,
}

/// One file of the payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FileEntry {
    /// A plain file name (see [`check_name`]).
    pub name: String,
    /// What the file is (`msi`, `msp`, `exe`, `text`, `license`, ...): `[a-z0-9-]{1,32}`.
    pub kind: String,
    pub size: u64,
    /// 64 lowercase hex digits.
    pub sha256: String,
}

/// Why a manifest is not acceptable; the message names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    #[error("manifest is not valid JSON for format 1: {0}")]
    Json(String),
    #[error(
        "bundle format {found} is not format {supported}, the one this program reads; a newer bundle needs a newer airlock"
    )]
    UnsupportedFormat { found: u32, supported: u32 },
    #[error("manifest field {field}: {problem}")]
    Field { field: String, problem: String },
}

fn field_error(field: impl Into<String>, problem: impl Into<String>) -> ManifestError {
    ManifestError::Field {
        field: field.into(),
        problem: problem.into(),
    }
}

impl Manifest {
    /// A manifest with the caller's part (builder, content) and no files yet;
    /// the writer fills `format`, `bundle_id`, `created`, `key_fingerprint`
    /// and `runner`.
    pub fn new(
        builder: impl Into<String>,
        content_type: impl Into<String>,
        content: serde_json::Map<String, serde_json::Value>,
    ) -> Manifest {
        Manifest {
            format: FORMAT_VERSION,
            bundle_id: String::new(),
            created: 0,
            builder: builder.into(),
            key_fingerprint: String::new(),
            runner: RunnerRef::default(),
            files: Vec::new(),
            content_type: content_type.into(),
            content,
        }
    }

    /// Parses and validates manifest bytes. An unsupported `format` is reported
    /// as such before anything else is looked at.
    pub fn parse(bytes: &[u8]) -> Result<Manifest, ManifestError> {
        #[derive(Deserialize)]
        struct FormatOnly {
            format: u32,
        }
        if let Ok(FormatOnly { format }) = serde_json::from_slice::<FormatOnly>(bytes)
            && format != FORMAT_VERSION
        {
            return Err(ManifestError::UnsupportedFormat {
                found: format,
                supported: FORMAT_VERSION,
            });
        }
        let json = |e: serde_json::Error| ManifestError::Json(e.to_string());
        serde_json::from_slice::<UniqueKeys>(bytes).map_err(json)?;
        let manifest: Manifest = serde_json::from_slice(bytes).map_err(json)?;
        manifest.validate()?;
        Ok(manifest)
    }

    /// The sum of the files' sizes (saturating: an unverified manifest's sizes may be anything).
    pub fn total_size(&self) -> u64 {
        self.files
            .iter()
            .fold(0u64, |sum, f| sum.saturating_add(f.size))
    }

    /// The exact bytes that are signed and stored: compact JSON, fields in declaration order.
    pub fn to_bytes(&self) -> Vec<u8> {
        match serde_json::to_vec(self) {
            Ok(bytes) => bytes,
            // Only string keys and plain data: serialization cannot fail.
            Err(e) => unreachable!("manifest serialization failed: {e}"),
        }
    }

    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> Result<(), ManifestError> {
        if self.format != FORMAT_VERSION {
            return Err(ManifestError::UnsupportedFormat {
                found: self.format,
                supported: FORMAT_VERSION,
            });
        }
        check_hex("bundleId", &self.bundle_id, 32)?;
        check_text("builder", &self.builder)?;
        check_hex("keyFingerprint", &self.key_fingerprint, 16)?;
        check_hex("runner.sha256", &self.runner.sha256, 64)?;
        check_kind("contentType", &self.content_type)?;

        if self.files.len() > MAX_FILES {
            return Err(field_error(
                "files",
                format!(
                    "{} files, more than the limit of {MAX_FILES}",
                    self.files.len()
                ),
            ));
        }
        for (i, f) in self.files.iter().enumerate() {
            let at = format!("files[{i}]");
            check_name(&f.name).map_err(|p| field_error(format!("{at}.name"), p.to_string()))?;
            check_kind(&format!("{at}.kind"), &f.kind)?;
            check_hex(&format!("{at}.sha256"), &f.sha256, 64)?;
        }
        if let Some((first, i)) = find_clash(self.files.iter().map(|f| f.name.as_str())) {
            return Err(field_error(
                format!("files[{i}].name"),
                format!(
                    "{:?} appears twice: it is the same file as files[{first}] {:?} (names are compared ignoring case)",
                    self.files[i].name, self.files[first].name
                ),
            ));
        }
        Ok(())
    }
}

/// Any JSON value, accepted only when no object in it has a key twice:
/// readers that keep the first value and readers that keep the last would
/// otherwise act on different content under one signature.
struct UniqueKeys;

impl<'de> Deserialize<'de> for UniqueKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UniqueKeys)
    }
}

impl<'de> serde::de::Visitor<'de> for UniqueKeys {
    type Value = UniqueKeys;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_i64<E>(self, _: i64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_u64<E>(self, _: u64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_f64<E>(self, _: f64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_str<E>(self, _: &str) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_unit<E>(self) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<UniqueKeys, A::Error> {
        while seq.next_element::<UniqueKeys>()?.is_some() {}
        Ok(UniqueKeys)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<UniqueKeys, A::Error> {
        let mut keys = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            map.next_value::<UniqueKeys>()?;
            if !keys.insert(key.clone()) {
                return Err(serde::de::Error::custom(format!(
                    "key {key:?} appears twice in one object"
                )));
            }
        }
        Ok(UniqueKeys)
    }
}

pub fn check_hex(field: &str, value: &str, len: usize) -> Result<(), ManifestError> {
    if value.len() == len
        && value
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        Ok(())
    } else {
        Err(field_error(
            field,
            format!("{value:?} is not {len} lowercase hex digits"),
        ))
    }
}

pub fn check_text(field: &str, value: &str) -> Result<(), ManifestError> {
    if value.is_empty() {
        return Err(field_error(field, "is empty"));
    }
    check_text_allow_empty(field, value)
}

pub fn check_text_allow_empty(field: &str, value: &str) -> Result<(), ManifestError> {
    if value.len() > MAX_TEXT_LEN {
        return Err(field_error(
            field,
            format!("{} bytes, longer than {MAX_TEXT_LEN}", value.len()),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(field_error(field, "contains control characters"));
    }
    Ok(())
}

pub fn check_kind(field: &str, value: &str) -> Result<(), ManifestError> {
    if (1..=32).contains(&value.len())
        && value
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-'))
    {
        Ok(())
    } else {
        Err(field_error(
            field,
            format!("{value:?} is not 1 to 32 of a-z, 0-9, -"),
        ))
    }
}

/// Windows device names, refused as file names with or without an extension
/// (Windows also reserves `COM` and `LPT` with a superscript ¹ ² ³).
const DEVICE_NAMES: [&str; 30] = [
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "com¹", "com²", "com³", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8",
    "lpt9", "lpt¹", "lpt²", "lpt³", "conin$", "conout$",
];

/// Characters that make text display as other text: bidirectional controls
/// (embeddings, overrides, isolates, marks), zero-width and other invisible
/// characters (Unicode's default-ignorable code points, fillers, the
/// byte-order mark) and the line and paragraph separators.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFB}' | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

/// The first pair of names that are one file on a case-insensitive file
/// system, as indices (earlier, later). File systems fold case differently
/// (Windows by upper case, so `ſ` is `s` there), so two names clash when
/// either their lower or their upper case agrees. No copy of the names is
/// kept (a run's listings name tens of thousands of files): each name is
/// hashed as it folds, the names are sorted by hash, and only names of one
/// hash are taken again, in one more pass, to be folded whole and compared.
pub fn find_clash<'n, I>(names: I) -> Option<(usize, usize)>
where
    I: IntoIterator<Item = &'n str>,
    I::IntoIter: Clone,
{
    let names = names.into_iter();
    let hasher = std::hash::RandomState::new();
    let lower = earlier_twins(names.clone(), Fold::Lower, &hasher);
    let upper = earlier_twins(names, Fold::Upper, &hasher);
    // The first name with an earlier twin; its twin by upper case first.
    let later = *upper.keys().chain(lower.keys()).min()?;
    let twin = upper.get(&later).or_else(|| lower.get(&later))?;
    Some((*twin, later))
}

/// A case folding of whole names, as `str::to_lowercase` and
/// `str::to_uppercase` do it.
#[derive(Clone, Copy)]
enum Fold {
    Lower,
    Upper,
}

impl Fold {
    fn whole(self, name: &str) -> String {
        match self {
            Fold::Lower => name.to_lowercase(),
            Fold::Upper => name.to_uppercase(),
        }
    }

    /// 32 bits of the hash of `name` folded, without keeping a folded copy:
    /// an ASCII name of a file's length (nearly every name) is folded in a
    /// buffer on the stack; any other is folded whole (capital sigma's lower
    /// case depends on its place: final `ς` or `σ`). Either way the folded
    /// text's bytes are hashed at once, so both ways agree.
    fn hash(self, name: &str, hasher: &impl BuildHasher) -> u32 {
        let mut buffer = [0; MAX_NAME_LEN];
        let hash = |folded: &[u8]| hasher.hash_one(folded) as u32;
        match buffer.get_mut(..name.len()) {
            Some(folded) if name.is_ascii() => {
                folded.copy_from_slice(name.as_bytes());
                match self {
                    Fold::Lower => folded.make_ascii_lowercase(),
                    Fold::Upper => folded.make_ascii_uppercase(),
                }
                hash(folded)
            }
            _ => hash(self.whole(name).as_bytes()),
        }
    }
}

/// For each name that folds (by `fold`) to the same text as an earlier one,
/// the latest such earlier name. Indices are `u32` while sorting: a run
/// names far fewer than four billion files.
fn earlier_twins<'n>(
    names: impl Iterator<Item = &'n str> + Clone,
    fold: Fold,
    hasher: &impl BuildHasher,
) -> HashMap<usize, usize> {
    let mut by_hash: Vec<(u32, u32)> = names
        .clone()
        .enumerate()
        .map(|(i, name)| (fold.hash(name, hasher), i as u32))
        .collect();
    by_hash.sort_unstable();
    let groups = || by_hash.chunk_by(|a, b| a.0 == b.0).filter(|g| g.len() > 1);
    // The names that share a hash, folded whole.
    let mut wanted: Vec<u32> = groups().flatten().map(|&(_, i)| i).collect();
    if wanted.is_empty() {
        return HashMap::new();
    }
    wanted.sort_unstable();
    let mut next = wanted.iter().peekable();
    let mut folded = HashMap::new();
    for (i, name) in names.enumerate() {
        if next.next_if(|&&w| w as usize == i).is_some() {
            folded.insert(i as u32, fold.whole(name));
        }
    }
    let mut twins = HashMap::new();
    for group in groups() {
        // In index order: the latest earlier twin of each is found going back.
        for (k, &(_, i)) in group.iter().enumerate() {
            if let Some(&(_, j)) = group[..k]
                .iter()
                .rev()
                .find(|(_, j)| folded[j] == folded[&i])
            {
                twins.insert(i as usize, j as usize);
            }
        }
    }
    twins
}

/// Why a text cannot be a plain file name; the message quotes the name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("file name {name:?} is {len} bytes, longer than {MAX_NAME_LEN}", len = name.len())]
    TooLong { name: String },
    #[error("file name is empty")]
    Empty,
    #[error("file name {name:?} contains {found:?}; only plain file names are allowed")]
    Character { name: String, found: char },
    #[error("file name {name:?} names no file; give a plain file name")]
    NoFile { name: String },
    #[error("file name {name:?} contains \"..\"")]
    DotDot { name: String },
    #[error("file name {name:?} ends with a dot or a space")]
    Trailing { name: String },
    #[error("file name {name:?} is a Windows device name")]
    Device { name: String },
}

/// Checks that `name` can be a file of a bundle: a plain file name (see
/// [`check_plain_name`]) of at most [`MAX_NAME_LEN`] bytes, so it fits a tar
/// header.
pub fn check_name(name: &str) -> Result<(), NameError> {
    if name.len() > MAX_NAME_LEN {
        return Err(NameError::TooLong { name: name.into() });
    }
    check_plain_name(name)
}

/// The one rule for a plain file name, safe on Windows and Unix alike, for
/// the files in a bundle and the bundle and parts a split index names: not
/// empty; no `/`, `\`, `..`, NUL, control characters or invisible ones
/// (zero-width, bidirectional controls, byte-order mark); none of
/// `: * ? " < > |`; not ending in `.` or space; not a Windows device name
/// (`CON`, `nul.txt`, `COM1`, ...).
pub fn check_plain_name(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if let Some(found) = name.chars().find(|c| {
        c.is_control()
            || is_invisible(*c)
            || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
    }) {
        return Err(NameError::Character {
            name: name.into(),
            found,
        });
    }
    if name.chars().all(|c| c == '.') {
        return Err(NameError::NoFile { name: name.into() });
    }
    if name.contains("..") {
        return Err(NameError::DotDot { name: name.into() });
    }
    if name.ends_with('.') || name.ends_with(' ') {
        return Err(NameError::Trailing { name: name.into() });
    }
    let stem = name.split('.').next().unwrap_or(name).trim_end();
    if DEVICE_NAMES.iter().any(|d| d.eq_ignore_ascii_case(stem)) {
        return Err(NameError::Device { name: name.into() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Hashing folded names finds the pair that keeping folded copies finds.
        #[test]
        fn clashes_are_those_of_folded_copies(names in proptest::collection::vec("[aAbB\u{17F}\u{212A}kKsS\u{3A3}\u{3C2}\u{3C3}]{1,3}", 0..12)) {
            let mut lower = HashMap::new();
            let mut upper = HashMap::new();
            let mut expected = None;
            for (i, name) in names.iter().enumerate() {
                let first = lower.insert(name.to_lowercase(), i);
                if let Some(first) = upper.insert(name.to_uppercase(), i).or(first) {
                    expected = Some((first, i));
                    break;
                }
            }
            proptest::prop_assert_eq!(find_clash(names.iter().map(String::as_str)), expected);
        }
    }

    #[test]
    fn names_clash_when_either_case_agrees() {
        assert_eq!(find_clash(["a.msi", "b.msi", "A.MSI"]), Some((0, 2)));
        // U+017F (long s) upper-cases to S: one file on Windows.
        assert_eq!(find_clash(["s.msi", "x", "\u{17F}.msi"]), Some((0, 2)));
        // U+212A (Kelvin sign) lower-cases to k.
        assert_eq!(find_clash(["\u{212A}.msi", "k.msi"]), Some((0, 1)));
        assert_eq!(find_clash(["a.msi", "b.msi", "ab.msi"]), None);
        // Final sigma: its lower case depends on its place, its upper case does not.
        assert_eq!(find_clash(["\u{3A3}.msi", "\u{3C2}.msi"]), Some((0, 1)));
        assert_eq!(find_clash(["x", "y", "x", "X"]), Some((0, 2)));
        // Longer than a file name may be: folded whole, as a non-ASCII name is.
        let long = "a".repeat(MAX_NAME_LEN + 1);
        assert_eq!(
            find_clash([long.as_str(), &long.to_uppercase()]),
            Some((0, 1))
        );
        assert_eq!(find_clash([long.as_str(), &long[1..]]), None);
    }

    #[test]
    fn names() {
        for good in [
            "a.msi",
            "ITMS 8.0 HF7.msp",
            "Ünïcode.txt",
            "con1.txt",
            ".hidden",
        ] {
            assert_eq!(check_name(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "a/b",
            "a\\b",
            "..",
            ".",
            "a..b",
            "x\0",
            "tab\there",
            "CON",
            "nul.txt",
            "Com1.msi",
            "lpt9",
            "trail.",
            "trail ",
            "a:b",
            "q?",
            "p|q",
            "COM¹.msi",
            "lpt³",
            "conin$",
            "CONOUT$.txt",
            "setup\u{202E}gpj.exe",
            "zero\u{200B}width.msi",
            "bom\u{FEFF}.msi",
        ] {
            assert!(check_name(bad).is_err(), "{bad:?} accepted");
        }
        assert!(check_name(&"a".repeat(101)).is_err());
        for dots in [".", ".."] {
            let problem = check_name(dots).unwrap_err();
            assert!(
                matches!(problem, NameError::NoFile { .. }),
                "{dots}: {problem}"
            );
            assert!(
                problem.to_string().contains("names no file"),
                "{dots}: {problem}"
            );
        }
        for bad in [
            "bidi\u{2067}.msi",
            "soft\u{00AD}hyphen.msi",
            "line\u{2028}.msi",
            "tag\u{E0041}.msi",
        ] {
            assert!(check_name(bad).is_err(), "{bad:?} accepted");
        }
        assert!(check_name("com10.txt").is_ok());
        assert!(check_name(&"a".repeat(100)).is_ok());
    }
}
