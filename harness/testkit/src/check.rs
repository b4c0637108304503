//! The checks: a user decoder beside the reference [`Decoder`] under one
//! schedule ([`check`]) or every schedule of a small stream
//! ([`check_all_schedules`]).
//!
//! The user's decoder gets the stream cut as the schedule says; the
//! reference gets the same bytes (it is split-invariant, so how they are cut
//! does not matter to it). They must report the same events ([`Event`]): the
//! same frames, in order, then the same refusal point, if any. While the
//! user's decoder can tell what it holds ([`UserDecoder::held`]), it must
//! never hold more than the spec's `max + overhead` bytes between reads, nor
//! allocate more than [`Reference::capacity_bound`] for them.

use std::any::Any;
use std::cell::Cell;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use framecheck_framing::schedule::generate::message_ends;
use framecheck_framing::simulate::{self, Delivery, End, Push};
use framecheck_framing::{Decoder, Frame, Schedule, Spec};

use crate::decoder::UserDecoder;

/// Which bytes of a reference frame the user's frames are compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Part {
    /// The payload: no header, no delimiter (tokio-util's `AnyDelimiterCodec`,
    /// `LengthDelimitedCodec` with its default `num_skip`).
    #[default]
    Payload,
    /// The whole frame as it was on the wire (`LengthDelimitedCodec` with
    /// `num_skip(0)`).
    Wire,
    /// The payload less one trailing `\r`, as tokio-util's `LinesCodec`
    /// strips it from a `line` frame.
    Line,
}

impl Part {
    fn of(self, frame: &Frame) -> Vec<u8> {
        match self {
            Part::Payload => frame.payload().to_vec(),
            Part::Wire => frame.wire.clone(),
            Part::Line => {
                let p = frame.payload();
                p.strip_suffix(b"\r").unwrap_or(p).to_vec()
            }
        }
    }
}

/// The reference a user decoder is checked against: a spec and the part of
/// its frames to compare. `&Spec` converts into one that compares payloads.
///
/// ```
/// use framecheck_testkit::{Part, Reference};
/// let spec = "line,max=80".parse()?;
/// let lines = Reference::new(&spec).part(Part::Line);
/// assert_eq!(lines.spec().max(), 80);
/// # Ok::<(), framecheck_framing::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    spec: Spec,
    part: Part,
}

impl Reference {
    /// Compare with the payloads of `spec`'s frames.
    pub fn new(spec: &Spec) -> Reference {
        Reference {
            spec: spec.clone(),
            part: Part::default(),
        }
    }

    /// Compare with another part of each frame.
    #[must_use]
    pub fn part(mut self, part: Part) -> Reference {
        self.part = part;
        self
    }

    /// The spec.
    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// The most bytes a correct decoder holds between reads: a partial frame,
    /// `max + overhead` (what the reference itself never exceeds).
    pub fn held_bound(&self) -> usize {
        self.spec.max().saturating_add(self.spec.overhead())
    }

    /// The most bytes a decoder may allocate after reads of at most
    /// `largest_read` bytes: twice what it may hold plus the read (a growing
    /// buffer doubles), and 1 KiB of slack. A decoder that reserves a
    /// declared length before checking it against `max` exceeds it.
    pub fn capacity_bound(&self, largest_read: usize) -> usize {
        self.held_bound()
            .saturating_add(largest_read)
            .saturating_mul(2)
            .saturating_add(1024)
    }
}

impl From<&Spec> for Reference {
    fn from(spec: &Spec) -> Reference {
        Reference::new(spec)
    }
}

/// One thing a decoder reported, in a form both sides share.
#[derive(Clone)]
pub enum Event {
    /// A complete frame (its compared [`Part`]).
    Frame(Vec<u8>),
    /// The decoder refused the stream after `frame` frames: during a read,
    /// or at the end of the stream (`at_end`). `detail` is its error, shown
    /// but not compared: only where a decoder refuses must agree.
    Refused {
        /// Frames reported before the refusal.
        frame: usize,
        /// Whether it came from the end of the stream.
        at_end: bool,
        /// The error's text.
        detail: String,
    },
    /// The user's decoder held or allocated more than the bound after a
    /// read (the reference never reports this).
    Overheld {
        /// Bytes held.
        len: usize,
        /// Bytes allocated.
        capacity: usize,
        /// What is allowed for each: `max + overhead` held, and
        /// [`Reference::capacity_bound`] allocated.
        bound: (usize, usize),
    },
    /// The user's decoder panicked, with this message.
    Panicked(String),
}

