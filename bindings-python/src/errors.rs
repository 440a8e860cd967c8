//! The one mapping from the core's `ErrorKind` to the exception classes of
//! `openai_rs/_exceptions.py`. The classes are plain Python (official names, hierarchy and
//! attributes); this module only picks the class and hands over the fields.

use openai_core::{Error, ErrorKind};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyTuple};

/// The exception class name (in `openai_rs._exceptions`) for a kind. Exhaustive on purpose: a
/// new kind in the core does not compile here until it is mapped.
pub(crate) fn class_name(kind: ErrorKind, status: Option<u16>) -> &'static str {
    match kind {
        ErrorKind::InvalidArgument => "InvalidArgumentError",
        ErrorKind::Config => "ClientConfigError",
        ErrorKind::Connection => "APIConnectionError",
        ErrorKind::Timeout => "APITimeoutError",
        ErrorKind::Cancelled => "RequestCancelledError",
        ErrorKind::BadRequest => "BadRequestError",
        ErrorKind::Authentication => "AuthenticationError",
        ErrorKind::PermissionDenied => "PermissionDeniedError",
        ErrorKind::NotFound => "NotFoundError",
        ErrorKind::Conflict => "ConflictError",
        ErrorKind::UnprocessableEntity => "UnprocessableEntityError",
        ErrorKind::RateLimited => "RateLimitError",
        ErrorKind::Server if status == Some(503) => "ServiceUnavailableError",
        ErrorKind::Server => "InternalServerError",
        ErrorKind::ApiStatus => "APIStatusError",
        ErrorKind::StreamEvent => "APIStreamError",
        ErrorKind::StreamTruncated => "APIStreamTruncatedError",
        ErrorKind::Decode => "APIResponseDecodeError",
        ErrorKind::NestedRuntime => "NestedRuntimeError",
        ErrorKind::ContextOverflow => "ContextWindowExceededError",
        ErrorKind::BudgetExceeded => "BudgetExceededError",
        ErrorKind::Internal => "InternalClientError",
    }
}

static FACTORY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The Python exception for a core error. The core already replaced the client's key in every
/// text of the error (a server may echo it back), so nothing is scrubbed here.
pub(crate) fn to_pyerr(py: Python<'_>, e: &Error) -> PyErr {
    match build(py, e) {
        Ok(err) => err,
        Err(err) => err,
    }
}

fn build(py: Python<'_>, e: &Error) -> PyResult<PyErr> {
    let factory = FACTORY.get_or_try_init(py, || -> PyResult<_> {
        Ok(py
            .import("openai_rs._exceptions")?
            .getattr("_from_native")?
            .unbind())
    })?;
    let body = e.body();
    let body_json = match &body {
        Some(b) if b.trim_start().starts_with(['{', '[']) => {
            crate::convert::json_to_py(py, b.as_bytes(), crate::convert::Root::Any).ok()
        }
        _ => None,
    };
    let headers = PyList::new(py, e.headers().iter().map(|(k, v)| (k, v)))?;
    let cause = std::error::Error::source(e).map(chain);
    let kw = PyDict::new(py);
    kw.set_item("kind", e.kind().name())?;
    kw.set_item("message", e.message())?;
    kw.set_item("status", e.status())?;
    kw.set_item("body_text", body)?;
    kw.set_item("body_json", body_json)?;
    kw.set_item("headers", headers)?;
    kw.set_item("request_id", e.request_id())?;
    kw.set_item("code", e.code())?;
    kw.set_item("param", e.param())?;
    kw.set_item("type", e.error_type())?;
    kw.set_item("retry_after", e.retry_after().map(|d| d.as_secs_f64()))?;
    kw.set_item("cause", cause)?;
    let name = class_name(e.kind(), e.status());
    let exc = factory.bind(py).call((name,), Some(&kw))?;
    Ok(PyErr::from_value(exc))
}

fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cur = s.source();
    }
    out
}

/// Every `ErrorKind` name, for the test that walks the mapping.
#[pyfunction]
pub(crate) fn _error_kinds() -> Vec<&'static str> {
    ErrorKind::ALL.iter().map(|k| k.name()).collect()
}

/// `(class name, exception instance)` the mapping produces for a kind (and optional status).
#[pyfunction]
#[pyo3(signature = (kind, status=None))]
pub(crate) fn _exception_class_for<'py>(
    py: Python<'py>,
    kind: &str,
    status: Option<u16>,
) -> PyResult<Bound<'py, PyTuple>> {
    let k = ErrorKind::ALL
        .iter()
        .copied()
        .find(|k| k.name() == kind)
        .ok_or_else(|| PyValueError::new_err(format!("unknown error kind {kind:?}")))?;
    let err = Error::new(k, format!("synthetic {kind} error"));
    let exc = to_pyerr(py, &err);
    PyTuple::new(
        py,
        [
            class_name(k, status).into_pyobject(py)?.into_any(),
            exc.into_value(py).into_bound(py).into_any(),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind has its own class (no silent fallback to a generic one); 503 is the only
    /// status-refined case. The pytest suite checks the classes themselves.
    #[test]
    fn every_kind_maps_to_a_distinct_class() {
        let mut names: Vec<_> = ErrorKind::ALL
            .iter()
            .map(|k| class_name(*k, None))
            .collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ErrorKind::ALL.len());
        assert_eq!(
            class_name(ErrorKind::Server, Some(503)),
            "ServiceUnavailableError"
        );
    }
}
