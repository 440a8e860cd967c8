//! Offline token counting: the real BPE encodings (bundled at build time by `tiktoken-rs`, so
//! nothing is downloaded at run time) and the way the chat API bills a message list.
//!
//! Text counts are exact: token for token the official tokenizer's (a test compares them with
//! reference ids produced by OpenAI's `tiktoken` on Chinese, emoji, code and more). Message
//! counts follow OpenAI's cookbook (`num_tokens_from_messages`): 3 tokens per message, 1 more per
//! `name`, 3 to prime the reply; they match the API's `usage.prompt_tokens` for text messages.
//! Tool definitions follow the cookbook's `num_tokens_for_tools`, images OpenAI's published
//! formulas; those two, and tool calls in the history, are close estimates, not guarantees.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tiktoken_rs::CoreBPE;

use crate::error::{Error, Result};
use crate::models::{base_model, encoding_for_model, longest_match};
use crate::types::{ChatCompletionRequest, Content, ContentPart, ImageUrl, Message};

/// Tokens every message costs besides its content (`<|start|>{role}<|message|>...<|end|>`).
pub const TOKENS_PER_MESSAGE: u64 = 3;
/// Extra tokens a message's `name` costs besides its text.
pub const TOKENS_PER_NAME: u64 = 1;
/// Tokens that prime the reply (`<|start|>assistant<|message|>`), once per request.
pub const REPLY_PRIMING_TOKENS: u64 = 3;
/// The size assumed for an image whose size cannot be read offline (an `https://` URL): a
/// typical photo or screenshot after the API's own downscaling. At `detail: high` on gpt-4o that
/// is 765 tokens. Pass a `data:` URL to have the real size read from the image header.
pub const ASSUMED_IMAGE_SIZE: (u32, u32) = (1024, 1024);

/// A BPE encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Encoding {
    /// gpt-3.5-turbo, gpt-4, gpt-4-turbo, the embedding models.
    #[serde(rename = "cl100k_base")]
    Cl100kBase,
    /// gpt-4o, gpt-4.1, gpt-4.5, the o-series, gpt-5.
    #[serde(rename = "o200k_base")]
    O200kBase,
}

impl Encoding {
    /// The encoding `model` uses (see [`crate::models::encoding_for_model`]).
    pub fn for_model(model: &str) -> Encoding {
        encoding_for_model(model)
    }

    /// Parses `cl100k_base` or `o200k_base`.
    pub fn from_name(name: &str) -> Result<Encoding> {
        match name.trim() {
            "cl100k_base" => Ok(Encoding::Cl100kBase),
            "o200k_base" => Ok(Encoding::O200kBase),
            other => Err(Error::invalid_argument(format!(
                "unknown encoding {other:?}; expected cl100k_base or o200k_base"
            ))),
        }
    }

    /// The tiktoken name.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Cl100kBase => "cl100k_base",
            Encoding::O200kBase => "o200k_base",
        }
    }

    /// The ranks are parsed on first use (about 0.3 s for o200k in release, 1 s in debug) and
    /// kept for the life of the process.
    fn bpe(self) -> &'static CoreBPE {
        match self {
            Encoding::Cl100kBase => tiktoken_rs::cl100k_base_singleton(),
            Encoding::O200kBase => tiktoken_rs::o200k_base_singleton(),
        }
    }

    /// The token ids of `text`. Special-token text such as `<|endoftext|>` is encoded as plain
    /// text, which is what the API does with message content.
    pub fn encode(self, text: &str) -> Vec<u32> {
        self.bpe().encode_ordinary(text)
    }

    /// The number of tokens of `text` (see [`Encoding::encode`]).
    pub fn count(self, text: &str) -> u64 {
        if text.is_empty() {
            return 0;
        }
        self.bpe().encode_ordinary(text).len() as u64
    }

    /// The text of `tokens`.
    pub fn decode(self, tokens: &[u32]) -> Result<String> {
        self.bpe()
            .decode(tokens)
            .map_err(|e| Error::invalid_argument(format!("cannot decode tokens: {e}")))
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

// ================================================================================================
// Images
// ================================================================================================

/// How a model meters image input (OpenAI's vision guide, 2025-08).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ImageCost {
    /// `detail: low` costs `base`; otherwise the image is scaled to fit 2048×2048, then its
    /// shortest side to 768, and each 512-px tile costs `tile` on top of `base`.
    Tiles {
        /// Tokens per image.
        base: u64,
        /// Tokens per 512×512 tile.
        tile: u64,
    },
    /// The image is covered by 32×32 patches (at most 1536, scaling down if needed), and the
    /// count is multiplied by `multiplier`. `detail` does not matter.
    Patches {
        /// Tokens per patch.
        multiplier: f64,
    },
}

