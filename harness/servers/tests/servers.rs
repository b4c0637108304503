//! The reference servers over real loopback sockets: the correct server on
//! every framing strategy, and each bug's observable effect next to the
//! correct server's behaviour in the same scenario.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use framecheck_framing::{Encoder, Spec};
use framecheck_servers::Error;
use framecheck_servers::{self as server, Bug, OverLimit, ServerConfig, ServerHandle};

/// The longest any single socket operation in these tests may wait.
const IO_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a reply that should come may take.
const REPLY: Duration = Duration::from_secs(2);
/// How long we wait to see that something does NOT happen.
const QUIET: Duration = Duration::from_millis(700);
/// "Promptly": a close that takes longer than this is a wait, not a reaction.
const PROMPT: Duration = Duration::from_millis(1500);

// ---------------------------------------------------------------- helpers

fn start(spec: &str, bug: Option<Bug>) -> ServerHandle {
    start_with(spec, bug, |_| {})
}

fn start_with(spec: &str, bug: Option<Bug>, tune: impl FnOnce(&mut ServerConfig)) -> ServerHandle {
    let spec: Spec = spec.parse().expect("valid spec");
    let mut config = ServerConfig::new(spec);
    config.bug = bug;
    // Longer than PROMPT, so an idle close is never mistaken for a prompt one.
    config.idle_timeout = Duration::from_secs(4);
    config.keepalive_timeout = Duration::from_secs(8);
    tune(&mut config);
    server::spawn(config).expect("server starts")
}

/// How a read-until-the-end ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// The server closed its side (FIN).
    Fin,
    /// The connection was reset.
    Reset,
    /// Still open at the deadline.
    Open,
}

struct Client {
    stream: TcpStream,
}

impl Client {
    fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT).expect("connect");
        Client::with(stream)
    }

    fn with(stream: TcpStream) -> Client {
        stream.set_nodelay(true).expect("nodelay");
        stream.set_read_timeout(Some(IO_TIMEOUT)).expect("timeout");
        stream.set_write_timeout(Some(IO_TIMEOUT)).expect("timeout");
        Client { stream }
    }

    /// Send `bytes`. A failure (the server reset or closed) is not a
    /// panic: it shows in what is read back.
    fn send(&mut self, bytes: &[u8]) {
        let _ = self.stream.write_all(bytes);
    }

    /// Send `bytes` in pieces of `size` with a pause between them.
    fn send_paced(&mut self, bytes: &[u8], size: usize, pause: Duration) {
        for (i, piece) in bytes.chunks(size).enumerate() {
            if i > 0 {
                thread::sleep(pause);
            }
            self.send(piece);
        }
    }

    /// Half-close; as with [`Client::send`], a failure shows in the reads.
    fn shutdown_write(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Write);
    }

    /// Read until `want` bytes arrived, the connection ended, or `within`.
    fn read_up_to(&mut self, want: usize, within: Duration) -> (Vec<u8>, End) {
        self.read_until(Some(want), within)
    }

    /// Read until the connection ends or `within` passes.
    fn read_to_end(&mut self, within: Duration) -> (Vec<u8>, End) {
        self.read_until(None, within)
    }

    fn read_until(&mut self, want: Option<usize>, within: Duration) -> (Vec<u8>, End) {
        let deadline = Instant::now() + within;
        let mut got = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            if want.is_some_and(|w| got.len() >= w) {
                return (got, End::Open);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left < Duration::from_millis(1) {
                return (got, End::Open);
            }
            self.stream
                .set_read_timeout(Some(left.min(Duration::from_millis(100))))
                .expect("timeout");
            let cap = want.map_or(buf.len(), |w| (w - got.len()).min(buf.len()));
            match self.stream.read(&mut buf[..cap]) {
                Ok(0) => return (got, End::Fin),
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return (got, End::Reset),
            }
        }
    }

    /// Send `wire` and expect it back within [`REPLY`].
    fn exchange(&mut self, wire: &[u8]) -> bool {
        self.send(wire);
        self.read_up_to(wire.len(), REPLY).0 == wire
    }

    /// Abort the connection with RST.
    fn reset(self) {
        socket2::SockRef::from(&self.stream)
            .set_linger(Some(Duration::ZERO))
            .expect("linger");
    }
}

fn encode(spec: &str, messages: &[(&[u8], &[u8])]) -> Vec<Vec<u8>> {
    let enc = Encoder::new(&spec.parse().expect("valid spec"));
    messages
        .iter()
        .map(|(head, payload)| {
            let mut out = Vec::new();
            enc.encode(head, payload, &mut out).expect("encodable");
            out
        })
        .collect()
}

/// One framing strategy: its spec, some valid messages (at least two, the
/// second at least two bytes long) and bytes that break its limit.
struct Strategy {
    name: &'static str,
    spec: &'static str,
    messages: Vec<Vec<u8>>,
    over_max: Option<&'static [u8]>,
}

fn strategies() -> Vec<Strategy> {
    let long = [b'x'; 200];
    let s = |name, spec, msgs: &[(&[u8], &[u8])], over_max| Strategy {
        name,
        spec,
        messages: encode(spec, msgs),
        over_max,
    };
    vec![
        s(
            "fixed",
            "fixed:4",
            &[(b"", b"abcd"), (b"", b"efgh"), (b"", b"ijkl")],
            None,
        ),
        s(
            "line",
            "line,max=64",
            &[
                (b"", b"hello"),
                (b"", b"a longer line"),
                (b"", b""),
                (b"", b"!"),
            ],
            Some(&[b'x'; 100]),
        ),
        s(
            "crlf",
            "crlf,max=64",
            &[(b"", b"PING"), (b"", b"SET k v"), (b"", b"")],
            Some(&[b'y'; 100]),
        ),
        s(
            "delim_multibyte",
            r"delim:\r\n\r\n,max=64",
            &[(b"", b"GET / HTTP/1.0"), (b"", b"a\r\nb"), (b"", b"")],
            Some(&[b'z'; 100]),
        ),
        s(
            "u16be",
            "u16be,max=64",
            &[(b"", b"hi"), (b"", b"hello world"), (b"", b"")],
            Some(b"\x00\xffbody"),
        ),
        s(
            "postgres_like",
            "u32be,offset=1,adjust=-4,max=64",
            &[(b"Q", b"select 1\0"), (b"X", b""), (b"P", b"abc")],
            Some(b"Q\x00\x01\x00\x00body"),
        ),
        s(
            "mqtt_like",
            "varint,offset=1,max=300",
            &[(b"\x30", &long), (b"\xc0", b""), (b"\x30", b"xy")],
            Some(b"\x30\xa0\x8d\x06body"),
        ),
        s(
            "tagged",
            "tagged:A=4/B=1/V=u16be,max=64",
            &[(b"A", b"abcd"), (b"V", b"xyz"), (b"B", b"z"), (b"V", b"")],
            Some(b"Zjunk"),
        ),
    ]
}

