//! Split parts for removable media: a bundle cut into numbered parts
//! (`NAME.001`, `NAME.002`, …) plus a small signed index (`NAME.parts`) that
//! lets every part be checked on its own, so a missing, damaged or foreign part
//! is named before anything is joined. The layout is specified in README.md,
//! section "Split parts".

use crate::IoError;
use crate::keys::{Fingerprint, PublicKey, SigningKey};
use crate::manifest::check_plain_name;
use crate::{SignedBundle, atomic, regular};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::num::NonZeroU64;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The signature context: an index signature can never be taken for any other signature.
pub const INDEX_CONTEXT: &[u8] = b"airlock split index v1\0";
/// The `format` field of every index.
pub const INDEX_FORMAT: &str = "airlock-parts";
/// The only index version this code reads and writes.
pub const INDEX_VERSION: u32 = 1;
/// The extension of the index file, appended to the bundle's file name.
pub const INDEX_EXTENSION: &str = "parts";
/// Longest index file accepted (an index lists at most a few thousand parts).
const MAX_INDEX_LEN: u64 = 1 << 20;
/// Most parts one bundle may be cut into (three-digit suffixes).
pub const MAX_PARTS: u64 = 999;
const BUFFER_LEN: usize = 1 << 20;

/// Why a bundle could not be split, or its parts checked or joined.
#[derive(Debug, thiserror::Error)]
pub enum SplitError {
    #[error(transparent)]
    Io(#[from] crate::IoError),
    #[error(
        "{path}: the index of the parts is missing; copy it along with the parts (it is written next to them)"
    )]
    MissingIndex { path: PathBuf },
    #[error("{path}: not a valid parts index: {message}")]
    BadIndex { path: PathBuf, message: String },
    #[error("{path}: the index signature does not verify with key {key}")]
    BadSignature { path: PathBuf, key: String },
    #[error(
        "{path}: the index is signed by key {key}, which is not trusted (pass its .pub with --trust)"
    )]
    UntrustedIndex { path: PathBuf, key: String },
    #[error("{path}: part {number} of {count} is missing")]
    MissingPart {
        path: PathBuf,
        number: usize,
        count: usize,
    },
    #[error("{path}: part {number} has {actual} bytes, the index says {expected}")]
    PartSize {
        path: PathBuf,
        number: usize,
        expected: u64,
        actual: u64,
    },
    #[error(
        "{path}: holds the bytes of part {holds}, not part {number} (parts swapped or renamed)"
    )]
    SwappedPart {
        path: PathBuf,
        number: usize,
        holds: usize,
    },
    #[error(
        "{path}: part {number} is damaged or belongs to another bundle (sha256 {actual}, the index says {expected})"
    )]
    PartHash {
        path: PathBuf,
        number: usize,
        expected: String,
        actual: String,
    },
    #[error(
        "{path}: the joined bundle does not match the index (sha256 {actual}, expected {expected}); a part changed while joining"
    )]
    WholeHash {
        path: PathBuf,
        expected: String,
        actual: String,
    },
    #[error("{path}: the joined bundle has id {actual}, its index says {expected}")]
    BundleId {
        path: PathBuf,
        expected: String,
        actual: String,
    },
    #[error("{path}: {message}")]
    Refused { path: PathBuf, message: String },
    /// The bundle to split does not open with the signing key given.
    #[error(transparent)]
    Bundle(#[from] crate::Error),
}

impl SplitError {
    /// True when the parts or their index are not to be trusted (as opposed to an I/O failure).
    pub fn is_verification(&self) -> bool {
        match self {
            SplitError::Io(_) | SplitError::Refused { .. } => false,
            SplitError::Bundle(e) => e.is_verification(),
            _ => true,
        }
    }
}

/// Why a text is not a part size.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartSizeError {
    #[error(
        "`{text}` is not a part size: give bytes or a number with K, M, G or T \
         (powers of 1024; KB, MB, GB, TB for powers of 1000), e.g. 700M or 4G"
    )]
    Unreadable { text: String },
    #[error("`{text}` is too large for a part size")]
    TooLarge { text: String },
    #[error("a part size must be above 0 (got `{text}`)")]
    Zero { text: String },
}

