//! The `airlock` command line: parse, dispatch, map errors to exit codes.

use airlock::commands;
use airlock::text::escaped;
use airlock::verbosity::{self, Level};
use airlock::{Error, Exit};
use clap::{ArgMatches, ColorChoice, CommandFactory, FromArgMatches, Parser, Subcommand};
use std::process::ExitCode;

const EXAMPLES: &str = "\
Examples, the whole loop:
  On the connected machine, once: a signing key; builder.pub goes to the servers
    airlock keygen --out keys/builder
  What the vendor offers, what a selection needs, then the bundle
    airlock products --listing https://downloads.example.com/itms.pl.xml
    airlock plan --listing https://downloads.example.com/itms.pl.xml --select cms
    airlock build --listing https://downloads.example.com/itms.pl.xml --select cms \\
        --sign-key keys/builder.key --accept-eula --out ITMS.exe
  On the air-gapped server (ITMS.exe run by itself is `airlock install ITMS.exe`)
    airlock verify ITMS.exe --trust builder.pub
    airlock install ITMS.exe --trust builder.pub
    airlock status
    airlock history export --out srv01.xml
  Back on the connected machine: only what srv01 lacks
    airlock build --listing https://downloads.example.com/itms.pl.xml \\
        --history srv01.xml --sign-key keys/builder.key --accept-eula

Each command's --help has its own examples. `airlock completions bash` and
`airlock man` write a completion script and the manual page.";

/// `0.1.0 (features: net; bundle format 1)`: what this build can do, and the
/// bundles it reads and writes.
fn version() -> String {
    let features = if cfg!(feature = "net") {
        "net"
    } else {
        "offline-only"
    };
    format!(
        "{} (features: {features}; bundle format {})",
        env!("CARGO_PKG_VERSION"),
        bundle_format::manifest::FORMAT_VERSION
    )
}

#[derive(Parser)]
#[command(
    name = "airlock",
    version = version(),
    about = "Build signed, self-extracting install bundles for air-gapped servers, and install them",
    after_help = EXAMPLES,
    propagate_version = true
)]
struct Cli {
    /// No progress bars; results, warnings and errors still show
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// More detail on stderr: each retry of a download and why
    #[arg(short, long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List what a product listing offers: suites, solutions, optional components
    Products(commands::products::Args),
    /// Resolve a selection into the exact files a bundle would hold, changing nothing
    Plan(commands::plan::Args),
    /// Download what a selection needs and write one signed, self-extracting bundle
    #[cfg(feature = "net")]
    Build(commands::build::Args),
    /// Write a new Ed25519 signing key pair
    Keygen(commands::keygen::Args),
    /// Check a bundle's signature and every hash; extract nothing
    Verify(commands::verify::Args),
    /// Show a bundle's manifest without checking it (marked unverified)
    Inspect(commands::inspect::Args),
    /// Verify, extract and install a bundle
    Install(commands::install::Args),
    /// Reassemble a split bundle, checking each part
    Join(commands::join::Args),
    /// Installed products, versions, hot fixes, license states, pending critical updates
    Status(commands::status::Args),
    /// This machine's product history, for incremental bundles
    History {
        #[command(subcommand)]
        command: commands::history::Command,
    },
    /// Uninstall a product and what depends on it (except products kept on cascade)
    Uninstall(commands::uninstall::Args),
    /// Repair an installed product from its extracted installer file
    Repair(commands::repair::Args),
    /// Apply purchased license files
    License {
        #[command(subcommand)]
        command: commands::license::Command,
    },
    /// Write Support_<YYYYMMDD>_<HHMMSS>.zip: logs, listings received, record, history, settings
    SupportPackage(commands::support::Args),
    /// What the download cache holds; prune it
    #[cfg(feature = "net")]
    Cache(commands::cache::Args),
    /// Keep named listings (a vendor's and third parties') with their source, refresh interval and last copy
    #[cfg(feature = "net")]
    Listing(commands::listing::Args),
    /// The builder keys this machine trusts: add, list, remove, revoke; signed revocation lists
    Trust {
        #[command(subcommand)]
        command: commands::trust::Command,
    },
    /// Print a completion script for bash, zsh, fish or PowerShell
    Completions(commands::completions::Args),
    /// Print the manual page (roff): airlock's own, or one command's
    Man(commands::man::Args),
}

