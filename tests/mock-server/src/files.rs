//! Files (`/v1/files`) and Uploads (`/v1/uploads`): a store of byte blobs
//! (small in memory, big in the spool) with the spec's objects and paging.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde_json::{Map, Value, json};

use crate::http;
use crate::multipart::{Blob, Form};
use crate::openai::{ApiError, CREATED, missing, object};

/// The purposes `POST /v1/files` and `POST /v1/uploads` accept.
pub const PURPOSES: &[&str] = &[
    "assistants",
    "batch",
    "fine-tune",
    "vision",
    "user_data",
    "evals",
];

/// A file's bytes: one blob, or an Upload's parts back to back (completing
/// an Upload copies nothing).
#[derive(Clone, Debug, Default)]
pub struct Content {
    pub pieces: Vec<Blob>,
}

impl Content {
    pub fn one(blob: Blob) -> Content {
        Content { pieces: vec![blob] }
    }

    pub fn len(&self) -> u64 {
        self.pieces.iter().map(Blob::len).sum()
    }

    /// Everything in memory (reads spooled pieces); for batch input files.
    pub fn read_all(&self) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(self.len() as usize);
        for p in &self.pieces {
            match p.mem() {
                Some(m) => out.extend_from_slice(m),
                None => out.extend_from_slice(&p.read_all()?),
            }
        }
        Ok(out)
    }
}

struct StoredFile {
    object: Value,
    content: Content,
}

struct Upload {
    object: Value,
    /// Parts by id, in the order they arrived.
    parts: Vec<(String, Blob)>,
}

#[derive(Default)]
struct Inner {
    /// Oldest first (created_at grows with every file).
    files: Vec<StoredFile>,
    next_file: u64,
    uploads: HashMap<String, Upload>,
    next_upload: u64,
    next_part: u64,
}

#[derive(Default)]
pub struct FileStore {
    inner: Mutex<Inner>,
}

pub fn file_not_found(id: &str) -> ApiError {
    ApiError::invalid(format!("No such File object: {id}"), "id").with_status(404)
}

fn upload_not_found(id: &str) -> ApiError {
    ApiError::invalid(format!("No such Upload object: {id}"), "upload_id").with_status(404)
}

