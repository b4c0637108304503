//! The differential fuzz target's body: framecheck's decoder against
//! tokio-util 0.7's `LengthDelimitedCodec` and `LinesCodec`, on the
//! configurations whose meaning matches. It lives here, not in the framing
//! crate, because tokio-util may only be a dependency of the fuzz crate.
//!
//! Both decoders get the same bytes in the same pieces; tokio-util is driven
//! the way `FramedRead` drives it (append each read, `decode` until `None`,
//! `decode_eof` until `None` at the end, stop at the first error). The body
//! asserts that they agree, or that they differ only in one of the ways
//! written up in `reports/differential.md` (D1 to D4 below), and that a
//! documented difference is exactly as documented.
//!
//! # Input layout
//!
//! ```text
//! differential := mode:u8 PARAMS CUTS stream         mode % 2: length-delimited, lines
//! length-delimited PARAMS := field:u8 offset:u8 adjust:i8 max:u16le skip:u8
//!     field % 7: u8 u16be u16le u32be u32le u64be u64le; offset % 5;
//!     skip & 1: tokio returns the whole frame (num_skip 0), else the payload
//! lines PARAMS := max:u16le                          0: the default of `line`
//! CUTS := n:u8 size:u8{n % 16}                        as in framecheck_framing::fuzzing
//! ```
//!
//! # Mapping
//!
//! | framecheck | tokio-util |
//! |---|---|
//! | `uNNbe/le,offset=O,adjust=A,max=M` | `length_field_offset(O)`, `length_field_length(w)`, endianness, `max_frame_length(M - A)` (tokio checks the raw field, we the adjusted length), and either `num_skip(O + w)` + `length_adjustment(A)` (payload) or `num_skip(0)` + `length_adjustment(A + O + w)` (whole frame) |
//! | `line,max=M` | `LinesCodec::new_with_max_length(M)`; its lines lose one trailing `\r` |
//!
//! Known differences (theirs, or a difference of meaning), asserted as such:
//!
//! * D1: whole-frame mode, a length whose adjusted value is below the header
//!   size: we report `NegativeLength`; tokio returns a frame shorter than the
//!   header it just parsed, and for a length that adjusts to exactly zero an
//!   empty frame without consuming anything, forever.
//! * D2: lines, the stream ends inside a line: we report `Truncated`; tokio
//!   returns the rest as a final line.
//! * D3: lines, the stream ends with a lone `\r`: we report `Truncated`;
//!   tokio drops the byte and ends cleanly.
//! * D4: lines, a line that is not UTF-8: tokio fails (its items are
//!   `String`), we return the bytes.
//! * D5: payload mode (`num_skip` = header), the stream ends right after a
//!   complete header: we report `Truncated`; tokio has already dropped the
//!   header from its buffer, finds it empty at EOF and ends cleanly, so the
//!   cut-off frame vanishes without an error.
//! * D6: a negative adjustment: tokio clips its maximum to (largest field
//!   value + adjustment) but compares the raw field with it, so it rejects
//!   frames whose field lies above the clip ("frame size too big"), even the
//!   ones its own encoder writes.

use bytes::BytesMut;
use framecheck_framing::fuzzing::Pieces;
use framecheck_framing::{Error, Kind, LenField, Spec, Stage, Transcript, transcript};
use tokio_util::codec::{LengthDelimitedCodec, LinesCodec};

/// How tokio-util's decoder ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokioEnd {
    /// `decode_eof` returned `None`.
    Clean,
    /// An error, with its text.
    Error(String),
    /// It kept returning frames without consuming input: stopped after more
    /// frames than the stream has bytes.
    Runaway,
}

/// What tokio-util said about a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokioRun {
    /// Every frame, as bytes.
    pub frames: Vec<Vec<u8>>,
    /// How it ended.
    pub end: TokioEnd,
}

