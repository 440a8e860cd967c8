"""Conformance of the Python binding to the official OpenAPI spec (issue 7).

Run by ``scripts/conformance/run.sh`` (``make conformance``) against Prism serving the prepared
spec, with ``OPENAI_CONFORMANCE_URL=http://127.0.0.1:PORT/v1``. Without that variable every test
fails: nothing here passes without having talked to the spec's server.

Same matrix as the Rust suite (tests/conformance/tests/prism.rs), through the official SDK's
method names: every endpoint with a minimal request and with every typed parameter, a 2xx and a
parsed response each; a negative canary per endpoint (an invalid body must get 422, else Prism
skipped validation and the 2xx mean nothing); forced 429s with retries counted by a proxy.
"""

from __future__ import annotations

import os
import socket
import threading
import time

import pytest

import openai_rs

# A developer's settings must not leak in (a proxy would swallow 127.0.0.1 traffic).
for _var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
             "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(_var, None)

IMAGE_URL = "https://example.com/cat.png"
DATA_URL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8"
    "AAAAASUVORK5CYII="
)


@pytest.fixture(scope="session")
def url() -> str:
    value = os.environ.get("OPENAI_CONFORMANCE_URL")
    if not value:
        pytest.fail(
            "OPENAI_CONFORMANCE_URL is not set: run this suite with `make conformance` "
            "(scripts/conformance/run.sh), which serves the spec with Prism"
        )
    return value


@pytest.fixture(scope="session")
def client(url: str) -> openai_rs.OpenAI:
    # No retries: a failure shows the first answer.
    return openai_rs.OpenAI(base_url=url, api_key="sk-test", max_retries=0)


def every_role() -> list[dict]:
    return [
        {"role": "system", "content": "You are terse."},
        {"role": "developer", "content": "Answer in French."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is in these images, and what is the weather?"},
                {"type": "image_url", "image_url": {"url": IMAGE_URL, "detail": "high"}},
                {"type": "image_url", "image_url": {"url": DATA_URL, "detail": "low"}},
                {"type": "image_url", "image_url": IMAGE_URL},  # legacy bare string
            ],
        },
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_abc123",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_abc123", "content": '{"temperature": 21}'},
        {"role": "function", "name": "get_weather", "content": '{"temperature": 21}'},
        {"role": "assistant", "content": "Il fait 21 °C à Paris."},
        {"role": "user", "name": "alice", "content": "And tomorrow?"},
    ]


WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}

