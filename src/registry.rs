//! Registered listings: product listings kept under a name in the user's
//! config folder, so a build can name a listing instead of its URL, refresh it
//! when it is stale, and still work from the last copy when the vendor cannot
//! be reached. This module owns that folder's layout, in `<config>/listings/`:
//! `NAME.json` (the record: source, refresh interval, last fetch, serial),
//! `NAME.pl.xml` (the exact bytes of the last copy) and `NAME.pl.xml.sig` (its
//! vendor signature, when one was read). No password is ever written there:
//! credentials come from the environment when the listing is fetched.

use crate::fetch::{self, Fetcher};
use crate::listing::{self, Copy};
use bundle_format::IoError;
use bundle_format::keys::PublicKey;
use sha2::{Digest, Sha256};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;
use url::Url;

mod error;
mod sources;

pub use error::Error;
pub use sources::{Stale, read_sources};

type Result<T> = std::result::Result<T, Error>;

/// What is kept about a registered listing besides its copy.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Record {
    /// The path or URL as given, without its password.
    pub source: String,
    /// How long a copy is used before it is fetched again, in seconds.
    pub refresh_secs: u64,
    /// When the copy was fetched (Unix seconds).
    pub fetched: i64,
    pub serial: u64,
    /// sha256 of the copy's bytes, checked when it is read back.
    pub sha256: String,
    /// The URL the copy's relative payload URLs resolve against, without its password.
    pub base: String,
    /// A vendor signature was read with the copy and is kept beside it.
    pub signed: bool,
    /// The copy's `vendor` (empty in a record written before it was kept):
    /// a later copy from another vendor is refused.
    #[serde(default)]
    pub vendor: String,
    /// The origin (`https://host:port`) the credentials from the environment
    /// were first sent to: they are never sent to another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_origin: Option<String>,
}

impl Record {
    /// Whether the copy is older than its refresh interval.
    pub fn is_stale(&self, now: i64) -> bool {
        let age = now.saturating_sub(self.fetched);
        u64::try_from(age).map_or(true, |age| age >= self.refresh_secs)
    }
}

/// The most read of a record (`NAME.json`): a few hundred bytes when written.
const MAX_RECORD_BYTES: u64 = 64 * 1024;

/// The listings kept in one config folder.
pub struct Registry {
    dir: PathBuf,
}

/// A registered listing's name: `[a-z0-9][a-z0-9._-]*`, at most 64 characters.
pub fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    text.len() <= 64
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
}

fn check_name(name: &str) -> Result<()> {
    if is_name(name) {
        Ok(())
    } else {
        Err(Error::BadName { name: name.into() })
    }
}

/// The environment variables a listing's credentials come from:
/// `AIRLOCK_LISTING_<NAME>_USER` and `_PASSWORD`, NAME in upper case with `.`
/// and `-` as `_`. Names that differ only there (`a-b`, `a.b`, `a_b`) would
/// share them: the registry holds one of them at most.
pub fn credential_vars(name: &str) -> (String, String) {
    let key: String = name
        .chars()
        .map(|c| match c {
            '.' | '-' => '_',
            c => c.to_ascii_uppercase(),
        })
        .collect();
    (
        format!("AIRLOCK_LISTING_{key}_USER"),
        format!("AIRLOCK_LISTING_{key}_PASSWORD"),
    )
}

/// `source` without the password of an http(s) URL; a path unchanged.
pub fn without_password(source: &str) -> String {
    match Url::parse(source) {
        Ok(mut url) if url.password().is_some() && url.has_authority() => {
            let _ = url.set_password(None);
            url.to_string()
        }
        _ => source.to_string(),
    }
}

/// The refreshed listing, and the serial of the copy it replaced.
pub struct Refreshed {
    pub record: Record,
    pub previous_serial: Option<u64>,
}

