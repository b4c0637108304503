//! The header-then-body loop of a classic blocking server, for the bugs that
//! live in it: `header-in-one-recv` and `trusts-length`.
//!
//! Each frame is read as C servers do: the head bytes (`offset` or the tag),
//! the length field, then exactly the body. With `header-in-one-recv` a
//! fixed-width header is taken by one `recv` and the bytes it did not return
//! are zeros; with `trusts-length` the declared length is never checked
//! against the maximum. Everything else (EOF, timeouts, replies) follows the
//! correct server.

use framecheck_framing::decode::VARINT_MAX_BYTES;
use framecheck_framing::{Kind, LenField, Spec, TagRule};

use super::conn::{Conn, READ_CHUNK, Read};
use super::{BUG_BUFFER_CAP, Bug};

/// Serve frames until the connection ends.
pub(crate) fn serve(conn: &mut Conn<'_>) {
    let spec = conn.config.spec.clone();
    let mut wire = Vec::new();
    loop {
        wire.clear();
        match read_frame(conn, &spec, &mut wire) {
            Ok(()) => {
                if conn.send(&wire).is_err() {
                    return;
                }
            }
            Err(End::Boundary) => return conn.shutdown_write(),
            Err(End::Abort) => return,
        }
    }
}

/// Why no frame was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// EOF at a frame boundary: shut down cleanly.
    Boundary,
    /// EOF inside a frame, a bad header, a timeout, a reset or a stop:
    /// close without a reply.
    Abort,
}

/// Read one frame into `wire`.
fn read_frame(conn: &mut Conn<'_>, spec: &Spec, wire: &mut Vec<u8>) -> Result<(), End> {
    let one_recv = conn.bug() == Some(Bug::HeaderInOneRecv);
    let trusts = conn.bug() == Some(Bug::TrustsLength);
    let payload = match &spec.kind {
        Kind::Len(field) => {
            match field.width() {
                Some(w) if one_recv => recv_once(conn, wire, spec.offset + w)?,
                _ => fill(conn, wire, spec.offset)?,
            }
            read_length(conn, wire, spec.offset, *field, spec.adjust, one_recv)?
        }
        Kind::Tagged(entries) => {
            fill(conn, wire, 1)?;
            let tag = wire[0];
            match entries.iter().find(|e| e.tag == tag).map(|e| e.rule) {
                None => return Err(End::Abort),
                Some(TagRule::Fixed(n)) => n,
                Some(TagRule::Len(field)) => {
                    read_length(conn, wire, 1, field, spec.adjust, one_recv)?
                }
            }
        }
        // `Bug::applies_to` keeps every other framing out of this loop.
        _ => return Err(End::Abort),
    };
    if payload > spec.max() && !trusts {
        return Err(End::Abort);
    }
    let total = wire.len().checked_add(payload).ok_or(End::Abort)?;
    fill(conn, wire, total)
}

/// Read the length field that starts at `wire[at]` (unless a single recv
/// already took it) and return the payload length it declares.
fn read_length(
    conn: &mut Conn<'_>,
    wire: &mut Vec<u8>,
    at: usize,
    field: LenField,
    adjust: i64,
    one_recv: bool,
) -> Result<usize, End> {
    let declared = match field.width() {
        Some(w) => {
            if wire.len() < at + w {
                if one_recv && w >= 2 {
                    recv_once(conn, wire, at + w)?;
                } else {
                    fill(conn, wire, at + w)?;
                }
            }
            fixed_len(field, &wire[at..at + w])
        }
        None => {
            // LEB128, a byte at a time.
            loop {
                fill(conn, wire, wire.len() + 1)?;
                let last = wire[wire.len() - 1];
                if last & 0x80 == 0 {
                    break varint(&wire[at..]).ok_or(End::Abort)?;
                }
                if wire.len() - at >= VARINT_MAX_BYTES {
                    return Err(End::Abort);
                }
            }
        }
    };
    let len = i128::from(declared) + i128::from(adjust);
    usize::try_from(len).map_err(|_| End::Abort)
}

/// Append bytes until `wire` holds `len`, reading at most what the frame
/// still needs (never into the next frame).
fn fill(conn: &mut Conn<'_>, wire: &mut Vec<u8>, len: usize) -> Result<(), End> {
    while wire.len() < len {
        let got = wire.len();
        let spec = &conn.config.spec;
        if got >= BUG_BUFFER_CAP.max(spec.max().saturating_add(spec.overhead())) {
            return Err(End::Abort);
        }
        let want = (len - got).min(READ_CHUNK);
        wire.resize(got + want, 0);
        let read = conn.read(&mut wire[got..], conn.deadline(got > 0));
        match read {
            Read::Data(n) => wire.truncate(got + n),
            Read::Eof if got == 0 => return Err(End::Boundary),
            _ => return Err(End::Abort),
        }
    }
    Ok(())
}

/// `header-in-one-recv`: one read for the header, zeros for what it missed.
fn recv_once(conn: &mut Conn<'_>, wire: &mut Vec<u8>, len: usize) -> Result<(), End> {
    let got = wire.len();
    wire.resize(len, 0);
    match conn.read(&mut wire[got..], conn.deadline(got > 0)) {
        // The bytes this read did not fill stay zero: the bug.
        Read::Data(_) => Ok(()),
        Read::Eof if got == 0 => Err(End::Boundary),
        _ => Err(End::Abort),
    }
}

/// The value of a fixed-width length field; `bytes` has exactly its width.
fn fixed_len(field: LenField, bytes: &[u8]) -> u64 {
    let mut be = [0u8; 8];
    let n = bytes.len().min(8);
    match field {
        LenField::U16Le | LenField::U32Le | LenField::U64Le => {
            for (i, b) in bytes[..n].iter().enumerate() {
                be[7 - i] = *b;
            }
        }
        _ => be[8 - n..].copy_from_slice(&bytes[..n]),
    }
    u64::from_be_bytes(be)
}

/// A LEB128 value, or `None` past 64 bits.
fn varint(bytes: &[u8]) -> Option<u64> {
    let mut value: u64 = 0;
    for (i, b) in bytes.iter().enumerate() {
        let group = u64::from(b & 0x7f);
        let shift = u32::try_from(7 * i).ok()?;
        let shifted = group.checked_shl(shift)?;
        if shifted >> shift != group {
            return None;
        }
        value |= shifted;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_fields() {
        let table: &[(&str, LenField, &[u8], u64)] = &[
            ("u8", LenField::U8, b"\x07", 7),
            ("u16be", LenField::U16Be, b"\x01\x02", 0x0102),
            ("u16le", LenField::U16Le, b"\x01\x02", 0x0201),
            ("u32be", LenField::U32Be, b"\x00\x00\x01\x00", 256),
            ("u32le", LenField::U32Le, b"\x00\x01\x00\x00", 256),
            (
                "u64be",
                LenField::U64Be,
                b"\xff\xff\xff\xff\xff\xff\xff\xff",
                u64::MAX,
            ),
            ("u64le", LenField::U64Le, b"\x01\0\0\0\0\0\0\0", 1),
        ];
        for (name, field, bytes, want) in table {
            assert_eq!(fixed_len(*field, bytes), *want, "{name}");
        }
        assert_eq!(varint(b"\xc8\x01"), Some(200));
        assert_eq!(varint(b"\x00"), Some(0));
        assert_eq!(
            varint(b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"),
            Some(u64::MAX)
        );
        assert_eq!(varint(b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02"), None);
    }
}
