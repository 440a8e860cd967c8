//! Files and Uploads over raw TCP: multipart parsing, the journal's copy of
//! the body, paging, binary downloads and chunked uploads.

use openai_mock::MockServer;
use serde_json::{Value, json};

mod common;

use common::{AUTH, Response, connect, form_type, multipart};

fn upload(server: &MockServer, test: &str, body: &[u8]) -> Response {
    let ct = form_type();
    let mut c = connect(server);
    c.send_bytes(
        "POST",
        "/v1/files",
        &[AUTH, ("content-type", &ct), ("x-test-id", test)],
        body,
    );
    c.read()
}

fn get(server: &MockServer, path: &str) -> Response {
    let mut c = connect(server);
    c.send("GET", path, &[AUTH], "");
    c.read()
}

fn file(server: &MockServer, name: &str, purpose: &str, data: &[u8]) -> Value {
    let body = multipart(&[
        ("purpose", None, None, purpose.as_bytes()),
        ("file", Some(name), Some("application/jsonl"), data),
    ]);
    let r = upload(server, "files", &body);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

#[test]
fn upload_retrieve_download_delete() {
    let server = MockServer::start();
    let data: Vec<u8> = (0..=255u8)
        .chain(b"\r\n--not-a-boundary\r\n".iter().copied())
        .collect();
    let body = multipart(&[
        ("purpose", None, None, b"assistants"),
        (
            "file",
            Some("data.bin"),
            Some("application/octet-stream"),
            &data,
        ),
    ]);
    let r = upload(&server, "up", &body);
    assert_eq!(r.status, 200);
    for h in [
        "x-ratelimit-limit-requests",
        "x-ratelimit-remaining-tokens",
        "x-ratelimit-reset-requests",
    ] {
        assert!(r.header(h).is_some(), "{h}");
    }
    let f = r.json();
    assert_eq!(
        f,
        json!({"id": "file-mock1", "object": "file", "bytes": data.len(), "created_at": 1700000001,
            "filename": "data.bin", "purpose": "assistants", "status": "processed",
            "expires_at": null, "status_details": null})
    );
    // The journal keeps the exact bytes and what the parser made of them.
    let j = &server.journal_for("up")[0];
    assert_eq!(j.body_raw(), body);
    assert_eq!(j.body_bytes, body.len() as u64);
    assert!(j.body_base64.is_some());
    let parts = j.multipart.as_ref().unwrap();
    assert_eq!(parts[1].filename.as_deref(), Some("data.bin"));
    assert_eq!(
        parts[1].content_type.as_deref(),
        Some("application/octet-stream")
    );
    assert_eq!(parts[1].bytes, data.len() as u64);

    assert_eq!(get(&server, "/v1/files/file-mock1").json(), f);
    let content = get(&server, "/v1/files/file-mock1/content");
    assert_eq!(content.status, 200);
    assert_eq!(
        content.header("content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(content.body, data);

    let mut c = connect(&server);
    c.send("DELETE", "/v1/files/file-mock1", &[AUTH], "");
    assert_eq!(
        c.read().json(),
        json!({"id": "file-mock1", "object": "file", "deleted": true})
    );
    let gone = get(&server, "/v1/files/file-mock1/content");
    assert_eq!(gone.status, 404);
    assert_eq!(
        gone.json()["error"]["message"],
        "No such File object: file-mock1"
    );
}

#[test]
fn bad_forms_name_the_param() {
    let server = MockServer::start();
    let missing_purpose = multipart(&[("file", Some("a.txt"), None, b"x")]);
    let r = upload(&server, "bad", &missing_purpose);
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["param"], "purpose");
    let missing_file = multipart(&[("purpose", None, None, b"batch")]);
    assert_eq!(
        upload(&server, "bad", &missing_file).json()["error"]["param"],
        "file"
    );
    // No closing boundary.
    let mut cut = multipart(&[
        ("purpose", None, None, b"batch"),
        ("file", Some("a"), None, b"x"),
    ]);
    cut.truncate(cut.len() - 10);
    let r = upload(&server, "bad", &cut);
    assert_eq!(r.status, 400);
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("multipart")
    );
    // Not multipart at all.
    let mut c = connect(&server);
    c.send(
        "POST",
        "/v1/files",
        &[AUTH, ("content-type", "application/json")],
        "{}",
    );
    assert_eq!(c.read().status, 400);
    // The connection stays usable after a malformed body.
    let mut c = connect(&server);
    let ct = form_type();
    c.send_bytes("POST", "/v1/files", &[AUTH, ("content-type", &ct)], &cut);
    assert_eq!(c.read().status, 400);
    c.send("GET", "/v1/files", &[AUTH], "");
    assert_eq!(c.read().status, 200);
}

#[test]
fn list_pages_exactly() {
    let server = MockServer::start();
    for i in 0..7 {
        let purpose = if i % 3 == 0 { "batch" } else { "user_data" };
        file(&server, &format!("f{i}.jsonl"), purpose, b"{}");
    }
    let all = get(&server, "/v1/files").json();
    assert_eq!(all["object"], "list");
    let ids: Vec<&str> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 7);
    assert_eq!(ids[0], "file-mock7", "newest first");
    assert_eq!(all["has_more"], false);
    for order in ["asc", "desc"] {
        let mut seen = Vec::new();
        let mut after = String::new();
        loop {
            let page = get(&server, &format!("/v1/files?limit=2&order={order}{after}")).json();
            let data = page["data"].as_array().unwrap();
            assert!(data.len() <= 2);
            seen.extend(data.iter().map(|f| f["id"].as_str().unwrap().to_owned()));
            assert_eq!(page["first_id"], data[0]["id"]);
            assert_eq!(page["last_id"], data[data.len() - 1]["id"]);
            if page["has_more"] == false {
                break;
            }
            after = format!("&after={}", page["last_id"].as_str().unwrap());
        }
        let mut want: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
        if order == "asc" {
            want.reverse();
        }
        assert_eq!(seen, want);
    }
    let batch = get(&server, "/v1/files?purpose=batch").json();
    assert_eq!(batch["data"].as_array().unwrap().len(), 3);
    assert_eq!(get(&server, "/v1/files?limit=0").status, 400);
}

