//! How a connection cuts its byte stream into frames: the framing library's
//! decoder, or one of the buggy cutters.

use framecheck_framing::resp::RespRule;
use framecheck_framing::spec::{RESP_MAX_DEPTH, RESP_MAX_ELEMENTS};
use framecheck_framing::{Decoder, Encoder, Error, Kind, Spec, Stage, TagRule};

use super::{BUG_BUFFER_CAP, Bug, OverLimit};

/// Cuts received bytes into frames and hands back each frame's wire bytes.
#[derive(Debug)]
pub(crate) enum Framer {
    /// The reference decoder (with the line limit lifted for `no-line-limit`).
    Reference(Decoder),
    /// `recv-is-message`: a fresh decoder for every read.
    RecvIsMessage {
        spec: Spec,
        decoder: Decoder,
        /// Set once an `eof` message has been answered.
        done: bool,
    },
    /// `delim-in-one-read`.
    DelimInOneRead(DelimInOneRead),
    /// `parses-partial-digits`, `trusts-signed-length`.
    Rewriting(Rewriting),
    /// A frame over the limit is answered with an error reply instead of a
    /// close: discarded to its end ([`OverLimit::Discard`]), or, for
    /// `desyncs-after-refusal`, cut at the limit with the rest framed anew.
    Refusing(Refusing),
    /// `reads-negative-length-as-null`.
    NegativeAsNull(NegativeAsNull),
}

impl Framer {
    /// The framer for a server with this framing, bug and treatment of
    /// frames over the limit.
    pub(crate) fn new(spec: &Spec, bug: Option<Bug>, over_limit: OverLimit) -> Framer {
        match bug {
            Some(Bug::DesyncsAfterRefusal) => Framer::Refusing(Refusing::new(spec, true)),
            // Only a line or a declared length can be over the limit and
            // still have an end to discard up to.
            None if over_limit == OverLimit::Discard
                && matches!(
                    spec.kind,
                    Kind::Line | Kind::Crlf | Kind::Delim(_) | Kind::Len(_) | Kind::Tagged(_)
                ) =>
            {
                Framer::Refusing(Refusing::new(spec, false))
            }
            Some(Bug::RecvIsMessage) => Framer::RecvIsMessage {
                spec: spec.clone(),
                decoder: Decoder::new(spec),
                done: false,
            },
            Some(Bug::DelimInOneRead) => Framer::DelimInOneRead(DelimInOneRead {
                delim: spec.delimiter().unwrap_or(b"\n").to_vec(),
                max: spec.max(),
                held: Vec::new(),
                frame: Vec::new(),
                start: 0,
            }),
            Some(Bug::NoLineLimit) => {
                // The "no limit" still stops at a safety valve far above
                // any default line maximum.
                let mut unlimited = spec.clone();
                unlimited.max = Some(BUG_BUFFER_CAP.max(spec.max()));
                Framer::Reference(Decoder::new(&unlimited))
            }
            Some(
                bug @ (Bug::ParsesPartialDigits
                | Bug::TrustsSignedLength
                | Bug::ReadsLengthLeniently),
            ) => Framer::Rewriting(Rewriting {
                spec: spec.clone(),
                decoder: Decoder::new(spec),
                bug,
                pending: Vec::new(),
                pos: 0,
            }),
            // RESP with one of its limits lifted.
            Some(bug @ (Bug::TrustsBulkLength | Bug::NoElementLimit | Bug::NoDepthLimit)) => {
                Framer::Reference(Decoder::new(&lifted(spec, bug)))
            }
            Some(Bug::ReadsNegativeLengthAsNull) => Framer::NegativeAsNull(NegativeAsNull {
                spec: spec.clone(),
                held: Vec::new(),
                frame: Vec::new(),
            }),
            // A netstring read as `LEN:payload`: the `,` starts the next frame.
            Some(Bug::ForgetsTrailer) => Framer::Reference(Decoder::new(&Spec {
                max: spec.max,
                ..Spec::new(Kind::DecLen(b':'))
            })),
            _ => Framer::Reference(Decoder::new(spec)),
        }
    }