impl Registry {
    /// The registry of `config` (or `airlock` in the user's config folder).
    pub fn open(config: Option<&Path>) -> Result<Registry> {
        let config = match config {
            Some(dir) => dir.to_path_buf(),
            None => dirs::config_dir()
                .map(|d| d.join("airlock"))
                .ok_or(Error::NoConfigFolder)?,
        };
        Ok(Registry {
            dir: config.join("listings"),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, name: &str, ext: &str) -> PathBuf {
        self.dir.join(format!("{name}.{ext}"))
    }

    /// The record kept under `name`, if any.
    pub fn get(&self, name: &str) -> Result<Option<Record>> {
        check_name(name)?;
        let path = self.path(name, "json");
        let read =
            bundle_format::regular::read_bounded(&path, MAX_RECORD_BYTES, "a listing record");
        let bytes = match read {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(IoError::at(&path, "read")(e).into()),
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|source| Error::Record {
                path,
                name: name.into(),
                source,
            })
    }

    /// The record kept under `name`, which must exist.
    pub fn expect(&self, name: &str) -> Result<Record> {
        self.get(name)?.ok_or_else(|| Error::NotRegistered {
            name: name.into(),
            dir: self.dir.clone(),
        })
    }

    /// The registered names, sorted.
    fn names(&self) -> Result<Vec<String>> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(IoError::at(&self.dir, "read")(e).into()),
        };
        let mut names: Vec<String> = entries
            .flatten()
            .filter_map(|e| {
                let file = e.file_name().into_string().ok()?;
                file.strip_suffix(".json")
                    .filter(|n| is_name(n))
                    .map(String::from)
            })
            .collect();
        names.sort();
        Ok(names)
    }

    /// Refuses `name` when another registered listing reads its credentials
    /// from the same variables (a password meant for one would go to the other).
    fn own_variables(&self, name: &str) -> Result<()> {
        let vars = credential_vars(name);
        let Some(other) = self
            .names()?
            .into_iter()
            .find(|other| other != name && credential_vars(other) == vars)
        else {
            return Ok(());
        };
        Err(Error::SharedVariables {
            name: name.into(),
            other,
            user_var: vars.0,
            password_var: vars.1,
        })
    }

    /// `url` with `name`'s credentials from the environment, when it is an
    /// http(s) URL of the same origin as `source` (anything else unchanged),
    /// and the origin they went to. Credentials already sent to one origin
    /// (`bound`) are refused for any other.
    fn with_credentials(
        &self,
        name: &str,
        source: &str,
        url: &str,
        bound: Option<&str>,
    ) -> Result<(String, Option<String>)> {
        let (user_var, password_var) = credential_vars(name);
        let (user, password) = (
            std::env::var(&user_var).ok(),
            std::env::var(&password_var).ok(),
        );
        let same_origin = Url::parse(source)
            .ok()
            .zip(Url::parse(url).ok())
            .filter(|(s, u)| s.origin() == u.origin() && u.has_authority());
        let Some((_, mut url)) = same_origin.filter(|_| user.is_some() || password.is_some())
        else {
            return Ok((url.to_string(), None));
        };
        self.own_variables(name)?;
        let origin = url.origin().ascii_serialization();
        if let Some(bound) = bound.filter(|b| *b != origin) {
            return Err(Error::CredentialsBound {
                name: name.into(),
                user_var,
                password_var,
                bound: bound.into(),
                origin,
            });
        }
        if let Some(user) = &user {
            let _ = url.set_username(user);
        }
        if password.is_some() {
            let _ = url.set_password(password.as_deref());
        }
        Ok((url.to_string(), Some(origin)))
    }

