//! [`fuzz_check`]: the body of a `fuzz_target!` for a user decoder.

use framecheck_framing::schedule::{Fault, FaultKind, Shape, Then};
use framecheck_framing::{Encoder, Schedule};

use crate::check::{Reference, check_plain};
use crate::decoder::UserDecoder;

/// The longest input [`fuzz_check`] reads: the rest is ignored.
pub const MAX_INPUT: usize = 64 * 1024;

/// A stream and a schedule derived from a fuzzer's raw input.
///
/// The raw input is read as a small header, then the stream:
///
/// | bytes | meaning |
/// |---|---|
/// | `flags` | bits 0–1: the ending (0, 1: end of stream after the last byte; 2: FIN early; 3: reset early); bit 2: *encode* mode |
/// | `at` | where an early ending falls: `at / 256` of the stream |
/// | `n` | `n % 9` piece sizes follow (none: the stream arrives whole) |
/// | `n` sizes | each read is `size + 1` bytes, the sizes repeating to the end |
/// | the rest | the stream, raw; in encode mode, messages `[len][len bytes]` that the spec's encoder frames (the head bytes first, then the payload), raw bytes where it cannot |
///
/// Encode mode makes valid frames likely under any spec, so the fuzzer
/// reaches the bugs past the first header; raw mode reaches the refusals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuzzCase {
    /// The bytes to deliver.
    pub stream: Vec<u8>,
    /// How to cut and end them.
    pub schedule: Schedule,
}

impl FuzzCase {
    /// Read `data` as the [type's docs](FuzzCase) say.
    ///
    /// ```
    /// use framecheck_testkit::FuzzCase;
    /// // flags 0 (raw, plain end), at 0, one size of 1+1 bytes, then "abc".
    /// let case = FuzzCase::from_input(&"line".parse()?, b"\x00\x00\x01\x01abc");
    /// assert_eq!(case.stream, b"abc");
    /// assert_eq!(case.schedule.to_string(), "2");
    /// # Ok::<(), framecheck_framing::Error>(())
    /// ```
    pub fn from_input(reference: &framecheck_framing::Spec, data: &[u8]) -> FuzzCase {
        let data = &data[..data.len().min(MAX_INPUT)];
        let (&flags, rest) = data.split_first().unwrap_or((&0, &[]));
        let (&at, rest) = rest.split_first().unwrap_or((&0, &[]));
        let (&n, rest) = rest.split_first().unwrap_or((&0, &[]));
        let count = usize::from(n % 9).min(rest.len());
        let (sizes, body) = rest.split_at(count);
        let stream = if flags & 4 == 0 {
            body.to_vec()
        } else {
            encode_messages(reference, body)
        };
        let mut schedule = if sizes.is_empty() {
            Schedule::whole()
        } else {
            Schedule::new(Shape::Sizes {
                sizes: sizes.iter().map(|&s| usize::from(s) + 1).collect(),
                then: Then::Cycle,
            })
        };
        let early = (stream.len() * usize::from(at)) / 256;
        let kind = match flags & 3 {
            2 => Some(FaultKind::Fin),
            3 => Some(FaultKind::Reset),
            _ => None,
        };
        if let Some(kind) = kind {
            schedule.faults.push(Fault {
                at: early as u64,
                kind,
            });
        }
        FuzzCase { stream, schedule }
    }
}

/// Frame each `[len][len bytes]` message of `body` with the spec's encoder
/// (its head bytes first); a message it cannot frame goes in raw.
fn encode_messages(spec: &framecheck_framing::Spec, mut body: &[u8]) -> Vec<u8> {
    let enc = Encoder::new(spec);
    let head = enc.head_len();
    let mut out = Vec::with_capacity(body.len() * 2);
    while let Some((&len, rest)) = body.split_first() {
        let take = usize::from(len).min(rest.len());
        let (msg, next) = rest.split_at(take);
        body = next;
        let ok = msg.len() >= head && enc.encode(&msg[..head], &msg[head..], &mut out).is_ok();
        if !ok {
            out.extend_from_slice(msg);
        }
    }
    out
}

/// The body of a `fuzz_target!`: derive a stream, its cuts and its ending
/// from `data` ([`FuzzCase::from_input`]), deliver it to a fresh
/// `decoder()` and to the reference, and panic with the minimized, readable
/// [`Mismatch`](crate::Mismatch) if they disagree.
///
/// ```
/// // fuzz/fuzz_targets/my_codec.rs
/// // #![no_main]
/// // libfuzzer_sys::fuzz_target!(|data: &[u8]| {
/// //     static SPEC: std::sync::LazyLock<framecheck_framing::Spec> =
/// //         std::sync::LazyLock::new(|| "u16be,max=4096".parse().unwrap());
/// //     framecheck_testkit::fuzz_check(data, &SPEC, || my_crate::MyDecoder::new());
/// // });
/// use bytes::BytesMut;
/// let spec = "crlf".parse()?;
/// let lines = || framecheck_testkit::from_fn(|buf: &mut BytesMut| -> Result<Option<BytesMut>, ()> {
///     Ok(buf.windows(2).position(|w| w == b"\r\n").map(|i| {
///         let mut line = buf.split_to(i + 2);
///         line.truncate(i);
///         line
///     }))
/// });
/// framecheck_testkit::fuzz_check(b"\x00\x00\x01\x00a\r\nb\r\n", &spec, lines);
/// # Ok::<(), framecheck_framing::Error>(())
/// ```
///
/// # Panics
///
/// When the decoder disagrees with the reference: the panic message is the
/// diff.
pub fn fuzz_check<U: UserDecoder>(
    data: &[u8],
    reference: impl Into<Reference>,
    mut decoder: impl FnMut() -> U,
) {
    let reference = reference.into();
    let case = FuzzCase::from_input(reference.spec(), data);
    if let Err(m) = check_plain(&reference, &mut decoder, &case.stream, &case.schedule) {
        panic!("{m}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(spec: &str, data: &[u8]) -> FuzzCase {
        FuzzCase::from_input(&spec.parse().expect("spec"), data)
    }

    #[test]
    fn short_inputs_are_an_empty_stream_delivered_whole() {
        for data in [&b""[..], b"\x02", b"\x03\x80"] {
            let c = case("line", data);
            assert!(c.stream.is_empty());
            assert_eq!(c.schedule.shape, Shape::Whole);
        }
    }

    #[test]
    fn the_header_sets_the_ending_and_the_pieces() {
        // FIN after half of 8 bytes; sizes 1 and 3, repeating.
        let c = case("line", b"\x02\x80\x02\x00\x02abcdefgh");
        assert_eq!(c.stream, b"abcdefgh");
        assert_eq!(c.schedule.to_string(), "1,3/fin@4");
        let c = case("line", b"\x03\x00\x00ab");
        assert_eq!(c.schedule.to_string(), "whole/rst@0");
        // More sizes asked for than there are bytes: all of them are sizes.
        let c = case("line", b"\x00\x00\x08\x01\x02");
        assert!(c.stream.is_empty());
    }

    #[test]
    fn encode_mode_frames_each_message_and_keeps_what_cannot_be_framed() {
        // "hi" framed; "a\nb" contains the delimiter: raw.
        let c = case("line", b"\x04\x00\x00\x02hi\x03a\nb");
        assert_eq!(c.stream, b"hi\na\nb");
        // u16be,offset=1: the first byte of each message is its head.
        let c = case("u16be,offset=1", b"\x04\x00\x00\x03Tab");
        assert_eq!(c.stream, b"T\x00\x02ab");
    }
}
