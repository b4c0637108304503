//! Sans-IO reference framing for framecheck.
//!
//! A TCP stream keeps no message boundaries, so every protocol frames its
//! messages one of five ways. This crate has a decoder and an encoder for each,
//! configured by a one-line [`Spec`]:
//!
//! | spec | wire layout | example protocols |
//! |---|---|---|
//! | `fixed:4` | `[b0 b1 b2 b3][b0 b1 b2 b3]…` | game ticks, sensor records |
//! | `crlf`, `line`, `delim:BYTES` | `payload \r\n payload \r\n …` | Redis inline, SMTP |
//! | `u16be`, `u32be,offset=1,adjust=-4`, `varint,offset=1` | `[type][len][payload]…` | DNS over TCP, PostgreSQL, MQTT |
//! | `tagged:A=4/V=u16be` | `[tag][rule's bytes]…` | many binary RPCs |
//! | `eof` | `payload` then FIN | HTTP/1.0 bodies |
//! | `digits:5`, `hex:4`, `pktline`, `netstring`, `syslog` | `00005hello`, `0009hello`, `5:hello,`, `5 hello` | the socket HOWTO, jPOS, git, djb, RFC 6587 |
//! | `counted:crlf/set=5` | `set k 0 0 5\r\nhello\r\n` | memcached, beanstalkd |
//! | `SPEC,first=(SPEC)` | the first frame framed its own way | PostgreSQL's `StartupMessage` |
//!
//! Fed any cutting of the same bytes, a [`Decoder`] yields the same frames,
//! the same error and the same byte counts; it never reads a socket, a clock
//! or a thread, and never holds more than `max + overhead` bytes.
//!
//! ```
//! use framecheck_framing::{Spec, transcript};
//! // PostgreSQL: a type byte, then a big-endian length that counts itself.
//! let spec: Spec = "u32be,offset=1,adjust=-4".parse()?;
//! let wire = b"Q\x00\x00\x00\x0bselect\0";
//! let whole = transcript(&spec, [&wire[..]]);
//! let bytewise = transcript(&spec, wire.chunks(1));
//! assert_eq!(whole, bytewise);
//! assert_eq!(whole.frames[0].head(), b"Q");
//! assert_eq!(whole.frames[0].payload(), b"select\0");
//! # Ok::<(), framecheck_framing::Error>(())
//! ```
//!
//! Lengths written as text, drawn byte by byte:
//!
//! ```
//! use framecheck_framing::{Special, Spec, transcript};
//! // git pkt-line:  0 0 0 9 h e l l o | 0 0 0 0
//! //                └ 9, counting  ┘    └ flush: a frame of its own, no payload
//! //                  itself
//! let t = transcript(&"pktline".parse()?, [&b"0009hello0000"[..]]);
//! assert_eq!(t.frames[0].payload(), b"hello");
//! assert_eq!(t.frames[1].special, Some(Special::Flush));
//! // netstring:  1 2 : h e l l o , ␠ w o r l d ,   (the comma inside is payload)
//! //             └┬┘   └──────── 12 bytes ───────┘└ trailer
//! let t = transcript(&"netstring".parse()?, [&b"12:hello, world,"[..]]);
//! assert_eq!(t.frames[0].payload(), b"hello, world");
//! // A sign where a digit belongs is an error that names the rule, however cut.
//! let spec: Spec = "digits:4".parse()?;
//! let whole = transcript(&spec, [&b"+123"[..]]);
//! assert_eq!(whole, transcript(&spec, b"+123".chunks(1)));
//! assert!(whole.end.unwrap_err().to_string().contains("digits length has a sign"));
//! # Ok::<(), framecheck_framing::Error>(())
//! ```

pub mod decode;
pub mod encode;
mod error;
mod frame;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod http1;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod model;
pub mod resp;
pub mod schedule;
pub mod simulate;
pub mod spec;
mod text;
mod transcript;

pub use decode::Decoder;
pub use encode::Encoder;
pub use error::{Error, Stage, TextProblem};
pub use frame::{Frame, FrameRef, Special};
pub use schedule::Schedule;
pub use spec::{CountEntry, Counted, Kind, LenField, Spec, TagEntry, TagRule};
pub use transcript::{Transcript, transcript};

use std::fmt;

/// Debug-prints bytes as an escaped byte string.
pub(crate) struct Escaped<'a>(pub(crate) &'a [u8]);

impl fmt::Debug for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "b\"{}\"", self.0.escape_ascii())
    }
}
