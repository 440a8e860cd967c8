"""Secrets: the key never shows in repr/str/exceptions/logs; logs are metadata only; TLS is
verified by default."""

from __future__ import annotations

import logging
import os
import pickle
import pickletools
import subprocess
import sys
import uuid

import pytest

import openai_rs
from conftest import CERTS, MSG, Mock, fault


@pytest.fixture
def canary() -> str:
    return f"sk-test-CANARY-{uuid.uuid4().hex}"


def assert_safe(records: list[logging.LogRecord], secret: str) -> None:
    for r in records:
        assert secret not in r.getMessage()
        assert secret not in repr(r.args)
        assert r.exc_info is None


def test_x1_canary_never_reaches_logs_or_errors(base_url, canary, caplog, test_id):
    """X-1: canary in the key, URL query, headers and body; R-4, R-14, S-10, S-12, E-3 run with
    the openai_rs logger at DEBUG."""
    caplog.set_level(logging.DEBUG, logger="openai_rs")
    c = openai_rs.OpenAI(
        api_key=canary,
        base_url=base_url,
        default_query={"canary": canary},
        default_headers={"x-canary": canary},
    ).with_options(timeout=openai_rs.Timeout(0.3, stream_idle=0.3))
    body_msg = [{"role": "user", "content": canary}]
    errors: list[BaseException] = []

    def run(fn):
        try:
            fn()
        except openai_rs.OpenAIError as e:
            errors.append(e)

    cases = {
        "R-4": "status=500",
        "R-14": "delay-headers=2000",
        "E-3": "malformed-json",
        "401": "status=401",
    }
    for name, spec in cases.items():
        run(
            lambda spec=spec, name=name: c.chat.completions.create(
                model="m", messages=body_msg, extra_headers=fault(f"{test_id}-{name}", spec)
            )
        )
    for name, spec in {
        "S-10": "reset-after=2",
        "S-12": "close-after=2",
        "T-4": "stall-after=1",
    }.items():
        run(
            lambda spec=spec, name=name: list(
                c.chat.completions.create(
                    model="m",
                    messages=body_msg,
                    stream=True,
                    extra_headers=fault(f"{test_id}-{name}", spec),
                )
            )
        )
    assert len(errors) == 7
    records = [r for r in caplog.records if r.name.startswith("openai_rs")]
    assert records, "the core's log records reach Python logging"
    assert any("status=500" in r.getMessage() for r in records)
    assert_safe(records, canary)
    for e in errors:
        for text in (str(e), repr(e), repr(e.args), str(e.__cause__), repr(getattr(e, "body", ""))):
            assert canary not in text, (type(e), text)


def _texts(e: BaseException) -> list[str]:
    """Everything an exception shows: str, repr, args, every field, the cause."""
    out = [str(e), repr(e), repr(e.args), str(e.__cause__), repr(e.__cause__)]
    for attr in ("message", "body", "code", "param", "type", "request_id"):
        out.append(repr(getattr(e, attr, None)))
    response = getattr(e, "response", None)
    if response is not None:
        out += [response.text, repr(dict(response.headers))]
    return out


def test_x1_a_server_echoing_the_key_is_scrubbed(base_url, canary, caplog, test_id):
    """The mock's echo-key fault quotes `Authorization: Bearer <key>` back in the error's message,
    type, param, code, body and a header, as a JSON error and as both SSE error-event forms. The
    core replaces the key with [REDACTED] everywhere; this binding adds nothing of its own."""
    caplog.set_level(logging.DEBUG, logger="openai_rs")
    c = openai_rs.OpenAI(api_key=canary, base_url=base_url, max_retries=0)
    copy_key = f"sk-test-COPY-{uuid.uuid4().hex}"
    copy = c.with_options(api_key=copy_key)
    errors: list[BaseException] = []
    for client in (c, copy):
        with pytest.raises(openai_rs.AuthenticationError) as ei:
            client.chat.completions.create(
                model="m", messages=MSG, extra_headers=fault(test_id, "echo-key")
            )
        errors.append(ei.value)
    for how in ("echo-key", "echo-key=event"):
        with pytest.raises(openai_rs.APIStreamError) as ei:
            for _ in c.chat.completions.create(
                model="m", messages=MSG, stream=True, extra_headers=fault(test_id, how)
            ):
                pass
        errors.append(ei.value)

    async def in_async() -> None:
        a = openai_rs.AsyncOpenAI(api_key=canary, base_url=base_url, max_retries=0)
        with pytest.raises(openai_rs.AuthenticationError) as ei:
            await a.chat.completions.create(
                model="m", messages=MSG, extra_headers=fault(test_id, "echo-key")
            )
        errors.append(ei.value)
        with pytest.raises(openai_rs.APIStreamError) as ei:
            s = await a.chat.completions.create(
                model="m", messages=MSG, stream=True, extra_headers=fault(test_id, "echo-key")
            )
            async for _ in s:
                pass
        errors.append(ei.value)
        await a.close()

    import asyncio

    asyncio.run(in_async())
    assert len(errors) == 6
    for e in errors:
        # The echo reached the client: the marker sits where the key was, in every field.
        assert "Bearer [REDACTED]" in str(e.param), (type(e), e.param)
        assert "[REDACTED]" in str(e.code) and "[REDACTED]" in str(e.type)
        for text in _texts(e):
            assert canary not in text and copy_key not in text, (type(e), text)
    assert errors[0].response.headers["x-echo-authorization"] == "Bearer [REDACTED]"
    assert_safe([r for r in caplog.records if r.name.startswith("openai_rs")], canary)


