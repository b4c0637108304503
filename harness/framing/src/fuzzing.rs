//! Fuzz target bodies, shared by the cargo-fuzz shims in `fuzz/` and the
//! stable corpus replay test (`tests/corpus_replay.rs`). Hidden: not part of
//! the crate's API.
//!
//! Every body asserts invariants, not just "no panic":
//!
//! | body | asserts |
//! |---|---|
//! | [`decode_fixed`], [`decode_delimited`], [`decode_len`], [`decode_tagged`], [`decode_eof`], [`decode_text`], [`decode_counted`], [`decode_http1_request`], [`decode_http1_response`] (layouts in `fuzzing/http1.rs`) | whole delivery gives exactly the frames (start, head, payload range, length), the end (the error with its kind, offset and fields, or a clean end) and the consumed count of the independent [`model`](crate::model), which parses the whole stream at once; an arbitrary cutting gives the same as whole delivery; frames tile the stream; consumed + held = input; held never above `max + overhead`; errors are sticky and carry the frame's offset |
//! | [`round_trip`] | arbitrary spec + payloads → [`Encoder`] → arbitrary cutting → [`Decoder`] gives every head and payload back (max-size ones too); the encoder refuses exactly what cannot be framed |
//! | [`schedule`] | the schedule parser never panics, `parse(display(x)) == x`, errors point at their token; a plan sends at most the stream; the reference `crlf` decoder passes every schedule (faults included); a decoder with a split bug that fails under a schedule shrinks to a schedule that still fails, with no more cuts and no longer a stream |
//! | [`spec_text`] | the parser never panics, `parse(display(x)) == x`, display is canonical, error positions point at their token; a spec built in code either prints to text that parses back to it or breaks a documented rule |
//!
//! # Input layouts
//!
//! Inputs are read front to back with [`arbitrary::Unstructured`], one byte
//! per choice, so that the seed generator ([`seeds`]) can write them and a
//! corpus file can be read by eye. Missing bytes read as zero.
//!
//! ```text
//! CUTS        := n:u8 size:u8{n % 16}     one piece per size (0 is an empty read), then the rest
//! decode_fixed     := n:u8 CUTS stream    fixed:(1 + n)
//! decode_delimited := DELIM CUTS stream
//! DELIM       := k:u8 max:u16le [dlen:u8 byte{1 + dlen % 4}]   k % 3: line, crlf, delim: (bytes only then)
//! decode_len       := LEN CUTS stream
//! LEN         := field:u8 offset:u8 adjust:i8 max:u16le      field % 8 in spec order, offset % 9
//! decode_tagged    := TAGGED CUTS stream
//! TAGGED      := n:u8 (tag:u8 rule:u8){1 + n % 4} adjust:i8 max:u16le   rule < 8: a length field, else fixed:(rule - 8)
//! decode_eof       := max:u16le CUTS stream
//! decode_text      := TEXT CUTS stream
//! TEXT        := k:u8 param:u8 offset:u8 adjust:i8 max:u16le flags:u8
//!                k % 5: digits:(1 + param % 18), hex:(1 + param % 15), pktline, netstring,
//!                declen:param (a digit reads as a space); offset % 5 and adjust for digits/hex
//!                only; flags bit 0: first=(u32be,adjust=-4), with bit 1: first=(netstring)
//! decode_counted   := COUNTED CUTS stream
//! COUNTED     := flags:u8 (len:u8 letter:u8{1 + len % 3} pos:u8){1 + flags >> 1 & 3} max:u16le
//!                flags bit 0 clear: crlf, set: line; letters a + b % 4; pos 2 + b % 4
//! max:u16le        0 is the kind's default, anything else the max itself
//! round_trip       := k:u8 SPEC CUTS MESSAGE*      k % 5: fixed, delimited, len, tagged, eof;
//!                                                   k >= 0xf0: TEXT (k even) or COUNTED (k odd)
//! MESSAGE     := mode:u8 head body                 see `read_message`
//! spec_text        := bytes                         parsed as text, and as a spec built in code
//! schedule         := n:u8 text{n} stream           `text` parsed as a schedule; `stream` (at most
//!                                                   64 bytes) delivered under it
//! ```

mod http1;

use std::cell::RefCell;

use arbitrary::Unstructured;

use crate::spec::{
    COUNTED_MAX_POS, CountEntry, Counted, DIGITS_MAX_WIDTH, HEX_MAX_WIDTH, Kind, LenField,
    MAX_LIMIT, MAX_OFFSET, PKTLINE_MAX, Spec, TagEntry, TagRule,
};
use crate::{Decoder, Encoder, Error, FrameRef, Schedule, Stage, model};

pub use http1::{decode_http1_request, decode_http1_response};

/// The names of the targets whose bodies live here, in corpus order.
pub const TARGETS: [&str; 12] = [
    "decode_fixed",
    "decode_delimited",
    "decode_len",
    "decode_tagged",
    "decode_eof",
    "decode_text",
    "decode_counted",
    "round_trip",
    "spec_text",
    "schedule",
    "decode_http1_request",
    "decode_http1_response",
];

/// Run the body of the named target on one input; `false` if no target has
/// that name here.
pub fn run(target: &str, data: &[u8]) -> bool {
    match target {
        "decode_fixed" => decode_fixed(data),
        "decode_delimited" => decode_delimited(data),
        "decode_len" => decode_len(data),
        "decode_tagged" => decode_tagged(data),
        "decode_eof" => decode_eof(data),
        "decode_text" => decode_text(data),
        "decode_counted" => decode_counted(data),
        "round_trip" => round_trip(data),
        "spec_text" => spec_text(data),
        "schedule" => schedule(data),
        "decode_http1_request" => decode_http1_request(data),
        "decode_http1_response" => decode_http1_response(data),
        _ => return false,
    }
    true
}

// ---------------------------------------------------------------------------
// Decode targets

/// `fixed:N` under an arbitrary cutting.
pub fn decode_fixed(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let spec = read_fixed(&mut u);
    check_decode(&spec, &mut u);
}

/// `line`, `crlf` and `delim:` under an arbitrary cutting.
pub fn decode_delimited(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let spec = read_delimited(&mut u);
    check_decode(&spec, &mut u);
}

/// Length prefixes (every field, offset, adjust, max) under an arbitrary cutting.
pub fn decode_len(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let spec = read_len(&mut u);
    check_decode(&spec, &mut u);
}

/// `tagged:` under an arbitrary cutting.
pub fn decode_tagged(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let spec = read_tagged(&mut u);
    check_decode(&spec, &mut u);
}

/// Lengths written as text (`digits:`, `hex:`, `pktline`, `netstring`,
/// `declen:`, with or without `first=`) under an arbitrary cutting.
pub fn decode_text(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let spec = read_text(&mut u);
    check_decode(&spec, &mut u);
}

/// `counted:` lines and data blocks under an arbitrary cutting.
pub fn decode_counted(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let spec = read_counted(&mut u);
    check_decode(&spec, &mut u);
}

/// `eof` under an arbitrary cutting.
pub fn decode_eof(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let spec = read_eof(&mut u);
    check_decode(&spec, &mut u);
}

/// Calibration for throughput measurements (`scripts/fuzz-throughput.sh`),
/// not a fuzz target of its own: read the spec exactly as the decode target
/// `target` does, then decode the stream once, whole, with no cutting and no
/// checks. Its exec/s is the most the real target could reach on the same
/// inputs; the gap is the price of the checks. `false` if `target` is not
/// one of the five decode targets.
pub fn decode_only(target: &str, data: &[u8]) -> bool {
    let mut u = Unstructured::new(data);
    let spec = match target {
        "decode_fixed" => read_fixed(&mut u),
        "decode_delimited" => read_delimited(&mut u),
        "decode_len" => read_len(&mut u),
        "decode_tagged" => read_tagged(&mut u),
        "decode_eof" => read_eof(&mut u),
        "decode_text" => read_text(&mut u),
        "decode_counted" => read_counted(&mut u),
        "decode_http1_request" => http1::read_http1(&mut u, crate::http1::Role::Request),
        "decode_http1_response" => http1::read_http1(&mut u, crate::http1::Role::Response),
        _ => return false,
    };
    let _cuts = read_cuts(&mut u);
    let mut input = u.bytes(u.len()).unwrap_or_default();
    let mut dec = Decoder::new(&spec);
    let mut frames = 0usize;
    while let Ok(Some(_)) = dec.decode(&mut input) {
        frames += 1;
    }
    if input.is_empty() && dec.failure().is_none() {
        frames += usize::from(matches!(dec.finish(), Ok(Some(_))));
    }
    std::hint::black_box(frames);
    true
}

fn check_decode(spec: &Spec, u: &mut Unstructured<'_>) {
    let cuts = read_cuts(u);
    let stream = u.bytes(u.len()).unwrap_or_default();
    check_split(spec, stream, cuts);
}

thread_local! {
    /// The whole run's frame records, kept from one fuzz iteration to the
    /// next so that comparing two runs allocates nothing once it has warmed up.
    static WHOLE: RefCell<Vec<[usize; 6]>> = const { RefCell::new(Vec::new()) };
}

/// Decode `stream` whole and cut into `cuts`-sized pieces, check every
/// invariant of each run, and assert that both runs agree: the same frames
/// (compared one by one as the cut run makes them), the same end and the
/// same consumed count; and that the whole run gives exactly the frames,
/// end and consumed count of the independent [`model`](crate::model).
pub fn check_split(spec: &Spec, stream: &[u8], cuts: &[u8]) {
    check_split_with(spec, stream, cuts, || Decoder::new(spec));
}

/// [`check_split`] for any decoder that `new` makes: the fuzz bodies pass the
/// real one; the oracle's self-tests pass deliberately broken ones, to prove
/// that these same checks catch them.
pub fn check_split_with<D: Subject>(spec: &Spec, stream: &[u8], cuts: &[u8], new: impl Fn() -> D) {
    let oracle = Oracle::new(spec, stream);
    let expected = model::model(spec, stream, true);
    WHOLE.with_borrow_mut(|whole| {
        whole.clear();
        let full = oracle.run(new(), Pieces::new(stream, &[]), Checks::Full, |_, rec| {
            whole.push(rec);
        });
        agrees_with_model(spec, stream, &expected, whole, &full);
        let cut = oracle.run(new(), Pieces::new(stream, cuts), Checks::Bytes, |i, rec| {
            assert_eq!(
                whole.get(i),
                Some(&rec),
                "{spec}: cutting {cuts:?} changed frame {i} of {stream:?}"
            );
        });
        assert_eq!(
            full, cut,
            "{spec}: cutting {cuts:?} changed the end of {stream:?}"
        );
    });
}

/// Assert that a decoder's whole run (its frame records and outcome) is what
/// the model says: every frame's start, head, payload range and length, the
/// error with its kind, offset and fields (or a clean end), and the bytes
/// consumed.
fn agrees_with_model(
    spec: &Spec,
    stream: &[u8],
    expected: &model::Model,
    frames: &[[usize; 6]],
    outcome: &Outcome,
) {
    for (i, (got, want)) in frames.iter().zip(&expected.frames).enumerate() {
        assert_eq!(
            *got,
            want.record(),
            "{spec}: frame {i} [start, head, payload start, payload end, length] is not the model's, on {stream:?}"
        );
    }
    assert_eq!(
        frames.len(),
        expected.frames.len(),
        "{spec}: the decoder gave {} frames, the model {}, on {stream:?}",
        frames.len(),
        expected.frames.len()
    );
    let want_end = match &expected.end {
        model::End::Clean => Ok(()),
        model::End::Failed(e) => Err(e.clone()),
        model::End::Waiting { .. } => unreachable!("the model of an ended stream does not wait"),
    };
    assert_eq!(
        outcome.end, want_end,
        "{spec}: the decoder's end is not the model's, on {stream:?}"
    );
    assert_eq!(
        to_usize(outcome.consumed),
        expected.consumed(),
        "{spec}: consumed is not the model's, on {stream:?}"
    );
}

