//! The results model: what a run says while it runs, shared by the runner
//! that emits it and the reports that render it. No sockets, no threads.
//!
//! The runner emits a stream of [`RunEvent`]s, nextest-style, and every
//! output format is a [`Reporter`] that consumes them. Each reporter matches
//! every event kind, so a new kind forces a decision in every format.
//!
//! ```text
//! RunStarted { target, framing, seed, cases }
//!   CaseStarted { id }  CaseFinished(CaseResult)   (once per selected case, in order)
//! RunFinished { summary, duration }
//! ```
//!
//! Everything here is [`serde::Serialize`]: durations serialize as
//! milliseconds (`duration_ms`, `at_ms`, floats), bytes as
//! `{"len": N, "text": "..."}` when they are UTF-8 and
//! `{"len": N, "base64": "..."}` otherwise, with `"truncated": true` when
//! only the first [`Bytes::KEEP`] bytes were kept.

pub mod exit;
pub mod refusal;

use std::fmt;
use std::time::Duration;

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

/// One thing that happened during a run.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum RunEvent {
    /// The run begins; `cases` is the number of selected cases.
    RunStarted {
        /// The target address as given.
        target: String,
        /// The framing spec in canonical form.
        framing: String,
        /// The seed every random choice derives from.
        seed: u64,
        /// How many cases were selected.
        cases: usize,
    },
    /// A case begins.
    CaseStarted {
        /// The case's stable id (`boundary/split-header/lockstep`).
        id: String,
    },
    /// A case ended with a verdict.
    CaseFinished(CaseResult),
    /// The run ended.
    RunFinished {
        /// Counts per verdict and the exit code they mean.
        summary: Summary,
        /// Wall time of the whole run.
        #[serde(rename = "duration_ms", serialize_with = "ser_ms")]
        duration: Duration,
    },
}

/// The outcome of one case.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    /// Stable semantic id, `group/name[/mode]`.
    pub id: String,
    /// The group: `boundary`, `eof`, `half-close`, `reset`, `limits`,
    /// `concurrency`, `churn`.
    pub group: String,
    /// The requirement sentence the case checks.
    pub requirement: String,
    /// The verdict.
    pub verdict: Verdict,
    /// One line: why the verdict (expected vs observed for failures).
    pub message: String,
    /// What was sent and observed.
    pub evidence: Evidence,
    /// A one-line command that reruns exactly this case.
    pub replay: String,
    /// Wall time of the case (liveness probe included).
    #[serde(rename = "duration_ms", serialize_with = "ser_ms")]
    pub duration: Duration,
}

/// A case's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The server met the requirement.
    Pass,
    /// The server broke a MUST-level requirement.
    Fail,
    /// The server broke a SHOULD-level requirement (exit code stays 0).
    Warn,
    /// The case ran but what it needs to happen for its verdict to mean
    /// anything did not (the server was never blocked writing when the RST
    /// came; the clients were not served at once; the churn was cut short):
    /// no verdict either way. Exit code stays 0; counted apart.
    NotExercised,
    /// The case does not apply to this framing.
    Skip,
    /// The harness could not run the case (not the server's fault).
    Error,
    /// Not run: the target died or the run's deadline passed before it.
    NotRun,
}

impl Verdict {
    /// All verdicts, in report order.
    pub const ALL: [Verdict; 7] = [
        Verdict::Pass,
        Verdict::Fail,
        Verdict::Warn,
        Verdict::NotExercised,
        Verdict::Skip,
        Verdict::Error,
        Verdict::NotRun,
    ];

