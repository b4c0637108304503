//! The `http/*` case bodies (the cases, their bytes and their RFC sections
//! are in `crate::http`): requests cut at chosen points and compared with a
//! baseline, half-close, EOF and RST inside a request, requests over a
//! server's limits, and the smuggling probes that count responses.
//!
//! Every connection reads HTTP/1.1 responses (`Conn::http_responses`), and
//! is told each request's method before it goes out, so a response to
//! `HEAD` is read without a body.

use std::time::{Duration, Instant};

use framecheck_event::Verdict;

use super::{Ctx, Finding};
use crate::conn::{Conn, Wait};
use crate::delivery::Pieces;
use crate::http::response::{Method, Response};
use crate::http::{
    CANARY_PATH, ChunkRegion, HttpCase, Level, MISSING_PATH, Probe, Smuggle, canary, chunk_cuts,
    get, head, post, post_chunked, smuggle,
};

/// The most cut points one case tries (its deadline bounds it too).
const MAX_CUTS: usize = 160;
/// The body of the `content-length/*` and `eof/mid-body` requests.
const BODY: &[u8] = b"framecheck body 0123456789";
/// The largest body `limits/body-over-max` sends.
const MAX_OVER_BODY: usize = 64 * 1024 * 1024;

/// Run one `http/*` case.
pub(super) fn run(ctx: &mut Ctx<'_>, case: &HttpCase) -> Result<(), Finding> {
    let r = match case.probe {
        Probe::PipelinedCoalesced => {
            let reqs = vec![get("/"), head("/"), get(MISSING_PATH)];
            let whole = reqs.concat().len();
            cut_against_baseline(ctx, &reqs, &[vec![whole]], "written at once")
        }
        Probe::PipelinedEveryPoint => {
            let reqs = vec![get("/"), get(MISSING_PATH)];
            let len = reqs.concat().len();
            let cuts: Vec<Vec<usize>> = (1..len).map(|c| vec![c, len]).collect();
            cut_against_baseline(ctx, &reqs, &cuts, "cut in two")
        }
        Probe::PipelinedByteAtATime => {
            let reqs = vec![get("/"), get(MISSING_PATH)];
            let len = reqs.concat().len();
            cut_against_baseline(ctx, &reqs, &[(1..=len).collect()], "one byte per read")
        }
        Probe::Chunked(region) => {
            let reqs = vec![post_chunked(), get(MISSING_PATH)];
            let len = reqs.concat().len();
            let cuts: Vec<Vec<usize>> = chunk_cuts(region)
                .into_iter()
                .map(|c| vec![c, len])
                .collect();
            let what = match region {
                ChunkRegion::SizeLine => "cut inside a chunk-size line",
                ChunkRegion::Extension => "cut inside the chunk extension",
                ChunkRegion::Crlf => "cut at a CRLF of the chunked body",
                ChunkRegion::Trailer => "cut inside the trailer section",
            };
            cut_against_baseline(ctx, &reqs, &cuts, what)
        }
        Probe::ContentLengthCut => {
            let reqs = vec![post(BODY), get(MISSING_PATH)];
            let first = reqs[0].len();
            let len = reqs.concat().len();
            let cuts: Vec<Vec<usize>> = (first - BODY.len() - 2..first)
                .map(|c| vec![c, len])
                .collect();
            cut_against_baseline(ctx, &reqs, &cuts, "cut inside its body")
        }
        Probe::HalfCloseAfterRequest => half_close_after_request(ctx),
        Probe::EofMidHead => {
            let m = get("/");
            eof_mid_request(ctx, &m[..m.len() / 2], "half a request head")
        }
        Probe::EofMidBody => {
            let m = post(BODY);
            eof_mid_request(
                ctx,
                &m[..m.len() - BODY.len() / 2],
                "a head and half its body",
            )
        }
        Probe::ResetMidRequest => reset_mid_request(ctx),
        Probe::LongHeaderSection => {
            let mut m = b"GET / HTTP/1.1\r\nHost: framecheck.test\r\nX-Framecheck-Long: ".to_vec();
            m.resize(m.len() + 128 * 1024, b'a');
            m.extend_from_slice(b"\r\n\r\n");
            over_limit(ctx, &m, "a header field of 128 KiB")
        }
        Probe::ManyHeaders => {
            let mut m = b"GET / HTTP/1.1\r\nHost: framecheck.test\r\n".to_vec();
            for i in 0..4096 {
                m.extend_from_slice(format!("X-Fc-{i}: v\r\n").as_bytes());
            }
            m.extend_from_slice(b"\r\n");
            over_limit(ctx, &m, "4096 header fields")
        }
        Probe::BodyOverLimit => body_over_limit(ctx),
        Probe::Smuggle(s) => smuggle_probe(ctx, s),
    };
    match (r, case.level) {
        (Err(f), Level::Should) if f.verdict == Verdict::Fail => Err(Finding {
            verdict: Verdict::Warn,
            ..f
        }),
        (r, _) => r,
    }
}