fn check_purpose(purpose: &str) -> Result<(), ApiError> {
    if PURPOSES.contains(&purpose) {
        Ok(())
    } else {
        Err(ApiError::invalid(
            format!(
                "'{purpose}' is not one of {} - 'purpose'",
                PURPOSES
                    .iter()
                    .map(|p| format!("'{p}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "purpose",
        ))
    }
}

impl FileStore {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores a file and returns its FileObject.
    pub fn add(&self, filename: &str, purpose: &str, content: Content) -> Value {
        let mut inner = self.lock();
        inner.next_file += 1;
        let n = inner.next_file;
        let object = json!({
            "id": format!("file-mock{n}"),
            "object": "file",
            "bytes": content.len(),
            // One second apart, so created_at orders files as they came.
            "created_at": CREATED + n,
            "filename": filename,
            "purpose": purpose,
            "status": "processed",
            "expires_at": null,
            "status_details": null,
        });
        inner.files.push(StoredFile {
            object: object.clone(),
            content,
        });
        object
    }

    /// `POST /v1/files`: a `file` part with a filename and a `purpose` field.
    pub fn create(&self, form: &Form) -> Result<Value, ApiError> {
        let purpose = form.text("purpose").ok_or_else(|| missing("purpose"))?;
        let file = form.get("file").ok_or_else(|| missing("file"))?;
        let Some(filename) = file.filename.as_deref().filter(|f| !f.is_empty()) else {
            return Err(ApiError::invalid(
                "The 'file' part needs a filename.",
                "file",
            ));
        };
        check_purpose(&purpose)?;
        Ok(self.add(filename, &purpose, Content::one(file.data.clone())))
    }

    /// `GET /v1/files?purpose&limit&order&after`.
    pub fn list(&self, query: &str) -> Result<Value, ApiError> {
        let purpose = http::query_param(query, "purpose");
        let inner = self.lock();
        let items: Vec<Value> = inner
            .files
            .iter()
            .filter(|f| purpose.as_deref().is_none_or(|p| f.object["purpose"] == p))
            .map(|f| f.object.clone())
            .collect();
        page(&items, query, 10_000, 10_000, true)
    }

    pub fn retrieve(&self, id: &str) -> Result<Value, ApiError> {
        let inner = self.lock();
        inner
            .files
            .iter()
            .find(|f| f.object["id"] == id)
            .map(|f| f.object.clone())
            .ok_or_else(|| file_not_found(id))
    }

    /// The file and its bytes.
    pub fn get(&self, id: &str) -> Result<(Value, Content), ApiError> {
        let inner = self.lock();
        inner
            .files
            .iter()
            .find(|f| f.object["id"] == id)
            .map(|f| (f.object.clone(), f.content.clone()))
            .ok_or_else(|| file_not_found(id))
    }

    /// Forgets the file; a download already under way keeps its bytes (the
    /// blobs are reference-counted).
    pub fn delete(&self, id: &str) -> Result<Value, ApiError> {
        let mut inner = self.lock();
        let i = inner
            .files
            .iter()
            .position(|f| f.object["id"] == id)
            .ok_or_else(|| file_not_found(id))?;
        inner.files.remove(i);
        Ok(json!({"id": id, "object": "file", "deleted": true}))
    }

    // ------------------------------------------------------------ uploads

    /// `POST /v1/uploads`: `{filename, purpose, bytes, mime_type}`.
    pub fn upload_create(&self, body: &Value) -> Result<Value, ApiError> {
        let obj = object(body)?;
        let text = |k: &str| match obj.get(k) {
            Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
            None | Some(Value::Null) => Err(missing(k)),
            Some(_) => Err(ApiError::invalid(
                format!("Invalid type for '{k}': expected a string."),
                k,
            )),
        };
        let filename = text("filename")?;
        let purpose = text("purpose")?;
        text("mime_type")?;
        let bytes = match obj.get("bytes") {
            None | Some(Value::Null) => return Err(missing("bytes")),
            Some(v) => v.as_u64().ok_or_else(|| {
                ApiError::invalid("Invalid 'bytes': expected a non-negative integer.", "bytes")
            })?,
        };
        check_purpose(&purpose)?;
        let mut inner = self.lock();
        inner.next_upload += 1;
        let n = inner.next_upload;
        let id = format!("upload_mock{n}");
        let object = json!({
            "id": id,
            "object": "upload",
            "bytes": bytes,
            "created_at": CREATED + n,
            "filename": filename,
            "purpose": purpose,
            "status": "pending",
            "expires_at": CREATED + n + 3600,
            "file": null,
        });
        inner.uploads.insert(
            id,
            Upload {
                object: object.clone(),
                parts: Vec::new(),
            },
        );
        Ok(object)
    }

    fn pending<'a>(inner: &'a mut Inner, id: &str) -> Result<&'a mut Upload, ApiError> {
        let up = inner
            .uploads
            .get_mut(id)
            .ok_or_else(|| upload_not_found(id))?;
        match up.object["status"].as_str() {
            Some("pending") => Ok(up),
            Some(s) => Err(ApiError::invalid(
                format!("Upload {id} is already {s}."),
                "upload_id",
            )),
            None => unreachable!("uploads always have a status"),
        }
    }

    /// `POST /v1/uploads/{id}/parts`: a multipart `data` part.
    pub fn upload_part(&self, id: &str, form: &Form) -> Result<Value, ApiError> {
        let data = form.get("data").ok_or_else(|| missing("data"))?;
        let mut inner = self.lock();
        Self::pending(&mut inner, id)?;
        inner.next_part += 1;
        let n = inner.next_part;
        let part_id = format!("part_mock{n}");
        let up = inner.uploads.get_mut(id).expect("checked above");
        up.parts.push((part_id.clone(), data.data.clone()));
        Ok(json!({
            "id": part_id,
            "object": "upload.part",
            "created_at": CREATED + n,
            "upload_id": id,
        }))
    }

    /// `POST /v1/uploads/{id}/complete`: `{part_ids, md5?}`. The file is the
    /// parts in the order given, and must have the declared size.
    pub fn upload_complete(&self, id: &str, body: &Value) -> Result<Value, ApiError> {
        let obj = object(body)?;
        let ids: Vec<&str> = match obj.get("part_ids") {
            None | Some(Value::Null) => return Err(missing("part_ids")),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| v.as_str())
                .collect::<Option<_>>()
                .ok_or_else(|| {
                    ApiError::invalid("Invalid 'part_ids': expected strings.", "part_ids")
                })?,
            Some(_) => {
                return Err(ApiError::invalid(
                    "Invalid 'part_ids': expected an array of strings.",
                    "part_ids",
                ));
            }
        };
        let (filename, purpose, content) = {
            let mut inner = self.lock();
            let up = Self::pending(&mut inner, id)?;
            let mut pieces = Vec::with_capacity(ids.len());
            for pid in &ids {
                let blob = up
                    .parts
                    .iter()
                    .find(|(p, _)| p == pid)
                    .map(|(_, b)| b.clone())
                    .ok_or_else(|| {
                        ApiError::invalid(
                            format!("Part {pid} does not belong to upload {id}."),
                            "part_ids",
                        )
                    })?;
                pieces.push(blob);
            }
            let content = Content { pieces };
            let declared = up.object["bytes"].as_u64().unwrap_or(0);
            if content.len() != declared {
                return Err(ApiError::invalid(
                    format!(
                        "The number of bytes uploaded ({}) does not match the number of bytes declared when the upload was created ({declared}).",
                        content.len()
                    ),
                    "bytes",
                ));
            }
            up.object["status"] = json!("completed");
            up.parts.clear();
            (
                up.object["filename"].as_str().unwrap_or("").to_owned(),
                up.object["purpose"].as_str().unwrap_or("").to_owned(),
                content,
            )
        };
        let file = self.add(&filename, &purpose, content);
        let mut inner = self.lock();
        let up = inner.uploads.get_mut(id).expect("completed above");
        up.object["file"] = file;
        Ok(up.object.clone())
    }

    pub fn upload_cancel(&self, id: &str) -> Result<Value, ApiError> {
        let mut inner = self.lock();
        let up = Self::pending(&mut inner, id)?;
        up.object["status"] = json!("cancelled");
        up.parts.clear();
        Ok(up.object.clone())
    }
}

