//! One client connection of a case: deadlines on every wait, a timeline of
//! everything sent and received, and the replies decoded with the reference
//! decoder.
//!
//! Memory is bounded whatever the server does: each read goes through a
//! fixed 64 KiB buffer, the timeline keeps at most [`MAX_STEPS`] steps of at
//! most [`Bytes::KEEP`] bytes each, decoded replies are kept up to
//! [`MAX_KEPT`] bytes and only counted beyond, and the decoder itself never
//! holds more than the spec's `max + overhead`.

use std::io::{ErrorKind, Read};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use framecheck_event::{Boundaries, Bytes, ConnEnd, ConnLog, Step};
use framecheck_framing::{Decoder, Error as FrameError, Frame, Spec};
use socket2::SockRef;

use super::delivery::{Delivery, Pacing, Pieces, send_pieces};
use crate::http::response::{Method, Responses};
use crate::profile::{Assembler, Profile};
use crate::timing::Limits;

/// Most timeline steps kept per connection (later ones are only counted).
pub(crate) const MAX_STEPS: usize = 400;
/// Most reply bytes kept as decoded frames per connection.
pub(crate) const MAX_KEPT: usize = 32 * 1024 * 1024;

/// How a wait ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Wait {
    /// What was waited for happened.
    Done,
    /// The server closed its side (0-byte read).
    Fin,
    /// The server reset the connection.
    Rst,
    /// The deadline passed.
    Timeout,
    /// The replies broke the framing.
    Garbled(FrameError),
    /// Another socket error.
    Io(String),
}

impl Wait {
    /// A short description for messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Wait::Done => "done".to_owned(),
            Wait::Fin => "the server closed the connection (FIN)".to_owned(),
            Wait::Rst => "the server reset the connection (RST)".to_owned(),
            Wait::Timeout => "timeout".to_owned(),
            Wait::Garbled(e) => format!("the replies break the framing: {e}"),
            Wait::Io(e) => format!("socket error: {e}"),
        }
    }
}

/// What [`Conn::send_and_trickle`] saw.
#[derive(Debug)]
pub(crate) struct Trickled {
    /// How writing the bytes ended.
    pub(crate) sent: Result<(), String>,
    /// How reading ended: the server's FIN or RST, or the deadline.
    pub(crate) wait: Wait,
    /// When the last of the bytes was accepted by the kernel (`None` if
    /// writing them failed).
    pub(crate) written_at: Option<Instant>,
    /// When reading ended.
    pub(crate) ended_at: Instant,
    /// Filler bytes written after the bytes.
    pub(crate) filler_bytes: usize,
    /// When the last filler byte was written.
    pub(crate) last_filler: Option<Instant>,
}

/// What [`Conn::trickle_until`] saw.
#[derive(Debug)]
pub(crate) struct Watched {
    /// Bytes written one at a time.
    pub(crate) written: usize,
    /// When the last of them was written.
    pub(crate) last_written: Option<Instant>,
    /// Why writing stopped early.
    pub(crate) write_error: Option<String>,
    /// How and when the server ended the connection, if it did while watched.
    pub(crate) ended: Option<(Wait, Instant)>,
}

/// A client connection under test.
pub(crate) struct Conn {
    stream: TcpStream,
    t0: Instant,
    log: ConnLog,
    dec: Decoder,
    frames: Vec<Frame>,
    kept: usize,
    uncounted_frames: u64,
    /// The error the replies ended with: a framing error, or the stream
    /// ending inside a reply.
    pub(crate) reply_error: Option<FrameError>,
    buf: Box<[u8]>,
    /// With a profile, replies are checked against its expectations instead
    /// of being compared with the message (echo).
    oracle: Option<Arc<Profile>>,
    /// Bytes received in answer to the session opener (not the case's).
    opener_received: u64,
    pacing: Pacing,
    /// When bytes last arrived from the server.
    last_bytes_at: Option<Instant>,
    /// When the first bytes after the session opener's reply arrived.
    first_bytes_at: Option<Instant>,
    /// With a profile whose replies are several frames (format v2): cuts
    /// the replies per request instead of `dec`.
    assembler: Option<Assembler>,
    /// For the `http/*` cases: replies read as HTTP/1.1 responses instead
    /// of frames of the reply spec.
    http: Option<Responses>,
}

