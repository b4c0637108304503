//! What a reply frame must look like.

use std::fmt;

use framecheck_framing::resp::{RespLimits, RespMode, RespType, Scanner, describe};

use super::bytes::show;

/// A check on one reply frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expect {
    /// Which bytes of the frame the rule looks at.
    pub part: Part,
    /// The rule.
    pub rule: Rule,
    /// RESP replies (format v2): the type of each reply value, checked
    /// before the rule.
    pub resp: Option<RespCheck>,
}

/// The RESP types a reply must have: one entry per value, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RespCheck {
    /// How the reply framing reads values (`resp`, `resp2`).
    pub mode: RespMode,
    /// Each value's type, and the count it must declare if given.
    pub values: Vec<RespWant>,
}

/// One reply value's expected RESP type: `array 2`, `error`, `map`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RespWant {
    /// The type.
    pub ty: RespType,
    /// Elements of an aggregate (pairs of a map), bytes of a string given
    /// by length; `None` checks the type only.
    pub count: Option<u64>,
}

impl RespWant {
    /// Parse `TYPE` or `TYPE COUNT` (`simple-string`, `array 2`).
    ///
    /// # Errors
    /// The problem, in words, when the text is neither.
    pub fn parse(text: &str) -> Result<RespWant, String> {
        let mut words = text.split(' ');
        let name = words.next().unwrap_or("");
        let ty = RespType::from_name(name).ok_or_else(|| {
            let names: Vec<&str> = RespType::ALL.iter().map(|t| t.name()).collect();
            format!(
                "{name:?} is no RESP type; the types are {}",
                names.join(", ")
            )
        })?;
        let count = match words.next() {
            None => None,
            Some(n) if ty.counted() => Some(n.parse::<u64>().map_err(|_| {
                format!("{n:?} is not a count; write TYPE or TYPE N, like \"array 2\"")
            })?),
            Some(_) => {
                return Err(format!(
                    "{name} takes no count; counts go with bulk-string, array, map, set, push, blob-error and verbatim-string"
                ));
            }
        };
        if words.next().is_some() {
            return Err("write TYPE or TYPE N, like \"array 2\"".to_owned());
        }
        Ok(RespWant { ty, count })
    }
}

impl fmt::Display for RespWant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.ty.name())?;
        match self.count {
            Some(n) => write!(f, " {n}"),
            None => Ok(()),
        }
    }
}

impl RespCheck {
    /// Check the values of a reply (one frame, or several gathered).
    fn check(&self, wire: &[u8]) -> Result<(), String> {
        let mut rest = wire;
        let mut got: Vec<String> = Vec::new();
        let mut ok = true;
        while !rest.is_empty() {
            let limits = RespLimits {
                max: rest.len(),
                ..RespLimits::default()
            };
            let mut scanner = Scanner::new(self.mode, limits);
            let Ok(Some(n)) = scanner.scan(rest) else {
                return Err(format!(
                    "bytes that are no whole RESP value: {}",
                    show(rest)
                ));
            };
            let (value, tail) = rest.split_at(n);
            let Some(d) = describe(self.mode, value) else {
                return Err(format!("a value of no known RESP type: {}", show(value)));
            };
            let seen = RespWant {
                ty: d.ty,
                count: d.count,
            };
            let want = self.values.get(got.len());
            ok &= want
                .is_some_and(|w| w.ty == seen.ty && (w.count.is_none() || w.count == seen.count));
            got.push(format!("{seen} {}", show(&value[..value.len().min(40)])));
            rest = tail;
        }
        if ok && got.len() == self.values.len() {
            Ok(())
        } else {
            Err(got.join(", then "))
        }
    }
}

/// Which bytes of a reply frame an [`Expect`] looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    /// The whole frame as on the wire: head, length field, payload, delimiter.
    #[default]
    Wire,
    /// The payload only.
    Payload,
}

/// The forms of expected reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// Any complete frame.
    Any,
    /// Exactly these bytes.
    Exact(Vec<u8>),
    /// Starts with these bytes.
    Prefix(Vec<u8>),
    /// These bytes at these offsets.
    Offsets(Vec<At>),
    /// An HTTP/1.x response whose status code is one of these
    /// (`expect.status = 200` or `[200, 405]`).
    Status(Vec<u16>),
}

