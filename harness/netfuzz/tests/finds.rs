//! `framecheck fuzz` against the in-process reference server: it finds each
//! content- and count-dependent bug (`Bug::FUZZ_ONLY`) within 60 s at a
//! fixed seed, pins it to a session that fails again on replay, and finds
//! nothing against the correct server.

use std::net::SocketAddr;
use std::time::Duration;

use framecheck_framing::Spec;
use framecheck_netfuzz::target::Target;
use framecheck_netfuzz::{Config, FindingKind, Outcome, fuzz, replay};
use framecheck_servers::{self as server, Bug, OverLimit, ServerConfig, ServerHandle};

/// The reference server on loopback, restarted (on a new port) on demand.
struct InProcess {
    config: ServerConfig,
    server: Option<ServerHandle>,
    addr: SocketAddr,
    deaths: Vec<String>,
}

impl InProcess {
    fn start(spec: &str, bug: Option<Bug>) -> InProcess {
        InProcess::start_with(spec, bug, OverLimit::Close)
    }

    fn start_with(spec: &str, bug: Option<Bug>, over_limit: OverLimit) -> InProcess {
        let mut config = ServerConfig::new(spec.parse().expect("spec"));
        config.bug = bug;
        config.over_limit = over_limit;
        let server = server::spawn(config.clone()).expect("spawn");
        InProcess {
            addr: server.local_addr(),
            config,
            server: Some(server),
            deaths: Vec::new(),
        }
    }
}

impl Target for InProcess {
    fn addr(&self) -> SocketAddr {
        self.addr
    }
    fn restart(&mut self) -> Option<SocketAddr> {
        if let Some(s) = self.server.take() {
            s.shutdown();
        }
        let s = server::spawn(self.config.clone()).ok()?;
        self.addr = s.local_addr();
        self.server = Some(s);
        Some(self.addr)
    }
    fn post_mortem(&mut self) -> Option<String> {
        let death = self.server.as_ref()?.death()?;
        self.deaths.push(death.clone());
        Some(death)
    }
    fn restartable(&self) -> bool {
        true
    }
}

fn run(spec: &str, bug: Option<Bug>, seconds: u64, seed: u64) -> (Outcome, InProcess) {
    let config = Config::new(spec.parse().expect("spec"));
    run_with(InProcess::start(spec, bug), config, seconds, seed)
}

fn run_with(
    mut target: InProcess,
    mut config: Config,
    seconds: u64,
    seed: u64,
) -> (Outcome, InProcess) {
    config.seed = seed;
    config.duration = Duration::from_secs(seconds);
    config.stop_after = Some(1);
    config.jobs = 2;
    let outcome = fuzz(&config, &mut target, &mut |_| {}).expect("fuzz");
    (outcome, target)
}

/// Finds `bug` within 60 s; the finding is of `kind`, its session fails
/// again on a restarted server, and `check` holds for the minimized session.
fn finds(
    spec: &str,
    bug: Bug,
    kind: FindingKind,
    check: impl Fn(&framecheck_netfuzz::Finding) -> bool,
) {
    let (outcome, mut target) = run(spec, Some(bug), 60, 1);
    let f = outcome
        .findings
        .first()
        .unwrap_or_else(|| panic!("{bug}: nothing found in {} sessions", outcome.sessions));
    eprintln!(
        "{bug}: {} after {} ms, {} sessions; {}; session {}",
        f.kind,
        f.found_ms,
        f.sessions,
        f.confirmed,
        serde_json::to_string(&f.session).expect("json")
    );
    assert_eq!(f.kind, kind, "{bug}: {f:?}");
    assert!(f.found_ms <= 60_000, "{bug}: found after {} ms", f.found_ms);
    assert!(!f.confirmed.starts_with("not"), "{bug}: {}", f.confirmed);
    assert!(check(f), "{bug}: minimized session {:?}", f.session);
    // The replay file's session fails again on a fresh server…
    target.restart().expect("restart");
    let spec: Spec = f.spec.parse().expect("spec");
    assert!(
        replay(f, &spec, None, &mut target).is_some(),
        "{bug}: replay passed"
    );
    // …and not on a correct one.
    let mut correct = InProcess::start(&f.spec, None);
    assert_eq!(
        replay(f, &spec, None, &mut correct),
        None,
        "{bug}: the correct server fails too"
    );
}

#[test]
fn finds_dies_on_format_string() {
    finds("u16be", Bug::DiesOnFormatString, FindingKind::Crash, |f| {
        f.session.sent_count() == 1 && f.session.messages[0].payload == b"%n"
    });
}

#[test]
fn finds_dies_on_thousandth_frame() {
    finds(
        "u16be",
        Bug::DiesOnThousandthFrame,
        FindingKind::Crash,
        |f| f.session.sent_count() == 1000,
    );
}

#[test]
fn finds_dies_on_length_wrap() {
    finds("u32be", Bug::DiesOnLengthWrap, FindingKind::Crash, |f| {
        f.session.sent_count() == 1 && f.session.messages[0].payload.len() == 65_536
    });
}

#[test]
fn finds_leaks_slot_on_nul() {
    finds("u16be", Bug::LeaksSlotOnNul, FindingKind::Hang, |f| {
        let nul_led = f
            .session
            .messages
            .iter()
            .filter(|m| m.payload.first() == Some(&0))
            .map(|m| m.repeat as usize)
            .sum::<usize>();
        nul_led >= server::NUL_SLOTS
    });
}

#[test]
fn finds_nothing_against_the_correct_server() {
    for spec in ["u16be", "line", "tagged:A=4/B=0/V=u16be,max=1KiB"] {
        let (outcome, _) = run(spec, None, 8, 2);
        assert!(
            outcome.findings.is_empty(),
            "{spec}: {:#?}",
            outcome.findings
        );
        assert!(
            outcome.sessions > 1000,
            "{spec}: only {} sessions",
            outcome.sessions
        );
    }
}

/// Issue 12: a correct server that refuses a frame by replying an error and
/// closing, or by discarding it to its end, replying an error and going on,
/// is no finding (the oracle names refusal outcomes; these two conform).
#[test]
fn finds_nothing_against_servers_that_refuse_legitimately() {
    for over_limit in [OverLimit::ReplyClose, OverLimit::Discard] {
        for spec in ["line", "u16be,max=1KiB"] {
            let target = InProcess::start_with(spec, None, over_limit);
            // The default reply deadline: a shorter one (150 ms) took a busy
            // machine's slow replies for a hang.
            let config = Config::new(spec.parse().expect("spec"));
            let (outcome, _) = run_with(target, config, 6, 2);
            assert!(
                outcome.findings.is_empty(),
                "{over_limit:?} {spec}: {:#?}",
                outcome
                    .findings
                    .iter()
                    .map(|f| (&f.class, &f.what))
                    .collect::<Vec<_>>()
            );
            // A discarding server keeps a connection whose refused frame
            // never ends open to the reply deadline: few sessions a second
            // (30 in 6 s on u16be), but sessions all the same.
            assert!(
                outcome.sessions > 10,
                "{over_limit:?} {spec}: only {} sessions",
                outcome.sessions
            );
        }
    }
}
