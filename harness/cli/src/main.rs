//! The `framecheck` command: parses arguments, calls the library, maps the
//! result to a documented exit code (see [`exit`]).

mod demo;
mod exit;
mod frames;
mod fuzz;
mod proxy;
mod reports;
mod run;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Find message-framing bugs in code that talks over stream sockets.
#[derive(Debug, Parser)]
#[command(name = "framecheck", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decode a capture (file or stdin) with a framing spec: one JSON line per frame.
    Frames(frames::Args),
    /// Check a server's framing: boundaries, EOF, half-close, resets, limits, concurrency.
    Run(run::RunArgs),
    /// Rerun exactly one case, as printed on its failure, or one fuzz finding (--input FILE).
    Replay(run::ReplayArgs),
    /// Fuzz a live server: framing lies, payloads, sequences, cuts; findings minimized and replayable.
    Fuzz(fuzz::Args),
    /// Run a reference echo server, correct or with one injected framing bug.
    Serve(serve::Args),
    /// See it work: check a correct server and a buggy one, show the difference.
    Demo(demo::Args),
    /// Relay TCP connections, re-cutting each direction by a delivery schedule.
    Proxy(proxy::Args),
    /// Print the delivery schedule grammar (also `framecheck help schedules`).
    #[command(long_about = proxy::schedules_long_help())]
    Schedules(proxy::SchedulesArgs),
    /// Print the framing spec grammar (also `framecheck help specs`).
    #[command(long_about = frames::specs_long_help())]
    Specs(frames::SpecsArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are not errors.
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let code = match cli.command {
        Command::Frames(args) => frames::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Replay(args) => match args.fuzz_input() {
            Some((addr, input, exec)) => fuzz::replay_file(addr, input, exec),
            None => run::replay(&args),
        },
        Command::Fuzz(args) => fuzz::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Proxy(args) => proxy::run(&args),
        Command::Schedules(args) => proxy::schedules(&args),
        Command::Specs(args) => frames::specs(&args),
    };
    ExitCode::from(code)
}
