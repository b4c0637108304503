//! Report files: every format is a [`Reporter`] fed the run's events.
//!
//! Each format collects the events into a [`Record`] (which matches every
//! event kind, so a new kind forces a decision here) and writes its file when
//! the run finishes. All four can be attached to one run through a
//! [`Fanout`](framecheck_event::Fanout):
//!
//! | flag | type | file |
//! |---|---|---|
//! | `--json FILE` | [`JsonReport`] | the whole run, every case with its evidence (format version [`json::VERSION`]) |
//! | `--junit FILE` | [`JunitReport`] | JUnit XML: a testsuite per group, a testcase per case |
//! | `--html FILE` | [`HtmlReport`] | one self-contained page: the matrix and every transcript |
//! | `--markdown FILE` | [`MarkdownReport`] | a summary table for a CI job summary |
//!
//! The formats are documented, with their versions, in `reports/README.md`.
//!
//! ```
//! use framecheck_report::{JsonReport, Record, Render};
//! use framecheck_event::{Reporter, RunEvent, Summary};
//! let mut record = Record::default();
//! record.event(&RunEvent::RunStarted { target: "127.0.0.1:1".into(), framing: "crlf".into(), seed: 7, cases: 0 });
//! record.event(&RunEvent::RunFinished { summary: Summary::default(), duration: std::time::Duration::ZERO });
//! let text = framecheck_report::json::Json.render(&record);
//! assert!(text.contains("\"seed\": 7"));
//! ```

mod error;
pub mod expectations;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod progress;
pub mod terminal;

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use framecheck_event::{CaseResult, Reporter, RunEvent, Summary};

pub use error::Error;
pub use html::Html;
pub use json::Json;
pub use junit::Junit;
pub use markdown::Markdown;
pub use terminal::Terminal;

/// A JSON report file.
pub type JsonReport = FileReport<Json>;
/// A JUnit XML report file.
pub type JunitReport = FileReport<Junit>;
/// A self-contained HTML report file.
pub type HtmlReport = FileReport<Html>;
/// A Markdown summary file.
pub type MarkdownReport = FileReport<Markdown>;

/// Everything a run said, collected from its events.
#[derive(Debug, Clone, Default)]
pub struct Record {
    /// The target address.
    pub target: String,
    /// The framing spec (or profile description).
    pub framing: String,
    /// The run's seed.
    pub seed: u64,
    /// Cases announced at the start.
    pub announced: usize,
    /// Every finished case, in order.
    pub cases: Vec<CaseResult>,
    /// The id of a case that started and has not finished (a run cut short).
    pub running: Option<String>,
    /// The summary, once the run finished.
    pub summary: Option<Summary>,
    /// The run's wall time, once finished.
    pub duration: Duration,
}

impl Reporter for Record {
    fn event(&mut self, event: &RunEvent) {
        match event {
            RunEvent::RunStarted {
                target,
                framing,
                seed,
                cases,
            } => {
                *self = Record {
                    target: target.clone(),
                    framing: framing.clone(),
                    seed: *seed,
                    announced: *cases,
                    ..Record::default()
                };
            }
            RunEvent::CaseStarted { id } => self.running = Some(id.clone()),
            RunEvent::CaseFinished(result) => {
                self.running = None;
                self.cases.push(result.clone());
            }
            RunEvent::RunFinished { summary, duration } => {
                self.summary = Some(summary.clone());
                self.duration = *duration;
            }
        }
    }
}

impl Record {
    /// The case groups in order of first appearance, each with its cases.
    pub fn groups(&self) -> Vec<(&str, Vec<&CaseResult>)> {
        let mut groups: Vec<(&str, Vec<&CaseResult>)> = Vec::new();
        for case in &self.cases {
            match groups.iter_mut().find(|(g, _)| *g == case.group) {
                Some((_, list)) => list.push(case),
                None => groups.push((&case.group, vec![case])),
            }
        }
        groups
    }