/// Run `check` against a fresh correct server for every strategy and report
/// every failure by strategy name.
fn for_each_strategy(check: impl Fn(&Strategy, &ServerHandle) -> Result<(), String>) {
    let failures: Vec<String> = strategies()
        .iter()
        .filter_map(|s| {
            let server = start(s.spec, None);
            check(s, &server).err().map(|e| format!("{}: {e}", s.name))
        })
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}

fn expect_eq(what: &str, got: &[u8], want: &[u8]) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!(
            "{what}: got {:?}, want {:?}",
            got.escape_ascii().to_string(),
            want.escape_ascii().to_string()
        ))
    }
}

// ------------------------------------------------- the correct server, per strategy

#[test]
fn lockstep_whole() {
    for_each_strategy(|s, server| {
        let mut c = Client::connect(server.local_addr());
        for m in &s.messages {
            c.send(m);
            let (got, _) = c.read_up_to(m.len(), REPLY);
            expect_eq("reply", &got, m)?;
        }
        Ok(())
    });
}

#[test]
fn lockstep_byte_at_a_time() {
    for_each_strategy(|s, server| {
        let mut c = Client::connect(server.local_addr());
        for m in &s.messages {
            c.send_paced(m, 1, Duration::from_millis(1));
            let (got, _) = c.read_up_to(m.len(), REPLY);
            expect_eq("reply", &got, m)?;
        }
        Ok(())
    });
}

#[test]
fn pipelined_in_one_write() {
    for_each_strategy(|s, server| {
        let all = s.messages.concat();
        let mut c = Client::connect(server.local_addr());
        c.send(&all);
        let (got, _) = c.read_up_to(all.len(), REPLY);
        expect_eq("replies", &got, &all)
    });
}

#[test]
fn half_close_gets_pending_replies_then_eof() {
    for_each_strategy(|s, server| {
        let all = s.messages.concat();
        let mut c = Client::connect(server.local_addr());
        c.send(&all);
        c.shutdown_write();
        let (got, end) = c.read_to_end(REPLY);
        expect_eq("replies", &got, &all)?;
        if end == End::Fin {
            Ok(())
        } else {
            Err(format!("ended with {end:?}, want Fin"))
        }
    });
}

#[test]
fn eof_mid_frame_gets_no_partial_reply() {
    for_each_strategy(|s, server| {
        let (first, second) = (&s.messages[0], &s.messages[1]);
        let mut c = Client::connect(server.local_addr());
        c.send(first);
        c.send(&second[..second.len() / 2]);
        c.shutdown_write();
        let (got, end) = c.read_to_end(REPLY);
        expect_eq("replies", &got, first)?;
        if end == End::Fin {
            Ok(())
        } else {
            Err(format!("ended with {end:?}, want Fin"))
        }
    });
}

#[test]
fn over_max_closes_promptly_without_a_reply() {
    for_each_strategy(|s, server| {
        let Some(over) = s.over_max else {
            return Ok(());
        };
        let mut c = Client::connect(server.local_addr());
        let t0 = Instant::now();
        c.send(over);
        let (got, end) = c.read_to_end(REPLY);
        let took = t0.elapsed();
        expect_eq("reply", &got, b"")?;
        if end == End::Open || took > PROMPT {
            return Err(format!("ended with {end:?} after {took:?}"));
        }
        Ok(())
    });
}

#[test]
fn frames_before_a_framing_error_are_answered_then_fin() {
    for_each_strategy(|s, server| {
        let Some(over) = s.over_max else {
            return Ok(());
        };
        let mut c = Client::connect(server.local_addr());
        c.send(&[&s.messages[0][..], over].concat());
        // More bytes after the server has seen the error (the rest of a
        // body): closing with them unread would reset the connection and
        // could destroy the reply.
        thread::sleep(Duration::from_millis(30));
        c.send(&[b'+'; 4096]);
        let (got, end) = c.read_to_end(REPLY);
        expect_eq("reply", &got, &s.messages[0])?;
        check(end == End::Fin, || format!("ended with {end:?}, want Fin"))
    });
}

#[test]
fn eof_framing_replies_after_the_shutdown() {
    let server = start("eof,max=64", None);
    let mut c = Client::connect(server.local_addr());
    c.send_paced(b"the whole", 3, Duration::from_millis(5));
    let (early, end) = c.read_up_to(1, Duration::from_millis(200));
    assert_eq!(
        (early.as_slice(), end),
        (&b""[..], End::Open),
        "no reply before the shutdown"
    );
    c.send(b" message");
    c.shutdown_write();
    let (got, end) = c.read_to_end(REPLY);
    assert_eq!(got, b"the whole message");
    assert_eq!(end, End::Fin);

    // Byte at a time, then an empty message.
    let mut c = Client::connect(server.local_addr());
    c.send_paced(b"abc", 1, Duration::from_millis(1));
    c.shutdown_write();
    assert_eq!(c.read_to_end(REPLY), (b"abc".to_vec(), End::Fin));
    let mut c = Client::connect(server.local_addr());
    c.shutdown_write();
    assert_eq!(c.read_to_end(REPLY), (Vec::new(), End::Fin));

    // Over the maximum: closed without waiting for the shutdown.
    let mut c = Client::connect(server.local_addr());
    let t0 = Instant::now();
    c.send(&[b'x'; 100]);
    let (got, end) = c.read_to_end(REPLY);
    assert!(
        got.is_empty() && end != End::Open && t0.elapsed() < PROMPT,
        "{end:?}"
    );
}

