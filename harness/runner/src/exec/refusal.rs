//! Sending a frame the server must refuse, and telling how it refused
//! (`framecheck_event::refusal`): closing promptly (with or without a
//! reply), discarding the frame and going on, accepting it, or desyncing.
//!
//! One connection, three phases:
//!
//! 1. the bytes up to the one that crosses the limit, then the **canary**
//!    (a well-formed message with an unmistakable reply, where a server
//!    that mis-frames the refused bytes reads it as a message of its own:
//!    inside an over-long line's body past the limit, or as the first
//!    bytes of an over-long frame's body), then one filler byte every
//!    [`TRICKLE`] for [`Limits::prompt`](crate::timing::Limits): the
//!    server can only close because of what it received, never because of
//!    an idle timeout shorter than `prompt`;
//! 2. if the connection is still open: the rest of the refused frame (its
//!    delimiter, or the rest of its declared body), and a wait for a reply;
//! 3. if the server replied and kept the connection: a well-formed
//!    message, which must get its proper reply.
//!
//! The reply frames are sorted (the canary answered, the refused frame
//! answered, anything else) and [`classify`] names the outcome.

use std::time::{Duration, Instant};

use framecheck_event::refusal::{Closed, FollowUp, Observed, Refusal, Seen, classify};
use framecheck_event::{Bytes, Ms};
use framecheck_framing::{Encoder, Error as FrameError, Kind, Spec, TagRule};

use super::{Ctx, Finding, no_applicable};
use crate::catalogue::over_max_header;
use crate::conn::{Conn, Wait};
use crate::delivery::Pieces;

/// How often phase 1 sends one more filler byte: shorter than any idle
/// timeout a server would sensibly use.
pub(super) const TRICKLE: Duration = Duration::from_millis(20);

/// How the refused frame ends, for a server that reads it to its end.
#[derive(Debug, Clone)]
pub(super) enum Completion {
    /// A delimited frame: its delimiter ends it.
    Delimiter(Vec<u8>),
    /// A length-prefixed frame: this many payload bytes end it.
    Body(usize),
    /// Nothing the server could know ends it (an unknown tag).
    Unknowable,
    /// A declared body of this many bytes, more than [`MAX_BODY`]: too
    /// large to send in a case.
    TooLarge(usize),
}

/// The largest declared body `limits/length-over-max` sends to end a
/// refused frame (a server may discard it to its end).
pub(super) const MAX_BODY: usize = 64 * 1024 * 1024;

/// A frame the server must refuse.
#[derive(Debug, Clone)]
pub(super) struct Refused<'a> {
    /// The frame's bytes up to the one that crosses the limit.
    pub(super) crossing: Vec<u8>,
    /// How the frame ends.
    pub(super) completion: Completion,
    /// What the bytes are, for messages ("a header over the maximum").
    pub(super) what: &'a str,
    /// Whether a server may discard the frame and go on (the requirement's
    /// wording); else only a close conforms.
    pub(super) discard_conforms: bool,
}

/// The canary: what phase 1 sends after the crossing bytes, and how to
/// recognize its reply.
#[derive(Debug, Clone)]
struct Canary {
    /// Bytes sent right after the crossing ones.
    tail: Vec<u8>,
    /// The whole well-formed message (the tail plus, for a delimited
    /// framing, the delimiter).
    whole: Vec<u8>,
    /// A byte string only a reply to the canary contains (echo framings).
    token: Option<Vec<u8>>,
}

