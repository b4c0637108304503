//! The case catalogue: stable semantic ids, a requirement sentence each, and
//! whether the case applies to the framing, all generated from the spec.
//!
//! | group | what it checks |
//! |---|---|
//! | `boundary` | replies are right however the messages are cut, lockstep and pipelined |
//! | `eof` | a 0-byte read ends the connection promptly, with no partial reply |
//! | `half-close` | `shutdown(SHUT_WR)` still gets every pending reply, then EOF |
//! | `reset` | a client's RST does not take the server down |
//! | `limits` | over-long frames and unknown tags are refused (a prompt close, or discard-and-continue), never accepted or desynced; idle clients time out |
//! | `concurrency` | one client cannot delay another; many clients at once |
//! | `churn` | thousands of short connections leave the server serving |
//!
//! ## Boundary cases and unconfirmed splits
//!
//! A cut only tests the server if the pieces reach it as separate reads.
//! The runner confirms each piece boundary (see `delivery`); when a
//! boundary case that cuts messages (whole, byte at a time, every split
//! point, inside the length field or the delimiter, after the tag,
//! straddling writes, empty payloads, random schedules) passes but some
//! boundary was not confirmed, the split was not tested: the case runs
//! again, with the same messages and cuts, up to [`SPLIT_ATTEMPTS`] times in
//! all, the retries letting every confirmation take its full deadline
//! instead of falling back to pauses. If a boundary is still unconfirmed,
//! the verdict is `not-exercised` ("piece boundaries not confirmed, the
//! split was not tested"), never `pass`; the evidence names the attempts. A failure is
//! reported at once (a merged boundary can hide a bug, not make one).
//! `limits/*` refusals, `reset/*` survival and the other groups are
//! described on their cases.

use framecheck_framing::resp::{INLINE_MAX, RespMode};
use framecheck_framing::{Kind, Spec, TagRule};

use super::messages::Maker;

/// How many times a cutting boundary case runs, at most, before a pass
/// whose boundaries stay unconfirmed becomes a warning.
pub const SPLIT_ATTEMPTS: usize = 3;

/// How messages are paced on a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Wait for each reply before sending past its message: an echo of
    /// concatenated bytes hides a merged boundary, lockstep does not.
    Lockstep,
    /// Everything in flight at once; replies must come in order.
    Pipelined,
    /// The case has one way of running.
    Single,
}

/// What a case does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Whole,
    ByteAtATime,
    SplitEveryPoint,
    SplitLengthField,
    SplitDelimiter,
    SplitAfterTag,
    Coalesced,
    Straddle,
    RandomSchedules,
    LargeMessage,
    SlowReader,
    EmptyPayload,
    EofAfterConnect,
    EofAfterMessages,
    EofMidHeader,
    EofMidPayload,
    EofMidDelimiter,
    HalfClosePending,
    HalfCloseMidMessage,
    HalfCloseEofMessage,
    ResetMidMessage,
    ResetWhileWriting,
    LengthOverMax,
    SignedLength,
    /// A length written as text with a byte that is no digit in it.
    NonDigitLength,
    /// A length written as text with a leading zero its framing forbids.
    LeadingZeroLength,
    /// A length written as text with more digits than its framing allows.
    TooManyDigits,
    OverLongFrame,
    UnknownTag,
    /// RESP: an aggregate announcing more elements than allowed.
    TooManyElements,
    /// RESP: aggregates nested deeper than allowed (any nesting in a command).
    TooDeep,
    /// RESP: a length or count below -1.
    NegativeLength,
    IdleTimeout,
    StalledClient,
    ManyClients,
    ChurnCycles,
    /// An `http/*` case: its index in `crate::http::CASES`.
    Http(usize),
}

/// One case of the catalogue.
#[derive(Debug, Clone)]
pub struct Case {
    /// Stable id, `group/name[/mode]`.
    pub id: String,
    /// The group (first id segment).
    pub group: &'static str,
    /// The requirement the case checks.
    pub requirement: String,
    /// Lockstep, pipelined or single.
    pub mode: Mode,
    /// Why the case does not apply to this framing, if it does not.
    pub skip: Option<String>,
    pub(crate) action: Action,
}

