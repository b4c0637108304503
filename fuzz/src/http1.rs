//! The `differential_http1` target's body: framecheck's strict `http1:`
//! decoder against httparse 1.10 (start line, field lines, chunk sizes by
//! `httparse::parse_chunk_size`) with the body-length rules as hyper 1.x's
//! HTTP/1 role code applies them (`proto/h1/role.rs`: the server's rules for
//! requests, the client's for responses; the chunk CRLF and trailer handling
//! of `proto/h1/decode.rs`), written here from reading that code.
//!
//! Both read the same stream, which has ended, message by message; for each
//! they must agree on the frame (its length, its header section's length,
//! its field count, its start line), or both make no frame of it (refused,
//! or cut by the end). They differ in the ways written up in
//! `reports/differential.md` (H1 to H13), which the body recognizes; any
//! other disagreement panics.
//!
//! # Input layout
//!
//! ```text
//! differential_http1 := mode:u8 stream
//!     mode & 1: 0 requests, 1 responses; responses answer (mode >> 1) % 4:
//!     GET, HEAD, CONNECT, POST
//! ```
//!
//! Limits are wide on both sides (64 field lines, 64 KiB of header section,
//! 1 MiB of body): a refusal for a limit ends the comparison.

use framecheck_framing::http1::{Head, Http1, Problem, Role, StartLine};
use framecheck_framing::{Decoder, Error, Kind, Spec};

/// The most field lines on either side (httparse's header array).
const FIELDS: usize = 64;
/// The most messages compared per input.
const MAX_MESSAGES: usize = 16;
const METHODS: [&str; 4] = ["GET", "HEAD", "CONNECT", "POST"];

/// What one side made of the front of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A message: its length, its header section's length, its field
    /// count, and its start line (method, target, version or version,
    /// status).
    Frame {
        /// The whole message.
        len: usize,
        /// The header section.
        head: usize,
        /// Field lines.
        fields: usize,
        /// The start line's parts.
        start: String,
    },
    /// No message: refused (the rule or their message), or cut by the end.
    None(String),
}

/// The known differences (see `reports/differential.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    /// H1 (both allowed): a bare LF ends a line of the header section:
    /// httparse takes it (RFC 9112 2.2 MAY), framecheck strict refuses.
    BareLf,
    /// H2 (framecheck): a status line without the SP after the code, or a
    /// code below 100: httparse takes it.
    StatusLine,
    /// H3 (both allowed): Content-Length beside Transfer-Encoding: hyper
    /// lets Transfer-Encoding win (and closes), framecheck strict refuses.
    ClAndTe,
    /// H4 (both allowed): identical Content-Length values repeated: hyper
    /// takes one (RFC 9110 8.6 MAY), framecheck strict refuses.
    DuplicateCl,
    /// H5 (framecheck): chunked twice, or followed by another coding in an
    /// earlier Transfer-Encoding field or in a response: hyper looks at the
    /// last coding of the last field only.
    ChunkedNotFinal,
    /// H6 (framecheck): a chunk size of more than 16 hex digits (leading
    /// zeros): httparse refuses, the RFC sets no digit limit.
    ChunkSizeDigits,
    /// H7 (framecheck): a chunk-size line with no digits (httparse reads 0)
    /// or with whitespace after the size and no extension.
    ChunkSizeLine,
    /// H8 (framecheck): a chunk extension with a control byte or a bare LF
    /// (httparse takes any byte up to CRLF).
    ChunkExtension,
    /// H9 (theirs, RFC SHOULD): empty lines before a request line: httparse
    /// skips them, framecheck refuses.
    LeadingEmptyLines,
    /// H10 (the RFC is silent): `chunked` with a parameter
    /// (`chunked;q=1`): framecheck reads the coding's name, chunked; hyper
    /// compares the whole element: a request is refused (400), a response
    /// read to close.
    ChunkedParams,
    /// H11 (framecheck): a Transfer-Encoding value that is not a list of
    /// tokens: framecheck refuses it; hyper reads only the last element (a
    /// response's `chunked' gzip` is an unknown coding read to close; a
    /// request's `chu+k\d, chunked` is chunked).
    MalformedCoding,
    /// H12 (framecheck): empty elements at the end of the Transfer-Encoding
    /// list (`chunked,`): framecheck ignores them (RFC 9110 5.6.1 MUST);
    /// hyper reads the empty last element as "not chunked".
    EmptyListElement,
    /// H13 (framecheck): a request target with non-ASCII bytes that are
    /// valid UTF-8: httparse takes it (its path is a `&str`), framecheck
    /// refuses (RFC 3986 URIs are ASCII).
    NonAsciiTarget,
}

