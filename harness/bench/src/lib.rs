//! Streams and drivers for framecheck's decode benchmarks.
//!
//! Every benchmark decodes one stream of whole frames, built by framecheck's
//! own [`Encoder`], cut by a [`Chunking`], in up to three ways:
//!
//! * [`framecheck`]: a [`Decoder`] fed each chunk in place (frames that
//!   arrive whole are borrowed from the chunk, cut ones from its buffer);
//! * [`tokio`]: a tokio-util codec, each chunk appended to a `BytesMut` that
//!   is then drained with `decode` (what `FramedRead` does after a read);
//! * [`scan_limit`]: memchr counting the delimiters, the speed no delimited
//!   decoder can beat.
//!
//! Each returns a [`Tally`] so the tests can check that all of them saw the
//! same frames.
//!
//! ```
//! use framecheck_bench::{Chunking, Codec, Strategy, build, framecheck, tokio};
//! let s = build(Strategy::Line, 64, 4096);
//! let ours = framecheck(&s.spec, &s.bytes, Chunking::Size(7));
//! let theirs = tokio(Codec::Lines, &s.spec, &s.bytes, Chunking::Size(7));
//! assert_eq!(ours, theirs);
//! assert_eq!(ours.frames, 64);
//! ```

pub mod clock;
pub mod table;

use std::hint::black_box;

use bytes::BytesMut;
use framecheck_framing::{Decoder, Encoder, Spec};
use tokio_util::codec::{AnyDelimiterCodec, LengthDelimitedCodec, LinesCodec};

/// Bytes in each in-memory benchmark stream (the stream holds whole frames
/// only, so it may be a little shorter).
pub const STREAM_LEN: usize = 1 << 20;

/// Wire sizes of the frames, header or delimiter included.
pub const FRAME_SIZES: [usize; 2] = [64, 4096];

/// Every benchmarked chunking, largest first.
pub const CHUNKINGS: [Chunking; 5] = [
    Chunking::Whole,
    Chunking::Size(64 * 1024),
    Chunking::Size(1460),
    Chunking::Size(7),
    Chunking::Size(1),
];

/// Every benchmarked strategy, in table order.
pub const STRATEGIES: [Strategy; 11] = [
    Strategy::Fixed,
    Strategy::Line,
    Strategy::Crlf,
    Strategy::DelimBlankLine,
    Strategy::U16Be,
    Strategy::U32Be,
    Strategy::Varint,
    Strategy::VarintOffset1,
    Strategy::Tagged,
    Strategy::Eof,
    Strategy::Digits5,
];

/// How a stream is delivered: in one piece or in pieces of one size (the
/// last may be shorter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Chunking {
    /// The whole stream in one chunk.
    Whole,
    /// Chunks of this many bytes.
    Size(usize),
}

impl Chunking {
    /// The label used in benchmark ids and the table: `whole`, `64KiB`, `1460`.
    pub fn label(self) -> String {
        match self {
            Chunking::Whole => "whole".to_owned(),
            Chunking::Size(n) if n >= 1024 && n % 1024 == 0 => format!("{}KiB", n / 1024),
            Chunking::Size(n) => n.to_string(),
        }
    }

    /// The chunking with this [`label`](Chunking::label).
    pub fn from_label(label: &str) -> Option<Chunking> {
        CHUNKINGS.into_iter().find(|c| c.label() == label)
    }

    /// The chunks of `stream`.
    pub fn chunks(self, stream: &[u8]) -> std::slice::Chunks<'_, u8> {
        match self {
            Chunking::Whole => stream.chunks(stream.len().max(1)),
            Chunking::Size(n) => stream.chunks(n),
        }
    }
}