#[test]
fn idle_partial_frame_is_closed_after_the_idle_timeout() {
    let server = start_with("u16be", None, |c| {
        c.idle_timeout = Duration::from_millis(300);
    });
    let mut c = Client::connect(server.local_addr());
    let t0 = Instant::now();
    c.send(b"\x00\x05ab");
    let (got, end) = c.read_to_end(IO_TIMEOUT);
    let took = t0.elapsed();
    assert!(got.is_empty());
    assert_ne!(end, End::Open);
    assert!(
        took >= Duration::from_millis(250) && took < Duration::from_secs(2),
        "{took:?}"
    );
}

#[test]
fn a_stalled_client_does_not_delay_others_and_many_clients_are_served() {
    let server = start("u16be", None);
    let mut stalled = Client::connect(server.local_addr());
    stalled.send(b"\x00\x10only part");
    let addr = server.local_addr();
    let ok: Vec<bool> = thread::scope(|scope| {
        let clients: Vec<_> = (0u8..32)
            .map(|i| {
                scope.spawn(move || {
                    let mut c = Client::connect(addr);
                    (0..5).all(|_| c.exchange(&[0, 2, b'#', i]))
                })
            })
            .collect();
        clients
            .into_iter()
            .map(|h| h.join().expect("client thread"))
            .collect()
    });
    assert!(ok.iter().all(|x| *x), "{ok:?}");
}

#[test]
fn large_frame_both_ways() {
    let server = start("u32be", None);
    let payload: Vec<u8> = (0..4 * 1024 * 1024_u32).map(|i| (i % 251) as u8).collect();
    let wire = &encode("u32be", &[(b"", &payload)])[0];
    let addr = server.local_addr();
    // Read while writing: a 4 MiB echo does not fit the socket buffers.
    let stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT).expect("connect");
    let mut writer = Client::with(stream.try_clone().expect("clone"));
    let mut reader = Client::with(stream);
    let got = thread::scope(|scope| {
        let r = scope.spawn(move || reader.read_up_to(wire.len(), IO_TIMEOUT));
        writer.send(wire);
        r.join().expect("reader")
    });
    assert!(
        got.0 == *wire,
        "got {} of {} bytes",
        got.0.len(),
        wire.len()
    );
}

#[test]
fn shutdown_is_bounded_with_clients_connected() {
    let server = start("line", None);
    let mut busy = Client::connect(server.local_addr());
    busy.send(b"partial line");
    let _idle = Client::connect(server.local_addr());
    thread::sleep(Duration::from_millis(50));
    let t0 = Instant::now();
    assert!(server.is_alive());
    server.shutdown();
    assert!(t0.elapsed() < Duration::from_secs(1), "{:?}", t0.elapsed());
    assert_ne!(busy.read_to_end(REPLY).1, End::Open);
}

