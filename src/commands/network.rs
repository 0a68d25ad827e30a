//! The listing and network options every command that reads listings or
//! downloads shares, and the fetcher they make.

use crate::error::Result;
#[cfg(feature = "net")]
use crate::fetch::{self, Fetcher};
#[cfg(feature = "net")]
use crate::listing;
use crate::listing::Catalog;
#[cfg(feature = "net")]
use crate::registry::{self, Registry};
use std::path::PathBuf;
#[cfg(feature = "net")]
use std::time::Duration;

/// Where the listings come from and how they are trusted.
#[derive(Debug, Clone, clap::Args)]
pub struct ListingArgs {
    /// Product listing: a path or http(s) URL of a .pl.xml or .pl.xml.zip, or the name of a registered listing (`airlock listing add`); repeat to add third-party listings
    #[arg(long = "listing", value_name = "SRC", required = true)]
    pub listings: Vec<String>,
    /// The vendor's public key: each listing's NAME.pl.xml.sig must exist and verify
    #[arg(long, value_name = "PUB")]
    pub vendor_key: Option<PathBuf>,
    #[cfg(feature = "net")]
    #[command(flatten)]
    pub config: ConfigArgs,
    #[cfg(feature = "net")]
    #[command(flatten)]
    pub net: NetArgs,
}

/// Where registered listings are kept.
#[cfg(feature = "net")]
#[derive(Debug, Clone, clap::Args)]
pub struct ConfigArgs {
    /// Folder of airlock's settings, where registered listings are kept (default: airlock in the user's config folder, ~/.config/airlock on Linux)
    #[arg(
        long = "config",
        value_name = "DIR",
        env = "AIRLOCK_CONFIG",
        global = true
    )]
    pub dir: Option<PathBuf>,
}

#[cfg(feature = "net")]
impl ConfigArgs {
    pub fn registry(&self) -> Result<Registry> {
        Ok(Registry::open(self.dir.as_deref())?)
    }
}

impl ListingArgs {
    /// Reads, checks and parses the listings through a fetcher made with the network flags.
    #[cfg(feature = "net")]
    pub fn load(&self) -> Result<Catalog> {
        self.load_with(&Fetcher::new(self.net.options())?)
    }

    /// Reads, checks and parses the listings: local files only in an
    /// airlock built without the `net` feature (an offline runner).
    #[cfg(not(feature = "net"))]
    pub fn load(&self) -> Result<Catalog> {
        Ok(crate::listing::load(
            &self.listings,
            self.vendor_key.as_deref(),
        )?)
    }

    /// The same, through a fetcher the command already has. A `SRC` that is
    /// no URL but the name of a registered listing is that listing's copy,
    /// refreshed first when it is stale.
    #[cfg(feature = "net")]
    pub fn load_with(&self, fetcher: &Fetcher) -> Result<Catalog> {
        self.read(fetcher, self.vendor_key.is_some())
    }

    /// As [`ListingArgs::load_with`], also reading each listing's signature
    /// whenever the vendor publishes one, checked or not: a bundle carries it.
    #[cfg(feature = "net")]
    pub fn load_signed(&self, fetcher: &Fetcher) -> Result<Catalog> {
        self.read(fetcher, true)
    }

    #[cfg(feature = "net")]
    fn read(&self, fetcher: &Fetcher, with_signature: bool) -> Result<Catalog> {
        let key = self
            .vendor_key
            .as_deref()
            .map(listing::read_vendor_key)
            .transpose()?;
        let (copies, stale) = registry::read_sources(
            self.config.dir.as_deref(),
            fetcher,
            &self.listings,
            key.as_ref(),
            with_signature,
        )?;
        for warning in stale {
            crate::say!("warning: {warning}");
        }
        Ok(listing::parse_copies(&copies, key.as_ref())?)
    }
}

#[cfg(feature = "net")]
#[derive(Debug, Clone, clap::Args)]
pub struct NetArgs {
    /// A PEM file of CA certificates trusted for https, besides the system's
    #[arg(long, value_name = "PEM")]
    pub ca_cert: Option<PathBuf>,
    /// Retries of a failed download (connection errors, timeouts, HTTP 5xx and 429), each after a longer wait
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub retries: u32,
    /// Seconds without data before an attempt is given up (then retried)
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,
}

#[cfg(feature = "net")]
impl NetArgs {
    /// The fetch options these flags set; the rest are the defaults.
    pub fn options(&self) -> fetch::Options {
        fetch::Options {
            retries: self.retries,
            idle_timeout: Duration::from_secs(self.timeout),
            ca_cert: self.ca_cert.clone(),
            ..fetch::Options::default()
        }
    }
}
