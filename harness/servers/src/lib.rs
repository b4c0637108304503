//! Reference echo servers, correct or with one injected [`Bug`].
//!
//! A server decodes every frame its peer sends with the framing library's
//! [`Decoder`](framecheck_framing::Decoder) and answers each with an echo of
//! the frame's wire bytes, so a reply is framed exactly like its request. It
//! runs in-process on threads (one per connection, up to
//! [`ServerConfig::max_connections`]), binds loopback unless told otherwise,
//! and puts a deadline on every wait.
//!
//! How the correct server ends a connection:
//!
//! | the peer | the server |
//! |---|---|
//! | sends EOF (or half-closes) at a frame boundary | has already sent every reply; shuts down its side, closes |
//! | sends EOF inside a frame | sends no partial reply; shuts down, closes |
//! | half-closes, `eof` framing | replies with the whole message, then shuts down, closes |
//! | breaks the framing (too large, unknown tag, over-long line) | replies to the frames before it, closes at once without reading a body (with [`OverLimit::Discard`], a frame over the limit is dropped to its end instead, answered `ERROR over the limit`, and the connection goes on; with [`OverLimit::ReplyClose`], every framing error is answered `ERROR framing` before the close) |
//! | stops inside a frame for [`idle_timeout`](ServerConfig::idle_timeout) | closes |
//! | is silent at a boundary for [`keepalive_timeout`](ServerConfig::keepalive_timeout) | closes |
//! | stops reading replies for `idle_timeout` | closes |
//! | resets | closes that connection; the server keeps serving |
//!
//! It never holds more than one frame (`max + overhead`), one read buffer and
//! one batch of replies per connection.
//!
//! ```
//! use std::io::{Read, Write};
//! use std::net::TcpStream;
//! use std::time::Duration;
//! use framecheck_servers::{self as server, ServerConfig};
//!
//! let server = server::spawn(ServerConfig::new("u16be".parse()?))?;
//! let mut client = TcpStream::connect(server.local_addr())?;
//! client.set_read_timeout(Some(Duration::from_secs(5)))?;
//! client.write_all(b"\x00\x02hi")?;
//! let mut reply = [0; 4];
//! client.read_exact(&mut reply)?;
//! assert_eq!(&reply, b"\x00\x02hi");
//! server.shutdown();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod accept;
mod bug;
mod classic;
mod conn;
mod error;
mod framer;
mod http;
mod shared;

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use framecheck_framing::Spec;
use socket2::{Domain, Socket, Type};

pub use bug::{Bug, UnknownBug};
pub use error::Error;
pub use http::PAGE;

use shared::Shared;

/// How often a blocked thread looks up to check for shutdown and deadlines.
pub(crate) const TICK: Duration = Duration::from_millis(25);

/// The idle timeout of `ignores-eof-short-idle` (unless the configured one
/// is shorter): shorter than what the runner calls "promptly", so a close on
/// silence can pass for a close on EOF.
pub const SHORT_IDLE: Duration = Duration::from_millis(200);

/// How long `delays-fin-after-half-close` waits after the peer's EOF before
/// it shuts down its side.
pub const FIN_DELAY: Duration = Duration::from_millis(600);

/// The connections `small-worker-pool` serves at once: fewer than the 16
/// clients of `concurrency/many-clients`, more than the 4 of
/// `concurrency/stalled-client` and the runner's probes.
pub const SMALL_POOL: usize = 8;

/// The frame on one connection at which `dies-on-thousandth-frame` dies.
pub const THOUSANDTH: u64 = 1000;

/// How many NUL-led payloads `leaks-slot-on-nul` takes before it answers
/// nobody.
pub const NUL_SLOTS: usize = 16;

/// What `trusts-length` and `no-line-limit` buffer at most for one frame: far
/// above any spec's default maximum, so the bug shows, but a safety valve for
/// the machine running it.
pub(crate) const BUG_BUFFER_CAP: usize = 64 * 1024 * 1024;

/// How a server is built. Make one with [`ServerConfig::new`] and change the
/// fields you need; more fields may be added (the struct is non-exhaustive).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The framing of requests and replies.
    pub spec: Spec,
    /// The bug to inject, if any.
    pub bug: Option<Bug>,
    /// The address to listen on; default `127.0.0.1:0` (loopback, any port).
    pub listen: SocketAddr,
    /// How long a connection may stay silent inside a frame, or leave a
    /// reply unread, before the server closes it; default 10 s.
    pub idle_timeout: Duration,
    /// How long a connection may stay silent at a frame boundary before the
    /// server closes it; default 60 s.
    pub keepalive_timeout: Duration,
    /// The most connections served at once; more wait in the listen backlog.
    /// Default 256.
    pub max_connections: usize,
    /// For [`Bug::LeaksDescriptor`]: how many descriptors may leak before the
    /// server stops accepting, as a process at its descriptor limit would.
    /// Default 256.
    pub leak_limit: usize,
    /// What a correct server does with a frame over the limit; default
    /// [`OverLimit::Close`]. Ignored when a bug is injected.
    pub over_limit: OverLimit,
}

