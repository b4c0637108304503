//! The header section: start line and field lines (RFC 9112 sections 2 to 5).

use std::ops::Range;

use wide::u8x16;

use super::length::LengthFields;
use super::simd::{Avx2, Classes, Classify};
use super::{Http1, Problem, Role, StartLine, Version, is_tchar, is_vchar};

/// One field line: name and value (without surrounding whitespace) as
/// ranges of the message's bytes. A value continued by obs-fold (lenient)
/// spans the fold's CRLF and whitespace.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Field {
    /// The field name.
    pub name: Range<usize>,
    /// The field value, trimmed of optional whitespace.
    pub value: Range<usize>,
}

/// A parsed header section.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Head {
    /// The start line.
    pub start: StartLine,
    /// The field lines, in order, duplicates kept.
    pub fields: Vec<Field>,
    /// The header section's length, up to and with its empty line.
    pub len: usize,
}

impl Head {
    /// Parse the header section at the start of `bytes` under `cfg` (its
    /// role, reading and limits): `None` while it is incomplete (and within
    /// `cfg.head`), the head once its empty line is in, or the first problem.
    /// A problem is found in a line only once the line is whole, so every
    /// prefix of `bytes` gives `None`, the same head or the same problem.
    ///
    /// ```
    /// use framecheck_framing::http1::{Head, Http1, Role};
    /// let wire = b"GET /x HTTP/1.1\r\nHost: a\r\nX: 1\r\nX: 2\r\n\r\nbody";
    /// let head = Head::parse(wire, &Http1::new(Role::Request))?.unwrap();
    /// assert_eq!(head.len, wire.len() - 4);
    /// assert_eq!(head.method(wire), Some(&b"GET"[..]));
    /// let x: Vec<&[u8]> = head.values(wire, b"x").collect();
    /// assert_eq!(x, [&b"1"[..], b"2"]);
    /// assert_eq!(Head::parse(&wire[..20], &Http1::new(Role::Request))?, None);
    /// # Ok::<(), framecheck_framing::http1::Problem>(())
    /// ```
    pub fn parse(bytes: &[u8], cfg: &Http1) -> Result<Option<Head>, Problem> {
        let mut scan = HeadScan::new(true);
        Ok(scan.advance(bytes, cfg)?.map(|len| Head {
            start: scan.start.take().unwrap_or(StartLine::Request {
                method: 0..0,
                target: 0..0,
                version: Version::Http11,
            }),
            fields: scan.collected.take().unwrap_or_default(),
            len,
        }))
    }

    /// The request method, for a request.
    pub fn method<'a>(&self, wire: &'a [u8]) -> Option<&'a [u8]> {
        match &self.start {
            StartLine::Request { method, .. } => wire.get(method.clone()),
            StartLine::Response { .. } => None,
        }
    }

    /// The status code, for a response.
    pub fn status(&self) -> Option<u16> {
        match self.start {
            StartLine::Response { status, .. } => Some(status),
            StartLine::Request { .. } => None,
        }
    }

    /// The values of every field named `name` (case-insensitive), in order.
    pub fn values<'a, 'n>(
        &'a self,
        wire: &'a [u8],
        name: &'n [u8],
    ) -> impl Iterator<Item = &'a [u8]> + use<'a, 'n> {
        self.fields
            .iter()
            .filter(move |f| wire[f.name.clone()].eq_ignore_ascii_case(name))
            .map(move |f| &wire[f.value.clone()])
    }

    /// The framing fields (Content-Length, Transfer-Encoding) of this head.
    pub fn length_fields(&self, wire: &[u8]) -> LengthFields {
        let mut lf = LengthFields::default();
        for f in &self.fields {
            lf.field(&wire[f.name.clone()], &wire[f.value.clone()]);
        }
        lf
    }
}

/// A resumable header-section scanner: it processes whole lines from where
/// it stopped, so feeding it growing prefixes of a message costs each line
/// once. Positions are relative to the message's first byte.
#[derive(Debug, Clone)]
pub(crate) struct HeadScan {
    /// Where the next unprocessed line starts.
    pos: usize,
    /// How far the line at `pos` is known to hold no LF: a line that
    /// arrives a byte at a time is searched once, not once per byte.
    scanned: usize,
    /// The start line, once parsed.
    pub(crate) start: Option<StartLine>,
    /// The last field line, which an obs-fold may yet continue.
    pending: Option<Field>,
    /// Field lines so far.
    count: usize,
    /// What the framing fields say.
    pub(crate) lengths: LengthFields,
    /// Every field, when asked for.
    collected: Option<Vec<Field>>,
}

