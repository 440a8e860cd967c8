"""The legacy (v0) module API."""

from __future__ import annotations

import json

import pytest

import openai_rs
from conftest import MSG, fault, header


@pytest.fixture
def openai(module_settings, base_url):
    module_settings.api_key = "sk-v0"
    module_settings.api_base = base_url
    return module_settings


def test_chat_completion_create(openai, mock, test_id):
    r = openai.ChatCompletion.create(
        model="gpt-3.5-turbo", messages=MSG, max_tokens=500, headers={"x-test-id": test_id}
    )
    assert r.choices[0].message["content"] == "You said: Hello!"
    assert r["choices"][0]["message"]["content"] == "You said: Hello!"
    assert r["usage"]["total_tokens"] > 0
    (e,) = mock.journal(test_id)
    assert header(e, "authorization") == "Bearer sk-v0"
    assert json.loads(e["body"])["max_tokens"] == 500


def test_chat_completion_stream(openai):
    text = ""
    for chunk in openai.ChatCompletion.create(model="gpt-3.5-turbo", messages=MSG, stream=True):
        if chunk["choices"]:
            text += chunk["choices"][0]["delta"].get("content", "") or ""
    assert text == "You said: Hello!"


def test_per_call_settings(openai, base_url, mock, test_id):
    openai.api_base = "http://127.0.0.1:9/v1"  # overridden per call below
    r = openai.ChatCompletion.create(
        model="m",
        messages=MSG,
        api_key="sk-per-call",
        api_base=base_url,
        organization="org-v0",
        headers={"x-test-id": test_id},
        request_timeout=30,
    )
    assert r.choices[0].message.content
    (e,) = mock.journal(test_id)
    assert header(e, "authorization") == "Bearer sk-per-call"
    assert header(e, "openai-organization") == "org-v0"


def test_request_timeout(openai, test_id):
    openai.max_retries = 0
    with pytest.raises(openai.error.Timeout):
        openai.ChatCompletion.create(
            model="m",
            messages=MSG,
            request_timeout=0.3,
            headers=fault(test_id, "delay-headers=3000"),
        )
    with pytest.raises(openai.error.Timeout):
        openai.ChatCompletion.create(
            model="m",
            messages=MSG,
            request_timeout=(1, 0.3),
            headers=fault(test_id + "t", "delay-headers=3000"),
        )


def test_module_organization(openai, mock, test_id):
    openai.organization = "org-module"
    openai.ChatCompletion.create(model="m", messages=MSG, headers={"x-test-id": test_id})
    assert header(mock.journal(test_id)[0], "openai-organization") == "org-module"


def test_image_embedding_model(openai):
    img = openai.Image.create(prompt="a cat", n=1, size="256x256")
    assert img["data"][0]["url"].startswith("https://")
    emb = openai.Embedding.create(input="hello", model="text-embedding-ada-002")
    assert len(emb["data"][0]["embedding"]) > 0
    emb = openai.Embedding.create(input=["a", "b"], engine="text-embedding-ada-002")
    assert len(emb.data) == 2
    models = openai.Model.list()
    assert any(m["id"] == "gpt-3.5-turbo" for m in models["data"])
    assert openai.Model.retrieve("gpt-4o")["id"] == "gpt-4o"


def test_errors_through_v0_names(openai, test_id):
    openai.max_retries = 0
    with pytest.raises(openai.error.RateLimitError) as ei:
        openai.ChatCompletion.create(model="m", messages=MSG, headers=fault(test_id, "status=429"))
    assert isinstance(ei.value, openai_rs.RateLimitError)
    assert ei.value.http_status == 429
    with pytest.raises(openai.error.InvalidRequestError):
        openai.Model.retrieve("no-such")


def test_azure_routing_is_refused_clearly(openai):
    with pytest.raises(openai_rs.InvalidArgumentError, match="Azure"):
        openai.ChatCompletion.create(engine="my-deployment", messages=MSG)
