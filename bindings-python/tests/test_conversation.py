"""Conversation / AsyncConversation against the mock: what is appended, what is sent (the mock's
journal), trimming, usage and cost, the budget, streams, save/load, async; and count_tokens
against the reference corpus produced by OpenAI's tiktoken (core/tests/fixtures)."""

from __future__ import annotations

import asyncio
import copy
import gc
import json
import threading
import time

import pytest

import openai_rs
from conftest import REPO, fault
from openai_rs import types

CORPUS = json.loads(
    (REPO / "core" / "tests" / "fixtures" / "token_corpus.json").read_text(encoding="utf-8")
)
# gpt-4o-mini's list prices, USD per 1M tokens (the core's built-in table).
PRICE_IN, PRICE_OUT = 0.15, 0.60
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "lookup",
            "description": "Look something up.",
            "parameters": {"type": "object", "properties": {"input": {"type": "string"}}},
        },
    }
]


def tid(test_id: str) -> dict[str, str]:
    return {"x-test-id": test_id}


def sent(mock, test_id: str) -> list[dict]:
    """The request bodies the mock received for this test, in order."""
    return [json.loads(e["body"]) for e in mock.journal(test_id)]


def sent_texts(body: dict) -> list[str]:
    return [f"{m['role']}: {m.get('content') or ''}" for m in body["messages"]]


def texts(conv) -> list[str]:
    return [f"{m['role']}: {m.get('content') or ''}" for m in conv.messages]


def mock_count(s: str) -> int:
    """The mock's tokenizer (tests/mock-server/src/tokens.rs): a run of ASCII alphanumerics, or
    any other single non-whitespace char. Predicts the mock's usage independently."""
    n, in_word = 0, False
    for c in s:
        if c.isascii() and c.isalnum():
            n += not in_word
            in_word = True
        else:
            in_word = False
            n += not c.isspace()
    return n


def mock_prompt_tokens(body: dict) -> int:
    return 3 + sum(
        3 + mock_count(m["role"]) + mock_count(m.get("content") or "") for m in body["messages"]
    )


def msg_tokens(message: dict, model: str = "gpt-4o-mini") -> int:
    """Tokens one message adds to a request (count_tokens of a list adds 3 to prime the reply)."""
    return openai_rs.count_tokens([message], model) - 3


@pytest.fixture
def conv(client):
    return openai_rs.Conversation(client, system="You are terse.")


# ------------------------------------------------------------------------------ token counting


def test_count_tokens_matches_tiktoken_on_the_corpus():
    texts_ = CORPUS["texts"]
    assert len(texts_) >= 30
    compared = 0
    for entry in texts_:
        text = entry["text"]
        o200k, cl100k = len(entry["o200k_base"]), len(entry["cl100k_base"])
        assert openai_rs.count_tokens(text) == o200k, text  # gpt-4o-mini: o200k_base
        assert openai_rs.count_tokens(text, "gpt-4o") == o200k, text
        assert openai_rs.count_tokens(text, "gpt-4") == cl100k, text
        assert openai_rs.count_tokens(text, "gpt-3.5-turbo") == cl100k, text
        assert openai_rs.count_tokens(text, "some-model", encoding="cl100k_base") == cl100k
        compared += o200k + cl100k
    assert compared > 1000


def test_count_tokens_of_messages_and_tools_match_the_cookbook(client):
    assert CORPUS["message_counts"]
    for case in CORPUS["message_counts"]:
        for model, want in case["counts"].items():
            assert openai_rs.count_tokens(case["messages"], model) == want, (case["name"], model)
    # A conversation's count adds its tools, as the cookbook's num_tokens_for_tools does.
    assert CORPUS["tool_counts"]
    for case in CORPUS["tool_counts"]:
        for model, want in case["counts"].items():
            conv = openai_rs.Conversation(client, model, tools=case["tools"])
            for m in case["messages"]:
                conv.push(m)
            assert conv.count_tokens() == want, (case["name"], model)
            plain = openai_rs.count_tokens(case["messages"], model)
            assert plain < want, "the tools are counted"


def test_count_tokens_refuses_bad_input():
    with pytest.raises(openai_rs.InvalidArgumentError, match="encoding"):
        openai_rs.count_tokens("x", encoding="p50k")
    with pytest.raises(openai_rs.InvalidArgumentError, match="tool_call_id"):
        openai_rs.count_tokens([{"role": "tool", "content": "x"}])
    # Any iterable of messages, a tuple included.
    assert openai_rs.count_tokens(({"role": "user", "content": "Hello!"},)) == 9


