//! The reference HTTP/1.1 server (`framecheck serve --framing http1:request`):
//! a correct origin built on the framing crate's parser
//! ([`Head::parse`], [`body_length`], [`Chunked`]), and its injectable
//! HTTP bugs.
//!
//! | request | response |
//! |---|---|
//! | `GET /` | 200, `framecheck\n` (11 bytes, `Content-Length`) |
//! | `HEAD /` | 200, the GET's fields, no body |
//! | `POST /` with a body | 200, `received N bytes\n` (N: the body's data length) |
//! | `GET`/`HEAD`/`POST` of another path | 404, `not found\n` |
//! | another method | 405 |
//! | broken framing (RFC 9112 strict: CL and TE together, differing CL, a bad chunk line…) | 400, then a close |
//! | a header section over `head=` or over `headers=` fields | 431, then a close |
//! | a body over the spec's `max` | 413, then a close |
//!
//! Keep-alive and pipelining: requests are answered in order, each as soon
//! as it is whole, before the next read; `Connection: close` or HTTP/1.0
//! closes after the response. The client's half-close: every complete
//! request is answered, then the server closes. EOF inside a request: no
//! response, a close. Before each close after an error the server shuts
//! down its side and drains what the peer still sends for a moment
//! ([`LINGER`]), so the refusal is not destroyed by a reset.

use std::time::{Duration, Instant};

use framecheck_framing::Kind;
use framecheck_framing::http1::{
    BodyLength, Chunked, Feed, Head, Http1, Problem, StartLine, Version, body_length,
};

use super::Bug;
use super::conn::{Conn, READ_CHUNK, Read};

/// How long the server drains the peer's bytes after refusing a request.
const LINGER: Duration = Duration::from_millis(500);
/// The most bytes drained while lingering.
const LINGER_BYTES: usize = 4 * 1024 * 1024;
/// `drops-response-after-half-close` waits this long for more bytes (or
/// the peer's EOF) before it writes a response.
const BATCH_WINDOW: Duration = Duration::from_millis(50);

/// The page at `/`.
pub const PAGE: &[u8] = b"framecheck\n";

/// How a request's body is read.
enum Body {
    /// This many bytes.
    Length(usize),
    /// Chunked, by the framing crate's state machine.
    Chunked(Chunked),
    /// Chunked, read by the buggy reader of `chunk-size-longest-hex-prefix`
    /// and `accepts-bare-lf-in-chunk-lines`.
    BuggyChunked,
}

/// The request being read: where its head ends, how its body is read, and
/// how far the chunked state machine has been fed (offsets in the view).
struct Reading {
    start: usize,
    body: Body,
    fed: usize,
}

/// A whole request: its method, target, whether to close after it, and its
/// length in the buffer.
struct Request {
    method: Vec<u8>,
    target: Vec<u8>,
    close: bool,
    data_len: u64,
    len: usize,
}

/// What the buffer holds.
enum Parsed {
    /// Not a whole request yet.
    More,
    /// A whole request.
    Whole(Request),
    /// A refusal: the status and why, then a close; `reads-refused-request-as-next`
    /// instead drops the first `skip` bytes and goes on (413 and 431 only).
    Refuse(u16, String, usize),
}

