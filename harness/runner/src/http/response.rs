//! Reading HTTP/1.1 responses off a connection, one byte slice at a time,
//! to count them and tell them apart: the `http/*` cases judge a server by
//! how many responses came back, in which order, with which status codes.
//!
//! The body length of each response follows RFC 9112 section 6.3: no body
//! after a request for `HEAD` or with a 1xx, 204 or 304 status;
//! `Transfer-Encoding` with `chunked` last is chunked (7.1), any other
//! coding runs to the close; then `Content-Length`; then to the close. So
//! the reader must know which request each response answers: the case
//! queues every request's method with [`Responses::expect`] before sending
//! it; a response beyond the queued ones (a server that answered a request
//! the case did not mean to send: a desync) is read as an answer to `GET`.
//!
//! Memory is bounded: a head is at most [`MAX_HEAD`] bytes, a chunk line
//! at most [`MAX_LINE`], the first [`KEEP_BODY`] bytes of each body are
//! kept for the evidence and the rest only counted, and at most
//! [`MAX_RESPONSES`] responses are kept. Lengths are checked arithmetic;
//! anything the reader cannot frame is an error naming the byte offset.

use std::collections::VecDeque;

/// The longest response head read (status line and fields).
pub(crate) const MAX_HEAD: usize = 64 * 1024;
/// The longest chunk-size line or trailer line read.
pub(crate) const MAX_LINE: usize = 4096;
/// How many bytes of each body are kept for the evidence.
pub(crate) const KEEP_BODY: usize = 1024;
/// The most responses kept per connection (later ones are dropped).
pub(crate) const MAX_RESPONSES: usize = 1024;

/// The request methods whose responses the reader must tell apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    /// `HEAD`: its response has no body, whatever its fields say.
    Head,
    /// Any other method.
    Other,
}

/// One response, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Response {
    /// The status code.
    pub(crate) status: u16,
    /// The status line, without its line ending.
    pub(crate) status_line: String,
    /// Whether a `Connection` field lists `close`.
    pub(crate) close: bool,
    /// The body's length in bytes (after dechunking).
    pub(crate) body_len: u64,
    /// The first [`KEEP_BODY`] bytes of the body.
    pub(crate) body: Vec<u8>,
    /// Bytes on the wire, head and body.
    pub(crate) wire_len: u64,
}

impl Response {
    /// `200 OK (11-byte body)` for messages.
    pub(crate) fn describe(&self) -> String {
        let reason = self
            .status_line
            .splitn(3, ' ')
            .nth(2)
            .unwrap_or_default()
            .to_owned();
        format!("{} {reason} ({}-byte body)", self.status, self.body_len)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    /// Gathering a head.
    Head,
    /// This many body bytes left.
    Fixed(u64),
    /// Gathering a chunk-size line.
    ChunkSize,
    /// This many bytes of chunk data left.
    ChunkData(u64),
    /// Gathering the line ending after chunk data.
    ChunkEnd,
    /// Gathering trailer lines.
    Trailer,
    /// The body runs to the server's close.
    ToClose,
    /// The stream can no longer be framed.
    Broken,
}

/// The responses of one connection, read incrementally.
#[derive(Debug)]
pub(crate) struct Responses {
    methods: VecDeque<Method>,
    state: State,
    /// The head, chunk line or trailer line being gathered.
    line: Vec<u8>,
    /// The response being read (its head parsed).
    current: Option<Response>,
    done: Vec<Response>,
    /// Bytes read in total.
    offset: u64,
    error: Option<String>,
}

impl Default for Responses {
    fn default() -> Responses {
        Responses {
            methods: VecDeque::new(),
            state: State::Head,
            line: Vec::new(),
            current: None,
            done: Vec::new(),
            offset: 0,
            error: None,
        }
    }
}

impl Responses {
    /// A request with `method` is about to be sent: the next response not
    /// yet matched answers it.
    pub(crate) fn expect(&mut self, method: Method) {
        self.methods.push_back(method);
    }

