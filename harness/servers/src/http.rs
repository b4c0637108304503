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
    BodyLength, Chunked, Feed, Head, Http1, Problem, Version, body_length,
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
    /// Chunked, by the framing crate's state machine (correct), or by the
    /// buggy reader of `chunk-size-longest-hex-prefix` and
    /// `accepts-bare-lf-in-chunk-lines`.
    Chunked(Chunked),
    /// Chunked, read by a buggy reader.
    BuggyChunked,
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
    /// A refusal: status, then close.
    Refuse(u16, String),
}

/// Serve one HTTP connection to its end.
pub(crate) fn serve(conn: &mut Conn<'_>) {
    let Kind::Http1(cfg) = conn.config.spec.kind.clone() else {
        return;
    };
    let max = conn.config.spec.max();
    let mut buf: Vec<u8> = Vec::new();
    let mut read_buf = vec![0u8; READ_CHUNK];
    // The chunked state of the request being read, fed from `fed` on.
    let mut body: Option<(usize, Body, usize)> = None;
    loop {
        // Answer every whole request in the buffer first.
        loop {
            match parse(conn, &cfg, max, &buf, &mut body) {
                Parsed::More => break,
                Parsed::Refuse(status, why) => {
                    let _ = conn.send(&response(status, why.as_bytes(), true, false));
                    linger(conn, &mut read_buf);
                    return;
                }
                Parsed::Whole(req) => {
                    body = None;
                    buf.drain(..req.len);
                    if conn.bug() == Some(Bug::NoPipelining) {
                        // One request per read: the rest of the read is lost.
                        buf.clear();
                    }
                    if conn.bug() == Some(Bug::DropsResponseAfterHalfClose)
                        && peer_closed(conn, &mut read_buf, &mut buf)
                    {
                        conn.shutdown_write();
                        return;
                    }
                    let reply = answer(&req);
                    if conn.send(&reply).is_err() {
                        return;
                    }
                    if req.close {
                        conn.shutdown_write();
                        linger(conn, &mut read_buf);
                        return;
                    }
                }
            }
        }
        let inside = !buf.is_empty();
        let deadline = conn.deadline(inside);
        match conn.read(&mut read_buf, deadline) {
            Read::Data(n) => buf.extend_from_slice(&read_buf[..n]),
            // At the peer's EOF every whole request is answered; a partial
            // one gets nothing.
            Read::Eof | Read::Silent => {
                conn.shutdown_write();
                return;
            }
            Read::Stopped | Read::Failed => return,
        }
    }
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

fn refuse(p: Problem) -> Parsed {
    let status = match p {
        Problem::HeadTooLarge(_) | Problem::TooManyFields(_) => 431,
        Problem::BodyTooLarge { .. } => 413,
        _ => 400,
    };
    Parsed::Refuse(status, format!("{p}\n"))
}

/// Read the request at the start of `buf`, if it is whole.
fn parse(
    conn: &Conn<'_>,
    cfg: &Http1,
    max: usize,
    buf: &[u8],
    body: &mut Option<(usize, Body, usize)>,
) -> Parsed {
    let head = match Head::parse(buf, cfg) {
        Ok(Some(h)) => h,
        Ok(None) => return Parsed::More,
        Err(p) => return refuse(p),
    };
    if body.is_none() {
        let length = match conn.bug() {
            Some(Bug::FirstContentLengthWins) => first_content_length(&head, buf, cfg),
            Some(Bug::IgnoresTransferEncoding) => Ok(content_length_only(&head, buf)),
            _ => body_length(&head, buf, b"", cfg.lenient),
        };
        let b = match length {
            Err(p) => return refuse(p),
            Ok(BodyLength::Length(n)) => match usize::try_from(n).ok().filter(|&n| n <= max) {
                Some(n) => Body::Length(n),
                None => {
                    return refuse(Problem::BodyTooLarge {
                        len: n,
                        max: max as u64,
                    });
                }
            },
            Ok(BodyLength::Chunked) if buggy_chunks(conn.bug()) => Body::BuggyChunked,
            Ok(BodyLength::Chunked) => Body::Chunked(Chunked::new(
                cfg.lenient,
                max as u64,
                cfg.ext,
                cfg.head,
                cfg.headers,
            )),
            // A request never reads to the close or tunnels.
            Ok(_) => return Parsed::Refuse(400, "no request body length\n".to_owned()),
        };
        *body = Some((head.len, b, head.len));
    }
    let Some((start, state, fed)) = body else {
        return Parsed::More;
    };
    let (len, data_len) = match state {
        Body::Length(n) => {
            if buf.len() - *start < *n {
                return Parsed::More;
            }
            (*start + *n, *n as u64)
        }
        Body::Chunked(ch) => match ch.feed(&buf[*fed..]) {
            Err(p) => return refuse(p),
            Ok(Feed::More) => {
                *fed = buf.len();
                return Parsed::More;
            }
            Ok(Feed::Done(i)) => (*fed + i, ch.data_len()),
        },
        Body::BuggyChunked => {
            match buggy_chunked(
                &buf[*start..],
                conn.bug() == Some(Bug::AcceptsBareLfInChunkLines),
            ) {
                None => {
                    if buf.len() - *start > max {
                        return refuse(Problem::BodyTooLarge {
                            len: (buf.len() - *start) as u64,
                            max: max as u64,
                        });
                    }
                    return Parsed::More;
                }
                Some(Err(())) => return Parsed::Refuse(400, "bad chunked body\n".to_owned()),
                Some(Ok((used, data))) => (*start + used, data),
            }
        }
    };
    let method = head.method(buf).unwrap_or_default().to_vec();
    let target = match &head.start {
        framecheck_framing::http1::StartLine::Request { target, .. } => {
            buf[target.clone()].to_vec()
        }
        framecheck_framing::http1::StartLine::Response { .. } => Vec::new(),
    };
    let close = head.start.version() == Version::Http10
        || head.values(buf, b"connection").any(|v| {
            v.split(|&b| b == b',')
                .any(|o| o.trim_ascii().eq_ignore_ascii_case(b"close"))
        });
    Parsed::Whole(Request {
        method,
        target,
        close,
        data_len,
        len,
    })
}

fn buggy_chunks(bug: Option<Bug>) -> bool {
    matches!(
        bug,
        Some(Bug::ChunkSizeLongestHexPrefix | Bug::AcceptsBareLfInChunkLines)
    )
}

/// `first-content-length-wins`: the first Content-Length field's value,
/// whatever follows (Transfer-Encoding still read as the RFC says when
/// there is no Content-Length).
fn first_content_length(head: &Head, buf: &[u8], cfg: &Http1) -> Result<BodyLength, Problem> {
    match head.values(buf, b"content-length").next() {
        Some(v) => parse_decimal(v)
            .map(BodyLength::Length)
            .ok_or(Problem::InvalidContentLength),
        None => body_length(head, buf, b"", cfg.lenient),
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

/// The buggy chunked reader, run over the whole body so far: chunk sizes
/// are read as their longest hex prefix (the rest of the line ignored), and
/// with `bare_lf` a line may end with LF alone. `None`: not whole yet;
/// `Some(Err)`: refused; `Some(Ok((bytes used, data length)))`.
fn buggy_chunked(body: &[u8], bare_lf: bool) -> Option<Result<(usize, u64), ()>> {
    let mut at = 0;
    let mut data = 0u64;
    // One line (without its ending) from `at`.
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
        let (text, next) = match line(at)? {
            Ok(l) => l,
            Err(()) => return Some(Err(())),
        };
        let digits = text.iter().take_while(|b| b.is_ascii_hexdigit()).count();
        if digits == 0 || digits > 15 {
            return Some(Err(()));
        }
        let size = u64::from_str_radix(std::str::from_utf8(&text[..digits]).ok()?, 16).ok()?;
        at = next;
        if size == 0 {
            // Trailer lines up to an empty one.
            loop {
                let (text, next) = match line(at)? {
                    Ok(l) => l,
                    Err(()) => return Some(Err(())),
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
        let (text, next) = match line(at)? {
            Ok(l) => l,
            Err(()) => return Some(Err(())),
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
        assert_eq!(buggy_chunked(body, false), Some(Ok((body.len() - 4, 5))));
        assert_eq!(buggy_chunked(&body[..9], false), None);
        // Its bugs: "0z" is the last chunk, a bare LF ends a line.
        assert_eq!(buggy_chunked(b"0z\r\n\r\nGET", false), Some(Ok((6, 0))));
        assert_eq!(buggy_chunked(b"0\n\r\nGET", true), Some(Ok((4, 0))));
        assert_eq!(buggy_chunked(b"0\n\r\nGET", false), Some(Err(())));
        assert_eq!(buggy_chunked(b"zz\r\n", false), Some(Err(())));
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
