//! `framecheck serve`: a reference echo server, correct or with one bug.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::thread;
use std::time::Duration;

use framecheck_framing::Spec;
use framecheck_servers::{self as server, Bug, OverLimit, ServerConfig};

use crate::exit;

/// How often the foreground thread checks that the server is still alive.
const WATCH: Duration = Duration::from_millis(100);

/// Arguments of `framecheck serve`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
The first line on stdout is the bound address, e.g. `listening on 127.0.0.1:40123`.
The server echoes every frame it decodes, framed the same way, and runs until
killed (Ctrl-C).

Exit status: 2 for a bad spec, an unknown bug, a bug that does not apply to the
framing, or an address that cannot be bound; 1 if the server dies of its
injected bug (dies-on-reset-while-writing, crashes-on-unknown-tag).

Examples:
  framecheck serve --framing u16be
  framecheck serve --framing crlf --bug delim-in-one-read --listen 127.0.0.1:7000
  framecheck serve --framing crlf --on-over-limit discard
  framecheck serve --list-bugs")]
pub(crate) struct Args {
    /// Framing spec of requests and replies, e.g. `u16be`, `crlf`, `eof`.
    #[arg(long, short = 'f', required_unless_present = "list_bugs")]
    framing: Option<String>,
    /// Address to listen on; loopback unless you say otherwise.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Inject one classic framing bug (see --list-bugs).
    #[arg(long, value_name = "NAME")]
    bug: Option<String>,
    /// Seconds of silence inside a frame (or of a reply left unread) before
    /// the server closes the connection.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    idle_timeout: f64,
    /// What the correct server does with a frame over the limit: `close`
    /// the connection at once, `discard` the frame to its end (its
    /// delimiter or declared body), reply `ERROR over the limit` and go on,
    /// or (`reply-close`) answer any framing error `ERROR framing`, then
    /// close.
    #[arg(long, value_name = "HOW", default_value = "close", value_parser = ["close", "discard", "reply-close"])]
    on_over_limit: String,
    /// Print every bug, one per line: its name, then what it does.
    #[arg(long, exclusive = true)]
    list_bugs: bool,
}

/// Run the subcommand and return its exit code.
pub(crate) fn run(args: &Args) -> u8 {
    if args.list_bugs {
        return list_bugs();
    }
    let config = match config(args) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("framecheck serve: {message}");
            return exit::USAGE;
        }
    };
    if !config.listen.ip().is_loopback() {
        eprintln!(
            "framecheck serve: warning: listening on {}, reachable beyond this machine",
            config.listen
        );
    }
    let bug = config.bug;
    let server = match server::spawn(config) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("framecheck serve: {e}");
            return exit::USAGE;
        }
    };
    let mut stdout = io::stdout().lock();
    if writeln!(stdout, "listening on {}", server.local_addr())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        // Nobody can learn the address; serving would be pointless.
        return exit::USAGE;
    }
    drop(stdout);
    if let Some(bug) = bug {
        eprintln!(
            "framecheck serve: injected bug {bug}: {}",
            bug.description()
        );
    }
    while server.is_alive() {
        thread::sleep(WATCH);
    }
    let cause = server.death().unwrap_or_else(|| "stopped".to_owned());
    eprintln!("framecheck serve: the server died: {cause}");
    exit::FAILED
}

fn list_bugs() -> u8 {
    let width = Bug::ALL.iter().map(|b| b.name().len()).max().unwrap_or(0);
    let mut stdout = io::stdout().lock();
    for bug in Bug::ALL {
        if writeln!(stdout, "{:<width$}  {}", bug.name(), bug.description()).is_err() {
            // A closed pipe (`| head`) is the reader's choice.
            break;
        }
    }
    exit::OK
}

fn config(args: &Args) -> Result<ServerConfig, String> {
    let spec: Spec = args
        .framing
        .as_deref()
        .ok_or("--framing SPEC is required")?
        .parse()
        .map_err(|e| format!("{e}"))?;
    let mut config = ServerConfig::new(spec);
    config.listen = args.listen;
    config.over_limit = match args.on_over_limit.as_str() {
        "discard" => OverLimit::Discard,
        "reply-close" => OverLimit::ReplyClose,
        _ => OverLimit::Close,
    };
    config.idle_timeout = Duration::try_from_secs_f64(args.idle_timeout)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            format!(
                "--idle-timeout {}: expected a positive number of seconds",
                args.idle_timeout
            )
        })?;
    if let Some(name) = &args.bug {
        let bug: Bug = name.parse().map_err(|e| format!("{e}"))?;
        if let Some(reason) = bug.inapplicable(&config.spec) {
            return Err(format!(
                "bug {bug} does not apply to framing {}: {reason}",
                config.spec
            ));
        }
        config.bug = Some(bug);
    }
    Ok(config)
}
