"""Exceptions: the official SDK's names, hierarchy and attributes, plus stricter subclasses.

Raised from the native layer through one mapping on the core's error kind
(``bindings-python/src/errors.rs``)::

    OpenAIError
    ├── APIError                      message, body, code, param, type, request_id
    │   ├── APIStatusError            status_code, response, headers
    │   │   ├── InvalidRequestError   (v0 name; base of the four below)
    │   │   │   ├── BadRequestError           400
    │   │   │   ├── NotFoundError             404
    │   │   │   ├── ConflictError             409
    │   │   │   └── UnprocessableEntityError  422
    │   │   ├── AuthenticationError   401
    │   │   ├── PermissionDeniedError 403
    │   │   ├── RateLimitError        429
    │   │   └── InternalServerError   >= 500
    │   │       └── ServiceUnavailableError   503
    │   ├── APIConnectionError
    │   │   ├── APITimeoutError
    │   │   ├── APIStreamTruncatedError   stream cut before [DONE] (reset or clean close)
    │   │   └── RequestCancelledError
    │   ├── APIStreamError            an {"error": ...} event inside a stream
    │   └── APIResponseValidationError
    │       └── APIResponseDecodeError    malformed JSON / wrong content type (raw body kept)
    ├── InvalidArgumentError (also ValueError)   refused before sending
    │   ├── ContextWindowExceededError            a conversation turn too large for the window
    │   └── BudgetExceededError                   a conversation call over its budget
    ├── ClientConfigError                         missing key, bad base URL / proxy / CA file
    ├── NestedRuntimeError, InternalClientError (also RuntimeError)
    └── LengthFinishReasonError, ContentFilterFinishReasonError

Exception text never contains the API key.
"""

from __future__ import annotations

from .types import _plain

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseDecodeError",
    "APIResponseValidationError",
    "APIStatusError",
    "APIStreamError",
    "APIStreamTruncatedError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BudgetExceededError",
    "ClientConfigError",
    "ConflictError",
    "ContentFilterFinishReasonError",
    "ContextWindowExceededError",
    "InternalClientError",
    "InternalServerError",
    "InvalidArgumentError",
    "InvalidRequestError",
    "LengthFinishReasonError",
    "NestedRuntimeError",
    "NotFoundError",
    "OpenAIError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestCancelledError",
    "ServiceUnavailableError",
    "UnprocessableEntityError",
]


class OpenAIError(Exception):
    """Base of every exception raised by openai_rs."""


class _Headers(dict):  # type: ignore[type-arg]
    """Response headers; lookups ignore case."""

    def __getitem__(self, key: str) -> str:
        return dict.__getitem__(self, key.lower())  # type: ignore[no-any-return]

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return dict.get(self, key.lower(), default)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and dict.__contains__(self, key.lower())


class ErrorResponse:
    """What is known of the HTTP response behind an error (stands in for ``httpx.Response``)."""

    __slots__ = ("content", "headers", "request_id", "status_code", "text")

    def __init__(
        self, status_code: int, headers: dict[str, str] | None = None, text: str = ""
    ) -> None:
        self.status_code = status_code
        self.headers = _Headers((k.lower(), v) for k, v in (headers or {}).items())
        self.text = text
        self.content = text.encode()
        self.request_id: str | None = self.headers.get("x-request-id")

    def json(self) -> Any:
        import json

        return json.loads(self.text)

    def __repr__(self) -> str:
        return f"<ErrorResponse [{self.status_code}]>"


