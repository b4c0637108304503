//! Valid messages for a spec, and the interesting places to cut them.

use std::sync::Arc;

use framecheck_framing::{Encoder, Kind, LenField, Spec, TagRule};

use crate::profile::Profile;

use super::rng::Rng;

/// Makes valid wire messages for one spec: synthesized echo messages, or
/// with a profile, the profile's exchanges in turn.
#[derive(Clone)]
pub struct Maker {
    spec: Spec,
    enc: Encoder,
    alphabet: Vec<u8>,
    profile: Option<Arc<Profile>>,
}

/// Where a message's parts lie: `[0, head)` is everything before the
/// payload (offset bytes, tag, length field), `[body_end, len)` the delimiter.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    /// Bytes before the length field (offset bytes or the tag).
    pub(crate) prefix: usize,
    /// Bytes before the payload.
    pub(crate) head: usize,
    /// Where the payload ends (the delimiter starts).
    pub(crate) body_end: usize,
    /// The whole message.
    pub(crate) len: usize,
}

impl Maker {
    /// A maker of synthesized echo messages for `spec` (payloads from an
    /// alphanumeric alphabet without the spec's delimiter bytes).
    pub fn new(spec: &Spec) -> Maker {
        let delim = spec.delimiter().unwrap_or_default();
        let alphabet: Vec<u8> = (b'a'..=b'z')
            .chain(b'0'..=b'9')
            .chain(b'A'..=b'Z')
            .filter(|b| !delim.contains(b))
            .collect();
        Maker {
            spec: spec.clone(),
            enc: Encoder::new(spec),
            alphabet,
            profile: None,
        }
    }

    /// A maker whose messages are `profile`'s exchanges (its request framing).
    pub fn for_profile(profile: &Arc<Profile>) -> Maker {
        Maker {
            profile: Some(profile.clone()),
            ..Maker::new(&profile.request)
        }
    }

    /// A maker for `spec`, or for the profile when there is one.
    pub fn with(spec: &Spec, profile: Option<&Arc<Profile>>) -> Maker {
        profile.map_or_else(|| Maker::new(spec), Maker::for_profile)
    }

    /// The profile the messages come from, if any.
    pub fn profile(&self) -> Option<&Arc<Profile>> {
        self.profile.as_ref()
    }

    /// With a profile: exchange `i` (cycling), or the first from `i` on that
    /// `fits`, else exchange `i`.
    fn exchange(&self, i: usize, fits: impl Fn(&[u8]) -> bool) -> Option<Vec<u8>> {
        let ex = &self.profile.as_ref()?.exchanges;
        let n = ex.len();
        let pick = (0..n)
            .map(|k| &ex[(i + k) % n].send)
            .find(|m| fits(m))
            .unwrap_or(&ex[i % n].send);
        Some(pick.clone())
    }

    /// The tags of a tagged spec, in spec order.
    fn entries(&self) -> Vec<(u8, TagRule)> {
        match &self.spec.kind {
            Kind::Tagged(e) => e.iter().map(|e| (e.tag, e.rule)).collect(),
            _ => Vec::new(),
        }
    }

    /// The largest payload a message can carry (bounded by the field width).
    pub fn max_payload(&self) -> usize {
        let max = self.spec.max();
        let field_max = |f: LenField| {
            let v = i128::from(f.max_value()) + i128::from(self.spec.adjust);
            usize::try_from(v.max(0)).unwrap_or(usize::MAX)
        };
        match &self.spec.kind {
            Kind::Fixed(n) => *n,
            Kind::Len(f) => max.min(field_max(*f)),
            // What N digits can say, adjusted.
            Kind::Digits(n) | Kind::Hex(n) => {
                let radix: i128 = if matches!(self.spec.kind, Kind::Hex(_)) {
                    16
                } else {
                    10
                };
                let most = (0..*n).fold(1i128, |acc, _| acc.saturating_mul(radix)) - 1
                    + i128::from(self.spec.adjust);
                max.min(usize::try_from(most.max(0)).unwrap_or(usize::MAX))
            }
            Kind::Tagged(entries) => entries
                .iter()
                .map(|e| match e.rule {
                    TagRule::Fixed(n) => n,
                    TagRule::Len(f) => max.min(field_max(f)),
                })
                .max()
                .unwrap_or(0),
            _ => max,
        }
    }

    /// Message number `i` with a payload of about `len` bytes (fixed sizes
    /// win; too long is clamped). Tagged specs cycle through their tags.
    pub fn message(&self, i: usize, len: usize) -> Vec<u8> {
        self.message_with(i, len, None)
    }

