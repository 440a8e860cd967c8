//! Configuration from the real process environment and a `.env` file in the working directory.
//! One test, because it changes process-wide state (variables, working directory).

mod common;

use common::*;
use openai_core::{Client, ErrorKind, RequestOptions};

#[tokio::test]
async fn environment_then_dotenv_then_defaults() {
    let vars = [
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "OPENAI_ORG_ID",
        "OPENAI_PROJECT_ID",
    ];
    let dir = std::env::temp_dir().join(format!("openai-rs-env-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let old_cwd = std::env::current_dir().unwrap();
    std::env::set_current_dir(&dir).unwrap();
    // SAFETY: this binary has a single test; nothing else reads the environment concurrently
    // except the mock server, which does not read these variables.
    unsafe {
        for v in vars {
            std::env::remove_var(v);
        }
    }

    // Nothing anywhere: a config error naming all three sources.
    let e = Client::new().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    for needle in ["api_key", "OPENAI_API_KEY", ".env"] {
        assert!(e.to_string().contains(needle), "{e}");
    }

    // .env only.
    std::fs::write(
        dir.join(".env"),
        format!(
            "OPENAI_API_KEY=sk-dotenv\nOPENAI_BASE_URL={}/\nOPENAI_ORG_ID=org-dotenv\n",
            mock().base_url()
        ),
    )
    .unwrap();
    let id = test_id("dotenv");
    let c = Client::new().unwrap();
    c.chat_completion(&hello(), &fault(&id, "")).await.unwrap();
    let seen = &mock().journal_for(&id)[0];
    assert_eq!(seen.header("authorization"), Some("Bearer sk-dotenv"));
    assert_eq!(seen.header("openai-organization"), Some("org-dotenv"));
    assert_eq!(seen.header("openai-project"), None);

    // The environment wins over .env, variable by variable, and .env never overrides it.
    // SAFETY: as above.
    unsafe {
        std::env::set_var("OPENAI_API_KEY", "sk-env");
        std::env::set_var("OPENAI_PROJECT_ID", "proj-env");
    }
    let id = test_id("env");
    Client::new()
        .unwrap()
        .chat_completion(&hello(), &fault(&id, ""))
        .await
        .unwrap();
    let seen = &mock().journal_for(&id)[0];
    assert_eq!(seen.header("authorization"), Some("Bearer sk-env"));
    assert_eq!(seen.header("openai-organization"), Some("org-dotenv"));
    assert_eq!(seen.header("openai-project"), Some("proj-env"));
    assert_eq!(
        std::env::var("OPENAI_ORG_ID").ok(),
        None,
        ".env is read, not exported"
    );

    // Explicit beats both.
    let id = test_id("explicit");
    Client::builder()
        .api_key("sk-explicit")
        .build()
        .unwrap()
        .chat_completion(&hello(), &fault(&id, ""))
        .await
        .unwrap();
    assert_eq!(
        mock().journal_for(&id)[0].header("authorization"),
        Some("Bearer sk-explicit")
    );

    // Default base URL when no source names one.
    std::fs::remove_file(dir.join(".env")).unwrap();
    let c = Client::new().unwrap();
    assert_eq!(c.config().base_url(), "https://api.openai.com/v1");
    let _ = RequestOptions::default();

    std::env::set_current_dir(old_cwd).unwrap();
    // SAFETY: as above.
    unsafe {
        for v in vars {
            std::env::remove_var(v);
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}
