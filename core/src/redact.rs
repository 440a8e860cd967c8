//! Keeps a client's secrets out of the errors it returns and the lines it logs.
//!
//! A server, a proxy or a gateway may echo the `Authorization` header back — in an error
//! `message` ("Incorrect API key provided: Bearer sk-…"), in `param`, in a header, in an SSE error
//! event. Every string that came from the network passes through [`Redactor::scrub`] before it is
//! stored on an [`Error`] or logged, so no binding has to remember to do it.
//!
//! How to use it from code that makes errors out of network data (a new endpoint, a new stream
//! dialect): take the client's redactor with `Client::redactor()` (an `Arc` clone, cheap; keep
//! it next to the stream) and return `redactor.scrub(err)` instead of `err`. Scrubbing an error
//! twice is harmless.

use std::borrow::Cow;
use std::sync::Arc;

use crate::error::Error;

/// What replaces a secret.
pub const REDACTED: &str = "[REDACTED]";

/// Shorter secrets are not scrubbed: a key of a few characters is not a real key, and replacing
/// every occurrence of, say, `"key"` would mangle messages instead of protecting anything.
const MIN_SECRET_LEN: usize = 8;

/// The secrets of one client (its API key and sensitive default headers), in every form they
/// can take in a response. Cheap to clone: the list is shared.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Longest first, so a secret that contains another is replaced whole.
    needles: Arc<[Box<str>]>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} needles)", self.needles.len())
    }
}

impl Redactor {
    /// A redactor for these secrets. Each is also looked for in the forms a JSON body may use
    /// for it (`\"`/`\\` escapes, `\/`).
    pub(crate) fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Redactor {
        let mut needles: Vec<Box<str>> = Vec::new();
        for s in secrets {
            if s.len() < MIN_SECRET_LEN {
                continue;
            }
            let json = serde_json::to_string(s).unwrap_or_default();
            let json = json.trim_matches('"');
            for form in [s.to_owned(), json.to_owned(), json.replace('/', "\\/")] {
                if !needles.iter().any(|n| **n == *form) {
                    needles.push(form.into_boxed_str());
                }
            }
        }
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        Redactor {
            needles: needles.into(),
        }
    }

    /// True when there is nothing to scrub (no key long enough to be one).
    pub fn is_empty(&self) -> bool {
        self.needles.is_empty()
    }

    /// `s` with every secret replaced by [`REDACTED`]; borrowed when there was none.
    pub fn scrub_str<'a>(&self, s: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(s);
        for n in self.needles.iter() {
            if out.contains(&**n) {
                out = Cow::Owned(out.replace(&**n, REDACTED));
            }
        }
        out
    }

    /// True when `s` holds a secret.
    pub fn finds_secret_in(&self, s: &str) -> bool {
        self.needles.iter().any(|n| s.contains(&**n))
    }

    /// The error with every secret replaced in every text it holds: message, body, `param`,
    /// `type`, `code`, the API message, request id, kept headers, and its source chain (a source
    /// whose text holds a secret is replaced by its scrubbed text). Call it on every error built
    /// from network data before returning or logging it.
    pub fn scrub(&self, e: Error) -> Error {
        if self.is_empty() {
            return e;
        }
        e.scrub_with(self)
    }
}

/// A source error whose text held a secret, kept as its scrubbed text.
#[derive(Debug)]
pub(crate) struct ScrubbedSource(pub(crate) String);

impl std::fmt::Display for ScrubbedSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ScrubbedSource {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_every_form_and_leaves_the_rest() {
        let r = Redactor::new(["sk-abc/def\"ghi"]);
        let raw = r#"a sk-abc/def"ghi b sk-abc\/def\"ghi c sk-abc/def\"ghi"#;
        let out = r.scrub_str(raw);
        assert_eq!(out, "a [REDACTED] b [REDACTED] c [REDACTED]");
        assert!(matches!(r.scrub_str("nothing here"), Cow::Borrowed(_)));
    }

    #[test]
    fn short_keys_are_not_scrubbed() {
        let r = Redactor::new(["key"]);
        assert!(r.is_empty());
        assert_eq!(r.scrub_str("key"), "key");
    }

    #[test]
    fn scrubs_every_field_of_an_error() {
        let key = "sk-test-CANARY-0123456789";
        let r = Redactor::new([key]);
        let body = format!(
            r#"{{"error":{{"message":"bad Bearer {key}","type":"t {key}","param":"{key}","code":"{key}"}}}}"#
        );
        let e = Error::from_status(
            401,
            body.as_bytes(),
            vec![("x-echo".into(), format!("Bearer {key}"))],
            Some(key.into()),
        )
        .with_source(ScrubbedSource(format!("cause {key}")));
        let e = r.scrub(e);
        let shown = format!(
            "{e} {e:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {}",
            e.message(),
            e.body(),
            e.param(),
            e.code(),
            e.error_type(),
            e.request_id(),
            e.headers(),
            std::error::Error::source(&e).unwrap()
        );
        assert!(!shown.contains("CANARY"), "{shown}");
        assert!(shown.contains("Bearer [REDACTED]"), "{shown}");
        assert_eq!(e.api_error().unwrap().message, "bad Bearer [REDACTED]");
    }
}
