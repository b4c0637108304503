//! The `http/*` case group: what an HTTP/1.1 server must do with the
//! framing of its requests, each case naming the RFC 9112 / RFC 9110
//! section it checks and whether the text says MUST (a failure) or SHOULD
//! (a warning).
//!
//! The group runs when the request framing is HTTP/1.1 (`--profile http`,
//! or `--framing http1:request`). Its oracles need no knowledge of the
//! server's content:
//!
//! - **the same answers however the bytes are cut**: a baseline sends the
//!   requests whole and notes the status codes; every cut (every point,
//!   one byte per read, inside a chunk-size line, its extension, its CRLF
//!   and the trailer, inside a `Content-Length` body) must get the same
//!   statuses, in order, each exactly once;
//! - **counting responses**: a request whose alternate reading hides a
//!   second one, the *canary* (a `GET` of [`CANARY_PATH`]), must get at
//!   most one response; a second one means the server read the canary as a
//!   request of its own: it desynchronized, and the evidence holds both
//!   responses;
//! - **refusing is not desyncing**: a request over a server's limits may
//!   be refused (a 4xx, then a close, or the next request answered), never
//!   answered as if fine past the limit, nor followed by answers to the
//!   bytes inside it.
//!
//! Responses are read with [`response::Responses`] (RFC 9112 section 6.3:
//! a response to `HEAD` has no body, whatever it says), which the case
//! tells every request's method before sending it.

pub(crate) mod response;

/// The path of the canary request hidden inside the smuggling probes: a
/// response to it is a desync.
pub(crate) const CANARY_PATH: &str = "/framecheck-canary-7f3a";

/// The path the baseline requests expect a 404 for (any status will do:
/// the cases compare against the baseline).
pub(crate) const MISSING_PATH: &str = "/framecheck-missing-51c2";

/// How strongly the RFC requires what a case checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    /// MUST: breaking it fails the case.
    Must,
    /// SHOULD: breaking it warns.
    Should,
}

/// What an `http/*` case does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Probe {
    /// Three requests (GET, HEAD, GET of a missing path) in one write.
    PipelinedCoalesced,
    /// Two requests cut in two at every point.
    PipelinedEveryPoint,
    /// Two requests, one byte per read.
    PipelinedByteAtATime,
    /// A chunked POST cut inside one region of its body.
    Chunked(ChunkRegion),
    /// A `Content-Length` POST cut at every point of its head's end and body.
    ContentLengthCut,
    /// A complete GET, then the client's `shutdown(SHUT_WR)`.
    HalfCloseAfterRequest,
    /// Half a request head, then the client's EOF.
    EofMidHead,
    /// A head and half its `Content-Length` body, then the client's EOF.
    EofMidBody,
    /// Half a request head, then an RST.
    ResetMidRequest,
    /// A header field of 128 KiB.
    LongHeaderSection,
    /// 4096 header fields.
    ManyHeaders,
    /// A `Content-Length` body one byte over the request framing's `max`.
    BodyOverLimit,
    /// A request whose alternate reading hides the canary.
    Smuggle(Smuggle),
}

/// Where a chunked body is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChunkRegion {
    /// Inside the chunk-size digits.
    SizeLine,
    /// Inside the chunk extension.
    Extension,
    /// Between the CR and LF ending chunk lines and chunk data.
    Crlf,
    /// Inside the trailer section.
    Trailer,
}

/// The smuggling probes: a request, then the canary, which the correct
/// reading (or the close the RFC requires) never answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Smuggle {
    /// `Content-Length` first, covering the chunked body only, then
    /// `Transfer-Encoding: chunked`.
    ClTe,
    /// `Transfer-Encoding: chunked` first, then a short `Content-Length`
    /// that ends inside the first chunk, which holds the canary.
    TeCl,
    /// `Content-Length: 0` then `Content-Length: N` (the canary's length).
    DuplicateCl,
    /// `Transfer-Encoding: ChUnKeD` with a `Content-Length`.
    TeCase,
    /// `Transfer-Encoding : chunked` (a space before the colon) with a
    /// `Content-Length`.
    TeSpaceBeforeColon,
    /// `Transfer-Encoding: identity, chunked` with a `Content-Length`.
    TeList,
    /// `Transfer-Encoding:` then an obs-fold line ` chunked`, with a
    /// `Content-Length`.
    TeObsFold,
    /// `Transfer-Encoding: \x0bchunked` (a vertical tab is no whitespace),
    /// with a `Content-Length`.
    TeVerticalTab,
    /// A chunk size `0z` (its longest hex prefix is the last chunk).
    ChunkSizePrefix,
    /// A chunk size of 2^64 (`10000000000000000`, 0 when wrapped).
    ChunkSizeOverflow,
    /// A last-chunk line ended by a bare LF.
    ChunkBareLf,
    /// A `GET` with a `Content-Length` body that is the canary (0.CL).
    GetWithBody,
}

