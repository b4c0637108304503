//! The model of `http1:` streams, from the whole stream at once: the header
//! section split into lines, each line judged by slicing; the body length by
//! RFC 9112 section 6.3 read as a table; a chunked body walked line by line
//! with `from_str_radix`. Shares no code with `crate::http1` but its types.

use super::{End, Model, ModelFrame};
use crate::Error;
use crate::http1::{Http1, Problem, Role};

/// What the bytes at a message boundary are.
enum Msg {
    Frame { head: usize, len: usize },
    Short(crate::Stage),
    Bad(Problem),
    Over(Error),
}

/// Every message of `stream`.
pub(super) fn model(h: &Http1, max: usize, stream: &[u8], ended: bool) -> Model {
    let mut frames = Vec::new();
    let mut start = 0;
    let mut answered = 0;
    let end = loop {
        let rest = &stream[start..];
        if rest.is_empty() {
            break if ended {
                End::Clean
            } else {
                End::Waiting { held: 0 }
            };
        }
        let offset = start as u64;
        match message(h, max, rest, ended, &mut answered) {
            Msg::Frame { head, len } => {
                frames.push(ModelFrame {
                    start,
                    head_len: head,
                    payload: head..len,
                    len,
                    special: None,
                });
                start += len;
            }
            Msg::Short(stage) => {
                break if ended {
                    End::Failed(Error::Truncated {
                        offset,
                        held: rest.len(),
                        stage,
                    })
                } else {
                    End::Waiting { held: rest.len() }
                };
            }
            Msg::Bad(Problem::BodyTooLarge { len, .. }) => {
                break End::Failed(Error::TooLarge { offset, len, max });
            }
            Msg::Bad(problem) => break End::Failed(Error::Http1 { offset, problem }),
            Msg::Over(e) => {
                break End::Failed(match e {
                    Error::TooLarge { len, max, .. } => Error::TooLarge { offset, len, max },
                    _ => Error::Overflow { offset, max },
                });
            }
        }
    };
    Model { frames, end }
}

const TOKEN_PUNCT: &[u8] = b"!#$%&'*+-.^_`|~";

fn token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || TOKEN_PUNCT.contains(&b)
}

fn visible(b: u8) -> bool {
    (0x21..=0x7e).contains(&b) || b >= 0x80
}

fn value_ok(v: &[u8]) -> Result<(), Problem> {
    match v
        .iter()
        .find(|&&b| !(visible(b) || b == b' ' || b == b'\t'))
    {
        None => Ok(()),
        Some(b'\r') => Err(Problem::BareCr),
        Some(_) => Err(Problem::BadFieldValue),
    }
}

/// A quoted string, whole: `"`, then text or backslash pairs, then `"`.
fn quoted(v: &[u8]) -> bool {
    if v.len() < 2 || v[0] != b'"' || v[v.len() - 1] != b'"' {
        return false;
    }
    let inner = &v[1..v.len() - 1];
    let allowed = |b: u8| b == b'\t' || b == b' ' || visible(b);
    let mut i = 0;
    while i < inner.len() {
        match inner[i] {
            b'\\' if i + 1 < inner.len() && allowed(inner[i + 1]) => i += 2,
            b'\\' | b'"' => return false,
            b if allowed(b) => i += 1,
            _ => return false,
        }
    }
    true
}

fn strip(v: &[u8]) -> &[u8] {
    let is_ws = |b: &u8| b" \t\r\n".contains(b);
    let Some(a) = v.iter().position(|b| !is_ws(b)) else {
        return &[];
    };
    let z = v.len() - v.iter().rev().position(|b| !is_ws(b)).unwrap_or(0);
    &v[a..z]
}

/// `v` without leading and trailing SP and HTAB.
fn sp_trim(v: &[u8]) -> &[u8] {
    let sp = |b: &u8| *b == b' ' || *b == b'\t';
    let a = v.iter().position(|b| !sp(b)).unwrap_or(v.len());
    let z = v.len() - v.iter().rev().position(|b| !sp(b)).unwrap_or(v.len() - a);
    &v[a..z.max(a)]
}

