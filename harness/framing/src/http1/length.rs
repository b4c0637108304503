//! The message body length: RFC 9112 section 6.3, in its order.

use super::{Problem, StartLine, Version, is_tchar};

/// How a message's body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BodyLength {
    /// Exactly this many bytes (0: no body).
    Length(u64),
    /// The chunked coding, ended by its last chunk and trailers.
    Chunked,
    /// Up to the end of the stream (a response only).
    Close,
    /// Framing ends: the connection becomes a tunnel (a 2xx to CONNECT, a
    /// 101); the rest of the stream is not HTTP.
    Tunnel,
}

/// What a header section's Content-Length and Transfer-Encoding fields say,
/// gathered field by field (the rules are applied by [`LengthFields::decide`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent facts about the fields, each read by one rule of section 6.3"
)]
pub struct LengthFields {
    /// The first valid Content-Length value.
    pub content_length: Option<u64>,
    /// Content-Length values seen (fields and list members).
    pub cl_values: u32,
    /// A Content-Length value was not 1*DIGIT or overflowed.
    pub cl_invalid: bool,
    /// Two Content-Length values differed.
    pub cl_conflict: bool,
    /// Transfer-Encoding fields seen.
    pub te_fields: u32,
    /// Transfer codings listed, over every field.
    pub codings: u32,
    /// How many of them are chunked.
    pub chunked: u32,
    /// The last coding listed is chunked.
    pub chunked_last: bool,
    /// A coding follows chunked.
    pub chunked_not_final: bool,
    /// A coding that is not a token.
    pub te_invalid: bool,
}

impl LengthFields {
    /// Record one field (any field: others are ignored).
    #[inline(always)]
    #[expect(
        clippy::inline_always,
        reason = "called for every field line; measured: a call per field cost 4 % of framing a GET"
    )]
    pub fn field(&mut self, name: &[u8], value: &[u8]) {
        if name.len() != 14 && name.len() != 17 {
            return;
        }
        if name.len() == 14 && name.eq_ignore_ascii_case(b"content-length") {
            self.content_length_value(value);
        } else if name.len() == 17 && name.eq_ignore_ascii_case(b"transfer-encoding") {
            self.transfer_encoding(value);
        }
    }

    #[inline(never)]
    pub(super) fn content_length_value(&mut self, value: &[u8]) {
        // The common value, up to 18 digits (no overflow): what the loop
        // below does for it.
        if !value.is_empty() && value.len() <= 18 && value.iter().all(u8::is_ascii_digit) {
            let n = value
                .iter()
                .fold(0u64, |n, &d| n * 10 + u64::from(d - b'0'));
            self.cl_values += 1;
            match self.content_length {
                None => self.content_length = Some(n),
                Some(m) if m != n => self.cl_conflict = true,
                Some(_) => {}
            }
            return;
        }
        for item in value.split(|&b| b == b',') {
            let item = trim_ows(item);
            self.cl_values += 1;
            let mut n: u64 = 0;
            let ok = !item.is_empty()
                && item.iter().all(|&d| {
                    d.is_ascii_digit()
                        && n.checked_mul(10)
                            .and_then(|v| v.checked_add(u64::from(d - b'0')))
                            .map(|v| n = v)
                            .is_some()
                });
            if !ok {
                self.cl_invalid = true;
                continue;
            }
            match self.content_length {
                None => self.content_length = Some(n),
                Some(m) if m != n => self.cl_conflict = true,
                Some(_) => {}
            }
        }
    }

    #[inline(never)]
    pub(super) fn transfer_encoding(&mut self, value: &[u8]) {
        self.te_fields += 1;
        // ORing 0x20 lowercases a letter and maps no other byte to one: two
        // overlapping four-byte compares tell `chunked` in any case.
        let word = |at: usize| {
            u32::from_le_bytes(
                value
                    .get(at..at + 4)
                    .and_then(|w| w.try_into().ok())
                    .unwrap_or([0; 4]),
            )
        };
        if value.len() == 7
            && word(0) | 0x2020_2020 == u32::from_le_bytes(*b"chun")
            && word(3) | 0x2020_2020 == u32::from_le_bytes(*b"nked")
        {
            // The common value, one coding: what the loop below does for it.
            self.chunked_not_final |= self.chunked_last;
            self.codings += 1;
            self.chunked += 1;
            self.chunked_last = true;
            return;
        }
        for item in value.split(|&b| b == b',') {
            let item = trim_ows(item);
            if item.is_empty() {
                // RFC 9110 section 5.6.1: empty list elements are ignored.
                continue;
            }
            // transfer-coding = token *( OWS ";" OWS transfer-parameter ),
            // each parameter `token BWS "=" BWS ( token / quoted-string )`
            // (RFC 9110 section 10.1.4). The list is split at every comma
            // and semicolon, so a quoted string holding one is refused.
            let mut parts = item.split(|&b| b == b';');
            let name = trim_ows(parts.next().unwrap_or(item));
            if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) || !parts.all(parameter) {
                self.te_invalid = true;
            }
            if self.chunked_last {
                self.chunked_not_final = true;
            }
            self.codings += 1;
            self.chunked_last = name.eq_ignore_ascii_case(b"chunked");
            if self.chunked_last {
                self.chunked += 1;
            }
        }
    }

    /// RFC 9112 section 6.3 for a message with this start line; `method` is
    /// the request's, for a response (ignored for a request).
    ///
    /// 1. A response to HEAD, or with status 1xx (but 101), 204 or 304: no body.
    /// 2. A 2xx to CONNECT, or a 101: [`BodyLength::Tunnel`].
    /// 3. Transfer-Encoding (wins over Content-Length; both is an error
    ///    unless `lenient`; in HTTP/1.0 an error unless `lenient`):
    ///    chunked last and once: chunked; chunked not final: an error (a
    ///    lenient response reads to close); another final coding: a response
    ///    reads to close, a request is an error.
    /// 4. Content-Length: every value 1*DIGIT and equal (repeated values
    ///    only when `lenient`, per RFC 9110 section 8.6).
    /// 5. Neither: a request has no body, a response reads to close.
    pub fn decide(
        &self,
        start: &StartLine,
        method: &[u8],
        lenient: bool,
    ) -> Result<BodyLength, Problem> {
        let request = match *start {
            StartLine::Response { status, .. } => {
                if status == 101 {
                    return Ok(BodyLength::Tunnel);
                }
                if method == b"HEAD" || status < 200 || status == 204 || status == 304 {
                    return Ok(BodyLength::Length(0));
                }
                if method == b"CONNECT" && status < 300 {
                    return Ok(BodyLength::Tunnel);
                }
                false
            }
            StartLine::Request { .. } => true,
        };
        if self.te_fields > 0 {
            if start.version() == Version::Http10 && !lenient {
                return Err(Problem::TransferEncodingInHttp10);
            }
            if self.cl_values > 0 && !lenient {
                return Err(Problem::ContentLengthAndTransferEncoding);
            }
            if self.te_invalid || self.codings == 0 {
                return Err(Problem::BadTransferEncoding);
            }
            if self.chunked_not_final || self.chunked > 1 {
                return if request || !lenient {
                    Err(Problem::ChunkedNotFinal)
                } else {
                    Ok(BodyLength::Close)
                };
            }
            return match (self.chunked_last, request) {
                (true, _) => Ok(BodyLength::Chunked),
                (false, true) => Err(Problem::RequestNotChunked),
                (false, false) => Ok(BodyLength::Close),
            };
        }
        if self.cl_values > 0 {
            if self.cl_invalid {
                return Err(Problem::InvalidContentLength);
            }
            if self.cl_conflict {
                return Err(Problem::ConflictingContentLength);
            }
            if self.cl_values > 1 && !lenient {
                return Err(Problem::DuplicateContentLength);
            }
            return Ok(BodyLength::Length(self.content_length.unwrap_or(0)));
        }
        Ok(if request {
            BodyLength::Length(0)
        } else {
            BodyLength::Close
        })
    }
}

