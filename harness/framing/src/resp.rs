//! RESP, the Redis serialization protocol (RESP2 and RESP3): where one
//! top-level value ends.
//!
//! A [`Scanner`] reads the bytes of one frame, in as many pieces as they
//! come, and says where the frame ends. It keeps no bytes: only a few
//! numbers and a stack of the aggregates it is inside (at most
//! [`RespLimits::depth`] entries), so it costs the same however the input
//! was cut, and the result is the same for every cutting.
//!
//! What it reads, by the type byte of each value:
//!
//! | type | form | checked |
//! |---|---|---|
//! | `+` `-` | a line | no CR or LF inside |
//! | `:` | a line | an optional sign, then digits, in 64 bits |
//! | `(` | a line | an optional sign, then digits |
//! | `,` | a line | not empty; digits, `.`, `e`, signs, `inf`, `nan` |
//! | `#` | a line | `t` or `f` |
//! | `_` | a line | empty |
//! | `$` `!` `=` | a length, CRLF, that many bytes, CRLF | length within `max`; `=` has a 3-byte format and `:` first |
//! | `*` `~` `>` | a count, then that many values | count within `elements`, nesting within `depth` |
//! | `%` `\|` | a count of pairs, then twice that many values | as above; an attribute (`\|`) comes before the value it describes, in the same place |
//! | `$?` | streamed string: `;N` CRLF, N bytes, CRLF, …, `;0` CRLF | every chunk within `max` |
//! | `*?` `~?` `%?` `>?` | streamed aggregate: values until `.` CRLF | a map's `.` after a whole pair |
//! | `$-1` `*-1` | RESP2 nulls | only for `$` and `*` |
//!
//! Lengths and counts are digits with no sign and no leading zero (as
//! redis-server's `string2ll` reads them); every line ends in CRLF, and a
//! bare LF or a CR without its LF is an error. One frame is one top-level
//! value, attributes before it included; a frame longer than
//! [`RespLimits::max`] bytes is refused as soon as that is certain (a
//! declared length or count that cannot fit is refused at its header,
//! before any of its bytes arrive).
//!
//! In [`RespMode::Request`], the scanner reads what redis-server reads from
//! a client: a frame starting with `*` is a command, an array of bulk
//! strings (`*0` and `*-1` are empty commands); any other first byte starts
//! an inline command, a line ended by LF (a CR before it is part of the line
//! ending).
//!
//! ```
//! use framecheck_framing::resp::{RespLimits, RespMode, Scanner};
//! let mut s = Scanner::new(RespMode::Value, RespLimits::default());
//! // `*2\r\n$3\r\nGET\r\n$1\r\nk\r\n` cut after `$3\r\nG`:
//! assert_eq!(s.scan(b"*2\r\n$3\r\nG")?, None);
//! assert_eq!(s.scan(b"ET\r\n$1\r\nk\r\n+OK\r\n")?, Some(11)); // the frame ends 11 bytes in
//! assert_eq!(s.frame_len(), 20);
//! s.reset();
//! assert_eq!(s.scan(b"+OK\r\n")?, Some(5));
//! # Ok::<(), framecheck_framing::resp::RespError>(())
//! ```

use std::fmt;

/// Default most bytes of one frame: 16 MiB, as for the other length kinds
/// (redis-server's own bound is per bulk string, `proto-max-bulk-len`,
/// 512 MiB by default).
pub const DEFAULT_RESP_MAX: usize = 16 * 1024 * 1024;
/// Default most elements of one aggregate (a map's pairs count twice).
pub const DEFAULT_RESP_ELEMENTS: usize = 1024 * 1024;
/// Default deepest nesting of aggregates.
pub const DEFAULT_RESP_DEPTH: usize = 64;
/// The most bytes of an inline command line (redis-server's
/// `PROTO_INLINE_MAX_SIZE`).
pub const INLINE_MAX: usize = 64 * 1024;
/// Where the payload of a whole, valid frame `wire` lies.
///
/// A frame that is one bulk string (`$5\r\nhello\r\n`, no attribute
/// before it), or in [`RespMode::Request`] a command of one argument
/// (`*1\r\n$5\r\nhello\r\n`), has the string's bytes as payload (what
/// comes before them is its length, as a `digits:` frame's digits are);
/// an inline command has its line without the line end (LF, or CRLF); any
/// other value is all payload. A RESP frame has no head.
///
/// ```
/// use framecheck_framing::resp::{RespMode, payload_range};
/// assert_eq!(payload_range(RespMode::Value, b"$5\r\nhello\r\n"), 4..9);
/// assert_eq!(payload_range(RespMode::Request, b"*1\r\n$2\r\nhi\r\n"), 8..10);
/// assert_eq!(payload_range(RespMode::Request, b"PING\r\n"), 0..4);
/// assert_eq!(payload_range(RespMode::Value, b"+OK\r\n"), 0..5);
/// ```
pub fn payload_range(mode: RespMode, wire: &[u8]) -> std::ops::Range<usize> {
    let whole = 0..wire.len();
    let bulk_from = match (mode, wire.first()) {
        (RespMode::Request, Some(b'*')) if wire.starts_with(b"*1\r\n$") => 4,
        (RespMode::Request, Some(b'*')) => return whole,
        (RespMode::Request, Some(_)) => {
            let mut end = wire.len().saturating_sub(1);
            if end > 0 && wire[end - 1] == b'\r' {
                end -= 1;
            }
            return 0..end;
        }
        (_, Some(b'$')) => 0,
        _ => return whole,
    };
    // `$` then digits (not `-1`, not `?`), CRLF, bytes, CRLF.
    let digits = wire[bulk_from + 1..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let start = bulk_from + 1 + digits + 2;
    if digits == 0 || wire.len() < start + 2 {
        return whole;
    }
    start..wire.len() - 2
}

/// The type of a RESP value, by its type byte (a RESP2 null, `$-1` or
/// `*-1`, is [`RespType::Null`]; an inline command is [`RespType::Inline`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RespType {
    /// `+`
    SimpleString,
    /// `-`
    Error,
    /// `:`
    Integer,
    /// `$`
    BulkString,
    /// `*`
    Array,
    /// `_`, `$-1`, `*-1`
    Null,
    /// `,`
    Double,
    /// `#`
    Boolean,
    /// `!`
    BlobError,
    /// `=`
    VerbatimString,
    /// `(`
    BigNumber,
    /// `%`
    Map,
    /// `~`
    Set,
    /// `>`
    Push,
    /// A request's inline command line.
    Inline,
}