class APIError(OpenAIError):
    message: str
    request: Any
    body: object | None
    code: str | None
    param: str | None
    type: str | None
    request_id: str | None
    kind: str | None
    """The core's error kind (``"rate_limited"``, ``"stream_truncated"``, ...)."""
    retry_after: float | None
    """A server ``Retry-After`` above the 120 s cap (the client failed fast), in seconds."""

    def __init__(self, message: str, request: Any = None, *, body: object | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.request = request
        self.body = body
        self.request_id = None
        self.kind = None
        self.retry_after = None
        if isinstance(body, dict):
            self.code = body.get("code")
            self.param = body.get("param")
            self.type = body.get("type")
        else:
            self.code = self.param = self.type = None

    # ---- the v0 attribute names (openai.error.OpenAIError)
    @property
    def http_status(self) -> int | None:
        return getattr(self, "status_code", None)

    @property
    def http_body(self) -> str | None:
        response = getattr(self, "response", None)
        return response.text if response is not None else None

    @property
    def json_body(self) -> Any:
        response = getattr(self, "response", None)
        if response is None:
            return None
        try:
            return response.json()
        except ValueError:
            return None

    @property
    def headers(self) -> dict[str, str]:
        response = getattr(self, "response", None)
        return response.headers if response is not None else _Headers()

    @property
    def user_message(self) -> str:
        return self.message


class APIResponseValidationError(APIError):
    response: ErrorResponse
    status_code: int

    def __init__(self, response: Any, body: object | None, *, message: str | None = None) -> None:
        super().__init__(
            message or "Data returned by API invalid for expected schema.",
            getattr(response, "request", None),
            body=body,
        )
        self.response = response
        self.status_code = response.status_code


class APIResponseDecodeError(APIResponseValidationError):
    """The response body was not the JSON expected (malformed, wrong content type or shape).
    ``body`` / ``response.text`` hold the raw body."""


class APIStatusError(APIError):
    """A non-success HTTP status."""

    response: ErrorResponse
    status_code: int

    def __init__(self, message: str, *, response: Any, body: object | None) -> None:
        super().__init__(message, getattr(response, "request", None), body=body)
        self.response = response
        self.status_code = response.status_code
        self.request_id = response.headers.get("x-request-id")


class InvalidRequestError(APIStatusError):
    """The v0 name for a request the API refused (400, 404, 409, 422)."""


class BadRequestError(InvalidRequestError):
    status_code: int = 400


class AuthenticationError(APIStatusError):
    status_code: int = 401


class PermissionDeniedError(APIStatusError):
    status_code: int = 403


class NotFoundError(InvalidRequestError):
    status_code: int = 404


class ConflictError(InvalidRequestError):
    status_code: int = 409


class UnprocessableEntityError(InvalidRequestError):
    status_code: int = 422


class RateLimitError(APIStatusError):
    status_code: int = 429


class InternalServerError(APIStatusError):
    pass


class ServiceUnavailableError(InternalServerError):
    """503 (the v0 name)."""


class APIConnectionError(APIError):
    def __init__(self, *, message: str = "Connection error.", request: Any = None) -> None:
        super().__init__(message, request, body=None)


class APITimeoutError(APIConnectionError):
    def __init__(self, request: Any = None) -> None:
        super().__init__(message="Request timed out.", request=request)


class APIStreamTruncatedError(APIConnectionError):
    """A stream ended before its final ``[DONE]``: the connection was reset or closed early.
    The chunks already yielded stay valid; the reply is incomplete."""


class RequestCancelledError(APIConnectionError):
    """The request was cancelled before it completed."""


class APIStreamError(APIError):
    """The server sent an error event inside a stream."""


class InvalidArgumentError(OpenAIError, ValueError):
    """An argument was refused before anything was sent (the message names it)."""


class ContextWindowExceededError(InvalidArgumentError):
    """A conversation turn cannot fit in the context window, even with every older turn left out.
    Nothing was sent."""


class BudgetExceededError(InvalidArgumentError):
    """A conversation call's estimated cost would exceed its budget. Nothing was sent."""


class ClientConfigError(OpenAIError):
    """The client cannot be configured: missing API key, bad base URL, proxy or CA file."""


class NestedRuntimeError(OpenAIError, RuntimeError):
    """A blocking call was made where it would deadlock."""


class InternalClientError(OpenAIError, RuntimeError):
    """A bug in openai_rs; please report it."""


class LengthFinishReasonError(OpenAIError):
    """``parse`` / a chat stream: the answer was cut by the token limit, so it cannot be parsed;
    ``completion`` is the completion as received."""

    def __init__(self, *, completion: Any = None) -> None:
        msg = "Could not parse response content as the length limit was reached"
        usage = None if completion is None else completion.get("usage")
        if usage:
            msg += f" - {usage}"
        super().__init__(msg)
        self.completion = completion


class ContentFilterFinishReasonError(OpenAIError):
    """``parse`` / a chat stream: the content filter stopped the answer; ``completion`` is the
    completion as received (``None`` if not given)."""

    def __init__(self, *, completion: Any = None) -> None:
        super().__init__(
            "Could not parse response content as the request was rejected by the content filter"
        )
        self.completion = completion


def _from_native(
    name: str,
    *,
    kind: str,
    message: str,
    status: int | None,
    body_text: str | None,
    body_json: Any,
    headers: list[tuple[str, str]],
    request_id: str | None,
    code: str | None,
    param: str | None,
    type: str | None,  # noqa: A002 - the official attribute name
    retry_after: float | None,
    cause: str | None,
) -> OpenAIError:
    """Builds the exception for a native error (called from errors.rs only)."""
    cls = globals()[name]
    err = cls.__new__(cls)
    parsed = _plain(body_json, False) if body_json is not None else None
    if isinstance(parsed, dict) and isinstance(parsed.get("error"), dict):
        body: Any = parsed["error"]
    else:
        body = parsed if parsed is not None else body_text
    if status is not None and issubclass(cls, APIStatusError):
        message = f"Error code: {status} - {parsed if parsed is not None else body_text}"
    Exception.__init__(err, message)
    if issubclass(cls, APIError):
        err.message = message
        err.request = None
        err.body = body
        err.code = code
        err.param = param
        err.type = type
        err.request_id = request_id
        err.kind = kind
        err.retry_after = retry_after
        if status is not None:
            err.status_code = status
            err.response = ErrorResponse(status, dict(headers), body_text or "")
    else:
        err.kind = kind
    if cause:
        err.__cause__ = (TimeoutError if kind == "timeout" else ConnectionError)(cause)
    return err  # type: ignore[no-any-return]
