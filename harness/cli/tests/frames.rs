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

/// Issue 11: every text-length spec decodes a known stream, with the length
/// text and the special packets in the JSON lines.
#[test]
fn text_length_specs_decode_known_streams() {
    // (spec, stream, the JSON lines, in order)
    let table: &[(&str, &[u8], &[&str])] = &[
        (
            "digits:5",
            b"00005hello00000",
            &[
                r#"{"offset":0,"length":10,"payload_len":5,"len":"00005","payload":{"text":"hello"}}"#,
                r#"{"offset":10,"length":5,"payload_len":0,"len":"00000","special":"keep-alive","payload":{"text":""}}"#,
            ],
        ),
        (
            "digits:4,adjust=-4",
            b"0006hi",
            &[r#"{"offset":0,"length":6,"payload_len":2,"len":"0006","payload":{"text":"hi"}}"#],
        ),
        (
            "hex:2,offset=1",
            b"Q0aABCDEFGHIJ",
            &[
                r#"{"offset":0,"length":13,"payload_len":10,"head":{"text":"Q"},"len":"0a","payload":{"text":"ABCDEFGHIJ"}}"#,
            ],
        ),
        (
            "pktline",
            b"0009hello000000010002",
            &[
                r#"{"offset":0,"length":9,"payload_len":5,"len":"0009","payload":{"text":"hello"}}"#,
                r#"{"offset":9,"length":4,"payload_len":0,"len":"0000","special":"flush","payload":{"text":""}}"#,
                r#"{"offset":13,"length":4,"payload_len":0,"len":"0001","special":"delim","payload":{"text":""}}"#,
                r#"{"offset":17,"length":4,"payload_len":0,"len":"0002","special":"response-end","payload":{"text":""}}"#,
            ],
        ),
        (
            "netstring",
            b"12:hello, world,0:,",
            &[
                r#"{"offset":0,"length":16,"payload_len":12,"len":"12","payload":{"text":"hello, world"}}"#,
                r#"{"offset":16,"length":3,"payload_len":0,"len":"0","payload":{"text":""}}"#,
            ],
        ),
        (
            "syslog",
            b"11 <34>1 x y z",
            &[
                r#"{"offset":0,"length":14,"payload_len":11,"len":"11","payload":{"text":"<34>1 x y z"}}"#,
            ],
        ),
        (
            "counted:crlf/set=5/VALUE=4",
            b"set k 0 0 5\r\nhello\r\nSTORED\r\n",
            &[
                r#"{"offset":0,"length":20,"payload_len":5,"head":{"text":"set k 0 0 5"},"len":"5","payload":{"text":"hello"}}"#,
                r#"{"offset":20,"length":8,"payload_len":6,"payload":{"text":"STORED"}}"#,
            ],
        ),
        (
            "counted:line/RESERVED=3",
            b"RESERVED 7 2\nhi\n",
            &[
                r#"{"offset":0,"length":16,"payload_len":2,"head":{"text":"RESERVED 7 2"},"len":"2","payload":{"text":"hi"}}"#,
            ],
        ),
        (
            "u32be,offset=1,adjust=-4,first=(u32be,adjust=-4)",
            b"\x00\x00\x00\x06hiQ\x00\x00\x00\x05x",
            &[
                r#"{"offset":0,"length":6,"payload_len":2,"payload":{"text":"hi"}}"#,
                r#"{"offset":6,"length":6,"payload_len":1,"head":{"text":"Q"},"payload":{"text":"x"}}"#,
            ],
        ),
        (
            "line,first=(netstring)",
            b"3:a\nb,x\n",
            &[
                r#"{"offset":0,"length":6,"payload_len":3,"len":"3","payload":{"text":"a\nb"}}"#,
                r#"{"offset":6,"length":2,"payload_len":1,"payload":{"text":"x"}}"#,
            ],
        ),
    ];
    for (spec, stream, lines) in table {
        let o = frames(&["--framing", spec], stream);
        assert_eq!(o.status.code(), Some(0), "{spec}: {}", stderr(&o));
        let out = stdout(&o);
        assert_eq!(out.lines().collect::<Vec<_>>(), *lines, "{spec}");
    }
}

/// Issue 11: each malformed form of a text length exits 1 with a message
/// naming the rule and what is wrong.
#[test]
fn text_length_specs_refuse_malformed_forms() {
    // (spec, stream, stderr must contain)
    let table: &[(&str, &[u8], &str)] = &[
        ("digits:4", b"+123", "digits length has a sign ('+')"),
        ("digits:4", b"-001", "digits length has a sign ('-')"),
        ("digits:4", b" 123", "digits length has a space"),
        ("digits:4", b"12a4", "digits length has byte 0x61"),
        (
            "digits:4,max=100",
            b"0101",
            "declares a 101-byte payload, over the maximum of 100",
        ),
        ("hex:4", b"00x1", "hex length has byte 0x78"),
        (
            "pktline",
            b"000A",
            "pkt-line length has an upper-case hex digit ('A')",
        ),
        (
            "pktline",
            b"0003",
            "pkt-line length is the reserved value 0003",
        ),
        ("pktline", b"fff1", "over the maximum of 65516"),
        (
            "netstring",
            b"05:hello,",
            "netstring length starts with a forbidden leading zero",
        ),
        (
            "netstring",
            b"1234567890:",
            "netstring length has more than 9 digits",
        ),
        (
            "netstring",
            b":,",
            "netstring length has no digits before its separator",
        ),
        (
            "netstring",
            b"5:hello!",
            "netstring payload is not followed by \",\"",
        ),
        (
            "syslog",
            b"05 hello",
            "declen length starts with a forbidden leading zero",
        ),
        ("syslog", b"5:hello", "declen length has byte 0x3a"),
        (
            "counted:crlf/set=5",
            b"set k 0 0 +5\r\nhello\r\n",
            "counted length has a sign ('+')",
        ),
        (
            "counted:crlf/set=5",
            b"set k 0 0\r\n",
            "counted length line has no count in word 5",
        ),
        (
            "counted:crlf/set=5",
            b"set k 0 0 5\r\nhelloX\r\n",
            "counted payload is not followed by \"\\r\\n\"",
        ),
        ("u8,first=(digits:2)", b"1x", "digits length has byte 0x78"),
    ];
    for (spec, stream, needle) in table {
        let o = frames(&["--framing", spec], stream);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{spec} on {stream:?}: {}",
            stderr(&o)
        );
        assert!(
            stderr(&o).contains(needle),
            "{spec} on {stream:?}: stderr {:?} lacks {needle:?}",
            stderr(&o)
        );
        assert!(
            stderr(&o).contains(spec),
            "{spec}: the message names the spec"
        );
    }
}