#[test]
fn chunked_upload_and_faults_apply() {
    let server = MockServer::start();
    let body = multipart(&[
        ("purpose", None, None, b"vision"),
        ("file", Some("c.png"), Some("image/png"), b"PNGDATA"),
    ]);
    let mut c = connect(&server);
    let ct = form_type();
    let mut req = format!(
        "POST /v1/files HTTP/1.1\r\nhost: m\r\nauthorization: Bearer k\r\ncontent-type: {ct}\r\ntransfer-encoding: chunked\r\n\r\n"
    )
    .into_bytes();
    for piece in body.chunks(5) {
        req.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        req.extend_from_slice(piece);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"0\r\n\r\n");
    use std::io::Write as _;
    c.io.get_mut().write_all(&req).unwrap();
    let r = c.read();
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["bytes"], 7);

    let mut c = connect(&server);
    c.send_bytes(
        "POST",
        "/v1/files",
        &[
            AUTH,
            ("content-type", &ct),
            ("x-mock-fault", "status=503;times=1"),
            ("x-test-id", "flt"),
        ],
        &body,
    );
    assert_eq!(c.read().status, 503);
    c.send_bytes(
        "POST",
        "/v1/files",
        &[
            AUTH,
            ("content-type", &ct),
            ("x-mock-fault", "status=503;times=1"),
            ("x-test-id", "flt"),
        ],
        &body,
    );
    assert_eq!(c.read().status, 200);
    let j = server.journal_for("flt");
    assert_eq!(j.len(), 2);
    assert_eq!(j[0].body_raw(), j[1].body_raw());
    assert_eq!((j[0].status, j[1].status), (503, 200));
}

