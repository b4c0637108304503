//! `framecheck serve` end to end: the address line, an echo, the bug list,
//! and exit 2 for what cannot be served.

#[path = "support/spawned.rs"]
mod spawned;

use spawned::{Spawned, framecheck};

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use framecheck_servers::Bug;

const TIMEOUT: Duration = Duration::from_secs(5);

#[test]
fn serves_an_echo_and_prints_its_address_first() {
    let served = Spawned::start(&["serve", "--framing", "crlf"]);
    assert!(served.addr.ip().is_loopback(), "{}", served.addr);
    let mut c = TcpStream::connect_timeout(&served.addr, TIMEOUT).expect("connect");
    c.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    c.write_all(b"PING\r\nPONG\r\n").expect("send");
    let mut reply = [0u8; 12];
    c.read_exact(&mut reply).expect("reply");
    assert_eq!(&reply, b"PING\r\nPONG\r\n");
}

/// `--on-over-limit discard`: an over-long line is answered with an error
/// line and the connection goes on.
#[test]
fn a_discarding_server_replies_an_error_and_goes_on() {
    let served = Spawned::start(&[
        "serve",
        "--framing",
        "crlf,max=8",
        "--on-over-limit",
        "discard",
    ]);
    let mut c = TcpStream::connect_timeout(&served.addr, TIMEOUT).expect("connect");
    c.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    c.write_all(b"0123456789abcdef\r\nPING\r\n").expect("send");
    let want = b"ERROR ov\r\nPING\r\n";
    let mut reply = [0u8; 16];
    c.read_exact(&mut reply).expect("reply");
    assert_eq!(&reply, want);
}

/// `--on-over-limit reply-close`: a framing error (here a netstring length
/// with a sign) is answered with an error frame, then the server closes.
#[test]
fn a_reply_close_server_answers_a_framing_error_then_closes() {
    let served = Spawned::start(&[
        "serve",
        "--framing",
        "netstring",
        "--on-over-limit",
        "reply-close",
    ]);
    let mut c = TcpStream::connect_timeout(&served.addr, TIMEOUT).expect("connect");
    c.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    c.write_all(b"2:ok,+1:x,").expect("send");
    let mut reply = Vec::new();
    c.read_to_end(&mut reply).expect("reply, then EOF");
    assert_eq!(reply, b"2:ok,13:ERROR framing,");
}

#[test]
fn a_buggy_server_shows_its_bug() {
    let served = Spawned::start(&["serve", "--framing", "u16be", "--bug", "recv-is-message"]);
    let mut c = TcpStream::connect_timeout(&served.addr, TIMEOUT).expect("connect");
    c.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    c.write_all(b"\x00\x01a\x00\x01b").expect("send");
    let mut reply = [0u8; 3];
    c.read_exact(&mut reply).expect("first reply");
    assert_eq!(&reply, b"\x00\x01a");
    c.set_read_timeout(Some(Duration::from_millis(500)))
        .expect("timeout");
    let mut more = [0u8; 3];
    assert!(
        c.read(&mut more).is_err(),
        "the second frame of the read must be lost"
    );
}

#[test]
fn list_bugs_prints_one_name_per_line() {
    let out = framecheck(&["serve", "--list-bugs"])
        .output()
        .expect("run framecheck");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let names: Vec<&str> = text
        .lines()
        .map(|l| l.split_whitespace().next().unwrap_or(""))
        .collect();
    let want: Vec<&str> = Bug::ALL.iter().map(|b| b.name()).collect();
    assert_eq!(names, want);
    assert!(
        text.lines().all(|l| l.split_whitespace().count() > 2),
        "{text}"
    );
}

#[test]
fn what_cannot_be_served_exits_2_with_a_reason() {
    let table: &[(&str, &[&str], &str)] = &[
        (
            "bug_not_applicable",
            &["--framing", "line", "--bug", "trusts-length"],
            "does not apply",
        ),
        (
            "unknown_bug",
            &["--framing", "line", "--bug", "eats-bytes"],
            "leaks-descriptor",
        ),
        ("bad_spec", &["--framing", "u33be"], "u32be"),
        ("no_framing", &[], "--framing"),
        (
            "negative_idle_timeout",
            &["--framing", "line", "--idle-timeout=-1"],
            "positive number of seconds",
        ),
        (
            "zero_idle_timeout",
            &["--framing", "line", "--idle-timeout", "0"],
            "positive number of seconds",
        ),
    ];
    for (name, args, needle) in table {
        let out = framecheck(&[&["serve"], *args].concat())
            .output()
            .expect("run framecheck");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(needle), "{name}: {stderr}");
        assert!(out.stdout.is_empty(), "{name}: nothing on stdout");
    }
}