# ----------------------------------------------------------------------------- send and history


def test_send_appends_the_turn_and_returns_the_reply(conv, mock, test_id):
    r = conv.send("Hello there", extra_headers=tid(test_id))
    assert type(r) is types.ConversationReply
    assert str(r) == r.content == "You said: Hello there"
    assert r.message.content == r.content and r.message.role == "assistant"
    assert type(r.completion) is types.ChatCompletion
    assert r.completion.choices[0].message.content == r.content
    assert type(r.report) is types.CallReport and type(r.usage) is types.CompletionUsage
    assert r.finish_reason == "stop" and r.dropped == []
    assert texts(conv) == [
        "system: You are terse.",
        "user: Hello there",
        "assistant: You said: Hello there",
    ]
    (body,) = sent(mock, test_id)
    assert sent_texts(body) == ["system: You are terse.", "user: Hello there"]
    assert body["model"] == "gpt-4o-mini" and "stream" not in body

    conv.send("And again", extra_headers=tid(test_id))
    assert len(sent(mock, test_id)[1]["messages"]) == 4, "the whole history is resent"
    assert len(conv.messages) == 5
    assert conv.last_call.finish_reason == "stop"


def test_params_are_sent_with_every_call(client, mock, test_id):
    conv = openai_rs.Conversation(client, "gpt-4o", temperature=0.2, max_tokens=50, seed=7)
    conv.send("one", extra_headers=tid(test_id))
    conv.set_params(temperature=None, top_p=0.5)
    conv.send("two", extra_headers=tid(test_id))
    first, second = sent(mock, test_id)
    assert (first["model"], first["temperature"], first["max_tokens"], first["seed"]) == (
        "gpt-4o",
        0.2,
        50,
        7,
    )
    assert "temperature" not in second and second["top_p"] == 0.5 and second["max_tokens"] == 50
    assert conv.params["top_p"] == 0.5
    with pytest.raises(openai_rs.InvalidArgumentError, match="messages"):
        conv.set_params(messages=[])
    with pytest.raises(openai_rs.InvalidArgumentError):
        openai_rs.Conversation(client, temperature=3)


def test_content_parts_with_an_image(conv, mock, test_id):
    parts = [
        {"type": "text", "text": "Describe this image."},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
    ]
    r = conv.send(parts, extra_headers=tid(test_id))
    assert r.content == "You said: Describe this image. [image]"
    assert conv.messages[1]["content"] == parts
    assert sent(mock, test_id)[0]["messages"][1]["content"] == parts
    with pytest.raises(openai_rs.InvalidArgumentError, match="content"):
        conv.send([{"text": "no type"}])
    assert len(conv.messages) == 3


def test_a_failed_call_appends_nothing(client, mock, test_id):
    conv = openai_rs.Conversation(client.with_options(max_retries=0), system="s")
    conv.send("ok", extra_headers=tid(test_id))
    before = conv.to_json()
    with pytest.raises(openai_rs.BadRequestError):
        conv.send("boom", extra_headers=fault(test_id, "status=400"))
    assert conv.to_json() == before
    conv.send("boom", extra_headers=tid(test_id))
    assert [m["content"] for m in conv.messages].count("boom") == 1, "the retry is clean"


def test_push_set_system_undo_clear_copy(conv, mock, test_id):
    conv.push({"role": "user", "content": "few-shot question"})
    conv.push({"role": "assistant", "content": "few-shot answer"})
    with pytest.raises(openai_rs.InvalidArgumentError, match="tool_call_id"):
        conv.push({"role": "tool", "content": "orphan"})
    conv.set_system("Be brief.")
    conv.send("keep this", extra_headers=tid(test_id))
    conv.send("regret this", extra_headers=tid(test_id))
    calls = conv.usage.calls
    removed = conv.undo()
    assert [m["content"] for m in removed] == ["regret this", "You said: regret this"]
    assert conv.usage.calls == calls == 2, "usage is not refunded"

    branch = copy.copy(conv)
    assert type(branch) is openai_rs.Conversation and branch.messages == conv.messages
    branch.send("only in the branch", extra_headers=tid(test_id))
    assert len(branch.messages) == len(conv.messages) + 2
    assert copy.deepcopy(conv).messages == conv.messages

    conv.send("instead", extra_headers=tid(test_id))
    assert sent_texts(sent(mock, test_id)[-1]) == [
        "system: Be brief.",
        "user: few-shot question",
        "assistant: few-shot answer",
        "user: keep this",
        "assistant: You said: keep this",
        "user: instead",
    ]
    conv.clear()
    assert texts(conv) == ["system: Be brief."]
    assert conv.undo() == []


