//! Paced delivery: make each piece of a schedule arrive as its own read.
//!
//! `TCP_NODELAY` alone is not enough: the kernel merges small writes that
//! the receiver has not read yet into one read. So after each piece the
//! writer waits, each wait with a deadline:
//!
//! 1. until the peer has acknowledged every byte (our socket's unacked
//!    count is zero), and
//! 2. when the peer socket is on this machine, until its receive queue is
//!    empty: the server has read the piece, so the next one cannot join it.
//!
//! Both come from netlink `sock_diag` ([`sockdiag`], an exact lookup per
//! socket), or from `/proc/net/tcp*` ([`procnet`]) where netlink is not
//! available. `TCP_INFO` is not used: it needs a raw `getsockopt` (unsafe)
//! and would not show the peer's queue anyway. Each piece's boundary is
//! then [`Boundary::Confirmed`] (both held), [`Boundary::Likely`] (acknowledged,
//! but the peer's queue is not visible from here) or
//! [`Boundary::NotGuaranteed`] (a deadline passed or nothing could be seen).

pub mod procnet;
pub mod sockdiag;

use std::fmt;
use std::io::{self, Write as _};
use std::net::{Shutdown, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use framecheck_framing::schedule::{Plan, Step};

use procnet::{Look, Watch};
use sockdiag::SockDiag;

/// How sure we are that a piece arrived as its own read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Boundary {
    /// A deadline passed, or the queues could not be read.
    NotGuaranteed,
    /// Acknowledged by the peer; its receive queue is not visible.
    Likely,
    /// Acknowledged, and the peer's receive queue was drained before the
    /// next piece was written.
    Confirmed,
}

impl fmt::Display for Boundary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Boundary::Confirmed => "confirmed",
            Boundary::Likely => "likely",
            Boundary::NotGuaranteed => "not guaranteed",
        })
    }
}

/// Counts of piece boundaries by how sure they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    /// Pieces whose boundary was confirmed.
    pub confirmed: u64,
    /// Pieces acknowledged only.
    pub likely: u64,
    /// Pieces not guaranteed.
    pub not_guaranteed: u64,
}

impl Tally {
    /// Count one piece.
    pub fn add(&mut self, b: Boundary) {
        match b {
            Boundary::Confirmed => self.confirmed += 1,
            Boundary::Likely => self.likely += 1,
            Boundary::NotGuaranteed => self.not_guaranteed += 1,
        }
    }

    /// Pieces counted.
    pub fn pieces(&self) -> u64 {
        self.confirmed + self.likely + self.not_guaranteed
    }

    /// The weakest boundary counted (`Confirmed` when none was).
    pub fn worst(&self) -> Boundary {
        if self.not_guaranteed > 0 {
            Boundary::NotGuaranteed
        } else if self.likely > 0 {
            Boundary::Likely
        } else {
            Boundary::Confirmed
        }
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} pieces: {} confirmed, {} likely, {} not guaranteed",
            self.pieces(),
            self.confirmed,
            self.likely,
            self.not_guaranteed
        )
    }
}

/// Where the queue sizes come from.
#[derive(Debug)]
enum Probe {
    Diag {
        diag: SockDiag,
        local: std::net::SocketAddr,
        peer: std::net::SocketAddr,
    },
    Proc(Watch),
}

impl Probe {
    fn look(&mut self) -> io::Result<Look> {
        match self {
            Probe::Diag { diag, local, peer } => Ok(Look {
                ours: diag.queues(*local, *peer)?,
                peer: diag.queues(*peer, *local)?,
            }),
            Probe::Proc(watch) => watch.look(),
        }
    }
}

/// Waits, after each piece written on one socket, until it has landed.
#[derive(Debug)]
pub struct Pacer {
    probe: Probe,
    deadline: Duration,
    /// Whether the peer's socket was ever seen (it is on this machine).
    peer_seen: bool,
}

impl Pacer {
    /// Pace writes on `stream`, waiting at most `deadline` per piece. Sets
    /// `TCP_NODELAY`.
    pub fn new(stream: &TcpStream, deadline: Duration) -> io::Result<Pacer> {
        stream.set_nodelay(true)?;
        let (local, peer) = (stream.local_addr()?, stream.peer_addr()?);
        let probe = match SockDiag::open(deadline) {
            Ok(diag) => Probe::Diag { diag, local, peer },
            Err(_) => Probe::Proc(Watch::new(local, peer)),
        };
        Ok(Pacer {
            probe,
            deadline,
            peer_seen: false,
        })
    }

    /// Wait until everything written so far is acknowledged and, if the
    /// peer is local, read; say how sure that is.
    pub fn settle(&mut self) -> Boundary {
        let until = Instant::now() + self.deadline;
        let mut spins = 0u32;
        loop {
            let Ok(look) = self.probe.look() else {
                return Boundary::NotGuaranteed;
            };
            let Some(ours) = look.ours else {
                // Our socket is gone from the table (closed, or no /proc).
                return Boundary::NotGuaranteed;
            };
            if let Some(peer) = look.peer {
                self.peer_seen = true;
                if ours.unacked == 0 && peer.unread == 0 {
                    return Boundary::Confirmed;
                }
            } else if ours.unacked == 0 {
                return if self.peer_seen {
                    // The peer socket vanished (closed): nothing merges now.
                    Boundary::Confirmed
                } else {
                    Boundary::Likely
                };
            }
            if Instant::now() >= until {
                return Boundary::NotGuaranteed;
            }
            // Yield a few times (a local reader is usually quick), then sleep
            // with a doubling backoff so a busy machine's CPU goes to the reader.
            spins += 1;
            if spins <= 10 {
                thread::yield_now();
            } else {
                let exp = (spins - 11).min(7);
                thread::sleep(Duration::from_micros(10 << exp));
            }
        }
    }
}

