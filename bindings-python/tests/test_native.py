"""Native behaviour: the GIL is released, Ctrl-C works, threads share a client, fork is safe."""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import openai_rs
from conftest import MSG, fault, sigint_default

HERE = os.path.dirname(__file__)


def test_p1_gil_is_released_during_io(client, test_id):
    """P-1: 16 threads × one call with 500 ms latency ≈ 0.5 s, not 8 s; Python keeps running."""
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.01)

    results = []

    def call(i):
        r = client.chat.completions.create(
            model="m",
            messages=[{"role": "user", "content": f"t{i}"}],
            extra_headers=fault(f"{test_id}-{i}", "latency=500"),
        )
        results.append(r.choices[0].message.content)

    tick = threading.Thread(target=ticker)
    tick.start()
    threads = [threading.Thread(target=call, args=(i,)) for i in range(16)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    elapsed = time.monotonic() - t0
    stop.set()
    tick.join()
    assert sorted(results) == sorted(f"You said: t{i}" for i in range(16))
    assert elapsed <= 1.0, elapsed
    assert len(ticks) >= 20  # the pure-Python thread ran meanwhile


def test_c2_64_threads_share_one_client(client):
    """C-2 (Python): 64 threads × 200 requests on one client, 5 % scripted 429/500."""
    errors, done = [], []
    n_threads, per_thread = 64, 200

    def worker(t):
        try:
            for i in range(per_thread):
                tid = f"c2-{t}-{i}-{os.getpid()}-{time.monotonic_ns()}"
                headers = {"x-test-id": tid}
                if i % 20 == 7:
                    headers["x-mock-fault"] = (
                        f"status={429 if t % 2 else 500};times=1;retry-after-ms=1"
                    )
                r = client.chat.completions.create(
                    model="m",
                    messages=[{"role": "user", "content": f"{t}:{i}"}],
                    extra_headers=headers,
                )
                if r.choices[0].message.content != f"You said: {t}:{i}":
                    errors.append(("cross-talk", t, i, r.choices[0].message.content))
            done.append(t)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert errors == []
    assert len(done) == n_threads


def test_p7_ctrl_c_interrupts_a_blocking_call(base_url, tmp_path):
    """P-7: SIGINT during a blocking call raises KeyboardInterrupt within ~100 ms."""
    script = tmp_path / "sigint.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys, time
            import openai_rs
            c = openai_rs.OpenAI(api_key="k", base_url={base_url!r})
            print("ready", flush=True)
            t0 = time.monotonic()
            try:
                c.chat.completions.create(model="m", messages=[{{"role": "user", "content": "x"}}],
                                          extra_headers={{"x-mock-fault": "delay-headers=20000"}})
            except KeyboardInterrupt:
                print("interrupted", flush=True)
                sys.stdout.write(f"{{time.monotonic():.6f}}\\n")
                sys.exit(0)
            print("not interrupted")
            sys.exit(1)
            """
        )
    )
    p = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=sigint_default,
    )
    assert p.stdout is not None
    assert p.stdout.readline().strip() == "ready"
    time.sleep(0.5)
    sent = time.monotonic()
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=10)
    p.stdout.close()
    lines = out.split()
    assert p.returncode == 0 and lines[0] == "interrupted", out
    assert float(lines[1]) - sent < 0.1 + 0.15


def _child_uses_parent_client(client, q):
    t0 = time.monotonic()
    try:
        r = client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "child"}]
        )
        q.put(("ok", r.choices[0].message.content, time.monotonic() - t0))
    except openai_rs.OpenAIError as e:  # reported to the parent, which fails the test
        q.put(("error", f"{type(e).__name__}: {e}", time.monotonic() - t0))


def _child_async(client, q):
    """The parent's own AsyncOpenAI, used in the child on a new event loop."""
    import asyncio

    async def main():
        r = await client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "async child"}]
        )
        return r.choices[0].message.content

    t0 = time.monotonic()
    try:
        q.put(("ok", asyncio.run(main()), time.monotonic() - t0))
    except openai_rs.OpenAIError as e:
        q.put(("error", f"{type(e).__name__}: {e}", time.monotonic() - t0))


@pytest.mark.parametrize("target", [_child_uses_parent_client, _child_async], ids=["sync", "async"])
def test_p3_fork_child_uses_parent_client(client, target):
    """P-3: fork after the parent used the client (and its runtime); the child's call with that
    same client object works in < 2 s."""
    import asyncio

    if target is _child_async:
        parent_client = openai_rs.AsyncOpenAI(api_key="k", base_url=client.base_url)

        async def warm():
            await parent_client.chat.completions.create(model="m", messages=MSG)

        asyncio.run(warm())  # the async client's runtime and pool are live in the parent
    else:
        parent_client = client
        client.chat.completions.create(model="m", messages=MSG)  # runtime and pool are live
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=target, args=(parent_client, q))
    t0 = time.monotonic()
    p.start()
    p.join(10)
    assert not p.is_alive(), "the forked child hung"
    status, value, _ = q.get(timeout=1)
    assert time.monotonic() - t0 < 2.0
    assert status == "ok", value
    assert value.startswith("You said:")
    q.close()
    # the parent is unaffected
    assert client.chat.completions.create(model="m", messages=MSG).choices[0].message.content


def _spawned_worker(payload):
    c = pickle.loads(payload)
    return (
        c.chat.completions.create(model="m", messages=[{"role": "user", "content": "w"}])
        .choices[0]
        .message.content
    )


def test_client_config_pickles_to_spawned_workers(client):
    ctx = mp.get_context("spawn")
    with ctx.Pool(2) as pool:
        out = pool.map(_spawned_worker, [pickle.dumps(client)] * 4)
    assert out == ["You said: w"] * 4


def test_client_passed_directly_to_a_pool(client):
    ctx = mp.get_context("spawn")
    with ctx.Pool(1) as pool:
        assert pool.apply(_call_with, (client,)) == "You said: direct"


def _call_with(c):
    return (
        c.chat.completions.create(model="m", messages=[{"role": "user", "content": "direct"}])
        .choices[0]
        .message.content
    )
