"""client.bulk, its async twin and `python -m openai_rs bulk` against the mock: every row once,
one shared pause after a 429 burst, per-row errors, Ctrl-C, and resume after a SIGKILL."""

from __future__ import annotations

import asyncio
import json
import os
import pickle
import signal
import subprocess
import sys
import time
import types
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

import openai_rs
from conftest import Mock, fault, sigint_default
from openai_rs import _bulk
from openai_rs.types.chat import ChatCompletion


def row(cid: str, url: str = "/v1/chat/completions", **body) -> dict:
    if not body:
        body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"row {cid}"}]}
    return {"custom_id": cid, "method": "POST", "url": url, "body": body}


def answered(entries: list[dict]) -> Counter:
    """custom ids the mock answered with 200, from the text each body carried."""
    c: Counter = Counter()
    for e in entries:
        if e["status"] == 200:
            body = json.loads(e["body"])
            text = body["messages"][0]["content"] if "messages" in body else body["input"]
            c[text.removeprefix("row ")] += 1
    return c


def lines(p: Path) -> list[dict]:
    return [json.loads(x) for x in p.read_text().splitlines()]


def test_every_row_answered_once_typed_and_written(client, mock, test_id, tmp_path):
    rows = [row(f"r{i}") for i in range(20)]
    rows += [
        row(f"e{i}", "/v1/embeddings", model="text-embedding-3-small", input=f"row e{i}")
        for i in range(5)
    ]
    rows += [
        row(f"p{i}", "/v1/responses", model="gpt-4o-mini", input=f"row p{i}") for i in range(5)
    ]
    out = tmp_path / "out.jsonl"
    seen = []
    res = client.bulk(
        iter(rows),
        output=out,
        concurrency=6,
        order="input",
        progress=seen.append,
        extra_headers=fault(test_id, ""),
    )
    assert [r.custom_id for r in res] == [r["custom_id"] for r in rows]
    assert all(r.ok for r in res) and not res.failed
    assert isinstance(res[0].response, openai_rs.types.ChatCompletion)
    assert res[3].response.choices[0].message.content == "You said: row r3"
    assert isinstance(res[20].response, openai_rs.types.CreateEmbeddingResponse)
    assert res[25].response.output_text == "You said: row p0"
    assert res[0].request_id.startswith("req_") and res[0].status_code == 200
    s = res.summary
    assert (s["ok"], s["failed"], s["skipped"]) == (30, 0, 0)
    assert s["prompt_tokens"] > 0 and s["cost_usd"] > 0
    assert seen and seen[-1]["done"] == 30 and seen[-1]["total"] == 30

    counts = answered(mock.journal(test_id))
    assert len(counts) == 30 and set(counts.values()) == {1}
    written = lines(out)
    assert sorted(x["custom_id"] for x in written) == sorted(r["custom_id"] for r in rows)
    assert all(x["response"]["status_code"] == 200 and x["error"] is None for x in written)

    # Again with the same output: nothing left to do, nothing sent.
    before = len(mock.journal(test_id))
    again = client.bulk(rows, output=out, progress=False, extra_headers=fault(test_id, ""))
    assert again.summary["skipped"] == 30 and len(again) == 0
    assert len(mock.journal(test_id)) == before


def test_responses_are_built_on_first_use_and_results_pickle(client, test_id):
    from openai_rs import _native

    results = client.bulk(
        [row("a"), row("b")], progress=False, extra_headers={"x-test-id": test_id}
    )
    a = next(r for r in results if r.custom_id == "a")
    assert isinstance(a._answer, _native.Answer) and a._response is None
    first = a.response
    assert isinstance(first, ChatCompletion)
    assert a.response is first and a._answer is None
    assert first.choices[0].message.content == "You said: row a"
    b = next(r for r in results if r.custom_id == "b")
    again = pickle.loads(pickle.dumps(b))
    assert again == b and again.response.choices[0].message.content == "You said: row b"
    assert "custom_id='b'" in repr(b)


