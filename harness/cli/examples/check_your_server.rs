//! Check a server from Rust: start it, run the conformance suite, look at
//! the verdicts. Here "your server" is a typical hand-written line echo
//! server built on `BufRead::read_line`; the suite finds what it gets wrong.
//!
//! ```text
//! cargo run -p framecheck --example check_your_server
//! ```
//!
//! In a test, assert on the summary instead of printing (see
//! `harness/runner/tests/library_use.rs`).

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::process::ExitCode;

use framecheck_report::Terminal;
use framecheck_runner::{self as runner, Options};

/// A line echo server as many are written: one thread per client,
/// `read_line` until EOF. It keeps message boundaries (`read_line` buffers
/// across reads) but has no limit on line length and no idle timeout.
fn start_line_echo() -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let Ok(mut out) = conn.try_clone() else {
                    return;
                };
                let mut lines = BufReader::new(conn);
                let mut line = Vec::new();
                loop {
                    line.clear();
                    match lines.read_until(b'\n', &mut line) {
                        Ok(0) | Err(_) => return,
                        // A line without its newline: the peer ended mid-line.
                        Ok(_) if line.last() != Some(&b'\n') => return,
                        Ok(_) => {
                            if out.write_all(&line).is_err() {
                                return;
                            }
                        }
                    }
                }
            });
        }
    });
    Ok(addr)
}

fn main() -> ExitCode {
    let addr = match start_line_echo() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("cannot start the server: {e}");
            return ExitCode::from(2);
        }
    };
    let spec = "line".parse().expect("a valid spec");
    let options = Options {
        seed: 1,
        ..Options::default()
    };
    let mut terminal = Terminal::stdout();
    match runner::run(addr, &spec, &options, &mut terminal) {
        Ok(summary) => ExitCode::from(u8::try_from(summary.exit_code).unwrap_or(2)),
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}
