//! framecheck's `http1:request` decoder beside an httparse-based framer on
//! pipelined request streams, in paired rounds like `side_by_side`.
//!
//! ```text
//! http1_side_by_side [--rounds N] [--only STREAM] [--reads 65536|1460]
//! ```
//!
//! `--only` keeps the streams whose name holds STREAM (`GET`, `Content-Length`,
//! `chunked`), `--reads` the rows of that read size (for profiling one row).
//!
//! Three 1 MiB streams: GETs with 8 to 12 header fields; POSTs with a
//! Content-Length body (16 to 271 bytes); POSTs with a chunked body (one or
//! two chunks with an extension now and then, and the last chunk).
//!
//! The httparse framer is written the way its users write it at its best:
//! `httparse::Request::parse` with a stack array of 32 headers on the rest of
//! the buffer, then the body-length rules over the parsed headers
//! (Transfer-Encoding's last coding chunked wins, else Content-Length
//! parsed as 1*DIGIT with checked arithmetic, all values equal, else no
//! body), and `httparse::parse_chunk_size` for each chunk line, checking the
//! CRLF after each chunk's data and taking an empty trailer section. With
//! reads, each read is appended to one buffer and messages are framed from
//! its front until one is cut; a cut message is parsed again from its start
//! once more bytes arrive (httparse keeps no state between calls), and the
//! consumed front is drained.
//!
//! framecheck: a `Decoder` for `http1:request` (strict) fed the whole buffer
//! or each read in turn. Both sides frame the same messages (asserted).
//!
//! Prints a Markdown table: median GB/s per side and the median of the
//! per-round ratios.

use std::hint::black_box;
use std::process::ExitCode;

use framecheck_bench::clock::{median, paired, to_f64};
use framecheck_framing::{Decoder, Spec};

const STREAM_LEN: usize = 1 << 20;

/// Frames every message of the stream once; returns how many.
type Driver<'a> = Box<dyn Fn() -> u64 + 'a>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut rounds, mut only, mut reads) = (15, None, None);
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        match (flag.as_str(), it.next()) {
            ("--rounds", Some(n)) => match n.parse() {
                Ok(n) if n > 0 => rounds = n,
                _ => return usage(),
            },
            ("--only", Some(s)) => only = Some(s.clone()),
            ("--reads", Some(n)) => match n.parse::<usize>() {
                Ok(n) if n > 0 => reads = Some(n),
                _ => return usage(),
            },
            _ => return usage(),
        }
    }
    let spec: Spec = "http1:request".parse().expect("a valid spec");
    println!(
        "| stream | reads | framecheck GB/s | httparse framer GB/s | ratio (median of rounds) |\n|---|---|---:|---:|---:|"
    );
    for (name, stream) in [
        ("GET, 8-12 fields", gets(STREAM_LEN)),
        ("POST, Content-Length", posts(STREAM_LEN, false)),
        ("POST, chunked", posts(STREAM_LEN, true)),
    ] {
        if only.as_ref().is_some_and(|o| !name.contains(o.as_str())) {
            continue;
        }
        let stream = stream.as_slice();
        let frames = ours(&spec, stream, stream.len());
        assert_eq!(frames, theirs(stream, stream.len()), "{name}: same frames");
        for chunk in [None, Some(64 * 1024), Some(1460)] {
            if reads.is_some_and(|r| chunk.unwrap_or(stream.len()) != r) {
                continue;
            }
            let n = chunk.unwrap_or(stream.len());
            let (a_side, b_side): (Driver<'_>, Driver<'_>) = (
                Box::new(|| ours(&spec, stream, n)),
                Box::new(move || theirs(stream, n)),
            );
            assert_eq!(a_side(), frames, "{name}");
            assert_eq!(b_side(), frames, "{name}");
            let (a, b) = paired(a_side.as_ref(), b_side.as_ref(), rounds);
            let ratios: Vec<f64> = a.iter().zip(&b).map(|(x, y)| y / x).collect();
            let bytes = to_f64(stream.len());
            println!(
                "| {name} | {} | {:.2} | {:.2} | {:.2}x |",
                chunk.map_or("whole".to_owned(), |n| n.to_string()),
                bytes / median(&a),
                bytes / median(&b),
                median(&ratios)
            );
        }
        eprintln!("{name}: {frames} messages, {} bytes", stream.len());
    }
    ExitCode::SUCCESS
}

fn usage() -> ExitCode {
    eprintln!("usage: http1_side_by_side [--rounds N] [--only STREAM] [--reads 65536|1460]");
    ExitCode::from(2)
}

/// A pseudo-random number from `i` (deterministic streams).
fn mix(i: usize) -> usize {
    i.wrapping_mul(0x9E37_79B9).rotate_left(17)
}

const FIELDS: [&str; 12] = [
    "Host: www.example.com",
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language: en-US,en;q=0.5",
    "Accept-Encoding: gzip, deflate, br",
    "Connection: keep-alive",
    "Cookie: session=8f2a9c3e4b5d6f7a8b9c0d1e2f3a4b5c; theme=dark",
    "Upgrade-Insecure-Requests: 1",
    "Sec-Fetch-Dest: document",
    "Sec-Fetch-Mode: navigate",
    "Cache-Control: max-age=0",
    "Referer: https://www.example.com/index.html",
];

