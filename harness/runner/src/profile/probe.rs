//! A profile's conversation held once over one connection, in lockstep: the
//! opener, then each exchange, each reply read with a deadline and checked.
//! The liveness probe for a profile target, and a quick way to see that a
//! profile fits a real server.

use std::io::{self, Read as _, Write as _};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use framecheck_framing::Frame;

use super::{Assembler, Exchange, Profile, Reply};
use crate::Error;

/// Bytes asked of the socket per read.
const READ_CHUNK: usize = 16 * 1024;

/// How the wait for one reply ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeEnd {
    /// A complete reply frame arrived (`extra` bytes came after it).
    Frame {
        /// Bytes received after the frame, in the same reads.
        extra: usize,
    },
    /// The server closed (FIN) before a whole frame.
    Eof,
    /// The connection was reset.
    Reset,
    /// No whole frame before the deadline.
    Timeout,
    /// The reply broke the reply framing.
    Malformed(String),
    /// Another socket error.
    Io(String),
}

/// One request sent and what came back.
#[derive(Debug, Clone)]
pub struct ProbeStep {
    /// The exchange's name (`opener` for the opener).
    pub name: String,
    /// What was sent.
    pub sent: Vec<u8>,
    /// Everything received while waiting (at most the reply limit plus one read).
    pub received: Vec<u8>,
    /// From the write to the end of the wait.
    pub elapsed: Duration,
    /// How the wait ended.
    pub end: ProbeEnd,
    /// `Ok` when a frame arrived alone and passed its expectation, else why not.
    pub verdict: Result<(), String>,
}

/// Hold `profile`'s conversation with `addr` over one connection; each
/// connect and each reply waits at most `timeout`. Stops at the first step
/// that fails. Returns the steps taken.
pub fn probe(
    addr: SocketAddr,
    profile: &Profile,
    timeout: Duration,
) -> Result<Vec<ProbeStep>, Error> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|source| Error::Connect { addr, source })?;
    let _ = stream.set_nodelay(true);
    let mut steps = Vec::new();
    for ex in profile.steps() {
        let step = exchange(&mut stream, profile, ex, timeout);
        let ok = step.verdict.is_ok();
        steps.push(step);
        if !ok {
            break;
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
    Ok(steps)
}

fn exchange(
    stream: &mut TcpStream,
    profile: &Profile,
    ex: &Exchange,
    timeout: Duration,
) -> ProbeStep {
    let start = Instant::now();
    let mut received = Vec::new();
    let mut reply = None;
    let end = match stream.write_all(&ex.send) {
        Ok(()) => read_reply(
            stream,
            profile,
            ex,
            start + timeout,
            &mut received,
            &mut reply,
        ),
        Err(e) => end_of(&e),
    };
    let verdict = match (&end, reply) {
        (ProbeEnd::Frame { extra: 0 }, Some(frame)) => ex
            .expect
            .check(&frame.wire, frame.payload())
            .map_err(|m| m.to_string()),
        (ProbeEnd::Frame { extra: 0 }, None) => {
            Err("internal: a reply seen but not kept".to_owned())
        }
        (ProbeEnd::Frame { extra }, _) if ex.reply == Reply::default() => Err(format!(
            "{extra} bytes more than one reply frame arrived; the exchange's reply must be a single frame"
        )),
        (ProbeEnd::Frame { extra }, _) => Err(format!(
            "{extra} bytes more than the reply arrived; the exchange's reply must be all the server sends"
        )),
        (ProbeEnd::Eof, _) => Err("the server closed before a whole reply frame".to_owned()),
        (ProbeEnd::Reset, _) => Err("the connection was reset".to_owned()),
        (ProbeEnd::Timeout, _) => Err(format!("no whole reply frame within {timeout:?}")),
        (ProbeEnd::Malformed(e), _) => Err(format!("the reply breaks the reply framing: {e}")),
        (ProbeEnd::Io(e), _) => Err(format!("socket error: {e}")),
    };
    ProbeStep {
        name: ex.name.clone(),
        sent: ex.send.clone(),
        received,
        elapsed: start.elapsed(),
        end,
        verdict,
    }
}

/// Read until the reply to `ex` is complete (one frame, or the frames or
/// byte of its v2 `reply`), the deadline, EOF or an error. `received` is
/// bounded by the reply limit plus one read.
fn read_reply(
    stream: &mut TcpStream,
    profile: &Profile,
    ex: &Exchange,
    deadline: Instant,
    received: &mut Vec<u8>,
    reply: &mut Option<Frame>,
) -> ProbeEnd {
    let mut dec = Assembler::new(profile);
    dec.sent(&ex.send);
    let mut buf = vec![0u8; READ_CHUNK];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return ProbeEnd::Timeout;
        }
        if let Err(e) = stream.set_read_timeout(Some(left)) {
            return end_of(&e);
        }
        let n = match stream.read(&mut buf) {
            Ok(0) => return ProbeEnd::Eof,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return end_of(&e),
        };
        received.extend_from_slice(&buf[..n]);
        let mut chunk = &buf[..n];
        match dec.feed(&mut chunk) {
            Ok(Some(frame)) => {
                *reply = Some(frame);
                return ProbeEnd::Frame { extra: chunk.len() };
            }
            Ok(None) => {}
            Err(e) => return ProbeEnd::Malformed(e.to_string()),
        }
    }
}