/// One `http/*` case.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HttpCase {
    /// The id after `http/`.
    pub(crate) name: &'static str,
    /// What it does.
    pub(crate) probe: Probe,
    /// MUST or SHOULD.
    pub(crate) level: Level,
    /// The requirement, with its RFC section.
    pub(crate) requirement: &'static str,
}

const fn case(
    name: &'static str,
    probe: Probe,
    level: Level,
    requirement: &'static str,
) -> HttpCase {
    HttpCase {
        name,
        probe,
        level,
        requirement,
    }
}

/// The `http/*` cases, in run order.
pub(crate) const CASES: &[HttpCase] = &[
    case(
        "pipelined/coalesced",
        Probe::PipelinedCoalesced,
        Level::Must,
        "MUST (RFC 9112 9.3.2): pipelined requests written at once (GET, HEAD, GET of a missing path) each get their response exactly once, in the order of the requests, with the statuses they get one at a time",
    ),
    case(
        "pipelined/cut-every-point",
        Probe::PipelinedEveryPoint,
        Level::Must,
        "MUST (RFC 9112 9.3.2, 2.1): two pipelined requests cut in two at every point get their two responses, in order, as when written whole",
    ),
    case(
        "pipelined/byte-at-a-time",
        Probe::PipelinedByteAtATime,
        Level::Must,
        "MUST (RFC 9112 9.3.2, 2.1): two pipelined requests arriving one byte per read get their two responses, in order, as when written whole",
    ),
    case(
        "chunked/cut-size-line",
        Probe::Chunked(ChunkRegion::SizeLine),
        Level::Must,
        "MUST (RFC 9112 7.1): a chunked request body cut inside a chunk-size line gets the response it gets whole, and the request after it its own",
    ),
    case(
        "chunked/cut-extension",
        Probe::Chunked(ChunkRegion::Extension),
        Level::Must,
        "MUST (RFC 9112 7.1.1): a chunked request body cut inside a chunk extension gets the response it gets whole, and the request after it its own",
    ),
    case(
        "chunked/cut-crlf",
        Probe::Chunked(ChunkRegion::Crlf),
        Level::Must,
        "MUST (RFC 9112 7.1): a chunked request body cut between the CR and LF of its chunk lines and after its chunk data gets the response it gets whole, and the request after it its own",
    ),
    case(
        "chunked/cut-trailer",
        Probe::Chunked(ChunkRegion::Trailer),
        Level::Must,
        "MUST (RFC 9112 7.1.2): a chunked request body cut inside its trailer section gets the response it gets whole, and the request after it its own",
    ),
    case(
        "content-length/cut-body",
        Probe::ContentLengthCut,
        Level::Must,
        "MUST (RFC 9112 6.2, 6.3): a request whose Content-Length body is cut at every point gets the response it gets whole, and the request after it its own",
    ),
    case(
        "half-close/after-request",
        Probe::HalfCloseAfterRequest,
        Level::Must,
        "MUST (RFC 9112 9.6; the issue's reading): a complete request followed by the client's half-close (shutdown of its sending side) still gets its response: closing is staged, one direction at a time, and the server closes after its response",
    ),
    case(
        "eof/mid-head",
        Probe::EofMidHead,
        Level::Must,
        "MUST (RFC 9112 8): a request head cut short by the client's EOF is incomplete: no response but an error status, and the server closes within 'promptly'",
    ),
    case(
        "eof/mid-body",
        Probe::EofMidBody,
        Level::Must,
        "MUST (RFC 9112 8, 6.2): a request whose Content-Length body is cut short by the client's EOF is incomplete: no response but an error status, and the server closes within 'promptly'",
    ),
    case(
        "reset/mid-request",
        Probe::ResetMidRequest,
        Level::Must,
        "MUST (RFC 9112 8): a client's RST in the middle of a request gets no response and leaves the server answering new connections",
    ),
    case(
        "limits/header-section",
        Probe::LongHeaderSection,
        Level::Must,
        "MUST (RFC 9110 5.4): a header field of 128 KiB is refused with a 4xx (then a close, or the next request answered) if over the server's limit; never answered past it as a request of its own",
    ),
    case(
        "limits/header-count",
        Probe::ManyHeaders,
        Level::Must,
        "MUST (RFC 9110 5.4): a request with 4096 header fields is refused with a 4xx (then a close, or the next request answered) if over the server's limit; never a desync",
    ),
    case(
        "limits/body-over-max",
        Probe::BodyOverLimit,
        Level::Must,
        "MUST (RFC 9110 15.5.14, 5.4): a Content-Length body over the server's limit (the request framing's max) is refused with 413 or another 4xx, and the body (canary requests) is never read as requests",
    ),
    case(
        "smuggle/cl-te",
        Probe::Smuggle(Smuggle::ClTe),
        Level::Must,
        "MUST (RFC 9112 6.1, 6.3): a request with Content-Length then Transfer-Encoding: chunked is rejected, or framed by the chunked coding and the connection closed after the response: the canary after the chunked body is never answered",
    ),
    case(
        "smuggle/te-cl",
        Probe::Smuggle(Smuggle::TeCl),
        Level::Must,
        "MUST (RFC 9112 6.1, 6.3): a request with Transfer-Encoding: chunked then a short Content-Length is rejected, or framed by the chunked coding and the connection closed after the response: the canary inside the chunk is never answered",
    ),
    case(
        "smuggle/duplicate-cl",
        Probe::Smuggle(Smuggle::DuplicateCl),
        Level::Must,
        "MUST (RFC 9112 6.3 item 5, RFC 9110 8.6): differing Content-Length fields make the framing invalid: 400 and a close, never a response to the canary or a success",
    ),
    case(
        "smuggle/te-case",
        Probe::Smuggle(Smuggle::TeCase),
        Level::Must,
        "MUST (RFC 9112 7, 6.1): Transfer-Encoding: ChUnKeD is the chunked coding (coding names are case-insensitive); with a Content-Length the request is rejected or the connection closed after the response: the canary is never answered",
    ),
    case(
        "smuggle/te-space-before-colon",
        Probe::Smuggle(Smuggle::TeSpaceBeforeColon),
        Level::Must,
        "MUST (RFC 9112 5.1): a field with whitespace between its name and the colon is rejected with 400: 'Transfer-Encoding : chunked' with a Content-Length never lets the canary be answered",
    ),
    case(
        "smuggle/te-list",
        Probe::Smuggle(Smuggle::TeList),
        Level::Must,
        "MUST (RFC 9112 6.1): Transfer-Encoding: identity, chunked (an unknown coding before chunked) with a Content-Length is rejected (501 or 400) or framed as chunked and the connection closed: the canary is never answered",
    ),
    case(
        "smuggle/te-obs-fold",
        Probe::Smuggle(Smuggle::TeObsFold),
        Level::Must,
        "MUST (RFC 9112 5.2, 6.1): a Transfer-Encoding value on an obs-fold line is rejected with 400 or unfolded to chunked; with a Content-Length the canary is never answered",
    ),
    case(
        "smuggle/te-vertical-tab",
        Probe::Smuggle(Smuggle::TeVerticalTab),
        Level::Must,
        "MUST (RFC 9112 6.1, RFC 9110 5.5): Transfer-Encoding: <VT>chunked (a vertical tab is no whitespace) with a Content-Length is rejected or the connection closed after the response: the canary is never answered",
    ),
    case(
        "smuggle/chunk-size-prefix",
        Probe::Smuggle(Smuggle::ChunkSizePrefix),
        Level::Must,
        "MUST (RFC 9112 7.1, 6.3 item 4): a chunk size '0z' is no chunk size (its hex prefix '0' would end the body): 400 and a close, never a response to the canary",
    ),
    case(
        "smuggle/chunk-size-overflow",
        Probe::Smuggle(Smuggle::ChunkSizeOverflow),
        Level::Must,
        "MUST (RFC 9112 7.1): a chunk size of 2^64 (0 when wrapped to 64 bits) is refused (400 or 413 and a close) or waited for, never read as the last chunk: the canary is never answered",
    ),
    case(
        "smuggle/chunk-bare-lf",
        Probe::Smuggle(Smuggle::ChunkBareLf),
        Level::Should,
        "SHOULD (RFC 9112 7.1, 2.2): a chunk line ends with CRLF (a bare LF is allowed only in the start line and fields): a last chunk ended by a bare LF is refused, never read as the end of the body with the canary answered",
    ),
    case(
        "smuggle/get-with-body",
        Probe::Smuggle(Smuggle::GetWithBody),
        Level::Must,
        "MUST (RFC 9112 6, 6.3 item 6): request framing is independent of the method: a GET with a Content-Length body (the canary) reads the body or refuses and closes; the canary is never answered (0.CL)",
    ),
];

