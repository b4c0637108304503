//! The decoder: one state machine for every strategy, fed arbitrary chunks.
//!
//! [`Decoder::decode`] takes bytes from the front of a chunk and returns one of
//! three outcomes, like tokio-util's `Decoder` but without copying frames that
//! arrive whole:
//!
//! * `Ok(Some(frame))`: a complete frame, borrowed from the chunk when it
//!   arrived in one piece, or from the decoder's held buffer when it was cut;
//!   call again for the next one;
//! * `Ok(None)`: the whole chunk was taken and the decoder needs more bytes
//!   (never an error: a prefix of a valid stream is just incomplete);
//! * `Err(e)`: the stream breaks the framing. The decoder stays failed and
//!   returns the same error on every later call, as a conformant peer closes
//!   the connection.
//!
//! [`Decoder::finish`] is the end of stream: it returns the final message of
//! `eof` framing, `Ok(None)` at a frame boundary, and [`Error::Truncated`] with
//! the number of bytes held when the stream stopped inside a frame.
//!
//! At every moment, bytes given = [`Decoder::consumed`] (complete frames) +
//! [`Decoder::held`] (the current partial frame) + bytes still in the chunk,
//! and the held buffer never exceeds `spec.max() + spec.overhead()`: lengths
//! are checked against the maximum before anything is reserved.
//!
//! ```
//! use framecheck_framing::Decoder;
//! let mut dec = Decoder::new(&"u16be".parse()?);
//! let (mut a, mut b): (&[u8], &[u8]) = (b"\x00\x03ab", b"c\x00\x01z");
//! assert_eq!(dec.decode(&mut a)?, None); // "ab" is held
//! assert_eq!(dec.decode(&mut b)?.unwrap().payload(), b"abc"); // from the held buffer
//! assert_eq!(dec.decode(&mut b)?.unwrap().payload(), b"z"); // straight from the chunk
//! assert_eq!(dec.decode(&mut b)?, None);
//! assert_eq!(dec.finish()?, None); // ended on a frame boundary
//! # Ok::<(), framecheck_framing::Error>(())
//! ```

use crate::http1::stream::{Progress, Stream};
pub use crate::spec::VARINT_MAX_BYTES;
use crate::spec::{Kind, LenField, Spec, TagRule, payload_len};
use crate::text::{TextHead, TextRule};
use crate::{Error, FrameRef, Stage};

/// The most the held buffer grows ahead of the bytes that have arrived.
const RESERVE_STEP: usize = 64 * 1024;

/// A sans-IO decoder for one [`Spec`]; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct Decoder {
    rule: Rule,
    phase: Phase,
    /// Bytes of the current frame that arrived in earlier chunks (or, in
    /// `Phase::Idle`, the last frame lent out from here).
    held: Held,
    /// Stream offset of the current frame's first byte: the bytes consumed
    /// by complete frames.
    start: u64,
    /// Where the parts of the frame last completed in `held` lie.
    lent: Parts,
    /// The most header bytes a headed rule can need (0 for the others).
    max_head: usize,
}

/// Where the decoder is within a frame.
///
/// | phase | `held` holds | next |
/// |---|---|---|
/// | `Idle` | nothing of value (maybe the frame just lent out) | fast path on the chunk |
/// | `Header` | the first bytes of a header | `Body` once the header parses |
/// | `Body(h)` | a whole header, part of the body | `Idle` when `h.total` bytes are held |
/// | `Partial` | part of a delimited frame or an `eof` message | `Idle` at the delimiter, `Ended` at `finish` |
/// | `Ended` | the `eof` message lent out by `finish` | a new message if fed again |
/// | `Failed(e)` | whatever it held at the error | stays `Failed` |
#[derive(Debug, Clone)]
enum Phase {
    Idle,
    Header,
    Body(Head),
    Partial,
    Ended,
    /// The first bytes of a text-length header (`held`).
    TextHeader,
    /// A text-length frame whose header is whole (`held` has part of it).
    TextBody(TextHead),
    /// Inside an HTTP/1 message (`held` has its bytes so far; the rule's
    /// stream knows where it is).
    Http,
    Failed(Error),
}

/// A parsed header: how long the frame is and where its parts lie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Head {
    /// Bytes before the length field (`offset`, or the tag).
    prefix: usize,
    /// Where the payload starts: bytes before it.
    body_start: usize,
    /// The whole frame.
    total: usize,
}

/// What the general path of [`Decoder::decode`] did. A frame is left in
/// `held`, laid out as `lent` says, and an error in `Phase::Failed`, so the
/// step itself fits in a register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// A frame is complete in `held`.
    Frame,
    /// All of the input is taken; more is needed.
    More,
    /// The decoder failed.
    Failed,
}

/// Where a frame's parts lie within its wire bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Parts {
    /// Bytes before the length field.
    prefix: usize,
    /// Where the payload starts.
    payload_start: usize,
    /// Where the payload ends.
    payload_end: usize,
}

/// The immutable per-strategy configuration.
#[derive(Debug, Clone)]
enum Rule {
    /// Fixed, length-prefixed and tagged frames: a header that says the length.
    Headed(HeadRule),
    Delimited {
        delim: Vec<u8>,
        max: usize,
    },
    Eof {
        max: usize,
    },
    /// Lengths written as text (boxed: the other rules' layout, and so
    /// their fast paths, stay as they were).
    Text(Box<TextRule>),
    /// `first=`: the first frame's own decoder, then the main rule.
    First(Box<First>),
    /// HTTP/1 messages (boxed, as text rules are).
    Http1(Box<Stream>),
}

