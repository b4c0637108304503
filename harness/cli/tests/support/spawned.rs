//! A `framecheck` child process for end-to-end tests: the command with its
//! arguments, and a long-running one (`serve`, `proxy`) whose first line,
//! `listening on ADDR`, is read with a deadline, killed on drop.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// How long a child may take to print its address line.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// `framecheck ARGS` with no input and both outputs piped, for `.output()`.
pub(crate) fn framecheck(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_framecheck"));
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// A running `framecheck` that printed `listening on ADDR`, killed on drop.
pub(crate) struct Spawned {
    child: Child,
    /// The address from its first line.
    pub(crate) addr: SocketAddr,
}

impl Spawned {
    /// Spawn `framecheck ARGS` and wait (at most [`START_TIMEOUT`]) for its
    /// address line. Standard error goes nowhere (a pipe nobody reads would
    /// block a chatty child); the rest of standard output is drained, so a
    /// later line can neither block the child nor meet a closed pipe.
    pub(crate) fn start(args: &[&str]) -> Spawned {
        let mut child = framecheck(args)
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn framecheck");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = tx.send(line);
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });
        // Built before the checks, so a panic below still kills the child.
        let mut spawned = Spawned {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        };
        let line = rx
            .recv_timeout(START_TIMEOUT)
            .unwrap_or_else(|e| panic!("no address line within {START_TIMEOUT:?}: {e}"));
        spawned.addr = line
            .trim_end()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("first line {line:?}"))
            .parse()
            .expect("an address");
        spawned
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
