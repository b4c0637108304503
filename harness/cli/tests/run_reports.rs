//! One `framecheck run` writes all four report formats, each valid, against a
//! server that answers merged requests with markup; `--expect` turns known
//! failures into warnings and refuses ids that name no case.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::Value;

const HOSTILE: &[u8] = b"<script>alert(1)</script><img src=x onerror=alert(2)>\r\n";

const PROFILE: &str = "\
name = \"pong\"
[framing]
request = \"crlf,max=1KiB\"
reply = \"crlf,max=1KiB\"
[[exchange]]
name = \"ping\"
send.text = \"PING\\r\\n\"
expect.exact.text = \"+PONG\\r\\n\"
";

/// A line server with a boundary bug: a read holding one line gets `+PONG`,
/// a read holding several lines gets one hostile line of markup.
fn markup_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut s) = conn else { continue };
            std::thread::spawn(move || {
                let _ = s.set_read_timeout(Some(Duration::from_secs(3)));
                let mut buf = [0u8; 4096];
                let mut pending = Vec::new();
                while let Ok(n) = s.read(&mut buf) {
                    if n == 0 || pending.len() > 64 * 1024 {
                        return;
                    }
                    pending.extend_from_slice(&buf[..n]);
                    let lines = pending.windows(2).filter(|w| w == b"\r\n").count();
                    let reply: &[u8] = match lines {
                        0 => continue,
                        1 => b"+PONG\r\n",
                        _ => HOSTILE,
                    };
                    // Everything up to the last line end is consumed.
                    let end = pending
                        .windows(2)
                        .rposition(|w| w == b"\r\n")
                        .map_or(0, |p| p + 2);
                    pending.drain(..end);
                    if s.write_all(reply).is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("framecheck-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("tmp dir");
    d
}

fn run(dir: &Path, addr: SocketAddr, extra: &[&str]) -> (Option<i32>, String) {
    let profile = dir.join("pong.toml");
    std::fs::write(&profile, PROFILE).expect("profile");
    let out = Command::new(env!("CARGO_BIN_EXE_framecheck"))
        .arg("run")
        .arg(addr.to_string())
        .arg("--profile")
        .arg(&profile)
        // Lockstep cases pass; `coalesced` writes several requests at once,
        // which always reach this server in one read, so it always fails.
        .args(["--seed", "3", "--cases", "boundary/whole/lockstep"])
        .args([
            "--cases",
            "boundary/coalesced",
            "--cases",
            "boundary/byte-at-a-time/lockstep",
        ])
        .arg("--quiet")
        .arg("--json")
        .arg(dir.join("r.json"))
        .arg("--junit")
        .arg(dir.join("r.xml"))
        .arg("--html")
        .arg(dir.join("r.html"))
        .arg("--markdown")
        .arg(dir.join("r.md"))
        .args(extra)
        .output()
        .expect("run framecheck");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code(), text)
}

fn failing_ids(json: &Value) -> Vec<String> {
    json["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|c| c["verdict"] == "fail")
        .filter_map(|c| c["id"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn one_run_writes_four_valid_reports() {
    let d = dir("reports");
    let (code, text) = run(&d, markup_server(), &[]);
    assert_eq!(code, Some(1), "{text}");
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("r.json")).expect("json"))
            .expect("parses");
    assert_eq!(json["format"], "framecheck-run");
    let failing = failing_ids(&json);
    assert_eq!(failing, ["boundary/coalesced"]);

    let xml = std::fs::read_to_string(d.join("r.xml")).expect("xml");
    let mut reader = Reader::from_str(&xml);
    let (mut failures, mut testcases, mut errors) = (0, 0, 0);
    loop {
        match reader.read_event().expect("well-formed JUnit") {
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                b"failure" => failures += 1,
                b"testcase" => testcases += 1,
                b"error" => errors += 1,
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(failures, failing.len(), "one <failure> per failing case");
    assert_eq!(testcases, json["cases"].as_array().map_or(0, Vec::len));
    assert_eq!(errors, 0, "a failing server is never an <error>");

    let html = std::fs::read_to_string(d.join("r.html")).expect("html");
    assert!(
        !html.contains("<script") && !html.contains("<img"),
        "server markup in the page"
    );
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "escaped markup missing"
    );
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "remote reference"
    );

    let md = std::fs::read_to_string(d.join("r.md")).expect("md");
    assert!(md.starts_with("### ❌ framecheck: NON-CONFORMANT"), "{md}");
    assert!(!md.contains("<script"), "{md}");

    // The same failures listed as known deviations: the run is conformant.
    let expect = d.join("known.txt");
    let listed: String = failing.iter().fold(String::new(), |out, id| {
        out + id + " merges lines read together\n"
    });
    std::fs::write(&expect, listed).expect("write");
    let (code, text) = run(
        &d,
        markup_server(),
        &["--expect", expect.to_str().expect("utf8")],
    );
    assert_eq!(code, Some(0), "{text}");
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("r.json")).expect("json"))
            .expect("parses");
    assert!(failing_ids(&json).is_empty());
    let warned = json["cases"].as_array().expect("cases").iter().filter(|c| {
        c["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("expected failure (merges lines read together)"))
    });
    assert_eq!(warned.count(), failing.len());
    std::fs::remove_dir_all(&d).expect("cleanup");
}

#[test]
fn expect_refuses_an_id_that_names_no_case_and_a_missing_reason() {
    let d = dir("expect");
    let cases: [(&str, &str, &str); 2] = [
        (
            "unknown_id",
            "boundary/whole/lockstep ok\nboundary/wholе typo\n",
            "match no case: boundary/wholе (line 2)",
        ),
        ("no_reason", "boundary/whole/lockstep\n", "has no reason"),
    ];
    for (scenario, body, want) in cases {
        let expect = d.join(format!("{scenario}.txt"));
        std::fs::write(&expect, body).expect("write");
        let (code, text) = run(
            &d,
            markup_server(),
            &["--expect", expect.to_str().expect("utf8")],
        );
        assert_eq!(code, Some(2), "{scenario}: {text}");
        assert!(text.contains(want), "{scenario}: {text}");
    }
    std::fs::remove_dir_all(&d).expect("cleanup");
}
