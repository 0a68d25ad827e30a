//! The life of the builder keys a server trusts: when each expires, a note
//! about it, and the revocations that hold whatever key file is put back.
//! Kept in `ROOT/trust.json` (bundle-format/README.md, section 11) beside the
//! key files of `ROOT/trusted-keys/`, which stay the list of keys trusted; a
//! bundle signed by a key revoked or past its expiry is refused here, after
//! its signature was checked and before anything of it is acted on.
//! Revocations travel offline in signed lists ([`list`]).

pub mod list;
mod rollback;
pub mod vendor;

pub use rollback::serial_guard;

use crate::state::{self, Locked, Root};
use crate::text::escaped;
use bundle_format::keys::{KeyError, PublicKey};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// `format` of `trust.json`.
pub const FORMAT: u32 = 1;
/// The most read of `trust.json`.
const MAX_LEDGER_BYTES: u64 = 16 * 1024 * 1024;

/// Why a key cannot be trusted, or the trust files cannot be read or changed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    State(#[from] state::Error),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("{}: cannot read it", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "{} is damaged ({problem}); it was left as it is. Its previous version is {}.bak: \
         check it, then copy it over the damaged file",
        path.display(), path.display()
    )]
    Damaged { path: PathBuf, problem: String },
    /// The key that signed what is checked was revoked (exit 3).
    #[error(
        "{what} is signed by key {}, which was revoked on {} ({}): {}; refused. Ask the \
         builder for a bundle signed with a current key",
        revocation.fingerprint, revocation.revoked, revocation.origin(), revocation.reason
    )]
    Revoked {
        what: String,
        /// Its reason escaped for showing.
        revocation: Box<Revocation>,
    },
    /// The key that signed what is checked is past its expiry (exit 3).
    #[error(
        "{what} is signed by key {fingerprint}, which expired on {expires}; refused. Ask the \
         builder for a bundle signed with a current key, or extend the key's life with \
         `airlock trust add PUB --expires DATE`"
    )]
    Expired {
        what: String,
        fingerprint: String,
        expires: String,
    },
    /// A bundle from an older listing than one installed from (exit 3).
    #[error(
        "this bundle was built from listing {vendor} / {name} serial {serial}, older than serial \
         {installed} this machine has installed from: refused, as a rollback to an older \
         listing; pass --allow-older to install it anyway"
    )]
    OlderListing {
        vendor: String,
        name: String,
        serial: u64,
        installed: u64,
    },
    /// `trust add` of a key that is revoked here (exit 3).
    #[error(
        "key {} was revoked on {} ({}): {}; a revoked key is never trusted again on this \
         machine",
        revocation.fingerprint, revocation.revoked, revocation.origin(), revocation.reason
    )]
    AddRevoked {
        /// Its reason escaped for showing.
        revocation: Box<Revocation>,
    },
    /// A date the command line gave that cannot be read (exit 2).
    #[error(
        "{flag} {value:?}: not a date; give YYYY-MM-DD (the start of that day, UTC) or an \
         RFC 3339 time such as 2027-01-01T00:00:00Z"
    )]
    Date { flag: &'static str, value: String },
    /// A fingerprint the command line gave that is not one (exit 2).
    #[error("{0:?} is not a key fingerprint: give the 16 hex digits `airlock trust list` shows")]
    Fingerprint(String),
    /// `trust remove` of a key this machine does not trust (exit 1).
    #[error("no key with fingerprint {fingerprint} is in {}; `airlock trust list` shows the keys", dir.display())]
    NotTrusted { fingerprint: String, dir: PathBuf },
    #[error(transparent)]
    List(#[from] list::Error),
    /// The bundle's files checked against the vendor's signed listing.
    #[error(transparent)]
    Vendor(#[from] vendor::Error),
}

impl Error {
    /// True when what was checked is not to be trusted (exit 3).
    pub fn is_verification(&self) -> bool {
        match self {
            Error::Revoked { .. }
            | Error::Expired { .. }
            | Error::AddRevoked { .. }
            | Error::OlderListing { .. } => true,
            Error::List(e) => e.is_verification(),
            Error::Vendor(e) => e.is_verification(),
            _ => false,
        }
    }

    /// True when the command line's values are not usable (exit 2).
    pub fn is_usage(&self) -> bool {
        match self {
            Error::Date { .. } | Error::Fingerprint(_) => true,
            Error::List(e) => e.is_usage(),
            _ => false,
        }
    }
}

/// What this machine knows about its builder keys besides their files.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Ledger {
    pub format: u32,
    /// By fingerprint: expiry and note of keys added with `trust add`.
    pub keys: BTreeMap<String, KeyLife>,
    /// Every revocation, in the order they arrived.
    pub revocations: Vec<Revocation>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeyLife {
    /// RFC 3339: when `trust add` last added it.
    pub added: String,
    /// RFC 3339; absent: no expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Revocation {
    pub fingerprint: String,
    pub reason: String,
    /// RFC 3339: when it was written here (`trust revoke`) or signed (a list).
    pub revoked: String,
    /// `local`, or the fingerprint of the key that signed the list it came in.
    pub by: String,
}

impl Revocation {
    /// The revocation with its reason (which may come from a list) escaped for showing.
    fn shown(&self) -> Revocation {
        Revocation {
            reason: escaped(&self.reason).into_owned(),
            ..self.clone()
        }
    }

    /// Where it came from, in words.
    pub fn origin(&self) -> String {
        match self.by.as_str() {
            LOCAL => "on this machine".into(),
            key => format!("by a list signed with key {key}"),
        }
    }
}

/// `Revocation::by` for a revocation made on this machine.
pub const LOCAL: &str = "local";

/// Why a key is not trusted now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal<'a> {
    Revoked(&'a Revocation),
    Expired(String),
}

/// Unix seconds of an RFC 3339 time.
fn seconds(text: &str) -> Option<i64> {
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .map(OffsetDateTime::unix_timestamp)
}

/// A date of the command line: `YYYY-MM-DD` (its first second, UTC) or RFC
/// 3339; returned as RFC 3339 UTC.
pub fn parse_date(flag: &'static str, value: &str) -> Result<String, Error> {
    let bad = || Error::Date {
        flag,
        value: value.to_string(),
    };
    let at = match OffsetDateTime::parse(value, &Rfc3339) {
        Ok(t) => t,
        Err(_) => {
            let format = time::macros::format_description!("[year]-[month]-[day]");
            time::Date::parse(value, format)
                .map_err(|_| bad())?
                .midnight()
                .assume_utc()
        }
    };
    let seconds = u64::try_from(at.unix_timestamp()).map_err(|_| bad())?;
    Ok(crate::text::rfc3339_unix(seconds))
}

/// A fingerprint given on the command line: 16 hex digits, any case.
pub fn parse_fingerprint(value: &str) -> Result<String, Error> {
    let lower = value.trim().to_ascii_lowercase();
    if lower.len() == 16 && lower.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(lower)
    } else {
        Err(Error::Fingerprint(value.to_string()))
    }
}

impl Ledger {
    /// The root's ledger, or an empty one when it has none (nothing is created).
    pub fn load(root: &Root) -> Result<Ledger, Error> {
        let path = root.trust_path();
        let bytes =
            match bundle_format::regular::read_bounded(&path, MAX_LEDGER_BYTES, "trust.json") {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    return Ok(Ledger {
                        format: FORMAT,
                        ..Ledger::default()
                    });
                }
                Err(source) => return Err(Error::Read { path, source }),
            };
        let damaged = |problem: String| Error::Damaged {
            path: path.clone(),
            problem,
        };
        let ledger: Ledger = serde_json::from_slice(&bytes).map_err(|e| damaged(e.to_string()))?;
        if ledger.format != FORMAT {
            return Err(damaged(format!(
                "format {} is not {FORMAT}, the one this airlock reads",
                ledger.format
            )));
        }
        let times = ledger
            .keys
            .values()
            .flat_map(|k| std::iter::once(&k.added).chain(&k.expires))
            .chain(ledger.revocations.iter().map(|r| &r.revoked));
        for t in times {
            if seconds(t).is_none() {
                return Err(damaged(format!("{t:?} is not an RFC 3339 time")));
            }
        }
        Ok(ledger)
    }

    /// Writes the ledger atomically under the locked root, keeping the previous one as `.bak`.
    pub fn save(&self, locked: &Locked) -> Result<(), Error> {
        let mut bytes = serde_json::to_vec_pretty(self).map_err(|e| Error::Read {
            path: locked.root.trust_path(),
            source: io::Error::other(e),
        })?;
        bytes.push(b'\n');
        locked.put_kept(&locked.root.trust_path(), &bytes)?;
        Ok(())
    }

    /// The revocation of `fingerprint`, if any.
    pub fn revocation(&self, fingerprint: &str) -> Option<&Revocation> {
        self.revocations
            .iter()
            .find(|r| r.fingerprint == fingerprint)
    }

    /// Why `fingerprint` is not to be trusted at `now` (unix seconds), if it is not.
    pub fn refusal(&self, fingerprint: &str, now: u64) -> Option<Refusal<'_>> {
        if let Some(r) = self.revocation(fingerprint) {
            return Some(Refusal::Revoked(r));
        }
        let expires = self.keys.get(fingerprint)?.expires.as_ref()?;
        let at = seconds(expires)?;
        (i64::try_from(now).unwrap_or(i64::MAX) >= at).then(|| Refusal::Expired(expires.clone()))
    }

    /// Refuses `what` (a bundle, a list) signed by `fingerprint` when that key
    /// is revoked or expired at `now`.
    pub fn admit(&self, what: &str, fingerprint: &str, now: u64) -> Result<(), Error> {
        match self.refusal(fingerprint, now) {
            None => Ok(()),
            Some(Refusal::Revoked(r)) => Err(Error::Revoked {
                what: what.to_string(),
                revocation: Box::new(r.shown()),
            }),
            Some(Refusal::Expired(expires)) => Err(Error::Expired {
                what: what.to_string(),
                fingerprint: fingerprint.to_string(),
                expires,
            }),
        }
    }

    /// Adds a revocation unless `fingerprint` is already revoked (the first stays).
    /// Returns whether it was added.
    pub fn revoke(&mut self, revocation: Revocation) -> bool {
        if self.revocation(&revocation.fingerprint).is_some() {
            return false;
        }
        self.revocations.push(revocation);
        true
    }
}

