"""The Responses API: create, stream (both forms), retrieve, delete, cancel, input items,
input token counts, sync and async, against the mock."""

from __future__ import annotations

import json

import pytest

import openai_rs
from conftest import fault
from openai_rs import types

MODEL = "gpt-4o-mini"


def test_create_text_input(client, mock, test_id):
    r = client.responses.create(
        model=MODEL, input="Hello there", extra_headers={"x-test-id": test_id}
    )
    assert isinstance(r, types.Response)
    assert r.output_text == "You said: Hello there"
    assert r.output[0].content[0].text == r.output_text
    assert r["output"][0]["type"] == "message"
    assert r.status == "completed" and r.object == "response"
    assert r.usage.total_tokens == r.usage.input_tokens + r.usage.output_tokens > 0
    assert r._request_id
    body = json.loads(mock.journal(test_id)[0]["body"])
    assert body == {"model": MODEL, "input": "Hello there"}


def test_list_input_instructions_and_previous_response(client, mock, test_id):
    first = client.responses.create(model=MODEL, input="one")
    r = client.responses.create(
        model=MODEL,
        instructions="Be brief.",
        previous_response_id=first.id,
        input=[
            {"role": "user", "content": [{"type": "input_text", "text": "two"}]},
            {"type": "message", "role": "user", "content": "three"},
        ],
        extra_headers={"x-test-id": test_id},
    )
    assert r.output_text.startswith("You said: three [turn 2;"), r.output_text
    assert "instructions" in r.output_text
    body = json.loads(mock.journal(test_id)[0]["body"])
    assert body["previous_response_id"] == first.id
    assert body["instructions"] == "Be brief."


def test_function_call_round_trip(client):
    tools = [
        {
            "type": "function",
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        }
    ]
    r = client.responses.create(model=MODEL, input="Weather in Paris?", tools=tools)
    call = r.output[0]
    assert call.type == "function_call" and call.name == "get_weather"
    assert json.loads(call.arguments) is not None
    assert r.output_text == ""
    r2 = client.responses.create(
        model=MODEL,
        tools=tools,
        input=[
            {"role": "user", "content": "Weather in Paris?"},
            dict(call),
            {"type": "function_call_output", "call_id": call.call_id, "output": "sunny"},
        ],
    )
    assert r2.output_text == "Tool result: sunny"


def test_json_schema_text_format(client):
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "temp": {"type": "number"}},
        "required": ["city", "temp"],
        "additionalProperties": False,
    }
    r = client.responses.create(
        model=MODEL,
        input="Give me weather",
        text={"format": {"type": "json_schema", "name": "weather", "schema": schema}},
    )
    data = json.loads(r.output_text)
    assert set(data) == {"city", "temp"}


def test_streamed_text_and_final_object_equal_the_non_streamed(client):
    plain = client.responses.create(model=MODEL, input="stream equality")
    s = client.responses.create(model=MODEL, input="stream equality", stream=True)
    assert isinstance(s, openai_rs.Stream)
    events = list(s)
    assert all(isinstance(e, types.ResponseStreamEvent) for e in events)
    assert events[0].type == "response.created"
    assert events[-1].type == "response.completed"
    seqs = [e.sequence_number for e in events]
    assert seqs == list(range(len(events)))
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text == plain.output_text
    assert events[-1].response == plain
    final = s.get_final_completion()
    assert isinstance(final, types.Response)
    assert final == plain


def test_stream_manager(client):
    with client.responses.stream(model=MODEL, input="managed stream") as st:
        deltas = list(st.text_deltas)
        final = st.get_final_response()
    assert "".join(deltas) == final.output_text == "You said: managed stream"
    with client.responses.stream(model=MODEL, input="until done") as st:
        assert st.until_done().get_final_response().output_text == "You said: until done"


@pytest.mark.parametrize("spec", ["close-after=2", "reset-after=2", "truncate-after=2"])
def test_cut_stream_is_truncated_not_silent(client, mock, test_id, spec):
    s = client.responses.create(
        model=MODEL, input="cut me short please", stream=True, extra_headers=fault(test_id, spec)
    )
    seen = []
    with pytest.raises(openai_rs.APIStreamTruncatedError):
        for e in s:
            seen.append(e.type)
    assert seen.count("response.output_text.delta") == 2
    assert "response.completed" not in seen
    assert len(mock.journal(test_id)) == 1


def test_error_event_is_typed(client, test_id):
    s = client.responses.create(
        model=MODEL,
        input="an error comes",
        stream=True,
        extra_headers=fault(test_id, "error-after=1;code=server_is_sad"),
    )
    with pytest.raises(openai_rs.APIError) as ei:
        list(s)
    assert ei.value.code == "server_is_sad"
    assert "mock stream error" in str(ei.value)