    /// The summary, or one counted from the cases if the run did not finish.
    pub fn summary(&self) -> Summary {
        self.summary.clone().unwrap_or_else(|| {
            let mut s = Summary::default();
            for c in &self.cases {
                s.count(c.verdict);
            }
            s.aborted = Some("the run did not finish".to_owned());
            s.exit_code = s.compute_exit_code();
            s
        })
    }
}

/// A report format: a whole run to the text of one file.
pub trait Render {
    /// The file's text.
    fn render(&self, record: &Record) -> String;
}

/// A report file of one format: collects the run, writes the file when the
/// run finishes (or on [`FileReport::finish`], for a run cut short).
#[derive(Debug)]
pub struct FileReport<F: Render> {
    format: F,
    path: PathBuf,
    record: Record,
    written: bool,
    error: Option<io::Error>,
}

impl<F: Render> FileReport<F> {
    /// A report of `format` to be written at `path`.
    pub fn new(format: F, path: impl Into<PathBuf>) -> Self {
        FileReport {
            format,
            path: path.into(),
            record: Record::default(),
            written: false,
            error: None,
        }
    }

    /// Where the file goes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Write the file if the run did not finish, and return the first write error.
    pub fn finish(mut self) -> io::Result<()> {
        if !self.written {
            self.write();
        }
        self.error.map_or(Ok(()), Err)
    }

    fn write(&mut self) {
        self.written = true;
        let text = self.format.render(&self.record);
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if let Err(e) = std::fs::create_dir_all(dir) {
                self.error.get_or_insert(e);
                return;
            }
        }
        if let Err(e) = std::fs::write(&self.path, text) {
            self.error.get_or_insert(e);
        }
    }
}

impl<F: Render> Reporter for FileReport<F> {
    fn event(&mut self, event: &RunEvent) {
        self.record.event(event);
        if matches!(event, RunEvent::RunFinished { .. }) {
            self.write();
        }
    }
}

/// Shared test fixtures: a small run with every verdict and hostile bytes.
#[cfg(test)]
pub(crate) mod fixture {
    use std::time::Duration;

    use framecheck_event::{
        Boundaries, Bytes, CaseResult, ConnEnd, ConnLog, Evidence, RunEvent, Step, Summary, Verdict,
    };

    /// What a hostile server answered: markup, a script, a NUL, invalid UTF-8.
    pub(crate) const HOSTILE: &[u8] =
        b"<script>alert(1)</script><img src=x onerror=alert(2)>\x00\xff]]>&amp;";

    fn case(id: &str, verdict: Verdict, received: &[u8]) -> CaseResult {
        let (group, _) = id.split_once('/').unwrap_or((id, ""));
        CaseResult {
            id: id.to_owned(),
            group: group.to_owned(),
            requirement: format!("requirement of {id} <must> hold & be \"quoted\""),
            verdict,
            message: if verdict == Verdict::Pass {
                String::new()
            } else {
                format!("{verdict}: reply {} differs", Bytes::new(received))
            },
            evidence: Evidence {
                seed: 7,
                expected: "2 replies echoing the 2 messages".to_owned(),
                observed: format!("reply 1: {}", Bytes::new(received)),
                connections: vec![ConnLog {
                    label: "client 1".to_owned(),
                    steps: vec![
                        Step::Connected {
                            at: Duration::from_micros(100),
                        },
                        Step::Sent {
                            at: Duration::from_micros(200),
                            bytes: Bytes::new(b"\x00\x02hi"),
                            schedule: "1+3".to_owned(),
                            boundaries: Boundaries::Confirmed,
                        },
                        Step::Received {
                            at: Duration::from_micros(900),
                            bytes: Bytes::new(received),
                        },
                        Step::ShutdownWrite {
                            at: Duration::from_millis(1),
                        },
                    ],
                    end: ConnEnd::Fin {
                        at: Duration::from_millis(2),
                    },
                    boundaries: Boundaries::Confirmed,
                    received_total: received.len() as u64,
                    sent_total: 4,
                }],
                notes: vec!["server closed 0.4 ms after EOF".to_owned()],
                original_schedule: None,
                shrunk_schedule: None,
            },
            replay: format!(
                "framecheck replay 127.0.0.1:4000 --framing u16be --case {id} --seed 7"
            ),
            duration: Duration::from_millis(3),
        }
    }

