//! Legacy text completions (`/v1/completions`) and moderations: pure
//! functions from the request to the answer.

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::openai::{ApiError, CREATED, missing, missing_model, object, opt_u64};
use crate::tokens;

/// One prompt of a completion request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub text: String,
    pub tokens: u64,
}

/// Everything needed to answer a text completion, streamed or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletionPlan {
    pub model: String,
    pub stream: bool,
    pub include_usage: bool,
    /// One reply per prompt and choice: `prompts × n`, prompt-major.
    pub texts: Vec<(String, &'static str)>,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

fn bad_prompt() -> ApiError {
    ApiError::invalid(
        "Invalid 'prompt': expected a string, an array of strings, an array of tokens or an array of token arrays.",
        "prompt",
    )
}

fn prompts(v: Option<&Value>) -> Result<Vec<Prompt>, ApiError> {
    let tokens_of = |a: &[Value]| -> Option<Prompt> {
        let ids: Vec<u64> = a.iter().map(Value::as_u64).collect::<Option<_>>()?;
        Some(Prompt {
            text: ids.iter().map(u64::to_string).collect::<Vec<_>>().join(" "),
            tokens: ids.len() as u64,
        })
    };
    let text = |s: &str| Prompt {
        text: s.to_owned(),
        tokens: tokens::count(s) as u64,
    };
    match v {
        None | Some(Value::Null) => Err(missing("prompt")),
        Some(Value::String(s)) => Ok(vec![text(s)]),
        Some(Value::Array(a)) if a.is_empty() => Err(bad_prompt()),
        Some(Value::Array(a)) if a.iter().all(Value::is_string) => {
            Ok(a.iter().map(|s| text(s.as_str().unwrap_or(""))).collect())
        }
        Some(Value::Array(a)) if a.iter().all(Value::is_u64) => {
            Ok(vec![tokens_of(a).ok_or_else(bad_prompt)?])
        }
        Some(Value::Array(a)) => a
            .iter()
            .map(|p| {
                p.as_array()
                    .and_then(|p| tokens_of(p))
                    .ok_or_else(bad_prompt)
            })
            .collect(),
        Some(_) => Err(bad_prompt()),
    }
}

/// `max_tokens` defaults to 16, as the real endpoint's does.
pub const DEFAULT_MAX_TOKENS: u64 = 16;

pub fn plan_completion(body: &Value, events: Option<usize>) -> Result<CompletionPlan, ApiError> {
    let obj = object(body)?;
    let model = match obj.get("model") {
        Some(Value::String(m)) if !m.is_empty() => m.clone(),
        _ => return Err(missing_model()),
    };
    let prompts = prompts(obj.get("prompt"))?;
    let n = match opt_u64(obj, "n")? {
        None => 1,
        Some(n @ 1..=128) => n as usize,
        Some(_) => {
            return Err(ApiError::invalid(
                "Invalid 'n': must be between 1 and 128.",
                "n",
            ));
        }
    };
    let max_tokens = opt_u64(obj, "max_tokens")?.unwrap_or(DEFAULT_MAX_TOKENS);
    let echo = obj.get("echo").and_then(Value::as_bool) == Some(true);
    let stream = obj.get("stream").and_then(Value::as_bool) == Some(true);
    let include_usage = stream
        && obj
            .get("stream_options")
            .and_then(|o| o.get("include_usage"))
            .and_then(Value::as_bool)
            == Some(true);
    let mut texts = Vec::with_capacity(prompts.len() * n);
    let mut completion_tokens = 0;
    for p in &prompts {
        let (reply, finish) = match events {
            Some(k) => (crate::openai::event_words(k), "stop"),
            None => {
                let full = format!("You said: {}", p.text);
                match tokens::truncate(&full, max_tokens as usize) {
                    Some(short) => (short.to_owned(), "length"),
                    None => (full, "stop"),
                }
            }
        };
        completion_tokens += n as u64 * tokens::count(&reply) as u64;
        let text = if echo {
            format!("{}{reply}", p.text)
        } else {
            reply
        };
        for _ in 0..n {
            texts.push((text.clone(), finish));
        }
    }
    Ok(CompletionPlan {
        model,
        stream,
        include_usage,
        texts,
        prompt_tokens: prompts.iter().map(|p| p.tokens).sum(),
        completion_tokens,
    })
}

#[derive(Serialize)]
pub struct TextChoice<'a> {
    pub text: &'a str,
    pub index: usize,
    pub logprobs: Option<()>,
    pub finish_reason: Option<&'static str>,
}

