//! The Windows runner under Wine: the cross-built `airlock.exe` (missing, the
//! tests fail and say how to build it), and a fresh Wine prefix where Rust
//! programs start. Wine 8 has no `bcryptprimitives.dll`, whose `ProcessPrng`
//! every Rust program since 1.78 imports: a shim built here with mingw from
//! `tests/fixtures/windows/processprng.c` goes into the prefix's system32.
//! Test scaffolding only; no bundle ever holds it.

use super::runner::Wine;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub const TARGET: &str = "x86_64-pc-windows-gnu";

/// The build's target folder (the test binary is `TARGET_DIR/PROFILE/deps/NAME`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_path_buf()
}

fn built(path: PathBuf, how: &str) -> PathBuf {
    assert!(
        path.is_file(),
        "{} is missing: build it first with `{how}` (rustup target add {TARGET}; \
         apt-get install gcc-mingw-w64-x86-64; .ci/run does both)",
        path.display()
    );
    path
}

/// The offline-only Windows runner, the one bundles embed (the `runner` profile).
pub fn runner() -> PathBuf {
    built(
        target_dir().join(TARGET).join("runner/airlock.exe"),
        "cargo build --profile runner --target x86_64-pc-windows-gnu --no-default-features",
    )
}

/// The Windows airlock with default features (it builds bundles), kept in a
/// target folder of its own so it does not replace the runner.
pub fn builder() -> PathBuf {
    built(
        target_dir()
            .join("windows-builder")
            .join(TARGET)
            .join("release/airlock.exe"),
        "cargo build --release --target x86_64-pc-windows-gnu --target-dir target/windows-builder",
    )
}

/// The ProcessPrng shim, built once per test binary.
fn shim() -> &'static Path {
    static SHIM: OnceLock<PathBuf> = OnceLock::new();
    SHIM.get_or_init(|| {
        let source =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/windows/processprng.c");
        let dir = target_dir().join("wine-shim");
        std::fs::create_dir_all(&dir).unwrap();
        let made = tempfile::NamedTempFile::new_in(&dir)
            .unwrap()
            .into_temp_path();
        let status = Command::new("x86_64-w64-mingw32-gcc")
            .args(["-shared", "-O2", "-s", "-o"])
            .arg(&made)
            .arg(&source)
            .arg("-ladvapi32")
            .status()
            .expect("x86_64-w64-mingw32-gcc runs (apt-get install gcc-mingw-w64-x86-64)");
        assert!(status.success(), "building the ProcessPrng shim");
        let dll = dir.join("bcryptprimitives.dll");
        made.persist(&dll).unwrap();
        dll
    })
}

/// A fresh Wine prefix where the Windows runner starts.
pub fn prefix() -> Wine {
    let wine = Wine::new();
    std::fs::copy(shim(), wine.c("windows/system32/bcryptprimitives.dll")).unwrap();
    wine
}

/// `wine PROGRAM ARGS...` in `wine`'s prefix, with nothing of the Linux
/// side's airlock settings, started in `dir`.
pub fn run(wine: &Wine, program: &Path, dir: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new("wine");
    cmd.arg(program)
        .envs(wine.vars())
        .env_remove("RUST_BACKTRACE")
        .env_remove("AIRLOCK_ROOT")
        .env_remove("AIRLOCK_MSIEXEC")
        .current_dir(dir)
        .write_stdin("");
    cmd
}

/// `wine reg ARGS...` in `wine`'s prefix, which must succeed.
pub fn reg(wine: &Wine, args: &[&str]) {
    let mut cmd = Command::new("wine");
    let status = wine
        .env(&mut cmd)
        .arg("reg")
        .args(args)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "wine reg {args:?}");
}
