//! Turning a [`Schedule`] into pieces: lazily for a stream of unknown length
//! ([`Cutter`]), or all at once for a known one ([`Plan`]).

use std::ops::Range;
use std::time::Duration;

use super::{Dist, Fault, FaultKind, Schedule, Shape, SplitMix64, Then};

/// One piece of a [`Plan`]: `len` bytes written together, then `pause`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Piece {
    /// Bytes in the piece (at least 1).
    pub len: usize,
    /// How long to wait after it.
    pub pause: Duration,
}

/// One step of a [`Plan`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// Write these bytes as one piece.
    Piece(Piece),
    /// Send nothing for this long.
    Stall(Duration),
    /// Shut down the write side; the plan ends here.
    Fin,
    /// Reset the connection; the plan ends here.
    Reset,
}

/// What a [`Cutter`] says to do next with the bytes at hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Write the next `len` bytes as one write, then wait `pause` (non-zero
    /// only when the write ends a piece of a schedule with a pause).
    Send {
        /// Bytes to write (at least 1, at most the bytes at hand).
        len: usize,
        /// Wait after the write.
        pause: Duration,
    },
    /// Send nothing for this long, then ask again.
    Stall(Duration),
    /// Shut down the write side; nothing more is to be sent.
    Fin,
    /// Reset the connection; nothing more is to be sent.
    Reset,
    /// No bytes at hand and no fault due: ask again when bytes arrive.
    Wait,
    /// A terminal fault has fired: drop whatever else arrives.
    Done,
}

/// Where the piece sizes come from.
#[derive(Debug, Clone)]
enum Source {
    Whole,
    Sizes {
        sizes: Vec<usize>,
        then: Then,
        next: usize,
    },
    Random {
        dist: Dist,
        min: usize,
        max: usize,
        rng: SplitMix64,
    },
    /// Absolute cut offsets (from message boundaries), then the rest.
    Cuts {
        cuts: Vec<u64>,
        next: usize,
    },
}

impl Source {
    /// The end offset of the piece that starts at `start`.
    fn next_end(&mut self, start: u64) -> u64 {
        let size = match self {
            Source::Whole => return u64::MAX,
            Source::Sizes { sizes, then, next } => {
                if *next == sizes.len() {
                    match then {
                        Then::Rest => return u64::MAX,
                        Then::Cycle => *next = 0,
                    }
                }
                let Some(&size) = sizes.get(*next) else {
                    return u64::MAX; // an empty list: whole
                };
                *next += 1;
                size
            }
            Source::Random {
                dist,
                min,
                max,
                rng,
            } => {
                let (lo, hi) = (to_u64(*min).max(1), to_u64(*max));
                return start.saturating_add(match dist {
                    Dist::Uniform => rng.range(lo, hi.max(lo)),
                    Dist::Heavy => rng.heavy(lo, hi.max(lo)),
                });
            }
            Source::Cuts { cuts, next } => {
                while let Some(&c) = cuts.get(*next) {
                    *next += 1;
                    if c > start {
                        return c;
                    }
                }
                return u64::MAX;
            }
        };
        start.saturating_add(to_u64(size.max(1)))
    }
}

/// Cuts a stream of unknown length, a call at a time; see [`Schedule::cutter`].
///
/// The caller says how many bytes it has at hand; the cutter says how many of
/// them to write now, or which fault is due. Cuts fall at fixed stream
/// offsets, so a caller that has fewer bytes than the piece needs may write
/// them at once (a short piece) and the next write completes the piece: the
/// proxy does this rather than hold bytes back from a peer that waits for a
/// reply.
///
/// ```
/// use framecheck_framing::schedule::{Action, Schedule};
/// use std::time::Duration;
/// let mut c = "3/pause=1ms/rst@5".parse::<Schedule>()?.cutter();
/// let ms = Duration::from_millis(1);
/// assert_eq!(c.next(10), Action::Send { len: 3, pause: ms });
/// assert_eq!(c.next(7), Action::Send { len: 2, pause: Duration::ZERO }); // cut by the fault
/// assert_eq!(c.next(5), Action::Reset);
/// assert_eq!(c.next(5), Action::Done);
/// # Ok::<(), framecheck_framing::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Cutter {
    source: Source,
    pause: Duration,
    faults: Vec<Fault>,
    next_fault: usize,
    /// Bytes sent so far.
    offset: u64,
    /// End offset of the piece in flight, once started.
    piece_end: Option<u64>,
    done: bool,
}

