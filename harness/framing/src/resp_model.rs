//! The reference model of one RESP frame, for [`model`](crate::model):
//! written apart from the [`Scanner`](crate::resp::Scanner) on purpose. It
//! reads a whole frame from the front of the stream by recursive descent
//! (one call per value, one per aggregate), where the scanner is a state
//! machine fed in pieces; only the rules (the [`RespRule`]s and where each
//! is detected, as the [`resp`](crate::resp) module documents them) are
//! shared. Hidden: not part of the crate's API.
//!
//! Where an error is detected, by byte of the frame:
//!
//! * any byte read outside a bulk string's bytes and a `+`/`-` line's
//!   content: `FrameOverMax` at byte `max`;
//! * a `+`/`-` line: its bytes (and its CR) must lie before byte `max - 2`,
//!   else `FrameOverMax` at `max - 2`; an inline command's before
//!   `min(max, 64 KiB) - 1`, else `InlineTooLong` there;
//! * a length's or count's digit: `LengthOverMax`, `TooManyElements` or
//!   `FrameOverMax` as soon as the value so far cannot fit (each element at
//!   least 3 bytes);
//! * the LF of an aggregate's header: `TooDeep` when `depth` aggregates
//!   are already open.

use std::ops::Range;

use crate::Stage;
use crate::resp::{INLINE_MAX, RespError, RespLimits, RespMode, RespRule};

/// What the front of a stream is under RESP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Found {
    /// A whole frame: its wire length and payload range.
    Frame { len: usize, payload: Range<usize> },
    /// The stream stops inside the frame, in this stage.
    Short(Stage),
    /// The frame breaks a rule.
    Bad(RespError),
}

/// Why a walk stopped early.
enum Stop {
    Short(Stage),
    Bad(usize, RespRule),
}

type W<T> = Result<T, Stop>;

/// The enclosing aggregate of a value.
#[derive(Clone, Copy)]
struct Ctx {
    streamed: bool,
    pairs: bool,
    /// Values read so far in it.
    seen: u64,
}

/// What reading a value ended with.
enum Read {
    /// A value, ending before this index.
    Value(usize),
    /// A `.` that ends the enclosing streamed aggregate, before this index.
    Close(usize),
}

/// A length or count header's meaning.
enum Header {
    Null,
    Streamed,
    Count(u64),
}

struct Walk<'a> {
    b: &'a [u8],
    mode: RespMode,
    lim: RespLimits,
    /// Aggregates open around the value being read.
    open: usize,
}

/// The frame at the front of `rest` (non-empty).
pub(crate) fn frame(mode: RespMode, lim: RespLimits, rest: &[u8]) -> Found {
    let mut w = Walk {
        b: rest,
        mode,
        lim,
        open: 0,
    };
    let stop = |s: Stop| match s {
        Stop::Short(stage) => Found::Short(stage),
        Stop::Bad(at, rule) => Found::Bad(RespError {
            at: u64::try_from(at).unwrap_or(u64::MAX),
            rule,
        }),
    };
    if mode == RespMode::Request && rest[0] != b'*' {
        return match w.inline() {
            Ok(len) => {
                let cr = usize::from(len >= 2 && rest[len - 2] == b'\r');
                Found::Frame {
                    len,
                    payload: 0..len - 1 - cr,
                }
            }
            Err(s) => stop(s),
        };
    }
    match w.value(0, None) {
        Ok(Read::Value(len) | Read::Close(len)) => {
            let bulk_at = match (mode, rest[0]) {
                (RespMode::Request, _) if rest.starts_with(b"*1\r\n") => Some(4),
                (RespMode::Request, _) => None,
                (_, b'$') => Some(0),
                _ => None,
            };
            let whole = Found::Frame {
                len,
                payload: 0..len,
            };
            let Some(at) = bulk_at else { return whole };
            let digits = rest[at + 1..]
                .iter()
                .position(|b| !b.is_ascii_digit())
                .unwrap_or(0);
            if digits == 0 {
                return whole;
            }
            let start = at + 1 + digits + 2;
            Found::Frame {
                len,
                payload: start..len - 2,
            }
        }
        Err(s) => stop(s),
    }
}