JSON_SCHEMA_FORMAT = {
    "type": "json_schema",
    "json_schema": {
        "name": "weather",
        "schema": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "celsius": {"type": "number"}},
            "required": ["city", "celsius"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}


def full_chat(**overrides) -> dict:
    params = dict(
        model="gpt-4o",
        messages=every_role(),
        max_tokens=256,
        max_completion_tokens=512,
        temperature=0.7,
        top_p=0.9,
        n=2,
        stop=["\n\n", "END"],
        response_format={"type": "json_object"},
        tools=[WEATHER_TOOL],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        seed=42,
        user="user-1234",
    )
    params.update(overrides)
    return params


def check_chat(resp) -> None:
    assert resp.id
    assert resp.object == "chat.completion"
    assert len(resp.choices) >= 1
    assert resp.choices[0].message.role == "assistant"
    assert resp.usage is not None


# --------------------------------------------------------------------------- every endpoint


def test_chat_minimal(client):
    check_chat(client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Hello!"}]))


def test_chat_every_parameter_json_object(client):
    check_chat(client.chat.completions.create(**full_chat()))


def test_chat_every_parameter_json_schema(client):
    resp = client.chat.completions.create(**full_chat(
        response_format=JSON_SCHEMA_FORMAT,
        stop="END",
        n=1,
        tool_choice="required",
        logit_bias={"50256": -100},
        parallel_tool_calls=False,
        presence_penalty=0.5,
        frequency_penalty=-0.5,
        logprobs=True,
        top_logprobs=3,
        store=False,
        metadata={"suite": "conformance"},
    ))
    check_chat(resp)


@pytest.mark.parametrize("choice", ["none", "auto"])
def test_chat_text_format_and_tool_choice_strings(client, choice):
    check_chat(client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Hi"}],
        response_format={"type": "text"},
        tools=[WEATHER_TOOL],
        tool_choice=choice,
    ))


def test_images_minimal(client):
    resp = client.images.generate(prompt="A cute baby sea otter")
    assert len(resp.data) >= 1
    assert resp.data[0].url or resp.data[0].b64_json


@pytest.mark.parametrize(
    "params",
    [
        dict(model="dall-e-3", n=1, size="1024x1024", quality="hd", style="vivid",
             response_format="url", user="user-1234"),
        dict(model="dall-e-2", n=2, size="512x512", quality="standard", style="natural",
             response_format="b64_json", user="user-1234"),
    ],
    ids=["dall-e-3", "dall-e-2-b64"],
)
def test_images_every_parameter(client, params):
    resp = client.images.generate(prompt="A cute baby sea otter", **params)
    assert resp.created is not None
    assert len(resp.data) >= 1


def test_embeddings_minimal(client):
    resp = client.embeddings.create(model="text-embedding-3-small", input="The food was delicious.")
    assert resp.object == "list"
    assert len(resp.data[0].embedding) >= 1


@pytest.mark.parametrize(
    "input_, encoding_format",
    [
        ("The food was delicious.", "float"),
        (["first text", "second text"], "base64"),
        ([1212, 318, 257, 1332, 13], "float"),
        ([[1212, 318], [257, 1332, 13]], "float"),
    ],
    ids=["string", "list-base64", "tokens", "token-lists"],
)
def test_embeddings_every_parameter(client, input_, encoding_format):
    resp = client.embeddings.create(
        model="text-embedding-3-large",
        input=input_,
        encoding_format=encoding_format,
        dimensions=256,
        user="user-1234",
    )
    assert len(resp.data) >= 1
    assert resp.data[0].embedding is not None


def test_models_list(client):
    page = client.models.list()
    models = list(page)
    assert models, page
    assert models[0].id
    assert models[0].object == "model"


@pytest.mark.parametrize("model_id", ["gpt-4o-mini", "ft:gpt-4o-mini:my-org:custom-suffix:abc123"])
def test_models_retrieve(client, model_id):
    m = client.models.retrieve(model_id)
    assert m.id
    assert m.object == "model"


# --------------------------------------------------------------------------- negative canaries
# The binding (through the core) refuses most invalid arguments before sending; `extra_body`
# is merged after that check, so it carries the invalid value to the server unchanged.

CANARIES = [
    ("chat", dict(model="gpt-4o", messages=[{"role": "user", "content": "hi"}],
                  extra_body={"model": 5})),
    ("chat", dict(model="gpt-4o", messages=[{"role": "user", "content": "hi"}],
                  extra_body={"temperature": 3})),
    ("images", dict(prompt="otter", extra_body={"n": 0})),
    ("embeddings", dict(model="text-embedding-3-small", input="x",
                        extra_body={"encoding_format": "int8"})),
]


@pytest.mark.parametrize("endpoint, params", CANARIES,
                         ids=["chat-model-number", "chat-temperature-3", "images-n-0",
                              "embeddings-format-int8"])
def test_invalid_body_gets_422(client, endpoint, params):
    call = {
        "chat": client.chat.completions.create,
        "images": client.images.generate,
        "embeddings": client.embeddings.create,
    }[endpoint]
    with pytest.raises(openai_rs.UnprocessableEntityError) as info:
        call(**params)
    assert info.value.status_code == 422


def test_missing_api_key_gets_401(client):
    with pytest.raises(openai_rs.AuthenticationError) as info:
        client.models.list(extra_headers={"Authorization": None})
    assert info.value.status_code == 401


# --------------------------------------------------------------------------- forced 429s


class CountingProxy:
    """A TCP proxy in front of Prism that records the ``x-stainless-retry-count`` header of every
    request it forwards: one entry per attempt the client made."""

    def __init__(self, upstream_url: str) -> None:
        rest = upstream_url.split("://", 1)[1]
        authority, _, path = rest.partition("/")
        host, _, port = authority.rpartition(":")
        self.upstream = (host, int(port))
        self.attempts: list[str] = []
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/{path}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, inbound: socket.socket) -> None:
        outbound = socket.create_connection(self.upstream)

        def pipe_back() -> None:
            try:
                while data := outbound.recv(65536):
                    inbound.sendall(data)
            except OSError:
                pass
            finally:
                inbound.close()

        threading.Thread(target=pipe_back, daemon=True).start()
        pending = b""
        try:
            while data := inbound.recv(65536):
                outbound.sendall(data)
                pending += data
                *lines, pending = pending.split(b"\r\n")
                for line in lines:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"x-stainless-retry-count":
                        with self.lock:
                            self.attempts.append(value.strip().decode())
        except OSError:
            pass
        finally:
            outbound.close()

    def close(self) -> None:
        self.sock.close()


