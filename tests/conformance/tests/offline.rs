//! Conformance without a server (runs in plain `cargo test`): the JSON the client builds for
//! chat, images and embeddings validates against the spec's request schemas, and the spec's
//! example responses parse into the client's response types.

mod common;

use std::sync::OnceLock;

use common::*;
use jsonschema::{Draft, Validator};
use openai_core::{
    ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, EmbeddingsResponse, ImagesResponse,
    Model, ModelList,
};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// The vendored spec with its OpenAPI 3.0 keywords rewritten (no path prefix).
fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let mut s = openai_conformance::load_spec(&openai_conformance::spec_path())
            .unwrap_or_else(|e| panic!("{e}"));
        openai_conformance::prepare(&mut s, "");
        assert_eq!(openai_conformance::leftover_30_keywords(&s), 0);
        s
    })
}

/// A JSON Schema 2020-12 validator for `#/components/schemas/{name}`, with every `$ref` of the
/// spec resolvable (the component schemas travel inside the schema document).
fn validator(name: &str) -> Validator {
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/components/schemas/{name}"),
        "components": {"schemas": spec()["components"]["schemas"].clone()},
    });
    jsonschema::options()
        .with_draft(Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("the spec schema {name} does not compile: {e}"))
}

fn validators() -> &'static [(&'static str, Validator); 3] {
    static V: OnceLock<[(&'static str, Validator); 3]> = OnceLock::new();
    V.get_or_init(|| {
        [
            "CreateChatCompletionRequest",
            "CreateImageRequest",
            "CreateEmbeddingRequest",
        ]
        .map(|n| (n, validator(n)))
    })
}

fn schema(name: &str) -> &'static Validator {
    &validators().iter().find(|(n, _)| *n == name).unwrap().1
}

/// Every error, with where it is, so a failure says what to fix.
fn errors(v: &Validator, body: &Value) -> Vec<String> {
    v.iter_errors(body)
        .map(|e| format!("at {}: {e}", e.instance_path()))
        .collect()
}

#[track_caller]
fn assert_valid(schema_name: &str, what: &str, body: &Value) {
    let errs = errors(schema(schema_name), body);
    assert!(
        errs.is_empty(),
        "{what}: the body the client builds is rejected by {schema_name}:\n  {}\nbody: {body:#}",
        errs.join("\n  ")
    );
}

#[track_caller]
fn assert_invalid(schema_name: &str, what: &str, body: &Value) {
    assert!(
        !errors(schema(schema_name), body).is_empty(),
        "canary {what}: {schema_name} accepts an invalid body, so the validator checks nothing: {body}"
    );
}

fn body<T: serde::Serialize>(r: &T) -> Value {
    serde_json::to_value(r).expect("requests serialise")
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

#[test]
fn chat_requests_match_the_spec() {
    let mut cases: Vec<(String, Value)> = vec![
        ("minimal".into(), body(&min_chat())),
        (
            "every typed field, json_object".into(),
            body(&full_chat_json_object()),
        ),
        (
            "every typed field, json_schema, extra fields".into(),
            body(&full_chat_json_schema()),
        ),
        ("legacy guide shapes".into(), body(&legacy_chat())),
        ("stream: true + stream_options".into(), stream_chat_body()),
    ];
    for (i, r) in chat_text_variants().iter().enumerate() {
        cases.push((format!("text variant {i}"), body(r)));
    }
    for (what, b) in &cases {
        assert_valid("CreateChatCompletionRequest", what, b);
    }
    // The every-role request really has every role the client types.
    let roles: Vec<&str> = cases[1].1["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    for role in [
        "system",
        "developer",
        "user",
        "assistant",
        "tool",
        "function",
    ] {
        assert!(roles.contains(&role), "no {role} message in {roles:?}");
    }
}

#[test]
fn legacy_image_url_string_is_normalised_into_what_the_spec_requires() {
    // Sent as written, the guide's shape is invalid...
    assert_invalid(
        "CreateChatCompletionRequest",
        "raw image_url string",
        &legacy_chat_json(),
    );
    // ...and the client sends the object form, which is valid.
    let b = body(&legacy_chat());
    assert_eq!(
        b["messages"][1]["content"][1],
        json!({"type": "image_url", "image_url": {"url": IMAGE_URL}})
    );
    assert_valid("CreateChatCompletionRequest", "normalised legacy", &b);
}

#[test]
fn chat_messages_round_trip_through_the_client_types() {
    // What a binding does with a kwargs dict: JSON -> typed request -> JSON. Nothing a valid
    // request holds may be lost or reshaped into something the spec rejects.
    let full = body(&full_chat_json_schema());
    let again = body(&ChatCompletionRequest::from_json(full.clone()).unwrap());
    assert_eq!(full, again);
    assert_valid("CreateChatCompletionRequest", "round trip", &again);
}

#[test]
fn image_requests_match_the_spec() {
    for (what, r) in [
        ("minimal", min_image()),
        ("every typed field, dall-e-3", full_image()),
        ("every typed field, dall-e-2 b64", full_image_b64()),
    ] {
        assert_valid("CreateImageRequest", what, &body(&r));
    }
}

#[test]
fn embedding_requests_match_the_spec() {
    assert_valid("CreateEmbeddingRequest", "minimal", &body(&min_embedding()));
    for (i, r) in full_embeddings().iter().enumerate() {
        assert_valid(
            "CreateEmbeddingRequest",
            &format!("every typed field #{i} ({})", r.input),
            &body(r),
        );
    }
}

#[test]
fn invalid_bodies_are_rejected_by_the_validator() {
    // The same canaries the Prism suite sends: proves the schemas compiled and are enforced
    // (before the 3.0 keywords were rewritten, several of these schemas did not compile).
    for (path, body, why) in canaries() {
        let name = match path {
            "chat/completions" => "CreateChatCompletionRequest",
            "images/generations" => "CreateImageRequest",
            "embeddings" => "CreateEmbeddingRequest",
            _ => continue,
        };
        assert_invalid(name, why, &body);
    }
}

// ---------------------------------------------------------------------------------------------
// Example responses
// ---------------------------------------------------------------------------------------------

/// The `x-oaiMeta` examples of an operation: `(title, response text)`.
fn examples(path: &str, method: &str) -> Vec<(String, String)> {
    let ex = &spec()["paths"][path][method]["x-oaiMeta"]["examples"];
    let list: Vec<&Value> = match ex {
        Value::Array(items) => items.iter().collect(),
        Value::Object(_) => vec![ex],
        _ => panic!("no examples for {method} {path}"),
    };
    list.into_iter()
        .filter_map(|e| {
            let title = e["title"].as_str().unwrap_or("default").to_owned();
            e["response"].as_str().map(|r| (title, r.to_owned()))
        })
        .collect()
}

/// The examples are JSON as a person writes it in docs: `.... (1536 floats total)` lines and
/// the trailing commas they leave. Drop both.
fn docs_json(text: &str) -> Value {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("..."))
        .collect();
    let joined = lines.join("\n");
    let mut out = String::with_capacity(joined.len());
    let (mut in_string, mut escaped) = (false, false);
    let chars: Vec<char> = joined.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if in_string {
            escaped = !escaped && c == '\\';
            in_string = escaped || c != '"';
        } else if c == '"' {
            in_string = true;
        } else if c == ','
            && chars[i + 1..]
                .iter()
                .find(|c| !c.is_whitespace())
                .is_some_and(|c| *c == ']' || *c == '}')
        {
            continue;
        }
        out.push(c);
    }
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("example is not JSON ({e}):\n{out}"))
}

