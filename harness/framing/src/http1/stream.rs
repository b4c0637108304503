//! The decoder's HTTP/1 state: where it is in the current message, and the
//! methods that frame the responses to come.

use std::collections::VecDeque;

use super::StartLine;
use super::chunked::{Chunked, Feed};
use super::head::HeadScan;
use super::length::BodyLength;
use super::{Http1, Problem};
use crate::{Error, Stage};

/// The least [`Stream::budget`] takes at a time while a message's end is
/// unknown: a typical request's head or small chunked body.
const STEP: usize = 512;

/// An `http1:` stream in progress.
#[derive(Debug, Clone)]
pub(crate) struct Stream {
    cfg: Http1,
    max: usize,
    /// Methods of requests pushed, not yet answered.
    queue: VecDeque<Vec<u8>>,
    /// Final responses framed so far.
    answered: usize,
    state: State,
}

#[derive(Debug, Clone)]
enum State {
    /// In the header section.
    Head(HeadScan),
    /// A body of known length: the message ends at `total`.
    Body { head: usize, total: usize },
    /// A chunked body, processed up to `pos`.
    Chunked {
        head: usize,
        pos: usize,
        body: Chunked,
    },
    /// A body read to the end of the stream.
    Close { head: usize },
}

/// How far a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Progress {
    /// The message goes on past the bytes given.
    More,
    /// The message is `total` bytes, its header section `head`.
    Done { head: usize, total: usize },
}

impl Stream {
    pub(crate) fn new(cfg: &Http1, max: usize) -> Stream {
        Stream {
            cfg: cfg.clone(),
            max,
            queue: VecDeque::new(),
            answered: 0,
            state: State::Head(HeadScan::new(false)),
        }
    }

    /// Queue the method of a request whose response is still to come.
    pub(crate) fn push_method(&mut self, method: &[u8]) {
        self.queue.push_back(method.to_vec());
    }

    /// Start a new message.
    #[inline]
    pub(crate) fn reset(&mut self) {
        self.state = State::Head(HeadScan::new(false));
    }

    /// The most bytes to take into the held buffer now, holding `held`:
    /// enough to find the head's end or overflow it, the rest of a known
    /// body, or up to the bounds of a chunked or close-delimited body.
    ///
    /// Where the message's end is not known yet (a head, a chunked body),
    /// at most as much as is held (and at least [`STEP`]) is taken at a
    /// time: what lies past the message's end is copied and given back, so
    /// a large read is not copied whole for the end of a small message,
    /// while a long message is still copied in O(its length).
    pub(crate) fn budget(&self, held: usize) -> usize {
        let step = held + held.max(STEP);
        let bound = match &self.state {
            State::Head(_) => (self.cfg.head + 1).min(step),
            State::Body { total, .. } => *total,
            State::Chunked { head, .. } => (head + self.max + self.cfg.head + 1).min(step),
            State::Close { head } => head + self.max + self.cfg.head + 1,
        };
        bound.saturating_sub(held)
    }

    /// The head and total length of a message whose body has a known
    /// length, once its head is in.
    #[inline]
    pub(crate) fn known_body(&self) -> Option<(usize, usize)> {
        match self.state {
            State::Body { head, total } => Some((head, total)),
            _ => None,
        }
    }

    /// Where the stream stopped if it ends now: the frame of a body read to
    /// close (its head's length), or the stage it was cut in.
    pub(crate) fn at_end(&self) -> Result<usize, Stage> {
        match &self.state {
            State::Close { head } => Ok(*head),
            State::Head(_) => Err(Stage::Header),
            State::Body { .. } | State::Chunked { .. } => Err(Stage::Body),
        }
    }

    /// Go on with the message whose bytes so far are `msg` (at stream
    /// offset `offset`, for errors).
    #[inline]
    pub(crate) fn run(&mut self, msg: &[u8], offset: u64) -> Result<Progress, Error> {
        loop {
            match &mut self.state {
                State::Head(scan) => {
                    let Some(head) = scan.advance(msg, &self.cfg).map_err(|p| p.at(offset))? else {
                        return Ok(Progress::More);
                    };
                    let length = self.length(head, offset)?;
                    self.state = match length {
                        BodyLength::Length(n) => {
                            let n = usize::try_from(n).ok().filter(|&n| n <= self.max).ok_or(
                                Error::TooLarge {
                                    offset,
                                    len: n,
                                    max: self.max,
                                },
                            )?;
                            State::Body {
                                head,
                                total: head + n,
                            }
                        }
                        BodyLength::Chunked => State::Chunked {
                            head,
                            pos: head,
                            body: Chunked::new(
                                self.cfg.lenient,
                                self.max as u64,
                                self.cfg.ext,
                                self.cfg.head,
                                self.cfg.headers,
                            ),
                        },
                        BodyLength::Close | BodyLength::Tunnel => State::Close { head },
                    };
                }
                State::Body { head, total } => {
                    return Ok(if msg.len() >= *total {
                        Progress::Done {
                            head: *head,
                            total: *total,
                        }
                    } else {
                        Progress::More
                    });
                }
                State::Chunked { head, pos, body } => {
                    let fed = body
                        .feed(msg.get(*pos..).unwrap_or_default())
                        .map_err(|p| p.at(offset))?;
                    return Ok(match fed {
                        Feed::Done(n) => Progress::Done {
                            head: *head,
                            total: *pos + n,
                        },
                        Feed::More => {
                            *pos = msg.len();
                            Progress::More
                        }
                    });
                }
                State::Close { head } => {
                    if msg.len() - *head > self.max {
                        return Err(Error::Overflow {
                            offset,
                            max: self.max,
                        });
                    }
                    return Ok(Progress::More);
                }
            }
        }
    }

    /// The body length of the message whose head just ended.
    #[inline]
    fn length(&mut self, _head: usize, offset: u64) -> Result<BodyLength, Error> {
        let State::Head(scan) = &self.state else {
            unreachable!("length is asked when a head ends")
        };
        let Some(start) = &scan.start else {
            unreachable!("a head that ended has a start line")
        };
        let method = match *start {
            // A final response (or a 101) answers the oldest request.
            StartLine::Response { status, .. } if status >= 200 || status == 101 => {
                let pushed = self.queue.pop_front();
                let n = self.answered;
                self.answered += 1;
                pushed.unwrap_or_else(|| self.cfg.method(n).to_vec())
            }
            _ => Vec::new(),
        };
        scan.lengths
            .decide(start, &method, self.cfg.lenient)
            .map_err(|p: Problem| p.at(offset))
    }
}
