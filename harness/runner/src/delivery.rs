//! Delivery: the one place where the runner writes bytes to the target.
//!
//! [`send_pieces`] writes a byte string cut into pieces and, after each
//! piece but the last, waits until it has landed before writing the next:
//! with `TCP_NODELAY` each write leaves at once, but the kernel merges
//! pieces that the server has not read yet. The wait is the
//! [`Pacer`]'s: every byte acknowledged and, for a
//! server on this machine, its receive queue drained (read from
//! `/proc/net/tcp`). The evidence then says [`Boundaries::Confirmed`]; when
//! the server's queue cannot be seen, [`Boundaries::Likely`] (acknowledged,
//! plus a short pause); when a wait passed its deadline or nothing could be
//! seen, [`Boundaries::NotGuaranteed`].

use std::fmt;
use std::io::Write;
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::str::FromStr;
use std::time::{Duration, Instant};

use framecheck_event::Boundaries;
use framecheck_wire::pace::{Boundary, Pacer};

/// How long one piece may take to land before its boundary is "not guaranteed".
pub const SETTLE: Duration = Duration::from_millis(100);

/// Whether confirming piece boundaries is affordable on this machine now:
/// netlink `sock_diag` answers a lookup of a loopback connection made for
/// the purpose (an exact lookup per socket, whatever the size of the socket
/// table), or else, where it does not, one read of `/proc/net/tcp` takes
/// under 3 ms. (Tens of thousands of sockets, such as `TIME_WAIT`s after
/// heavy churn, make every table read cost more than a whole case.)
pub fn confirmation_is_cheap() -> bool {
    if sock_diag_answers() {
        return true;
    }
    let started = Instant::now();
    std::fs::read("/proc/net/tcp").is_ok() && started.elapsed() < Duration::from_millis(3)
}

/// Whether `ip` belongs to this machine: a loopback address, or one that a
/// socket here can bind (an address of one of its interfaces). Only then can
/// the server's receive queue be read from the kernel's socket tables, so
/// only then can piece boundaries be confirmed.
pub fn on_this_machine(ip: IpAddr) -> bool {
    ip.is_loopback() || std::net::UdpSocket::bind(SocketAddr::new(ip, 0)).is_ok()
}

/// Whether `sock_diag` finds both ends of a fresh loopback connection.
fn sock_diag_answers() -> bool {
    let look = || -> std::io::Result<bool> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
        let client = TcpStream::connect_timeout(&listener.local_addr()?, SETTLE)?;
        let (local, peer) = (client.local_addr()?, client.peer_addr()?);
        let mut diag = framecheck_wire::pace::sockdiag::SockDiag::open(SETTLE)?;
        Ok(diag.queues(local, peer)?.is_some() && diag.queues(peer, local)?.is_some())
    };
    look().unwrap_or(false)
}

/// The longest one confirmation may take before a connection stops
/// confirming and falls back to pauses (a first attempt; see
/// [`RETRY_PACER_BUDGET`]).
pub const PACER_BUDGET: Duration = Duration::from_millis(15);

/// The pacing budget of a boundary case re-run because some of its piece
/// boundaries were not confirmed: every piece may take its full [`SETTLE`].
pub const RETRY_PACER_BUDGET: Duration = SETTLE;

/// How pieces are separated: a pacer when the socket's queues can be
/// watched, else (and after an unconfirmed piece) a short pause.
#[derive(Debug)]
pub struct Pacing {
    pacer: Option<Pacer>,
    pause: Duration,
    budget: Duration,
}

impl Pacing {
    /// Pacing for `stream` (a pacer if one can be made) with `pause` as the
    /// fallback gap between pieces; a confirmation that takes longer than
    /// `budget` makes the connection fall back to pauses.
    pub fn new(stream: &TcpStream, pause: Duration, confirm: bool, budget: Duration) -> Pacing {
        Pacing {
            pacer: if confirm {
                Pacer::new(stream, SETTLE).ok()
            } else {
                None
            },
            pause,
            budget,
        }
    }

    /// No pacing at all: pieces go out back to back.
    pub fn none() -> Pacing {
        Pacing {
            pacer: None,
            pause: Duration::ZERO,
            budget: Duration::ZERO,
        }
    }

    /// Wait until everything written so far has landed; how sure that is.
    pub fn settle(&mut self, deadline: Instant) -> Boundaries {
        let started = Instant::now();
        let b = match self.pacer.as_mut() {
            Some(p) if started < deadline => p.settle(),
            Some(_) => Boundary::NotGuaranteed,
            None => Boundary::Likely,
        };
        if started.elapsed() > self.budget {
            // The socket table is large (many connections on this machine)
            // or the server is slow to read: confirming every piece would
            // cost more than the suite's budget, so fall back to pauses.
            self.pacer = None;
        }
        match b {
            Boundary::Confirmed => Boundaries::Confirmed,
            Boundary::Likely | Boundary::NotGuaranteed => {
                if self.pause.is_zero() {
                    return Boundaries::NotGuaranteed;
                }
                std::thread::sleep(
                    self.pause
                        .min(deadline.saturating_duration_since(Instant::now())),
                );
                if b == Boundary::Likely {
                    Boundaries::Likely
                } else {
                    Boundaries::NotGuaranteed
                }
            }
        }
    }
}

/// How a byte string is cut: piece sizes in order. Text form `5+1+12`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pieces(pub Vec<usize>);

