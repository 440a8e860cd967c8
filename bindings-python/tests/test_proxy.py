"""Proxies are honoured (the official SDK silently ignores the v0 `openai.proxy`): real tinyproxy
(HTTP, adds a `Via: ... tinyproxy` header) and microsocks (SOCKS5, logs each connection)."""

from __future__ import annotations

import select
import time

import pytest

import openai_rs
from conftest import MSG, free_port, header


def via(mock, test_id) -> str | None:
    (entry,) = mock.journal(test_id)
    return header(entry, "via")


def test_v0_module_proxy_string(module_settings, base_url, mock, tinyproxy, test_id):
    openai = module_settings
    openai.api_key = "sk-v0"
    openai.api_base = base_url
    openai.proxy = tinyproxy
    r = openai.ChatCompletion.create(
        model="gpt-3.5-turbo", messages=MSG, headers={"x-test-id": test_id}
    )
    assert r.choices[0].message["content"] == "You said: Hello!"
    assert "tinyproxy" in (via(mock, test_id) or "")


def test_v0_module_proxy_dict(module_settings, base_url, mock, tinyproxy, test_id):
    openai = module_settings
    openai.api_key = "sk-v0"
    openai.api_base = base_url
    openai.proxy = {"http": tinyproxy, "https": tinyproxy}
    openai.ChatCompletion.create(model="m", messages=MSG, headers={"x-test-id": test_id})
    assert "tinyproxy" in (via(mock, test_id) or "")


def test_v0_proxy_change_is_picked_up(module_settings, base_url, mock, tinyproxy, test_id):
    openai = module_settings
    openai.api_key = "sk-v0"
    openai.api_base = base_url
    openai.proxy = None
    openai.ChatCompletion.create(model="m", messages=MSG, headers={"x-test-id": test_id + "a"})
    assert via(mock, test_id + "a") is None
    openai.proxy = tinyproxy
    openai.ChatCompletion.create(model="m", messages=MSG, headers={"x-test-id": test_id + "b"})
    assert "tinyproxy" in (via(mock, test_id + "b") or "")


def test_v1_client_proxy(base_url, mock, tinyproxy, test_id):
    c = openai_rs.OpenAI(api_key="k", base_url=base_url, proxy=tinyproxy)
    c.chat.completions.create(model="m", messages=MSG, extra_headers={"x-test-id": test_id})
    assert "tinyproxy" in (via(mock, test_id) or "")


def test_dead_proxy_fails_instead_of_going_direct(module_settings, base_url):
    openai = module_settings
    openai.api_key = "sk-v0"
    openai.api_base = base_url
    openai.max_retries = 0
    for p in (f"http://127.0.0.1:{free_port()}", f"socks5://127.0.0.1:{free_port()}"):
        openai.proxy = p
        with pytest.raises(openai.error.APIConnectionError):
            openai.ChatCompletion.create(model="m", messages=MSG)


def test_per_scheme_dict_uses_the_matching_scheme(module_settings, base_url, mock, test_id):
    openai = module_settings
    openai.api_key = "sk-v0"
    openai.api_base = base_url  # an http:// target: the https proxy does not apply
    openai.proxy = {"https": f"http://127.0.0.1:{free_port()}"}
    r = openai.ChatCompletion.create(model="m", messages=MSG, headers={"x-test-id": test_id})
    assert r.choices[0].message.content


def _read_available(proc, timeout=2.0) -> str:
    out = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.05)
        if ready:
            line = proc.stdout.readline()
            out += line
            if "connected to" in line:
                break
    return out


def test_socks5_proxy(module_settings, base_url, mock, microsocks, test_id):
    url, proc = microsocks
    openai = module_settings
    openai.api_key = "sk-v0"
    openai.api_base = base_url
    openai.proxy = url
    r = openai.ChatCompletion.create(model="m", messages=MSG, headers={"x-test-id": test_id})
    assert r["choices"][0]["message"]["content"] == "You said: Hello!"
    assert f"connected to 127.0.0.1:{mock.port}" in _read_available(proc)
