"""openai_rs: the OpenAI API client on a native (Rust) core, with the official SDK's API.

Change only the import line of a script written for the official ``openai`` package::

    from openai_rs import OpenAI          # v1 style
    import openai_rs as openai            # module-level / legacy v0 style

v1: ``OpenAI``, ``AsyncOpenAI``, ``client.chat.completions.create(...)`` (``stream=True`` too),
``client.images.generate``, ``client.embeddings.create``, ``client.models.list/retrieve``,
``client.with_options(...)``, and the module-level client (``openai_rs.api_key = ...;
openai_rs.chat.completions.create(...)``).

Beyond the official API: ``Conversation(client, ...)`` (``AsyncConversation``) keeps a chat's
history, fits it into the context window, and tracks usage, cost and a budget;
``count_tokens(text_or_messages, model)`` counts tokens offline; ``client.bulk(requests_or_jsonl,
output=..., rpm=..., tpm=...)`` runs many requests under a rate limit into a resumable Batch API
style JSONL file (``python -m openai_rs bulk IN OUT`` from a shell).

v0: module settings ``api_key``, ``api_base``, ``organization``, ``proxy`` (honoured: a URL, or a
``{"http": ..., "https": ...}`` dict, ``http://`` or ``socks5://``), ``ChatCompletion.create`` /
``acreate``, ``Image.create``, ``Embedding.create``, ``Model.list``, and ``openai_rs.error``.
"""

from __future__ import annotations

import os as _os

from . import _native
from ._client import AsyncOpenAI, AsyncStream, OpenAI, Stream, Timeout
from ._client_util import DefaultAsyncHttpxClient, DefaultHttpxClient, HttpClientNotUsedWarning
from ._conversation import (
    AsyncConversation,
    AsyncConversationStream,
    Conversation,
    ConversationStream,
    count_tokens,
)
from ._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseDecodeError,
    APIResponseValidationError,
    APIStatusError,
    APIStreamError,
    APIStreamTruncatedError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BudgetExceededError,
    ClientConfigError,
    ConflictError,
    ContentFilterFinishReasonError,
    ContextWindowExceededError,
    InternalClientError,
    InternalServerError,
    InvalidArgumentError,
    LengthFinishReasonError,
    NestedRuntimeError,
    NotFoundError,
    OpenAIError,
    PermissionDeniedError,
    RateLimitError,
    RequestCancelledError,
    ServiceUnavailableError,
    UnprocessableEntityError,
)
from .types import NOT_GIVEN, NotGiven, Omit, not_given, omit

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from . import _client, _resources
    from . import error as error
    from . import types as types
    from ._azure import AsyncAzureOpenAI as AsyncAzureOpenAI
    from ._azure import AzureOpenAI as AzureOpenAI
    from ._bulk import BulkResult as BulkResult
    from ._bulk import BulkResults as BulkResults
    from ._legacy import Audio as Audio
    from ._legacy import ChatCompletion as ChatCompletion
    from ._legacy import Completion as Completion
    from ._legacy import Embedding as Embedding
    from ._legacy import File as File
    from ._legacy import Image as Image
    from ._legacy import Model as Model
    from ._legacy import Moderation as Moderation
    from ._parsing import pydantic_function_tool as pydantic_function_tool

__version__: str = _native.__version__
VERSION: str = __version__

__all__ = [
    "NOT_GIVEN",
    "VERSION",
    "APIConnectionError",
    "APIError",
    "APIResponseDecodeError",
    "APIResponseValidationError",
    "APIStatusError",
    "APIStreamError",
    "APIStreamTruncatedError",
    "APITimeoutError",
    "AsyncAzureOpenAI",
    "AsyncConversation",
    "AsyncConversationStream",
    "AsyncOpenAI",
    "AsyncStream",
    "Audio",
    "AuthenticationError",
    "AzureOpenAI",
    "BadRequestError",
    "BudgetExceededError",
    "BulkResult",
    "BulkResults",
    "ChatCompletion",
    "ClientConfigError",
    "Completion",
    "ConflictError",
    "ContentFilterFinishReasonError",
    "ContextWindowExceededError",
    "Conversation",
    "ConversationStream",
    "DefaultAsyncHttpxClient",
    "DefaultHttpxClient",
    "Embedding",
    "File",
    "HttpClientNotUsedWarning",
    "Image",
    "InternalClientError",
    "InternalServerError",
    "InvalidArgumentError",
    "LengthFinishReasonError",
    "Model",
    "Moderation",
    "NestedRuntimeError",
    "NotFoundError",
    "NotGiven",
    "Omit",
    "OpenAI",
    "OpenAIError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestCancelledError",
    "ServiceUnavailableError",
    "Stream",
    "Timeout",
    "UnprocessableEntityError",
    "__version__",
    "api_base",
    "api_key",
    "audio",
    "base_url",
    "batches",
    "chat",
    "completions",
    "count_tokens",
    "default_headers",
    "default_query",
    "embeddings",
    "error",
    "files",
    "images",
    "max_retries",
    "models",
    "moderations",
    "not_given",
    "omit",
    "organization",
    "project",
    "proxy",
    "pydantic_function_tool",
    "responses",
    "timeout",
    "types",
    "uploads",
]