impl Pieces {
    /// One piece of `len` bytes.
    pub fn whole(len: usize) -> Pieces {
        Pieces(vec![len])
    }

    /// Pieces that end exactly at the given offsets of a `len`-byte string
    /// (duplicates, zero and out-of-range cuts are ignored).
    pub fn from_cuts(len: usize, cuts: &[usize]) -> Pieces {
        let mut cuts: Vec<usize> = cuts.iter().copied().filter(|&c| c > 0 && c < len).collect();
        cuts.sort_unstable();
        cuts.dedup();
        let mut sizes = Vec::with_capacity(cuts.len() + 1);
        let mut last = 0;
        for c in cuts.into_iter().chain(std::iter::once(len)) {
            sizes.push(c - last);
            last = c;
        }
        Pieces(sizes)
    }

    /// The offsets where one piece ends and the next begins.
    pub fn cuts(&self) -> Vec<usize> {
        let mut at = 0;
        let mut out = Vec::new();
        for (i, s) in self.0.iter().enumerate() {
            at += s;
            if i + 1 < self.0.len() {
                out.push(at);
            }
        }
        out
    }

    /// Total bytes.
    pub fn total(&self) -> usize {
        self.0.iter().sum()
    }
}

impl fmt::Display for Pieces {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.len() > 64 {
            // Long schedules (byte at a time over a big message) print summarized.
            let ones = self.0.iter().all(|&s| s == 1);
            if ones {
                return write!(f, "1*{}", self.0.len());
            }
        }
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("+")?;
            }
            write!(f, "{s}")?;
        }
        Ok(())
    }
}

impl FromStr for Pieces {
    type Err = String;

    fn from_str(s: &str) -> Result<Pieces, String> {
        if let Some((one, n)) = s.split_once('*') {
            let one: usize = one
                .parse()
                .map_err(|_| format!("bad piece size {one:?} in {s:?}"))?;
            let n: usize = n
                .parse()
                .map_err(|_| format!("bad repeat {n:?} in {s:?}"))?;
            if n > 1 << 20 {
                return Err(format!("schedule {s:?} has too many pieces"));
            }
            return Ok(Pieces(vec![one; n]));
        }
        s.split('+')
            .map(|p| {
                p.trim()
                    .parse::<usize>()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| {
                        format!("bad piece size {p:?} in schedule {s:?} (want sizes like 5+1+12)")
                    })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Pieces)
    }
}

/// What [`send_pieces`] achieved.
#[derive(Debug)]
pub struct Delivery {
    /// Whether piece boundaries reached the server as separate reads.
    pub boundaries: Boundaries,
    /// Bytes accepted by the kernel.
    pub written: usize,
    /// The write error that stopped delivery (peer reset or closed, or the
    /// deadline passed while the server was not reading), if any.
    pub error: Option<std::io::Error>,
}

/// Write `bytes` cut into `pieces`, letting each piece land (see
/// [`Pacing`]) before the next, all before `deadline`. Pieces beyond
/// `bytes` are ignored; bytes beyond the pieces go in one last piece.
pub fn send_pieces(
    stream: &TcpStream,
    bytes: &[u8],
    pieces: &Pieces,
    pacing: &mut Pacing,
    deadline: Instant,
) -> Delivery {
    let mut written = 0;
    let mut sizes: Vec<usize> = pieces.0.iter().copied().filter(|&s| s > 0).collect();
    let total = pieces.total();
    if total < bytes.len() {
        sizes.push(bytes.len() - total);
    }
    let mut boundaries = Boundaries::NotApplicable;
    let mut w = stream;
    for (i, size) in sizes.into_iter().enumerate() {
        let end = (written + size).min(bytes.len());
        if end == written {
            continue;
        }
        if i > 0 {
            boundaries = boundaries.weakest(pacing.settle(deadline));
        }
        while written < end {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Delivery {
                    boundaries: boundaries.weakest(Boundaries::NotGuaranteed),
                    written,
                    error: Some(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "deadline passed while writing (the server is not reading)",
                    )),
                };
            }
            if let Err(e) = stream.set_write_timeout(Some(left)) {
                return Delivery {
                    boundaries,
                    written,
                    error: Some(e),
                };
            }
            match w.write(&bytes[written..end]) {
                Ok(0) => {
                    return Delivery {
                        boundaries,
                        written,
                        error: Some(std::io::ErrorKind::WriteZero.into()),
                    };
                }
                Ok(n) => written += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(e) => {
                    return Delivery {
                        boundaries,
                        written,
                        error: Some(e),
                    };
                }
            }
        }
    }
    Delivery {
        boundaries,
        written,
        error: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_text_round_trip_and_cuts() {
        let p: Pieces = "5+1+12".parse().expect("parse");
        assert_eq!(p, Pieces(vec![5, 1, 12]));
        assert_eq!(p.to_string(), "5+1+12");
        assert_eq!(p.cuts(), vec![5, 6]);
        assert_eq!(Pieces::from_cuts(18, &[6, 5, 0, 18, 5]), p);
        let ones = Pieces(vec![1; 100]);
        assert_eq!(ones.to_string(), "1*100");
        assert_eq!(ones.to_string().parse::<Pieces>().expect("parse"), ones);
        for bad in ["", "0", "1+x", "1++2", "1*x"] {
            assert!(bad.parse::<Pieces>().is_err(), "{bad:?}");
        }
    }
}
