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

pub mod blocking;
mod client;
mod config;
pub mod conversation;
mod error;
pub mod models;
pub mod retry;
pub mod sse;
mod stream;
mod tls;
pub mod tokens;
pub mod types;
mod wake;

pub use client::{Client, RETRY_COUNT_HEADER, RequestOptions, Response};
pub use config::{
    ApiKey, ClientBuilder, ClientConfig, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RETRIES, DEFAULT_REQUEST_TIMEOUT, DEFAULT_STREAM_IDLE_TIMEOUT, EnvSource, Proxy,
    Timeouts,
};
pub use conversation::{
    CallReport, Conversation, ConversationSettings, ConversationStream, PreparedTurn,
    SharedConversation, SharedTurnStream, TurnResult, TurnStream, UsageTotals, lock_shared,
};
pub use error::{ApiErrorBody, Error, ErrorKind, Result, TimeoutPhase};
pub use models::{ModelLimits, ModelPrice, PriceTable};
pub use reqwest::Method;
pub use stream::{ChatAccumulator, ChatStream};
pub use tokens::{Encoding, TokenCounter};
pub use types::{
    ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, Content, ContentPart,
    EmbeddingRequest, EmbeddingsResponse, ImageGenerationRequest, ImageUrl, ImagesResponse,
    Message, Model, ModelList, Role, Usage,
};

/// The crate version, shared by the Python wheel and the C library.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
