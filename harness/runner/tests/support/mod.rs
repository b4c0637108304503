//! Test-only servers: a tiny correct echo server for any framing, and the
//! hostile targets the runner must survive.

#![allow(dead_code, unreachable_pub, missing_docs)]

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use framecheck_framing::{Decoder, Spec};

/// A server on 127.0.0.1:0 that stops when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

/// Serve each connection with `handler` on its own thread.
pub fn serve(handler: impl Fn(TcpStream) + Send + Sync + 'static) -> TestServer {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let stop = Arc::new(AtomicBool::new(false));
    let handler = Arc::new(handler);
    let stop2 = stop.clone();
    let accept = std::thread::spawn(move || {
        for conn in listener.incoming() {
            if stop2.load(Ordering::SeqCst) {
                break;
            }
            let Ok(conn) = conn else { continue };
            let h = handler.clone();
            std::thread::spawn(move || h(conn));
        }
    });
    TestServer {
        addr,
        stop,
        accept: Some(accept),
    }
}

/// A correct echo server: decodes frames with the reference decoder, writes
/// each back whole, closes on a framing error, on EOF (after echoing an
/// `eof` message) and after `idle` without a byte.
pub fn echo(spec: &Spec, idle: Duration) -> TestServer {
    let spec = spec.clone();
    serve(move |mut s| {
        let _ = s.set_read_timeout(Some(idle));
        let mut dec = Decoder::new(&spec);
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match s.read(&mut buf) {
                Ok(0) => {
                    if let Ok(Some(f)) = dec.finish() {
                        let _ = s.write_all(f.wire());
                    }
                    let _ = s.shutdown(Shutdown::Write);
                    return;
                }
                Ok(n) => n,
                Err(_) => return,
            };
            let mut input = &buf[..n];
            loop {
                match dec.decode(&mut input) {
                    Ok(Some(f)) => {
                        if s.write_all(f.wire()).is_err() {
                            return;
                        }
                    }
                    Ok(None) => break,
                    Err(_) => {
                        let _ = s.shutdown(Shutdown::Both);
                        return;
                    }
                }
            }
        }
    })
}