/// The size of each part but the last: a positive number of bytes.
///
/// Parsed from `4G`, `700M`, `1024K`, `4095MiB`, `4GB` or plain bytes: `K`, `M`, `G`,
/// `T` (and `KiB`…) are powers of 1024, `KB`, `MB`, `GB`, `TB` powers of 1000.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartSize(NonZeroU64);

impl PartSize {
    pub fn new(bytes: u64) -> Option<PartSize> {
        NonZeroU64::new(bytes).map(PartSize)
    }

    pub fn bytes(self) -> u64 {
        self.0.get()
    }
}

impl FromStr for PartSize {
    type Err = PartSizeError;

    fn from_str(text: &str) -> Result<PartSize, PartSizeError> {
        let usage = || PartSizeError::Unreadable { text: text.into() };
        let trimmed = text.trim();
        let digits_end = trimmed
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(trimmed.len());
        let (digits, unit) = trimmed.split_at(digits_end);
        let number: u64 = digits.parse().map_err(|_| usage())?;
        let multiplier: u64 = match unit.trim().to_ascii_uppercase().as_str() {
            "" | "B" => 1,
            "K" | "KIB" => 1 << 10,
            "M" | "MIB" => 1 << 20,
            "G" | "GIB" => 1 << 30,
            "T" | "TIB" => 1 << 40,
            "KB" => 1_000,
            "MB" => 1_000_000,
            "GB" => 1_000_000_000,
            "TB" => 1_000_000_000_000,
            _ => return Err(usage()),
        };
        let bytes = number
            .checked_mul(multiplier)
            .ok_or_else(|| PartSizeError::TooLarge { text: text.into() })?;
        PartSize::new(bytes).ok_or_else(|| PartSizeError::Zero { text: text.into() })
    }
}

/// One part as the index lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartEntry {
    pub name: String,
    pub size: u64,
    pub sha256: String,
}

/// The signed index of a split bundle (the body of `NAME.parts`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PartsIndex {
    pub format: String,
    pub version: u32,
    /// File name of the whole bundle.
    pub bundle: String,
    /// The bundle id from its manifest.
    pub bundle_id: String,
    /// Size of the whole bundle in bytes.
    pub size: u64,
    /// sha256 of the whole bundle.
    pub sha256: String,
    pub key_fingerprint: String,
    pub parts: Vec<PartEntry>,
}

/// An index read from disk, with its exact signed bytes and signature.
#[derive(Debug, Clone)]
pub struct SignedIndex {
    pub path: PathBuf,
    pub index: PartsIndex,
    body: Vec<u8>,
    signature: Vec<u8>,
}

/// `NAME` + `.parts`: where the index of the bundle `NAME` lives.
pub fn index_path(bundle: &Path) -> PathBuf {
    with_suffix(bundle, INDEX_EXTENSION)
}

/// The index that goes with a part (`NAME.001` -> `NAME.parts`); an index path is returned as is.
pub fn index_path_for_part(part: &Path) -> Option<PathBuf> {
    let name = part.file_name()?.to_str()?;
    if name.ends_with(&format!(".{INDEX_EXTENSION}")) {
        return Some(part.to_path_buf());
    }
    let (stem, number) = name.rsplit_once('.')?;
    if number.len() != 3 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(part.with_file_name(format!("{stem}.{INDEX_EXTENSION}")))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".");
    s.push(suffix);
    PathBuf::from(s)
}

