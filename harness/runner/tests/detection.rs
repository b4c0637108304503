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
use framecheck_servers::{self as server, Bug, OverLimit, ServerConfig};
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

/// The cases each bug must fail: every one of them, wherever it applies,
/// each asserted on a run of its own (`each_bug_fails_every_case_it_targets`
/// names the case that stops detecting its bug). Every case id of the
/// catalogue is in some list here, or in `catalogue::SHARED_PROOFS` with the
/// reason no bug can fail it alone (`every_case_has_a_failing_proof`).
fn targets(bug: Bug) -> &'static [&'static str] {
    match bug {
        // Any cut, any coalescing: every boundary case that cuts or merges
        // messages (the random schedules cut every message of 12 trials).
        Bug::RecvIsMessage => &[
            "boundary/byte-at-a-time/lockstep",
            "boundary/byte-at-a-time/pipelined",
            "boundary/split-every-point/lockstep",
            "boundary/split-every-point/pipelined",
            "boundary/split-after-tag/lockstep",
            "boundary/split-after-tag/pipelined",
            "boundary/coalesced",
            "boundary/straddle/lockstep",
            "boundary/straddle/pipelined",
            "boundary/random-schedules/lockstep",
            "boundary/random-schedules/pipelined",
            // HTTP (HTTP_SPEC): every http/* case that cuts or pipelines.
            "http/pipelined/coalesced",
            "http/pipelined/cut-every-point",
            "http/pipelined/byte-at-a-time",
            "http/chunked/cut-size-line",
            "http/chunked/cut-extension",
            "http/chunked/cut-crlf",
            "http/chunked/cut-trailer",
            "http/content-length/cut-body",
        ],
        // Cut inside the delimiter: the named split cases, and the cases
        // that cut everywhere (byte at a time, every point, random).
        Bug::DelimInOneRead => &[
            "boundary/split-delimiter/lockstep",
            "boundary/split-delimiter/pipelined",
            "boundary/byte-at-a-time/lockstep",
            "boundary/split-every-point/lockstep",
            "boundary/random-schedules/lockstep",
        ],
        // Cut inside the header; its zero-filled header also turns an EOF
        // inside the header into a reply.
        Bug::HeaderInOneRecv => &[
            "boundary/split-length-field/lockstep",
            "boundary/split-length-field/pipelined",
            "boundary/byte-at-a-time/lockstep",
            "boundary/split-every-point/lockstep",
        ],
        // A length prefix, or a RESP bulk length (RESP_SPECS), over the
        // maximum read to its end.
        Bug::TrustsLength | Bug::TrustsBulkLength => &["limits/length-over-max"],
        Bug::NoLineLimit => &["limits/over-long-frame"],
        // Also the EOF-ignoring server whose 200 ms idle timeout closes the
        // connection before "promptly" runs out: judged against a control
        // connection, that close is no EOF handling.
        Bug::IgnoresEof | Bug::IgnoresEofShortIdle => &[
            "eof/after-connect",
            "eof/after-messages",
            "eof/mid-header",
            "eof/mid-payload",
            "eof/mid-delimiter",
            "half-close/pending-replies",
            "half-close/mid-message",
            "half-close/eof-message",
        ],
        Bug::DropsRepliesOnHalfClose => &["half-close/pending-replies", "half-close/eof-message"],
        Bug::DiesOnResetWhileWriting => &["reset/while-server-writes"],
        Bug::CrashesOnUnknownTag => &["limits/unknown-tag"],
        Bug::OneClientAtATime => &["concurrency/stalled-client", "concurrency/many-clients"],
        Bug::IgnoresShortWrites => &["boundary/slow-reader", "boundary/large-message"],
        Bug::LeaksDescriptor => &["churn/connect-cycles", "eof/after-connect"],
        Bug::DropsEmptyFrames => &[
            "boundary/empty-payload/lockstep",
            "boundary/empty-payload/pipelined",
        ],
        Bug::DiesOnResetMidMessage => &["reset/mid-message", "http/reset/mid-request"],
        // A close at once on a partial message is no idle timeout; the cut
        // cases fail too, since it never waits for the rest of a message.
        Bug::ClosesMidFrame => &["limits/idle-timeout", "boundary/byte-at-a-time/lockstep"],
        Bug::SmallWorkerPool => &["concurrency/many-clients"],
        Bug::LocksMidFrame => &["concurrency/stalled-client"],
        Bug::DelaysFinAfterHalfClose => &[
            "half-close/pending-replies",
            "half-close/mid-message",
            "half-close/eof-message",
        ],
        // Lengths written as text (TEXT_SPECS): a cut inside the digits; a
        // sign; a netstring's ',' left behind (the probe before the suite
        // already fails: its echo lacks the ',').
        Bug::ParsesPartialDigits => &[
            "boundary/split-length-field/lockstep",
            "boundary/split-length-field/pipelined",
            "boundary/byte-at-a-time/lockstep",
        ],
        Bug::TrustsSignedLength => &["limits/signed-length"],
        Bug::ForgetsTrailer => &["boundary/whole/lockstep", "boundary/coalesced"],
        // Each where its framing has such a length (non-digit: every text
        // kind; leading zero: netstring, declen:; too many digits: those and
        // counted:).
        Bug::ReadsLengthLeniently => &[
            "limits/non-digit-length",
            "limits/leading-zero-length",
            "limits/too-many-digits",
        ],
        // The canary inside the refused frame gets an answer.
        Bug::DesyncsAfterRefusal => &["limits/over-long-frame", "limits/length-over-max"],
        // RESP (RESP_SPECS): an aggregate of too many elements, or nested
        // too deep, taken; `$-2` taken as a null, and the canary after it
        // answered.
        Bug::NoElementLimit => &["limits/too-many-elements"],
        Bug::NoDepthLimit => &["limits/too-deep"],
        Bug::ReadsNegativeLengthAsNull => &["limits/negative-length"],
        // Content and count bugs: no conformance case sends what they need
        // (`Bug::FUZZ_ONLY`); `harness/netfuzz/tests/finds.rs` proves
        // `framecheck fuzz` finds each.
        Bug::DiesOnFormatString
        | Bug::DiesOnThousandthFrame
        | Bug::DiesOnLengthWrap
        | Bug::LeaksSlotOnNul => &[],
        // The HTTP server's bugs (HTTP_SPEC, with the http profile).
        Bug::FirstContentLengthWins
        | Bug::IgnoresTransferEncoding
        | Bug::ChunkSizeLongestHexPrefix
        | Bug::AcceptsBareLfInChunkLines
        | Bug::NoPipelining
        | Bug::DropsResponseAfterHalfClose
        | Bug::KeepsAliveAfterClAndTe
        | Bug::IgnoresMalformedFields
        | Bug::IgnoresBodyOnGet
        | Bug::AnswersPartialRequestAtEof
        | Bug::ReadsRefusedRequestAsNext => http_targets(bug),
    }
}

