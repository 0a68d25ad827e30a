//! Ed25519 signing keys on disk: generation, the PEM files (`.key` PKCS#8 v1,
//! `.pub` SubjectPublicKeyInfo, both readable by `openssl pkey`), the
//! fingerprint shown wherever a key matters, and raw sign/verify.

use crate::IoError;
use ed25519_dalek::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, KeypairBytes,
    spki::der::pem::LineEnding,
};
use ed25519_dalek::{Signature, Signer};
use sha2::{Digest, Sha256};
use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Why a key could not be made, read or used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// A key file whose contents are not what they should be; the message
    /// says what is wrong and what to do.
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error(transparent)]
    Io(#[from] crate::IoError),
    /// PEM text of the right kind whose key cannot be decoded.
    #[error("{path}: {problem}")]
    Malformed { path: PathBuf, problem: Malformed },
    #[error(
        "{}: names no file; give a base path such as keys/builder (writes keys/builder.key and keys/builder.pub)",
        path.display()
    )]
    BasePath { path: PathBuf },
    #[error("no randomness available from the operating system: {0}")]
    Random(#[source] getrandom::Error),
}

/// Why text or bytes are not an Ed25519 key (the decoder's own error kept).
#[derive(Debug, thiserror::Error)]
pub enum Malformed {
    #[error("not an Ed25519 PKCS#8 PEM private key ({0})")]
    Secret(ed25519_dalek::pkcs8::Error),
    #[error("not an Ed25519 PEM public key ({0})")]
    Public(ed25519_dalek::pkcs8::spki::Error),
    #[error("not a valid Ed25519 public key")]
    Point(ed25519_dalek::SignatureError),
}

