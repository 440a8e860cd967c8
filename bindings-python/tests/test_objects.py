"""Response objects: attribute and item access in any mix, dumps, repr, equality, pickle."""

from __future__ import annotations

import copy
import json
import pickle

import pytest

import openai_rs
from conftest import MSG
from openai_rs import types


@pytest.fixture
def completion(client):
    return client.chat.completions.create(model="gpt-4o", messages=MSG)


def test_attribute_and_item_access_mix(completion):
    assert completion.choices[0].message.content == "You said: Hello!"
    assert completion["choices"][0]["message"]["content"] == "You said: Hello!"
    assert completion["choices"][0].message["content"] == "You said: Hello!"
    assert completion.choices[0]["message"].content == "You said: Hello!"
    msg = completion.choices[0].message
    assert msg.get("content") == "You said: Hello!"
    assert msg.get("nope", 42) == 42
    assert "content" in msg and "nope" not in msg
    assert set(msg.keys()) >= {"role", "content"}
    assert dict(msg)["role"] == "assistant"
    assert completion.choices[0].finish_reason == "stop"


def test_classes_per_position(completion):
    assert type(completion) is types.ChatCompletion
    assert type(completion.choices[0]) is types.Choice
    assert type(completion.choices[0].message) is types.ChatCompletionMessage
    assert type(completion.usage) is types.CompletionUsage
    assert isinstance(completion, dict) and isinstance(completion, types.OpenAIObject)


def test_usage_and_request_id(completion):
    u = completion.usage
    assert u.total_tokens == u.prompt_tokens + u.completion_tokens > 0
    assert u["total_tokens"] == u.total_tokens
    assert completion._request_id and completion._request_id.startswith("req_")
    # nested objects have no request id of their own
    assert completion.choices[0]._request_id is None


def test_known_absent_field_is_none_unknown_is_attribute_error(completion):
    msg = completion.choices[0].message
    assert "tool_calls" not in msg
    assert msg.tool_calls is None
    assert msg.function_call is None
    with pytest.raises(AttributeError):
        _ = msg.definitely_not_a_field
    with pytest.raises(KeyError):
        _ = msg["tool_calls"]


def test_unknown_fields_reachable():
    obj = types.ChatCompletion({"id": "x", "x_extra_field": {"a": 1}})
    assert obj.x_extra_field == {"a": 1}
    assert obj["x_extra_field"]["a"] == 1


def test_unknown_nested_objects_get_attribute_access(client):
    r = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "weather?"}],
        tools=[
            {
                "type": "function",
                "function": {"name": "get_weather", "parameters": {"type": "object"}},
            }
        ],
    )
    call = r.choices[0].message.tool_calls[0]
    assert type(call) is types.ChatCompletionMessageToolCall
    assert call.function.name == "get_weather"
    assert call["function"]["name"] == "get_weather"
    json.loads(call.function.arguments)
    assert r.choices[0].finish_reason == "tool_calls"


def test_dumps(completion):
    d = completion.to_dict()
    assert type(d) is dict and type(d["choices"][0]) is dict
    assert type(d["choices"][0]["message"]) is dict
    # pydantic's model_dump: the fields the server left out as None, unless exclude_unset.
    assert completion.model_dump(exclude_unset=True) == d
    full = completion.model_dump()
    assert full["choices"][0]["message"]["tool_calls"] is None
    assert "tool_calls" not in d["choices"][0]["message"]
    assert json.loads(completion.to_json()) == d
    assert "\n" in completion.to_json()  # indent=2 by default, like the official to_json
    assert "\n" not in completion.model_dump_json()
    assert json.loads(completion.model_dump_json()) == full
    assert json.loads(completion.model_dump_json(exclude_unset=True)) == d
    assert json.loads(json.dumps(completion)) == d  # a dict subclass: json.dumps just works
    assert "refusal" not in completion.choices[0].message.to_dict(exclude_none=True)


def test_repr_is_readable(completion):
    r = repr(completion)
    assert r.startswith("ChatCompletion(id=")
    assert "Choice(" in r and "ChatCompletionMessage(" in r and "'You said: Hello!'" in r


def test_equality(client, completion):
    again = client.chat.completions.create(model="gpt-4o", messages=MSG)
    assert completion.choices[0].message == again.choices[0].message
    assert completion.choices[0].message == {k: v for k, v in again.choices[0].message.items()}
    assert completion["id"] != again["id"]  # the mock numbers its completions
    assert completion != again
    assert completion == json.loads(json.dumps(completion))  # equal content compares equal


def test_pickle_and_copy_round_trip(completion):
    for obj in (
        pickle.loads(pickle.dumps(completion)),
        copy.deepcopy(completion),
        copy.copy(completion),
    ):
        assert obj == completion
        assert type(obj) is types.ChatCompletion
        assert type(obj.choices[0].message) is types.ChatCompletionMessage
        assert obj._request_id == completion._request_id


def test_mutation_by_attribute_and_item():
    m = types.ChatCompletionMessage({"role": "assistant", "content": "a"})
    m.content = "b"
    assert m["content"] == "b"
    m["content"] = "c"
    assert m.content == "c"
    del m.content
    assert m.content is None and "content" not in m


def test_message_object_can_be_sent_back_as_history(client, completion):
    history = [*MSG, completion.choices[0].message, {"role": "user", "content": "again"}]
    r = client.chat.completions.create(model="gpt-4o", messages=history)
    assert r.choices[0].message.content == "You said: again"


def test_models_page_iterates_models(client):
    page = client.models.list()
    ids = [m.id for m in page]
    assert "gpt-4o" in ids
    assert page.data[0].id == ids[0] and page["data"][0]["id"] == ids[0]
    assert type(page.data[0]) is types.Model
    m = client.models.retrieve("gpt-4o")
    assert m.id == "gpt-4o" and m.owned_by and m._request_id


def test_images_and_embeddings(client):
    img = client.images.generate(model="dall-e-3", prompt="a cat", n=1, size="1024x1024")
    assert img.data[0].url.startswith("https://")
    b64 = client.images.generate(prompt="a cat", response_format="b64_json")
    assert b64.data[0].b64_json and b64.data[0].url is None
    emb = client.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
    assert type(emb) is types.CreateEmbeddingResponse
    assert len(emb.data) == 2 and all(isinstance(x, float) for x in emb.data[0].embedding)
    assert emb.usage.prompt_tokens > 0
    emb64 = client.embeddings.create(
        model="text-embedding-3-small", input="a", encoding_format="base64"
    )
    assert isinstance(emb64.data[0].embedding, str)


def test_not_given_and_omit_are_not_sent(client, mock, test_id):
    client.chat.completions.create(
        model="gpt-4o",
        messages=MSG,
        temperature=openai_rs.NOT_GIVEN,
        top_p=openai_rs.omit,
        extra_headers={"x-test-id": test_id},
    )
    body = json.loads(mock.journal(test_id)[0]["body"])
    assert "temperature" not in body and "top_p" not in body
