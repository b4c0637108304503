//! Mutations at every level of a [`Session`]: framing lies (consistent or
//! not, at the boundary values), payload bytes (a fuzzing dictionary, plus
//! bytes from profiles), sequence (repeat up to thousands of times, drop,
//! duplicate, reorder, splice), delivery (every cut generator of the
//! simulator) and the ending.

use std::sync::Arc;

use framecheck_framing::schedule::SplitMix64;
use framecheck_framing::schedule::generate::framing_cuts;
use framecheck_framing::{Decoder, Encoder, Kind, LenField, Spec, TagRule};
use framecheck_runner::messages::Maker;
use framecheck_runner::profile::Profile;

use crate::session::{Ending, Lie, MAX_REPEAT, Message, Session};

/// The longest payload a mutation builds on purpose (a consistent length of
/// 2^16 + 1 fits; 2^31 is only ever declared).
pub const CONSISTENT_CAP: usize = 256 * 1024;

/// The most messages (before repeats) one session holds.
pub const MAX_MESSAGES: usize = 64;

/// About the most payload bytes one session sends (repeats counted): a
/// mutant past it loses repeats, then messages.
pub const SESSION_BYTES: usize = 192 * 1024;

/// The most pieces a schedule with a pause may cut a session into.
pub const MAX_PAUSED_PIECES: usize = 8;

/// Streams up to this long may be cut into pieces of a few bytes.
pub const SMALL_PIECES_UP_TO: usize = 4096;

/// Payload bytes `s` sends (plus 4 a message), repeats counted: what a
/// session costs to run.
pub fn weight(s: &Session) -> usize {
    s.messages
        .iter()
        .map(|m| (m.payload.len() + 4) * m.repeat.max(1) as usize)
        .sum()
}

/// The usual fuzzing dictionary: NUL, format strings, invalid UTF-8, long
/// runs' seeds, integers as text, delimiters and separators.
pub const DICTIONARY: &[&[u8]] = &[
    b"\x00",
    b"\x00\x00\x00\x00",
    b"%n",
    b"%s%s%s%s",
    b"%x%x%x",
    b"%999999d",
    b"\xff",
    b"\xfe\xff",
    b"\xc0\x80",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\x80",
    b"\x7f",
    b"0",
    b"-1",
    b"+1",
    b" 1",
    b"00000000000000000001",
    b"65535",
    b"65536",
    b"2147483648",
    b"4294967295",
    b"18446744073709551616",
    b"NaN",
    b"\r\n",
    b"\n",
    b"\r",
    b"\r\n\r\n",
    b"../../../../etc/passwd",
    b"${jndi:x}",
    b"'\"<>&;",
];

/// Repeat counts tried for the sequence mutation: around the powers people
/// put in fixed tables.
const REPEATS: &[u32] = &[2, 3, 16, 100, 255, 256, 999, 1000, 1001, 1024, 2000, 4096];

/// Makes and mutates sessions for one spec, from one seed.
#[derive(Clone)]
pub struct Mutator {
    spec: Spec,
    enc: Encoder,
    rng: SplitMix64,
    seeds: Vec<Message>,
    dictionary: Vec<Vec<u8>>,
    eof: bool,
    /// With a profile every session ends with FIN (its replies are read to
    /// the server's EOF).
    fin_only: bool,
}

impl Mutator {
    /// A mutator for `spec` (or the profile's exchanges) seeded by `seed`.
    pub fn new(spec: &Spec, profile: Option<&Arc<Profile>>, seed: u64) -> Mutator {
        let maker = Maker::with(spec, profile);
        let mut seeds = Vec::new();
        for (i, len) in [1usize, 8, 0, 2, 32, 5].into_iter().enumerate() {
            let wire = maker.message(i, len);
            seeds.push(split(spec, &wire));
        }
        let mut dictionary: Vec<Vec<u8>> = DICTIONARY.iter().map(|d| d.to_vec()).collect();
        if let Some(p) = profile {
            for ex in p.exchanges.iter().chain(&p.openers) {
                dictionary.push(ex.send.clone());
                let m = split(spec, &ex.send);
                dictionary.push(m.payload);
            }
        }
        if let Some(d) = spec.delimiter() {
            dictionary.push(d.to_vec());
        }
        Mutator {
            spec: spec.clone(),
            enc: Encoder::new(spec),
            rng: SplitMix64::new(seed),
            seeds,
            dictionary,
            eof: spec.kind == Kind::Eof,
            fin_only: profile.is_some(),
        }
    }