const fn tiles(base: u64, tile: u64) -> ImageCost {
    ImageCost::Tiles { base, tile }
}

static IMAGE_COSTS: &[(&str, ImageCost)] = &[
    ("gpt-4o-mini", tiles(2833, 5667)),
    ("gpt-5", tiles(70, 140)),
    ("gpt-5.1", tiles(70, 140)),
    ("gpt-5-mini", ImageCost::Patches { multiplier: 1.62 }),
    ("gpt-5-nano", ImageCost::Patches { multiplier: 2.46 }),
    ("gpt-4.1-mini", ImageCost::Patches { multiplier: 1.62 }),
    ("gpt-4.1-nano", ImageCost::Patches { multiplier: 2.46 }),
    ("o4-mini", ImageCost::Patches { multiplier: 1.72 }),
    ("o1", tiles(75, 150)),
    ("o1-pro", tiles(75, 150)),
    ("o3", tiles(75, 150)),
    ("computer-use-preview", tiles(65, 129)),
];

impl ImageCost {
    /// How `model` meters images; gpt-4o's 85 + 170 per tile for every model not listed
    /// (gpt-4o, gpt-4.1, gpt-4.5, gpt-4-turbo and unknown ones).
    pub fn for_model(model: &str) -> ImageCost {
        longest_match(base_model(model), IMAGE_COSTS.iter().map(|(k, c)| (*k, *c)))
            .unwrap_or(tiles(85, 170))
    }

    /// The tokens of one `width`×`height` image at `detail` (`low`, `high`, `auto` or none;
    /// `auto` and none count as `high`, the most the model may choose).
    pub fn tokens(self, width: u32, height: u32, detail: Option<&str>) -> u64 {
        match self {
            ImageCost::Tiles { base, tile } => {
                if detail == Some("low") {
                    return base;
                }
                let (w, h) = tile_scale(width, height);
                base + tile * (w.div_ceil(512) * h.div_ceil(512))
            }
            ImageCost::Patches { multiplier } => {
                (patches(width, height) as f64 * multiplier).ceil() as u64
            }
        }
    }
}

/// Fit in 2048×2048, then shortest side down to 768 (never up), as the API resizes.
fn tile_scale(width: u32, height: u32) -> (u64, u64) {
    let (mut w, mut h) = (f64::from(width.max(1)), f64::from(height.max(1)));
    let longest = w.max(h);
    if longest > 2048.0 {
        let s = 2048.0 / longest;
        w = (w * s).floor().max(1.0);
        h = (h * s).floor().max(1.0);
    }
    let shortest = w.min(h);
    if shortest > 768.0 {
        let s = 768.0 / shortest;
        w = (w * s).floor().max(1.0);
        h = (h * s).floor().max(1.0);
    }
    (w as u64, h as u64)
}

const MAX_PATCHES: u64 = 1536;

/// 32-px patches covering the image, scaled down to at most 1536 patches the way the vision
/// guide describes (shrink, then shrink a little more so whole patches fit).
fn patches(width: u32, height: u32) -> u64 {
    let (w, h) = (f64::from(width.max(1)), f64::from(height.max(1)));
    let raw = (w / 32.0).ceil() as u64 * (h / 32.0).ceil() as u64;
    if raw <= MAX_PATCHES {
        return raw;
    }
    let shrink = (32.0 * 32.0 * MAX_PATCHES as f64 / (w * h)).sqrt();
    let (pw, ph) = (w * shrink / 32.0, h * shrink / 32.0);
    let adjusted = shrink * (pw.floor() / pw).min(ph.floor() / ph);
    let (rw, rh) = ((w * adjusted).floor(), (h * adjusted).floor());
    ((rw / 32.0).ceil() as u64 * (rh / 32.0).ceil() as u64).min(MAX_PATCHES)
}