/// The grammar is printed by `framecheck specs` and `framecheck help specs`.
#[test]
fn specs_prints_the_grammar() {
    for args in [&["specs"][..], &["help", "specs"]] {
        let o = Command::new(env!("CARGO_BIN_EXE_framecheck"))
            .args(args)
            .output()
            .expect("run framecheck");
        let out = stdout(&o);
        for kind in [
            "digits:",
            "hex:",
            "pktline",
            "netstring",
            "declen:",
            "counted:",
            "first=(",
        ] {
            assert!(out.contains(kind), "{args:?} lacks {kind}");
        }
    }
}

#[test]
fn http1_frames_say_start_line_headers_and_body_length() {
    let o = frames(
        &["--framing", "http1:request"],
        b"POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(
        out.contains(r#""http":{"start_line":{"text":"POST /a HTTP/1.1"},"headers":2,"chunked":true,"body_len":3}"#),
        "{out}"
    );
    // A response to HEAD has no body, whatever its Content-Length says.
    let o = frames(
        &["--framing", "http1:response,method=HEAD/GET"],
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.lines().next().unwrap_or("").contains(r#""body_len":0"#),
        "{out}"
    );
    assert!(out.contains(r#""payload":{"text":"no"}"#), "{out}");
    // Both lengths: exit 1 and the rule named.
    let o = frames(
        &["--framing", "http1:request"],
        b"POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("RFC 9112 section 6.3 rule 3"),
        "{}",
        stderr(&o)
    );
}