impl HeadScan {
    /// A scanner at the start of a message; `collect` keeps every field.
    pub(crate) fn new(collect: bool) -> HeadScan {
        HeadScan {
            pos: 0,
            scanned: 0,
            start: None,
            pending: None,
            count: 0,
            lengths: LengthFields::default(),
            collected: collect.then(Vec::new),
        }
    }

    /// Process the whole lines of `buf` (the message's bytes so far) not
    /// yet seen: the header section's length once its empty line is in.
    #[expect(
        clippy::too_many_lines,
        reason = "one loop over the three paths (blocks, one line, exact) in the order that makes them agree"
    )]
    pub(crate) fn advance(&mut self, buf: &[u8], cfg: &Http1) -> Result<Option<usize>, Problem> {
        // At a strict request's start: its well-formed lines in one pass
        // without the resumable bookkeeping, the whole head if it is all
        // such lines. From the first line the pass does not take (a cut
        // line, a problem, a tab) on, the line-by-line path below goes on,
        // which gives the same answer for the lines the pass took.
        // Where the block scan last stopped: that line is for the exact path.
        let mut stopped = None;
        if self.pos == 0 && self.scanned == 0 && self.start.is_none() && !cfg.lenient {
            if let Some(len) = self.whole(buf, cfg) {
                return Ok(Some(len));
            }
            stopped = self.start.is_some().then_some(self.pos);
        }
        loop {
            let pos = self.pos;
            // The fast path: a well-formed line ending in CRLF within the
            // limit, judged in one pass; anything else takes the exact path
            // below, which gives the same answer for such a line. (Not for a
            // line already found cut: the exact path resumes its search.)
            if self.scanned > pos {
                // Cut before: only the exact path, from where it stopped.
            } else if let (Some(avx2), Some(_), false, true) = (
                Avx2::detect(),
                &self.start,
                cfg.lenient,
                stopped != Some(pos),
            ) {
                // Strict: a pending field is whole (a fold is an error).
                self.flush(buf);
                if let Some(len) = self.blocks_with(avx2, buf, cfg) {
                    return Ok(Some(len));
                }
                // The line the block scan did not take: the exact path.
                stopped = Some(self.pos);
            } else if self.start.is_some() {
                if buf.get(pos..pos + 2) == Some(b"\r\n") && pos + 2 <= cfg.head {
                    self.flush(buf);
                    self.pos = pos + 2;
                    return Ok(Some(pos + 2));
                }
                if let Some((field, end)) = fast_field(buf, pos) {
                    if end <= cfg.head && self.count < cfg.headers {
                        self.flush(buf);
                        self.count += 1;
                        self.pos = end;
                        if cfg.lenient {
                            // An obs-fold may yet continue it.
                            self.pending = Some(field);
                        } else {
                            self.record(buf, field);
                        }
                        continue;
                    }
                }
            } else if let Some((start, end)) = fast_request_line(buf, pos, cfg) {
                if end <= cfg.head {
                    self.start = Some(start);
                    self.pos = end;
                    continue;
                }
            }
            let pos = self.pos;
            let from = self.scanned.max(pos).min(buf.len());
            let window = &buf[from..buf.len().min(cfg.head).max(from)];
            let Some(lf) = memchr::memchr(b'\n', window) else {
                if buf.len() > cfg.head {
                    return Err(Problem::HeadTooLarge(cfg.head));
                }
                self.scanned = from + window.len();
                return Ok(None);
            };
            let lf = from + lf - pos;
            let end = pos + lf + 1;
            let line = &buf[pos..pos + lf];
            let line = match line.split_last() {
                Some((b'\r', content)) => content,
                _ if cfg.lenient => line,
                _ => return Err(Problem::BareLf),
            };
            self.pos = end;
            if self.start.is_none() {
                // Section 2.2: a server SHOULD ignore empty lines before a
                // request line (lenient; they stay in the frame's head).
                if line.is_empty() && cfg.lenient && cfg.role == Role::Request {
                    continue;
                }
                self.start = Some(start_line(line, pos, cfg)?);
                continue;
            }
            match line.first() {
                None => {
                    self.flush(buf);
                    return Ok(Some(end));
                }
                Some(b' ' | b'\t') => {
                    if self.count == 0 {
                        return Err(Problem::WhitespaceAfterStartLine);
                    }
                    if !cfg.lenient {
                        return Err(Problem::ObsFold);
                    }
                    let value = trim(line, pos);
                    check_value(&buf[value.clone()])?;
                    if let Some(p) = &mut self.pending {
                        if !value.is_empty() {
                            if p.value.is_empty() {
                                p.value.start = value.start;
                            }
                            p.value.end = value.end;
                        }
                    }
                }
                Some(_) => {
                    self.flush(buf);
                    self.count += 1;
                    if self.count > cfg.headers {
                        return Err(Problem::TooManyFields(cfg.headers));
                    }
                    self.pending = Some(field_line(line, pos, cfg)?);
                }
            }
        }
    }

    /// [`HeadScan::advance`]'s one-pass path, for a strict scanner at the
    /// start of a request: the request line and the well-formed field lines
    /// ending in CRLF that follow it, taken without the line-by-line
    /// bookkeeping. The scanner is left as the line-by-line path would
    /// leave it after those lines; the header section's length if its empty
    /// line was reached, else `None` (a cut line or anything the fast path
    /// does not take: the line-by-line path goes on from there).
    #[inline]
    fn whole(&mut self, buf: &[u8], cfg: &Http1) -> Option<usize> {
        if let Some(avx2) = Avx2::detect() {
            return self.whole_with(avx2, buf, cfg);
        }
        // The head ends within the limit: nothing past it is looked at.
        let buf = &buf[..buf.len().min(cfg.head)];
        let (start, mut pos) = fast_request_line(buf, 0, cfg)?;
        let mut lengths = LengthFields::default();
        let mut count = 0;
        let done = loop {
            if buf.get(pos..pos + 2) == Some(b"\r\n") {
                pos += 2;
                break true;
            }
            if count == cfg.headers {
                break false;
            }
            let Some((f, end)) = fast_field(buf, pos) else {
                break false;
            };
            count += 1;
            pos = end;
            lengths.field(&buf[f.name.clone()], &buf[f.value.clone()]);
            if let Some(all) = &mut self.collected {
                all.push(f);
            }
        };
        self.start = Some(start);
        self.lengths = lengths;
        self.count = count;
        self.pos = pos;
        done.then_some(pos)
    }

    /// The one-pass path over blocks of 64 bytes: from `self.pos` (a line's
    /// start, after the start line; strict, nothing pending) the field lines
    /// [`fast_field`] takes, found from two bit masks per block (control
    /// bytes; bytes that are not tchar) with no per-line scan: a line's name
    /// ends at its first non-tchar byte, which must be its colon, and its
    /// value at its first control byte, which must be the CR of CRLF. The
    /// scanner is left after the lines taken, as the line-by-line path
    /// would leave it; the header section's length if its empty line was
    /// reached, else `None` (the line at `self.pos` is for the exact path).
    #[inline(always)]
    #[expect(
        clippy::inline_always,
        reason = "the scan's loop, inlined into `advance` like the one-line fast path it replaces (see fast_field)"
    )]
    fn blocks_with<C: Classify>(&mut self, c: C, buf: &[u8], cfg: &Http1) -> Option<usize> {
        // The head ends within the limit: nothing past it is looked at.
        let buf = &buf[..buf.len().min(cfg.head)];
        let mut blocks = Blocks::new(c, buf, self.pos);
        self.fields_with(&mut blocks, buf, cfg)
    }

    /// [`HeadScan::whole`] over blocks: at a strict request's start, the
    /// request line (its method ends at the first non-tchar byte, which
    /// must be SP) and then [`HeadScan::blocks_with`]'s field lines, from
    /// the same blocks. `None` with no start line if the request line is
    /// not one [`fast_request_line`] takes.
    #[inline(always)]
    #[expect(clippy::inline_always, reason = "see HeadScan::blocks_with")]
    fn whole_with<C: Classify>(&mut self, c: C, buf: &[u8], cfg: &Http1) -> Option<usize> {
        if cfg.role != Role::Request {
            return None;
        }
        let buf = &buf[..buf.len().min(cfg.head)];
        let mut blocks = Blocks::new(c, buf, 0);
        let (start, end) = after_method(buf, blocks.next(0, |k| k.delim))?;
        self.start = Some(start);
        self.pos = end;
        self.fields_with(&mut blocks, buf, cfg)
    }

    /// The field lines of [`HeadScan::blocks_with`], from `blocks` (at or
    /// before `self.pos`) over `buf` (cut at the head's limit).
    #[inline(always)]
    #[expect(clippy::inline_always, reason = "see HeadScan::blocks_with")]
    fn fields_with<C: Classify>(
        &mut self,
        blocks: &mut Blocks<'_, C>,
        buf: &[u8],
        cfg: &Http1,
    ) -> Option<usize> {
        let mut pos = self.pos;
        let mut count = self.count;
        let done = loop {
            if buf.get(pos..pos + 2) == Some(b"\r\n") {
                pos += 2;
                break true;
            }
            if count >= cfg.headers {
                break false;
            }
            let colon = blocks.next(pos, |k| k.delim);
            if colon == pos || buf.get(colon) != Some(&b':') {
                break false;
            }
            let cr = blocks.next(colon + 1, |k| k.ctl);
            if buf.get(cr..cr + 2) != Some(b"\r\n") {
                break false;
            }
            // Only the framing fields' values matter, unless collecting.
            let name = &buf[pos..colon];
            let (cl, te) = match name.len() {
                14 => (token_is(name, b"content-length"), false),
                17 => (false, token_is(name, b"transfer-encoding")),
                _ => (false, false),
            };
            if cl || te || self.collected.is_some() {
                let mut v = colon + 1;
                while buf[v] == b' ' {
                    v += 1;
                }
                let mut end = cr;
                while end > v && buf[end - 1] == b' ' {
                    end -= 1;
                }
                if cl {
                    self.lengths.content_length_value(&buf[v..end]);
                } else if te {
                    self.lengths.transfer_encoding(&buf[v..end]);
                }
                if let Some(all) = &mut self.collected {
                    all.push(Field {
                        name: pos..colon,
                        value: v..end,
                    });
                }
            }
            count += 1;
            pos = cr + 2;
        };
        self.count = count;
        self.pos = pos;
        done.then_some(pos)
    }

    /// Record a whole field.
    #[inline]
    fn record(&mut self, buf: &[u8], f: Field) {
        self.lengths
            .field(&buf[f.name.clone()], &buf[f.value.clone()]);
        if let Some(all) = &mut self.collected {
            all.push(f);
        }
    }

    /// Record the pending field: it is whole.
    #[inline]
    fn flush(&mut self, buf: &[u8]) {
        if let Some(f) = self.pending.take() {
            self.record(buf, f);
        }
    }
}

