//! Why planned targets cannot become bundles: a plan the listings cannot
//! back, a license that does not fit, an MSI that disagrees with its
//! listing, an `--out` or `--split` that cannot be used, a file that cannot
//! be read or put in place. Each names the item, the flag or the file.

use crate::text::human_bytes;
use std::path::PathBuf;

/// Why the plan cannot become a bundle; the message names the item.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Contents(String),
    #[error("license {path}: {problem}")]
    License { path: String, problem: String },
    #[error(
        "{file}: the MSI's {field} is {actual:?}, the listing says {expected:?}; the listing and the file disagree (ask the vendor, or check the file was not replaced)"
    )]
    MsiMismatch {
        file: String,
        field: &'static str,
        expected: String,
        actual: String,
    },
    #[error("{file}: cannot read it as an MSI: its {field} {value:?} is not a GUID")]
    MsiNotGuid {
        file: String,
        field: &'static str,
        value: String,
    },
    #[error("{file}: cannot read it as an MSI: its Property table has no ProductCode")]
    MsiNoProductCode { file: String },
    #[error("{file}: cannot read it as an MSI: {problem}")]
    MsiUnreadable {
        file: String,
        #[source]
        problem: crate::identity::MsiError,
    },
    #[error(
        "--out {}: that name belongs to the split bundle whose index is {}, and writing there would destroy it; choose another --out",
        out.display(),
        index.display()
    )]
    OutIsPart { out: PathBuf, index: PathBuf },
    #[error(
        "--out {}: with several --history, --out names the (existing) folder the bundles go in, one per machine",
        out.display()
    )]
    OutNotFolder { out: PathBuf },
    #[error(
        "--out {} is a folder; name the bundle file to write (for example {}/Bundle.exe)",
        out.display(),
        out.display().to_string().trim_end_matches(['/', '\\'])
    )]
    OutIsFolder { out: PathBuf },
    #[error(
        "--out {}: the folder {} does not exist; create it, or name a file in an existing folder",
        out.display(),
        folder.display()
    )]
    OutFolderMissing { out: PathBuf, folder: PathBuf },
    #[error("--out {}: name a file to write", out.display())]
    OutNotFile { out: PathBuf },
    #[error(
        "--split {}: the bundle is at least as large as its runner ({}), which alone makes {parts} parts; \
         a split bundle has at most {max}: give --split {}K or more",
        human_bytes(*size),
        human_bytes(*runner),
        runner.div_ceil(*max).div_ceil(1024)
    )]
    SplitTooSmall {
        size: u64,
        runner: u64,
        parts: u64,
        max: u64,
    },
    #[error(
        "license {}: it is for product {product:?}, which no machine has or gets; leave it out or select the product",
        path.display()
    )]
    LicenseFitsNoMachine { path: PathBuf, product: String },
    #[error("runner {}: cannot read: {source}", path.display())]
    Runner {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: cannot write here: {source}", folder.display())]
    Staging {
        folder: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: cannot put the bundle in place: {source}", out.display())]
    InPlace {
        out: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// A value on the command line that cannot be used (exit 2).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Error::OutIsPart { .. }
                | Error::OutNotFolder { .. }
                | Error::OutIsFolder { .. }
                | Error::OutFolderMissing { .. }
                | Error::OutNotFile { .. }
                | Error::SplitTooSmall { .. }
        )
    }
}
