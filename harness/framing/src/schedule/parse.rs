//! The schedule text form: [`FromStr`] and [`Display`](fmt::Display); the
//! grammar is in the [module docs](super).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use super::{
    Dist, Fault, FaultKind, MAX_DURATION, MAX_FAULTS, MAX_MESSAGES, MAX_OFFSET, MAX_PIECE,
    MAX_SIZES, Schedule, Shape, Then,
};
use crate::Error;

const SHAPES: &str =
    "one of whole, N, N,N,..., N,...,*, rand:MIN..MAX, heavy:MIN..MAX, msg, msg:N, straddle";
const OPTIONS: &str =
    "one of pause=DURATION, stall@OFFSET:DURATION, fin@OFFSET, rst@OFFSET, seed=N";
const SIZE: &str = "a size like 1, 7, 4KiB or 1MiB, at least 1";
const DURATION: &str = "a duration like 500us, 10ms or 2s";

impl FromStr for Schedule {
    type Err = Error;

    fn from_str(s: &str) -> Result<Schedule, Error> {
        Parser { text: s }.parse()
    }
}

struct Parser<'a> {
    text: &'a str,
}

impl<'a> Parser<'a> {
    fn err(&self, at: &str, problem: &str, expected: &str) -> Error {
        // `at` is always a subslice of `text`.
        let pos = (at.as_ptr() as usize).saturating_sub(self.text.as_ptr() as usize);
        Error::Schedule {
            schedule: self.text.to_owned(),
            pos,
            token: at.to_owned(),
            problem: problem.to_owned(),
            expected: expected.to_owned(),
        }
    }

    fn parse(&self) -> Result<Schedule, Error> {
        let mut parts = self.text.split('/');
        let shape_text = parts.next().unwrap_or_default();
        let mut out = Schedule::new(self.shape(shape_text)?);
        let mut seen_pause = false;
        for opt in parts {
            if let Some(v) = opt.strip_prefix("pause=") {
                if seen_pause {
                    return Err(self.err(opt, "pause given twice", "one pause"));
                }
                seen_pause = true;
                out.pause = self.duration(v)?;
            } else if let Some(v) = opt.strip_prefix("seed=") {
                if out.seed.is_some() {
                    return Err(self.err(opt, "seed given twice", "one seed"));
                }
                out.seed = Some(
                    v.parse()
                        .map_err(|_| self.err(v, "bad seed", "a number below 2^64"))?,
                );
            } else if let Some(v) = opt.strip_prefix("fin@") {
                self.push_fault(&mut out, opt, self.offset(v)?, FaultKind::Fin)?;
            } else if let Some(v) = opt.strip_prefix("rst@") {
                self.push_fault(&mut out, opt, self.offset(v)?, FaultKind::Reset)?;
            } else if let Some(v) = opt.strip_prefix("stall@") {
                let (at, d) = v.split_once(':').ok_or_else(|| {
                    self.err(opt, "stall without a duration", "stall@OFFSET:DURATION")
                })?;
                let (at, d) = (self.offset(at)?, self.duration(d)?);
                self.push_fault(&mut out, opt, at, FaultKind::Stall(d))?;
            } else if opt.is_empty() {
                return Err(self.err(opt, "empty option", OPTIONS));
            } else {
                return Err(self.err(opt, "unknown option", OPTIONS));
            }
        }
        out.faults.sort_by_key(|f| (f.at, f.kind.is_terminal()));
        if let Some(t) = out.terminal() {
            if out.faults.last() != Some(&t) {
                let at = self
                    .text
                    .rfind('/')
                    .map_or(self.text, |i| &self.text[i + 1..]);
                return Err(self.err(
                    at,
                    "a fault after fin or rst never happens",
                    "faults before the fin@ or rst@ offset",
                ));
            }
        }
        Ok(out)
    }

    fn push_fault(
        &self,
        out: &mut Schedule,
        opt: &str,
        at: u64,
        kind: FaultKind,
    ) -> Result<(), Error> {
        if kind.is_terminal() && out.terminal().is_some() {
            return Err(self.err(opt, "a second fin@ or rst@", "at most one terminal fault"));
        }
        if out.faults.len() >= MAX_FAULTS {
            return Err(self.err(opt, "too many faults", "at most 64 faults"));
        }
        out.faults.push(Fault { at, kind });
        Ok(())
    }

