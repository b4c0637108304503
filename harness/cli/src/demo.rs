//! `framecheck demo`: the whole idea in one command, with nothing else
//! installed. Starts the correct reference server and one with a classic
//! framing bug, runs the suite against both, and shows the difference.

use std::io::Write as _;
use std::time::Duration;

use framecheck_framing::Spec;
use framecheck_report::Terminal;
use framecheck_runner::{self as runner, Collect, Fanout, Options, Reporter, RunEvent, Verdict};
use framecheck_servers::{self as server, Bug, ServerConfig};

use crate::exit;

/// `println!` that survives a closed standard output (`framecheck demo |
/// head`): the rest of the text is dropped, the demo still runs, and its exit
/// code still says whether it worked.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// Arguments of `framecheck demo`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Exit status: 0 when the correct server passes and the buggy one fails (the
demo worked), 1 otherwise, 2 for a bad spec or a bug that does not apply.

Examples:
  framecheck demo
  framecheck demo --framing crlf --bug delim-in-one-read
  framecheck demo --framing tagged:A=4/V=u16be --bug crashes-on-unknown-tag")]
pub(crate) struct Args {
    /// Framing of both servers.
    #[arg(long, short = 'f', default_value = "u32be,max=1MiB")]
    framing: String,
    /// The bug of the second server (see `framecheck serve --list-bugs`).
    #[arg(long, default_value = "header-in-one-recv")]
    bug: String,
    /// Seed for every random choice.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print the connection timelines of failures.
    #[arg(long, short = 'v')]
    verbose: bool,
}

/// The servers' idle timeout: short, so `limits/idle-timeout` has something
/// to measure within the suite's budget.
const IDLE: Duration = Duration::from_millis(500);

/// Run the demo and return its exit code.
pub(crate) fn run(args: &Args) -> u8 {
    let spec: Spec = match args.framing.parse() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("framecheck demo: {e}");
            return exit::USAGE;
        }
    };
    let bug: Bug = match args.bug.parse() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("framecheck demo: {e}");
            return exit::USAGE;
        }
    };
    if let Some(why) = bug.inapplicable(&spec) {
        eprintln!("framecheck demo: {bug} does not apply to {spec}: {why}");
        return exit::USAGE;
    }
    let options = Options {
        seed: args.seed,
        ..Options::default()
    };
    say!(
        "framecheck demo: two in-process echo servers framed `{spec}`: one correct, one that {}.\n",
        bug.description()
    );

    say!("== 1/2: the correct reference server");
    let Some(correct) = suite(&spec, None, &options, args.verbose) else {
        return exit::USAGE;
    };
    say!("\n== 2/2: the server with the bug `{bug}`");
    let Some(buggy) = suite(&spec, Some(bug), &options, args.verbose) else {
        return exit::USAGE;
    };

    say!("\n== the difference");
    let mut differ = 0;
    for b in buggy.results() {
        let Some(c) = correct.results().find(|c| c.id == b.id) else {
            say!(
                "  {:<40} {} (only run against the buggy server)",
                b.id,
                b.verdict
            );
            continue;
        };
        if c.verdict != b.verdict {
            differ += 1;
            say!(
                "  {:<40} correct: {:<5}  {bug}: {}  {}",
                b.id,
                c.verdict,
                b.verdict,
                b.message
            );
        }
    }
    let passed = |events: &Collect| {
        events.events.iter().rev().find_map(|e| match e {
            RunEvent::RunFinished { summary, .. } => Some(summary.conformant()),
            _ => None,
        })
    };
    let worked = passed(&correct) == Some(true) && passed(&buggy) == Some(false);
    if worked {
        say!(
            "\n{differ} cases tell the two apart. The replay lines above name the demo's servers, which are gone;\n\
             to replay, start one with `framecheck serve --framing '{spec}' --bug {bug}` and use its address.\n\
             Point `framecheck run HOST:PORT --framing SPEC` at your own server."
        );
        exit::OK
    } else {
        say!("\nthe demo did not show the expected difference (correct conformant, buggy not)");
        exit::FAILED
    }
}

/// Start a server, run the suite against it with the terminal reporter,
/// stop it, and hand back every event.
fn suite(spec: &Spec, bug: Option<Bug>, options: &Options, verbose: bool) -> Option<Collect> {
    let mut config = ServerConfig::new(spec.clone());
    config.bug = bug;
    config.idle_timeout = IDLE;
    let server = match server::spawn(config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("framecheck demo: cannot start the server: {e}");
            return None;
        }
    };
    let mut events = Collect::default();
    let mut terminal = FailuresOnly(Terminal::stdout().verbose(verbose));
    let mut fan = Fanout::new();
    fan.push(&mut events);
    fan.push(&mut terminal);
    let result = runner::run(server.local_addr(), spec, options, &mut fan);
    drop(fan);
    if let Some(why) = server.death() {
        say!("   (the server died: {why})");
    }
    server.shutdown();
    match result {
        Ok(_) => Some(events),
        Err(e) => {
            eprintln!("framecheck demo: {e}");
            None
        }
    }
}

/// The terminal reporter, showing only cases that did not pass or skip
/// (the demo is about the difference), and the summary.
struct FailuresOnly<R>(R);

impl<R: Reporter> Reporter for FailuresOnly<R> {
    fn event(&mut self, event: &RunEvent) {
        match event {
            RunEvent::CaseFinished(r) if matches!(r.verdict, Verdict::Pass | Verdict::Skip) => {}
            _ => self.0.event(event),
        }
    }
}