    /// Like [`Maker::message`], forcing the tag index for tagged specs.
    pub fn message_with(&self, i: usize, len: usize, tag: Option<usize>) -> Vec<u8> {
        if let Some(m) = self.exchange(i, |_| true) {
            return m;
        }
        let (head, plen) = match &self.spec.kind {
            Kind::Fixed(n) => (Vec::new(), *n),
            Kind::Len(_) | Kind::Digits(_) | Kind::Hex(_) => {
                (vec![b'Q'; self.spec.offset], len.min(self.max_payload()))
            }
            Kind::Tagged(_) => {
                let entries = self.entries();
                let (tag, rule) = entries[tag.unwrap_or(i) % entries.len()];
                let n = match rule {
                    TagRule::Fixed(n) => n,
                    TagRule::Len(f) => {
                        let v = i128::from(f.max_value()) + i128::from(self.spec.adjust);
                        let field = usize::try_from(v.max(0)).unwrap_or(usize::MAX);
                        len.min(self.spec.max()).min(field)
                    }
                };
                (vec![tag], n)
            }
            // A counted block: a listed command's line carrying the count
            // (cycling through the commands), so any payload fits.
            Kind::Counted(c) => {
                let plen = len.min(self.spec.max());
                let e = &c.entries[tag.unwrap_or(i) % c.entries.len()];
                let mut line = e.word.clone();
                for _ in 2..e.pos {
                    line.extend_from_slice(b" x");
                }
                line.extend_from_slice(format!(" {plen}").as_bytes());
                (line, plen)
            }
            _ => (Vec::new(), len.min(self.spec.max())),
        };
        let payload: Vec<u8> = (0..plen)
            .map(|k| self.alphabet[(i * 7 + k) % self.alphabet.len()])
            .collect();
        let mut out = Vec::with_capacity(plen + self.spec.overhead());
        match self.enc.encode(&head, &payload, &mut out) {
            Ok(()) => out,
            // Only a negative `adjust` (or a `declen:` zero) can refuse a
            // short payload: pad it.
            Err(_) if len < self.spec.max() => self.message_with(i, len.max(1) * 2, tag),
            Err(e) => unreachable!("{}: no message of {len} bytes: {e}", self.spec),
        }
    }

    /// `count` messages of random payload sizes in `1..=max_len`.
    pub(crate) fn batch(&self, rng: &mut Rng, count: usize, max_len: usize) -> Vec<Vec<u8>> {
        (0..count)
            .map(|i| self.message(i, rng.range(1, max_len.max(1))))
            .collect()
    }

    /// Where the parts of `msg` (made by this maker) lie.
    pub(crate) fn layout(&self, msg: &[u8]) -> Layout {
        let len = msg.len();
        let whole = |prefix: usize, head: usize| Layout {
            prefix,
            head,
            body_end: len,
            len,
        };
        match &self.spec.kind {
            Kind::Fixed(_) | Kind::Eof => whole(0, 0),
            Kind::Line | Kind::Crlf | Kind::Delim(_) => {
                let d = self.spec.delimiter().map_or(0, <[u8]>::len);
                Layout {
                    prefix: 0,
                    head: 0,
                    body_end: len.saturating_sub(d),
                    len,
                }
            }
            Kind::Len(f) => {
                let width = field_width(*f, &msg[self.spec.offset.min(len)..]);
                whole(self.spec.offset, self.spec.offset + width)
            }
            Kind::Tagged(_) => {
                let rule = self
                    .entries()
                    .into_iter()
                    .find(|(t, _)| Some(t) == msg.first())
                    .map(|(_, r)| r);
                match rule {
                    Some(TagRule::Len(f)) => whole(1, 1 + field_width(f, &msg[1..])),
                    _ => whole(1, 1),
                }
            }
            // Lengths written as text: where the reference decoder puts the
            // parts (the maker's messages use the main spec, not `first=`).
            Kind::Digits(_)
            | Kind::Hex(_)
            | Kind::PktLine
            | Kind::Netstring
            | Kind::DecLen(_)
            | Kind::Counted(_)
            | Kind::Http1(_) => {
                let main = Spec {
                    first: None,
                    ..self.spec.clone()
                };
                let mut dec = framecheck_framing::Decoder::new(&main);
                let mut input = msg;
                match dec.decode(&mut input) {
                    Ok(Some(f)) => Layout {
                        prefix: f.head().len(),
                        head: f.payload_range().start,
                        body_end: f.payload_range().end,
                        len,
                    },
                    _ => whole(0, 0),
                }
            }
        }
    }

    /// Message `i` with a payload of about `len` bytes, for tagged specs with
    /// the tag that allows the largest payload.
    pub(crate) fn largest_message(&self, i: usize, len: usize) -> Vec<u8> {
        let max = self.spec.max();
        let tag = self
            .entries()
            .iter()
            .enumerate()
            .max_by_key(|(_, (_, r))| match r {
                TagRule::Fixed(n) => (*n).min(len),
                TagRule::Len(_) => max.min(len),
            })
            .map(|(k, _)| k);
        self.message_with(i, len, tag)
    }

