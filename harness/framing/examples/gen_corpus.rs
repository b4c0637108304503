//! Writes the deterministic seed corpus: `corpus/<target>/seed-<name>` for
//! every seed of `framecheck_framing::fuzzing::seeds()`. Stale `seed-*`
//! files are removed; other files (coverage-adding inputs merged by
//! `scripts/fuzz.sh`) are left alone.
//!
//! `cargo run -p framecheck-framing --features fuzzing --example gen_corpus -- CORPUS_DIR`

use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;

use framecheck_framing::fuzzing::{TARGETS, seeds};

fn main() -> std::io::Result<()> {
    let root: PathBuf = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("corpus"), PathBuf::from);
    let seeds = seeds();
    let mut wanted = BTreeSet::new();
    for seed in &seeds {
        let dir = root.join(seed.target);
        fs::create_dir_all(&dir)?;
        let path = dir.join(format!("seed-{}", seed.name));
        fs::write(&path, &seed.data)?;
        wanted.insert(path);
    }
    for target in TARGETS {
        for entry in fs::read_dir(root.join(target))? {
            let path = entry?.path();
            let stale = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("seed-"));
            if stale && !wanted.contains(&path) {
                fs::remove_file(&path)?;
            }
        }
    }
    println!("wrote {} seeds under {}", seeds.len(), root.display());
    Ok(())
}