#[test]
fn settings_that_cannot_work_are_refused() {
    type Tune = fn(&mut ServerConfig);
    let tunes: [(&str, Tune); 3] = [
        ("idle_timeout", |c| c.idle_timeout = Duration::ZERO),
        ("keepalive_timeout", |c| {
            c.keepalive_timeout = Duration::ZERO;
        }),
        ("max_connections", |c| c.max_connections = 0),
    ];
    for (name, tune) in tunes {
        let mut config = ServerConfig::new("line".parse().expect("valid spec"));
        tune(&mut config);
        match server::spawn(config) {
            Err(e @ Error::Config { .. }) => assert!(e.to_string().contains(name), "{e}"),
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn inapplicable_bug_is_refused() {
    for (bug, spec) in [
        (Bug::TrustsLength, "crlf"),
        (Bug::DelimInOneRead, "line"),
        (Bug::CrashesOnUnknownTag, "u16be"),
        (Bug::HeaderInOneRecv, "fixed:8"),
        (Bug::NoLineLimit, "eof"),
        (Bug::TrustsBulkLength, "crlf"),
        (Bug::NoDepthLimit, "resp:request"),
    ] {
        let config = ServerConfig::new(spec.parse().expect("valid spec")).with_bug(bug);
        match server::spawn(config) {
            Err(e @ Error::BugNotApplicable { .. }) => {
                let text = e.to_string();
                assert!(text.contains(bug.name()) && text.contains(spec), "{text}");
            }
            other => panic!("{bug} on {spec}: {other:?}"),
        }
    }
}

// ----------------------------------------------------------- the bugs

/// A scenario that a correct server passes and the bug fails: returns
/// `Err(what went wrong)` when the server misbehaves.
type Probe = fn(&ServerHandle) -> Result<(), String>;

/// One row of the bug table: a scenario, the bug it exposes, the framing,
/// and the probe.
struct BugCase(&'static str, Bug, &'static str, Probe);

#[rustfmt::skip]
const BUG_CASES: &[BugCase] = &[
    BugCase("split_frame_gets_a_reply", Bug::RecvIsMessage, "u16be", split_frame_gets_a_reply),
    BugCase("two_frames_in_one_write_get_two_replies", Bug::RecvIsMessage, "u16be", two_frames_in_one_write_get_two_replies),
    BugCase("eof_message_in_pieces", Bug::RecvIsMessage, "eof", eof_message_in_pieces),
    BugCase("crlf_split_across_reads", Bug::DelimInOneRead, "crlf", crlf_split_across_reads),
    BugCase("split_inside_the_length_field", Bug::HeaderInOneRecv, "u16be", split_frame_gets_a_reply),
    BugCase("split_inside_a_tagged_length", Bug::HeaderInOneRecv, "tagged:A=4/V=u16be", split_tagged_length),
    BugCase("length_over_max_closes_promptly", Bug::TrustsLength, "u16be,max=64", length_over_max_closes_promptly),
    BugCase("over_long_line_closes_promptly", Bug::NoLineLimit, "line,max=64", over_long_line_closes_promptly),
    BugCase("eof_after_a_frame_is_answered_by_eof", Bug::IgnoresEof, "u16be", eof_after_a_frame_is_answered_by_eof),
    BugCase("half_close_gets_pending_replies", Bug::DropsRepliesOnHalfClose, "u16be", half_close_gets_pending_replies),
    BugCase("half_close_eof_message_gets_its_reply", Bug::DropsRepliesOnHalfClose, "eof", eof_message_in_pieces),
    BugCase("reset_while_the_server_writes", Bug::DiesOnResetWhileWriting, "u32be", reset_while_the_server_writes),
    BugCase("unknown_tag_leaves_the_server_alive", Bug::CrashesOnUnknownTag, "tagged:A=4", unknown_tag_leaves_the_server_alive),
    BugCase("idle_client_does_not_block_another", Bug::OneClientAtATime, "u16be", idle_client_does_not_block_another),
    BugCase("slow_reader_gets_the_whole_reply", Bug::IgnoresShortWrites, "u32be", slow_reader_gets_the_whole_reply),
    BugCase("close_after_eof_sends_fin", Bug::LeaksDescriptor, "u16be", eof_after_a_frame_is_answered_by_eof),
    BugCase("churn_then_liveness", Bug::LeaksDescriptor, "u16be", churn_then_liveness),
    BugCase("empty_frame_gets_a_reply", Bug::DropsEmptyFrames, "u16be", empty_frame_gets_a_reply),
    BugCase("reset_mid_frame_leaves_the_server_alive", Bug::DiesOnResetMidMessage, "u16be", reset_mid_frame_leaves_the_server_alive),
    BugCase("eof_closes_but_silence_does_not", Bug::IgnoresEofShortIdle, "u16be", eof_closes_but_silence_does_not),
    BugCase("split_frame_is_waited_for", Bug::ClosesMidFrame, "u16be", split_frame_gets_a_reply),
    BugCase("nine_clients_at_once", Bug::SmallWorkerPool, "u16be", nine_clients_at_once),
    BugCase("partial_frame_does_not_block_another", Bug::LocksMidFrame, "u16be", partial_frame_does_not_block_another),
    BugCase("fin_follows_the_last_reply", Bug::DelaysFinAfterHalfClose, "u16be", fin_follows_the_last_reply),
    BugCase("digits_cut_across_reads", Bug::ParsesPartialDigits, "digits:5", digits_cut_across_reads),
    BugCase("netstring_length_cut_across_reads", Bug::ParsesPartialDigits, "netstring", netstring_length_cut_across_reads),
    BugCase("signed_length_gets_no_reply", Bug::TrustsSignedLength, "digits:4", signed_length_gets_no_reply),
    BugCase("netstring_trailer_is_consumed", Bug::ForgetsTrailer, "netstring", netstring_trailer_is_consumed),
    BugCase("leading_zero_gets_no_reply", Bug::ReadsLengthLeniently, "netstring", leading_zero_gets_no_reply),
    BugCase("non_digit_gets_no_reply", Bug::ReadsLengthLeniently, "digits:4", non_digit_gets_no_reply),
    BugCase("over_long_line_tail_is_no_message", Bug::DesyncsAfterRefusal, "line,max=64", over_long_line_tail_is_no_message),
    BugCase("over_max_body_is_no_message", Bug::DesyncsAfterRefusal, "u32be,max=64", over_max_body_is_no_message),
    BugCase("format_string_is_echoed", Bug::DiesOnFormatString, "u16be", format_string_is_echoed),
    BugCase("thousand_frames_on_one_connection", Bug::DiesOnThousandthFrame, "u16be", thousand_frames_on_one_connection),
    BugCase("payload_of_65536_bytes", Bug::DiesOnLengthWrap, "u32be", payload_of_65536_bytes),
    BugCase("nul_led_payloads_then_another_client", Bug::LeaksSlotOnNul, "u16be", nul_led_payloads_then_another_client),
    BugCase("resp_bulk_over_max_closes_promptly", Bug::TrustsBulkLength, "resp:request,max=64", resp_bulk_over_max_closes_promptly),
    BugCase("resp_too_many_elements_closes_promptly", Bug::NoElementLimit, "resp,elems=4", resp_too_many_elements_closes_promptly),
    BugCase("resp_too_deep_closes_promptly", Bug::NoDepthLimit, "resp,depth=2", resp_too_deep_closes_promptly),
    BugCase("resp_negative_length_gets_no_reply", Bug::ReadsNegativeLengthAsNull, "resp", resp_negative_length_gets_no_reply),
    // The HTTP server's bugs (probes below, "HTTP probes").
    BugCase("differing_content_lengths_are_refused", Bug::FirstContentLengthWins, HTTP, differing_content_lengths_are_refused),
    BugCase("chunked_body_is_read", Bug::IgnoresTransferEncoding, HTTP, chunked_body_is_read),
    BugCase("chunk_size_0z_is_refused", Bug::ChunkSizeLongestHexPrefix, HTTP, chunk_size_0z_is_refused),
    BugCase("bare_lf_chunk_line_is_refused", Bug::AcceptsBareLfInChunkLines, HTTP, bare_lf_chunk_line_is_refused),
    BugCase("pipelined_requests_get_two_responses", Bug::NoPipelining, HTTP, pipelined_requests_get_two_responses),
    BugCase("response_after_half_close", Bug::DropsResponseAfterHalfClose, HTTP, response_after_half_close),
    BugCase("cl_and_te_get_one_response", Bug::KeepsAliveAfterClAndTe, HTTP, cl_and_te_get_one_response),
    BugCase("space_before_colon_is_refused", Bug::IgnoresMalformedFields, HTTP, space_before_colon_is_refused),
    BugCase("get_body_is_no_request", Bug::IgnoresBodyOnGet, HTTP, get_body_is_no_request),
    BugCase("partial_request_at_eof_gets_nothing", Bug::AnswersPartialRequestAtEof, HTTP, partial_request_at_eof_gets_nothing),
    BugCase("refused_body_is_no_request", Bug::ReadsRefusedRequestAsNext, HTTP, refused_body_is_no_request),
];

/// `bytes`, then nothing: the server must close at once, replying nothing.
fn closes_promptly_on(server: &ServerHandle, bytes: &[u8]) -> Result<(), String> {
    let mut c = Client::connect(server.local_addr());
    c.send(bytes);
    let (got, end) = c.read_to_end(QUIET);
    check(got.is_empty() && end != End::Open, || {
        format!("still open after {QUIET:?}, got {got:?}")
    })
}

fn resp_bulk_over_max_closes_promptly(server: &ServerHandle) -> Result<(), String> {
    closes_promptly_on(server, b"*1\r\n$65\r\n")
}

fn resp_too_many_elements_closes_promptly(server: &ServerHandle) -> Result<(), String> {
    closes_promptly_on(server, b"*5\r\n")
}

fn resp_too_deep_closes_promptly(server: &ServerHandle) -> Result<(), String> {
    closes_promptly_on(server, b"*1\r\n*1\r\n*1\r\n")
}

fn resp_negative_length_gets_no_reply(server: &ServerHandle) -> Result<(), String> {
    let mut c = Client::connect(server.local_addr());
    c.send(b"$-2\r\n+OK\r\n");
    let (got, _) = c.read_up_to(10, QUIET);
    expect_eq("reply", &got, b"")
}

fn digits_cut_across_reads(server: &ServerHandle) -> Result<(), String> {
    let mut c = Client::connect(server.local_addr());
    c.send(b"00");
    thread::sleep(Duration::from_millis(50));
    c.send(b"005hello");
    let (got, _) = c.read_up_to(10, QUIET);
    expect_eq("reply", &got, b"00005hello")
}

fn netstring_length_cut_across_reads(server: &ServerHandle) -> Result<(), String> {
    let mut c = Client::connect(server.local_addr());
    c.send(b"1");
    thread::sleep(Duration::from_millis(50));
    c.send(b"2:hello, world,");
    let (got, _) = c.read_up_to(16, QUIET);
    expect_eq("reply", &got, b"12:hello, world,")
}

fn signed_length_gets_no_reply(server: &ServerHandle) -> Result<(), String> {
    let mut c = Client::connect(server.local_addr());
    c.send(b"+001x");
    let (got, _) = c.read_up_to(5, QUIET);
    expect_eq("reply", &got, b"")
}

fn leading_zero_gets_no_reply(server: &ServerHandle) -> Result<(), String> {
    let mut c = Client::connect(server.local_addr());
    c.send(b"01:x,");
    let (got, _) = c.read_up_to(4, QUIET);
    expect_eq("reply", &got, b"")
}

fn non_digit_gets_no_reply(server: &ServerHandle) -> Result<(), String> {
    let mut c = Client::connect(server.local_addr());
    c.send(b"00z1x");
    let (got, _) = c.read_up_to(5, QUIET);
    expect_eq("reply", &got, b"")
}

fn netstring_trailer_is_consumed(server: &ServerHandle) -> Result<(), String> {
    let mut c = Client::connect(server.local_addr());
    c.send(b"1:a,1:b,");
    let (got, _) = c.read_up_to(8, QUIET);
    expect_eq("replies", &got, b"1:a,1:b,")
}

/// An over-long line whose tail is a line of its own: no reply may carry it.
fn over_long_line_tail_is_no_message(server: &ServerHandle) -> Result<(), String> {
    let mut c = Client::connect(server.local_addr());
    c.send(&[[b'x'; 100].as_slice(), b"canary\n"].concat());
    let (got, _) = c.read_to_end(QUIET);
    check(!got.windows(6).any(|w| w == b"canary"), || {
        format!(
            "the tail was answered: {:?}",
            got.escape_ascii().to_string()
        )
    })
}

/// A header over the maximum whose body is a frame of its own: no reply may
/// carry it.
fn over_max_body_is_no_message(server: &ServerHandle) -> Result<(), String> {
    let mut c = Client::connect(server.local_addr());
    c.send(b"\x00\x00\x01\x00\x00\x00\x00\x06canary");
    let (got, _) = c.read_to_end(QUIET);
    check(!got.windows(6).any(|w| w == b"canary"), || {
        format!(
            "the body was answered: {:?}",
            got.escape_ascii().to_string()
        )
    })
}

/// `OverLimit::Discard`: an over-long line and a header over the maximum
/// are dropped to their end and answered with an error; the connection goes
/// on, and the next frame gets its echo.
#[test]
fn discarding_server_refuses_and_goes_on() {
    // The spec, the frame over the limit, the frame after it, the replies.
    type Row<'a> = (&'a str, &'a [u8], &'a [u8], &'a [u8]);
    let long = [vec![b'x'; 9000], b"\r\n".to_vec()].concat();
    let table: &[Row<'_>] = &[
        ("line,max=8", b"0123456789abc\n", b"ok\n", b"ERROR ov\nok\n"),
        (
            "crlf,max=8KiB",
            &long,
            b"ok\r\n",
            b"ERROR over the limit\r\nok\r\n",
        ),
        (
            "u16be,max=4",
            b"\x00\x06abcdef",
            b"\x00\x02ok",
            b"\x00\x04ERRO\x00\x02ok",
        ),
    ];
    for (spec, over, next, want) in table {
        let server = start_with(spec, None, |c| c.over_limit = OverLimit::Discard);
        let mut c = Client::connect(server.local_addr());
        // In two writes: the discard spans reads.
        let half = over.len() / 2;
        c.send(&over[..half]);
        thread::sleep(Duration::from_millis(20));
        c.send(&over[half..]);
        c.send(next);
        let (got, end) = c.read_until(Some(want.len()), REPLY);
        assert_eq!(got, *want, "{spec}: {:?}", got.escape_ascii().to_string());
        assert_eq!(end, End::Open, "{spec}");
    }
}

/// Descriptor cap for the `leaks-descriptor` cases: below the churn count.
const LEAK_LIMIT: usize = 8;
const CHURN: usize = 12;

#[test]
fn every_bug_misbehaves_where_the_correct_server_does_not() {
    let cases = BUG_CASES;
    for bug in Bug::ALL {
        assert!(
            cases.iter().any(|c| c.1 == bug),
            "no probe shows the effect of {bug}"
        );
    }
    // The probes wait on timeouts, so they run side by side.
    let failures: Vec<String> = thread::scope(|scope| {
        let runs: Vec<_> = cases
            .iter()
            .map(|case| scope.spawn(move || run_bug_case(case)))
            .collect();
        runs.into_iter()
            .filter_map(|r| r.join().expect("probe thread").err())
            .collect()
    });
    assert!(failures.is_empty(), "{failures:#?}");
}

fn run_bug_case(&BugCase(scenario, bug, spec, probe): &BugCase) -> Result<(), String> {
    let tune = |c: &mut ServerConfig| c.leak_limit = LEAK_LIMIT;
    let label = format!("{scenario} ({bug} on {spec})");
    let correct = start_with(spec, None, tune);
    probe(&correct).map_err(|e| format!("{label}: the correct server fails: {e}"))?;
    let buggy = start_with(spec, Some(bug), tune);
    match probe(&buggy) {
        Ok(()) => Err(format!("{label}: the buggy server passes")),
        Err(e) => {
            // Shown with --nocapture: what each bug looks like from outside.
            eprintln!("{label}: {e}");
            Ok(())
        }
    }
}

fn check(ok: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    if ok { Ok(()) } else { Err(what()) }
}

fn split_frame_gets_a_reply(server: &ServerHandle) -> Result<(), String> {
    let mut c = Client::connect(server.local_addr());
    c.send(b"\x00");
    thread::sleep(Duration::from_millis(50));
    c.send(b"\x02hi");
    let (got, _) = c.read_up_to(4, QUIET);
    expect_eq("reply", &got, b"\x00\x02hi")
}

fn two_frames_in_one_write_get_two_replies(server: &ServerHandle) -> Result<(), String> {
    let mut c = Client::connect(server.local_addr());
    c.send(b"\x00\x01a\x00\x01b");
    let (got, _) = c.read_up_to(6, QUIET);
    expect_eq("replies", &got, b"\x00\x01a\x00\x01b")
}

fn eof_message_in_pieces(server: &ServerHandle) -> Result<(), String> {
    let mut c = Client::connect(server.local_addr());
    c.send(b"first ");
    thread::sleep(Duration::from_millis(50));
    c.send(b"second");
    c.shutdown_write();
    let (got, end) = c.read_to_end(REPLY);
    expect_eq("reply", &got, b"first second")?;
    check(end == End::Fin, || format!("ended with {end:?}"))
}

fn crlf_split_across_reads(server: &ServerHandle) -> Result<(), String> {
    let mut c = Client::connect(server.local_addr());
    c.send(b"ab\r");
    thread::sleep(Duration::from_millis(50));
    c.send(b"\n");
    let (got, _) = c.read_up_to(4, QUIET);
    expect_eq("reply", &got, b"ab\r\n")
}

fn split_tagged_length(server: &ServerHandle) -> Result<(), String> {
    let mut c = Client::connect(server.local_addr());
    c.send(b"V\x00");
    thread::sleep(Duration::from_millis(50));
    c.send(b"\x01z");
    let (got, _) = c.read_up_to(4, QUIET);
    expect_eq("reply", &got, b"V\x00\x01z")
}

fn length_over_max_closes_promptly(server: &ServerHandle) -> Result<(), String> {
    let mut c = Client::connect(server.local_addr());
    c.send(b"\x00\xff");
    let (got, end) = c.read_to_end(QUIET);
    check(got.is_empty() && end != End::Open, || {
        format!("still open after {QUIET:?}, got {got:?}")
    })
}

fn over_long_line_closes_promptly(server: &ServerHandle) -> Result<(), String> {
    let mut c = Client::connect(server.local_addr());
    c.send(&[b'x'; 100]);
    let (got, end) = c.read_to_end(QUIET);
    check(got.is_empty() && end != End::Open, || {
        format!("still open after {QUIET:?}")
    })
}

fn eof_after_a_frame_is_answered_by_eof(server: &ServerHandle) -> Result<(), String> {
    let mut c = Client::connect(server.local_addr());
    c.send(b"\x00\x02ok");
    c.shutdown_write();
    let (got, end) = c.read_to_end(QUIET);
    expect_eq("reply", &got, b"\x00\x02ok")?;
    check(end == End::Fin, || format!("ended with {end:?}, want Fin"))
}

fn half_close_gets_pending_replies(server: &ServerHandle) -> Result<(), String> {
    let mut c = Client::connect(server.local_addr());
    c.send(b"\x00\x01a\x00\x01b\x00\x01c");
    c.shutdown_write();
    let (got, end) = c.read_to_end(REPLY);
    expect_eq("replies", &got, b"\x00\x01a\x00\x01b\x00\x01c")?;
    check(end == End::Fin, || format!("ended with {end:?}, want Fin"))
}

/// Two clients send the same frame; the one that then sends EOF gets its
/// reply and the server's EOF, the silent one stays open (the servers here
/// have a 4 s idle timeout; `ignores-eof-short-idle` closes both after
/// 200 ms).
fn eof_closes_but_silence_does_not(server: &ServerHandle) -> Result<(), String> {
    let mut silent = Client::connect(server.local_addr());
    let mut ending = Client::connect(server.local_addr());
    silent.send(b"\x00\x02ok");
    ending.send(b"\x00\x02ok");
    let (got, _) = silent.read_up_to(4, REPLY);
    expect_eq("silent client's reply", &got, b"\x00\x02ok")?;
    ending.shutdown_write();
    let (got, end) = ending.read_to_end(PROMPT);
    expect_eq("reply", &got, b"\x00\x02ok")?;
    check(end == End::Fin, || format!("ended with {end:?}, want Fin"))?;
    let (got, end) = silent.read_to_end(QUIET);
    check(got.is_empty() && end == End::Open, || {
        format!("the silent client's connection ended ({end:?}) within {QUIET:?}")
    })
}

/// After a half-close, the reply and then the server's EOF at once
/// (`delays-fin-after-half-close` sends its FIN 600 ms after the reply).
fn fin_follows_the_last_reply(server: &ServerHandle) -> Result<(), String> {
    let mut c = Client::connect(server.local_addr());
    c.send(b"\x00\x02ok");
    c.shutdown_write();
    let (got, _) = c.read_up_to(4, REPLY);
    expect_eq("reply", &got, b"\x00\x02ok")?;
    let within = Duration::from_millis(300);
    let (more, end) = c.read_to_end(within);
    check(more.is_empty() && end == End::Fin, || {
        format!("no FIN within {within:?} of the reply: {end:?}")
    })
}

/// A fresh connection and one valid exchange of `frame`.
fn liveness(server: &ServerHandle, frame: &[u8]) -> Result<(), String> {
    let mut c = TcpStream::connect_timeout(&server.local_addr(), REPLY)
        .map(Client::with)
        .map_err(|e| format!("liveness connect: {e}"))?;
    c.stream
        .write_all(frame)
        .map_err(|e| format!("liveness send: {e}"))?;
    let (got, _) = c.read_up_to(frame.len(), REPLY);
    expect_eq("liveness reply", &got, frame)
}

fn wait_until(within: Duration, cond: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if cond() {
            return true;
        }
        thread::sleep(Duration::from_millis(10));
    }
    cond()
}

fn reset_while_the_server_writes(server: &ServerHandle) -> Result<(), String> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)
        .map_err(|e| e.to_string())?;
    // A small receive window, so the server's echo blocks quickly.
    socket
        .set_recv_buffer_size(4096)
        .map_err(|e| e.to_string())?;
    socket
        .connect_timeout(&server.local_addr().into(), IO_TIMEOUT)
        .map_err(|e| e.to_string())?;
    let mut c = Client::with(socket.into());
    c.stream
        .set_write_timeout(Some(Duration::from_millis(300)))
        .map_err(|e| e.to_string())?;
    // 8 MiB of 1 MiB frames, never reading: once the server blocks writing
    // it stops reading and this write times out too.
    let frame = encode("u32be", &[(b"", &vec![7u8; 1 << 20])]).remove(0);
    for _ in 0..8 {
        if c.stream.write_all(&frame).is_err() {
            break;
        }
    }
    thread::sleep(Duration::from_millis(50));
    c.reset();
    // Give a dying server the time to go.
    thread::sleep(Duration::from_millis(200));
    check(server.is_alive(), || {
        format!("the server died: {:?}", server.death())
    })?;
    liveness(server, b"\x00\x00\x00\x02up")
}

