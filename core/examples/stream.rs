//! Streams a reply as it is generated, then prints the assembled message and usage.
use std::io::Write;

use openai_core::{ChatCompletionRequest, Client, Message, RequestOptions};
use serde_json::json;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::new()?;
    let mut request = ChatCompletionRequest::new(
        "gpt-4o-mini",
        vec![Message::user("Write a haiku about recursion.")],
    );
    request.stream_options = Some(json!({"include_usage": true}));
    let mut stream = client
        .chat_completion_stream(&request, &RequestOptions::default())
        .await?;
    let mut out = std::io::stdout();
    while let Some(chunk) = stream.next_chunk().await {
        for choice in chunk?.choices {
            if let Some(text) = choice.delta.content {
                write!(out, "{text}")?;
                out.flush()?;
            }
        }
    }
    println!();
    let done = stream.completion();
    println!(
        "finish_reason: {}",
        done.choices[0].finish_reason.as_deref().unwrap_or("null")
    );
    if let Some(usage) = done.usage {
        println!("total tokens: {}", usage.total_tokens);
    }
    Ok(())
}