/// [`targets`] of the HTTP server's own bugs.
fn http_targets(bug: Bug) -> &'static [&'static str] {
    match bug {
        Bug::FirstContentLengthWins => &["http/smuggle/duplicate-cl"],
        Bug::IgnoresTransferEncoding => &[
            "http/smuggle/cl-te",
            "http/smuggle/te-cl",
            "http/smuggle/chunk-size-prefix",
            "http/smuggle/chunk-size-overflow",
        ],
        Bug::ChunkSizeLongestHexPrefix => &["http/smuggle/chunk-size-prefix"],
        // A SHOULD: its failing verdict is a warning (WARN_PROVES).
        Bug::AcceptsBareLfInChunkLines => &["http/smuggle/chunk-bare-lf"],
        Bug::NoPipelining => &[
            "http/pipelined/coalesced",
            "http/pipelined/cut-every-point",
            "boundary/coalesced",
        ],
        Bug::DropsResponseAfterHalfClose => &[
            "http/half-close/after-request",
            "half-close/pending-replies",
        ],
        Bug::KeepsAliveAfterClAndTe => &[
            "http/smuggle/cl-te",
            "http/smuggle/te-case",
            "http/smuggle/te-list",
            "http/smuggle/te-obs-fold",
        ],
        Bug::IgnoresMalformedFields => &[
            "http/smuggle/te-space-before-colon",
            "http/smuggle/te-vertical-tab",
        ],
        Bug::IgnoresBodyOnGet => &["http/smuggle/get-with-body"],
        Bug::AnswersPartialRequestAtEof => &["http/eof/mid-head", "http/eof/mid-body"],
        Bug::ReadsRefusedRequestAsNext => &[
            "http/limits/header-section",
            "http/limits/header-count",
            "http/limits/body-over-max",
        ],
        _ => &[],
    }
}

