//! The runner's self-test against the reference servers: the correct server
//! passes on every strategy, and each bug variant fails the case that
//! targets it. `scripts/detection-matrix.sh` runs the full matrix (every
//! case against every variant) and writes `reports/detection-matrix.md`.

use std::fmt::Write as _;
use std::time::Duration;

use framecheck_framing::Spec;
use framecheck_io::runner::{self, Collect, Options, Verdict};
use framecheck_io::server::{self, Bug, ServerConfig};

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
        Bug::DelimInOneRead => &["boundary/split-delimiter/lockstep"],
        Bug::HeaderInOneRecv => &["boundary/split-length-field/lockstep"],
        Bug::TrustsLength => &["limits/length-over-max"],
        Bug::NoLineLimit => &["limits/over-long-frame"],
        Bug::IgnoresEof => &["eof/after-connect", "half-close/eof-message"],
        Bug::DropsRepliesOnHalfClose => &["half-close/pending-replies", "half-close/eof-message"],
        Bug::DiesOnResetWhileWriting => &["reset/while-server-writes"],
        Bug::CrashesOnUnknownTag => &["limits/unknown-tag"],
        Bug::OneClientAtATime => &["concurrency/stalled-client"],
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
    let bad: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = SPECS
            .iter()
            .map(|text| {
                s.spawn(move || {
                    let spec: Spec = text.parse().expect("spec");
                    verdicts(&spec, None, &Options::default())
                        .into_iter()
                        .filter(|(_, v, _)| !matches!(v, Verdict::Pass | Verdict::Skip))
                        .map(|r| format!("{text}: {r:?}"))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("join"))
            .collect()
    });
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn each_bug_variant_fails_the_case_that_targets_it() {
    let missed: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = SPECS
            .iter()
            .map(|text| {
                s.spawn(move || {
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
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("join"))
            .collect()
    });
    assert!(
        missed.is_empty(),
        "undetected bug variants:\n{}",
        missed.join("\n")
    );
}

/// The full matrix: every case against every variant. Slow; run by
/// `scripts/detection-matrix.sh`, which sets `FRAMECHECK_MATRIX_OUT`.
#[test]
#[ignore = "slow: the full suite against every bug variant; scripts/detection-matrix.sh"]
fn detection_matrix() {
    let mut md = String::from(
        "# Detection matrix\n\nGenerated by `scripts/detection-matrix.sh` (the `detection_matrix` test in\n\
         `harness/io/tests/detection.rs`): the full default suite (seed 1) against the\n\
         reference server with each bug injected. A cell lists the cases that failed;\n\
         `n/a` means the bug does not apply to the framing; **MISSED** would mean no\n\
         case failed.\n\n",
    );
    let _ = write!(md, "| bug |");
    for text in SPECS {
        let _ = write!(md, " `{text}` |");
    }
    md.push_str("\n|---|");
    md.push_str(&"---|".repeat(SPECS.len()));
    md.push('\n');
    let options = Options {
        seed: 1,
        ..Options::default()
    };
    let mut rows: Vec<(String, Option<Bug>)> = vec![("(correct server)".to_owned(), None)];
    rows.extend(Bug::ALL.iter().map(|b| (b.to_string(), Some(*b))));
    let mut missed = Vec::new();
    for (name, bug) in rows {
        let _ = write!(md, "| `{name}` |");
        for text in SPECS {
            let spec: Spec = text.parse().expect("spec");
            if bug.is_some_and(|b| !b.applies_to(&spec)) {
                md.push_str(" n/a |");
                continue;
            }
            let results = verdicts(&spec, bug, &options);
            let failed: Vec<&str> = results
                .iter()
                .filter(|(_, v, _)| *v == Verdict::Fail)
                .map(|(id, _, _)| id.as_str())
                .collect();
            let cell = match (bug, failed.is_empty()) {
                (None, true) => "pass".to_owned(),
                (None | Some(_), false) => {
                    if bug.is_none() {
                        missed.push(format!("correct server failed on {text}: {failed:?}"));
                    }
                    let target = bug.map_or(&[][..], targets);
                    failed
                        .iter()
                        .map(|id| {
                            if target.contains(id) {
                                format!("**{id}**")
                            } else {
                                (*id).to_owned()
                            }
                        })
                        .collect::<Vec<_>>()
                        .join("<br>")
                }
                (Some(b), true) => {
                    missed.push(format!("{b} on {text}"));
                    "**MISSED**".to_owned()
                }
            };
            let _ = write!(md, " {cell} |");
        }
        md.push('\n');
    }
    md.push_str("\nBold: the case that targets the bug. Other failures are knock-on effects\n(a server that died fails the first case after which it stopped answering).\n");
    if let Some(path) = std::env::var_os("FRAMECHECK_MATRIX_OUT") {
        std::fs::write(path, &md).expect("write the matrix");
    } else {
        println!("{md}");
    }
    assert!(missed.is_empty(), "{missed:#?}");
}
