//! In-process simulation: deliver a stream to a decoder under a schedule,
//! compare with whole delivery, and shrink a difference to a minimal,
//! replayable schedule.
//!
//! Any decoder can be checked once it implements [`Push`]: bytes in by
//! [`Push::push`], the end of the stream by [`Push::finish`], and comparable
//! events out. The reference [`Decoder`] implements it; so does any
//! `tokio_util::codec::Decoder` through `Codec` (cargo feature
//! `tokio-util`).
//!
//! How a plan is delivered (no clock: pauses and stalls change nothing here):
//!
//! | plan ends | split delivery | compared with |
//! |---|---|---|
//! | normally | every piece, then `finish` | all bytes in one push, then `finish` |
//! | `fin@N` | the pieces up to N, then `finish` | the first N bytes whole, then `finish` |
//! | `rst@N` | the pieces up to N, no `finish` | the first N bytes whole, no `finish` |
//!
//! ```
//! use framecheck_framing::simulate::{Push, check, shrink};
//! use framecheck_framing::Schedule;
//!
//! /// A line decoder with the classic bug: it looks for "\r\n" only inside
//! /// each chunk, so a delimiter cut between '\r' and '\n' is missed.
//! #[derive(Default)]
//! struct Naive(Vec<u8>);
//! impl Push for Naive {
//!     type Event = Vec<u8>;
//!     fn push(&mut self, chunk: &[u8], out: &mut Vec<Vec<u8>>) {
//!         let mut from = self.0.len(); // the bug: the old bytes are not searched again
//!         self.0.extend_from_slice(chunk);
//!         while let Some(i) = self.0[from..].windows(2).position(|w| w == b"\r\n") {
//!             out.push(self.0.drain(..from + i + 2).collect());
//!             from = 0;
//!         }
//!     }
//!     fn finish(&mut self, _out: &mut Vec<Vec<u8>>) {}
//! }
//!
//! let stream = b"PING\r\nPING\r\n";
//! let schedule: Schedule = "1".parse()?;
//! let failure = check(Naive::default, stream, &[], &schedule).unwrap_err();
//! let minimal = shrink(Naive::default, stream, &failure);
//! assert_eq!(minimal.schedule.to_string(), "5,*"); // one cut, between \r and \n
//! assert_eq!(minimal.prefix, 6); // the first line alone shows it
//! # Ok::<(), framecheck_framing::Error>(())
//! ```

#[cfg(feature = "tokio-util")]
mod codec;
mod shrink;

#[cfg(feature = "tokio-util")]
pub use codec::Codec;
pub use shrink::{Shrunk, shrink};

use std::fmt;

use crate::schedule::{Plan, Step};
use crate::{Decoder, Error, Frame, Schedule};

/// A decoder that takes a stream in chunks: what the simulator drives.
///
/// Events are whatever the decoder reports (frames, errors); two deliveries
/// of the same bytes must give equal event lists however they were cut.
pub trait Push {
    /// What the decoder reports.
    type Event: fmt::Debug + Clone + PartialEq;
    /// Take the next chunk of the stream; append any events to `out`.
    fn push(&mut self, chunk: &[u8], out: &mut Vec<Self::Event>);
    /// The stream has ended (the peer's FIN); append any events to `out`.
    fn finish(&mut self, out: &mut Vec<Self::Event>);
}

/// The reference decoder: one `Ok(frame)` per frame, then at most one error.
/// After an error it reports nothing more (it stays failed).
impl Push for Decoder {
    type Event = Result<Frame, Error>;

    fn push(&mut self, chunk: &[u8], out: &mut Vec<Self::Event>) {
        if self.failure().is_some() {
            return;
        }
        let mut input = chunk;
        loop {
            match self.decode(&mut input) {
                Ok(Some(frame)) => out.push(Ok(frame.to_owned_frame())),
                Ok(None) => return,
                Err(e) => {
                    out.push(Err(e));
                    return;
                }
            }
        }
    }

    fn finish(&mut self, out: &mut Vec<Self::Event>) {
        if self.failure().is_some() {
            return;
        }
        match Decoder::finish(self) {
            Ok(Some(frame)) => out.push(Ok(frame.to_owned_frame())),
            Ok(None) => {}
            Err(e) => out.push(Err(e)),
        }
    }
}

/// How a delivery ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum End {
    /// The stream ended (all bytes, or a `fin@` fault): `finish` was called.
    Fin,
    /// A `rst@` fault: the connection died, `finish` was not called.
    Reset,
}