    /// Every registered listing, by name.
    pub fn list(&self) -> Result<Vec<(String, Record)>> {
        let names = self.names()?;
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            if let Some(record) = self.get(&name)? {
                out.push((name, record));
            }
        }
        Ok(out)
    }

    /// The kept copy of `name`, checked against its record, with the
    /// credentials from the environment on its base URL.
    pub fn copy(&self, name: &str, record: &Record) -> Result<Copy> {
        let path = self.path(name, "pl.xml");
        let xml = bundle_format::regular::read_bounded(
            &path,
            listing::MAX_LISTING_BYTES,
            "a kept listing copy",
        )
        .map_err(IoError::at(&path, "read the kept copy"))?;
        if hex::encode(Sha256::digest(&xml)) != record.sha256 {
            return Err(Error::CopyChanged {
                path,
                name: name.into(),
            });
        }
        let sig_path = self.path(name, "pl.xml.sig");
        let signature = match record.signed {
            true => Some(
                bundle_format::regular::read_bounded(
                    &sig_path,
                    listing::MAX_SIGNATURE_BYTES,
                    "a listing signature",
                )
                .map_err(IoError::at(&sig_path, "read"))?,
            ),
            false => None,
        };
        let (base, _) = self.with_credentials(
            name,
            &record.source,
            &record.base,
            record.credential_origin.as_deref(),
        )?;
        let base = Url::parse(&base).map_err(|source| Error::BadBase {
            path: self.path(name, "json"),
            name: name.into(),
            source,
        })?;
        Ok(Copy {
            name: name.to_string(),
            xml: xml.into(),
            base,
            signature,
            signature_at: sig_path.display().to_string(),
        })
    }

    /// Fetches `name` from `source` now, checks it (and its signature with
    /// `vendor_key`), refuses a serial older than the kept copy's (or the same
    /// serial with other bytes), and keeps it. Credentials come from the
    /// environment, else from `source` itself (used, never kept).
    pub fn refresh(
        &self,
        fetcher: &Fetcher,
        name: &str,
        source: &str,
        refresh_secs: u64,
        vendor_key: Option<&PublicKey>,
    ) -> Result<Refreshed> {
        check_name(name)?;
        self.own_variables(name)?;
        let previous = self.get(name)?;
        let stored_source = without_password(source);
        let bound = previous.as_ref().and_then(|p| p.credential_origin.clone());
        let (url, sent_to) =
            self.with_credentials(name, &stored_source, source, bound.as_deref())?;
        // A kept signature is fetched again even without a key, to stay with its copy.
        let with_signature = vendor_key.is_some() || previous.as_ref().is_some_and(|p| p.signed);
        let mut copy = fetch::read_listing(fetcher, &url, with_signature)?;
        copy.name = name.to_string();
        let catalog = listing::parse_copies(std::slice::from_ref(&copy), vendor_key)?;
        let serial = catalog.listings[0].serial;
        let vendor = catalog.listings[0].vendor.clone();
        if let Some(old) = &previous {
            let kept = match old.vendor.is_empty() {
                true => self.kept_vendor(name, old),
                false => Some(old.vendor.clone()),
            };
            if let Some(kept) = kept.filter(|kept| *kept != vendor) {
                return Err(Error::OtherVendor {
                    name: name.into(),
                    at: stored_source,
                    vendor,
                    kept,
                });
            }
        }
        let sha256 = hex::encode(Sha256::digest(&copy.xml));
        if let Some(old) = &previous
            && (serial < old.serial || (serial == old.serial && sha256 != old.sha256))
        {
            return Err(Error::OlderSerial {
                name: name.into(),
                at: stored_source,
                serial,
                kept: old.serial,
            });
        }
        let record = Record {
            source: stored_source,
            refresh_secs,
            fetched: time::OffsetDateTime::now_utc().unix_timestamp(),
            serial,
            sha256,
            base: without_password(copy.base.as_str()),
            signed: copy.signature.is_some(),
            vendor,
            credential_origin: bound.or(sent_to),
        };
        self.store(name, &record, &copy)?;
        Ok(Refreshed {
            record,
            previous_serial: previous.map(|p| p.serial),
        })
    }

    /// The vendor of the copy kept under `name`, for a record that does not
    /// name it; `None` when the copy cannot be read (a refresh replaces it).
    fn kept_vendor(&self, name: &str, record: &Record) -> Option<String> {
        let copy = self.copy(name, record).ok()?;
        let catalog = listing::parse_copies(std::slice::from_ref(&copy), None).ok()?;
        Some(catalog.listings[0].vendor.clone())
    }

    /// Writes the copy, its signature, then the record, each atomically: the
    /// record names the copy's hash, so a copy without its record is noticed.
    fn store(&self, name: &str, record: &Record, copy: &Copy) -> Result<()> {
        fs::create_dir_all(&self.dir).map_err(IoError::at(&self.dir, "create"))?;
        let write = |path: PathBuf, bytes: &[u8]| {
            bundle_format::write_file(&path, bytes, 0o600)
                .map_err(|e| IoError::at(&path, "write")(e).into())
        };
        write(self.path(name, "pl.xml"), &copy.xml)?;
        match &copy.signature {
            Some(sig) => write(self.path(name, "pl.xml.sig"), sig)?,
            None => self.remove_file(&self.path(name, "pl.xml.sig"))?,
        }
        let json = serde_json::to_vec_pretty(record).map_err(|source| Error::RecordWrite {
            name: name.into(),
            source,
        })?;
        write(self.path(name, "json"), &json)
    }

    /// Removes `path`; one already gone is fine.
    fn remove_file(&self, path: &Path) -> Result<()> {
        match fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(IoError::at(path, "remove")(e).into()),
        }
    }

    /// Registers `source` (a path made absolute, so a build from another
    /// folder finds it) under `name` and fetches its first copy; a name
    /// already registered only with `replace`. Returns the source as used.
    pub fn add(
        &self,
        fetcher: &Fetcher,
        name: &str,
        source: &str,
        refresh_secs: u64,
        replace: bool,
        vendor_key: Option<&PublicKey>,
    ) -> Result<(String, Refreshed)> {
        if !replace && self.get(name)?.is_some() {
            return Err(Error::AlreadyRegistered { name: name.into() });
        }
        let source = match listing::local_path(source)? {
            None => source.to_string(),
            Some(path) => std::path::absolute(path)
                .map(|p| p.display().to_string())
                .map_err(|e| Error::Path {
                    given: source.into(),
                    source: e,
                })?,
        };
        let refreshed = self.refresh(fetcher, name, &source, refresh_secs, vendor_key)?;
        Ok((source, refreshed))
    }

    /// Forgets `name`: its record first, then its copy.
    pub fn remove(&self, name: &str) -> Result<()> {
        self.expect(name)?;
        self.remove_file(&self.path(name, "json"))?;
        self.remove_file(&self.path(name, "pl.xml"))?;
        self.remove_file(&self.path(name, "pl.xml.sig"))?;
        Ok(())
    }

    /// The copy a run uses for `name`: fetched again first when stale (or when
    /// a vendor key is given and the kept copy has no signature). A refresh
    /// that fails comes back as a [`Stale`] beside the kept copy, except a
    /// refused listing (an older serial, another vendor), which stops the run.
    pub fn current(
        &self,
        fetcher: &Fetcher,
        name: &str,
        vendor_key: Option<&PublicKey>,
    ) -> Result<(Copy, Option<Stale>)> {
        let mut record = self.expect(name)?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let mut stale = None;
        if record.is_stale(now) || (vendor_key.is_some() && !record.signed) {
            match self.refresh(
                fetcher,
                name,
                &record.source,
                record.refresh_secs,
                vendor_key,
            ) {
                Ok(refreshed) => record = refreshed.record,
                Err(e) if e.is_verification() => return Err(e),
                Err(error) => {
                    stale = Some(Stale {
                        name: name.into(),
                        error,
                        fetched: record.fetched,
                        serial: record.serial,
                    });
                }
            }
        }
        Ok((self.copy(name, &record)?, stale))
    }
}

