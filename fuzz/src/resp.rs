//! The `differential_resp` target's body: framecheck's RESP scanner
//! (`framecheck_framing::resp`) against the `redis-protocol` crate (6.0),
//! an independent RESP2/RESP3 decoder built on nom.
//!
//! Both read the same stream frame by frame; for each frame they must agree
//! on where it ends, or both say "need more", or both refuse it. They differ
//! in the ways written up in `reports/differential.md` (R1 to R11), which the
//! body recognizes and asserts as such; any other disagreement panics.
//!
//! # Input layout
//!
//! ```text
//! differential_resp := mode:u8 stream
//!     mode & 1: 0 RESP2 (redis_protocol::resp2::decode::decode_range,
//!     framecheck RespMode::Resp2); 1 RESP3
//!     (redis_protocol::resp3::decode::complete::decode_range,
//!     framecheck RespMode::Value)
//! ```
//!
//! framecheck's limits are set wide (1 MiB a frame, 65536 elements), so a
//! refusal for a limit is a difference of configuration, not of meaning,
//! and ends the comparison; so does the depth limit (32), which also keeps
//! the recursive decoder of the other side off deeply nested input.

use framecheck_framing::resp::{RespLimits, RespMode, RespRule, Scanner};

/// What one side made of the front of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A frame of this many bytes.
    Frame(usize),
    /// Not a whole frame yet.
    More,
    /// Refused: framecheck's rule, or the other side's message.
    Refused(String),
}

/// The known differences (see `reports/differential.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    /// R1 (theirs): the CRLF after a bulk string's bytes is skipped, not
    /// checked.
    BulkTrailerUnchecked,
    /// R2 (theirs): a simple line may hold a CR, or end with a bare LF
    /// (they frame on the first CRLF).
    CrLfInLine,
    /// R3 (theirs): a length or count with a `+` sign, a leading zero, or
    /// `-0`.
    LooseLength,
    /// R4 (theirs): `_` with content, a big number with other bytes, a
    /// double outside the RESP3 grammar that Rust's float parser takes.
    LooseScalar,
    /// R5 (API): their RESP3 `complete` decoder refuses RESP2 nulls and
    /// streamed values (their `streaming` module takes the latter).
    CompleteDecoderScope,
    /// R6 (configuration): framecheck refused for a limit.
    Limit,
    /// R7 (theirs): the markers of streamed values outside one: `.` (the
    /// end of a streamed aggregate) with any bytes up to a CRLF, and `;N`
    /// (a streamed string's chunk) with its bytes, are values of their own.
    StrayStreamMarker,
    /// R9 (both): a verbatim string's format. They take only `txt` and
    /// `mkd` (refusing bytes that are not UTF-8 there), and do not check the
    /// `:` after it; framecheck takes any three bytes and checks the `:`.
    VerbatimFormat,
    /// R10 (theirs): an aggregate (or a RESP2 null) as a map or attribute
    /// key or a set member is refused: their frames keep keys and members in hash
    /// tables; RESP3 allows any type there.
    AggregateKey,
    /// R11 (the spec is silent): an attribute right before another
    /// attribute, or before a null, is refused by them; framecheck takes it
    /// like any value's attribute.
    AttributePlacement,
    /// R8 (timing, no difference of meaning): framecheck refuses at the
    /// first byte that breaks a rule; they wait for the line's CRLF.
    EarlyRefusal,
}

const LIMITS: RespLimits = RespLimits {
    max: 1 << 20,
    elements: 1 << 16,
    depth: 32,
};

/// The most frames compared per input.
const MAX_FRAMES: usize = 64;

/// Compare the two decoders on `data`; panics on an unknown disagreement.
/// Returns the known difference that ended the comparison, if one did.
pub fn differential_resp(data: &[u8]) -> Option<Known> {
    let (&mode, mut rest) = data.split_first()?;
    let resp3 = mode & 1 == 1;
    let mode = if resp3 {
        RespMode::Value
    } else {
        RespMode::Resp2
    };
    for _ in 0..MAX_FRAMES {
        if rest.is_empty() {
            return None;
        }
        let (ours, rule) = ours(mode, rest);
        if let Some(RespRule::TooDeep) = rule {
            // Not handed to the recursive decoder: nesting past our limit.
            return Some(Known::Limit);
        }
        let theirs = theirs(resp3, rest);
        match (&ours, &theirs) {
            (Outcome::Frame(a), Outcome::Frame(b)) if a == b => rest = &rest[*a..],
            (Outcome::More, Outcome::More) | (Outcome::Refused(_), Outcome::Refused(_)) => {
                return None;
            }
            _ => {
                let Some(known) = classify(rule, &theirs)
                    .or_else(|| scope(resp3, &ours, rest))
                    .or_else(|| hash_keys(resp3, &ours, &theirs, rest))
                else {
                    panic!(
                        "RESP{} disagreement on {:?}: framecheck {ours:?}, redis-protocol {theirs:?}",
                        if resp3 { 3 } else { 2 },
                        rest.escape_ascii().to_string()
                    );
                };
                return Some(known);
            }
        }
    }
    None
}

