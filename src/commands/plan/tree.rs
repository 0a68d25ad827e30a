//! The plan as text: a tree with each product under the one that brought
//! it in, sizes and reasons in columns, then the total, the install order
//! and the EULAs to accept.

use crate::plan::{Plan, PlanItem, Reason};
use crate::redact::redact;
use crate::text::escaped;
use crate::text::human_bytes;
use rustc_hash::FxHashMap as HashMap;
use std::borrow::Cow;
use std::collections::VecDeque;
use std::fmt::Write as _;

/// A product in the tree: its lines, and the product whose release brought it in.
struct Node<'a> {
    id: &'a str,
    parent: Option<&'a str>,
    rows: Vec<Row>,
}

/// A product's line: its text, already escaped, and how wide that shows.
struct Row {
    text: String,
    width: usize,
    size: String,
    reason: String,
}

impl Row {
    fn new(text: String, size: String, reason: String) -> Row {
        let text = match escaped(&text) {
            Cow::Borrowed(_) => text,
            Cow::Owned(shown) => shown,
        };
        Row {
            width: text.chars().count(),
            text,
            size,
            reason,
        }
    }
}

fn brought_by(reason: &Reason) -> Option<&str> {
    match reason {
        Reason::Requires(id) | Reason::Recommends(id) => Some(id),
        _ => None,
    }
}

fn item_row(item: &PlanItem) -> Row {
    let mut text = format!("{} {} {}", item.action, item.product, item.version);
    if let Some(label) = &item.label {
        let _ = write!(text, " ({label})");
    }
    if let Some(from) = item.from_version {
        let _ = write!(text, " from {from}");
    }
    Row::new(
        text,
        human_bytes(item.payload.size),
        item.reason.to_string(),
    )
}

/// How deep the tree nests before a branch goes on as a tree of its own
/// further down: each level indents every line below it, so nesting without
/// a bound made the text of a long `requires` chain quadratic in its length.
const MAX_DEPTH: usize = 12;

/// Sizes and reasons line up after the longest line, or after this many
/// characters when a line is longer (it then pushes only its own columns).
const MAX_ALIGN: usize = 100;

/// The plan as a tree: each product under the one that brought it in, its
/// upgrade steps and hot fixes under it; then the total and the EULAs. Each
/// product is shown once; a branch deeper than `MAX_DEPTH` is named where it
/// would start and shown as its own tree after the one it belongs to, its
/// reason naming the product it hangs from.
pub fn render(plan: &Plan) -> String {
    let mut nodes: Vec<Node> = plan
        .suites
        .iter()
        .map(|s| Node {
            id: &s.product,
            parent: brought_by(&s.reason),
            rows: vec![Row::new(
                format!("suite {} {}", s.product, s.version),
                String::new(),
                s.reason.to_string(),
            )],
        })
        .collect();
    let mut products: Vec<&str> = Vec::new();
    let mut items_of: HashMap<&str, Vec<&PlanItem>> = HashMap::default();
    for item in &plan.items {
        let items = items_of.entry(&item.product).or_default();
        if items.is_empty() {
            products.push(&item.product);
        }
        items.push(item);
    }
    for product in &products {
        let items = &items_of[product];
        let main = items
            .iter()
            .find(|i| i.reason != Reason::UpgradeStep)
            .unwrap_or(&items[0]);
        let mut rows: Vec<Row> = items.iter().map(|i| item_row(i)).collect();
        if rows.len() > 1 {
            rows.insert(
                0,
                Row::new(
                    format!("{product} ({} files)", rows.len()),
                    human_bytes(items.iter().map(|i| i.payload.size).sum()),
                    main.reason.to_string(),
                ),
            );
        }
        nodes.push(Node {
            id: product,
            parent: brought_by(&main.reason),
            rows,
        });
    }
    let mut index: HashMap<&str, usize> = HashMap::default();
    for (i, node) in nodes.iter().enumerate() {
        index.entry(node.id).or_insert(i);
    }
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    let mut roots = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        match node.parent.and_then(|p| index.get(p)) {
            Some(&parent) => children[parent].push(i),
            None => roots.push(i),
        }
    }
    let roots = roots.iter().copied().chain(0..nodes.len());
    // Two walks of the tree, one to measure its lines and one to write them,
    // so that no line is kept: a plan of many thousand products is megabytes.
    let mut width = 0;
    let mut size_width = 0;
    let mut lines = 0;
    walk(&nodes, &children, roots.clone(), |prefix, line| {
        let text_width = prefix.width() + line.width();
        width = width.max(text_width.min(MAX_ALIGN));
        if let Line::Row(row) = line {
            size_width = size_width.max(row.size.len());
        }
        lines += 1;
    });
    let mut out = String::with_capacity(lines * (width + size_width + 40));
    walk(&nodes, &children, roots, |prefix, line| {
        prefix.write(&mut out);
        match line {
            Line::Row(row) => {
                out += &row.text;
                let text_width = prefix.width() + row.width;
                pad(&mut out, width.saturating_sub(text_width) + 2);
                pad(
                    &mut out,
                    size_width.saturating_sub(row.size.chars().count()),
                );
                out += &row.size;
                out += "  ";
                out += &escaped(&row.reason);
            }
            Line::Continued(id) => {
                out += id;
                out += " (continued below)";
            }
        }
        out.push('\n');
    });
    let files = plan.items.len();
    out += &format!(
        "\nTotal download: {} in {files} file{}\n",
        human_bytes(plan.total_bytes),
        if files == 1 { "" } else { "s" }
    );
    if !products.is_empty() {
        out += &format!("Install order: {}\n", escaped(&products.join(", ")));
    }
    if !plan.eulas.is_empty() {
        out += "EULAs to accept before building:\n";
        for eula in &plan.eulas {
            let url = redact(&eula.payload.url.to_string());
            out += &format!(
                "  {}: {} <{}>\n",
                escaped(&eula.id),
                escaped(&eula.title),
                escaped(&url)
            );
        }
    }
    out
}

