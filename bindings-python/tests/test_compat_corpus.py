"""The compatibility corpus (issue 14): the calls that code written for the official SDK makes
(taken from its README and examples), run against the mock, every answer checked against the
spec field by field.

For each call the spec operation is found from the request the client actually sent
(``with_raw_response.http_request``), not from a name written here, and then:

- the body as received validates against the operation's response schema (required fields,
  types, enums, nullability, ``anyOf``/``oneOf``/``allOf``), so the mock is held to the spec;
- the object the client returned is walked beside that body: every field the body carries is
  readable as an attribute (``resp.choices[0].message.content``; maps by key), equal to the
  body's value, and the object is an instance of the class the official layout names.

Stream chunks and events have no body of their own to hold them to, so their ``model_dump()``
is validated against the stream schema and walked the same way.
"""

from __future__ import annotations

import base64
import os
import re
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import openai_rs
from conftest import Mock
from openai_rs import types
from openai_rs.pagination import SyncCursorPage
from openai_rs.types import chat as chat_types
from openai_rs.types import responses as responses_types
from openai_rs.types.audio import Transcription, Translation
from openai_rs.types.uploads import UploadPart

yaml = pytest.importorskip("yaml")

SPEC = Path(__file__).resolve().parents[2] / "tests" / "spec" / "openapi.yaml"
if not SPEC.exists():
    pytest.skip("the spec is not in this tree", allow_module_level=True)


