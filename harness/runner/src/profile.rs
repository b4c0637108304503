//! Protocol profiles: how to hold a conversation with a server that does not
//! echo.
//!
//! A profile is a small TOML file (`--profile FILE`) or a built-in name
//! (`--profile redis`, `mqtt`, `dns`, `postgres`, `http`). It gives the framing of requests and of
//! replies (they may differ), an optional session opener sent first on every
//! connection, and one or more exchanges: the bytes of one request, and what
//! its reply must look like.
//!
//! ```toml
//! version = 1                  # optional: 1 (the default) or 2, below
//! name = "inline-redis"
//! about = "Redis inline commands over CRLF"
//!
//! [framing]
//! request = "crlf"             # framing specs, as for --framing
//! reply = "crlf,max=4KiB"
//!
//! [opener]                     # optional: sent first on every connection
//! send.hex = "10 0c 00 04 4d 51 54 54 04 02 00 3c 00 00"
//! expect.exact.hex = "20 02 00 00"
//!
//! [[exchange]]
//! name = "ping"
//! send.text = "PING\r\n"       # one whole request frame, as on the wire
//! expect.exact.text = "+PONG\r\n"
//! ```
//!
//! Bytes are written `{ text = "..." }` (TOML escapes, sent as UTF-8) or
//! `{ hex = "..." }` (pairs of hex digits; spaces allowed). What `send` holds
//! must be exactly one complete frame of the request framing. An `expect`
//! table holds one of:
//!
//! | form | passes when the reply frame… |
//! |---|---|
//! | none, or `any = true` | is any complete frame of the reply framing |
//! | `exact = BYTES` | equals `BYTES` |
//! | `prefix = BYTES` | starts with `BYTES` |
//! | `offsets = [{ at = N, hex = "..", mask = ".." }, …]` | has these bytes at these offsets (each observed byte `AND`-ed with `mask` first, if given) |
//! | `status = 200` or `[200, 405]` | is an HTTP/1.x response with one of these status codes (an `http1:response` reply) |
//!
//! and optionally `part = "wire"` (the default: the frame as on the wire, with
//! its length field or delimiter) or `part = "payload"` (the payload only).
//!
//! **Format version 2** (`version = 2`; a v1 file reads as it always did)
//! lets a request and its reply be more than one frame. `send` may hold
//! several whole request frames (memcached's `set` line and its data block);
//! a `reply` table says what makes up the reply, and `expect` then checks
//! all of it, as on the wire (`part = "payload"` is the same bytes):
//!
//! | `reply` | the reply is… |
//! |---|---|
//! | none, or `frames = 1` | one frame of the reply framing (as in v1) |
//! | `frames = N` | exactly `N` frames (1 to [`MAX_REPLY_FRAMES`]) |
//! | `until = BYTES` | frames up to and including the frame `BYTES` (memcached's `END\r\n`) |
//! | `byte = true` | one unframed byte (PostgreSQL's `N` to an `SSLRequest`) |
//!
//! and `framing = SPEC` frames this reply differently from `[framing] reply`.
//!
//! ```toml
//! version = 2
//! [framing]
//! request = "crlf"
//! reply = "crlf"
//!
//! [[exchange]]
//! name = "set"
//! send.text = "set fc 0 0 5\r\nhello\r\n"   # a line, then its data block
//! expect.exact.text = "STORED\r\n"
//!
//! [[exchange]]
//! name = "get"
//! send.text = "get fc\r\n"
//! reply.until.text = "END\r\n"
//! expect.exact.text = "VALUE fc 0 5\r\nhello\r\nEND\r\n"
//! ```
//!
//! The runner learns which exchange went out from the bytes it sends, and
//! gathers the reply frames of each into one reply ([`Assembler`]).
//!
//! With a RESP reply framing (`resp`, `resp2`), v2's `expect` may also give
//! `resp = ["TYPE", …]`: the RESP type of each reply value in order, one per
//! reply frame, each `TYPE` or `TYPE N` with `TYPE` one of `simple-string`,
//! `error`, `integer`, `bulk-string`, `array`, `null` (`_`, `$-1`, `*-1`),
//! `double`, `boolean`, `blob-error`, `verbatim-string`, `big-number`, `map`,
//! `set`, `push`, and `N` the count a bulk string, blob error, verbatim
//! string (bytes), array, set, push (elements) or map (pairs) declares.
//! Attributes before a value are skipped. The types are checked first, then
//! any of the byte forms above, so `resp = ["error"]` with
//! `prefix.text = "-ERR"` takes any error reply of Redis's generic kind:
//!
//! ```toml
//! version = 2
//! [framing]
//! request = "resp:request"
//! reply = "resp"
//!
//! [[exchange]]
//! name = "hello-3"
//! send.text = "*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n*1\r\n$4\r\nPING\r\n"
//! reply.frames = 2
//! expect.resp = ["map", "simple-string"]   # RESP3's map of server properties, then +PONG
//! ```
//!
//! Everything is bounded: a profile file is at most [`MAX_FILE`] bytes, has at
//! most [`MAX_EXCHANGES`] exchanges, and no reply is read past the reply
//! framing's `max` plus its header.
//!
//! ```
//! use framecheck_runner::profile::Profile;
//! let redis = Profile::builtin("redis").expect("built in");
//! assert_eq!(redis.request.to_string(), "resp:request,max=536870976,elems=2147483647");
//! let ping = &redis.exchanges[0];
//! assert_eq!(ping.send, b"*1\r\n$4\r\nPING\r\n");
//! assert!(ping.expect.check(b"+PONG\r\n", b"+PONG\r\n").is_ok());
//! assert!(ping.expect.check(b"-ERR\r\n", b"-ERR\r\n").is_err());
//! ```