impl Canary {
    fn new(ctx: &Ctx<'_>, completion: &Completion) -> Canary {
        let delimited = matches!(completion, Completion::Delimiter(_));
        if let Some(profile) = ctx.maker.profile() {
            // One of the profile's exchanges, recognized by its expectation.
            // Inside an over-long line it must be one line (a delimiter in
            // it would end the refused line early), sent without its
            // delimiter; the line's own delimiter comes in phase 2.
            let pick = profile
                .exchanges
                .iter()
                .map(|e| &e.send)
                .find(|s| match completion {
                    Completion::Delimiter(d) => s
                        .strip_suffix(d.as_slice())
                        .is_some_and(|body| !body.windows(d.len()).any(|w| w == d.as_slice())),
                    _ => true,
                });
            let whole = pick.cloned().unwrap_or_default();
            let tail = match completion {
                Completion::Delimiter(d) => {
                    whole.strip_suffix(d.as_slice()).unwrap_or(&whole).to_vec()
                }
                _ => whole.clone(),
            };
            return Canary {
                tail,
                whole,
                token: None,
            };
        }
        let token = token(ctx.spec, ctx.seed);
        let whole = echo_frame(ctx.spec, &token).unwrap_or_else(|| ctx.maker.message(0, 8));
        let tail = if delimited {
            token.clone()
        } else {
            whole.clone()
        };
        Canary {
            tail,
            whole,
            token: Some(token),
        }
    }

    /// Whether reply `wire` answers the canary.
    fn answered(&self, conn: &Conn, frame: &framecheck_framing::Frame) -> bool {
        match &self.token {
            Some(t) => frame.wire.windows(t.len()).any(|w| w == t.as_slice()),
            None if self.whole.is_empty() => false,
            None => conn.reply_matches(frame, &self.whole).is_ok(),
        }
    }
}

/// A payload no other message of a case carries: `FCcanary` and the seed's
/// digits, without the bytes of a delimiter.
fn token(spec: &Spec, seed: u64) -> Vec<u8> {
    let delim = spec.delimiter().unwrap_or_default();
    format!("FCcanary{seed:x}")
        .into_bytes()
        .into_iter()
        .filter(|b| !delim.contains(b))
        .collect()
}

/// A frame of `spec` carrying `payload`, when a frame can carry it (for a
/// tagged framing, under its first tag with a length field).
fn echo_frame(spec: &Spec, payload: &[u8]) -> Option<Vec<u8>> {
    let head = match &spec.kind {
        Kind::Len(_) | Kind::Digits(_) | Kind::Hex(_) => vec![b'Q'; spec.offset],
        Kind::Tagged(entries) => vec![
            entries
                .iter()
                .find(|e| matches!(e.rule, TagRule::Len(_)))?
                .tag,
        ],
        Kind::Line
        | Kind::Crlf
        | Kind::Delim(_)
        | Kind::PktLine
        | Kind::Netstring
        | Kind::DecLen(_) => Vec::new(),
        // A counted frame's head is a command line of the protocol's own.
        // An HTTP server does not echo: its reply is a response of its own.
        Kind::Fixed(_) | Kind::Eof | Kind::Counted(_) | Kind::Http1(_) => return None,
    };
    let mut out = Vec::new();
    Encoder::new(spec)
        .encode(&head, payload, &mut out)
        .ok()
        .map(|()| out)
}

/// A byte that is no part of the spec's delimiter.
fn filler(spec: &Spec) -> u8 {
    (b'a'..=b'z')
        .chain(0..=255)
        .find(|b| !spec.delimiter().is_some_and(|d| d.contains(b)))
        .unwrap_or(b'a')
}

