//! The fuzzer's input: a [`Session`] of messages (each possibly a framing
//! lie, possibly repeated), a delivery schedule in the simulator's grammar,
//! and an [`Ending`]; rendered to one byte stream, with the replies an echo
//! server owes it ([`Expect`]), worked out by the reference decoder.

use std::ops::Range;
use std::time::Duration;

use framecheck_framing::schedule::Plan;
use framecheck_framing::{Decoder, Encoder, Kind, LenField, Schedule, Spec, TagRule};
use serde::{Deserialize, Serialize};

/// The most bytes one session renders to; messages past it are left out.
pub const MAX_STREAM: usize = 4 * 1024 * 1024;

/// The most times one message is repeated.
pub const MAX_REPEAT: u32 = 5000;

/// One message of a session.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Message {
    /// The bytes before the length field: the `offset` bytes, or the tag.
    #[serde(with = "crate::text", default, skip_serializing_if = "Vec::is_empty")]
    pub head: Vec<u8>,
    /// The payload.
    #[serde(with = "crate::text", default)]
    pub payload: Vec<u8>,
    /// A framing lie told about it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lie: Option<Lie>,
    /// How many times it is sent in a row (at least 1).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub repeat: u32,
}

fn one() -> u32 {
    1
}

#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's skip_serializing_if passes a reference"
)]
fn is_one(n: &u32) -> bool {
    *n == 1
}

/// A framing lie: what the message's framing says differs from what is sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Lie {
    /// The length field holds this value (the raw field value, before
    /// `adjust`; cut to the field's width), whatever the payload's length.
    Declared {
        /// The value written.
        value: u64,
    },
    /// The tag byte is this one.
    Tag {
        /// The byte.
        byte: u8,
    },
    /// The message is exactly these bytes (a broken delimiter, an over-long
    /// varint): its head and payload are not used.
    Raw {
        /// The bytes sent.
        #[serde(with = "crate::text")]
        wire: Vec<u8>,
    },
}

/// How a session's connection ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Ending {
    /// Kept open: the connection carries the next session.
    #[default]
    Open,
    /// The client shuts down its side (FIN) and reads to the server's EOF.
    Fin,
    /// The client resets the connection after the last byte.
    Rst,
    /// The client stays silent for a moment after the replies, then closes.
    Idle,
}

/// The fuzzer's input. Its JSON form is part of a replay file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Session {
    /// The messages, in order.
    pub messages: Vec<Message>,
    /// The delivery schedule (`framecheck schedules`), e.g. `whole`,
    /// `straddle`, `rand:1..8/seed=3`.
    pub schedule: String,
    /// How the connection ends.
    pub ending: Ending,
}

/// A session as bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Every message, in order.
    pub stream: Vec<u8>,
    /// Where each sent message ends in the stream.
    pub ends: Vec<usize>,
    /// The schedule's plan for the stream.
    pub plan: Plan,
}

/// What a correct echo server owes a rendered session.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Expect {
    /// The frames it must echo, as ranges of the stream, in order.
    pub frames: Vec<Range<usize>>,
    /// The stream breaks the framing (over the maximum, unknown tag, …): the
    /// server answers the frames before it, then closes without another.
    pub refused: Option<String>,
    /// The stream ends inside a frame: the server is waiting for its rest.
    pub partial: bool,
    /// Where the refused frame starts in the stream.
    pub refused_at: Option<usize>,
    /// Whether a server may discard the refused frame to its end and go on:
    /// an over-long delimited frame (to its delimiter) or a header over the
    /// maximum (to the end of its declared body). Anything else (an unknown
    /// tag, a malformed length) has no end a server could know.
    pub discardable: bool,
    /// Where a server that discards the refused frame resumes framing, when
    /// the frame's end is in the stream (else it is still discarding).
    pub resume: Option<usize>,
    /// The frames such a server owes after resuming, as ranges of the
    /// stream, up to the next framing error or partial frame.
    pub after: Vec<Range<usize>>,
}

