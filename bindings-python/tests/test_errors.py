"""Exceptions: the one kind → class mapping, official attributes, retries and timeouts."""

from __future__ import annotations

import time

import pytest

import openai_rs
from conftest import MSG, fault, header
from openai_rs import _native


def chat(client, test_id, spec, **kw):
    return client.chat.completions.create(
        model="gpt-4o", messages=MSG, extra_headers=fault(test_id, spec), **kw
    )


STATUS_CLASSES = [
    (400, openai_rs.BadRequestError),
    (401, openai_rs.AuthenticationError),
    (403, openai_rs.PermissionDeniedError),
    (404, openai_rs.NotFoundError),
    (409, openai_rs.ConflictError),
    (422, openai_rs.UnprocessableEntityError),
    (429, openai_rs.RateLimitError),
    (500, openai_rs.InternalServerError),
    (503, openai_rs.InternalServerError),
    (418, openai_rs.APIStatusError),
]


@pytest.mark.parametrize(("status", "cls"), STATUS_CLASSES, ids=[str(s) for s, _ in STATUS_CLASSES])
def test_status_errors_map_with_attributes(client, test_id, status, cls):
    """E-1."""
    with pytest.raises(cls) as ei:
        chat(client.with_options(max_retries=0), test_id, f"status={status};code=some_code")
    e = ei.value
    assert isinstance(e, openai_rs.APIStatusError) and isinstance(e, openai_rs.APIError)
    assert isinstance(e, openai_rs.OpenAIError) and isinstance(e, Exception)
    assert e.status_code == status == e.http_status
    assert e.request_id and e.request_id.startswith("req_")
    assert e.code == "some_code"
    assert isinstance(e.body, dict) and e.body["code"] == "some_code"
    assert e.type is not None and e.message == str(e)
    assert str(e).startswith(f"Error code: {status} - ")
    assert e.response.status_code == status
    assert e.response.headers["X-Request-Id"] == e.request_id
    assert e.headers.get("x-request-id") == e.request_id
    assert e.json_body["error"]["code"] == "some_code"
    assert e.retry_after is None


def test_503_is_the_v0_service_unavailable(client, test_id):
    with pytest.raises(openai_rs.error.ServiceUnavailableError) as ei:
        chat(client.with_options(max_retries=0), test_id, "status=503")
    assert isinstance(ei.value, openai_rs.InternalServerError)


def test_html_5xx_body_is_kept_raw(client, test_id):
    """E-2."""
    with pytest.raises(openai_rs.InternalServerError) as ei:
        chat(client.with_options(max_retries=0), test_id, "status=502;body=html")
    assert "<html" in ei.value.body.lower()
    assert ei.value.response.text == ei.value.body


@pytest.mark.parametrize("spec", ["malformed-json", "empty-body", "content-type=text/plain"])
def test_bad_success_bodies_are_decode_errors_with_raw_body(client, test_id, spec):
    """E-3 / E-4."""
    with pytest.raises(openai_rs.APIResponseDecodeError) as ei:
        chat(client, test_id, spec)
    e = ei.value
    assert isinstance(e, openai_rs.APIResponseValidationError) and isinstance(e, openai_rs.APIError)
    assert e.status_code == 200
    assert isinstance(e.body, str)
    assert e.response.text == e.body
    if spec == "malformed-json":
        assert e.body.startswith("{invalid")


def test_every_error_kind_maps_to_its_own_class():
    kinds = _native._error_kinds()
    assert len(kinds) >= 20 and len(set(kinds)) == len(kinds)
    expected = {
        "invalid_argument": openai_rs.InvalidArgumentError,
        "config": openai_rs.ClientConfigError,
        "connection": openai_rs.APIConnectionError,
        "timeout": openai_rs.APITimeoutError,
        "cancelled": openai_rs.RequestCancelledError,
        "bad_request": openai_rs.BadRequestError,
        "authentication": openai_rs.AuthenticationError,
        "permission_denied": openai_rs.PermissionDeniedError,
        "not_found": openai_rs.NotFoundError,
        "conflict": openai_rs.ConflictError,
        "unprocessable_entity": openai_rs.UnprocessableEntityError,
        "rate_limited": openai_rs.RateLimitError,
        "server": openai_rs.InternalServerError,
        "api_status": openai_rs.APIStatusError,
        "stream_event": openai_rs.APIStreamError,
        "stream_truncated": openai_rs.APIStreamTruncatedError,
        "decode": openai_rs.APIResponseDecodeError,
        "nested_runtime": openai_rs.NestedRuntimeError,
        "context_overflow": openai_rs.ContextWindowExceededError,
        "budget_exceeded": openai_rs.BudgetExceededError,
        "internal": openai_rs.InternalClientError,
    }
    assert set(kinds) == set(expected), "a new core ErrorKind needs a class and a row here"
    for kind in kinds:
        name, exc = _native._exception_class_for(kind)
        assert type(exc) is expected[kind], kind
        assert type(exc).__name__ == name
        assert isinstance(exc, openai_rs.OpenAIError)
        assert exc.kind == kind
    assert _native._exception_class_for("server", 503)[0] == "ServiceUnavailableError"
    # the stricter classes sit under the closest official one
    assert issubclass(openai_rs.APIStreamTruncatedError, openai_rs.APIConnectionError)
    assert issubclass(openai_rs.APIResponseDecodeError, openai_rs.APIError)
    assert issubclass(openai_rs.InvalidArgumentError, ValueError)


