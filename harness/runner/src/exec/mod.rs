//! Running one case against the live target.
//!
//! A case opens connections through [`Ctx`], which bounds every wait by the
//! case's deadline and keeps each connection's timeline for the evidence. A
//! server that misbehaves produces a [`Finding`] (a result, not an error).
//!
//! This file holds the context, the dispatcher ([`run_case`], which maps a
//! case's [`Action`] to its body) and the exchange helpers the cases share
//! (`session`, `session_on`, `compare`, `expect_fin`). Each case group's
//! body lives in its own file:
//!
//! - `boundary.rs`: `boundary/*`, messages cut at chosen or random points,
//!   a large message, a slow reader;
//! - `eof.rs`: `eof/*`, the client's EOF after nothing, after messages or
//!   inside one;
//! - `half_close.rs`: `half-close/*`, replies still flow after the client's
//!   `shutdown(SHUT_WR)`;
//! - `reset.rs`: `reset/*`, the server survives a client's RST;
//! - `limits.rs`: `limits/*`, the idle timeout;
//! - `refusal.rs`: a frame the server must refuse, and how it refused
//!   (the `limits/*` refusals);
//! - `concurrency.rs`: `concurrency/*` and `churn/*`, several connections
//!   at once;
//! - `probe.rs`: the liveness probe run before the first case and after
//!   each one.

mod boundary;
mod concurrency;
mod eof;
mod half_close;
mod http;
mod limits;
mod probe;
mod refusal;
mod reset;
#[cfg(test)]
mod test_server;

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use framecheck_event::{Boundaries, ConnLog, Ms, Verdict};
use framecheck_framing::{Kind, Spec};

use super::catalogue::{
    Action, Case, Mode, SPLIT_ATTEMPTS, header_cut_point, malformed_length_message,
    signed_length_message,
};
use super::conn::{Conn, Wait, Watched};
use super::delivery::Pieces;
use super::messages::Maker;
use super::rng::Rng;
use super::timing::Limits;

use boundary::{boundary_sessions, large_message, random_schedules, slow_reader};
use concurrency::{churn, many_clients, stalled_client};
use eof::eof_after;
use half_close::{half_close_eof_message, half_close_mid_message, half_close_pending};
use limits::idle_timeout;
pub(crate) use probe::{ProbeError, probe};
use refusal::{length_over_max, malformed_length, over_long_frame, unknown_tag};
use reset::{reset_mid_message, reset_while_writing};

/// A server misbehaving: what it should have done and what it did.
#[derive(Debug, Clone)]
pub(crate) struct Finding {
    pub(crate) verdict: Verdict,
    pub(crate) message: String,
    pub(crate) expected: String,
    pub(crate) observed: String,
}

impl Finding {
    /// The case ran, but its scenario did not happen: no verdict either way.
    fn not_exercised(
        message: impl Into<String>,
        expected: impl Into<String>,
        observed: impl Into<String>,
    ) -> Finding {
        Finding {
            verdict: Verdict::NotExercised,
            ..Finding::fail(message, expected, observed)
        }
    }

    fn fail(
        message: impl Into<String>,
        expected: impl Into<String>,
        observed: impl Into<String>,
    ) -> Finding {
        Finding {
            verdict: Verdict::Fail,
            message: message.into(),
            expected: expected.into(),
            observed: observed.into(),
        }
    }
}

/// A replay of a randomized case: which trial, and the schedule to use.
#[derive(Debug, Clone)]
pub struct ReplaySchedule {
    /// The trial number (its messages derive from the seed).
    pub trial: usize,
    /// The cuts, over the trial's messages.
    pub pieces: Pieces,
}

/// What a case body hands back besides the verdict.
#[derive(Debug, Default)]
pub(crate) struct Extra {
    pub(crate) notes: Vec<String>,
    pub(crate) original_schedule: Option<String>,
    pub(crate) shrunk_schedule: Option<String>,
    /// Extra replay arguments (`--trial 3 --schedule 5+1`).
    pub(crate) replay_args: String,
    /// The weakest piece-boundary confirmation over the case's connections
    /// (`None` before the first).
    pub(crate) boundaries: Option<Boundaries>,
}

