//! Lengths written as text: the header parsers of `digits:N`, `hex:N`,
//! `pktline`, `netstring`, `declen:` and `counted:`, shared by the decoder
//! (which runs them on the bytes of a frame so far) and the encoder (which
//! writes their digits).
//!
//! [`TextRule::parse`] looks at the first bytes of a frame and says one of:
//! more bytes are needed (every proper prefix of a valid header), the
//! header's error (found at the first byte that proves it, so the answer is
//! the same however the bytes arrived), or the frame's layout. Digits are
//! counted before any value is formed, so no header is longer than
//! [`TextRule::max_head`] and no arithmetic can overflow.
//!
//! ```text
//! digits:5      0 0 0 0 5 h e l l o          pktline      0 0 0 9 h e l l o   0 0 0 0
//!               └ length ┘└ payload ┘                     └ 9 ──┘└ 5 bytes┘   └flush┘
//! netstring     5 : h e l l o ,              syslog       1 1 ␠ < 3 4 > 1 ␠ x ␠ y ␠ z
//!               └┘  └ payload ┘└ trailer                   └─┘ └── 11 bytes ─────────┘
//! counted:crlf/set=5     s e t ␠ k ␠ 0 ␠ 0 ␠ 5 ␍ ␊ h e l l o ␍ ␊
//!                        └ head: word 5 is the count ┘ └payload┘└trailer
//! ```

use crate::Error;
use crate::error::TextProblem;
use crate::frame::Special;
use crate::spec::{
    Counted, DECLEN_MAX_DIGITS, Kind, NETSTRING_MAX_DIGITS, PKTLINE_MAX, Spec, payload_len,
};

/// The immutable configuration of a text-length rule.
#[derive(Debug, Clone)]
pub(crate) enum TextRule {
    /// `digits:N` or `hex:N`.
    Digits {
        offset: usize,
        width: usize,
        hex: bool,
        adjust: i64,
        max: usize,
    },
    /// git pkt-line.
    PktLine { max: usize },
    /// djb netstrings.
    Netstring { max: usize },
    /// A decimal length ended by `sep`.
    DecLen { sep: u8, max: usize },
    /// Lines that may count a data block.
    Counted {
        counted: Counted,
        line_max: usize,
        max: usize,
    },
}

/// The layout of a text-length frame whose header is whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TextHead {
    /// `head_len` of the frame (with a special's code in its top byte).
    pub(crate) head: usize,
    /// Where the payload starts.
    pub(crate) body_start: usize,
    /// Where the payload ends; the bytes from here to `total` are the trailer.
    pub(crate) payload_end: usize,
    /// The whole frame.
    pub(crate) total: usize,
}

impl TextRule {
    /// The rule for a text kind, `None` for the others.
    pub(crate) fn new(spec: &Spec) -> Option<TextRule> {
        let max = spec.max();
        Some(match &spec.kind {
            Kind::Digits(n) | Kind::Hex(n) => TextRule::Digits {
                offset: spec.offset,
                width: *n,
                hex: matches!(spec.kind, Kind::Hex(_)),
                adjust: spec.adjust,
                max,
            },
            Kind::PktLine => TextRule::PktLine { max },
            Kind::Netstring => TextRule::Netstring { max },
            Kind::DecLen(sep) => TextRule::DecLen { sep: *sep, max },
            Kind::Counted(c) => TextRule::Counted {
                counted: c.clone(),
                line_max: spec.line_max(),
                max,
            },
            _ => return None,
        })
    }

