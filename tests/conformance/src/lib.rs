//! Spec conformance suite (issue 7): helpers shared by the `prepare-spec` binary and the tests.
//!
//! The official OpenAPI description (`tests/spec/openapi.yaml`) says `openapi: 3.1.0` but still
//! uses OpenAPI 3.0 keywords that a JSON Schema 2020-12 validator cannot compile: `nullable` and
//! boolean `exclusiveMinimum`/`exclusiveMaximum`. Prism's validator (AJV) then silently skips
//! request-body validation for the main endpoints. [`prepare`] rewrites them into their 3.1 /
//! 2020-12 equivalents, and can prefix every path with `/v1` so that a client whose base URL ends
//! in `/v1` is routed by a mock server serving the prepared copy.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// The vendored spec, `tests/spec/openapi.yaml`.
pub fn spec_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/openapi.yaml")
}

/// Reads a YAML (or JSON, a subset) OpenAPI document into JSON.
pub fn load_spec(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let J(v) = serde_yaml::from_str(&text)
        .map_err(|e| format!("{} is not valid YAML: {e}", path.display()))?;
    Ok(v)
}

/// YAML to JSON through a visitor of our own rather than `serde_json::Value`: the spec has
/// integers outside the 64-bit range (`seed.minimum: -9223372036854776000`), which serde_json
/// refuses but JSON Schema only compares, so they become floats, as in a JavaScript parser.
/// Non-string keys (`200:`) become strings.
struct J(Value);

impl<'de> serde::Deserialize<'de> for J {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JVisitor)
    }
}

struct JVisitor;

