//! Audio: transcriptions and translations (multipart in, text out) and
//! speech (JSON in, deterministic bytes out).

use serde_json::{Value, json};

use crate::multipart::{Fnv, Form};
use crate::openai::{ApiError, missing, object};

/// What a transcription or translation answers: the body and its type.
pub fn transcription(form: &Form, translate: bool) -> Result<(&'static str, Vec<u8>), ApiError> {
    let file = form.get("file").ok_or_else(|| missing("file"))?;
    if form.text("model").is_none_or(|m| m.is_empty()) {
        return Err(missing("model"));
    }
    let filename = file.filename.as_deref().unwrap_or("file");
    let text = format!("transcript of {filename} ({} bytes)", file.data.len());
    let format = form
        .text("response_format")
        .unwrap_or_else(|| "json".into());
    // One second of "audio" per 16 KiB, at least one.
    let duration = (file.data.len() as f64 / 16_384.0).max(1.0);
    let timestamp = |secs: f64, sep: char| {
        let ms = (secs * 1000.0).round() as u64;
        format!(
            "{:02}:{:02}:{:02}{sep}{:03}",
            ms / 3_600_000,
            ms / 60_000 % 60,
            ms / 1000 % 60,
            ms % 1000
        )
    };
    Ok(match format.as_str() {
        "json" => (
            "application/json",
            json!({"text": text}).to_string().into_bytes(),
        ),
        "text" => (
            "text/plain; charset=utf-8",
            format!("{text}\n").into_bytes(),
        ),
        "verbose_json" => {
            let language = form
                .text("language")
                .filter(|_| !translate)
                .unwrap_or_else(|| "english".into());
            let v = json!({
                "task": if translate { "translate" } else { "transcribe" },
                "language": language,
                "duration": duration,
                "text": text,
                "segments": [{
                    "id": 0, "seek": 0, "start": 0.0, "end": duration, "text": text,
                    "tokens": [1, 2, 3], "temperature": 0.0, "avg_logprob": -0.1,
                    "compression_ratio": 1.0, "no_speech_prob": 0.0,
                }],
            });
            ("application/json", v.to_string().into_bytes())
        }
        "srt" => (
            "text/plain; charset=utf-8",
            format!(
                "1\n{} --> {}\n{text}\n\n",
                timestamp(0.0, ','),
                timestamp(duration, ',')
            )
            .into_bytes(),
        ),
        "vtt" => (
            "text/plain; charset=utf-8",
            format!(
                "WEBVTT\n\n{} --> {}\n{text}\n\n",
                timestamp(0.0, '.'),
                timestamp(duration, '.')
            )
            .into_bytes(),
        ),
        other => {
            return Err(ApiError::invalid(
                format!(
                    "Invalid value for 'response_format': '{other}' is not one of 'json', 'text', 'srt', 'verbose_json', 'vtt'."
                ),
                "response_format",
            ));
        }
    })
}

/// `stream=true` on a transcription: the `data:` payloads, one
/// `transcript.text.delta` per token of the text and a last
/// `transcript.text.done` with the whole text and token usage.
pub fn transcription_events(form: &Form) -> Result<Vec<Vec<u8>>, ApiError> {
    let file = form.get("file").ok_or_else(|| missing("file"))?;
    if form.text("model").is_none_or(|m| m.is_empty()) {
        return Err(missing("model"));
    }
    let filename = file.filename.as_deref().unwrap_or("file");
    let text = format!("transcript of {filename} ({} bytes)", file.data.len());
    let pieces = crate::tokens::pieces(&text);
    let mut out: Vec<Vec<u8>> = pieces
        .iter()
        .map(|p| {
            json!({"type": "transcript.text.delta", "delta": p})
                .to_string()
                .into_bytes()
        })
        .collect();
    // Input tokens: one per KiB of audio, at least one.
    let input = (file.data.len() / 1024).max(1);
    let output = pieces.len() as u64;

    out.push(
        json!({"type": "transcript.text.done", "text": text, "usage": {
            "type": "tokens", "input_tokens": input, "output_tokens": output,
            "total_tokens": input + output}})
        .to_string()
        .into_bytes(),
    );
    Ok(out)
}

/// Bytes of speech per byte of input.
pub const SPEECH_BYTES_PER_INPUT_BYTE: usize = 1024;

