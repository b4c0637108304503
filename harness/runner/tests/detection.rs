//! The runner's self-test against the reference servers: the correct server
//! passes on every strategy, and each bug variant fails the case that
//! targets it. `scripts/detection-matrix.sh` runs the full matrix (every
//! case against every variant) and writes `reports/detection-matrix.md`.

#[path = "support/per_spec.rs"]
mod per_spec;

use std::fmt::Write as _;
use std::time::Duration;

use framecheck_framing::Spec;
use framecheck_runner::{self as runner, Collect, Options, Verdict};
use framecheck_servers::{self as server, Bug, ServerConfig};
use per_spec::per_spec;

/// One spec per strategy (and the variants that enable bugs).
const SPECS: [&str; 9] = [
    "fixed:16",
    "line",
    "crlf",
    "u8",
    "u16be,max=4KiB",
    "u32be,offset=1,adjust=-4,max=1MiB",
    "varint,offset=1,max=1MiB",
    "tagged:A=4/B=0/V=u16be,max=1KiB",
    "eof",
];

/// The cases that target each bug: at least one must fail.
fn targets(bug: Bug) -> &'static [&'static str] {
    match bug {
        Bug::RecvIsMessage => &[
            "boundary/byte-at-a-time/lockstep",
            "boundary/coalesced",
            "boundary/split-every-point/lockstep",
        ],
        // Cut inside the delimiter or the header: the named split cases, and
        // the cases that cut everywhere (byte at a time, every point, random).
        Bug::DelimInOneRead => &[
            "boundary/split-delimiter/lockstep",
            "boundary/split-delimiter/pipelined",
            "boundary/byte-at-a-time/lockstep",
            "boundary/split-every-point/lockstep",
            "boundary/random-schedules/lockstep",
        ],
        Bug::HeaderInOneRecv => &[
            "boundary/split-length-field/lockstep",
            "boundary/split-length-field/pipelined",
            "boundary/byte-at-a-time/lockstep",
            "boundary/split-every-point/lockstep",
            "boundary/random-schedules/lockstep",
        ],
        Bug::TrustsLength => &["limits/length-over-max"],
        Bug::NoLineLimit => &["limits/over-long-frame"],
        Bug::IgnoresEof => &["eof/after-connect", "half-close/eof-message"],
        Bug::DropsRepliesOnHalfClose => &["half-close/pending-replies", "half-close/eof-message"],
        Bug::DiesOnResetWhileWriting => &["reset/while-server-writes"],
        Bug::CrashesOnUnknownTag => &["limits/unknown-tag"],
        Bug::OneClientAtATime => &["concurrency/stalled-client", "concurrency/many-clients"],
        Bug::IgnoresShortWrites => &["boundary/slow-reader", "boundary/large-message"],
        Bug::LeaksDescriptor => &["churn/connect-cycles", "eof/after-connect"],
    }
}

fn config(spec: &Spec, bug: Option<Bug>) -> ServerConfig {
    let mut c = ServerConfig::new(spec.clone());
    c.bug = bug;
    c.idle_timeout = Duration::from_millis(500);
    c
}

/// Run `options`' cases against a fresh server; the verdict per case id.
fn verdicts(spec: &Spec, bug: Option<Bug>, options: &Options) -> Vec<(String, Verdict, String)> {
    let server = server::spawn(config(spec, bug)).expect("spawn server");
    let mut events = Collect::default();
    runner::run(server.local_addr(), spec, options, &mut events).expect("run");
    server.shutdown();
    events
        .results()
        .map(|r| (r.id.clone(), r.verdict, r.message.clone()))
        .collect()
}

