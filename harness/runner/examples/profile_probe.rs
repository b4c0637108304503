//! Hold a profile's conversation once with a server and print each step.
//!
//! ```sh
//! cargo run -p framecheck-runner --example profile_probe -- 127.0.0.1:6379 redis
//! ```
//!
//! Exit status: 0 when every reply met its expectation, 1 when one did not,
//! 2 for bad arguments or a refused connection. `scripts/conformance.sh` uses
//! it to wait until a freshly started server answers.

use std::process::ExitCode;
use std::time::Duration;

use framecheck_runner::profile::{Profile, probe};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, name] = &args[..] else {
        eprintln!("usage: profile_probe 127.0.0.1:PORT PROFILE");
        return ExitCode::from(2);
    };
    let Ok(addr) = addr.parse() else {
        eprintln!("profile_probe: {addr:?} is not an address (127.0.0.1:PORT)");
        return ExitCode::from(2);
    };
    let profile = match Profile::load(name) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("profile_probe: {e}");
            return ExitCode::from(2);
        }
    };
    let steps = match probe(addr, &profile, Duration::from_secs(2)) {
        Ok(steps) => steps,
        Err(e) => {
            eprintln!("profile_probe: {e}");
            return ExitCode::from(2);
        }
    };
    println!("{profile} at {addr}");
    let mut ok = steps.len() == profile.steps().count();
    for s in &steps {
        let mark = if s.verdict.is_ok() { "ok  " } else { "FAIL" };
        println!(
            "{mark} {:<20} sent \"{}\" got \"{}\" in {:.2} ms",
            s.name,
            s.sent.escape_ascii(),
            s.received.escape_ascii(),
            s.elapsed.as_secs_f64() * 1e3
        );
        if let Err(why) = &s.verdict {
            println!("     {why}");
            ok = false;
        }
    }
    ExitCode::from(u8::from(!ok))
}
