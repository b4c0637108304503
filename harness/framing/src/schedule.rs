//! Delivery schedules: how a byte stream is cut into pieces, paused, and
//! broken off.
//!
//! A TCP stream keeps no boundaries, so a receiver may see the sender's bytes
//! in any cutting. A [`Schedule`] names one cutting, in a short text form that
//! users type, that prints back the same way, and that replays exactly (random
//! forms carry their seed). The same schedule drives an in-process decoder
//! ([`crate::simulate`]), a paced socket writer and the fragmenting proxy.
//!
//! # The text form
//!
//! ```text
#![doc = include_str!("schedule/grammar.txt")]
//! ```
//!
//! A fault's offset always falls on a cut: the piece in flight ends there.
//! `fin@` and `rst@` are terminal (at most one, and no fault after it); the
//! bytes after them are never sent. `msg` and `straddle` need to know where
//! messages end ([`Schedule::plan`] takes the boundaries); without them, as in
//! the proxy, they deliver whole pieces ([`Schedule::needs_messages`]).
//!
//! Display prints the canonical form: the shape, then `pause`, then the
//! faults by offset, then `seed`, sizes in the largest exact unit. Parsing
//! what Display prints gives the same schedule back:
//!
//! ```
//! use framecheck_framing::schedule::{Schedule, Step};
//! for text in ["1", "7", "3,1,4", "2,*", "whole", "rand:1..16/seed=42",
//!              "heavy:1..64KiB/pause=1ms/fin@1KiB/seed=7", "msg:3", "straddle",
//!              "1/stall@10:500ms/rst@20"] {
//!     let s: Schedule = text.parse()?;
//!     assert_eq!(s.to_string(), text);
//! }
//! // Cut 10 bytes by "3,1,4": the sizes start over after the 4.
//! let plan = "3,1,4".parse::<Schedule>()?.plan(10, &[]);
//! assert_eq!(plan.sizes(), [3, 1, 4, 2]);
//! // A fault cuts the piece in flight and ends the stream.
//! let plan = "4/fin@6".parse::<Schedule>()?.plan(10, &[]);
//! assert_eq!(plan.sizes(), [4, 2]);
//! assert_eq!(plan.steps.last(), Some(&Step::Fin));
//! // The same seed gives the same pieces.
//! let a = "rand:1..8/seed=9".parse::<Schedule>()?.plan(100, &[]);
//! let b = "rand:1..8/seed=9".parse::<Schedule>()?.plan(100, &[]);
//! assert_eq!(a, b);
//! # Ok::<(), framecheck_framing::Error>(())
//! ```
//!
//! Errors point at the bad token and say what would have been accepted:
//!
//! ```
//! use framecheck_framing::schedule::Schedule;
//! let err = "3,0".parse::<Schedule>().unwrap_err().to_string();
//! assert!(err.contains("\"0\"") && err.contains("at least 1"), "{err}");
//! ```

mod cutter;
pub mod generate;
mod parse;
mod rng;

pub use cutter::{Action, Cutter, Piece, Plan, Step};

/// The grammar of the text form, as printed by `framecheck help schedules`.
pub const GRAMMAR: &str = include_str!("schedule/grammar.txt");
pub use rng::SplitMix64;

use std::time::Duration;

/// The largest piece size (and bound of a random range): 1 GiB.
pub const MAX_PIECE: usize = 1 << 30;
/// The largest fault offset: 2^62 bytes.
pub const MAX_OFFSET: u64 = 1 << 62;
/// The most sizes an explicit list may have.
pub const MAX_SIZES: usize = 4096;
/// The longest pause or stall: one hour.
pub const MAX_DURATION: Duration = Duration::from_secs(3600);
/// The most messages per piece in `msg:N`.
pub const MAX_MESSAGES: usize = 1 << 20;
/// The most faults in one schedule.
pub const MAX_FAULTS: usize = 64;

/// A delivery schedule; see the [module docs](self) for the text form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Schedule {
    /// How the stream is cut.
    pub shape: Shape,
    /// Wait after every piece (zero: none).
    pub pause: Duration,
    /// Faults, ordered by offset; at most one terminal fault, and it is last.
    pub faults: Vec<Fault>,
    /// The seed of a random shape; `None` means 0 (and is not printed).
    pub seed: Option<u64>,
}

