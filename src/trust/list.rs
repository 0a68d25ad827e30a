//! Signed revocation lists: how a revocation made on the builder side reaches
//! servers across the air gap. Two lines: compact JSON naming the keys
//! revoked and why, then the signature of a builder key the servers trust
//! (bundle-format/README.md, section 11, "Revocation lists"). Importing one
//! only adds revocations: it never trusts a key and never lifts a revocation.

use super::{Ledger, Revocation, parse_fingerprint};
use crate::state::{self, Locked};
use bundle_format::keys::{PublicKey, SIGNATURE_LEN, SigningKey};
use bundle_format::manifest::check_text;
use serde::{Deserialize, Serialize};
use std::io;
use std::path::{Path, PathBuf};

/// The signed bytes start with this (domain separation).
pub const CONTEXT: &[u8] = b"airlock revocation list v1\0";
/// `format` of line 1.
pub const FORMAT: &str = "airlock-revocations";
/// The largest list read.
pub const MAX_BYTES: u64 = 1024 * 1024;
/// The most entries in one list.
pub const MAX_ENTRIES: usize = 10_000;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: cannot read the revocation list", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{}: not an airlock revocation list: {problem}", path.display())]
    Malformed {
        path: PathBuf,
        #[source]
        problem: Problem,
    },
    /// Signed by a key this machine does not trust (exit 3).
    #[error(
        "{}: the revocation list is signed by key {fingerprint}, which this machine does not \
         trust; only a list signed by a trusted builder key is imported (pass its public key \
         with --trust PUB, or add it with `airlock trust add`)",
        path.display()
    )]
    Untrusted { path: PathBuf, fingerprint: String },
    /// The signature does not hold (exit 3).
    #[error(
        "{}: the revocation list's signature does not verify with key {fingerprint}: it was \
         changed after it was signed",
        path.display()
    )]
    Signature { path: PathBuf, fingerprint: String },
    /// What the command line asked for cannot make a list (exit 2).
    #[error("a revocation list revokes 1 to {MAX_ENTRIES} keys, not {0}; --revoke FP names each")]
    Entries(usize),
    /// What the command line asked for breaks a rule of the list (exit 2).
    #[error("cannot make a revocation list: {0}")]
    Refused(#[source] Problem),
    #[error(transparent)]
    State(#[from] state::Error),
}

/// What is wrong with a list's bytes, or with the list asked for.
#[derive(Debug, thiserror::Error)]
pub enum Problem {
    #[error("it is not UTF-8")]
    NotUtf8,
    #[error("it has {0} lines, not the two of a list (the body, then its signature)")]
    Lines(usize),
    #[error("its last line does not end with a line break")]
    NoFinalBreak,
    #[error("line 1: {0}")]
    Json(#[source] serde_json::Error),
    #[error("format {format:?} version {version} is not {FORMAT:?} version 1")]
    Format { format: String, version: u32 },
    #[error("it revokes {0} keys, not 1 to {MAX_ENTRIES}")]
    Entries(usize),
    #[error("keyFingerprint {0:?} is not 16 hex digits")]
    KeyFingerprint(String),
    #[error("revoked[{index}].fingerprint {value:?} is not 16 lowercase hex digits")]
    Fingerprint { index: usize, value: String },
    #[error("key {0} is revoked twice")]
    Twice(String),
    #[error("{0}")]
    Reason(#[source] bundle_format::manifest::ManifestError),
    #[error("line 2 is not `ed25519 ` and 128 lowercase hex digits")]
    SignatureLine,
}

impl Error {
    pub fn is_verification(&self) -> bool {
        matches!(self, Error::Untrusted { .. } | Error::Signature { .. })
    }

    pub fn is_usage(&self) -> bool {
        matches!(self, Error::Entries(_) | Error::Refused(_))
    }
}

/// Line 1 of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Body {
    pub format: String,
    pub version: u32,
    /// RFC 3339 UTC.
    pub created: String,
    pub key_fingerprint: String,
    pub revoked: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Entry {
    pub fingerprint: String,
    pub reason: String,
}

fn signed(line: &[u8]) -> Vec<u8> {
    [CONTEXT, line].concat()
}

/// The bytes of a list revoking `entries`, signed with `key` at `now` (unix seconds).
pub fn write(key: &SigningKey, entries: Vec<Entry>, now: u64) -> Result<Vec<u8>, Error> {
    if entries.is_empty() || entries.len() > MAX_ENTRIES {
        return Err(Error::Entries(entries.len()));
    }
    let body = Body {
        format: FORMAT.into(),
        version: 1,
        created: crate::text::rfc3339_unix(now),
        key_fingerprint: key.public().fingerprint().to_string(),
        revoked: entries,
    };
    check_body(&body).map_err(Error::Refused)?;
    let line = serde_json::to_vec(&body).map_err(|e| Error::Refused(Problem::Json(e)))?;
    let signature = key.sign(&signed(&line));
    let mut out = line;
    out.extend_from_slice(format!("\ned25519 {}\n", hex::encode(signature)).as_bytes());
    Ok(out)
}

/// The rules of line 1 beyond its shape; the problem when one is broken.
fn check_body(body: &Body) -> Result<(), Problem> {
    if body.format != FORMAT || body.version != 1 {
        return Err(Problem::Format {
            format: body.format.clone(),
            version: body.version,
        });
    }
    if body.revoked.is_empty() || body.revoked.len() > MAX_ENTRIES {
        return Err(Problem::Entries(body.revoked.len()));
    }
    parse_fingerprint(&body.key_fingerprint)
        .map_err(|_| Problem::KeyFingerprint(body.key_fingerprint.clone()))?;
    let mut seen = std::collections::HashSet::new();
    for (index, e) in body.revoked.iter().enumerate() {
        if parse_fingerprint(&e.fingerprint).ok().as_deref() != Some(e.fingerprint.as_str()) {
            return Err(Problem::Fingerprint {
                index,
                value: e.fingerprint.clone(),
            });
        }
        if !seen.insert(&e.fingerprint) {
            return Err(Problem::Twice(e.fingerprint.clone()));
        }
        check_text(&format!("revoked[{index}].reason"), &e.reason).map_err(Problem::Reason)?;
    }
    Ok(())
}

/// Reads and checks the list at `path` against `trusted` and the ledger
/// (signer trusted, not revoked unless by this very list, not expired at
/// `now`), then adds its revocations. Returns the fingerprints newly revoked.
pub fn import(
    locked: &Locked,
    path: &Path,
    trusted: &[PublicKey],
    now: u64,
) -> Result<Vec<String>, super::Error> {
    let bytes = bundle_format::regular::read_bounded(path, MAX_BYTES, "a revocation list")
        .map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
    let body = parse(path, &bytes, trusted)?;
    let mut ledger = Ledger::load(&locked.root)?;
    let signer = &body.key_fingerprint;
    let revokes_itself = body.revoked.iter().any(|e| &e.fingerprint == signer);
    if !revokes_itself {
        ledger.admit(&format!("revocation list {}", path.display()), signer, now)?;
    }
    let mut added = Vec::new();
    for e in body.revoked {
        let fingerprint = e.fingerprint.clone();
        if ledger.revoke(Revocation {
            fingerprint: e.fingerprint,
            reason: e.reason,
            revoked: body.created.clone(),
            by: signer.clone(),
        }) {
            added.push(fingerprint);
        }
    }
    if !added.is_empty() {
        ledger.save(locked)?;
    }
    Ok(added)
}

/// Line 1 of the list in `bytes`, once its shape and signature by one of `trusted` hold.
fn parse(path: &Path, bytes: &[u8], trusted: &[PublicKey]) -> Result<Body, Error> {
    let malformed = |problem: Problem| Error::Malformed {
        path: path.to_path_buf(),
        problem,
    };
    let text = std::str::from_utf8(bytes).map_err(|_| malformed(Problem::NotUtf8))?;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let [line, sig] = lines.as_slice() else {
        return Err(malformed(Problem::Lines(lines.len())));
    };
    let (Some(line), Some(sig)) = (line.strip_suffix('\n'), sig.strip_suffix('\n')) else {
        return Err(malformed(Problem::NoFinalBreak));
    };
    let body: Body = serde_json::from_str(line).map_err(|e| malformed(Problem::Json(e)))?;
    check_body(&body).map_err(malformed)?;
    let signature = sig
        .strip_prefix("ed25519 ")
        .and_then(|h| hex::decode(h).ok())
        .filter(|s| s.len() == SIGNATURE_LEN && sig.len() == 8 + 2 * SIGNATURE_LEN)
        .ok_or_else(|| malformed(Problem::SignatureLine))?;
    let Some(key) = trusted
        .iter()
        .find(|k| k.fingerprint().to_string() == body.key_fingerprint)
    else {
        return Err(Error::Untrusted {
            path: path.to_path_buf(),
            fingerprint: body.key_fingerprint,
        });
    };
    if !key.verify(&signed(line.as_bytes()), &signature) {
        return Err(Error::Signature {
            path: path.to_path_buf(),
            fingerprint: body.key_fingerprint,
        });
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(fp: &str) -> Entry {
        Entry {
            fingerprint: fp.into(),
            reason: "leaked".into(),
        }
    }

    #[test]
    fn a_list_round_trips_and_any_change_breaks_its_signature() {
        let key = SigningKey::from_bytes(&[3; 32]);
        let bytes = write(&key, vec![entry("00000000000000aa")], 0).unwrap();
        let path = Path::new("list.txt");
        let body = parse(path, &bytes, &[key.public()]).unwrap();
        assert_eq!(body.revoked, vec![entry("00000000000000aa")]);
        let text = String::from_utf8(bytes.clone()).unwrap();
        let changed = text.replace("leaked", "lost");
        assert!(matches!(
            parse(path, changed.as_bytes(), &[key.public()]),
            Err(Error::Signature { .. })
        ));
        let other = SigningKey::from_bytes(&[4; 32]);
        assert!(matches!(
            parse(path, &bytes, &[other.public()]),
            Err(Error::Untrusted { .. })
        ));
        assert!(matches!(
            parse(path, &bytes[..bytes.len() - 1], &[key.public()]),
            Err(Error::Malformed { .. })
        ));
    }

    #[test]
    fn a_list_revoking_nothing_or_a_key_twice_is_not_written() {
        let key = SigningKey::from_bytes(&[3; 32]);
        assert!(write(&key, vec![], 0).unwrap_err().is_usage());
        let twice = vec![entry("00000000000000aa"), entry("00000000000000aa")];
        assert!(write(&key, twice, 0).unwrap_err().is_usage());
    }

    #[test]
    fn each_malformed_list_is_named_with_what_is_wrong() {
        let key = SigningKey::from_bytes(&[3; 32]);
        let good =
            String::from_utf8(write(&key, vec![entry("00000000000000aa")], 0).unwrap()).unwrap();
        let (line, sig) = good.split_once('\n').unwrap();
        let cases: [(Vec<u8>, &str); 6] = [
            (b"\xff\n".to_vec(), "not UTF-8"),
            (format!("{line}\n").into_bytes(), "has 1 lines"),
            (
                good.trim_end().as_bytes().to_vec(),
                "does not end with a line break",
            ),
            (format!("{{}}\n{sig}").into_bytes(), "line 1: missing field"),
            (
                format!("{}\n{sig}", line.replace("airlock-revocations", "other")).into_bytes(),
                "format \"other\" version 1",
            ),
            (
                format!("{line}\ned25519 zz\n").into_bytes(),
                "line 2 is not",
            ),
        ];
        for (bytes, says) in cases {
            let err = parse(Path::new("list.txt"), &bytes, &[key.public()]).unwrap_err();
            assert!(matches!(err, Error::Malformed { .. }), "{says}: {err}");
            assert!(err.to_string().contains(says), "{says}: {err}");
        }
    }
}
