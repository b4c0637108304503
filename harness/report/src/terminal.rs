//! The terminal reporter: live progress, a tree of cases, the requirement and
//! evidence of every failure, a summary line.
//!
//! ```text
//! framecheck run 127.0.0.1:4000 --framing u16be --seed 7   (42 cases)
//! boundary
//!   ✓ whole/lockstep                         0.3 ms
//!   ✗ split-header/lockstep                  1001.2 ms
//!       requirement: a message whose length field arrives in two reads is ...
//!       expected: 7 replies; observed: 0 replies, timeout at 1001.0 ms
//!       replay: framecheck replay 127.0.0.1:4000 --framing u16be --case ... --seed 7
//! ...
//! 41 passed, 1 failed, 0 warned, 3 skipped, 0 errors, 0 not run in 1.32 s: NON-CONFORMANT
//! ```
//!
//! Color is used only when asked (see [`Terminal::color_wanted`]: a terminal
//! and no `NO_COLOR`).

use std::io::{IsTerminal, Write};

use framecheck_event::{CaseResult, Ms, Reporter, RunEvent, Step, Summary, Verdict};

/// Writes a human-readable report to a stream.
pub struct Terminal<W: Write> {
    out: W,
    color: bool,
    verbose: bool,
    group: String,
    /// Whether a "running …" line is on screen, to be overwritten.
    progress: bool,
    /// Cases announced, cases finished and the run's start, for the progress line.
    total: usize,
    done: usize,
    started: std::time::Instant,
    /// Consecutive not-run cases with one reason (an unreachable target, a
    /// server that died): the first, the last id and how many, printed as
    /// one line when the run of them ends.
    not_run: Option<(CaseResult, String, usize)>,
    error: Option<std::io::Error>,
}

impl Terminal<std::io::Stdout> {
    /// A reporter on standard output, colored if [`Terminal::color_wanted`].
    pub fn stdout() -> Self {
        let out = std::io::stdout();
        let color = Self::color_wanted(out.is_terminal());
        Terminal::new(out, color)
    }
}

impl<W: Write> Terminal<W> {
    /// A reporter writing to `out`.
    pub fn new(out: W, color: bool) -> Self {
        Terminal {
            out,
            color,
            verbose: false,
            group: String::new(),
            progress: false,
            total: 0,
            done: 0,
            started: std::time::Instant::now(),
            not_run: None,
            error: None,
        }
    }

    /// Also print the connection timelines of failures.
    #[must_use]
    pub fn verbose(mut self, verbose: bool) -> Self {
        self.verbose = verbose;
        self
    }

    /// Whether to color output: only on a terminal, and never when the
    /// `NO_COLOR` environment variable is set (to anything non-empty).
    pub fn color_wanted(is_terminal: bool) -> bool {
        is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
    }

    /// The first write error, if any write failed.
    pub fn take_error(&mut self) -> Option<std::io::Error> {
        self.error.take()
    }

