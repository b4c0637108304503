//! Encoders: payloads in, wire bytes out, for every strategy.
//!
//! An encoder refuses what its decoder could not read back as the same
//! message: a payload over `max` or too long for the length field, a fixed
//! frame of the wrong length, a payload containing its delimiter, an unknown
//! tag, or a head of the wrong length. On error `out` is left as it was.
//!
//! ```
//! use framecheck_framing::{Encoder, Spec};
//! // MQTT: a type byte, then a varint that counts the rest.
//! let enc = Encoder::new(&"varint,offset=1".parse()?);
//! let mut out = Vec::new();
//! enc.encode(&[0xc0], &[], &mut out)?; // PINGREQ
//! enc.encode(&[0x30], &[b'x'; 200], &mut out)?; // PUBLISH, 200-byte body
//! assert_eq!(&out[..5], b"\xc0\x00\x30\xc8\x01");
//! let crlf = Encoder::new(&"crlf".parse()?);
//! assert!(crlf.encode(&[], b"a\r\nb", &mut out).is_err());
//! # Ok::<(), framecheck_framing::Error>(())
//! ```

use memchr::memmem;

use crate::Error;
use crate::frame::Special;
use crate::spec::{DECLEN_MAX_DIGITS, Kind, LenField, NETSTRING_MAX_DIGITS, Spec, TagRule};
use crate::text::write_digits;

/// Encodes payloads for one [`Spec`].
#[derive(Debug, Clone)]
pub struct Encoder {
    spec: Spec,
    finder: Option<memmem::Finder<'static>>,
    /// The encoder of the first frame, for a `first=` spec.
    first: Option<Box<Encoder>>,
}

impl Encoder {
    /// An encoder for `spec`.
    pub fn new(spec: &Spec) -> Encoder {
        Encoder {
            finder: spec
                .delimiter()
                .map(|d| memmem::Finder::new(d).into_owned()),
            spec: spec.clone(),
            first: spec.first.as_deref().map(|f| Box::new(Encoder::new(f))),
        }
    }

    /// The encoder of a stream's first frame: the `first=` spec's, or this one.
    pub fn first(&self) -> &Encoder {
        self.first.as_deref().unwrap_or(self)
    }

    /// The spec this encoder writes.
    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// How many head bytes (before the length field) a message needs: the
    /// `offset`, 1 for a tag, else 0.
    /// A `counted:` spec takes the command line (without its delimiter) as
    /// the head of a counted block, or no head for a line of its own (the
    /// payload); its `head_len` is 0 and any head length is accepted.
    pub fn head_len(&self) -> usize {
        match self.spec.kind {
            Kind::Len(_) | Kind::Digits(_) | Kind::Hex(_) => self.spec.offset,
            Kind::Tagged(_) => 1,
            _ => 0,
        }
    }

    /// Append one framed message to `out`: `head` (see [`Encoder::head_len`])
    /// then the length or delimiter, then `payload`.
    pub fn encode(&self, head: &[u8], payload: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        if head.len() != self.head_len() && !matches!(self.spec.kind, Kind::Counted(_)) {
            return Err(Error::unencodable(format!(
                "{} needs a head of {} bytes before the length, got {}",
                self.spec,
                self.head_len(),
                head.len()
            )));
        }
        let max = self.spec.max();
        if payload.len() > max {
            return Err(Error::unencodable(format!(
                "payload of {} bytes is over the maximum of {max}",
                payload.len()
            )));
        }
        let mark = out.len();
        let result = self.write(head, payload, out);
        if result.is_err() {
            out.truncate(mark);
        }
        result
    }

