//! The native core of openai-rs: an OpenAI API client with retries, timeouts, SSE streaming and
//! typed errors, shared by the Python and C bindings.
//!
//! ```no_run
//! use openai_core::{Client, ChatCompletionRequest, Message, RequestOptions};
//!
//! # async fn demo() -> openai_core::Result<()> {
//! let client = Client::new()?; // OPENAI_API_KEY, OPENAI_BASE_URL, .env
//! let req = ChatCompletionRequest::new("gpt-4o-mini", vec![Message::user("Hello!")]);
//! let resp = client.chat_completion(&req, &RequestOptions::default()).await?;
//! println!("{}", resp.data.content().unwrap_or_default());
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod batch_api;
pub mod blocking;
pub mod bulk;
mod client;
mod config;
pub mod conversation;
pub mod endpoints;
mod error;
mod events;
pub mod memory;
pub mod models;
pub mod multipart;
pub mod ratelimit;
mod redact;
pub mod responses;
pub mod responses_chat;
pub mod retry;
pub mod sse;
mod stream;
mod tls;
pub mod tokens;
pub mod types;
mod wake;

pub use client::{Client, RETRY_COUNT_HEADER, RequestOptions, Response};
pub use config::{
    ApiKey, AuthStyle, AzureRouting, ClientBuilder, ClientConfig, DEFAULT_BASE_URL,
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RETRIES, DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_STREAM_IDLE_TIMEOUT, EnvSource, Proxy, Timeouts,
};
pub use conversation::{
    CallReport, Conversation, ConversationSettings, ConversationStream, PreparedTurn,
    SharedConversation, SharedTurnStream, TurnResult, TurnStream, UsageTotals, lock_shared,
};
pub use endpoints::{Call, CallBody, Download, Endpoint, Event, EventStream, Pager};
pub use error::{ApiErrorBody, Error, ErrorKind, Result, TimeoutPhase};
pub use models::{ModelLimits, ModelPrice, PriceTable};
pub use multipart::Multipart;
pub use ratelimit::RateLimits;
pub use reqwest::Method;
pub use reqwest::header::HeaderMap;
pub use responses::{
    InputItem, InputPart, OutputItem, ResponseEvent, ResponseInput, ResponseObject,
    ResponsesRequest, ResponsesStream,
};
pub use stream::{ChatAccumulator, ChatStream};
pub use tokens::{Encoding, TokenCounter};
pub use types::{
    ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, Content, ContentPart,
    EmbeddingRequest, EmbeddingsResponse, ImageGenerationRequest, ImageUrl, ImagesResponse,
    Message, Model, ModelList, Role, Usage,
};

/// The crate version, shared by the Python wheel and the C library.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