/// A decoder under test: what the checks call. [`Decoder`] is the one the
/// fuzz bodies check.
pub trait Subject {
    /// As [`Decoder::decode`].
    fn decode<'s, 'i: 's>(
        &'s mut self,
        input: &mut &'i [u8],
    ) -> Result<Option<FrameRef<'s>>, Error>;
    /// As [`Decoder::finish`].
    fn finish(&mut self) -> Result<Option<FrameRef<'_>>, Error>;
    /// As [`Decoder::consumed`].
    fn consumed(&self) -> u64;
    /// As [`Decoder::held`].
    fn held(&self) -> usize;
    /// As [`Decoder::peak_held`].
    fn peak_held(&self) -> usize;
}

impl Subject for Decoder {
    #[inline]
    fn decode<'s, 'i: 's>(
        &'s mut self,
        input: &mut &'i [u8],
    ) -> Result<Option<FrameRef<'s>>, Error> {
        Decoder::decode(self, input)
    }

    #[inline]
    fn finish(&mut self) -> Result<Option<FrameRef<'_>>, Error> {
        Decoder::finish(self)
    }

    #[inline]
    fn consumed(&self) -> u64 {
        Decoder::consumed(self)
    }

    #[inline]
    fn held(&self) -> usize {
        Decoder::held(self)
    }

    #[inline]
    fn peak_held(&self) -> usize {
        Decoder::peak_held(self)
    }
}

/// What a decoder said about a stream, as positions in it.
#[derive(Debug, PartialEq, Eq)]
pub struct Observed {
    /// Each frame as (start, head length, payload range start, payload range end, wire length).
    pub frames: Vec<[usize; 6]>,
    /// How the stream ended.
    pub end: Result<(), Error>,
    /// Bytes in complete frames.
    pub consumed: u64,
}

/// Feed `pieces` (which concatenate to `stream`) to a decoder, asserting the
/// per-call invariants, and record what it said.
pub fn observe<'a>(
    spec: &Spec,
    stream: &[u8],
    pieces: impl Iterator<Item = &'a [u8]>,
    checks: Checks,
) -> Observed {
    let mut frames = Vec::new();
    let outcome = Oracle::new(spec, stream).run(Decoder::new(spec), pieces, checks, |_, rec| {
        frames.push(rec);
    });
    Observed {
        frames,
        end: outcome.end,
        consumed: outcome.consumed,
    }
}

/// How a run ended: everything of [`Observed`] but the frames.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    frames: usize,
    end: Result<(), Error>,
    consumed: u64,
}

/// What every frame of one stream is checked against, worked out once per
/// run rather than once per frame.
struct Oracle<'s> {
    spec: &'s Spec,
    stream: &'s [u8],
    max: usize,
    /// `max + overhead`: the most a decoder may hold, and the longest frame.
    bound: usize,
    /// The delimiter, for delimited kinds.
    delim: Option<&'s [u8]>,
}

impl<'s> Oracle<'s> {
    fn new(spec: &'s Spec, stream: &'s [u8]) -> Self {
        let max = spec.max();
        Oracle {
            spec,
            stream,
            max,
            bound: max + spec.overhead(),
            delim: spec.delimiter(),
        }
    }

    /// Feed `pieces` to a fresh decoder, asserting the per-call invariants;
    /// hand each frame's record, with its index, to `on_frame`.
    #[expect(
        clippy::too_many_lines,
        reason = "one assertion per outcome, in stream order"
    )]
    fn run<'a, D: Subject>(
        &self,
        mut dec: D,
        pieces: impl Iterator<Item = &'a [u8]>,
        checks: Checks,
        mut on_frame: impl FnMut(usize, [usize; 6]),
    ) -> Outcome {
        let (spec, bound) = (self.spec, self.bound);
        let mut frames = 0usize;
        let mut given = 0usize;
        let mut end = Ok(());
        'feed: for piece in pieces {
            let mut input = piece;
            given += piece.len();
            loop {
                let before = dec.consumed();
                let left_before = input.len();
                match dec.decode(&mut input) {
                    Ok(Some(frame)) => {
                        let start = to_usize(before);
                        let rec = self.check_frame(start, frames, &frame, checks);
                        on_frame(frames, rec);
                        frames += 1;
                        assert_eq!(
                            to_usize(dec.consumed()),
                            start + rec[4],
                            "{spec}: consumed must advance by the frame"
                        );
                    }
                    Ok(None) => {
                        assert!(input.is_empty(), "{spec}: None must take the whole chunk");
                        assert_eq!(
                            to_usize(dec.consumed()) + dec.held(),
                            given,
                            "{spec}: consumed + held must be the input"
                        );
                        break;
                    }
                    Err(e) => {
                        assert_eq!(
                            e.offset(),
                            Some(dec.consumed()),
                            "{spec}: {e} must name the failing frame's offset"
                        );
                        assert!(input.len() <= left_before, "{spec}: input grew");
                        assert_eq!(
                            to_usize(dec.consumed()) + dec.held() + input.len(),
                            given,
                            "{spec}: at an error, consumed + held + unread must be the input"
                        );
                        let mut more: &[u8] = b"x";
                        assert_eq!(
                            dec.decode(&mut more).err().as_ref(),
                            Some(&e),
                            "{spec}: sticky"
                        );
                        assert_eq!(
                            dec.finish().err().as_ref(),
                            Some(&e),
                            "{spec}: sticky finish"
                        );
                        end = Err(e);
                        break 'feed;
                    }
                }
                assert!(dec.held() <= bound, "{spec}: held {} > {bound}", dec.held());
            }
            assert!(dec.held() <= bound, "{spec}: held {} > {bound}", dec.held());
        }
        if end.is_ok() {
            assert_eq!(
                given,
                self.stream.len(),
                "{spec}: pieces must cover the stream"
            );
            let before = dec.consumed();
            let held = dec.held();
            match dec.finish() {
                Ok(Some(frame)) => {
                    // (An HTTP response body read to close ends there too.)
                    assert!(
                        matches!(spec.kind, Kind::Eof)
                            || matches!(&spec.kind, Kind::Http1(h) if h.role == crate::http1::Role::Response),
                        "{spec}: only eof frames at finish"
                    );
                    let rec = self.check_frame(to_usize(before), frames, &frame, checks);
                    on_frame(frames, rec);
                    frames += 1;
                    assert_eq!(
                        to_usize(dec.consumed()),
                        self.stream.len(),
                        "{spec}: eof takes all"
                    );
                }
                Ok(None) => {
                    assert_eq!(held, 0, "{spec}: a clean end holds nothing");
                    assert_eq!(
                        to_usize(dec.consumed()),
                        self.stream.len(),
                        "{spec}: clean end"
                    );
                }
                Err(e) => {
                    let Error::Truncated {
                        offset,
                        held: h,
                        stage,
                    } = e
                    else {
                        panic!("{spec}: finish may only report truncation, got {e}");
                    };
                    assert_eq!(offset, before, "{spec}: truncation offset");
                    assert_eq!(h, held, "{spec}: truncation counts the held bytes");
                    assert_eq!(
                        to_usize(offset) + h,
                        self.stream.len(),
                        "{spec}: consumed + held"
                    );
                    assert!(h > 0, "{spec}: truncated with nothing held");
                    if matches!(stage, Stage::Delimiter) {
                        assert!(self.delim.is_some(), "{spec}: delimiter stage");
                    }
                    end = Err(e);
                }
            }
            // Finishing twice says the same.
            let again = dec.finish().map(|f| f.map(|f| f.wire().len()));
            match &end {
                Err(e) => assert_eq!(again.as_ref().err(), Some(e), "{spec}: finish is sticky"),
                Ok(()) => assert_eq!(again, Ok(None), "{spec}: finish twice"),
            }
        }
        assert!(
            dec.peak_held() <= bound,
            "{spec}: peak held {} > {bound}",
            dec.peak_held()
        );
        Outcome {
            frames,
            end,
            consumed: dec.consumed(),
        }
    }

    /// Check one frame against the stream (and with [`Checks::Full`], the
    /// spec); return its record.
    fn check_frame(
        &self,
        start: usize,
        index: usize,
        frame: &FrameRef<'_>,
        checks: Checks,
    ) -> [usize; 6] {
        // The first frame of a `first=` stream follows the first spec.
        let (spec, max) = match &self.spec.first {
            Some(first) if index == 0 => (&**first, first.max()),
            _ => (self.spec, self.max),
        };
        let wire = frame.wire();
        // A frame lent from the input chunk is the stream's bytes by where it
        // lies; one from the decoder's buffer is compared byte by byte.
        let lent_in_place = self.stream.get(start..).is_some_and(|at| {
            !wire.is_empty() && std::ptr::eq(wire.as_ptr(), at.as_ptr()) && wire.len() <= at.len()
        });
        if !lent_in_place {
            assert_eq!(
                self.stream.get(start..start + wire.len()),
                Some(wire),
                "{spec}: frame at {start} is not the stream's bytes"
            );
        }
        let payload = frame.payload_range();
        let head = frame.head().len();
        let rec = [
            start,
            head,
            payload.start,
            payload.end,
            wire.len(),
            model::special_code(frame.special()),
        ];
        if checks == Checks::Bytes {
            return rec;
        }
        assert!(payload.len() <= max, "{spec}: payload over max");
        assert!(
            wire.len() <= self.bound,
            "{spec}: frame over max + overhead"
        );
        match &spec.kind {
            Kind::Fixed(n) => assert_eq!((wire.len(), head, payload.start), (*n, 0, 0)),
            Kind::Line | Kind::Crlf | Kind::Delim(_) => {
                let d = self.delim.expect("a delimited kind has a delimiter");
                assert_eq!((head, payload.start), (0, 0));
                assert!(
                    payload.end + d.len() == wire.len() && starts_with(&wire[payload.end..], d),
                    "{spec}: frame must end with its delimiter"
                );
                assert!(
                    !contains(&wire[..wire.len() - 1], d),
                    "{spec}: frame holds an earlier delimiter"
                );
            }
            Kind::Len(_) => {
                assert_eq!((head, payload.end), (spec.offset, wire.len()));
            }
            Kind::Tagged(entries) => {
                assert_eq!((head, payload.end), (1, wire.len()));
                assert!(
                    entries.iter().any(|e| e.tag == wire[0]),
                    "{spec}: unknown tag framed"
                );
            }
            Kind::Eof => assert_eq!((head, payload.start, payload.end), (0, 0, wire.len())),
            Kind::Digits(n) | Kind::Hex(n) => {
                assert_eq!(
                    (head, payload.start, payload.end),
                    (spec.offset, spec.offset + n, wire.len())
                );
            }
            Kind::PktLine => {
                assert_eq!((head, payload.start, payload.end), (0, 4, wire.len()));
                assert_eq!(
                    frame.special().is_some(),
                    wire[..4] < b"0004"[..],
                    "{spec}: special packets"
                );
            }
            Kind::Netstring => {
                assert_eq!(wire[payload.start - 1], b':');
                assert_eq!(&wire[payload.end..], b",");
            }
            Kind::DecLen(sep) => {
                assert_eq!(wire[payload.start - 1], *sep);
                assert_eq!(payload.end, wire.len());
            }
            Kind::Http1(_) => {
                // The head is the header section; the body runs to the end.
                assert_eq!((head, payload.end), (payload.start, wire.len()));
            }
            Kind::Counted(c) => {
                let d = c.delimiter();
                assert!(
                    wire.ends_with(d),
                    "{spec}: counted frame must end with its delimiter"
                );
                if head > 0 {
                    assert_eq!(&wire[head..payload.start], d);
                    assert_eq!(payload.end + d.len(), wire.len());
                }
            }
        }
        if frame.special().is_some() {
            assert!(payload.is_empty(), "{spec}: a special frame has no payload");
        }
        rec
    }
}

