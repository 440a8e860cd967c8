//! Azure OpenAI end to end against the mock: the deployment path, `api-version` and the auth
//! header of each auth form, read back from the journal; a per-request token replaced between
//! calls and scrubbed from an error that echoes it.

mod common;

use common::*;
use openai_core::endpoints::{self, Call};
use openai_core::{AuthStyle, ClientBuilder, EnvSource, ErrorKind};

/// The mock's root (`http://127.0.0.1:PORT`), Azure's "endpoint".
fn endpoint() -> String {
    mock().base_url().trim_end_matches("/v1").to_owned()
}

fn azure() -> ClientBuilder {
    ClientBuilder::new()
        .env(EnvSource::Map(Default::default()))
        .azure_endpoint(endpoint())
        .api_version("2024-10-21")
}

fn env(pairs: &[(&str, &str)]) -> EnvSource {
    EnvSource::Map(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

#[tokio::test]
async fn api_key_goes_in_api_key_and_chat_goes_under_the_model() {
    let c = azure().api_key("azure-key-0123456789").build().unwrap();
    assert_eq!(c.config().auth_style(), AuthStyle::ApiKeyHeader);
    let id = test_id("az-key");
    let r = c.chat_completion(&hello(), &fault(&id, "")).await.unwrap();
    assert_eq!(
        r.data.choices[0].message.content.as_deref(),
        Some("You said: Hello!")
    );
    let e = &mock().journal_for(&id)[0];
    assert_eq!(e.path, "/openai/deployments/gpt-4o-mini/chat/completions");
    assert_eq!(e.query, "api-version=2024-10-21");
    assert_eq!(e.header("api-key"), Some("azure-key-0123456789"));
    assert_eq!(e.header("authorization"), None);
}

#[tokio::test]
async fn a_fixed_deployment_routes_its_endpoints_and_leaves_the_rest_at_the_root() {
    let c = azure()
        .azure_deployment("my dep/1")
        .azure_ad_token("entra-token-abcdefgh")
        .build()
        .unwrap();
    let id = test_id("az-dep");
    c.chat_completion(&hello(), &fault(&id, "")).await.unwrap();
    c.models_list(&fault(&id, "")).await.unwrap();
    let seen = mock().journal_for(&id);
    // The deployment is one escaped path segment, whatever it holds.
    assert_eq!(
        seen[0].path,
        "/openai/deployments/my%20dep%2F1/chat/completions"
    );
    assert_eq!(seen[1].path, "/openai/models");
    for e in &seen {
        assert_eq!(
            e.header("authorization"),
            Some("Bearer entra-token-abcdefgh")
        );
        assert_eq!(e.header("api-key"), None);
        assert_eq!(e.query, "api-version=2024-10-21");
    }
}

#[tokio::test]
async fn multipart_bodies_route_by_their_model_field_too() {
    let c = azure().api_key("azure-key-0123456789").build().unwrap();
    let id = test_id("az-form");
    let form = openai_core::Multipart::new()
        .text("model", "whisper-1")
        .bytes("file", b"RIFF....WAVE".to_vec(), "a.wav", None);
    c.call(
        endpoints::get("createTranscription").unwrap(),
        &Call::new().multipart(form),
        &fault(&id, ""),
    )
    .await
    .unwrap();
    let e = &mock().journal_for(&id)[0];
    assert_eq!(e.path, "/openai/deployments/whisper-1/audio/transcriptions");
}

#[tokio::test]
async fn a_base_url_with_a_deployment_is_not_rewritten() {
    let base = format!("{}/openai/deployments/fixed", endpoint());
    let c = ClientBuilder::new()
        .env(env(&[
            ("AZURE_OPENAI_API_KEY", "env-key-0123456789"),
            ("OPENAI_API_VERSION", "v9"),
        ]))
        .azure()
        .base_url(&base)
        .build()
        .unwrap();
    let id = test_id("az-base");
    c.chat_completion(&hello(), &fault(&id, "")).await.unwrap();
    let e = &mock().journal_for(&id)[0];
    assert_eq!(e.path, "/openai/deployments/fixed/chat/completions");
    assert_eq!(e.query, "api-version=v9");
    assert_eq!(e.header("api-key"), Some("env-key-0123456789"));
}

#[tokio::test]
async fn a_per_request_token_is_refused_until_set_then_replaced_and_scrubbed() {
    let c = azure().azure_ad_token_per_request().build().unwrap();
    let id = test_id("az-tok");
    let err = c
        .chat_completion(&hello(), &fault(&id, ""))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(
        mock().journal_for(&id).is_empty(),
        "nothing is sent without a token"
    );

    c.set_credential("token-one-0123456789").unwrap();
    c.chat_completion(&hello(), &fault(&id, "")).await.unwrap();
    c.set_credential("token-two-0123456789").unwrap();
    c.chat_completion(&hello(), &fault(&id, "")).await.unwrap();
    let seen = mock().journal_for(&id);
    assert_eq!(
        seen[0].header("authorization"),
        Some("Bearer token-one-0123456789")
    );
    assert_eq!(
        seen[1].header("authorization"),
        Some("Bearer token-two-0123456789")
    );

    // A server that echoes the credential: the newest token and the one before it are scrubbed.
    let err = c
        .chat_completion(&hello(), &fault(&id, "echo-key"))
        .await
        .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(text.contains("[REDACTED]"), "{text}");
    assert!(!text.contains("token-two-0123456789"), "{text}");
    assert!(!text.contains("token-one"), "{text}");
    assert!(!text.contains("<set per request>"), "{text}");
}

#[tokio::test]
async fn rotating_the_key_of_a_plain_client() {
    let c = client();
    c.set_credential("sk-rotated-0123456789").unwrap();
    let id = test_id("rotate");
    c.call(
        endpoints::get("listModels").unwrap(),
        &Call::new(),
        &fault(&id, ""),
    )
    .await
    .unwrap();
    let e = &mock().journal_for(&id)[0];
    assert_eq!(
        e.header("authorization"),
        Some("Bearer sk-rotated-0123456789")
    );
    assert!(c.set_credential("bad\nkey").is_err());
}

#[test]
fn azure_settings_are_checked() {
    let err = |b: ClientBuilder| b.resolve().unwrap_err().to_string();
    // No credential anywhere.
    assert!(err(azure()).contains("missing credentials"));
    // Two credentials.
    assert!(
        err(azure()
            .api_key("k-0123456789")
            .azure_ad_token("t-0123456789"))
        .contains("mutually exclusive")
    );
    // No api-version.
    let b = ClientBuilder::new()
        .env(EnvSource::Map(Default::default()))
        .azure_endpoint(endpoint())
        .api_key("k-0123456789");
    assert!(err(b).contains("api_version"));
    // Both a base URL and an endpoint.
    assert!(
        err(azure().api_key("k-0123456789").base_url("http://x/openai"))
            .contains("mutually exclusive")
    );
    // No endpoint.
    let b = ClientBuilder::new()
        .env(EnvSource::Map(Default::default()))
        .api_version("1")
        .api_key("k-0123456789");
    assert!(err(b).contains("AZURE_OPENAI_ENDPOINT"));
    // The environment: the AD token wins over the key, as in the official client.
    let c = ClientBuilder::new()
        .env(env(&[
            ("AZURE_OPENAI_API_KEY", "env-key-0123456789"),
            ("AZURE_OPENAI_AD_TOKEN", "env-token-0123456789"),
            ("AZURE_OPENAI_ENDPOINT", "https://r.openai.azure.com/"),
            ("OPENAI_API_VERSION", "2024-10-21"),
        ]))
        .azure()
        .resolve()
        .unwrap();
    assert_eq!(c.auth_style(), AuthStyle::Bearer);
    assert_eq!(c.base_url(), "https://r.openai.azure.com/openai");
    assert_eq!(
        c.default_query(),
        [("api-version".to_owned(), "2024-10-21".to_owned())]
    );
    // And it survives a trip through a builder (with_options).
    let again = c
        .to_builder()
        .env(EnvSource::Map(Default::default()))
        .resolve()
        .unwrap();
    assert_eq!(format!("{again:?}"), format!("{c:?}"));
    let d = azure()
        .azure_deployment("d")
        .azure_ad_token_per_request()
        .resolve()
        .unwrap();
    let again = d
        .to_builder()
        .env(EnvSource::Map(Default::default()))
        .resolve()
        .unwrap();
    assert_eq!(format!("{again:?}"), format!("{d:?}"));
    assert_eq!(again.azure_deployment(), Some("d"));
}

#[test]
fn a_plain_client_ignores_azure_variables() {
    let c = ClientBuilder::new()
        .env(env(&[
            ("OPENAI_API_KEY", "sk-plain-0123456789"),
            ("AZURE_OPENAI_API_KEY", "nope"),
        ]))
        .resolve()
        .unwrap();
    assert!(!c.is_azure());
    assert_eq!(c.auth_style(), AuthStyle::Bearer);
}
