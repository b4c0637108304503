//! The catalogue of injectable bugs: one classic framing mistake each.

use std::fmt;
use std::str::FromStr;

use framecheck_framing::http1::Role;
use framecheck_framing::{Kind, LenField, Spec, TagRule};

/// One classic framing bug that a reference server can be built with.
///
/// Each variant has a stable kebab-case name (its [`Display`](fmt::Display)
/// and [`FromStr`] form), a one-line [`description`](Bug::description), and
/// applies to some framings only ([`Bug::applies_to`]).
///
/// ```
/// use framecheck_servers::Bug;
/// let bug: Bug = "trusts-length".parse()?;
/// assert_eq!(bug, Bug::TrustsLength);
/// assert!(bug.applies_to(&"u32be".parse()?));
/// assert!(!bug.applies_to(&"crlf".parse()?));
/// assert!(Bug::ALL.iter().all(|b| b.to_string().parse::<Bug>().ok() == Some(*b)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Bug {
    /// Decodes one frame per `recv` and drops the rest of the read, including
    /// any partial frame; for `eof` framing the first read is the message.
    RecvIsMessage,
    /// Looks for the delimiter only inside the newest read, so a delimiter
    /// split across two reads is missed.
    DelimInOneRead,
    /// Reads a fixed-width header with one `recv` and zero-fills what that
    /// read did not return.
    HeaderInOneRecv,
    /// Believes the declared length: no maximum, waits for the whole body
    /// (buffering at most 64 MiB of it, a safety valve).
    TrustsLength,
    /// Buffers a line until its delimiter comes, however long it grows (up to
    /// a 64 MiB safety valve).
    NoLineLimit,
    /// Never closes after the peer's EOF (a 0-byte `recv`).
    IgnoresEof,
    /// Batches replies and drops the batch when the peer half-closes.
    DropsRepliesOnHalfClose,
    /// The whole server stops when a write fails because the peer reset.
    DiesOnResetWhileWriting,
    /// The whole server stops on a frame with an unknown tag.
    CrashesOnUnknownTag,
    /// Serves one connection at a time; the others wait in the backlog.
    OneClientAtATime,
    /// One non-blocking write per reply on a small send buffer; whatever did
    /// not fit is lost.
    IgnoresShortWrites,
    /// Keeps a duplicate of every accepted socket, so closed connections never
    /// send FIN, and stops accepting once the descriptor cap is reached.
    LeaksDescriptor,
    /// Never answers a frame whose payload is empty (a "nothing to do"
    /// shortcut), though it reads the frame and stays in step.
    DropsEmptyFrames,
    /// The whole server stops when a peer resets while a frame is half
    /// read (an unhandled `ECONNRESET` on the read path).
    DiesOnResetMidMessage,
    /// Never acts on the peer's EOF, but closes every connection, at a frame
    /// boundary or inside one, after [`SHORT_IDLE`](crate::SHORT_IDLE) (or
    /// the configured idle timeout, if shorter) without a byte from the peer:
    /// an idle timeout that can pass for a close on EOF.
    IgnoresEofShortIdle,
    /// Sends every reply after the peer's EOF, but shuts down its own side
    /// only [`FIN_DELAY`](crate::FIN_DELAY) later.
    DelaysFinAfterHalfClose,
    /// Closes the connection when a read ends inside a frame: it expects
    /// every message whole in one read and takes a partial one as garbage.
    ClosesMidFrame,
    /// Serves at most [`SMALL_POOL`](crate::SMALL_POOL) connections at once
    /// (a fixed pool of workers); the others wait in the backlog for a free
    /// one.
    SmallWorkerPool,
    /// Holds one lock for the whole server from a frame's first byte until
    /// the frame is complete: a client that stops in the middle of a frame
    /// stalls every other client.
    LocksMidFrame,
    /// Lengths written as text: when a read ends inside the digits, takes
    /// the digits that have arrived as the whole length (zero-padded to the
    /// width, or as if the separator followed).
    ParsesPartialDigits,
    /// Lengths written as text: reads a leading `+` as part of the number
    /// (as `Integer.parseInt` and `u64::from_str` do), so `+0005` is 5.
    TrustsSignedLength,
    /// Netstrings: reads `LEN:payload` and leaves the trailing `,` to start
    /// the next frame.
    ForgetsTrailer,
    /// Reads a length written as text leniently, as C's `strtol` family and
    /// hand-written loops often do: non-digits inside it are skipped, and
    /// leading zeros and extra digits are taken (`01:x,` is a 1-byte
    /// netstring).
    ReadsLengthLeniently,
    /// Answers a frame over the limit with an error reply, then drops only
    /// the first `max` bytes of the line (or the header of a frame declaring
    /// too much) and frames what follows as a new message: the rest of the
    /// refused frame is read as requests.
    DesyncsAfterRefusal,
    /// The whole server stops when a frame's payload contains the bytes
    /// `%n` (a payload passed to a `printf`-like formatter). Found by
    /// content, not by how the bytes are cut; no conformance case sends it.
    DiesOnFormatString,
    /// The whole server stops when the
    /// [`THOUSANDTH`](crate::THOUSANDTH)-th frame arrives on one connection
    /// (a fixed per-connection table that overflows). Found by count.
    DiesOnThousandthFrame,
    /// The whole server stops on a frame whose payload is exactly 65,536
    /// bytes long (a 16-bit length counter that wraps to zero). Found by a
    /// declared length of 2^16.
    DiesOnLengthWrap,
    /// Leaks a worker slot for every frame whose payload starts with a NUL
    /// byte; after [`NUL_SLOTS`](crate::NUL_SLOTS) of them no connection is
    /// answered any more (the server hangs).
    LeaksSlotOnNul,
    /// RESP: believes a bulk string's declared length: no maximum, waits
    /// for the whole body (buffering at most 64 MiB of it, a safety valve).
    TrustsBulkLength,
    /// RESP: takes an aggregate of any element count.
    NoElementLimit,
    /// RESP: nests aggregates as deep as they come (up to 1024 levels).
    NoDepthLimit,
    /// RESP: reads a negative length other than `-1` (`$-2`) as the null
    /// `$-1` and goes on.
    ReadsNegativeLengthAsNull,
    /// HTTP: of several `Content-Length` fields, takes the first (instead
    /// of answering 400 to differing values, RFC 9112 section 6.3).
    FirstContentLengthWins,
    /// HTTP: never reads `Transfer-Encoding`: a request's body is its
    /// `Content-Length`, or empty.
    IgnoresTransferEncoding,
    /// HTTP: reads a chunk size as its longest hex prefix and ignores the
    /// rest of the line (`0z` is the last chunk).
    ChunkSizeLongestHexPrefix,
    /// HTTP: a chunk line (size, data end, trailer) may end with a bare LF.
    AcceptsBareLfInChunkLines,
    /// HTTP: one request per read; the rest of the read is dropped.
    NoPipelining,
    /// HTTP: holds each response for a moment and drops it (and closes)
    /// when the client's half-close arrives meanwhile.
    DropsResponseAfterHalfClose,
    /// HTTP: a request with both Content-Length and Transfer-Encoding is
    /// framed by the chunked coding (as RFC 9112 allows) but the connection
    /// stays open (the RFC requires a close); obs-fold is unfolded.
    KeepsAliveAfterClAndTe,
    /// HTTP: a field line it cannot parse (whitespace before the colon, a
    /// control byte in the value, an obs-fold line) is ignored instead of
    /// refused with 400.
    IgnoresMalformedFields,
    /// HTTP: a GET or HEAD never has a body: its Content-Length is ignored
    /// and the body read as the next request (0.CL).
    IgnoresBodyOnGet,
    /// HTTP: at the peer's EOF, a partial request is answered as if whole.
    AnswersPartialRequestAtEof,
    /// HTTP: refuses a request over a limit (413, 431) but drops only the
    /// bytes it looked at, and reads the rest of the refused request as new
    /// requests.
    ReadsRefusedRequestAsNext,
}