/// Cuts `bundle` into parts of `part_size` bytes next to it and writes the index,
/// signed with `key`, which must be the key that signed the bundle.
///
/// Each part and the index are written atomically; `on_bytes` is told how many
/// bytes were just copied.
pub fn split(
    bundle: &Path,
    part_size: PartSize,
    key: &SigningKey,
    on_bytes: &mut dyn FnMut(u64),
) -> Result<PartsIndex, SplitError> {
    let bundle_id = SignedBundle::open(bundle, &[key.public()])?
        .manifest()
        .bundle_id
        .clone();
    let refused = |message: String| SplitError::Refused {
        path: bundle.to_path_buf(),
        message,
    };
    let name = bundle
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| refused("the bundle's file name must be plain UTF-8 to be split".into()))?;
    check_plain_name(name).map_err(|problem| refused(format!("{problem}; rename the bundle")))?;
    let name = name.to_string();
    let mut input = regular::open(bundle).map_err(IoError::at(bundle, "read"))?;
    let size = input.metadata().map_err(IoError::at(bundle, "read"))?.len();
    let count = size.div_ceil(part_size.bytes()).max(1);
    if count > MAX_PARTS {
        return Err(SplitError::Refused {
            path: bundle.to_path_buf(),
            message: format!(
                "{size} bytes in parts of {} would make {count} parts; at most {MAX_PARTS} (choose a larger part size)",
                part_size.bytes()
            ),
        });
    }
    let mut whole = Sha256::new();
    let mut parts = Vec::new();
    let mut buffer = vec![0u8; BUFFER_LEN];
    for number in 1..=count {
        let part_name = format!("{name}.{number:03}");
        let part_path = bundle.with_file_name(&part_name);
        let length = part_size
            .bytes()
            .min(size - (number - 1) * part_size.bytes());
        let mut hash = Sha256::new();
        write_atomically(&part_path, |out| {
            let mut left = length;
            while left > 0 {
                let want = usize::try_from(left.min(BUFFER_LEN as u64)).unwrap_or(BUFFER_LEN);
                input
                    .read_exact(&mut buffer[..want])
                    .map_err(IoError::at(bundle, "read"))?;
                hash.update(&buffer[..want]);
                whole.update(&buffer[..want]);
                out.write_all(&buffer[..want])
                    .map_err(IoError::at(&part_path, "write"))?;
                on_bytes(want as u64);
                left -= want as u64;
            }
            Ok(())
        })?;
        parts.push(PartEntry {
            name: part_name,
            size: length,
            sha256: hex::encode(hash.finalize()),
        });
    }
    let index = PartsIndex {
        format: INDEX_FORMAT.into(),
        version: INDEX_VERSION,
        bundle: name,
        bundle_id,
        size,
        sha256: hex::encode(whole.finalize()),
        key_fingerprint: key.public().fingerprint().to_string(),
        parts,
    };
    let index_file = index_path(bundle);
    let body = serde_json::to_vec(&index)
        .map_err(|e| IoError::at(&index_file, "write")(io::Error::from(e)))?;
    let signature = key.sign(&signed_message(&body));
    write_atomically(&index_file, |out| {
        out.write_all(&body)
            .and_then(|()| writeln!(out))
            .and_then(|()| writeln!(out, "ed25519 {}", hex::encode(signature)))
            .map_err(|e| IoError::at(&index_file, "write")(e).into())
    })?;
    Ok(index)
}

fn signed_message(body: &[u8]) -> Vec<u8> {
    [INDEX_CONTEXT, body].concat()
}

