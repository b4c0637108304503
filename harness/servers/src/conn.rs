//! One connection: timed reads and writes, and the echo loop.
//!
//! The echo loop reads up to [`READ_CHUNK`] bytes, cuts them into frames with
//! its [`Framer`], and writes the replies before reading again, so at the
//! peer's EOF every reply is already sent:
//!
//! | read returns | the loop |
//! |---|---|
//! | bytes | decodes, batches the replies, writes them (handling short writes) |
//! | 0 (EOF) | replies to an `eof` message; no partial reply; shuts down, closes |
//! | nothing before the deadline | closes (idle inside a frame, keepalive at a boundary) |
//! | an error (reset) | closes |
//! | a framing error | writes the replies before it, closes |

use std::io::{self, Read as _, Write as _};
use std::net::{Shutdown, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use framecheck_framing::Error as FramingError;

use super::framer::{Framer, error_reply};
use super::shared::Shared;
use super::{Bug, FIN_DELAY, NUL_SLOTS, OverLimit, SHORT_IDLE, ServerConfig, THOUSANDTH, TICK};

/// The most bytes one read takes.
pub(crate) const READ_CHUNK: usize = 16 * 1024;

/// Replies are written once this many are batched (or a read is used up).
const FLUSH_AT: usize = 16 * 1024;

/// `drops-replies-on-half-close` holds its replies until the peer has been
/// silent this long.
const BATCH_WINDOW: Duration = Duration::from_millis(10);

/// After a framing error the server reads and drops what the peer still
/// sends for at most this long (and [`LINGER_BYTES`]) before closing, so that
/// unread bytes do not turn the close into a reset that destroys the replies
/// already sent. The FIN goes out before, at once.
const LINGER: Duration = Duration::from_millis(100);
/// See [`LINGER`].
const LINGER_BYTES: usize = 256 * 1024;

/// `ignores-short-writes` shrinks its send buffer to this (the kernel doubles it).
const SHORT_SNDBUF: usize = 4096;

/// What a timed read saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Read {
    /// This many bytes.
    Data(usize),
    /// The peer's EOF (a 0-byte read).
    Eof,
    /// Nothing before the deadline.
    Silent,
    /// The server is stopping.
    Stopped,
    /// The connection broke (reset).
    Failed,
}

/// Why a write did not complete.
#[derive(Debug)]
pub(crate) enum WriteFail {
    /// The server is stopping.
    Stopped,
    /// The peer read nothing for the idle timeout.
    Stalled,
    /// The connection broke.
    Failed(io::Error),
}

/// A connection with deadlines on every wait.
#[derive(Debug)]
pub(crate) struct Conn<'a> {
    stream: TcpStream,
    pub(crate) config: &'a ServerConfig,
    pub(crate) shared: &'a Shared,
    /// The `SO_RCVTIMEO` currently set.
    read_timeout: Duration,
}