fn parse<T: DeserializeOwned>(what: &str, v: Value) -> T {
    serde_json::from_value(v.clone())
        .unwrap_or_else(|e| panic!("example {what} does not parse: {e}\n{v:#}"))
}

#[test]
fn chat_examples_parse() {
    let ex = examples("/chat/completions", "post");
    assert!(ex.len() >= 4, "{ex:?}");
    let mut saw_tool_call = false;
    for (title, text) in ex {
        if title.to_lowercase().contains("stream") {
            let mut n = 0;
            for line in text.lines().map(str::trim) {
                if line.is_empty() || line.starts_with("...") {
                    continue;
                }
                let chunk: ChatCompletionChunk = parse(&title, docs_json(line));
                assert_eq!(chunk.object, "chat.completion.chunk");
                n += 1;
            }
            assert!(n >= 2, "{title}: {n} chunks");
            continue;
        }
        let c: ChatCompletion = parse(&title, docs_json(&text));
        assert_eq!(c.object, "chat.completion", "{title}");
        assert!(!c.choices.is_empty(), "{title}");
        assert!(
            c.usage.as_ref().is_some_and(|u| u.total_tokens > 0),
            "{title}"
        );
        let msg = &c.choices[0].message;
        assert!(
            msg.content.is_some() || msg.tool_calls.is_some(),
            "{title}: {msg:?}"
        );
        if let Some(calls) = &msg.tool_calls {
            saw_tool_call = true;
            assert!(!calls[0].function.name.is_empty());
            // The reply goes back into the next request as history; it must still be valid.
            let mut next = min_chat();
            next.messages.push(msg.to_message());
            next.messages
                .push(openai_core::Message::tool(calls[0].id.clone(), "{}"));
            assert_valid("CreateChatCompletionRequest", "history", &body(&next));
        }
    }
    assert!(saw_tool_call, "no example with tool calls");
}