/// Send `r`, see how the server refuses it, and judge the outcome: closing
/// promptly (FIN or RST, with or without a reply) conforms; discarding and
/// going on conforms where `r.discard_conforms`; accepting the frame,
/// answering the canary, closing late, keeping the connection without a
/// word, or losing the framing after a reply fail.
pub(super) fn refused(ctx: &mut Ctx<'_>, r: &Refused<'_>) -> Result<(), Finding> {
    let canary = Canary::new(ctx, &r.completion);
    let mut conn = ctx.connect("client")?;
    let started = Instant::now();
    let filler = filler(ctx.spec);
    let first = [r.crossing.as_slice(), &canary.tail].concat();
    let t = conn.send_and_trickle(
        &first,
        filler,
        TRICKLE,
        Some(ctx.limits.prompt),
        ctx.until(ctx.limits.close),
    );
    // From the byte that crossed the limit (the canary follows it in the
    // same write); if writing failed, the server ended the connection
    // before it had everything, so from the start.
    let crossed = t.written_at.unwrap_or(started);
    note_trickle(ctx, &t, r.what);
    let mut later = Later {
        closed: ended(&t.wait, t.ended_at, crossed),
        replies_before: conn.frame_count(),
        follow_up: FollowUp::NotSent,
        follow_msg: None,
        rest: Vec::new(),
    };
    let open = later.closed.is_none() && t.wait == Wait::Timeout && t.written_at.is_some();
    if open && conn.reply_error.is_none() {
        let sent_of_frame = canary.tail.len() + t.filler_bytes;
        go_on(
            ctx,
            &mut conn,
            r,
            filler,
            sent_of_frame,
            crossed,
            &mut later,
        );
    }
    let kept = usize::try_from(later.replies_before).unwrap_or(usize::MAX);
    // The refused frame's last bytes: the canary, the filler, its end.
    let tail = [
        canary.tail.as_slice(),
        &vec![filler; t.filler_bytes],
        &later.rest,
    ]
    .concat();
    let observed = Observed {
        closed: later.closed,
        replies: sort_replies(&conn, &canary, r, &tail, kept),
        first_reply: conn
            .first_bytes_at()
            .map(|at| at.saturating_duration_since(crossed)),
        over_limit_reply: matches!(
            conn.reply_error,
            Some(FrameError::TooLarge { .. } | FrameError::Unterminated { .. })
        ),
        follow_up: later.follow_up,
    };
    let outcome = classify(&observed, ctx.limits.prompt);
    let evidence = evidence(&conn, &canary, &observed, kept);
    ctx.keep(conn.close());
    ctx.note(format!("refusal outcome: {outcome}"));
    judge(
        ctx,
        r,
        outcome,
        &observed,
        &evidence,
        later.follow_msg.as_deref(),
    )
}

/// What phases 2 and 3 saw.
struct Later {
    closed: Option<Closed>,
    /// Replies received before the follow-up message.
    replies_before: u64,
    follow_up: FollowUp,
    follow_msg: Option<Vec<u8>>,
    /// The bytes that ended the refused frame (phase 2).
    rest: Vec<u8>,
}

/// The close `wait` reports, timed from `crossed`.
fn ended(wait: &Wait, at: Instant, crossed: Instant) -> Option<Closed> {
    match wait {
        Wait::Fin | Wait::Rst => Some(Closed {
            reset: *wait == Wait::Rst,
            after: at.saturating_duration_since(crossed),
        }),
        _ => None,
    }
}

/// Phase 1's evidence: a failed write, the filler trickled.
fn note_trickle(ctx: &mut Ctx<'_>, t: &crate::conn::Trickled, what: &str) {
    if let Err(e) = &t.sent {
        ctx.note(format!("write stopped: {e}"));
    }
    if t.filler_bytes > 0 {
        let last = t.last_filler.map_or(String::new(), |l| {
            format!(
                ", the last {} before the watch ended",
                Ms(t.ended_at.saturating_duration_since(l))
            )
        });
        ctx.note(format!(
            "{} filler bytes trickled after {what} and the canary, one per {}, to keep the connection busy{last}",
            t.filler_bytes,
            Ms(TRICKLE)
        ));
    }
}

