//! Decoders with seeded classic bugs, for the time-to-bug benchmark
//! (`scripts/fuzz-bench.sh`, `reports/fuzz-bench.md`). Each is what a user
//! might write for its spec, with one mistake; none is used anywhere else.
//!
//! Every bug has two fuzz targets: `bench_<bug>_fc`, the framecheck-backed
//! one ([`framecheck_testkit::fuzz_check`] against the spec), and
//! `bench_<bug>_plain`, the target a user would otherwise write: decode the
//! whole input, check nothing, so only a panic or an allocation over
//! libFuzzer's limit is found.

use std::sync::LazyLock;

use bytes::{Buf, BytesMut};
use framecheck_framing::Spec;
use framecheck_testkit::{BufFn, BufFnError, Held, UserDecoder, from_fn};

/// A decoder's error in this module: what it refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub &'static str);

type Split = Box<dyn FnMut(&mut BytesMut) -> Result<Option<BytesMut>, Refused>>;

/// One seeded bug: its name, the spec its decoder means to implement, and
/// the decoder.
pub struct Bug {
    /// `bench_<name>_fc` and `bench_<name>_plain` are its targets.
    pub name: &'static str,
    /// The spec the decoder means to implement.
    pub spec: &'static str,
    /// The mistake, in a sentence.
    pub what: &'static str,
    /// A fresh decoder.
    pub make: fn() -> Box<dyn UserDecoder<Error = BugError>>,
}

/// The error type every bug decoder refuses with.
pub type BugError = BufFnError<Refused>;

fn boxed(split: Split) -> Box<dyn UserDecoder<Error = BugError>> {
    Box::new(from_fn(split))
}

/// Every seeded bug.
pub const BUGS: &[Bug] = &[
    Bug {
        name: "split_delim",
        spec: "crlf,max=256",
        what: "searches only the bytes that just arrived for \"\\r\\n\", so a delimiter split across reads is missed",
        make: split_delim,
    },
    Bug {
        name: "header_one_call",
        spec: "u16be,max=1024",
        what: "takes whatever header bytes arrived in one read as the whole header",
        make: header_one_call,
    },
    Bug {
        name: "len_off_by_one",
        spec: "u16be,max=1024",
        what: "waits for one byte less than the frame needs, then splits the whole frame off (a panic when exactly one byte is missing)",
        make: len_off_by_one,
    },
    Bug {
        name: "max_after_alloc",
        spec: "u32be,max=4096",
        what: "reserves the declared length, then checks it against the maximum",
        make: max_after_alloc,
    },
    Bug {
        name: "state_not_reset",
        spec: "u8",
        what: "keeps the length of the first frame for every later one",
        make: state_not_reset,
    },
    Bug {
        name: "eof_silent",
        spec: "u16be,max=1024",
        what: "treats the end of the stream inside a frame as a clean end (tokio-util's D5)",
        make: eof_silent,
    },
    Bug {
        name: "varint_unbounded",
        spec: "varint,max=4096",
        what: "reads varint continuation bytes past the tenth (no 64-bit limit)",
        make: varint_unbounded,
    },
    Bug {
        name: "line_no_max",
        spec: "line,max=64",
        what: "checks the line length only once a delimiter arrives, so an endless line is buffered whole",
        make: line_no_max,
    },
];

/// The bug called `name`, and its spec parsed once.
pub fn bug(name: &str) -> (&'static Bug, Spec) {
    let bug = BUGS
        .iter()
        .find(|b| b.name == name)
        .unwrap_or_else(|| panic!("no seeded bug named {name}"));
    let spec = bug
        .spec
        .parse()
        .unwrap_or_else(|e| panic!("bug {name}: {e}"));
    (bug, spec)
}

