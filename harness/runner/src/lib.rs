//! The conformance runner: point it at a TCP server, get a verdict per case.
//!
//! [`run`] checks a server against the [catalogue](catalogue()) generated
//! from its framing spec, with echo as the oracle (each message comes back
//! framed the same), and emits [`RunEvent`]s to a [`Reporter`]; the
//! reports (`framecheck-report`) render them, and its `Terminal` is the
//! human one. It is a library call, so a Rust test can start its server, run
//! the suite and assert on the [`Summary`]:
//!
//! ```no_run
//! use framecheck_runner::{self as runner, Collect, Options};
//! let addr = "127.0.0.1:4000".parse()?;
//! let spec = "u16be".parse()?;
//! let mut events = Collect::default();
//! let summary = runner::run(addr, &spec, &Options::default(), &mut events)?;
//! assert!(summary.conformant(), "{:#?}", events.results().filter(|r| r.verdict.name() == "fail").collect::<Vec<_>>());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A run, step by step:
//!
//! 1. a liveness probe (fresh connection, one valid exchange); if it fails
//!    the target is unreachable: every case is `not-run`, exit code 2;
//! 2. each selected case, in catalogue order, under its own deadline, then
//!    a liveness probe; the first case after which the server stops
//!    answering fails with the cause "target died" and the rest are `not-run`;
//! 3. the summary, whose exit code is 0 conformant, 1 non-conformant, 2 not
//!    judged, 4 no case selected ([`framecheck_event::exit`]).

pub mod catalogue;
mod conn;
pub mod delivery;
mod error;
mod exec;
mod glob;
mod http;
pub mod messages;
pub mod profile;
mod rng;
mod timing;

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use framecheck_framing::Spec;

use crate::profile::Profile;

pub use catalogue::{Case, Mode, catalogue};
pub use delivery::Pieces;
pub use error::Error;
pub use exec::ReplaySchedule;
/// The run's vocabulary (events, verdicts, evidence, exit codes), re-exported
/// from `framecheck-event` so a library user needs one import.
pub use framecheck_event::{
    self as event, Boundaries, Bytes, CaseResult, Collect, ConnEnd, ConnLog, Evidence, Fanout,
    Reporter, RunEvent, Step, Summary, Verdict, exit,
};
pub use timing::Limits;

/// What to run and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// Every random choice derives from this.
    pub seed: u64,
    /// Multiplies every deadline (2.0 for a slow machine).
    pub time_scale: f64,
    /// Select cases whose id matches any of these globs (all if empty).
    pub cases: Vec<String>,
    /// Then drop cases matching any of these globs.
    pub skip: Vec<String>,
    /// Trials of `boundary/random-schedules`.
    pub trials: usize,
    /// Cycles of `churn/connect-cycles`.
    pub churn_cycles: usize,
    /// Rerun one randomized trial with this schedule (from a replay line).
    pub replay: Option<ReplaySchedule>,
    /// How the replay line names the program (`framecheck`).
    pub program: String,
    /// Talk the profile's protocol instead of expecting an echo: messages
    /// are its exchanges, replies are checked against its expectations, and
    /// its opener starts every connection. The `spec` given to [`run`] must
    /// then be the profile's request framing.
    pub profile: Option<Arc<Profile>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            seed: 0,
            time_scale: 1.0,
            cases: Vec::new(),
            skip: Vec::new(),
            trials: 12,
            churn_cycles: 2000,
            replay: None,
            program: "framecheck".to_owned(),
            profile: None,
        }
    }
}

