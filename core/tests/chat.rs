//! Endpoints against the mock server, with assertions on what the server received.

mod common;

use common::*;
use openai_core::types::{EmbeddingVector, ImageGenerationRequest};
use openai_core::{
    ChatCompletionRequest, EmbeddingRequest, ErrorKind, Message, Method, RequestOptions,
};
use serde_json::json;

#[tokio::test]
async fn chat_completion_round_trip_and_what_the_server_saw() {
    let id = test_id("chat");
    let client = builder()
        .organization("org-1")
        .project("proj-1")
        .default_header("x-default", "d")
        .default_query("dq", "1")
        .build()
        .unwrap();
    let mut req = ChatCompletionRequest::new(
        "gpt-3.5-turbo",
        vec![
            Message::system("You are a helpful assistant."),
            Message::user("Who won the world series in 2020?"),
            Message::assistant("The Los Angeles Dodgers."),
            Message::user("Where was it played?"),
        ],
    );
    req.temperature = Some(0.5);
    req.extra
        .insert("logit_bias".into(), json!({"50256": -100}));
    let mut opts = fault(&id, "");
    opts.extra_headers
        .push(("x-extra".into(), Some("e".into())));
    opts.extra_query.push(("eq".into(), "2".into()));
    opts.extra_body = Some(serde_json::from_value(json!({"metadata": {"k": "v"}})).unwrap());

    let resp = client.chat_completion(&req, &opts).await.unwrap();
    assert_eq!(resp.data.content(), Some("You said: Where was it played?"));
    assert_eq!(resp.data.choices[0].finish_reason.as_deref(), Some("stop"));
    assert!(resp.request_id.as_deref().unwrap().starts_with("req_"));
    let usage = resp.data.usage.clone().unwrap();
    assert_eq!(
        usage.total_tokens,
        usage.prompt_tokens + usage.completion_tokens
    );
    assert!(usage.prompt_tokens > 0);
    assert_eq!(resp.raw_json().unwrap()["model"], "gpt-3.5-turbo");

    let seen = mock().journal_for(&id);
    assert_eq!(seen.len(), 1);
    let e = &seen[0];
    assert_eq!(e.method, "POST");
    assert_eq!(e.path, "/v1/chat/completions");
    assert!(
        e.query.contains("dq=1") && e.query.contains("eq=2"),
        "{}",
        e.query
    );
    assert_eq!(e.header("authorization"), Some("Bearer sk-test-key"));
    assert_eq!(e.header("openai-organization"), Some("org-1"));
    assert_eq!(e.header("openai-project"), Some("proj-1"));
    assert_eq!(e.header("x-default"), Some("d"));
    assert_eq!(e.header("x-extra"), Some("e"));
    assert_eq!(e.header("x-stainless-retry-count"), Some("0"));
    assert_eq!(e.header("content-type"), Some("application/json"));
    let body = e.json().unwrap();
    assert_eq!(body["messages"].as_array().unwrap().len(), 4);
    assert_eq!(body["temperature"], 0.5);
    assert_eq!(body["logit_bias"]["50256"], -100);
    assert_eq!(body["metadata"]["k"], "v");
    assert!(
        body.get("max_tokens").is_none(),
        "unset fields are not sent"
    );
}