impl SignedIndex {
    /// Reads and checks the shape of an index file; the signature is checked by [`SignedIndex::verify`].
    pub fn load(path: &Path) -> Result<SignedIndex, SplitError> {
        let bad = |message: String| SplitError::BadIndex {
            path: path.to_path_buf(),
            message,
        };
        let text =
            regular::read_bounded(path, MAX_INDEX_LEN, "a parts index").map_err(|e| {
                match e.kind() {
                    io::ErrorKind::NotFound => SplitError::MissingIndex {
                        path: path.to_path_buf(),
                    },
                    io::ErrorKind::InvalidData => bad(e.to_string()),
                    _ => IoError::at(path, "read")(e).into(),
                }
            })?;
        let text = String::from_utf8(text).map_err(|_| bad("not UTF-8 text".into()))?;
        let mut lines = text.split('\n');
        let (Some(body), Some(sig_line), Some(""), None) =
            (lines.next(), lines.next(), lines.next(), lines.next())
        else {
            return Err(bad(
                "expected two lines: the JSON body and `ed25519 <signature>`".into(),
            ));
        };
        let signature = sig_line
            .strip_prefix("ed25519 ")
            .and_then(|h| hex::decode(h).ok())
            .ok_or_else(|| bad("the second line is not `ed25519 <hex signature>`".into()))?;
        let index: PartsIndex =
            serde_json::from_str(body).map_err(|e| bad(format!("body: {e}")))?;
        if index.format != INDEX_FORMAT {
            return Err(bad(format!(
                "format is `{}`, not `{INDEX_FORMAT}`",
                index.format
            )));
        }
        if index.version != INDEX_VERSION {
            return Err(bad(format!(
                "version {} is not supported (this program reads version {INDEX_VERSION})",
                index.version
            )));
        }
        let count = index.parts.len() as u64;
        if count == 0 || count > MAX_PARTS {
            return Err(bad(format!(
                "lists {count} parts (1 to {MAX_PARTS} allowed)"
            )));
        }
        let total: Option<u64> = index
            .parts
            .iter()
            .try_fold(0u64, |sum, p| sum.checked_add(p.size));
        if total != Some(index.size) {
            return Err(bad(format!(
                "the part sizes do not add up to the bundle's size {}",
                index.size
            )));
        }
        for name in std::iter::once(&index.bundle).chain(index.parts.iter().map(|p| &p.name)) {
            check_plain_name(name).map_err(|problem| bad(problem.to_string()))?;
        }
        Ok(SignedIndex {
            path: path.to_path_buf(),
            index,
            body: body.as_bytes().to_vec(),
            signature,
        })
    }

    /// Checks the signature with the trusted key it names; returns that key's fingerprint.
    pub fn verify(&self, trusted: &[PublicKey]) -> Result<Fingerprint, SplitError> {
        let key = trusted
            .iter()
            .find(|k| k.fingerprint().to_string() == self.index.key_fingerprint)
            .ok_or_else(|| SplitError::UntrustedIndex {
                path: self.path.clone(),
                key: self.index.key_fingerprint.clone(),
            })?;
        if key.verify(&signed_message(&self.body), &self.signature) {
            Ok(key.fingerprint())
        } else {
            Err(SplitError::BadSignature {
                path: self.path.clone(),
                key: self.index.key_fingerprint.clone(),
            })
        }
    }

    /// Where part `i` (0-based) lives: next to the index.
    pub fn part_path(&self, i: usize) -> PathBuf {
        self.path.with_file_name(&self.index.parts[i].name)
    }