    /// A finished run: 2 passes, 2 failures (one hostile), a warning, a skip,
    /// a harness error and a case not run.
    pub(crate) fn events() -> Vec<RunEvent> {
        let cases = [
            case("boundary/whole/lockstep", Verdict::Pass, b"\x00\x02hi"),
            case("boundary/byte-at-a-time/lockstep", Verdict::Fail, HOSTILE),
            case("eof/mid-header", Verdict::Pass, b""),
            case("eof/mid-body", Verdict::Fail, b"\x00\x05partial"),
            case("limits/idle-timeout", Verdict::Warn, b""),
            case("limits/unknown-tag", Verdict::Skip, b""),
            case("reset/while-server-writes", Verdict::NotExercised, b""),
            case("reset/mid-message", Verdict::Error, b""),
            case("churn/connect-cycles", Verdict::NotRun, b""),
        ];
        let mut summary = Summary::default();
        let mut events = vec![RunEvent::RunStarted {
            target: "127.0.0.1:4000".to_owned(),
            framing: "u16be".to_owned(),
            seed: 7,
            cases: cases.len(),
        }];
        for c in cases {
            summary.count(c.verdict);
            events.push(RunEvent::CaseStarted { id: c.id.clone() });
            events.push(RunEvent::CaseFinished(c));
        }
        summary.exit_code = summary.compute_exit_code();
        events.push(RunEvent::RunFinished {
            summary,
            duration: Duration::from_millis(40),
        });
        events
    }

    /// The fixture run as a record.
    pub(crate) fn record() -> super::Record {
        use framecheck_event::Reporter as _;
        let mut r = super::Record::default();
        for e in events() {
            r.event(&e);
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_writes_its_file_when_the_run_finishes() {
        let dir = std::env::temp_dir().join(format!("framecheck-report-{}", std::process::id()));
        let paths = ["r.json", "r.xml", "r.html", "r.md"].map(|f| dir.join("sub").join(f));
        let mut json = JsonReport::new(Json, &paths[0]);
        let mut junit = JunitReport::new(Junit, &paths[1]);
        let mut html = HtmlReport::new(Html, &paths[2]);
        let mut md = MarkdownReport::new(Markdown, &paths[3]);
        for e in fixture::events() {
            json.event(&e);
            junit.event(&e);
            html.event(&e);
            md.event(&e);
        }
        for p in &paths {
            let len = std::fs::metadata(p).map_or(0, |m| m.len());
            assert!(len > 100, "{} is {len} bytes", p.display());
        }
        json.finish().expect("json");
        junit.finish().expect("junit");
        html.finish().expect("html");
        md.finish().expect("md");
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn an_unfinished_run_is_written_on_finish_and_says_so() {
        let dir = std::env::temp_dir().join(format!("framecheck-cut-{}", std::process::id()));
        let path = dir.join("cut.json");
        let mut json = JsonReport::new(Json, &path);
        for e in fixture::events().iter().take(4) {
            json.event(e);
        }
        assert!(!path.exists(), "written before the end");
        json.finish().expect("written");
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        assert_eq!(v["summary"]["aborted"], "the run did not finish");
        assert_eq!(v["cases"].as_array().map(Vec::len), Some(1));
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn an_unwritable_path_is_an_error_not_a_panic() {
        let mut json = JsonReport::new(Json, "/proc/framecheck/no/such/dir/r.json");
        for e in fixture::events() {
            json.event(&e);
        }
        assert!(json.finish().is_err());
    }
}
