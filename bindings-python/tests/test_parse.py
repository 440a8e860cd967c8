"""Structured outputs: ``chat.completions.parse``, ``responses.parse``, ``pydantic_function_tool``.

The schema a request carries is compared, as sent (the journal keeps the body's text, so key
order counts too), with what the official SDK's own functions build for the same type; the
official ``openai`` package is a test dependency for exactly this. The mock's ``verbatim`` knob
makes the reply the user text, so each test chooses the JSON the client has to parse.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import subprocess
import sys
from typing import Literal

import pydantic
import pytest
from openai.lib._parsing._completions import type_to_response_format_param as official_rf
from openai.lib._parsing._responses import type_to_text_format_param as official_text_format
from openai.lib._pydantic import to_strict_json_schema as official_strict
from openai.lib._tools import pydantic_function_tool as official_tool
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

import openai_rs
from conftest import fault
from openai_rs import types
from openai_rs._parsing import to_strict_json_schema

MODEL = "gpt-4o-mini"


class Color(str, enum.Enum):
    RED = "red"
    GREEN = "green"


class Address(BaseModel):
    street: str
    city: str = Field(description="The city")


class Cat(BaseModel):
    kind: Literal["cat"]
    lives: int


class Dog(BaseModel):
    kind: Literal["dog"]
    good: bool


class Person(BaseModel):
    """A person."""

    name: str
    age: int | None = None
    color: Color
    tags: list[str]
    home: Address
    work: Address | None = None
    office: Address = Field(description="Where they work")  # a $ref with a sibling key
    pet: Cat | Dog
    scores: dict[str, float] = Field(default_factory=dict)


class Node(BaseModel):
    value: int
    children: list[Node]


@pydantic.dataclasses.dataclass
class PydanticPoint:
    x: float
    y: float


@dataclasses.dataclass
class Point:
    x: float
    y: float
    label: str | None = None


class Movie(TypedDict):
    title: str
    year: int


PERSON = {
    "name": "Ada",
    "age": None,
    "color": "green",
    "tags": ["math"],
    "home": {"street": "1 Main", "city": "London"},
    "work": None,
    "office": {"street": "2 Side", "city": "Paris"},
    "pet": {"kind": "dog", "good": True},
    "scores": {},
}
NODE = {"value": 1, "children": [{"value": 2, "children": []}]}


def sent(mock, test_id: str, index: int = -1) -> dict:
    return json.loads(mock.journal(test_id)[index]["body"])


def parse(client, test_id: str, text: str, response_format, **kw):
    return client.chat.completions.parse(
        model=MODEL,
        messages=[{"role": "user", "content": text}],
        response_format=response_format,
        extra_headers=fault(test_id, "verbatim"),
        **kw,
    )


@pytest.mark.parametrize(
    ("model", "instance"),
    [
        (Person, PERSON),
        (Node, NODE),
        (Address, {"street": "s", "city": "c"}),
        (PydanticPoint, {"x": 1.5, "y": 2}),
    ],
)
def test_schema_sent_is_the_official_one(client, mock, test_id, model, instance):
    completion = parse(client, test_id, json.dumps(instance), model)
    body = mock.journal(test_id)[0]["body"]
    expected = official_rf(model)
    # As sent, key order included.
    got = json.loads(body)["response_format"]
    assert json.dumps(got) == json.dumps(expected)
    assert got["json_schema"]["strict"] is True and got["json_schema"]["name"] == model.__name__

    message = completion.choices[0].message
    assert isinstance(completion, types.ParsedChatCompletion)
    assert isinstance(completion, types.ChatCompletion)
    assert isinstance(message.parsed, model)
    assert message["parsed"] is message.parsed
    assert pydantic.TypeAdapter(model).dump_python(message.parsed, mode="json") == json.loads(
        json.dumps(instance)
    )
    assert completion.choices[0].finish_reason == "stop"
    assert completion._request_id and completion._request_id.startswith("req_")


def test_strict_schema_rules():
    from openai_rs.lib._pydantic import to_strict_json_schema as at_official_path

    assert at_official_path is to_strict_json_schema
    s = to_strict_json_schema(Person)
    assert s == official_strict(Person)
    assert s["additionalProperties"] is False
    assert s["required"] == list(Person.model_fields)
    office = s["properties"]["office"]
    assert "$ref" not in office and office["description"] == "Where they work"
    assert office["additionalProperties"] is False and office["required"] == ["street", "city"]
    assert "default" not in s["properties"]["age"]
    assert s["$defs"]["Address"]["additionalProperties"] is False
    node = to_strict_json_schema(Node)
    assert node["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}
    assert json.dumps(node) == json.dumps(official_strict(Node))


@pytest.mark.parametrize(("tp", "text"), [(Point, '{"x": 1, "y": 2, "label": null}')])
def test_stdlib_dataclass(client, mock, test_id, tp, text):
    completion = parse(client, test_id, text, tp)
    schema = official_strict(pydantic.TypeAdapter(tp))
    rf = sent(mock, test_id)["response_format"]
    assert rf["json_schema"]["name"] == "Point"
    assert json.dumps(rf["json_schema"]["schema"]) == json.dumps(schema)
    assert completion.choices[0].message.parsed == Point(1.0, 2.0)


def test_typeddict(client, mock, test_id):
    completion = parse(client, test_id, '{"title": "Up", "year": 2009}', Movie)
    rf = sent(mock, test_id)["response_format"]
    assert rf["json_schema"]["schema"] == official_strict(pydantic.TypeAdapter(Movie))
    assert rf["json_schema"]["name"] == "Movie"
    assert completion.choices[0].message.parsed == {"title": "Up", "year": 2009}


def test_invalid_content_is_a_validation_error(client, test_id):
    with pytest.raises(pydantic.ValidationError):
        parse(client, test_id, '{"street": 1}', Address)


def test_unsupported_type(client, test_id):
    with pytest.raises(TypeError, match="Unsupported response_format"):
        parse(client, test_id, "{}", int)


def test_dict_response_format_passes_through(client, mock, test_id):
    rf = {"type": "json_object"}
    completion = parse(client, test_id, '{"a": 1}', rf)
    assert sent(mock, test_id)["response_format"] == rf
    assert completion.choices[0].message.parsed is None


def test_length_and_content_filter(client, test_id):
    with pytest.raises(openai_rs.LengthFinishReasonError) as e:
        client.chat.completions.parse(
            model=MODEL,
            messages=[{"role": "user", "content": "one two three four five"}],
            response_format=Address,
            max_tokens=2,
        )
    assert e.value.completion.choices[0].finish_reason == "length"
    assert "length limit" in str(e.value) and "completion_tokens" in str(e.value)
    with pytest.raises(openai_rs.ContentFilterFinishReasonError) as e2:
        client.chat.completions.parse(
            model=MODEL,
            messages=[{"role": "user", "content": "hi"}],
            response_format=Address,
            extra_headers=fault(test_id, "finish-reason=content_filter"),
        )
    assert e2.value.completion.choices[0].finish_reason == "content_filter"
    assert isinstance(e2.value, openai_rs.OpenAIError)


def test_tools(client, mock, test_id):
    tool = openai_rs.pydantic_function_tool(Person)
    assert json.dumps(tool) == json.dumps(official_tool(Person))
    named = openai_rs.pydantic_function_tool(Address, name="where", description="d")
    assert json.dumps(named) == json.dumps(official_tool(Address, name="where", description="d"))
    assert "description" not in openai_rs.pydantic_function_tool(Address)["function"]

    completion = client.chat.completions.parse(
        model=MODEL,
        messages=[{"role": "user", "content": json.dumps(PERSON)}],
        tools=[tool],
        extra_headers=fault(test_id, "verbatim"),
    )
    body = sent(mock, test_id)
    assert json.dumps(body["tools"]) == json.dumps([official_tool(Person)])
    assert "response_format" not in body
    call = completion.choices[0].message.tool_calls[0]
    assert isinstance(call, types.ParsedFunctionToolCall)
    assert isinstance(call.function.parsed_arguments, Person)
    assert call.function.parsed_arguments.pet == Dog(kind="dog", good=True)
    assert completion.choices[0].message.parsed is None


def test_plain_strict_tool_gives_json(client, test_id):
    tool = {
        "type": "function",
        "function": {
            "name": "f",
            "strict": True,
            "parameters": {"type": "object", "properties": {}, "additionalProperties": False},
        },
    }
    completion = client.chat.completions.parse(
        model=MODEL,
        messages=[{"role": "user", "content": '{"a": [1, 2]}'}],
        tools=[tool],
        extra_headers=fault(test_id, "verbatim"),
    )
    assert completion.choices[0].message.tool_calls[0].function.parsed_arguments == {"a": [1, 2]}
    with pytest.raises(ValueError, match="not strict"):
        client.chat.completions.parse(
            model=MODEL,
            messages=[{"role": "user", "content": "hi"}],
            tools=[{"type": "function", "function": {"name": "loose"}}],
        )


async def test_async_chat_parse(aclient, mock, test_id):
    completion = await aclient.chat.completions.parse(
        model=MODEL,
        messages=[{"role": "user", "content": json.dumps(NODE)}],
        response_format=Node,
        extra_headers=fault(test_id, "verbatim"),
    )
    assert completion.choices[0].message.parsed == Node.model_validate(NODE)
    with pytest.raises(openai_rs.ContentFilterFinishReasonError):
        await aclient.chat.completions.parse(
            model=MODEL,
            messages=[{"role": "user", "content": "hi"}],
            response_format=Node,
            extra_headers=fault(test_id, "finish-reason=content_filter"),
        )


def test_raw_response_parse(client, test_id):
    raw = client.chat.completions.with_raw_response.parse(
        model=MODEL,
        messages=[{"role": "user", "content": '{"street": "a", "city": "b"}'}],
        response_format=Address,
        extra_headers=fault(test_id, "verbatim"),
    )
    assert raw.status_code == 200
    assert raw.parse().choices[0].message.parsed == Address(street="a", city="b")


def test_parsed_completion_dumps(client, test_id):
    completion = parse(client, test_id, '{"street": "a", "city": "b"}', Address)
    dumped = completion.model_dump()
    assert dumped["choices"][0]["message"]["parsed"] == {"street": "a", "city": "b"}
    assert json.loads(completion.model_dump_json())["choices"][0]["message"]["parsed"] == {
        "street": "a",
        "city": "b",
    }


# ------------------------------------------------------------------------------------ responses


class Event(BaseModel):
    name: str
    attendees: list[str]
    count: int
    public: bool
    size: Literal["small", "large"]


def test_responses_parse(client, mock, test_id):
    r = client.responses.parse(
        model=MODEL,
        input="Alice and Bob meet",
        text_format=Event,
        extra_headers={"x-test-id": test_id},
    )
    text = sent(mock, test_id)["text"]
    assert json.dumps(text) == json.dumps({"format": official_text_format(Event)})
    assert isinstance(r, types.ParsedResponse) and isinstance(r, types.Response)
    # The mock fills the schema: strings with its echo, numbers 0, arrays empty, enums first.
    assert r.output_parsed == Event(
        name="You said: Alice and Bob meet", attendees=[], count=0, public=True, size="small"
    )
    part = r.output[0].content[0]
    assert isinstance(part, types.ParsedResponseOutputText) and part.parsed is r.output_parsed
    with pytest.raises(TypeError, match=r"text\.format with text_format"):
        client.responses.parse(
            model=MODEL, input="x", text_format=Event, text={"format": {"type": "text"}}
        )


class Lookup(BaseModel):
    """Looks a word up."""

    input: str


def test_responses_parse_tools(client, mock, test_id):
    r = client.responses.parse(
        model=MODEL,
        input="kiwi",
        tools=[openai_rs.pydantic_function_tool(Lookup)],
        extra_headers={"x-test-id": test_id},
    )
    tool = sent(mock, test_id)["tools"][0]
    assert tool == {
        "type": "function",
        "name": "Lookup",
        "description": "Looks a word up.",
        "parameters": official_strict(Lookup),
        "strict": True,
    }
    call = r.output[0]
    assert isinstance(call, types.ParsedResponseFunctionToolCall)
    assert call.parsed_arguments == Lookup(input="kiwi")
    assert r.output_parsed is None


async def test_async_responses_parse(aclient):
    r = await aclient.responses.parse(model=MODEL, input="hey", text_format=Event)
    assert isinstance(r.output_parsed, Event) and r.output_parsed.name == "You said: hey"


# ------------------------------------------------------------------------------------ laziness


def test_import_does_not_load_pydantic():
    code = (
        "import sys, openai_rs\n"
        "from openai_rs.types import ChatCompletion, ParsedChatCompletion\n"
        "from openai_rs.types.chat import ChatCompletionMessageParam, ParsedChatCompletion\n"
        "from openai_rs.types.responses import Response, ResponseInputParam\n"
        "openai_rs.OpenAI(api_key='k').chat.completions.parse\n"
        "assert 'pydantic' not in sys.modules, 'pydantic imported'\n"
        "assert 'openai_rs._parsing' not in sys.modules\n"
        "openai_rs.pydantic_function_tool\n"
        "assert 'openai_rs._parsing' in sys.modules and 'pydantic' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------------------- chat stream helper


def test_stream_events_and_final_completion(client, mock, test_id):
    text = json.dumps({"street": "1 Main", "city": "Oslo"})
    with client.chat.completions.stream(
        model=MODEL,
        messages=[{"role": "user", "content": text}],
        response_format=Address,
        extra_headers=fault(test_id, "verbatim"),
    ) as stream:
        events = list(stream)
        final = stream.get_final_completion()
    body = sent(mock, test_id)
    assert body["stream"] is True
    assert json.dumps(body["response_format"]) == json.dumps(official_rf(Address))
    kinds = [e.type for e in events]
    assert kinds[0] == "chunk" and kinds[-1] == "content.done"
    assert set(kinds) == {"chunk", "content.delta", "content.done"}
    deltas = [e for e in events if e.type == "content.delta"]
    assert "".join(e.delta for e in deltas) == text
    assert all(e.snapshot == text[: len(e.snapshot)] for e in deltas)
    assert deltas[-1].snapshot == text and deltas[-1].parsed == {"street": "1 Main", "city": "Oslo"}
    assert events[-1].parsed == Address(street="1 Main", city="Oslo")
    assert events[-1].content == text
    chunks = [e for e in events if e.type == "chunk"]
    assert all(isinstance(e.chunk, types.ChatCompletionChunk) for e in chunks)
    from openai_rs.lib.streaming.chat import ContentDeltaEvent, ContentDoneEvent

    assert isinstance(deltas[0], ContentDeltaEvent) and isinstance(events[-1], ContentDoneEvent)
    assert isinstance(final, types.ParsedChatCompletion)
    assert final.choices[0].message.parsed == Address(street="1 Main", city="Oslo")
    assert stream.current_completion_snapshot.choices[0].message.content == text


def test_stream_tool_call_events(client, test_id):
    with client.chat.completions.stream(
        model=MODEL,
        messages=[{"role": "user", "content": '{"input": "kiwi"}'}],
        tools=[openai_rs.pydantic_function_tool(Lookup)],
        extra_headers=fault(test_id, "verbatim"),
    ) as stream:
        events = [e for e in stream if e.type != "chunk"]
        snapshot = stream.current_completion_snapshot
    kinds = {e.type for e in events}
    assert kinds == {"tool_calls.function.arguments.delta", "tool_calls.function.arguments.done"}
    done = events[-1]
    assert done.type == "tool_calls.function.arguments.done"
    assert done.name == "Lookup" and done.index == 0 and done.arguments == '{"input": "kiwi"}'
    assert done.parsed_arguments == Lookup(input="kiwi")
    deltas = events[:-1]
    assert "".join(e.arguments_delta for e in deltas) == done.arguments
    assert deltas[-1].parsed_arguments == {"input": "kiwi"}  # partial JSON while streaming
    call = snapshot.choices[0].message.tool_calls[0]
    assert call.function.name == "Lookup"
    assert call.function.parsed_arguments == done.parsed_arguments


def test_stream_finish_reason_errors(client, test_id):
    with (
        pytest.raises(openai_rs.LengthFinishReasonError),
        client.chat.completions.stream(
            model=MODEL,
            messages=[{"role": "user", "content": "one two three four"}],
            response_format=Address,
            max_tokens=2,
        ) as stream,
    ):
        for _ in stream:
            pass
    with (
        pytest.raises(openai_rs.ContentFilterFinishReasonError) as e,
        client.chat.completions.stream(
            model=MODEL,
            messages=[{"role": "user", "content": "hi"}],
            response_format=Address,
            extra_headers=fault(test_id, "finish-reason=content_filter"),
        ) as stream,
    ):
        stream.get_final_completion()
    assert e.value.completion.choices[0].finish_reason == "content_filter"
    # Without a parseable format the events of a cut answer flow; the final completion is
    # parsed, so it raises (as the official get_final_completion does).
    with client.chat.completions.stream(
        model=MODEL, messages=[{"role": "user", "content": "one two three"}], max_tokens=1
    ) as stream:
        assert [e.type for e in stream][-1] == "content.done"
        with pytest.raises(openai_rs.LengthFinishReasonError):
            stream.get_final_completion()


async def test_async_stream(aclient, test_id):
    async with aclient.chat.completions.stream(
        model=MODEL,
        messages=[{"role": "user", "content": '{"value": 3, "children": []}'}],
        response_format=Node,
        extra_headers=fault(test_id, "verbatim"),
    ) as stream:
        kinds = [e.type async for e in stream]
        final = await stream.get_final_completion()
    assert kinds[-1] == "content.done" and "content.delta" in kinds
    assert final.choices[0].message.parsed == Node(value=3, children=[])


def test_stream_state_over_create(client):
    from openai_rs.lib.streaming.chat import ChatCompletionStreamState

    state = ChatCompletionStreamState()
    kinds = []
    for chunk in client.chat.completions.create(model=MODEL, messages=MSGS, stream=True):
        kinds += [e.type for e in state.handle_chunk(chunk)]
    assert kinds[-1] == "content.done"
    assert state.current_completion_snapshot().choices[0].message.content == "You said: Hello!"


MSGS = [{"role": "user", "content": "Hello!"}]


def test_streaming_response_form_is_refused(client):
    with pytest.raises(TypeError, match="with_raw_response"):
        client.chat.completions.with_streaming_response.parse(
            model=MODEL, messages=MSGS, response_format=Address
        )


def test_responses_stream_text_format(client, mock, test_id):
    with client.responses.stream(
        model=MODEL,
        input="Alice",
        text_format=Event,
        extra_headers={"x-test-id": test_id},
    ) as stream:
        kinds = [e.type for e in stream]
        final = stream.get_final_response()
    assert kinds[-1] == "response.completed"
    assert sent(mock, test_id)["text"] == {"format": official_text_format(Event)}
    assert isinstance(final, types.ParsedResponse)
    assert final.output_parsed == Event(
        name="You said: Alice", attendees=[], count=0, public=True, size="small"
    )


async def test_async_responses_stream_tools(aclient):
    async with aclient.responses.stream(
        model=MODEL, input="fig", tools=[openai_rs.pydantic_function_tool(Lookup)]
    ) as stream:
        final = await stream.get_final_response()
    assert final.output[0].parsed_arguments == Lookup(input="fig")
