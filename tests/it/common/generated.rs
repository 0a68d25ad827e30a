//! Generated listings of the shapes that made planning quadratic: wide suites
//! (one suite requiring thousands of solutions) and deep `requires` chains
//! (each solution requiring the next). Shared by the tests and the plan benchmark.

use std::fmt::Write as _;

/// How many suites of how many members, and how many chains how deep.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub suites: usize,
    pub width: usize,
    pub chains: usize,
    pub depth: usize,
}

impl Shape {
    /// Only chains: `chains` of them, each `depth` deep.
    pub const fn chains(chains: usize, depth: usize) -> Shape {
        Shape {
            suites: 0,
            width: 0,
            chains,
            depth,
        }
    }
}

/// Member `i` of suite `s`.
pub fn member(s: usize, i: usize) -> String {
    format!("s{s}-m{i}")
}

/// Link `i` of chain `c`: it requires link `i + 1`.
pub fn link(c: usize, i: usize) -> String {
    format!("c{c}-{i}")
}

/// The suites and chain heads: selecting them plans every product.
pub fn roots(shape: Shape) -> Vec<String> {
    let suites = (0..shape.suites).map(|s| format!("s{s}"));
    suites
        .chain((0..shape.chains).map(|c| link(c, 0)))
        .collect()
}

/// A valid listing of that shape; every tenth solution has a hot fix.
pub fn listing(shape: Shape) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <productListing xmlns=\"urn:airlock:product-listing:1\" vendor=\"Generated\" \
         name=\"Wide suites and deep chains\" serial=\"1\" published=\"2026-11-20T10:00:00Z\">\n\
         <eula id=\"std\" title=\"Standard terms\">\n\
         <payload kind=\"text\" file=\"std.txt\" url=\"eula/std.txt\" size=\"10\" \
         sha256=\"0000000000000000000000000000000000000000000000000000000000000000\"/>\n\
         </eula>\n",
    );
    let mut solutions = 0;
    for s in 0..shape.suites {
        let _ = writeln!(
            xml,
            "<product id=\"s{s}\" name=\"Suite {s}\" kind=\"suite\">\n\
             <release version=\"8.0\" eula=\"std\" license=\"required\">"
        );
        for i in 0..shape.width {
            let _ = writeln!(xml, "  <requires product=\"{}\"/>", member(s, i));
        }
        xml.push_str("</release>\n</product>\n");
        for i in 0..shape.width {
            solution(&mut xml, &member(s, i), None, &mut solutions);
        }
    }
    for c in 0..shape.chains {
        for i in 0..shape.depth {
            let next = (i + 1 < shape.depth).then(|| link(c, i + 1));
            solution(&mut xml, &link(c, i), next.as_deref(), &mut solutions);
        }
    }
    xml.push_str("</productListing>\n");
    xml
}

fn solution(xml: &mut String, id: &str, requires: Option<&str>, count: &mut usize) {
    let n = *count;
    *count += 1;
    let _ = writeln!(
        xml,
        "<product id=\"{id}\" name=\"Solution {id}\" kind=\"solution\">\n\
         <release version=\"8.0.{n}.0\" label=\"8.0\" eula=\"std\" license=\"trial\" arch=\"x64\">\n\
         \x20 <payload kind=\"msi\" file=\"{id}.msi\" url=\"msi/{id}.msi\" size=\"{}\" sha256=\"{:064x}\"/>",
        100_000 + n,
        n as u128 * 0x9E37_79B9_7F4A_7C15,
    );
    if let Some(next) = requires {
        let _ = writeln!(xml, "  <requires product=\"{next}\" version=\"&gt;=8.0\"/>");
    }
    xml.push_str("</release>\n</product>\n");
    if n.is_multiple_of(10) {
        let _ = writeln!(
            xml,
            "<hotfix id=\"{id}-hf1\" product=\"{id}\" base=\"8.0.{n}.0\" version=\"8.0.{n}.1\" \
             label=\"8.0 HF1\" severity=\"recommended\">\n\
             \x20 <payload kind=\"msp\" file=\"{id}-hf1.msp\" url=\"hf/{id}-hf1.msp\" size=\"2048\" \
             sha256=\"{:064x}\"/>\n\
             </hotfix>",
            (n as u128 + 1) << 64,
        );
    }
}
