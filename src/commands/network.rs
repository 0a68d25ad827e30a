//! The network options every command that downloads shares, and the fetcher
//! they make.

use crate::error::Result;
use crate::fetch::{self, Fetcher};
use crate::listing::Catalog;
use std::path::{Path, PathBuf};
use std::time::Duration;

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

    /// Reads the listings of a command through a fetcher made with these flags.
    pub fn listings(&self, sources: &[String], vendor_key: Option<&Path>) -> Result<Catalog> {
        let fetcher = Fetcher::new(self.options())?;
        Ok(fetch::listings(&fetcher, sources, vendor_key)?)
    }
}
