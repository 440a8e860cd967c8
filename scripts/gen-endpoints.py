#!/usr/bin/env python3
"""Generates core/src/endpoints/table.rs, the endpoint table, from tests/spec/openapi.yaml.

One row per operation of the spec: what the generic engine (core/src/endpoints/mod.rs) needs to
run it — method, path template, path and query parameters, body kind, answer kind, streaming
dialect and pagination form. `make surface-check` regenerates it and fails on drift, as
`make c-header-check` does for openai.h.

    python3 scripts/gen-endpoints.py [--check]
"""

from __future__ import annotations

import argparse
import pathlib
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
SPEC = ROOT / "tests" / "spec" / "openapi.yaml"
OUT = ROOT / "core" / "src" / "endpoints" / "table.rs"
METHODS = ("get", "post", "put", "patch", "delete")

# What the spec cannot say. The legacy text completions stream with `[DONE]` like chat, but the
# spec declares no event stream for them; every other event stream uses named events.
DONE_DIALECT = {"createChatCompletion", "createCompletion"}
EXTRA_STREAMS = {"createCompletion"}
BINARY_TYPES = ("application/octet-stream", "application/zip", "application/sdp", "audio/", "video/",
                "image/")


def load() -> dict:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC.open(encoding="utf-8") as f:
        return yaml.load(f, Loader=loader)  # noqa: S506 - a safe loader


def resolve(spec: dict, node: dict) -> dict:
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 32:
        kind, name = node["$ref"].split("/")[-2:]
        node = spec["components"][kind][name]
        seen += 1
    return node


def params(spec: dict, item: dict, op: dict, where: str) -> list[str]:
    out = []
    for p in list(item.get("parameters", [])) + list(op.get("parameters", [])):
        p = resolve(spec, p)
        if p.get("in") == where and p["name"] not in out:
            out.append(p["name"])
    return out


def body_kind(op: dict) -> str:
    content = op.get("requestBody", {}).get("content", {})
    json_ = "application/json" in content
    multi = "multipart/form-data" in content
    if json_ and multi:
        return "JsonOrMultipart"
    if multi:
        return "Multipart"
    if content:
        return "Json"
    return "None"


def success(op: dict) -> dict:
    codes = sorted(c for c in op.get("responses", {}) if str(c).startswith("2"))
    return op["responses"][codes[0]] if codes else {}


def answer_kind(spec: dict, op: dict) -> str:
    content = success(op).get("content", {})
    if not content:
        return "Empty"
    if "application/json" in content:
        schema = resolve(spec, content["application/json"].get("schema", {}))
        if schema.get("type") == "string":
            return "Binary"  # file contents the spec describes as a JSON string
        return "Json"
    if any(ct.startswith(BINARY_TYPES) for ct in content):
        return "Binary"
    return "Json"


def stream_kind(op: dict) -> str:
    oid = op["operationId"]
    content = success(op).get("content", {})
    if "text/event-stream" not in content and oid not in EXTRA_STREAMS:
        return "None"
    return "Done" if oid in DONE_DIALECT else "Events"


def page_kind(spec: dict, op: dict, query: list[str]) -> str:
    content = success(op).get("content", {})
    schema = resolve(spec, content.get("application/json", {}).get("schema", {}))
    props = set(schema.get("properties", {}))
    if "has_more" not in props:
        return "None"
    if "next_page" in props and "page" in query:
        return "PageNumber"
    if "next" in props and "after" in query:
        return "NextCursor"
    if "after" in query:
        return "After"
    return "None"


def rows(spec: dict) -> list[dict]:
    out = []
    for raw_path, item in spec["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            path, _, fixed = raw_path.partition("?")
            query = params(spec, item, op, "query")
            out.append(
                {
                    "id": op["operationId"],
                    "method": method.capitalize(),
                    "path": path,
                    "fixed_query": fixed,
                    "path_params": params(spec, item, op, "path"),
                    "query_params": query,
                    "body": body_kind(op),
                    "answer": answer_kind(spec, op),
                    "stream": stream_kind(op),
                    "page": page_kind(spec, op, query),
                    "group": (op.get("x-oaiMeta") or {}).get("group") or (op.get("tags") or [""])[0],
                    "deprecated": bool(op.get("deprecated", False)),
                }
            )
    out.sort(key=lambda r: r["id"])
    ids = [r["id"] for r in out]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        sys.exit(f"gen-endpoints: duplicate operationIds {sorted(dup)}")
    return out


def strs(items: list[str]) -> str:
    return "&[" + ", ".join(rust_str(s) for s in items) + "]"


def rust_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(spec: dict) -> str:
    version = spec.get("info", {}).get("version", "?")
    lines = [
        "// @generated by scripts/gen-endpoints.py from tests/spec/openapi.yaml"
        f" (info.version {version}). Do not edit:",
        "// change the generator or the spec and run `make surface`.",
        "",
        "use super::{AnswerKind, BodyKind, Endpoint, HttpMethod, PageKind, StreamKind};",
        "",
        "/// Every operation of the spec, sorted by operation id.",
        "#[rustfmt::skip]",
        "pub(super) static ENDPOINTS: &[Endpoint] = &[",
    ]
    for r in rows(spec):
        lines.append(
            f"    Endpoint {{ id: {rust_str(r['id'])}, method: HttpMethod::{r['method']}, "
            f"path: {rust_str(r['path'])}, fixed_query: {rust_str(r['fixed_query'])}, "
            f"path_params: {strs(r['path_params'])}, query_params: {strs(r['query_params'])}, "
            f"body: BodyKind::{r['body']}, answer: AnswerKind::{r['answer']}, "
            f"stream: StreamKind::{r['stream']}, page: PageKind::{r['page']}, "
            f"group: {rust_str(r['group'])}, deprecated: {'true' if r['deprecated'] else 'false'} }},"
        )
    lines += ["];", ""]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="fail if the committed table differs")
    args = ap.parse_args()
    text = render(load())
    if args.check:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            sys.exit(f"{OUT.relative_to(ROOT)} is out of date: run `make surface` and commit it")
        print(f"{OUT.relative_to(ROOT)}: no drift")
        return
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
