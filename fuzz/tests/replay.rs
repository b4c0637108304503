//! Replays `corpus/<target>/*` and `corpus/regressions/<target>/*` of the
//! differential targets (`differential`, `differential_resp`, `differential_http1`)
//! through the differential body on stable Rust (`cd fuzz && cargo test`).

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = entries
        .map(|e| e.expect("readable corpus directory").path())
        .filter(|p| p.is_file())
        .collect();
    v.sort();
    v
}

/// Replay `corpus/<target>/*` and `corpus/regressions/<target>/*` through
/// `body`: the count replayed, and one line per input that panics.
fn replay(target: &str, body: fn(&[u8])) -> (usize, Vec<String>) {
    let root = corpus_root();
    let mut ran = 0;
    let mut failures = Vec::new();
    for dir in [root.join(target), root.join("regressions").join(target)] {
        for path in files(&dir) {
            let data = fs::read(&path).expect("readable corpus file");
            ran += 1;
            if let Err(panic) = catch_unwind(AssertUnwindSafe(|| body(&data))) {
                let msg = panic
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| panic.downcast_ref::<&str>().copied())
                    .unwrap_or("(non-text panic)");
                failures.push(format!(
                    "{}: {msg}\n  reproduce: cd fuzz && cargo +nightly fuzz run {target} {}",
                    path.display(),
                    path.display()
                ));
            }
        }
    }
    (ran, failures)
}

/// `replay`'s answer for `target`: something replayed, and nothing failed.
fn assert_clean(target: &str, (ran, failures): (usize, Vec<String>)) {
    assert!(
        ran > 0,
        "no {target} corpus under {}",
        corpus_root().display()
    );
    assert!(
        failures.is_empty(),
        "{} inputs fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_differential_input_replays_clean() {
    assert_clean(
        "differential",
        replay("differential", framecheck_fuzz::differential),
    );
}

#[test]
fn every_seed_is_committed() {
    let dir = corpus_root().join("differential");
    for seed in framecheck_fuzz::seeds() {
        let path = dir.join(format!("seed-{}", seed.name));
        let on_disk = fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e}; run scripts/gen-corpus.sh", path.display()));
        assert_eq!(
            on_disk,
            seed.data,
            "{} is stale; run scripts/gen-corpus.sh",
            path.display()
        );
    }
}

#[test]
fn every_resp_differential_input_replays_clean() {
    // redis-protocol's decoder recurses once per nesting level, with large
    // frames in a debug build: 32 levels overflow a test thread's 2 MiB
    // stack (the fuzzer, a release build on the main thread, has room).
    let (ran, failures) = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(|| {
            replay("differential_resp", |data| {
                framecheck_fuzz::resp::differential_resp(data);
            })
        })
        .expect("a replay thread")
        .join()
        .expect("the replay thread");
    let root = corpus_root();
    assert!(
        ran > 0,
        "no RESP differential corpus under {}",
        root.display()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The committed seeds are the current ones.
    for (name, data, _) in framecheck_fuzz::resp::seeds() {
        let path = root.join("differential_resp").join(format!("seed-{name}"));
        let on_disk = fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e}; run scripts/gen-corpus.sh", path.display()));
        assert_eq!(
            on_disk,
            data,
            "{} is stale; run scripts/gen-corpus.sh",
            path.display()
        );
    }
}

#[test]
fn every_http1_differential_input_replays_clean() {
    assert_clean(
        "differential_http1",
        replay("differential_http1", |data| {
            framecheck_fuzz::http1::differential_http1(data);
        }),
    );
}