mod assemble;
mod bytes;
mod expect;
mod file;
mod probe;

use std::fmt;
use std::path::Path;

use framecheck_framing::Spec;

use crate::Error;

pub use assemble::{Assembler, MAX_REPLY_FRAMES};
pub use expect::{At, Expect, Mismatch, Part, RespCheck, RespWant, Rule};
pub use probe::{ProbeEnd, ProbeStep, probe};

/// The largest profile file read, in bytes.
pub const MAX_FILE: usize = 1024 * 1024;
/// The most exchanges a profile may list.
pub const MAX_EXCHANGES: usize = 64;

/// The built-in profiles: name and TOML text (the files under `harness/runner/profiles/`).
pub const BUILTIN: [(&str, &str); 5] = [
    ("redis", include_str!("../profiles/redis.toml")),
    ("mqtt", include_str!("../profiles/mqtt.toml")),
    ("dns", include_str!("../profiles/dns.toml")),
    ("postgres", include_str!("../profiles/postgres.toml")),
    ("http", include_str!("../profiles/http.toml")),
];

/// A parsed and checked protocol profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Short name (`redis`); the file stem when the file has no `name`.
    pub name: String,
    /// One line about the protocol.
    pub about: String,
    /// How to name it again on a command line: the built-in name or the path.
    pub origin: String,
    /// How requests are framed.
    pub request: Spec,
    /// How replies are framed.
    pub reply: Spec,
    /// Sent first on every connection, in order, each with its own
    /// expected reply: `[opener]` (at most one), or format v2's
    /// `[[openers]]`.
    pub openers: Vec<Exchange>,
    /// The requests and their expected replies; at least one.
    pub exchanges: Vec<Exchange>,
}

/// One request and what its reply must look like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// Name (`ping`), unique within the profile; `opener` for the opener.
    pub name: String,
    /// The request as on the wire: one complete request frame (format v1),
    /// or one or more (v2).
    pub send: Vec<u8>,
    /// The check on the reply (all its frames, as on the wire, for a reply
    /// of several).
    pub expect: Expect,
    /// What makes up the reply: one frame of the profile's reply framing
    /// (v1, and the v2 default), or more.
    pub reply: Reply,
}

/// The shape of the reply to one request (profile format v2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reply {
    /// How many frames, or what ends them.
    pub count: Count,
    /// The framing of this reply, when not the profile's reply framing.
    pub framing: Option<Spec>,
}

/// How many frames make up one reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Count {
    /// Exactly this many frames (at least 1, at most [`MAX_REPLY_FRAMES`]).
    Frames(usize),
    /// Frames up to and including this terminator frame (memcached's
    /// `END\r\n`).
    Until(Vec<u8>),
    /// One unframed byte (PostgreSQL's answer to an `SSLRequest`, `N` or `S`).
    Byte,
}

impl Default for Count {
    fn default() -> Count {
        Count::Frames(1)
    }
}