/// Every case for `spec`, in run order (ids are stable across versions).
#[expect(
    clippy::too_many_lines,
    reason = "one entry per case reads best as one list"
)]
pub fn catalogue(spec: &Spec) -> Vec<Case> {
    let maker = Maker::new(spec);
    let eof = spec.kind == Kind::Eof;
    let tagged = matches!(spec.kind, Kind::Tagged(_));
    let delim_len = spec.delimiter().map_or(0, <[u8]>::len);
    let has_len_field = matches!(spec.kind, Kind::Len(_))
        || matches!(&spec.kind, Kind::Tagged(e) if e.iter().any(|e| matches!(e.rule, TagRule::Len(_))));
    let mut out = Vec::new();
    let mut add = |group: &'static str,
                   name: &str,
                   mode: Mode,
                   action: Action,
                   req: String,
                   skip: Option<String>| {
        let id = match mode {
            Mode::Lockstep => format!("{group}/{name}/lockstep"),
            Mode::Pipelined => format!("{group}/{name}/pipelined"),
            Mode::Single => format!("{group}/{name}"),
        };
        let skip = skip
            .or_else(|| {
                (eof && mode == Mode::Pipelined)
                    .then(|| "eof framing carries one message per connection".to_owned())
            })
            .or_else(|| {
                // The cases' messages follow the main spec; a first frame of
                // another framing is not made yet, so no verdict is given.
                spec.first.is_some().then(|| {
                    "a first=(SPEC) framing: the runner does not yet send its first frame"
                        .to_owned()
                })
            });
        out.push(Case {
            id,
            group,
            requirement: req,
            mode,
            skip,
            action,
        });
    };
    let not = |cond: bool, why: &str| (!cond).then(|| why.to_owned());
    let both = [Mode::Lockstep, Mode::Pipelined];

    // boundary
    for mode in both {
        add(
            "boundary",
            "whole",
            mode,
            Action::Whole,
            "each message written whole is echoed back as the same message".into(),
            None,
        );
    }
    for mode in both {
        add(
            "boundary",
            "byte-at-a-time",
            mode,
            Action::ByteAtATime,
            "a message that arrives one byte per read is echoed back whole".into(),
            None,
        );
    }
    for mode in both {
        add(
            "boundary",
            "split-every-point",
            mode,
            Action::SplitEveryPoint,
            "a short message cut in two at every possible point is echoed back whole each time"
                .into(),
            None,
        );
    }
    let wide = maker.message_with_wide_length().is_some();
    for mode in both {
        add("boundary", "split-length-field", mode, Action::SplitLengthField,
            "a message whose length field (or the bytes before it) is cut across reads is echoed back whole".into(),
            not(wide, "no length field of two bytes or more"));
    }
    for mode in both {
        add(
            "boundary",
            "split-delimiter",
            mode,
            Action::SplitDelimiter,
            "a message whose multi-byte delimiter is cut across reads is echoed back whole".into(),
            not(delim_len >= 2, "no multi-byte delimiter"),
        );
    }
    for mode in both {
        add(
            "boundary",
            "split-after-tag",
            mode,
            Action::SplitAfterTag,
            "a message cut right after its tag byte is echoed back whole, for every tag".into(),
            not(tagged, "not a tagged framing"),
        );
    }
    add(
        "boundary",
        "coalesced",
        Mode::Single,
        Action::Coalesced,
        "several messages in one write are each echoed back, in order".into(),
        not(!eof, "eof framing carries one message per connection"),
    );
    for mode in both {
        add(
            "boundary",
            "straddle",
            mode,
            Action::Straddle,
            "writes that end inside the next message still get every message echoed back, in order"
                .into(),
            not(!eof, "eof framing carries one message per connection"),
        );
    }
    for mode in both {
        add(
            "boundary",
            "random-schedules",
            mode,
            Action::RandomSchedules,
            "messages cut at seeded random points are echoed back whole, in order".into(),
            None,
        );
    }
    let big = maker.max_payload().min(LARGE);
    add(
        "boundary",
        "large-message",
        Mode::Single,
        Action::LargeMessage,
        format!(
            "a {big}-byte message, larger than the socket buffers, is echoed back whole while it is still being sent"
        ),
        not(
            big >= 64 * 1024,
            "the framing's maximum is too small to outgrow the socket buffers",
        ),
    );
    add(
        "boundary",
        "slow-reader",
        Mode::Single,
        Action::SlowReader,
        "replies to a client that reads slowly arrive whole: the server finishes every partial write".into(),
        not(!eof, "eof framing carries one message per connection"),
    );
    for mode in both {
        add(
            "boundary",
            "empty-payload",
            mode,
            Action::EmptyPayload,
            "a message with an empty payload is echoed back as such".into(),
            not(empty_allowed(spec), "the framing has no empty payload"),
        );
    }

    // eof
    add(
        "eof",
        "after-connect",
        Mode::Single,
        Action::EofAfterConnect,
        "a client that sends nothing and shuts down its side gets the server's EOF promptly, and clearly before a silent client connected alongside is closed".into(),
        None,
    );
    add("eof", "after-messages", Mode::Single, Action::EofAfterMessages,
        "after complete messages and the client's EOF, the server sends its EOF promptly and nothing more, and clearly before a client that sent the same and stays silent is closed".into(),
        not(!eof, "covered by half-close/eof-message for eof framing"));
    let header_cut = (matches!(spec.kind, Kind::Len(_) | Kind::Tagged(_))
        && (has_len_field || spec.offset > 0))
        || spec.is_text();
    add(
        "eof",
        "mid-header",
        Mode::Single,
        Action::EofMidHeader,
        "EOF inside a header gets no reply (never a partial frame) and the server's EOF promptly, clearly before a client stalled at the same byte is closed"
            .into(),
        not(
            header_cut && header_cut_point(spec).is_some(),
            "no header of two bytes or more",
        ),
    );
    add(
        "eof",
        "mid-payload",
        Mode::Single,
        Action::EofMidPayload,
        "EOF inside a payload gets no reply (never a partial frame) and the server's EOF promptly, clearly before a client stalled at the same byte is closed"
            .into(),
        not(!eof, "in eof framing the EOF ends the message"),
    );
    add(
        "eof",
        "mid-delimiter",
        Mode::Single,
        Action::EofMidDelimiter,
        "EOF inside a multi-byte delimiter gets no reply and the server's EOF promptly, clearly before a client stalled at the same byte is closed".into(),
        not(delim_len >= 2, "no multi-byte delimiter"),
    );

    // half-close
    add("half-close", "pending-replies", Mode::Single, Action::HalfClosePending,
        "messages followed at once by shutdown(SHUT_WR) all get their replies, then the server's EOF promptly, clearly before a client that sent the same and stays silent is closed".into(),
        not(!eof, "see half-close/eof-message"));
    add("half-close", "mid-message", Mode::Single, Action::HalfCloseMidMessage,
        "a half-close inside a message gets the replies to the complete messages only, then the server's EOF promptly, clearly before a client stalled at the same byte is closed".into(),
        not(!eof, "in eof framing the EOF ends the message"));
    add("half-close", "eof-message", Mode::Single, Action::HalfCloseEofMessage,
        "the message ends at the client's shutdown(SHUT_WR); its reply follows, then the server's EOF promptly, clearly before a client that sent the same and stays silent is closed".into(),
        not(eof, "only eof framing ends a message at shutdown"));

    // reset
    add(
        "reset",
        "mid-message",
        Mode::Single,
        Action::ResetMidMessage,
        "a client that resets (RST) in the middle of a message does not disturb the server".into(),
        None,
    );
    add("reset", "while-server-writes", Mode::Single, Action::ResetWhileWriting,
        "a client that resets while the server is blocked writing replies to it does not take the server down (not exercised unless, when the RST comes, the client's writes stalled, replies were flowing and the server still held replies it could not deliver)".into(), None);

    // limits
    add(
        "limits",
        "length-over-max",
        Mode::Single,
        Action::LengthOverMax,
        format!(
            "a header declaring more than the maximum ({}) MUST be refused: closing at once (FIN or RST, an error reply first or not) or reading and dropping the declared body, replying an error and framing the next message correctly conform; processing the frame (accepted) or answering its body as messages (desync, seen by a canary in the body) fail",
            spec.max()
        ),
        over_max_header(spec).err(),
    );
    add(
        "limits",
        "signed-length",
        Mode::Single,
        Action::SignedLength,
        format!(
            "a length written as text with a sign (+5) MUST make the server close at once{MALFORMED_LENGTH}"
        ),
        signed_length_message(spec).err(),
    );
    for (name, action, requirement) in [
        (
            "non-digit-length",
            Action::NonDigitLength,
            "a length written as text with a byte that is no digit in it (00z1) MUST make the server close at once",
        ),
        (
            "leading-zero-length",
            Action::LeadingZeroLength,
            "a length written as text with a leading zero its framing forbids (01:x,) MUST make the server close at once",
        ),
        (
            "too-many-digits",
            Action::TooManyDigits,
            "a length written as text with more digits than its framing allows (zero-padded) MUST make the server close at once",
        ),
    ] {
        let skip = malformed_length_message(spec, action).err();
        add(
            "limits",
            name,
            Mode::Single,
            action,
            format!("{requirement}{MALFORMED_LENGTH}"),
            skip,
        );
    }
    add(
        "limits",
        "over-long-frame",
        Mode::Single,
        Action::OverLongFrame,
        format!(
            "a frame with no delimiter within the maximum ({}) MUST be refused: closing at once (FIN or RST, an error reply first or not) or dropping the line up to its delimiter, replying an error and framing the next message correctly conform; processing the line (accepted) or answering its tail as a message (desync, seen by a canary past the limit) fail",
            if inline_requests(spec) {
                spec.max().min(INLINE_MAX)
            } else {
                spec.max()
            }
        ),
        not(
            delim_len > 0 || inline_requests(spec),
            "not a delimited framing",
        )
        .or_else(|| {
            not(
                spec.max() <= MAX_OVERLONG || inline_requests(spec),
                "the maximum is too large to exceed quickly",
            )
        }),
    );
    add(
        "limits",
        "unknown-tag",
        Mode::Single,
        Action::UnknownTag,
        "a frame with an unknown tag MUST make the server close that connection (an error reply first or not), and only that one: nothing says where the frame ends, so going on, or answering the canary after it (desync), fails"
            .into(),
        not(tagged, "not a tagged framing"),
    );
    for (name, action, requirement) in [
        (
            "too-many-elements",
            Action::TooManyElements,
            "a RESP aggregate announcing more elements than allowed MUST make the server close (an error reply first or not), at its header: nothing tells where its elements end, so going on, or answering the canary after it, fails",
        ),
        (
            "too-deep",
            Action::TooDeep,
            "RESP aggregates nested deeper than allowed (in a command, any aggregate inside it) MUST make the server close (an error reply first or not): going on, or answering the canary after them, fails",
        ),
        (
            "negative-length",
            Action::NegativeLength,
            "a RESP length other than -1 below zero ($-2) MUST make the server close (an error reply first or not), not read it as a null or a length",
        ),
    ] {
        add(
            "limits",
            name,
            Mode::Single,
            action,
            requirement.into(),
            resp_limit_message(spec, action).err(),
        );
    }
    add(
        "limits",
        "idle-timeout",
        Mode::Single,
        Action::IdleTimeout,
        "a client that sends part of a message and goes silent is not disconnected at once (the server waits for the rest of a message) but eventually, after a silence (SHOULD)"
            .into(),
        None,
    );

    // concurrency and churn
    add(
        "concurrency",
        "stalled-client",
        Mode::Single,
        Action::StalledClient,
        "a client stalled in the middle of a message (trickling a byte now and then, never the last, so no idle timeout ends it) does not delay other clients: each is answered promptly while it is still connected".into(),
        None,
    );
    add(
        "concurrency",
        "many-clients",
        Mode::Single,
        Action::ManyClients,
        format!(
            "{CLIENTS} clients are served at once, not one after another: each gets the reply to its first message in time while the others are mid-conversation (conversations paced to outlast the reply deadline), and all get their replies in lockstep; not exercised unless the conversations overlapped"
        ),
        None,
    );
    add("churn", "connect-cycles", Mode::Single, Action::ChurnCycles,
        "after thousands of connect, exchange, close cycles (closed with RST, so no TIME_WAIT piles up) the server still serves (no descriptor leak); not exercised unless every cycle ran before the deadline".into(), None);
    // http: only for HTTP/1.1 requests (see `crate::http`).
    if is_http(spec) {
        for (i, c) in crate::http::CASES.iter().enumerate() {
            add(
                "http",
                c.name,
                Mode::Single,
                Action::Http(i),
                c.requirement.to_owned(),
                None,
            );
        }
    }
    out
}

