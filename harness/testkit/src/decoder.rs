//! The decoder under test: the [`UserDecoder`] trait and its adapters.
//!
//! The checks drive a decoder the way a reader loop does: each read's bytes
//! are pushed, complete frames come out, and at the end of the stream the
//! decoder is told so. Two adapters cover the common shapes:
//!
//! * [`BufFn`] (from [`from_fn`]): a function over `&mut BytesMut` that
//!   splits one frame off the front, or returns `Ok(None)` for "need more";
//! * `Tokio` (cargo feature `tokio-util`): any `tokio_util::codec::Decoder`,
//!   driven as `FramedRead` drives it.
//!
//! Both own the buffer, so they report how many bytes they hold and how much
//! they have allocated ([`Held`]); the checks bound both by the spec's
//! maximum. A frame is compared as its bytes (`AsRef<[u8]>`: `Vec<u8>`,
//! `Bytes`, `BytesMut`, `String` all qualify).

use std::fmt;

use bytes::BytesMut;

/// What a decoder holds between reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    /// Bytes buffered and not yet returned as frames.
    pub len: usize,
    /// Bytes allocated for the buffer.
    pub capacity: usize,
}

/// A decoder fed a stream in pieces: what the checks compare with the
/// reference.
///
/// A call that refuses the stream returns `Err`; the checks then call the
/// decoder no more (a reader closes the connection). Only *where* a decoder
/// refuses is compared with the reference, never its error value.
///
/// ```
/// use framecheck_testkit::UserDecoder;
/// /// Splits at every '\n' (keeping nothing between reads, so it is wrong).
/// struct Forgetful;
/// impl UserDecoder for Forgetful {
///     type Error = String;
///     fn push(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), String> {
///         frames.extend(chunk.split_inclusive(|&b| b == b'\n')
///             .filter(|l| l.ends_with(b"\n"))
///             .map(|l| l[..l.len() - 1].to_vec()));
///         Ok(())
///     }
///     fn finish(&mut self, _frames: &mut Vec<Vec<u8>>) -> Result<(), String> { Ok(()) }
/// }
/// let spec = "line".parse()?;
/// assert!(framecheck_testkit::check(&spec, || Forgetful, b"ab\n", &"1".parse()?).is_err());
/// # Ok::<(), framecheck_framing::Error>(())
/// ```
pub trait UserDecoder {
    /// The decoder's own error type (shown, never compared).
    type Error: fmt::Debug;
    /// Take the next read's bytes; append every frame now complete to `frames`.
    fn push(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Self::Error>;
    /// The stream has ended; append any last frame, or refuse what is left.
    fn finish(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Self::Error>;
    /// What the decoder holds now, if it can tell; `None` skips the bound.
    fn held(&self) -> Option<Held> {
        None
    }
}

/// A boxed decoder is a decoder (for tables of decoders).
impl<U: UserDecoder + ?Sized> UserDecoder for Box<U> {
    type Error = U::Error;

    fn push(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), U::Error> {
        (**self).push(chunk, frames)
    }

    fn finish(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), U::Error> {
        (**self).finish(frames)
    }

    fn held(&self) -> Option<Held> {
        (**self).held()
    }
}

/// The most frames one call may yield: one per buffered byte, plus one.
/// A decoder that returns frames without consuming bytes (tokio-util's
/// `LengthDelimitedCodec` with `num_skip(0)` and a zero length) would
/// otherwise spin forever; past this the adapters stop asking.
fn frame_limit(buffered: usize) -> usize {
    buffered + 1
}

/// The adapter for a function that splits frames off the front of a buffer;
/// see [`from_fn`].
pub struct BufFn<F> {
    split: F,
    buf: BytesMut,
}

impl<F> fmt::Debug for BufFn<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufFn")
            .field("buf", &self.buf)
            .finish_non_exhaustive()
    }
}

/// What a [`BufFn`] refuses with: the function's own error, or bytes left
/// over at the end of the stream (tokio-util's default `decode_eof` rule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BufFnError<E> {
    /// The function returned this error.
    Decode(E),
    /// The stream ended with this many bytes that made no frame.
    BytesRemaining(usize),
}

