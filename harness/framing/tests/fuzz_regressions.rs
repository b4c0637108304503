//! Regressions found by the fuzz bodies, as plain tests (the minimized inputs
//! also replay from `corpus/regressions/` in `corpus_replay.rs`).

use framecheck_framing::{Decoder, Spec};

/// Found by `decode_len` on its seed `varint_overflow`, cut byte by byte
/// (`corpus/regressions/decode_len/varint_overflow_in_held_header`): a header
/// split across reads that turned out invalid left its newest bytes both in
/// the held buffer and in the caller's chunk.
#[test]
fn an_invalid_header_split_across_reads_is_counted_once() {
    let table: &[(&str, &str, &[u8], usize)] = &[
        (
            "varint_overflow_on_tenth_byte",
            "varint",
            b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02rest",
            9,
        ),
        ("u32_over_max", "u32be,max=16", b"\x00\x00\x01\x00abc", 2),
        (
            "negative_length",
            "u32be,offset=1,adjust=-4",
            b"Q\x00\x00\x00\x03xyz",
            3,
        ),
        (
            "unknown_tag_after_frame",
            "tagged:A=u16be",
            b"A\x00\x01zZ",
            2,
        ),
    ];
    for (name, spec, stream, first) in table {
        let spec: Spec = spec.parse().expect(name);
        let mut dec = Decoder::new(&spec);
        let (head, tail) = stream.split_at(*first);
        let mut given = 0;
        let mut failed = false;
        for chunk in [head, tail] {
            let mut input = chunk;
            given += chunk.len();
            loop {
                match dec.decode(&mut input) {
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(e) => {
                        let consumed = usize::try_from(dec.consumed()).expect("small");
                        assert_eq!(
                            consumed + dec.held() + input.len(),
                            given,
                            "{name}: {e}: consumed + held + unread must be the input"
                        );
                        failed = true;
                        break;
                    }
                }
            }
            if failed {
                break;
            }
        }
        assert!(failed, "{name}: the stream must fail");
    }
}
