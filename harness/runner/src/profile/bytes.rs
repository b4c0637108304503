//! Bytes in a profile: `{ text = "..." }` or `{ hex = "..." }`.

/// Parse pairs of hex digits; ASCII whitespace between pairs is ignored.
pub(crate) fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if digits.len() % 2 != 0 {
        return Err(format!(
            "{} hex digits is an odd number; write each byte as two digits",
            digits.len()
        ));
    }
    digits
        .chunks_exact(2)
        .map(|pair| {
            let hi = nibble(pair[0]);
            let lo = nibble(pair[1]);
            match (hi, lo) {
                (Some(hi), Some(lo)) => Ok(hi << 4 | lo),
                _ => Err(format!(
                    "{:?} is not a hex byte; expected digits 0-9, a-f, A-F",
                    String::from_utf8_lossy(pair)
                )),
            }
        })
        .collect()
}

fn nibble(c: u8) -> Option<u8> {
    // `to_digit(16)` is below 16, so the narrowing is exact.
    char::from(c)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// Bytes for a person: `b"+PONG\r\n"` style, escaped ASCII.
pub(crate) fn show(bytes: &[u8]) -> String {
    format!("\"{}\"", bytes.escape_ascii())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[expect(
        clippy::type_complexity,
        reason = "a scenario table reads best as tuples"
    )]
    fn hex_table() {
        let cases: [(&str, &str, Result<&[u8], &str>); 5] = [
            ("empty", "", Ok(b"")),
            ("spaced", "c0 00", Ok(b"\xc0\x00")),
            ("mixed_case_and_newlines", "Ab\n cD", Ok(b"\xab\xcd")),
            ("odd", "c0 0", Err("odd number")),
            ("not_hex", "zz", Err("not a hex byte")),
        ];
        for (scenario, input, want) in cases {
            match (parse_hex(input), want) {
                (Ok(got), Ok(want)) => assert_eq!(got, want, "{scenario}"),
                (Err(got), Err(want)) => assert!(got.contains(want), "{scenario}: {got}"),
                (got, want) => panic!("{scenario}: got {got:?}, want {want:?}"),
            }
        }
        assert_eq!(show(b"+OK\r\n"), "\"+OK\\r\\n\"");
    }
}
