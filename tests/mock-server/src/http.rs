//! A deliberately small HTTP/1.1 request reader and response head writer.
//! Hand-rolled because the mock must be able to misbehave in ways a real
//! HTTP library would refuse to (resets, truncated chunked bodies, stalls).

use std::io;
use std::time::Instant;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::multipart::{self, Form};

/// Heads larger than this are rejected instead of buffered without bound.
pub const MAX_HEAD: usize = 64 * 1024;
pub const MAX_BODY: usize = 64 * 1024 * 1024;
/// Streamed bodies up to this size are also kept whole (for the journal).
pub const KEEP_STREAMED: usize = 64 * 1024;

#[derive(Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: String,
    pub http10: bool,
    /// Names lowercased, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The body; for a streamed multipart body, a copy only when it is
    /// at most [`KEEP_STREAMED`] bytes (else empty).
    pub body: Vec<u8>,
    /// When the head and body had been fully read.
    pub arrived: Instant,
    /// A `multipart/form-data` body, parsed as it streamed in.
    pub form: Option<Result<Form, multipart::Error>>,
    /// The body's length on the wire (after de-chunking).
    pub body_len: u64,
    /// FNV-1a 64 of a streamed body that was not kept.
    pub body_hash: Option<String>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn keep_alive(&self) -> bool {
        let has = |token: &str| {
            self.headers
                .iter()
                .filter(|(n, _)| n == "connection")
                .flat_map(|(_, v)| v.split(','))
                .any(|t| t.trim().eq_ignore_ascii_case(token))
        };
        if self.http10 {
            has("keep-alive")
        } else {
            !has("close")
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum BodyKind {
    Length(usize),
    Chunked,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Head {
    pub method: String,
    pub path: String,
    pub query: String,
    pub http10: bool,
    pub headers: Vec<(String, String)>,
    pub body: BodyKind,
    pub expect_continue: bool,
}

/// A request the server answers with `status` and then closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadRequest(pub u16, pub &'static str);

pub enum ReadError {
    Io,
    Bad(BadRequest),
}

impl From<io::Error> for ReadError {
    fn from(_: io::Error) -> Self {
        ReadError::Io
    }
}

impl From<BadRequest> for ReadError {
    fn from(b: BadRequest) -> Self {
        ReadError::Bad(b)
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Parses a complete head (`head` must end just before the blank line).
pub fn parse_head(head: &[u8]) -> Result<Head, BadRequest> {
    let bad = BadRequest(400, "malformed request head");
    let head =
        std::str::from_utf8(head).map_err(|_| BadRequest(400, "request head is not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let request_line = lines.next().ok_or(BadRequest(400, "empty request"))?;
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad);
    };
    if !is_token(method) || target.is_empty() {
        return Err(bad);
    }
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err(BadRequest(505, "only HTTP/1.0 and HTTP/1.1 are supported")),
    };
    // Absolute-form targets come from clients that think we are a proxy.
    let target = match target.find("://") {
        Some(i) => target[i + 3..]
            .find('/')
            .map_or("/", |j| &target[i + 3 + j..]),
        None => target,
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));

    let mut headers = Vec::with_capacity(16);
    let mut length: Option<usize> = None;
    let mut chunked = false;
    let mut expect_continue = false;
    for line in lines {
        let (name, value) = line.split_once(':').ok_or(bad)?;
        if !is_token(name) {
            // Also rejects obsolete line folding and "name :" forms.
            return Err(BadRequest(400, "malformed header line"));
        }
        let name = name.to_ascii_lowercase();
        let value = value.trim_matches([' ', '\t']);
        match name.as_str() {
            "content-length" => {
                let n: usize = value
                    .parse()
                    .map_err(|_| BadRequest(400, "bad content-length"))?;
                if length.is_some_and(|l| l != n) {
                    return Err(BadRequest(400, "conflicting content-length headers"));
                }
                length = Some(n);
            }
            "transfer-encoding" => {
                let last = value.rsplit(',').next().unwrap_or("").trim();
                if !last.eq_ignore_ascii_case("chunked") {
                    return Err(BadRequest(501, "unsupported transfer-encoding"));
                }
                chunked = true;
            }
            "expect" if value.eq_ignore_ascii_case("100-continue") => expect_continue = true,
            _ => {}
        }
        headers.push((name, value.to_owned()));
    }
    // RFC 9112 6.3: transfer-encoding wins over content-length.
    let body = if chunked {
        BodyKind::Chunked
    } else {
        BodyKind::Length(length.unwrap_or(0))
    };
    Ok(Head {
        method: method.to_owned(),
        path: path.to_owned(),
        query: query.to_owned(),
        http10,
        headers,
        body,
        expect_continue,
    })
}

/// Decodes a chunked body at the start of `buf`. `Ok(None)` means more bytes
/// are needed; on success returns the body and how many bytes it used.
pub fn decode_chunked(buf: &[u8]) -> Result<Option<(Vec<u8>, usize)>, BadRequest> {
    let bad = BadRequest(400, "malformed chunked body");
    // First pass only measures, so an incomplete body costs no copying.
    let mut pos = 0;
    let mut chunks = Vec::new();
    loop {
        let Some(eol) = find(&buf[pos..], b"\r\n") else {
            return if buf.len() - pos > 1024 {
                Err(bad)
            } else {
                Ok(None)
            };
        };
        let line = std::str::from_utf8(&buf[pos..pos + eol]).map_err(|_| bad)?;
        let size_str = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_str, 16).map_err(|_| bad)?;
        pos += eol + 2;
        if size == 0 {
            break;
        }
        if size > MAX_BODY || chunks.iter().map(|&(_, n)| n).sum::<usize>() + size > MAX_BODY {
            return Err(BadRequest(413, "request body too large"));
        }
        if buf.len() < pos + size + 2 {
            return Ok(None);
        }
        if &buf[pos + size..pos + size + 2] != b"\r\n" {
            return Err(bad);
        }
        chunks.push((pos, size));
        pos += size + 2;
    }
    // Trailer fields, then the blank line.
    loop {
        let Some(eol) = find(&buf[pos..], b"\r\n") else {
            return if buf.len() - pos > MAX_HEAD {
                Err(bad)
            } else {
                Ok(None)
            };
        };
        pos += eol + 2;
        if eol == 0 {
            break;
        }
    }
    let mut body = Vec::with_capacity(chunks.iter().map(|&(_, n)| n).sum());
    for (start, n) in chunks {
        body.extend_from_slice(&buf[start..start + n]);
    }
    Ok(Some((body, pos)))
}

async fn fill<S: AsyncRead + Unpin>(io: &mut S, buf: &mut Vec<u8>) -> io::Result<usize> {
    if buf.capacity() - buf.len() < 4096 {
        buf.reserve(8192);
    }
    io.read_buf(buf).await
}

/// Reads one request head and removes it from `buf`, which then starts
/// with the body. `buf` carries bytes across calls (pipelining and
/// keep-alive). `Ok(None)` is a clean EOF between requests.
pub async fn read_head<S>(io: &mut S, buf: &mut Vec<u8>) -> Result<Option<Head>, ReadError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut scanned = 0;
    let head_end = loop {
        // Tolerate stray CRLFs between requests (RFC 9112 2.2).
        let skip = buf
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
        if skip > 0 {
            buf.drain(..skip);
            scanned = 0;
        }
        if let Some(i) = find(&buf[scanned..], b"\r\n\r\n") {
            break scanned + i;
        }
        scanned = buf.len().saturating_sub(3);
        if buf.len() > MAX_HEAD {
            return Err(BadRequest(431, "request head too large").into());
        }
        if fill(io, buf).await? == 0 {
            return if buf.is_empty() {
                Ok(None)
            } else {
                Err(ReadError::Io)
            };
        }
    };
    let head = parse_head(&buf[..head_end])?;
    buf.drain(..head_end + 4);
    Ok(Some(head))
}

/// Reads a whole body into memory (at most [`MAX_BODY`] bytes).
pub async fn read_body<S>(io: &mut S, buf: &mut Vec<u8>, head: &Head) -> Result<Vec<u8>, ReadError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    if let BodyKind::Length(n) = head.body
        && n > MAX_BODY
    {
        return Err(BadRequest(413, "request body too large").into());
    }
    let mut sent_continue = false;
    let (body, used) = loop {
        let got = match head.body {
            BodyKind::Length(n) if buf.len() >= n => Some((buf[..n].to_vec(), n)),
            BodyKind::Length(_) => None,
            BodyKind::Chunked => decode_chunked(buf)?,
        };
        if let Some(done) = got {
            break done;
        }
        if head.expect_continue && !sent_continue {
            send_continue(io).await?;
            sent_continue = true;
        }
        if fill(io, buf).await? == 0 {
            return Err(ReadError::Io);
        }
    };
    buf.drain(..used);
    Ok(body)
}