/// A connection that reads HTTP responses.
fn connect(ctx: &mut Ctx<'_>, label: &str) -> Result<Conn, Finding> {
    let mut conn = ctx.connect(label)?;
    conn.http_responses();
    Ok(conn)
}

fn method_of(request: &[u8]) -> Method {
    if request.starts_with(b"HEAD ") {
        Method::Head
    } else {
        Method::Other
    }
}

fn statuses<'r>(rs: impl Iterator<Item = &'r Response>) -> Vec<u16> {
    rs.map(|r| r.status).collect()
}

fn list(rs: &[Response]) -> String {
    if rs.is_empty() {
        return "no response".to_owned();
    }
    rs.iter()
        .map(Response::describe)
        .collect::<Vec<_>>()
        .join(", ")
}

fn responses(conn: &Conn) -> Vec<Response> {
    conn.responses()
        .map(|h| h.all().to_vec())
        .unwrap_or_default()
}

/// Send each request whole and wait for its response before the next:
/// the statuses every cut must reproduce.
fn baseline(ctx: &mut Ctx<'_>, reqs: &[Vec<u8>]) -> Result<Vec<u16>, Finding> {
    let mut conn = connect(ctx, "baseline (each request whole, one at a time)")?;
    let mut wait = Wait::Done;
    for (i, r) in reqs.iter().enumerate() {
        conn.expect_response(method_of(r));
        if let Err(e) = conn.send(
            r,
            &Pieces::whole(r.len()),
            Duration::ZERO,
            ctx.until(ctx.limits.reply),
        ) {
            ctx.note(format!("baseline: write failed: {e}"));
            break;
        }
        wait = conn.read_responses(i + 1, ctx.until(ctx.limits.reply));
        if wait != Wait::Done {
            break;
        }
    }
    let got = responses(&conn);
    ctx.keep(conn.close());
    let finals: Vec<u16> = got
        .iter()
        .filter(|r| r.status >= 200)
        .map(|r| r.status)
        .collect();
    if finals.len() < reqs.len() {
        return Err(Finding::not_exercised(
            "the baseline did not get a response to every request, so there is nothing to compare the cuts with",
            format!(
                "{} responses to the requests sent one at a time",
                reqs.len()
            ),
            format!("{} ({})", list(&got), wait.describe()),
        ));
    }
    if finals[0] == 400 {
        return Err(Finding::not_exercised(
            "the server refuses the first request even whole (400), so cutting it tests nothing",
            "a response other than 400 to the request sent whole",
            list(&got),
        ));
    }
    Ok(finals)
}

