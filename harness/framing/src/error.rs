//! The crate's one error type.

use std::fmt;

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
            | Error::Truncated { offset, .. } => Some(offset),
            Error::Spec { .. } | Error::Schedule { .. } | Error::Unencodable { .. } => None,
        }
    }

    pub(crate) fn unencodable(reason: impl Into<String>) -> Self {
        Error::Unencodable {
            reason: reason.into(),
        }
    }
}