/// One trusted key as `trust list` shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Listed {
    pub fingerprint: String,
    /// Its file under `trusted-keys/`; absent for a revoked key whose file is gone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
    /// `trusted`, `expired` or `revoked`.
    pub state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub added: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revocation: Option<Revocation>,
}

/// Every key file of `trusted-keys/` and every revoked key, with its state at `now`.
pub fn listed(root: &Root, now: u64) -> Result<Vec<Listed>, Error> {
    let ledger = Ledger::load(root)?;
    let mut out: Vec<Listed> = Vec::new();
    for (path, key) in root.trusted_key_files()? {
        let fingerprint = key.fingerprint().to_string();
        if out.iter().any(|l| l.fingerprint == fingerprint) {
            continue;
        }
        out.push(entry(&ledger, fingerprint, Some(path), now));
    }
    for r in &ledger.revocations {
        if !out.iter().any(|l| l.fingerprint == r.fingerprint) {
            out.push(entry(&ledger, r.fingerprint.clone(), None, now));
        }
    }
    Ok(out)
}

fn entry(ledger: &Ledger, fingerprint: String, file: Option<PathBuf>, now: u64) -> Listed {
    let life = ledger.keys.get(&fingerprint);
    let refusal = ledger.refusal(&fingerprint, now);
    Listed {
        state: match refusal {
            None => "trusted",
            Some(Refusal::Expired(_)) => "expired",
            Some(Refusal::Revoked(_)) => "revoked",
        },
        revocation: match refusal {
            Some(Refusal::Revoked(r)) => Some(r.clone()),
            _ => None,
        },
        added: life.map(|l| l.added.clone()),
        expires: life.and_then(|l| l.expires.clone()),
        note: life.and_then(|l| l.note.clone()),
        file,
        fingerprint,
    }
}