/// The requests `reqs`, concatenated and delivered in the pieces each entry
/// of `schedules` ends at (one connection each), get the baseline's
/// statuses, in order, and nothing more.
fn cut_against_baseline(
    ctx: &mut Ctx<'_>,
    reqs: &[Vec<u8>],
    schedules: &[Vec<usize>],
    what: &str,
) -> Result<(), Finding> {
    let expected = baseline(ctx, reqs)?;
    let stream = reqs.concat();
    let mut tried = 0;
    for ends in schedules.iter().take(MAX_CUTS) {
        if Instant::now() >= ctx.deadline {
            break;
        }
        tried += 1;
        let pieces = Pieces::from_cuts(stream.len(), ends);
        let mut conn = connect(ctx, &format!("pieces {pieces}"))?;
        for r in reqs {
            conn.expect_response(method_of(r));
        }
        let sent = conn.send(
            &stream,
            &pieces,
            ctx.limits.pause,
            ctx.until(ctx.limits.reply * 2),
        );
        let wait = conn.read_responses(reqs.len(), ctx.until(ctx.limits.reply));
        let got = responses(&conn);
        let extra = conn
            .responses()
            .is_some_and(|h| h.partial() || h.error().is_some());
        let log = conn.close();
        let finals = statuses(got.iter().filter(|r| r.status >= 200));
        if wait == Wait::Timeout && Instant::now() >= ctx.deadline && expected.starts_with(&finals)
        {
            // The case's deadline cut this wait short: no verdict on it.
            tried -= 1;
            break;
        }
        if finals != expected || extra {
            ctx.keep(log);
            if let Err(e) = sent {
                ctx.note(format!("write failed: {e}"));
            }
            return Err(Finding::fail(
                format!(
                    "the requests {what} (pieces {pieces}) got other responses than written whole"
                ),
                format!("statuses {expected:?}, in order, each once"),
                format!(
                    "statuses {finals:?}: {}{} ({})",
                    list(&got),
                    if extra { ", and bytes of another" } else { "" },
                    wait.describe()
                ),
            ));
        }
        if tried <= 3 {
            ctx.keep(log);
        } else {
            // Keep the weakest boundary for the verdict, not every log.
            let boundaries = log.boundaries;
            ctx.extra.boundaries = Some(
                ctx.extra
                    .boundaries
                    .map_or(boundaries, |b| b.weakest(boundaries)),
            );
        }
    }
    if tried < schedules.len().min(MAX_CUTS) {
        ctx.note(format!(
            "the case deadline allowed {tried} of {} cuttings",
            schedules.len().min(MAX_CUTS)
        ));
    }
    Ok(())
}

fn half_close_after_request(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
    let m = get("/");
    let mut conn = connect(ctx, "client")?;
    conn.expect_response(Method::Other);
    let sent = conn.send(
        &m,
        &Pieces::whole(m.len()),
        ctx.limits.pause,
        ctx.until(ctx.limits.reply),
    );
    conn.shutdown_write();
    let wait = conn.read_responses(1, ctx.until(ctx.limits.reply));
    let got = responses(&conn);
    ctx.keep(conn.close());
    if let Err(e) = sent {
        ctx.note(format!("write failed: {e}"));
    }
    if got.iter().any(|r| r.status >= 200) {
        return Ok(());
    }
    Err(Finding::fail(
        "a complete request got no response after the client's half-close",
        "the response to GET /, then the server may close",
        format!("{} ({})", list(&got), wait.describe()),
    ))
}

/// `partial` bytes of a request, then the client's EOF: no response but an
/// error status after the EOF, and a close within `limits.close`.
fn eof_mid_request(ctx: &mut Ctx<'_>, partial: &[u8], what: &str) -> Result<(), Finding> {
    let mut conn = connect(ctx, "client")?;
    conn.expect_response(Method::Other);
    let _ = conn.send(
        partial,
        &Pieces::whole(partial.len()),
        ctx.limits.pause,
        ctx.until(ctx.limits.reply),
    );
    // Let the bytes arrive alone: a server may answer a POST before its
    // body (nginx's 405 for a static file), which is no answer to the EOF.
    let _ = conn.read_responses(1, ctx.until(ctx.limits.prompt));
    let before = responses(&conn).len();
    let shut = Instant::now();
    conn.shutdown_write();
    let wait = conn.read_to_end(ctx.until(ctx.limits.close));
    let took = shut.elapsed();
    let got = responses(&conn);
    ctx.keep(conn.close());
    if before > 0 {
        ctx.note(format!(
            "the server answered before the EOF, without the rest of the request: {}",
            list(&got[..before])
        ));
    }
    if let Some(r) = got[before..].iter().find(|r| r.status < 400) {
        return Err(Finding::fail(
            format!("{what} cut short by the client's EOF was answered as a complete request"),
            "no response after the EOF but an error status (RFC 9112 8), then the server's close",
            format!("{} after the EOF", r.describe()),
        ));
    }
    match wait {
        Wait::Fin | Wait::Rst => Ok(()),
        other => Err(Finding::fail(
            format!(
                "the server did not close within {} of the client's EOF after {what}",
                framecheck_event::Ms(ctx.limits.close)
            ),
            "the server's close, promptly",
            format!("{} after {}", other.describe(), framecheck_event::Ms(took)),
        )),
    }
}

