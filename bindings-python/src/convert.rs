//! JSON ↔ Python.
//!
//! Responses: the raw body bytes the core received are walked **once** by a serde visitor that
//! builds the Python objects directly (no intermediate `serde_json::Value`). Each JSON object
//! becomes an instance of the `dict` subclass the schema table names for its position
//! (`ChatCompletion`, `Choice`, `ChatCompletionMessage`, ...; `OpenAIObject` elsewhere). The table
//! is read once from the classes' `_schema` in `openai_rs/types.py`, the single source of truth
//! for field names.
//!
//! Requests: keyword arguments are turned into a `serde_json::Value` for the core's typed
//! request parsers; `NOT_GIVEN` / `omit` values are dropped.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// What to build at one position of a response.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Node {
    /// Anything; objects become the generic `OpenAIObject`.
    Any,
    /// An object of class `classes[i]`.
    Obj(u16),
    /// A list of objects of class `classes[i]`.
    List(u16),
}

/// The response types the endpoints return (names in `openai_rs.types`).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Root {
    ChatCompletion,
    ChatCompletionChunk,
    ImagesResponse,
    CreateEmbeddingResponse,
    Model,
    ModelsPage,
    ConversationReply,
    CallReport,
    ConversationUsage,
    /// Any other class of [`ROOT_NAMES`], by index (see [`Root::named`]).
    Named(u16),
    Any,
}

/// Every class a response can be built as. The first nine are the fixed [`Root`] variants, in
/// order; the rest are reached by name from the declarative resources of the Python package.
const ROOT_NAMES: [&str; 32] = [
    "ChatCompletion",
    "ChatCompletionChunk",
    "ImagesResponse",
    "CreateEmbeddingResponse",
    "Model",
    "ModelsPage",
    "ConversationReply",
    "CallReport",
    "ConversationUsage",
    "Response",
    "ResponseStreamEvent",
    "ResponseItem",
    "ResponseItemList",
    "ResponseDeleted",
    "InputTokensCount",
    "Page",
    "FileObject",
    "FileDeleted",
    "FileList",
    "Upload",
    "UploadPart",
    "Batch",
    "BatchList",
    "Transcription",
    "Translation",
    "ModerationCreateResponse",
    "Completion",
    "ChatCompletionDeleted",
    "ChatCompletionStoreMessage",
    "ChatCompletionList",
    "ChatCompletionStoreMessageList",
    "ModelDeleted",
];

impl Root {
    /// The root for a class name of `openai_rs.types`; an unknown name is a bug of the package.
    pub(crate) fn named(name: &str) -> PyResult<Root> {
        match ROOT_NAMES.iter().position(|n| *n == name) {
            Some(i) if i >= 9 => Ok(Root::Named(i as u16)),
            Some(i) => Ok(Root::named_fixed(i)),
            None => Err(PyValueError::new_err(format!(
                "no response class {name:?} in openai_rs.types"
            ))),
        }
    }

    fn named_fixed(i: usize) -> Root {
        [
            Root::ChatCompletion,
            Root::ChatCompletionChunk,
            Root::ImagesResponse,
            Root::CreateEmbeddingResponse,
            Root::Model,
            Root::ModelsPage,
            Root::ConversationReply,
            Root::CallReport,
            Root::ConversationUsage,
        ][i]
    }

    fn index(self) -> Option<usize> {
        Some(match self {
            Root::ChatCompletion => 0,
            Root::ChatCompletionChunk => 1,
            Root::ImagesResponse => 2,
            Root::CreateEmbeddingResponse => 3,
            Root::Model => 4,
            Root::ModelsPage => 5,
            Root::ConversationReply => 6,
            Root::CallReport => 7,
            Root::ConversationUsage => 8,
            Root::Named(i) => i as usize,
            Root::Any => return None,
        })
    }
}

struct Field {
    name: String,
    key: Py<PyString>,
    node: Node,
}

struct ClassInfo {
    cls: Py<PyType>,
    fields: Vec<Field>,
}

struct Table {
    /// `classes[0]` is the generic `OpenAIObject`.
    classes: Vec<ClassInfo>,
    roots: [u16; ROOT_NAMES.len()],
    sentinels: Vec<Py<PyType>>,
}

static TABLE: PyOnceLock<Table> = PyOnceLock::new();

fn table(py: Python<'_>) -> PyResult<&Table> {
    TABLE.get_or_try_init(py, || build_table(py))
}