/// A start line: `(is a 1.0 message, status)`.
fn start_line(h: &Http1, line: &[u8]) -> Result<(bool, u16), Problem> {
    if line.contains(&b'\r') {
        return Err(Problem::BareCr);
    }
    let version = |v: &[u8], other: Problem| -> Result<bool, Problem> {
        if v == b"HTTP/1.0" || v == b"HTTP/1.1" {
            return Ok(v == b"HTTP/1.0");
        }
        let shaped = v.len() == 8
            && v.starts_with(b"HTTP/")
            && v[5].is_ascii_digit()
            && v[6] == b'.'
            && v[7].is_ascii_digit();
        Err(if shaped { Problem::BadVersion } else { other })
    };
    if h.role == Role::Request {
        let bad = Problem::BadRequestLine;
        let parts: Vec<&[u8]> = line.splitn(3, |&b| b == b' ').collect();
        let [method, target, v] = parts[..] else {
            return Err(bad);
        };
        if method.is_empty() || !method.iter().copied().all(token_byte) {
            return Err(bad);
        }
        if target.is_empty() || !target.iter().all(|b| (0x21..=0x7e).contains(b)) {
            return Err(bad);
        }
        return Ok((version(v, bad)?, 0));
    }
    let bad = Problem::BadStatusLine;
    if line.len() < 8 {
        return Err(bad);
    }
    let old = version(&line[..8], bad)?;
    let after = &line[8..];
    if after.len() < 4 || after[0] != b' ' {
        return Err(bad);
    }
    let code = std::str::from_utf8(&after[1..4]).map_err(|_| bad)?;
    let status: u16 = code.parse().map_err(|_| bad)?;
    if !code.bytes().all(|b| b.is_ascii_digit()) || status < 100 {
        return Err(bad);
    }
    match &after[4..] {
        [] if h.lenient => Ok((old, status)),
        [b' ', reason @ ..]
            if reason
                .iter()
                .all(|&b| visible(b) || b == b' ' || b == b'\t') =>
        {
            Ok((old, status))
        }
        _ => Err(bad),
    }
}

/// The framing of one message: body kind after the head.
enum Body {
    Len(u64),
    Chunked,
    ToClose,
}

#[expect(
    clippy::too_many_lines,
    reason = "the model reads one message top to bottom, as the RFC lays it out"
)]
fn message(h: &Http1, max: usize, rest: &[u8], ended: bool, answered: &mut usize) -> Msg {
    // The header section, line by line.
    let mut at = 0;
    let mut first: Option<(bool, u16)> = None;
    let mut fields: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let head = loop {
        let lf = rest[at..].iter().position(|&b| b == b'\n').map(|p| p + at);
        let Some(lf) = lf.filter(|&lf| lf < h.head) else {
            return if rest.len() > h.head {
                Msg::Bad(Problem::HeadTooLarge(h.head))
            } else {
                Msg::Short(crate::Stage::Header)
            };
        };
        let raw = &rest[at..lf];
        at = lf + 1;
        let line = match raw.strip_suffix(b"\r") {
            Some(l) => l,
            None if h.lenient => raw,
            None => return Msg::Bad(Problem::BareLf),
        };
        if first.is_none() {
            if line.is_empty() && h.lenient && h.role == Role::Request {
                continue;
            }
            match start_line(h, line) {
                Ok(s) => first = Some(s),
                Err(p) => return Msg::Bad(p),
            }
            continue;
        }
        if line.is_empty() {
            break at;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            let Some(last) = fields.last_mut() else {
                return Msg::Bad(Problem::WhitespaceAfterStartLine);
            };
            if !h.lenient {
                return Msg::Bad(Problem::ObsFold);
            }
            let more = sp_trim(line);
            if let Err(p) = value_ok(more) {
                return Msg::Bad(p);
            }
            last.1.extend_from_slice(b" ");
            last.1.extend_from_slice(more);
            continue;
        }
        if fields.len() == h.headers {
            return Msg::Bad(Problem::TooManyFields(h.headers));
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return Msg::Bad(Problem::BadFieldName);
        };
        let raw_name = &line[..colon];
        let name = {
            // Only SP and HTAB are whitespace here.
            let kept = raw_name.len()
                - raw_name
                    .iter()
                    .rev()
                    .take_while(|&&b| b == b' ' || b == b'\t')
                    .count();
            &raw_name[..kept]
        };
        if name.len() != raw_name.len() && !(h.lenient && h.role == Role::Response) {
            return Msg::Bad(Problem::WhitespaceBeforeColon);
        }
        if name.is_empty() || !name.iter().copied().all(token_byte) {
            return Msg::Bad(Problem::BadFieldName);
        }
        let value = {
            let lead = line[colon + 1..]
                .iter()
                .take_while(|&&b| b == b' ' || b == b'\t')
                .count();
            let v = &line[colon + 1 + lead..];
            let tail = v
                .iter()
                .rev()
                .take_while(|&&b| b == b' ' || b == b'\t')
                .count();
            &v[..v.len() - tail]
        };
        if let Err(p) = value_ok(value) {
            return Msg::Bad(p);
        }
        fields.push((name.to_ascii_lowercase(), value.to_vec()));
    };
    let (old, status) = first.unwrap_or((false, 0));
    let body = match framing(h, old, status, &fields, answered) {
        Ok(Some(b)) => b,
        Ok(None) => return Msg::Frame { head, len: head },
        Err(p) => return Msg::Bad(p),
    };
    let got = rest.len() - head;
    match body {
        Body::Len(n) => {
            if n > max as u64 {
                return Msg::Over(Error::TooLarge {
                    offset: 0,
                    len: n,
                    max,
                });
            }
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            if got >= n {
                Msg::Frame {
                    head,
                    len: head + n,
                }
            } else {
                Msg::Short(crate::Stage::Body)
            }
        }
        Body::ToClose => {
            if got > max {
                Msg::Over(Error::Overflow { offset: 0, max })
            } else if ended {
                Msg::Frame {
                    head,
                    len: rest.len(),
                }
            } else {
                Msg::Short(crate::Stage::Body)
            }
        }
        Body::Chunked => match chunked(h, max as u64, &rest[head..]) {
            Ok(Some(n)) => Msg::Frame {
                head,
                len: head + n,
            },
            Ok(None) => Msg::Short(crate::Stage::Body),
            Err(p) => Msg::Bad(p),
        },
    }
}

