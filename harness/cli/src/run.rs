//! `framecheck run` and `framecheck replay`: the conformance runner.

use std::io::{self, Write as _};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;

use framecheck_framing::Spec;
use framecheck_report::Terminal;
use framecheck_runner::profile::Profile;
use framecheck_runner::{self as runner, Case, Options, Pieces, ReplaySchedule};

use crate::exit;
use crate::reports::ReportArgs;

/// Arguments of `framecheck run`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Exit status: 0 conformant (warnings allowed), 1 non-conformant, 2 usage or
configuration error or unreachable target, 4 no case selected.

Every failure prints its requirement, what was expected and observed, and a
one-line `framecheck replay ...` command that reruns exactly that case.

Examples:
  # an echo server: each message must come back framed the same
  framecheck run 127.0.0.1:4000 --framing u16be
  framecheck run 127.0.0.1:5432 --framing u32be,offset=1,adjust=-4 --cases 'boundary/*'
  framecheck run 127.0.0.1:4000 --framing u16be --list

  # a real protocol, through a profile (built in: redis, mqtt, dns, postgres, http; or a TOML file)
  framecheck run 127.0.0.1:6379 --profile redis
  framecheck run 127.0.0.1:9000 --profile my-protocol.toml

  # in CI: every report format, known deviations, no live output
  framecheck run 127.0.0.1:1883 --profile mqtt --seed 1 --quiet \\
      --expect known-deviations.txt --json out/mqtt.json --junit out/mqtt.xml \\
      --html out/mqtt.html --markdown \"$GITHUB_STEP_SUMMARY\"")]
pub(crate) struct RunArgs {
    #[command(flatten)]
    server: Server,
    /// Print the selected cases with their requirements, run nothing.
    #[arg(long)]
    list: bool,
    #[command(flatten)]
    common: Common,
    #[command(flatten)]
    reports: ReportArgs,
}

/// Arguments of `framecheck replay`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Reruns exactly one case, as printed on its failure: the same seed gives the
same messages and cut points; --trial and --schedule rerun one (shrunk)
random schedule, a `+`-separated list of piece sizes.

With --input FILE, reruns one `framecheck fuzz` finding from its replay file
(the file names the framing): exit 1 when it fails again, 0 when it does not.")]
pub(crate) struct ReplayArgs {
    #[command(flatten)]
    server: ReplayServer,
    /// The case id.
    #[arg(long, required_unless_present = "input", conflicts_with = "input")]
    case: Option<String>,
    /// A `framecheck fuzz` replay file (JSON) to rerun instead of a case.
    #[arg(long, value_name = "FILE")]
    input: Option<std::path::PathBuf>,
    /// With --input: start the server with this shell command first (see
    /// `framecheck fuzz --exec`).
    #[arg(long, value_name = "CMD", requires = "input")]
    exec: Option<String>,
    /// The trial of a random-schedules case.
    #[arg(long, requires = "schedule")]
    trial: Option<usize>,
    /// The piece sizes of that trial, e.g. `5+1+12`.
    #[arg(long)]
    schedule: Option<String>,
    #[command(flatten)]
    common: Common,
}

/// The server and how to talk to it, shared by `run` and `replay`.
#[derive(Debug, clap::Args)]
struct Server {
    /// The server: HOST:PORT, `[IPv6]:PORT` or NAME:PORT (any host you
    /// name; framecheck's own servers listen on loopback).
    addr: String,
    /// Framing spec, e.g. `u32be,max=1MiB`, `crlf`, `varint,offset=1`.
    #[arg(
        long,
        short = 'f',
        required_unless_present = "profile",
        conflicts_with = "profile"
    )]
    framing: Option<String>,
    /// Talk a protocol instead of expecting an echo: a built-in profile
    /// (redis, mqtt, dns, postgres, http) or a profile TOML file (for replay, the one printed
    /// in the replay line).
    #[arg(long, value_name = "NAME|FILE")]
    profile: Option<String>,
}

impl ReplayArgs {
    /// With `--input`: the address, the replay file and the `--exec`
    /// command, for `framecheck fuzz`'s replay.
    pub(crate) fn fuzz_input(&self) -> Option<(&str, &std::path::Path, Option<&str>)> {
        let input = self.input.as_deref()?;
        Some((&self.server.addr, input, self.exec.as_deref()))
    }
}

/// The server of `framecheck replay`: as for `run`, but a replay file
/// names its own framing.
#[derive(Debug, clap::Args)]
struct ReplayServer {
    /// The server, HOST:PORT on loopback (127.0.0.1 or localhost).
    addr: String,
    /// Framing spec, e.g. `u32be,max=1MiB`, `crlf`, `varint,offset=1`.
    #[arg(
        long,
        short = 'f',
        required_unless_present_any = ["profile", "input"],
        conflicts_with = "profile"
    )]
    framing: Option<String>,
    /// Talk a protocol instead of expecting an echo: a built-in profile
    /// (redis, mqtt, dns, postgres, http) or a profile TOML file (for replay, the one printed
    /// in the replay line).
    #[arg(long, value_name = "NAME|FILE")]
    profile: Option<String>,
}

