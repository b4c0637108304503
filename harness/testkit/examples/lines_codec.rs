//! tokio-util's `LinesCodec` checked against framecheck's `line` framing by
//! each entry point; it reproduces D2, D3 and D4 of `reports/differential.md`
//! (differences of meaning, documented by tokio).
//!
//! `cargo run -p framecheck-testkit --all-features --example lines_codec`

use std::panic::catch_unwind;

use framecheck_framing::{Schedule, Spec};
use framecheck_testkit::{
    Part, Reference, Tokio, check, check_all_schedules, fuzz_check, strategy,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use tokio_util::codec::LinesCodec;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let spec: Spec = "line,max=64".parse()?;
    // LinesCodec strips one '\r' before the '\n': compare with that part.
    let lines = Reference::new(&spec).part(Part::Line);
    let codec = || Tokio::new(LinesCodec::new_with_max_length(64));

    // 1. Every schedule of a small stream: they agree.
    let ok = check_all_schedules(lines.clone(), codec, b"one\r\ntwo\n\n")?;
    println!("check_all_schedules: agree on {} schedules", ok.schedules);

    // 2. One schedule each: D2, D3, D4.
    for (name, stream) in [
        ("D2 unterminated last line", &b"a\nrest"[..]),
        ("D3 lone trailing \\r", b"a\n\r"),
        ("D4 not UTF-8", b"ok\n\xff\xfe\n"),
    ] {
        let diff = check(lines.clone(), codec, stream, &Schedule::whole())
            .expect_err("a documented difference");
        println!("\ncheck, {name}:\n{diff}");
    }

    // 3. proptest: valid `line` streams under drawn schedules; it finds a
    //    difference (D4 or D2/D3) and shrinks it.
    let cases = strategy::valid_stream(&spec, 1..4).prop_flat_map(|s| {
        let n = s.len();
        (Just(s), strategy::schedule(n))
    });
    let mut runner = TestRunner::new(Config {
        failure_persistence: None,
        ..Config::default()
    });
    let found = runner.run(&cases, |(stream, schedule)| {
        let r = check(lines.clone(), codec, &stream, &schedule);
        r.map(|_| ())
            .map_err(|m| TestCaseError::fail(m.to_string()))
    });
    println!(
        "\nproptest: {}",
        found
            .err()
            .map_or("no difference".into(), |e| e.to_string())
    );

    // 4. fuzz_check: raw input (flags 0, at 0, no cuts) "a\nrest": D2.
    let panicked = catch_unwind(|| fuzz_check(b"\x00\x00\x00a\nrest", lines.clone(), codec));
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
