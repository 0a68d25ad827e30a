//! The interactive product picker: on a terminal, when no product is named,
//! the user ticks suites, solutions and optional components; for what they
//! pull in, mandatory dependencies are shown as fixed and recommended ones come
//! pre-ticked (unticking one is `--without`), as the vendor's install wizard
//! does; the resulting plan is shown before it is confirmed.

use crate::error::{Error, Result};
use crate::listing::{Catalog, ProductKind};
use crate::plan::{self, Installed, Plan, Reason, Selection};
use crate::text::escaped;
use dialoguer::{Confirm, MultiSelect};
use std::io::{self, IsTerminal};

/// Whether a picker may be shown: both stdin and stderr are terminals.
fn interactive() -> bool {
    io::stdin().is_terminal() && io::stderr().is_terminal()
}

/// Whether `selection` names nothing, so the picker is to be shown; without
/// a terminal that is a usage error (`what` is the command's verb): a
/// non-interactive run never prompts.
pub fn needed(selection: &Selection, what: &str) -> Result<bool> {
    if !selection.picks.is_empty() || !selection.optional.is_empty() {
        return Ok(false);
    }
    if interactive() {
        return Ok(true);
    }
    Err(Error::Usage(format!(
        "nothing to {what}: name products with --select ID (`airlock products` lists them), or run on a terminal to pick them"
    )))
}

/// A prompt that ended: Ctrl-C read as a key ends the run as the signal
/// would (terminal restored, exit 130); anything else is an error.
fn failed(e: dialoguer::Error) -> Error {
    match e {
        dialoguer::Error::IO(e) if e.kind() == io::ErrorKind::Interrupted => {
            crate::interrupt::interrupted()
        }
        dialoguer::Error::IO(e) => Error::Terminal(e),
    }
}

/// Asks for a selection; `base` gives the other selection flags (`--hotfixes`),
/// and `render` draws the plan that is shown before it is confirmed.
pub fn pick(
    catalog: &Catalog,
    base: &Selection,
    render: impl Fn(&Plan) -> String,
) -> Result<Selection> {
    let choices: Vec<_> = catalog.products().collect();
    let labels: Vec<String> = choices
        .iter()
        .map(|p| {
            let kind = match p.kind {
                ProductKind::Suite => "suite",
                ProductKind::Solution => "solution",
                ProductKind::Optional => "optional",
            };
            escaped(&format!("{} ({kind}): {}", p.id, p.name)).into_owned()
        })
        .collect();
    let ticked = MultiSelect::new()
        .with_prompt("Products to install (space ticks, enter goes on)")
        .items(&labels)
        .interact()
        .map_err(failed)?;
    if ticked.is_empty() {
        return Err(Error::Usage(
            "no product was chosen: nothing was done".into(),
        ));
    }
    let ids: Vec<String> = ticked.iter().map(|&i| choices[i].id.to_string()).collect();
    let mut selection = Selection {
        picks: plan::parse_picks(&ids)?,
        ..base.clone()
    };
    let full = plan::resolve(catalog, &selection, &Installed::new())?;
    let mut fixed = Vec::new();
    let mut recommended = Vec::new();
    for item in &full.items {
        match &item.reason {
            Reason::Requires(by) => fixed.push(format!("{} (required by {by})", item.product)),
            Reason::Recommends(by) if !recommended.iter().any(|(id, _)| id == &item.product) => {
                recommended.push((
                    item.product.clone(),
                    format!("{} (recommended by {by})", item.product),
                ))
            }
            _ => {}
        }
    }
    fixed.dedup();
    if !fixed.is_empty() {
        crate::say!("Always included:");
        for line in &fixed {
            crate::say!("  {}", escaped(line));
        }
    }
    if !recommended.is_empty() {
        let labels: Vec<String> = recommended
            .iter()
            .map(|(_, l)| escaped(l).into_owned())
            .collect();
        let kept = MultiSelect::new()
            .with_prompt("Recommended: untick what to leave out")
            .items_checked(labels.iter().map(|l| (l.as_str(), true)))
            .interact()
            .map_err(failed)?;
        for (i, (id, _)) in recommended.iter().enumerate() {
            if !kept.contains(&i) {
                selection.without.insert(id.clone());
            }
        }
    }
    let plan = plan::resolve(catalog, &selection, &Installed::new())?;
    crate::console::say(format_args!("{}", render(&plan)));
    let go = Confirm::new()
        .with_prompt("Go on with this plan?")
        .default(true)
        .interact()
        .map_err(failed)?;
    if !go {
        return Err(Error::Usage(
            "the plan was not confirmed: nothing was done".into(),
        ));
    }
    Ok(selection)
}
