//! Sending a frame the server must refuse, and telling how it refused
//! (`framecheck_event::refusal`): closing promptly (with or without a
//! reply), discarding the frame and going on, accepting it, or desyncing.
//!
//! One connection, three phases:
//!
//! 1. the bytes up to the one that crosses the limit, then the **canary**
//!    (a well-formed message with an unmistakable reply, where a server
//!    that mis-frames the refused bytes reads it as a message of its own:
//!    inside an over-long line's body past the limit, as the first bytes
//!    of an over-long frame's body, or right after a frame whose length
//!    text breaks its framing's rules), then one filler byte every
//!    [`TRICKLE`] for [`Limits::prompt`](crate::timing::Limits): the
//!    server can only close because of what it received, never because of
//!    an idle timeout shorter than `prompt`;
//! 2. if the connection is still open: the rest of the refused frame (its
//!    delimiter, or the rest of its declared body and the framing's
//!    trailer), and a wait for a reply;
//! 3. if the server replied and kept the connection: a well-formed
//!    message, which must get its proper reply.
//!
//! The reply frames are sorted (the canary answered, the refused frame
//! answered, anything else) and [`classify`] names the outcome.

use std::time::{Duration, Instant};

use framecheck_event::refusal::{Closed, FollowUp, Observed, Refusal, Seen, classify};
use framecheck_event::{Bytes, Ms};
use framecheck_framing::resp::{INLINE_MAX, RespRule};
use framecheck_framing::{Encoder, Error as FrameError, Kind, Spec, TagRule};

use super::{Ctx, Finding, no_applicable};
use crate::catalogue::{Action, inline_requests, over_max_header, resp_limit_message};
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
    /// A length-prefixed frame: this many payload bytes end it (then the
    /// framing's trailer, if it has one: see `trailer`).
    Body(usize),
    /// A RESP bulk string: this many bytes, then these (its CRLF), end it.
    BodyThen(usize, Vec<u8>),
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
    /// The payload a server that reads the frame leniently takes from it
    /// (`x` of `+001x`): a reply frame carrying it (echo framings) shows
    /// the frame was processed.
    pub(super) processed: Option<&'a [u8]>,
    /// Bytes sent after the canary, before the filler: for a RESP aggregate,
    /// the header of a bulk string that the filler bytes fill, so that a
    /// server that took the aggregate reads them as a value's bytes, not as
    /// a broken value it would close on.
    pub(super) after_canary: Vec<u8>,
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
        | Kind::DecLen(_)
        | Kind::Resp(_) => Vec::new(),
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

