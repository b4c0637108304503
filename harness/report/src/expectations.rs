//! Known deviations: `--expect FILE` lists the case ids a server is known to
//! fail, each with the reason, so that CI stays green on them and turns red
//! when anything else fails, or when a known failure starts passing.
//!
//! Two spellings. Plain text, one entry per line, `#` starts a comment:
//!
//! ```text
//! # case id                    reason (required)
//! limits/idle-timeout          redis closes idle clients only with `timeout` set
//! ```
//!
//! or TOML (when the file name ends in `.toml`):
//!
//! ```toml
//! [[expected-failure]]
//! case = "limits/idle-timeout"
//! reason = "redis closes idle clients only with `timeout` set"
//! ```
//!
//! During the run, [`Adjust`] rewrites the events on their way to the
//! reporters: a listed case that fails becomes `warn` with the message
//! `expected failure (REASON): …`; a listed case that passes becomes `warn`
//! with `unexpected pass: …`, so it is reported; the summary and its exit
//! code are recounted. Before the run, [`Expectations::check_ids`] refuses a
//! listed id that names no case (exit 2), so a renamed case cannot silently
//! turn an expectation off.

use std::path::Path;

use framecheck_event::{CaseResult, Reporter, RunEvent, Summary, Verdict};
use serde::Deserialize;

use crate::Error;

/// The largest expectations file read, in bytes.
pub const MAX_FILE: usize = 1024 * 1024;

/// One expected failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The case id, exactly as listed by `framecheck run --list`.
    pub case: String,
    /// Why the failure is expected.
    pub reason: String,
    /// The 1-based line it was written on (for errors).
    pub line: usize,
}

/// A parsed expectations file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expectations {
    /// Where the entries came from (the path).
    pub origin: String,
    /// The entries, in file order.
    pub entries: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(rename = "expected-failure", default)]
    expected_failure: Vec<toml::Spanned<RawEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    case: String,
    reason: String,
}

impl Expectations {
    /// Read a file: TOML when its name ends in `.toml`, else plain text.
    pub fn read(path: &Path) -> Result<Expectations, Error> {
        use std::io::Read as _;
        let shown = path.display().to_string();
        let read_err = |source| Error::ReadFile {
            what: "expectations",
            path: shown.clone(),
            source,
        };
        let mut text = String::new();
        std::fs::File::open(path)
            .map_err(read_err)?
            .take(u64::try_from(MAX_FILE).unwrap_or(u64::MAX) + 1)
            .read_to_string(&mut text)
            .map_err(read_err)?;
        if text.len() > MAX_FILE {
            return Err(Error::InvalidExpectations {
                origin: shown,
                line: 1,
                problem: format!("the file is over the limit of {MAX_FILE} bytes"),
            });
        }
        if path.extension().is_some_and(|e| e == "toml") {
            Expectations::parse_toml(&text, &shown)
        } else {
            Expectations::parse_text(&text, &shown)
        }
    }

