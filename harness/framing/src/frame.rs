//! Decoded frames: the whole wire message and its parts.

use std::fmt;
use std::ops::Range;

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
            head_len <= payload.start && payload.start <= payload.end && payload.end <= wire.len()
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
        &self.wire[..self.head_len]
    }

    /// Where the payload lies inside `wire()`.
    #[inline]
    pub fn payload_range(&self) -> Range<usize> {
        self.payload_start..self.payload_end
    }

    /// Copy into an owned [`Frame`].
    pub fn to_owned_frame(&self) -> Frame {
        Frame {
            wire: self.wire.to_vec(),
            head_len: self.head_len,
            payload: self.payload_range(),
        }
    }
}

impl fmt::Debug for FrameRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrameRef")
            .field("wire", &crate::Escaped(self.wire))
            .field("head_len", &self.head_len)
            .field("payload", &self.payload_range())
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
            .finish()
    }
}
