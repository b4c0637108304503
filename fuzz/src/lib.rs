//! The differential fuzz target's body: framecheck's decoder against
//! tokio-util 0.7's `LengthDelimitedCodec` and `LinesCodec`, on the
//! configurations whose meaning matches, and against the framing crate's
//! independent whole-stream model (`framecheck_framing::model`) on every
//! input, including the varint and tagged framings tokio-util has no codec
//! for. It lives here, not in the framing crate, because tokio-util may only
//! be a dependency of the fuzz crate.
//!
//! Against the model, the decoder is checked twice per input: after the last
//! piece, before the end of the stream (frames so far, and the bytes it holds
//! or its error, against the model of a stream that has not ended), and after
//! `finish` (frames, head and payload bytes, the error with all its fields,
//! consumed count, against the model of the ended stream).
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
//! differential := mode:u8 PARAMS CUTS stream
//!     mode % 4: length-delimited, lines (both also against tokio-util),
//!     varint, tagged (against the model only);
//!     mode >= 0xf0: netstring against the `netstring` crate (even), pktline
//!     against gix-packetline (odd); no PARAMS
//! length-delimited PARAMS := field:u8 offset:u8 adjust:i8 max:u16le skip:u8
//!     field % 7: u8 u16be u16le u32be u32le u64be u64le; offset % 5;
//!     skip & 1: tokio returns the whole frame (num_skip 0), else the payload
//! lines PARAMS := max:u16le                          0: the default of `line`
//! varint PARAMS := offset:u8 adjust:i8 max:u16le     offset % 9; max 0: the default
//! tagged PARAMS := n:u8 (tag:u8 rule:u8){1 + n % 4} adjust:i8 max:u16le
//!     rule < 8: that length field (spec order, 7 is varint), else fixed:(rule - 8);
//!     a repeated tag is dropped; max 0: the default
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

pub mod bugs;
pub mod http1;
pub mod resp;

use bytes::BytesMut;
use framecheck_framing::fuzzing::Pieces;
use framecheck_framing::model::{End, model};
use framecheck_framing::{
    Decoder, Error, Kind, LenField, Spec, Special, Stage, TagEntry, TagRule, Transcript,
};
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
    let mode = r.byte();
    // The text framings from 0xf0 up, so that older inputs keep their mode.
    if mode >= 0xf0 {
        return if mode % 2 == 0 {
            netstrings(&mut r);
        } else {
            pktlines(&mut r);
        };
    }
    match mode % 4 {
        0 => length_delimited(&mut r),
        1 => lines(&mut r),
        2 => varint(&mut r),
        _ => tagged(&mut r),
    }
}

/// `varint,offset=O,adjust=A,max=M` against the model.
fn varint(r: &mut Reader<'_>) {
    let offset = usize::from(r.byte() % 9);
    let adjust = i64::from(i8::from_ne_bytes([r.byte()]));
    let max = r.max();
    let cuts = r.cuts();
    let spec = Spec {
        max,
        offset,
        adjust,
        ..Spec::new(Kind::Len(LenField::Varint))
    };
    against_model(&spec, r.0, cuts);
}

/// `tagged:...,adjust=A,max=M` against the model.
fn tagged(r: &mut Reader<'_>) {
    let n = 1 + usize::from(r.byte() % 4);
    let mut entries: Vec<TagEntry> = Vec::with_capacity(n);
    for _ in 0..n {
        let tag = r.byte();
        let rule = match r.byte() {
            x if x < 8 => TagRule::Len(LenField::ALL[usize::from(x)]),
            x => TagRule::Fixed(usize::from(x - 8)),
        };
        if entries.iter().all(|e| e.tag != tag) {
            entries.push(TagEntry { tag, rule });
        }
    }
    let adjust = i64::from(i8::from_ne_bytes([r.byte()]));
    let max = r.max();
    let cuts = r.cuts();
    let spec = Spec {
        max,
        adjust,
        ..Spec::new(Kind::Tagged(entries))
    };
    against_model(&spec, r.0, cuts);
}