/// The state of one running case.
pub(crate) struct Ctx<'a> {
    pub(crate) addr: SocketAddr,
    pub(crate) spec: &'a Spec,
    pub(crate) maker: Maker,
    pub(crate) rng: Rng,
    pub(crate) seed: u64,
    pub(crate) t0: Instant,
    pub(crate) deadline: Instant,
    pub(crate) limits: Limits,
    pub(crate) trials: usize,
    pub(crate) churn: usize,
    pub(crate) replay: Option<ReplaySchedule>,
    pub(crate) conns: Vec<ConnLog>,
    pub(crate) extra: Extra,
}

impl<'a> Ctx<'a> {
    /// `now + d`, but never past the case deadline.
    pub(crate) fn until(&self, d: Duration) -> Instant {
        (Instant::now() + d).min(self.deadline)
    }

    fn eof(&self) -> bool {
        self.spec.kind == Kind::Eof
    }

    fn connect(&mut self, label: &str) -> Result<Conn, Finding> {
        let deadline = self.until(self.limits.connect);
        let profile = self.maker.profile().cloned();
        let reply_spec = profile.as_ref().map_or(self.spec, |p| &p.reply);
        let mut conn = Conn::connect(
            self.addr,
            label,
            reply_spec,
            self.t0,
            deadline,
            &self.limits,
        )
        .map_err(|e| {
            self.conns.push(Conn::failed_log(label));
            Finding::fail(
                format!("could not connect: {e}"),
                "the server accepts a new connection",
                format!("connect failed: {e}"),
            )
        })?;
        if let Some(profile) = &profile {
            let deadline = self.until(self.limits.reply);
            if let Err(why) = conn.open_session(profile, deadline) {
                self.keep(conn.close());
                return Err(Finding::fail(
                    format!("session opener refused: {why}"),
                    "the server accepts the profile's session opener",
                    why,
                ));
            }
        }
        Ok(conn)
    }

    /// A context for a helper thread of this case: same target, limits and
    /// deadline, its own evidence.
    fn sub(&self, what: &str) -> Ctx<'a> {
        Ctx {
            addr: self.addr,
            spec: self.spec,
            maker: self.maker.clone(),
            rng: Rng::for_case(self.seed, what),
            seed: self.seed,
            t0: self.t0,
            deadline: self.deadline,
            limits: self.limits,
            trials: 0,
            churn: 0,
            replay: None,
            conns: Vec::new(),
            extra: Extra::default(),
        }
    }

    fn keep(&mut self, log: ConnLog) {
        self.extra.boundaries = Some(
            self.extra
                .boundaries
                .map_or(log.boundaries, |b| b.weakest(log.boundaries)),
        );
        // Bound the evidence of cases with many connections.
        if self.conns.len() < 24 {
            self.conns.push(log);
        }
    }

    fn note(&mut self, note: String) {
        // Bounded, and without repeats.
        if self.extra.notes.len() < 16 && !self.extra.notes.contains(&note) {
            self.extra.notes.push(note);
        }
    }
}

/// One connection's worth of messages and where to cut their concatenation.
#[derive(Debug, Clone)]
struct Session {
    msgs: Vec<Vec<u8>>,
    cuts: Vec<usize>,
}

impl Session {
    fn stream(&self) -> Vec<u8> {
        self.msgs.concat()
    }

    fn pieces(&self) -> Pieces {
        let stream_len = self.msgs.iter().map(Vec::len).sum();
        Pieces::from_cuts(stream_len, &self.cuts)
    }

    /// Cuts at every message boundary (each message its own write).
    fn each_whole(msgs: Vec<Vec<u8>>) -> Session {
        let cuts = ends(&msgs);
        Session { msgs, cuts }
    }

    /// Each message cut at the offset `cut_of(i)` inside it, plus the boundaries.
    fn cut_each(msgs: Vec<Vec<u8>>, cut_of: impl Fn(usize) -> usize) -> Session {
        let mut cuts = ends(&msgs);
        let mut start = 0;
        for (i, m) in msgs.iter().enumerate() {
            cuts.push(start + cut_of(i));
            start += m.len();
        }
        Session { msgs, cuts }
    }
}