async fn send_continue<S: AsyncWrite + Unpin>(io: &mut S) -> io::Result<()> {
    io.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await?;
    io.flush().await
}

/// Reads one request with its whole body (see [`read_head`]).
#[cfg(test)]
pub async fn read_request<S>(io: &mut S, buf: &mut Vec<u8>) -> Result<Option<Request>, ReadError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let Some(head) = read_head(io, buf).await? else {
        return Ok(None);
    };
    let body = read_body(io, buf, &head).await?;
    Ok(Some(Request::new(head, body)))
}

impl Request {
    pub fn new(head: Head, body: Vec<u8>) -> Request {
        Request {
            method: head.method,
            path: head.path,
            query: head.query,
            http10: head.http10,
            headers: head.headers,
            body_len: body.len() as u64,
            body,
            arrived: Instant::now(),
            form: None,
            body_hash: None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Framing {
    Length(u64),
    ChunkSize,
    ChunkData(u64),
    ChunkEnd,
    Trailers,
    Done,
}

/// A body read piece by piece without holding it: each `next` hands out
/// what has arrived (at most one read's worth).
pub struct BodyStream<'a, S> {
    io: &'a mut S,
    buf: &'a mut Vec<u8>,
    state: Framing,
    consumed: usize,
    expect_continue: bool,
}

impl<'a, S: AsyncRead + AsyncWrite + Unpin> BodyStream<'a, S> {
    pub fn new(io: &'a mut S, buf: &'a mut Vec<u8>, head: &Head) -> BodyStream<'a, S> {
        BodyStream {
            io,
            buf,
            state: match head.body {
                BodyKind::Length(n) => Framing::Length(n as u64),
                BodyKind::Chunked => Framing::ChunkSize,
            },
            consumed: 0,
            expect_continue: head.expect_continue,
        }
    }

    async fn more(&mut self) -> Result<(), ReadError> {
        if self.expect_continue {
            self.expect_continue = false;
            send_continue(self.io).await?;
        }
        if self.buf.capacity() - self.buf.len() < 16 * 1024 {
            self.buf.reserve(64 * 1024);
        }
        if self.io.read_buf(self.buf).await? == 0 {
            return Err(ReadError::Io);
        }
        Ok(())
    }

    /// The next piece of the body, `None` at its end.
    pub async fn next(&mut self) -> Result<Option<&[u8]>, ReadError> {
        let bad = BadRequest(400, "malformed chunked body");
        self.buf.drain(..self.consumed);
        self.consumed = 0;
        loop {
            match self.state {
                Framing::Done | Framing::Length(0) => {
                    self.state = Framing::Done;
                    return Ok(None);
                }
                Framing::Length(n) | Framing::ChunkData(n) => {
                    if n == 0 {
                        self.state = Framing::ChunkEnd;
                        continue;
                    }
                    if self.buf.is_empty() {
                        self.more().await?;
                    }
                    let k = (self.buf.len() as u64).min(n);
                    self.state = match self.state {
                        Framing::Length(_) => Framing::Length(n - k),
                        _ => Framing::ChunkData(n - k),
                    };
                    self.consumed = k as usize;
                    return Ok(Some(&self.buf[..k as usize]));
                }
                Framing::ChunkEnd => {
                    if self.buf.len() < 2 {
                        self.more().await?;
                        continue;
                    }
                    if &self.buf[..2] != b"\r\n" {
                        return Err(bad.into());
                    }
                    self.buf.drain(..2);
                    self.state = Framing::ChunkSize;
                }
                Framing::ChunkSize | Framing::Trailers => {
                    let Some(eol) = find(self.buf, b"\r\n") else {
                        if self.buf.len() > MAX_HEAD {
                            return Err(bad.into());
                        }
                        self.more().await?;
                        continue;
                    };
                    let line = std::str::from_utf8(&self.buf[..eol]).map_err(|_| bad)?;
                    self.state = if self.state == Framing::Trailers {
                        if eol == 0 {
                            Framing::Done
                        } else {
                            Framing::Trailers
                        }
                    } else {
                        let size = line.split(';').next().unwrap_or("").trim();
                        match u64::from_str_radix(size, 16).map_err(|_| bad)? {
                            0 => Framing::Trailers,
                            n => Framing::ChunkData(n),
                        }
                    };
                    self.buf.drain(..eol + 2);
                }
            }
        }
    }
}

pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Payload Too Large",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "Status",
    }
}