/// framecheck's decoder, fed `stream` in `cuts`-sized pieces, against the
/// model: before the end of the stream (the frames so far, and the bytes
/// held or the error), and after it (frames with their head and payload
/// bytes, the end with every field of the error, the consumed count).
/// Returns the decoder's transcript.
pub fn against_model(spec: &Spec, stream: &[u8], cuts: &[u8]) -> Transcript {
    let mut dec = Decoder::new(spec);
    let mut frames = Vec::new();
    let mut failed = None;
    'feed: for piece in Pieces::new(stream, cuts) {
        let mut input = piece;
        loop {
            match dec.decode(&mut input) {
                Ok(Some(f)) => frames.push(f.to_owned_frame()),
                Ok(None) => break,
                Err(e) => {
                    failed = Some(e);
                    break 'feed;
                }
            }
        }
    }
    let ctx =
        |what: &str| format!("{spec}: {what} differs from the model on {stream:?}, cut {cuts:?}");
    let open = model(spec, stream, false);
    let same_frames = |got: &[framecheck_framing::Frame], m: &framecheck_framing::model::Model| {
        assert_eq!(got.len(), m.frames.len(), "{}", ctx("the frame count"));
        for (i, (f, mf)) in got.iter().zip(&m.frames).enumerate() {
            assert_eq!(
                &f.wire[..],
                mf.wire_in(stream),
                "{} (frame {i})",
                ctx("wire")
            );
            assert_eq!(f.head(), mf.head_in(stream), "{} (frame {i})", ctx("head"));
            assert_eq!(
                f.payload(),
                mf.payload_in(stream),
                "{} (frame {i})",
                ctx("payload")
            );
        }
    };
    same_frames(&frames, &open);
    match (&failed, &open.end) {
        (None, End::Waiting { held }) => {
            assert_eq!(
                dec.held(),
                *held,
                "{}",
                ctx("the held count before the end")
            );
        }
        (Some(e), End::Failed(m)) => assert_eq!(e, m, "{}", ctx("the error")),
        _ => panic!(
            "{}: ours {failed:?}, the model's {:?}",
            ctx("the state before the end"),
            open.end
        ),
    }
    let end = match failed {
        Some(e) => Err(e),
        None => match dec.finish() {
            Ok(Some(f)) => {
                frames.push(f.to_owned_frame());
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(e) => Err(e),
        },
    };
    let ended = model(spec, stream, true);
    same_frames(&frames, &ended);
    let want = match &ended.end {
        End::Clean => Ok(()),
        End::Failed(e) => Err(e.clone()),
        End::Waiting { .. } => unreachable!("an ended stream does not wait"),
    };
    assert_eq!(end, want, "{}", ctx("the end"));
    let consumed = dec.consumed();
    assert_eq!(
        usize::try_from(consumed).ok(),
        Some(ended.consumed()),
        "{}",
        ctx("the consumed count")
    );
    Transcript {
        frames,
        end,
        consumed,
    }
}

/// What an independent text-length decoder said about a stream: its frames
/// (`None` for a pkt-line flush, delim or response-end, as `0000`..`0002`
/// in `special`), and whether it ended cleanly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextRun {
    /// Every frame: its special code (`0` for data) and payload.
    pub frames: Vec<(u8, Vec<u8>)>,
    /// `None` for a clean end, else why it stopped.
    pub error: Option<String>,
}

/// A byte slice that the `netstring` crate can read (it wants `Shutdown`).
struct Slice<'a>(&'a [u8]);

impl std::io::Read for Slice<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl netstring::Shutdown for Slice<'_> {
    fn shutdown(&self, _: std::net::Shutdown) -> std::io::Result<()> {
        Ok(())
    }
}

