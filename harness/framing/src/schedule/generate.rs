//! Schedule generators: the labelled cuttings worth trying on one stream.
//!
//! [`cases`] lists, for one stream, every schedule the simulator should try,
//! each with a label saying why: whole delivery, a byte at a time, fixed
//! sizes, every single split point and every pair of them while the space is
//! small (seeded random splits beyond that), framing-aware cuts derived from
//! a [`Spec`] (inside the length field at each offset, between header and
//! payload, inside a multi-byte delimiter, right after a tag byte, one byte
//! before the end of a frame; for lengths written as text, inside the digits
//! or a counted line's count word and between them and their separator; at
//! the boundary of a `first=` frame and the main framing; for HTTP/1, inside
//! the start line, between CR and LF, at the end of the header section, inside
//! a chunk-size line, its extension, its CRLF and the trailer), coalescing (several messages in one piece, a
//! piece carrying the tail of one message and the head of the next), and
//! seeded random schedules, uniform and heavy-tailed. [`Coverage`] says how
//! many of the stream's boundary positions and pairs the cases cut at.
//!
//! ```
//! use framecheck_framing::schedule::generate::{cases, Budget};
//! let spec = "u16be".parse()?;
//! let wire = b"\x00\x02hi\x00\x01!";
//! let g = cases(Some(&spec), wire, &Budget::default());
//! assert!(g.cases.iter().any(|c| c.label == "len-field+1@1"));
//! assert!(g.coverage.exhaustive_pairs);
//! assert_eq!(g.coverage.positions, wire.len() - 1); // every split point was tried
//! # Ok::<(), framecheck_framing::Error>(())
//! ```

use std::collections::BTreeSet;

use super::{Dist, Schedule, Shape, SplitMix64};
use crate::spec::{Kind, Spec};
use crate::{Decoder, Error};

/// How many cases [`cases`] may produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Try every single split point while the stream has at most this many
    /// bytes; otherwise `random` seeded single splits.
    pub singles_up_to: usize,
    /// Try every pair of split points while there are at most this many
    /// pairs; otherwise `random` seeded pairs.
    pub max_pairs: usize,
    /// Seeded random cases of each kind (uniform, heavy-tailed, and the
    /// single or pair splits past the exhaustive limits).
    pub random: usize,
    /// The seed of every random case.
    pub seed: u64,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget {
            singles_up_to: 4096,
            max_pairs: 20_000,
            random: 64,
            seed: 0,
        }
    }
}

/// One schedule to try and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// Why this schedule: `whole`, `split@5`, `in-delimiter+1@12`…
    pub label: String,
    /// The schedule (its text form replays it).
    pub schedule: Schedule,
}

/// How much of the stream's cutting space the cases cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Coverage {
    /// Distinct split positions (1..len) that some case cuts at.
    pub positions: usize,
    /// Split positions the stream has (`len - 1`).
    pub positions_of: usize,
    /// Whether every single split point was tried.
    pub exhaustive_singles: bool,
    /// Distinct pairs of split positions tried together in some case.
    pub pairs: u64,
    /// Pairs the stream has.
    pub pairs_of: u64,
    /// Whether every pair was tried.
    pub exhaustive_pairs: bool,
    /// Framing-aware positions found in the stream (all of them are tried).
    pub framing_positions: usize,
}

/// The cases and their coverage.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Generated {
    /// Every case, labels unique.
    pub cases: Vec<Case>,
    /// What they cover.
    pub coverage: Coverage,
    /// Where the stream's messages end (for `msg` and `straddle`), from a
    /// whole decode under the spec; empty without a spec.
    pub message_ends: Vec<usize>,
}

/// Where one decoded frame lies in the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Offset of the frame's first byte.
    pub start: usize,
    /// Offset of the length field (after the type byte or `offset` bytes).
    pub field: usize,
    /// Offset of the first payload byte.
    pub payload: usize,
    /// Offset just past the payload (where a delimiter starts).
    pub payload_end: usize,
    /// Offset just past the frame.
    pub end: usize,
}

/// The layout of every complete frame of `stream` under `spec` (decoding
/// stops at the first error or at a partial frame).
pub fn layout(spec: &Spec, stream: &[u8]) -> Vec<Layout> {
    let mut dec = Decoder::new(spec);
    let mut input = stream;
    let mut out = Vec::new();
    let mut start = 0;
    while let Ok(Some(frame)) = dec.decode(&mut input) {
        let range = frame.payload_range();
        let len = frame.wire().len();
        out.push(Layout {
            start,
            field: start + frame.head().len(),
            payload: start + range.start,
            payload_end: start + range.end,
            end: start + len,
        });
        start += len;
    }
    if let Ok(Some(frame)) = dec.finish() {
        // An `eof` message: the whole rest of the stream.
        let len = frame.wire().len();
        out.push(Layout {
            start,
            field: start,
            payload: start,
            payload_end: start + len,
            end: start + len,
        });
    }
    out
}

