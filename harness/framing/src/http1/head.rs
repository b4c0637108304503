//! The header section: start line and field lines (RFC 9112 sections 2 to 5).

use std::ops::Range;

use super::length::LengthFields;
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
            start: None,
            pending: None,
            count: 0,
            lengths: LengthFields::default(),
            collected: collect.then(Vec::new),
        }
    }

    /// Process the whole lines of `buf` (the message's bytes so far) not
    /// yet seen: the header section's length once its empty line is in.
    pub(crate) fn advance(&mut self, buf: &[u8], cfg: &Http1) -> Result<Option<usize>, Problem> {
        loop {
            let pos = self.pos;
            let window = &buf[pos.min(buf.len())..buf.len().min(cfg.head)];
            let Some(lf) = memchr::memchr(b'\n', window) else {
                if buf.len() > cfg.head {
                    return Err(Problem::HeadTooLarge(cfg.head));
                }
                return Ok(None);
            };
            let end = pos + lf + 1;
            let line = &buf[pos..pos + lf];
            let line = match line.split_last() {
                Some((b'\r', content)) => content,
                _ if cfg.lenient => line,
                _ => return Err(Problem::BareLf),
            };
            self.pos = end;
            if self.start.is_none() {
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

    /// Record the pending field: it is whole.
    fn flush(&mut self, buf: &[u8]) {
        if let Some(f) = self.pending.take() {
            self.lengths
                .field(&buf[f.name.clone()], &buf[f.value.clone()]);
            if let Some(all) = &mut self.collected {
                all.push(f);
            }
        }
    }
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

/// A field value: SP, HTAB, VCHAR, obs-text.
#[inline]
fn check_value(value: &[u8]) -> Result<(), Problem> {
    for &b in value {
        if !(is_vchar(b) || b == b' ' || b == b'\t') {
            return Err(if b == b'\r' {
                Problem::BareCr
            } else {
                Problem::BadFieldValue
            });
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
            if target.is_empty() || !target.iter().all(|&b| is_vchar(b)) {
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
