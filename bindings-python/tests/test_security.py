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


def test_x1_a_server_echoing_the_key_is_scrubbed(canary):
    """A server (or proxy) that echoes the key back in an error body: the key is replaced with
    [REDACTED] in every field of the exception."""
    import http.server
    import threading

    class Echo(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["content-length"]))
            key = self.headers["authorization"].split()[-1]
            message = "Incorrect API key provided: " + key
            body = ('{"error": {"message": "' + message + '", "code": "invalid_api_key"}}').encode()
            self.send_response(401)
            self.send_header("content-type", "application/json")
            self.send_header("x-echo", key)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    srv = http.server.HTTPServer(("127.0.0.1", 0), Echo)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        c = openai_rs.OpenAI(api_key=canary, base_url=f"http://127.0.0.1:{srv.server_port}/v1")
        with pytest.raises(openai_rs.AuthenticationError) as ei:
            c.chat.completions.create(model="m", messages=MSG)
    finally:
        srv.shutdown()
        srv.server_close()
    e = ei.value
    assert "[REDACTED]" in str(e)
    for text in (str(e), repr(e.args), repr(e.body), e.response.text, repr(dict(e.headers))):
        assert canary not in text


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
    assert "certificate" in (str(ei.value) + str(ei.value.__cause__)).lower()
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
        with pytest.raises(openai_rs.APIConnectionError):
            c.chat.completions.create(model="m", messages=MSG, extra_headers={"x-test-id": test_id})
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