class Spec:
    def __init__(self, doc: dict) -> None:
        self.doc = doc
        self.schemas = doc["components"]["schemas"]
        # Literal templates win over parameterised ones (/files/{id} vs /files/list-like paths).
        self.routes = sorted(
            (
                (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", p) + "$"), p.count("{"), p)
                for p in doc["paths"]
            ),
            key=lambda r: r[1],
        )

    def resolve(self, schema: dict) -> dict:
        while "$ref" in schema:
            schema = self.schemas[schema["$ref"].rsplit("/", 1)[1]]
        return schema

    def operation(self, method: str, url: str) -> tuple[str, dict]:
        path = re.sub(r"^https?://[^/]+", "", url).split("?", 1)[0]
        path = path[len("/v1") :] if path.startswith("/v1/") else path
        for rx, _, template in self.routes:
            if rx.match(path) and method.lower() in self.doc["paths"][template]:
                return template, self.doc["paths"][template][method.lower()]
        raise AssertionError(f"{method} {path} is not an operation of the spec")

    def answer_schema(self, method: str, url: str, media: str = "application/json") -> dict:
        template, op = self.operation(method, url)
        for status in ("200", "201"):
            content = op["responses"].get(status, {}).get("content", {})
            if media in content:
                return content[media]["schema"]
        raise AssertionError(f"{method} {template} has no {media} answer in the spec")

    # ------------------------------------------------------------------ validation of JSON

    def errors(self, value: Any, schema: dict, at: str = "$", owner: str = "") -> list[str]:
        if "$ref" in schema:
            owner = schema["$ref"].rsplit("/", 1)[1]
        schema = self.resolve(schema)
        if value is None and (schema.get("nullable") or _allows(schema, "null")):
            return []
        out: list[str] = []
        for sub in schema.get("allOf", []):
            out += self.errors(value, sub, at, owner)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                branches = [self.errors(value, sub, at, owner) for sub in schema[key]]
                if all(branches):
                    # A tagged union: report the branch whose tag matched, not the shortest list.
                    tagged = [
                        b for b in branches if not any(e.startswith(f"{at}.type:") for e in b)
                    ]
                    best = min(tagged or branches, key=len)
                    out.append(f"{at}: matches no branch of {key}: {best[:3]}")
        if "const" in schema and value != schema["const"]:
            out.append(f"{at}: {value!r} is not the constant {schema['const']!r}")
        if "enum" in schema and value not in schema["enum"]:
            out.append(f"{at}: {value!r} is not one of {schema['enum']}")
        kinds = schema.get("type")
        if kinds is not None:
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if not any(_is(value, k) for k in kinds):
                return [*out, f"{at}: {type(value).__name__} where the spec says {kinds}"]
        if isinstance(value, dict):
            props = schema.get("properties", {})
            for name in schema.get("required", []):
                if name not in value and name in props:
                    out.append(f"{at}: required field {name!r} missing")
            for name, v in value.items():
                if v is None and (owner, name) in NULL_IN_PRACTICE:
                    continue
                if name in props:
                    out += self.errors(v, props[name], f"{at}.{name}")
                elif isinstance(schema.get("additionalProperties"), dict):
                    out += self.errors(v, schema["additionalProperties"], f"{at}[{name!r}]")
        if isinstance(value, list) and "items" in schema:
            for i, v in enumerate(value):
                out += self.errors(v, schema["items"], f"{at}[{i}]")
        return out

    def branch(self, value: Any, schema: dict) -> dict:
        """The schema that ``value`` validates against, with allOf merged and the union branch
        it took chosen, for walking an object beside its JSON."""
        schema = self.resolve(schema)
        merged: dict = {"properties": {}}
        for sub in schema.get("allOf", []):
            merged["properties"].update(self.branch(value, sub).get("properties", {}))
        for key in ("anyOf", "oneOf"):
            for sub in schema.get(key, []):
                if not self.errors(value, sub):
                    merged["properties"].update(self.branch(value, sub).get("properties", {}))
                    for k in ("items", "additionalProperties"):
                        if k in self.resolve(sub):
                            merged[k] = self.resolve(sub)[k]
                    break
        merged["properties"].update(schema.get("properties", {}))
        for k in ("items", "additionalProperties"):
            if k in schema:
                merged[k] = schema[k]
        return merged

    # ------------------------------------------------ the returned object beside the JSON

    def walk(self, obj: Any, value: Any, schema: dict, at: str = "$") -> list[str]:
        if value is None:
            return [] if obj is None else [f"{at}: {obj!r} where the body has null"]
        s = self.branch(value, schema)
        if isinstance(value, dict):
            props = s["properties"]
            out: list[str] = []
            for name, v in value.items():
                if props and name in props:
                    try:
                        got = getattr(obj, name)
                    except AttributeError:
                        out.append(f"{at}.{name}: not readable as an attribute")
                        continue
                    out += self.walk(got, v, props[name], f"{at}.{name}")
                else:
                    try:
                        got = obj[name]
                    except (KeyError, TypeError):
                        out.append(f"{at}[{name!r}]: not readable by key")
                        continue
                    sub = s.get("additionalProperties")
                    out += self.walk(
                        got, v, sub if isinstance(sub, dict) else {}, f"{at}[{name!r}]"
                    )
            return out
        if isinstance(value, list):
            if len(obj) != len(value):
                return [f"{at}: {len(obj)} items where the body has {len(value)}"]
            item = s.get("items", {})
            return [
                e for i, v in enumerate(value) for e in self.walk(obj[i], v, item, f"{at}[{i}]")
            ]
        if isinstance(value, str) and isinstance(obj, list):
            # Embeddings asked for as base64 (the default) come back to the caller as floats.
            floats = list(
                struct.unpack(f"<{len(base64.b64decode(value)) // 4}f", base64.b64decode(value))
            )
            return [] if obj == pytest.approx(floats) else [f"{at}: {obj!r} is not {floats!r}"]
        if isinstance(value, float) or isinstance(obj, float):
            return (
                []
                if obj == pytest.approx(value)
                else [f"{at}: {obj!r} where the body has {value!r}"]
            )
        return [] if obj == value else [f"{at}: {obj!r} where the body has {value!r}"]


# Fields the live API sends as null although the spec types them without null (the official
# SDK types them Optional). The mock sends them as the API does, so the client is tested on
# them; each is named with the schema that owns it, so a null anywhere else still fails.
NULL_IN_PRACTICE = {
    ("OpenAIFile", "expires_at"),
    ("OpenAIFile", "status_details"),
    ("ModelResponseProperties", "user"),
    ("Response", "usage"),  # response.created / in_progress events carry "usage": null
    # A batch's timestamps and files before it reaches them, and its errors when there are none.
    *(
        ("Batch", f)
        for f in (
            "errors",
            "output_file_id",
            "error_file_id",
            "in_progress_at",
            "finalizing_at",
            "completed_at",
            "failed_at",
            "expired_at",
            "cancelling_at",
            "cancelled_at",
        )
    ),
}


def _allows(schema: dict, kind: str) -> bool:
    t = schema.get("type")
    return t == kind or (isinstance(t, list) and kind in t)


def _is(value: Any, kind: str) -> bool:
    return {
        "object": isinstance(value, dict),
        "array": isinstance(value, list),
        "string": isinstance(value, str),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, (int, float)) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
        "null": value is None,
    }[kind]


@pytest.fixture(scope="module")
def spec() -> Spec:
    return Spec(
        yaml.load(
            SPEC.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        )
    )


def check(spec: Spec, raw: Any, cls: type) -> Any:
    """Hold one raw answer to the spec and its parsed object to the body; the object back."""
    body = raw.json()
    schema = spec.answer_schema(raw.http_request.method, str(raw.http_request.url))
    assert spec.errors(body, schema) == [], "the body does not match the spec"
    obj = raw.parse()
    assert isinstance(obj, cls), f"{type(obj).__name__} is not {cls.__name__}"
    assert spec.walk(obj, body, schema) == [], "the object does not carry the body"
    return obj


def check_dumped(spec: Spec, obj: Any, schema: dict, cls: type) -> None:
    assert isinstance(obj, cls), f"{type(obj).__name__} is not {cls.__name__}"
    # The fields as sent: the official model_dump() also lists unset fields as None.
    dumped = obj.model_dump(exclude_unset=True)
    assert spec.errors(dumped, schema) == [], f"{type(obj).__name__} does not match the spec"
    assert spec.walk(obj, dumped, schema) == []


MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "Say hello."},
]

