//! The chunked transfer coding (RFC 9112 section 7.1), as a state machine
//! fed any cutting of the body.

use std::ops::Range;

use super::head::first_control;
use super::{Problem, is_tchar, is_vchar};

/// What [`Chunked::feed`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    /// Every byte given belongs to the body, which goes on.
    More,
    /// The body ended with the byte before this index of the input.
    Done(usize),
}

/// A chunked body in progress: chunk lines (size, extensions), data, the
/// CRLF after each chunk's data, the last chunk and the trailer section.
///
/// ```
/// use framecheck_framing::http1::{Chunked, Feed, Problem};
/// let body = b"4;name=v\r\nWiki\r\n0\r\nX: y\r\n\r\nNEXT";
/// let mut whole = Chunked::new(false, 1 << 20, 1024, 1024, 100);
/// let mut data = Vec::new();
/// let fed = whole.feed_with(body, |r| data.extend_from_slice(&body[r]))?;
/// assert_eq!(fed, Feed::Done(body.len() - 4));
/// assert_eq!(data, b"Wiki");
/// let mut cut = Chunked::new(false, 1 << 20, 1024, 1024, 100);
/// assert_eq!(cut.feed(&body[..3])?, Feed::More);
/// assert_eq!(cut.feed(&body[3..])?, Feed::Done(body.len() - 7));
/// // 17 hex digits of value: over 64 bits.
/// let mut big = Chunked::new(false, 1 << 20, 1024, 1024, 100);
/// assert_eq!(big.feed(b"10000000000000000\r\n"), Err(Problem::ChunkSizeOverflow));
/// # Ok::<(), Problem>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunked {
    state: State,
    lenient: bool,
    /// Body bytes so far, as on the wire.
    raw: u64,
    /// The most body bytes on the wire.
    max: u64,
    /// Extension bytes so far, and the most allowed.
    ext: usize,
    ext_max: usize,
    /// Trailer section bytes and field lines so far, and their limits.
    trailer: usize,
    trailer_max: usize,
    fields: usize,
    fields_max: usize,
    /// Decoded data bytes so far.
    data: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// In the chunk size: its value so far and whether a digit came.
    Size { value: u64, digits: bool },
    /// Whitespace after the size: an extension must follow.
    SizeWs { value: u64 },
    /// In the extensions.
    Ext { value: u64 },
    /// The CR of a chunk line came.
    LineCr { value: u64 },
    /// Data bytes left in this chunk.
    Data(u64),
    /// The data ended: CRLF must follow.
    DataEnd,
    /// The CR after data came.
    DataCr,
    /// At the start of a trailer line (or the final empty line).
    TrailerStart,
    /// In a trailer field's name.
    TrailerName,
    /// In a trailer field's value.
    TrailerValue,
    /// The CR of a trailer line came.
    TrailerCr,
    /// The CR of the final empty line came.
    EndCr,
    /// The body is complete.
    Done,
}

impl Chunked {
    /// A chunked body about to start: `max` bounds its bytes on the wire,
    /// `ext_max` its extension bytes, `trailer_max` and `fields_max` its
    /// trailer section's bytes and field lines.
    pub fn new(
        lenient: bool,
        max: u64,
        ext_max: usize,
        trailer_max: usize,
        fields_max: usize,
    ) -> Chunked {
        Chunked {
            state: State::Size {
                value: 0,
                digits: false,
            },
            lenient,
            raw: 0,
            max,
            ext: 0,
            ext_max,
            trailer: 0,
            trailer_max,
            fields: 0,
            fields_max,
            data: 0,
        }
    }

    /// Whether the body is complete.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Decoded data bytes so far.
    pub fn data_len(&self) -> u64 {
        self.data
    }

    /// Feed the next bytes of the body.
    pub fn feed(&mut self, input: &[u8]) -> Result<Feed, Problem> {
        self.feed_with(input, |_| {})
    }

