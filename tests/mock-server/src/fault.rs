//! Parsing of the `x-mock-fault` request header.

use std::time::Duration;

/// The faults one request asked for. `Fault::default()` is "behave normally".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fault {
    pub status: Option<u16>,
    pub code: Option<String>,
    pub html: bool,
    pub times: Option<u32>,
    pub retry_after: Option<String>,
    pub retry_after_ms: Option<String>,
    pub retry_after_date: Option<u64>,
    pub should_retry: Option<bool>,
    pub delay_headers: Duration,
    pub latency: Option<Duration>,
    pub dribble: Option<Duration>,
    pub drop: bool,
    pub reset: bool,
    pub malformed_json: bool,
    pub empty_body: bool,
    pub content_type: Option<String>,
    pub events: Option<usize>,
    pub interval: Duration,
    pub stall_after: Option<usize>,
    pub reset_after: Option<usize>,
    pub close_after: Option<usize>,
    pub truncate_after: Option<usize>,
    pub error_after: Option<usize>,
    pub split_bytes: bool,
    /// The whole SSE body in one write, at the end (a benchmark of parsing, not of the network).
    pub one_write: bool,
    /// Responses streams: a `response.mock_unknown` event after N deltas.
    pub unknown_event_after: Option<usize>,
    /// Responses streams: events without `sequence_number`.
    pub no_sequence_number: bool,
    /// Batches: `GET`s until a batch created with this header completes.
    pub batch_polls: Option<u32>,
    /// An enforced rate limit for this test id: requests per minute.
    pub rpm: Option<u64>,
    /// An enforced rate limit for this test id: tokens per minute.
    pub tpm: Option<u64>,
    /// The bucket size of `rpm`/`tpm`, as the time it takes to refill.
    pub rate_window: Option<Duration>,
    pub echo_key: Option<crate::echo::Echo>,
    /// Chat: the reply (or tool call arguments) is the last user text as is.
    pub verbatim: bool,
    /// Chat: the finish reason every choice reports.
    pub finish_reason: Option<&'static str>,
}

/// What a stream does once its fault point is reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamCut {
    Stall,
    Reset,
    Close,
    Truncate,
    Error,
}

/// Keeps `events=N` from turning a typo into gigabytes of reply.
const MAX_EVENTS: usize = 1_000_000;