/// How a [`Schedule`] cuts the stream.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Shape {
    /// Everything there is in one piece.
    Whole,
    /// Explicit piece sizes (each at least 1).
    Sizes {
        /// The sizes, in order.
        sizes: Vec<usize>,
        /// What follows the last size.
        then: Then,
    },
    /// Seeded random sizes in `min..=max`.
    Random {
        /// How sizes are drawn.
        dist: Dist,
        /// The smallest piece (at least 1).
        min: usize,
        /// The largest piece.
        max: usize,
    },
    /// N whole messages per piece.
    Messages(usize),
    /// Cut in the middle of every message.
    Straddle,
}

/// What an explicit size list does after its last size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Then {
    /// Start over from the first size (`3,1,4`).
    Cycle,
    /// Send the rest in one piece (`3,1,4,*`).
    Rest,
}

/// The distribution of a random shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dist {
    /// Every size in the range equally likely (`rand:`).
    Uniform,
    /// Pareto with alpha 1, clamped to the range: a size of at least `k * min`
    /// has probability about `1/k` (`heavy:`).
    Heavy,
}

/// A fault at a byte offset of the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fault {
    /// How many bytes are sent before the fault.
    pub at: u64,
    /// What happens there.
    pub kind: FaultKind,
}

/// What a [`Fault`] does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// Send nothing for this long, then go on.
    Stall(Duration),
    /// Shut down the write side (FIN); nothing more is sent.
    Fin,
    /// Reset the connection (RST); nothing more is sent.
    Reset,
}

impl FaultKind {
    /// Whether nothing is sent after this fault.
    pub fn is_terminal(self) -> bool {
        matches!(self, FaultKind::Fin | FaultKind::Reset)
    }
}

impl Schedule {
    /// A schedule of this shape with no pause, fault or seed.
    pub fn new(shape: Shape) -> Schedule {
        Schedule {
            shape,
            pause: Duration::ZERO,
            faults: Vec::new(),
            seed: None,
        }
    }

    /// Everything in one piece.
    pub fn whole() -> Schedule {
        Schedule::new(Shape::Whole)
    }

    /// Pieces of `k` bytes (`k` at least 1).
    pub fn fixed(k: usize) -> Schedule {
        Schedule::new(Shape::Sizes {
            sizes: vec![k.max(1)],
            then: Then::Cycle,
        })
    }

    /// Cut at exactly these stream offsets (sorted, deduplicated, zero
    /// dropped), then send the rest whole: the form the shrinker prints.
    pub fn cuts(cuts: &[usize]) -> Schedule {
        let mut sorted: Vec<usize> = cuts.iter().copied().filter(|&c| c > 0).collect();
        sorted.sort_unstable();
        sorted.dedup();
        let mut last = 0;
        let sizes: Vec<usize> = sorted
            .into_iter()
            .map(|c| {
                let size = c - last;
                last = c;
                size
            })
            .collect();
        if sizes.is_empty() {
            Schedule::whole()
        } else {
            Schedule::new(Shape::Sizes {
                sizes,
                then: Then::Rest,
            })
        }
    }

    /// This schedule with `seed` (replacing any it had).
    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> Schedule {
        self.seed = Some(seed);
        self
    }

    /// This schedule with `seed` if it has none yet.
    #[must_use]
    pub fn with_default_seed(mut self, seed: u64) -> Schedule {
        self.seed.get_or_insert(seed);
        self
    }

    /// The seed random shapes use (0 if none was given).
    pub fn seed(&self) -> u64 {
        self.seed.unwrap_or(0)
    }

    /// Whether the shape draws random sizes (and so depends on the seed).
    pub fn is_random(&self) -> bool {
        matches!(self.shape, Shape::Random { .. })
    }

    /// Whether the shape needs message boundaries (`msg`, `straddle`).
    pub fn needs_messages(&self) -> bool {
        matches!(self.shape, Shape::Messages(_) | Shape::Straddle)
    }

    /// The terminal fault (FIN or RST), if any, and its offset.
    pub fn terminal(&self) -> Option<Fault> {
        self.faults.iter().copied().find(|f| f.kind.is_terminal())
    }

    /// A lazy cutter for a stream of unknown length (the proxy, a socket
    /// writer fed as it goes). Message shapes cut as `whole` here.
    pub fn cutter(&self) -> Cutter {
        Cutter::new(self, Vec::new())
    }

    /// The whole delivery of a `stream_len`-byte stream whose messages end
    /// at `message_ends` (stream offsets, ascending; used by `msg` and
    /// `straddle`, ignored otherwise).
    pub fn plan(&self, stream_len: usize, message_ends: &[usize]) -> Plan {
        Plan::new(self, stream_len, message_ends)
    }
}

impl Default for Schedule {
    fn default() -> Schedule {
        Schedule::whole()
    }
}
