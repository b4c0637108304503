//! Reading HTTP/1.1 responses off a connection, one byte slice at a time,
//! to count them and tell them apart: the `http/*` cases judge a server by
//! how many responses came back, in which order, with which status codes.
//!
//! The responses are cut by the framing crate's `http1:response` decoder
//! (RFC 9112 section 6.3: no body after a request for `HEAD` or with a 1xx,
//! 204 or 304 status; chunked; `Content-Length`; else to the close), in its
//! `lenient` reading (what the RFC lets a recipient accept: the harness
//! reads what a server sends as a client would). It must know which request
//! each response answers: the case queues every request's method with
//! [`Responses::expect`] before sending it (`Decoder::push_request_method`);
//! a response beyond the queued ones (a server that answered a request the
//! case did not mean to send: a desync) is read as an answer to `GET`.
//!
//! Memory is bounded: the decoder holds at most one response head and body
//! ([`MAX_BODY`] plus its head), the first [`KEEP_BODY`] bytes of each body
//! are kept for the evidence, and at most [`MAX_RESPONSES`] responses.
//! Anything the decoder cannot frame is an error naming its RFC rule.

use framecheck_framing::http1::{Head, Http1, Role};
use framecheck_framing::{Decoder, Kind, Spec};

/// The largest response body read (as on the wire).
pub(crate) const MAX_BODY: usize = 8 * 1024 * 1024;
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
    /// The body's length in bytes, as on the wire (a chunked body with its
    /// chunk lines).
    pub(crate) body_len: u64,
    /// The first [`KEEP_BODY`] bytes of the body, as on the wire.
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

/// The responses of one connection, read incrementally.
#[derive(Debug)]
pub(crate) struct Responses {
    dec: Decoder,
    cfg: Http1,
    done: Vec<Response>,
    error: Option<String>,
}

impl Default for Responses {
    fn default() -> Responses {
        let mut cfg = Http1::new(Role::Response);
        cfg.lenient = true;
        let spec = Spec {
            max: Some(MAX_BODY),
            ..Spec::new(Kind::Http1(cfg.clone()))
        };
        Responses {
            dec: Decoder::new(&spec),
            cfg,
            done: Vec::new(),
            error: None,
        }
    }
}

impl Responses {
    /// A request with `method` is about to be sent: the next response not
    /// yet matched answers it.
    pub(crate) fn expect(&mut self, method: Method) {
        self.dec.push_request_method(match method {
            Method::Head => b"HEAD",
            Method::Other => b"GET",
        });
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
        self.dec.held() > 0
    }

    /// Read `input`.
    pub(crate) fn feed(&mut self, mut input: &[u8]) {
        while self.error.is_none() {
            match self.dec.decode(&mut input) {
                Ok(Some(frame)) => {
                    let (wire, payload) = (frame.wire().to_vec(), frame.payload().len());
                    self.record(&wire, payload);
                }
                Ok(None) => return,
                Err(e) => self.error = Some(e.to_string()),
            }
        }
    }

    /// The server closed: a body that runs to the close is complete; any
    /// other partial response is cut short.
    pub(crate) fn finish(&mut self) {
        if self.error.is_some() {
            return;
        }
        match self.dec.finish() {
            Ok(Some(frame)) => {
                let (wire, payload) = (frame.wire().to_vec(), frame.payload().len());
                self.record(&wire, payload);
            }
            Ok(None) => {}
            Err(e) => self.error = Some(format!("the stream ended inside a response: {e}")),
        }
    }

    /// Keep one whole response (`payload` bytes of body at its end).
    fn record(&mut self, wire: &[u8], payload: usize) {
        // The decoder framed it, so its head parses; say so if not.
        let Ok(Some(head)) = Head::parse(wire, &self.cfg) else {
            self.error = Some("a response the decoder framed has no head".to_owned());
            return;
        };
        let line_end = wire.iter().position(|&b| b == b'\n').unwrap_or(wire.len());
        let status_line = String::from_utf8_lossy(&wire[..line_end])
            .trim_end_matches('\r')
            .to_owned();
        let close = head.values(wire, b"connection").any(|v| {
            v.split(|&b| b == b',')
                .any(|o| o.trim_ascii().eq_ignore_ascii_case(b"close"))
        });
        let body = &wire[wire.len() - payload..];
        if self.done.len() < MAX_RESPONSES {
            // Beyond the bound, a desync is evident already.
            self.done.push(Response {
                status: head.status().unwrap_or(0),
                status_line,
                close,
                body_len: payload as u64,
                body: body[..body.len().min(KEEP_BODY)].to_vec(),
                wire_len: wire.len() as u64,
            });
        }
    }
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
                [
                    (200, b"hello".to_vec()),
                    (404, b"3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n".to_vec())
                ],
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
        assert!(r.error().expect("cut").contains("ended inside"));
    }

    #[test]
    fn heads_and_lines_are_bounded() {
        let mut r = Responses::default();
        r.feed(b"HTTP/1.1 200 OK\r\nX: ");
        r.feed(&vec![b'a'; framecheck_framing::http1::DEFAULT_HEAD]);
        assert!(r.error().is_some());
        let mut big = b"HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n".to_vec();
        big.extend(vec![b'b'; 3000]);
        let r = read(&[], &big, 100);
        assert_eq!(r.all()[0].body.len(), KEEP_BODY);
        assert_eq!(r.all()[0].body_len, 3000);
    }
}