def test_unknown_events_and_missing_sequence_numbers_pass_through(client, test_id):
    s = client.responses.create(
        model=MODEL,
        input="odd server",
        stream=True,
        extra_headers=fault(test_id, "unknown-event-after=1;no-sequence-number"),
    )
    events = list(s)
    odd = [e for e in events if e.type == "response.mock_unknown"]
    assert len(odd) == 1 and odd[0].mock is not None
    assert all(e.sequence_number is None for e in events)
    assert s.get_final_completion().output_text == "You said: odd server"


def test_retrieve_delete_and_input_items_pages(client, mock, test_id):
    inputs = [{"role": "user", "content": f"m{i}"} for i in range(5)]
    r = client.responses.create(model=MODEL, input=inputs)
    assert client.responses.retrieve(r.id) == r
    page = client.responses.input_items.list(
        r.id, limit=2, order="asc", extra_headers={"x-test-id": test_id}
    )
    assert len(page.data) == 2 and page.has_next_page()
    items = list(page)
    assert [i.content[0]["text"] if isinstance(i.content, list) else i.content for i in items] == [
        f"m{i}" for i in range(5)
    ]
    assert len({i.id for i in items}) == 5
    # Each page requested once: 3 pages of 2, 2, 1.
    requests = mock.journal(test_id)
    assert len(requests) == 3
    assert "after=" not in requests[0]["query"] and "after=" in requests[1]["query"]
    deleted = client.responses.delete(r.id)
    assert isinstance(deleted, types.ResponseDeleted) and deleted.deleted
    with pytest.raises(openai_rs.NotFoundError):
        client.responses.retrieve(r.id)


def test_cancel_and_input_tokens(client):
    bg = client.responses.create(model=MODEL, input="later", background=True)
    assert bg.status == "queued"
    assert client.responses.cancel(bg.id).status == "cancelled"
    done = client.responses.create(model=MODEL, input="now")
    with pytest.raises(openai_rs.BadRequestError):
        client.responses.cancel(done.id)
    n = client.responses.input_tokens.count(model=MODEL, input="count these tokens")
    assert isinstance(n, types.InputTokensCount) and n.input_tokens > 0


def test_invalid_requests_are_refused_with_the_param(client):
    with pytest.raises(openai_rs.BadRequestError) as ei:
        client.responses.create(model=MODEL)
    assert ei.value.param == "input"
    with pytest.raises(openai_rs.NotFoundError):
        client.responses.create(model=MODEL, input="x", previous_response_id="resp_nope")


def test_retry_after_429_then_success(client, mock, test_id):
    r = client.responses.create(
        model=MODEL,
        input="retry me",
        extra_headers=fault(test_id, "status=429;times=1;retry-after-ms=10"),
    )
    assert r.output_text == "You said: retry me"
    assert len(mock.journal(test_id)) == 2


async def test_async_create_stream_and_pages(aclient):
    r = await aclient.responses.create(model=MODEL, input="async hello")
    assert r.output_text == "You said: async hello"
    s = await aclient.responses.create(model=MODEL, input="async hello", stream=True)
    events = [e async for e in s]
    assert events[-1].response == r
    inputs = [{"role": "user", "content": f"a{i}"} for i in range(3)]
    r2 = await aclient.responses.create(model=MODEL, input=inputs)
    ids = [i.id async for i in aclient.responses.input_items.list(r2.id, limit=1)]
    assert len(ids) == len(set(ids)) == 3
    first = await aclient.responses.input_items.list(r2.id, limit=2)
    assert len(first.data) == 2 and first.has_next_page()
    async with aclient.responses.stream(model=MODEL, input="async managed") as st:
        text = "".join([d async for d in st.text_deltas])
        final = await st.get_final_response()
    assert text == final.output_text == "You said: async managed"
    assert (await aclient.responses.delete(r2.id)).deleted


def test_module_level_client_has_responses(base_url, module_settings):
    openai_rs.api_key = "sk-test-key"
    openai_rs.base_url = base_url
    r = openai_rs.responses.create(model=MODEL, input="module level")
    assert r.output_text == "You said: module level"


def test_conversation_over_the_responses_api(client, mock, test_id):
    conv = openai_rs.Conversation(client, model=MODEL, system="Be brief.", api="responses")
    assert conv.api == "responses"
    r = conv.send("Hello there", extra_headers={"x-test-id": test_id})
    assert str(r).startswith("You said: Hello there")
    assert mock.journal(test_id)[0]["path"] == "/v1/responses"
    text = "".join(conv.stream("stream me please"))
    assert text.startswith("You said: stream me please")
    assert len(conv.messages) == 5 and conv.usage.total_tokens > 0
    with pytest.raises(ValueError):
        conv.api = "telepathy"
