//! `airlock man [COMMAND]`: the manual page in roff, made by clap_mangen from
//! the same definitions as `--help`, so the two never disagree: airlock's own
//! page, or one command's (`airlock-build(1)`).

use super::output::write;
use crate::error::{Error, Exit, Result};
use crate::text::escaped;

const EXAMPLES: &str = "\
Examples:
  airlock man > /usr/local/share/man/man1/airlock.1
  airlock man build > /usr/local/share/man/man1/airlock-build.1
  airlock man | man -l -";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The command whose page to print (build, install, ...); without one, airlock's own page
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

/// Prints the page of `cli`, or of its subcommand `args.command`.
pub fn run(args: Args, mut cli: clap::Command) -> Result<Exit> {
    // Built, each subcommand knows its display name (`airlock-build`) and the global flags.
    cli.build();
    let page = match &args.command {
        None => cli,
        Some(name) => match cli.find_subcommand(name) {
            Some(command) => command.clone(),
            None => {
                let names: Vec<&str> = cli.get_subcommands().map(|c| c.get_name()).collect();
                return Err(Error::Usage(format!(
                    "airlock has no command {:?}; a page is there for {}",
                    escaped(name),
                    names.join(", ")
                )));
            }
        },
    };
    write(|out| clap_mangen::Man::new(page).render(out))?;
    Ok(Exit::Done)
}