/// Bytes expected at an offset, optionally under a mask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct At {
    /// Offset into the part.
    pub at: usize,
    /// The expected bytes (after masking).
    pub bytes: Vec<u8>,
    /// `AND`-ed with the observed bytes before comparing; as long as `bytes`.
    pub mask: Option<Vec<u8>>,
}

/// A reply that failed its [`Expect`]: both sides, ready to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// What the profile asked for.
    pub expected: String,
    /// What the frame held there.
    pub observed: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected {}, observed {}", self.expected, self.observed)
    }
}

impl Expect {
    /// Any complete frame.
    pub const ANY: Expect = Expect {
        part: Part::Wire,
        rule: Rule::Any,
        resp: None,
    };

    /// Check a reply frame, given as its wire bytes and its payload.
    pub fn check(&self, wire: &[u8], payload: &[u8]) -> Result<(), Mismatch> {
        let part = match self.part {
            Part::Wire => wire,
            Part::Payload => payload,
        };
        let fail = |observed: String| {
            Err(Mismatch {
                expected: self.to_string(),
                observed,
            })
        };
        if let Some(resp) = &self.resp {
            if let Err(observed) = resp.check(wire) {
                return fail(format!("RESP {observed}"));
            }
        }
        match &self.rule {
            Rule::Any => Ok(()),
            Rule::Exact(want) if part == &want[..] => Ok(()),
            Rule::Exact(_) => fail(format!("{} {}", self.part, show(part))),
            Rule::Prefix(want) if part.starts_with(want) => Ok(()),
            Rule::Prefix(want) => fail(format!(
                "{} starting {}",
                self.part,
                show(&part[..part.len().min(want.len().max(16))])
            )),
            Rule::Status(codes) => match status_code(wire) {
                Some(code) if codes.contains(&code) => Ok(()),
                Some(code) => fail(format!("status {code}")),
                None => fail(format!(
                    "no HTTP/1.x status line: {}",
                    show(&wire[..wire.len().min(24)])
                )),
            },
            Rule::Offsets(list) => {
                for at in list {
                    let end = at.at.saturating_add(at.bytes.len());
                    let Some(got) = part.get(at.at..end) else {
                        return fail(format!(
                            "{} of {} bytes, too short for offset {}",
                            self.part,
                            part.len(),
                            at.at
                        ));
                    };
                    let masked: Vec<u8> = match &at.mask {
                        Some(mask) => got.iter().zip(mask).map(|(g, m)| g & m).collect(),
                        None => got.to_vec(),
                    };
                    if masked != at.bytes {
                        return fail(format!("{} at {}", show(got), at.at));
                    }
                }
                Ok(())
            }
        }
    }
}

/// The status code of an HTTP/1.x response's status line
/// (`HTTP/1.1 200 OK`: RFC 9112 section 4), if the bytes start with one.
pub(crate) fn status_code(wire: &[u8]) -> Option<u16> {
    let rest = wire.strip_prefix(b"HTTP/1.")?;
    let (minor, rest) = rest.split_first()?;
    let rest = rest.strip_prefix(b" ")?;
    let code = rest.get(..3)?;
    if !minor.is_ascii_digit()
        || !code.iter().all(u8::is_ascii_digit)
        || !matches!(rest.get(3), Some(b' ' | b'\r'))
    {
        return None;
    }
    std::str::from_utf8(code).ok()?.parse().ok()
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::Wire => "frame",
            Part::Payload => "payload",
        })
    }
}

