//! The Batch API flow end to end against the mock: rows split into several batches, polled to
//! the end, the shuffled output and error files joined back in input order; a second run with
//! the same state file creates nothing and gives the same results; a state file of other rows
//! is refused.

mod common;

use std::time::Duration;

use common::*;
use openai_core::ErrorKind;
use openai_core::batch_api::{self, BatchApiOptions};
use openai_core::bulk::BulkRequest;
use serde_json::json;

fn rows() -> Vec<BulkRequest> {
    let mut rows = Vec::new();
    for i in 0..6 {
        let mut body = json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": format!("row {i}")}]});
        if i == 4 {
            body.as_object_mut().unwrap().remove("model");
        }
        rows.push(BulkRequest::chat(format!("chat-{i}"), body));
    }
    for i in 0..3 {
        rows.push(BulkRequest::new(
            format!("emb-{i}"),
            "/v1/embeddings",
            json!({"model": "text-embedding-3-small", "input": format!("text {i}")}),
        ));
    }
    rows
}

fn opts(id: &str, state: &std::path::Path) -> BatchApiOptions {
    BatchApiOptions {
        state_file: Some(state.to_owned()),
        poll_interval: Duration::from_millis(5),
        max_lines: 4,
        request_options: fault(id, "batch-polls=3"),
        ..BatchApiOptions::default()
    }
}

fn creates(id: &str) -> (usize, usize) {
    let seen = mock().journal_for(id);
    let n = |p: &str| {
        seen.iter()
            .filter(|e| e.method == "POST" && e.path == p)
            .count()
    };
    (n("/v1/files"), n("/v1/batches"))
}

#[tokio::test]
async fn rows_go_through_batches_and_come_back_in_input_order() {
    let c = client();
    let id = test_id("batchflow");
    let state = std::env::temp_dir().join(format!("{id}.json"));
    let mut last = None;
    let s = batch_api::run(&c, rows(), &opts(&id, &state), |p| last = Some(p.clone()))
        .await
        .unwrap();
    // 6 chat rows in files of at most 4 lines, and the 3 embeddings: three batches.
    assert_eq!(creates(&id), (3, 3));
    assert_eq!((s.ok, s.failed), (8, 1));
    let ids: Vec<_> = s.results.iter().map(|r| r.custom_id.as_str()).collect();
    let want: Vec<_> = rows().iter().map(|r| r.custom_id.clone()).collect();
    assert_eq!(ids, want);
    for (i, r) in s.results.iter().enumerate() {
        assert_eq!(r.index, i as u64);
        match (i, &r.outcome) {
            (4, Err(e)) => {
                assert_eq!(e.kind(), ErrorKind::BadRequest);
                assert_eq!(e.status(), Some(400));
            }
            (i, Ok(a)) if i < 6 => {
                let body: serde_json::Value = serde_json::from_slice(&a.raw).unwrap();
                assert_eq!(
                    body["choices"][0]["message"]["content"],
                    format!("You said: row {i}")
                );
                assert!(a.usage.is_some());
            }
            (_, Ok(a)) => {
                let body: serde_json::Value = serde_json::from_slice(&a.raw).unwrap();
                assert_eq!(body["object"], "list");
            }
            (i, other) => panic!("row {i}: {other:?}"),
        }
    }
    assert!(s.prompt_tokens > 0);
    let p = last.unwrap();
    assert_eq!((p.total, p.done, p.failed), (Some(9), 9, 1));

    // The same rows and state file: the batches are picked up, nothing is created again.
    let again = batch_api::run(&c, rows(), &opts(&id, &state), |_| {})
        .await
        .unwrap();
    assert_eq!(creates(&id), (3, 3));
    assert_eq!((again.ok, again.failed), (8, 1));

    // Other rows with that state file: refused before anything is sent.
    let mut other = rows();
    other[0].custom_id = "someone-else".into();
    let err = batch_api::run(&c, other, &opts(&id, &state), |_| {})
        .await
        .unwrap_err();
    assert!(err.message().contains("other rows"), "{err}");
    assert_eq!(creates(&id), (3, 3));
    let _ = std::fs::remove_file(&state);
}

#[tokio::test]
async fn a_failed_batch_fails_its_rows_not_the_run() {
    use openai_core::Multipart;
    use openai_core::endpoints::{self, Call};
    let c = client();
    let id = test_id("batchfail");
    // A batch whose input the server refuses (it fails validation), put in the state file as
    // the first batch: its rows come back as errors that say why; the other batches answer.
    let form = Multipart::new().text("purpose", "batch").bytes(
        "file",
        b"not json\n".to_vec(),
        "bad.jsonl",
        None,
    );
    let f = c
        .call(
            endpoints::get("createFile").unwrap(),
            &Call::new().multipart(form),
            &fault(&id, ""),
        )
        .await
        .unwrap()
        .data;
    let body = json!({"input_file_id": f["id"], "endpoint": "/v1/chat/completions", "completion_window": "24h"});
    let b = c
        .call(
            endpoints::get("createBatch").unwrap(),
            &Call::new().json(body),
            &fault(&id, ""),
        )
        .await
        .unwrap()
        .data;
    let state = std::env::temp_dir().join(format!("{id}.json"));
    let rows = rows();
    std::fs::write(
        &state,
        json!({"version": 1, "batches": [{"url": "/v1/chat/completions",
               "first_custom_id": rows[0].custom_id, "rows": 4, "input_file_id": f["id"],
               "batch_id": b["id"]}]})
        .to_string(),
    )
    .unwrap();
    let s = batch_api::run(&c, rows, &opts(&id, &state), |_| {})
        .await
        .unwrap();
    assert_eq!((s.ok, s.failed), (4, 5)); // rows 0-3 unanswered, row 4 refused, 5-8 answered
    for r in &s.results[..4] {
        let e = r.outcome.as_ref().unwrap_err();
        assert!(
            e.message().contains("ended failed without an answer"),
            "{e}"
        );
        assert!(
            e.message().contains("invalid_json_line") || e.message().contains("JSON"),
            "{e}"
        );
    }
    assert!(s.results[5].is_ok());

    // A state file naming a batch the server does not know fails the run as a whole.
    std::fs::write(
        &state,
        json!({"version": 1, "batches": [{"url": "/v1/chat/completions",
               "first_custom_id": "chat-0", "rows": 4, "input_file_id": "file-x",
               "batch_id": "batch_unknown"}]})
        .to_string(),
    )
    .unwrap();
    let err = batch_api::run(&c, self::rows(), &opts(&id, &state), |_| {})
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let _ = std::fs::remove_file(&state);
}