impl Bug {
    /// Every bug, in catalogue order.
    pub const ALL: [Bug; 43] = [
        Bug::RecvIsMessage,
        Bug::DelimInOneRead,
        Bug::HeaderInOneRecv,
        Bug::TrustsLength,
        Bug::NoLineLimit,
        Bug::IgnoresEof,
        Bug::DropsRepliesOnHalfClose,
        Bug::DiesOnResetWhileWriting,
        Bug::CrashesOnUnknownTag,
        Bug::OneClientAtATime,
        Bug::IgnoresShortWrites,
        Bug::LeaksDescriptor,
        Bug::DropsEmptyFrames,
        Bug::DiesOnResetMidMessage,
        Bug::IgnoresEofShortIdle,
        Bug::DelaysFinAfterHalfClose,
        Bug::ClosesMidFrame,
        Bug::SmallWorkerPool,
        Bug::LocksMidFrame,
        Bug::ParsesPartialDigits,
        Bug::TrustsSignedLength,
        Bug::ForgetsTrailer,
        Bug::ReadsLengthLeniently,
        Bug::DesyncsAfterRefusal,
        Bug::DiesOnFormatString,
        Bug::DiesOnThousandthFrame,
        Bug::DiesOnLengthWrap,
        Bug::LeaksSlotOnNul,
        Bug::TrustsBulkLength,
        Bug::NoElementLimit,
        Bug::NoDepthLimit,
        Bug::ReadsNegativeLengthAsNull,
        Bug::FirstContentLengthWins,
        Bug::IgnoresTransferEncoding,
        Bug::ChunkSizeLongestHexPrefix,
        Bug::AcceptsBareLfInChunkLines,
        Bug::NoPipelining,
        Bug::DropsResponseAfterHalfClose,
        Bug::KeepsAliveAfterClAndTe,
        Bug::IgnoresMalformedFields,
        Bug::IgnoresBodyOnGet,
        Bug::AnswersPartialRequestAtEof,
        Bug::ReadsRefusedRequestAsNext,
    ];

