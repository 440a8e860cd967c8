//! The raw-TCP client the integration tests share: it checks the bytes on
//! the wire, not what some HTTP client makes of them.
#![allow(dead_code)] // each test binary uses a different subset

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use openai_mock::MockServer;
use serde_json::Value;

pub struct Conn<S: Read + Write> {
    pub io: BufReader<S>,
}

#[derive(Debug, Default)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Chunk payloads as framed on the wire (chunked responses only).
    pub chunks: Vec<Vec<u8>>,
    /// Saw the terminating zero-size chunk (or the full content-length).
    pub complete: bool,
    /// The error that ended reading early, if any.
    pub error: Option<io::ErrorKind>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("body is JSON")
    }

    /// The `(event, data)` pairs of an SSE body (`event` empty when absent).
    pub fn named_events(&self) -> Vec<(String, String)> {
        String::from_utf8_lossy(&self.body)
            .split("\n\n")
            .filter(|e| !e.is_empty())
            .map(|e| {
                let mut name = String::new();
                let mut data = String::new();
                for line in e.lines() {
                    if let Some(n) = line.strip_prefix("event: ") {
                        name = n.to_owned();
                    } else if let Some(d) = line.strip_prefix("data: ") {
                        data = d.to_owned();
                    }
                }
                (name, data)
            })
            .collect()
    }

    /// The `data:` payloads of an SSE body.
    pub fn events(&self) -> Vec<String> {
        String::from_utf8_lossy(&self.body)
            .split("\n\n")
            .filter_map(|e| e.strip_prefix("data: ").map(str::to_owned))
            .collect()
    }
}

pub fn connect(server: &MockServer) -> Conn<TcpStream> {
    let s = TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    Conn {
        io: BufReader::new(s),
    }
}

impl<S: Read + Write> Conn<S> {
    pub fn send(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) {
        let mut req = format!("{method} {path} HTTP/1.1\r\nhost: mock\r\n");
        for (n, v) in headers {
            req.push_str(&format!("{n}: {v}\r\n"));
        }
        if !body.is_empty() || method == "POST" {
            req.push_str(&format!("content-length: {}\r\n", body.len()));
        }
        req.push_str("\r\n");
        req.push_str(body);
        let w = self.io.get_mut();
        w.write_all(req.as_bytes()).unwrap();
        w.flush().unwrap();
    }

    /// Sends `head` (request line and headers, without the blank line)
    /// with a content-length, then `body` as is.
    pub fn send_bytes(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) {
        let mut req = format!("{method} {path} HTTP/1.1\r\nhost: mock\r\n");
        for (n, v) in headers {
            req.push_str(&format!("{n}: {v}\r\n"));
        }
        req.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
        let w = self.io.get_mut();
        w.write_all(req.as_bytes()).unwrap();
        w.write_all(body).unwrap();
        w.flush().unwrap();
    }

    pub fn line(&mut self) -> io::Result<String> {
        let mut line = String::new();
        if self.io.read_line(&mut line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Ok(line.trim_end_matches("\r\n").to_owned())
    }

    pub fn read(&mut self) -> Response {
        let mut r = Response::default();
        let status_line = self.line().expect("status line");
        r.status = status_line.split(' ').nth(1).unwrap().parse().unwrap();
        loop {
            let line = self.line().expect("header line");
            if line.is_empty() {
                break;
            }
            let (n, v) = line.split_once(':').unwrap();
            r.headers
                .push((n.to_ascii_lowercase(), v.trim().to_owned()));
        }
        if r.header("transfer-encoding") == Some("chunked") {
            if let Err(e) = self.read_chunks(&mut r) {
                r.error = Some(e.kind());
            }
        } else {
            let n: usize = r.header("content-length").unwrap_or("0").parse().unwrap();
            r.body = vec![0; n];
            match self.io.read_exact(&mut r.body) {
                Ok(()) => r.complete = true,
                Err(e) => r.error = Some(e.kind()),
            }
        }
        r
    }

    pub fn read_chunks(&mut self, r: &mut Response) -> io::Result<()> {
        loop {
            let size = usize::from_str_radix(&self.line()?, 16).expect("chunk size");
            if size == 0 {
                assert_eq!(self.line()?, "");
                r.complete = true;
                return Ok(());
            }
            let mut chunk = vec![0; size + 2];
            self.io.read_exact(&mut chunk)?;
            assert_eq!(&chunk[size..], b"\r\n");
            chunk.truncate(size);
            r.body.extend_from_slice(&chunk);
            r.chunks.push(chunk);
        }
    }

    /// True once the server has closed the connection.
    pub fn at_eof(&mut self) -> bool {
        matches!(self.io.fill_buf(), Ok(b) if b.is_empty())
    }
}

pub const AUTH: (&str, &str) = ("authorization", "Bearer sk-test");

pub const BOUNDARY: &str = "----mock-boundary-7MA4YWxkTrZu0gW";

/// `(name, filename, content type, data)`.
pub type Part<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a [u8]);

/// A `multipart/form-data` body.
pub fn multipart(parts: &[Part<'_>]) -> Vec<u8> {
    let mut b = Vec::new();
    for (name, filename, ct, data) in parts {
        b.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let mut disp = format!("Content-Disposition: form-data; name=\"{name}\"");
        if let Some(f) = filename {
            disp.push_str(&format!("; filename=\"{f}\""));
        }
        b.extend_from_slice(disp.as_bytes());
        b.extend_from_slice(b"\r\n");
        if let Some(ct) = ct {
            b.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
        }
        b.extend_from_slice(b"\r\n");
        b.extend_from_slice(data);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    b
}

pub fn form_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}
