//! `airlock keygen`: a new Ed25519 signing key pair for signing bundles.

use crate::error::{Exit, Result};
use bundle_format::keys::SigningKey;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  airlock keygen --out keys/builder\n  \
    writes keys/builder.key (secret, mode 0600) and keys/builder.pub (give this one to the\n  \
    offline servers, e.g. in /var/lib/airlock/trusted-keys/), and prints the key's fingerprint.")]
pub struct Args {
    /// Base path: writes PATH.key and PATH.pub (its folder is made when missing); never overwrites an existing key
    #[arg(long, value_name = "PATH")]
    pub out: PathBuf,
    /// Print the fingerprint and the two paths as one JSON document on stdout
    #[arg(long)]
    pub json: bool,
}

/// The `--json` document: the new key's fingerprint and where its halves are.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    fingerprint: String,
    secret_key: String,
    public_key: String,
}

pub fn run(args: Args) -> Result<Exit> {
    let key = SigningKey::generate()?;
    if !args.out.is_dir() {
        super::output::create_parent(&args.out)?;
    }
    let (secret, public) = key.write_pair(&args.out)?;
    crate::say!(
        "wrote secret key {} (keep it private) and public key {}",
        secret.display(),
        public.display()
    );
    let fingerprint = key.public().fingerprint().to_string();
    if args.json {
        super::output::print_json(&Report {
            fingerprint,
            secret_key: secret.display().to_string(),
            public_key: public.display().to_string(),
        })?;
    } else {
        super::output::print(&format!("{fingerprint}\n"))?;
    }
    Ok(Exit::Done)
}