# Each entry is what a user of the official SDK writes, with `with_raw_response.` inserted so
# the body as received is there to compare with; the class is the one their code names.
Call = Callable[[openai_rs.OpenAI, Path], Any]
CALLS: dict[str, tuple[Call, type]] = {
    "chat.completions.create": (
        lambda c, _: c.chat.completions.with_raw_response.create(
            model="gpt-4o-mini", messages=MESSAGES
        ),
        chat_types.ChatCompletion,
    ),
    "chat.completions.create with tools": (
        lambda c, _: c.chat.completions.with_raw_response.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "weather in Paris?"}],
            tools=[
                {
                    "type": "function",
                    "function": {
                        "name": "get_weather",
                        "parameters": {
                            "type": "object",
                            "properties": {"city": {"type": "string"}},
                        },
                    },
                }
            ],
        ),
        chat_types.ChatCompletion,
    ),
    "responses.create": (
        lambda c, _: c.responses.with_raw_response.create(model="gpt-4o-mini", input="Say hello."),
        responses_types.Response,
    ),
    "responses.create with instructions and messages": (
        lambda c, _: c.responses.with_raw_response.create(
            model="gpt-4o-mini",
            instructions="Talk like a pirate.",
            input=[{"role": "user", "content": [{"type": "input_text", "text": "hello"}]}],
        ),
        responses_types.Response,
    ),
    "embeddings.create": (
        lambda c, _: c.embeddings.with_raw_response.create(
            model="text-embedding-3-small", input=["a", "b"]
        ),
        types.CreateEmbeddingResponse,
    ),
    "embeddings.create float": (
        lambda c, _: c.embeddings.with_raw_response.create(
            model="text-embedding-3-small", input="a", encoding_format="float"
        ),
        types.CreateEmbeddingResponse,
    ),
    "images.generate": (
        lambda c, _: c.images.with_raw_response.generate(model="dall-e-3", prompt="a cat", n=1),
        types.ImagesResponse,
    ),
    "models.retrieve": (
        lambda c, _: c.models.with_raw_response.retrieve("gpt-4o-mini"),
        types.Model,
    ),
    "moderations.create": (
        lambda c, _: c.moderations.with_raw_response.create(input="some text"),
        types.ModerationCreateResponse,
    ),
    "completions.create": (
        lambda c, _: c.completions.with_raw_response.create(
            model="gpt-3.5-turbo-instruct", prompt="Say this is a test", max_tokens=7
        ),
        types.Completion,
    ),
    "files.create": (
        lambda c, tmp: c.files.with_raw_response.create(file=_jsonl(tmp), purpose="batch"),
        types.FileObject,
    ),
    "audio.transcriptions.create": (
        lambda c, tmp: c.audio.transcriptions.with_raw_response.create(
            model="whisper-1", file=_audio(tmp)
        ),
        Transcription,
    ),
    "audio.translations.create": (
        lambda c, tmp: c.audio.translations.with_raw_response.create(
            model="whisper-1", file=_audio(tmp)
        ),
        Translation,
    ),
    "uploads.create": (
        lambda c, _: c.uploads.with_raw_response.create(
            bytes=3, filename="in.jsonl", mime_type="text/jsonl", purpose="batch"
        ),
        types.Upload,
    ),
}


