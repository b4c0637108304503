//! The documented disagreements of `reports/differential.md` (N1 to N5 for
//! the `netstring` crate, P1 and P2 for gix-packetline) happen exactly as
//! written, on their minimal inputs; and the agreements hold.

use framecheck_framing::{Spec, transcript};
use framecheck_fuzz::{TextRun, run_gix, run_netstring};

fn ours(spec: &str, stream: &[u8]) -> (Vec<Vec<u8>>, Option<String>) {
    let spec: Spec = spec.parse().expect("spec");
    let t = transcript(&spec, [stream]);
    (
        t.frames.iter().map(|f| f.payload().to_vec()).collect(),
        t.end.err().map(|e| e.to_string()),
    )
}

fn payloads(run: &TextRun) -> Vec<Vec<u8>> {
    run.frames.iter().map(|(_, p)| p.clone()).collect()
}

#[test]
fn netstring_agreements_and_differences() {
    // Agreement: the same frames, a clean end.
    let s = b"5:hello,0:,12:hello, world,";
    let theirs = run_netstring(s);
    assert_eq!(
        (payloads(&theirs), theirs.error.clone()),
        (ours("netstring", s).0, None)
    );
    // N1: a payload that is not UTF-8: theirs fails, ours is the bytes.
    let theirs = run_netstring(b"2:\xff\xfe,");
    assert!(
        theirs.frames.is_empty() && theirs.error.as_deref().is_some_and(|e| e.contains("utf-8")),
        "{theirs:?}"
    );
    assert_eq!(
        ours("netstring", b"2:\xff\xfe,"),
        (vec![b"\xff\xfe".to_vec()], None)
    );
    // N2: a leading zero; N3: a plus sign: a frame there, an error here.
    for (input, needle) in [
        (&b"05:hello,"[..], "leading zero"),
        (b"+5:hello,", "has a sign"),
    ] {
        let theirs = run_netstring(input);
        assert_eq!(
            (payloads(&theirs), theirs.error.clone()),
            (vec![b"hello".to_vec()], None),
            "{input:?}"
        );
        let (frames, err) = ours("netstring", input);
        assert!(
            frames.is_empty() && err.is_some_and(|e| e.contains(needle)),
            "{input:?}"
        );
    }
    // N4, N5: inputs that would abort it are refused here.
    assert!(
        run_netstring(&[b'1'; 70])
            .error
            .is_some_and(|e| e.starts_with("N4"))
    );
    assert!(
        run_netstring(b"99999999999999:x,")
            .error
            .is_some_and(|e| e.starts_with("N5"))
    );
    assert!(
        ours("netstring", &[b'1'; 70])
            .1
            .is_some_and(|e| e.contains("more than 9 digits"))
    );
}

#[test]
fn pktline_agreements_and_differences() {
    let s = b"0009hello000000010002";
    let theirs = run_gix(s);
    assert_eq!(
        theirs.frames.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    assert_eq!(theirs.error, None);
    assert_eq!(ours("pktline", s).0.len(), 4);
    // Both refuse 0003 and a length past 65520.
    for bad in [&b"0003"[..], b"fff1"] {
        assert!(run_gix(bad).error.is_some());
        assert!(ours("pktline", bad).1.is_some());
    }
    // P1: 0004, an empty line: gix fails, ours is an empty frame.
    assert!(
        run_gix(b"0004").error.is_some_and(|e| e.contains("empty")),
        "{:?}",
        run_gix(b"0004")
    );
    assert_eq!(ours("pktline", b"0004"), (vec![Vec::new()], None));
    // P2: upper-case hex: gix reads it, ours fails.
    let theirs = run_gix(b"000Ahello!");
    assert_eq!(
        (payloads(&theirs), theirs.error.clone()),
        (vec![b"hello!".to_vec()], None)
    );
    assert!(
        ours("pktline", b"000Ahello!")
            .1
            .is_some_and(|e| e.contains("upper-case"))
    );
}
