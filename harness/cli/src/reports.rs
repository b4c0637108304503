//! The report flags of `framecheck run` (`--json`, `--junit`, `--html`,
//! `--markdown`, `--expect`, `--quiet`) and the reporters they attach.

use std::io::IsTerminal;
use std::path::PathBuf;

use framecheck_report::Terminal;
use framecheck_report::expectations::Expectations;
use framecheck_report::progress::Progress;
use framecheck_report::{
    Html, HtmlReport, Json, JsonReport, Junit, JunitReport, Markdown, MarkdownReport,
};
use framecheck_runner::{Fanout, Reporter, Summary};

/// Report files, known deviations and output volume.
#[derive(Debug, Default, clap::Args)]
pub(crate) struct ReportArgs {
    /// Write the whole run, every case with its evidence, as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write JUnit XML to FILE (a testsuite per group, a testcase per case).
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Write one self-contained HTML page to FILE: the matrix and every transcript.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Write a Markdown summary to FILE (e.g. the GitHub job summary file).
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
    /// Known deviations: case ids expected to fail, each with a reason
    /// (`ID REASON` per line, or `[[expected-failure]]` tables in a .toml file).
    #[arg(long, value_name = "FILE")]
    expect: Option<PathBuf>,
    /// Print only the summary line (report files are still written).
    #[arg(long, short = 'q', conflicts_with = "verbose")]
    quiet: bool,
}

impl ReportArgs {
    /// Read the expectations file, if one was given, and check its ids
    /// against the whole catalogue. `Err` is the message for exit code 2.
    pub(crate) fn expectations<'a>(
        &self,
        all_ids: impl IntoIterator<Item = &'a str>,
    ) -> Result<Option<Expectations>, String> {
        let Some(path) = &self.expect else {
            return Ok(None);
        };
        let e = Expectations::read(path).map_err(|e| e.to_string())?;
        e.check_ids(all_ids).map_err(|e| e.to_string())?;
        Ok(Some(e))
    }

    /// Run `run` with the terminal, the progress line and every asked-for
    /// report attached (behind the expectations, if any). Returns the summary
    /// after expectations, or `Err` with a message for exit code 2.
    pub(crate) fn attach<E: std::fmt::Display>(
        &self,
        verbose: bool,
        expectations: Option<&Expectations>,
        run: impl FnOnce(&mut dyn Reporter) -> Result<Summary, E>,
    ) -> Result<Summary, String> {
        // On a terminal the terminal reporter draws its own progress line;
        // with standard output redirected, standard error carries it (if a
        // terminal), so a long run still shows it is alive.
        let mut progress = if std::io::stdout().is_terminal() && !self.quiet {
            Progress::new(None)
        } else {
            Progress::stderr()
        };
        let mut terminal = Terminal::stdout().verbose(verbose);
        let mut json = self.json.as_ref().map(|p| JsonReport::new(Json, p));
        let mut junit = self.junit.as_ref().map(|p| JunitReport::new(Junit, p));
        let mut html = self.html.as_ref().map(|p| HtmlReport::new(Html, p));
        let mut markdown = self
            .markdown
            .as_ref()
            .map(|p| MarkdownReport::new(Markdown, p));
        let mut fan = Fanout::new();
        // The progress line clears itself before the terminal prints a case.
        fan.push(&mut progress);
        if !self.quiet {
            fan.push(&mut terminal);
        }
        if let Some(r) = &mut json {
            fan.push(r);
        }
        if let Some(r) = &mut junit {
            fan.push(r);
        }
        if let Some(r) = &mut html {
            fan.push(r);
        }
        if let Some(r) = &mut markdown {
            fan.push(r);
        }
        let summary = match expectations {
            Some(e) => {
                let mut adjust = e.adjust(&mut fan);
                run(&mut adjust).map(|_| adjust.summary().clone())
            }
            None => run(&mut fan),
        }
        .map_err(|e| e.to_string())?;
        let mut failed = Vec::new();
        let results = [
            json.map(|r| (r.path().to_owned(), r.finish())),
            junit.map(|r| (r.path().to_owned(), r.finish())),
            html.map(|r| (r.path().to_owned(), r.finish())),
            markdown.map(|r| (r.path().to_owned(), r.finish())),
        ];
        for (path, result) in results.into_iter().flatten() {
            if let Err(e) = result {
                failed.push(format!("cannot write {}: {e}", path.display()));
            }
        }
        if let Some(e) = terminal.take_error() {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                failed.push(format!("cannot write to standard output: {e}"));
            }
        }
        if self.quiet {
            if let Err(e) = quiet_summary(&summary) {
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    failed.push(format!("cannot write to standard output: {e}"));
                }
            }
        }
        if failed.is_empty() {
            Ok(summary)
        } else {
            Err(failed.join("; "))
        }
    }
}

/// The one line `--quiet` prints, and why the run aborted if it did.
fn quiet_summary(summary: &Summary) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}: exit code {}", summary.counts(), summary.exit_code)?;
    if let Some(why) = &summary.aborted {
        writeln!(out, "run aborted: {why}")?;
    }
    out.flush()
}