    /// A valid message of the seed set.
    fn seed_message(&mut self) -> Message {
        let i = self.below(self.seeds.len());
        self.seeds[i].clone()
    }

    /// A fresh session of a few valid messages.
    pub fn fresh(&mut self) -> Session {
        let n = if self.eof { 1 } else { 1 + self.below(4) };
        let messages = (0..n).map(|_| self.seed_message()).collect();
        let mut s = Session::new(messages);
        if self.eof || self.fin_only {
            s.ending = Ending::Fin;
        }
        s
    }

    /// `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        usize::try_from(self.rng.range(0, n as u64 - 1)).unwrap_or(0)
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// A mutant of `base`: one to four mutations; `other` is a session to
    /// splice from.
    pub fn mutate(&mut self, base: &Session, other: Option<&Session>) -> Session {
        let mut s = base.clone();
        if s.messages.is_empty() {
            s.messages.push(self.seed_message());
        }
        let n = 1 + self.below(4);
        for _ in 0..n {
            match self.below(14) {
                0..=2 => self.payload(&mut s),
                3..=5 => {
                    let i = self.below(s.messages.len());
                    framing_lie(&self.spec, &mut s.messages[i], &mut self.rng);
                }
                6..=8 => self.sequence(&mut s, other),
                9..=11 => s.schedule = self.schedule(&s),
                _ => s.ending = self.ending(),
            }
        }
        if self.eof {
            s.ending = Ending::Fin;
            s.messages.truncate(1);
        }
        if self.fin_only {
            s.ending = Ending::Fin;
        }
        s.messages.truncate(MAX_MESSAGES);
        while weight(&s) > SESSION_BYTES {
            let n = s.messages.len();
            match s
                .messages
                .iter_mut()
                .filter(|m| m.repeat > 1)
                .max_by_key(|m| m.repeat)
            {
                Some(m) => m.repeat /= 2,
                None if n > 1 => {
                    s.messages.pop();
                }
                None => break,
            }
        }
        let fine = matches!(s.schedule.as_str(), "whole" | "msg" | "straddle")
            || s.schedule.starts_with("heavy:64..")
            || s.schedule.starts_with("msg:");
        if !fine && weight(&s) > SMALL_PIECES_UP_TO {
            s.schedule = format!("heavy:64..64KiB/seed={}", self.rng.next_u64() % 1000);
        }
        if let Some(at) = s.schedule.find("/pause=") {
            // A pause after each of many pieces is a slow session, not a
            // sharper one.
            let r = s.render(&self.spec, &self.enc);
            if r.plan.steps.len() > MAX_PAUSED_PIECES {
                s.schedule.truncate(at);
            }
        }
        s
    }

