//! The `airlock` command line: parse, dispatch, map errors to exit codes.

use airlock::commands;
use airlock::text::escaped;
use airlock::{Error, Exit};
use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "airlock",
    version,
    about = "Build signed, self-extracting install bundles for air-gapped servers, and install them",
    propagate_version = true
)]
struct Cli {
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
    }
}

/// Prints the error and each cause whose text the message before it does not
/// already hold, escaped: messages quote listings, manifests and servers.
fn report(error: &Error) {
    let mut shown = error.to_string();
    eprintln!("error: {}", escaped(&shown));
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !shown.contains(&text) {
            eprintln!("  caused by: {}", escaped(&text));
        }
        shown = text;
        source = cause.source();
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
fn parse_as_bundle(bundle: std::path::PathBuf) -> Result<Command, clap::Error> {
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
    commands::install::Args::from_arg_matches(&matches).map(Command::Install)
}

fn main() -> ExitCode {
    airlock::runner::keep_marker();
    if let Err(problem) = airlock::interrupt::install() {
        eprintln!("warning: {problem}; an interrupted run may leave temporary files behind");
    }
    // A bundle that runs itself behaves as `airlock install <itself> <arguments>`.
    let parsed = match running_bundle() {
        Some(bundle) => parse_as_bundle(bundle),
        None => Cli::try_parse().map(|cli| cli.command),
    };
    let command = match parsed {
        Ok(command) => command,
        // Usage errors, --help and --version, as clap prints them.
        Err(e) => {
            let _ = e.print();
            let code = e.exit_code().clamp(0, 255) as u8;
            airlock::console::hold_if_alone(code);
            return ExitCode::from(code);
        }
    };
    let code = match run(command) {
        Ok(exit) => exit as u8,
        // Nobody reads any more: nothing to say, and nothing failed (as `| head` expects).
        Err(Error::StdoutClosed) => return ExitCode::from(Error::StdoutClosed.exit() as u8),
        Err(error) => {
            report(&error);
            error.exit() as u8
        }
    };
    airlock::console::hold_if_alone(code);
    ExitCode::from(code)
}
