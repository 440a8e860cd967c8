//! An incremental Server-Sent Events parser following the WHATWG HTML "event stream" rules.
//!
//! The HTTP body arrives in arbitrary chunks: a chunk may end inside a UTF-8 code point, between
//! the CR and LF of one line ending, or be empty. [`SseParser`] keeps just enough state to make
//! the result independent of how the stream was split, validates UTF-8 as the bytes arrive (so a
//! corrupt stream fails at once, not at the end of a long event), and runs in time linear in the
//! input: each byte is looked at a bounded number of times and data lines are copied straight into
//! the event being assembled. Comments (`: keep-alive`) and ignored fields are dropped while they
//! stream past, so they never accumulate in memory.

use std::mem;

/// One dispatched event.
///
/// Only blocks that carry at least one `data` line are dispatched (WHATWG): a block with just
/// `event:` / `id:` / `retry:` lines produces nothing, unlike openai-python, which would yield an
/// event with empty data.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    /// The `event` field of this block; `None` when absent or empty (the spec's default
    /// `"message"` type is left to the caller, so "no type" stays distinguishable).
    pub event: Option<String>,
    /// The `data` lines of this block joined with `"\n"` (no trailing newline).
    pub data: String,
    /// The last event ID at dispatch time. Per the spec it persists across events until another
    /// `id` field changes it; an empty `id:` clears it to `None`; a value containing NUL is
    /// ignored.
    pub id: Option<String>,
    /// A valid `retry` field (all ASCII digits) seen since the previous dispatched event. It is a
    /// reconnection hint for the connection, reported on the event it arrived with.
    pub retry: Option<u64>,
}

/// Why an event stream cannot be parsed any further.
///
/// Both errors are sticky: once returned, every later [`SseParser::feed`] returns it again,
/// because the parser can no longer tell where the next event starts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SseError {
    /// The stream is not UTF-8, which the event-stream format requires; continuing would
    /// silently mangle the JSON payloads.
    #[error("invalid UTF-8 in event stream at byte {byte_offset}")]
    InvalidUtf8 {
        /// Absolute stream offset of the first byte of the invalid sequence (BOM included).
        byte_offset: u64,
    },
    /// The event being assembled outgrew the configured cap; see
    /// [`SseParser::with_max_event_bytes`].
    #[error("event larger than the {limit}-byte limit")]
    EventTooLarge {
        /// The configured limit in bytes.
        limit: usize,
    },
}

/// The UTF-8 encoding of U+FEFF, stripped once at the very start of the stream.
const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// Data buffers up to this size are copied out at dispatch so their allocation is reused;
/// larger ones are handed over whole instead of being copied.
const REUSE_DATA_CAPACITY: usize = 4096;

/// The fields the spec gives a meaning to; every other field name is ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Data,
    Event,
    Id,
    Retry,
}

impl Field {
    const NAMES: [(&'static [u8], Field); 4] = [
        (b"data", Field::Data),
        (b"event", Field::Event),
        (b"id", Field::Id),
        (b"retry", Field::Retry),
    ];
    /// The longest known field name; a longer name cannot match and is skipped unbuffered.
    const MAX_NAME: usize = 5;

    fn from_name(name: &[u8]) -> Option<Field> {
        Self::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, field)| field)
    }

    fn is_name_prefix(name: &[u8]) -> bool {
        Self::NAMES.iter().any(|(n, _)| n.starts_with(name))
    }
}

/// Where the parser is inside the current line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum LineState {
    /// Nothing of the line read yet.
    #[default]
    Start,
    /// Reading a field name (kept in `name`) that may still be a known one.
    Name,
    /// Just after the colon: one leading space of the value is dropped.
    ValueStart(Field),
    /// Reading the value of a known field.
    Value(Field),
    /// A comment, an unknown field, or a value already known to be ignored: skip to the line end.
    Discard,
}

/// Incremental, chunking-independent SSE parser.
///
/// Feed the body chunks in order with [`feed`](Self::feed); complete events are appended to the
/// caller's vector so one allocation can be reused across chunks. Call [`finish`](Self::finish)
/// at end of input to learn whether the stream stopped mid-event.
#[derive(Debug, Default)]
pub struct SseParser {
    /// Optional cap on the bytes buffered for one event.
    max_event_bytes: Option<usize>,
    /// Total bytes passed to `feed`.
    bytes_seen: u64,
    /// Set once an error was returned; returned again by every later `feed`.
    failed: Option<SseError>,

    /// The tail of an incomplete UTF-8 code point (at most 3 bytes).
    utf8_pending: [u8; 4],
    utf8_pending_len: usize,
    /// Absolute offset of `utf8_pending[0]`.
    utf8_pending_offset: u64,

    /// Bytes of a possible BOM matched so far, while `bom_done` is false.
    bom_matched: usize,
    bom_done: bool,

    state: LineState,
    /// The previous line ended with CR, so an LF right after it (maybe in the next chunk) is
    /// part of the same line ending.
    skip_lf: bool,
    /// The field name being read in `LineState::Name`.
    name: [u8; Field::MAX_NAME],
    name_len: usize,
    /// The value of an `event`, `id` or `retry` line being read.
    value: Vec<u8>,

    /// Data lines of the current event, each followed by `\n`.
    data: Vec<u8>,
    /// The event type buffer of the current event.
    event_type: String,
    /// The last event ID (persists across events).
    last_id: Option<String>,
    /// A `retry` value seen since the last dispatch.
    retry: Option<u64>,
    /// A field line (not a comment) was seen since the last blank line.
    block_pending: bool,
}

impl SseParser {
    /// A parser without a size limit: OpenAI events are bounded by the model's output, and the
    /// caller's timeouts bound a misbehaving server.
    pub fn new() -> Self {
        Self::default()
    }

