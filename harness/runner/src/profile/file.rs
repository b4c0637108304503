//! The profile file: TOML into raw serde structs, then checked into a
//! [`Profile`], with every complaint placed at a line, a column and a field.

use std::ops::Range;

use framecheck_framing::{Kind, Spec, transcript};
use serde::Deserialize;
use toml::Spanned;

use super::bytes::parse_hex;
use super::expect::{At, Expect, Part, RespCheck, RespWant, Rule};
use super::{Count, Exchange, MAX_EXCHANGES, MAX_REPLY_FRAMES, Profile, Reply};
use crate::Error;

/// The newest profile format version; 1 is still read, unchanged.
const VERSION: u32 = 2;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    version: Option<Spanned<u32>>,
    name: Option<String>,
    about: Option<String>,
    framing: RawFraming,
    opener: Option<RawExchange>,
    /// Format v2: several openers, in order (exclusive with `opener`).
    openers: Option<Spanned<Vec<RawExchange>>>,
    #[serde(default)]
    exchange: Vec<RawExchange>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFraming {
    request: Spanned<String>,
    reply: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExchange {
    name: Option<Spanned<String>>,
    send: Spanned<RawBytes>,
    expect: Option<Spanned<RawExpect>>,
    reply: Option<Spanned<RawReply>>,
    /// Format v2, openers only: the framing of this request.
    request: Option<Spanned<String>>,
}

/// Format v2: what makes up the reply.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReply {
    frames: Option<Spanned<usize>>,
    until: Option<Spanned<RawBytes>>,
    byte: Option<Spanned<bool>>,
    framing: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBytes {
    text: Option<Spanned<String>>,
    hex: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    part: Option<Part>,
    any: Option<Spanned<bool>>,
    exact: Option<Spanned<RawBytes>>,
    prefix: Option<Spanned<RawBytes>>,
    offsets: Option<Spanned<Vec<Spanned<RawAt>>>>,
    /// Format v2, RESP replies: each reply value's type.
    resp: Option<Spanned<Vec<Spanned<String>>>>,
    status: Option<Spanned<RawStatus>>,
}

/// `status = 200` or `status = [200, 405]`.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawStatus {
    One(i64),
    Many(Vec<i64>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAt {
    at: usize,
    text: Option<Spanned<String>>,
    hex: Option<Spanned<String>>,
    mask: Option<Spanned<String>>,
}

/// Turns spans into `origin:line:column: field: problem` errors.
struct Placer<'a> {
    text: &'a str,
    origin: &'a str,
}

impl Placer<'_> {
    fn err(&self, span: Range<usize>, field: &str, problem: impl Into<String>) -> Error {
        let start = span.start.min(self.text.len());
        let before = self.text.get(..start).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let column = before
            .rfind('\n')
            .map_or(before, |nl| &before[nl + 1..])
            .chars()
            .count()
            + 1;
        Error::InvalidProfile {
            origin: self.origin.to_owned(),
            line,
            column,
            field: field.to_owned(),
            problem: problem.into(),
        }
    }

    fn bytes(&self, raw: &Spanned<RawBytes>, field: &str) -> Result<Vec<u8>, Error> {
        self.text_or_hex(
            raw.span(),
            raw.get_ref().text.as_ref(),
            raw.get_ref().hex.as_ref(),
            field,
        )
    }

    fn text_or_hex(
        &self,
        span: Range<usize>,
        text: Option<&Spanned<String>>,
        hex: Option<&Spanned<String>>,
        field: &str,
    ) -> Result<Vec<u8>, Error> {
        match (text, hex) {
            (Some(t), None) => Ok(t.get_ref().as_bytes().to_vec()),
            (None, Some(h)) => {
                parse_hex(h.get_ref()).map_err(|e| self.err(h.span(), &format!("{field}.hex"), e))
            }
            (Some(t), Some(_)) => {
                Err(self.err(t.span(), field, "both text and hex given; give exactly one"))
            }
            (None, None) => Err(self.err(
                span,
                field,
                "no bytes given; write { text = \"...\" } or { hex = \"..\" }",
            )),
        }
    }

    fn spec(&self, raw: &Spanned<String>, field: &str) -> Result<Spec, Error> {
        raw.get_ref()
            .parse()
            .map_err(|e: framecheck_framing::Error| self.err(raw.span(), field, e.to_string()))
    }
}

