//! The fuzzing loop: `jobs` workers, each with its own connection, mutator
//! and history, sharing the corpus, the feedback signatures and the
//! findings. A suspicious session is triaged by one worker at a time: the
//! liveness probe decides crash or hang, the session (or, when it does not
//! fail alone, the shortest run of recent sessions that does) is confirmed
//! k of n times against a restarted server, minimized, saved, and the
//! server restarted.

use std::collections::VecDeque;
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use framecheck_framing::Spec;
use framecheck_runner::Limits;
use framecheck_runner::profile::Profile;

use crate::Error;
use crate::exec::{End, Executor};
use crate::feedback::Seen;
use crate::finding::{FORMAT, Finding, Wire};
use crate::minimize::{Budget, minimize};
use crate::mutate::{Mutator, weight};
use crate::oracle::{FindingKind, Suspect, judge};
use crate::session::{Ending, Session};
use crate::target::Target;

/// Sessions each worker remembers since the last restart, for attribution.
pub(crate) const HISTORY: usize = 2048;

/// How long attribution may bisect the recent sessions.
const BISECT_LIMIT: Duration = Duration::from_secs(30);

/// The most sessions the corpus holds.
pub(crate) const CORPUS_MAX: usize = 4096;

/// How a run is set up. Make one with [`Config::new`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// The request framing.
    pub spec: Spec,
    /// The profile whose exchanges seed the messages, if any.
    pub profile: Option<Arc<Profile>>,
    /// The seed of every random choice.
    pub seed: u64,
    /// How long to fuzz.
    pub duration: Duration,
    /// Parallel connections (workers).
    pub jobs: usize,
    /// Keep sessions that make the server do something new.
    pub feedback: bool,
    /// How long owed replies may take.
    pub reply_timeout: Duration,
    /// Where to load and save the corpus.
    pub corpus: Option<PathBuf>,
    /// Where to write replay files of findings.
    pub findings: Option<PathBuf>,
    /// Stop after this many distinct findings.
    pub stop_after: Option<usize>,
    /// Minimize findings.
    pub minimize: bool,
    /// Checks the minimizer may spend on one finding.
    pub minimize_checks: usize,
    /// A check passes when the failure shows `k` times out of `n`.
    pub confirm: (usize, usize),
}

impl Config {
    /// Defaults: 60 s, one job, feedback off (it found the reference
    /// bugs no sooner and costs throughput: `reports/fuzz-network.md`),
    /// seed 0, 1 s reply timeout, minimization (100 checks, 2 of 3).
    pub fn new(spec: Spec) -> Config {
        Config {
            spec,
            profile: None,
            seed: 0,
            duration: Duration::from_secs(60),
            jobs: 1,
            feedback: false,
            reply_timeout: Duration::from_secs(1),
            corpus: None,
            findings: None,
            stop_after: None,
            minimize: true,
            minimize_checks: 100,
            confirm: (2, 3),
        }
    }
}

/// A live view of the run, for a status line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Status {
    /// Time since the start.
    pub elapsed: Duration,
    /// Sessions run.
    pub sessions: u64,
    /// Sessions in the corpus.
    pub corpus: usize,
    /// Distinct findings.
    pub findings: usize,
}

impl Status {
    /// Sessions per second so far.
    pub fn rate(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 {
            #[expect(clippy::cast_precision_loss, reason = "a rate for display")]
            let n = self.sessions as f64;
            n / s
        } else {
            0.0
        }
    }
}

/// What a run found.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Distinct findings, in the order found.
    pub findings: Vec<Finding>,
    /// Their replay files, when `findings` was set.
    pub saved: Vec<PathBuf>,
    /// Sessions run.
    pub sessions: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// Sessions in the corpus at the end.
    pub corpus: usize,
    /// Why the run ended early, if it did (the server died and cannot be
    /// restarted).
    pub stopped: Option<String>,
}

