//! Render criterion's estimates for the `decode` bench as a markdown table:
//! per strategy, frame size and chunking, framecheck's median throughput,
//! its cost per byte, tokio-util's codecs on the same stream, the ratio to
//! the fastest of them, and the memchr scan limit; then the issue's targets,
//! each marked met or missed.
//!
//! ```text
//! bench_table target/criterion
//! ```

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use framecheck_bench::{CHUNKINGS, Chunking, Codec, STRATEGIES, Strategy};
use serde_json::Value;

/// One benchmark's median: `(group, driver, chunking)` → (bytes, ns).
type Medians = HashMap<(String, String, String), (u64, f64)>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir] = args.as_slice() else {
        eprintln!("usage: bench_table CRITERION_DIR");
        return ExitCode::from(2);
    };
    let mut medians = Medians::new();
    if let Err(e) = collect(Path::new(dir), &mut medians) {
        eprintln!("bench_table: {dir}: {e}");
        return ExitCode::from(1);
    }
    if medians.is_empty() {
        eprintln!("bench_table: no criterion estimates under {dir}");
        return ExitCode::from(1);
    }
    print!("{}", render(&medians));
    ExitCode::SUCCESS
}

/// Read every `new/benchmark.json` + `new/estimates.json` under `dir`.
fn collect(dir: &Path, out: &mut Medians) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        if path.file_name().is_some_and(|n| n == "new") {
            if let Some((key, value)) = read_one(&path) {
                out.insert(key, value);
            }
        } else {
            collect(&path, out)?;
        }
    }
    Ok(())
}

#[expect(clippy::type_complexity, reason = "a map entry, used once")]
fn read_one(dir: &Path) -> Option<((String, String, String), (u64, f64))> {
    let read = |name: &str| -> Option<Value> {
        let text = std::fs::read_to_string(dir.join(name)).ok()?;
        serde_json::from_str(&text).ok()
    };
    let id = read("benchmark.json")?;
    let est = read("estimates.json")?;
    let text = |v: &Value| v.as_str().map(str::to_owned);
    let key = (
        text(&id["group_id"])?,
        text(&id["function_id"])?,
        text(&id["value_str"])?,
    );
    let bytes = id["throughput"]["Bytes"].as_u64()?;
    let ns = est["median"]["point_estimate"].as_f64()?;
    Some((key, (bytes, ns)))
}

/// Throughput in GB/s (10^9 bytes a second), if measured.
fn gbps(m: &Medians, group: &str, driver: &str, chunking: Chunking) -> Option<f64> {
    let key = (group.to_owned(), driver.to_owned(), chunking.label());
    m.get(&key).map(|&(bytes, ns)| to_f64(bytes) / ns)
}

#[expect(clippy::cast_precision_loss, reason = "byte counts far below 2^52")]
fn to_f64(n: u64) -> f64 {
    n as f64
}

fn cell(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |v| format!("{v:.2}"))
}

fn group_name(strategy: Strategy, frame: usize) -> String {
    format!("{} {frame}", strategy.label())
}

fn render(m: &Medians) -> String {
    let mut out = String::new();
    let codecs = Codec::ALL;
    out.push_str("| strategy | frame | chunk | framecheck GB/s | ns/byte |");
    for c in codecs {
        let _ = write!(out, " {} GB/s |", c.label());
    }
    out.push_str(" vs fastest tokio-util | memchr limit GB/s |\n|---|---:|---|---:|---:|");
    out.push_str(&"---:|".repeat(codecs.len()));
    out.push_str("---:|---:|\n");
    for strategy in STRATEGIES {
        for &frame in strategy.frame_sizes() {
            let group = group_name(strategy, frame);
            for chunking in CHUNKINGS {
                let Some(ours) = gbps(m, &group, "framecheck", chunking) else {
                    continue;
                };
                let theirs: Vec<Option<f64>> = codecs
                    .iter()
                    .map(|c| gbps(m, &group, c.label(), chunking))
                    .collect();
                let best = theirs.iter().flatten().copied().reduce(f64::max);
                let ratio = best.map_or_else(|| "—".to_owned(), |b| format!("{:.1}x", ours / b));
                let limit = if chunking == Chunking::Whole {
                    cell(gbps(m, &group, "memchr", Chunking::Whole))
                } else {
                    String::new()
                };
                let frame_label = if strategy == Strategy::Eof {
                    "stream".to_owned()
                } else {
                    frame.to_string()
                };
                let _ = write!(
                    out,
                    "| `{}` | {frame_label} | {} | {:.2} | {:.3} |",
                    strategy.label(),
                    chunking.label(),
                    ours,
                    1.0 / ours
                );
                for t in &theirs {
                    let _ = write!(out, " {} |", cell(*t));
                }
                let _ = writeln!(out, " {ratio} | {limit} |");
            }
        }
    }
    out.push('\n');
    out.push_str(&targets(m));
    out
}

/// The issue's targets, each with its measured value and a verdict.
fn targets(m: &Medians) -> String {
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
    for (strategy, codec) in pairs {
        let group = group_name(strategy, 64);
        for (chunking, goal) in goals {
            let ours = gbps(m, &group, "framecheck", chunking);
            let theirs = gbps(m, &group, codec.label(), chunking);
            let (measured, verdict) = match ours.zip(theirs) {
                Some((o, t)) => (
                    format!("{o:.2} vs {t:.2} GB/s = {:.1}x", o / t),
                    if o / t >= goal { "met" } else { "missed" },
                ),
                None => ("not measured".to_owned(), "—"),
            };
            let _ = writeln!(
                out,
                "| `{}` 64 B, {} chunks: ≥ {goal}x {} | {measured} | {verdict} |",
                strategy.label(),
                chunking.label(),
                codec.label()
            );
        }
    }
    for strategy in [Strategy::Line, Strategy::U32Be] {
        for frame in [64, 4096] {
            let group = group_name(strategy, frame);
            let ns: Vec<String> = [Chunking::Size(1460), Chunking::Size(7), Chunking::Size(1)]
                .into_iter()
                .map(|c| {
                    gbps(m, &group, "framecheck", c)
                        .map_or("—".to_owned(), |g| format!("{:.2}", 1.0 / g))
                })
                .collect();
            let _ = writeln!(
                out,
                "| `{}` {frame} B: linear cost, ns/byte at 1460 / 7 / 1-byte chunks | {} | see ns/byte |",
                strategy.label(),
                ns.join(" / ")
            );
        }
    }
    out
}