/// What a correct server does with a frame over its limit (a header
/// declaring more than the maximum, a line with no delimiter within it).
/// Both are legitimate refusals; the `limits/*` cases pass either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OverLimit {
    /// Reply to the frames before it and close at once, reading no body.
    #[default]
    Close,
    /// Read and drop the frame to its end (its delimiter, or its declared
    /// body), reply `ERROR over the limit` in the framing, and go on.
    /// Framings with no such frame (`fixed`, `eof`) serve as with `Close`.
    Discard,
    /// On any framing error (a frame over the limit, an unknown tag, a
    /// length written as text that breaks its framing's rules): reply to
    /// the frames before it, then `ERROR framing` in the framing (when a
    /// frame can carry it), then close at once, reading no body (Redis's
    /// `-ERR Protocol error` then close).
    ReplyClose,
}

impl ServerConfig {
    /// A correct server for `spec` on `127.0.0.1:0` with default timeouts.
    pub fn new(spec: Spec) -> ServerConfig {
        ServerConfig {
            spec,
            bug: None,
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            idle_timeout: Duration::from_secs(10),
            keepalive_timeout: Duration::from_secs(60),
            max_connections: 256,
            leak_limit: 256,
            over_limit: OverLimit::Close,
        }
    }

    /// The same configuration with `bug` injected.
    #[must_use]
    pub fn with_bug(mut self, bug: Bug) -> ServerConfig {
        self.bug = Some(bug);
        self
    }

    /// Refuse settings that cannot work.
    fn check(&self) -> Result<(), Error> {
        let problem = if self.idle_timeout.is_zero() {
            "idle_timeout is zero"
        } else if self.keepalive_timeout.is_zero() {
            "keepalive_timeout is zero"
        } else if self.max_connections == 0 {
            "max_connections is zero"
        } else {
            return Ok(());
        };
        Err(Error::Config {
            problem: problem.to_owned(),
        })
    }
}

/// A running server. Dropping it shuts it down, like [`ServerHandle::shutdown`].
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

/// Start a server on its own threads and return once it is listening.
///
/// Fails when the bug does not apply to the framing, the spec is not valid,
/// or the address cannot be bound.
pub fn spawn(config: ServerConfig) -> Result<ServerHandle, Error> {
    config.spec.validate()?;
    config.check()?;
    if let Some(bug) = config.bug {
        if let Some(reason) = bug.inapplicable(&config.spec) {
            return Err(Error::BugNotApplicable {
                bug,
                spec: config.spec.to_string(),
                reason,
            });
        }
    }
    let listener = listen(config.listen)?;
    let addr = listener.local_addr().map_err(|source| Error::Io {
        op: "read the listening address",
        source,
    })?;
    let shared = Arc::new(Shared::default());
    let config = Arc::new(config);
    let accept = {
        let shared = Arc::clone(&shared);
        thread::Builder::new()
            .name(format!("fc-serve-{}", addr.port()))
            .spawn(move || accept::run(listener, &config, &shared))
            .map_err(|source| Error::Io {
                op: "spawn the accept thread",
                source,
            })?
    };
    Ok(ServerHandle {
        addr,
        shared,
        accept: Some(accept),
    })
}

impl ServerHandle {
    /// The address the server listens on (with the port the system chose).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Whether the server still accepts connections: false once it has been
    /// shut down or has died of an injected bug.
    pub fn is_alive(&self) -> bool {
        !self.shared.stopping() && self.accept.as_ref().is_some_and(|h| !h.is_finished())
    }

    /// Why the server died of an injected bug, if it did.
    pub fn death(&self) -> Option<String> {
        self.shared.death()
    }

    /// Stop accepting, close every connection and wait for the threads; each
    /// notices within a fraction of a second.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.shared.stop();
        if let Some(handle) = self.accept.take() {
            // A panicking server thread has already closed its sockets;
            // there is nothing left to clean up.
            let _ = handle.join();
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Bind and listen; the accept call wakes every [`TICK`] to check for shutdown.
fn listen(addr: SocketAddr) -> Result<TcpListener, Error> {
    let bind = || -> std::io::Result<TcpListener> {
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
        socket.set_reuse_address(true)?;
        socket.bind(&addr.into())?;
        socket.listen(1024)?;
        // On Linux SO_RCVTIMEO bounds accept() too.
        socket.set_read_timeout(Some(TICK))?;
        Ok(socket.into())
    };
    bind().map_err(|source| Error::Listen { addr, source })
}
