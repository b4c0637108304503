//! The runner against a correct echo server: every applicable case passes,
//! on every strategy, within the 5 s budget.

mod support;

use std::time::{Duration, Instant};

use framecheck_io::runner::{self, Collect, Options, Verdict};

#[test]
fn correct_echo_server_passes_every_case_on_every_strategy() {
    let specs = [
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
    for text in specs {
        let spec = text.parse().expect("spec");
        let server = support::echo(&spec, Duration::from_millis(300));
        let mut events = Collect::default();
        let started = Instant::now();
        let summary =
            runner::run(server.addr, &spec, &Options::default(), &mut events).expect("run");
        let took = started.elapsed();
        let bad: Vec<String> = events
            .results()
            .filter(|r| !matches!(r.verdict, Verdict::Pass | Verdict::Skip))
            .map(|r| {
                format!(
                    "{} {}: {} | {} | {}",
                    r.verdict,
                    r.id,
                    r.message,
                    r.evidence.observed,
                    r.evidence.notes.join("; ")
                )
            })
            .collect();
        assert!(bad.is_empty(), "{text}: {bad:#?}");
        assert!(summary.conformant(), "{text}: {summary:?}");
        assert!(
            summary.passed >= 12,
            "{text}: only {} cases passed",
            summary.passed
        );
        eprintln!(
            "{text}: {} passed, {} skipped in {:.2} s",
            summary.passed,
            summary.skipped,
            took.as_secs_f64()
        );
        assert!(
            took < Duration::from_secs(5),
            "{text}: the suite took {took:?}"
        );
    }
}
