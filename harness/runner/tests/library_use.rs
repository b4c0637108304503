//! The runner as a library, from a `#[test]`: start your server, run the
//! suite, assert on the verdicts. The server here is an independent,
//! hand-written line echo server (not the project's reference server) with
//! two real-world flaws: no line limit and no idle timeout.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};

use framecheck_runner::{self as runner, Collect, Options, Verdict};

fn start_line_echo() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let Ok(mut out) = conn.try_clone() else {
                    return;
                };
                let mut lines = BufReader::new(conn);
                let mut line = Vec::new();
                loop {
                    line.clear();
                    match lines.read_until(b'\n', &mut line) {
                        Ok(0) | Err(_) => return,
                        Ok(_) if line.last() != Some(&b'\n') => return,
                        Ok(_) => {
                            if out.write_all(&line).is_err() {
                                return;
                            }
                        }
                    }
                }
            });
        }
    });
    addr
}

#[test]
fn a_read_line_echo_server_keeps_boundaries_but_has_no_line_limit() {
    let addr = start_line_echo();
    let spec = "line".parse().expect("spec");
    let mut events = Collect::default();
    let summary = runner::run(addr, &spec, &Options::default(), &mut events).expect("run");
    let verdict = |id: &str| {
        events
            .results()
            .find(|r| r.id == id)
            .map_or_else(|| panic!("no case {id}"), |r| r.verdict)
    };
    // What it gets right: every boundary case, EOF, half-close, resets.
    for r in events.results().filter(|r| {
        ["boundary", "eof", "half-close", "reset", "concurrency"].contains(&r.group.as_str())
    }) {
        assert!(
            matches!(r.verdict, Verdict::Pass | Verdict::Skip),
            "{}: {} {}",
            r.id,
            r.verdict,
            r.message
        );
    }
    // What it gets wrong: it buffers a line without limit, and never drops
    // a silent client.
    assert_eq!(verdict("limits/over-long-frame"), Verdict::Fail);
    assert_eq!(verdict("limits/idle-timeout"), Verdict::Warn);
    assert!(!summary.conformant());
    let failure = events
        .results()
        .find(|r| r.id == "limits/over-long-frame")
        .expect("case");
    assert!(
        failure.replay.contains("--case limits/over-long-frame"),
        "{}",
        failure.replay
    );
    assert!(!failure.evidence.connections.is_empty());
}
