//! The engine on the file-shaped endpoints, end to end against the mock: multipart uploads checked
//! byte for byte, a retried upload sending the same bytes twice, binary downloads, pages walked
//! exactly once, the Batch API flow with out-of-order output, rate-limit headers.

mod common;

use std::collections::{HashMap, HashSet};

use common::*;
use openai_core::endpoints::{self, Call};
use openai_core::{ErrorKind, Multipart, RequestOptions};
use serde_json::{Value, json};

fn none() -> RequestOptions {
    RequestOptions::default()
}

fn temp_file(name: &str, data: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("openai-rs-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p
}

async fn upload(c: &openai_core::Client, form: &Multipart, opts: &RequestOptions) -> Value {
    c.call(
        endpoints::get("createFile").unwrap(),
        &Call::new().multipart(form.clone()),
        opts,
    )
    .await
    .unwrap()
    .data
}

#[tokio::test]
async fn multipart_upload_is_exact_on_the_wire() {
    let c = client();
    let data = b"{\"custom_id\":\"a\"}\n\x00\xff binary \r\n--not-a-boundary\r\n";
    let path = temp_file("exact.jsonl", data);
    let form = Multipart::new()
        .text("purpose", "batch")
        .file("file", &path, None, None)
        .unwrap();
    let id = test_id("up");
    let f = upload(&c, &form, &fault(&id, "")).await;
    assert_eq!(f["object"], "file");
    assert_eq!(f["filename"], "exact.jsonl");
    assert_eq!(f["bytes"], data.len() as u64);
    assert_eq!(f["purpose"], "batch");
    let entry = &mock().journal_for(&id)[0];
    assert_eq!(entry.body_raw(), form.to_bytes().unwrap());
    assert_eq!(
        entry.header("content-type"),
        Some(form.content_type().as_str())
    );
    assert_eq!(
        entry.header("content-length"),
        Some(form.content_length().to_string().as_str())
    );
    let parts = entry.multipart.as_ref().unwrap();
    assert_eq!(parts[1].name, "file");
    assert_eq!(parts[1].filename.as_deref(), Some("exact.jsonl"));
    assert_eq!(parts[1].content_type.as_deref(), Some("application/jsonl"));
    assert_eq!(parts[1].bytes, data.len() as u64);

    // The content comes back byte for byte, streamed.
    let file_id = f["id"].as_str().unwrap();
    let dl = c
        .download(
            endpoints::get("downloadFile").unwrap(),
            &Call::new().path_param("file_id", file_id),
            &none(),
        )
        .await
        .unwrap();
    assert_eq!(dl.content_length, Some(data.len() as u64));
    assert_eq!(dl.bytes().await.unwrap(), data);
    let out = path.with_extension("out");
    let dl = c
        .download(
            endpoints::get("downloadFile").unwrap(),
            &Call::new().path_param("file_id", file_id),
            &none(),
        )
        .await
        .unwrap();
    assert_eq!(dl.write_to_file(&out).await.unwrap(), data.len() as u64);
    assert_eq!(std::fs::read(&out).unwrap(), data);
}

#[tokio::test]
async fn a_retried_upload_sends_the_same_bytes_again() {
    let c = builder().max_retries(2).build().unwrap();
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
    let path = temp_file("retried.bin", &data);
    let form = Multipart::new()
        .text("purpose", "user_data")
        .file(
            "file",
            &path,
            Some("retried.bin"),
            Some("application/octet-stream"),
        )
        .unwrap();
    let id = test_id("retry");
    let f = upload(
        &c,
        &form,
        &fault(&id, "status=500;times=1;retry-after-ms=5"),
    )
    .await;
    assert_eq!(f["bytes"], data.len() as u64);
    let entries = mock().journal_for(&id);
    assert_eq!(entries.len(), 2, "one failure, one retry");
    let want = form.to_bytes().unwrap();
    for e in &entries {
        assert_eq!(e.body_bytes, want.len() as u64);
    }
    // Big bodies are journaled by hash: the two attempts carried the same bytes.
    match (&entries[0].body_fnv1a64, &entries[1].body_fnv1a64) {
        (Some(a), Some(b)) => assert_eq!(a, b),
        _ => assert_eq!(entries[0].body_raw(), entries[1].body_raw()),
    }
}

#[tokio::test]
async fn missing_file_is_refused_before_sending_and_bad_forms_by_the_server() {
    let e = Multipart::new()
        .file("file", "/definitely/not/here.jsonl", None, None)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    let c = client();
    let e = c
        .call(
            endpoints::get("createFile").unwrap(),
            &Call::new().multipart(Multipart::new().text("purpose", "batch")),
            &none(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadRequest);
    assert_eq!(e.param(), Some("file"));
}

#[tokio::test]
async fn pages_are_walked_exactly_once() {
    let c = client();
    let mut mine = HashSet::new();
    for i in 0..5 {
        let form = Multipart::new().text("purpose", "fine-tune").bytes(
            "file",
            format!("line {i}\n").into_bytes(),
            format!("page-{i}.jsonl"),
            None,
        );
        let f = upload(&c, &form, &none()).await;
        mine.insert(f["id"].as_str().unwrap().to_owned());
    }
    let id = test_id("pages");
    let mut pager = c.pages(
        endpoints::get("listFiles").unwrap(),
        Call::new()
            .query("limit", "2")
            .query("purpose", "fine-tune"),
        &fault(&id, ""),
    );
    let mut seen = Vec::new();
    let mut pages = 0;
    while let Some(page) = pager.next_page().await {
        let page = page.unwrap();
        pages += 1;
        assert!(
            !page.rate_limits().is_empty(),
            "rate-limit headers on every answer"
        );
        for f in page.data["data"].as_array().unwrap() {
            seen.push(f["id"].as_str().unwrap().to_owned());
        }
    }
    let unique: HashSet<_> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no item twice: {seen:?}");
    assert!(mine.is_subset(&unique));
    assert_eq!(mock().journal_for(&id).len(), pages, "one request per page");
    assert!(pages >= 3);
}

#[tokio::test]
async fn the_batch_flow_joins_out_of_order_output_by_custom_id() {
    let c = client();
    let mut lines = String::new();
    for i in 0..6 {
        let line = json!({"custom_id": format!("row-{i}"), "method": "POST", "url": "/v1/chat/completions",
            "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": format!("question {i}")}]}});
        lines.push_str(&line.to_string());
        lines.push('\n');
    }
    let form = Multipart::new().text("purpose", "batch").bytes(
        "file",
        lines.into_bytes(),
        "batch.jsonl",
        None,
    );
    let file = upload(&c, &form, &none()).await;
    let batch = c
        .call(
            endpoints::get("createBatch").unwrap(),
            &Call::new().json(
                json!({"input_file_id": file["id"], "endpoint": "/v1/chat/completions",
                "completion_window": "24h"}),
            ),
            &fault(&test_id("batch"), "batch-polls=2"),
        )
        .await
        .unwrap()
        .data;
    let batch_id = batch["id"].as_str().unwrap().to_owned();
    let mut status = Vec::new();
    let done = loop {
        let b = c
            .call(
                endpoints::get("retrieveBatch").unwrap(),
                &Call::new().path_param("batch_id", &batch_id),
                &none(),
            )
            .await
            .unwrap()
            .data;
        status.push(b["status"].as_str().unwrap().to_owned());
        if b["status"] == "completed" || status.len() > 10 {
            break b;
        }
    };
    assert_eq!(status, ["in_progress", "completed"]);
    let out = c
        .download(
            endpoints::get("downloadFile").unwrap(),
            &Call::new().path_param("file_id", done["output_file_id"].as_str().unwrap()),
            &none(),
        )
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let order: Vec<String> = String::from_utf8(out.clone())
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["custom_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_ne!(
        order,
        (0..6).map(|i| format!("row-{i}")).collect::<Vec<_>>(),
        "out of order"
    );
    let by_id: HashMap<String, Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (v["custom_id"].as_str().unwrap().to_owned(), v)
        })
        .collect();
    for i in 0..6 {
        let row = &by_id[&format!("row-{i}")];
        assert_eq!(row["response"]["status_code"], 200);
        let text = row["response"]["body"]["choices"][0]["message"]["content"]
            .as_str()
            .unwrap();
        assert_eq!(text, format!("You said: question {i}"));
    }
    let listed = c
        .call(
            endpoints::get("listBatches").unwrap(),
            &Call::new().query("limit", "100"),
            &none(),
        )
        .await
        .unwrap();
    assert!(
        listed.data["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["id"] == batch_id.as_str())
    );
}

