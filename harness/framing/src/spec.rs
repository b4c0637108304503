//! The one-line framing spec: parsed once into a typed [`Spec`], printed back
//! by [`Display`](fmt::Display) in canonical form.
//!
//! ```text
//! SPEC   := KIND ( "," OPTION )* [ ",first=(" SPEC ")" ]
//! KIND   := "fixed:" N | "line" | "crlf" | "delim:" BYTES | LEN
//!         | "tagged:" ENTRY ( "/" ENTRY )* | "eof"
//!         | "digits:" N | "hex:" N | "pktline" | "netstring" | "declen:" BYTE | "syslog"
//!         | "counted:" ( "line" | "crlf" ) ( "/" WORD "=" N )+
//!         | "http1:request" | "http1:response"
//! LEN    := "u8" | "u16be" | "u16le" | "u32be" | "u32le" | "u64be" | "u64le" | "varint"
//! ENTRY  := TAG "=" ( N | LEN )        TAG: one printable ASCII character or 0xHH
//! OPTION := "max=" SIZE | "offset=" N | "adjust=" [+-]N
//!         | "lenient" | "method=" TOKEN ( "/" TOKEN )* | "head=" SIZE | "headers=" N | "ext=" SIZE   (http1 only)
//! SIZE   := N | N "KiB" | N "MiB" | N "GiB"
//! BYTES  := text with \n \r \t \0 \\ \xHH escapes (write a comma as \x2c)
//! BYTE   := one byte of BYTES, not a digit (`declen:\x20` is syslog's space)
//! WORD   := printable ASCII without / , = or space
//! ```
//!
//! Lengths written as text:
//!
//! | kind | wire | notes |
//! |---|---|---|
//! | `digits:N` | N decimal digits (1 to 18), then the payload | `offset=`, `adjust=` as for binary lengths; all zeros with no `adjust` is a keep-alive frame ([`Special::KeepAlive`](crate::Special)) |
//! | `hex:N` | N hex digits (1 to 15, either case), then the payload | as `digits:N` |
//! | `pktline` | 4 lower-case hex digits counting themselves, then the payload | `0000` flush, `0001` delim, `0002` response-end are frames of their own; `0003` is invalid; at most 65516 payload bytes |
//! | `netstring` | `LEN ":" payload ","` | no leading zero (`0:,` is empty), at most 9 digits |
//! | `declen:B` | `LEN B payload` (`syslog` is `declen:\x20`, RFC 6587 octet counting) | a non-zero digit first, at most 10 digits |
//! | `counted:crlf/set=5` | lines; a line whose first word is listed carries the byte count of a data block in that word (1-based), the block ends with the same delimiter | the line and its block are one frame (head: the line, payload: the block); other lines are frames of their own (payload: the line) |
//!
//! `first=(SPEC)`, always the last option, gives the first frame of a stream
//! its own framing (PostgreSQL: `u32be,offset=1,adjust=-4,first=(u32be,adjust=-4)`);
//! the inner spec may be neither `eof` nor have a `first=` of its own.
//!
//! Default maximum payload per kind (there is no unbounded default):
//!
//! | kind | default `max` |
//! |---|---|
//! | `fixed:N` | N (a larger `max` is allowed, a smaller one is an error) |
//! | `line`, `crlf`, `delim:` | 64 KiB ([`DEFAULT_LINE_MAX`]) |
//! | length prefix | 16 MiB ([`DEFAULT_LEN_MAX`]), or less if the field cannot express it (`u8`: 255, `u16be`: 65535) |
//! | `tagged:` | 16 MiB ([`DEFAULT_LEN_MAX`]) |
//! | `eof` | 16 MiB ([`DEFAULT_EOF_MAX`]) |
//! | `digits:N`, `hex:N` | 16 MiB, or less if N digits cannot express it (`digits:4`: 9999) |
//! | `pktline` | 65516 ([`PKTLINE_MAX`]), also the largest allowed |
//! | `netstring`, `declen:` | 16 MiB ([`DEFAULT_LEN_MAX`]) |
//! | `counted:` | 1 MiB ([`DEFAULT_COUNTED_MAX`]) for a block; a line is at most `min(max, 64 KiB)` |
//!
//! No `max` may exceed 1 GiB ([`MAX_LIMIT`]). `offset` is allowed with a length
//! prefix, `digits:` or `hex:` only; `adjust` with those or `tagged:` (it
//! applies to the nested length fields).
//!
//! Display prints options in the order `max`, `offset`, `adjust`, omits those at
//! their default, and writes sizes in the largest exact unit, so every spec in
//! canonical form prints back to the same text and `parse(display(s)) == s`
//! always holds:
//!
//! ```
//! use framecheck_framing::Spec;
//! for text in ["u32be,offset=1,adjust=-4", "tagged:A=4/B=16/V=u16be,max=4KiB", r"delim:\r\n\r\n",
//!              "digits:5", "counted:crlf/set=5/VALUE=4", "u32be,offset=1,adjust=-4,first=(u32be,adjust=-4)"] {
//!     let spec: Spec = text.parse()?;
//!     assert_eq!(spec.to_string(), text);
//! }
//! let err = "u33be".parse::<Spec>().unwrap_err().to_string();
//! assert!(err.contains("\"u33be\"") && err.contains("u32be"), "{err}");
//! # Ok::<(), framecheck_framing::Error>(())
//! ```

use std::fmt::{self, Write as _};
use std::str::FromStr;

use crate::Error;
use crate::http1::{self, Http1, Role};

/// The spec grammar and its kinds, as `framecheck specs` prints it.
pub const GRAMMAR: &str = r#"SPEC   := KIND ( "," OPTION )* [ ",first=(" SPEC ")" ]
KIND   := "fixed:" N | "line" | "crlf" | "delim:" BYTES | LEN
        | "tagged:" ENTRY ( "/" ENTRY )* | "eof"
        | "digits:" N | "hex:" N | "pktline" | "netstring" | "declen:" BYTE | "syslog"
        | "counted:" ( "line" | "crlf" ) ( "/" WORD "=" N )+
        | "http1:request" | "http1:response"
LEN    := "u8" | "u16be" | "u16le" | "u32be" | "u32le" | "u64be" | "u64le" | "varint"
ENTRY  := TAG "=" ( N | LEN )        TAG: one printable ASCII character or 0xHH
OPTION := "max=" SIZE | "offset=" N | "adjust=" [+-]N     SIZE: 1024, 64KiB, 1MiB, 1GiB
        | "lenient" | "method=" TOKEN ( "/" TOKEN )* | "head=" SIZE
        | "headers=" N | "ext=" SIZE                        (http1 only)
BYTES  := text with \n \r \t \0 \\ \xHH escapes (write a comma as \x2c)
BYTE   := one byte of BYTES, not a digit
WORD   := printable ASCII without / , = or space