    fn shape(&self, s: &'a str) -> Result<Shape, Error> {
        match s {
            "whole" | "*" => return Ok(Shape::Whole),
            "msg" => return Ok(Shape::Messages(1)),
            "straddle" => return Ok(Shape::Straddle),
            "" => return Err(self.err(s, "missing shape", SHAPES)),
            _ => {}
        }
        if let Some(n) = s.strip_prefix("msg:") {
            let n = self.number(n, "a message count")?;
            if n == 0 || n > MAX_MESSAGES {
                return Err(self.err(s, "message count out of range", "msg:N, 1 <= N <= 2^20"));
            }
            return Ok(Shape::Messages(n));
        }
        for (prefix, dist) in [("rand:", Dist::Uniform), ("heavy:", Dist::Heavy)] {
            if let Some(range) = s.strip_prefix(prefix) {
                let (lo, hi) = range
                    .split_once("..")
                    .ok_or_else(|| self.err(range, "missing range", "MIN..MAX, like 1..16"))?;
                let (min, max) = (self.size(lo)?, self.size(hi)?);
                if min > max {
                    return Err(self.err(range, "empty range", "MIN <= MAX"));
                }
                return Ok(Shape::Random { dist, min, max });
            }
        }
        if s.starts_with(|c: char| c.is_ascii_digit()) {
            let mut sizes = Vec::new();
            let mut then = Then::Cycle;
            let mut items = s.split(',').peekable();
            while let Some(item) = items.next() {
                if item == "*" {
                    if items.peek().is_some() {
                        return Err(self.err(item, "* before the end", "* only last"));
                    }
                    then = Then::Rest;
                } else {
                    sizes.push(self.size(item)?);
                }
            }
            if sizes.len() > MAX_SIZES {
                return Err(self.err(s, "too many sizes", "at most 4096 sizes"));
            }
            return Ok(Shape::Sizes { sizes, then });
        }
        Err(self.err(s, "unknown shape", SHAPES))
    }

    fn number(&self, s: &str, expected: &str) -> Result<usize, Error> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.err(s, "not a number", expected));
        }
        s.parse()
            .map_err(|_| self.err(s, "number too large", expected))
    }

    /// A size with an optional binary unit, as a u64 (not yet range-checked).
    fn quantity(&self, s: &str, expected: &str) -> Result<u64, Error> {
        let digits_end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (digits, unit) = s.split_at(digits_end);
        let n = u64::try_from(self.number(digits, expected)?)
            .map_err(|_| self.err(s, "number too large", expected))?;
        let shift = match unit {
            "" => 0,
            "KiB" => 10,
            "MiB" => 20,
            "GiB" => 30,
            _ => return Err(self.err(unit, "unknown unit", "KiB, MiB, GiB or none")),
        };
        n.checked_mul(1 << shift)
            .ok_or_else(|| self.err(s, "number too large", expected))
    }

    fn size(&self, s: &str) -> Result<usize, Error> {
        let n = self.quantity(s, SIZE)?;
        if n == 0 {
            return Err(self.err(s, "a piece of zero bytes", "a size of at least 1"));
        }
        usize::try_from(n)
            .ok()
            .filter(|&n| n <= MAX_PIECE)
            .ok_or_else(|| self.err(s, "piece above 1GiB", "a size of at most 1GiB"))
    }

    fn offset(&self, s: &str) -> Result<u64, Error> {
        let n = self.quantity(s, "a byte offset like 0, 100 or 1MiB")?;
        if n > MAX_OFFSET {
            return Err(self.err(s, "offset too large", "an offset of at most 2^62"));
        }
        Ok(n)
    }

    fn duration(&self, s: &str) -> Result<Duration, Error> {
        let digits_end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (digits, unit) = s.split_at(digits_end);
        let n = u64::try_from(self.number(digits, DURATION)?).unwrap_or(u64::MAX);
        let d = match unit {
            "us" => Duration::from_micros(n),
            "ms" => Duration::from_millis(n),
            "s" => Duration::from_secs(n),
            _ => return Err(self.err(unit, "missing or unknown unit", DURATION)),
        };
        if d > MAX_DURATION {
            return Err(self.err(s, "longer than an hour", "at most 3600s"));
        }
        Ok(d)
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.shape {
            Shape::Whole => f.write_str("whole")?,
            Shape::Sizes { sizes, then } => {
                for (i, &n) in sizes.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write_size(f, n as u64)?;
                }
                match (then, sizes.is_empty()) {
                    (Then::Rest, true) => f.write_str("*")?,
                    (Then::Rest, false) => f.write_str(",*")?,
                    (Then::Cycle, _) => {}
                }
            }
            Shape::Random { dist, min, max } => {
                f.write_str(match dist {
                    Dist::Uniform => "rand:",
                    Dist::Heavy => "heavy:",
                })?;
                write_size(f, *min as u64)?;
                f.write_str("..")?;
                write_size(f, *max as u64)?;
            }
            Shape::Messages(1) => f.write_str("msg")?,
            Shape::Messages(n) => write!(f, "msg:{n}")?,
            Shape::Straddle => f.write_str("straddle")?,
        }
        if !self.pause.is_zero() {
            f.write_str("/pause=")?;
            write_duration(f, self.pause)?;
        }
        let mut faults = self.faults.clone();
        faults.sort_by_key(|f| (f.at, f.kind.is_terminal()));
        for fault in &faults {
            f.write_str(match fault.kind {
                FaultKind::Stall(_) => "/stall@",
                FaultKind::Fin => "/fin@",
                FaultKind::Reset => "/rst@",
            })?;
            write_size(f, fault.at)?;
            if let FaultKind::Stall(d) = fault.kind {
                f.write_str(":")?;
                write_duration(f, d)?;
            }
        }
        if let Some(seed) = self.seed {
            write!(f, "/seed={seed}")?;
        }
        Ok(())
    }
}