fn ours(mode: RespMode, bytes: &[u8]) -> (Outcome, Option<RespRule>) {
    let mut s = Scanner::new(mode, LIMITS);
    match s.scan(bytes) {
        Ok(Some(n)) => (Outcome::Frame(n), None),
        Ok(None) => (Outcome::More, None),
        Err(e) => (Outcome::Refused(e.to_string()), Some(e.rule)),
    }
}

fn theirs(resp3: bool, bytes: &[u8]) -> Outcome {
    let r = if resp3 {
        redis_protocol::resp3::decode::complete::decode_range(bytes).map(|o| o.map(|(_, n)| n))
    } else {
        redis_protocol::resp2::decode::decode_range(bytes).map(|o| o.map(|(_, n)| n))
    };
    match r {
        Ok(Some(n)) => Outcome::Frame(n),
        Ok(None) => Outcome::More,
        Err(e) => Outcome::Refused(format!("{e:?}")),
    }
}

/// R5: in RESP3, a frame framecheck takes (or still reads) that holds a
/// RESP2 null or a streamed header, which their `complete` decoder refuses
/// wherever it is. (Found by looking for the header bytes, so a bulk
/// payload holding them is classified the same way.)
fn scope(resp3: bool, ours: &Outcome, rest: &[u8]) -> Option<Known> {
    let upto = match ours {
        Outcome::Frame(n) => *n,
        Outcome::More => rest.len(),
        Outcome::Refused(_) => return None,
    };
    let frame = &rest[..upto];
    let headers: [&[u8]; 7] = [
        b"$-1\r", b"*-1\r", b"$?\r", b"*?\r", b"~?\r", b"%?\r", b">?\r",
    ];
    let holds = headers
        .iter()
        .any(|h| frame.windows(h.len()).any(|w| w == *h));
    (resp3 && holds).then_some(Known::CompleteDecoderScope)
}

/// R10: in RESP3, a frame framecheck takes (or still reads) that holds a
/// map, a set or an attribute, refused by them while building a hash key.
fn hash_keys(resp3: bool, ours: &Outcome, theirs: &Outcome, rest: &[u8]) -> Option<Known> {
    let upto = match ours {
        Outcome::Frame(n) => *n,
        Outcome::More => rest.len(),
        Outcome::Refused(_) => return None,
    };
    let Outcome::Refused(m) = theirs else {
        return None;
    };
    let keyed = rest[..upto]
        .iter()
        .any(|&b| b == b'%' || b == b'~' || b == b'|');
    (resp3 && keyed && (m.contains("MapRes") || m.contains("hash key")))
        .then_some(Known::AggregateKey)
}

/// Which known difference explains framecheck's `rule` against `theirs`.
fn classify(rule: Option<RespRule>, theirs: &Outcome) -> Option<Known> {
    let theirs_took_it = !matches!(theirs, Outcome::Refused(_));
    match rule {
        Some(
            RespRule::LengthOverMax
            | RespRule::FrameOverMax
            | RespRule::TooManyElements
            | RespRule::TooDeep,
        ) => Some(Known::Limit),
        Some(RespRule::BlobNotEnded) if theirs_took_it => Some(Known::BulkTrailerUnchecked),
        Some(RespRule::CrWithoutLf | RespRule::BareLf) if theirs_took_it => Some(Known::CrLfInLine),
        Some(RespRule::LeadingZero | RespRule::BadLength | RespRule::NullNotAllowed)
            if theirs_took_it =>
        {
            Some(Known::LooseLength)
        }
        Some(RespRule::StrayEnd | RespRule::UnknownType(b';')) if theirs_took_it => {
            Some(Known::StrayStreamMarker)
        }
        Some(RespRule::NullNotEmpty | RespRule::BadBigNumber | RespRule::BadDouble)
            if theirs_took_it =>
        {
            Some(Known::LooseScalar)
        }
        Some(RespRule::VerbatimFormat) if theirs_took_it => Some(Known::VerbatimFormat),
        None if matches!(theirs, Outcome::Refused(m)
            if m.contains("verbatimstring") || m.contains("parse_utf8")) =>
        {
            Some(Known::VerbatimFormat)
        }
        Some(_) if *theirs == Outcome::More => Some(Known::EarlyRefusal),
        None if matches!(theirs, Outcome::Refused(m)
            if m.contains("Unexpected attribute frame") || m.contains("cannot have attributes")) =>
        {
            Some(Known::AttributePlacement)
        }
        None if matches!(theirs, Outcome::Refused(m) if m.contains("Expected complete frame")) => {
            Some(Known::CompleteDecoderScope)
        }
        _ => None,
    }
}

