//! Load generators and servers for `scripts/bench-proxy.sh` (loopback only).
//!
//! ```text
//! proxy_bench sink ADDR            read and drop everything per connection; EOF back at the end
//! proxy_bench echo ADDR            echo everything per connection
//! proxy_bench bulk ADDR BYTES      send BYTES, half-close, wait for EOF; print seconds and MiB/s
//! proxy_bench rtt ADDR N SIZE      N request/reply round trips of SIZE bytes; print p50 and p99 in us
//! ```
//!
//! Servers print `listening on ADDR` and run until killed.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(120);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let run = || -> io::Result<()> {
        let arg = |i: usize| {
            args.get(i)
                .cloned()
                .ok_or_else(|| io::Error::other("missing argument; see the module docs"))
        };
        let addr: SocketAddr = arg(1)?.parse().map_err(io::Error::other)?;
        if !addr.ip().is_loopback() {
            return Err(io::Error::other("loopback addresses only"));
        }
        let num = |i: usize| -> io::Result<u64> { arg(i)?.parse().map_err(io::Error::other) };
        match arg(0)?.as_str() {
            "sink" => serve(addr, false),
            "echo" => serve(addr, true),
            "bulk" => bulk(addr, num(2)?),
            "rtt" => rtt(addr, num(2)?, num(3)?),
            other => Err(io::Error::other(format!("unknown mode {other}"))),
        }
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("proxy_bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn serve(addr: SocketAddr, echo: bool) -> io::Result<()> {
    let listener = TcpListener::bind(addr)?;
    println!("listening on {}", listener.local_addr()?);
    io::stdout().flush()?;
    for conn in listener.incoming() {
        let mut s = conn?;
        thread::spawn(move || {
            let _ = s.set_read_timeout(Some(WAIT));
            let _ = s.set_nodelay(true);
            let mut buf = vec![0; 256 * 1024];
            loop {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if echo && s.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                }
            }
            let _ = s.shutdown(Shutdown::Write);
        });
    }
    Ok(())
}

fn bulk(addr: SocketAddr, bytes: u64) -> io::Result<()> {
    let started = Instant::now();
    let mut s = TcpStream::connect_timeout(&addr, WAIT)?;
    s.set_read_timeout(Some(WAIT))?;
    s.set_write_timeout(Some(WAIT))?;
    let chunk = vec![0x5a; 256 * 1024];
    let mut left = bytes;
    while left > 0 {
        let n = usize::try_from(left.min(chunk.len() as u64)).unwrap_or(chunk.len());
        s.write_all(&chunk[..n])?;
        left -= n as u64;
    }
    s.shutdown(Shutdown::Write)?;
    let mut sink = [0; 64];
    while s.read(&mut sink)? > 0 {}
    let secs = started.elapsed().as_secs_f64();
    #[expect(clippy::cast_precision_loss, reason = "a report, not arithmetic")]
    let mib = bytes as f64 / (1024.0 * 1024.0);
    println!("{secs:.3} s {:.1} MiB/s", mib / secs);
    Ok(())
}

fn rtt(addr: SocketAddr, n: u64, size: u64) -> io::Result<()> {
    let mut s = TcpStream::connect_timeout(&addr, WAIT)?;
    s.set_nodelay(true)?;
    s.set_read_timeout(Some(WAIT))?;
    let size = usize::try_from(size).map_err(io::Error::other)?;
    let req = vec![0x42; size];
    let mut reply = vec![0; size];
    let mut samples = Vec::new();
    for _ in 0..n {
        let t = Instant::now();
        s.write_all(&req)?;
        s.read_exact(&mut reply)?;
        samples.push(t.elapsed());
    }
    samples.sort_unstable();
    let pick =
        |q: usize| samples.get((samples.len() * q / 100).min(samples.len().saturating_sub(1)));
    let us = |d: Option<&Duration>| d.map_or(0, Duration::as_micros);
    println!("p50 {} us p99 {} us", us(pick(50)), us(pick(99)));
    Ok(())
}
