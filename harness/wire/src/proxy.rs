//! The fragmenting proxy: relays TCP connections between a client and an
//! upstream server, re-cutting each direction by its [`Schedule`].
//!
//! For each accepted client the proxy connects to the upstream and runs two
//! relays, up (client to upstream) and down (upstream to client):
//!
//! * each relay writes the bytes it reads as the schedule's pieces (a piece
//!   is written as soon as its bytes are at hand; a sender that pauses gets a
//!   short piece, never a held-back one), paced so that each piece arrives as
//!   its own read unless the schedule is `whole` ([`crate::pace`]);
//! * a FIN from one side becomes a shutdown of the other side's write
//!   direction while the other relay keeps flowing; the connection closes
//!   only when both directions are done;
//! * a reset on either side (or a `rst@` fault) resets both: zero linger is
//!   set at that moment and the sockets are closed, so the peers see RST;
//! * a `stall@` stops reading as well as writing, so the sender is held back
//!   by TCP flow control: memory stays bounded by one buffer per direction;
//! * every wait has a deadline: connect, idle reads and writes, pacing.
//!
//! Random schedules without their own `seed=` get one derived from the
//! proxy's seed and the connection number; each connection's log line
//! prints the schedules it used, so any connection replays exactly.

mod relay;

use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

use framecheck_framing::Schedule;
use framecheck_framing::schedule::SplitMix64;

pub use relay::{DirReport, Ending};

/// Proxy settings; [`Config::new`] gives the defaults.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen (loopback by default; any address you give).
    pub listen: SocketAddr,
    /// Where to connect for each client (any address you give).
    pub upstream: SocketAddr,
    /// The schedule of client-to-upstream bytes.
    pub up: Schedule,
    /// The schedule of upstream-to-client bytes.
    pub down: Schedule,
    /// Seeds random schedules that carry no `seed=` of their own.
    pub seed: u64,
    /// The most connections served at once; more wait to be accepted.
    pub max_conns: usize,
    /// Pace pieces so each arrives as its own read (ignored for `whole`).
    pub pace: bool,
    /// The longest wait for one piece to be acknowledged and read.
    pub pace_deadline: Duration,
    /// The longest wait to connect upstream.
    pub connect_timeout: Duration,
    /// A connection with no progress in either direction for this long is
    /// reset.
    pub idle_timeout: Duration,
    /// Bytes read at once per direction (the memory bound per direction).
    pub buffer: usize,
}

impl Config {
    /// Pass-through between `listen` and `upstream`, with the defaults.
    pub fn new(listen: SocketAddr, upstream: SocketAddr) -> Config {
        Config {
            listen,
            upstream,
            up: Schedule::whole(),
            down: Schedule::whole(),
            seed: 0,
            max_conns: 256,
            pace: true,
            pace_deadline: Duration::from_secs(1),
            connect_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(300),
            buffer: 128 * 1024,
        }
    }

    fn validate(&self) -> io::Result<()> {
        for (what, s) in [("up", &self.up), ("down", &self.down)] {
            if s.needs_messages() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "--{what} {s}: the proxy does not know where messages end; use sizes, rand: or heavy:"
                    ),
                ));
            }
        }
        if self.max_conns == 0 || self.buffer == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "max_conns and buffer must be at least 1",
            ));
        }
        Ok(())
    }

    /// The schedules connection `id` uses: as given, with a derived seed
    /// for random ones that have none.
    pub fn schedules_for(&self, id: u64) -> (Schedule, Schedule) {
        let pick = |s: &Schedule, dir: u64| {
            if s.is_random() && s.seed.is_none() {
                s.clone()
                    .with_seed(SplitMix64::derive(self.seed, id * 2 + dir))
            } else {
                s.clone()
            }
        };
        (pick(&self.up, 0), pick(&self.down, 1))
    }
}

/// What happened to one proxied connection.
#[derive(Debug, Clone)]
pub struct ConnReport {
    /// Connection number, from 0.
    pub id: u64,
    /// The client's address.
    pub client: SocketAddr,
    /// The schedules used (with their seeds).
    pub up_schedule: Schedule,
    /// The schedule of the down direction.
    pub down_schedule: Schedule,
    /// Client to upstream.
    pub up: DirReport,
    /// Upstream to client.
    pub down: DirReport,
}

impl fmt::Display for ConnReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "conn {} {} done: up [{}] {}; down [{}] {}",
            self.id, self.client, self.up_schedule, self.up, self.down_schedule, self.down
        )
    }
}

