//! Running one case against the live target.
//!
//! A case opens connections through [`Ctx`], which bounds every wait by the
//! case's deadline and keeps each connection's timeline for the evidence. A
//! server that misbehaves produces a [`Finding`] (a result, not an error).

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use framecheck_framing::{Kind, Spec};

use super::catalogue::{
    Action, CLIENTS, Case, Mode, SPLIT_ATTEMPTS, header_cut_point, over_max_header,
};
use super::conn::{Conn, Wait};
use super::delivery::Pieces;
use super::event::{Boundaries, ConnLog, Ms, Verdict};
use super::messages::Maker;
use super::rng::Rng;

/// Every deadline of a run, already scaled by `--time-scale`.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connecting. Longer than Linux's initial SYN retransmission timeout
    /// (1 s), so a SYN dropped by a full listen backlog (Python's
    /// `socketserver` listens with a backlog of 5) is retried, not failed.
    pub connect: Duration,
    /// Waiting for a reply (from the last byte of its message).
    pub reply: Duration,
    /// Waiting for the server to close after an EOF or a refused frame.
    pub close: Duration,
    /// What "promptly" means: a server that needs longer to close after an
    /// EOF or a refused frame, or to answer a client while another stalls,
    /// is waiting for something else (an idle timeout).
    pub prompt: Duration,
    /// How long `limits/idle-timeout` waits for the server to give up.
    pub idle: Duration,
    /// One case.
    pub case: Duration,
    /// The churn case, which does thousands of exchanges.
    pub churn_case: Duration,
    /// The whole run.
    pub run: Duration,
    /// The pause between pieces of a cut message when a boundary cannot be
    /// confirmed.
    pub pause: Duration,
    /// Whether to confirm that each piece arrived as its own read (see
    /// [`delivery::confirmation_is_cheap`](super::delivery::confirmation_is_cheap)).
    pub confirm: bool,
    /// The longest one confirmation may take before a connection falls
    /// back to pauses (see [`PACER_BUDGET`](super::delivery::PACER_BUDGET)).
    pub pacer_budget: Duration,
}

impl Limits {
    /// The defaults, scaled by `scale` (1.0 for a local server).
    pub fn scaled(scale: f64) -> Limits {
        let s = |ms: u32| Duration::from_secs_f64(f64::from(ms) / 1000.0 * scale);
        Limits {
            connect: s(3000),
            reply: s(1000),
            close: s(1000),
            prompt: s(250),
            idle: s(1500),
            case: s(5000),
            churn_case: s(15000),
            run: s(120_000),
            pause: s(3),
            confirm: true,
            pacer_budget: super::delivery::PACER_BUDGET,
        }
    }
}

/// A server misbehaving: what it should have done and what it did.
#[derive(Debug, Clone)]
pub(crate) struct Finding {
    pub(crate) verdict: Verdict,
    pub(crate) message: String,
    pub(crate) expected: String,
    pub(crate) observed: String,
}

