//! What the user asked for: picked products (optionally pinned), optional
//! components, dropped recommendations and the hot-fix policy, parsed from
//! the command line's text.

use crate::listing::{Requirement, Version, VersionError};
use std::collections::{BTreeMap, BTreeSet};

/// One `--select ID[@REQ]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pick {
    pub id: String,
    /// `None`: the latest release.
    pub pin: Option<Requirement>,
    /// Who asks for it when it is not the command line (an update of what a
    /// machine has), as an error names it.
    pub by: Option<String>,
}

/// Which hot fixes of each planned release to include.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HotfixPolicy {
    /// The latest hot fix of each release (they are cumulative).
    #[default]
    Latest,
    /// Every hot fix, oldest first.
    All,
    /// No hot fix.
    None,
}

/// Everything the resolver is asked to plan.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub picks: Vec<Pick>,
    /// `--optional ID`: optional components to add.
    pub optional: Vec<String>,
    /// `--without ID`: recommended dependencies to drop.
    pub without: BTreeSet<String>,
    pub hotfixes: HotfixPolicy,
}

/// The product id -> installed version of a machine; empty for a fresh one.
pub type Installed = BTreeMap<String, Version>;

/// A `--select` value that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PickError {
    #[error("--select {text:?}: the product id is empty")]
    EmptyId { text: String },
    #[error("--select {text:?}: {source}")]
    BadPin {
        text: String,
        #[source]
        source: VersionError,
    },
}

/// Reads `--select` values: each may hold several picks joined by `,`.
///
/// A requirement may itself contain commas (`smp@>=7.5,<8.0`, `smp@>=7.5,8.0.*`):
/// a piece that starts with a comparison operator, or is a wildcard (which no
/// product id can be), continues the previous pin.
pub fn parse_picks(values: &[String]) -> Result<Vec<Pick>, PickError> {
    let mut texts: Vec<String> = Vec::new();
    for value in values {
        for piece in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let comparator = piece.starts_with(['<', '>', '=']) || piece.ends_with(".*");
            let continues_pin = comparator && texts.last().is_some_and(|t| t.contains('@'));
            match texts.last_mut() {
                Some(last) if continues_pin => {
                    last.push(',');
                    last.push_str(piece);
                }
                _ => texts.push(piece.to_string()),
            }
        }
    }
    texts.iter().map(|t| parse_pick(t)).collect()
}

fn parse_pick(text: &str) -> Result<Pick, PickError> {
    let (id, pin) = match text.split_once('@') {
        Some((id, req)) => {
            let pin = req.parse().map_err(|source| PickError::BadPin {
                text: text.to_string(),
                source,
            })?;
            (id.trim(), Some(pin))
        }
        None => (text.trim(), None),
    };
    if id.is_empty() {
        return Err(PickError::EmptyId {
            text: text.to_string(),
        });
    }
    Ok(Pick {
        id: id.to_string(),
        pin,
        by: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picks(values: &[&str]) -> Result<Vec<Pick>, PickError> {
        parse_picks(&values.iter().map(|v| v.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn ids_pins_and_commas() {
        let got = picks(&[
            "cms,smp@=7.6.1423.0",
            "patch@>=7.5,<8.0",
            "docs,a@>=7,8.0.*",
        ])
        .unwrap();
        let ids: Vec<_> = got.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["cms", "smp", "patch", "docs", "a"]);
        assert_eq!(got[4].pin, Some(">=7,8.0.*".parse().unwrap()));
        assert_eq!(got[0].pin, None);
        assert_eq!(got[1].pin, Some("=7.6.1423.0".parse().unwrap()));
        assert_eq!(got[2].pin, Some(">=7.5,<8.0".parse().unwrap()));
    }

    #[test]
    fn bad_picks_are_refused() {
        assert!(matches!(picks(&["@8.0"]), Err(PickError::EmptyId { .. })));
        let err = picks(&["smp@~8"]).unwrap_err();
        assert!(matches!(err, PickError::BadPin { .. }));
        assert!(err.to_string().contains("smp@~8"), "{err}");
    }
}
