//! Stand-in for the listing reader until it lands: same signature, refuses every source.

use super::{Catalog, Error};
use std::path::Path;

pub fn load(sources: &[String], _vendor_key: Option<&Path>) -> Result<Catalog, Error> {
    Err(Error::Read {
        source_name: sources.join(", "),
        message: "reading listings is not available yet".into(),
    })
}
