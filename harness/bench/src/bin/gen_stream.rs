//! Write a benchmark stream to a file: whole frames of one strategy, each
//! FRAME bytes on the wire, up to BYTES bytes in all; prints the frame count.
//!
//! ```text
//! gen_stream STRATEGY FRAME BYTES FILE      e.g. gen_stream u32be 64 268435456 /tmp/u32be.bin
//! ```

use std::process::ExitCode;

use framecheck_bench::{Strategy, build};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parsed = match args.as_slice() {
        [strategy, frame, bytes, path] => Strategy::from_label(strategy)
            .zip(frame.parse::<usize>().ok().filter(|&f| f > 8))
            .zip(bytes.parse::<usize>().ok())
            .map(|((s, f), b)| (s, f, b, path)),
        _ => None,
    };
    let Some((strategy, frame, bytes, path)) = parsed else {
        eprintln!("usage: gen_stream STRATEGY FRAME BYTES FILE  (FRAME > 8)");
        return ExitCode::from(2);
    };
    let stream = build(strategy, frame, bytes);
    if let Err(e) = std::fs::write(path, &stream.bytes) {
        eprintln!("gen_stream: {path}: {e}");
        return ExitCode::from(1);
    }
    println!("{}", stream.frames);
    ExitCode::SUCCESS
}
