"""The client options real code passes: http_client=, websocket_base_url, webhook_secret,
default headers / query, timeout shapes, per-call extra_* on every method, copy(), the
version and NOT_GIVEN / omit. Each checked in the mock's journal."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import warnings

import httpx2
import pytest

import openai_rs
from conftest import MSG, free_port, header
from openai_rs import NOT_GIVEN, AsyncOpenAI, OpenAI, omit
from openai_rs._client_util import _warned_http_client
from openai_rs._resources import _Resource

RESOURCES = (
    "chat",
    "images",
    "embeddings",
    "models",
    "responses",
    "files",
    "uploads",
    "batches",
    "audio",
    "moderations",
    "completions",
)
# The official SDK's helpers that make several requests take no per-call options either.
# Helpers made of several calls (their options reach each call; tested where they are).
HELPERS = {"wait_for_processing", "upload_file_chunked", "run"}
OPTIONS = ("extra_headers", "extra_query", "extra_body", "timeout")


def methods(resource, path):
    for name in dir(type(resource)):
        if name.startswith("_") or name in ("with_raw_response", "with_streaming_response"):
            continue
        attr = getattr(resource, name)
        if isinstance(attr, _Resource):
            yield from methods(attr, f"{path}.{name}")
        elif callable(attr) and name not in HELPERS:
            yield f"{path}.{name}", attr


@pytest.fixture
def fresh_warning():
    _warned_http_client[0] = False
    yield
    _warned_http_client[0] = False


# --------------------------------------------------------------------------- http_client=


def test_http_client_is_accepted_with_one_warning_and_its_timeout(base_url, fresh_warning):
    hc = httpx2.Client(timeout=httpx2.Timeout(12.0, connect=3.0))
    with pytest.warns(openai_rs.HttpClientNotUsedWarning, match="proxy=, ca_file="):
        c = OpenAI(api_key="k", base_url=base_url, http_client=hc)
    t = c.timeout
    assert (t.connect, t.read, t.stream_idle) == (3.0, 12.0, 12.0)
    assert c.models.retrieve("gpt-4o").id == "gpt-4o"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the second time is silent
        c2 = OpenAI(api_key="k", base_url=base_url, http_client=httpx2.Client())
        c3 = c.with_options(http_client=httpx2.Client(timeout=20))
    # httpx's own default (5 s everywhere) is not a choice: our defaults stay.
    assert (c2.timeout.connect, c2.timeout.read) == (5.0, 600.0)
    assert c3.timeout.read == 20.0
    # An explicit timeout= wins over the http_client's.
    c4 = OpenAI(api_key="k", base_url=base_url, http_client=hc, timeout=30)
    assert c4.timeout.read == 30.0


def test_default_httpx_client_proxy_and_ca_are_honoured(base_url, mock, tinyproxy, test_id):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # everything on it is honoured: no warning
        c = OpenAI(
            api_key="k",
            base_url=base_url,
            http_client=openai_rs.DefaultHttpxClient(proxy=tinyproxy, timeout=33.0),
        )
    assert c.timeout.read == 33.0
    c.models.retrieve("gpt-4o", extra_headers={"x-test-id": test_id})
    (entry,) = mock.journal(test_id)
    assert "tinyproxy" in (header(entry, "via") or "")
    # An explicit proxy= wins (here a dead one, so the call fails instead of going through).
    dead = f"http://127.0.0.1:{free_port()}"
    c2 = OpenAI(
        api_key="k",
        base_url=base_url,
        max_retries=0,
        proxy=dead,
        http_client=openai_rs.DefaultHttpxClient(proxy=tinyproxy),
    )
    with pytest.raises(openai_rs.APIConnectionError):
        c2.models.retrieve("gpt-4o")
    # verify= a path is the CA bundle (a missing one is refused).
    with pytest.raises(openai_rs.OpenAIError, match=r"nope\.pem"):
        OpenAI(api_key="k", http_client=openai_rs.DefaultHttpxClient(verify="/nope.pem"))


def test_default_httpx_client_warns_about_what_it_cannot_honour(base_url, fresh_warning):
    hc = openai_rs.DefaultAsyncHttpxClient(transport=object(), verify=False)
    with pytest.warns(openai_rs.HttpClientNotUsedWarning, match="transport, verify=False"):
        AsyncOpenAI(api_key="k", base_url=base_url, http_client=hc)


def test_http_client_on_azure_and_async(base_url, fresh_warning):
    with pytest.warns(openai_rs.HttpClientNotUsedWarning):
        a = openai_rs.AzureOpenAI(
            api_key="k",
            azure_endpoint="https://example.openai.azure.com",
            api_version="2024-10-21",
            http_client=httpx2.Client(timeout=7.0),
        )
    assert a.timeout.read == 7.0
    ac = AsyncOpenAI(api_key="k", base_url=base_url, http_client=httpx2.AsyncClient())
    assert ac.timeout.read == 600.0


# ---------------------------------------------------------------------- constructor options


def test_websocket_base_url_and_webhook_secret_are_accepted(base_url):
    c = OpenAI(
        api_key="k",
        base_url=base_url,
        websocket_base_url="wss://example.invalid/v1",
        webhook_secret="whsec_x",  # noqa: S106 (a made-up secret)
        _strict_response_validation=True,
    )
    assert c.models.retrieve("gpt-4o").id == "gpt-4o"
    c2 = c.with_options(websocket_base_url="wss://other.invalid", webhook_secret=None)
    assert c2.base_url == c.base_url


def test_timeout_float_and_httpx_timeout(base_url, test_id):
    assert OpenAI(api_key="k", base_url=base_url, timeout=9.5).timeout.read == 9.5
    t = OpenAI(api_key="k", base_url=base_url, timeout=httpx2.Timeout(40.0, connect=2.0)).timeout
    assert (t.connect, t.read, t.stream_idle) == (2.0, 40.0, 40.0)
    off = OpenAI(api_key="k", base_url=base_url, timeout=httpx2.Timeout(None)).timeout
    assert (off.connect, off.read) == (None, None)
    c = OpenAI(api_key="k", base_url=base_url, max_retries=0)
    with pytest.raises(openai_rs.APITimeoutError):
        c.chat.completions.create(
            model="m",
            messages=MSG,
            timeout=httpx2.Timeout(0.3),
            extra_headers={"x-mock-fault": "delay-headers=2000", "x-test-id": test_id},
        )


def test_timeout_takes_the_httpx_arguments(base_url):
    # openai.Timeout is httpx's: code written for it passes write= and pool= too.
    t = openai_rs.Timeout(60.0, read=5.0, write=10.0, connect=2.0)
    assert (t.connect, t.read, t.write, t.pool, t.stream_idle) == (2.0, 5.0, 10.0, 60.0, 60.0)
    c = OpenAI(api_key="k", base_url=base_url, timeout=t).timeout
    assert (c.connect, c.read) == (2.0, 5.0)


def test_default_headers_and_query_merge_or_replace(base_url, mock, test_id):
    c = OpenAI(
        api_key="k",
        base_url=base_url,
        default_headers={"x-test-id": test_id, "x-app": "one"},
        default_query={"a": "1"},
    )
    c.models.retrieve("gpt-4o")
    added = c.with_options(default_headers={"x-more": "yes"}, default_query={"b": "2"})
    added.models.retrieve("gpt-4o")
    replaced = c.with_options(
        set_default_headers={"x-test-id": test_id}, set_default_query={"c": "3"}
    )
    replaced.models.retrieve("gpt-4o")
    first, second, third = mock.journal(test_id)
    assert header(first, "x-app") == "one" and "a=1" in first["query"]
    assert header(second, "x-app") == "one" and header(second, "x-more") == "yes"
    assert "a=1" in second["query"] and "b=2" in second["query"]
    assert header(third, "x-app") is None and header(third, "x-more") is None
    assert third["query"] == "c=3"
    assert replaced.expose_api_key() == "k"
    with pytest.raises(ValueError, match="mutually exclusive"):
        c.with_options(default_headers={"a": "b"}, set_default_headers={"a": "c"})


def test_copy_is_with_options(client, mock, test_id):
    c2 = client.copy(max_retries=0, default_headers={"x-test-id": test_id})
    assert type(c2) is OpenAI and c2.max_retries == 0 and client.max_retries == 2
    c2.models.list()
    assert header(mock.journal(test_id)[0], "authorization") == "Bearer sk-test-key"
    assert type(AsyncOpenAI(api_key="k").copy()) is AsyncOpenAI


def test_version_and_not_given():
    assert isinstance(openai_rs.__version__, str) and openai_rs.__version__[0].isdigit()
    assert openai_rs.__version__ == openai_rs.VERSION
    assert not NOT_GIVEN and repr(NOT_GIVEN) == "NOT_GIVEN"
    assert openai_rs.not_given is NOT_GIVEN and not omit


def test_not_given_and_omit_leave_parameters_out(client, mock, test_id):
    client.chat.completions.create(
        model="m",
        messages=MSG,
        temperature=NOT_GIVEN,
        max_tokens=omit,
        seed=3,
        timeout=NOT_GIVEN,
        extra_headers={"x-test-id": test_id},
    )
    client.embeddings.create(
        model="e", input="x", dimensions=NOT_GIVEN, extra_headers={"x-test-id": test_id}
    )
    client.responses.create(
        model="m", input="x", instructions=omit, extra_headers={"x-test-id": test_id}
    )
    chat, emb, resp = (json.loads(e["body"]) for e in mock.journal(test_id))
    assert set(chat) == {"model", "messages", "seed"}
    assert "dimensions" not in emb and emb["input"] == "x"
    assert set(resp) == {"model", "input"}


# ------------------------------------------------------------------ per-call request options


def test_every_method_takes_the_request_options(client, aclient):
    seen = 0
    for c in (client, aclient):
        for res in RESOURCES:
            for path, fn in methods(getattr(c, res), res):
                params = inspect.signature(fn).parameters
                missing = [o for o in OPTIONS if o not in params]
                assert not missing, f"{path} lacks {missing}"
                seen += 1
    assert seen > 70  # the walk found the methods


def _calls(c, made):
    """One call per method, with the ids it needs."""
    fid, bid, rid, cid, model = made["file"], made["batch"], made["resp"], made["chat"], "ft:x:1"
    up = made["upload"]
    wav = ("a.wav", b"\x01" * 16)
    return {
        "chat.completions.create": lambda **o: c.chat.completions.create(
            model="m", messages=MSG, **o
        ),
        "chat.completions.retrieve": lambda **o: c.chat.completions.retrieve(cid, **o),
        "chat.completions.update": lambda **o: c.chat.completions.update(
            cid, metadata={"k": "v"}, **o
        ),
        "chat.completions.list": lambda **o: c.chat.completions.list(**o),
        "chat.completions.messages.list": lambda **o: c.chat.completions.messages.list(cid, **o),
        "chat.completions.parse": lambda **o: c.chat.completions.parse(
            model="m", messages=MSG, **o
        ),
        "chat.completions.stream": lambda **o: _drain(
            c.chat.completions.stream(model="m", messages=MSG, **o)
        ),
        "chat.completions.delete": lambda **o: c.chat.completions.delete(cid, **o),
        "images.generate": lambda **o: c.images.generate(prompt="p", **o),
        "images.edit": lambda **o: c.images.edit(image=("i.png", b"png"), prompt="p", **o),
        "images.create_variation": lambda **o: c.images.create_variation(
            image=("i.png", b"png"), **o
        ),
        "embeddings.create": lambda **o: c.embeddings.create(model="e", input="x", **o),
        "models.list": lambda **o: c.models.list(**o),
        "models.retrieve": lambda **o: c.models.retrieve("gpt-4o", **o),
        "models.delete": lambda **o: _sent(lambda: c.models.delete(model, **o)),
        "responses.create": lambda **o: c.responses.create(model="m", input="x", **o),
        "responses.stream": lambda **o: _drain(c.responses.stream(model="m", input="x", **o)),
        "responses.parse": lambda **o: c.responses.parse(model="m", input="x", **o),
        "responses.retrieve": lambda **o: c.responses.retrieve(rid, **o),
        "responses.input_items.list": lambda **o: c.responses.input_items.list(rid, **o),
        "responses.input_tokens.count": lambda **o: c.responses.input_tokens.count(
            model="m", input="x", **o
        ),
        "responses.cancel": lambda **o: _sent(lambda: c.responses.cancel(rid, **o)),
        "responses.delete": lambda **o: c.responses.delete(rid, **o),
        "files.create": lambda **o: c.files.create(file=("f.txt", b"x"), purpose="user_data", **o),
        "files.retrieve": lambda **o: c.files.retrieve(fid, **o),
        "files.list": lambda **o: c.files.list(**o),
        "files.content": lambda **o: c.files.content(fid, **o).read(),
        "files.delete": lambda **o: c.files.delete(fid, **o),
        "uploads.create": lambda **o: c.uploads.create(
            bytes=1, filename="u", mime_type="text/plain", purpose="batch", **o
        ),
        "uploads.parts.create": lambda **o: c.uploads.parts.create(up, data=b"a", **o),
        "uploads.complete": lambda **o: c.uploads.complete(up, part_ids=[made["part"]], **o),
        "uploads.cancel": lambda **o: _sent(lambda: c.uploads.cancel(made["upload2"], **o)),
        "batches.create": lambda **o: c.batches.create(
            input_file_id=made["batch_file"],
            endpoint="/v1/chat/completions",
            completion_window="24h",
            **o,
        ),
        "batches.retrieve": lambda **o: c.batches.retrieve(bid, **o),
        "batches.list": lambda **o: c.batches.list(**o),
        "batches.cancel": lambda **o: _sent(lambda: c.batches.cancel(bid, **o)),
        "audio.transcriptions.create": lambda **o: c.audio.transcriptions.create(
            file=wav, model="whisper-1", **o
        ),
        "audio.translations.create": lambda **o: c.audio.translations.create(
            file=wav, model="whisper-1", **o
        ),
        "audio.speech.create": lambda **o: c.audio.speech.create(
            model="tts-1", input="hi", voice="alloy", **o
        ).read(),
        "moderations.create": lambda **o: c.moderations.create(input="x", **o),
        "completions.create": lambda **o: c.completions.create(model="m", prompt="x", **o),
    }


def _drain(manager):
    with manager as s:
        for _ in s:
            pass


def _sent(fn):
    """Only the request matters here (the mock may refuse it for the state of the object)."""
    with contextlib.suppress(openai_rs.APIStatusError):
        fn()


def _prepare(c):
    f = c.files.create(file=("f.txt", b"x"), purpose="user_data")
    bf = c.files.create(file=("b.jsonl", b'{"custom_id": "r"}\n'), purpose="batch")
    b = c.batches.create(
        input_file_id=bf.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    up = c.uploads.create(bytes=1, filename="u", mime_type="text/plain", purpose="batch")
    up2 = c.uploads.create(bytes=1, filename="v", mime_type="text/plain", purpose="batch")
    part = c.uploads.parts.create(up.id, data=b"a")
    stored = c.chat.completions.create(model="m", messages=MSG, store=True)
    r = c.responses.create(model="m", input="x")
    return {
        "file": f.id,
        "batch_file": bf.id,
        "batch": b.id,
        "upload": up.id,
        "upload2": up2.id,
        "part": part.id,
        "chat": stored.id,
        "resp": r.id,
    }


def test_every_method_sends_extra_headers_query_and_body(client, mock, test_id):
    calls = _calls(client, _prepare(client))
    expected = {p for r in RESOURCES for p, _ in methods(getattr(client, r), r)}
    assert set(calls) == expected
    for path, call in calls.items():
        tid = f"{test_id}-{path}"
        call(
            extra_headers={"x-test-id": tid, "x-extra": "h"},
            extra_query={"xq": "1"},
            extra_body={"xb": 1},
            timeout=30.0,
        )
        entries = mock.journal(tid)
        assert entries, path
        for e in entries:
            assert header(e, "x-extra") == "h", path
            assert "xq=1" in e["query"], path
            if e["method"] == "POST" and e.get("multipart"):
                names = {p["name"] for p in e["multipart"]}
                assert "xb" in names, (path, names)
            elif e["method"] == "POST" and e["body"]:
                assert json.loads(e["body"]).get("xb") == 1, path


def test_async_methods_send_the_request_options(aclient, mock, test_id):
    opts = {
        "extra_headers": {"x-test-id": test_id, "x-extra": "h"},
        "extra_query": {"xq": "1"},
        "extra_body": {"xb": 1},
        "timeout": 30.0,
    }

    async def go():
        await aclient.chat.completions.create(model="m", messages=MSG, **opts)
        await aclient.embeddings.create(model="e", input="x", **opts)
        await aclient.images.generate(prompt="p", **opts)
        await aclient.models.retrieve("gpt-4o", **opts)
        await aclient.responses.create(model="m", input="x", **opts)
        await aclient.moderations.create(input="x", **opts)
        await aclient.files.create(file=("f.txt", b"x"), purpose="user_data", **opts)
        await aclient.models.list(**opts)

    asyncio.run(go())
    entries = mock.journal(test_id)
    assert len(entries) == 8
    for e in entries:
        assert header(e, "x-extra") == "h" and "xq=1" in e["query"]
    posted = [json.loads(e["body"]) for e in entries[:6] if e["method"] == "POST"]
    assert all(b.get("xb") == 1 for b in posted)


# -------------------------------------------------------------------- raw response bodies


def test_streaming_response_iter_lines_and_text(client, aclient):
    # The official README's `for line in response.iter_lines()` on a streaming response.
    data = "line one\r\nline two\nthird é\n".encode()
    f = client.files.create(file=("l.txt", data), purpose="user_data")
    with client.files.with_streaming_response.content(f.id) as r:
        assert list(r.iter_lines()) == ["line one", "line two", "third é"]
    with client.files.with_streaming_response.content(f.id) as r:
        pieces = list(r.iter_text(chunk_size=3))  # "é" is split across chunks
        assert "".join(pieces) == data.decode() and len(pieces) > 5
    raw = client.chat.completions.with_raw_response.create(model="m", messages=MSG)
    assert json.loads("".join(raw.iter_lines()))["object"] == "chat.completion"

    async def go():
        async with aclient.files.with_streaming_response.content(f.id) as r:
            lines = [line async for line in r.iter_lines()]
        async with aclient.files.with_streaming_response.content(f.id) as r:
            text = "".join([t async for t in r.iter_text(chunk_size=5)])
        return lines, text

    assert asyncio.run(go()) == (["line one", "line two", "third é"], data.decode())