/// The cases `options` selects from `spec`'s catalogue.
pub fn select(spec: &Spec, options: &Options) -> Vec<Case> {
    catalogue(spec)
        .into_iter()
        .map(|mut c| {
            if options.profile.is_some() {
                c.requirement = profile_requirement(&c.requirement);
            }
            if options.profile.is_some() && c.skip.is_none() {
                if let Some((_, why)) = PROFILE_SKIPS.iter().find(|(g, _)| glob::matches(g, &c.id))
                {
                    c.skip = Some((*why).to_owned());
                }
            }
            if catalogue::is_http(spec) && c.skip.is_none() {
                if let Some((_, why)) = HTTP_SKIPS.iter().find(|(g, _)| glob::matches(g, &c.id)) {
                    c.skip = Some((*why).to_owned());
                }
            }
            c
        })
        .filter(|c| {
            options.cases.is_empty() || options.cases.iter().any(|g| glob::matches(g, &c.id))
        })
        .filter(|c| !options.skip.iter().any(|g| glob::matches(g, &c.id)))
        .collect()
}

/// A requirement written for echo, said for a profile: the reply a message
/// must get is the one its exchange expects.
fn profile_requirement(echo: &str) -> String {
    [
        (
            "is echoed back as the same message",
            "gets the reply its exchange expects",
        ),
        (
            "are each echoed back",
            "each get the reply their exchange expects",
        ),
        (
            "get every message echoed back",
            "get a reply to every message",
        ),
        ("is echoed back whole", "gets its expected reply"),
        ("are echoed back whole", "get their expected replies"),
        ("is echoed back as such", "gets its expected reply"),
    ]
    .iter()
    .fold(echo.to_owned(), |text, (from, to)| text.replace(from, to))
}

/// Cases a profile cannot run, and why: they need payloads of a chosen size,
/// and a profile's messages are its exchanges, with short replies.
const PROFILE_SKIPS: [(&str, &str); 3] = [
    (
        "boundary/large-message",
        "needs a message larger than the socket buffers; a profile's messages are its exchanges",
    ),
    (
        "boundary/slow-reader",
        "needs replies larger than the socket buffers; a profile's replies are short",
    ),
    (
        "boundary/empty-payload/*",
        "needs an empty payload; a profile's messages are its exchanges",
    ),
];

/// Echo-style cases whose oracle HTTP/1.1 does not share, and why: the
/// `http/*` cases judge the same situation by HTTP's rules.
const HTTP_SKIPS: [(&str, &str); 2] = [
    (
        "eof/mid-payload",
        "HTTP: a server MAY answer an incomplete request with an error status before closing (RFC 9112 section 8), or answer a request before reading its body; http/eof/mid-body judges that",
    ),
    (
        "half-close/mid-message",
        "HTTP: a server MAY answer an incomplete request with an error status before closing (RFC 9112 section 8), or answer a request before reading its body; http/eof/mid-head and http/eof/mid-body judge that",
    ),
];