/// Section 6.3 as a table: `None` for no body.
fn framing(
    h: &Http1,
    old: bool,
    status: u16,
    fields: &[(Vec<u8>, Vec<u8>)],
    answered: &mut usize,
) -> Result<Option<Body>, Problem> {
    let request = h.role == Role::Request;
    if !request {
        if status < 200 && status != 101 {
            return Ok(None);
        }
        let m = h.method(*answered).to_vec();
        *answered += 1;
        match (status, m.as_slice()) {
            (101, _) => return Ok(Some(Body::ToClose)),
            (_, b"HEAD") | (204 | 304, _) => return Ok(None),
            (200..=299, b"CONNECT") => return Ok(Some(Body::ToClose)),
            _ => {}
        }
    }
    let values_of = |n: &'static str| {
        fields
            .iter()
            .filter(move |(k, _)| k.as_slice() == n.as_bytes())
            .map(|(_, v)| v.as_slice())
    };
    let cls: Vec<&[u8]> = values_of("content-length")
        .flat_map(|v| v.split(|&b| b == b','))
        .map(strip)
        .collect();
    let tes: Vec<&[u8]> = values_of("transfer-encoding")
        .flat_map(|v| v.split(|&b| b == b','))
        .map(strip)
        .filter(|c| !c.is_empty())
        .collect();
    let te_fields = values_of("transfer-encoding").count();
    if te_fields > 0 {
        if old && !h.lenient {
            return Err(Problem::TransferEncodingInHttp10);
        }
        if !cls.is_empty() && !h.lenient {
            return Err(Problem::ContentLengthAndTransferEncoding);
        }
        let names: Vec<&[u8]> = tes
            .iter()
            .map(|c| strip(c.split(|&b| b == b';').next().unwrap_or(c)))
            .collect();
        let is_token = |t: &[u8]| !t.is_empty() && t.iter().copied().all(token_byte);
        // Every parameter: a token, `=`, a token or a quoted string.
        let params_ok = tes.iter().all(|c| {
            c.split(|&b| b == b';').skip(1).all(|p| {
                let mut kv = p.splitn(2, |&b| b == b'=');
                let (k, v) = (strip(kv.next().unwrap_or_default()), kv.next().map(strip));
                is_token(k) && v.is_some_and(|v| is_token(v) || quoted(v))
            })
        });
        if names.is_empty() || !params_ok || names.iter().any(|n| !is_token(n)) {
            return Err(Problem::BadTransferEncoding);
        }
        let is_chunked: Vec<bool> = names
            .iter()
            .map(|n| n.eq_ignore_ascii_case(b"chunked"))
            .collect();
        let count = is_chunked.iter().filter(|&&c| c).count();
        let last = is_chunked.last() == Some(&true);
        if count > 1 || (count == 1 && !last) {
            return if request || !h.lenient {
                Err(Problem::ChunkedNotFinal)
            } else {
                Ok(Some(Body::ToClose))
            };
        }
        return match (last, request) {
            (true, _) => Ok(Some(Body::Chunked)),
            (false, true) => Err(Problem::RequestNotChunked),
            (false, false) => Ok(Some(Body::ToClose)),
        };
    }
    if !cls.is_empty() {
        let parsed: Vec<Option<u64>> = cls
            .iter()
            .map(|v| {
                (!v.is_empty() && v.iter().all(u8::is_ascii_digit))
                    .then(|| std::str::from_utf8(v).ok()?.parse::<u64>().ok())
                    .flatten()
            })
            .collect();
        if parsed.iter().any(Option::is_none) {
            return Err(Problem::InvalidContentLength);
        }
        let values: Vec<u64> = parsed.into_iter().flatten().collect();
        if values.iter().any(|&v| v != values[0]) {
            return Err(Problem::ConflictingContentLength);
        }
        if values.len() > 1 && !h.lenient {
            return Err(Problem::DuplicateContentLength);
        }
        return Ok(Some(Body::Len(values[0])));
    }
    Ok(if request { None } else { Some(Body::ToClose) })
}

