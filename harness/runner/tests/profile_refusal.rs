//! Refusal outcomes on a profile run over a delimited framing: a profile's
//! canary has no token a reply could carry, so a server that cuts an
//! over-long line at its limit and reads the rest as a new message is told
//! by the count of its replies (the refused frame answered twice), and a
//! server that discards the line and goes on is not mistaken for it.

use std::sync::Arc;

use framecheck_runner::profile::Profile;
use framecheck_runner::{self as runner, Collect, Options, Verdict};
use framecheck_servers::{self as server, Bug, OverLimit, ServerConfig};

/// Exchanges an echo server answers: each reply is the message itself.
const PROFILE: &str = "\
name = \"echo-lines\"
[framing]
request = \"line,max=64\"
reply = \"line,max=1KiB\"
[[exchange]]
name = \"hello\"
send.text = \"hello\\n\"
expect.exact.text = \"hello\\n\"
[[exchange]]
name = \"again\"
send.text = \"again please\\n\"
expect.exact.text = \"again please\\n\"
";

fn over_long_frame(bug: Option<Bug>, over_limit: OverLimit) -> (Verdict, String, Vec<String>) {
    let profile = Arc::new(Profile::parse(PROFILE, "test").expect("profile"));
    let mut config = ServerConfig::new(profile.request.clone());
    config.bug = bug;
    config.over_limit = over_limit;
    let server = server::spawn(config).expect("spawn server");
    let options = Options {
        cases: vec!["limits/over-long-frame".to_owned()],
        profile: Some(profile.clone()),
        ..Options::default()
    };
    let mut events = Collect::default();
    runner::run(server.local_addr(), &profile.request, &options, &mut events).expect("run");
    server.shutdown();
    let r = events
        .results()
        .find(|r| r.id == "limits/over-long-frame")
        .expect("the case ran")
        .clone();
    (r.verdict, r.message, r.evidence.notes)
}

#[test]
fn a_server_that_reads_the_tail_of_a_refused_line_desyncs() {
    let (verdict, message, notes) =
        over_long_frame(Some(Bug::DesyncsAfterRefusal), OverLimit::Close);
    assert_eq!(verdict, Verdict::Fail, "{message} {notes:?}");
    assert!(message.starts_with("desync"), "{message} {notes:?}");
    assert!(
        notes
            .iter()
            .any(|n| n.contains("answered its bytes as messages")),
        "{notes:?}"
    );
}

#[test]
fn a_server_that_discards_a_refused_line_and_goes_on_passes() {
    let (verdict, message, notes) = over_long_frame(None, OverLimit::Discard);
    assert_eq!(verdict, Verdict::Pass, "{message} {notes:?}");
    assert!(
        notes.contains(&"refusal outcome: discard-and-continue".to_owned()),
        "{notes:?}"
    );
}