    /// Append a reserved packet: pkt-line flush, delim or response-end, or
    /// the keep-alive of `digits:N`/`hex:N` (all zeros, no `adjust`).
    pub fn encode_special(
        &self,
        head: &[u8],
        special: Special,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let code: &[u8] = match (&self.spec.kind, special) {
            (Kind::PktLine, Special::Flush) => b"0000",
            (Kind::PktLine, Special::Delim) => b"0001",
            (Kind::PktLine, Special::ResponseEnd) => b"0002",
            (Kind::Digits(n) | Kind::Hex(n), Special::KeepAlive) if self.spec.adjust == 0 => {
                if head.len() != self.spec.offset {
                    return Err(Error::unencodable(format!(
                        "{} needs a head of {} bytes before the length, got {}",
                        self.spec,
                        self.spec.offset,
                        head.len()
                    )));
                }
                out.extend_from_slice(head);
                out.resize(out.len() + n, b'0');
                return Ok(());
            }
            _ => {
                return Err(Error::unencodable(format!(
                    "{} has no {} packet",
                    self.spec,
                    special.name()
                )));
            }
        };
        out.extend_from_slice(code);
        Ok(())
    }

    /// [`Encoder::encode`] for strategies without a head.
    pub fn encode_payload(&self, payload: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        self.encode(&[], payload, out)
    }

    fn write(&self, head: &[u8], payload: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        match &self.spec.kind {
            Kind::Fixed(n) => {
                if payload.len() != *n {
                    return Err(Error::unencodable(format!(
                        "fixed:{n} needs exactly {n} bytes, got {}",
                        payload.len()
                    )));
                }
                out.extend_from_slice(payload);
            }
            Kind::Line | Kind::Crlf | Kind::Delim(_) => {
                let delim = self.spec.delimiter().unwrap_or_default();
                let start = out.len();
                out.extend_from_slice(payload);
                out.extend_from_slice(delim);
                // The first delimiter on the wire must be the one we appended.
                let first = self.finder.as_ref().and_then(|f| f.find(&out[start..]));
                if first != Some(payload.len()) {
                    return Err(Error::unencodable(format!(
                        "payload contains its delimiter at byte {}",
                        first.unwrap_or(0)
                    )));
                }
            }
            Kind::Len(field) => {
                out.extend_from_slice(head);
                write_len(*field, payload.len(), self.spec.adjust, out)?;
                out.extend_from_slice(payload);
            }
            Kind::Tagged(entries) => {
                let tag = head[0];
                let rule = entries
                    .iter()
                    .find(|e| e.tag == tag)
                    .map(|e| e.rule)
                    .ok_or_else(|| {
                        Error::unencodable(format!("tag 0x{tag:02x} is not in the spec"))
                    })?;
                out.push(tag);
                match rule {
                    TagRule::Fixed(n) if payload.len() != n => {
                        return Err(Error::unencodable(format!(
                            "tag 0x{tag:02x} takes exactly {n} bytes, got {}",
                            payload.len()
                        )));
                    }
                    TagRule::Fixed(_) => {}
                    TagRule::Len(field) => write_len(field, payload.len(), self.spec.adjust, out)?,
                }
                out.extend_from_slice(payload);
            }
            Kind::Eof => out.extend_from_slice(payload),
            Kind::Digits(_)
            | Kind::Hex(_)
            | Kind::PktLine
            | Kind::Netstring
            | Kind::DecLen(_)
            | Kind::Counted(_) => self.write_text(head, payload, out)?,
            Kind::Http1(h) => crate::http1::write_message(h, payload, out)?,
        }
        Ok(())
    }
}