/// The classes of a message's bytes a block at a time, for searches that
/// only move forward.
struct Blocks<'a, C> {
    c: C,
    buf: &'a [u8],
    /// Where the current block starts.
    base: usize,
    classes: Classes,
}

impl<'a, C: Classify> Blocks<'a, C> {
    #[inline(always)]
    #[expect(clippy::inline_always, reason = "see HeadScan::blocks_with")]
    fn new(c: C, buf: &'a [u8], at: usize) -> Self {
        let mut b = Blocks {
            c,
            buf,
            base: at,
            classes: Classes { ctl: 0, delim: 0 },
        };
        b.load(at);
        b
    }

    /// Classify the 64 bytes at `at`; past the end, NUL (both classes), so
    /// a search ends at the end of `buf` at the latest.
    #[inline(always)]
    #[expect(clippy::inline_always, reason = "see HeadScan::blocks_with")]
    fn load(&mut self, at: usize) {
        self.base = at;
        self.classes = match self.buf.get(at..at + 64).and_then(|b| b.try_into().ok()) {
            Some(block) => self.c.classes(block),
            None => self.tail(at),
        };
    }

    /// The classes of the last bytes of `buf`, from `at`, padded with NUL.
    #[cold]
    #[inline(never)]
    fn tail(&self, at: usize) -> Classes {
        let mut pad = [0u8; 64];
        let rest = self.buf.get(at..).unwrap_or_default();
        pad[..rest.len()].copy_from_slice(rest);
        self.c.classes(&pad)
    }