/// `hay` begins with `needle`. A byte loop: the needles here are delimiters
/// of at most a few bytes, too short for a `memcmp` call (which sanitizers
/// and the fuzzer's comparison tracing make costly) to pay.
fn starts_with(hay: &[u8], needle: &[u8]) -> bool {
    hay.len() >= needle.len() && hay.iter().zip(needle).all(|(a, b)| a == b)
}

/// `needle` occurs in `hay`: each hit of its first byte (found by `memchr`)
/// checked in full. Deliberately not the decoder's own search (`find_end`,
/// which scans for the last byte and looks backwards).
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    let Some((&first, _)) = needle.split_first() else {
        return true;
    };
    let mut from = 0;
    while let Some(i) = memchr::memchr(first, &hay[from..]) {
        let at = from + i;
        if starts_with(&hay[at..], needle) {
            return true;
        }
        from = at + 1;
    }
    false
}

/// How much a run checks each frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checks {
    /// Its bytes are the stream's, and its layout is the spec's.
    Full,
    /// Only its bytes; for a run compared with a `Full` one.
    Bytes,
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).expect("stream offsets in a fuzz input fit usize")
}

/// A cutting of a stream: one piece per entry of `sizes` (0 is an empty
/// read), then the rest as one piece. At most 16 pieces, so that a run costs
/// about the same however the input is cut: the exhaustive byte-at-a-time
/// cuttings are in `tests/split_invariance.rs`, and the fuzzer places up to
/// 15 cuts anywhere in the first 3825 bytes.
pub struct Pieces<'a> {
    rest: &'a [u8],
    sizes: std::slice::Iter<'a, u8>,
    started: bool,
    done: bool,
}

impl<'a> Pieces<'a> {
    /// Cut `stream` by `sizes`.
    pub fn new(stream: &'a [u8], sizes: &'a [u8]) -> Self {
        Pieces {
            rest: stream,
            sizes: sizes.iter(),
            started: false,
            done: false,
        }
    }
}

impl<'a> Iterator for Pieces<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.done {
            return None;
        }
        match self.sizes.next() {
            Some(&n) if !self.rest.is_empty() => {
                self.started = true;
                let (piece, rest) = self.rest.split_at(usize::from(n).min(self.rest.len()));
                self.rest = rest;
                Some(piece)
            }
            _ => {
                self.done = true;
                // The rest, unless the sizes took it all (an empty stream
                // still makes one empty piece).
                (!self.rest.is_empty() || !self.started).then(|| std::mem::take(&mut self.rest))
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Input readers (see the module docs for the layouts)

fn byte(u: &mut Unstructured<'_>) -> u8 {
    u.arbitrary().unwrap_or(0)
}

fn read_max(u: &mut Unstructured<'_>) -> Option<usize> {
    let max = u16::from_le_bytes([byte(u), byte(u)]);
    (max != 0).then_some(usize::from(max))
}

fn read_adjust(u: &mut Unstructured<'_>) -> i64 {
    i64::from(i8::from_ne_bytes([byte(u)]))
}

fn read_cuts<'a>(u: &mut Unstructured<'a>) -> &'a [u8] {
    let n = usize::from(byte(u) % 16).min(u.len());
    u.bytes(n).unwrap_or_default()
}

fn read_fixed(u: &mut Unstructured<'_>) -> Spec {
    Spec::new(Kind::Fixed(1 + usize::from(byte(u))))
}

fn read_delimited(u: &mut Unstructured<'_>) -> Spec {
    let k = byte(u) % 3;
    let max = read_max(u);
    let kind = match k {
        0 => Kind::Line,
        1 => Kind::Crlf,
        _ => {
            let n = 1 + usize::from(byte(u) % 4);
            Kind::Delim((0..n).map(|_| byte(u)).collect())
        }
    };
    Spec {
        max,
        ..Spec::new(kind)
    }
}

fn read_len(u: &mut Unstructured<'_>) -> Spec {
    let field = LenField::ALL[usize::from(byte(u) % 8)];
    let offset = usize::from(byte(u) % 9);
    let adjust = read_adjust(u);
    let max = read_max(u);
    Spec {
        max,
        offset,
        adjust,
        ..Spec::new(Kind::Len(field))
    }
}

fn read_tagged(u: &mut Unstructured<'_>) -> Spec {
    let n = 1 + usize::from(byte(u) % 4);
    let mut entries: Vec<TagEntry> = Vec::with_capacity(n);
    for _ in 0..n {
        let tag = byte(u);
        let r = byte(u);
        let rule = if r < 8 {
            TagRule::Len(LenField::ALL[usize::from(r)])
        } else {
            TagRule::Fixed(usize::from(r - 8))
        };
        if entries.iter().all(|e| e.tag != tag) {
            entries.push(TagEntry { tag, rule });
        }
    }
    let adjust = read_adjust(u);
    let max = read_max(u);
    Spec {
        max,
        adjust,
        ..Spec::new(Kind::Tagged(entries))
    }
}

/// `TEXT`: a kind byte (`% 5`: digits, hex, pktline, netstring, declen),
/// its parameter, offset, adjust, max; a flag byte whose low bit adds
/// `first=(u32be,adjust=-4)` or `first=(netstring)` (bit 1).
fn read_text(u: &mut Unstructured<'_>) -> Spec {
    let k = byte(u);
    let param = byte(u);
    let offset = usize::from(byte(u) % 5);
    let adjust = read_adjust(u);
    let max = read_max(u);
    let flags = byte(u);
    let (kind, takes_len) = match k % 5 {
        0 => (
            Kind::Digits(1 + usize::from(param) % DIGITS_MAX_WIDTH),
            true,
        ),
        1 => (Kind::Hex(1 + usize::from(param) % HEX_MAX_WIDTH), true),
        2 => (Kind::PktLine, false),
        3 => (Kind::Netstring, false),
        _ => (
            Kind::DecLen(if param.is_ascii_digit() { b' ' } else { param }),
            false,
        ),
    };
    let max = match kind {
        Kind::PktLine => max.map(|m| m.min(PKTLINE_MAX)),
        _ => max,
    };
    let first = (flags & 1 != 0).then(|| {
        Box::new(if flags & 2 == 0 {
            Spec {
                adjust: -4,
                ..Spec::new(Kind::Len(LenField::U32Be))
            }
        } else {
            Spec::new(Kind::Netstring)
        })
    });
    Spec {
        max,
        offset: if takes_len { offset } else { 0 },
        adjust: if takes_len { adjust } else { 0 },
        first,
        ..Spec::new(kind)
    }
}

/// `COUNTED`: crlf bit, 1 to 4 entries of (word length 1-3, word bytes
/// mapped to letters, position), max.
fn read_counted(u: &mut Unstructured<'_>) -> Spec {
    let flags = byte(u);
    let n = 1 + usize::from(flags >> 1 & 3);
    let mut entries: Vec<CountEntry> = Vec::with_capacity(n);
    for _ in 0..n {
        let len = 1 + usize::from(byte(u) % 3);
        let word: Vec<u8> = (0..len).map(|_| b'a' + byte(u) % 4).collect();
        let pos = 2 + usize::from(byte(u) % 4);
        if entries.iter().all(|e| e.word != word) {
            entries.push(CountEntry { word, pos });
        }
    }
    Spec {
        max: read_max(u),
        ..Spec::new(Kind::Counted(Counted {
            crlf: flags & 1 == 0,
            entries,
        }))
    }
}

fn read_eof(u: &mut Unstructured<'_>) -> Spec {
    Spec {
        max: read_max(u),
        ..Spec::new(Kind::Eof)
    }
}

// ---------------------------------------------------------------------------
// Round trip

/// The largest payload a round trip builds, so that a default `max` (64 KiB
/// or 16 MiB) does not make every run allocate that much: max-size payloads
/// are exact for a `max` up to 1 KiB, which the input chooses.
pub const ROUND_TRIP_CAP: usize = 1 << 10;

/// Arbitrary spec and messages → [`Encoder`] → arbitrary cutting → [`Decoder`]:
/// every accepted message comes back with its head, nothing else arrives, and
/// the encoder refuses exactly the messages [`refusal`] names.
pub fn round_trip(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let k = byte(&mut u);
    let spec = match k % 5 {
        // The text kinds: from 0xf0 up, so that older seeds keep their meaning.
        _ if k >= 0xf0 && k % 2 == 0 => read_text(&mut u),
        _ if k >= 0xf0 => read_counted(&mut u),
        0 => read_fixed(&mut u),
        1 => read_delimited(&mut u),
        2 => read_len(&mut u),
        3 => read_tagged(&mut u),
        _ => read_eof(&mut u),
    };

    let cuts = read_cuts(&mut u);
    let enc = Encoder::new(&spec);
    let mut wire = Vec::new();
    let mut sent: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    while !u.is_empty() {
        // With first=, the first message goes through the first spec's encoder.
        let (this, e) = match &spec.first {
            Some(first) if sent.is_empty() => (&**first, enc.first()),
            _ => (&spec, &enc),
        };
        let (head, payload) = read_message(this, &mut u);
        let expected = refusal(this, &head, &payload);
        let before = wire.len();
        match e.encode(&head, &payload, &mut wire) {
            Ok(()) => {
                assert_eq!(
                    expected, None,
                    "{spec}: encoder took an unframeable message"
                );
                sent.push((head, payload));
            }
            Err(e) => {
                assert!(matches!(e, Error::Unencodable { .. }), "{spec}: {e}");
                assert!(
                    expected.is_some(),
                    "{spec}: refused a frameable message: {e}"
                );
                assert_eq!(
                    wire.len(),
                    before,
                    "{spec}: a refusal must leave out as it was"
                );
            }
        }
        if matches!(spec.kind, Kind::Eof) && !sent.is_empty() {
            break; // one message per stream
        }
    }
    if matches!(spec.kind, Kind::Eof) && sent.is_empty() {
        sent.push((Vec::new(), Vec::new())); // an empty stream is one empty message
    }
    let seen = observe(&spec, &wire, Pieces::new(&wire, cuts), Checks::Full);
    assert_eq!(seen.end, Ok(()), "{spec}: encoded stream must end cleanly");
    assert_eq!(to_usize(seen.consumed), wire.len());
    assert_eq!(seen.frames.len(), sent.len(), "{spec}: frame count");
    for (rec, (head, payload)) in seen.frames.iter().zip(&sent) {
        let [start, head_len, p0, p1, _, _] = *rec;
        assert_eq!(&wire[start..start + head_len], &head[..], "{spec}: head");
        assert_eq!(
            &wire[start + p0..start + p1],
            &payload[..],
            "{spec}: payload"
        );
    }
}