/// The state of a `first=` decoder before its first frame.
#[derive(Debug, Clone)]
struct First {
    /// Decodes the first frame.
    dec: Decoder,
    /// The rule of every later frame.
    main: Rule,
}

#[derive(Debug, Clone)]
enum HeadRule {
    Fixed(usize),
    Len {
        offset: usize,
        field: LenField,
        adjust: i64,
        max: usize,
    },
    Tagged {
        table: Box<[Option<TagRule>; 256]>,
        adjust: i64,
        max: usize,
    },
}

impl Decoder {
    /// A decoder at the start of a stream.
    pub fn new(spec: &Spec) -> Decoder {
        let main = Decoder::new_main(spec);
        match &spec.first {
            None => main,
            Some(first) => Decoder {
                rule: Rule::First(Box::new(First {
                    dec: Decoder::new_main(first),
                    main: main.rule,
                })),
                max_head: 0,
                ..Decoder::new_main(&Spec::new(Kind::Eof))
            },
        }
    }

    /// A decoder for `spec` without its `first=`.
    fn new_main(spec: &Spec) -> Decoder {
        let max = spec.max();
        let rule = match &spec.kind {
            Kind::Fixed(n) => Rule::Headed(HeadRule::Fixed(*n)),
            Kind::Len(field) => Rule::Headed(HeadRule::Len {
                offset: spec.offset,
                field: *field,
                adjust: spec.adjust,
                max,
            }),
            Kind::Tagged(entries) => {
                let mut table = Box::new([None; 256]);
                for e in entries {
                    table[usize::from(e.tag)] = Some(e.rule);
                }
                Rule::Headed(HeadRule::Tagged {
                    table,
                    adjust: spec.adjust,
                    max,
                })
            }
            Kind::Line | Kind::Crlf | Kind::Delim(_) => {
                let delim = spec.delimiter().unwrap_or(b"\n").to_vec();
                Rule::Delimited { delim, max }
            }
            Kind::Eof => Rule::Eof { max },
            Kind::Digits(_)
            | Kind::Hex(_)
            | Kind::PktLine
            | Kind::Netstring
            | Kind::DecLen(_)
            | Kind::Counted(_) => match TextRule::new(spec) {
                Some(rule) => Rule::Text(Box::new(rule)),
                None => unreachable!("every text kind has a text rule"),
            },
            Kind::Http1(h) => Rule::Http1(Box::new(Stream::new(h, max))),
        };
        Decoder {
            phase: Phase::Idle,
            held: Held::default(),
            start: 0,
            max_head: match &rule {
                Rule::Headed(r) => r.max_head(),
                _ => 0,
            },
            rule,
            lent: Parts::default(),
        }
    }

    /// Bytes consumed by complete frames so far (the stream offset of the
    /// current frame's first byte).
    pub fn consumed(&self) -> u64 {
        self.start
    }

    /// Bytes of the current, incomplete frame held from earlier chunks.
    pub fn held(&self) -> usize {
        if let Rule::First(first) = &self.rule {
            return first.dec.held();
        }
        match self.phase {
            Phase::Idle | Phase::Ended => 0,
            _ => self.held.buf.len(),
        }
    }

    /// Bytes allocated for the held buffer: what this decoder costs in memory.
    pub fn held_capacity(&self) -> usize {
        self.held.buf.capacity()
    }

    /// The most bytes ever held at once.
    pub fn peak_held(&self) -> usize {
        match &self.rule {
            Rule::First(first) => first.dec.peak_held().max(self.held.peak),
            _ => self.held.peak,
        }
    }

    /// The error the decoder failed with, if it has.
    pub fn failure(&self) -> Option<&Error> {
        match &self.phase {
            Phase::Failed(e) => Some(e),
            _ => None,
        }
    }