fn unknown_tag_leaves_the_server_alive(server: &ServerHandle) -> Result<(), String> {
    let mut c = Client::connect(server.local_addr());
    c.send(b"Zjunk");
    let (_, end) = c.read_to_end(QUIET);
    check(end != End::Open, || "the connection stays open".to_owned())?;
    let alive = !wait_until(Duration::from_millis(200), || !server.is_alive());
    check(alive, || format!("the server died: {:?}", server.death()))?;
    let mut c = Client::connect(server.local_addr());
    check(c.exchange(b"A1234"), || {
        "no reply after the bad tag".to_owned()
    })
}

fn idle_client_does_not_block_another(server: &ServerHandle) -> Result<(), String> {
    let _idle = Client::connect(server.local_addr());
    thread::sleep(Duration::from_millis(50));
    let mut c = Client::connect(server.local_addr());
    c.send(b"\x00\x02hi");
    let (got, _) = c.read_up_to(4, QUIET);
    expect_eq("reply", &got, b"\x00\x02hi")
}

fn slow_reader_gets_the_whole_reply(server: &ServerHandle) -> Result<(), String> {
    let payload = vec![9u8; 1 << 20];
    let frame = encode("u32be", &[(b"", &payload)]).remove(0);
    let mut c = Client::connect(server.local_addr());
    c.send(&frame);
    // Read nothing for a while: the server's send buffer fills.
    thread::sleep(Duration::from_millis(300));
    let (got, _) = c.read_up_to(frame.len(), REPLY);
    check(got == frame, || {
        format!("got {} of {} bytes", got.len(), frame.len())
    })
}

