"""``OpenAI`` and ``AsyncOpenAI``: the official client's shape over the native client.

Each method hands its keyword arguments, unchanged, to one native call; the Rust core validates
them, sends the request (retries, timeouts, SSE) and the response object is built in Rust from
the raw body. Signatures with every official parameter are in ``_client.pyi``.
"""

from __future__ import annotations

from . import _native
from .types import NOT_GIVEN, NotGiven

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Generator, Mapping
    from typing import Any

    from typing_extensions import Self

__all__ = ["AsyncOpenAI", "AsyncStream", "OpenAI", "Stream", "Timeout"]

Stream = _native.Stream
AsyncStream = _native.AsyncStream

_UNSET: Any = NotGiven()


class Timeout:
    """Client deadlines, in seconds (the shape of ``httpx.Timeout``, plus the stream ones).

    ``Timeout(30)`` sets the per-attempt deadline (connect stays 5 s); ``Timeout(None)`` turns
    every deadline off. ``stream_idle`` is the longest silence allowed inside a stream and
    ``total`` an optional deadline over all attempts. A bare number passed as ``timeout=`` is the
    same as ``Timeout(number)``; ``None`` (or not passing it) keeps the defaults (connect 5 s,
    per attempt 600 s, stream idle 600 s), never "no timeout" by accident.
    """

    __slots__ = ("connect", "read", "stream_idle", "total")

    def __init__(
        self,
        timeout: float | None = 600.0,
        *,
        connect: float | NotGiven | None = _UNSET,
        read: float | NotGiven | None = _UNSET,
        stream_idle: float | NotGiven | None = _UNSET,
        total: float | None = None,
    ) -> None:
        self.read: float | None = timeout if isinstance(read, NotGiven) else read
        self.connect: float | None = (
            (5.0 if timeout is not None else None) if isinstance(connect, NotGiven) else connect
        )
        self.stream_idle: float | None = (
            timeout if isinstance(stream_idle, NotGiven) else stream_idle
        )
        self.total = total

    def __repr__(self) -> str:
        return (
            f"Timeout(connect={self.connect}, read={self.read}, "
            f"stream_idle={self.stream_idle}, total={self.total})"
        )


def _timeout_kwargs(timeout: Any) -> dict[str, Any]:
    """Client-level ``timeout=`` → native keyword arguments."""
    if timeout is None or isinstance(timeout, NotGiven):
        return {}
    if isinstance(timeout, (int, float)):
        return {"timeout": float(timeout)}
    connect = getattr(timeout, "connect", None)
    read = getattr(timeout, "read", None)
    idle = getattr(timeout, "stream_idle", read)
    total = getattr(timeout, "total", None)
    return {
        "no_timeout": True,
        "timeout": read,
        "connect_timeout": connect,
        "stream_idle_timeout": idle,
        "total_timeout": total,
    }


def _request_timeout(timeout: Any) -> float | None:
    """Per-request ``timeout=`` (seconds, or a ``Timeout``/``httpx.Timeout``) → seconds."""
    if timeout is None or timeout is NOT_GIVEN:
        return None
    if isinstance(timeout, (int, float)):
        return float(timeout)
    if isinstance(timeout, tuple):  # v0 (connect, read)
        return float(timeout[-1])
    read = getattr(timeout, "read", None)
    return None if read is None else float(read)


def _native_kwargs(
    api_key: Any,
    organization: Any,
    project: Any,
    base_url: Any,
    timeout: Any,
    max_retries: Any,
    default_headers: Any,
    default_query: Any,
    proxy: Any,
    ca_file: Any,
) -> dict[str, Any]:
    kw: dict[str, Any] = {
        "api_key": api_key,
        "organization": organization,
        "project": project,
        "base_url": None if base_url is None else str(base_url),
        "max_retries": None if isinstance(max_retries, NotGiven) else max_retries,
        "default_headers": None if default_headers is None else dict(default_headers),
        "default_query": None if default_query is None else dict(default_query),
        "proxy": proxy,
        "ca_file": None if ca_file is None else str(ca_file),
    }
    kw.update(_timeout_kwargs(timeout))
    return kw


