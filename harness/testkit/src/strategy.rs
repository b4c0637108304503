//! proptest strategies (cargo feature `proptest`): streams of a spec, valid
//! or made invalid at a chosen point, and delivery schedules.
//!
//! ```
//! use framecheck_testkit::{check, from_fn, strategy};
//! use proptest::prelude::*;
//! use bytes::BytesMut;
//!
//! let spec: framecheck_framing::Spec = "u8".parse()?;
//! let split = |buf: &mut BytesMut| -> Result<Option<BytesMut>, ()> {
//!     match buf.first() {
//!         Some(&n) if buf.len() > usize::from(n) => Ok(Some(buf.split_to(1 + usize::from(n)).split_off(1))),
//!         _ => Ok(None),
//!     }
//! };
//! let cases = strategy::valid_stream(&spec, 0..5)
//!     .prop_flat_map(|s| { let n = s.len(); (Just(s), strategy::schedule(n)) });
//! proptest::test_runner::TestRunner::default()
//!     .run(&cases, |(stream, schedule)| {
//!         let r = check(&spec, || from_fn(split), &stream, &schedule);
//!         prop_assert!(r.is_ok(), "{}", r.unwrap_err());
//!         Ok(())
//!     })
//!     .unwrap();
//! # Ok::<(), framecheck_framing::Error>(())
//! ```

use std::ops::Range;

use framecheck_framing::schedule::{Fault, FaultKind};
use framecheck_framing::{Encoder, Kind, Schedule, Spec, TagRule};
use proptest::prelude::*;

/// The longest payload the strategies draw (or the spec's max, if smaller).
pub const PAYLOAD_CAP: usize = 48;

fn bytes(len: impl Into<proptest::collection::SizeRange>) -> BoxedStrategy<Vec<u8>> {
    proptest::collection::vec(any::<u8>(), len).boxed()
}

/// One valid frame of `spec`, on the wire. For `eof`, the one message.
pub fn frame(spec: &Spec) -> BoxedStrategy<Vec<u8>> {
    let cap = spec.max().min(PAYLOAD_CAP);
    let enc = Encoder::new(spec);
    let heads = enc.head_len();
    let drawn: BoxedStrategy<(Vec<u8>, Vec<u8>)> = match &spec.kind {
        Kind::Fixed(n) => (Just(Vec::new()), bytes(*n..=*n)).boxed(),
        Kind::Tagged(entries) => {
            let entries = entries.clone();
            (0..entries.len())
                .prop_flat_map(move |i| {
                    let e = entries[i];
                    let payload = match e.rule {
                        TagRule::Fixed(n) => bytes(n..=n),
                        TagRule::Len(_) => bytes(0..=cap),
                    };
                    (Just(vec![e.tag]), payload)
                })
                .boxed()
        }
        _ => (bytes(heads..=heads), bytes(0..=cap)).boxed(),
    };
    drawn
        .prop_filter_map(
            "the spec's encoder cannot frame it",
            move |(head, payload)| {
                let mut out = Vec::new();
                enc.encode(&head, &payload, &mut out).ok().map(|()| out)
            },
        )
        .boxed()
}

/// A valid stream of `spec`: a number of frames in `frames`, one after the
/// other (for `eof`, exactly one message).
pub fn valid_stream(spec: &Spec, frames: Range<usize>) -> BoxedStrategy<Vec<u8>> {
    let frames = if spec.kind == Kind::Eof { 1..2 } else { frames };
    proptest::collection::vec(frame(spec), frames)
        .prop_map(|fs| fs.concat())
        .boxed()
}

/// How an [`Invalid`] stream breaks its framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Break {
    /// A frame cut short by the end of the stream.
    Truncated,
    /// A frame over the spec's maximum: a declared length, a delimited frame
    /// or an `eof` message one byte too long.
    TooLong,
    /// A tag the spec does not list.
    UnknownTag,
}

/// A stream that frames validly up to `at`, then breaks as `how` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The bytes.
    pub stream: Vec<u8>,
    /// Offset of the first byte of the breaking frame.
    pub at: usize,
    /// Valid frames before it.
    pub frames: usize,
    /// How it breaks.
    pub how: Break,
}

