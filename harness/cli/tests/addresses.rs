//! `run` tests the host the user names: another loopback address, a name
//! that resolves to several addresses, IPv6; an unreachable target is said
//! once, not once per case. (Only loopback-range addresses are used here.)

#[path = "support/spawned.rs"]
mod spawned;

use std::net::TcpListener;

use spawned::{Spawned, framecheck};

/// `framecheck run ADDR --framing u16be` on a few boundary cases; exit code
/// and standard output.
fn run(addr: &str) -> (Option<i32>, String) {
    let out = framecheck(&[
        "run",
        addr,
        "--framing",
        "u16be",
        "--seed",
        "1",
        "--cases",
        "boundary/whole/*",
        "--cases",
        "boundary/byte-at-a-time/*",
    ])
    .output()
    .expect("run framecheck");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn another_loopback_address_is_tested_with_confirmed_boundaries() {
    let server = Spawned::start(&["serve", "--framing", "u16be", "--listen", "127.0.0.2:0"]);
    assert_eq!(server.addr.ip().to_string(), "127.0.0.2");
    let (code, out) = run(&server.addr.to_string());
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("4 passed"), "{out}");
    // Its socket is on this machine: nothing says "likely".
    assert!(!out.contains("not on this machine"), "{out}");
}

#[test]
fn a_name_with_several_addresses_finds_the_one_that_answers() {
    // `localhost` is 127.0.0.1 and, where IPv6 is on, ::1; the server
    // listens on the IPv4 one only.
    let server = Spawned::start(&["serve", "--framing", "u16be", "--listen", "127.0.0.1:0"]);
    let (code, out) = run(&format!("localhost:{}", server.addr.port()));
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("4 passed"), "{out}");
}

#[test]
fn ipv6_loopback_when_this_machine_has_it() {
    if TcpListener::bind("[::1]:0").is_err() {
        eprintln!("no IPv6 loopback here; nothing to test");
        return;
    }
    let server = Spawned::start(&["serve", "--framing", "u16be", "--listen", "[::1]:0"]);
    let (code, out) = run(&server.addr.to_string());
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("4 passed"), "{out}");
}

#[test]
fn an_unreachable_target_is_said_once() {
    // A port that was just free: nothing listens there.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let out = framecheck(&["run", &format!("127.0.0.1:{port}"), "--framing", "u16be"])
        .output()
        .expect("run framecheck");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert_eq!(text.matches("norun").count(), 1, "{text}");
    assert!(text.contains("cases (boundary/"), "{text}");
    assert!(text.contains("unreachable"), "{text}");
}

/// `run --framing http1:request` without a profile: an HTTP server does not
/// echo, so the built-in `http` profile's requests are used (said on
/// standard error), and the reference HTTP server passes.
#[test]
fn an_http_framing_without_a_profile_uses_the_http_profile() {
    let server = Spawned::start(&["serve", "--framing", "http1:request"]);
    let out = framecheck(&[
        "run",
        &server.addr.to_string(),
        "--framing",
        "http1:request",
        "--seed",
        "1",
        "--cases",
        "http/pipelined/coalesced",
        "--cases",
        "boundary/whole/*",
    ])
    .output()
    .expect("run framecheck");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stderr.contains("built-in http profile"), "{stderr}");
    assert!(stdout.contains("profile http"), "{stdout}");
    assert!(stdout.contains("0 failed"), "{stdout}");
}