    /// A parser that fails with [`SseError::EventTooLarge`] once the bytes it buffers for one
    /// event exceed `limit`, protecting memory against a hostile or broken server.
    ///
    /// Counted: every `data` line plus its line feed, the event type, and the value of the
    /// `event` / `id` / `retry` line being read. Comments and ignored fields are never buffered,
    /// so they never count. `None` means no limit.
    pub fn with_max_event_bytes(limit: Option<usize>) -> Self {
        Self {
            max_event_bytes: limit,
            ..Self::default()
        }
    }

    /// Feeds the next chunk of the body; every event completed by it is pushed to `out`.
    ///
    /// Chunks may be split anywhere (inside a UTF-8 character, between CR and LF) or be empty;
    /// the events produced do not depend on the split. Invalid UTF-8 is reported by the call that
    /// delivers the offending byte; events completed before that byte are still pushed to `out`.
    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<SseEvent>) -> Result<(), SseError> {
        let chunk_start = self.bytes_seen;
        self.bytes_seen = self.bytes_seen.saturating_add(chunk.len() as u64);
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        let (valid_len, utf8_err) = self.validate_utf8(chunk, chunk_start);
        let result = self
            .process(&chunk[..valid_len], out)
            .and_then(|()| utf8_err.map_or(Ok(()), Err));
        if let Err(err) = &result {
            self.failed = Some(err.clone());
        }
        result
    }

    /// Ends the input. Returns true when an incomplete line or event was pending, which the
    /// caller reports as a truncated stream; per the spec that partial event is discarded.
    ///
    /// The parser is reset to the start of a line with no event pending (the last event ID and
    /// [`bytes_seen`](Self::bytes_seen) are kept), so a second call returns false.
    pub fn finish(&mut self) -> bool {
        let pending = self.utf8_pending_len > 0
            || (!self.bom_done && self.bom_matched > 0)
            || self.state != LineState::Start
            || self.block_pending;
        self.utf8_pending_len = 0;
        self.bom_matched = 0;
        self.state = LineState::Start;
        self.skip_lf = false;
        self.name_len = 0;
        self.value.clear();
        self.data.clear();
        self.event_type.clear();
        self.retry = None;
        self.block_pending = false;
        pending
    }

    /// Total bytes passed to [`feed`](Self::feed), for progress and error reporting.
    pub fn bytes_seen(&self) -> u64 {
        self.bytes_seen
    }

    /// Checks `chunk` as the continuation of the stream. Returns how many leading bytes of
    /// `chunk` are valid (a trailing incomplete code point counts as valid and is remembered) and
    /// the error for the byte after them, if any.
    fn validate_utf8(&mut self, chunk: &[u8], chunk_start: u64) -> (usize, Option<SseError>) {
        let mut pos = 0;
        if self.utf8_pending_len > 0 {
            // Complete the code point left over from the previous chunk, one byte at a time
            // (at most 3), so the error offset stays exact.
            while pos < chunk.len() {
                self.utf8_pending[self.utf8_pending_len] = chunk[pos];
                self.utf8_pending_len += 1;
                pos += 1;
                match std::str::from_utf8(&self.utf8_pending[..self.utf8_pending_len]) {
                    Ok(_) => {
                        self.utf8_pending_len = 0;
                        break;
                    }
                    Err(e) if e.error_len().is_some() => {
                        // The pending bytes start the invalid sequence (they were a valid prefix
                        // on their own), so report where that sequence begins.
                        let byte_offset = self.utf8_pending_offset;
                        self.utf8_pending_len = 0;
                        return (0, Some(SseError::InvalidUtf8 { byte_offset }));
                    }
                    Err(_) if self.utf8_pending_len == 4 => {
                        // Unreachable for a valid prefix, but never index out of bounds.
                        let byte_offset = self.utf8_pending_offset;
                        self.utf8_pending_len = 0;
                        return (0, Some(SseError::InvalidUtf8 { byte_offset }));
                    }
                    Err(_) => {}
                }
            }
            if self.utf8_pending_len > 0 {
                return (chunk.len(), None);
            }
        }
        let rest = &chunk[pos..];
        match std::str::from_utf8(rest) {
            Ok(_) => (chunk.len(), None),
            Err(e) => {
                let bad = pos + e.valid_up_to();
                if e.error_len().is_some() {
                    let byte_offset = chunk_start + bad as u64;
                    (bad, Some(SseError::InvalidUtf8 { byte_offset }))
                } else {
                    // An incomplete code point at the end (at most 3 bytes): keep it.
                    let tail = &chunk[bad..];
                    self.utf8_pending[..tail.len()].copy_from_slice(tail);
                    self.utf8_pending_len = tail.len();
                    self.utf8_pending_offset = chunk_start + bad as u64;
                    (chunk.len(), None)
                }
            }
        }
    }

    /// Runs validated bytes through the BOM filter and the line state machine.
    fn process(&mut self, mut bytes: &[u8], out: &mut Vec<SseEvent>) -> Result<(), SseError> {
        if !self.bom_done {
            while self.bom_matched < BOM.len() {
                let Some((&b, rest)) = bytes.split_first() else {
                    return Ok(());
                };
                if b == BOM[self.bom_matched] {
                    self.bom_matched += 1;
                    bytes = rest;
                } else {
                    // Not a BOM after all: the bytes matched so far are ordinary content.
                    self.bom_done = true;
                    let matched = self.bom_matched;
                    self.lines(&BOM[..matched], out)?;
                    break;
                }
            }
            self.bom_done = true;
        }
        self.lines(bytes, out)
    }

    /// The line state machine: each byte is handled once; values are copied in bulk.
    fn lines(&mut self, bytes: &[u8], out: &mut Vec<SseEvent>) -> Result<(), SseError> {
        let mut i = 0;
        while i < bytes.len() {
            if self.skip_lf {
                self.skip_lf = false;
                if bytes[i] == b'\n' {
                    i += 1;
                    continue;
                }
            }
            match self.state {
                LineState::Start => match bytes[i] {
                    b @ (b'\r' | b'\n') => {
                        i += 1;
                        self.skip_lf = b == b'\r';
                        self.dispatch(out)?;
                    }
                    b':' => {
                        i += 1;
                        self.state = LineState::Discard;
                    }
                    _ => {
                        self.name_len = 0;
                        self.state = LineState::Name;
                        self.block_pending = true;
                    }
                },
                LineState::Name => {
                    let b = bytes[i];
                    i += 1;
                    match b {
                        b':' => {
                            self.state = match Field::from_name(&self.name[..self.name_len]) {
                                Some(field) => LineState::ValueStart(field),
                                None => LineState::Discard,
                            };
                        }
                        b'\r' | b'\n' => {
                            // A line without a colon is a field name with an empty value.
                            self.skip_lf = b == b'\r';
                            self.state = LineState::Start;
                            if let Some(field) = Field::from_name(&self.name[..self.name_len]) {
                                self.end_value(field)?;
                            }
                        }
                        _ => {
                            if self.name_len < Field::MAX_NAME {
                                self.name[self.name_len] = b;
                                self.name_len += 1;
                                if !Field::is_name_prefix(&self.name[..self.name_len]) {
                                    self.state = LineState::Discard;
                                }
                            } else {
                                self.state = LineState::Discard;
                            }
                        }
                    }
                }
                LineState::ValueStart(field) => {
                    if bytes[i] == b' ' {
                        i += 1;
                    }
                    self.state = LineState::Value(field);
                }
                LineState::Value(_) | LineState::Discard => {
                    let rest = &bytes[i..];
                    let (segment, eol) = match find_eol(rest) {
                        Some(p) => (&rest[..p], Some(rest[p])),
                        None => (rest, None),
                    };
                    self.append_value(segment)?;
                    i += segment.len();
                    if let Some(b) = eol {
                        i += 1;
                        self.skip_lf = b == b'\r';
                        let state = mem::take(&mut self.state);
                        if let LineState::Value(field) = state {
                            self.end_value(field)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Appends part of a field value, dropping what will be ignored anyway.
    fn append_value(&mut self, segment: &[u8]) -> Result<(), SseError> {
        if segment.is_empty() {
            return Ok(());
        }
        match self.state {
            LineState::Value(Field::Data) => self.data.extend_from_slice(segment),
            LineState::Value(Field::Retry) if !segment.iter().all(u8::is_ascii_digit) => {
                // Not all digits: the whole line is ignored.
                self.value.clear();
                self.state = LineState::Discard;
            }
            LineState::Value(Field::Id) if segment.contains(&0) => {
                // An id containing NUL is ignored.
                self.value.clear();
                self.state = LineState::Discard;
            }
            LineState::Value(_) => self.value.extend_from_slice(segment),
            _ => return Ok(()),
        }
        self.check_limit()
    }

    /// Applies a completed field line.
    fn end_value(&mut self, field: Field) -> Result<(), SseError> {
        match field {
            Field::Data => {
                self.data.push(b'\n');
                self.check_limit()?;
            }
            Field::Event => {
                let value = utf8(&self.value)?;
                self.event_type.clear();
                self.event_type.push_str(value);
            }
            Field::Id => {
                let value = utf8(&self.value)?;
                if value.is_empty() {
                    self.last_id = None;
                } else if self.last_id.as_deref() != Some(value) {
                    self.last_id = Some(value.to_owned());
                }
            }
            Field::Retry => {
                // Digits only (checked while reading); an empty or overflowing value is ignored.
                if let Ok(ms) = utf8(&self.value)?.parse::<u64>() {
                    self.retry = Some(ms);
                }
            }
        }
        self.value.clear();
        Ok(())
    }

    /// A blank line: dispatch the event if it has data, then start a new one.
    fn dispatch(&mut self, out: &mut Vec<SseEvent>) -> Result<(), SseError> {
        self.block_pending = false;
        if self.data.is_empty() {
            self.event_type.clear();
            return Ok(());
        }
        self.data.pop(); // the "\n" after the last data line
        let data = if self.data.capacity() <= REUSE_DATA_CAPACITY {
            let data = utf8(&self.data)?.to_owned();
            self.data.clear();
            data
        } else {
            String::from_utf8(mem::take(&mut self.data)).map_err(|_| self.internal_utf8())?
        };
        let event = (!self.event_type.is_empty()).then(|| self.event_type.clone());
        self.event_type.clear();
        out.push(SseEvent {
            event,
            data,
            id: self.last_id.clone(),
            retry: self.retry.take(),
        });
        Ok(())
    }

    fn check_limit(&self) -> Result<(), SseError> {
        if let Some(limit) = self.max_event_bytes {
            let buffered = self.data.len() + self.value.len() + self.event_type.len();
            if buffered > limit {
                return Err(SseError::EventTooLarge { limit });
            }
        }
        Ok(())
    }

    /// Completed lines were validated on arrival, so this cannot happen; report it as invalid
    /// UTF-8 at the current position rather than panic.
    fn internal_utf8(&self) -> SseError {
        SseError::InvalidUtf8 {
            byte_offset: self.bytes_seen,
        }
    }
}

/// Re-checks bytes that were already validated as UTF-8 (cheap, and avoids `unsafe`).
fn utf8(bytes: &[u8]) -> Result<&str, SseError> {
    std::str::from_utf8(bytes).map_err(|e| SseError::InvalidUtf8 {
        byte_offset: e.valid_up_to() as u64,
    })
}

/// Position of the first CR or LF in `bytes`, scanning a word at a time so huge data lines stay
/// cheap even in unoptimized builds.
fn find_eol(bytes: &[u8]) -> Option<usize> {
    const LO: u64 = u64::from_ne_bytes([0x01; 8]);
    const HI: u64 = u64::from_ne_bytes([0x80; 8]);
    const CR: u64 = u64::from_ne_bytes([b'\r'; 8]);
    const LF: u64 = u64::from_ne_bytes([b'\n'; 8]);
    let has_zero = |v: u64| v.wrapping_sub(LO) & !v & HI != 0;
    let mut words = bytes.chunks_exact(8);
    let mut base = 0;
    for word in words.by_ref() {
        let mut w = [0; 8];
        w.copy_from_slice(word);
        let v = u64::from_ne_bytes(w);
        if has_zero(v ^ CR) || has_zero(v ^ LF) {
            break;
        }
        base += 8;
    }
    bytes[base..]
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .map(|p| base + p)
}

/// True for the `data` payload that ends an OpenAI stream. Matched with `starts_with("[DONE]")`
/// like openai-python, so a server that appends to the sentinel still ends the stream cleanly.
pub fn is_done(data: &str) -> bool {
    data.starts_with("[DONE]")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_chunks(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut p = SseParser::new();
        let mut out = Vec::new();
        for c in chunks {
            p.feed(c, &mut out).expect("valid stream");
        }
        assert!(!p.finish(), "stream left a partial event");
        out
    }

    fn parse(s: &str) -> Vec<SseEvent> {
        parse_chunks(&[s.as_bytes()])
    }

    fn ev(event: Option<&str>, data: &str) -> SseEvent {
        SseEvent {
            event: event.map(str::to_owned),
            data: data.to_owned(),
            ..SseEvent::default()
        }
    }

    // --- openai-python tests/test_streaming.py ---

    #[test]
    fn basic() {
        let out = parse_chunks(&[b"event: completion\n", b"data: {\"foo\":true}\n", b"\n"]);
        assert_eq!(out, vec![ev(Some("completion"), "{\"foo\":true}")]);
    }

    #[test]
    fn data_missing_event() {
        let out = parse_chunks(&[b"data: {\"foo\":true}\n", b"\n"]);
        assert_eq!(out, vec![ev(None, "{\"foo\":true}")]);
    }

    #[test]
    fn event_missing_data() {
        // openai-python yields an event with empty data here; WHATWG dispatches nothing.
        let out = parse_chunks(&[b"event: ping\n", b"\n"]);
        assert_eq!(out, vec![]);
    }

    #[test]
    fn multiple_events() {
        let out = parse_chunks(&[b"event: ping\n", b"\n", b"event: completion\n", b"\n"]);
        assert_eq!(out, vec![]);
    }

    #[test]
    fn multiple_events_with_data() {
        let out = parse_chunks(&[
            b"event: ping\n",
            b"data: {\"foo\":true}\n",
            b"\n",
            b"event: completion\n",
            b"data: {\"bar\":false}\n",
            b"\n",
        ]);
        assert_eq!(
            out,
            vec![
                ev(Some("ping"), "{\"foo\":true}"),
                ev(Some("completion"), "{\"bar\":false}")
            ]
        );
    }

    #[test]
    fn multiple_data_lines_with_empty_line() {
        let out = parse_chunks(&[
            b"event: ping\n",
            b"data: {\n",
            b"data: \"foo\":\n",
            b"data: \n",
            b"data:\n",
            b"data: true}\n",
            b"\n\n",
        ]);
        assert_eq!(out, vec![ev(Some("ping"), "{\n\"foo\":\n\n\ntrue}")]);
    }

    #[test]
    fn data_json_escaped_double_new_line() {
        let out = parse_chunks(&[
            b"event: ping\n",
            b"data: {\"foo\": \"my long\\n\\ncontent\"}",
            b"\n\n",
        ]);
        assert_eq!(
            out,
            vec![ev(Some("ping"), "{\"foo\": \"my long\\n\\ncontent\"}")]
        );
    }

    #[test]
    fn multiple_data_lines() {
        let out = parse_chunks(&[
            b"event: ping\n",
            b"data: {\n",
            b"data: \"foo\":\n",
            b"data: true}\n",
            b"\n\n",
        ]);
        assert_eq!(out, vec![ev(Some("ping"), "{\n\"foo\":\ntrue}")]);
    }

    #[test]
    fn special_new_line_character() {
        let out = parse_chunks(&[
            b"data: {\"content\":\" culpa\"}\n",
            b"\n",
            b"data: {\"content\":\" \xe2\x80\xa8\"}\n",
            b"\n",
            b"data: {\"content\":\"foo\"}\n",
            b"\n",
        ]);
        assert_eq!(
            out,
            vec![
                ev(None, "{\"content\":\" culpa\"}"),
                ev(None, "{\"content\":\" \u{2028}\"}"),
                ev(None, "{\"content\":\"foo\"}"),
            ]
        );
    }

    #[test]
    fn unicode_line_separators_are_not_line_breaks() {
        let out = parse("data: a\u{2028}b\u{2029}c\u{85}d\u{b}e\u{c}f\n\n");
        assert_eq!(
            out,
            vec![ev(None, "a\u{2028}b\u{2029}c\u{85}d\u{b}e\u{c}f")]
        );
    }

    #[test]
    fn multi_byte_character_multiple_chunks() {
        let out = parse_chunks(&[
            b"data: {\"content\":\"",
            b"\xd0",
            b"\xb8\xd0\xb7\xd0",
            b"\xb2\xd0\xb5\xd1\x81\xd1\x82\xd0\xbd\xd0\xb8",
            b"\"}\n",
            b"\n",
        ]);
        assert_eq!(out, vec![ev(None, "{\"content\":\"известни\"}")]);
    }

    #[test]
    fn multi_byte_characters_split_at_every_offset() {
        for text in ["известни", "a😀b", "😀", "€x", "\u{10FFFF}\u{800}"] {
            let stream = format!("data: {text}\n\n");
            let bytes = stream.as_bytes();
            for i in 0..=bytes.len() {
                for j in i..=bytes.len() {
                    let out = parse_chunks(&[&bytes[..i], &bytes[i..j], &bytes[j..]]);
                    assert_eq!(out, vec![ev(None, text)], "split at {i},{j}");
                }
            }
        }
    }

    // --- chunking and line endings ---

    #[test]
    fn every_chunk_boundary_for_every_line_ending() {
        for eol in ["\n", "\r", "\r\n"] {
            let stream = format!(
                ": keep-alive{eol}{eol}event: msg{eol}id: 7{eol}retry: 10{eol}data: ok{eol}{eol}"
            );
            let bytes = stream.as_bytes();
            let expected = vec![SseEvent {
                event: Some("msg".into()),
                data: "ok".into(),
                id: Some("7".into()),
                retry: Some(10),
            }];
            for i in 0..=bytes.len() {
                let out = parse_chunks(&[&bytes[..i], b"", &bytes[i..]]);
                assert_eq!(out, expected, "eol {eol:?} split at {i}");
                for j in i..=bytes.len() {
                    let out = parse_chunks(&[&bytes[..i], &bytes[i..j], b"", &bytes[j..]]);
                    assert_eq!(out, expected, "eol {eol:?} split at {i},{j}");
                }
            }
            // One byte at a time, with empty chunks in between.
            let mut p = SseParser::new();
            let mut out = Vec::new();
            for b in bytes {
                p.feed(std::slice::from_ref(b), &mut out).expect("valid");
                p.feed(b"", &mut out).expect("valid");
            }
            assert_eq!(out, expected);
            assert!(!p.finish());
        }
    }

    #[test]
    fn cr_and_lf_split_across_chunks_is_one_line_ending() {
        // A phantom blank line after "data: a\r" would dispatch "a" and then "b" separately.
        let out = parse_chunks(&[b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"]);
        assert_eq!(out, vec![ev(None, "a\nb")]);
        // CR CR is two line endings: the second one dispatches.
        let out = parse_chunks(&[b"data: a\r", b"\r"]);
        assert_eq!(out, vec![ev(None, "a")]);
        // LF CR LF: a line ending, then a blank line.
        let out = parse_chunks(&[b"data: a\n", b"\r", b"\n", b"data: b\n\n"]);
        assert_eq!(out, vec![ev(None, "a"), ev(None, "b")]);
        // Mixed endings in one event.
        let out = parse("data: 1\rdata: 2\ndata: 3\r\n\r\n");
        assert_eq!(out, vec![ev(None, "1\n2\n3")]);
    }

    // --- field rules ---

    #[test]
    fn value_space_handling() {
        assert_eq!(parse("data:x\n\n"), vec![ev(None, "x")]);
        assert_eq!(parse("data:  two\n\n"), vec![ev(None, " two")]);
        assert_eq!(parse("data: \n\n"), vec![ev(None, "")]);
        assert_eq!(parse("data:\tx\n\n"), vec![ev(None, "\tx")]);
        assert_eq!(parse("event:  e\ndata\n\n"), vec![ev(Some(" e"), "")]);
    }

    #[test]
    fn field_without_colon_has_empty_value() {
        assert_eq!(parse("data\n\n"), vec![ev(None, "")]);
        assert_eq!(parse("data\ndata\n\n"), vec![ev(None, "\n")]);
        // "event" alone sets an empty type, which is reported as None.
        assert_eq!(parse("event: x\nevent\ndata: d\n\n"), vec![ev(None, "d")]);
    }

    #[test]
    fn event_without_data_does_not_dispatch_and_resets_type() {
        assert_eq!(parse("event: ping\n\n"), vec![]);
        assert_eq!(parse("event: a\n\ndata: x\n\n"), vec![ev(None, "x")]);
    }

    #[test]
    fn event_type_is_reset_after_dispatch() {
        assert_eq!(
            parse("event: a\ndata: 1\n\ndata: 2\n\n"),
            vec![ev(Some("a"), "1"), ev(None, "2")]
        );
        assert_eq!(
            parse("event: a\nevent: b\ndata: 1\n\n"),
            vec![ev(Some("b"), "1")]
        );
    }

    #[test]
    fn id_persists_and_nul_is_ignored() {
        let out = parse("id: 1\ndata: a\n\ndata: b\n\nid: x\0y\ndata: c\n\nid\ndata: d\n\n");
        let ids: Vec<_> = out.iter().map(|e| e.id.as_deref()).collect();
        assert_eq!(ids, vec![Some("1"), Some("1"), Some("1"), None]);
        assert_eq!(parse("id: \0\ndata: a\n\n")[0].id, None);
        // The id applies even when it comes after the data lines.
        assert_eq!(parse("data: a\nid: 5\n\n")[0].id.as_deref(), Some("5"));
    }

    #[test]
    fn retry_field() {
        assert_eq!(parse("retry: 1500\ndata: a\n\n")[0].retry, Some(1500));
        assert_eq!(parse("retry: abc\ndata: a\n\n")[0].retry, None);
        assert_eq!(parse("retry: 15a\ndata: a\n\n")[0].retry, None);
        assert_eq!(parse("retry: -1\ndata: a\n\n")[0].retry, None);
        assert_eq!(parse("retry:\ndata: a\n\n")[0].retry, None);
        assert_eq!(parse("retry: 1 \ndata: a\n\n")[0].retry, None);
        assert_eq!(
            parse("retry: 99999999999999999999999\ndata: a\n\n")[0].retry,
            None
        );
        // Reported once, on the next dispatched event.
        let out = parse("retry: 7\ndata: a\n\ndata: b\n\n");
        assert_eq!((out[0].retry, out[1].retry), (Some(7), None));
    }

    #[test]
    fn unknown_fields_and_near_misses_are_ignored() {
        let out = parse(
            "foo: bar\nDATA: x\ndat: x\ndataa: x\ndata : x\nevents: x\nidx: 1\nretryy: 1\n\
             data: real\n\n",
        );
        assert_eq!(out, vec![ev(None, "real")]);
        // Unknown fields alone dispatch nothing.
        assert_eq!(parse("foo: bar\n\n"), vec![]);
    }

    #[test]
    fn comments_are_ignored() {
        assert_eq!(
            parse(":\n: ping\n:data: x\ndata: y\n: mid\n\n"),
            vec![ev(None, "y")]
        );
        assert_eq!(parse(": only a comment\n\n"), vec![]);
    }

    #[test]
    fn keep_alive_comments_do_not_accumulate() {
        let mut p = SseParser::new();
        let mut out = Vec::new();
        for _ in 0..10_000 {
            p.feed(b": keep-alive\n\n", &mut out).expect("valid");
            p.feed(b": OPENROUTER PROCESSING\r\n", &mut out)
                .expect("valid");
        }
        assert!(out.is_empty());
        assert!(p.data.capacity() == 0 && p.value.capacity() == 0);
        p.feed(b"data: x\n\n", &mut out).expect("valid");
        assert_eq!(out, vec![ev(None, "x")]);
        assert!(p.data.capacity() <= REUSE_DATA_CAPACITY);
        assert!(!p.finish());
    }

    #[test]
    fn huge_comment_and_unknown_field_are_not_buffered() {
        let mut p = SseParser::with_max_event_bytes(Some(16));
        let mut out = Vec::new();
        p.feed(b":", &mut out).expect("valid");
        let junk = vec![b'z'; 1 << 20];
        for _ in 0..4 {
            p.feed(&junk, &mut out).expect("comments are not buffered");
        }
        p.feed(b"\nunknownfield:", &mut out).expect("valid");
        p.feed(&junk, &mut out)
            .expect("ignored fields are not buffered");
        p.feed(b"\ndata: ok\n\n", &mut out).expect("valid");
        assert_eq!(out, vec![ev(None, "ok")]);
        assert!(p.data.capacity() <= 64 && p.value.capacity() == 0);
    }

    #[test]
    fn bom_is_stripped_once() {
        assert_eq!(parse("\u{feff}data: a\n\n"), vec![ev(None, "a")]);
        assert_eq!(parse("\u{feff}: c\ndata: a\n\n"), vec![ev(None, "a")]);
        // Split inside the BOM.
        let out = parse_chunks(&[b"\xef", b"\xbb", b"\xbfdata: a\n\n"]);
        assert_eq!(out, vec![ev(None, "a")]);
        // A second BOM is content: here it makes the field name unknown.
        assert_eq!(parse("\u{feff}\u{feff}data: a\n\n"), vec![]);
        // Only at the very start of the stream.
        assert_eq!(parse("data: a\n\n\u{feff}data: b\n\n"), vec![ev(None, "a")]);
        // A character that merely starts like the BOM (U+FEFE) is kept: here it is an
        // unknown field name, and the next line is still parsed.
        let out = parse_chunks(&[b"\xef\xbb", b"\xbe: c\ndata: y\n\n"]);
        assert_eq!(out, vec![ev(None, "y")]);
        let out = parse_chunks(&[b"\xef", b"\xbb\xbe", b"data: y\n\n"]);
        assert_eq!(out, vec![]);
    }

    #[test]
    fn done_detection() {
        assert!(is_done("[DONE]"));
        assert!(is_done("[DONE] trailing"));
        assert!(!is_done(" [DONE]"));
        assert!(!is_done("[done]"));
        assert!(!is_done(""));
        let out = parse("data: {\"a\":1}\n\ndata: [DONE]\n\n");
        assert!(!is_done(&out[0].data) && is_done(&out[1].data));
    }

    // --- errors and end of input ---

    #[test]
    fn invalid_utf8_reported_in_the_same_feed() {
        let mut p = SseParser::new();
        let mut out = Vec::new();
        let err = p.feed(b"data: a\n\ndata: \xff\n\n", &mut out);
        assert_eq!(err, Err(SseError::InvalidUtf8 { byte_offset: 15 }));
        // The event completed before the bad byte was still delivered.
        assert_eq!(out, vec![ev(None, "a")]);
        // Sticky.
        assert_eq!(
            p.feed(b"data: b\n\n", &mut out),
            Err(SseError::InvalidUtf8 { byte_offset: 15 })
        );
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn invalid_utf8_in_a_later_chunk() {
        let mut p = SseParser::new();
        let mut out = Vec::new();
        p.feed(b"data: abc", &mut out).expect("valid so far");
        p.feed(b"", &mut out).expect("valid so far");
        p.feed(b"def", &mut out).expect("valid so far");
        let err = p.feed(b"gh\xffij\n\n", &mut out);
        assert_eq!(err, Err(SseError::InvalidUtf8 { byte_offset: 14 }));
        assert!(out.is_empty());
    }

    #[test]
    fn invalid_utf8_after_an_incomplete_code_point() {
        // "\xd0" then "A": the two-byte sequence starting at offset 6 is broken.
        let mut p = SseParser::new();
        let mut out = Vec::new();
        p.feed(b"data: \xd0", &mut out)
            .expect("incomplete, not yet invalid");
        let err = p.feed(b"A\n\n", &mut out);
        assert_eq!(err, Err(SseError::InvalidUtf8 { byte_offset: 6 }));
        // A line ending inside a code point is invalid, not a line end.
        let mut p = SseParser::new();
        p.feed(b"data: \xe2\x82", &mut out).expect("incomplete");
        let err = p.feed(b"\n\n", &mut out);
        assert_eq!(err, Err(SseError::InvalidUtf8 { byte_offset: 6 }));
        assert!(out.is_empty());
        // Overlong encodings, surrogates and out-of-range code points.
        for bad in [
            &b"\xc0\x80"[..],
            b"\xed\xa0\x80",
            b"\xf4\x90\x80\x80",
            b"\x80",
            b"\xf8",
        ] {
            let mut p = SseParser::new();
            let mut stream = b"data: ".to_vec();
            stream.extend_from_slice(bad);
            let err = p.feed(&stream, &mut out);
            assert_eq!(
                err,
                Err(SseError::InvalidUtf8 { byte_offset: 6 }),
                "{bad:?}"
            );
            // The same, one byte at a time.
            let mut p = SseParser::new();
            let mut first_err = None;
            for b in &stream {
                if let Err(e) = p.feed(std::slice::from_ref(b), &mut out) {
                    first_err = Some(e);
                    break;
                }
            }
            assert_eq!(
                first_err,
                Some(SseError::InvalidUtf8 { byte_offset: 6 }),
                "{bad:?} bytewise"
            );
        }
    }

    #[test]
    fn truncated_final_line_is_reported_by_finish() {
        let mut p = SseParser::new();
        let mut out = Vec::new();
        p.feed(b"data: a\n\ndata: {\"partial", &mut out)
            .expect("valid");
        assert_eq!(out, vec![ev(None, "a")]);
        assert!(p.finish());
        assert!(!p.finish(), "finish resets the pending state");

        for tail in [
            &b"data: x\n"[..],
            b"event: e\n",
            b"retry: 5\n",
            b"id: 1\n",
            b"foo: bar\n",
            b": comment",
            b"dat",
            b"data: \xe2\x82",
            b"\xef\xbb",
        ] {
            let mut p = SseParser::new();
            p.feed(tail, &mut out).expect("valid");
            assert!(p.finish(), "{tail:?}");
        }
        for complete in [
            &b""[..],
            b"data: x\n\n",
            b"data: x\r\r",
            b"data: x\r\n\r",
            b": c\n",
            b"event: e\n\n",
        ] {
            let mut p = SseParser::new();
            p.feed(complete, &mut out).expect("valid");
            assert!(!p.finish(), "{complete:?}");
        }
    }

    #[test]
    fn bytes_seen_counts_everything() {
        let mut p = SseParser::new();
        let mut out = Vec::new();
        p.feed(b"\xef\xbb\xbfdata: a\n", &mut out).expect("valid");
        p.feed(b"", &mut out).expect("valid");
        p.feed(b"\n", &mut out).expect("valid");
        assert_eq!(p.bytes_seen(), 12);
    }

    // --- sizes and performance ---

    #[test]
    fn many_small_lines() {
        let mut stream = Vec::new();
        for _ in 0..10_000 {
            stream.extend_from_slice(b"data:x\n");
        }
        stream.push(b'\n');
        let out = parse_chunks(&[&stream]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].data.len(), 10_000 * 2 - 1);
        // And one line per chunk.
        let mut p = SseParser::new();
        let mut out = Vec::new();
        for _ in 0..10_000 {
            p.feed(b"data:x\n", &mut out).expect("valid");
        }
        p.feed(b"\n", &mut out).expect("valid");
        assert_eq!(out[0].data.len(), 10_000 * 2 - 1);
    }

    #[test]
    fn large_event_in_small_chunks() {
        let payload: String = "0123456789abcdé€😀\u{2028}".repeat(8 << 20 >> 5);
        let mut stream = b"data: ".to_vec();
        stream.extend_from_slice(payload.as_bytes());
        stream.extend_from_slice(b"\r\n\r\n");
        let mut p = SseParser::new();
        let mut out = Vec::new();
        for chunk in stream.chunks(4096) {
            p.feed(chunk, &mut out).expect("valid");
        }
        assert!(!p.finish());
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].data, payload);
    }

    #[test]
    fn max_event_bytes_is_enforced() {
        let ok = |limit, s: &str| {
            let mut p = SseParser::with_max_event_bytes(Some(limit));
            let mut out = Vec::new();
            p.feed(s.as_bytes(), &mut out).map(|()| out)
        };
        let too_large = Err(SseError::EventTooLarge { limit: 10 });
        // 9 data bytes + the line feed = 10.
        assert_eq!(
            ok(10, "data: 123456789\n\n"),
            Ok(vec![ev(None, "123456789")])
        );
        assert_eq!(ok(10, "data: 1234567890\n\n"), too_large);
        // Detected while the line is still arriving.
        assert_eq!(ok(10, "data: 12345678901"), too_large);
        assert_eq!(ok(10, "data: 1234\ndata: 12345\n"), too_large);
        assert_eq!(ok(10, "event: 12345678901"), too_large);
        assert_eq!(ok(10, "event: 123456\ndata: 1234\n"), too_large);
        // The budget is per event.
        assert_eq!(
            ok(10, "data: 12345678\n\ndata: 12345678\n\n").map(|o| o.len()),
            Ok(2)
        );
        // Sticky, across chunks.
        let mut p = SseParser::with_max_event_bytes(Some(10));
        let mut out = Vec::new();
        p.feed(b"data: 12345", &mut out).expect("under the limit");
        p.feed(b"67890", &mut out).expect("at the limit");
        let too_large = Err(SseError::EventTooLarge { limit: 10 });
        assert_eq!(p.feed(b"1", &mut out), too_large);
        assert_eq!(p.feed(b"\n\n", &mut out), too_large);
        // No limit by default.
        let big = format!("data: {}\n\n", "x".repeat(1 << 20));
        assert_eq!(parse(&big)[0].data.len(), 1 << 20);
        assert_eq!(
            SseParser::with_max_event_bytes(None).max_event_bytes,
            SseParser::new().max_event_bytes
        );
    }

    #[test]
    fn find_eol_matches_naive_search() {
        let mut buf = vec![b'a'; 40];
        assert_eq!(find_eol(&buf), None);
        for i in 0..40 {
            for eol in [b'\r', b'\n'] {
                buf[i] = eol;
                assert_eq!(find_eol(&buf), Some(i));
                assert_eq!(find_eol(&buf[..i]), None);
                buf[i] = b'a';
            }
        }
        // Bytes near CR/LF must not match.
        let near: Vec<u8> = (0..=255u8).filter(|b| *b != b'\r' && *b != b'\n').collect();
        assert_eq!(find_eol(&near), None);
        assert_eq!(find_eol(b""), None);
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    /// One line of a generated stream.
    #[derive(Debug, Clone)]
    enum Line {
        Data { space: bool, value: String },
        Event { space: bool, value: String },
        Id(String),
        Comment(String),
        Unknown(String),
        Blank,
    }

    /// Text without CR/LF (any other char, including multi-byte and NUL).
    fn text() -> impl Strategy<Value = String> {
        // `any::<char>()` mixes ASCII, special code points and the whole Unicode range.
        prop::collection::vec(any::<char>(), 0..12).prop_map(|chars| {
            chars
                .into_iter()
                .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
                .collect()
        })
    }

    fn line() -> impl Strategy<Value = Line> {
        prop_oneof![
            4 => (any::<bool>(), text()).prop_map(|(space, value)| Line::Data { space, value }),
            1 => (any::<bool>(), text()).prop_map(|(space, value)| Line::Event { space, value }),
            1 => text().prop_map(Line::Id),
            1 => text().prop_map(Line::Comment),
            1 => text().prop_map(Line::Unknown),
            3 => Just(Line::Blank),
        ]
    }

    fn eol() -> impl Strategy<Value = &'static str> {
        prop_oneof![Just("\n"), Just("\r"), Just("\r\n")]
    }

    fn render(lines: &[(Line, &str)], bom: bool) -> Vec<u8> {
        let mut s = String::new();
        if bom {
            s.push('\u{feff}');
        }
        for (line, eol) in lines {
            match line {
                Line::Data { space, value } => {
                    s += "data:";
                    if *space {
                        s.push(' ');
                    }
                    s += value;
                }
                Line::Event { space, value } => {
                    s += "event:";
                    if *space {
                        s.push(' ');
                    }
                    s += value;
                }
                Line::Id(v) => {
                    s += "id: ";
                    s += v;
                }
                Line::Comment(v) => {
                    s.push(':');
                    s += v;
                }
                Line::Unknown(v) => {
                    s += "x-";
                    s += v;
                }
                Line::Blank => {}
            }
            s += eol;
        }
        s.into_bytes()
    }

    /// A straightforward model of the spec, run on whole lines.
    fn model(lines: &[(Line, &str)]) -> Vec<SseEvent> {
        let strip = |space: bool, v: &str| -> String {
            if space {
                v.to_owned()
            } else {
                v.strip_prefix(' ').unwrap_or(v).to_owned()
            }
        };
        let mut out = Vec::new();
        let (mut data, mut event, mut id) = (String::new(), String::new(), None::<String>);
        let mut has_data = false;
        for (line, _) in lines {
            match line {
                Line::Data { space, value } => {
                    data += &strip(*space, value);
                    data.push('\n');
                    has_data = true;
                }
                Line::Event { space, value } => event = strip(*space, value),
                Line::Id(v) if !v.contains('\0') => id = (!v.is_empty()).then(|| v.clone()),
                Line::Id(_) | Line::Comment(_) | Line::Unknown(_) => {}
                Line::Blank => {
                    if has_data {
                        data.pop();
                        out.push(SseEvent {
                            event: (!event.is_empty()).then(|| event.clone()),
                            data: mem::take(&mut data),
                            id: id.clone(),
                            retry: None,
                        });
                    }
                    has_data = false;
                    event.clear();
                }
            }
        }
        out
    }

    fn feed_all(chunks: &[&[u8]]) -> (Vec<SseEvent>, bool) {
        let mut p = SseParser::new();
        let mut out = Vec::new();
        for c in chunks {
            p.feed(c, &mut out).expect("generated streams are valid");
        }
        (out, p.finish())
    }

    fn stream_and_splits() -> impl Strategy<Value = (Vec<(Line, &'static str)>, bool, Vec<usize>)> {
        (
            prop::collection::vec((line(), eol()), 0..40),
            any::<bool>(),
            prop::collection::vec(any::<prop::sample::Index>(), 0..12),
        )
            .prop_map(|(lines, bom, idx)| {
                let len = render(&lines, bom).len();
                let mut splits: Vec<usize> = idx.iter().map(|i| i.index(len + 1)).collect();
                splits.sort_unstable();
                (lines, bom, splits)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        #[test]
        fn chunking_does_not_change_the_events((lines, bom, splits) in stream_and_splits()) {
            let bytes = render(&lines, bom);
            let whole = feed_all(&[&bytes]);
            let mut chunks = Vec::new();
            let mut start = 0;
            for &s in &splits {
                chunks.push(&bytes[start..s]); // repeated split points give empty chunks
                start = s;
            }
            chunks.push(&bytes[start..]);
            prop_assert_eq!(feed_all(&chunks), whole);
        }

        #[test]
        fn events_match_a_line_based_model((mut lines, bom, _) in stream_and_splits()) {
            // A CR line ending followed by a blank line ending in LF reads as one CRLF; the
            // model works on the lines as generated, so end such blank lines with CRLF.
            for i in 1..lines.len() {
                if lines[i - 1].1 == "\r" && matches!(lines[i], (Line::Blank, "\n")) {
                    lines[i].1 = "\r\n";
                }
            }
            let bytes = render(&lines, bom);
            let (events, _) = feed_all(&[&bytes]);
            prop_assert_eq!(events, model(&lines));
        }

        #[test]
        fn arbitrary_bytes_never_panic(
            bytes in prop::collection::vec(any::<u8>(), 0..200),
            split in any::<prop::sample::Index>(),
        ) {
            let cut = split.index(bytes.len() + 1);
            let mut whole = SseParser::new();
            let mut split_parser = SseParser::new();
            let (mut a, mut b) = (Vec::new(), Vec::new());
            let r1 = whole.feed(&bytes, &mut a);
            let r2 = split_parser
                .feed(&bytes[..cut], &mut b)
                .and_then(|()| split_parser.feed(&bytes[cut..], &mut b));
            prop_assert_eq!(r1.clone(), r2);
            // Same error at the same offset, and the same events before it.
            prop_assert_eq!(a, b);
            let expected = match std::str::from_utf8(&bytes) {
                Err(e) if e.error_len().is_some() => {
                    Err(SseError::InvalidUtf8 { byte_offset: e.valid_up_to() as u64 })
                }
                _ => Ok(()),
            };
            prop_assert_eq!(r1, expected);
        }
    }
}