/// `POST /v1/audio/speech`: `len(input) × 1024` bytes starting with the
/// format's magic number, the rest a pattern seeded by the input, so the
/// same request gives the same bytes.
pub fn speech(body: &Value) -> Result<(&'static str, Vec<u8>), ApiError> {
    let obj = object(body)?;
    let text = |k: &str| match obj.get(k) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.as_str()),
        _ => Err(missing(k)),
    };
    text("model")?;
    let input = text("input")?;
    text("voice")?;
    if input.chars().count() > 4096 {
        return Err(ApiError::invalid(
            "Invalid 'input': string too long. Expected a string with maximum length 4096.",
            "input",
        ));
    }
    let format = obj
        .get("response_format")
        .and_then(Value::as_str)
        .unwrap_or("mp3");
    let (content_type, magic): (&str, &[u8]) = match format {
        "mp3" => ("audio/mpeg", b"ID3\x04\x00\x00\x00\x00\x00\x00"),
        "opus" => ("audio/opus", b"OggS\x00\x02"),
        "aac" => ("audio/aac", b"\xff\xf1"),
        "flac" => ("audio/flac", b"fLaC"),
        "wav" => ("audio/wav", b"RIFF\x00\x00\x00\x00WAVE"),
        "pcm" => ("audio/pcm", b""),
        other => {
            return Err(ApiError::invalid(
                format!(
                    "Invalid value for 'response_format': '{other}' is not one of 'mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'."
                ),
                "response_format",
            ));
        }
    };
    let len = input.len() * SPEECH_BYTES_PER_INPUT_BYTE;
    let mut h = Fnv::default();
    h.update(input.as_bytes());
    let mut state = h.0;
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(&magic[..magic.len().min(len)]);
    while out.len() < len {
        // xorshift64: cheap and deterministic.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let bytes = state.to_le_bytes();
        let k = (len - out.len()).min(8);
        out.extend_from_slice(&bytes[..k]);
    }
    Ok((content_type, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(parts: &[(&str, Option<&str>, &[u8])]) -> Form {
        Form::of(parts)
    }

    #[test]
    fn transcripts_in_every_format() {
        let f = form(&[
            ("file", Some("a.mp3"), b"12345"),
            ("model", None, b"whisper-1"),
        ]);
        let (ct, body) = transcription(&f, false).unwrap();
        assert_eq!(ct, "application/json");
        assert_eq!(
            serde_json::from_slice::<Value>(&body).unwrap(),
            json!({"text": "transcript of a.mp3 (5 bytes)"})
        );
        let f = form(&[
            ("file", Some("a.mp3"), b"12345"),
            ("model", None, b"whisper-1"),
            ("response_format", None, b"text"),
        ]);
        assert_eq!(
            transcription(&f, true).unwrap().1,
            b"transcript of a.mp3 (5 bytes)\n"
        );
        let f = form(&[
            ("file", Some("a.mp3"), b"1"),
            ("model", None, b"m"),
            ("response_format", None, b"verbose_json"),
        ]);
        let v: Value = serde_json::from_slice(&transcription(&f, true).unwrap().1).unwrap();
        assert_eq!(v["task"], "translate");
        let f = form(&[("model", None, b"m")]);
        assert_eq!(
            transcription(&f, false).unwrap_err().param.as_deref(),
            Some("file")
        );
        let f = form(&[("file", Some("a"), b"")]);
        assert_eq!(
            transcription(&f, false).unwrap_err().param.as_deref(),
            Some("model")
        );
    }

    #[test]
    fn streamed_transcripts_add_up() {
        let f = form(&[
            ("file", Some("a.wav"), &[0; 2048]),
            ("model", None, b"gpt-4o-transcribe"),
        ]);
        let ev: Vec<Value> = transcription_events(&f)
            .unwrap()
            .iter()
            .map(|e| serde_json::from_slice(e).unwrap())
            .collect();
        let text: String = ev[..ev.len() - 1]
            .iter()
            .map(|e| e["delta"].as_str().unwrap())
            .collect();
        assert_eq!(text, "transcript of a.wav (2048 bytes)");
        let done = ev.last().unwrap();
        assert_eq!(done["type"], "transcript.text.done");
        assert_eq!(done["text"], text);
        assert_eq!(done["usage"]["input_tokens"], 2);
    }

    #[test]
    fn speech_is_deterministic_and_sized_by_input() {
        let req = json!({"model": "tts-1", "input": "hello", "voice": "alloy"});
        let (ct, a) = speech(&req).unwrap();
        assert_eq!(ct, "audio/mpeg");
        assert_eq!(a.len(), 5 * 1024);
        assert!(a.starts_with(b"ID3"));
        assert_eq!(speech(&req).unwrap().1, a);
        let (ct, w) = speech(
            &json!({"model": "tts-1", "input": "hi", "voice": "alloy", "response_format": "wav"}),
        )
        .unwrap();
        assert_eq!((ct, w.len()), ("audio/wav", 2048));
        assert_eq!(
            speech(&json!({"model": "tts-1", "input": "hi"}))
                .unwrap_err()
                .param
                .as_deref(),
            Some("voice")
        );
    }
}
