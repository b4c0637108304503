//! The runner against servers the project did not write: small Python
//! servers in `tests/independent/`, written the way people write them,
//! some correct and some with one classic framing bug each. Correct ones
//! must get no failure (warnings allowed); each buggy one must fail the
//! cases that target its bug, and nothing but the cases its bug explains.
//! `reports/independent-servers.md` has the results.
//!
//! Needs `python3` (`CPython` 3.11, standard library only); without it the
//! test prints why and passes, except in CI (`CI` set) or with
//! `FRAMECHECK_REQUIRE_PREREQS=1`, where it fails.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use framecheck_runner::{self as runner, Collect, Options, Verdict};

/// What the runner must say about a server.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// No failure (warnings allowed).
    Conformant,
    /// At least one `targets` case fails (on a loaded machine a cut may
    /// reach the server inside one read, so a lockstep case can miss what
    /// its pipelined twin catches); any other failure must be in `also`,
    /// each a consequence of the same bug (the reason is in the scenario).
    Fails {
        targets: &'static [&'static str],
        also: &'static [&'static str],
    },
}

/// One server, its framing, and the verdict it must get.
struct Scenario {
    script: &'static str,
    /// Arguments after `--port 0`.
    args: &'static [&'static str],
    framing: &'static str,
    expect: Expect,
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        script: "line_asyncio_ok.py",
        args: &[],
        framing: "line",
        expect: Expect::Conformant,
    },
    Scenario {
        script: "crlf_socketserver_ok.py",
        args: &[],
        framing: "crlf",
        expect: Expect::Conformant,
    },
    Scenario {
        script: "u16be_ok.py",
        args: &[],
        framing: "u16be",
        expect: Expect::Conformant,
    },
    Scenario {
        script: "selectors_ok_u32be.py",
        args: &[],
        framing: "u32be,max=1MiB",
        expect: Expect::Conformant,
    },
    Scenario {
        script: "varint_asyncio_ok.py",
        args: &[],
        framing: "varint,offset=1,max=1MiB",
        expect: Expect::Conformant,
    },
    // One reply per recv(): every message cut across reads gets several
    // replies; a partial line at EOF gets one; no line means no limit.
    Scenario {
        script: "line_recv_is_message.py",
        args: &[],
        framing: "line",
        expect: Expect::Fails {
            targets: &[
                "boundary/byte-at-a-time/lockstep",
                "boundary/split-every-point/lockstep",
            ],
            also: &[
                "boundary/byte-at-a-time/pipelined",
                "boundary/split-every-point/pipelined",
                "boundary/straddle/*",
                "boundary/random-schedules/*",
                "boundary/large-message",
                "boundary/slow-reader",
                "boundary/empty-payload/*",
                "boundary/coalesced",
                "eof/mid-payload",
                "half-close/mid-message",
                "limits/over-long-frame",
            ],
        },
    },
    // CRLF searched in the newest read only: a message whose delimiter is
    // cut (also by one-byte and random cuts) waits for a later read.
    Scenario {
        script: "crlf_split_delimiter.py",
        args: &[],
        framing: "crlf",
        expect: Expect::Fails {
            targets: &[
                "boundary/split-delimiter/lockstep",
                "boundary/split-delimiter/pipelined",
            ],
            also: &[
                "boundary/byte-at-a-time/*",
                "boundary/split-every-point/*",
                "boundary/random-schedules/*",
            ],
        },
    },
    Scenario {
        script: "crlf_no_limit.py",
        args: &[],
        framing: "crlf",
        expect: Expect::Fails {
            targets: &["limits/over-long-frame"],
            also: &[],
        },
    },
    // The same with a 0.2 s idle timeout: it closes 0.2 s after an
    // over-long line stops coming, which once passed for refusing it (the
    // runner stopped sending and waited); now bytes keep coming, so the
    // idle timeout never fires and the connection stays open.
    Scenario {
        script: "crlf_no_limit.py",
        args: &["--idle-timeout", "0.2"],
        framing: "crlf",
        expect: Expect::Fails {
            targets: &["limits/over-long-frame"],
            also: &[],
        },
    },
    // recv(2) for the header: every cut inside the length field kills the
    // connection (also the idle client's, at once: no idle timeout).
    Scenario {
        script: "u16be_short_header.py",
        args: &[],
        framing: "u16be",
        expect: Expect::Fails {
            targets: &[
                "boundary/split-length-field/lockstep",
                "boundary/split-length-field/pipelined",
            ],
            also: &[
                "boundary/byte-at-a-time/*",
                "boundary/split-every-point/*",
                "boundary/random-schedules/*",
                "limits/idle-timeout",
            ],
        },
    },
    Scenario {
        script: "u32be_trusts_length.py",
        args: &[],
        framing: "u32be,max=1MiB",
        expect: Expect::Fails {
            targets: &["limits/length-over-max"],
            also: &[],
        },
    },
    Scenario {
        script: "selectors_ignores_short_writes.py",
        args: &[],
        framing: "line",
        expect: Expect::Fails {
            targets: &["boundary/slow-reader"],
            also: &[],
        },
    },
    Scenario {
        script: "threaded_one_client.py",
        args: &[],
        framing: "line",
        expect: Expect::Fails {
            targets: &["concurrency/stalled-client", "concurrency/many-clients"],
            also: &[],
        },
    },
    // Never closes: every case that waits for the server's EOF fails,
    // including the refusal of an over-long line.
    Scenario {
        script: "line_never_closes.py",
        args: &[],
        framing: "line",
        expect: Expect::Fails {
            targets: &["eof/after-connect", "eof/after-messages"],
            also: &["eof/mid-payload", "half-close/*", "limits/over-long-frame"],
        },
    },
];

