//! `framecheck fuzz`: framing-aware fuzzing of a live server
//! (`framecheck-netfuzz`), and `framecheck replay --input FILE`.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use framecheck_event::{RunEvent, Summary, Verdict};
use framecheck_netfuzz::target::{AtAddr, Exec, Target};
use framecheck_netfuzz::{Config, Finding, Status, fuzz, replay};

use crate::exit;
use crate::reports::ReportArgs;
use crate::run::{clock_seed, resolve, target};

/// Arguments of `framecheck fuzz`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Exit status: 0 nothing found, 1 findings (each saved as a replay file),
2 usage error or unreachable target.

Sessions of messages (framing lies at the boundary values, dictionary
payloads, repeats up to thousands, every cut generator of the simulator,
FIN/RST/idle endings) go to the server over reused connections;
replies are checked against the echo as soon as the framing says they are
complete. A crash or hang is pinned to the sessions that cause it, confirmed
2 of 3 times against a restarted server (with --exec), minimized, and saved.

Examples:
  framecheck serve --framing u16be --bug dies-on-format-string --listen 127.0.0.1:4000 &
  framecheck fuzz 127.0.0.1:4000 --framing u16be --seconds 30 --seed 1
  framecheck fuzz 127.0.0.1:4000 --framing u16be --jobs 2 \\
      --exec 'framecheck serve --framing u16be --listen 127.0.0.1:4000'
  framecheck replay 127.0.0.1:4000 --input framecheck-findings/crash-crash-1a2b3c4d.json")]
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent command-line switches"
)]
pub(crate) struct Args {
    /// The server: HOST:PORT, `[IPv6]:PORT` or NAME:PORT (any host you name,
    /// as for `run`).
    addr: String,
    /// Framing spec, e.g. `u32be,max=1MiB`, `crlf`, `varint,offset=1`.
    #[arg(
        long,
        short = 'f',
        required_unless_present = "profile",
        conflicts_with = "profile"
    )]
    framing: Option<String>,
    /// Talk a protocol instead of expecting an echo: messages from a
    /// profile's exchanges (redis, mqtt, dns, or a TOML file); its replies
    /// are not echoes, so only crashes and hangs are judged (the liveness
    /// probe, after every session that did not end cleanly).
    #[arg(long, value_name = "NAME|FILE")]
    profile: Option<String>,
    /// How long to fuzz, in seconds.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Seed for every random choice (default: from the clock, printed).
    #[arg(long)]
    seed: Option<u64>,
    /// Parallel connections.
    #[arg(long, default_value_t = 1)]
    jobs: usize,
    /// Load the corpus from DIR and save it there (one JSON session a file).
    #[arg(long, value_name = "DIR")]
    corpus: Option<PathBuf>,
    /// Write a replay file per finding into DIR.
    #[arg(long, value_name = "DIR", default_value = "framecheck-findings")]
    findings: PathBuf,
    /// Start the server with this shell command (it must listen on ADDR);
    /// restart it after a crash, recording its exit status, signal and
    /// stderr tail.
    #[arg(long, value_name = "CMD")]
    exec: Option<String>,
    /// Keep sessions that make the server do something new (reply shape,
    /// length class, frame count, ending, latency bucket) and mutate those.
    /// Off by default: on the reference bugs it found nothing sooner and
    /// runs fewer sessions a second (reports/fuzz-network.md).
    #[arg(long, conflicts_with = "no_feedback")]
    feedback: bool,
    /// Mutate fresh sessions only (the default).
    #[arg(long)]
    no_feedback: bool,
    /// Save findings as found, without minimizing them.
    #[arg(long)]
    no_minimize: bool,
    /// Stop after this many distinct findings.
    #[arg(long, value_name = "N")]
    stop_after: Option<usize>,
    /// How long owed replies may take, in milliseconds.
    #[arg(long, default_value_t = 1000, value_name = "MS")]
    reply_timeout: u64,
    /// Print each finding's evidence in full.
    #[arg(long, short = 'v')]
    verbose: bool,
    #[command(flatten)]
    reports: ReportArgs,
}