impl Walk<'_> {
    /// Byte `i`, read by the byte path: present, then within `max`.
    fn get(&self, i: usize, stage: Stage) -> W<u8> {
        let &b = self.b.get(i).ok_or(Stop::Short(stage))?;
        if i >= self.lim.max {
            return Err(Stop::Bad(i, RespRule::FrameOverMax));
        }
        Ok(b)
    }

    /// An inline command from byte 0: through its LF.
    fn inline(&self) -> W<usize> {
        let cap = self.lim.max.min(INLINE_MAX) - 1;
        if self.b[0] == b'\n' {
            return Ok(1);
        }
        let mut j = 1;
        loop {
            let &b = self.b.get(j).ok_or(Stop::Short(Stage::Delimiter))?;
            if b == b'\n' && j <= cap {
                return Ok(j + 1);
            }
            if j >= cap {
                return Err(Stop::Bad(cap, RespRule::InlineTooLong));
            }
            j += 1;
        }
    }

    /// The CR at `j` was read: the LF must follow.
    fn lf(&self, j: usize) -> W<usize> {
        match self.get(j + 1, Stage::Header)? {
            b'\n' => Ok(j + 2),
            _ => Err(Stop::Bad(j + 1, RespRule::CrWithoutLf)),
        }
    }

    /// One value (attributes before it included) at `at`, inside `ctx`.
    fn value(&mut self, mut at: usize, ctx: Option<Ctx>) -> W<Read> {
        loop {
            let ty = self.get(at, Stage::Header)?;
            if self.mode == RespMode::Request && self.open > 0 && ty != b'$' {
                return Err(Stop::Bad(at, RespRule::RequestNotBulk(ty)));
            }
            if self.mode == RespMode::Resp2 && !b"+-:$*".contains(&ty) {
                return Err(Stop::Bad(at, RespRule::UnknownType(ty)));
            }
            let end = match ty {
                b'+' | b'-' => self.text(at + 1)?,
                b':' | b'(' => self.number(at + 1, ty == b'(')?,
                b',' => self.double(at + 1)?,
                b'#' => self.boolean(at + 1)?,
                b'_' => {
                    let j = at + 1;
                    match self.get(j, Stage::Header)? {
                        b'\r' => self.lf(j)?,
                        b'\n' => return Err(Stop::Bad(j, RespRule::BareLf)),
                        _ => return Err(Stop::Bad(j, RespRule::NullNotEmpty)),
                    }
                }
                b'.' => {
                    let ok = ctx.is_some_and(|c| c.streamed && (!c.pairs || c.seen % 2 == 0));
                    if !ok {
                        return Err(Stop::Bad(at, RespRule::StrayEnd));
                    }
                    let j = at + 1;
                    let end = match self.get(j, Stage::Header)? {
                        b'\r' => self.lf(j)?,
                        b'\n' => return Err(Stop::Bad(j, RespRule::BareLf)),
                        _ => return Err(Stop::Bad(j, RespRule::StrayEnd)),
                    };
                    return Ok(Read::Close(end));
                }
                b'$' | b'!' | b'=' => {
                    let (head, next) = self.header(at, ty)?;
                    match head {
                        Header::Null => next,
                        Header::Streamed => self.chunks(next)?,
                        Header::Count(n) => self.blob(next, n, ty == b'=')?,
                    }
                }
                b'*' | b'~' | b'>' | b'%' | b'|' => {
                    let (head, next) = self.header(at, ty)?;
                    let pairs = matches!(ty, b'%' | b'|');
                    let (streamed, count) = match head {
                        Header::Null => return Ok(Read::Value(next)),
                        Header::Streamed => (true, 0),
                        Header::Count(n) => (false, n * if pairs { 2 } else { 1 }),
                    };
                    // `next - 1` is the header's LF.
                    if self.open >= self.lim.depth {
                        return Err(Stop::Bad(next - 1, RespRule::TooDeep));
                    }
                    let end = if streamed || count > 0 {
                        self.aggregate(next, streamed, pairs, count)?
                    } else {
                        next
                    };
                    if ty == b'|' {
                        // The value it describes follows, in its place.
                        at = end;
                        continue;
                    }
                    end
                }
                _ => return Err(Stop::Bad(at, RespRule::UnknownType(ty))),
            };
            return Ok(Read::Value(end));
        }
    }

    /// The elements of an aggregate from `k`: `count` of them, or until `.`.
    fn aggregate(&mut self, mut k: usize, streamed: bool, pairs: bool, count: u64) -> W<usize> {
        self.open += 1;
        let mut ctx = Ctx {
            streamed,
            pairs,
            seen: 0,
        };
        loop {
            if !streamed && ctx.seen == count {
                break;
            }
            match self.value(k, Some(ctx))? {
                Read::Value(end) => {
                    k = end;
                    ctx.seen += 1;
                }
                Read::Close(end) => {
                    k = end;
                    break;
                }
            }
        }
        self.open -= 1;
        Ok(k)
    }

    /// A `+`/`-` line's content from `j`, through its LF.
    fn text(&self, mut j: usize) -> W<usize> {
        let cap = self.lim.max.saturating_sub(2);
        loop {
            let &b = self.b.get(j).ok_or(Stop::Short(Stage::Header))?;
            let end = b == b'\r' || b == b'\n';
            if (end && j > cap) || (!end && j >= cap) {
                return Err(Stop::Bad(cap, RespRule::FrameOverMax));
            }
            match b {
                b'\r' => return self.lf(j),
                b'\n' => return Err(Stop::Bad(j, RespRule::BareLf)),
                _ => j += 1,
            }
        }
    }

    /// A line's end at `j` when its content is `complete`, else `bad`.
    fn line_end(&self, j: usize, b: u8, complete: bool, bad: RespRule) -> W<usize> {
        match b {
            b'\r' if complete => self.lf(j),
            b'\r' => Err(Stop::Bad(j, bad)),
            _ => Err(Stop::Bad(j, RespRule::BareLf)),
        }
    }

    /// `:` (64-bit) or `(` (any size) from `j`.
    fn number(&self, mut j: usize, big: bool) -> W<usize> {
        let bad = if big {
            RespRule::BadBigNumber
        } else {
            RespRule::BadInteger
        };
        let (mut signed, mut neg, mut digits, mut value) = (false, false, 0u32, 0i128);
        loop {
            let b = self.get(j, Stage::Header)?;
            match b {
                b'\r' | b'\n' => return self.line_end(j, b, digits > 0, bad),
                b'+' | b'-' if digits == 0 && !signed => {
                    signed = true;
                    neg = b == b'-';
                }
                b'0'..=b'9' => {
                    digits += 1;
                    if !big {
                        value = value * 10 + i128::from(b - b'0');
                        let limit = if neg {
                            i128::from(i64::MAX) + 1
                        } else {
                            i128::from(i64::MAX)
                        };
                        if value > limit {
                            return Err(Stop::Bad(j, bad));
                        }
                    }
                }
                _ => return Err(Stop::Bad(j, bad)),
            }
            j += 1;
        }
    }

    /// `,`: the line from `j` must be a whole RESP3 double.
    fn double(&self, start: usize) -> W<usize> {
        let mut j = start;
        loop {
            let b = self.get(j, Stage::Header)?;
            if b == b'\r' || b == b'\n' {
                let complete = is_double(&self.b[start..j]);
                return self.line_end(j, b, complete, RespRule::BadDouble);
            }
            // A prefix of no double at all fails at its last byte.
            if !double_prefix(&self.b[start..=j]) {
                return Err(Stop::Bad(j, RespRule::BadDouble));
            }
            j += 1;
        }
    }

    /// `#`: `t` or `f`.
    fn boolean(&self, j: usize) -> W<usize> {
        let b = self.get(j, Stage::Header)?;
        if b == b'\r' || b == b'\n' {
            return self.line_end(j, b, false, RespRule::BadBoolean);
        }
        if b != b't' && b != b'f' {
            return Err(Stop::Bad(j, RespRule::BadBoolean));
        }
        let b = self.get(j + 1, Stage::Header)?;
        if b == b'\r' || b == b'\n' {
            return self.line_end(j + 1, b, true, RespRule::BadBoolean);
        }
        Err(Stop::Bad(j + 1, RespRule::BadBoolean))
    }

    /// A length or count after the type byte `ty` at `at`: what it says,
    /// and the index after its LF.
    fn header(&self, at: usize, ty: u8) -> W<(Header, usize)> {
        let (mut neg, mut streamed, mut digits, mut value) = (false, false, 0u32, 0u64);
        let mut pos = at + 1;
        loop {
            let b = self.get(pos, Stage::Header)?;
            match b {
                b'\r' | b'\n' => {
                    if digits == 0 && !streamed {
                        return Err(Stop::Bad(pos, RespRule::BadLength));
                    }
                    if ty == b'=' && !neg && value < 4 {
                        return Err(Stop::Bad(pos, RespRule::VerbatimFormat));
                    }
                    if b == b'\n' {
                        return Err(Stop::Bad(pos, RespRule::BareLf));
                    }
                    let end = self.lf(pos)?;
                    let found = if neg {
                        Header::Null
                    } else if streamed {
                        Header::Streamed
                    } else {
                        Header::Count(value)
                    };
                    return Ok((found, end));
                }
                b'?' if digits == 0 && !neg && !streamed => {
                    if self.mode != RespMode::Value || !b"$*~%>".contains(&ty) {
                        return Err(Stop::Bad(pos, RespRule::StreamNotAllowed));
                    }
                    streamed = true;
                }
                b'-' if digits == 0 && !neg && !streamed => {
                    let ok = match self.mode {
                        RespMode::Request => ty == b'*' && self.open == 0,
                        _ => ty == b'$' || ty == b'*',
                    };
                    if !ok {
                        return Err(Stop::Bad(pos, RespRule::NullNotAllowed));
                    }
                    neg = true;
                }
                b'0'..=b'9' if !streamed => {
                    if neg {
                        if digits > 0 || b != b'1' {
                            return Err(Stop::Bad(pos, RespRule::NullNotAllowed));
                        }
                        digits = 1;
                    } else {
                        if digits == 1 && value == 0 {
                            return Err(Stop::Bad(pos, RespRule::LeadingZero));
                        }
                        value = value
                            .checked_mul(10)
                            .and_then(|v| v.checked_add(u64::from(b - b'0')))
                            .unwrap_or(u64::MAX);
                        digits += 1;
                        self.fits(pos + 1, ty, value)
                            .map_err(|r| Stop::Bad(pos, r))?;
                    }
                }
                _ => return Err(Stop::Bad(pos, RespRule::BadLength)),
            }
            pos += 1;
        }
    }

    /// Whether a length or count `value` whose last digit ends the first
    /// `len` bytes of the frame can fit.
    fn fits(&self, len: usize, t: u8, value: u64) -> Result<(), RespRule> {
        let max = u128::try_from(self.lim.max).unwrap_or(u128::MAX);
        // The header's CRLF comes at least.
        let used = u128::try_from(len).unwrap_or(u128::MAX) + 2;
        let value = u128::from(value);
        if matches!(t, b'$' | b'!' | b'=' | b';') {
            if value > max {
                return Err(RespRule::LengthOverMax);
            }
            if used + value + 2 > max {
                return Err(RespRule::FrameOverMax);
            }
        } else {
            let elements = value * if matches!(t, b'%' | b'|') { 2 } else { 1 };
            if elements > u128::try_from(self.lim.elements).unwrap_or(u128::MAX) {
                return Err(RespRule::TooManyElements);
            }
            if used + elements * 3 > max {
                return Err(RespRule::FrameOverMax);
            }
        }
        Ok(())
    }

    /// `n` bulk bytes from `k`, then CRLF.
    fn blob(&self, k: usize, n: u64, verbatim: bool) -> W<usize> {
        let n = usize::try_from(n).map_err(|_| Stop::Bad(k, RespRule::LengthOverMax))?;
        if verbatim && self.b.len() > k + 3 && self.b[k + 3] != b':' {
            return Err(Stop::Bad(k + 3, RespRule::VerbatimFormat));
        }
        if self.b.len() < k + n {
            return Err(Stop::Short(Stage::Body));
        }
        if self.get(k + n, Stage::Body)? != b'\r' {
            return Err(Stop::Bad(k + n, RespRule::BlobNotEnded));
        }
        if self.get(k + n + 1, Stage::Body)? != b'\n' {
            return Err(Stop::Bad(k + n + 1, RespRule::BlobNotEnded));
        }
        Ok(k + n + 2)
    }

    /// A streamed string's chunks from `k`, through the empty one.
    fn chunks(&self, mut k: usize) -> W<usize> {
        loop {
            if self.get(k, Stage::Header)? != b';' {
                return Err(Stop::Bad(k, RespRule::ChunkNotSemicolon));
            }
            match self.header(k, b';')? {
                (Header::Count(0), end) => return Ok(end),
                (Header::Count(n), end) => k = self.blob(end, n, false)?,
                (_, end) => return Ok(end),
            }
        }
    }
}