fn file_error(path: &Path, message: impl Into<String>) -> KeyError {
    KeyError::File {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// A secret signing key.
pub struct SigningKey(ed25519_dalek::SigningKey);

/// A public key that verifies signatures.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(ed25519_dalek::VerifyingKey);

/// Length of an Ed25519 signature in bytes.
pub const SIGNATURE_LEN: usize = 64;

impl SigningKey {
    /// A new key from the operating system's randomness.
    pub fn generate() -> Result<SigningKey, KeyError> {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(KeyError::Random)?;
        Ok(SigningKey(ed25519_dalek::SigningKey::from_bytes(&secret)))
    }

    /// The key from its 32 secret bytes (tests and reproducible vectors).
    pub fn from_bytes(secret: &[u8; 32]) -> SigningKey {
        SigningKey(ed25519_dalek::SigningKey::from_bytes(secret))
    }

    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    pub fn sign(&self, message: &[u8]) -> [u8; SIGNATURE_LEN] {
        self.0.sign(message).to_bytes()
    }

    /// PKCS#8 v1 PEM ("PRIVATE KEY"), without the optional public key, as openssl writes it.
    pub fn to_pem(&self) -> String {
        let bytes = KeypairBytes {
            secret_key: self.0.to_bytes(),
            public_key: None,
        };
        match bytes.to_pkcs8_pem(LineEnding::LF) {
            Ok(pem) => pem.to_string(),
            // Encoding 32 fixed bytes into a fixed DER structure cannot fail.
            Err(e) => unreachable!("PKCS#8 encoding of an Ed25519 key failed: {e}"),
        }
    }

    pub fn from_pem(pem: &str) -> Result<SigningKey, Malformed> {
        ed25519_dalek::SigningKey::from_pkcs8_pem(pem)
            .map(SigningKey)
            .map_err(Malformed::Secret)
    }

    /// Reads `path`, refusing a key file that others can read.
    pub fn load(path: &Path) -> Result<SigningKey, KeyError> {
        let text = read_pem(path, SECRET)?;
        refuse_shared_secret(path)?;
        SigningKey::from_pem(&text).map_err(|problem| KeyError::Malformed {
            path: path.to_path_buf(),
            problem,
        })
    }

    /// Writes `BASE.key` (mode 0600, never overwriting) and `BASE.pub`; returns both paths.
    pub fn write_pair(&self, base: &Path) -> Result<(PathBuf, PathBuf), KeyError> {
        let names_file = base.file_name().is_some()
            && !base
                .as_os_str()
                .to_string_lossy()
                .ends_with(std::path::is_separator)
            && !base.is_dir();
        if !names_file {
            return Err(KeyError::BasePath {
                path: base.to_path_buf(),
            });
        }
        let key_path = with_suffix(base, "key");
        let pub_path = with_suffix(base, "pub");
        for p in [&key_path, &pub_path] {
            if p.exists() {
                return Err(file_error(
                    p,
                    "already exists; refusing to overwrite a key (choose another --out or move it away)",
                ));
            }
        }
        write_new(&key_path, self.to_pem().as_bytes(), 0o600)?;
        write_new(&pub_path, self.public().to_pem().as_bytes(), 0o644)?;
        Ok((key_path, pub_path))
    }
}

impl PublicKey {
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<PublicKey, Malformed> {
        ed25519_dalek::VerifyingKey::from_bytes(bytes)
            .map(PublicKey)
            .map_err(Malformed::Point)
    }

    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// SubjectPublicKeyInfo PEM ("PUBLIC KEY").
    pub fn to_pem(&self) -> String {
        match self.0.to_public_key_pem(LineEnding::LF) {
            Ok(pem) => pem,
            Err(e) => unreachable!("SPKI encoding of an Ed25519 key failed: {e}"),
        }
    }

    pub fn from_pem(pem: &str) -> Result<PublicKey, Malformed> {
        ed25519_dalek::VerifyingKey::from_public_key_pem(pem)
            .map(PublicKey)
            .map_err(Malformed::Public)
    }

    pub fn load(path: &Path) -> Result<PublicKey, KeyError> {
        let text = read_pem(path, PUBLIC)?;
        PublicKey::from_pem(&text).map_err(|problem| KeyError::Malformed {
            path: path.to_path_buf(),
            problem,
        })
    }

    /// The short name of this key: the first 16 hex digits of the sha256 of its 32 bytes.
    pub fn fingerprint(&self) -> Fingerprint {
        let digest = Sha256::digest(self.0.as_bytes());
        let mut short = [0u8; 8];
        short.copy_from_slice(&digest[..8]);
        Fingerprint(short)
    }

    /// Strict Ed25519 verification (no malleable or small-order signatures).
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(bytes) = <[u8; SIGNATURE_LEN]>::try_from(signature) else {
            return false;
        };
        self.0
            .verify_strict(message, &Signature::from_bytes(&bytes))
            .is_ok()
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.fingerprint())
    }
}

/// A key's short name, printed as 16 lowercase hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Fingerprint(pub [u8; 8]);

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

/// Longest key file read: a PEM key is a few hundred bytes.
const MAX_KEY_FILE: u64 = 4096;

/// What a kind of key file holds: its PEM label, and words for messages.
struct PemKind {
    label: &'static str,
    what: &'static str,
    /// The `openssl pkey` options that convert a DER file of this kind to PEM.
    convert: &'static str,
    /// The label of the other kind, and what to give instead when the file holds it.
    other_label: &'static str,
    other: &'static str,
}

const PUBLIC: PemKind = PemKind {
    label: "PUBLIC KEY",
    what: "public key",
    convert: "-pubin -inform DER",
    other_label: "PRIVATE KEY",
    other: "it is a secret key: give the public key (the .pub file keygen wrote beside it)",
};

const SECRET: PemKind = PemKind {
    label: "PRIVATE KEY",
    what: "secret key",
    convert: "-inform DER",
    other_label: "PUBLIC KEY",
    other: "it is a public key: give the secret key (the .key file)",
};