impl Finding {
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
        if r.is_err() || !unconfirmed {
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
    Err(Finding {
        verdict: Verdict::Warn,
        message: "piece boundaries not confirmed, the split was not tested".to_owned(),
        expected:
            "every piece reaches the server as its own read (confirmed), and the replies are right"
                .to_owned(),
        observed: format!(
            "the replies were right, but piece boundaries were not confirmed on {}{}",
            history.join(", "),
            if ctx.limits.confirm {
                ""
            } else {
                " (confirmation is not available on this machine)"
            }
        ),
    })
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
        Action::HalfCloseEofMessage => {
            let m = ctx.maker.message(3, 24);
            run_sessions(ctx, &[Session::each_whole(vec![m])], Mode::Single)
        }
        Action::ResetMidMessage => reset_mid_message(ctx),
        Action::ResetWhileWriting => reset_while_writing(ctx),
        Action::LengthOverMax => {
            let header = over_max_header(ctx.spec).map_err(|_| no_applicable())?;
            refused(ctx, &header, "a header over the maximum")
        }
        Action::OverLongFrame => {
            let n = ctx.spec.max() + ctx.spec.overhead() + 1;
            let line: Vec<u8> = (0..n)
                .map(|i| b'a' + u8::try_from(i % 26).unwrap_or(0))
                .collect();
            refused(ctx, &line, "a frame with no delimiter within the maximum")
        }
        Action::UnknownTag => {
            let Kind::Tagged(entries) = &ctx.spec.kind else {
                return Err(no_applicable());
            };
            let tag = (b'!'..=b'~')
                .chain(0..=255)
                .find(|t| entries.iter().all(|e| e.tag != *t))
                .ok_or_else(no_applicable)?;
            refused(ctx, &[tag, 0, 0, 0, 4], "an unknown tag")
        }
        Action::IdleTimeout => idle_timeout(ctx),
        Action::StalledClient => stalled_client(ctx),
        Action::ManyClients => many_clients(ctx),
        Action::ChurnCycles => churn(ctx),
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

/// The sessions of a deterministic boundary case.
fn boundary_sessions(ctx: &mut Ctx<'_>, action: Action) -> Vec<Session> {
    let maker = &ctx.maker;
    let short = |i: usize| maker.message(i, 5);
    let sessions: Vec<Session> = match action {
        Action::Whole => vec![Session::each_whole(maker.batch(&mut ctx.rng, 4, 32))],
        Action::ByteAtATime => {
            let msgs = maker.batch(&mut ctx.rng, 3, 12);
            let len: usize = msgs.iter().map(Vec::len).sum();
            vec![Session {
                msgs,
                cuts: (1..len).collect(),
            }]
        }
        Action::SplitEveryPoint => {
            let len = short(0).len();
            let msgs: Vec<Vec<u8>> = (1..len).map(short).collect();
            vec![Session::cut_each(msgs, |i| i + 1)]
        }
        Action::SplitLengthField => {
            let Some(m) = maker.message_with_wide_length() else {
                return Vec::new();
            };
            let l = maker.layout(&m);
            let points: Vec<usize> = (l.prefix.max(1)..l.head).collect();
            vec![Session::cut_each(vec![m; points.len()], |i| points[i])]
        }
        Action::SplitDelimiter => {
            let m = maker.message(2, 6);
            let l = maker.layout(&m);
            let points: Vec<usize> = (l.body_end + 1..l.len).collect();
            vec![Session::cut_each(vec![m; points.len()], |i| points[i])]
        }
        Action::SplitAfterTag => {
            let n = match &ctx.spec.kind {
                Kind::Tagged(e) => e.len(),
                _ => 0,
            };
            let msgs: Vec<Vec<u8>> = (0..n).map(|k| maker.message_with(k, 5, Some(k))).collect();
            vec![Session::cut_each(msgs, |_| 1)]
        }
        Action::Coalesced => vec![Session {
            msgs: maker.batch(&mut ctx.rng, 5, 32),
            cuts: Vec::new(),
        }],
        Action::Straddle => {
            let msgs = maker.batch(&mut ctx.rng, 4, 32);
            let mut cuts = Vec::new();
            let mut start = 0;
            for m in &msgs {
                if start > 0 {
                    cuts.push(start + m.len().div_ceil(2));
                }
                start += m.len();
            }
            vec![Session { msgs, cuts }]
        }
        Action::EmptyPayload => {
            let empty = match &ctx.spec.kind {
                Kind::Tagged(e) => {
                    let k = e.iter().position(|e| {
                        matches!(
                            e.rule,
                            framecheck_framing::TagRule::Len(_)
                                | framecheck_framing::TagRule::Fixed(0)
                        )
                    });
                    k.map(|k| maker.message_with(0, 0, Some(k)))
                }
                _ => Some(maker.message(0, 0)),
            };
            let Some(empty) = empty else {
                return Vec::new();
            };
            vec![Session::each_whole(vec![empty.clone(), short(1), empty])]
        }
        _ => Vec::new(),
    };
    if ctx.eof() {
        // One message per connection, cut at the same points inside it.
        sessions.into_iter().flat_map(split_per_message).collect()
    } else {
        sessions
    }
}

/// For `eof` framing: one session per message, keeping the cuts inside it.
fn split_per_message(s: Session) -> Vec<Session> {
    let mut start = 0;
    s.msgs
        .into_iter()
        .map(|m| {
            let end = start + m.len();
            let cuts = s
                .cuts
                .iter()
                .filter(|&&c| c > start && c < end)
                .map(|c| c - start)
                .collect();
            start = end;
            Session {
                msgs: vec![m],
                cuts,
            }
        })
        .collect()
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

/// Seeded random cuts over small batches; a failure is shrunk against the
/// live server to a minimal schedule before it is reported.
fn random_schedules(ctx: &mut Ctx<'_>, mode: Mode) -> Result<(), Finding> {
    let trials: Vec<usize> = match &ctx.replay {
        Some(r) => vec![r.trial],
        None => (0..ctx.trials).collect(),
    };
    for trial in trials {
        let mut rng = Rng::for_case(ctx.seed, &format!("trial {trial}"));
        let count = if ctx.eof() { 1 } else { rng.range(1, 5) };
        let msgs = ctx.maker.batch(&mut rng, count, 40);
        let total: usize = msgs.iter().map(Vec::len).sum();
        let pieces = if let Some(r) = &ctx.replay {
            r.pieces.clone()
        } else {
            let n = rng.range(1, total.saturating_sub(1).min(12));
            let cuts: Vec<usize> = (0..n)
                .map(|_| rng.range(1, total.saturating_sub(1).max(1)))
                .collect();
            Pieces::from_cuts(total, &cuts)
        };
        let Err(finding) = try_schedule(ctx, trial, &msgs, &pieces, mode) else {
            continue;
        };
        let original = pieces.to_string();
        let shrunk = if ctx.replay.is_some() {
            pieces
        } else {
            shrink(ctx, trial, &msgs, pieces, mode)
        };
        ctx.extra.original_schedule = Some(format!("trial {trial}: {original}"));
        ctx.extra.shrunk_schedule = Some(format!("trial {trial}: {shrunk}"));
        ctx.extra.replay_args = format!(" --trial {trial} --schedule {shrunk}");
        // Report the minimal run: keep only its connection in the evidence.
        ctx.conns.clear();
        let last = try_schedule(ctx, trial, &msgs, &shrunk, mode);
        return Err(last.err().unwrap_or(finding));
    }
    Ok(())
}

/// Run one schedule on a fresh connection; the messages sent are those the
/// schedule covers (a shorter schedule drops trailing messages).
fn try_schedule(
    ctx: &mut Ctx<'_>,
    trial: usize,
    msgs: &[Vec<u8>],
    pieces: &Pieces,
    mode: Mode,
) -> Result<(), Finding> {
    let mut covered = Vec::new();
    let mut len = 0;
    for m in msgs {
        if len + m.len() > pieces.total() {
            break;
        }
        len += m.len();
        covered.push(m.clone());
    }
    let s = Session {
        msgs: covered,
        cuts: pieces.cuts(),
    };
    if s.msgs.is_empty() {
        return Ok(());
    }
    session(ctx, &format!("trial {trial}"), &s, mode)
}

/// Greedy shrinking against the live server: drop trailing messages, then
/// merge adjacent pieces, keeping each change that still fails. At most 60
/// attempts, within twice the reply deadline.
fn shrink(ctx: &mut Ctx<'_>, trial: usize, msgs: &[Vec<u8>], pieces: Pieces, mode: Mode) -> Pieces {
    let mut best = pieces;
    let mut attempts = 0;
    let budget = (Instant::now() + ctx.limits.reply * 2).min(ctx.deadline);
    let fails = |ctx: &mut Ctx<'_>, p: &Pieces, attempts: &mut usize| {
        *attempts += 1;
        let before = ctx.conns.len();
        let failed = try_schedule(ctx, trial, msgs, p, mode).is_err();
        ctx.conns.truncate(before);
        failed
    };
    // Fewer messages: the schedule cut at each earlier message boundary.
    let bounds = ends(msgs);
    for &end in &bounds[..bounds.len().saturating_sub(1)] {
        if attempts >= 60 || Instant::now() >= budget {
            break;
        }
        let cuts: Vec<usize> = best.cuts().into_iter().filter(|&c| c < end).collect();
        let candidate = Pieces::from_cuts(end, &cuts);
        if fails(ctx, &candidate, &mut attempts) {
            best = candidate;
            break;
        }
    }
    // Fewer cuts.
    let mut i = 0;
    while i < best.cuts().len() && attempts < 60 && Instant::now() < budget {
        let mut cuts = best.cuts();
        cuts.remove(i);
        let candidate = Pieces::from_cuts(best.total(), &cuts);
        if fails(ctx, &candidate, &mut attempts) {
            best = candidate;
        } else {
            i += 1;
        }
    }
    ctx.note(format!(
        "shrunk in {attempts} attempts against the live server"
    ));
    best
}

fn large_message(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
    let size = ctx.maker.max_payload().min(super::catalogue::LARGE);
    let m = ctx.maker.largest_message(0, size);
    let mut conn = ctx.connect("client")?;
    let len = m.len();
    // 64 KiB pieces, written while the replies are read.
    let pieces = Pieces::from_cuts(
        len,
        &(1..len.div_ceil(65536))
            .map(|k| k * 65536)
            .collect::<Vec<_>>(),
    );
    let deadline = ctx.until(ctx.limits.reply * 3);
    let started = Instant::now();
    let (sent, wait) = conn.send_while_reading(&m, &pieces, Duration::ZERO, 1, deadline, ctx.eof());
    if let Err(e) = sent {
        ctx.note(format!("write failed: {e}"));
    }
    ctx.note(format!(
        "{len}-byte message echoed in {}",
        Ms(started.elapsed())
    ));
    let result = compare(&conn, &[m], &wait);
    ctx.keep(conn.close());
    result
}

/// About 1 MiB of messages in flight while the client waits before
/// reading: the server's writes go short or block, and every reply must
/// still arrive whole.
fn slow_reader(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
    let m = ctx.maker.largest_message(0, 16 * 1024);
    let count = (SLOW_READER_BYTES / m.len()).clamp(1, 65536);
    let msgs: Vec<Vec<u8>> = (0..count)
        .map(|i| ctx.maker.largest_message(i, 16 * 1024))
        .collect();
    let stream = msgs.concat();
    let mut conn = ctx.connect("slow client")?;
    let pieces = Pieces::whole(stream.len());
    let deadline = ctx.until(ctx.limits.reply * 3);
    let pause = ctx.limits.prompt * 4 / 5;
    let (sent, wait) = conn.send_then_read_late(&stream, &pieces, pause, count, deadline);
    if let Err(e) = sent {
        ctx.note(format!("write failed: {e}"));
    }
    ctx.note(format!(
        "{count} messages, {} bytes; reading began {} after writing",
        stream.len(),
        Ms(pause)
    ));
    let result = compare(&conn, &msgs, &wait);
    ctx.keep(conn.close());
    result
}

/// Bytes in flight in `boundary/slow-reader`.
const SLOW_READER_BYTES: usize = 8 * 1024 * 1024;

/// Send complete `msgs` lockstep, then `partial` bytes, then shut down our
/// side: the server must close promptly with no reply to the partial bytes.
fn eof_after(ctx: &mut Ctx<'_>, msgs: &[Vec<u8>], partial: &[u8]) -> Result<(), Finding> {
    let mut conn = ctx.connect("client")?;
    let result = eof_after_on(ctx, &mut conn, msgs, partial);
    ctx.keep(conn.close());
    result
}

fn eof_after_on(
    ctx: &mut Ctx<'_>,
    conn: &mut Conn,
    msgs: &[Vec<u8>],
    partial: &[u8],
) -> Result<(), Finding> {
    if !msgs.is_empty() {
        session_on(
            ctx,
            conn,
            &Session::each_whole(msgs.to_vec()),
            Mode::Lockstep,
        )?;
    }
    if !partial.is_empty() {
        let _ = conn.send(
            partial,
            &Pieces::whole(partial.len()),
            ctx.limits.pause,
            ctx.until(ctx.limits.reply),
        );
        // Let the partial bytes arrive on their own before the EOF.
        std::thread::sleep(ctx.limits.pause * 5);
    }
    let before = conn.received_total();
    let shut = Instant::now();
    conn.shutdown_write();
    let wait = conn.read_to_end(ctx.until(ctx.limits.close));
    let took = shut.elapsed();
    let extra = conn.received_total() - before;
    let eof_reply_ok = ctx.eof() && partial.is_empty() && msgs.is_empty();
    let expected = format!(
        "no reply to the {} partial bytes, and the server's EOF within {}",
        partial.len(),
        Ms(ctx.limits.prompt)
    );
    if extra > 0 && !eof_reply_ok {
        return Err(Finding::fail(
            format!(
                "the server replied {extra} bytes after a client EOF that left no complete message"
            ),
            expected,
            format!("{extra} bytes after the EOF, then {}", wait.describe()),
        ));
    }
    match wait {
        Wait::Fin | Wait::Rst if took > ctx.limits.prompt => Err(Finding::fail(
            format!("the server closed only {} after the client's EOF", Ms(took)),
            expected,
            format!(
                "{} after {} (an idle timeout, not the EOF?)",
                wait.describe(),
                Ms(took)
            ),
        )),
        Wait::Fin => {
            ctx.note(format!(
                "the server closed {} after the client's EOF",
                Ms(took)
            ));
            Ok(())
        }
        Wait::Rst => {
            ctx.note(format!(
                "the server reset {} after the client's EOF",
                Ms(took)
            ));
            Ok(())
        }
        other => Err(Finding::fail(
            format!(
                "the server did not close within {} of the client's EOF",
                Ms(ctx.limits.close)
            ),
            expected,
            other.describe(),
        )),
    }
}

fn half_close_pending(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
    let msgs = ctx.maker.batch(&mut ctx.rng, 3, 24);
    let mut conn = ctx.connect("client")?;
    let stream = msgs.concat();
    let result = (|| {
        if let Err(e) = conn.send(
            &stream,
            &Pieces::whole(stream.len()),
            ctx.limits.pause,
            ctx.until(ctx.limits.reply),
        ) {
            ctx.note(format!("write failed: {e}"));
        }
        conn.shutdown_write();
        let wait = conn.read_to_end(ctx.until(ctx.limits.reply));
        compare(&conn, &msgs, &wait)?;
        expect_fin(&conn, &wait, "after the pending replies")
    })();
    ctx.keep(conn.close());
    result
}

fn half_close_mid_message(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
    let first = ctx.maker.message(0, 12);
    let second = ctx.maker.body_message(1, 12);
    let l = ctx.maker.layout(&second);
    let cut = if ctx.spec.delimiter().is_some() {
        l.body_end
    } else {
        l.head + (l.body_end - l.head) / 2
    };
    let mut bytes = first.clone();
    bytes.extend_from_slice(&second[..cut]);
    let mut conn = ctx.connect("client")?;
    let result = (|| {
        if let Err(e) = conn.send(
            &bytes,
            &Pieces::whole(bytes.len()),
            ctx.limits.pause,
            ctx.until(ctx.limits.reply),
        ) {
            ctx.note(format!("write failed: {e}"));
        }
        conn.shutdown_write();
        let wait = conn.read_to_end(ctx.until(ctx.limits.reply));
        compare(&conn, std::slice::from_ref(&first), &wait)?;
        if conn.partial_reply() > 0 || conn.reply_error.is_some() {
            return Err(Finding::fail(
                "a partial reply followed the complete one",
                "one reply, nothing for the cut message, then the server's EOF",
                format!("{} bytes of a partial reply", conn.partial_reply().max(1)),
            ));
        }
        expect_fin(&conn, &wait, "after the reply to the complete message")
    })();
    ctx.keep(conn.close());
    result
}

fn reset_mid_message(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
    let first = ctx.maker.message(0, 12);
    let second = ctx.maker.body_message(1, 12);
    let mut conn = ctx.connect("client")?;
    let s = Session::each_whole(vec![first]);
    if ctx.eof() {
        let _ = conn.send(
            &second[..second.len() / 2],
            &Pieces::whole(second.len() / 2),
            ctx.limits.pause,
            ctx.until(ctx.limits.reply),
        );
    } else {
        session_on(ctx, &mut conn, &s, Mode::Lockstep)?;
        let cut = (second.len() / 2).max(1);
        let _ = conn.send(
            &second[..cut],
            &Pieces::whole(cut),
            ctx.limits.pause,
            ctx.until(ctx.limits.reply),
        );
    }
    std::thread::sleep(ctx.limits.pause * 5);
    ctx.keep(conn.reset());
    survives_reset(ctx, ctx.limits.prompt / 2)
}

/// The most `reset/while-server-writes` sends before its writes block.
const RESET_FLOOD: usize = 32 * 1024 * 1024;

fn reset_while_writing(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
    let mut conn = ctx.connect("client")?;
    conn.small_receive_buffer();
    // Messages without reading the replies, until our writes block (the
    // server stopped reading because its replies to us are stuck);
    // for `eof` framing one large message, then our EOF so the server
    // starts writing its reply.
    let (stream, wait) = if ctx.eof() {
        let m = ctx
            .maker
            .message(0, ctx.maker.max_payload().min(super::catalogue::LARGE));
        (m, ctx.limits.prompt)
    } else {
        let m = ctx.maker.largest_message(0, 64 * 1024);
        let count = (RESET_FLOOD / m.len()).max(1);
        (m.repeat(count), ctx.limits.prompt)
    };
    let started = Instant::now();
    let result = conn.send(
        &stream,
        &Pieces::whole(stream.len()),
        Duration::ZERO,
        ctx.until(wait),
    );
    if ctx.eof() {
        conn.shutdown_write();
    }
    // Wait until replies flow (the server is writing), then let it fill the
    // buffers again and block in a write.
    let flowing = conn.read_some(ctx.until(ctx.limits.reply));
    std::thread::sleep(ctx.limits.pause * 20);
    if flowing != Wait::Done {
        ctx.note(format!(
            "no reply arrived before the reset: {}",
            flowing.describe()
        ));
    }
    ctx.note(format!(
        "{} bytes written in {}, then {}; then RST",
        conn.sent_total(),
        Ms(started.elapsed()),
        result
            .err()
            .unwrap_or_else(|| "all were accepted".to_owned())
    ));
    ctx.keep(conn.reset());
    survives_reset(ctx, ctx.limits.prompt)
}

/// After our RST: liveness probes at growing intervals (about 10, 20, 40,
/// 80 ms apart) until `window` has passed since the reset, so a server
/// that dies only once it meets the reset (scheduled late on a busy
/// machine) is caught, while a surviving one costs `window` and a few
/// exchanges. The first failing probe fails the case; the runner's own
/// probe after the case then reports the target dead.
fn survives_reset(ctx: &mut Ctx<'_>, window: Duration) -> Result<(), Finding> {
    let reset_at = Instant::now();
    let until = reset_at + window;
    let profile = ctx.maker.profile().cloned();
    let mut gap = Duration::from_millis(10);
    let mut probes = 0;
    loop {
        let now = Instant::now();
        let last = now >= until;
        probes += 1;
        if let Err(e) = probe(ctx.addr, ctx.spec, profile.as_ref(), ctx.limits) {
            if let ProbeError::Failed { log, .. } = &e {
                ctx.keep(log.clone());
            }
            return Err(Finding::fail(
                format!(
                    "the server stopped answering {} after the reset",
                    Ms(reset_at.elapsed())
                ),
                "the server survives a client's reset and answers a new connection",
                format!("liveness probe {probes}: {}", e.why()),
            ));
        }
        if last {
            break;
        }
        std::thread::sleep(gap.min(until.saturating_duration_since(Instant::now())));
        gap *= 2;
    }
    ctx.note(format!(
        "the server answered {probes} liveness probes over {} after the RST (and the runner's probe after the case)",
        Ms(reset_at.elapsed())
    ));
    Ok(())
}

/// Send `bytes` that the server must refuse: it closes (FIN or RST)
/// within `prompt` of the moment the last of them (the byte that crosses
/// the limit) was written, without echoing anything.
///
/// Bytes keep coming after that, one every [`TRICKLE`], and our write side
/// stays open, so the server can only end the connection because of what
/// it received: a server with no limit and an idle timeout (or one that
/// only closes on our EOF) keeps the connection open and fails, instead of
/// passing when its idle timeout happens to be shorter than `prompt`. The
/// evidence says how long before the close the last byte arrived.
fn refused(ctx: &mut Ctx<'_>, bytes: &[u8], what: &str) -> Result<(), Finding> {
    let mut conn = ctx.connect("client")?;
    let started = Instant::now();
    let deadline = ctx.until(ctx.limits.close);
    let filler = (b'a'..=b'z')
        .chain(0..=255)
        .find(|b| !ctx.spec.delimiter().is_some_and(|d| d.contains(b)))
        .unwrap_or(b'a');
    let t = conn.send_and_trickle(bytes, filler, TRICKLE, deadline);
    // From the byte that crossed the limit; if writing failed, the server
    // ended the connection before it had everything, so from the start.
    let crossed = t.written_at.unwrap_or(started);
    let took = t.ended_at.saturating_duration_since(crossed);
    let received = conn.received_total();
    if let Err(e) = &t.sent {
        ctx.note(format!("write stopped: {e}"));
    }
    if t.filler_bytes > 0 {
        let last = t.last_filler.map_or(String::new(), |l| {
            format!(
                ", the last {} before the connection ended",
                Ms(t.ended_at.saturating_duration_since(l))
            )
        });
        ctx.note(format!(
            "{} more bytes trickled after {what}, one per {}, to keep the connection busy{last}",
            t.filler_bytes,
            Ms(TRICKLE)
        ));
    }
    ctx.keep(conn.close());
    let expected = format!(
        "the server closes within {} of {what}, replying nothing",
        Ms(ctx.limits.prompt)
    );
    let wait = t.wait;
    match wait {
        Wait::Fin | Wait::Rst if received == 0 && took <= ctx.limits.prompt => {
            ctx.note(format!(
                "the server closed {} after {what} was written, while bytes were still arriving",
                Ms(took)
            ));
            Ok(())
        }
        Wait::Fin | Wait::Rst if received == 0 => Err(Finding::fail(
            format!("the server closed only {} after {what}", Ms(took)),
            expected,
            format!(
                "{} after {} (an idle timeout or a buffer valve, not a limit?)",
                wait.describe(),
                Ms(took)
            ),
        )),
        Wait::Fin | Wait::Rst => Err(Finding {
            verdict: Verdict::Warn,
            message: format!("the server replied {received} bytes before closing after {what}"),
            expected,
            observed: format!("{received} bytes, then {}", wait.describe()),
        }),
        other => Err(Finding::fail(
            format!("the server kept the connection open after {what}"),
            expected,
            format!(
                "{} after {}, {received} bytes received",
                other.describe(),
                Ms(took)
            ),
        )),
    }
}

/// How often `refused` sends one more byte while it waits: shorter than
/// any idle timeout a server would sensibly use.
const TRICKLE: Duration = Duration::from_millis(20);

fn idle_timeout(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
    let m = ctx.maker.body_message(0, 16);
    let cut = header_cut_point(ctx.spec).map_or((m.len() / 2).max(1), |(_, c)| c);
    let partial =
        header_cut_point(ctx.spec).map_or_else(|| m[..cut].to_vec(), |(h, c)| h[..c].to_vec());
    let mut conn = ctx.connect("idle client")?;
    let _ = conn.send(
        &partial,
        &Pieces::whole(partial.len()),
        ctx.limits.pause,
        ctx.until(ctx.limits.reply),
    );
    let started = Instant::now();
    let wait = conn.read_to_end(ctx.until(ctx.limits.idle));
    let took = started.elapsed();
    ctx.keep(conn.close());
    match wait {
        Wait::Fin | Wait::Rst => {
            ctx.note(format!(
                "idle timeout measured: the server closed {} after the last byte",
                Ms(took)
            ));
            Ok(())
        }
        other => Err(Finding {
            verdict: Verdict::Warn,
            message: format!("no idle timeout within {}", Ms(ctx.limits.idle)),
            expected: "the server disconnects a client that stalls mid-message".to_owned(),
            observed: format!("{} after {}", other.describe(), Ms(took)),
        }),
    }
}

fn stalled_client(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
    let m = ctx.maker.body_message(0, 16);
    let cut = (m.len() / 2).max(1);
    let mut stalled = ctx.connect("stalled client")?;
    let _ = stalled.send(
        &m[..cut],
        &Pieces::whole(cut),
        ctx.limits.pause,
        ctx.until(ctx.limits.reply),
    );
    std::thread::sleep(ctx.limits.pause * 5);
    let msgs = ctx.maker.batch(&mut ctx.rng, 3, 16);
    let sessions: Vec<Session> = if ctx.eof() {
        msgs.into_iter()
            .map(|m| Session::each_whole(vec![m]))
            .collect()
    } else {
        vec![Session::each_whole(msgs)]
    };
    // The others must be answered promptly, before any idle timeout could
    // have freed a server that serves one client at a time.
    let saved = ctx.limits;
    ctx.limits.reply = ctx.limits.prompt;
    let mut result = Ok(());
    for (i, s) in sessions.iter().enumerate() {
        let r = session(ctx, &format!("other client {}", i + 1), s, Mode::Lockstep);
        if let Err(mut f) = r {
            f.message = format!(
                "another client was delayed while one stalled mid-message: {}",
                f.message
            );
            result = Err(f);
            break;
        }
    }
    ctx.limits = saved;
    ctx.keep(stalled.close());
    result
}

fn many_clients(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
    let eof = ctx.eof();
    let per_client = if eof { 2 } else { 10 };
    let plans: Vec<Vec<Session>> = (0..CLIENTS)
        .map(|c| {
            let msgs: Vec<Vec<u8>> = (0..per_client)
                .map(|i| ctx.maker.message(c * 31 + i, 8 + (c + i) % 24))
                .collect();
            if eof {
                msgs.into_iter()
                    .map(|m| Session::each_whole(vec![m]))
                    .collect()
            } else {
                vec![Session::each_whole(msgs)]
            }
        })
        .collect();
    let outcomes = std::thread::scope(|s| {
        let handles: Vec<_> = plans
            .into_iter()
            .enumerate()
            .map(|(c, sessions)| {
                let mut sub = ctx.sub("client");
                s.spawn(move || {
                    let r = sessions.iter().try_for_each(|sess| {
                        session(&mut sub, &format!("client {}", c + 1), sess, Mode::Lockstep)
                    });
                    (r, sub.conns)
                })
            })
            .collect();
        join_workers(handles, "client")
    });
    let mut failed = 0;
    let mut first = None;
    for (r, logs) in outcomes {
        if let Err(f) = r {
            failed += 1;
            for log in logs {
                ctx.keep(log);
            }
            first.get_or_insert(f);
        }
    }
    match first {
        None => Ok(()),
        Some(mut f) => {
            f.message = format!(
                "{failed} of {CLIENTS} concurrent clients failed; first: {}",
                f.message
            );
            Err(f)
        }
    }
}

/// What a worker thread of a multi-connection case hands back: its verdict
/// and the logs of its connections.
type WorkerOutcome<T> = (Result<T, Finding>, Vec<ConnLog>);

/// Join a case's worker threads in order; one that panicked counts as a
/// failure (`"{what} thread panicked"`) with no logs.
fn join_workers<T>(
    handles: Vec<std::thread::ScopedJoinHandle<'_, WorkerOutcome<T>>>,
    what: &str,
) -> Vec<WorkerOutcome<T>> {
    handles
        .into_iter()
        .map(|h| {
            h.join().unwrap_or_else(|_| {
                (
                    Err(Finding::fail(format!("{what} thread panicked"), "", "")),
                    Vec::new(),
                )
            })
        })
        .collect()
}

/// Threads that share the churn cycles.
const CHURN_THREADS: usize = 4;

fn churn(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
    let started = Instant::now();
    let m = ctx.maker.message(0, 8);
    let total = ctx.churn;
    let per_thread = total.div_ceil(CHURN_THREADS);
    let outcomes = std::thread::scope(|s| {
        let handles: Vec<_> = (0..CHURN_THREADS)
            .map(|t| {
                let mut sub = ctx.sub("churn");
                let m = m.clone();
                s.spawn(move || {
                    let mut done = 0;
                    let cycles = per_thread.min(total.saturating_sub(t * per_thread));
                    for cycle in 0..cycles {
                        let label = format!("cycle {}", t * per_thread + cycle + 1);
                        let mut conn = match sub.connect(&label) {
                            Ok(c) => c,
                            Err(f) => return (Err(f), sub.conns),
                        };
                        let r = session_on(
                            &mut sub,
                            &mut conn,
                            &Session::each_whole(vec![m.clone()]),
                            Mode::Lockstep,
                        );
                        // An abortive close (RST) leaves no TIME_WAIT behind:
                        // thousands of them would slow every socket-table
                        // reader on this machine, the pacer included.
                        let log = conn.reset();
                        if let Err(mut f) = r {
                            sub.conns.push(log);
                            f.message = format!("{label} of {total}: {}", f.message);
                            return (Err(f), sub.conns);
                        }
                        done += 1;
                        if Instant::now() >= sub.deadline {
                            break;
                        }
                    }
                    (Ok(done), Vec::new())
                })
            })
            .collect();
        join_workers(handles, "churn")
    });
    let mut done = 0;
    for (r, logs) in outcomes {
        match r {
            Ok(n) => done += n,
            Err(f) => {
                for log in logs {
                    ctx.keep(log);
                }
                return Err(f);
            }
        }
    }
    ctx.note(format!(
        "{done} of {total} connect/exchange/close cycles ({CHURN_THREADS} at a time) in {}",
        Ms(started.elapsed())
    ));
    if done < total {
        ctx.note("the case deadline passed before every cycle ran".to_owned());
    }
    Ok(())
}

/// Why a liveness probe failed.
#[derive(Debug)]
pub(crate) enum ProbeError {
    /// No connection could be made.
    Unreachable(String),
    /// Connected, but the exchange went wrong.
    Failed {
        /// What went wrong.
        why: String,
        /// The probe connection's timeline.
        log: ConnLog,
    },
}

impl ProbeError {
    pub(crate) fn why(&self) -> &str {
        match self {
            ProbeError::Unreachable(why) | ProbeError::Failed { why, .. } => why,
        }
    }
}

/// The liveness probe: a fresh connection and one valid exchange.
pub(crate) fn probe(
    addr: SocketAddr,
    spec: &Spec,
    profile: Option<&std::sync::Arc<crate::profile::Profile>>,
    limits: Limits,
) -> Result<(), ProbeError> {
    let t0 = Instant::now();
    let mut ctx = Ctx {
        addr,
        spec,
        maker: Maker::with(spec, profile),
        rng: Rng::for_case(0, "probe"),
        seed: 0,
        t0,
        deadline: t0 + limits.connect + limits.reply * 2,
        limits,
        trials: 0,
        churn: 0,
        replay: None,
        conns: Vec::new(),
        extra: Extra::default(),
    };
    let m = ctx.maker.message(0, 8);
    let r = session(
        &mut ctx,
        "probe",
        &Session::each_whole(vec![m]),
        Mode::Lockstep,
    );
    let log = ctx.conns.pop().unwrap_or_else(|| Conn::failed_log("probe"));
    match r {
        Ok(()) => Ok(()),
        Err(f) if log.end == super::event::ConnEnd::NotConnected => {
            Err(ProbeError::Unreachable(f.message))
        }
        Err(f) => Err(ProbeError::Failed {
            why: format!("{}: {}", f.message, f.observed),
            log,
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};

    use super::*;
    use crate::runner::catalogue::catalogue;

    /// How a test server treats one connection.
    #[derive(Debug, Clone, Copy)]
    enum Serve {
        /// Echo every complete `\n` line; close on EOF.
        EchoLines,
        /// Buffer everything, echo nothing, and close after `0` of silence
        /// (no line limit, an idle timeout).
        NoLimitIdle(Duration),
        /// Close once more than `0` bytes arrived without a `\n`.
        Limit(usize),
    }

    /// A loopback server for `serve`; it stops accepting after 20 s.
    fn server(serve: Serve) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        listener.set_nonblocking(true).expect("nonblocking");
        std::thread::spawn(move || {
            let until = Instant::now() + Duration::from_secs(20);
            while Instant::now() < until {
                match listener.accept() {
                    Ok((s, _)) => {
                        std::thread::spawn(move || handle(s, serve));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(1)),
                }
            }
        });
        addr
    }

    fn handle(mut s: TcpStream, serve: Serve) {
        let _ = s.set_nonblocking(false);
        let idle = match serve {
            Serve::NoLimitIdle(d) => d,
            _ => Duration::from_secs(10),
        };
        let _ = s.set_read_timeout(Some(idle));
        let mut held = Vec::new();
        let mut buf = vec![0u8; 65536];
        while let Ok(n) = s.read(&mut buf) {
            if n == 0 {
                return;
            }
            held.extend_from_slice(&buf[..n]);
            match serve {
                Serve::EchoLines => {
                    while let Some(i) = held.iter().position(|&b| b == b'\n') {
                        let line: Vec<u8> = held.drain(..=i).collect();
                        if s.write_all(&line).is_err() {
                            return;
                        }
                    }
                }
                Serve::NoLimitIdle(_) => {}
                Serve::Limit(max) => {
                    if !held.contains(&b'\n') && held.len() > max {
                        return;
                    }
                }
            }
        }
    }

    fn run(addr: SocketAddr, spec: &Spec, id: &str, limits: Limits) -> Result<(), Finding> {
        let case = catalogue(spec)
            .into_iter()
            .find(|c| c.id == id)
            .expect("case in the catalogue");
        let t0 = Instant::now();
        let mut ctx = Ctx {
            addr,
            spec,
            maker: Maker::with(spec, None),
            rng: Rng::for_case(1, id),
            seed: 1,
            t0,
            deadline: t0 + limits.case,
            limits,
            trials: 4,
            churn: 0,
            replay: None,
            conns: Vec::new(),
            extra: Extra::default(),
        };
        run_case(&mut ctx, &case)
    }

    /// Regression (reports/independent-servers.md, `crlf_no_limit.py` with
    /// a 0.2 s idle timeout): a server with no line limit whose idle
    /// timeout is shorter than "promptly" passed `limits/over-long-frame`.
    #[test]
    fn refusal_is_told_from_an_idle_timeout() {
        let spec: Spec = "line".parse().expect("spec");
        let limit = spec.max() + spec.overhead();
        let table: &[(&str, Serve, Option<Verdict>)] = &[
            ("closes_at_the_limit", Serve::Limit(limit), None),
            (
                "no_limit_idle_timeout_200ms",
                Serve::NoLimitIdle(Duration::from_millis(200)),
                Some(Verdict::Fail),
            ),
            (
                "no_limit_idle_timeout_60ms",
                Serve::NoLimitIdle(Duration::from_millis(60)),
                Some(Verdict::Fail),
            ),
        ];
        for (name, serve, want) in table {
            let addr = server(*serve);
            let got = run(addr, &spec, "limits/over-long-frame", Limits::scaled(1.0));
            let got_verdict = got.as_ref().err().map(|f| f.verdict);
            assert_eq!(got_verdict, *want, "{name}: {got:?}");
        }
    }

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
        assert_eq!(f.verdict, Verdict::Warn, "confirmation_off: {f:?}");
        assert!(f.message.contains("not confirmed"), "{f:?}");
        // Confirmation on (retried with patient pacing if need be): a pass.
        let got = run(addr, &spec, id, Limits::scaled(1.0));
        assert!(got.is_ok(), "confirmation_on: {got:?}");
    }
}