/// Whether a bug was caught: a case that targets it failed, or the server
/// already failed the liveness probe before the suite. `None` when every
/// targeted case is inapplicable (`trusts-length` where the length field
/// cannot exceed the maximum).
fn caught(bug: Bug, results: &[(String, Verdict, String)]) -> Option<bool> {
    let targeted: Vec<_> = results
        .iter()
        .filter(|(id, _, _)| targets(bug).contains(&id.as_str()))
        .collect();
    if results.iter().all(|(id, _, _)| id != runner::BEFORE_SUITE)
        && targeted.iter().all(|(_, v, _)| *v == Verdict::Skip)
    {
        return None;
    }
    Some(results.iter().any(|(id, v, _)| {
        *v == Verdict::Fail && (targets(bug).contains(&id.as_str()) || id == runner::BEFORE_SUITE)
    }))
}

#[test]
fn correct_reference_server_passes_on_every_strategy() {
    let bad: Vec<String> = per_spec(&SPECS, |text| {
        let spec: Spec = text.parse().expect("spec");
        verdicts(&spec, None, &Options::default())
            .into_iter()
            .filter(|(_, v, _)| !matches!(v, Verdict::Pass | Verdict::Skip))
            .map(|r| format!("{text}: {r:?}"))
            .collect::<Vec<_>>()
    })
    .concat();
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn each_bug_variant_fails_the_case_that_targets_it() {
    let missed: Vec<String> = per_spec(&SPECS, |text| {
        let spec: Spec = text.parse().expect("spec");
        let mut missed = Vec::new();
        for bug in Bug::ALL.into_iter().filter(|b| b.applies_to(&spec)) {
            let options = Options {
                cases: targets(bug).iter().map(|s| (*s).to_owned()).collect(),
                ..Options::default()
            };
            let results = verdicts(&spec, Some(bug), &options);
            if caught(bug, &results) == Some(false) {
                missed.push(format!("{bug} on {text}: {results:?}"));
            }
        }
        missed
    })
    .concat();
    assert!(
        missed.is_empty(),
        "undetected bug variants:\n{}",
        missed.join("\n")
    );
}

/// One cell of the matrix, and whether it is a miss.
fn cell(bug: Option<Bug>, results: &[(String, Verdict, String)]) -> (String, bool) {
    let failed: Vec<&str> = results
        .iter()
        .filter(|(_, v, _)| *v == Verdict::Fail)
        .map(|(id, _, _)| id.as_str())
        .collect();
    let Some(bug) = bug else {
        let passed = results
            .iter()
            .filter(|(_, v, _)| *v == Verdict::Pass)
            .count();
        return if failed.is_empty() {
            (format!("pass ({passed} cases)"), false)
        } else {
            (format!("FAILED: {}", failed.join("<br>")), true)
        };
    };
    match caught(bug, results) {
        None => ("not observable (its cases do not apply)".to_owned(), false),
        Some(false) => ("**MISSED**".to_owned(), true),
        Some(true) => {
            let hit: Vec<&str> = failed
                .iter()
                .copied()
                .filter(|id| targets(bug).contains(id) || *id == runner::BEFORE_SUITE)
                .collect();
            let others = failed.len() - hit.len();
            let mut text = hit
                .iter()
                .map(|id| format!("**{id}**"))
                .collect::<Vec<_>>()
                .join("<br>");
            if others > 0 {
                let _ = write!(text, "<br>+{others} more");
            }
            (text, false)
        }
    }
}

/// The full matrix: every case against every variant. Slow; run by
/// `scripts/detection-matrix.sh`, which sets `FRAMECHECK_MATRIX_OUT`.
#[test]
#[ignore = "slow: the full suite against every bug variant; scripts/detection-matrix.sh"]
fn detection_matrix() {
    let options = Options {
        seed: 1,
        ..Options::default()
    };
    let mut rows: Vec<Option<Bug>> = vec![None];
    rows.extend(Bug::ALL.iter().copied().map(Some));
    // One thread per framing; each runs the full suite once per row.
    let columns: Vec<Vec<(String, bool)>> = per_spec(&SPECS, |text| {
        let spec: Spec = text.parse().expect("spec");
        rows.iter()
            .map(|bug| {
                if bug.is_some_and(|b| !b.applies_to(&spec)) {
                    return ("n/a".to_owned(), false);
                }
                cell(*bug, &verdicts(&spec, *bug, &options))
            })
            .collect()
    });
    let mut md = String::from(
        "# Detection matrix\n\n\
         Generated by `scripts/detection-matrix.sh` (the ignored `detection_matrix` test in\n\
         `harness/runner/tests/detection.rs`): the full default suite (seed 1) against the\n\
         reference server (idle timeout 500 ms), correct and with each bug injected.\n\
         A cell names, in bold, the failed cases that target the bug (see `targets` in the\n\
         test; `liveness/before-suite` when the server already fails the probe before the\n\
         suite), then how many other cases failed as a knock-on effect. `n/a`: the bug\n\
         cannot be injected into that framing. \"not observable\": the targeted cases do\n\
         not apply (a `u8` or `u16be` length field cannot declare more than the maximum,\n\
         so trusting it is harmless). **MISSED** would mean no targeted case failed.\n\n",
    );
    md.push_str("| bug |");
    for text in SPECS {
        let _ = write!(md, " `{text}` |");
    }
    md.push_str("\n|---|");
    md.push_str(&"---|".repeat(SPECS.len()));
    md.push('\n');
    let mut missed = Vec::new();
    for (r, bug) in rows.iter().enumerate() {
        let name = bug.map_or_else(|| "(correct server)".to_owned(), |b| format!("`{b}`"));
        let _ = write!(md, "| {name} |");
        for (c, text) in SPECS.iter().enumerate() {
            let (cell, miss) = &columns[c][r];
            if *miss {
                missed.push(format!("{name} on {text}: {cell}"));
            }
            let _ = write!(md, " {cell} |");
        }
        md.push('\n');
    }
    if let Some(path) = std::env::var_os("FRAMECHECK_MATRIX_OUT") {
        std::fs::write(path, &md).expect("write the matrix");
    } else {
        println!("{md}");
    }
    assert!(missed.is_empty(), "{missed:#?}");
}

/// A randomized failure is shrunk against the live server to a schedule of
/// at most two pieces per message boundary it needs, and its replay line's
/// trial and schedule fail again on their own.
#[test]
fn random_failures_shrink_and_replay() {
    let spec: Spec = "crlf".parse().expect("spec");
    let server = server::spawn(config(&spec, Some(Bug::DelimInOneRead))).expect("spawn");
    let options = Options {
        seed: 3,
        cases: vec!["boundary/random-schedules/lockstep".to_owned()],
        ..Options::default()
    };
    let mut events = Collect::default();
    runner::run(server.local_addr(), &spec, &options, &mut events).expect("run");
    let r = events.results().next().expect("one case");
    assert_eq!(r.verdict, Verdict::Fail, "{}", r.message);
    let shrunk = r
        .evidence
        .shrunk_schedule
        .clone()
        .expect("a shrunk schedule");
    let original = r
        .evidence
        .original_schedule
        .clone()
        .expect("the original schedule");
    // "trial T: a+b+c"
    let (trial, pieces) = shrunk.split_once(": ").expect("trial: pieces");
    let trial: usize = trial
        .trim_start_matches("trial ")
        .parse()
        .expect("trial number");
    let pieces: runner::Pieces = pieces.parse().expect("pieces");
    let count = |s: &str| s.split('+').count();
    assert!(
        pieces.0.len() <= count(original.split_once(": ").expect("pieces").1),
        "{shrunk} vs {original}"
    );
    assert!(
        r.replay
            .contains(&format!("--trial {trial} --schedule {pieces}")),
        "{}",
        r.replay
    );
    // The replay alone fails the same way.
    let replay = Options {
        replay: Some(runner::ReplaySchedule { trial, pieces }),
        ..options
    };
    let mut again = Collect::default();
    runner::run(server.local_addr(), &spec, &replay, &mut again).expect("replay");
    assert_eq!(
        again.results().next().map(|r| r.verdict),
        Some(Verdict::Fail)
    );
    server.shutdown();
}