impl RespType {
    /// Every type, in the order of the table in the module docs.
    pub const ALL: [RespType; 15] = [
        RespType::SimpleString,
        RespType::Error,
        RespType::Integer,
        RespType::BulkString,
        RespType::Array,
        RespType::Null,
        RespType::Double,
        RespType::Boolean,
        RespType::BlobError,
        RespType::VerbatimString,
        RespType::BigNumber,
        RespType::Map,
        RespType::Set,
        RespType::Push,
        RespType::Inline,
    ];

    /// Its name in `frames` output and profiles (`simple-string`, `map`…).
    pub fn name(self) -> &'static str {
        match self {
            RespType::SimpleString => "simple-string",
            RespType::Error => "error",
            RespType::Integer => "integer",
            RespType::BulkString => "bulk-string",
            RespType::Array => "array",
            RespType::Null => "null",
            RespType::Double => "double",
            RespType::Boolean => "boolean",
            RespType::BlobError => "blob-error",
            RespType::VerbatimString => "verbatim-string",
            RespType::BigNumber => "big-number",
            RespType::Map => "map",
            RespType::Set => "set",
            RespType::Push => "push",
            RespType::Inline => "inline",
        }
    }

    /// The type of this name.
    pub fn from_name(name: &str) -> Option<RespType> {
        RespType::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Whether a count goes with it: elements of an aggregate (pairs of a
    /// map), bytes of a string given by length.
    pub fn counted(self) -> bool {
        matches!(
            self,
            RespType::BulkString
                | RespType::Array
                | RespType::BlobError
                | RespType::VerbatimString
                | RespType::Map
                | RespType::Set
                | RespType::Push
        )
    }
}

/// What a whole frame is: the type of its value (after any attributes) and
/// its declared count (elements of an aggregate, pairs of a map, bytes of a
/// string given by length; `None` when streamed or for other types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Described {
    /// The value's type.
    pub ty: RespType,
    /// Its declared count, if it has one.
    pub count: Option<u64>,
}

/// Describe a whole, valid frame (as a [`Scanner`] in `mode` ended it):
/// `None` if it is not one.
///
/// ```
/// use framecheck_framing::resp::{RespMode, RespType, describe};
/// let d = describe(RespMode::Value, b"|1\r\n+ttl\r\n:3\r\n%1\r\n+a\r\n:1\r\n").unwrap();
/// assert_eq!((d.ty, d.count), (RespType::Map, Some(1)));
/// assert_eq!(describe(RespMode::Value, b"$-1\r\n").unwrap().ty, RespType::Null);
/// assert_eq!(describe(RespMode::Request, b"PING\r\n").unwrap().ty, RespType::Inline);
/// ```
pub fn describe(mode: RespMode, wire: &[u8]) -> Option<Described> {
    let mut at = 0;
    // Skip attributes: `|N` then 2N values, each a frame of its own.
    while wire.get(at) == Some(&b'|') {
        let (pairs, body) = fast_number(wire, at + 1)?;
        at = body;
        for _ in 0..pairs.checked_mul(2)? {
            let mut s = Scanner::new(RespMode::Value, RespLimits::default());
            at += s.scan(wire.get(at..)?).ok()??;
        }
    }
    let ty = match (mode, *wire.get(at)?) {
        (RespMode::Request, b) if b != b'*' => RespType::Inline,
        (_, b'+') => RespType::SimpleString,
        (_, b'-') => RespType::Error,
        (_, b':') => RespType::Integer,
        (_, b'$') => RespType::BulkString,
        (_, b'*') => RespType::Array,
        (_, b'_') => RespType::Null,
        (_, b',') => RespType::Double,
        (_, b'#') => RespType::Boolean,
        (_, b'!') => RespType::BlobError,
        (_, b'=') => RespType::VerbatimString,
        (_, b'(') => RespType::BigNumber,
        (_, b'%') => RespType::Map,
        (_, b'~') => RespType::Set,
        (_, b'>') => RespType::Push,
        _ => return None,
    };
    if matches!(ty, RespType::BulkString | RespType::Array)
        && wire.get(at + 1..at + 3) == Some(b"-1")
    {
        return Some(Described {
            ty: RespType::Null,
            count: None,
        });
    }
    let count = if ty.counted() {
        fast_number(wire, at + 1).map(|(n, _)| n)
    } else {
        None
    };
    Some(Described { ty, count })
}

/// The longest payload a bulk string (`$N\r\n…\r\n`, after `*1\r\n` in
/// [`RespMode::Request`]) can carry in a frame of at most `max` bytes: what
/// the [`Encoder`](crate::Encoder) writes for a RESP spec.
///
/// ```
/// use framecheck_framing::resp::{RespMode, bulk_payload_max};
/// assert_eq!(bulk_payload_max(RespMode::Value, 11), 5); // $5\r\nhello\r\n
/// assert_eq!(bulk_payload_max(RespMode::Request, 15), 5); // *1\r\n before it
/// assert_eq!(bulk_payload_max(RespMode::Value, 5), 0);
/// ```
pub fn bulk_payload_max(mode: RespMode, max: usize) -> usize {
    let fixed = if mode == RespMode::Request { 4 } else { 0 } + 5;
    let framed = |p: usize| fixed + p.to_string().len() + p;
    let mut p = max.saturating_sub(fixed + max.to_string().len());
    while framed(p + 1) <= max {
        p += 1;
    }
    p
}

/// The shortest value on the wire (`_\r\n`): what each announced element
/// costs at least, so a count that cannot fit in `max` is refused at once.
const MIN_VALUE: u64 = 3;

/// What a [`Scanner`] reads: any value, or a client's commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RespMode {
    /// Any RESP3 value, RESP2's nulls (`$-1`, `*-1`) included: replies and
    /// pushes of a server speaking RESP3, or RESP2 (a subset).
    Value,
    /// RESP2 values only: `+ - : $ *`, nulls `$-1` and `*-1`, nothing
    /// streamed (a server that has not been sent `HELLO 3`).
    Resp2,
    /// What redis-server reads from a client: arrays of bulk strings, or
    /// inline command lines.
    Request,
}

/// The bounds of one frame, all checked before anything is read past them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RespLimits {
    /// The most bytes of one frame (one top-level value).
    pub max: usize,
    /// The most elements an aggregate may announce (a map's pairs count
    /// twice).
    pub elements: usize,
    /// The deepest nesting of aggregates.
    pub depth: usize,
}

impl Default for RespLimits {
    fn default() -> Self {
        RespLimits {
            max: DEFAULT_RESP_MAX,
            elements: DEFAULT_RESP_ELEMENTS,
            depth: DEFAULT_RESP_DEPTH,
        }
    }
}