fn end_of(e: &io::Error) -> ProbeEnd {
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => ProbeEnd::Timeout,
        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => ProbeEnd::Reset,
        io::ErrorKind::BrokenPipe => ProbeEnd::Eof,
        _ => ProbeEnd::Io(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;
    use std::thread;

    use super::*;

    const TIMEOUT: Duration = Duration::from_secs(2);

    /// A one-connection server on 127.0.0.1:0 that answers each read with `answer(read)`.
    fn serve(answer: fn(&[u8]) -> Option<Vec<u8>>) -> (SocketAddr, thread::JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let handle = thread::spawn(move || {
            let (mut s, _) = listener.accept().expect("accept");
            s.set_read_timeout(Some(TIMEOUT)).expect("timeout");
            let mut buf = [0u8; 1024];
            while let Ok(n) = s.read(&mut buf) {
                if n == 0 {
                    break;
                }
                match answer(&buf[..n]) {
                    Some(reply) => {
                        if s.write_all(&reply).is_err() {
                            break;
                        }
                    }
                    None => break,
                }
            }
        });
        (addr, handle)
    }

    fn profile() -> Profile {
        Profile::parse(
            "[framing]\nrequest = \"crlf\"\nreply = \"crlf,max=64\"\n\
             [opener]\nsend.text = \"HELLO\\r\\n\"\nexpect.exact.text = \"+HI\\r\\n\"\n\
             [[exchange]]\nname = \"ping\"\nsend.text = \"PING\\r\\n\"\nexpect.prefix.text = \"+PONG\"\n",
            "t",
        )
        .expect("profile")
    }

    #[test]
    #[expect(
        clippy::type_complexity,
        reason = "a scenario table reads best as tuples"
    )]
    fn probe_table() {
        type Answer = fn(&[u8]) -> Option<Vec<u8>>;
        let cases: [(&str, Answer, usize, Result<(), &str>, ProbeEnd); 6] = [
            (
                "good_server",
                |r| {
                    Some(if r.starts_with(b"HELLO") {
                        b"+HI\r\n".to_vec()
                    } else {
                        b"+PONG\r\n".to_vec()
                    })
                },
                2,
                Ok(()),
                ProbeEnd::Frame { extra: 0 },
            ),
            (
                "wrong_opener_reply",
                |_| Some(b"-NO\r\n".to_vec()),
                1,
                Err("expected frame \"+HI\\r\\n\", observed frame \"-NO\\r\\n\""),
                ProbeEnd::Frame { extra: 0 },
            ),
            (
                "two_frames",
                |_| Some(b"+HI\r\n+HI\r\n".to_vec()),
                1,
                Err("5 bytes more than one reply frame"),
                ProbeEnd::Frame { extra: 5 },
            ),
            (
                "closes",
                |_| None,
                1,
                Err("closed before a whole reply frame"),
                ProbeEnd::Eof,
            ),
            (
                "silent_after_partial",
                |_| Some(b"+H".to_vec()),
                1,
                Err("no whole reply frame within"),
                ProbeEnd::Timeout,
            ),
            (
                "over_long_line",
                |_| Some(vec![b'x'; 200]),
                1,
                Err("breaks the reply framing"),
                ProbeEnd::Malformed(
                    "frame at offset 0 has no delimiter within the maximum of 64 bytes".into(),
                ),
            ),
        ];
        for (scenario, answer, n_steps, want, want_end) in cases {
            let (addr, server) = serve(answer);
            let steps = probe(addr, &profile(), Duration::from_millis(300)).expect(scenario);
            assert_eq!(steps.len(), n_steps, "{scenario}");
            let last = steps.last().expect("a step");
            assert_eq!(last.end, want_end, "{scenario}");
            match (&last.verdict, want) {
                (Ok(()), Ok(())) => {}
                (Err(got), Err(want)) => assert!(got.contains(want), "{scenario}: {got}"),
                (got, want) => panic!("{scenario}: got {got:?}, want {want:?}"),
            }
            assert!(
                last.received.len() <= profile().reply_limit() + READ_CHUNK,
                "{scenario}"
            );
            server.join().expect("server thread");
        }
    }

    #[test]
    fn reports_refused_connects() {
        // A port that was just free: nothing listens there.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("port");
        assert!(matches!(
            probe(port, &profile(), TIMEOUT),
            Err(Error::Connect { .. })
        ));
    }
}