    /// The first byte at or after `from` (not before the current block)
    /// whose bit `class` sets: at most the end of `buf`.
    #[inline(always)]
    #[expect(clippy::inline_always, reason = "see HeadScan::blocks_with")]
    fn next(&mut self, mut from: usize, class: impl Fn(&Classes) -> u64) -> usize {
        debug_assert!(from >= self.base);
        loop {
            if from - self.base < 64 {
                let bits = class(&self.classes) >> (from - self.base);
                if bits != 0 {
                    return from + bits.trailing_zeros() as usize;
                }
                from = self.base + 64;
            }
            self.load(from);
        }
    }
}

/// Whether the field name `name`, all tchar, is `lower` (lowercase letters
/// and `-`, 8 to 24 bytes, as long as `name`) in any case: eight bytes at a
/// time, each byte with its bit 0x20 set. For a tchar that maps a letter of either
/// case to its lowercase and keeps `-`; no other tchar becomes a letter or
/// `-` (0x20 less than `-` is CR, which is not a tchar).
#[inline(always)]
fn token_is(name: &[u8], lower: &[u8]) -> bool {
    const CASE: u64 = 0x2020_2020_2020_2020;
    let word = |s: &[u8], i: usize| {
        u64::from_le_bytes(
            s.get(i..i + 8)
                .and_then(|w| w.try_into().ok())
                .unwrap_or([0; 8]),
        )
    };
    let n = lower.len();
    debug_assert!(name.len() == n && (8..=24).contains(&n));
    (word(name, 0) | CASE) == word(lower, 0)
        && (n <= 16 || (word(name, 8) | CASE) == word(lower, 8))
        && (word(name, n - 8) | CASE) == word(lower, n - 8)
}