    /// The bugs of the reference HTTP server (`http1:request` framing
    /// only). Of the others, only [`Bug::RecvIsMessage`] and
    /// [`Bug::DiesOnResetMidMessage`] apply to it.
    pub const HTTP: [Bug; 11] = [
        Bug::FirstContentLengthWins,
        Bug::IgnoresTransferEncoding,
        Bug::ChunkSizeLongestHexPrefix,
        Bug::AcceptsBareLfInChunkLines,
        Bug::NoPipelining,
        Bug::DropsResponseAfterHalfClose,
        Bug::KeepsAliveAfterClAndTe,
        Bug::IgnoresMalformedFields,
        Bug::IgnoresBodyOnGet,
        Bug::AnswersPartialRequestAtEof,
        Bug::ReadsRefusedRequestAsNext,
    ];

    /// The bugs no conformance case targets: they depend on what a message
    /// contains or how many arrive, not on how bytes are cut or when a
    /// connection ends. `framecheck fuzz` finds them (proven by the tests
    /// of `framecheck-netfuzz`).
    pub const FUZZ_ONLY: [Bug; 4] = [
        Bug::DiesOnFormatString,
        Bug::DiesOnThousandthFrame,
        Bug::DiesOnLengthWrap,
        Bug::LeaksSlotOnNul,
    ];