    /// Take bytes from the front of `input` and return the next complete
    /// frame, `None` once all of `input` is taken, or the stream's error.
    #[inline(always)]
    #[expect(
        clippy::inline_always,
        reason = "measured: with #[inline] LLVM keeps it out of line in the CLI's read loop, and each frame returns through memory"
    )]
    pub fn decode<'s, 'i: 's>(
        &'s mut self,
        input: &mut &'i [u8],
    ) -> Result<Option<FrameRef<'s>>, Error> {
        // The fast paths, inlined into the caller's loop.
        let chunk: &'i [u8] = input;
        match self.phase {
            // At a frame boundary: a headed frame that lies whole in the
            // chunk, or a delimited frame.
            Phase::Idle if !chunk.is_empty() => match &self.rule {
                Rule::Headed(rule) => {
                    if let Ok(Some(h)) = rule.parse(chunk, self.start) {
                        if chunk.len() >= h.total {
                            let (wire, rest) = chunk.split_at(h.total);
                            *input = rest;
                            self.start += len64(h.total);
                            return Ok(Some(FrameRef::new(wire, h.prefix, h.body_start..h.total)));
                        }
                        // The header is whole and checked, the body cut.
                        self.begin_body(h, input);
                        return Ok(None);
                    }
                    // A cut header or a bad one: the general path decides.
                }
                Rule::Delimited { delim, max } => {
                    // The delimiter must end within max + d bytes of the
                    // frame start, so the scan stops there.
                    let d = delim.len();
                    let limit = (max + d).min(chunk.len());
                    if let Some(end) = find_end(delim, &[], &chunk[..limit]) {
                        *input = &chunk[end..];
                        self.start += len64(end);
                        return Ok(Some(FrameRef::new(&chunk[..end], 0, 0..end - d)));
                    }
                    // Each byte is scanned once: the rest of the chunk
                    // starts a partial frame without a second look.
                    let step = self.hold_partial(input, limit);
                    return self.outcome(step);
                }
                Rule::Text(rule) => {
                    let head = rule
                        .fast(chunk)
                        .or_else(|| rule.parse(chunk, self.start, 0).ok().flatten());
                    if let Some(h) = head {
                        let trailer = rule.trailer();
                        if chunk.len() >= h.total
                            && (trailer.is_empty() || chunk[h.payload_end..h.total] == *trailer)
                        {
                            let (wire, rest) = chunk.split_at(h.total);
                            *input = rest;
                            self.start += len64(h.total);
                            return Ok(Some(FrameRef::new(
                                wire,
                                h.head,
                                h.body_start..h.payload_end,
                            )));
                        }
                        if trailer.is_empty() && h.total > h.body_start {
                            // The header is whole and checked, the body cut,
                            // nothing follows it: a headed frame's body.
                            self.begin_body(
                                Head {
                                    prefix: h.head,
                                    body_start: h.body_start,
                                    total: h.total,
                                },
                                input,
                            );
                            return Ok(None);
                        }
                    }
                    // Cut, or bad: the general path decides.
                }
                Rule::Http1(_) => return self.http_idle(input),
                Rule::Eof { .. } | Rule::First(_) => {}
            },
            // The body of a cut headed frame (the header checked and whole).
            Phase::Body(h) => {
                let held = &mut self.held;
                let need = h.total - held.buf.len();
                if chunk.len() < need {
                    held.push(chunk);
                    *input = &[];
                    return Ok(None);
                }
                held.push(&chunk[..need]);
                *input = &chunk[need..];
                self.phase = Phase::Idle;
                self.start += len64(h.total);
                return Ok(Some(FrameRef::new(
                    &held.buf,
                    h.prefix,
                    h.body_start..h.total,
                )));
            }
            // More of a cut delimited frame.
            Phase::Partial if matches!(self.rule, Rule::Delimited { .. }) => {
                let step = self.step_delimited(input);
                return self.outcome(step);
            }
            _ => {}
        }
        let step = self.step(input);
        self.outcome(step)
    }

    /// [`Decoder::decode`]'s result for what the general path did. The
    /// frame is rebuilt here, from `held` and `lent`, rather than returned
    /// through memory: this keeps the fast path's frames in registers.
    #[inline]
    fn outcome(&self, step: Step) -> Result<Option<FrameRef<'_>>, Error> {
        match step {
            Step::More => Ok(None),
            Step::Frame => {
                let Parts {
                    prefix,
                    payload_start,
                    payload_end,
                } = self.lent;
                Ok(Some(FrameRef::new(
                    &self.held.buf,
                    prefix,
                    payload_start..payload_end,
                )))
            }
            Step::Failed => Err(self.error()),
        }
    }

    /// The error of a failed decoder.
    #[cold]
    fn error(&self) -> Error {
        match &self.phase {
            Phase::Failed(e) => e.clone(),
            _ => unreachable!("Step::Failed leaves the decoder failed"),
        }
    }

    /// The end of the stream: the `eof` message, `None` at a frame boundary,
    /// or [`Error::Truncated`] when the stream stopped inside a frame.
    pub fn finish(&mut self) -> Result<Option<FrameRef<'_>>, Error> {
        let stage = match (&self.phase, &mut self.rule) {
            (Phase::Failed(e), _) => return Err(e.clone()),
            (_, Rule::First(first)) => match first.dec.finish() {
                // The inner spec is never `eof`: no frame at the end.
                Ok(_) => return Ok(None),
                Err(e) => return Err(fail(&mut self.phase, e)),
            },
            (Phase::Idle | Phase::Partial, Rule::Eof { .. }) => {
                if matches!(self.phase, Phase::Idle) {
                    self.held.buf.clear();
                }
                self.phase = Phase::Ended;
                let len = self.held.buf.len();
                self.start += len64(len);
                return Ok(Some(FrameRef::new(&self.held.buf, 0, 0..len)));
            }
            (Phase::Http, Rule::Http1(stream)) => match stream.at_end() {
                // A body read to close: the end of the stream ends it.
                Ok(head) => {
                    self.phase = Phase::Ended;
                    let len = self.held.buf.len();
                    self.start += len64(len);
                    return Ok(Some(FrameRef::new(&self.held.buf, head, head..len)));
                }
                Err(stage) => stage,
            },
            (Phase::Ended | Phase::Idle, _) => return Ok(None),
            (Phase::Header | Phase::TextHeader | Phase::Http, _) => Stage::Header,
            (Phase::Body(_) | Phase::TextBody(_), _) => Stage::Body,
            (Phase::Partial, _) => Stage::Delimiter,
        };
        Err(fail(
            &mut self.phase,
            Error::Truncated {
                offset: self.start,
                held: self.held.buf.len(),
                stage,
            },
        ))
    }

    /// The general path of [`Decoder::decode`]: anything the fast path did
    /// not take.
    fn step(&mut self, input: &mut &[u8]) -> Step {
        match self.phase {
            Phase::Failed(_) => return Step::Failed,
            Phase::Idle | Phase::Ended => {
                if input.is_empty() {
                    return Step::More;
                }
                self.held.buf.clear();
                self.phase = Phase::Idle;
            }
            _ => {}
        }
        match self.rule {
            Rule::Headed(_) => self.step_headed(input),
            Rule::Delimited { .. } => self.step_delimited(input),
            Rule::Eof { max } => self.step_eof(input, max),
            Rule::Text(_) => self.step_text(input),
            Rule::First(_) => self.step_first(input),
            Rule::Http1(_) => self.step_http(input),
        }
    }

    /// Queue the method of a pipelined request, for an `http1:response`
    /// decoder: each final response is framed by the oldest method queued
    /// (a HEAD's response has no body, a 2xx to CONNECT ends the framing),
    /// and by the spec's `method=` once the queue is empty. Returns whether
    /// the decoder frames HTTP/1 (it is ignored otherwise).
    ///
    /// ```
    /// use framecheck_framing::Decoder;
    /// let mut dec = Decoder::new(&"http1:response".parse()?);
    /// dec.push_request_method(b"HEAD");
    /// dec.push_request_method(b"GET");
    /// let mut wire: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n\
    ///                         HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";
    /// assert!(dec.decode(&mut wire)?.unwrap().payload().is_empty()); // HEAD
    /// assert_eq!(dec.decode(&mut wire)?.unwrap().payload(), b"abc"); // GET
    /// # Ok::<(), framecheck_framing::Error>(())
    /// ```
    pub fn push_request_method(&mut self, method: &[u8]) -> bool {
        match &mut self.rule {
            Rule::Http1(stream) => {
                stream.push_method(method);
                true
            }
            _ => false,
        }
    }

    /// An HTTP/1 message at a frame boundary: lent from the chunk when it
    /// lies whole in it, else its bytes start the held message.
    #[inline]
    fn http_idle<'i>(&mut self, input: &mut &'i [u8]) -> Result<Option<FrameRef<'i>>, Error> {
        let chunk: &'i [u8] = input;
        let Rule::Http1(stream) = &mut self.rule else {
            unreachable!("http_idle is only called for http1 rules")
        };
        stream.reset();
        match stream.run(chunk, self.start) {
            Ok(Progress::Done { head, total }) => {
                let (wire, rest) = chunk.split_at(total);
                *input = rest;
                self.start += len64(total);
                Ok(Some(FrameRef::new(wire, head, head..total)))
            }
            Ok(Progress::More) => {
                // Every byte of the chunk belongs to this message (`run`
                // checked them against the bounds).
                if let Some((head, total)) = stream.known_body() {
                    self.begin_body(
                        Head {
                            prefix: head,
                            body_start: head,
                            total,
                        },
                        input,
                    );
                } else {
                    self.held.buf.clear();
                    self.held.push(chunk);
                    self.phase = Phase::Http;
                    *input = &[];
                }
                Ok(None)
            }
            Err(e) => {
                // Nothing of the chunk is taken; the frame lent last is gone.
                self.held.buf.clear();
                Err(fail(&mut self.phase, e))
            }
        }
    }

    /// More of an HTTP/1 message: take into the held buffer what the
    /// message's state allows, until it completes or needs more.
    fn step_http(&mut self, input: &mut &[u8]) -> Step {
        let Rule::Http1(stream) = &mut self.rule else {
            unreachable!("step_http is only called for http1 rules")
        };
        let (phase, held) = (&mut self.phase, &mut self.held);
        if let Phase::Idle = phase {
            held.buf.clear();
            stream.reset();
            *phase = Phase::Http;
        }
        let chunk: &[u8] = input;
        let mut taken = 0;
        loop {
            let take = stream.budget(held.buf.len()).min(chunk.len() - taken);
            held.push(&chunk[taken..taken + take]);
            taken += take;
            match stream.run(&held.buf, self.start) {
                Err(e) => {
                    *input = &chunk[taken..];
                    fail(phase, e);
                    return Step::Failed;
                }
                Ok(Progress::More) if taken == chunk.len() => {
                    *input = &[];
                    return Step::More;
                }
                Ok(Progress::More) if take == 0 => {
                    // Unreachable: a full budget is an error in `run`.
                    *input = &chunk[taken..];
                    fail(
                        phase,
                        Error::Overflow {
                            offset: self.start,
                            max: held.buf.len(),
                        },
                    );
                    return Step::Failed;
                }
                Ok(Progress::More) => {}
                Ok(Progress::Done { head, total }) => {
                    // Give back what lies beyond this message.
                    let beyond = held.buf.len() - total;
                    held.buf.truncate(total);
                    *input = &chunk[taken - beyond..];
                    *phase = Phase::Idle;
                    self.start += len64(total);
                    self.lent = Parts {
                        prefix: head,
                        payload_start: head,
                        payload_end: total,
                    };
                    return Step::Frame;
                }
            }
        }
    }

    /// A text-length frame: gather its header (bounded by the rule's
    /// `max_head`), then its body and trailer.
    fn step_text(&mut self, input: &mut &[u8]) -> Step {
        let Rule::Text(rule) = &self.rule else {
            unreachable!("step_text is only called for text rules")
        };
        let (phase, held) = (&mut self.phase, &mut self.held);
        let chunk: &[u8] = input;
        let h = match *phase {
            Phase::Idle | Phase::TextHeader => {
                if let Phase::Idle = phase {
                    held.buf.clear();
                }
                let before = held.buf.len();
                let take = rule.max_head().saturating_sub(before).min(chunk.len());
                held.push(&chunk[..take]);
                match rule.parse(&held.buf, self.start, before) {
                    Err(e) => {
                        *input = &chunk[take..];
                        fail(phase, e);
                        return Step::Failed;
                    }
                    Ok(None) => {
                        *input = &chunk[take..];
                        *phase = Phase::TextHeader;
                        return Step::More;
                    }
                    Ok(Some(h)) => {
                        // Give back what lies beyond this frame.
                        let kept = take - held.buf.len().saturating_sub(h.total);
                        held.buf.truncate(before + kept);
                        *input = &chunk[kept..];
                        held.buf
                            .reserve((h.total - held.buf.len()).min(RESERVE_STEP));
                        *phase = Phase::TextBody(h);
                        h
                    }
                }
            }
            Phase::TextBody(h) => h,
            _ => unreachable!("step_text runs at a boundary, in a header or in a body"),
        };
        let chunk: &[u8] = input;
        let take = (h.total - held.buf.len()).min(chunk.len());
        held.push(&chunk[..take]);
        *input = &chunk[take..];
        if held.buf.len() < h.total {
            if rule.trailer().is_empty() {
                // Nothing follows the payload: the rest is a headed frame's
                // body, which the fast path of `decode` takes.
                *phase = Phase::Body(Head {
                    prefix: h.head,
                    body_start: h.body_start,
                    total: h.total,
                });
            }
            return Step::More;
        }
        if held.buf[h.payload_end..h.total] != *rule.trailer() {
            let e = rule.trailer_error(self.start);
            fail(phase, e);
            return Step::Failed;
        }
        *phase = Phase::Idle;
        self.start += len64(h.total);
        self.lent = Parts {
            prefix: h.head,
            payload_start: h.body_start,
            payload_end: h.payload_end,
        };
        Step::Frame
    }

    /// The first frame of a `first=` stream, through its own decoder; once
    /// it is out, the main rule takes over for good.
    fn step_first(&mut self, input: &mut &[u8]) -> Step {
        let Decoder {
            rule,
            phase,
            held,
            start,
            lent,
            max_head,
        } = self;
        let Rule::First(first) = rule else {
            unreachable!("step_first is only called for first= rules")
        };
        match first.dec.decode(input) {
            Err(e) => {
                fail(phase, e);
                Step::Failed
            }
            Ok(None) => Step::More,
            Ok(Some(frame)) => {
                held.buf.clear();
                held.push(frame.wire());
                *lent = Parts {
                    prefix: frame.head_bits(),
                    payload_start: frame.payload_range().start,
                    payload_end: frame.payload_range().end,
                };
                *start += len64(frame.wire().len());
                held.peak = held.peak.max(first.dec.peak_held());
                let Rule::First(first) = std::mem::replace(rule, Rule::Eof { max: 0 }) else {
                    unreachable!("checked above")
                };
                *rule = first.main;
                *max_head = match rule {
                    Rule::Headed(r) => r.max_head(),
                    _ => 0,
                };
                Step::Frame
            }
        }
    }

    fn step_headed(&mut self, input: &mut &[u8]) -> Step {
        let Rule::Headed(rule) = &self.rule else {
            unreachable!("step_headed is only called for headed rules")
        };
        let (phase, held) = (&mut self.phase, &mut self.held);
        let chunk: &[u8] = input;
        // The frame's layout, kept in a local: read back from `phase` it
        // would cost a store-to-load stall.
        let h = match *phase {
            // The fast path takes frames that lie whole in the chunk, so
            // this one is cut (were it whole, the body step below would
            // still complete it, from the held buffer).
            Phase::Idle => match rule.parse(chunk, self.start) {
                Err(e) => {
                    fail(phase, e);
                    return Step::Failed;
                }
                Ok(Some(h)) => {
                    // `parse` checked the payload against max; even so,
                    // reserve no more than has arrived plus one step (see
                    // begin_body).
                    held.buf.reserve(h.total.min(chunk.len() + RESERVE_STEP));
                    *phase = Phase::Body(h);
                    h
                }
                Ok(None) => {
                    *phase = Phase::Header;
                    held.push(chunk);
                    *input = &[];
                    return Step::More;
                }
            },
            Phase::Header => {
                let before = held.buf.len();
                let take = self.max_head.saturating_sub(before).min(chunk.len());
                held.push(&chunk[..take]);
                match rule.parse(&held.buf, self.start) {
                    Err(e) => {
                        // The bytes just pushed are held now: take them from
                        // the chunk so that consumed + held + unread stays
                        // the input.
                        *input = &chunk[take..];
                        fail(phase, e);
                        return Step::Failed;
                    }
                    Ok(None) => {
                        *input = &chunk[take..];
                        return Step::More;
                    }
                    Ok(Some(h)) => {
                        // Give back to the chunk what lies beyond this frame
                        // (after a short varint or an empty body).
                        let kept = take - held.buf.len().saturating_sub(h.total);
                        held.buf.truncate(before + kept);
                        *input = &chunk[kept..];
                        held.buf
                            .reserve((h.total - held.buf.len()).min(RESERVE_STEP));
                        *phase = Phase::Body(h);
                        h
                    }
                }
            }
            Phase::Body(h) => h,
            _ => unreachable!("step_headed runs at a boundary, in a header or in a body"),
        };
        let chunk: &[u8] = input;
        let take = (h.total - held.buf.len()).min(chunk.len());
        held.push(&chunk[..take]);
        *input = &chunk[take..];
        if held.buf.len() < h.total {
            return Step::More;
        }
        *phase = Phase::Idle;
        self.start += len64(h.total);
        self.lent = Parts {
            prefix: h.prefix,
            payload_start: h.body_start,
            payload_end: h.total,
        };
        Step::Frame
    }

    /// Hold all of `input`, the start of a frame whose checked header `h`
    /// says it is longer.
    #[inline]
    fn begin_body(&mut self, h: Head, input: &mut &[u8]) {
        let chunk: &[u8] = input;
        // At a frame boundary the buffer may hold the frame lent last.
        self.held.buf.clear();
        // `parse` checked the payload against max; even so, reserve no more
        // than has arrived plus one step, so a header that claims the max
        // and then stops costs no more memory than the bytes it really sent.
        self.held
            .buf
            .reserve(h.total.min(chunk.len() + RESERVE_STEP));
        self.held.push(chunk);
        self.phase = Phase::Body(h);
        *input = &[];
    }

    /// More of a delimited frame: complete it at the first delimiter that
    /// ends in `input` (it may start in the held bytes), or hold `input`.
    #[inline]
    fn step_delimited(&mut self, input: &mut &[u8]) -> Step {
        let Rule::Delimited { ref delim, max, .. } = self.rule else {
            unreachable!("step_delimited is only called for delimited rules")
        };
        let d = delim.len();
        let chunk: &[u8] = input;
        let held: &[u8] = if let Phase::Partial = self.phase {
            &self.held.buf
        } else {
            &[]
        };
        // The delimiter must end within max + d bytes of the frame start,
        // so the scan stops there.
        let limit = (max + d).saturating_sub(held.len()).min(chunk.len());
        let Some(end) = find_end(delim, held, &chunk[..limit]) else {
            return self.hold_partial(input, limit);
        };
        // (At a frame boundary the fast path lends the frame from the chunk;
        // were this reached there, the frame would be copied, still right.)
        self.held.push(&chunk[..end]);
        *input = &chunk[end..];
        self.phase = Phase::Idle;
        let len = self.held.buf.len();
        self.start += len64(len);
        self.lent = Parts {
            prefix: 0,
            payload_start: 0,
            payload_end: len - d,
        };
        Step::Frame
    }

    /// Hold all of `input`, in which no delimiter ends before `limit`, as
    /// (more of) a partial delimited frame; fail as soon as no delimiter can
    /// start within max.
    #[inline(always)]
    #[expect(
        clippy::inline_always,
        reason = "on every small chunk's path; with #[inline] LLVM kept it out of line"
    )]
    fn hold_partial(&mut self, input: &mut &[u8], limit: usize) -> Step {
        let Rule::Delimited { max, .. } = self.rule else {
            unreachable!("hold_partial is only called for delimited rules")
        };
        let chunk: &[u8] = input;
        let held = if let Phase::Partial = self.phase {
            self.held.buf.len()
        } else {
            // At a frame boundary the buffer may hold the frame lent last.
            self.held.buf.clear();
            0
        };
        // Bytes past max are allowed only as the start of a delimiter (and
        // the pending prefix is computed only then).
        let over = |this: &Self| held + chunk.len() - this.pending_delimiter(chunk) > max;
        if limit < chunk.len() || (held + chunk.len() > max && over(self)) {
            return self.unterminated(max);
        }
        self.phase = Phase::Partial;
        self.held.push(chunk);
        *input = &[];
        Step::More
    }

    /// The length of the longest suffix of (held bytes + `chunk`) that is a
    /// proper prefix of the delimiter: bytes that may yet start one.
    #[inline(never)]
    fn pending_delimiter(&self, chunk: &[u8]) -> usize {
        let Rule::Delimited { delim, .. } = &self.rule else {
            return 0;
        };
        let held: &[u8] = if let Phase::Partial = self.phase {
            &self.held.buf
        } else {
            &[]
        };
        (1..delim.len().min(held.len() + chunk.len() + 1))
            .rev()
            .find(|&k| ends_with_joined(held, chunk, &delim[..k]))
            .unwrap_or(0)
    }

    /// Fail: no delimiter can end within max.
    #[cold]
    #[inline(never)]
    fn unterminated(&mut self, max: usize) -> Step {
        let e = Error::Unterminated {
            offset: self.start,
            max,
        };
        fail(&mut self.phase, e);
        Step::Failed
    }

    fn step_eof(&mut self, input: &mut &[u8], max: usize) -> Step {
        let held = if let Phase::Partial = self.phase {
            self.held.buf.len()
        } else {
            0
        };
        if held + input.len() > max {
            let e = Error::Overflow {
                offset: self.start,
                max,
            };
            fail(&mut self.phase, e);
            return Step::Failed;
        }
        self.phase = Phase::Partial;
        self.held.push(input);
        *input = &[];
        Step::More
    }
}