/// Fixed-width length fields, the ones tokio-util has, in input order.
pub const FIELDS: [LenField; 7] = [
    LenField::U8,
    LenField::U16Be,
    LenField::U16Le,
    LenField::U32Be,
    LenField::U32Le,
    LenField::U64Be,
    LenField::U64Le,
];

/// The differential target: see the crate docs.
pub fn differential(data: &[u8]) {
    let mut r = Reader(data);
    if r.byte() % 2 == 0 {
        length_delimited(&mut r);
    } else {
        lines(&mut r);
    }
}

/// Front-to-back reader; missing bytes read as zero (as with
/// `arbitrary::Unstructured`, which the framing crate's bodies use).
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }

    fn take(&mut self, n: usize) -> &'a [u8] {
        let (a, b) = self.0.split_at(n.min(self.0.len()));
        self.0 = b;
        a
    }

    fn cuts(&mut self) -> &'a [u8] {
        let n = usize::from(self.byte() % 16);
        self.take(n)
    }
}

/// Drive a tokio-util decoder the way `FramedRead` does.
pub fn run_tokio<D, I, E>(codec: &mut D, pieces: Pieces<'_>, stream_len: usize) -> TokioRun
where
    D: tokio_util::codec::Decoder<Item = I, Error = E>,
    I: AsRef<[u8]>,
    E: std::fmt::Display,
{
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    let limit = stream_len + 2;
    for piece in pieces {
        buf.extend_from_slice(piece);
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(f)) => {
                    frames.push(f.as_ref().to_vec());
                    if frames.len() > limit {
                        return TokioRun {
                            frames,
                            end: TokioEnd::Runaway,
                        };
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    return TokioRun {
                        frames,
                        end: TokioEnd::Error(e.to_string()),
                    };
                }
            }
        }
    }
    loop {
        match codec.decode_eof(&mut buf) {
            Ok(Some(f)) => {
                frames.push(f.as_ref().to_vec());
                if frames.len() > limit {
                    return TokioRun {
                        frames,
                        end: TokioEnd::Runaway,
                    };
                }
            }
            Ok(None) => {
                return TokioRun {
                    frames,
                    end: TokioEnd::Clean,
                };
            }
            Err(e) => {
                return TokioRun {
                    frames,
                    end: TokioEnd::Error(e.to_string()),
                };
            }
        }
    }
}

