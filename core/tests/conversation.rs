//! Conversations end to end against the mock server: what is appended, what is sent, usage and
//! cost, the budget, streams, trimming, undo, save/load; and token counts against the reference
//! corpus produced by OpenAI's `tiktoken` (tests/fixtures/token_corpus.json).

mod common;

use common::*;
use openai_core::tokens::{Encoding, TokenCounter};
use openai_core::{Content, Conversation, ErrorKind, Message, PriceTable, RequestOptions, Role};
use serde_json::{Value, json};

fn opts(id: &str) -> RequestOptions {
    fault(id, "")
}

/// The mock's own tokenizer (tests/mock-server/src/tokens.rs): a run of ASCII alphanumerics, or
/// any other single non-whitespace char. Lets a test predict the mock's `usage` independently.
fn mock_count(s: &str) -> u64 {
    let mut n = 0;
    let mut in_word = false;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            if !in_word {
                n += 1;
            }
            in_word = true;
        } else {
            in_word = false;
            if !c.is_whitespace() {
                n += 1;
            }
        }
    }
    n
}

fn mock_prompt_tokens(sent: &Value) -> u64 {
    3 + sent["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            3 + mock_count(m["role"].as_str().unwrap())
                + mock_count(m["content"].as_str().unwrap_or(""))
        })
        .sum::<u64>()
}

fn sent_texts(body: &Value) -> Vec<String> {
    body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            format!(
                "{}: {}",
                m["role"].as_str().unwrap(),
                m["content"].as_str().unwrap_or("")
            )
        })
        .collect()
}

fn texts(conv: &Conversation) -> Vec<String> {
    conv.messages()
        .iter()
        .map(|m| format!("{}: {}", m.role.as_str(), m.text()))
        .collect()
}

fn new_conv() -> Conversation {
    let mut c = Conversation::new("gpt-4o-mini");
    c.set_system("You are terse.");
    c
}

#[tokio::test]
async fn send_appends_exactly_the_user_turn_and_the_reply() {
    let client = client();
    let mut conv = new_conv();
    let id = test_id("send");
    let r = conv.send(&client, "Hello there", &opts(&id)).await.unwrap();
    assert_eq!(r.text(), "You said: Hello there");
    assert_eq!(
        texts(&conv),
        [
            "system: You are terse.",
            "user: Hello there",
            "assistant: You said: Hello there"
        ]
    );
    let sent = mock().journal_for(&id)[0].json().unwrap();
    assert_eq!(
        sent_texts(&sent),
        ["system: You are terse.", "user: Hello there"]
    );
    assert!(sent.get("stream").is_none());

    let r2 = conv.send(&client, "And again", &opts(&id)).await.unwrap();
    assert_eq!(conv.messages().len(), 5);
    let sent = mock().journal_for(&id)[1].json().unwrap();
    assert_eq!(
        sent["messages"].as_array().unwrap().len(),
        4,
        "the whole history is resent"
    );
    assert_eq!(r2.report.dropped, Vec::<usize>::new());
    assert_eq!(conv.last_call(), Some(&r2.report));
}

#[tokio::test]
async fn usage_and_cost_sum_the_servers_usage() {
    let client = client();
    let mut conv = new_conv();
    let id = test_id("usage");
    let mut want_prompt = 0;
    let mut want_completion = 0;
    let mut want_cost = 0.0;
    for (i, text) in ["one two three", "用比喻解释神经网络 🙂", "fn main() { }"]
        .iter()
        .enumerate()
    {
        let r = conv.send(&client, *text, &opts(&id)).await.unwrap();
        let sent = mock().journal_for(&id)[i].json().unwrap();
        let usage = r.completion.usage.clone().unwrap();
        // The mock's usage, predicted from what it received: the conversation reports it as is.
        assert_eq!(usage.prompt_tokens, mock_prompt_tokens(&sent));
        assert_eq!(usage.completion_tokens, mock_count(&r.text()));
        assert_eq!(r.report.usage, usage);
        assert!(!r.report.usage_estimated);
        let cost =
            (usage.prompt_tokens as f64 * 0.15 + usage.completion_tokens as f64 * 0.60) / 1e6;
        assert!((r.report.cost_usd.unwrap() - cost).abs() < 1e-15);
        want_prompt += usage.prompt_tokens;
        want_completion += usage.completion_tokens;
        want_cost += cost;
    }
    let u = conv.usage();
    assert_eq!(u.calls, 3);
    assert_eq!(u.prompt_tokens, want_prompt);
    assert_eq!(u.completion_tokens, want_completion);
    assert_eq!(u.total_tokens, want_prompt + want_completion);
    assert_eq!(
        (u.cached_tokens, u.reasoning_tokens, u.unpriced_calls),
        (0, 0, 0)
    );
    assert!((u.cost_usd - want_cost).abs() < 1e-12);
}