/// Whether `s` is a whole RESP3 double: `[+|-]digits[.digits][(e|E)[+|-]digits]`,
/// `inf`, `-inf`, `+inf` or `nan`.
fn is_double(s: &[u8]) -> bool {
    let unsigned = s.strip_prefix(b"+").or_else(|| s.strip_prefix(b"-"));
    if s == b"nan" || unsigned.unwrap_or(s) == b"inf" {
        return true;
    }
    let body = unsigned.unwrap_or(s);
    let (mantissa, exp) = match body.iter().position(|&b| b == b'e' || b == b'E') {
        Some(e) => (&body[..e], Some(&body[e + 1..])),
        None => (body, None),
    };
    let (int, frac) = match mantissa.iter().position(|&b| b == b'.') {
        Some(d) => (&mantissa[..d], Some(&mantissa[d + 1..])),
        None => (mantissa, None),
    };
    let digits = |d: &[u8]| !d.is_empty() && d.iter().all(u8::is_ascii_digit);
    let exp_ok = exp.is_none_or(|e| {
        digits(
            e.strip_prefix(b"+")
                .or_else(|| e.strip_prefix(b"-"))
                .unwrap_or(e),
        )
    });
    digits(int) && frac.is_none_or(digits) && exp_ok
}

/// Whether some double starts with `s`.
fn double_prefix(s: &[u8]) -> bool {
    // A prefix of a double is one when some completion makes it whole:
    // try the few endings that complete every partial form.
    [&b""[..], b"0", b"f", b"nf", b"n", b"an", b"e0", b"0e0"]
        .iter()
        .any(|tail| is_double(&[s, tail].concat()))
}
