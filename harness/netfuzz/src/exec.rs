//! Running one session against the live server: connections reused while
//! the server keeps them, pieces written as the schedule cuts them (replies
//! read meanwhile, so neither side blocks the other), and replies read until
//! the framing says they are complete, or the server closes, or the deadline.
//!
//! No fixed sleeps: a reply is complete when the reply decoder has the
//! frames the session is owed. Connections that the client closes are reset
//! (zero linger), and IPv4 loopback connections are spread over
//! `127.0.0.1`–`127.0.0.254` sources, so `TIME_WAIT` never piles up on one
//! address.

use std::io::{self, Read as _, Write as _};
use std::net::{IpAddr, Ipv4Addr, Shutdown, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use framecheck_framing::schedule::Step;
use framecheck_framing::{Decoder, Encoder, Spec};
use socket2::{Domain, SockRef, Socket, Type};

use framecheck_event::refusal::Seen;

use crate::session::{Ending, Expect, Rendered, Session, expect};

/// How long a connect may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// The read and write slice while both directions are busy.
const SLICE: Duration = Duration::from_millis(2);

/// How long an [`Ending::Idle`] session stays silent before closing.
pub const IDLE: Duration = Duration::from_millis(5);

/// The most reply bytes kept beyond what the session is owed.
const REPLY_SLACK: usize = 64 * 1024;

/// How the connection stood when the session was over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum End {
    /// Open (and kept for the next session when it is at a boundary).
    Open,
    /// The server closed (FIN).
    Fin,
    /// The connection was reset or broke.
    Reset,
    /// The owed replies did not come before the deadline.
    Stalled,
    /// No connection could be made.
    Refused,
}

/// What one session observed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// What the server owed.
    pub owed: Expect,
    /// Reply frames received.
    pub frames: usize,
    /// Reply bytes received.
    pub bytes: usize,
    /// The first reply that differs from what is owed: `(index, what)`.
    pub mismatch: Option<(usize, String)>,
    /// How the connection stood at the end.
    pub end: End,
    /// From the last byte sent to the last owed reply (or the end).
    pub latency: Duration,
    /// Messages sent.
    pub sent: usize,
    /// After a refused frame: each reply past the owed ones that is not the
    /// answer to a frame after the refused one's end (`Expect::after`),
    /// as the refusal classifier sees it.
    pub past: Vec<Seen>,
    /// How many of `Expect::after` were answered, in order.
    pub followed: usize,
    /// After a refused frame, a reply broke the reply framing by being over
    /// its limit (the refused frame came back).
    pub over_limit_reply: bool,
}

/// Runs sessions against one server address.
#[derive(Debug)]
pub struct Executor {
    addr: SocketAddr,
    spec: Spec,
    enc: Encoder,
    conn: Option<TcpStream>,
    /// The reply deadline (from the last byte sent).
    reply_timeout: Duration,
    /// The next source address's last octet (IPv4 loopback only).
    source: u8,
    read_timeout: Option<Duration>,
    buf: Vec<u8>,
    /// With a profile: the reply framing (replies are not echoes and are
    /// not owed frame by frame; a session reads to the server's EOF).
    reply_spec: Option<Spec>,
}

impl Executor {
    /// An executor for the server at `addr` speaking `spec`, waiting at most
    /// `reply_timeout` for owed replies; `spread` starts its source
    /// addresses at a different place for each job.
    pub fn new(addr: SocketAddr, spec: &Spec, reply_timeout: Duration, spread: u8) -> Executor {
        Executor {
            addr,
            spec: spec.clone(),
            enc: Encoder::new(spec),
            conn: None,
            reply_timeout,
            source: spread,
            read_timeout: None,
            buf: vec![0; 64 * 1024],
            reply_spec: None,
        }
    }

    /// Talk a profile's protocol: replies are framed by `reply_spec` and
    /// not compared with the requests; each session reads to the server's
    /// EOF (or the deadline).
    #[must_use]
    pub fn with_reply_spec(mut self, reply_spec: Option<&Spec>) -> Executor {
        self.reply_spec = reply_spec.cloned();
        self
    }

    /// The spec.
    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// Point at another address (after a restart); drops the connection.
    pub fn retarget(&mut self, addr: SocketAddr) {
        self.drop_conn();
        self.addr = addr;
    }

    /// Reset the kept connection, if any.
    pub fn drop_conn(&mut self) {
        if let Some(c) = self.conn.take() {
            reset(&c);
        }
    }

    /// Render and run `session`; see [`Executor::run_rendered`].
    pub fn run(&mut self, session: &Session) -> Observation {
        let rendered = session.render(&self.spec, &self.enc);
        self.run_rendered(session.ending, &rendered)
    }

    /// Run a fresh connection's worth of `session`: the kept connection is
    /// dropped first (for confirmation runs, which must not depend on what
    /// came before).
    pub fn run_fresh(&mut self, session: &Session) -> Observation {
        self.drop_conn();
        let o = self.run(session);
        self.drop_conn();
        o
    }