    /// Take bytes from the front of `input` and return the next frame's wire
    /// bytes, `None` once `input` is used up, or the framing error.
    pub(crate) fn next<'s, 'i: 's>(
        &'s mut self,
        input: &mut &'i [u8],
    ) -> Result<Option<&'s [u8]>, Error> {
        match self {
            Framer::Reference(decoder) => Ok(decoder.decode(input)?.map(|f| f.wire())),
            Framer::RecvIsMessage {
                spec,
                decoder,
                done,
            } => {
                let mut chunk: &'i [u8] = input;
                *input = &[];
                if chunk.is_empty() || *done {
                    return Ok(None);
                }
                // The bug: whatever one read returned is taken as a whole
                // message, and the decoder forgets everything in between.
                *decoder = Decoder::new(spec);
                if spec.kind == Kind::Eof {
                    decoder.decode(&mut chunk)?;
                    *done = true;
                    return Ok(decoder.finish()?.map(|f| f.wire()));
                }
                Ok(decoder.decode(&mut chunk)?.map(|f| f.wire()))
            }
            Framer::DelimInOneRead(cutter) => cutter.next(input),
            Framer::Rewriting(r) => r.next(input),
            Framer::Refusing(r) => r.next(input),
            Framer::NegativeAsNull(r) => r.next(input),
        }
    }

    /// The end of the stream: the `eof` message, `None` at a frame boundary,
    /// or [`Error::Truncated`] inside a frame.
    pub(crate) fn finish(&mut self) -> Result<Option<&[u8]>, Error> {
        match self {
            Framer::Reference(decoder) => Ok(decoder.finish()?.map(|f| f.wire())),
            // Partial frames were dropped read by read; nothing is held.
            Framer::RecvIsMessage { .. } => Ok(None),
            Framer::DelimInOneRead(cutter) => cutter.finish(),
            Framer::Rewriting(r) => Ok(r.decoder.finish()?.map(|f| f.wire())),
            Framer::Refusing(r) => r.finish(),
            Framer::NegativeAsNull(r) => r.finish(),
        }
    }

    /// Whether part of a frame is held (the peer is inside a frame).
    pub(crate) fn partial(&self) -> bool {
        match self {
            Framer::Reference(decoder) => decoder.held() > 0,
            Framer::RecvIsMessage { .. } => false,
            Framer::DelimInOneRead(cutter) => !cutter.held.is_empty(),
            Framer::Rewriting(r) => r.decoder.held() > 0,
            Framer::Refusing(r) => !r.held.is_empty() || r.state != Dropping::No,
            Framer::NegativeAsNull(r) => !r.held.is_empty(),
        }
    }

    /// Whether the framer has ended the conversation (`recv-is-message` on
    /// `eof` framing, after answering the first read).
    pub(crate) fn done(&self) -> bool {
        matches!(self, Framer::RecvIsMessage { done: true, .. })
    }
}

/// A RESP spec with the limit `bug` ignores lifted: `trusts-bulk-length`
/// up to the 64 MiB safety valve, `no-element-limit` and `no-depth-limit`
/// to the most a spec can say.
fn lifted(spec: &Spec, bug: Bug) -> Spec {
    let mut out = spec.clone();
    if let Kind::Resp(r) = &mut out.kind {
        match bug {
            Bug::TrustsBulkLength => out.max = Some(BUG_BUFFER_CAP.max(spec.max())),
            Bug::NoElementLimit => r.elements = Some(RESP_MAX_ELEMENTS),
            _ => r.depth = Some(RESP_MAX_DEPTH),
        }
    }
    out
}

/// `reads-negative-length-as-null`: the reference decoder, but a length
/// `-N` (N not 1) is rewritten to `-1`, the RESP2 null, where the decoder
/// refuses it, and the frame goes on from there. Holds one frame and one
/// read, like the reference decoder (which bounds the frame).
#[derive(Debug)]
pub(crate) struct NegativeAsNull {
    spec: Spec,
    held: Vec<u8>,
    /// The last frame handed out.
    frame: Vec<u8>,
}