/// The pixel size of a `data:image/...;base64,` URL, read from the PNG, GIF, JPEG or WebP header;
/// `None` for other URLs and formats.
pub fn image_size_from_data_url(url: &str) -> Option<(u32, u32)> {
    use base64::Engine as _;
    let rest = url.strip_prefix("data:")?;
    let (meta, payload) = rest.split_once(',')?;
    if !meta.ends_with(";base64") {
        return None;
    }
    // A header sits in the first few KB; a JPEG's size marker can follow a large EXIF block,
    // so read up to 192 KB, never the whole image.
    let mut take = payload.len().min(256 * 1024);
    take -= take % 4;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&payload.as_bytes()[..take])
        .ok()?;
    image_size(&bytes)
}

fn image_size(b: &[u8]) -> Option<(u32, u32)> {
    let be16 = |i: usize| Some(u32::from(u16::from_be_bytes([*b.get(i)?, *b.get(i + 1)?])));
    let le16 = |i: usize| Some(u32::from(u16::from_le_bytes([*b.get(i)?, *b.get(i + 1)?])));
    let be32 = |i: usize| Some(u32::from_be_bytes(b.get(i..i + 4)?.try_into().ok()?));
    let le24 = |i: usize| {
        Some(u32::from_le_bytes([
            *b.get(i)?,
            *b.get(i + 1)?,
            *b.get(i + 2)?,
            0,
        ]))
    };
    if b.starts_with(b"\x89PNG\r\n\x1a\n") && b.get(12..16) == Some(b"IHDR") {
        return Some((be32(16)?, be32(20)?));
    }
    if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
        return Some((le16(6)?, le16(8)?));
    }
    if b.starts_with(b"RIFF") && b.get(8..12) == Some(b"WEBP") {
        return match b.get(12..16)? {
            b"VP8 " => Some((le16(26)? & 0x3fff, le16(28)? & 0x3fff)),
            b"VP8L" => {
                let (b1, b2, b3, b4) = (*b.get(21)?, *b.get(22)?, *b.get(23)?, *b.get(24)?);
                let w = 1 + (u32::from(b1) | (u32::from(b2 & 0x3f) << 8));
                let h = 1
                    + ((u32::from(b2) >> 6) | (u32::from(b3) << 2) | (u32::from(b4 & 0x0f) << 10));
                Some((w, h))
            }
            b"VP8X" => Some((1 + le24(24)?, 1 + le24(27)?)),
            _ => None,
        };
    }
    if b.starts_with(&[0xff, 0xd8]) {
        let mut i = 2;
        while i + 1 < b.len() {
            if b[i] != 0xff {
                return None;
            }
            let marker = b[i + 1];
            if marker == 0xff {
                i += 1; // fill byte
                continue;
            }
            if marker == 0x01 || (0xd0..=0xd9).contains(&marker) {
                i += 2; // no length
                continue;
            }
            let len = be16(i + 2)? as usize;
            let is_sof = (0xc0..=0xcf).contains(&marker) && !matches!(marker, 0xc4 | 0xc8 | 0xcc);
            if is_sof {
                return Some((be16(i + 7)?, be16(i + 5)?));
            }
            i += 2 + len;
        }
    }
    None
}

// ================================================================================================
// Counting requests
// ================================================================================================

/// Counts tokens the way the chat API bills them for one model.
#[derive(Clone, Debug, PartialEq)]
pub struct TokenCounter {
    model: String,
    encoding: Encoding,
    image_cost: ImageCost,
}

impl TokenCounter {
    /// A counter for `model`, with its encoding and image metering.
    pub fn for_model(model: &str) -> TokenCounter {
        TokenCounter {
            model: model.to_owned(),
            encoding: Encoding::for_model(model),
            image_cost: ImageCost::for_model(model),
        }
    }

    /// The same counter with another encoding (a compatible server's model that uses one of
    /// OpenAI's encodings, or a new OpenAI model this library does not know yet).
    pub fn with_encoding(mut self, encoding: Encoding) -> TokenCounter {
        self.encoding = encoding;
        self
    }

    /// The model counted for.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// The encoding used.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// Tokens of plain text, no message overhead.
    pub fn count_text(&self, text: &str) -> u64 {
        self.encoding.count(text)
    }

    /// Tokens of one image part: the size is read from a `data:` URL, else
    /// [`ASSUMED_IMAGE_SIZE`].
    pub fn count_image(&self, image: &ImageUrl) -> u64 {
        let (w, h) = image_size_from_data_url(&image.url).unwrap_or(ASSUMED_IMAGE_SIZE);
        self.image_cost.tokens(w, h, image.detail.as_deref())
    }