def test_hierarchy_matches_the_official_sdk():
    """P-5."""
    for cls in (
        openai_rs.BadRequestError,
        openai_rs.AuthenticationError,
        openai_rs.PermissionDeniedError,
        openai_rs.NotFoundError,
        openai_rs.ConflictError,
        openai_rs.UnprocessableEntityError,
        openai_rs.RateLimitError,
        openai_rs.InternalServerError,
    ):
        assert issubclass(cls, openai_rs.APIStatusError)
    assert issubclass(openai_rs.APIStatusError, openai_rs.APIError)
    assert issubclass(openai_rs.APITimeoutError, openai_rs.APIConnectionError)
    assert issubclass(openai_rs.APIConnectionError, openai_rs.APIError)
    assert issubclass(openai_rs.APIError, openai_rs.OpenAIError)
    assert issubclass(openai_rs.OpenAIError, Exception)
    # the official constructors still work
    e = openai_rs.APIError("boom", None, body={"code": "c", "param": "p", "type": "t"})
    assert (e.code, e.param, e.type, e.message) == ("c", "p", "t", "boom")
    assert str(openai_rs.APITimeoutError(request=None)) == "Request timed out."
    assert str(openai_rs.APIConnectionError(request=None)) == "Connection error."


def test_v0_error_names(client, test_id):
    error = openai_rs.error
    cases = [
        ("status=429", error.RateLimitError, openai_rs.RateLimitError),
        ("status=401", error.AuthenticationError, openai_rs.AuthenticationError),
        ("status=403", error.PermissionError, openai_rs.PermissionDeniedError),
        ("status=400", error.InvalidRequestError, openai_rs.BadRequestError),
        ("status=404", error.InvalidRequestError, openai_rs.NotFoundError),
        ("status=503", error.ServiceUnavailableError, openai_rs.InternalServerError),
        ("status=500", error.APIError, openai_rs.InternalServerError),
        ("delay-headers=2000", error.Timeout, openai_rs.APITimeoutError),
        ("drop", error.APIConnectionError, openai_rs.APIConnectionError),
    ]
    c = client.with_options(max_retries=0, timeout=0.5)
    for spec, v0, v1 in cases:
        with pytest.raises(v0) as ei:
            chat(c, f"{test_id}-{spec}", spec)
        assert isinstance(ei.value, v1), spec
        assert isinstance(ei.value, error.OpenAIError)
        assert ei.value.user_message


def test_r1_retry_after_is_honoured(client, mock, test_id):
    """R-1: 429 + Retry-After: 1, then 200."""
    r = chat(client, test_id, "status=429;times=1;retry-after=1")
    assert r.choices[0].message.content
    j = mock.journal(test_id)
    assert len(j) == 2
    gap = (j[1]["at_ms"] - j[0]["at_ms"]) / 1000
    assert 1.0 <= gap <= 1.0 + 0.25
    assert [header(e, "x-stainless-retry-count") for e in j] == ["0", "1"]


def test_r4_server_errors_exhaust_retries(client, mock, test_id):
    """R-4: 500 on every attempt → exactly 3 requests, counts 0,1,2, InternalServerError."""
    t0 = time.monotonic()
    with pytest.raises(openai_rs.InternalServerError) as ei:
        chat(client, test_id, "status=500")
    elapsed = time.monotonic() - t0
    assert ei.value.status_code == 500
    j = mock.journal(test_id)
    assert len(j) == 3
    assert [header(e, "x-stainless-retry-count") for e in j] == ["0", "1", "2"]
    assert 0.75 * 1.5 <= elapsed <= 1.5 + 0.25


def test_r10_retry_after_above_cap_fails_fast(client, mock, test_id):
    with pytest.raises(openai_rs.RateLimitError) as ei:
        chat(client, test_id, "status=429;retry-after=121")
    assert ei.value.retry_after == 121
    assert len(mock.journal(test_id)) == 1


def test_r13_connection_errors_are_retried(client, mock, test_id):
    """R-13: the connection fails twice (closed without an answer), then 200."""
    r = chat(client, test_id, "drop;times=2")
    assert r.choices[0].message.content
    assert len(mock.journal(test_id)) == 3


def test_connection_refused_keeps_the_cause(base_url):
    """E-7: transport failures keep their cause."""
    from conftest import free_port

    c = openai_rs.OpenAI(api_key="k", base_url=f"http://127.0.0.1:{free_port()}/v1", max_retries=0)
    with pytest.raises(openai_rs.APIConnectionError) as ei:
        c.models.list()
    assert ei.value.__cause__ is not None
    assert ei.value.kind == "connection"


def test_r14_timeouts_are_retried_then_raise(client, mock, test_id):
    t0 = time.monotonic()
    with pytest.raises(openai_rs.APITimeoutError) as ei:
        chat(client.with_options(timeout=0.3), test_id, "delay-headers=3000")
    assert ei.value.kind == "timeout"
    assert len(mock.journal(test_id)) == 3
    assert time.monotonic() - t0 < 3 * 0.3 + 1.5 + 0.5


def test_401_without_key_header(base_url, test_id):
    c = openai_rs.OpenAI(api_key="k", base_url=base_url)
    with pytest.raises(openai_rs.AuthenticationError) as ei:
        c.chat.completions.create(
            model="m", messages=MSG, extra_headers={"authorization": None, "x-test-id": test_id}
        )
    assert ei.value.status_code == 401
