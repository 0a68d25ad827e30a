//! The Airlock bundle container: one file holding a runner executable, a
//! signed manifest, a compressed payload of files and a trailer that locates
//! them. The byte layout is specified in this crate's README.md.
//!
//! Writing: [`write_bundle`]. Reading: [`inspect`] (no key, unverified),
//! [`SignedBundle::open`] (trailer, signature, runner), then one pass over the
//! payload with [`SignedBundle::verify_payload`] or [`SignedBundle::extract`];
//! [`verify`] and [`extract`] do both steps. [`has_trailer`] tells whether a
//! file (such as the running executable) carries a bundle; [`runner`] tells
//! what a runner is (its platform and the Airlock runner marker). Reading works on
//! any seekable reader ([`SignedBundle::from_reader`], [`inspect_reader`],
//! [`has_trailer_in`]); the functions taking a path open the file and hand it over.

#![forbid(unsafe_code)]

pub mod atomic;
mod error;
mod extract;
pub mod keys;
mod lane;
pub mod manifest;
mod payload;
mod read;
pub mod regular;
pub mod runner;
pub mod split;
mod staging;
pub mod trailer;
mod ustar;
mod write;

pub use atomic::write_file;
pub use error::{Error, Failure, IoError};
pub use extract::{Staged, extract, verify};
pub use keys::{Fingerprint, KeyError, PublicKey, SigningKey};
pub use manifest::{FileEntry, Manifest, ManifestError, RunnerRef};
pub use read::{
    SignedBundle, Unverified, has_trailer, has_trailer_in, inspect, inspect_reader, inspect_runner,
};
pub use staging::{Destination, DestinationLock, STAGING_EXTENSION, Staging, Stale, sweep_stale};
pub use write::{WriteOptions, Written, write_bundle};

/// Size of the buffers used to copy data.
pub(crate) const COPY_BUF: usize = 1 << 20;

/// What the signature covers comes after these bytes (domain separation).
pub const SIGNATURE_CONTEXT: &[u8] = b"airlock bundle manifest v1\0";
