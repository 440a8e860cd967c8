//! The response decoders on arbitrary bytes (matrix Z-3): decoding never panics, and whatever
//! decodes survives a round trip — serialised again and decoded again, it is the same value.
//!
//! "The same" allows one thing: a float may move by one unit in the last place. serde_json's
//! default float parser is fast but not correctly rounded (its `float_roundtrip` feature is), so
//! `9.999999999999001e75` can come back as `9.999999999999e75`; this target found that. Anything
//! else that changes is a failure.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openai_core::types::{
    ChatCompletion, ChatCompletionChunk, EmbeddingsResponse, ImagesResponse, ModelList,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Equal, floats within one ULP.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y)) => x == y || x.to_bits().abs_diff(y.to_bits()) <= 1,
                _ => false,
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

fn round_trip<T: DeserializeOwned + Serialize>(data: &[u8]) {
    let Ok(first) = serde_json::from_slice::<T>(data) else {
        return;
    };
    let again = serde_json::to_vec(&first).expect("a decoded value serialises");
    let second: T = serde_json::from_slice(&again).expect("what we wrote decodes");
    let (a, b) = (
        serde_json::to_value(&first).expect("serialises"),
        serde_json::to_value(&second).expect("serialises"),
    );
    assert!(same(&a, &b), "round trip changed the value:\n{a}\n{b}");
}

fuzz_target!(|data: &[u8]| {
    round_trip::<ChatCompletion>(data);
    round_trip::<ChatCompletionChunk>(data);
    round_trip::<EmbeddingsResponse>(data);
    round_trip::<ImagesResponse>(data);
    round_trip::<ModelList>(data);
});
