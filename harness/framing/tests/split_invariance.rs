//! Split invariance, tested the first two ways of STYLE.md: every prefix of
//! a valid stream is "need more", and every labelled split plan of every
//! scenario gives the transcript of whole delivery. (Proptest does the rest,
//! in `properties.rs`.)

use framecheck_framing::resp::{RespError, RespRule};
use framecheck_framing::{
    Decoder, Error, Spec, Special, Stage, TextProblem, Transcript, transcript,
};

/// A stream and what whole delivery must give.
struct Scenario {
    name: &'static str,
    spec: &'static str,
    wire: &'static [u8],
    /// Expected payloads.
    payloads: &'static [&'static [u8]],
    /// Expected end: `None` for a clean end.
    end: Option<Error>,
}

const fn ok(
    name: &'static str,
    spec: &'static str,
    wire: &'static [u8],
    payloads: &'static [&'static [u8]],
) -> Scenario {
    Scenario {
        name,
        spec,
        wire,
        payloads,
        end: None,
    }
}

fn err(
    name: &'static str,
    spec: &'static str,
    wire: &'static [u8],
    payloads: &'static [&'static [u8]],
    e: Error,
) -> Scenario {
    Scenario {
        name,
        spec,
        wire,
        payloads,
        end: Some(e),
    }
}