    /// Parse the plain-text form: `CASE-ID REASON…` per line.
    pub fn parse_text(text: &str, origin: &str) -> Result<Expectations, Error> {
        let mut out = Expectations {
            origin: origin.to_owned(),
            entries: Vec::new(),
        };
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split_once('#').map_or(raw, |(before, _)| before).trim();
            if line.is_empty() {
                continue;
            }
            let (case, reason) = line
                .split_once(char::is_whitespace)
                .map_or((line, ""), |(c, r)| (c, r.trim()));
            out.push(case, reason, i + 1)?;
        }
        Ok(out)
    }

    /// Parse the TOML form: `[[expected-failure]]` tables with `case` and `reason`.
    pub fn parse_toml(text: &str, origin: &str) -> Result<Expectations, Error> {
        let line_of = |pos: usize| text.get(..pos).unwrap_or("").matches('\n').count() + 1;
        let raw: RawFile = toml::from_str(text).map_err(|e| Error::InvalidExpectations {
            origin: origin.to_owned(),
            line: line_of(e.span().map_or(0, |s| s.start)),
            problem: e.message().trim_end().to_owned(),
        })?;
        let mut out = Expectations {
            origin: origin.to_owned(),
            entries: Vec::new(),
        };
        for e in raw.expected_failure {
            let line = line_of(e.span().start);
            let e = e.into_inner();
            out.push(&e.case, e.reason.trim(), line)?;
        }
        Ok(out)
    }

    fn push(&mut self, case: &str, reason: &str, line: usize) -> Result<(), Error> {
        let invalid = |problem: String| Error::InvalidExpectations {
            origin: self.origin.clone(),
            line,
            problem,
        };
        if reason.is_empty() {
            return Err(invalid(format!(
                "{case:?} has no reason; every expected failure says why"
            )));
        }
        if let Some(first) = self.entries.iter().find(|e| e.case == case) {
            return Err(invalid(format!(
                "{case:?} is listed twice (first on line {})",
                first.line
            )));
        }
        self.entries.push(Entry {
            case: case.to_owned(),
            reason: reason.to_owned(),
            line,
        });
        Ok(())
    }

    /// Refuse entries whose id is not among `ids` (the whole catalogue).
    pub fn check_ids<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> Result<(), Error> {
        let known: Vec<&str> = ids.into_iter().collect();
        let unknown: Vec<String> = self
            .entries
            .iter()
            .filter(|e| !known.contains(&e.case.as_str()))
            .map(|e| format!("{} (line {})", e.case, e.line))
            .collect();
        if unknown.is_empty() {
            Ok(())
        } else {
            Err(Error::UnknownCaseIds {
                origin: self.origin.clone(),
                ids: unknown,
            })
        }
    }

    /// The entry for a case id.
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.case == id)
    }

    /// A reporter that applies these expectations before passing events on.
    pub fn adjust<'a>(&'a self, inner: &'a mut dyn Reporter) -> Adjust<'a> {
        Adjust {
            expectations: self,
            inner,
            summary: Summary::default(),
        }
    }

    fn rewrite(&self, result: &CaseResult) -> Option<CaseResult> {
        let entry = self.get(&result.id)?;
        let message = match result.verdict {
            Verdict::Fail => format!("expected failure ({}): {}", entry.reason, result.message),
            Verdict::Pass => format!(
                "unexpected pass: {}:{} expects it to fail ({}); remove the entry",
                self.origin, entry.line, entry.reason
            ),
            _ => return None,
        };
        let mut out = result.clone();
        out.verdict = Verdict::Warn;
        out.message = message;
        Some(out)
    }
}

/// Applies [`Expectations`] to the events on their way to another reporter,
/// and recounts the summary.
pub struct Adjust<'a> {
    expectations: &'a Expectations,
    inner: &'a mut dyn Reporter,
    summary: Summary,
}

impl Adjust<'_> {
    /// The recounted summary (complete once the run finished).
    pub fn summary(&self) -> &Summary {
        &self.summary
    }
}