impl Message {
    /// A message that is sent as it is framed.
    pub fn new(head: Vec<u8>, payload: Vec<u8>) -> Message {
        Message {
            head,
            payload,
            lie: None,
            repeat: 1,
        }
    }

    /// Append this message's wire bytes (once) to `out`.
    pub fn write(&self, spec: &Spec, enc: &Encoder, out: &mut Vec<u8>) {
        match &self.lie {
            None if enc.encode(&self.head, &self.payload, out).is_ok() => {}
            Some(Lie::Raw { wire }) => out.extend_from_slice(wire),
            lie => write_lie(spec, self, lie.as_ref(), out),
        }
    }
}

/// A message whose framing is forced: the tag or length a lie names, or
/// (when the encoder refused the message) the nearest framing to what it
/// asked for. The one place rendering matches on the framing kind; a kind
/// it does not know sends head and payload as they are.
fn write_lie(spec: &Spec, m: &Message, lie: Option<&Lie>, out: &mut Vec<u8>) {
    let declared = |len: usize| match lie {
        Some(Lie::Declared { value }) => *value,
        _ => u64::try_from(i128::try_from(len).unwrap_or(0) - i128::from(spec.adjust)).unwrap_or(0),
    };
    match &spec.kind {
        Kind::Len(field) => {
            let mut head = m.head.clone();
            head.resize(spec.offset, b'Q');
            out.extend_from_slice(&head);
            write_field(*field, declared(m.payload.len()), out);
            out.extend_from_slice(&m.payload);
        }
        Kind::Tagged(entries) => {
            let tag = match lie {
                Some(Lie::Tag { byte }) => *byte,
                _ => m
                    .head
                    .first()
                    .copied()
                    .unwrap_or_else(|| entries.first().map_or(0, |e| e.tag)),
            };
            out.push(tag);
            if let Some(TagRule::Len(field)) = entries.iter().find(|e| e.tag == tag).map(|e| e.rule)
            {
                write_field(field, declared(m.payload.len()), out);
            }
            out.extend_from_slice(&m.payload);
        }
        _ => {
            out.extend_from_slice(&m.head);
            out.extend_from_slice(&m.payload);
            out.extend_from_slice(spec.delimiter().unwrap_or_default());
        }
    }
}

/// Write `value` as `field` does, cut to the field's width (a lie may not
/// fit it).
#[expect(
    clippy::cast_possible_truncation,
    reason = "a lie is cut to the field's width on purpose"
)]
pub fn write_field(field: LenField, value: u64, out: &mut Vec<u8>) {
    match field {
        LenField::U8 => out.push(value as u8),
        LenField::U16Be => out.extend_from_slice(&(value as u16).to_be_bytes()),
        LenField::U16Le => out.extend_from_slice(&(value as u16).to_le_bytes()),
        LenField::U32Be => out.extend_from_slice(&(value as u32).to_be_bytes()),
        LenField::U32Le => out.extend_from_slice(&(value as u32).to_le_bytes()),
        LenField::U64Be => out.extend_from_slice(&value.to_be_bytes()),
        LenField::U64Le => out.extend_from_slice(&value.to_le_bytes()),
        LenField::Varint => {
            let mut v = value;
            while v >= 0x80 {
                out.push((v & 0x7f) as u8 | 0x80);
                v >>= 7;
            }
            out.push(v as u8);
        }
    }
}

impl Session {
    /// A session of `messages`, sent whole, kept open.
    pub fn new(messages: Vec<Message>) -> Session {
        Session {
            messages,
            schedule: "whole".to_owned(),
            ending: Ending::Open,
        }
    }

    /// How many messages it sends, repeats counted.
    pub fn sent_count(&self) -> usize {
        self.messages
            .iter()
            .map(|m| usize::try_from(m.repeat.clamp(1, MAX_REPEAT)).unwrap_or(1))
            .sum()
    }