/// Which rule of RESP a frame broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RespRule {
    /// A value starts with a byte that is no RESP type (no RESP2 type, in
    /// [`RespMode::Resp2`]).
    UnknownType(u8),
    /// A line ends with LF alone.
    BareLf,
    /// A CR not followed by LF.
    CrWithoutLf,
    /// An integer (`:`) that is not a sign and digits, or overflows 64 bits.
    BadInteger,
    /// A big number (`(`) that is not a sign and digits.
    BadBigNumber,
    /// A double (`,`) outside RESP3's grammar for doubles.
    BadDouble,
    /// A boolean (`#`) other than `t` or `f`.
    BadBoolean,
    /// A null (`_`) with something before its CRLF.
    NullNotEmpty,
    /// A length or count that is not digits (a sign, a space, empty).
    BadLength,
    /// A length or count with a leading zero.
    LeadingZero,
    /// `-1` (a RESP2 null) on a type other than `$` and `*`, or in a request.
    NullNotAllowed,
    /// `?` (streamed) on a type that cannot be streamed, in RESP2, or in a
    /// request.
    StreamNotAllowed,
    /// A bulk string whose length is over the frame's maximum.
    LengthOverMax,
    /// An aggregate announcing more elements than allowed.
    TooManyElements,
    /// Aggregates nested deeper than allowed.
    TooDeep,
    /// The frame grew past its maximum.
    FrameOverMax,
    /// A bulk string's bytes not followed by CRLF.
    BlobNotEnded,
    /// A verbatim string (`=`) without its `xxx:` format prefix.
    VerbatimFormat,
    /// A streamed-string chunk that does not start with `;`.
    ChunkNotSemicolon,
    /// `.` outside a streamed aggregate, or in the middle of a map's pair.
    StrayEnd,
    /// In a request, an element of a command that is not a bulk string.
    RequestNotBulk(u8),
    /// An inline command longer than [`INLINE_MAX`].
    InlineTooLong,
}

impl fmt::Display for RespRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RespRule::UnknownType(b) => write!(
                f,
                "type byte {:?} is not a RESP type",
                char::from(*b).escape_default().to_string()
            ),
            RespRule::BareLf => f.write_str("a line ends with a bare LF (RESP lines end in CRLF)"),
            RespRule::CrWithoutLf => f.write_str("a CR is not followed by LF"),
            RespRule::BadInteger => {
                f.write_str("an integer (:) must be an optional sign and digits, within 64 bits")
            }
            RespRule::BadBigNumber => {
                f.write_str("a big number (() must be an optional sign and digits")
            }
            RespRule::BadDouble => f.write_str(
                "a double (,) must be [+|-]digits[.digits][e[+|-]digits], inf, -inf or nan",
            ),
            RespRule::BadBoolean => f.write_str("a boolean (#) must be t or f"),
            RespRule::NullNotEmpty => f.write_str("a null (_) must be followed by CRLF alone"),
            RespRule::BadLength => {
                f.write_str("a length or count must be digits (no sign, space or other byte)")
            }
            RespRule::LeadingZero => f.write_str("a length or count has a leading zero"),
            RespRule::NullNotAllowed => {
                f.write_str("-1 (a RESP2 null) is allowed only on $ and * values, not in requests")
            }
            RespRule::StreamNotAllowed => f.write_str(
                "? (streamed) is allowed only on RESP3 $, *, ~, % and > values, not in requests",
            ),
            RespRule::LengthOverMax => f.write_str("a bulk length is over the frame's maximum"),
            RespRule::TooManyElements => f.write_str("an aggregate announces too many elements"),
            RespRule::TooDeep => f.write_str("aggregates are nested too deep"),
            RespRule::FrameOverMax => f.write_str("the frame is longer than its maximum"),
            RespRule::BlobNotEnded => f.write_str("a bulk string's bytes are not followed by CRLF"),
            RespRule::VerbatimFormat => {
                f.write_str("a verbatim string (=) must start with a 3-byte format and ':'")
            }
            RespRule::ChunkNotSemicolon => {
                f.write_str("a streamed string's chunk must start with ';'")
            }
            RespRule::StrayEnd => f.write_str(
                "'.' ends only a streamed aggregate, and a streamed map only after a whole pair",
            ),
            RespRule::RequestNotBulk(b) => write!(
                f,
                "a command's arguments must be bulk strings ($), got {:?}",
                char::from(*b).escape_default().to_string()
            ),
            RespRule::InlineTooLong => write!(f, "an inline command is over {INLINE_MAX} bytes"),
        }
    }
}

/// A frame that breaks RESP: the rule, and the offset within the frame of
/// the byte that broke it (the same for every cutting of the input).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("RESP: {rule}, at byte {at} of the frame")]
pub struct RespError {
    /// Offset within the frame of the offending byte.
    pub at: u64,
    /// The rule broken.
    pub rule: RespRule,
}

/// What a value's line holds, checked byte by byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Line {
    /// `+`, `-`: anything but CR and LF.
    Text,
    /// `:` and `(`: an optional sign, then digits; `value` (the magnitude)
    /// for `:` only.
    Number {
        big: bool,
        sign: Sign,
        digits: u32,
        value: u64,
    },
    /// `,`: where in the RESP3 double grammar it is.
    Double(Dbl),
    /// `#`: `seen` is whether the `t`/`f` came.
    Bool { seen: bool },
    /// `_`.
    Null,
}

/// A double's grammar (RESP3): `[+|-]digits[.digits][(e|E)[+|-]digits]`,
/// or `inf`, `-inf`, `nan`; the state after the bytes so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dbl {
    Start,
    Sign,
    Int,
    Dot,
    Frac,
    E,
    ExpSign,
    Exp,
    /// `i`, `in` of `inf`; `n`, `na` of `nan`.
    I,
    In,
    N,
    Na,
    /// `inf` or `nan`: nothing more.
    Word,
}

impl Dbl {
    fn next(self, b: u8) -> Option<Dbl> {
        use Dbl::{Dot, E, Exp, ExpSign, Frac, I, In, Int, N, Na, Sign, Start, Word};
        Some(match (self, b) {
            (Start, b'+' | b'-') => Sign,
            (Start | Sign | Int, b'0'..=b'9') => Int,
            (Start | Sign, b'i') => I,
            (Start, b'n') => N,
            (I, b'n') => In,
            (In, b'f') | (Na, b'n') => Word,
            (N, b'a') => Na,
            (Int, b'.') => Dot,
            (Dot | Frac, b'0'..=b'9') => Frac,
            (Int | Frac, b'e' | b'E') => E,
            (E, b'+' | b'-') => ExpSign,
            (E | ExpSign | Exp, b'0'..=b'9') => Exp,
            _ => return None,
        })
    }

    fn complete(self) -> bool {
        matches!(self, Dbl::Int | Dbl::Frac | Dbl::Exp | Dbl::Word)
    }
}

/// The sign of a number line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sign {
    None,
    Plus,
    Minus,
}

