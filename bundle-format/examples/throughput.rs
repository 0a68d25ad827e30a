//! Measures writing, verifying and extracting a bundle of the given files, to
//! compare with `sha256sum` and `zstd -dc | tar -x` over the same data:
//!
//!     cargo run --release -p bundle-format --example throughput -- OUT.bundle LEVEL FILE...
//!
//! Prints one line per step with its wall time and throughput, and the payload's
//! offset and length (to feed `tail -c +OFFSET+1 | head -c LEN | zstd -dc | tar -x`).

use bundle_format::{FileEntry, Manifest, SignedBundle, SigningKey, WriteOptions, write_bundle};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [out, level, files @ ..] = &args[..] else {
        return Err("usage: throughput OUT.bundle LEVEL FILE...".into());
    };
    let out = PathBuf::from(out);
    let paths: Vec<PathBuf> = files.iter().map(PathBuf::from).collect();
    let key = SigningKey::generate()?;

    let mut manifest = Manifest::new("throughput", "files", Default::default());
    let mut total = 0u64;
    for p in &paths {
        let mut hasher = Sha256::new();
        let mut f = File::open(p)?;
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        let size = std::fs::metadata(p)?.len();
        total += size;
        manifest.files.push(FileEntry {
            name: name_of(p),
            kind: "msi".into(),
            size,
            sha256: hex::encode(hasher.finalize()),
        });
    }
    let mb = total as f64 / (1024.0 * 1024.0);
    let report = |step: &str, t: Instant| {
        let s = t.elapsed().as_secs_f64();
        println!("{step:8} {s:7.2} s  {:7.0} MiB/s", mb / s);
    };

    let options = WriteOptions {
        level: level.parse()?,
        ..WriteOptions::default()
    };
    let t = Instant::now();
    let runner = File::open(std::env::current_exe()?)?;
    let written = write_bundle(
        &out,
        runner,
        manifest,
        &key,
        |e| {
            File::open(
                paths
                    .iter()
                    .find(|p| name_of(p) == e.name)
                    .ok_or_else(|| std::io::Error::other("unknown file"))?,
            )
        },
        &options,
        &mut |_| {},
    )?;
    report("write", t);
    println!(
        "payload offset {} length {} (bundle {} bytes)",
        written.layout.payload.offset, written.layout.payload.len, written.size
    );

    let t = Instant::now();
    SignedBundle::open(&out, &[key.public()])?.verify_payload(&mut |_| {})?;
    report("verify", t);

    let dest = out.with_extension("extracted");
    let t = Instant::now();
    SignedBundle::open(&out, &[key.public()])?.extract(&dest, &mut |_| {})?;
    report("extract", t);
    Ok(())
}

fn name_of(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
