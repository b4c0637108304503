#![no_main]
// Time-to-bug benchmark (scripts/fuzz-bench.sh): the seeded bug `varint_unbounded`
// (framecheck_fuzz::bugs) under framecheck_testkit::fuzz_check. Crashes by design.
libfuzzer_sys::fuzz_target!(|data: &[u8]| framecheck_fuzz::bugs::framecheck_target(
    "varint_unbounded",
    data
));
