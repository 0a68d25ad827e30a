//! Planning speed against parsing: generates a ~20 MB listing of wide suites
//! and deep `requires` chains, then times planning every product of it
//! (resolve, and the text tree `airlock plan` prints) against parsing and
//! validating the same listing (`airlock::listing::load`), the two
//! interleaved, median of several runs each. The goal: a ratio of at most 1.

#[path = "../tests/it/common/generated.rs"]
mod generated;

use airlock::commands::plan::render;
use airlock::plan::{self, Installed, Selection};
use generated::Shape;
use std::time::{Duration, Instant};

const SHAPE: Shape = Shape {
    suites: 4,
    width: 6_400,
    ..Shape::chains(4, 6_400)
};
const RUNS: usize = 7;

/// Medians of `RUNS` timings of each, the two interleaved so that load from
/// elsewhere on the machine weighs on both alike.
fn median_of_both(mut ours: impl FnMut(), mut reference: impl FnMut()) -> (Duration, Duration) {
    let time = |run: &mut dyn FnMut()| {
        let start = Instant::now();
        run();
        start.elapsed()
    };
    let mut times = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        times.0.push(time(&mut ours));
        times.1.push(time(&mut reference));
    }
    let median = |mut t: Vec<Duration>| {
        t.sort();
        t[t.len() / 2]
    };
    (median(times.0), median(times.1))
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("plan-bench.pl.xml");
    let xml = generated::listing(SHAPE);
    std::fs::write(&path, &xml).expect("write listing");
    let source = vec![path.display().to_string()];
    let load = || airlock::listing::load(&source, None).expect("the generated listing is valid");
    let catalog = load();
    let selection = Selection {
        picks: plan::parse_picks(&generated::roots(SHAPE)).expect("ids"),
        ..Selection::default()
    };
    let planned = || {
        let plan = plan::resolve(&catalog, &selection, &Installed::new()).expect("resolves");
        (render(&plan), plan)
    };
    let (text, plan) = planned();
    let products = SHAPE.suites * SHAPE.width + SHAPE.chains * SHAPE.depth;
    assert_eq!(plan.suites.len(), SHAPE.suites);
    assert_eq!(plan.items.len(), products + products.div_ceil(10));

    let (planning, parsing) = median_of_both(
        || {
            std::hint::black_box(planned());
        },
        || {
            std::hint::black_box(load());
        },
    );
    println!(
        "listing: {:.1} MB, {} suites x {} members, {} chains x {} deep; plan: {} items, text {:.1} MB",
        xml.len() as f64 / 1e6,
        SHAPE.suites,
        SHAPE.width,
        SHAPE.chains,
        SHAPE.depth,
        plan.items.len(),
        text.len() as f64 / 1e6,
    );
    println!(
        "plan (resolve + text)        median of {RUNS}: {:8.1} ms",
        planning.as_secs_f64() * 1e3
    );
    println!(
        "parse + validate (load)      median of {RUNS}: {:8.1} ms",
        parsing.as_secs_f64() * 1e3
    );
    println!(
        "ratio plan/parse: {:.2}",
        planning.as_secs_f64() / parsing.as_secs_f64()
    );
}