impl<'de> serde::de::Visitor<'de> for JVisitor {
    type Value = J;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<J, E> {
        Ok(J(Value::Bool(b)))
    }
    fn visit_i64<E>(self, i: i64) -> Result<J, E> {
        Ok(J(Value::from(i)))
    }
    fn visit_u64<E>(self, u: u64) -> Result<J, E> {
        Ok(J(Value::from(u)))
    }
    fn visit_i128<E>(self, i: i128) -> Result<J, E> {
        Ok(J(Value::from(i as f64)))
    }
    fn visit_u128<E>(self, u: u128) -> Result<J, E> {
        Ok(J(Value::from(u as f64)))
    }
    fn visit_f64<E: serde::de::Error>(self, f: f64) -> Result<J, E> {
        serde_json::Number::from_f64(f)
            .map(|n| J(Value::Number(n)))
            .ok_or_else(|| E::custom(format!("number {f} has no JSON form")))
    }
    fn visit_str<E>(self, s: &str) -> Result<J, E> {
        Ok(J(Value::String(s.to_owned())))
    }
    fn visit_string<E>(self, s: String) -> Result<J, E> {
        Ok(J(Value::String(s)))
    }
    fn visit_unit<E>(self) -> Result<J, E> {
        Ok(J(Value::Null))
    }
    fn visit_none<E>(self) -> Result<J, E> {
        Ok(J(Value::Null))
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<J, D::Error> {
        serde::Deserialize::deserialize(d)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<J, A::Error> {
        let mut out = Vec::new();
        while let Some(J(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(J(Value::Array(out)))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<J, A::Error> {
        let mut out = Map::new();
        while let Some((J(k), J(v))) = map.next_entry()? {
            let key = match k {
                Value::String(s) => s,
                other => other.to_string(),
            };
            out.insert(key, v);
        }
        Ok(J(Value::Object(out)))
    }
}

/// What [`prepare`] changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rewrites {
    /// `nullable: true` schemas turned into `anyOf: [schema, {type: null}]`.
    pub nullable: usize,
    /// `nullable: false` keywords dropped (they mean nothing).
    pub nullable_false: usize,
    /// Boolean `exclusiveMinimum`/`exclusiveMaximum` turned into the numeric form.
    pub exclusive_bounds: usize,
    /// Paths renamed with the prefix.
    pub paths: usize,
    /// `oneOf` unions turned into `anyOf` because their branches overlap (see
    /// [`OVERLAPPING_UNIONS`]).
    pub overlapping_unions: usize,
}

/// Unions the spec declares `oneOf` although inputs the API accepts match two branches: an input
/// message with a list of parts (`{"role": "user", "content": [...]}`, what the official SDKs
/// send) is both an `EasyInputMessage` and an `InputMessage` (`Item`), so a strict `oneOf`
/// refuses every such request. `anyOf` keeps every branch's checks (a wrong type still fails).
pub const OVERLAPPING_UNIONS: &[&str] = &["InputItem", "BetaInputItem"];

fn loosen_overlapping_unions(spec: &mut Value) -> usize {
    let mut n = 0;
    let Some(Value::Object(schemas)) = spec.pointer_mut("/components/schemas") else {
        return 0;
    };
    for name in OVERLAPPING_UNIONS {
        if let Some(Value::Object(schema)) = schemas.get_mut(*name)
            && let Some(branches) = schema.remove("oneOf")
        {
            schema.insert("anyOf".into(), branches);
            n += 1;
        }
    }
    n
}

/// Keys whose values are data (examples, enum members, defaults), never schemas: not rewritten.
const DATA_KEYS: &[&str] = &[
    "example",
    "examples",
    "enum",
    "const",
    "default",
    "x-oaiMeta",
];

/// Keywords that describe a schema rather than constrain it; kept on the outer `anyOf` wrapper so
/// documentation tools still see them.
const ANNOTATIONS: &[&str] = &[
    "title",
    "description",
    "default",
    "example",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
];

/// Rewrites the OpenAPI 3.0 keywords of `spec` into 3.1 form and, when `path_prefix` is not empty,
/// prefixes every path with it (`/v1`).
pub fn prepare(spec: &mut Value, path_prefix: &str) -> Rewrites {
    let mut r = Rewrites::default();
    rewrite(spec, &mut r);
    r.overlapping_unions = loosen_overlapping_unions(spec);
    r.paths = prefix_paths(spec, path_prefix);
    r
}

/// Prefixes every path with `path_prefix` (nothing else); the number of paths renamed.
pub fn prefix_paths(spec: &mut Value, path_prefix: &str) -> usize {
    let mut n = 0;
    if !path_prefix.is_empty()
        && let Some(Value::Object(paths)) = spec.get_mut("paths")
    {
        let old = std::mem::take(paths);
        for (k, v) in old {
            paths.insert(format!("{}{k}", path_prefix.trim_end_matches('/')), v);
            n += 1;
        }
    }
    n
}

fn rewrite(v: &mut Value, r: &mut Rewrites) {
    match v {
        Value::Array(items) => items.iter_mut().for_each(|i| rewrite(i, r)),
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                if !DATA_KEYS.contains(&k.as_str()) {
                    rewrite(child, r);
                }
            }
            for (bound, exclusive) in [
                ("minimum", "exclusiveMinimum"),
                ("maximum", "exclusiveMaximum"),
            ] {
                if let Some(Value::Bool(b)) = map.get(exclusive).cloned() {
                    map.remove(exclusive);
                    if b && let Some(n) = map.remove(bound) {
                        map.insert(exclusive.to_owned(), n);
                    }
                    r.exclusive_bounds += 1;
                }
            }
            match map.get("nullable") {
                Some(Value::Bool(true)) => {
                    map.remove("nullable");
                    let mut outer = Map::new();
                    for a in ANNOTATIONS {
                        if let Some(x) = map.remove(*a) {
                            outer.insert((*a).to_owned(), x);
                        }
                    }
                    let keys: Vec<String> = map
                        .keys()
                        .filter(|k| k.starts_with("x-"))
                        .cloned()
                        .collect();
                    for k in keys {
                        if let Some(x) = map.remove(&k) {
                            outer.insert(k, x);
                        }
                    }
                    let inner = Value::Object(std::mem::take(map));
                    let null = Value::Object(Map::from_iter([("type".into(), "null".into())]));
                    outer.insert("anyOf".into(), Value::Array(vec![inner, null]));
                    *map = outer;
                    r.nullable += 1;
                }
                Some(Value::Bool(false)) => {
                    map.remove("nullable");
                    r.nullable_false += 1;
                }
                _ => {}
            }
        }
        _ => {}
    }
}

/// Counts what a validator would choke on: `nullable` keywords and boolean exclusive bounds left
/// anywhere outside data values. Zero after [`prepare`].
pub fn leftover_30_keywords(v: &Value) -> usize {
    match v {
        Value::Array(items) => items.iter().map(leftover_30_keywords).sum(),
        Value::Object(map) => {
            let here = usize::from(matches!(map.get("nullable"), Some(Value::Bool(_))))
                + usize::from(matches!(map.get("exclusiveMinimum"), Some(Value::Bool(_))))
                + usize::from(matches!(map.get("exclusiveMaximum"), Some(Value::Bool(_))));
            here + map
                .iter()
                .filter(|(k, _)| !DATA_KEYS.contains(&k.as_str()))
                .map(|(_, c)| leftover_30_keywords(c))
                .sum::<usize>()
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn overlapping_input_item_union_becomes_any_of() {
        let mut spec = serde_json::json!({"components": {"schemas": {
            "InputItem": {"oneOf": [{"type": "object"}, {"type": "string"}]},
            "Other": {"oneOf": [{"type": "object"}]}
        }}});
        let r = prepare(&mut spec, "");
        assert_eq!(r.overlapping_unions, 1);
        let schemas = &spec["components"]["schemas"];
        assert_eq!(
            schemas["InputItem"]["anyOf"].as_array().map(Vec::len),
            Some(2)
        );
        assert!(schemas["InputItem"].get("oneOf").is_none());
        assert!(
            schemas["Other"]["oneOf"].is_array(),
            "only the listed unions change"
        );
    }

    #[test]
    fn nullable_becomes_any_of_null() {
        let mut v = json!({"components": {"schemas": {
            "A": {"type": "string", "nullable": true, "description": "d", "x-oaiTypeLabel": "s"},
            "B": {"$ref": "#/components/schemas/A", "nullable": true},
            "C": {"type": "object", "nullable": false, "properties": {"nullable": {"type": "string"}}},
            "D": {"type": "string", "example": {"nullable": true}}
        }}, "paths": {}});
        let r = prepare(&mut v, "");
        assert_eq!(r.nullable, 2);
        assert_eq!(r.nullable_false, 1);
        let s = &v["components"]["schemas"];
        assert_eq!(
            s["A"],
            json!({"description": "d", "x-oaiTypeLabel": "s",
                   "anyOf": [{"type": "string"}, {"type": "null"}]})
        );
        assert_eq!(
            s["B"],
            json!({"anyOf": [{"$ref": "#/components/schemas/A"}, {"type": "null"}]})
        );
        assert_eq!(
            s["C"],
            json!({"type": "object", "properties": {"nullable": {"type": "string"}}})
        );
        assert_eq!(
            s["D"]["example"],
            json!({"nullable": true}),
            "data is not rewritten"
        );
        assert_eq!(leftover_30_keywords(&v), 0);
    }

    #[test]
    fn boolean_exclusive_bounds_become_numeric() {
        let mut v = json!({"paths": {"/a": {}, "/b/{id}": {}}, "x": [
            {"type": "number", "minimum": 0, "exclusiveMinimum": true},
            {"type": "number", "maximum": 2, "exclusiveMaximum": false},
            {"type": "number", "exclusiveMinimum": 1}
        ]});
        let r = prepare(&mut v, "/v1");
        assert_eq!(r.exclusive_bounds, 2);
        assert_eq!(r.paths, 2);
        assert_eq!(v["x"][0], json!({"type": "number", "exclusiveMinimum": 0}));
        assert_eq!(v["x"][1], json!({"type": "number", "maximum": 2}));
        assert_eq!(v["x"][2], json!({"type": "number", "exclusiveMinimum": 1}));
        let keys: Vec<&String> = v["paths"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["/v1/a", "/v1/b/{id}"]);
    }
}
