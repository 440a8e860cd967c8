//! The bulk runner against the mock: every row once, shared pauses after 429s, per-row failures,
//! pacing, resume.

mod common;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use common::*;
use openai_core::ErrorKind;
use openai_core::bulk::{self, BulkOptions, BulkProgress, BulkRequest, Order};
use serde_json::{Value, json};

fn chat_row(id: &str) -> BulkRequest {
    BulkRequest::chat(
        id,
        json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": format!("row {id}")}]}),
    )
}

fn opts_for(test: &str, fault_spec: &str) -> BulkOptions {
    BulkOptions {
        request_options: fault(test, fault_spec),
        ..Default::default()
    }
}

fn temp_out(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("openai-bulk-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    let _ = std::fs::remove_file(&p);
    p
}

fn read_lines(p: &PathBuf) -> Vec<Value> {
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The custom ids the mock answered with 200, counted, read back from the bodies it received.
fn answered_ids(test: &str) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for e in mock().journal_for(test) {
        if e.status != 200 {
            continue;
        }
        let body = e.json().unwrap();
        let text = body["messages"][0]["content"]
            .as_str()
            .or(body["input"].as_str())
            .unwrap()
            .to_owned();
        let id = text.trim_start_matches("row ").to_owned();
        *seen.entry(id).or_insert(0) += 1;
    }
    seen
}

#[tokio::test]
async fn every_row_is_answered_exactly_once_across_the_three_routes() {
    let test = test_id("bulk-once");
    let client = client();
    let mut rows = Vec::new();
    for i in 0..90 {
        let id = format!("r{i}");
        rows.push(match i % 3 {
            0 => chat_row(&id),
            1 => BulkRequest::new(
                &id,
                "/v1/embeddings",
                json!({"model": "text-embedding-3-small", "input": format!("row {id}")}),
            ),
            _ => BulkRequest::new(
                &id,
                "/v1/responses",
                json!({"model": "gpt-4o-mini", "input": format!("row {id}"), "store": false}),
            ),
        });
    }
    let out = temp_out("once.jsonl");
    let mut opts = opts_for(&test, "");
    opts.max_concurrency = 8;
    opts.order = Order::Input;
    opts.output = Some(out.clone());
    let mut last = BulkProgress::default();
    let mut streamed = 0;
    let summary = bulk::run(
        &client,
        rows,
        &opts,
        |_| streamed += 1,
        |p| last = p.clone(),
    )
    .await
    .unwrap();
    assert_eq!((summary.ok, summary.failed), (90, 0));
    assert_eq!(streamed, 90);
    assert_eq!((last.done, last.total, last.in_flight), (90, Some(90), 0));
    assert!(summary.prompt_tokens > 0 && summary.completion_tokens > 0);
    assert!(summary.cost_usd > 0.0, "gpt-4o-mini has a price");

    // Input order, and each answer is its own row's.
    for (i, r) in summary.results.iter().enumerate() {
        assert_eq!(r.index, i as u64);
        assert_eq!(r.custom_id, format!("r{i}"));
        let body = &r.outcome.as_ref().unwrap().json().unwrap();
        match i % 3 {
            0 => assert_eq!(
                body["choices"][0]["message"]["content"],
                format!("You said: row r{i}")
            ),
            1 => assert_eq!(body["object"], "list"),
            _ => assert_eq!(
                body["output"][0]["content"][0]["text"],
                format!("You said: row r{i}")
            ),
        }
    }

    let seen = answered_ids(&test);
    assert_eq!(seen.len(), 90);
    assert!(seen.values().all(|&n| n == 1), "{seen:?}");

    let lines = read_lines(&out);
    assert_eq!(lines.len(), 90);
    let mut ids: Vec<_> = lines
        .iter()
        .map(|l| l["custom_id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 90);
    for l in &lines {
        assert_eq!(l["response"]["status_code"], 200);
        assert!(
            l["response"]["request_id"]
                .as_str()
                .unwrap()
                .starts_with("req_")
        );
        assert!(l["error"].is_null());
    }
}

#[tokio::test]
async fn a_burst_of_429s_leads_to_one_shared_pause_not_a_retry_storm() {
    let test = test_id("bulk-burst");
    let client = client();
    // The server holds 5 requests and refills 10 per second; 16 go out at once.
    let rows: Vec<_> = (0..40).map(|i| chat_row(&format!("b{i}"))).collect();
    let mut opts = opts_for(&test, "rpm=600;rate-window=500");
    opts.max_concurrency = 16;
    let started = std::time::Instant::now();
    let summary = bulk::run(&client, rows, &opts, |_| {}, |_| {})
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!((summary.ok, summary.failed), (40, 0));
    let journal = mock().journal_for(&test);
    let limited = journal.iter().filter(|e| e.status == 429).count();
    assert_eq!(limited as u64, summary.rate_limited);
    // The first wave can only be refused once per worker; after it, the runner paces itself
    // by the server's headers instead of every worker retrying on its own.
    assert!(
        (1..=16).contains(&limited),
        "{limited} 429s (pauses {})",
        summary.pauses
    );
    assert!(summary.pauses >= 1 && summary.pauses <= 3, "{summary:?}");
    let seen = answered_ids(&test);
    assert_eq!(seen.len(), 40);
    assert!(seen.values().all(|&n| n == 1));
    // 5 at once, then 10 per second: the limit held.
    assert!(elapsed >= Duration::from_millis(3000), "{elapsed:?}");
}

#[tokio::test]
async fn own_rpm_is_kept_without_a_single_429() {
    let test = test_id("bulk-rpm");
    let client = client();
    let rows: Vec<_> = (0..30).map(|i| chat_row(&format!("p{i}"))).collect();
    // The server allows a little more than we ask for, as an account limit would.
    let mut opts = opts_for(&test, "rpm=700;rate-window=1000");
    opts.max_concurrency = 8;
    opts.rpm = Some(600);
    let started = std::time::Instant::now();
    let summary = bulk::run(&client, rows, &opts, |_| {}, |_| {})
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(summary.ok, 30);
    assert_eq!(summary.rate_limited, 0);
    let journal = mock().journal_for(&test);
    assert!(journal.iter().all(|e| e.status == 200));
    // 10 at once (a second's worth), then 10 per second for the other 20.
    assert!(
        elapsed >= Duration::from_millis(1900) && elapsed < Duration::from_secs(6),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn tpm_paces_by_estimated_tokens() {
    let test = test_id("bulk-tpm");
    let client = client();
    // Each row asks for up to 100 output tokens: about 110 tokens; 6,000 tpm = 100 per second.
    let rows: Vec<_> = (0..4)
        .map(|i| {
            BulkRequest::chat(
                format!("t{i}"),
                json!({"model": "gpt-4o-mini", "max_tokens": 100,
                       "messages": [{"role": "user", "content": format!("row t{i}")}]}),
            )
        })
        .collect();
    let mut opts = opts_for(&test, "");
    opts.tpm = Some(6000);
    let started = std::time::Instant::now();
    let summary = bulk::run(&client, rows, &opts, |_| {}, |_| {})
        .await
        .unwrap();
    assert_eq!(summary.ok, 4);
    // The first row fits the bucket, the other 3 wait about a second each.
    assert!(
        started.elapsed() >= Duration::from_millis(2500),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn mixed_failures_are_per_row_and_retries_are_per_row() {
    let test = test_id("bulk-mixed");
    let client = client();
    let mut rows: Vec<_> = (0..10).map(|i| chat_row(&format!("m{i}"))).collect();
    rows.insert(
        3,
        BulkRequest::chat("no-messages", json!({"model": "gpt-4o-mini"})),
    );
    rows.insert(
        5,
        BulkRequest::new("bad-url", "/v1/images/generations", json!({"prompt": "x"})),
    );
    rows.insert(
        7,
        BulkRequest::chat(
            "streamed",
            json!({"model": "gpt-4o-mini", "stream": true, "messages": [{"role": "user", "content": "x"}]}),
        ),
    );
    rows.push(chat_row("m0"));
    let out = temp_out("mixed.jsonl");
    // The first three attempts of the test answer 500: those rows are retried.
    let mut opts = opts_for(&test, "status=500;times=3");
    opts.max_concurrency = 4;
    opts.max_retries = Some(3);
    opts.output = Some(out.clone());
    opts.order = Order::Input;
    let summary = bulk::run(&client, rows, &opts, |_| {}, |_| {})
        .await
        .unwrap();
    assert_eq!((summary.ok, summary.failed), (10, 4));
    let by_id: HashMap<_, _> = summary
        .results
        .iter()
        .filter(|r| r.index != 13)
        .map(|r| (r.custom_id.as_str(), r))
        .collect();
    let err = |id: &str| by_id[id].outcome.as_ref().unwrap_err();
    assert_eq!(err("no-messages").kind(), ErrorKind::BadRequest);
    assert_eq!(err("no-messages").status(), Some(400));
    assert_eq!(err("bad-url").kind(), ErrorKind::InvalidArgument);
    assert_eq!(err("streamed").kind(), ErrorKind::InvalidArgument);
    let dup = summary.results.last().unwrap();
    assert_eq!((dup.index, dup.custom_id.as_str()), (13, "m0"));
    assert!(
        dup.outcome
            .as_ref()
            .unwrap_err()
            .message()
            .contains("duplicate")
    );
    let retried: u32 = summary.results.iter().map(|r| r.retries).sum();
    assert_eq!(retried, 3);

    let journal = mock().journal_for(&test);
    assert_eq!(journal.iter().filter(|e| e.status == 500).count(), 3);
    // Only the 10 good rows and the one the server refuses were sent (plus the 3 retries).
    assert_eq!(journal.len(), 10 + 1 + 3);
    let seen = answered_ids(&test);
    assert_eq!(seen.len(), 10);
    assert!(seen.values().all(|&n| n == 1));

    // The file: every row once except the duplicate; a refused row keeps its status and body.
    let lines = read_lines(&out);
    assert_eq!(lines.len(), 13);
    let line = |id: &str| lines.iter().find(|l| l["custom_id"] == id).unwrap();
    assert_eq!(line("no-messages")["response"]["status_code"], 400);
    assert_eq!(
        line("no-messages")["response"]["body"]["error"]["param"],
        "messages"
    );
    assert!(line("bad-url")["response"].is_null());
    assert_eq!(line("bad-url")["error"]["code"], "invalid_argument");
}

#[tokio::test]
async fn an_interrupted_run_resumes_without_losing_or_repeating_a_row() {
    let test = test_id("bulk-resume");
    let client = client();
    let rows: Vec<_> = (0..60).map(|i| chat_row(&format!("s{i}"))).collect();
    let out = temp_out("resume.jsonl");
    let mut opts = opts_for(&test, "latency=20");
    opts.max_concurrency = 4;
    opts.output = Some(out.clone());

    // Interrupted after 20 rows: the future is dropped mid-run, with rows in flight.
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let mut tx = Some(tx);
    let mut n = 0;
    let first = bulk::run(
        &client,
        rows.clone(),
        &opts,
        |_| {
            n += 1;
            if n == 20 {
                tx.take().unwrap().send(()).unwrap();
            }
        },
        |_| {},
    );
    tokio::select! {
        _ = first => panic!("the run should have been interrupted"),
        _ = rx => {}
    }
    let written = read_lines(&out).len();
    assert!(written >= 20, "{written}");
    // And the crash tore the line being written.
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().append(true).open(&out).unwrap();
        f.write_all(br#"{"id":"bulk_req_x","custom_id":"s5"#)
            .unwrap();
    }

    let mut opts2 = opts.clone();
    opts2.request_options = fault(&test, "");
    let summary = bulk::run(&client, rows, &opts2, |_| {}, |_| {})
        .await
        .unwrap();
    assert_eq!(summary.skipped as usize, written);
    assert_eq!(summary.ok as usize, 60 - written);

    let lines = read_lines(&out);
    assert_eq!(lines.len(), 60);
    let mut ids: Vec<_> = lines
        .iter()
        .map(|l| l["custom_id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 60);
    // A third run has nothing left to do and sends nothing.
    let before = mock().journal_for(&test).len();
    let summary = bulk::run(&client, Vec::<BulkRequest>::new(), &opts2, |_| {}, |_| {})
        .await
        .unwrap();
    assert_eq!(summary.ok + summary.failed, 0);
    let again: Vec<_> = (0..60).map(|i| chat_row(&format!("s{i}"))).collect();
    let summary = bulk::run(&client, again, &opts2, |_| {}, |_| {})
        .await
        .unwrap();
    assert_eq!((summary.skipped, summary.ok), (60, 0));
    assert_eq!(mock().journal_for(&test).len(), before);
}

#[tokio::test]
async fn a_cost_budget_stops_sending_and_leaves_the_rest_for_later() {
    let test = test_id("bulk-budget");
    let client = client();
    // gpt-4o: 2.5 USD per 1M input, 10 per 1M output. A row is estimated at about 1.3e-4 USD
    // (its prompt and 10 output tokens) and costs a little less; 5e-4 runs a few, not all.
    let rows: Vec<_> = (0..10)
        .map(|i| {
            BulkRequest::chat(
                format!("c{i}"),
                json!({"model": "gpt-4o", "max_tokens": 10,
                       "messages": [{"role": "user", "content": format!("row c{i}")}]}),
            )
        })
        .collect();
    let out = temp_out("budget.jsonl");
    let mut opts = opts_for(&test, "");
    opts.max_concurrency = 1;
    opts.max_cost_usd = Some(5e-4);
    opts.output = Some(out.clone());
    opts.order = Order::Input;
    let summary = bulk::run(&client, rows.clone(), &opts, |_| {}, |_| {})
        .await
        .unwrap();
    assert!(summary.ok >= 2 && summary.not_run >= 2, "{summary:?}");
    assert_eq!(summary.ok + summary.not_run, 10);
    assert!(
        summary.cost_usd > 0.0 && summary.cost_usd <= 5e-4,
        "{summary:?}"
    );
    assert_eq!(summary.results.len(), 10);
    let last = summary.results.last().unwrap();
    assert_eq!(
        last.outcome.as_ref().unwrap_err().kind(),
        ErrorKind::BudgetExceeded
    );
    assert_eq!(read_lines(&out).len() as u64, summary.ok);
    // A bigger budget finishes the job.
    opts.max_cost_usd = None;
    let summary2 = bulk::run(&client, rows, &opts, |_| {}, |_| {})
        .await
        .unwrap();
    assert_eq!(summary2.skipped, summary.ok);
    assert_eq!(read_lines(&out).len(), 10);
}

#[tokio::test]
async fn bad_options_and_files_fail_before_anything_is_sent() {
    let client = client();
    let opts = BulkOptions {
        max_concurrency: 0,
        ..Default::default()
    };
    let e = bulk::run(&client, vec![chat_row("x")], &opts, |_| {}, |_| {})
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    let out = temp_out("not-ours.jsonl");
    std::fs::write(&out, "hello\nworld\n").unwrap();
    let opts = BulkOptions {
        output: Some(out),
        ..Default::default()
    };
    let e = bulk::run(&client, vec![chat_row("x")], &opts, |_| {}, |_| {})
        .await
        .unwrap_err();
    assert!(e.message().contains("line 1"), "{e}");
}

#[tokio::test]
async fn the_achieved_rate_is_within_five_percent_of_rpm_over_twenty_seconds() {
    let test = test_id("bulk-rate");
    let client = client();
    // 600 rpm for 20 s: 10 at once (a second's worth), then 10 a second.
    let rows: Vec<_> = (0..210).map(|i| chat_row(&format!("q{i}"))).collect();
    let mut opts = opts_for(&test, "");
    opts.max_concurrency = 16;
    opts.rpm = Some(600);
    let summary = bulk::run(&client, rows, &opts, |_| {}, |_| {})
        .await
        .unwrap();
    assert_eq!(summary.ok, 210);
    // The steady rate, measured by the server: arrivals after the opening burst.
    let at: Vec<f64> = mock().journal_for(&test).iter().map(|e| e.at_ms).collect();
    let steady = &at[10..];
    let secs = (steady[steady.len() - 1] - steady[0]) / 1000.0;
    let rpm = (steady.len() - 1) as f64 / secs * 60.0;
    assert!((rpm - 600.0).abs() <= 30.0, "{rpm:.1} rpm over {secs:.1} s");
    let elapsed = summary.elapsed.as_secs_f64();
    assert!((19.0..23.0).contains(&elapsed), "{elapsed:.1} s");
}

#[tokio::test]
async fn a_file_is_checked_whole_then_read_as_the_run_goes() {
    let test = test_id("bulk-file");
    let client = client();
    let input = temp_out("lines-in.jsonl");
    let line = |i: usize| serde_json::to_string(&chat_row(&format!("f{i}"))).unwrap();
    let lines: Vec<String> = (0..40).map(line).collect();
    std::fs::write(&input, lines.join("\n") + "\n\n").unwrap();

    // A bad line anywhere fails the open, before a row is sent.
    let mut broken = lines.clone();
    broken[30] = "{\"custom_id\": \"f30\"".into();
    let bad = temp_out("lines-bad.jsonl");
    std::fs::write(&bad, broken.join("\n")).unwrap();
    let e = bulk::open_requests(&bad).err().unwrap();
    assert!(e.message().contains("line 31"), "{e}");

    let rows = bulk::open_requests(&input).unwrap();
    assert_eq!(rows.size_hint(), (40, Some(40)));
    // The file changes after the check (same length, so the lines around it stay put): the run
    // reads it as it goes, so it sees the change, and only that row fails, naming its line.
    let mut changed = lines.clone();
    let head = "{\"custom_id\": \"f25\"";
    let torn = format!("{head}{}", " ".repeat(lines[25].len() - head.len()));
    changed[25] = torn;
    std::fs::write(&input, changed.join("\n") + "\n\n").unwrap();

    let out = temp_out("lines-out.jsonl");
    let mut opts = opts_for(&test, "");
    opts.max_concurrency = 4;
    opts.order = Order::Input;
    opts.output = Some(out.clone());
    let mut total = None;
    let summary = bulk::run(&client, rows, &opts, |_| {}, |p| total = p.total)
        .await
        .unwrap();
    assert_eq!((summary.ok, summary.failed), (39, 1));
    assert_eq!(total, Some(40));
    let failed = &summary.results[25];
    let e = failed.outcome.as_ref().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(
        e.message().contains("line 26") && e.message().contains("changed"),
        "{e}"
    );
    // Not written: it has no custom_id to be resumed under. Every other row is, once.
    let written = read_lines(&out);
    assert_eq!(written.len(), 39);
    let answered = answered_ids(&test);
    assert_eq!(answered.len(), 39);
    assert!(answered.values().all(|&n| n == 1));
    assert!(!answered.contains_key("f25"));
}