/// Serve one HTTP connection to its end.
pub(crate) fn serve(conn: &mut Conn<'_>) {
    let Kind::Http1(mut cfg) = conn.config.spec.kind.clone() else {
        return;
    };
    if conn.bug() == Some(Bug::KeepsAliveAfterClAndTe) {
        // Transfer-Encoding wins over Content-Length (and obs-fold unfolds),
        // as RFC 9112 allows, but the connection is not closed after.
        cfg.lenient = true;
    }
    let max = conn.config.spec.max();
    let bug = conn.bug();
    let mut buf: Vec<u8> = Vec::new();
    let mut read_buf = vec![0u8; READ_CHUNK];
    let mut reading: Option<Reading> = None;
    loop {
        // Answer every whole request in the buffer first.
        let mut answered = false;
        loop {
            match parse(bug, &cfg, max, &buf, &mut reading) {
                Parsed::More => {
                    if bug == Some(Bug::RecvIsMessage) {
                        // A read is a message: a partial one is dropped.
                        buf.clear();
                        reading = None;
                    }
                    break;
                }
                Parsed::Refuse(status, why, skip) => {
                    let again =
                        bug == Some(Bug::ReadsRefusedRequestAsNext) && matches!(status, 413 | 431);
                    let _ = conn.send(&response(status, why.as_bytes(), !again, false));
                    if !again {
                        linger(conn, &mut read_buf);
                        return;
                    }
                    reading = None;
                    buf.drain(..skip.min(buf.len()));
                }
                Parsed::Whole(req) => {
                    reading = None;
                    buf.drain(..req.len);
                    if matches!(bug, Some(Bug::NoPipelining | Bug::RecvIsMessage)) && answered {
                        break;
                    }
                    answered = true;
                    if matches!(bug, Some(Bug::NoPipelining | Bug::RecvIsMessage)) {
                        // One request per read: the rest of the read is lost.
                        buf.clear();
                    }
                    if bug == Some(Bug::DropsResponseAfterHalfClose)
                        && peer_closed(conn, &mut read_buf, &mut buf)
                    {
                        conn.shutdown_write();
                        return;
                    }
                    if conn.send(&answer(&req)).is_err() {
                        return;
                    }
                    if req.close && bug != Some(Bug::KeepsAliveAfterClAndTe) {
                        conn.shutdown_write();
                        linger(conn, &mut read_buf);
                        return;
                    }
                }
            }
        }
        let deadline = conn.deadline(!buf.is_empty());
        match conn.read(&mut read_buf, deadline) {
            Read::Data(n) => buf.extend_from_slice(&read_buf[..n]),
            // At the peer's EOF every whole request is answered; a partial
            // one gets nothing.
            Read::Eof => {
                if bug == Some(Bug::AnswersPartialRequestAtEof) {
                    if let Some(req) = partial_request(&buf) {
                        let _ = conn.send(&answer(&req));
                    }
                }
                conn.shutdown_write();
                return;
            }
            Read::Silent => {
                conn.shutdown_write();
                return;
            }
            Read::Failed => {
                if bug == Some(Bug::DiesOnResetMidMessage) && !buf.is_empty() {
                    conn.shared
                        .die("a peer reset in the middle of a request".to_owned());
                }
                return;
            }
            Read::Stopped => return,
        }
    }
}

/// `answers-partial-request-at-eof`: the request line of what is buffered,
/// taken as a whole request.
fn partial_request(buf: &[u8]) -> Option<Request> {
    let line = buf.split(|&b| b == b'\r' || b == b'\n').next()?;
    let mut parts = line.split(|&b| b == b' ');
    let method = parts.next()?.to_vec();
    let target = parts.next()?.to_vec();
    (!method.is_empty()).then_some(Request {
        method,
        target,
        close: true,
        data_len: 0,
        len: buf.len(),
    })
}

/// `drops-response-after-half-close`: wait a moment for more bytes; true
/// when the peer's EOF came (the batch of responses is dropped).
fn peer_closed(conn: &mut Conn<'_>, read_buf: &mut [u8], buf: &mut Vec<u8>) -> bool {
    match conn.read(read_buf, Instant::now() + BATCH_WINDOW) {
        Read::Eof => true,
        Read::Data(n) => {
            buf.extend_from_slice(&read_buf[..n]);
            false
        }
        _ => false,
    }
}

/// Shut down, then drain the peer's bytes for a moment before the close.
fn linger(conn: &mut Conn<'_>, read_buf: &mut [u8]) {
    conn.shutdown_write();
    let deadline = Instant::now() + LINGER;
    let mut drained = 0;
    while drained < LINGER_BYTES {
        match conn.read(read_buf, deadline) {
            Read::Data(n) => drained += n,
            _ => return,
        }
    }
}

/// The refusal of `p`; `skip` is what `reads-refused-request-as-next`
/// drops before reading on: the bytes the parser looked at (the head of a
/// request whose body is too large; the first `head=` bytes of a head too
/// long; the lines up to the field over `headers=`).
fn refuse(p: Problem, buf: &[u8], cfg: &Http1, head_len: usize) -> Parsed {
    let (status, skip) = match p {
        Problem::HeadTooLarge(_) => (431, cfg.head),
        Problem::TooManyFields(_) => {
            let lines = buf
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .nth(cfg.headers + 1)
                .map_or(buf.len(), |(i, _)| i + 1);
            (431, lines)
        }
        Problem::BodyTooLarge { .. } => (413, head_len),
        _ => (400, 0),
    };
    Parsed::Refuse(status, format!("{p}\n"), skip)
}