def test_count_tokens_of_the_history(conv):
    conv.push({"role": "user", "content": "用比喻解释神经网络 🙂"})
    conv.push({"role": "assistant", "content": "fn main() { }"})
    assert conv.count_tokens() == openai_rs.count_tokens(conv.messages, "gpt-4o-mini")
    conv.encoding = "cl100k_base"
    assert conv.encoding == "cl100k_base"
    assert conv.count_tokens() == openai_rs.count_tokens(conv.messages, "gpt-4")
    assert conv.context_window == 128_000


# ----------------------------------------------------------------------------------- trimming


def test_trimming_keeps_the_system_message_and_drops_the_oldest_turns(client, mock, test_id):
    conv = openai_rs.Conversation(client, system="You are terse.", max_tokens=20)
    for i in range(6):
        r = conv.send(f"message number {i} with some padding words", extra_headers=tid(test_id))
        assert r.dropped == []
    # A window that holds the system message, two turns and the reply's 20 reserved tokens.
    m = conv.messages
    window = msg_tokens(m[0]) + 2 * (msg_tokens(m[1]) + msg_tokens(m[2])) + 3 + 20
    conv.context_window = window
    assert conv.context_window == window and conv.reserve_output_tokens == 20
    r = conv.send("message number 6 with some padding words", extra_headers=tid(test_id))

    body = sent(mock, test_id)[6]
    got = sent_texts(body)
    assert got == [
        "system: You are terse.",
        "user: message number 5 with some padding words",
        "assistant: You said: message number 5 with some padding words",
        "user: message number 6 with some padding words",
    ]
    # Reported in history indices, oldest first; the history itself keeps everything.
    assert r.dropped == list(range(1, 11)) == conv.last_call.dropped
    assert len(conv.messages) == 15
    assert conv.messages[1]["content"] == "message number 0 with some padding words"
    assert r.report.estimated_prompt_tokens <= window - 20
    assert r.usage.prompt_tokens == mock_prompt_tokens(body)


def test_tool_calls_and_their_results_stay_together(client, mock, test_id):
    conv = openai_rs.Conversation(client, system="You are terse.", tools=TOOLS, max_tokens=30)
    r = conv.send("weather in Paris", extra_headers=tid(test_id))
    assert r.finish_reason == "tool_calls" and r.content == ""
    (call,) = r.message.tool_calls
    assert call.function.name == "lookup"
    conv.push({"role": "tool", "tool_call_id": call.id, "content": "sunny"})
    r = conv.send(extra_headers=tid(test_id))  # no new user message: answer from the history
    assert r.content == "Tool result: sunny"
    assert [m["role"] for m in conv.messages] == [
        "system",
        "user",
        "assistant",
        "tool",
        "assistant",
    ]

    # Room for the tail of the tool turn (the tool result and the answer) but not all of it:
    # the turn goes as a whole, never leaving a tool result without its call.
    fixed = openai_rs.Conversation(client, system="You are terse.", tools=TOOLS).count_tokens()
    new = {"role": "user", "content": "next"}
    tail = msg_tokens(conv.messages[3]) + msg_tokens(conv.messages[4])
    conv.context_window = fixed + msg_tokens(new) + tail + 30
    conv.set_params(tool_choice="none")
    r = conv.send("next", extra_headers=tid(test_id))
    assert r.dropped == [1, 2, 3, 4]
    assert [m["role"] for m in sent(mock, test_id)[2]["messages"]] == ["system", "user"]


def test_a_turn_too_large_for_the_window_is_refused_unsent(client, mock, test_id):
    conv = openai_rs.Conversation(
        client, system="You are terse.", max_context_tokens=200, max_tokens=50
    )
    with pytest.raises(openai_rs.ContextWindowExceededError, match="does not fit") as e:
        conv.send("lorem ipsum " * 100, extra_headers=tid(test_id))
    assert isinstance(e.value, openai_rs.InvalidArgumentError)
    assert mock.journal(test_id) == []
    assert texts(conv) == ["system: You are terse."]
    with pytest.raises(openai_rs.ContextWindowExceededError):
        conv.stream("lorem ipsum " * 100, extra_headers=tid(test_id))
    assert mock.journal(test_id) == []
    # The reserve alone may fill the window.
    conv.set_params(max_tokens=200)
    with pytest.raises(openai_rs.ContextWindowExceededError, match="no room"):
        conv.send("hi", extra_headers=tid(test_id))
    assert mock.journal(test_id) == []