#[expect(clippy::too_many_lines, reason = "one table of scenarios")]
fn scenarios() -> Vec<Scenario> {
    let mut v = vec![
        ok("fixed_two_records", "fixed:4", b"abcdwxyz", &[b"abcd", b"wxyz"]),
        ok("fixed_one_byte_records", "fixed:1", b"abc", &[b"a", b"b", b"c"]),
        ok("line_three", "line", b"a\nbb\n\n", &[b"a", b"bb", b""]),
        ok("crlf_lone_cr_in_payload", "crlf", b"a\rb\r\n\r\r\n", &[b"a\rb", b"\r"]),
        ok("crlf_split_across_reads", "crlf", b"PING\r\nPONG\r\n", &[b"PING", b"PONG"]),
        ok("delim_http_headers", r"delim:\r\n\r\n", b"GET / HTTP/1.0\r\nA: b\r\n\r\nX\r\n\r\r\n\r\n", &[b"GET / HTTP/1.0\r\nA: b", b"X\r\n\r"]),
        ok("delim_overlapping_prefix", "delim:aab", b"aaabxaab", &[b"a", b"x"]),
        ok("delim_nul", r"delim:\0", b"one\0two\0", &[b"one", b"two"]),
        ok("line_exactly_max", "line,max=3", b"abc\n", &[b"abc"]),
        ok("crlf_exactly_max", "crlf,max=3", b"abc\r\n", &[b"abc"]),
        ok("u8_frames", "u8", b"\x02hi\x00\x01z", &[b"hi", b"", b"z"]),
        ok("u16be_frames", "u16be", b"\x00\x03abc\x00\x00", &[b"abc", b""]),
        ok("u16le_frames", "u16le", b"\x03\x00abc", &[b"abc"]),
        ok("u32be_frames", "u32be", b"\x00\x00\x00\x02hi\x00\x00\x00\x01!", &[b"hi", b"!"]),
        ok("u32le_frames", "u32le", b"\x02\x00\x00\x00hi", &[b"hi"]),
        ok("u64be_frames", "u64be", b"\x00\x00\x00\x00\x00\x00\x00\x01x", &[b"x"]),
        ok("u64le_frames", "u64le", b"\x01\x00\x00\x00\x00\x00\x00\x00x", &[b"x"]),
        ok("varint_one_byte", "varint", b"\x01a\x00\x02bc", &[b"a", b"", b"bc"]),
        ok("varint_two_bytes", "varint", b"\x81\x01zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", &[b"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"]),
        ok("varint_non_minimal_zero", "varint", b"\x80\x00", &[b""]),
        ok("mqtt_pingreq_connect", "varint,offset=1", b"\xc0\x00\x10\x02ab", &[b"", b"ab"]),
        ok("postgres_query", "u32be,offset=1,adjust=-4", b"Q\x00\x00\x00\x06hiX\x00\x00\x00\x04", &[b"hi", b""]),
        ok("tagged_fixed_and_len", "tagged:A=2/B=0/V=u16be", b"Axy\x42V\x00\x03abcA12", &[b"xy", b"", b"abc", b"12"]),
        ok("tagged_hex_tag", "tagged:0x00=1/0xff=u8", b"\x00a\xff\x02bc", &[b"a", b"bc"]),
        ok("eof_message", "eof", b"the whole body", &[b"the whole body"]),
        ok("eof_empty", "eof", b"", &[b""]),
        ok("empty_stream_len", "u32be", b"", &[]),
        ok("empty_stream_line", "line", b"", &[]),
        // Lengths written as text.
        ok("digits5_howto", "digits:5", b"00005hello0000000001x", &[b"hello", b"", b"x"]),
        ok("jpos_keep_alive", "digits:4", b"0000000212", &[b"", b"12"]),
        ok("digits_counts_itself", "digits:4,adjust=-4", b"0006ab0004", &[b"ab", b""]),
        ok("digits_offset_type_byte", "digits:2,offset=1", b"Q03abcX00", &[b"abc", b""]),
        ok("hex_either_case", "hex:2", b"0aAAAAAAAAAA0Bbbbbbbbbbbb", &[b"AAAAAAAAAA", b"bbbbbbbbbbb"]),
        ok("pktline_git", "pktline", b"0009hello0000000100020004", &[b"hello", b"", b"", b"", b""]),
        ok("netstring_djb", "netstring", b"5:hello,0:,12:hello, world,", &[b"hello", b"", b"hello, world"]),
        ok("netstring_comma_in_payload", "netstring", b"3:a,b,", &[b"a,b"]),
        ok("syslog_octet_counting", "syslog", b"5 hello11 <34>1 x y z", &[b"hello", b"<34>1 x y z"]),
        ok("declen_colon", "declen::", b"2:ab10:0123456789", &[b"ab", b"0123456789"]),
        ok("memcached_set_and_value", "counted:crlf/set=5/VALUE=4", b"set k 0 0 5\r\nhello\r\nSTORED\r\nVALUE k 0 5\r\nhe\r\no\r\nEND\r\n", &[b"hello", b"STORED", b"he\r\no", b"END"]),
        ok("beanstalkd_put_reserved", "counted:crlf/put=5/RESERVED=3", b"put 0 0 10 5\r\nhello\r\nRESERVED 7 0\r\n\r\n", &[b"hello", b""]),
        ok("counted_line_lone_lf", "counted:line/set=2", b"set 3\nabc\nget\n", &[b"abc", b"get"]),
        ok("counted_crlf_lone_lf_in_line", "counted:crlf/set=3", b"get a\nb\r\nset k 1\r\nz\r\n", &[b"get a\nb", b"z"]),
        ok("postgres_startup_then_query", "u32be,offset=1,adjust=-4,first=(u32be,adjust=-4)", b"\x00\x00\x00\x08\x04\xd2\x16\x2fQ\x00\x00\x00\x06hi", &[b"\x04\xd2\x16\x2f", b"hi"]),
        ok("first_netstring_then_lines", "line,first=(netstring)", b"3:a\nb,x\ny\n", &[b"a\nb", b"x", b"y"]),
        // RESP: one top-level value a frame; cuts fall inside `$5\r\n`,
        // between a length and its bytes, inside nested headers, between CR and LF.
        ok("resp_bulk_simple_integer", "resp", b"$5\r\nhello\r\n+OK\r\n:-12\r\n", &[b"hello", b"+OK\r\n", b":-12\r\n"]),
        ok("resp_nested_array_and_null", "resp", b"*2\r\n$3\r\nGET\r\n*1\r\n:1\r\n$-1\r\n", &[b"*2\r\n$3\r\nGET\r\n*1\r\n:1\r\n", b"$-1\r\n"]),
        ok("resp3_attribute_map_push", "resp", b"|1\r\n+k\r\n#t\r\n%1\r\n+a\r\n,1.5e3\r\n>2\r\n+m\r\n_\r\n", &[b"|1\r\n+k\r\n#t\r\n%1\r\n+a\r\n,1.5e3\r\n", b">2\r\n+m\r\n_\r\n"]),
        ok("resp3_streamed", "resp", b"$?\r\n;2\r\nhe\r\n;1\r\nl\r\n;0\r\n*?\r\n:1\r\n.\r\n", &[b"$?\r\n;2\r\nhe\r\n;1\r\nl\r\n;0\r\n", b"*?\r\n:1\r\n.\r\n"]),
        ok("resp3_verbatim_big_blob_error", "resp", b"=8\r\ntxt:abcd\r\n(123\r\n!3\r\nERR\r\n", &[b"=8\r\ntxt:abcd\r\n", b"(123\r\n", b"!3\r\nERR\r\n"]),
        ok("resp2_replies", "resp2", b"+PONG\r\n-ERR unknown\r\n*-1\r\n", &[b"+PONG\r\n", b"-ERR unknown\r\n", b"*-1\r\n"]),
        ok("resp_request_commands_and_inline", "resp:request", b"*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n*1\r\n$4\r\nPING\r\nPING\r\nSET k v\n", &[b"*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n", b"PING", b"PING", b"SET k v"]),
        ok("resp_request_empty_commands", "resp,request", b"*0\r\n*-1\r\n\r\n", &[b"*0\r\n", b"*-1\r\n", b""]),
        ok("resp_exactly_max", "resp,max=11", b"$5\r\nhello\r\n", &[b"hello"]),
    ];
    let text = |offset: u64, rule: &'static str, problem: TextProblem| Error::LengthText {
        offset,
        rule,
        problem,
    };
    let resp = |offset: u64, at: u64, rule: RespRule| Error::Resp {
        offset,
        error: RespError { at, rule },
    };
    let truncated = |offset: u64, held: usize, stage: Stage| Error::Truncated {
        offset,
        held,
        stage,
    };
    v.extend([
        err(
            "digits_sign",
            "digits:4",
            b"0001x+123",
            &[b"x"],
            text(5, "digits", TextProblem::Sign(b'+')),
        ),
        err(
            "digits_minus",
            "digits:4",
            b"-001",
            &[],
            text(0, "digits", TextProblem::Sign(b'-')),
        ),
        err(
            "digits_space",
            "digits:4",
            b" 12",
            &[],
            text(0, "digits", TextProblem::Space),
        ),
        err(
            "digits_not_a_digit",
            "digits:4",
            b"00a1",
            &[],
            text(0, "digits", TextProblem::NotADigit(b'a')),
        ),
        err(
            "digits_over_max",
            "digits:4,max=10",
            b"0011",
            &[],
            Error::TooLarge {
                offset: 0,
                len: 11,
                max: 10,
            },
        ),
        err(
            "digits_self_count_too_small",
            "digits:4,adjust=-4",
            b"0003",
            &[],
            Error::NegativeLength {
                offset: 0,
                declared: 3,
                adjust: -4,
            },
        ),
        err(
            "digits_cut_in_digits",
            "digits:5",
            b"00005hello000",
            &[b"hello"],
            truncated(10, 3, Stage::Header),
        ),
        err(
            "digits_cut_in_body",
            "digits:5",
            b"00005hel",
            &[],
            truncated(0, 8, Stage::Body),
        ),
        err(
            "hex_bad",
            "hex:4",
            b"00g1",
            &[],
            text(0, "hex", TextProblem::NotADigit(b'g')),
        ),
        err(
            "pktline_upper_hex",
            "pktline",
            b"000A",
            &[],
            text(0, "pkt-line", TextProblem::UpperHex(b'A')),
        ),
        err(
            "pktline_0003",
            "pktline",
            b"00000003",
            &[b""],
            text(4, "pkt-line", TextProblem::Reserved(3)),
        ),
        err(
            "pktline_too_long",
            "pktline",
            b"fff1",
            &[],
            Error::TooLarge {
                offset: 0,
                len: 0xfff1 - 4,
                max: 65516,
            },
        ),
        err(
            "pktline_cut",
            "pktline",
            b"0006a",
            &[],
            truncated(0, 5, Stage::Body),
        ),
        err(
            "netstring_leading_zero",
            "netstring",
            b"05:hello,",
            &[],
            text(0, "netstring", TextProblem::LeadingZero),
        ),
        err(
            "netstring_too_many_digits",
            "netstring",
            b"1234567890:",
            &[],
            text(0, "netstring", TextProblem::TooManyDigits(9)),
        ),
        err(
            "netstring_no_digits",
            "netstring",
            b"0:,:x,",
            &[b""],
            text(3, "netstring", TextProblem::NoDigits),
        ),
        err(
            "netstring_sign",
            "netstring",
            b"+5:hello,",
            &[],
            text(0, "netstring", TextProblem::Sign(b'+')),
        ),
        err(
            "netstring_space",
            "netstring",
            b"5 :hello,",
            &[],
            text(0, "netstring", TextProblem::Space),
        ),
        err(
            "netstring_missing_comma",
            "netstring",
            b"5:hello;",
            &[],
            Error::Trailer {
                offset: 0,
                rule: "netstring",
                expected: r#"",""#,
            },
        ),
        err(
            "netstring_over_max",
            "netstring,max=4",
            b"5:",
            &[],
            Error::TooLarge {
                offset: 0,
                len: 5,
                max: 4,
            },
        ),
        err(
            "netstring_cut_before_comma",
            "netstring",
            b"5:hello",
            &[],
            truncated(0, 7, Stage::Body),
        ),
        err(
            "netstring_cut_in_digits",
            "netstring",
            b"12",
            &[],
            truncated(0, 2, Stage::Header),
        ),
        err(
            "syslog_leading_zero",
            "syslog",
            b"05 hello",
            &[],
            text(0, "declen", TextProblem::LeadingZero),
        ),
        err(
            "syslog_zero",
            "syslog",
            b"0 ",
            &[],
            text(0, "declen", TextProblem::LeadingZero),
        ),
        err(
            "syslog_too_many_digits",
            "syslog",
            b"12345678901 ",
            &[],
            text(0, "declen", TextProblem::TooManyDigits(10)),
        ),
        err(
            "syslog_no_space",
            "syslog",
            b"5:hello",
            &[],
            text(0, "declen", TextProblem::NotADigit(b':')),
        ),
        err(
            "counted_sign",
            "counted:crlf/set=5",
            b"set k 0 0 -1\r\n",
            &[],
            text(0, "counted", TextProblem::Sign(b'-')),
        ),
        err(
            "counted_missing_count",
            "counted:crlf/set=5",
            b"STORED\r\nset k 0 0\r\n",
            &[b"STORED"],
            text(8, "counted", TextProblem::MissingCount(5)),
        ),
        err(
            "counted_empty_count",
            "counted:crlf/set=3",
            b"set k \r\n",
            &[],
            text(0, "counted", TextProblem::NoDigits),
        ),
        err(
            "counted_too_many_digits",
            "counted:crlf/set=2",
            b"set 12345678901\r\n",
            &[],
            text(0, "counted", TextProblem::TooManyDigits(10)),
        ),
        err(
            "counted_forgotten_trailer",
            "counted:crlf/set=2",
            b"set 5\r\nhelloset 1\r\n",
            &[],
            Error::Trailer {
                offset: 0,
                rule: "counted",
                expected: r#""\r\n""#,
            },
        ),
        err(
            "counted_over_max",
            "counted:crlf/set=2,max=5",
            b"set 6\r\n",
            &[],
            Error::TooLarge {
                offset: 0,
                len: 6,
                max: 5,
            },
        ),
        err(
            "counted_line_too_long",
            "counted:line/set=2,max=4",
            b"abcd\nabcde",
            &[b"abcd"],
            Error::Unterminated { offset: 5, max: 4 },
        ),
        err(
            "counted_cut_in_line",
            "counted:crlf/set=2",
            b"set 5\r",
            &[],
            truncated(0, 6, Stage::Header),
        ),
        err(
            "counted_cut_in_block",
            "counted:crlf/set=2",
            b"set 5\r\nhello\r",
            &[],
            truncated(0, 13, Stage::Body),
        ),
        err(
            "first_error_in_first",
            "u8,first=(netstring)",
            b"01:",
            &[],
            text(0, "netstring", TextProblem::LeadingZero),
        ),
        err(
            "first_cut_in_first",
            "u8,first=(digits:3)",
            b"00",
            &[],
            truncated(0, 2, Stage::Header),
        ),
        err(
            "first_error_after_first",
            "netstring,first=(digits:1)",
            b"1x01:",
            &[b"x"],
            text(2, "netstring", TextProblem::LeadingZero),
        ),
    ]);
    v.extend([
        err(
            "u32be_trusts_no_huge_length",
            "u32be,max=16",
            b"\x00\x00\x00\x01x\xff\xff\xff\xffabc",
            &[b"x"],
            Error::TooLarge {
                offset: 5,
                len: 0xffff_ffff,
                max: 16,
            },
        ),
        err(
            "u16be_one_over_max",
            "u16be,max=2",
            b"\x00\x03abc",
            &[],
            Error::TooLarge {
                offset: 0,
                len: 3,
                max: 2,
            },
        ),
        err(
            "varint_overflow",
            "varint",
            b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02",
            &[],
            Error::VarintOverflow { offset: 0 },
        ),
        err(
            "varint_ten_bytes_huge",
            "varint",
            b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",
            &[],
            Error::TooLarge {
                offset: 0,
                len: u64::MAX,
                max: 16 << 20,
            },
        ),
        err(
            "postgres_length_below_four",
            "u32be,offset=1,adjust=-4",
            b"Q\x00\x00\x00\x03",
            &[],
            Error::NegativeLength {
                offset: 0,
                declared: 3,
                adjust: -4,
            },
        ),
        err(
            "tagged_unknown_tag",
            "tagged:A=1",
            b"AaZ",
            &[b"a"],
            Error::UnknownTag {
                offset: 2,
                tag: b'Z',
            },
        ),
        err(
            "tagged_fixed_over_max",
            "tagged:A=9,max=4",
            b"A",
            &[],
            Error::TooLarge {
                offset: 0,
                len: 9,
                max: 4,
            },
        ),
        err(
            "line_too_long",
            "line,max=3",
            b"ok\nabcd\n",
            &[b"ok"],
            Error::Unterminated { offset: 3, max: 3 },
        ),
        err(
            "crlf_too_long_no_cr",
            "crlf,max=3",
            b"abcdef",
            &[],
            Error::Unterminated { offset: 0, max: 3 },
        ),
        err(
            "crlf_too_long_cr_at_max_plus_one",
            "crlf,max=3",
            b"abcd\r\n",
            &[],
            Error::Unterminated { offset: 0, max: 3 },
        ),
        err(
            "eof_overflow",
            "eof,max=4",
            b"12345",
            &[],
            Error::Overflow { offset: 0, max: 4 },
        ),
        err(
            "eof_mid_header",
            "u32be",
            b"\x00\x00\x00\x01a\x00\x00",
            &[b"a"],
            Error::Truncated {
                offset: 5,
                held: 2,
                stage: Stage::Header,
            },
        ),
        err(
            "eof_mid_body",
            "u16be",
            b"\x00\x05abc",
            &[],
            Error::Truncated {
                offset: 0,
                held: 5,
                stage: Stage::Body,
            },
        ),
        err(
            "eof_mid_line",
            "crlf",
            b"a\r\nb\r",
            &[b"a"],
            Error::Truncated {
                offset: 3,
                held: 2,
                stage: Stage::Delimiter,
            },
        ),
        err(
            "eof_mid_fixed",
            "fixed:3",
            b"abcde",
            &[b"abc"],
            Error::Truncated {
                offset: 3,
                held: 2,
                stage: Stage::Body,
            },
        ),
        err(
            "resp_length_over_max",
            "resp,max=16",
            b"+OK\r\n$99\r\n",
            &[b"+OK\r\n"],
            resp(5, 2, RespRule::LengthOverMax),
        ),
        err(
            "resp_frame_over_max_by_length",
            "resp,max=16",
            b"$10\r\n",
            &[],
            resp(0, 2, RespRule::FrameOverMax),
        ),
        err(
            "resp_line_over_max",
            "resp,max=8",
            b"+abcdefgh\r\n",
            &[],
            resp(0, 6, RespRule::FrameOverMax),
        ),
        err(
            "resp_too_many_elements",
            "resp,elems=2",
            b"*3\r\n",
            &[],
            resp(0, 1, RespRule::TooManyElements),
        ),
        err(
            "resp_too_deep",
            "resp,depth=2",
            b"*1\r\n*1\r\n*1\r\n:1\r\n",
            &[],
            resp(0, 11, RespRule::TooDeep),
        ),
        err(
            "resp_bulk_crlf_missing",
            "resp",
            b"$2\r\nhiX\r\n",
            &[],
            resp(0, 6, RespRule::BlobNotEnded),
        ),
        err(
            "resp_negative_length",
            "resp",
            b"$-2\r\n",
            &[],
            resp(0, 2, RespRule::NullNotAllowed),
        ),
        err(
            "resp2_rejects_a_resp3_type",
            "resp2",
            b"+OK\r\n%1\r\n",
            &[b"+OK\r\n"],
            resp(5, 0, RespRule::UnknownType(b'%')),
        ),
        err(
            "resp_bare_lf",
            "resp",
            b"+OK\n",
            &[],
            resp(0, 3, RespRule::BareLf),
        ),
        err(
            "resp_cr_without_lf",
            "resp",
            b"*1\r\n:1\rx",
            &[],
            resp(0, 7, RespRule::CrWithoutLf),
        ),
        err(
            "resp_request_not_bulk",
            "resp:request",
            b"*1\r\n:1\r\n",
            &[],
            resp(0, 4, RespRule::RequestNotBulk(b':')),
        ),
        err(
            "resp_leading_zero",
            "resp",
            b"$01\r\n",
            &[],
            resp(0, 2, RespRule::LeadingZero),
        ),
        err(
            "resp_inline_too_long",
            "resp:request,max=8",
            b"GET abcdefgh\n",
            &[],
            resp(0, 7, RespRule::InlineTooLong),
        ),
        err(
            "resp_eof_in_bulk",
            "resp",
            b"+a\r\n$5\r\nhel",
            &[b"+a\r\n"],
            truncated(4, 7, Stage::Body),
        ),
        err(
            "resp_eof_in_nested_header",
            "resp",
            b"*2\r\n$3\r",
            &[],
            truncated(0, 7, Stage::Header),
        ),
        err(
            "resp_eof_in_inline",
            "resp:request",
            b"PIN",
            &[],
            truncated(0, 3, Stage::Delimiter),
        ),
        err(
            "eof_after_tag",
            "tagged:V=u16be",
            b"V",
            &[],
            Error::Truncated {
                offset: 0,
                held: 1,
                stage: Stage::Header,
            },
        ),
    ]);
    v.extend(http1_scenarios());
    v
}