fn ends(msgs: &[Vec<u8>]) -> Vec<usize> {
    msgs.iter()
        .scan(0, |at, m| {
            *at += m.len();
            Some(*at)
        })
        .collect()
}

/// Run `case`'s body. The liveness probe after it is the caller's.
///
/// A boundary case that cuts messages and passes with some piece boundary
/// unconfirmed runs again (same messages and cuts, a pacing budget of a
/// full [`SETTLE`](super::delivery::SETTLE) per piece), up to
/// [`SPLIT_ATTEMPTS`] times; still unconfirmed, it warns instead of passing.
pub(crate) fn run_case(ctx: &mut Ctx<'_>, case: &Case) -> Result<(), Finding> {
    if !cuts_messages(case.action) {
        return run_body(ctx, case);
    }
    let mut history = Vec::new();
    for attempt in 1..=SPLIT_ATTEMPTS {
        if attempt > 1 {
            // Start afresh: same messages, fresh evidence, patient pacing.
            ctx.conns.clear();
            ctx.extra = Extra::default();
            ctx.rng = Rng::for_case(ctx.seed, &case.id);
            ctx.limits.pacer_budget = super::delivery::RETRY_PACER_BUDGET;
        }
        let r = run_body(ctx, case);
        let weakest = ctx.extra.boundaries.unwrap_or(Boundaries::NotApplicable);
        let unconfirmed = matches!(weakest, Boundaries::Likely | Boundaries::NotGuaranteed);
        // A server on another machine: its receive queue cannot be seen, so
        // "acknowledged, then a pause" is the best any piece can get.
        let best_possible = weakest == Boundaries::Likely && !ctx.limits.target_local;
        if best_possible {
            ctx.note(format!(
                "piece boundaries are likely, not confirmed: the server's socket is not on this machine, so its receive queue cannot be read; each piece was acknowledged, then followed by a {} pause",
                Ms(ctx.limits.pause)
            ));
        }
        if r.is_err() || !unconfirmed || best_possible {
            if !history.is_empty() {
                ctx.note(format!(
                    "attempt {attempt}: {}; re-run because piece boundaries were not confirmed on {}",
                    if r.is_ok() {
                        "every boundary confirmed"
                    } else {
                        "failed"
                    },
                    history.join(", ")
                ));
            }
            return r;
        }
        history.push(format!(
            "attempt {attempt} ({})",
            if weakest == Boundaries::Likely {
                "paused, not confirmed"
            } else {
                "not guaranteed"
            }
        ));
        if !ctx.limits.confirm || Instant::now() >= ctx.deadline {
            break;
        }
    }
    Err(Finding::not_exercised(
        "piece boundaries not confirmed, the split was not tested",
        "every piece reaches the server as its own read (confirmed), and the replies are right",
        format!(
            "the replies were right, but piece boundaries were not confirmed on {}{}",
            history.join(", "),
            if ctx.limits.confirm {
                ""
            } else {
                " (confirmation is not available on this machine)"
            }
        ),
    ))
}

/// Whether a case's verdict rests on cuts inside or between messages
/// reaching the server as separate reads.
fn cuts_messages(action: Action) -> bool {
    matches!(
        action,
        Action::Whole
            | Action::ByteAtATime
            | Action::SplitEveryPoint
            | Action::SplitLengthField
            | Action::SplitDelimiter
            | Action::SplitAfterTag
            | Action::Straddle
            | Action::EmptyPayload
            | Action::RandomSchedules
    )
}

