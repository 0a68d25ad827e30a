//! Versions and version requirements as the listing contract defines them:
//! 1 to 4 numeric parts (missing parts count as 0) and comma-joined comparators.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// A version of 1 to 4 dot-separated numbers; `8.0` equals `8.0.0.0`.
///
/// Ordering and equality look only at the numbers; the written part count is
/// kept so that a version prints as the vendor wrote it.
#[derive(Clone, Copy, Debug)]
pub struct Version {
    parts: [u32; 4],
    written: u8,
}

/// Why a version or requirement text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid version {text:?}: {reason}")]
pub struct VersionError {
    pub text: String,
    pub reason: &'static str,
}

impl Version {
    pub const ZERO: Version = Version {
        parts: [0; 4],
        written: 1,
    };

    pub fn new(parts: [u32; 4]) -> Version {
        Version { parts, written: 4 }
    }

    pub fn parts(&self) -> [u32; 4] {
        self.parts
    }

    /// The numbers of `text` and how many were written; no allocation.
    fn parse_parts(text: &str) -> Result<([u32; 4], usize), VersionError> {
        let err = |reason| VersionError {
            text: text.to_string(),
            reason,
        };
        if text.is_empty() {
            return Err(err("it is empty"));
        }
        let mut parts = [0u32; 4];
        let mut count = 0;
        for p in text.split('.') {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err("each part must be a decimal number"));
            }
            if count == 4 {
                return Err(err("a version has at most 4 parts"));
            }
            let trimmed = p.trim_start_matches('0');
            parts[count] = if trimmed.is_empty() {
                0
            } else {
                trimmed
                    .parse::<u32>()
                    .map_err(|_| err("a part is larger than 4294967295"))?
            };
            count += 1;
        }
        Ok((parts, count))
    }
}

impl FromStr for Version {
    type Err = VersionError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (parts, count) = Version::parse_parts(text)?;
        Ok(Version {
            parts,
            written: count as u8,
        })
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.parts == other.parts
    }
}
impl Eq for Version {}
impl std::hash::Hash for Version {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.parts.hash(state)
    }
}
impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.parts.cmp(&other.parts)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = usize::from(self.written.clamp(1, 4));
        for (i, p) in self.parts[..shown].iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl serde::Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Version {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// One comparator of a requirement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Comparator {
    Eq(Version),
    Ge(Version),
    Gt(Version),
    Le(Version),
    Lt(Version),
    /// `8.0.*`: the leading parts are equal to these.
    Wildcard(Vec<u32>),
}

impl Comparator {
    pub fn matches(&self, v: &Version) -> bool {
        match self {
            Comparator::Eq(w) => v == w,
            Comparator::Ge(w) => v >= w,
            Comparator::Gt(w) => v > w,
            Comparator::Le(w) => v <= w,
            Comparator::Lt(w) => v < w,
            Comparator::Wildcard(prefix) => v.parts[..prefix.len()] == prefix[..],
        }
    }
}

impl fmt::Display for Comparator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Comparator::Eq(v) => write!(f, "={v}"),
            Comparator::Ge(v) => write!(f, ">={v}"),
            Comparator::Gt(v) => write!(f, ">{v}"),
            Comparator::Le(v) => write!(f, "<={v}"),
            Comparator::Lt(v) => write!(f, "<{v}"),
            Comparator::Wildcard(p) => {
                for n in p {
                    write!(f, "{n}.")?;
                }
                f.write_str("*")
            }
        }
    }
}

/// A version requirement: every comparator must hold. Empty means any version.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Requirement {
    comparators: Vec<Comparator>,
}

impl Requirement {
    /// The requirement an absent `version` attribute stands for.
    pub fn any() -> Requirement {
        Requirement::default()
    }

    pub fn exact(v: Version) -> Requirement {
        Requirement {
            comparators: vec![Comparator::Eq(v)],
        }
    }

    pub fn is_any(&self) -> bool {
        self.comparators.is_empty()
    }

    pub fn comparators(&self) -> &[Comparator] {
        &self.comparators
    }

    pub fn matches(&self, v: &Version) -> bool {
        self.comparators.iter().all(|c| c.matches(v))
    }
}