impl Cutter {
    pub(super) fn new(schedule: &Schedule, message_ends: Vec<u64>) -> Cutter {
        let source = match &schedule.shape {
            Shape::Whole => Source::Whole,
            Shape::Sizes { sizes, then } => Source::Sizes {
                sizes: sizes.clone(),
                then: *then,
                next: 0,
            },
            Shape::Random { dist, min, max } => Source::Random {
                dist: *dist,
                min: *min,
                max: *max,
                rng: SplitMix64::new(schedule.seed()),
            },
            Shape::Messages(_) | Shape::Straddle if message_ends.is_empty() => Source::Whole,
            Shape::Messages(_) | Shape::Straddle => Source::Cuts {
                cuts: message_ends,
                next: 0,
            },
        };
        let mut faults = schedule.faults.clone();
        faults.sort_by_key(|f| (f.at, f.kind.is_terminal()));
        Cutter {
            source,
            pause: schedule.pause,
            faults,
            next_fault: 0,
            offset: 0,
            piece_end: None,
            done: false,
        }
    }

    /// Bytes sent so far (the sum of every `Send` returned).
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The next thing to do with `available` bytes at hand. A `Send` is
    /// taken as done: the cutter moves past those bytes.
    pub fn next(&mut self, available: usize) -> Action {
        if self.done {
            return Action::Done;
        }
        if let Some(f) = self.faults.get(self.next_fault).copied() {
            if f.at <= self.offset {
                self.next_fault += 1;
                return match f.kind {
                    FaultKind::Stall(d) => Action::Stall(d),
                    FaultKind::Fin => {
                        self.done = true;
                        Action::Fin
                    }
                    FaultKind::Reset => {
                        self.done = true;
                        Action::Reset
                    }
                };
            }
        }
        if available == 0 {
            return Action::Wait;
        }
        let end = match self.piece_end {
            Some(end) => end,
            None => *self.piece_end.insert(self.source.next_end(self.offset)),
        };
        let fault_at = self.faults.get(self.next_fault).map_or(u64::MAX, |f| f.at);
        let room = end.min(fault_at) - self.offset;
        let len = usize::try_from(room).map_or(available, |room| room.min(available));
        self.offset += to_u64(len);
        let pause = if self.offset == end {
            self.piece_end = None;
            self.pause
        } else {
            Duration::ZERO
        };
        Action::Send { len, pause }
    }
}

/// A finite stream's whole delivery; see [`Schedule::plan`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Plan {
    /// The steps in order.
    pub steps: Vec<Step>,
    /// The length of the stream the plan was made for.
    pub stream_len: usize,
}

impl Plan {
    pub(super) fn new(schedule: &Schedule, stream_len: usize, message_ends: &[usize]) -> Plan {
        let cuts = match schedule.shape {
            Shape::Messages(n) => message_ends
                .iter()
                .skip(n.max(1) - 1)
                .step_by(n.max(1))
                .map(|&e| to_u64(e))
                .collect(),
            Shape::Straddle => {
                let mut start = 0;
                let mut cuts = Vec::new();
                for &end in message_ends {
                    if end >= start + 2 {
                        cuts.push(to_u64(start + (end - start) / 2));
                    }
                    start = end;
                }
                cuts
            }
            _ => Vec::new(),
        };
        let mut cutter = Cutter::new(schedule, cuts);
        let mut steps = Vec::new();
        let mut sent = 0;
        loop {
            match cutter.next(stream_len - sent) {
                Action::Send { len, pause } => {
                    sent += len;
                    steps.push(Step::Piece(Piece { len, pause }));
                }
                Action::Stall(d) => steps.push(Step::Stall(d)),
                Action::Fin => {
                    steps.push(Step::Fin);
                    break;
                }
                Action::Reset => {
                    steps.push(Step::Reset);
                    break;
                }
                Action::Wait | Action::Done => break,
            }
        }
        Plan { steps, stream_len }
    }

    /// The piece sizes in order.
    pub fn sizes(&self) -> Vec<usize> {
        self.pieces().map(|r| r.len()).collect()
    }

    /// Each piece as a range of the stream.
    pub fn pieces(&self) -> impl Iterator<Item = Range<usize>> + '_ {
        let mut at = 0;
        self.steps.iter().filter_map(move |s| match s {
            Step::Piece(p) => {
                let r = at..at + p.len;
                at += p.len;
                Some(r)
            }
            _ => None,
        })
    }

    /// The stream offsets where one piece ends and the next begins.
    pub fn cuts(&self) -> Vec<usize> {
        let mut cuts: Vec<usize> = self.pieces().map(|r| r.end).collect();
        cuts.pop();
        cuts
    }

    /// Bytes the plan sends (less than the stream after a FIN or RST).
    pub fn sent(&self) -> usize {
        self.pieces().last().map_or(0, |r| r.end)
    }

    /// How the plan ends early, if it does: [`Step::Fin`] or [`Step::Reset`].
    pub fn terminal(&self) -> Option<Step> {
        self.steps
            .last()
            .copied()
            .filter(|s| matches!(s, Step::Fin | Step::Reset))
    }

    /// The pieces of `stream` (which must be `stream_len` bytes).
    pub fn chunks<'a>(&'a self, stream: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.pieces().map(move |r| &stream[r])
    }
}