#[tokio::test]
async fn binary_answers_stream_in_chunks() {
    let c = client();
    let input = "Hello there, speak this please.";
    let mut dl = c
        .download(
            endpoints::get("createSpeech").unwrap(),
            &Call::new()
                .json(json!({"model": "gpt-4o-mini-tts", "input": input, "voice": "alloy"})),
            &none(),
        )
        .await
        .unwrap();
    assert_eq!(dl.status, 200);
    let mut chunks = 0;
    let total = dl
        .for_each_chunk(|_| {
            chunks += 1;
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(total, input.len() as u64 * 1024);
    assert!(chunks > 1, "{chunks}");
    // A binary operation through the JSON call is refused, not half-decoded.
    let e = c
        .call(
            endpoints::get("createSpeech").unwrap(),
            &Call::new().json(json!({"model": "m", "input": "x", "voice": "alloy"})),
            &none(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
}

/// Issue 13: a 1 GiB file goes up and comes back with flat memory. The file is sparse (no disk
/// is filled) and the download is counted, not stored.
#[tokio::test]
async fn a_gigabyte_uploads_and_downloads_with_flat_memory() {
    const GIB: u64 = 1 << 30;
    let dir = std::env::temp_dir().join(format!("openai-rs-big-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("big.bin");
    std::fs::File::create(&path).unwrap().set_len(GIB).unwrap();
    let c = builder()
        .request_timeout(std::time::Duration::from_secs(300))
        .build()
        .unwrap();
    let before = vm_hwm_kib();
    let form = Multipart::new()
        .text("purpose", "user_data")
        .file("file", &path, None, None)
        .unwrap();
    let f = upload(&c, &form, &none()).await;
    assert_eq!(f["bytes"], GIB);
    let mut dl = c
        .download(
            endpoints::get("downloadFile").unwrap(),
            &Call::new().path_param("file_id", f["id"].as_str().unwrap()),
            &none(),
        )
        .await
        .unwrap();
    let got = dl.for_each_chunk(|_| Ok(())).await.unwrap();
    assert_eq!(got, GIB);
    let grown_mib = (vm_hwm_kib() - before) / 1024;
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        grown_mib < 64,
        "peak RSS grew by {grown_mib} MiB for a 1 GiB round trip"
    );
}

fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// The rest of issue 13's endpoints through the engine, each once against the mock: uploads,
/// audio (multipart in, JSON or a stream of named events out), moderations, legacy completions
/// (the `[DONE]` dialect), image edits and variations, model deletion and stored chat completions.
#[tokio::test]
async fn the_long_tail_runs_through_the_same_engine() {
    let c = client();
    let op = |id: &str| endpoints::get(id).unwrap();
    let call = |id: &'static str, call: Call| {
        let c = c.clone();
        async move {
            c.call(endpoints::get(id).unwrap(), &call, &none())
                .await
                .unwrap_or_else(|e| panic!("{id}: {e}"))
                .data
        }
    };
    // Uploads: create, a part, complete into a file whose content is the part.
    let up = call(
        "createUpload",
        Call::new().json(json!({"filename": "u.txt", "purpose": "assistants",
        "bytes": 5, "mime_type": "text/plain"})),
    )
    .await;
    let up_id = up["id"].as_str().unwrap().to_owned();
    let part = call(
        "addUploadPart",
        Call::new()
            .path_param("upload_id", &up_id)
            .multipart(Multipart::new().bytes("data", &b"hello"[..], "part", None)),
    )
    .await;
    let done = call(
        "completeUpload",
        Call::new()
            .path_param("upload_id", &up_id)
            .json(json!({"part_ids": [part["id"]]})),
    )
    .await;
    assert_eq!(done["status"], "completed");
    let content = c
        .download(
            op("downloadFile"),
            &Call::new().path_param("file_id", done["file"]["id"].as_str().unwrap()),
            &none(),
        )
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(content, b"hello");
    let other = call(
        "createUpload",
        Call::new().json(json!({"filename": "v.txt", "purpose": "assistants",
        "bytes": 1, "mime_type": "text/plain"})),
    )
    .await;
    let cancelled = call(
        "cancelUpload",
        Call::new().path_param("upload_id", other["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(cancelled["status"], "cancelled");

    // Audio in, text out; a streamed transcription ends at its terminal event.
    let audio = || {
        Multipart::new()
            .text("model", "whisper-1")
            .bytes("file", vec![7u8; 1000], "talk.wav", None)
    };
    let t = call("createTranscription", Call::new().multipart(audio())).await;
    assert_eq!(t["text"], "transcript of talk.wav (1000 bytes)");
    let t = call("createTranslation", Call::new().multipart(audio())).await;
    assert!(t["text"].as_str().unwrap().contains("talk.wav"));
    let mut s = c
        .call_events(
            op("createTranscription"),
            &Call::new().multipart(audio().text("stream", "true")),
            &none(),
        )
        .await
        .unwrap();
    let mut last = None;
    while let Some(ev) = s.next_event().await {
        last = ev.unwrap().name;
    }
    assert_eq!(last.as_deref(), Some("transcript.text.done"));

    // Moderations and the legacy completions, plain and streamed ([DONE] dialect).
    let m = call(
        "createModeration",
        Call::new().json(json!({"input": ["hello", "kill it"]})),
    )
    .await;
    assert_eq!(m["results"][0]["flagged"], false);
    assert_eq!(m["results"][1]["flagged"], true);
    let body = json!({"model": "gpt-3.5-turbo-instruct", "prompt": "Say this"});
    let t = call("createCompletion", Call::new().json(body.clone())).await;
    assert_eq!(t["choices"][0]["text"], "You said: Say this");
    let mut s = c
        .call_events(op("createCompletion"), &Call::new().json(body), &none())
        .await
        .unwrap();
    let mut text = String::new();
    while let Some(ev) = s.next_event().await {
        text.push_str(
            ev.unwrap().data()["choices"][0]["text"]
                .as_str()
                .unwrap_or(""),
        );
    }
    assert!(s.is_complete());
    assert_eq!(text, "You said: Say this");

    // Image edits and variations (multipart).
    let png = || Multipart::new().bytes("image", &b"\x89PNG\r\n\x1a\n"[..], "in.png", None);
    let e = call(
        "createImageEdit",
        Call::new().multipart(png().text("prompt", "add a hat")),
    )
    .await;
    assert!(!e["data"].as_array().unwrap().is_empty());
    let v = call("createImageVariation", Call::new().multipart(png())).await;
    assert!(!v["data"].as_array().unwrap().is_empty());

    // Model deletion: a fine-tuned id once, then 404; a base model is refused.
    let ft = format!("ft:gpt-4o-mini:org:{}", test_id("ft"));
    let d = call("deleteModel", Call::new().path_param("model", &ft)).await;
    assert_eq!(d["deleted"], true);
    let e = c
        .call(
            op("deleteModel"),
            &Call::new().path_param("model", &ft),
            &none(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let e = c
        .call(
            op("deleteModel"),
            &Call::new().path_param("model", "gpt-4o-mini"),
            &none(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied);

    // Stored chat completions.
    let stored = call(
        "createChatCompletion",
        Call::new().json(json!({"model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "keep me"}], "store": true,
        "metadata": {"run": test_id("store")}})),
    )
    .await;
    let id = stored["id"].as_str().unwrap().to_owned();
    assert_eq!(
        call(
            "getChatCompletion",
            Call::new().path_param("completion_id", &id)
        )
        .await["id"],
        id.as_str()
    );
    let updated = call(
        "updateChatCompletion",
        Call::new()
            .path_param("completion_id", &id)
            .json(json!({"metadata": {"k": "v"}})),
    )
    .await;
    assert_eq!(updated["metadata"]["k"], "v");
    let msgs = call(
        "getChatCompletionMessages",
        Call::new().path_param("completion_id", &id),
    )
    .await;
    assert_eq!(msgs["data"][0]["content"], "keep me");
    let mut pager = c.pages(
        op("listChatCompletions"),
        Call::new().query("limit", "1"),
        &none(),
    );
    let mut found = false;
    while let Some(page) = pager.next_page().await {
        found |= page.unwrap().data["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == id.as_str());
    }
    assert!(found);
    let gone = call(
        "deleteChatCompletion",
        Call::new().path_param("completion_id", &id),
    )
    .await;
    assert_eq!(gone["deleted"], true);
}
