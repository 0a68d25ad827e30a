//! Which public keys this machine trusts: `--trust PUB` (repeatable) plus the
//! state root's trusted keys, where ROOT is `--root`, env `AIRLOCK_ROOT`, or the
//! platform default; and opening a bundle with them, refusing one whose key
//! is revoked or expired. Shared by every command that checks a signature.
//! Also `airlock trust ...`, which manages those keys' life (`crate::trust`).

use super::output::{print, print_json};
use crate::commands::root::RootArgs;
use crate::error::{Error, Exit, Result};
use crate::state::{Root, now};
use crate::text::escaped;
use crate::trust::{self, Ledger, list};
use bundle_format::keys::{PublicKey, SigningKey};
use bundle_format::{SignedBundle, inspect};
use std::path::PathBuf;

/// A bundle and the keys to check it with.
#[derive(Debug, Clone, clap::Args)]
pub struct BundleArgs {
    /// The bundle file
    #[arg(value_name = "BUNDLE")]
    pub bundle: PathBuf,
    #[command(flatten)]
    pub trust: TrustArgs,
}

impl BundleArgs {
    /// Opens the bundle with the trusted keys: trailer, signature, manifest and
    /// runner are checked, not yet the payload. With no trusted key at all,
    /// refuses and names the key that signed the bundle.
    pub fn open(&self) -> Result<SignedBundle> {
        let keys = self.trust.keys()?;
        if keys.is_empty() {
            let claimed = inspect(&self.bundle)?;
            return Err(self.trust.none_trusted(
                &self.bundle.display().to_string(),
                &claimed.manifest.key_fingerprint,
            ));
        }
        let signed = SignedBundle::open(&self.bundle, &keys)?;
        self.trust.admit(
            &format!("bundle {}", self.bundle.display()),
            &signed.key().fingerprint().to_string(),
        )?;
        Ok(signed)
    }
}

/// The flags that name trusted keys.
#[derive(Debug, Clone, clap::Args)]
pub struct TrustArgs {
    /// A trusted public key file (`.pub`, written by `airlock keygen`); repeatable
    #[arg(long = "trust", value_name = "PUB")]
    pub trust: Vec<PathBuf>,
    /// Its `trusted-keys/*.pub` are trusted too
    #[command(flatten)]
    pub root: RootArgs,
}

impl TrustArgs {
    /// The state root these flags name.
    pub fn state(&self) -> Root {
        self.root.state()
    }

    /// Every trusted key; an unreadable or malformed key file is an error naming it.
    pub fn keys(&self) -> Result<Vec<PublicKey>> {
        let mut keys = Vec::new();
        for path in &self.trust {
            keys.push(PublicKey::load(path)?);
        }
        keys.extend(self.state().trusted_keys()?);
        Ok(keys)
    }

    /// Refuses `what`, signed by `fingerprint`, when the root's ledger says
    /// that key is revoked or past its expiry.
    pub fn admit(&self, what: &str, fingerprint: &str) -> Result<()> {
        Ledger::load(&self.state())?.admit(what, fingerprint, now())?;
        Ok(())
    }

    /// The error for "no key trusted", naming the key that signed what was checked.
    pub fn none_trusted(&self, what: &str, fingerprint: &str) -> Error {
        Error::NoTrustedKey {
            what: what.into(),
            fingerprint: fingerprint.into(),
            folder: self.state().trusted_keys_dir(),
        }
    }
}