/// One page of `items` (oldest first). `limit` 1..=`max` (default
/// `default_limit`), `order` asc|desc (default per `default_desc`), `after`
/// the id of the last item of the previous page: walking `after=last_id`
/// while `has_more` visits every item once.
pub fn page(
    items: &[Value],
    query: &str,
    default_limit: usize,
    max: usize,
    default_desc: bool,
) -> Result<Value, ApiError> {
    let limit = match http::query_param(query, "limit") {
        None => default_limit,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => n,
            _ => {
                return Err(ApiError::invalid(
                    format!("Invalid 'limit': integer between 1 and {max} expected, got '{v}'."),
                    "limit",
                ));
            }
        },
    };
    let desc = match http::query_param(query, "order").as_deref() {
        None => default_desc,
        Some("desc") => true,
        Some("asc") => false,
        Some(v) => {
            return Err(ApiError::invalid(
                format!("Invalid value for 'order': expected 'asc' or 'desc', got '{v}'."),
                "order",
            ));
        }
    };
    let ordered: Vec<&Value> = if desc {
        items.iter().rev().collect()
    } else {
        items.iter().collect()
    };
    let start = match http::query_param(query, "after") {
        None => 0,
        Some(after) => {
            ordered
                .iter()
                .position(|it| it["id"].as_str() == Some(after.as_str()))
                .ok_or_else(|| {
                    ApiError::invalid(format!("No item with id '{after}' in this list."), "after")
                })?
                + 1
        }
    };
    let data: Vec<&Value> = ordered.iter().skip(start).take(limit).copied().collect();
    let has_more = start + data.len() < ordered.len();
    let first_id = data.first().map_or(Value::Null, |it| it["id"].clone());
    let last_id = data.last().map_or(Value::Null, |it| it["id"].clone());
    Ok(json!({
        "object": "list",
        "data": data,
        "first_id": first_id,
        "last_id": last_id,
        "has_more": has_more,
    }))
}

