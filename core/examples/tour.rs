//! JSON mode, image generation, embeddings, the model list, and a typed error.
use openai_core::blocking::block_on;
use openai_core::types::ImageGenerationRequest;
use openai_core::{
    ChatCompletionRequest, Client, EmbeddingRequest, ErrorKind, Message, RequestOptions,
};
use serde_json::json;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::new()?;
    let opts = RequestOptions::default();

    let mut req = ChatCompletionRequest::new(
        "gpt-4o-mini",
        vec![
            Message::system("Always answer in JSON."),
            Message::user("Give three machine learning terms."),
        ],
    );
    req.response_format = Some(json!({"type": "json_object"}));
    let r = block_on(client.chat_completion(&req, &opts))??;
    let choice = &r.data.choices[0];
    if choice.finish_reason.as_deref() == Some("length") {
        println!("json: truncated, not usable");
    } else {
        let parsed: serde_json::Value =
            serde_json::from_str(choice.message.content.as_deref().unwrap_or("null"))?;
        println!("json: {parsed}");
    }

    let img = ImageGenerationRequest {
        prompt: "A futuristic cityscape at sunset".into(),
        model: Some("dall-e-3".into()),
        n: Some(1),
        size: Some("1024x1024".into()),
        ..Default::default()
    };
    let r = block_on(client.images_generate(&img, &opts))??;
    println!(
        "image: {}",
        r.data.data[0].url.as_deref().unwrap_or("(b64)")
    );

    let emb = EmbeddingRequest {
        input: json!("The food was delicious"),
        model: "text-embedding-3-small".into(),
        ..Default::default()
    };
    let r = block_on(client.embeddings(&emb, &opts))??;
    println!(
        "embedding: {} dimensions",
        r.data.data[0].embedding.to_f32()?.len()
    );

    let models = block_on(client.models_list(&opts))??;
    println!("models: {}", models.data.data.len());

    match block_on(client.models_retrieve("no-such-model", &opts))? {
        Err(e) if e.kind() == ErrorKind::NotFound => {
            println!("error: {} (status {:?})", e.kind(), e.status());
        }
        other => println!("unexpected: {other:?}"),
    }
    Ok(())
}