    /// The schedule, parsed (`whole` when the text does not parse).
    pub fn parsed_schedule(&self) -> Schedule {
        self.schedule.parse().unwrap_or_default()
    }

    /// The session as bytes: at most [`MAX_STREAM`] of them (whole
    /// messages), cut by its schedule (whose FIN and RST faults are left to
    /// the [`Ending`]).
    pub fn render(&self, spec: &Spec, enc: &Encoder) -> Rendered {
        let mut stream = Vec::new();
        let mut ends = Vec::new();
        let mut one = Vec::new();
        'all: for m in &self.messages {
            one.clear();
            m.write(spec, enc, &mut one);
            for _ in 0..m.repeat.clamp(1, MAX_REPEAT) {
                if stream.len() + one.len() > MAX_STREAM {
                    break 'all;
                }
                stream.extend_from_slice(&one);
                ends.push(stream.len());
            }
        }
        let mut schedule = self.parsed_schedule();
        schedule.faults.retain(|f| !f.kind.is_terminal());
        let plan = schedule.plan(stream.len(), &ends);
        Rendered { stream, ends, plan }
    }

    /// The pauses of the plan, summed: time the delivery itself takes.
    pub fn pauses(plan: &Plan) -> Duration {
        plan.steps
            .iter()
            .map(|s| match s {
                framecheck_framing::schedule::Step::Piece(p) => p.pause,
                framecheck_framing::schedule::Step::Stall(d) => *d,
                _ => Duration::ZERO,
            })
            .sum()
    }
}

/// `messages` with each run of equal messages (head, payload and lie)
/// made one message repeated: the same bytes, easier to read.
pub fn coalesce(messages: Vec<Message>) -> Vec<Message> {
    let mut out: Vec<Message> = Vec::with_capacity(messages.len());
    for m in messages {
        match out.last_mut() {
            Some(last)
                if last.head == m.head
                    && last.payload == m.payload
                    && last.lie == m.lie
                    && last.repeat.saturating_add(m.repeat) <= MAX_REPEAT =>
            {
                last.repeat += m.repeat.max(1);
            }
            _ => out.push(m),
        }
    }
    out
}

/// What a correct echo server owes `stream` ending as `ending`: the
/// reference decoder's frames, and whether it refuses the rest or waits.
pub fn expect(spec: &Spec, stream: &[u8], ending: Ending) -> Expect {
    let mut dec = Decoder::new(spec);
    let mut input = stream;
    let mut out = Expect::default();
    loop {
        match dec.decode(&mut input) {
            Ok(Some(frame)) => {
                let len = frame.wire().len();
                let end = usize::try_from(dec.consumed()).unwrap_or(usize::MAX);
                out.frames.push(end - len..end);
            }
            Ok(None) => break,
            Err(e) => {
                out.refused = Some(e.to_string());
                let at = e
                    .offset()
                    .and_then(|o| usize::try_from(o).ok())
                    .filter(|o| *o <= stream.len());
                out.refused_at = at;
                if let Some(at) = at {
                    discard_end(spec, stream, at, &e, &mut out);
                }
                return out;
            }
        }
    }
    let end = usize::try_from(dec.consumed()).unwrap_or(0);
    if ending == Ending::Fin {
        // At the peer's EOF an `eof` message is whole; anything else held
        // is a truncated frame, which gets no reply.
        if let Ok(Some(frame)) = dec.finish() {
            let len = frame.wire().len();
            out.frames.push(end..end + len);
        }
    } else {
        out.partial = dec.held() > 0 || !input.is_empty() || end < stream.len();
    }
    out
}