fn churn_then_liveness(server: &ServerHandle) -> Result<(), String> {
    for i in 0..CHURN {
        let mut c = TcpStream::connect_timeout(&server.local_addr(), REPLY)
            .map(Client::with)
            .map_err(|e| format!("cycle {i}: connect: {e}"))?;
        c.stream
            .write_all(b"\x00\x01c")
            .map_err(|e| format!("cycle {i}: send: {e}"))?;
        let (got, _) = c.read_up_to(3, QUIET);
        expect_eq(&format!("cycle {i} reply"), &got, b"\x00\x01c")?;
    }
    liveness(server, b"\x00\x02up")
}

fn format_string_is_echoed(server: &ServerHandle) -> Result<(), String> {
    let mut c = Client::connect(server.local_addr());
    c.send(b"\x00\x04a%nb");
    let (got, _) = c.read_up_to(6, QUIET);
    expect_eq("reply", &got, b"\x00\x04a%nb")?;
    check(server.is_alive(), || "the server died".to_owned())
}

fn thousand_frames_on_one_connection(server: &ServerHandle) -> Result<(), String> {
    let mut c = Client::connect(server.local_addr());
    let wire = b"\x00\x01x".repeat(1000);
    c.send(&wire);
    let (got, _) = c.read_up_to(wire.len(), REPLY);
    check(got.len() == wire.len(), || {
        format!("{} of {} reply bytes", got.len(), wire.len())
    })?;
    check(server.is_alive(), || "the server died".to_owned())
}