/// A framing strategy as benchmarked: the spec is built per frame size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Strategy {
    /// `fixed:N`, N the frame size.
    Fixed,
    /// `line`.
    Line,
    /// `crlf`.
    Crlf,
    /// `delim:\r\n\r\n` (HTTP header blocks).
    DelimBlankLine,
    /// `u16be` (DNS over TCP).
    U16Be,
    /// `u32be`.
    U32Be,
    /// `varint`.
    Varint,
    /// `varint,offset=1` (MQTT).
    VarintOffset1,
    /// `tagged:F=N/V=u16be`, the two tags alternating.
    Tagged,
    /// `eof`: the whole stream is one message.
    Eof,
    /// `digits:5`: five ASCII digits give the payload length (the Python
    /// socket HOWTO's framing); tokio-util has no codec for it, so it is
    /// compared with `LengthDelimitedCodec` on frames of the same size with
    /// a binary (`u32be`) length: see [`Strategy::peer`].
    Digits5,
}

impl Strategy {
    /// The name in benchmark ids and the table.
    pub fn label(self) -> &'static str {
        match self {
            Strategy::Fixed => "fixed",
            Strategy::Line => "line",
            Strategy::Crlf => "crlf",
            Strategy::DelimBlankLine => r"delim:\r\n\r\n",
            Strategy::U16Be => "u16be",
            Strategy::U32Be => "u32be",
            Strategy::Varint => "varint",
            Strategy::VarintOffset1 => "varint,offset=1",
            Strategy::Tagged => "tagged",
            Strategy::Eof => "eof",
            Strategy::Digits5 => "digits:5",
        }
    }

    /// The strategy whose stream the tokio-util codecs read: the same, or,
    /// for a framing they have no codec for, the nearest one they have
    /// (`digits:5` → `u32be`, frames of the same wire size).
    #[must_use]
    pub fn peer(self) -> Strategy {
        match self {
            Strategy::Digits5 => Strategy::U32Be,
            other => other,
        }
    }

    /// The strategy with this [`label`](Strategy::label).
    pub fn from_label(label: &str) -> Option<Strategy> {
        STRATEGIES.into_iter().find(|s| s.label() == label)
    }

    /// The frame sizes this strategy is benchmarked with: [`FRAME_SIZES`],
    /// or for `eof` the one message of [`STREAM_LEN`] bytes.
    pub fn frame_sizes(self) -> &'static [usize] {
        match self {
            Strategy::Eof => &[STREAM_LEN],
            _ => &FRAME_SIZES,
        }
    }

    /// The spec for frames of `frame` wire bytes.
    pub fn spec(self, frame: usize) -> Spec {
        let text = match self {
            Strategy::Fixed => format!("fixed:{frame}"),
            Strategy::Tagged => format!("tagged:F={}/V=u16be", frame - 1),
            Strategy::Eof => format!("eof,max={frame}"),
            _ => self.label().to_owned(),
        };
        text.parse()
            .unwrap_or_else(|e| panic!("benchmark spec {text:?}: {e}"))
    }

    /// The delimiter that [`scan_limit`] counts, for delimited strategies.
    pub fn delimiter(self) -> Option<&'static [u8]> {
        match self {
            Strategy::Line => Some(b"\n"),
            Strategy::Crlf => Some(b"\r\n"),
            Strategy::DelimBlankLine => Some(b"\r\n\r\n"),
            _ => None,
        }
    }

    /// The tokio-util codecs that decode this strategy's streams.
    pub fn codecs(self) -> &'static [Codec] {
        match self {
            Strategy::U16Be | Strategy::U32Be | Strategy::Digits5 => &[Codec::LengthDelimited],
            // LinesCodec strips a trailing `\r`, so it reads `crlf` too.
            Strategy::Line | Strategy::Crlf => &[Codec::Lines, Codec::AnyDelimiter],
            _ => &[],
        }
    }
}

/// A tokio-util 0.7 codec, configured with the spec's maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// `LengthDelimitedCodec` with the spec's field width, big-endian.
    LengthDelimited,
    /// `LinesCodec::new_with_max_length`.
    Lines,
    /// `AnyDelimiterCodec` seeking `\n`.
    AnyDelimiter,
}

impl Codec {
    /// The name in benchmark ids and the table.
    pub fn label(self) -> &'static str {
        match self {
            Codec::LengthDelimited => "LengthDelimited",
            Codec::Lines => "Lines",
            Codec::AnyDelimiter => "AnyDelimiter",
        }
    }

    /// Every codec.
    pub const ALL: [Codec; 3] = [Codec::LengthDelimited, Codec::Lines, Codec::AnyDelimiter];
}

