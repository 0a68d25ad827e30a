//! `airlock plan`: resolve a selection against the listings and show the plan,
//! as a tree with reasons and sizes, or as the contract's JSON.

use super::output::{human_bytes, print, print_json, word};
use crate::error::{Error, Exit, Result};
use crate::plan::{self, HotfixPolicy, Installed, Plan, PlanItem, Reason, Selection};
use crate::redact::redact;
use crate::text::escaped;
use std::collections::BTreeMap;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  airlock plan --listing https://downloads.example.com/itms.pl.xml --select cms
  airlock plan --listing itms.pl.xml --select cms --without it-analytics --hotfixes all
  airlock plan --listing itms.pl.xml --select smp@=7.6.1423.0,patch --optional smp-docs --json";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Product listing: a path or http(s) URL of a .pl.xml or .pl.xml.zip; repeat to add third-party listings
    #[arg(long = "listing", value_name = "SRC", required = true)]
    pub listings: Vec<String>,
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// Vendor's public key: refuse a listing whose signature is missing or wrong
    #[arg(long, value_name = "PUB")]
    pub vendor_key: Option<PathBuf>,
    #[command(flatten)]
    pub net: super::network::NetArgs,
    /// Print the plan as JSON on stdout, and nothing else there
    #[arg(long)]
    pub json: bool,
}

/// The selection flags, shared by the commands that resolve a plan.
#[derive(Debug, Clone, clap::Args)]
pub struct SelectionArgs {
    /// Suites, solutions or optional components to plan, each at its latest release unless pinned (smp@=7.6.1423.0); repeatable or comma-separated
    #[arg(long = "select", value_name = "ID[@REQ]")]
    pub select: Vec<String>,
    /// Optional component to add (documentation, language pack, migration wizard); repeatable
    #[arg(long, value_name = "ID", value_delimiter = ',')]
    pub optional: Vec<String>,
    /// Recommended dependency to leave out; repeatable (a mandatory one cannot be)
    #[arg(long, value_name = "ID", value_delimiter = ',')]
    pub without: Vec<String>,
    /// Hot fixes of each planned release: the latest (they are cumulative), all in order, or none (the fix of a critical update is always planned)
    #[arg(long, value_enum, value_name = "WHICH", default_value = "latest")]
    pub hotfixes: HotfixPolicy,
}

impl SelectionArgs {
    pub fn selection(&self) -> Result<Selection> {
        let picks = plan::parse_picks(&self.select).map_err(|e| Error::Usage(e.to_string()))?;
        Ok(Selection {
            picks,
            optional: self.optional.clone(),
            without: self.without.iter().cloned().collect(),
            hotfixes: self.hotfixes,
        })
    }
}

pub fn run(args: Args) -> Result<Exit> {
    let selection = args.selection.selection()?;
    if selection.picks.is_empty() && selection.optional.is_empty() {
        return Err(Error::Usage(
            "nothing to plan: name products with --select ID (`airlock products` lists them)"
                .into(),
        ));
    }
    let catalog = args
        .net
        .listings(&args.listings, args.vendor_key.as_deref())?;
    let plan = plan::resolve(&catalog, &selection, &Installed::new())?;
    if args.json {
        print_json(&plan)?;
    } else {
        print(&render(&plan))?;
    }
    Ok(Exit::Done)
}

/// A product in the tree: its lines, and the product whose release brought it in.
struct Node<'a> {
    id: &'a str,
    parent: Option<&'a str>,
    rows: Vec<Row>,
}

struct Row {
    text: String,
    size: String,
    reason: String,
}

fn brought_by(reason: &Reason) -> Option<&str> {
    match reason {
        Reason::Requires(id) | Reason::Recommends(id) => Some(id),
        _ => None,
    }
}

fn item_row(item: &PlanItem) -> Row {
    let action = word(&item.action);
    let label = item
        .label
        .as_ref()
        .map(|l| format!(" ({l})"))
        .unwrap_or_default();
    let from = item
        .from_version
        .map(|v| format!(" from {v}"))
        .unwrap_or_default();
    Row {
        text: format!("{action} {} {}{label}{from}", item.product, item.version),
        size: human_bytes(item.payload.size),
        reason: item.reason.to_string(),
    }
}