/// The `netstring` crate (0.4.1) on a whole stream, frame after frame until
/// the stream is used up or it fails. Inputs on which it would abort the
/// process are not given to it (see N4, N5 in `reports/differential.md`):
/// more than 63 bytes before a `:` (it indexes a 64-byte array past its
/// end), and a length above what is left (it allocates the declared length
/// before reading); those end its run with that reason.
pub fn run_netstring(stream: &[u8]) -> TextRun {
    use netstring::ReadNetstring;
    let mut frames = Vec::new();
    let mut rest = Slice(stream);
    while !rest.0.is_empty() {
        let colon = rest.0.iter().take(64).position(|&b| b == b':');
        let Some(colon) = colon else {
            let error = if rest.0.len() >= 64 {
                "N4: no ':' in 64 bytes"
            } else {
                "ends in its length"
            };
            return TextRun {
                frames,
                error: Some(error.to_owned()),
            };
        };
        let declared = std::str::from_utf8(&rest.0[..colon])
            .ok()
            .and_then(|t| t.parse::<u64>().ok());
        if declared.is_some_and(|n| n >= rest.0.len() as u64) {
            return TextRun {
                frames,
                error: Some("N5: a length above what is left".to_owned()),
            };
        }
        match rest.read_netstring() {
            Ok(text) => frames.push((0, text.into_bytes())),
            Err(e) => {
                return TextRun {
                    frames,
                    error: Some(e.to_string()),
                };
            }
        }
    }
    TextRun {
        frames,
        error: None,
    }
}

/// gix-packetline (0.24) `decode::streaming` on a whole stream, line after
/// line until the stream is used up, it needs more (a cut line), or it fails.
pub fn run_gix(stream: &[u8]) -> TextRun {
    use gix_packetline::PacketLineRef;
    use gix_packetline::decode::{Stream, streaming};
    let mut frames = Vec::new();
    let mut rest = stream;
    while !rest.is_empty() {
        match streaming(rest) {
            Ok(Stream::Complete {
                line,
                bytes_consumed,
            }) => {
                frames.push(match line {
                    PacketLineRef::Data(d) => (0, d.to_vec()),
                    PacketLineRef::Flush => (1, Vec::new()),
                    PacketLineRef::Delimiter => (2, Vec::new()),
                    PacketLineRef::ResponseEnd => (3, Vec::new()),
                });
                rest = &rest[bytes_consumed..];
            }
            Ok(Stream::Incomplete { .. }) => {
                return TextRun {
                    frames,
                    error: Some("incomplete".to_owned()),
                };
            }
            Err(e) => {
                return TextRun {
                    frames,
                    error: Some(format!("{e:?}")),
                };
            }
        }
    }
    TextRun {
        frames,
        error: None,
    }
}

/// Our transcript as a [`TextRun`]: special code and payload per frame.
fn our_run(t: &Transcript) -> TextRun {
    TextRun {
        frames: t
            .frames
            .iter()
            .map(|f| {
                let code = match f.special {
                    None | Some(Special::KeepAlive) => 0,
                    Some(Special::Flush) => 1,
                    Some(Special::Delim) => 2,
                    Some(Special::ResponseEnd) => 3,
                };
                (code, f.payload().to_vec())
            })
            .collect(),
        error: t.end.as_ref().err().map(ToString::to_string),
    }
}

/// `netstring` against the `netstring` crate (and the model): the same
/// frames and the same kind of end, except the documented differences.
fn netstrings(r: &mut Reader<'_>) {
    let cuts = r.cuts();
    let spec = Spec::new(Kind::Netstring);
    let stream = r.0;
    let ours = our_run(&against_model(&spec, stream, cuts));
    let theirs = run_netstring(stream);
    compare_text(&spec, stream, &ours, &theirs, |i, ours_err, their_frame| {
        // N1: theirs are `String`s: a payload that is not UTF-8 fails there.
        let n1 = theirs.error.as_deref().is_some_and(|e| e.contains("utf-8"))
            && theirs.frames.len() == i
            && ours
                .frames
                .get(i)
                .is_some_and(|(_, p)| std::str::from_utf8(p).is_err());
        // N2, N3: a leading zero or a sign (u64::from_str takes "+5") is a
        // frame there, an error here.
        let n2 = ours_err.is_some_and(|e| e.contains("leading zero") || e.contains("has a sign"))
            && their_frame;
        // N4, N5: not given to it.
        let n45 = theirs
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("N4") || e.starts_with("N5"))
            && theirs.frames.len() == i;
        n1 || n2 || n45
    });
}

