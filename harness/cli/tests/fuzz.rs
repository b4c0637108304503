//! `framecheck fuzz` and `framecheck replay --input` end to end: the binary
//! starts a buggy reference server itself (`--exec`), finds the bug, writes
//! a replay file that fails again on replay and passes on the correct
//! server; exit codes 0, 1 and 2.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};

fn framecheck(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_framecheck"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run framecheck")
}

/// A loopback port free right now.
fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

fn serve(bug: Option<&str>, addr: &str) -> String {
    let bin = env!("CARGO_BIN_EXE_framecheck");
    match bug {
        Some(b) => format!("{bin} serve --framing u16be --bug {b} --listen {addr}"),
        None => format!("{bin} serve --framing u16be --listen {addr}"),
    }
}

#[test]
fn finds_saves_and_replays_a_crash() {
    let dir = std::env::temp_dir().join(format!("framecheck-fuzz-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let addr = format!("127.0.0.1:{}", free_port());
    let buggy = serve(Some("dies-on-format-string"), &addr);
    let json = dir.join("out.json");
    let out = framecheck(
        &[
            "fuzz",
            &addr,
            "--framing",
            "u16be",
            "--seconds",
            "60",
            "--seed",
            "1",
            "--stop-after",
            "1",
            "--exec",
            &buggy,
            "--json",
            json.to_str().expect("utf-8"),
        ],
        &dir,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("crash"), "{stdout}");
    assert!(
        stdout.contains("%n"),
        "the minimized session is shown: {stdout}"
    );
    let report = std::fs::read_to_string(&json).expect("json report");
    assert!(report.contains("fuzz/crash"), "{report}");
    let files: Vec<_> = std::fs::read_dir(dir.join("framecheck-findings"))
        .expect("findings dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let file = files[0].to_str().expect("utf-8");
    let again = framecheck(&["replay", &addr, "--input", file, "--exec", &buggy], &dir);
    assert_eq!(
        again.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
    let correct = serve(None, &addr);
    let fixed = framecheck(
        &["replay", &addr, "--input", file, "--exec", &correct],
        &dir,
    );
    assert_eq!(
        fixed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&fixed.stdout)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn clean_run_exits_0_and_bad_targets_exit_2() {
    let dir = std::env::temp_dir().join(format!("framecheck-fuzz-clean-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let addr = format!("127.0.0.1:{}", free_port());
    let correct = serve(None, &addr);
    let out = framecheck(
        &[
            "fuzz",
            &addr,
            "--framing",
            "u16be",
            "--seconds",
            "3",
            "--seed",
            "2",
            "--exec",
            &correct,
        ],
        &dir,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains(", 0 findings"));
    // Nobody listening; a bad spec; no port. (Any host the user names is
    // tested, as by `run`; the tests aim at loopback only.)
    for args in [
        &["fuzz", "127.0.0.1", "--framing", "u16be", "--seconds", "1"][..],
        &["fuzz", &addr, "--framing", "u16be", "--seconds", "1"][..],
        &["fuzz", &addr, "--framing", "u17be", "--seconds", "1"][..],
    ] {
        let out = framecheck(args, &dir);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