impl<'a> Conn<'a> {
    pub(crate) fn new(
        stream: TcpStream,
        config: &'a ServerConfig,
        shared: &'a Shared,
    ) -> io::Result<Self> {
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(TICK))?;
        stream.set_write_timeout(Some(TICK))?;
        if config.bug == Some(Bug::IgnoresShortWrites) {
            socket2::SockRef::from(&stream).set_send_buffer_size(SHORT_SNDBUF)?;
        }
        Ok(Conn {
            stream,
            config,
            shared,
            read_timeout: TICK,
        })
    }

    /// The bug this server carries.
    pub(crate) fn bug(&self) -> Option<Bug> {
        self.config.bug
    }

    /// The deadline for the next read: the idle timeout inside a frame, the
    /// keepalive timeout at a boundary (`ignores-eof-short-idle`: its short
    /// idle timeout at both).
    pub(crate) fn deadline(&self, inside_frame: bool) -> Instant {
        Instant::now()
            + if self.bug() == Some(Bug::IgnoresEofShortIdle) {
                self.config.idle_timeout.min(SHORT_IDLE)
            } else if inside_frame {
                self.config.idle_timeout
            } else {
                self.config.keepalive_timeout
            }
    }

    /// Read into `buf`, waiting at most until `deadline`.
    pub(crate) fn read(&mut self, buf: &mut [u8], deadline: Instant) -> Read {
        loop {
            if self.shared.stopping() {
                return Read::Stopped;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left < Duration::from_millis(1) {
                return Read::Silent;
            }
            let timeout = left.min(TICK);
            if timeout != self.read_timeout {
                if self.stream.set_read_timeout(Some(timeout)).is_err() {
                    return Read::Failed;
                }
                self.read_timeout = timeout;
            }
            match self.stream.read(buf) {
                Ok(0) => return Read::Eof,
                Ok(n) => return Read::Data(n),
                Err(e) if is_retry(&e) => {}
                Err(_) => return Read::Failed,
            }
        }
    }

    /// Write `data` as this server writes: whole (the correct way), or once
    /// without waiting for `ignores-short-writes`. A reset kills the whole
    /// server for `dies-on-reset-while-writing`.
    pub(crate) fn send(&mut self, data: &[u8]) -> Result<(), WriteFail> {
        if data.is_empty() {
            return Ok(());
        }
        let result = if self.bug() == Some(Bug::IgnoresShortWrites) {
            self.write_once(data)
        } else {
            self.write_all(data)
        };
        if let Err(WriteFail::Failed(e)) = &result {
            let reset = matches!(
                e.kind(),
                io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
            );
            if reset && self.bug() == Some(Bug::DiesOnResetWhileWriting) {
                self.shared
                    .die(format!("a peer reset while the server was writing: {e}"));
            }
        }
        result
    }

    /// Write all of `data`, handling short writes; give up when the peer
    /// takes nothing for the idle timeout.
    fn write_all(&mut self, mut data: &[u8]) -> Result<(), WriteFail> {
        let mut deadline = Instant::now() + self.config.idle_timeout;
        while !data.is_empty() {
            if self.shared.stopping() {
                return Err(WriteFail::Stopped);
            }
            match self.stream.write(data) {
                Ok(0) => return Err(WriteFail::Failed(io::ErrorKind::WriteZero.into())),
                Ok(n) => {
                    data = &data[n..];
                    deadline = Instant::now() + self.config.idle_timeout;
                }
                Err(e) if is_retry(&e) => {
                    if Instant::now() >= deadline {
                        return Err(WriteFail::Stalled);
                    }
                }
                Err(e) => return Err(WriteFail::Failed(e)),
            }
        }
        Ok(())
    }

    /// `ignores-short-writes`: one non-blocking write; what does not fit is
    /// lost.
    fn write_once(&mut self, data: &[u8]) -> Result<(), WriteFail> {
        self.stream
            .set_nonblocking(true)
            .map_err(WriteFail::Failed)?;
        let result = self.stream.write(data);
        self.stream
            .set_nonblocking(false)
            .map_err(WriteFail::Failed)?;
        match result {
            Ok(_) => Ok(()),
            Err(e) if is_retry(&e) => Ok(()),
            Err(e) => Err(WriteFail::Failed(e)),
        }
    }

    /// Send FIN: the server will write nothing more. A leaking server only
    /// closes its descriptor, which ends nothing while the leaked duplicate
    /// keeps the socket open.
    pub(crate) fn shutdown_write(&mut self) {
        if self.bug() == Some(Bug::LeaksDescriptor) {
            return;
        }
        // The peer may be gone already; the connection is ending either way.
        let _ = self.stream.shutdown(Shutdown::Write);
    }

    /// Shut down, then read and drop the peer's bytes for a moment before
    /// the close; see [`LINGER`].
    fn linger_close(&mut self, buf: &mut [u8]) {
        self.shutdown_write();
        let deadline = Instant::now() + LINGER;
        let mut drained = 0;
        while drained < LINGER_BYTES {
            match self.read(buf, deadline) {
                Read::Data(n) => drained += n,
                _ => return,
            }
        }
    }

    /// Do nothing until `deadline` or until the server stops.
    fn park(&self, deadline: Instant) {
        while !self.shared.stopping() && Instant::now() < deadline {
            thread::sleep(TICK.min(deadline.saturating_duration_since(Instant::now())));
        }
    }
}