/// `ignores-malformed-fields`: the header section without the field lines
/// the server does not understand (whitespace before the colon, a control
/// byte in the value, obs-fold lines), instead of a 400; the rest of the
/// buffer as it is.
fn without_malformed_fields(buf: &[u8]) -> Option<Vec<u8>> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let mut out = Vec::with_capacity(buf.len());
    for (i, line) in buf[..end - 2].split_inclusive(|&b| b == b'\n').enumerate() {
        let text = line.strip_suffix(b"\r\n").unwrap_or(line);
        let malformed = i > 0
            && (text.first().is_some_and(|b| *b == b' ' || *b == b'\t')
                || text
                    .split(|&b| b == b':')
                    .next()
                    .is_some_and(|n| n.last().is_some_and(|b| *b == b' ' || *b == b'\t'))
                || text.iter().any(|&b| b < 0x20 && b != b'\t'));
        if !malformed {
            out.extend_from_slice(line);
        }
    }
    out.extend_from_slice(&buf[end - 2..]);
    Some(out)
}

/// Read the request at the start of `buf`, if it is whole.
fn parse(
    bug: Option<Bug>,
    cfg: &Http1,
    max: usize,
    buf: &[u8],
    reading: &mut Option<Reading>,
) -> Parsed {
    // The bytes as this server sees them: `ignores-malformed-fields` drops
    // lines from the head, so lengths in the view are `shrunk` shorter.
    let cleaned = if bug == Some(Bug::IgnoresMalformedFields) {
        without_malformed_fields(buf)
    } else {
        None
    };
    let view: &[u8] = cleaned.as_deref().unwrap_or(buf);
    let shrunk = buf.len() - view.len();
    let head = match Head::parse(view, cfg) {
        Ok(Some(h)) => h,
        Ok(None) => return Parsed::More,
        Err(p) => return refuse(p, buf, cfg, 0),
    };
    let method = head.method(view).unwrap_or_default().to_vec();
    if reading.is_none() {
        let body = match start_body(bug, cfg, max, &head, view, &method) {
            Ok(b) => b,
            Err(p) => return refuse(p, buf, cfg, head.len + shrunk),
        };
        *reading = Some(Reading {
            start: head.len,
            body,
            fed: head.len,
        });
    }
    let Some(Reading { start, body, fed }) = reading else {
        return Parsed::More;
    };
    let (len, data_len) = match body {
        Body::Length(n) => {
            if view.len() - *start < *n {
                return Parsed::More;
            }
            (*start + *n, *n as u64)
        }
        Body::Chunked(ch) => match ch.feed(&view[*fed..]) {
            Err(p) => return refuse(p, buf, cfg, 0),
            Ok(Feed::More) => {
                *fed = view.len();
                return Parsed::More;
            }
            Ok(Feed::Done(i)) => (*fed + i, ch.data_len()),
        },
        Body::BuggyChunked => match buggy_chunked(
            &view[*start..],
            bug == Some(Bug::ChunkSizeLongestHexPrefix),
            bug == Some(Bug::AcceptsBareLfInChunkLines),
        ) {
            None if view.len() - *start > max => {
                let p = Problem::BodyTooLarge {
                    len: (view.len() - *start) as u64,
                    max: max as u64,
                };
                return refuse(p, buf, cfg, 0);
            }
            None => return Parsed::More,
            Some(Err(())) => return Parsed::Refuse(400, "bad chunked body\n".to_owned(), 0),
            Some(Ok((used, data))) => (*start + used, data),
        },
    };
    let target = match &head.start {
        StartLine::Request { target, .. } => view[target.clone()].to_vec(),
        StartLine::Response { .. } => Vec::new(),
    };
    let close = head.start.version() == Version::Http10
        || head.values(view, b"connection").any(|v| {
            v.split(|&b| b == b',')
                .any(|o| o.trim_ascii().eq_ignore_ascii_case(b"close"))
        })
        // RFC 9112 6.1: after a request with both, the server closes.
        || (cfg.lenient
            && head.values(view, b"transfer-encoding").next().is_some()
            && head.values(view, b"content-length").next().is_some());
    Parsed::Whole(Request {
        method,
        target,
        close,
        data_len,
        len: len + shrunk,
    })
}