/// Whether `spec` frames HTTP/1.1 requests (the `http/*` group applies).
pub(crate) fn is_http(spec: &Spec) -> bool {
    spec.to_string().starts_with("http1:")
}

/// Payload size of `boundary/large-message` (capped by the framing's maximum).
pub(crate) const LARGE: usize = 4 * 1024 * 1024;
/// Largest `max` that `limits/over-long-frame` will exceed.
pub(crate) const MAX_OVERLONG: usize = 16 * 1024 * 1024;
/// Clients of `concurrency/many-clients`.
pub(crate) const CLIENTS: usize = 16;

fn empty_allowed(spec: &Spec) -> bool {
    match &spec.kind {
        Kind::Fixed(_) => false,
        Kind::Tagged(e) => e
            .iter()
            .any(|e| matches!(e.rule, TagRule::Len(_) | TagRule::Fixed(0))),
        Kind::Len(_) => spec.adjust <= 0,
        _ => true,
    }
}

/// Where to cut a message to stop inside its header: after the prefix and
/// one byte of a multi-byte length field, or after the prefix alone.
pub(crate) fn header_cut_point(spec: &Spec) -> Option<(Vec<u8>, usize)> {
    let maker = Maker::new(spec);
    if let Some(m) = maker.message_with_wide_length() {
        let l = maker.layout(&m);
        return Some((m, l.prefix + 1));
    }
    // A one-byte field after a prefix, or a tag with a length rule.
    let m = match &spec.kind {
        Kind::Tagged(e) => {
            let k = e.iter().position(|e| matches!(e.rule, TagRule::Len(_)))?;
            maker.message_with(0, 5, Some(k))
        }
        Kind::Len(_) if spec.offset > 0 => maker.message(0, 5),
        _ => return None,
    };
    let l = maker.layout(&m);
    (l.head >= 2).then_some((m, l.head - 1))
}