/// Labelled split plans: (label, cut positions).
fn plans(len: usize) -> Vec<(String, Vec<usize>)> {
    let mut plans = vec![
        ("whole".to_owned(), vec![]),
        ("byte_at_a_time".to_owned(), (1..len).collect()),
        ("pairs".to_owned(), (2..len).step_by(2).collect()),
        ("sevens".to_owned(), (7..len).step_by(7).collect()),
    ];
    for a in 1..len {
        plans.push((format!("cut_at_{a}"), vec![a]));
    }
    if len <= 40 {
        for a in 1..len {
            for b in a + 1..len {
                plans.push((format!("cuts_at_{a}_{b}"), vec![a, b]));
            }
        }
    }
    plans
}

fn deliver(spec: &Spec, wire: &[u8], cuts: &[usize]) -> Transcript {
    let mut bounds = vec![0];
    bounds.extend_from_slice(cuts);
    bounds.push(wire.len());
    // Empty chunks between the pieces must change nothing either.
    let mut pieces: Vec<&[u8]> = Vec::new();
    for w in bounds.windows(2) {
        pieces.push(&wire[w[0]..w[1]]);
        pieces.push(&[]);
    }
    transcript(spec, pieces)
}

#[test]
fn every_split_plan_gives_the_whole_delivery_transcript() {
    for s in scenarios() {
        let spec: Spec = s.spec.parse().unwrap_or_else(|e| panic!("{}: {e}", s.name));
        let whole = transcript(&spec, [s.wire]);
        let payloads: Vec<&[u8]> = whole
            .frames
            .iter()
            .map(framecheck_framing::Frame::payload)
            .collect();
        assert_eq!(payloads, s.payloads, "{}: payloads", s.name);
        assert_eq!(whole.end.clone().err(), s.end, "{}: end", s.name);
        let framed: u64 = whole.frames.iter().map(|f| f.wire.len() as u64).sum();
        assert_eq!(whole.consumed, framed, "{}: consumed", s.name);
        for (label, cuts) in plans(s.wire.len()) {
            let t = deliver(&spec, s.wire, &cuts);
            assert_eq!(t, whole, "{} under split plan {label}", s.name);
        }
    }
}