    /// The stable kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            Bug::RecvIsMessage => "recv-is-message",
            Bug::DelimInOneRead => "delim-in-one-read",
            Bug::HeaderInOneRecv => "header-in-one-recv",
            Bug::TrustsLength => "trusts-length",
            Bug::NoLineLimit => "no-line-limit",
            Bug::IgnoresEof => "ignores-eof",
            Bug::DropsRepliesOnHalfClose => "drops-replies-on-half-close",
            Bug::DiesOnResetWhileWriting => "dies-on-reset-while-writing",
            Bug::CrashesOnUnknownTag => "crashes-on-unknown-tag",
            Bug::OneClientAtATime => "one-client-at-a-time",
            Bug::IgnoresShortWrites => "ignores-short-writes",
            Bug::LeaksDescriptor => "leaks-descriptor",
            Bug::DropsEmptyFrames => "drops-empty-frames",
            Bug::DiesOnResetMidMessage => "dies-on-reset-mid-message",
            Bug::IgnoresEofShortIdle => "ignores-eof-short-idle",
            Bug::DelaysFinAfterHalfClose => "delays-fin-after-half-close",
            Bug::ClosesMidFrame => "closes-mid-frame",
            Bug::SmallWorkerPool => "small-worker-pool",
            Bug::LocksMidFrame => "locks-mid-frame",
            Bug::ParsesPartialDigits => "parses-partial-digits",
            Bug::TrustsSignedLength => "trusts-signed-length",
            Bug::ForgetsTrailer => "forgets-trailer",
            Bug::ReadsLengthLeniently => "reads-length-leniently",
            Bug::DesyncsAfterRefusal => "desyncs-after-refusal",
            Bug::DiesOnFormatString => "dies-on-format-string",
            Bug::DiesOnThousandthFrame => "dies-on-thousandth-frame",
            Bug::DiesOnLengthWrap => "dies-on-length-wrap",
            Bug::LeaksSlotOnNul => "leaks-slot-on-nul",
            Bug::TrustsBulkLength => "trusts-bulk-length",
            Bug::NoElementLimit => "no-element-limit",
            Bug::NoDepthLimit => "no-depth-limit",
            Bug::ReadsNegativeLengthAsNull => "reads-negative-length-as-null",
            Bug::FirstContentLengthWins => "first-content-length-wins",
            Bug::IgnoresTransferEncoding => "ignores-transfer-encoding",
            Bug::ChunkSizeLongestHexPrefix => "chunk-size-longest-hex-prefix",
            Bug::AcceptsBareLfInChunkLines => "accepts-bare-lf-in-chunk-lines",
            Bug::NoPipelining => "no-pipelining",
            Bug::DropsResponseAfterHalfClose => "drops-response-after-half-close",
            Bug::KeepsAliveAfterClAndTe => "keeps-alive-after-cl-and-te",
            Bug::IgnoresMalformedFields => "ignores-malformed-fields",
            Bug::IgnoresBodyOnGet => "ignores-body-on-get",
            Bug::AnswersPartialRequestAtEof => "answers-partial-request-at-eof",
            Bug::ReadsRefusedRequestAsNext => "reads-refused-request-as-next",
        }
    }

    /// What the bug does, in one line.
    #[expect(
        clippy::too_many_lines,
        reason = "one line per bug reads best as one match"
    )]
    pub fn description(self) -> &'static str {
        match self {
            Bug::RecvIsMessage => {
                "treats each recv as one whole message: one frame per read, the rest of the read is dropped"
            }
            Bug::DelimInOneRead => {
                "looks for the delimiter only within one read, missing one split across reads"
            }
            Bug::HeaderInOneRecv => {
                "reads the fixed-width header with a single recv and zero-fills what is missing"
            }
            Bug::TrustsLength => {
                "trusts the length prefix: no maximum, waits for the whole declared body"
            }
            Bug::NoLineLimit => "no limit on line length: buffers until the delimiter comes",
            Bug::IgnoresEof => "never closes after the peer's EOF (0-byte recv)",
            Bug::DropsRepliesOnHalfClose => {
                "batches replies and drops them when the peer half-closes (shutdown SHUT_WR)"
            }
            Bug::DiesOnResetWhileWriting => {
                "the whole server stops when a peer resets while it writes (like an unhandled SIGPIPE)"
            }
            Bug::CrashesOnUnknownTag => "the whole server stops on a frame with an unknown tag",
            Bug::OneClientAtATime => "serves one connection at a time; the others wait",
            Bug::IgnoresShortWrites => {
                "treats a partial write as complete: replies lose bytes when the client reads slowly"
            }
            Bug::LeaksDescriptor => {
                "leaks one descriptor per connection (no FIN on close); stops accepting at the cap"
            }
            Bug::DropsEmptyFrames => "never answers a frame with an empty payload",
            Bug::DiesOnResetMidMessage => {
                "the whole server stops when a peer resets in the middle of a frame it is reading"
            }
            Bug::IgnoresEofShortIdle => {
                "never closes on the peer's EOF, but closes any connection silent for 200 ms"
            }
            Bug::DelaysFinAfterHalfClose => {
                "sends every reply after the peer's EOF, but its own EOF (FIN) only 600 ms later"
            }
            Bug::ClosesMidFrame => {
                "closes the connection when a read ends inside a frame (expects every message in one read)"
            }
            Bug::SmallWorkerPool => {
                "serves at most 8 connections at once (a fixed worker pool); the others wait"
            }
            Bug::LocksMidFrame => {
                "holds a server-wide lock from a frame's first byte to its last: a client stalled mid-frame stalls all"
            }
            Bug::ParsesPartialDigits => {
                "a length written as text cut by a read: takes the digits that have arrived as the whole length"
            }
            Bug::TrustsSignedLength => {
                "a length written as text may start with '+' (like Integer.parseInt): +0005 is read as 5"
            }
            Bug::ForgetsTrailer => {
                "netstrings: reads LEN:payload and leaves the ',' to start the next frame"
            }
            Bug::ReadsLengthLeniently => {
                "a length written as text is read leniently: non-digits in it skipped, leading zeros and extra digits taken (01:x, is a netstring)"
            }
            Bug::DesyncsAfterRefusal => {
                "answers a frame over the limit with an error, then reads the rest of it as new messages"
            }
            Bug::DiesOnFormatString => "the whole server stops on a payload containing %n",
            Bug::DiesOnThousandthFrame => {
                "the whole server stops when the 1000th frame arrives on one connection"
            }
            Bug::DiesOnLengthWrap => {
                "the whole server stops on a payload of exactly 65536 bytes (a 16-bit counter wraps)"
            }
            Bug::LeaksSlotOnNul => {
                "leaks a worker slot per payload starting with NUL; after 16 it answers nobody"
            }
            Bug::TrustsBulkLength => {
                "RESP: trusts a bulk string's length: no maximum, waits for the whole declared body"
            }
            Bug::NoElementLimit => "RESP: takes an aggregate announcing any number of elements",
            Bug::NoDepthLimit => "RESP: nests aggregates as deep as they come",
            Bug::ReadsNegativeLengthAsNull => {
                "RESP: reads a negative length other than -1 ($-2) as the null $-1 and goes on"
            }
            Bug::FirstContentLengthWins => {
                "HTTP: of several Content-Length fields the first wins (differing values are not refused)"
            }
            Bug::IgnoresTransferEncoding => {
                "HTTP: Transfer-Encoding is ignored; a request's body is its Content-Length or nothing"
            }
            Bug::ChunkSizeLongestHexPrefix => {
                "HTTP: a chunk size is its longest hex prefix, the rest of the line ignored (0z ends the body)"
            }
            Bug::AcceptsBareLfInChunkLines => "HTTP: a chunk line may end with a bare LF",
            Bug::NoPipelining => "HTTP: one request per read; the rest of the read is dropped",
            Bug::DropsResponseAfterHalfClose => {
                "HTTP: drops the response (and closes) when the client half-closes right after its request"
            }
            Bug::KeepsAliveAfterClAndTe => {
                "HTTP: frames a request with Content-Length and Transfer-Encoding by chunked, then keeps the connection open"
            }
            Bug::IgnoresMalformedFields => {
                "HTTP: ignores a field line it cannot parse (space before the colon, a control byte, obs-fold) instead of a 400"
            }
            Bug::IgnoresBodyOnGet => {
                "HTTP: a GET or HEAD has no body, whatever its Content-Length (the body is read as the next request)"
            }
            Bug::AnswersPartialRequestAtEof => {
                "HTTP: at the peer's EOF, answers a partial request as if it were whole"
            }
            Bug::ReadsRefusedRequestAsNext => {
                "HTTP: after a 413 or 431, reads the rest of the refused request as new requests"
            }
        }
    }

    /// Whether the bug can be injected into a server with this framing.
    pub fn applies_to(self, spec: &Spec) -> bool {
        self.inapplicable(spec).is_none()
    }

    /// Why the bug cannot be injected into a server with this framing, or
    /// `None` when it can.
    #[expect(
        clippy::too_many_lines,
        reason = "one arm per bug reads best as one match"
    )]
    pub fn inapplicable(self, spec: &Spec) -> Option<&'static str> {
        let http_request = matches!(&spec.kind, Kind::Http1(h) if h.role == Role::Request);
        if Bug::HTTP.contains(&self) {
            return (!http_request).then_some("it needs an http1:request framing");
        }
        if matches!(spec.kind, Kind::Http1(_))
            && !matches!(self, Bug::RecvIsMessage | Bug::DiesOnResetMidMessage)
        {
            return Some(
                "the HTTP reference server carries only the HTTP bugs (first-content-length-wins, ...)",
            );
        }
        match self {
            Bug::DelimInOneRead => match spec.delimiter() {
                None => Some("it needs a delimited framing (crlf, delim:BYTES)"),
                Some(d) if d.len() < 2 => {
                    Some("a one-byte delimiter cannot be split across reads")
                }
                Some(_) => None,
            },
            Bug::HeaderInOneRecv => (header_width(spec) < 2).then_some(
                "it needs a fixed-width header of at least two bytes (u16be, u32be, offset=N, tagged with a length)",
            ),
            Bug::TrustsLength => {
                if !has_length_field(spec) {
                    Some("it needs a length prefix (u8…u64le, varint, tagged with a length)")
                } else if !length_can_exceed_max(spec) {
                    Some("no length field can declare more than the maximum; give a smaller max=")
                } else {
                    None
                }
            }
            Bug::NoLineLimit => spec
                .delimiter()
                .is_none()
                .then_some("it needs a delimited framing (line, crlf, delim:BYTES)"),
            Bug::CrashesOnUnknownTag => match &spec.kind {
                Kind::Tagged(entries) if entries.len() < 256 => None,
                Kind::Tagged(_) => Some("every tag is known, so no unknown tag can arrive"),
                _ => Some("it needs a tagged framing (tagged:TAG=RULE/...)"),
            },
            Bug::DropsEmptyFrames => match &spec.kind {
                Kind::Fixed(_) => Some("a fixed-size frame never has an empty payload"),
                Kind::Eof => Some("an empty eof message is no frame to answer"),
                Kind::Len(_) if spec.adjust > 0 => {
                    Some("a positive adjust= makes every payload longer than zero")
                }
                Kind::Tagged(e)
                    if !e
                        .iter()
                        .any(|e| matches!(e.rule, TagRule::Len(_) | TagRule::Fixed(0))) =>
                {
                    Some("no tag of this framing has an empty payload")
                }
                _ => None,
            },
            Bug::DesyncsAfterRefusal => {
                let over_long_line = spec.delimiter().is_some();
                let over_long_header = has_length_field(spec) && length_can_exceed_max(spec);
                (!over_long_line && !over_long_header).then_some(
                    "it needs a delimited framing, or a length field that can declare more than the maximum",
                )
            }
            Bug::SmallWorkerPool if spec.kind == Kind::Eof => Some(
                "an eof connection carries one message and ends, so a pool frees its workers as fast as clients come",
            ),
            Bug::ClosesMidFrame | Bug::LocksMidFrame if spec.kind == Kind::Eof => {
                Some("an eof message is only whole at the peer's EOF, so every read ends inside it")
            }
            Bug::ParsesPartialDigits
            | Bug::TrustsSignedLength
            | Bug::ReadsLengthLeniently
            | Bug::ForgetsTrailer => self.text_inapplicable(spec),
            Bug::TrustsBulkLength
            | Bug::NoElementLimit
            | Bug::NoDepthLimit
            | Bug::ReadsNegativeLengthAsNull => resp_inapplicable(self, spec),
            Bug::DiesOnLengthWrap => {
                if !has_length_field(spec) {
                    Some("it needs a length prefix (u8…u64le, varint, tagged with a length)")
                } else if spec.max() < 65_536 {
                    Some("the maximum is below 65536, so no such payload is legal")
                } else {
                    None
                }
            }
            Bug::DiesOnThousandthFrame | Bug::LeaksSlotOnNul if spec.kind == Kind::Eof => {
                Some("an eof connection carries one message")
            }
            Bug::LeaksSlotOnNul if matches!(spec.kind, Kind::Fixed(0)) => {
                Some("a zero-size frame has no first byte")
            }
            Bug::RecvIsMessage
            | Bug::DiesOnFormatString
            | Bug::DiesOnThousandthFrame
            | Bug::LeaksSlotOnNul
            | Bug::ClosesMidFrame
            | Bug::SmallWorkerPool
            | Bug::LocksMidFrame
            | Bug::DiesOnResetMidMessage
            | Bug::IgnoresEof
            | Bug::DropsRepliesOnHalfClose
            | Bug::DiesOnResetWhileWriting
            | Bug::OneClientAtATime
            | Bug::IgnoresShortWrites
            | Bug::LeaksDescriptor
            | Bug::IgnoresEofShortIdle
            | Bug::DelaysFinAfterHalfClose
            | Bug::FirstContentLengthWins
            | Bug::IgnoresTransferEncoding
            | Bug::ChunkSizeLongestHexPrefix
            | Bug::AcceptsBareLfInChunkLines
            | Bug::NoPipelining
            | Bug::DropsResponseAfterHalfClose
            | Bug::KeepsAliveAfterClAndTe
            | Bug::IgnoresMalformedFields
            | Bug::IgnoresBodyOnGet
            | Bug::AnswersPartialRequestAtEof
            | Bug::ReadsRefusedRequestAsNext => None,
        }
    }

    /// [`Bug::inapplicable`] for the bugs of lengths written as text.
    fn text_inapplicable(self, spec: &Spec) -> Option<&'static str> {
        match self {
            Bug::ParsesPartialDigits | Bug::TrustsSignedLength | Bug::ReadsLengthLeniently => {
                match spec.kind {
                    _ if spec.offset > 0 => {
                        Some("it needs the length text at the frame's start (no offset=)")
                    }
                    Kind::Digits(n) | Kind::Hex(n) if n < 2 && self == Bug::ParsesPartialDigits => {
                        Some("one digit cannot be cut across reads")
                    }
                    Kind::Digits(_)
                    | Kind::Hex(_)
                    | Kind::PktLine
                    | Kind::Netstring
                    | Kind::DecLen(_) => None,
                    _ => Some(
                        "it needs a length written as text (digits:N, hex:N, pktline, netstring, declen:)",
                    ),
                }
            }
            Bug::ForgetsTrailer => (spec.kind != Kind::Netstring)
                .then_some("it needs a framing with a trailer after the payload (netstring)"),
            _ => None,
        }
    }

    /// The names of all bugs, comma-separated.
    fn known() -> String {
        Bug::ALL.map(Bug::name).join(", ")
    }
}