/// Phases 2 and 3, on a connection still open after phase 1: end the
/// refused frame (`sent_of_frame` of its bytes past the crossing are sent
/// already), wait for a reply, then send a well-formed message and check
/// its reply.
fn go_on(
    ctx: &mut Ctx<'_>,
    conn: &mut Conn,
    r: &Refused<'_>,
    filler: u8,
    sent_of_frame: usize,
    crossed: Instant,
    later: &mut Later,
) {
    let rest = match &r.completion {
        Completion::Delimiter(d) => d.clone(),
        Completion::Body(n) => vec![filler; n.saturating_sub(sent_of_frame)],
        Completion::Unknowable | Completion::TooLarge(_) => Vec::new(),
    };
    if let Completion::TooLarge(n) = r.completion {
        ctx.note(format!(
            "the connection stayed open {} after {}; its declared body of {n} bytes is too large to send, so a server that would discard it cannot be told from one that waits for it",
            Ms(ctx.limits.prompt),
            r.what
        ));
    }
    later.rest.clone_from(&rest);
    if !rest.is_empty() {
        ctx.note(format!(
            "the connection stayed open {} after {}: {} more bytes sent to end the refused frame",
            Ms(ctx.limits.prompt),
            r.what,
            rest.len()
        ));
        let deadline = ctx.until(ctx.limits.reply * 4);
        if let Err(e) = conn.send(&rest, &Pieces::whole(rest.len()), Duration::ZERO, deadline) {
            ctx.note(format!("write stopped: {e}"));
        }
    }
    let one_more = |n: u64| usize::try_from(n).unwrap_or(usize::MAX).saturating_add(1);
    let got = conn.read_frames(one_more(conn.frame_count()), ctx.until(ctx.limits.reply));
    later.closed = ended(&got, Instant::now(), crossed);
    later.replies_before = conn.frame_count();
    let replied = later.replies_before > 0 || conn.received_total() > 0;
    if later.closed.is_some() || !replied || conn.reply_error.is_some() {
        return;
    }
    // Phase 3: a well-formed message must get its proper reply.
    let msg = ctx.maker.message(1, 8);
    let deadline = ctx.until(ctx.limits.reply);
    let _ = conn.send(&msg, &Pieces::whole(msg.len()), Duration::ZERO, deadline);
    let answer = conn.read_frames(one_more(later.replies_before), ctx.until(ctx.limits.reply));
    let index = usize::try_from(later.replies_before).unwrap_or(usize::MAX);
    later.follow_up = match conn.frames().get(index) {
        Some(f) if answer == Wait::Done && conn.reply_matches(f, &msg).is_ok() => {
            FollowUp::Answered
        }
        _ => FollowUp::Unanswered,
    };
    if matches!(answer, Wait::Fin | Wait::Rst) && later.follow_up == FollowUp::Unanswered {
        ctx.note(format!(
            "after the follow-up message: {}",
            answer.describe()
        ));
    }
    later.follow_msg = Some(msg);
}

/// The first `kept` reply frames, sorted: the canary's reply, the refused
/// frame answered, an echo of the refused frame's `tail` (echo framings
/// only), or anything else. Bytes that make no whole frame are a reply all
/// the same.
fn sort_replies(
    conn: &Conn,
    canary: &Canary,
    r: &Refused<'_>,
    tail: &[u8],
    kept: usize,
) -> Vec<Seen> {
    let refused_head = &r.crossing[..r.crossing.len().min(32)];
    let mut replies: Vec<Seen> = conn.frames()[..kept.min(conn.frames().len())]
        .iter()
        .map(|f| {
            if canary.answered(conn, f) {
                Seen::Canary
            } else if !conn.has_profile() && f.wire.starts_with(refused_head) {
                Seen::RefusedFrame
            } else if !conn.has_profile() && !f.wire.is_empty() && tail.ends_with(&f.wire) {
                Seen::RefusedTail
            } else {
                Seen::Other
            }
        })
        .collect();
    if replies.is_empty() && conn.received_total() > 0 {
        replies.push(Seen::Other);
    }
    replies
}

/// `limits/length-over-max`: a header declaring one byte more than the
/// maximum; a server may discard the declared body.
pub(super) fn length_over_max(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
    let header = over_max_header(ctx.spec).map_err(|_| no_applicable())?;
    let body = ctx.spec.max().saturating_add(1);
    let completion = if body <= MAX_BODY {
        Completion::Body(body)
    } else {
        Completion::TooLarge(body)
    };
    let r = Refused {
        crossing: header,
        completion,
        what: "a header over the maximum",
        discard_conforms: true,
    };
    refused(ctx, &r)
}

/// `limits/over-long-frame`: a line one byte past what the maximum allows;
/// a server may discard it up to its delimiter.
pub(super) fn over_long_frame(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
    let n = ctx.spec.max() + ctx.spec.overhead() + 1;
    let line: Vec<u8> = (0..n)
        .map(|i| b'a' + u8::try_from(i % 26).unwrap_or(0))
        .collect();
    let delim = ctx.spec.delimiter().ok_or_else(no_applicable)?.to_vec();
    let r = Refused {
        crossing: line,
        completion: Completion::Delimiter(delim),
        what: "a frame with no delimiter within the maximum",
        discard_conforms: true,
    };
    refused(ctx, &r)
}

