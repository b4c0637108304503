//! HTTP/1.1 message framing (RFC 9112): `http1:request` and `http1:response`.
//!
//! One frame is one message: its header section (start line, field lines and
//! the empty line) is the frame's [`head`](crate::FrameRef::head), its body as
//! it was on the wire (a chunked body with its chunk lines and trailers) the
//! [`payload`](crate::FrameRef::payload). [`Message::parse`] reads a frame
//! back: start line, fields, and the decoded body.
//!
//! The parts are public for code that frames HTTP its own way (the reference
//! server builds its buggy variants on them):
//!
//! * [`Head::parse`]: the header section, pure, fields in order with
//!   duplicates kept;
//! * [`body_length`]: RFC 9112 section 6.3's body-length precedence;
//! * [`Chunked`]: the chunked-body state machine (section 7.1), fed any
//!   cutting of the body.
//!
//! Strict by default; `lenient` accepts what the RFC lets a recipient accept
//! (its MAYs), so both readings can be compared:
//!
//! | input | strict | lenient |
//! |---|---|---|
//! | a bare LF ending a line (head, chunk line, trailer) | error (§2.2) | a line end (§2.2 MAY) |
//! | obs-fold | error (§5.2) | the folded line continues the value (§5.2 MAY) |
//! | both Content-Length and Transfer-Encoding | error (§6.3 rule 3) | Transfer-Encoding wins (§6.3 rule 3) |
//! | identical Content-Length values repeated (fields or a list) | error | one value (RFC 9110 §8.6 MAY) |
//! | whitespace before a colon | error (§5.1 MUST reject) | error in a request; removed in a response (§5.1) |
//! | Transfer-Encoding in an HTTP/1.0 message | error (§6.1) | processed, as faulty framing |
//! | a status line without the space after the code | error (§4) | accepted |
//! | chunked not the final coding, in a response | error (§6.3 rule 4) | read to close |
//! | empty lines before a request line | error | skipped, kept in the frame's head (§2.2 SHOULD) |
//!
//! Always errors: a bare CR, a control byte in a field, a bad start line,
//! differing or invalid Content-Length values, chunked not final in a request
//! or a request coding that is not chunked (§6.3 rule 4: MUST 400), a
//! chunk size over 64 bits, bytes other than CRLF after chunk data.
//!
//! Limits (spec options), all checked before anything is reserved:
//!
//! | option | bounds | default |
//! |---|---|---|
//! | `max=` | the body as it is on the wire (chunk lines count) | 16 MiB |
//! | `head=` | the header section; the trailer section separately | 64 KiB ([`DEFAULT_HEAD`]) |
//! | `headers=` | field lines in the header section, and in the trailers | 100 ([`DEFAULT_HEADERS`]) |
//! | `ext=` | chunk-extension bytes in one message | 4 KiB ([`DEFAULT_EXT`]) |
//!
//! A response's framing depends on its request: `method=HEAD` (or a list,
//! `method=GET/HEAD`, one per final response, the last repeated) in the spec,
//! or [`Decoder::push_request_method`](crate::Decoder::push_request_method)
//! for each pipelined request, in order. Interim (1xx) responses do not use a
//! method up; a `101` or a 2xx answer to CONNECT ends the framing: the rest of
//! the stream is that frame's body, up to the end of the stream.
//!
//! ```
//! use framecheck_framing::{Spec, transcript, http1::Message};
//! let spec: Spec = "http1:request".parse()?;
//! let wire = b"POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\
//!              3;x=1\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n";
//! let whole = transcript(&spec, [&wire[..]]);
//! assert_eq!(whole, transcript(&spec, wire.chunks(1)));
//! assert_eq!(whole.frames.len(), 2);
//! let msg = Message::parse(&whole.frames[0].wire, &spec)?;
//! assert_eq!(msg.head.method(&whole.frames[0].wire), Some(&b"POST"[..]));
//! assert_eq!(msg.body, b"abc");
//! // Content-Length beside Transfer-Encoding: an error naming its rule.
//! let bad = b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n";
//! let err = transcript(&spec, [&bad[..]]).end.unwrap_err().to_string();
//! assert!(err.contains("RFC 9112 section 6.3"), "{err}");
//! # Ok::<(), framecheck_framing::Error>(())
//! ```

mod chunked;
mod head;
mod length;
mod message;
mod simd;
pub(crate) mod stream;

pub use chunked::{Chunked, Feed};
pub use head::{Field, Head};
pub use length::{BodyLength, LengthFields};
pub use message::Message;
pub(crate) use message::write_message;