    /// Feed the next bytes of the body; `data` is told where chunk data lies
    /// in `input`.
    pub fn feed_with(
        &mut self,
        input: &[u8],
        mut data: impl FnMut(Range<usize>),
    ) -> Result<Feed, Problem> {
        let mut i = 0;
        while i < input.len() {
            if self.state == Self::next_chunk() {
                i += self.whole_chunks(&input[i..], i, &mut data);
                if i == input.len() {
                    break;
                }
            }
            if self.state == State::Done {
                break;
            }
            if let State::Data(left) = self.state {
                let n = usize::try_from(left)
                    .unwrap_or(usize::MAX)
                    .min(input.len() - i);
                data(i..i + n);
                i += n;
                self.data += n as u64;
                self.raw += n as u64;
                self.state = if left == n as u64 {
                    State::DataEnd
                } else {
                    State::Data(left - n as u64)
                };
                continue;
            }
            // Fast paths for the common lines, whole in the input and within
            // the bound: a chunk-size line `HEX CRLF` (at most 15 digits: no
            // overflow), the CRLF after data, and the empty line ending the
            // trailers. Anything else goes byte by byte below, which gives
            // the same answer for these lines.
            if let Some(n) = self.fast_line(&input[i..]) {
                i += n;
                continue;
            }
            // Every byte counts against the bound as it comes, so the
            // error is the same however the body is cut.
            self.raw += 1;
            if self.raw > self.max {
                return Err(Problem::BodyTooLarge {
                    len: self.raw,
                    max: self.max,
                });
            }
            self.byte(input[i])?;
            i += 1;
        }
        Ok(if self.state == State::Done {
            Feed::Done(i)
        } else {
            Feed::More
        })
    }

    /// At a chunk's start: the whole chunks at the front of `rest` (at `at`
    /// in the input given to `feed_with`) that are common ones, each taken
    /// at once (its size line `HEX [; ext] CRLF` as [`Chunked::fast_line`]
    /// takes it, its data and the CRLF after it), and the last chunk if the
    /// empty line ending an empty trailer section follows it. The bytes
    /// taken: the state is the next chunk's start (or done) after them; from
    /// the first chunk not taken whole, the paths below go on.
    #[inline]
    fn whole_chunks(
        &mut self,
        rest: &[u8],
        at: usize,
        data: &mut impl FnMut(Range<usize>),
    ) -> usize {
        let mut i = 0;
        loop {
            let line = &rest[i..];
            let Some((value, ext, start)) = self.size_line(line) else {
                return i;
            };
            // At most 15 hex digits: below 2^60, no overflow in u64.
            let Some(end) = usize::try_from(value)
                .ok()
                .and_then(|v| start.checked_add(v))
            else {
                return i;
            };
            // The CRLF after the data; after the last chunk, the empty line
            // of an empty trailer section (one byte of it counted).
            if line.get(end..end + 2) != Some(b"\r\n")
                || self.raw + (end + 2) as u64 > self.max
                || (value == 0 && self.trailer + 1 > self.trailer_max)
            {
                return i;
            }
            self.raw += (end + 2) as u64;
            self.ext += ext;
            if value == 0 {
                self.trailer += 1;
                self.state = State::Done;
                return i + end + 2;
            }
            data(at + i + start..at + i + end);
            self.data += value;
            i += end + 2;
        }
    }