/// What ends a declared body on the wire: a netstring's `,`, a counted
/// block's delimiter (beanstalkd drops a too-big job's body and its CRLF,
/// and waits for both before it answers `JOB_TOO_BIG`); nothing for the
/// others.
fn trailer(spec: &Spec) -> &[u8] {
    match &spec.kind {
        Kind::Netstring => b",",
        Kind::Counted(c) => c.delimiter(),
        _ => &[],
    }
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
    let first = [r.crossing.as_slice(), &canary.tail, &r.after_canary].concat();
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
        extra: None,
    };
    let open = later.closed.is_none() && t.wait == Wait::Timeout && t.written_at.is_some();
    if open && conn.reply_error.is_none() {
        let sent_of_frame = canary.tail.len() + r.after_canary.len() + t.filler_bytes;
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
        &r.after_canary,
        &vec![filler; t.filler_bytes],
        &later.rest,
    ]
    .concat();
    let mut replies = sort_replies(
        &conn,
        &canary,
        r,
        &tail,
        later.extra.as_ref().map_or(kept, |e| kept.max(e.end)),
    );
    if let Some(extra) = &later.extra {
        for seen in replies.get_mut(extra.clone()).into_iter().flatten() {
            if *seen == Seen::Other {
                *seen = Seen::RefusedTail;
            }
        }
        ctx.note(format!(
            "{} replies came after the refused frame's first and before the follow-up message's: a refused frame gets one, so they answered its bytes as messages",
            extra.len()
        ));
    }
    let observed = Observed {
        closed: later.closed,
        replies,
        first_reply: conn
            .first_bytes_at()
            .map(|at| at.saturating_duration_since(crossed)),
        over_limit_reply: matches!(
            conn.reply_error,
            Some(FrameError::TooLarge { .. } | FrameError::Unterminated { .. })
        ) || matches!(
            &conn.reply_error,
            Some(FrameError::Resp { error, .. }) if matches!(
                error.rule,
                RespRule::LengthOverMax
                    | RespRule::TooManyElements
                    | RespRule::TooDeep
                    | RespRule::FrameOverMax
            )
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
    /// With a profile: the replies after the refused frame's first and
    /// before the follow-up's (indices into the connection's frames).
    extra: Option<std::ops::Range<usize>>,
}

/// With a profile, where the refused frame's extra replies are: a refused
/// frame gets one reply at most (its error), so the replies between its
/// first and the follow-up message's proper reply answered bytes of it as
/// messages of their own. A profile's canary cannot be told by a token in
/// its reply (an echo's can), and a server that cuts an over-long line
/// where the canary does not begin answers garbage, not the canary: the
/// count of replies still shows the desync. Reads a few more replies while
/// the follow-up's is not among them; `None` when it never comes or nothing
/// stands between.
fn extra_replies(ctx: &Ctx<'_>, conn: &mut Conn, msg: &[u8]) -> Option<std::ops::Range<usize>> {
    let find = |conn: &Conn| {
        (1..conn.frames().len()).find(|&i| conn.reply_matches(&conn.frames()[i], msg).is_ok())
    };
    let mut at = find(conn);
    for _ in 0..3 {
        if at.is_some() {
            break;
        }
        let more = usize::try_from(conn.frame_count())
            .unwrap_or(usize::MAX)
            .saturating_add(1);
        if conn.read_frames(more, ctx.until(ctx.limits.reply)) != Wait::Done {
            break;
        }
        at = find(conn);
    }
    at.filter(|&i| i >= 2).map(|i| 1..i)
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
        Completion::Body(n) => {
            let mut body = vec![filler; n.saturating_sub(sent_of_frame)];
            body.extend_from_slice(trailer(ctx.spec));
            body
        }
        Completion::BodyThen(n, end) => {
            let mut rest = vec![filler; n.saturating_sub(sent_of_frame)];
            rest.extend_from_slice(end);
            rest
        }
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
    if conn.has_profile() && answer == Wait::Done {
        later.extra = extra_replies(ctx, conn, &msg);
        if later.extra.is_some() {
            later.follow_up = FollowUp::Answered;
        }
    }
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
            } else if !conn.has_profile()
                && (f.wire.starts_with(refused_head) || r.processed == Some(f.payload()))
            {
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
    let resp = matches!(ctx.spec.kind, Kind::Resp(_));
    let completion = if body > MAX_BODY {
        Completion::TooLarge(body)
    } else if resp {
        // A bulk string ends with CRLF after its bytes.
        Completion::BodyThen(body, b"\r\n".to_vec())
    } else {
        Completion::Body(body)
    };
    let r = Refused {
        crossing: header,
        completion,
        what: "a header over the maximum",
        discard_conforms: true,
        processed: None,
        after_canary: Vec::new(),
    };
    refused(ctx, &r)
}

/// `limits/over-long-frame`: a line one byte past what the maximum allows;
/// a server may discard it up to its delimiter.
pub(super) fn over_long_frame(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
    // A RESP inline command: a line of one byte more than it may hold
    // (redis-server's PROTO_INLINE_MAX_SIZE, or max if smaller).
    let inline = inline_requests(ctx.spec);
    let n = if inline {
        ctx.spec.max().min(INLINE_MAX) + 1
    } else {
        ctx.spec.max() + ctx.spec.overhead() + 1
    };
    let line: Vec<u8> = (0..n)
        .map(|i| b'a' + u8::try_from(i % 26).unwrap_or(0))
        .collect();
    let delim = if inline {
        b"\r\n".to_vec()
    } else {
        ctx.spec.delimiter().ok_or_else(no_applicable)?.to_vec()
    };
    let r = Refused {
        crossing: line,
        completion: Completion::Delimiter(delim),
        what: "a frame with no delimiter within the maximum",
        discard_conforms: true,
        processed: None,
        after_canary: Vec::new(),
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
        processed: None,
        after_canary: Vec::new(),
    };
    refused(ctx, &r)
}

/// `limits/signed-length`, `limits/non-digit-length`,
/// `limits/leading-zero-length`, `limits/too-many-digits`: `msg`, a frame
/// whose length is written as text against its framing's rules, carrying
/// `x` for a server that reads the length leniently. Only closing
/// conforms: the frame's end depends on a length the server must not
/// read, so nothing tells a strict server where to resume (a counted
/// line's end is known, but not its block's). The canary follows the
/// frame, where a lenient reader takes it for the next message.
pub(super) fn malformed_length(ctx: &mut Ctx<'_>, msg: Vec<u8>, what: &str) -> Result<(), Finding> {
    let r = Refused {
        crossing: msg,
        completion: Completion::Unknowable,
        what,
        discard_conforms: false,
        processed: Some(b"x"),
        after_canary: Vec::new(),
    };
    refused(ctx, &r)
}

/// The bulk string the filler fills after an over-long aggregate's canary:
/// more bytes than phase 1 trickles.
const FILLER_BULK: usize = 4096;

/// `limits/too-many-elements`, `limits/too-deep`, `limits/negative-length`:
/// a RESP frame that breaks a limit at a header; nothing says where it
/// would end, so only a close conforms (redis-server replies `-ERR
/// Protocol error: ...` and closes: a conforming refusal).
pub(super) fn resp_limit(ctx: &mut Ctx<'_>, action: Action) -> Result<(), Finding> {
    let crossing = resp_limit_message(ctx.spec, action).map_err(|_| no_applicable())?;
    let what = match action {
        Action::TooManyElements => "an aggregate of too many elements",
        Action::TooDeep => "aggregates nested too deep",
        _ => "a negative length other than -1",
    };
    // An aggregate's elements go on after the canary: the filler fills a
    // bulk string (within the maximum).
    let bulk = FILLER_BULK.min(ctx.spec.max() / 2);
    let after_canary = if action == Action::TooManyElements {
        format!("${bulk}\r\n").into_bytes()
    } else {
        Vec::new()
    };
    let r = Refused {
        crossing,
        completion: Completion::Unknowable,
        what,
        discard_conforms: false,
        processed: None,
        after_canary,
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