    /// Checks every part on its own (present, size, sha256), in order; the first bad one is named.
    pub fn check_parts(&self, on_bytes: &mut dyn FnMut(u64)) -> Result<(), SplitError> {
        let parts = &self.index.parts;
        for (i, entry) in parts.iter().enumerate() {
            let path = self.part_path(i);
            let number = i + 1;
            let actual_size = match fs::metadata(&path) {
                Ok(m) => m.len(),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    return Err(SplitError::MissingPart {
                        path,
                        number,
                        count: parts.len(),
                    });
                }
                Err(e) => return Err(IoError::at(&path, "read")(e).into()),
            };
            if actual_size != entry.size {
                return Err(SplitError::PartSize {
                    path,
                    number,
                    expected: entry.size,
                    actual: actual_size,
                });
            }
            let mut file = regular::open(&path).map_err(IoError::at(&path, "read"))?;
            let actual =
                sha256_of(&mut file, entry.size, on_bytes).map_err(IoError::at(&path, "read"))?;
            if actual != entry.sha256 {
                if let Some(j) = parts.iter().position(|p| p.sha256 == actual) {
                    return Err(SplitError::SwappedPart {
                        path,
                        number,
                        holds: j + 1,
                    });
                }
                return Err(SplitError::PartHash {
                    path,
                    number,
                    expected: entry.sha256.clone(),
                    actual,
                });
            }
        }
        Ok(())
    }

    /// Concatenates the parts into `out` atomically, checking the whole's sha256 before the rename.
    ///
    /// Refuses to replace an existing `out`. Call [`SignedIndex::check_parts`] first to name a bad part.
    /// `on_temp` is told the temporary file once it exists (`out` did not exist
    /// then): a caller that must stop without unwinding removes both.
    pub fn join(
        &self,
        out: &Path,
        on_temp: &mut dyn FnMut(&Path),
        on_bytes: &mut dyn FnMut(u64),
    ) -> Result<(), SplitError> {
        if out.exists() {
            return Err(SplitError::Refused {
                path: out.to_path_buf(),
                message: "already exists; remove it or choose another --out".into(),
            });
        }
        let mut whole = Sha256::new();
        let mut buffer = vec![0u8; BUFFER_LEN];
        let temp = write_temp(out, BUNDLE_MODE, on_temp, |dest| {
            for (i, entry) in self.index.parts.iter().enumerate() {
                let path = self.part_path(i);
                let file = regular::open(&path).map_err(IoError::at(&path, "read"))?;
                let mut limited = file.take(entry.size);
                loop {
                    let n = limited
                        .read(&mut buffer)
                        .map_err(IoError::at(&path, "read"))?;
                    if n == 0 {
                        break;
                    }
                    whole.update(&buffer[..n]);
                    dest.write_all(&buffer[..n])
                        .map_err(IoError::at(out, "write"))?;
                    on_bytes(n as u64);
                }
            }
            Ok(())
        })?;
        let actual = hex::encode(whole.finalize());
        if actual != self.index.sha256 {
            return Err(SplitError::WholeHash {
                path: out.to_path_buf(),
                expected: self.index.sha256.clone(),
                actual,
            });
        }
        atomic::persist(temp, out, false).map_err(|e| IoError::at(out, "write")(e).into())
    }
}

/// sha256 (hex) of at most `limit` bytes of `reader`.
fn sha256_of(
    reader: &mut dyn Read,
    limit: u64,
    on_bytes: &mut dyn FnMut(u64),
) -> io::Result<String> {
    let mut hash = Sha256::new();
    let mut buffer = vec![0u8; BUFFER_LEN];
    let mut limited = reader.take(limit);
    loop {
        let n = limited.read(&mut buffer)?;
        if n == 0 {
            return Ok(hex::encode(hash.finalize()));
        }
        hash.update(&buffer[..n]);
        on_bytes(n as u64);
    }
}

/// Unix mode of the parts and the index (readable by all, like the bundle).
const PART_MODE: u32 = 0o644;
/// Unix mode of a joined bundle: it runs itself, like the bundle it was split from.
const BUNDLE_MODE: u32 = 0o755;

/// Writes a temporary file next to `path` with `fill` (Unix `mode`) and
/// returns it unrenamed; `on_temp` is told its path before it is filled.
fn write_temp(
    path: &Path,
    mode: u32,
    on_temp: &mut dyn FnMut(&Path),
    fill: impl FnOnce(&mut File) -> Result<(), SplitError>,
) -> Result<tempfile::NamedTempFile, SplitError> {
    let mut temp = atomic::temp_beside(path, mode)
        .map_err(IoError::at(path, "make a temporary file beside"))?;
    on_temp(temp.path());
    fill(temp.as_file_mut())?;
    Ok(temp)
}