/// The body of `bench_<name>_fc`.
pub fn framecheck_target(name: &'static str, data: &[u8]) {
    static SPECS: LazyLock<Vec<(&'static Bug, Spec)>> =
        LazyLock::new(|| BUGS.iter().map(|b| bug(b.name)).collect());
    let (b, spec) = SPECS
        .iter()
        .find(|(b, _)| b.name == name)
        .unwrap_or_else(|| panic!("no seeded bug named {name}"));
    framecheck_testkit::fuzz_check(data, spec, b.make);
}

/// The body of `bench_<name>_plain`: decode the whole input, check nothing.
pub fn plain_target(name: &'static str, data: &[u8]) {
    let (b, _) = bug(name);
    let mut dec = (b.make)();
    let mut frames = Vec::new();
    if dec.push(data, &mut frames).is_ok() {
        let _ = dec.finish(&mut frames);
    }
}

fn u16_at(buf: &[u8]) -> usize {
    usize::from(u16::from_be_bytes([buf[0], buf[1]]))
}

fn split_delim() -> Box<dyn UserDecoder<Error = BugError>> {
    let mut searched = 0;
    boxed(Box::new(move |buf: &mut BytesMut| {
        // The bug: the bytes searched before are not searched again, though
        // the last of them may be the '\r' of a "\r\n" cut in two.
        let from = searched.min(buf.len());
        if let Some(i) = buf[from..].windows(2).position(|w| w == b"\r\n") {
            if from + i > 256 {
                return Err(Refused("line too long"));
            }
            searched = 0;
            let mut line = buf.split_to(from + i + 2);
            line.truncate(from + i);
            return Ok(Some(line));
        }
        // A trailing '\r' may start the delimiter; anything else is payload.
        let pending = usize::from(buf.ends_with(b"\r"));
        if buf.len() - pending > 256 {
            return Err(Refused("line too long"));
        }
        searched = buf.len();
        Ok(None)
    }))
}

/// The length-then-body state machine the header bugs share.
fn header_one_call() -> Box<dyn UserDecoder<Error = BugError>> {
    let mut body: Option<usize> = None;
    boxed(Box::new(move |buf: &mut BytesMut| {
        if body.is_none() {
            if buf.is_empty() {
                return Ok(None);
            }
            // The bug: one read is assumed to bring the whole header.
            let head = buf.split_to(buf.len().min(2));
            let n = head.iter().fold(0, |n, &b| n << 8 | usize::from(b));
            if n > 1024 {
                return Err(Refused("frame too long"));
            }
            body = Some(n);
        }
        let n = body.unwrap_or(0);
        if buf.len() < n {
            return Ok(None);
        }
        body = None;
        Ok(Some(buf.split_to(n)))
    }))
}

fn len_off_by_one() -> Box<dyn UserDecoder<Error = BugError>> {
    boxed(Box::new(|buf: &mut BytesMut| {
        if buf.len() < 2 {
            return Ok(None);
        }
        let n = u16_at(buf);
        if n > 1024 {
            return Err(Refused("frame too long"));
        }
        // The bug: the header's two bytes are counted as one.
        if buf.len() < 1 + n {
            return Ok(None);
        }
        let mut frame = buf.split_to(2 + n);
        frame.advance(2);
        Ok(Some(frame))
    }))
}

fn max_after_alloc() -> Box<dyn UserDecoder<Error = BugError>> {
    boxed(Box::new(|buf: &mut BytesMut| {
        if buf.len() < 4 {
            return Ok(None);
        }
        let n = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
        // The bug: room for the frame is made before its length is checked.
        buf.reserve(4 + n);
        if n > 4096 {
            return Err(Refused("frame too long"));
        }
        if buf.len() < 4 + n {
            return Ok(None);
        }
        let mut frame = buf.split_to(4 + n);
        frame.advance(4);
        Ok(Some(frame))
    }))
}

fn state_not_reset() -> Box<dyn UserDecoder<Error = BugError>> {
    let mut len: Option<usize> = None;
    boxed(Box::new(move |buf: &mut BytesMut| {
        let n = match len {
            Some(n) => n,
            None => {
                let Some(&b) = buf.first() else {
                    return Ok(None);
                };
                len = Some(usize::from(b));
                usize::from(b)
            }
        };
        if buf.len() < 1 + n {
            return Ok(None);
        }
        let mut frame = buf.split_to(1 + n);
        frame.advance(1);
        // The bug: `len` is not set back to None, so every later frame is
        // given the first frame's length, whatever its header says.
        Ok(Some(frame))
    }))
}

/// A u16be decoder written against the trait directly, with a silent end.
struct EofSilent(BufFn<Split>);

impl UserDecoder for EofSilent {
    type Error = BugError;

    fn push(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), BugError> {
        self.0.push(chunk, frames)
    }

    fn finish(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), BugError> {
        // The bug: bytes left over at the end are dropped without a word.
        match self.0.finish(frames) {
            Err(BufFnError::BytesRemaining(_)) => Ok(()),
            other => other,
        }
    }

    fn held(&self) -> Option<Held> {
        self.0.held()
    }
}

fn eof_silent() -> Box<dyn UserDecoder<Error = BugError>> {
    let split: Split = Box::new(|buf: &mut BytesMut| {
        if buf.len() < 2 {
            return Ok(None);
        }
        let n = u16_at(buf);
        if n > 1024 {
            return Err(Refused("frame too long"));
        }
        if buf.len() < 2 + n {
            return Ok(None);
        }
        let mut frame = buf.split_to(2 + n);
        frame.advance(2);
        Ok(Some(frame))
    });
    Box::new(EofSilent(from_fn(split)))
}

fn varint_unbounded() -> Box<dyn UserDecoder<Error = BugError>> {
    boxed(Box::new(|buf: &mut BytesMut| {
        let mut n: u64 = 0;
        let mut i = 0;
        loop {
            let Some(&b) = buf.get(i) else {
                return Ok(None);
            };
            // The bug: no limit of ten bytes; high groups shift out.
            n |= u64::from(b & 0x7f).checked_shl(7 * i as u32).unwrap_or(0);
            i += 1;
            if b & 0x80 == 0 {
                break;
            }
        }
        if n > 4096 {
            return Err(Refused("frame too long"));
        }
        let n = n as usize;
        if buf.len() < i + n {
            return Ok(None);
        }
        let mut frame = buf.split_to(i + n);
        frame.advance(i);
        Ok(Some(frame))
    }))
}

fn line_no_max() -> Box<dyn UserDecoder<Error = BugError>> {
    boxed(Box::new(|buf: &mut BytesMut| {
        let Some(i) = buf.iter().position(|&b| b == b'\n') else {
            // The bug: no check here, so a line without '\n' grows forever.
            return Ok(None);
        };
        if i > 64 {
            return Err(Refused("line too long"));
        }
        let mut line = buf.split_to(i + 1);
        line.truncate(i);
        Ok(Some(line))
    }))
}