fn is_retry(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

/// Whether a frame's payload is empty (`drops-empty-frames`), read back
/// from its wire bytes by a fresh decoder.
fn empty_payload(spec: &framecheck_framing::Spec, wire: &[u8]) -> bool {
    let mut input = wire;
    matches!(
        framecheck_framing::Decoder::new(spec).decode(&mut input),
        Ok(Some(frame)) if frame.payload().is_empty()
    )
}

/// The content- and count-dependent bugs (`dies-on-format-string`,
/// `dies-on-thousandth-frame`, `dies-on-length-wrap`, `leaks-slot-on-nul`)
/// look at each whole frame: `Err(())` when the bug has just struck and the
/// connection must end (the server dying, or hanging for good).
fn content_bug(conn: &Conn<'_>, wire: &[u8], frames: u64) -> Result<(), ()> {
    let spec = &conn.config.spec;
    let payload_of = || {
        let mut input = wire;
        match framecheck_framing::Decoder::new(spec).decode(&mut input) {
            Ok(Some(frame)) => frame.payload().to_vec(),
            _ => Vec::new(),
        }
    };
    match conn.bug() {
        Some(Bug::DiesOnFormatString) if payload_of().windows(2).any(|w| w == b"%n") => {
            conn.shared
                .die("a payload with %n reached the formatter".to_owned());
            Err(())
        }
        Some(Bug::DiesOnThousandthFrame) if frames == THOUSANDTH => {
            conn.shared.die(format!(
                "frame {THOUSANDTH} on one connection overflowed its table"
            ));
            Err(())
        }
        Some(Bug::DiesOnLengthWrap) if payload_of().len() == 65_536 => {
            conn.shared
                .die("a 65536-byte payload wrapped a 16-bit counter".to_owned());
            Err(())
        }
        Some(Bug::LeaksSlotOnNul) if payload_of().first() == Some(&0) => {
            conn.shared.leak_slot();
            Ok(())
        }
        _ => Ok(()),
    }
}

/// `leaks-slot-on-nul` once every slot has leaked: the connection is
/// answered no more; it waits until the server stops.
fn out_of_slots(conn: &Conn<'_>) -> bool {
    conn.bug() == Some(Bug::LeaksSlotOnNul) && conn.shared.slots_leaked() >= NUL_SLOTS
}

/// The echo loop; see the [module docs](self).
pub(crate) fn echo(conn: &mut Conn<'_>) {
    let bug = conn.bug();
    let batches = bug == Some(Bug::DropsRepliesOnHalfClose);
    let mut framer = Framer::new(&conn.config.spec, bug, conn.config.over_limit);
    let mut buf = vec![0u8; READ_CHUNK];
    let mut out: Vec<u8> = Vec::new();
    let mut frame_lock = FrameLock {
        shared: conn.shared,
        held: false,
    };
    let mut frame_count: u64 = 0;
    loop {
        let batching = batches && !out.is_empty();
        let deadline = if batching {
            Instant::now() + BATCH_WINDOW
        } else {
            conn.deadline(framer.partial())
        };
        let n = match conn.read(&mut buf, deadline) {
            Read::Data(n) => n,
            // The 0-byte read is taken for silence: the connection ends
            // when the idle timeout since the last byte runs out.
            Read::Eof if bug == Some(Bug::IgnoresEofShortIdle) => return conn.park(deadline),
            Read::Eof => return on_eof(conn, &mut framer, &mut out),
            Read::Silent if batching => {
                if conn.send(&out).is_err() {
                    return;
                }
                out.clear();
                continue;
            }
            Read::Failed if bug == Some(Bug::DiesOnResetMidMessage) && framer.partial() => {
                conn.shared
                    .die("a peer reset in the middle of a frame".to_owned());
                return;
            }
            Read::Silent | Read::Stopped | Read::Failed => return,
        };
        // The bug: every read is processed under one server-wide lock, kept
        // while the connection is inside a frame.
        if bug == Some(Bug::LocksMidFrame) && !frame_lock.take() {
            return;
        }
        if out_of_slots(conn) {
            return conn.park(Instant::now() + conn.config.keepalive_timeout);
        }
        let mut input = &buf[..n];
        loop {
            match framer.next(&mut input) {
                Ok(Some(wire)) => {
                    frame_count += 1;
                    if content_bug(conn, wire, frame_count).is_err() {
                        return;
                    }
                    if bug == Some(Bug::DropsEmptyFrames) && empty_payload(&conn.config.spec, wire)
                    {
                        continue;
                    }
                    if !out.is_empty() && out.len() + wire.len() > FLUSH_AT {
                        if conn.send(&out).is_err() {
                            return;
                        }
                        out.clear();
                    }
                    out.extend_from_slice(wire);
                }
                Ok(None) => break,
                Err(e) => return on_framing_error(conn, &e, &out, &mut buf),
            }
        }
        if framer.done() {
            if conn.send(&out).is_ok() {
                conn.shutdown_write();
            }
            return;
        }
        if !batches {
            if conn.send(&out).is_err() {
                return;
            }
            out.clear();
        }
        if bug == Some(Bug::ClosesMidFrame) && framer.partial() {
            // The bug: a read that ends inside a frame is taken as garbage.
            return;
        }
        if frame_lock.held && !framer.partial() {
            frame_lock.release();
        }
    }
}

/// `locks-mid-frame`: the server-wide frame lock, released when dropped.
struct FrameLock<'a> {
    shared: &'a Shared,
    held: bool,
}