    /// The lower-case name (`pass`, `not-run`).
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Warn => "warn",
            Verdict::NotExercised => "not-exercised",
            Verdict::Skip => "skip",
            Verdict::Error => "error",
            Verdict::NotRun => "not-run",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a case did and saw: one timeline per connection, plus notes.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Evidence {
    /// The seed of the case's random choices.
    pub seed: u64,
    /// What the server should have done.
    pub expected: String,
    /// What it did.
    pub observed: String,
    /// Every connection the case opened, in order of opening.
    pub connections: Vec<ConnLog>,
    /// Measurements and remarks (`server closed 0.4 ms after EOF`).
    pub notes: Vec<String>,
    /// For a randomized failure: the schedule before shrinking.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_schedule: Option<String>,
    /// For a randomized failure: the minimal schedule that still fails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shrunk_schedule: Option<String>,
}

/// The timeline of one connection.
#[derive(Debug, Clone, Serialize)]
pub struct ConnLog {
    /// Which connection (`client 1`, `probe`, `stalled`).
    pub label: String,
    /// What happened, in order; times are from the case's start.
    pub steps: Vec<Step>,
    /// How the server's side ended, as far as the case looked.
    pub end: ConnEnd,
    /// Whether each sent piece arrived as its own read at the server.
    pub boundaries: Boundaries,
    /// Bytes received in total (steps keep only the first bytes).
    pub received_total: u64,
    /// Bytes sent in total.
    pub sent_total: u64,
}

/// One step of a connection's timeline.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "step", rename_all = "kebab-case")]
pub enum Step {
    /// The connection was established.
    Connected {
        /// Time since the case started.
        #[serde(rename = "at_ms", serialize_with = "ser_ms")]
        at: Duration,
    },
    /// Bytes were written, cut into pieces.
    Sent {
        /// Time the first piece was written.
        #[serde(rename = "at_ms", serialize_with = "ser_ms")]
        at: Duration,
        /// The bytes.
        bytes: Bytes,
        /// The schedule, in text form (piece sizes and pauses).
        schedule: String,
        /// Whether the piece boundaries reached the server as separate reads.
        boundaries: Boundaries,
    },
    /// Bytes arrived.
    Received {
        /// Time of the read.
        #[serde(rename = "at_ms", serialize_with = "ser_ms")]
        at: Duration,
        /// The bytes of this read.
        bytes: Bytes,
    },
    /// The client shut down its sending side (`shutdown(SHUT_WR)`).
    ShutdownWrite {
        /// When.
        #[serde(rename = "at_ms", serialize_with = "ser_ms")]
        at: Duration,
    },
    /// The client aborted the connection with RST (`SO_LINGER` 0, close).
    Reset {
        /// When.
        #[serde(rename = "at_ms", serialize_with = "ser_ms")]
        at: Duration,
    },
    /// The client closed the connection.
    Closed {
        /// When.
        #[serde(rename = "at_ms", serialize_with = "ser_ms")]
        at: Duration,
    },
    /// A write failed (the server reset or closed the connection).
    WriteFailed {
        /// When.
        #[serde(rename = "at_ms", serialize_with = "ser_ms")]
        at: Duration,
        /// Bytes of the write that were accepted before it failed.
        written: u64,
        /// The OS error.
        error: String,
    },
}

/// How the server's side of a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "how", rename_all = "kebab-case")]
pub enum ConnEnd {
    /// The server closed its side: a 0-byte read.
    Fin {
        /// When the 0-byte read happened, since the case started.
        #[serde(rename = "at_ms", serialize_with = "ser_ms")]
        at: Duration,
    },
    /// The server reset the connection.
    Rst {
        /// When, since the case started.
        #[serde(rename = "at_ms", serialize_with = "ser_ms")]
        at: Duration,
    },
    /// A wait for the server passed its deadline.
    Timeout {
        /// When the deadline passed, since the case started.
        #[serde(rename = "at_ms", serialize_with = "ser_ms")]
        at: Duration,
    },
    /// The case ended with the connection open (it did not wait for the end).
    StillOpen,
    /// The connection was never established.
    NotConnected,
}

impl fmt::Display for ConnEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnEnd::Fin { at } => write!(f, "FIN at {}", Ms(*at)),
            ConnEnd::Rst { at } => write!(f, "RST at {}", Ms(*at)),
            ConnEnd::Timeout { at } => write!(f, "timeout at {}", Ms(*at)),
            ConnEnd::StillOpen => f.write_str("still open"),
            ConnEnd::NotConnected => f.write_str("not connected"),
        }
    }
}

/// Whether piece boundaries reached the server as separate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Boundaries {
    /// Each piece was confirmed to arrive on its own (the server read it
    /// before the next was written).
    Confirmed,
    /// Pieces were written separately with a pause between them, without
    /// confirmation: the kernel may still have merged some.
    Likely,
    /// Pieces may have been merged (no pause, or a write that blocked).
    NotGuaranteed,
    /// Everything was sent in one piece: there were no boundaries to keep.
    NotApplicable,
}

impl Boundaries {
    /// The weaker of two confirmations (for a connection's summary).
    #[must_use]
    pub fn weakest(self, other: Boundaries) -> Boundaries {
        match (self, other) {
            (Boundaries::NotApplicable, b) | (b, Boundaries::NotApplicable) => b,
            (a, b) => a.max(b),
        }
    }
}

