//! Replays every committed fuzz input through the same target bodies that
//! cargo-fuzz runs, on stable Rust: `corpus/<target>/*` (seeds and
//! coverage-adding inputs) and `corpus/regressions/<target>/*` (minimized
//! crashes, each fixed). A failure names the file and the reproduction.
//!
//! The differential target's corpus replays in the fuzz crate
//! (`fuzz/tests/replay.rs`), which alone depends on tokio-util.
//!
//! Plain `cargo test` runs it: the crate's dev-dependency on itself turns on
//! the `fuzzing` feature for its tests.

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use framecheck_framing::fuzzing::{self, TARGETS};

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus")
}

/// Every file in `dir`, sorted; none if the directory does not exist.
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

/// Run every file of `dirs` through `target`; return the failures.
fn replay(target: &str, dirs: &[PathBuf]) -> (usize, Vec<String>) {
    let mut ran = 0;
    let mut failures = Vec::new();
    for dir in dirs {
        for path in files(dir) {
            let data = fs::read(&path).expect("readable corpus file");
            ran += 1;
            if let Err(panic) = catch_unwind(AssertUnwindSafe(|| fuzzing::run(target, &data))) {
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

#[test]
fn every_corpus_file_replays_clean() {
    let root = corpus_root();
    let mut report = Vec::new();
    for target in TARGETS {
        let dirs = [root.join(target), root.join("regressions").join(target)];
        let (ran, failures) = replay(target, &dirs);
        assert!(
            ran > 0,
            "{target}: no corpus files under {}",
            root.display()
        );
        report.extend(failures);
    }
    assert!(
        report.is_empty(),
        "{} corpus inputs fail:\n{}",
        report.len(),
        report.join("\n")
    );
}

#[test]
fn every_hand_picked_seed_is_committed() {
    let root = corpus_root();
    for seed in fuzzing::seeds() {
        let path = root.join(seed.target).join(format!("seed-{}", seed.name));
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