/// A length or count after a type byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Num {
    /// The type byte (`;` for a streamed-string chunk).
    ty: u8,
    digits: u32,
    value: u64,
    /// `-` came first (then only `1` may follow).
    neg: bool,
    /// `?` came (streamed).
    streamed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    /// Expecting a value's type byte.
    Type,
    /// A line value's content, until CR.
    Line(Line),
    /// A length or count, until CR.
    Num(Num),
    /// The LF of a line, a length or a count; then `next`.
    Lf(After),
    /// Bulk bytes left; `verbatim` when the 4th must be `:`, `pos` the bytes
    /// read so far.
    Blob {
        left: u64,
        pos: u64,
        verbatim: bool,
        chunk: bool,
    },
    /// The CR (then LF) after bulk bytes.
    BlobCr { chunk: bool },
    /// The LF after bulk bytes.
    BlobLf { chunk: bool },
    /// A streamed string's next chunk: `;`.
    Chunk,
    /// An inline command's bytes, until LF.
    Inline,
}

/// What a CRLF completes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum After {
    /// A whole value.
    Value,
    /// A bulk header: this many bytes follow (and `=` checks its format).
    Blob {
        len: u64,
        verbatim: bool,
        chunk: bool,
    },
    /// A streamed string's header: chunks follow.
    Chunks,
    /// The last, empty, chunk of a streamed string: the value is whole.
    LastChunk,
    /// An aggregate header.
    Open(Agg),
    /// A streamed aggregate's `.`.
    Close,
}

/// An aggregate being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Agg {
    /// Values still expected (for streamed ones: values seen so far).
    left: u64,
    streamed: bool,
    /// An attribute: when whole, the value it describes follows in its place.
    attribute: bool,
    /// A map (or attribute): `.` only after whole pairs.
    pairs: bool,
}

/// Finds where RESP frames end; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct Scanner {
    mode: RespMode,
    limits: RespLimits,
    st: St,
    stack: Vec<Agg>,
    /// Bytes of the current frame read so far.
    len: u64,
    /// The frame is whole.
    done: bool,
    failed: Option<RespError>,
}

impl Scanner {
    /// A scanner at the start of a frame.
    pub fn new(mode: RespMode, limits: RespLimits) -> Scanner {
        Scanner {
            mode,
            limits,
            st: St::Type,
            stack: Vec::new(),
            len: 0,
            done: false,
            failed: None,
        }
    }

    /// The limits it checks.
    pub fn limits(&self) -> RespLimits {
        self.limits
    }

    /// Bytes of the current frame read so far (the whole frame once
    /// [`scan`](Scanner::scan) said where it ends).
    pub fn frame_len(&self) -> u64 {
        self.len
    }

    /// Whether the scanner is at the start of a frame (nothing of it read).
    pub fn at_start(&self) -> bool {
        self.len == 0 && self.failed.is_none()
    }

    /// Whether the scanner is inside a bulk string's bytes or the CRLF
    /// after them (a truncation there is in a frame's body).
    pub fn in_bulk(&self) -> bool {
        matches!(
            self.st,
            St::Blob { .. } | St::BlobCr { .. } | St::BlobLf { .. }
        )
    }

    /// Whether the scanner is inside an inline command (a line waiting for
    /// its LF).
    pub fn in_inline(&self) -> bool {
        self.st == St::Inline
    }

    /// Start the next frame, after one ended.
    pub fn reset(&mut self) {
        self.st = St::Type;
        self.stack.clear();
        self.len = 0;
        self.done = false;
    }