    /// The complete responses so far (the first [`MAX_RESPONSES`]).
    pub(crate) fn all(&self) -> &[Response] {
        &self.done
    }

    /// Final (non-1xx) responses among the kept ones.
    pub(crate) fn finals(&self) -> impl Iterator<Item = &Response> {
        self.done.iter().filter(|r| r.status >= 200)
    }

    /// Why the stream could not be framed, if it could not.
    pub(crate) fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// Bytes of a response begun but not complete.
    pub(crate) fn partial(&self) -> bool {
        self.current.is_some() || (self.state == State::Head && !self.line.is_empty())
    }

    /// Read `input`.
    pub(crate) fn feed(&mut self, mut input: &[u8]) {
        while !input.is_empty() && self.state != State::Broken {
            let before = input.len();
            self.step(&mut input);
            self.offset += (before - input.len()) as u64;
        }
    }

    /// The server closed: a body that runs to the close is complete; any
    /// other partial response is cut short.
    pub(crate) fn finish(&mut self) {
        match self.state {
            State::ToClose => self.complete(),
            State::Broken => {}
            _ if self.partial() => self.broke("the stream ended inside a response"),
            _ => {}
        }
    }

    fn broke(&mut self, why: &str) {
        if self.error.is_none() {
            self.error = Some(format!("{why} (at byte {})", self.offset));
        }
        self.state = State::Broken;
    }

    fn complete(&mut self) {
        if let Some(r) = self.current.take() {
            // Beyond the bound, a desync is evident already.
            if self.done.len() < MAX_RESPONSES {
                self.done.push(r);
            }
        }
        self.state = State::Head;
    }

    /// Take bytes of `input` up to and including a `\n` into `line`;
    /// `true` when the line is whole.
    fn gather_line(&mut self, input: &mut &[u8], max: usize) -> Option<bool> {
        let (take, whole) = match input.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (input.len(), false),
        };
        if self.line.len() + take > max {
            return None;
        }
        self.line.extend_from_slice(&input[..take]);
        *input = &input[take..];
        Some(whole)
    }

    fn body(&mut self, input: &mut &[u8], n: u64) -> u64 {
        let take = usize::try_from(n).unwrap_or(usize::MAX).min(input.len());
        if let Some(r) = &mut self.current {
            let keep = KEEP_BODY.saturating_sub(r.body.len()).min(take);
            r.body.extend_from_slice(&input[..keep]);
            r.body_len += take as u64;
            r.wire_len += take as u64;
        }
        *input = &input[take..];
        take as u64
    }

    fn step(&mut self, input: &mut &[u8]) {
        match self.state.clone() {
            State::Head => self.head(input),
            State::Fixed(n) => {
                let left = n - self.body(input, n);
                self.state = State::Fixed(left);
                if left == 0 {
                    self.complete();
                }
            }
            State::ToClose => {
                self.body(input, u64::MAX);
            }
            State::ChunkData(n) => {
                let left = n - self.body(input, n);
                self.state = if left == 0 {
                    State::ChunkEnd
                } else {
                    State::ChunkData(left)
                };
            }
            State::ChunkSize | State::ChunkEnd | State::Trailer => self.chunk_line(input),
            State::Broken => {}
        }
    }