/// `limits/unknown-tag`: a tag the framing does not know; nothing tells
/// where its frame ends, so only a close conforms.
pub(super) fn unknown_tag(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
    let Kind::Tagged(entries) = &ctx.spec.kind else {
        return Err(no_applicable());
    };
    let tag = (b'!'..=b'~')
        .chain(0..=255)
        .find(|t| entries.iter().all(|e| e.tag != *t))
        .ok_or_else(no_applicable)?;
    let r = Refused {
        crossing: vec![tag, 0, 0, 0, 4],
        completion: Completion::Unknowable,
        what: "an unknown tag",
        discard_conforms: false,
    };
    refused(ctx, &r)
}

/// The replies, as evidence: each one's bytes and what it was taken for.
fn evidence(conn: &Conn, canary: &Canary, o: &Observed, kept: usize) -> String {
    let mut parts: Vec<String> = conn
        .frames()
        .iter()
        .take(kept)
        .zip(&o.replies)
        .take(4)
        .map(|(f, seen)| {
            let role = match seen {
                Seen::Canary => "the canary's reply",
                Seen::RefusedFrame => "the refused frame answered",
                Seen::RefusedTail => "the refused frame's tail answered",
                Seen::Other => "a reply",
            };
            format!("{role}: {}", Bytes::new(&f.wire))
        })
        .collect();
    if let Some(e) = &conn.reply_error {
        parts.push(format!("the replies break the framing: {e}"));
    }
    if o.replies.contains(&Seen::Canary) {
        parts.push(format!("canary sent: {}", Bytes::new(&canary.whole)));
    }
    if parts.is_empty() {
        parts.push(format!("{} bytes received", conn.received_total()));
    }
    parts.join("; ")
}

