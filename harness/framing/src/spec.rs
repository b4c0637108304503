//! The one-line framing spec: parsed once into a typed [`Spec`], printed back
//! by [`Display`](fmt::Display) in canonical form.
//!
//! ```text
//! SPEC   := KIND ( "," OPTION )*
//! KIND   := "fixed:" N | "line" | "crlf" | "delim:" BYTES | LEN
//!         | "tagged:" ENTRY ( "/" ENTRY )* | "eof"
//! LEN    := "u8" | "u16be" | "u16le" | "u32be" | "u32le" | "u64be" | "u64le" | "varint"
//! ENTRY  := TAG "=" ( N | LEN )        TAG: one printable ASCII character or 0xHH
//! OPTION := "max=" SIZE | "offset=" N | "adjust=" [+-]N
//! SIZE   := N | N "KiB" | N "MiB" | N "GiB"
//! BYTES  := text with \n \r \t \0 \\ \xHH escapes (write a comma as \x2c)
//! ```
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
//!
//! No `max` may exceed 1 GiB ([`MAX_LIMIT`]). `offset` is allowed with a length
//! prefix only; `adjust` with a length prefix or `tagged:` (it applies to the
//! nested length fields).
//!
//! Display prints options in the order `max`, `offset`, `adjust`, omits those at
//! their default, and writes sizes in the largest exact unit, so every spec in
//! canonical form prints back to the same text and `parse(display(s)) == s`
//! always holds:
//!
//! ```
//! use framecheck_framing::Spec;
//! for text in ["u32be,offset=1,adjust=-4", "tagged:A=4/B=16/V=u16be,max=4KiB", r"delim:\r\n\r\n"] {
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

const KINDS: &str = "one of fixed:N, line, crlf, delim:BYTES, u8, u16be, u16le, u32be, u32le, u64be, u64le, varint, tagged:TAG=RULE/..., eof";
const OPTIONS: &str = "one of max=SIZE, offset=N, adjust=[+-]N";

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
            Kind::Tagged(_) => DEFAULT_LEN_MAX,
            Kind::Eof => DEFAULT_EOF_MAX,
        }
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
    /// delimiter). A decoder never holds more than `max() + overhead()` bytes.
    pub fn overhead(&self) -> usize {
        match &self.kind {
            Kind::Fixed(_) | Kind::Eof => 0,
            Kind::Line | Kind::Crlf | Kind::Delim(_) => self.delimiter().map_or(0, <[u8]>::len),
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
        if !rest.is_empty() {
            // `rest` starts with ','.
            for opt in rest[1..].split(',') {
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
                        if !matches!(out.kind, Kind::Len(_)) {
                            return Err(self.err(
                                opt,
                                "offset applies only to a length prefix",
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
                        if !matches!(out.kind, Kind::Len(_) | Kind::Tagged(_)) {
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
        Ok(out)
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
        let end = s.find(',').unwrap_or(s.len());
        let (word, rest) = s.split_at(end);
        let kind = match word {
            "line" => Kind::Line,
            "crlf" => Kind::Crlf,
            "eof" => Kind::Eof,
            _ => {
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
        Ok(())
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
}
