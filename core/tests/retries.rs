//! The retry rules, measured at the server: attempt counts, the retry-count header and the gaps
//! between attempts.

mod common;

use std::time::{Duration, Instant};

use common::*;
use openai_core::{ErrorKind, RequestOptions};

const EPS: f64 = 250.0; // ms of scheduling slack, per the test matrix

fn gaps_ms(id: &str) -> Vec<f64> {
    let j = mock().journal_for(id);
    j.windows(2).map(|w| w[1].at_ms - w[0].at_ms).collect()
}

fn retry_counts(id: &str) -> Vec<String> {
    mock()
        .journal_for(id)
        .iter()
        .map(|e| {
            e.header("x-stainless-retry-count")
                .unwrap_or("-")
                .to_string()
        })
        .collect()
}

#[tokio::test]
async fn r1_retry_after_seconds_then_success() {
    let id = test_id("r1");
    let r = client()
        .chat_completion(&hello(), &fault(&id, "status=429;retry-after=1;times=1"))
        .await
        .unwrap();
    assert_eq!(r.retries_taken, 1);
    let gaps = gaps_ms(&id);
    assert_eq!(gaps.len(), 1);
    assert!(gaps[0] >= 1000.0 && gaps[0] <= 1000.0 + EPS, "{gaps:?}");
}

#[tokio::test]
async fn r2_retry_after_ms_wins_over_retry_after() {
    let id = test_id("r2");
    client()
        .chat_completion(
            &hello(),
            &fault(&id, "status=429;retry-after-ms=250;retry-after=30;times=1"),
        )
        .await
        .unwrap();
    let gaps = gaps_ms(&id);
    assert!(gaps[0] >= 250.0 && gaps[0] <= 250.0 + EPS, "{gaps:?}");
}

#[tokio::test]
async fn r3_retry_after_http_date() {
    let id = test_id("r3");
    client()
        .chat_completion(
            &hello(),
            &fault(&id, "status=429;retry-after-date=+2;times=1"),
        )
        .await
        .unwrap();
    let gaps = gaps_ms(&id);
    // An HTTP-date has one-second resolution, so the wait is between 1 and 2 seconds.
    assert!(
        gaps[0] >= 1000.0 - EPS && gaps[0] <= 2000.0 + EPS,
        "{gaps:?}"
    );
}

#[tokio::test]
async fn r4_server_error_every_time_exhausts_retries() {
    let id = test_id("r4");
    let started = Instant::now();
    let e = client()
        .chat_completion(&hello(), &fault(&id, "status=500"))
        .await
        .unwrap_err();
    let elapsed = started.elapsed().as_secs_f64();
    assert_eq!(e.kind(), ErrorKind::Server);
    assert_eq!(e.status(), Some(500));
    assert!(e.request_id().is_some());
    assert_eq!(retry_counts(&id), ["0", "1", "2"]);
    // Backoff 0.5 s then 1 s, each shortened by up to 25 % of jitter.
    assert!(
        (0.75 * 1.5..=1.5 + EPS / 1000.0).contains(&elapsed),
        "{elapsed}"
    );
    let gaps = gaps_ms(&id);
    assert!(gaps[0] >= 375.0 && gaps[0] <= 500.0 + EPS, "{gaps:?}");
    assert!(gaps[1] >= 750.0 && gaps[1] <= 1000.0 + EPS, "{gaps:?}");
}