/// Compare the two sides on `data`; panics on an unknown disagreement.
/// Returns the known difference that ended the comparison, if one did.
pub fn differential_http1(data: &[u8]) -> Option<Known> {
    let (&mode, mut rest) = data.split_first()?;
    let response = mode & 1 == 1;
    let method = METHODS[usize::from(mode >> 1) % 4];
    for _ in 0..MAX_MESSAGES {
        if rest.is_empty() {
            return None;
        }
        let (ours, problem) = ours(response, method, rest);
        let theirs = theirs(response, method, rest);
        match (&ours, &theirs) {
            (Outcome::Frame { len, .. }, Outcome::Frame { len: l2, .. }) if ours == theirs => {
                debug_assert_eq!(len, l2);
                rest = &rest[*len..];
            }
            (Outcome::None(_), Outcome::None(_)) => return None,
            _ => {
                let Some(known) = classify(response, problem, &ours, &theirs, rest) else {
                    panic!(
                        "HTTP/1 {} disagreement on {:?} (method {method}): framecheck {ours:?}, httparse+hyper {theirs:?}",
                        if response { "response" } else { "request" },
                        rest.escape_ascii().to_string()
                    );
                };
                return Some(known);
            }
        }
    }
    None
}

/// framecheck's strict decoder on a stream that ends after `rest`.
fn ours(response: bool, method: &str, rest: &[u8]) -> (Outcome, Option<Problem>) {
    let mut h = Http1::new(if response {
        Role::Response
    } else {
        Role::Request
    });
    h.headers = FIELDS;
    if response {
        h.methods = vec![method.as_bytes().to_vec()];
    }
    let spec = Spec {
        max: Some(1 << 20),
        ..Spec::new(Kind::Http1(h.clone()))
    };
    let mut dec = Decoder::new(&spec);
    let mut input = rest;
    let len = match dec.decode(&mut input) {
        Ok(Some(f)) => f.wire().len(),
        Ok(None) => match dec.finish() {
            Ok(Some(f)) => f.wire().len(),
            Ok(None) => return (Outcome::None("empty".into()), None),
            Err(e) => return (Outcome::None(e.to_string()), None),
        },
        Err(Error::Http1 { problem, .. }) => {
            return (Outcome::None(problem.to_string()), Some(problem));
        }
        Err(e) => return (Outcome::None(e.to_string()), None),
    };
    let wire = &rest[..len];
    let Ok(Some(head)) = Head::parse(wire, &h) else {
        unreachable!("a frame's head parses")
    };
    let start = match &head.start {
        StartLine::Request {
            method,
            target,
            version,
        } => format!(
            "{} {} {:?}",
            wire[method.clone()].escape_ascii(),
            wire[target.clone()].escape_ascii(),
            version
        ),
        StartLine::Response {
            version, status, ..
        } => format!("{version:?} {status}"),
    };
    (
        Outcome::Frame {
            len,
            head: head.len,
            fields: head.fields.len(),
            start,
        },
        None,
    )
}