fn run(command: Command) -> airlock::Result<Exit> {
    match command {
        Command::Products(a) => commands::products::run(a),
        Command::Plan(a) => commands::plan::run(a),
        #[cfg(feature = "net")]
        Command::Build(a) => commands::build::run(a),
        Command::Keygen(a) => commands::keygen::run(a),
        Command::Verify(a) => commands::verify::run(a),
        Command::Inspect(a) => commands::inspect::run(a),
        Command::Install(a) => commands::install::run(a),
        Command::Join(a) => commands::join::run(a),
        Command::Status(a) => commands::status::run(a),
        Command::History { command } => commands::history::run(command),
        Command::Uninstall(a) => commands::uninstall::run(a),
        Command::Repair(a) => commands::repair::run(a),
        Command::License { command } => commands::license::run(command),
        Command::SupportPackage(a) => commands::support::run(a),
        #[cfg(feature = "net")]
        Command::Cache(a) => commands::cache::run(a),
        #[cfg(feature = "net")]
        Command::Listing(a) => commands::listing::run(a),
        Command::Trust { command } => commands::trust::run(command),
        Command::Completions(a) => commands::completions::run(a, Cli::command()),
        Command::Man(a) => commands::man::run(a, Cli::command()),
    }
}

/// Prints the error and its causes on stderr, escaped (messages quote
/// listings, manifests and servers); with `--json`, also as the error
/// document on stdout.
fn report(error: &Error, json: bool) {
    let message = error.to_string();
    let causes = error.causes();
    airlock::say!("error: {}", escaped(&message));
    for cause in &causes {
        airlock::say!("  caused by: {}", escaped(cause));
    }
    if json {
        // The exit code says what happened: a reader gone does not change it.
        let _ = commands::output::print_json_error(error.exit(), &message, &causes);
    }
}

/// Whether the command the user gave (the innermost subcommand) asked for `--json`.
fn wants_json(matches: &ArgMatches) -> bool {
    match matches.subcommand() {
        Some((_, inner)) => wants_json(inner),
        None => matches
            .try_get_one::<bool>("json")
            .ok()
            .flatten()
            .is_some_and(|&json| json),
    }
}

/// Whether the command line holds `--json` (before a `--`): a command line
/// clap refused still gets its error as a JSON document.
fn json_in_args() -> bool {
    std::env::args_os()
        .take_while(|a| a != "--")
        .any(|a| a == "--json")
}

/// The command line's definition; no colour in its help and messages when
/// `NO_COLOR` is set (and not empty), whatever else asks for colour.
fn command() -> clap::Command {
    let command = Cli::command();
    match std::env::var_os("NO_COLOR") {
        Some(v) if !v.is_empty() => command.color(ColorChoice::Never),
        _ => command,
    }
}

/// The running program itself, when it is a bundle (a runner with a bundle appended).
fn running_bundle() -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().ok()?;
    bundle_format::has_trailer(&exe)
        .ok()
        .filter(|&b| b)
        .map(|_| exe)
}

