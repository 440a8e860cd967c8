"""The legacy (v0) exception names: ``openai.error.RateLimitError`` and friends.

Each is the matching v1 class (or a base of it), so ``except openai_rs.error.RateLimitError``
catches what the client raises, and whatever it catches is also an instance of the v1 class:

==========================  =======================================================
v0 name                     v1 class
==========================  =======================================================
``OpenAIError``             ``OpenAIError``
``APIError``                ``APIError``
``APIConnectionError``      ``APIConnectionError``
``Timeout``                 ``APITimeoutError``
``InvalidRequestError``     base of ``BadRequestError`` (400), ``NotFoundError`` (404),
                            ``ConflictError`` (409), ``UnprocessableEntityError`` (422)
``AuthenticationError``     ``AuthenticationError``
``PermissionError``         ``PermissionDeniedError``
``RateLimitError``          ``RateLimitError``
``ServiceUnavailableError`` subclass of ``InternalServerError``, raised for 503
==========================  =======================================================
"""

from ._exceptions import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    InvalidRequestError,
    OpenAIError,
    RateLimitError,
    ServiceUnavailableError,
)
from ._exceptions import APITimeoutError as Timeout
from ._exceptions import PermissionDeniedError as PermissionError  # noqa: A004

__all__ = [
    "APIConnectionError",
    "APIError",
    "AuthenticationError",
    "InvalidAPIType",
    "InvalidRequestError",
    "OpenAIError",
    "PermissionError",
    "RateLimitError",
    "ServiceUnavailableError",
    "SignatureVerificationError",
    "Timeout",
    "TryAgain",
]


class TryAgain(OpenAIError):
    """v0 name; never raised (retries are automatic)."""


class InvalidAPIType(OpenAIError):
    """v0 name; never raised."""


class SignatureVerificationError(OpenAIError):
    """v0 name; never raised."""