/// The target's hand-picked seeds: one per agreement shape and one per
/// known difference, with the difference each must end in.
#[must_use]
pub fn seeds() -> Vec<(&'static str, Vec<u8>, Option<Known>)> {
    let s = |mode: u8, stream: &[u8]| [&[mode][..], stream].concat();
    vec![
        ("resp2_pipeline", s(0, b"+OK\r\n:1\r\n$3\r\nfoo\r\n*2\r\n$1\r\na\r\n$-1\r\n*-1\r\n-ERR x\r\n"), None),
        ("resp3_types", s(1, b"_\r\n#t\r\n,1.5e3\r\n(123\r\n!3\r\nerr\r\n=7\r\ntxt:abc\r\n%1\r\n+k\r\n:1\r\n~1\r\n+a\r\n>1\r\n+p\r\n"), None),
        ("resp3_attribute", s(1, b"|1\r\n+ttl\r\n:3\r\n$1\r\nv\r\n"), None),
        ("r1_bulk_trailer", s(0, b"$2\r\nabc\r\n"), Some(Known::BulkTrailerUnchecked)),
        ("r2_cr_in_line", s(0, b"+O\rK\r\n"), Some(Known::CrLfInLine)),
        ("r2_bare_lf", s(0, b"+OK\n+OK\r\n"), Some(Known::CrLfInLine)),
        ("r3_leading_zero", s(0, b"$05\r\nhello\r\n"), Some(Known::LooseLength)),
        ("r3_plus_sign", s(0, b"*+1\r\n:1\r\n"), Some(Known::LooseLength)),
        ("r4_null_content", s(1, b"_x\r\n"), Some(Known::LooseScalar)),
        ("r4_big_number", s(1, b"(12x\r\n"), Some(Known::LooseScalar)),
        ("r4_double_dot", s(1, b",1.\r\n"), Some(Known::LooseScalar)),
        ("r5_resp2_null_in_resp3", s(1, b"$-1\r\n"), Some(Known::CompleteDecoderScope)),
        ("r5_streamed", s(1, b"$?\r\n;1\r\na\r\n;0\r\n"), Some(Known::CompleteDecoderScope)),
        ("r5_nested_null", s(1, b"*2\r\n$1\r\na\r\n$-1\r\n"), Some(Known::CompleteDecoderScope)),
        ("r6_deep", s(1, &b"*1\r\n".repeat(40)), Some(Known::Limit)),
        ("r7_stray_end", s(1, b".x\r\n"), Some(Known::StrayStreamMarker)),
        ("r7_stray_chunk", s(1, b"*1\r\n;1\r\na\r\n"), Some(Known::StrayStreamMarker)),
        ("r8_early", s(0, b":1x"), Some(Known::EarlyRefusal)),
        ("r10_set_as_key", s(1, b"%1\r\n~1\r\n+a\r\n:1\r\n"), Some(Known::AggregateKey)),
        ("r10_array_in_set", s(1, b"~1\r\n*0\r\n"), Some(Known::AggregateKey)),
        ("r11_two_attributes", s(1, b"|0\r\n|0\r\n+a\r\n"), Some(Known::AttributePlacement)),
        ("r11_attribute_of_null", s(1, b"|0\r\n_\r\n"), Some(Known::AttributePlacement)),
        ("r10_attribute_key", s(1, b"|1\r\n*0\r\n:1\r\n:2\r\n"), Some(Known::AggregateKey)),
        ("r3_minus_zero", s(0, b"$-0\r\n"), Some(Known::LooseLength)),
        ("r9_verbatim_colon", s(1, b"=7\r\ntxtd:ab\r\n"), Some(Known::VerbatimFormat)),
        ("r9_verbatim_format", s(1, b"=7\r\nabc:def\r\n"), Some(Known::VerbatimFormat)),
        ("r9_verbatim_utf8", s(1, b"=7\r\n\xff\xffx:abc\r\n"), Some(Known::VerbatimFormat)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_seed_ends_as_documented() {
        for (name, data, want) in seeds() {
            assert_eq!(differential_resp(&data), want, "{name}");
        }
    }
}