    /// Tokens of message content: text parts, images; other parts (audio, files) count 0, since
    /// their cost cannot be known offline.
    pub fn count_content(&self, content: &Content) -> u64 {
        match content {
            Content::Text(t) => self.count_text(t),
            Content::Parts(parts) => parts
                .iter()
                .map(|p| match p {
                    ContentPart::Text { text } => self.count_text(text),
                    ContentPart::ImageUrl { image_url } => self.count_image(image_url),
                    ContentPart::Other(_) => 0,
                })
                .sum(),
        }
    }

    /// Tokens one message adds to a request: [`TOKENS_PER_MESSAGE`], the role, the content, the
    /// name (+[`TOKENS_PER_NAME`]), the tool-call id, and each tool call's name and arguments.
    pub fn count_message(&self, m: &Message) -> u64 {
        let mut n = TOKENS_PER_MESSAGE + self.count_text(m.role.as_str());
        if let Some(c) = &m.content {
            n += self.count_content(c);
        }
        if let Some(name) = &m.name {
            n += self.count_text(name) + TOKENS_PER_NAME;
        }
        if let Some(id) = &m.tool_call_id {
            n += self.count_text(id);
        }
        for call in m.tool_calls.iter().flatten() {
            n += self.count_text(&call.function.name) + self.count_text(&call.function.arguments);
        }
        n
    }

    /// Tokens of a message list as a request prompt (each message, plus
    /// [`REPLY_PRIMING_TOKENS`]).
    pub fn count_messages(&self, messages: &[Message]) -> u64 {
        messages.iter().map(|m| self.count_message(m)).sum::<u64>() + REPLY_PRIMING_TOKENS
    }

    /// Tokens the tool definitions add to a request, per the cookbook's
    /// `num_tokens_for_tools` (function name and description, each property's name, type,
    /// description and enum values, plus fixed overheads). Nested schemas are not looked into,
    /// and a non-function tool counts its JSON text: estimates.
    pub fn count_tools(&self, tools: &[Value]) -> u64 {
        if tools.is_empty() {
            return 0;
        }
        // func_init differs by encoding; the rest are the cookbook's constants.
        let func_init: i64 = match self.encoding {
            Encoding::O200kBase => 7,
            Encoding::Cl100kBase => 10,
        };
        let (prop_init, prop_key, enum_init, enum_item, func_end) =
            (3i64, 3i64, -3i64, 3i64, 12i64);
        let strip_dot = |s: Cow<'_, str>| -> String {
            s.strip_suffix('.')
                .map_or_else(|| s.to_string(), str::to_owned)
        };
        let count = |s: &str| self.count_text(s) as i64;
        let mut n: i64 = 0;
        for tool in tools {
            let Some(f) = tool.get("function").filter(|f| f.is_object()) else {
                n += count(&tool.to_string());
                continue;
            };
            n += func_init;
            let name = value_text(f.get("name"));
            let desc = strip_dot(value_text(f.get("description")));
            n += count(&format!("{name}:{desc}"));
            let props = f
                .get("parameters")
                .and_then(|p| p.get("properties"))
                .and_then(Value::as_object);
            if let Some(props) = props.filter(|p| !p.is_empty()) {
                n += prop_init;
                for (key, prop) in props {
                    n += prop_key;
                    if let Some(items) = prop.get("enum").and_then(Value::as_array) {
                        n += enum_init;
                        for item in items {
                            n += enum_item + count(&value_text(Some(item)));
                        }
                    }
                    let ty = value_text(prop.get("type"));
                    let pdesc = strip_dot(value_text(prop.get("description")));
                    n += count(&format!("{key}:{ty}:{pdesc}"));
                }
            }
        }
        n += func_end;
        n.max(0) as u64
    }

    /// The prompt tokens of a whole request: its messages and its tools.
    pub fn count_request(&self, request: &ChatCompletionRequest) -> u64 {
        self.count_messages(&request.messages)
            + request.tools.as_deref().map_or(0, |t| self.count_tools(t))
    }
}

/// A JSON value as the text the cookbook formats: strings as they are, anything else as JSON.
fn value_text(v: Option<&Value>) -> Cow<'_, str> {
    match v {
        None | Some(Value::Null) => Cow::Borrowed(""),
        Some(Value::String(s)) => Cow::Borrowed(s.as_str()),
        Some(other) => Cow::Owned(other.to_string()),
    }
}

/// Tokens of `text` for `model` (no message overhead): the one-call form for bindings.
pub fn count_text(model: &str, text: &str) -> u64 {
    Encoding::for_model(model).count(text)
}