def _jsonl(tmp: Path) -> Path:
    p = tmp / "requests.jsonl"
    line = '{"custom_id": "r1", "method": "POST", "url": "/v1/chat/completions", "body": {}}\n'
    p.write_text(line, encoding="utf-8")
    return p


def _audio(tmp: Path) -> Path:
    p = tmp / "speech.mp3"
    p.write_bytes(b"ID3" + bytes(64))
    return p


@pytest.mark.parametrize("name", list(CALLS))
def test_the_answer_matches_the_spec_field_by_field(name, client, spec, tmp_path):
    call, cls = CALLS[name]
    check(spec, call(client, tmp_path), cls)


def test_the_files_and_batches_flow(client, spec, tmp_path):
    f = check(
        spec,
        client.files.with_raw_response.create(file=_jsonl(tmp_path), purpose="batch"),
        types.FileObject,
    )
    check(spec, client.files.with_raw_response.retrieve(f.id), types.FileObject)
    check(spec, client.files.with_raw_response.list(), SyncCursorPage)
    b = check(
        spec,
        client.batches.with_raw_response.create(
            input_file_id=f.id, endpoint="/v1/chat/completions", completion_window="24h"
        ),
        types.Batch,
    )
    check(spec, client.batches.with_raw_response.retrieve(b.id), types.Batch)
    check(spec, client.batches.with_raw_response.list(), SyncCursorPage)
    check(spec, client.batches.with_raw_response.cancel(b.id), types.Batch)
    check(spec, client.files.with_raw_response.delete(f.id), types.FileDeleted)


def test_the_uploads_flow(client, spec):
    up = check(
        spec,
        client.uploads.with_raw_response.create(
            bytes=3, filename="a.jsonl", mime_type="text/jsonl", purpose="batch"
        ),
        types.Upload,
    )
    part = check(
        spec, client.uploads.parts.with_raw_response.create(up.id, data=b"{}\n"), UploadPart
    )
    check(spec, client.uploads.with_raw_response.complete(up.id, part_ids=[part.id]), types.Upload)


def test_the_responses_flow(client, spec):
    r = check(
        spec,
        client.responses.with_raw_response.create(model="gpt-4o-mini", input="hi"),
        responses_types.Response,
    )
    check(spec, client.responses.with_raw_response.retrieve(r.id), responses_types.Response)
    check(spec, client.responses.input_items.with_raw_response.list(r.id), SyncCursorPage)