/// The arguments of a bundle that runs itself: `install`'s options, the
/// bundle being the program itself, so its `--help` describes
/// `Bundle.exe [OPTIONS]`.
fn parse_as_bundle(bundle: std::path::PathBuf) -> Result<(Command, bool), clap::Error> {
    use clap::{Args, FromArgMatches};
    let name = bundle
        .file_name()
        .map_or("Bundle.exe".into(), |n| n.to_string_lossy().into_owned());
    let help = format!(
        "Examples:\n  \
         {name} --trust builder.pub --answers answers.toml --yes\n  \
         {name} --dry-run\n  \
         {name} --extract-only --extract-to D:\\Components\n\n\
         The bundle verifies itself (signature by a trusted key, every hash) while it is\n\
         extracted; nothing is installed unless everything holds (exit code 3 otherwise).\n\
         Readiness checks run before anything changes (exit 4 when one blocks). An installer\n\
         that fails stops the install (exit 7): what was installed before it is recorded, and\n\
         the same command resumes. Default extraction folder: <folder of the bundle>\\<Vendor>\\Components.\n\
         Answers file (TOML): [smp]\n  INSTALLDIR = 'D:\\Altiris'"
    );
    // Set after the install arguments, whose own texts they replace.
    let command = commands::install::Args::augment_args(clap::Command::new("airlock"))
        .bin_name(name.clone())
        .display_name(name.clone())
        .version(env!("CARGO_PKG_VERSION"))
        .about("Verify, extract and install what this bundle holds (as `airlock install` of it)")
        .override_usage(format!("{name} [OPTIONS]"))
        .after_help(help)
        .mut_arg("bundle", |a| a.hide(true));
    let mut args = std::env::args_os();
    let program = args.next().unwrap_or_else(|| name.into());
    let matches =
        command.try_get_matches_from([program, bundle.into_os_string()].into_iter().chain(args))?;
    let json = wants_json(&matches);
    commands::install::Args::from_arg_matches(&matches).map(|a| (Command::Install(a), json))
}

fn main() -> ExitCode {
    airlock::runner::keep_marker();
    if let Err(problem) = airlock::interrupt::install() {
        airlock::say!(
            "warning: cannot handle interrupting signals ({problem}); an interrupted run may \
             leave temporary files behind"
        );
    }
    // A bundle that runs itself behaves as `airlock install <itself> <arguments>`.
    let parsed = match running_bundle() {
        Some(bundle) => {
            parse_as_bundle(bundle).map(|(command, json)| (command, Level::Normal, json))
        }
        None => command().try_get_matches().and_then(|mut matches| {
            let json = wants_json(&matches);
            Cli::from_arg_matches_mut(&mut matches).map(|cli| {
                let level = match (cli.quiet, cli.verbose) {
                    (true, _) => Level::Quiet,
                    (_, true) => Level::Verbose,
                    _ => Level::Normal,
                };
                (cli.command, level, json)
            })
        }),
    };
    let (command, level, json) = match parsed {
        Ok(parsed) => parsed,
        // Usage errors, --help and --version, as clap prints them.
        Err(e) => {
            let mut code = e.exit_code().clamp(0, 255) as u8;
            if e.use_stderr() && json_in_args() {
                let text = e.render().to_string();
                let first = text.lines().next().unwrap_or_default();
                let message = first.strip_prefix("error: ").unwrap_or(first);
                let _ = commands::output::print_json_error(Exit::Usage, message, &[]);
            }
            // --help and --version go to stdout: a reader gone is a quiet end,
            // any other failure to write them is one (the contract's "Output").
            let printed = e
                .print()
                .and_then(|()| std::io::Write::flush(&mut std::io::stdout()));
            if let Err(problem) = printed
                && !e.use_stderr()
                && problem.kind() != std::io::ErrorKind::BrokenPipe
            {
                airlock::say!("error: cannot write to standard output: {problem}");
                code = Exit::Failed as u8;
            }
            airlock::console::hold_if_alone(code);
            return ExitCode::from(code);
        }
    };
    verbosity::set(level);
    let code = match run(command) {
        Ok(exit) => exit as u8,
        // Nobody reads any more: nothing to say, and nothing failed (as `| head` expects).
        Err(Error::StdoutClosed) => return ExitCode::from(Error::StdoutClosed.exit() as u8),
        Err(error) => {
            report(&error, json);
            error.exit() as u8
        }
    };
    airlock::console::hold_if_alone(code);
    ExitCode::from(code)
}