fn build_table(py: Python<'_>) -> PyResult<Table> {
    let types = py.import("openai_rs.types")?;
    let generic = types.getattr("OpenAIObject")?.cast_into::<PyType>()?;
    let mut t = Table {
        classes: vec![ClassInfo {
            cls: generic.unbind(),
            fields: Vec::new(),
        }],
        roots: [0; ROOT_NAMES.len()],
        sentinels: Vec::new(),
    };
    for (i, name) in ROOT_NAMES.iter().enumerate() {
        let cls = types.getattr(*name)?.cast_into::<PyType>()?;
        t.roots[i] = class_index(&mut t, &cls)?;
    }
    for name in ["NotGiven", "Omit"] {
        t.sentinels
            .push(types.getattr(name)?.cast_into::<PyType>()?.unbind());
    }
    Ok(t)
}

/// Index of `cls` in the table, adding it (and, recursively, the classes of its fields).
fn class_index(t: &mut Table, cls: &Bound<'_, PyType>) -> PyResult<u16> {
    if let Some(i) = t.classes.iter().position(|c| c.cls.is(cls)) {
        return Ok(i as u16);
    }
    let index = t.classes.len() as u16;
    t.classes.push(ClassInfo {
        cls: cls.clone().unbind(),
        fields: Vec::new(),
    });
    let py = cls.py();
    let schema = cls.getattr("_schema")?.cast_into::<PyDict>()?;
    let mut fields = Vec::with_capacity(schema.len());
    for (name, spec) in schema.iter() {
        let name = name.cast_into::<PyString>()?;
        let (kind, child): (u8, Option<Bound<'_, PyType>>) = spec.extract()?;
        let node = match (kind, child) {
            (1, Some(c)) => Node::Obj(class_index(t, &c)?),
            (2, Some(c)) => Node::List(class_index(t, &c)?),
            _ => Node::Any,
        };
        fields.push(Field {
            name: name.to_str()?.to_owned(),
            key: PyString::intern(py, name.to_str()?).unbind(),
            node,
        });
    }
    t.classes[index as usize].fields = fields;
    Ok(index)
}

/// Builds the response object for `raw` (a JSON document the core already validated).
pub(crate) fn json_to_py<'py>(
    py: Python<'py>,
    raw: &[u8],
    root: Root,
) -> PyResult<Bound<'py, PyAny>> {
    let t = table(py)?;
    let node = match root.index() {
        Some(i) => Node::Obj(t.roots[i]),
        None => Node::Any,
    };
    let ctx = Ctx {
        py,
        t,
        err: RefCell::new(None),
    };
    let mut de = serde_json::Deserializer::from_slice(raw);
    let out = Seed { ctx: &ctx, node }
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|_| v));
    match out {
        Ok(v) => Ok(v),
        Err(e) => Err(ctx
            .err
            .take()
            .unwrap_or_else(|| PyValueError::new_err(format!("response is not valid JSON: {e}")))),
    }
}

struct Ctx<'a, 'py> {
    py: Python<'py>,
    t: &'a Table,
    err: RefCell<Option<PyErr>>,
}

impl Ctx<'_, '_> {
    fn fail<E: de::Error>(&self, e: PyErr) -> E {
        *self.err.borrow_mut() = Some(e);
        E::custom("python error")
    }
}

#[derive(Clone, Copy)]
struct Seed<'c, 'a, 'py> {
    ctx: &'c Ctx<'a, 'py>,
    node: Node,
}

impl<'de, 'py> DeserializeSeed<'de> for Seed<'_, '_, 'py> {
    type Value = Bound<'py, PyAny>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, 'py> Visitor<'de> for Seed<'_, '_, 'py> {
    type Value = Bound<'py, PyAny>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(PyBool::new(self.ctx.py, v).to_owned().into_any())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into_pyobject(self.ctx.py)
            .unwrap_or_else(|e| match e {})
            .into_any())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into_pyobject(self.ctx.py)
            .unwrap_or_else(|e| match e {})
            .into_any())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(PyFloat::new(self.ctx.py, v).into_any())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(PyString::new(self.ctx.py, v).into_any())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.ctx.py.None().into_bound(self.ctx.py))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.visit_unit()
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let item = match self.node {
            Node::List(c) => Node::Obj(c),
            _ => Node::Any,
        };
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(4));
        while let Some(v) = seq.next_element_seed(Seed {
            ctx: self.ctx,
            node: item,
        })? {
            items.push(v);
        }
        Ok(PyList::new(self.ctx.py, items)
            .map_err(|e| self.ctx.fail(e))?
            .into_any())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let ctx = self.ctx;
        let info = match self.node {
            Node::Obj(c) => &ctx.t.classes[c as usize],
            _ => &ctx.t.classes[0],
        };
        let obj = info
            .cls
            .bind(ctx.py)
            .call0()
            .map_err(|e| ctx.fail(e))?
            .cast_into::<PyDict>()
            .map_err(|e| ctx.fail(e.into()))?;
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let field = info.fields.iter().find(|f| f.name == key);
            let node = field.map_or(Node::Any, |f| f.node);
            let value = map.next_value_seed(Seed { ctx, node })?;
            let res = match field {
                Some(f) => obj.set_item(f.key.bind(ctx.py), value),
                None => obj.set_item(PyString::new(ctx.py, &key), value),
            };
            res.map_err(|e| ctx.fail(e))?;
        }
        Ok(obj.into_any())
    }
}

