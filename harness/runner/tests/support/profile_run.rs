//! Running the whole catalogue (or some cases) with a profile against a
//! test server, and listing what did not pass.

use std::net::SocketAddr;
use std::sync::Arc;

use framecheck_runner::profile::Profile;
use framecheck_runner::{self as runner, Collect, Options, Verdict};

/// The cases named (all when empty) with `profile`, seed `seed`, against
/// `addr`: the events.
pub(crate) fn run_profile(
    addr: SocketAddr,
    profile: Profile,
    seed: u64,
    cases: &[&str],
) -> Collect {
    let profile = Arc::new(profile);
    let options = Options {
        seed,
        cases: cases.iter().map(|c| (*c).to_owned()).collect(),
        churn_cycles: 50,
        profile: Some(profile.clone()),
        ..Options::default()
    };
    let mut events = Collect::default();
    runner::run(addr, &profile.request, &options, &mut events).expect("run");
    events
}

/// Every result that is neither a pass, a skip, a warning nor "not
/// exercised", with its message and what was observed.
pub(crate) fn not_passing(events: &Collect) -> Vec<String> {
    events
        .results()
        .filter(|r| {
            !matches!(
                r.verdict,
                Verdict::Pass | Verdict::Skip | Verdict::Warn | Verdict::NotExercised
            )
        })
        .map(|r| {
            format!(
                "{} {}: {} | {}",
                r.verdict, r.id, r.message, r.evidence.observed
            )
        })
        .collect()
}
