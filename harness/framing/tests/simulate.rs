//! The simulator on our own decoder (it must pass every generated case) and
//! on deliberately broken decoders (each must be caught, and shrunk to the
//! minimal schedule named in the table).

use framecheck_framing::schedule::generate::Budget;
use framecheck_framing::simulate::{Push, check, check_all, shrink};
use framecheck_framing::{Decoder, Schedule, Spec};

#[test]
fn reference_decoder_passes_every_generated_case() {
    let table: &[(&str, &str, &[u8])] = &[
        ("crlf_lines", "crlf", b"PING\r\nSET a 1\r\n\r\n"),
        ("u16be_frames", "u16be", b"\x00\x03abc\x00\x00\x00\x01z"),
        (
            "postgres",
            "u32be,offset=1,adjust=-4",
            b"Q\x00\x00\x00\x06hiX\x00\x00\x00\x04",
        ),
        ("mqtt_varint", "varint,offset=1", b"\xc0\x00\x30\x82\x01zz"),
        ("tagged", "tagged:A=2/V=u16be", b"AxyV\x00\x03abcA12"),
        ("truncated_tail", "u16be", b"\x00\x05ab"),
        ("eof_body", "eof", b"the whole body"),
        (
            "http1_chunked_then_get",
            "http1:request",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;e\r\nz\r\n0\r\nT: 1\r\n\r\nGET / HTTP/1.1\r\n\r\n",
        ),
        (
            "http1_response_to_close",
            "http1:response",
            b"HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\n\r\nbody",
        ),
    ];
    for (name, spec, wire) in table {
        let spec: Spec = spec.parse().unwrap_or_else(|e| panic!("{name}: {e}"));
        let report = check_all(
            || Decoder::new(&spec),
            wire,
            Some(&spec),
            &Budget::default(),
        );
        assert!(report.failure.is_none(), "{name}: {:?}", report.failure);
        assert!(report.coverage.exhaustive_pairs, "{name}");
        assert_eq!(report.coverage.positions, wire.len() - 1, "{name}");
        assert!(report.cases > wire.len(), "{name}: {} cases", report.cases);
    }
}

/// Counts frames of a u8-length-prefixed stream, but forgets a header
/// byte that arrives alone at the end of a chunk.
#[derive(Default)]
struct DropsLoneHeader {
    buf: Vec<u8>,
}

impl Push for DropsLoneHeader {
    type Event = Vec<u8>;
    fn push(&mut self, chunk: &[u8], out: &mut Vec<Vec<u8>>) {
        self.buf.extend_from_slice(chunk);
        loop {
            match self.buf.first().map(|&n| usize::from(n)) {
                Some(n) if self.buf.len() > n => {
                    out.push(self.buf[1..=n].to_vec());
                    self.buf.drain(..=n);
                }
                Some(_) if self.buf.len() == 1 => {
                    self.buf.clear(); // the bug
                    return;
                }
                _ => return,
            }
        }
    }
    fn finish(&mut self, _out: &mut Vec<Vec<u8>>) {}
}

/// Reports what is buffered at the end of the stream only if it came in
/// more than one piece (a decoder whose EOF handling depends on the cutting).
#[derive(Default)]
struct EofDependsOnPieces {
    pieces: usize,
    held: usize,
}

impl Push for EofDependsOnPieces {
    type Event = String;
    fn push(&mut self, chunk: &[u8], _out: &mut Vec<String>) {
        self.pieces += 1;
        self.held += chunk.len();
    }
    fn finish(&mut self, out: &mut Vec<String>) {
        if self.pieces == 1 {
            out.push(format!("{} bytes", self.held));
        } else {
            out.push(format!("truncated {}", self.held));
        }
    }
}

#[test]
fn broken_decoders_are_caught_and_shrunk() {
    // A u8 header alone at the end of a piece is lost: the minimal case
    // cuts right after a header byte, on the shortest stream that shows it.
    let wire = b"\x02ab\x01c\x03xyz";
    let fail = check(DropsLoneHeader::default, wire, &[], &Schedule::fixed(1))
        .err()
        .unwrap_or_else(|| panic!("one byte at a time must catch it"));
    let minimal = shrink(DropsLoneHeader::default, wire, &fail);
    assert_eq!(minimal.schedule.to_string(), "1,*");
    assert_eq!(
        minimal.prefix, 3,
        "the first whole frame: header and payload"
    );
    assert!(minimal.schedule.faults.is_empty());
    let text = minimal.to_string();
    assert!(
        text.contains("found by schedule  1") && text.contains("1,*"),
        "{text}"
    );

    // With a FIN fault the shrinker moves the end of stream earlier.
    let fail = check(
        EofDependsOnPieces::default,
        b"abcdef",
        &[],
        &"2/pause=1ms/fin@4".parse().unwrap_or_default(),
    )
    .err()
    .unwrap_or_else(|| panic!("two pieces then fin must differ"));
    let minimal = shrink(EofDependsOnPieces::default, b"abcdef", &fail);
    assert_eq!(minimal.schedule.to_string(), "1,*", "no pause, one cut");
    assert_eq!(minimal.prefix, 2, "the earliest end that shows it");

    // A reset fault: no finish, so this decoder shows nothing; the
    // original schedule must not even fail.
    let ok = check(
        EofDependsOnPieces::default,
        b"abcdef",
        &[],
        &"2/rst@4".parse().unwrap_or_default(),
    );
    assert!(ok.is_ok());
}

#[test]
fn message_shapes_use_the_boundaries() {
    let spec: Spec = "line".parse().unwrap_or_else(|e| panic!("{e}"));
    let wire = b"a\nbb\nccc\n";
    let ends = [2, 5, 9];
    for text in ["msg", "msg:2", "straddle"] {
        let s: Schedule = text.parse().unwrap_or_else(|e| panic!("{e}"));
        let d = check(|| Decoder::new(&spec), wire, &ends, &s)
            .unwrap_or_else(|m| panic!("{text}: {m:?}"));
        assert_eq!(d.events.len(), 3, "{text}");
    }
}

/// The HTTP/1 framing-aware cuts are among the generated cases: inside the
/// start line, between CR and LF, at the end of the header section, inside
/// a chunk-size line, its extension, its CRLF and the trailer.
#[test]
fn http1_framing_cuts_name_each_place() {
    let spec: Spec = "http1:request".parse().unwrap();
    let wire =
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;e\r\nz\r\n0\r\nT: 1\r\n\r\n";
    let cuts = framecheck_framing::schedule::generate::framing_cuts(&spec, wire);
    let labels: Vec<&str> = cuts.iter().map(|(l, _)| l.as_str()).collect();
    for want in [
        "in-start-line@4",
        "cr|lf@16",
        "head-end@46",
        "in-chunk-size@48",
        "in-chunk-ext@49",
        "chunk-cr|lf@51",
        "chunk-data-cr|lf@54",
        "in-trailer@59",
    ] {
        assert!(labels.contains(&want), "{want} not in {labels:?}");
    }
}