fn run_body(ctx: &mut Ctx<'_>, case: &Case) -> Result<(), Finding> {
    match case.action {
        Action::Whole
        | Action::ByteAtATime
        | Action::SplitEveryPoint
        | Action::SplitLengthField
        | Action::SplitDelimiter
        | Action::SplitAfterTag
        | Action::Coalesced
        | Action::Straddle
        | Action::EmptyPayload => {
            let sessions = boundary_sessions(ctx, case.action);
            run_sessions(ctx, &sessions, case.mode)
        }
        Action::RandomSchedules => random_schedules(ctx, case.mode),
        Action::LargeMessage => large_message(ctx),
        Action::SlowReader => slow_reader(ctx),
        Action::EofAfterConnect => eof_after(ctx, &[], &[]),
        Action::EofAfterMessages => {
            let msgs = ctx.maker.batch(&mut ctx.rng, 2, 16);
            eof_after(ctx, &msgs, &[])
        }
        Action::EofMidHeader => {
            let (m, cut) = header_cut_point(ctx.spec).ok_or_else(no_applicable)?;
            eof_after(ctx, &[], &m[..cut])
        }
        Action::EofMidPayload => {
            let m = ctx.maker.body_message(1, 16);
            let l = ctx.maker.layout(&m);
            let cut = if ctx.spec.delimiter().is_some() {
                l.body_end
            } else {
                l.head + (l.body_end - l.head) / 2
            };
            eof_after(ctx, &[], &m[..cut])
        }
        Action::EofMidDelimiter => {
            let m = ctx.maker.message(1, 16);
            let l = ctx.maker.layout(&m);
            eof_after(ctx, &[], &m[..=l.body_end])
        }
        Action::HalfClosePending => half_close_pending(ctx),
        Action::HalfCloseMidMessage => half_close_mid_message(ctx),
        Action::HalfCloseEofMessage => half_close_eof_message(ctx),
        Action::ResetMidMessage => reset_mid_message(ctx),
        Action::ResetWhileWriting => reset_while_writing(ctx),
        Action::LengthOverMax => length_over_max(ctx),
        Action::SignedLength => {
            let msg = signed_length_message(ctx.spec).map_err(|_| no_applicable())?;
            malformed_length(ctx, msg, "a length written with a sign")
        }
        Action::NonDigitLength | Action::LeadingZeroLength | Action::TooManyDigits => {
            let msg =
                malformed_length_message(ctx.spec, case.action).map_err(|_| no_applicable())?;
            let what = match case.action {
                Action::NonDigitLength => "a length with a non-digit in it",
                Action::LeadingZeroLength => "a length with a forbidden leading zero",
                _ => "a length with too many digits",
            };
            malformed_length(ctx, msg, what)
        }
        Action::OverLongFrame => over_long_frame(ctx),
        Action::UnknownTag => unknown_tag(ctx),
        Action::TooManyElements | Action::TooDeep | Action::NegativeLength => {
            refusal::resp_limit(ctx, case.action)
        }
        Action::IdleTimeout => idle_timeout(ctx),
        Action::StalledClient => stalled_client(ctx),
        Action::ManyClients => many_clients(ctx),
        Action::ChurnCycles => churn(ctx),
        Action::Http(i) => http::run(ctx, &crate::http::CASES[i]),
    }
}

fn no_applicable() -> Finding {
    Finding {
        verdict: Verdict::Skip,
        message: "not applicable to this framing".to_owned(),
        expected: String::new(),
        observed: String::new(),
    }
}

fn run_sessions(ctx: &mut Ctx<'_>, sessions: &[Session], mode: Mode) -> Result<(), Finding> {
    if sessions.is_empty() || sessions.iter().all(|s| s.msgs.is_empty()) {
        return Err(no_applicable());
    }
    for (i, s) in sessions.iter().enumerate() {
        let label = if sessions.len() == 1 {
            "client".to_owned()
        } else {
            format!("client {}", i + 1)
        };
        session(ctx, &label, s, mode)?;
    }
    Ok(())
}

/// Run one session on a fresh connection and check the echo.
fn session(ctx: &mut Ctx<'_>, label: &str, s: &Session, mode: Mode) -> Result<(), Finding> {
    let mut conn = ctx.connect(label)?;
    let result = session_on(ctx, &mut conn, s, mode);
    ctx.keep(conn.close());
    result
}