/// Run the selected cases against the server at `addr`, reporting every
/// event to `reporter`, and return the summary.
pub fn run(
    addr: SocketAddr,
    spec: &Spec,
    options: &Options,
    reporter: &mut dyn Reporter,
) -> Result<Summary, Error> {
    if !(options.time_scale.is_finite() && options.time_scale > 0.0) {
        return Err(Error::TimeScale {
            value: options.time_scale,
        });
    }
    let mut limits = Limits::scaled(options.time_scale);
    limits.target_local = delivery::on_this_machine(addr.ip());
    limits.confirm = limits.target_local && delivery::confirmation_is_cheap();
    let cases = select(spec, options);
    let started = Instant::now();
    let run_deadline = started + limits.run;
    reporter.event(&RunEvent::RunStarted {
        target: addr.to_string(),
        framing: match &options.profile {
            Some(p) => format!("profile {} ({} / {})", p.name, p.request, p.reply),
            None => spec.to_string(),
        },
        seed: options.seed,
        cases: cases.len(),
    });
    let mut summary = Summary::default();
    let mut stop: Option<String> = None;
    if !cases.is_empty() {
        match exec::probe(addr, spec, options.profile.as_ref(), limits) {
            Ok(()) => {}
            Err(exec::ProbeError::Unreachable(why)) => {
                let why = format!("the target at {addr} is unreachable: {why}");
                summary.aborted = Some(why.clone());
                stop = Some(why);
            }
            Err(exec::ProbeError::Failed { why, log }) => {
                // The server takes connections but fails one plain exchange:
                // that is a finding, reported as its own case.
                let result = before_suite(addr, spec, options, &why, log);
                summary.count(result.verdict);
                reporter.event(&RunEvent::CaseStarted {
                    id: result.id.clone(),
                });
                reporter.event(&RunEvent::CaseFinished(result));
                stop = Some("the server failed the liveness probe before the suite".to_owned());
            }
        }
    }
    for case in &cases {
        reporter.event(&RunEvent::CaseStarted {
            id: case.id.clone(),
        });
        let result = if let Some(why) = &stop {
            not_run(case, spec, options, addr, why)
        } else if let Some(why) = &case.skip {
            skipped(case, spec, options, addr, why)
        } else if Instant::now() >= run_deadline {
            let why = format!(
                "the run's deadline ({:.0} s) passed",
                limits.run.as_secs_f64()
            );
            summary.aborted.get_or_insert_with(|| why.clone());
            stop = Some(why.clone());
            not_run(case, spec, options, addr, &why)
        } else {
            let r = run_one(case, addr, spec, options, limits);
            if r.verdict == Verdict::Fail && r.message.starts_with("target died") {
                stop = Some(format!("the target died during {}", case.id));
            }
            r
        };
        summary.count(result.verdict);
        reporter.event(&RunEvent::CaseFinished(result));
    }
    summary.exit_code = summary.compute_exit_code();
    reporter.event(&RunEvent::RunFinished {
        summary: summary.clone(),
        duration: started.elapsed(),
    });
    Ok(summary)
}

fn run_one(
    case: &Case,
    addr: SocketAddr,
    spec: &Spec,
    options: &Options,
    limits: Limits,
) -> CaseResult {
    let t0 = Instant::now();
    let budget = if case.group == "churn" {
        limits.churn_case
    } else {
        limits.case
    };
    let mut ctx = exec::Ctx {
        addr,
        spec,
        maker: messages::Maker::with(spec, options.profile.as_ref()),
        rng: rng::Rng::for_case(options.seed, &case.id),
        seed: options.seed,
        t0,
        deadline: t0 + budget,
        limits,
        trials: options.trials,
        churn: options.churn_cycles,
        replay: options.replay.clone(),
        conns: Vec::new(),
        extra: exec::Extra::default(),
    };
    let outcome = exec::run_case(&mut ctx, case);
    let (mut verdict, mut message, expected, observed) = match outcome {
        Ok(()) => (Verdict::Pass, String::new(), String::new(), String::new()),
        Err(f) => (f.verdict, f.message, f.expected, f.observed),
    };
    if Instant::now() > ctx.deadline && verdict == Verdict::Pass {
        ctx.extra.notes.push(format!(
            "the case overran its {:.1} s deadline",
            budget.as_secs_f64()
        ));
    }
    let mut extra = std::mem::take(&mut ctx.extra);
    if !limits.confirm && limits.target_local && case.group == "boundary" {
        extra.notes.push(format!(
            "piece boundaries were not confirmed (the socket table was too large to watch cheaply); pieces were {} apart",
            event::Ms(limits.pause)
        ));
    }
    let mut conns = std::mem::take(&mut ctx.conns);
    if let Err(e) = exec::probe(addr, spec, options.profile.as_ref(), limits) {
        let why = e.why().to_owned();
        let before = if verdict == Verdict::Pass {
            String::new()
        } else {
            format!(" (the case itself: {message})")
        };
        verdict = Verdict::Fail;
        message = format!("target died: the server stopped answering after this case{before}");
        extra
            .notes
            .push(format!("liveness probe after the case: {why}"));
        if let exec::ProbeError::Failed { log, .. } = e {
            conns.push(log);
        }
    }
    let evidence = Evidence {
        seed: options.seed,
        expected,
        observed,
        connections: conns,
        notes: extra.notes,
        original_schedule: extra.original_schedule,
        shrunk_schedule: extra.shrunk_schedule,
    };
    CaseResult {
        id: case.id.clone(),
        group: case.group.to_owned(),
        requirement: case.requirement.clone(),
        verdict,
        message,
        evidence,
        replay: replay_line(options, addr, spec, &case.id, &extra.replay_args),
        duration: t0.elapsed(),
    }
}

