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

use memchr::memmem;

use crate::spec::{Kind, LenField, Spec, TagRule};
use crate::{Error, FrameRef, Stage};

/// The most bytes a LEB128 varint length may take.
pub const VARINT_MAX_BYTES: usize = 10;

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
    /// Reused for delimiters cut across chunks.
    scratch: Vec<u8>,
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

/// The immutable per-strategy configuration.
#[derive(Debug, Clone)]
#[expect(
    clippy::large_enum_variant,
    reason = "one per decoder, never moved in a hot path"
)]
enum Rule {
    /// Fixed, length-prefixed and tagged frames: a header that says the length.
    Headed(HeadRule),
    Delimited {
        delim: Vec<u8>,
        finder: memmem::Finder<'static>,
        max: usize,
    },
    Eof {
        max: usize,
    },
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
                Rule::Delimited {
                    finder: memmem::Finder::new(&delim).into_owned(),
                    delim,
                    max,
                }
            }
            Kind::Eof => Rule::Eof { max },
        };
        Decoder {
            rule,
            phase: Phase::Idle,
            held: Held::default(),
            start: 0,
            scratch: Vec::new(),
        }
    }

    /// Bytes consumed by complete frames so far (the stream offset of the
    /// current frame's first byte).
    pub fn consumed(&self) -> u64 {
        self.start
    }

    /// Bytes of the current, incomplete frame held from earlier chunks.
    pub fn held(&self) -> usize {
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
        self.held.peak
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
    pub fn decode<'s, 'i: 's>(
        &'s mut self,
        input: &mut &'i [u8],
    ) -> Result<Option<FrameRef<'s>>, Error> {
        match self.phase {
            Phase::Failed(ref e) => return Err(e.clone()),
            Phase::Idle | Phase::Ended => {
                if input.is_empty() {
                    return Ok(None);
                }
                self.held.buf.clear();
                self.phase = Phase::Idle;
            }
            _ => {}
        }
        match self.rule {
            Rule::Headed(_) => self.decode_headed(input),
            Rule::Delimited { .. } => self.decode_delimited(input),
            Rule::Eof { max } => self.decode_eof(input, max).map(|()| None),
        }
    }

    /// The end of the stream: the `eof` message, `None` at a frame boundary,
    /// or [`Error::Truncated`] when the stream stopped inside a frame.
    pub fn finish(&mut self) -> Result<Option<FrameRef<'_>>, Error> {
        let stage = match (&self.phase, &self.rule) {
            (Phase::Failed(e), _) => return Err(e.clone()),
            (Phase::Idle | Phase::Partial, Rule::Eof { .. }) => {
                if matches!(self.phase, Phase::Idle) {
                    self.held.buf.clear();
                }
                self.phase = Phase::Ended;
                let len = self.held.buf.len();
                self.start += len64(len);
                return Ok(Some(FrameRef::new(&self.held.buf, 0, 0..len)));
            }
            (Phase::Ended | Phase::Idle, _) => return Ok(None),
            (Phase::Header, _) => Stage::Header,
            (Phase::Body(_), _) => Stage::Body,
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

    fn decode_headed<'s, 'i: 's>(
        &'s mut self,
        input: &mut &'i [u8],
    ) -> Result<Option<FrameRef<'s>>, Error> {
        let Rule::Headed(rule) = &self.rule else {
            unreachable!("decode_headed is only called for headed rules")
        };
        let chunk: &'i [u8] = input;
        let phase = &mut self.phase;
        if let Phase::Idle = phase {
            // Fast path: parse the header straight from the chunk.
            match rule.parse(chunk, self.start).map_err(|e| fail(phase, e))? {
                Some(h) if chunk.len() >= h.total => {
                    let (wire, rest) = chunk.split_at(h.total);
                    *input = rest;
                    self.start += len64(h.total);
                    return Ok(Some(FrameRef::new(wire, h.prefix, h.body_start..h.total)));
                }
                Some(h) => {
                    // `parse` checked the payload against max; even so, reserve
                    // no more than has arrived plus one step, so a header that
                    // claims the max and then stops costs no more memory than
                    // the bytes it really sent.
                    self.held
                        .buf
                        .reserve(h.total.min(chunk.len() + RESERVE_STEP));
                    *phase = Phase::Body(h);
                }
                None => *phase = Phase::Header,
            }
            self.held.push(chunk);
            *input = &[];
            return Ok(None);
        }
        let held = &mut self.held;
        if let Phase::Header = phase {
            let before = held.buf.len();
            let take = rule.max_head().saturating_sub(before).min(chunk.len());
            held.push(&chunk[..take]);
            let parsed = rule.parse(&held.buf, self.start).map_err(|e| {
                // The bytes just pushed are held now: take them from the
                // chunk so that consumed + held + unread stays the input.
                *input = &chunk[take..];
                fail(phase, e)
            })?;
            match parsed {
                None => {
                    *input = &chunk[take..];
                    return Ok(None);
                }
                Some(h) => {
                    // Give back to the chunk what lies beyond this frame (after
                    // a short varint or an empty body).
                    let kept = take - held.buf.len().saturating_sub(h.total);
                    held.buf.truncate(before + kept);
                    *input = &chunk[kept..];
                    held.buf
                        .reserve((h.total - held.buf.len()).min(RESERVE_STEP));
                    *phase = Phase::Body(h);
                }
            }
        }
        let Phase::Body(h) = *phase else {
            unreachable!("the header phase ends in the body phase")
        };
        let chunk: &'i [u8] = input;
        let take = (h.total - held.buf.len()).min(chunk.len());
        held.push(&chunk[..take]);
        *input = &chunk[take..];
        if held.buf.len() < h.total {
            return Ok(None);
        }
        *phase = Phase::Idle;
        self.start += len64(h.total);
        Ok(Some(FrameRef::new(
            &held.buf,
            h.prefix,
            h.body_start..h.total,
        )))
    }

    fn decode_delimited<'s, 'i: 's>(
        &'s mut self,
        input: &mut &'i [u8],
    ) -> Result<Option<FrameRef<'s>>, Error> {
        let Rule::Delimited { delim, finder, max } = &self.rule else {
            unreachable!("decode_delimited is only called for delimited rules")
        };
        let (d, max) = (delim.len(), *max);
        let chunk: &'i [u8] = input;
        let held = if let Phase::Partial = self.phase {
            self.held.buf.len()
        } else {
            0
        };
        let unterminated = Error::Unterminated {
            offset: self.start,
            max,
        };
        // 1. A delimiter that starts in the held bytes and ends in this chunk.
        let mut end = None;
        if held > 0 && d > 1 {
            let tail = (d - 1).min(held);
            let lead = (d - 1).min(chunk.len());
            self.scratch.clear();
            self.scratch
                .extend_from_slice(&self.held.buf[held - tail..]);
            self.scratch.extend_from_slice(&chunk[..lead]);
            if let Some(at) = finder.find(&self.scratch).filter(|at| *at < tail) {
                if held - tail + at > max {
                    return Err(fail(&mut self.phase, unterminated));
                }
                end = Some(at + d - tail);
            }
        }
        // 2. A delimiter wholly inside the chunk. It must end within max + d
        // bytes of the frame start, so the scan stops there.
        let limit = (max + d).saturating_sub(held).min(chunk.len());
        if end.is_none() {
            let found = if d == 1 {
                memchr::memchr(delim[0], &chunk[..limit])
            } else {
                finder.find(&chunk[..limit])
            };
            if let Some(at) = found {
                if held == 0 {
                    *input = &chunk[at + d..];
                    self.start += len64(at + d);
                    return Ok(Some(FrameRef::new(&chunk[..at + d], 0, 0..at)));
                }
                end = Some(at + d);
            }
        }
        if let Some(end) = end {
            self.held.push(&chunk[..end]);
            *input = &chunk[end..];
            self.phase = Phase::Idle;
            let len = self.held.buf.len();
            self.start += len64(len);
            return Ok(Some(FrameRef::new(&self.held.buf, 0, 0..len - d)));
        }
        // 3. No delimiter yet: fail as soon as none can start within max.
        if limit < chunk.len() || held + chunk.len() - self.pending_delimiter(chunk) > max {
            return Err(fail(&mut self.phase, unterminated));
        }
        self.phase = Phase::Partial;
        self.held.push(chunk);
        *input = &[];
        Ok(None)
    }

    /// The length of the longest suffix of (held bytes + `chunk`) that is a
    /// proper prefix of the delimiter: bytes that may yet start one.
    fn pending_delimiter(&self, chunk: &[u8]) -> usize {
        let Rule::Delimited { delim, .. } = &self.rule else {
            return 0;
        };
        let held: &[u8] = if let Phase::Partial = self.phase {
            &self.held.buf
        } else {
            &[]
        };
        let total = held.len() + chunk.len();
        let at = |i: usize| {
            if i < held.len() {
                held[i]
            } else {
                chunk[i - held.len()]
            }
        };
        (1..delim.len().min(total + 1))
            .rev()
            .find(|&k| (0..k).all(|j| at(total - k + j) == delim[j]))
            .unwrap_or(0)
    }

    fn decode_eof(&mut self, input: &mut &[u8], max: usize) -> Result<(), Error> {
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
            return Err(fail(&mut self.phase, e));
        }
        self.phase = Phase::Partial;
        self.held.push(input);
        *input = &[];
        Ok(())
    }
}

/// The bytes of the frame in progress, and the most ever held.
#[derive(Debug, Clone, Default)]
struct Held {
    buf: Vec<u8>,
    peak: usize,
}

impl Held {
    fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
        self.peak = self.peak.max(self.buf.len());
    }
}

/// Enter the failed phase and hand the error back.
fn fail(phase: &mut Phase, e: Error) -> Error {
    *phase = Phase::Failed(e.clone());
    e
}

/// A frame length as a stream offset increment.
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

/// Apply `adjust` to a declared length and check it against `max`.
fn payload_len(declared: u64, adjust: i64, max: usize, offset: u64) -> Result<usize, Error> {
    let len = i128::from(declared) + i128::from(adjust);
    if len < 0 {
        return Err(Error::NegativeLength {
            offset,
            declared,
            adjust,
        });
    }
    match usize::try_from(len) {
        Ok(n) if n <= max => Ok(n),
        _ => Err(Error::TooLarge {
            offset,
            len: u64::try_from(len).unwrap_or(u64::MAX),
            max,
        }),
    }
}
