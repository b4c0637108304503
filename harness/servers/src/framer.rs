//! How a connection cuts its byte stream into frames: the framing library's
//! decoder, or one of the buggy cutters.

use framecheck_framing::{Decoder, Error, Kind, Spec, Stage};

use super::{BUG_BUFFER_CAP, Bug};

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
}

impl Framer {
    /// The framer for a server with this framing and bug.
    pub(crate) fn new(spec: &Spec, bug: Option<Bug>) -> Framer {
        match bug {
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
        }
    }

    /// Whether part of a frame is held (the peer is inside a frame).
    pub(crate) fn partial(&self) -> bool {
        match self {
            Framer::Reference(decoder) => decoder.held() > 0,
            Framer::RecvIsMessage { .. } => false,
            Framer::DelimInOneRead(cutter) => !cutter.held.is_empty(),
            Framer::Rewriting(r) => r.decoder.held() > 0,
        }
    }

    /// Whether the framer has ended the conversation (`recv-is-message` on
    /// `eof` framing, after answering the first read).
    pub(crate) fn done(&self) -> bool {
        matches!(self, Framer::RecvIsMessage { done: true, .. })
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Feed `pieces` one by one and collect the frames' wire bytes.
    fn frames(spec: &str, bug: Option<Bug>, pieces: &[&[u8]]) -> Vec<Vec<u8>> {
        let mut framer = Framer::new(&spec.parse().expect("valid spec"), bug);
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
        let mut reference = Framer::new(&"line,max=10".parse().expect("valid spec"), None);
        assert!(reference.next(&mut &long[..]).is_err());
        let mut buggy = Framer::new(
            &"line,max=10".parse().expect("valid spec"),
            Some(Bug::NoLineLimit),
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