impl Profile {
    /// Parse and check a profile's TOML text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Profile, Error> {
        file::parse(text, origin)
    }

    /// A built-in profile by name (`redis`, `mqtt`, `dns`, `postgres`, `http`).
    pub fn builtin(name: &str) -> Option<Profile> {
        let (_, text) = BUILTIN.iter().find(|(n, _)| *n == name)?;
        // The built-ins are checked by the tests; a broken one is a bug.
        let mut profile = Profile::parse(text, &format!("builtin:{name}")).ok()?;
        name.clone_into(&mut profile.origin);
        Some(profile)
    }

    /// What `--profile ARG` names: an existing file, else a built-in name.
    pub fn load(arg: &str) -> Result<Profile, Error> {
        let path = Path::new(arg);
        if path.is_file() {
            return Profile::read(path);
        }
        Profile::builtin(arg).ok_or_else(|| Error::UnknownProfile {
            name: arg.to_owned(),
        })
    }

    /// Read and parse a profile file (at most [`MAX_FILE`] bytes).
    pub fn read(path: &Path) -> Result<Profile, Error> {
        use std::io::Read as _;
        let shown = path.display().to_string();
        let read_err = |source| Error::ReadFile {
            what: "profile",
            path: shown.clone(),
            source,
        };
        let file = std::fs::File::open(path).map_err(read_err)?;
        let mut text = String::new();
        let limit = u64::try_from(MAX_FILE).unwrap_or(u64::MAX) + 1;
        file.take(limit)
            .read_to_string(&mut text)
            .map_err(read_err)?;
        if text.len() > MAX_FILE {
            return Err(Error::FileTooBig {
                what: "profile",
                path: shown,
                max: MAX_FILE,
            });
        }
        let mut profile = Profile::parse(&text, &shown)?;
        if profile.name.is_empty() {
            profile.name = path.file_stem().map_or_else(
                || "profile".to_owned(),
                |s| s.to_string_lossy().into_owned(),
            );
        }
        Ok(profile)
    }

    /// The most bytes one reply frame can take on the wire: the reply
    /// framing's `max` plus its header or delimiter.
    pub fn reply_limit(&self) -> usize {
        self.reply.max().saturating_add(self.reply.overhead())
    }

    /// Whether some reply is more than one frame of the reply framing
    /// (format v2's `reply` table): replies are then gathered per request
    /// by an [`Assembler`].
    pub fn grouped(&self) -> bool {
        self.steps().any(|e| e.reply != Reply::default())
    }

    /// The openers then every exchange, in the order a probe sends them.
    pub fn steps(&self) -> impl Iterator<Item = &Exchange> {
        self.openers.iter().chain(&self.exchanges)
    }
}

