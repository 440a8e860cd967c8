//! Streaming `multipart/form-data`: a push parser that is fed the body as it
//! arrives, and a collector that keeps small parts in memory and spills big
//! ones to a temp file as they stream in, so a 1 GiB upload costs the mock a
//! few hundred KiB of memory.
//!
//! The hot loops avoid per-byte Rust code: the suites run a debug build,
//! where a byte loop manages ~80 MB/s, while `<[u8]>::contains` and slice
//! equality go to libcore's precompiled `memchr`/`memcmp`.

use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
#[cfg(test)]
use std::path::Path;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Parts bigger than this go to disk.
pub const SPILL: usize = 8 * 1024 * 1024;
const MAX_PART_HEAD: usize = 16 * 1024;
const MAX_PARTS: usize = 1000;
const BLOCK: usize = 4096;
static ZEROS: [u8; BLOCK] = [0; BLOCK];

// ------------------------------------------------------------ byte helpers

/// The first `b` in `hay`: `contains` (fast memchr) narrows to the 64-byte
/// window that holds it, and only that window is scanned byte by byte.
pub fn find_byte(hay: &[u8], b: u8) -> Option<usize> {
    let mut base = 0;
    for block in hay.chunks(BLOCK) {
        if block.contains(&b) {
            let (mut lo, mut hi) = (0, block.len());
            while hi - lo > 64 {
                let mid = lo + (hi - lo) / 2;
                if block[lo..mid].contains(&b) {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            return block[lo..hi]
                .iter()
                .position(|&x| x == b)
                .map(|i| base + lo + i);
        }
        base += block.len();
    }
    None
}

pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = find_byte(&hay[from..], needle[0]) {
        let at = from + i;
        if hay[at..].starts_with(needle) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

fn is_zero(block: &[u8]) -> bool {
    block == &ZEROS[..block.len()]
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a 64 over a stream. A zero byte only multiplies by the prime, so a
/// run of zeros is one multiplication by a precomputed power: sparse files
/// hash at memcmp speed even in a debug build.
#[derive(Clone, Copy, Debug)]
pub struct Fnv(pub u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(FNV_OFFSET)
    }
}

impl Fnv {
    pub fn update(&mut self, data: &[u8]) {
        // PRIME^BLOCK, by squaring (BLOCK is a power of two).
        let mut zero_block = FNV_PRIME;
        let mut n = 1;
        while n < BLOCK {
            zero_block = zero_block.wrapping_mul(zero_block);
            n *= 2;
        }
        for block in data.chunks(BLOCK) {
            if block.len() == BLOCK && is_zero(block) {
                self.0 = self.0.wrapping_mul(zero_block);
            } else {
                for &b in block {
                    self.0 = (self.0 ^ b as u64).wrapping_mul(FNV_PRIME);
                }
            }
        }
    }

    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

// ------------------------------------------------------------------ parser

/// The `boundary` parameter of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    let mut params = content_type.split(';');
    let kind = params.next()?.trim();
    if !kind.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.find_map(|p| {
        let (k, v) = p.split_once('=')?;
        if !k.trim().eq_ignore_ascii_case("boundary") {
            return None;
        }
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(v);
        (!v.is_empty() && v.len() <= 200).then(|| v.to_owned())
    })
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartHead {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Event<'a> {
    Start(PartHead),
    Data(&'a [u8]),
    End,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The body is not what `multipart/form-data` allows; the text says how.
    Malformed(&'static str),
    /// Writing a spilled part failed.
    Io(String),
}

impl Error {
    pub fn message(&self) -> String {
        match self {
            Error::Malformed(m) => format!("Could not parse multipart form: {m}."),
            Error::Io(e) => format!("Could not store the uploaded file: {e}."),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Preamble,
    AfterDelimiter,
    Headers,
    Body,
    Epilogue,
}

/// A push parser: `feed` it the body in pieces of any size, then `finish`.
pub struct Parser {
    /// `\r\n--<boundary>`: the buffer starts with a CRLF so the first
    /// delimiter looks like every other.
    delim: Vec<u8>,
    buf: Vec<u8>,
    state: State,
    parts: usize,
}

impl Parser {
    pub fn new(boundary: &str) -> Parser {
        let mut delim = b"\r\n--".to_vec();
        delim.extend_from_slice(boundary.as_bytes());
        Parser {
            delim,
            buf: b"\r\n".to_vec(),
            state: State::Preamble,
            parts: 0,
        }
    }

    pub fn feed(
        &mut self,
        input: &[u8],
        sink: &mut dyn FnMut(Event<'_>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.buf.extend_from_slice(input);
        let mut pos = 0;
        let r = self.run(&mut pos, sink);
        self.buf.drain(..pos);
        r
    }

    /// Call at the end of the body: an error unless the closing delimiter
    /// was seen.
    pub fn finish(&self) -> Result<(), Error> {
        match self.state {
            State::Epilogue => Ok(()),
            State::Preamble => Err(Error::Malformed("no boundary found in the body")),
            _ => Err(Error::Malformed("the body ended before the final boundary")),
        }
    }

    fn run(
        &mut self,
        pos: &mut usize,
        sink: &mut dyn FnMut(Event<'_>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let delim = &self.delim[..];
        let buf = &self.buf[..];
        loop {
            let rest = &buf[*pos..];
            match self.state {
                State::Preamble => match find(rest, delim) {
                    Some(i) => {
                        *pos += i + delim.len();
                        self.state = State::AfterDelimiter;
                    }
                    None => {
                        *pos += rest.len().saturating_sub(delim.len() - 1);
                        return Ok(());
                    }
                },
                State::AfterDelimiter => {
                    if rest.len() < 2 {
                        return Ok(());
                    }
                    if rest.starts_with(b"--") {
                        *pos += 2;
                        self.state = State::Epilogue;
                        continue;
                    }
                    // RFC 2046 allows linear whitespace after a delimiter.
                    let ws = rest
                        .iter()
                        .take_while(|&&b| b == b' ' || b == b'\t')
                        .count();
                    if rest.len() < ws + 2 {
                        if ws > 256 {
                            return Err(Error::Malformed("junk after a boundary"));
                        }
                        return Ok(());
                    }
                    if &rest[ws..ws + 2] != b"\r\n" {
                        return Err(Error::Malformed("junk after a boundary"));
                    }
                    *pos += ws + 2;
                    self.state = State::Headers;
                }
                State::Headers => {
                    let end = if rest.starts_with(b"\r\n") {
                        Some((0, 2))
                    } else {
                        find(rest, b"\r\n\r\n").map(|i| (i, i + 4))
                    };
                    let Some((i, used)) = end else {
                        if rest.len() > MAX_PART_HEAD {
                            return Err(Error::Malformed("part headers too large"));
                        }
                        return Ok(());
                    };
                    let head = parse_part_head(&rest[..i])?;
                    self.parts += 1;
                    if self.parts > MAX_PARTS {
                        return Err(Error::Malformed("too many parts"));
                    }
                    sink(Event::Start(head))?;
                    *pos += used;
                    self.state = State::Body;
                }
                State::Body => match find(rest, delim) {
                    Some(i) => {
                        if i > 0 {
                            sink(Event::Data(&rest[..i]))?;
                        }
                        sink(Event::End)?;
                        *pos += i + delim.len();
                        self.state = State::AfterDelimiter;
                    }
                    None => {
                        // Hold back what could be the start of a delimiter
                        // split across reads.
                        let safe = rest.len().saturating_sub(delim.len() - 1);
                        if safe > 0 {
                            sink(Event::Data(&rest[..safe]))?;
                            *pos += safe;
                        }
                        return Ok(());
                    }
                },
                State::Epilogue => {
                    *pos = buf.len();
                    return Ok(());
                }
            }
        }
    }
}

/// Reads `name="..."`-style parameters, quoted (with `\` escapes) or not,
/// and RFC 5987 `filename*=UTF-8''...`.
fn disposition_params(value: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = value;
    // Skip the disposition type.
    match rest.find(';') {
        Some(i) => rest = &rest[i + 1..],
        None => return out,
    }
    loop {
        rest = rest.trim_start_matches([' ', '\t', ';']);
        let Some(eq) = rest.find('=') else { break };
        let key = rest[..eq].trim().to_ascii_lowercase();
        rest = rest[eq + 1..].trim_start();
        let value = if let Some(q) = rest.strip_prefix('"') {
            let mut v = String::new();
            let mut chars = q.char_indices();
            let mut end = q.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            v.push(n);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => v.push(c),
                }
            }
            rest = &q[end.min(q.len())..];
            v
        } else {
            let end = rest.find(';').unwrap_or(rest.len());
            let v = rest[..end].trim().to_owned();
            rest = &rest[end..];
            v
        };
        out.push((key, value));
    }
    out
}

fn parse_part_head(raw: &[u8]) -> Result<PartHead, Error> {
    let text = String::from_utf8_lossy(raw);
    let mut head = PartHead::default();
    let mut has_disposition = false;
    for line in text.split("\r\n") {
        let Some((name, value)) = line.split_once(':') else {
            return Err(Error::Malformed("a part header line without ':'"));
        };
        let value = value.trim();
        if name.trim().eq_ignore_ascii_case("content-disposition") {
            has_disposition = true;
            let mut star = None;
            for (k, v) in disposition_params(value) {
                match k.as_str() {
                    "name" => head.name = v,
                    "filename" => head.filename = Some(v),
                    "filename*" => {
                        let v = v.split_once("''").map_or(v.as_str(), |(_, v)| v);
                        star = Some(crate::http::percent_decode(&v.replace('+', "%2B")));
                    }
                    _ => {}
                }
            }
            if star.is_some() {
                head.filename = star;
            }
        } else if name.trim().eq_ignore_ascii_case("content-type") {
            head.content_type = Some(value.to_owned());
        }
    }
    if !has_disposition {
        return Err(Error::Malformed("a part without Content-Disposition"));
    }
    Ok(head)
}

// ------------------------------------------------------------------- blobs

static SPOOLS: AtomicU64 = AtomicU64::new(0);

/// This server's temp directory, `<tmp>/openai-mock-<pid>-<n>`, made on
/// first use and removed with the server (a killed process leaves it behind,
/// named by its pid so it can be told apart).
pub struct Spool {
    dir: PathBuf,
    next: AtomicU64,
}

impl Default for Spool {
    fn default() -> Self {
        let n = SPOOLS.fetch_add(1, Ordering::Relaxed);
        Spool {
            dir: std::env::temp_dir().join(format!("openai-mock-{}-{n}", std::process::id())),
            next: AtomicU64::new(0),
        }
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Spool {
    pub fn create(&self) -> io::Result<(PathBuf, File)> {
        std::fs::create_dir_all(&self.dir)?;
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let path = self.dir.join(format!("blob-{n}"));
        let file = File::create(&path)?;
        Ok((path, file))
    }

    #[cfg(test)]
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// A file in the spool, deleted when the last reference goes.
#[derive(Debug)]
pub struct TempFile {
    pub path: PathBuf,
    pub len: u64,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Stored bytes: in memory, or a spooled file.
#[derive(Clone, Debug)]
pub enum Blob {
    Mem(Arc<Vec<u8>>),
    Disk(Arc<TempFile>),
}

impl Blob {
    pub fn len(&self) -> u64 {
        match self {
            Blob::Mem(v) => v.len() as u64,
            Blob::Disk(f) => f.len,
        }
    }

    pub fn mem(&self) -> Option<&[u8]> {
        match self {
            Blob::Mem(v) => Some(v),
            Blob::Disk(_) => None,
        }
    }

    /// The whole content (reads a spooled file).
    pub fn read_all(&self) -> io::Result<Vec<u8>> {
        match self {
            Blob::Mem(v) => Ok(v.to_vec()),
            Blob::Disk(f) => std::fs::read(&f.path),
        }
    }
}

/// Builds a [`Blob`]: memory up to a limit (at most [`SPILL`]), then a
/// temp file written sparsely (all-zero 4 KiB blocks become holes, so
/// uploading a sparse 1 GiB file does not fill the disk). A writer dropped
/// unfinished (the client went away mid-upload) removes its file.
pub enum BlobWriter<'a> {
    Mem {
        spool: &'a Spool,
        data: Vec<u8>,
        limit: usize,
    },
    Disk {
        file: File,
        temp: TempFile,
        hole: u64,
    },
}

impl<'a> BlobWriter<'a> {
    pub fn new(spool: &'a Spool, limit: usize) -> BlobWriter<'a> {
        BlobWriter::Mem {
            spool,
            data: Vec::new(),
            limit: limit.min(SPILL),
        }
    }

    /// Bytes held in memory.
    pub fn in_memory(&self) -> usize {
        match self {
            BlobWriter::Mem { data, .. } => data.len(),
            BlobWriter::Disk { .. } => 0,
        }
    }

    pub fn write(&mut self, data: &[u8]) -> io::Result<()> {
        if let BlobWriter::Mem {
            spool,
            data: held,
            limit,
        } = self
        {
            if held.len() + data.len() <= *limit {
                held.extend_from_slice(data);
                return Ok(());
            }
            let (path, file) = spool.create()?;
            let held = std::mem::take(held);
            *self = BlobWriter::Disk {
                file,
                temp: TempFile { path, len: 0 },
                hole: 0,
            };
            self.write(&held)?;
        }
        let BlobWriter::Disk { file, temp, hole } = self else {
            unreachable!("spilled above")
        };
        // Coalesce runs of non-zero blocks into one write.
        let mut run_start = None;
        let mut i = 0;
        while i < data.len() {
            let end = (i + BLOCK).min(data.len());
            let zero = end - i == BLOCK && is_zero(&data[i..end]);
            if zero {
                if let Some(s) = run_start.take() {
                    flush_run(file, hole, &data[s..i])?;
                }
                *hole += BLOCK as u64;
            } else if run_start.is_none() {
                run_start = Some(i);
            }
            i = end;
        }
        if let Some(s) = run_start {
            flush_run(file, hole, &data[s..])?;
        }
        temp.len += data.len() as u64;
        Ok(())
    }

    pub fn finish(self) -> io::Result<Blob> {
        Ok(match self {
            BlobWriter::Mem { data, .. } => Blob::Mem(Arc::new(data)),
            BlobWriter::Disk { file, temp, hole } => {
                if hole > 0 {
                    file.set_len(temp.len)?;
                }
                Blob::Disk(Arc::new(temp))
            }
        })
    }
}

fn flush_run(file: &mut File, hole: &mut u64, data: &[u8]) -> io::Result<()> {
    if *hole > 0 {
        file.seek(SeekFrom::Current(*hole as i64))?;
        *hole = 0;
    }
    file.write_all(data)
}

// -------------------------------------------------------------------- form

#[derive(Debug)]
pub struct Part {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub data: Blob,
}

impl Part {
    /// The value of a text field (lossy UTF-8; spilled fields read as empty).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(self.data.mem().unwrap_or_default()).into_owned()
    }
}

#[derive(Debug, Default)]
pub struct Form {
    pub parts: Vec<Part>,
}

impl Form {
    pub fn get(&self, name: &str) -> Option<&Part> {
        self.parts.iter().find(|p| p.name == name)
    }

    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name).map(Part::text)
    }

    /// A form of in-memory parts `(name, filename, data)`, for the routes' unit tests.
    #[cfg(test)]
    pub(crate) fn of(parts: &[(&str, Option<&str>, &[u8])]) -> Form {
        Form {
            parts: parts
                .iter()
                .map(|(name, filename, data)| Part {
                    name: (*name).to_owned(),
                    filename: filename.map(str::to_owned),
                    content_type: None,
                    data: Blob::Mem(Arc::new(data.to_vec())),
                })
                .collect(),
        }
    }
}

/// What one form may hold in memory over all its parts; later parts spill
/// to disk even when small, so a thousand 8 MiB parts cannot exhaust memory.
pub const FORM_MEMORY: usize = 32 * 1024 * 1024;

/// Parses a whole body as it streams in, building a [`Form`].
pub struct Collector<'a> {
    spool: &'a Spool,
    parser: Parser,
    form: Form,
    current: Option<(PartHead, BlobWriter<'a>)>,
    error: Option<Error>,
    /// Bytes the finished parts hold in memory.
    in_memory: usize,
}

impl<'a> Collector<'a> {
    pub fn new(spool: &'a Spool, boundary: &str) -> Collector<'a> {
        Collector {
            spool,
            parser: Parser::new(boundary),
            form: Form::default(),
            current: None,
            error: None,
            in_memory: 0,
        }
    }

    /// Feeds more of the body. After the first error the rest is ignored
    /// (the caller still reads it, to keep the connection in sync).
    pub fn feed(&mut self, data: &[u8]) {
        if self.error.is_some() {
            return;
        }
        let spool = self.spool;
        let form = &mut self.form;
        let current = &mut self.current;
        let in_memory = &mut self.in_memory;
        let mut sink = |ev: Event<'_>| -> Result<(), Error> {
            match ev {
                Event::Start(head) => {
                    let budget = FORM_MEMORY.saturating_sub(*in_memory);
                    *current = Some((head, BlobWriter::new(spool, budget)));
                }
                Event::Data(d) => {
                    if let Some((_, w)) = current {
                        w.write(d).map_err(|e| Error::Io(e.to_string()))?;
                    }
                }
                Event::End => {
                    if let Some((head, w)) = current.take() {
                        *in_memory += w.in_memory();
                        let data = w.finish().map_err(|e| Error::Io(e.to_string()))?;
                        form.parts.push(Part {
                            name: head.name,
                            filename: head.filename,
                            content_type: head.content_type,
                            data,
                        });
                    }
                }
            }
            Ok(())
        };
        if let Err(e) = self.parser.feed(data, &mut sink) {
            self.error = Some(e);
        }
    }

    pub fn finish(self) -> Result<Form, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        self.parser.finish()?;
        Ok(self.form)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(
        boundary: &str,
        body: &[u8],
        piece: usize,
    ) -> Result<Vec<(PartHead, Vec<u8>)>, Error> {
        let mut p = Parser::new(boundary);
        let mut out: Vec<(PartHead, Vec<u8>)> = Vec::new();
        let mut open = false;
        let mut sink = |ev: Event<'_>| {
            match ev {
                Event::Start(h) => {
                    assert!(!open);
                    open = true;
                    out.push((h, Vec::new()));
                }
                Event::Data(d) => out.last_mut().unwrap().1.extend_from_slice(d),
                Event::End => open = false,
            }
            Ok(())
        };
        for chunk in body.chunks(piece.max(1)) {
            p.feed(chunk, &mut sink)?;
        }
        p.finish()?;
        Ok(out)
    }

    /// `(name, filename, content type, data)`.
    type TestPart<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a [u8]);

    fn body(parts: &[TestPart<'_>]) -> Vec<u8> {
        let mut b = b"preamble\r\n".to_vec();
        for (name, filename, ct, data) in parts {
            b.extend_from_slice(b"--XyZ\r\n");
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
        b.extend_from_slice(b"--XyZ--\r\nepilogue");
        b
    }

    #[test]
    fn boundaries_split_across_every_read_size() {
        let binary: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
        let tricky = b"line\r\n--XYZ\r\n--Xy\r\n\r\n\n--XyZ--".to_vec();
        let b = body(&[
            ("purpose", None, None, b"batch"),
            (
                "file",
                Some("a.bin"),
                Some("application/octet-stream"),
                &binary,
            ),
            ("crlf", Some("c.txt"), Some("text/plain"), &tricky),
            ("empty", None, None, b""),
        ]);
        let want = events("XyZ", &b, b.len()).unwrap();
        assert_eq!(want.len(), 4);
        assert_eq!(want[0].0.name, "purpose");
        assert_eq!(want[0].1, b"batch");
        assert_eq!(want[1].0.filename.as_deref(), Some("a.bin"));
        assert_eq!(
            want[1].0.content_type.as_deref(),
            Some("application/octet-stream")
        );
        assert_eq!(want[1].1, binary);
        assert_eq!(want[2].1, tricky);
        assert_eq!(want[3].1, b"");
        for piece in [1, 2, 3, 5, 7, 8, 13, 64, 100, 1000] {
            assert_eq!(events("XyZ", &b, piece).unwrap(), want, "piece {piece}");
        }
    }

    #[test]
    fn missing_final_boundary_and_junk_are_errors() {
        let b = body(&[("file", Some("a"), None, b"abc")]);
        let cut = &b[..b.len() - "--XyZ--\r\nepilogue".len()];
        assert!(matches!(events("XyZ", cut, 7), Err(Error::Malformed(_))));
        assert!(events("XyZ", b"no boundary here", 4).is_err());
        assert!(events("XyZ", b"--XyZ\r\nno-colon-line\r\n\r\nx\r\n--XyZ--", 3).is_err());
        assert!(events("XyZ", b"--XyZjunk\r\n", 3).is_err());
        assert!(events("XyZ", b"--XyZ\r\nContent-Type: a\r\n\r\nx\r\n--XyZ--", 3).is_err());
        // No parts at all is well-formed.
        assert_eq!(events("XyZ", b"--XyZ--", 2).unwrap(), vec![]);
        // Padding after a delimiter, a bare first delimiter, no preamble CRLF.
        let ok = events(
            "b",
            b"--b  \r\ncontent-disposition: form-data; name=x\r\n\r\n1\r\n--b--",
            1,
        )
        .unwrap();
        assert_eq!(
            (ok[0].0.name.as_str(), ok[0].1.as_slice()),
            ("x", &b"1"[..])
        );
    }

    #[test]
    fn content_types_and_params() {
        assert_eq!(
            boundary("multipart/form-data; boundary=abc").as_deref(),
            Some("abc")
        );
        assert_eq!(
            boundary("Multipart/Form-Data;charset=x; boundary=\"a b:c\"").as_deref(),
            Some("a b:c")
        );
        assert_eq!(boundary("multipart/form-data"), None);
        assert_eq!(boundary("application/json; boundary=x"), None);
        let h = parse_part_head(
            b"Content-Disposition: form-data; name=\"image[]\"; filename=\"we\\\"ird; name.png\"\r\ncontent-type: image/png",
        )
        .unwrap();
        assert_eq!(h.name, "image[]");
        assert_eq!(h.filename.as_deref(), Some("we\"ird; name.png"));
        assert_eq!(h.content_type.as_deref(), Some("image/png"));
        let h = parse_part_head(
            b"Content-Disposition: form-data; name=file; filename=\"x\"; filename*=UTF-8''%C3%A9t%C3%A9.txt",
        )
        .unwrap();
        assert_eq!(h.filename.as_deref(), Some("été.txt"));
    }

    #[test]
    fn fast_search_matches_naive() {
        let mut hay = vec![0u8; 10_000];
        assert_eq!(find_byte(&hay, b'\r'), None);
        for at in [0, 63, 64, 4095, 4096, 9999] {
            hay[at] = b'\r';
            assert_eq!(find_byte(&hay, b'\r'), Some(at));
            hay[at] = 0;
        }
        assert_eq!(find(b"ab\r\r\n--x", b"\r\n--x"), Some(3));
        let data: Vec<u8> = (0..20_000u32)
            .map(|i| (i % 7) as u8 * (i % 3) as u8)
            .collect();
        let mut fast = Fnv::default();
        fast.update(&data);
        fast.update(&[0; 3 * BLOCK + 5]);
        let naive = data
            .iter()
            .chain([0u8; 3 * BLOCK + 5].iter())
            .fold(FNV_OFFSET, |h, &b| (h ^ b as u64).wrapping_mul(FNV_PRIME));
        assert_eq!(fast.0, naive);
    }

    #[test]
    fn unfinished_spills_are_removed_and_memory_is_budgeted() {
        let spool = Spool::default();
        let mut w = BlobWriter::new(&spool, 10);
        w.write(b"0123456789abc").unwrap();
        let BlobWriter::Disk { temp, .. } = &w else {
            panic!("not spilled at the limit")
        };
        let path = temp.path.clone();
        assert!(path.exists());
        drop(w);
        assert!(!path.exists(), "an abandoned upload leaves no file");

        let mut c = Collector::new(&spool, "B");
        let part = vec![7u8; SPILL - 100];
        for _ in 0..5 {
            c.feed(b"--B\r\nContent-Disposition: form-data; name=\"p\"\r\n\r\n");
            c.feed(&part);
            c.feed(b"\r\n");
        }
        c.feed(b"--B--");
        let form = c.finish().unwrap();
        let on_disk = form.parts.iter().filter(|p| p.data.mem().is_none()).count();
        // 4 parts fit in FORM_MEMORY (32 MiB), the 5th goes to disk.
        assert_eq!(on_disk, 1);
        assert!(form.parts.iter().all(|p| p.data.len() == part.len() as u64));
    }

    #[test]
    fn big_parts_spill_sparsely_and_clean_up() {
        let spool = Spool::default();
        let mut c = Collector::new(&spool, "B");
        c.feed(b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big\"\r\n\r\n");
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..10 {
            c.feed(&zeros);
        }
        c.feed(b"tail\r\n--B\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--B--\r\n");
        let form = c.finish().unwrap();
        let file = form.get("file").unwrap();
        assert_eq!(file.data.len(), 10 * (1 << 20) + 4);
        let Blob::Disk(tf) = &file.data else {
            panic!("not spilled")
        };
        let on_disk = std::fs::read(&tf.path).unwrap();
        assert_eq!(on_disk.len(), 10 * (1 << 20) + 4);
        assert!(on_disk.ends_with(b"tail"));
        assert!(is_zero(&on_disk[..BLOCK]));
        assert_eq!(form.text("purpose").as_deref(), Some("batch"));
        let path = tf.path.clone();
        drop(form);
        assert!(!path.exists());
        let dir = spool.dir().to_owned();
        drop(spool);
        assert!(!dir.exists());
    }
}