thread_local! {
    /// Whether this thread is inside a user decoder's call (its panics are
    /// caught and reported as events, so they are not printed).
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Call `f`, catching a panic without printing it: the checks call a
/// panicking decoder many times while they shrink its schedule. Panics
/// elsewhere go to the hook that was installed before.
fn quietly<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(false));
    result
}

fn panic_text(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(ToString::to_string)
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_string())
}

impl PartialEq for Event {
    fn eq(&self, other: &Event) -> bool {
        match (self, other) {
            (Event::Frame(a), Event::Frame(b)) => a == b,
            (
                Event::Refused {
                    frame: f1,
                    at_end: e1,
                    ..
                },
                Event::Refused {
                    frame: f2,
                    at_end: e2,
                    ..
                },
            ) => f1 == f2 && e1 == e2,
            (Event::Overheld { .. }, Event::Overheld { .. }) => true,
            (Event::Panicked(a), Event::Panicked(b)) => a == b,
            _ => false,
        }
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Frame(bytes) => write!(f, "frame b\"{}\"", bytes.escape_ascii()),
            Event::Refused {
                frame,
                at_end,
                detail,
            } => {
                let when = if *at_end {
                    "at end of stream"
                } else {
                    "during a read"
                };
                write!(f, "refused {when} after {frame} frames ({detail})")
            }
            Event::Overheld {
                len,
                capacity,
                bound,
            } => write!(
                f,
                "held {len} bytes in {capacity} allocated (bounds {} held, {} allocated)",
                bound.0, bound.1
            ),
            Event::Panicked(message) => write!(f, "panicked: {message}"),
        }
    }
}

/// One side of a comparison, driven by the framing crate's simulator.
enum Side<U> {
    User {
        dec: U,
        reference: Reference,
        frames: Vec<Vec<u8>>,
        reported: usize,
        largest_read: usize,
        done: bool,
    },
    Reference {
        dec: Decoder,
        part: Part,
        reported: usize,
    },
}

impl<U: UserDecoder> Side<U> {
    fn user(dec: U, reference: &Reference) -> Side<U> {
        Side::User {
            dec,
            reference: reference.clone(),
            frames: Vec::new(),
            reported: 0,
            largest_read: 0,
            done: false,
        }
    }

    fn reference(reference: &Reference) -> Side<U> {
        Side::Reference {
            dec: Decoder::new(&reference.spec),
            part: reference.part,
            reported: 0,
        }
    }

    fn run(&mut self, chunk: Option<&[u8]>, out: &mut Vec<Event>) {
        match self {
            Side::User {
                dec,
                reference,
                frames,
                reported,
                largest_read,
                done,
            } => {
                if *done {
                    return;
                }
                if let Some(c) = chunk {
                    *largest_read = (*largest_read).max(c.len());
                }
                // A panic is a finding too (outside a fuzzer, which aborts
                // on it first): the decoder is called no more.
                let called = quietly(|| match chunk {
                    Some(c) => dec.push(c, frames),
                    None => dec.finish(frames),
                });
                let result = match called {
                    Ok(result) => result,
                    Err(payload) => {
                        out.extend(frames.drain(..).map(Event::Frame));
                        out.push(Event::Panicked(panic_text(payload.as_ref())));
                        *done = true;
                        return;
                    }
                };
                for frame in frames.drain(..) {
                    out.push(Event::Frame(frame));
                    *reported += 1;
                }
                let bound = (
                    reference.held_bound(),
                    reference.capacity_bound(*largest_read),
                );
                if let Some(held) = dec.held() {
                    let over_len = result.is_ok() && chunk.is_some() && held.len > bound.0;
                    if over_len || held.capacity > bound.1 {
                        out.push(Event::Overheld {
                            len: held.len,
                            capacity: held.capacity,
                            bound,
                        });
                        *done = true;
                        return;
                    }
                }
                if let Err(e) = result {
                    out.push(Event::Refused {
                        frame: *reported,
                        at_end: chunk.is_none(),
                        detail: format!("{e:?}"),
                    });
                    *done = true;
                }
            }
            Side::Reference {
                dec,
                part,
                reported,
            } => {
                let mut events = Vec::new();
                match chunk {
                    Some(c) => dec.push(c, &mut events),
                    None => Push::finish(dec, &mut events),
                }
                for event in events {
                    match event {
                        Ok(frame) => {
                            out.push(Event::Frame(part.of(&frame)));
                            *reported += 1;
                        }
                        Err(e) => out.push(Event::Refused {
                            frame: *reported,
                            at_end: chunk.is_none(),
                            detail: e.to_string(),
                        }),
                    }
                }
            }
        }
    }
}