/// [`Bug::inapplicable`] for the RESP bugs: a RESP framing; the element,
/// depth and null bugs only where values are read (`resp`, `resp2`): a
/// command's elements are bulk strings, so whatever follows an aggregate's
/// header there but a bulk string is refused anyway, nesting in a command
/// is refused at its first level, and a command holds no null.
fn resp_inapplicable(bug: Bug, spec: &Spec) -> Option<&'static str> {
    let Kind::Resp(r) = &spec.kind else {
        return Some("it needs a RESP framing (resp, resp2, resp:request)");
    };
    let values = r.mode != framecheck_framing::resp::RespMode::Request;
    (bug != Bug::TrustsBulkLength && !values).then_some(
        "it needs a framing of RESP values (resp, resp2): a command's elements are bulk strings, which no element, depth or null limit concerns",
    )
}

/// The width of the part of a header that `header-in-one-recv` reads with one
/// `recv`: `offset` plus a fixed-width length field, or the widest
/// fixed-width length field after a tag; 0 when there is none.
pub(crate) fn header_width(spec: &Spec) -> usize {
    match &spec.kind {
        Kind::Len(field) => field.width().map_or(0, |w| spec.offset + w),
        Kind::Tagged(entries) => entries
            .iter()
            .filter_map(|e| match e.rule {
                TagRule::Len(field) => field.width(),
                TagRule::Fixed(_) => None,
            })
            .max()
            .unwrap_or(0),
        _ => 0,
    }
}

