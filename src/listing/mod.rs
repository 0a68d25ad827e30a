//! The vendor's product listing: its model, parsing and validation, versions
//! and requirements. Knows nothing of the network: the bytes of a listing at an
//! http(s) URL come from the caller (the fetcher).

pub mod model;
mod parse;
mod position;
mod signature;
mod source;
mod validate;
pub mod version;
mod xml;

pub use model::*;
pub(crate) use parse::{is_guid, is_product_id};
pub(crate) use signature::verify as verify_signature;
pub use source::{
    Copy, GetRemote, MAX_LISTING_BYTES, MAX_SIGNATURE_BYTES, Remote, load, load_with, local_path,
    parse_copies, read, read_vendor_key, too_big,
};
pub use version::{Comparator, Requirement, Version, VersionError};
pub use xml::{MAX_DEPTH, NAMESPACE};

/// Parses and validates one listing document on its own: `name` is how messages
/// name it, `base` the URL its relative payload URLs resolve against.
pub fn parse_document(name: &str, bytes: &[u8], base: &url::Url) -> Result<Listing, Error> {
    let copy = Copy {
        name: name.to_string(),
        xml: bytes.into(),
        base: base.clone(),
        signature: None,
        signature_at: String::new(),
    };
    let mut catalog = parse_copies(std::slice::from_ref(&copy), None)?;
    Ok(catalog.listings.remove(0))
}

/// Why a listing could not be read or was refused.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The document breaks the contract; `location` is `file:line:column`.
    #[error("{location}: <{element}>: {message}")]
    Invalid {
        location: String,
        element: String,
        message: String,
    },
    /// The listing's vendor signature is missing or wrong.
    #[error("{source_name}: {message}")]
    Signature {
        source_name: String,
        message: String,
    },
    /// Reading the listing failed (file, zip, a response that is not a listing).
    #[error("{source_name}: {message}")]
    Read {
        source_name: String,
        message: String,
    },
    /// The listing or its signature could not be downloaded after the retries.
    #[error("{source_name}: {message}")]
    Download {
        source_name: String,
        message: String,
    },
}