/// The bytes of the frame in progress, and the most ever held.
#[derive(Debug, Clone, Default)]
struct Held {
    buf: Vec<u8>,
    peak: usize,
}

impl Held {
    #[inline]
    fn push(&mut self, bytes: &[u8]) {
        if let [byte] = *bytes {
            // A chunk of one byte: no call to memcpy.
            self.buf.push(byte);
        } else {
            self.buf.extend_from_slice(bytes);
        }
        self.peak = self.peak.max(self.buf.len());
    }
}

/// Enter the failed phase and hand the error back.
fn fail(phase: &mut Phase, e: Error) -> Error {
    *phase = Phase::Failed(e.clone());
    e
}

/// Where the first `delim` that ends in `chunk` ends (an index into
/// `chunk`), where the bytes before `chunk` are `held`, which holds no whole
/// delimiter. Each hit of the delimiter's last byte is checked backwards,
/// across into `held` if need be; hits ascend, so the first match is the
/// leftmost delimiter. Linear: every byte is scanned once, and each hit
/// costs at most `delim.len()` comparisons.
#[inline(always)]
#[expect(clippy::inline_always, reason = "on every frame's path; see decode()")]
fn find_end(delim: &[u8], held: &[u8], chunk: &[u8]) -> Option<usize> {
    let (&last, before) = delim.split_last()?;
    if before.is_empty() {
        return find_byte(last, chunk).map(|at| at + 1);
    }
    let mut from = 0;
    while let Some(i) = find_byte(last, &chunk[from..]) {
        let at = from + i;
        if ends_with_joined(held, &chunk[..at], before) {
            return Some(at + 1);
        }
        from = at + 1;
    }
    None
}