Kinds:
  fixed:16                    16-byte records
  line, crlf, delim:\r\n\r\n  delimited frames (default max 64KiB)
  u16be                       a 2-byte big-endian length (also u8, u16le, u32be/le, u64be/le)
  varint,offset=1             MQTT: a type byte, then a LEB128 length
  u32be,offset=1,adjust=-4    PostgreSQL: a type byte, then a length that counts itself
  tagged:A=4/V=u16be          the first byte picks a fixed length or a nested length prefix
  eof                         the message ends when the peer shuts down its side
  digits:5                    5 decimal digits give the length ("5 numeric characters");
                              offset= and adjust= as for binary lengths; all zeros (no
                              adjust) is a keep-alive frame (jPOS: digits:4)
  hex:4                       the same with hex digits, either case
  pktline                     git pkt-line: 4 lower-case hex digits counting themselves;
                              0000 flush, 0001 delim, 0002 response-end are frames of
                              their own; 0003 is invalid; at most 65516 payload bytes
  netstring                   djb: LEN ":" payload ","; no leading zero, at most 9 digits
  declen:\x20, syslog         a decimal length ended by that byte (RFC 6587 octet
                              counting); a non-zero first digit, at most 10 digits
  counted:crlf/set=5/VALUE=4  lines; a line whose first word is listed carries in that
                              word (1-based) the byte count of a data block ended by the
                              same delimiter (memcached, beanstalkd: counted:crlf/put=5)
  SPEC,first=(SPEC)           the first frame has its own framing (PostgreSQL:
                              u32be,offset=1,adjust=-4,first=(u32be,adjust=-4))
  http1:request               HTTP/1.1 messages (RFC 9112): a frame is one message, its
  http1:response,method=HEAD  head the header section, its payload the body as on the
                              wire (chunked: with its chunk lines and trailers). The body
                              length follows section 6.3: a response to HEAD, a 1xx, 204
                              or 304 has none; a 2xx to CONNECT or a 101 ends the framing
                              (the rest of the stream is that frame's body); chunked last
                              wins; a response without a length reads to the end.
                              method= lists the requests' methods, one per final response,
                              the last repeated (default GET). Strict by default: a bare
                              LF, obs-fold, a space before a colon, both Content-Length and
                              Transfer-Encoding, repeated or invalid Content-Length, chunked
                              not final, a chunk size over 64 bits are errors naming their
                              rule; lenient accepts what the RFC lets a recipient accept.
                              Limits: max= the body on the wire (16MiB), head= the header
                              section and, apart, the trailers (64KiB), headers= field lines
                              (100), ext= chunk-extension bytes a message (4KiB).

Every text length is strict: a sign, a space, a non-digit, a forbidden leading
zero or too many digits is an error with its own message."#;

/// The most bytes a LEB128 varint length may take.
pub const VARINT_MAX_BYTES: usize = 10;

/// Default `max` for delimited kinds: 64 KiB.
pub const DEFAULT_LINE_MAX: usize = 64 * 1024;
/// Default `max` for length-prefixed and tagged kinds: 16 MiB.
pub const DEFAULT_LEN_MAX: usize = 16 * 1024 * 1024;
/// Default `max` for `eof`: 16 MiB.
pub const DEFAULT_EOF_MAX: usize = 16 * 1024 * 1024;
/// The largest `max` (and `fixed:` length) a spec may ask for: 1 GiB.
pub const MAX_LIMIT: usize = 1024 * 1024 * 1024;
/// The largest `offset`: bytes before the length field.
pub const MAX_OFFSET: usize = 64;
/// The largest payload of a git pkt-line: 65520 bytes in all, less its 4 digits.
pub const PKTLINE_MAX: usize = 65516;
/// Default `max` for a `counted:` data block: 1 MiB (memcached's default item size).
pub const DEFAULT_COUNTED_MAX: usize = 1024 * 1024;
/// The most digits of a `digits:N` length.
pub const DIGITS_MAX_WIDTH: usize = 18;
/// The most digits of a `hex:N` length.
pub const HEX_MAX_WIDTH: usize = 15;
/// The most digits of a netstring length (djb's reference decoder).
pub const NETSTRING_MAX_DIGITS: usize = 9;
/// The most digits of a `declen:` length or of a `counted:` count word.
pub const DECLEN_MAX_DIGITS: usize = 10;
/// The highest word position a `counted:` entry may name.
pub const COUNTED_MAX_POS: usize = 32;

const KINDS: &str = "one of fixed:N, line, crlf, delim:BYTES, u8, u16be, u16le, u32be, u32le, u64be, u64le, varint, tagged:TAG=RULE/..., eof, digits:N, hex:N, pktline, netstring, declen:BYTE, syslog, counted:crlf/WORD=N/...";
const OPTIONS: &str = "one of max=SIZE, offset=N, adjust=[+-]N, first=(SPEC) (http1: also lenient, method=M/M, head=SIZE, headers=N, ext=SIZE)";

/// A parsed framing spec.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Spec {
    /// The framing strategy.
    pub kind: Kind,
    /// The maximum payload length, if given; see [`Spec::max`] for the effective one.
    pub max: Option<usize>,
    /// Bytes before the length field that belong to the frame (a type byte).
    pub offset: usize,
    /// Signed correction added to a declared length to get the payload length
    /// (`-4` for PostgreSQL, whose length counts itself).
    pub adjust: i64,
    /// The framing of the first frame of a stream, if it differs.
    pub first: Option<Box<Spec>>,
}

/// The framing strategy of a [`Spec`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Every frame is exactly N bytes.
    Fixed(usize),
    /// Frames end with `\n`.
    Line,
    /// Frames end with `\r\n`.
    Crlf,
    /// Frames end with the given (non-empty) byte string.
    Delim(Vec<u8>),
    /// A length field, then that many payload bytes.
    Len(LenField),
    /// The first byte selects the rule for the rest of the frame.
    Tagged(Vec<TagEntry>),
    /// The message ends when the peer shuts down its side.
    Eof,
    /// N ASCII decimal digits give the payload length.
    Digits(usize),
    /// N ASCII hex digits (either case) give the payload length.
    Hex(usize),
    /// git pkt-line: 4 lower-case hex digits that count themselves.
    PktLine,
    /// djb netstrings: `LEN ":" payload ","`.
    Netstring,
    /// A variable-width decimal length ended by the given byte (syslog's space).
    DecLen(u8),
    /// Lines, some of which count a data block that follows them.
    Counted(Counted),
    /// HTTP/1.1 messages (RFC 9112): `http1:request`, `http1:response`.
    Http1(Http1),
}

/// A `counted:` kind: delimited lines, some of which carry the byte count of
/// a data block that follows, ended by the same delimiter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Counted {
    /// Lines end with `\r\n` (`true`) or `\n`.
    pub crlf: bool,
    /// The commands whose lines carry a count, and where.
    pub entries: Vec<CountEntry>,
}