impl Encoder {
    /// [`Encoder::write`] for the lengths written as text.
    fn write_text(&self, head: &[u8], payload: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        match &self.spec.kind {
            Kind::Digits(n) | Kind::Hex(n) => {
                let hex = matches!(self.spec.kind, Kind::Hex(_));
                out.extend_from_slice(head);
                let declared = u64::try_from(
                    i128::try_from(payload.len()).unwrap_or(i128::MAX)
                        - i128::from(self.spec.adjust),
                )
                .ok();
                if !declared.is_some_and(|v| write_digits(v, *n, hex, out)) {
                    return Err(Error::unencodable(format!(
                        "a {}-byte payload with adjust {:+} does not fit {}",
                        payload.len(),
                        self.spec.adjust,
                        self.spec.kind
                    )));
                }
                out.extend_from_slice(payload);
            }
            Kind::PktLine => {
                // max() is at most 65516, checked by encode: 4 + len fits.
                write_digits(len64(payload.len()) + 4, 4, true, out);
                out.extend_from_slice(payload);
            }
            Kind::Netstring | Kind::DecLen(_) => {
                let (limit, sep, trailer): (usize, u8, &[u8]) = match self.spec.kind {
                    Kind::DecLen(sep) => (DECLEN_MAX_DIGITS, sep, b""),
                    _ => (NETSTRING_MAX_DIGITS, b':', b","),
                };
                if payload.is_empty() && trailer.is_empty() {
                    return Err(Error::unencodable(
                        "a declen: length cannot be 0 (MSG-LEN starts with a non-zero digit)",
                    ));
                }
                let digits = payload.len().to_string();
                if digits.len() > limit {
                    return Err(Error::unencodable(format!(
                        "a {}-byte payload needs more than {limit} digits",
                        payload.len()
                    )));
                }
                out.extend_from_slice(digits.as_bytes());
                out.push(sep);
                out.extend_from_slice(payload);
                out.extend_from_slice(trailer);
            }
            Kind::Counted(c) => {
                let delim = c.delimiter();
                let line: &[u8] = if head.is_empty() { payload } else { head };
                if memmem::find(line, delim).is_some() || line.len() > self.spec.line_max() {
                    return Err(Error::unencodable(
                        "a counted line contains its delimiter or is over the line maximum",
                    ));
                }
                let mut words = line.split(|&b| b == b' ');
                let pos = c.pos_of(words.next().unwrap_or(&[]));
                match (head.is_empty(), pos) {
                    (true, None) => {
                        out.extend_from_slice(payload);
                        out.extend_from_slice(delim);
                    }
                    (true, Some(_)) => {
                        return Err(Error::unencodable(
                            "a line of its own starts with a counted command",
                        ));
                    }
                    (false, None) => {
                        return Err(Error::unencodable(
                            "the head of a counted block does not start with a counted command",
                        ));
                    }
                    (false, Some(pos)) => {
                        let count = payload.len().to_string();
                        if words.nth(pos - 2) != Some(count.as_bytes()) {
                            return Err(Error::unencodable(format!(
                                "the head's word {pos} is not the block's length {count}"
                            )));
                        }
                        out.extend_from_slice(head);
                        out.extend_from_slice(delim);
                        out.extend_from_slice(payload);
                        out.extend_from_slice(delim);
                    }
                }
            }
            _ => unreachable!("write_text is only called for text kinds"),
        }
        Ok(())
    }
}

/// A length as a `u64`.
fn len64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// Write the length field that makes a decoder read `payload` bytes.
#[expect(
    clippy::cast_possible_truncation,
    reason = "each narrowing is checked against max_value first"
)]
fn write_len(field: LenField, payload: usize, adjust: i64, out: &mut Vec<u8>) -> Result<(), Error> {
    let declared = u64::try_from(i128::try_from(payload).unwrap_or(i128::MAX) - i128::from(adjust))
        .ok()
        .filter(|v| *v <= field.max_value())
        .ok_or_else(|| {
            Error::unencodable(format!(
                "a {payload}-byte payload with adjust {adjust:+} does not fit a {field} length"
            ))
        })?;
    // Each narrowing below is checked by `max_value` above.
    match field {
        LenField::U8 => out.push(declared as u8),
        LenField::U16Be => out.extend_from_slice(&(declared as u16).to_be_bytes()),
        LenField::U16Le => out.extend_from_slice(&(declared as u16).to_le_bytes()),
        LenField::U32Be => out.extend_from_slice(&(declared as u32).to_be_bytes()),
        LenField::U32Le => out.extend_from_slice(&(declared as u32).to_le_bytes()),
        LenField::U64Be => out.extend_from_slice(&declared.to_be_bytes()),
        LenField::U64Le => out.extend_from_slice(&declared.to_le_bytes()),
        LenField::Varint => {
            let mut v = declared;
            while v >= 0x80 {
                out.push((v & 0x7f) as u8 | 0x80);
                v >>= 7;
            }
            out.push(v as u8);
        }
    }
    Ok(())
}
