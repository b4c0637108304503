//! An independent reference model of every framing kind: what a stream
//! *should* decode to, worked out from the whole stream at once, for the fuzz
//! bodies and the differential target to check the [`Decoder`](crate::Decoder)
//! against. Hidden: not part of the crate's API.
//!
//! It is written apart from the decoder on purpose and shares none of its
//! code: no state machine, no held buffer, no delimiter search, no length
//! reader. Each frame is found by slicing the rest of the stream and doing
//! arithmetic on it, as the spec module and the decoder's docs describe the
//! framing:
//!
//! | kind | a frame at `s` | an error |
//! |---|---|---|
//! | `fixed:N` | the next N bytes | none; fewer than N left is a cut body |
//! | `line`, `crlf`, `delim:D` | up to and including the first D that starts within `max` bytes of `s` | `Unterminated` once the bytes past `max` cannot be the start of D |
//! | length prefix | `offset` bytes, the field, then field + `adjust` payload bytes | `NegativeLength`, `TooLarge` (over `max`), `VarintOverflow` (no end byte in 10, or a value above 64 bits) |
//! | `tagged:` | the tag, then its fixed N bytes, or its field + `adjust` payload bytes | `UnknownTag`, `TooLarge` (a fixed N over `max` too) |
//! | `eof` | everything, at the end of the stream | `Overflow` past `max` |
//! | `digits:N`, `hex:N` | `offset` bytes, N digits (a value by `from_str_radix`), value + `adjust` payload bytes; all zeros without `adjust` a keep-alive | `LengthText` at the first byte that is no digit, `NegativeLength`, `TooLarge` |
//! | `pktline` | 4 lower-case hex digits; 0, 1, 2 special frames of 4 bytes; else value - 4 payload bytes | `LengthText` (a bad digit, `0003`), `TooLarge` |
//! | `netstring`, `declen:B` | the leading digits, the separator, that many payload bytes (then `,` for a netstring) | `LengthText` (leading zero, too many digits, no digits, bad byte), `TooLarge`, `Trailer` |
//! | `counted:` | the first delimiter within `min(max, 64 KiB)` bytes ends the line; a listed first word's count word, that many bytes and the delimiter follow | `Unterminated`, `LengthText`, `TooLarge`, `Trailer` |
//!
//! | `resp`, `resp2`, `resp:request` | one top-level value, read by recursive descent (`resp_model`) | `Resp` with the rule and the byte of the frame that broke it |
//!
//! With `first=`, the first frame is found under the inner spec, the rest under the main one.
//!
//! Errors are detected as soon as the bytes that prove them are present
//! (a bad header fails before its body arrives), and a stream that ends
//! inside a frame is [`Error::Truncated`] with the bytes of that frame and
//! the stage (header, body, delimiter) it stopped in.
//!
//! The effective `max` is worked out here too, from the table in the
//! [`spec`](crate::spec) docs, rather than taken from [`Spec::max`].
//!
//! ```
//! use framecheck_framing::model::{End, model};
//! let m = model(&"u32be,offset=1,adjust=-4".parse()?, b"Q\x00\x00\x00\x06hiQ\x00", true);
//! assert_eq!(m.frames.len(), 1);
//! assert_eq!((m.frames[0].head_len, m.frames[0].payload.clone()), (1, 5..7));
//! assert!(matches!(m.end, End::Failed(framecheck_framing::Error::Truncated { offset: 7, held: 2, .. })));
//! # Ok::<(), framecheck_framing::Error>(())
//! ```

mod http1;

use std::ops::Range;

use crate::resp::{DEFAULT_RESP_DEPTH, DEFAULT_RESP_ELEMENTS, DEFAULT_RESP_MAX, RespLimits};
use crate::resp_model::{self, Found};
use crate::spec::{
    DEFAULT_COUNTED_MAX, DEFAULT_EOF_MAX, DEFAULT_LEN_MAX, DEFAULT_LINE_MAX, Kind, LenField, Spec,
    TagRule,
};
use crate::{Error, Special, Stage, TextProblem};

/// One frame the model finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelFrame {
    /// Stream offset of its first byte.
    pub start: usize,
    /// Bytes before the length field: `offset`, or 1 for the tag.
    pub head_len: usize,
    /// Where the payload lies within the frame.
    pub payload: Range<usize>,
    /// Its length on the wire.
    pub len: usize,
    /// The reserved packet it is, if any.
    pub special: Option<Special>,
}

