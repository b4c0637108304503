//! Test support for the case groups: a loopback server with a chosen
//! behaviour, and a runner for one catalogue case against it.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use framecheck_framing::Spec;

use super::{Ctx, Extra, Finding, run_case};
use crate::catalogue::catalogue;
use crate::messages::Maker;
use crate::rng::Rng;
use crate::timing::Limits;

/// How a test server treats one connection.
#[derive(Debug, Clone, Copy)]
pub(super) enum Serve {
    /// Echo every complete `\n` line; close on EOF.
    EchoLines,
    /// Buffer everything, echo nothing, and close after `0` of silence
    /// (no line limit, an idle timeout).
    NoLimitIdle(Duration),
    /// Close once more than `0` bytes arrived without a `\n`.
    Limit(usize),
    /// Echo every complete line ending in `delim` of at most `max` bytes;
    /// refuse a longer one as `how` says.
    Refusing {
        /// The delimiter.
        delim: &'static [u8],
        /// The longest line, delimiter excluded.
        max: usize,
        /// What the server does with a longer one.
        how: Over,
    },
}

/// What a [`Serve::Refusing`] server does with an over-long line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Over {
    /// Drops it up to its delimiter, replies `BAD_FORMAT`, goes on
    /// (beanstalkd).
    Discard,
    /// Drops it up to its delimiter, replies `BAD_FORMAT`, then answers
    /// nothing more.
    DiscardThenDeaf,
    /// Replies `BAD_FORMAT` and closes at once.
    ReplyClose,
    /// Replies `BAD_FORMAT`, drops the first `max` bytes and frames what
    /// follows as a new line.
    Desync,
}

/// A loopback server for `serve`; it stops accepting after 20 s.
pub(super) fn server(serve: Serve) -> SocketAddr {
    serve_each(move |s| handle(s, serve))
}

/// A loopback listener that hands each connection to `handle` on a thread
/// of its own; it stops accepting after 20 s.
pub(super) fn serve_each(handle: impl Fn(TcpStream) + Copy + Send + 'static) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    listener.set_nonblocking(true).expect("nonblocking");
    std::thread::spawn(move || {
        let until = Instant::now() + Duration::from_secs(20);
        while Instant::now() < until {
            match listener.accept() {
                Ok((s, _)) => {
                    std::thread::spawn(move || handle(s));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(1)),
            }
        }
    });
    addr
}

/// Serve one connection as [`Serve::Refusing`] does.
fn refusing(mut s: TcpStream, delim: &[u8], max: usize, how: Over) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let find = |h: &[u8]| h.windows(delim.len()).position(|w| w == delim);
    let bad = [b"BAD_FORMAT".as_slice(), delim].concat();
    let (mut held, mut discarding, mut deaf) = (Vec::new(), false, false);
    let mut buf = vec![0u8; 65536];
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            return;
        }
        held.extend_from_slice(&buf[..n]);
        loop {
            if deaf {
                held.clear();
                break;
            }
            if discarding {
                let Some(i) = find(&held) else {
                    let keep = held.len().saturating_sub(delim.len() - 1);
                    held.drain(..keep);
                    break;
                };
                held.drain(..i + delim.len());
                discarding = false;
                deaf = how == Over::DiscardThenDeaf;
                if s.write_all(&bad).is_err() {
                    return;
                }
                continue;
            }
            match find(&held) {
                Some(i) if i <= max => {
                    let line: Vec<u8> = held.drain(..i + delim.len()).collect();
                    if s.write_all(&line).is_err() {
                        return;
                    }
                }
                Some(_) => discarding = true,
                None if held.len() > max + delim.len() - 1 => match how {
                    Over::ReplyClose => {
                        let _ = s.write_all(&bad);
                        return;
                    }
                    Over::Desync => {
                        held.drain(..max);
                        if s.write_all(&bad).is_err() {
                            return;
                        }
                    }
                    Over::Discard | Over::DiscardThenDeaf => discarding = true,
                },
                None => break,
            }
        }
    }
}

fn handle(mut s: TcpStream, serve: Serve) {
    if let Serve::Refusing { delim, max, how } = serve {
        let _ = s.set_nonblocking(false);
        return refusing(s, delim, max, how);
    }
    let _ = s.set_nonblocking(false);
    let idle = match serve {
        Serve::NoLimitIdle(d) => d,
        _ => Duration::from_secs(10),
    };
    let _ = s.set_read_timeout(Some(idle));
    let mut held = Vec::new();
    let mut buf = vec![0u8; 65536];
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            return;
        }
        held.extend_from_slice(&buf[..n]);
        match serve {
            Serve::EchoLines => {
                while let Some(i) = held.iter().position(|&b| b == b'\n') {
                    let line: Vec<u8> = held.drain(..=i).collect();
                    if s.write_all(&line).is_err() {
                        return;
                    }
                }
            }
            Serve::NoLimitIdle(_) | Serve::Refusing { .. } => {}
            Serve::Limit(max) => {
                if !held.contains(&b'\n') && held.len() > max {
                    return;
                }
            }
        }
    }
}

pub(super) fn run(addr: SocketAddr, spec: &Spec, id: &str, limits: Limits) -> Result<(), Finding> {
    run_with(addr, spec, id, limits, limits.case, 0)
}

/// [`run`] with the case's deadline `budget` and `churn` churn cycles.
pub(super) fn run_with(
    addr: SocketAddr,
    spec: &Spec,
    id: &str,
    limits: Limits,
    budget: Duration,
    churn: usize,
) -> Result<(), Finding> {
    run_noted(addr, spec, id, limits, budget, churn).0
}

/// [`run_with`], also returning the notes the case left in its evidence.
pub(super) fn run_noted(
    addr: SocketAddr,
    spec: &Spec,
    id: &str,
    limits: Limits,
    budget: Duration,
    churn: usize,
) -> (Result<(), Finding>, Vec<String>) {
    let case = catalogue(spec)
        .into_iter()
        .find(|c| c.id == id)
        .expect("case in the catalogue");
    let t0 = Instant::now();
    let mut ctx = Ctx {
        addr,
        spec,
        maker: Maker::with(spec, None),
        rng: Rng::for_case(1, id),
        seed: 1,
        t0,
        deadline: t0 + budget,
        limits,
        trials: 4,
        churn,
        replay: None,
        conns: Vec::new(),
        extra: Extra::default(),
    };
    let r = run_case(&mut ctx, &case);
    (r, ctx.extra.notes)
}
