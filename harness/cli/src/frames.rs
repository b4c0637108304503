//! `framecheck frames`: decode a capture with a framing spec.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::PathBuf;

use framecheck_framing::{Decoder, Error, FrameRef, Spec};
use serde::Serialize;

use crate::exit;

/// Read size: the capture is read 64 KiB at a time, so memory stays bounded
/// by the framing's max however large the capture is.
const READ_SIZE: usize = 64 * 1024;

/// Arguments of `framecheck frames`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Exit status: 0 if the capture is whole frames, 1 on a decode error or a
trailing partial frame (the message says at which byte offset), 2 for a bad
spec or an unreadable file.

Each frame is printed as one JSON line:
  {\"offset\":0,\"length\":6,\"payload_len\":4,\"payload\":{\"text\":\"PING\"}}
with {\"hex\":\"...\"} instead of {\"text\":...} when the payload is not UTF-8,
a \"head\" (type byte, tag, or the command line of a counted block) when the
framing has one, the length as written (\"len\":\"0005\") when the framing
writes it as text, and \"special\" (flush, delim, response-end, keep-alive)
for a reserved packet. An http1: message adds
  \"http\":{\"start_line\":{\"text\":\"GET / HTTP/1.1\"},\"headers\":2,\"chunked\":false,\"body_len\":0}
(its head is the header section, its payload the body as on the wire). The
spec grammar: framecheck specs.

Examples:
  framecheck frames --framing crlf capture.bin
  printf 'PING\\r\\nPONG\\r\\n' | framecheck frames --framing crlf --count
  framecheck frames --framing http1:response,method=HEAD replies.bin")]
pub(crate) struct Args {
    /// Framing spec, e.g. `u32be,max=1MiB`, `crlf`, `varint,offset=1`.
    #[arg(long, short = 'f')]
    framing: String,
    /// Print only the number of frames.
    #[arg(long)]
    count: bool,
    /// The capture to decode; stdin if absent or `-`.
    file: Option<PathBuf>,
}

/// Arguments of `framecheck specs` (none).
#[derive(Debug, clap::Args)]
pub(crate) struct SpecsArgs {}

/// The long help of `framecheck specs`: the grammar and its kinds.
pub(crate) fn specs_long_help() -> String {
    format!(
        "Framing specs: how a byte stream is cut into messages. Used by --framing.\n\n{}",
        framecheck_framing::spec::GRAMMAR
    )
}

/// Print the grammar (what `framecheck help specs` shows too).
pub(crate) fn specs(_: &SpecsArgs) -> u8 {
    let mut out = io::stdout().lock();
    let _ = writeln!(out, "{}", specs_long_help());
    exit::OK
}

/// Run the subcommand and return its exit code.
pub(crate) fn run(args: &Args) -> u8 {
    let spec: Spec = match args.framing.parse() {
        Ok(spec) => spec,
        Err(e) => {
            eprintln!("framecheck frames: {e}");
            return exit::USAGE;
        }
    };
    let input: Box<dyn Read> = match &args.file {
        Some(path) if path.as_os_str() != "-" => match File::open(path) {
            Ok(f) => Box::new(f),
            Err(e) => {
                eprintln!("framecheck frames: cannot open {}: {e}", path.display());
                return exit::USAGE;
            }
        },
        _ => Box::new(io::stdin().lock()),
    };
    let stdout = io::stdout().lock();
    let mut out = BufWriter::with_capacity(READ_SIZE, stdout);
    let result = if args.count {
        decode(&spec, input, |_| Ok(())).and_then(|n| Ok(writeln!(out, "{n}")?))
    } else {
        // The first frame of a `first=` spec follows the inner spec.
        let mut first = spec.first.as_deref();
        decode(&spec, input, |frame| {
            let framing = first.take().unwrap_or(&spec);
            print_frame(&mut out, framing, frame)
        })
        .map(|_| ())
    };
    let flushed = out.flush();
    match result.and(flushed.map_err(Failure::Io)) {
        Ok(()) => exit::OK,
        // A closed pipe (`| head`) is the reader's choice, not an error.
        Err(Failure::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => exit::OK,
        Err(Failure::Io(e)) => {
            eprintln!("framecheck frames: read/write error: {e}");
            exit::USAGE
        }
        Err(Failure::Decode(e)) => {
            eprintln!("framecheck frames: {}: {e}", args.framing);
            exit::FAILED
        }
    }
}

enum Failure {
    Io(io::Error),
    Decode(Error),
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Io(e)
    }
}

/// Decode everything `input` yields, calling `each` per frame; the number of frames.
fn decode(
    spec: &Spec,
    mut input: impl Read,
    mut each: impl FnMut(&Frame<'_>) -> io::Result<()>,
) -> Result<u64, Failure> {
    let mut dec = Decoder::new(spec);
    let mut buf = vec![0u8; READ_SIZE];
    let mut count = 0u64;
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Failure::Io(e)),
        };
        let mut chunk = &buf[..n];
        loop {
            let offset = dec.consumed();
            match dec.decode(&mut chunk) {
                Ok(Some(frame)) => {
                    count += 1;
                    each(&Frame { offset, frame })?;
                }
                Ok(None) => break,
                Err(e) => return Err(Failure::Decode(e)),
            }
        }
    }
    let offset = dec.consumed();
    match dec.finish() {
        Ok(Some(frame)) => {
            count += 1;
            each(&Frame { offset, frame })?;
        }
        Ok(None) => {}
        Err(e) => return Err(Failure::Decode(e)),
    }
    Ok(count)
}

/// A frame and the stream offset of its first byte.
struct Frame<'a> {
    offset: u64,
    frame: FrameRef<'a>,
}