/// An interval as the shortest of `1d`, `12h`, `30min`, or seconds.
pub fn interval(secs: u64) -> String {
    let d = Duration::from_secs(secs).as_secs();
    match d {
        d if d % 86_400 == 0 => format!("{}d", d / 86_400),
        d if d % 3_600 == 0 => format!("{}h", d / 3_600),
        d if d % 60 == 0 => format!("{}min", d / 60),
        d => format!("{d}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_credentials_and_passwords() {
        assert!(is_name("itms") && is_name("contoso-3rd.v2_x") && is_name("7zip"));
        assert!(!is_name("") && !is_name("Itms") && !is_name("-a") && !is_name("a/b"));
        assert!(!is_name(".hidden") && !is_name(&"a".repeat(65)));
        assert_eq!(
            credential_vars("contoso-3rd.v2"),
            (
                "AIRLOCK_LISTING_CONTOSO_3RD_V2_USER".into(),
                "AIRLOCK_LISTING_CONTOSO_3RD_V2_PASSWORD".into()
            )
        );
        assert_eq!(
            without_password("http://u:secret@h:81/a.pl.xml"),
            "http://u@h:81/a.pl.xml"
        );
        assert_eq!(without_password("/srv/a.pl.xml"), "/srv/a.pl.xml");
        assert_eq!(interval(86_400), "1d");
        assert_eq!(interval(43_200), "12h");
        assert_eq!(interval(1_800), "30min");
    }

    #[test]
    fn a_copy_is_stale_once_its_interval_has_passed() {
        let record = Record {
            source: String::new(),
            refresh_secs: 60,
            fetched: 1000,
            serial: 1,
            sha256: String::new(),
            base: String::new(),
            signed: false,
            vendor: String::new(),
            credential_origin: None,
        };
        assert!(!record.is_stale(1059));
        assert!(record.is_stale(1060));
        // A clock set back before the fetch: fetched again rather than trusted.
        assert!(record.is_stale(999));
    }
}
