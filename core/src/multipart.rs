//! `multipart/form-data` bodies that can be sent again on a retry without reading a file into
//! memory.
//!
//! reqwest's own `multipart::Form` is consumed by the request that sends it, so a retried upload
//! would have to rebuild it, and it computes no length for streamed parts (the server then gets a
//! chunked upload). This encoder keeps the parts as a description — text, bytes, or a file path
//! with its length taken when the part is added — and produces a fresh body for every attempt:
//! the same boundary, the same bytes, a known `Content-Length`, and file contents read from disk
//! in fixed-size chunks as the socket takes them.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures_util::StreamExt;

use crate::error::{Error, ErrorKind, Result};

/// How much of a file is read per chunk of the upload.
const FILE_CHUNK: usize = 256 * 1024;

/// The value of one part.
#[derive(Clone, Debug)]
pub enum PartValue {
    /// A plain form field.
    Text(String),
    /// File contents held in memory.
    Bytes(Bytes),
    /// A file read from disk on every attempt; its length is fixed when the part is added.
    File {
        /// Where the file is.
        path: PathBuf,
        /// Its length when the part was added: a file that changes size meanwhile is refused
        /// rather than sent with a wrong `Content-Length`.
        len: u64,
    },
}

/// One part of a form.
#[derive(Clone, Debug)]
pub struct Part {
    /// The form field name.
    pub name: String,
    /// The content.
    pub value: PartValue,
    /// The `filename` of the `Content-Disposition` (file parts only).
    pub filename: Option<String>,
    /// The part's `Content-Type` (file parts only).
    pub content_type: Option<String>,
}

/// A `multipart/form-data` body.
#[derive(Clone, Debug)]
pub struct Multipart {
    boundary: String,
    parts: Vec<Part>,
}

impl Default for Multipart {
    fn default() -> Self {
        Multipart::new()
    }
}

fn fresh_boundary() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    // Unique per body in this process; collisions with the content are what the length of the
    // boundary guards against (RFC 2046 lets it be up to 70 characters).
    format!(
        "openai-rs-{:016x}{:016x}{:08x}",
        t,
        t.rotate_left(29) ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15),
        std::process::id()
    )
}

/// The content type for a file name, by extension; `application/octet-stream` when unknown.
pub fn guess_content_type(filename: &str) -> &'static str {
    let ext = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "json" => "application/json",
        "jsonl" => "application/jsonl",
        "txt" | "md" => "text/plain",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "mp3" | "mpga" | "mpeg" => "audio/mpeg",
        "wav" => "audio/wav",
        "m4a" => "audio/mp4",
        "ogg" => "audio/ogg",
        "flac" => "audio/flac",
        "webm" => "audio/webm",
        "mp4" => "video/mp4",
        _ => "application/octet-stream",
    }
}