impl fmt::Display for Profile {
    /// `redis (requests crlf,max=4KiB, replies crlf,max=4KiB, 2 exchanges)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (requests {}, replies {}, {}{} exchange{})",
            self.name,
            self.request,
            self.reply,
            match self.openers.len() {
                0 => String::new(),
                1 => "opener + ".to_owned(),
                n => format!("{n} openers + "),
            },
            self.exchanges.len(),
            if self.exchanges.len() == 1 { "" } else { "s" },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_parse_and_their_messages_are_one_frame() {
        for (name, text) in BUILTIN {
            let p = Profile::parse(text, name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(p.name, name, "{name}: name field");
            assert!(!p.exchanges.is_empty(), "{name}: no exchange");
            assert!(Profile::builtin(name).is_some(), "{name}");
        }
    }

    #[test]
    #[expect(
        clippy::type_complexity,
        reason = "a scenario table reads best as tuples"
    )]
    fn builtin_bytes_are_the_documented_ones() {
        let cases: [(&str, Option<&[u8]>, &[u8]); 5] = [
            ("redis", None, b"*1\r\n$4\r\nPING\r\n"),
            (
                "mqtt",
                Some(b"\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00"),
                b"\xc0\x00",
            ),
            (
                "dns",
                None,
                b"\x00\x21\x66\x63\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\
                  \x0aframecheck\x04test\x00\x00\x01\x00\x01",
            ),
            (
                "postgres",
                Some(b"\x00\x00\x00\x08\x04\xd2\x16\x2f"),
                b"Q\x00\x00\x00\x0dSELECT 1\x00",
            ),
            (
                "http",
                None,
                b"GET / HTTP/1.1\r\nHost: framecheck.test\r\n\r\n",
            ),
        ];
        for (name, opener, first) in cases {
            let p = Profile::builtin(name).expect(name);
            assert_eq!(p.openers.first().map(|o| &o.send[..]), opener, "{name}");
            assert_eq!(p.exchanges[0].send, first, "{name}");
        }
    }

    #[test]
    fn builtin_expectations_accept_the_real_replies() {
        // Replies as captured from redis-server 7, mosquitto 2 and dnsmasq 2.9.
        let dns_reply: &[u8] = b"\x00\x31\x66\x63\x85\x80\x00\x01\x00\x01\x00\x00\x00\x00\
            \x0aframecheck\x04test\x00\x00\x01\x00\x01\
            \xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x01";
        let cases: [(&str, usize, &[u8], usize); 5] = [
            ("redis", 0, b"+PONG\r\n", 0),
            ("redis", 1, b"$10\r\nframecheck\r\n", 0),
            ("mqtt", 0, b"\xd0\x00", 2),
            ("mqtt", usize::MAX, b"\x20\x02\x00\x00", 2),
            ("dns", 0, dns_reply, 2),
        ];
        for (name, i, wire, head) in cases {
            let p = Profile::builtin(name).expect(name);
            let ex = if i == usize::MAX {
                p.openers.first().expect("opener")
            } else {
                &p.exchanges[i]
            };
            let payload = &wire[head..];
            assert_eq!(ex.expect.check(wire, payload), Ok(()), "{name} {}", ex.name);
        }
    }

    /// The postgres profile against PostgreSQL 15's replies (captured on
    /// loopback from a trust cluster), gathered as the runner gathers them.
    #[test]
    fn postgres_accepts_the_real_replies() {
        let p = Profile::builtin("postgres").expect("postgres");
        assert_eq!(p.openers.len(), 2);
        assert!(p.grouped());
        let startup_reply: &[u8] = b"R\x00\x00\x00\x08\x00\x00\x00\x00\
            S\x00\x00\x00\x19client_encoding\x00UTF8\x00\
            K\x00\x00\x00\x0c\x00\x00y0N[\x8b\xa1\
            Z\x00\x00\x00\x05I";
        let select: &[u8] = b"T\x00\x00\x00\x21\x00\x01?column?\x00\x00\x00\x00\x00\
            \x00\x00\x00\x00\x00\x17\x00\x04\xff\xff\xff\xff\x00\x00\
            D\x00\x00\x00\x0b\x00\x01\x00\x00\x00\x011\
            C\x00\x00\x00\x0dSELECT 1\x00Z\x00\x00\x00\x05I";
        let empty: &[u8] = b"I\x00\x00\x00\x04Z\x00\x00\x00\x05I";
        let stream = [b"N".as_slice(), startup_reply, select, empty].concat();
        let mut a = Assembler::new(&p);
        for step in p.steps() {
            a.sent(&step.send);
        }
        let mut input = &stream[..];
        let mut replies = Vec::new();
        while let Some(f) = a.feed(&mut input).expect("well framed") {
            replies.push(f);
        }
        let steps: Vec<&Exchange> = p.steps().collect();
        assert_eq!(replies.len(), steps.len());
        for (step, reply) in steps.iter().zip(&replies) {
            assert_eq!(
                step.expect.check(&reply.wire, reply.payload()),
                Ok(()),
                "{}",
                step.name
            );
        }
        // An SSL-speaking server answers 'S': refused.
        assert!(steps[0].expect.check(b"S", b"S").is_err());
    }

    /// The http profile against nginx 1.22.1's replies to its four
    /// requests written at once (captured on loopback), gathered as the
    /// runner gathers them: the HEAD's reply has a Content-Length and no
    /// body, which only its own `method=HEAD` framing reads right.
    #[test]
    fn http_accepts_the_real_replies() {
        let p = Profile::builtin("http").expect("http");
        assert!(p.grouped());
        let page = "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Mon, 30 Nov 2026 13:34:25 GMT\r\n\
            Content-Type: text/html\r\nContent-Length: 11\r\nLast-Modified: Mon, 30 Nov 2026 13:12:12 GMT\r\n\
            Connection: keep-alive\r\nETag: \"6b0d762c-b\"\r\nAccept-Ranges: bytes\r\n\r\n";
        let error = |status: &str, title: &str| {
            let body = format!(
                "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n\
                 <hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n"
            );
            format!(
                "HTTP/1.1 {status}\r\nServer: nginx/1.22.1\r\nDate: Mon, 30 Nov 2026 13:34:25 GMT\r\n\
                 Content-Type: text/html\r\nContent-Length: {}\r\nConnection: keep-alive\r\n\r\n{body}",
                body.len()
            )
        };
        let replies = [
            format!("{page}framecheck\n"),
            page.to_owned(),
            error("404 Not Found", "404 Not Found"),
            error("405 Not Allowed", "405 Not Allowed"),
        ];
        let stream = replies.concat().into_bytes();
        let mut a = Assembler::new(&p);
        for step in p.steps() {
            a.sent(&step.send);
        }
        let mut input = &stream[..];
        let mut got = Vec::new();
        while let Some(f) = a.feed(&mut input).expect("well framed") {
            got.push(f);
        }
        let steps: Vec<&Exchange> = p.steps().collect();
        assert_eq!(got.len(), steps.len());
        for ((step, reply), want) in steps.iter().zip(&got).zip(&replies) {
            assert_eq!(reply.wire, want.as_bytes(), "{}", step.name);
            assert_eq!(
                step.expect.check(&reply.wire, reply.payload()),
                Ok(()),
                "{}",
                step.name
            );
        }
        // A 404 to the GET of "/" is refused, naming the status.
        let m = steps[0].expect.check(&got[2].wire, b"").expect_err("404");
        assert_eq!(m.observed, "status 404");
    }

    /// The redis profile against redis-server 7.0.15's replies (captured on
    /// loopback), gathered as the runner gathers them; and replies of the
    /// wrong RESP type refused.
    #[test]
    fn redis_accepts_the_real_replies_by_type() {
        let p = Profile::builtin("redis").expect("redis");
        let hello: &[u8] =
            b"%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n\
            $5\r\nproto\r\n:3\r\n$2\r\nid\r\n:9\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n\
            $4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n_\r\n";
        let replies: [&[u8]; 6] = [
            b"+PONG\r\n",
            b"$10\r\nframecheck\r\n",
            b":0\r\n",
            b"-ERR unknown command 'FRAMECHECK-NO-SUCH-COMMAND', with args beginning with: \r\n",
            b"*2\r\n$-1\r\n$-1\r\n",
            hello,
        ];
        let mut a = Assembler::new(&p);
        for step in p.steps() {
            a.sent(&step.send);
        }
        let stream = replies.concat();
        let mut input = &stream[..];
        let steps: Vec<&Exchange> = p.steps().collect();
        assert_eq!(steps.len(), replies.len());
        for (step, want) in steps.iter().zip(replies) {
            let got = a.feed(&mut input).expect("well framed").expect("a reply");
            assert_eq!(got.wire, want, "{}", step.name);
            assert_eq!(
                step.expect.check(&got.wire, got.payload()),
                Ok(()),
                "{}",
                step.name
            );
        }
        // The wrong type, or RESP2's answer where RESP3's is due, is refused.
        for (i, wrong) in [
            (2, &b"+0\r\n"[..]),
            (3, b"+ERR\r\n"),
            (4, b"*1\r\n$-1\r\n"),
            (5, b"*2\r\n$6\r\nserver\r\n$5\r\nredis\r\n$-1\r\n"),
        ] {
            assert!(
                steps[i].expect.check(wrong, wrong).is_err(),
                "{}",
                steps[i].name
            );
        }
    }

    #[test]
    fn load_names_a_file_or_a_builtin() {
        assert_eq!(Profile::load("dns").expect("dns").name, "dns");
        let err = Profile::load("nosuch").expect_err("unknown").to_string();
        assert!(
            err.contains("\"nosuch\"") && err.contains("redis, mqtt, dns"),
            "{err}"
        );
    }

    #[test]
    fn read_bounds_the_file_and_names_it_after_its_stem() {
        let dir = std::env::temp_dir().join(format!("framecheck-profile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("tmp dir");
        let small = dir.join("echo-ish.toml");
        std::fs::write(
            &small,
            "[framing]\nrequest = \"line\"\nreply = \"line\"\n[[exchange]]\nsend.text = \"hi\\n\"\n",
        )
        .expect("write");
        let p = Profile::read(&small).expect("small profile");
        assert_eq!(p.name, "echo-ish");
        assert_eq!(p.exchanges[0].name, "exchange-1");
        let big = dir.join("big.toml");
        std::fs::write(&big, vec![b'#'; MAX_FILE + 1]).expect("write");
        let err = Profile::read(&big).expect_err("too big");
        assert!(matches!(err, Error::FileTooBig { .. }), "{err}");
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