/// httparse, then hyper's body-length rules, on a stream that ends after `rest`.
fn theirs(response: bool, method: &str, rest: &[u8]) -> Outcome {
    let mut headers = [httparse::EMPTY_HEADER; FIELDS];
    let (head, version11, status, start, fields) = if response {
        let mut r = httparse::Response::new(&mut headers);
        match r.parse(rest) {
            Ok(httparse::Status::Complete(n)) => {
                let version = r.version.unwrap_or(1);
                let code = r.code.unwrap_or(0);
                let v = if version == 1 { "Http11" } else { "Http10" };
                let f: Vec<(String, Vec<u8>)> = r
                    .headers
                    .iter()
                    .map(|h| (h.name.to_ascii_lowercase(), h.value.to_vec()))
                    .collect();
                (n, version == 1, code, format!("{v} {code}"), f)
            }
            Ok(httparse::Status::Partial) => return Outcome::None("partial".into()),
            Err(e) => return Outcome::None(e.to_string()),
        }
    } else {
        let mut r = httparse::Request::new(&mut headers);
        match r.parse(rest) {
            Ok(httparse::Status::Complete(n)) => {
                let version = r.version.unwrap_or(1);
                let v = if version == 1 { "Http11" } else { "Http10" };
                let start = format!(
                    "{} {} {v}",
                    r.method.unwrap_or("").as_bytes().escape_ascii(),
                    r.path.unwrap_or("").as_bytes().escape_ascii()
                );
                let f: Vec<(String, Vec<u8>)> = r
                    .headers
                    .iter()
                    .map(|h| (h.name.to_ascii_lowercase(), h.value.to_vec()))
                    .collect();
                (n, version == 1, 0, start, f)
            }
            Ok(httparse::Status::Partial) => return Outcome::None("partial".into()),
            Err(e) => return Outcome::None(e.to_string()),
        }
    };
    let body = if response {
        client_decoder(status, version11, method, &fields)
    } else {
        server_decoder(version11, &fields)
    };
    let total = match body {
        Err(e) => return Outcome::None(e.into()),
        Ok(Body::Len(n)) => match usize::try_from(n).ok().and_then(|n| head.checked_add(n)) {
            Some(t) if t <= rest.len() => t,
            _ => return Outcome::None("cut in the body".into()),
        },
        Ok(Body::Close) => rest.len(),
        Ok(Body::Chunked) => match chunked(&rest[head..]) {
            Ok(Some(n)) => head + n,
            Ok(None) => return Outcome::None("cut in the chunked body".into()),
            Err(e) => return Outcome::None(e),
        },
    };
    Outcome::Frame {
        len: total,
        head,
        fields: fields.len(),
        start,
    }
}

enum Body {
    Len(u64),
    Chunked,
    Close,
}

/// hyper's digits: 1*DIGIT, no sign, checked arithmetic.
fn from_digits(v: &[u8]) -> Option<u64> {
    if v.is_empty() {
        return None;
    }
    v.iter().try_fold(0u64, |n, &b| {
        b.is_ascii_digit()
            .then_some(())
            .and_then(|()| n.checked_mul(10)?.checked_add(u64::from(b - b'0')))
    })
}

/// The last coding of a Transfer-Encoding value is `chunked`.
fn last_is_chunked(v: &[u8]) -> bool {
    std::str::from_utf8(v).is_ok_and(|s| {
        s.rsplit(',')
            .next()
            .is_some_and(|c| c.trim().eq_ignore_ascii_case("chunked"))
    })
}

/// hyper's `Server::parse` rules for a request (role.rs).
fn server_decoder(version11: bool, fields: &[(String, Vec<u8>)]) -> Result<Body, &'static str> {
    let mut body = Body::Len(0);
    let (mut is_te, mut is_te_chunked, mut con_len) = (false, false, None);
    for (name, value) in fields {
        match name.as_str() {
            "transfer-encoding" => {
                if !version11 {
                    return Err("HTTP/1.0 cannot have Transfer-Encoding");
                }
                is_te = true;
                con_len = None;
                is_te_chunked = last_is_chunked(value);
                if is_te_chunked {
                    body = Body::Chunked;
                }
            }
            "content-length" => {
                if is_te {
                    continue;
                }
                let len = from_digits(value).ok_or("invalid content-length")?;
                match con_len {
                    Some(prev) if prev != len => return Err("differing content-length"),
                    Some(_) => {}
                    None => {
                        body = Body::Len(len);
                        con_len = Some(len);
                    }
                }
            }
            _ => {}
        }
    }
    if is_te && !is_te_chunked {
        return Err("transfer-encoding not chunked");
    }
    Ok(body)
}

