//! Reply frames grouped into one reply per request (profile format v2): a
//! request answered by a fixed count of frames, by frames up to a
//! terminator frame, or by one unframed byte, each group framed by the
//! profile's reply framing or the exchange's own.
//!
//! The [`Assembler`] learns which requests went out from the bytes sent
//! (each exchange's `send`, recognized at the front of what was sent) and
//! queues their reply shapes; it then cuts the server's bytes into one
//! reply per request. Bytes sent that are no exchange (a case's hostile
//! bytes) queue nothing, and a reply no request explains is one frame of the
//! profile's reply framing, as in format v1.

use std::collections::VecDeque;

use framecheck_framing::{Decoder, Error as FrameError, Frame, Spec};

use super::{Count, Profile, Reply};

/// The most frames one grouped reply may hold.
pub const MAX_REPLY_FRAMES: usize = 1024;

/// Cuts a server's bytes into one reply per request; see the module docs.
#[derive(Debug)]
pub struct Assembler {
    /// Each step's request bytes and reply shape (opener first).
    steps: Vec<(Vec<u8>, Reply)>,
    /// The profile's reply framing.
    default: Spec,
    /// Sent bytes not yet recognized as a whole request.
    outgoing: Vec<u8>,
    /// The steps whose replies are still due, oldest first.
    pending: VecDeque<usize>,
    dec: Decoder,
    /// The framing `dec` decodes.
    dec_spec: Spec,
    /// The reply being gathered: its bytes and frame count.
    group: Option<(Vec<u8>, usize)>,
    /// The largest grouped reply, in bytes.
    limit: usize,
}

impl Assembler {
    /// An assembler for `profile`'s replies.
    pub fn new(profile: &Profile) -> Assembler {
        let steps: Vec<(Vec<u8>, Reply)> = profile
            .steps()
            .map(|e| (e.send.clone(), e.reply.clone()))
            .collect();
        Assembler {
            steps,
            default: profile.reply.clone(),
            outgoing: Vec::new(),
            pending: VecDeque::new(),
            dec: Decoder::new(&profile.reply),
            dec_spec: profile.reply.clone(),
            group: None,
            limit: profile
                .reply_limit()
                .saturating_mul(MAX_REPLY_FRAMES.min(64)),
        }
    }

    /// Bytes that went out to the server: queue the reply shape of every
    /// request they complete.
    pub fn sent(&mut self, bytes: &[u8]) {
        self.outgoing.extend_from_slice(bytes);
        // A cursor, and one drain at the end: a flood of requests is
        // recognized in one pass.
        let mut at = 0;
        loop {
            let rest = &self.outgoing[at..];
            let best = self
                .steps
                .iter()
                .enumerate()
                .filter(|(_, (s, _))| !s.is_empty() && rest.starts_with(s))
                .max_by_key(|(_, (s, _))| s.len());
            if let Some((i, (send, _))) = best {
                at += send.len();
                self.pending.push_back(i);
                continue;
            }
            if !self.steps.iter().any(|(s, _)| s.starts_with(rest)) {
                // No request starts like this: bytes of the case's own.
                at = self.outgoing.len();
            }
            break;
        }
        self.outgoing.drain(..at);
    }

    /// Bytes of a partial reply held.
    pub fn held(&self) -> usize {
        self.dec.held() + self.group.as_ref().map_or(0, |(w, _)| w.len())
    }

    /// Take bytes from the front of `input`: the next whole reply, `None`
    /// once `input` is used up, or the error that broke the reply framing.
    pub fn feed(&mut self, input: &mut &[u8]) -> Result<Option<Frame>, FrameError> {
        loop {
            let shape = self
                .pending
                .front()
                .map_or_else(Reply::default, |i| self.steps[*i].1.clone());
            if self.group.is_none() && self.dec.held() == 0 {
                if shape.count == Count::Byte {
                    let Some((&b, rest)) = input.split_first() else {
                        return Ok(None);
                    };
                    *input = rest;
                    self.pending.pop_front();
                    return Ok(Some(Frame {
                        wire: vec![b],
                        head_len: 0,
                        payload: 0..1,
                        special: None,
                    }));
                }
                let spec = shape.framing.as_ref().unwrap_or(&self.default);
                if *spec != self.dec_spec {
                    self.dec = Decoder::new(spec);
                    self.dec_spec = spec.clone();
                }
            }
            let frame = match self.dec.decode(input)? {
                Some(f) => f.to_owned_frame(),
                None => return Ok(None),
            };
            let done = match &shape.count {
                Count::Frames(n) => self.group.as_ref().map_or(1, |(_, k)| k + 1) >= *n,
                Count::Until(end) => frame.wire == *end,
                Count::Byte => true,
            };
            if done && self.group.is_none() {
                self.pending.pop_front();
                return Ok(Some(frame));
            }
            let (wire, count) = self.group.get_or_insert_with(|| (Vec::new(), 0));
            wire.extend_from_slice(&frame.wire);
            *count += 1;
            if *count > MAX_REPLY_FRAMES || wire.len() > self.limit {
                return Err(FrameError::Overflow {
                    offset: self.dec.consumed(),
                    max: self.limit,
                });
            }
            if done {
                let (wire, _) = self.group.take().unwrap_or_default();
                self.pending.pop_front();
                let len = wire.len();
                return Ok(Some(Frame {
                    wire,
                    head_len: 0,
                    payload: 0..len,
                    special: None,
                }));
            }
        }
    }

