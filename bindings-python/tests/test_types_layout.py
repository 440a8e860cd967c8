"""`openai_rs.types` as the official SDK lays it out, and the pydantic-style model methods."""

from __future__ import annotations

import importlib
import json
import pickle
import subprocess
import sys
import typing

import pytest

from conftest import MSG
from openai_rs import types


@pytest.fixture
def completion(client):
    return client.chat.completions.create(model="gpt-4o", messages=MSG)


# The imports of issue 14 and of the official README, each path with the class it must be.
OFFICIAL_PATHS = [
    ("openai_rs.types.chat", "ChatCompletion", types.ChatCompletion),
    ("openai_rs.types.chat", "ChatCompletionChunk", types.ChatCompletionChunk),
    ("openai_rs.types.chat", "ChatCompletionMessage", types.ChatCompletionMessage),
    ("openai_rs.types.chat", "ParsedChatCompletion", types.ParsedChatCompletion),
    ("openai_rs.types.chat", "ChatCompletionStoreMessage", types.ChatCompletionStoreMessage),
    (
        "openai_rs.types.chat.chat_completion_message_tool_call",
        "ChatCompletionMessageToolCall",
        types.ChatCompletionMessageToolCall,
    ),
    ("openai_rs.types.chat.chat_completion", "Choice", types.Choice),
    ("openai_rs.types.chat.chat_completion_chunk", "Choice", types.ChunkChoice),
    ("openai_rs.types.chat.chat_completion_chunk", "ChoiceDelta", types.ChoiceDelta),
    ("openai_rs.types.responses", "Response", types.Response),
    ("openai_rs.types.responses", "ResponseStreamEvent", types.ResponseStreamEvent),
    ("openai_rs.types.responses", "ResponseTextDeltaEvent", types.ResponseStreamEvent),
    ("openai_rs.types.responses", "ResponseOutputMessage", types.ResponseOutputItem),
    ("openai_rs.types.responses", "ResponseOutputText", types.ResponseOutputContent),
    ("openai_rs.types.responses", "ParsedResponse", types.ParsedResponse),
    ("openai_rs.types", "CreateEmbeddingResponse", types.CreateEmbeddingResponse),
    ("openai_rs.types.create_embedding_response", "Usage", types.EmbeddingUsage),
    ("openai_rs.types", "FileObject", types.FileObject),
    ("openai_rs.types", "Batch", types.Batch),
    ("openai_rs.types", "ImagesResponse", types.ImagesResponse),
    ("openai_rs.types", "Model", types.Model),
    ("openai_rs.types", "CompletionUsage", types.CompletionUsage),
    ("openai_rs.types.audio", "Transcription", types.Transcription),
]


@pytest.mark.parametrize(("module", "name", "cls"), OFFICIAL_PATHS)
def test_official_paths_are_the_classes_returned(module, name, cls):
    assert getattr(importlib.import_module(module), name) is cls


def test_request_params_are_typeddicts():
    from openai_rs.types.chat import (
        ChatCompletionMessageParam,
        ChatCompletionToolParam,
        ChatCompletionUserMessageParam,
    )
    from openai_rs.types.chat.completion_create_params import ResponseFormat

    msg = ChatCompletionUserMessageParam(role="user", content="hi")
    assert msg == {"role": "user", "content": "hi"} and type(msg) is dict
    assert typing.is_typeddict(ChatCompletionUserMessageParam)
    assert ChatCompletionUserMessageParam in typing.get_args(ChatCompletionMessageParam)
    assert typing.is_typeddict(ChatCompletionToolParam)
    assert ResponseFormat is not None
    from openai_rs.types import ChatModel, EmbeddingCreateParams
    from openai_rs.types.responses import ResponseInputParam

    assert "gpt-4o" in typing.get_args(ChatModel)
    assert typing.is_typeddict(EmbeddingCreateParams)
    assert ResponseInputParam is not None


def test_returned_objects_are_instances(client, completion):
    from openai_rs.types.chat import ChatCompletion
    from openai_rs.types.chat.chat_completion_message import ChatCompletionMessage

    assert isinstance(completion, ChatCompletion)
    assert isinstance(completion.choices[0].message, ChatCompletionMessage)
    from openai_rs.types import CreateEmbeddingResponse

    e = client.embeddings.create(model="text-embedding-3-small", input="hi")
    assert isinstance(e, CreateEmbeddingResponse)


def test_every_existing_name_still_imports():
    for name in types.__all__:
        assert getattr(types, name) is not None


