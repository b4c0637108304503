//! The runner against a tiny correct echo server (test-only, in
//! `support/`): every applicable case passes, on every strategy, and a run
//! ends in bounded time.

#[path = "support/per_spec.rs"]
mod per_spec;
mod support;

use std::time::{Duration, Instant};

use framecheck_runner::{self as runner, Collect, Options, Verdict};
use per_spec::per_spec;

const SPECS: [&str; 10] = [
    "fixed:16",
    "line",
    "crlf",
    r"delim:\r\n\r\n",
    "u8",
    "u16be",
    "u32be,offset=1,adjust=-4",
    "varint,offset=1",
    "tagged:A=4/B=0/V=u16be",
    "eof",
];

/// Run the default suite against a fresh echo server: the problems, the
/// number of passes and the wall time.
fn suite(text: &str) -> (Vec<String>, usize, Duration) {
    let spec = text.parse().expect("spec");
    let server = support::echo(&spec, Duration::from_millis(300));
    let mut events = Collect::default();
    let started = Instant::now();
    let summary = runner::run(server.addr, &spec, &Options::default(), &mut events).expect("run");
    let took = started.elapsed();
    let mut bad: Vec<String> = events
        .results()
        .filter(|r| !matches!(r.verdict, Verdict::Pass | Verdict::Skip))
        .map(|r| {
            format!(
                "{text}: {} {}: {} | {}",
                r.verdict, r.id, r.message, r.evidence.observed
            )
        })
        .collect();
    if !summary.conformant() {
        bad.push(format!("{text}: not conformant: {summary:?}"));
    }
    (bad, summary.passed, took)
}

#[test]
fn correct_echo_server_passes_every_case_on_every_strategy() {
    let bad: Vec<String> = per_spec(&SPECS, |text| {
        let (mut bad, passed, _) = suite(text);
        if passed < 12 {
            bad.push(format!("{text}: only {passed} cases passed"));
        }
        bad
    })
    .concat();
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn full_default_suite_ends_in_bounded_time() {
    // The 5 s budget is measured by scripts/runner-budget.sh on a release
    // build, one run at a time (reports/runner-budget.md); under a parallel
    // test runner this only proves the run is bounded.
    let (bad, passed, took) = suite("u32be,offset=1,adjust=-4");
    assert!(bad.is_empty(), "{bad:#?}");
    eprintln!("{passed} cases passed in {:.2} s", took.as_secs_f64());
    assert!(took < Duration::from_secs(30), "the suite took {took:?}");
}
