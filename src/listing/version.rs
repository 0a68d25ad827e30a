//! Versions and version requirements as the listing contract defines them:
//! 1 to 4 numeric parts (missing parts count as 0) and comma-joined comparators.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;
use triomphe::ThinArc;

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

    /// Equal and written alike: `8.0` is not `8.0.0`, though they are equal.
    pub fn same(&self, other: &Version) -> bool {
        self.parts == other.parts && self.written == other.written
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

/// A version as written, dots and all, in a buffer on the stack: listings
/// and histories print hundreds of thousands of versions, and one string
/// handed to a writer costs a fraction of a formatted number per part.
struct Written {
    bytes: [u8; 4 * 10 + 3],
    len: usize,
}

impl Written {
    fn of(version: &Version) -> Written {
        let mut out = Written {
            bytes: [0; 43],
            len: 0,
        };
        let shown = usize::from(version.written.clamp(1, 4));
        for (i, p) in version.parts[..shown].iter().enumerate() {
            if i > 0 {
                out.push(b".");
            }
            out.push(itoa::Buffer::new().format(*p).as_bytes());
        }
        out
    }

    fn push(&mut self, bytes: &[u8]) {
        self.bytes[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    fn as_str(&self) -> &str {
        // Digits and dots only.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Written::of(self).as_str())
    }
}

impl serde::Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(Written::of(self).as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Version {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// How a comparator compares a version with its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Op {
    Eq,
    Ge,
    Gt,
    Le,
    Lt,
    /// `8.0.*`: the leading parts are equal to those written.
    Wildcard,
}

/// One comparator of a requirement: `>=8.0`, `<9`, `=7.6.1655.0`, `8.0.*`.
/// Plain data, 20 bytes.
#[derive(Clone, Copy, Debug)]
pub struct Comparator {
    /// The version compared with; for a wildcard, its leading parts.
    parts: [u32; 4],
    /// How many parts were written (1 to 4; for a wildcard 1 to 3).
    written: u8,
    op: Op,
}

impl Comparator {
    fn new(op: Op, version: Version) -> Comparator {
        Comparator {
            parts: version.parts,
            written: version.written,
            op,
        }
    }

    fn version(&self) -> Version {
        Version {
            parts: self.parts,
            written: self.written,
        }
    }

    pub fn matches(&self, v: &Version) -> bool {
        let w = &self.parts;
        match self.op {
            Op::Eq => v.parts == *w,
            Op::Ge => v.parts >= *w,
            Op::Gt => v.parts > *w,
            Op::Le => v.parts <= *w,
            Op::Lt => v.parts < *w,
            Op::Wildcard => {
                let n = usize::from(self.written);
                v.parts[..n] == w[..n]
            }
        }
    }
}

/// Equal when they accept the same versions: `>=8.0` is `>=8.0.0.0`, but
/// `8.*` is not `8.0.*`.
impl PartialEq for Comparator {
    fn eq(&self, other: &Self) -> bool {
        self.op == other.op
            && self.parts == other.parts
            && (self.op != Op::Wildcard || self.written == other.written)
    }
}
impl Eq for Comparator {}

impl std::hash::Hash for Comparator {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.op.hash(state);
        self.parts.hash(state);
        if self.op == Op::Wildcard {
            self.written.hash(state);
        }
    }
}

impl fmt::Display for Comparator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.op {
            Op::Eq => "=",
            Op::Ge => ">=",
            Op::Gt => ">",
            Op::Le => "<=",
            Op::Lt => "<",
            Op::Wildcard => {
                for n in &self.parts[..usize::from(self.written)] {
                    write!(f, "{n}.")?;
                }
                return f.write_str("*");
            }
        };
        f.write_str(op)?;
        f.write_str(Written::of(&self.version()).as_str())
    }
}

/// A version requirement: every comparator must hold. None means any version.
///
/// One pointer wide, its comparators shared by its clones: a listing
/// states the same few ranges over and over, and keeps each once (see
/// `Cursor::shared_requirement`).
#[derive(Clone, Default)]
pub struct Requirement {
    comparators: Option<ThinArc<(), Comparator>>,
}

impl Requirement {
    /// The requirement an absent `version` attribute stands for.
    pub fn any() -> Requirement {
        Requirement::default()
    }

    pub fn exact(v: Version) -> Requirement {
        Requirement::of(vec![Comparator::new(Op::Eq, v)])
    }

    fn of(comparators: Vec<Comparator>) -> Requirement {
        Requirement {
            comparators: Some(ThinArc::from_header_and_iter((), comparators.into_iter())),
        }
    }

    pub fn is_any(&self) -> bool {
        self.comparators().is_empty()
    }

    pub fn comparators(&self) -> &[Comparator] {
        self.comparators.as_ref().map_or(&[], |c| &c.slice)
    }

    pub fn matches(&self, v: &Version) -> bool {
        self.comparators().iter().all(|c| c.matches(v))
    }

    /// Equal and written alike: `>=8` is not `>=8.0`, though both accept
    /// the same versions. One may stand for the other wherever it is printed.
    pub fn same(&self, other: &Requirement) -> bool {
        let (mine, theirs) = (self.comparators(), other.comparators());
        mine.len() == theirs.len()
            && mine
                .iter()
                .zip(theirs)
                .all(|(a, b)| a.op == b.op && a.version().same(&b.version()))
    }
}

/// Equal when they accept the same versions (see [`Comparator`]).
impl PartialEq for Requirement {
    fn eq(&self, other: &Self) -> bool {
        self.comparators() == other.comparators()
    }
}
impl Eq for Requirement {}

impl std::hash::Hash for Requirement {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.comparators().hash(state)
    }
}