    /// A whole common chunk-size line at the front of `line`, `HEX [; ext]
    /// CRLF`: its size, its extension's bytes and its length. At most 15
    /// digits (16 may overflow: they go byte by byte); the extension, if
    /// any, is `;` and bytes that are not control bytes up to the CR (found
    /// sixteen bytes a step), within what `ext=` has left. `None` for any
    /// other line, which the byte-by-byte path judges.
    #[inline(always)]
    #[expect(
        clippy::inline_always,
        reason = "measured: out of line, a call per chunk line cost 5 % of framing chunked POSTs"
    )]
    fn size_line(&self, line: &[u8]) -> Option<(u64, usize, usize)> {
        let (mut digits, mut value) = (0, 0u64);
        while let Some(d) = line.get(digits).and_then(|&b| hex(b)) {
            if digits == 15 {
                return None;
            }
            value = value << 4 | u64::from(d);
            digits += 1;
        }
        if digits == 0 {
            return None;
        }
        let ext = if line.get(digits) == Some(&b';') {
            let room = self.ext_max.saturating_sub(self.ext);
            let window = &line[digits..line.len().min(digits + room + 1)];
            first_control(window).filter(|&len| len <= room)?
        } else {
            0
        };
        let cr = digits + ext;
        (line.get(cr..cr + 2) == Some(b"\r\n")).then_some((value, ext, cr + 2))
    }

    /// A whole common line at the front of `rest` in the current state,
    /// taken at once: the bytes taken, or `None` to go byte by byte.
    #[inline]
    fn fast_line(&mut self, rest: &[u8]) -> Option<usize> {
        let (next, n) = match self.state {
            State::Size {
                value: 0,
                digits: false,
            } => {
                let (value, ext, n) = self.size_line(rest)?;
                if self.raw + n as u64 > self.max {
                    return None;
                }
                self.raw += n as u64;
                if let Ok(state) = self.line_end(value, false) {
                    self.ext += ext;
                    (state, n)
                } else {
                    // Let the slow path report it, at its byte.
                    self.raw -= n as u64;
                    return None;
                }
            }
            State::DataEnd | State::TrailerStart if rest.starts_with(b"\r\n") => {
                if self.raw + 2 > self.max
                    || (self.state == State::TrailerStart && self.trailer + 1 > self.trailer_max)
                {
                    return None;
                }
                self.raw += 2;
                if self.state == State::TrailerStart {
                    self.trailer += 1;
                    (State::Done, 2)
                } else {
                    (Self::next_chunk(), 2)
                }
            }
            _ => return None,
        };
        self.state = next;
        Some(n)
    }

    /// One byte outside chunk data.
    #[inline]
    fn byte(&mut self, b: u8) -> Result<(), Problem> {
        self.state = match self.state {
            State::Size { value, digits } => match hex(b) {
                Some(d) => {
                    if value >> 60 != 0 {
                        return Err(Problem::ChunkSizeOverflow);
                    }
                    State::Size {
                        value: value << 4 | u64::from(d),
                        digits: true,
                    }
                }
                None if !digits => return Err(Problem::BadChunkSize),
                None => match b {
                    b'\r' => State::LineCr { value },
                    b'\n' => self.line_end(value, true)?,
                    b';' => self.ext_byte(value)?,
                    b' ' | b'\t' => State::SizeWs { value },
                    _ => return Err(Problem::BadChunkSize),
                },
            },
            State::SizeWs { value } => match b {
                b' ' | b'\t' => State::SizeWs { value },
                b';' => self.ext_byte(value)?,
                _ => return Err(Problem::BadChunkSize),
            },
            State::Ext { value } => match b {
                b'\r' => State::LineCr { value },
                b'\n' => self.line_end(value, true)?,
                b'\t' | b' ' => self.ext_byte(value)?,
                _ if is_vchar(b) => self.ext_byte(value)?,
                _ => return Err(Problem::BadChunkExtension),
            },
            State::LineCr { value } => match b {
                b'\n' => self.line_end(value, false)?,
                _ => return Err(Problem::BareCr),
            },
            State::DataEnd => match b {
                b'\r' => State::DataCr,
                b'\n' if self.lenient => Self::next_chunk(),
                b'\n' => return Err(Problem::BareLfInChunk),
                _ => return Err(Problem::ChunkDataNotCrlf),
            },
            State::DataCr => match b {
                b'\n' => Self::next_chunk(),
                _ => return Err(Problem::ChunkDataNotCrlf),
            },
            State::TrailerStart => {
                self.trailer_byte()?;
                match b {
                    b'\r' => State::EndCr,
                    b'\n' if self.lenient => State::Done,
                    b'\n' => return Err(Problem::BareLfInChunk),
                    b' ' | b'\t' if self.lenient && self.fields > 0 => State::TrailerValue,
                    b' ' | b'\t' => return Err(Problem::ObsFold),
                    _ if is_tchar(b) => {
                        self.fields += 1;
                        if self.fields > self.fields_max {
                            return Err(Problem::TooManyFields(self.fields_max));
                        }
                        State::TrailerName
                    }
                    _ => return Err(Problem::BadFieldName),
                }
            }
            State::TrailerName => {
                self.trailer_byte()?;
                match b {
                    b':' => State::TrailerValue,
                    b' ' | b'\t' => return Err(Problem::WhitespaceBeforeColon),
                    _ if is_tchar(b) => State::TrailerName,
                    _ => return Err(Problem::BadFieldName),
                }
            }
            State::TrailerValue => {
                self.trailer_byte()?;
                match b {
                    b'\r' => State::TrailerCr,
                    b'\n' if self.lenient => State::TrailerStart,
                    b'\n' => return Err(Problem::BareLf),
                    b' ' | b'\t' => State::TrailerValue,
                    _ if is_vchar(b) => State::TrailerValue,
                    _ => return Err(Problem::BadFieldValue),
                }
            }
            State::TrailerCr => {
                self.trailer_byte()?;
                match b {
                    b'\n' => State::TrailerStart,
                    _ => return Err(Problem::BareCr),
                }
            }
            State::EndCr => match b {
                b'\n' => State::Done,
                _ => return Err(Problem::BareCr),
            },
            State::Data(_) | State::Done => self.state,
        };
        Ok(())
    }

    fn next_chunk() -> State {
        State::Size {
            value: 0,
            digits: false,
        }
    }

    /// A byte of a chunk extension (from its `;`), counted against `ext=`.
    #[inline]
    fn ext_byte(&mut self, value: u64) -> Result<State, Problem> {
        self.ext += 1;
        if self.ext > self.ext_max {
            return Err(Problem::ChunkExtensionTooLong(self.ext_max));
        }
        Ok(State::Ext { value })
    }

    /// A byte of the trailer section, counted against its limit.
    #[inline]
    fn trailer_byte(&mut self) -> Result<(), Problem> {
        self.trailer += 1;
        if self.trailer > self.trailer_max {
            return Err(Problem::HeadTooLarge(self.trailer_max));
        }
        Ok(())
    }

    /// The end of a chunk line declaring `value` bytes.
    fn line_end(&mut self, value: u64, bare: bool) -> Result<State, Problem> {
        if bare && !self.lenient {
            return Err(Problem::BareLfInChunk);
        }
        if value == 0 {
            return Ok(State::TrailerStart);
        }
        // The data alone would take the body past its bound: refuse now,
        // before any of it is held.
        let len = self.raw.saturating_add(value);
        if len > self.max {
            return Err(Problem::BodyTooLarge { len, max: self.max });
        }
        Ok(State::Data(value))
    }
}

/// A hex digit's value, by one table lookup (a `match` of three ranges cost
/// a sixth of the chunked body's time).
#[inline]
fn hex(b: u8) -> Option<u8> {
    let v = HEX[usize::from(b)];
    (v < 16).then_some(v)
}

/// Each byte's value as a hex digit, 0xFF for the others.
static HEX: [u8; 256] = {
    let mut t = [0xFF; 256];
    let mut i: u8 = 0;
    while i < 10 {
        t[(b'0' + i) as usize] = i;
        i += 1;
    }
    let mut i: u8 = 0;
    while i < 6 {
        t[(b'a' + i) as usize] = 10 + i;
        t[(b'A' + i) as usize] = 10 + i;
        i += 1;
    }
    t
};