impl ModelFrame {
    /// The frame as `[start, head length, payload start, payload end, wire
    /// length, special]` (special: 0 for none, else 1 + its place in
    /// flush, delim, response-end, keep-alive), the record the fuzz bodies
    /// keep of a decoded frame.
    pub fn record(&self) -> [usize; 6] {
        [
            self.start,
            self.head_len,
            self.payload.start,
            self.payload.end,
            self.len,
            special_code(self.special),
        ]
    }

    /// The payload's bytes in `stream`.
    pub fn payload_in<'a>(&self, stream: &'a [u8]) -> &'a [u8] {
        &stream[self.start + self.payload.start..self.start + self.payload.end]
    }

    /// The head's bytes in `stream`.
    pub fn head_in<'a>(&self, stream: &'a [u8]) -> &'a [u8] {
        &stream[self.start..self.start + self.head_len]
    }

    /// The frame's wire bytes in `stream`.
    pub fn wire_in<'a>(&self, stream: &'a [u8]) -> &'a [u8] {
        &stream[self.start..self.start + self.len]
    }
}

/// How the stream ends after the model's frames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// The stream ended on a frame boundary.
    Clean,
    /// The stream has not ended; this many bytes of the next frame are
    /// there (0 at a frame boundary).
    Waiting {
        /// Bytes after the last frame.
        held: usize,
    },
    /// The stream breaks the framing, or ended inside a frame
    /// ([`Error::Truncated`]).
    Failed(Error),
}

/// What the model says about a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    /// Every complete frame, in order.
    pub frames: Vec<ModelFrame>,
    /// What follows them.
    pub end: End,
}

impl Model {
    /// Bytes taken by the frames: where the last one ends.
    pub fn consumed(&self) -> usize {
        self.frames.last().map_or(0, |f| f.start + f.len)
    }
}

/// A special's number in a frame record.
pub fn special_code(special: Option<Special>) -> usize {
    match special {
        None => 0,
        Some(Special::Flush) => 1,
        Some(Special::Delim) => 2,
        Some(Special::ResponseEnd) => 3,
        Some(Special::KeepAlive) => 4,
    }
}

/// Decode the whole `stream` under `spec`; `ended` says whether the stream
/// stops there (the peer closed) or more may follow.
pub fn model(spec: &Spec, stream: &[u8], ended: bool) -> Model {
    let Some(first) = &spec.first else {
        return model_one(spec, stream, ended);
    };
    // The first frame under the inner spec, then the main spec on the rest
    // (its offsets shifted by the first frame's length).
    let head = model_one(first, stream, ended);
    let Some(f) = head.frames.first().cloned() else {
        return head;
    };
    let mut rest = model(
        &Spec {
            first: None,
            ..spec.clone()
        },
        &stream[f.len..],
        ended,
    );
    for g in &mut rest.frames {
        g.start += f.len;
    }
    let shift = as_offset(f.len);
    rest.end = match rest.end {
        End::Failed(e) => End::Failed(e.shifted(shift)),
        other => other,
    };
    rest.frames.insert(0, f);
    rest
}