def test_x2_repr_str_pickle_never_show_the_key(base_url, canary):
    c = openai_rs.OpenAI(api_key=canary, base_url=base_url)
    for text in (repr(c), str(c), repr(c._native), repr(vars(type(c))), repr(c.chat.completions)):
        assert canary not in text
    assert not hasattr(c, "__dict__")  # no instance attributes to dump
    data = pickle.dumps(c)
    assert canary.encode() not in data
    assert canary not in repr(c.__reduce__()) and canary not in repr(c._native.__reduce__())
    import io

    out = io.StringIO()
    pickletools.dis(data, out)
    assert canary not in out.getvalue()
    assert pickle.loads(data).expose_api_key() == canary
    a = openai_rs.AsyncOpenAI(api_key=canary, base_url=base_url)
    assert canary not in repr(a)


def test_x2_bad_key_error_does_not_echo_it():
    with pytest.raises(openai_rs.ClientConfigError) as ei:
        openai_rs.OpenAI(api_key="sk-SECRET-KEY\r\n", base_url="http://127.0.0.1:9/v1")
    assert "SECRET" not in str(ei.value) and "SECRET" not in repr(ei.value.args)


def test_x4_openai_log_debug_is_metadata_only(base_url, canary):
    code = (
        "import openai_rs\n"
        f"c = openai_rs.OpenAI(api_key={canary!r}, base_url={base_url!r})\n"
        f"msgs = [{{'role': 'user', 'content': {canary!r}}}]\n"
        "c.chat.completions.create(model='m', messages=msgs)\n"
        "try:\n"
        "    c.models.retrieve('no-such')\n"
        "except openai_rs.NotFoundError:\n"
        "    pass\n"
    )
    env = {**os.environ, "OPENAI_LOG": "debug"}
    p = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=30
    )
    assert p.returncode == 0, p.stderr
    assert "openai_rs" in p.stderr and "method=POST path=/chat/completions status=200" in p.stderr
    assert "status=404" in p.stderr and "request_id=req_" in p.stderr
    assert canary not in p.stderr
    assert "127.0.0.1" not in p.stderr  # no URLs
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert p.stderr == ""  # silent by default


@pytest.fixture(scope="module")
def tls_mock():
    m = Mock("--tls-cert", str(CERTS / "cert.pem"), "--tls-key", str(CERTS / "key.pem"))
    yield m
    m.stop()


def test_x5_tls_is_verified_by_default(tls_mock, test_id):
    assert tls_mock.url.startswith("https://")
    c = openai_rs.OpenAI(api_key="k", base_url=tls_mock.url, max_retries=0)
    with pytest.raises(openai_rs.APIConnectionError) as ei:
        c.chat.completions.create(model="m", messages=MSG, extra_headers={"x-test-id": test_id})
    # A certificate rejection, not any connection failure (refused, reset, timeout).
    assert type(ei.value) is openai_rs.APIConnectionError and ei.value.kind == "connection"
    assert "invalid peer certificate" in str(ei.value), str(ei.value)
    assert tls_mock.journal(test_id) == []  # the request (and key) never reached the server


def test_x5_wrong_hostname_is_rejected_even_with_the_ca(tls_mock, test_id):
    url = tls_mock.url.replace("127.0.0.1", "127.0.0.2")  # the cert names 127.0.0.1/localhost
    m = Mock(
        "--host",
        "127.0.0.2",
        "--tls-cert",
        str(CERTS / "cert.pem"),
        "--tls-key",
        str(CERTS / "key.pem"),
    )
    try:
        url = m.url
        c = openai_rs.OpenAI(
            api_key="k", base_url=url, max_retries=0, ca_file=str(CERTS / "ca.pem")
        )
        with pytest.raises(openai_rs.APIConnectionError) as ei:
            c.chat.completions.create(model="m", messages=MSG, extra_headers={"x-test-id": test_id})
        # Rejected for the name, with the CA trusted: the certificate check itself failed.
        assert type(ei.value) is openai_rs.APIConnectionError and ei.value.kind == "connection"
        assert 'certificate not valid for name "127.0.0.2"' in str(ei.value), str(ei.value)
        # Nothing was sent (the journal is read trusting the CA but not the name, on purpose).
        import json
        import ssl
        import urllib.request

        ctx = ssl.create_default_context(cafile=str(CERTS / "ca.pem"))
        ctx.check_hostname = False
        root = m.url.rsplit("/v1", 1)[0]
        with urllib.request.urlopen(
            f"{root}/__mock/journal?test_id={test_id}", timeout=5, context=ctx
        ) as r:
            assert json.load(r) == []
    finally:
        m.stop()


def test_x6_custom_ca_file_works_with_verification_on(tls_mock):
    c = openai_rs.OpenAI(api_key="k", base_url=tls_mock.url, ca_file=str(CERTS / "ca.pem"))
    r = c.chat.completions.create(model="m", messages=MSG)
    assert r.choices[0].message.content == "You said: Hello!"
    for chunk in c.chat.completions.create(model="m", messages=MSG, stream=True):
        assert chunk.id


def test_bad_ca_file_is_a_config_error():
    with pytest.raises(openai_rs.ClientConfigError):
        openai_rs.OpenAI(api_key="k", base_url="https://127.0.0.1:9/v1", ca_file="/nonexistent.pem")