/// A field line at `pos` that is well formed and ends in CRLF: the field
/// and where the line ends; `None` for anything else (a cut line, a tab in
/// the value, whitespace before the colon, any problem), which the exact
/// path judges.
#[inline(always)]
#[expect(
    clippy::inline_always,
    reason = "called per field line from two loops; measured: out of line, its result returns through memory"
)]
fn fast_field(buf: &[u8], pos: usize) -> Option<(Field, usize)> {
    let line = buf.get(pos..)?;
    // The colon or the first control byte, whichever comes first.
    let name_len = first_flagged(line, 0x20, b':')?;
    // Branch-free: every name byte a token byte.
    let name_ok = line[..name_len]
        .iter()
        .fold(true, |ok, &b| ok & is_tchar(b));
    if name_len == 0 || !name_ok || line[name_len] != b':' {
        return None;
    }
    let mut v = name_len + 1;
    while line.get(v) == Some(&b' ') {
        v += 1;
    }
    let ctl = v + first_control(&line[v..])?;
    if line.get(ctl..ctl + 2) != Some(b"\r\n") {
        return None;
    }
    let mut end = ctl;
    while end > v && line[end - 1] == b' ' {
        end -= 1;
    }
    Some((
        Field {
            name: pos..pos + name_len,
            value: pos + v..pos + end,
        },
        pos + ctl + 2,
    ))
}

/// A request line at the start of `buf` that is well formed and ends in
/// CRLF, for a request spec: the start line and where it ends.
#[inline]
fn fast_request_line(buf: &[u8], pos: usize, cfg: &Http1) -> Option<(StartLine, usize)> {
    if cfg.role != Role::Request || pos != 0 {
        return None;
    }
    after_method(buf, buf.iter().position(|&b| !is_tchar(b))?)
}

/// The rest of a request line at the start of `buf` whose method ends at
/// `m`, the first byte that is not tchar: SP, the target (visible ASCII), SP
/// and `HTTP/1.1` or `HTTP/1.0` with CRLF; the start line and where it ends.
#[inline(always)]
#[expect(
    clippy::inline_always,
    reason = "measured: out of line, its start line returns through memory (a store-forwarding stall per message)"
)]
fn after_method(buf: &[u8], m: usize) -> Option<(StartLine, usize)> {
    if m == 0 || buf.get(m) != Some(&b' ') {
        return None;
    }
    let t = m + 1;
    // The target: visible ASCII up to its space, in one scan.
    let t_len = first_not_graphic(buf.get(t..)?)?;
    if t_len == 0 || buf.get(t + t_len) != Some(&b' ') {
        return None;
    }
    let v = t + t_len + 1;
    let version = match buf.get(v..v + 10)? {
        b"HTTP/1.1\r\n" => Version::Http11,
        b"HTTP/1.0\r\n" => Version::Http10,
        _ => return None,
    };
    Some((
        StartLine::Request {
            method: 0..m,
            target: t..t + t_len,
            version,
        },
        v + 10,
    ))
}

/// Where the first control byte (below 0x20, or DEL) of `bytes` is, sixteen
/// bytes at a time; `None` if there is none.
#[inline]
pub(super) fn first_control(bytes: &[u8]) -> Option<usize> {
    first_flagged(bytes, 0x20, 0)
}

