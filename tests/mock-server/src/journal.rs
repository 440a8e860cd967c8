//! The request journal and the per-test-id attempt counters.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};

use base64::Engine as _;

use crate::{JournalEntry, JournalPart};

/// Keeps benchmarks (100k+ requests) from growing memory without bound.
pub const MAX_ENTRIES: usize = 10_000;
/// Large request bodies would otherwise make even 10,000 entries gigabytes.
pub const MAX_BYTES: usize = 64 * 1024 * 1024;

pub struct Journal {
    enabled: bool,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    entries: VecDeque<JournalEntry>,
    bytes: usize,
    next_seq: u64,
    /// Keyed by test id ("" for requests without one). Survives `clear` so
    /// that one test clearing the journal cannot re-arm another test's
    /// `times=K` fault midway through its retries.
    attempts: HashMap<String, u32>,
}

fn weight(e: &JournalEntry) -> usize {
    e.body.len()
        + e.body_base64.as_ref().map_or(0, String::len)
        + e.headers
            .iter()
            .map(|(n, v)| n.len() + v.len())
            .sum::<usize>()
        + e.path.len()
        + e.query.len()
}

/// What `record` needs from a request; taken by value so that headers and
/// body move into the journal instead of being copied.
pub struct Arrival {
    pub at_ms: f64,
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The body's length (`body` may be empty for a big streamed one).
    pub body_len: u64,
    pub body_hash: Option<String>,
    pub multipart: Option<Vec<JournalPart>>,
    pub test_id: Option<String>,
}

impl Journal {
    pub fn new(enabled: bool) -> Journal {
        Journal {
            enabled,
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records a request on arrival with status 0 (not answered yet) and
    /// returns its `(seq, attempt)`.
    pub fn record(&self, a: Arrival) -> (u64, u32) {
        let (body, body_base64) = if self.enabled {
            match String::from_utf8(a.body) {
                Ok(s) => (s, None),
                Err(e) => (
                    String::from_utf8_lossy(e.as_bytes()).into_owned(),
                    Some(base64::engine::general_purpose::STANDARD.encode(e.as_bytes())),
                ),
            }
        } else {
            (String::new(), None)
        };
        let mut inner = self.lock();
        inner.next_seq += 1;
        let seq = inner.next_seq;
        let key = a.test_id.as_deref().unwrap_or("");
        let attempt = match inner.attempts.get_mut(key) {
            Some(n) => {
                *n += 1;
                *n
            }
            None => {
                inner.attempts.insert(key.to_owned(), 1);
                1
            }
        };
        if self.enabled {
            let entry = JournalEntry {
                seq,
                at_ms: a.at_ms,
                method: a.method,
                path: a.path,
                query: a.query,
                headers: a.headers,
                body,
                body_bytes: a.body_len,
                body_base64,
                body_fnv1a64: a.body_hash,
                multipart: a.multipart,
                test_id: a.test_id,
                attempt,
                status: 0,
                hangup_ms: None,
            };
            inner.bytes += weight(&entry);
            inner.entries.push_back(entry);
            while inner.entries.len() > MAX_ENTRIES
                || (inner.bytes > MAX_BYTES && inner.entries.len() > 1)
            {
                let old = inner.entries.pop_front().expect("journal is non-empty");
                inner.bytes -= weight(&old);
            }
        }
        (seq, attempt)
    }

    pub fn set_status(&self, seq: u64, status: u16) {
        if !self.enabled {
            return;
        }
        let mut inner = self.lock();
        if let Ok(i) = inner.entries.binary_search_by_key(&seq, |e| e.seq) {
            inner.entries[i].status = status;
        }
    }

    /// Records that the client closed the connection of request `seq`.
    pub fn set_hangup(&self, seq: u64, at_ms: f64) {
        if !self.enabled {
            return;
        }
        let mut inner = self.lock();
        if let Ok(i) = inner.entries.binary_search_by_key(&seq, |e| e.seq) {
            inner.entries[i].hangup_ms = Some(at_ms);
        }
    }

    pub fn entries(&self, test_id: Option<&str>) -> Vec<JournalEntry> {
        let inner = self.lock();
        match test_id {
            None => inner.entries.iter().cloned().collect(),
            Some(id) => inner
                .entries
                .iter()
                .filter(|e| e.test_id.as_deref() == Some(id))
                .cloned()
                .collect(),
        }
    }

    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.entries.clear();
        inner.bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arrival(test_id: Option<&str>, body: &str) -> Arrival {
        Arrival {
            at_ms: 1.0,
            method: "POST".into(),
            path: "/v1/x".into(),
            query: String::new(),
            headers: vec![("x-test-id".into(), test_id.unwrap_or("").into())],
            body: body.as_bytes().to_vec(),
            body_len: body.len() as u64,
            body_hash: None,
            multipart: None,
            test_id: test_id.map(str::to_owned),
        }
    }

    #[test]
    fn counts_attempts_per_test_id() {
        let j = Journal::new(true);
        assert_eq!(j.record(arrival(Some("a"), "")), (1, 1));
        assert_eq!(j.record(arrival(Some("b"), "")), (2, 1));
        assert_eq!(j.record(arrival(Some("a"), "")), (3, 2));
        assert_eq!(j.record(arrival(None, "")), (4, 1));
        j.set_status(3, 503);
        let a = j.entries(Some("a"));
        assert_eq!(
            a.iter()
                .map(|e| (e.seq, e.attempt, e.status))
                .collect::<Vec<_>>(),
            [(1, 1, 0), (3, 2, 503)]
        );
        j.clear();
        assert!(j.entries(None).is_empty());
        assert_eq!(j.record(arrival(Some("a"), "")).1, 3);
    }

    #[test]
    fn caps_entries_and_still_counts_when_disabled() {
        let j = Journal::new(true);
        for _ in 0..MAX_ENTRIES + 5 {
            j.record(arrival(None, "x"));
        }
        let all = j.entries(None);
        assert_eq!(all.len(), MAX_ENTRIES);
        assert_eq!(all[0].seq, 6);

        let off = Journal::new(false);
        assert_eq!(off.record(arrival(Some("t"), "x")), (1, 1));
        assert_eq!(off.record(arrival(Some("t"), "x")), (2, 2));
        assert!(off.entries(None).is_empty());
    }

    #[test]
    fn caps_bytes() {
        let j = Journal::new(true);
        let big = "x".repeat(MAX_BYTES / 4);
        for _ in 0..6 {
            j.record(arrival(None, &big));
        }
        assert!(j.entries(None).len() <= 4);
    }
}
