//! Catch a broken tokio-util codec in-process and print the minimal
//! schedule that shows the bug.
//!
//! `cargo run -p framecheck-framing --features tokio-util --example broken_decoder`
//!
//! The codec reads a big-endian u16 length and then takes whatever payload
//! has arrived, as if one read always returned one whole message: the
//! classic "one recv is one message" bug. Delivered whole it works; the
//! simulator finds a cutting where it does not, shrinks it, and prints a
//! schedule that replays the failure exactly. A correct codec (tokio-util's
//! own `LengthDelimitedCodec`) passes the same cases.

use std::process::ExitCode;

use bytes::BytesMut;
use framecheck_framing::schedule::generate::Budget;
use framecheck_framing::simulate::{Codec, check_all};
use framecheck_framing::{Encoder, Spec};
use tokio_util::codec::{Decoder, LengthDelimitedCodec};

/// A u16be length-prefixed codec that trusts a single read.
struct TrustingLen;

impl Decoder for TrustingLen {
    type Item = Vec<u8>;
    type Error = std::io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Vec<u8>>, std::io::Error> {
        if src.len() < 2 {
            return Ok(None);
        }
        let len = usize::from(u16::from_be_bytes([src[0], src[1]]));
        // The bug: take what has arrived instead of waiting for `len` bytes.
        let take = len.min(src.len() - 2);
        let frame = src.split_to(2 + take);
        Ok(Some(frame[2..].to_vec()))
    }
}

fn main() -> ExitCode {
    let spec: Spec = "u16be".parse().expect("a valid spec");
    let enc = Encoder::new(&spec);
    let mut stream = Vec::new();
    for payload in [&b"hello"[..], b"", b"framing"] {
        enc.encode(&[], payload, &mut stream).expect("encodable");
    }
    let budget = Budget::default();

    let good = check_all(
        || {
            Codec::new(
                LengthDelimitedCodec::builder()
                    .length_field_length(2)
                    .new_codec(),
            )
        },
        &stream,
        Some(&spec),
        &budget,
    );
    println!(
        "LengthDelimitedCodec: {} cases, {}/{} split positions, {}/{} pairs: {}",
        good.cases,
        good.coverage.positions,
        good.coverage.positions_of,
        good.coverage.pairs,
        good.coverage.pairs_of,
        if good.failure.is_none() {
            "no difference"
        } else {
            "DIFFERENCE"
        }
    );

    let bad = check_all(|| Codec::new(TrustingLen), &stream, Some(&spec), &budget);
    match (&good.failure, bad.failure) {
        (None, Some((label, shrunk))) => {
            println!(
                "TrustingLen: caught by case {label:?} after {} cases",
                bad.cases
            );
            println!("{shrunk}");
            ExitCode::SUCCESS
        }
        (_, None) => {
            eprintln!("the broken codec was not caught");
            ExitCode::FAILURE
        }
        (Some(_), _) => {
            eprintln!("the correct codec was flagged");
            ExitCode::FAILURE
        }
    }
}