impl NegativeAsNull {
    fn next<'s>(&'s mut self, input: &mut &[u8]) -> Result<Option<&'s [u8]>, Error> {
        self.held.extend_from_slice(input);
        *input = &[];
        loop {
            let mut decoder = Decoder::new(&self.spec);
            let mut rest = &self.held[..];
            let len = match decoder.decode(&mut rest) {
                Ok(Some(frame)) => frame.wire().len(),
                Ok(None) => return Ok(None),
                Err(Error::Resp { error, .. }) if error.rule == RespRule::NullNotAllowed => {
                    // The held bytes start the frame: `at` indexes them.
                    let at = usize::try_from(error.at).unwrap_or(usize::MAX);
                    match (self.held.get(at.wrapping_sub(1)), self.held.get(at)) {
                        // `-2`: read as `-1`.
                        (Some(b'-'), Some(b'0'..=b'9')) => self.held[at] = b'1',
                        // `-12`: the digits after the first are dropped.
                        (_, Some(b'0'..=b'9')) => {
                            self.held.remove(at);
                        }
                        _ => return Err(Error::Resp { offset: 0, error }),
                    }
                    continue;
                }
                Err(e) => return Err(e),
            };
            self.frame.clear();
            self.frame.extend(self.held.drain(..len));
            return Ok(Some(&self.frame));
        }
    }

    fn finish(&mut self) -> Result<Option<&[u8]>, Error> {
        if self.held.is_empty() {
            return Ok(None);
        }
        Err(Error::Truncated {
            offset: 0,
            held: self.held.len(),
            stage: Stage::Header,
        })
    }
}

/// `delim-in-one-read`: keeps the bytes of the current line, but searches
/// for the delimiter only in each new read, so a delimiter whose first bytes
/// ended the previous read becomes part of the line.
#[derive(Debug)]
pub(crate) struct DelimInOneRead {
    delim: Vec<u8>,
    max: usize,
    /// Bytes of the current line from earlier reads.
    held: Vec<u8>,
    /// The last frame handed out.
    frame: Vec<u8>,
    /// Stream offset of the current line.
    start: u64,
}

impl DelimInOneRead {
    fn next<'s>(&'s mut self, input: &mut &[u8]) -> Result<Option<&'s [u8]>, Error> {
        let chunk = *input;
        if chunk.is_empty() {
            return Ok(None);
        }
        let d = self.delim.len();
        let unterminated = Error::Unterminated {
            offset: self.start,
            max: self.max,
        };
        let Some(at) = chunk.windows(d).position(|w| w == self.delim) else {
            if self.held.len() + chunk.len() > self.max + d {
                return Err(unterminated);
            }
            self.held.extend_from_slice(chunk);
            *input = &[];
            return Ok(None);
        };
        let end = at + d;
        if self.held.len() + at > self.max {
            return Err(unterminated);
        }
        self.frame.clear();
        self.frame.append(&mut self.held);
        self.frame.extend_from_slice(&chunk[..end]);
        *input = &chunk[end..];
        // A frame is at most max + d bytes, far below u64::MAX.
        self.start += self.frame.len() as u64;
        Ok(Some(&self.frame))
    }

    fn finish(&mut self) -> Result<Option<&[u8]>, Error> {
        if self.held.is_empty() {
            return Ok(None);
        }
        Err(Error::Truncated {
            offset: self.start,
            held: self.held.len(),
            stage: Stage::Delimiter,
        })
    }
}

/// What [`Refusing`] is dropping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dropping {
    /// Nothing: framing as usual.
    No,
    /// An over-long line, up to its delimiter.
    ToDelimiter,
    /// A declared body: this many bytes more.
    Body(u64),
}