def test_a_429_burst_is_one_shared_pause(client, mock, test_id):
    rows = [row(f"b{i}") for i in range(30)]
    res = client.bulk(
        rows,
        concurrency=12,
        progress=False,
        # The answers wait 100 ms, so the whole first wave reaches the limiter before the runner
        # can learn the limit from an answer's headers: the burst is refused however fast it runs.
        extra_headers=fault(test_id, "rpm=600;rate-window=500;delay-headers=100"),
    )
    assert res.summary["ok"] == 30
    entries = mock.journal(test_id)
    limited = sum(e["status"] == 429 for e in entries)
    assert limited == res.summary["rate_limited"]
    # At most the first wave is refused; retries do not storm.
    assert 1 <= limited <= 12, limited
    assert 1 <= res.summary["pauses"] <= 3
    counts = answered(entries)
    assert len(counts) == 30 and set(counts.values()) == {1}


def test_per_row_failures_do_not_stop_the_run(client, mock, test_id, tmp_path):
    rows = [row("ok1"), row("no-messages", model="gpt-4o-mini"), row("ok2")]
    rows.append(row("bad-url", "/v1/images/generations", prompt="x"))
    out = tmp_path / "mixed.jsonl"
    res = client.bulk(
        rows, output=str(out), order="input", progress=False, extra_headers=fault(test_id, "")
    )
    by = {r.custom_id: r for r in res}
    assert by["ok1"].ok and by["ok2"].ok
    assert isinstance(by["no-messages"].error, openai_rs.BadRequestError)
    assert by["no-messages"].status_code == 400
    assert isinstance(by["bad-url"].error, openai_rs.InvalidArgumentError)
    assert res.summary["failed"] == 2 and len(res.failed) == 2
    written = {x["custom_id"]: x for x in lines(out)}
    assert written["no-messages"]["response"]["status_code"] == 400
    assert written["bad-url"]["error"]["code"] == "invalid_argument"


def test_bad_input_fails_before_sending(client, tmp_path):
    p = tmp_path / "in.jsonl"
    p.write_text(json.dumps(row("a")) + "\n{not json\n")
    with pytest.raises(openai_rs.InvalidArgumentError, match="line 2"):
        client.bulk(p, progress=False)
    with pytest.raises(ValueError, match="order"):
        client.bulk([row("a")], order="sideways", progress=False)
    with pytest.raises(ValueError, match="request 0"):
        client.bulk([{"url": "/v1/embeddings"}], progress=False)
    # Any Mapping is a row.
    res = client.bulk([types.MappingProxyType(row("m"))], progress=False, max_retries=0)
    assert [r.custom_id for r in res] == ["m"]
    # A dict whose fields are of the wrong type is refused the same way.
    with pytest.raises(ValueError, match="request 1"):
        client.bulk([row("a"), {**row("b"), "custom_id": 5}], progress=False)
    with pytest.raises(ValueError, match="request 0"):
        client.bulk([{**row("a"), "method": None}], progress=False)


async def test_async_twin(aclient, mock, test_id):
    rows = [row(f"a{i}") for i in range(10)]
    res = await aclient.bulk(rows, concurrency=4, progress=False, extra_headers=fault(test_id, ""))
    assert res.summary["ok"] == 10
    assert sorted(r.custom_id for r in res) == sorted(r["custom_id"] for r in rows)
    assert set(answered(mock.journal(test_id)).values()) == {1}


def test_builtin_bar_on_a_terminal(client, test_id, monkeypatch, capsys):
    monkeypatch.setattr(_bulk.importlib.util, "find_spec", lambda name: None)
    client.bulk([row(f"t{i}") for i in range(5)], progress=True, extra_headers=fault(test_id, ""))
    err = capsys.readouterr().err
    assert "\r[####################] 5/5 failed 0" in err