/// Whether some length field can declare a payload above `spec.max()`.
fn length_can_exceed_max(spec: &Spec) -> bool {
    let exceeds = |field: LenField| {
        i128::from(field.max_value()) + i128::from(spec.adjust)
            > i128::try_from(spec.max()).unwrap_or(i128::MAX)
    };
    match &spec.kind {
        Kind::Len(field) => exceeds(*field),
        Kind::Tagged(entries) => entries.iter().any(|e| match e.rule {
            TagRule::Len(field) => exceeds(field),
            TagRule::Fixed(_) => false,
        }),
        _ => false,
    }
}

fn has_length_field(spec: &Spec) -> bool {
    match &spec.kind {
        Kind::Len(_) => true,
        Kind::Tagged(entries) => entries.iter().any(|e| matches!(e.rule, TagRule::Len(_))),
        _ => false,
    }
}

impl fmt::Display for Bug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A bug name that is not one of [`Bug::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown bug {name:?}; expected one of {known}")]
pub struct UnknownBug {
    /// The name given.
    pub name: String,
    /// The known names, comma-separated.
    pub known: String,
}

impl FromStr for Bug {
    type Err = UnknownBug;

    fn from_str(s: &str) -> Result<Bug, UnknownBug> {
        Bug::ALL
            .into_iter()
            .find(|b| b.name() == s)
            .ok_or_else(|| UnknownBug {
                name: s.to_owned(),
                known: Bug::known(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut names: Vec<&str> = Bug::ALL.iter().map(|b| b.name()).collect();
        for bug in Bug::ALL {
            assert_eq!(bug.to_string().parse::<Bug>().ok(), Some(bug));
            assert!(!bug.description().is_empty());
            assert!(
                bug.name()
                    .bytes()
                    .all(|c| c.is_ascii_lowercase() || c == b'-')
            );
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Bug::ALL.len());
    }

    #[test]
    fn unknown_name_lists_the_known_ones() {
        let err = "eats-bytes"
            .parse::<Bug>()
            .expect_err("not a bug name")
            .to_string();
        assert!(err.contains("\"eats-bytes\""), "{err}");
        assert!(err.contains("leaks-descriptor"), "{err}");
    }

    #[test]
    fn applicability_table() {
        use Bug::*;
        let table: &[(Bug, &str, bool)] = &[
            (DelimInOneRead, "crlf", true),
            (DelimInOneRead, r"delim:\r\n\r\n", true),
            (DelimInOneRead, "line", false),
            (DelimInOneRead, r"delim:\0", false),
            (DelimInOneRead, "u16be", false),
            (HeaderInOneRecv, "u16be", true),
            (HeaderInOneRecv, "u8,offset=1", true),
            (HeaderInOneRecv, "u8", false),
            (HeaderInOneRecv, "varint", false),
            (HeaderInOneRecv, "tagged:A=4/V=u16be", true),
            (HeaderInOneRecv, "tagged:A=4/V=u8", false),
            (HeaderInOneRecv, "fixed:8", false),
            (TrustsLength, "u32be", true),
            (TrustsLength, "u16be", false),
            (TrustsLength, "u16be,max=64", true),
            (TrustsLength, "u8,adjust=-1", false),
            (TrustsLength, "tagged:A=4/V=u16be", false),
            (TrustsLength, "tagged:A=4/V=u16be,max=1KiB", true),
            (TrustsLength, "varint,offset=1", true),
            (TrustsLength, "tagged:A=4/V=varint", true),
            (TrustsLength, "tagged:A=4", false),
            (TrustsLength, "line", false),
            (TrustsLength, "eof", false),
            (NoLineLimit, "line", true),
            (NoLineLimit, "delim:END", true),
            (NoLineLimit, "eof", false),
            (CrashesOnUnknownTag, "tagged:A=4", true),
            (CrashesOnUnknownTag, "u16be", false),
            (RecvIsMessage, "eof", true),
            (IgnoresEof, "fixed:4", true),
            (LeaksDescriptor, "line", true),
            (DesyncsAfterRefusal, "crlf", true),
            (DesyncsAfterRefusal, "u32be", true),
            (DesyncsAfterRefusal, "u16be", false),
            (DesyncsAfterRefusal, "fixed:8", false),
        ];
        for (bug, spec, applies) in table {
            let spec: Spec = spec.parse().expect("valid spec");
            assert_eq!(bug.applies_to(&spec), *applies, "{bug} on {spec}");
            assert_eq!(
                bug.inapplicable(&spec).is_some(),
                !applies,
                "{bug} on {spec}"
            );
        }
    }
}
