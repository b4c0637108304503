//! `--json FILE`: the whole run as one JSON document.
//!
//! ```json
//! {
//!   "format": "framecheck-run", "version": 1,
//!   "target": "127.0.0.1:4000", "framing": "u16be", "seed": 7,
//!   "summary": { "total": 42, "passed": 41, "failed": 1, ..., "exit_code": 1 },
//!   "duration_ms": 1320.5,
//!   "cases": [ { "id": "boundary/whole/lockstep", "group": "boundary",
//!                "requirement": "...", "verdict": "pass", "message": "",
//!                "evidence": { ... }, "replay": "framecheck replay ...",
//!                "duration_ms": 0.3 }, ... ]
//! }
//! ```
//!
//! Bytes are `{"len": N, "text": "..."}` when UTF-8, else
//! `{"len": N, "base64": "..."}`, with `"truncated": true` when only the
//! first bytes were kept. Full description in `reports/README.md`.

use framecheck_event::{CaseResult, Summary};
use serde::Serialize;

use super::{Record, Render};

/// The JSON format's version: bumped on any change a reader could notice
/// (a field removed, renamed or retyped; new fields do not bump it).
pub const VERSION: u32 = 1;

/// The JSON format.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json;

#[derive(Serialize)]
struct Document<'a> {
    format: &'static str,
    version: u32,
    target: &'a str,
    framing: &'a str,
    seed: u64,
    summary: Summary,
    duration_ms: f64,
    cases: &'a [CaseResult],
}

impl Render for Json {
    fn render(&self, record: &Record) -> String {
        let doc = Document {
            format: "framecheck-run",
            version: VERSION,
            target: &record.target,
            framing: &record.framing,
            seed: record.seed,
            summary: record.summary(),
            duration_ms: record.duration.as_secs_f64() * 1e3,
            cases: &record.cases,
        };
        // Serializing plain data to a String cannot fail (no maps with
        // non-string keys, no I/O); fall back to a JSON error object anyway.
        let mut text = serde_json::to_string_pretty(&doc).unwrap_or_else(|e| {
            format!("{{\"format\":\"framecheck-run\",\"version\":{VERSION},\"error\":\"{e}\"}}")
        });
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::fixture;

    #[test]
    fn round_trips_through_serde_json_with_every_case() {
        let record = fixture::record();
        let v: Value = serde_json::from_str(&Json.render(&record)).expect("valid JSON");
        assert_eq!(v["format"], "framecheck-run");
        assert_eq!(v["version"], VERSION);
        assert_eq!(v["seed"], 7);
        let cases = v["cases"].as_array().expect("cases");
        assert_eq!(cases.len(), record.cases.len());
        let verdicts: Vec<&str> = cases.iter().filter_map(|c| c["verdict"].as_str()).collect();
        assert_eq!(
            verdicts,
            [
                "pass",
                "fail",
                "pass",
                "fail",
                "warn",
                "skip",
                "not-exercised",
                "error",
                "not-run"
            ]
        );
        assert_eq!(v["summary"]["not_exercised"], 1);
        assert_eq!(v["summary"]["failed"], 2);
        assert_eq!(v["summary"]["exit_code"], 1);
        // Re-serializing the parsed value gives the same value.
        let again: Value = serde_json::from_str(&v.to_string()).expect("again");
        assert_eq!(again, v);
    }

    #[test]
    fn bytes_are_text_when_utf8_else_base64() {
        let v: Value = serde_json::from_str(&Json.render(&fixture::record())).expect("json");
        let steps = |i: usize| v["cases"][i]["evidence"]["connections"][0]["steps"].clone();
        let sent = &steps(0)[1];
        assert_eq!(sent["step"], "sent");
        assert_eq!(sent["bytes"]["text"], "\u{0}\u{2}hi");
        let hostile = &steps(1)[2]["bytes"];
        assert_eq!(hostile["len"], fixture::HOSTILE.len());
        assert!(hostile["base64"].is_string(), "{hostile}");
        assert!(hostile.get("text").is_none());
    }
}
