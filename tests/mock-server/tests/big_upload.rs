//! A big upload streamed through the raw client: the mock parses it as it
//! arrives and spools the file part to disk, so the process's memory stays
//! flat. Alone in its binary so that no other test moves the RSS.

use std::io::{Read, Write};

use openai_mock::MockServer;

mod common;

use common::{AUTH, BOUNDARY, connect, form_type};

/// `VmRSS` and `VmHWM` (peak) of this process, in KiB.
fn rss_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Byte `i` of the test file: a pattern with CRs, LFs and dashes in it, so
/// the parser's slow path is exercised too, with all-zero stretches, so the
/// sparse path is.
fn byte(i: u64) -> u8 {
    if (i / (1 << 20)) % 4 == 3 {
        0
    } else {
        (i.wrapping_mul(2_654_435_761) >> 13) as u8
    }
}

fn fill(buf: &mut [u8], from: u64) {
    for (k, b) in buf.iter_mut().enumerate() {
        *b = byte(from + k as u64);
    }
}

#[test]
fn a_64_mib_upload_and_download_keep_memory_flat() {
    const SIZE: u64 = 64 << 20;
    let server = MockServer::start();
    let (before, _) = rss_kib();

    let head = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    );
    let tail = format!("\r\n--{BOUNDARY}--\r\n");
    let total = head.len() as u64 + SIZE + tail.len() as u64;
    let ct = form_type();
    let mut c = connect(&server);
    let w = c.io.get_mut();
    write!(
        w,
        "POST /v1/files HTTP/1.1\r\nhost: m\r\n{}: {}\r\ncontent-type: {ct}\r\nx-test-id: big\r\ncontent-length: {total}\r\n\r\n{head}",
        AUTH.0, AUTH.1
    )
    .unwrap();
    // The journal's FNV-1a 64 of the whole body, computed as it is sent.
    let mut fnv: u64 = 0xcbf2_9ce4_8422_2325;
    let mut hash = |bytes: &[u8]| {
        for &b in bytes {
            fnv = (fnv ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    hash(head.as_bytes());
    let mut buf = vec![0u8; 256 * 1024];
    let mut sent = 0u64;
    while sent < SIZE {
        let n = (SIZE - sent).min(buf.len() as u64) as usize;
        fill(&mut buf[..n], sent);
        w.write_all(&buf[..n]).unwrap();
        hash(&buf[..n]);
        sent += n as u64;
    }
    w.write_all(tail.as_bytes()).unwrap();
    hash(tail.as_bytes());
    let r = c.read();
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let f = r.json();
    assert_eq!(f["bytes"], SIZE);
    let id = f["id"].as_str().unwrap().to_owned();

    let j = &server.journal_for("big")[0];
    assert_eq!(j.body_bytes, total);
    assert!(j.body.is_empty(), "a big body is not kept");
    assert_eq!(j.body_fnv1a64, Some(format!("{fnv:016x}")));
    assert_eq!(j.multipart.as_ref().unwrap()[1].bytes, SIZE);

    // Download, checking every byte as it streams by.
    c.send("GET", &format!("/v1/files/{id}/content"), &[AUTH], "");
    let mut status = String::new();
    loop {
        let line = c.line().unwrap();
        if line.is_empty() {
            break;
        }
        status.push_str(&line);
        status.push('\n');
    }
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    assert!(
        status.contains(&format!("content-length: {SIZE}")),
        "{status}"
    );
    let mut got = 0u64;
    let mut want = vec![0u8; buf.len()];
    while got < SIZE {
        let n = (SIZE - got).min(buf.len() as u64) as usize;
        c.io.read_exact(&mut buf[..n]).unwrap();
        fill(&mut want[..n], got);
        assert!(buf[..n] == want[..n], "content differs near byte {got}");
        got += n as u64;
    }

    let (_, peak) = rss_kib();
    let growth_mib = peak.saturating_sub(before) / 1024;
    assert!(
        growth_mib < 32,
        "peak RSS grew by {growth_mib} MiB for a {} MiB file",
        SIZE >> 20
    );
}

/// The size the client suites use, all zeros as a sparse file reads: the
/// spool file stays sparse and the mock's memory flat. Slow in a debug
/// build (a few seconds each way), so run on demand:
/// `cargo test -p openai-mock --test big_upload -- --ignored`.
#[test]
#[ignore]
fn a_1_gib_sparse_upload_and_download() {
    const SIZE: u64 = 1 << 30;
    let server = MockServer::start();
    let (before, _) = rss_kib();
    let head = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nuser_data\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"sparse.bin\"\r\n\r\n"
    );
    let tail = format!("\r\n--{BOUNDARY}--\r\n");
    let total = head.len() as u64 + SIZE + tail.len() as u64;
    let ct = form_type();
    let mut c = connect(&server);
    let w = c.io.get_mut();
    write!(
        w,
        "POST /v1/files HTTP/1.1\r\nhost: m\r\n{}: {}\r\ncontent-type: {ct}\r\ncontent-length: {total}\r\n\r\n{head}",
        AUTH.0, AUTH.1
    )
    .unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..SIZE >> 20 {
        w.write_all(&zeros).unwrap();
    }
    w.write_all(tail.as_bytes()).unwrap();
    let r = c.read();
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let id = r.json()["id"].as_str().unwrap().to_owned();

    c.send("GET", &format!("/v1/files/{id}/content"), &[AUTH], "");
    while !c.line().unwrap().is_empty() {}
    let mut buf = vec![0u8; 1 << 20];
    for _ in 0..SIZE >> 20 {
        c.io.read_exact(&mut buf).unwrap();
        assert!(buf == zeros);
    }
    let (_, peak) = rss_kib();
    let growth_mib = peak.saturating_sub(before) / 1024;
    assert!(growth_mib < 32, "peak RSS grew by {growth_mib} MiB");
}