fn judge(
    ctx: &mut Ctx<'_>,
    r: &Refused<'_>,
    outcome: Refusal,
    o: &Observed,
    evidence: &str,
    follow_msg: Option<&[u8]>,
) -> Result<(), Finding> {
    let what = r.what;
    let prompt = Ms(ctx.limits.prompt);
    let expected = if r.discard_conforms {
        format!(
            "the server MUST refuse {what}: close within {prompt} (FIN or RST, an error reply first or not), or read the frame to its end, reply an error and go on framing correctly; it MUST NOT process the frame or answer its bytes as a message"
        )
    } else {
        format!(
            "the server MUST close within {prompt} of {what} (FIN or RST, an error reply first or not); it MUST NOT process the frame or answer its bytes as a message"
        )
    };
    let closed = o.closed.map_or(String::new(), |c| {
        format!(
            "{} {} after {what}",
            if c.reset { "RST" } else { "FIN" },
            Ms(c.after)
        )
    });
    match outcome {
        Refusal::SilentClose | Refusal::ReplyThenClose => {
            ctx.note(format!("the server refused {what}: {closed}"));
            Ok(())
        }
        Refusal::DiscardAndContinue if r.discard_conforms => {
            ctx.note(format!(
                "the server discarded {what} to its end, replied an error, and answered the next message properly: {evidence}"
            ));
            Ok(())
        }
        Refusal::DiscardAndContinue => Err(Finding::fail(
            format!("discard-and-continue: the server replied and went on after {what}"),
            expected,
            format!("{outcome}: {evidence}"),
        )),
        Refusal::Accepted => Err(Finding::fail(
            format!("accepted: the server processed {what}"),
            expected,
            format!("{outcome}: {evidence}"),
        )),
        Refusal::Desync => Err(Finding::fail(
            format!(
                "desync: the server answered bytes of {what} as a message of their own (the canary, or the frame's tail)"
            ),
            expected,
            format!("{outcome}: {evidence}"),
        )),
        Refusal::LateClose => Err(Finding::fail(
            format!("late-close: the server closed only {closed}"),
            expected,
            format!(
                "{outcome}: {closed} (an idle timeout or a buffer valve, not a limit?); {evidence}"
            ),
        )),
        Refusal::KeptOpen if matches!(r.completion, Completion::TooLarge(_)) => {
            Err(Finding::not_exercised(
                format!(
                    "the server kept the connection open after {what}; the declared body is too large to send"
                ),
                expected,
                format!(
                    "{outcome}: no close, no reply within {prompt}; discard-and-continue could not be told from waiting for the body"
                ),
            ))
        }
        Refusal::KeptOpen => Err(Finding::fail(
            format!("kept-open: the server kept the connection open after {what}, without a word"),
            expected,
            format!(
                "{outcome}: no close, no reply within {} of the frame's end",
                Ms(ctx.limits.reply)
            ),
        )),
        Refusal::LostFraming => Err(Finding::fail(
            format!(
                "lost-framing: the server replied after {what}, then did not answer a well-formed message properly"
            ),
            expected,
            format!(
                "{outcome}: {evidence}; then {} got {}",
                follow_msg.map_or_else(String::new, |m| Bytes::new(m).to_string()),
                match o.follow_up {
                    FollowUp::Answered => "its reply",
                    FollowUp::Unanswered | FollowUp::NotSent => "no proper reply",
                }
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use framecheck_framing::Spec;

    use super::super::test_server::{Over, Serve, run_noted, server};
    use crate::timing::Limits;
    use framecheck_event::Verdict;

    /// Issue 12: each way of refusing an over-long line is told apart, and
    /// only closing and discarding-and-continuing pass. The first row is
    /// beanstalkd's behaviour (discard to the CRLF, `BAD_FORMAT`, go on).
    #[test]
    fn over_long_line_outcomes() {
        let spec: Spec = "crlf,max=64".parse().expect("spec");
        let refusing = |how| Serve::Refusing {
            delim: b"\r\n",
            max: 64,
            how,
        };
        let table: &[(&str, Serve, Option<Verdict>, &str)] = &[
            (
                "beanstalkd_discards",
                refusing(Over::Discard),
                None,
                "discard-and-continue",
            ),
            (
                "replies_then_closes",
                refusing(Over::ReplyClose),
                None,
                "reply-then-close",
            ),
            ("closes_silently", Serve::Limit(66), None, "silent-close"),
            (
                "desyncs",
                refusing(Over::Desync),
                Some(Verdict::Fail),
                "desync",
            ),
            (
                "discards_then_deaf",
                refusing(Over::DiscardThenDeaf),
                Some(Verdict::Fail),
                "lost-framing",
            ),
            (
                "no_limit_echoes",
                Serve::EchoLines,
                Some(Verdict::Fail),
                "accepted",
            ),
        ];
        for (name, serve, want, outcome) in table {
            let addr = server(*serve);
            let limits = Limits::scaled(1.0);
            let (got, notes) = run_noted(
                addr,
                &spec,
                "limits/over-long-frame",
                limits,
                limits.case,
                0,
            );
            let verdict = got.as_ref().err().map(|f| f.verdict);
            assert_eq!(verdict, *want, "{name}: {got:?} {notes:?}");
            let note = format!("refusal outcome: {outcome}");
            assert!(notes.contains(&note), "{name}: {notes:?}");
            if let Err(f) = &got {
                assert!(f.message.starts_with(outcome), "{name}: {f:?}");
            }
        }
    }

    /// A declared body too large to send: a server that stays silent may be
    /// discarding it or waiting for it, so the case is not exercised
    /// rather than failed.
    #[test]
    fn a_body_too_large_to_send_is_not_exercised() {
        let spec: Spec = "u32be,max=128MiB".parse().expect("spec");
        let addr = server(Serve::NoLimitIdle(std::time::Duration::from_secs(5)));
        let limits = Limits::scaled(1.0);
        let (got, notes) = run_noted(
            addr,
            &spec,
            "limits/length-over-max",
            limits,
            limits.case,
            0,
        );
        let f = got.expect_err("not a pass");
        assert_eq!(f.verdict, Verdict::NotExercised, "{f:?}");
        assert!(
            notes.iter().any(|n| n.contains("too large to send")),
            "{notes:?}"
        );
        assert!(
            notes.contains(&"refusal outcome: kept-open".to_owned()),
            "{notes:?}"
        );
    }
}