#[derive(Serialize)]
pub struct TextCompletion<'a> {
    pub id: &'a str,
    pub object: &'static str,
    pub created: u64,
    pub model: &'a str,
    pub system_fingerprint: &'static str,
    pub choices: Vec<TextChoice<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<Option<Value>>,
}

impl CompletionPlan {
    pub fn usage(&self) -> Value {
        json!({
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
        })
    }

    pub fn body(&self, id: &str) -> Value {
        serde_json::to_value(TextCompletion {
            id,
            object: "text_completion",
            created: CREATED,
            model: &self.model,
            system_fingerprint: crate::openai::FINGERPRINT,
            choices: self
                .texts
                .iter()
                .enumerate()
                .map(|(index, (text, finish))| TextChoice {
                    text,
                    index,
                    logprobs: None,
                    finish_reason: Some(finish),
                })
                .collect(),
            usage: Some(Some(self.usage())),
        })
        .expect("serializing a completion cannot fail")
    }
}

// --------------------------------------------------------------- moderation

pub const CATEGORIES: &[&str] = &[
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/instructions",
    "self-harm/intent",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
];

/// The categories a text triggers, by the words it holds (lowercased): a
/// word starting with `kill` is violence, `hate`/`hateful` hate, one
/// starting with `harass` harassment, `steal` illicit, `self-harm`
/// self-harm. Whole words, so "skill" or "whatever" never flag.
fn triggered(text: &str) -> Vec<&'static str> {
    let t = text.to_lowercase();
    let mut out = Vec::new();
    let words: Vec<&str> = t
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .collect();
    let mut add = |c| {
        if !out.contains(&c) {
            out.push(c);
        }
    };
    for w in words {
        if w.starts_with("kill") {
            add("violence");
        }
        if w == "hate" || w == "hateful" {
            add("hate");
        }
        if w.starts_with("harass") {
            add("harassment");
        }
        if w == "steal" {
            add("illicit");
        }
        if w == "self-harm" {
            add("self-harm");
        }
    }
    out
}

