//! Split invariance and bounds by proptest: the third way of STYLE.md, for
//! everything the tables in `split_invariance.rs` do not enumerate.

use framecheck_framing::resp::RespMode;
use framecheck_framing::{
    CountEntry, Counted, Decoder, Encoder, Kind, LenField, Resp, Spec, TagEntry, TagRule,
    Transcript, transcript,
};
use proptest::prelude::*;

fn len_field() -> impl Strategy<Value = LenField> {
    prop::sample::select(LenField::ALL.to_vec())
}

/// The kinds that write their lengths as text, with short digit counts
/// and counted commands `a`/`b`, so that limits are hit often.
fn text_kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        (1usize..4).prop_map(Kind::Digits),
        (1usize..3).prop_map(Kind::Hex),
        Just(Kind::PktLine),
        Just(Kind::Netstring),
        prop::sample::select(b" :".to_vec()).prop_map(Kind::DecLen),
        (any::<bool>(), 2usize..4).prop_map(|(crlf, pos)| Kind::Counted(Counted {
            crlf,
            entries: vec![
                CountEntry {
                    word: b"a".to_vec(),
                    pos
                },
                CountEntry {
                    word: b"b".to_vec(),
                    pos: 2
                },
            ],
        })),
    ]
}

/// Text-length specs (sometimes behind a `first=`), options as in [`spec`].
fn text_spec() -> impl Strategy<Value = Spec> {
    (
        text_kind(),
        prop::option::of(8usize..64),
        0usize..3,
        -4i64..4,
        0u8..4,
    )
        .prop_map(|(kind, max, offset, adjust, first)| {
            let mut spec = Spec::new(kind);
            spec.max = max;
            if matches!(spec.kind, Kind::Digits(_) | Kind::Hex(_)) {
                spec.offset = offset;
                spec.adjust = adjust;
            }
            spec.first = match first {
                0 => Some(Box::new(Spec::new(Kind::Netstring))),
                1 => Some(Box::new(Spec::new(Kind::Digits(2)))),
                _ => None,
            };
            spec
        })
}

/// RESP kinds with small limits, so that every limit is hit often.
fn resp_kind() -> impl Strategy<Value = Kind> {
    (
        prop::sample::select(vec![RespMode::Value, RespMode::Resp2, RespMode::Request]),
        prop::option::of(1usize..4),
        prop::option::of(1usize..4),
    )
        .prop_map(|(mode, elements, depth)| {
            Kind::Resp(Resp {
                mode,
                elements,
                depth,
            })
        })
}

/// RESP specs, with a small `max` or none.
fn resp_spec() -> impl Strategy<Value = Spec> {
    (resp_kind(), prop::option::of(8usize..64)).prop_map(|(kind, max)| Spec {
        max,
        ..Spec::new(kind)
    })
}

/// Specs with small maxima and a small alphabet, so limits and delimiters are hit often.
fn spec() -> impl Strategy<Value = Spec> {
    let kind = prop_oneof![
        text_kind(),
        resp_kind(),
        (1usize..8).prop_map(Kind::Fixed),
        Just(Kind::Line),
        Just(Kind::Crlf),
        prop::collection::vec(prop::sample::select(b"ab\r\n".to_vec()), 1..4).prop_map(Kind::Delim),
        len_field().prop_map(Kind::Len),
        prop::collection::btree_map(
            prop::sample::select(b"ABC\0".to_vec()),
            prop_oneof![
                (0usize..6).prop_map(TagRule::Fixed),
                len_field().prop_map(TagRule::Len)
            ],
            1..4
        )
        .prop_map(|m| Kind::Tagged(
            m.into_iter()
                .map(|(tag, rule)| TagEntry { tag, rule })
                .collect()
        )),
        Just(Kind::Eof),
    ];
    (kind, prop::option::of(8usize..64), 0usize..3, -4i64..4).prop_map(
        |(kind, max, offset, adjust)| {
            let mut spec = Spec::new(kind);
            if let Kind::Fixed(n) = spec.kind {
                spec.max = max.map(|m| m.max(n));
            } else {
                spec.max = max;
            }
            if matches!(spec.kind, Kind::Len(_) | Kind::Digits(_) | Kind::Hex(_)) {
                spec.offset = offset;
            }
            if matches!(
                spec.kind,
                Kind::Len(_) | Kind::Tagged(_) | Kind::Digits(_) | Kind::Hex(_)
            ) {
                spec.adjust = adjust;
            }
            spec
        },
    )
}