/// How the body of the request whose head is `head` is read (`view` holds
/// its bytes), or why it is refused.
fn start_body(
    bug: Option<Bug>,
    cfg: &Http1,
    max: usize,
    head: &Head,
    view: &[u8],
    method: &[u8],
) -> Result<Body, Problem> {
    let length = match bug {
        Some(Bug::FirstContentLengthWins) => first_content_length(head, view, cfg)?,
        Some(Bug::IgnoresTransferEncoding) => content_length_only(head, view),
        Some(Bug::IgnoresBodyOnGet) if method == b"GET" || method == b"HEAD" => {
            BodyLength::Length(0)
        }
        _ => body_length(head, view, b"", cfg.lenient)?,
    };
    Ok(match length {
        BodyLength::Length(n) => {
            let fits = usize::try_from(n).ok().filter(|&n| n <= max);
            let Some(n) = fits else {
                return Err(Problem::BodyTooLarge {
                    len: n,
                    max: max as u64,
                });
            };
            Body::Length(n)
        }
        BodyLength::Chunked if buggy_chunks(bug) => Body::BuggyChunked,
        BodyLength::Chunked => Body::Chunked(Chunked::new(
            cfg.lenient,
            max as u64,
            cfg.ext,
            cfg.head,
            cfg.headers,
        )),
        // A request never reads to the close or tunnels (`body_length`
        // says so for a request); should it, it has no length here.
        BodyLength::Close | BodyLength::Tunnel => return Err(Problem::BadTransferEncoding),
    })
}

fn buggy_chunks(bug: Option<Bug>) -> bool {
    matches!(
        bug,
        Some(Bug::ChunkSizeLongestHexPrefix | Bug::AcceptsBareLfInChunkLines)
    )
}

/// `first-content-length-wins`: without Transfer-Encoding, the first
/// Content-Length field's value, whatever the others say.
fn first_content_length(head: &Head, buf: &[u8], cfg: &Http1) -> Result<BodyLength, Problem> {
    let te = head.values(buf, b"transfer-encoding").next().is_some();
    match head.values(buf, b"content-length").next() {
        Some(v) if !te => parse_decimal(v)
            .map(BodyLength::Length)
            .ok_or(Problem::InvalidContentLength),
        _ => body_length(head, buf, b"", cfg.lenient),
    }
}

/// `ignores-transfer-encoding`: the Content-Length, or no body.
fn content_length_only(head: &Head, buf: &[u8]) -> BodyLength {
    BodyLength::Length(
        head.values(buf, b"content-length")
            .next()
            .and_then(parse_decimal)
            .unwrap_or(0),
    )
}

fn parse_decimal(v: &[u8]) -> Option<u64> {
    if v.is_empty() || v.len() > 18 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(v).ok()?.parse().ok()
}

/// The buggy chunked reader, run over the whole body so far. With
/// `prefix`, a chunk size is its longest hex prefix (the rest of the line
/// ignored); with `bare_lf`, a line may end with LF alone. `None`: not
/// whole yet; `Some(Err)`: refused; `Some(Ok((bytes used, data length)))`.
fn buggy_chunked(body: &[u8], prefix: bool, bare_lf: bool) -> Option<Result<(usize, u64), ()>> {
    let mut at = 0;
    let mut data = 0u64;
    // One line (without its ending) from `at`, and where the next starts.
    let line = |at: usize| -> Option<Result<(&[u8], usize), ()>> {
        let nl = body[at..].iter().position(|&b| b == b'\n')?;
        let raw = &body[at..at + nl];
        match raw.strip_suffix(b"\r") {
            Some(text) => Some(Ok((text, at + nl + 1))),
            None if bare_lf => Some(Ok((raw, at + nl + 1))),
            None => Some(Err(())),
        }
    };
    loop {
        let Ok((text, next)) = line(at)? else {
            return Some(Err(()));
        };
        let digits = text.iter().take_while(|b| b.is_ascii_hexdigit()).count();
        let rest_ok = prefix || text.get(digits).is_none_or(|&b| b == b';');
        if digits == 0 || digits > 15 || !rest_ok {
            return Some(Err(()));
        }
        let size = u64::from_str_radix(std::str::from_utf8(&text[..digits]).ok()?, 16).ok()?;
        at = next;
        if size == 0 {
            // Trailer lines up to an empty one.
            loop {
                let Ok((text, next)) = line(at)? else {
                    return Some(Err(()));
                };
                at = next;
                if text.is_empty() {
                    return Some(Ok((at, data)));
                }
            }
        }
        let end = at.checked_add(usize::try_from(size).ok()?)?;
        if body.len() < end {
            return None;
        }
        data += size;
        at = end;
        let Ok((text, next)) = line(at)? else {
            return Some(Err(()));
        };
        if !text.is_empty() {
            return Some(Err(()));
        }
        at = next;
    }
}