def _restore_native(kwargs: dict[str, Any]) -> _native.Client:
    """Unpickles a native client (its ``__reduce__`` points here)."""
    return _native.Client(**kwargs)


def _restore_client(cls: type[_BaseClient], native: _native.Client) -> _BaseClient:
    """Unpickles an ``OpenAI`` / ``AsyncOpenAI``."""
    obj = cls.__new__(cls)
    obj._bind(native)
    return obj


# ----------------------------------------------------------------------------------- resources


class Completions:
    """``client.chat.completions``."""

    __slots__ = ("_c",)

    def __init__(self, native: _native.Client) -> None:
        self._c = native

    def create(
        self,
        *,
        stream: Any = False,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
        **params: Any,
    ) -> Any:
        t = _request_timeout(timeout)
        if stream:
            return self._c.chat_completion_stream(params, extra_headers, extra_query, extra_body, t)
        return self._c.chat_completion(params, extra_headers, extra_query, extra_body, t)


class AsyncCompletions(Completions):
    """``client.chat.completions`` of ``AsyncOpenAI``: ``create`` returns an awaitable."""

    __slots__ = ()

    def create(
        self,
        *,
        stream: Any = False,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
        **params: Any,
    ) -> Any:
        t = _request_timeout(timeout)
        if stream:
            return self._c.achat_completion_stream(
                params, extra_headers, extra_query, extra_body, t
            )
        return self._c.achat_completion(params, extra_headers, extra_query, extra_body, t)


class Chat:
    """``client.chat``."""

    __slots__ = ("completions",)

    def __init__(self, completions: Completions) -> None:
        self.completions = completions


class AsyncChat(Chat):
    """``client.chat`` of ``AsyncOpenAI``."""

    __slots__ = ()


class Images:
    """``client.images``."""

    __slots__ = ("_c",)

    def __init__(self, native: _native.Client) -> None:
        self._c = native

    def generate(
        self,
        *,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
        **params: Any,
    ) -> Any:
        t = _request_timeout(timeout)
        return self._c.images_generate(params, extra_headers, extra_query, extra_body, t)


class AsyncImages(Images):
    __slots__ = ()

    def generate(
        self,
        *,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
        **params: Any,
    ) -> Any:
        t = _request_timeout(timeout)
        return self._c.aimages_generate(params, extra_headers, extra_query, extra_body, t)


class Embeddings:
    """``client.embeddings``."""

    __slots__ = ("_c",)

    def __init__(self, native: _native.Client) -> None:
        self._c = native

    def create(
        self,
        *,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
        **params: Any,
    ) -> Any:
        t = _request_timeout(timeout)
        return self._c.embeddings(params, extra_headers, extra_query, extra_body, t)


class AsyncEmbeddings(Embeddings):
    __slots__ = ()

    def create(
        self,
        *,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
        **params: Any,
    ) -> Any:
        t = _request_timeout(timeout)
        return self._c.aembeddings(params, extra_headers, extra_query, extra_body, t)


class Models:
    """``client.models``."""

    __slots__ = ("_c",)

    def __init__(self, native: _native.Client) -> None:
        self._c = native

    def list(
        self,
        *,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
    ) -> Any:
        return self._c.models_list(extra_headers, extra_query, _request_timeout(timeout))

    def retrieve(
        self,
        model: str,
        *,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
    ) -> Any:
        return self._c.models_retrieve(model, extra_headers, extra_query, _request_timeout(timeout))


class AsyncModelsPager:
    """``await client.models.list()`` gives the page; ``async for m in client.models.list()``
    iterates the models (the official ``AsyncPaginator`` behaviour)."""

    __slots__ = ("_start",)

    def __init__(self, start: Any) -> None:
        self._start = start

    def __await__(self) -> Generator[Any, None, Any]:
        return self._start().__await__()  # type: ignore[no-any-return]

    async def _iter(self) -> AsyncIterator[Any]:
        page = await self._start()
        for model in page:
            yield model

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._iter()


class AsyncModels(Models):
    __slots__ = ()

    def list(  # type: ignore[override]
        self,
        *,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
    ) -> AsyncModelsPager:
        t = _request_timeout(timeout)
        return AsyncModelsPager(lambda: self._c.amodels_list(extra_headers, extra_query, t))

    def retrieve(
        self,
        model: str,
        *,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
    ) -> Awaitable[Any]:
        return self._c.amodels_retrieve(
            model, extra_headers, extra_query, _request_timeout(timeout)
        )