/// Options shared by `run` and `replay`.
#[derive(Debug, clap::Args)]
struct Common {
    /// Select cases by id glob (`*` any run of characters, `?` one); a bare
    /// group name selects the group. Repeatable.
    #[arg(long = "cases", value_name = "GLOB")]
    cases: Vec<String>,
    /// Leave out cases matching this glob. Repeatable.
    #[arg(long = "skip", value_name = "GLOB")]
    skip: Vec<String>,
    /// Seed for every random choice (default: from the clock, printed).
    #[arg(long)]
    seed: Option<u64>,
    /// Multiply every deadline by this (e.g. 3 on a slow machine).
    #[arg(long, default_value_t = 1.0)]
    time_scale: f64,
    /// Trials of the random-schedule cases.
    #[arg(long, default_value_t = 12)]
    trials: usize,
    /// Connect/exchange/close cycles of churn/connect-cycles.
    #[arg(long, default_value_t = 2000)]
    churn: usize,
    /// Print the connection timelines of failures.
    #[arg(long, short = 'v')]
    verbose: bool,
}

impl Common {
    fn options(&self) -> Options {
        Options {
            seed: self.seed.unwrap_or_else(clock_seed),
            time_scale: self.time_scale,
            cases: self.cases.clone(),
            skip: self.skip.clone(),
            trials: self.trials,
            churn_cycles: self.churn,
            ..Options::default()
        }
    }
}

/// A seed from the clock, for runs that did not fix one.
pub(crate) fn clock_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() ^ u64::from(d.subsec_nanos()))
        % 1_000_000
}

/// `framecheck run`.
pub(crate) fn run(args: &RunArgs) -> u8 {
    let Some((spec, profile)) = target(
        "run",
        args.server.framing.as_deref(),
        args.server.profile.as_deref(),
    ) else {
        return exit::USAGE;
    };
    let mut options = args.common.options();
    options.profile = profile;
    if args.list {
        let cases = runner::select(&spec, &options);
        match list(&cases) {
            Ok(()) => {}
            // A closed pipe (`| head`) is the reader's choice.
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return exit::OK,
            Err(e) => {
                eprintln!("framecheck run: cannot write to standard output: {e}");
                return exit::USAGE;
            }
        }
        return if cases.is_empty() {
            code(framecheck_event::exit::NO_CASE_SELECTED)
        } else {
            exit::OK
        };
    }
    let all = runner::select(
        &spec,
        &Options {
            profile: options.profile.clone(),
            ..Options::default()
        },
    );
    let ids = all
        .iter()
        .map(|c| c.id.as_str())
        .chain([runner::BEFORE_SUITE]);
    let expectations = match args.reports.expectations(ids) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("framecheck run: {e}");
            return exit::USAGE;
        }
    };
    let Some(addr) = resolve("run", &args.server.addr) else {
        return exit::USAGE;
    };
    let result = args
        .reports
        .attach(args.common.verbose, expectations.as_ref(), |reporter| {
            runner::run(addr, &spec, &options, reporter)
        });
    match result {
        Ok(summary) => code(summary.exit_code),
        Err(e) => {
            eprintln!("framecheck run: {e}");
            exit::USAGE
        }
    }
}

/// Print `cases`, one a line, with their requirements (`run --list`).
fn list(cases: &[Case]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    for c in cases {
        match &c.skip {
            None => writeln!(out, "{:<40} {}", c.id, c.requirement)?,
            Some(why) => writeln!(out, "{:<40} {} [skip: {why}]", c.id, c.requirement)?,
        }
    }
    out.flush()
}

/// The request spec and profile from `--framing` or `--profile` (clap makes
/// exactly one present).
pub(crate) fn target(
    cmd: &str,
    framing: Option<&str>,
    profile: Option<&str>,
) -> Option<(Spec, Option<Arc<Profile>>)> {
    match (framing, profile) {
        (_, Some(name)) => match Profile::load(name) {
            Ok(p) => Some((p.request.clone(), Some(Arc::new(p)))),
            Err(e) => {
                eprintln!("framecheck {cmd}: {e}");
                None
            }
        },
        (Some(text), None) => {
            let spec = parse_spec(cmd, text)?;
            Some(match http_profile_for(&spec) {
                Some(p) => {
                    eprintln!(
                        "framecheck {cmd}: an HTTP server answers requests, it does not echo them: using the built-in http profile's requests (GET /, HEAD /, a GET that answers 404, a POST) with the framing {spec}; give --profile FILE for requests of your own"
                    );
                    (spec, Some(Arc::new(p)))
                }
                None => (spec, None),
            })
        }
        (None, None) => {
            eprintln!("framecheck {cmd}: give --framing SPEC or --profile NAME");
            None
        }
    }
}