/// Scenarios run side by side.
const WORKERS: usize = 4;

/// How long a script may take to print its port.
const START_DEADLINE: Duration = Duration::from_secs(10);

/// A running fixture server, killed when dropped (also on panic).
struct Fixture {
    child: Child,
    addr: SocketAddr,
}

impl Fixture {
    fn start(python: &str, script: &str, args: &[&str]) -> Fixture {
        let path = fixtures_dir().join(script);
        let mut child = Command::new(python)
            .arg(&path)
            .args(["--port", "0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{script}: cannot start {python}: {e}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        // From here on, Drop kills the child whatever happens.
        let mut fixture = Fixture {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        };
        let line = rx
            .recv_timeout(START_DEADLINE)
            .unwrap_or_else(|_| panic!("{script}: no port within {START_DEADLINE:?}"));
        let port: u16 = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{script}: first line is not a port: {line:?}"));
        fixture.addr.set_port(port);
        fixture
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/independent")
}

/// Whether a missing prerequisite fails the test rather than skipping it:
/// in CI (`CI` set and not `false`/`0`), or when
/// `FRAMECHECK_REQUIRE_PREREQS=1`.
fn required() -> bool {
    let set =
        |name: &str| std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    set("CI") || set("FRAMECHECK_REQUIRE_PREREQS")
}

/// `python3` if it runs, else why not.
fn python() -> Result<&'static str, String> {
    match Command::new("python3").arg("--version").output() {
        Ok(out) if out.status.success() => Ok("python3"),
        Ok(out) => Err(format!("python3 --version exited with {}", out.status)),
        Err(e) => Err(format!("python3 not found: {e}")),
    }
}

/// The run's options: a fixed seed, and fewer trials and churn cycles than
/// the default to keep the test short (a buggy server that never answers
/// costs a reply deadline per trial).
fn options() -> Options {
    Options {
        seed: 1,
        trials: 6,
        churn_cycles: 300,
        ..Options::default()
    }
}

/// `id` matches `pattern`, where a trailing `*` matches any rest.
fn id_matches(pattern: &str, id: &str) -> bool {
    pattern
        .strip_suffix('*')
        .map_or(pattern == id, |prefix| id.starts_with(prefix))
}

/// Run the suite against one scenario's server; what is wrong with the
/// verdicts (empty when they are as expected), and a summary line.
fn check(python: &str, s: &Scenario) -> (Vec<String>, String) {
    let started = Instant::now();
    let server = Fixture::start(python, s.script, s.args);
    let spec = s.framing.parse().expect("framing spec");
    let mut events = Collect::default();
    runner::run(server.addr, &spec, &options(), &mut events).expect("run");
    drop(server);
    let failed: Vec<String> = events
        .results()
        .filter(|r| r.verdict == Verdict::Fail)
        .map(|r| r.id.clone())
        .collect();
    let warned: Vec<String> = events
        .results()
        .filter(|r| r.verdict == Verdict::Warn)
        .map(|r| r.id.clone())
        .collect();
    let message = |id: &str| {
        events
            .results()
            .find(|r| r.id == id)
            .map_or(String::new(), |r| r.message.clone())
    };
    let mut wrong = Vec::new();
    for r in events.results() {
        if matches!(r.verdict, Verdict::Error | Verdict::NotRun) {
            wrong.push(format!(
                "{}: {} {}: {}",
                s.script, r.id, r.verdict, r.message
            ));
        }
    }
    let (targets, also) = match s.expect {
        Expect::Conformant => (&[][..], &[][..]),
        Expect::Fails { targets, also } => (targets, also),
    };
    if !targets.is_empty() && !targets.iter().any(|t| failed.iter().any(|id| id == t)) {
        wrong.push(format!(
            "{}: missed bug: none of {targets:?} failed",
            s.script
        ));
    }
    for id in &failed {
        let explained = targets.iter().chain(also).any(|p| id_matches(p, id));
        if !explained {
            wrong.push(format!(
                "{}: unexpected failure {id}: {}",
                s.script,
                message(id)
            ));
        }
    }
    let line = format!(
        "{:<36} {:<26} {:>5.1} s  fail: [{}]  warn: [{}]",
        [s.script]
            .iter()
            .chain(s.args)
            .copied()
            .collect::<Vec<_>>()
            .join(" "),
        s.framing,
        started.elapsed().as_secs_f64(),
        failed.join(", "),
        warned.join(", ")
    );
    (wrong, line)
}

#[test]
fn independent_servers_get_the_verdicts_their_code_deserves() {
    let python = match python() {
        Ok(p) => p,
        // In CI (`CI` set, as `.ci/run` runs) a missing interpreter is a
        // failure: a prerequisite that CI lacks must not pass as a skip.
        Err(why) if required() => {
            panic!("{why}; the independent servers need CPython 3, and CI must have it")
        }
        Err(why) => {
            println!("skipped: {why}; the independent servers need CPython 3");
            return;
        }
    };
    let started = Instant::now();
    // Four at a time, each worker taking the next scenario: side by side,
    // but not so many that a loaded machine turns deadlines into failures.
    let next = AtomicUsize::new(0);
    let mut outcomes: Vec<(usize, Vec<String>, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..WORKERS)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(sc) = SCENARIOS.get(i) else {
                            return done;
                        };
                        let (wrong, line) = check(python, sc);
                        done.push((i, wrong, line));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("scenario thread"))
            .collect()
    });
    outcomes.sort_by_key(|(i, _, _)| *i);
    for (_, _, line) in &outcomes {
        println!("{line}");
    }
    println!("all scenarios: {:.1} s", started.elapsed().as_secs_f64());
    let wrong: Vec<&String> = outcomes.iter().flat_map(|(_, w, _)| w).collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn every_fixture_script_is_in_the_table() {
    let mut scripts: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures dir")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| {
            std::path::Path::new(n)
                .extension()
                .is_some_and(|e| e == "py")
                && !n.starts_with('_')
        })
        .collect();
    scripts.sort();
    let mut listed: Vec<String> = SCENARIOS.iter().map(|s| s.script.to_owned()).collect();
    listed.sort();
    listed.dedup(); // a script may run in several rows, with other arguments
    assert_eq!(scripts, listed);
}
