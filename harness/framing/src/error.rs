//! The crate's one error type.

use std::fmt;

use crate::resp::RespError;

/// Where a frame was cut off when the stream ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Inside the header: the length field, the tag, or the bytes before them.
    Header,
    /// After a complete header, inside the payload.
    Body,
    /// Inside a delimited frame whose delimiter has not arrived.
    Delimiter,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Header => "header",
            Stage::Body => "body",
            Stage::Delimiter => "line (no delimiter yet)",
        })
    }
}

/// What is wrong with a length written as text; each its own message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextProblem {
    /// A `+` or `-` where a digit belongs.
    Sign(u8),
    /// A space where a digit belongs.
    Space,
    /// An upper-case hex digit where the rule wants lower case (pkt-line).
    UpperHex(u8),
    /// Any other byte where a digit (or the separator) belongs.
    NotADigit(u8),
    /// A leading zero the rule forbids (netstring `01:`, syslog MSG-LEN `05`).
    LeadingZero,
    /// More digits than the rule allows.
    TooManyDigits(usize),
    /// The separator came before any digit.
    NoDigits,
    /// A reserved value that is no frame (pkt-line `0003`).
    Reserved(u64),
    /// A counted line lacks the word that holds its count.
    MissingCount(usize),
}

impl fmt::Display for TextProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            TextProblem::Sign(b) => {
                write!(f, "has a sign ({:?}) where a digit belongs", char::from(b))
            }
            TextProblem::Space => f.write_str("has a space where a digit belongs"),
            TextProblem::UpperHex(b) => write!(
                f,
                "has an upper-case hex digit ({:?}); the rule wants lower case",
                char::from(b)
            ),
            TextProblem::NotADigit(b) => write!(f, "has byte 0x{b:02x} where a digit belongs"),
            TextProblem::LeadingZero => f.write_str("starts with a forbidden leading zero"),
            TextProblem::TooManyDigits(n) => write!(f, "has more than {n} digits"),
            TextProblem::NoDigits => f.write_str("has no digits before its separator"),
            TextProblem::Reserved(v) => {
                write!(f, "is the reserved value {v:04x}, which is no frame")
            }
            TextProblem::MissingCount(pos) => write!(f, "line has no count in word {pos}"),
        }
    }
}