# ------------------------------------------------------------------------- usage, cost, budget


def test_usage_and_cost_sum_the_servers_usage(conv, mock, test_id):
    replies = [
        conv.send(text, extra_headers=tid(test_id))
        for text in ("one two three", "用比喻解释神经网络 🙂", "fn main() { }")
    ]
    bodies = sent(mock, test_id)
    assert len(bodies) == 3
    want_cost = 0.0
    for r, body in zip(replies, bodies, strict=True):
        u = r.completion.usage  # the mock's usage, as received
        assert u.prompt_tokens == mock_prompt_tokens(body), "the usage is the server's"
        assert u.completion_tokens == mock_count(r.content)
        assert r.usage == u and r.report.usage_estimated is False
        cost = (u.prompt_tokens * PRICE_IN + u.completion_tokens * PRICE_OUT) / 1e6
        assert r.cost == pytest.approx(cost, rel=1e-12)
        want_cost += cost
    total = conv.usage
    assert type(total) is types.ConversationUsage
    assert total.calls == 3
    assert total.prompt_tokens == sum(r.completion.usage.prompt_tokens for r in replies)
    assert total.completion_tokens == sum(r.completion.usage.completion_tokens for r in replies)
    assert total.total_tokens == sum(r.completion.usage.total_tokens for r in replies)
    assert (total.cached_tokens, total.reasoning_tokens, total.unpriced_calls) == (0, 0, 0)
    assert total.cost_usd == conv.cost == pytest.approx(want_cost, rel=1e-12)


def test_a_price_file_prices_an_unknown_model(client, tmp_path, test_id):
    prices = tmp_path / "prices.json"
    prices.write_text('{"models": {"local-llama": {"input": 1.0, "output": 2.0}}}')
    conv = openai_rs.Conversation(client, "local-llama", prices=prices)
    r = conv.send("hi", extra_headers=tid(test_id))
    u = r.completion.usage
    assert conv.cost == pytest.approx((u.prompt_tokens + 2 * u.completion_tokens) / 1e6)
    assert conv.settings["prices"]
    unpriced = openai_rs.Conversation(client, "local-llama")
    unpriced.send("hi", extra_headers=tid(test_id))
    assert unpriced.usage.unpriced_calls == 1 and unpriced.cost == 0.0
    assert unpriced.last_call.cost_usd is None


def test_the_budget_refuses_a_call_before_sending_it(conv, mock, test_id):
    conv.set_params(max_tokens=100)
    conv.send("first", extra_headers=tid(test_id))
    spent = conv.cost
    assert spent > 0
    # Room for a bit more than what was spent, not for another 100-token reply (~$0.00006).
    conv.budget_usd = spent + 0.00001
    before = conv.to_json()
    with pytest.raises(openai_rs.BudgetExceededError, match="budget exceeded") as e:
        conv.send("second", extra_headers=tid(test_id))
    assert isinstance(e.value, openai_rs.InvalidArgumentError)
    with pytest.raises(openai_rs.BudgetExceededError):
        conv.stream("second", extra_headers=tid(test_id))
    assert len(mock.journal(test_id)) == 1, "the refused calls were not sent"
    assert conv.to_json() == before
    conv.set_params(max_tokens=5)  # a smaller reply fits
    conv.send("second", extra_headers=tid(test_id))
    assert len(mock.journal(test_id)) == 2
    assert conv.cost <= conv.budget_usd


# ------------------------------------------------------------------------------------ streams