/// The header of a frame declaring one byte more than the maximum, or why
/// none can be written.
pub(crate) fn over_max_header(spec: &Spec) -> Result<Vec<u8>, String> {
    if spec.is_text() {
        return over_max_text_header(spec);
    }
    if let Kind::Resp(r) = &spec.kind {
        return Ok(over_max_resp_header(spec, r.mode));
    }
    let (prefix, field) = match &spec.kind {
        Kind::Len(f) => (vec![b'Q'; spec.offset], *f),
        Kind::Tagged(e) => {
            let Some((tag, f)) = e.iter().find_map(|e| match e.rule {
                TagRule::Len(f) => Some((e.tag, f)),
                TagRule::Fixed(_) => None,
            }) else {
                return Err("no length field".to_owned());
            };
            (vec![tag], f)
        }
        _ => return Err("no length field".to_owned()),
    };
    let declared = i128::try_from(spec.max()).unwrap_or(i128::MAX) + 1 - i128::from(spec.adjust);
    let Ok(declared) = u64::try_from(declared) else {
        return Err("the length field cannot declare more than the maximum".to_owned());
    };
    if declared > field.max_value() {
        return Err("the length field cannot declare more than the maximum".to_owned());
    }
    let mut out = prefix;
    out.extend_from_slice(&encode_len(field, declared));
    Ok(out)
}