def test_interrupt_stops_the_run_and_keeps_finished_rows(client, mock, test_id, tmp_path):
    rows = [row(f"k{i}") for i in range(60)]
    out = tmp_path / "k.jsonl"

    def interrupt(p):
        if p["done"] >= 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        client.bulk(
            rows,
            output=out,
            concurrency=2,
            progress=interrupt,
            extra_headers=fault(test_id, "latency=30"),
        )
    kept = len(lines(out))
    assert 5 <= kept < 60
    time.sleep(0.2)
    sent = len(mock.journal(test_id))
    time.sleep(0.3)
    assert len(mock.journal(test_id)) == sent, "the run went on after the interrupt"
    res = client.bulk(rows, output=out, progress=False, extra_headers=fault(test_id, ""))
    assert res.summary["skipped"] == kept and res.summary["ok"] == 60 - kept
    assert sorted(x["custom_id"] for x in lines(out)) == sorted(r["custom_id"] for r in rows)


def test_cancel_right_after_the_start_returns(mock, test_id, tmp_path):
    # cancel() waits for the run to end, and must see that end also when the run's task is
    # dropped before its first poll. On one CPU the task has not run yet when cancel() comes
    # (the Python thread holds the CPU), so the child process is pinned to one.
    script = f"""
import openai_rs
from openai_rs import _bulk
c = openai_rs.OpenAI(api_key="sk-test-key", base_url={mock.url!r})
rows = [{{"custom_id": f"z{{i}}", "method": "POST", "url": "/v1/chat/completions",
          "body": {{"model": "gpt-4o-mini", "messages": [{{"role": "user", "content": "hi"}}]}}}}
        for i in range(20)]
for i in range(50):
    r = _bulk._start(c._native, rows, {str(tmp_path)!r} + f"/z{{i}}.jsonl", order="completed",
                     extra_headers={{"x-test-id": {test_id!r}, "x-mock-fault": "latency=30"}})
    r.cancel()
print("ok")
"""
    cpu = min(os.sched_getaffinity(0))
    p = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=lambda: os.sched_setaffinity(0, {cpu}),
    )
    assert p.returncode == 0 and p.stdout.strip() == "ok", p.stderr