/// A benchmark stream: whole frames of one spec.
#[derive(Debug, Clone)]
pub struct Stream {
    /// The spec the frames follow.
    pub spec: Spec,
    /// The wire bytes.
    pub bytes: Vec<u8>,
    /// How many frames `bytes` holds.
    pub frames: u64,
    /// The payload bytes of all frames.
    pub payload: u64,
}

/// Frames and payload bytes seen by a driver.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Frames decoded.
    pub frames: u64,
    /// Payload bytes of those frames.
    pub payload: u64,
}

impl Tally {
    fn add(&mut self, payload: usize) {
        self.frames += 1;
        self.payload += payload as u64;
    }
}

/// A stream of at most `len` bytes of `strategy` frames, each `frame` bytes
/// on the wire, with varied printable payloads.
pub fn build(strategy: Strategy, frame: usize, len: usize) -> Stream {
    let spec = strategy.spec(frame);
    let enc = Encoder::new(&spec);
    let heads: &[&[u8]] = match strategy {
        Strategy::Tagged => &[b"F", b"V"],
        // An MQTT PUBLISH type byte.
        Strategy::VarintOffset1 => &[b"\x30"],
        _ => &[b""],
    };
    let sizes: Vec<usize> = heads
        .iter()
        .map(|head| payload_len(&enc, head, frame))
        .collect();
    let mut stream = Stream {
        spec,
        bytes: Vec::with_capacity(len),
        frames: 0,
        payload: 0,
    };
    let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut payload = Vec::new();
    while stream.bytes.len() + frame <= len {
        let i = usize::try_from(stream.frames).unwrap_or(usize::MAX);
        let which = i % heads.len();
        payload.clear();
        payload.extend((0..sizes[which]).map(|j| alphabet[(i + j) % alphabet.len()]));
        enc.encode(heads[which], &payload, &mut stream.bytes)
            .unwrap_or_else(|e| panic!("encoding a benchmark frame: {e}"));
        stream.frames += 1;
        stream.payload += payload.len() as u64;
    }
    stream
}

/// The payload length that makes a frame exactly `frame` bytes on the wire.
fn payload_len(enc: &Encoder, head: &[u8], frame: usize) -> usize {
    let mut out = Vec::with_capacity(frame + 16);
    (0..=frame)
        .rev()
        .find(|&n| {
            out.clear();
            enc.encode(head, &vec![b'x'; n], &mut out).is_ok() && out.len() == frame
        })
        .unwrap_or_else(|| panic!("no payload makes a {frame}-byte {} frame", enc.spec()))
}

/// Decode `stream` with framecheck's [`Decoder`], fed in `chunking`'s
/// pieces.
///
/// # Panics
/// If the stream does not decode cleanly.
pub fn framecheck(spec: &Spec, stream: &[u8], chunking: Chunking) -> Tally {
    let mut dec = Decoder::new(spec);
    let mut tally = Tally::default();
    for chunk in chunking.chunks(stream) {
        let mut input = chunk;
        while let Some(frame) = dec.decode(&mut input).expect("benchmark stream decodes") {
            tally.add(black_box(frame.payload()).len());
        }
    }
    if let Some(frame) = dec.finish().expect("benchmark stream ends cleanly") {
        tally.add(black_box(frame.payload()).len());
    }
    tally
}