fn payload_of_65536_bytes(server: &ServerHandle) -> Result<(), String> {
    let mut c = Client::connect(server.local_addr());
    let mut wire = 65_536u32.to_be_bytes().to_vec();
    wire.resize(4 + 65_536, b'z');
    c.send(&wire);
    let (got, _) = c.read_up_to(wire.len(), REPLY);
    check(got == wire, || {
        format!("{} of {} reply bytes", got.len(), wire.len())
    })
}

fn nul_led_payloads_then_another_client(server: &ServerHandle) -> Result<(), String> {
    let mut c = Client::connect(server.local_addr());
    let wire = b"\x00\x02\x00z".repeat(server::NUL_SLOTS);
    c.send(&wire);
    let (got, _) = c.read_up_to(wire.len(), REPLY);
    check(got.len() == wire.len(), || {
        format!("{} of {} reply bytes", got.len(), wire.len())
    })?;
    let mut other = Client::connect(server.local_addr());
    other.send(b"\x00\x02hi");
    let (got, _) = other.read_up_to(4, QUIET);
    expect_eq("another client's reply", &got, b"\x00\x02hi")
}

fn empty_frame_gets_a_reply(server: &ServerHandle) -> Result<(), String> {
    let mut c = Client::connect(server.local_addr());
    c.send(b"\x00\x00\x00\x01a");
    let (got, _) = c.read_up_to(5, QUIET);
    expect_eq("replies", &got, b"\x00\x00\x00\x01a")
}

