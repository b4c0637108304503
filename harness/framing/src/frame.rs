//! Decoded frames: the whole wire message and its parts.

use std::fmt;
use std::ops::Range;

/// A reserved packet that is a frame of its own kind, with no payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Special {
    /// pkt-line `0000`: flush.
    Flush,
    /// pkt-line `0001`: delimiter between sections.
    Delim,
    /// pkt-line `0002`: end of a stateless response.
    ResponseEnd,
    /// `digits:N`/`hex:N` all zeros (jPOS `0000`): keep-alive.
    KeepAlive,
}

impl Special {
    /// Its name in reports: `flush`, `delim`, `response-end`, `keep-alive`.
    pub fn name(self) -> &'static str {
        match self {
            Special::Flush => "flush",
            Special::Delim => "delim",
            Special::ResponseEnd => "response-end",
            Special::KeepAlive => "keep-alive",
        }
    }

    /// Its code in the top byte of a frame's `head_len`.
    pub(crate) fn code(self) -> usize {
        match self {
            Special::Flush => 1,
            Special::Delim => 2,
            Special::ResponseEnd => 3,
            Special::KeepAlive => 4,
        }
    }

    fn from_code(code: usize) -> Option<Special> {
        match code {
            1 => Some(Special::Flush),
            2 => Some(Special::Delim),
            3 => Some(Special::ResponseEnd),
            4 => Some(Special::KeepAlive),
            _ => None,
        }
    }

    /// `head_len` with this special's code in its top byte.
    pub(crate) fn tag_head(self, head_len: usize) -> usize {
        head_len | (self.code() << SPECIAL_SHIFT)
    }
}

/// Where a special's code sits in `head_len`: the top byte, never reached
/// by a real head length (heads are at most 64 KiB).
pub(crate) const SPECIAL_SHIFT: u32 = usize::BITS - 8;
const HEAD_MASK: usize = (1 << SPECIAL_SHIFT) - 1;

/// A frame borrowed from the decoder's input or its held buffer.
///
/// `wire()` is every byte of the message as it was on the wire; `head()` is
/// the bytes before the length field (the `offset` bytes, or the tag);
/// `payload()` is the message body without header or delimiter.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct FrameRef<'a> {
    wire: &'a [u8],
    head_len: usize,
    payload_start: usize,
    payload_end: usize,
}

impl<'a> FrameRef<'a> {
    /// Build a frame; the ranges must lie inside `wire`.
    #[inline]
    pub(crate) fn new(wire: &'a [u8], head_len: usize, payload: Range<usize>) -> Self {
        debug_assert!(
            head_len & HEAD_MASK <= payload.start
                && payload.start <= payload.end
                && payload.end <= wire.len()
        );
        FrameRef {
            wire,
            head_len,
            payload_start: payload.start,
            payload_end: payload.end,
        }
    }

    /// The whole message as it was on the wire.
    #[inline]
    pub fn wire(&self) -> &'a [u8] {
        self.wire
    }

    /// The payload: the message without header or delimiter.
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        &self.wire[self.payload_start..self.payload_end]
    }

    /// The bytes before the length field: the `offset` bytes of a length
    /// prefix, or the tag of a tagged frame; empty otherwise.
    #[inline]
    pub fn head(&self) -> &'a [u8] {
        &self.wire[..self.head_len & HEAD_MASK]
    }

    /// The reserved packet this frame is (pkt-line flush, a keep-alive),
    /// if it is one; such frames have an empty payload.
    #[inline]
    pub fn special(&self) -> Option<Special> {
        Special::from_code(self.head_len >> SPECIAL_SHIFT)
    }

    /// Where the payload lies inside `wire()`.
    #[inline]
    pub fn payload_range(&self) -> Range<usize> {
        self.payload_start..self.payload_end
    }

    /// `head_len` with the special's code: what [`FrameRef::new`] was given.
    #[inline]
    pub(crate) fn head_bits(&self) -> usize {
        self.head_len
    }

    /// Copy into an owned [`Frame`].
    pub fn to_owned_frame(&self) -> Frame {
        Frame {
            wire: self.wire.to_vec(),
            head_len: self.head_len & HEAD_MASK,
            payload: self.payload_range(),
            special: self.special(),
        }
    }
}

impl fmt::Debug for FrameRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrameRef")
            .field("wire", &crate::Escaped(self.wire))
            .field("head_len", &(self.head_len & HEAD_MASK))
            .field("payload", &self.payload_range())
            .field("special", &self.special())
            .finish()
    }
}

/// An owned frame, for transcripts and tests.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Frame {
    /// The whole message as it was on the wire.
    pub wire: Vec<u8>,
    /// Length of the head (bytes before the length field).
    pub head_len: usize,
    /// Where the payload lies inside `wire`.
    pub payload: Range<usize>,
    /// The reserved packet this frame is, if it is one.
    pub special: Option<Special>,
}

impl Frame {
    /// The payload bytes.
    pub fn payload(&self) -> &[u8] {
        &self.wire[self.payload.clone()]
    }

    /// The head bytes (before the length field).
    pub fn head(&self) -> &[u8] {
        &self.wire[..self.head_len]
    }
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Frame")
            .field("wire", &crate::Escaped(&self.wire))
            .field("head_len", &self.head_len)
            .field("payload", &self.payload)
            .field("special", &self.special)
            .finish()
    }
}