use std::fmt;
use std::ops::Range;

/// An HTTP/1 version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// HTTP/1.0.
    Http10,
    /// HTTP/1.1.
    Http11,
}

/// A start line; ranges index the message's bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StartLine {
    /// `method SP request-target SP HTTP-version`.
    Request {
        /// The method.
        method: Range<usize>,
        /// The request target.
        target: Range<usize>,
        /// The version.
        version: Version,
    },
    /// `HTTP-version SP status-code SP reason-phrase`.
    Response {
        /// The version.
        version: Version,
        /// The status code, 100 to 999.
        status: u16,
        /// The reason phrase (maybe empty).
        reason: Range<usize>,
    },
}

impl StartLine {
    /// The message's version.
    pub fn version(&self) -> Version {
        match *self {
            StartLine::Request { version, .. } | StartLine::Response { version, .. } => version,
        }
    }
}

/// [`LengthFields::decide`] for a parsed head: the body length of the
/// message whose bytes are `wire` (a response answering `method`).
///
/// ```
/// use framecheck_framing::http1::{BodyLength, Head, Http1, Problem, Role, body_length};
/// let resp = Http1::new(Role::Response);
/// let wire = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
/// let head = Head::parse(wire, &resp)?.unwrap();
/// assert_eq!(body_length(&head, wire, b"GET", false)?, BodyLength::Length(5));
/// assert_eq!(body_length(&head, wire, b"HEAD", false)?, BodyLength::Length(0));
/// let wire = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n";
/// let head = Head::parse(wire, &resp)?.unwrap();
/// assert_eq!(body_length(&head, wire, b"GET", false), Err(Problem::DuplicateContentLength));
/// assert_eq!(body_length(&head, wire, b"GET", true)?, BodyLength::Length(5));
/// # Ok::<(), Problem>(())
/// ```
pub fn body_length(
    head: &Head,
    wire: &[u8],
    method: &[u8],
    lenient: bool,
) -> Result<BodyLength, Problem> {
    head.length_fields(wire)
        .decide(&head.start, method, lenient)
}

/// Default `head=`: the most bytes of a header (or trailer) section.
pub const DEFAULT_HEAD: usize = 64 * 1024;
/// Default `headers=`: the most field lines in a header (or trailer) section.
pub const DEFAULT_HEADERS: usize = 100;
/// Default `ext=`: the most chunk-extension bytes in one message.
pub const DEFAULT_EXT: usize = 4 * 1024;
/// The most request methods a spec may list.
pub const MAX_METHODS: usize = 64;

/// Which side's messages a spec frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Requests (a client's messages).
    Request,
    /// Responses (a server's messages), framed by their requests' methods.
    Response,
}

/// An `http1:` kind: the role, the reading and the limits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Http1 {
    /// Requests or responses.
    pub role: Role,
    /// Accept what the RFC lets a recipient accept (see the module docs).
    pub lenient: bool,
    /// The request method of each final response, in order, the last
    /// repeated; empty means GET. Responses only.
    pub methods: Vec<Vec<u8>>,
    /// The most bytes of a header section (and, separately, of a trailer section).
    pub head: usize,
    /// The most field lines of a header (or trailer) section.
    pub headers: usize,
    /// The most chunk-extension bytes in one message.
    pub ext: usize,
}

impl Http1 {
    /// Defaults for a role: strict, GET, the default limits.
    pub fn new(role: Role) -> Http1 {
        Http1 {
            role,
            lenient: false,
            methods: Vec::new(),
            head: DEFAULT_HEAD,
            headers: DEFAULT_HEADERS,
            ext: DEFAULT_EXT,
        }
    }

    /// The method answered by the `n`th final response (0-based) when no
    /// method was pushed: the spec's list, its last repeated, else GET.
    pub fn method(&self, n: usize) -> &[u8] {
        match self.methods.len() {
            0 => b"GET",
            len => &self.methods[n.min(len - 1)],
        }
    }
}

