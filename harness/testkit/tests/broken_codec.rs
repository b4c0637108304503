//! A deliberately broken tokio-util codec is caught by each entry point
//! (`check`, `check_all_schedules`, the proptest strategies, `fuzz_check`), and a
//! correct one passes each: the checks can fail, and fail only on the bug.

use std::panic::catch_unwind;

use bytes::{Buf, BytesMut};
use framecheck_framing::{Schedule, Spec};
use framecheck_testkit::{
    Event, Part, Reference, Tokio, check, check_all_schedules, from_fn, fuzz_check, strategy,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use tokio_util::codec::{Decoder, LengthDelimitedCodec, LinesCodec};

/// A u16be-length codec that reads its header from whatever one read
/// brought: a header cut after its first byte is taken as a 1-byte header.
#[derive(Default)]
struct HeaderInOneRead {
    body: Option<usize>,
}

impl Decoder for HeaderInOneRead {
    type Item = BytesMut;
    type Error = std::io::Error;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<BytesMut>, std::io::Error> {
        if self.body.is_none() {
            if buf.is_empty() {
                return Ok(None);
            }
            let head = buf.split_to(buf.len().min(2));
            let n = head.iter().fold(0, |n, &b| n << 8 | usize::from(b));
            if n > 100 {
                return Err(std::io::Error::other("frame too long"));
            }
            self.body = Some(n);
        }
        let n = self.body.unwrap_or(0);
        if buf.len() < n {
            return Ok(None);
        }
        self.body = None;
        Ok(Some(buf.split_to(n)))
    }
}

fn spec() -> Spec {
    "u16be,max=100".parse().expect("a valid spec")
}

fn broken() -> Tokio<HeaderInOneRead> {
    Tokio::new(HeaderInOneRead::default())
}

fn correct() -> Tokio<LengthDelimitedCodec> {
    Tokio::new(
        LengthDelimitedCodec::builder()
            .length_field_type::<u16>()
            .max_frame_length(100)
            .new_codec(),
    )
}

/// A correct u16be decoder, as a function over the buffer.
fn correct_fn() -> impl framecheck_testkit::UserDecoder {
    from_fn(
        |buf: &mut BytesMut| -> Result<Option<BytesMut>, &'static str> {
            if buf.len() < 2 {
                return Ok(None);
            }
            let n = usize::from(u16::from_be_bytes([buf[0], buf[1]]));
            if n > 100 {
                return Err("too long");
            }
            if buf.len() < 2 + n {
                return Ok(None);
            }
            buf.advance(2);
            Ok(Some(buf.split_to(n)))
        },
    )
}

const STREAM: &[u8] = b"\x00\x02hi\x00\x03abc";

#[test]
fn check_catches_it_under_a_cutting_schedule_only() {
    let spec = spec();
    // Whole delivery hides the bug: the user's decoder is the one cut.
    assert!(check(&spec, broken, STREAM, &Schedule::whole()).is_ok());
    let diff = check(&spec, broken, STREAM, &"1".parse().expect("schedule")).unwrap_err();
    assert_eq!(diff.found_by.to_string(), "1");
    // Minimized to its first byte: a header cut by the end of the stream is
    // taken as a 1-byte header (an empty frame) where the reference refuses.
    assert_eq!(diff.schedule.to_string(), "whole", "{diff}");
    assert_eq!(diff.stream, b"\x00", "{diff}");
    assert_eq!(diff.pieces, vec![b"\x00".to_vec()]);
    assert_eq!(diff.first_difference(), 0);
    assert_eq!(diff.user.events, vec![Event::Frame(Vec::new())]);
    assert!(matches!(
        diff.expected.events[..],
        [Event::Refused {
            frame: 0,
            at_end: true,
            ..
        }]
    ));
    let text = diff.to_string();
    assert!(
        text.contains("minimal schedule   whole   on the first 1 bytes"),
        "{text}"
    );
    assert!(text.contains("> #0 frame b\"\""), "{text}");
    assert!(check(&spec, correct, STREAM, &"1".parse().expect("schedule")).is_ok());
}

#[test]
fn check_all_schedules_catches_it() {
    let spec = spec();
    let diff = check_all_schedules(&spec, broken, STREAM).unwrap_err();
    assert_ne!(diff.user.events, diff.expected.events, "{diff}");
    let ok = check_all_schedules(&spec, correct, STREAM).expect("LengthDelimitedCodec agrees");
    // whole, bytewise, 8 single cuts, 28 pairs.
    assert_eq!(ok.schedules, 2 + 8 + 28);
    assert_eq!(ok.events.len(), 2);
}

fn valid_cases(spec: &Spec) -> impl Strategy<Value = (Vec<u8>, Schedule)> {
    strategy::valid_stream(spec, 1..5).prop_flat_map(|s| {
        let n = s.len();
        (Just(s), strategy::schedule(n))
    })
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    })
}

#[test]
fn the_proptest_strategies_catch_it() {
    let spec = spec();
    let result = runner().run(&valid_cases(&spec), |(stream, schedule)| {
        let r = check(&spec, broken, &stream, &schedule);
        prop_assert!(r.is_ok(), "{}", r.unwrap_err());
        Ok(())
    });
    let failure = result.unwrap_err().to_string();
    assert!(
        failure.contains("disagrees with the reference"),
        "{failure}"
    );
    // A correct decoder passes the same strategies (not LengthDelimitedCodec:
    // the early ends the schedules draw find its D5, see the example).
    runner()
        .run(&valid_cases(&spec), |(stream, schedule)| {
            let r = check(&spec, correct_fn, &stream, &schedule);
            prop_assert!(r.is_ok(), "{}", r.unwrap_err());
            Ok(())
        })
        .expect("LengthDelimitedCodec agrees on valid streams");
}