/// `framecheck fuzz`.
pub(crate) fn run(args: &Args) -> u8 {
    let Some((spec, profile)) = target("fuzz", args.framing.as_deref(), args.profile.as_deref())
    else {
        return exit::USAGE;
    };
    let Some(addr) = resolve("fuzz", &args.addr) else {
        return exit::USAGE;
    };
    if args.jobs == 0 {
        eprintln!("framecheck fuzz: --jobs must be at least 1");
        return exit::USAGE;
    }
    let seed = args.seed.unwrap_or_else(clock_seed);
    let mut config = Config::new(spec.clone());
    config.profile = profile;
    config.seed = seed;
    config.duration = Duration::from_secs(args.seconds);
    config.jobs = args.jobs;
    config.feedback = args.feedback && !args.no_feedback;
    config.minimize = !args.no_minimize;
    config.corpus.clone_from(&args.corpus);
    config.findings = Some(args.findings.clone());
    config.stop_after = args.stop_after;
    config.reply_timeout = Duration::from_millis(args.reply_timeout.max(1));
    let mut target: Box<dyn Target> = match &args.exec {
        Some(cmd) => match Exec::start(cmd, addr) {
            Ok(e) => Box::new(e),
            Err(e) => {
                eprintln!("framecheck fuzz: cannot start the server: {e}");
                return exit::USAGE;
            }
        },
        None => Box::new(AtAddr(addr)),
    };
    eprintln!(
        "framecheck fuzz: {addr} framing {spec}, seed {seed}, {} s, {} jobs",
        args.seconds, args.jobs
    );
    let live = std::io::stderr().is_terminal();
    let mut status = |s: &Status| {
        if live {
            let mut err = std::io::stderr().lock();
            let _ = write!(
                err,
                "\r\x1b[2K{:>5.1} s  {:>8.0} execs/s  {} sessions  corpus {}  findings {}",
                s.elapsed.as_secs_f64(),
                s.rate(),
                s.sessions,
                s.corpus,
                s.findings
            );
            let _ = err.flush();
        }
    };
    let outcome = match fuzz(&config, &mut *target, &mut status) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("framecheck fuzz: {e}");
            return exit::USAGE;
        }
    };
    if live {
        eprint!("\r\x1b[2K");
    }
    #[expect(clippy::cast_precision_loss, reason = "a rate for display")]
    let rate = outcome.sessions as f64 / outcome.elapsed.as_secs_f64().max(1e-9);
    eprintln!(
        "framecheck fuzz: {} sessions in {:.1} s ({rate:.0}/s), corpus {}, {} findings",
        outcome.sessions,
        outcome.elapsed.as_secs_f64(),
        outcome.corpus,
        outcome.findings.len()
    );
    if let Some(why) = &outcome.stopped {
        eprintln!("framecheck fuzz: stopped early: {why}");
    }
    let report = args.reports.attach(args.verbose, None, |reporter| {
        Ok::<_, String>(report(
            reporter,
            &args.addr,
            &spec.to_string(),
            seed,
            &outcome,
        ))
    });
    match report {
        Ok(_) if outcome.findings.is_empty() => exit::OK,
        Ok(_) => exit::FAILED,
        Err(e) => {
            eprintln!("framecheck fuzz: {e}");
            exit::USAGE
        }
    }
}

/// The findings as run events: one failed case each (or one passed case
/// saying how much was tried), for every report format.
fn report(
    reporter: &mut dyn framecheck_event::Reporter,
    addr: &str,
    spec: &str,
    seed: u64,
    outcome: &framecheck_netfuzz::Outcome,
) -> Summary {
    reporter.event(&RunEvent::RunStarted {
        target: addr.to_owned(),
        framing: spec.to_owned(),
        seed,
        cases: outcome.findings.len().max(1),
    });
    let mut summary = Summary::default();
    for (i, f) in outcome.findings.iter().enumerate() {
        let line = outcome.saved.get(i).map_or_else(
            || "(replay file not written)".to_owned(),
            |p| format!("framecheck replay {addr} --input {}", p.display()),
        );
        let mut case = f.to_case(line);
        case.evidence.notes.push(format!(
            "session: {}",
            serde_json::to_string(&f.session).unwrap_or_default()
        ));
        reporter.event(&RunEvent::CaseStarted {
            id: case.id.clone(),
        });
        summary.count(Verdict::Fail);
        reporter.event(&RunEvent::CaseFinished(case));
    }
    if outcome.findings.is_empty() {
        let case = framecheck_event::CaseResult {
            id: "fuzz/sessions".to_owned(),
            group: "fuzz".to_owned(),
            requirement: "No session makes the server crash, hang, or answer other than the echo."
                .to_owned(),
            verdict: Verdict::Pass,
            message: format!("nothing found in {} sessions", outcome.sessions),
            evidence: framecheck_event::Evidence {
                seed,
                ..framecheck_event::Evidence::default()
            },
            replay: String::new(),
            duration: outcome.elapsed,
        };
        reporter.event(&RunEvent::CaseStarted {
            id: case.id.clone(),
        });
        summary.count(Verdict::Pass);
        reporter.event(&RunEvent::CaseFinished(case));
    }
    summary.aborted.clone_from(&outcome.stopped);
    summary.exit_code = summary.compute_exit_code();
    reporter.event(&RunEvent::RunFinished {
        summary: summary.clone(),
        duration: outcome.elapsed,
    });
    summary
}

/// `framecheck replay ADDR --input FILE`: rerun one finding; 1 when it
/// fails again.
pub(crate) fn replay_file(addr: &str, input: &Path, exec: Option<&str>) -> u8 {
    let (finding, spec): (Finding, _) = match Finding::load(input) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("framecheck replay: {e}");
            return exit::USAGE;
        }
    };
    let profile = match &finding.profile {
        Some(name) => match framecheck_runner::profile::Profile::load(name) {
            Ok(p) => Some(std::sync::Arc::new(p)),
            Err(e) => {
                eprintln!("framecheck replay: the finding's profile: {e}");
                return exit::USAGE;
            }
        },
        None => None,
    };
    let Some(addr) = resolve("replay", addr) else {
        return exit::USAGE;
    };
    let mut target: Box<dyn Target> = match exec {
        Some(cmd) => match Exec::start(cmd, addr) {
            Ok(e) => Box::new(e),
            Err(e) => {
                eprintln!("framecheck replay: cannot start the server: {e}");
                return exit::USAGE;
            }
        },
        None => Box::new(AtAddr(addr)),
    };
    if std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(3)).is_err() {
        eprintln!("framecheck replay: cannot reach the server at {addr}");
        return exit::USAGE;
    }
    println!(
        "replaying {} ({}: {}), {} session(s), framing {spec}",
        input.display(),
        finding.kind,
        finding.what,
        finding.before.len() + 1
    );
    let Some(what) = replay(&finding, &spec, profile.as_ref(), &mut *target) else {
        println!("passes: the server no longer fails this finding");
        return exit::OK;
    };
    println!("FAILS AGAIN: {what}");
    if let Some(pm) = target.post_mortem().filter(|_| exec.is_some()) {
        println!("server: {pm}");
    }
    exit::FAILED
}