/// One entry of a `counted:` spec.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CountEntry {
    /// The first word of the line.
    pub word: Vec<u8>,
    /// The 1-based position of the word holding the byte count (at least 2).
    pub pos: usize,
}

impl Counted {
    /// The line delimiter.
    pub fn delimiter(&self) -> &'static [u8] {
        if self.crlf { b"\r\n" } else { b"\n" }
    }

    /// The count position for a line whose first word is `word`, if listed.
    pub fn pos_of(&self, word: &[u8]) -> Option<usize> {
        self.entries.iter().find(|e| e.word == word).map(|e| e.pos)
    }
}

/// A length field's encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub enum LenField {
    /// One byte.
    U8,
    /// Two bytes, big-endian.
    U16Be,
    /// Two bytes, little-endian.
    U16Le,
    /// Four bytes, big-endian.
    U32Be,
    /// Four bytes, little-endian.
    U32Le,
    /// Eight bytes, big-endian.
    U64Be,
    /// Eight bytes, little-endian.
    U64Le,
    /// LEB128: 7 bits per byte, low group first, high bit set on all but the
    /// last byte; at most 10 bytes.
    Varint,
}

/// One entry of a `tagged:` spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TagEntry {
    /// The first byte of the frame.
    pub tag: u8,
    /// What follows it.
    pub rule: TagRule,
}

/// What follows a tag byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TagRule {
    /// Exactly N payload bytes.
    Fixed(usize),
    /// A length field, then that many payload bytes.
    Len(LenField),
}

impl LenField {
    /// All length fields, in spec order.
    pub const ALL: [LenField; 8] = [
        LenField::U8,
        LenField::U16Be,
        LenField::U16Le,
        LenField::U32Be,
        LenField::U32Le,
        LenField::U64Be,
        LenField::U64Le,
        LenField::Varint,
    ];

    /// The spec name (`u16be`, `varint`…).
    pub fn name(self) -> &'static str {
        match self {
            LenField::U8 => "u8",
            LenField::U16Be => "u16be",
            LenField::U16Le => "u16le",
            LenField::U32Be => "u32be",
            LenField::U32Le => "u32le",
            LenField::U64Be => "u64be",
            LenField::U64Le => "u64le",
            LenField::Varint => "varint",
        }
    }

    /// Width in bytes for fixed-width fields; `None` for varint.
    pub fn width(self) -> Option<usize> {
        match self {
            LenField::U8 => Some(1),
            LenField::U16Be | LenField::U16Le => Some(2),
            LenField::U32Be | LenField::U32Le => Some(4),
            LenField::U64Be | LenField::U64Le => Some(8),
            LenField::Varint => None,
        }
    }

    /// The most bytes the field can take (10 for varint).
    pub fn max_width(self) -> usize {
        self.width().unwrap_or(VARINT_MAX_BYTES)
    }

    /// The largest value the field can hold.
    pub fn max_value(self) -> u64 {
        match self {
            LenField::U8 => u64::from(u8::MAX),
            LenField::U16Be | LenField::U16Le => u64::from(u16::MAX),
            LenField::U32Be | LenField::U32Le => u64::from(u32::MAX),
            LenField::U64Be | LenField::U64Le | LenField::Varint => u64::MAX,
        }
    }

    fn from_name(name: &str) -> Option<LenField> {
        LenField::ALL.into_iter().find(|l| l.name() == name)
    }
}

impl Spec {
    /// A spec of this kind with default options.
    pub fn new(kind: Kind) -> Spec {
        Spec {
            kind,
            max: None,
            offset: 0,
            adjust: 0,
            first: None,
        }
    }

    /// Whether the kind writes its length as text.
    pub fn is_text(&self) -> bool {
        matches!(
            self.kind,
            Kind::Digits(_)
                | Kind::Hex(_)
                | Kind::PktLine
                | Kind::Netstring
                | Kind::DecLen(_)
                | Kind::Counted(_)
        )
    }

    /// The length text of a frame decoded under this spec (the digits of
    /// `digits:`/`hex:`/`pktline`/`netstring`/`declen:`, the count word of a
    /// counted line), if it has one. The first frame of a `first=` spec
    /// answers under the inner spec: call this on `spec.first` for it.
    pub fn len_text<'a>(
        &self,
        wire: &'a [u8],
        head_len: usize,
        payload_start: usize,
    ) -> Option<&'a [u8]> {
        match &self.kind {
            Kind::Digits(n) | Kind::Hex(n) => wire.get(self.offset..self.offset + n),
            Kind::PktLine => wire.get(..4),
            Kind::Netstring | Kind::DecLen(_) => wire.get(..payload_start.checked_sub(1)?),
            Kind::Counted(c) => {
                let line = wire.get(..head_len)?;
                let pos = c.pos_of(line.split(|&b| b == b' ').next()?)?;
                line.split(|&b| b == b' ').nth(pos - 1)
            }
            Kind::Len(_)
            | Kind::Fixed(_)
            | Kind::Line
            | Kind::Crlf
            | Kind::Delim(_)
            | Kind::Tagged(_)
            | Kind::Eof
            | Kind::Http1(_) => None,
        }
    }

    /// The effective maximum payload length: the explicit `max`, or the
    /// kind's documented default.
    pub fn max(&self) -> usize {
        self.max.unwrap_or_else(|| self.default_max())
    }

    /// The kind's default maximum payload length.
    pub fn default_max(&self) -> usize {
        match &self.kind {
            Kind::Fixed(n) => *n,
            Kind::Line | Kind::Crlf | Kind::Delim(_) => DEFAULT_LINE_MAX,
            // A narrow field caps the default at what it can express.
            Kind::Len(field) => {
                let widest = i128::from(field.max_value()) + i128::from(self.adjust);
                usize::try_from(widest.clamp(1, DEFAULT_LEN_MAX as i128)).unwrap_or(DEFAULT_LEN_MAX)
            }
            Kind::Tagged(_) | Kind::Netstring | Kind::DecLen(_) | Kind::Http1(_) => DEFAULT_LEN_MAX,
            Kind::Eof => DEFAULT_EOF_MAX,
            Kind::Digits(n) | Kind::Hex(n) => {
                let radix: u64 = if matches!(self.kind, Kind::Hex(_)) {
                    16
                } else {
                    10
                };
                let widest = radix
                    .checked_pow(u32::try_from(*n).unwrap_or(u32::MAX))
                    .map_or(i128::MAX, |v| i128::from(v - 1));
                let widest = widest.saturating_add(i128::from(self.adjust));
                usize::try_from(widest.clamp(1, DEFAULT_LEN_MAX as i128)).unwrap_or(DEFAULT_LEN_MAX)
            }
            Kind::PktLine => PKTLINE_MAX,
            Kind::Counted(_) => DEFAULT_COUNTED_MAX,
        }
    }

    /// The longest line of a `counted:` kind: `min(max, 64 KiB)`.
    pub fn line_max(&self) -> usize {
        self.max().min(DEFAULT_LINE_MAX)
    }

    /// The delimiter bytes of a delimited kind.
    pub fn delimiter(&self) -> Option<&[u8]> {
        match &self.kind {
            Kind::Line => Some(b"\n"),
            Kind::Crlf => Some(b"\r\n"),
            Kind::Delim(d) => Some(d),
            _ => None,
        }
    }

    /// The most bytes a frame can carry besides its payload (header, tag,
    /// delimiter). A decoder never holds more than `max() + overhead()` bytes
    /// (with `first=`, that bound covers the first frame's too).
    pub fn overhead(&self) -> usize {
        let own = self.own_overhead();
        match &self.first {
            Some(first) => own.max((first.max() + first.overhead()).saturating_sub(self.max())),
            None => own,
        }
    }

    fn own_overhead(&self) -> usize {
        match &self.kind {
            Kind::Fixed(_) | Kind::Eof => 0,
            Kind::Line | Kind::Crlf | Kind::Delim(_) => self.delimiter().map_or(0, <[u8]>::len),
            Kind::Digits(n) | Kind::Hex(n) => self.offset + n,
            Kind::PktLine => 4,
            Kind::Netstring => NETSTRING_MAX_DIGITS + 2,
            Kind::DecLen(_) => DECLEN_MAX_DIGITS + 1,
            Kind::Counted(c) => self.line_max() + 2 * c.delimiter().len(),
            // The header section and the trailer section, each up to head=
            // (and the byte that proves a section too long).
            Kind::Http1(h) => 2 * h.head + 1,
            Kind::Len(field) => self.offset + field.max_width(),
            Kind::Tagged(entries) => {
                1 + entries
                    .iter()
                    .map(|e| match e.rule {
                        TagRule::Fixed(_) => 0,
                        TagRule::Len(f) => f.max_width(),
                    })
                    .max()
                    .unwrap_or(0)
            }
        }
    }

    /// Check the spec's internal consistency (what [`FromStr`] enforces), for
    /// specs built in code.
    pub fn validate(&self) -> Result<(), Error> {
        let text = self.to_string();
        let reparsed: Spec = text.parse()?;
        if &reparsed == self {
            Ok(())
        } else {
            Err(spec_error(
                &text,
                0,
                &text,
                "spec does not survive a round trip",
                "a canonical spec",
            ))
        }
    }
}

