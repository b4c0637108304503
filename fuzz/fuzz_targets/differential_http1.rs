#![no_main]
// Body: framecheck_fuzz::http1::differential_http1 (framecheck's http1 decoder
// against httparse with hyper's body-length rules; known differences in
// reports/differential.md).
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    framecheck_fuzz::http1::differential_http1(data);
});