    /// Read the next bytes of the current frame: `Some(n)` when the frame
    /// ends after the first `n` bytes of `bytes` (the rest belongs to the
    /// next frame; call [`reset`](Scanner::reset) first), `None` when all of
    /// `bytes` belongs to the frame and more is needed, or the rule the
    /// frame broke. A failed scanner stays failed.
    pub fn scan(&mut self, bytes: &[u8]) -> Result<Option<usize>, RespError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        if self.done {
            return Ok(Some(0));
        }
        if self.len == 0 {
            if let Some(n) = self.fast_command(bytes) {
                return Ok(Some(n));
            }
        }
        match self.run(bytes) {
            Ok(r) => Ok(r),
            Err(rule) => {
                let e = RespError {
                    at: self.len.saturating_sub(1),
                    rule,
                };
                self.failed = Some(e);
                Err(e)
            }
        }
    }

    fn run(&mut self, bytes: &[u8]) -> Result<Option<usize>, RespRule> {
        let max = len64(self.limits.max);
        let mut i = 0;
        while i < bytes.len() {
            match self.st {
                St::Blob {
                    left,
                    pos,
                    verbatim,
                    chunk,
                } => {
                    let take = left.min(len64(bytes.len() - i));
                    let n = usize::try_from(take).unwrap_or(usize::MAX);
                    if verbatim && pos <= 3 && 3 < pos + take {
                        let at = i + usize::try_from(3 - pos).unwrap_or(0);
                        if bytes[at] != b':' {
                            self.len += 3 - pos + 1;
                            return Err(RespRule::VerbatimFormat);
                        }
                    }
                    i += n;
                    self.len += take;
                    // The CRLF after the bytes, when it is here: checked
                    // at once (a bad one is left to the byte path, which
                    // says where it breaks).
                    if take == left && !chunk && bytes.get(i..i + 2) == Some(b"\r\n") {
                        i += 2;
                        self.len += 2;
                        self.value_done();
                        if self.done {
                            return Ok(Some(i));
                        }
                        continue;
                    }
                    self.st = if take == left {
                        St::BlobCr { chunk }
                    } else {
                        St::Blob {
                            left: left - take,
                            pos: pos + take,
                            verbatim,
                            chunk,
                        }
                    };
                }
                St::Line(Line::Text) | St::Inline => i += self.text(&bytes[i..], max)?,
                St::Type if bytes.len() - i >= 4 => {
                    // A whole `$`/`*` header in the buffer: read at once.
                    // Anything unusual is left to the byte path, so the
                    // result and every error are the byte path's.
                    if let Some(n) = self.fast_header(&bytes[i..]) {
                        i += n;
                    } else {
                        let b = bytes[i];
                        i += 1;
                        self.len += 1;
                        if self.len > max {
                            return Err(RespRule::FrameOverMax);
                        }
                        self.byte(b)?;
                    }
                }
                _ => {
                    let b = bytes[i];
                    i += 1;
                    self.len += 1;
                    if self.len > max {
                        return Err(RespRule::FrameOverMax);
                    }
                    self.byte(b)?;
                }
            }
            if self.done {
                return Ok(Some(i));
            }
        }
        Ok(None)
    }

    /// Content of a text line or an inline command from the front of
    /// `bytes`, up to and including its end if it is there: how many bytes
    /// were taken.
    fn text(&mut self, bytes: &[u8], max: u64) -> Result<usize, RespRule> {
        // Content up to the line's end, found at SIMD speed.
        let inline = self.st == St::Inline;
        let found = if inline {
            memchr::memchr(b'\n', bytes)
        } else {
            memchr::memchr2(b'\r', b'\n', bytes)
        };
        let n = found.unwrap_or(bytes.len());
        let mut i = n;
        self.len += len64(n);
        // The most bytes before the line's end: room is left
        // for it (LF, or CRLF), so the error comes at the same
        // byte however the input was cut.
        let cap = if inline {
            max.min(len64(INLINE_MAX)).saturating_sub(1)
        } else {
            max.saturating_sub(2)
        };
        if self.len > cap {
            self.len = cap + 1;
            return Err(if inline {
                RespRule::InlineTooLong
            } else {
                RespRule::FrameOverMax
            });
        }
        if found.is_some() {
            let b = bytes[i];
            i += 1;
            self.len += 1;
            if inline {
                self.value_done();
            } else {
                self.line_end(b, After::Value)?;
            }
        }
        Ok(i)
    }

    /// A whole frame at the front of `buf` that is an array of bulk strings
    /// (a command, as clients send them), well-formed and within every
    /// limit: take it and return its length. `None` (nothing taken) for
    /// anything else, which the general path then reads from the start.
    #[inline]
    fn fast_command(&mut self, buf: &[u8]) -> Option<usize> {
        if buf.first() != Some(&b'*') || self.limits.depth == 0 {
            return None;
        }
        let (count, mut at) = fast_number(buf, 1)?;
        if count > len64(self.limits.elements) {
            return None;
        }
        for _ in 0..count {
            if buf.get(at) != Some(&b'$') {
                return None;
            }
            let (len, body) = fast_number(buf, at + 1)?;
            let end = body.checked_add(usize::try_from(len).ok()?)?;
            if buf.get(end..end.checked_add(2)?)? != b"\r\n" {
                return None;
            }
            at = end + 2;
        }
        if len64(at) > len64(self.limits.max) {
            return None;
        }
        self.len = len64(at);
        self.done = true;
        Some(at)
    }

    /// A `$` or `*` header (type, digits without a leading zero, CRLF) whole
    /// at the front of `buf`, valid and within every limit: take it and
    /// return its length. `None` (nothing taken) for anything else.
    #[inline]
    fn fast_header(&mut self, buf: &[u8]) -> Option<usize> {
        let ty = buf[0];
        let allowed = match (self.mode, ty) {
            (RespMode::Request, b'*') => self.stack.is_empty(),
            (RespMode::Request, b'$') => !self.stack.is_empty(),
            (_, b'*' | b'$') => true,
            _ => false,
        };
        if !allowed {
            return None;
        }
        // At most 18 digits: no overflow, and the limits decide the rest.
        let mut value = 0u64;
        let mut end = 1;
        while end < buf.len().min(20) && buf[end].is_ascii_digit() {
            value = value * 10 + u64::from(buf[end] - b'0');
            end += 1;
        }
        let digits = end - 1;
        if digits == 0 || (digits > 1 && buf[1] == b'0') || buf.get(end..end + 2)? != b"\r\n" {
            return None;
        }
        let num = Num {
            ty,
            digits: u32::try_from(digits).ok()?,
            value,
            neg: false,
            streamed: false,
        };
        let before = self.len;
        // The frame's length as the byte path has it at the last digit.
        self.len = before + len64(end);
        let fits = self.check_size(num).is_ok() && self.len + 2 <= len64(self.limits.max);
        let after = Self::header_done(num).ok().filter(|_| fits);
        let opened = matches!(after, Some(After::Open(_)));
        if after.is_none() || (opened && self.stack.len() >= self.limits.depth) {
            self.len = before;
            return None;
        }
        self.len = before + len64(end + 2);
        self.after(after?).ok()?;
        Some(end + 2)
    }

    /// One byte in any state but the bulk and text ones.
    fn byte(&mut self, b: u8) -> Result<(), RespRule> {
        match self.st {
            St::Type => self.type_byte(b),
            St::Line(line) => self.line_byte(line, b),
            St::Num(num) => self.num_byte(num, b),
            St::Lf(after) => match b {
                b'\n' => self.after(after),
                _ => Err(RespRule::CrWithoutLf),
            },
            St::BlobCr { chunk } => match b {
                b'\r' => {
                    self.st = St::BlobLf { chunk };
                    Ok(())
                }
                _ => Err(RespRule::BlobNotEnded),
            },
            St::BlobLf { chunk } => match b {
                b'\n' if chunk => {
                    self.st = St::Chunk;
                    Ok(())
                }
                b'\n' => {
                    self.value_done();
                    Ok(())
                }
                _ => Err(RespRule::BlobNotEnded),
            },
            St::Chunk => match b {
                b';' => {
                    self.st = St::Num(Num::new(b';'));
                    Ok(())
                }
                _ => Err(RespRule::ChunkNotSemicolon),
            },
            St::Blob { .. } | St::Inline => {
                unreachable!("read in bulk by run")
            }
        }
    }

    fn type_byte(&mut self, b: u8) -> Result<(), RespRule> {
        if self.mode == RespMode::Request {
            match (self.stack.is_empty(), b) {
                (true, b'*') | (false, b'$') => {}
                (true, _) => {
                    // An inline command: this byte is its first.
                    self.st = St::Inline;
                    if b == b'\n' {
                        self.value_done();
                    }
                    return Ok(());
                }
                (false, _) => return Err(RespRule::RequestNotBulk(b)),
            }
        }
        if self.mode == RespMode::Resp2 && !matches!(b, b'+' | b'-' | b':' | b'$' | b'*') {
            return Err(RespRule::UnknownType(b));
        }
        self.st = match b {
            b'+' | b'-' => St::Line(Line::Text),
            b':' | b'(' => St::Line(Line::Number {
                big: b == b'(',
                sign: Sign::None,
                digits: 0,
                value: 0,
            }),
            b',' => St::Line(Line::Double(Dbl::Start)),
            b'#' => St::Line(Line::Bool { seen: false }),
            b'_' => St::Line(Line::Null),
            b'$' | b'!' | b'=' | b'*' | b'~' | b'>' | b'%' | b'|' => St::Num(Num::new(b)),
            b'.' => {
                let ok = self
                    .stack
                    .last()
                    .is_some_and(|a| a.streamed && (!a.pairs || a.left % 2 == 0));
                if !ok {
                    return Err(RespRule::StrayEnd);
                }
                // `.` then CRLF.
                St::Num(Num::new(b'.'))
            }
            _ => return Err(RespRule::UnknownType(b)),
        };
        Ok(())
    }

    fn line_byte(&mut self, line: Line, b: u8) -> Result<(), RespRule> {
        if b == b'\r' || b == b'\n' {
            let complete = match line {
                Line::Number { digits, .. } => digits > 0,
                Line::Double(d) => d.complete(),
                Line::Bool { seen } => seen,
                Line::Null | Line::Text => true,
            };
            if !complete && b == b'\r' {
                return Err(match line {
                    Line::Number { big: false, .. } => RespRule::BadInteger,
                    Line::Number { big: true, .. } => RespRule::BadBigNumber,
                    Line::Double(_) => RespRule::BadDouble,
                    _ => RespRule::BadBoolean,
                });
            }
            return self.line_end(b, After::Value);
        }
        self.st = St::Line(match line {
            Line::Number {
                big,
                sign,
                digits,
                value,
            } => {
                let bad = if big {
                    RespRule::BadBigNumber
                } else {
                    RespRule::BadInteger
                };
                match b {
                    b'+' | b'-' if digits == 0 && sign == Sign::None => Line::Number {
                        big,
                        sign: if b == b'-' { Sign::Minus } else { Sign::Plus },
                        digits,
                        value,
                    },
                    b'0'..=b'9' => {
                        let value = if big {
                            0
                        } else {
                            // Within i64: a negative number reaches one further.
                            let limit = if sign == Sign::Minus {
                                1u64 << 63
                            } else {
                                (1u64 << 63) - 1
                            };
                            value
                                .checked_mul(10)
                                .and_then(|v| v.checked_add(u64::from(b - b'0')))
                                .filter(|&v| v <= limit)
                                .ok_or(bad)?
                        };
                        Line::Number {
                            big,
                            sign,
                            digits: digits.saturating_add(1),
                            value,
                        }
                    }
                    _ => return Err(bad),
                }
            }
            Line::Double(d) => Line::Double(d.next(b).ok_or(RespRule::BadDouble)?),
            Line::Bool { seen: false } if b == b't' || b == b'f' => Line::Bool { seen: true },
            Line::Bool { .. } => return Err(RespRule::BadBoolean),
            Line::Null => return Err(RespRule::NullNotEmpty),
            Line::Text => Line::Text,
        });
        Ok(())
    }

    /// A CR (then LF expected) or a bare LF ending a line.
    fn line_end(&mut self, b: u8, after: After) -> Result<(), RespRule> {
        if b == b'\n' {
            return Err(RespRule::BareLf);
        }
        self.st = St::Lf(after);
        Ok(())
    }

    fn num_byte(&mut self, mut num: Num, b: u8) -> Result<(), RespRule> {
        match b {
            b'\r' | b'\n' => {
                if num.ty != b'.' && num.digits == 0 && !num.streamed {
                    return Err(RespRule::BadLength);
                }
                let after = Self::header_done(num)?;
                return self.line_end(b, after);
            }
            _ if num.ty == b'.' => return Err(RespRule::StrayEnd),
            b'?' if num.digits == 0 && !num.neg && !num.streamed => {
                if self.mode != RespMode::Value
                    || !matches!(num.ty, b'$' | b'*' | b'~' | b'%' | b'>')
                {
                    return Err(RespRule::StreamNotAllowed);
                }
                num.streamed = true;
            }
            b'-' if num.digits == 0 && !num.neg && !num.streamed => {
                let top = self.stack.is_empty();
                let allowed = match (self.mode, num.ty) {
                    (RespMode::Value | RespMode::Resp2, b'$' | b'*') => true,
                    // redis-server takes `*-1` as an empty command.
                    (RespMode::Request, b'*') => top,
                    _ => false,
                };
                if !allowed {
                    return Err(RespRule::NullNotAllowed);
                }
                num.neg = true;
            }
            b'0'..=b'9' if !num.streamed => {
                if num.neg && (num.digits > 0 || b != b'1') {
                    return Err(RespRule::NullNotAllowed);
                }
                if num.digits == 1 && num.value == 0 && !num.neg {
                    return Err(RespRule::LeadingZero);
                }
                num.value = num
                    .value
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(u64::from(b - b'0')))
                    .unwrap_or(u64::MAX);
                num.digits += 1;
                if !num.neg {
                    self.check_size(num)?;
                }
            }
            _ => return Err(RespRule::BadLength),
        }
        self.st = St::Num(num);
        Ok(())
    }

    /// Refuse a length or count that cannot fit, as soon as its digits say
    /// so (so the digit count is bounded too).
    fn check_size(&self, num: Num) -> Result<(), RespRule> {
        let max = len64(self.limits.max);
        // The frame so far, plus the CRLF after the header at least.
        let used = self.len + 2;
        match num.ty {
            b'$' | b'!' | b'=' | b';' => {
                if num.value > max {
                    return Err(RespRule::LengthOverMax);
                }
                if used.saturating_add(num.value).saturating_add(2) > max {
                    return Err(RespRule::FrameOverMax);
                }
            }
            _ => {
                let per = if matches!(num.ty, b'%' | b'|') { 2 } else { 1 };
                let elements = num.value.saturating_mul(per);
                if elements > len64(self.limits.elements) {
                    return Err(RespRule::TooManyElements);
                }
                if used.saturating_add(elements.saturating_mul(MIN_VALUE)) > max {
                    return Err(RespRule::FrameOverMax);
                }
            }
        }
        Ok(())
    }

    /// What the CRLF after a complete header leads to.
    fn header_done(num: Num) -> Result<After, RespRule> {
        if num.ty == b'.' {
            return Ok(After::Close);
        }
        if num.neg {
            return Ok(After::Value);
        }
        let pairs = matches!(num.ty, b'%' | b'|');
        let open = |left| {
            Ok(After::Open(Agg {
                left,
                streamed: num.streamed,
                attribute: num.ty == b'|',
                pairs,
            }))
        };
        match num.ty {
            b'$' if num.streamed => Ok(After::Chunks),
            b';' if num.value == 0 => Ok(After::LastChunk),
            b'$' | b'!' | b'=' | b';' => {
                if num.ty == b'=' && num.value < 4 {
                    return Err(RespRule::VerbatimFormat);
                }
                Ok(After::Blob {
                    len: num.value,
                    verbatim: num.ty == b'=',
                    chunk: num.ty == b';',
                })
            }
            _ if num.streamed => open(0),
            _ => open(num.value * if pairs { 2 } else { 1 }),
        }
    }

    fn after(&mut self, after: After) -> Result<(), RespRule> {
        match after {
            After::Value | After::LastChunk => self.value_done(),
            After::Blob {
                len,
                verbatim,
                chunk,
            } => {
                self.st = if len == 0 {
                    St::BlobCr { chunk }
                } else {
                    St::Blob {
                        left: len,
                        pos: 0,
                        verbatim,
                        chunk,
                    }
                };
            }
            After::Chunks => self.st = St::Chunk,
            After::Open(agg) => {
                if self.stack.len() >= self.limits.depth {
                    return Err(RespRule::TooDeep);
                }
                if agg.left == 0 && !agg.streamed {
                    // An empty aggregate is a whole value (an empty
                    // attribute leaves its value still to come).
                    if agg.attribute {
                        self.st = St::Type;
                    } else {
                        self.value_done();
                    }
                } else {
                    self.stack.push(agg);
                    self.st = St::Type;
                }
            }
            After::Close => {
                self.stack.pop();
                self.value_done();
            }
        }
        Ok(())
    }

    /// A value is whole: count it in its aggregate, closing every aggregate
    /// it completes; the frame is whole when no aggregate is left open.
    fn value_done(&mut self) {
        self.st = St::Type;
        while let Some(top) = self.stack.last_mut() {
            if top.streamed {
                top.left += 1;
                return;
            }
            top.left -= 1;
            if top.left > 0 {
                return;
            }
            let attribute = top.attribute;
            self.stack.pop();
            if attribute {
                // The attribute is whole; the value it describes is next,
                // in the same place.
                return;
            }
        }
        self.done = true;
    }
}