/// A chunked body at the start of `b`: its length once whole, `None` while
/// cut. Every byte outside chunk data counts against `max` as it comes.
#[expect(
    clippy::too_many_lines,
    clippy::many_single_char_names,
    reason = "one walk over a chunked body: b the body, p and q positions, c and n bytes"
)]
fn chunked(h: &Http1, max: u64, b: &[u8]) -> Result<Option<usize>, Problem> {
    let guard = |pos: usize| {
        let raw = pos as u64 + 1;
        if raw > max {
            Err(Problem::BodyTooLarge { len: raw, max })
        } else {
            Ok(())
        }
    };
    let at = |pos: usize| b.get(pos).copied();
    let mut p = 0;
    let mut ext = 0;
    loop {
        // chunk-size
        let digits = b[p..].iter().take_while(|c| c.is_ascii_hexdigit()).count();
        let mut significant = 0;
        for (k, &d) in b.iter().enumerate().skip(p).take(digits) {
            guard(k)?;
            if significant > 0 || d != b'0' {
                significant += 1;
            }
            if significant > 16 {
                return Err(Problem::ChunkSizeOverflow);
            }
        }
        let mut q = p + digits;
        let Some(c) = at(q) else { return Ok(None) };
        guard(q)?;
        if digits == 0 {
            return Err(Problem::BadChunkSize);
        }
        let text = std::str::from_utf8(&b[p..p + digits]).unwrap_or("0");
        let size = u64::from_str_radix(text, 16).map_err(|_| Problem::ChunkSizeOverflow)?;
        // Whitespace, then an extension must follow.
        let mut c = c;
        if c == b' ' || c == b'\t' {
            loop {
                q += 1;
                let Some(n) = at(q) else { return Ok(None) };
                guard(q)?;
                c = n;
                if c != b' ' && c != b'\t' {
                    break;
                }
            }
            if c != b';' {
                return Err(Problem::BadChunkSize);
            }
        }
        if c == b';' {
            loop {
                if c != b'\r' && c != b'\n' {
                    if !(visible(c) || c == b' ' || c == b'\t') {
                        return Err(Problem::BadChunkExtension);
                    }
                    ext += 1;
                    if ext > h.ext {
                        return Err(Problem::ChunkExtensionTooLong(h.ext));
                    }
                } else {
                    break;
                }
                q += 1;
                let Some(n) = at(q) else { return Ok(None) };
                guard(q)?;
                c = n;
            }
        }
        let line_end = match c {
            b'\r' => {
                let Some(n) = at(q + 1) else { return Ok(None) };
                guard(q + 1)?;
                if n != b'\n' {
                    return Err(Problem::BareCr);
                }
                q + 2
            }
            b'\n' if h.lenient => q + 1,
            b'\n' => return Err(Problem::BareLfInChunk),
            _ => return Err(Problem::BadChunkSize),
        };
        if size == 0 {
            return trailers(h, max, b, line_end);
        }
        let declared = (line_end as u64).saturating_add(size);
        if declared > max {
            return Err(Problem::BodyTooLarge { len: declared, max });
        }
        let data_end = line_end + usize::try_from(size).unwrap_or(usize::MAX);
        let Some(c) = at(data_end) else {
            return Ok(None);
        };
        guard(data_end)?;
        p = match c {
            b'\r' => {
                let Some(n) = at(data_end + 1) else {
                    return Ok(None);
                };
                guard(data_end + 1)?;
                if n != b'\n' {
                    return Err(Problem::ChunkDataNotCrlf);
                }
                data_end + 2
            }
            b'\n' if h.lenient => data_end + 1,
            b'\n' => return Err(Problem::BareLfInChunk),
            _ => return Err(Problem::ChunkDataNotCrlf),
        };
    }
}