fn print_frame(out: &mut impl Write, spec: &Spec, f: &Frame<'_>) -> io::Result<()> {
    let wire = f.frame.wire();
    let line = FrameLine {
        offset: f.offset,
        length: wire.len(),
        payload_len: f.frame.payload().len(),
        head: (!f.frame.head().is_empty()).then(|| Bytes::of(f.frame.head())),
        len: spec
            .len_text(wire, f.frame.head().len(), f.frame.payload_range().start)
            .and_then(|t| std::str::from_utf8(t).ok()),
        special: f.frame.special().map(framecheck_framing::Special::name),
        http: http_summary(spec, &f.frame),
        payload: Bytes::of(f.frame.payload()),
    };
    serde_json::to_writer(&mut *out, &line)?;
    out.write_all(b"\n")
}

/// One line of `frames` output.
#[derive(Serialize)]
struct FrameLine<'a> {
    offset: u64,
    length: usize,
    payload_len: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    head: Option<Bytes<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    len: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    special: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    http: Option<HttpLine<'a>>,
    payload: Bytes<'a>,
}

/// What `frames` says of an HTTP/1 message besides its bytes.
#[derive(Serialize)]
struct HttpLine<'a> {
    /// The start line, without its line end.
    start_line: Bytes<'a>,
    /// Field lines in the header section.
    headers: usize,
    /// Whether the body is chunked (`payload` is then its wire form).
    chunked: bool,
    /// The body's length, decoded (the chunked coding removed).
    body_len: u64,
}

/// The start line, field count and decoded body length of an `http1:` frame.
fn http_summary<'a>(spec: &Spec, frame: &FrameRef<'a>) -> Option<HttpLine<'a>> {
    use framecheck_framing::http1::{Chunked, Feed, Head};
    let framecheck_framing::Kind::Http1(cfg) = &spec.kind else {
        return None;
    };
    let wire = frame.wire();
    let head = Head::parse(wire, cfg).ok()??;
    let line_end = wire.iter().position(|&b| b == b'\n').unwrap_or(0);
    let start_line = wire[..line_end]
        .strip_suffix(b"\r")
        .unwrap_or(&wire[..line_end]);
    let body = frame.payload();
    let lengths = head.length_fields(wire);
    let mut chunked = None;
    if lengths.te_fields > 0 && lengths.chunked_last && !body.is_empty() {
        let mut c = Chunked::new(cfg.lenient, u64::MAX, cfg.ext, cfg.head, cfg.headers);
        if c.feed(body) == Ok(Feed::Done(body.len())) {
            chunked = Some(c.data_len());
        }
    }
    Some(HttpLine {
        start_line: Bytes::of(start_line),
        headers: head.fields.len(),
        chunked: chunked.is_some(),
        body_len: chunked.unwrap_or(body.len() as u64),
    })
}

/// Bytes as `{"text": ...}` when UTF-8, else `{"hex": ...}`.
#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
enum Bytes<'a> {
    Text(&'a str),
    Hex(String),
}

impl<'a> Bytes<'a> {
    fn of(bytes: &'a [u8]) -> Self {
        match std::str::from_utf8(bytes) {
            Ok(text) => Bytes::Text(text),
            Err(_) => Bytes::Hex(bytes.iter().fold(
                String::with_capacity(bytes.len() * 2),
                |mut s, b| {
                    // Writing to a String cannot fail.
                    let _ = write!(s, "{b:02x}");
                    s
                },
            )),
        }
    }
}