/// One message of a round trip. `mode % 4`: 0 a payload of `len:u8` bytes
/// from the input; 1 a max-size payload (capped at [`ROUND_TRIP_CAP`]) of
/// one repeated byte; 2 the same one byte longer; 3 a payload of `len:u16le`
/// bytes. The head comes first: `offset` bytes for a length prefix, a tag
/// (`t < 0xf0` picks entry `t % n`, else `t` itself) for `tagged:`.
fn read_message(spec: &Spec, u: &mut Unstructured<'_>) -> (Vec<u8>, Vec<u8>) {
    let mode = byte(u) % 4;
    let head: Vec<u8> = match &spec.kind {
        Kind::Len(_) | Kind::Digits(_) | Kind::Hex(_) => {
            (0..spec.offset).map(|_| byte(u)).collect()
        }
        Kind::Tagged(entries) => {
            let t = byte(u);
            let tag = if t < 0xf0 {
                entries[usize::from(t) % entries.len()].tag
            } else {
                t
            };
            vec![tag]
        }
        _ => Vec::new(),
    };
    let full = spec.max().min(ROUND_TRIP_CAP);
    let payload = match mode {
        0 => {
            let n = usize::from(byte(u)).min(u.len());
            u.bytes(n).unwrap_or_default().to_vec()
        }
        1 => vec![byte(u); full],
        2 => vec![byte(u); full + 1],
        _ => {
            let n = usize::from(u16::from_le_bytes([byte(u), byte(u)])).min(u.len());
            u.bytes(n).unwrap_or_default().to_vec()
        }
    };
    // A counted block: a command line with the count, or (t < 0x80) a
    // line of its own, or (t >= 0xf8) a line whose count is one off.
    if let Kind::Counted(c) = &spec.kind {
        let t = byte(u);
        if t >= 0x80 {
            let e = &c.entries[usize::from(t) % c.entries.len()];
            let count = payload.len() + usize::from(t >= 0xf8);
            let mut line = e.word.clone();
            for _ in 2..e.pos {
                line.extend_from_slice(b" x");
            }
            line.push(b' ');
            line.extend_from_slice(count.to_string().as_bytes());
            return (line, payload);
        }
    }
    (head, payload)
}

/// Why `spec` cannot frame this message so that its decoder reads it back,
/// worked out independently of the encoder; `None` if it can.
pub fn refusal(spec: &Spec, head: &[u8], payload: &[u8]) -> Option<&'static str> {
    let head_len = match spec.kind {
        Kind::Len(_) | Kind::Digits(_) | Kind::Hex(_) => spec.offset,
        Kind::Tagged(_) => 1,
        _ => 0,
    };
    if head.len() != head_len && !matches!(spec.kind, Kind::Counted(_)) {
        return Some("wrong head length");
    }
    if payload.len() > spec.max() {
        return Some("over max");
    }
    let len_fits = |field: LenField| {
        let declared = i128::try_from(payload.len()).unwrap_or(i128::MAX) - i128::from(spec.adjust);
        declared >= 0 && declared <= i128::from(field.max_value())
    };
    match &spec.kind {
        Kind::Fixed(n) => (payload.len() != *n).then_some("wrong fixed length"),
        Kind::Line | Kind::Crlf | Kind::Delim(_) => {
            let d = spec.delimiter().unwrap_or_default();
            let mut framed = payload.to_vec();
            framed.extend_from_slice(d);
            // The first place the delimiter occurs, by a plain window scan.
            let first = framed.windows(d.len()).position(|w| w == d);
            (first != Some(payload.len())).then_some("contains its delimiter")
        }
        Kind::Len(field) => (!len_fits(*field)).then_some("length does not fit the field"),
        Kind::Tagged(entries) => match entries.iter().find(|e| e.tag == head[0]) {
            None => Some("unknown tag"),
            Some(TagEntry {
                rule: TagRule::Fixed(n),
                ..
            }) => (payload.len() != *n).then_some("wrong fixed length for the tag"),
            Some(TagEntry {
                rule: TagRule::Len(field),
                ..
            }) => (!len_fits(*field)).then_some("length does not fit the field"),
        },
        Kind::Eof | Kind::PktLine => None,
        Kind::Digits(n) | Kind::Hex(n) => {
            let radix: i128 = if matches!(spec.kind, Kind::Hex(_)) {
                16
            } else {
                10
            };
            let most = (0..*n).fold(1i128, |acc, _| acc * radix) - 1;
            let declared =
                i128::try_from(payload.len()).unwrap_or(i128::MAX) - i128::from(spec.adjust);
            (!(0..=most).contains(&declared)).then_some("length does not fit the digits")
        }
        Kind::Netstring => (payload.len() > 999_999_999).then_some("more than 9 digits"),
        Kind::Http1(h) => {
            let response = h.role == crate::http1::Role::Response;
            let head_method = h.methods.iter().any(|m| m == b"HEAD");
            let connect = h.methods.iter().any(|m| m == b"CONNECT");
            // "POST / HTTP/1.1" and "HTTP/1.1 200 OK" are 15 bytes; CRLFs and the field.
            let field = if response && head_method {
                0
            } else {
                18 + payload.len().to_string().len()
            };
            if response && (connect || (head_method && !payload.is_empty())) {
                Some("a response to HEAD has no body; one to CONNECT ends the framing")
            } else if 15 + 2 + field + 2 > h.head {
                Some("header section over head=")
            } else {
                None
            }
        }
        Kind::DecLen(_) => payload.is_empty().then_some("a zero declen length"),
        Kind::Counted(c) => {
            let d: &[u8] = if c.crlf { b"\r\n" } else { b"\n" };
            let line = if head.is_empty() { payload } else { head };
            if line.windows(d.len()).any(|w| w == d) || line.len() > spec.max().min(64 * 1024) {
                return Some("line holds its delimiter or is too long");
            }
            let words: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
            let listed = c.entries.iter().find(|e| e.word == words[0]);
            match (head.is_empty(), listed) {
                (true, None) => None,
                (true, Some(_)) => Some("a line of its own starts with a counted command"),
                (false, None) => Some("a block's head without a counted command"),
                (false, Some(e)) => (words.get(e.pos - 1)
                    != Some(&payload.len().to_string().as_bytes()))
                .then_some("count word is not the block's length"),
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Spec text

/// The spec parser on arbitrary text, and the printer on arbitrary specs.
pub fn spec_text(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        check_spec_text(text);
    }
    let mut u = Unstructured::new(data);
    check_spec_value(&arbitrary_spec(&mut u));
}

/// Parse `text`: a spec prints canonically and parses back to itself; an
/// error points at its token.
pub fn check_spec_text(text: &str) {
    match text.parse::<Spec>() {
        Ok(spec) => {
            let printed = spec.to_string();
            let back: Spec = printed
                .parse()
                .unwrap_or_else(|e| panic!("{text:?} printed as {printed:?}, which fails: {e}"));
            assert_eq!(back, spec, "{text:?} printed as {printed:?}");
            assert_eq!(back.to_string(), printed, "display is not canonical");
            assert!(
                (1..=MAX_LIMIT).contains(&spec.max()),
                "{text:?}: max out of range"
            );
            assert!(spec.offset <= MAX_OFFSET);
            // Building a decoder and encoder for any parsed spec is fine.
            let _ = (Decoder::new(&spec), Encoder::new(&spec));
        }
        Err(Error::Spec {
            spec,
            pos,
            token,
            problem,
            expected,
        }) => {
            assert_eq!(spec, text);
            assert!(
                text.get(pos..).is_some_and(|rest| rest.starts_with(&token)),
                "{text:?}: error token {token:?} is not at {pos}"
            );
            assert!(!problem.is_empty() && !expected.is_empty());
        }
        Err(e) => panic!("{text:?}: parse gave a non-spec error {e}"),
    }
}

/// A spec built in code either prints to text that parses back to it, or
/// breaks one of the documented rules ([`spec_rule_broken`]).
pub fn check_spec_value(spec: &Spec) {
    let printed = spec.to_string();
    let broken = spec_rule_broken(spec);
    match printed.parse::<Spec>() {
        Ok(back) => {
            assert_eq!(
                broken, None,
                "{spec:?} breaks a rule but {printed:?} parses"
            );
            assert_eq!(&back, spec, "{spec:?} printed as {printed:?}");
            assert_eq!(spec.validate(), Ok(()));
        }
        Err(e) => {
            assert!(
                broken.is_some(),
                "{spec:?} printed as {printed:?}, which fails: {e}"
            );
            assert!(spec.validate().is_err());
        }
    }
}

/// The documented rule a spec breaks (see the [`spec`](crate::spec) module
/// docs), if any.
pub fn spec_rule_broken(spec: &Spec) -> Option<&'static str> {
    if let Some(first) = &spec.first {
        if first.first.is_some() {
            return Some("first= inside first=");
        }
        if first.kind == Kind::Eof {
            return Some("an eof first frame");
        }
        if let Some(broken) = spec_rule_broken(first) {
            return Some(broken);
        }
    }
    let is_len = matches!(spec.kind, Kind::Len(_) | Kind::Digits(_) | Kind::Hex(_));
    let takes_adjust = is_len || matches!(spec.kind, Kind::Tagged(_));
    if let Some(max) = spec.max {
        if max == 0 || max > MAX_LIMIT {
            return Some("max out of range");
        }
    }
    if spec.offset != 0 && !is_len {
        return Some("offset on a kind without a length prefix");
    }
    if spec.offset > MAX_OFFSET {
        return Some("offset above 64");
    }
    if spec.adjust != 0 && !takes_adjust {
        return Some("adjust without a length field");
    }
    if spec.adjust.unsigned_abs() > u64::from(u32::MAX) {
        return Some("adjust out of range");
    }
    match &spec.kind {
        Kind::Fixed(n) if *n == 0 || *n > MAX_LIMIT => Some("fixed length out of range"),
        Kind::Fixed(n) if spec.max.is_some_and(|m| m < *n) => Some("max below fixed length"),
        Kind::Delim(d) if d.is_empty() => Some("empty delimiter"),
        Kind::Tagged(entries) if entries.is_empty() => Some("no tags"),
        Kind::Digits(n) if *n == 0 || *n > DIGITS_MAX_WIDTH => Some("digit count out of range"),
        Kind::Hex(n) if *n == 0 || *n > HEX_MAX_WIDTH => Some("digit count out of range"),
        Kind::PktLine if spec.max.is_some_and(|m| m > PKTLINE_MAX) => {
            Some("pkt-line max above 65516")
        }
        Kind::DecLen(sep) if sep.is_ascii_digit() => Some("a digit separator"),
        Kind::Counted(c) if c.entries.is_empty() => Some("no counted commands"),
        Kind::Counted(c) => {
            for (i, e) in c.entries.iter().enumerate() {
                if c.entries[..i].iter().any(|f| f.word == e.word) {
                    return Some("command listed twice");
                }
                if e.word.is_empty()
                    || !e
                        .word
                        .iter()
                        .all(|b| b.is_ascii_graphic() && !b"/=,".contains(b))
                {
                    return Some("bad command word");
                }
                if !(2..=COUNTED_MAX_POS).contains(&e.pos) {
                    return Some("count position out of range");
                }
            }
            None
        }
        Kind::Tagged(entries) => {
            for (i, e) in entries.iter().enumerate() {
                if entries[..i].iter().any(|f| f.tag == e.tag) {
                    return Some("tag listed twice");
                }
                if matches!(e.rule, TagRule::Fixed(n) if n > MAX_LIMIT) {
                    return Some("tag length above 1GiB");
                }
            }
            None
        }
        _ => None,
    }
}

/// A spec built from bytes, valid or not, with edge values likely.
fn arbitrary_spec(u: &mut Unstructured<'_>) -> Spec {
    fn size(u: &mut Unstructured<'_>) -> usize {
        match byte(u) % 8 {
            0 => 0,
            1 => MAX_LIMIT,
            2 => MAX_LIMIT + 1,
            3 => usize::MAX,
            4 => 1 << (byte(u) % 40),
            5 => usize::from(u16::from_le_bytes([byte(u), byte(u)])) << 10,
            _ => usize::from(byte(u)),
        }
    }
    let kind = match byte(u) % 14 {
        0 => Kind::Fixed(size(u)),
        1 => Kind::Line,
        2 => Kind::Crlf,
        3 => {
            let n = usize::from(byte(u) % 5);
            Kind::Delim((0..n).map(|_| byte(u)).collect())
        }
        4 => Kind::Len(LenField::ALL[usize::from(byte(u) % 8)]),
        5 => {
            let n = usize::from(byte(u) % 5);
            Kind::Tagged(
                (0..n)
                    .map(|_| {
                        let tag = byte(u);
                        let r = byte(u);
                        let rule = if r < 8 {
                            TagRule::Len(LenField::ALL[usize::from(r)])
                        } else {
                            TagRule::Fixed(size(u))
                        };
                        TagEntry { tag, rule }
                    })
                    .collect(),
            )
        }
        7 => Kind::Digits(usize::from(byte(u) % 21)),
        8 => Kind::Hex(usize::from(byte(u) % 18)),
        9 => Kind::PktLine,
        10 => Kind::Netstring,
        11 => Kind::DecLen(byte(u)),
        12 => {
            let n = usize::from(byte(u) % 4);
            Kind::Counted(Counted {
                crlf: byte(u) & 1 == 0,
                entries: (0..n)
                    .map(|_| {
                        let len = usize::from(byte(u) % 3);
                        CountEntry {
                            word: (0..len).map(|_| byte(u)).collect(),
                            pos: usize::from(byte(u) % 40),
                        }
                    })
                    .collect(),
            })
        }
        _ => Kind::Eof,
    };
    let flags = byte(u);
    let max = (flags & 1 != 0).then(|| size(u));
    let offset = if flags & 2 != 0 {
        usize::from(byte(u) % 80)
    } else {
        0
    };
    let adjust = match (flags >> 2) & 3 {
        0 => 0,
        1 => read_adjust(u),
        2 => i64::from(u32::MAX),
        _ => -i64::from(u32::MAX) - i64::from(byte(u) & 1),
    };
    let first = (flags & 0x30 == 0x30).then(|| Box::new(arbitrary_spec(u)));
    Spec {
        kind,
        max,
        offset,
        adjust,
        first,
    }
}

// ---------------------------------------------------------------------------
// Schedules and the shrinker

/// The longest stream the schedule target delivers (shrinking is quadratic).
pub const SCHEDULE_STREAM_MAX: usize = 64;

/// The schedule text form, the planner, the simulator and the shrinker.
pub fn schedule(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let n = usize::from(byte(&mut u)).min(u.len());
    let text = u.bytes(n).unwrap_or_default();
    let rest = u.bytes(u.len()).unwrap_or_default();
    let stream = &rest[..rest.len().min(SCHEDULE_STREAM_MAX)];
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    if let Some(schedule) = check_schedule_text(text) {
        check_schedule_delivery(&schedule, stream);
    }
}

/// Parse `text`: a schedule prints canonically and parses back to itself; an
/// error points at its token.
pub fn check_schedule_text(text: &str) -> Option<Schedule> {
    match text.parse::<Schedule>() {
        Ok(schedule) => {
            let printed = schedule.to_string();
            let back: Schedule = printed
                .parse()
                .unwrap_or_else(|e| panic!("{text:?} printed as {printed:?}, which fails: {e}"));
            assert_eq!(back, schedule, "{text:?} printed as {printed:?}");
            assert_eq!(back.to_string(), printed, "display is not canonical");
            Some(schedule)
        }
        Err(Error::Schedule {
            schedule,
            pos,
            token,
            problem,
            expected,
        }) => {
            assert_eq!(schedule, text);
            assert!(
                text.get(pos..).is_some_and(|rest| rest.starts_with(&token)),
                "{text:?}: error token {token:?} is not at {pos}"
            );
            assert!(!problem.is_empty() && !expected.is_empty());
            None
        }
        Err(e) => panic!("{text:?}: parse gave a non-schedule error {e}"),
    }
}

/// Deliver `stream` under `schedule`: the plan is sane, the reference
/// decoder is split-invariant under it, and a decoder with a split bug that
/// fails shrinks to a schedule that still fails and is never larger.
pub fn check_schedule_delivery(schedule: &Schedule, stream: &[u8]) {
    use crate::simulate::{check, shrink};
    let plan = schedule.plan(stream.len(), &[]);
    let sizes = plan.sizes();
    assert_eq!(
        sizes.iter().sum::<usize>(),
        plan.sent(),
        "{schedule}: pieces add up"
    );
    assert!(
        plan.sent() <= stream.len(),
        "{schedule}: sends past the stream"
    );
    if plan.terminal().is_none() {
        assert_eq!(
            plan.sent(),
            stream.len(),
            "{schedule}: no fault, all bytes sent"
        );
    }
    let crlf = Spec::new(Kind::Crlf);
    if let Err(m) = check(|| Decoder::new(&crlf), stream, &[], schedule) {
        panic!("the reference crlf decoder is not split-invariant under {schedule}: {m:?}");
    }
    let Err(failure) = check(NaiveCrlf::default, stream, &[], schedule) else {
        return;
    };
    let shrunk = shrink(NaiveCrlf::default, stream, &failure);
    let again = shrunk.schedule.to_string().parse::<Schedule>();
    assert_eq!(
        again.as_ref(),
        Ok(&shrunk.schedule),
        "shrunk schedule round trip"
    );
    assert!(
        shrunk.prefix <= failure.plan.sent().max(stream.len()),
        "longer stream"
    );
    assert_eq!(
        shrunk.stream,
        stream[..shrunk.prefix],
        "shrunk stream is a prefix"
    );
    let cuts = shrunk.schedule.plan(shrunk.prefix, &[]).cuts().len();
    assert!(
        cuts <= failure.plan.cuts().len(),
        "{schedule} shrank to {} with more cuts",
        shrunk.schedule
    );
    assert!(
        check(NaiveCrlf::default, &shrunk.stream, &[], &shrunk.schedule).is_err(),
        "{schedule} shrank to {} on {:?}, which no longer fails",
        shrunk.schedule,
        shrunk.stream
    );
}

/// A CRLF line decoder with the classic bug: it searches only the bytes of
/// the newest chunk, so a `\r\n` cut between `\r` and `\n` is missed.
#[derive(Default)]
struct NaiveCrlf(Vec<u8>);

impl crate::simulate::Push for NaiveCrlf {
    type Event = Vec<u8>;

    fn push(&mut self, chunk: &[u8], out: &mut Vec<Vec<u8>>) {
        let mut from = self.0.len();
        self.0.extend_from_slice(chunk);
        while let Some(i) = self.0[from..].windows(2).position(|w| w == b"\r\n") {
            out.push(self.0.drain(..from + i + 2).collect());
            from = 0;
        }
    }

    fn finish(&mut self, _out: &mut Vec<Vec<u8>>) {}
}

// ---------------------------------------------------------------------------
// Seeds

/// One committed seed: which target, a name saying what it covers, the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seed {
    /// The target's name (a directory under `corpus/`).
    pub target: &'static str,
    /// What the seed exercises; the file is `corpus/<target>/seed-<name>`.
    pub name: String,
    /// The input.
    pub data: Vec<u8>,
}

