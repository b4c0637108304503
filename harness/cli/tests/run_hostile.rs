//! `framecheck run` against hostile targets: each run ends in bounded time
//! and memory with exit code 1 or 2, never a hang.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How a hostile server treats each accepted connection.
#[derive(Clone, Copy)]
enum Hostile {
    AcceptsNeverReads,
    FloodsForever,
    ByteASecond,
    ResetsOnAccept,
    ClosesOnAccept,
    /// Answers the first (probe) connection correctly, then floods.
    EchoesOnceThenFloods,
    /// Answers the first (probe) connection correctly, then never reads.
    EchoesOnceThenNeverReads,
}

/// A correct u16be echo of one connection.
fn echo_u16be(mut s: TcpStream) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let mut head = [0u8; 2];
    while s.read_exact(&mut head).is_ok() {
        let mut body = vec![0u8; usize::from(u16::from_be_bytes(head))];
        if s.read_exact(&mut body).is_err()
            || s.write_all(&head).is_err()
            || s.write_all(&body).is_err()
        {
            return;
        }
    }
}

fn hostile(kind: Hostile) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for (n, conn) in listener.incoming().enumerate() {
            let Ok(mut s) = conn else { continue };
            let kind = match kind {
                Hostile::EchoesOnceThenFloods | Hostile::EchoesOnceThenNeverReads if n == 0 => {
                    std::thread::spawn(move || echo_u16be(s));
                    continue;
                }
                Hostile::EchoesOnceThenFloods => Hostile::FloodsForever,
                Hostile::EchoesOnceThenNeverReads => Hostile::AcceptsNeverReads,
                other => other,
            };
            match kind {
                Hostile::AcceptsNeverReads => held.push(s),
                Hostile::FloodsForever => {
                    std::thread::spawn(move || {
                        let junk = [b'a'; 16 * 1024];
                        while s.write_all(&junk).is_ok() {}
                    });
                }
                Hostile::ByteASecond => {
                    std::thread::spawn(move || {
                        while s.write_all(b"\x00").is_ok() {
                            std::thread::sleep(Duration::from_secs(1));
                        }
                    });
                }
                Hostile::ResetsOnAccept => {
                    let _ = socket2::SockRef::from(&s).set_linger(Some(Duration::ZERO));
                    drop(s);
                }
                Hostile::EchoesOnceThenFloods | Hostile::EchoesOnceThenNeverReads => {}
                Hostile::ClosesOnAccept => {
                    let mut b = [0; 1];
                    let _ = s.set_read_timeout(Some(Duration::from_millis(1)));
                    let _ = s.read(&mut b);
                    drop(s);
                }
            }
        }
    });
    addr
}

/// Run the CLI, sampling its resident memory; returns (exit code, wall
/// time, peak RSS in KiB, stdout).
fn run_cli(addr: &str, spec: &str) -> (Option<i32>, Duration, u64, String) {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_framecheck"))
        .args(["run", addr, "--framing", spec, "--seed", "1"])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn framecheck");
    let pid = child.id();
    let mut peak_kib = 0;
    let status = loop {
        if let Ok(s) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            for line in s.lines().filter(|l| l.starts_with("VmHWM:")) {
                let kib: u64 = line
                    .split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                peak_kib = peak_kib.max(kib);
            }
        }
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("framecheck run {addr} did not end within 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut out = String::new();
    if let Some(mut o) = child.stdout.take() {
        let _ = o.read_to_string(&mut out);
    }
    (status.code(), started.elapsed(), peak_kib, out)
}

#[test]
fn hostile_targets_end_in_bounded_time_and_memory() {
    let unused = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    let table: &[(&str, Option<Hostile>, &str)] = &[
        (
            "accepts_and_never_reads",
            Some(Hostile::AcceptsNeverReads),
            "u16be",
        ),
        (
            "floods_bytes_forever",
            Some(Hostile::FloodsForever),
            "u16be",
        ),
        (
            "floods_bytes_forever_line",
            Some(Hostile::FloodsForever),
            "line",
        ),
        ("sends_a_byte_a_second", Some(Hostile::ByteASecond), "u32be"),
        ("resets_on_accept", Some(Hostile::ResetsOnAccept), "crlf"),
        ("closes_on_accept", Some(Hostile::ClosesOnAccept), "eof"),
        ("nothing_listening", None, "u16be"),
        (
            "echoes_once_then_floods",
            Some(Hostile::EchoesOnceThenFloods),
            "u16be",
        ),
        (
            "echoes_once_then_never_reads",
            Some(Hostile::EchoesOnceThenNeverReads),
            "u16be",
        ),
    ];
    let handles: Vec<_> = table
        .iter()
        .map(|&(name, kind, spec)| {
            let addr = kind.map_or(unused, hostile).to_string();
            std::thread::spawn(move || (name, run_cli(&addr, spec)))
        })
        .collect();
    for h in handles {
        let (name, (code, took, peak_kib, out)) = h.join().expect("join");
        assert!(matches!(code, Some(1 | 2)), "{name}: exit {code:?}\n{out}");
        assert!(took < Duration::from_secs(20), "{name}: took {took:?}");
        assert!(peak_kib < 256 * 1024, "{name}: peak RSS {peak_kib} KiB");
        eprintln!(
            "{name}: exit {code:?} in {:.2} s, peak RSS {} KiB",
            took.as_secs_f64(),
            peak_kib
        );
    }
}

#[test]
fn usage_errors_exit_2_and_empty_selection_exits_4() {
    let table: &[(&str, &[&str], i32)] = &[
        ("bad_spec", &["run", "127.0.0.1:1", "--framing", "u33be"], 2),
        ("no_port", &["run", "127.0.0.1", "--framing", "u16be"], 2),
        (
            "no_case_selected",
            &[
                "run",
                "127.0.0.1:1",
                "--framing",
                "u16be",
                "--cases",
                "nope/*",
            ],
            4,
        ),
        (
            "list_no_case",
            &[
                "run",
                "127.0.0.1:1",
                "--framing",
                "u16be",
                "--list",
                "--cases",
                "nope",
            ],
            4,
        ),
        (
            "list",
            &["run", "127.0.0.1:1", "--framing", "u16be", "--list"],
            0,
        ),
    ];
    for (name, args, want) in table {
        let out = Command::new(env!("CARGO_BIN_EXE_framecheck"))
            .args(*args)
            .output()
            .expect("run framecheck");
        assert_eq!(
            out.status.code(),
            Some(*want),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn unreachable_before_the_suite_reports_every_case_not_run() {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    drop(l);
    let out = Command::new(env!("CARGO_BIN_EXE_framecheck"))
        .args([
            "run",
            &addr.to_string(),
            "--framing",
            "crlf",
            "--cases",
            "eof",
        ])
        .env("NO_COLOR", "1")
        .output()
        .expect("run framecheck");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("is unreachable"), "{text}");
    assert!(text.contains("not run"), "{text}");
    // Keep the stream type used so the import is exercised on every platform.
    let _ = TcpStream::connect_timeout(&addr, Duration::from_millis(10));
}