    /// Message `i` with a payload of at least two bytes (for tagged specs,
    /// of the first tag that allows one), so it can be cut inside its body.
    pub(crate) fn body_message(&self, i: usize, len: usize) -> Vec<u8> {
        if let Some(m) = self.exchange(i, |m| {
            let l = self.layout(m);
            l.body_end.saturating_sub(l.head) >= 2
        }) {
            return m;
        }
        let tag = self.entries().iter().position(|(_, r)| match r {
            TagRule::Fixed(n) => *n >= 2,
            TagRule::Len(_) => true,
        });
        self.message_with(i, len.max(2), tag)
    }

    /// A message whose length field is at least two bytes wide, if the spec
    /// has one (a varint needs a payload of 128 bytes or more).
    pub(crate) fn message_with_wide_length(&self) -> Option<Vec<u8>> {
        if self.profile.is_some() {
            return self
                .exchange(0, |m| {
                    let l = self.layout(m);
                    l.head - l.prefix >= 2
                })
                .filter(|m| {
                    let l = self.layout(m);
                    l.head - l.prefix >= 2
                });
        }
        let fits = |f: LenField| match f {
            LenField::U8 => None,
            LenField::Varint => Some(200),
            _ => Some(5),
        };
        match &self.spec.kind {
            // Lengths written as text: a length of two characters or more.
            Kind::Digits(n) | Kind::Hex(n) if *n >= 2 => Some(self.message(0, 5)),
            Kind::PktLine => Some(self.message(0, 5)),
            Kind::Netstring | Kind::DecLen(_) if self.spec.max() >= 12 => Some(self.message(0, 12)),
            Kind::Len(f) => {
                let want = fits(*f)?;
                let m = self.message(0, want);
                let l = self.layout(&m);
                (l.head - l.prefix >= 2).then_some(m)
            }
            Kind::Tagged(_) => self
                .entries()
                .iter()
                .enumerate()
                .find_map(|(k, (_, r))| match r {
                    TagRule::Len(f) => fits(*f).map(|want| self.message_with(0, want, Some(k))),
                    TagRule::Fixed(_) => None,
                })
                .filter(|m| {
                    let l = self.layout(m);
                    l.head - l.prefix >= 2
                }),
            _ => None,
        }
    }
}

/// Bytes a length field takes at the start of `bytes`.
fn field_width(f: LenField, bytes: &[u8]) -> usize {
    f.width().unwrap_or_else(|| {
        bytes
            .iter()
            .position(|b| b & 0x80 == 0)
            .map_or(bytes.len(), |p| p + 1)
    })
}

#[cfg(test)]
mod tests {
    use framecheck_framing::transcript;

    use super::*;

    #[test]
    fn messages_decode_as_one_frame_each_for_every_kind() {
        for text in [
            "fixed:4",
            "line",
            "crlf",
            r"delim:END",
            "u8",
            "u16be",
            "u32le,offset=1",
            "u32be,offset=1,adjust=-4",
            "varint",
            "tagged:A=4/B=0/V=u16be",
            "eof",
            "digits:5",
            "digits:4,adjust=-4",
            "hex:4,offset=1",
            "pktline",
            "netstring",
            "syslog",
            "counted:crlf/set=5/VALUE=4",
            "counted:line/put=5",
        ] {
            let spec: Spec = text.parse().expect("spec");
            let maker = Maker::new(&spec);
            let mut rng = Rng::for_case(1, text);
            let batch = maker.batch(&mut rng, 5, 40);
            let wire: Vec<u8> = if spec.kind == Kind::Eof {
                batch[0].clone()
            } else {
                batch.concat()
            };
            let t = transcript(&spec, [&wire[..]]);
            assert_eq!(t.end, Ok(()), "{text}");
            let want = if spec.kind == Kind::Eof { 1 } else { 5 };
            assert_eq!(t.frames.len(), want, "{text}");
            for m in &batch {
                let l = maker.layout(m);
                assert!(
                    l.prefix <= l.head && l.head <= l.body_end && l.body_end <= l.len,
                    "{text}"
                );
            }
        }
    }

    #[test]
    fn wide_length_fields_where_the_spec_has_them() {
        let table = [
            ("u16be", Some(2)),
            ("u8", None),
            ("varint", Some(2)),
            ("u32be,offset=1", Some(4)),
            ("tagged:A=4/V=u16be", Some(2)),
            ("tagged:A=4", None),
            ("crlf", None),
        ];
        for (text, want) in table {
            let maker = Maker::new(&text.parse().expect("spec"));
            let got = maker.message_with_wide_length().map(|m| {
                let l = maker.layout(&m);
                l.head - l.prefix
            });
            assert_eq!(got, want, "{text}");
        }
    }
}