/// The trailer section from `t`, then the final line end.
#[expect(
    clippy::many_single_char_names,
    reason = "b the body, t where the trailers start, c and n bytes"
)]
fn trailers(h: &Http1, max: u64, b: &[u8], t: usize) -> Result<Option<usize>, Problem> {
    let mut count = 0;
    let mut fields = 0;
    let mut pos = t;
    // Each byte: the body bound, then the trailer bound, then its meaning.
    let mut next = |pos: usize, counted: bool| -> Result<Option<u8>, Problem> {
        let Some(c) = b.get(pos).copied() else {
            return Ok(None);
        };
        if pos as u64 + 1 > max {
            return Err(Problem::BodyTooLarge {
                len: pos as u64 + 1,
                max,
            });
        }
        if counted {
            count += 1;
            if count > h.head {
                return Err(Problem::HeadTooLarge(h.head));
            }
        }
        Ok(Some(c))
    };
    loop {
        // The start of a line.
        let Some(c) = next(pos, true)? else {
            return Ok(None);
        };
        pos += 1;
        match c {
            b'\r' => {
                let Some(n) = next(pos, false)? else {
                    return Ok(None);
                };
                return if n == b'\n' {
                    Ok(Some(pos + 1))
                } else {
                    Err(Problem::BareCr)
                };
            }
            b'\n' if h.lenient => return Ok(Some(pos)),
            b'\n' => return Err(Problem::BareLfInChunk),
            b' ' | b'\t' if h.lenient && fields > 0 => {}
            b' ' | b'\t' => return Err(Problem::ObsFold),
            c if token_byte(c) => {
                fields += 1;
                if fields > h.headers {
                    return Err(Problem::TooManyFields(h.headers));
                }
                // The rest of the name.
                loop {
                    let Some(c) = next(pos, true)? else {
                        return Ok(None);
                    };
                    pos += 1;
                    match c {
                        b':' => break,
                        b' ' | b'\t' => return Err(Problem::WhitespaceBeforeColon),
                        c if token_byte(c) => {}
                        _ => return Err(Problem::BadFieldName),
                    }
                }
            }
            _ => return Err(Problem::BadFieldName),
        }
        // The value, to its line end.
        loop {
            let Some(c) = next(pos, true)? else {
                return Ok(None);
            };
            pos += 1;
            match c {
                b'\r' => {
                    let Some(n) = next(pos, true)? else {
                        return Ok(None);
                    };
                    pos += 1;
                    if n != b'\n' {
                        return Err(Problem::BareCr);
                    }
                    break;
                }
                b'\n' if h.lenient => break,
                b'\n' => return Err(Problem::BareLf),
                c if visible(c) || c == b' ' || c == b'\t' => {}
                _ => return Err(Problem::BadFieldValue),
            }
        }
    }
}