/// How a [`deliver`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ending {
    /// Every byte was written; the connection is still open.
    Open,
    /// A `fin@` fault: the write side was shut down.
    Fin,
    /// A `rst@` fault: the connection was reset (the stream is dropped).
    Reset,
}

/// The evidence of one paced delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// Bytes written.
    pub sent: usize,
    /// Boundary certainty per piece.
    pub tally: Tally,
    /// How it ended.
    pub ending: Ending,
}

/// Write `stream_bytes` on `stream` as `plan` says: each piece as one
/// write, paced by `pacer` if given, pauses and stalls slept, faults
/// carried out. A reset consumes the stream (zero linger, then close), so
/// it is returned only if the delivery did not reset.
pub fn deliver(
    mut stream: TcpStream,
    bytes: &[u8],
    plan: &Plan,
    mut pacer: Option<&mut Pacer>,
) -> io::Result<(Delivered, Option<TcpStream>)> {
    let mut out = Delivered {
        sent: 0,
        tally: Tally::default(),
        ending: Ending::Open,
    };
    for step in &plan.steps {
        match *step {
            Step::Piece(p) => {
                let to = (out.sent + p.len).min(bytes.len());
                stream.write_all(&bytes[out.sent..to])?;
                out.sent = to;
                let b = pacer
                    .as_deref_mut()
                    .map_or(Boundary::NotGuaranteed, Pacer::settle);
                out.tally.add(b);
                if !p.pause.is_zero() {
                    thread::sleep(p.pause);
                }
            }
            Step::Stall(d) => thread::sleep(d),
            Step::Fin => {
                stream.shutdown(Shutdown::Write)?;
                out.ending = Ending::Fin;
            }
            Step::Reset => {
                reset(stream)?;
                out.ending = Ending::Reset;
                return Ok((out, None));
            }
        }
    }
    Ok((out, Some(stream)))
}

/// Close with zero linger: the kernel sends RST instead of FIN.
pub fn reset(stream: TcpStream) -> io::Result<()> {
    socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO))?;
    drop(stream);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::net::TcpListener;
    use std::sync::mpsc;

    /// A loopback receiver that records the size of every read.
    fn recorder() -> io::Result<(std::net::SocketAddr, mpsc::Receiver<Vec<usize>>)> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut reads = Vec::new();
            if let Ok((mut s, _)) = listener.accept() {
                let _ = s.set_read_timeout(Some(Duration::from_secs(20)));
                let mut buf = vec![0u8; 65536];
                while let Ok(n) = s.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    reads.push(n);
                }
            }
            let _ = tx.send(reads);
        });
        Ok((addr, rx))
    }

    #[test]
    fn one_byte_schedule_arrives_as_separate_reads() -> io::Result<()> {
        let (addr, reads) = recorder()?;
        let stream = TcpStream::connect(addr)?;
        stream.set_write_timeout(Some(Duration::from_secs(10)))?;
        let mut pacer = Pacer::new(&stream, Duration::from_secs(2))?;
        let bytes = vec![b'x'; 300];
        let plan = framecheck_framing::Schedule::fixed(1).plan(bytes.len(), &[]);
        let (done, stream) = deliver(stream, &bytes, &plan, Some(&mut pacer))?;
        drop(stream);
        let reads = reads
            .recv_timeout(Duration::from_secs(30))
            .map_err(|e| io::Error::other(e.to_string()))?;
        assert_eq!(reads.iter().sum::<usize>(), 300);
        let singles = reads.iter().filter(|&&n| n == 1).count();
        assert!(
            singles >= 297,
            "only {singles} of 300 reads were 1 byte: {reads:?}"
        );
        assert_eq!(done.tally.pieces(), 300);
        assert!(done.tally.confirmed >= 297, "{}", done.tally);
        Ok(())
    }

    #[test]
    fn faults_end_the_delivery() -> io::Result<()> {
        let table: &[(&str, &str, Ending, usize)] = &[
            ("fin_after_4", "2/fin@4", Ending::Fin, 4),
            ("reset_after_3", "1/rst@3", Ending::Reset, 3),
            ("open_after_all", "whole", Ending::Open, 8),
        ];
        for (name, text, ending, sent) in table {
            let (addr, reads) = recorder()?;
            let stream = TcpStream::connect(addr)?;
            let plan = text
                .parse::<framecheck_framing::Schedule>()
                .map_err(io::Error::other)?
                .plan(8, &[]);
            let (done, stream) = deliver(stream, b"abcdefgh", &plan, None)?;
            drop(stream);
            assert_eq!(done.ending, *ending, "{name}");
            assert_eq!(done.sent, *sent, "{name}");
            let reads = reads
                .recv_timeout(Duration::from_secs(10))
                .map_err(|e| io::Error::other(e.to_string()))?;
            assert!(reads.iter().sum::<usize>() <= *sent, "{name}");
        }
        Ok(())
    }
}