    /// The rule's name in error messages.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            TextRule::Digits { hex: false, .. } => "digits",
            TextRule::Digits { hex: true, .. } => "hex",
            TextRule::PktLine { .. } => "pkt-line",
            TextRule::Netstring { .. } => "netstring",
            TextRule::DecLen { .. } => "declen",
            TextRule::Counted { .. } => "counted",
        }
    }

    /// The most bytes a header can take before it parses or fails.
    pub(crate) fn max_head(&self) -> usize {
        match self {
            TextRule::Digits { offset, width, .. } => offset + width,
            TextRule::PktLine { .. } => 4,
            TextRule::Netstring { .. } => NETSTRING_MAX_DIGITS + 1,
            TextRule::DecLen { .. } => DECLEN_MAX_DIGITS + 1,
            TextRule::Counted {
                counted, line_max, ..
            } => line_max + counted.delimiter().len(),
        }
    }

    /// The bytes that must follow the payload.
    pub(crate) fn trailer(&self) -> &'static [u8] {
        match self {
            TextRule::Netstring { .. } => b",",
            TextRule::Counted { counted, .. } => counted.delimiter(),
            _ => b"",
        }
    }

    /// The trailer error of the frame at `offset`.
    #[cold]
    pub(crate) fn trailer_error(&self, offset: u64) -> Error {
        Error::Trailer {
            offset,
            rule: self.name(),
            expected: match self {
                TextRule::Counted { counted, .. } if counted.crlf => r#""\r\n""#,
                TextRule::Counted { .. } => r#""\n""#,
                _ => r#"",""#,
            },
        }
    }

    #[cold]
    fn err(&self, offset: u64, problem: TextProblem) -> Error {
        Error::LengthText {
            offset,
            rule: self.name(),
            problem,
        }
    }

    /// The problem of a byte where a digit belongs.
    fn bad_digit(&self, offset: u64, b: u8) -> Error {
        let problem = match b {
            b'+' | b'-' => TextProblem::Sign(b),
            b' ' => TextProblem::Space,
            b'A'..=b'F' if matches!(self, TextRule::PktLine { .. }) => TextProblem::UpperHex(b),
            _ => TextProblem::NotADigit(b),
        };
        self.err(offset, problem)
    }

    /// Parse the header at the start of `bytes` (a frame's first bytes):
    /// `None` while they are a proper prefix of a header. `scanned` is how
    /// many leading bytes an earlier call saw without a line's end (for
    /// `counted:`, whose line search resumes there).
    pub(crate) fn parse(
        &self,
        bytes: &[u8],
        offset: u64,
        scanned: usize,
    ) -> Result<Option<TextHead>, Error> {
        match *self {
            TextRule::Digits {
                offset: prefix,
                width,
                hex,
                adjust,
                max,
            } => {
                let digits = bytes.get(prefix..).unwrap_or(&[]);
                let digits = &digits[..digits.len().min(width)];
                let mut value: u64 = 0;
                // At most 18 decimal or 15 hex digits: no overflow.
                if hex {
                    for &b in digits {
                        let d = match b {
                            b'0'..=b'9' => b - b'0',
                            b'a'..=b'f' => b - b'a' + 10,
                            b'A'..=b'F' => b - b'A' + 10,
                            _ => return Err(self.bad_digit(offset, b)),
                        };
                        value = value * 16 + u64::from(d);
                    }
                } else {
                    for &b in digits {
                        let d = b.wrapping_sub(b'0');
                        if d > 9 {
                            return Err(self.bad_digit(offset, b));
                        }
                        value = value * 10 + u64::from(d);
                    }
                }
                if digits.len() < width {
                    return Ok(None);
                }
                let body_start = prefix + width;
                if value == 0 && adjust == 0 {
                    return Ok(Some(TextHead {
                        head: Special::KeepAlive.tag_head(prefix),
                        body_start,
                        payload_end: body_start,
                        total: body_start,
                    }));
                }
                let payload = payload_len(value, adjust, max, offset)?;
                Ok(Some(TextHead {
                    head: prefix,
                    body_start,
                    payload_end: body_start + payload,
                    total: body_start + payload,
                }))
            }
            TextRule::PktLine { max } => {
                let digits = &bytes[..bytes.len().min(4)];
                let mut value: u64 = 0;
                for &b in digits {
                    let d = match b {
                        b'0'..=b'9' => b - b'0',
                        b'a'..=b'f' => b - b'a' + 10,
                        _ => return Err(self.bad_digit(offset, b)),
                    };
                    value = value * 16 + u64::from(d);
                }
                if digits.len() < 4 {
                    return Ok(None);
                }
                let special = match value {
                    0 => Special::Flush,
                    1 => Special::Delim,
                    2 => Special::ResponseEnd,
                    3 => return Err(self.err(offset, TextProblem::Reserved(3))),
                    _ => {
                        let payload = payload_len(value, -4, max.min(PKTLINE_MAX), offset)?;
                        return Ok(Some(TextHead {
                            head: 0,
                            body_start: 4,
                            payload_end: 4 + payload,
                            total: 4 + payload,
                        }));
                    }
                };
                Ok(Some(TextHead {
                    head: special.tag_head(0),
                    body_start: 4,
                    payload_end: 4,
                    total: 4,
                }))
            }
            TextRule::Netstring { max } => {
                self.separated(bytes, offset, b':', NETSTRING_MAX_DIGITS, false, max, 1)
            }
            TextRule::DecLen { sep, max } => {
                self.separated(bytes, offset, sep, DECLEN_MAX_DIGITS, true, max, 0)
            }
            TextRule::Counted {
                ref counted,
                line_max,
                max,
            } => self.counted(counted, line_max, max, bytes, offset, scanned),
        }
    }

    /// The decoder's fast path: the layout of a valid `digits:N` header
    /// whole at the front of `chunk` that is not a keep-alive. `None` for
    /// anything else (a cut or bad header, a keep-alive, another rule),
    /// which [`parse`](TextRule::parse) then decides. Small enough to
    /// inline, and its answer fits in registers.
    #[inline]
    pub(crate) fn fast(&self, chunk: &[u8]) -> Option<TextHead> {
        let TextRule::Digits {
            offset: prefix,
            width,
            hex: false,
            adjust,
            max,
        } = *self
        else {
            return None;
        };
        let body_start = prefix + width;
        let mut value: u64 = 0;
        for &b in chunk.get(prefix..body_start)? {
            let d = b.wrapping_sub(b'0');
            if d > 9 {
                return None;
            }
            // At most 18 digits: no overflow.
            value = value * 10 + u64::from(d);
        }
        if value == 0 && adjust == 0 {
            return None;
        }
        let len = i64::try_from(value).ok()?.checked_add(adjust)?;
        let payload = usize::try_from(len).ok().filter(|&n| n <= max)?;
        Some(TextHead {
            head: prefix,
            body_start,
            payload_end: body_start + payload,
            total: body_start + payload,
        })
    }

    /// A decimal length ended by `sep`, at most `limit` digits, no leading
    /// zero (`nonzero`: not even a lone `0`), then the payload and
    /// `trailer` bytes.
    #[expect(clippy::too_many_arguments, reason = "one helper for two rules")]
    fn separated(
        &self,
        bytes: &[u8],
        offset: u64,
        sep: u8,
        limit: usize,
        nonzero: bool,
        max: usize,
        trailer: usize,
    ) -> Result<Option<TextHead>, Error> {
        let mut value: u64 = 0;
        for (i, &b) in bytes.iter().enumerate().take(limit + 1) {
            if b.is_ascii_digit() {
                if i == limit {
                    return Err(self.err(offset, TextProblem::TooManyDigits(limit)));
                }
                if (i == 0 && b == b'0' && nonzero) || (i == 1 && bytes[0] == b'0') {
                    return Err(self.err(offset, TextProblem::LeadingZero));
                }
                value = value * 10 + u64::from(b - b'0');
            } else if b == sep {
                if i == 0 {
                    return Err(self.err(offset, TextProblem::NoDigits));
                }
                let payload = payload_len(value, 0, max, offset)?;
                let body_start = i + 1;
                return Ok(Some(TextHead {
                    head: 0,
                    body_start,
                    payload_end: body_start + payload,
                    total: body_start + payload + trailer,
                }));
            } else {
                return Err(self.bad_digit(offset, b));
            }
        }
        Ok(None)
    }

    /// A line, and the data block it counts if its first word is listed.
    fn counted(
        &self,
        counted: &Counted,
        line_max: usize,
        max: usize,
        bytes: &[u8],
        offset: u64,
        scanned: usize,
    ) -> Result<Option<TextHead>, Error> {
        let delim = counted.delimiter();
        let d = delim.len();
        // The line's end must come within line_max + d bytes.
        let limit = bytes.len().min(line_max + d);
        let from = scanned.saturating_sub(d - 1).min(limit);
        // The first \n that ends the delimiter (a lone \n in a crlf line
        // is a byte of the line).
        let mut at = from;
        let mut found = None;
        while let Some(i) = memchr::memchr(b'\n', &bytes[at..limit]) {
            let e = at + i + 1;
            if e >= d && &bytes[e - d..e] == delim {
                found = Some(e);
                break;
            }
            at = e;
        }
        let end = match found {
            Some(e) => e,
            None if bytes.len() >= line_max + d => {
                return Err(Error::Unterminated {
                    offset,
                    max: line_max,
                });
            }
            None => return Ok(None),
        };
        let line = &bytes[..end - d];
        let mut words = line.split(|&b| b == b' ');
        let Some(pos) = counted.pos_of(words.next().unwrap_or(&[])) else {
            return Ok(Some(TextHead {
                head: 0,
                body_start: 0,
                payload_end: end - d,
                total: end,
            }));
        };
        let word = words
            .nth(pos - 2)
            .ok_or_else(|| self.err(offset, TextProblem::MissingCount(pos)))?;
        if word.is_empty() {
            return Err(self.err(offset, TextProblem::NoDigits));
        }
        let mut value: u64 = 0;
        for (i, &b) in word.iter().enumerate() {
            if !b.is_ascii_digit() {
                return Err(self.bad_digit(offset, b));
            }
            if i == DECLEN_MAX_DIGITS {
                return Err(self.err(offset, TextProblem::TooManyDigits(DECLEN_MAX_DIGITS)));
            }
            value = value * 10 + u64::from(b - b'0');
        }
        let payload = payload_len(value, 0, max, offset)?;
        Ok(Some(TextHead {
            head: end - d,
            body_start: end,
            payload_end: end + payload,
            total: end + payload + d,
        }))
    }
}

/// Write `value` as exactly `width` digits (lower-case hex if `hex`), or
/// `false` if it does not fit.
pub(crate) fn write_digits(value: u64, width: usize, hex: bool, out: &mut Vec<u8>) -> bool {
    let radix: u64 = if hex { 16 } else { 10 };
    let start = out.len();
    out.resize(start + width, b'0');
    let mut v = value;
    for slot in out[start..].iter_mut().rev() {
        // A digit is below 16: the cast cannot truncate.
        #[expect(clippy::cast_possible_truncation, reason = "v % radix < 16")]
        let d = (v % radix) as u8;
        *slot = if d < 10 { b'0' + d } else { b'a' + d - 10 };
        v /= radix;
    }
    if v != 0 {
        out.truncate(start);
        return false;
    }
    true
}