/// A size in the largest binary unit that divides it exactly.
fn write_size(f: &mut fmt::Formatter<'_>, n: u64) -> fmt::Result {
    for (shift, unit) in [(30, "GiB"), (20, "MiB"), (10, "KiB")] {
        if n != 0 && n % (1 << shift) == 0 {
            return write!(f, "{}{unit}", n >> shift);
        }
    }
    write!(f, "{n}")
}

/// A duration in the largest unit that divides it exactly (sub-microsecond
/// parts are dropped: the text form has no finer unit).
fn write_duration(f: &mut fmt::Formatter<'_>, d: Duration) -> fmt::Result {
    let us = d.as_micros();
    if us % 1_000_000 == 0 {
        write!(f, "{}s", us / 1_000_000)
    } else if us % 1000 == 0 {
        write!(f, "{}ms", us / 1000)
    } else {
        write!(f, "{us}us")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms_round_trip() {
        for text in [
            "whole",
            "1",
            "7",
            "3,1,4",
            "3,1,4,*",
            "4KiB",
            "rand:1..16/seed=1",
            "heavy:1..1MiB/seed=18446744073709551615",
            "msg",
            "msg:5",
            "straddle",
            "1/pause=250us",
            "1/pause=2s",
            "2/stall@0:1ms/stall@5:3ms/fin@9",
            "1/rst@1GiB",
            "rand:2..8/pause=1ms/stall@3:10ms/rst@40/seed=3",
        ] {
            let s: Schedule = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(s.to_string(), text);
        }
    }

    #[test]
    fn aliases_print_canonically() {
        for (text, canonical) in [
            ("*", "whole"),
            ("4096", "4KiB"),
            ("msg:1", "msg"),
            ("1/pause=1000ms", "1/pause=1s"),
            ("1/rst@9/stall@2:1s", "1/stall@2:1s/rst@9"),
            ("1/seed=4/pause=1ms", "1/pause=1ms/seed=4"),
        ] {
            let s: Schedule = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(s.to_string(), canonical, "{text}");
        }
    }

    #[test]
    fn bad_schedules_name_the_token() {
        for (name, text, token, problem) in [
            ("empty", "", "", "missing shape"),
            ("zero_piece", "3,0", "0", "zero bytes"),
            ("unknown_shape", "bytes", "bytes", "unknown shape"),
            ("star_in_middle", "1,*,2", "*", "before the end"),
            ("empty_range", "rand:9..3", "9..3", "empty range"),
            ("range_without_dots", "rand:9", "9", "missing range"),
            ("piece_too_big", "2GiB", "2GiB", "above 1GiB"),
            ("unknown_option", "1/fast", "fast", "unknown option"),
            ("empty_option", "1/", "", "empty option"),
            ("duration_without_unit", "1/pause=5", "", "unit"),
            (
                "hour_long_stall",
                "1/stall@1:7200s",
                "7200s",
                "longer than an hour",
            ),
            (
                "stall_no_duration",
                "1/stall@4",
                "stall@4",
                "without a duration",
            ),
            ("two_terminals", "1/fin@3/rst@4", "rst@4", "second"),
            (
                "fault_after_fin",
                "1/fin@3/stall@9:1s",
                "stall@9:1s",
                "never happens",
            ),
            ("two_seeds", "rand:1..2/seed=1/seed=2", "seed=2", "twice"),
            ("bad_seed", "rand:1..2/seed=x", "x", "bad seed"),
            ("msg_zero", "msg:0", "msg:0", "out of range"),
        ] {
            let err = text.parse::<Schedule>().err();
            let Some(Error::Schedule {
                token: t,
                problem: p,
                pos,
                ..
            }) = err
            else {
                panic!("{name}: expected a schedule error, got {err:?}");
            };
            assert_eq!(t, token, "{name}");
            assert!(p.contains(problem), "{name}: {p}");
            assert!(pos <= text.len(), "{name}");
        }
    }
}
