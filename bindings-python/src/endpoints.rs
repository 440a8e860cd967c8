//! The generic call: any operation of the core's endpoint table, by operation id, with the
//! arguments the declarative resources of the Python package pass (path parameters, query,
//! JSON body or multipart fields and files). Also `Pager`, the cursor behind every list.

use std::path::PathBuf;
use std::sync::Arc;

use openai_core::Multipart;
use openai_core::endpoints::{self, Call, CallBody, Endpoint};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyList, PyString, PyTuple};
use serde_json::Value;

use crate::aio::future_into_py;
use crate::client::Reply;
use crate::convert::{Root, kwargs_to_json, py_to_json};
use crate::errors::to_pyerr;

/// A query value as the official SDK sends it: booleans as `true`/`false`, lists as repeated
/// `key[]` pairs, `None` left out.
fn push_query(out: &mut Vec<(String, String)>, key: String, v: &Bound<'_, PyAny>) -> PyResult<()> {
    if v.is_none() || v.get_type().name()? == "NotGiven" || v.get_type().name()? == "Omit" {
        return Ok(());
    }
    if let Ok(b) = v.cast::<PyBool>() {
        out.push((key, if b.is_true() { "true" } else { "false" }.into()));
    } else if let Ok(s) = v.cast::<PyString>() {
        out.push((key, s.to_str()?.to_owned()));
    } else if v.cast::<PyList>().is_ok() || v.cast::<PyTuple>().is_ok() {
        for item in v.try_iter()? {
            push_query(out, format!("{key}[]"), &item?)?;
        }
    } else {
        out.push((key, v.str()?.to_str()?.to_owned()));
    }
    Ok(())
}

/// A multipart form field value as text (numbers and booleans as JSON spells them).
fn field_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One file of a multipart body, as the Python layer normalises it:
/// `(field, filename, content, content_type)` where content is `bytes` or a path `str`.
fn add_file(form: Multipart, f: &Bound<'_, PyAny>) -> PyResult<Multipart> {
    let (field, filename, content, ctype): (
        String,
        Option<String>,
        Bound<'_, PyAny>,
        Option<String>,
    ) = f.extract()?;
    if let Ok(b) = content.cast::<PyBytes>() {
        let name = filename.unwrap_or_else(|| "upload".into());
        return Ok(form.bytes(field, b.as_bytes().to_vec(), name, ctype.as_deref()));
    }
    let path: PathBuf = content
        .extract()
        .map_err(|_| PyTypeError::new_err("file content must be bytes or a path"))?;
    form.file(field, &path, filename.as_deref(), ctype.as_deref())
        .map_err(|e| PyValueError::new_err(e.message().to_owned()))
}

/// The endpoint row and the core call for the arguments of one generic call.
pub(crate) fn prepare(
    op: &str,
    path: Option<&Bound<'_, PyDict>>,
    query: Option<&Bound<'_, PyDict>>,
    body: Option<&Bound<'_, PyAny>>,
    files: Option<&Bound<'_, PyList>>,
) -> PyResult<(&'static Endpoint, Call)> {
    let ep = endpoints::find(op)
        .ok_or_else(|| PyValueError::new_err(format!("unknown operation id {op:?}")))?;
    let mut call = Call::new();
    for (k, v) in path.into_iter().flat_map(|d| d.iter()) {
        call.path
            .push((k.extract()?, v.str()?.to_str()?.to_owned()));
    }
    for (k, v) in query.into_iter().flat_map(|d| d.iter()) {
        push_query(&mut call.query, k.extract()?, &v)?;
    }
    let body = match body.filter(|b| !b.is_none()) {
        None => Value::Null,
        Some(b) => match b.cast::<PyDict>() {
            Ok(d) => kwargs_to_json(d)?,
            Err(_) => py_to_json(b)?,
        },
    };
    call.body = match files {
        Some(files) => {
            let mut form = Multipart::new();
            if let Value::Object(fields) = &body {
                for (k, v) in fields {
                    match v {
                        Value::Null => {}
                        Value::Array(items) => {
                            for item in items {
                                form = form.text(format!("{k}[]"), field_text(item));
                            }
                        }
                        v => form = form.text(k.clone(), field_text(v)),
                    }
                }
            }
            for f in files.iter() {
                form = add_file(form, &f)?;
            }
            CallBody::Multipart(form)
        }
        None if body.is_null() => CallBody::None,
        None => CallBody::Json(body),
    };
    Ok((ep, call))
}

/// The class a generic call's answer is built as.
pub(crate) fn root(cls: Option<&str>) -> PyResult<Root> {
    cls.map_or(Ok(Root::Any), Root::named)
}

/// The cursor behind every list of the Python package: one request per page, on demand.
#[pyclass(frozen, module = "openai_rs._native")]
pub struct Pager {
    inner: Arc<tokio::sync::Mutex<openai_core::Pager>>,
    root: Root,
}

impl Pager {
    pub(crate) fn new(p: openai_core::Pager, root: Root) -> Pager {
        Pager {
            inner: Arc::new(tokio::sync::Mutex::new(p)),
            root,
        }
    }
}

/// One page, converted on the caller's thread (or the event loop's).
pub(crate) struct PageOut {
    page: Option<openai_core::Result<openai_core::Response<Value>>>,
    root: Root,
    raw: bool,
}

impl<'py> IntoPyObject<'py> for PageOut {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self.page {
            None => Ok(py.None().into_bound(py)),
            Some(Ok(r)) => Reply::with_meta(r, self.root, self.raw).to_py(py),
            Some(Err(e)) => Err(to_pyerr(py, &e)),
        }
    }
}

#[pymethods]
impl Pager {
    /// The next page, `None` after the last one; with `raw`, `(status, headers, body, page)`.
    #[pyo3(signature = (raw=false))]
    fn next_page<'py>(&self, py: Python<'py>, raw: bool) -> PyResult<Bound<'py, PyAny>> {
        let inner = self.inner.clone();
        let page =
            crate::runtime::block(py, async move { Ok(inner.lock().await.next_page().await) })?
                .unwrap_or_else(|e| Some(Err(e)));
        PageOut {
            page,
            root: self.root,
            raw,
        }
        .into_pyobject(py)
    }

    /// The next page as an awaitable (`None` after the last one; `raw` as for `next_page`).
    #[pyo3(signature = (raw=false))]
    fn anext_page<'py>(&self, py: Python<'py>, raw: bool) -> PyResult<Bound<'py, PyAny>> {
        let inner = self.inner.clone();
        let root = self.root;
        future_into_py(py, async move {
            let page = inner.lock().await.next_page().await;
            Ok(PageOut { page, root, raw })
        })
    }

    /// A new pager at this one's position, advancing on its own.
    fn fork(&self) -> PyResult<Pager> {
        let p = self
            .inner
            .try_lock()
            .map_err(|_| PyRuntimeError::new_err("the pager is busy fetching a page"))?;
        Ok(Pager::new(p.clone(), self.root))
    }

    /// True before the first page and while more pages remain.
    fn has_next_page(&self) -> PyResult<bool> {
        self.inner
            .try_lock()
            .map(|p| p.has_next_page())
            .map_err(|_| PyRuntimeError::new_err("the pager is busy fetching a page"))
    }
}