fn reset_mid_request(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
    let m = get("/");
    let mut conn = connect(ctx, "client (reset mid-request)")?;
    let _ = conn.send(
        &m[..m.len() / 2],
        &Pieces::whole(m.len() / 2),
        ctx.limits.pause,
        ctx.until(ctx.limits.reply),
    );
    std::thread::sleep(ctx.limits.pause * 5);
    ctx.keep(conn.reset());
    let mut next = connect(ctx, "after the reset")?;
    next.expect_response(Method::Other);
    let _ = next.send(
        &m,
        &Pieces::whole(m.len()),
        Duration::ZERO,
        ctx.until(ctx.limits.reply),
    );
    let wait = next.read_responses(1, ctx.until(ctx.limits.reply));
    let got = responses(&next);
    ctx.keep(next.close());
    if got.iter().any(|r| r.status >= 200) {
        return Ok(());
    }
    Err(Finding::fail(
        "after a client's RST mid-request, a new connection's GET / got no response",
        "a response to GET / on a new connection",
        format!("{} ({})", list(&got), wait.describe()),
    ))
}

/// A request over (probably) a server's limits, then a follow-up GET of
/// the missing path, in one write: a refusal (4xx, then a close or the
/// follow-up answered), or an acceptance of both (the limit is higher: not
/// exercised); never more responses than requests.
fn over_limit(ctx: &mut Ctx<'_>, request: &[u8], what: &str) -> Result<(), Finding> {
    over_limit_then_follow(ctx, request, what, false)
}

/// [`over_limit`] for a body over the server's limit (a larger write, so a
/// longer write deadline; the body's verdict wording).
fn over_limit_body(ctx: &mut Ctx<'_>, bytes: &[u8], what: &str) -> Result<(), Finding> {
    over_limit_then_follow(ctx, bytes, what, true)
}

fn over_limit_then_follow(
    ctx: &mut Ctx<'_>,
    request: &[u8],
    what: &str,
    body: bool,
) -> Result<(), Finding> {
    let follow = baseline(ctx, &[get(MISSING_PATH)])?[0];
    let mut bytes = request.to_vec();
    bytes.extend_from_slice(&get(MISSING_PATH));
    let mut conn = connect(ctx, "client")?;
    conn.expect_response(Method::Other);
    conn.expect_response(Method::Other);
    let sent = conn.send(
        &bytes,
        &Pieces::whole(bytes.len()),
        Duration::ZERO,
        ctx.until(ctx.limits.reply * if body { 3 } else { 2 }),
    );
    let _ = conn.read_responses(2, ctx.until(ctx.limits.reply));
    // Anything more (a desync answers bytes inside the request) comes now.
    let wait = conn.read_to_end(ctx.until(ctx.limits.prompt * 2));
    let got = responses(&conn);
    let broken = conn.responses().and_then(|h| h.error().map(str::to_owned));
    ctx.keep(conn.close());
    if let Err(e) = sent {
        ctx.note(format!(
            "write failed (the server closed or reset while we wrote): {e}"
        ));
    }
    judge_refusal(ctx, &got, broken, &wait, (what, follow), body)
}