fn to_u64(n: usize) -> u64 {
    // usize is at most 64 bits on every supported target.
    n as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (scenario, schedule, stream length, message ends, expected sizes, expected end)
    type Row = (
        &'static str,
        &'static str,
        usize,
        &'static [usize],
        &'static [usize],
        Option<Step>,
    );

    #[test]
    fn plans() {
        let table: &[Row] = &[
            ("whole", "whole", 5, &[], &[5], None),
            ("one_byte", "1", 3, &[], &[1, 1, 1], None),
            ("fixed_with_short_tail", "4", 10, &[], &[4, 4, 2], None),
            ("list_cycles", "2,1", 7, &[], &[2, 1, 2, 1, 1], None),
            ("list_then_rest", "2,1,*", 7, &[], &[2, 1, 4], None),
            ("list_longer_than_stream", "5,5,*", 3, &[], &[3], None),
            ("empty_stream", "1", 0, &[], &[], None),
            (
                "fin_cuts_piece",
                "4/fin@6",
                10,
                &[],
                &[4, 2],
                Some(Step::Fin),
            ),
            ("rst_at_zero", "1/rst@0", 3, &[], &[], Some(Step::Reset)),
            ("fin_at_end", "whole/fin@3", 3, &[], &[3], Some(Step::Fin)),
            (
                "fin_beyond_end_never_fires",
                "whole/fin@9",
                3,
                &[],
                &[3],
                None,
            ),
            (
                "stall_keeps_grid",
                "4/stall@6:1s",
                10,
                &[],
                &[4, 2, 2, 2],
                None,
            ),
            (
                "two_messages_per_piece",
                "msg:2",
                9,
                &[2, 4, 6, 9],
                &[4, 5],
                None,
            ),
            (
                "one_message_per_piece",
                "msg",
                9,
                &[2, 4, 6, 9],
                &[2, 2, 2, 3],
                None,
            ),
            ("messages_without_ends_whole", "msg", 9, &[], &[9], None),
            (
                "straddle_cuts_middles",
                "straddle",
                10,
                &[4, 10],
                &[2, 5, 3],
                None,
            ),
        ];
        for (name, text, len, ends, sizes, end) in table {
            let s: Schedule = text.parse().unwrap_or_else(|e| panic!("{name}: {e}"));
            let plan = s.plan(*len, ends);
            assert_eq!(plan.sizes(), *sizes, "{name}");
            assert_eq!(plan.terminal(), *end, "{name}");
        }
    }

    #[test]
    fn stall_is_a_step_between_pieces() {
        let plan = "4/stall@6:1s".parse::<Schedule>().map(|s| s.plan(8, &[]));
        let steps = plan.map(|p| p.steps).unwrap_or_default();
        assert_eq!(steps[2], Step::Stall(Duration::from_secs(1)));
    }

    #[test]
    fn random_sizes_stay_in_range_and_replay() {
        for text in ["rand:3..9/seed=5", "heavy:2..50/seed=5"] {
            let s: Schedule = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
            let a = s.plan(10_000, &[]);
            let sizes = a.sizes();
            let (last, body) = sizes.split_last().unwrap_or((&0, &[]));
            assert!(*last >= 1, "{text}");
            let (lo, hi) = if text.starts_with("rand") {
                (3, 9)
            } else {
                (2, 50)
            };
            assert!(body.iter().all(|n| (lo..=hi).contains(n)), "{text}");
            assert_eq!(a, s.plan(10_000, &[]), "{text}");
            assert_ne!(a, s.clone().with_seed(6).plan(10_000, &[]), "{text}");
        }
    }

    #[test]
    fn cutter_completes_a_short_piece_on_the_next_write() {
        let mut c = Schedule::fixed(4).cutter();
        let z = Duration::ZERO;
        assert_eq!(c.next(0), Action::Wait);
        assert_eq!(c.next(3), Action::Send { len: 3, pause: z });
        assert_eq!(c.next(9), Action::Send { len: 1, pause: z });
        assert_eq!(c.next(9), Action::Send { len: 4, pause: z });
        assert_eq!(c.offset(), 8);
    }

    #[test]
    fn fin_at_zero_fires_before_any_byte() {
        let mut c = "1/fin@0".parse::<Schedule>().map(|s| s.cutter());
        let c = c.as_mut().ok();
        let c = c.unwrap_or_else(|| panic!("parse"));
        assert_eq!(c.next(0), Action::Fin);
        assert_eq!(c.next(5), Action::Done);
    }
}