    /// Send `r` and read what the server owes it.
    pub fn run_rendered(&mut self, ending: Ending, r: &Rendered) -> Observation {
        let owed = expect(&self.spec, &r.stream, ending);
        let mut obs = Observation {
            owed,
            frames: 0,
            bytes: 0,
            mismatch: None,
            end: End::Open,
            latency: Duration::ZERO,
            sent: r.ends.len(),
            past: Vec::new(),
            followed: 0,
            over_limit_reply: false,
        };
        let Some(mut conn) = self.conn.take().or_else(|| self.connect().ok()) else {
            obs.end = End::Refused;
            return obs;
        };
        let mut replies = Replies::new(
            self.reply_spec.as_ref().unwrap_or(&self.spec),
            &r.stream,
            &obs.owed,
            self.reply_spec.is_none(),
        );
        let deadline_extra = Session::pauses(&r.plan);
        let started = Instant::now();
        let end = self.deliver(
            &mut conn,
            r,
            &mut replies,
            started + deadline_extra + self.reply_timeout,
        );
        let sent_at = Instant::now();
        let end = match end {
            Some(end) => end,
            None => self.collect(
                &mut conn,
                ending,
                &mut replies,
                sent_at + self.reply_timeout,
            ),
        };
        obs.latency = sent_at.elapsed();
        obs.frames = replies.frames;
        obs.bytes = replies.bytes;
        obs.mismatch = replies.mismatch;
        obs.past = replies.past;
        obs.followed = replies.followed;
        obs.over_limit_reply = replies.over_limit_reply;
        obs.end = end;
        let reusable = end == End::Open
            && ending == Ending::Open
            && obs.owed.refused.is_none()
            && !obs.owed.partial
            && obs.mismatch.is_none();
        if reusable {
            self.conn = Some(conn);
        } else if ending == Ending::Idle && end == End::Open {
            std::thread::sleep(IDLE);
            reset(&conn);
        } else {
            reset(&conn);
        }
        obs
    }

    fn connect(&mut self) -> io::Result<TcpStream> {
        let socket = Socket::new(Domain::for_address(self.addr), Type::STREAM, None)?;
        if self.addr.ip() == IpAddr::V4(Ipv4Addr::LOCALHOST) {
            self.source = self.source % 254 + 1;
            let from = SocketAddr::from((Ipv4Addr::new(127, 0, 0, self.source), 0));
            // A source that cannot be bound is no reason to fail: the
            // kernel picks one.
            let _ = socket.bind(&from.into());
        }
        socket.connect_timeout(&self.addr.into(), CONNECT_TIMEOUT)?;
        socket.set_tcp_nodelay(true)?;
        socket.set_linger(Some(Duration::ZERO))?;
        socket.set_write_timeout(Some(SLICE))?;
        self.read_timeout = None;
        Ok(socket.into())
    }

    fn set_read_timeout(&mut self, conn: &TcpStream, t: Duration) -> io::Result<()> {
        let t = t.max(Duration::from_micros(100));
        if self.read_timeout != Some(t) {
            conn.set_read_timeout(Some(t))?;
            self.read_timeout = Some(t);
        }
        Ok(())
    }

    /// Write the plan's pieces, reading replies whenever a write cannot go
    /// on; `Some(end)` when the connection ended or stalled meanwhile.
    fn deliver(
        &mut self,
        conn: &mut TcpStream,
        r: &Rendered,
        replies: &mut Replies<'_>,
        deadline: Instant,
    ) -> Option<End> {
        let mut at = 0;
        for step in &r.plan.steps {
            let (piece, pause) = match step {
                Step::Piece(p) => (&r.stream[at..at + p.len], p.pause),
                Step::Stall(d) => (&r.stream[at..at], *d),
                Step::Fin | Step::Reset => break,
            };
            at += piece.len();
            let mut left = piece;
            while !left.is_empty() {
                match conn.write(left) {
                    Ok(0) => return Some(End::Reset),
                    Ok(n) => left = &left[n..],
                    Err(e) if retry(&e) => {
                        if Instant::now() >= deadline {
                            return Some(End::Stalled);
                        }
                        if let Some(end) = self.read_once(conn, replies, SLICE) {
                            return Some(end);
                        }
                    }
                    Err(_) => return Some(End::Reset),
                }
            }
            if !pause.is_zero() {
                // The schedule's pause: the session asked for it.
                let until = Instant::now() + pause;
                while Instant::now() < until {
                    let left = until.saturating_duration_since(Instant::now());
                    if let Some(end) = self.read_once(conn, replies, left) {
                        return Some(end);
                    }
                }
            }
        }
        None
    }

    /// One timed read into `replies`; `Some(end)` when the connection ended.
    fn read_once(
        &mut self,
        conn: &mut TcpStream,
        replies: &mut Replies<'_>,
        t: Duration,
    ) -> Option<End> {
        if self.set_read_timeout(conn, t).is_err() {
            return Some(End::Reset);
        }
        match conn.read(&mut self.buf) {
            Ok(0) => Some(End::Fin),
            Ok(n) => {
                replies.take(&self.buf[..n]);
                replies.overflow().then_some(End::Open)
            }
            Err(e) if retry(&e) => None,
            Err(_) => Some(End::Reset),
        }
    }

