//! `--junit FILE`: JUnit XML for GitHub, GitLab and Jenkins test views.
//!
//! One `<testsuite>` per case group (`boundary`, `eof`, …), one `<testcase>`
//! per case with `name` = the case id and `classname` = `framecheck.GROUP`.
//!
//! | verdict | JUnit |
//! |---|---|
//! | pass | a passing testcase |
//! | warn | a passing testcase whose `<system-out>` holds the warning |
//! | fail | `<failure message="…" type="fail">` with the requirement, expected, observed and the replay command |
//! | skip, not-run | `<skipped message="…">` |
//! | error | `<error>`: the harness could not run the case |
//!
//! A failing server is a `<failure>`, never an `<error>`.

use std::fmt::Write as _;

use framecheck_event::{CaseResult, Verdict};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::{Record, Render};

/// The JUnit format.
#[derive(Debug, Clone, Copy, Default)]
pub struct Junit;

impl Render for Junit {
    fn render(&self, record: &Record) -> String {
        let mut report = Report::new(format!("framecheck {} {}", record.target, record.framing));
        report.set_time(record.duration);
        for (group, cases) in record.groups() {
            let mut suite = TestSuite::new(group);
            suite.add_property(("target", record.target.as_str()));
            suite.add_property(("framing", record.framing.as_str()));
            suite.add_property(("seed", record.seed.to_string().as_str()));
            for case in cases {
                suite.add_test_case(test_case(case));
            }
            report.add_test_suite(suite);
        }
        report.to_string().unwrap_or_else(|e| {
            // Serializing to memory fails only on a writer error, which a
            // String does not have; keep the file valid XML regardless.
            format!("<?xml version=\"1.0\"?>\n<testsuites name=\"framecheck\"><!-- {e} --></testsuites>\n")
        })
    }
}

fn test_case(case: &CaseResult) -> TestCase {
    let status = match case.verdict {
        Verdict::Pass | Verdict::Warn => TestCaseStatus::success(),
        Verdict::Fail | Verdict::Error => {
            let kind = if case.verdict == Verdict::Fail {
                NonSuccessKind::Failure
            } else {
                NonSuccessKind::Error
            };
            let mut status = TestCaseStatus::non_success(kind);
            status
                .set_message(case.message.as_str())
                .set_type(case.verdict.name())
                .set_description(details(case));
            status
        }
        Verdict::Skip | Verdict::NotRun | Verdict::NotExercised => {
            let mut status = TestCaseStatus::skipped();
            status
                .set_message(format!("{}: {}", case.verdict, case.message))
                .set_type(case.verdict.name());
            status
        }
    };
    let mut tc = TestCase::new(case.id.as_str(), status);
    tc.set_classname(format!("framecheck.{}", case.group));
    tc.set_time(case.duration);
    if case.verdict == Verdict::Warn {
        tc.set_system_out(format!("warning: {}\n{}", case.message, details(case)));
    }
    tc
}

/// The body of a failure: requirement, expected, observed, notes, replay.
fn details(case: &CaseResult) -> String {
    let ev = &case.evidence;
    let mut out = format!("requirement: {}\n", case.requirement);
    if !ev.expected.is_empty() {
        let _ = writeln!(out, "expected: {}", ev.expected);
    }
    if !ev.observed.is_empty() {
        let _ = writeln!(out, "observed: {}", ev.observed);
    }
    for conn in &ev.connections {
        let _ = writeln!(
            out,
            "connection {}: sent {} bytes, received {} bytes, ended {}",
            conn.label, conn.sent_total, conn.received_total, conn.end
        );
    }
    for note in &ev.notes {
        let _ = writeln!(out, "note: {note}");
    }
    if let Some(s) = &ev.shrunk_schedule {
        let _ = writeln!(out, "shrunk schedule: {s}");
    }
    let _ = writeln!(out, "replay: {}", case.replay);
    out
}

#[cfg(test)]
mod tests {
    use quick_xml::Reader;
    use quick_xml::events::Event;

    use super::*;
    use crate::fixture;

    /// Every element name, with the attributes of each, in document order.
    fn elements(xml: &str) -> Vec<(String, Vec<(String, String)>)> {
        let mut reader = Reader::from_str(xml);
        let mut out = Vec::new();
        loop {
            match reader.read_event().expect("well-formed XML") {
                Event::Start(e) | Event::Empty(e) => {
                    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    let attrs = e
                        .attributes()
                        .map(|a| {
                            let a = a.expect("attribute");
                            let value = a
                                .normalized_value(quick_xml::XmlVersion::Explicit1_0)
                                .expect("unescape")
                                .into_owned();
                            (String::from_utf8_lossy(a.key.as_ref()).into_owned(), value)
                        })
                        .collect();
                    out.push((name, attrs));
                }
                Event::Eof => break,
                _ => {}
            }
        }
        out
    }

    fn attr<'a>(attrs: &'a [(String, String)], key: &str) -> Option<&'a str> {
        attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn parses_with_a_failure_per_failing_case_and_no_error_for_failures() {
        let record = fixture::record();
        let xml = Junit.render(&record);
        let els = elements(&xml);
        let count = |n: &str| els.iter().filter(|(name, _)| name == n).count();
        assert_eq!(count("testsuites"), 1);
        assert_eq!(count("testsuite"), 5, "boundary, eof, limits, reset, churn");
        assert_eq!(count("testcase"), record.cases.len());
        assert_eq!(count("failure"), 2, "one per failing case");
        assert_eq!(count("error"), 1, "only the harness error");
        assert_eq!(count("skipped"), 3, "skip, not-exercised and not-run");
        for (name, attrs) in &els {
            if name == "testcase" {
                let id = attr(attrs, "name").expect("name");
                let group = id.split('/').next().expect("group");
                assert_eq!(
                    attr(attrs, "classname"),
                    Some(format!("framecheck.{group}").as_str())
                );
            }
        }
    }

    #[test]
    fn a_failure_carries_expected_observed_and_replay() {
        let xml = Junit.render(&fixture::record());
        let mut reader = Reader::from_str(&xml);
        let mut in_failure = false;
        let mut bodies = Vec::new();
        loop {
            match reader.read_event().expect("xml") {
                Event::Start(e) if e.name().as_ref() == b"failure" => in_failure = true,
                Event::End(e) if e.name().as_ref() == b"failure" => in_failure = false,
                Event::Text(t) if in_failure => {
                    bodies.push(t.decode().expect("text").into_owned());
                }
                Event::GeneralRef(r) if in_failure => {
                    bodies.push(format!("&{};", String::from_utf8_lossy(&r)));
                }
                Event::Eof => break,
                _ => {}
            }
        }
        let text = bodies.concat();
        for want in [
            "requirement:",
            "expected: 2 replies",
            "observed: reply 1:",
            "replay: framecheck replay 127.0.0.1:4000",
        ] {
            assert!(text.contains(want), "{want} missing in {text}");
        }
    }
}