/// Where the first byte of `bytes` that is not visible ASCII (a control
/// byte, SP, DEL or obs-text) is, sixteen bytes a step.
#[inline]
fn first_not_graphic(bytes: &[u8]) -> Option<usize> {
    let (space, tilde) = (u8x16::splat(b' '), u8x16::splat(b'~'));
    // At most SP: its own minimum with SP; above `~`: not its own minimum
    // with `~`.
    first_where(
        bytes,
        |v| v.min(space).cmp_eq(v) | !v.min(tilde).cmp_eq(v),
        |b| !b.is_ascii_graphic(),
    )
}

/// Where the first byte of `bytes` below `n` (1 to 0x80), DEL or `also` is
/// (`also` 0 adds nothing: NUL is below `n`), sixteen bytes a step.
#[inline]
fn first_flagged(bytes: &[u8], n: u8, also: u8) -> Option<usize> {
    let (below, del, extra) = (
        u8x16::splat(n.saturating_sub(1)),
        u8x16::splat(0x7f),
        u8x16::splat(also),
    );
    // A byte at most n - 1 is its own minimum with n - 1.
    first_where(
        bytes,
        |v| v.min(below).cmp_eq(v) | v.cmp_eq(del) | v.cmp_eq(extra),
        |b| b < n || b == 0x7f || b == also,
    )
}

/// Where the first byte of `bytes` that `flags` marks is: sixteen bytes a
/// step with SSE2 compares and a move-mask (`wide`, safe SIMD; portable code
/// elsewhere), `byte` (the same test, a byte at a time) for the last few.
#[inline(always)]
#[expect(
    clippy::inline_always,
    reason = "the body of the 16-byte scans, whose compares must inline into it"
)]
fn first_where(
    bytes: &[u8],
    flags: impl Fn(u8x16) -> u8x16,
    byte: impl Fn(u8) -> bool,
) -> Option<usize> {
    let mut blocks = bytes.chunks_exact(16);
    let mut at = 0;
    for block in &mut blocks {
        let mask = flags(u8x16::new(block.try_into().unwrap_or([0; 16]))).move_mask();
        if mask != 0 {
            // At most 15: the cast cannot truncate.
            return Some(at + mask.trailing_zeros() as usize);
        }
        at += 16;
    }
    blocks
        .remainder()
        .iter()
        .position(|&b| byte(b))
        .map(|i| at + i)
}

/// `line` (at `at` in the message, without its line end) as a field line.
#[inline]
fn field_line(line: &[u8], at: usize, cfg: &Http1) -> Result<Field, Problem> {
    let colon = memchr::memchr(b':', line).ok_or(Problem::BadFieldName)?;
    let mut name = &line[..colon];
    if let Some(&(b' ' | b'\t')) = name.last() {
        if !(cfg.lenient && cfg.role == Role::Response) {
            return Err(Problem::WhitespaceBeforeColon);
        }
        while let Some((b' ' | b'\t', rest)) = name.split_last() {
            name = rest;
        }
    }
    if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
        return Err(Problem::BadFieldName);
    }
    let value = trim(&line[colon + 1..], at + colon + 1);
    check_value(&line[value.start - at..value.end - at])?;
    Ok(Field {
        name: at..at + name.len(),
        value,
    })
}

/// The range of `bytes` (at `at`) without leading and trailing SP / HTAB.
#[inline]
fn trim(bytes: &[u8], at: usize) -> Range<usize> {
    let ws = |b: &u8| *b == b' ' || *b == b'\t';
    let Some(first) = bytes.iter().position(|b| !ws(b)) else {
        return at + bytes.len()..at + bytes.len();
    };
    let last = bytes.iter().rposition(|b| !ws(b)).unwrap_or(first);
    at + first..at + last + 1
}

/// A field value: SP, HTAB, VCHAR, obs-text. The first other byte (a
/// control byte but HTAB, or DEL) is the error, found sixteen bytes a step.
#[inline]
fn check_value(value: &[u8]) -> Result<(), Problem> {
    let mut rest = value;
    while let Some(i) = first_control(rest) {
        match rest[i] {
            b'\t' => rest = &rest[i + 1..],
            b'\r' => return Err(Problem::BareCr),
            _ => return Err(Problem::BadFieldValue),
        }
    }
    Ok(())
}

