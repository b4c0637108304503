#![no_main]
// Body: framecheck_framing::fuzzing::decode_http1_response (asserts its invariants).
libfuzzer_sys::fuzz_target!(|data: &[u8]| framecheck_framing::fuzzing::decode_http1_response(data));