/// The plan as a tree: each product under the one that brought it in, its
/// upgrade steps and hot fixes under it; then the total and the EULAs.
pub fn render(plan: &Plan) -> String {
    let mut nodes: Vec<Node> = plan
        .suites
        .iter()
        .map(|s| Node {
            id: &s.product,
            parent: brought_by(&s.reason),
            rows: vec![Row {
                text: format!("suite {} {}", s.product, s.version),
                size: String::new(),
                reason: s.reason.to_string(),
            }],
        })
        .collect();
    let mut products: Vec<&str> = Vec::new();
    for item in &plan.items {
        if !products.contains(&item.product.as_str()) {
            products.push(&item.product);
        }
    }
    for product in &products {
        let items: Vec<&PlanItem> = plan
            .items
            .iter()
            .filter(|i| i.product == *product)
            .collect();
        let main = items
            .iter()
            .find(|i| i.reason != Reason::UpgradeStep)
            .unwrap_or(&items[0]);
        let mut rows: Vec<Row> = items.iter().map(|i| item_row(i)).collect();
        if rows.len() > 1 {
            rows.insert(
                0,
                Row {
                    text: format!("{product} ({} files)", rows.len()),
                    size: human_bytes(items.iter().map(|i| i.payload.size).sum()),
                    reason: main.reason.to_string(),
                },
            );
        }
        nodes.push(Node {
            id: product,
            parent: brought_by(&main.reason),
            rows,
        });
    }
    let mut children: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut roots = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        match node.parent.filter(|p| nodes.iter().any(|n| n.id == *p)) {
            Some(parent) => children.entry(parent).or_default().push(i),
            None => roots.push(i),
        }
    }
    let mut lines: Vec<(String, &Row)> = Vec::new();
    let mut shown = vec![false; nodes.len()];
    for root in roots.into_iter().chain(0..nodes.len()) {
        if !shown[root] {
            tree_lines(&nodes, &children, root, "", "", &mut shown, &mut lines);
        }
    }
    let width = lines
        .iter()
        .map(|(t, _)| t.chars().count())
        .max()
        .unwrap_or(0);
    let size_width = lines.iter().map(|(_, r)| r.size.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (text, row) in &lines {
        let pad = width - text.chars().count();
        out += &format!(
            "{text}{:pad$}  {:>size_width$}  {}\n",
            "",
            row.size,
            escaped(&row.reason)
        );
    }
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
            let url = redact(eula.payload.url.as_str());
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

fn tree_lines<'a>(
    nodes: &'a [Node],
    children: &BTreeMap<&str, Vec<usize>>,
    at: usize,
    first_prefix: &str,
    rest_prefix: &str,
    shown: &mut [bool],
    lines: &mut Vec<(String, &'a Row)>,
) {
    shown[at] = true;
    let node = &nodes[at];
    let kids: Vec<usize> = children
        .get(node.id)
        .into_iter()
        .flatten()
        .copied()
        .filter(|k| !shown[*k])
        .collect();
    for (i, row) in node.rows.iter().enumerate() {
        let prefix = match (i, kids.is_empty()) {
            (0, _) => first_prefix.to_string(),
            (_, true) => format!("{rest_prefix}   "),
            (_, false) => format!("{rest_prefix}│  "),
        };
        lines.push((format!("{prefix}{}", escaped(&row.text)), row));
    }
    for (i, kid) in kids.iter().enumerate() {
        let last = i + 1 == kids.len();
        let (branch, continued) = if last {
            ("└─ ", "   ")
        } else {
            ("├─ ", "│  ")
        };
        if !shown[*kid] {
            tree_lines(
                nodes,
                children,
                *kid,
                &format!("{rest_prefix}{branch}"),
                &format!("{rest_prefix}{continued}"),
                shown,
                lines,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