/// Cut `wire` at the given fractions of its length.
fn cut<'a>(wire: &'a [u8], cuts: &[prop::sample::Index]) -> Vec<&'a [u8]> {
    let mut at: Vec<usize> = cuts.iter().map(|i| i.index(wire.len() + 1)).collect();
    at.sort_unstable();
    let mut pieces = Vec::new();
    let mut last = 0;
    for a in at {
        pieces.push(&wire[last..a]);
        last = a;
    }
    pieces.push(&wire[last..]);
    pieces
}

fn check_bounds(spec: &Spec, pieces: &[&[u8]]) -> Result<(), TestCaseError> {
    let mut dec = Decoder::new(spec);
    let mut given = 0u64;
    for piece in pieces {
        given += piece.len() as u64;
        let mut input = *piece;
        loop {
            match dec.decode(&mut input) {
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(_) => return Ok(()),
            }
        }
        prop_assert_eq!(
            dec.consumed() + dec.held() as u64,
            given,
            "consumed + held = input"
        );
        prop_assert!(
            dec.peak_held() <= spec.max() + spec.overhead(),
            "held {} > {}",
            dec.peak_held(),
            spec.max() + spec.overhead()
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_any_cuts_same_transcript(
        spec in spec(),
        wire in prop::collection::vec(prop::sample::select(b"\x00\x01\x02\x03\x80\xffABCab\r\n".to_vec()), 0..96),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let whole = transcript(&spec, [&wire[..]]);
        let pieces = cut(&wire, &cuts);
        prop_assert_eq!(&transcript(&spec, pieces.iter().copied()), &whole, "spec {}", spec);
        prop_assert_eq!(&transcript(&spec, wire.chunks(1)), &whole, "spec {} byte at a time", spec);
        check_bounds(&spec, &pieces)?;
    }

    #[test]
    fn text_lengths_any_bytes_any_cuts_same_transcript(
        spec in text_spec(),
        wire in prop::collection::vec(prop::sample::select(b"000123456789aAfF:, +-\r\nab".to_vec()), 0..96),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let whole = transcript(&spec, [&wire[..]]);
        let pieces = cut(&wire, &cuts);
        prop_assert_eq!(&transcript(&spec, pieces.iter().copied()), &whole, "spec {}", spec);
        prop_assert_eq!(&transcript(&spec, wire.chunks(1)), &whole, "spec {} byte at a time", spec);
        check_bounds(&spec, &pieces)?;
    }

    #[test]
    fn resp_any_bytes_any_cuts_same_transcript(
        spec in resp_spec(),
        wire in prop::collection::vec(prop::sample::select(
            // Type bytes, digits, signs, line ends and a few letters.
            b"+-:$*%~>|_#,(!=.?;01239tfxa\r\n\r\n\r\n".to_vec()), 0..96),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let whole = transcript(&spec, [&wire[..]]);
        let pieces = cut(&wire, &cuts);
        prop_assert_eq!(&transcript(&spec, pieces.iter().copied()), &whole, "spec {}", spec);
        prop_assert_eq!(&transcript(&spec, wire.chunks(1)), &whole, "spec {} byte at a time", spec);
        check_bounds(&spec, &pieces)?;
        // The independent model agrees, under the fuzz bodies' checks.
        let sizes: Vec<u8> = pieces.iter().map(|p| u8::try_from(p.len()).unwrap_or(u8::MAX)).collect();
        framecheck_framing::fuzzing::check_split(&spec, &wire, &sizes);
    }

    #[test]
    fn encoded_payloads_decode_back_however_cut(
        spec in spec(),
        messages in prop::collection::vec((any::<u8>(), prop::collection::vec(any::<u8>(), 0..80)), 0..6),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let enc = Encoder::new(&spec);
        let mut wire = Vec::new();
        let mut sent: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        for (tag, payload) in messages {
            let head: Vec<u8> = match &spec.kind {
                Kind::Tagged(entries) => vec![entries[usize::from(tag) % entries.len()].tag],
                _ => vec![tag; enc.head_len()],
            };
            let payload = match spec.kind {
                Kind::Fixed(n) => payload.iter().copied().cycle().take(n).collect::<Vec<u8>>(),
                _ => payload,
            };
            let before = wire.len();
            if enc.encode(&head, &payload, &mut wire).is_ok() {
                sent.push((head, payload));
            } else {
                prop_assert_eq!(wire.len(), before, "a refused payload leaves out untouched");
            }
            if spec.kind == Kind::Eof {
                break;
            }
        }
        if spec.kind == Kind::Eof && sent.is_empty() {
            sent.push((Vec::new(), Vec::new()));
        }
        let t: Transcript = transcript(&spec, cut(&wire, &cuts));
        prop_assert_eq!(&t.end, &Ok(()), "spec {}", spec);
        let got: Vec<(Vec<u8>, Vec<u8>)> = t.frames.iter().map(|f| (f.head().to_vec(), f.payload().to_vec())).collect();
        prop_assert_eq!(got, sent, "spec {}", spec);
        prop_assert_eq!(t.consumed, wire.len() as u64);
    }

    #[test]
    fn max_size_payloads_round_trip(spec in spec(), fill in any::<u8>()) {
        // The encoder's own maximum-size frame must decode (a classic
        // asymmetry: the encoder writes what the decoder rejects).
        let enc = Encoder::new(&spec);
        let head: Vec<u8> = match &spec.kind {
            Kind::Tagged(entries) => vec![entries[0].tag],
            _ => vec![fill; enc.head_len()],
        };
        let len = match &spec.kind {
            Kind::Tagged(entries) => match entries[0].rule { TagRule::Fixed(n) => n, TagRule::Len(_) => spec.max() },
            Kind::Fixed(n) => *n,
            _ => spec.max(),
        };
        let payload = vec![if spec.delimiter().is_some() { b'x' } else { fill }; len];
        let mut wire = Vec::new();
        if enc.encode(&head, &payload, &mut wire).is_ok() {
            let t = transcript(&spec, [&wire[..]]);
            prop_assert_eq!(t.end, Ok(()), "spec {}", spec);
            prop_assert_eq!(t.frames.len(), 1);
            prop_assert_eq!(t.frames[0].payload(), &payload[..]);
        } else {
            // Only a length field too narrow for max (with adjust) may
            // refuse it, or a counted line (its first word may be a command).
            // A RESP max counts the whole frame, which a max-size payload
            // with its length cannot fit.
            let refusable = matches!(spec.kind, Kind::Tagged(_) | Kind::Digits(_) | Kind::Hex(_) | Kind::Counted(_) | Kind::Resp(_))
                || spec.adjust > 0;
            prop_assert!(refusable, "spec {} refused its own max-size payload", spec);
        }
    }

    #[test]
    fn display_round_trips(spec in spec()) {
        let text = spec.to_string();
        let back: Spec = text.parse().map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(&back, &spec);
        prop_assert_eq!(back.to_string(), text);
    }
}

// ---------------------------------------------------------------------------
// HTTP/1.1

/// `http1:` specs: either role, strict or lenient, small limits often.
fn http1_spec() -> impl Strategy<Value = Spec> {
    use framecheck_framing::http1::{Http1, Role};
    (
        any::<bool>(),
        any::<bool>(),
        prop::option::of(16usize..256),
        prop::sample::select(vec![48usize, 128, 64 * 1024]),
        prop::sample::select(vec![1usize, 4, 100]),
        prop::sample::select(vec![2usize, 4096]),
        prop::collection::vec(
            prop::sample::select(vec!["GET", "HEAD", "CONNECT", "POST"]),
            0..3,
        ),
    )
        .prop_map(|(response, lenient, max, head, headers, ext, methods)| {
            let role = if response {
                Role::Response
            } else {
                Role::Request
            };
            let mut h = Http1::new(role);
            h.lenient = lenient;
            h.head = head;
            h.headers = headers;
            h.ext = ext;
            if response {
                h.methods = methods.iter().map(|m| m.as_bytes().to_vec()).collect();
            }
            Spec {
                max,
                ..Spec::new(Kind::Http1(h))
            }
        })
}

/// A stream of HTTP/1 messages built from plausible parts, valid or not:
/// start lines of both roles, framing fields in their smuggling variants,
/// chunked bodies with extensions and trailers, bare LFs and folds.
fn http1_stream() -> impl Strategy<Value = Vec<u8>> {
    let start = prop::sample::select(vec![
        "GET / HTTP/1.1\r\n",
        "POST /p HTTP/1.1\r\n",
        "GET / HTTP/1.0\r\n",
        "HTTP/1.1 200 OK\r\n",
        "HTTP/1.1 204 No Content\r\n",
        "HTTP/1.1 100 Continue\r\n",
        "HTTP/1.0 304 x\r\n",
        "HTTP/1.1 101 Switching\r\n",
        "GET / HTTP/1.1\n",
        "HTTP/1.1 200\r\n",
        "GET  / HTTP/1.1\r\n",
    ]);
    let field = prop::sample::select(vec![
        "Host: a\r\n",
        "Content-Length: 3\r\n",
        "Content-Length: 0\r\n",
        "Content-Length: 3, 3\r\n",
        "Content-Length: +3\r\n",
        "Content-Length: 4\r\n",
        "Transfer-Encoding: chunked\r\n",
        "Transfer-Encoding: gzip, chunked\r\n",
        "Transfer-Encoding: chunked, gzip\r\n",
        "Transfer-Encoding : chunked\r\n",
        "Transfer-Encoding: gzip\r\n",
        "X: a\r\n b\r\n",
        "X: y\n",
        "X:\r\n",
        " lead: x\r\n",
        "A\x00: b\r\n",
    ]);
    let body = prop::sample::select(vec![
        "",
        "abc",
        "3\r\nabc\r\n0\r\n\r\n",
        "1;e=v\r\nz\r\n0\r\nT: 1\r\n\r\n",
        "0\r\n\r\n",
        "1\nz\n0\n\n",
        "2\r\nabc\r\n",
        "10000000000000000\r\n",
        "0x1\r\n",
        "1 ;e\r\nz\r\n0\r\n\r\n",
    ]);
    let message = (
        start,
        prop::collection::vec(field, 0..4),
        any::<bool>(),
        body,
    )
        .prop_map(|(start, fields, end, body)| {
            let mut m = start.as_bytes().to_vec();
            for f in fields {
                m.extend_from_slice(f.as_bytes());
            }
            if end {
                m.extend_from_slice(b"\r\n");
            }
            m.extend_from_slice(body.as_bytes());
            m
        });
    prop::collection::vec(message, 1..4).prop_map(|ms| ms.concat())
}

/// Found by `http1_encoded_bodies_decode_back`: with methods POST then
/// HEAD, the encoder wrote both empty responses without Content-Length, so
/// the first (to POST) ran to the close and swallowed the second.
#[test]
fn http1_empty_responses_to_post_then_head_decode_back() {
    let spec: Spec = "http1:response,method=POST/HEAD".parse().expect("spec");
    let enc = Encoder::new(&spec);
    let mut wire = Vec::new();
    for _ in 0..3 {
        enc.encode(&[], b"", &mut wire)
            .expect("an empty body encodes");
    }
    assert!(
        enc.encode(&[], b"x", &mut Vec::new()).is_err(),
        "a body after HEAD"
    );
    let t = transcript(&spec, [&wire[..]]);
    assert_eq!(t.end, Ok(()));
    assert_eq!(t.frames.len(), 3, "{wire:?}");
    assert!(t.frames.iter().all(|f| f.payload().is_empty()));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    /// Any cutting of a stream of plausible messages gives the transcript of
    /// whole delivery, which agrees with the model; bounds hold.
    #[test]
    fn http1_any_messages_any_cuts_same_transcript(
        spec in http1_spec(),
        wire in http1_stream(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let whole = transcript(&spec, [&wire[..]]);
        let pieces = cut(&wire, &cuts);
        prop_assert_eq!(&transcript(&spec, pieces.iter().copied()), &whole, "spec {}", spec);
        prop_assert_eq!(&transcript(&spec, wire.chunks(1)), &whole, "spec {} byte at a time", spec);
        check_bounds(&spec, &pieces)?;
        framecheck_framing::fuzzing::check_split(&spec, &wire, &[3, 1, 7]);
    }

    /// Payloads encoded as message bodies come back as the frames' bodies.
    #[test]
    fn http1_encoded_bodies_decode_back(
        spec in http1_spec(),
        payloads in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 1..5),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let enc = Encoder::new(&spec);
        let mut wire = Vec::new();
        let mut sent = Vec::new();
        for p in payloads {
            if enc.encode(&[], &p, &mut wire).is_ok() {
                sent.push(p);
            }
        }
        let t = transcript(&spec, cut(&wire, &cuts));
        prop_assert_eq!(&t.end, &Ok(()), "spec {}", spec);
        let got: Vec<Vec<u8>> = t.frames.iter().map(|f| f.payload().to_vec()).collect();
        prop_assert_eq!(got, sent, "spec {}", spec);
    }

    #[test]
    fn http1_display_round_trips(spec in http1_spec()) {
        let text = spec.to_string();
        let back: Spec = text.parse().map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(&back, &spec);
    }
}
