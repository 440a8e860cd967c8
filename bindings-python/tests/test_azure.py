"""AzureOpenAI / AsyncAzureOpenAI against the mock: the deployment path, api-version and the auth
header of each auth form, read back from the journal; token providers called once per request,
sync and async; the environment; pickling and with_options."""

from __future__ import annotations

import asyncio
import pickle

import pytest

import openai_rs
from conftest import header

MODEL = "gpt-4o-mini"
MSGS = [{"role": "user", "content": "Hello!"}]
VERSION = "2024-10-21"


@pytest.fixture
def endpoint(base_url: str) -> str:
    return base_url.rsplit("/v1", 1)[0]


@pytest.fixture(autouse=True)
def no_azure_env(monkeypatch):
    for name in (
        "AZURE_OPENAI_API_KEY",
        "AZURE_OPENAI_AD_TOKEN",
        "AZURE_OPENAI_ENDPOINT",
        "OPENAI_API_VERSION",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir("/")  # no stray .env


def chat(client, test_id):
    return client.chat.completions.create(
        model=MODEL, messages=MSGS, extra_headers={"x-test-id": test_id}
    )


def test_api_key(mock, endpoint, test_id):
    client = openai_rs.AzureOpenAI(
        azure_endpoint=endpoint, api_version=VERSION, api_key="azure-key-0123456789"
    )
    r = chat(client, test_id)
    assert r.choices[0].message.content == "You said: Hello!"
    (e,) = mock.journal(test_id)
    assert e["path"] == f"/openai/deployments/{MODEL}/chat/completions"
    assert e["query"] == f"api-version={VERSION}"
    assert header(e, "api-key") == "azure-key-0123456789"
    assert header(e, "authorization") is None


def test_deployment_and_ad_token(mock, endpoint, test_id):
    client = openai_rs.AzureOpenAI(
        azure_endpoint=endpoint,
        azure_deployment="prod",
        api_version=VERSION,
        azure_ad_token="entra-0123456789",  # noqa: S106
    )
    chat(client, test_id)
    client.models.list(extra_headers={"x-test-id": test_id})
    a, b = mock.journal(test_id)
    assert a["path"] == "/openai/deployments/prod/chat/completions"
    assert b["path"] == "/openai/models"
    assert header(a, "authorization") == header(b, "authorization") == "Bearer entra-0123456789"


def test_sync_token_provider_is_called_once_per_request(mock, endpoint, test_id):
    calls = []

    def provider() -> str:
        calls.append(1)
        return f"token-{len(calls)}-0123456789"

    client = openai_rs.AzureOpenAI(
        azure_endpoint=endpoint, api_version=VERSION, azure_ad_token_provider=provider
    )
    chat(client, test_id)
    client.embeddings.create(model="emb", input="x", extra_headers={"x-test-id": test_id})
    assert len(calls) == 2
    a, b = mock.journal(test_id)
    assert header(a, "authorization") == "Bearer token-1-0123456789"
    assert header(b, "authorization") == "Bearer token-2-0123456789"
    assert b["path"] == "/openai/deployments/emb/embeddings"
    # Carried over to a copy.
    client.with_options(max_retries=0).models.list(extra_headers={"x-test-id": test_id})
    assert len(calls) == 3


def test_bad_provider_answers_are_refused(endpoint):
    client = openai_rs.AzureOpenAI(
        azure_endpoint=endpoint, api_version=VERSION, azure_ad_token_provider=lambda: ""
    )
    with pytest.raises(ValueError, match="non-empty string"):
        client.chat.completions.create(model=MODEL, messages=MSGS)


def test_async_client_with_async_and_sync_providers(mock, endpoint, test_id):
    calls = []

    async def aprovider() -> str:
        await asyncio.sleep(0)
        calls.append("a")
        return "async-token-0123456789"

    async def main() -> None:
        c = openai_rs.AsyncAzureOpenAI(
            azure_endpoint=endpoint, api_version=VERSION, azure_ad_token_provider=aprovider
        )
        r = await c.chat.completions.create(
            model=MODEL, messages=MSGS, extra_headers={"x-test-id": test_id}
        )
        assert r.choices[0].message.content == "You said: Hello!"
        s = openai_rs.AsyncAzureOpenAI(
            azure_endpoint=endpoint,
            api_version=VERSION,
            azure_ad_token_provider=lambda: "sync-token-0123456789",
        )
        await s.responses.create(model=MODEL, input="hi", extra_headers={"x-test-id": test_id})

    asyncio.run(main())
    assert calls == ["a"]
    a, b = mock.journal(test_id)
    assert header(a, "authorization") == "Bearer async-token-0123456789"
    assert header(b, "authorization") == "Bearer sync-token-0123456789"
    # Responses is not a deployment endpoint: it stays at the root.
    assert b["path"] == "/openai/responses"


def test_environment(mock, endpoint, test_id, monkeypatch):
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "env-key-0123456789")
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", endpoint)
    monkeypatch.setenv("OPENAI_API_VERSION", "2099-01-01")
    client = openai_rs.AzureOpenAI()
    chat(client, test_id)
    (e,) = mock.journal(test_id)
    assert e["query"] == "api-version=2099-01-01"
    assert header(e, "api-key") == "env-key-0123456789"


def test_settings_errors(endpoint):
    with pytest.raises(openai_rs.OpenAIError, match="missing credentials"):
        openai_rs.AzureOpenAI(azure_endpoint=endpoint, api_version=VERSION)
    with pytest.raises(openai_rs.OpenAIError, match="mutually exclusive"):
        openai_rs.AzureOpenAI(
            azure_endpoint=endpoint,
            api_version=VERSION,
            api_key="k",
            azure_ad_token="t",  # noqa: S106
        )
    with pytest.raises(openai_rs.OpenAIError, match="api_version"):
        openai_rs.AzureOpenAI(azure_endpoint=endpoint, api_key="k")
    with pytest.raises(TypeError):
        openai_rs.AzureOpenAI(azure_endpoint=endpoint, api_version=VERSION, api_key="k", bogus=1)


def test_pickle_keeps_the_azure_routing(mock, endpoint, test_id):
    client = openai_rs.AzureOpenAI(
        azure_endpoint=endpoint,
        azure_deployment="prod",
        api_version=VERSION,
        api_key="azure-key-0123456789",
    )
    again = pickle.loads(pickle.dumps(client))
    assert isinstance(again, openai_rs.AzureOpenAI)
    chat(again, test_id)
    (e,) = mock.journal(test_id)
    assert e["path"] == "/openai/deployments/prod/chat/completions"
    assert header(e, "api-key") == "azure-key-0123456789"
    assert e["query"] == f"api-version={VERSION}"


def test_plain_client_with_the_azure_v1_base_url(mock, endpoint, test_id):
    # Azure's newer /openai/v1/ base URL takes the plain client as it is.
    client = openai_rs.OpenAI(api_key="azure-key-0123456789", base_url=f"{endpoint}/openai/v1")
    chat(client, test_id)
    (e,) = mock.journal(test_id)
    assert e["path"] == "/openai/v1/chat/completions"
