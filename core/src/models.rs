//! What the client knows about models without asking the API: context windows, output limits,
//! tokenizers and prices.
//!
//! Model ids are matched by the longest known name that is the whole id or is followed by `-`
//! in it, so dated snapshots (`gpt-4o-2024-08-06`) find their family (`gpt-4o`) while `gpt-4o`
//! never falls back to `gpt-4`. Fine-tuned ids (`ft:gpt-4o-mini-2024-07-18:org::id`) and
//! vendor-prefixed ids (`openai/gpt-4o`, as some compatible servers name them) resolve to their
//! base model for limits and tokenizer, but never for prices: fine-tuned models cost more.
//!
//! Everything here is a best-known snapshot that goes stale; each value is overridable per
//! conversation ([`crate::conversation::ConversationSettings`]).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::tokens::Encoding;
use crate::types::Usage;

/// The context window and output limit of a model, in tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelLimits {
    /// Prompt plus reply must fit in this many tokens.
    pub context_window: u64,
    /// The most tokens one reply may have (including reasoning tokens).
    pub max_output_tokens: u64,
}

struct Known {
    name: &'static str,
    encoding: Encoding,
    /// `None` for models that do not chat (embeddings): known only for their tokenizer.
    limits: Option<(u64, u64)>,
}

const fn m(name: &'static str, encoding: Encoding, window: u64, out: u64) -> Known {
    Known {
        name,
        encoding,
        limits: Some((window, out)),
    }
}

use Encoding::{Cl100kBase as CL, O200kBase as O2};

/// As published in OpenAI's model pages (2025-08). The undated `gpt-3.5-turbo` is given the
/// 4,096 tokens it had for most of its life and that the guides quote (the alias later moved to
/// 16,385-token snapshots, listed by date): trimming a little early is harmless, a request the
/// API rejects is not.
static KNOWN: &[Known] = &[
    m("gpt-5", O2, 400_000, 128_000),
    m("gpt-5-mini", O2, 400_000, 128_000),
    m("gpt-5-nano", O2, 400_000, 128_000),
    m("gpt-5-pro", O2, 400_000, 272_000),
    m("gpt-5-chat-latest", O2, 128_000, 16_384),
    m("gpt-5.1", O2, 400_000, 128_000),
    m("gpt-5.1-chat-latest", O2, 128_000, 16_384),
    m("gpt-4.1", O2, 1_047_576, 32_768),
    m("gpt-4.1-mini", O2, 1_047_576, 32_768),
    m("gpt-4.1-nano", O2, 1_047_576, 32_768),
    m("gpt-4.5-preview", O2, 128_000, 16_384),
    m("gpt-4o", O2, 128_000, 16_384),
    m("gpt-4o-2024-05-13", O2, 128_000, 4_096),
    m("gpt-4o-mini", O2, 128_000, 16_384),
    m("chatgpt-4o-latest", O2, 128_000, 16_384),
    m("o1", O2, 200_000, 100_000),
    m("o1-pro", O2, 200_000, 100_000),
    m("o1-mini", O2, 128_000, 65_536),
    m("o1-preview", O2, 128_000, 32_768),
    m("o3", O2, 200_000, 100_000),
    m("o3-pro", O2, 200_000, 100_000),
    m("o3-mini", O2, 200_000, 100_000),
    m("o4-mini", O2, 200_000, 100_000),
    m("gpt-4-turbo", CL, 128_000, 4_096),
    m("gpt-4-0125-preview", CL, 128_000, 4_096),
    m("gpt-4-1106-preview", CL, 128_000, 4_096),
    m("gpt-4-1106-vision-preview", CL, 128_000, 4_096),
    m("gpt-4-vision-preview", CL, 128_000, 4_096),
    m("gpt-4", CL, 8_192, 8_192),
    m("gpt-4-32k", CL, 32_768, 32_768),
    m("gpt-3.5-turbo", CL, 4_096, 4_096),
    m("gpt-3.5-turbo-16k", CL, 16_384, 16_384),
    m("gpt-3.5-turbo-1106", CL, 16_385, 4_096),
    m("gpt-3.5-turbo-0125", CL, 16_385, 4_096),
    m("gpt-3.5-turbo-instruct", CL, 4_096, 4_096),
    // Azure's spelling of the same models.
    m("gpt-35-turbo", CL, 4_096, 4_096),
    m("gpt-35-turbo-16k", CL, 16_384, 16_384),
    Known {
        name: "text-embedding-3-small",
        encoding: CL,
        limits: None,
    },
    Known {
        name: "text-embedding-3-large",
        encoding: CL,
        limits: None,
    },
    Known {
        name: "text-embedding-ada-002",
        encoding: CL,
        limits: None,
    },
];

