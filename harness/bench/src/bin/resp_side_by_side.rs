//! framecheck's RESP scanner beside the `redis-protocol` crate on a
//! pipelined command stream (`SET key value` and `GET key`, as a client
//! pipeline sends them), in paired rounds like `side_by_side`.
//!
//! ```text
//! resp_side_by_side [--rounds N]
//! ```
//!
//! Drivers, each finding every frame of a 1 MiB stream:
//! * whole: framecheck's `Scanner` (request mode, as redis-server reads a
//!   client) over the whole buffer; redis-protocol's zero-copy
//!   `resp2::decode::decode_range` over the same buffer, the fastest way it
//!   offers (frames as ranges, nothing copied);
//! * chunked (64 KiB and 1460-byte reads): framecheck's scanner with the
//!   bytes of a frame cut by a read copied into a held buffer (what a
//!   decoder must do); redis-protocol as its codec runs after every read:
//!   append to a `BytesMut`, `decode_bytes_mut` until `None`.
//!
//! Then the same with framecheck's `Decoder` for the spec `resp:request`
//! (the scanner behind `--framing resp:request`, frames lent from the read
//! when whole, cut ones held) in place of the bare scanner.
//!
//! Prints two Markdown tables: median GB/s per driver and the median of the
//! per-round ratios.

use std::hint::black_box;
use std::process::ExitCode;

use bytes::BytesMut;
use framecheck_bench::clock::{median, paired, to_f64};
use framecheck_framing::resp::{RespLimits, RespMode, Scanner};
use framecheck_framing::{Decoder, Spec};

const STREAM_LEN: usize = 1 << 20;

/// Finds every frame of the stream once; returns how many.
type Driver<'a> = Box<dyn Fn() -> u64 + 'a>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rounds = match args.as_slice() {
        [] => 15,
        [flag, n] if flag == "--rounds" => match n.parse() {
            Ok(n) if n > 0 => n,
            _ => return usage(),
        },
        _ => return usage(),
    };
    let stream = pipeline(STREAM_LEN);
    let stream = stream.as_slice();
    let frames = ours_whole(stream);
    assert_eq!(frames, theirs_whole(stream), "both see the same frames");
    println!(
        "| reads | framecheck scanner GB/s | redis-protocol GB/s | ratio (median of rounds) |\n|---|---:|---:|---:|"
    );
    for chunk in [None, Some(64 * 1024), Some(1460)] {
        let ours: Driver<'_> = match chunk {
            None => Box::new(|| ours_whole(stream)),
            Some(n) => Box::new(move || ours_chunked(stream, n)),
        };
        compare(stream, chunk, &ours, frames, rounds);
    }
    println!(
        "\n| reads | framecheck Decoder (resp:request) GB/s | redis-protocol GB/s | ratio (median of rounds) |\n|---|---:|---:|---:|"
    );
    let spec: Spec = "resp:request".parse().expect("a valid spec");
    let spec = &spec;
    for chunk in [None, Some(64 * 1024), Some(1460)] {
        let n = chunk.unwrap_or(stream.len());
        let ours: Driver<'_> = Box::new(move || decoder(spec, stream, n));
        compare(stream, chunk, &ours, frames, rounds);
    }
    eprintln!(
        "{frames} frames of pipelined SET/GET commands, {} bytes",
        stream.len()
    );
    ExitCode::SUCCESS
}

/// Time `ours` beside redis-protocol in paired rounds (reads of `chunk`
/// bytes, or the whole stream) and print a table row.
fn compare(stream: &[u8], chunk: Option<usize>, ours: &Driver<'_>, frames: u64, rounds: usize) {
    let theirs: Driver<'_> = match chunk {
        None => Box::new(|| theirs_whole(stream)),
        Some(n) => Box::new(move || theirs_chunked(stream, n)),
    };
    assert_eq!(ours(), frames);
    assert_eq!(theirs(), frames);
    let (a, b) = paired(ours.as_ref(), theirs.as_ref(), rounds);
    let ratios: Vec<f64> = a.iter().zip(&b).map(|(x, y)| y / x).collect();
    let bytes = to_f64(stream.len());
    println!(
        "| {} | {:.2} | {:.2} | {:.1}x |",
        chunk.map_or("whole".to_owned(), |n| n.to_string()),
        bytes / median(&a),
        bytes / median(&b),
        median(&ratios)
    );
}

