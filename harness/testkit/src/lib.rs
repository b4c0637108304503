//! Check your own framing decoder against framecheck's reference.
//!
//! A decoder for a stream protocol must give the same frames however the
//! reads cut the bytes, refuse a broken stream where the framing says it is
//! broken, and hold no more than one frame's worth of bytes. This crate
//! checks all three for *your* decoder (a tokio-util codec, a function over
//! `&mut BytesMut`, or any [`UserDecoder`]) by running it beside
//! framecheck's reference [`Decoder`](framecheck_framing::Decoder) for a
//! [`Spec`](framecheck_framing::Spec):
//!
//! | entry point | where | what it tries |
//! |---|---|---|
//! | [`check`] | `cargo test` | one stream, one schedule |
//! | [`check_all_schedules`] | `cargo test` | one small stream, every single cut and pair of cuts, byte by byte |
//! | [`strategy`] (feature `proptest`) | proptest | drawn streams (valid or broken at a chosen point) and schedules |
//! | [`fuzz_check`] | `cargo fuzz` | the stream, cuts and ending derived from the fuzzer's input |
//!
//! A disagreement is a [`Mismatch`]: the schedule minimized by framecheck's
//! shrinker, the reads, and both sides' events, printed as a readable diff.
//!
//! ```
//! use framecheck_testkit::{check_all_schedules, from_fn, Event};
//! use bytes::BytesMut;
//! // A u16be-length decoder with a classic bug: it takes whatever header
//! // bytes one read brought as the whole header.
//! let broken = || {
//!     let mut body: Option<usize> = None; // the length read, the body awaited
//!     from_fn(move |buf: &mut BytesMut| -> Result<Option<BytesMut>, ()> {
//!         if body.is_none() {
//!             if buf.is_empty() { return Ok(None) }
//!             let head = buf.split_to(buf.len().min(2)); // the bug
//!             body = Some(head.iter().fold(0, |n, &b| n << 8 | usize::from(b)));
//!         }
//!         let n = body.unwrap_or(0);
//!         if buf.len() < n { return Ok(None) }
//!         body = None;
//!         Ok(Some(buf.split_to(n)))
//!     })
//! };
//! let spec = "u16be,max=64".parse()?;
//! let diff = check_all_schedules(&spec, broken, b"\x00\x01z\x00\x00").unwrap_err();
//! println!("{diff}");
//! // Found by cutting after the first byte, minimized to that byte alone:
//! // a 1-byte header taken as a length of 0, where the reference refuses
//! // a stream that ends inside a header.
//! assert_eq!(diff.stream, b"\x00");
//! assert_eq!(diff.user.events, [Event::Frame(Vec::new())]);
//! assert!(matches!(diff.expected.events[..], [Event::Refused { frame: 0, at_end: true, .. }]));
//! # Ok::<(), framecheck_framing::Error>(())
//! ```

mod check;
mod decoder;
mod fuzz;
#[cfg(feature = "proptest")]
pub mod strategy;

pub use check::{
    Agreement, Event, MAX_PAIRS_LEN, Mismatch, Part, Reference, check, check_all_schedules,
};
#[cfg(feature = "tokio-util")]
pub use decoder::Tokio;
pub use decoder::{BufFn, BufFnError, Held, UserDecoder, from_fn};
pub use fuzz::{FuzzCase, MAX_INPUT, fuzz_check};