/// The id without a fine-tuning wrapper (`ft:BASE:org::id`) or a vendor prefix (`openai/`).
pub fn base_model(model: &str) -> &str {
    let m = model.trim();
    let m = m
        .strip_prefix("ft:")
        .map_or(m, |rest| rest.split(':').next().unwrap_or(rest));
    m.rsplit('/').next().unwrap_or(m)
}

/// True if `key` names `model`'s family: the whole id, or followed by `-` (a snapshot date or a
/// variant). Compared case-insensitively.
fn family_matches(model: &str, key: &str) -> bool {
    model.len() >= key.len()
        && model.as_bytes()[..key.len()].eq_ignore_ascii_case(key.as_bytes())
        && matches!(model.as_bytes().get(key.len()), None | Some(b'-'))
}

/// The entry of `keys` with the longest name matching `model` (see [`family_matches`]).
pub(crate) fn longest_match<'a, T>(
    model: &str,
    entries: impl IntoIterator<Item = (&'a str, T)>,
) -> Option<T> {
    entries
        .into_iter()
        .filter(|(k, _)| family_matches(model, k))
        .max_by_key(|(k, _)| k.len())
        .map(|(_, v)| v)
}

fn known(model: &str) -> Option<&'static Known> {
    longest_match(base_model(model), KNOWN.iter().map(|k| (k.name, k)))
}

/// The built-in limits of `model`, `None` for a model this table does not know (a newer one, or
/// a compatible server's): the caller then sets a window or sends untrimmed.
pub fn model_limits(model: &str) -> Option<ModelLimits> {
    known(model)
        .and_then(|k| k.limits)
        .map(|(context_window, max_output_tokens)| ModelLimits {
            context_window,
            max_output_tokens,
        })
}

/// The tokenizer of `model`: `cl100k_base` for the gpt-3.5 and gpt-4 (not 4o/4.1/4.5) families
/// and the embedding models, `o200k_base` for everything else, since every model released since
/// gpt-4o uses it and a new id is far more likely to be one of those.
pub fn encoding_for_model(model: &str) -> Encoding {
    known(model).map_or(Encoding::O200kBase, |k| k.encoding)
}

// ================================================================================================
// Prices
// ================================================================================================

/// The price of one model, in USD per 1M tokens.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelPrice {
    /// Uncached prompt tokens.
    pub input: f64,
    /// Prompt tokens served from the prompt cache; `None` where the model has no cache discount
    /// (they are then billed at `input`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_input: Option<f64>,
    /// Completion tokens, reasoning tokens included.
    pub output: f64,
}

impl ModelPrice {
    /// The cost in USD of `prompt` prompt tokens (of which `cached` were cached) and
    /// `completion` completion tokens.
    pub fn cost_of(&self, prompt: u64, cached: u64, completion: u64) -> f64 {
        let cached = cached.min(prompt);
        let cached_rate = self.cached_input.unwrap_or(self.input);
        ((prompt - cached) as f64 * self.input
            + cached as f64 * cached_rate
            + completion as f64 * self.output)
            / 1_000_000.0
    }

