//! tokio-util's `LengthDelimitedCodec` checked against framecheck's length
//! framings by each entry point; it reproduces D1, D5 and D6 of
//! `reports/differential.md`.
//!
//! `cargo run -p framecheck-testkit --all-features --example length_delimited_codec`

use std::panic::catch_unwind;

use framecheck_framing::{Schedule, Spec};
use framecheck_testkit::{
    Part, Reference, Tokio, check, check_all_schedules, fuzz_check, strategy,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use tokio_util::codec::LengthDelimitedCodec;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let spec: Spec = "u16be,max=100".parse()?;
    let codec = || {
        Tokio::new(
            LengthDelimitedCodec::builder()
                .length_field_type::<u16>()
                .max_frame_length(100)
                .new_codec(),
        )
    };

    // 1. Every schedule of a small stream: they agree.
    let ok = check_all_schedules(&spec, codec, b"\x00\x02hi\x00\x00\x00\x01!")?;
    println!("check_all_schedules: agree on {} schedules", ok.schedules);

    // 2. D5: a stream that ends right after a header ends cleanly in tokio.
    let diff = check_all_schedules(&spec, codec, b"\x00\x05").expect_err("a documented difference");
    println!("\ncheck_all_schedules, D5:\n{diff}");

    // D1: with num_skip(0), a length below the header: empty frames that
    // consume nothing (the adapter stops asking after one per byte, plus one).
    let whole: Spec = "u16be,adjust=-2".parse()?;
    let d1 = || {
        Tokio::new(
            LengthDelimitedCodec::builder()
                .length_field_type::<u16>()
                .length_adjustment(0)
                .num_skip(0)
                .new_codec(),
        )
    };
    let wire = Reference::new(&whole).part(Part::Wire);
    for stream in [&b"\x00\x00"[..], b"\x00\x01"] {
        let diff = check(wire.clone(), d1, stream, &Schedule::whole())
            .expect_err("a documented difference");
        println!("\ncheck, D1:\n{diff}");
    }

    // D6: a negative adjustment rejects frames at the top of the range.
    let d6 = || {
        Tokio::new(
            LengthDelimitedCodec::builder()
                .length_field_type::<u16>()
                .length_adjustment(-2)
                .new_codec(),
        )
    };
    let mut stream = b"\xff\xfe".to_vec();
    stream.resize(2 + 65532, b'x');
    let diff = check(&whole, d6, &stream, &Schedule::whole()).expect_err("a documented difference");
    println!("\ncheck, D6:\n{diff}");

    // 3. proptest: broken streams; truncations right after a header show D5.
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

    // 4. fuzz_check: raw input (flags 0, at 0, no cuts): a frame, then a
    //    header with nothing after it: D5.
    let panicked = catch_unwind(|| fuzz_check(b"\x00\x00\x00\x00\x05hello\x00\x05", &spec, codec));
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