#[expect(
    clippy::too_many_lines,
    reason = "the mapping, then one arm per outcome"
)]
fn length_delimited(r: &mut Reader<'_>) {
    let field = FIELDS[usize::from(r.byte() % 7)];
    let offset = usize::from(r.byte() % 5);
    let adjust = i64::from(i8::from_ne_bytes([r.byte()]));
    let max_raw = u16::from_le_bytes([r.byte(), r.byte()]);
    let whole_frame = r.byte() & 1 == 1;
    let cuts = r.cuts();
    let stream = r.0;
    let mut spec = Spec::new(Kind::Len(field));
    spec.offset = offset;
    spec.adjust = adjust;
    if max_raw != 0 {
        spec.max = Some(usize::from(max_raw));
    }
    let max = spec.max();
    // tokio checks the raw field against its maximum; ours is on the
    // adjusted length. `max - adjust` maps one to the other when it is not
    // negative; otherwise no frame can pass ours and the meaning differs.
    let Some(tokio_max) = i64::try_from(max)
        .ok()
        .and_then(|m| usize::try_from(m - adjust).ok())
    else {
        return;
    };
    let width = field.max_width();
    let head = offset + width;
    let mut builder = LengthDelimitedCodec::builder();
    builder
        .length_field_offset(offset)
        .length_field_length(width)
        .max_frame_length(tokio_max);
    if matches!(field, LenField::U16Le | LenField::U32Le | LenField::U64Le) {
        builder.little_endian();
    }
    let head_i = i64::try_from(head).expect("small header");
    if whole_frame {
        builder
            .num_skip(0)
            .length_adjustment(to_isize(adjust + head_i));
    } else {
        builder.num_skip(head).length_adjustment(to_isize(adjust));
    }
    let mut codec = builder.new_codec();
    let ours = transcript(&spec, Pieces::new(stream, cuts));
    let theirs = run_tokio(&mut codec, Pieces::new(stream, cuts), stream.len());
    let ours_frames: Vec<&[u8]> = ours
        .frames
        .iter()
        .map(|f| {
            if whole_frame {
                &f.wire[..]
            } else {
                f.payload()
            }
        })
        .collect();
    let n = ours_frames.len();
    let ctx = || format!("{spec} whole={whole_frame}: ours {ours:?}\ntheirs {theirs:?}");
    // D6: tokio clips its maximum to (largest field value + adjustment) but
    // compares the raw field against it, so with a negative adjustment it
    // rejects fields above the clip that both sides can frame.
    let tokio_adjust = if whole_frame { adjust + head_i } else { adjust };
    let clip = field.max_value().saturating_add_signed(tokio_adjust);
    if clip < u64::try_from(tokio_max).unwrap_or(u64::MAX)
        && matches!(&theirs.end, TokioEnd::Error(e) if e.contains("frame size too big"))
    {
        let k = theirs.frames.len();
        let at: usize = ours.frames[..k.min(n)].iter().map(|f| f.wire.len()).sum();
        let raw = raw_field(stream.get(at + offset..).unwrap_or_default(), field);
        if raw.is_some_and(|raw| raw > clip) {
            assert!(k <= n, "D6: tokio framed past ours: {}", ctx());
            assert_eq!(
                &ours_frames[..k],
                &theirs.frames[..],
                "D6 frames: {}",
                ctx()
            );
            return;
        }
    }
    assert!(
        theirs.frames.len() >= n,
        "tokio gave fewer frames: {}",
        ctx()
    );
    assert_eq!(
        &ours_frames[..],
        &theirs.frames[..n],
        "frames differ: {}",
        ctx()
    );
    match &ours.end {
        Ok(()) => assert_eq!(
            (theirs.frames.len(), &theirs.end),
            (n, &TokioEnd::Clean),
            "{}",
            ctx()
        ),
        Err(Error::NegativeLength {
            declared, adjust, ..
        }) if whole_frame && i128::from(*declared) + i128::from(*adjust) >= -i128::from(head_i) => {
            // D1: tokio takes (declared + adjust + head) < head bytes as a frame.
            let short = theirs.frames.get(n).map(Vec::len);
            let expected =
                usize::try_from(i128::from(*declared) + i128::from(*adjust) + i128::from(head_i))
                    .expect("checked non-negative");
            assert!(
                short == Some(expected) && expected < head,
                "D1 not as documented: {}",
                ctx()
            );
            if expected == 0 {
                assert_eq!(theirs.end, TokioEnd::Runaway, "D1 zero: {}", ctx());
            }
        }
        Err(Error::Truncated {
            held,
            stage: Stage::Body,
            ..
        }) if !whole_frame && *held == head => {
            // D5: the stream ends right after a header. tokio has already
            // skipped the header out of its buffer, finds it empty at EOF
            // and ends cleanly, losing the frame.
            assert_eq!(
                (theirs.frames.len(), &theirs.end),
                (n, &TokioEnd::Clean),
                "D5 not as documented: {}",
                ctx()
            );
        }
        Err(Error::TooLarge { .. } | Error::NegativeLength { .. } | Error::Truncated { .. }) => {
            assert_eq!(
                theirs.frames.len(),
                n,
                "tokio framed past our error: {}",
                ctx()
            );
            assert!(
                matches!(theirs.end, TokioEnd::Error(_)),
                "tokio missed the error: {}",
                ctx()
            );
        }
        Err(e) => panic!(
            "a fixed-width length prefix cannot fail with {e}: {}",
            ctx()
        ),
    }
}