/// `airlock trust ...`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Trust a builder key: copy it into ROOT/trusted-keys/, with an expiry and a note
    #[command(after_help = "Examples:\n  \
        airlock trust add builder.pub --expires 2027-06-30 --note 'build host b1, ops@example.com'\n  \
        airlock trust add builder.pub --root D:\\Airlock\n\n\
        --expires takes YYYY-MM-DD (the key is refused from the start of that day, UTC) or an\n\
        RFC 3339 time. Adding a key again replaces its expiry and note. A revoked key cannot\n\
        be added again (exit 3).")]
    Add {
        /// The public key file (`.pub`, from `airlock keygen`)
        #[arg(value_name = "PUB")]
        key: PathBuf,
        /// From this date on, bundles signed by the key are refused
        #[arg(long, value_name = "DATE")]
        expires: Option<String>,
        /// Who the key belongs to, for whoever reads `trust list`
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
        #[command(flatten)]
        root: RootArgs,
    },
    /// The builder keys this machine trusts, their expiry, and every revoked key
    #[command(after_help = "Examples:\n  airlock trust list\n  airlock trust list --json")]
    List {
        /// One JSON document: {"schema", "keys":[{"fingerprint","file","state","added","expires","note","revocation"}]}
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        root: RootArgs,
    },
    /// Stop trusting a key: remove its files from ROOT/trusted-keys/ (a revocation stays)
    #[command(after_help = "Example:\n  airlock trust remove 0123456789abcdef")]
    Remove {
        /// The key's fingerprint (16 hex digits, as `trust list` shows)
        #[arg(value_name = "FINGERPRINT")]
        fingerprint: String,
        #[command(flatten)]
        root: RootArgs,
    },
    /// Revoke a key on this machine: refused from now on, even if its file is added again
    #[command(after_help = "Example:\n  \
        airlock trust revoke 0123456789abcdef --reason 'build host b1 compromised, 2026-12-01'")]
    Revoke {
        #[arg(value_name = "FINGERPRINT")]
        fingerprint: String,
        /// Why: shown whenever the key is refused
        #[arg(long, value_name = "TEXT")]
        reason: String,
        #[command(flatten)]
        root: RootArgs,
    },
    /// Write a revocation list signed by a builder key, for `trust import` on the servers
    #[command(after_help = "Examples:\n  \
        airlock trust revocations --sign-key keys/builder2.key --revoke 0123456789abcdef \\\n      \
        --reason 'build host b1 compromised' --out revoke-b1.txt\n  \
        airlock trust revocations --sign-key keys/builder2.key --revoke 0123456789abcdef \\\n      \
        --revoke fedcba9876543210 --reason 'retired' --out revocations.txt\n\n\
        Give one --reason for all the keys, or one per --revoke, in the same order. Sign\n\
        with a key the servers trust; carry the file to them and run `airlock trust import`.")]
    Revocations {
        /// The secret key that signs the list (one the servers trust)
        #[arg(long, value_name = "KEY")]
        sign_key: PathBuf,
        /// A key to revoke, by fingerprint; repeatable
        #[arg(long = "revoke", value_name = "FP", required = true)]
        revoke: Vec<String>,
        /// Why; one for all, or one per --revoke
        #[arg(long = "reason", value_name = "TEXT", required = true)]
        reason: Vec<String>,
        /// Where to write the list (never overwritten)
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Apply a signed revocation list (from `trust revocations`) on this machine, offline
    #[command(after_help = "Examples:\n  \
        airlock trust import E:\\revoke-b1.txt\n  \
        airlock trust import revoke-b1.txt --trust builder2.pub --root /var/lib/airlock\n\n\
        The list must be signed by a key this machine trusts that is neither revoked nor\n\
        expired (exit 3 otherwise). Importing only adds revocations.")]
    Import {
        /// The revocation list
        #[arg(value_name = "FILE")]
        file: PathBuf,
        #[command(flatten)]
        trust: TrustArgs,
    },
}

/// The `trust list --json` document.
#[derive(serde::Serialize)]
struct Listing {
    keys: Vec<trust::Listed>,
}