/// Whether `held` followed by `chunk` ends with `tail`.
#[inline]
fn ends_with_joined(held: &[u8], chunk: &[u8], tail: &[u8]) -> bool {
    match tail.len().checked_sub(chunk.len()) {
        None => chunk.ends_with(tail),
        Some(in_held) => chunk == &tail[in_held..] && held.ends_with(&tail[..in_held]),
    }
}

/// The first `byte` in `hay`. Frames and chunks are often short, so the
/// first 64 bytes are searched inline, a word at a time (SWAR: a zero byte
/// of `word ^ pattern` is a match, and the lowest flagged byte is exact;
/// short tails are read as overlapping words, their overlap known clean);
/// memchr, whose dispatch costs more than a short scan, takes the rest.
#[inline(always)]
#[expect(clippy::inline_always, reason = "on every frame's path; see decode()")]
fn find_byte(byte: u8, hay: &[u8]) -> Option<usize> {
    let n = hay.len();
    if n < 8 {
        if n < 4 {
            return hay.iter().position(|&b| b == byte);
        }
        let (head, tail) = (&hay[..4], &hay[n - 4..]);
        return first_in_word(byte, head)
            .or_else(|| first_in_word(byte, tail).map(|at| n - 4 + at));
    }
    let mut done = 0;
    // Two words per step: one branch for both, then which one.
    for pair in hay.chunks_exact(16).take(4) {
        let (lo, hi) = (zero_flags(byte, &pair[..8]), zero_flags(byte, &pair[8..]));
        if lo | hi != 0 {
            let at = if lo != 0 {
                lo.trailing_zeros()
            } else {
                64 + hi.trailing_zeros()
            };
            // At most 127 / 8: the cast cannot truncate.
            return Some(done + (at / 8) as usize);
        }
        done += 16;
    }
    if done < 64 && n - done >= 8 {
        if let Some(at) = first_in_word(byte, &hay[done..done + 8]) {
            return Some(done + at);
        }
        done += 8;
    }
    match n - done {
        0 => None,
        1..8 => first_in_word(byte, &hay[n - 8..]).map(|at| n - 8 + at),
        _ => memchr::memchr(byte, &hay[done..]).map(|at| done + at),
    }
}

