//! Requests shared by the offline schema checks and the Prism suite: a minimal one and one with
//! every typed parameter set, per endpoint, plus the legacy shapes the guides use.
#![allow(dead_code)] // each test binary uses a different subset

use openai_core::types::{FunctionCall, ToolCall};
use openai_core::{
    ChatCompletionRequest, Content, ContentPart, EmbeddingRequest, ImageGenerationRequest,
    ImageUrl, Message, Role,
};
use serde_json::{Value, json};

pub const IMAGE_URL: &str = "https://example.com/cat.png";
/// A 1x1 transparent PNG.
pub const DATA_URL: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

pub fn min_chat() -> ChatCompletionRequest {
    ChatCompletionRequest::new("gpt-4o-mini", vec![Message::user("Hello!")])
}

fn tool_call() -> ToolCall {
    ToolCall {
        id: "call_abc123".into(),
        call_type: "function".into(),
        function: FunctionCall {
            name: "get_weather".into(),
            arguments: r#"{"city":"Paris"}"#.into(),
        },
        extra: Default::default(),
    }
}

/// A conversation with a message of every role: system, developer, user (text and image parts,
/// `detail` set and not), assistant with tool calls and no content, tool result, legacy
/// function result, named participants, assistant text.
pub fn every_role() -> Vec<Message> {
    let mut assistant_calls = Message::assistant("");
    assistant_calls.content = None;
    assistant_calls.tool_calls = Some(vec![tool_call()]);
    let mut function = Message::new(Role::Function, r#"{"temperature": 21}"#);
    function.name = Some("get_weather".into());
    let mut named_user = Message::user("And tomorrow?");
    named_user.name = Some("alice".into());
    vec![
        Message::system("You are terse."),
        Message::developer("Answer in French."),
        Message::user(Content::Parts(vec![
            ContentPart::Text {
                text: "What is in these images, and what is the weather?".into(),
            },
            ContentPart::ImageUrl {
                image_url: ImageUrl {
                    url: IMAGE_URL.into(),
                    detail: Some("high".into()),
                    extra: Default::default(),
                },
            },
            ContentPart::ImageUrl {
                image_url: ImageUrl {
                    url: DATA_URL.into(),
                    detail: Some("low".into()),
                    extra: Default::default(),
                },
            },
            ContentPart::ImageUrl {
                image_url: ImageUrl {
                    url: IMAGE_URL.into(),
                    detail: None,
                    extra: Default::default(),
                },
            },
        ])),
        assistant_calls,
        Message::tool("call_abc123", r#"{"temperature": 21, "unit": "C"}"#),
        function,
        Message::assistant("Il fait 21 °C à Paris."),
        named_user,
    ]
}

pub fn weather_tool() -> Value {
    json!({
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather in a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
                "additionalProperties": false
            },
            "strict": true
        }
    })
}

/// Every typed field of [`ChatCompletionRequest`] set (`stream_options` only where valid: see
/// [`stream_chat_body`]), with `response_format` `json_object`.
pub fn full_chat_json_object() -> ChatCompletionRequest {
    ChatCompletionRequest {
        model: "gpt-4o".into(),
        messages: every_role(),
        max_tokens: Some(256),
        max_completion_tokens: Some(512),
        temperature: Some(0.7),
        top_p: Some(0.9),
        n: Some(2),
        stop: Some(json!(["\n\n", "END"])),
        response_format: Some(json!({"type": "json_object"})),
        tools: Some(vec![weather_tool()]),
        tool_choice: Some(json!({"type": "function", "function": {"name": "get_weather"}})),
        stream: Some(false),
        stream_options: None,
        seed: Some(42),
        user: Some("user-1234".into()),
        extra: Default::default(),
    }
}

/// The other variants: `json_schema` response format, a string `stop`, `tool_choice` strings,
/// and untyped fields passed through `extra`.
pub fn full_chat_json_schema() -> ChatCompletionRequest {
    let mut r = full_chat_json_object();
    r.response_format = Some(json!({
        "type": "json_schema",
        "json_schema": {
            "name": "weather",
            "description": "A weather report",
            "schema": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "celsius": {"type": "number"}},
                "required": ["city", "celsius"],
                "additionalProperties": false
            },
            "strict": true
        }
    }));
    r.stop = Some(json!("END"));
    r.tool_choice = Some(json!("required"));
    r.n = Some(1);
    r.temperature = Some(0.0);
    r.top_p = Some(1.0);
    for (k, v) in [
        ("logit_bias", json!({"50256": -100})),
        ("parallel_tool_calls", json!(false)),
        ("presence_penalty", json!(0.5)),
        ("frequency_penalty", json!(-0.5)),
        ("logprobs", json!(true)),
        ("top_logprobs", json!(3)),
        ("store", json!(false)),
        ("metadata", json!({"suite": "conformance"})),
        ("service_tier", json!("auto")),
    ] {
        r.extra.insert(k.into(), v);
    }
    r
}