/// Writers for the input layouts of the module docs.
pub mod write {
    use crate::spec::LenField;

    /// `CUTS` then the stream.
    pub fn cuts_and(out: &mut Vec<u8>, cuts: &[u8], stream: &[u8]) {
        assert!(cuts.len() < 16, "at most 15 cut sizes");
        out.push(u8::try_from(cuts.len()).unwrap_or(0));
        out.extend_from_slice(cuts);
        out.extend_from_slice(stream);
    }

    /// `max:u16le`, 0 for the default.
    pub fn max(out: &mut Vec<u8>, max: u16) {
        out.extend_from_slice(&max.to_le_bytes());
    }

    /// The `decode_fixed` spec: `fixed:n`, `1 <= n <= 256`.
    pub fn fixed(n: usize) -> Vec<u8> {
        vec![u8::try_from(n - 1).expect("fixed length 1..=256")]
    }

    /// The `DELIM` spec: `None` for `line`, `Some(b"\r\n")` for `crlf`,
    /// anything else (1 to 4 bytes) for `delim:`.
    pub fn delimited(delim: Option<&[u8]>, max_: u16) -> Vec<u8> {
        let mut out = Vec::new();
        match delim {
            None => {
                out.push(0);
                max(&mut out, max_);
            }
            Some(b"\r\n") => {
                out.push(1);
                max(&mut out, max_);
            }
            Some(d) => {
                out.push(2);
                max(&mut out, max_);
                out.push(u8::try_from(d.len() - 1).expect("1 to 4 delimiter bytes"));
                out.extend_from_slice(d);
            }
        }
        out
    }

    /// The `LEN` spec.
    pub fn len(field: LenField, offset: u8, adjust: i8, max_: u16) -> Vec<u8> {
        let idx = LenField::ALL.iter().position(|f| *f == field).unwrap_or(0);
        let mut out = vec![
            u8::try_from(idx).unwrap_or(0),
            offset,
            adjust.to_ne_bytes()[0],
        ];
        max(&mut out, max_);
        out
    }

    /// The `TAGGED` spec from `(tag, rule byte)` pairs (rule < 8: a length
    /// field in spec order, else `fixed:(rule - 8)`).
    pub fn tagged(entries: &[(u8, u8)], adjust: i8, max_: u16) -> Vec<u8> {
        assert!((1..=4).contains(&entries.len()));
        let mut out = vec![u8::try_from(entries.len() - 1).unwrap_or(0)];
        for (t, r) in entries {
            out.extend_from_slice(&[*t, *r]);
        }
        out.push(adjust.to_ne_bytes()[0]);
        max(&mut out, max_);
        out
    }

    /// The `TEXT` spec of `decode_text`.
    pub fn text(k: u8, param: u8, offset: u8, adjust: i8, max_: u16, flags: u8) -> Vec<u8> {
        let mut out = vec![k, param, offset, adjust.to_ne_bytes()[0]];
        max(&mut out, max_);
        out.push(flags);
        out
    }

    /// The `COUNTED` spec of `decode_counted`: words of 1 to 3 letters
    /// `a` to `d`, positions 2 to 5.
    pub fn counted(crlf: bool, entries: &[(&[u8], u8)], max_: u16) -> Vec<u8> {
        assert!((1..=4).contains(&entries.len()));
        let n = u8::try_from(entries.len() - 1).unwrap_or(0);
        let mut out = vec![u8::from(!crlf) | n << 1];
        for (word, pos) in entries {
            assert!((1..=3).contains(&word.len()) && (2..=5).contains(pos));
            out.push(u8::try_from(word.len() - 1).unwrap_or(0));
            out.extend(word.iter().map(|c| c - b'a'));
            out.push(pos - 2);
        }
        max(&mut out, max_);
        out
    }

    /// The `decode_eof` spec.
    pub fn eof(max_: u16) -> Vec<u8> {
        max_.to_le_bytes().to_vec()
    }
}

/// Every committed seed, hand-picked edge cases first, then generated ones
/// from a fixed-seed generator. Deterministic: the same list on every run.
pub fn seeds() -> Vec<Seed> {
    let mut out = Vec::new();
    hand_picked(&mut out);
    text_seeds(&mut out);
    schedule_seeds(&mut out);
    generated(&mut out);
    http1::seeds(&mut out);
    out
}

fn seed(
    out: &mut Vec<Seed>,
    target: &'static str,
    name: &str,
    spec: Vec<u8>,
    cuts: &[u8],
    stream: &[u8],
) {
    let mut data = spec;
    write::cuts_and(&mut data, cuts, stream);
    out.push(Seed {
        target,
        name: name.to_owned(),
        data,
    });
}

