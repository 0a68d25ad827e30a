//! What a command-line tool is expected to have: completion scripts for the
//! four shells, a manual page, a `--version` that says what the build can do,
//! global `-q`/`-v`, `NO_COLOR`, and a top-level `--help` with examples.
//! And what the sources are expected to keep: arrows between modules run one
//! way, from the commands down to the library, never back and never round.

use crate::common;
use assert_cmd::Command;
use common::faults::{Fault, FaultServer};
use predicates::str::contains;

const SITE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/site");

fn airlock() -> Command {
    let mut cmd = Command::cargo_bin("airlock").unwrap();
    cmd.env_remove("RUST_BACKTRACE")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE");
    cmd
}

fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.assert().success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

#[test]
fn completions_are_written_for_the_four_shells_and_know_every_command() {
    for (shell, marker) in [
        ("bash", "complete -F _airlock"),
        ("zsh", "#compdef airlock"),
        ("fish", "complete -c airlock"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let script = stdout_of(airlock().args(["completions", shell]));
        assert!(script.contains(marker), "{shell}: {script}");
        for word in [
            "build",
            "install",
            "history",
            "completions",
            "sign-key",
            "quiet",
        ] {
            assert!(script.contains(word), "{shell} script lacks {word}");
        }
    }
}

#[test]
fn the_bash_script_is_valid_bash() {
    let script = stdout_of(airlock().args(["completions", "bash"]));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("airlock.bash");
    std::fs::write(&path, script).unwrap();
    let status = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn a_shell_not_offered_is_a_usage_error_naming_the_four() {
    airlock()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stderr(contains("bash, zsh, fish, powershell"));
}

#[test]
fn the_man_page_is_roff_from_the_same_definitions_as_help() {
    let page = stdout_of(airlock().arg("man"));
    assert!(page.contains(".TH airlock 1"), "{page}");
    for word in [
        "NAME",
        "SYNOPSIS",
        "completions",
        "support\\-package",
        "quiet",
    ] {
        assert!(page.contains(word), "the page lacks {word}:\n{page}");
    }
    let build = stdout_of(airlock().args(["man", "build"]));
    assert!(build.contains(".TH airlock-build 1"), "{build}");
    assert!(build.contains("sign\\-key"), "{build}");
}

#[test]
fn a_man_page_for_a_command_that_is_not_there_is_a_usage_error() {
    airlock()
        .args(["man", "nosuch"])
        .assert()
        .code(2)
        .stderr(contains("airlock has no command \"nosuch\""))
        .stderr(contains("build, keygen"));
}

#[test]
fn version_names_the_features_and_the_bundle_format() {
    let expected = format!(
        "airlock {} (features: net; bundle format {})\n",
        env!("CARGO_PKG_VERSION"),
        bundle_format::manifest::FORMAT_VERSION
    );
    assert_eq!(stdout_of(airlock().arg("--version")), expected);
    assert_eq!(stdout_of(airlock().arg("-V")), expected);
}

#[test]
fn no_color_turns_colour_off_even_when_it_is_forced() {
    let help = |no_color: Option<&str>| {
        let mut cmd = airlock();
        cmd.arg("--help").env("CLICOLOR_FORCE", "1");
        if let Some(value) = no_color {
            cmd.env("NO_COLOR", value);
        }
        stdout_of(&mut cmd)
    };
    assert!(help(None).contains("\x1b["), "colour is forced");
    assert!(!help(Some("1")).contains("\x1b["), "NO_COLOR wins");
    // An empty NO_COLOR is as if it were not set (no-color.org).
    assert!(help(Some("")).contains("\x1b["));
    let error = airlock()
        .arg("--nosuch")
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .assert()
        .code(2);
    assert!(!String::from_utf8_lossy(&error.get_output().stderr).contains("\x1b["));
}

#[test]
fn the_top_level_help_shows_the_whole_loop() {
    let help = stdout_of(airlock().arg("--help"));
    for step in [
        "Examples, the whole loop:",
        "airlock keygen --out keys/builder",
        "airlock build --listing",
        "airlock install ITMS.exe --trust builder.pub",
        "airlock history export --out srv01.xml",
        "--history srv01.xml",
        "-q, --quiet",
        "-v, --verbose",
    ] {
        assert!(help.contains(step), "--help lacks {step:?}:\n{help}");
    }
}

#[test]
fn quiet_and_verbose_together_are_a_usage_error() {
    airlock()
        .args(["-q", "-v", "status"])
        .assert()
        .code(2)
        .stderr(contains("cannot be used with"));
}

/// A listing that fails once: `-v` says which, why, and that it is tried
/// again; without `-v` the retry is silent. Both succeed.
#[test]
fn verbose_says_why_a_download_is_tried_again() {
    let run = |verbose: bool| {
        let server = FaultServer::start();
        let body = std::fs::read(format!("{SITE}/itms.pl.xml")).unwrap();
        let url = server.add("itms.pl.xml", body, vec![Fault::Status(503)], vec![]);
        let config = tempfile::tempdir().unwrap();
        let mut cmd = airlock();
        cmd.env("AIRLOCK_CONFIG", config.path());
        if verbose {
            cmd.arg("-v");
        }
        let out = cmd.args(["products", "--listing", &url]).assert().success();
        assert_eq!(server.requests("itms.pl.xml"), 2);
        String::from_utf8_lossy(&out.get_output().stderr).into_owned()
    };
    let said = run(true);
    assert!(
        said.contains("attempt 1 failed (")
            && said.contains("503")
            && said.contains("trying again in"),
        "{said}"
    );
    assert!(!run(false).contains("trying again"));
}

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

/// The top-level modules of the library (`src/NAME.rs` or `src/NAME/`).
fn top_modules() -> std::collections::BTreeSet<String> {
    std::fs::read_dir(SRC)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_string();
            match name.strip_suffix(".rs") {
                Some("lib" | "main") => None,
                Some(stem) => Some(stem.to_string()),
                None if p.is_dir() && name != "bin" => Some(name),
                None => None,
            }
        })
        .collect()
}