impl Conn {
    /// Connect to `addr` before `deadline`; times in the timeline count from
    /// `t0`; pieces are paced as `limits` say.
    pub(crate) fn connect(
        addr: SocketAddr,
        label: &str,
        spec: &Spec,
        t0: Instant,
        deadline: Instant,
        limits: &Limits,
    ) -> std::io::Result<Conn> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::Error::new(
                ErrorKind::TimedOut,
                "connect deadline passed",
            ));
        }
        let stream = TcpStream::connect_timeout(&addr, left)?;
        stream.set_nodelay(true)?;
        let mut log = ConnLog {
            label: label.to_owned(),
            steps: Vec::new(),
            end: ConnEnd::StillOpen,
            boundaries: Boundaries::NotApplicable,
            received_total: 0,
            sent_total: 0,
        };
        log.steps.push(Step::Connected { at: t0.elapsed() });
        Ok(Conn {
            t0,
            log,
            dec: Decoder::new(spec),
            frames: Vec::new(),
            kept: 0,
            uncounted_frames: 0,
            reply_error: None,
            buf: vec![0; 64 * 1024].into_boxed_slice(),
            oracle: None,
            opener_received: 0,
            pacing: Pacing::new(&stream, limits.pause, limits.confirm, limits.pacer_budget),
            last_bytes_at: None,
            first_bytes_at: None,
            assembler: None,
            http: None,
            stream,
        })
    }

    /// With a profile: check replies against its expectations from now on,
    /// send its session opener (if it has one) and check the opener's one
    /// reply, then count replies afresh. `Err` says what went wrong.
    pub(crate) fn open_session(
        &mut self,
        profile: &Arc<Profile>,
        deadline: Instant,
    ) -> Result<(), String> {
        self.oracle = Some(profile.clone());
        if profile.grouped() {
            self.assembler = Some(Assembler::new(profile));
        }
        for (i, opener) in profile.openers.iter().enumerate() {
            self.send(
                &opener.send,
                &Pieces::whole(opener.send.len()),
                Duration::ZERO,
                deadline,
            )
            .map_err(|e| format!("writing the session opener {} failed: {e}", opener.name))?;
            let wait = self.read_frames(i + 1, deadline);
            if wait != Wait::Done {
                return Err(format!(
                    "no reply to the session opener {}: {}",
                    opener.name,
                    wait.describe()
                ));
            }
            let reply = &self.frames[i];
            opener
                .expect
                .check(&reply.wire, reply.payload())
                .map_err(|m| format!("the session opener {}'s reply: {m}", opener.name))?;
        }
        if self.frame_count() > profile.openers.len() as u64 || self.partial_reply() > 0 {
            return Err("more than one reply to a session opener".to_owned());
        }
        self.frames.clear();
        self.kept = 0;
        self.opener_received = self.log.received_total;
        self.first_bytes_at = None;
        Ok(())
    }

    /// Whether reply `got` answers message `sent`: the same frame (echo), or
    /// with a profile, a reply meeting the expectation of the exchange sent.
    pub(crate) fn reply_matches(&self, got: &Frame, sent: &[u8]) -> Result<(), String> {
        match &self.oracle {
            None if got.wire == sent => Ok(()),
            None => Err(format!(
                "{} instead of {}",
                Bytes::new(&got.wire),
                Bytes::new(sent)
            )),
            Some(p) => match p.exchanges.iter().find(|e| e.send == sent) {
                Some(ex) => ex
                    .expect
                    .check(&got.wire, got.payload())
                    .map_err(|m| format!("{} to exchange {}: {m}", Bytes::new(&got.wire), ex.name)),
                None => Err(format!(
                    "internal: {} is not one of the profile's messages",
                    Bytes::new(sent)
                )),
            },
        }
    }

    /// Read replies as HTTP/1.1 responses from now on (the `http/*`
    /// cases), instead of frames of the reply spec.
    pub(crate) fn http_responses(&mut self) {
        self.http = Some(Responses::default());
    }

    /// The HTTP/1.1 responses read so far (none unless
    /// [`http_responses`](Conn::http_responses) was called).
    pub(crate) fn responses(&self) -> Option<&Responses> {
        self.http.as_ref()
    }

    /// A request with `method` is about to be sent (HTTP responses only).
    pub(crate) fn expect_response(&mut self, method: Method) {
        if let Some(h) = &mut self.http {
            h.expect(method);
        }
    }

    /// Read until `n` final HTTP responses have come (or the stream
    /// breaks, ends, or the deadline passes).
    pub(crate) fn read_responses(&mut self, n: usize, deadline: Instant) -> Wait {
        loop {
            let Some(h) = &self.http else {
                return Wait::Io("not reading HTTP responses".to_owned());
            };
            if h.finals().count() >= n {
                return Wait::Done;
            }
            if h.error().is_some() {
                return Wait::Io(h.error().unwrap_or_default().to_owned());
            }
            match self.read_once(deadline) {
                Wait::Done => {}
                other => return other,
            }
        }
    }

    /// Whether replies are checked by a profile.
    pub(crate) fn has_profile(&self) -> bool {
        self.oracle.is_some()
    }

    /// A connection log for a connection that could not be made.
    pub(crate) fn failed_log(label: &str) -> ConnLog {
        ConnLog {
            label: label.to_owned(),
            steps: Vec::new(),
            end: ConnEnd::NotConnected,
            boundaries: Boundaries::NotApplicable,
            received_total: 0,
            sent_total: 0,
        }
    }

    fn push_step(&mut self, step: Step) {
        if self.log.steps.len() < MAX_STEPS {
            self.log.steps.push(step);
        }
    }

    /// Shrink the socket's receive buffer (to make the server's writes block sooner).
    pub(crate) fn small_receive_buffer(&self) {
        // Best effort: the kernel rounds and clamps the size.
        let _ = SockRef::from(&self.stream).set_recv_buffer_size(4096);
    }

    /// The queues of the server's end of this connection, looked up with
    /// `sock_diag` (so only for a server on this machine): its unread input
    /// and its written but unacknowledged output. `None` where that cannot
    /// be looked up.
    pub(crate) fn server_queues(&self) -> Option<framecheck_wire::pace::procnet::Queues> {
        let (ours, theirs) = (
            self.stream.local_addr().ok()?,
            self.stream.peer_addr().ok()?,
        );
        let mut diag =
            framecheck_wire::pace::sockdiag::SockDiag::open(Duration::from_millis(50)).ok()?;
        diag.queues(theirs, ours).ok().flatten()
    }

    /// Send `bytes` in `pieces`, logging the delivery. Pieces are paced
    /// (each lands before the next) unless `pause` is zero.
    pub(crate) fn send(
        &mut self,
        bytes: &[u8],
        pieces: &Pieces,
        pause: Duration,
        deadline: Instant,
    ) -> Result<(), String> {
        let at = self.t0.elapsed();
        self.announce(bytes);
        let d = if pause.is_zero() {
            send_pieces(&self.stream, bytes, pieces, &mut Pacing::none(), deadline)
        } else {
            send_pieces(&self.stream, bytes, pieces, &mut self.pacing, deadline)
        };
        self.log_delivery(at, bytes, pieces, &d)
    }

    /// Wait until everything sent has landed at the server (a piece
    /// boundary between two sends), and record how sure that is.
    pub(crate) fn settle(&mut self, deadline: Instant) {
        let b = self.pacing.settle(deadline);
        self.log.boundaries = self.log.boundaries.weakest(b);
    }

    /// A reply to the bytes sent so far proves the server read them: the
    /// boundary before the next send is confirmed.
    pub(crate) fn boundary_confirmed_by_reply(&mut self) {
        self.log.boundaries = self.log.boundaries.weakest(Boundaries::Confirmed);
    }

    /// Tell the reply assembler (profile format v2) which requests are
    /// about to go out, before a reply to them can arrive.
    fn announce(&mut self, bytes: &[u8]) {
        if let Some(a) = &mut self.assembler {
            a.sent(bytes);
        }
    }

    fn log_delivery(
        &mut self,
        at: Duration,
        bytes: &[u8],
        pieces: &Pieces,
        d: &Delivery,
    ) -> Result<(), String> {
        self.push_step(Step::Sent {
            at,
            bytes: Bytes::new(bytes),
            schedule: pieces.to_string(),
            boundaries: d.boundaries,
        });
        self.log.boundaries = self.log.boundaries.weakest(d.boundaries);
        self.log.sent_total += d.written as u64;
        match &d.error {
            None => Ok(()),
            Some(e) => {
                let error = e.to_string();
                self.push_step(Step::WriteFailed {
                    at: self.t0.elapsed(),
                    written: d.written as u64,
                    error: error.clone(),
                });
                Err(error)
            }
        }
    }

    /// Send `bytes` in `pieces` from a second thread while reading replies
    /// until `replies` frames arrived in total (or the wait ends otherwise), so
    /// neither side's socket buffer can fill and deadlock the exchange.
    pub(crate) fn send_while_reading(
        &mut self,
        bytes: &[u8],
        pieces: &Pieces,
        pause: Duration,
        replies: usize,
        deadline: Instant,
        shutdown_after: bool,
    ) -> (Result<(), String>, Wait) {
        let at = self.t0.elapsed();
        self.announce(bytes);
        let writer = match self.stream.try_clone() {
            Ok(w) => w,
            Err(e) => return (Err(e.to_string()), Wait::Io(e.to_string())),
        };
        let mut pacing = if pause.is_zero() {
            Pacing::none()
        } else {
            std::mem::replace(&mut self.pacing, Pacing::none())
        };
        let (delivery, wait) = std::thread::scope(|s| {
            let pacing = &mut pacing;
            let writer = &writer;
            let handle = s.spawn(move || {
                let d = send_pieces(writer, bytes, pieces, pacing, deadline);
                if shutdown_after {
                    let _ = writer.shutdown(Shutdown::Write);
                }
                d
            });
            let wait = self.read_frames(replies, deadline);
            if !matches!(wait, Wait::Done) {
                // Unblock a writer stuck on a server that stopped reading.
                let _ = writer.shutdown(Shutdown::Write);
            }
            let delivery = handle.join().unwrap_or_else(|_| Delivery {
                boundaries: Boundaries::NotGuaranteed,
                written: 0,
                error: Some(std::io::Error::other("writer thread panicked")),
            });
            (delivery, wait)
        });
        if !pause.is_zero() {
            self.pacing = pacing;
        }
        (self.log_delivery(at, bytes, pieces, &delivery), wait)
    }

    /// Send `bytes` (one write) from a second thread, then one more byte,
    /// `filler`, every `every`, while reading until the server ends the
    /// connection or `deadline` passes. Unlike
    /// [`Conn::send_while_reading`], no reply ends the wait and our write
    /// side stays open until the server has ended the connection: the
    /// server never sees our EOF, and bytes keep arriving, so neither an
    /// EOF nor an idle timeout longer than `every` can end the connection.
    ///
    /// With `watch`, the wait also ends `watch` after the last of `bytes`
    /// was written (`wait` is then [`Wait::Timeout`]) and the connection
    /// stays open, write side too, for the case to go on with it.
    pub(crate) fn send_and_trickle(
        &mut self,
        bytes: &[u8],
        filler: u8,
        every: Duration,
        watch: Option<Duration>,
        deadline: Instant,
    ) -> Trickled {
        let at = self.t0.elapsed();
        self.announce(bytes);
        let writer = match self.stream.try_clone() {
            Ok(w) => w,
            Err(e) => {
                return Trickled {
                    sent: Err(e.to_string()),
                    wait: Wait::Io(e.to_string()),
                    written_at: None,
                    ended_at: Instant::now(),
                    filler_bytes: 0,
                    last_filler: None,
                };
            }
        };
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let written = std::sync::OnceLock::<Instant>::new();
        let (delivery, written_at, trickled, last_trickle, wait, ended_at) =
            std::thread::scope(|s| {
                let writer = &writer;
                let written = &written;
                let handle = s.spawn(move || {
                    let pieces = Pieces::whole(bytes.len());
                    let d = send_pieces(writer, bytes, &pieces, &mut Pacing::none(), deadline);
                    let written_at = d.error.is_none().then(Instant::now);
                    if let Some(at) = written_at {
                        let _ = written.set(at);
                    }
                    let (mut trickled, mut last) = (0usize, None);
                    if written_at.is_some() {
                        // A disconnected channel (the reader is done) ends the trickle too.
                        while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = stopped
                            .recv_timeout(
                                every.min(deadline.saturating_duration_since(Instant::now())),
                            )
                        {
                            if Instant::now() >= deadline {
                                break;
                            }
                            let one = send_pieces(
                                writer,
                                &[filler],
                                &Pieces::whole(1),
                                &mut Pacing::none(),
                                deadline,
                            );
                            if one.error.is_some() {
                                break;
                            }
                            trickled += 1;
                            last = Some(Instant::now());
                        }
                    }
                    (d, written_at, trickled, last)
                });
                let wait = match watch {
                    None => self.read_to_end(deadline),
                    Some(watch) => self.watch_after(written, watch, deadline),
                };
                let ended_at = Instant::now();
                drop(stop);
                // The connection is over (or the deadline passed): unblock a
                // writer stuck on a server that stopped reading. After a
                // watch that ran out, the writer is done and the case goes on.
                let watched = watch.is_some() && wait == Wait::Timeout && written.get().is_some();
                if !watched {
                    let _ = writer.shutdown(Shutdown::Write);
                }
                let (d, written_at, trickled, last) = handle.join().unwrap_or_else(|_| {
                    (
                        Delivery {
                            boundaries: Boundaries::NotGuaranteed,
                            written: 0,
                            error: Some(std::io::Error::other("writer thread panicked")),
                        },
                        None,
                        0,
                        None,
                    )
                });
                (d, written_at, trickled, last, wait, ended_at)
            });
        let sent = self.log_delivery(at, bytes, &Pieces::whole(bytes.len()), &delivery);
        self.log.sent_total += trickled as u64;
        Trickled {
            sent,
            wait,
            written_at,
            ended_at,
            filler_bytes: trickled,
            last_filler: last_trickle,
        }
    }

    /// Read until the server ends the connection, or `watch` after the
    /// moment `written` is set, or `deadline`. A watch that runs out leaves
    /// the connection as it was (not ended by a timeout).
    fn watch_after(
        &mut self,
        written: &std::sync::OnceLock<Instant>,
        watch: Duration,
        deadline: Instant,
    ) -> Wait {
        let before = self.log.end;
        loop {
            let until = written
                .get()
                .map_or(deadline, |w| (*w + watch).min(deadline));
            let step = until.min(Instant::now() + Duration::from_millis(10));
            match self.read_once(step) {
                Wait::Timeout if Instant::now() >= until => {
                    if until < deadline {
                        self.log.end = before;
                    }
                    return Wait::Timeout;
                }
                Wait::Timeout | Wait::Done | Wait::Garbled(_) => {}
                other => return other,
            }
        }
    }

    /// Write `bytes` one at a time, one every `every`, while watching for
    /// the server to end the connection, until `stop` receives or is
    /// dropped, or `deadline` passes; once `bytes` run out, only watch. An
    /// empty `bytes` just watches a silent connection. Our write side stays
    /// open. Bytes that arrive are read (and kept in the timeline) without
    /// ending the watch. Meant for a second thread while the case goes on.
    pub(crate) fn trickle_until(
        &mut self,
        bytes: &[u8],
        every: Duration,
        stop: &std::sync::mpsc::Receiver<()>,
        deadline: Instant,
    ) -> Watched {
        /// How often the stop signal is looked at.
        const LOOK: Duration = Duration::from_millis(2);
        let mut seen = Watched {
            written: 0,
            last_written: None,
            write_error: None,
            ended: None,
        };
        self.announce(bytes);
        let mut next = Instant::now() + every;
        loop {
            if !matches!(stop.try_recv(), Err(std::sync::mpsc::TryRecvError::Empty)) {
                break;
            }
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            let writing = seen.written < bytes.len() && seen.write_error.is_none();
            let mut wake = (now + LOOK).min(deadline);
            if writing {
                wake = wake.min(next.max(now + Duration::from_micros(100)));
            }
            match self.read_once(wake) {
                Wait::Done | Wait::Timeout | Wait::Garbled(_) => {}
                end @ (Wait::Fin | Wait::Rst | Wait::Io(_)) => {
                    seen.ended = Some((end, Instant::now()));
                    break;
                }
            }
            if writing && Instant::now() >= next {
                let i = seen.written;
                let d = send_pieces(
                    &self.stream,
                    &bytes[i..=i],
                    &Pieces::whole(1),
                    &mut Pacing::none(),
                    deadline,
                );
                match d.error {
                    None => {
                        seen.written += 1;
                        seen.last_written = Some(Instant::now());
                        self.log.sent_total += 1;
                    }
                    Some(e) => seen.write_error = Some(e.to_string()),
                }
                next += every;
            }
        }
        // Still open: the slices that timed out do not end it.
        if let ConnEnd::Timeout { .. } = self.log.end {
            self.log.end = ConnEnd::StillOpen;
        }
        seen
    }

    /// Like [`Conn::send_while_reading`], but reading starts only `delay`
    /// after writing began (a slow reader).
    pub(crate) fn send_then_read_late(
        &mut self,
        bytes: &[u8],
        pieces: &Pieces,
        delay: Duration,
        replies: usize,
        deadline: Instant,
    ) -> (Result<(), String>, Wait) {
        let at = self.t0.elapsed();
        self.announce(bytes);
        let writer = match self.stream.try_clone() {
            Ok(w) => w,
            Err(e) => return (Err(e.to_string()), Wait::Io(e.to_string())),
        };
        let (delivery, wait) = std::thread::scope(|s| {
            let handle =
                s.spawn(|| send_pieces(&writer, bytes, pieces, &mut Pacing::none(), deadline));
            std::thread::sleep(delay.min(deadline.saturating_duration_since(Instant::now())));
            let wait = self.read_frames(replies, deadline);
            if !matches!(wait, Wait::Done) {
                let _ = writer.shutdown(Shutdown::Write);
            }
            let delivery = handle.join().unwrap_or_else(|_| Delivery {
                boundaries: Boundaries::NotGuaranteed,
                written: 0,
                error: Some(std::io::Error::other("writer thread panicked")),
            });
            (delivery, wait)
        });
        (self.log_delivery(at, bytes, pieces, &delivery), wait)
    }

    /// Decoded replies so far (up to [`MAX_KEPT`] bytes of them).
    pub(crate) fn frames(&self) -> &[Frame] {
        &self.frames
    }

    /// Replies decoded in total, kept or not.
    pub(crate) fn frame_count(&self) -> u64 {
        self.frames.len() as u64 + self.uncounted_frames
    }

    /// Bytes of a partial reply held by the decoder.
    pub(crate) fn partial_reply(&self) -> usize {
        self.assembler
            .as_ref()
            .map_or_else(|| self.dec.held(), Assembler::held)
    }

    /// Bytes received in total, after the reply to a profile's session opener.
    pub(crate) fn received_total(&self) -> u64 {
        self.log.received_total - self.opener_received
    }

    /// Read until `replies` replies have been decoded in total.
    pub(crate) fn read_frames(&mut self, replies: usize, deadline: Instant) -> Wait {
        loop {
            if self.frame_count() >= replies as u64 {
                return Wait::Done;
            }
            if let Some(e) = &self.reply_error {
                return Wait::Garbled(e.clone());
            }
            match self.read_once(deadline) {
                Wait::Done => {}
                // The final `eof` message arrives with the FIN.
                Wait::Fin if self.frame_count() >= replies as u64 => return Wait::Done,
                other => return other,
            }
        }
    }

    /// When bytes last arrived from the server (`None` before any).
    pub(crate) fn last_bytes_at(&self) -> Option<Instant> {
        self.last_bytes_at
    }

    /// When the first bytes after the session opener's reply arrived.
    pub(crate) fn first_bytes_at(&self) -> Option<Instant> {
        self.first_bytes_at
    }

    /// Bytes sent in total.
    pub(crate) fn sent_total(&self) -> u64 {
        self.log.sent_total
    }

    /// One read: wait until some bytes arrive (or the connection ends).
    pub(crate) fn read_some(&mut self, deadline: Instant) -> Wait {
        self.read_once(deadline)
    }

    /// Read until the server ends the connection (FIN or RST) or the deadline.
    pub(crate) fn read_to_end(&mut self, deadline: Instant) -> Wait {
        if let ConnEnd::Fin { .. } = self.log.end {
            return Wait::Fin;
        }
        if let ConnEnd::Rst { .. } = self.log.end {
            return Wait::Rst;
        }
        loop {
            match self.read_once(deadline) {
                Wait::Done | Wait::Garbled(_) => {}
                other => return other,
            }
        }
    }

    /// One read, before `deadline`. `Done` means bytes arrived.
    fn read_once(&mut self, deadline: Instant) -> Wait {
        match self.log.end {
            ConnEnd::Fin { .. } => return Wait::Fin,
            ConnEnd::Rst { .. } => return Wait::Rst,
            _ => {}
        }
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                self.log.end = ConnEnd::Timeout {
                    at: self.t0.elapsed(),
                };
                return Wait::Timeout;
            }
            if let Err(e) = self.stream.set_read_timeout(Some(left)) {
                return Wait::Io(e.to_string());
            }
            match self.stream.read(&mut self.buf) {
                Ok(0) => {
                    self.log.end = ConnEnd::Fin {
                        at: self.t0.elapsed(),
                    };
                    self.end_of_replies();
                    return Wait::Fin;
                }
                Ok(n) => {
                    self.accept(n);
                    return Wait::Done;
                }
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted
                    ) =>
                {
                    self.log.end = ConnEnd::Rst {
                        at: self.t0.elapsed(),
                    };
                    return Wait::Rst;
                }
                Err(e) => return Wait::Io(e.to_string()),
            }
        }
    }

    /// Record and decode `n` bytes just read into `buf`.
    fn accept(&mut self, n: usize) {
        self.last_bytes_at = Some(Instant::now());
        self.first_bytes_at = self.first_bytes_at.or(self.last_bytes_at);
        let at = self.t0.elapsed();
        self.log.received_total += n as u64;
        if self.log.steps.len() < MAX_STEPS {
            self.log.steps.push(Step::Received {
                at,
                bytes: Bytes::new(&self.buf[..n]),
            });
        }
        if let Some(h) = &mut self.http {
            h.feed(&self.buf[..n]);
            return;
        }
        if self.reply_error.is_some() {
            return;
        }
        let mut input: &[u8] = &self.buf[..n];
        loop {
            let next = match &mut self.assembler {
                Some(a) => a.feed(&mut input),
                None => self
                    .dec
                    .decode(&mut input)
                    .map(|f| f.map(|f| f.to_owned_frame())),
            };
            match next {
                Ok(Some(frame)) => {
                    if self.kept + frame.wire.len() <= MAX_KEPT {
                        self.kept += frame.wire.len();
                        self.frames.push(frame);
                    } else {
                        self.uncounted_frames += 1;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    self.reply_error = Some(e);
                    break;
                }
            }
        }
    }

    /// The server's stream ended: take the final `eof` message or note a
    /// reply cut short.
    fn end_of_replies(&mut self) {
        if let Some(h) = &mut self.http {
            h.finish();
            return;
        }
        if self.reply_error.is_some() {
            return;
        }
        let last = match &mut self.assembler {
            Some(a) => a.finish(),
            None => self.dec.finish().map(|f| f.map(|f| f.to_owned_frame())),
        };
        match last {
            Ok(Some(frame)) => {
                self.frames.push(frame);
            }
            Ok(None) => {}
            Err(e) => self.reply_error = Some(e),
        }
    }

    /// `shutdown(SHUT_WR)`: tell the server no more bytes will come.
    pub(crate) fn shutdown_write(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Write);
        self.push_step(Step::ShutdownWrite {
            at: self.t0.elapsed(),
        });
    }

    /// Abort with RST (`SO_LINGER` 0, then close) and hand back the timeline.
    pub(crate) fn reset(mut self) -> ConnLog {
        let _ = SockRef::from(&self.stream).set_linger(Some(Duration::ZERO));
        self.push_step(Step::Reset {
            at: self.t0.elapsed(),
        });
        self.log
    }

    /// Close normally and hand back the timeline.
    pub(crate) fn close(mut self) -> ConnLog {
        self.push_step(Step::Closed {
            at: self.t0.elapsed(),
        });
        self.log
    }
}