/// Whether the framing reads RESP inline commands (`resp:request`): lines,
/// at most `min(max, 64 KiB)` bytes with their line end, as redis-server
/// reads them, which `limits/over-long-frame` exceeds.
pub(crate) fn inline_requests(spec: &Spec) -> bool {
    matches!(&spec.kind, Kind::Resp(r) if r.mode == RespMode::Request)
}

/// The frame that breaks a RESP limit the way `action` names, up to the
/// byte that breaks it (`*N` one element over `elems=`; one aggregate more
/// than `depth=`, or in a command an aggregate inside it; `$-2`), or why
/// the framing has none.
pub(crate) fn resp_limit_message(spec: &Spec, action: Action) -> Result<Vec<u8>, String> {
    let Kind::Resp(r) = &spec.kind else {
        return Err("not a RESP framing".to_owned());
    };
    let limits = r.limits(spec.max());
    let request = r.mode == RespMode::Request;
    let mut out = Vec::new();
    match action {
        Action::TooManyElements => {
            out.extend_from_slice(format!("*{}\r\n", limits.elements + 1).as_bytes());
        }
        Action::TooDeep if request => out.extend_from_slice(b"*1\r\n*1\r\n"),
        Action::TooDeep => {
            for _ in 0..=limits.depth {
                out.extend_from_slice(b"*1\r\n");
            }
        }
        Action::NegativeLength => {
            if request {
                out.extend_from_slice(b"*1\r\n");
            }
            out.extend_from_slice(b"$-2\r\n");
        }
        _ => return Err("no RESP limit".to_owned()),
    }
    if out.len() > spec.max() {
        return Err("the maximum is too small for the frame".to_owned());
    }
    Ok(out)
}

/// A RESP bulk string header declaring one byte more than the maximum
/// (after `*1` in requests).
fn over_max_resp_header(spec: &Spec, mode: RespMode) -> Vec<u8> {
    let mut out = Vec::new();
    if mode == RespMode::Request {
        out.extend_from_slice(b"*1\r\n");
    }
    out.extend_from_slice(format!("${}\r\n", spec.max() + 1).as_bytes());
    out
}

/// A text header declaring one byte more than the maximum.
fn over_max_text_header(spec: &Spec) -> Result<Vec<u8>, String> {
    const CANNOT: &str = "the length text cannot declare more than the maximum";
    let over = spec.max() + 1;
    let mut out = vec![b'Q'; spec.offset];
    match &spec.kind {
        Kind::Digits(n) | Kind::Hex(n) => {
            let declared = i128::try_from(over).unwrap_or(i128::MAX) - i128::from(spec.adjust);
            let hex = matches!(spec.kind, Kind::Hex(_));
            let text = if hex {
                format!("{declared:x}")
            } else {
                format!("{declared}")
            };
            if declared < 0 || text.len() > *n {
                return Err(CANNOT.to_owned());
            }
            out.extend(std::iter::repeat_n(b'0', n - text.len()));
            out.extend_from_slice(text.as_bytes());
        }
        Kind::PktLine => {
            let text = format!("{:04x}", over + 4);
            if text.len() > 4 {
                return Err(CANNOT.to_owned());
            }
            out.extend_from_slice(text.as_bytes());
        }
        Kind::Netstring | Kind::DecLen(_) => {
            let text = over.to_string();
            if text.len() > 9 {
                return Err(CANNOT.to_owned());
            }
            out.extend_from_slice(text.as_bytes());
            out.push(if let Kind::DecLen(sep) = spec.kind {
                sep
            } else {
                b':'
            });
        }
        Kind::Counted(c) => counted_line(c, format!("{over}").as_bytes(), &mut out),
        _ => return Err("no length field".to_owned()),
    }
    Ok(out)
}

/// The rest of the requirement of the cases on lengths written as text
/// against their framing's rules (`limits/signed-length` and its kin).
const MALFORMED_LENGTH: &str = " (FIN or RST, an error reply first or not: reply-then-close or silent-close); discard-and-continue is not possible, since the frame's end depends on the length the server must not read (a counted line's end is known, its block's is not), so replying and going on fails; processing the frame (accepted: its payload x answered) or answering the canary sent after it, where a lenient reader takes it for the next message (desync), fails";