#[tokio::test]
async fn length_finish_json_mode_tools_and_images_in_messages() {
    let client = client();
    let mut req = hello();
    req.messages = vec![Message::user("one two three four five six")];
    req.max_tokens = Some(2);
    let r = client
        .chat_completion(&req, &RequestOptions::default())
        .await
        .unwrap();
    assert_eq!(r.data.choices[0].finish_reason.as_deref(), Some("length"));

    let mut req = hello();
    req.response_format = Some(json!({"type": "json_object"}));
    let r = client
        .chat_completion(&req, &RequestOptions::default())
        .await
        .unwrap();
    let parsed: serde_json::Value = serde_json::from_str(r.data.content().unwrap()).unwrap();
    assert!(parsed.is_object());

    let mut req = hello();
    req.tools = Some(vec![
        json!({"type": "function", "function": {"name": "get_weather",
        "parameters": {"type": "object", "properties": {}}}}),
    ]);
    let r = client
        .chat_completion(&req, &RequestOptions::default())
        .await
        .unwrap();
    let choice = &r.data.choices[0];
    assert_eq!(choice.finish_reason.as_deref(), Some("tool_calls"));
    let call = &choice.message.tool_calls.as_ref().unwrap()[0];
    assert_eq!(call.function.name, "get_weather");
    // The tool result round trip: assistant tool call, then the tool message.
    req.messages.push(choice.message.to_message());
    req.messages.push(Message::tool(call.id.clone(), "sunny"));
    let r = client
        .chat_completion(&req, &RequestOptions::default())
        .await
        .unwrap();
    assert_eq!(r.data.content(), Some("Tool result: sunny"));

    let id = test_id("vision");
    let req = ChatCompletionRequest::from_json(json!({
        "model": "gpt-4o", "messages": [{"role": "user", "content": [
            {"type": "text", "text": "Describe this image."},
            {"type": "image_url", "image_url": "https://example.com/city.png"}]}]
    }))
    .unwrap();
    let r = client.chat_completion(&req, &fault(&id, "")).await.unwrap();
    assert!(r.data.content().unwrap().contains("[image]"));
    let body = mock().journal_for(&id)[0].json().unwrap();
    assert_eq!(
        body["messages"][0]["content"][1]["image_url"],
        json!({"url": "https://example.com/city.png"}),
        "a bare image_url string is sent as the object the API requires"
    );
}

#[tokio::test]
async fn invalid_request_never_reaches_the_server() {
    let id = test_id("invalid");
    let mut req = hello();
    req.messages.clear();
    let e = client()
        .chat_completion(&req, &fault(&id, ""))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(mock().journal_for(&id).is_empty());
}