@pytest.mark.parametrize("endpoint", ["chat", "embeddings"])
def test_forced_429_is_retried_then_raises_rate_limit_error(url, endpoint):
    proxy = CountingProxy(url)
    try:
        client = openai_rs.OpenAI(base_url=proxy.url, api_key="sk-test", max_retries=2)
        force = {"Prefer": "code=429"}
        started = time.monotonic()
        with pytest.raises(openai_rs.RateLimitError) as info:
            if endpoint == "chat":
                client.chat.completions.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}],
                    extra_headers=force)
            else:
                client.embeddings.create(model="text-embedding-3-small", input="hi",
                                         extra_headers=force)
        elapsed = time.monotonic() - started
        err = info.value
        assert err.status_code == 429
        retry_after = float(err.response.headers["retry-after"])
        if retry_after <= 120:
            # Three attempts, the server's Retry-After honoured between them.
            assert proxy.attempts == ["0", "1", "2"]
            assert elapsed >= 2 * retry_after, elapsed
        else:
            # Above the 120 s cap the client fails fast instead of sleeping.
            assert proxy.attempts == ["0"]
    finally:
        proxy.close()


def test_no_retries_means_one_attempt(url):
    proxy = CountingProxy(url)
    try:
        client = openai_rs.OpenAI(base_url=proxy.url, api_key="sk-test", max_retries=0)
        with pytest.raises(openai_rs.RateLimitError):
            client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}],
                extra_headers={"Prefer": "code=429"})
        assert proxy.attempts == ["0"]
    finally:
        proxy.close()


def test_async_client_same_calls(url):
    import asyncio

    async def run() -> None:
        client = openai_rs.AsyncOpenAI(base_url=url, api_key="sk-test", max_retries=0)
        check_chat(await client.chat.completions.create(**full_chat()))
        imgs = await client.images.generate(prompt="otter", model="dall-e-3", size="1024x1024")
        assert imgs.data
        emb = await client.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
        assert emb.data
        assert list(await client.models.list())
        assert (await client.models.retrieve("gpt-4o")).id

    asyncio.run(run())


# ------------------------------------------------------------------------------ Responses API


def full_response_params() -> dict:
    return dict(
        model="gpt-4o",
        instructions="Be brief.",
        previous_response_id="resp_123",
        input=[
            {"role": "developer", "content": "Answer in French."},
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "What is in this image, and the weather?"},
                    {"type": "input_image", "image_url": IMAGE_URL, "detail": "auto"},
                    {"type": "input_file", "file_id": "file-abc"},
                ],
            },
            {"type": "function_call", "call_id": "call_1", "name": "get_weather",
             "arguments": '{"city": "Paris"}'},
            {"type": "function_call_output", "call_id": "call_1", "output": "sunny"},
        ],
        tools=[{
            "type": "function", "name": "get_weather", "description": "The weather in a city",
            "strict": True,
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                           "required": ["city"], "additionalProperties": False},
        }],
        tool_choice="auto",
        parallel_tool_calls=True,
        text={"format": {"type": "json_schema", "name": "weather", "strict": True,
                         "schema": {"type": "object",
                                    "properties": {"summary": {"type": "string"}},
                                    "required": ["summary"], "additionalProperties": False}}},
        reasoning={"effort": "low"},
        max_output_tokens=200,
        temperature=0.5,
        top_p=0.9,
        truncation="auto",
        store=True,
        metadata={"k": "v"},
        include=["reasoning.encrypted_content"],
        service_tier="auto",
        prompt_cache_key="cache-1",
    )


@pytest.mark.parametrize("params", [dict(model="gpt-4o", input="Hello"), full_response_params()],
                         ids=["minimal", "every-parameter"])
def test_responses_create(client, params):
    r = client.responses.create(**params)
    assert isinstance(r, openai_rs.types.Response)
    assert r.object == "response" and r.id and r.output
    assert isinstance(r.output_text, str)


def test_responses_other_operations(client):
    assert client.responses.retrieve("resp_123").object == "response"
    # The spec's delete answers no body (the official SDK returns None too).
    assert client.responses.delete("resp_123") is None
    assert client.responses.cancel("resp_123").object == "response"
    page = client.responses.input_items.list("resp_123", limit=5, order="asc")
    assert page.object == "list"
    assert client.responses.input_tokens.count(**full_response_params()).input_tokens >= 0