/// Digits (1 to 18, no leading zero unless alone) then CRLF, from `at` in
/// `buf`: the number and where the bytes after the CRLF start.
#[inline]
fn fast_number(buf: &[u8], at: usize) -> Option<(u64, usize)> {
    let mut value = 0u64;
    let mut end = at;
    let stop = buf.len().min(at + 18);
    while end < stop && buf[end].is_ascii_digit() {
        value = value * 10 + u64::from(buf[end] - b'0');
        end += 1;
    }
    let digits = end - at;
    if digits == 0 || (digits > 1 && buf[at] == b'0') || buf.get(end..end + 2)? != b"\r\n" {
        return None;
    }
    Some((value, end + 2))
}

impl Num {
    fn new(ty: u8) -> Num {
        Num {
            ty,
            digits: 0,
            value: 0,
            neg: false,
            streamed: false,
        }
    }
}

fn len64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frames of `stream` scanned whole: their lengths, then the error.
    fn frames(mode: RespMode, limits: RespLimits, stream: &[u8]) -> (Vec<u64>, Option<RespError>) {
        let mut s = Scanner::new(mode, limits);
        let mut out = Vec::new();
        let mut rest = stream;
        while !rest.is_empty() {
            match s.scan(rest) {
                Ok(Some(n)) => {
                    out.push(s.frame_len());
                    rest = &rest[n..];
                    s.reset();
                }
                Ok(None) => return (out, None),
                Err(e) => return (out, Some(e)),
            }
        }
        (out, None)
    }

    /// The same, fed in the pieces `cuts` makes.
    fn frames_cut(
        mode: RespMode,
        limits: RespLimits,
        stream: &[u8],
        cuts: &[usize],
    ) -> (Vec<u64>, Option<RespError>) {
        let mut s = Scanner::new(mode, limits);
        let mut out = Vec::new();
        let mut start = 0;
        for end in cuts.iter().copied().chain([stream.len()]) {
            let mut rest = &stream[start..end];
            start = end;
            while !rest.is_empty() {
                match s.scan(rest) {
                    Ok(Some(n)) => {
                        out.push(s.frame_len());
                        rest = &rest[n..];
                        s.reset();
                    }
                    Ok(None) => rest = &[],
                    Err(e) => return (out, Some(e)),
                }
            }
        }
        (out, None)
    }

    const VALID: &[(&str, &[u8])] = &[
        ("simple", b"+OK\r\n"),
        ("error", b"-ERR unknown command 'x'\r\n"),
        ("integer", b":1000\r\n"),
        ("negative", b":-42\r\n"),
        ("i64 min", b":-9223372036854775808\r\n"),
        ("i64 max", b":+9223372036854775807\r\n"),
        ("bulk", b"$5\r\nhello\r\n"),
        ("empty bulk", b"$0\r\n\r\n"),
        ("bulk with CRLF inside", b"$4\r\n\r\n\r\n\r\n"),
        ("null bulk", b"$-1\r\n"),
        ("null array", b"*-1\r\n"),
        ("empty array", b"*0\r\n"),
        ("command", b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"),
        ("nested", b"*2\r\n*1\r\n:1\r\n*0\r\n"),
        ("null", b"_\r\n"),
        ("double", b",3.14\r\n"),
        ("inf", b",-inf\r\n"),
        ("nan", b",nan\r\n"),
        ("exponent", b",-1.5E+10\r\n"),
        ("boolean", b"#t\r\n"),
        (
            "big number",
            b"(3492890328409238509324850943850943825024385\r\n",
        ),
        ("blob error", b"!21\r\nSYNTAX invalid syntax\r\n"),
        ("verbatim", b"=15\r\ntxt:Some string\r\n"),
        ("map", b"%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n"),
        ("set", b"~2\r\n+a\r\n+b\r\n"),
        ("push", b">2\r\n+message\r\n+hi\r\n"),
        (
            "attribute then value",
            b"|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*1\r\n:2\r\n",
        ),
        (
            "attribute inside array",
            b"*2\r\n:1\r\n|1\r\n+ttl\r\n:3\r\n:2\r\n",
        ),
        ("streamed string", b"$?\r\n;4\r\nHell\r\n;2\r\no!\r\n;0\r\n"),
        ("streamed array", b"*?\r\n:1\r\n:2\r\n.\r\n"),
        ("streamed map", b"%?\r\n+a\r\n:1\r\n.\r\n"),
        ("empty streamed", b"~?\r\n.\r\n"),
    ];

    #[test]
    fn every_valid_value_is_one_frame_whatever_the_cuts() {
        for (name, wire) in VALID {
            // Twice, so the second frame starts where the first ended.
            let stream = [*wire, *wire].concat();
            let whole = frames(RespMode::Value, RespLimits::default(), &stream);
            let len = len64(wire.len());
            assert_eq!(whole, (vec![len, len], None), "{name}");
            for a in 0..stream.len() {
                for b in a..stream.len() {
                    let cut = frames_cut(RespMode::Value, RespLimits::default(), &stream, &[a, b]);
                    assert_eq!(cut, whole, "{name} cut at {a} and {b}");
                }
            }
        }
    }

    #[test]
    fn every_prefix_needs_more() {
        for (name, wire) in VALID {
            for end in 0..wire.len() {
                let mut s = Scanner::new(RespMode::Value, RespLimits::default());
                assert_eq!(s.scan(&wire[..end]), Ok(None), "{name} up to {end}");
            }
        }
    }

    #[test]
    fn each_broken_rule_is_its_own_error_at_its_byte() {
        let small = RespLimits {
            max: 64,
            elements: 4,
            depth: 2,
        };
        let table: &[(&str, &[u8], RespRule, u64)] = &[
            ("unknown type", b"?x\r\n", RespRule::UnknownType(b'?'), 0),
            ("bare lf", b"+OK\n", RespRule::BareLf, 3),
            ("cr without lf", b"+OK\rX", RespRule::CrWithoutLf, 4),
            ("integer letter", b":12a\r\n", RespRule::BadInteger, 3),
            ("integer empty", b":\r\n", RespRule::BadInteger, 1),
            (
                "integer overflow",
                b":9223372036854775808\r\n",
                RespRule::BadInteger,
                19,
            ),
            ("integer sign only", b":-\r\n", RespRule::BadInteger, 2),
            ("big number letter", b"(12x\r\n", RespRule::BadBigNumber, 3),
            ("double letter", b",1.5x\r\n", RespRule::BadDouble, 4),
            ("double empty", b",\r\n", RespRule::BadDouble, 1),
            ("double no exponent", b",1e\r\n", RespRule::BadDouble, 3),
            ("double no fraction", b",1.\r\n", RespRule::BadDouble, 3),
            ("double signed nan", b",-nan\r\n", RespRule::BadDouble, 2),
            ("double infinity", b",info\r\n", RespRule::BadDouble, 4),
            ("boolean", b"#x\r\n", RespRule::BadBoolean, 1),
            ("boolean twice", b"#tt\r\n", RespRule::BadBoolean, 2),
            ("null with content", b"_x\r\n", RespRule::NullNotEmpty, 1),
            ("length sign", b"$+5\r\nhello\r\n", RespRule::BadLength, 1),
            ("length space", b"$ 5\r\nhello\r\n", RespRule::BadLength, 1),
            ("length empty", b"$\r\n", RespRule::BadLength, 1),
            (
                "leading zero",
                b"$05\r\nhello\r\n",
                RespRule::LeadingZero,
                2,
            ),
            ("null on set", b"~-1\r\n", RespRule::NullNotAllowed, 1),
            ("minus two", b"$-2\r\n", RespRule::NullNotAllowed, 2),
            ("streamed error", b"!?\r\n", RespRule::StreamNotAllowed, 1),
            ("length over max", b"$65\r\n", RespRule::LengthOverMax, 2),
            (
                "frame over max",
                b"*1\r\n$60\r\n",
                RespRule::FrameOverMax,
                6,
            ),
            ("too many elements", b"*5\r\n", RespRule::TooManyElements, 1),
            (
                "map pairs count twice",
                b"%3\r\n",
                RespRule::TooManyElements,
                1,
            ),
            (
                "too deep",
                b"*1\r\n*1\r\n*1\r\n:1\r\n",
                RespRule::TooDeep,
                11,
            ),
            (
                "blob not ended",
                b"$2\r\nabc\r\n",
                RespRule::BlobNotEnded,
                6,
            ),
            (
                "verbatim short",
                b"=3\r\nabc\r\n",
                RespRule::VerbatimFormat,
                2,
            ),
            (
                "verbatim no colon",
                b"=5\r\nabcde\r\n",
                RespRule::VerbatimFormat,
                7,
            ),
            ("chunk", b"$?\r\n4\r\n", RespRule::ChunkNotSemicolon, 4),
            ("stray end", b".\r\n", RespRule::StrayEnd, 0),
            ("end mid pair", b"%?\r\n+a\r\n.\r\n", RespRule::StrayEnd, 8),
            ("simple over max", &[b'+'; 80], RespRule::FrameOverMax, 62),
        ];
        for &(name, wire, rule, at) in table {
            let whole = frames(RespMode::Value, small, wire);
            assert_eq!(whole, (vec![], Some(RespError { at, rule })), "{name}");
            for a in 0..wire.len() {
                assert_eq!(
                    frames_cut(RespMode::Value, small, wire, &[a]),
                    whole,
                    "{name} cut at {a}"
                );
            }
            assert!(!rule.to_string().is_empty());
        }
    }

    #[test]
    fn requests_are_commands_or_inline_lines_as_redis_reads_them() {
        let stream: &[u8] = b"*1\r\n$4\r\nPING\r\nPING\r\nSET k v\n*0\r\n*-1\r\n\r\n";
        let want = vec![14, 6, 8, 4, 5, 2];
        let whole = frames(RespMode::Request, RespLimits::default(), stream);
        assert_eq!(whole, (want, None));
        for a in 0..stream.len() {
            assert_eq!(
                frames_cut(RespMode::Request, RespLimits::default(), stream, &[a]),
                whole,
                "cut at {a}"
            );
        }
        let bad: &[(&[u8], RespRule)] = &[
            (b"*1\r\n:1\r\n", RespRule::RequestNotBulk(b':')),
            (b"*1\r\n$-1\r\n", RespRule::NullNotAllowed),
            (b"*?\r\n", RespRule::StreamNotAllowed),
        ];
        for &(wire, rule) in bad {
            let (_, e) = frames(RespMode::Request, RespLimits::default(), wire);
            assert_eq!(e.map(|e| e.rule), Some(rule), "{}", wire.escape_ascii());
        }
        let long = vec![b'a'; INLINE_MAX + 10];
        let (_, e) = frames(RespMode::Request, RespLimits::default(), &long);
        assert_eq!(e.map(|e| e.rule), Some(RespRule::InlineTooLong));
    }

    #[test]
    fn resp2_has_five_types_and_no_streams() {
        let ok: &[&[u8]] = &[b"+OK\r\n", b"$-1\r\n", b"*2\r\n:1\r\n$1\r\na\r\n"];
        for wire in ok {
            let (got, e) = frames(RespMode::Resp2, RespLimits::default(), wire);
            assert_eq!((got.len(), e), (1, None), "{}", wire.escape_ascii());
        }
        let bad: &[(&[u8], RespRule)] = &[
            (b"_\r\n", RespRule::UnknownType(b'_')),
            (b"*1\r\n%0\r\n", RespRule::UnknownType(b'%')),
            (b"$?\r\n", RespRule::StreamNotAllowed),
        ];
        for &(wire, rule) in bad {
            let (_, e) = frames(RespMode::Resp2, RespLimits::default(), wire);
            assert_eq!(e.map(|e| e.rule), Some(rule), "{}", wire.escape_ascii());
        }
    }

    #[test]
    fn a_failed_scanner_stays_failed() {
        let mut s = Scanner::new(RespMode::Value, RespLimits::default());
        let e = s.scan(b"?").expect_err("unknown type");
        assert_eq!(s.scan(b"+OK\r\n"), Err(e));
    }
}