def test_a_streamed_reply_is_appended_exactly_once(conv, mock, test_id):
    with conv.stream("stream me please", extra_headers=tid(test_id)) as s:
        assert type(s) is openai_rs.ConversationStream
        assert s.request_id and s.request_id.startswith("req_")
        assert len(conv.messages) == 1, "nothing is appended before the stream completes"
        assert s.reply is None
        deltas = list(s)
    assert len(deltas) > 3 and all(type(d) is str for d in deltas)
    assert "".join(deltas) == "You said: stream me please"
    assert texts(conv) == [
        "system: You are terse.",
        "user: stream me please",
        "assistant: You said: stream me please",
    ]
    r = s.reply
    assert type(r) is types.ConversationReply and r.content == "You said: stream me please"
    assert list(s) == [] and s.get_final_reply() == r
    assert len(conv.messages) == 3, "still appended once"
    (body,) = sent(mock, test_id)
    assert body["stream"] is True and body["stream_options"]["include_usage"] is True
    assert r.usage.prompt_tokens == mock_prompt_tokens(body), "the usage chunk was read"
    assert conv.usage.total_tokens == r.usage.total_tokens and conv.usage.calls == 1


def test_get_final_reply_reads_the_rest(conv, test_id):
    s = conv.stream("read it all", extra_headers=tid(test_id))
    first = next(s)
    r = s.get_final_reply()
    assert first == "You" and r.content == "You said: read it all"
    assert len(conv.messages) == 3


@pytest.mark.parametrize(
    ("spec", "exc"),
    [
        ("events=5;reset-after=2", openai_rs.APIConnectionError),
        ("events=5;truncate-after=2", openai_rs.APIStreamTruncatedError),
        ("events=5;error-after=2", openai_rs.APIStreamError),
    ],
)
def test_a_failed_stream_appends_nothing(conv, test_id, spec, exc):
    conv.send("before", extra_headers=tid(test_id))
    before = conv.to_json()
    s = conv.stream("doomed", extra_headers=fault(test_id, spec))
    got = []
    with pytest.raises(exc):
        for d in s:
            got.append(d)
    assert got, "some text arrived before the failure"
    assert list(s) == [] and s.reply is None
    with pytest.raises(RuntimeError, match="nothing was added"):
        s.get_final_reply()
    assert conv.to_json() == before
    conv.stream("doomed", extra_headers=tid(test_id)).get_final_reply()
    assert [m["content"] for m in conv.messages].count("doomed") == 1, "the retry is clean"


def test_a_stream_that_fails_to_start_raises_at_once(client, test_id):
    conv = openai_rs.Conversation(client.with_options(max_retries=0))
    with pytest.raises(openai_rs.InternalServerError):
        conv.stream("x", extra_headers=fault(test_id, "status=500"))
    assert conv.messages == [] and conv.usage.calls == 0


def test_an_abandoned_stream_appends_nothing(conv, test_id):
    before = conv.to_json()
    s = conv.stream("abandoned", extra_headers=fault(test_id, "events=50;interval=10"))
    assert next(s)
    s.close()
    assert list(s) == [] and s.reply is None
    with pytest.raises(RuntimeError, match="closed"):
        s.get_final_reply()
    with conv.stream("left in a with block", extra_headers=fault(test_id, "events=50")) as s2:
        next(s2)
    assert list(s2) == []
    s3 = conv.stream("dropped", extra_headers=fault(test_id, "events=50"))
    next(s3)
    del s3
    gc.collect()
    assert conv.to_json() == before


# ----------------------------------------------------------------------------------- threads


def test_no_lock_is_held_while_a_request_is_in_flight(conv, test_id):
    """A slow call in a thread does not block a fast one on the same conversation; the slow
    reply, whose history changed meanwhile, is refused instead of being interleaved."""
    errors: list[BaseException] = []

    def slow() -> None:
        try:
            conv.send("slow", extra_headers=fault(test_id, "latency=800"))
        except BaseException as e:
            errors.append(e)

    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.2)
    start = time.monotonic()
    conv.send("fast", extra_headers=tid(test_id))
    assert time.monotonic() - start < 0.5, "the fast call did not wait for the slow one"
    t.join(10)
    assert len(errors) == 1 and isinstance(errors[0], openai_rs.InvalidArgumentError)
    assert "changed while this call was in flight" in str(errors[0])
    assert texts(conv) == ["system: You are terse.", "user: fast", "assistant: You said: fast"]


# --------------------------------------------------------------------------------- save, load


