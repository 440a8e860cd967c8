//! The mock's tokenizer. It only has to be deterministic and easy to predict
//! from a test, not to resemble a BPE: a token is a maximal run of ASCII
//! alphanumerics, or any single other non-whitespace char.

/// Byte ranges `(start, end)` of the tokens of `s`, in order.
pub fn spans(s: &str) -> Spans<'_> {
    Spans { s, pos: 0 }
}

pub struct Spans<'a> {
    s: &'a str,
    pos: usize,
}

impl Iterator for Spans<'_> {
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        let bytes = self.s.as_bytes();
        let first = loop {
            let c = self.s[self.pos..].chars().next()?;
            if !c.is_whitespace() {
                break c;
            }
            self.pos += c.len_utf8();
        };
        let start = self.pos;
        if first.is_ascii_alphanumeric() {
            while self.pos < bytes.len() && bytes[self.pos].is_ascii_alphanumeric() {
                self.pos += 1;
            }
        } else {
            self.pos += first.len_utf8();
        }
        Some((start, self.pos))
    }
}

pub fn count(s: &str) -> usize {
    spans(s).count()
}

/// Splits `s` into stream deltas: each token with the whitespace before it.
/// Trailing whitespace joins the last piece so that the pieces always
/// concatenate back to `s`.
pub fn pieces(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut prev = 0;
    for (_, end) in spans(s) {
        out.push(&s[prev..end]);
        prev = end;
    }
    if prev < s.len() {
        match out.last_mut() {
            Some(last) => *last = &s[prev - last.len()..],
            None => out.push(s),
        }
    }
    out
}

/// The prefix of `s` holding its first `n` tokens, or `None` when `s` has
/// no more than `n` tokens.
pub fn truncate(s: &str, n: usize) -> Option<&str> {
    if n == 0 {
        return if count(s) > 0 { Some("") } else { None };
    }
    let mut it = spans(s);
    let (_, end) = it.nth(n - 1)?;
    it.next().map(|_| &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_words_punctuation_and_wide_chars() {
        assert_eq!(count(""), 0);
        assert_eq!(count("   \n\t"), 0);
        assert_eq!(count("hello"), 1);
        assert_eq!(count("You said: hello"), 4);
        assert_eq!(count("abc123 def_ghi"), 4);
        assert_eq!(count("你好"), 2);
        assert_eq!(count("hi 👋!"), 3);
        assert_eq!(count("é"), 1);
        assert_eq!(count("{\"input\": \"x\"}"), 9);
    }

    #[test]
    fn spans_are_byte_ranges() {
        let s = " a1 b,你";
        let got: Vec<&str> = spans(s).map(|(a, b)| &s[a..b]).collect();
        assert_eq!(got, ["a1", "b", ",", "你"]);
    }

    #[test]
    fn pieces_concatenate_back() {
        for s in [
            "You said: hello",
            "  lead",
            "trail  ",
            "a\n\nb ",
            "",
            "   ",
            "你好 世界!",
        ] {
            let p = pieces(s);
            assert_eq!(p.concat(), s, "{s:?}");
            if count(s) > 0 {
                assert_eq!(p.len(), count(s), "{s:?}");
            }
        }
        assert_eq!(pieces("You said: hi"), ["You", " said", ":", " hi"]);
    }

    #[test]
    fn truncation() {
        assert_eq!(truncate("You said: hello", 2), Some("You said"));
        assert_eq!(truncate("You said: hello", 4), None);
        assert_eq!(truncate("You said: hello", 9), None);
        assert_eq!(truncate("You said: hello", 0), Some(""));
        assert_eq!(truncate("", 0), None);
    }
}