impl Reporter for Adjust<'_> {
    fn event(&mut self, event: &RunEvent) {
        match event {
            RunEvent::RunStarted { .. } => {
                self.summary = Summary::default();
                self.inner.event(event);
            }
            RunEvent::CaseStarted { .. } => self.inner.event(event),
            RunEvent::CaseFinished(result) => {
                let rewritten = self.expectations.rewrite(result);
                let result = rewritten.as_ref().unwrap_or(result);
                self.summary.count(result.verdict);
                self.inner.event(&RunEvent::CaseFinished(result.clone()));
            }
            RunEvent::RunFinished { summary, duration } => {
                self.summary.aborted.clone_from(&summary.aborted);
                self.summary.exit_code = self.summary.compute_exit_code();
                self.inner.event(&RunEvent::RunFinished {
                    summary: self.summary.clone(),
                    duration: *duration,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;
    use framecheck_event::Collect;

    #[test]
    #[expect(
        clippy::type_complexity,
        reason = "a scenario table reads best as tuples"
    )]
    fn parse_table() {
        let cases: [(&str, &str, Result<&[(&str, &str)], &str>); 6] = [
            (
                "text",
                "# known\neof/mid-body  server waits\n\nlimits/idle-timeout no timeout # set\n",
                Ok(&[
                    ("eof/mid-body", "server waits"),
                    ("limits/idle-timeout", "no timeout"),
                ]),
            ),
            (
                "text_no_reason",
                "eof/mid-body\n",
                Err("x:1: \"eof/mid-body\" has no reason"),
            ),
            (
                "text_twice",
                "a r\na r\n",
                Err("x:2: \"a\" is listed twice (first on line 1)"),
            ),
            (
                "toml",
                "[[expected-failure]]\ncase = \"eof/mid-body\"\nreason = \"waits\"\n",
                Ok(&[("eof/mid-body", "waits")]),
            ),
            (
                "toml_empty_reason",
                "\n[[expected-failure]]\ncase = \"a\"\nreason = \" \"\n",
                Err("x:2: \"a\" has no reason"),
            ),
            (
                "toml_unknown_field",
                "[[expected-failure]]\ncase = \"a\"\nreason = \"r\"\nwhy = 1\n",
                Err("x:4: unknown field `why`"),
            ),
        ];
        for (scenario, text, want) in cases {
            let got = if scenario.starts_with("toml") {
                Expectations::parse_toml(text, "x")
            } else {
                Expectations::parse_text(text, "x")
            };
            match (got, want) {
                (Ok(e), Ok(want)) => {
                    let got: Vec<(&str, &str)> = e
                        .entries
                        .iter()
                        .map(|e| (e.case.as_str(), e.reason.as_str()))
                        .collect();
                    assert_eq!(got, want, "{scenario}");
                }
                (Err(e), Err(want)) => assert!(e.to_string().contains(want), "{scenario}: {e}"),
                (got, want) => panic!("{scenario}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn unknown_ids_are_refused_with_their_lines() {
        let e = Expectations::parse_text("eof/mid-body r\neof/mid-bdy typo\n", "x").expect("parse");
        let err = e
            .check_ids(["eof/mid-body", "eof/mid-header"])
            .expect_err("typo");
        assert_eq!(
            err.to_string(),
            "x: 1 listed case id(s) match no case: eof/mid-bdy (line 2); see `framecheck run --list`"
        );
        assert!(e.check_ids(["eof/mid-body", "eof/mid-bdy"]).is_ok());
    }

    #[test]
    fn expected_failures_warn_unexpected_passes_warn_and_the_summary_is_recounted() {
        // The fixture fails boundary/byte-at-a-time/lockstep and eof/mid-body.
        let e = Expectations::parse_text(
            "eof/mid-body known\nboundary/whole/lockstep used to fail\n",
            "x",
        )
        .expect("parse");
        let mut out = Collect::default();
        let mut adjust = e.adjust(&mut out);
        for ev in fixture::events() {
            adjust.event(&ev);
        }
        let summary = adjust.summary().clone();
        assert_eq!(summary.failed, 1, "only the unlisted failure is left");
        assert_eq!(
            summary.warned, 3,
            "the fixture's warning, the expected failure, the unexpected pass"
        );
        assert_eq!(summary.exit_code, framecheck_event::exit::NON_CONFORMANT);
        let by_id = |id: &str| out.results().find(|r| r.id == id).cloned().expect(id);
        assert_eq!(by_id("eof/mid-body").verdict, Verdict::Warn);
        assert!(
            by_id("eof/mid-body")
                .message
                .starts_with("expected failure (known): ")
        );
        assert!(
            by_id("boundary/whole/lockstep")
                .message
                .starts_with("unexpected pass: x:2 expects it to fail")
        );
        let Some(RunEvent::RunFinished {
            summary: passed_on, ..
        }) = out.events.last()
        else {
            panic!("no RunFinished");
        };
        assert_eq!(passed_on, &summary);
        // Listing the other failure too makes the run conformant.
        let both =
            Expectations::parse_text("eof/mid-body a\nboundary/byte-at-a-time/lockstep b\n", "x")
                .expect("parse");
        let mut sink = Collect::default();
        let mut adjust = both.adjust(&mut sink);
        for ev in fixture::events() {
            adjust.event(&ev);
        }
        assert_eq!(adjust.summary().failed, 0);
        // The fixture also has a harness error, which keeps exit code 2.
        assert_eq!(adjust.summary().exit_code, framecheck_event::exit::USAGE);
    }
}
