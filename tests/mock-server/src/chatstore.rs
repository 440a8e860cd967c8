//! Stored chat completions: what `store: true` keeps, and the routes that
//! list, read, update and delete it.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde_json::{Map, Value, json};

use crate::files::{metadata, page};
use crate::http;
use crate::openai::{ApiError, content_text, missing, object};

const MAX_STORED: usize = 10_000;

struct Stored {
    completion: Value,
    messages: Vec<Value>,
}

#[derive(Default)]
struct Inner {
    order: VecDeque<String>,
    map: HashMap<String, Stored>,
}

#[derive(Default)]
pub struct ChatStore {
    inner: Mutex<Inner>,
}

fn not_found(id: &str) -> ApiError {
    ApiError::invalid(
        format!("No chat completion found with id '{id}'."),
        "completion_id",
    )
    .with_status(404)
}

/// The request's messages as the messages list shows them, with ids.
fn stored_messages(id: &str, request: &Map<String, Value>) -> Vec<Value> {
    request
        .get("messages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, m)| {
            let content = m.get("content");
            let parts = content.filter(|c| c.is_array()).cloned();
            let text = match content {
                None | Some(Value::Null) => Value::Null,
                c => Value::String(content_text(c).into_owned()),
            };
            let mut v = json!({
                "id": format!("{id}-{i}"),
                "role": m.get("role").cloned().unwrap_or(Value::Null),
                "content": text,
                "refusal": null,
                "name": m.get("name").cloned().unwrap_or(Value::Null),
                "content_parts": parts,
            });
            if let Some(calls) = m.get("tool_calls") {
                v["tool_calls"] = calls.clone();
            }
            v
        })
        .collect()
}

impl ChatStore {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Keeps a completion made with `store: true`; `completion` is the
    /// non-streamed answer (a streamed one is stored as if it had not been).
    pub fn store(&self, mut completion: Value, request: &Value) {
        let Some(req) = request.as_object() else {
            return;
        };
        let id = completion["id"].as_str().unwrap_or("").to_owned();
        completion["metadata"] = match metadata(req) {
            Ok(Value::Null) | Err(_) => json!({}),
            Ok(m) => m,
        };
        let messages = stored_messages(&id, req);
        let mut inner = self.lock();
        if inner
            .map
            .insert(
                id.clone(),
                Stored {
                    completion,
                    messages,
                },
            )
            .is_none()
        {
            inner.order.push_back(id);
        }
        while inner.order.len() > MAX_STORED {
            let old = inner.order.pop_front().expect("non-empty");
            inner.map.remove(&old);
        }
    }

    /// `GET /v1/chat/completions?after&limit&order&model&metadata[k]=v`
    /// (order asc by default, like the real endpoint).
    pub fn list(&self, query: &str) -> Result<Value, ApiError> {
        let model = http::query_param(query, "model");
        let filters: Vec<(String, String)> = query
            .split('&')
            .filter_map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                let k = http::percent_decode(k);
                let key = k.strip_prefix("metadata[")?.strip_suffix(']')?.to_owned();
                Some((key, http::percent_decode(v)))
            })
            .collect();
        let inner = self.lock();
        let items: Vec<Value> = inner
            .order
            .iter()
            .filter_map(|id| inner.map.get(id))
            .map(|s| &s.completion)
            .filter(|c| model.as_deref().is_none_or(|m| c["model"] == m))
            .filter(|c| filters.iter().all(|(k, v)| c["metadata"][k] == v.as_str()))
            .cloned()
            .collect();
        page(&items, query, 20, 100, false)
    }

    pub fn retrieve(&self, id: &str) -> Result<Value, ApiError> {
        let inner = self.lock();
        inner
            .map
            .get(id)
            .map(|s| s.completion.clone())
            .ok_or_else(|| not_found(id))
    }

    /// `POST /v1/chat/completions/{id}`: `{"metadata": {...}}` replaces it.
    pub fn update(&self, id: &str, body: &Value) -> Result<Value, ApiError> {
        let obj = object(body)?;
        if !obj.contains_key("metadata") {
            return Err(missing("metadata"));
        }
        let m = match metadata(obj)? {
            Value::Null => json!({}),
            m => m,
        };
        let mut inner = self.lock();
        let s = inner.map.get_mut(id).ok_or_else(|| not_found(id))?;
        s.completion["metadata"] = m;
        Ok(s.completion.clone())
    }

    pub fn delete(&self, id: &str) -> Result<Value, ApiError> {
        let mut inner = self.lock();
        inner.map.remove(id).ok_or_else(|| not_found(id))?;
        inner.order.retain(|k| k != id);
        Ok(json!({"object": "chat.completion.deleted", "id": id, "deleted": true}))
    }

    /// `GET /v1/chat/completions/{id}/messages?after&limit&order`.
    pub fn messages(&self, id: &str, query: &str) -> Result<Value, ApiError> {
        let inner = self.lock();
        let s = inner.map.get(id).ok_or_else(|| not_found(id))?;
        page(&s.messages, query, 20, 100, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn completion(id: &str, model: &str) -> Value {
        json!({"id": id, "object": "chat.completion", "model": model, "choices": []})
    }

    #[test]
    fn store_list_filter_update_delete() {
        let s = ChatStore::default();
        let req = |m: Value| {
            json!({"model": "gpt-4o", "metadata": m, "messages": [
                {"role": "system", "content": "be brief"},
                {"role": "user", "content": [{"type": "text", "text": "hi"}]},
            ]})
        };
        s.store(completion("c1", "gpt-4o"), &req(json!({"k": "a"})));
        s.store(completion("c2", "gpt-4o-mini"), &req(json!({"k": "b"})));
        s.store(completion("c3", "gpt-4o"), &req(Value::Null));
        let all = s.list("").unwrap();
        assert_eq!(all["first_id"], "c1");
        assert_eq!(all["data"][2]["metadata"], json!({}));
        assert_eq!(
            s.list("model=gpt-4o").unwrap()["data"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        let by_meta = s.list("metadata%5Bk%5D=b").unwrap();
        assert_eq!(by_meta["data"].as_array().unwrap().len(), 1);
        assert_eq!(by_meta["first_id"], "c2");
        let p = s.list("limit=2&after=c1").unwrap();
        assert_eq!(
            (p["first_id"].as_str(), p["has_more"].as_bool()),
            (Some("c2"), Some(false))
        );
        let u = s.update("c3", &json!({"metadata": {"x": "y"}})).unwrap();
        assert_eq!(u["metadata"], json!({"x": "y"}));
        let m = s.messages("c1", "").unwrap();
        assert_eq!(m["data"][0]["id"], "c1-0");
        assert_eq!(m["data"][1]["content"], "hi");
        assert_eq!(m["data"][1]["content_parts"][0]["text"], "hi");
        assert_eq!(s.delete("c1").unwrap()["deleted"], true);
        assert_eq!(s.retrieve("c1").unwrap_err().status, 404);
        assert_eq!(s.messages("c1", "").unwrap_err().status, 404);
    }
}