/// The SWAR match flags of the bytes of `word` (4 or 8 of them, as `highs`
/// says: their high bits): the high bit of each byte that equals `byte` is
/// set; bits above the lowest match may be spurious, the lowest is exact.
#[inline]
fn match_flags(byte: u8, word: u64, highs: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let x = word ^ (ONES * u64::from(byte));
    x.wrapping_sub(ONES) & !x & highs
}

/// [`match_flags`] of an 8-byte slice.
#[inline]
fn zero_flags(byte: u8, word: &[u8]) -> u64 {
    let word = u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
    match_flags(byte, word, 0x8080_8080_8080_8080)
}

/// The first `byte` in `word`, a slice of 4 or 8 bytes, by SWAR.
#[inline]
fn first_in_word(byte: u8, word: &[u8]) -> Option<usize> {
    let zeros = match *word {
        [a, b, c, d] => match_flags(
            byte,
            u64::from(u32::from_le_bytes([a, b, c, d])),
            0x8080_8080,
        ),
        _ => zero_flags(byte, word),
    };
    // At most 63 / 8: the cast cannot truncate.
    (zeros != 0).then(|| (zeros.trailing_zeros() / 8) as usize)
}

/// A frame length as a stream offset increment.
#[inline]
fn len64(n: usize) -> u64 {
    // usize is at most 64 bits on every supported target.
    n as u64
}