/// How a request over a limit (`what`), followed by a GET of the missing
/// path (whose status alone is `follow`), was answered.
fn judge_refusal(
    ctx: &mut Ctx<'_>,
    got: &[Response],
    broken: Option<String>,
    wait: &Wait,
    (what, follow): (&str, u16),
    must_refuse: bool,
) -> Result<(), Finding> {
    let finals: Vec<&Response> = got.iter().filter(|r| r.status >= 200).collect();
    let observed = format!("{} ({})", list(got), wait.describe());
    if let Some(second) = finals.get(1).filter(|r| r.status != follow) {
        return Err(Finding::fail(
            format!(
                "desync: the response after {what} is no answer to the request after it ({} where GET {MISSING_PATH} alone gets {follow})",
                second.status
            ),
            "a 4xx then a close or the next request's response; or both answered",
            observed,
        ));
    }
    if finals.len() > 2 || broken.is_some() {
        return Err(Finding::fail(
            format!(
                "desync: {what} and one request after it got {} responses",
                finals.len()
            ),
            "a 4xx then a close or the next request's response; or both answered",
            match broken {
                Some(b) => format!("{observed}; the responses break HTTP framing: {b}"),
                None => observed,
            },
        ));
    }
    match finals.first() {
        None if matches!(wait, Wait::Fin | Wait::Rst) => Err(Finding::fail(
            format!("{what} was refused by a close without a status"),
            "a 4xx response (RFC 9110 5.4 / 15.5.14), then a close or the next request's response",
            observed,
        )),
        None => Err(Finding::fail(
            format!("{what} got no response and the connection stayed open"),
            "a 4xx response, then a close or the next request's response",
            observed,
        )),
        Some(r) if r.status >= 400 => {
            ctx.note(format!(
                "refused with {}; then {}",
                r.describe(),
                if finals.len() == 2 {
                    "the next request was answered (discarded and went on)".to_owned()
                } else {
                    wait.describe()
                }
            ));
            Ok(())
        }
        Some(r) if must_refuse => Err(Finding::fail(
            format!("{what} was accepted"),
            "a 413 or another 4xx",
            format!("{} ({observed})", r.describe()),
        )),
        Some(_) => Err(Finding::not_exercised(
            format!("the server accepted {what}: its limit is higher"),
            "a 4xx refusal (the case needs a request over the server's limit)",
            observed,
        )),
    }
}

fn body_over_limit(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
    let max = ctx.spec.max();
    let Some(len) = max.checked_add(1).filter(|&l| l <= MAX_OVER_BODY) else {
        return Err(Finding::not_exercised(
            format!(
                "the request framing's max ({max}) is over what the case sends ({MAX_OVER_BODY} bytes)"
            ),
            "a body over the server's limit",
            "nothing sent",
        ));
    };
    // The body is canary requests: a server that refuses it but then reads
    // it as requests answers them.
    let canary = canary();
    let mut body = Vec::with_capacity(len);
    while body.len() < len {
        let take = canary.len().min(len - body.len());
        body.extend_from_slice(&canary[..take]);
    }
    let mut bytes = format!(
        "POST / HTTP/1.1\r\nHost: framecheck.test\r\nContent-Type: text/plain\r\nContent-Length: {len}\r\n\r\n"
    )
    .into_bytes();
    bytes.extend_from_slice(&body);
    let what = format!("a {len}-byte body (the limit is {max})");
    over_limit_body(ctx, &bytes, &what)
}