    fn payload(&mut self, session: &mut Session) {
        let i = self.below(session.messages.len());
        let op = self.below(6);
        let token = {
            let k = self.below(self.dictionary.len());
            self.dictionary[k].clone()
        };
        let rng = &mut self.rng;
        let msg = &mut session.messages[i];
        let p = &mut msg.payload;
        let at = if p.is_empty() {
            0
        } else {
            usize::try_from(rng.range(0, p.len() as u64)).unwrap_or(0)
        };
        match op {
            0 | 1 => {
                p.splice(at..at, token);
            }
            2 => {
                let end = (at + token.len()).min(p.len());
                p.splice(at..end, token);
            }
            3 if !p.is_empty() => {
                let k = at.min(p.len() - 1);
                p[k] = [0x00, 0xff, 0x7f, 0x80, b'%', rng_byte(rng)]
                    [usize::try_from(rng.range(0, 5)).unwrap_or(0)];
            }
            4 => {
                let len = [16usize, 255, 256, 1023, 1024, 4096]
                    [usize::try_from(rng.range(0, 5)).unwrap_or(0)];
                let byte = [b'A', 0, 0xff, b'%'][usize::try_from(rng.range(0, 3)).unwrap_or(0)];
                p.splice(at..at, std::iter::repeat_n(byte, len));
            }
            _ => p.truncate(at),
        }
        p.truncate(CONSISTENT_CAP);
        // A raw message has its own bytes; the payload edit means to be sent.
        if matches!(msg.lie, Some(Lie::Raw { .. })) {
            msg.lie = None;
        }
    }

    fn sequence(&mut self, s: &mut Session, other: Option<&Session>) {
        let n = s.messages.len();
        let i = self.below(n);
        match self.below(6) {
            0 | 1 => {
                let r = if self.chance(70) {
                    REPEATS[self.below(REPEATS.len())]
                } else {
                    u32::try_from(self.rng.heavy(2, u64::from(MAX_REPEAT))).unwrap_or(2)
                };
                s.messages[i].repeat = r.clamp(1, MAX_REPEAT);
            }
            2 if n > 1 => {
                s.messages.remove(i);
            }
            3 => {
                let m = s.messages[i].clone();
                s.messages.insert(i, m);
            }
            4 if n > 1 => {
                let j = self.below(n);
                s.messages.swap(i, j);
            }
            _ => {
                let extra = other.map_or_else(|| vec![self.seed_message()], |o| o.messages.clone());
                s.messages.extend(extra);
            }
        }
    }

    /// A delivery schedule: one of the simulator's cut generators, now and
    /// then with a pause.
    fn schedule(&mut self, s: &Session) -> String {
        let seed = self.rng.next_u64() % 1000;
        let r = s.render(&self.spec, &self.enc);
        // Small pieces only for small streams: a write per byte of a
        // megabyte says nothing a write per byte of a few messages does not.
        let small = r.stream.len() <= SMALL_PIECES_UP_TO;
        let mut text = match self.below(10) {
            0 => "whole".to_owned(),
            1..=3 if !small => format!("heavy:64..64KiB/seed={seed}"),
            1 => "1".to_owned(),
            2 => format!("{}", 1 + self.below(7)),
            3 => format!("rand:1..8/seed={seed}"),
            4 => format!("heavy:1..64/seed={seed}"),
            5 => "msg".to_owned(),
            6 => format!("msg:{}", 2 + self.below(3)),
            7 => "straddle".to_owned(),
            _ => {
                // A framing-aware cut: inside a length field, at the
                // header/payload border, inside a delimiter.
                let cuts = framing_cuts(&self.spec, &r.stream);
                if cuts.is_empty() {
                    "whole".to_owned()
                } else {
                    let (_, at) = &cuts[self.below(cuts.len())];
                    format!("{at},*")
                }
            }
        };
        if self.chance(3) {
            text.push_str("/pause=1ms");
        }
        text
    }

    fn ending(&mut self) -> Ending {
        match self.below(20) {
            0..=1 => Ending::Fin,
            2 => Ending::Rst,
            3 => Ending::Idle,
            _ => Ending::Open,
        }
    }
}

fn rng_byte(rng: &mut SplitMix64) -> u8 {
    rng.next_u64().to_le_bytes()[0]
}

/// A valid wire message as head and payload (the whole of it, sent raw,
/// when the reference decoder does not take it as one frame).
pub fn split(spec: &Spec, wire: &[u8]) -> Message {
    let mut input = wire;
    let mut dec = Decoder::new(spec);
    match dec.decode(&mut input) {
        Ok(Some(f)) if input.is_empty() => Message::new(f.head().to_vec(), f.payload().to_vec()),
        _ => Message {
            lie: Some(Lie::Raw {
                wire: wire.to_vec(),
            }),
            ..Message::new(Vec::new(), Vec::new())
        },
    }
}