impl HeadRule {
    /// The most header bytes this rule can need.
    fn max_head(&self) -> usize {
        match self {
            HeadRule::Fixed(_) => 0,
            HeadRule::Len { offset, field, .. } => offset + field.max_width(),
            HeadRule::Tagged { table, .. } => {
                1 + table
                    .iter()
                    .flatten()
                    .map(|r| match r {
                        TagRule::Fixed(_) => 0,
                        TagRule::Len(f) => f.max_width(),
                    })
                    .max()
                    .unwrap_or(0)
            }
        }
    }

    /// Parse a header from the start of `bytes`: `None` if `bytes` is a
    /// prefix of a header, the frame's layout once it is whole.
    #[inline]
    fn parse(&self, bytes: &[u8], offset: u64) -> Result<Option<Head>, Error> {
        match *self {
            HeadRule::Fixed(n) => Ok(Some(Head {
                prefix: 0,
                body_start: 0,
                total: n,
            })),
            HeadRule::Len {
                offset: prefix,
                field,
                adjust,
                max,
            } => {
                let Some(rest) = bytes.get(prefix..) else {
                    return Ok(None);
                };
                let Some((declared, width)) = read_len(field, rest, offset)? else {
                    return Ok(None);
                };
                let payload = payload_len(declared, adjust, max, offset)?;
                Ok(Some(Head {
                    prefix,
                    body_start: prefix + width,
                    total: prefix + width + payload,
                }))
            }
            HeadRule::Tagged {
                ref table,
                adjust,
                max,
            } => {
                let Some(&tag) = bytes.first() else {
                    return Ok(None);
                };
                match table[usize::from(tag)] {
                    None => Err(Error::UnknownTag { offset, tag }),
                    Some(TagRule::Fixed(n)) => {
                        if n > max {
                            return Err(Error::TooLarge {
                                offset,
                                len: len64(n),
                                max,
                            });
                        }
                        Ok(Some(Head {
                            prefix: 1,
                            body_start: 1,
                            total: 1 + n,
                        }))
                    }
                    Some(TagRule::Len(field)) => {
                        let Some((declared, width)) = read_len(field, &bytes[1..], offset)? else {
                            return Ok(None);
                        };
                        let payload = payload_len(declared, adjust, max, offset)?;
                        Ok(Some(Head {
                            prefix: 1,
                            body_start: 1 + width,
                            total: 1 + width + payload,
                        }))
                    }
                }
            }
        }
    }
}

