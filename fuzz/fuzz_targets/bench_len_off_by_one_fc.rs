#![no_main]
// Time-to-bug benchmark (scripts/fuzz-bench.sh): the seeded bug `len_off_by_one`
// (framecheck_fuzz::bugs) under framecheck_testkit::fuzz_check. Crashes by design.
libfuzzer_sys::fuzz_target!(|data: &[u8]| framecheck_fuzz::bugs::framecheck_target(
    "len_off_by_one",
    data
));
