//! Shared by the XML benchmarks: runs the airlock binary and a reference
//! command (xmllint) on the same file, alternately, each under GNU time for
//! its peak RSS, and reports medians and ratios. Wall times on shared cores
//! are noisy, so only the ratio measured in one run means something.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How many runs of each; the median is reported.
pub const RUNS: usize = 7;

/// One command's median wall time and largest peak RSS over the runs.
pub struct Measured {
    pub median: Duration,
    pub peak_kib: u64,
}

/// Runs `program args…` once under `/usr/bin/time`: its wall time and peak RSS.
fn once(program: &Path, args: &[&str], scratch: &Path) -> (Duration, u64) {
    let report = scratch.join("time.out");
    let start = Instant::now();
    let status = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&report)
        .arg(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("/usr/bin/time runs");
    let took = start.elapsed();
    assert!(status.success(), "{} {args:?} failed", program.display());
    let kib = std::fs::read_to_string(&report)
        .expect("GNU time's report")
        .trim()
        .parse()
        .expect("a peak RSS in KiB");
    (took, kib)
}

/// Ours and the reference, `RUNS` times each, in alternating order (ours
/// first on even runs, second on odd ones).
pub fn versus(
    ours: (&Path, &[&str]),
    reference: (&Path, &[&str]),
    scratch: &Path,
) -> (Measured, Measured) {
    let mut times = (Vec::new(), Vec::new());
    let mut peak = (0, 0);
    for run in 0..RUNS {
        let mut ours_once = || {
            let (t, k) = once(ours.0, ours.1, scratch);
            times.0.push(t);
            peak.0 = peak.0.max(k);
        };
        if run % 2 == 0 {
            ours_once();
        }
        let (t, k) = once(reference.0, reference.1, scratch);
        times.1.push(t);
        peak.1 = peak.1.max(k);
        if run % 2 == 1 {
            ours_once();
        }
    }
    let median = |mut t: Vec<Duration>| {
        t.sort();
        t[t.len() / 2]
    };
    (
        Measured {
            median: median(times.0),
            peak_kib: peak.0,
        },
        Measured {
            median: median(times.1),
            peak_kib: peak.1,
        },
    )
}

/// Prints both measures, the time ratio against `time_goal` and the peak
/// RSS against `rss_goal` times the file's size.
pub fn report(
    what: &str,
    reference_name: &str,
    file_bytes: usize,
    ours: &Measured,
    reference: &Measured,
    time_goal: f64,
    rss_goal: f64,
) {
    let mib = |kib: u64| kib as f64 / 1024.0;
    let file_mib = file_bytes as f64 / (1 << 20) as f64;
    println!("{what}: {file_mib:.1} MiB file, median of {RUNS}, interleaved");
    println!(
        "  airlock    {:8.1} ms  {:7.1} MiB peak RSS",
        ours.median.as_secs_f64() * 1e3,
        mib(ours.peak_kib)
    );
    println!(
        "  {reference_name:<10} {:8.1} ms  {:7.1} MiB peak RSS",
        reference.median.as_secs_f64() * 1e3,
        mib(reference.peak_kib)
    );
    let ratio = ours.median.as_secs_f64() / reference.median.as_secs_f64();
    let rss = mib(ours.peak_kib) / file_mib;
    let verdict = |ok: bool| if ok { "ok" } else { "MISSED" };
    println!(
        "  time ratio airlock/{reference_name}: {ratio:.2} (goal <= {time_goal:.1}: {})",
        verdict(ratio <= time_goal)
    );
    println!(
        "  peak RSS / file size: {rss:.2} (goal <= {rss_goal:.1}: {})",
        verdict(rss <= rss_goal)
    );
}
