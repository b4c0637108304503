//! Each minimal input of `reports/differential.md`'s H table gives exactly
//! the difference it documents (and the agreeing ones none).

#[test]
fn each_known_http1_difference_happens_as_documented() {
    for (name, data, want) in framecheck_fuzz::http1::seeds() {
        assert_eq!(
            framecheck_fuzz::http1::differential_http1(&data),
            want,
            "{name}"
        );
    }
}

/// The committed corpus replays clean (no unknown disagreement) and its
/// seeds are the current ones.
#[test]
fn every_http1_differential_input_replays_clean() {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/differential_http1");
    let mut ran = 0;
    for entry in std::fs::read_dir(&root).expect("corpus/differential_http1") {
        let path = entry.expect("a corpus entry").path();
        let data = std::fs::read(&path).expect("a corpus file");
        let run = std::panic::catch_unwind(|| framecheck_fuzz::http1::differential_http1(&data));
        assert!(run.is_ok(), "{}", path.display());
        ran += 1;
    }
    assert!(ran > 0, "no corpus under {}", root.display());
    for (name, data, _) in framecheck_fuzz::http1::seeds() {
        let path = root.join(format!("seed-{name}"));
        let on_disk = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e}; run scripts/gen-corpus.sh", path.display()));
        assert_eq!(
            on_disk,
            data,
            "{} is stale; run scripts/gen-corpus.sh",
            path.display()
        );
    }
}