/// `GET path` with a `Host` field, as on the wire.
pub(crate) fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: framecheck.test\r\n\r\n").into_bytes()
}

/// `HEAD path`, as on the wire.
pub(crate) fn head(path: &str) -> Vec<u8> {
    format!("HEAD {path} HTTP/1.1\r\nHost: framecheck.test\r\n\r\n").into_bytes()
}

/// The canary: a `GET` of [`CANARY_PATH`].
pub(crate) fn canary() -> Vec<u8> {
    get(CANARY_PATH)
}

/// A `POST /` with a `Content-Length` body.
pub(crate) fn post(body: &[u8]) -> Vec<u8> {
    let mut m = format!(
        "POST / HTTP/1.1\r\nHost: framecheck.test\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    m.extend_from_slice(body);
    m
}

/// The chunked body of the `chunked/*` cases: a chunk of 5 with an
/// extension, the last chunk and one trailer field.
pub(crate) const CHUNKED_BODY: &[u8] = b"5;name=value\r\nhello\r\n0\r\nX-Trailer: one\r\n\r\n";

/// A `POST /` with [`CHUNKED_BODY`].
pub(crate) fn post_chunked() -> Vec<u8> {
    let mut m = b"POST / HTTP/1.1\r\nHost: framecheck.test\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    m.extend_from_slice(CHUNKED_BODY);
    m
}

/// The offsets, within [`post_chunked`]'s bytes, to cut at for `region`.
pub(crate) fn chunk_cuts(region: ChunkRegion) -> Vec<usize> {
    let m = post_chunked();
    let body = m.len() - CHUNKED_BODY.len();
    let at = |s: &[u8]| {
        body + CHUNKED_BODY
            .windows(s.len())
            .position(|w| w == s)
            .unwrap_or(0)
    };
    match region {
        // Before the 5, after it; before and after the last chunk's 0.
        ChunkRegion::SizeLine => vec![at(b"5;"), at(b"5;") + 1, at(b"0\r\n"), at(b"0\r\n") + 1],
        // Every point inside ";name=value".
        ChunkRegion::Extension => (at(b";name") + 1..at(b"value") + 5).collect(),
        // Between CR and LF after the size line, the data, the last chunk,
        // and the trailer's end; and right before each CR.
        ChunkRegion::Crlf => {
            let mut cuts = Vec::new();
            for (i, w) in CHUNKED_BODY.windows(2).enumerate() {
                if w == b"\r\n" {
                    cuts.push(body + i);
                    cuts.push(body + i + 1);
                }
            }
            cuts
        }
        // Every point inside "X-Trailer: one\r\n\r\n".
        ChunkRegion::Trailer => (at(b"X-Trailer") + 1..m.len()).collect(),
    }
}

/// The bytes of a smuggling probe, and the number of responses the
/// correct reading owes (at most that many may come back).
pub(crate) fn smuggle(probe: Smuggle) -> (Vec<u8>, usize) {
    let canary = canary();
    let head = "POST / HTTP/1.1\r\nHost: framecheck.test\r\nContent-Type: text/plain\r\n";
    let with_te = |te_line: &str| {
        // Content-Length covers "0\r\n\r\n", the chunked body: by either
        // length the canary after it is a request of its own, and only a
        // close after the response (or a refusal) leaves it unanswered.
        let mut m = format!("{head}Content-Length: 5\r\n{te_line}\r\n\r\n0\r\n\r\n").into_bytes();
        m.extend_from_slice(&canary);
        m
    };
    let bytes = match probe {
        Smuggle::ClTe => with_te("Transfer-Encoding: chunked"),
        Smuggle::TeCl => {
            // The chunk holds the canary; Content-Length 4 ends after its
            // size line "NN\r\n", so a Content-Length reading answers the
            // canary as the next request.
            let mut chunk = canary.clone();
            chunk.extend_from_slice(b"\r\n");
            let size = format!("{:x}", canary.len());
            let mut m = format!(
                "{head}Transfer-Encoding: chunked\r\nContent-Length: {}\r\n\r\n{size}\r\n",
                size.len() + 2
            )
            .into_bytes();
            m.extend_from_slice(&chunk);
            m.extend_from_slice(b"0\r\n\r\n");
            m
        }
        Smuggle::DuplicateCl => {
            let mut m = format!(
                "{head}Content-Length: 0\r\nContent-Length: {}\r\n\r\n",
                canary.len()
            )
            .into_bytes();
            m.extend_from_slice(&canary);
            m
        }
        Smuggle::TeCase => with_te("Transfer-Encoding: ChUnKeD"),
        Smuggle::TeSpaceBeforeColon => with_te("Transfer-Encoding : chunked"),
        Smuggle::TeList => with_te("Transfer-Encoding: identity, chunked"),
        Smuggle::TeObsFold => with_te("Transfer-Encoding:\r\n chunked"),
        Smuggle::TeVerticalTab => with_te("Transfer-Encoding: \x0bchunked"),
        Smuggle::ChunkSizePrefix | Smuggle::ChunkSizeOverflow | Smuggle::ChunkBareLf => {
            let last = match probe {
                Smuggle::ChunkSizePrefix => "0z\r\n\r\n",
                Smuggle::ChunkSizeOverflow => "10000000000000000\r\n\r\n",
                _ => "0\n\r\n",
            };
            let mut m = format!("{head}Transfer-Encoding: chunked\r\n\r\n{last}").into_bytes();
            m.extend_from_slice(&canary);
            m
        }
        Smuggle::GetWithBody => {
            let mut m = format!(
                "GET / HTTP/1.1\r\nHost: framecheck.test\r\nContent-Length: {}\r\n\r\n",
                canary.len()
            )
            .into_bytes();
            m.extend_from_slice(&canary);
            m
        }
    };
    (bytes, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_every_requirement_says_its_level() {
        let mut names: Vec<_> = CASES.iter().map(|c| c.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CASES.len());
        for c in CASES {
            let word = if c.level == Level::Must {
                "MUST (RFC"
            } else {
                "SHOULD (RFC"
            };
            assert!(c.requirement.starts_with(word), "{}", c.name);
        }
    }

    #[test]
    fn chunk_cuts_fall_in_their_region() {
        let m = post_chunked();
        let body = m.len() - CHUNKED_BODY.len();
        for region in [
            ChunkRegion::SizeLine,
            ChunkRegion::Extension,
            ChunkRegion::Crlf,
            ChunkRegion::Trailer,
        ] {
            let cuts = chunk_cuts(region);
            assert!(!cuts.is_empty(), "{region:?}");
            assert!(cuts.iter().all(|&c| c >= body && c < m.len()), "{region:?}");
        }
        assert!(
            chunk_cuts(ChunkRegion::Crlf)
                .iter()
                .all(|&c| m[c] == b'\r' || m[c - 1] == b'\r')
        );
        assert_eq!(&m[chunk_cuts(ChunkRegion::Extension)[0]..][..4], b"name");
    }

    #[test]
    fn the_te_cl_chunk_holds_the_canary_right_after_the_content_length() {
        let (m, owed) = smuggle(Smuggle::TeCl);
        assert_eq!(owed, 1);
        let text = String::from_utf8(m).expect("text");
        let (head, body) = text.split_once("\r\n\r\n").expect("head");
        assert!(head.ends_with("Content-Length: 4"));
        assert!(body[4..].starts_with(&format!("GET {CANARY_PATH} ")));
    }

    #[test]
    fn every_probe_holds_the_canary() {
        let canary = canary();
        for c in CASES {
            if let Probe::Smuggle(s) = c.probe {
                let (m, _) = smuggle(s);
                assert!(m.windows(canary.len()).any(|w| w == canary), "{}", c.name);
            }
        }
    }
}
