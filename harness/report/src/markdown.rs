//! `--markdown FILE`: a compact summary for a CI job summary
//! (`>> "$GITHUB_STEP_SUMMARY"`): a headline, a table of verdicts per group,
//! and a table of the cases that failed, warned or could not run, each with
//! its requirement, what was observed and the replay command.
//!
//! ```markdown
//! ### ❌ framecheck: NON-CONFORMANT · `127.0.0.1:4000` · `u16be`
//!
//! 41 passed, 1 failed, 0 warned, 3 skipped, 0 errors, 0 not run in 1.32 s (seed 7, exit code 1)
//!
//! | group | pass | fail | warn | not exercised | skip | error | not run |
//! |---|---|---|---|---|---|---|
//! | boundary | 20 | 1 | 0 | 1 | 0 | 0 |
//! ```
//!
//! Text from the run (server bytes included) is escaped so that it cannot
//! break the table or inject markup.

use std::fmt::Write as _;

use framecheck_event::Verdict;

use super::{Record, Render};

/// The Markdown format's version, written in a trailing HTML comment.
pub const VERSION: u32 = 1;

/// The most non-passing cases listed; the rest are counted.
const MAX_LISTED: usize = 50;

/// The Markdown format.
#[derive(Debug, Clone, Copy, Default)]
pub struct Markdown;

impl Render for Markdown {
    fn render(&self, record: &Record) -> String {
        let s = record.summary();
        let (icon, word) = if s.conformant() {
            ("✅", "CONFORMANT")
        } else if s.failed > 0 {
            ("❌", "NON-CONFORMANT")
        } else {
            ("⚠️", "NOT JUDGED")
        };
        let mut md = format!(
            "### {icon} framecheck: {word} · `{}` · `{}`\n\n",
            code(&record.target),
            code(&record.framing)
        );
        let _ = writeln!(
            md,
            "{} in {:.2} s (seed {}, exit code {})\n",
            s.counts(),
            record.duration.as_secs_f64(),
            record.seed,
            s.exit_code
        );
        if let Some(why) = &s.aborted {
            let _ = writeln!(md, "**Aborted:** {}\n", text(why));
        }
        md.push_str("| group |");
        for v in Verdict::ALL {
            let _ = write!(md, " {} |", v.name().replace('-', " "));
        }
        md.push_str("\n|---|");
        md.push_str(&"---|".repeat(Verdict::ALL.len()));
        md.push('\n');
        for (group, cases) in record.groups() {
            let _ = write!(md, "| {} |", text(group));
            for v in Verdict::ALL {
                let n = cases.iter().filter(|c| c.verdict == v).count();
                let _ = write!(md, " {n} |");
            }
            md.push('\n');
        }
        let listed: Vec<_> = record
            .cases
            .iter()
            .filter(|c| {
                matches!(
                    c.verdict,
                    Verdict::Fail | Verdict::Warn | Verdict::NotExercised | Verdict::Error
                )
            })
            .collect();
        if !listed.is_empty() {
            md.push_str(
                "\n| verdict | case | requirement | observed | replay |\n|---|---|---|---|---|\n",
            );
            for c in listed.iter().take(MAX_LISTED) {
                let observed = if c.evidence.observed.is_empty() {
                    &c.message
                } else {
                    &c.evidence.observed
                };
                let _ = writeln!(
                    md,
                    "| {} | `{}` | {} | {} | `{}` |",
                    c.verdict,
                    code(&c.id),
                    text(&c.requirement),
                    text(observed),
                    code(&c.replay)
                );
            }
            if listed.len() > MAX_LISTED {
                let _ = writeln!(
                    md,
                    "\n…and {} more; see the JSON or HTML report.",
                    listed.len() - MAX_LISTED
                );
            }
        }
        let _ = writeln!(
            md,
            "\n<!-- framecheck-markdown-report version {VERSION} -->"
        );
        md
    }
}

/// Escape text for a table cell: no markup, no HTML, no line breaks, no `|`.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Text for inside a code span in a table cell: no backticks, no `|`, one line.
fn code(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '`' => '\'',
            '|' => '¦',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;

    #[test]
    fn headline_table_and_failures() {
        let record = fixture::record();
        let md = Markdown.render(&record);
        assert!(
            md.starts_with("### ❌ framecheck: NON-CONFORMANT · `127.0.0.1:4000` · `u16be`"),
            "{md}"
        );
        assert!(
            md.contains("2 passed, 2 failed, 1 warned, 1 skipped, 1 errors, 1 not run"),
            "{md}"
        );
        assert!(md.contains("| boundary | 1 | 1 | 0 | 0 | 0 | 0 |"), "{md}");
        let rows = md.lines().filter(|l| l.starts_with("| fail |")).count();
        assert_eq!(rows, 2, "a row per failure");
        assert!(md.contains(
            "`framecheck replay 127.0.0.1:4000 --framing u16be --case eof/mid-body --seed 7`"
        ));
    }

    #[test]
    fn server_text_cannot_break_the_table_or_inject_markup() {
        let md = Markdown.render(&fixture::record());
        assert!(!md.contains("<script"), "raw markup");
        for line in md.lines().filter(|l| l.starts_with("| fail |")) {
            // 6 unescaped pipes: the row's 5 cells.
            let pipes = line
                .match_indices('|')
                .filter(|(i, _)| *i == 0 || &line[i - 1..*i] != "\\")
                .count();
            assert_eq!(pipes, 6, "{line}");
        }
        assert_eq!(text("a|b<c>\n`x`"), "a\\|b&lt;c&gt; \\`x\\`");
        assert_eq!(code("a`|b"), "a'¦b");
    }
}