struct Shared<'a> {
    config: &'a Config,
    target: Mutex<&'a mut dyn Target>,
    addr: Mutex<SocketAddr>,
    epoch: AtomicU64,
    stop: AtomicBool,
    stopped: Mutex<Option<String>>,
    sessions: AtomicU64,
    corpus: Mutex<Vec<Session>>,
    seen: Mutex<Seen>,
    findings: Mutex<Vec<Finding>>,
    saved: Mutex<Vec<PathBuf>>,
    histories: Vec<Mutex<VecDeque<Session>>>,
    triage: Mutex<()>,
    started: Instant,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Fuzz `target` as `config` says; `status` is called about four times a
/// second from the calling thread.
pub fn fuzz(
    config: &Config,
    target: &mut dyn Target,
    status: &mut dyn FnMut(&Status),
) -> Result<Outcome, Error> {
    if config.jobs == 0 {
        return Err(Error::Config("--jobs must be at least 1".to_owned()));
    }
    let addr = target.addr();
    TcpStream::connect_timeout(&addr, crate::exec::CONNECT_TIMEOUT).map_err(|e| {
        Error::Unreachable {
            addr: addr.to_string(),
            why: e.to_string(),
        }
    })?;
    let mut corpus = load_corpus(config)?;
    let mut seeds = Mutator::new(&config.spec, config.profile.as_ref(), config.seed);
    while corpus.len() < 8 {
        corpus.push(seeds.fresh());
    }
    let shared = Shared {
        config,
        target: Mutex::new(target),
        addr: Mutex::new(addr),
        epoch: AtomicU64::new(0),
        stop: AtomicBool::new(false),
        stopped: Mutex::new(None),
        sessions: AtomicU64::new(0),
        corpus: Mutex::new(corpus),
        seen: Mutex::new(Seen::default()),
        findings: Mutex::new(Vec::new()),
        saved: Mutex::new(Vec::new()),
        histories: (0..config.jobs)
            .map(|_| Mutex::new(VecDeque::new()))
            .collect(),
        triage: Mutex::new(()),
        started: Instant::now(),
    };
    let end = shared.started + config.duration;
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..config.jobs)
            .map(|job| {
                let shared = &shared;
                scope.spawn(move || worker(shared, job))
            })
            .collect();
        while !shared.stop.load(Ordering::Acquire) && workers.iter().any(|w| !w.is_finished()) {
            let now = Instant::now();
            if now >= end {
                shared.stop.store(true, Ordering::Release);
                break;
            }
            status(&snapshot(&shared));
            std::thread::sleep((end - now).min(Duration::from_millis(250)));
        }
        shared.stop.store(true, Ordering::Release);
    });
    status(&snapshot(&shared));
    save_corpus(config, &lock(&shared.corpus))?;
    let elapsed = shared.started.elapsed();
    let corpus = lock(&shared.corpus).len();
    Ok(Outcome {
        findings: std::mem::take(&mut *lock(&shared.findings)),
        saved: std::mem::take(&mut *lock(&shared.saved)),
        sessions: shared.sessions.load(Ordering::Acquire),
        elapsed,
        corpus,
        stopped: lock(&shared.stopped).take(),
    })
}

fn snapshot(shared: &Shared<'_>) -> Status {
    Status {
        elapsed: shared.started.elapsed(),
        sessions: shared.sessions.load(Ordering::Relaxed),
        corpus: lock(&shared.corpus).len(),
        findings: lock(&shared.findings).len(),
    }
}