fn spec_error(spec: &str, pos: usize, token: &str, problem: &str, expected: &str) -> Error {
    Error::Spec {
        spec: spec.to_owned(),
        pos,
        token: token.to_owned(),
        problem: problem.to_owned(),
        expected: expected.to_owned(),
    }
}

/// A parser over the spec text that remembers positions for errors.
struct Parser<'a> {
    spec: &'a str,
}

impl<'a> Parser<'a> {
    fn err(&self, at: &str, problem: &str, expected: &str) -> Error {
        // `at` is always a subslice of `spec`.
        let pos = (at.as_ptr() as usize).saturating_sub(self.spec.as_ptr() as usize);
        spec_error(self.spec, pos, at, problem, expected)
    }

    fn parse(&self) -> Result<Spec, Error> {
        let spec = self.spec;
        let (kind, rest) = self.kind(spec)?;
        let mut out = Spec::new(kind);
        let mut seen: [bool; 3] = [false; 3];
        let rest = self.first(rest, &mut out)?;
        let takes_len_options = matches!(out.kind, Kind::Len(_) | Kind::Digits(_) | Kind::Hex(_));
        let mut http_seen = [false; 5];
        if !rest.is_empty() {
            // `rest` starts with ','.
            for opt in rest[1..].split(',') {
                if let Kind::Http1(h) = &mut out.kind {
                    if self.http1_option(opt, h, &mut http_seen)? {
                        continue;
                    }
                }
                let (name, value) = opt
                    .split_once('=')
                    .ok_or_else(|| self.err(opt, "option without a value", OPTIONS))?;
                let idx = match name {
                    "max" => 0,
                    "offset" => 1,
                    "adjust" => 2,
                    _ => return Err(self.err(opt, "unknown option", OPTIONS)),
                };
                if seen[idx] {
                    return Err(self.err(opt, "option given twice", "each option at most once"));
                }
                seen[idx] = true;
                match idx {
                    0 => out.max = Some(self.size(value)?),
                    1 => {
                        let n = self.number(value, "a whole number of bytes")?;
                        if !takes_len_options {
                            return Err(self.err(
                                opt,
                                "offset applies only to a length prefix, digits: or hex:",
                                "no offset here",
                            ));
                        }
                        if n > MAX_OFFSET {
                            return Err(self.err(
                                value,
                                "offset too large",
                                "an offset of at most 64",
                            ));
                        }
                        out.offset = n;
                    }
                    _ => {
                        if !(takes_len_options || matches!(out.kind, Kind::Tagged(_))) {
                            return Err(self.err(
                                opt,
                                "adjust applies only to length fields",
                                "no adjust here",
                            ));
                        }
                        out.adjust = self.signed(value)?;
                    }
                }
            }
        }
        if let (Kind::Fixed(n), Some(max)) = (&out.kind, out.max) {
            if max < *n {
                let at = rest.find("max=").map_or(rest, |i| &rest[i..]);
                return Err(self.err(
                    at,
                    "max is below the fixed frame length",
                    "max at least N, or no max",
                ));
            }
        }
        if let (Kind::PktLine, Some(max)) = (&out.kind, out.max) {
            if max > PKTLINE_MAX {
                let at = rest.find("max=").map_or(rest, |i| &rest[i..]);
                return Err(self.err(
                    at,
                    "pkt-line payloads are at most 65516 bytes",
                    "max of at most 65516, or no max",
                ));
            }
        }
        Ok(out)
    }

