//! The runner with a profile against a tiny line server that needs a session
//! opener: the opener starts every connection, replies are checked against
//! the profile's expectations, and a server that answers the opener wrongly
//! is reported, not passed.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use framecheck_runner::profile::Profile;
use framecheck_runner::{self as runner, Collect, Options, Verdict};

const PROFILE: &str = "\
name = \"hello\"
[framing]
request = \"crlf,max=1KiB\"
reply = \"crlf,max=1KiB\"
[opener]
send.text = \"HELLO\\r\\n\"
expect.exact.text = \"+HI\\r\\n\"
[[exchange]]
name = \"ping\"
send.text = \"PING\\r\\n\"
expect.exact.text = \"+PONG\\r\\n\"
[[exchange]]
name = \"time\"
send.text = \"TIME please\\r\\n\"
expect.prefix.text = \":\"
";

/// One connection of the line server: `HELLO` first (answered `greeting`),
/// then `PING` -> `+PONG`, `TIME …` -> `:42`; anything else, an over-long
/// line, EOF or 1 s of silence closes the connection.
fn serve_conn(mut s: TcpStream, greeting: &'static [u8]) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
    let mut buf = [0u8; 4096];
    let mut pending = Vec::new();
    let mut greeted = false;
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            return;
        }
        pending.extend_from_slice(&buf[..n]);
        while let Some(end) = pending.windows(2).position(|w| w == b"\r\n") {
            let line: Vec<u8> = pending.drain(..end + 2).take(end).collect();
            let reply: &[u8] = match (&line[..], greeted) {
                (b"HELLO", false) => greeting,
                (b"PING", true) => b"+PONG\r\n",
                (l, true) if l.starts_with(b"TIME") => b":42\r\n",
                _ => return,
            };
            greeted = true;
            if s.write_all(reply).is_err() {
                return;
            }
        }
        if pending.len() > 1024 {
            return;
        }
    }
}

fn server(greeting: &'static [u8]) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            std::thread::spawn(move || serve_conn(conn, greeting));
        }
    });
    addr
}

fn run(addr: SocketAddr, cases: &[&str]) -> (runner::Summary, Collect) {
    let profile = Arc::new(Profile::parse(PROFILE, "test").expect("profile"));
    let options = Options {
        seed: 5,
        cases: cases.iter().map(|c| (*c).to_owned()).collect(),
        churn_cycles: 50,
        profile: Some(profile.clone()),
        ..Options::default()
    };
    let mut events = Collect::default();
    let summary = runner::run(addr, &profile.request, &options, &mut events).expect("run");
    (summary, events)
}

#[test]
fn a_correct_server_passes_with_its_opener_on_every_connection() {
    let (summary, events) = run(server(b"+HI\r\n"), &[]);
    let bad: Vec<String> = events
        .results()
        .filter(|r| !matches!(r.verdict, Verdict::Pass | Verdict::Skip | Verdict::Warn))
        .map(|r| {
            format!(
                "{} {}: {} | {}",
                r.verdict, r.id, r.message, r.evidence.observed
            )
        })
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
    assert!(summary.passed >= 20, "{summary:?}");
    let skipped: Vec<&str> = events
        .results()
        .filter(|r| r.verdict == Verdict::Skip)
        .map(|r| r.id.as_str())
        .collect();
    assert!(skipped.contains(&"boundary/large-message"), "{skipped:?}");
    let echoing: Vec<&str> = events
        .results()
        .filter(|r| r.requirement.contains("echo"))
        .map(|r| r.requirement.as_str())
        .collect();
    assert!(
        echoing.is_empty(),
        "requirements still about echo: {echoing:#?}"
    );
    // Every connection of a case starts with the opener, then its reply.
    let whole = events
        .results()
        .find(|r| r.id == "boundary/whole/lockstep")
        .expect("case");
    let first = &whole.evidence.connections[0].steps;
    let sent_first = first.iter().find_map(|s| match s {
        runner::Step::Sent { bytes, .. } => Some(bytes.kept().to_vec()),
        _ => None,
    });
    assert_eq!(sent_first.as_deref(), Some(&b"HELLO\r\n"[..]));
    assert!(whole.replay.contains("--profile test"), "{}", whole.replay);
}

#[test]
fn a_wrong_opener_reply_fails_the_liveness_probe_with_the_reason() {
    let (summary, events) = run(server(b"-NO\r\n"), &["boundary/whole/lockstep"]);
    assert_eq!(summary.failed, 1, "{summary:?}");
    let before = events.results().next().expect("a result");
    assert_eq!(before.id, runner::BEFORE_SUITE);
    assert!(
        before.message.contains("session opener refused")
            && before.message.contains("\"-NO\\r\\n\""),
        "{}",
        before.message
    );
    assert!(
        events
            .results()
            .skip(1)
            .all(|r| r.verdict == Verdict::NotRun)
    );
}
