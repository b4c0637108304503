//! Render criterion's estimates for the `decode` bench as a markdown table
//! (see [`framecheck_bench::table`]): medians, ratios of medians.
//!
//! ```text
//! bench_table target/criterion
//! ```

use std::path::Path;
use std::process::ExitCode;

use framecheck_bench::table::Results;
use framecheck_bench::{Chunking, Strategy};
use serde_json::Value;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir] = args.as_slice() else {
        eprintln!("usage: bench_table CRITERION_DIR");
        return ExitCode::from(2);
    };
    let mut results = Results::default();
    if let Err(e) = collect(Path::new(dir), &mut results) {
        eprintln!("bench_table: {dir}: {e}");
        return ExitCode::from(1);
    }
    if results.is_empty() {
        eprintln!("bench_table: no criterion estimates under {dir}");
        return ExitCode::from(1);
    }
    print!("{}", results.render());
    ExitCode::SUCCESS
}

/// Read every `new/benchmark.json` + `new/estimates.json` under `dir`.
fn collect(dir: &Path, out: &mut Results) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        if path.file_name().is_some_and(|n| n == "new") {
            record(&path, out);
        } else {
            collect(&path, out)?;
        }
    }
    Ok(())
}

/// Record one benchmark's median throughput; ids that are not the
/// `decode` bench's (`<strategy> <frame>/<driver>/<chunking>`) are skipped.
fn record(dir: &Path, out: &mut Results) -> Option<()> {
    let read = |name: &str| -> Option<Value> {
        let text = std::fs::read_to_string(dir.join(name)).ok()?;
        serde_json::from_str(&text).ok()
    };
    let id = read("benchmark.json")?;
    let est = read("estimates.json")?;
    let (strategy, frame) = id["group_id"].as_str()?.rsplit_once(' ')?;
    let strategy = Strategy::from_label(strategy)?;
    let frame = frame.parse().ok()?;
    let driver = id["function_id"].as_str()?;
    let chunking = Chunking::from_label(id["value_str"].as_str()?)?;
    let bytes = id["throughput"]["Bytes"].as_u64()?;
    let ns = est["median"]["point_estimate"].as_f64()?;
    out.set_speed(strategy, frame, driver, chunking, to_f64(bytes) / ns);
    Some(())
}

#[expect(clippy::cast_precision_loss, reason = "byte counts far below 2^52")]
fn to_f64(n: u64) -> f64 {
    n as f64
}