#[expect(clippy::too_many_lines, reason = "a flat table of seeds")]
fn hand_picked(out: &mut Vec<Seed>) {
    use LenField::{U8, U16Be, U16Le, U32Be, U32Le, U64Be, U64Le, Varint};
    const BYTEWISE: &[u8] = &[1; 15];
    // decode_fixed
    seed(
        out,
        "decode_fixed",
        "one_byte_records_bytewise",
        write::fixed(1),
        BYTEWISE,
        b"abc",
    );
    seed(
        out,
        "decode_fixed",
        "sixteen_with_tail",
        write::fixed(16),
        &[3, 0, 7],
        &[7; 40],
    );
    seed(
        out,
        "decode_fixed",
        "max_size_256",
        write::fixed(256),
        &[255, 2],
        &[0xaa; 512],
    );
    seed(
        out,
        "decode_fixed",
        "empty_stream",
        write::fixed(4),
        &[],
        b"",
    );
    // decode_delimited
    let line = write::delimited(None, 0);
    let crlf = write::delimited(Some(b"\r\n"), 0);
    seed(
        out,
        "decode_delimited",
        "line_empty_frames",
        line.clone(),
        &[],
        b"\n\n\n",
    );
    seed(
        out,
        "decode_delimited",
        "line_bytewise",
        line.clone(),
        BYTEWISE,
        b"a\nbb\nccc\n",
    );
    seed(
        out,
        "decode_delimited",
        "crlf_cr_run",
        crlf.clone(),
        &[2, 1],
        &[b'\r'; 64],
    );
    seed(
        out,
        "decode_delimited",
        "crlf_cr_run_then_lf",
        crlf.clone(),
        BYTEWISE,
        b"\r\r\r\r\r\r\r\n",
    );
    seed(
        out,
        "decode_delimited",
        "crlf_split_between_cr_lf",
        crlf.clone(),
        &[5],
        b"PING\r\nPONG\r\n",
    );
    seed(
        out,
        "decode_delimited",
        "crlf_lone_cr",
        crlf,
        &[1, 2],
        b"a\rb\r\n\r\r\n",
    );
    seed(
        out,
        "decode_delimited",
        "line_exactly_max",
        write::delimited(None, 3),
        &[2],
        b"abc\nabcd\n",
    );
    seed(
        out,
        "decode_delimited",
        "crlf_max_cr_at_boundary",
        write::delimited(Some(b"\r\n"), 3),
        &[3, 1],
        b"abc\r\nabcd\r\n",
    );
    seed(
        out,
        "decode_delimited",
        "http_headers",
        write::delimited(Some(b"\r\n\r\n"), 0),
        &[3, 1],
        b"GET / HTTP/1.0\r\nA: b\r\n\r\nX\r\n\r\r\n\r\n",
    );
    seed(
        out,
        "decode_delimited",
        "overlapping_delimiter",
        write::delimited(Some(b"aab"), 0),
        BYTEWISE,
        b"aaabxaab",
    );
    seed(
        out,
        "decode_delimited",
        "nul_delimiter",
        write::delimited(Some(b"\0"), 0),
        &[2],
        b"one\0two\0",
    );
    seed(
        out,
        "decode_delimited",
        "line_no_delimiter_ever",
        write::delimited(None, 8),
        &[4],
        &[b'x'; 20],
    );
    seed(
        out,
        "decode_delimited",
        "line_default_max_exact",
        line.clone(),
        &[255, 255, 255],
        &{
            let mut v = vec![b'y'; crate::spec::DEFAULT_LINE_MAX];
            v.push(b'\n');
            v
        },
    );
    seed(
        out,
        "decode_delimited",
        "line_truncated",
        line,
        &[],
        b"tail",
    );
    // decode_len
    seed(
        out,
        "decode_len",
        "u8_empty_frames",
        write::len(U8, 0, 0, 0),
        &[],
        b"\x00\x00\x00\x02hi",
    );
    seed(
        out,
        "decode_len",
        "u16be_bytewise",
        write::len(U16Be, 0, 0, 0),
        BYTEWISE,
        b"\x00\x03abc\x00\x00",
    );
    seed(
        out,
        "decode_len",
        "u16le",
        write::len(U16Le, 0, 0, 0),
        &[1, 3],
        b"\x03\x00abc",
    );
    seed(
        out,
        "decode_len",
        "u32be_claims_max_then_stops",
        write::len(U32Be, 0, 0, 0),
        &[2],
        b"\x01\x00\x00\x00abc",
    );
    seed(
        out,
        "decode_len",
        "u32be_over_max",
        write::len(U32Be, 0, 0, 16),
        &[],
        b"\x00\x00\x00\x01x\xff\xff\xff\xffabc",
    );
    seed(
        out,
        "decode_len",
        "u32le_max_size",
        write::len(U32Le, 0, 0, 8),
        &[5, 1],
        b"\x08\x00\x00\x0012345678\x09\x00\x00\x00",
    );
    seed(
        out,
        "decode_len",
        "u64be",
        write::len(U64Be, 0, 0, 0),
        &[4],
        b"\x00\x00\x00\x00\x00\x00\x00\x01x",
    );
    seed(
        out,
        "decode_len",
        "u64le_huge",
        write::len(U64Le, 0, 0, 0),
        &[],
        &[0xff; 8],
    );
    seed(
        out,
        "decode_len",
        "varint_ten_bytes",
        write::len(Varint, 0, 0, 0),
        BYTEWISE,
        b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",
    );
    seed(
        out,
        "decode_len",
        "varint_overflow",
        write::len(Varint, 0, 0, 0),
        BYTEWISE,
        b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02",
    );
    seed(
        out,
        "decode_len",
        "varint_non_minimal_zero",
        write::len(Varint, 0, 0, 0),
        BYTEWISE,
        b"\x80\x80\x80\x00\x80\x00",
    );
    seed(
        out,
        "decode_len",
        "varint_empty_frames",
        write::len(Varint, 0, 0, 0),
        &[3],
        &[0; 32],
    );
    seed(
        out,
        "decode_len",
        "mqtt",
        write::len(Varint, 1, 0, 0),
        &[1, 2],
        b"\xc0\x00\x10\x02ab\x30\xc8\x01",
    );
    seed(
        out,
        "decode_len",
        "postgres",
        write::len(U32Be, 1, -4, 0),
        &[2],
        b"Q\x00\x00\x00\x06hiX\x00\x00\x00\x04",
    );
    seed(
        out,
        "decode_len",
        "postgres_below_four",
        write::len(U32Be, 1, -4, 0),
        &[],
        b"Q\x00\x00\x00\x03",
    );
    seed(
        out,
        "decode_len",
        "varint_claims_max_then_stops",
        write::len(Varint, 0, 0, 0x1000),
        &[1],
        b"\x80\x20abc",
    );
    seed(
        out,
        "decode_len",
        "offset_eight_bytewise",
        write::len(U16Be, 8, 2, 0),
        BYTEWISE,
        b"12345678\x00\x01abc",
    );
    // Edges of adjust, offset and varint, for the model comparison.
    for (name, spec, cuts, stream) in [
        (
            "u8_adjust_plus_one",
            write::len(U8, 0, 1, 0),
            &[1][..],
            &b"\x01ab\x00z\x02"[..],
        ),
        (
            "u16le_offset_two_adjust_minus_two",
            write::len(U16Le, 2, -2, 0),
            &[3],
            b"TT\x04\x00abUU\x01\x00",
        ),
        (
            "adjust_reaches_max_exactly",
            write::len(U8, 0, 2, 4),
            &[2],
            b"\x02abcd\x03abcde",
        ),
        (
            "adjust_makes_zero",
            write::len(U16Be, 0, -2, 0),
            &[1],
            b"\x00\x02\x00\x02",
        ),
        (
            "varint_offset_adjust",
            write::len(Varint, 3, -1, 0),
            &[2, 2],
            b"hdr\x03abHDR\x81\x00x",
        ),
        (
            "varint_nine_continuations_truncated",
            write::len(Varint, 0, 0, 0),
            BYTEWISE,
            &[0x80; 9],
        ),
        (
            "varint_tenth_continuation",
            write::len(Varint, 0, 0, 0),
            &[9],
            &[0x80; 10],
        ),
        (
            "offset_eight_cut_in_field",
            write::len(U32Be, 8, 0, 0),
            &[3, 3],
            b"12345678\x00\x00",
        ),
        (
            "u64be_adjust_saturates",
            write::len(U64Be, 0, 127, 0),
            &[],
            &[0xff; 8],
        ),
    ] {
        seed(out, "decode_len", name, spec, cuts, stream);
    }
    // decode_tagged
    let tagged = write::tagged(&[(b'A', 8 + 2), (b'B', 8), (b'V', 1)], 0, 0);
    seed(
        out,
        "decode_tagged",
        "fixed_and_len",
        tagged.clone(),
        BYTEWISE,
        b"Axy\x42V\x00\x03abcA12",
    );
    seed(
        out,
        "decode_tagged",
        "unknown_tag",
        tagged.clone(),
        &[],
        b"AxyZ",
    );
    seed(
        out,
        "decode_tagged",
        "truncated_len",
        tagged,
        &[2],
        b"V\x00",
    );
    seed(
        out,
        "decode_tagged",
        "varint_and_u64",
        write::tagged(&[(0, 7), (0xff, 5)], 0, 0),
        &[1, 3],
        b"\x00\x81\x01\xff\x01\x00\x00\x00\x00\x00\x00\x00",
    );
    seed(
        out,
        "decode_tagged",
        "fixed_over_max",
        write::tagged(&[(b'A', 8 + 9)], 0, 4),
        &[],
        b"A",
    );
    seed(
        out,
        "decode_tagged",
        "adjust_negative",
        write::tagged(&[(b'P', 3)], -4, 0),
        &[1],
        b"P\x00\x00\x00\x06hiP\x00\x00\x00\x02",
    );
    // Edges of tags, for the model comparison.
    for (name, spec, cuts, stream) in [
        (
            "fixed_zero_tags",
            write::tagged(&[(b'A', 8), (b'B', 9)], 0, 0),
            &[1][..],
            &b"AABzA"[..],
        ),
        (
            "adjust_skips_fixed",
            write::tagged(&[(b'A', 8 + 2), (b'L', 0)], 3, 0),
            &[2],
            b"AxyL\x00abcAzz",
        ),
        (
            "varint_overflow",
            write::tagged(&[(0x80, 7)], 0, 0),
            &[5],
            b"\x80\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02",
        ),
        (
            "len_over_max",
            write::tagged(&[(b'L', 1)], 0, 8),
            &[],
            b"L\x00\x09",
        ),
        (
            "adjust_negative_len",
            write::tagged(&[(b'L', 0)], -2, 0),
            &[],
            b"L\x01",
        ),
        (
            "hex_tags_u16le_u32le",
            write::tagged(&[(0x00, 2), (0x01, 4)], 0, 0),
            BYTEWISE,
            b"\x00\x02\x00ab\x01\x01\x00\x00\x00z",
        ),
        (
            "cut_after_tag",
            write::tagged(&[(b'V', 1)], 0, 0),
            &[],
            b"V",
        ),
    ] {
        seed(out, "decode_tagged", name, spec, cuts, stream);
    }
    // decode_eof
    seed(out, "decode_eof", "empty", write::eof(0), &[], b"");
    seed(
        out,
        "decode_eof",
        "exactly_max",
        write::eof(4),
        BYTEWISE,
        b"1234",
    );
    seed(out, "decode_eof", "over_max", write::eof(4), &[2], b"12345");
    seed(
        out,
        "decode_eof",
        "empty_reads",
        write::eof(0),
        &[0, 1],
        b"the whole body",
    );
    // round_trip: k, spec, cuts, messages.
    let rt = |k: u8, spec: Vec<u8>| {
        let mut v = vec![k];
        v.extend(spec);
        v
    };
    seed(
        out,
        "round_trip",
        "fixed_max_size",
        rt(0, write::fixed(8)),
        BYTEWISE,
        &[1, b'z', 1, b'q', 0, 3, b'a', b'b', b'c'],
    );
    seed(
        out,
        "round_trip",
        "line_max_size_and_over",
        rt(1, write::delimited(None, 16)),
        &[3],
        &[1, b'x', 2, b'y', 0, 0, 0, 2, b'a', b'\n'],
    );
    seed(
        out,
        "round_trip",
        "crlf_cr_payloads",
        rt(1, write::delimited(Some(b"\r\n"), 0)),
        BYTEWISE,
        &[0, 3, b'\r', b'\r', b'\r', 0, 2, b'a', b'\r', 0, 0],
    );
    seed(
        out,
        "round_trip",
        "u16be_max_size",
        rt(2, write::len(U16Be, 0, 0, 300)),
        &[7],
        &[1, 0xab, 2, 0xab, 0, 0],
    );
    seed(
        out,
        "round_trip",
        "postgres",
        rt(2, write::len(U32Be, 1, -4, 0)),
        &[1],
        &[0, b'Q', 3, b's', b'e', b'l', 0, b'X', 0],
    );
    seed(
        out,
        "round_trip",
        "varint_max_size",
        rt(2, write::len(Varint, 1, 0, 200)),
        &[2],
        &[1, 0x30, 0x55, 0, 0xc0, 0],
    );
    seed(
        out,
        "round_trip",
        "u8_adjust_overflow",
        rt(2, write::len(U8, 0, -1, 0)),
        &[],
        &[0, 255, 1, 0, 0],
    );
    seed(
        out,
        "round_trip",
        "tagged",
        rt(3, write::tagged(&[(b'A', 8 + 2), (b'V', 1)], 0, 0)),
        &[1],
        &[0, 0, 2, b'x', b'y', 0, 1, 3, b'a', b'b', b'c', 0, 0xff, 0],
    );
    seed(
        out,
        "round_trip",
        "eof_max_size",
        rt(4, write::eof(32)),
        &[5],
        &[1, b'e'],
    );
    seed(
        out,
        "round_trip",
        "eof_empty",
        rt(4, write::eof(0)),
        &[],
        &[],
    );
    // spec_text
    for text in [
        "fixed:16",
        "line",
        "crlf",
        r"delim:\r\n\r\n",
        r"delim:END\x2c",
        "u32be,max=1MiB",
        "varint,offset=1",
        "u32be,offset=1,adjust=-4",
        "tagged:A=4/B=16/V=u16be,max=4KiB",
        "tagged:0x00=4/0xff=varint",
        "tagged:/=1/,=u8/0x41=2",
        "eof,max=1MiB",
        "line,max=1024",
        "u16be,adjust=+2",
        "u64le,max=1GiB",
        "fixed:1GiB",
        "line,max=1025KiB",
        "u8,max=1,max=2",
        "tagged:A=4/A=5",
        r"delim:\x4",
        "fixed:16,max=8",
        "u16be,offset=65",
        "u32be,adjust=-4294967296",
    ] {
        out.push(Seed {
            target: "spec_text",
            name: format!("text_{}", sanitize(text)),
            data: text.as_bytes().to_vec(),
        });
    }
}

