//! Whole-stream decoding into an owned, comparable record.

use crate::{Decoder, Error, Frame, Spec};

/// Everything a decoder said about one stream: the frames, how it ended and
/// how many bytes the frames took. Two deliveries of the same bytes must give
/// equal transcripts however they were cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transcript {
    /// Every complete frame, in order.
    pub frames: Vec<Frame>,
    /// `Ok` if the stream ended on a frame boundary, else the error.
    pub end: Result<(), Error>,
    /// Bytes consumed by the frames.
    pub consumed: u64,
}

/// Decode `chunks` as one stream, then end it.
///
/// ```
/// use framecheck_framing::{transcript, Error, Stage};
/// let t = transcript(&"crlf".parse()?, [&b"PING\r"[..], b"\nPI"]);
/// assert_eq!(t.frames.len(), 1);
/// assert_eq!(t.end, Err(Error::Truncated { offset: 6, held: 2, stage: Stage::Delimiter }));
/// # Ok::<(), Error>(())
/// ```
pub fn transcript<'a>(spec: &Spec, chunks: impl IntoIterator<Item = &'a [u8]>) -> Transcript {
    let mut dec = Decoder::new(spec);
    let mut frames = Vec::new();
    let end = feed_all(&mut dec, chunks, &mut frames);
    Transcript {
        frames,
        end,
        consumed: dec.consumed(),
    }
}

fn feed_all<'a>(
    dec: &mut Decoder,
    chunks: impl IntoIterator<Item = &'a [u8]>,
    frames: &mut Vec<Frame>,
) -> Result<(), Error> {
    for chunk in chunks {
        let mut input = chunk;
        while let Some(frame) = dec.decode(&mut input)? {
            frames.push(frame.to_owned_frame());
        }
    }
    if let Some(frame) = dec.finish()? {
        frames.push(frame.to_owned_frame());
    }
    Ok(())
}
