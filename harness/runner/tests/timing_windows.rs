//! Regression (issue 10, "timing windows closed"): where a server's idle
//! timeout could pass for the behaviour a case checks, it no longer does.
//! Every server here has a 200 ms idle timeout, shorter than what the runner
//! calls "promptly" (250 ms), so a close on silence comes in time: the
//! correct server passes each case, and a server that only looks right
//! because of that timeout fails the case that targets it.

#[path = "support/per_spec.rs"]
mod per_spec;

use std::time::Duration;

use framecheck_framing::Spec;
use framecheck_runner::{self as runner, Collect, Options, Verdict};
use framecheck_servers::{self as server, Bug, ServerConfig};
use per_spec::per_spec;

/// One spec per strategy that has the cut the cases need.
const SPECS: [&str; 6] = [
    "fixed:16",
    "line",
    "crlf",
    "u16be,max=4KiB",
    "tagged:A=4/B=0/V=u16be,max=1KiB",
    "eof",
];

const EOF_CASES: [&str; 5] = [
    "eof/after-connect",
    "eof/after-messages",
    "eof/mid-header",
    "eof/mid-payload",
    "eof/mid-delimiter",
];

const HALF_CLOSE_CASES: [&str; 3] = [
    "half-close/pending-replies",
    "half-close/mid-message",
    "half-close/eof-message",
];

/// The idle timeout of every server here.
const IDLE: Duration = Duration::from_millis(200);

/// `cases` against a fresh server with `bug` and a 200 ms idle timeout:
/// the cases that apply, each with its verdict and message.
fn verdicts(spec: &Spec, bug: Option<Bug>, cases: &[&str]) -> Vec<(String, Verdict, String)> {
    verdicts_idle(spec, bug, IDLE, cases)
}

/// Like [`verdicts`], with the idle timeout `idle`.
fn verdicts_idle(
    spec: &Spec,
    bug: Option<Bug>,
    idle: Duration,
    cases: &[&str],
) -> Vec<(String, Verdict, String)> {
    let mut config = ServerConfig::new(spec.clone());
    config.bug = bug;
    config.idle_timeout = idle;
    let server = server::spawn(config).expect("spawn server");
    let options = Options {
        cases: cases.iter().map(|s| (*s).to_owned()).collect(),
        ..Options::default()
    };
    let mut events = Collect::default();
    runner::run(server.local_addr(), spec, &options, &mut events).expect("run");
    server.shutdown();
    events
        .results()
        .filter(|r| {
            (cases.contains(&r.id.as_str()) && r.verdict != Verdict::Skip)
                || r.id == runner::BEFORE_SUITE
        })
        .map(|r| (r.id.clone(), r.verdict, r.message.clone()))
        .collect()
}

/// For each spec: the correct server passes every applicable case of
/// `cases`, and each of `bugs` fails every one. Returns the mismatches.
fn correct_passes_buggy_fails(cases: &[&str], bugs: &[Bug]) -> Vec<String> {
    per_spec(&SPECS, |text| {
        let spec: Spec = text.parse().expect("spec");
        let mut wrong = Vec::new();
        let correct = verdicts(&spec, None, cases);
        wrong.extend(
            correct
                .iter()
                .filter(|(_, v, _)| *v != Verdict::Pass)
                .map(|r| format!("{text}, correct server: {r:?}")),
        );
        for bug in bugs {
            let buggy = verdicts(&spec, Some(*bug), cases);
            if *bug == Bug::IgnoresEofShortIdle && text == "eof" {
                // Every `eof` message ends with the EOF this server ignores:
                // it answers nothing, and fails the probe before any case.
                let probe = buggy.iter().find(|(id, _, _)| id == runner::BEFORE_SUITE);
                if probe.is_none_or(|(_, v, _)| *v != Verdict::Fail) {
                    wrong.push(format!("{text}, {bug}: passed the probe: {buggy:?}"));
                }
                continue;
            }
            if buggy.len() != correct.len() {
                wrong.push(format!(
                    "{text}, {bug}: {} cases ran, {} against the correct server",
                    buggy.len(),
                    correct.len()
                ));
            }
            wrong.extend(
                buggy
                    .iter()
                    .filter(|(_, v, _)| *v != Verdict::Fail)
                    .map(|r| format!("{text}, {bug}: {r:?}")),
            );
        }
        wrong
    })
    .concat()
}

/// "Ignores EOF with a 200 ms idle timeout": its close comes within
/// "promptly" of the client's EOF, but it closes a connection that sent
/// the same bytes and no EOF just as soon.
#[test]
fn eof_cases_fail_a_server_that_ignores_eof_and_times_out_idle_clients() {
    let wrong = correct_passes_buggy_fails(&EOF_CASES, &[Bug::IgnoresEofShortIdle]);
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// A server that sends its FIN 600 ms after the replies to a half-closed
/// connection (within the 1 s the old check allowed), and one that closes
/// it only on its 200 ms idle timeout.
#[test]
fn half_close_cases_fail_a_late_fin() {
    let wrong = correct_passes_buggy_fails(
        &HALF_CLOSE_CASES,
        &[Bug::DelaysFinAfterHalfClose, Bug::IgnoresEofShortIdle],
    );
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// A server that serves one client at a time, with a 200 ms idle timeout:
/// it would drop a stalled client and then serve the others in time, but
/// the stalled client keeps trickling bytes of its message.
#[test]
fn stalled_client_fails_one_client_at_a_time_with_a_short_idle_timeout() {
    let wrong =
        correct_passes_buggy_fails(&["concurrency/stalled-client"], &[Bug::OneClientAtATime]);
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// The control connection of the `eof/*` and `half-close/*` cases must not
/// turn them into concurrency checks: a server that serves one client at a
/// time, but handles EOF correctly, serves the client first (the control
/// waits in the backlog) and passes them.
#[test]
fn eof_and_half_close_cases_pass_a_server_that_serves_one_client_at_a_time() {
    let cases = [&EOF_CASES[..], &HALF_CLOSE_CASES[..]].concat();
    let wrong: Vec<String> = per_spec(&SPECS, |text| {
        let spec: Spec = text.parse().expect("spec");
        let got = verdicts(&spec, Some(Bug::OneClientAtATime), &cases);
        let mut wrong: Vec<String> = got
            .iter()
            .filter(|(_, v, _)| *v != Verdict::Pass)
            .map(|r| format!("{text}: {r:?}"))
            .collect();
        if got.is_empty() {
            wrong.push(format!("{text}: no case ran"));
        }
        wrong
    })
    .concat();
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// An idle timeout so short (30 ms) that the control connection is closed
/// within the margin of the client's EOF: whether the server handles the
/// EOF cannot be told, so `eof/mid-payload` is not exercised, neither a
/// pass nor a fail, for the correct server and the EOF-ignoring one alike.
#[test]
fn a_too_short_idle_timeout_leaves_eof_cases_not_exercised() {
    let spec: Spec = "line".parse().expect("spec");
    for bug in [None, Some(Bug::IgnoresEofShortIdle)] {
        let got = verdicts_idle(&spec, bug, Duration::from_millis(30), &["eof/mid-payload"]);
        assert!(
            matches!(&got[..], [(_, Verdict::NotExercised, m)] if m.contains("too short")),
            "{bug:?}: {got:?}"
        );
    }
}