def test_subpackages_load_lazily():
    code = (
        "import sys, openai_rs\n"
        "assert not any(m.startswith('openai_rs.types.') for m in sys.modules), 'eager'\n"
        "import openai_rs.types.chat\n"
        "assert 'openai_rs.types.chat.chat_completion' not in sys.modules\n"
        "from openai_rs.types.chat import ChatCompletion\n"
        "assert 'openai_rs.types.chat.chat_completion' in sys.modules\n"
        "assert 'openai_rs.types.responses' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_layout_is_the_generators():
    from conftest import REPO

    if not (REPO / "bindings-python" / "python" / "openai_rs" / "types").is_dir():
        # dist-test runs this suite against the installed wheel, from a copy without the
        # package's sources; the drift check belongs to the source tree (make py-test runs it).
        pytest.skip("the package sources are not here: testing an installed wheel")
    r = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "gen-types-layout.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr


# ------------------------------------------------------------------------------ model methods


def test_model_validate_round_trip(completion):
    again = types.ChatCompletion.model_validate(completion.model_dump())
    assert type(again) is types.ChatCompletion
    assert type(again.choices[0]) is types.Choice
    assert type(again.choices[0].message) is types.ChatCompletionMessage
    assert type(again.usage) is types.CompletionUsage
    assert again.choices[0].message.content == completion.choices[0].message.content
    assert again.model_dump() == completion.model_dump()
    from_json = types.ChatCompletion.model_validate_json(completion.model_dump_json())
    assert from_json == again
    # Unknown nested objects keep attribute access, as in a received answer.
    odd = types.ChatCompletion.model_validate({"id": "x", "extra": {"a": {"b": 1}}})
    assert odd.extra.a.b == 1
    with pytest.raises(TypeError, match="mapping"):
        types.ChatCompletion.model_validate(3)


def test_construct():
    m = types.ChatCompletionMessage.construct(role="assistant", content="hi")
    assert type(m) is types.ChatCompletionMessage and m.content == "hi"
    c = types.ChatCompletion.model_construct(
        id="x", choices=[{"index": 0, "message": {"role": "assistant", "content": "a"}}]
    )
    assert type(c.choices[0].message) is types.ChatCompletionMessage
    assert c.choices[0].message.content == "a"


def test_model_fields_and_fields_set(completion):
    fields = types.ChatCompletion.model_fields
    assert {"id", "choices", "created", "model", "usage", "service_tier"} <= set(fields)
    assert not any(f.startswith("_") for f in fields)
    assert "parsed" in types.ParsedChatCompletionMessage.model_fields
    assert "content" in types.ParsedChatCompletionMessage.model_fields  # inherited
    assert completion.model_fields == fields
    assert completion.model_fields_set == set(completion)
    msg = completion.choices[0].message
    assert "tool_calls" not in msg.model_fields_set
    msg.tool_calls = None
    assert "tool_calls" in msg.model_fields_set


def test_copy_and_model_copy(completion):
    for c in (completion.copy(), completion.model_copy()):
        assert type(c) is types.ChatCompletion and c == completion and c is not completion
        assert c._request_id == completion._request_id
        assert c.choices is completion.choices  # shallow
    deep = completion.model_copy(deep=True)
    assert deep == completion and deep.choices is not completion.choices
    updated = completion.model_copy(update={"model": "other"})
    assert updated.model == "other" and completion.model == "gpt-4o"
    assert "usage" not in completion.copy(exclude={"usage"})
    assert set(completion.copy(include={"id", "model"})) == {"id", "model"}


def test_model_dump_options(completion):
    full = completion.model_dump()
    sent = completion.model_dump(exclude_unset=True)
    assert sent == completion.to_dict() == json.loads(json.dumps(completion))
    assert full["service_tier"] is None and "service_tier" not in sent
    assert full["choices"][0]["message"]["audio"] is None
    assert completion.model_dump(by_alias=True) == full
    assert completion.model_dump(mode="json") == json.loads(completion.model_dump_json())
    assert set(completion.model_dump(include={"id", "model"})) == {"id", "model"}
    assert "choices" not in completion.model_dump(exclude={"choices"})
    assert None not in completion.model_dump(exclude_none=True).values()
    assert completion.to_dict(exclude_unset=False) == full


def test_multi_kind_objects_do_not_invent_fields(client):
    r = client.responses.create(model="gpt-4o-mini", input="hi")
    item = r.model_dump()["output"][0]
    assert item["type"] == "message" and "call_id" not in item and "arguments" not in item
    assert r.model_dump()["previous_response_id"] is None


def test_pickle_of_parsed_classes():
    c = types.ParsedChatCompletion.model_validate(
        {"id": "x", "choices": [{"message": {"content": "{}", "parsed": {"a": 1}}}]}
    )
    back = pickle.loads(pickle.dumps(c))
    assert type(back) is types.ParsedChatCompletion and back == c
    assert type(back.choices[0].message) is types.ParsedChatCompletionMessage