/// What a decoder reported for one delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery<E> {
    /// Every event, in order.
    pub events: Vec<E>,
    /// Bytes delivered.
    pub sent: usize,
    /// How it ended.
    pub end: End,
}

/// Deliver `stream` to a fresh decoder piece by piece as `plan` says.
pub fn deliver<D: Push>(mut decoder: D, stream: &[u8], plan: &Plan) -> Delivery<D::Event> {
    let mut events = Vec::new();
    let mut at = 0;
    let mut end = End::Fin;
    for step in &plan.steps {
        match step {
            Step::Piece(p) => {
                let to = (at + p.len).min(stream.len());
                decoder.push(&stream[at..to], &mut events);
                at = to;
            }
            Step::Stall(_) | Step::Fin => {}
            Step::Reset => end = End::Reset,
        }
    }
    if end == End::Fin {
        decoder.finish(&mut events);
    }
    Delivery {
        events,
        sent: at,
        end,
    }
}

/// Deliver the first `sent` bytes of `stream` in one push, ending as `end`.
pub fn deliver_whole<D: Push>(
    mut decoder: D,
    stream: &[u8],
    sent: usize,
    end: End,
) -> Delivery<D::Event> {
    let mut events = Vec::new();
    if sent > 0 {
        decoder.push(&stream[..sent], &mut events);
    }
    if end == End::Fin {
        decoder.finish(&mut events);
    }
    Delivery { events, sent, end }
}

/// A schedule under which a decoder reported something other than under
/// whole delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch<E> {
    /// The schedule, as given (with its seed).
    pub schedule: Schedule,
    /// The plan it made for this stream.
    pub plan: Plan,
    /// What whole delivery of the same bytes gave.
    pub whole: Delivery<E>,
    /// What the schedule's delivery gave.
    pub split: Delivery<E>,
}

impl<E> Mismatch<E> {
    /// Index of the first event that differs (or the shorter list's length).
    pub fn first_difference(&self) -> usize
    where
        E: PartialEq,
    {
        first_difference(&self.whole.events, &self.split.events)
    }
}

pub(crate) fn first_difference<E: PartialEq>(a: &[E], b: &[E]) -> usize {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()))
}

/// Deliver `stream` under `schedule` and under whole delivery, each to a
/// fresh decoder from `make`; `Err` with both event lists if they differ.
/// `message_ends` are the stream offsets where messages end (for `msg` and
/// `straddle`; may be empty).
pub fn check<D: Push>(
    mut make: impl FnMut() -> D,
    stream: &[u8],
    message_ends: &[usize],
    schedule: &Schedule,
) -> Result<Delivery<D::Event>, Box<Mismatch<D::Event>>> {
    let plan = schedule.plan(stream.len(), message_ends);
    let split = deliver(make(), stream, &plan);
    let whole = deliver_whole(make(), stream, split.sent, split.end);
    if split.events == whole.events {
        Ok(split)
    } else {
        Err(Box::new(Mismatch {
            schedule: schedule.clone(),
            plan,
            whole,
            split,
        }))
    }
}

/// The result of [`check_all`]: how many schedules ran, what they covered,
/// and the first failure, shrunk.
#[derive(Debug, Clone)]
pub struct Report<E> {
    /// Schedules tried.
    pub cases: usize,
    /// Boundary positions and pairs covered.
    pub coverage: crate::schedule::generate::Coverage,
    /// The first failing case's label and its minimal form, if any failed.
    pub failure: Option<(String, Shrunk<E>)>,
}

/// Try every generated case (see [`generate::cases`](crate::schedule::generate::cases))
/// on `stream`; stop at the first difference and shrink it. `spec`, if
/// given, adds framing-aware cuts and message boundaries.
pub fn check_all<D: Push>(
    mut make: impl FnMut() -> D,
    stream: &[u8],
    spec: Option<&crate::Spec>,
    budget: &crate::schedule::generate::Budget,
) -> Report<D::Event> {
    let generated = crate::schedule::generate::cases(spec, stream, budget);
    let mut report = Report {
        cases: 0,
        coverage: generated.coverage,
        failure: None,
    };
    for case in &generated.cases {
        report.cases += 1;
        if let Err(m) = check(&mut make, stream, &generated.message_ends, &case.schedule) {
            let shrunk = shrink(&mut make, stream, &m);
            report.failure = Some((case.label.clone(), shrunk));
            break;
        }
    }
    report
}