    fn head(&mut self, input: &mut &[u8]) {
        loop {
            match self.gather_line(input, MAX_HEAD) {
                None => return self.broke("a response head longer than 64 KiB"),
                Some(false) => return,
                Some(true) => {}
            }
            // A bare line (CRLF or LF) ends the head; one before any
            // status line is tolerated (RFC 9112 section 2.2).
            if self.line.ends_with(b"\n\r\n") || self.line.ends_with(b"\n\n") {
                break;
            }
            if self.line == b"\r\n" || self.line == b"\n" {
                self.line.clear();
            }
            if input.is_empty() {
                return;
            }
        }
        let head = std::mem::take(&mut self.line);
        let wire_len = head.len() as u64;
        match parse_head(&head) {
            Err(why) => self.broke(&why),
            Ok(h) => {
                let method = if h.status >= 200 || h.status == 101 {
                    self.methods.pop_front().unwrap_or(Method::Other)
                } else {
                    // An interim response: the request is still unanswered.
                    self.methods.front().copied().unwrap_or(Method::Other)
                };
                let next = if method == Method::Head
                    || h.status < 200
                    || h.status == 204
                    || h.status == 304
                {
                    Ok(State::Fixed(0))
                } else if let Some(te) = &h.transfer_encoding {
                    let last = te.rsplit(',').next().unwrap_or_default().trim();
                    Ok(if last.eq_ignore_ascii_case("chunked") {
                        State::ChunkSize
                    } else {
                        State::ToClose
                    })
                } else if let Some(cl) = &h.content_length {
                    content_length(cl).map(State::Fixed)
                } else {
                    Ok(State::ToClose)
                };
                self.current = Some(Response {
                    status: h.status,
                    status_line: h.status_line,
                    close: h.close,
                    body_len: 0,
                    body: Vec::new(),
                    wire_len,
                });
                match next {
                    Err(why) => self.broke(&why),
                    Ok(State::Fixed(0)) => self.complete(),
                    Ok(s) => self.state = s,
                }
            }
        }
    }

    fn chunk_line(&mut self, input: &mut &[u8]) {
        match self.gather_line(input, MAX_LINE) {
            None => return self.broke("a chunk line or trailer line longer than 4 KiB"),
            Some(false) => return,
            Some(true) => {}
        }
        let line = std::mem::take(&mut self.line);
        if let Some(r) = &mut self.current {
            r.wire_len += line.len() as u64;
        }
        let text = line.strip_suffix(b"\n").unwrap_or(&line);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        match self.state {
            State::ChunkEnd if text.is_empty() => self.state = State::ChunkSize,
            State::ChunkEnd => self.broke("chunk data not followed by CRLF"),
            State::Trailer if text.is_empty() => self.complete(),
            State::Trailer => {}
            _ => {
                let digits = text
                    .iter()
                    .position(|&b| b == b';' || b == b' ' || b == b'\t')
                    .map_or(text, |i| &text[..i]);
                match chunk_size(digits) {
                    Some(0) => self.state = State::Trailer,
                    Some(n) => self.state = State::ChunkData(n),
                    None => self.broke("an invalid chunk size"),
                }
            }
        }
    }
}

struct Head {
    status: u16,
    status_line: String,
    close: bool,
    transfer_encoding: Option<String>,
    content_length: Option<String>,
}

fn parse_head(head: &[u8]) -> Result<Head, String> {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let status_line = lines.next().unwrap_or_default().to_owned();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    let code = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") || version.len() != 8 {
        return Err(format!("not an HTTP/1.x status line: {status_line:?}"));
    }
    let status = match code.parse::<u16>() {
        Ok(s) if code.len() == 3 && (100..=999).contains(&s) => s,
        _ => return Err(format!("no three-digit status code: {status_line:?}")),
    };
    let mut h = Head {
        status,
        status_line,
        close: false,
        transfer_encoding: None,
        content_length: None,
    };
    for line in lines.filter(|l| !l.is_empty()) {
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!("a field line without a colon: {line:?}"));
        };
        let value = value.trim_matches([' ', '\t']);
        let join = |old: &mut Option<String>| {
            *old = Some(match old.take() {
                Some(o) => format!("{o}, {value}"),
                None => value.to_owned(),
            });
        };
        if name.eq_ignore_ascii_case("transfer-encoding") {
            join(&mut h.transfer_encoding);
        } else if name.eq_ignore_ascii_case("content-length") {
            join(&mut h.content_length);
        } else if name.eq_ignore_ascii_case("connection") {
            h.close |= value
                .split(',')
                .any(|o| o.trim().eq_ignore_ascii_case("close"));
        }
    }
    Ok(h)
}