/// Prompt tokens of `messages` for `model`, as the API bills them: the one-call form for
/// bindings.
pub fn count_messages(model: &str, messages: &[Message]) -> u64 {
    TokenCounter::for_model(model).count_messages(messages)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn encoding_names_round_trip() {
        for e in [Encoding::Cl100kBase, Encoding::O200kBase] {
            assert_eq!(Encoding::from_name(e.name()).unwrap(), e);
            assert_eq!(serde_json::to_value(e).unwrap(), json!(e.name()));
        }
        assert_eq!(
            Encoding::from_name("p50k_base").unwrap_err().kind(),
            crate::ErrorKind::InvalidArgument
        );
    }

    #[test]
    fn text_counts_and_decode() {
        let e = Encoding::O200kBase;
        assert_eq!(e.count(""), 0);
        let ids = e.encode("hello world 你好 🙂");
        assert_eq!(ids, [24912, 2375, 220, 177519, 26192]);
        assert_eq!(e.decode(&ids).unwrap(), "hello world 你好 🙂");
        assert_eq!(Encoding::Cl100kBase.count("hello world 你好 🙂"), 6);
        // Special-token text is plain text, not a control token.
        assert!(e.count("<|endoftext|>") > 1);
        assert_eq!(count_text("gpt-4", "Hello, world!"), 4);
    }

    #[test]
    fn message_overhead() {
        let c = TokenCounter::for_model("gpt-4o");
        // 3 per message + role ("user" = 1) + content ("Hello!" = 2) + 3 priming.
        assert_eq!(c.count_messages(&[Message::user("Hello!")]), 9);
        let mut named = Message::user("Hello!");
        named.name = Some("bob".into());
        assert_eq!(
            c.count_message(&named),
            c.count_message(&Message::user("Hello!")) + c.count_text("bob") + TOKENS_PER_NAME
        );
        assert_eq!(c.count_messages(&[]), REPLY_PRIMING_TOKENS);
        let tool = Message::tool("call_1", "42");
        assert_eq!(
            c.count_message(&tool),
            3 + c.count_text("tool") + c.count_text("42") + c.count_text("call_1")
        );
        let call: Message = serde_json::from_value(json!({"role": "assistant", "content": null,
            "tool_calls": [{"id": "call_1", "type": "function",
                "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]}))
        .unwrap();
        assert_eq!(
            c.count_message(&call),
            3 + c.count_text("assistant")
                + c.count_text("get_weather")
                + c.count_text("{\"city\":\"Paris\"}")
        );
    }

    #[test]
    fn tile_formula() {
        let gpt4o = ImageCost::for_model("gpt-4o");
        assert_eq!(gpt4o, tiles(85, 170));
        // The vision guide's worked examples.
        assert_eq!(gpt4o.tokens(1024, 1024, Some("high")), 765);
        assert_eq!(gpt4o.tokens(2048, 4096, Some("high")), 1105);
        assert_eq!(gpt4o.tokens(4096, 8192, Some("low")), 85);
        // auto and unspecified count as high.
        assert_eq!(gpt4o.tokens(1024, 1024, Some("auto")), 765);
        assert_eq!(gpt4o.tokens(1024, 1024, None), 765);
        // Small images are never scaled up: one tile.
        assert_eq!(gpt4o.tokens(500, 500, None), 255);
        assert_eq!(gpt4o.tokens(513, 500, None), 425);
        assert_eq!(gpt4o.tokens(1, 1, None), 255);
        assert_eq!(
            ImageCost::for_model("gpt-4o-mini").tokens(1024, 1024, None),
            2833 + 4 * 5667
        );
        assert_eq!(
            ImageCost::for_model("gpt-4o-mini").tokens(9, 9, Some("low")),
            2833
        );
        assert_eq!(
            ImageCost::for_model("o3").tokens(1024, 1024, Some("low")),
            75
        );
        assert_eq!(
            ImageCost::for_model("gpt-5").tokens(1024, 1024, None),
            70 + 4 * 140
        );
        assert_eq!(
            ImageCost::for_model("gpt-4.1").tokens(1024, 1024, None),
            765
        );
    }

    #[test]
    fn patch_formula() {
        // The vision guide's examples: 1024×1024 → 1024 patches, 1800×2400 → 1452.
        assert_eq!(patches(1024, 1024), 1024);
        assert_eq!(patches(1800, 2400), 1452);
        assert!(patches(10_000, 10_000) <= MAX_PATCHES);
        let mini = ImageCost::for_model("gpt-4.1-mini-2025-04-14");
        assert_eq!(mini, ImageCost::Patches { multiplier: 1.62 });
        assert_eq!(
            mini.tokens(1024, 1024, Some("low")),
            (1024.0f64 * 1.62).ceil() as u64
        );
        assert_eq!(ImageCost::for_model("o4-mini").tokens(32, 32, None), 2);
    }

    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        b.extend(w.to_be_bytes());
        b.extend(h.to_be_bytes());
        b.extend([8, 6, 0, 0, 0]);
        b
    }

    fn data_url(mime: &str, bytes: &[u8]) -> String {
        use base64::Engine as _;
        format!(
            "data:{mime};base64,{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )
    }

    #[test]
    fn image_sizes_from_headers() {
        assert_eq!(
            image_size_from_data_url(&data_url("image/png", &png(2048, 4096))),
            Some((2048, 4096))
        );
        let gif = [b"GIF89a".as_slice(), &[0x20, 0x03, 0x58, 0x02], &[0; 8]].concat();
        assert_eq!(
            image_size_from_data_url(&data_url("image/gif", &gif)),
            Some((800, 600))
        );
        // JPEG: SOI, an APP0 segment, then SOF0 with height 480, width 640.
        let jpeg = [
            &[0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00][..],
            &[0xff, 0xc0, 0x00, 0x11, 0x08, 0x01, 0xe0, 0x02, 0x80, 0x03],
            &[0; 12],
        ]
        .concat();
        assert_eq!(
            image_size_from_data_url(&data_url("image/jpeg", &jpeg)),
            Some((640, 480))
        );
        let mut webp = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0".to_vec();
        webp.extend([0xff, 0x03, 0x00, 0xff, 0x01, 0x00]); // 1024 × 512
        assert_eq!(
            image_size_from_data_url(&data_url("image/webp", &webp)),
            Some((1024, 512))
        );
        assert_eq!(image_size_from_data_url("https://example.com/a.png"), None);
        assert_eq!(image_size_from_data_url("data:image/png;base64,!!!!"), None);
        assert_eq!(
            image_size_from_data_url(&data_url("image/png", b"not an image")),
            None
        );

        let c = TokenCounter::for_model("gpt-4o");
        let part = |url: String, detail: Option<&str>| ImageUrl {
            url,
            detail: detail.map(str::to_owned),
            extra: Default::default(),
        };
        assert_eq!(
            c.count_image(&part(data_url("image/png", &png(2048, 4096)), Some("high"))),
            1105
        );
        assert_eq!(
            c.count_image(&part(data_url("image/png", &png(2048, 4096)), Some("low"))),
            85
        );
        // Unknown size: the documented assumption.
        assert_eq!(
            c.count_image(&part("https://example.com/cat.jpg".into(), None)),
            765
        );
        let m: Message = serde_json::from_value(json!({"role": "user", "content": [
            {"type": "text", "text": "What is this?"},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg", "detail": "low"}},
            {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}
        ]}))
        .unwrap();
        assert_eq!(
            c.count_message(&m),
            3 + 1 + c.count_text("What is this?") + 85
        );
    }

    #[test]
    fn tools_per_cookbook() {
        let c = TokenCounter::for_model("gpt-4o");
        assert_eq!(c.count_tools(&[]), 0);
        let tool = json!({"type": "function", "function": {"name": "f", "description": "Do it.",
            "parameters": {"type": "object", "properties": {}}}});
        // func_init + "f:Do it" + func_end.
        assert_eq!(
            c.count_tools(std::slice::from_ref(&tool)),
            7 + c.count_text("f:Do it") + 12
        );
        let cl = TokenCounter::for_model("gpt-4");
        assert_eq!(cl.count_tools(&[tool]), 10 + cl.count_text("f:Do it") + 12);
        let req = ChatCompletionRequest {
            tools: Some(vec![json!({"type": "function", "function": {"name": "g"}})]),
            ..ChatCompletionRequest::new("gpt-4o", vec![Message::user("hi")])
        };
        assert_eq!(
            c.count_request(&req),
            c.count_messages(&req.messages) + 7 + c.count_text("g:") + 12
        );
        let counter = TokenCounter::for_model("my-llama").with_encoding(Encoding::Cl100kBase);
        assert_eq!(counter.encoding(), Encoding::Cl100kBase);
        assert_eq!(counter.model(), "my-llama");
    }
}