/// Quotes a `Content-Disposition` parameter the way browsers and the official SDK (httpx) do:
/// `"` and CR/LF percent-encoded, so a name cannot break out of its header.
fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("%22"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Multipart {
    /// An empty form with a fresh boundary.
    pub fn new() -> Multipart {
        Multipart {
            boundary: fresh_boundary(),
            parts: Vec::new(),
        }
    }

    /// A plain text field.
    pub fn text(mut self, name: impl Into<String>, value: impl Into<String>) -> Multipart {
        self.parts.push(Part {
            name: name.into(),
            value: PartValue::Text(value.into()),
            filename: None,
            content_type: None,
        });
        self
    }

    /// A file part from memory. The content type is guessed from `filename` when not given.
    pub fn bytes(
        mut self,
        name: impl Into<String>,
        data: impl Into<Bytes>,
        filename: impl Into<String>,
        content_type: Option<&str>,
    ) -> Multipart {
        let filename = filename.into();
        let ct = content_type.unwrap_or_else(|| guess_content_type(&filename));
        self.parts.push(Part {
            name: name.into(),
            value: PartValue::Bytes(data.into()),
            content_type: Some(ct.to_owned()),
            filename: Some(filename),
        });
        self
    }

    /// A file part streamed from disk on every attempt. `filename` defaults to the path's last
    /// component, the content type to a guess from it. Fails if the file cannot be read now.
    pub fn file(
        mut self,
        name: impl Into<String>,
        path: impl AsRef<Path>,
        filename: Option<&str>,
        content_type: Option<&str>,
    ) -> Result<Multipart> {
        let path = path.as_ref();
        let meta = std::fs::metadata(path).map_err(|e| {
            Error::invalid_argument(format!("cannot read file {}: {e}", path.display()))
        })?;
        if !meta.is_file() {
            return Err(Error::invalid_argument(format!(
                "{} is not a regular file",
                path.display()
            )));
        }
        let filename = filename.map(str::to_owned).unwrap_or_else(|| {
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "upload".to_owned())
        });
        let ct = content_type.unwrap_or_else(|| guess_content_type(&filename));
        self.parts.push(Part {
            name: name.into(),
            value: PartValue::File {
                path: path.to_owned(),
                len: meta.len(),
            },
            content_type: Some(ct.to_owned()),
            filename: Some(filename),
        });
        Ok(self)
    }

    /// The parts, in order.
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// The boundary (the same for every attempt of a request).
    pub fn boundary(&self) -> &str {
        &self.boundary
    }

    /// The `Content-Type` header value.
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    fn head(&self, part: &Part) -> Vec<u8> {
        let mut h = format!(
            "--{}\r\nContent-Disposition: form-data; name={}",
            self.boundary,
            quote(&part.name)
        );
        if let Some(f) = &part.filename {
            h.push_str("; filename=");
            h.push_str(&quote(f));
        }
        h.push_str("\r\n");
        if let Some(ct) = &part.content_type {
            h.push_str("Content-Type: ");
            h.push_str(ct);
            h.push_str("\r\n");
        }
        h.push_str("\r\n");
        h.into_bytes()
    }

    fn tail(&self) -> Vec<u8> {
        format!("--{}--\r\n", self.boundary).into_bytes()
    }

    /// The exact length of the encoded body.
    pub fn content_length(&self) -> u64 {
        let mut n = self.tail().len() as u64;
        for p in &self.parts {
            n += self.head(p).len() as u64 + 2;
            n += match &p.value {
                PartValue::Text(t) => t.len() as u64,
                PartValue::Bytes(b) => b.len() as u64,
                PartValue::File { len, .. } => *len,
            };
        }
        n
    }

    /// The whole body in memory (tests, and small forms).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(self.content_length() as usize);
        for p in &self.parts {
            out.extend_from_slice(&self.head(p));
            match &p.value {
                PartValue::Text(t) => out.extend_from_slice(t.as_bytes()),
                PartValue::Bytes(b) => out.extend_from_slice(b),
                PartValue::File { path, len } => {
                    let data = std::fs::read(path).map_err(|e| file_error(path, e))?;
                    check_len(path, *len, data.len() as u64)?;
                    out.extend_from_slice(&data);
                }
            }
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(&self.tail());
        Ok(out)
    }

    /// A fresh streaming body for one attempt: headers and in-memory parts as they are, files
    /// read in [`FILE_CHUNK`] pieces only as fast as the connection takes them.
    pub(crate) fn body(&self) -> reqwest::Body {
        reqwest::Body::wrap_stream(self.stream())
    }

    fn stream(
        &self,
    ) -> impl futures_util::Stream<Item = std::result::Result<Bytes, BoxError>> + Send + use<> {
        let mut pieces: Vec<Piece> = Vec::with_capacity(self.parts.len() * 3 + 1);
        for p in &self.parts {
            pieces.push(Piece::Mem(Bytes::from(self.head(p))));
            match &p.value {
                PartValue::Text(t) => pieces.push(Piece::Mem(Bytes::from(t.clone()))),
                PartValue::Bytes(b) => pieces.push(Piece::Mem(b.clone())),
                PartValue::File { path, len } => pieces.push(Piece::File(path.clone(), *len)),
            }
            pieces.push(Piece::Mem(Bytes::from_static(b"\r\n")));
        }
        pieces.push(Piece::Mem(Bytes::from(self.tail())));
        futures_util::stream::iter(pieces).flat_map(|piece| match piece {
            Piece::Mem(b) => futures_util::stream::once(async move { Ok(b) }).boxed(),
            Piece::File(path, len) => file_stream(path, len).boxed(),
        })
    }
}

enum Piece {
    Mem(Bytes),
    File(PathBuf, u64),
}

fn file_error(path: &Path, e: std::io::Error) -> Error {
    Error::new(
        ErrorKind::InvalidArgument,
        format!("cannot read file {}: {e}", path.display()),
    )
}

