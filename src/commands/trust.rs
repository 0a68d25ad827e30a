//! `airlock trust ...`: the life of the builder keys this machine trusts
//! (added with an expiry and a note, removed, revoked, and revocations carried
//! across the air gap in signed lists), kept by `crate::trust`.

use super::output::{print, print_json};
use super::signed::TrustArgs;
use crate::commands::root::RootArgs;
use crate::error::{Error, Exit, Result};
use crate::state::now;
use crate::text::escaped;
use crate::trust::{self, list};
use bundle_format::keys::{PublicKey, SigningKey};
use std::path::{Path, PathBuf};

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
        } => add(&key, expires, note, &root),
        Command::List { json, root } => list_keys(json, &root),
        Command::Remove { fingerprint, root } => remove(&fingerprint, &root),
        Command::Revoke {
            fingerprint,
            reason,
            root,
        } => revoke(&fingerprint, &reason, &root),
        Command::Revocations {
            sign_key,
            revoke,
            reason,
            out,
        } => revocations(&sign_key, &revoke, &reason, &out),
        Command::Import { file, trust } => import(&file, &trust),
    }
}

/// `trust add`: the key copied into the root, with its expiry and note.
fn add(key: &Path, expires: Option<String>, note: Option<String>, root: &RootArgs) -> Result<Exit> {
    let public = PublicKey::load(key)?;
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

/// `trust list`: every key known here, trusted, expired or revoked.
fn list_keys(json: bool, root: &RootArgs) -> Result<Exit> {
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

/// `trust remove`: the key's files removed (a revocation stays).
fn remove(fingerprint: &str, root: &RootArgs) -> Result<Exit> {
    let fingerprint = trust::parse_fingerprint(fingerprint)?;
    let locked = root.state().lock("airlock trust remove")?;
    let removed = trust::remove(&locked, &fingerprint)?;
    locked.log(&format!("trust remove {fingerprint}"));
    for path in &removed {
        crate::say!("removed {}", path.display());
    }
    crate::say!("key {fingerprint} is no longer trusted here");
    Ok(Exit::Done)
}

/// `trust revoke`: a revocation that holds even if the key file comes back.
fn revoke(fingerprint: &str, reason: &str, root: &RootArgs) -> Result<Exit> {
    let fingerprint = trust::parse_fingerprint(fingerprint)?;
    bundle_format::manifest::check_text("--reason", reason)
        .map_err(|e| Error::Usage(e.to_string()))?;
    let locked = root.state().lock("airlock trust revoke")?;
    if trust::revoke(&locked, &fingerprint, reason)? {
        locked.log(&format!("trust revoke {fingerprint}"));
        crate::say!(
            "revoked key {fingerprint}: bundles and lists signed by it are refused from now on"
        );
    } else {
        crate::say!("key {fingerprint} was already revoked; its first revocation stays");
    }
    Ok(Exit::Done)
}

/// `trust revocations`: a signed list of revocations, for the servers.
fn revocations(sign_key: &Path, revoke: &[String], reason: &[String], out: &Path) -> Result<Exit> {
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
    let key = SigningKey::load(sign_key)?;
    let bytes = list::write(&key, entries, now()).map_err(trust::Error::from)?;
    if out.exists() {
        return Err(Error::Usage(format!(
            "{} already exists; choose another --out (a list is never overwritten)",
            out.display()
        )));
    }
    super::output::create_parent(out)?;
    bundle_format::write_file(out, &bytes, 0o644)
        .map_err(bundle_format::IoError::at(&out, "write"))?;
    crate::say!(
        "wrote {}: {} revocations signed by key {}; run `airlock trust import` with it on each server",
        out.display(),
        revoke.len(),
        key.public().fingerprint()
    );
    Ok(Exit::Done)
}

/// `trust import`: a signed list's revocations added here, offline.
fn import(file: &Path, args: &TrustArgs) -> Result<Exit> {
    let keys = args.keys()?;
    let locked = args.state().lock("airlock trust import")?;
    let added = list::import(&locked, file, &keys, now())?;
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