/// Read a length field from the start of `bytes`: `(value, width)`, or `None`
/// if `bytes` holds only part of it.
#[inline]
pub(crate) fn read_len(
    field: LenField,
    bytes: &[u8],
    offset: u64,
) -> Result<Option<(u64, usize)>, Error> {
    fn arr<const N: usize>(b: &[u8]) -> Option<[u8; N]> {
        b.get(..N).and_then(|s| s.try_into().ok())
    }
    let v = match field {
        LenField::U8 => bytes.first().map(|&b| (u64::from(b), 1)),
        LenField::U16Be => arr::<2>(bytes).map(|a| (u64::from(u16::from_be_bytes(a)), 2)),
        LenField::U16Le => arr::<2>(bytes).map(|a| (u64::from(u16::from_le_bytes(a)), 2)),
        LenField::U32Be => arr::<4>(bytes).map(|a| (u64::from(u32::from_be_bytes(a)), 4)),
        LenField::U32Le => arr::<4>(bytes).map(|a| (u64::from(u32::from_le_bytes(a)), 4)),
        LenField::U64Be => arr::<8>(bytes).map(|a| (u64::from_be_bytes(a), 8)),
        LenField::U64Le => arr::<8>(bytes).map(|a| (u64::from_le_bytes(a), 8)),
        LenField::Varint => return read_varint(bytes, offset),
    };
    Ok(v)
}

/// LEB128: 7 bits a byte, low group first; the tenth byte may carry only
/// bit 63, and a continuation bit on it is an overflow.
#[inline]
fn read_varint(bytes: &[u8], offset: u64) -> Result<Option<(u64, usize)>, Error> {
    let mut value: u64 = 0;
    for (i, &b) in bytes.iter().take(VARINT_MAX_BYTES).enumerate() {
        if i == VARINT_MAX_BYTES - 1 && b > 1 {
            return Err(Error::VarintOverflow { offset });
        }
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Ok(Some((value, i + 1)));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::{find_byte, find_end};

    /// The word-at-a-time search agrees with a plain scan for every
    /// haystack length around its word and 64-byte edges, every needle
    /// position, and needles whose bits trip naive SWAR (0x00, 0x80, 0xff).
    #[test]
    fn find_byte_matches_a_plain_scan() {
        for needle in [b'\n', 0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff] {
            for filler in [b'a', 0x00, 0x80, 0xff, needle ^ 1] {
                for len in 0..=150 {
                    let mut hay = vec![filler; len];
                    if filler == needle {
                        continue;
                    }
                    assert_eq!(find_byte(needle, &hay), None, "none in {len}");
                    for at in 0..len {
                        hay[at] = needle;
                        let want = hay.iter().position(|&b| b == needle);
                        assert_eq!(
                            find_byte(needle, &hay),
                            want,
                            "{needle:#x} at {at} of {len}"
                        );
                        // A second needle later must not hide the first.
                        if at + 3 < len {
                            hay[at + 3] = needle;
                            assert_eq!(
                                find_byte(needle, &hay),
                                want,
                                "two, first at {at} of {len}"
                            );
                            hay[at + 3] = filler;
                        }
                        hay[at] = filler;
                    }
                }
            }
        }
    }

    /// Scenarios for the delimiter scan: `held` then `chunk`, and where the
    /// first delimiter ends in `chunk`.
    #[test]
    fn find_end_table() {
        type Case = (
            &'static str,
            &'static [u8],
            &'static [u8],
            &'static [u8],
            Option<usize>,
        );
        let cases: &[Case] = &[
            ("one_byte", b"\n", b"", b"ab\ncd\n", Some(3)),
            ("crlf_whole_in_chunk", b"\r\n", b"", b"ab\r\n", Some(4)),
            (
                "crlf_lone_lf_is_payload",
                b"\r\n",
                b"",
                b"a\nb\r\n",
                Some(5),
            ),
            ("crlf_cut_after_cr", b"\r\n", b"ab\r", b"\nx", Some(1)),
            ("crlf_lf_without_held_cr", b"\r\n", b"ab", b"\nx", None),
            (
                "blank_line_cut_in_three",
                b"\r\n\r\n",
                b"h\r\n\r",
                b"\nrest",
                Some(1),
            ),
            (
                "blank_line_cut_early",
                b"\r\n\r\n",
                b"h\r",
                b"\n\r\nrest",
                Some(3),
            ),
            ("overlapping_prefix", b"aab", b"a", b"aab", Some(3)),
            ("overlapping_prefix_cut", b"aab", b"xa", b"ab", Some(2)),
            ("no_delimiter", b"\r\n\r\n", b"abc", b"\r\n\rx", None),
            ("empty_chunk", b"\r\n", b"a\r", b"", None),
        ];
        for &(name, delim, held, chunk, want) in cases {
            assert_eq!(find_end(delim, held, chunk), want, "{name}");
        }
    }
}