/// Statuses that must not carry a body.
pub fn bodyless(status: u16) -> bool {
    (100..200).contains(&status) || status == 204 || status == 304
}

/// Decodes `%XX` and `+` in a query component.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (hex(b[i + 1]), hex(b[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The decoded value of `key` in a query string.
pub fn query_param(query: &str, key: &str) -> Option<String> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        (percent_decode(k) == key).then(|| percent_decode(v))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_post_head() {
        let h = parse_head(
            b"POST /v1/chat/completions?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\nX-Test-Id:  t1 \r\nAuthorization: Bearer k",
        )
        .unwrap();
        assert_eq!(h.method, "POST");
        assert_eq!(h.path, "/v1/chat/completions");
        assert_eq!(h.query, "x=1");
        assert!(!h.http10);
        assert_eq!(h.body, BodyKind::Length(12));
        assert_eq!(h.headers[2], ("x-test-id".to_owned(), "t1".to_owned()));
        assert_eq!(h.headers.len(), 4);
    }

    #[test]
    fn rejects_bad_heads() {
        assert_eq!(parse_head(b"GET /\r\n").unwrap_err().0, 400);
        assert_eq!(parse_head(b"GET / HTTP/2.0").unwrap_err().0, 505);
        assert_eq!(
            parse_head(b"GET / HTTP/1.1\r\nbad header").unwrap_err().0,
            400
        );
        assert_eq!(
            parse_head(b"GET / HTTP/1.1\r\nA: b\r\n folded")
                .unwrap_err()
                .0,
            400
        );
        assert_eq!(
            parse_head(b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2")
                .unwrap_err()
                .0,
            400
        );
        assert_eq!(
            parse_head(b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip")
                .unwrap_err()
                .0,
            501
        );
    }

    #[test]
    fn chunked_wins_and_absolute_form() {
        let h = parse_head(
            b"POST http://x:1/v1/models HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue",
        )
        .unwrap();
        assert_eq!(h.body, BodyKind::Chunked);
        assert_eq!(h.path, "/v1/models");
        assert!(h.expect_continue);
    }

    #[test]
    fn decodes_chunked_bodies() {
        let full = b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\nNEXT";
        let (body, used) = decode_chunked(full).unwrap().unwrap();
        assert_eq!(body, b"hello world");
        assert_eq!(&full[used..], b"NEXT");
        for cut in 0..full.len() - 4 {
            assert_eq!(decode_chunked(&full[..cut]).unwrap(), None, "cut at {cut}");
        }
        assert!(decode_chunked(b"zz\r\n").is_err());
        assert!(decode_chunked(b"2\r\nabc\r\n").is_err());
    }

    #[test]
    fn keep_alive_rules() {
        let req = |http10, conn: Option<&str>| Request {
            method: "GET".into(),
            path: "/".into(),
            query: String::new(),
            http10,
            headers: conn
                .map(|c| ("connection".to_owned(), c.to_owned()))
                .into_iter()
                .collect(),
            body: Vec::new(),
            arrived: Instant::now(),
            form: None,
            body_len: 0,
            body_hash: None,
        };
        assert!(req(false, None).keep_alive());
        assert!(!req(false, Some("Close")).keep_alive());
        assert!(!req(true, None).keep_alive());
        assert!(req(true, Some("keep-alive")).keep_alive());
    }

    #[test]
    fn query_decoding() {
        assert_eq!(
            query_param("a=1&test_id=x%2Fy+z", "test_id").as_deref(),
            Some("x/y z")
        );
        assert_eq!(query_param("a=1", "test_id"), None);
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }

    #[tokio::test]
    async fn streams_bodies_piece_by_piece() {
        let (mut client, mut server) = tokio::io::duplex(7);
        let writer = tokio::spawn(async move {
            let wire: &[u8] = b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n\
                4;ext=1\r\nab\r\n\r\n3\r\n\x00\xffz\r\n0\r\nX-Trailer: 1\r\n\r\n\
                POST /b HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET /c HTTP/1.1\r\n\r\n";
            // Dribble it so every boundary falls across reads.
            for b in wire.chunks(3) {
                client.write_all(b).await.unwrap();
            }
            client
        });
        let mut buf = Vec::new();
        for (path, want) in [("/a", &b"ab\r\n\x00\xffz"[..]), ("/b", b"hello")] {
            let head = read_head(&mut server, &mut buf)
                .await
                .ok()
                .flatten()
                .unwrap();
            assert_eq!(head.path, path);
            let mut body = BodyStream::new(&mut server, &mut buf, &head);
            let mut got = Vec::new();
            while let Some(piece) = body.next().await.ok().flatten() {
                got.extend_from_slice(piece);
            }
            assert_eq!(got, want, "{path}");
        }
        let c = read_head(&mut server, &mut buf)
            .await
            .ok()
            .flatten()
            .unwrap();
        assert_eq!(c.path, "/c");
        drop(writer.await.unwrap());
    }

    #[tokio::test]
    async fn reads_pipelined_requests() {
        let (mut client, mut server) = tokio::io::duplex(64);
        let writer = tokio::spawn(async move {
            client
                .write_all(
                    b"POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\n\r\n\
                      POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nxyz\r\n0\r\n\r\n",
                )
                .await
                .unwrap();
            client
        });
        let mut buf = Vec::new();
        let a = read_request(&mut server, &mut buf)
            .await
            .ok()
            .flatten()
            .unwrap();
        assert_eq!((a.path.as_str(), a.body.as_slice()), ("/a", &b"abc"[..]));
        let b = read_request(&mut server, &mut buf)
            .await
            .ok()
            .flatten()
            .unwrap();
        assert_eq!((b.method.as_str(), b.body.len()), ("GET", 0));
        let c = read_request(&mut server, &mut buf)
            .await
            .ok()
            .flatten()
            .unwrap();
        assert_eq!(c.body, b"xyz");
        drop(writer.await.unwrap());
        assert!(matches!(
            read_request(&mut server, &mut buf).await,
            Ok(None)
        ));
    }
}