fn session_on(ctx: &mut Ctx<'_>, conn: &mut Conn, s: &Session, mode: Mode) -> Result<(), Finding> {
    let stream = s.stream();
    let pieces = s.pieces();
    let count = s.msgs.len();
    let pause = ctx.limits.pause;
    if ctx.eof() {
        // The message ends at our shutdown; its reply, then the server's EOF.
        if let Err(e) = conn.send(&stream, &pieces, pause, ctx.until(ctx.limits.reply * 4)) {
            ctx.note(format!("write failed: {e}"));
        }
        conn.shutdown_write();
        let wait = conn.read_to_end(ctx.until(ctx.limits.reply));
        compare(conn, &s.msgs, &wait)?;
        return expect_fin(conn, &wait, "after its reply");
    }
    match mode {
        Mode::Lockstep => {
            let ends = ends(&s.msgs);
            let (mut pos, mut done) = (0, 0);
            let mut replied = true;
            for (i, size) in pieces.0.iter().enumerate() {
                // A piece boundary: a reply proved the server read what came
                // before; otherwise let the last piece land first.
                if i > 0 {
                    if replied {
                        conn.boundary_confirmed_by_reply();
                    } else {
                        conn.settle(ctx.until(ctx.limits.reply));
                    }
                }
                replied = false;
                let piece = &stream[pos..pos + size];
                if let Err(e) = conn.send(
                    piece,
                    &Pieces::whole(*size),
                    pause,
                    ctx.until(ctx.limits.reply),
                ) {
                    // The server closed or reset: read what it sent, stop sending.
                    ctx.note(format!("write failed: {e}"));
                    let wait = conn.read_frames(s.msgs.len(), ctx.until(ctx.limits.reply));
                    return compare(conn, &s.msgs, &wait);
                }
                pos += size;
                let complete = ends.iter().filter(|&&e| e <= pos).count();
                if complete > done {
                    let wait = conn.read_frames(complete, ctx.until(ctx.limits.reply));
                    if wait != Wait::Done {
                        return compare(conn, &s.msgs[..complete], &wait);
                    }
                    done = complete;
                    replied = true;
                }
            }
            compare(conn, &s.msgs, &Wait::Done)
        }
        Mode::Pipelined | Mode::Single => {
            let settle =
                super::delivery::SETTLE * u32::try_from(pieces.0.len()).unwrap_or(u32::MAX);
            let deadline = ctx.until(ctx.limits.reply + settle);
            let (sent, wait) =
                conn.send_while_reading(&stream, &pieces, pause, count, deadline, false);
            if let Err(e) = sent {
                ctx.note(format!("write failed: {e}"));
            }
            compare(conn, &s.msgs, &wait)
        }
    }
}

/// Check the replies against the messages: same frames, same order, nothing more.
fn compare(conn: &Conn, msgs: &[Vec<u8>], wait: &Wait) -> Result<(), Finding> {
    let frames = conn.frames();
    let expected = match (conn.has_profile(), msgs.len()) {
        (true, 1) => "one reply meeting the profile's expectation".to_owned(),
        (true, n) => format!("{n} replies meeting the profile's expectations, in order"),
        (false, 1) => "one reply echoing the message".to_owned(),
        (false, n) => format!("{n} replies echoing the {n} messages, in order"),
    };
    for (i, (got, want)) in frames.iter().zip(msgs).enumerate() {
        if let Err(why) = conn.reply_matches(got, want) {
            return Err(Finding::fail(
                if conn.has_profile() {
                    format!(
                        "reply {} of {} does not answer its message",
                        i + 1,
                        msgs.len()
                    )
                } else {
                    format!("reply {} of {} differs from its message", i + 1, msgs.len())
                },
                expected,
                format!("reply {}: {why}", i + 1),
            ));
        }
    }
    if frames.len() < msgs.len() {
        let mut observed = format!(
            "{} of {} replies, then {}",
            frames.len(),
            msgs.len(),
            wait.describe()
        );
        if conn.partial_reply() > 0 {
            let _ = write!(
                observed,
                " ({} bytes of a partial reply)",
                conn.partial_reply()
            );
        }
        if let Some(e) = &conn.reply_error {
            let _ = write!(observed, "; replies: {e}");
        }
        let message = match wait {
            Wait::Timeout => format!("reply {} of {} never came", frames.len() + 1, msgs.len()),
            _ => format!(
                "reply {} of {} missing: {}",
                frames.len() + 1,
                msgs.len(),
                wait.describe()
            ),
        };
        return Err(Finding::fail(message, expected, observed));
    }
    if conn.frame_count() > msgs.len() as u64 {
        return Err(Finding::fail(
            "more replies than messages",
            expected,
            format!("{} replies to {} messages", conn.frame_count(), msgs.len()),
        ));
    }
    Ok(())
}