/// Per-verdict counts of a run and what they mean for the exit code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Cases selected.
    pub total: usize,
    /// Cases passed.
    pub passed: usize,
    /// Cases failed.
    pub failed: usize,
    /// Cases with a warning.
    pub warned: usize,
    /// Cases that ran but whose scenario did not happen.
    pub not_exercised: usize,
    /// Cases not applicable.
    pub skipped: usize,
    /// Cases the harness could not run.
    pub errors: usize,
    /// Cases never run.
    pub not_run: usize,
    /// Why the run could not judge the target (unreachable, failed the first
    /// liveness probe, run deadline), if so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aborted: Option<String>,
    /// The exit code these counts mean (see [`crate::exit`]).
    pub exit_code: i32,
}

impl Summary {
    /// Count one verdict.
    pub fn count(&mut self, verdict: Verdict) {
        self.total += 1;
        match verdict {
            Verdict::Pass => self.passed += 1,
            Verdict::Fail => self.failed += 1,
            Verdict::Warn => self.warned += 1,
            Verdict::NotExercised => self.not_exercised += 1,
            Verdict::Skip => self.skipped += 1,
            Verdict::Error => self.errors += 1,
            Verdict::NotRun => self.not_run += 1,
        }
    }

    /// The exit code: 2 if the run was aborted before judging (or the
    /// harness failed), 1 on any failure, 4 if nothing was selected, else 0.
    pub fn compute_exit_code(&self) -> i32 {
        if self.total == 0 {
            crate::exit::NO_CASE_SELECTED
        } else if self.failed > 0 {
            crate::exit::NON_CONFORMANT
        } else if self.aborted.is_some() || self.errors > 0 {
            crate::exit::USAGE
        } else {
            crate::exit::CONFORMANT
        }
    }

    /// The counts as every report words them: `3 passed, 1 failed, 0 warned,
    /// 2 skipped, 0 errors, 0 not run`, then `, 1 not exercised` when a case
    /// ran without its scenario happening.
    pub fn counts(&self) -> String {
        let exercised = if self.not_exercised > 0 {
            format!(", {} not exercised", self.not_exercised)
        } else {
            String::new()
        };
        format!(
            "{} passed, {} failed, {} warned, {} skipped, {} errors, {} not run{exercised}",
            self.passed, self.failed, self.warned, self.skipped, self.errors, self.not_run
        )
    }

    /// Whether the target met every requirement that was checked.
    pub fn conformant(&self) -> bool {
        self.compute_exit_code() == crate::exit::CONFORMANT
    }
}

/// A consumer of run events: one per output format.
pub trait Reporter {
    /// Handle one event. Reporters do not fail the run: a reporter that
    /// cannot write remembers the error and reports it when asked.
    fn event(&mut self, event: &RunEvent);
}

/// Forwards every event to several reporters, in order.
#[derive(Default)]
pub struct Fanout<'a> {
    reporters: Vec<&'a mut dyn Reporter>,
}

impl<'a> Fanout<'a> {
    /// An empty fan-out.
    pub fn new() -> Self {
        Fanout::default()
    }

    /// Add a reporter.
    pub fn push(&mut self, reporter: &'a mut dyn Reporter) {
        self.reporters.push(reporter);
    }
}

impl Reporter for Fanout<'_> {
    fn event(&mut self, event: &RunEvent) {
        for r in &mut self.reporters {
            r.event(event);
        }
    }
}

/// Collects every event, for tests and for library use.
#[derive(Debug, Default, Clone)]
pub struct Collect {
    /// The events, in order.
    pub events: Vec<RunEvent>,
}

impl Collect {
    /// The case results, in order.
    pub fn results(&self) -> impl Iterator<Item = &CaseResult> {
        self.events.iter().filter_map(|e| match e {
            RunEvent::CaseFinished(r) => Some(r),
            _ => None,
        })
    }
}

impl Reporter for Collect {
    fn event(&mut self, event: &RunEvent) {
        self.events.push(event.clone());
    }
}

/// Bytes in evidence: the first [`Bytes::KEEP`] bytes and the total length.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Bytes {
    kept: Vec<u8>,
    len: u64,
}

impl Bytes {
    /// How many bytes evidence keeps of one write or read.
    pub const KEEP: usize = 256;

    /// Keep the first [`Bytes::KEEP`] bytes of `bytes`.
    pub fn new(bytes: &[u8]) -> Bytes {
        Bytes {
            kept: bytes[..bytes.len().min(Self::KEEP)].to_vec(),
            len: bytes.len() as u64,
        }
    }

    /// The kept bytes.
    pub fn kept(&self) -> &[u8] {
        &self.kept
    }