/// Everything that can go wrong in this crate: a bad spec, a stream that
/// breaks its framing, or a payload that cannot be framed.
///
/// Decode errors carry `offset`, the stream offset at which the offending
/// frame starts, so that every error is the same however the input was cut.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The framing spec could not be parsed.
    #[error("bad framing spec {spec:?}: {problem} at byte {pos} ({token:?}); expected {expected}")]
    Spec {
        /// The whole spec text.
        spec: String,
        /// Byte position of the bad token in `spec`.
        pos: usize,
        /// The bad token itself.
        token: String,
        /// What is wrong with it.
        problem: String,
        /// What would have been accepted there.
        expected: String,
    },
    /// A delivery schedule could not be parsed.
    #[error("bad schedule {schedule:?}: {problem} at byte {pos} ({token:?}); expected {expected}")]
    Schedule {
        /// The whole schedule text.
        schedule: String,
        /// Byte position of the bad token in `schedule`.
        pos: usize,
        /// The bad token itself.
        token: String,
        /// What is wrong with it.
        problem: String,
        /// What would have been accepted there.
        expected: String,
    },
    /// A declared length (after `adjust`) is above the configured maximum.
    #[error("frame at offset {offset} declares a {len}-byte payload, over the maximum of {max}")]
    TooLarge {
        /// Stream offset of the frame's first byte.
        offset: u64,
        /// The declared payload length (after `adjust`), saturated at `u64::MAX`.
        len: u64,
        /// The configured maximum.
        max: usize,
    },
    /// A delimited frame (or an `eof` message) grew past the maximum.
    #[error("frame at offset {offset} has no delimiter within the maximum of {max} bytes")]
    Unterminated {
        /// Stream offset of the frame's first byte.
        offset: u64,
        /// The configured maximum payload length.
        max: usize,
    },
    /// An `eof` message grew past the maximum before the stream ended.
    #[error("message at offset {offset} is longer than the maximum of {max} bytes")]
    Overflow {
        /// Stream offset of the message's first byte.
        offset: u64,
        /// The configured maximum.
        max: usize,
    },
    /// The declared length plus `adjust` is negative (e.g. a PostgreSQL
    /// length below 4, which must count itself).
    #[error("frame at offset {offset} declares length {declared}, which {adjust:+} makes negative")]
    NegativeLength {
        /// Stream offset of the frame's first byte.
        offset: u64,
        /// The length as written on the wire.
        declared: u64,
        /// The configured adjustment.
        adjust: i64,
    },
    /// A LEB128 varint ran past 10 bytes or past 64 bits.
    #[error("frame at offset {offset} has a varint length longer than 64 bits")]
    VarintOverflow {
        /// Stream offset of the frame's first byte.
        offset: u64,
    },
    /// A type-tagged frame starts with a tag that the spec does not list.
    #[error("frame at offset {offset} starts with unknown tag 0x{tag:02x}")]
    UnknownTag {
        /// Stream offset of the frame's first byte.
        offset: u64,
        /// The tag byte.
        tag: u8,
    },
    /// A length written as text breaks its rule (a sign, a space, a
    /// non-digit, a forbidden leading zero, too many digits, a reserved value).
    #[error("frame at offset {offset}: {rule} length {problem}")]
    LengthText {
        /// Stream offset of the frame's first byte.
        offset: u64,
        /// The rule broken: `digits`, `hex`, `pkt-line`, `netstring`, `declen`, `counted`.
        rule: &'static str,
        /// What is wrong with the length text.
        problem: TextProblem,
    },
    /// The bytes after a counted payload are not the rule's trailer (a
    /// netstring's `,`, the delimiter after a counted data block).
    #[error("frame at offset {offset}: {rule} payload is not followed by {expected}")]
    Trailer {
        /// Stream offset of the frame's first byte.
        offset: u64,
        /// The rule broken: `netstring` or `counted`.
        rule: &'static str,
        /// The trailer the rule wants, escaped (`","`, `"\\r\\n"`).
        expected: &'static str,
    },
    /// A RESP frame breaks a rule of RESP (see [`resp`](crate::resp)).
    #[error("frame at offset {offset}: {error}")]
    Resp {
        /// Stream offset of the frame's first byte.
        offset: u64,
        /// The rule broken, and where in the frame.
        error: RespError,
    },
    /// An HTTP/1 message breaks its framing (the problem names its rule).
    #[error("message at offset {offset}: {problem}")]
    Http1 {
        /// Stream offset of the message's first byte.
        offset: u64,
        /// What is wrong, and which rule says so.
        problem: crate::http1::Problem,
    },
    /// The stream ended inside a frame.
    #[error(
        "stream ended inside the {stage} of the frame at offset {offset}, holding {held} bytes"
    )]
    Truncated {
        /// Stream offset of the frame's first byte.
        offset: u64,
        /// How many bytes of that frame had arrived.
        held: usize,
        /// Where in the frame the stream stopped.
        stage: Stage,
    },
    /// A payload cannot be encoded under this spec.
    #[error("cannot encode: {reason}")]
    Unencodable {
        /// Why: too long for the field or the maximum, wrong fixed length,
        /// contains its delimiter, unknown tag, wrong head length.
        reason: String,
    },
}

impl Error {
    /// The stream offset of the frame an error is about, if it is a decode error.
    pub fn offset(&self) -> Option<u64> {
        match *self {
            Error::TooLarge { offset, .. }
            | Error::Unterminated { offset, .. }
            | Error::Overflow { offset, .. }
            | Error::NegativeLength { offset, .. }
            | Error::VarintOverflow { offset }
            | Error::UnknownTag { offset, .. }
            | Error::LengthText { offset, .. }
            | Error::Trailer { offset, .. }
            | Error::Resp { offset, .. }
            | Error::Http1 { offset, .. }
            | Error::Truncated { offset, .. } => Some(offset),
            Error::Spec { .. } | Error::Schedule { .. } | Error::Unencodable { .. } => None,
        }
    }

    /// The same error about a frame `by` bytes further on in the stream
    /// (a decode error's offset moved; other errors unchanged).
    /// Used by the model (`fuzzing` feature).
    #[cfg(feature = "fuzzing")]
    pub(crate) fn shifted(mut self, by: u64) -> Self {
        match &mut self {
            Error::TooLarge { offset, .. }
            | Error::Unterminated { offset, .. }
            | Error::Overflow { offset, .. }
            | Error::NegativeLength { offset, .. }
            | Error::VarintOverflow { offset }
            | Error::UnknownTag { offset, .. }
            | Error::LengthText { offset, .. }
            | Error::Trailer { offset, .. }
            | Error::Resp { offset, .. }
            | Error::Http1 { offset, .. }
            | Error::Truncated { offset, .. } => *offset += by,
            Error::Spec { .. } | Error::Schedule { .. } | Error::Unencodable { .. } => {}
        }
        self
    }

    pub(crate) fn unencodable(reason: impl Into<String>) -> Self {
        Error::Unencodable {
            reason: reason.into(),
        }
    }
}

impl crate::http1::Problem {
    /// This problem as the crate's error, about the message at `offset`.
    pub fn at(self, offset: u64) -> Error {
        match self {
            crate::http1::Problem::BodyTooLarge { len, max } => Error::TooLarge {
                offset,
                len,
                max: usize::try_from(max).unwrap_or(usize::MAX),
            },
            problem => Error::Http1 { offset, problem },
        }
    }
}
