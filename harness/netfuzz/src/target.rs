//! What is fuzzed: a server at an address (which the fuzzer cannot bring
//! back after a crash), or one it starts itself with `--exec` and restarts,
//! keeping the exit status, signal and stderr tail of each death.

use std::collections::VecDeque;
use std::io::Read as _;
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

/// How much of a server's stderr is kept.
pub const STDERR_TAIL: usize = 4096;

/// How long a started server may take to accept connections.
pub const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A server under test.
pub trait Target: Send {
    /// Where it listens now.
    fn addr(&self) -> SocketAddr;
    /// Stop it (if it still runs) and start it again; `None` when this
    /// target cannot be restarted.
    fn restart(&mut self) -> Option<SocketAddr>;
    /// What its last death left: exit status or signal, and stderr's tail
    /// (`None` when there is nothing to tell).
    fn post_mortem(&mut self) -> Option<String>;
    /// Whether [`Target::restart`] works.
    fn restartable(&self) -> bool;
}

/// A server someone else runs: never restarted.
#[derive(Debug, Clone, Copy)]
pub struct AtAddr(pub SocketAddr);

impl Target for AtAddr {
    fn addr(&self) -> SocketAddr {
        self.0
    }
    fn restart(&mut self) -> Option<SocketAddr> {
        None
    }
    fn post_mortem(&mut self) -> Option<String> {
        None
    }
    fn restartable(&self) -> bool {
        false
    }
}

/// A server started by a shell command (`sh -c CMD`) that listens on a
/// known loopback address.
#[derive(Debug)]
pub struct Exec {
    command: String,
    addr: SocketAddr,
    child: Option<Child>,
    stderr: Arc<Mutex<VecDeque<u8>>>,
    /// Starts so far.
    pub starts: usize,
}

impl Exec {
    /// Start `command` and wait until `addr` accepts connections.
    pub fn start(command: &str, addr: SocketAddr) -> std::io::Result<Exec> {
        let mut e = Exec {
            command: command.to_owned(),
            addr,
            child: None,
            stderr: Arc::new(Mutex::new(VecDeque::new())),
            starts: 0,
        };
        e.spawn()?;
        Ok(e)
    }

    fn spawn(&mut self) -> std::io::Result<()> {
        lock(&self.stderr).clear();
        // Its own process group, so a restart ends whatever the command
        // started, not only the shell.
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(&self.command)
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        if let Some(mut err) = child.stderr.take() {
            let tail = Arc::clone(&self.stderr);
            thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = err.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let mut t = lock(&tail);
                    t.extend(&buf[..n]);
                    while t.len() > STDERR_TAIL {
                        t.pop_front();
                    }
                }
            });
        }
        self.child = Some(child);
        self.starts += 1;
        let deadline = Instant::now() + START_TIMEOUT;
        while Instant::now() < deadline {
            if TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                return Err(std::io::Error::other(format!(
                    "the server exited at start ({status}): {}",
                    self.stderr_tail()
                )));
            }
            thread::sleep(Duration::from_millis(5));
        }
        Err(std::io::Error::other(format!(
            "the server did not accept connections on {} within {} s",
            self.addr,
            START_TIMEOUT.as_secs()
        )))
    }

    fn stderr_tail(&self) -> String {
        let t = lock(&self.stderr);
        let bytes: Vec<u8> = t.iter().copied().collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// End the server's process group (the shell and what it started),
    /// by its id, and reap the shell.
    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", c.id())])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            let _ = c.kill();
            let _ = c.wait();
            // The server itself may outlive the shell by a moment: until
            // its port refuses, a "restarted" server would be the old one.
            let deadline = Instant::now() + START_TIMEOUT;
            while Instant::now() < deadline
                && TcpStream::connect_timeout(&self.addr, Duration::from_millis(100)).is_ok()
            {
                thread::sleep(Duration::from_millis(2));
            }
        }
    }

    /// The exit status of the server if it has exited (reaped).
    fn exited(&mut self) -> Option<std::process::ExitStatus> {
        let c = self.child.as_mut()?;
        let deadline = Instant::now() + Duration::from_millis(500);
        loop {
            match c.try_wait() {
                Ok(Some(s)) => return Some(s),
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(5)),
                _ => return None,
            }
        }
    }
}

impl Target for Exec {
    fn addr(&self) -> SocketAddr {
        self.addr
    }

    fn restart(&mut self) -> Option<SocketAddr> {
        self.kill();
        self.spawn().ok()?;
        Some(self.addr)
    }

    fn post_mortem(&mut self) -> Option<String> {
        use std::os::unix::process::ExitStatusExt as _;
        let status = self.exited();
        let how = match status {
            Some(s) => match (s.code(), s.signal()) {
                (Some(code), _) => format!("exited with status {code}"),
                (None, Some(sig)) => format!("killed by signal {sig}"),
                _ => format!("ended: {s}"),
            },
            None => "still running (hung)".to_owned(),
        };
        // Give the reader thread a moment to take the last stderr bytes.
        thread::sleep(Duration::from_millis(20));
        let tail = self.stderr_tail();
        Some(if tail.trim().is_empty() {
            how
        } else {
            format!("{how}; stderr tail:\n{tail}")
        })
    }

    fn restartable(&self) -> bool {
        true
    }
}

impl Drop for Exec {
    fn drop(&mut self) {
        self.kill();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
