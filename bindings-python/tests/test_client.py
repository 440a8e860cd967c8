"""The v1 client surface: construction, settings, every request option, the module client."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import textwrap

import pytest

import openai_rs
from conftest import MSG, fault, header
from openai_rs import OpenAI


def test_every_chat_param_and_request_option(client, mock, test_id):
    r = client.chat.completions.create(
        model="gpt-4o",
        messages=[
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "Hi there"},
        ],
        max_tokens=100,
        temperature=0.5,
        top_p=0.9,
        n=1,
        stop=["\n\n"],
        seed=7,
        user="u-1",
        frequency_penalty=0.1,
        presence_penalty=0.2,
        logit_bias={"50256": -100},
        parallel_tool_calls=False,
        metadata={"k": "v"},
        store=False,
        extra_headers={"x-test-id": test_id, "x-custom": "yes"},
        extra_query={"trace": "1"},
        extra_body={"custom_field": {"nested": True}},
        timeout=30,
    )
    assert r.choices[0].message.content == "You said: Hi there"
    (entry,) = mock.journal(test_id)
    body = json.loads(entry["body"])
    assert body["model"] == "gpt-4o" and body["max_tokens"] == 100
    assert body["temperature"] == 0.5 and body["stop"] == ["\n\n"] and body["seed"] == 7
    assert body["logit_bias"] == {"50256": -100} and body["parallel_tool_calls"] is False
    assert body["metadata"] == {"k": "v"} and body["frequency_penalty"] == 0.1
    assert body["custom_field"] == {"nested": True}
    assert "stream" not in body
    assert "trace=1" in entry["query"]
    assert header(entry, "x-custom") == "yes"
    assert header(entry, "authorization") == "Bearer sk-test-key"
    assert header(entry, "content-type") == "application/json"


def test_extra_headers_none_removes_a_header(client, mock, test_id):
    client.chat.completions.create(
        model="gpt-4o",
        messages=MSG,
        extra_headers={"x-test-id": test_id, "x-stainless-retry-count": None},
    )
    assert header(mock.journal(test_id)[0], "x-stainless-retry-count") is None


def test_small_max_tokens_finishes_with_length(client):
    r = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "a long sentence with many words in it"}],
        max_tokens=2,
    )
    assert r.choices[0].finish_reason == "length"


def test_json_mode(client):
    r = client.chat.completions.create(
        model="gpt-4o", messages=MSG, response_format={"type": "json_object"}
    )
    assert json.loads(r.choices[0].message.content)["reply"] == "You said: Hello!"


def test_vision_content_parts(client):
    for image_url in ({"url": "https://example.com/a.png"}, "https://example.com/a.png"):
        r = client.chat.completions.create(
            model="gpt-4o",
            messages=[
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "what is it?"},
                        {"type": "image_url", "image_url": image_url},
                    ],
                }
            ],
        )
        assert r.choices[0].message.content == "You said: what is it? [image]"


def test_invalid_arguments_are_refused_before_sending(client):
    with pytest.raises(openai_rs.InvalidArgumentError, match="messages"):
        client.chat.completions.create(model="gpt-4o", messages=[])
    with pytest.raises(ValueError, match="temperature"):
        client.chat.completions.create(model="gpt-4o", messages=MSG, temperature=5)
    with pytest.raises(openai_rs.InvalidArgumentError, match="model"):
        client.chat.completions.create(messages=MSG)
    with pytest.raises(TypeError, match="JSON serializable"):
        client.chat.completions.create(model="gpt-4o", messages=MSG, metadata={"k": object()})


def test_env_and_dotenv(base_url, monkeypatch, tmp_path):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    monkeypatch.setenv("OPENAI_BASE_URL", base_url)
    monkeypatch.setenv("OPENAI_ORG_ID", "org-env")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-env")
    c = OpenAI()
    assert c.base_url == base_url + "/"
    assert c.organization == "org-env" and c.project == "proj-env"
    assert c.chat.completions.create(model="m", messages=MSG).choices[0].message.content
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.delenv("OPENAI_BASE_URL")
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(f"OPENAI_API_KEY=sk-dotenv\nOPENAI_BASE_URL={base_url}\n")
    c = OpenAI()
    assert c.expose_api_key() == "sk-dotenv"
    assert c.chat.completions.create(model="m", messages=MSG).choices[0].message.content


def test_missing_key_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(openai_rs.OpenAIError, match="OPENAI_API_KEY"):
        OpenAI()


def test_organization_project_default_headers_and_query(base_url, mock, test_id):
    c = OpenAI(
        api_key="sk-x",
        base_url=base_url,
        organization="org-1",
        project="proj-1",
        default_headers={"x-test-id": test_id, "x-app": "demo"},
        default_query={"api-version": "2024"},
    )
    c.chat.completions.create(model="m", messages=MSG)
    (e,) = mock.journal(test_id)
    assert header(e, "openai-organization") == "org-1"
    assert header(e, "openai-project") == "proj-1"
    assert header(e, "x-app") == "demo"
    assert "api-version=2024" in e["query"]


def test_base_url_with_and_without_trailing_slash(base_url):
    for url in (base_url, base_url + "/"):
        c = OpenAI(api_key="k", base_url=url)
        assert c.base_url == base_url + "/"
        assert c.models.retrieve("gpt-4o").id == "gpt-4o"


def test_with_options_keeps_the_rest(client, mock, test_id):
    c2 = client.with_options(max_retries=0, timeout=12.5, default_headers={"x-test-id": test_id})
    assert c2.max_retries == 0 and client.max_retries == 2
    assert c2.timeout.read == 12.5 and client.timeout.read == 600
    assert c2.expose_api_key() == "sk-test-key"
    assert type(c2) is OpenAI
    c2.chat.completions.create(model="m", messages=MSG)
    assert header(mock.journal(test_id)[0], "authorization") == "Bearer sk-test-key"
    with pytest.raises(openai_rs.APIStatusError):
        c2.chat.completions.create(
            model="m", messages=MSG, extra_headers=fault(test_id, "status=500")
        )
    assert len(mock.journal(test_id)) == 2  # the first success, then one attempt: no retries


def test_timeouts(client):
    t = client.timeout
    assert (t.connect, t.read, t.stream_idle, t.total) == (5.0, 600.0, 600.0, None)
    c = client.with_options(timeout=openai_rs.Timeout(None))
    t = c.timeout
    assert (t.connect, t.read, t.stream_idle, t.total) == (None, None, None, None)
    c = client.with_options(timeout=openai_rs.Timeout(20, connect=2, stream_idle=30, total=90))
    t = c.timeout
    assert (t.connect, t.read, t.stream_idle, t.total) == (2, 20, 30, 90)
    with pytest.raises(ValueError):
        client.with_options(timeout=-1)


def test_per_request_timeout(client, test_id):
    with pytest.raises(openai_rs.APITimeoutError):
        client.with_options(max_retries=0).chat.completions.create(
            model="m", messages=MSG, timeout=0.3, extra_headers=fault(test_id, "delay-headers=2000")
        )


def test_client_pickles_and_carries_the_key(client):
    data = pickle.dumps(client)
    assert b"sk-test-key" not in data
    c2 = pickle.loads(data)
    assert c2.expose_api_key() == "sk-test-key"
    assert c2.base_url == client.base_url and c2.max_retries == client.max_retries
    assert c2.chat.completions.create(model="m", messages=MSG).choices[0].message.content


def test_api_key_is_not_a_plain_attribute(client):
    with pytest.raises(AttributeError, match="expose_api_key"):
        _ = client.api_key
    assert "sk-test-key" not in repr(client) and "sk-test-key" not in str(client)
    assert "REDACTED" in repr(client) and "REDACTED" in repr(client._native)


def test_context_managers(base_url):
    with OpenAI(api_key="k", base_url=base_url) as c:
        assert c.models.list().data


def test_generic_request(client):
    r = client._native.request("get", "models")
    assert r.data[0].id
    r = client._native.request("POST", "embeddings", {"model": "m", "input": "x"})
    assert r.data[0].embedding


# ------------------------------------------------------------------------------- module client


def test_module_level_client(module_settings, base_url, mock, test_id):
    openai = module_settings
    openai.api_key = "sk-module"
    openai.base_url = base_url  # no trailing slash (the official module client breaks on this)
    r = openai.chat.completions.create(
        model="gpt-4o", messages=MSG, extra_headers={"x-test-id": test_id}
    )
    assert r.choices[0].message.content == "You said: Hello!"
    assert header(mock.journal(test_id)[0], "authorization") == "Bearer sk-module"
    openai.base_url = base_url + "/"
    assert openai.models.retrieve("gpt-4o").id == "gpt-4o"
    assert openai.embeddings.create(model="m", input="x").data
    assert openai.images.generate(prompt="x").data
    openai.api_key = "sk-module-2"  # a change is picked up on the next call
    openai.chat.completions.create(
        model="gpt-4o", messages=MSG, extra_headers={"x-test-id": test_id}
    )
    assert header(mock.journal(test_id)[1], "authorization") == "Bearer sk-module-2"


def test_ten_thousand_clients_do_not_leak(base_url):
    """C-5: create, use and close 10,000 clients. Neither Python allocations (tracemalloc: no
    allocation site whose count grows with the iterations) nor the process RSS (which sees the
    native side: a leaked client with its pool and settings is several KiB) may grow."""
    code = textwrap.dedent(
        f"""
        import gc, tracemalloc
        import openai_rs

        MSGS = [{{"role": "user", "content": "x"}}]

        def rss_kib():
            with open("/proc/self/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])

        def cycle(n):
            for _ in range(n):
                c = openai_rs.OpenAI(api_key="k", base_url={base_url!r}, max_retries=0)
                r = c.chat.completions.create(model="m", messages=MSGS)
                assert r.choices[0].message.content == "You said: x"
                c.close()

        cycle(1000)  # warm-up: the runtime, allocator arenas, caches
        gc.collect()
        rss0 = rss_kib()
        cycle(5000)
        gc.collect()
        print("RSS_GROWTH_KIB", rss_kib() - rss0)

        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        cycle(4000)
        gc.collect()
        after = tracemalloc.take_snapshot()
        grown = [s for s in after.compare_to(before, "lineno") if s.count_diff >= 400]
        print("GROWN", len(grown), grown[:3])
        """
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    print(p.stdout)
    growth = int(p.stdout.split("RSS_GROWTH_KIB ")[1].split()[0])
    # 5,000 leaked clients would be tens of MiB; allocator noise is well under 8 MiB.
    assert growth < 8 * 1024, p.stdout
    assert "GROWN 0 " in p.stdout, p.stdout