/// Reads a key file as PEM text of `kind`, with a message that says what to
/// do when it is not: empty, binary (DER), not PEM, or the other kind of key.
fn read_pem(path: &Path, kind: PemKind) -> Result<String, KeyError> {
    let what = kind.what;
    let bytes = crate::regular::read_bounded(path, MAX_KEY_FILE, &format!("a {what} file"))
        .map_err(IoError::at(path, "read"))?;
    let text = String::from_utf8(bytes).ok().filter(|t| {
        !t.chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    });
    let Some(text) = text else {
        return Err(file_error(
            path,
            format!(
                "holds binary data, not a PEM {what} (a DER key? convert it: \
                 openssl pkey {} -in FILE -out FILE.pem)",
                kind.convert
            ),
        ));
    };
    let begin = format!("-----BEGIN {}-----", kind.label);
    if text.trim().is_empty() {
        return Err(file_error(
            path,
            format!("is empty; a {what} file is PEM text starting with {begin}"),
        ));
    }
    match text
        .lines()
        .find_map(|l| l.trim().strip_prefix("-----BEGIN "))
    {
        None => Err(file_error(
            path,
            format!("is not a PEM {what}: it has no {begin} line"),
        )),
        Some(found) if found.trim_end_matches('-') != kind.label => {
            let found = found.trim_end_matches('-');
            let hint = if found == kind.other_label {
                kind.other
            } else {
                "give an Ed25519 key written by `airlock keygen` or `openssl genpkey -algorithm ed25519`"
            };
            Err(file_error(
                path,
                format!(
                    "holds a PEM \"{}\", not a {what}; {hint}",
                    found.escape_debug()
                ),
            ))
        }
        Some(_) => Ok(text),
    }
}

fn with_suffix(base: &Path, ext: &str) -> PathBuf {
    let mut s = base.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

/// Creates `path` (failing if it exists) with `mode`, writes, and syncs it.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), KeyError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path).map_err(IoError::at(path, "create"))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| IoError::at(path, "write")(e).into())
}

#[cfg(unix)]
fn refuse_shared_secret(path: &Path) -> Result<(), KeyError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(path)
        .map_err(IoError::at(path, "read the permissions of"))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(file_error(
            path,
            format!(
                "secret key is readable by others (mode {:o}); run `chmod 600` on it",
                mode & 0o777
            ),
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn refuse_shared_secret(_path: &Path) -> Result<(), KeyError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_round_trips_and_signs() {
        let dir = tempfile::tempdir().unwrap();
        let key = SigningKey::generate().unwrap();
        let base = dir.path().join("builder");
        let (k, p) = key.write_pair(&base).unwrap();
        let loaded = SigningKey::load(&k).unwrap();
        let public = PublicKey::load(&p).unwrap();
        assert_eq!(loaded.public(), public);
        let sig = loaded.sign(b"hello");
        assert!(public.verify(b"hello", &sig));
        assert!(!public.verify(b"hellO", &sig));
        assert!(!public.verify(b"hello", &sig[..63]));
        assert_eq!(public.fingerprint().to_string().len(), 16);
    }

    #[test]
    fn refuses_overwrite_and_shared_secret() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("k");
        let key = SigningKey::from_bytes(&[7; 32]);
        key.write_pair(&base).unwrap();
        let again = key.write_pair(&base).unwrap_err().to_string();
        assert!(again.contains("refusing to overwrite"), "{again}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let k = dir.path().join("k.key");
            assert_eq!(
                fs::metadata(&k).unwrap().permissions().mode() & 0o777,
                0o600
            );
            fs::set_permissions(&k, fs::Permissions::from_mode(0o644)).unwrap();
            let err = SigningKey::load(&k).err().unwrap().to_string();
            assert!(err.contains("chmod 600"), "{err}");
        }
    }

    #[test]
    fn a_key_file_that_cannot_be_read_keeps_the_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("gone.pub");
        let err = PublicKey::load(&p).unwrap_err();
        let KeyError::Io(IoError { path, source, .. }) = &err else {
            panic!("not an I/O failure: {err}");
        };
        assert_eq!(path, &p);
        assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        assert!(std::error::Error::source(&err).is_some());
        assert!(err.to_string().ends_with(&source.to_string()), "{err}");
    }

    #[test]
    fn garbage_is_refused_with_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.pub");
        fs::write(&p, "not a key").unwrap();
        let err = PublicKey::load(&p).unwrap_err().to_string();
        assert!(
            err.contains("x.pub") && err.contains("PEM public key"),
            "{err}"
        );
    }
}