/// Labelled framing-aware cut positions of `stream` under `spec`, each
/// strictly inside the stream and each once (a position that is two things,
/// like the end of a header and one byte before the end, keeps its first label).
pub fn framing_cuts(spec: &Spec, stream: &[u8]) -> Vec<(String, usize)> {
    let tagged = matches!(spec.kind, Kind::Tagged(_));
    let mut out: Vec<(String, usize)> = Vec::new();
    let mut add = |label: &str, at: usize| out.push((label.to_owned(), at));
    for (i, f) in layout(spec, stream).into_iter().enumerate() {
        // A length written as text: inside its digits (or a counted line's
        // count word), and between the digits and what follows them.
        let framing = match &spec.first {
            Some(first) if i == 0 => first,
            _ => spec,
        };
        let wire = &stream[f.start..f.end];
        if let Some(text) = framing.len_text(wire, f.field - f.start, f.payload - f.start) {
            // `text` is a subslice of `wire`: where it starts.
            let at = f.start + (text.as_ptr() as usize - wire.as_ptr() as usize);
            let (inside, after) = if matches!(framing.kind, Kind::Counted(_)) {
                ("in-count", "count|rest")
            } else {
                ("in-digits", "digits|sep")
            };
            for k in 1..text.len() {
                add(&format!("{inside}+{k}"), at + k);
            }
            if at + text.len() < f.payload {
                add(after, at + text.len());
            }
        }
        if let Kind::Http1(h) = &framing.kind {
            // HTTP/1: the start line, each CRLF, the end of the header
            // section, and the parts of a chunked body.
            let chunked = crate::http1::Head::parse(wire, h)
                .ok()
                .flatten()
                .is_some_and(|head| {
                    let l = head.length_fields(wire);
                    l.te_fields > 0 && l.chunked_last && f.payload_end > f.payload
                });
            for (label, at) in crate::http1::cut_points(wire, f.payload - f.start, chunked) {
                add(label, f.start + at);
            }
        }
        if tagged {
            add("after-tag", f.start + 1);
        } else if f.field > f.start {
            add("after-type", f.field);
        }
        for at in f.field + 1..f.payload {
            add(&format!("len-field+{}", at - f.field), at);
        }
        if f.payload > f.start {
            add("header|payload", f.payload);
        }
        for at in f.payload_end + 1..f.end {
            add(&format!("in-delimiter+{}", at - f.payload_end), at);
        }
        if f.end > f.start + 1 {
            add("before-end", f.end - 1);
        }
        if i == 0 && spec.first.is_some() {
            add("first|main", f.end);
        } else {
            add("frame-end", f.end);
        }
    }
    // One case per position: the first label given to it wins.
    let mut seen = BTreeSet::new();
    out.into_iter()
        .filter(|(_, at)| *at > 0 && *at < stream.len() && seen.insert(*at))
        .map(|(label, at)| (format!("{label}@{at}"), at))
        .collect()
}