impl Fault {
    /// Parses `key=value;key=value;flag`. Unknown keys and bad values are
    /// errors (answered with a 400) so that a typo in a test is loud instead
    /// of silently testing the happy path.
    pub fn parse(spec: &str) -> Result<Fault, String> {
        let mut f = Fault::default();
        for part in spec.split(';') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let (key, value) = match part.split_once('=') {
                Some((k, v)) => (k.trim(), Some(v.trim())),
                None => (part, None),
            };
            let need = || value.ok_or_else(|| format!("x-mock-fault: '{key}' needs a value"));
            let num = || -> Result<u64, String> {
                let v = need()?;
                v.parse::<u64>()
                    .map_err(|_| format!("x-mock-fault: '{key}' wants a number, got '{v}'"))
            };
            let ms = || num().map(Duration::from_millis);
            let count = || num().map(|n| n as usize);
            match key {
                "status" => {
                    let n = num()?;
                    if !(100..=999).contains(&n) {
                        return Err(format!("x-mock-fault: status {n} is not an HTTP status"));
                    }
                    f.status = Some(n as u16);
                }
                "code" => f.code = Some(need()?.to_owned()),
                "body" => match need()? {
                    "html" => f.html = true,
                    other => return Err(format!("x-mock-fault: unknown body '{other}'")),
                },
                "times" => f.times = Some(num()?.min(u32::MAX as u64) as u32),
                "retry-after" => f.retry_after = Some(need()?.to_owned()),
                "retry-after-ms" => f.retry_after_ms = Some(need()?.to_owned()),
                "retry-after-date" => {
                    let v = need()?;
                    let secs = v.strip_prefix('+').unwrap_or(v);
                    f.retry_after_date = Some(secs.parse().map_err(|_| {
                        format!("x-mock-fault: retry-after-date wants +SECONDS, got '{v}'")
                    })?);
                }
                "should-retry" => {
                    f.should_retry = Some(match need()? {
                        "true" => true,
                        "false" => false,
                        v => {
                            return Err(format!(
                                "x-mock-fault: should-retry wants true|false, got '{v}'"
                            ));
                        }
                    })
                }
                "delay-headers" => f.delay_headers = ms()?,
                "latency" => f.latency = Some(ms()?),
                "dribble" => f.dribble = Some(ms()?),
                "drop" => f.drop = true,
                "reset" => f.reset = true,
                "malformed-json" => f.malformed_json = true,
                "empty-body" => f.empty_body = true,
                "content-type" => f.content_type = Some(need()?.to_owned()),
                "events" => f.events = Some(count()?.min(MAX_EVENTS)),
                "interval" => f.interval = ms()?,
                "stall-after" => f.stall_after = Some(count()?),
                "reset-after" => f.reset_after = Some(count()?),
                "close-after" => f.close_after = Some(count()?),
                "truncate-after" => f.truncate_after = Some(count()?),
                "error-after" => f.error_after = Some(count()?),
                "split-bytes" => f.split_bytes = true,
                "one-write" => f.one_write = true,
                "unknown-event-after" => f.unknown_event_after = Some(count()?),
                "no-sequence-number" => f.no_sequence_number = true,
                "batch-polls" => f.batch_polls = Some(num()?.min(1_000_000) as u32),
                "rpm" => f.rpm = Some(num()?.max(1)),
                "tpm" => f.tpm = Some(num()?.max(1)),
                "rate-window" => f.rate_window = Some(ms()?.max(Duration::from_millis(1))),
                "echo-key" => f.echo_key = Some(crate::echo::Echo::parse(value)?),
                "verbatim" => f.verbatim = true,
                "finish-reason" => {
                    f.finish_reason = Some(match need()? {
                        "stop" => "stop",
                        "length" => "length",
                        "tool_calls" => "tool_calls",
                        "content_filter" => "content_filter",
                        "function_call" => "function_call",
                        v => return Err(format!("x-mock-fault: unknown finish-reason '{v}'")),
                    })
                }
                _ => return Err(format!("x-mock-fault: unknown key '{key}'")),
            }
        }
        Ok(f)
    }

    /// The fault for the `attempt`-th request of its test id: `times=K`
    /// switches every key off after K attempts.
    pub fn for_attempt(self, attempt: u32) -> Fault {
        match self.times {
            Some(k) if attempt > k => Fault::default(),
            _ => self,
        }
    }

    /// The earliest stream cut point; ties go to the more drastic fault.
    pub fn stream_cut(&self) -> Option<(usize, StreamCut)> {
        [
            (self.reset_after, StreamCut::Reset),
            (self.stall_after, StreamCut::Stall),
            (self.truncate_after, StreamCut::Truncate),
            (self.close_after, StreamCut::Close),
            (self.error_after, StreamCut::Error),
        ]
        .into_iter()
        .filter_map(|(n, cut)| n.map(|n| (n, cut)))
        .min_by_key(|&(n, _)| n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keys_and_flags() {
        let f =
            Fault::parse(" status=503 ; times=2;retry-after=1.5;should-retry=false;drop ").unwrap();
        assert_eq!(f.status, Some(503));
        assert_eq!(f.times, Some(2));
        assert_eq!(f.retry_after.as_deref(), Some("1.5"));
        assert_eq!(f.should_retry, Some(false));
        assert!(f.drop);
        assert!(!f.reset);

        let f = Fault::parse("events=5;interval=10;split-bytes;retry-after-date=+30").unwrap();
        assert_eq!(f.events, Some(5));
        assert_eq!(f.interval, Duration::from_millis(10));
        assert!(f.split_bytes);
        assert_eq!(f.retry_after_date, Some(30));

        let f = Fault::parse("unknown-event-after=2;no-sequence-number").unwrap();
        assert_eq!(f.unknown_event_after, Some(2));
        assert!(f.no_sequence_number);

        let f = Fault::parse("content-type=text/plain;body=html;code=insufficient_quota").unwrap();
        assert_eq!(f.content_type.as_deref(), Some("text/plain"));
        assert!(f.html);
        assert_eq!(f.code.as_deref(), Some("insufficient_quota"));
        assert_eq!(Fault::parse("").unwrap(), Fault::default());

        let f = Fault::parse("rpm=60;tpm=1000;rate-window=5000;batch-polls=1").unwrap();
        assert_eq!((f.rpm, f.tpm), (Some(60), Some(1000)));
        assert_eq!(f.rate_window, Some(Duration::from_secs(5)));
        assert_eq!(f.batch_polls, Some(1));

        let f = Fault::parse("verbatim;finish-reason=content_filter").unwrap();
        assert!(f.verbatim);
        assert_eq!(f.finish_reason, Some("content_filter"));
    }

    #[test]
    fn rejects_typos() {
        assert!(Fault::parse("stauts=500").is_err());
        assert!(Fault::parse("status=abc").is_err());
        assert!(Fault::parse("status=42").is_err());
        assert!(Fault::parse("status").is_err());
        assert!(Fault::parse("body=xml").is_err());
        assert!(Fault::parse("should-retry=maybe").is_err());
        assert!(Fault::parse("finish-reason=done").is_err());
    }

    #[test]
    fn times_limits_attempts() {
        let f = Fault::parse("status=500;times=1").unwrap();
        assert_eq!(f.clone().for_attempt(1).status, Some(500));
        assert_eq!(f.for_attempt(2), Fault::default());
        let f = Fault::parse("status=500").unwrap();
        assert_eq!(f.for_attempt(99).status, Some(500));
    }

    #[test]
    fn earliest_cut_wins() {
        let f = Fault::parse("error-after=3;close-after=1").unwrap();
        assert_eq!(f.stream_cut(), Some((1, StreamCut::Close)));
        assert_eq!(Fault::default().stream_cut(), None);
        let f = Fault::parse("reset-after=2").unwrap();
        assert_eq!(f.stream_cut(), Some((2, StreamCut::Reset)));
    }
}