/// An error reply `text` framed by `spec` (cut to the maximum, for a tiny
/// one, so that it fits the framing too), or nothing when no frame of
/// `spec` can carry it (`fixed`, a counted block's own command line).
pub(crate) fn error_reply(spec: &Spec, text: &[u8]) -> Vec<u8> {
    let head = match &spec.kind {
        Kind::Len(_) | Kind::Digits(_) | Kind::Hex(_) => vec![b'Q'; spec.offset],
        Kind::Tagged(entries) => entries
            .iter()
            .find(|e| matches!(e.rule, TagRule::Len(_)))
            .map(|e| vec![e.tag])
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let mut error = Vec::new();
    if Encoder::new(spec)
        .encode(&head, &text[..text.len().min(spec.max())], &mut error)
        .is_err()
    {
        error.clear();
    }
    error
}

/// A server that answers a frame over the limit with an error reply
/// (`ERROR over the limit`, framed like any reply) instead of closing.
///
/// Discarding (correct): an over-long line is dropped up to its delimiter,
/// a declared body up to its last byte, and then the error reply goes out
/// (beanstalkd's `BAD_FORMAT`). Desyncing (the bug): the error reply goes
/// out at once, the first `max` bytes of a line (or the header of an
/// over-long frame) are dropped, and what follows is framed as a new
/// message: the body of the refused frame is read as requests.
///
/// It holds at most one frame and one read, like the reference decoder.
#[derive(Debug)]
pub(crate) struct Refusing {
    spec: Spec,
    desync: bool,
    held: Vec<u8>,
    /// The last frame handed out.
    frame: Vec<u8>,
    state: Dropping,
    error: Vec<u8>,
}

impl Refusing {
    fn new(spec: &Spec, desync: bool) -> Refusing {
        let error = error_reply(spec, b"ERROR over the limit");
        Refusing {
            spec: spec.clone(),
            desync,
            held: Vec::new(),
            frame: Vec::new(),
            state: Dropping::No,
            error,
        }
    }

    fn next<'s>(&'s mut self, input: &mut &[u8]) -> Result<Option<&'s [u8]>, Error> {
        self.held.extend_from_slice(input);
        *input = &[];
        loop {
            match self.state {
                Dropping::Body(n) => {
                    let k = self
                        .held
                        .len()
                        .min(usize::try_from(n).unwrap_or(usize::MAX));
                    self.held.drain(..k);
                    let left = n - k as u64;
                    if left > 0 {
                        self.state = Dropping::Body(left);
                        return Ok(None);
                    }
                    self.state = Dropping::No;
                    return Ok(Some(&self.error));
                }
                Dropping::ToDelimiter => {
                    let delim = self.spec.delimiter().unwrap_or(b"\n");
                    let Some(at) = self.held.windows(delim.len()).position(|w| w == delim) else {
                        let keep = self.held.len().saturating_sub(delim.len() - 1);
                        self.held.drain(..keep);
                        return Ok(None);
                    };
                    self.held.drain(..at + delim.len());
                    self.state = Dropping::No;
                    return Ok(Some(&self.error));
                }
                Dropping::No => {}
            }
            let mut decoder = Decoder::new(&self.spec);
            let mut rest = &self.held[..];
            let len = match decoder.decode(&mut rest) {
                Ok(Some(frame)) => frame.wire().len(),
                Ok(None) => return Ok(None),
                Err(Error::Unterminated { .. }) if self.desync => {
                    let cut = self.spec.max().min(self.held.len());
                    self.held.drain(..cut);
                    return Ok(Some(&self.error));
                }
                Err(Error::Unterminated { .. }) => {
                    self.state = Dropping::ToDelimiter;
                    continue;
                }
                Err(Error::TooLarge { len, .. }) => {
                    let header = self.header_len();
                    self.held.drain(..header);
                    if self.desync {
                        return Ok(Some(&self.error));
                    }
                    self.state = Dropping::Body(len);
                    continue;
                }
                Err(e) => return Err(e),
            };
            self.frame.clear();
            self.frame.extend(self.held.drain(..len));
            return Ok(Some(&self.frame));
        }
    }

    /// How many of the held bytes make the header that declared too much:
    /// the fewest a fresh decoder needs to refuse it.
    fn header_len(&self) -> usize {
        let mut decoder = Decoder::new(&self.spec);
        for (i, b) in self.held.iter().enumerate() {
            if decoder.decode(&mut &[*b][..]).is_err() {
                return i + 1;
            }
        }
        self.held.len()
    }

    fn finish(&mut self) -> Result<Option<&[u8]>, Error> {
        if self.held.is_empty() && self.state == Dropping::No {
            return Ok(None);
        }
        Err(Error::Truncated {
            offset: 0,
            held: self.held.len(),
            stage: if self.spec.delimiter().is_some() {
                Stage::Delimiter
            } else {
                Stage::Body
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feed `pieces` one by one and collect the frames' wire bytes.
    fn frames(spec: &str, bug: Option<Bug>, pieces: &[&[u8]]) -> Vec<Vec<u8>> {
        frames_with(spec, bug, OverLimit::Close, pieces)
    }

    pub(super) fn frames_with(
        spec: &str,
        bug: Option<Bug>,
        over_limit: OverLimit,
        pieces: &[&[u8]],
    ) -> Vec<Vec<u8>> {
        let mut framer = Framer::new(&spec.parse().expect("valid spec"), bug, over_limit);
        let mut out = Vec::new();
        for piece in pieces {
            let mut input = *piece;
            while let Some(wire) = framer.next(&mut input).expect("no framing error") {
                out.push(wire.to_vec());
            }
        }
        out
    }

    #[test]
    fn cutters_table() {
        type Row<'a> = (
            &'a str,
            &'a str,
            Option<Bug>,
            &'a [&'a [u8]],
            &'a [&'a [u8]],
        );
        let table: &[Row<'_>] = &[
            (
                "reference_crlf_split_delimiter",
                "crlf",
                None,
                &[b"ab\r", b"\ncd\r\n"],
                &[b"ab\r\n", b"cd\r\n"],
            ),
            (
                "delim_in_one_read_misses_split_delimiter",
                "crlf",
                Some(Bug::DelimInOneRead),
                &[b"ab\r", b"\ncd\r\n"],
                &[b"ab\r\ncd\r\n"],
            ),
            (
                "delim_in_one_read_whole_lines",
                "crlf",
                Some(Bug::DelimInOneRead),
                &[b"ab\r\ncd", b"e\r\n"],
                &[b"ab\r\n", b"cde\r\n"],
            ),
            (
                "recv_is_message_drops_split_frame",
                "u16be",
                Some(Bug::RecvIsMessage),
                &[b"\x00\x02a", b"b"],
                &[],
            ),
            (
                "recv_is_message_one_frame_per_read",
                "u16be",
                Some(Bug::RecvIsMessage),
                &[b"\x00\x01a\x00\x01b"],
                &[b"\x00\x01a"],
            ),
            (
                "recv_is_message_eof_first_read_is_the_message",
                "eof",
                Some(Bug::RecvIsMessage),
                &[b"abc", b"def"],
                &[b"abc"],
            ),
        ];
        for (name, spec, bug, pieces, want) in table {
            let got = frames(spec, *bug, pieces);
            let want: Vec<Vec<u8>> = want.iter().map(|w| w.to_vec()).collect();
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn no_line_limit_lifts_the_maximum() {
        let long = [b'x'; 100];
        let mut reference = Framer::new(
            &"line,max=10".parse().expect("valid spec"),
            None,
            OverLimit::Close,
        );
        assert!(reference.next(&mut &long[..]).is_err());
        let mut buggy = Framer::new(
            &"line,max=10".parse().expect("valid spec"),
            Some(Bug::NoLineLimit),
            OverLimit::Close,
        );
        assert_eq!(buggy.next(&mut &long[..]).expect("no limit"), None);
        assert!(buggy.partial());
    }
}

/// `parses-partial-digits` and `trusts-signed-length`: the reference decoder
/// fed a copy of each read whose length text, at every frame start, is
/// rewritten the way the buggy parser reads it.
#[derive(Debug)]
pub(crate) struct Rewriting {
    spec: Spec,
    decoder: Decoder,
    bug: Bug,
    /// The current read (rewritten), and how much of it the decoder took.
    pending: Vec<u8>,
    pos: usize,
}

impl Rewriting {
    fn next<'s>(&'s mut self, input: &mut &[u8]) -> Result<Option<&'s [u8]>, Error> {
        if self.pos >= self.pending.len() {
            if input.is_empty() {
                return Ok(None);
            }
            self.pending.clear();
            self.pending.extend_from_slice(input);
            self.pos = 0;
            *input = &[];
        }
        if self.decoder.held() == 0 {
            self.rewrite();
        }
        let Rewriting {
            decoder,
            pending,
            pos,
            ..
        } = self;
        let mut rest = &pending[*pos..];
        let before = rest.len();
        let frame = decoder.decode(&mut rest);
        *pos += before - rest.len();
        Ok(frame?.map(|f| f.wire()))
    }

    /// Rewrite the length text that starts at `pos`, a frame start.
    fn rewrite(&mut self) {
        let rest = &self.pending[self.pos..];
        let (width, hex, sep) = match self.spec.kind {
            Kind::Digits(n) => (Some(n), false, None),
            Kind::Hex(n) => (Some(n), true, None),
            Kind::PktLine => (Some(4), true, None),
            Kind::Netstring => (None, false, Some(b':')),
            Kind::DecLen(sep) => (None, false, Some(sep)),
            _ => return,
        };
        let digit = |b: &u8| {
            if hex {
                b.is_ascii_hexdigit()
            } else {
                b.is_ascii_digit()
            }
        };
        match self.bug {
            // The read ends inside the digits: they are the whole length.
            Bug::ParsesPartialDigits => {
                if rest.is_empty() || !rest.iter().all(digit) {
                    return;
                }
                match (width, sep) {
                    (Some(n), _) if rest.len() < n => {
                        let pad = n - rest.len();
                        self.pending
                            .splice(self.pos..self.pos, std::iter::repeat_n(b'0', pad));
                    }
                    (None, Some(sep)) if rest.len() < 10 => self.pending.push(sep),
                    _ => {}
                }
            }
            // Non-digits skipped, leading zeros and extra digits taken: the
            // length is rewritten as the strict parser would need it.
            Bug::ReadsLengthLeniently => {
                let lenient = |text: &[u8]| -> Vec<u8> {
                    let digits: Vec<u8> = text.iter().copied().filter(|b| digit(b)).collect();
                    let first = digits.iter().position(|&b| b != b'0');
                    first.map_or_else(|| b"0".to_vec(), |i| digits[i..].to_vec())
                };
                match (width, sep) {
                    (Some(n), _) if rest.len() >= n && !rest[..n].iter().all(digit) => {
                        let value = lenient(&rest[..n]);
                        if value.len() <= n {
                            let mut field = vec![b'0'; n - value.len()];
                            field.extend_from_slice(&value);
                            self.pending.splice(self.pos..self.pos + n, field);
                        }
                    }
                    (None, Some(sep)) => {
                        let Some(at) = rest.iter().take(32).position(|&b| b == sep) else {
                            return;
                        };
                        let value = lenient(&rest[..at]);
                        if at > 0 && value != rest[..at] {
                            self.pending.splice(self.pos..self.pos + at, value);
                        }
                    }
                    _ => {}
                }
            }
            // A leading '+' is read as part of the number.
            Bug::TrustsSignedLength if rest.first() == Some(&b'+') => {
                if width.is_some() {
                    self.pending[self.pos] = b'0';
                } else {
                    self.pending.remove(self.pos);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod refusing_tests {
    use super::*;

    fn run(spec: &str, bug: Option<Bug>, pieces: &[&[u8]]) -> Vec<Vec<u8>> {
        super::tests::frames_with(spec, bug, OverLimit::Discard, pieces)
    }

    #[test]
    fn discard_and_desync_table() {
        type Row<'a> = (&'a str, &'a str, Option<Bug>, &'a [&'a [u8]], Vec<Vec<u8>>);
        let err = |spec: &str| Refusing::new(&spec.parse().expect("spec"), false).error;
        assert_eq!(err("line,max=4"), b"ERRO\n");
        assert_eq!(err("crlf"), b"ERROR over the limit\r\n");
        let table: Vec<Row<'_>> = vec![
            (
                "discard_line_to_its_delimiter",
                "line,max=4",
                None,
                &[b"abcdefg", b"hij\nok\n"],
                vec![err("line,max=4"), b"ok\n".to_vec()],
            ),
            (
                "desync_line_frames_the_tail",
                "line,max=4",
                Some(Bug::DesyncsAfterRefusal),
                &[b"abcdefg", b"h\nok\n"],
                vec![err("line,max=4"), b"efgh\n".to_vec(), b"ok\n".to_vec()],
            ),
            (
                "discard_declared_body",
                "u8,max=4",
                None,
                &[b"\x06abc", b"def\x02ok"],
                vec![err("u8,max=4"), b"\x02ok".to_vec()],
            ),
            (
                "desync_body_read_as_frames",
                "u8,max=4",
                Some(Bug::DesyncsAfterRefusal),
                &[b"\x06\x02ab", b"\x02ok"],
                vec![err("u8,max=4"), b"\x02ab".to_vec(), b"\x02ok".to_vec()],
            ),
        ];
        for (name, spec, bug, pieces, want) in table {
            assert_eq!(run(spec, bug, pieces), want, "{name}");
        }
    }
}
