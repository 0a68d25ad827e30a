//! Packs files into a signed bundle with the library alone (for benchmarks and
//! experiments; the `airlock build` command is the real way to make bundles).
//!
//! cargo run --release -p bundle-format --example pack -- \
//!     --key builder.key --out Bundle.exe [--runner PATH] FILE...

use bundle_format::keys::SigningKey;
use bundle_format::split::PartSizeError;
use bundle_format::{FileEntry, Manifest, WriteOptions, write_bundle};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str =
    "usage: pack --key KEY --out BUNDLE [--runner PATH] [--split SIZE] [--workers N] FILE...";

struct Options {
    key: PathBuf,
    out: PathBuf,
    runner: Option<PathBuf>,
    split: Option<bundle_format::split::PartSize>,
    write: WriteOptions,
    files: Vec<PathBuf>,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let (mut key, mut out, mut runner, mut split) = (None, None, None, None);
    let mut files = Vec::new();
    let mut write = WriteOptions::default();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--key" => key = Some(PathBuf::from(value()?)),
            "--out" => out = Some(PathBuf::from(value()?)),
            "--runner" => runner = Some(PathBuf::from(value()?)),
            "--split" => split = Some(value()?.parse().map_err(|e: PartSizeError| e.to_string())?),
            "--workers" => {
                write.workers = value()?
                    .parse()
                    .map_err(|_| "--workers needs a number of threads")?
            }
            _ if arg.starts_with("--") => return Err(format!("unknown option {arg}")),
            _ => files.push(PathBuf::from(arg)),
        }
    }
    Ok(Options {
        key: key.ok_or("--key is required")?,
        out: out.ok_or("--out is required")?,
        runner,
        split,
        write,
        files,
    })
}

fn sha256_file(path: &Path) -> io::Result<(u64, String)> {
    let mut file = File::open(path)?;
    let mut hash = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            return Ok((size, hex::encode(hash.finalize())));
        }
        hash.update(&buffer[..n]);
        size += n as u64;
    }
}

/// Size and sha256 of every file, hashed on all cores.
fn entries(files: &[PathBuf]) -> Result<Vec<FileEntry>, String> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = files.len().div_ceil(cores).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = files
            .chunks(chunk)
            .map(|group| {
                scope.spawn(move || {
                    group
                        .iter()
                        .map(|p| (p, sha256_file(p)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut out = Vec::new();
        for worker in workers {
            for (path, result) in worker.join().map_err(|_| "a hashing thread panicked")? {
                let (size, sha256) = result.map_err(|e| format!("{}: {e}", path.display()))?;
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .ok_or_else(|| format!("{}: not a plain UTF-8 file name", path.display()))?;
                let kind = name
                    .rsplit('.')
                    .next()
                    .unwrap_or("bin")
                    .to_ascii_lowercase();
                out.push(FileEntry {
                    name: name.to_string(),
                    kind,
                    size,
                    sha256,
                });
            }
        }
        Ok(out)
    })
}

fn run(options: Options) -> Result<(), String> {
    let key = SigningKey::load(&options.key).map_err(|e| e.to_string())?;
    let mut manifest = Manifest::new(
        concat!("bundle-format pack example ", env!("CARGO_PKG_VERSION")),
        "files",
        Default::default(),
    );
    manifest.files = entries(&options.files)?;
    let runner: Box<dyn Read> = match &options.runner {
        Some(path) => Box::new(File::open(path).map_err(|e| format!("{}: {e}", path.display()))?),
        None => Box::new(io::empty()),
    };
    let path_of = |name: &str| {
        options
            .files
            .iter()
            .find(|p| p.file_name().and_then(|n| n.to_str()) == Some(name))
            .cloned()
    };
    let written = write_bundle(
        &options.out,
        runner,
        manifest,
        &key,
        |entry| match path_of(&entry.name) {
            Some(path) => File::open(path),
            None => Err(io::Error::other("not among the given files")),
        },
        &options.write,
        &mut |_| {},
    )
    .map_err(|e| e.to_string())?;
    if let Some(size) = options.split {
        bundle_format::split::split(&options.out, size, &key, &mut |_| {})
            .map_err(|e| e.to_string())?;
    }
    println!("{} {} bytes", options.out.display(), written.size);
    Ok(())
}

fn main() -> ExitCode {
    match parse(std::env::args().skip(1)).and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("pack: {message}\n{USAGE}");
            ExitCode::FAILURE
        }
    }
}