impl<U: UserDecoder> Push for Side<U> {
    type Event = Event;

    fn push(&mut self, chunk: &[u8], out: &mut Vec<Event>) {
        self.run(Some(chunk), out);
    }

    fn finish(&mut self, out: &mut Vec<Event>) {
        self.run(None, out);
    }
}

/// A factory of [`Side`]s for the simulator's `check`, which asks for two
/// decoders per check: the first gets the schedule's delivery, the second
/// whole delivery. The user's decoder is the first; the reference, which
/// gives the same events however its input is cut, the second.
fn sides<'a, U: UserDecoder>(
    reference: &'a Reference,
    mut factory: impl FnMut() -> U + 'a,
) -> impl FnMut() -> Side<U> + 'a {
    let mut calls = 0_u64;
    move || {
        calls += 1;
        if calls % 2 == 1 {
            Side::user(factory(), reference)
        } else {
            Side::reference(reference)
        }
    }
}

/// Deliver under `schedule` to both sides; the simulator's mismatch if they
/// disagree.
fn compare<U: UserDecoder>(
    reference: &Reference,
    factory: &mut impl FnMut() -> U,
    stream: &[u8],
    ends: &[usize],
    schedule: &Schedule,
) -> Result<Delivery<Event>, Box<Mismatch>> {
    let checked = simulate::check(sides(reference, &mut *factory), stream, ends, schedule);
    match checked {
        Ok(split) => Ok(split),
        Err(found) => {
            // A fresh factory: the shrinker's checks pair up from a first call.
            let shrunk = simulate::shrink(sides(reference, &mut *factory), stream, &found);
            Err(Box::new(
                Mismatch {
                    reference: reference.clone(),
                    found_by: found.schedule.clone(),
                    found_len: stream.len(),
                    found_user: found.split.clone(),
                    found_expected: found.whole.clone(),
                    schedule: shrunk.schedule,
                    stream: shrunk.stream,
                    pieces: Vec::new(),
                    user: shrunk.split,
                    expected: shrunk.whole,
                }
                .with_pieces(),
            ))
        }
    }
}

/// Where the user's decoder and the reference disagree, minimized. Its
/// [`Display`](fmt::Display) is the readable diff.
#[derive(Debug, Clone)]
pub struct Mismatch {
    /// The reference it was checked against.
    pub reference: Reference,
    /// The schedule that first showed the difference.
    pub found_by: Schedule,
    /// The length of the stream it was found on.
    pub found_len: usize,
    /// What the user's decoder reported as found (the whole stream under
    /// `found_by`). Shrinking may reach a simpler difference than the one
    /// found (a shorter prefix ends the stream earlier), so both are kept.
    pub found_user: Delivery<Event>,
    /// What the reference reported as found.
    pub found_expected: Delivery<Event>,
    /// The minimal schedule (explicit cuts, then at most one `rst@`).
    pub schedule: Schedule,
    /// The shortest prefix of the stream that still shows it.
    pub stream: Vec<u8>,
    /// The reads the minimal schedule makes of `stream`.
    pub pieces: Vec<Vec<u8>>,
    /// What the user's decoder reported under the minimal schedule.
    pub user: Delivery<Event>,
    /// What the reference reported for the same bytes.
    pub expected: Delivery<Event>,
}

impl Mismatch {
    fn with_pieces(mut self) -> Mismatch {
        let plan = self.schedule.plan(self.stream.len(), &[]);
        self.pieces = plan.chunks(&self.stream).map(<[u8]>::to_vec).collect();
        self
    }

