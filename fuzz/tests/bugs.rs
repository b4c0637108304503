//! The time-to-bug benchmark's seeded bugs are real and only where seeded:
//! each decoder agrees with its spec on a stream delivered whole that avoids
//! its bug, [`check_all_schedules`] catches it on a small stream, and its
//! framecheck-backed fuzz target panics on an input made by hand.

use std::panic::catch_unwind;

use framecheck_fuzz::bugs::{BUGS, bug, framecheck_target};
use framecheck_testkit::{check, check_all_schedules};

/// Per bug: a stream that avoids the bug when delivered whole, and a small
/// stream that shows it under some schedule.
const CASES: &[(&str, &[u8], &[u8])] = &[
    ("split_delim", b"ab\r\ncd\r\n", b"ab\r\n"),
    ("header_one_call", b"\x00\x02hi\x00\x00", b"\x00\x02hi"),
    ("len_off_by_one", b"\x00\x02hi", b"\x00\x02hi"),
    (
        "max_after_alloc",
        b"\x00\x00\x00\x02hi",
        b"\x00\x01\x00\x00",
    ),
    ("state_not_reset", b"\x02hi\x02", b"\x01a\x02bc"),
    ("eof_silent", b"\x00\x02hi", b"\x00\x05ab"),
    (
        "varint_unbounded",
        b"\x02hi\x80\x01",
        b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00",
    ),
    ("line_no_max", b"abc\nd\n", &[b'a'; 70]),
];

#[test]
fn every_bug_has_a_case() {
    let names: Vec<&str> = CASES.iter().map(|c| c.0).collect();
    assert_eq!(names, BUGS.iter().map(|b| b.name).collect::<Vec<_>>());
}

#[test]
fn each_bug_decoder_is_right_where_its_bug_is_not_exercised() {
    for &(name, ok, _) in CASES {
        let (b, spec) = bug(name);
        let r = check(&spec, b.make, ok, &framecheck_framing::Schedule::whole());
        assert!(r.is_ok(), "{name}: {}", r.unwrap_err());
    }
}

#[test]
fn check_all_schedules_catches_each_seeded_bug() {
    for &(name, _, bad) in CASES {
        let (b, spec) = bug(name);
        let diff = check_all_schedules(&spec, b.make, bad)
            .err()
            .unwrap_or_else(|| panic!("{name}: not caught"));
        assert_ne!(diff.user.events, diff.expected.events, "{name}");
        println!("{name}:\n{diff}\n");
    }
}

#[test]
fn the_framecheck_target_panics_on_each_seeded_bug() {
    for &(name, _, bad) in CASES {
        // flags 0, no early end, one piece size of 1: byte by byte.
        let mut input = vec![0, 0, 1, 0];
        input.extend_from_slice(bad);
        assert!(
            catch_unwind(|| framecheck_target(name, &input)).is_err(),
            "{name}: the framecheck target did not panic"
        );
    }
}
