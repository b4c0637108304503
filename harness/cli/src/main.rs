//! The `framecheck` command.
fn main() {}