/// A message whose length text starts with `+` (`+0005hello`, `+5:hello,`,
/// `set 0 0 0 +5` and its block), or why the framing has none.
pub(crate) fn signed_length_message(spec: &Spec) -> Result<Vec<u8>, String> {
    let mut out = vec![b'Q'; spec.offset];
    match &spec.kind {
        Kind::Digits(n) | Kind::Hex(n) if *n >= 2 && spec.adjust == 0 && spec.max() >= 1 => {
            out.push(b'+');
            out.extend(std::iter::repeat_n(b'0', n - 2));
            out.extend_from_slice(b"1x");
        }
        Kind::PktLine => out.extend_from_slice(b"+005x"),
        Kind::Netstring => out.extend_from_slice(b"+1:x,"),
        Kind::DecLen(sep) => {
            out.extend_from_slice(b"+1");
            out.push(*sep);
            out.push(b'x');
        }
        Kind::Counted(c) => {
            counted_line(c, b"+1", &mut out);
            out.push(b'x');
            out.extend_from_slice(c.delimiter());
        }
        _ => {
            return Err(
                "no length written as text (of two digits or more, without adjust=)".to_owned(),
            );
        }
    }
    Ok(out)
}

/// A message whose length text breaks its framing's digit rules in the way
/// `action` names, for a 1-byte payload `x` (so a lenient reader echoes `x`),
/// or why the framing has no such message.
pub(crate) fn malformed_length_message(spec: &Spec, action: Action) -> Result<Vec<u8>, String> {
    let mut out = vec![b'Q'; spec.offset];
    // The length text of a 1-byte payload, written wrongly.
    let text: &[u8] = match (action, &spec.kind) {
        (Action::NonDigitLength, Kind::Digits(n) | Kind::Hex(n))
            if *n >= 2 && spec.adjust == 0 && spec.max() >= 1 =>
        {
            out.extend(std::iter::repeat_n(b'0', n - 2));
            b"z1"
        }
        (Action::NonDigitLength, Kind::PktLine) => b"00z5",
        (Action::NonDigitLength, Kind::Netstring | Kind::DecLen(_) | Kind::Counted(_)) => b"1z",
        (Action::LeadingZeroLength, Kind::Netstring | Kind::DecLen(_)) => b"01",
        // One digit over the limit (9 for netstrings, 10 for the others).
        (Action::TooManyDigits, Kind::Netstring) => b"0000000001",
        (Action::TooManyDigits, Kind::DecLen(_) | Kind::Counted(_)) => b"00000000001",
        (Action::NonDigitLength, _) => {
            return Err(
                "no length written as text (of two digits or more, without adjust=)".to_owned(),
            );
        }
        (Action::LeadingZeroLength, _) => {
            return Err(
                "no length text that forbids a leading zero (netstring, declen:)".to_owned(),
            );
        }
        _ => {
            return Err(
                "no length text of variable width (netstring, declen:, counted:)".to_owned(),
            );
        }
    };
    match &spec.kind {
        Kind::Netstring => {
            out.extend_from_slice(text);
            out.extend_from_slice(b":x,");
        }
        Kind::DecLen(sep) => {
            out.extend_from_slice(text);
            out.push(*sep);
            out.push(b'x');
        }
        Kind::Counted(c) => {
            counted_line(c, text, &mut out);
            out.push(b'x');
            out.extend_from_slice(c.delimiter());
        }
        _ => {
            out.extend_from_slice(text);
            out.push(b'x');
        }
    }
    Ok(out)
}

/// The first counted command of `c` with `count` in its count word:
/// `WORD 0 … COUNT` and the line's delimiter (the data block is the
/// caller's). The words between are `0`, which real servers read as a
/// number or a name (beanstalkd's `put <pri> <delay> <ttr>`, memcached's
/// `set <key> <flags> <exptime>`): with `x` there, beanstalkd refused the
/// line itself (`BAD_FORMAT`), never saw the count, and read the data
/// block as a command of its own, a false desync.
fn counted_line(c: &framecheck_framing::spec::Counted, count: &[u8], out: &mut Vec<u8>) {
    let e = &c.entries[0];
    out.extend_from_slice(&e.word);
    for _ in 2..e.pos {
        out.extend_from_slice(b" 0");
    }
    out.push(b' ');
    out.extend_from_slice(count);
    out.extend_from_slice(c.delimiter());
}

/// A length field holding `v` (which fits the field).
fn encode_len(field: framecheck_framing::LenField, v: u64) -> Vec<u8> {
    use framecheck_framing::LenField as L;
    let be = v.to_be_bytes();
    let le = v.to_le_bytes();
    match field {
        L::U8 => be[7..].to_vec(),
        L::U16Be => be[6..].to_vec(),
        L::U16Le => le[..2].to_vec(),
        L::U32Be => be[4..].to_vec(),
        L::U32Le => le[..4].to_vec(),
        L::U64Be => be.to_vec(),
        L::U64Le => le.to_vec(),
        L::Varint => {
            let mut out = Vec::new();
            let mut v = v;
            while v >= 0x80 {
                out.push(u8::try_from(v & 0x7f).unwrap_or(0) | 0x80);
                v >>= 7;
            }
            out.push(u8::try_from(v).unwrap_or(0));
            out
        }
    }
}