/// [`model`] for one spec, without `first=`.
fn model_one(spec: &Spec, stream: &[u8], ended: bool) -> Model {
    let max = effective_max(spec);
    let mut frames = Vec::new();
    if let Kind::Http1(h) = &spec.kind {
        return http1::model(h, max, stream, ended);
    }
    if let Kind::Eof = spec.kind {
        // One message: all of it, once the peer has closed.
        let end = if stream.len() > max {
            End::Failed(Error::Overflow { offset: 0, max })
        } else if ended {
            frames.push(ModelFrame {
                start: 0,
                head_len: 0,
                payload: 0..stream.len(),
                len: stream.len(),
                special: None,
            });
            End::Clean
        } else {
            End::Waiting { held: stream.len() }
        };
        return Model { frames, end };
    }
    let mut start = 0;
    let end = loop {
        let rest = &stream[start..];
        if rest.is_empty() {
            break if ended {
                End::Clean
            } else {
                End::Waiting { held: 0 }
            };
        }
        let offset = as_offset(start);
        match next_frame(spec, max, rest, offset) {
            Next::Frame {
                head_len,
                payload,
                len,
            } => {
                frames.push(ModelFrame {
                    start,
                    head_len,
                    payload,
                    len,
                    special: None,
                });
                start += len;
            }
            Next::Special(special, head_len, len) => {
                frames.push(ModelFrame {
                    start,
                    head_len,
                    payload: len..len,
                    len,
                    special: Some(special),
                });
                start += len;
            }
            Next::Short(stage) => {
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
            Next::Bad(e) => break End::Failed(e),
        }
    };
    Model { frames, end }
}

/// What the bytes at a frame boundary are.
enum Next {
    /// A whole frame (never empty on the wire).
    Frame {
        head_len: usize,
        payload: Range<usize>,
        len: usize,
    },
    /// A reserved packet: its kind, head length and wire length.
    Special(Special, usize, usize),
    /// The start of a frame, cut in this stage.
    Short(Stage),
    /// A framing error.
    Bad(Error),
}

/// The frame at the start of `rest` (non-empty), which lies at `offset`.
fn next_frame(spec: &Spec, max: usize, rest: &[u8], offset: u64) -> Next {
    match &spec.kind {
        Kind::Fixed(n) => {
            if rest.len() >= *n {
                Next::Frame {
                    head_len: 0,
                    payload: 0..*n,
                    len: *n,
                }
            } else {
                Next::Short(Stage::Body)
            }
        }
        Kind::Line => delimited(b"\n", max, rest, offset),
        Kind::Crlf => delimited(b"\r\n", max, rest, offset),
        Kind::Delim(d) => delimited(d, max, rest, offset),
        Kind::Len(field) => counted(*field, spec.offset, spec.adjust, max, rest, offset),
        Kind::Tagged(entries) => {
            let tag = rest[0];
            match entries.iter().find(|e| e.tag == tag).map(|e| e.rule) {
                None => Next::Bad(Error::UnknownTag { offset, tag }),
                Some(TagRule::Fixed(n)) if n > max => Next::Bad(Error::TooLarge {
                    offset,
                    len: u64::try_from(n).unwrap_or(u64::MAX),
                    max,
                }),
                Some(TagRule::Fixed(n)) if rest.len() > n => Next::Frame {
                    head_len: 1,
                    payload: 1..1 + n,
                    len: 1 + n,
                },
                Some(TagRule::Fixed(_)) => Next::Short(Stage::Body),
                Some(TagRule::Len(field)) => counted(field, 1, spec.adjust, max, rest, offset),
            }
        }
        Kind::Eof | Kind::Http1(_) => unreachable!("eof and http1 are modelled whole"),
        Kind::Digits(n) => digits(spec, 10, *n, max, rest, offset),
        Kind::Hex(n) => digits(spec, 16, *n, max, rest, offset),
        Kind::PktLine => pktline(max, rest, offset),
        Kind::Netstring => separated("netstring", b':', 9, max, rest, offset),
        Kind::DecLen(sep) => separated("declen", *sep, 10, max, rest, offset),
        Kind::Counted(c) => {
            let delim: &[u8] = if c.crlf { b"\r\n" } else { b"\n" };
            let line_max = max.min(DEFAULT_LINE_MAX);
            counted_line(&c.entries, delim, line_max, max, rest, offset)
        }
        Kind::Resp(r) => {
            let limits = RespLimits {
                max,
                elements: r.elements.unwrap_or(DEFAULT_RESP_ELEMENTS),
                depth: r.depth.unwrap_or(DEFAULT_RESP_DEPTH),
            };
            match resp_model::frame(r.mode, limits, rest) {
                Found::Frame { len, payload } => Next::Frame {
                    head_len: 0,
                    payload,
                    len,
                },
                Found::Short(stage) => Next::Short(stage),
                Found::Bad(error) => Next::Bad(Error::Resp { offset, error }),
            }
        }
    }
}

/// The problem a byte that is no digit poses, by its value.
fn no_digit(rule: &'static str, b: u8, offset: u64) -> Next {
    let problem = if b == b'+' || b == b'-' {
        TextProblem::Sign(b)
    } else if b == b' ' {
        TextProblem::Space
    } else if rule == "pkt-line" && (b'A'..=b'F').contains(&b) {
        TextProblem::UpperHex(b)
    } else {
        TextProblem::NotADigit(b)
    };
    text_error(rule, problem, offset)
}

fn text_error(rule: &'static str, problem: TextProblem, offset: u64) -> Next {
    Next::Bad(Error::LengthText {
        offset,
        rule,
        problem,
    })
}

/// Fixed-width digits after `offset` bytes.
fn digits(spec: &Spec, radix: u32, width: usize, max: usize, rest: &[u8], offset: u64) -> Next {
    let rule = if radix == 16 { "hex" } else { "digits" };
    let prefix = spec.offset;
    let text = rest.get(prefix..).unwrap_or_default();
    let text = &text[..text.len().min(width)];
    if let Some(&b) = text.iter().find(|b| !char::from(**b).is_digit(radix)) {
        return no_digit(rule, b, offset);
    }
    if text.len() < width {
        return Next::Short(Stage::Header);
    }
    let value = u64::from_str_radix(std::str::from_utf8(text).expect("ascii digits"), radix)
        .expect("at most 18 digits fit");
    if value == 0 && spec.adjust == 0 {
        return Next::Special(Special::KeepAlive, prefix, prefix + width);
    }
    counted_payload(
        prefix,
        prefix + width,
        value,
        spec.adjust,
        max,
        rest,
        offset,
    )
}

/// `prefix` head bytes, a length of `value` (plus `adjust`) at `body`.
fn counted_payload(
    prefix: usize,
    body: usize,
    value: u64,
    adjust: i64,
    max: usize,
    rest: &[u8],
    offset: u64,
) -> Next {
    let len = i128::from(value) + i128::from(adjust);
    if len < 0 {
        return Next::Bad(Error::NegativeLength {
            offset,
            declared: value,
            adjust,
        });
    }
    if len > i128::try_from(max).unwrap_or(i128::MAX) {
        return Next::Bad(Error::TooLarge {
            offset,
            len: u64::try_from(len).unwrap_or(u64::MAX),
            max,
        });
    }
    let payload = usize::try_from(len).expect("at most max");
    if rest.len() < body + payload {
        return Next::Short(Stage::Body);
    }
    Next::Frame {
        head_len: prefix,
        payload: body..body + payload,
        len: body + payload,
    }
}

/// git pkt-line.
fn pktline(max: usize, rest: &[u8], offset: u64) -> Next {
    let text = &rest[..rest.len().min(4)];
    if let Some(&b) = text
        .iter()
        .find(|b| !matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return no_digit("pkt-line", b, offset);
    }
    if text.len() < 4 {
        return Next::Short(Stage::Header);
    }
    let value =
        u64::from_str_radix(std::str::from_utf8(text).expect("ascii"), 16).expect("4 hex digits");
    match value {
        0 => Next::Special(Special::Flush, 0, 4),
        1 => Next::Special(Special::Delim, 0, 4),
        2 => Next::Special(Special::ResponseEnd, 0, 4),
        3 => text_error("pkt-line", TextProblem::Reserved(3), offset),
        v => counted_payload(0, 4, v, -4, max.min(65516), rest, offset),
    }
}

/// Leading decimal digits ended by `sep`: a netstring (then `,`) or a `declen:`.
fn separated(
    rule: &'static str,
    sep: u8,
    most: usize,
    max: usize,
    rest: &[u8],
    offset: u64,
) -> Next {
    let n = rest
        .iter()
        .take(most + 1)
        .take_while(|b| b.is_ascii_digit())
        .count();
    let netstring = rule == "netstring";
    // By position: a forbidden zero shows at byte 0 (declen) or 1
    // (netstring), too many digits at byte `most`, a bad byte after the digits.
    if n >= 1 && rest[0] == b'0' && (!netstring || n >= 2) {
        return text_error(rule, TextProblem::LeadingZero, offset);
    }
    if n > most {
        return text_error(rule, TextProblem::TooManyDigits(most), offset);
    }
    let Some(&after) = rest.get(n) else {
        return Next::Short(Stage::Header);
    };
    if after != sep {
        return no_digit(rule, after, offset);
    }
    if n == 0 {
        return text_error(rule, TextProblem::NoDigits, offset);
    }
    let value: u64 = std::str::from_utf8(&rest[..n])
        .expect("ascii")
        .parse()
        .expect("at most 10 digits");
    let trailer: &[u8] = if netstring { b"," } else { b"" };
    match counted_payload(0, n + 1, value, 0, max, rest, offset) {
        Next::Frame { payload, len, .. } => match rest.get(len..len + trailer.len()) {
            None => Next::Short(Stage::Body),
            Some(t) if t == trailer => Next::Frame {
                head_len: 0,
                payload,
                len: len + trailer.len(),
            },
            Some(_) => Next::Bad(Error::Trailer {
                offset,
                rule,
                expected: r#"",""#,
            }),
        },
        other => other,
    }
}

/// A `counted:` line and, if its first word is listed, its data block.
fn counted_line(
    entries: &[crate::CountEntry],
    delim: &[u8],
    line_max: usize,
    max: usize,
    rest: &[u8],
    offset: u64,
) -> Next {
    let d = delim.len();
    let window = &rest[..rest.len().min(line_max + d)];
    let Some(i) = window.windows(d).position(|w| w == delim) else {
        return if rest.len() >= line_max + d {
            Next::Bad(Error::Unterminated {
                offset,
                max: line_max,
            })
        } else {
            Next::Short(Stage::Header)
        };
    };
    let line = &rest[..i];
    let words: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
    let Some(entry) = entries.iter().find(|e| e.word == words[0]) else {
        return Next::Frame {
            head_len: 0,
            payload: 0..i,
            len: i + d,
        };
    };
    let Some(word) = words.get(entry.pos - 1) else {
        return text_error("counted", TextProblem::MissingCount(entry.pos), offset);
    };
    let n = word.iter().take_while(|b| b.is_ascii_digit()).count();
    if n > 10 {
        return text_error("counted", TextProblem::TooManyDigits(10), offset);
    }
    if n < word.len() {
        return no_digit("counted", word[n], offset);
    }
    if n == 0 {
        return text_error("counted", TextProblem::NoDigits, offset);
    }
    let value: u64 = std::str::from_utf8(word)
        .expect("ascii")
        .parse()
        .expect("at most 10 digits");
    match counted_payload(i, i + d, value, 0, max, rest, offset) {
        Next::Frame { payload, len, .. } => match rest.get(len..len + d) {
            None => Next::Short(Stage::Body),
            Some(t) if t == delim => Next::Frame {
                head_len: i,
                payload,
                len: len + d,
            },
            Some(_) => Next::Bad(Error::Trailer {
                offset,
                rule: "counted",
                expected: if d == 2 { r#""\r\n""# } else { r#""\n""# },
            }),
        },
        other => other,
    }
}

/// A delimited frame: the first occurrence of `delim` that starts within
/// `max` bytes ends it.
fn delimited(delim: &[u8], max: usize, rest: &[u8], offset: u64) -> Next {
    let d = delim.len();
    // Every start position a delimiter may have, left to right; the window
    // slides over the rest, never past max.
    let last_start = max.min(rest.len().saturating_sub(d));
    if rest.len() >= d {
        for i in 0..=last_start {
            if &rest[i..i + d] == delim {
                return Next::Frame {
                    head_len: 0,
                    payload: 0..i,
                    len: i + d,
                };
            }
        }
    }
    // No delimiter yet. The rest may end with the first bytes of one; any
    // byte before those is payload, and more than max of it is an error.
    let pending = (1..d)
        .rev()
        .find(|&k| k <= rest.len() && rest[rest.len() - k..] == delim[..k])
        .unwrap_or(0);
    if rest.len() - pending > max {
        Next::Bad(Error::Unterminated { offset, max })
    } else {
        Next::Short(Stage::Delimiter)
    }
}

/// A counted frame: `prefix` bytes, a length field, and its value plus
/// `adjust` bytes of payload.
fn counted(
    field: LenField,
    prefix: usize,
    adjust: i64,
    max: usize,
    rest: &[u8],
    offset: u64,
) -> Next {
    let Some(after_prefix) = rest.get(prefix..) else {
        return Next::Short(Stage::Header);
    };
    let (declared, width) = match field_value(field, after_prefix) {
        Field::Value(v, w) => (v, w),
        Field::Short => return Next::Short(Stage::Header),
        Field::Overflow => return Next::Bad(Error::VarintOverflow { offset }),
    };
    let len = i128::from(declared) + i128::from(adjust);
    if len < 0 {
        return Next::Bad(Error::NegativeLength {
            offset,
            declared,
            adjust,
        });
    }
    // `max` is at most 1 GiB, so a payload within it fits every usize.
    if len > i128::try_from(max).unwrap_or(i128::MAX) {
        return Next::Bad(Error::TooLarge {
            offset,
            len: u64::try_from(len).unwrap_or(u64::MAX),
            max,
        });
    }
    let payload = usize::try_from(len).expect("at most max");
    let body = prefix + width;
    if rest.len() < body + payload {
        return Next::Short(Stage::Body);
    }
    Next::Frame {
        head_len: prefix,
        payload: body..body + payload,
        len: body + payload,
    }
}

/// A length field read from the front of some bytes.
enum Field {
    /// Its value and width.
    Value(u64, usize),
    /// Only part of it is there.
    Short,
    /// A varint with no end byte in its first ten, or above 64 bits.
    Overflow,
}

fn field_value(field: LenField, bytes: &[u8]) -> Field {
    let (width, big_endian) = match field {
        LenField::U8 => (1, true),
        LenField::U16Be => (2, true),
        LenField::U16Le => (2, false),
        LenField::U32Be => (4, true),
        LenField::U32Le => (4, false),
        LenField::U64Be => (8, true),
        LenField::U64Le => (8, false),
        LenField::Varint => return varint(bytes),
    };
    let Some(raw) = bytes.get(..width) else {
        return Field::Short;
    };
    // Most significant byte first: as written for big-endian, reversed for little.
    let mut value: u64 = 0;
    for i in 0..width {
        let b = if big_endian {
            raw[i]
        } else {
            raw[width - 1 - i]
        };
        value = value * 256 + u64::from(b);
    }
    Field::Value(value, width)
}

/// LEB128 by arithmetic: the bytes up to the first one below 0x80 (at most
/// ten of them) are base-128 digits, least significant first; the value
/// must fit 64 bits.
fn varint(bytes: &[u8]) -> Field {
    const MOST: usize = 10;
    let Some(last) = bytes.iter().take(MOST).position(|&b| b < 0x80) else {
        return if bytes.len() >= MOST {
            Field::Overflow
        } else {
            Field::Short
        };
    };
    let mut value: u128 = 0;
    for &b in bytes[..=last].iter().rev() {
        value = value * 128 + u128::from(b & 0x7f);
    }
    match u64::try_from(value) {
        Ok(v) => Field::Value(v, last + 1),
        Err(_) => Field::Overflow,
    }
}

/// The effective maximum payload, from the spec module's table: an explicit
/// `max`, else the kind's default (a length prefix's capped at what its
/// field, adjusted, can say, and at least 1).
fn effective_max(spec: &Spec) -> usize {
    if let Some(max) = spec.max {
        return max;
    }
    match &spec.kind {
        Kind::Fixed(n) => *n,
        Kind::Line | Kind::Crlf | Kind::Delim(_) => DEFAULT_LINE_MAX,
        Kind::Len(field) => {
            let field_max: i128 = match field {
                LenField::U8 => 0xff,
                LenField::U16Be | LenField::U16Le => 0xffff,
                LenField::U32Be | LenField::U32Le => 0xffff_ffff,
                LenField::U64Be | LenField::U64Le | LenField::Varint => i128::from(u64::MAX),
            };
            let most = (field_max + i128::from(spec.adjust))
                .clamp(1, i128::try_from(DEFAULT_LEN_MAX).unwrap_or(i128::MAX));
            usize::try_from(most).expect("at most 16 MiB")
        }
        Kind::Tagged(_) | Kind::Netstring | Kind::DecLen(_) | Kind::Http1(_) => DEFAULT_LEN_MAX,
        Kind::Eof => DEFAULT_EOF_MAX,
        Kind::PktLine => 65516,
        Kind::Counted(_) => DEFAULT_COUNTED_MAX,
        Kind::Resp(_) => DEFAULT_RESP_MAX,
        Kind::Digits(n) | Kind::Hex(n) => {
            let radix: i128 = if matches!(spec.kind, Kind::Hex(_)) {
                16
            } else {
                10
            };
            let widest = (0..*n).fold(1i128, |acc, _| acc * radix) - 1;
            let most = (widest + i128::from(spec.adjust))
                .clamp(1, i128::try_from(DEFAULT_LEN_MAX).unwrap_or(i128::MAX));
            usize::try_from(most).expect("at most 16 MiB")
        }
    }
}

/// A stream position as an error's offset.
fn as_offset(n: usize) -> u64 {
    u64::try_from(n).expect("stream positions fit u64")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(m: &Model, stream: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
        m.frames
            .iter()
            .map(|f| (f.head_in(stream).to_vec(), f.payload_in(stream).to_vec()))
            .collect()
    }

    /// Scenarios worked out by hand from the spec table, one per rule.
    #[test]
    #[expect(clippy::too_many_lines, reason = "a flat table of scenarios")]
    fn model_table() {
        type Row = (
            &'static str,
            &'static str,
            &'static [u8],
            &'static [(&'static [u8], &'static [u8])],
            End,
        );
        let trunc = |offset, held, stage| {
            End::Failed(Error::Truncated {
                offset,
                held,
                stage,
            })
        };
        let table: Vec<Row> = vec![
            (
                "fixed_two_and_a_bit",
                "fixed:2",
                b"abcde",
                &[(b"", b"ab"), (b"", b"cd")],
                trunc(4, 1, Stage::Body),
            ),
            (
                "fixed_exact",
                "fixed:3",
                b"abc",
                &[(b"", b"abc")],
                End::Clean,
            ),
            (
                "line_empty_frames",
                "line",
                b"\n\na\n",
                &[(b"", b""), (b"", b""), (b"", b"a")],
                End::Clean,
            ),
            (
                "line_tail",
                "line",
                b"a\nbc",
                &[(b"", b"a")],
                trunc(2, 2, Stage::Delimiter),
            ),
            (
                "line_at_max",
                "line,max=3",
                b"abc\nabcd\n",
                &[(b"", b"abc")],
                End::Failed(Error::Unterminated { offset: 4, max: 3 }),
            ),
            (
                "crlf_lone_lf",
                "crlf",
                b"a\nb\r\n",
                &[(b"", b"a\nb")],
                End::Clean,
            ),
            (
                "crlf_cr_past_max_pending",
                "crlf,max=3",
                b"abc\r",
                &[],
                trunc(0, 4, Stage::Delimiter),
            ),
            (
                "crlf_two_past_max",
                "crlf,max=3",
                b"abc\r\r",
                &[],
                End::Failed(Error::Unterminated { offset: 0, max: 3 }),
            ),
            (
                "delim_overlap",
                "delim:aab",
                b"aaabx",
                &[(b"", b"a")],
                trunc(4, 1, Stage::Delimiter),
            ),
            (
                "u16be",
                "u16be",
                b"\x00\x02hi\x00\x00",
                &[(b"", b"hi"), (b"", b"")],
                End::Clean,
            ),
            ("u16le", "u16le", b"\x02\x00hi", &[(b"", b"hi")], End::Clean),
            (
                "u32le",
                "u32le",
                b"\x01\x00\x00\x00z\x01\x00",
                &[(b"", b"z")],
                trunc(5, 2, Stage::Header),
            ),
            (
                "u64be_huge",
                "u64be",
                &[0xff; 8],
                &[],
                End::Failed(Error::TooLarge {
                    offset: 0,
                    len: u64::MAX,
                    max: DEFAULT_LEN_MAX,
                }),
            ),
            (
                "u8_default_max_adjusted",
                "u8,adjust=+1",
                b"\xff",
                &[],
                trunc(0, 1, Stage::Body),
            ),
            (
                "postgres",
                "u32be,offset=1,adjust=-4",
                b"Q\x00\x00\x00\x06hiX\x00\x00\x00\x03",
                &[(b"Q", b"hi")],
                End::Failed(Error::NegativeLength {
                    offset: 7,
                    declared: 3,
                    adjust: -4,
                }),
            ),
            (
                "adjust_plus_one",
                "u8,adjust=+1",
                b"\x01ab",
                &[(b"", b"ab")],
                End::Clean,
            ),
            (
                "over_max",
                "u16be,max=2",
                b"\x00\x03abc",
                &[],
                End::Failed(Error::TooLarge {
                    offset: 0,
                    len: 3,
                    max: 2,
                }),
            ),
            (
                "offset_cut",
                "u8,offset=3",
                b"ab",
                &[],
                trunc(0, 2, Stage::Header),
            ),
            (
                "mqtt_varint",
                "varint,offset=1",
                b"\x30\x80\x01",
                &[],
                trunc(0, 3, Stage::Body),
            ),
            (
                "varint_non_minimal_two",
                "varint",
                b"\x82\x00ab",
                &[(b"", b"ab")],
                End::Clean,
            ),
            (
                "varint_ten_bytes",
                "varint,max=1",
                b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",
                &[],
                End::Failed(Error::TooLarge {
                    offset: 0,
                    len: u64::MAX,
                    max: 1,
                }),
            ),
            (
                "varint_overflow",
                "varint",
                b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x02",
                &[],
                End::Failed(Error::VarintOverflow { offset: 0 }),
            ),
            (
                "varint_no_end",
                "varint",
                b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80",
                &[],
                End::Failed(Error::VarintOverflow { offset: 0 }),
            ),
            (
                "varint_nine_cont",
                "varint",
                b"\x80\x80\x80\x80\x80\x80\x80\x80\x80",
                &[],
                trunc(0, 9, Stage::Header),
            ),
            (
                "varint_non_minimal",
                "varint",
                b"\x81\x00z",
                &[(b"", b"z")],
                End::Clean,
            ),
            (
                "tagged",
                "tagged:A=2/V=u16be",
                b"Axy\x56\x00\x01zA",
                &[(b"A", b"xy"), (b"V", b"z")],
                trunc(7, 1, Stage::Body),
            ),
            (
                "tagged_zero",
                "tagged:A=0",
                b"AA",
                &[(b"A", b""), (b"A", b"")],
                End::Clean,
            ),
            (
                "tagged_unknown",
                "tagged:A=1",
                b"AxB",
                &[(b"A", b"x")],
                End::Failed(Error::UnknownTag {
                    offset: 2,
                    tag: b'B',
                }),
            ),
            (
                "tagged_fixed_over_max",
                "tagged:A=5,max=4",
                b"A",
                &[],
                End::Failed(Error::TooLarge {
                    offset: 0,
                    len: 5,
                    max: 4,
                }),
            ),
            (
                "tagged_adjust_len_only",
                "tagged:A=1/P=u8,adjust=-1",
                b"Ax\x50\x03ab",
                &[(b"A", b"x"), (b"P", b"ab")],
                End::Clean,
            ),
            (
                "tagged_header_cut",
                "tagged:V=u32be",
                b"V\x00",
                &[],
                trunc(0, 2, Stage::Header),
            ),
            ("eof", "eof", b"body", &[(b"", b"body")], End::Clean),
            ("eof_empty", "eof", b"", &[(b"", b"")], End::Clean),
            (
                "eof_over",
                "eof,max=3",
                b"body",
                &[],
                End::Failed(Error::Overflow { offset: 0, max: 3 }),
            ),
        ];
        for (name, spec, stream, want_frames, want_end) in table {
            let spec: Spec = spec.parse().expect(name);
            let m = model(&spec, stream, true);
            let want: Vec<(Vec<u8>, Vec<u8>)> = want_frames
                .iter()
                .map(|(h, p)| (h.to_vec(), p.to_vec()))
                .collect();
            assert_eq!(frames(&m, stream), want, "{name}: frames");
            assert_eq!(m.end, want_end, "{name}: end");
        }
    }

    /// Without the end of the stream, the same frames, and the bytes after
    /// them are waiting instead of truncated; errors stay errors.
    #[test]
    fn not_ended_waits() {
        let table: &[(&str, &[u8], usize, usize)] = &[
            ("fixed:2", b"abc", 1, 1),
            ("crlf", b"a\r\nb\r", 1, 2),
            ("u16be", b"\x00\x01a\x00", 1, 1),
            ("u16be", b"\x00\x01a", 1, 0),
            ("varint", b"\x80", 0, 1),
            ("eof", b"abc", 0, 3),
        ];
        for (spec, stream, n, held) in table {
            let spec: Spec = spec.parse().expect("spec");
            let m = model(&spec, stream, false);
            assert_eq!(
                (m.frames.len(), &m.end),
                (*n, &End::Waiting { held: *held }),
                "{spec}"
            );
        }
        let m = model(&"u8,max=1".parse().expect("spec"), b"\x02", false);
        assert_eq!(
            m.end,
            End::Failed(Error::TooLarge {
                offset: 0,
                len: 2,
                max: 1
            })
        );
    }

    /// The model's own reading of the default `max` agrees with the spec's.
    #[test]
    fn effective_max_follows_the_table() {
        for text in [
            "fixed:7",
            "line",
            "crlf",
            "delim:xy",
            "u8",
            "u8,adjust=+1",
            "u8,adjust=-300",
            "u16le,adjust=-4",
            "u32be",
            "u64le",
            "varint",
            "varint,adjust=-5",
            "tagged:A=1",
            "eof",
            "u16be,max=9",
        ] {
            let spec: Spec = text.parse().expect(text);
            assert_eq!(effective_max(&spec), spec.max(), "{text}");
        }
    }
}