/// The HTTP reference server's framing: the built-in http profile's
/// request framing (its cases run with the profile).
const HTTP_SPEC: &str = "http1:request,max=1MiB";

/// SHOULD-level cases: a warning is their failing verdict.
const WARN_PROVES: [&str; 1] = ["http/smuggle/chunk-bare-lf"];

/// Options that talk the built-in http profile.
fn http_options() -> Options {
    let profile = runner::profile::Profile::builtin("http").expect("built-in http profile");
    assert_eq!(profile.request.to_string(), HTTP_SPEC);
    Options {
        profile: Some(std::sync::Arc::new(profile)),
        ..Options::default()
    }
}

/// Every bug is targeted by some conformance case, or is one of the
/// fuzz-only bugs (and then by none).
#[test]
fn every_bug_is_targeted_or_fuzz_only() {
    for bug in Bug::ALL {
        let fuzz_only = Bug::FUZZ_ONLY.contains(&bug);
        assert_eq!(
            targets(bug).is_empty(),
            fuzz_only,
            "{bug}: targeted by cases {:?}, fuzz-only {fuzz_only}",
            targets(bug)
        );
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

/// How the targeted cases of `bug` fared: `None` when none applies (and the
/// server passed the probe before the suite: `trusts-length` where the
/// length field cannot exceed the maximum); else the targeted cases that
/// applied but did not fail (empty: caught). A server that already fails
/// the liveness probe before the suite is caught by every target (none of
/// them could run).
fn misses(bug: Bug, results: &[(String, Verdict, String)]) -> Option<Vec<String>> {
    if results
        .iter()
        .any(|(id, v, _)| id == runner::BEFORE_SUITE && *v == Verdict::Fail)
    {
        return Some(Vec::new());
    }
    let targeted: Vec<_> = results
        .iter()
        .filter(|(id, v, _)| targets(bug).contains(&id.as_str()) && *v != Verdict::Skip)
        .collect();
    if targeted.is_empty() {
        return None;
    }
    Some(
        targeted
            .into_iter()
            .filter(|(id, v, _)| {
                *v != Verdict::Fail && !(*v == Verdict::Warn && WARN_PROVES.contains(&id.as_str()))
            })
            .map(|(id, v, message)| format!("{id} ({v}: {message})"))
            .collect(),
    )
}

/// Every verdict of the correct reference server on `specs` that is not a
/// pass or a skip.
fn correct_server_misses(specs: &[&'static str]) -> Vec<String> {
    per_spec(specs, |text| {
        let spec: Spec = text.parse().expect("spec");
        verdicts(&spec, None, &Options::default())
            .into_iter()
            .filter(|(_, v, _)| !matches!(v, Verdict::Pass | Verdict::Skip))
            .map(|r| format!("{text}: {r:?}"))
            .collect::<Vec<_>>()
    })
    .concat()
}

#[test]
fn correct_reference_server_passes_on_every_strategy() {
    let bad = correct_server_misses(&SPECS);
    assert!(bad.is_empty(), "{bad:#?}");
}

/// The framings that write their lengths as text (issue 11).
const TEXT_SPECS: [&str; 6] = [
    "digits:5",
    "hex:4,offset=1",
    "pktline",
    "netstring,max=1MiB",
    "syslog,max=1MiB",
    "counted:crlf/set=5/VALUE=4",
];

#[test]
fn correct_reference_server_passes_on_every_text_length() {
    let bad = correct_server_misses(&TEXT_SPECS);
    assert!(bad.is_empty(), "{bad:#?}");
}

/// The RESP framings (issue 12): values (and RESP2's), and commands.
const RESP_SPECS: [&str; 3] = [
    "resp,max=1MiB,elems=64,depth=8",
    "resp2,max=1MiB,elems=16",
    "resp:request,max=1MiB,elems=64",
];

#[test]
fn correct_reference_server_passes_on_every_resp_framing() {
    let bad = correct_server_misses(&RESP_SPECS);
    assert!(bad.is_empty(), "{bad:#?}");
}

/// The RESP bugs (and one generic bug, through the boundary cases that cut
/// RESP frames everywhere), against each case they target, on every RESP
/// framing they apply to.
#[test]
fn each_resp_bug_fails_every_case_it_targets() {
    let bugs = [
        Bug::TrustsBulkLength,
        Bug::NoElementLimit,
        Bug::NoDepthLimit,
        Bug::ReadsNegativeLengthAsNull,
        Bug::RecvIsMessage,
    ];
    let missed = bugs_missing_targets(&RESP_SPECS, &bugs);
    assert!(missed.is_empty(), "{}", missed.join("\n"));
}

/// On each of `specs`, every case each of `bugs` that applies targets and
/// did not fail it.
fn bugs_missing_targets(specs: &[&'static str], bugs: &[Bug]) -> Vec<String> {
    per_spec(specs, |text| {
        let spec: Spec = text.parse().expect("spec");
        bugs.iter()
            .filter(|bug| bug.applies_to(&spec))
            .flat_map(|bug| missed_targets(&spec, text, *bug))
            .collect::<Vec<String>>()
    })
    .concat()
}

/// The bugs only lengths written as text have (and `ignores-eof`), against
/// each case they target, on every text framing they apply to.
#[test]
fn each_text_bug_fails_every_case_it_targets() {
    let bugs = [
        Bug::ParsesPartialDigits,
        Bug::TrustsSignedLength,
        Bug::ForgetsTrailer,
        Bug::ReadsLengthLeniently,
        // And one generic bug, through the EOF cases that now cut inside the
        // digits.
        Bug::IgnoresEof,
    ];
    let missed = bugs_missing_targets(&TEXT_SPECS, &bugs);
    assert!(missed.is_empty(), "{}", missed.join("\n"));
}

/// The cases `bug` targets that did not fail it on `spec` (named `text`),
/// each run on its own. A split that a loaded machine merged into one read
/// is not-exercised, not a miss yet: up to three runs.
fn missed_targets(spec: &Spec, text: &str, bug: Bug) -> Vec<String> {
    missed_targets_with(spec, text, bug, &Options::default())
}

/// [`missed_targets`] with `base`'s options (a profile) for every run.
fn missed_targets_with(spec: &Spec, text: &str, bug: Bug, base: &Options) -> Vec<String> {
    let mut missed = Vec::new();
    for case in targets(bug) {
        let options = Options {
            cases: vec![(*case).to_owned()],
            ..base.clone()
        };
        for attempt in 1..=3 {
            let results = verdicts(spec, Some(bug), &options);
            let unexercised = results.iter().any(|(_, v, _)| *v == Verdict::NotExercised);
            match misses(bug, &results) {
                Some(m) if !m.is_empty() && unexercised && attempt < 3 => {}
                Some(m) => {
                    missed.extend(m.into_iter().map(|m| format!("{bug} on {text}: {m}")));
                    break;
                }
                // Not applicable here (an `eof` case on a framing without a
                // delimiter).
                None => break,
            }
        }
    }
    missed
}

/// Each bug against each case it targets, one run per case: every one must
/// fail (not "one of them").
#[test]
fn each_bug_fails_every_case_it_targets() {
    let missed = bugs_missing_targets(&SPECS, &Bug::ALL);
    assert!(
        missed.is_empty(),
        "cases that no longer detect the bug they target:\n{}",
        missed.join("\n")
    );
}

/// The correct HTTP server passes every case of the http profile (the
/// http/* group and the echo-style cases on its exchanges).
#[test]
fn correct_reference_server_passes_the_http_profile() {
    let spec: Spec = HTTP_SPEC.parse().expect("spec");
    let bad: Vec<_> = verdicts(&spec, None, &http_options())
        .into_iter()
        .filter(|(_, v, _)| !matches!(v, Verdict::Pass | Verdict::Skip))
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
}

/// Each bug of the HTTP server fails every case it targets, each on a run
/// of its own, side by side.
#[test]
fn each_http_bug_fails_every_case_it_targets() {
    let spec: Spec = HTTP_SPEC.parse().expect("spec");
    let options = http_options();
    let bugs: Vec<Bug> = Bug::ALL
        .into_iter()
        .filter(|b| b.applies_to(&spec))
        .collect();
    assert!(bugs.len() >= Bug::HTTP.len(), "{bugs:?}");
    // Four bugs at a time: each runs its targets one after another.
    let missed: Vec<String> = bugs
        .chunks(4)
        .flat_map(|group| {
            std::thread::scope(|s| {
                let handles: Vec<_> = group
                    .iter()
                    .map(|&bug| {
                        let (spec, options) = (&spec, &options);
                        s.spawn(move || missed_targets_with(spec, HTTP_SPEC, bug, options))
                    })
                    .collect();
                handles
                    .into_iter()
                    .flat_map(|h| h.join().expect("join"))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    assert!(
        missed.is_empty(),
        "cases that no longer detect the bug they target:\n{}",
        missed.join("\n")
    );
}

/// Every case id that applies to some framing has a failing proof: a bug
/// that targets it, or an entry in `catalogue::SHARED_PROOFS` saying why no
/// bug can fail it alone and naming the id (itself proven) that carries its
/// proof.
#[test]
fn every_case_has_a_failing_proof() {
    let targeted = |id: &str| Bug::ALL.iter().any(|b| targets(*b).contains(&id));
    let mut ids: Vec<String> = SPECS
        .iter()
        .chain(&RESP_SPECS)
        .chain(&[HTTP_SPEC])
        .flat_map(|text| runner::catalogue(&text.parse().expect("spec")))
        .filter(|case| case.skip.is_none())
        .map(|case| case.id)
        .collect();
    ids.sort();
    ids.dedup();
    let unproven: Vec<&String> = ids
        .iter()
        .filter(|id| {
            !targeted(id)
                && !runner::catalogue::SHARED_PROOFS.iter().any(|p| {
                    p.id == id.as_str()
                        && (targeted(p.carried_by) || p.carried_by == runner::BEFORE_SUITE)
                })
        })
        .collect();
    assert!(
        unproven.is_empty(),
        "case ids without a failing proof: {unproven:#?}"
    );
    for p in runner::catalogue::SHARED_PROOFS {
        assert!(
            ids.iter().any(|id| id == p.id),
            "SHARED_PROOFS names no case: {}",
            p.id
        );
    }
}

/// The liveness probe before the suite carries the proof of the cases that
/// exchange one whole message (see `catalogue::SHARED_PROOFS`): a server
/// that cannot answer it fails the probe, and the run is not judged.
#[test]
fn a_server_that_fails_the_liveness_probe_is_not_judged() {
    let spec: Spec = "eof".parse().expect("spec");
    let results = verdicts(&spec, Some(Bug::IgnoresEof), &Options::default());
    assert!(
        results
            .iter()
            .any(|(id, v, _)| id == runner::BEFORE_SUITE && *v == Verdict::Fail),
        "{results:?}"
    );
    assert!(
        results
            .iter()
            .all(|(id, v, _)| id == runner::BEFORE_SUITE || *v == Verdict::NotRun),
        "{results:?}"
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
    match misses(bug, results) {
        None => ("not observable (its cases do not apply)".to_owned(), false),
        Some(missed) => {
            let hit: Vec<&str> = failed
                .iter()
                .copied()
                .filter(|id| targets(bug).contains(id) || *id == runner::BEFORE_SUITE)
                .collect();
            let mut text = hit
                .iter()
                .map(|id| format!("**{id}**"))
                .collect::<Vec<_>>()
                .join("<br>");
            for other in failed.iter().filter(|id| !hit.contains(id)) {
                let _ = write!(text, "<br>{other}");
            }
            for miss in &missed {
                let _ = write!(text, "<br>**MISSED** {miss}");
            }
            (text, !missed.is_empty())
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
    // One thread per framing; each runs the full suite once per row
    // (`None` where the bug cannot be injected).
    let runs: Vec<Vec<Option<Results>>> = per_spec(&SPECS, |text| {
        let spec: Spec = text.parse().expect("spec");
        rows.iter()
            .map(|bug| {
                (!bug.is_some_and(|b| !b.applies_to(&spec)))
                    .then(|| verdicts(&spec, *bug, &options))
            })
            .collect()
    });
    let mut md = String::from(
        "# Detection matrix\n\n\
         Generated by `scripts/detection-matrix.sh` (the ignored `detection_matrix` test in\n\
         `harness/runner/tests/detection.rs`): the full default suite (seed 1) against the\n\
         reference server (idle timeout 500 ms), correct and with each bug injected.\n\
         A cell names, in bold, the failed cases that the bug must fail (see `targets` in the\n\
         test, where each is also asserted on a run of its own; `liveness/before-suite` when\n\
         the server already fails the probe before the suite), then the other cases that\n\
         failed. `n/a`: the bug cannot be injected into that framing. \"not observable\": the\n\
         targeted cases do not apply (a `u8` or `u16be` length field cannot declare more than\n\
         the maximum, so trusting it is harmless). **MISSED** names a targeted case that did\n\
         not fail.\n\n",
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
            let (cell, miss) = runs[c][r]
                .as_ref()
                .map_or_else(|| ("n/a".to_owned(), false), |results| cell(*bug, results));
            if miss {
                missed.push(format!("{name} on {text}: {cell}"));
            }
            let _ = write!(md, " {cell} |");
        }
        md.push('\n');
    }
    let (proofs, unproven) = single_targets(&rows, &runs);
    md.push_str(&proofs);
    if let Some(path) = std::env::var_os("FRAMECHECK_MATRIX_OUT") {
        std::fs::write(path, &md).expect("write the matrix");
    } else {
        println!("{md}");
    }
    assert!(missed.is_empty(), "{missed:#?}");
    assert!(unproven.is_empty(), "{unproven:#?}");
}

/// One run's verdicts: `(case id, verdict, message)`.
type Results = Vec<(String, Verdict, String)>;

/// Which bugs fail each case alone in its group (the case fails; every other
/// case of its group passes, warns, is skipped, is not exercised, or was not
/// run because the case killed the server), and on
/// which framings. A case without such a bug must have a `SHARED_PROOFS`
/// entry (a case with one may keep its entry: a bug can fail it alone on
/// one framing by a knock-on effect): the Markdown table, and the cases
/// that have neither.
fn single_targets(rows: &[Option<Bug>], runs: &[Vec<Option<Results>>]) -> (String, Vec<String>) {
    let group = |id: &str| id.split('/').next().unwrap_or("").to_owned();
    let mut alone: std::collections::BTreeMap<String, Vec<String>> =
        std::collections::BTreeMap::new();
    for (c, text) in SPECS.iter().enumerate() {
        for (r, bug) in rows.iter().enumerate() {
            let (Some(bug), Some(results)) = (bug, &runs[c][r]) else {
                continue;
            };
            for (id, v, _) in results {
                // A case that was skipped, or not run because an earlier
                // case killed the server, says nothing about its proof here
                // (the text-length cases apply to none of these framings:
                // their bugs are asserted on TEXT_SPECS, case by case).
                if id == runner::BEFORE_SUITE || matches!(v, Verdict::Skip | Verdict::NotRun) {
                    continue;
                }
                let bugs = alone.entry(id.clone()).or_default();
                if *v != Verdict::Fail {
                    continue;
                }
                let others_fine = results
                    .iter()
                    .filter(|(o, _, _)| o != id && group(o) == group(id))
                    .all(|(_, v, _)| {
                        matches!(
                            v,
                            Verdict::Pass
                                | Verdict::Warn
                                | Verdict::Skip
                                | Verdict::NotExercised
                                | Verdict::NotRun
                        )
                    });
                if others_fine {
                    bugs.push(format!("`{bug}` on `{text}`"));
                }
            }
        }
    }
    let mut md = String::from(
        "\n## Failing proof per case\n\n\
         A case's proof is a bug that fails it while every other case of its group passes\n\
         (or warns, is skipped, not exercised, or not run because the case killed the server). A case that no bug fails alone names, in\n\
         `catalogue::SHARED_PROOFS`, why and which id carries its proof.\n\n\
         | case | fails alone in its group against | otherwise: carried by, and why |\n\
         |---|---|---|\n",
    );
    let mut unproven = Vec::new();
    for (id, bugs) in &alone {
        let shared = runner::catalogue::SHARED_PROOFS.iter().find(|p| p.id == id);
        let mut cell = bugs
            .iter()
            .take(3)
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        if bugs.len() > 3 {
            let _ = write!(cell, " and {} more", bugs.len() - 3);
        }
        if bugs.is_empty() && shared.is_none() {
            unproven.push(format!(
                "{id}: no bug fails it alone in its group, and it has no SHARED_PROOFS entry"
            ));
        }
        let why = shared.map_or_else(String::new, |p| format!("`{}`: {}", p.carried_by, p.why));
        if cell.is_empty() {
            "—".clone_into(&mut cell);
        }
        let _ = writeln!(md, "| `{id}` | {cell} | {why} |");
    }
    (md, unproven)
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

// Issue 12, refusal outcomes: a server that discards a frame over the limit
// and goes on passes every limits case; the bugs that accept an over-limit
// frame, or desync after refusing one, fail as `accepted` and `desync`.

/// The `limits/*` cases only.
fn limits_options() -> Options {
    Options {
        cases: vec!["limits/*".to_owned()],
        ..Options::default()
    }
}

/// The `limits/*` cases against the correct server refusing as `over_limit`
/// says, on each of `specs`: every case that is not a pass or a skip, and
/// every pass of a case `seen` picks that was not seen as `outcome`.
fn refusals_not_seen_as(
    specs: &[&'static str],
    over_limit: OverLimit,
    seen: impl Fn(&str) -> bool + Sync,
    outcome: &str,
) -> Vec<String> {
    let note = format!("refusal outcome: {outcome}");
    per_spec(specs, |text| {
        let spec: Spec = text.parse().expect("spec");
        let mut c = config(&spec, None);
        c.over_limit = over_limit;
        let server = server::spawn(c).expect("spawn server");
        let mut events = Collect::default();
        runner::run(server.local_addr(), &spec, &limits_options(), &mut events).expect("run");
        server.shutdown();
        let results: Vec<_> = events.results().cloned().collect();
        let mut bad: Vec<String> = results
            .iter()
            .filter(|r| !matches!(r.verdict, Verdict::Pass | Verdict::Skip))
            .map(|r| format!("{text}: {} {} {}", r.id, r.verdict, r.message))
            .collect();
        for r in results
            .iter()
            .filter(|r| r.verdict == Verdict::Pass && seen(&r.id))
        {
            if !r.evidence.notes.contains(&note) {
                bad.push(format!(
                    "{text}: {} passed, but not as {outcome}: {:?}",
                    r.id, r.evidence.notes
                ));
            }
        }
        bad
    })
    .concat()
}

#[test]
fn a_server_that_discards_and_continues_passes_every_limits_case() {
    // Where a refusal case ran, the discard was seen as such.
    let bad = refusals_not_seen_as(
        &SPECS,
        OverLimit::Discard,
        |id| id == "limits/over-long-frame" || id == "limits/length-over-max",
        "discard-and-continue",
    );
    assert!(bad.is_empty(), "{bad:#?}");
}

/// At the default maximum (16 MiB) the declared body is sent in full, so a
/// discarding server is seen discarding, not taken for one that waits.
#[test]
fn a_discarding_server_passes_length_over_max_at_the_default_maximum() {
    let spec: Spec = "u32be".parse().expect("spec");
    let mut c = config(&spec, None);
    c.over_limit = OverLimit::Discard;
    let server = server::spawn(c).expect("spawn server");
    let options = Options {
        cases: vec!["limits/length-over-max".to_owned()],
        ..Options::default()
    };
    let mut events = Collect::default();
    runner::run(server.local_addr(), &spec, &options, &mut events).expect("run");
    server.shutdown();
    let r = events
        .results()
        .find(|r| r.id == "limits/length-over-max")
        .expect("the case ran");
    assert_eq!(
        r.verdict,
        Verdict::Pass,
        "{}: {}",
        r.message,
        r.evidence.observed
    );
    assert!(
        r.evidence
            .notes
            .contains(&"refusal outcome: discard-and-continue".to_owned()),
        "{:?}",
        r.evidence.notes
    );
}

#[test]
fn accepting_and_desyncing_bugs_fail_with_their_outcome() {
    let table: &[(Bug, &str, &str, &str)] = &[
        (
            Bug::NoLineLimit,
            "crlf",
            "limits/over-long-frame",
            "accepted",
        ),
        (
            Bug::TrustsLength,
            "u16be,max=4KiB",
            "limits/length-over-max",
            "accepted",
        ),
        (
            Bug::DesyncsAfterRefusal,
            "line",
            "limits/over-long-frame",
            "desync",
        ),
        (
            Bug::DesyncsAfterRefusal,
            "u32be,offset=1,adjust=-4,max=1MiB",
            "limits/length-over-max",
            "desync",
        ),
        (
            Bug::DesyncsAfterRefusal,
            "tagged:A=4/B=0/V=u16be,max=1KiB",
            "limits/length-over-max",
            "desync",
        ),
    ];
    for (bug, text, case, outcome) in table {
        let spec: Spec = text.parse().expect("spec");
        let options = Options {
            cases: vec![(*case).to_owned()],
            ..Options::default()
        };
        let results = verdicts(&spec, Some(*bug), &options);
        let (_, verdict, message) = results
            .iter()
            .find(|(id, _, _)| id == case)
            .expect("the case ran");
        assert_eq!(*verdict, Verdict::Fail, "{bug} on {text}: {message}");
        assert!(message.starts_with(outcome), "{bug} on {text}: {message}");
    }
}

/// A server that answers every framing error with an error reply and then
/// closes (`serve --on-over-limit reply-close`, Redis's way) passes every
/// limits case, the lengths written as text included, and each refusal is
/// seen as reply-then-close.
#[test]
fn a_server_that_replies_then_closes_passes_every_limits_case() {
    let specs: Vec<&'static str> = SPECS.iter().chain(&TEXT_SPECS).copied().collect();
    // A refusal case that ran saw the error reply before the close
    // (`fixed` and `eof` have no frame over the limit to answer).
    let bad = refusals_not_seen_as(
        &specs,
        OverLimit::ReplyClose,
        |id| id != "limits/idle-timeout",
        "reply-then-close",
    );
    assert!(bad.is_empty(), "{bad:#?}");
}

/// The bugs that read a length written as text leniently fail the case
/// aimed at them as `accepted` (the frame's payload answered) or `desync`
/// (the canary after it answered), never as a mere warning.
#[test]
fn lenient_length_readers_fail_with_their_outcome() {
    let table: &[(Bug, &str, &str)] = &[
        (Bug::TrustsSignedLength, "digits:5", "limits/signed-length"),
        (
            Bug::TrustsSignedLength,
            "netstring,max=1MiB",
            "limits/signed-length",
        ),
        (
            Bug::ReadsLengthLeniently,
            "netstring,max=1MiB",
            "limits/leading-zero-length",
        ),
        (
            Bug::ReadsLengthLeniently,
            "syslog,max=1MiB",
            "limits/too-many-digits",
        ),
        (
            Bug::ReadsLengthLeniently,
            "digits:5",
            "limits/non-digit-length",
        ),
    ];
    for (bug, text, case) in table {
        let spec: Spec = text.parse().expect("spec");
        let options = Options {
            cases: vec![(*case).to_owned()],
            ..Options::default()
        };
        let results = verdicts(&spec, Some(*bug), &options);
        let (_, verdict, message) = results
            .iter()
            .find(|(id, _, _)| id == case)
            .expect("the case ran");
        assert_eq!(*verdict, Verdict::Fail, "{bug} on {text}: {message}");
        assert!(
            message.starts_with("accepted") || message.starts_with("desync"),
            "{bug} on {text}: {message}"
        );
    }
}