def test_cli_resumes_after_sigkill(tmp_path):
    m = Mock("--latency-ms", "40")
    try:
        inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
        inp.write_text("".join(json.dumps(row(f"c{i}")) + "\n" for i in range(150)))
        env = dict(os.environ, OPENAI_API_KEY="sk-test-key", OPENAI_BASE_URL=m.url)
        cmd = [sys.executable, "-m", "openai_rs", "bulk", str(inp), str(out)]
        p = subprocess.Popen(
            [*cmd, "--concurrency", "2"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if out.exists() and out.read_text().count("\n") >= 10:
                break
            time.sleep(0.02)
        p.send_signal(signal.SIGKILL)
        p.communicate(timeout=10)
        assert p.returncode == -signal.SIGKILL
        kept = out.read_text().count("\n")
        assert 10 <= kept < 150

        done = subprocess.run(
            [*cmd, "--concurrency", "8", "--rpm", "60000", "--tpm", "10000000"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert f"skipped {kept}" in done.stdout, done.stdout
        assert "rows ok" in done.stdout and "failed 0" in done.stdout
        ids = [x["custom_id"] for x in lines(out)]
        assert len(ids) == 150 and len(set(ids)) == 150
        # The server answered every row; only rows in flight at the kill were sent twice.
        root = m.url.rsplit("/v1", 1)[0]
        with urllib.request.urlopen(f"{root}/__mock/journal", timeout=5) as r:
            counts = answered(json.load(r))
        assert len(counts) == 150
        assert sum(n - 1 for n in counts.values()) <= 2
    finally:
        m.stop()


def test_cli_ctrl_c_stops_promptly_and_the_rest_resumes(tmp_path):
    m = Mock("--latency-ms", "30")
    try:
        inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
        inp.write_text("".join(json.dumps(row(f"i{i}")) + "\n" for i in range(200)))
        env = dict(os.environ, OPENAI_API_KEY="sk-test-key", OPENAI_BASE_URL=m.url)
        cmd = [sys.executable, "-m", "openai_rs", "bulk", str(inp), str(out)]
        p = subprocess.Popen(
            [*cmd, "--concurrency", "2"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=sigint_default,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if out.exists() and out.read_text().count("\n") >= 5:
                break
            time.sleep(0.02)
        sent = time.monotonic()
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=10)
        assert time.monotonic() - sent < 2.0
        assert p.returncode == 130, err
        assert "run again to resume" in err
        kept = out.read_text().count("\n")
        assert 5 <= kept < 200
        done = subprocess.run(
            [*cmd, "--concurrency", "8", "--no-progress"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0 and f"skipped {kept}" in done.stdout, done.stdout
        ids = [x["custom_id"] for x in lines(out)]
        assert len(ids) == 200 and len(set(ids)) == 200
    finally:
        m.stop()


async def test_cancelling_the_async_twin_stops_the_run(aclient, mock, test_id, tmp_path):
    import asyncio

    rows = [row(f"x{i}") for i in range(100)]
    out = tmp_path / "x.jsonl"
    task = asyncio.create_task(
        aclient.bulk(
            rows,
            output=out,
            concurrency=2,
            progress=False,
            extra_headers=fault(test_id, "latency=30"),
        )
    )
    while not out.exists() or out.read_text().count("\n") < 3:
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.2)
    sent = len(mock.journal(test_id))
    await asyncio.sleep(0.3)
    assert len(mock.journal(test_id)) == sent, "the run went on after the cancel"
    assert 3 <= len(lines(out)) < 100


# ------------------------------------------------------------------- the Batch API end to end


def test_batches_run_joins_answers_in_input_order_and_resumes(client, mock, test_id, tmp_path):
    rows = [
        {
            "custom_id": f"b-{i}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"row {i}"}]},
        }
        for i in range(5)
    ]
    rows[2]["body"].pop("model")  # the batch answers this line with a 400
    state = tmp_path / "batches.json"
    seen = []
    h = {"x-test-id": test_id, "x-mock-fault": "batch-polls=2"}
    res = client.batches.run(
        rows, state_file=state, poll_interval=0.01, progress=seen.append, extra_headers=h
    )
    assert [r.custom_id for r in res] == [f"b-{i}" for i in range(5)]
    assert [r.ok for r in res] == [True, True, False, True, True]
    assert res[0].response.choices[0].message.content == "You said: row 0"
    assert isinstance(res[2].error, openai_rs.BadRequestError)
    assert res.summary["ok"] == 4 and res.summary["failed"] == 1
    assert seen and seen[-1]["done"] == 5
    batches = [
        e for e in mock.journal(test_id) if e["method"] == "POST" and e["path"] == "/v1/batches"
    ]
    assert len(batches) == 1 and state.exists()
    # Again with the state file: the same answers, no new batch.
    again = client.batches.run(rows, state_file=state, poll_interval=0.01, extra_headers=h)
    assert [r.ok for r in again] == [r.ok for r in res]
    batches = [
        e for e in mock.journal(test_id) if e["method"] == "POST" and e["path"] == "/v1/batches"
    ]
    assert len(batches) == 1


def test_async_batches_run(aclient, test_id):
    rows = [
        {"custom_id": "e", "method": "POST", "url": "/v1/embeddings",
         "body": {"model": "text-embedding-3-small", "input": "x"}},
    ]  # fmt: skip

    async def main():
        return await aclient.batches.run(
            rows, poll_interval=0.01, extra_headers={"x-test-id": test_id}
        )

    res = asyncio.run(main())
    assert res[0].ok and len(res[0].response.data[0].embedding) > 0


def test_import_does_not_load_asyncio_or_the_runner():
    # asyncio (with ssl) costs tens of milliseconds and several MiB; only a bulk run needs it.
    code = (
        "import sys, openai_rs\n"
        "c = openai_rs.OpenAI(api_key='k'); c.bulk; openai_rs.AsyncOpenAI(api_key='k')\n"
        "assert 'asyncio' not in sys.modules, 'asyncio imported'\n"
        "assert 'openai_rs._bulk' not in sys.modules\n"
        "openai_rs.BulkResults\n"
        "assert 'openai_rs._bulk' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
