//! Shared stream builders for the benchmarks.
