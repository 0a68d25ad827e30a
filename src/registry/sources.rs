//! Resolving `--listing SRC`: the name of a registered listing, or a path
//! or URL. A registry that cannot be read stops the run naming its file; a
//! refresh that fails is handed back as a [`Stale`] for the caller to show.

use super::{Error, Registry, is_name};
use crate::fetch::{self, Fetcher};
use crate::listing::Copy;
use crate::text::escaped;
use bundle_format::keys::PublicKey;
use std::path::Path;

/// A registered listing that could not be refreshed: its kept copy is used.
#[derive(Debug)]
pub struct Stale {
    pub name: String,
    pub error: Error,
    /// When the copy used was fetched (Unix seconds), and its serial.
    pub fetched: i64,
    pub serial: u64,
}

impl std::fmt::Display for Stale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "listing {}: could not refresh it ({}); using the copy fetched {}, serial {}",
            self.name,
            escaped(&self.error.to_string()),
            crate::text::rfc3339_unix(u64::try_from(self.fetched).unwrap_or(0)),
            self.serial
        )
    }
}

/// Reads each `--listing SRC`: a registered listing's copy (refreshed when
/// stale) when SRC names one in the registry of `config`, else the path or
/// URL SRC is. A registry that cannot be read is an error naming its file;
/// only a SRC that cannot be a name, or a path that exists when there is no
/// config folder at all, is read without it. A path or URL's signature
/// file is read too when `with_signature`.
pub fn read_sources(
    config: Option<&Path>,
    fetcher: &Fetcher,
    sources: &[String],
    vendor_key: Option<&PublicKey>,
    with_signature: bool,
) -> Result<(Vec<Copy>, Vec<Stale>), Error> {
    // Opened at the first SRC that can be a name.
    let mut registry: Option<Registry> = None;
    let mut copies = Vec::with_capacity(sources.len());
    let mut stale = Vec::new();
    for source in sources {
        if registry.is_none() && is_name(source) {
            match Registry::open(config) {
                Ok(opened) => registry = Some(opened),
                // No config folder at all: a SRC that exists is a path.
                Err(Error::NoConfigFolder) if Path::new(source).exists() => {}
                Err(e) => return Err(e),
            }
        }
        let registered = match &registry {
            Some(registry) if is_name(source) && registry.get(source)?.is_some() => Some(registry),
            _ => None,
        };
        match registered {
            Some(registry) => {
                let (copy, warning) = registry.current(fetcher, source, vendor_key)?;
                copies.push(copy);
                stale.extend(warning);
            }
            None => copies.push(fetch::read_listing(fetcher, source, with_signature)?),
        }
    }
    Ok((copies, stale))
}
