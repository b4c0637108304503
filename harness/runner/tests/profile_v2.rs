//! Profile format v2 end to end: the user-written memcached profile
//! (`tests/profiles/memcached.toml`) parses, accepts memcached's real
//! replies, and runs the whole suite against a memcached-shaped line server
//! with no false alarm; a server whose multi-line reply lacks its terminator
//! fails.

#[path = "support/profile_run.rs"]
mod profile_run;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use framecheck_runner::profile::{Assembler, Count, Profile};
use framecheck_runner::{Collect, Verdict};
use profile_run::{not_passing, run_profile};

fn memcached_profile() -> Profile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/profiles/memcached.toml");
    Profile::read(&path).expect("the memcached profile")
}

/// Replies captured from memcached 1.6.18 (Debian 12) on loopback, in the
/// profile's order: set, get, get-absent, version.
const REAL: &[u8] = b"STORED\r\nVALUE framecheck 0 5\r\nhello\r\nEND\r\nEND\r\nVERSION 1.6.18\r\n";

#[test]
fn the_memcached_profile_accepts_the_real_replies() {
    let p = memcached_profile();
    assert!(p.grouped());
    assert_eq!(
        p.exchanges[1].reply.count,
        Count::Until(b"END\r\n".to_vec())
    );
    let mut a = Assembler::new(&p);
    for ex in &p.exchanges {
        a.sent(&ex.send);
    }
    // Every cut of the captured stream gives the same four replies.
    for cut in 0..=REAL.len() {
        let mut replies = Vec::new();
        let mut a = Assembler::new(&p);
        for ex in &p.exchanges {
            a.sent(&ex.send);
        }
        for piece in [&REAL[..cut], &REAL[cut..]] {
            let mut input = piece;
            while let Some(f) = a.feed(&mut input).expect("well framed") {
                replies.push(f);
            }
        }
        assert_eq!(replies.len(), 4, "cut {cut}: {replies:?}");
        for (ex, reply) in p.exchanges.iter().zip(&replies) {
            assert_eq!(
                ex.expect.check(&reply.wire, reply.payload()),
                Ok(()),
                "cut {cut}: {}",
                ex.name
            );
        }
    }
}

/// A memcached-shaped server, as protocol.txt describes it: `set` with its
/// data block, `get` answered `VALUE` lines then `END`, `version`; unknown
/// commands get `ERROR`; a line of more than 2048 bytes without a newline
/// closes the connection. With `no_end`, `get` forgets its `END` line.
fn serve_conn(mut s: TcpStream, store: &Mutex<HashMap<Vec<u8>, Vec<u8>>>, no_end: bool) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = [0u8; 16 * 1024];
    let mut held: Vec<u8> = Vec::new();
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            return;
        }
        held.extend_from_slice(&buf[..n]);
        let mut out = Vec::new();
        loop {
            let Some(nl) = held.windows(2).position(|w| w == b"\r\n") else {
                if held.len() > 2048 {
                    return;
                }
                break;
            };
            let line = held[..nl].to_vec();
            let words: Vec<&[u8]> = line.split(|b| *b == b' ').collect();
            match words.as_slice() {
                [b"set", key, _flags, _exp, len] => {
                    let Some(len) = std::str::from_utf8(len)
                        .ok()
                        .and_then(|l| l.parse::<usize>().ok())
                    else {
                        out.extend_from_slice(b"CLIENT_ERROR bad data chunk\r\n");
                        held.drain(..nl + 2);
                        continue;
                    };
                    if len > 1024 * 1024 {
                        return;
                    }
                    if held.len() < nl + 2 + len + 2 {
                        break;
                    }
                    let data = held[nl + 2..nl + 2 + len].to_vec();
                    store.lock().expect("store").insert(key.to_vec(), data);
                    held.drain(..nl + 2 + len + 2);
                    out.extend_from_slice(b"STORED\r\n");
                    continue;
                }
                [b"get", key] => {
                    if let Some(v) = store.lock().expect("store").get(*key) {
                        out.extend_from_slice(b"VALUE ");
                        out.extend_from_slice(key);
                        out.extend_from_slice(format!(" 0 {}\r\n", v.len()).as_bytes());
                        out.extend_from_slice(v);
                        out.extend_from_slice(b"\r\n");
                    }
                    if !no_end {
                        out.extend_from_slice(b"END\r\n");
                    }
                }
                [b"version"] => out.extend_from_slice(b"VERSION 1.6.18\r\n"),
                _ => out.extend_from_slice(b"ERROR\r\n"),
            }
            held.drain(..nl + 2);
        }
        if s.write_all(&out).is_err() {
            return;
        }
    }
}

fn server(no_end: bool) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let store = Arc::new(Mutex::new(HashMap::new()));
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let store = Arc::clone(&store);
            std::thread::spawn(move || serve_conn(conn, &store, no_end));
        }
    });
    addr
}

fn run(addr: SocketAddr, cases: &[&str]) -> Collect {
    run_profile(addr, memcached_profile(), 3, cases)
}

#[test]
fn a_memcached_shaped_server_passes_every_case() {
    let events = run(server(false), &[]);
    let bad = not_passing(&events);
    assert!(bad.is_empty(), "{bad:#?}");
    let passed = events
        .results()
        .filter(|r| r.verdict == Verdict::Pass)
        .count();
    assert!(passed >= 20, "{passed} passed");
    // The pipelined cases saw the multi-line replies as one reply each.
    let pipelined = events
        .results()
        .find(|r| r.id == "boundary/byte-at-a-time/pipelined")
        .expect("case");
    assert_eq!(pipelined.verdict, Verdict::Pass, "{}", pipelined.message);
}

#[test]
fn a_reply_without_its_terminator_fails() {
    let events = run(server(true), &["boundary/whole/lockstep"]);
    let failed: Vec<String> = events
        .results()
        .filter(|r| r.verdict == Verdict::Fail)
        .map(|r| format!("{}: {} | {}", r.id, r.message, r.evidence.observed))
        .collect();
    // `get`'s VALUE line and data block (29 bytes) came, its END never.
    assert!(
        failed
            .iter()
            .any(|f| f.contains("never came") && f.contains("29 bytes of a partial reply")),
        "{failed:#?}"
    );
}
