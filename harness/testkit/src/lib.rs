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
//! use framecheck_testkit::{check_all_schedules, from_fn};
//! use bytes::BytesMut;
//! // A u16be-length decoder with a classic bug: it reads the header as if
//! // both bytes always arrive in the same read.
//! let broken = || from_fn(|buf: &mut BytesMut| -> Result<Option<BytesMut>, ()> {
//!     if buf.is_empty() { return Ok(None) }
//!     let hi = usize::from(buf[0]);
//!     let lo = usize::from(*buf.get(1).unwrap_or(&0)); // the bug
//!     let n = hi << 8 | lo;
//!     if buf.len() < 2 + n { return Ok(None) }
//!     Ok(Some(buf.split_to(2 + n).split_off(2)))
//! });
//! let spec = "u16be,max=64".parse()?;
//! let diff = check_all_schedules(&spec, broken, b"\x00\x00\x00\x01z").unwrap_err();
//! assert_eq!(diff.schedule.to_string(), "1,*"); // cut inside the first header
//! println!("{diff}");
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
