//! `airlock completions SHELL`: a completion script for bash, zsh, fish or
//! PowerShell, made by clap_complete from the command line's own definitions,
//! so it knows every command and flag this build has.

use super::output::print;
use crate::error::{Exit, Result};

const EXAMPLES: &str = "\
Examples:
  airlock completions bash > /etc/bash_completion.d/airlock
  airlock completions zsh > /usr/local/share/zsh/site-functions/_airlock
  airlock completions fish > ~/.config/fish/completions/airlock.fish
  airlock completions powershell >> $PROFILE";

#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The shell the script is for
    #[arg(value_enum)]
    pub shell: Shell,
}

/// The shells a script can be written for.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

/// Prints the script for `args.shell` that completes `cli`.
pub fn run(args: Args, mut cli: clap::Command) -> Result<Exit> {
    let shell = match args.shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
        Shell::Powershell => clap_complete::Shell::PowerShell,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cli, "airlock", &mut script);
    print(&String::from_utf8_lossy(&script))?;
    Ok(Exit::Done)
}
