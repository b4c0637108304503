//! One proxied connection: two relays sharing both sockets.
//!
//! Each relay owns one direction. The sockets live in [`Shared`] until both
//! relays are done, so the connection closes only then; a reset anywhere
//! sets zero linger on both sockets and wakes the other relay, and the
//! close that follows sends RST both ways.
//!
//! A relay's states, driven by the schedule's [`Cutter`]:
//!
//! | state | on | next |
//! |---|---|---|
//! | reading | bytes | writing |
//! | reading | EOF | shut down the other side's write, done (`Fin`) |
//! | reading | reset / error | reset both, done |
//! | writing | `Send` | write, pace, pause; writing or reading |
//! | writing | `Stall` | sleep (reading nothing: backpressure), writing |
//! | writing | `Fin` fault | shut down write, discard the rest, done |
//! | writing | `Rst` fault | reset both, done |

use std::fmt;
use std::io::{self, Read as _, Write as _};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use framecheck_framing::Schedule;
use framecheck_framing::schedule::{Action, Cutter, Shape};

use super::Config;
use crate::pace::{Pacer, Tally};

/// How often a blocked write looks up to see whether the connection was
/// reset meanwhile.
const TICK: Duration = Duration::from_millis(50);

/// How one direction ended.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Ending {
    /// Still running (never seen in a finished report).
    #[default]
    Running,
    /// The source sent FIN; it was passed on as a shutdown of the write side.
    Fin,
    /// The source reset; both sides were reset.
    SourceReset,
    /// The destination reset (a write failed); both sides were reset.
    DestinationReset,
    /// The other direction reset the connection.
    Aborted,
    /// A `fin@` fault shut the write side down; later bytes were dropped.
    FaultFin,
    /// A `rst@` fault reset both sides.
    FaultReset,
    /// No progress for the idle timeout; both sides were reset.
    Idle,
    /// Another socket error; both sides were reset.
    Error(String),
}

impl fmt::Display for Ending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ending::Running => f.write_str("running"),
            Ending::Fin => f.write_str("fin passed on"),
            Ending::SourceReset => f.write_str("source reset, passed on"),
            Ending::DestinationReset => f.write_str("destination reset, passed on"),
            Ending::Aborted => f.write_str("aborted by a reset in the other direction"),
            Ending::FaultFin => f.write_str("fin fault"),
            Ending::FaultReset => f.write_str("rst fault"),
            Ending::Idle => f.write_str("idle timeout, reset"),
            Ending::Error(e) => write!(f, "error ({e}), reset"),
        }
    }
}

/// What one direction did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DirReport {
    /// Bytes read from the source.
    pub read: u64,
    /// Bytes written to the destination.
    pub written: u64,
    /// Bytes dropped after a `fin@` fault.
    pub dropped: u64,
    /// Pieces and how sure their boundaries are.
    pub tally: Tally,
    /// How it ended.
    pub ending: Ending,
}

impl fmt::Display for DirReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} B in, {} B out, {}, {}",
            self.read, self.written, self.tally, self.ending
        )?;
        if self.dropped > 0 {
            write!(f, ", {} B dropped after the fault", self.dropped)?;
        }
        Ok(())
    }
}

/// Both sockets and the reset flag.
struct Shared {
    client: TcpStream,
    upstream: TcpStream,
    reset: AtomicBool,
    born: Instant,
    /// Milliseconds after `born` of the last byte moved either way.
    last_progress: AtomicU64,
}

impl Shared {
    /// Reset both sides: zero linger now, and wake the other relay.
    fn reset(&self) {
        if self.reset.swap(true, Ordering::SeqCst) {
            return;
        }
        for s in [&self.client, &self.upstream] {
            let _ = socket2::SockRef::from(s).set_linger(Some(Duration::ZERO));
            let _ = s.shutdown(Shutdown::Read);
        }
    }

    fn is_reset(&self) -> bool {
        self.reset.load(Ordering::SeqCst)
    }

    fn progress(&self) {
        let ms = u64::try_from(self.born.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_progress.store(ms, Ordering::Relaxed);
    }

    /// Time since the last byte moved in either direction.
    fn idle_for(&self) -> Duration {
        let last = Duration::from_millis(self.last_progress.load(Ordering::Relaxed));
        self.born.elapsed().saturating_sub(last)
    }
}

/// Relay both directions until both are done; the sockets close on return.
pub(super) fn run(
    client: TcpStream,
    upstream: TcpStream,
    up: &Schedule,
    down: &Schedule,
    config: &Config,
) -> (DirReport, DirReport) {
    for s in [&client, &upstream] {
        let _ = s.set_nodelay(true);
        let _ = s.set_read_timeout(Some(config.idle_timeout));
        let _ = s.set_write_timeout(Some(TICK));
    }
    let shared = Shared {
        client,
        upstream,
        reset: AtomicBool::new(false),
        born: Instant::now(),
        last_progress: AtomicU64::new(0),
    };
    thread::scope(|scope| {
        let down_relay = scope.spawn(|| {
            let r = Relay::new(&shared.upstream, &shared.client, down, &shared, config);
            r.run()
        });
        let up_report = Relay::new(&shared.client, &shared.upstream, up, &shared, config).run();
        let down_report = down_relay.join().unwrap_or_else(|_| {
            shared.reset();
            DirReport {
                ending: Ending::Error("relay thread panicked".into()),
                ..DirReport::default()
            }
        });
        (up_report, down_report)
    })
}

/// One direction.
struct Relay<'a> {
    src: &'a TcpStream,
    dst: &'a TcpStream,
    shared: &'a Shared,
    cutter: Cutter,
    pacer: Option<Pacer>,
    idle: Duration,
    buf: Vec<u8>,
    report: DirReport,
}

