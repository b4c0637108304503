#![no_main]
//! Not a fuzz target: the yardstick for `scripts/fuzz-throughput.sh`.
//! `FRAMECHECK_CALIBRATE=trivial` (the default) only looks at the input;
//! `FRAMECHECK_CALIBRATE=decode_len` (or any decode target's name) decodes it
//! once, whole and unchecked, as that target reads it
//! (`framecheck_framing::fuzzing::decode_only`). Left out of `fuzz.sh` and
//! the CI smoke run.
use std::sync::OnceLock;

static MODE: OnceLock<String> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mode = MODE.get_or_init(|| {
        std::env::var("FRAMECHECK_CALIBRATE").unwrap_or_else(|_| "trivial".to_owned())
    });
    if mode == "trivial" {
        std::hint::black_box(data.first());
    } else {
        assert!(
            framecheck_framing::fuzzing::decode_only(mode, data),
            "FRAMECHECK_CALIBRATE={mode}: not a decode target"
        );
    }
});