pub fn run(command: Command) -> Result<Exit> {
    match command {
        Command::Add {
            key,
            expires,
            note,
            root,
        } => {
            let public = PublicKey::load(&key)?;
            let expires = expires
                .map(|d| trust::parse_date("--expires", &d))
                .transpose()?;
            if let Some(n) = &note {
                bundle_format::manifest::check_text("--note", n)
                    .map_err(|e| Error::Usage(e.to_string()))?;
            }
            let locked = root.state().lock("airlock trust add")?;
            let path = trust::add(&locked, &public, expires.clone(), note)?;
            locked.log(&format!(
                "trust add {}: {}",
                public.fingerprint(),
                path.display()
            ));
            crate::say!(
                "trusted key {} ({}){}",
                public.fingerprint(),
                path.display(),
                expires.map(|e| format!(", until {e}")).unwrap_or_default()
            );
            Ok(Exit::Done)
        }
        Command::List { json, root } => {
            let keys = trust::listed(&root.state(), now())?;
            if json {
                print_json(&Listing { keys })?;
                return Ok(Exit::Done);
            }
            let mut out = String::new();
            for k in &keys {
                let mut facts = vec![k.state.to_string()];
                if let Some(e) = &k.expires {
                    facts.push(format!("expires {e}"));
                }
                if let Some(r) = &k.revocation {
                    facts.push(format!(
                        "revoked {} {}: {}",
                        r.revoked,
                        r.origin(),
                        escaped(&r.reason)
                    ));
                }
                if let Some(n) = &k.note {
                    facts.push(format!("note: {}", escaped(n)));
                }
                if let Some(f) = &k.file {
                    facts.push(f.display().to_string());
                }
                out.push_str(&format!("{}  {}\n", k.fingerprint, facts.join("; ")));
            }
            if keys.is_empty() {
                crate::say!(
                    "no trusted key in {} (add one with `airlock trust add PUB`)",
                    root.state().trusted_keys_dir().display()
                );
            }
            print(&out)?;
            Ok(Exit::Done)
        }
        Command::Remove { fingerprint, root } => {
            let fingerprint = trust::parse_fingerprint(&fingerprint)?;
            let locked = root.state().lock("airlock trust remove")?;
            let removed = trust::remove(&locked, &fingerprint)?;
            locked.log(&format!("trust remove {fingerprint}"));
            for path in &removed {
                crate::say!("removed {}", path.display());
            }
            crate::say!("key {fingerprint} is no longer trusted here");
            Ok(Exit::Done)
        }
        Command::Revoke {
            fingerprint,
            reason,
            root,
        } => {
            let fingerprint = trust::parse_fingerprint(&fingerprint)?;
            bundle_format::manifest::check_text("--reason", &reason)
                .map_err(|e| Error::Usage(e.to_string()))?;
            let locked = root.state().lock("airlock trust revoke")?;
            if trust::revoke(&locked, &fingerprint, &reason)? {
                locked.log(&format!("trust revoke {fingerprint}"));
                crate::say!(
                    "revoked key {fingerprint}: bundles and lists signed by it are refused from now on"
                );
            } else {
                crate::say!("key {fingerprint} was already revoked; its first revocation stays");
            }
            Ok(Exit::Done)
        }
        Command::Revocations {
            sign_key,
            revoke,
            reason,
            out,
        } => {
            if reason.len() != 1 && reason.len() != revoke.len() {
                return Err(Error::Usage(format!(
                    "{} --reason for {} --revoke: give one reason for all, or one per key",
                    reason.len(),
                    revoke.len()
                )));
            }
            let entries = revoke
                .iter()
                .enumerate()
                .map(|(i, fp)| {
                    Ok(list::Entry {
                        fingerprint: trust::parse_fingerprint(fp)?,
                        reason: reason[i.min(reason.len() - 1)].clone(),
                    })
                })
                .collect::<std::result::Result<Vec<_>, trust::Error>>()?;
            let key = SigningKey::load(&sign_key)?;
            let bytes = list::write(&key, entries, now()).map_err(trust::Error::from)?;
            if out.exists() {
                return Err(Error::Usage(format!(
                    "{} already exists; choose another --out (a list is never overwritten)",
                    out.display()
                )));
            }
            super::output::create_parent(&out)?;
            bundle_format::write_file(&out, &bytes, 0o644).map_err(Error::io(&out, "write"))?;
            crate::say!(
                "wrote {}: {} revocations signed by key {}; run `airlock trust import` with it on each server",
                out.display(),
                revoke.len(),
                key.public().fingerprint()
            );
            Ok(Exit::Done)
        }
        Command::Import { file, trust: args } => {
            let keys = args.keys()?;
            let locked = args.state().lock("airlock trust import")?;
            let added = list::import(&locked, &file, &keys, now())?;
            locked.log(&format!(
                "trust import {}: {} revocations added",
                file.display(),
                added.len()
            ));
            if added.is_empty() {
                crate::say!("every key of the list was already revoked here: nothing changed");
            }
            for fp in &added {
                crate::say!("revoked key {fp}");
            }
            Ok(Exit::Done)
        }
    }
}