    /// Take a trailing `first=(SPEC)` off the options into `out.first`;
    /// the options before it.
    fn first(&self, rest: &'a str, out: &mut Spec) -> Result<&'a str, Error> {
        let spec = self.spec;
        // `first=(SPEC)` is the last option: everything up to the final ')'.
        Ok(match rest.find(",first=") {
            Some(at) => {
                let opt = &rest[at + 1..];
                let inner = opt["first=".len()..]
                    .strip_prefix('(')
                    .and_then(|s| s.strip_suffix(')'))
                    .ok_or_else(|| {
                        self.err(
                            opt,
                            "first= must be the last option, in parentheses",
                            "first=(SPEC) at the end",
                        )
                    })?;
                let first = Parser { spec: inner }.parse().map_err(|e| match e {
                    Error::Spec {
                        pos,
                        token,
                        problem,
                        expected,
                        ..
                    } => {
                        let base = (inner.as_ptr() as usize).saturating_sub(spec.as_ptr() as usize);
                        spec_error(
                            spec,
                            base + pos,
                            &token,
                            &format!("in first=: {problem}"),
                            &expected,
                        )
                    }
                    other => other,
                })?;
                if first.first.is_some() {
                    return Err(self.err(opt, "first= inside first=", "one level of first="));
                }
                if first.kind == Kind::Eof {
                    return Err(self.err(
                        opt,
                        "an eof first frame leaves nothing to follow it",
                        "a first frame that ends",
                    ));
                }
                out.first = Some(Box::new(first));
                &rest[..at]
            }
            None => rest,
        })
    }

    fn kind(&self, s: &'a str) -> Result<(Kind, &'a str), Error> {
        if let Some(body) = s.strip_prefix("delim:") {
            // BYTES runs to the first unescaped comma.
            let end = body.find(',').unwrap_or(body.len());
            let bytes = self.unescape(&body[..end])?;
            return Ok((Kind::Delim(bytes), &body[end..]));
        }
        if let Some(body) = s.strip_prefix("tagged:") {
            return self.tagged(body);
        }
        if let Some(body) = s.strip_prefix("declen:") {
            let end = body.find(',').unwrap_or(body.len());
            let bytes = self.unescape(&body[..end])?;
            let [sep] = bytes[..] else {
                return Err(self.err(
                    &body[..end],
                    "declen: takes one separator byte",
                    "declen:BYTE like declen:\\x20",
                ));
            };
            if sep.is_ascii_digit() {
                return Err(self.err(
                    &body[..end],
                    "a digit cannot end a decimal length",
                    "a separator that is not a digit",
                ));
            }
            return Ok((Kind::DecLen(sep), &body[end..]));
        }
        if let Some(body) = s.strip_prefix("counted:") {
            return self.counted(body);
        }
        if let Some(body) = s.strip_prefix("http1:") {
            return self.http1(body);
        }
        let end = s.find(',').unwrap_or(s.len());
        let (word, rest) = s.split_at(end);
        let kind = match word {
            "line" => Kind::Line,
            "crlf" => Kind::Crlf,
            "eof" => Kind::Eof,
            "pktline" => Kind::PktLine,
            "netstring" => Kind::Netstring,
            "syslog" => Kind::DecLen(b' '),
            _ => {
                if let Some(n) = word.strip_prefix("digits:") {
                    let n = self.number(n, "a digit count")?;
                    if n == 0 || n > DIGITS_MAX_WIDTH {
                        return Err(self.err(
                            word,
                            "digit count out of range",
                            "digits:N with 1 <= N <= 18",
                        ));
                    }
                    return Ok((Kind::Digits(n), rest));
                }
                if let Some(n) = word.strip_prefix("hex:") {
                    let n = self.number(n, "a digit count")?;
                    if n == 0 || n > HEX_MAX_WIDTH {
                        return Err(self.err(
                            word,
                            "digit count out of range",
                            "hex:N with 1 <= N <= 15",
                        ));
                    }
                    return Ok((Kind::Hex(n), rest));
                }
                if let Some(n) = word.strip_prefix("fixed:") {
                    let n = self.number(n, "a frame length in bytes")?;
                    if n == 0 {
                        return Err(self.err(
                            word,
                            "a fixed frame cannot be empty",
                            "fixed:N with N >= 1",
                        ));
                    }
                    if n > MAX_LIMIT {
                        return Err(self.err(
                            word,
                            "frame length above 1GiB",
                            "fixed:N with N <= 1GiB",
                        ));
                    }
                    Kind::Fixed(n)
                } else if let Some(field) = LenField::from_name(word) {
                    Kind::Len(field)
                } else if word.is_empty() {
                    return Err(self.err(word, "missing framing kind", KINDS));
                } else {
                    return Err(self.err(word, "unknown framing kind", KINDS));
                }
            }
        };
        Ok((kind, rest))
    }

    fn tagged(&self, body: &'a str) -> Result<(Kind, &'a str), Error> {
        let mut entries: Vec<TagEntry> = Vec::new();
        let mut s = body;
        loop {
            let entry_start = s;
            let (tag, after) = if s.len() >= 5 && s.starts_with("0x") && s.as_bytes()[4] == b'=' {
                let hex = u8::from_str_radix(&s[2..4], 16)
                    .map_err(|_| self.err(&s[..4], "bad hex tag", "a tag like 0x1f"))?;
                (hex, &s[4..])
            } else {
                let c = s
                    .chars()
                    .next()
                    .ok_or_else(|| self.err(s, "missing tag", "TAG=N or TAG=LEN"))?;
                if !(c.is_ascii_graphic()) {
                    return Err(self.err(
                        s,
                        "tag is not a printable ASCII character",
                        "a printable character or 0xHH",
                    ));
                }
                (c as u8, &s[1..])
            };
            let after = after
                .strip_prefix('=')
                .ok_or_else(|| self.err(entry_start, "tag without '='", "TAG=N or TAG=LEN"))?;
            let end = after.find(['/', ',']).unwrap_or(after.len());
            let value = &after[..end];
            let rule = if let Some(field) = LenField::from_name(value) {
                TagRule::Len(field)
            } else if value.bytes().all(|b| b.is_ascii_digit()) && !value.is_empty() {
                let n = self.number(value, "a length in bytes")?;
                if n > MAX_LIMIT {
                    return Err(self.err(value, "length above 1GiB", "a length of at most 1GiB"));
                }
                TagRule::Fixed(n)
            } else {
                return Err(self.err(
                    value,
                    "bad tag rule",
                    "a byte count or one of u8, u16be, u16le, u32be, u32le, u64be, u64le, varint",
                ));
            };
            if entries.iter().any(|e| e.tag == tag) {
                return Err(self.err(entry_start, "tag listed twice", "each tag once"));
            }
            entries.push(TagEntry { tag, rule });
            let rest = &after[end..];
            match rest.strip_prefix('/') {
                Some(next) => s = next,
                None => return Ok((Kind::Tagged(entries), rest)),
            }
        }
    }

    fn counted(&self, body: &'a str) -> Result<(Kind, &'a str), Error> {
        const FORM: &str = "counted:crlf/WORD=N/... or counted:line/WORD=N/...";
        let end = body.find(',').unwrap_or(body.len());
        let (text, rest) = body.split_at(end);
        let mut parts = text.split('/');
        let crlf = match parts.next().unwrap_or("") {
            "crlf" => true,
            "line" => false,
            other => return Err(self.err(other, "counted: needs line or crlf first", FORM)),
        };
        let mut entries: Vec<CountEntry> = Vec::new();
        for part in parts {
            let (word, pos) = part.split_once('=').ok_or_else(|| {
                self.err(
                    part,
                    "counted entry without '='",
                    "WORD=N, N the count's word position",
                )
            })?;
            if word.is_empty()
                || !word
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && b != b'/' && b != b'=')
            {
                return Err(self.err(
                    part,
                    "bad command word",
                    "printable ASCII without / , = or space",
                ));
            }
            let pos = self.number(pos, "a word position from 2 to 32")?;
            if !(2..=COUNTED_MAX_POS).contains(&pos) {
                return Err(self.err(
                    part,
                    "count position out of range",
                    "a word position from 2 to 32",
                ));
            }
            if entries.iter().any(|e| e.word == word.as_bytes()) {
                return Err(self.err(part, "command listed twice", "each command once"));
            }
            entries.push(CountEntry {
                word: word.as_bytes().to_vec(),
                pos,
            });
        }
        if entries.is_empty() {
            return Err(self.err(text, "counted: lists no command", FORM));
        }
        Ok((Kind::Counted(Counted { crlf, entries }), rest))
    }