/// hyper's `Client::decoder` rules for a response (role.rs).
fn client_decoder(
    status: u16,
    version11: bool,
    method: &str,
    fields: &[(String, Vec<u8>)],
) -> Result<Body, &'static str> {
    match status {
        // The connection is upgraded: the rest is not HTTP (framecheck:
        // that frame's body, up to the end).
        101 => return Ok(Body::Close),
        100..=199 | 204 | 304 => return Ok(Body::Len(0)),
        _ => {}
    }
    match method {
        "HEAD" => return Ok(Body::Len(0)),
        "CONNECT" if (200..300).contains(&status) => return Ok(Body::Close),
        _ => {}
    }
    let values = |n: &'static str| {
        fields
            .iter()
            .filter(move |(k, _)| k == n)
            .map(|(_, v)| v.as_slice())
    };
    if values("transfer-encoding").next().is_some() {
        if !version11 {
            return Err("HTTP/1.0 cannot have Transfer-Encoding");
        }
        let last = values("transfer-encoding").next_back().unwrap_or_default();
        return Ok(if last_is_chunked(last) {
            Body::Chunked
        } else {
            Body::Close
        });
    }
    let mut len: Option<u64> = None;
    let mut any = false;
    for v in values("content-length") {
        any = true;
        let s = std::str::from_utf8(v).map_err(|_| "content-length not text")?;
        for item in s.split(',') {
            let n = from_digits(item.trim().as_bytes()).ok_or("invalid content-length")?;
            if len.is_some_and(|l| l != n) {
                return Err("differing content-length");
            }
            len = Some(n);
        }
    }
    match (any, len) {
        (true, Some(n)) => Ok(Body::Len(n)),
        (true, None) => Err("invalid content-length"),
        (false, _) => Ok(Body::Close),
    }
}

/// A chunked body by `httparse::parse_chunk_size`, the CRLF after each
/// chunk's data as hyper checks it, and the trailers as hyper gathers and
/// parses them: the body's length, `None` if cut.
fn chunked(b: &[u8]) -> Result<Option<usize>, String> {
    let mut p = 0;
    loop {
        let (n, size) = match httparse::parse_chunk_size(&b[p..]) {
            Ok(httparse::Status::Complete(x)) => x,
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(e) => return Err(format!("{e:?}")),
        };
        p += n;
        if size == 0 {
            break;
        }
        let Some(end) = usize::try_from(size).ok().and_then(|s| p.checked_add(s)) else {
            return Ok(None);
        };
        match b.get(end..end + 2) {
            Some(b"\r\n") => p = end + 2,
            Some(_) => return Err("invalid chunk body CRLF".into()),
            None if b.get(end).is_some_and(|&c| c != b'\r') => {
                return Err("invalid chunk body CR".into());
            }
            None => return Ok(None),
        }
    }
    // Trailers: lines ended by CRLF, any bytes, up to an empty line; then
    // parsed by httparse::parse_headers.
    let start = p;
    let mut lines = 0;
    loop {
        match b.get(p) {
            None => return Ok(None),
            Some(b'\r') => {
                return match b.get(p + 1) {
                    Some(b'\n') => {
                        if lines > 0 {
                            let mut hs = vec![httparse::EMPTY_HEADER; lines];
                            match httparse::parse_headers(&b[start..p + 2], &mut hs) {
                                Ok(httparse::Status::Complete(_)) => {}
                                Ok(httparse::Status::Partial) => {
                                    return Err("partial trailers".into());
                                }
                                Err(e) => return Err(format!("trailers: {e}")),
                            }
                        }
                        Ok(Some(p + 2))
                    }
                    Some(_) => Err("invalid chunk end LF".into()),
                    None => Ok(None),
                };
            }
            Some(_) => {
                let Some(cr) = b[p..].iter().position(|&c| c == b'\r') else {
                    return Ok(None);
                };
                match b.get(p + cr + 1) {
                    Some(b'\n') => {}
                    Some(_) => return Err("invalid trailer end LF".into()),
                    None => return Ok(None),
                }
                lines += 1;
                if lines > FIELDS {
                    // Configuration: framecheck's headers= bounds the
                    // trailers too (hyper's own bound is 100).
                    return Err("too many trailers".into());
                }
                p += cr + 2;
            }
        }
    }
}