#[test]
fn scenarios_agree_with_the_model_under_the_fuzz_checks() {
    for s in scenarios() {
        let spec: Spec = s.spec.parse().unwrap();
        for cuts in [&[][..], &[1; 15], &[2, 3, 1, 4], &[3; 15]] {
            framecheck_framing::fuzzing::check_split(&spec, s.wire, cuts);
        }
    }
}

#[test]
fn reserved_packets_are_frames_of_their_own_kind() {
    let t = transcript(&"pktline".parse().unwrap(), [&b"0000000100020004"[..]]);
    let specials: Vec<Option<Special>> = t.frames.iter().map(|f| f.special).collect();
    assert_eq!(
        specials,
        [
            Some(Special::Flush),
            Some(Special::Delim),
            Some(Special::ResponseEnd),
            None
        ]
    );
    let t = transcript(&"digits:4".parse().unwrap(), [&b"00000001x"[..]]);
    let specials: Vec<Option<Special>> = t.frames.iter().map(|f| f.special).collect();
    assert_eq!(specials, [Some(Special::KeepAlive), None]);
    // With an adjust, zero is a length like any other.
    let t = transcript(&"digits:4,adjust=+1".parse().unwrap(), [&b"0000x"[..]]);
    assert_eq!(
        (t.frames[0].special, t.frames[0].payload()),
        (None, &b"x"[..])
    );
}

