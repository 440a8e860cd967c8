//! `bench-raw --base URL --mode seq|conc|stream|rseq|rstream|upload|download --n N
//!  [--concurrency C] [--seconds S] [--file PATH] [--fault F] [--threads T]`
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
    file: String,
    /// Stream modes: the mock's fault header (`events=99`, plus `one-write` for parsing cost).
    fault: String,
    /// Runtime worker threads; 0 for a current-thread runtime.
    threads: usize,
}

fn args() -> Args {
    let mut a = Args {
        base: String::new(),
        mode: "seq".into(),
        n: 100,
        concurrency: 64,
        seconds: 30.0,
        file: String::new(),
        fault: "events=99".into(),
        threads: 0,
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
            "--file" => a.file = v,
            "--fault" => a.fault = v,
            "--threads" => a.threads = v.parse().unwrap_or(a.threads),
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

/// SSE events out of a byte stream with a cursor: nothing is shifted per event, the consumed
/// prefix is dropped only when the next read comes in.
#[derive(Default)]
struct Frames {
    buf: Vec<u8>,
    start: usize,
}

impl Frames {
    fn push(&mut self, part: &[u8]) {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(part);
    }

    /// The next whole event (without its blank line), or None until more bytes arrive.
    fn next_event(&mut self) -> Option<&[u8]> {
        let rest = &self.buf[self.start..];
        let end = memchr::memmem::find(rest, b"\n\n")?;
        let at = self.start;
        self.start += end + 2;
        Some(&self.buf[at..at + end])
    }
}

/// Reads a stream and parses every `data:` payload; returns the number of chunks.
async fn one_stream(
    client: &reqwest::Client,
    url: &str,
    body: bytes::Bytes,
    fault: &str,
) -> Result<usize, String> {
    let resp = client
        .post(url)
        .bearer_auth("sk-bench")
        .header("content-type", "application/json")
        .header("x-mock-fault", fault)
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let mut s = resp.bytes_stream();
    let mut frames = Frames::default();
    let mut chunks = 0;
    while let Some(part) = s.next().await {
        frames.push(&part.map_err(|e| e.to_string())?);
        while let Some(event) = frames.next_event() {
            let Some(data) = event.strip_prefix(b"data: ") else {
                continue;
            };
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

/// `POST /responses` and the answer's `output_text`, computed as the SDKs do.
async fn one_response(client: &reqwest::Client, url: &str) -> Result<(), String> {
    let body =
        serde_json::to_vec(&json!({"model": "gpt-4o-mini", "input": "Hello!"})).unwrap_or_default();
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
    let mut text = String::new();
    for item in v["output"].as_array().into_iter().flatten() {
        for part in item["content"].as_array().into_iter().flatten() {
            if part["type"] == "output_text" {
                text.push_str(part["text"].as_str().unwrap_or(""));
            }
        }
    }
    if text.is_empty() {
        Err("no output_text".into())
    } else {
        Ok(())
    }
}

/// A responses stream: named events, each `data:` payload parsed, until the terminal event;
/// returns the number of events.
async fn one_response_stream(
    client: &reqwest::Client,
    url: &str,
    fault: &str,
) -> Result<usize, String> {
    let body =
        serde_json::to_vec(&json!({"model": "gpt-4o-mini", "input": "Hello!", "stream": true}))
            .unwrap_or_default();
    let resp = client
        .post(url)
        .bearer_auth("sk-bench")
        .header("content-type", "application/json")
        .header("x-mock-fault", fault)
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let mut s = resp.bytes_stream();
    let mut frames = Frames::default();
    let mut events = 0;
    while let Some(part) = s.next().await {
        frames.push(&part.map_err(|e| e.to_string())?);
        while let Some(event) = frames.next_event() {
            let Some(at) = memchr::memmem::find(event, b"data: ") else {
                continue;
            };
            let v: Value = serde_json::from_slice(&event[at + 6..]).map_err(|e| e.to_string())?;
            events += 1;
            if v["type"] == "response.completed" {
                return Ok(events);
            }
        }
    }
    Err("stream ended without response.completed".into())
}

/// Uploads `path` as a multipart `file` part, read from disk in 256 KiB chunks as the socket
/// takes them (the least a streaming upload can do); returns the file id.
async fn upload(client: &reqwest::Client, base: &str, path: &str) -> Result<String, String> {
    use tokio::io::AsyncReadExt;
    let len = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    let boundary = "bench-raw-boundary-7d1f";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nuser_data\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bench.bin\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    );
    let tail = format!("\r\n--{boundary}--\r\n");
    let total = head.len() as u64 + len + tail.len() as u64;
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| e.to_string())?;
    let body =
        futures_util::stream::once(
            async move { Ok::<_, std::io::Error>(bytes::Bytes::from(head)) },
        )
        .chain(futures_util::stream::unfold(file, |mut f| async move {
            let mut buf = vec![0u8; 256 * 1024];
            match f.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => {
                    buf.truncate(n);
                    Some((Ok(bytes::Bytes::from(buf)), f))
                }
                Err(e) => Some((Err(e), f)),
            }
        }))
        .chain(futures_util::stream::once(async move {
            Ok(bytes::Bytes::from(tail))
        }));
    let resp = client
        .post(format!("{base}/files"))
        .bearer_auth("sk-bench")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header("content-length", total)
        .body(reqwest::Body::wrap_stream(body))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let v: Value = serde_json::from_slice(&resp.bytes().await.map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    v["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no file id: {v}"))
}

/// Downloads a file's content, counting the bytes as they arrive.
async fn download(client: &reqwest::Client, base: &str, id: &str) -> Result<usize, String> {
    let resp = client
        .get(format!("{base}/files/{id}/content"))
        .bearer_auth("sk-bench")
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let mut s = resp.bytes_stream();
    let mut n = 0;
    while let Some(part) = s.next().await {
        n += part.map_err(|e| e.to_string())?.len();
    }
    Ok(n)
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

fn main() {
    let a = args();
    // The runtime is a setting, so the bound can be the fastest of them. The default, one
    // current-thread runtime, is: pinned to one CPU as in `make bench` it did 31,500 req/s at 64
    // concurrent and 81,000 chunks/s where two workers did 19,800 and 44,800.
    let rt = match a.threads {
        0 => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
        n => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(n)
            .enable_all()
            .build(),
    };
    rt.expect("runtime").block_on(run(a));
}

async fn run(a: Args) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .tcp_nodelay(true)
        .pool_max_idle_per_host(256)
        .build()
        .expect("client");
    let url = format!("{}/chat/completions", a.base.trim_end_matches('/'));
    let responses_url = format!("{}/responses", a.base.trim_end_matches('/'));
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
                match one_stream(&client, &url, body(true), &a.fault).await {
                    Ok(c) => chunks += c,
                    Err(_) => errors += 1,
                }
                latencies.push(t.elapsed().as_secs_f64() * 1e3);
                if started.elapsed() > limit {
                    break;
                }
            }
        }
        "rseq" => {
            for _ in 0..a.n {
                let t = Instant::now();
                if one_response(&client, &responses_url).await.is_err() {
                    errors += 1;
                }
                latencies.push(t.elapsed().as_secs_f64() * 1e3);
                if started.elapsed() > limit {
                    break;
                }
            }
        }
        "rstream" => {
            for _ in 0..a.n {
                let t = Instant::now();
                match one_response_stream(&client, &responses_url, &a.fault).await {
                    Ok(c) => chunks += c,
                    Err(_) => errors += 1,
                }
                latencies.push(t.elapsed().as_secs_f64() * 1e3);
                if started.elapsed() > limit {
                    break;
                }
            }
        }
        "upload" | "download" => {
            let base = a.base.trim_end_matches('/');
            let len = std::fs::metadata(&a.file).map(|m| m.len()).unwrap_or(0) as usize;
            let id = if a.mode == "download" {
                upload(&client, base, &a.file).await.ok()
            } else {
                None
            };
            for _ in 0..a.n {
                let t = Instant::now();
                let r = match &id {
                    Some(id) => download(&client, base, id).await,
                    None => upload(&client, base, &a.file).await.map(|_| len),
                };
                match r {
                    Ok(b) => chunks += b,
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