/// Every case worth trying on `stream`; see the [module docs](self).
pub fn cases(spec: Option<&Spec>, stream: &[u8], budget: &Budget) -> Generated {
    let n = stream.len();
    let mut g = Generator::default();
    g.push("whole", Schedule::whole(), &[]);
    g.push("one-byte", Schedule::fixed(1), &(1..n).collect::<Vec<_>>());
    for k in [2, 3, 4, 5, 7, 8, 16, 64] {
        if k < n {
            let cuts: Vec<usize> = (k..n).step_by(k).collect();
            g.push(&format!("fixed:{k}"), Schedule::fixed(k), &cuts);
        }
    }
    // Single splits: all of them while small, else seeded.
    let singles = n.saturating_sub(1);
    let mut rng = SplitMix64::new(budget.seed);
    let exhaustive_singles = n <= budget.singles_up_to;
    if exhaustive_singles {
        for at in 1..n {
            g.push(&format!("split@{at}"), Schedule::cuts(&[at]), &[at]);
        }
    } else {
        for _ in 0..budget.random {
            let at = pick(&mut rng, 1, n - 1);
            g.push(&format!("split@{at}"), Schedule::cuts(&[at]), &[at]);
        }
    }
    // Pairs: all of them while few, else seeded.
    let pairs_of = pairs_in(singles);
    let exhaustive_pairs = pairs_of <= budget.max_pairs as u64;
    if exhaustive_pairs {
        for a in 1..n {
            for b in a + 1..n {
                g.push(&format!("pair@{a},{b}"), Schedule::cuts(&[a, b]), &[a, b]);
            }
        }
    } else if n >= 3 {
        for _ in 0..budget.random {
            let a = pick(&mut rng, 1, n - 2);
            let b = pick(&mut rng, a + 1, n - 1);
            g.push(&format!("pair@{a},{b}"), Schedule::cuts(&[a, b]), &[a, b]);
        }
    }
    // Framing-aware cuts, each alone and all at once.
    let mut message_ends = Vec::new();
    let mut framing_positions = 0;
    if let Some(spec) = spec {
        let cuts = framing_cuts(spec, stream);
        framing_positions = cuts.len();
        for (label, at) in &cuts {
            g.push(label, Schedule::cuts(&[*at]), &[*at]);
        }
        let all: Vec<usize> = cuts.iter().map(|(_, at)| *at).collect();
        g.push("framing-all", Schedule::cuts(&all), &all);
        message_ends = layout(spec, stream).iter().map(|f| f.end).collect();
        // Coalescing: N messages per piece, and pieces that straddle two.
        let frames = message_ends.len();
        for k in 1..=frames.min(8) {
            let s = Schedule::new(Shape::Messages(k));
            let plan_cuts = s.plan(n, &message_ends).cuts();
            g.push(&format!("msg:{k}"), s, &plan_cuts);
        }
        let s = Schedule::new(Shape::Straddle);
        let plan_cuts = s.plan(n, &message_ends).cuts();
        g.push("straddle", s, &plan_cuts);
    }
    // Seeded random schedules, uniform and heavy-tailed.
    for i in 0..budget.random {
        let seed = SplitMix64::derive(budget.seed, i as u64);
        for (dist, hi) in [(Dist::Uniform, 8), (Dist::Heavy, n.max(1))] {
            let s = Schedule::new(Shape::Random {
                dist,
                min: 1,
                max: hi,
            })
            .with_seed(seed);
            let cuts = s.plan(n, &[]).cuts();
            g.push(&s.to_string(), s, &cuts);
        }
    }
    g.coverage.positions = g.positions.len();
    g.coverage.positions_of = singles;
    g.coverage.exhaustive_singles = exhaustive_singles;
    g.coverage.pairs = if exhaustive_pairs {
        pairs_of
    } else {
        g.pairs.len() as u64
    };
    g.coverage.pairs_of = pairs_of;
    g.coverage.exhaustive_pairs = exhaustive_pairs;
    g.coverage.framing_positions = framing_positions;
    Generated {
        cases: g.cases,
        coverage: g.coverage,
        message_ends,
    }
}

/// Collects cases, dropping repeated labels, and tracks coverage.
#[derive(Default)]
struct Generator {
    cases: Vec<Case>,
    labels: BTreeSet<String>,
    positions: BTreeSet<usize>,
    /// Pairs seen in non-exhaustive mode (bounded by the budget).
    pairs: BTreeSet<(usize, usize)>,
    coverage: Coverage,
}

impl Generator {
    fn push(&mut self, label: &str, schedule: Schedule, cuts: &[usize]) {
        if !self.labels.insert(label.to_owned()) {
            return;
        }
        self.positions.extend(cuts.iter().copied());
        if cuts.len() == 2 {
            self.pairs.insert((cuts[0], cuts[1]));
        }
        self.cases.push(Case {
            label: label.to_owned(),
            schedule,
        });
    }
}

fn pairs_in(k: usize) -> u64 {
    let k = k as u64;
    k * k.saturating_sub(1) / 2
}

fn pick(rng: &mut SplitMix64, lo: usize, hi: usize) -> usize {
    // Both bounds are usize, so the draw fits back.
    usize::try_from(rng.range(lo as u64, hi as u64)).unwrap_or(lo)
}