    /// The cost in USD of a call, from the API's `usage`.
    pub fn cost(&self, usage: &Usage) -> f64 {
        self.cost_of(
            usage.prompt_tokens,
            usage.cached_tokens(),
            usage.completion_tokens,
        )
    }

    fn check(&self, model: &str) -> Result<()> {
        let ok = |v: f64| v.is_finite() && v >= 0.0;
        if ok(self.input) && ok(self.output) && self.cached_input.is_none_or(ok) {
            Ok(())
        } else {
            Err(Error::invalid_argument(format!(
                "price of {model:?}: prices must be finite and not negative"
            )))
        }
    }
}

/// A price table: model name (a family, matched like the limits) → price. The built-in table
/// ships in the library (`core/data/prices.json`); a JSON file of the same shape overrides it
/// where the user knows better (new prices, a compatible server's own rates).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PriceTable {
    /// When the prices were checked, free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    /// Where they come from, free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// USD per 1M tokens by model.
    #[serde(default)]
    pub models: BTreeMap<String, ModelPrice>,
}

static BUILTIN: LazyLock<PriceTable> = LazyLock::new(|| {
    PriceTable::from_json(include_str!("../data/prices.json"))
        .expect("the built-in price table is valid (checked by a unit test)")
});

impl PriceTable {
    /// The table shipped with this library.
    pub fn builtin() -> &'static PriceTable {
        &BUILTIN
    }

    /// Parses a table: `{"models": {"gpt-4o": {"input": 2.5, "cached_input": 1.25,
    /// "output": 10}}}`, optionally with `as_of`, `source` and `version` (1). Unknown fields are
    /// ignored so a file can carry comments.
    pub fn from_json(json: &str) -> Result<PriceTable> {
        let v: serde_json::Value = serde_json::from_str(json)
            .map_err(|e| Error::invalid_argument(format!("price table is not valid JSON: {e}")))?;
        if let Some(version) = v.get("version")
            && version.as_u64() != Some(1)
        {
            return Err(Error::invalid_argument(format!(
                "price table version {version} is not supported (this library reads version 1)"
            )));
        }
        // Unknown fields are allowed, so a file without `models` (a bare `{"gpt-4o": {...}}`)
        // would otherwise load as an empty table and silently change nothing.
        if !v.get("models").is_some_and(serde_json::Value::is_object) {
            return Err(Error::invalid_argument(
                "price table has no \"models\" object: expected {\"models\": {\"gpt-4o\": \
                 {\"input\": 2.5, \"cached_input\": 1.25, \"output\": 10}}}",
            ));
        }
        let table: PriceTable = serde_json::from_value(v)
            .map_err(|e| Error::invalid_argument(format!("invalid price table: {e}")))?;
        for (model, price) in &table.models {
            price.check(model)?;
        }
        Ok(table)
    }

    /// Reads a table from a JSON file.
    pub fn load(path: impl AsRef<std::path::Path>) -> Result<PriceTable> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::invalid_argument(format!("cannot read price table {}: {e}", path.display()))
        })?;
        PriceTable::from_json(&text)
    }

    /// The price of `model`: its own entry or its family's. Fine-tuned ids match only an entry
    /// written for them (`ft:gpt-4o-mini`, say), never the base model's price.
    pub fn get(&self, model: &str) -> Option<&ModelPrice> {
        let model = model.trim();
        longest_match(model, self.models.iter().map(|(k, v)| (k.as_str(), v))).or_else(|| {
            // A vendor prefix (`openai/gpt-4o`) is just a name; the price is the model's.
            if model.starts_with("ft:") {
                return None;
            }
            let base = base_model(model);
            (base != model)
                .then(|| longest_match(base, self.models.iter().map(|(k, v)| (k.as_str(), v))))
                .flatten()
        })
    }

    /// Adds or replaces entries with those of `other` (and its date and source, if set).
    pub fn merge(&mut self, other: PriceTable) {
        if other.as_of.is_some() {
            self.as_of = other.as_of;
        }
        if other.source.is_some() {
            self.source = other.source;
        }
        self.models.extend(other.models);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_by_family_and_snapshot() {
        let w = |m: &str| model_limits(m).map(|l| (l.context_window, l.max_output_tokens));
        assert_eq!(w("gpt-3.5-turbo"), Some((4_096, 4_096)));
        assert_eq!(w("gpt-3.5-turbo-0613"), Some((4_096, 4_096)));
        assert_eq!(w("gpt-3.5-turbo-16k"), Some((16_384, 16_384)));
        assert_eq!(w("gpt-3.5-turbo-16k-0613"), Some((16_384, 16_384)));
        assert_eq!(w("gpt-3.5-turbo-0125"), Some((16_385, 4_096)));
        assert_eq!(w("gpt-4"), Some((8_192, 8_192)));
        assert_eq!(w("gpt-4-0613"), Some((8_192, 8_192)));
        assert_eq!(w("gpt-4-turbo-2024-04-09"), Some((128_000, 4_096)));
        assert_eq!(w("gpt-4o"), Some((128_000, 16_384)));
        assert_eq!(w("gpt-4o-2024-08-06"), Some((128_000, 16_384)));
        assert_eq!(w("gpt-4o-2024-05-13"), Some((128_000, 4_096)));
        assert_eq!(w("gpt-4o-mini-2024-07-18"), Some((128_000, 16_384)));
        assert_eq!(w("gpt-4.1-nano-2025-04-14"), Some((1_047_576, 32_768)));
        assert_eq!(w("o1-mini"), Some((128_000, 65_536)));
        assert_eq!(w("o3-2025-04-16"), Some((200_000, 100_000)));
        assert_eq!(w("o4-mini"), Some((200_000, 100_000)));
        assert_eq!(w("gpt-5-mini-2025-08-07"), Some((400_000, 128_000)));
        assert_eq!(w("GPT-4O"), Some((128_000, 16_384)));
        assert_eq!(
            w("ft:gpt-4o-mini-2024-07-18:acme::abc123"),
            w("gpt-4o-mini")
        );
        assert_eq!(w("openai/gpt-4o"), w("gpt-4o"));
        // Not a family member: no silent fallback to a shorter name.
        assert_eq!(w("gpt-4ox"), None);
        assert_eq!(w("llama3.1:8b"), None);
        assert_eq!(w("text-embedding-3-small"), None);
    }

    #[test]
    fn tokenizer_by_model() {
        for m in [
            "gpt-4o",
            "gpt-4o-mini",
            "gpt-4.1",
            "gpt-4.5-preview",
            "o1",
            "o3-mini",
            "o4-mini",
            "gpt-5",
            "gpt-5-nano",
            "chatgpt-4o-latest",
            "some-new-model",
        ] {
            assert_eq!(encoding_for_model(m), Encoding::O200kBase, "{m}");
        }
        for m in [
            "gpt-3.5-turbo",
            "gpt-3.5-turbo-16k-0613",
            "gpt-4",
            "gpt-4-0613",
            "gpt-4-turbo",
            "gpt-4-1106-preview",
            "gpt-35-turbo",
            "text-embedding-3-small",
            "ft:gpt-3.5-turbo-0125:acme::x",
        ] {
            assert_eq!(encoding_for_model(m), Encoding::Cl100kBase, "{m}");
        }
    }

    #[test]
    fn builtin_prices_parse_and_match_families() {
        let t = PriceTable::builtin();
        let p = |m: &str| t.get(m).map(|p| (p.input, p.cached_input, p.output));
        assert_eq!(p("gpt-4o"), Some((2.50, Some(1.25), 10.00)));
        assert_eq!(p("gpt-4o-2024-08-06"), Some((2.50, Some(1.25), 10.00)));
        assert_eq!(p("gpt-4o-2024-05-13"), Some((5.00, None, 15.00)));
        assert_eq!(p("gpt-4o-mini"), Some((0.15, Some(0.075), 0.60)));
        assert_eq!(p("gpt-4.1-mini-2025-04-14"), Some((0.40, Some(0.10), 1.60)));
        assert_eq!(p("gpt-4.1-nano"), Some((0.10, Some(0.025), 0.40)));
        assert_eq!(p("o3"), Some((2.00, Some(0.50), 8.00)));
        assert_eq!(p("o4-mini-2025-04-16"), Some((1.10, Some(0.275), 4.40)));
        assert_eq!(p("gpt-3.5-turbo"), Some((0.50, None, 1.50)));
        assert_eq!(p("gpt-4"), Some((30.0, None, 60.0)));
        assert_eq!(p("gpt-4-0613"), Some((30.0, None, 60.0)));
        assert_eq!(p("gpt-5"), Some((1.25, Some(0.125), 10.00)));
        assert_eq!(p("gpt-5-mini"), Some((0.25, Some(0.025), 2.00)));
        assert_eq!(p("openai/gpt-4o-mini"), p("gpt-4o-mini"));
        assert_eq!(p("ft:gpt-4o-mini-2024-07-18:acme::x"), None);
        assert_eq!(p("llama3"), None);
        assert!(t.as_of.is_some() && t.source.is_some());
    }

    #[test]
    fn price_math() {
        let p = ModelPrice {
            input: 2.50,
            cached_input: Some(1.25),
            output: 10.00,
        };
        // 1M uncached prompt tokens + 1M output tokens.
        assert!((p.cost_of(1_000_000, 0, 1_000_000) - 12.50).abs() < 1e-9);
        // Half the prompt cached.
        assert!((p.cost_of(1_000_000, 500_000, 0) - 1.875).abs() < 1e-9);
        // Cached cannot exceed prompt.
        assert!((p.cost_of(10, 50, 0) - 10.0 * 1.25 / 1e6).abs() < 1e-15);
        let no_cache = ModelPrice {
            input: 0.5,
            cached_input: None,
            output: 1.5,
        };
        assert!(
            (no_cache.cost_of(1000, 400, 100) - (1000.0 * 0.5 + 100.0 * 1.5) / 1e6).abs() < 1e-15
        );
        let usage: Usage = serde_json::from_value(serde_json::json!({
            "prompt_tokens": 2000, "completion_tokens": 300, "total_tokens": 2300,
            "prompt_tokens_details": {"cached_tokens": 1000},
            "completion_tokens_details": {"reasoning_tokens": 100}
        }))
        .unwrap();
        let want = (1000.0 * 2.5 + 1000.0 * 1.25 + 300.0 * 10.0) / 1e6;
        assert!((p.cost(&usage) - want).abs() < 1e-15);
    }

    #[test]
    fn price_table_override_and_errors() {
        let mut t = PriceTable::builtin().clone();
        let mine = PriceTable::from_json(
            r#"{"version": 1, "comment": "ours", "models": {
                "gpt-4o": {"input": 1, "output": 2},
                "llama3": {"input": 0, "output": 0}}}"#,
        )
        .unwrap();
        t.merge(mine);
        assert_eq!(t.get("gpt-4o-2024-08-06").unwrap().input, 1.0);
        assert_eq!(t.get("llama3").unwrap().output, 0.0);
        assert_eq!(t.get("gpt-4o-mini").unwrap().input, 0.15);
        for bad in [
            "nope",
            r#"{"version": 2, "models": {}}"#,
            r#"{"models": {"m": {"input": -1, "output": 1}}}"#,
            r#"{"models": {"m": {"input": 1}}}"#,
            // The models at the top level, as one might guess: refused, not an empty table.
            r#"{"gpt-4o": {"input": 1, "output": 2}}"#,
            r#"{"models": []}"#,
        ] {
            let e = PriceTable::from_json(bad).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument, "{bad}");
        }
        let e = PriceTable::load("/nonexistent/prices.json").unwrap_err();
        assert!(e.message().contains("/nonexistent/prices.json"), "{e}");
    }
}