#[tokio::test]
async fn r5_max_retries_zero() {
    let id = test_id("r5");
    let no_retry = builder().max_retries(0).build().unwrap();
    let e = no_retry
        .chat_completion(&hello(), &fault(&id, "status=503"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Server);
    assert_eq!(mock().journal_for(&id).len(), 1);
    // ... and per request.
    let id = test_id("r5b");
    let mut opts = fault(&id, "status=503");
    opts.max_retries = Some(1);
    client().chat_completion(&hello(), &opts).await.unwrap_err();
    assert_eq!(mock().journal_for(&id).len(), 2);
}

#[tokio::test]
async fn r6_retryable_statuses() {
    let mut tasks = Vec::new();
    for status in [408, 409, 429, 500, 502, 503, 504, 599] {
        tasks.push(tokio::spawn(async move {
            let id = test_id(&format!("r6-{status}"));
            let r = client()
                .chat_completion(
                    &hello(),
                    &fault(&id, &format!("status={status};times=1;retry-after-ms=10")),
                )
                .await;
            assert!(r.is_ok(), "{status}: {:?}", r.err());
            assert_eq!(mock().journal_for(&id).len(), 2, "{status}");
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

#[tokio::test]
async fn r7_non_retryable_statuses_map_to_kinds() {
    let cases = [
        (400, ErrorKind::BadRequest),
        (401, ErrorKind::Authentication),
        (403, ErrorKind::PermissionDenied),
        (404, ErrorKind::NotFound),
        (422, ErrorKind::UnprocessableEntity),
        (418, ErrorKind::ApiStatus),
    ];
    for (status, kind) in cases {
        let id = test_id("r7");
        let e = client()
            .chat_completion(&hello(), &fault(&id, &format!("status={status}")))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), kind, "{status}");
        assert_eq!(e.status(), Some(status));
        assert!(e.request_id().is_some(), "{status}");
        assert!(e.api_error().is_some(), "{status}: the envelope is parsed");
        assert_eq!(mock().journal_for(&id).len(), 1, "{status} is not retried");
    }
}

#[tokio::test]
async fn r8_x_should_retry_overrides_the_status_rule() {
    let id = test_id("r8a");
    client()
        .chat_completion(
            &hello(),
            &fault(
                &id,
                "status=400;should-retry=true;times=1;retry-after-ms=10",
            ),
        )
        .await
        .unwrap();
    assert_eq!(mock().journal_for(&id).len(), 2);
    let id = test_id("r8b");
    client()
        .chat_completion(&hello(), &fault(&id, "status=500;should-retry=false"))
        .await
        .unwrap_err();
    assert_eq!(mock().journal_for(&id).len(), 1);
}

#[tokio::test]
async fn r9_insufficient_quota_is_not_retried() {
    let id = test_id("r9");
    let e = client()
        .chat_completion(&hello(), &fault(&id, "status=429;code=insufficient_quota"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.code(), Some("insufficient_quota"));
    assert_eq!(mock().journal_for(&id).len(), 1);
}

#[tokio::test]
async fn r10_retry_after_above_cap_fails_fast_with_the_value() {
    for (f, secs) in [
        ("retry-after=121", 121.0),
        ("retry-after-ms=120001", 120.001),
    ] {
        let id = test_id("r10");
        let started = Instant::now();
        let e = client()
            .chat_completion(&hello(), &fault(&id, &format!("status=429;{f}")))
            .await
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(1));
        assert_eq!(mock().journal_for(&id).len(), 1, "{f}");
        let after = e
            .retry_after()
            .expect("retry_after on the error")
            .as_secs_f64();
        assert!((after - secs).abs() < 1e-6, "{f}: {after}");
    }
}

#[tokio::test]
async fn r11_unusable_retry_after_falls_back_to_backoff() {
    let mut tasks = Vec::new();
    for v in [
        "0",
        "-10",
        "nan",
        "inf",
        "Zun, 29 Sep 2024 00:00:00 GMT",
        "Wed, 21 Oct 100000 07:28:00 GMT",
        "",
    ] {
        tasks.push(tokio::spawn(async move {
            let id = test_id("r11");
            let f = format!("status=429;retry-after={v};times=1");
            client()
                .chat_completion(&hello(), &fault(&id, &f))
                .await
                .unwrap();
            let gaps = gaps_ms(&id);
            assert!(
                gaps[0] >= 375.0 && gaps[0] <= 500.0 + EPS,
                "{v:?}: {gaps:?}"
            );
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    // A number too large for any clock is still "above the cap": fail fast, no overflow.
    let id = test_id("r11-huge");
    let e = client()
        .chat_completion(
            &hello(),
            &fault(
                &id,
                "status=429;retry-after=99999999999999999999999999999999999",
            ),
        )
        .await
        .unwrap_err();
    assert!(e.retry_after().is_some());
    assert_eq!(mock().journal_for(&id).len(), 1);
}

#[tokio::test]
async fn r13_connection_refused_twice_then_success() {
    // Reserve a port, free it, and only start a server there after two attempts were refused.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let starter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(650));
        openai_mock::MockServer::start_with(openai_mock::MockOptions {
            port,
            journal: true,
            ..Default::default()
        })
        .unwrap()
    });
    let client = openai_core::ClientBuilder::new()
        .api_key("sk-test")
        .base_url(format!("http://127.0.0.1:{port}/v1"))
        .env(openai_core::EnvSource::Map(Default::default()))
        .build()
        .unwrap();
    let r = client
        .chat_completion(&hello(), &RequestOptions::default())
        .await
        .unwrap();
    assert_eq!(r.retries_taken, 2);
    let server = starter.join().unwrap();
    let j = server.journal();
    assert_eq!(j.len(), 1);
    assert_eq!(j[0].header("x-stainless-retry-count"), Some("2"));
}

#[tokio::test]
async fn r14_timeout_before_headers_is_retried_then_typed() {
    let id = test_id("r14");
    let client = builder()
        .request_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let e = client
        .chat_completion(&hello(), &fault(&id, "delay-headers=3000"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(e.timeout_phase(), Some(openai_core::TimeoutPhase::Attempt));
    assert_eq!(mock().journal_for(&id).len(), 3);
    // 3 × 0.3 s + at most 1.5 s of backoff.
    assert!(started.elapsed().as_secs_f64() <= 0.9 + 1.5 + EPS / 1000.0);
}

#[tokio::test]
async fn r15_retried_bodies_are_byte_identical() {
    let id = test_id("r15");
    client()
        .chat_completion(&hello(), &fault(&id, "status=500;times=2;retry-after-ms=5"))
        .await
        .unwrap();
    let bodies: Vec<String> = mock()
        .journal_for(&id)
        .into_iter()
        .map(|e| e.body)
        .collect();
    assert_eq!(bodies.len(), 3);
    assert!(bodies.iter().all(|b| b == &bodies[0]));
}

#[tokio::test]
async fn r17_caller_overrides_or_removes_the_retry_count_header() {
    let id = test_id("r17a");
    let mut opts = fault(&id, "");
    opts.extra_headers
        .push(("x-stainless-retry-count".into(), Some("42".into())));
    client().chat_completion(&hello(), &opts).await.unwrap();
    assert_eq!(
        mock().journal_for(&id)[0].header("x-stainless-retry-count"),
        Some("42")
    );
    let id = test_id("r17b");
    let mut opts = fault(&id, "");
    opts.extra_headers
        .push(("x-stainless-retry-count".into(), None));
    client().chat_completion(&hello(), &opts).await.unwrap();
    assert_eq!(
        mock().journal_for(&id)[0].header("x-stainless-retry-count"),
        None
    );
}

#[tokio::test]
async fn r18_total_deadline_cuts_backoff_short() {
    let id = test_id("r18");
    let client = builder()
        .total_timeout(Duration::from_millis(700))
        .build()
        .unwrap();
    let started = Instant::now();
    let e = client
        .chat_completion(&hello(), &fault(&id, "status=429;retry-after=5"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(e.timeout_phase(), Some(openai_core::TimeoutPhase::Total));
    let took = started.elapsed().as_secs_f64();
    assert!((0.7..0.7 + EPS / 1000.0).contains(&took), "{took}");
    assert_eq!(mock().journal_for(&id).len(), 1);
}

#[tokio::test]
async fn c1_one_thousand_concurrent_requests_on_one_client() {
    let client = builder().build().unwrap();
    let mut tasks = Vec::new();
    for i in 0..1000 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let id = test_id("c1");
            // 5 % of requests fail once with 429 or 500 and must succeed on retry.
            let f = match i % 40 {
                0 => "status=429;times=1;retry-after-ms=20;latency=50",
                1 => "status=500;times=1;retry-after-ms=20;latency=50",
                _ => "latency=50",
            };
            let mut req = hello();
            req.messages = vec![openai_core::Message::user(format!("request {i}"))];
            let r = client.chat_completion(&req, &fault(&id, f)).await.unwrap();
            assert_eq!(
                r.data.content(),
                Some(format!("You said: request {i}").as_str())
            );
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}
