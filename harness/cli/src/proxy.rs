//! `framecheck proxy`: a fragmenting TCP proxy, and `framecheck schedules`:
//! the schedule grammar.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use framecheck_framing::Schedule;
use framecheck_wire::proxy::{Config, Event, Proxy};

use crate::exit;

/// Arguments of `framecheck proxy`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
The first line on stdout is the bound address, e.g. `listening on 127.0.0.1:40123`;
each connection logs its schedules (with seeds, so it replays) and how each
direction ended on stderr. Runs until killed. Listens on loopback unless --listen says otherwise.

A half-close is passed on per direction; a reset becomes a reset; stalls hold
bytes back with TCP flow control. Faults go in the schedule:
`--up 1/fin@100`, `--down whole/rst@4KiB`, `--up 7/stall@10:2s`.
See `framecheck help schedules` for the grammar.

Exit status: 2 for a bad schedule or address, or one that cannot be bound.

Examples:
  framecheck proxy --listen 127.0.0.1:7001 --upstream 127.0.0.1:7000 --up 1
  framecheck proxy --upstream 127.0.0.1:7000 --up 'rand:1..16' --down 'heavy:1..4KiB' --seed 42")]
pub(crate) struct Args {
    /// Address to listen on; loopback unless you say otherwise.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// The server to relay to (any address).
    #[arg(long)]
    upstream: SocketAddr,
    /// Schedule of client-to-server bytes.
    #[arg(long, value_name = "SCHEDULE", default_value = "whole")]
    up: String,
    /// Schedule of server-to-client bytes.
    #[arg(long, value_name = "SCHEDULE", default_value = "whole")]
    down: String,
    /// Seed for random schedules without their own `seed=` (default: from the clock, logged).
    #[arg(long)]
    seed: Option<u64>,
    /// The most connections served at once.
    #[arg(long, value_name = "N", default_value_t = 256)]
    max_conns: usize,
    /// Do not pace pieces (faster, but the kernel may merge them).
    #[arg(long)]
    no_pace: bool,
    /// Seconds to wait for each piece to be acknowledged and read.
    #[arg(long, value_name = "SECS", default_value_t = 1.0)]
    pace_timeout: f64,
    /// Bytes read at once per direction (the memory bound per direction).
    #[arg(long, value_name = "BYTES", default_value_t = 128 * 1024)]
    buffer: usize,
    /// Seconds without progress before a connection is reset.
    #[arg(long, value_name = "SECS", default_value_t = 300.0)]
    idle_timeout: f64,
}

/// Arguments of `framecheck schedules` (no options: it prints the grammar).
#[derive(Debug, clap::Args)]
#[command(after_long_help = SCHEDULES_EXAMPLES)]
pub(crate) struct SchedulesArgs {}

const SCHEDULES_HELP: &str =
    "Delivery schedules: how a byte stream is cut into pieces, paused and broken off.
Used by `framecheck proxy --up/--down`. The grammar:";

const SCHEDULES_EXAMPLES: &str = "Examples:
  1                      every byte apart
  7                      7-byte pieces
  3,1,4                  3, 1, 4 bytes, then again from the start
  5,*                    5 bytes, then the rest in one piece
  rand:1..16/seed=42     uniform sizes 1 to 16, seeded
  heavy:1..64KiB         heavy-tailed sizes (the proxy derives a seed per connection)
  1/pause=2ms            every byte apart, 2 ms between pieces
  whole/stall@100:2s     stop for 2 s after 100 bytes
  1/rst@10               reset after 10 bytes
  whole/fin@1KiB         shut down the write side after 1 KiB";

/// The long help of `framecheck schedules`: the intro and the grammar.
pub(crate) fn schedules_long_help() -> String {
    format!(
        "{SCHEDULES_HELP}\n\n{}",
        framecheck_framing::schedule::GRAMMAR
    )
}

/// Print the grammar (what `framecheck help schedules` shows too).
pub(crate) fn schedules(_: &SchedulesArgs) -> u8 {
    let mut out = io::stdout().lock();
    let text = format!("{}\n{SCHEDULES_EXAMPLES}\n", schedules_long_help());
    let _ = out.write_all(text.as_bytes());
    exit::OK
}

/// Run the proxy until killed; returns an exit code only on a setup error.
pub(crate) fn run(args: &Args) -> u8 {
    let config = match config(args) {
        Ok(c) => c,
        Err(message) => {
            eprintln!("framecheck proxy: {message}");
            return exit::USAGE;
        }
    };
    if !config.listen.ip().is_loopback() {
        eprintln!(
            "framecheck proxy: warning: listening on {}, reachable beyond this machine",
            config.listen
        );
    }
    let seed = config.seed;
    let sink = Arc::new(|e: Event| eprintln!("framecheck proxy: {e}"));
    let proxy = match Proxy::bind(config, sink) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("framecheck proxy: {e}");
            return exit::USAGE;
        }
    };
    let addr = match proxy.local_addr() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("framecheck proxy: {e}");
            return exit::USAGE;
        }
    };
    let mut stdout = io::stdout().lock();
    if writeln!(stdout, "listening on {addr}")
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return exit::USAGE;
    }
    drop(stdout);
    eprintln!(
        "framecheck proxy: {addr} -> {} --up '{}' --down '{}' --seed {seed}",
        args.upstream, args.up, args.down
    );
    match proxy.run() {
        Ok(()) => exit::OK,
        Err(e) => {
            eprintln!("framecheck proxy: {e}");
            exit::FAILED
        }
    }
}

fn config(args: &Args) -> Result<Config, String> {
    let mut c = Config::new(args.listen, args.upstream);
    c.up = parse_schedule("--up", &args.up)?;
    c.down = parse_schedule("--down", &args.down)?;
    c.seed = args.seed.unwrap_or_else(|| {
        SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| {
            u64::try_from(d.as_nanos() % u128::from(u64::MAX)).unwrap_or(0)
        })
    });
    c.max_conns = args.max_conns;
    c.pace = !args.no_pace;
    if args.buffer == 0 || args.buffer > 64 << 20 {
        return Err(format!("--buffer {}: expected 1 to 64 MiB", args.buffer));
    }
    c.buffer = args.buffer;
    c.pace_deadline = secs("--pace-timeout", args.pace_timeout)?;
    c.idle_timeout = secs("--idle-timeout", args.idle_timeout)?;
    Ok(c)
}

fn parse_schedule(flag: &str, text: &str) -> Result<Schedule, String> {
    text.parse().map_err(|e| format!("{flag}: {e}"))
}

fn secs(flag: &str, v: f64) -> Result<Duration, String> {
    Duration::try_from_secs_f64(v)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("{flag} {v}: expected a positive number of seconds"))
}