impl FrameLock<'_> {
    /// Wait for the lock (as long as it takes, unless the server stops).
    fn take(&mut self) -> bool {
        self.held = self.held || self.shared.lock_frames();
        self.held
    }

    fn release(&mut self) {
        if std::mem::take(&mut self.held) {
            self.shared.unlock_frames();
        }
    }
}

impl Drop for FrameLock<'_> {
    fn drop(&mut self) {
        self.release();
    }
}

/// The peer sent EOF: answer an `eof` message, send what is pending, shut down.
fn on_eof(conn: &mut Conn<'_>, framer: &mut Framer, out: &mut Vec<u8>) {
    match conn.bug() {
        Some(Bug::IgnoresEof) => {
            // Replies are already out (the loop writes before reading); the
            // bug is never to end the connection.
            let _ = conn.send(out);
            let deadline = conn.deadline(false);
            conn.park(deadline);
            return;
        }
        Some(Bug::DropsRepliesOnHalfClose) => {
            out.clear();
            conn.shutdown_write();
            return;
        }
        _ => {}
    }
    // A frame cut off by the EOF gets no reply: `finish` reports it as
    // truncated and only a whole `eof` message comes back.
    if let Ok(Some(wire)) = framer.finish() {
        out.extend_from_slice(wire);
    }
    if conn.send(out).is_ok() {
        if conn.bug() == Some(Bug::DelaysFinAfterHalfClose) {
            conn.park(Instant::now() + FIN_DELAY);
        }
        conn.shutdown_write();
    }
}

/// The peer broke the framing: reply to the frames before the error and
/// close without reading further; `crashes-on-unknown-tag` takes the whole
/// server down instead.
fn on_framing_error(conn: &mut Conn<'_>, error: &FramingError, out: &[u8], buf: &mut [u8]) {
    if conn.bug() == Some(Bug::CrashesOnUnknownTag) {
        if let FramingError::UnknownTag { .. } = error {
            conn.shared.die(format!("crashed on {error}"));
            return;
        }
    }
    let mut out = out.to_vec();
    if conn.bug().is_none() && conn.config.over_limit == OverLimit::ReplyClose {
        out.extend_from_slice(&error_reply(&conn.config.spec, b"ERROR framing"));
    }
    if conn.send(&out).is_ok() {
        conn.linger_close(buf);
    }
}
