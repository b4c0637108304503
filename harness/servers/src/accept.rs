//! The accept loop: one thread per connection up to the bound, or one
//! connection at a time for `one-client-at-a-time`; an `http1:request`
//! framing is served by the HTTP server (`http.rs`), any other by the echo.

use std::io;
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use super::conn::{Conn, echo};
use super::shared::Shared;
use super::{Bug, ServerConfig, TICK, classic};

/// Stack size of a connection thread: buffers live on the heap.
const CONN_STACK: usize = 256 * 1024;

/// Accept until the server stops, then close the listener first (no new
/// connection can arrive), then wait for every connection thread.
pub(crate) fn run(listener: TcpListener, config: &Arc<ServerConfig>, shared: &Arc<Shared>) {
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    while !shared.stopping() {
        workers.retain(|w| !w.is_finished());
        let at_leak_limit =
            config.bug == Some(Bug::LeaksDescriptor) && shared.leaked() >= config.leak_limit;
        let cap = if config.bug == Some(Bug::SmallWorkerPool) {
            config.max_connections.min(super::SMALL_POOL)
        } else {
            config.max_connections
        };
        if at_leak_limit || workers.len() >= cap {
            // Out of descriptors or at the bound: leave connections in the
            // backlog, as a process at its descriptor limit would.
            thread::sleep(TICK);
            continue;
        }
        let stream = match listener.accept() {
            Ok((stream, _peer)) => stream,
            Err(e) if is_transient(&e) => continue,
            Err(_) => {
                // EMFILE, ENOBUFS…: back off instead of spinning.
                thread::sleep(TICK);
                continue;
            }
        };
        if config.bug == Some(Bug::LeaksDescriptor) {
            if let Ok(dup) = stream.try_clone() {
                shared.leak(dup);
            }
        }
        if config.bug == Some(Bug::OneClientAtATime) {
            serve(stream, config, shared);
            continue;
        }
        if let Some(worker) = spawn_worker(stream, config, shared) {
            workers.push(worker);
        }
    }
    // Connects are refused from here on, as when a process dies.
    drop(listener);
    for worker in workers {
        // A panicked connection thread has dropped its socket already.
        let _ = worker.join();
    }
    shared.release_leaked();
}

fn spawn_worker(
    stream: TcpStream,
    config: &Arc<ServerConfig>,
    shared: &Arc<Shared>,
) -> Option<JoinHandle<()>> {
    let (config, shared) = (Arc::clone(config), Arc::clone(shared));
    // On failure the closure, and with it the stream, is dropped: the peer
    // sees the connection close.
    thread::Builder::new()
        .name("fc-serve-conn".to_owned())
        .stack_size(CONN_STACK)
        .spawn(move || serve(stream, &config, &shared))
        .ok()
}

fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock
            | io::ErrorKind::TimedOut
            | io::ErrorKind::Interrupted
            | io::ErrorKind::ConnectionAborted
    )
}

/// Serve one connection to its end, then close it: the classic hand-written
/// readers for the bugs that live in them, the framer-driven echo otherwise.
fn serve(stream: TcpStream, config: &ServerConfig, shared: &Shared) {
    let Ok(mut conn) = Conn::new(stream, config, shared) else {
        return;
    };
    let http = matches!(
        &config.spec.kind,
        framecheck_framing::Kind::Http1(h) if h.role == framecheck_framing::http1::Role::Request
    );
    match config.bug {
        _ if http => super::http::serve(&mut conn),
        Some(Bug::HeaderInOneRecv | Bug::TrustsLength) => classic::serve(&mut conn),
        _ => echo(&mut conn),
    }
}