/// Pipelined GETs with 8 to 12 fields, at most `len` bytes.
fn gets(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    let mut msg = Vec::new();
    for i in 0usize.. {
        msg.clear();
        msg.extend_from_slice(
            format!(
                "GET /items/{}?page={} HTTP/1.1\r\n",
                mix(i) % 100_000,
                i % 7
            )
            .as_bytes(),
        );
        for f in &FIELDS[..8 + mix(i) % 5] {
            msg.extend_from_slice(f.as_bytes());
            msg.extend_from_slice(b"\r\n");
        }
        msg.extend_from_slice(b"\r\n");
        if out.len() + msg.len() > len {
            break;
        }
        out.extend_from_slice(&msg);
    }
    out
}

/// Pipelined POSTs, their bodies sized by Content-Length or chunked.
fn posts(len: usize, chunked: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    let mut msg = Vec::new();
    for i in 0usize.. {
        msg.clear();
        let body: Vec<u8> = (0..16 + mix(i) % 256)
            .map(|j| b'a' + u8::try_from((i + j) % 26).unwrap_or(0))
            .collect();
        msg.extend_from_slice(b"POST /api/v1/events HTTP/1.1\r\nHost: api.example.com\r\nContent-Type: application/json\r\nUser-Agent: bench/1.0\r\nAccept: */*\r\n");
        if chunked {
            msg.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
            let cut = body.len() / 3;
            for (k, part) in [&body[..cut], &body[cut..]].into_iter().enumerate() {
                let ext = if (i + k) % 4 == 0 { ";name=value" } else { "" };
                msg.extend_from_slice(format!("{:x}{ext}\r\n", part.len()).as_bytes());
                msg.extend_from_slice(part);
                msg.extend_from_slice(b"\r\n");
            }
            msg.extend_from_slice(b"0\r\n\r\n");
        } else {
            msg.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
            msg.extend_from_slice(&body);
        }
        if out.len() + msg.len() > len {
            break;
        }
        out.extend_from_slice(&msg);
    }
    out
}

/// framecheck: the decoder fed reads of `chunk` bytes.
fn ours(spec: &Spec, stream: &[u8], chunk: usize) -> u64 {
    let mut dec = Decoder::new(spec);
    let mut frames = 0;
    for read in stream.chunks(chunk) {
        let mut input = read;
        loop {
            match dec.decode(&mut input) {
                Ok(Some(f)) => {
                    black_box(f.payload());
                    frames += 1;
                }
                Ok(None) => break,
                Err(e) => panic!("benchmark stream: {e}"),
            }
        }
    }
    frames
}

/// The httparse framer fed reads of `chunk` bytes.
fn theirs(stream: &[u8], chunk: usize) -> u64 {
    let mut frames = 0;
    if chunk >= stream.len() {
        let mut rest = stream;
        while let Some(n) = frame(rest) {
            black_box(&rest[..n]);
            rest = &rest[n..];
            frames += 1;
        }
        return frames;
    }
    let mut buf: Vec<u8> = Vec::with_capacity(2 * chunk);
    for read in stream.chunks(chunk) {
        buf.extend_from_slice(read);
        let mut at = 0;
        while let Some(n) = frame(&buf[at..]) {
            black_box(&buf[at..at + n]);
            at += n;
            frames += 1;
        }
        buf.drain(..at);
    }
    frames
}

/// One message at the front of `b`: its length, or `None` if cut (the
/// benchmark streams are valid).
fn frame(b: &[u8]) -> Option<usize> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut req = httparse::Request::new(&mut headers);
    let head = match req.parse(b) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return None,
        Err(e) => panic!("benchmark stream: {e}"),
    };
    let mut len: Option<u64> = None;
    let mut chunked = false;
    for h in req.headers.iter() {
        if h.name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = h
                .value
                .rsplit(|&c| c == b',')
                .next()
                .is_some_and(|c| c.trim_ascii().eq_ignore_ascii_case(b"chunked"));
        } else if h.name.eq_ignore_ascii_case("content-length") {
            let n = digits(h.value).expect("a valid Content-Length");
            assert!(len.is_none_or(|l| l == n), "differing Content-Length");
            len = Some(n);
        }
    }
    if !chunked {
        let total = head + usize::try_from(len.unwrap_or(0)).ok()?;
        return (b.len() >= total).then_some(total);
    }
    let mut p = head;
    loop {
        let (n, size) = match httparse::parse_chunk_size(&b[p..]) {
            Ok(httparse::Status::Complete(x)) => x,
            Ok(httparse::Status::Partial) => return None,
            Err(e) => panic!("benchmark stream: {e:?}"),
        };
        p += n;
        if size == 0 {
            // An empty trailer section.
            return match b.get(p..p + 2) {
                Some(b"\r\n") => Some(p + 2),
                Some(_) => panic!("benchmark stream: trailers"),
                None => None,
            };
        }
        let end = p + usize::try_from(size).ok()?;
        match b.get(end..end + 2) {
            Some(b"\r\n") => p = end + 2,
            Some(_) => panic!("benchmark stream: no CRLF after chunk data"),
            None => return None,
        }
    }
}

/// 1*DIGIT with checked arithmetic.
fn digits(v: &[u8]) -> Option<u64> {
    if v.is_empty() {
        return None;
    }
    v.iter().try_fold(0u64, |n, &d| {
        d.is_ascii_digit()
            .then_some(())
            .and_then(|()| n.checked_mul(10)?.checked_add(u64::from(d - b'0')))
    })
}