/// The bytes that break `spec` as `how` says at a frame boundary, if it can
/// be broken that way (a spec without a maximum that its field can exceed
/// has no `TooLong`; a `fixed` spec breaks only by truncation).
fn breaker(spec: &Spec, how: Break) -> Option<BoxedStrategy<Vec<u8>>> {
    let max = spec.max();
    match (how, &spec.kind) {
        (Break::Truncated, Kind::Eof) => None,
        (Break::Truncated, Kind::Fixed(n)) if *n < 2 => None,
        (Break::Truncated, _) => Some(
            frame(spec)
                .prop_filter("a frame of 2 bytes or more", |f| f.len() >= 2)
                .prop_flat_map(|f| {
                    let n = f.len();
                    (Just(f), 1..n)
                })
                .prop_map(|(f, cut)| f[..cut].to_vec())
                .boxed(),
        ),
        (Break::UnknownTag, Kind::Tagged(entries)) => {
            let unknown: Vec<u8> = (0..=255u8)
                .filter(|t| entries.iter().all(|e| e.tag != *t))
                .collect();
            (!unknown.is_empty()).then(|| {
                proptest::sample::select(unknown)
                    .prop_map(|t| vec![t])
                    .boxed()
            })
        }
        (Break::TooLong, Kind::Line | Kind::Crlf | Kind::Delim(_) | Kind::Eof) => {
            let delim = spec.delimiter().unwrap_or_default();
            let fill = (b'x'..=255).find(|b| !delim.contains(b))?;
            Some(Just(vec![fill; max.checked_add(1)?]).boxed())
        }
        (Break::TooLong, Kind::Len(_)) => {
            // The header of a payload one byte over max: encode it with a
            // spec whose max allows it, keep the bytes before the payload.
            let mut wider = spec.clone();
            wider.max = Some(max.checked_add(1)?);
            let mut out = Vec::new();
            let head = vec![0; Encoder::new(spec).head_len()];
            Encoder::new(&wider)
                .encode(&head, &vec![0; max + 1], &mut out)
                .ok()?;
            out.truncate(out.len() - (max + 1));
            Some(Just(out).boxed())
        }
        _ => None,
    }
}

/// A stream of `spec` with a number of valid frames in `frames`, then a
/// break: every way `spec` can be broken ([`Break`]) is drawn.
/// `spec` must be breakable (every spec but `fixed:N` with `N < 2` is).
///
/// ```
/// use framecheck_testkit::strategy::{invalid_stream, Break};
/// use proptest::strategy::{Strategy, ValueTree};
/// let spec = "u16be,max=100".parse()?;
/// let mut runner = proptest::test_runner::TestRunner::deterministic();
/// let bad = invalid_stream(&spec, 0..3).new_tree(&mut runner).unwrap().current();
/// assert!(bad.at <= bad.stream.len());
/// let t = framecheck_framing::transcript(&spec, [&bad.stream[..]]);
/// assert_eq!(t.frames.len(), bad.frames);
/// assert_eq!(t.end.unwrap_err().offset(), Some(bad.at as u64));
/// # Ok::<(), framecheck_framing::Error>(())
/// ```
pub fn invalid_stream(spec: &Spec, frames: Range<usize>) -> BoxedStrategy<Invalid> {
    let frames = if spec.kind == Kind::Eof { 0..1 } else { frames };
    let ways: Vec<(Break, BoxedStrategy<Vec<u8>>)> =
        [Break::Truncated, Break::TooLong, Break::UnknownTag]
            .into_iter()
            .filter_map(|how| breaker(spec, how).map(|s| (how, s)))
            .collect();
    assert!(!ways.is_empty(), "`{spec}` cannot be broken");
    let n = ways.len();
    let valid = proptest::collection::vec(frame(spec), frames);
    (valid, 0..n)
        .prop_flat_map(move |(fs, i)| {
            let (how, tail) = ways[i].clone();
            (Just(fs), Just(how), tail)
        })
        .prop_map(|(fs, how, tail)| {
            let frames = fs.len();
            let mut stream = fs.concat();
            let at = stream.len();
            stream.extend_from_slice(&tail);
            Invalid {
                stream,
                at,
                frames,
                how,
            }
        })
        .boxed()
}

/// A schedule for a stream of `len` bytes: up to 8 cuts anywhere, then the
/// end of the stream, or an early FIN or reset.
pub fn schedule(len: usize) -> BoxedStrategy<Schedule> {
    let cuts = if len > 1 {
        proptest::collection::vec(1..len, 0..=8).boxed()
    } else {
        Just(Vec::new()).boxed()
    };
    let end = prop_oneof![
        2 => Just(None),
        1 => (0..=len).prop_map(|at| Some((at, FaultKind::Fin))),
        1 => (0..=len).prop_map(|at| Some((at, FaultKind::Reset))),
    ];
    (cuts, end)
        .prop_map(|(cuts, end)| {
            let mut s = Schedule::cuts(&cuts);
            if let Some((at, kind)) = end {
                s.faults.push(Fault {
                    at: at as u64,
                    kind,
                });
            }
            s
        })
        .boxed()
}