fn worker(shared: &Shared<'_>, job: usize) {
    let config = shared.config;
    let job_seed = config.seed ^ (job as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut mutator = Mutator::new(&config.spec, config.profile.as_ref(), job_seed);
    let spread = u8::try_from(job * 61 % 254).unwrap_or(0);
    let mut exec = executor(config, *lock(&shared.addr), spread);
    let mut epoch = shared.epoch.load(Ordering::Acquire);
    let mut pick = framecheck_framing::schedule::SplitMix64::new(job_seed ^ 1);
    while !shared.stop.load(Ordering::Acquire) {
        let now = shared.epoch.load(Ordering::Acquire);
        if now != epoch {
            epoch = now;
            exec.retarget(*lock(&shared.addr));
        }
        let (base, other) = if config.feedback {
            let corpus = lock(&shared.corpus);
            let n = corpus.len() as u64;
            let mut draw = || usize::try_from(pick.range(0, n - 1)).unwrap_or(0);
            let (a, b, c) = (draw(), draw(), draw());
            // The lighter of two: feedback rewards new reply lengths, and
            // without this the corpus drifts to ever heavier sessions.
            let a = if weight(&corpus[b]) < weight(&corpus[a]) {
                b
            } else {
                a
            };
            let splice = pick.range(0, 3) == 0;
            (corpus[a].clone(), splice.then(|| corpus[c].clone()))
        } else {
            (mutator.fresh(), None)
        };
        let session = mutator.mutate(&base, other.as_ref());
        let obs = exec.run(&session);
        shared.sessions.fetch_add(1, Ordering::Relaxed);
        {
            let mut h = lock(&shared.histories[job]);
            if h.len() == HISTORY {
                h.pop_front();
            }
            h.push_back(session.clone());
        }
        if config.feedback && lock(&shared.seen).novel(&obs) {
            let mut corpus = lock(&shared.corpus);
            if corpus.len() < CORPUS_MAX {
                corpus.push(session.clone());
            } else {
                let i = usize::try_from(pick.range(0, CORPUS_MAX as u64 - 1)).unwrap_or(0);
                corpus[i] = session.clone();
            }
        }
        if let Some(suspect) = judge_in(config, &obs, session.ending) {
            triage(shared, job, epoch, &session, &suspect);
        }
    }
}

/// Judge one observation: against the echo, or with a profile (whose
/// replies are not echoes) only by the liveness probe, when the server
/// refused the connection or did not end a session after its FIN.
fn judge_in(config: &Config, obs: &crate::exec::Observation, ending: Ending) -> Option<Suspect> {
    if config.profile.is_none() {
        return judge(obs, ending);
    }
    match obs.end {
        crate::exec::End::Refused => judge(obs, ending),
        crate::exec::End::Stalled | crate::exec::End::Reset => Some(Suspect {
            kind: FindingKind::Hang,
            class: PROBE_ONLY,
            what: format!("the session ended {:?}", obs.end),
            probe: true,
        }),
        _ => None,
    }
}

/// A new executor for `config`.
fn executor(config: &Config, addr: SocketAddr, spread: u8) -> Executor {
    Executor::new(addr, &config.spec, config.reply_timeout, spread)
        .with_reply_spec(config.profile.as_ref().map(|p| &p.reply))
}

/// The class of a suspect that only the probe can make a finding: none
/// when the probe passes.
const PROBE_ONLY: &str = "probe";

/// The kind and class the probe decides for a suspect; `None` when the
/// suspect turns out to be nothing (a refused connect that the probe then
/// makes).
/// Whether the server at `addr` refuses connections within about a
/// second. A server on its way down may still complete a connection from
/// its listen queue (and reset it) for a moment after its liveness probe
/// failed; a hung one goes on accepting. Asked several times, so a dying
/// server is not taken for a hung one.
fn stops_accepting(addr: SocketAddr) -> bool {
    let until = Instant::now() + Duration::from_secs(1);
    loop {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err() {
            return true;
        }
        if Instant::now() >= until {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn decide(
    addr: SocketAddr,
    config: &Config,
    suspect: &Suspect,
    scale: f64,
) -> Option<(FindingKind, String, String)> {
    if !suspect.probe {
        return Some((suspect.kind, suspect.class.to_owned(), suspect.what.clone()));
    }
    match framecheck_runner::liveness(
        addr,
        &config.spec,
        config.profile.as_ref(),
        Limits::scaled(scale),
    ) {
        Ok(()) => match suspect.kind {
            _ if suspect.class == PROBE_ONLY => None,
            FindingKind::Crash => None,
            kind => Some((kind, suspect.class.to_owned(), suspect.what.clone())),
        },
        Err(why) => {
            if stops_accepting(addr) {
                Some((
                    FindingKind::Crash,
                    "crash".to_owned(),
                    format!(
                        "the server stopped accepting connections ({why}) after: {}",
                        suspect.what
                    ),
                ))
            } else {
                Some((
                    FindingKind::Hang,
                    "hang".to_owned(),
                    format!(
                        "the server stopped answering (liveness probe: {why}) after: {}",
                        suspect.what
                    ),
                ))
            }
        }
    }
}

/// Whether a fresh run of `seq` (sessions in order, each connection kept
/// while its session leaves it open) shows `class` again: for a crash or
/// hang the server is restarted first and the liveness probe judges at the
/// end; otherwise the last suspicious session must be of `class`.
fn reproduces(
    shared: &Shared<'_>,
    target: &mut dyn Target,
    exec: &mut Executor,
    seq: &[Session],
    class: &str,
) -> bool {
    let deadly = class == "crash" || class == "hang";
    if deadly {
        let Some(addr) = target.restart() else {
            return false;
        };
        exec.retarget(addr);
    }
    exec.drop_conn();
    let mut last = None;
    for s in seq {
        let obs = exec.run(s);
        let over = matches!(obs.end, End::Stalled | End::Refused);
        if let Some(suspect) = judge_in(shared.config, &obs, s.ending) {
            last = Some(suspect);
        }
        if over {
            // The server stalled or is gone: the rest of the run would only
            // wait out a deadline per session.
            break;
        }
    }
    exec.drop_conn();
    let probe = Suspect {
        kind: FindingKind::Hang,
        class: PROBE_ONLY,
        what: String::new(),
        probe: true,
    };
    let suspect = if deadly { Some(probe) } else { last };
    suspect.is_some_and(|s| {
        decide(target.addr(), shared.config, &s, 0.5).is_some_and(|(_, c, _)| c == class)
    })
}

/// `k` of `n` fresh runs reproduce `class` (stopping as soon as it is
/// decided).
fn confirmed(
    shared: &Shared<'_>,
    target: &mut dyn Target,
    exec: &mut Executor,
    seq: &[Session],
    class: &str,
) -> bool {
    let (k, n) = shared.config.confirm;
    let (mut yes, mut no) = (0, 0);
    while yes < k && no <= n - k {
        if reproduces(shared, target, exec, seq, class) {
            yes += 1;
        } else {
            no += 1;
        }
    }
    yes >= k
}

/// Sessions run back to back as one, on one connection: the frames the
/// server took from each (what the reference decoder owes an answer; a
/// refused or partial tail is left out), each as head and payload again,
/// runs of equal messages as one repeated.
fn merge(sessions: &[Session], spec: &Spec) -> Session {
    let enc = framecheck_framing::Encoder::new(spec);
    let mut messages = Vec::new();
    for s in sessions {
        let r = s.render(spec, &enc);
        let owed = crate::session::expect(spec, &r.stream, s.ending);
        for range in owed.frames {
            messages.push(crate::mutate::split(spec, &r.stream[range]));
        }
    }
    let mut s = Session::new(crate::session::coalesce(messages));
    s.ending = Ending::Open;
    s
}

/// What attribution pinned a finding to: sessions run first, then the one.
struct Pinned {
    before: Vec<Session>,
    session: Session,
    how: String,
}

/// Pin a confirmed-deadly or reproducible finding to the sessions that
/// cause it: `session` alone, else the shortest run of recent sessions
/// (every worker's, this worker's last), merged into one when that still
/// fails; then minimized.
#[allow(clippy::too_many_arguments, reason = "the triage's state, passed down")]
fn attribute(
    shared: &Shared<'_>,
    target: &mut dyn Target,
    exec: &mut Executor,
    job: usize,
    session: &Session,
    class: &str,
    deadly: bool,
) -> Option<Pinned> {
    let (k, n) = shared.config.confirm;
    if confirmed(shared, target, exec, std::slice::from_ref(session), class) {
        return Some(Pinned {
            before: Vec::new(),
            session: session.clone(),
            how: format!("{k} of {n} fresh runs, alone"),
        });
    }
    if !deadly {
        return None;
    }
    let mut history: Vec<Session> = Vec::new();
    for (j, h) in shared.histories.iter().enumerate() {
        if j != job {
            history.extend(lock(h).iter().cloned());
        }
    }
    history.extend(lock(&shared.histories[job]).iter().cloned());
    if history.is_empty() || !confirmed(shared, target, exec, &history, class) {
        return None;
    }
    // Invariant: history[lo..] fails; find the largest such lo (or stop
    // at the time limit with the shortest failing run found so far).
    let (mut lo, mut hi) = (0, history.len() - 1);
    let until = Instant::now() + BISECT_LIMIT;
    while lo < hi && Instant::now() < until {
        let mid = lo + (hi - lo).div_ceil(2);
        if confirmed(shared, target, exec, &history[mid..], class) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let run = &history[lo..];
    let merged = merge(run, &shared.config.spec);
    if confirmed(shared, target, exec, std::slice::from_ref(&merged), class) {
        return Some(Pinned {
            before: Vec::new(),
            session: merged,
            how: format!(
                "{k} of {n} fresh runs, as the last {} sessions merged into one",
                run.len()
            ),
        });
    }
    let (last, before) = run.split_last()?;
    Some(Pinned {
        before: before.to_vec(),
        session: last.clone(),
        how: format!(
            "{k} of {n} fresh runs, as the last {} sessions in turn",
            run.len()
        ),
    })
}

#[allow(clippy::too_many_lines, reason = "one triage, step by step")]
fn triage(shared: &Shared<'_>, job: usize, epoch: u64, session: &Session, suspect: &Suspect) {
    let _turn = lock(&shared.triage);
    if shared.epoch.load(Ordering::Acquire) != epoch || shared.stop.load(Ordering::Acquire) {
        // Another worker restarted the server meanwhile: what this session
        // saw may be that.
        return;
    }
    let config = shared.config;
    let addr = *lock(&shared.addr);
    if std::env::var_os("FRAMECHECK_FUZZ_DEBUG").is_some() {
        eprintln!(
            "suspect {}: {} after {}",
            suspect.class,
            suspect.what,
            serde_json::to_string(session).unwrap_or_default()
        );
    }
    let Some((kind, class, what)) = decide(addr, config, suspect, 1.0) else {
        return;
    };
    let found_ms = u64::try_from(shared.started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let sessions = shared.sessions.load(Ordering::Acquire);
    let deadly = matches!(kind, FindingKind::Crash | FindingKind::Hang);
    let mut target = lock(&shared.target);
    let post_mortem = if deadly { target.post_mortem() } else { None };
    let duplicate = {
        let mut f = lock(&shared.findings);
        match f.iter_mut().find(|f| f.class == class) {
            Some(known) => {
                known.duplicates += 1;
                true
            }
            None => false,
        }
    };
    if !duplicate {
        let mut check_exec = executor(config, target.addr(), 200);
        let pinned = if deadly && !target.restartable() {
            None
        } else {
            attribute(
                shared,
                &mut **target,
                &mut check_exec,
                job,
                session,
                &class,
                deadly,
            )
        };
        let confirmation = match &pinned {
            Some(p) => p.how.clone(),
            None if deadly && !target.restartable() => {
                "not confirmed: the server cannot be restarted (give --exec)".to_owned()
            }
            None => "not reproduced on a fresh run".to_owned(),
        };
        let reproduced = pinned.is_some();
        let (before, mut chosen) =
            pinned.map_or_else(|| (Vec::new(), session.clone()), |p| (p.before, p.session));
        let original_size = Finding::size(&chosen, &config.spec);
        let mut minimized = false;
        if reproduced && config.minimize {
            let budget = Budget {
                checks: config.minimize_checks,
                deadline: Instant::now() + Duration::from_secs(30),
            };
            let mut check = |s: &Session| {
                let mut seq = before.clone();
                seq.push(s.clone());
                confirmed(shared, &mut **target, &mut check_exec, &seq, &class)
            };
            let m = minimize(&chosen, budget, &mut check);
            minimized = m.session != chosen;
            chosen = m.session;
        }
        if reproduced || deadly {
            let finding = Finding {
                format: FORMAT.to_owned(),
                kind,
                class: class.clone(),
                what,
                spec: config.spec.to_string(),
                profile: config.profile.as_ref().map(|p| p.origin.clone()),
                seed: config.seed,
                sessions,
                found_ms,
                confirmed: confirmation,
                post_mortem,
                duplicates: 0,
                original_size: minimized.then_some(original_size),
                wire: Wire::of(&chosen, &config.spec),
                before,
                session: chosen,
            };
            if let Some(dir) = &config.findings {
                if let Ok(path) = finding.save(dir) {
                    lock(&shared.saved).push(path);
                }
            }
            let mut f = lock(&shared.findings);
            f.push(finding);
            if config.stop_after.is_some_and(|n| f.len() >= n) {
                shared.stop.store(true, Ordering::Release);
            }
        }
    }
    if deadly {
        if let Some(new) = target.restart() {
            *lock(&shared.addr) = new;
        } else {
            *lock(&shared.stopped) = Some(format!(
                "the server is down ({kind}) and cannot be restarted"
            ));
            shared.stop.store(true, Ordering::Release);
        }
        for h in &shared.histories {
            lock(h).clear();
        }
        shared.epoch.fetch_add(1, Ordering::AcqRel);
    }
    drop(target);
}

fn load_corpus(config: &Config) -> Result<Vec<Session>, Error> {
    let Some(dir) = &config.corpus else {
        return Ok(Vec::new());
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for e in entries.flatten() {
        let path = e.path();
        if path.extension().is_some_and(|x| x == "json") {
            let text = std::fs::read_to_string(&path).map_err(|source| Error::Io {
                what: format!("read {}", path.display()),
                source,
            })?;
            // A replay file holds its session too.
            if let Ok(s) = serde_json::from_str::<Session>(&text) {
                out.push(s);
            } else if let Ok(f) = serde_json::from_str::<Finding>(&text) {
                out.push(f.session);
            }
        }
        if out.len() >= CORPUS_MAX {
            break;
        }
    }
    Ok(out)
}

fn save_corpus(config: &Config, corpus: &[Session]) -> Result<(), Error> {
    use std::hash::{Hash as _, Hasher as _};
    let Some(dir) = &config.corpus else {
        return Ok(());
    };
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        what: format!("create {}", dir.display()),
        source,
    })?;
    for s in corpus {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        s.hash(&mut h);
        let path = dir.join(format!("{:016x}.json", h.finish()));
        if path.exists() {
            continue;
        }
        let json = serde_json::to_string(s).map_err(|e| Error::Config(e.to_string()))?;
        std::fs::write(&path, json).map_err(|source| Error::Io {
            what: format!("write {}", path.display()),
            source,
        })?;
    }
    Ok(())
}

/// Re-run a finding's session on a fresh connection (after a restart of a
/// restartable target when the finding killed or hung it): `Some(what)`
/// when it fails the same way again.
pub fn replay(
    finding: &Finding,
    spec: &Spec,
    profile: Option<&Arc<Profile>>,
    target: &mut dyn Target,
) -> Option<String> {
    let mut config = Config::new(spec.clone());
    config.profile = profile.cloned();
    let mut exec = executor(&config, target.addr(), 100);
    let mut last = None;
    for s in finding.before.iter().chain([&finding.session]) {
        let obs = exec.run(s);
        if let Some(suspect) = judge_in(&config, &obs, s.ending) {
            last = Some(suspect);
        }
    }
    exec.drop_conn();
    let deadly = matches!(finding.kind, FindingKind::Crash | FindingKind::Hang);
    let suspect = if deadly {
        Suspect {
            kind: FindingKind::Hang,
            class: PROBE_ONLY,
            what: "after the replayed sessions".to_owned(),
            probe: true,
        }
    } else {
        last?
    };
    let (kind, class, what) = decide(target.addr(), &config, &suspect, 1.0)?;
    (kind == finding.kind || class == finding.class).then(|| format!("{kind}: {what}"))
}