#[test]
fn every_prefix_of_a_valid_stream_is_need_more() {
    for s in scenarios()
        .iter()
        // (A body read to close ends only at the end of the stream.)
        .filter(|s| s.end.is_none() && s.spec != "eof" && !s.name.ends_with("_to_close"))
    {
        let spec: Spec = s.spec.parse().unwrap();
        let whole = transcript(&spec, [s.wire]);
        let mut ends = vec![0u64];
        ends.extend(whole.frames.iter().scan(0u64, |acc, f| {
            *acc += f.wire.len() as u64;
            Some(*acc)
        }));
        for cut in 0..=s.wire.len() {
            let mut dec = Decoder::new(&spec);
            let mut input = &s.wire[..cut];
            let mut n = 0;
            loop {
                match dec.decode(&mut input) {
                    Ok(Some(_)) => n += 1,
                    Ok(None) => break,
                    Err(e) => panic!("{}: prefix of {cut} bytes gave error {e}", s.name),
                }
            }
            assert!(
                input.is_empty(),
                "{}: need-more must take the whole chunk",
                s.name
            );
            let complete = ends.iter().filter(|&&e| e <= cut as u64).count() - 1;
            assert_eq!(n, complete, "{}: frames in a {cut}-byte prefix", s.name);
            assert_eq!(
                dec.consumed() + dec.held() as u64,
                cut as u64,
                "{}: consumed + held",
                s.name
            );
        }
    }
}

