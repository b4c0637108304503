#![no_main]
// Body: framecheck_fuzz::differential (asserts agreement with tokio-util).
libfuzzer_sys::fuzz_target!(|data: &[u8]| framecheck_fuzz::differential(data));
