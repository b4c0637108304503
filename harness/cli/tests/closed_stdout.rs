//! A reader that leaves early (`framecheck run ... --list | head -1`) is a
//! normal end: every listing command exits 0 with no panic when its standard
//! output is closed before it writes a byte, and a run's reporters keep their
//! exit code.

use std::io::Read;
use std::net::TcpListener;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(10);

/// Run `framecheck ARGS` with its standard output already closed; its exit
/// status and standard error, or `None` if it outlived [`TIMEOUT`] (killed).
fn with_stdout_closed(args: &[&str]) -> Option<(ExitStatus, String)> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_framecheck"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn framecheck");
    // The only read end of the pipe: every write the child makes fails.
    drop(child.stdout.take());
    let mut stderr = child.stderr.take().expect("stderr");
    let reader = thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        thread::sleep(Duration::from_millis(10));
    };
    Some((status, reader.join().expect("stderr reader")))
}

#[test]
fn listing_commands_end_cleanly_on_a_closed_stdout() {
    let table: &[(&str, &[&str])] = &[
        // Listing needs no server: port 9 (discard) is never contacted.
        (
            "run_list",
            &["run", "127.0.0.1:9", "--framing", "line", "--list"],
        ),
        (
            "run_list_profile",
            &["run", "127.0.0.1:9", "--profile", "redis", "--list"],
        ),
        ("serve_list_bugs", &["serve", "--list-bugs"]),
        ("help_schedules", &["help", "schedules"]),
        ("schedules", &["schedules"]),
        ("run_help", &["run", "--help"]),
    ];
    for (name, args) in table {
        let (status, stderr) = with_stdout_closed(args)
            .unwrap_or_else(|| panic!("{name}: still running after {TIMEOUT:?}"));
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        assert_eq!(status.code(), Some(0), "{name}: {status}; stderr: {stderr}");
    }
}

#[test]
fn a_run_keeps_its_exit_code_on_a_closed_stdout() {
    // A loopback port that was free a moment ago: the run is refused, so it
    // aborts as unreachable (exit 2) after writing its header and summary.
    let addr = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .to_string();
    let table: &[(&str, &[&str])] = &[
        ("terminal_reporter", &["run", &addr, "--framing", "line"]),
        (
            "quiet_summary",
            &["run", &addr, "--framing", "line", "--quiet"],
        ),
    ];
    for (name, args) in table {
        let (status, stderr) = with_stdout_closed(args)
            .unwrap_or_else(|| panic!("{name}: still running after {TIMEOUT:?}"));
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        assert_eq!(status.code(), Some(2), "{name}: {status}; stderr: {stderr}");
    }
}