def test_save_load_round_trip(client, mock, tmp_path, test_id):
    conv = openai_rs.Conversation(
        client,
        "gpt-4o-mini",
        system="You are terse.",
        max_context_tokens=5000,
        reserve_output_tokens=300,
        budget_usd=1.0,
        encoding="cl100k_base",
        temperature=0.3,
    )
    conv.send("remember 42 🙂", extra_headers=tid(test_id))
    path = tmp_path / "chat.json"
    conv.save(path)
    assert json.loads(path.read_text(encoding="utf-8"))["format"] == "openai-rs.conversation"
    loaded = openai_rs.Conversation.load(path, client)
    assert type(loaded) is openai_rs.Conversation
    assert loaded.messages == conv.messages
    assert loaded.usage == conv.usage and loaded.usage.calls == 1
    assert loaded.last_call == conv.last_call
    assert (
        loaded.settings
        == conv.settings
        == {
            "context_window": 5000,
            "reserve_output_tokens": 300,
            "encoding": "cl100k_base",
            "budget_usd": 1.0,
        }
    )
    assert loaded.params == conv.params and loaded.params["temperature"] == 0.3
    assert loaded.to_json() == conv.to_json()
    again = openai_rs.Conversation.from_json(conv.to_json(), client)
    assert again.to_json() == conv.to_json()

    # The loaded copy continues on its own, with the saved history and parameters.
    loaded.send("what did I say?", extra_headers=tid(test_id))
    body = sent(mock, test_id)[1]
    assert body["temperature"] == 0.3 and sent_texts(body)[1] == "user: remember 42 🙂"
    assert len(loaded.messages) == 5 and len(conv.messages) == 3

    with pytest.raises(openai_rs.InvalidArgumentError, match="not a conversation"):
        openai_rs.Conversation.from_json('{"format": "other", "version": 1}', client)
    with pytest.raises(openai_rs.InvalidArgumentError, match="cannot read"):
        openai_rs.Conversation.load(tmp_path / "missing.json", client)


def test_the_client_must_be_an_openai_client():
    with pytest.raises(TypeError, match="OpenAI"):
        openai_rs.Conversation("not a client")


# -------------------------------------------------------------------------------------- async


def test_async_send_and_stream(aclient, mock, tmp_path, test_id):
    conv = openai_rs.Conversation(aclient, system="You are terse.")
    assert type(conv) is openai_rs.AsyncConversation

    async def main() -> list[str]:
        r = await conv.send("async hello", extra_headers=tid(test_id))
        assert type(r) is types.ConversationReply and str(r) == "You said: async hello"
        deltas = [d async for d in conv.stream("async stream", extra_headers=tid(test_id))]
        async with conv.stream("in a with block", extra_headers=tid(test_id)) as s:
            async for _ in s:
                pass
        assert s.reply.content == "You said: in a with block"
        assert (await s.get_final_reply()) == s.reply
        return deltas

    deltas = asyncio.run(main())
    assert "".join(deltas) == "You said: async stream"
    assert texts(conv)[1:] == [
        "user: async hello",
        "assistant: You said: async hello",
        "user: async stream",
        "assistant: You said: async stream",
        "user: in a with block",
        "assistant: You said: in a with block",
    ]
    bodies = sent(mock, test_id)
    assert [("stream" in b) for b in bodies] == [False, True, True]
    assert conv.usage.calls == 3
    assert conv.usage.total_tokens == sum(
        mock_prompt_tokens(b) + mock_count("You said: " + b["messages"][-1]["content"])
        for b in bodies
    )
    path = tmp_path / "a.json"
    conv.save(path)
    assert type(openai_rs.Conversation.load(path, aclient)) is openai_rs.AsyncConversation
    assert type(conv.copy()) is openai_rs.AsyncConversation


def test_async_failures_append_nothing(aclient, mock, test_id):
    conv = openai_rs.AsyncConversation(aclient, system="s", max_context_tokens=100)
    before = conv.to_json()

    async def main() -> None:
        with pytest.raises(openai_rs.ContextWindowExceededError):
            await conv.send("lorem ipsum " * 100, extra_headers=tid(test_id))
        s = conv.stream("doomed", extra_headers=fault(test_id, "events=5;reset-after=2"))
        with pytest.raises(openai_rs.APIConnectionError):
            async for _ in s:
                pass
        assert s.reply is None
        with pytest.raises(RuntimeError, match="nothing was added"):
            await s.get_final_reply()
        s = conv.stream("abandoned", extra_headers=fault(test_id, "events=50;interval=10"))
        assert await s.__anext__() == "w0"
        await s.close()
        assert [d async for d in s] == []

    asyncio.run(main())
    assert len(mock.journal(test_id)) == 2, "the too-large turn was not sent"
    assert conv.to_json() == before