/// For a frame refused at `at` with `e`: whether a server may discard it
/// to its end, where that end is (if it is in `stream`), and the frames a
/// server owes after it.
fn discard_end(
    spec: &Spec,
    stream: &[u8],
    at: usize,
    e: &framecheck_framing::Error,
    out: &mut Expect,
) {
    use framecheck_framing::Error as E;
    let end = match (e, &spec.kind) {
        (E::Unterminated { .. }, Kind::Line | Kind::Crlf | Kind::Delim(_)) => {
            out.discardable = true;
            let d = spec.delimiter().unwrap_or(b"\n");
            stream[at..]
                .windows(d.len())
                .position(|w| w == d)
                .map(|i| at + i + d.len())
        }
        (E::TooLarge { len, .. }, Kind::Len(_) | Kind::Tagged(_)) => {
            let Some(head) = header_len(spec, &stream[at..]) else {
                return;
            };
            out.discardable = true;
            usize::try_from(*len)
                .ok()
                .and_then(|n| at.checked_add(head)?.checked_add(n))
                .filter(|end| *end <= stream.len())
        }
        _ => return,
    };
    out.resume = end;
    let Some(end) = end else {
        return;
    };
    let mut dec = Decoder::new(spec);
    let mut input = &stream[end..];
    while let Ok(Some(frame)) = dec.decode(&mut input) {
        let len = frame.wire().len();
        let stop = end + usize::try_from(dec.consumed()).unwrap_or(usize::MAX);
        out.after.push(stop - len..stop);
    }
}

