#![no_main]
// Time-to-bug benchmark (scripts/fuzz-bench.sh): the seeded bug `varint_unbounded`
// (framecheck_fuzz::bugs) decoding the whole input and checking nothing.
libfuzzer_sys::fuzz_target!(|data: &[u8]| framecheck_fuzz::bugs::plain_target(
    "varint_unbounded",
    data
));