/// `trust add`: copies the key into `trusted-keys/FINGERPRINT.pub` and
/// records its expiry and note (replacing earlier ones). A revoked key is refused.
pub fn add(
    locked: &Locked,
    key: &PublicKey,
    expires: Option<String>,
    note: Option<String>,
) -> Result<PathBuf, Error> {
    let fingerprint = key.fingerprint().to_string();
    let mut ledger = Ledger::load(&locked.root)?;
    if let Some(r) = ledger.revocation(&fingerprint) {
        return Err(Error::AddRevoked {
            revocation: Box::new(r.shown()),
        });
    }
    let path = locked
        .root
        .trusted_keys_dir()
        .join(format!("{fingerprint}.pub"));
    locked.put(&path, key.to_pem().as_bytes())?;
    ledger.keys.insert(
        fingerprint,
        KeyLife {
            added: crate::text::rfc3339_unix(state::now()),
            expires,
            note,
        },
    );
    ledger.save(locked)?;
    Ok(path)
}

/// `trust remove`: removes every file of `trusted-keys/` holding the key and
/// its expiry and note; a revocation stays. Returns the files removed.
pub fn remove(locked: &Locked, fingerprint: &str) -> Result<Vec<PathBuf>, Error> {
    let mut removed = Vec::new();
    for (path, key) in locked.root.trusted_key_files()? {
        if key.fingerprint().to_string() == fingerprint {
            locked.remove(&path)?;
            removed.push(path);
        }
    }
    let mut ledger = Ledger::load(&locked.root)?;
    let had_life = ledger.keys.remove(fingerprint).is_some();
    if removed.is_empty() && !had_life {
        return Err(Error::NotTrusted {
            fingerprint: fingerprint.to_string(),
            dir: locked.root.trusted_keys_dir(),
        });
    }
    ledger.save(locked)?;
    Ok(removed)
}

