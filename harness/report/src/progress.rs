//! A live progress line on standard error for long runs: the case count,
//! the elapsed time and the case running. It draws only when standard error
//! is a terminal, so pipes and CI logs never see it, and it clears itself
//! before each case's line is printed elsewhere.

use std::io::{IsTerminal, Write};
use std::time::Instant;

use framecheck_event::{Reporter, RunEvent};

/// The progress line reporter.
pub struct Progress<W: Write> {
    out: Option<W>,
    total: usize,
    done: usize,
    started: Instant,
}

impl Progress<std::io::Stderr> {
    /// On standard error, drawing only if it is a terminal.
    pub fn stderr() -> Self {
        let err = std::io::stderr();
        let tty = err.is_terminal();
        Progress::new(tty.then_some(err))
    }
}

impl<W: Write> Progress<W> {
    /// Draw on `out`; `None` draws nothing.
    pub fn new(out: Option<W>) -> Self {
        Progress {
            out,
            total: 0,
            done: 0,
            started: Instant::now(),
        }
    }

    fn draw(&mut self, text: &str) {
        if let Some(out) = &mut self.out {
            // A failed write to the terminal only loses the progress line.
            let _ = write!(out, "\r\x1b[K{text}");
            let _ = out.flush();
        }
    }
}

impl<W: Write> Reporter for Progress<W> {
    fn event(&mut self, event: &RunEvent) {
        match event {
            RunEvent::RunStarted { cases, .. } => {
                self.total = *cases;
                self.done = 0;
                self.started = Instant::now();
            }
            RunEvent::CaseStarted { id } => {
                let line = format!(
                    "[{:>3}/{}] {:>6.1} s  {id}",
                    self.done + 1,
                    self.total,
                    self.started.elapsed().as_secs_f64()
                );
                self.draw(&line);
            }
            RunEvent::CaseFinished(_) => {
                self.done += 1;
                self.draw("");
            }
            RunEvent::RunFinished { .. } => self.draw(""),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;

    #[test]
    fn draws_counts_and_clears_and_draws_nothing_off_a_terminal() {
        let mut p = Progress::new(Some(Vec::new()));
        for e in fixture::events() {
            p.event(&e);
        }
        let text = String::from_utf8(p.out.take().expect("out")).expect("utf8");
        assert!(text.contains("[  1/9]"), "{text}");
        assert!(text.contains("[  9/9]"), "{text}");
        assert!(text.contains("churn/connect-cycles"), "{text}");
        assert!(text.ends_with("\r\x1b[K"), "cleared at the end: {text:?}");
        let mut off: Progress<Vec<u8>> = Progress::new(None);
        for e in fixture::events() {
            off.event(&e);
        }
        assert!(off.out.is_none());
    }
}