# ------------------------------------------------------------------------------------- clients


class _BaseClient:
    __slots__ = ("_native", "chat", "embeddings", "images", "models")

    _chat_cls: type[Chat] = Chat
    _completions_cls: type[Completions] = Completions
    _images_cls: type[Images] = Images
    _embeddings_cls: type[Embeddings] = Embeddings
    _models_cls: type[Models] = Models

    def __init__(
        self,
        *,
        api_key: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        webhook_secret: str | None = None,
        base_url: str | None = None,
        websocket_base_url: str | None = None,
        timeout: Any = NOT_GIVEN,
        max_retries: int = 2,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        http_client: Any = None,
        _strict_response_validation: bool = False,
        proxy: str | Mapping[str, str] | None = None,
        ca_file: str | None = None,
    ) -> None:
        if http_client is not None:
            raise TypeError(
                "openai_rs does its own HTTP: pass proxy=, ca_file= and timeout= "
                "instead of http_client="
            )
        kw = _native_kwargs(
            api_key,
            organization,
            project,
            base_url,
            timeout,
            max_retries,
            default_headers,
            default_query,
            proxy,
            ca_file,
        )
        self._bind(_native.Client(**kw))

    def _bind(self, native: _native.Client) -> None:
        self._native = native
        self.chat = self._chat_cls(self._completions_cls(native))
        self.images = self._images_cls(native)
        self.embeddings = self._embeddings_cls(native)
        self.models = self._models_cls(native)

    # ---- settings
    @property
    def api_key(self) -> str:
        """Not readable: the key is never a plain attribute. Use ``expose_api_key()``."""
        raise AttributeError(
            "openai_rs does not keep the API key as a plain attribute; "
            "call client.expose_api_key() if you really need it"
        )

    def expose_api_key(self) -> str:
        """The API key in use (on purpose, never a plain attribute)."""
        return self._native.expose_api_key()

    @property
    def base_url(self) -> str:
        return self._native.base_url

    @property
    def organization(self) -> str | None:
        return self._native.organization

    @property
    def project(self) -> str | None:
        return self._native.project

    @property
    def max_retries(self) -> int:
        return self._native.max_retries

    @property
    def timeout(self) -> Timeout:
        connect, read, idle, total = self._native.timeouts
        return Timeout(read, connect=connect, stream_idle=idle, total=total)

    def with_options(
        self,
        *,
        api_key: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        base_url: str | None = None,
        timeout: Any = NOT_GIVEN,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        proxy: str | Mapping[str, str] | None = None,
        ca_file: str | None = None,
        http_client: Any = None,
    ) -> Any:
        """A new client with some settings replaced (the rest, key included, carried over)."""
        if http_client is not None:
            raise TypeError("openai_rs does not take an http_client")
        kw = _native_kwargs(
            api_key,
            organization,
            project,
            base_url,
            timeout,
            max_retries,
            default_headers,
            default_query,
            proxy,
            ca_file,
        )
        return _restore_client(type(self), self._native.with_options(**kw))

    copy = with_options

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore_client, (type(self), self._native))

    def __repr__(self) -> str:
        n = self._native
        return (
            f"{type(self).__name__}(base_url={n.base_url!r}, organization={n.organization!r}, "
            f"project={n.project!r}, max_retries={n.max_retries}, api_key='[REDACTED]')"
        )


class OpenAI(_BaseClient):
    """The synchronous client. Thread-safe: share one across threads."""

    __slots__ = ()

    def close(self) -> None:
        """Nothing to release eagerly: connections close when the client is garbage-collected."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncOpenAI(_BaseClient):
    """The asyncio client: every call returns an awaitable."""

    __slots__ = ()
    _chat_cls = AsyncChat
    _completions_cls = AsyncCompletions
    _images_cls = AsyncImages
    _embeddings_cls = AsyncEmbeddings
    _models_cls = AsyncModels

    async def close(self) -> None:
        """Nothing to release eagerly (and nothing is scheduled on a loop at garbage collection,
        so there is no "Event loop is closed" noise)."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