fn reset_mid_frame_leaves_the_server_alive(server: &ServerHandle) -> Result<(), String> {
    let mut c = Client::connect(server.local_addr());
    c.send(b"\x00\x05he");
    // Let the server read the partial frame before the RST comes.
    thread::sleep(Duration::from_millis(50));
    c.reset();
    let alive = !wait_until(Duration::from_millis(200), || !server.is_alive());
    check(alive, || format!("the server died: {:?}", server.death()))?;
    liveness(server, b"\x00\x02up")
}

fn nine_clients_at_once(server: &ServerHandle) -> Result<(), String> {
    let idle: Vec<Client> = (0..server::SMALL_POOL)
        .map(|_| Client::connect(server.local_addr()))
        .collect();
    thread::sleep(Duration::from_millis(50));
    let mut c = Client::connect(server.local_addr());
    c.send(b"\x00\x02hi");
    let (got, _) = c.read_up_to(4, QUIET);
    drop(idle);
    expect_eq("reply beside 8 idle clients", &got, b"\x00\x02hi")
}

fn partial_frame_does_not_block_another(server: &ServerHandle) -> Result<(), String> {
    let mut stalled = Client::connect(server.local_addr());
    stalled.send(b"\x00\x05he");
    thread::sleep(Duration::from_millis(50));
    let mut c = Client::connect(server.local_addr());
    c.send(b"\x00\x02hi");
    let (got, _) = c.read_up_to(4, QUIET);
    drop(stalled);
    expect_eq(
        "reply beside a client stalled mid-frame",
        &got,
        b"\x00\x02hi",
    )
}

// ----------------------------------------------------------- HTTP probes

/// The HTTP reference server's framing in the bug table.
const HTTP: &str = "http1:request,max=1KiB";

/// A request for a path the server does not have: the canary.
const CANARY: &[u8] = b"GET /canary HTTP/1.1\r\nHost: t\r\n\r\n";

/// What `bytes` in one write get back (to the close, or a quiet moment).
fn http_exchange(server: &ServerHandle, bytes: &[u8]) -> String {
    let mut c = Client::connect(server.local_addr());
    c.send(bytes);
    let (got, _) = c.read_to_end(QUIET);
    String::from_utf8_lossy(&got).into_owned()
}

/// Exactly one response, with `status`.
fn one_response(got: &str, status: &str) -> Result<(), String> {
    check(
        got.matches("HTTP/1.1 ").count() == 1 && got.starts_with(&format!("HTTP/1.1 {status} ")),
        || format!("not one {status} response: {got:?}"),
    )
}

fn differing_content_lengths_are_refused(server: &ServerHandle) -> Result<(), String> {
    let head = format!(
        "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nContent-Length: {}\r\n\r\n",
        CANARY.len()
    );
    one_response(
        &http_exchange(server, &[head.as_bytes(), CANARY].concat()),
        "400",
    )
}

fn chunked_body_is_read(server: &ServerHandle) -> Result<(), String> {
    let got = http_exchange(
        server,
        b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    );
    one_response(&got, "200")?;
    check(got.ends_with("received 5 bytes\n"), || format!("{got:?}"))
}

fn chunk_size_0z_is_refused(server: &ServerHandle) -> Result<(), String> {
    let head = b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0z\r\n\r\n";
    one_response(&http_exchange(server, &[&head[..], CANARY].concat()), "400")
}

fn bare_lf_chunk_line_is_refused(server: &ServerHandle) -> Result<(), String> {
    let head = b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\n\r\n";
    one_response(&http_exchange(server, &[&head[..], CANARY].concat()), "400")
}

fn pipelined_requests_get_two_responses(server: &ServerHandle) -> Result<(), String> {
    let got = http_exchange(
        server,
        &[&b"GET / HTTP/1.1\r\nHost: t\r\n\r\n"[..], CANARY].concat(),
    );
    check(
        got.starts_with("HTTP/1.1 200 ")
            && got.contains("HTTP/1.1 404 ")
            && got.matches("HTTP/1.1 ").count() == 2,
        || format!("not 200 then 404: {got:?}"),
    )
}

fn response_after_half_close(server: &ServerHandle) -> Result<(), String> {
    let mut c = Client::connect(server.local_addr());
    c.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    c.shutdown_write();
    let (got, end) = c.read_to_end(REPLY);
    let got = String::from_utf8_lossy(&got).into_owned();
    one_response(&got, "200")?;
    check(end == End::Fin, || format!("ended with {end:?}"))
}

fn cl_and_te_get_one_response(server: &ServerHandle) -> Result<(), String> {
    let head = b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    let got = http_exchange(server, &[&head[..], CANARY].concat());
    check(got.matches("HTTP/1.1 ").count() == 1, || {
        format!("the canary was answered: {got:?}")
    })
}

fn space_before_colon_is_refused(server: &ServerHandle) -> Result<(), String> {
    let head = b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n";
    one_response(&http_exchange(server, &[&head[..], CANARY].concat()), "400")
}

fn get_body_is_no_request(server: &ServerHandle) -> Result<(), String> {
    let head = format!(
        "GET / HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n",
        CANARY.len()
    );
    one_response(
        &http_exchange(server, &[head.as_bytes(), CANARY].concat()),
        "200",
    )
}

fn partial_request_at_eof_gets_nothing(server: &ServerHandle) -> Result<(), String> {
    let mut c = Client::connect(server.local_addr());
    c.send(b"GET / HTTP/1.1\r\nHo");
    c.shutdown_write();
    let (got, end) = c.read_to_end(REPLY);
    expect_eq("response", &got, b"")?;
    check(end == End::Fin, || format!("ended with {end:?}"))
}

fn refused_body_is_no_request(server: &ServerHandle) -> Result<(), String> {
    let body = CANARY.repeat(2048 / CANARY.len() + 1);
    let head = format!(
        "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    one_response(
        &http_exchange(server, &[head.as_bytes(), &body].concat()),
        "413",
    )
}