/// Which known difference explains a disagreement, if one does.
fn classify(
    response: bool,
    problem: Option<Problem>,
    ours: &Outcome,
    theirs: &Outcome,
    rest: &[u8],
) -> Option<Known> {
    // H12 first: an empty last element makes hyper read a different
    // framing from the start, whatever follows.
    if last_coding(rest).is_some_and(|c| c.trim_ascii().is_empty()) {
        return Some(Known::EmptyListElement);
    }
    // H10 likewise: hyper reads `chunked;x` as another coding.
    if chunked_with_params(rest) {
        return Some(Known::ChunkedParams);
    }
    if let Some(p) = problem {
        // framecheck refused what they took.
        let known = match p {
            Problem::BareLf => Known::BareLf,
            Problem::BadRequestLine | Problem::BadStatusLine
                if rest.starts_with(b"\r\n") || rest.starts_with(b"\n") =>
            {
                Known::LeadingEmptyLines
            }
            Problem::BadStatusLine if response => Known::StatusLine,
            Problem::ContentLengthAndTransferEncoding => Known::ClAndTe,
            Problem::DuplicateContentLength => Known::DuplicateCl,
            Problem::ChunkedNotFinal => Known::ChunkedNotFinal,
            Problem::BadTransferEncoding => Known::MalformedCoding,
            Problem::BadChunkSize => Known::ChunkSizeLine,
            Problem::BadChunkExtension | Problem::BareLfInChunk => Known::ChunkExtension,
            Problem::BadRequestLine if rest.starts_with(b"\r\n") || rest.starts_with(b"\n") => {
                Known::LeadingEmptyLines
            }
            Problem::BadRequestLine if !request_line(rest).is_ascii() => Known::NonAsciiTarget,
            _ => return None,
        };
        return matches!(theirs, Outcome::Frame { .. }).then_some(known);
    }
    match (ours, theirs) {
        (Outcome::Frame { .. }, Outcome::None(e)) if e.contains("InvalidChunkSize") => {
            Some(Known::ChunkSizeDigits)
        }
        _ => None,
    }
}

/// The first line of `rest`.
fn request_line(rest: &[u8]) -> &[u8] {
    rest.split(|&b| b == b'\n').next().unwrap_or_default()
}

/// The last element of the last Transfer-Encoding field of `rest`'s
/// header section, as written.
fn last_coding(rest: &[u8]) -> Option<&[u8]> {
    let head_end = rest
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(rest.len());
    rest[..head_end]
        .split(|&b| b == b'\n')
        .rfind(|l| l.len() > 18 && l[..18].eq_ignore_ascii_case(b"transfer-encoding:"))
        .and_then(|l| l[18..].rsplit(|&b| b == b',').next())
}

/// Whether the last Transfer-Encoding element of `rest`'s header section
/// is `chunked` with a parameter.
fn chunked_with_params(rest: &[u8]) -> bool {
    last_coding(rest).is_some_and(|c| {
        let c = c.trim_ascii();
        c.len() > 7
            && c[..7].eq_ignore_ascii_case(b"chunked")
            && c[7..].trim_ascii_start().starts_with(b";")
    })
}

