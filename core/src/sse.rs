//! TEMP STUB (replaced by the real parser)
#![allow(missing_docs, dead_code)]
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    pub event: Option<String>,
    pub data: String,
    pub id: Option<String>,
    pub retry: Option<u64>,
}
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SseError {
    #[error("invalid UTF-8 in event stream at byte {byte_offset}")]
    InvalidUtf8 { byte_offset: u64 },
}
#[derive(Debug, Default)]
pub struct SseParser {
    buf: Vec<u8>,
}
impl SseParser {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<SseEvent>) -> Result<(), SseError> {
        self.buf.extend_from_slice(chunk);
        while let Some(p) = self.buf.windows(2).position(|w| w == b"\n\n") {
            let ev: Vec<u8> = self.buf.drain(..p + 2).collect();
            let s = String::from_utf8_lossy(&ev);
            let data: Vec<&str> = s
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(|d| d.strip_prefix(' ').unwrap_or(d))
                .collect();
            if !data.is_empty() {
                out.push(SseEvent {
                    data: data.join("\n"),
                    ..Default::default()
                });
            }
        }
        Ok(())
    }
    pub fn finish(&mut self) -> bool {
        !self.buf.is_empty()
    }
}
pub fn is_done(data: &str) -> bool {
    data.starts_with("[DONE]")
}