fn version(bytes: &[u8]) -> Result<Version, Problem> {
    match bytes {
        b"HTTP/1.1" => Ok(Version::Http11),
        b"HTTP/1.0" => Ok(Version::Http10),
        [b'H', b'T', b'T', b'P', b'/', a, b'.', b] if a.is_ascii_digit() && b.is_ascii_digit() => {
            Err(Problem::BadVersion)
        }
        _ => Err(Problem::BadRequestLine),
    }
}

fn start_line(line: &[u8], at: usize, cfg: &Http1) -> Result<StartLine, Problem> {
    if line.contains(&b'\r') {
        return Err(Problem::BareCr);
    }
    match cfg.role {
        Role::Request => {
            let sp = memchr::memchr(b' ', line).ok_or(Problem::BadRequestLine)?;
            let method = &line[..sp];
            if method.is_empty() || !method.iter().all(|&b| is_tchar(b)) {
                return Err(Problem::BadRequestLine);
            }
            let rest = &line[sp + 1..];
            let sp2 = memchr::memchr(b' ', rest).ok_or(Problem::BadRequestLine)?;
            let target = &rest[..sp2];
            // RFC 3986 URIs are ASCII: visible ASCII only (no obs-text).
            if target.is_empty() || !target.iter().all(|&b| b.is_ascii_graphic()) {
                return Err(Problem::BadRequestLine);
            }
            let v = version(&rest[sp2 + 1..])?;
            let t = at + sp + 1;
            Ok(StartLine::Request {
                method: at..at + sp,
                target: t..t + sp2,
                version: v,
            })
        }
        Role::Response => {
            let bad = Problem::BadStatusLine;
            let (v, rest) = (line.get(..8).ok_or(bad)?, &line[8..]);
            let v = version(v).map_err(|p| if p == Problem::BadVersion { p } else { bad })?;
            let rest = rest.strip_prefix(b" ").ok_or(bad)?;
            let code = rest.get(..3).ok_or(bad)?;
            if !code.iter().all(u8::is_ascii_digit) || code[0] == b'0' {
                return Err(bad);
            }
            let status = code.iter().fold(0u16, |n, &d| n * 10 + u16::from(d - b'0'));
            let reason_at = at + 8 + 1 + 3;
            let reason = match rest.get(3) {
                None if cfg.lenient => reason_at..reason_at,
                Some(b' ') => {
                    let r = &rest[4..];
                    if !r.iter().all(|&b| is_vchar(b) || b == b' ' || b == b'\t') {
                        return Err(bad);
                    }
                    reason_at + 1..reason_at + 1 + r.len()
                }
                None | Some(_) => return Err(bad),
            };
            Ok(StartLine::Response {
                version: v,
                status,
                reason,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::simd::{Avx2, tests::PORTABLE};
    use super::*;
    use crate::http1::{Head, Http1, LengthFields, Problem, Role};
    use proptest::prelude::*;

    /// `f` with the portable path.
    fn portable<T>(f: impl FnOnce() -> T) -> T {
        PORTABLE.with(|p| p.set(true));
        let out = f();
        PORTABLE.with(|p| p.set(false));
        out
    }

    /// What a scanner fed `wire` cut at `cuts` says after each piece and
    /// what it gathered of the framing fields once the head is whole, and
    /// what `Head::parse` says of the whole.
    type Seen = (
        Vec<Result<Option<usize>, Problem>>,
        Option<LengthFields>,
        Result<Option<Head>, Problem>,
    );

    fn scan(wire: &[u8], cuts: &[usize], cfg: &Http1) -> Seen {
        let mut at: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
        at.push(wire.len());
        at.sort_unstable();
        let mut s = HeadScan::new(false);
        let mut said = Vec::new();
        for end in at {
            let r = s.advance(&wire[..end], cfg);
            let stop = !matches!(r, Ok(None));
            said.push(r);
            if stop {
                break;
            }
        }
        // Read once the head is whole (until then a field may be pending).
        let lengths = matches!(said.last(), Some(Ok(Some(_)))).then_some(s.lengths);
        (said, lengths, Head::parse(wire, cfg))
    }

    /// Pieces of header sections: well-formed lines, lines the block scan
    /// leaves to the exact path, and lines that are errors.
    fn piece() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            4 => Just(b"Host: example.com\r\n".to_vec()),
            2 => Just(b"Content-Length: 5\r\n".to_vec()),
            2 => Just(b"Transfer-Encoding: chunked\r\n".to_vec()),
            1 => Just(b"content-length:  7 , 7 \r\n".to_vec()),
            1 => Just(b"Sec-Fetch-Mode: navigate\r\n".to_vec()),
            1 => Just(b"X:\r\n".to_vec()),
            1 => Just(b"X:   \r\n".to_vec()),
            1 => Just(b"Content-Length:  \r\n".to_vec()),
            1 => Just(b"X: a\tb\r\n".to_vec()),
            1 => Just(b"X:\tv\r\n".to_vec()),
            1 => Just(b"X : v\r\n".to_vec()),
            1 => Just(b": v\r\n".to_vec()),
            1 => Just(b" folded\r\n".to_vec()),
            1 => Just(b"X: v\n".to_vec()),
            1 => Just(b"X: a\rb\r\n".to_vec()),
            1 => Just(b"X: \x7f\r\n".to_vec()),
            1 => Just(b"X: caf\xc3\xa9\r\n".to_vec()),
            1 => Just(b"N\xc3me: v\r\n".to_vec()),
            1 => Just(b"X(y): v\r\n".to_vec()),
            1 => Just(b"no colon\r\n".to_vec()),
            1 => Just(b"\r\n".to_vec()),
            3 => (
                "[!#$%&'*+.^_`|~0-9A-Za-z-]{1,70}",
                "[ ]{0,3}",
                proptest::collection::vec(0x20u8..=0xff, 0..150),
                "[ ]{0,3}",
            )
                .prop_map(|(n, a, v, b)| {
                    let mut l = n.into_bytes();
                    l.push(b':');
                    l.extend_from_slice(a.as_bytes());
                    l.extend(v);
                    l.extend_from_slice(b.as_bytes());
                    l.extend_from_slice(b"\r\n");
                    l
                }),
            1 => proptest::collection::vec(any::<u8>(), 0..80),
        ]
    }

    /// Request lines, well formed or not: methods of tchar and not, targets
    /// of visible ASCII and of other bytes, short and past a block.
    fn start_line() -> impl Strategy<Value = Vec<u8>> {
        (
            prop_oneof![
                Just("GET"),
                Just("m-search"),
                Just(""),
                Just("G(T"),
                Just("GE\tT")
            ],
            prop_oneof![
                "/[!-~]{0,90}",
                proptest::collection::vec(0x09u8..=0xff, 0..90).prop_map(|v| {
                    let mut t = b"/".to_vec();
                    t.extend(v);
                    String::from_utf8_lossy(&t).into_owned()
                }),
            ],
            prop_oneof![Just(" "), Just("  "), Just("\t")],
            prop_oneof![
                Just("HTTP/1.1\r\n"),
                Just("HTTP/1.0\r\n"),
                Just("HTTP/2.0\r\n"),
                Just("HTTP/1.1\n")
            ],
        )
            .prop_map(|(m, t, sp, v)| format!("{m} {t}{sp}{v}").into_bytes())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// With AVX2 (where the CPU has it) or without, every scan says
        /// the same: each prefix's answer and the parsed head.
        #[test]
        fn the_avx2_scan_equals_the_portable_one(
            start in prop_oneof![
                Just(b"GET /x?y=1 HTTP/1.1\r\n".to_vec()),
                Just(b"HTTP/1.1 200 OK\r\n".to_vec()),
                Just(b"POST / HTTP/1.0\r\n".to_vec()),
                start_line(),
            ],
            pieces in proptest::collection::vec(piece(), 0..14),
            end in prop_oneof![Just(&b"\r\n"[..]), Just(&b""[..]), Just(&b"\r"[..])],
            cuts in proptest::collection::vec(any::<usize>(), 0..4),
            lenient in proptest::bool::weighted(0.2),
            head in prop_oneof![Just(1usize << 16), 20usize..400],
            headers in prop_oneof![Just(100usize), 0usize..6],
        ) {
            if Avx2::detect().is_none() {
                return Ok(());
            }
            let mut wire = start.clone();
            for p in &pieces {
                wire.extend_from_slice(p);
            }
            wire.extend_from_slice(end);
            wire.extend_from_slice(b"BODY");
            let role = if start.starts_with(b"HTTP/") { Role::Response } else { Role::Request };
            let cfg = Http1 { lenient, head, headers, ..Http1::new(role) };
            let fast = scan(&wire, &cuts, &cfg);
            let slow = portable(|| scan(&wire, &cuts, &cfg));
            prop_assert_eq!(fast, slow, "{:?}", String::from_utf8_lossy(&wire));
        }
    }
}
