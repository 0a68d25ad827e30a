//! Download throughput: 8 files of 64 MiB served on 127.0.0.1 (the tests'
//! axum `ServeDir` server), fetched by `airlock::fetch` (4 at a time, hashed
//! while streaming, into a fresh cache) against `curl --parallel
//! --parallel-max 4` of the same URLs to files; the runs interleaved, the
//! median of several each, and the throughput ratio (goal: at least 0.9).
//!
//! Env: BENCH_FETCH_FILES (default 8), BENCH_FETCH_MIB (per file, default 64),
//! BENCH_RUNS (default 5).

#[path = "../tests/it/common/http.rs"]
mod http;

use airlock::fetch::{Cache, Fetcher, Options, Progress, Wanted};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::process::Command;
use std::time::{Duration, Instant};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let files = env("BENCH_FETCH_FILES", 8);
    let mib = env("BENCH_FETCH_MIB", 64);
    let runs = env("BENCH_RUNS", 5).max(1);
    let site = tempfile::tempdir().expect("temp dir");
    let mut wanted = Vec::with_capacity(files);
    let base = http::serve_dir(site.path());
    let mut random = std::fs::File::open("/dev/urandom").expect("/dev/urandom");
    for i in 0..files {
        let mut bytes = vec![0; mib << 20];
        random.read_exact(&mut bytes).expect("random bytes");
        let name = format!("Product_{i}.msi");
        std::fs::write(site.path().join(&name), &bytes).expect("write a served file");
        wanted.push(Wanted {
            url: format!("{base}{name}").parse().expect("URL"),
            name,
            size: bytes.len() as u64,
            sha256: Sha256::digest(&bytes).into(),
        });
    }
    let total = (files * mib) as f64;

    let ours = || {
        let cache_dir = tempfile::tempdir().expect("temp dir");
        let cache = Cache::open(Some(cache_dir.path())).expect("cache");
        let fetcher = Fetcher::new(Options {
            progress: Progress::Quiet,
            ..Options::default()
        })
        .expect("fetcher");
        let start = Instant::now();
        let got = fetcher.fetch_all(&cache, &wanted, true).expect("downloads");
        let elapsed = start.elapsed();
        assert!(got.iter().all(|l| l.verified));
        elapsed
    };
    let curl = || {
        let out = tempfile::tempdir().expect("temp dir");
        let mut command = Command::new("curl");
        command
            .args([
                "--parallel",
                "--parallel-max",
                "4",
                "--no-progress-meter",
                "--fail",
            ])
            .stderr(std::process::Stdio::null());
        for w in &wanted {
            command
                .arg("-o")
                .arg(out.path().join(&w.name))
                .arg(w.url.as_str());
        }
        let start = Instant::now();
        let status = command.status().expect("curl runs");
        let elapsed = start.elapsed();
        assert!(status.success(), "curl failed");
        elapsed
    };

    let (mut ours_times, mut curl_times) = (Vec::new(), Vec::new());
    for run in 0..runs {
        // Alternate which goes first, so neither always finds the caches warm.
        if run % 2 == 0 {
            ours_times.push(ours());
            curl_times.push(curl());
        } else {
            curl_times.push(curl());
            ours_times.push(ours());
        }
    }
    let (ours, curl) = (median(ours_times), median(curl_times));
    let rate = |d: Duration| total / d.as_secs_f64();
    println!("download: {files} files x {mib} MiB from 127.0.0.1, median of {runs}");
    println!(
        "airlock::fetch (4 jobs, sha256, cache)  {:7.3} s  {:8.1} MiB/s",
        ours.as_secs_f64(),
        rate(ours)
    );
    println!(
        "curl --parallel --parallel-max 4        {:7.3} s  {:8.1} MiB/s",
        curl.as_secs_f64(),
        rate(curl)
    );
    let ratio = rate(ours) / rate(curl);
    let verdict = if ratio >= 0.9 { "ok" } else { "MISSED" };
    println!("throughput ratio airlock/curl: {ratio:.2} (goal >= 0.90) {verdict}");
}
