//! `bench-raw --base URL --mode seq|conc|stream --n N [--concurrency C] [--seconds S]`
//!
//! The least a client can do for each benchmark mode — reqwest, serde_json, no retries, no
//! validation — so the other clients' numbers read as ratios against a floor. Prints one JSON
//! object: per-request latencies (ms) or counts, and the elapsed time.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Value, json};

struct Args {
    base: String,
    mode: String,
    n: usize,
    concurrency: usize,
    seconds: f64,
}

fn args() -> Args {
    let mut a = Args {
        base: String::new(),
        mode: "seq".into(),
        n: 100,
        concurrency: 64,
        seconds: 30.0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let v = it.next().unwrap_or_default();
        match flag.as_str() {
            "--base" => a.base = v,
            "--mode" => a.mode = v,
            "--n" => a.n = v.parse().unwrap_or(a.n),
            "--concurrency" => a.concurrency = v.parse().unwrap_or(a.concurrency),
            "--seconds" => a.seconds = v.parse().unwrap_or(a.seconds),
            other => {
                eprintln!("unknown flag {other}");
                std::process::exit(2);
            }
        }
    }
    a
}

fn body(stream: bool) -> bytes::Bytes {
    let mut b =
        json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello!"}]});
    if stream {
        b["stream"] = json!(true);
    }
    serde_json::to_vec(&b).unwrap_or_default().into()
}

async fn one(client: &reqwest::Client, url: &str, body: bytes::Bytes) -> Result<(), String> {
    let resp = client
        .post(url)
        .bearer_auth("sk-bench")
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
    if v["choices"][0]["message"]["content"].is_string() {
        Ok(())
    } else {
        Err("no content".into())
    }
}

/// Reads a stream and parses every `data:` payload; returns the number of chunks.
async fn one_stream(
    client: &reqwest::Client,
    url: &str,
    body: bytes::Bytes,
) -> Result<usize, String> {
    let resp = client
        .post(url)
        .bearer_auth("sk-bench")
        .header("content-type", "application/json")
        .header("x-mock-fault", "events=99")
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let mut s = resp.bytes_stream();
    let mut buf: Vec<u8> = Vec::new();
    let mut chunks = 0;
    while let Some(part) = s.next().await {
        buf.extend_from_slice(&part.map_err(|e| e.to_string())?);
        while let Some(pos) = buf.windows(2).position(|w| w == b"\n\n") {
            let event: Vec<u8> = buf.drain(..pos + 2).collect();
            let Some(data) = event.strip_prefix(b"data: ") else {
                continue;
            };
            let data = &data[..data.len() - 2];
            if data == b"[DONE]" {
                return Ok(chunks);
            }
            let v: Value = serde_json::from_slice(data).map_err(|e| e.to_string())?;
            if v.get("choices").is_some() {
                chunks += 1;
            }
        }
    }
    Err("stream ended without [DONE]".into())
}

/// CPU time of the whole process (all threads), from /proc: user + system ticks.
/// This process's own peak RSS (VmHWM). The harness's wait4 figure is no use: a child's
/// ru_maxrss starts at the RSS of the harness it was forked from, before the exec.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
    let rest = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let a = args();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .tcp_nodelay(true)
        .pool_max_idle_per_host(256)
        .build()
        .expect("client");
    let url = format!("{}/chat/completions", a.base.trim_end_matches('/'));
    let limit = Duration::from_secs_f64(a.seconds);
    let started = Instant::now();
    let cpu0 = cpu_s();
    let mut latencies = Vec::new();
    let mut chunks = 0usize;
    let mut errors = 0usize;
    match a.mode.as_str() {
        "seq" => {
            for _ in 0..a.n {
                let t = Instant::now();
                if one(&client, &url, body(false)).await.is_err() {
                    errors += 1;
                }
                latencies.push(t.elapsed().as_secs_f64() * 1e3);
                if started.elapsed() > limit {
                    break;
                }
            }
        }
        "conc" => {
            let per = a.n.div_ceil(a.concurrency);
            let tasks: Vec<_> = (0..a.concurrency)
                .map(|_| {
                    let client = client.clone();
                    let url = url.clone();
                    tokio::spawn(async move {
                        let mut out = (Vec::new(), 0usize);
                        let t0 = Instant::now();
                        for _ in 0..per {
                            let t = Instant::now();
                            if one(&client, &url, body(false)).await.is_err() {
                                out.1 += 1;
                            }
                            out.0.push(t.elapsed().as_secs_f64() * 1e3);
                            if t0.elapsed() > limit {
                                break;
                            }
                        }
                        out
                    })
                })
                .collect();
            for t in tasks {
                let (l, e) = t.await.unwrap_or_default();
                latencies.extend(l);
                errors += e;
            }
        }
        "stream" => {
            for _ in 0..a.n {
                let t = Instant::now();
                match one_stream(&client, &url, body(true)).await {
                    Ok(c) => chunks += c,
                    Err(_) => errors += 1,
                }
                latencies.push(t.elapsed().as_secs_f64() * 1e3);
                if started.elapsed() > limit {
                    break;
                }
            }
        }
        other => {
            eprintln!("unknown mode {other}");
            std::process::exit(2);
        }
    }
    let out = json!({
        "requests": latencies.len(),
        "errors": errors,
        "chunks": chunks,
        "elapsed_s": started.elapsed().as_secs_f64(),
        "cpu_loop_s": cpu_s() - cpu0,
        "peak_rss_kib": peak_rss_kib(),
        "latencies_ms": latencies,
    });
    println!("{out}");
}