/// A log line from the proxy.
#[derive(Debug, Clone)]
pub enum Event {
    /// A connection was accepted and its upstream connected.
    Open {
        /// Connection number.
        id: u64,
        /// The client.
        client: SocketAddr,
        /// Up schedule, with seed.
        up: Schedule,
        /// Down schedule, with seed.
        down: Schedule,
    },
    /// The upstream could not be reached; the client was reset.
    Unreachable {
        /// Connection number.
        id: u64,
        /// The client.
        client: SocketAddr,
        /// Why.
        error: String,
    },
    /// A connection is over.
    Closed(ConnReport),
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Open {
                id,
                client,
                up,
                down,
            } => write!(f, "conn {id} {client} open: --up '{up}' --down '{down}'"),
            Event::Unreachable { id, client, error } => {
                write!(f, "conn {id} {client} upstream unreachable: {error}")
            }
            Event::Closed(r) => r.fmt(f),
        }
    }
}

/// Where events go.
pub type Sink = Arc<dyn Fn(Event) + Send + Sync>;

/// A bound proxy, ready to run.
pub struct Proxy {
    listener: TcpListener,
    config: Arc<Config>,
    sink: Sink,
    stop: Arc<AtomicBool>,
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("listener", &self.listener)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Proxy {
    /// Check the config and bind the listening socket; events go to `sink`.
    pub fn bind(config: Config, sink: Sink) -> io::Result<Proxy> {
        config.validate()?;
        let listener = TcpListener::bind(config.listen)?;
        Ok(Proxy {
            listener,
            config: Arc::new(config),
            sink,
            stop: Arc::new(AtomicBool::new(false)),
        })
    }

    /// The address it listens on (useful with port 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Accept and serve connections until stopped (see [`Proxy::spawn`]).
    pub fn run(self) -> io::Result<()> {
        let slots = Arc::new(Slots::new(self.config.max_conns));
        let next_id = AtomicU64::new(0);
        loop {
            slots.acquire();
            let (client, addr) = match self.listener.accept() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                    slots.release();
                    continue;
                }
                Err(e) => {
                    slots.release();
                    // Out of descriptors and the like: wait a moment, go on.
                    thread::sleep(Duration::from_millis(10));
                    if self.stop.load(Ordering::SeqCst) {
                        return Err(e);
                    }
                    continue;
                }
            };
            if self.stop.load(Ordering::SeqCst) {
                slots.release();
                return Ok(());
            }
            let id = next_id.fetch_add(1, Ordering::SeqCst);
            let (config, sink, slot) = (self.config.clone(), self.sink.clone(), slots.clone());
            let spawned = thread::Builder::new()
                .name(format!("proxy-conn-{id}"))
                .spawn(move || {
                    serve(id, client, addr, &config, &sink);
                    slot.release();
                });
            if spawned.is_err() {
                // The closure (and its slot) is gone with the failed spawn.
                slots.release();
            }
        }
    }

    /// Run on a thread; the handle stops it.
    pub fn spawn(self) -> io::Result<ProxyHandle> {
        let addr = self.local_addr()?;
        let stop = self.stop.clone();
        let thread = thread::Builder::new()
            .name("proxy-accept".into())
            .spawn(move || self.run())?;
        Ok(ProxyHandle {
            addr,
            stop,
            thread: Some(thread),
        })
    }
}

/// A proxy running on its own thread; dropping it stops accepting.
#[derive(Debug)]
pub struct ProxyHandle {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<io::Result<()>>>,
}

impl ProxyHandle {
    /// The proxy's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stop accepting (connections in flight finish on their own).
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept call.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ProxyHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A counting semaphore bounding the connections served at once.
#[derive(Debug)]
struct Slots {
    free: Mutex<usize>,
    freed: Condvar,
}

impl Slots {
    fn new(n: usize) -> Slots {
        Slots {
            free: Mutex::new(n),
            freed: Condvar::new(),
        }
    }

    fn acquire(&self) {
        let mut free = self
            .free
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while *free == 0 {
            free = self
                .freed
                .wait(free)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        *free -= 1;
    }

    fn release(&self) {
        let mut free = self
            .free
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *free += 1;
        self.freed.notify_one();
    }
}

/// Serve one client to the end.
fn serve(id: u64, client: TcpStream, addr: SocketAddr, config: &Config, sink: &Sink) {
    let upstream = match TcpStream::connect_timeout(&config.upstream, config.connect_timeout) {
        Ok(u) => u,
        Err(e) => {
            let _ = crate::pace::reset(client);
            sink(Event::Unreachable {
                id,
                client: addr,
                error: e.to_string(),
            });
            return;
        }
    };
    let (up, down) = config.schedules_for(id);
    sink(Event::Open {
        id,
        client: addr,
        up: up.clone(),
        down: down.clone(),
    });
    let (up_report, down_report) = relay::run(client, upstream, &up, &down, config);
    sink(Event::Closed(ConnReport {
        id,
        client: addr,
        up_schedule: up,
        down_schedule: down,
        up: up_report,
        down: down_report,
    }));
}