/// The response to a whole request.
fn answer(req: &Request) -> Vec<u8> {
    let head = req.method == b"HEAD";
    let root = req.target == b"/";
    match req.method.as_slice() {
        b"GET" | b"HEAD" if root => response(200, PAGE, req.close, head),
        b"POST" if root => response(
            200,
            format!("received {} bytes\n", req.data_len).as_bytes(),
            req.close,
            false,
        ),
        b"GET" | b"HEAD" | b"POST" => response(404, b"not found\n", req.close, head),
        _ => response(405, b"method not allowed\n", req.close, false),
    }
}

/// A response with a `Content-Length` body (left out for HEAD).
fn response(status: u16, body: &[u8], close: bool, head: bool) -> Vec<u8> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        _ => "Error",
    };
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\nServer: framecheck\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n{}\r\n",
        body.len(),
        if close { "Connection: close\r\n" } else { "" }
    )
    .into_bytes();
    if !head {
        out.extend_from_slice(body);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_buggy_chunked_reader_reads_prefixes_and_bare_lf() {
        let body = b"5;x\r\nhello\r\n0\r\nT: 1\r\n\r\nNEXT";
        for (prefix, bare_lf) in [(true, false), (false, true)] {
            assert_eq!(
                buggy_chunked(body, prefix, bare_lf),
                Some(Ok((body.len() - 4, 5)))
            );
            assert_eq!(buggy_chunked(&body[..9], prefix, bare_lf), None);
            assert_eq!(buggy_chunked(b"zz\r\n", prefix, bare_lf), Some(Err(())));
        }
        // Each bug alone: "0z" is the last chunk; a bare LF ends a line.
        assert_eq!(
            buggy_chunked(b"0z\r\n\r\nGET", true, false),
            Some(Ok((6, 0)))
        );
        assert_eq!(buggy_chunked(b"0z\r\n\r\nGET", false, true), Some(Err(())));
        assert_eq!(buggy_chunked(b"0\n\r\nGET", false, true), Some(Ok((4, 0))));
        assert_eq!(buggy_chunked(b"0\n\r\nGET", true, false), Some(Err(())));
    }

    #[test]
    fn malformed_field_lines_are_dropped_by_that_bug_only() {
        let buf = b"POST / HTTP/1.1\r\nTransfer-Encoding : chunked\r\nX: \x0bv\r\nA:\r\n b\r\nContent-Length: 5\r\n\r\n0\r\n\r\n";
        let clean = without_malformed_fields(buf).expect("whole head");
        assert_eq!(
            clean,
            b"POST / HTTP/1.1\r\nA:\r\nContent-Length: 5\r\n\r\n0\r\n\r\n"
        );
        assert_eq!(without_malformed_fields(&buf[..20]), None);
    }

    #[test]
    fn responses_to_head_have_no_body() {
        let r = response(200, PAGE, false, true);
        assert!(r.ends_with(b"Content-Length: 11\r\n\r\n"));
        let r = response(404, b"not found\n", true, false);
        assert!(r.starts_with(b"HTTP/1.1 404 Not Found\r\n"));
        assert!(r.ends_with(b"Connection: close\r\n\r\nnot found\n"));
    }
}