/// Seeds of the schedule target: every shape, option and fault, over a
/// CRLF stream (the naive decoder fails on most).
fn schedule_seeds(out: &mut Vec<Seed>) {
    const STREAM: &[u8] = b"PING\r\nPONG\r\n\r\nA\rB\r\n";
    for text in [
        "whole",
        "*",
        "1",
        "5",
        "3,1,4",
        "5,*",
        "4,1,*",
        "rand:1..4/seed=7",
        "heavy:1..16/seed=3",
        "msg",
        "msg:2",
        "straddle",
        "1/pause=1ms",
        "2/stall@6:5ms",
        "1/fin@5",
        "1/rst@5",
        "2/stall@2:1s/fin@11",
        "rand:1..1GiB/seed=18446744073709551615",
        "0",
        "3,0",
        "1/fin@2/fin@3",
    ] {
        let mut data = vec![u8::try_from(text.len()).expect("short text")];
        data.extend_from_slice(text.as_bytes());
        data.extend_from_slice(STREAM);
        out.push(Seed {
            target: "schedule",
            name: format!("text_{}", sanitize(text)),
            data,
        });
    }
}

/// A file-name-safe form of a spec text.
fn sanitize(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b)
            } else {
                '_'
            }
        })
        .collect()
}

/// A small fixed-seed generator (splitmix64), so the generated seeds are the
/// same on every machine without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        // n is small; the modulo bias does not matter for seeds.
        usize::try_from(self.next() % u64::try_from(n).unwrap_or(1)).unwrap_or(0)
    }

    fn bytes(&mut self, n: usize, alphabet: &[u8]) -> Vec<u8> {
        (0..n)
            .map(|_| alphabet[self.below(alphabet.len())])
            .collect()
    }
}

/// Generated seeds: valid streams made by the encoder for random specs and
/// payloads (the shape of the proptest strategies), each with a random
/// cutting, for every decode target and the round trip.
fn generated(out: &mut Vec<Seed>) {
    let mut rng = Rng(0x00f4_a3ec_4ec4);
    for i in 0..8 {
        for (k, target) in [
            "decode_fixed",
            "decode_delimited",
            "decode_len",
            "decode_tagged",
            "decode_eof",
        ]
        .into_iter()
        .enumerate()
        {
            let params: Vec<u8> = rng.bytes(
                12,
                &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 16, 0x41, 0x80, 0xff],
            );
            let spec = {
                let mut u = Unstructured::new(&params);
                let spec = match k {
                    0 => read_fixed(&mut u),
                    1 => read_delimited(&mut u),
                    2 => read_len(&mut u),
                    3 => read_tagged(&mut u),
                    _ => read_eof(&mut u),
                };
                let used = params.len() - u.len();
                (spec, params[..used].to_vec())
            };
            let (spec, spec_bytes) = spec;
            let stream = encoded_stream(&mut rng, &spec);
            let ncuts = rng.below(6);
            let cuts = rng.bytes(ncuts, &[0, 1, 2, 3, 5, 8, 13, 64]);
            seed(
                out,
                target,
                &format!("gen_{i}"),
                spec_bytes.clone(),
                &cuts,
                &stream,
            );
            // The same spec through the round trip: k, spec, cuts, messages.
            let mut rt = vec![u8::try_from(k).unwrap_or(0)];
            rt.extend(spec_bytes);
            write::cuts_and(
                &mut rt,
                &cuts,
                &rng.bytes(24, &[0, 1, 2, 3, b'\r', b'\n', b'a', 0xff]),
            );
            out.push(Seed {
                target: "round_trip",
                name: format!("gen_{target}_{i}"),
                data: rt,
            });
        }
    }
}

/// Seeds for the text-length targets: valid streams and every error, whole
/// and byte by byte, and the same specs through the round trip.
#[expect(clippy::too_many_lines, reason = "a flat table of seeds")]
fn text_seeds(out: &mut Vec<Seed>) {
    const BYTEWISE: &[u8] = &[1; 15];
    // (name, k, param, offset, adjust, max, flags, stream)
    type Text = (&'static str, u8, u8, u8, i8, u16, u8, &'static [u8]);
    type Count = (
        &'static str,
        bool,
        &'static [(&'static [u8], u8)],
        u16,
        &'static [u8],
    );
    let texts: &[Text] = &[
        ("digits5", 0, 4, 0, 0, 0, 0, b"00005hello0000000001x"),
        ("digits4_keep_alive", 0, 3, 0, 0, 0, 0, b"0000000212"),
        ("digits4_self_count", 0, 3, 0, -4, 0, 0, b"0006ab0004"),
        ("digits_offset", 0, 1, 1, 0, 0, 0, b"Q03abcX00"),
        ("digits_sign", 0, 3, 0, 0, 0, 0, b"0001x+123"),
        ("digits_space", 0, 3, 0, 0, 0, 0, b" 12"),
        ("digits_over_max", 0, 3, 0, 0, 10, 0, b"0011"),
        ("digits_negative", 0, 3, 0, -4, 0, 0, b"0003"),
        ("digits18", 0, 17, 0, 0, 0, 0, b"999999999999999999"),
        ("hex_cases", 1, 1, 0, 0, 0, 0, b"0aAAAAAAAAAA0Bbbbbbbbbbbb"),
        ("hex_bad", 1, 3, 0, 0, 0, 0, b"00g1"),
        ("pktline", 2, 0, 0, 0, 0, 0, b"0009hello0000000100020004"),
        ("pktline_upper", 2, 0, 0, 0, 0, 0, b"000A"),
        ("pktline_0003", 2, 0, 0, 0, 0, 0, b"00000003"),
        ("pktline_huge", 2, 0, 0, 0, 0, 0, b"ffff"),
        (
            "netstring",
            3,
            0,
            0,
            0,
            0,
            0,
            b"5:hello,0:,12:hello, world,",
        ),
        ("netstring_leading_zero", 3, 0, 0, 0, 0, 0, b"05:hello,"),
        ("netstring_ten_digits", 3, 0, 0, 0, 0, 0, b"1234567890:"),
        ("netstring_no_digits", 3, 0, 0, 0, 0, 0, b":x,"),
        ("netstring_no_comma", 3, 0, 0, 0, 0, 0, b"5:hello;"),
        ("netstring_sign", 3, 0, 0, 0, 0, 0, b"+5:hello,"),
        ("syslog", 4, b' ', 0, 0, 0, 0, b"5 hello11 <34>1 x y z"),
        ("syslog_zero", 4, b' ', 0, 0, 0, 0, b"05 hello"),
        ("syslog_eleven_digits", 4, b' ', 0, 0, 0, 0, b"12345678901 "),
        (
            "postgres_first",
            0,
            3,
            0,
            0,
            0,
            1,
            b"\x00\x00\x00\x08\x04\xd2\x16\x2f0002hi",
        ),
        ("netstring_first", 3, 0, 0, 0, 0, 3, b"01:"),
        (
            "netstring_first_then",
            2,
            0,
            0,
            0,
            0,
            3,
            b"3:a,b,0008abcd0000",
        ),
    ];
    for &(name, k, param, offset, adjust, max, flags, stream) in texts {
        let spec = write::text(k, param, offset, adjust, max, flags);
        seed(out, "decode_text", name, spec.clone(), &[], stream);
        seed(
            out,
            "decode_text",
            &format!("{name}_bytewise"),
            spec.clone(),
            BYTEWISE,
            stream,
        );
        // The round trip: k >= 0xf0 and even is TEXT; two messages of 5
        // and 0 bytes, a max-size one, then one over max.
        let mut rt = vec![0xf0];
        rt.extend(spec);
        let head = usize::from(offset % 5);
        let mut msgs = Vec::new();
        for (mode, len) in [(0u8, 5u8), (0, 0), (1, 0), (2, 0)] {
            msgs.push(mode);
            msgs.extend(std::iter::repeat_n(b'H', if k % 5 < 2 { head } else { 0 }));
            msgs.push(len);
            msgs.extend(std::iter::repeat_n(b'p', usize::from(len)));
            if mode > 0 {
                msgs.push(b'z');
            }
        }
        write::cuts_and(&mut rt, &[3, 1, 4], &msgs);
        out.push(Seed {
            target: "round_trip",
            name: format!("text_{name}"),
            data: rt,
        });
    }
    // (name, crlf, entries, max, stream)
    let counted: &[Count] = &[
        (
            "set_and_value",
            true,
            &[(b"a", 5), (b"bc", 4)],
            0,
            b"a k 0 0 5\r\nhello\r\nSTORED\r\nbc k 0 5\r\nhe\r\no\r\nEND\r\n",
        ),
        ("line_lone_lf", false, &[(b"a", 2)], 0, b"a 3\nabc\nget\n"),
        (
            "crlf_lone_lf_in_line",
            true,
            &[(b"a", 3)],
            0,
            b"get a\nb\r\na k 1\r\nz\r\n",
        ),
        ("sign", true, &[(b"a", 5)], 0, b"a k 0 0 -1\r\n"),
        (
            "missing_count",
            true,
            &[(b"a", 5)],
            0,
            b"STORED\r\na k 0 0\r\n",
        ),
        ("empty_count", true, &[(b"a", 3)], 0, b"a k \r\n"),
        ("eleven_digits", true, &[(b"a", 2)], 0, b"a 12345678901\r\n"),
        (
            "forgotten_trailer",
            true,
            &[(b"a", 2)],
            0,
            b"a 5\r\nhelloa 1\r\n",
        ),
        ("over_max", true, &[(b"a", 2)], 5, b"a 6\r\n"),
        ("line_too_long", false, &[(b"a", 2)], 4, b"abcd\nabcde"),
        (
            "cut_in_block",
            true,
            &[(b"a", 2), (b"b", 3), (b"c", 4), (b"d", 5)],
            0,
            b"b x 5\r\nhello\r",
        ),
    ];
    for &(name, crlf, entries, max, stream) in counted {
        let spec = write::counted(crlf, entries, max);
        seed(out, "decode_counted", name, spec.clone(), &[], stream);
        seed(
            out,
            "decode_counted",
            &format!("{name}_bytewise"),
            spec.clone(),
            BYTEWISE,
            stream,
        );
        // The round trip: k odd and >= 0xf0 is COUNTED; a counted block
        // (t >= 0x80), a line of its own, a block whose count is one off.
        let mut rt = vec![0xf1];
        rt.extend(spec);
        let msgs = [
            0, 3, b'a', b'b', b'c', 0x80, 0, 4, b'l', b'i', b'n', b'e', 0x00, 0, 2, b'x', b'y',
            0xf8,
        ];
        write::cuts_and(&mut rt, &[2, 5], &msgs);
        out.push(Seed {
            target: "round_trip",
            name: format!("counted_{name}"),
            data: rt,
        });
    }
}