    /// The server's stream ended: a reply cut short is an error.
    pub fn finish(&mut self) -> Result<Option<Frame>, FrameError> {
        let last = self.dec.finish()?.map(|f| f.to_owned_frame());
        match &self.group {
            Some((wire, _)) => Err(FrameError::Truncated {
                offset: self.dec.consumed(),
                held: wire.len(),
                stage: framecheck_framing::Stage::Body,
            }),
            None => Ok(last),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Profile;

    const MEMCACHED: &str = r#"
version = 2
[framing]
request = "crlf"
reply = "crlf"
[[exchange]]
name = "get"
send.text = "get k\r\n"
reply.until.text = "END\r\n"
[[exchange]]
name = "two"
send.text = "two\r\n"
reply.frames = 2
[[exchange]]
name = "byte"
send.text = "ssl\r\n"
reply.byte = true
[[exchange]]
name = "lf"
send.text = "lf\r\n"
reply.framing = "line"
"#;

    fn replies(sent: &[&[u8]], pieces: &[&[u8]]) -> Vec<Vec<u8>> {
        let p = Profile::parse(MEMCACHED, "t").expect("profile");
        let mut a = Assembler::new(&p);
        for s in sent {
            a.sent(s);
        }
        let mut out = Vec::new();
        for piece in pieces {
            let mut input = *piece;
            while let Some(f) = a.feed(&mut input).expect("no error") {
                out.push(f.wire);
            }
        }
        out
    }

    #[test]
    fn groups_follow_the_requests_sent() {
        let got = replies(
            &[b"get k\r\ntwo\r\nss", b"l\r\nlf\r\n", b"junk"],
            &[
                b"VALUE k 0 5\r\nhel",
                b"lo\r\nEND\r\na\r\nb\r\nNx\n",
                b"+extra\r\n",
            ],
        );
        let want: Vec<Vec<u8>> = vec![
            b"VALUE k 0 5\r\nhello\r\nEND\r\n".to_vec(),
            b"a\r\nb\r\n".to_vec(),
            b"N".to_vec(),
            b"x\n".to_vec(),
            b"+extra\r\n".to_vec(),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn every_cut_gives_the_same_replies() {
        let stream: &[u8] = b"VALUE k 0 5\r\nhello\r\nEND\r\nEND\r\nNa\r\nb\r\n";
        let sent: &[&[u8]] = &[b"get k\r\nget k\r\nssl\r\ntwo\r\n"];
        let whole = replies(sent, &[stream]);
        assert_eq!(whole.len(), 4, "{whole:?}");
        for cut in 0..=stream.len() {
            assert_eq!(
                replies(sent, &[&stream[..cut], &stream[cut..]]),
                whole,
                "cut {cut}"
            );
        }
    }

    /// Regression: a flood of requests (`reset/while-server-writes` sends
    /// megabytes) is recognized in one pass, not one drain per request.
    #[test]
    fn a_flood_of_requests_is_recognized_in_one_pass() {
        let p = Profile::parse(MEMCACHED, "t").expect("profile");
        let mut a = Assembler::new(&p);
        let flood = b"get k\r\n".repeat(500_000);
        let started = std::time::Instant::now();
        a.sent(&flood);
        assert_eq!(a.pending.len(), 500_000);
        assert!(a.outgoing.is_empty());
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn a_reply_cut_short_is_an_error_at_the_end() {
        let p = Profile::parse(MEMCACHED, "t").expect("profile");
        let mut a = Assembler::new(&p);
        a.sent(b"get k\r\n");
        let mut input: &[u8] = b"VALUE k 0 5\r\n";
        assert_eq!(a.feed(&mut input).expect("fine so far"), None);
        assert!(a.held() > 0);
        assert!(a.finish().is_err());
    }
}