/// `pktline` against gix-packetline (and the model).
fn pktlines(r: &mut Reader<'_>) {
    let cuts = r.cuts();
    let spec = Spec::new(Kind::PktLine);
    let stream = r.0;
    let ours = our_run(&against_model(&spec, stream, cuts));
    let theirs = run_gix(stream);
    compare_text(&spec, stream, &ours, &theirs, |i, ours_err, _| {
        let at = i_start(&ours.frames, i, 4);
        let header = stream.get(at..at + 4);
        // P1: `0004`, an empty line: gix fails, we give an empty frame.
        let p1 = header == Some(&b"0004"[..]) && theirs.frames.len() == i;
        // P2: upper-case hex: gix reads it, we fail.
        let p2 = ours_err.is_some_and(|e| e.contains("upper-case"));
        p1 || p2
    });
}

/// Where frame `i` starts, for pkt-lines: the frames before it plus their headers.
fn i_start(frames: &[(u8, Vec<u8>)], i: usize, header: usize) -> usize {
    frames[..i.min(frames.len())]
        .iter()
        .map(|(_, p)| p.len() + header)
        .sum()
}

/// Both runs agree frame by frame; at the first frame where they part, or
/// at the end, `documented(i, our error there, whether theirs has frame i)`
/// must say the difference is a documented one; else both end the same
/// way: both cleanly, or both with an error (the messages differ).
fn compare_text(
    spec: &Spec,
    stream: &[u8],
    ours: &TextRun,
    theirs: &TextRun,
    documented: impl Fn(usize, Option<&str>, bool) -> bool,
) {
    let common = ours.frames.len().min(theirs.frames.len());
    let first_diff = (0..common).find(|&i| ours.frames[i] != theirs.frames[i]);
    let i = first_diff.unwrap_or(common);
    let ours_err = if i == ours.frames.len() {
        ours.error.as_deref()
    } else {
        None
    };
    let their_frame = i < theirs.frames.len();
    let same = first_diff.is_none()
        && ours.frames.len() == theirs.frames.len()
        && ours.error.is_some() == theirs.error.is_some();
    assert!(
        same || documented(i, ours_err, their_frame),
        "{spec}: undocumented disagreement at frame {i} on {stream:?}: ours {ours:?}, theirs {theirs:?}"
    );
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

    /// `max:u16le`, 0 for the kind's default.
    fn max(&mut self) -> Option<usize> {
        let m = u16::from_le_bytes([self.byte(), self.byte()]);
        (m != 0).then_some(usize::from(m))
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
    let ours = against_model(&spec, stream, cuts);
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
    let ours = against_model(&spec, stream, cuts);
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
    fn vi(offset: u8, adjust: i8, max: u16, cuts: &[u8], stream: &[u8]) -> Vec<u8> {
        let mut v = vec![2, offset, adjust.to_ne_bytes()[0]];
        v.extend_from_slice(&max.to_le_bytes());
        v.push(u8::try_from(cuts.len()).expect("few cuts"));
        v.extend_from_slice(cuts);
        v.extend_from_slice(stream);
        v
    }
    /// `entries`: (tag, rule byte): below 8 a length field, else fixed:(rule - 8).
    fn tg(entries: &[(u8, u8)], adjust: i8, max: u16, cuts: &[u8], stream: &[u8]) -> Vec<u8> {
        let mut v = vec![3, u8::try_from(entries.len() - 1).expect("1 to 4 entries")];
        for (t, r) in entries {
            v.extend_from_slice(&[*t, *r]);
        }
        v.push(adjust.to_ne_bytes()[0]);
        v.extend_from_slice(&max.to_le_bytes());
        v.push(u8::try_from(cuts.len()).expect("few cuts"));
        v.extend_from_slice(cuts);
        v.extend_from_slice(stream);
        v
    }
    let mut varint_300 = b"\xac\x02".to_vec();
    varint_300.extend([b'p'; 300]);
    let mut out = vec![
        Seed {
            name: "varint_mqtt",
            data: vi(1, 0, 0, &[1, 2], b"\x30\x02ab\xc0\x00\x30\xac\x02"),
        },
        Seed {
            name: "varint_two_byte_length",
            data: vi(0, 0, 0, &[1, 1, 100], &varint_300),
        },
        Seed {
            name: "varint_non_minimal",
            data: vi(0, 0, 0, &[1], b"\x81\x80\x00z\x80\x00"),
        },
        Seed {
            name: "varint_tenth_byte_one",
            data: vi(0, 0, 0, &[9], b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"),
        },
        Seed {
            name: "varint_tenth_byte_two",
            data: vi(0, 0, 0, &[5], b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x02"),
        },
        Seed {
            name: "varint_ten_continuations",
            data: vi(0, 0, 0, &[], &[0x80; 12]),
        },
        Seed {
            name: "varint_nine_continuations_then_eof",
            data: vi(0, 0, 0, &[4], &[0x80; 9]),
        },
        Seed {
            name: "varint_adjust_negative",
            data: vi(2, -3, 0, &[2], b"ab\x05xyz\x00\x02"),
        },
        Seed {
            name: "varint_adjust_positive_at_max",
            data: vi(0, 2, 4, &[1], b"\x02wxyz\x03abcde"),
        },
        Seed {
            name: "tagged_fixed_len_varint",
            data: tg(
                &[(b'A', 8 + 2), (b'V', 1), (0x00, 7)],
                0,
                0,
                &[1, 3],
                b"AxyV\x00\x03abc\x00\x81\x01",
            ),
        },
        Seed {
            name: "tagged_fixed_zero",
            data: tg(&[(b'A', 8), (b'B', 8 + 1)], 0, 0, &[1], b"AABzA"),
        },
        Seed {
            name: "tagged_unknown_after_frames",
            data: tg(&[(b'A', 8 + 1)], 0, 0, &[], b"AxAyZ"),
        },
        Seed {
            name: "tagged_adjust_applies_to_lengths_only",
            data: tg(
                &[(b'A', 8 + 1), (b'P', 3)],
                -4,
                0,
                &[2],
                b"AxP\x00\x00\x00\x06hiP\x00\x00\x00\x03",
            ),
        },
        Seed {
            name: "tagged_fixed_over_max",
            data: tg(&[(b'A', 8 + 9)], 0, 4, &[], b"A12345678"),
        },
        Seed {
            name: "tagged_len_over_max",
            data: tg(&[(b'L', 0)], 1, 4, &[1], b"L\x04abcd"),
        },
        Seed {
            name: "tagged_u64le_header_cut",
            data: tg(&[(0xff, 6)], 0, 0, &[3], b"\xff\x01\x00\x00"),
        },
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
    ];
    // The text framings: mode 0xf0 netstring, 0xf1 pkt-line; CUTS, stream.
    let text = |mode: u8, cuts: &[u8], stream: &[u8]| {
        let mut v = vec![mode, u8::try_from(cuts.len()).expect("few cuts")];
        v.extend_from_slice(cuts);
        v.extend_from_slice(stream);
        v
    };
    for (name, mode, cuts, stream) in [
        (
            "netstring",
            0xf0,
            &[1u8, 2, 3][..],
            &b"5:hello,0:,12:hello, world,"[..],
        ),
        ("netstring_truncated", 0xf0, &[], b"5:hel"),
        ("netstring_bad_trailer", 0xf0, &[], b"5:hello;"),
        ("netstring_space", 0xf0, &[], b" 5:hello,"),
        ("n1_not_utf8", 0xf0, &[], b"2:\xff\xfe,"),
        ("n2_leading_zero", 0xf0, &[], b"05:hello,"),
        ("n3_plus_sign", 0xf0, &[1], b"+5:hello,"),
        ("n4_long_length", 0xf0, &[], &[b'1'; 70]),
        ("n5_huge_length", 0xf0, &[], b"99999999999999:x,"),
        ("pktline", 0xf1, &[1, 2, 3], b"0009hello000000010002"),
        ("pktline_0003", 0xf1, &[], b"0003"),
        ("pktline_truncated", 0xf1, &[], b"0009hel"),
        ("pktline_too_long", 0xf1, &[], b"fff1"),
        ("p1_empty_line", 0xf1, &[], b"00040000"),
        ("p2_upper_hex", 0xf1, &[], b"000Ahello!"),
    ] {
        out.push(Seed {
            name,
            data: text(mode, cuts, stream),
        });
    }
    out
}