/// A stream of a few random messages that `spec` can frame, sometimes with
/// a broken tail.
fn encoded_stream(rng: &mut Rng, spec: &Spec) -> Vec<u8> {
    let enc = Encoder::new(spec);
    let mut wire = Vec::new();
    for _ in 0..=rng.below(6) {
        let head: Vec<u8> = match &spec.kind {
            Kind::Tagged(entries) => vec![entries[rng.below(entries.len())].tag],
            _ => rng.bytes(enc.head_len(), b"QX\x10\x30\xc0"),
        };
        let n = match spec.kind {
            Kind::Fixed(n) => n,
            Kind::Tagged(ref entries) => match entries.iter().find(|e| e.tag == head[0]) {
                Some(TagEntry {
                    rule: TagRule::Fixed(n),
                    ..
                }) => *n,
                _ => rng.below(40),
            },
            _ => rng.below(40).min(spec.max()),
        };
        let payload = rng.bytes(n, b"ab\r\n\x00\xff");
        let _ = enc.encode(&head, &payload, &mut wire);
        if matches!(spec.kind, Kind::Eof) {
            break;
        }
    }
    if rng.below(4) == 0 {
        let n = 1 + rng.below(4);
        wire.extend(rng.bytes(n, &[0, 0x80, 0xff, b'\r']));
    }
    wire
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Run [`check_split_with`] on a decoder made by `new`; the panic
    /// message if the checks fail.
    fn checks_fail<D: Subject>(
        spec: &Spec,
        stream: &[u8],
        cuts: &[u8],
        new: impl Fn() -> D,
    ) -> Option<String> {
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            check_split_with(spec, stream, cuts, new);
        }));
        run.err().map(|panic| {
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default()
        })
    }

    /// The oracle's self-test. Each row is a decoder with a deliberate bug
    /// (the real decoder, configured one step off the spec it is checked
    /// against), fed through the very checks the fuzz bodies run. The model
    /// comparison must catch every one, on an input where all the other
    /// checks (split invariance, layout, bounds) pass; the real decoder
    /// must pass the same input.
    #[test]
    #[expect(clippy::too_many_lines, reason = "a flat table of broken decoders")]
    fn the_model_catches_broken_decoders() {
        type Break = fn(&Spec) -> Spec;
        let adjust_plus_one: Break = |s| Spec {
            adjust: s.adjust + 1,
            ..s.clone()
        };
        let adjust_minus_one: Break = |s| Spec {
            adjust: s.adjust - 1,
            ..s.clone()
        };
        let tag_fixed_plus_one: Break = |s| {
            let Kind::Tagged(entries) = &s.kind else {
                unreachable!("a tagged spec")
            };
            let entries = entries
                .iter()
                .map(|e| match e.rule {
                    TagRule::Fixed(n) => TagEntry {
                        tag: e.tag,
                        rule: TagRule::Fixed(n + 1),
                    },
                    TagRule::Len(_) => *e,
                })
                .collect();
            Spec {
                kind: Kind::Tagged(entries),
                ..s.clone()
            }
        };
        // A varint read as one byte: the continuation bit taken as value.
        let varint_continuation_ignored: Break = |s| Spec {
            kind: Kind::Len(LenField::U8),
            max: Some(s.max()),
            ..s.clone()
        };
        let byte_order_swapped: Break = |s| Spec {
            kind: Kind::Len(LenField::U16Le),
            ..s.clone()
        };
        let mut varint_129 = vec![0x81, 0x01];
        varint_129.extend([b'v'; 129]);
        varint_129.extend(b"z");
        let table: Vec<(&str, &str, Break, Vec<u8>)> = vec![
            (
                "postgres_adjust_plus_one",
                "u32be,offset=1,adjust=-4",
                adjust_plus_one,
                b"Q\x00\x00\x00\x06hiX\x00\x00\x00\x04".to_vec(),
            ),
            (
                "u16be_adjust_minus_one",
                "u16be,adjust=+2",
                adjust_minus_one,
                b"\x00\x01abc\x00\x00xy".to_vec(),
            ),
            (
                "mqtt_adjust_plus_one",
                "varint,offset=1",
                adjust_plus_one,
                b"\x30\x02ab\xc0\x00\x30\x01c".to_vec(),
            ),
            (
                "tagged_adjust_plus_one",
                "tagged:A=1/P=u8,adjust=-1",
                adjust_plus_one,
                b"Ax\x50\x03abAy".to_vec(),
            ),
            (
                "tag_fixed_length_plus_one",
                "tagged:A=2/V=u16be",
                tag_fixed_plus_one,
                b"AxyV\x00\x01z".to_vec(),
            ),
            (
                "varint_continuation_ignored",
                "varint",
                varint_continuation_ignored,
                varint_129,
            ),
            (
                "u16_byte_order_swapped",
                "u16be",
                byte_order_swapped,
                b"\x00\x01z\x00\x00".to_vec(),
            ),
        ];
        for (name, text, broken, stream) in &table {
            let spec: Spec = text.parse().expect(name);
            let bad = broken(&spec);
            for cuts in [&[][..], &[1; 15][..], &[3, 0, 2][..]] {
                assert_eq!(
                    checks_fail(&spec, stream, cuts, || Decoder::new(&spec)),
                    None,
                    "{name}: the real decoder must pass"
                );
                let caught = checks_fail(&spec, stream, cuts, || Decoder::new(&bad))
                    .unwrap_or_else(|| panic!("{name}: the broken decoder ({bad}) passed"));
                assert!(
                    caught.contains("model"),
                    "{name}: caught, but not by the model comparison: {caught}"
                );
            }
        }
    }

    #[test]
    fn seeds_have_unique_names_and_run_clean() {
        let seeds = seeds();
        for (i, s) in seeds.iter().enumerate() {
            assert!(TARGETS.contains(&s.target), "{}", s.target);
            assert!(
                seeds[..i]
                    .iter()
                    .all(|t| (t.target, &t.name) != (s.target, &s.name)),
                "duplicate seed {}/{}",
                s.target,
                s.name
            );
            assert!(run(s.target, &s.data), "{}", s.target);
        }
    }

    #[test]
    fn decode_only_reads_what_its_target_reads() {
        let seeds = seeds();
        let mut ran = 0;
        for s in seeds.iter().filter(|s| s.target.starts_with("decode_")) {
            assert!(decode_only(s.target, &s.data), "{}", s.target);
            ran += 1;
        }
        assert!(ran > 0, "no decode seeds");
        for other in ["round_trip", "spec_text", "schedule", "decode", ""] {
            assert!(
                !decode_only(other, b"\x01\x02"),
                "{other} is not a decode target"
            );
        }
    }

    #[test]
    fn writers_match_readers() {
        let table: &[(&str, Vec<u8>, &str)] = &[
            ("fixed_16", write::fixed(16), "fixed:16"),
            ("line", write::delimited(None, 0), "line"),
            ("crlf_max", write::delimited(Some(b"\r\n"), 3), "crlf,max=3"),
            ("delim", write::delimited(Some(b"aab"), 0), "delim:aab"),
            (
                "postgres",
                write::len(LenField::U32Be, 1, -4, 0),
                "u32be,offset=1,adjust=-4",
            ),
            (
                "tagged",
                write::tagged(&[(b'A', 10), (b'V', 1)], 0, 1024),
                "tagged:A=2/V=u16be,max=1KiB",
            ),
            ("eof", write::eof(4), "eof,max=4"),
        ];
        for (name, bytes, text) in table {
            let mut u = Unstructured::new(bytes);
            let spec = match *name {
                "fixed_16" => read_fixed(&mut u),
                "line" | "crlf_max" | "delim" => read_delimited(&mut u),
                "postgres" => read_len(&mut u),
                "tagged" => read_tagged(&mut u),
                _ => read_eof(&mut u),
            };
            assert_eq!(spec.to_string(), *text, "{name}");
            assert!(
                u.is_empty(),
                "{name}: writer wrote more than the reader read"
            );
        }
    }

    #[test]
    fn pieces_cover_the_stream() {
        let stream: Vec<u8> = (0..50).collect();
        for (name, cuts) in [
            ("whole", &[][..]),
            ("bytewise", &[1][..]),
            ("zeros_only", &[0, 0][..]),
            ("mixed", &[0, 3, 7][..]),
            ("huge", &[255][..]),
            ("more_sizes_than_bytes", &[20, 20, 20, 20][..]),
        ] {
            let joined: Vec<u8> = Pieces::new(&stream, cuts).flatten().copied().collect();
            assert_eq!(joined, stream, "{name}");
        }
        let sizes: Vec<usize> = Pieces::new(&stream, &[1, 0, 2]).map(<[u8]>::len).collect();
        assert_eq!(sizes, [1, 0, 2, 47]);
        assert_eq!(Pieces::new(&stream, &[20, 20, 20, 20]).count(), 3);
        assert_eq!(Pieces::new(&[], &[]).count(), 1);
    }

    #[test]
    fn refusal_matches_the_spec_rules() {
        type Row = (
            &'static str,
            &'static str,
            &'static [u8],
            &'static [u8],
            bool,
        );
        let table: &[Row] = &[
            ("fixed_exact", "fixed:2", b"", b"ab", false),
            ("fixed_short", "fixed:2", b"", b"a", true),
            ("crlf_lone_cr", "crlf", b"", b"a\rb", false),
            ("crlf_trailing_cr", "crlf", b"", b"a\r", false),
            ("crlf_ends_in_delimiter", "crlf", b"", b"a\r\n", true),
            ("delim_prefix_tail", "delim:aba", b"", b"ab", true),
            ("line_over_max", "line,max=2", b"", b"abc", true),
            ("u8_255", "u8", b"", &[0; 255], false),
            ("u8_256", "u8", b"", &[0; 256], true),
            (
                "postgres_fits",
                "u32be,offset=1,adjust=-4",
                b"Q",
                b"",
                false,
            ),
            ("adjust_makes_negative", "u8,adjust=+1", b"", b"", true),
            ("tag_unknown", "tagged:A=1", b"B", b"x", true),
            ("wrong_head", "u8,offset=1", b"", b"x", true),
        ];
        for (name, spec, head, payload, refused) in table {
            let spec: Spec = spec.parse().expect(name);
            assert_eq!(refusal(&spec, head, payload).is_some(), *refused, "{name}");
        }
    }
}
