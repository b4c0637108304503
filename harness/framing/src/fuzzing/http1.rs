//! The `http1:` decode targets and their seeds.
//!
//! ```text
//! decode_http1_request  := HTTP CUTS stream
//! decode_http1_response := HTTP methods:u8 CUTS stream
//! HTTP    := flags:u8 max:u16le      flags bit 0: lenient; bits 1-2: head= 64, 256, 4KiB or
//!                                    the default; bits 3-4: headers= 2, 8 or the default;
//!                                    bit 5: ext=8
//! methods := m:u8                    m % 4 methods (none: GET) from GET, HEAD, CONNECT, POST,
//!                                    by the 2-bit groups of m >> 2
//! ```

use arbitrary::Unstructured;

use super::{Seed, byte, check_split, read_cuts, read_max, seed};
use crate::http1::{Http1, Role};
use crate::spec::{Kind, Spec};

const METHODS: [&[u8]; 4] = [b"GET", b"HEAD", b"CONNECT", b"POST"];

/// `http1:request` under an arbitrary cutting, against the model.
pub fn decode_http1_request(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let spec = read_http1(&mut u, Role::Request);
    let cuts = read_cuts(&mut u);
    check_split(&spec, u.bytes(u.len()).unwrap_or_default(), cuts);
}

/// `http1:response` (its requests' methods from the input) under an
/// arbitrary cutting, against the model.
pub fn decode_http1_response(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let spec = read_http1(&mut u, Role::Response);
    let cuts = read_cuts(&mut u);
    check_split(&spec, u.bytes(u.len()).unwrap_or_default(), cuts);
}

/// The spec of an `http1` target (see the module docs).
pub(super) fn read_http1(u: &mut Unstructured<'_>, role: Role) -> Spec {
    let flags = byte(u);
    let max = read_max(u);
    let mut h = Http1::new(role);
    h.lenient = flags & 1 != 0;
    h.head = match flags >> 1 & 3 {
        0 => 64,
        1 => 256,
        2 => 4096,
        _ => h.head,
    };
    h.headers = match flags >> 3 & 3 {
        0 => 2,
        1 => 8,
        _ => h.headers,
    };
    if flags & 0x20 != 0 {
        h.ext = 8;
    }
    if role == Role::Response {
        let m = byte(u);
        h.methods = (0..m % 4)
            .map(|i| METHODS[usize::from(m >> (2 + 2 * i) & 3)].to_vec())
            .collect();
    }
    Spec {
        max,
        ..Spec::new(Kind::Http1(h))
    }
}

/// The `HTTP` bytes of a spec: flags (lenient; head=, headers= by index) and max.
fn spec_bytes(lenient: bool, head: u8, headers: u8, max: u16) -> Vec<u8> {
    let mut out = vec![u8::from(lenient) | head << 1 | headers << 3];
    out.extend_from_slice(&max.to_le_bytes());
    out
}

/// Hand-written seeds: valid pipelines and each framing error of the
/// split-invariance scenarios, whole and cut byte by byte.
pub(super) fn seeds(out: &mut Vec<Seed>) {
    const BYTEWISE: &[u8] = &[1; 15];
    let default = || spec_bytes(false, 3, 3, 0);
    let requests: &[(&str, &[u8])] = &[
        ("two_gets", b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.0\r\n\r\n"),
        ("post_cl", b"POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\n\r\n"),
        ("post_chunked", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;a=b\r\nabc\r\n0\r\nT: v\r\n\r\nGET / HTTP/1.1\r\n\r\n"),
        ("cl_te", b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        ("te_cl", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n"),
        ("duplicate_cl", b"POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2, 2\r\n\r\nab"),
        ("bare_lf", b"POST / HTTP/1.1\nTransfer-Encoding: chunked\n\n1\nz\n0\n\n"),
        ("obs_fold", b"GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n"),
        ("space_colon", b"GET / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n"),
        ("chunk_overflow", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n"),
        ("chunk_prefix", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1x\r\nz\r\n0\r\n\r\n"),
        ("chunked_not_final", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
        ("te_http10", b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    ];
    for (name, stream) in requests {
        seed(out, "decode_http1_request", name, default(), &[], stream);
        let cut = format!("{name}_bytewise");
        seed(
            out,
            "decode_http1_request",
            &cut,
            default(),
            BYTEWISE,
            stream,
        );
        let lenient = format!("{name}_lenient");
        seed(
            out,
            "decode_http1_request",
            &lenient,
            spec_bytes(true, 3, 3, 0),
            &[3, 7],
            stream,
        );
    }
    seed(
        out,
        "decode_http1_request",
        "head_limit",
        spec_bytes(false, 0, 0, 16),
        &[5],
        b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
    );
    let responses: &[(&str, u8, &[u8])] = &[
        ("cl_204_close", 0, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\n\r\nto the end"),
        ("head_then_get", 1 | 1 << 2, b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"),
        ("interim_chunked", 0, b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n"),
        ("connect", 1 | 2 << 2, b"HTTP/1.1 200 Connection established\r\n\r\ntunnel bytes"),
        ("gzip_to_close", 0, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxyz"),
        ("no_reason", 0, b"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"),
    ];
    for (name, methods, stream) in responses {
        let mut spec = default();
        spec.push(*methods);
        seed(
            out,
            "decode_http1_response",
            name,
            spec.clone(),
            &[],
            stream,
        );
        let cut = format!("{name}_bytewise");
        seed(out, "decode_http1_response", &cut, spec, BYTEWISE, stream);
        let mut spec = spec_bytes(true, 3, 3, 0);
        spec.push(*methods);
        let lenient = format!("{name}_lenient");
        seed(
            out,
            "decode_http1_response",
            &lenient,
            spec,
            &[2, 9],
            stream,
        );
    }
}