fn smuggle_probe(ctx: &mut Ctx<'_>, probe: Smuggle) -> Result<(), Finding> {
    let (bytes, owed) = smuggle(probe);
    let mut conn = connect(ctx, "client")?;
    conn.expect_response(Method::Other);
    let sent = conn.send(
        &bytes,
        &Pieces::whole(bytes.len()),
        Duration::ZERO,
        ctx.until(ctx.limits.reply),
    );
    let first = conn.read_responses(owed, ctx.until(ctx.limits.reply));
    // A desynced server answers the canary at once: it is already there.
    let wait = if matches!(first, Wait::Fin | Wait::Rst) {
        first
    } else {
        conn.read_to_end(ctx.until(ctx.limits.prompt * 2))
    };
    let got = responses(&conn);
    let broken = conn.responses().and_then(|h| h.error().map(str::to_owned));
    ctx.keep(conn.close());
    if let Err(e) = sent {
        ctx.note(format!("write failed: {e}"));
    }
    let finals: Vec<&Response> = got.iter().filter(|r| r.status >= 200).collect();
    let observed = format!("{} ({})", list(&got), wait.describe());
    if finals.len() > owed {
        return Err(Finding::fail(
            format!(
                "desync: the canary (GET {CANARY_PATH}) hidden in the request was answered: {} responses to {owed} request",
                finals.len()
            ),
            format!("at most {owed} response, then a close or nothing more"),
            observed,
        ));
    }
    if let Some(b) = broken {
        return Err(Finding::fail(
            "the responses break HTTP framing",
            "well-framed responses",
            format!("{observed}: {b}"),
        ));
    }
    if probe == Smuggle::DuplicateCl {
        // RFC 9112 6.3 item 5: 400, then close.
        match finals.first() {
            Some(r) if r.status < 400 => {
                return Err(Finding::fail(
                    "differing Content-Length fields were accepted",
                    "400 (Bad Request), then a close",
                    observed,
                ));
            }
            _ if !matches!(wait, Wait::Fin | Wait::Rst) => {
                return Err(Finding::fail(
                    "the server did not close after a request with differing Content-Length fields",
                    "400 (Bad Request), then a close",
                    observed,
                ));
            }
            _ => {}
        }
    }
    ctx.note(format!("canary not answered: {observed}"));
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::Duration;

    use framecheck_event::Verdict;

    use super::super::test_server::serve_each;
    use crate::http::CASES;

    /// A tiny server: answers every request head it finds (up to a blank
    /// line) with 200 and an empty body, ignoring bodies; one `recv` per
    /// request when `one_read`.
    fn head_only(mut s: TcpStream) {
        let _ = s.set_read_timeout(Some(Duration::from_secs(3)));
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        while let Ok(n) = s.read(&mut chunk) {
            if n == 0 {
                return;
            }
            buf.extend_from_slice(&chunk[..n]);
            while let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = buf.starts_with(b"HEAD ");
                buf.drain(..i + 4);
                let reply: &[u8] = if head {
                    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"
                } else {
                    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                };
                if s.write_all(reply).is_err() {
                    return;
                }
            }
        }
    }

    /// Run the case `name` against `addr` (with a 1 KiB request limit).
    fn verdict(addr: std::net::SocketAddr, name: &str) -> Verdict {
        let case = CASES.iter().find(|c| c.name == name).expect("case");
        outcome(addr, case, 1024).map_or_else(|f| f.verdict, |()| Verdict::Pass)
    }

    fn outcome(
        addr: std::net::SocketAddr,
        case: &crate::http::HttpCase,
        max: usize,
    ) -> Result<(), super::Finding> {
        let name = case.name;
        let spec: framecheck_framing::Spec = format!("crlf,max={max}").parse().expect("spec");
        let t0 = std::time::Instant::now();
        let mut ctx = super::Ctx {
            addr,
            spec: &spec,
            maker: crate::messages::Maker::with(&spec, None),
            rng: crate::rng::Rng::for_case(1, name),
            seed: 1,
            t0,
            deadline: t0 + Duration::from_secs(5),
            limits: crate::timing::Limits::scaled(1.0),
            trials: 1,
            churn: 0,
            replay: None,
            conns: Vec::new(),
            extra: super::super::Extra::default(),
        };
        let r = super::run(&mut ctx, case);
        if std::env::var_os("FRAMECHECK_HTTP_VERBOSE").is_some() {
            eprintln!("notes: {:?}", ctx.extra.notes);
        }
        r
    }

    /// Every `http/*` case against a live server (`FRAMECHECK_HTTP_TARGET`,
    /// a loopback address, with a 1 MiB body limit): a development aid.
    #[test]
    #[ignore = "needs a live HTTP server on loopback"]
    fn every_case_against_a_live_server() {
        let Some(target) = std::env::var_os("FRAMECHECK_HTTP_TARGET") else {
            return;
        };
        let addr: std::net::SocketAddr = target.to_str().expect("utf-8").parse().expect("addr");
        assert!(addr.ip().is_loopback(), "loopback targets only");
        for case in CASES {
            match outcome(addr, case, 1024 * 1024) {
                Ok(()) => eprintln!("{:<32} pass", case.name),
                Err(f) => eprintln!(
                    "{:<32} {:?}: {}\n    expected: {}\n    observed: {}",
                    case.name, f.verdict, f.message, f.expected, f.observed
                ),
            }
        }
    }

    #[test]
    fn a_server_that_ignores_bodies_answers_the_canary() {
        let addr = serve_each(head_only);
        assert_eq!(verdict(addr, "smuggle/get-with-body"), Verdict::Fail);
        assert_eq!(verdict(addr, "smuggle/cl-te"), Verdict::Fail);
        let case = CASES
            .iter()
            .find(|c| c.name == "pipelined/coalesced")
            .expect("case");
        let r = outcome(addr, case, 1024);
        assert!(r.is_ok(), "{r:?}");
    }
}
