//! `framecheck proxy` end to end: a server that treats each recv as a
//! message sees 1-byte reads behind `--up 1`; an echo server behind the proxy
//! gets every byte and the half-close and the client every reply then EOF;
//! bad schedules exit 2; `help schedules` prints the grammar.

#[path = "support/spawned.rs"]
mod spawned;

use spawned::{Spawned, framecheck};

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(10);

/// Each read's bytes, and whether the stream ended with a clean EOF.
type Seen = (Vec<Vec<u8>>, bool);

/// A one-connection server: records each read's bytes; echoes them if
/// `echo`; shuts down its write side at EOF. Sends (reads, saw EOF).
fn server(echo: bool) -> (SocketAddr, mpsc::Receiver<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let Ok((mut s, _)) = listener.accept() else {
            return;
        };
        let _ = s.set_read_timeout(Some(TIMEOUT));
        let mut reads = Vec::new();
        let mut buf = vec![0; 65536];
        let eof = loop {
            match s.read(&mut buf) {
                Ok(0) => break true,
                Ok(n) => {
                    reads.push(buf[..n].to_vec());
                    if echo && s.write_all(&buf[..n]).is_err() {
                        break false;
                    }
                }
                Err(_) => break false,
            }
        };
        let _ = s.shutdown(Shutdown::Write);
        let _ = tx.send((reads, eof));
    });
    (addr, rx)
}

#[test]
fn a_recv_is_message_server_sees_one_byte_reads_behind_up_1() {
    let (upstream, seen) = server(false);
    let up = upstream.to_string();
    let proxy = Spawned::start(&["proxy", "--upstream", &up, "--up", "1"]);
    let mut c = TcpStream::connect_timeout(&proxy.addr, TIMEOUT).expect("connect");
    let line = b"SET key some-longer-value-to-cut\r\n";
    c.write_all(line).expect("one whole write");
    c.shutdown(Shutdown::Write).expect("half-close");
    let (reads, eof) = seen.recv_timeout(TIMEOUT * 2).expect("the server's reads");
    assert!(eof, "the server sees the half-close");
    assert_eq!(reads.concat(), line);
    let ones = reads.iter().filter(|r| r.len() == 1).count();
    assert!(
        ones * 100 >= line.len() * 99,
        "{} of {} reads were 1 byte",
        ones,
        reads.len()
    );
}

#[test]
fn an_echo_server_gets_every_byte_and_the_client_every_reply_then_eof() {
    let (upstream, seen) = server(true);
    let up = upstream.to_string();
    let proxy = Spawned::start(&[
        "proxy",
        "--upstream",
        &up,
        "--up",
        "rand:1..7",
        "--down",
        "3,1,4",
        "--seed",
        "9",
    ]);
    let c = TcpStream::connect_timeout(&proxy.addr, TIMEOUT).expect("connect");
    c.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    let data: Vec<u8> = (0..=255u8).cycle().take(700).collect();
    let mut reader = c.try_clone().expect("clone");
    let got = thread::spawn(move || {
        let mut all = Vec::new();
        reader.read_to_end(&mut all).map(|_| all)
    });
    (&c).write_all(&data).expect("send");
    c.shutdown(Shutdown::Write).expect("half-close");
    let back = got.join().expect("reader").expect("every reply, then EOF");
    assert_eq!(back, data);
    let (reads, eof) = seen.recv_timeout(TIMEOUT).expect("the server's reads");
    assert!(eof, "the echo server sees the half-close");
    assert_eq!(reads.concat(), data);
}

#[test]
fn bad_schedules_and_addresses_exit_2() {
    let table: &[(&str, &[&str], &str)] = &[
        (
            "zero_piece",
            &["proxy", "--upstream", "127.0.0.1:9", "--up", "3,0"],
            "zero bytes",
        ),
        (
            "unknown_shape",
            &["proxy", "--upstream", "127.0.0.1:9", "--down", "fast"],
            "unknown shape",
        ),
    ];
    for (name, args, want) in table {
        let out = framecheck(args).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{name}: {err}");
    }
}

#[test]
fn help_schedules_prints_the_grammar() {
    let out = framecheck(&["help", "schedules"]).output().expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    for want in [
        "SCHEDULE :=",
        "rand:",
        "heavy:",
        "fin@",
        "rst@",
        "stall@",
        "pause=",
    ] {
        assert!(text.contains(want), "missing {want}: {text}");
    }
}