    /// `http1:ROLE`; its options come with the common ones.
    fn http1(&self, body: &'a str) -> Result<(Kind, &'a str), Error> {
        let end = body.find(',').unwrap_or(body.len());
        let role = match &body[..end] {
            "request" => Role::Request,
            "response" => Role::Response,
            other => {
                return Err(self.err(
                    other,
                    "unknown http1 role",
                    "http1:request or http1:response",
                ));
            }
        };
        Ok((Kind::Http1(Http1::new(role)), &body[end..]))
    }

    /// An option of an `http1:` kind (`lenient`, `method=`, `head=`,
    /// `headers=`, `ext=`) into `h`: whether `opt` was one.
    fn http1_option(&self, opt: &str, h: &mut Http1, seen: &mut [bool; 5]) -> Result<bool, Error> {
        let (name, value) = opt.split_once('=').unwrap_or((opt, ""));
        let idx = match name {
            "lenient" if !opt.contains('=') => 0,
            "method" => 1,
            "head" => 2,
            "headers" => 3,
            "ext" => 4,
            _ => return Ok(false),
        };
        if seen[idx] {
            return Err(self.err(opt, "option given twice", "each option at most once"));
        }
        seen[idx] = true;
        match idx {
            0 => h.lenient = true,
            1 => {
                if h.role == Role::Request {
                    return Err(self.err(
                        opt,
                        "method= frames responses only",
                        "http1:response,method=HEAD",
                    ));
                }
                for m in value.split('/') {
                    if m.is_empty() || !m.bytes().all(http1::is_tchar) {
                        return Err(self.err(m, "not a method", "a token like GET or HEAD"));
                    }
                    h.methods.push(m.as_bytes().to_vec());
                }
                if h.methods.len() > http1::MAX_METHODS {
                    return Err(self.err(value, "too many methods", "at most 64 methods"));
                }
            }
            2 => h.head = self.size(value)?,
            3 => {
                h.headers = self.number(value, "a field-line count")?;
                if h.headers == 0 || h.headers > 100_000 {
                    return Err(self.err(value, "headers out of range", "1 to 100000"));
                }
            }
            _ => h.ext = self.size(value)?,
        }
        Ok(true)
    }

    fn number(&self, s: &str, expected: &str) -> Result<usize, Error> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.err(s, "not a whole number", expected));
        }
        s.parse::<usize>()
            .map_err(|_| self.err(s, "number too large", expected))
    }

    fn signed(&self, s: &str) -> Result<i64, Error> {
        let (neg, digits) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        let n = self.number(digits, "a signed whole number like -4 or +2")?;
        let n = i64::try_from(n)
            .ok()
            .filter(|n| *n <= i64::from(u32::MAX))
            .ok_or_else(|| self.err(s, "adjust too large", "an adjust within ±4294967295"))?;
        Ok(if neg { -n } else { n })
    }

    fn size(&self, s: &str) -> Result<usize, Error> {
        const UNITS: &str = "a size like 1024, 64KiB, 1MiB or 1GiB";
        let digits_end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (digits, unit) = s.split_at(digits_end);
        let n = self.number(digits, UNITS)?;
        let mult: usize = match unit {
            "" => 1,
            "KiB" => 1 << 10,
            "MiB" => 1 << 20,
            "GiB" => 1 << 30,
            _ => {
                return Err(self.err(
                    unit,
                    "unknown size unit",
                    "one of KiB, MiB, GiB (or none for bytes)",
                ));
            }
        };
        let bytes = n
            .checked_mul(mult)
            .filter(|b| *b <= MAX_LIMIT)
            .ok_or_else(|| self.err(s, "size above 1GiB", "a max of at most 1GiB"))?;
        if bytes == 0 {
            return Err(self.err(s, "max of zero", "a max of at least 1"));
        }
        Ok(bytes)
    }

    fn unescape(&self, s: &str) -> Result<Vec<u8>, Error> {
        const ESCAPES: &str = r"one of \n \r \t \0 \\ \xHH";
        let mut out = Vec::with_capacity(s.len());
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] != b'\\' {
                out.push(bytes[i]);
                i += 1;
                continue;
            }
            let esc = &s[i..];
            let (byte, len) = match bytes.get(i + 1) {
                Some(b'n') => (b'\n', 2),
                Some(b'r') => (b'\r', 2),
                Some(b't') => (b'\t', 2),
                Some(b'0') => (0, 2),
                Some(b'\\') => (b'\\', 2),
                Some(b'x') => {
                    let hex = s.get(i + 2..i + 4).unwrap_or("");
                    let v = (hex.len() == 2)
                        .then(|| u8::from_str_radix(hex, 16).ok())
                        .flatten()
                        .ok_or_else(|| {
                            self.err(esc, "bad \\x escape", "\\x followed by two hex digits")
                        })?;
                    (v, 4)
                }
                _ => return Err(self.err(esc, "unknown escape", ESCAPES)),
            };
            out.push(byte);
            i += len;
        }
        if out.is_empty() {
            return Err(self.err(s, "empty delimiter", "at least one delimiter byte"));
        }
        Ok(out)
    }
}

impl FromStr for Spec {
    type Err = Error;

    fn from_str(s: &str) -> Result<Spec, Error> {
        Parser { spec: s }.parse()
    }
}

impl fmt::Display for Http1 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.role {
            Role::Request => "http1:request",
            Role::Response => "http1:response",
        })?;
        if self.lenient {
            f.write_str(",lenient")?;
        }
        if !self.methods.is_empty() {
            f.write_str(",method=")?;
            for (i, m) in self.methods.iter().enumerate() {
                if i > 0 {
                    f.write_str("/")?;
                }
                f.write_str(&String::from_utf8_lossy(m))?;
            }
        }
        if self.head != http1::DEFAULT_HEAD {
            f.write_str(",head=")?;
            write_size(f, self.head)?;
        }
        if self.headers != http1::DEFAULT_HEADERS {
            write!(f, ",headers={}", self.headers)?;
        }
        if self.ext != http1::DEFAULT_EXT {
            f.write_str(",ext=")?;
            write_size(f, self.ext)?;
        }
        Ok(())
    }
}