/// A transfer-parameter, `token BWS "=" BWS ( token / quoted-string )`,
/// with the optional whitespace around it.
fn parameter(p: &[u8]) -> bool {
    let token = |t: &[u8]| !t.is_empty() && t.iter().all(|&b| is_tchar(b));
    let Some(eq) = p.iter().position(|&b| b == b'=') else {
        return false;
    };
    let (name, value) = (trim_ows(&p[..eq]), trim_ows(&p[eq + 1..]));
    token(name) && (token(value) || quoted_string(value))
}

/// `quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE` (RFC 9110
/// section 5.6.4): qdtext is HTAB, SP, visible bytes but `"` and `\`, and
/// obs-text; a quoted pair is `\` and HTAB, SP, a visible byte or obs-text.
fn quoted_string(v: &[u8]) -> bool {
    let Some(inner) = v.strip_prefix(b"\"").and_then(|v| v.strip_suffix(b"\"")) else {
        return false;
    };
    // CR and LF only come from an obs-fold (lenient), which RFC 9112
    // section 5.2 reads as SP.
    let text = |b: u8| matches!(b, b'\t' | b' ' | b'\r' | b'\n') || (b > 0x20 && b != 0x7f);
    let mut bytes = inner.iter();
    while let Some(&b) = bytes.next() {
        let ok = match b {
            b'\\' => bytes.next().is_some_and(|&e| text(e)),
            b'"' => false,
            _ => text(b),
        };
        if !ok {
            return false;
        }
    }
    true
}

/// `bytes` without leading and trailing optional whitespace (SP, HTAB, and
/// the CR LF of an obs-fold).
fn trim_ows(bytes: &[u8]) -> &[u8] {
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let start = bytes.iter().position(|b| !ws(b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !ws(b)).map_or(start, |e| e + 1);
    &bytes[start..end]
}
