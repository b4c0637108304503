//! The tokio-util side of the whole-process comparison: count the frames of
//! a file with a tokio-util codec, as `framecheck frames --count` does with
//! framecheck's decoder.
//!
//! ```text
//! tokio_count u32be|u16be|line|crlf FILE
//! ```
//!
//! Written the way a tokio-util user writes a blocking reader: one reused
//! 64 KiB read buffer, each read appended to the codec's `BytesMut` with
//! `extend_from_slice`, the codec drained after every read and `decode_eof`
//! at the end. (An earlier version zero-filled 64 KiB of the `BytesMut`
//! before every read, which cost it about a third of its time with LTO.)
//! Prints the count and exits 0; a decode error prints the error and exits
//! 1; bad arguments exit 2.

use std::fs::File;
use std::io::Read;
use std::process::ExitCode;

use bytes::BytesMut;
use tokio_util::codec::{Decoder, LengthDelimitedCodec, LinesCodec};

/// Bytes asked of each `read`.
const READ_SIZE: usize = 64 * 1024;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [framing, path] = args.as_slice() else {
        eprintln!("usage: tokio_count u32be|u16be|line|crlf FILE");
        return ExitCode::from(2);
    };
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("tokio_count: {path}: {e}");
            return ExitCode::from(2);
        }
    };
    // The same maximums as framecheck's defaults for these specs.
    let result = match framing.as_str() {
        "u32be" | "u16be" => {
            let width = if framing == "u32be" { 4 } else { 2 };
            let codec = LengthDelimitedCodec::builder()
                .length_field_length(width)
                .max_frame_length(16 * 1024 * 1024)
                .new_codec();
            count(codec, file)
        }
        "line" | "crlf" => count(LinesCodec::new_with_max_length(64 * 1024), file),
        other => {
            eprintln!("tokio_count: unknown framing {other:?}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(n) => {
            println!("{n}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("tokio_count: {e}");
            ExitCode::from(1)
        }
    }
}

fn count<C>(mut codec: C, mut file: File) -> Result<u64, Box<dyn std::error::Error>>
where
    C: Decoder,
    C::Error: std::error::Error + 'static,
{
    let mut read_buf = vec![0u8; READ_SIZE];
    let mut buf = BytesMut::with_capacity(2 * READ_SIZE);
    let mut frames = 0u64;
    loop {
        let n = file.read(&mut read_buf)?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&read_buf[..n]);
        while codec.decode(&mut buf)?.is_some() {
            frames += 1;
        }
    }
    while codec.decode_eof(&mut buf)?.is_some() {
        frames += 1;
    }
    if !buf.is_empty() {
        return Err(format!("{} bytes of a partial frame at the end", buf.len()).into());
    }
    Ok(frames)
}
