//! `framecheck frames` end to end: the issue's spec examples decode known
//! streams, and each exit code means what README.md says.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn frames(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_framecheck"))
        .arg("frames")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn framecheck");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin).expect("write stdin");
    drop(input);
    child.wait_with_output().expect("wait framecheck")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn spec_examples_decode_known_streams() {
    // (spec, stream, expected frame count, a line the JSON output must contain)
    let table: &[(&str, &[u8], usize, &str)] = &[
        (
            "fixed:16",
            b"0123456789abcdef0123456789ABCDEF",
            2,
            r#"{"offset":16,"length":16,"payload_len":16,"payload":{"text":"0123456789ABCDEF"}}"#,
        ),
        (
            "line",
            b"one\ntwo\n",
            2,
            r#"{"offset":4,"length":4,"payload_len":3,"payload":{"text":"two"}}"#,
        ),
        (
            "crlf",
            b"PING\r\n\r\n",
            2,
            r#"{"offset":6,"length":2,"payload_len":0,"payload":{"text":""}}"#,
        ),
        (
            r"delim:\r\n\r\n",
            b"GET / HTTP/1.0\r\nHost: x\r\n\r\n",
            1,
            r#""payload":{"text":"GET / HTTP/1.0\r\nHost: x"}"#,
        ),
        (
            "u16be",
            b"\x00\x02\xff\xfe",
            1,
            r#""payload":{"hex":"fffe"}"#,
        ),
        (
            "u32le",
            b"\x03\x00\x00\x00abc",
            1,
            r#""payload":{"text":"abc"}"#,
        ),
        (
            "varint",
            b"\x02hi\x00",
            2,
            r#"{"offset":3,"length":1,"payload_len":0,"payload":{"text":""}}"#,
        ),
        (
            "u32be,max=1MiB",
            b"\x00\x00\x00\x01!",
            1,
            r#""payload":{"text":"!"}"#,
        ),
        (
            "varint,offset=1",
            b"\xc0\x00\x30\x01x",
            2,
            r#"{"offset":2,"length":3,"payload_len":1,"head":{"text":"0"},"payload":{"text":"x"}}"#,
        ),
        (
            "u32be,offset=1,adjust=-4",
            b"Q\x00\x00\x00\x05;",
            1,
            r#""head":{"text":"Q"},"payload":{"text":";"}"#,
        ),
        (
            "tagged:A=4/B=16/V=u16be,max=4KiB",
            b"Aabcd\x56\x00\x01z",
            2,
            r#"{"offset":5,"length":4,"payload_len":1,"head":{"text":"V"},"payload":{"text":"z"}}"#,
        ),
        (
            "eof,max=1MiB",
            b"everything until FIN",
            1,
            r#""payload":{"text":"everything until FIN"}"#,
        ),
    ];
    for (spec, stream, count, line) in table {
        let o = frames(&["--framing", spec], stream);
        assert_eq!(o.status.code(), Some(0), "{spec}: {}", stderr(&o));
        let out = stdout(&o);
        assert_eq!(out.lines().count(), *count, "{spec}: {out}");
        assert!(
            out.lines().any(|l| l == *line || l.contains(line)),
            "{spec}: no line like {line} in\n{out}"
        );
        let o = frames(&["--framing", spec, "--count"], stream);
        assert_eq!(stdout(&o).trim(), count.to_string(), "{spec} --count");
    }
}

#[test]
fn exit_codes_and_messages() {
    /// (scenario, args, stdin, exit code, stderr must contain)
    type Row = (
        &'static str,
        &'static [&'static str],
        &'static [u8],
        i32,
        &'static str,
    );
    let table: &[Row] = &[
        ("whole_frames", &["--framing", "line"], b"a\n", 0, ""),
        ("empty_capture", &["--framing", "u32be"], b"", 0, ""),
        (
            "trailing_partial_frame",
            &["--framing", "line"],
            b"a\nbc",
            1,
            "offset 2, holding 2 bytes",
        ),
        (
            "length_over_max",
            &["--framing", "u16be,max=4"],
            b"\x00\x01a\x00\x09",
            1,
            "offset 3 declares a 9-byte payload, over the maximum of 4",
        ),
        (
            "unknown_tag",
            &["--framing", "tagged:A=1"],
            b"Aa?",
            1,
            "offset 2 starts with unknown tag 0x3f",
        ),
        (
            "bad_spec_names_token",
            &["--framing", "u24be"],
            b"",
            2,
            "\"u24be\"",
        ),
        (
            "bad_option_lists_expected",
            &["--framing", "line,size=3"],
            b"",
            2,
            "max=SIZE",
        ),
        (
            "missing_file",
            &["--framing", "line", "/nonexistent/capture"],
            b"",
            2,
            "cannot open",
        ),
        ("no_framing_is_usage", &[], b"", 2, "--framing"),
    ];
    for (name, args, stdin, code, needle) in table {
        let o = frames(args, stdin);
        assert_eq!(o.status.code(), Some(*code), "{name}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(needle),
            "{name}: stderr {:?} lacks {needle:?}",
            stderr(&o)
        );
    }
}

#[test]
fn frames_before_an_error_are_still_printed() {
    let o = frames(&["--framing", "crlf"], b"ok\r\nbroken");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o).lines().count(),
        1,
        "the complete frame is not lost"
    );
}