def test_models_list_and_every_page_item(client, spec):
    page = check(spec, client.models.with_raw_response.list(), types.ModelsPage)
    assert all(isinstance(m, types.Model) for m in page.data)
    assert [m.id for m in client.models.list()] == [m.id for m in page.data]


def test_chat_stream_chunks_match_the_stream_schema(client, spec):
    schema = spec.answer_schema("POST", "/v1/chat/completions", "text/event-stream")
    chunks = list(
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    )
    assert len(chunks) > 2
    for chunk in chunks:
        check_dumped(spec, chunk, schema, chat_types.ChatCompletionChunk)


def test_responses_stream_events_match_the_stream_schema(client, spec):
    schema = spec.answer_schema("POST", "/v1/responses", "text/event-stream")
    events = list(client.responses.create(model="gpt-4o-mini", input="Say hello.", stream=True))
    kinds = {e.type for e in events}
    assert {"response.created", "response.output_text.delta", "response.completed"} <= kinds
    for event in events:
        check_dumped(spec, event, schema, responses_types.ResponseStreamEvent)
    final = events[-1].response
    check_dumped(spec, final, spec.answer_schema("POST", "/v1/responses"), responses_types.Response)


def test_the_validator_can_fail(spec):
    """The checks above would pass vacuously if the validator accepted anything."""
    schema = spec.answer_schema("POST", "/v1/chat/completions")
    good = {
        "id": "c",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "logprobs": None,
                "message": {"role": "assistant", "content": "hi", "refusal": None},
            }
        ],
    }
    assert spec.errors(good, schema) == []
    bad = {**good, "created": "yesterday"}
    assert any("created" in e for e in spec.errors(bad, schema))
    wrong_enum = {**good, "choices": [{**good["choices"][0], "finish_reason": "bored"}]}
    assert any("finish_reason" in e for e in spec.errors(wrong_enum, schema))
    missing = {k: v for k, v in good.items() if k != "choices"}
    assert any("choices" in e for e in spec.errors(missing, schema))

    class Obj:
        def __init__(self, **kw: Any) -> None:
            self.__dict__.update(kw)

    obj = Obj(**{**good, "created": 2, "choices": []})
    assert spec.walk(obj, good, schema) != []


CORPUS = Path(__file__).parent / "typing_corpus"


@pytest.mark.parametrize("script", sorted(p.name for p in CORPUS.glob("*.py")))
def test_the_typing_corpus_runs_against_the_mock(script, tmp_path):
    """The scripts mypy and pyright check (make py-typecheck) also run, end to end, each on a
    mock of its own (they delete what they create, as real scripts do)."""
    mock = Mock()
    try:
        _run_corpus_script(script, mock.url, tmp_path)
    finally:
        mock.stop()


def _run_corpus_script(script: str, base_url: str, tmp_path: Path) -> None:
    for name in ("speech.mp3", "fr.mp3"):
        (tmp_path / name).write_bytes(b"ID3" + bytes(64))
    (tmp_path / "otter.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(32))
    lines = _jsonl(tmp_path).read_bytes()
    for name in ("train.jsonl", "input.jsonl", "data.jsonl"):
        (tmp_path / name).write_bytes(lines)
    env = {
        **os.environ,
        "OPENAI_API_KEY": "sk-corpus",
        "OPENAI_BASE_URL": base_url,
        "AZURE_OPENAI_ENDPOINT": base_url.rsplit("/v1", 1)[0],
        "AZURE_OPENAI_API_KEY": "az-key",
        "AZURE_TOKEN": "az-token",
        "OPENAI_API_VERSION": "2024-10-21",
    }
    r = subprocess.run(
        [sys.executable, str(CORPUS / script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr[-3000:]