/// Write a size in the largest binary unit that divides it exactly.
pub(crate) fn write_size(f: &mut impl fmt::Write, n: usize) -> fmt::Result {
    for (shift, unit) in [(30, "GiB"), (20, "MiB"), (10, "KiB")] {
        if n != 0 && n % (1 << shift) == 0 {
            return write!(f, "{}{unit}", n >> shift);
        }
    }
    write!(f, "{n}")
}

/// Escape delimiter bytes for the spec: printable ASCII as is, the rest as escapes.
pub(crate) fn escape_bytes(f: &mut impl fmt::Write, bytes: &[u8]) -> fmt::Result {
    for &b in bytes {
        match b {
            b'\n' => f.write_str(r"\n")?,
            b'\r' => f.write_str(r"\r")?,
            b'\t' => f.write_str(r"\t")?,
            0 => f.write_str(r"\0")?,
            b'\\' => f.write_str(r"\\")?,
            b',' => f.write_str(r"\x2c")?,
            0x20..=0x7e => f.write_char(char::from(b))?,
            _ => write!(f, r"\x{b:02x}")?,
        }
    }
    Ok(())
}

impl fmt::Display for LenField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::Fixed(n) => write!(f, "fixed:{n}"),
            Kind::Line => f.write_str("line"),
            Kind::Crlf => f.write_str("crlf"),
            Kind::Delim(d) => {
                f.write_str("delim:")?;
                escape_bytes(f, d)
            }
            Kind::Len(field) => f.write_str(field.name()),
            Kind::Tagged(entries) => {
                f.write_str("tagged:")?;
                for (i, e) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_char('/')?;
                    }
                    // Printable tags as themselves (the parser reads a tag
                    // before looking for '/' or ','), the rest as 0xHH.
                    if e.tag.is_ascii_graphic() {
                        f.write_char(char::from(e.tag))?;
                    } else {
                        write!(f, "0x{:02x}", e.tag)?;
                    }
                    match e.rule {
                        TagRule::Fixed(n) => write!(f, "={n}")?,
                        TagRule::Len(l) => write!(f, "={l}")?,
                    }
                }
                Ok(())
            }
            Kind::Eof => f.write_str("eof"),
            Kind::Digits(n) => write!(f, "digits:{n}"),
            Kind::Hex(n) => write!(f, "hex:{n}"),
            Kind::PktLine => f.write_str("pktline"),
            Kind::Netstring => f.write_str("netstring"),
            Kind::Http1(h) => write!(f, "{h}"),
            Kind::DecLen(sep) => {
                f.write_str("declen:")?;
                if sep.is_ascii_graphic() && !matches!(sep, b',' | b'\\') {
                    f.write_char(char::from(*sep))
                } else {
                    write!(f, r"\x{sep:02x}")
                }
            }
            Kind::Counted(c) => {
                f.write_str(if c.crlf {
                    "counted:crlf"
                } else {
                    "counted:line"
                })?;
                for e in &c.entries {
                    write!(f, "/{}={}", String::from_utf8_lossy(&e.word), e.pos)?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        if let Some(max) = self.max {
            f.write_str(",max=")?;
            write_size(f, max)?;
        }
        if self.offset != 0 {
            write!(f, ",offset={}", self.offset)?;
        }
        if self.adjust != 0 {
            write!(f, ",adjust={:+}", self.adjust)?;
        }
        if let Some(first) = &self.first {
            write!(f, ",first=({first})")?;
        }
        Ok(())
    }
}

