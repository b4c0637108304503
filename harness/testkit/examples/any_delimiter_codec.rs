//! tokio-util's `AnyDelimiterCodec` checked against framecheck's `delim:`
//! framing by each entry point. Like `LinesCodec` (D2 of
//! `reports/differential.md`), it returns the bytes after the last delimiter
//! as a last chunk at the end of the stream, where framecheck reports a
//! truncated frame.
//!
//! `cargo run -p framecheck-testkit --all-features --example any_delimiter_codec`

use std::panic::catch_unwind;

use framecheck_framing::{Schedule, Spec};
use framecheck_testkit::{Tokio, check, check_all_schedules, fuzz_check, strategy};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use tokio_util::codec::AnyDelimiterCodec;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let spec: Spec = "delim:;,max=32".parse()?;
    let codec = || {
        Tokio::new(AnyDelimiterCodec::new_with_max_length(
            b";".to_vec(),
            b";".to_vec(),
            32,
        ))
    };

    // 1. Every schedule of a small stream: they agree.
    let ok = check_all_schedules(&spec, codec, b"GET a;;PUT b=c;")?;
    println!("check_all_schedules: agree on {} schedules", ok.schedules);

    // 2. One schedule: the D2 analogue, an unterminated last chunk.
    let diff =
        check(&spec, codec, b"a;rest", &Schedule::whole()).expect_err("a documented difference");
    println!("\ncheck, unterminated last chunk:\n{diff}");

    // 3. proptest: broken streams; a truncated last frame shows the same.
    let cases = strategy::invalid_stream(&spec, 0..3).prop_flat_map(|bad| {
        let n = bad.stream.len();
        (Just(bad), strategy::schedule(n))
    });
    let mut runner = TestRunner::new(Config {
        failure_persistence: None,
        ..Config::default()
    });
    let found = runner.run(&cases, |(bad, schedule)| {
        let r = check(&spec, codec, &bad.stream, &schedule);
        r.map(|_| ())
            .map_err(|m| TestCaseError::fail(format!("{:?}: {m}", bad.how)))
    });
    println!(
        "\nproptest: {}",
        found
            .err()
            .map_or("no difference".into(), |e| e.to_string())
    );

    // 4. fuzz_check: the same stream, byte by byte (one size of 0 + 1).
    let panicked = catch_unwind(|| fuzz_check(b"\x00\x00\x01\x00a;rest", &spec, codec));
    println!(
        "\nfuzz_check: {}",
        if panicked.is_err() {
            "panicked with the diff above"
        } else {
            "no difference"
        }
    );
    Ok(())
}