/// A case no reference-server bug can fail on its own, and the id whose
/// failing proof covers it (see [`SHARED_PROOFS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharedProof {
    /// The case id.
    pub id: &'static str,
    /// The id that carries its proof: a case some bug fails, or
    /// [`BEFORE_SUITE`](crate::BEFORE_SUITE), the liveness probe.
    pub carried_by: &'static str,
    /// Why no bug can fail this case alone.
    pub why: &'static str,
}

/// Why the reassembly cases share their proofs.
const WHY_CUTS: &str = "the reassembly bugs (a frame per read, a delimiter or header looked for \
    in one read) show under every cutting that splits where they look: one byte per read, every \
    split point, the named split and the random schedules all make that cut, so a bug that fails \
    this case fails those too; each is asserted against those bugs on a run of its own";
/// Why a pipelined case shares the proof of its lockstep twin.
const WHY_TWIN: &str = "the pipelined twin sends the same messages with the same cuts without \
    waiting for replies, and each piece still arrives as its own read: a bug in reassembling \
    them breaks both twins; a bug that only pipelining shows is a bug of merged reads, proven by \
    boundary/coalesced";
/// Why the merged-read cases share their proofs.
const WHY_MERGE: &str = "a write that holds the end of one message and the start of the next \
    puts both in one read, as coalesced writes do: a server that drops or mis-cuts the rest of a \
    read fails both";

/// The cases that no reference-server bug fails alone in its group (the
/// detection matrix checks which do), each with the reason and the id that
/// carries its proof. Every case id is also the target of some bug, or named
/// here: the runner's detection test asserts each target case by case and
/// checks that every `carried_by` is itself proven.
pub const SHARED_PROOFS: &[SharedProof] = &[
    SharedProof {
        id: "boundary/whole/lockstep",
        carried_by: crate::BEFORE_SUITE,
        why: "the liveness probe before the suite (and after every case) is this very exchange: \
              a server that cannot echo one whole message fails the probe, and the run is not \
              judged (exit 2), so no bug can fail this case and pass the probe",
    },
    SharedProof {
        id: "boundary/byte-at-a-time/lockstep",
        carried_by: "boundary/split-every-point/lockstep",
        why: WHY_CUTS,
    },
    SharedProof {
        id: "boundary/byte-at-a-time/pipelined",
        carried_by: "boundary/byte-at-a-time/lockstep",
        why: WHY_TWIN,
    },
    SharedProof {
        id: "boundary/split-every-point/lockstep",
        carried_by: "boundary/byte-at-a-time/lockstep",
        why: WHY_CUTS,
    },
    SharedProof {
        id: "boundary/split-every-point/pipelined",
        carried_by: "boundary/split-every-point/lockstep",
        why: WHY_TWIN,
    },
    SharedProof {
        id: "boundary/split-length-field/lockstep",
        carried_by: "boundary/byte-at-a-time/lockstep",
        why: WHY_CUTS,
    },
    SharedProof {
        id: "boundary/split-length-field/pipelined",
        carried_by: "boundary/split-length-field/lockstep",
        why: WHY_TWIN,
    },
    SharedProof {
        id: "boundary/split-delimiter/lockstep",
        carried_by: "boundary/byte-at-a-time/lockstep",
        why: WHY_CUTS,
    },
    SharedProof {
        id: "boundary/split-delimiter/pipelined",
        carried_by: "boundary/split-delimiter/lockstep",
        why: WHY_TWIN,
    },
    SharedProof {
        id: "boundary/split-after-tag/lockstep",
        carried_by: "boundary/byte-at-a-time/lockstep",
        why: WHY_CUTS,
    },
    SharedProof {
        id: "boundary/split-after-tag/pipelined",
        carried_by: "boundary/split-after-tag/lockstep",
        why: WHY_TWIN,
    },
    SharedProof {
        id: "boundary/random-schedules/lockstep",
        carried_by: "boundary/byte-at-a-time/lockstep",
        why: WHY_CUTS,
    },
    SharedProof {
        id: "boundary/random-schedules/pipelined",
        carried_by: "boundary/random-schedules/lockstep",
        why: WHY_TWIN,
    },
    SharedProof {
        id: "boundary/coalesced",
        carried_by: "boundary/straddle/lockstep",
        why: WHY_MERGE,
    },
    SharedProof {
        id: "boundary/straddle/lockstep",
        carried_by: "boundary/coalesced",
        why: WHY_MERGE,
    },
    SharedProof {
        id: "boundary/straddle/pipelined",
        carried_by: "boundary/straddle/lockstep",
        why: WHY_TWIN,
    },
    SharedProof {
        id: "boundary/empty-payload/lockstep",
        carried_by: "boundary/empty-payload/pipelined",
        why: "a server that mishandles an empty payload does so whether or not the next message \
              waits for its reply: drops-empty-frames fails both twins, each asserted on its own run",
    },
    SharedProof {
        id: "boundary/empty-payload/pipelined",
        carried_by: "boundary/empty-payload/lockstep",
        why: "a server that mishandles an empty payload does so whether or not the next message \
              waits for its reply: drops-empty-frames fails both twins, each asserted on its own run",
    },
    SharedProof {
        id: "eof/mid-delimiter",
        carried_by: "eof/mid-payload",
        why: "an EOF inside a multi-byte delimiter is an EOF inside the frame: a server that answers \
              it, or never closes, does the same for an EOF inside the payload (ignores-eof and \
              ignores-eof-short-idle fail both, each asserted on its own run)",
    },
    SharedProof {
        id: "half-close/mid-message",
        carried_by: "half-close/pending-replies",
        why: "a half-close inside a message differs from one at a boundary only by the partial \
              message, which gets no reply: a server that drops its replies, never closes or \
              delays its FIN on a half-close does so at a boundary too (drops-replies-on-half-close, \
              delays-fin-after-half-close and ignores-eof fail both)",
    },
    SharedProof {
        id: "boundary/whole/pipelined",
        carried_by: "boundary/coalesced",
        why: "each message is its own write and its own read, confirmed, so the server sees what \
              it sees in lockstep and answers before the next arrives; a server can tell the two \
              apart only when messages share a read, which is boundary/coalesced",
    },
];