#[tokio::test]
async fn images_embeddings_models_and_generic_requests() {
    let client = client();
    let r = client
        .images_generate(
            &ImageGenerationRequest {
                prompt: "A futuristic cityscape at sunset".into(),
                model: Some("dall-e-3".into()),
                n: Some(1),
                size: Some("1024x1024".into()),
                ..Default::default()
            },
            &RequestOptions::default(),
        )
        .await
        .unwrap();
    assert!(
        r.data.data[0]
            .url
            .as_deref()
            .unwrap()
            .starts_with("https://")
    );
    let r = client
        .images_generate(
            &ImageGenerationRequest {
                prompt: "x".into(),
                response_format: Some("b64_json".into()),
                n: Some(2),
                ..Default::default()
            },
            &RequestOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(r.data.data.len(), 2);
    assert!(r.data.data[0].b64_json.is_some());

    let req = EmbeddingRequest {
        input: json!(["hello", "world"]),
        model: "text-embedding-3-small".into(),
        ..Default::default()
    };
    let floats = client
        .embeddings(&req, &RequestOptions::default())
        .await
        .unwrap();
    assert_eq!(floats.data.data.len(), 2);
    let req = EmbeddingRequest {
        encoding_format: Some("base64".into()),
        ..req
    };
    let b64 = client
        .embeddings(&req, &RequestOptions::default())
        .await
        .unwrap();
    assert!(matches!(
        b64.data.data[0].embedding,
        EmbeddingVector::Base64(_)
    ));
    assert_eq!(
        b64.data.data[0].embedding.to_f32().unwrap(),
        floats.data.data[0].embedding.to_f32().unwrap(),
        "base64 decodes to the same vector"
    );

    let models = client
        .models_list(&RequestOptions::default())
        .await
        .unwrap();
    assert!(models.data.data.iter().any(|m| m.id == "gpt-4o"));
    let m = client
        .models_retrieve("gpt-4o", &RequestOptions::default())
        .await
        .unwrap();
    assert_eq!(m.data.id, "gpt-4o");
    let e = client
        .models_retrieve("no-such-model", &RequestOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);

    let v = client
        .request_json(Method::GET, "/models", None, &RequestOptions::default())
        .await
        .unwrap();
    assert_eq!(v.data["object"], "list");
    let e = client
        .request_json(
            Method::POST,
            "fine_tuning/jobs",
            Some(json!({})),
            &RequestOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.request_id().is_some());
}

#[tokio::test]
async fn client_usage_sums_calls_and_completed_streams() {
    let client = client();
    let mut total = 0;
    for _ in 0..2 {
        let r = client
            .chat_completion(&hello(), &RequestOptions::default())
            .await
            .unwrap();
        total += r.data.usage.unwrap().total_tokens;
    }
    let mut req = hello();
    req.stream_options = Some(json!({"include_usage": true}));
    let s = client
        .chat_completion_stream(&req, &RequestOptions::default())
        .await
        .unwrap();
    total += s
        .collect_completion()
        .await
        .unwrap()
        .usage
        .unwrap()
        .total_tokens;
    // A stream cut short adds nothing: its usage was never reported.
    let s = client
        .chat_completion_stream(&req, &fault(&test_id("u"), "events=5;reset-after=2"))
        .await
        .unwrap();
    assert!(s.collect_completion().await.is_err());
    let u = client.usage();
    assert_eq!(u.calls, 3);
    assert_eq!(u.total_tokens, total);
    assert!(u.cost_usd > 0.0, "gpt-4o-mini has a built-in price");
    // The raw variant counts too, and hands back the body untouched.
    let r = client
        .chat_completion_raw(&hello(), &RequestOptions::default())
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&r.raw).unwrap();
    assert_eq!(v["choices"][0]["message"]["content"], "You said: Hello!");
    assert_eq!(client.usage().calls, 4);
    let e = client
        .chat_completion_raw(&hello(), &fault(&test_id("raw"), "malformed-json"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    // Clones share the totals.
    assert_eq!(client.clone().usage().calls, 4);
}

/// Issue 13: with no `encoding_format` the vectors travel as base64 and come back as floats,
/// the same floats an explicit `float` request gets (to f32 precision); explicit formats are
/// sent and kept as they are.
#[tokio::test]
async fn embeddings_travel_as_base64_unless_asked_otherwise() {
    use openai_core::EmbeddingRequest;
    let c = client();
    let req = |fmt: Option<&str>| EmbeddingRequest {
        model: "text-embedding-3-small".into(),
        input: json!(["the same input", "and another"]),
        encoding_format: fmt.map(str::to_owned),
        ..Default::default()
    };
    let id = test_id("emb");
    let implicit = c.embeddings(&req(None), &fault(&id, "")).await.unwrap();
    let sent = mock().journal_for(&id)[0].json().unwrap();
    assert_eq!(sent["encoding_format"], "base64");
    let raw: serde_json::Value = serde_json::from_slice(&implicit.raw).unwrap();
    assert!(
        raw["data"][0]["embedding"].is_array(),
        "decoded for the caller"
    );

    let id = test_id("emb");
    let explicit = c
        .embeddings(&req(Some("float")), &fault(&id, ""))
        .await
        .unwrap();
    assert_eq!(
        mock().journal_for(&id)[0].json().unwrap()["encoding_format"],
        "float"
    );
    for (a, b) in implicit.data.data.iter().zip(&explicit.data.data) {
        let (a, b) = (a.embedding.to_f32().unwrap(), b.embedding.to_f32().unwrap());
        assert_eq!(a.len(), b.len());
        assert!(!a.is_empty());
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() <= f32::EPSILON * 4.0, "{x} vs {y}");
        }
    }
    let kept = c
        .embeddings(&req(Some("base64")), &RequestOptions::default())
        .await
        .unwrap();
    let raw: serde_json::Value = serde_json::from_slice(&kept.raw).unwrap();
    assert!(
        raw["data"][0]["embedding"].is_string(),
        "an explicit base64 stays base64"
    );
}