/// The id of the liveness probe before the suite, reported only when it fails.
pub const BEFORE_SUITE: &str = "liveness/before-suite";

fn before_suite(
    addr: SocketAddr,
    spec: &Spec,
    options: &Options,
    why: &str,
    log: ConnLog,
) -> CaseResult {
    CaseResult {
        id: BEFORE_SUITE.to_owned(),
        group: "liveness".to_owned(),
        requirement: if options.profile.is_some() {
            "a fresh connection gets one valid exchange answered (the liveness probe)"
        } else {
            "a fresh connection gets one valid message echoed back (the liveness probe)"
        }
        .to_owned(),
        verdict: Verdict::Fail,
        message: format!("the server failed the liveness probe before the suite: {why}"),
        evidence: Evidence {
            seed: options.seed,
            expected: if options.profile.is_some() {
                "one reply meeting the profile's expectation"
            } else {
                "one reply echoing the message"
            }
            .to_owned(),
            observed: why.to_owned(),
            connections: vec![log],
            ..Evidence::default()
        },
        replay: replay_line(options, addr, spec, "boundary/whole/lockstep", ""),
        duration: std::time::Duration::ZERO,
    }
}

fn skipped(case: &Case, spec: &Spec, options: &Options, addr: SocketAddr, why: &str) -> CaseResult {
    bare(case, spec, options, addr, Verdict::Skip, why)
}

fn not_run(case: &Case, spec: &Spec, options: &Options, addr: SocketAddr, why: &str) -> CaseResult {
    bare(case, spec, options, addr, Verdict::NotRun, why)
}

fn bare(
    case: &Case,
    spec: &Spec,
    options: &Options,
    addr: SocketAddr,
    verdict: Verdict,
    why: &str,
) -> CaseResult {
    CaseResult {
        id: case.id.clone(),
        group: case.group.to_owned(),
        requirement: case.requirement.clone(),
        verdict,
        message: why.to_owned(),
        evidence: Evidence {
            seed: options.seed,
            ..Evidence::default()
        },
        replay: replay_line(options, addr, spec, &case.id, ""),
        duration: std::time::Duration::ZERO,
    }
}

/// The one-line command that reruns exactly one case.
pub fn replay_line(
    options: &Options,
    addr: SocketAddr,
    spec: &Spec,
    id: &str,
    extra: &str,
) -> String {
    let framing = match &options.profile {
        Some(p) => format!("--profile {}", shell_quote(&p.origin)),
        None => format!("--framing {}", shell_quote(&spec.to_string())),
    };
    let mut line = format!(
        "{} replay {addr} {framing} --case {id} --seed {}",
        options.program, options.seed
    );
    if (options.time_scale - 1.0).abs() > f64::EPSILON {
        let _ = write!(line, " --time-scale {}", options.time_scale);
    }
    line.push_str(extra);
    line
}

/// Quote for a POSIX shell when needed.
fn shell_quote(s: &str) -> String {
    if s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b",.:=/+-_@%".contains(&b))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The runner's liveness probe on its own: a fresh connection and one valid
/// exchange (a synthesized echo message, or the profile's first exchange),
/// within `limits`. `Err` says why the server failed it (unreachable, or
/// the exchange went wrong). `framecheck fuzz` confirms a suspected crash
/// or hang with it.
pub fn liveness(
    addr: SocketAddr,
    spec: &Spec,
    profile: Option<&Arc<Profile>>,
    limits: Limits,
) -> Result<(), String> {
    exec::probe(addr, spec, profile, limits).map_err(|e| e.why().to_owned())
}