/// Appends `n` spaces.
fn pad(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// A node still to draw: the branch its first line hangs from, what
/// continues that branch on the lines under it, and how deep it is.
struct Frame {
    node: usize,
    branch: &'static str,
    continued: &'static str,
    depth: usize,
}

/// What comes before a line's text: the branches of the nodes above it,
/// then its own piece.
struct Prefix<'p> {
    above: &'p [&'static str],
    own: &'static str,
}

impl Prefix<'_> {
    fn width(&self) -> usize {
        self.pieces().map(|piece| piece.chars().count()).sum()
    }

    fn write(&self, out: &mut String) {
        self.pieces().for_each(|piece| out.push_str(piece));
    }

    fn pieces(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.above.iter().copied().chain([self.own])
    }
}

/// A line of the tree after its prefix: a row, or the id of a branch
/// continued below.
#[derive(Clone, Copy)]
enum Line<'a> {
    Row(&'a Row),
    Continued(&'a str),
}

impl Line<'_> {
    /// Characters on screen.
    fn width(&self) -> usize {
        match self {
            Line::Row(row) => row.width,
            Line::Continued(id) => id.chars().count() + " (continued below)".len(),
        }
    }
}

/// Visits the tree's lines in order, each with its prefix. Walks with a
/// stack of its own: a deep chain must not overflow the thread's.
fn walk<'a>(
    nodes: &'a [Node],
    children: &[Vec<usize>],
    roots: impl IntoIterator<Item = usize>,
    mut visit: impl FnMut(Prefix<'_>, Line<'a>),
) {
    let mut shown = vec![false; nodes.len()];
    // The pieces that continue the branches above the node being drawn.
    let mut above: Vec<&'static str> = Vec::new();
    let mut kids: Vec<usize> = Vec::new();
    for root in roots {
        let mut trees = VecDeque::from([root]);
        while let Some(top) = trees.pop_front() {
            let mut stack = vec![Frame {
                node: top,
                branch: "",
                continued: "",
                depth: 0,
            }];
            while let Some(frame) = stack.pop() {
                let at = frame.node;
                if shown[at] {
                    continue;
                }
                above.truncate(frame.depth.saturating_sub(1));
                let node = &nodes[at];
                let first = Prefix {
                    above: &above,
                    own: frame.branch,
                };
                if frame.depth > MAX_DEPTH {
                    visit(first, Line::Continued(node.id));
                    trees.push_back(at);
                    continue;
                }
                shown[at] = true;
                kids.clear();
                kids.extend(children[at].iter().copied().filter(|k| !shown[*k]));
                let mut rows = node.rows.iter();
                if let Some(row) = rows.next() {
                    visit(first, Line::Row(row));
                }
                // Under its first line, the node's branch goes on.
                if frame.depth > 0 {
                    above.push(frame.continued);
                }
                let own = if kids.is_empty() { "   " } else { "│  " };
                for row in rows {
                    visit(Prefix { above: &above, own }, Line::Row(row));
                }
                for (i, &kid) in kids.iter().enumerate().rev() {
                    let (branch, continued) = match i + 1 == kids.len() {
                        true => ("└─ ", "   "),
                        false => ("├─ ", "│  "),
                    };
                    stack.push(Frame {
                        node: kid,
                        branch,
                        continued,
                        depth: frame.depth + 1,
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{self, Installed, Selection};

    #[test]
    fn the_tree_puts_members_under_what_brought_them() {
        let selection = Selection {
            picks: plan::parse_picks(&["cms".into()]).unwrap(),
            optional: vec!["docs".into()],
            ..Selection::default()
        };
        let installed = Installed::from([("smp".to_string(), "7.5.3153.0".parse().unwrap())]);
        let plan = plan::resolve(&plan::testing::itms(), &selection, &installed).unwrap();
        let want = "\
suite cms 8.0                                                          selected
├─ install power 7.6.1                                         1000 B  requires:cms
├─ install ita 8.0                                             1000 B  recommends:cms
│  └─ smp (3 files)                                           1.2 KiB  requires:ita
│        hotfix smp 7.5.3300.0 (SMP-7.5-HF5) from 7.5.3153.0    100 B  upgrade-step
│        upgrade smp 8.0.2298.0 from 7.5.3300.0                1000 B  requires:ita
│        hotfix smp 8.0.2298.1 (SMP-8.0-HF1) from 8.0.2298.0    100 B  requires:ita
└─ install patch 8.0.2298.0                                    1000 B  requires:cms
install docs 8.0                                               1000 B  optional

Total download: 5.1 KiB in 7 files
Install order: power, smp, ita, patch, docs
EULAs to accept before building:
  itms: itms license agreement <https://vendor.test/files/itms.txt>
";
        assert_eq!(render(&plan), want);
    }
}