/// After the replies, the connection must have ended with the server's FIN.
fn expect_fin(conn: &Conn, wait: &Wait, when: &str) -> Result<(), Finding> {
    match wait {
        Wait::Fin => Ok(()),
        other => Err(Finding::fail(
            format!("the server did not close {when}"),
            format!("the server's EOF {when}"),
            format!(
                "{} ({} bytes received)",
                other.describe(),
                conn.received_total()
            ),
        )),
    }
}

/// Connect the client, then its control connection (the same bytes, no
/// EOF), and run `body` on both; both logs are kept however it ends. The
/// client connects first, so a server that serves one connection at a time
/// serves it (the control waits, unjudged, until the client is done).
fn client_and_control(
    ctx: &mut Ctx<'_>,
    body: impl FnOnce(&mut Ctx<'_>, &mut Conn, &mut Conn) -> Result<(), Finding>,
) -> Result<(), Finding> {
    let mut conn = ctx.connect("client")?;
    let mut control = match ctx.connect("control (the same bytes, no EOF)") {
        Ok(c) => c,
        Err(f) => {
            ctx.keep(conn.close());
            return Err(f);
        }
    };
    let result = body(ctx, &mut conn, &mut control);
    ctx.keep(conn.close());
    ctx.keep(control.close());
    result
}

/// How much longer than the connection under test a control connection
/// must stay open for the close of the first to count as the server's
/// reaction to what only the first received (our EOF): the tolerance for
/// scheduling jitter between two idle timers that fire together (on a
/// loaded machine, threads of the same server wake tens of milliseconds
/// apart).
fn control_margin(limits: &Limits) -> Duration {
    limits.prompt * 2 / 5
}

/// Run `body`, which ends the connection under test and returns when the
/// server ended it (`None`: it did not), while a second thread watches the
/// silent `control` connection until [`control_margin`] after that moment
/// (or not at all when there is none).
fn with_control<T>(
    control: &mut Conn,
    margin: Duration,
    deadline: Instant,
    body: impl FnOnce() -> (T, Option<Instant>),
) -> (T, Watched) {
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    std::thread::scope(|s| {
        let watcher =
            s.spawn(move || control.trickle_until(&[], Duration::ZERO, &stopped, deadline));
        let (out, ended) = body();
        if let Some(ended) = ended {
            let until = (ended + margin).min(deadline);
            while !watcher.is_finished() && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        drop(stop);
        let seen = watcher.join().unwrap_or_else(|_| Watched {
            written: 0,
            last_written: None,
            write_error: Some("the watching thread panicked".to_owned()),
            ended: None,
        });
        (out, seen)
    })
}

/// `at` relative to `from`, for evidence: "12 ms after" or "3 ms before".
fn relative(at: Instant, from: Instant) -> String {
    if at >= from {
        format!("{} after", Ms(at - from))
    } else {
        format!("{} before", Ms(from - at))
    }
}

/// The server ended the connection under test at `ended`, within
/// "promptly" of `from` (our EOF, or the last reply after it). Judge that
/// close against `control`, a connection that got the same bytes but no
/// EOF: if the server ended it too by [`control_margin`] after `ended`,
/// both closes came from an idle timeout, and the close was no reaction to
/// the EOF (a fail), unless both came too soon after `from` to tell apart
/// (not exercised).
///
/// `since` names the moment `from` ("the client's EOF", "the last reply").
fn judge_against_control(
    ctx: &mut Ctx<'_>,
    (from, since): (Instant, &str),
    ended: Instant,
    control: &Watched,
    expected: &str,
) -> Result<(), Finding> {
    let margin = control_margin(&ctx.limits);
    let took = ended.saturating_duration_since(from);
    match &control.ended {
        Some((how, at)) if *at <= ended + margin => {
            let observed = format!(
                "this connection ended {} {since}; the control connection (the same bytes, no EOF): {} {} {since}",
                relative(ended, from),
                how.describe(),
                relative(*at, from)
            );
            if took < margin {
                Err(Finding::not_exercised(
                    format!(
                        "the server also closed a connection that sent no EOF, within {} of {since}: its idle timeout is too short to tell a close on EOF from a close on silence",
                        Ms(margin)
                    ),
                    expected,
                    observed,
                ))
            } else {
                Err(Finding::fail(
                    format!(
                        "the close {} after {since} was an idle timeout: the server closed a connection with the same bytes and no EOF {} {since} too",
                        Ms(took),
                        relative(*at, from)
                    ),
                    expected,
                    observed,
                ))
            }
        }
        Some((how, at)) => {
            ctx.note(format!(
                "the control connection (the same bytes, no EOF) ended only {} {since}: {}",
                relative(*at, from),
                how.describe()
            ));
            Ok(())
        }
        None => {
            ctx.note(format!(
                "the control connection (the same bytes, no EOF) was still open {} {since}, {} after this one closed",
                relative(Instant::now(), from),
                Ms(Instant::now().saturating_duration_since(ended))
            ));
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_server::{Serve, run, run_noted, server};
    use super::*;

    #[test]
    fn unconfirmed_splits_warn_instead_of_passing() {
        let spec: Spec = "line".parse().expect("spec");
        let addr = server(Serve::EchoLines);
        let id = "boundary/byte-at-a-time/lockstep";
        // Confirmation off: nothing can confirm the cuts, so no pass.
        let off = Limits {
            confirm: false,
            ..Limits::scaled(1.0)
        };
        let got = run(addr, &spec, id, off);
        let Err(f) = got else {
            panic!("confirmation_off: passed with unconfirmed boundaries");
        };
        assert_eq!(f.verdict, Verdict::NotExercised, "confirmation_off: {f:?}");
        assert!(f.message.contains("not confirmed"), "{f:?}");
        // Confirmation on (retried with patient pacing if need be): a pass.
        let got = run(addr, &spec, id, Limits::scaled(1.0));
        assert!(got.is_ok(), "confirmation_on: {got:?}");
    }

    #[test]
    fn a_server_on_another_machine_passes_on_likely_boundaries_and_says_so() {
        let spec: Spec = "line".parse().expect("spec");
        let addr = server(Serve::EchoLines);
        let id = "boundary/byte-at-a-time/lockstep";
        // What `run` sets for a target whose socket is not on this machine:
        // no confirmation (its queue cannot be read), and "likely" is the
        // best any boundary can get.
        let remote = Limits {
            confirm: false,
            target_local: false,
            ..Limits::scaled(1.0)
        };
        let (got, notes) = run_noted(addr, &spec, id, remote, remote.case, 0);
        assert!(got.is_ok(), "{got:?}");
        assert!(
            notes
                .iter()
                .any(|n| n.contains("likely") && n.contains("not on this machine")),
            "{notes:?}"
        );
        // The same boundaries on a server of this machine are not a pass.
        let local = Limits {
            confirm: false,
            ..Limits::scaled(1.0)
        };
        let (got, _) = run_noted(addr, &spec, id, local, local.case, 0);
        assert!(got.is_err(), "local, unconfirmed: passed");
    }

    #[test]
    fn this_machine_is_loopback_and_its_own_addresses_only() {
        use std::net::IpAddr;
        let yes: [IpAddr; 3] = [
            "127.0.0.1".parse().expect("ip"),
            "127.0.0.2".parse().expect("ip"),
            "::1".parse().expect("ip"),
        ];
        for ip in yes {
            assert!(super::super::delivery::on_this_machine(ip), "{ip}");
        }
        // TEST-NET-1 (RFC 5737) is on no machine: the bind fails locally,
        // nothing is sent.
        let far: IpAddr = "192.0.2.1".parse().expect("ip");
        assert!(!super::super::delivery::on_this_machine(far));
    }
}