    /// The full length.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether there were no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether only a prefix was kept.
    pub fn truncated(&self) -> bool {
        (self.kept.len() as u64) < self.len
    }
}

impl fmt::Debug for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for Bytes {
    /// Escaped ASCII, with `…(+N)` when truncated.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", self.kept.escape_ascii())?;
        if self.truncated() {
            write!(f, "…(+{} bytes)", self.len - self.kept.len() as u64)?;
        }
        Ok(())
    }
}

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let truncated = self.truncated();
        let mut st = s.serialize_struct("Bytes", 3)?;
        st.serialize_field("len", &self.len)?;
        // A cut may split a UTF-8 sequence: only text that is valid whole is text.
        match std::str::from_utf8(&self.kept) {
            Ok(text) => st.serialize_field("text", text)?,
            Err(_) => st.serialize_field("base64", &base64(&self.kept))?,
        }
        if truncated {
            st.serialize_field("truncated", &true)?;
        } else {
            st.skip_field("truncated")?;
        }
        st.end()
    }
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A duration printed as milliseconds with one decimal (`12.3 ms`).
#[derive(Debug, Clone, Copy)]
pub struct Ms(pub Duration);

impl fmt::Display for Ms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.1} ms", self.0.as_secs_f64() * 1000.0)
    }
}

/// Serialize a duration as float milliseconds.
fn ser_ms<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), want, "{input:?}");
        }
    }

    #[test]
    fn bytes_serialize_as_text_or_base64() {
        let table: &[(&str, &[u8], &str)] = &[
            ("utf8", b"PING\r\n", r#"{"len":6,"text":"PING\r\n"}"#),
            ("binary", b"\x00\xff", r#"{"len":2,"base64":"AP8="}"#),
        ];
        for (name, input, want) in table {
            let got = serde_json::to_string(&Bytes::new(input)).expect("serialize");
            assert_eq!(&got, want, "{name}");
        }
        let long = Bytes::new(&[b'a'; 300]);
        let got = serde_json::to_value(&long).expect("serialize");
        assert_eq!(got["len"], 300);
        assert_eq!(got["truncated"], true);
        assert_eq!(got["text"].as_str().map(str::len), Some(Bytes::KEEP));
    }

    #[test]
    fn events_serialize_with_tags_and_milliseconds() {
        let event = RunEvent::RunFinished {
            summary: Summary::default(),
            duration: Duration::from_micros(1500),
        };
        let v = serde_json::to_value(&event).expect("serialize");
        assert_eq!(v["event"], "run-finished");
        assert_eq!(v["duration_ms"], 1.5);
        let end = serde_json::to_value(ConnEnd::Fin {
            at: Duration::from_millis(2),
        })
        .expect("serialize");
        assert_eq!(end["how"], "fin");
        assert_eq!(end["at_ms"], 2.0);
    }

    #[test]
    fn exit_codes_follow_the_verdicts() {
        let table: &[(&str, &[Verdict], Option<&str>, i32)] = &[
            ("nothing_selected", &[], None, crate::exit::NO_CASE_SELECTED),
            (
                "all_pass_with_warn_and_skip",
                &[Verdict::Pass, Verdict::Warn, Verdict::Skip],
                None,
                crate::exit::CONFORMANT,
            ),
            (
                "one_failure",
                &[Verdict::Pass, Verdict::Fail, Verdict::NotRun],
                None,
                crate::exit::NON_CONFORMANT,
            ),
            (
                "unreachable",
                &[Verdict::NotRun],
                Some("connection refused"),
                crate::exit::USAGE,
            ),
            (
                "harness_error",
                &[Verdict::Pass, Verdict::Error],
                None,
                crate::exit::USAGE,
            ),
        ];
        for (name, verdicts, aborted, want) in table {
            let mut s = Summary::default();
            for v in *verdicts {
                s.count(*v);
            }
            s.aborted = aborted.map(str::to_owned);
            assert_eq!(s.compute_exit_code(), *want, "{name}");
        }
    }

    #[test]
    fn weakest_boundary_confirmation() {
        use Boundaries::{Confirmed, Likely, NotApplicable, NotGuaranteed};
        assert_eq!(Confirmed.weakest(Likely), Likely);
        assert_eq!(NotApplicable.weakest(Confirmed), Confirmed);
        assert_eq!(Likely.weakest(NotGuaranteed), NotGuaranteed);
        assert_eq!(NotApplicable.weakest(NotApplicable), NotApplicable);
    }
}