/// The raw value of a fixed-width length field at the start of `bytes`.
fn raw_field(bytes: &[u8], field: LenField) -> Option<u64> {
    let width = field.width()?;
    let b = bytes.get(..width)?;
    let big = matches!(
        field,
        LenField::U8 | LenField::U16Be | LenField::U32Be | LenField::U64Be
    );
    let fold = |acc: u64, x: &u8| (acc << 8) | u64::from(*x);
    Some(if big {
        b.iter().fold(0, fold)
    } else {
        b.iter().rev().fold(0, fold)
    })
}

fn to_isize(v: i64) -> isize {
    isize::try_from(v).expect("small adjustments fit isize")
}

fn lines(r: &mut Reader<'_>) {
    let max_raw = u16::from_le_bytes([r.byte(), r.byte()]);
    let cuts = r.cuts();
    let stream = r.0;
    let mut spec = Spec::new(Kind::Line);
    if max_raw != 0 {
        spec.max = Some(usize::from(max_raw));
    }
    let mut codec = LinesCodec::new_with_max_length(spec.max());
    let ours = transcript(&spec, Pieces::new(stream, cuts));
    let theirs = run_tokio(&mut codec, Pieces::new(stream, cuts), stream.len());
    compare_lines(&spec, stream, &ours, &theirs);
}

/// Strip one trailing `\r`, as `LinesCodec` does.
fn without_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn compare_lines(spec: &Spec, stream: &[u8], ours: &Transcript, theirs: &TokioRun) {
    let ctx = || format!("{spec}: {stream:?}\nours {ours:?}\ntheirs {theirs:?}");
    for (i, f) in ours.frames.iter().enumerate() {
        let expected = without_cr(f.payload());
        if std::str::from_utf8(expected).is_err() {
            // D4: tokio fails on this line, after the same earlier lines.
            assert_eq!(theirs.frames.len(), i, "D4: {}", ctx());
            assert!(
                matches!(&theirs.end, TokioEnd::Error(e) if e.contains("UTF8")),
                "D4 not as documented: {}",
                ctx()
            );
            return;
        }
        assert_eq!(
            theirs.frames.get(i).map(Vec::as_slice),
            Some(expected),
            "line {i}: {}",
            ctx()
        );
    }
    let n = ours.frames.len();
    match &ours.end {
        Ok(()) => assert_eq!(
            (theirs.frames.len(), &theirs.end),
            (n, &TokioEnd::Clean),
            "{}",
            ctx()
        ),
        Err(Error::Unterminated { .. }) => {
            assert_eq!(theirs.frames.len(), n, "{}", ctx());
            assert!(
                matches!(&theirs.end, TokioEnd::Error(e) if e.contains("max line length")),
                "tokio missed the long line: {}",
                ctx()
            );
        }
        Err(Error::Truncated { offset, .. }) => {
            let rest = &stream[usize::try_from(*offset).expect("small offset")..];
            if rest == b"\r" {
                // D3: tokio drops a lone trailing \r.
                assert_eq!(
                    (theirs.frames.len(), &theirs.end),
                    (n, &TokioEnd::Clean),
                    "D3: {}",
                    ctx()
                );
            } else if std::str::from_utf8(without_cr(rest)).is_err() {
                assert_eq!(theirs.frames.len(), n, "D2+D4: {}", ctx());
                assert!(matches!(theirs.end, TokioEnd::Error(_)), "D2+D4: {}", ctx());
            } else {
                // D2: tokio returns the unterminated rest as a last line.
                assert_eq!(theirs.frames.len(), n + 1, "D2: {}", ctx());
                assert_eq!(theirs.frames[n], without_cr(rest), "D2: {}", ctx());
                assert_eq!(theirs.end, TokioEnd::Clean, "D2: {}", ctx());
            }
        }
        Err(e) => panic!("`line` cannot fail with {e}: {}", ctx()),
    }
}