/// Adapt a function `FnMut(&mut BytesMut) -> Result<Option<T>, E>` that
/// splits one frame off the front of the buffer (or returns `Ok(None)` to
/// wait for more bytes). At the end of the stream it is called until it
/// returns `None`; bytes still buffered then are refused
/// ([`BufFnError::BytesRemaining`]).
///
/// ```
/// use bytes::BytesMut;
/// use framecheck_testkit::{check_all_schedules, from_fn};
/// // A correct u8-length decoder: header, then that many bytes.
/// let split = |buf: &mut BytesMut| -> Result<Option<BytesMut>, ()> {
///     match buf.first() {
///         Some(&n) if buf.len() > usize::from(n) => {
///             let mut frame = buf.split_to(1 + usize::from(n));
///             Ok(Some(frame.split_off(1)))
///         }
///         _ => Ok(None),
///     }
/// };
/// let spec = "u8".parse()?;
/// let ok = check_all_schedules(&spec, || from_fn(split), b"\x02hi\x00\x01!");
/// assert!(ok.is_ok(), "{}", ok.unwrap_err());
/// # Ok::<(), framecheck_framing::Error>(())
/// ```
pub fn from_fn<F, T, E>(split: F) -> BufFn<F>
where
    F: FnMut(&mut BytesMut) -> Result<Option<T>, E>,
    T: AsRef<[u8]>,
    E: fmt::Debug,
{
    BufFn {
        split,
        buf: BytesMut::new(),
    }
}

impl<F, T, E> UserDecoder for BufFn<F>
where
    F: FnMut(&mut BytesMut) -> Result<Option<T>, E>,
    T: AsRef<[u8]>,
    E: fmt::Debug,
{
    type Error = BufFnError<E>;

    fn push(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), Self::Error> {
        self.buf.extend_from_slice(chunk);
        drain(&mut self.buf, frames, &mut self.split).map_err(BufFnError::Decode)
    }

    fn finish(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), Self::Error> {
        drain(&mut self.buf, frames, &mut self.split).map_err(BufFnError::Decode)?;
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(BufFnError::BytesRemaining(self.buf.len()))
        }
    }

    fn held(&self) -> Option<Held> {
        Some(held_of(&self.buf))
    }
}

fn held_of(buf: &BytesMut) -> Held {
    Held {
        len: buf.len(),
        capacity: buf.capacity(),
    }
}

/// Call `split` until it asks for more (or the frame limit is reached).
fn drain<T: AsRef<[u8]>, E>(
    buf: &mut BytesMut,
    frames: &mut Vec<Vec<u8>>,
    mut split: impl FnMut(&mut BytesMut) -> Result<Option<T>, E>,
) -> Result<(), E> {
    let limit = frame_limit(buf.len());
    for _ in 0..limit {
        match split(buf)? {
            Some(frame) => frames.push(frame.as_ref().to_vec()),
            None => return Ok(()),
        }
    }
    Ok(())
}

/// The adapter for a `tokio_util::codec::Decoder` (cargo feature
/// `tokio-util`): bytes are appended to a `BytesMut`, `decode` is called
/// until it returns `None`, and at the end of the stream `decode_eof` until
/// it returns `None`, as `FramedRead` does.
///
/// ```
/// use framecheck_testkit::{Tokio, check_all_schedules};
/// use tokio_util::codec::AnyDelimiterCodec;
/// let spec = "delim:;,max=16".parse()?;
/// let codec = || Tokio::new(AnyDelimiterCodec::new_with_max_length(b";".to_vec(), b";".to_vec(), 16));
/// assert!(check_all_schedules(&spec, codec, b"ab;;cd;").is_ok());
/// # Ok::<(), framecheck_framing::Error>(())
/// ```
#[cfg(feature = "tokio-util")]
#[derive(Debug)]
pub struct Tokio<C> {
    codec: C,
    buf: BytesMut,
}

#[cfg(feature = "tokio-util")]
impl<C> Tokio<C> {
    /// Wrap a codec at the start of a stream.
    pub fn new(codec: C) -> Tokio<C> {
        Tokio {
            codec,
            buf: BytesMut::new(),
        }
    }
}

#[cfg(feature = "tokio-util")]
impl<C> UserDecoder for Tokio<C>
where
    C: tokio_util::codec::Decoder,
    C::Item: AsRef<[u8]>,
    C::Error: fmt::Debug,
{
    type Error = C::Error;

    fn push(&mut self, chunk: &[u8], frames: &mut Vec<Vec<u8>>) -> Result<(), C::Error> {
        self.buf.extend_from_slice(chunk);
        let codec = &mut self.codec;
        drain(&mut self.buf, frames, |b| codec.decode(b))
    }

    fn finish(&mut self, frames: &mut Vec<Vec<u8>>) -> Result<(), C::Error> {
        let codec = &mut self.codec;
        drain(&mut self.buf, frames, |b| codec.decode_eof(b))
    }

    fn held(&self) -> Option<Held> {
        Some(held_of(&self.buf))
    }
}
