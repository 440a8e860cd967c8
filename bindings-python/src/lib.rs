//! `openai_rs._native`: the thin PyO3 layer between the `openai_rs` Python package and the
//! `openai-core` crate. Each function parses its arguments, calls one core function and maps the
//! result; HTTP, JSON, SSE, retries and timeouts all live in the core.
//!
//! Module map:
//! - [`client`]: the `Client` class (sync and async endpoints, `with_options`, pickling);
//! - [`stream`]: `Stream` / `AsyncStream` over a core `ChatStream`;
//! - [`conversation`]: `Conversation` and its streams over the core's `Conversation`, and
//!   `count_tokens`;
//! - [`endpoints`]: the generic call by operation id, and `Pager`;
//! - [`bulk`]: `BulkRun`, the core's bulk runner watched from Python;
//! - [`download`]: `Download`, a binary answer read in chunks;
//! - [`convert`]: raw JSON bytes → response objects (one pass, schema-driven), Python → JSON;
//! - [`errors`]: the one `ErrorKind` → exception class mapping;
//! - [`runtime`]: blocking calls with the GIL released and Ctrl-C checks;
//! - [`aio`]: the asyncio bridge (core tasks → asyncio futures, no GIL on runtime threads);
//! - [`logbridge`]: the core's `log` records → Python `logging` (logger `openai_rs`).

mod aio;
mod bulk;
mod client;
mod conversation;
mod convert;
mod download;
mod endpoints;
mod errors;
mod logbridge;
mod runtime;
mod stream;

use pyo3::prelude::*;

#[pymodule(gil_used = false)]
mod _native {
    #[pymodule_export]
    use crate::aio::{AbortOnCancel, LoopBridge};
    #[pymodule_export]
    use crate::bulk::{Answer, BulkRun};
    #[pymodule_export]
    use crate::client::{Client, Secret};
    #[pymodule_export]
    use crate::conversation::{
        AsyncConversationStream, Conversation, ConversationStream, count_tokens,
    };
    #[pymodule_export]
    use crate::convert::dumps;
    #[pymodule_export]
    use crate::download::Download;
    #[pymodule_export]
    use crate::endpoints::Pager;
    #[pymodule_export]
    use crate::errors::{_error_kinds, _exception_class_for};
    #[pymodule_export]
    use crate::logbridge::_refresh_log_level;
    #[pymodule_export]
    use crate::runtime::ReadyAwaitable;
    #[pymodule_export]
    use crate::stream::{AsyncStream, Stream};

    use pyo3::prelude::*;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", openai_core::VERSION)?;
        crate::logbridge::install();
        Ok(())
    }
}