/// What breaks HTTP/1.1 framing; each names the rule it breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Problem {
    /// A line ended by LF without CR (strict).
    BareLf,
    /// A CR not followed by LF.
    BareCr,
    /// The request line is not `method SP target SP version` (the target
    /// visible ASCII).
    BadRequestLine,
    /// The status line is not `version SP 3DIGIT SP reason`.
    BadStatusLine,
    /// The version is not HTTP/1.0 or HTTP/1.1.
    BadVersion,
    /// A field line without a colon, or with a name that is not a token.
    BadFieldName,
    /// Whitespace between a field name and its colon.
    WhitespaceBeforeColon,
    /// A control byte (or a bare CR) in a field value.
    BadFieldValue,
    /// A line starting with whitespace (obs-fold, strict).
    ObsFold,
    /// A line starting with whitespace right after the start line.
    WhitespaceAfterStartLine,
    /// The header (or trailer) section is longer than `head=`.
    HeadTooLarge(usize),
    /// More field lines than `headers=`.
    TooManyFields(usize),
    /// Both Content-Length and Transfer-Encoding (strict).
    ContentLengthAndTransferEncoding,
    /// A Content-Length value that is not 1*DIGIT, or over 64 bits.
    InvalidContentLength,
    /// Content-Length values that differ.
    ConflictingContentLength,
    /// Identical Content-Length values repeated (strict).
    DuplicateContentLength,
    /// An empty or malformed Transfer-Encoding list.
    BadTransferEncoding,
    /// chunked applied, but not as the final coding (or twice).
    ChunkedNotFinal,
    /// A request whose final coding is not chunked.
    RequestNotChunked,
    /// Transfer-Encoding in an HTTP/1.0 message (strict).
    TransferEncodingInHttp10,
    /// A chunk size with no hex digit, or a bad byte in the chunk line.
    BadChunkSize,
    /// A chunk size over 64 bits.
    ChunkSizeOverflow,
    /// A chunk extension that is not `;` name [`=` value].
    BadChunkExtension,
    /// More chunk-extension bytes than `ext=`.
    ChunkExtensionTooLong(usize),
    /// A bare LF ending a chunk line or chunk data (strict).
    BareLfInChunk,
    /// Chunk data not followed by CRLF.
    ChunkDataNotCrlf,
    /// A body longer than `max=` on the wire.
    BodyTooLarge {
        /// The length found or declared so far, saturated.
        len: u64,
        /// The bound.
        max: u64,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Problem::BareLf => f.write_str("RFC 9112 section 2.2: a line ends with a bare LF (strict: CRLF only)"),
            Problem::BareCr => f.write_str("RFC 9112 section 2.2: a bare CR (not followed by LF)"),
            Problem::BadRequestLine => f.write_str("RFC 9112 section 3: the request line is not method SP request-target SP HTTP-version"),
            Problem::BadStatusLine => f.write_str("RFC 9112 section 4: the status line is not HTTP-version SP 3DIGIT SP reason-phrase"),
            Problem::BadVersion => f.write_str("RFC 9112 section 2.3: the version is not HTTP/1.0 or HTTP/1.1"),
            Problem::BadFieldName => f.write_str("RFC 9112 section 5: a field line without a colon, or a field name that is not a token"),
            Problem::WhitespaceBeforeColon => f.write_str("RFC 9112 section 5.1: whitespace between a field name and its colon (MUST reject)"),
            Problem::BadFieldValue => f.write_str("RFC 9110 section 5.5: a control character in a field value"),
            Problem::ObsFold => f.write_str("RFC 9112 section 5.2: obs-fold (a line starting with whitespace; strict)"),
            Problem::WhitespaceAfterStartLine => f.write_str("RFC 9112 section 2.2: whitespace between the start line and the first field"),
            Problem::HeadTooLarge(max) => write!(f, "header or trailer section longer than head={max} bytes"),
            Problem::TooManyFields(max) => write!(f, "more than headers={max} field lines"),
            Problem::ContentLengthAndTransferEncoding => f.write_str("RFC 9112 section 6.3 rule 3: both Content-Length and Transfer-Encoding (smuggling; strict)"),
            Problem::InvalidContentLength => f.write_str("RFC 9112 section 6.3 rule 5: an invalid Content-Length value (not 1*DIGIT, or over 64 bits)"),
            Problem::ConflictingContentLength => f.write_str("RFC 9112 section 6.3 rule 5: Content-Length values that differ"),
            Problem::DuplicateContentLength => f.write_str("RFC 9110 section 8.6: a repeated Content-Length value (strict)"),
            Problem::BadTransferEncoding => f.write_str("RFC 9112 section 6.1: an empty or malformed Transfer-Encoding list"),
            Problem::ChunkedNotFinal => f.write_str("RFC 9112 section 6.3 rule 4: chunked is not the final transfer coding, or is applied twice"),
            Problem::RequestNotChunked => f.write_str("RFC 9112 section 6.3 rule 4: a request whose final transfer coding is not chunked (MUST 400)"),
            Problem::TransferEncodingInHttp10 => f.write_str("RFC 9112 section 6.1: Transfer-Encoding in an HTTP/1.0 message (faulty framing; strict)"),
            Problem::BadChunkSize => f.write_str("RFC 9112 section 7.1: a chunk size that is not 1*HEXDIG"),
            Problem::ChunkSizeOverflow => f.write_str("RFC 9112 section 7.1: a chunk size over 64 bits"),
            Problem::BadChunkExtension => f.write_str("RFC 9112 section 7.1.1: a malformed chunk extension"),
            Problem::ChunkExtensionTooLong(max) => write!(f, "RFC 9112 section 7.1.1: chunk extensions longer than ext={max} bytes"),
            Problem::BareLfInChunk => f.write_str("RFC 9112 section 7.1: a chunk line or chunk data ends with a bare LF (strict: CRLF only)"),
            Problem::ChunkDataNotCrlf => f.write_str("RFC 9112 section 7.1: chunk data not followed by CRLF"),
            Problem::BodyTooLarge { len, max } => write!(f, "a body of at least {len} bytes on the wire, over max={max}"),
        }
    }
}