# ------------------------------------------------------------------ module-level client settings
# Read on every module-level call; the client is rebuilt when one of them changes.

api_key: str | None = None
organization: str | None = None
project: str | None = None
base_url: str | None = None
"""v1 name; with or without a trailing slash."""
api_base: str | None = None
"""v0 name of ``base_url`` (``base_url`` wins when both are set)."""
proxy: str | dict[str, str] | None = None
"""v0: a proxy URL (``http://``, ``socks5://``) or ``{"http": ..., "https": ...}``. Honoured."""
timeout: float | Timeout | None = None
max_retries: int = 2
default_headers: dict[str, str] | None = None
default_query: dict[str, object] | None = None

_module_cache: list[Any] = [None, None]  # [settings, client]


def _copy(v: Any) -> Any:
    return dict(v) if isinstance(v, dict) else v


def _module_client() -> OpenAI:
    """The module-level client for the current module settings."""
    settings = (
        api_key,
        organization,
        project,
        base_url,
        api_base,
        _copy(proxy),
        timeout,
        max_retries,
        _copy(default_headers),
        _copy(default_query),
    )
    if _module_cache[0] != settings:
        url = (
            base_url
            or api_base
            or _os.environ.get("OPENAI_BASE_URL")
            or _os.environ.get("OPENAI_API_BASE")
        )
        _module_cache[1] = OpenAI(
            api_key=api_key,
            organization=organization,
            project=project,
            base_url=url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            default_query=default_query,
            proxy=proxy,
        )
        _module_cache[0] = settings
    return _module_cache[1]  # type: ignore[no-any-return]


class _ModuleResource:
    """``openai_rs.chat`` etc.: forwards to the module-level client's resource."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            # Introspection (inspect, copy, stubtest) must not build the module client.
            raise AttributeError(attr)
        return getattr(getattr(_module_client(), self._name), attr)

    def __repr__(self) -> str:
        return f"<openai_rs.{self._name} (module-level client)>"


def _resource(name: str) -> Any:
    return _ModuleResource(name)


# Typed as the client's resources (what the proxies forward to), as the official module does.
chat: _client.Chat = _resource("chat")
images: _client.Images = _resource("images")
embeddings: _client.Embeddings = _resource("embeddings")
models: _client.Models = _resource("models")
responses: _resources.Responses = _resource("responses")
files: _resources.Files = _resource("files")
uploads: _resources.Uploads = _resource("uploads")
batches: _resources.Batches = _resource("batches")
audio: _resources.Audio = _resource("audio")
moderations: _resources.Moderations = _resource("moderations")
completions: _resources.TextCompletions = _resource("completions")

_LAZY = {
    "ChatCompletion": "_legacy",
    "Image": "_legacy",
    "Embedding": "_legacy",
    "Model": "_legacy",
    "Completion": "_legacy",
    "Moderation": "_legacy",
    "File": "_legacy",
    "Audio": "_legacy",
    "AzureOpenAI": "_azure",
    "BulkResult": "_bulk",
    "BulkResults": "_bulk",
    "AsyncAzureOpenAI": "_azure",
    "pydantic_function_tool": "_parsing",
}


def __getattr__(name: str) -> Any:
    # Loaded on first use so `import openai_rs` stays cheap.
    if name in ("error", "types"):
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _setup_logging() -> None:
    """``OPENAI_LOG=debug|info`` turns on the ``openai_rs`` logger (as in the official SDK).
    Records are metadata only: method, path, status, retry count, request id."""
    level = _os.environ.get("OPENAI_LOG", "").lower()
    if level not in ("debug", "info"):
        return
    import logging

    logging.basicConfig(
        format="[%(asctime)s - %(name)s - %(levelname)s] %(message)s",
        datefmt="%Y-%m-%d %H:%M:%S",
    )
    logging.getLogger("openai_rs").setLevel(logging.DEBUG if level == "debug" else logging.INFO)


_setup_logging()
