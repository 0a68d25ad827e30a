//! `airlock plan`: resolve a selection against the listings and show the plan,
//! as a tree with reasons and sizes, or as the contract's JSON.

use super::output::{print, print_json};
use crate::error::{Error, Exit, Result};
use crate::plan::{self, HotfixPolicy, Installed, Selection};
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  airlock plan --listing https://downloads.example.com/itms.pl.xml --select cms
  airlock plan --listing itms.pl.xml --select cms --without it-analytics --hotfixes all
  airlock plan --listing itms.pl.xml --select smp@=7.6.1423.0,patch --optional smp-docs --json
  airlock plan --listing itms.pl.xml --history srv01-history.xml";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    pub source: super::network::ListingArgs,
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// A machine's exported history (`airlock history export`): plan only what brings it up to date; with no --select, update everything installed
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
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
    pub hotfixes: Hotfixes,
}

/// `--hotfixes`: the command line's words for [`HotfixPolicy`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Hotfixes {
    /// The latest hot fix of each release (they are cumulative).
    Latest,
    /// Every hot fix, oldest first.
    All,
    /// No hot fix.
    None,
}

impl From<Hotfixes> for HotfixPolicy {
    fn from(value: Hotfixes) -> HotfixPolicy {
        match value {
            Hotfixes::Latest => HotfixPolicy::Latest,
            Hotfixes::All => HotfixPolicy::All,
            Hotfixes::None => HotfixPolicy::None,
        }
    }
}

impl SelectionArgs {
    pub fn selection(&self) -> Result<Selection> {
        let picks = plan::parse_picks(&self.select).map_err(|e| Error::Usage(e.to_string()))?;
        Ok(Selection {
            picks,
            optional: self.optional.clone(),
            without: self.without.iter().cloned().collect(),
            hotfixes: self.hotfixes.into(),
        })
    }
}

mod tree;

pub use tree::render;

pub fn run(args: Args) -> Result<Exit> {
    let mut selection = args.selection.selection()?;
    if let Some(history) = args.history {
        let catalog = args.source.load()?;
        let machines = plan::machines(&catalog, &selection, &[history])?;
        super::incremental::warn(&machines);
        for machine in machines {
            if args.json {
                print_json(&super::incremental::report(&machine))?;
            } else {
                print(&super::incremental::render(&machine))?;
                if machine.update.plan.items.is_empty() {
                    print("\nNothing to plan: these listings bring this machine nothing new.\n")?;
                } else {
                    print("\n")?;
                    print(&render(&machine.update.plan))?;
                }
            }
        }
        return Ok(Exit::Done);
    }
    let pick = super::picker::needed(&selection, "plan")?;
    let catalog = args.source.load()?;
    if pick {
        selection = super::picker::pick(&catalog, &selection, render)?;
    }
    let plan = plan::resolve(&catalog, &selection, &Installed::new())?;
    if args.json {
        print_json(&plan)?;
    } else {
        print(&render(&plan))?;
    }
    Ok(Exit::Done)
}
