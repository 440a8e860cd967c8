"""AsyncOpenAI: awaitables, async streams, concurrency, cancellation, loops coming and going."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import time

import pytest

import openai_rs
from conftest import MSG, fault
from openai_rs import types


async def test_create_and_resources(aclient):
    r = await aclient.chat.completions.create(model="gpt-4o", messages=MSG)
    assert type(r) is types.ChatCompletion
    assert r.choices[0].message.content == "You said: Hello!" and r._request_id
    img = await aclient.images.generate(prompt="x")
    assert img.data[0].url
    emb = await aclient.embeddings.create(model="m", input="x")
    assert emb.data[0].embedding
    page = await aclient.models.list()
    assert page.data
    ids = [m.id async for m in aclient.models.list()]
    assert "gpt-4o" in ids
    assert (await aclient.models.retrieve("gpt-4o")).id == "gpt-4o"
    with pytest.raises(openai_rs.NotFoundError):
        await aclient.models.retrieve("no-such")


async def test_async_stream(aclient):
    s = await aclient.chat.completions.create(
        model="gpt-4o", messages=MSG, stream=True, stream_options={"include_usage": True}
    )
    assert isinstance(s, openai_rs.AsyncStream)
    parts, usage = [], None
    async for chunk in s:
        assert type(chunk) is types.ChatCompletionChunk
        usage = chunk.usage or usage
        parts += [c.delta.content or "" for c in chunk.choices]
    assert "".join(parts) == "You said: Hello!" and usage.total_tokens > 0


async def test_async_stream_context_manager_and_final(aclient, test_id):
    async with await aclient.chat.completions.create(
        model="gpt-4o",
        messages=MSG,
        stream=True,
        extra_headers=fault(test_id, "events=30;interval=5"),
    ) as s:
        final = await s.get_final_completion()
    assert final.choices[0].finish_reason == "stop"
    assert [c async for c in s] == []


async def test_async_stream_errors(aclient, test_id):
    s = await aclient.chat.completions.create(
        model="gpt-4o", messages=MSG, stream=True, extra_headers=fault(test_id, "reset-after=2")
    )
    with pytest.raises(openai_rs.APIStreamTruncatedError):
        async for _ in s:
            pass


async def test_concurrency_on_one_client(aclient, test_id):
    t0 = time.monotonic()
    rs = await asyncio.gather(
        *(
            aclient.chat.completions.create(
                model="m",
                messages=[{"role": "user", "content": f"n{i}"}],
                extra_headers=fault(f"{test_id}-{i}", "latency=300"),
            )
            for i in range(50)
        )
    )
    assert [r.choices[0].message.content for r in rs] == [f"You said: n{i}" for i in range(50)]
    assert time.monotonic() - t0 < 1.5


async def test_cancelling_a_request(aclient, mock, test_id):
    """Cancelling the task drops the native request: the server sees the connection close while
    it is still holding the answer back, and no retry follows."""
    task = asyncio.ensure_future(
        aclient.chat.completions.create(
            model="m", messages=MSG, extra_headers=fault(test_id, "delay-headers=5000")
        )
    )
    await asyncio.sleep(0.2)
    (entry,) = mock.journal(test_id)
    assert entry["hangup_ms"] is None  # in flight, held by the server
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    t0 = time.monotonic()
    while mock.journal(test_id)[0]["hangup_ms"] is None:
        assert time.monotonic() - t0 < 1.0, "the native request outlived the cancelled task"
        await asyncio.sleep(0.01)
    # A retry would come after the first backoff (0.375-0.5 s); wait past it.
    await asyncio.sleep(1.0)
    assert len(mock.journal(test_id)) == 1


async def test_cancel_mid_anext_then_close(aclient, test_id):
    """S-14: a task cancelled inside __anext__; the stream can still be closed."""
    s = await aclient.chat.completions.create(
        model="m", messages=MSG, stream=True, extra_headers=fault(test_id, "stall-after=1")
    )
    it = s.__aiter__()
    while not (await it.__anext__()).choices[0].delta.content:
        pass  # the role chunk, then the one content event before the stall
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(it.__anext__(), 0.3)
    await asyncio.wait_for(s.close(), 2)


async def test_sync_call_inside_a_running_loop(client):
    r = client.chat.completions.create(model="m", messages=MSG)
    assert r.choices[0].message.content


async def test_errors_are_raised_on_await(aclient, test_id):
    with pytest.raises(openai_rs.RateLimitError) as ei:
        await aclient.with_options(max_retries=0).chat.completions.create(
            model="m", messages=MSG, extra_headers=fault(test_id, "status=429")
        )
    assert ei.value.status_code == 429 and ei.value.request_id


async def test_async_context_manager(base_url):
    async with openai_rs.AsyncOpenAI(api_key="k", base_url=base_url) as c:
        assert (await c.models.list()).data


def test_many_event_loops_and_clients_no_noise(base_url):
    """P-2: 100 × asyncio.run with a new client each, plus 100 clients dropped without close,
    under -W error: no "Event loop is closed", no unraisable exceptions, no warnings."""
    code = textwrap.dedent(
        f"""
        import asyncio, gc, sys
        import openai_rs

        def hook(u):
            print("UNRAISABLE", u.exc_value, file=sys.stderr)
            sys.exit(3)
        sys.unraisablehook = hook

        async def main(i):
            c = openai_rs.AsyncOpenAI(api_key="k", base_url={base_url!r})
            msgs = [{{"role": "user", "content": "x"}}]
            r = await c.chat.completions.create(model="m", messages=msgs)
            assert r.choices[0].message.content == "You said: x"
            s = await c.chat.completions.create(model="m", messages=msgs, stream=True)
            async for _ in s:
                break
            await c.close()

        for i in range(100):
            asyncio.run(main(i))
        async def leak():
            c = openai_rs.AsyncOpenAI(api_key="k", base_url={base_url!r})
            await c.models.list()
        for i in range(100):
            asyncio.run(leak())
        gc.collect()
        print("OK")
        """
    )
    p = subprocess.run(
        [sys.executable, "-W", "error", "-X", "dev", "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "OK"
    assert p.stderr == "", p.stderr


async def test_v0_acreate(module_settings, base_url):
    openai = module_settings
    openai.api_key = "sk-v0"
    openai.api_base = base_url
    r = await openai.ChatCompletion.acreate(model="gpt-3.5-turbo", messages=MSG)
    assert r["choices"][0]["message"]["content"] == "You said: Hello!"
    s = await openai.ChatCompletion.acreate(model="gpt-3.5-turbo", messages=MSG, stream=True)
    text = "".join([c["choices"][0]["delta"].get("content") or "" async for c in s if c["choices"]])
    assert text == "You said: Hello!"


async def test_c1_1000_concurrent_requests_on_one_client(aclient):
    """C-1 (Python): 1,000 concurrent requests, 50 ms latency, 5 % scripted 429/500 → all succeed
    after retries, each answer matched to its request."""
    run = f"c1-{time.monotonic_ns()}"

    async def one(i: int) -> str:
        spec = "latency=50"
        if i % 20 == 3:
            spec += f";status={429 if i % 40 == 3 else 500};times=1;retry-after-ms=5"
        r = await aclient.chat.completions.create(
            model="m",
            messages=[{"role": "user", "content": f"req {i}"}],
            extra_headers=fault(f"{run}-{i}", spec),
        )
        return r.choices[0].message.content

    out = await asyncio.gather(*(one(i) for i in range(1000)))
    assert out == [f"You said: req {i}" for i in range(1000)]


async def test_p6_async_stream_exit_releases_the_connection(base_url, mock, test_id):
    """P-6 / S-13 for AsyncStream: leaving `async with` (or breaking) closes the connection."""
    from test_stream import _established_to

    c = openai_rs.AsyncOpenAI(api_key="k", base_url=base_url)
    before = _established_to(mock.port)
    s = await c.chat.completions.create(
        model="m", messages=MSG, stream=True, extra_headers=fault(test_id, "stall-after=1")
    )
    async with s:
        async for _ in s:
            break
        (mine,) = _established_to(mock.port) - before
    t0 = time.monotonic()
    while mine in _established_to(mock.port) and time.monotonic() - t0 < 2:
        await asyncio.sleep(0.005)
    assert mine not in _established_to(mock.port)
    assert time.monotonic() - t0 < 0.35
