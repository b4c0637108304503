//! Shrinking a failing schedule: fewest cuts, each as early as it can be,
//! no pauses, earliest fault, shortest prefix of the stream.

use std::fmt;

use super::{Delivery, End, Mismatch, Push, check, first_difference};
use crate::Schedule;
use crate::schedule::{Fault, FaultKind, Step};

/// The most candidate deliveries one shrink tries (then it stops where it is).
pub(crate) const MAX_CHECKS: usize = 20_000;

/// A minimal failing schedule; its [`Display`](fmt::Display) is the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Shrunk<E> {
    /// The schedule that first failed, with its seed.
    pub found_by: Schedule,
    /// The minimal schedule: explicit cuts, then at most one `rst@` fault.
    pub schedule: Schedule,
    /// It fails on the first `prefix` bytes of the stream.
    pub prefix: usize,
    /// Those bytes (for the report and for replay).
    pub stream: Vec<u8>,
    /// Whole delivery of the prefix.
    pub whole: Delivery<E>,
    /// Delivery of the prefix under `schedule`.
    pub split: Delivery<E>,
    /// Candidate deliveries tried.
    pub checks: usize,
}

/// One candidate: cut positions, an optional reset, a stream prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Candidate {
    cuts: Vec<usize>,
    reset: Option<usize>,
    prefix: usize,
}

impl Candidate {
    fn schedule(&self) -> Schedule {
        let mut s = Schedule::cuts(&self.cuts);
        if let Some(at) = self.reset {
            s.faults.push(Fault {
                at: at as u64,
                kind: FaultKind::Reset,
            });
        }
        s
    }
}

struct Shrinker<'a, D, M> {
    make: M,
    stream: &'a [u8],
    checks: usize,
    _decoder: std::marker::PhantomData<D>,
}

impl<D: Push, M: FnMut() -> D> Shrinker<'_, D, M> {
    /// Whether the candidate still shows a difference (false once the
    /// check budget is spent, so shrinking stops where it is).
    fn fails(&mut self, c: &Candidate) -> bool {
        if self.checks >= MAX_CHECKS {
            return false;
        }
        self.checks += 1;
        check(&mut self.make, &self.stream[..c.prefix], &[], &c.schedule()).is_err()
    }

    /// Remove as many cuts as possible: chunks first, then single cuts.
    fn fewer_cuts(&mut self, c: &mut Candidate) -> bool {
        let mut changed = false;
        let mut parts = 2;
        while !c.cuts.is_empty() {
            let size = c.cuts.len().div_ceil(parts);
            let mut removed = false;
            let mut start = 0;
            while start < c.cuts.len() {
                let mut trial = c.clone();
                let end = (start + size).min(trial.cuts.len());
                trial.cuts.drain(start..end);
                if self.fails(&trial) {
                    *c = trial;
                    removed = true;
                    changed = true;
                } else {
                    start += size;
                }
            }
            if !removed {
                if size == 1 {
                    break;
                }
                parts *= 2;
            }
        }
        changed
    }

    /// Move the reset as early as it still fails, or drop it.
    fn earlier_reset(&mut self, c: &mut Candidate) -> bool {
        let Some(at) = c.reset else { return false };
        let mut trial = c.clone();
        trial.reset = None;
        trial.prefix = at;
        if self.fails(&trial) {
            // A plain end of stream at the same place shows it too.
            *c = trial;
            return true;
        }
        for earlier in 0..at {
            let mut trial = c.clone();
            trial.reset = Some(earlier);
            trial.prefix = earlier;
            trial.cuts.retain(|&x| x < earlier);
            if self.fails(&trial) {
                *c = trial;
                return true;
            }
        }
        false
    }

    /// Move each cut as early as it still fails (so that the prefix can
    /// shrink after it).
    fn earlier_cuts(&mut self, c: &mut Candidate) -> bool {
        let mut changed = false;
        for i in 0..c.cuts.len() {
            let lo = if i == 0 { 1 } else { c.cuts[i - 1] + 1 };
            for pos in lo..c.cuts[i] {
                let mut trial = c.clone();
                trial.cuts[i] = pos;
                if self.fails(&trial) {
                    *c = trial;
                    changed = true;
                    break;
                }
            }
        }
        changed
    }

    /// The shortest prefix that still fails.
    fn shorter_prefix(&mut self, c: &mut Candidate) -> bool {
        if c.reset.is_some() {
            return false; // the reset's offset already bounds the prefix
        }
        for prefix in 0..c.prefix {
            let mut trial = c.clone();
            trial.prefix = prefix;
            trial.cuts.retain(|&x| x < prefix);
            if self.fails(&trial) {
                *c = trial;
                return true;
            }
        }
        false
    }
}