/// The declared lengths worth lying with for `field` under `spec`: 0, the
/// maximum and its neighbours, 2^15, 2^16, 2^31, 2^32 - 1 and theirs, and
/// the field's own largest value.
pub fn boundary_values(spec: &Spec, field: LenField) -> Vec<u64> {
    let max = spec.max() as u64;
    let mut v = vec![0, 1, max.saturating_sub(1), max, max + 1];
    for p in [1u64 << 15, 1 << 16, 1 << 31, (1 << 32) - 1] {
        v.extend([p - 1, p, p + 1]);
    }
    v.extend([field.max_value(), field.max_value() - 1]);
    v
}

/// Tell one framing lie about `m`, chosen for the spec's framing kind. The
/// one place mutation matches on the kind; a kind it does not know gets
/// generic byte-level lies about its first bytes (signs, spaces, leading
/// zeros, too many digits, flipped bytes).
#[expect(
    clippy::too_many_lines,
    reason = "the one match on the framing kind, kept whole"
)]
pub fn framing_lie(spec: &Spec, m: &mut Message, rng: &mut SplitMix64) {
    let pick =
        |rng: &mut SplitMix64, n: usize| usize::try_from(rng.range(0, n as u64 - 1)).unwrap_or(0);
    let length_lie = |rng: &mut SplitMix64, m: &mut Message, field: LenField| {
        let values = boundary_values(spec, field);
        let v = values[pick(rng, values.len())];
        let consistent = rng.range(0, 1) == 0;
        match usize::try_from(v) {
            Ok(len) if consistent && len <= CONSISTENT_CAP => {
                let fill = m.payload.last().copied().unwrap_or(b'z');
                m.payload.resize(len, fill);
                m.lie = None;
            }
            _ => {
                if field == LenField::Varint && rng.range(0, 2) == 0 {
                    // An over-long varint: padded with 0x80 groups.
                    let mut wire = m.head.clone();
                    let mut field_bytes = Vec::new();
                    crate::session::write_field(field, v, &mut field_bytes);
                    let pad = 1 + pick(rng, 12);
                    if let Some(last) = field_bytes.last_mut() {
                        *last |= 0x80;
                    }
                    field_bytes.extend(std::iter::repeat_n(0x80, pad));
                    field_bytes.push(0);
                    wire.extend(field_bytes);
                    wire.extend_from_slice(&m.payload);
                    m.lie = Some(Lie::Raw { wire });
                } else {
                    m.lie = Some(Lie::Declared { value: v });
                }
            }
        }
    };
    match &spec.kind {
        Kind::Len(field) => length_lie(rng, m, *field),
        Kind::Tagged(entries) => {
            let len_rule = entries
                .iter()
                .find(|e| m.head.first() == Some(&e.tag))
                .and_then(|e| match e.rule {
                    TagRule::Len(f) => Some(f),
                    TagRule::Fixed(_) => None,
                });
            match len_rule {
                Some(field) if rng.range(0, 1) == 0 => length_lie(rng, m, field),
                _ => {
                    let byte = if rng.range(0, 1) == 0 {
                        0x80 | rng_byte(rng)
                    } else {
                        rng_byte(rng)
                    };
                    m.lie = Some(Lie::Tag { byte });
                }
            }
        }
        Kind::Line | Kind::Crlf | Kind::Delim(_) => {
            let delim = spec.delimiter().unwrap_or(b"\n").to_vec();
            let mut wire = m.payload.clone();
            let at = pick(rng, wire.len() + 1);
            match pick(rng, 5) {
                // Inserted inside the payload: two frames where one was meant.
                0 => {
                    wire.splice(at..at, delim.iter().copied());
                    wire.extend_from_slice(&delim);
                }
                // Removed: the frame runs into the next.
                1 => {}
                // Doubled: an empty frame follows.
                2 => {
                    wire.extend_from_slice(&delim);
                    wire.extend_from_slice(&delim);
                }
                // Only half of a multi-byte delimiter, then the real one.
                3 => {
                    wire.extend_from_slice(&delim[..delim.len().div_ceil(2)]);
                    wire.extend_from_slice(&m.payload);
                    wire.extend_from_slice(&delim);
                }
                // A long line: the maximum and its neighbours.
                _ => {
                    let len = (spec.max() + pick(rng, 3))
                        .saturating_sub(1)
                        .min(CONSISTENT_CAP);
                    wire.resize(len, b'L');
                    wire.extend_from_slice(&delim);
                }
            }
            m.lie = Some(Lie::Raw { wire });
        }
        Kind::Fixed(n) => {
            let len = (n + pick(rng, 3)).saturating_sub(1);
            let mut wire = m.payload.clone();
            wire.resize(len, b'F');
            m.lie = Some(Lie::Raw { wire });
        }
        Kind::Eof => {
            let len = (spec.max() + pick(rng, 3))
                .saturating_sub(1)
                .min(CONSISTENT_CAP);
            m.payload.resize(len, b'E');
            m.lie = None;
        }
        #[allow(
            unreachable_patterns,
            reason = "new framing kinds get the generic lies"
        )]
        _ => {
            let mut wire = Vec::new();
            m.clone().write(spec, &Encoder::new(spec), &mut wire);
            let prefixes: [&[u8]; 6] = [b"+", b"-", b" ", b"00", b"99999999999999999999", b"\xff"];
            match pick(rng, 3) {
                0 => {
                    let p = prefixes[pick(rng, prefixes.len())];
                    wire.splice(0..0, p.iter().copied());
                }
                1 if !wire.is_empty() => {
                    let at = pick(rng, wire.len().min(8));
                    wire[at] ^= 1 << pick(rng, 8);
                }
                _ => {
                    let at = pick(rng, wire.len().min(8) + 1);
                    wire.insert(at, rng_byte(rng));
                }
            }
            m.lie = Some(Lie::Raw { wire });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_include_the_named_values() {
        let spec: Spec = "u32be,max=1000".parse().expect("spec");
        let v = boundary_values(&spec, LenField::U32Be);
        for want in [
            0,
            999,
            1000,
            1001,
            1 << 15,
            1 << 16,
            (1 << 16) + 1,
            1 << 31,
            (1 << 32) - 1,
        ] {
            assert!(v.contains(&want), "{want} missing from {v:?}");
        }
    }

    #[test]
    fn mutants_stay_bounded_and_deterministic() {
        for text in [
            "u16be",
            "line",
            "crlf",
            "tagged:A=4/V=u16be",
            "varint",
            "eof",
            "fixed:4",
        ] {
            let spec: Spec = text.parse().expect("spec");
            let mut a = Mutator::new(&spec, None, 7);
            let mut b = Mutator::new(&spec, None, 7);
            let mut s = a.fresh();
            let _ = b.fresh();
            for _ in 0..100 {
                let t = a.mutate(&s, None);
                assert_eq!(t, b.mutate(&s, None), "{text}");
                assert!(t.messages.len() <= MAX_MESSAGES);
                assert!(weight(&t) <= SESSION_BYTES || t.messages.len() == 1);
                assert!(t.messages.iter().all(|m| m.payload.len() <= CONSISTENT_CAP));
                assert!(t.parsed_schedule() == t.schedule.parse().expect("schedule parses"));
                s = t;
            }
        }
    }

    #[test]
    fn seeds_are_valid_messages() {
        let spec: Spec = "u16be".parse().expect("spec");
        let mut m = Mutator::new(&spec, None, 1);
        let s = m.fresh();
        let r = s.render(&spec, &Encoder::new(&spec));
        let owed = crate::session::expect(&spec, &r.stream, s.ending);
        assert_eq!(owed.frames.len(), s.sent_count());
    }
}