/// `trust revoke`: a local revocation of `fingerprint`. Returns false when
/// the key was already revoked (the first revocation stays).
pub fn revoke(locked: &Locked, fingerprint: &str, reason: &str) -> Result<bool, Error> {
    let mut ledger = Ledger::load(&locked.root)?;
    let added = ledger.revoke(Revocation {
        fingerprint: fingerprint.to_string(),
        reason: reason.to_string(),
        revoked: crate::text::rfc3339_unix(state::now()),
        by: LOCAL.into(),
    });
    if added {
        ledger.save(locked)?;
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ledger() -> Ledger {
        let mut l = Ledger {
            format: FORMAT,
            ..Ledger::default()
        };
        l.keys.insert(
            "00000000000000aa".into(),
            KeyLife {
                added: "2026-01-01T00:00:00Z".into(),
                expires: Some("2026-06-01T00:00:00Z".into()),
                note: None,
            },
        );
        l
    }

    #[test]
    fn a_key_expires_at_its_date_and_a_revocation_wins_and_stays_first() {
        let mut l = ledger();
        let june = seconds("2026-06-01T00:00:00Z").unwrap() as u64;
        assert_eq!(l.refusal("00000000000000aa", june - 1), None);
        assert!(matches!(
            l.refusal("00000000000000aa", june),
            Some(Refusal::Expired(_))
        ));
        assert_eq!(l.refusal("00000000000000bb", june), None);
        let revocation = |reason: &str| Revocation {
            fingerprint: "00000000000000aa".into(),
            reason: reason.into(),
            revoked: "2026-02-01T00:00:00Z".into(),
            by: LOCAL.into(),
        };
        assert!(l.revoke(revocation("leaked")));
        assert!(!l.revoke(revocation("again")));
        let err = l.admit("bundle X", "00000000000000aa", 0).unwrap_err();
        assert!(err.is_verification());
        assert!(err.to_string().contains("leaked"), "{err}");
    }

    #[test]
    fn dates_are_days_or_rfc3339_and_nothing_else() {
        assert_eq!(
            parse_date("--expires", "2027-01-31").unwrap(),
            "2027-01-31T00:00:00Z"
        );
        assert_eq!(
            parse_date("--expires", "2027-01-31T12:00:00+02:00").unwrap(),
            "2027-01-31T10:00:00Z"
        );
        for bad in ["31/01/2027", "2027-13-01", "tomorrow", ""] {
            assert!(
                parse_date("--expires", bad).unwrap_err().is_usage(),
                "{bad}"
            );
        }
        assert_eq!(
            parse_fingerprint("0123456789ABCDEF").unwrap(),
            "0123456789abcdef"
        );
        assert!(parse_fingerprint("0123").is_err());
    }
}
