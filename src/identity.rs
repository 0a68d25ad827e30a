//! Which Windows Installer product a step installs and a record names: its
//! ProductCode (what `msiexec /x` removes) and UpgradeCode (the family its
//! releases and hot fixes share). The builder reads both from each MSI's own
//! Property table and records them in the package; after each step the
//! runner records the code that is installed now. A full MSI (a release, or a
//! hot fix shipped as a major upgrade) brings its own code; a patch (MSP)
//! keeps the code of the product it patched. A record written before codes
//! were kept still loads: the code is then read from the MSI the product was
//! installed from, while that file is there.

use crate::package::{Action, Method, Step};
use crate::state::record::Product;
use std::path::{Path, PathBuf};

/// Why an MSI's tables could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MsiError {
    #[error("{0}")]
    Open(#[source] std::io::Error),
    #[error("no Property table: {0}")]
    NoPropertyTable(#[source] std::io::Error),
}

/// Why a product cannot be removed: no ProductCode is recorded for it, and
/// none can be had.
#[derive(Debug, thiserror::Error)]
pub enum NoProductCode {
    #[error(
        "no ProductCode is recorded for it and its installer file {} is gone: extract bundle \
         {} again with `airlock install BUNDLE --extract-only --extract-to {}`, or remove {id} \
         with the system's own tools (Programs and Features) first",
        file.display(),
        crate::text::escaped(bundle),
        file.parent().map(|d| d.display().to_string()).unwrap_or_default()
    )]
    FileGone {
        id: String,
        file: PathBuf,
        bundle: String,
    },
    #[error("no ProductCode is recorded for it, and its installer file {} names none", file.display())]
    NoneInFile { file: PathBuf },
    #[error(
        "no ProductCode is recorded for it, and it was installed by a {kind} file, which does \
         not name one: remove {id} with the system's own tools (Programs and Features) first"
    )]
    NotMsi { id: String, kind: &'static str },
}

/// What an MSI's own tables say about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MsiTables {
    pub product_code: Option<String>,
    pub upgrade_code: Option<String>,
    pub product_version: Option<String>,
    /// The summary's platform (`x64`, `Intel`).
    pub platform: Option<String>,
}

/// Reads the Property table and summary of the MSI at `path`.
pub fn read_msi(path: &Path) -> Result<MsiTables, MsiError> {
    let mut msi = msi::open(path).map_err(MsiError::Open)?;
    let rows = msi
        .select_rows(msi::Select::table("Property"))
        .map_err(MsiError::NoPropertyTable)?;
    let mut tables = MsiTables::default();
    for row in rows {
        let value = || row["Value"].as_str().map(str::to_string);
        match row["Property"].as_str() {
            Some("ProductCode") => tables.product_code = value(),
            Some("UpgradeCode") => tables.upgrade_code = value(),
            Some("ProductVersion") => tables.product_version = value(),
            _ => {}
        }
    }
    tables.platform = msi.summary_info().arch().map(str::to_string);
    Ok(tables)
}

/// A product's codes as installed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    pub product_code: Option<String>,
    pub upgrade_code: Option<String>,
}

/// The codes installed once `step` ran from `file`, with `before` what the
/// record held for the product until then.
pub fn installed(step: &Step, file: &Path, before: Option<&Product>) -> Identity {
    let kept = || Identity {
        product_code: before.and_then(|b| b.product_code.clone()),
        upgrade_code: before.and_then(|b| b.upgrade_code.clone()),
    };
    let recorded = Identity {
        product_code: step.product_code.clone(),
        upgrade_code: step.upgrade_code.clone(),
    };
    match step.method {
        Method::Msp => kept(),
        Method::Msi => {
            // A bundle made before the builder recorded codes: the MSI says.
            let tables = match (&recorded.product_code, &recorded.upgrade_code) {
                (Some(_), Some(_)) => MsiTables::default(),
                _ => read_msi(file).unwrap_or_default(),
            };
            Identity {
                product_code: recorded.product_code.or(tables.product_code),
                upgrade_code: recorded.upgrade_code.or(tables.upgrade_code),
            }
        }
        // An installer program that patches in place leaves the product as it was.
        Method::Exe if recorded.product_code.is_none() && step.action == Action::Hotfix => kept(),
        Method::Exe => recorded,
    }
}

/// The ProductCode that removes `p` (`id`), or why there is none.
pub fn removal_code(id: &str, p: &Product) -> Result<String, NoProductCode> {
    if let Some(code) = &p.product_code {
        return Ok(code.clone());
    }
    match p.method {
        Method::Msi if p.file.is_file() => read_msi(&p.file)
            .ok()
            .and_then(|t| t.product_code)
            .ok_or_else(|| NoProductCode::NoneInFile {
                file: p.file.clone(),
            }),
        Method::Msi => Err(NoProductCode::FileGone {
            id: id.into(),
            file: p.file.clone(),
            bundle: p.bundle.clone(),
        }),
        _ => Err(NoProductCode::NotMsi {
            id: id.into(),
            kind: p.method.file_kind(),
        }),
    }
}
