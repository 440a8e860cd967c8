"""Sync streaming: iteration, context manager, close, and every way a stream can end badly."""

from __future__ import annotations

import time

import pytest

import openai_rs
from conftest import MSG, fault
from openai_rs import types


def stream(client, test_id=None, spec=None, **kw):
    headers = fault(test_id, spec) if spec else None
    return client.chat.completions.create(
        model="gpt-4o", messages=MSG, stream=True, extra_headers=headers, **kw
    )


def content_chunks(chunks) -> int:
    """Chunks that carry text (the mock's cut points count content events)."""
    return sum(1 for ch in chunks for c in ch.choices if c.delta.content)


def test_stream_yields_chunks_and_reassembles(client):
    s = stream(client, stream_options={"include_usage": True})
    assert isinstance(s, openai_rs.Stream)
    parts, usage, finish = [], None, None
    for chunk in s:
        assert type(chunk) is types.ChatCompletionChunk
        if chunk.usage:
            usage = chunk.usage
        for c in chunk.choices:
            assert type(c) is types.ChunkChoice and type(c.delta) is types.ChoiceDelta
            parts.append(c.delta.content or "")
            # v0-style access on the same objects
            assert c["delta"].get("content") == c.delta.content
            finish = c.finish_reason or finish
    assert "".join(parts) == "You said: Hello!"
    assert finish == "stop"
    assert usage is not None and usage.total_tokens > 0


def test_stream_context_manager_and_final_completion(client):
    with stream(client) as s:
        assert s.request_id and s.request_id.startswith("req_")
        final = s.get_final_completion()
    assert type(final) is types.ChatCompletion
    assert final.choices[0].message.content == "You said: Hello!"
    assert final.choices[0].finish_reason == "stop"
    assert list(s) == []  # closed: iteration ends


def test_many_events(client, test_id):
    n = sum(1 for _ in stream(client, test_id, "events=500"))
    assert n >= 500


def test_break_and_close_mid_stream(client, test_id):
    s = stream(client, test_id, "events=50;interval=20")
    first = next(iter(s))
    assert first.choices
    s.close()
    assert list(s) == []


def _established_to(port: int) -> set[int]:
    """Local ports of this machine's TCP connections to `port` in state ESTABLISHED (Linux)."""
    found = set()
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            remote, state = parts[2], parts[3]
            if int(remote.rsplit(":", 1)[1], 16) == port and state == "01":
                found.add(int(parts[1].rsplit(":", 1)[1], 16))
    return found


@pytest.mark.parametrize("how", ["close", "exit", "del"])
def test_dropping_a_stream_closes_the_connection(base_url, mock, test_id, how):
    """S-13: stream left idle upstream; closing it releases the connection within 100 ms."""
    c = openai_rs.OpenAI(api_key="k", base_url=base_url)  # its own pool
    before = _established_to(mock.port)
    s = stream(c, test_id, "stall-after=1")
    next(iter(s))
    (mine,) = _established_to(mock.port) - before
    t0 = time.monotonic()
    if how == "close":
        s.close()
    elif how == "exit":
        s.__exit__(None, None, None)
    else:
        # No gc.collect(): the last reference going away must be enough, and a full
        # collection of this suite's heap can take longer than the budget on its own.
        del s
    while mine in _established_to(mock.port) and time.monotonic() - t0 < 2:
        time.sleep(0.005)
    assert mine not in _established_to(mock.port)
    assert time.monotonic() - t0 < 0.1 + 0.25


@pytest.mark.parametrize(
    "spec", ["reset-after=3", "truncate-after=3", "close-after=3"], ids=["S-10", "S-11", "S-12"]
)
def test_cut_streams_raise_truncated_after_the_delivered_chunks(client, mock, test_id, spec):
    got = []
    t0 = time.monotonic()
    with pytest.raises(openai_rs.APIStreamTruncatedError) as ei:
        for chunk in stream(client, test_id, spec + ";events=20"):
            got.append(chunk)
    assert content_chunks(got) == 3
    assert time.monotonic() - t0 < 2
    assert isinstance(ei.value, openai_rs.APIConnectionError)
    assert ei.value.kind == "stream_truncated"
    assert len(mock.journal(test_id)) == 1  # never retried after the first byte


def test_error_event_mid_stream(client, test_id):
    got = []
    with pytest.raises(openai_rs.APIStreamError) as ei:
        for chunk in stream(client, test_id, "error-after=2;events=10"):
            got.append(chunk)
    assert content_chunks(got) == 2
    assert isinstance(ei.value, openai_rs.APIError)
    assert ei.value.message and ei.value.body


def test_stream_idle_timeout(client, test_id):
    """T-4: events delivered stay delivered, then a timeout at the idle deadline."""
    c = client.with_options(timeout=openai_rs.Timeout(10, stream_idle=0.5), max_retries=0)
    got = []
    t0 = time.monotonic()
    with pytest.raises(openai_rs.APITimeoutError):
        for chunk in stream(c, test_id, "stall-after=2;events=10"):
            got.append(chunk)
    assert content_chunks(got) == 2
    assert 0.4 < time.monotonic() - t0 < 0.5 + 0.75


def test_status_error_on_a_stream_request(client, test_id):
    with pytest.raises(openai_rs.BadRequestError):
        stream(client.with_options(max_retries=0), test_id, "status=400")


def test_stream_shared_by_threads_is_safe(client, test_id):
    import threading

    # What one reader gets from the same stream: every chunk, each exactly once.
    alone = [
        c.choices[0].delta.content if c.choices else None
        for c in stream(client, test_id + "-1", "events=200")
    ]
    s = stream(client, test_id, "events=200")
    got: list[list] = []

    def reader():
        mine = [c.choices[0].delta.content if c.choices else None for c in s]
        got.append(mine)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert not any(t.is_alive() for t in threads), "a reader is stuck"
    assert len(got) == 4  # every reader returned (none raised)
    # Shared, not duplicated or lost: the readers' chunks together are exactly one stream's.
    assert sum(len(m) for m in got) == len(alone) >= 202
    assert sorted(map(repr, (x for m in got for x in m))) == sorted(map(repr, alone))