#[test]
fn image_examples_parse() {
    let mut n = 0;
    for (title, text) in examples("/images/generations", "post") {
        if text.trim_start().starts_with("event:") {
            continue; // image streaming: not supported by the client
        }
        let r: ImagesResponse = parse(&title, docs_json(&text));
        assert!(r.created > 0 && !r.data.is_empty(), "{title}: {r:?}");
        assert!(r.data[0].b64_json.is_some() || r.data[0].url.is_some());
        n += 1;
    }
    assert!(n >= 1);
}

#[test]
fn embedding_examples_parse() {
    for (title, text) in examples("/embeddings", "post") {
        let r: EmbeddingsResponse = parse(&title, docs_json(&text));
        assert_eq!(r.object, "list");
        let v = r.data[0].embedding.to_f32().unwrap();
        assert!(v.len() >= 2, "{title}: {v:?}");
        assert!(r.usage.is_some_and(|u| u.prompt_tokens > 0));
    }
}

#[test]
fn model_examples_parse() {
    for (title, text) in examples("/models", "get") {
        let r: ModelList = parse(&title, docs_json(&text));
        assert!(r.data.len() >= 2, "{title}");
        assert!(r.data.iter().all(|m| !m.id.is_empty() && m.created > 0));
        assert!(
            r.data[0].extra.contains_key("shutdown_date"),
            "kept in extra"
        );
    }
    for (title, text) in examples("/models/{model}", "get") {
        let m: Model = parse(&title, docs_json(&text));
        assert_eq!(m.object, "model", "{title}");
        assert!(!m.owned_by.is_empty());
    }
}

#[test]
fn docs_json_drops_ellipses_and_trailing_commas() {
    let v = docs_json("{\"a\": [1,\n  .... (more)\n  2,\n], \"s\": \"x,]\",}");
    assert_eq!(v, json!({"a": [1, 2], "s": "x,]"}));
}

#[test]
fn validator_rejects_near_misses_of_client_shapes() {
    let good = body(&full_chat_json_object());
    // (what, JSON pointer, new value or None to remove the field)
    let mutations: [(&str, &str, Option<Value>); 8] = [
        ("unknown role", "/messages/0/role", Some(json!("wizard"))),
        (
            "image detail not auto/low/high",
            "/messages/2/content/1/image_url/detail",
            Some(json!("extreme")),
        ),
        (
            "tool message without tool_call_id",
            "/messages/4/tool_call_id",
            None,
        ),
        (
            "tool call without function",
            "/messages/3/tool_calls/0/function",
            None,
        ),
        (
            "response_format type xml",
            "/response_format",
            Some(json!({"type": "xml"})),
        ),
        ("n is a string", "/n", Some(json!("2"))),
        ("top_p above 1", "/top_p", Some(json!(1.5))),
        (
            "tool_choice unknown string",
            "/tool_choice",
            Some(json!("sometimes")),
        ),
    ];
    for (what, pointer, value) in mutations {
        let mut b = good.clone();
        match value {
            Some(v) => *b.pointer_mut(pointer).expect(pointer) = v,
            None => {
                let (parent, key) = pointer.rsplit_once('/').unwrap();
                let removed = b
                    .pointer_mut(parent)
                    .unwrap()
                    .as_object_mut()
                    .unwrap()
                    .remove(key);
                assert!(removed.is_some(), "{pointer}");
            }
        }
        assert_invalid("CreateChatCompletionRequest", what, &b);
    }
    let mut img = body(&full_image());
    img["style"] = json!("dramatic");
    assert_invalid("CreateImageRequest", "style dramatic", &img);
    let mut emb = body(&min_embedding());
    emb["dimensions"] = json!(0);
    assert_invalid("CreateEmbeddingRequest", "dimensions 0", &emb);
}
