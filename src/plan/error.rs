//! Why a selection cannot be resolved; every case names the product, who asked
//! for it and what to do.

use crate::listing::{Requirement, Version};

/// One requirement on a product and who made it (`--select smp@=7.6`, `patch 8.0`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    pub by: String,
    pub requirement: Requirement,
}

impl std::fmt::Display for Asked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (from {})", self.requirement, self.by)
    }
}

/// Why a selection cannot be resolved.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("unknown product {id:?}{}", did_you_mean(.suggestions))]
    UnknownProduct {
        id: String,
        suggestions: Vec<String>,
    },
    #[error("{by} depends on {id:?}, which no listing defines")]
    MissingDependency { id: String, by: String },
    #[error("--optional {id}: {id} is a {kind}, not an optional component; use --select {id}")]
    NotOptional { id: String, kind: &'static str },
    #[error("no release of {product} matches {asked}; available: {}", join(.available))]
    NoMatchingRelease {
        product: String,
        asked: Asked,
        available: Vec<Version>,
    },
    #[error("no single release of {product} satisfies {}; available: {}; pin releases whose requirements agree (ID@VERSION) or leave one of them out", join_with(.asked, " and "), join(.available))]
    Conflict {
        product: String,
        asked: Vec<Asked>,
        available: Vec<Version>,
    },
    #[error("--without {product}: it is a mandatory dependency of {}; only recommended ones can be dropped", .required_by.join(", "))]
    WithoutMandatory {
        product: String,
        required_by: Vec<String>,
    },
    #[error("--without {product}: it is also selected")]
    WithoutSelected { product: String },
    #[error("--without {product}: nothing in the plan recommends it, so it leaves nothing out; {}", match .droppable.is_empty() {
        true => "this plan has no recommended dependency to drop".to_string(),
        false => format!("the ones it can drop are {}", .droppable.join(", ")),
    })]
    WithoutUnused {
        product: String,
        droppable: Vec<String>,
    },
    #[error("{product} is {category} for {}; select one of them (or have one installed) to add it", .applies_to.join(", "))]
    NothingToApplyTo {
        product: String,
        category: &'static str,
        applies_to: Vec<String>,
    },
    #[error("{product} {from} cannot be upgraded to {to}: {why}")]
    NoUpgradePath {
        product: String,
        from: Version,
        to: Version,
        why: String,
    },
    #[error("{product} {installed} is installed, newer than {planned} which {} asks for; a downgrade is not planned (uninstall it first)", join_with(.asked, " and "))]
    Downgrade {
        product: String,
        installed: Version,
        planned: Version,
        asked: Vec<Asked>,
    },
    #[error("{product} {version} names EULA {eula:?}, which no listing defines")]
    MissingEula {
        product: String,
        version: Version,
        eula: String,
    },
    #[error(
        "the plan's {files} files add up to more than {} bytes; the listing's `size` attributes cannot be right",
        u64::MAX
    )]
    TooLarge { files: usize },
    #[error("the versions of {} keep changing with each other's requirements; pin one with --select ID@REQ", .products.join(", "))]
    Unsettled { products: Vec<String> },
}

fn did_you_mean(suggestions: &[String]) -> String {
    match suggestions {
        [] => "; `airlock products` lists the ids".to_string(),
        _ => format!("; did you mean {}?", suggestions.join(" or ")),
    }
}

fn join(versions: &[Version]) -> String {
    if versions.is_empty() {
        return "none".to_string();
    }
    join_with(versions, ", ")
}

fn join_with<T: std::fmt::Display>(list: &[T], sep: &str) -> String {
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(sep)
}
