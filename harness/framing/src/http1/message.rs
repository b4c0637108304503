//! A whole message read back from a frame's bytes.

use super::chunked::{Chunked, Feed};
use super::head::Head;
use super::length::BodyLength;
use super::{Http1, Problem};
use crate::{Error, Kind, Spec, Stage};

/// One HTTP/1 message: its head, how its body is delimited and the body
/// decoded (the chunked coding removed; trailers are not part of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The header section.
    pub head: Head,
    /// How the body was delimited.
    pub length: BodyLength,
    /// The body's bytes, decoded.
    pub body: Vec<u8>,
    /// Where the body lies on the wire (chunked: with its chunk lines and trailers).
    pub wire_body: std::ops::Range<usize>,
}

impl Message {
    /// Parse `wire`, one frame of an `http1:` spec (a response as answering
    /// the spec's first method); bytes after the message are an error.
    pub fn parse(wire: &[u8], spec: &Spec) -> Result<Message, Error> {
        let Kind::Http1(cfg) = &spec.kind else {
            return Err(Error::unencodable("Message::parse needs an http1: spec"));
        };
        let method = cfg.method(0).to_vec();
        Message::parse_with(wire, cfg, spec.max(), &method)
    }

    /// Parse `wire` as one message under `cfg`, bodies bounded by `max`,
    /// a response answering `method`.
    pub fn parse_with(
        wire: &[u8],
        cfg: &Http1,
        max: usize,
        method: &[u8],
    ) -> Result<Message, Error> {
        let truncated = |stage| Error::Truncated {
            offset: 0,
            held: wire.len(),
            stage,
        };
        let head = Head::parse(wire, cfg)
            .map_err(|p| p.at(0))?
            .ok_or_else(|| truncated(Stage::Header))?;
        let length = head
            .length_fields(wire)
            .decide(&head.start, method, cfg.lenient)
            .map_err(|p| p.at(0))?;
        let rest = &wire[head.len..];
        let (body, used) = match length {
            BodyLength::Length(n) => {
                let n = usize::try_from(n).ok().filter(|&n| n <= max).ok_or(
                    Problem::BodyTooLarge {
                        len: n,
                        max: max as u64,
                    }
                    .at(0),
                )?;
                let body = rest.get(..n).ok_or_else(|| truncated(Stage::Body))?;
                (body.to_vec(), n)
            }
            BodyLength::Close | BodyLength::Tunnel => {
                if rest.len() > max {
                    return Err(Error::Overflow { offset: 0, max });
                }
                (rest.to_vec(), rest.len())
            }
            BodyLength::Chunked => {
                let mut c = Chunked::new(cfg.lenient, max as u64, cfg.ext, cfg.head, cfg.headers);
                let mut body = Vec::new();
                match c
                    .feed_with(rest, |r| body.extend_from_slice(&rest[r]))
                    .map_err(|p| p.at(0))?
                {
                    Feed::Done(n) => (body, n),
                    Feed::More => return Err(truncated(Stage::Body)),
                }
            }
        };
        if used != rest.len() {
            return Err(Error::unencodable(format!(
                "{} bytes after the message",
                rest.len() - used
            )));
        }
        Ok(Message {
            wire_body: head.len..head.len + used,
            head,
            length,
            body,
        })
    }
}

/// The encoder's message: a request `POST / HTTP/1.1` or a response
/// `HTTP/1.1 200 OK`, the payload as its body with Content-Length (its one
/// field). Where the spec's methods include HEAD, a payload is refused: the
/// encoder does not know which request a response answers, and an empty
/// body with `Content-Length: 0` frames alike after a HEAD (no body, the
/// field ignored) and after any other method (with `method=POST/HEAD`, a
/// response without the field would run to the close). A response
/// answering CONNECT cannot be framed back, so it is refused; so is a
/// header section longer than `head=`.
pub(crate) fn write_message(cfg: &Http1, payload: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
    let mut head = Vec::with_capacity(64);
    match cfg.role {
        super::Role::Request => head.extend_from_slice(b"POST / HTTP/1.1\r\n"),
        super::Role::Response => {
            if cfg.methods.iter().any(|m| m == b"CONNECT") {
                return Err(Error::unencodable("a response to CONNECT ends the framing"));
            }
            head.extend_from_slice(b"HTTP/1.1 200 OK\r\n");
        }
    }
    if cfg.role == super::Role::Response
        && cfg.methods.iter().any(|m| m == b"HEAD")
        && !payload.is_empty()
    {
        return Err(Error::unencodable("a response to HEAD has no body"));
    }
    head.extend_from_slice(b"Content-Length: ");
    head.extend_from_slice(payload.len().to_string().as_bytes());
    head.extend_from_slice(b"\r\n");
    head.extend_from_slice(b"\r\n");
    if head.len() > cfg.head {
        return Err(Error::unencodable(format!(
            "a header section of {} bytes is over head={}",
            head.len(),
            cfg.head
        )));
    }
    out.extend_from_slice(&head);
    out.extend_from_slice(payload);
    Ok(())
}