#[cfg(test)]
mod tests {
    use framecheck_framing::{Decoder, Error};

    use super::*;

    #[test]
    fn ids_are_unique_and_applicability_follows_the_spec() {
        let table: &[(&str, &[&str], &[&str])] = &[
            (
                "u16be,max=1KiB",
                &[
                    "boundary/split-length-field/lockstep",
                    "limits/length-over-max",
                    "eof/mid-header",
                ],
                &[
                    "boundary/split-delimiter/lockstep",
                    "limits/unknown-tag",
                    "half-close/eof-message",
                ],
            ),
            (
                "crlf",
                &[
                    "boundary/split-delimiter/pipelined",
                    "limits/over-long-frame",
                    "eof/mid-delimiter",
                ],
                &[
                    "boundary/split-length-field/lockstep",
                    "limits/length-over-max",
                    "eof/mid-header",
                ],
            ),
            (
                "eof",
                &[
                    "half-close/eof-message",
                    "boundary/whole/lockstep",
                    "boundary/large-message",
                ],
                &[
                    "boundary/whole/pipelined",
                    "boundary/coalesced",
                    "eof/mid-payload",
                ],
            ),
            (
                "tagged:A=4/V=u16be",
                &[
                    "limits/unknown-tag",
                    "boundary/split-after-tag/lockstep",
                    "eof/mid-header",
                ],
                &["limits/over-long-frame"],
            ),
            (
                "fixed:8",
                &["boundary/whole/lockstep", "eof/mid-payload"],
                &[
                    "boundary/empty-payload/lockstep",
                    "eof/mid-header",
                    "limits/length-over-max",
                ],
            ),
            (
                "u8",
                &["boundary/whole/lockstep"],
                &["limits/length-over-max", "eof/mid-header"],
            ),
        ];
        for (spec, applies, skipped) in table {
            let cases = catalogue(&spec.parse().expect("spec"));
            let mut ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
            ids.sort_unstable();
            let before = ids.len();
            ids.dedup();
            assert_eq!(before, ids.len(), "{spec}: duplicate ids");
            let find = |id: &str| {
                cases
                    .iter()
                    .find(|c| c.id == id)
                    .unwrap_or_else(|| panic!("{spec}: no {id}"))
            };
            for id in *applies {
                assert_eq!(find(id).skip, None, "{spec}: {id} should apply");
            }
            for id in *skipped {
                assert!(find(id).skip.is_some(), "{spec}: {id} should be skipped");
            }
        }
    }

    #[test]
    fn a_counted_over_max_header_is_a_well_formed_command() {
        // Every word before the count is a number a real server takes:
        // beanstalkd answers `put 0 0 0 223` JOB_TOO_BIG and drops the body,
        // but `put x x x 223` BAD_FORMAT, and then reads the body as a command.
        let spec: Spec = "counted:crlf/put=5,max=222".parse().expect("spec");
        assert_eq!(
            over_max_header(&spec).expect("header"),
            b"put 0 0 0 223\r\n"
        );
        let signed = signed_length_message(&spec).expect("signed");
        assert_eq!(signed, b"put 0 0 0 +1\r\nx\r\n");
    }

    #[test]
    fn over_max_headers_are_refused_by_the_reference_decoder() {
        for spec in [
            "u16be,max=100",
            "u32be,offset=1,adjust=-4",
            "varint",
            "tagged:A=4/V=u32le,max=1KiB",
        ] {
            let spec: Spec = spec.parse().expect("spec");
            let header = over_max_header(&spec).expect("header");
            let mut dec = Decoder::new(&spec);
            let mut input = &header[..];
            assert!(
                matches!(dec.decode(&mut input), Err(Error::TooLarge { .. })),
                "{spec}"
            );
        }
    }
}