/// The bytes before the payload of a length-prefixed frame starting at
/// `frame[0]`: the `offset` bytes (or the tag) and the length field, whose
/// width a varint says by its own bytes.
fn header_len(spec: &Spec, frame: &[u8]) -> Option<usize> {
    let (before, field) = match &spec.kind {
        Kind::Len(f) => (spec.offset, *f),
        Kind::Tagged(entries) => {
            let tag = *frame.first()?;
            match entries.iter().find(|e| e.tag == tag)?.rule {
                TagRule::Len(f) => (1, f),
                TagRule::Fixed(_) => return None,
            }
        }
        _ => return None,
    };
    let width = match field.width() {
        Some(w) => w,
        None => frame.get(before..)?.iter().position(|b| b & 0x80 == 0)? + 1,
    };
    Some(before + width)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> Spec {
        text.parse().expect("spec")
    }

    #[test]
    fn a_refused_frame_has_an_end_where_a_server_could_know_it() {
        // An over-long line: discarded up to its newline, then `ok` owed.
        let e = expect(&spec("line,max=4"), b"abcdefgh\nok\n", Ending::Open);
        assert_eq!(e.refused_at, Some(0));
        assert!(e.discardable);
        assert_eq!(e.resume, Some(9));
        assert_eq!(e.after, std::iter::once(9..12).collect::<Vec<_>>());
        // Its newline not sent yet: a discarding server is still at it.
        let e = expect(&spec("line,max=4"), b"ok\nabcdefgh", Ending::Open);
        assert_eq!((e.frames.len(), e.refused_at), (1, Some(3)));
        assert!(e.discardable && e.resume.is_none() && e.after.is_empty());
        // A header over the maximum: its declared body, then `ok`.
        let e = expect(
            &spec("u16be,max=4"),
            b"\x00\x05hello\x00\x02ok",
            Ending::Open,
        );
        assert_eq!(
            (e.resume, e.after.clone()),
            (Some(7), std::iter::once(7..11).collect::<Vec<_>>())
        );
        // A varint header says its own width.
        let e = expect(
            &spec("varint,max=100"),
            &[&[0xc8, 0x01][..], &[b'x'; 200], b"\x01y"].concat(),
            Ending::Open,
        );
        assert_eq!(
            (e.resume, e.after.clone()),
            (Some(202), std::iter::once(202..204).collect::<Vec<_>>())
        );
        // An unknown tag has no end a server could know.
        let e = expect(&spec("tagged:A=4"), b"Zxxxx", Ending::Open);
        assert!(e.refused.is_some() && !e.discardable && e.resume.is_none());
    }

    #[test]
    fn lies_render_as_declared() {
        let s = spec("u16be");
        let enc = Encoder::new(&s);
        let mut m = Message::new(Vec::new(), b"hi".to_vec());
        let mut out = Vec::new();
        m.write(&s, &enc, &mut out);
        assert_eq!(out, b"\x00\x02hi");
        m.lie = Some(Lie::Declared { value: 0x1_0005 });
        out.clear();
        m.write(&s, &enc, &mut out);
        assert_eq!(out, b"\x00\x05hi", "cut to the field's width");
        let t = spec("tagged:A=4/V=u8");
        let mut m = Message::new(b"V".to_vec(), b"xy".to_vec());
        m.lie = Some(Lie::Tag { byte: 0x80 });
        out.clear();
        m.write(&t, &Encoder::new(&t), &mut out);
        assert_eq!(out, b"\x80xy");
    }

    #[test]
    fn expectation_follows_the_reference_decoder() {
        let s = spec("u16be,max=64");
        let enc = Encoder::new(&s);
        let mut session = Session::new(vec![
            Message::new(Vec::new(), b"a".to_vec()),
            Message {
                repeat: 2,
                ..Message::new(Vec::new(), b"bc".to_vec())
            },
        ]);
        let r = session.render(&s, &enc);
        assert_eq!(r.stream, b"\x00\x01a\x00\x02bc\x00\x02bc");
        assert_eq!(r.ends, vec![3, 7, 11]);
        let e = expect(&s, &r.stream, Ending::Open);
        assert_eq!(e.frames, vec![0..3, 3..7, 7..11]);
        assert!(e.refused.is_none() && !e.partial);
        // Declared longer than the rest of the stream: the server waits.
        session.messages[0].lie = Some(Lie::Declared { value: 20 });
        let r = session.render(&s, &enc);
        let e = expect(&s, &r.stream, Ending::Open);
        assert!(e.partial && e.refused.is_none(), "{e:?}");
        // Over the maximum: refused.
        session.messages[0].lie = Some(Lie::Declared { value: 65 });
        let r = session.render(&s, &enc);
        let e = expect(&s, &r.stream, Ending::Open);
        assert!(e.frames.is_empty() && e.refused.is_some(), "{e:?}");
        // Declared a little longer: it swallows the next message's head.
        session.messages[0].lie = Some(Lie::Declared { value: 5 });
        let r = session.render(&s, &enc);
        assert_eq!(
            expect(&s, &r.stream, Ending::Open).frames,
            vec![0..7, 7..11]
        );
    }

    #[test]
    fn runs_of_equal_messages_coalesce() {
        let a = Message::new(Vec::new(), b"\x00".to_vec());
        let b = Message::new(Vec::new(), b"b".to_vec());
        let out = coalesce(vec![a.clone(), a.clone(), b.clone(), a.clone()]);
        assert_eq!(
            out.iter().map(|m| m.repeat).collect::<Vec<_>>(),
            vec![2, 1, 1]
        );
        assert_eq!(out[1], b);
    }

    #[test]
    fn eof_message_is_owed_at_fin_only() {
        let s = spec("eof");
        let enc = Encoder::new(&s);
        let session = Session::new(vec![Message::new(Vec::new(), b"whole".to_vec())]);
        let r = session.render(&s, &enc);
        assert_eq!(
            expect(&s, &r.stream, Ending::Fin).frames,
            std::iter::once(0..5).collect::<Vec<_>>()
        );
        assert!(expect(&s, &r.stream, Ending::Open).frames.is_empty());
    }

    #[test]
    fn json_is_readable_and_round_trips() {
        let mut m = Message::new(Vec::new(), b"a%n\x00".to_vec());
        m.repeat = 1000;
        let s = Session::new(vec![m]);
        let json = serde_json::to_string(&s).expect("json");
        assert!(json.contains(r#""payload":"a%n\\x00""#), "{json}");
        assert!(json.contains(r#""repeat":1000"#), "{json}");
        let back: Session = serde_json::from_str(&json).expect("parse");
        assert_eq!(back, s);
    }
}