/// Where messages end in `stream` under `spec`: the boundaries `msg` and
/// `straddle` need. Fails with the decode error if the stream does not frame.
pub fn message_ends(spec: &Spec, stream: &[u8]) -> Result<Vec<usize>, Error> {
    let ends: Vec<usize> = layout(spec, stream).iter().map(|f| f.end).collect();
    let t = crate::transcript(spec, [stream]);
    t.end.map(|()| ends)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(spec: &str, wire: &[u8]) -> Vec<(String, usize)> {
        let spec: Spec = spec.parse().unwrap_or_else(|e| panic!("{e}"));
        framing_cuts(&spec, wire)
    }

    /// (scenario, spec, stream, expected labelled cuts)
    type Row = (
        &'static str,
        &'static str,
        &'static [u8],
        &'static [(&'static str, usize)],
    );

    #[test]
    #[expect(clippy::too_many_lines, reason = "a flat table of scenarios")]
    fn framing_cuts_per_strategy() {
        let table: &[Row] = &[
            (
                "u16be_inside_field_and_header_payload",
                "u16be",
                b"\x00\x02hi\x00\x01!",
                &[
                    ("len-field+1@1", 1),
                    ("header|payload@2", 2),
                    ("before-end@3", 3),
                    ("frame-end@4", 4),
                    ("len-field+1@5", 5),
                    ("header|payload@6", 6),
                ],
            ),
            (
                "crlf_between_cr_and_lf",
                "crlf",
                b"ab\r\nc\r\n",
                &[
                    ("in-delimiter+1@3", 3),
                    ("frame-end@4", 4),
                    ("in-delimiter+1@6", 6),
                ],
            ),
            (
                "postgres_after_type_byte",
                "u32be,offset=1,adjust=-4",
                b"Q\x00\x00\x00\x05x",
                &[
                    ("after-type@1", 1),
                    ("len-field+1@2", 2),
                    ("len-field+2@3", 3),
                    ("len-field+3@4", 4),
                    ("header|payload@5", 5),
                ],
            ),
            (
                "netstring_digits_separator_trailer",
                "netstring",
                b"12:abcdefghijkl,",
                &[
                    ("in-digits+1@1", 1),
                    ("digits|sep@2", 2),
                    ("header|payload@3", 3),
                    ("before-end@15", 15),
                ],
            ),
            (
                "digits_inside_the_digits",
                "digits:3",
                b"002hi001x",
                &[
                    ("in-digits+1@1", 1),
                    ("in-digits+2@2", 2),
                    ("header|payload@3", 3),
                    ("before-end@4", 4),
                    ("frame-end@5", 5),
                    ("in-digits+1@6", 6),
                    ("in-digits+2@7", 7),
                    ("header|payload@8", 8),
                ],
            ),
            (
                "counted_count_word_and_trailer",
                "counted:crlf/set=2",
                b"set 10\r\n0123456789\r\n",
                &[
                    ("in-count+1@5", 5),
                    ("count|rest@6", 6),
                    ("len-field+1@7", 7),
                    ("header|payload@8", 8),
                    ("in-delimiter+1@19", 19),
                ],
            ),
            (
                "first_main_boundary",
                "line,first=(fixed:2)",
                b"abc\n",
                &[
                    ("before-end@1", 1),
                    ("first|main@2", 2),
                    ("before-end@3", 3),
                ],
            ),
            (
                "tagged_after_tag",
                "tagged:A=2/V=u8",
                b"AxyV\x01z",
                &[
                    ("after-tag@1", 1),
                    ("before-end@2", 2),
                    ("frame-end@3", 3),
                    ("after-tag@4", 4),
                    ("header|payload@5", 5),
                ],
            ),
        ];
        for (name, spec, wire, expected) in table {
            let got = labels(spec, wire);
            let expected: Vec<(String, usize)> = expected
                .iter()
                .map(|(l, a)| ((*l).to_owned(), *a))
                .collect();
            assert_eq!(got, expected, "{name}");
        }
    }

    #[test]
    fn small_streams_are_exhaustive() {
        let spec: Spec = "line".parse().unwrap_or_else(|e| panic!("{e}"));
        let wire = b"ab\ncd\n";
        let g = cases(Some(&spec), wire, &Budget::default());
        assert!(g.coverage.exhaustive_singles && g.coverage.exhaustive_pairs);
        assert_eq!(g.coverage.positions, 5);
        assert_eq!(g.coverage.pairs, 10);
        assert_eq!(g.message_ends, [3, 6]);
        let labels: BTreeSet<&str> = g.cases.iter().map(|c| c.label.as_str()).collect();
        for want in [
            "whole", "one-byte", "split@1", "pair@2,4", "msg:1", "msg:2", "straddle",
        ] {
            assert!(labels.contains(want), "missing {want}");
        }
        assert_eq!(labels.len(), g.cases.len(), "labels are unique");
    }

    #[test]
    fn large_streams_switch_to_seeded_random() {
        let wire = vec![b'x'; 10_000];
        let budget = Budget {
            random: 10,
            ..Budget::default()
        };
        let a = cases(None, &wire, &budget);
        assert!(!a.coverage.exhaustive_singles && !a.coverage.exhaustive_pairs);
        assert!(a.coverage.pairs <= 10);
        // The one-byte case alone cuts at every position.
        assert_eq!(a.coverage.positions, a.coverage.positions_of);
        assert_eq!(a, cases(None, &wire, &budget), "same seed, same cases");
        let b = cases(None, &wire, &Budget { seed: 1, ..budget });
        assert_ne!(a.cases, b.cases, "another seed, other cases");
    }
}