/// Decode `stream` with a tokio-util codec: each chunk is appended to a
/// `BytesMut` (8 KiB to start, as `FramedRead`), which is then drained with
/// `decode`, and `decode_eof` at the end.
///
/// # Panics
/// If the codec does not fit the spec or the stream does not decode.
pub fn tokio(codec: Codec, spec: &Spec, stream: &[u8], chunking: Chunking) -> Tally {
    let max = spec.max();
    match codec {
        Codec::LengthDelimited => {
            let width = match spec.kind {
                framecheck_framing::Kind::Len(field) => field.width(),
                _ => None,
            };
            let codec = LengthDelimitedCodec::builder()
                .length_field_length(
                    width.expect("LengthDelimitedCodec needs a fixed-width length"),
                )
                .max_frame_length(max)
                .new_codec();
            drive(codec, stream, chunking, bytes::BytesMut::len)
        }
        Codec::Lines => drive(
            LinesCodec::new_with_max_length(max),
            stream,
            chunking,
            String::len,
        ),
        Codec::AnyDelimiter => drive(
            AnyDelimiterCodec::new_with_max_length(b"\n".to_vec(), b"\n".to_vec(), max),
            stream,
            chunking,
            bytes::Bytes::len,
        ),
    }
}

fn drive<C>(
    mut codec: C,
    stream: &[u8],
    chunking: Chunking,
    len: impl Fn(&C::Item) -> usize,
) -> Tally
where
    C: tokio_util::codec::Decoder,
    C::Error: std::fmt::Debug,
{
    let mut buf = BytesMut::with_capacity(8 * 1024);
    let mut tally = Tally::default();
    for chunk in chunking.chunks(stream) {
        buf.extend_from_slice(chunk);
        while let Some(item) = codec.decode(&mut buf).expect("benchmark stream decodes") {
            tally.add(len(&black_box(item)));
        }
    }
    while let Some(item) = codec.decode_eof(&mut buf).expect("benchmark stream ends") {
        tally.add(len(&black_box(item)));
    }
    tally
}

/// Count `delim` in `stream` with memchr (one byte) or memmem: the scan
/// every delimited decoder must do, and nothing else.
pub fn scan_limit(delim: &[u8], stream: &[u8]) -> u64 {
    let n = if let [byte] = delim {
        memchr::memchr_iter(*byte, stream).count()
    } else {
        memchr::memmem::find_iter(stream, delim).count()
    };
    n as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every driver sees every frame of every benchmark stream, whatever
    /// the chunking: the benchmarks measure real work.
    #[test]
    fn drivers_agree_on_every_stream() {
        for strategy in STRATEGIES {
            for &frame in strategy.frame_sizes() {
                let len = (64 * 1024).max(frame);
                let s = build(strategy, frame, len);
                let name = format!("{} {frame}", strategy.label());
                assert!(s.frames > 0, "{name}: empty stream");
                if strategy != Strategy::Eof {
                    assert_eq!(
                        s.bytes.len() as u64,
                        s.frames * frame as u64,
                        "{name}: frame size"
                    );
                }
                let want = Tally {
                    frames: s.frames,
                    payload: s.payload,
                };
                for chunking in [Chunking::Whole, Chunking::Size(1460), Chunking::Size(7)] {
                    let label = format!("{name} {}", chunking.label());
                    assert_eq!(
                        framecheck(&s.spec, &s.bytes, chunking),
                        want,
                        "{label} framecheck"
                    );
                    let peer = build(strategy.peer(), frame, len);
                    for &codec in strategy.codecs() {
                        let mut want = Tally {
                            frames: peer.frames,
                            payload: peer.payload,
                        };
                        if (strategy, codec) == (Strategy::Crlf, Codec::AnyDelimiter) {
                            // It keeps the `\r` of each `\r\n`.
                            want.payload += s.frames;
                        }
                        let got = tokio(codec, &peer.spec, &peer.bytes, chunking);
                        assert_eq!(got, want, "{label} {}", codec.label());
                        // The same frames, one length written another way.
                        assert_eq!(peer.frames, s.frames, "{label} {}", codec.label());
                    }
                }
                if let Some(delim) = strategy.delimiter() {
                    assert_eq!(scan_limit(delim, &s.bytes), s.frames, "{name} scan limit");
                }
            }
        }
    }

    #[test]
    fn labels_round_trip() {
        for s in STRATEGIES {
            assert_eq!(Strategy::from_label(s.label()), Some(s));
        }
        for c in CHUNKINGS {
            assert_eq!(Chunking::from_label(&c.label()), Some(c));
        }
        assert_eq!(Chunking::Size(65536).label(), "64KiB");
    }
}