    /// Read until the owed replies are in (kept open), or the server's EOF
    /// (after a FIN of ours or a refused frame), or the deadline.
    fn collect(
        &mut self,
        conn: &mut TcpStream,
        ending: Ending,
        replies: &mut Replies<'_>,
        deadline: Instant,
    ) -> End {
        match ending {
            Ending::Rst => return End::Open,
            Ending::Fin => {
                let _ = conn.shutdown(Shutdown::Write);
            }
            Ending::Open | Ending::Idle => {}
        }
        let to_eof = ending == Ending::Fin || replies.owed.refused.is_some() || !replies.echo;
        loop {
            if !to_eof && replies.complete() {
                return End::Open;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return End::Stalled;
            }
            if let Some(end) = self.read_once(conn, replies, left) {
                return end;
            }
        }
    }
}

/// The replies of one session, checked against the owed frames as they come.
struct Replies<'a> {
    dec: Decoder,
    stream: &'a [u8],
    owed: &'a Expect,
    frames: usize,
    bytes: usize,
    mismatch: Option<(usize, String)>,
    /// Whether replies are echoes, checked against what is owed.
    echo: bool,
    past: Vec<Seen>,
    followed: usize,
    over_limit_reply: bool,
    /// The reply decoder failed past the owed replies of a refused frame.
    broken: bool,
}

impl<'a> Replies<'a> {
    fn new(spec: &Spec, stream: &'a [u8], owed: &'a Expect, echo: bool) -> Replies<'a> {
        Replies {
            echo,
            dec: Decoder::new(spec),
            stream,
            owed,
            frames: 0,
            bytes: 0,
            mismatch: None,
            past: Vec::new(),
            followed: 0,
            over_limit_reply: false,
            broken: false,
        }
    }

    /// A reply past the owed ones after a refused frame: the answer to the
    /// next frame after the refused one's end, the refused frame echoed
    /// (its first bytes), bytes of it echoed as a message of their own, or
    /// anything else (an error reply).
    fn past_owed(&mut self, wire: &[u8], payload: &[u8]) {
        if let Some(r) = self.owed.after.get(self.followed)
            && wire == &self.stream[r.clone()]
        {
            self.followed += 1;
            return;
        }
        let at = self.owed.refused_at.unwrap_or(0).min(self.stream.len());
        let end = self.owed.resume.unwrap_or(self.stream.len()).max(at);
        let region = &self.stream[at..end];
        // The first bytes of the payload are enough to place it.
        let probe = &payload[..payload.len().min(64)];
        let seen = if !probe.is_empty() && region.windows(probe.len()).any(|w| w == probe) {
            if wire.starts_with(&region[..region.len().min(32)]) {
                Seen::RefusedFrame
            } else {
                Seen::RefusedTail
            }
        } else {
            Seen::Other
        };
        self.past.push(seen);
    }

    fn owed_bytes(&self) -> usize {
        self.owed.frames.iter().map(std::ops::Range::len).sum()
    }

    fn complete(&self) -> bool {
        self.frames >= self.owed.frames.len()
    }

    /// Far more than owed: stop reading.
    fn overflow(&self) -> bool {
        self.echo && self.bytes > self.owed_bytes() + REPLY_SLACK
    }

    fn take(&mut self, mut chunk: &[u8]) {
        self.bytes += chunk.len();
        if !self.echo {
            // Profile replies: counted as frames while they decode.
            while let Ok(Some(_)) = self.dec.decode(&mut chunk) {
                self.frames += 1;
            }
            return;
        }
        let refused = self.owed.refused.is_some();
        while self.mismatch.is_none() && !self.broken {
            match self.dec.decode(&mut chunk) {
                Ok(Some(frame)) => {
                    let i = self.frames;
                    self.frames += 1;
                    match self.owed.frames.get(i) {
                        None if refused => {
                            let (wire, payload) = (frame.wire().to_vec(), frame.payload().to_vec());
                            self.past_owed(&wire, &payload);
                        }
                        Some(r) if frame.wire() == &self.stream[r.clone()] => {}
                        Some(r) => {
                            self.mismatch = Some((
                                i,
                                format!(
                                    "reply {i} differs from its message: {} bytes, owed {}",
                                    frame.wire().len(),
                                    r.len()
                                ),
                            ));
                        }
                        None => {
                            self.mismatch = Some((i, format!("reply {i} was never owed")));
                        }
                    }
                }
                Ok(None) => return,
                Err(
                    framecheck_framing::Error::TooLarge { .. }
                    | framecheck_framing::Error::Unterminated { .. },
                ) if refused && self.frames >= self.owed.frames.len() => {
                    self.over_limit_reply = true;
                    self.broken = true;
                }
                Err(e) => {
                    self.mismatch = Some((self.frames, format!("replies out of step: {e}")));
                }
            }
        }
    }
}

fn retry(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

/// Make the coming close a reset (zero linger): no `TIME_WAIT` on our side.
fn reset(conn: &TcpStream) {
    let _ = SockRef::from(conn).set_linger(Some(Duration::ZERO));
}