/// Apply `adjust` to a declared length and check it against `max`.
#[inline]
pub(crate) fn payload_len(
    declared: u64,
    adjust: i64,
    max: usize,
    offset: u64,
) -> Result<usize, Error> {
    let len = i128::from(declared) + i128::from(adjust);
    if len < 0 {
        return Err(Error::NegativeLength {
            offset,
            declared,
            adjust,
        });
    }
    match usize::try_from(len) {
        Ok(n) if n <= max => Ok(n),
        _ => Err(Error::TooLarge {
            offset,
            len: u64::try_from(len).unwrap_or(u64::MAX),
            max,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_examples_round_trip() {
        for text in [
            "fixed:16",
            "line",
            "crlf",
            r"delim:\r\n\r\n",
            r"delim:\0",
            r"delim:END\x2c",
            "u8",
            "u16be",
            "u16le",
            "u32be",
            "u32le",
            "u64be",
            "u64le",
            "varint",
            "u32be,max=1MiB",
            "varint,offset=1",
            "u32be,offset=1,adjust=-4",
            "tagged:A=4/B=16/V=u16be,max=4KiB",
            "tagged:0x00=4/0xff=varint",
            "eof,max=1MiB",
            "line,max=1000",
            "u16be,adjust=+2",
            "digits:5",
            "digits:4,adjust=-4",
            "digits:6,max=1KiB,offset=2,adjust=+1",
            "hex:8",
            "pktline",
            "pktline,max=1000",
            "http1:request",
            "http1:response,lenient,method=HEAD/GET,head=8KiB,headers=50,ext=1KiB,max=1MiB",
            "netstring",
            "netstring,max=1MiB",
            r"declen:\x20",
            "declen::",
            "counted:crlf/set=5/VALUE=4",
            "counted:line/put=5/RESERVED=3",
            "u32be,offset=1,adjust=-4,first=(u32be,adjust=-4)",
            "netstring,first=(digits:4,max=100)",
            r"crlf,first=(delim:\x2c)",
        ] {
            let spec: Spec = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(spec.to_string(), text, "display of {text}");
            assert_eq!(spec.to_string().parse::<Spec>().unwrap(), spec);
        }
    }

    #[test]
    fn parsed_values() {
        let pg: Spec = "u32be,offset=1,adjust=-4".parse().unwrap();
        assert_eq!(pg.kind, Kind::Len(LenField::U32Be));
        assert_eq!((pg.offset, pg.adjust, pg.max()), (1, -4, DEFAULT_LEN_MAX));
        let t: Spec = "tagged:A=4/B=16/V=u16be,max=4KiB".parse().unwrap();
        assert_eq!(t.max(), 4096);
        assert_eq!(
            t.kind,
            Kind::Tagged(vec![
                TagEntry {
                    tag: b'A',
                    rule: TagRule::Fixed(4)
                },
                TagEntry {
                    tag: b'B',
                    rule: TagRule::Fixed(16)
                },
                TagEntry {
                    tag: b'V',
                    rule: TagRule::Len(LenField::U16Be)
                },
            ])
        );
        let c: Spec = "counted:crlf/set=5/VALUE=4".parse().unwrap();
        let Kind::Counted(counted) = &c.kind else {
            panic!("counted kind")
        };
        assert_eq!(
            (
                counted.crlf,
                counted.pos_of(b"set"),
                counted.pos_of(b"VALUE"),
                counted.pos_of(b"get")
            ),
            (true, Some(5), Some(4), None)
        );
        assert_eq!(c.max(), DEFAULT_COUNTED_MAX);
        assert_eq!(c.overhead(), DEFAULT_LINE_MAX + 4);
        let syslog: Spec = "syslog".parse().unwrap();
        assert_eq!(
            (syslog.kind.clone(), syslog.to_string().as_str()),
            (Kind::DecLen(b' '), r"declen:\x20")
        );
        let pg: Spec = "u32be,offset=1,adjust=-4,first=(u32be,adjust=-4)"
            .parse()
            .unwrap();
        let first = pg.first.as_deref().unwrap();
        assert_eq!(
            (first.kind.clone(), first.offset, first.adjust),
            (Kind::Len(LenField::U32Be), 0, -4)
        );
        for (text, max, overhead) in [
            ("digits:4", 9999, 4),
            ("digits:4,adjust=-4", 9995, 4),
            ("digits:9", DEFAULT_LEN_MAX, 9),
            ("hex:2,offset=1", 255, 3),
            ("pktline", PKTLINE_MAX, 4),
            ("netstring", DEFAULT_LEN_MAX, 11),
            ("syslog", DEFAULT_LEN_MAX, 11),
        ] {
            let spec: Spec = text.parse().unwrap();
            assert_eq!((spec.max(), spec.overhead()), (max, overhead), "{text}");
        }
        let d: Spec = r"delim:\r\n\r\n".parse().unwrap();
        assert_eq!(d.delimiter(), Some(&b"\r\n\r\n"[..]));
        // Non-canonical forms parse and print canonically.
        let s: Spec = "line,max=1024".parse().unwrap();
        assert_eq!(s.to_string(), "line,max=1KiB");
        let s: Spec = "tagged:/=1/,=u8/0x41=2".parse().unwrap();
        assert_eq!(s.to_string(), "tagged:/=1/,=u8/A=2");
        assert_eq!(s.to_string().parse::<Spec>().unwrap(), s);
    }

    #[test]
    fn every_kind_has_a_bounded_default() {
        for text in [
            "fixed:3",
            "line",
            "crlf",
            "delim:x",
            "u8",
            "varint",
            "tagged:A=1",
            "eof",
        ] {
            let spec: Spec = text.parse().unwrap();
            assert!(spec.max() > 0 && spec.max() <= MAX_LIMIT, "{text}");
        }
    }

    #[test]
    fn errors_name_the_token_and_the_alternatives() {
        let table: &[(&str, &str, &str)] = &[
            ("u33be", "\"u33be\"", "u32be"),
            ("", "missing framing kind", "fixed:N"),
            ("fixed:0", "cannot be empty", "N >= 1"),
            ("fixed:x", "\"x\"", "frame length"),
            ("line,max=12QB", "\"QB\"", "KiB"),
            ("line,max=2GiB", "above 1GiB", "1GiB"),
            ("line,max=0", "zero", "at least 1"),
            ("line,offset=1", "offset applies only", "no offset"),
            ("crlf,adjust=1", "adjust applies only", "no adjust"),
            ("u8,colour=red", "unknown option", "max=SIZE"),
            ("u8,max", "without a value", "max=SIZE"),
            ("u8,max=1,max=2", "twice", "at most once"),
            ("u32be,adjust=4x", "\"4x\"", "signed"),
            (r"delim:\q", r#""\\q""#, r"\xHH"),
            (r"delim:\x4", "bad \\x escape", "two hex digits"),
            ("delim:", "empty delimiter", "at least one"),
            ("tagged:A=4/A=5", "twice", "each tag once"),
            ("tagged:A=u24", "\"u24\"", "varint"),
            ("tagged:A4", "without '='", "TAG=N"),
            ("tagged:", "missing tag", "TAG=N"),
            ("fixed:16,max=8", "below the fixed", "at least N"),
            ("u16be,offset=65", "too large", "at most 64"),
            ("digits:0", "digit count out of range", "1 <= N <= 18"),
            ("digits:19", "digit count out of range", "1 <= N <= 18"),
            ("hex:16", "digit count out of range", "1 <= N <= 15"),
            ("digits:x", "\"x\"", "digit count"),
            ("pktline,max=65517", "at most 65516", "65516"),
            ("pktline,adjust=1", "adjust applies only", "no adjust"),
            ("netstring,offset=1", "offset applies only", "no offset"),
            ("declen:", "empty delimiter", "at least one"),
            ("declen:ab", "one separator byte", "declen:BYTE"),
            ("declen:7", "digit cannot end", "not a digit"),
            ("counted:tcp/set=5", "line or crlf", "counted:crlf"),
            ("counted:crlf", "lists no command", "counted:crlf"),
            ("counted:crlf/set", "without '='", "WORD=N"),
            ("counted:crlf/set=1", "out of range", "from 2 to 32"),
            (
                "counted:crlf/set=5/set=4",
                "listed twice",
                "each command once",
            ),
            ("counted:crlf/=5", "bad command word", "printable"),
            ("u8,first=u8", "last option", "first=(SPEC)"),
            ("u8,first=(u8),max=3", "last option", "first=(SPEC)"),
            ("u8,first=(u9)", "in first=: unknown framing kind", "u32be"),
            (
                "u8,first=(u8,first=(u8))",
                "first= inside first=",
                "one level",
            ),
            (
                "u8,first=(eof)",
                "eof first frame",
                "a first frame that ends",
            ),
        ];
        for (text, needle, expected) in table {
            let err = text.parse::<Spec>().expect_err(text).to_string();
            assert!(err.contains(needle), "{text}: {err} lacks {needle}");
            assert!(err.contains(expected), "{text}: {err} lacks {expected}");
        }
    }

    #[test]
    fn error_positions_point_at_the_token() {
        let Err(Error::Spec { pos, token, .. }) = "u32be,max=1MiB,offset=x".parse::<Spec>() else {
            panic!("expected a spec error");
        };
        assert_eq!((pos, token.as_str()), (22, "x"));
    }

    #[test]
    fn http1_options_parse_in_any_order_and_refuse_what_does_not_apply() {
        let a: Spec = "http1:response,max=1MiB,method=HEAD,lenient"
            .parse()
            .unwrap();
        let b: Spec = "http1:response,lenient,method=HEAD,max=1MiB"
            .parse()
            .unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "http1:response,lenient,method=HEAD,max=1MiB");
        for (bad, problem) in [
            ("http1:client", "unknown http1 role"),
            ("http1:request,method=GET", "method= frames responses only"),
            ("http1:response,method=G T", "not a method"),
            ("http1:request,lenient,lenient", "option given twice"),
            ("http1:request,offset=1", "offset applies only"),
            ("http1:request,headers=0", "headers out of range"),
        ] {
            let e = bad.parse::<Spec>().unwrap_err().to_string();
            assert!(e.contains(problem), "{bad}: {e}");
        }
    }
}