/// Minimal inputs, one per known difference (mode byte first), with the
/// difference each must give: the seeds of `corpus/differential_http1`.
pub fn seeds() -> Vec<(&'static str, Vec<u8>, Option<Known>)> {
    let req = |s: &[u8]| [&[0u8][..], s].concat();
    let resp = |s: &[u8]| [&[1u8][..], s].concat();
    vec![
        ("agree-pipeline", req(b"GET / HTTP/1.1\r\nHost: a\r\n\r\nPOST /p HTTP/1.1\r\nContent-Length: 2\r\n\r\nhiPOST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;a=b\r\nz\r\n0\r\nT: 1\r\n\r\n"), None),
        ("agree-responses", resp(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\n\r\nto the end"), None),
        ("h1-bare-lf", req(b"GET / HTTP/1.1\nHost: a\n\n"), Some(Known::BareLf)),
        ("h2-no-reason-space", resp(b"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"), Some(Known::StatusLine)),
        ("h3-cl-te", req(b"POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), Some(Known::ClAndTe)),
        ("h4-duplicate-cl", req(b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx"), Some(Known::DuplicateCl)),
        ("h5-chunked-twice", req(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"), Some(Known::ChunkedNotFinal)),
        ("h6-chunk-size-digits", req(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n00000000000000001\r\nz\r\n0\r\n\r\n"), Some(Known::ChunkSizeDigits)),
        ("h7-empty-chunk-size", req(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n\r\n\r\n"), Some(Known::ChunkSizeLine)),
        ("h8-lf-in-extension", req(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;a\nb\r\nz\r\n0\r\n\r\n"), Some(Known::ChunkExtension)),
        ("h9-leading-crlf", req(b"\r\nGET / HTTP/1.1\r\n\r\n"), Some(Known::LeadingEmptyLines)),
        ("h10-chunked-params", req(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked;q=1\r\n\r\n0\r\n\r\n"), Some(Known::ChunkedParams)),
        ("h5-response-chunked-gzip", resp(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nabc"), Some(Known::ChunkedNotFinal)),
        ("h2-status-000", resp(b"HTTP/1.1 000 OK\r\n\r\n"), Some(Known::StatusLine)),
        ("h4-response-cl-list", resp(b"HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\nz"), Some(Known::DuplicateCl)),
        ("h7-space-after-size", req(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1 \r\nz\r\n0\r\n\r\n"), Some(Known::ChunkSizeLine)),
        ("h8-ctl-in-extension", req(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;a\x01\r\nz\r\n0\r\n\r\n"), Some(Known::ChunkExtension)),
        ("h11-malformed-coding", resp(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked' gzip\r\n\r\nabc"), Some(Known::MalformedCoding)),
        ("h11-malformed-coding-request", req(b"POST / HTTP/1.1\r\nTransfer-Encoding: chu+k\\d, chunked\r\n\r\n0\r\n\r\n"), Some(Known::MalformedCoding)),
        ("agree-malformed-coding-request", req(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked' gzip\r\n\r\n"), None),
        ("h12-empty-last-element", req(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked,\r\n\r\n0\r\n\r\n"), Some(Known::EmptyListElement)),
        ("h12-empty-last-element-response", resp(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, \r\n\r\n0\r\n\r\nrest"), Some(Known::EmptyListElement)),
        ("h12-empty-last-element-cut-body", resp(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, \r\n\r\n0\r\n\r8\nrest"), Some(Known::EmptyListElement)),
        ("h13-utf8-target", req("GET /caf\u{e9} HTTP/1.1\r\n\r\n".as_bytes()), Some(Known::NonAsciiTarget)),
        ("h10-chunked-params-response", resp(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;T\r\n\r\n0\r\n\r\nrest"), Some(Known::ChunkedParams)),
        ("agree-obs-text-target", req(b"GET /\x80 HTTP/1.1\r\n\r\n"), None),
    ]
}