/// A `Content-Length` value: digits, or a list of the same digits
/// (RFC 9110 section 8.6).
fn content_length(value: &str) -> Result<u64, String> {
    let mut first = None;
    for v in value.split(',').map(str::trim) {
        if v.is_empty() || v.len() > 18 || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("an invalid Content-Length: {value:?}"));
        }
        let n: u64 = v
            .parse()
            .map_err(|_| format!("an invalid Content-Length: {value:?}"))?;
        if first.is_some_and(|f| f != n) {
            return Err(format!("differing Content-Length values: {value:?}"));
        }
        first = Some(n);
    }
    first.ok_or_else(|| "an empty Content-Length".to_owned())
}

/// A chunk size: 1 to 15 hex digits (so no overflow).
fn chunk_size(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 15 || !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u64::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(methods: &[Method], bytes: &[u8], split: usize) -> Responses {
        let mut r = Responses::default();
        for m in methods {
            r.expect(*m);
        }
        r.feed(&bytes[..split]);
        r.feed(&bytes[split..]);
        r
    }

    const TWO: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n";

    #[test]
    fn every_split_reads_the_same_responses() {
        for split in 0..=TWO.len() {
            let r = read(&[Method::Other, Method::Other], TWO, split);
            assert_eq!(r.error(), None, "split {split}");
            let got: Vec<_> = r.all().iter().map(|r| (r.status, r.body.clone())).collect();
            assert_eq!(
                got,
                [(200, b"hello".to_vec()), (404, b"abc".to_vec())],
                "split {split}"
            );
            assert_eq!(r.all()[1].wire_len, TWO.len() as u64 - 43, "split {split}");
            assert!(!r.partial());
        }
    }

    #[test]
    fn head_and_bodiless_statuses_have_no_body() {
        let bytes = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\nHTTP/1.1 304 Not Modified\r\n\r\n";
        let r = read(&[Method::Head, Method::Other, Method::Other], bytes, 7);
        let got: Vec<_> = r.all().iter().map(|r| (r.status, r.body_len)).collect();
        assert_eq!(got, [(200, 0), (100, 0), (204, 0), (304, 0)]);
        assert_eq!(r.finals().count(), 3);
    }

    #[test]
    fn a_body_without_a_length_runs_to_the_close() {
        let mut r = read(&[], b"HTTP/1.0 200 OK\r\nConnection: close\r\n\r\nabc", 20);
        assert!(r.all().is_empty());
        assert!(r.partial());
        r.finish();
        assert_eq!(r.all()[0].body, b"abc");
        assert!(r.all()[0].close);
    }

    #[test]
    fn unframeable_responses_are_errors_and_a_cut_response_is_one() {
        for bad in [
            &b"HTTP/1.1 2000 OK\r\n\r\n"[..],
            b"SMTP 220 hi\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n",
        ] {
            let r = read(&[], bad, 0);
            assert!(r.error().is_some(), "{}", String::from_utf8_lossy(bad));
        }
        let mut r = read(&[], b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nab", 3);
        assert_eq!(r.error(), None);
        r.finish();
        assert!(r.error().unwrap().contains("ended inside"));
    }

    #[test]
    fn heads_and_lines_are_bounded() {
        let mut r = Responses::default();
        r.feed(b"HTTP/1.1 200 OK\r\nX: ");
        r.feed(&vec![b'a'; MAX_HEAD]);
        assert!(r.error().unwrap().contains("64 KiB"));
        let mut big = b"HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n".to_vec();
        big.extend(vec![b'b'; 3000]);
        let r = read(&[], &big, 100);
        assert_eq!(r.all()[0].body.len(), KEEP_BODY);
        assert_eq!(r.all()[0].body_len, 3000);
    }
}
