//! `--html FILE`: one self-contained page (no scripts, no remote fonts,
//! styles or images): the matrix of cases and verdicts, and for every case
//! its requirement, verdict, evidence as a timeline of pieces sent and bytes
//! received per connection, how each connection ended, and the replay command.
//!
//! Every piece of text, and above all every byte that came from the server,
//! is escaped: bytes are first shown as escaped ASCII (`\x00`, `\r`), then
//! HTML-escaped, so a server that answers `<script>` shows `&lt;script&gt;`.

use std::fmt::Write as _;

use framecheck_event::{CaseResult, ConnLog, Ms, Step, Verdict};

use super::{Record, Render};

/// The HTML format's version, written in a `<meta name="framecheck-report-version">`.
pub const VERSION: u32 = 1;

/// The HTML format.
#[derive(Debug, Clone, Copy, Default)]
pub struct Html;

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222}\
h1{font-size:1.4em}table{border-collapse:collapse;margin:1em 0}\
td,th{border:1px solid #ccc;padding:2px 8px;text-align:left;vertical-align:top}\
th{background:#f4f4f4}code,pre,.mono{font-family:ui-monospace,monospace;font-size:13px}\
pre{white-space:pre-wrap;word-break:break-all;background:#f8f8f8;padding:6px;margin:4px 0}\
.v{padding:0 4px}.v.pass{background:#d9f2d9}.v.fail{background:#f8d0d0}.v.warn{background:#fbeec1}\
.v.skip,.v.not-run{background:#eee}.v.not-exercised{background:#d6eef5}.v.error{background:#e6d5f5}td.mark{text-align:center}\
details{margin:6px 0;border-left:4px solid #ccc;padding-left:8px}\
details.fail{border-color:#d33}details.warn{border-color:#c90}details.not-exercised{border-color:#39a}details.error{border-color:#85c}\
summary{cursor:pointer}.bytes{word-break:break-all}";

impl Render for Html {
    fn render(&self, record: &Record) -> String {
        let summary = record.summary();
        let verdict = if summary.conformant() {
            "CONFORMANT"
        } else if summary.failed > 0 {
            "NON-CONFORMANT"
        } else {
            "NOT JUDGED"
        };
        let mut h = String::with_capacity(16 * 1024);
        let _ = write!(
            h,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"framecheck-report-version\" content=\"{VERSION}\">\
             <meta name=\"viewport\" content=\"width=device-width\">\
             <title>framecheck: {} {}</title><style>{STYLE}</style></head><body>\n",
            esc(&record.target),
            esc(verdict)
        );
        let _ = writeln!(
            h,
            "<h1>framecheck {} <span class=\"mono\">{}</span>: {}</h1>",
            esc(&record.target),
            esc(&record.framing),
            esc(verdict)
        );
        let _ = writeln!(
            h,
            "<p>seed {} · {} · {:.2} s · exit code {}</p>",
            record.seed,
            summary.counts(),
            record.duration.as_secs_f64(),
            summary.exit_code
        );
        if let Some(why) = &summary.aborted {
            let _ = writeln!(
                h,
                "<p><span class=\"v error\">aborted</span> {}</p>",
                esc(why)
            );
        }
        matrix(&mut h, record);
        h.push_str("<h2>Cases</h2>\n");
        for case in &record.cases {
            case_details(&mut h, case);
        }
        h.push_str("</body></html>\n");
        h
    }
}

/// Rows: cases by group; columns: verdicts; each row marks its verdict.
fn matrix(h: &mut String, record: &Record) {
    h.push_str("<table class=\"matrix\"><tr><th>case</th>");
    for v in Verdict::ALL {
        let _ = write!(h, "<th>{v}</th>");
    }
    h.push_str("<th>time</th></tr>\n");
    for (group, cases) in record.groups() {
        let _ = writeln!(
            h,
            "<tr><th colspan=\"{}\">{}</th></tr>",
            Verdict::ALL.len() + 2,
            esc(group)
        );
        for case in cases {
            let _ = write!(
                h,
                "<tr><td><a href=\"#{}\" class=\"mono\">{}</a></td>",
                anchor(&case.id),
                esc(&case.id)
            );
            for v in Verdict::ALL {
                if v == case.verdict {
                    let _ = write!(h, "<td class=\"mark v {v}\">●</td>");
                } else {
                    h.push_str("<td class=\"mark\"></td>");
                }
            }
            let _ = writeln!(h, "<td>{}</td></tr>", Ms(case.duration));
        }
    }
    h.push_str("</table>\n");
}

fn case_details(h: &mut String, case: &CaseResult) {
    let v = case.verdict;
    let open = if matches!(v, Verdict::Fail | Verdict::Error) {
        " open"
    } else {
        ""
    };
    let _ = writeln!(
        h,
        "<details id=\"{}\" class=\"{v}\"{open}><summary><span class=\"v {v}\">{v}</span> \
         <code>{}</code> {}</summary>",
        anchor(&case.id),
        esc(&case.id),
        esc(&case.message)
    );
    let ev = &case.evidence;
    let _ = writeln!(h, "<p>requirement: {}</p>", esc(&case.requirement));
    if !ev.expected.is_empty() || !ev.observed.is_empty() {
        let _ = writeln!(
            h,
            "<table><tr><th>expected</th><td class=\"bytes\">{}</td></tr>\
             <tr><th>observed</th><td class=\"bytes\">{}</td></tr></table>",
            esc(&ev.expected),
            esc(&ev.observed)
        );
    }
    for conn in &ev.connections {
        timeline(h, conn);
    }
    if !ev.notes.is_empty() {
        h.push_str("<ul>");
        for n in &ev.notes {
            let _ = write!(h, "<li>{}</li>", esc(n));
        }
        h.push_str("</ul>\n");
    }
    for (label, s) in [
        ("original schedule", &ev.original_schedule),
        ("shrunk schedule", &ev.shrunk_schedule),
    ] {
        if let Some(s) = s {
            let _ = writeln!(h, "<p>{label}: <code>{}</code></p>", esc(s));
        }
    }
    let _ = writeln!(
        h,
        "<p>seed {} · {}</p><pre>{}</pre></details>",
        ev.seed,
        Ms(case.duration),
        esc(&case.replay)
    );
}

/// One connection: a row per step, then how it ended.
fn timeline(h: &mut String, conn: &ConnLog) {
    let _ = writeln!(
        h,
        "<table class=\"timeline\"><tr><th colspan=\"3\">connection {}: sent {} B, received {} B, \
         boundaries {:?}, ended {}</th></tr><tr><th>at</th><th>step</th><th>bytes</th></tr>",
        esc(&conn.label),
        conn.sent_total,
        conn.received_total,
        conn.boundaries,
        esc(&conn.end.to_string())
    );
    // In time order: a writer thread's pieces are logged after the reads
    // that happened while it wrote.
    let mut steps: Vec<&Step> = conn.steps.iter().collect();
    steps.sort_by_key(|s| step_at(s));
    for step in steps {
        let (at, what, bytes) = match step {
            Step::Connected { at } => (at, "connected".to_owned(), String::new()),
            Step::Sent {
                at,
                bytes,
                schedule,
                boundaries,
            } => (
                at,
                format!("sent {} B as {schedule} ({boundaries:?})", bytes.len()),
                bytes.to_string(),
            ),
            Step::Received { at, bytes } => {
                (at, format!("received {} B", bytes.len()), bytes.to_string())
            }
            Step::ShutdownWrite { at } => (at, "shutdown(SHUT_WR)".to_owned(), String::new()),
            Step::Reset { at } => (at, "reset (RST)".to_owned(), String::new()),
            Step::Closed { at } => (at, "closed".to_owned(), String::new()),
            Step::WriteFailed { at, written, error } => (
                at,
                format!("write failed after {written} B: {error}"),
                String::new(),
            ),
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"mono bytes\">{}</td></tr>",
            Ms(*at),
            esc(&what),
            esc(&bytes)
        );
    }
    let _ = writeln!(
        h,
        "<tr><td></td><td>end</td><td>{}</td></tr></table>",
        esc(&conn.end.to_string())
    );
}

/// When a step happened, since the case started.
fn step_at(step: &Step) -> std::time::Duration {
    match step {
        Step::Connected { at }
        | Step::Sent { at, .. }
        | Step::Received { at, .. }
        | Step::ShutdownWrite { at }
        | Step::Reset { at }
        | Step::Closed { at }
        | Step::WriteFailed { at, .. } => *at,
    }
}

/// HTML-escape text for element content and quoted attributes.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in HTML text.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// An id attribute value: the case id with anything but `[a-z0-9-]` as `_`.
fn anchor(id: &str) -> String {
    let body: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("case-{body}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;

    #[test]
    fn self_contained_no_script_no_remote_reference() {
        let page = Html.render(&fixture::record()).to_ascii_lowercase();
        for banned in [
            "<script",
            "src=\"http",
            "href=\"http",
            "url(",
            "@import",
            "<link",
            "<iframe",
        ] {
            assert!(!page.contains(banned), "found {banned}");
        }
        assert!(
            !page.contains("http://") && !page.contains("https://"),
            "a remote address"
        );
    }

    #[test]
    fn hostile_server_bytes_are_escaped() {
        let page = Html.render(&fixture::record());
        assert!(
            !page.contains("<script>alert"),
            "raw script from the server"
        );
        assert!(!page.contains("<img"), "raw markup from the server");
        assert!(
            page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "escaped form missing"
        );
        assert!(
            page.contains("\\x00\\xff]]&gt;&amp;amp;"),
            "NUL, 0xff and entities shown as text"
        );
    }

    #[test]
    fn matrix_marks_every_case_once_and_details_link_to_it() {
        let record = fixture::record();
        let page = Html.render(&record);
        assert_eq!(page.matches("class=\"mark v ").count(), record.cases.len());
        for case in &record.cases {
            let id = anchor(&case.id);
            assert!(page.contains(&format!("href=\"#{id}\"")), "{id}");
            assert!(page.contains(&format!("id=\"{id}\"")), "{id}");
            assert!(page.contains(&esc(&case.replay)), "replay of {id}");
        }
        assert!(page.contains("NON-CONFORMANT"));
        assert!(page.contains("ended FIN at 2.0 ms"));
    }

    #[test]
    fn timeline_rows_are_in_time_order() {
        use std::time::Duration;

        use framecheck_event::{Boundaries, Bytes, ConnEnd};
        let conn = ConnLog {
            label: "client".to_owned(),
            steps: vec![
                Step::Received {
                    at: Duration::from_millis(5),
                    bytes: Bytes::new(b"late-logged read"),
                },
                Step::Sent {
                    at: Duration::from_millis(1),
                    bytes: Bytes::new(b"first write"),
                    schedule: "11".to_owned(),
                    boundaries: Boundaries::Likely,
                },
            ],
            end: ConnEnd::StillOpen,
            boundaries: Boundaries::Likely,
            received_total: 16,
            sent_total: 11,
        };
        let mut h = String::new();
        timeline(&mut h, &conn);
        let sent = h.find("first write").expect("sent row");
        let received = h.find("late-logged read").expect("received row");
        assert!(sent < received, "{h}");
    }

    #[test]
    fn esc_table() {
        let cases = [
            ("plain", "abc", "abc"),
            (
                "markup",
                "<a href='x'>&</a>",
                "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;",
            ),
            ("quote", "\"", "&quot;"),
            ("newline_kept", "a\nb", "a\nb"),
        ];
        for (scenario, input, want) in cases {
            assert_eq!(esc(input), want, "{scenario}");
        }
    }
}
