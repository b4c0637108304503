//! A finding and its replay file: self-contained JSON with the session (its
//! messages, schedule and ending), the bytes it renders to, the cuts and
//! pauses of its delivery, the seed and the spec or profile; and the same
//! finding as a failed case for the four report formats.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use framecheck_event::{CaseResult, Evidence, Verdict};
use framecheck_framing::schedule::Step;
use framecheck_framing::{Encoder, Spec};
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::oracle::FindingKind;
use crate::session::{Ending, Session};
use crate::text;

/// The `format` of a replay file.
pub const FORMAT: &str = "framecheck-fuzz-replay/1";

/// Rendered bytes are written into a replay file up to this many.
pub const MAX_WIRE_TEXT: usize = 64 * 1024;

/// The rendered delivery, for a person reading the file (replay re-renders
/// the session and checks the bytes are these).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wire {
    /// Length of the stream.
    pub len: usize,
    /// The stream, escaped, when it has at most [`MAX_WIRE_TEXT`] bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<String>,
    /// Offsets where one write ends and the next begins.
    pub cuts: Vec<usize>,
    /// Pauses after pieces, `(piece index, microseconds)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pauses_us: Vec<(usize, u64)>,
    /// How the connection ends.
    pub ending: Ending,
}

/// One finding: what went wrong and the session that makes it happen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// [`FORMAT`].
    pub format: String,
    /// The kind.
    pub kind: FindingKind,
    /// The class findings are deduplicated by (`mismatch:reply`, …).
    pub class: String,
    /// What was seen.
    pub what: String,
    /// The request framing (canonical spec text).
    pub spec: String,
    /// The profile the messages came from, as named on the command line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The run's seed.
    pub seed: u64,
    /// Sessions run before it was found.
    pub sessions: u64,
    /// Milliseconds into the run when it was found.
    pub found_ms: u64,
    /// How it was confirmed against the live server (`2 of 3 runs`), or
    /// why it could not be.
    pub confirmed: String,
    /// For `--exec` targets: exit status or signal, and stderr's tail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_mortem: Option<String>,
    /// How many times the same class was seen again.
    #[serde(default)]
    pub duplicates: u64,
    /// The session before minimization: `(messages sent, bytes)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_size: Option<(usize, usize)>,
    /// Sessions to run first, in order, when the finding needs what they
    /// leave behind (a count that builds up over connections).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub before: Vec<Session>,
    /// The (minimized) session.
    pub session: Session,
    /// Its rendered delivery.
    pub wire: Wire,
}

impl Wire {
    /// The delivery of `session` under `spec`.
    pub fn of(session: &Session, spec: &Spec) -> Wire {
        let r = session.render(spec, &Encoder::new(spec));
        let pauses_us = r
            .plan
            .steps
            .iter()
            .filter(|s| matches!(s, Step::Piece(_)))
            .enumerate()
            .filter_map(|(i, s)| match s {
                Step::Piece(p) if !p.pause.is_zero() => {
                    Some((i, u64::try_from(p.pause.as_micros()).unwrap_or(u64::MAX)))
                }
                _ => None,
            })
            .collect();
        Wire {
            len: r.stream.len(),
            bytes: (r.stream.len() <= MAX_WIRE_TEXT).then(|| text::escape(&r.stream)),
            cuts: r.plan.cuts(),
            pauses_us,
            ending: session.ending,
        }
    }
}

impl Finding {
    /// The session's size: messages sent and bytes.
    pub fn size(session: &Session, spec: &Spec) -> (usize, usize) {
        let r = session.render(spec, &Encoder::new(spec));
        (r.ends.len(), r.stream.len())
    }

    /// A file name for it: kind, class and a hash of the session.
    pub fn file_name(&self) -> String {
        use std::hash::{Hash as _, Hasher as _};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.session.hash(&mut h);
        let class: String = self
            .class
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        format!(
            "{}-{class}-{:08x}.json",
            self.kind,
            h.finish() & 0xffff_ffff
        )
    }

    /// Write it into `dir` (created if needed); returns the path.
    pub fn save(&self, dir: &Path) -> Result<PathBuf, Error> {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            what: format!("create {}", dir.display()),
            source,
        })?;
        let path = dir.join(self.file_name());
        let json = serde_json::to_string_pretty(self).map_err(|e| Error::Replay {
            path: path.display().to_string(),
            why: e.to_string(),
        })?;
        std::fs::write(&path, json + "\n").map_err(|source| Error::Io {
            what: format!("write {}", path.display()),
            source,
        })?;
        Ok(path)
    }

    /// Read a replay file; its spec must parse and its bytes, when given,
    /// must be what the session renders to.
    pub fn load(path: &Path) -> Result<(Finding, Spec), Error> {
        let bad = |why: String| Error::Replay {
            path: path.display().to_string(),
            why,
        };
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        let f: Finding = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        if f.format != FORMAT {
            return Err(bad(format!("format {:?}, expected {FORMAT:?}", f.format)));
        }
        let spec: Spec = f.spec.parse().map_err(|e| bad(format!("spec: {e}")))?;
        if let Some(bytes) = &f.wire.bytes {
            let r = f.session.render(&spec, &Encoder::new(&spec));
            if text::unescape(bytes).as_deref() != Some(&r.stream[..]) {
                return Err(bad(
                    "wire.bytes are not what the session renders to".to_owned()
                ));
            }
        }
        Ok((f, spec))
    }

    /// The finding as a failed case, for the report formats; `replay` is the
    /// command that reruns it.
    pub fn to_case(&self, replay: String) -> CaseResult {
        let mut notes = vec![format!(
            "found after {} sessions, {} ms; confirmed {}",
            self.sessions, self.found_ms, self.confirmed
        )];
        if let Some((m, b)) = self.original_size {
            let (m2, b2) = (self.session.sent_count(), self.wire.len);
            notes.push(format!(
                "minimized from {m} messages / {b} bytes to {m2} / {b2}"
            ));
        }
        if self.duplicates > 0 {
            notes.push(format!("seen {} more times", self.duplicates));
        }
        let mut observed = self.what.clone();
        if let Some(pm) = &self.post_mortem {
            let _ = write!(observed, "; server {pm}");
        }
        CaseResult {
            id: format!("fuzz/{}", self.class.replace(':', "/")),
            group: "fuzz".to_owned(),
            requirement: requirement(self.kind).to_owned(),
            verdict: Verdict::Fail,
            message: format!("{}: {}", self.kind, self.what),
            evidence: Evidence {
                seed: self.seed,
                expected: requirement(self.kind).to_owned(),
                observed,
                connections: Vec::new(),
                notes,
                original_schedule: None,
                shrunk_schedule: Some(self.session.schedule.clone()),
            },
            replay,
            duration: Duration::from_millis(self.found_ms),
        }
    }
}

fn requirement(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::Crash => "The server survives every message a peer can send.",
        FindingKind::Hang => "The server keeps answering, whatever one peer sent before.",
        FindingKind::Mismatch => "Every whole frame is answered by its echo, in order, once.",
        FindingKind::Refusal => {
            "A frame the framing refuses is refused: the server closes (an error reply first or not), or drops it to its end, replies an error and answers the frames after it; it never processes it, answers bytes of it as messages, or keeps the connection open without a word."
        }
    }
}