/// framecheck's `Decoder` over reads of `chunk` bytes: every frame, lent
/// from the read or from its held buffer.
fn decoder(spec: &Spec, stream: &[u8], chunk: usize) -> u64 {
    let mut dec = Decoder::new(spec);
    let mut frames = 0;
    for read in stream.chunks(chunk) {
        let mut rest = read;
        while let Ok(Some(frame)) = dec.decode(&mut rest) {
            black_box(frame.wire());
            frames += 1;
        }
    }
    frames
}

fn usage() -> ExitCode {
    eprintln!("usage: resp_side_by_side [--rounds N]");
    ExitCode::from(2)
}

/// Pipelined `SET key:N value` (values of 8 to 71 bytes) and `GET key:N`
/// commands, at most `len` bytes.
fn pipeline(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    let mut cmd = Vec::new();
    for i in 0usize.. {
        cmd.clear();
        let key = format!("key:{i}");
        if i % 2 == 0 {
            let value: String = (0..8 + i % 64)
                .map(|j| char::from(b'a' + u8::try_from((i + j) % 26).unwrap_or(0)))
                .collect();
            cmd.extend_from_slice(b"*3\r\n$3\r\nSET\r\n");
            bulk(&mut cmd, key.as_bytes());
            bulk(&mut cmd, value.as_bytes());
        } else {
            cmd.extend_from_slice(b"*2\r\n$3\r\nGET\r\n");
            bulk(&mut cmd, key.as_bytes());
        }
        if out.len() + cmd.len() > len {
            break;
        }
        out.extend_from_slice(&cmd);
    }
    out
}

fn bulk(out: &mut Vec<u8>, data: &[u8]) {
    out.extend_from_slice(format!("${}\r\n", data.len()).as_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

fn scanner() -> Scanner {
    Scanner::new(RespMode::Request, RespLimits::default())
}

fn ours_whole(stream: &[u8]) -> u64 {
    let mut s = scanner();
    let mut rest = stream;
    let mut frames = 0;
    while let Ok(Some(n)) = s.scan(rest) {
        black_box(&rest[..n]);
        rest = &rest[n..];
        frames += 1;
        s.reset();
    }
    frames
}

/// Reads of `chunk` bytes; a frame cut by a read is copied into `held` and
/// lent from there once whole, as a decoder lends it.
fn ours_chunked(stream: &[u8], chunk: usize) -> u64 {
    let mut s = scanner();
    let mut held = Vec::new();
    let mut frames = 0;
    for read in stream.chunks(chunk) {
        let mut rest = read;
        while !rest.is_empty() {
            match s.scan(rest) {
                Ok(Some(n)) => {
                    if held.is_empty() {
                        black_box(&rest[..n]);
                    } else {
                        held.extend_from_slice(&rest[..n]);
                        black_box(&held);
                        held.clear();
                    }
                    rest = &rest[n..];
                    frames += 1;
                    s.reset();
                }
                Ok(None) => {
                    held.extend_from_slice(rest);
                    rest = &[];
                }
                Err(e) => panic!("benchmark stream: {e}"),
            }
        }
    }
    frames
}

fn theirs_whole(stream: &[u8]) -> u64 {
    let mut rest = stream;
    let mut frames = 0;
    while let Ok(Some((frame, n))) = redis_protocol::resp2::decode::decode_range(rest) {
        black_box(frame);
        rest = &rest[n..];
        frames += 1;
    }
    frames
}

fn theirs_chunked(stream: &[u8], chunk: usize) -> u64 {
    let mut buf = BytesMut::with_capacity(2 * chunk);
    let mut frames = 0;
    for read in stream.chunks(chunk) {
        buf.extend_from_slice(read);
        while let Ok(Some(frame)) = redis_protocol::resp2::decode::decode_bytes_mut(&mut buf) {
            black_box(frame);
            frames += 1;
        }
    }
    frames
}