    /// The underlying writer.
    pub fn into_inner(self) -> W {
        self.out
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn mark(&self, verdict: Verdict) -> String {
        let (code, mark) = match verdict {
            Verdict::Pass => ("32", "✓ pass "),
            Verdict::Fail => ("1;31", "✗ FAIL "),
            Verdict::Warn => ("33", "! warn "),
            Verdict::NotExercised => ("36", "? unexr"),
            Verdict::Skip => ("2", "- skip "),
            Verdict::Error => ("1;35", "E error"),
            Verdict::NotRun => ("2", "· norun"),
        };
        self.paint(code, mark)
    }

    fn write_event(&mut self, event: &RunEvent) -> std::io::Result<()> {
        match event {
            RunEvent::RunStarted {
                target,
                framing,
                seed,
                cases,
            } => {
                self.total = *cases;
                self.done = 0;
                self.started = std::time::Instant::now();
                // A profile run says "profile NAME (...)" instead of a spec.
                let flag = if framing.starts_with("profile ") {
                    ""
                } else {
                    "--framing "
                };
                writeln!(
                    self.out,
                    "{} {target} {flag}{framing} --seed {seed}   ({cases} cases)",
                    self.paint("1", "framecheck run")
                )
            }
            // Live progress on a terminal: the running case, overwritten
            // by its result.
            RunEvent::CaseStarted { id } if self.color => {
                self.progress = true;
                let line = format!(
                    "  … [{}/{} {:.1} s] {id}",
                    self.done + 1,
                    self.total,
                    self.started.elapsed().as_secs_f64()
                );
                write!(self.out, "{}", self.paint("2", &line))?;
                self.out.flush()
            }
            RunEvent::CaseStarted { .. } => Ok(()),
            RunEvent::CaseFinished(result) => {
                self.done += 1;
                if result.verdict == Verdict::NotRun {
                    if let Some((first, last, n)) = &mut self.not_run {
                        if first.message == result.message {
                            last.clone_from(&result.id);
                            *n += 1;
                            return Ok(());
                        }
                    }
                    self.flush_not_run()?;
                    self.not_run = Some((result.clone(), result.id.clone(), 1));
                    return Ok(());
                }
                self.flush_not_run()?;
                self.write_case(result)
            }
            RunEvent::RunFinished { summary, duration } => {
                // Cases not run because the run was aborted: the reason is
                // said once, on the "run aborted" line below.
                if let (Some((first, _, n)), Some(why)) = (&mut self.not_run, &summary.aborted) {
                    if *n > 1 && first.message == *why {
                        "see below".clone_into(&mut first.message);
                    }
                }
                self.flush_not_run()?;
                let verdict = self.verdict_word(summary);
                writeln!(
                    self.out,
                    "\n{} in {:.2} s: {verdict}",
                    summary.counts(),
                    duration.as_secs_f64()
                )?;
                if let Some(why) = &summary.aborted {
                    writeln!(self.out, "run aborted: {why}")?;
                }
                self.out.flush()
            }
        }
    }

    fn verdict_word(&self, summary: &Summary) -> String {
        match summary.compute_exit_code() {
            framecheck_event::exit::CONFORMANT => self.paint("1;32", "CONFORMANT"),
            framecheck_event::exit::NON_CONFORMANT => self.paint("1;31", "NON-CONFORMANT"),
            framecheck_event::exit::NO_CASE_SELECTED => self.paint("1;33", "NO CASE SELECTED"),
            _ => self.paint("1;35", "NOT JUDGED"),
        }
    }

    /// Print the pending run of not-run cases: a case line for one, a
    /// single line for several (one reason said once, not once per case).
    fn flush_not_run(&mut self) -> std::io::Result<()> {
        match self.not_run.take() {
            None => Ok(()),
            Some((first, _, 1)) => self.write_case(&first),
            Some((first, last, n)) => {
                if std::mem::take(&mut self.progress) {
                    write!(self.out, "\r\x1b[K")?;
                }
                self.group.clear();
                writeln!(
                    self.out,
                    "{} {n} cases ({} … {last}): {}",
                    self.mark(Verdict::NotRun),
                    first.id,
                    first.message
                )?;
                self.out.flush()
            }
        }
    }

    fn write_case(&mut self, r: &CaseResult) -> std::io::Result<()> {
        if std::mem::take(&mut self.progress) {
            write!(self.out, "\r\x1b[K")?;
        }
        if r.group != self.group {
            self.group.clone_from(&r.group);
            writeln!(self.out, "{}", self.paint("1", &r.group))?;
        }
        let name =
            r.id.strip_prefix(&r.group)
                .and_then(|s| s.strip_prefix('/'))
                .unwrap_or(&r.id);
        let time = self.paint("2", &Ms(r.duration).to_string());
        write!(self.out, "  {} {name:<40} {time}", self.mark(r.verdict))?;
        if matches!(r.verdict, Verdict::Pass) || r.message.is_empty() {
            writeln!(self.out)?;
        } else {
            writeln!(self.out, "  {}", r.message)?;
        }
        if matches!(
            r.verdict,
            Verdict::Fail | Verdict::Warn | Verdict::NotExercised | Verdict::Error
        ) {
            let pad = "        ";
            writeln!(self.out, "{pad}requirement: {}", r.requirement)?;
            if !r.evidence.expected.is_empty() {
                writeln!(self.out, "{pad}expected: {}", r.evidence.expected)?;
                writeln!(self.out, "{pad}observed: {}", r.evidence.observed)?;
            }
            for note in &r.evidence.notes {
                writeln!(self.out, "{pad}note: {note}")?;
            }
            if let Some(s) = &r.evidence.shrunk_schedule {
                writeln!(self.out, "{pad}shrunk schedule: {s}")?;
            }
            if self.verbose {
                self.write_timelines(r, pad)?;
            }
            writeln!(self.out, "{pad}replay: {}", self.paint("36", &r.replay))?;
        }
        self.out.flush()
    }

    fn write_timelines(&mut self, r: &CaseResult, pad: &str) -> std::io::Result<()> {
        for conn in &r.evidence.connections {
            writeln!(
                self.out,
                "{pad}{}: end {}, boundaries {:?}",
                conn.label, conn.end, conn.boundaries
            )?;
            for step in &conn.steps {
                let line = match step {
                    Step::Connected { at } => format!("{} connected", Ms(*at)),
                    Step::Sent {
                        at,
                        bytes,
                        schedule,
                        boundaries,
                    } => format!("{} sent {bytes} as {schedule} ({boundaries:?})", Ms(*at)),
                    Step::Received { at, bytes } => format!("{} received {bytes}", Ms(*at)),
                    Step::ShutdownWrite { at } => format!("{} shutdown(SHUT_WR)", Ms(*at)),
                    Step::Reset { at } => format!("{} reset (RST)", Ms(*at)),
                    Step::Closed { at } => format!("{} closed", Ms(*at)),
                    Step::WriteFailed { at, written, error } => {
                        format!("{} write failed after {written} bytes: {error}", Ms(*at))
                    }
                };
                writeln!(self.out, "{pad}  {line}")?;
            }
        }
        Ok(())
    }
}

impl<W: Write> Reporter for Terminal<W> {
    fn event(&mut self, event: &RunEvent) {
        if self.error.is_some() {
            return;
        }
        if let Err(e) = self.write_event(event) {
            self.error = Some(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use framecheck_event::Evidence;

    fn case(id: &str, verdict: Verdict) -> CaseResult {
        CaseResult {
            id: id.to_owned(),
            group: id.split('/').next().unwrap_or_default().to_owned(),
            requirement: "the server echoes".to_owned(),
            verdict,
            message: "no reply".to_owned(),
            evidence: Evidence {
                expected: "1 reply".to_owned(),
                observed: "timeout".to_owned(),
                ..Evidence::default()
            },
            replay: "framecheck replay x".to_owned(),
            duration: Duration::from_millis(3),
        }
    }

    #[test]
    fn a_run_of_not_run_cases_with_one_reason_is_said_once() {
        let mut t = Terminal::new(Vec::new(), false);
        let mut not_run = |id: &str, why: &str| {
            let mut c = case(id, Verdict::NotRun);
            why.clone_into(&mut c.message);
            t.event(&RunEvent::CaseFinished(c));
        };
        let down = "the target at 127.0.0.1:1 is unreachable: connection refused";
        for id in ["boundary/a", "boundary/b", "eof/c", "limits/d"] {
            not_run(id, down);
        }
        not_run("churn/e", "the run's deadline (120 s) passed");
        t.event(&RunEvent::CaseFinished(case("churn/f", Verdict::Pass)));
        let text = String::from_utf8(t.into_inner()).expect("utf-8");
        assert_eq!(text.matches("unreachable").count(), 1, "{text}");
        assert!(
            text.contains("4 cases (boundary/a … limits/d): the target at"),
            "{text}"
        );
        // A single not-run case keeps its own line, under its group.
        assert!(
            text.contains("churn\n  · norun e") && text.contains("deadline (120 s)"),
            "{text}"
        );
        assert!(text.contains("✓ pass  f"), "{text}");
    }

    #[test]
    fn tree_failures_and_summary_without_color() {
        let mut t = Terminal::new(Vec::new(), false);
        let mut summary = Summary::default();
        t.event(&RunEvent::RunStarted {
            target: "127.0.0.1:1".to_owned(),
            framing: "crlf".to_owned(),
            seed: 7,
            cases: 2,
        });
        for (id, v) in [
            ("boundary/whole/lockstep", Verdict::Pass),
            ("eof/mid-body", Verdict::Fail),
        ] {
            summary.count(v);
            t.event(&RunEvent::CaseFinished(case(id, v)));
        }
        summary.exit_code = summary.compute_exit_code();
        t.event(&RunEvent::RunFinished {
            summary,
            duration: Duration::from_millis(20),
        });
        let text = String::from_utf8(t.into_inner()).expect("utf8");
        for needle in [
            "--framing crlf --seed 7",
            "boundary\n  ✓ pass  whole/lockstep",
            "eof\n  ✗ FAIL  mid-body",
            "requirement: the server echoes",
            "expected: 1 reply",
            "replay: framecheck replay x",
            "1 passed, 1 failed",
            "NON-CONFORMANT",
        ] {
            assert!(text.contains(needle), "{needle:?} missing from:\n{text}");
        }
        assert!(!text.contains('\x1b'), "no color codes without color");
    }

    #[test]
    fn color_and_live_progress_on_a_terminal() {
        let mut t = Terminal::new(Vec::new(), true);
        t.event(&RunEvent::CaseStarted {
            id: "eof/mid-body".to_owned(),
        });
        t.event(&RunEvent::CaseFinished(case("eof/mid-body", Verdict::Fail)));
        let text = String::from_utf8(t.into_inner()).expect("utf8");
        assert!(text.contains("… [1/0 0.0 s] eof/mid-body"), "{text:?}");
        assert!(
            text.contains("\r\x1b[K"),
            "the progress line is cleared: {text:?}"
        );
        assert!(text.contains("\x1b[1;31m✗ FAIL"), "{text:?}");
        assert!(
            !Terminal::<Vec<u8>>::color_wanted(false),
            "never color off a terminal"
        );
    }
}
