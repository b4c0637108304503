//! Time to each fuzz-only reference-server bug, with and without feedback,
//! over a few seeds: the measurement behind keeping feedback on.
//! `cargo run --release -p framecheck-netfuzz --example time_to_find -- [SEEDS] [JOBS]`
//! prints a Markdown table (median and each seed's time in ms; `-` when
//! not found within 60 s).

use std::net::SocketAddr;
use std::time::Duration;

use framecheck_netfuzz::target::Target;
use framecheck_netfuzz::{Config, fuzz};
use framecheck_servers::{self as server, Bug, ServerConfig, ServerHandle};

struct InProcess {
    config: ServerConfig,
    server: Option<ServerHandle>,
    addr: SocketAddr,
}

impl Target for InProcess {
    fn addr(&self) -> SocketAddr {
        self.addr
    }
    fn restart(&mut self) -> Option<SocketAddr> {
        if let Some(s) = self.server.take() {
            s.shutdown();
        }
        let s = server::spawn(self.config.clone()).ok()?;
        self.addr = s.local_addr();
        self.server = Some(s);
        Some(self.addr)
    }
    fn post_mortem(&mut self) -> Option<String> {
        self.server.as_ref()?.death()
    }
    fn restartable(&self) -> bool {
        true
    }
}

fn time_to_find(spec: &str, bug: Bug, seed: u64, feedback: bool, jobs: usize) -> Option<u64> {
    let config = ServerConfig::new(spec.parse().ok()?).with_bug(bug);
    let s = server::spawn(config.clone()).ok()?;
    let mut target = InProcess {
        addr: s.local_addr(),
        config,
        server: Some(s),
    };
    let mut c = Config::new(spec.parse().ok()?);
    c.seed = seed;
    c.duration = Duration::from_secs(60);
    c.jobs = jobs;
    c.feedback = feedback;
    c.minimize = false;
    c.stop_after = Some(1);
    let outcome = fuzz(&c, &mut target, &mut |_| {}).ok()?;
    outcome.findings.first().map(|f| f.found_ms)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let seeds: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let jobs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let bugs = [
        ("u16be", Bug::DiesOnFormatString),
        ("u16be", Bug::DiesOnThousandthFrame),
        ("u32be", Bug::DiesOnLengthWrap),
        ("u16be", Bug::LeaksSlotOnNul),
    ];
    println!(
        "| bug | framing | feedback: median ms (per seed) | no feedback: median ms (per seed) |"
    );
    println!("|---|---|---|---|");
    for (spec, bug) in bugs {
        let mut cells = Vec::new();
        for feedback in [true, false] {
            let mut times: Vec<Option<u64>> = (1..=seeds)
                .map(|s| time_to_find(spec, bug, s, feedback, jobs))
                .collect();
            let each: Vec<String> = times
                .iter()
                .map(|t| t.map_or_else(|| "-".to_owned(), |t| t.to_string()))
                .collect();
            times.sort_by_key(|t| t.unwrap_or(u64::MAX));
            let median = times[times.len() / 2].map_or_else(|| "-".to_owned(), |t| t.to_string());
            cells.push(format!("{median} ({})", each.join(", ")));
        }
        println!("| `{bug}` | `{spec}` | {} | {} |", cells[0], cells[1]);
    }
}