/// Shrink a failure found by [`check`] on `stream` to a minimal schedule.
///
/// Unlike [`check`], it needs no message ends: the failure's plan already
/// fixes where the cuts fall (the shrunk schedule gives them as explicit
/// sizes).
pub fn shrink<D: Push>(
    make: impl FnMut() -> D,
    stream: &[u8],
    failure: &Mismatch<D::Event>,
) -> Shrunk<D::Event> {
    let plan = &failure.plan;
    let sent = plan.sent();
    let mut cand = Candidate {
        cuts: plan.cuts(),
        reset: None,
        prefix: stream.len(),
    };
    match plan.terminal() {
        // A FIN at N ends the stream at N: the same as a prefix of N bytes.
        Some(Step::Fin) => cand.prefix = sent,
        Some(Step::Reset) => {
            cand.reset = Some(sent);
            cand.prefix = sent;
        }
        _ => {}
    }
    let mut shrinker = Shrinker {
        make,
        stream,
        checks: 0,
        _decoder: std::marker::PhantomData,
    };
    if shrinker.fails(&cand) {
        loop {
            // Prefix before cuts: a short prefix drops the cuts beyond it.
            let a = shrinker.earlier_reset(&mut cand);
            let b = shrinker.shorter_prefix(&mut cand);
            let d = shrinker.fewer_cuts(&mut cand);
            let e = shrinker.earlier_cuts(&mut cand);
            if !(a || b || d || e) {
                break;
            }
        }
    } else {
        // Cannot happen for a deterministic decoder; report the original.
        cand = Candidate {
            cuts: plan.cuts(),
            reset: None,
            prefix: stream.len(),
        };
    }
    let schedule = cand.schedule();
    let bytes = &stream[..cand.prefix];
    let (whole, split) = match check(&mut shrinker.make, bytes, &[], &schedule) {
        Err(m) => (m.whole, m.split),
        Ok(_) => (failure.whole.clone(), failure.split.clone()),
    };
    Shrunk {
        found_by: failure.schedule.clone(),
        schedule,
        prefix: cand.prefix,
        stream: bytes.to_vec(),
        whole,
        split,
        checks: shrinker.checks,
    }
}

impl<E: fmt::Debug + PartialEq> fmt::Display for Shrunk<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 64;
        writeln!(f, "split delivery differs from whole delivery")?;
        writeln!(f, "  found by schedule  {}", self.found_by)?;
        writeln!(
            f,
            "  minimal schedule   {}   on the first {} bytes ({} checks)",
            self.schedule, self.prefix, self.checks
        )?;
        let shown = &self.stream[..self.stream.len().min(SHOWN)];
        let more = if self.stream.len() > SHOWN { "..." } else { "" };
        writeln!(
            f,
            "  bytes              b\"{}\"{more}",
            shown.escape_ascii()
        )?;
        let end = |e: End| match e {
            End::Fin => "then end of stream",
            End::Reset => "then reset (no end of stream)",
        };
        writeln!(
            f,
            "  whole delivery     {:?} {}",
            self.whole.events,
            end(self.whole.end)
        )?;
        writeln!(
            f,
            "  split delivery     {:?} {}",
            self.split.events,
            end(self.split.end)
        )?;
        write!(
            f,
            "  first difference   event #{}",
            first_difference(&self.whole.events, &self.split.events)
        )
    }
}