/// Parse and check a profile.
pub(super) fn parse(text: &str, origin: &str) -> Result<Profile, Error> {
    let placer = Placer { text, origin };
    let raw: RawProfile = toml::from_str(text).map_err(|e| {
        placer.err(
            e.span().unwrap_or(0..0),
            "toml",
            e.message().trim_end().to_owned(),
        )
    })?;
    if let Some(v) = &raw.version {
        if !(1..=VERSION).contains(v.get_ref()) {
            return Err(placer.err(
                v.span(),
                "version",
                format!(
                    "version {} is not known; the versions are 1 and {VERSION}",
                    v.get_ref()
                ),
            ));
        }
    }
    let version = raw.version.as_ref().map_or(1, |v| *v.get_ref());
    let request = placer.spec(&raw.framing.request, "framing.request")?;
    let reply = placer.spec(&raw.framing.reply, "framing.reply")?;
    if raw.exchange.is_empty() {
        return Err(placer.err(
            0..0,
            "exchange",
            "no [[exchange]]; a profile needs at least one",
        ));
    }
    if raw.exchange.len() > MAX_EXCHANGES {
        let span = raw.exchange[MAX_EXCHANGES].send.span();
        return Err(placer.err(
            span,
            "exchange",
            format!("more than {MAX_EXCHANGES} exchanges"),
        ));
    }
    let check = Check {
        placer: &placer,
        request: &request,
        reply: &reply,
        version,
    };
    let mut openers = Vec::new();
    if let Some(o) = &raw.opener {
        openers.push(check.exchange(o, "opener", "opener", true)?);
    }
    if let Some(list) = &raw.openers {
        if version < 2 || raw.opener.is_some() || list.get_ref().is_empty() {
            return Err(placer.err(
                list.span(),
                "openers",
                "[[openers]] needs version = 2, at least one entry, and no [opener]",
            ));
        }
        for (i, o) in list.get_ref().iter().enumerate() {
            let field = format!("openers[{}]", i + 1);
            let checked = check.exchange(o, &field, &format!("opener-{}", i + 1), true)?;
            if openers.iter().any(|e: &Exchange| e.name == checked.name) {
                let span = o.name.as_ref().map_or(0..0, Spanned::span);
                return Err(placer.err(
                    span,
                    &format!("{field}.name"),
                    format!("name {:?} is used twice", checked.name),
                ));
            }
            openers.push(checked);
        }
    }
    let mut exchanges: Vec<Exchange> = Vec::with_capacity(raw.exchange.len());
    for (i, ex) in raw.exchange.iter().enumerate() {
        let field = format!("exchange[{}]", i + 1);
        let checked = check.exchange(ex, &field, &format!("exchange-{}", i + 1), false)?;
        if checked.name == "opener"
            || exchanges.iter().any(|e| e.name == checked.name)
            || openers.iter().any(|e| e.name == checked.name)
        {
            let span = ex.name.as_ref().map_or(0..0, Spanned::span);
            return Err(placer.err(
                span,
                &format!("{field}.name"),
                format!("name {:?} is used twice (or is \"opener\")", checked.name),
            ));
        }
        exchanges.push(checked);
    }
    Ok(Profile {
        name: raw.name.unwrap_or_default(),
        about: raw.about.unwrap_or_default(),
        origin: origin.to_owned(),
        request,
        reply,
        openers,
        exchanges,
    })
}

/// Checks exchanges against the profile's framings.
struct Check<'a> {
    placer: &'a Placer<'a>,
    request: &'a Spec,
    reply: &'a Spec,
    /// The file's format version.
    version: u32,
}