#[tokio::test]
async fn price_override_from_a_file_prices_an_unknown_model() {
    let client = client();
    let mut conv = Conversation::new("local-llama");
    let dir = std::env::temp_dir().join(format!("openai-rs-prices-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("prices.json");
    std::fs::write(
        &path,
        r#"{"models": {"local-llama": {"input": 1.0, "output": 2.0}}}"#,
    )
    .unwrap();
    conv.load_prices(&path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let r = conv
        .send(&client, "hi", &opts(&test_id("price")))
        .await
        .unwrap();
    let u = r.completion.usage.unwrap();
    let want = (u.prompt_tokens as f64 + 2.0 * u.completion_tokens as f64) / 1e6;
    assert!((conv.usage().cost_usd - want).abs() < 1e-15);
    // Without a price the call still counts, as unpriced.
    conv.settings_mut().prices = None;
    conv.send(&client, "hi", &opts(&test_id("price")))
        .await
        .unwrap();
    assert_eq!(conv.usage().unpriced_calls, 1);
    assert_eq!(conv.usage().calls, 2);
    assert_eq!(PriceTable::builtin().get("local-llama"), None);
}

#[tokio::test]
async fn budget_refusal_sends_nothing() {
    let client = client();
    let mut conv = new_conv();
    conv.update_params(|p| p.max_tokens = Some(100));
    let id = test_id("budget");
    conv.send(&client, "first", &opts(&id)).await.unwrap();
    let spent = conv.usage().cost_usd;
    // Room for a bit more than what was spent, not for another 100-token reply (~$0.00006).
    conv.settings_mut().budget_usd = Some(spent + 0.00001);
    let before = conv.clone();
    let e = conv.send(&client, "second", &opts(&id)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BudgetExceeded);
    assert!(e.message().contains("budget exceeded"), "{e}");
    assert_eq!(
        mock().journal_for(&id).len(),
        1,
        "the refused call was not sent"
    );
    assert_eq!(conv, before);
    // A smaller reply fits the budget.
    conv.update_params(|p| p.max_tokens = Some(5));
    conv.send(&client, "second", &opts(&id)).await.unwrap();
    assert_eq!(mock().journal_for(&id).len(), 2);
}

#[tokio::test]
async fn a_failed_call_appends_nothing() {
    let client = client();
    let mut conv = new_conv();
    let id = test_id("fail");
    conv.send(&client, "ok", &opts(&id)).await.unwrap();
    let before = conv.clone();
    let mut o = fault(&id, "status=400");
    o.max_retries = Some(0);
    let e = conv.send(&client, "boom", &o).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadRequest);
    assert_eq!(conv, before);
    // The retry is clean: one user turn, not two.
    conv.send(&client, "boom", &opts(&id)).await.unwrap();
    assert_eq!(
        conv.messages()
            .iter()
            .filter(|m| m.text() == "boom")
            .count(),
        1
    );
}

#[tokio::test]
async fn a_streamed_reply_is_appended_exactly_once() {
    let client = client();
    let mut conv = new_conv();
    let id = test_id("stream");
    let mut s = conv
        .stream(&client, "stream me please", &opts(&id))
        .await
        .unwrap();
    let mut text = String::new();
    while let Some(chunk) = s.next_chunk().await {
        for c in chunk.unwrap().choices {
            text.push_str(c.delta.content.as_deref().unwrap_or(""));
        }
    }
    assert!(s.next_chunk().await.is_none(), "ended streams stay ended");
    let r = s.into_result().expect("committed");
    assert_eq!(text, "You said: stream me please");
    assert_eq!(r.text(), text);
    assert_eq!(
        texts(&conv),
        [
            "system: You are terse.",
            "user: stream me please",
            "assistant: You said: stream me please"
        ]
    );
    let sent = mock().journal_for(&id)[0].json().unwrap();
    assert_eq!(sent["stream"], true);
    assert_eq!(
        sent["stream_options"]["include_usage"], true,
        "asked for usage"
    );
    let usage = r.completion.usage.clone().expect("usage chunk");
    assert_eq!(usage.prompt_tokens, mock_prompt_tokens(&sent));
    assert_eq!(conv.usage().total_tokens, usage.total_tokens);
    assert!(!r.report.usage_estimated);
}

#[tokio::test]
async fn the_owned_stream_path_bindings_use() {
    let client = client();
    let mut conv = new_conv();
    let id = test_id("owned");
    let turn = conv.prepare(vec![Message::user("owned stream")]).unwrap();
    let mut ts = turn.stream(&client, &opts(&id)).await.unwrap();
    // The conversation is free while the stream is read (a binding would not hold its lock).
    assert_eq!(conv.messages().len(), 1);
    while let Some(c) = ts.next_chunk().await {
        c.unwrap();
    }
    let r = conv.finish_stream(ts).unwrap();
    assert_eq!(r.text(), "You said: owned stream");
    assert_eq!(conv.messages().len(), 3);
}

/// The shared-conversation stream both bindings hand out: sent on the first read, appended once
/// at `[DONE]`; closing it, an error, or a history changed meanwhile appends nothing.
#[tokio::test]
async fn a_shared_turn_stream_commits_once_and_only_when_complete() {
    use openai_core::{SharedConversation, SharedTurnStream, lock_shared};
    let client = client();
    let conv: SharedConversation = std::sync::Arc::new(std::sync::Mutex::new(new_conv()));
    let id = test_id("shared");
    let prepare = |text: &str| {
        lock_shared(&conv)
            .prepare(vec![Message::user(text)])
            .unwrap()
    };

    let mut s = SharedTurnStream::new(prepare("shared"), opts(&id), conv.clone(), client.clone());
    assert!(!s.is_started());
    let mut text = String::new();
    while let Some(t) = s.next_text().await.unwrap() {
        // Not appended while the reply streams in.
        assert_eq!(lock_shared(&conv).messages().len(), 1);
        text.push_str(&t);
    }
    assert_eq!(text, "You said: shared");
    assert_eq!(s.result().unwrap().text(), "You said: shared");
    assert_eq!(lock_shared(&conv).messages().len(), 3);
    // Reading past the end appends nothing more; the stream's accumulator stays readable.
    assert_eq!(s.next_text().await.unwrap(), None);
    assert!(s.chat_stream().unwrap().is_complete());
    assert_eq!(lock_shared(&conv).messages().len(), 3);
    let before = lock_shared(&conv).clone();

    // Closed after one chunk: nothing.
    let mut s = SharedTurnStream::new(prepare("closed"), opts(&id), conv.clone(), client.clone());
    s.next_text().await.unwrap().unwrap();
    s.close();
    assert_eq!(s.next_text().await.unwrap(), None);
    assert!(s.result().is_none());
    assert_eq!(*lock_shared(&conv), before);

    // Reset mid-stream: the error, then the end; nothing appended, what arrived still readable.
    let turn = prepare("doomed");
    let started = turn
        .stream(&client, &fault(&id, "events=5;reset-after=2"))
        .await
        .unwrap();
    let mut s = SharedTurnStream::started(started, conv.clone(), client.clone());
    assert!(s.is_started());
    let mut err = None;
    while let Some(item) = s.next_with_raw().await {
        if let Err(e) = item {
            err = Some(e);
        }
    }
    assert_eq!(err.unwrap().kind(), ErrorKind::StreamTruncated);
    assert!(s.chat_stream().is_some());
    assert_eq!(*lock_shared(&conv), before);

    // The history changed while the reply streamed in: the end is an error, nothing appended.
    let mut s = SharedTurnStream::new(prepare("late"), opts(&id), conv.clone(), client.clone());
    s.start().await.unwrap();
    lock_shared(&conv).push(Message::user("meanwhile")).unwrap();
    let changed = lock_shared(&conv).clone();
    let e = loop {
        match s.next_text().await {
            Ok(Some(_)) => {}
            Ok(None) => panic!("committed over a changed history"),
            Err(e) => break e,
        }
    };
    assert!(e.to_string().contains("changed"), "{e}");
    assert_eq!(*lock_shared(&conv), changed);
}

#[tokio::test]
async fn a_failed_stream_appends_nothing() {
    let client = client();
    let mut conv = new_conv();
    conv.send(&client, "before", &opts(&test_id("sfail")))
        .await
        .unwrap();
    let before = conv.clone();
    let id = test_id("sfail");
    let mut s = conv
        .stream(&client, "doomed", &fault(&id, "events=5;reset-after=2"))
        .await
        .unwrap();
    let mut err = None;
    while let Some(c) = s.next_chunk().await {
        if let Err(e) = c {
            err = Some(e);
        }
    }
    assert_eq!(err.unwrap().kind(), ErrorKind::StreamTruncated);
    assert!(s.result().is_none());
    drop(s);
    assert_eq!(conv, before);

    // The owned path refuses to commit an unfinished stream.
    let turn = conv.prepare(vec![Message::user("doomed")]).unwrap();
    let mut ts = turn
        .stream(&client, &fault(&id, "events=5;reset-after=2"))
        .await
        .unwrap();
    assert!(ts.next_chunk().await.unwrap().is_ok());
    let e = conv.finish_stream(ts).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::StreamTruncated);
    assert_eq!(conv, before);

    // Abandoning a healthy stream early appends nothing either.
    let mut s = conv.stream(&client, "abandoned", &opts(&id)).await.unwrap();
    s.next_chunk().await.unwrap().unwrap();
    drop(s);
    assert_eq!(conv, before);
}

#[tokio::test]
async fn trimming_shows_in_what_the_server_receives() {
    let client = client();
    let mut conv = new_conv();
    conv.update_params(|p| p.max_tokens = Some(20));
    let id = test_id("trim");
    for i in 0..6 {
        conv.send(
            &client,
            format!("message number {i} with some padding words"),
            &opts(&id),
        )
        .await
        .unwrap();
    }
    assert!(conv.last_call().unwrap().dropped.is_empty());
    // A window that holds the system message and about two turns.
    let counter = conv.token_counter();
    let system = counter.count_message(&conv.messages()[0]);
    let turn =
        counter.count_message(&conv.messages()[1]) + counter.count_message(&conv.messages()[2]);
    let window = system + 2 * turn + 3 + 20;
    conv.settings_mut().context_window = Some(window);
    let r = conv
        .send(
            &client,
            "message number 6 with some padding words",
            &opts(&id),
        )
        .await
        .unwrap();

    let sent = mock().journal_for(&id)[6].json().unwrap();
    let sent = sent_texts(&sent);
    assert_eq!(sent[0], "system: You are terse.", "system kept");
    assert_eq!(
        sent.last().unwrap(),
        "user: message number 6 with some padding words"
    );
    assert!(
        !sent.iter().any(|m| m.contains("number 0")),
        "oldest dropped: {sent:?}"
    );
    assert!(
        sent.iter().any(|m| m.contains("number 5")),
        "newest kept: {sent:?}"
    );
    assert_eq!(
        sent.len(),
        4,
        "system, one whole earlier turn, the new message: {sent:?}"
    );
    // Reported, oldest first, in history indices; the history keeps everything.
    assert_eq!(r.report.dropped, (1..=10).collect::<Vec<_>>());
    assert_eq!(conv.messages().len(), 15);
    assert!(r.report.estimated_prompt_tokens <= window - 20);
}

#[tokio::test]
async fn tool_calls_and_results_stay_together() {
    let client = client();
    let mut conv = new_conv();
    conv.update_params(|p| {
        p.tools = Some(vec![
            json!({"type": "function", "function": {"name": "lookup",
            "description": "Look something up.",
            "parameters": {"type": "object", "properties": {"input": {"type": "string"}}}}}),
        ]);
        p.max_tokens = Some(30);
    });
    let id = test_id("tools");
    let r = conv
        .send(&client, "weather in Paris", &opts(&id))
        .await
        .unwrap();
    assert_eq!(r.report.finish_reason.as_deref(), Some("tool_calls"));
    let call = r.message.tool_calls.clone().unwrap().remove(0);
    assert_eq!(call.function.name, "lookup");
    // Send the tool result as the next turn's input.
    let r = conv
        .send_messages(
            &client,
            vec![Message::tool(call.id.clone(), "sunny")],
            &opts(&id),
        )
        .await
        .unwrap();
    assert_eq!(r.text(), "Tool result: sunny");
    let roles: Vec<Role> = conv.messages().iter().map(|m| m.role).collect();
    assert_eq!(
        roles,
        [
            Role::System,
            Role::User,
            Role::Assistant,
            Role::Tool,
            Role::Assistant
        ]
    );

    // Squeeze the window: the tool turn must go as a whole, never leaving an orphan tool result.
    let counter = conv.token_counter();
    let fixed = counter.count_message(&conv.messages()[0])
        + counter.count_tools(conv.request().tools.as_deref().unwrap())
        + 3;
    let new_msg = Message::user("next");
    conv.settings_mut().context_window = Some(fixed + counter.count_message(&new_msg) + 30 + 5);
    conv.update_params(|p| p.tool_choice = Some(json!("none")));
    let r = conv.send(&client, "next", &opts(&id)).await.unwrap();
    assert_eq!(r.report.dropped, vec![1, 2, 3, 4]);
    let sent = mock().journal_for(&id)[2].json().unwrap();
    let sent_roles: Vec<&str> = sent["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(sent_roles, ["system", "user"]);
}

#[tokio::test]
async fn a_turn_too_large_for_the_window_is_refused_before_sending() {
    let client = client();
    let mut conv = new_conv();
    conv.settings_mut().context_window = Some(200);
    conv.update_params(|p| p.max_tokens = Some(50));
    let id = test_id("toolarge");
    let e = conv
        .send(&client, "lorem ipsum ".repeat(100), &opts(&id))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ContextOverflow);
    assert!(e.message().contains("does not fit"), "{e}");
    assert!(mock().journal_for(&id).is_empty());
    assert_eq!(conv.messages().len(), 1);
}

#[tokio::test]
async fn undo_removes_the_last_turn_from_the_next_request() {
    let client = client();
    let mut conv = new_conv();
    let id = test_id("undo");
    conv.send(&client, "keep this", &opts(&id)).await.unwrap();
    conv.send(&client, "regret this", &opts(&id)).await.unwrap();
    let removed = conv.undo();
    assert_eq!(removed.len(), 2);
    assert_eq!(removed[0].text(), "regret this");
    assert_eq!(conv.usage().calls, 2, "usage is not refunded");
    conv.send(&client, "instead", &opts(&id)).await.unwrap();
    let sent = sent_texts(&mock().journal_for(&id)[2].json().unwrap());
    assert_eq!(
        sent,
        [
            "system: You are terse.",
            "user: keep this",
            "assistant: You said: keep this",
            "user: instead"
        ]
    );
}

#[tokio::test]
async fn save_load_and_continue() {
    let client = client();
    let mut conv = new_conv();
    conv.update_params(|p| p.temperature = Some(0.3));
    conv.settings_mut().budget_usd = Some(1.0);
    let id = test_id("save");
    conv.send(&client, "remember 42 🙂", &opts(&id))
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!("openai-rs-save-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("conv.json");
    conv.save(&path).unwrap();
    let mut loaded = Conversation::load(&path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(loaded, conv);
    assert_eq!(loaded.usage(), conv.usage());
    // A branch continues independently of the original.
    loaded
        .send(&client, "what did I say?", &opts(&id))
        .await
        .unwrap();
    let sent = mock().journal_for(&id)[1].json().unwrap();
    assert_eq!(sent["temperature"], 0.3);
    assert_eq!(sent_texts(&sent)[1], "user: remember 42 🙂");
    assert_eq!(loaded.messages().len(), 5);
    assert_eq!(conv.messages().len(), 3);
}

#[test]
fn blocking_send_is_one_call_for_bindings() {
    let client = client();
    let mut conv = new_conv();
    let r = openai_core::blocking::block_on(conv.send(
        &client,
        "from sync code",
        &RequestOptions::default(),
    ))
    .unwrap()
    .unwrap();
    assert_eq!(r.text(), "You said: from sync code");
    let content = Content::Parts(vec![openai_core::ContentPart::Text {
        text: "parts".into(),
    }]);
    openai_core::blocking::block_on(conv.send(&client, content, &RequestOptions::default()))
        .unwrap()
        .unwrap();
    assert_eq!(conv.messages().len(), 5);
}

#[test]
fn futures_are_send_for_async_bindings() {
    fn assert_send<T: Send>(_: &T) {}
    let client = client();
    let mut conv = new_conv();
    let o = RequestOptions::default();
    let turn = conv.prepare(vec![Message::user("x")]).unwrap();
    // What an async binding spawns: owned, 'static, Send.
    let (c2, o2, t2) = (client.clone(), o.clone(), turn.clone());
    let spawned = async move { t2.send(&c2, &o2).await };
    assert_send(&spawned);
    let f = turn.stream(&client, &o);
    assert_send(&f);
    drop(f);
    let f = conv.send(&client, "x", &o);
    assert_send(&f);
}

// ================================================================================================
// Token counts against the reference corpus
// ================================================================================================

fn corpus() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/token_corpus.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn token_ids_match_tiktoken_on_the_corpus() {
    let corpus = corpus();
    let texts = corpus["texts"].as_array().unwrap();
    assert!(texts.len() >= 30);
    let mut compared = 0;
    for entry in texts {
        let text = entry["text"].as_str().unwrap();
        for enc in [Encoding::Cl100kBase, Encoding::O200kBase] {
            let want: Vec<u32> = serde_json::from_value(entry[enc.name()].clone()).unwrap();
            assert_eq!(enc.encode(text), want, "{enc} on {text:?}");
            assert_eq!(enc.count(text), want.len() as u64);
            assert_eq!(enc.decode(&want).unwrap(), text);
            compared += want.len();
        }
    }
    assert!(compared > 1000, "{compared}");
    // The corpus covers what the guides worry about.
    let all: String = texts.iter().map(|t| t["text"].as_str().unwrap()).collect();
    assert!(all.contains("神经网络") && all.contains("👨‍👩‍👧‍👦") && all.contains("fn main()"));
}

#[test]
fn message_and_tool_counts_match_the_cookbook() {
    let corpus = corpus();
    for case in corpus["message_counts"].as_array().unwrap() {
        let messages: Vec<Message> = serde_json::from_value(case["messages"].clone()).unwrap();
        for (model, want) in case["counts"].as_object().unwrap() {
            let got = openai_core::tokens::count_messages(model, &messages);
            assert_eq!(got, want.as_u64().unwrap(), "{} with {model}", case["name"]);
        }
    }
    for case in corpus["tool_counts"].as_array().unwrap() {
        let messages: Vec<Message> = serde_json::from_value(case["messages"].clone()).unwrap();
        let tools: Vec<Value> = serde_json::from_value(case["tools"].clone()).unwrap();
        for (model, want) in case["counts"].as_object().unwrap() {
            let c = TokenCounter::for_model(model);
            let got = c.count_messages(&messages) + c.count_tools(&tools);
            assert_eq!(got, want.as_u64().unwrap(), "{} with {model}", case["name"]);
        }
    }
    // The cookbook's own example, whose counts it checked against the API's usage: 129 tokens on
    // cl100k models, 124 on o200k ones; the weather tool example: 105 and 101.
    let example = &corpus["message_counts"][0];
    assert_eq!(example["counts"]["gpt-4"], 129);
    assert_eq!(example["counts"]["gpt-4o"], 124);
    assert_eq!(corpus["tool_counts"][1]["counts"]["gpt-3.5-turbo"], 105);
    assert_eq!(corpus["tool_counts"][1]["counts"]["gpt-4o-mini"], 101);
}

#[test]
fn conversation_counts_with_the_encoding_override() {
    let mut conv = Conversation::new("my-compatible-model");
    conv.push(Message::user("你好，世界")).unwrap();
    let o200k = conv.count_tokens();
    conv.settings_mut().encoding = Some(Encoding::Cl100kBase);
    let cl100k = conv.count_tokens();
    assert_eq!(o200k, 3 + 1 + Encoding::O200kBase.count("你好，世界") + 3);
    assert_eq!(cl100k, 3 + 1 + Encoding::Cl100kBase.count("你好，世界") + 3);
    assert_ne!(o200k, cl100k);
}

/// Issue 12: the same conversation over the Responses API. History, tool pairs, usage and the
/// streamed turn behave as over chat completions; only the wire format changes.
#[tokio::test]
async fn turns_over_the_responses_api() {
    let client = client();
    let mut conv = new_conv();
    conv.settings_mut().use_responses_api = true;
    let id = test_id("resp-conv");
    let r = conv.send(&client, "Hello there", &opts(&id)).await.unwrap();
    assert!(
        r.text().starts_with("You said: Hello there"),
        "{}",
        r.text()
    );
    let sent = mock().journal_for(&id)[0].clone();
    assert_eq!(sent.path, "/v1/responses");
    let body = sent.json().unwrap();
    assert_eq!(
        body["input"][0],
        json!({"role": "system", "content": "You are terse."})
    );
    assert_eq!(
        body["input"][1],
        json!({"role": "user", "content": "Hello there"})
    );
    assert_eq!(body["store"], false);
    assert_eq!(conv.messages().len(), 3);
    assert!(conv.usage().total_tokens > 0);
    assert!(!r.report.usage_estimated);

    // A function call and its result stay paired in what is sent next.
    conv.update_params(|p| {
        p.extra.insert(
            "tools".into(),
            json!([{"type": "function", "function": {"name": "get_weather",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]),
        );
    });
    let r = conv
        .send(&client, "Weather in Paris?", &opts(&id))
        .await
        .unwrap();
    let calls = r.completion.choices[0]
        .message
        .tool_calls
        .clone()
        .expect("a tool call");
    assert_eq!(
        r.completion.choices[0].finish_reason.as_deref(),
        Some("tool_calls")
    );
    conv.push(Message::tool(calls[0].id.clone(), "sunny"))
        .unwrap();
    let r = conv
        .send_messages(&client, Vec::new(), &opts(&id))
        .await
        .unwrap();
    assert_eq!(r.text(), "Tool result: sunny");
    let body = mock().journal_for(&id)[2].json().unwrap();
    let kinds: Vec<&str> = body["input"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["type"].as_str().unwrap_or("message"))
        .collect();
    let call_at = kinds.iter().position(|k| *k == "function_call").unwrap();
    assert_eq!(kinds[call_at + 1], "function_call_output");

    // A streamed turn over the same API is appended once, with the server's usage.
    conv.update_params(|p| {
        p.extra.remove("tools");
    });
    let before = conv.messages().len();
    let mut s = conv
        .stream(&client, "stream me please", &opts(&id))
        .await
        .unwrap();
    let mut text = String::new();
    while let Some(chunk) = s.next_chunk().await {
        for c in chunk.unwrap().choices {
            text.push_str(c.delta.content.as_deref().unwrap_or(""));
        }
    }
    let r = s.into_result().expect("committed");
    assert!(text.starts_with("You said: stream me please"), "{text}");
    assert_eq!(r.text(), text);
    assert_eq!(conv.messages().len(), before + 2);
    assert!(r.completion.usage.is_some());
    assert!(!r.report.usage_estimated);

    // A stream cut before its terminal event appends nothing.
    let before = conv.messages().len();
    let mut s = conv
        .stream(
            &client,
            "cut me short please",
            &fault(&test_id("resp-cut"), "close-after=1"),
        )
        .await
        .unwrap();
    let mut err = None;
    while let Some(chunk) = s.next_chunk().await {
        if let Err(e) = chunk {
            err = Some(e);
        }
    }
    assert_eq!(err.unwrap().kind(), ErrorKind::StreamTruncated);
    assert!(s.into_result().is_none());
    assert_eq!(conv.messages().len(), before);
}