/// Why the relay stopped.
type Stop = Ending;

impl<'a> Relay<'a> {
    fn new(
        src: &'a TcpStream,
        dst: &'a TcpStream,
        schedule: &Schedule,
        shared: &'a Shared,
        config: &Config,
    ) -> Relay<'a> {
        let pace = config.pace && !matches!(schedule.shape, Shape::Whole);
        Relay {
            src,
            dst,
            shared,
            cutter: schedule.cutter(),
            pacer: if pace {
                Pacer::new(dst, config.pace_deadline).ok()
            } else {
                None
            },
            idle: config.idle_timeout,
            buf: vec![0; config.buffer],
            report: DirReport::default(),
        }
    }

    fn run(mut self) -> DirReport {
        let ending = match self.pump() {
            Ok(e) | Err(e) => e,
        };
        match ending {
            Ending::Fin | Ending::FaultFin | Ending::Aborted | Ending::Running => {}
            _ => self.shared.reset(),
        }
        self.report.ending = ending;
        self.report
    }

    /// Move bytes until this direction is done.
    fn pump(&mut self) -> Result<Stop, Stop> {
        let (mut start, mut end) = (0, 0);
        let mut eof = false;
        loop {
            if self.shared.is_reset() {
                return Ok(Ending::Aborted);
            }
            match self.cutter.next(end - start) {
                Action::Send { len, pause } => {
                    self.write(start, start + len)?;
                    start += len;
                    if let Some(p) = self.pacer.as_mut() {
                        self.report.tally.add(p.settle());
                    }
                    if !pause.is_zero() {
                        self.sleep(pause)?;
                    }
                }
                Action::Stall(d) => self.sleep(d)?,
                Action::Fin => {
                    let _ = self.dst.shutdown(Shutdown::Write);
                    self.report.dropped += (end - start) as u64;
                    if !eof {
                        self.discard()?;
                    }
                    return Ok(Ending::FaultFin);
                }
                Action::Reset => return Ok(Ending::FaultReset),
                Action::Wait | Action::Done => {
                    if eof {
                        return match self.dst.shutdown(Shutdown::Write) {
                            Ok(()) => Ok(Ending::Fin),
                            Err(e) if is_reset(&e) => Err(Ending::DestinationReset),
                            Err(e) => Err(Ending::Error(e.to_string())),
                        };
                    }
                    start = 0;
                    end = self.read()?;
                    eof = end == 0;
                }
            }
        }
    }

    /// Read what is there (0 at EOF).
    fn read(&mut self) -> Result<usize, Stop> {
        loop {
            match self.src.read(&mut self.buf) {
                Ok(0) if self.shared.is_reset() => return Err(Ending::Aborted),
                Ok(n) => {
                    self.report.read += n as u64;
                    self.shared.progress();
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // Idle here, but the other direction may be busy.
                Err(e) if is_timeout(&e) && self.shared.idle_for() < self.idle => {}
                Err(e) if is_timeout(&e) => return Err(Ending::Idle),
                Err(_) if self.shared.is_reset() => return Err(Ending::Aborted),
                Err(e) if is_reset(&e) => return Err(Ending::SourceReset),
                Err(e) => return Err(Ending::Error(e.to_string())),
            }
        }
    }

    /// Write `buf[from..to]` whole, looking up at every tick for a reset
    /// and giving up after the idle timeout without progress.
    fn write(&mut self, mut from: usize, to: usize) -> Result<(), Stop> {
        let mut last = Instant::now();
        while from < to {
            match self.dst.write(&self.buf[from..to]) {
                Ok(0) => return Err(Ending::DestinationReset),
                Ok(n) => {
                    from += n;
                    self.report.written += n as u64;
                    self.shared.progress();
                    last = Instant::now();
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if is_timeout(&e) => {
                    if self.shared.is_reset() {
                        return Err(Ending::Aborted);
                    }
                    if last.elapsed() >= self.idle {
                        return Err(Ending::Idle);
                    }
                }
                Err(_) if self.shared.is_reset() => return Err(Ending::Aborted),
                Err(e) if is_reset(&e) => return Err(Ending::DestinationReset),
                Err(e) => return Err(Ending::Error(e.to_string())),
            }
        }
        Ok(())
    }

    /// Sleep, waking early if the connection is reset.
    fn sleep(&self, d: Duration) -> Result<(), Stop> {
        let until = Instant::now() + d;
        loop {
            if self.shared.is_reset() {
                return Err(Ending::Aborted);
            }
            let now = Instant::now();
            if now >= until {
                return Ok(());
            }
            thread::sleep((until - now).min(TICK));
        }
    }

    /// After a `fin@` fault: read and drop until the source ends.
    fn discard(&mut self) -> Result<(), Stop> {
        loop {
            let n = self.read()?;
            if n == 0 {
                return Ok(());
            }
            self.report.dropped += n as u64;
        }
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

fn is_reset(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::NotConnected
    )
}