/// Writes `path` atomically (temp in the same folder, fsync, rename, fsync the folder).
fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut File) -> Result<(), SplitError>,
) -> Result<(), SplitError> {
    let temp = write_temp(path, PART_MODE, &mut |_| {}, fill)?;
    atomic::persist(temp, path, true).map_err(|e| IoError::at(path, "write")(e).into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FileEntry, Manifest, WriteOptions, write_bundle};

    fn sizes() -> Vec<(&'static str, u64)> {
        vec![
            ("4G", 4 << 30),
            ("700M", 700 << 20),
            ("1024K", 1 << 20),
            ("4095MiB", 4095 << 20),
            ("4GB", 4_000_000_000),
            ("12345", 12345),
            (" 2k ", 2048),
        ]
    }

    #[test]
    fn part_sizes_parse() {
        for (text, bytes) in sizes() {
            assert_eq!(text.parse::<PartSize>().unwrap().bytes(), bytes, "{text}");
        }
        for bad in ["0", "0M", "", "M", "-5", "1.5G", "4X", "99999999999T"] {
            let err = bad.parse::<PartSize>().unwrap_err();
            assert!(err.to_string().contains(bad.trim()), "{bad}: {err}");
        }
        let zero = "0K".parse::<PartSize>().unwrap_err();
        assert!(matches!(zero, PartSizeError::Zero { .. }), "{zero}");
        assert!(zero.to_string().contains("above 0"), "{zero}");
    }

    /// A real bundle `B.exe` signed with a test key, in a folder of its own.
    fn bundle() -> (tempfile::TempDir, PathBuf, SigningKey) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("B.exe");
        let key = SigningKey::from_bytes(&[3; 32]);
        // Incompressible, so the bundle is larger than 999 bytes (the part-count test needs it).
        let data: Vec<u8> = Sha256::digest(b"split tests")
            .iter()
            .cycle()
            .scan(0u8, |acc, b| {
                *acc = acc.wrapping_mul(31).wrapping_add(*b);
                Some(*acc)
            })
            .take(10_000)
            .collect();
        let mut manifest = Manifest::new("split tests", "test-files", Default::default());
        manifest.files.push(FileEntry {
            name: "a.msi".into(),
            kind: "msi".into(),
            size: data.len() as u64,
            sha256: hex::encode(Sha256::digest(&data)),
        });
        write_bundle(
            &path,
            &b"runner"[..],
            manifest,
            &key,
            |_| Ok(&data[..]),
            &WriteOptions::default(),
            &mut |_| {},
        )
        .unwrap();
        (dir, path, key)
    }

    /// A bundle split into `count` parts.
    fn setup(count: u64) -> (tempfile::TempDir, PathBuf, SigningKey, PartsIndex) {
        let (dir, path, key) = bundle();
        let size = fs::metadata(&path).unwrap().len();
        let part = PartSize::new(size.div_ceil(count)).unwrap();
        let index = split(&path, part, &key, &mut |_| {}).unwrap();
        assert_eq!(index.parts.len() as u64, count);
        (dir, path, key, index)
    }

    #[test]
    fn split_check_join_round_trip() {
        let (dir, bundle, key, index) = setup(4);
        let signed = SignedIndex::load(&index_path(&bundle)).unwrap();
        assert_eq!(signed.index, index);
        assert_eq!(
            signed.verify(&[key.public()]).unwrap(),
            key.public().fingerprint()
        );
        signed.check_parts(&mut |_| {}).unwrap();
        let out = dir.path().join("joined.exe");
        signed.join(&out, &mut |_| {}, &mut |_| {}).unwrap();
        assert_eq!(fs::read(&out).unwrap(), fs::read(&bundle).unwrap());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&out), 0o755);
            assert_eq!(mode(&dir.path().join("B.exe.002")), 0o644);
            assert_eq!(mode(&index_path(&bundle)), 0o644);
        }
        let again = signed
            .join(&out, &mut |_| {}, &mut |_| {})
            .unwrap_err()
            .to_string();
        assert!(again.contains("already exists"), "{again}");
    }

    #[test]
    fn a_join_that_cannot_write_keeps_the_io_error() {
        let (dir, bundle, _key, _index) = setup(2);
        let signed = SignedIndex::load(&index_path(&bundle)).unwrap();
        let out = dir.path().join("no such folder").join("joined.exe");
        let e = signed.join(&out, &mut |_| {}, &mut |_| {}).unwrap_err();
        let SplitError::Io(IoError { path, source, .. }) = &e else {
            panic!("not an I/O failure: {e}");
        };
        assert_eq!(path, &out);
        assert_eq!(source.kind(), io::ErrorKind::NotFound);
        assert!(!e.is_verification());
        assert!(std::error::Error::source(&e).is_some());
    }

    #[test]
    fn part_counts_and_limits() {
        let (_dir, path, key) = bundle();
        let size = fs::metadata(&path).unwrap().len();
        let one = split(&path, PartSize::new(size).unwrap(), &key, &mut |_| {}).unwrap();
        assert_eq!(one.parts.len(), 1);
        assert_eq!(one.parts[0].size, size);
        let e = split(&path, PartSize::new(1).unwrap(), &key, &mut |_| {}).unwrap_err();
        assert!(e.to_string().contains("at most 999"), "{e}");
        let stranger = SigningKey::from_bytes(&[8; 32]);
        let e = split(&path, PartSize::new(size).unwrap(), &stranger, &mut |_| {}).unwrap_err();
        assert!(e.is_verification(), "{e}");
    }

    #[test]
    fn bad_parts_are_named() {
        let (dir, bundle, _key, _index) = setup(4);
        let signed = SignedIndex::load(&index_path(&bundle)).unwrap();
        let p2 = dir.path().join("B.exe.002");
        let p3 = dir.path().join("B.exe.003");
        let original2 = fs::read(&p2).unwrap();
        let original3 = fs::read(&p3).unwrap();

        let mut flipped = original2.clone();
        flipped[10] ^= 1;
        fs::write(&p2, &flipped).unwrap();
        let e = signed.check_parts(&mut |_| {}).unwrap_err();
        assert!(matches!(e, SplitError::PartHash { number: 2, .. }), "{e}");
        assert!(e.is_verification());

        fs::write(&p2, &original3).unwrap();
        fs::write(&p3, &original2).unwrap();
        let e = signed.check_parts(&mut |_| {}).unwrap_err();
        assert!(
            matches!(
                e,
                SplitError::SwappedPart {
                    number: 2,
                    holds: 3,
                    ..
                }
            ),
            "{e}"
        );

        fs::write(&p2, &original2[..100]).unwrap();
        let e = signed.check_parts(&mut |_| {}).unwrap_err();
        assert!(matches!(e, SplitError::PartSize { number: 2, .. }), "{e}");

        fs::remove_file(&p2).unwrap();
        let e = signed.check_parts(&mut |_| {}).unwrap_err();
        assert!(e.to_string().contains("part 2 of 4 is missing"), "{e}");
    }

    #[test]
    fn index_signature_and_shape_are_checked() {
        let (dir, bundle, key, index) = setup(3);
        let path = index_path(&bundle);
        let text = fs::read_to_string(&path).unwrap();
        let other = SigningKey::from_bytes(&[4; 32]);
        let signed = SignedIndex::load(&path).unwrap();
        assert!(matches!(
            signed.verify(&[other.public()]),
            Err(SplitError::UntrustedIndex { .. })
        ));

        let forged = text.replace(&index.bundle_id, &"f".repeat(32));
        fs::write(&path, forged).unwrap();
        let e = SignedIndex::load(&path)
            .unwrap()
            .verify(&[key.public()])
            .unwrap_err();
        assert!(matches!(e, SplitError::BadSignature { .. }), "{e}");

        for (bad, says) in [
            (text.replace("\"version\":1", "\"version\":9"), "version 9"),
            (text.replace("B.exe.001", "../B.exe.001"), "plain file name"),
            (
                text.replace(
                    &format!("\"size\":{}", index.size),
                    &format!("\"size\":{}", index.size + 1),
                ),
                "add up",
            ),
            (text.lines().next().unwrap().to_string(), "two lines"),
        ] {
            fs::write(&path, bad).unwrap();
            let e = SignedIndex::load(&path).unwrap_err().to_string();
            assert!(e.contains(says), "{says}: {e}");
        }
        assert_eq!(
            index_path_for_part(&dir.path().join("B.exe.001")),
            Some(path.clone())
        );
        assert_eq!(index_path_for_part(&path), Some(path.clone()));
        assert_eq!(index_path_for_part(&dir.path().join("B.exe")), None);
        fs::remove_file(&path).unwrap();
        let e = SignedIndex::load(&path).unwrap_err();
        assert!(matches!(e, SplitError::MissingIndex { .. }), "{e}");
        assert!(e.is_verification());
    }
}