/// Map keys, borrowed from the input when they have no escapes.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

// ================================================================================================
// Python → JSON
// ================================================================================================

const MAX_DEPTH: usize = 200;

/// Converts a Python value (dict, list, tuple, str, int, float, bool, None, response objects,
/// or anything with `model_dump()` / `to_dict()`) to JSON. `NOT_GIVEN` / `omit` dict values are
/// dropped.
pub(crate) fn py_to_json(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    let t = table(obj.py())?;
    to_value(obj, t, 0)
}

/// A dict of keyword arguments to a JSON object.
pub(crate) fn kwargs_to_json(obj: &Bound<'_, PyDict>) -> PyResult<Value> {
    let t = table(obj.py())?;
    dict_to_value(obj, t, 0)
}

fn is_sentinel(v: &Bound<'_, PyAny>, t: &Table) -> bool {
    let ty = v.get_type();
    t.sentinels.iter().any(|s| s.is(&ty))
}

fn dict_to_value(d: &Bound<'_, PyDict>, t: &Table, depth: usize) -> PyResult<Value> {
    let mut map = serde_json::Map::with_capacity(d.len());
    for (k, v) in d.iter() {
        if is_sentinel(&v, t) {
            continue;
        }
        let key = match k.cast::<PyString>() {
            Ok(s) => s.to_str()?.to_owned(),
            Err(_) => {
                return Err(PyTypeError::new_err(format!(
                    "JSON object keys must be str, not {}",
                    k.get_type().name()?
                )));
            }
        };
        map.insert(key, to_value(&v, t, depth + 1)?);
    }
    Ok(Value::Object(map))
}

fn to_value(obj: &Bound<'_, PyAny>, t: &Table, depth: usize) -> PyResult<Value> {
    if depth > MAX_DEPTH {
        return Err(PyValueError::new_err(
            "value is nested too deeply to be sent as JSON",
        ));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_str()?.to_owned()));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        return dict_to_value(d, t, depth);
    }
    if let Ok(l) = obj.cast::<PyList>() {
        return l
            .iter()
            .map(|v| to_value(&v, t, depth + 1))
            .collect::<PyResult<Vec<_>>>()
            .map(Value::Array);
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.cast::<PyInt>().is_ok() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::from(u));
        }
        return Err(PyValueError::new_err(
            "integer is too large to be sent as JSON",
        ));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return serde_json::Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| PyValueError::new_err("NaN and infinity cannot be sent as JSON"));
    }
    if let Ok(tu) = obj.cast::<PyTuple>() {
        return tu
            .iter()
            .map(|v| to_value(&v, t, depth + 1))
            .collect::<PyResult<Vec<_>>>()
            .map(Value::Array);
    }
    for method in ["model_dump", "to_dict"] {
        if obj.hasattr(method)? {
            return to_value(&obj.call_method0(method)?, t, depth + 1);
        }
    }
    Err(PyTypeError::new_err(format!(
        "Object of type {} is not JSON serializable",
        obj.get_type().name()?
    )))
}

/// `dumps(obj, indent=None)`: JSON text of a response object (or any JSON-like value).
#[pyfunction]
#[pyo3(signature = (obj, indent=None))]
pub(crate) fn dumps(obj: &Bound<'_, PyAny>, indent: Option<usize>) -> PyResult<String> {
    use serde::Serialize;
    let v = py_to_json(obj)?;
    let out = match indent {
        None => serde_json::to_vec(&v),
        Some(n) => {
            let pad = vec![b' '; n];
            let mut buf = Vec::new();
            let fmt = serde_json::ser::PrettyFormatter::with_indent(&pad);
            let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
            v.serialize(&mut ser).map(|_| buf)
        }
    };
    let bytes = out.map_err(|e| PyValueError::new_err(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| PyValueError::new_err(e.to_string()))
}

#[cfg(test)]
mod root_tests {
    use super::*;

    /// The stream's fixed roots point at the classes they name, and every fixed variant is
    /// reachable by its name.
    #[test]
    fn named_roots() {
        assert!(matches!(
            Root::named("Response"),
            Ok(r) if r.index() == crate::stream::RESPONSE.index()
        ));
        assert_eq!(
            Root::named("ResponseStreamEvent")
                .ok()
                .and_then(Root::index),
            Some(10)
        );
        for (i, name) in ROOT_NAMES.iter().enumerate() {
            assert_eq!(Root::named(name).ok().and_then(Root::index), Some(i));
        }
        assert!(Root::named("NoSuchClass").is_err());
    }
}