impl FromStr for Requirement {
    type Err = VersionError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = |reason| VersionError {
            text: text.to_string(),
            reason,
        };
        if text.trim().is_empty() {
            return Err(err("a requirement needs at least one comparator"));
        }
        let mut comparators = text
            .split(',')
            .map(|c| {
                let c = c.trim();
                let (op, rest) = [">=", "<=", ">", "<", "="]
                    .iter()
                    .find_map(|op| c.strip_prefix(op).map(|r| (*op, r)))
                    .unwrap_or(("", c));
                let rest = rest.trim();
                if let Some(prefix) = rest.strip_suffix(".*") {
                    if !op.is_empty() && op != "=" {
                        return Err(err("a wildcard takes no comparison operator"));
                    }
                    let (parts, count) = Version::parse_parts(prefix).map_err(|e| err(e.reason))?;
                    if count > 3 {
                        return Err(err("a wildcard has at most 3 leading parts"));
                    }
                    return Ok(Comparator::Wildcard(parts[..count].to_vec()));
                }
                let v: Version = rest.parse().map_err(|e: VersionError| err(e.reason))?;
                Ok(match op {
                    ">=" => Comparator::Ge(v),
                    "<=" => Comparator::Le(v),
                    ">" => Comparator::Gt(v),
                    "<" => Comparator::Lt(v),
                    _ => Comparator::Eq(v),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        // A listing holds tens of thousands of requirements, most of one or two comparators.
        comparators.shrink_to_fit();
        Ok(Requirement { comparators })
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.comparators.is_empty() {
            return f.write_str("*");
        }
        for (i, c) in self.comparators.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

/// Written as its text (`>=8.0,<9`); `*` is any version.
impl serde::Serialize for Requirement {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Requirement {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if text == "*" {
            return Ok(Requirement::any());
        }
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn v(s: &str) -> Version {
        s.parse().unwrap()
    }

    #[test]
    fn missing_parts_are_zero() {
        assert_eq!(v("8.0"), v("8.0.0.0"));
        assert_eq!(v("8"), v("8.0.0"));
        assert_eq!(v("8.0.2298.0"), v("8.0.2298"));
        assert!(v("8.0.2298.1") > v("8.0.2298"));
        assert_eq!(v("007.06").to_string(), "7.6");
    }

    #[test]
    fn bad_versions_are_refused() {
        for bad in [
            "",
            ".",
            "8.",
            "8..0",
            "1.2.3.4.5",
            "a.b",
            "-1",
            "4294967296",
            "8.0 ",
        ] {
            assert!(bad.parse::<Version>().is_err(), "{bad:?} accepted");
        }
        assert!("4294967295.0".parse::<Version>().is_ok());
    }

    #[test]
    fn requirements() {
        let r: Requirement = "<8.0.2298.1,>=8.0".parse().unwrap();
        assert!(r.matches(&v("8.0.2298.0")));
        assert!(!r.matches(&v("8.0.2298.1")));
        assert!(!r.matches(&v("7.6")));
        let w: Requirement = "8.0.*".parse().unwrap();
        assert!(w.matches(&v("8.0.2298.0")));
        assert!(w.matches(&v("8")));
        assert!(!w.matches(&v("8.1")));
        let bare: Requirement = "7.6.1655.0".parse().unwrap();
        assert!(bare.matches(&v("7.6.1655")));
        assert!(!bare.matches(&v("7.6.1655.1")));
        assert!(Requirement::any().matches(&v("1")));
        for bad in ["", ">=", ">=8.*", "8.0.*.*", "8,,9", "~8"] {
            assert!(bad.parse::<Requirement>().is_err(), "{bad:?} accepted");
        }
    }

    fn arb_version() -> impl Strategy<Value = Version> {
        (prop::collection::vec(0u32..5, 1..=4)).prop_map(|p| {
            p.iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(".")
                .parse()
                .unwrap()
        })
    }

    proptest! {
        #[test]
        fn ordering_is_total_and_consistent(a in arb_version(), b in arb_version(), c in arb_version()) {
            prop_assert_eq!(a.cmp(&b), b.cmp(&a).reverse());
            prop_assert_eq!(a == b, a.cmp(&b) == Ordering::Equal);
            if a <= b && b <= c { prop_assert!(a <= c); }
        }

        #[test]
        fn display_round_trips(a in arb_version()) {
            prop_assert_eq!(a.to_string().parse::<Version>().unwrap(), a);
        }

        #[test]
        fn padding_with_zeros_changes_nothing(p in prop::collection::vec(any::<u32>(), 1..4)) {
            let short: Version = p.iter().map(u32::to_string).collect::<Vec<_>>().join(".").parse().unwrap();
            let long: Version = format!("{short}.0").parse().unwrap();
            prop_assert_eq!(short, long);
        }

        #[test]
        fn wildcard_is_prefix_equality(prefix in prop::collection::vec(0u32..3, 1..=3), x in arb_version()) {
            let text = format!("{}.*", prefix.iter().map(u32::to_string).collect::<Vec<_>>().join("."));
            let r: Requirement = text.parse().unwrap();
            prop_assert_eq!(r.matches(&x), x.parts()[..prefix.len()] == prefix[..]);
        }

        #[test]
        fn comparators_agree_with_ordering(a in arb_version(), b in arb_version()) {
            let req = |op: &str| format!("{op}{b}").parse::<Requirement>().unwrap().matches(&a);
            prop_assert_eq!(req(">="), a >= b);
            prop_assert_eq!(req(">"), a > b);
            prop_assert_eq!(req("<="), a <= b);
            prop_assert_eq!(req("<"), a < b);
            prop_assert_eq!(req("="), a == b);
        }
    }
}