#[test]
fn uploads_assemble_parts() {
    let server = MockServer::start();
    let mut c = connect(&server);
    c.send(
        "POST",
        "/v1/uploads",
        &[AUTH],
        &json!({"filename": "big.jsonl", "purpose": "batch", "bytes": 10, "mime_type": "text/jsonl"}).to_string(),
    );
    let up = c.read().json();
    assert_eq!(up["status"], "pending");
    assert_eq!(up["object"], "upload");
    let id = up["id"].as_str().unwrap().to_owned();
    let ct = form_type();
    let mut parts = Vec::new();
    for chunk in [&b"hello"[..], b"world"] {
        c.send_bytes(
            "POST",
            &format!("/v1/uploads/{id}/parts"),
            &[AUTH, ("content-type", &ct)],
            &multipart(&[(
                "data",
                Some("blob"),
                Some("application/octet-stream"),
                chunk,
            )]),
        );
        let p = c.read().json();
        assert_eq!(p["object"], "upload.part");
        assert_eq!(p["upload_id"], id.as_str());
        parts.push(p["id"].clone());
    }
    c.send(
        "POST",
        &format!("/v1/uploads/{id}/complete"),
        &[AUTH],
        &json!({"part_ids": [parts[1], parts[0]]}).to_string(),
    );
    let done = c.read().json();
    assert_eq!(done["status"], "completed");
    assert_eq!(done["file"]["bytes"], 10);
    let fid = done["file"]["id"].as_str().unwrap().to_owned();
    c.send("GET", &format!("/v1/files/{fid}/content"), &[AUTH], "");
    assert_eq!(c.read().body, b"worldhello");
    c.send("POST", &format!("/v1/uploads/{id}/cancel"), &[AUTH], "");
    assert_eq!(c.read().status, 400);

    // A short upload is refused at completion; a pending one can be cancelled.
    c.send(
        "POST",
        "/v1/uploads",
        &[AUTH],
        &json!({"filename": "x", "purpose": "batch", "bytes": 3, "mime_type": "text/plain"})
            .to_string(),
    );
    let id = c.read().json()["id"].as_str().unwrap().to_owned();
    c.send(
        "POST",
        &format!("/v1/uploads/{id}/complete"),
        &[AUTH],
        r#"{"part_ids": []}"#,
    );
    assert_eq!(c.read().json()["error"]["param"], "bytes");
    c.send("POST", &format!("/v1/uploads/{id}/cancel"), &[AUTH], "");
    assert_eq!(c.read().json()["status"], "cancelled");
}

#[test]
fn spooled_parts_assemble_and_stream_back() {
    // Two 9 MiB parts: both spill to disk; the file streams them back to back.
    let server = MockServer::start();
    const PART: usize = 9 << 20;
    let mut c = connect(&server);
    c.send(
        "POST",
        "/v1/uploads",
        &[AUTH],
        &json!({"filename": "big", "purpose": "user_data", "bytes": 2 * PART, "mime_type": "application/octet-stream"}).to_string(),
    );
    let id = c.read().json()["id"].as_str().unwrap().to_owned();
    let ct = form_type();
    let mut ids = Vec::new();
    for marker in [b'A', b'B'] {
        let mut data = vec![0u8; PART];
        data[0] = marker;
        data[PART - 1] = marker;
        data[PART / 2] = b'\r';
        c.send_bytes(
            "POST",
            &format!("/v1/uploads/{id}/parts"),
            &[AUTH, ("content-type", &ct)],
            &multipart(&[("data", Some("blob"), None, &data)]),
        );
        ids.push(c.read().json()["id"].clone());
    }
    c.send(
        "POST",
        &format!("/v1/uploads/{id}/complete"),
        &[AUTH],
        &json!({"part_ids": ids}).to_string(),
    );
    let fid = c.read().json()["file"]["id"].as_str().unwrap().to_owned();
    c.send("GET", &format!("/v1/files/{fid}/content"), &[AUTH], "");
    let r = c.read();
    assert_eq!(r.body.len(), 2 * PART);
    assert_eq!((r.body[0], r.body[PART - 1]), (b'A', b'A'));
    assert_eq!((r.body[PART], r.body[2 * PART - 1]), (b'B', b'B'));
    assert_eq!(r.body[PART + PART / 2], b'\r');
    assert_eq!(r.body.iter().filter(|&&b| b != 0).count(), 6);
}