    /// Index of the first event that differs (or the shorter list's length)
    /// under the minimal schedule.
    pub fn first_difference(&self) -> usize {
        first_difference(&self.user.events, &self.expected.events)
    }

    /// Whether the minimal case shows a different first difference than the
    /// case as found (then the diff shows both).
    pub fn shrunk_elsewhere(&self) -> bool {
        let (i, j) = (
            self.first_difference(),
            first_difference(&self.found_user.events, &self.found_expected.events),
        );
        (self.user.events.get(i), self.expected.events.get(i))
            != (
                self.found_user.events.get(j),
                self.found_expected.events.get(j),
            )
    }
}

fn first_difference(a: &[Event], b: &[Event]) -> usize {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()))
}

/// Both sides' events up to two past the first difference, marked.
fn write_sides(f: &mut fmt::Formatter<'_>, user: &[Event], expected: &[Event]) -> fmt::Result {
    let at = first_difference(user, expected);
    for (name, events) in [("your decoder", user), ("reference", expected)] {
        writeln!(f, "  {name}:")?;
        for (i, e) in events.iter().enumerate().take(at + 3) {
            let mark = if i == at { ">" } else { " " };
            writeln!(f, "   {mark} #{i} {e:?}")?;
        }
        if events.len() <= at {
            writeln!(f, "   > #{} (nothing)", events.len())?;
        }
    }
    Ok(())
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 96;
        writeln!(
            f,
            "the decoder disagrees with the reference `{}` (comparing {:?})",
            self.reference.spec, self.reference.part
        )?;
        writeln!(f, "  found by schedule  {}", self.found_by)?;
        writeln!(
            f,
            "  minimal schedule   {}   on the first {} bytes",
            self.schedule,
            self.stream.len()
        )?;
        let shown = &self.stream[..self.stream.len().min(SHOWN)];
        let more = if self.stream.len() > SHOWN { "..." } else { "" };
        writeln!(
            f,
            "  bytes              b\"{}\"{more}",
            shown.escape_ascii()
        )?;
        write!(f, "  reads             ")?;
        for (i, piece) in self.pieces.iter().enumerate().take(16) {
            let sep = if i == 0 { " " } else { " | " };
            let p = &piece[..piece.len().min(SHOWN / 4)];
            let more = if piece.len() > p.len() { "..." } else { "" };
            write!(f, "{sep}b\"{}\"{more}", p.escape_ascii())?;
        }
        let end = match self.user.end {
            End::Fin => "then end of stream",
            End::Reset => "then reset (no end of stream)",
        };
        writeln!(f, "   {end}")?;
        write_sides(f, &self.user.events, &self.expected.events)?;
        write!(f, "  first difference   event #{}", self.first_difference())?;
        if self.shrunk_elsewhere() {
            writeln!(
                f,
                "\n  as found (all {} bytes under {}; shrinking reached the simpler difference above):",
                self.found_len, self.found_by
            )?;
            write_sides(f, &self.found_user.events, &self.found_expected.events)?;
            write!(
                f,
                "  first difference   event #{}",
                first_difference(&self.found_user.events, &self.found_expected.events)
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for Mismatch {}

/// What a passing check saw.
#[derive(Debug, Clone, PartialEq)]
pub struct Agreement {
    /// Schedules tried.
    pub schedules: usize,
    /// The events both sides reported for the last schedule (for
    /// [`check`], the given one).
    pub events: Vec<Event>,
}

/// Check `decoder()` against `reference` on `stream` delivered under
/// `schedule`.
///
/// The user's decoder gets the stream cut as the schedule says; the
/// reference gets the same bytes (it is split-invariant, so how they are cut
/// does not matter to it). They must report the same [`Event`]s: the same
/// frames, in order, then the same refusal point, if any (the frame index,
/// and whether during a read or at the end of the stream). While the user's
/// decoder can tell what it holds ([`UserDecoder::held`]), it must never
/// hold more than the spec's `max + overhead` bytes between reads, nor
/// allocate more than [`Reference::capacity_bound`]; a panic in it is a
/// difference too. The schedule's message ends (for `msg` and `straddle`)
/// come from the reference's framing of `stream`.
///
/// ```
/// use framecheck_testkit::{check, from_fn};
/// use bytes::BytesMut;
/// // The classic bug: a u16 header read as if it always arrived whole.
/// let split = |buf: &mut BytesMut| -> Result<Option<BytesMut>, ()> {
///     if buf.len() < 2 { return Ok(None) }
///     let n = usize::from(u16::from_be_bytes([buf[0], buf[1]]));
///     if buf.len() < 2 + n { return Ok(None) }
///     let mut frame = buf.split_to(2 + n);
///     Ok(Some(frame.split_off(2)))
/// };
/// let spec = "u16be".parse()?;
/// // This one is right under any cutting.
/// let ok = check(&spec, || from_fn(split), b"\x00\x02hi", &"1".parse()?);
/// assert_eq!(ok.map(|a| a.events.len()).ok(), Some(1));
/// # Ok::<(), framecheck_framing::Error>(())
/// ```
pub fn check<U: UserDecoder>(
    reference: impl Into<Reference>,
    mut decoder: impl FnMut() -> U,
    stream: &[u8],
    schedule: &Schedule,
) -> Result<Agreement, Box<Mismatch>> {
    let reference = reference.into();
    let ends = message_ends(&reference.spec, stream).unwrap_or_default();
    let d = compare(&reference, &mut decoder, stream, &ends, schedule)?;
    Ok(Agreement {
        schedules: 1,
        events: d.events,
    })
}

/// Streams up to this long get every pair of cuts in
/// [`check_all_schedules`] (`n²/2` schedules); longer ones get single cuts,
/// byte by byte only.
pub const MAX_PAIRS_LEN: usize = 256;

/// Every schedule of a small stream: whole; every single cut; every pair of
/// cuts (streams up to [`MAX_PAIRS_LEN`] bytes); byte by byte; each time
/// with the end of the stream after its last byte (pass a truncated stream
/// to check an early end). Stops at the first difference and minimizes it.
///
/// ```
/// use framecheck_testkit::check_all_schedules;
/// use framecheck_testkit::from_fn;
/// use bytes::BytesMut;
/// // Looks for "\r\n" only in the bytes that just arrived: misses a
/// // delimiter cut between '\r' and '\n'.
/// let naive = move || {
///     let mut from = 0;
///     from_fn(move |buf: &mut BytesMut| -> Result<Option<BytesMut>, ()> {
///         let found = buf[from..].windows(2).position(|w| w == b"\r\n");
///         match found {
///             Some(i) => { let mut f = buf.split_to(from + i + 2); f.truncate(from + i); from = 0; Ok(Some(f)) }
///             None => { from = buf.len(); Ok(None) }
///         }
///     })
/// };
/// let err = check_all_schedules(&"crlf".parse()?, naive, b"PING\r\n").unwrap_err();
/// assert_eq!(err.schedule.to_string(), "5,*"); // cut between '\r' and '\n'
/// println!("{err}");
/// # Ok::<(), framecheck_framing::Error>(())
/// ```
pub fn check_all_schedules<U: UserDecoder>(
    reference: impl Into<Reference>,
    mut decoder: impl FnMut() -> U,
    stream: &[u8],
) -> Result<Agreement, Box<Mismatch>> {
    let reference = reference.into();
    let n = stream.len();
    let mut schedules: Vec<Schedule> = vec![Schedule::whole(), Schedule::fixed(1)];
    schedules.extend((1..n).map(|c| Schedule::cuts(&[c])));
    if n <= MAX_PAIRS_LEN {
        for a in 1..n {
            schedules.extend((a + 1..n).map(|b| Schedule::cuts(&[a, b])));
        }
    }
    let mut last = Vec::new();
    for schedule in &schedules {
        last = compare(&reference, &mut decoder, stream, &[], schedule)?.events;
    }
    Ok(Agreement {
        schedules: schedules.len(),
        events: last,
    })
}

/// [`check`] without message ends (for [`crate::fuzz_check`]).
pub(crate) fn check_plain<U: UserDecoder>(
    reference: &Reference,
    decoder: &mut impl FnMut() -> U,
    stream: &[u8],
    schedule: &Schedule,
) -> Result<(), Box<Mismatch>> {
    compare(reference, decoder, stream, &[], schedule).map(|_| ())
}