/// Every `.rs` file under `src/` of a top-level module: (module, whether the
/// file is the module's own root, its text).
fn module_files() -> Vec<(String, bool, String)> {
    let mut files = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(SRC)];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(SRC).unwrap();
            let parts: Vec<&str> = rel.iter().map(|p| p.to_str().unwrap()).collect();
            let module = parts[0].trim_end_matches(".rs").to_string();
            let root = parts.len() == 1 || parts == [parts[0], "mod.rs"];
            files.push((module, root, std::fs::read_to_string(&path).unwrap()));
        }
    }
    files
}

/// The first names of the paths `text` reaches through `crate::` (and, in a
/// module's root file, `super::`): `crate::text::escaped` and
/// `use crate::{plan, text::escaped}` give `text` and `plan`. Comments are
/// left out.
fn reached(text: &str, root: bool) -> std::collections::BTreeSet<String> {
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut names = std::collections::BTreeSet::new();
    let prefixes: &[&str] = if root {
        &["crate::", "super::"]
    } else {
        &["crate::"]
    };
    for prefix in prefixes {
        for (at, _) in code.match_indices(prefix) {
            let before = code[..at].chars().next_back();
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            let rest = &code[at + prefix.len()..];
            let Some(group) = rest.strip_prefix('{') else {
                names.insert(ident(rest));
                continue;
            };
            let mut depth = 1;
            let mut start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 1 => break,
                    '}' => depth -= 1,
                    ',' if depth == 1 => start = true,
                    c if c.is_whitespace() => {}
                    _ if start && depth == 1 => {
                        names.insert(ident(&group[i..]));
                        start = false;
                    }
                    _ => {}
                }
            }
        }
    }
    names
}

type Graph = std::collections::BTreeMap<String, std::collections::BTreeSet<String>>;

/// Which top-level module reaches which, from `files`.
fn module_graph(files: &[(String, bool, String)]) -> Graph {
    let modules = top_modules();
    let mut graph = Graph::new();
    for (module, root, text) in files {
        let to = graph.entry(module.clone()).or_default();
        to.extend(
            reached(text, *root)
                .into_iter()
                .filter(|n| n != module && modules.contains(n)),
        );
    }
    graph
}

/// What breaks the layering: a library module that uses `commands`, and
/// each cycle (as `a -> b -> a`).
fn layering_faults(graph: &Graph) -> Vec<String> {
    let mut faults: Vec<String> = graph
        .iter()
        .filter(|(from, to)| from.as_str() != "commands" && to.contains("commands"))
        .map(|(from, _)| format!("{from} -> commands: a library module uses a command"))
        .collect();
    fn walk(
        graph: &Graph,
        path: &mut Vec<String>,
        done: &mut Vec<String>,
        faults: &mut Vec<String>,
    ) {
        let here = path.last().unwrap().clone();
        for next in graph.get(&here).into_iter().flatten() {
            if let Some(at) = path.iter().position(|p| p == next) {
                let mut cycle = path[at..].to_vec();
                cycle.push(next.clone());
                faults.push(format!("cycle: {}", cycle.join(" -> ")));
            } else if !done.contains(next) {
                path.push(next.clone());
                walk(graph, path, done, faults);
                path.pop();
            }
        }
        done.push(here);
    }
    let mut done = Vec::new();
    for start in graph.keys() {
        if !done.contains(start) {
            walk(graph, &mut vec![start.clone()], &mut done, &mut faults);
        }
    }
    faults
}

#[test]
fn modules_use_only_modules_below_them_and_never_round() {
    let graph = module_graph(&module_files());
    assert!(
        graph.len() > 10 && graph["commands"].contains("install"),
        "{graph:?}"
    );
    let faults = layering_faults(&graph);
    assert!(faults.is_empty(), "{faults:#?}");
}

#[test]
fn the_layering_check_catches_an_arrow_back_up_and_a_cycle() {
    let mut files = module_files();
    let checks = files
        .iter_mut()
        .find(|(m, root, _)| m == "install" && !root)
        .unwrap();
    checks
        .2
        .push_str("\nfn size(n: u64) -> String { crate::commands::output::human_bytes(n) }\n");
    files.push((
        "text".into(),
        false,
        "use crate::{\n    history::{self, Export},\n    plan,\n};".into(),
    ));
    let graph = module_graph(&files);
    assert!(graph["text"].contains("history") && graph["text"].contains("plan"));
    let named = reached(
        "// crate::state in a comment\nlet a = crate::text::escaped(b);",
        false,
    );
    assert_eq!(named.into_iter().collect::<Vec<_>>(), ["text"]);
    let faults = layering_faults(&graph);
    assert!(
        faults.contains(&"install -> commands: a library module uses a command".to_string()),
        "{faults:#?}"
    );
    assert!(
        faults
            .iter()
            .any(|f| f.starts_with("cycle:") && f.contains("commands") && f.contains("install")),
        "{faults:#?}"
    );
}