/// A token byte (RFC 9110 section 5.6.2): the bytes of methods and field names.
#[inline]
pub(crate) fn is_tchar(b: u8) -> bool {
    TCHAR[usize::from(b)]
}

/// A byte allowed in a field value, besides SP and HTAB: VCHAR and obs-text.
#[inline]
pub(crate) fn is_vchar(b: u8) -> bool {
    b > 0x20 && b != 0x7f
}

/// Whether `c` is a tchar (RFC 9110 section 5.6.2), at compile time: the
/// table behind [`is_tchar`] and the AVX2 scan's nibble tables.
pub(crate) const fn tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        )
}

static TCHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut c: u8 = 0;
    loop {
        t[c as usize] = tchar(c);
        if c == u8::MAX {
            break;
        }
        c += 1;
    }
    t
};

/// Framing-aware cut points of one `http1:` frame (`wire`, its header
/// section `head` bytes long): inside the start line, between each CR and
/// LF of the head, at the end of the header section; in a chunked body,
/// inside each chunk-size line, its extension, its CRLF, the CRLF after the
/// data and the trailer section. Labels name the place; positions index `wire`.
///
/// ```
/// use framecheck_framing::http1::cut_points;
/// let wire = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;e\r\nz\r\n0\r\nT: 1\r\n\r\n";
/// let cuts = cut_points(wire, 47, true);
/// assert!(cuts.contains(&("in-chunk-ext", 49)));
/// assert!(cuts.contains(&("in-trailer", 59)));
/// ```
pub fn cut_points(wire: &[u8], head: usize, chunked: bool) -> Vec<(&'static str, usize)> {
    let mut out = Vec::new();
    let head_bytes = &wire[..head.min(wire.len())];
    if let Some(sp) = head_bytes.iter().position(|&b| b == b' ') {
        out.push(("in-start-line", sp));
        out.push(("in-start-line", sp + 1));
    }
    for (i, w) in head_bytes.windows(2).enumerate() {
        if w == b"\r\n" {
            let label = if i + 2 == head { "head-end" } else { "cr|lf" };
            out.push((label, i + 1));
        }
    }
    if !chunked {
        return out;
    }
    // Walk the chunk lines (the frame is whole and valid).
    let line_end = |from: usize| {
        wire[from.min(wire.len())..]
            .iter()
            .position(|&b| b == b'\n')
            .map(|p| from + p)
    };
    let mut q = head;
    while let Some(lf) = line_end(q) {
        let line = &wire[q..lf];
        let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
        if digits > 0 {
            out.push(("in-chunk-size", q + 1));
        }
        if let Some(semi) = line.iter().position(|&b| b == b';') {
            out.push(("in-chunk-ext", q + semi + 1));
        }
        out.push(("chunk-cr|lf", lf));
        let size = std::str::from_utf8(&line[..digits])
            .ok()
            .and_then(|t| u64::from_str_radix(t.trim_start_matches('0'), 16).ok())
            .unwrap_or(0);
        if size == 0 {
            if wire.get(lf + 1).is_some_and(|&b| b != b'\r' && b != b'\n') {
                out.push(("in-trailer", lf + 2));
            }
            break;
        }
        let Some(data_end) = usize::try_from(size)
            .ok()
            .and_then(|s| (lf + 1).checked_add(s))
        else {
            break;
        };
        out.push(("chunk-data-cr|lf", data_end + 1));
        q = data_end + 2;
    }
    out
}