impl fmt::Display for Expect {
    /// `frame "+PONG\r\n"`, `payload starting "+"`, `payload with "\x80"&"\x80" at 2`,
    /// `RESP error, frame starting "-ERR"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(resp) = &self.resp {
            f.write_str("RESP ")?;
            for (i, v) in resp.values.iter().enumerate() {
                if i > 0 {
                    f.write_str(", then ")?;
                }
                write!(f, "{v}")?;
            }
            if self.rule == Rule::Any {
                return Ok(());
            }
            f.write_str("; ")?;
        }
        match &self.rule {
            Rule::Any => f.write_str("any complete frame"),
            Rule::Exact(b) => write!(f, "{} {}", self.part, show(b)),
            Rule::Prefix(b) => write!(f, "{} starting {}", self.part, show(b)),
            Rule::Status(codes) => {
                let codes: Vec<String> = codes.iter().map(u16::to_string).collect();
                write!(f, "an HTTP response with status {}", codes.join(" or "))
            }
            Rule::Offsets(list) => {
                write!(f, "{} with ", self.part)?;
                for (i, at) in list.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    match &at.mask {
                        Some(m) => write!(f, "{} under mask {}", show(&at.bytes), show(m))?,
                        None => f.write_str(&show(&at.bytes))?,
                    }
                    write!(f, " at {}", at.at)?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_rules_read_the_status_line() {
        let e = Expect {
            part: Part::Wire,
            rule: Rule::Status(vec![200, 405]),
            resp: None,
        };
        assert!(e.check(b"HTTP/1.1 200 OK\r\n\r\n", b"").is_ok());
        assert!(e.check(b"HTTP/1.0 405 Not Allowed\r\n\r\n", b"").is_ok());
        let m = e.check(b"HTTP/1.1 404 Not Found\r\n\r\n", b"").unwrap_err();
        assert_eq!(m.observed, "status 404");
        assert_eq!(m.expected, "an HTTP response with status 200 or 405");
        for bad in [
            &b"HTTP/1.1 20 OK\r\n"[..],
            b"HTTP/2 200 OK\r\n",
            b"HTTP/1.1 2000 OK",
            b"200 OK",
        ] {
            assert!(
                e.check(bad, b"")
                    .unwrap_err()
                    .observed
                    .starts_with("no HTTP")
            );
        }
        assert_eq!(status_code(b"HTTP/1.1 204\r\n"), Some(204));
    }

    fn at(at: usize, bytes: &[u8], mask: Option<&[u8]>) -> At {
        At {
            at,
            bytes: bytes.to_vec(),
            mask: mask.map(<[u8]>::to_vec),
        }
    }

    #[test]
    #[expect(
        clippy::type_complexity,
        reason = "a scenario table reads best as tuples"
    )]
    fn check_table() {
        let dns_flags = Rule::Offsets(vec![
            at(0, b"fc", None),
            at(2, b"\x80", Some(b"\x80")),
            at(3, b"\x00", Some(b"\x0f")),
        ]);
        let cases: [(&str, Part, Rule, &[u8], &[u8], Result<(), &str>); 11] = [
            ("any", Part::Wire, Rule::Any, b"x\n", b"x", Ok(())),
            (
                "exact_wire",
                Part::Wire,
                Rule::Exact(b"+PONG\r\n".to_vec()),
                b"+PONG\r\n",
                b"+PONG",
                Ok(()),
            ),
            (
                "exact_wire_payload_only",
                Part::Wire,
                Rule::Exact(b"+PONG".to_vec()),
                b"+PONG\r\n",
                b"+PONG",
                Err("observed frame \"+PONG\\r\\n\""),
            ),
            (
                "exact_payload",
                Part::Payload,
                Rule::Exact(b"+PONG".to_vec()),
                b"+PONG\r\n",
                b"+PONG",
                Ok(()),
            ),
            (
                "prefix_hit",
                Part::Wire,
                Rule::Prefix(b":".to_vec()),
                b":0\r\n",
                b":0",
                Ok(()),
            ),
            (
                "prefix_miss",
                Part::Wire,
                Rule::Prefix(b":".to_vec()),
                b"-ERR unknown command\r\n",
                b"",
                Err("starting \"-ERR unknown com\""),
            ),
            (
                "prefix_longer_than_frame",
                Part::Wire,
                Rule::Prefix(b"+PONG".to_vec()),
                b"+\r\n",
                b"+",
                Err("frame starting \"+\\r\\n\""),
            ),
            (
                "offsets_hit",
                Part::Payload,
                dns_flags.clone(),
                b"",
                b"fc\x81\x80",
                Ok(()),
            ),
            (
                "offsets_qr_clear",
                Part::Payload,
                dns_flags.clone(),
                b"",
                b"fc\x01\x00",
                Err("\"\\x01\" at 2"),
            ),
            (
                "offsets_rcode_refused",
                Part::Payload,
                dns_flags.clone(),
                b"",
                b"fc\x81\x85",
                Err("\"\\x85\" at 3"),
            ),
            (
                "offsets_short",
                Part::Payload,
                dns_flags,
                b"",
                b"fc",
                Err("payload of 2 bytes, too short for offset 2"),
            ),
        ];
        for (scenario, part, rule, wire, payload, want) in cases {
            let got = Expect::plain(part, rule).check(wire, payload);
            match (got, want) {
                (Ok(()), Ok(())) => {}
                (Err(m), Err(want)) => {
                    assert!(m.to_string().contains(want), "{scenario}: {m}");
                }
                (got, want) => panic!("{scenario}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn display_names_the_rule() {
        let e = Expect {
            part: Part::Payload,
            rule: Rule::Offsets(vec![at(0, b"fc", None), at(2, b"\x80", Some(b"\x80"))]),
            resp: None,
        };
        assert_eq!(
            e.to_string(),
            "payload with \"fc\" at 0, \"\\x80\" under mask \"\\x80\" at 2"
        );
        assert_eq!(Expect::ANY.to_string(), "any complete frame");
    }

    impl Expect {
        fn plain(part: Part, rule: Rule) -> Expect {
            Expect {
                part,
                rule,
                resp: None,
            }
        }
    }

    /// Types expected, the byte rule, the reply, and the verdict.
    type RespRow = (
        &'static [&'static str],
        Rule,
        &'static [u8],
        Result<(), &'static str>,
    );

    fn resp(values: &[&str], rule: Rule) -> Expect {
        Expect {
            part: Part::Wire,
            rule,
            resp: Some(RespCheck {
                mode: RespMode::Value,
                values: values.iter().map(|v| RespWant::parse(v).unwrap()).collect(),
            }),
        }
    }

    #[test]
    fn resp_types_are_checked_value_by_value() {
        let table: &[RespRow] = &[
            (&["simple-string"], Rule::Any, b"+PONG\r\n", Ok(())),
            (
                &["error"],
                Rule::Prefix(b"-ERR".to_vec()),
                b"-ERR unknown command 'X'\r\n",
                Ok(()),
            ),
            (
                &["error"],
                Rule::Prefix(b"-ERR".to_vec()),
                b"-WRONGTYPE x\r\n",
                Err("starting"),
            ),
            (
                &["integer"],
                Rule::Any,
                b"+0\r\n",
                Err("RESP simple-string \"+0\\r\\n\""),
            ),
            (&["bulk-string 2"], Rule::Any, b"$2\r\nhi\r\n", Ok(())),
            (
                &["bulk-string 3"],
                Rule::Any,
                b"$2\r\nhi\r\n",
                Err("bulk-string 2"),
            ),
            (&["array 2"], Rule::Any, b"*2\r\n$-1\r\n_\r\n", Ok(())),
            (&["array 2"], Rule::Any, b"*1\r\n$-1\r\n", Err("array 1")),
            (&["null"], Rule::Any, b"$-1\r\n", Ok(())),
            (
                &["map", "map 1"],
                Rule::Any,
                b"%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n%1\r\n+m\r\n+0\r\n",
                Ok(()),
            ),
            (
                &["map", "map 1"],
                Rule::Any,
                b"%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n",
                Err("map 2"),
            ),
            (
                &["map"],
                Rule::Any,
                b"%1\r\n+a\r\n:1\r\n:5\r\n",
                Err("then integer"),
            ),
            (
                &["integer"],
                Rule::Any,
                b"+OK\r",
                Err("no whole RESP value"),
            ),
        ];
        for (values, rule, wire, want) in table {
            let got = resp(values, rule.clone()).check(wire, wire);
            match (got, want) {
                (Ok(()), Ok(())) => {}
                (Err(m), Err(want)) => {
                    assert!(m.to_string().contains(want), "{values:?}: {m}");
                }
                (got, want) => panic!("{values:?} on {wire:?}: got {got:?}, want {want:?}"),
            }
        }
        assert_eq!(
            resp(&["error"], Rule::Prefix(b"-ERR".to_vec())).to_string(),
            "RESP error; frame starting \"-ERR\""
        );
        assert_eq!(
            resp(&["array 2", "map"], Rule::Any).to_string(),
            "RESP array 2, then map"
        );
    }

    #[test]
    fn resp_wants_parse_or_say_why_not() {
        assert_eq!(
            RespWant::parse("array 2"),
            Ok(RespWant {
                ty: RespType::Array,
                count: Some(2)
            })
        );
        for (text, needle) in [
            ("arrays", "no RESP type"),
            ("array x", "not a count"),
            ("integer 3", "takes no count"),
            ("array 2 3", "TYPE or TYPE N"),
        ] {
            let e = RespWant::parse(text).unwrap_err();
            assert!(e.contains(needle), "{text}: {e}");
        }
    }
}
