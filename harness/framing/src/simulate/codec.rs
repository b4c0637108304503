//! [`Push`] for any `tokio_util::codec::Decoder` (cargo feature `tokio-util`).

use std::fmt;

use bytes::BytesMut;

use super::Push;

/// Drives a tokio-util codec the way `FramedRead` does: bytes are appended
/// to a buffer and `decode` is called until it asks for more; at the end of
/// the stream `decode_eof` is called until it returns `None`. An error is
/// reported once (as its `Debug` text) and the codec is not called again.
///
/// ```
/// use framecheck_framing::simulate::{check, Codec};
/// use tokio_util::codec::LinesCodec;
/// let stream = b"one\ntwo\n";
/// let ok = check(|| Codec::new(LinesCodec::new()), stream, &[], &"1".parse()?);
/// assert_eq!(ok.map(|d| d.events.len()).ok(), Some(2));
/// # Ok::<(), framecheck_framing::Error>(())
/// ```
#[derive(Debug)]
pub struct Codec<C> {
    inner: C,
    buf: BytesMut,
    failed: bool,
}

impl<C> Codec<C> {
    /// Wrap a codec at the start of a stream.
    pub fn new(codec: C) -> Codec<C> {
        Codec {
            inner: codec,
            buf: BytesMut::new(),
            failed: false,
        }
    }

    fn record<T, E: fmt::Debug>(
        &mut self,
        result: Result<Option<T>, E>,
        out: &mut Vec<Result<T, String>>,
    ) -> bool {
        match result {
            Ok(Some(item)) => {
                out.push(Ok(item));
                true
            }
            Ok(None) => false,
            Err(e) => {
                out.push(Err(format!("{e:?}")));
                self.failed = true;
                false
            }
        }
    }
}

impl<C> Push for Codec<C>
where
    C: tokio_util::codec::Decoder,
    C::Item: fmt::Debug + Clone + PartialEq,
    C::Error: fmt::Debug,
{
    type Event = Result<C::Item, String>;

    fn push(&mut self, chunk: &[u8], out: &mut Vec<Self::Event>) {
        if self.failed {
            return;
        }
        self.buf.extend_from_slice(chunk);
        loop {
            let r = self.inner.decode(&mut self.buf);
            if !self.record(r, out) {
                return;
            }
        }
    }

    fn finish(&mut self, out: &mut Vec<Self::Event>) {
        if self.failed {
            return;
        }
        loop {
            let r = self.inner.decode_eof(&mut self.buf);
            if !self.record(r, out) {
                return;
            }
        }
    }
}
