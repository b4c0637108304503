//! Writes the differential target's seeds to `CORPUS_DIR/differential/seed-*`.
//!
//! `cd fuzz && cargo run --example gen_corpus -- ../corpus`

use std::fs;
use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let root: PathBuf = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("../corpus"), PathBuf::from);
    let dir = root.join("differential");
    fs::create_dir_all(&dir)?;
    for entry in fs::read_dir(&dir)? {
        let path = entry?.path();
        if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("seed-"))
        {
            fs::remove_file(path)?;
        }
    }
    let seeds = framecheck_fuzz::seeds();
    for seed in &seeds {
        fs::write(dir.join(format!("seed-{}", seed.name)), &seed.data)?;
    }
    println!("wrote {} seeds under {}", seeds.len(), dir.display());
    Ok(())
}
