//! Bytes as readable text in replay files: printable ASCII as itself,
//! `\\`, `\n`, `\r`, `\t`, and `\xHH` for everything else, so a minimized
//! finding reads at a glance and parses back byte for byte.

use std::fmt::Write as _;

use serde::{Deserialize, Deserializer, Serializer};

/// `bytes` escaped; [`unescape`] reverses it.
///
/// ```
/// use framecheck_netfuzz::text::{escape, unescape};
/// let bytes = b"a%n\x00\xff\\\n";
/// assert_eq!(escape(bytes), r"a%n\x00\xff\\\n");
/// assert_eq!(unescape(&escape(bytes)).as_deref(), Some(&bytes[..]));
/// ```
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\\' => out.push_str(r"\\"),
            b'\n' => out.push_str(r"\n"),
            b'\r' => out.push_str(r"\r"),
            b'\t' => out.push_str(r"\t"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out
}

/// The bytes of an [`escape`]d string; `None` for a bad escape or a
/// character outside printable ASCII.
pub fn unescape(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            if !(0x20..=0x7e).contains(&b) {
                return None;
            }
            out.push(b);
            continue;
        }
        match bytes.next()? {
            b'\\' => out.push(b'\\'),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'x' => {
                let hi = char::from(bytes.next()?).to_digit(16)?;
                let lo = char::from(bytes.next()?).to_digit(16)?;
                out.push(u8::try_from(hi * 16 + lo).ok()?);
            }
            _ => return None,
        }
    }
    Some(out)
}

/// `#[serde(with = "crate::text")]`: a byte vector as escaped text.
pub(crate) fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&escape(bytes))
}

/// See [`serialize`].
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    let text = String::deserialize(d)?;
    unescape(&text).ok_or_else(|| serde::de::Error::custom(format!("bad escaped bytes {text:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_round_trips() {
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(unescape(&escape(&all)), Some(all));
    }

    #[test]
    fn bad_escapes_are_refused() {
        for bad in [r"\q", r"\x4", r"\xzz", "é", "\\"] {
            assert_eq!(unescape(bad), None, "{bad}");
        }
    }
}