/// For `--framing http1:request` without a profile: the built-in `http`
/// profile, its requests framed by `spec` (the user's limits kept). The
/// echo cases cannot run against an HTTP server.
fn http_profile_for(spec: &Spec) -> Option<Profile> {
    match &spec.kind {
        framecheck_framing::Kind::Http1(h)
            if h.role == framecheck_framing::http1::Role::Request =>
        {
            let mut p = Profile::builtin("http")?;
            p.request = spec.clone();
            Some(p)
        }
        _ => None,
    }
}

/// `framecheck replay`.
pub(crate) fn replay(args: &ReplayArgs) -> u8 {
    let Some(case) = args.case.clone() else {
        eprintln!("framecheck replay: give --case ID or --input FILE");
        return exit::USAGE;
    };
    let Some((spec, profile)) = target(
        "replay",
        args.server.framing.as_deref(),
        args.server.profile.as_deref(),
    ) else {
        return exit::USAGE;
    };
    let mut options = args.common.options();
    options.profile = profile;
    options.cases = vec![case];
    if let Some(text) = &args.schedule {
        match text.parse::<Pieces>() {
            Ok(pieces) => {
                options.replay = Some(ReplaySchedule {
                    trial: args.trial.unwrap_or(0),
                    pieces,
                });
            }
            Err(e) => {
                eprintln!("framecheck replay: {e}");
                return exit::USAGE;
            }
        }
    }
    let Some(addr) = resolve("replay", &args.server.addr) else {
        return exit::USAGE;
    };
    execute("replay", addr, &spec, &options, true)
}

fn execute(cmd: &str, addr: SocketAddr, spec: &Spec, options: &Options, verbose: bool) -> u8 {
    let mut terminal = Terminal::stdout().verbose(verbose);
    match runner::run(addr, spec, options, &mut terminal) {
        Ok(summary) => code(summary.exit_code),
        Err(e) => {
            eprintln!("framecheck {cmd}: {e}");
            exit::USAGE
        }
    }
}

fn parse_spec(cmd: &str, text: &str) -> Option<Spec> {
    match text.parse() {
        Ok(spec) => Some(spec),
        Err(e) => {
            eprintln!("framecheck {cmd}: {e}");
            None
        }
    }
}

/// Resolve HOST:PORT (an IPv4 address, `[IPv6]:PORT`, or a host name) to the
/// address to test. A name with several addresses (`localhost` is both
/// `127.0.0.1` and `::1`) gives the first that takes a connection, as a
/// client that tries each address in turn would; if none does, the first, so
/// that the run reports it unreachable.
pub(crate) fn resolve(cmd: &str, text: &str) -> Option<SocketAddr> {
    let addrs: Vec<SocketAddr> = match text.to_socket_addrs() {
        Ok(a) => a.collect(),
        Err(e) => {
            eprintln!("framecheck {cmd}: cannot resolve {text:?} (want HOST:PORT): {e}");
            return None;
        }
    };
    let picked = pick(&addrs);
    if picked.is_none() {
        eprintln!("framecheck {cmd}: {text:?} resolves to no address");
    }
    picked
}

/// The address of `addrs` to test: the only one, or the first that takes a
/// connection (closed at once), or else the first.
fn pick(addrs: &[SocketAddr]) -> Option<SocketAddr> {
    let &first = addrs.first()?;
    if addrs.len() == 1 {
        return Some(first);
    }
    let answering = addrs
        .iter()
        .copied()
        .find(|a| TcpStream::connect_timeout(a, RESOLVE_CONNECT).is_ok());
    Some(answering.unwrap_or(first))
}

/// How long `resolve` tries each address of a name that has several.
const RESOLVE_CONNECT: std::time::Duration = std::time::Duration::from_secs(1);

/// An io exit code as the process's.
pub(crate) fn code(c: i32) -> u8 {
    u8::try_from(c).unwrap_or(exit::USAGE)
}

#[cfg(test)]
mod tests {
    use std::net::{SocketAddr, TcpListener};

    use super::pick;

    #[test]
    fn of_several_addresses_the_one_that_answers_is_picked() {
        let listening = TcpListener::bind("127.0.0.1:0").expect("bind");
        let up = listening.local_addr().expect("addr");
        let down: SocketAddr = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a port that was just free");
        assert_eq!(pick(&[down, up]), Some(up));
        assert_eq!(pick(&[up, down]), Some(up));
        // None answers: the first, for the run to report unreachable.
        drop(listening);
        assert_eq!(pick(&[down, up]), Some(down));
        assert_eq!(pick(&[]), None);
    }
}