@pytest.mark.parametrize(
    "call, status",
    [
        (lambda c: c.responses.create(model="gpt-4o", input="hi", extra_body={"model": 5}), 422),
        (lambda c: c.responses.create(model="gpt-4o", input="hi", temperature=3), 422),
        (lambda c: c.responses.retrieve("resp_1", starting_after="abc"), 422),
        (lambda c: c.responses.input_items.list("resp_1", order="sideways"), 422),
        (lambda c: c.responses.input_tokens.count(model=5), 422),
        # Delete and cancel take nothing that can be invalid: the security requirement is the
        # canary (a server that ignored the operation would answer 200).
        (lambda c: c.responses.delete("resp_1", extra_headers={"Authorization": None}), 401),
        (lambda c: c.responses.cancel("resp_1", extra_headers={"Authorization": None}), 401),
    ],
    ids=["create-model-number", "create-temperature-3", "retrieve-starting-after-text",
         "input-items-order-sideways", "input-tokens-model-number", "delete-no-auth",
         "cancel-no-auth"],
)
def test_responses_negative_canaries(client, call, status):
    with pytest.raises(openai_rs.APIStatusError) as info:
        call(client)
    assert info.value.status_code == status


def test_responses_async(url):
    import asyncio

    async def run() -> None:
        client = openai_rs.AsyncOpenAI(base_url=url, api_key="sk-test", max_retries=0)
        r = await client.responses.create(**full_response_params())
        assert r.object == "response"
        assert (await client.responses.retrieve("resp_123")).id
        page = await client.responses.input_items.list("resp_123", limit=2)
        assert page.object == "list"

    asyncio.run(run())


# -------------------------------------------------------------- issue 13's endpoints (Python)


def test_issue13_every_operation(client, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(b'{"custom_id": "a"}\n')
    wav = ("a.wav", b"RIFF....WAVE", "audio/wav")
    png = ("a.png", b"\x89PNG\r\n\x1a\n", "image/png")
    assert client.files.create(file=src, purpose="batch").id
    assert client.files.create(file=("in.jsonl", b"x\n"), purpose="batch").id
    assert list(client.files.list(limit=2, order="asc")) is not None
    assert client.files.retrieve("file-abc").id
    assert client.files.delete("file-abc") is not None
    assert client.files.content("file-abc").content is not None
    up = client.uploads.create(filename="b.jsonl", purpose="batch", bytes=10,
                               mime_type="text/jsonl")
    assert up.id
    assert client.uploads.parts.create("upload_abc", data=b"0123456789").id
    assert client.uploads.complete("upload_abc", part_ids=["part_1"]).id
    assert client.uploads.cancel("upload_abc").id
    assert client.batches.create(input_file_id="file-abc", endpoint="/v1/chat/completions",
                                 completion_window="24h").id
    assert client.batches.retrieve("batch_abc").id
    assert list(client.batches.list(limit=2)) is not None
    assert client.batches.cancel("batch_abc").id
    assert client.audio.transcriptions.create(model="whisper-1", file=wav) is not None
    assert client.audio.translations.create(model="whisper-1", file=wav) is not None
    assert client.audio.speech.create(model="tts-1", input="hi", voice="alloy").content
    assert client.moderations.create(input="hello").results is not None
    assert client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say hi",
                                     max_tokens=5).choices is not None
    assert client.images.edit(image=png, prompt="a hat").data is not None
    assert client.images.create_variation(image=png).data is not None
    assert client.models.delete("ft:gpt-4o-mini:org:x:1") is not None
    assert list(client.chat.completions.list(limit=2)) is not None
    assert client.chat.completions.retrieve("chatcmpl-1").id
    assert client.chat.completions.update("chatcmpl-1", metadata={"k": "v"}).id
    assert client.chat.completions.delete("chatcmpl-1") is not None
    assert list(client.chat.completions.messages.list("chatcmpl-1")) is not None


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.files.create(file=("x.jsonl", b"x\n"), purpose=None),
        lambda c: c.batches.create(input_file_id="file-abc", endpoint="/v1/chat/completions",
                                   completion_window="1h"),
        lambda c: c.files.list(order="sideways"),
    ],
    ids=["multipart-without-purpose", "json-completion-window-1h", "query-order-sideways"],
)
def test_issue13_canaries_per_body_kind(client, call):
    with pytest.raises(openai_rs.UnprocessableEntityError):
        call(client)
