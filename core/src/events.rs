//! The byte pump under every event stream: HTTP body chunks in, parsed SSE events out, with the
//! idle deadline and the ways a connection can fail turned into typed errors. The chat stream
//! and the generic event stream of the endpoint engine both read through it.

use std::collections::VecDeque;
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};

use crate::error::{Error, ErrorKind, Result, TimeoutPhase};
use crate::sse::{SseEvent, SseParser};

pub(crate) type ByteStream = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

/// SSE events read from a response body.
pub(crate) struct SseSource {
    body: ByteStream,
    parser: SseParser,
    pending: VecDeque<SseEvent>,
    scratch: Vec<SseEvent>,
    idle: Option<Duration>,
    /// Events handed out so far (for messages).
    pub(crate) events: u64,
}

/// How a body ended when no more events came.
pub(crate) enum End {
    /// The server closed the connection cleanly; `mid_event` when it cut an event in two.
    Closed { mid_event: bool },
}

impl SseSource {
    pub(crate) fn new(body: ByteStream, idle: Option<Duration>) -> SseSource {
        SseSource {
            body,
            parser: SseParser::new(),
            pending: VecDeque::new(),
            scratch: Vec::new(),
            idle,
            events: 0,
        }
    }

    /// The next event; `Ok(Err(End))` when the body ended; `Err` for a reset, an idle timeout or
    /// bytes that are not an event stream.
    pub(crate) async fn next_event(&mut self) -> Result<std::result::Result<SseEvent, End>> {
        loop {
            if let Some(ev) = self.pending.pop_front() {
                self.events += 1;
                return Ok(Ok(ev));
            }
            let next = match self.idle {
                Some(t) => match tokio::time::timeout(t, self.body.next()).await {
                    Ok(n) => n,
                    Err(_) => return Err(Error::timeout(TimeoutPhase::StreamIdle, Some(t))),
                },
                None => self.body.next().await,
            };
            match next {
                Some(Ok(bytes)) => {
                    self.parser
                        .feed(&bytes, &mut self.scratch)
                        .map_err(|e| Error::decode(format!("malformed event stream: {e}"), ""))?;
                    self.pending.extend(self.scratch.drain(..));
                }
                Some(Err(e)) => {
                    let e = e.without_url();
                    return Err(Error::new(
                        ErrorKind::StreamTruncated,
                        format!(
                            "stream interrupted after {} events: {}",
                            self.events,
                            crate::client::chain(&e)
                        ),
                    )
                    .with_source(e));
                }
                None => {
                    return Ok(Err(End::Closed {
                        mid_event: self.parser.finish(),
                    }));
                }
            }
        }
    }

    /// Forgets events already parsed but not handed out (after a terminal event).
    pub(crate) fn discard_pending(&mut self) {
        self.pending.clear();
    }
}