/// `response_format: text`, `tool_choice: none` / `auto`.
pub fn chat_text_variants() -> Vec<ChatCompletionRequest> {
    ["none", "auto"]
        .into_iter()
        .map(|choice| {
            let mut r = min_chat();
            r.response_format = Some(json!({"type": "text"}));
            r.tools = Some(vec![weather_tool()]);
            r.tool_choice = Some(json!(choice));
            r
        })
        .collect()
}

/// The legacy shapes the guides use, parsed the way the bindings parse a kwargs dict: an
/// `image_url` given as a bare string (normalised to `{url}`), a single-string `stop`.
pub fn legacy_chat_json() -> Value {
    json!({
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": [
                {"type": "text", "text": "What's in this image?"},
                {"type": "image_url", "image_url": IMAGE_URL}
            ]}
        ],
        "max_tokens": 300,
        "stop": "\n"
    })
}

pub fn legacy_chat() -> ChatCompletionRequest {
    ChatCompletionRequest::from_json(legacy_chat_json()).expect("the legacy request parses")
}

/// The body `chat_completion_stream` sends: `stream: true` and `stream_options`.
pub fn stream_chat_body() -> Value {
    let mut r = min_chat();
    r.stream = Some(true);
    r.stream_options = Some(json!({"include_usage": true}));
    serde_json::to_value(&r).unwrap()
}

pub fn min_image() -> ImageGenerationRequest {
    ImageGenerationRequest {
        prompt: "A cute baby sea otter".into(),
        ..Default::default()
    }
}

pub fn full_image() -> ImageGenerationRequest {
    ImageGenerationRequest {
        prompt: "A cute baby sea otter".into(),
        model: Some("dall-e-3".into()),
        n: Some(1),
        size: Some("1024x1024".into()),
        quality: Some("hd".into()),
        style: Some("vivid".into()),
        response_format: Some("url".into()),
        user: Some("user-1234".into()),
        extra: Default::default(),
    }
}

/// The other enum values: dall-e-2 with `b64_json`, several images, `natural`, `standard`.
pub fn full_image_b64() -> ImageGenerationRequest {
    ImageGenerationRequest {
        prompt: "A watercolour lighthouse".into(),
        model: Some("dall-e-2".into()),
        n: Some(2),
        size: Some("512x512".into()),
        quality: Some("standard".into()),
        style: Some("natural".into()),
        response_format: Some("b64_json".into()),
        user: Some("user-1234".into()),
        extra: Default::default(),
    }
}

pub fn min_embedding() -> EmbeddingRequest {
    EmbeddingRequest {
        input: json!("The food was delicious."),
        model: "text-embedding-3-small".into(),
        ..Default::default()
    }
}

/// Every typed field, with each input shape the API takes.
pub fn full_embeddings() -> Vec<EmbeddingRequest> {
    let inputs = [
        json!("The food was delicious."),
        json!(["first text", "second text"]),
        json!([1212, 318, 257, 1332, 13]),
        json!([[1212, 318], [257, 1332, 13]]),
    ];
    let formats = ["float", "base64", "float", "float"];
    inputs
        .into_iter()
        .zip(formats)
        .map(|(input, format)| EmbeddingRequest {
            input,
            model: "text-embedding-3-large".into(),
            encoding_format: Some(format.into()),
            dimensions: Some(256),
            user: Some("user-1234".into()),
            extra: Default::default(),
        })
        .collect()
}

/// Invalid bodies, one per body-carrying endpoint: `(path, body, why)`. Each must get a 422, or
/// the server is not validating request bodies and every "2xx" of the suite means nothing.
pub fn canaries() -> Vec<(&'static str, Value, &'static str)> {
    vec![
        (
            "chat/completions",
            json!({"model": 5, "messages": [{"role": "user", "content": "hi"}]}),
            "model is a number",
        ),
        (
            "chat/completions",
            json!({"model": "gpt-4o"}),
            "messages is missing",
        ),
        (
            "chat/completions",
            json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "temperature": 3}),
            "temperature above 2",
        ),
        (
            "chat/completions",
            json!({"model": "gpt-4o", "messages": [{"role": "user", "content": [
                {"type": "image_url", "image_url": IMAGE_URL}]}]}),
            "image_url as a bare string (the client normalises it to {url})",
        ),
        (
            "images/generations",
            json!({"prompt": 5}),
            "prompt is a number",
        ),
        (
            "images/generations",
            json!({"prompt": "otter", "n": 0}),
            "n below 1",
        ),
        (
            "embeddings",
            json!({"model": "text-embedding-3-small"}),
            "input is missing",
        ),
        (
            "embeddings",
            json!({"model": "text-embedding-3-small", "input": "x", "encoding_format": "int8"}),
            "encoding_format not float/base64",
        ),
        ("moderations", json!({"input": 5}), "input is a number"),
    ]
}
