//! The results table, filled by the criterion renderer (`bench_table`) or
//! the side-by-side runner (`side_by_side`), rendered as markdown.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::{CHUNKINGS, Chunking, Codec, STRATEGIES, Strategy};

/// The driver label of framecheck's decoder.
pub const FRAMECHECK: &str = "framecheck";
/// The driver label of the memchr scan limit.
pub const MEMCHR: &str = "memchr";
/// The ratio label for the fastest tokio-util codec of a row.
pub const FASTEST: &str = "fastest";

/// Measured throughputs and ratios.
#[derive(Debug, Default)]
pub struct Results {
    /// GB/s by (strategy, frame, driver, chunking).
    speed: HashMap<(Strategy, usize, String, Chunking), f64>,
    /// framecheck ÷ a tokio-util codec (or [`FASTEST`]), measured as such.
    ratio: HashMap<(Strategy, usize, String, Chunking), f64>,
}

impl Results {
    /// Record a throughput in GB/s (10^9 bytes a second).
    pub fn set_speed(
        &mut self,
        strategy: Strategy,
        frame: usize,
        driver: &str,
        chunking: Chunking,
        gbps: f64,
    ) {
        self.speed
            .insert((strategy, frame, driver.to_owned(), chunking), gbps);
    }

    /// Record a ratio measured directly (e.g. the median of paired rounds);
    /// without one, ratios are computed from the throughputs.
    pub fn set_ratio(
        &mut self,
        strategy: Strategy,
        frame: usize,
        against: &str,
        chunking: Chunking,
        ratio: f64,
    ) {
        self.ratio
            .insert((strategy, frame, against.to_owned(), chunking), ratio);
    }

    /// Whether anything was recorded.
    pub fn is_empty(&self) -> bool {
        self.speed.is_empty()
    }

    fn speed(&self, strategy: Strategy, frame: usize, driver: &str, c: Chunking) -> Option<f64> {
        self.speed
            .get(&(strategy, frame, driver.to_owned(), c))
            .copied()
    }

    fn ratio(&self, strategy: Strategy, frame: usize, against: &str, c: Chunking) -> Option<f64> {
        if let Some(r) = self.ratio.get(&(strategy, frame, against.to_owned(), c)) {
            return Some(*r);
        }
        let ours = self.speed(strategy, frame, FRAMECHECK, c)?;
        let theirs = if against == FASTEST {
            strategy
                .codecs()
                .iter()
                .filter_map(|k| self.speed(strategy, frame, k.label(), c))
                .reduce(f64::max)?
        } else {
            self.speed(strategy, frame, against, c)?
        };
        Some(ours / theirs)
    }

    /// The table, then the targets, each marked met or missed.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("| strategy | frame | chunk | framecheck GB/s | ns/byte |");
        for c in Codec::ALL {
            let _ = write!(out, " {} GB/s |", c.label());
        }
        out.push_str(" vs fastest tokio-util | memchr limit GB/s |\n|---|---:|---|---:|---:|");
        out.push_str(&"---:|".repeat(Codec::ALL.len()));
        out.push_str("---:|---:|\n");
        for strategy in STRATEGIES {
            for &frame in strategy.frame_sizes() {
                for c in CHUNKINGS {
                    let Some(ours) = self.speed(strategy, frame, FRAMECHECK, c) else {
                        continue;
                    };
                    let frame_label = if strategy == Strategy::Eof {
                        "stream".to_owned()
                    } else {
                        frame.to_string()
                    };
                    let _ = write!(
                        out,
                        "| `{}` | {frame_label} | {} | {ours:.2} | {:.3} |",
                        strategy.label(),
                        c.label(),
                        1.0 / ours
                    );
                    for k in Codec::ALL {
                        let _ = write!(
                            out,
                            " {} |",
                            cell(self.speed(strategy, frame, k.label(), c))
                        );
                    }
                    let ratio = self.ratio(strategy, frame, FASTEST, c);
                    let ratio = ratio.map_or_else(|| "—".to_owned(), |r| format!("{r:.1}x"));
                    let limit = if c == Chunking::Whole {
                        cell(self.speed(strategy, frame, MEMCHR, c))
                    } else {
                        String::new()
                    };
                    let _ = writeln!(out, " {ratio} | {limit} |");
                }
            }
        }
        out.push('\n');
        out.push_str(&self.targets());
        out
    }

    fn targets(&self) -> String {
        let mut out = String::from("| target | measured | verdict |\n|---|---|---|\n");
        let pairs = [
            (Strategy::Line, Codec::Lines),
            (Strategy::Line, Codec::AnyDelimiter),
            (Strategy::U32Be, Codec::LengthDelimited),
        ];
        let goals = [
            (Chunking::Whole, 5.0),
            (Chunking::Size(64 * 1024), 5.0),
            (Chunking::Size(7), 2.0),
        ];
        // digits:5 against the same frames with a binary length (issue 11).
        let text_goals = [(
            Strategy::Digits5,
            Codec::LengthDelimited,
            Chunking::Whole,
            3.0,
        )];
        let all = pairs
            .iter()
            .flat_map(|&(st, co)| goals.iter().map(move |&(c, g)| (st, co, c, g)))
            .chain(text_goals);
        for (strategy, codec, c, goal) in all {
            {
                let ours = self.speed(strategy, 64, FRAMECHECK, c);
                let theirs = self.speed(strategy, 64, codec.label(), c);
                let ratio = self.ratio(strategy, 64, codec.label(), c);
                let (measured, verdict) = match (ours, theirs, ratio) {
                    (Some(o), Some(t), Some(r)) => (
                        format!("{o:.2} vs {t:.2} GB/s, {r:.1}x"),
                        if r >= goal { "met" } else { "missed" },
                    ),
                    _ => ("not measured".to_owned(), "—"),
                };
                let peer = if strategy.peer() == strategy {
                    String::new()
                } else {
                    format!(" (on `{}` frames)", strategy.peer().label())
                };
                let _ = writeln!(
                    out,
                    "| `{}` 64 B, {} chunks: ≥ {goal}x {}{peer} | {measured} | {verdict} |",
                    strategy.label(),
                    c.label(),
                    codec.label()
                );
            }
        }
        // Linear cost: at 1-byte chunks a byte costs the same in a 4 KiB
        // frame as in a 64-byte one (no rescans, no per-frame regrowth).
        for strategy in [Strategy::Line, Strategy::U32Be] {
            let ns = |frame: usize, c: Chunking| {
                self.speed(strategy, frame, FRAMECHECK, c).map(|g| 1.0 / g)
            };
            let (small, large) = (ns(64, Chunking::Size(1)), ns(4096, Chunking::Size(1)));
            let shown = |v: Option<f64>| v.map_or("—".to_owned(), |v| format!("{v:.2}"));
            let verdict = match small.zip(large) {
                Some((s, l)) if l <= 1.5 * s => "met",
                Some(_) => "missed",
                None => "—",
            };
            let _ = writeln!(
                out,
                "| `{}`: linear cost at 1-byte chunks (4 KiB frames ≤ 1.5x the ns/byte of 64 B) | ns/byte at 1-byte chunks: {} (64 B), {} (4 KiB); at 1460 / 7: {} / {} (64 B) | {verdict} |",
                strategy.label(),
                shown(small),
                shown(large),
                shown(ns(64, Chunking::Size(1460))),
                shown(ns(64, Chunking::Size(7))),
            );
        }
        out
    }
}

fn cell(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |v| format!("{v:.2}"))
}
