//! Writes the differential targets' seeds to `CORPUS_DIR/differential/seed-*`
//! `CORPUS_DIR/differential_resp/seed-*` and `CORPUS_DIR/differential_http1/seed-*`.
//!
//! `cd fuzz && cargo run --example gen_corpus -- ../corpus`

use std::fs;
use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let root: PathBuf = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("../corpus"), PathBuf::from);
    let seeds: Vec<(&str, Vec<u8>)> = framecheck_fuzz::seeds()
        .into_iter()
        .map(|s| (s.name, s.data))
        .collect();
    write(&root.join("differential"), &seeds)?;
    let resp: Vec<(&str, Vec<u8>)> = framecheck_fuzz::resp::seeds()
        .into_iter()
        .map(|(name, data, _)| (name, data))
        .collect();
    write(&root.join("differential_resp"), &resp)?;
    let http: Vec<(&str, Vec<u8>)> = framecheck_fuzz::http1::seeds()
        .into_iter()
        .map(|(name, data, _)| (name, data))
        .collect();
    write(&root.join("differential_http1"), &http)?;
    Ok(())
}

/// Replace the `seed-*` files of `dir` with `seeds`.
fn write(dir: &std::path::Path, seeds: &[(&str, Vec<u8>)]) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("seed-"))
        {
            fs::remove_file(path)?;
        }
    }
    for (name, data) in seeds {
        fs::write(dir.join(format!("seed-{name}")), data)?;
    }
    println!("wrote {} seeds under {}", seeds.len(), dir.display());
    Ok(())
}
