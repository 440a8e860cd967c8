//! A chat completion with a system and a user message, as in the guides.
//!
//! `OPENAI_API_KEY` (or `.env`) and optionally `OPENAI_BASE_URL` configure it.
use openai_core::blocking::block_on;
use openai_core::{ChatCompletionRequest, Client, Message, RequestOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::new()?;
    let request = ChatCompletionRequest::new(
        "gpt-4o-mini",
        vec![
            Message::system("You are a technical writer who knows machine learning."),
            Message::user("Explain how a neural network works, with a metaphor."),
        ],
    );
    let response = block_on(client.chat_completion(&request, &RequestOptions::default()))??;
    let choice = &response.data.choices[0];
    println!("{}", choice.message.content.as_deref().unwrap_or(""));
    println!(
        "finish_reason: {}",
        choice.finish_reason.as_deref().unwrap_or("null")
    );
    if let Some(usage) = &response.data.usage {
        println!(
            "tokens: {} prompt + {} completion = {}",
            usage.prompt_tokens, usage.completion_tokens, usage.total_tokens
        );
    }
    Ok(())
}
