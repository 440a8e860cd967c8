//! Shared helpers for the integration tests: a mock server per test binary and clients for it.
#![allow(dead_code)]

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use openai_core::{Client, ClientBuilder, EnvSource};
use openai_mock::MockServer;

/// One mock server per test binary, shared by its tests (they tell their requests apart by
/// `x-test-id`).
pub fn mock() -> &'static MockServer {
    static MOCK: OnceLock<MockServer> = OnceLock::new();
    MOCK.get_or_init(MockServer::start)
}

/// A fresh, unique test id.
pub fn test_id(prefix: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A builder pointed at the shared mock, isolated from the process environment.
pub fn builder() -> ClientBuilder {
    ClientBuilder::new()
        .api_key("sk-test-key")
        .base_url(mock().base_url())
        .env(EnvSource::Map(Default::default()))
}

pub fn client() -> Client {
    builder().build().expect("client")
}

/// Request options carrying a test id and a fault for the mock.
pub fn fault(test_id: &str, fault: &str) -> openai_core::RequestOptions {
    let mut headers = vec![("x-test-id".to_string(), Some(test_id.to_string()))];
    if !fault.is_empty() {
        headers.push(("x-mock-fault".to_string(), Some(fault.to_string())));
    }
    openai_core::RequestOptions {
        extra_headers: headers,
        ..Default::default()
    }
}

pub fn hello() -> openai_core::ChatCompletionRequest {
    openai_core::ChatCompletionRequest::new(
        "gpt-4o-mini",
        vec![openai_core::Message::user("Hello!")],
    )
}