impl fmt::Debug for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Requirement")
            .field(&self.comparators())
            .finish()
    }
}

/// One comparator's text, `>=8.0` or `8.0.*`; `err` words a refusal.
fn comparator(
    c: &str,
    err: impl Fn(&'static str) -> VersionError,
) -> Result<Comparator, VersionError> {
    let c = c.trim();
    let (op, rest) = [
        (">=", Op::Ge),
        ("<=", Op::Le),
        (">", Op::Gt),
        ("<", Op::Lt),
        ("=", Op::Eq),
    ]
    .iter()
    .find_map(|(text, op)| c.strip_prefix(text).map(|r| (Some(*op), r)))
    .unwrap_or((None, c));
    let rest = rest.trim();
    if let Some(prefix) = rest.strip_suffix(".*") {
        if !matches!(op, None | Some(Op::Eq)) {
            return Err(err("a wildcard takes no comparison operator"));
        }
        let (parts, count) = Version::parse_parts(prefix).map_err(|e| err(e.reason))?;
        if count > 3 {
            return Err(err("a wildcard has at most 3 leading parts"));
        }
        return Ok(Comparator {
            parts,
            written: count as u8,
            op: Op::Wildcard,
        });
    }
    let v: Version = rest.parse().map_err(|e: VersionError| err(e.reason))?;
    Ok(Comparator::new(op.unwrap_or(Op::Eq), v))
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
        let comparators = text
            .split(',')
            .map(|c| comparator(c, err))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Requirement::of(comparators))
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_any() {
            return f.write_str("*");
        }
        for (i, c) in self.comparators().iter().enumerate() {
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

    #[test]
    fn requirements_of_more_than_two_comparators_are_kept_whole() {
        let r: Requirement = ">=7.0, <9 ,8.*,=8.0.2298.0".parse().unwrap();
        assert_eq!(r.comparators().len(), 4);
        assert_eq!(r.to_string(), ">=7.0,<9,8.*,=8.0.2298.0");
        assert!(r.matches(&v("8.0.2298")));
        assert!(!r.matches(&v("8.0.2298.1")));
        assert_eq!(r, r.to_string().parse().unwrap());
        assert_ne!(r, ">=7.0,<9,8.*".parse().unwrap());
        // Equal when they accept the same versions, as written or not.
        assert_eq!(">=8".parse::<Requirement>(), ">=8.0.0".parse());
        assert_ne!("8.*".parse::<Requirement>(), "8.0.*".parse());
        assert_eq!(Requirement::exact(v("7.6")).to_string(), "=7.6");
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
