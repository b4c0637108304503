#![no_main]
// Body: framecheck_fuzz::resp::differential_resp (framecheck's RESP scanner
// against redis-protocol; known differences in reports/differential.md).
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    framecheck_fuzz::resp::differential_resp(data);
});