#[test]
fn a_correct_decoder_refuses_broken_streams_where_the_reference_does() {
    let spec = spec();
    let cases = strategy::invalid_stream(&spec, 0..4).prop_flat_map(|bad| {
        let n = bad.stream.len();
        (Just(bad), strategy::schedule(n))
    });
    runner()
        .run(&cases, |(bad, schedule)| {
            let r = check(&spec, correct_fn, &bad.stream, &schedule);
            prop_assert!(r.is_ok(), "{:?}: {}", bad.how, r.unwrap_err());
            Ok(())
        })
        .expect("a correct decoder agrees on broken streams too");
}

#[test]
fn invalid_streams_break_where_they_say() {
    for text in [
        "u16be,max=100",
        "line,max=20",
        "tagged:A=3/B=u8",
        "eof,max=10",
        "fixed:4",
    ] {
        let spec: Spec = text.parse().expect("spec");
        runner()
            .run(&strategy::invalid_stream(&spec, 0..4), |bad| {
                let t = framecheck_framing::transcript(&spec, [&bad.stream[..]]);
                prop_assert_eq!(t.frames.len(), bad.frames);
                let e = t.end.expect_err("an invalid stream is refused");
                prop_assert_eq!(e.offset(), Some(bad.at as u64));
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{text}: {e}"));
    }
}

#[test]
fn fuzz_check_catches_it() {
    let spec = spec();
    // flags 0, at 0, one size (0 + 1): byte by byte; then the stream.
    let mut input = vec![0, 0, 1, 0];
    input.extend_from_slice(STREAM);
    let message = catch_unwind(|| fuzz_check(&input, &spec, broken))
        .unwrap_err()
        .downcast::<String>()
        .expect("a formatted panic");
    assert!(
        message.contains("the decoder disagrees with the reference `u16be,max=100`"),
        "{message}"
    );
    fuzz_check(&input, &spec, correct);
    // Encode mode frames each [len][bytes] message: two frames, bytewise.
    fuzz_check(b"\x04\x00\x01\x00\x02hi\x03abc", &spec, correct);
    assert!(catch_unwind(|| fuzz_check(b"\x04\x00\x01\x00\x02hi", &spec, broken)).is_err());
}

#[test]
fn a_decoder_that_allocates_before_checking_max_is_caught() {
    let spec = spec();
    let greedy = || {
        from_fn(
            |buf: &mut BytesMut| -> Result<Option<BytesMut>, &'static str> {
                if buf.len() < 2 {
                    return Ok(None);
                }
                let n = usize::from(u16::from_be_bytes([buf[0], buf[1]]));
                buf.reserve(n); // before the check
                if n > 100 {
                    return Err("too long");
                }
                if buf.len() < 2 + n {
                    return Ok(None);
                }
                buf.advance(2);
                Ok(Some(buf.split_to(n)))
            },
        )
    };
    let diff = check(&spec, greedy, b"\xff\xff", &Schedule::whole()).unwrap_err();
    assert!(
        matches!(diff.user.events[0], Event::Overheld { capacity, .. } if capacity >= 0xffff),
        "{diff}"
    );
}

#[test]
fn a_panicking_decoder_is_a_difference_not_a_crash() {
    let spec = spec();
    let panicky = || {
        from_fn(|buf: &mut BytesMut| -> Result<Option<BytesMut>, ()> {
            if buf.len() < 2 {
                return Ok(None);
            }
            let n = usize::from(u16::from_be_bytes([buf[0], buf[1]]));
            Ok(Some(buf.split_to(2 + n))) // no length check
        })
    };
    let diff = check(&spec, panicky, b"\x00\x05ab", &Schedule::whole()).unwrap_err();
    assert!(
        matches!(&diff.user.events[0], Event::Panicked(m) if m.contains("split_to")),
        "{diff}"
    );
}

#[test]
fn a_codec_that_yields_frames_forever_is_stopped() {
    // tokio-util's D1 (reports/differential.md): num_skip(0) and a zero
    // length give empty frames that consume nothing.
    let spec: Spec = "u16be,adjust=-2".parse().expect("spec");
    let d1 = || {
        Tokio::new(
            LengthDelimitedCodec::builder()
                .length_field_type::<u16>()
                .length_adjustment(0)
                .num_skip(0)
                .new_codec(),
        )
    };
    let reference = Reference::new(&spec).part(Part::Wire);
    let diff = check(reference, d1, b"\x00\x00", &Schedule::whole()).unwrap_err();
    assert_eq!(diff.user.events[0], Event::Frame(Vec::new()), "{diff}");
    assert!(matches!(
        diff.expected.events[0],
        Event::Refused {
            frame: 0,
            at_end: false,
            ..
        }
    ));
}

#[test]
fn lines_codec_agrees_on_crlf_lines_and_differs_at_an_unterminated_end() {
    let spec: Spec = "line,max=64".parse().expect("spec");
    let lines = Reference::new(&spec).part(Part::Line);
    let codec = || Tokio::new(LinesCodec::new_with_max_length(64));
    check_all_schedules(lines.clone(), codec, b"one\r\ntwo\n\n").expect("agree");
    // D2: LinesCodec returns an unterminated last line; the reference refuses it.
    let diff = check(lines, codec, b"a\nrest", &Schedule::whole()).unwrap_err();
    // Minimized to "a": a line the codec returns at the end, and the
    // reference refuses.
    assert_eq!(diff.stream, b"a", "{diff}");
    assert_eq!(
        diff.user.events,
        vec![Event::Frame(b"a".to_vec())],
        "{diff}"
    );
    assert!(matches!(
        diff.expected.events[..],
        [Event::Refused {
            frame: 0,
            at_end: true,
            ..
        }]
    ));
}