/// `POST /v1/moderations`: one result per input string (or one for a list
/// of multimodal parts, its text parts joined; images never flag).
pub fn moderations_body(body: &Value, id: &str) -> Result<Value, ApiError> {
    let obj = object(body)?;
    let bad = || {
        ApiError::invalid(
            "Invalid 'input': expected a string, an array of strings or an array of content parts.",
            "input",
        )
    };
    let inputs: Vec<(String, bool)> = match obj.get("input") {
        None | Some(Value::Null) => return Err(missing("input")),
        Some(Value::String(s)) => vec![(s.clone(), false)],
        Some(Value::Array(a)) if !a.is_empty() && a.iter().all(Value::is_string) => a
            .iter()
            .map(|s| (s.as_str().unwrap_or("").to_owned(), false))
            .collect(),
        Some(Value::Array(a)) if !a.is_empty() && a.iter().all(Value::is_object) => {
            let mut text = Vec::new();
            let mut image = false;
            for p in a {
                match p.get("type").and_then(Value::as_str) {
                    Some("text") => text.push(p.get("text").and_then(Value::as_str).unwrap_or("")),
                    Some("image_url") => image = true,
                    _ => return Err(bad()),
                }
            }
            vec![(text.join(" "), image)]
        }
        Some(_) => return Err(bad()),
    };
    let model = obj
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("omni-moderation-latest");
    let results: Vec<Value> = inputs
        .iter()
        .map(|(text, image)| {
            let hits = triggered(text);
            let mut categories = Map::new();
            let mut scores = Map::new();
            let mut applied = Map::new();
            for &c in CATEGORIES {
                let hit = hits.contains(&c);
                categories.insert(c.to_owned(), Value::Bool(hit));
                scores.insert(c.to_owned(), json!(if hit { 0.9 } else { 0.0001 }));
                // Only these categories are scored on images by the real API.
                let image_scored = *image
                    && matches!(
                        c,
                        "self-harm"
                            | "self-harm/instructions"
                            | "self-harm/intent"
                            | "sexual"
                            | "violence"
                            | "violence/graphic"
                    );
                let mut types = vec![json!("text")];
                if image_scored {
                    types.push(json!("image"));
                }
                applied.insert(c.to_owned(), Value::Array(types));
            }
            json!({
                "flagged": !hits.is_empty(),
                "categories": categories,
                "category_scores": scores,
                "category_applied_input_types": applied,
            })
        })
        .collect();
    Ok(json!({"id": id, "model": model, "results": results}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completions_echo_with_default_max_tokens() {
        let p = plan_completion(&json!({"model": "m", "prompt": "hello"}), None).unwrap();
        assert_eq!(p.texts, [("You said: hello".to_owned(), "stop")]);
        let b = p.body("cmpl-1");
        assert_eq!(b["object"], "text_completion");
        assert_eq!(b["choices"][0]["logprobs"], Value::Null);
        assert_eq!(
            b["usage"],
            json!({"prompt_tokens": 1, "completion_tokens": 4, "total_tokens": 5})
        );

        let long = "w ".repeat(40);
        let p = plan_completion(&json!({"model": "m", "prompt": long}), None).unwrap();
        assert_eq!(p.texts[0].1, "length");
        assert_eq!(tokens::count(&p.texts[0].0), 16);

        let p = plan_completion(
            &json!({"model": "m", "prompt": ["a", "b"], "n": 2, "echo": true}),
            None,
        )
        .unwrap();
        assert_eq!(p.texts.len(), 4);
        assert_eq!(p.texts[2].0, "bYou said: b");
        let p = plan_completion(&json!({"model": "m", "prompt": [[1, 2], [3]]}), None).unwrap();
        assert_eq!(p.prompt_tokens, 3);
        assert_eq!(p.texts[0].0, "You said: 1 2");

        let err = |b: Value| plan_completion(&b, None).unwrap_err().param;
        assert_eq!(err(json!({"prompt": "x"})).as_deref(), Some("model"));
        assert_eq!(err(json!({"model": "m"})).as_deref(), Some("prompt"));
        assert_eq!(
            err(json!({"model": "m", "prompt": [1, "x"]})).as_deref(),
            Some("prompt")
        );
    }

    #[test]
    fn moderation_flags_kill() {
        let v =
            moderations_body(&json!({"input": ["I will kill it", "nice day"]}), "modr-1").unwrap();
        assert_eq!(v["results"][0]["flagged"], true);
        assert_eq!(v["results"][0]["categories"]["violence"], true);
        assert_eq!(v["results"][0]["category_scores"]["violence"], 0.9);
        assert_eq!(v["results"][1]["flagged"], false);
        assert_eq!(v["model"], "omni-moderation-latest");
        assert_eq!(v["results"][1]["categories"].as_object().unwrap().len(), 13);
        let v = moderations_body(
            &json!({"input": [{"type": "text", "text": "hi"}, {"type": "image_url", "image_url": {"url": "x"}}]}),
            "modr-2",
        )
        .unwrap();
        assert_eq!(v["results"].as_array().unwrap().len(), 1);
        assert_eq!(
            v["results"][0]["category_applied_input_types"]["violence"],
            json!(["text", "image"])
        );
        assert_eq!(
            moderations_body(&json!({}), "x")
                .unwrap_err()
                .param
                .as_deref(),
            Some("input")
        );
    }
}