#[test]
fn held_bytes_never_exceed_max_plus_overhead() {
    let hostile: &[(&str, &[u8])] = &[
        ("crlf,max=8", b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r"),
        (
            "crlf,max=8",
            b"aaaaaaa\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r",
        ),
        (r"delim:\r\n\r\n,max=8", b"aaaaaaaa\r\n\r\r\n\r\r\n\r\n"),
        ("u32be,max=8", b"\x00\x00\x00\x08abcdefg"),
        ("u32be,max=8", b"\x7f\xff\xff\xffabcdefg"),
        ("varint,offset=1,max=8", b"\x30\x88\x80\x80\x80"),
        ("eof,max=8", b"0123456789abcdef"),
        ("digits:4,max=8", b"0008abcdefg"),
        ("netstring,max=8", b"8:abcdefgh"),
        ("netstring,max=8", b"999999999"),
        ("syslog,max=8", b"1234567890"),
        ("pktline,max=8", b"000cabcdefgh"),
        ("counted:crlf/set=2,max=8", b"set 8\r\nabcdefgh\r"),
        ("counted:crlf/set=2,max=8", b"set 123456\r"),
        ("resp,max=8", b"*1\r\n$2\r\nabcdefgh"),
        ("resp,max=8", b"+aaaaaaaaaaaaaaaa"),
        ("resp:request,max=8", b"GET aaaaaaaaaaaaa"),
        ("http1:request,max=8,head=32", b"GET / HTTP/1.1\r\nX: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        ("http1:request,max=8,head=32", b"POST / HTTP/1.1\r\nContent-Length: 8\r\n\r\nabcdefgh"),
        ("http1:request,max=8,head=32", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n1\r\nb\r\n1\r\nc\r\n"),
        ("http1:request,max=16,head=32", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        ("http1:response,max=8,head=32", b"HTTP/1.1 200 OK\r\n\r\n0123456789abcdef"),
        (
            "u8,max=8,first=(u32be,max=64)",
            b"\x00\x00\x00\x40abcdefghijklmnopqrstuvwxyz",
        ),
    ];
    for (text, wire) in hostile {
        let spec: Spec = text.parse().unwrap();
        for chunk in [1, 2, 3, 100] {
            let mut dec = Decoder::new(&spec);
            for piece in wire.chunks(chunk) {
                let mut input = piece;
                while let Ok(Some(_)) = dec.decode(&mut input) {}
            }
            assert!(
                dec.peak_held() <= spec.max() + spec.overhead(),
                "{text} in {chunk}-byte pieces held {} > {} + {}",
                dec.peak_held(),
                spec.max(),
                spec.overhead()
            );
        }
    }
}

#[test]
fn a_failed_decoder_stays_failed_and_takes_nothing() {
    let spec: Spec = "tagged:A=1".parse().unwrap();
    let mut dec = Decoder::new(&spec);
    let mut input: &[u8] = b"Z";
    let first = dec.decode(&mut input).unwrap_err();
    let mut more: &[u8] = b"Aa";
    assert_eq!(dec.decode(&mut more).unwrap_err(), first);
    assert_eq!(more, b"Aa");
    assert_eq!(dec.finish().unwrap_err(), first);
}

#[test]
fn frames_from_one_chunk_borrow_it() {
    let spec: Spec = "u8".parse().unwrap();
    let wire = b"\x01a\x01b";
    let mut dec = Decoder::new(&spec);
    let mut input = &wire[..];
    let f = dec.decode(&mut input).unwrap().unwrap();
    assert!(
        std::ptr::eq(f.wire().as_ptr(), wire.as_ptr()),
        "zero-copy when whole"
    );
}

#[test]
fn resp_frames_from_one_chunk_borrow_it() {
    let spec: Spec = "resp:request".parse().unwrap();
    let wire = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPING\r\n";
    let mut dec = Decoder::new(&spec);
    let mut input = &wire[..];
    let f = dec.decode(&mut input).unwrap().unwrap();
    assert!(
        std::ptr::eq(f.wire().as_ptr(), wire.as_ptr()),
        "zero-copy when whole"
    );
    assert_eq!(f.wire().len(), 20);
    let f = dec.decode(&mut input).unwrap().unwrap();
    assert_eq!((f.head(), f.payload()), (&b""[..], &b"PING"[..]));
}

#[test]
fn a_header_claiming_the_max_reserves_only_what_arrived() {
    let spec: Spec = "u32be,max=1GiB".parse().unwrap();
    let mut dec = Decoder::new(&spec);
    let mut input: &[u8] = b"\x3f\xff\xff\xffabc";
    assert_eq!(dec.decode(&mut input).unwrap(), None);
    assert_eq!(dec.held(), 7);
    assert!(
        dec.held_capacity() <= 128 * 1024,
        "reserved {} for 7 bytes",
        dec.held_capacity()
    );
    assert_eq!(
        dec.finish().unwrap_err(),
        Error::Truncated {
            offset: 0,
            held: 7,
            stage: Stage::Body
        }
    );
}

/// HTTP/1.1 streams (RFC 9112): valid pipelines and each framing error,
/// each delivered under every split plan.
fn http1_scenarios() -> Vec<Scenario> {
    use framecheck_framing::http1::Problem;
    let h = |offset: u64, problem: Problem| Error::Http1 { offset, problem };
    vec![
        ok("http1_two_gets", "http1:request", b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.0\r\n\r\n", &[b"", b""]),
        ok("http1_post_content_length", "http1:request", b"POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\n\r\n", &[b"hello", b""]),
        ok("http1_post_chunked_ext_trailer", "http1:request", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;a=b\r\nabc\r\n0\r\nT: v\r\n\r\nGET / HTTP/1.1\r\n\r\n", &[b"3;a=b\r\nabc\r\n0\r\nT: v\r\n\r\n", b""]),
        ok("http1_te_list_chunked_last", "http1:request", b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: , chunked\r\n\r\n0\r\n\r\n", &[b"0\r\n\r\n"]),
        ok("http1_response_cl_204_to_close", "http1:response", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\n\r\nto the end", &[b"hi", b"", b"to the end"]),
        ok("http1_response_head_ignores_cl", "http1:response,method=HEAD", b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n", &[b"", b""]),
        ok("http1_response_interim_then_final", "http1:response", b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n", &[b"", b"1\r\nx\r\n0\r\n\r\n"]),
        ok("http1_response_connect_tunnel_to_close", "http1:response,method=CONNECT", b"HTTP/1.1 200 Connection established\r\n\r\nHTTP/1.1 not parsed", &[b"HTTP/1.1 not parsed"]),
        ok("http1_response_not_chunked_to_close", "http1:response", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxyz", &[b"xyz"]),
        ok("http1_lenient_bare_lf", "http1:request,lenient", b"POST / HTTP/1.1\nTransfer-Encoding: chunked\n\n1\nz\n0\n\n", &[b"1\nz\n0\n\n"]),
        ok("http1_lenient_obs_fold", "http1:request,lenient", b"GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", &[b""]),
        ok("http1_lenient_cl_te_te_wins", "http1:request,lenient", b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", &[b"0\r\n\r\n"]),
        ok("http1_lenient_empty_lines_before_request", "http1:request,lenient", b"\r\n\nGET / HTTP/1.1\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n", &[b"", b""]),
        err("http1_strict_empty_line_before_request", "http1:request", b"\r\nGET / HTTP/1.1\r\n\r\n", &[], h(0, Problem::BadRequestLine)),
        ok("http1_lenient_duplicate_cl", "http1:request,lenient", b"POST / HTTP/1.1\r\nContent-Length: 2, 2\r\n\r\nab", &[b"ab"]),
        ok("http1_chunk_size_leading_zeros", "http1:request", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n00000000000000000001\r\nz\r\n0\r\n\r\n", &[b"00000000000000000001\r\nz\r\n0\r\n\r\n"]),
        err("http1_bare_lf", "http1:request", b"GET / HTTP/1.1\r\nHost: a\n\r\n", &[], h(0, Problem::BareLf)),
        err("http1_bare_cr", "http1:request", b"GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", &[], h(0, Problem::BareCr)),
        err("http1_space_before_colon", "http1:request", b"GET / HTTP/1.1\r\n\r\nPOST / HTTP/1.1\r\nContent-Length : 1\r\n\r\nx", &[b""], h(18, Problem::WhitespaceBeforeColon)),
        err("http1_obs_fold", "http1:request", b"GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", &[], h(0, Problem::ObsFold)),
        // A transfer-parameter must be `token = token / quoted-string` (the
        // differential fuzzer's `chu+;;;\xff;;ked, chunked`, which hyper refuses).
        err("http1_te_empty_parameters", "http1:request", b"POST / HTTP/1.1\r\nTransfer-Encoding: chu+;;;\xff;;ked, chunked\r\n\r\n0\r\n\r\n", &[], h(0, Problem::BadTransferEncoding)),
        err("http1_te_parameter_without_value", "http1:request", b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip;level, chunked\r\n\r\n0\r\n\r\n", &[], h(0, Problem::BadTransferEncoding)),
        ok("http1_lenient_te_quoted_parameter_across_obs_fold", "http1:request,lenient", b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip;x=\"a\\\r\n b\", chunked\r\n\r\n0\r\n\r\n", &[b"0\r\n\r\n"]),
        ok("http1_te_parameters_token_and_quoted", "http1:request", b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip ; level = 1;x=\"a b\\\"c\", chunked\r\n\r\n0\r\n\r\n", &[b"0\r\n\r\n"]),
        err("http1_cl_te", "http1:request", b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", &[], h(0, Problem::ContentLengthAndTransferEncoding)),
        err("http1_conflicting_cl", "http1:request", b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", &[], h(0, Problem::ConflictingContentLength)),
        err("http1_duplicate_cl", "http1:request", b"POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab", &[], h(0, Problem::DuplicateContentLength)),
        err("http1_invalid_cl", "http1:request", b"POST / HTTP/1.1\r\nContent-Length: +2\r\n\r\nab", &[], h(0, Problem::InvalidContentLength)),
        err("http1_chunk_size_overflow", "http1:request", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", &[], h(0, Problem::ChunkSizeOverflow)),
        err("http1_chunk_size_prefix", "http1:request", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1x\r\nz\r\n0\r\n\r\n", &[], h(0, Problem::BadChunkSize)),
        err("http1_bare_lf_chunk_line", "http1:request", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\nz\r\n0\r\n\r\n", &[], h(0, Problem::BareLfInChunk)),
        err("http1_chunk_data_not_crlf", "http1:request", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nzz\r\n0\r\n\r\n", &[], h(0, Problem::ChunkDataNotCrlf)),
        err("http1_chunked_not_final", "http1:request", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", &[], h(0, Problem::ChunkedNotFinal)),
        err("http1_request_not_chunked", "http1:request", b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", &[], h(0, Problem::RequestNotChunked)),
        err("http1_te_in_http10", "http1:request", b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", &[], h(0, Problem::TransferEncodingInHttp10)),
        err("http1_head_too_large", "http1:request,head=32", b"GET / HTTP/1.1\r\nX-Long: 0123456789abcdef\r\n\r\n", &[], h(0, Problem::HeadTooLarge(32))),
        err("http1_too_many_headers", "http1:request,headers=2", b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", &[], h(0, Problem::TooManyFields(2))),
        err("http1_ext_too_long", "http1:request,ext=4", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;abcd\r\nz\r\n0\r\n\r\n", &[], h(0, Problem::ChunkExtensionTooLong(4))),
        // The one-pass paths (a whole head, a whole chunk line with its
        // extension) at their limits and on what they must decline.
        ok("http1_ext_at_limit", "http1:request,ext=5", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;abcd\r\nz\r\n0\r\n\r\n", &[b"1;abcd\r\nz\r\n0\r\n\r\n"]),
        err("http1_ext_over_limit_over_two_chunks", "http1:request,ext=8", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;abc\r\nz\r\n1;abcd\r\nz\r\n0\r\n\r\n", &[], h(0, Problem::ChunkExtensionTooLong(8))),
        err("http1_ext_del", "http1:request", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;a\x7f\r\nz\r\n0\r\n\r\n", &[], h(0, Problem::BadChunkExtension)),
        err("http1_ext_bare_cr", "http1:request", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;a\rb\r\nz\r\n0\r\n\r\n", &[], h(0, Problem::BareCr)),
        err("http1_control_in_value", "http1:request", b"GET / HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n", &[], h(0, Problem::BadFieldValue)),
        err("http1_name_then_cr_cr_lf", "http1:request", b"GET / HTTP/1.1\r\nHost\r\r\n\r\n", &[], h(0, Problem::BadFieldName)),
        // Past the first 16-byte block of the vector scans.
        err("http1_del_in_target_second_block", "http1:request", b"GET /0123456789abcdef\x7f HTTP/1.1\r\n\r\n", &[], h(0, Problem::BadRequestLine)),
        err("http1_obs_text_in_target_second_block", "http1:request", b"GET /0123456789abcdef\xff HTTP/1.1\r\n\r\n", &[], h(0, Problem::BadRequestLine)),
        err("http1_control_in_value_second_block", "http1:request", b"GET / HTTP/1.1\r\nX: 0123456789abcdefghij\x1f\r\n\r\n", &[], h(0, Problem::BadFieldValue)),
        ok("http1_obs_text_in_value_second_block", "http1:request", b"GET / HTTP/1.1\r\nX: 0123456789abcdefghij\x80\xff\r\n\r\n", &[b""]),
        err("http1_ext_del_second_block", "http1:request", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;0123456789abcdefghij\x7f\r\nz\r\n0\r\n\r\n", &[], h(0, Problem::BadChunkExtension)),
        ok("http1_headers_at_limit", "http1:request,headers=2", b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n", &[b""]),
        ok("http1_head_at_limit", "http1:request,head=24", b"GET / HTTP/1.1\r\nA: 1\r\n\r\n", &[b""]),
        err("http1_head_one_over_limit", "http1:request,head=23", b"GET / HTTP/1.1\r\nA: 1\r\n\r\n", &[], h(0, Problem::HeadTooLarge(23))),
        ok("http1_value_trailing_spaces_tab_inside", "http1:request", b"GET / HTTP/1.1\r\nA:  x\ty  \r\nB: 2\r\n\r\n", &[b""]),
        err("http1_body_over_max", "http1:request,max=4", b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", &[], Error::TooLarge { offset: 0, len: 5, max: 4 }),
        err("http1_chunk_over_max", "http1:request,max=8", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n9\r\n", &[], Error::TooLarge { offset: 0, len: 12, max: 8 }),
        err("http1_obs_text_in_target", "http1:request", b"GET /\x80 HTTP/1.1\r\n\r\n", &[], h(0, Problem::BadRequestLine)),
        err("http1_bad_version", "http1:request", b"GET / HTTP/2.0\r\n\r\n", &[], h(0, Problem::BadVersion)),
        err("http1_status_without_reason_space", "http1:response", b"HTTP/1.1 200\r\n\r\n", &[], h(0, Problem::BadStatusLine)),
        err("http1_cut_in_body", "http1:request", b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhel", &[], Error::Truncated { offset: 0, held: 41, stage: Stage::Body }),
        err("http1_cut_in_chunked", "http1:request", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n", &[], Error::Truncated { offset: 0, held: 56, stage: Stage::Body }),
        err("http1_cut_in_head", "http1:request", b"GET / HTTP/1.1\r\nHost: a\r\n", &[], Error::Truncated { offset: 0, held: 25, stage: Stage::Header }),
    ]
}