/// Checks `metadata`: an object of at most 16 string values.
pub fn metadata(obj: &Map<String, Value>) -> Result<Value, ApiError> {
    match obj.get("metadata") {
        None | Some(Value::Null) => Ok(Value::Null),
        Some(Value::Object(m)) if m.len() <= 16 && m.values().all(Value::is_string) => {
            Ok(Value::Object(m.clone()))
        }
        Some(_) => Err(ApiError::invalid(
            "Invalid 'metadata': expected an object with at most 16 string values.",
            "metadata",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(parts: &[(&str, Option<&str>, &[u8])]) -> Form {
        Form::of(parts)
    }

    #[test]
    fn files_create_list_delete() {
        let s = FileStore::default();
        let e = s
            .create(&form(&[("file", Some("a.txt"), b"x")]))
            .unwrap_err();
        assert_eq!(e.param.as_deref(), Some("purpose"));
        let e = s.create(&form(&[("purpose", None, b"batch")])).unwrap_err();
        assert_eq!(e.param.as_deref(), Some("file"));
        let e = s
            .create(&form(&[
                ("purpose", None, b"nope"),
                ("file", Some("a"), b""),
            ]))
            .unwrap_err();
        assert_eq!(e.param.as_deref(), Some("purpose"));
        for i in 0..5 {
            let purpose: &[u8] = if i % 2 == 0 { b"batch" } else { b"vision" };
            let f = s
                .create(&form(&[
                    ("purpose", None, purpose),
                    ("file", Some("f"), b"abc"),
                ]))
                .unwrap();
            assert_eq!(f["id"], format!("file-mock{}", i + 1));
            assert_eq!(f["bytes"], 3);
        }
        let all = s.list("").unwrap();
        assert_eq!(all["data"].as_array().unwrap().len(), 5);
        assert_eq!(all["first_id"], "file-mock5");
        let batch = s.list("purpose=batch&order=asc&limit=2").unwrap();
        assert_eq!(batch["first_id"], "file-mock1");
        assert_eq!(batch["last_id"], "file-mock3");
        assert_eq!(batch["has_more"], true);
        let rest = s
            .list("purpose=batch&order=asc&limit=2&after=file-mock3")
            .unwrap();
        assert_eq!(rest["data"][0]["id"], "file-mock5");
        assert_eq!(rest["has_more"], false);
        assert_eq!(s.delete("file-mock2").unwrap()["deleted"], true);
        assert_eq!(s.retrieve("file-mock2").unwrap_err().status, 404);
        assert_eq!(s.list("").unwrap()["data"].as_array().unwrap().len(), 4);
    }

    #[test]
    fn uploads_concatenate_parts_in_the_given_order() {
        let s = FileStore::default();
        let up = s
            .upload_create(&json!({"filename": "x.jsonl", "purpose": "batch", "bytes": 6, "mime_type": "text/jsonl"}))
            .unwrap();
        assert_eq!(up["status"], "pending");
        let id = up["id"].as_str().unwrap();
        let a = s
            .upload_part(id, &form(&[("data", Some("blob"), b"abc")]))
            .unwrap();
        let b = s
            .upload_part(id, &form(&[("data", Some("blob"), b"def")]))
            .unwrap();
        assert_eq!(a["object"], "upload.part");
        let e = s
            .upload_complete(id, &json!({"part_ids": [b["id"]]}))
            .unwrap_err();
        assert_eq!(e.param.as_deref(), Some("bytes"));
        let done = s
            .upload_complete(id, &json!({"part_ids": [b["id"], a["id"]]}))
            .unwrap();
        assert_eq!(done["status"], "completed");
        let fid = done["file"]["id"].as_str().unwrap();
        let (_, content) = s.get(fid).unwrap();
        assert_eq!(content.read_all().unwrap(), b"defabc");
        assert!(s.upload_cancel(id).is_err());
        assert_eq!(
            s.upload_part("upload_nope", &form(&[("data", None, b"")]))
                .unwrap_err()
                .status,
            404
        );
    }
}