fn check_len(path: &Path, want: u64, got: u64) -> Result<()> {
    if want == got {
        return Ok(());
    }
    Err(Error::invalid_argument(format!(
        "file {} changed size from {want} to {got} bytes during the upload",
        path.display()
    )))
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The file's bytes, exactly `len` of them, read as the body is polled.
fn file_stream(
    path: PathBuf,
    len: u64,
) -> impl futures_util::Stream<Item = std::result::Result<Bytes, BoxError>> + Send {
    use tokio::io::AsyncReadExt;
    struct St {
        path: PathBuf,
        file: Option<tokio::fs::File>,
        left: u64,
        failed: bool,
    }
    let st = St {
        path,
        file: None,
        left: len,
        failed: false,
    };
    futures_util::stream::unfold(st, move |mut st| async move {
        if st.failed {
            return None;
        }
        if st.file.is_none() {
            match tokio::fs::File::open(&st.path).await {
                Ok(f) => st.file = Some(f),
                Err(e) => {
                    st.failed = true;
                    return Some((Err(file_error(&st.path, e).into()), st));
                }
            }
        }
        let file = st.file.as_mut()?;
        let want = FILE_CHUNK.min(usize::try_from(st.left).unwrap_or(FILE_CHUNK));
        if want == 0 {
            // Exactly `len` bytes went out; a file that grew meanwhile is caught here.
            let mut probe = [0u8; 1];
            return match file.read(&mut probe).await {
                Ok(0) => None,
                Ok(_) => {
                    st.failed = true;
                    let e = Error::invalid_argument(format!(
                        "file {} grew during the upload",
                        st.path.display()
                    ));
                    Some((Err(e.into()), st))
                }
                Err(e) => {
                    st.failed = true;
                    Some((Err(file_error(&st.path, e).into()), st))
                }
            };
        }
        let mut buf = vec![0u8; want];
        let mut filled = 0;
        while filled < want {
            match file.read(&mut buf[filled..]).await {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) => {
                    st.failed = true;
                    return Some((Err(file_error(&st.path, e).into()), st));
                }
            }
        }
        if filled < want {
            st.failed = true;
            let e = check_len(&st.path, len, len - st.left + filled as u64).unwrap_err();
            return Some((Err(e.into()), st));
        }
        buf.truncate(filled);
        st.left -= filled as u64;
        Some((Ok(Bytes::from(buf)), st))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_fields_and_files_with_exact_length() {
        let dir = std::env::temp_dir().join(format!("openai-rs-mp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("data.jsonl");
        std::fs::write(&path, b"{\"a\":1}\n").unwrap();
        let form = Multipart::new()
            .text("purpose", "batch")
            .file("file", &path, None, None)
            .unwrap()
            .bytes("extra", &b"xy"[..], "a \"q\".png", None);
        let body = form.to_bytes().unwrap();
        assert_eq!(body.len() as u64, form.content_length());
        let text = String::from_utf8(body).unwrap();
        let b = form.boundary();
        let want = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"data.jsonl\"\r\n\
             Content-Type: application/jsonl\r\n\r\n{{\"a\":1}}\n\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"extra\"; filename=\"a %22q%22.png\"\r\n\
             Content-Type: image/png\r\n\r\nxy\r\n--{b}--\r\n"
        );
        assert_eq!(text, want);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn boundaries_differ_and_missing_files_are_refused() {
        assert_ne!(Multipart::new().boundary(), Multipart::new().boundary());
        let e = Multipart::new()
            .file("file", "/nonexistent/x.bin", None, None)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    }

    #[test]
    fn streamed_body_equals_the_buffered_one() {
        let dir = std::env::temp_dir().join(format!("openai-rs-mp2-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("big.bin");
        let data: Vec<u8> = (0..(FILE_CHUNK * 2 + 17))
            .map(|i| (i % 251) as u8)
            .collect();
        std::fs::write(&path, &data).unwrap();
        let form = Multipart::new()
            .text("a", "b")
            .file("file", &path, None, None)
            .unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let streamed = rt.block_on(async {
            use futures_util::TryStreamExt;
            form.stream()
                .try_fold(Vec::new(), |mut acc, b| async move {
                    acc.extend_from_slice(&b);
                    Ok(acc)
                })
                .await
                .unwrap()
        });
        assert_eq!(streamed, form.to_bytes().unwrap());
        std::fs::remove_dir_all(&dir).ok();
    }
}