/// One seed of the differential corpus.
pub struct Seed {
    /// What it exercises; the file is `corpus/differential/seed-<name>`.
    pub name: &'static str,
    /// The input.
    pub data: Vec<u8>,
}

/// The differential target's hand-picked seeds, one per mapping and per
/// documented difference.
#[must_use]
#[expect(clippy::too_many_lines, reason = "a flat table of seeds")]
pub fn seeds() -> Vec<Seed> {
    fn ld(
        field: u8,
        offset: u8,
        adjust: i8,
        max: u16,
        whole: bool,
        cuts: &[u8],
        stream: &[u8],
    ) -> Vec<u8> {
        let mut v = vec![0, field, offset, adjust.to_ne_bytes()[0]];
        v.extend_from_slice(&max.to_le_bytes());
        v.push(u8::from(whole));
        v.push(u8::try_from(cuts.len()).expect("few cuts"));
        v.extend_from_slice(cuts);
        v.extend_from_slice(stream);
        v
    }
    fn ln(max: u16, cuts: &[u8], stream: &[u8]) -> Vec<u8> {
        let mut v = vec![1];
        v.extend_from_slice(&max.to_le_bytes());
        v.push(u8::try_from(cuts.len()).expect("few cuts"));
        v.extend_from_slice(cuts);
        v.extend_from_slice(stream);
        v
    }
    vec![
        Seed {
            name: "u16be_payloads",
            data: ld(1, 0, 0, 0, false, &[1], b"\x00\x03abc\x00\x00\x00\x01z"),
        },
        Seed {
            name: "u16be_whole",
            data: ld(1, 0, 0, 0, true, &[3], b"\x00\x03abc\x00\x00"),
        },
        Seed {
            name: "u32le_max",
            data: ld(
                4,
                0,
                0,
                4,
                false,
                &[2],
                b"\x04\x00\x00\x00abcd\x05\x00\x00\x00abcde",
            ),
        },
        Seed {
            name: "postgres_whole",
            data: ld(
                3,
                1,
                -4,
                0,
                true,
                &[1, 2],
                b"Q\x00\x00\x00\x06hiX\x00\x00\x00\x04",
            ),
        },
        Seed {
            name: "postgres_payload_below_four",
            data: ld(3, 1, -4, 0, false, &[], b"Q\x00\x00\x00\x03"),
        },
        Seed {
            name: "d1_short_frame",
            data: ld(3, 1, -4, 0, true, &[], b"Q\x00\x00\x00\x02xyz"),
        },
        Seed {
            name: "d1_runaway",
            data: ld(1, 0, -2, 0, true, &[], b"\x00\x00"),
        },
        Seed {
            name: "u64be_huge",
            data: ld(5, 0, 0, 0, false, &[], &[0xff; 8]),
        },
        Seed {
            name: "u8_truncated",
            data: ld(0, 2, 1, 0, false, &[1], b"ab\x05xy"),
        },
        Seed {
            name: "d6_u16_adjust_minus_two_max_field",
            data: ld(1, 0, -2, 0, false, &[], b"\xff\xfe"),
        },
        Seed {
            name: "d5_eof_after_header",
            data: ld(1, 0, 0, 0, false, &[], b"\x00\x05"),
        },
        Seed {
            name: "lines",
            data: ln(0, &[1], b"one\ntwo\r\n\r\n\n"),
        },
        Seed {
            name: "lines_max",
            data: ln(3, &[2], b"abc\nab\r\nabcd\n"),
        },
        Seed {
            name: "lines_cr_at_max",
            data: ln(3, &[], b"abc\r\n"),
        },
        Seed {
            name: "d2_unterminated_tail",
            data: ln(0, &[], b"a\nrest"),
        },
        Seed {
            name: "d3_lone_cr",
            data: ln(0, &[1], b"a\n\r"),
        },
        Seed {
            name: "d4_not_utf8",
            data: ln(0, &[], b"ok\n\xff\xfe\n"),
        },
    ]
}