impl Check<'_> {
    fn exchange(
        &self,
        raw: &RawExchange,
        field: &str,
        default_name: &str,
        opener: bool,
    ) -> Result<Exchange, Error> {
        let p = self.placer;
        let name = match &raw.name {
            Some(n) => {
                let ok = !n.get_ref().is_empty()
                    && n.get_ref().len() <= 64
                    && n.get_ref()
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                if !ok {
                    return Err(p.err(
                        n.span(),
                        &format!("{field}.name"),
                        "a name is 1 to 64 of a-z, A-Z, 0-9, - and _ (it becomes part of case ids)",
                    ));
                }
                n.get_ref().clone()
            }
            None => default_name.to_owned(),
        };
        let send_field = format!("{field}.send");
        let send = p.bytes(&raw.send, &send_field)?;
        let own_request = match &raw.request {
            None => None,
            Some(r) if self.version < 2 || !opener => {
                return Err(p.err(
                    r.span(),
                    &format!("{field}.request"),
                    "a request framing of its own is for openers of version 2 (the cases frame exchanges with [framing] request)",
                ));
            }
            Some(r) => Some(p.spec(r, &format!("{field}.request"))?),
        };
        let request = own_request.as_ref().unwrap_or(self.request);
        let checked = if self.version >= 2 {
            whole_frames(request, &send).map(|_| ())
        } else {
            one_frame(request, &send)
        };
        checked.map_err(|problem| {
            p.err(
                raw.send.span(),
                &send_field,
                format!(
                    "not {} ({request}): {problem}",
                    if self.version >= 2 {
                        "whole request frames"
                    } else {
                        "one complete request frame"
                    },
                ),
            )
        })?;
        let reply = match &raw.reply {
            None => Reply::default(),
            Some(r) if self.version < 2 => {
                return Err(p.err(
                    r.span(),
                    &format!("{field}.reply"),
                    "a reply table needs version = 2 at the top of the file",
                ));
            }
            Some(r) => self.reply(r, &format!("{field}.reply"))?,
        };
        let framing = reply.framing.clone().unwrap_or_else(|| self.reply.clone());
        let own = Check {
            reply: &framing,
            ..*self
        };
        let expect = match &raw.expect {
            None => Expect::ANY,
            Some(e) => own.expect(e, &format!("{field}.expect"), &reply.count)?,
        };
        Ok(Exchange {
            name,
            send,
            expect,
            reply,
        })
    }

    /// Format v2's `reply` table: one of `frames`, `until`, `byte`, and
    /// optionally the reply's own `framing`.
    fn reply(&self, raw: &Spanned<RawReply>, field: &str) -> Result<Reply, Error> {
        let p = self.placer;
        let fields = raw.get_ref();
        let framing = fields
            .framing
            .as_ref()
            .map(|f| p.spec(f, &format!("{field}.framing")))
            .transpose()?;
        let given = [
            fields.frames.is_some(),
            fields.until.is_some(),
            fields.byte.is_some(),
        ];
        if given.iter().filter(|g| **g).count() > 1 {
            return Err(p.err(raw.span(), field, "give one of frames, until, byte"));
        }
        let count = if let Some(n) = &fields.frames {
            if !(1..=MAX_REPLY_FRAMES).contains(n.get_ref()) {
                return Err(p.err(
                    n.span(),
                    &format!("{field}.frames"),
                    format!("a reply is 1 to {MAX_REPLY_FRAMES} frames"),
                ));
            }
            Count::Frames(*n.get_ref())
        } else if let Some(until) = &fields.until {
            let sub = format!("{field}.until");
            let end = p.bytes(until, &sub)?;
            let spec = framing.as_ref().unwrap_or(self.reply);
            one_frame(spec, &end).map_err(|problem| {
                p.err(
                    until.span(),
                    &sub,
                    format!(
                        "not one complete reply frame ({spec}), so no reply could end: {problem}"
                    ),
                )
            })?;
            Count::Until(end)
        } else if let Some(byte) = &fields.byte {
            if !*byte.get_ref() {
                return Err(p.err(
                    byte.span(),
                    &format!("{field}.byte"),
                    "byte = false means nothing; leave it out",
                ));
            }
            if let Some(f) = &fields.framing {
                return Err(p.err(
                    f.span(),
                    &format!("{field}.framing"),
                    "an unframed byte has no framing",
                ));
            }
            Count::Byte
        } else {
            Count::Frames(1)
        };
        Ok(Reply { count, framing })
    }

    fn expect(
        &self,
        raw: &Spanned<RawExpect>,
        field: &str,
        count: &Count,
    ) -> Result<Expect, Error> {
        let placer = self.placer;
        let fields = raw.get_ref();
        let part = fields.part.unwrap_or_default();
        let given = [
            fields.any.is_some(),
            fields.exact.is_some(),
            fields.prefix.is_some(),
            fields.offsets.is_some(),
            fields.status.is_some(),
        ];
        if given.iter().filter(|g| **g).count() > 1 {
            return Err(placer.err(
                raw.span(),
                field,
                "give one of any, exact, prefix, offsets, status",
            ));
        }
        let rule = if let Some(any) = &fields.any {
            if !*any.get_ref() {
                return Err(placer.err(
                    any.span(),
                    &format!("{field}.any"),
                    "any = false means nothing; leave it out or give exact, prefix or offsets",
                ));
            }
            Rule::Any
        } else if let Some(exact) = &fields.exact {
            let sub = format!("{field}.exact");
            let bytes = placer.bytes(exact, &sub)?;
            if *count != Count::Frames(1) {
                self.group_fits(count, exact.span(), &sub, &bytes)?;
            } else if part == Part::Wire {
                one_frame(self.reply, &bytes).map_err(|problem| {
                    placer.err(
                        exact.span(),
                        &sub,
                        format!(
                            "not one complete reply frame ({}), so no reply could match: {problem}",
                            self.reply
                        ),
                    )
                })?;
            } else {
                self.fits(part, exact.span(), &sub, bytes.len())?;
            }
            Rule::Exact(bytes)
        } else if let Some(prefix) = &fields.prefix {
            let sub = format!("{field}.prefix");
            let bytes = placer.bytes(prefix, &sub)?;
            if bytes.is_empty() {
                return Err(placer.err(prefix.span(), &sub, "an empty prefix; write any = true"));
            }
            if *count == Count::Frames(1) {
                self.fits(part, prefix.span(), &sub, bytes.len())?;
            }
            Rule::Prefix(bytes)
        } else if let Some(offsets) = &fields.offsets {
            Rule::Offsets(self.offsets(part, offsets, field, count)?)
        } else if let Some(status) = &fields.status {
            Rule::Status(self.status(status, part, &format!("{field}.status"))?)
        } else {
            Rule::Any
        };
        let resp = match &fields.resp {
            None => None,
            Some(list) => Some(self.resp(list, &format!("{field}.resp"), count)?),
        };
        Ok(Expect { part, rule, resp })
    }

    /// `expect.resp`: one RESP type per reply value, for a RESP reply
    /// framing in format v2.
    fn resp(
        &self,
        list: &Spanned<Vec<Spanned<String>>>,
        field: &str,
        count: &Count,
    ) -> Result<RespCheck, Error> {
        let p = self.placer;
        let Kind::Resp(framing) = &self.reply.kind else {
            return Err(p.err(
                list.span(),
                field,
                format!(
                    "RESP types need a RESP reply framing (resp or resp2), not {}",
                    self.reply
                ),
            ));
        };
        if self.version < 2 {
            return Err(p.err(
                list.span(),
                field,
                "RESP types need version = 2 at the top of the file",
            ));
        }
        let values = list
            .get_ref()
            .iter()
            .enumerate()
            .map(|(i, v)| {
                RespWant::parse(v.get_ref())
                    .map_err(|e| p.err(v.span(), &format!("{field}[{}]", i + 1), e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let fits = match count {
            Count::Frames(n) => values.len() == *n,
            Count::Until(_) => !values.is_empty(),
            Count::Byte => false,
        };
        if !fits {
            return Err(p.err(
                list.span(),
                field,
                format!(
                    "{} types for a reply of {}; give one type per reply value",
                    values.len(),
                    match count {
                        Count::Frames(n) => format!("{n} frames"),
                        Count::Until(_) => "frames up to its terminator".to_owned(),
                        Count::Byte => "one unframed byte".to_owned(),
                    }
                ),
            ));
        }
        Ok(RespCheck {
            mode: framing.mode,
            values,
        })
    }

    /// Refuse an exact reply of several frames (or of one byte) that no
    /// reply of this shape could be.
    fn group_fits(
        &self,
        count: &Count,
        span: Range<usize>,
        field: &str,
        bytes: &[u8],
    ) -> Result<(), Error> {
        let problem = match count {
            Count::Byte if bytes.len() == 1 => return Ok(()),
            Count::Byte => format!("{} bytes for a reply of one unframed byte", bytes.len()),
            Count::Frames(n) => match whole_frames(self.reply, bytes) {
                Ok(k) if k == *n => return Ok(()),
                Ok(k) => format!("{k} reply frames ({}) for a reply of {n}", self.reply),
                Err(e) => format!("not whole reply frames ({}): {e}", self.reply),
            },
            Count::Until(end) => match whole_frames(self.reply, bytes) {
                Ok(_) if bytes.ends_with(end) => return Ok(()),
                Ok(_) => "does not end with the reply's terminator frame".to_owned(),
                Err(e) => format!("not whole reply frames ({}): {e}", self.reply),
            },
        };
        Err(self
            .placer
            .err(span, field, format!("{problem}, so no reply could match")))
    }

    /// Refuse a check that reaches past the largest possible reply part.
    fn fits(&self, part: Part, span: Range<usize>, field: &str, end: usize) -> Result<(), Error> {
        let limit = match part {
            Part::Wire => self.reply.max().saturating_add(self.reply.overhead()),
            Part::Payload => self.reply.max(),
        };
        if end <= limit {
            return Ok(());
        }
        Err(self.placer.err(
            span,
            field,
            format!(
                "reaches byte {end}, past the largest reply {part} of {limit} bytes ({})",
                self.reply
            ),
        ))
    }

    /// `expect.status`: 1 to 16 status codes (100 to 999), on the wire of
    /// an `http1:response` reply.
    fn status(&self, raw: &Spanned<RawStatus>, part: Part, field: &str) -> Result<Vec<u16>, Error> {
        let p = self.placer;
        if !self.reply.to_string().starts_with("http1:response") {
            return Err(p.err(
                raw.span(),
                field,
                format!(
                    "a status code needs HTTP responses: the reply framing is {}, not http1:response",
                    self.reply
                ),
            ));
        }
        if part != Part::Wire {
            return Err(p.err(
                raw.span(),
                field,
                "a status code is in the status line: leave part out (the wire)",
            ));
        }
        let codes = match raw.get_ref() {
            RawStatus::One(c) => vec![*c],
            RawStatus::Many(list) => list.clone(),
        };
        if codes.is_empty() || codes.len() > 16 {
            return Err(p.err(raw.span(), field, "give 1 to 16 status codes"));
        }
        codes
            .iter()
            .map(|&c| {
                u16::try_from(c)
                    .ok()
                    .filter(|c| (100..=999).contains(c))
                    .ok_or_else(|| {
                        p.err(
                            raw.span(),
                            field,
                            format!("{c} is no status code (three digits, 100 to 999)"),
                        )
                    })
            })
            .collect()
    }

    fn offsets(
        &self,
        part: Part,
        offsets: &Spanned<Vec<Spanned<RawAt>>>,
        field: &str,
        count: &Count,
    ) -> Result<Vec<At>, Error> {
        let placer = self.placer;
        if offsets.get_ref().is_empty() {
            return Err(placer.err(
                offsets.span(),
                &format!("{field}.offsets"),
                "an empty list; write any = true",
            ));
        }
        let mut list = Vec::with_capacity(offsets.get_ref().len());
        for (i, raw_at) in offsets.get_ref().iter().enumerate() {
            let sub = format!("{field}.offsets[{}]", i + 1);
            let fields = raw_at.get_ref();
            let bytes = placer.text_or_hex(
                raw_at.span(),
                fields.text.as_ref(),
                fields.hex.as_ref(),
                &sub,
            )?;
            if bytes.is_empty() {
                return Err(placer.err(raw_at.span(), &sub, "no bytes to compare"));
            }
            let mask = match &fields.mask {
                None => None,
                Some(raw_mask) => Some(placer.mask(raw_mask, &bytes, &format!("{sub}.mask"))?),
            };
            if *count == Count::Frames(1) {
                self.fits(
                    part,
                    raw_at.span(),
                    &sub,
                    fields.at.saturating_add(bytes.len()),
                )?;
            }
            list.push(At {
                at: fields.at,
                bytes,
                mask,
            });
        }
        Ok(list)
    }
}

impl Placer<'_> {
    fn mask(&self, raw: &Spanned<String>, bytes: &[u8], field: &str) -> Result<Vec<u8>, Error> {
        let mask = parse_hex(raw.get_ref()).map_err(|err| self.err(raw.span(), field, err))?;
        if mask.len() != bytes.len() {
            return Err(self.err(
                raw.span(),
                field,
                format!(
                    "mask of {} bytes for {} expected bytes; make them the same length",
                    mask.len(),
                    bytes.len()
                ),
            ));
        }
        if bytes.iter().zip(&mask).any(|(b, m)| b & !m != 0) {
            return Err(self.err(
                raw.span(),
                field,
                "an expected bit lies outside the mask, so no reply could match",
            ));
        }
        Ok(mask)
    }
}

/// How many frames `bytes` hold when they decode as one or more whole
/// frames of `spec`.
fn whole_frames(spec: &Spec, bytes: &[u8]) -> Result<usize, String> {
    let t = transcript(spec, [bytes]);
    if let Err(e) = t.end {
        return Err(e.to_string());
    }
    match t.frames.len() {
        0 => Err("no frame at all".to_owned()),
        n => Ok(n),
    }
}

/// `Ok` when `bytes` decode as exactly one complete frame of `spec`.
fn one_frame(spec: &Spec, bytes: &[u8]) -> Result<(), String> {
    let t = transcript(spec, [bytes]);
    if let Err(e) = t.end {
        return Err(e.to_string());
    }
    match t.frames.len() {
        1 => Ok(()),
        0 => Err("no frame at all".to_owned()),
        n => Err(format!(
            "{n} frames; an exchange sends one (the first ends at byte {})",
            t.frames[0].wire.len()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "[framing]\nrequest = \"crlf\"\nreply = \"u16be\"\n";

    #[test]
    fn errors_name_line_column_and_field() {
        let cases: [(&str, &str, &str); 19] = [
            ("toml_syntax", "[framing\n", "t:1:"),
            (
                "unknown_key",
                "[framing]\nrequest = \"crlf\"\nreply = \"crlf\"\ncolour = 1\n",
                "t:4:1: toml: unknown field `colour`",
            ),
            (
                "missing_reply",
                "[framing]\nrequest = \"crlf\"\n",
                "missing field `reply`",
            ),
            (
                "bad_spec",
                "[framing]\nrequest = \"crlf\"\nreply = \"u33be\"\n",
                "t:3:9: framing.reply: bad framing spec \"u33be\"",
            ),
            ("no_exchange", HEAD, "exchange: no [[exchange]]"),
            (
                "bad_version",
                "version = 3\n[framing]\nrequest = \"crlf\"\nreply = \"crlf\"\n",
                "t:1:11: version: version 3 is not known",
            ),
            (
                "odd_hex",
                "[[exchange]]\nsend.hex = \"abc\"\n",
                "t:5:12: exchange[1].send.hex: 3 hex digits is an odd number",
            ),
            (
                "no_bytes",
                "[[exchange]]\nsend = {}\n",
                "exchange[1].send: no bytes given",
            ),
            (
                "both_text_and_hex",
                "[[exchange]]\nsend = { text = \"a\\r\\n\", hex = \"00\" }\n",
                "exchange[1].send: both text and hex",
            ),
            (
                "send_not_a_frame",
                "[[exchange]]\nsend.text = \"PING\"\n",
                "t:5:",
            ),
            (
                "send_two_frames",
                "[[exchange]]\nsend.text = \"A\\r\\nB\\r\\n\"\n",
                "2 frames; an exchange sends one (the first ends at byte 3)",
            ),
            (
                "two_rules",
                "[[exchange]]\nsend.text = \"A\\r\\n\"\nexpect = { any = true, prefix.hex = \"00\" }\n",
                "exchange[1].expect: give one of any",
            ),
            (
                "exact_not_a_frame",
                "[[exchange]]\nsend.text = \"A\\r\\n\"\nexpect.exact.hex = \"0005 ab\"\n",
                "not one complete reply frame (u16be)",
            ),
            (
                "mask_length",
                "[[exchange]]\nsend.text = \"A\\r\\n\"\nexpect.offsets = [{ at = 0, hex = \"00\", mask = \"ffff\" }]\n",
                "exchange[1].expect.offsets[1].mask: mask of 2 bytes for 1",
            ),
            (
                "bit_outside_mask",
                "[[exchange]]\nsend.text = \"A\\r\\n\"\nexpect.offsets = [{ at = 0, hex = \"81\", mask = \"80\" }]\n",
                "outside the mask",
            ),
            (
                "offset_past_max",
                "[[exchange]]\nsend.text = \"A\\r\\n\"\nexpect.offsets = [{ at = 65536, hex = \"0000\" }]\n",
                "reaches byte 65538, past the largest reply frame of 65537 bytes",
            ),
            (
                "status_not_http",
                "[[exchange]]\nsend.text = \"A\\r\\n\"\nexpect.status = 200\n",
                "t:6:17: exchange[1].expect.status: a status code needs HTTP responses: the reply framing is u16be",
            ),
            (
                "status_and_prefix",
                "[[exchange]]\nsend.text = \"A\\r\\n\"\nexpect = { status = 200, prefix.hex = \"00\" }\n",
                "give one of any, exact, prefix, offsets, status",
            ),
            (
                "duplicate_name",
                "[[exchange]]\nname = \"a\"\nsend.text = \"A\\r\\n\"\n[[exchange]]\nname = \"a\"\nsend.text = \"B\\r\\n\"\n",
                "t:8:8: exchange[2].name: name \"a\" is used twice",
            ),
        ];
        for (scenario, body, want) in cases {
            let text = if body.starts_with("[[") {
                format!("{HEAD}{body}")
            } else {
                body.to_owned()
            };
            let err = parse(&text, "t").expect_err(scenario).to_string();
            assert!(err.contains(want), "{scenario}: {err}");
            assert!(err.starts_with("t:"), "{scenario}: no place in {err}");
        }
    }

    #[test]
    fn offset_past_max_is_refused_but_at_max_is_fine() {
        // u16be: largest frame 2 + 65535 bytes, so offset 65535 + 2 bytes is the last fit.
        let ok = format!(
            "{HEAD}[[exchange]]\nsend.text = \"A\\r\\n\"\nexpect.offsets = [{{ at = 65535, hex = \"00 00\" }}]\n"
        );
        assert!(parse(&ok, "t").is_ok());
    }

    #[test]
    fn a_full_profile_parses_every_form() {
        let text = format!(
            "{HEAD}[opener]\nsend.hex = \"48 49 0d 0a\"\nexpect.exact.hex = \"0001 2a\"\n\
             [[exchange]]\nname = \"p\"\nsend.text = \"P\\r\\n\"\nexpect = {{ part = \"payload\", prefix.text = \"ok\" }}\n\
             [[exchange]]\nsend.text = \"Q\\r\\n\"\n"
        );
        let p = parse(&text, "t").expect("parses");
        let opener = &p.openers[0];
        assert_eq!(opener.send, b"HI\r\n");
        assert_eq!(opener.expect.rule, Rule::Exact(b"\x00\x01*".to_vec()));
        assert_eq!(p.exchanges[0].expect.part, Part::Payload);
        assert_eq!(p.exchanges[0].expect.rule, Rule::Prefix(b"ok".to_vec()));
        assert_eq!(p.exchanges[1].name, "exchange-2");
        assert_eq!(p.exchanges[1].expect, Expect::ANY);
    }

    const V2: &str = "version = 2\n[framing]\nrequest = \"crlf\"\nreply = \"crlf\"\n";

    #[test]
    fn version_2_replies_of_several_frames() {
        let text = format!(
            "{V2}[opener]\nsend.hex = \"00 00 00 08 04 d2 16 2f\"\nreply.byte = true\nexpect.exact.text = \"N\"\n\
             [[exchange]]\nname = \"get\"\nsend.text = \"get k\\r\\n\"\nreply.until.text = \"END\\r\\n\"\n\
             expect.exact.text = \"VALUE k 0 5\\r\\nhello\\r\\nEND\\r\\n\"\n\
             [[exchange]]\nname = \"set\"\nsend.text = \"set k 0 0 5\\r\\nhello\\r\\n\"\nexpect.exact.text = \"STORED\\r\\n\"\n\
             [[exchange]]\nname = \"two\"\nsend.text = \"x\\r\\n\"\nreply = {{ frames = 2, framing = \"line\" }}\n"
        );
        // The opener is no crlf frame: request framing of this test is crlf,
        // so give it as one.
        let text = text.replace("00 00 00 08 04 d2 16 2f", "53 53 4c 0d 0a");
        let p = parse(&text, "t").expect("parses");
        let opener = &p.openers[0];
        assert_eq!(opener.reply.count, Count::Byte);
        assert_eq!(
            p.exchanges[0].reply.count,
            Count::Until(b"END\r\n".to_vec())
        );
        assert_eq!(p.exchanges[1].send, b"set k 0 0 5\r\nhello\r\n");
        assert_eq!(p.exchanges[1].reply, Reply::default());
        assert_eq!(p.exchanges[2].reply.count, Count::Frames(2));
        assert_eq!(
            p.exchanges[2]
                .reply
                .framing
                .as_ref()
                .map(ToString::to_string),
            Some("line".to_owned())
        );
        assert!(p.grouped());
    }

    #[test]
    fn version_2_errors_name_line_column_and_field() {
        let ex = "[[exchange]]\nsend.text = \"A\\r\\n\"\n";
        let cases: [(&str, String, &str); 8] = [
            (
                "reply_in_version_1",
                format!("{HEAD}{ex}reply.frames = 2\n"),
                "t:6:1: exchange[1].reply: a reply table needs version = 2",
            ),
            (
                "two_frames_in_version_1",
                format!("{HEAD}[[exchange]]\nsend.text = \"A\\r\\nB\\r\\n\"\n"),
                "2 frames; an exchange sends one",
            ),
            (
                "zero_frames",
                format!("{V2}{ex}reply.frames = 0\n"),
                "t:7:16: exchange[1].reply.frames: a reply is 1 to 1024 frames",
            ),
            (
                "two_counts",
                format!("{V2}{ex}reply = {{ frames = 2, byte = true }}\n"),
                "exchange[1].reply: give one of frames, until, byte",
            ),
            (
                "until_not_a_frame",
                format!("{V2}{ex}reply.until.text = \"END\"\n"),
                "exchange[1].reply.until: not one complete reply frame (crlf)",
            ),
            (
                "byte_with_framing",
                format!("{V2}{ex}reply = {{ byte = true, framing = \"line\" }}\n"),
                "exchange[1].reply.framing: an unframed byte has no framing",
            ),
            (
                "exact_not_the_count",
                format!("{V2}{ex}reply.frames = 2\nexpect.exact.text = \"A\\r\\n\"\n"),
                "exchange[1].expect.exact: 1 reply frames (crlf) for a reply of 2",
            ),
            (
                "send_not_whole_frames",
                format!("{V2}[[exchange]]\nsend.text = \"A\\r\\nB\"\n"),
                "t:6:1: exchange[1].send: not whole request frames (crlf)",
            ),
        ];
        for (scenario, text, want) in cases {
            let err = parse(&text, "t").expect_err(scenario).to_string();
            assert!(err.contains(want), "{scenario}: {err}");
        }
    }

    #[test]
    fn resp_types_are_checked_where_they_are_written() {
        const RESP: &str = "version = 2\n[framing]\nrequest = \"resp:request\"\nreply = \"resp\"\n[[exchange]]\nsend.text = \"PING\\r\\n\"\n";
        let ok = format!(
            "{RESP}expect.resp = [\"simple-string\"]\nexpect.exact.text = \"+PONG\\r\\n\"\n"
        );
        let p = parse(&ok, "t").expect("resp types");
        assert_eq!(
            p.exchanges[0].expect.check(b"+PONG\r\n", b"+PONG\r\n"),
            Ok(())
        );
        assert!(
            p.exchanges[0]
                .expect
                .check(b"$4\r\nPONG\r\n", b"PONG")
                .is_err()
        );
        let cases: [(&str, String, &str); 5] = [
            (
                "unknown_type",
                format!("{RESP}expect.resp = [\"simple-string\", \"arrays 2\"]\n"),
                "t:7:33: exchange[1].expect.resp[2]: \"arrays\" is no RESP type",
            ),
            (
                "count_on_an_integer",
                format!("{RESP}expect.resp = [\"integer 2\"]\n"),
                "exchange[1].expect.resp[1]: integer takes no count",
            ),
            (
                "types_not_the_frame_count",
                format!("{RESP}reply.frames = 2\nexpect.resp = [\"map\"]\n"),
                "t:8:15: exchange[1].expect.resp: 1 types for a reply of 2 frames",
            ),
            (
                "not_a_resp_framing",
                format!(
                    "version = 2\n{HEAD}[[exchange]]\nsend.text = \"A\\r\\n\"\nexpect.resp = [\"error\"]\n"
                ),
                "exchange[1].expect.resp: RESP types need a RESP reply framing (resp or resp2), not u16be",
            ),
            (
                "version_1",
                RESP.replace("version = 2", "version = 1") + "expect.resp = [\"error\"]\n",
                "exchange[1].expect.resp: RESP types need version = 2",
            ),
        ];
        for (scenario, text, want) in cases {
            let err = parse(&text, "t").expect_err(scenario).to_string();
            assert!(err.contains(want), "{scenario}: {err}");
        }
    }

    #[test]
    fn version_1_files_read_as_before() {
        let text = format!(
            "version = 1\n{}[[exchange]]\nsend.text = \"A\\r\\n\"\n",
            &HEAD
        );
        let p = parse(&text, "t").expect("v1");
        assert_eq!(p.exchanges[0].reply, Reply::default());
        assert!(!p.grouped());
    }
}
