"""``OpenAI`` and ``AsyncOpenAI``: the official client's shape over the native client.

Each method hands its keyword arguments, unchanged, to one native call; the Rust core validates
them, sends the request (retries, timeouts, SSE) and the response object is built in Rust from
the raw body. Signatures with every official parameter are in ``_client.pyi``.
"""

from __future__ import annotations

from . import _native
from ._client_util import http_client_settings as _http_client_settings
from ._client_util import request_timeout as _request_timeout
from ._resources import (
    _PLAIN,
    AsyncAudio,
    AsyncBatches,
    AsyncFiles,
    AsyncModerations,
    AsyncResponses,
    AsyncTextCompletions,
    AsyncUploads,
    Audio,
    Batches,
    Files,
    Moderations,
    Responses,
    StoredCompletions,
    TextCompletions,
    Uploads,
    _file_part,
    _opts,
    _Resource,
)
from .types import NOT_GIVEN, NotGiven, OpenAIObject

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Generator, Mapping
    from typing import Any

    from typing_extensions import Self

    from ._bulk import BulkResults

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
    per attempt 600 s, stream idle 600 s), never "no timeout" by accident. ``write`` and ``pool``
    are accepted so that ``httpx.Timeout`` code runs, and kept, but not applied on their own:
    sending the body counts against the per-attempt deadline, and there is no pool wait::

        client = OpenAI(timeout=Timeout(60.0, read=5.0, write=10.0, connect=2.0))
    """

    __slots__ = ("connect", "pool", "read", "stream_idle", "total", "write")

    def __init__(
        self,
        timeout: float | None = 600.0,
        *,
        connect: float | NotGiven | None = _UNSET,
        read: float | NotGiven | None = _UNSET,
        stream_idle: float | NotGiven | None = _UNSET,
        total: float | None = None,
        write: float | NotGiven | None = _UNSET,
        pool: float | NotGiven | None = _UNSET,
    ) -> None:
        self.read: float | None = timeout if isinstance(read, NotGiven) else read
        self.write: float | None = timeout if isinstance(write, NotGiven) else write
        self.pool: float | None = timeout if isinstance(pool, NotGiven) else pool
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


def _replace_defaults(
    native: _native.Client, headers: Any, set_headers: Any, query: Any, set_query: Any
) -> _native.Client:
    """The client with its default headers / query replaced (``with_options(set_default_*=)``):
    rebuilt from its full configuration, which is what it pickles as."""
    if headers is not None and set_headers is not None:
        raise ValueError("default_headers and set_default_headers are mutually exclusive")
    if query is not None and set_query is not None:
        raise ValueError("default_query and set_default_query are mutually exclusive")
    kwargs = native.__reduce__()[1][0]
    if set_headers is not None:
        kwargs["default_headers"] = dict(set_headers)
    if set_query is not None:
        kwargs["default_query"] = dict(set_query)
    return _native.Client(**kwargs)


def _restore_native(kwargs: dict[str, Any]) -> _native.Client:
    """Unpickles a native client (its ``__reduce__`` points here)."""
    return _native.Client(**kwargs)


def _restore_client(cls: type[_BaseClient], native: _native.Client) -> _BaseClient:
    """Unpickles an ``OpenAI`` / ``AsyncOpenAI``."""
    obj = cls.__new__(cls)
    obj._bind(native)
    return obj


# ----------------------------------------------------------------------------------- resources


class Completions(StoredCompletions):
    """``client.chat.completions``: create (typed in the core), and the stored-completion
    methods."""

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
        if self._mode != _PLAIN:
            return _generic_create(
                self,
                "createChatCompletion",
                stream,
                params,
                _opts(extra_headers, extra_query, extra_body, timeout),
            )
        t = _request_timeout(timeout)
        if stream:
            return self._c.chat_completion_stream(params, extra_headers, extra_query, extra_body, t)
        return self._c.chat_completion(params, extra_headers, extra_query, extra_body, t)

    def parse(
        self,
        *,
        response_format: Any = NOT_GIVEN,
        tools: Any = NOT_GIVEN,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
        **params: Any,
    ) -> Any:
        """``create`` with ``response_format=`` a pydantic model, dataclass or ``TypedDict``
        (sent as its strict JSON schema), answering a ``ParsedChatCompletion`` whose
        ``message.parsed`` is an instance of it::

            c = client.chat.completions.parse(model=m, messages=msgs, response_format=Step)
            step = c.choices[0].message.parsed
        """
        from ._parsing import chat_parse

        return chat_parse(
            self, response_format, tools, extra_headers, extra_query, extra_body, timeout, params
        )

    def stream(
        self,
        *,
        response_format: Any = NOT_GIVEN,
        tools: Any = NOT_GIVEN,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
        **params: Any,
    ) -> Any:
        """A streamed ``create`` as the official helper's events (``content.delta``, ...) and
        ``get_final_completion()``, parsed as ``parse`` does::

            with client.chat.completions.stream(model=m, messages=msgs) as stream:
                for event in stream:
                    if event.type == "content.delta":
                        print(event.delta, end="")
        """
        from ._chat_stream import chat_stream

        return chat_stream(
            self, response_format, tools, extra_headers, extra_query, extra_body, timeout, params
        )


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
        if self._mode != _PLAIN:
            return _generic_create(
                self,
                "createChatCompletion",
                stream,
                params,
                _opts(extra_headers, extra_query, extra_body, timeout),
            )
        t = _request_timeout(timeout)
        if stream:
            return self._c.achat_completion_stream(
                params, extra_headers, extra_query, extra_body, t
            )
        return self._c.achat_completion(params, extra_headers, extra_query, extra_body, t)


# The answer classes of the operations that have typed native calls.
_TYPED = {
    "createChatCompletion": "ChatCompletion",
    "createImage": "ImagesResponse",
    "createEmbedding": "CreateEmbeddingResponse",
}


def _generic_create(
    res: _Resource, op: str, stream: Any, params: dict[str, Any], opts: dict[str, Any]
) -> Any:
    """A typed create in raw or streaming-response mode: the same operation through the generic
    call, which keeps the status and headers."""
    if stream:
        return res._stream(op, "ChatCompletionChunk", opts, body=params)
    return res._call(op, _TYPED[op], opts, body=params)


class Chat(_Resource):
    """``client.chat``."""

    __slots__ = ("completions",)

    def __init__(self, native: _native.Client, aio: bool = False, mode: int = _PLAIN) -> None:
        super().__init__(native, aio, mode)
        self.completions = (AsyncCompletions if aio else Completions)(native, aio, mode)


class AsyncChat(Chat):
    """``client.chat`` of ``AsyncOpenAI``."""

    __slots__ = ()


class Images(_Resource):
    """``client.images``: generate, edit and create_variation (multipart)."""

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
        if self._mode != _PLAIN:
            return _generic_create(
                self,
                "createImage",
                False,
                params,
                _opts(extra_headers, extra_query, extra_body, timeout),
            )
        t = _request_timeout(timeout)
        return self._c.images_generate(params, extra_headers, extra_query, extra_body, t)

    def edit(
        self,
        *,
        image: Any,
        prompt: str,
        mask: Any = None,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
        **body: Any,
    ) -> Any:
        """``image`` one file or a list of them (sent as ``image[]``); ``mask`` optional."""
        opts = _opts(extra_headers, extra_query, extra_body, timeout)
        body["prompt"] = prompt
        if isinstance(image, list):
            files = [_file_part("image[]", i) for i in image]
        else:
            files = [_file_part("image", image)]
        if mask is not None:
            files.append(_file_part("mask", mask))
        return self._call("createImageEdit", "ImagesResponse", opts, body=body, files=files)

    def create_variation(
        self,
        *,
        image: Any,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
        **body: Any,
    ) -> Any:
        opts = _opts(extra_headers, extra_query, extra_body, timeout)
        files = [_file_part("image", image)]
        return self._call("createImageVariation", "ImagesResponse", opts, body=body, files=files)


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
        if self._mode != _PLAIN:
            return _generic_create(
                self,
                "createImage",
                False,
                params,
                _opts(extra_headers, extra_query, extra_body, timeout),
            )
        t = _request_timeout(timeout)
        return self._c.aimages_generate(params, extra_headers, extra_query, extra_body, t)


class Embeddings(_Resource):
    """``client.embeddings``."""

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
        if self._mode != _PLAIN:
            return _generic_create(
                self,
                "createEmbedding",
                False,
                params,
                _opts(extra_headers, extra_query, extra_body, timeout),
            )
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
        if self._mode != _PLAIN:
            return _generic_create(
                self,
                "createEmbedding",
                False,
                params,
                _opts(extra_headers, extra_query, extra_body, timeout),
            )
        t = _request_timeout(timeout)
        return self._c.aembeddings(params, extra_headers, extra_query, extra_body, t)


class Models(_Resource):
    """``client.models``: list, retrieve, delete."""

    __slots__ = ()

    def list(
        self,
        *,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
    ) -> Any:
        if self._mode != _PLAIN:
            opts = _opts(extra_headers, extra_query, extra_body, timeout)
            return self._call("listModels", "ModelsPage", opts)
        return self._c.models_list(extra_headers, extra_query, _request_timeout(timeout))

    def delete(
        self,
        model: str,
        *,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
    ) -> Any:
        """Deletes a fine-tuned model."""
        opts = _opts(extra_headers, extra_query, extra_body, timeout)
        return self._call("deleteModel", "ModelDeleted", opts, path={"model": model})

    def retrieve(
        self,
        model: str,
        *,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
    ) -> Any:
        if self._mode != _PLAIN:
            opts = _opts(extra_headers, extra_query, extra_body, timeout)
            return self._call("retrieveModel", "Model", opts, path={"model": model})
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
    ) -> Any:
        if self._mode != _PLAIN:
            return super().list(
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
                timeout=timeout,
            )
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
        if self._mode != _PLAIN:
            return super().retrieve(  # type: ignore[no-any-return]
                model,
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
                timeout=timeout,
            )
        return self._c.amodels_retrieve(
            model, extra_headers, extra_query, _request_timeout(timeout)
        )


# ------------------------------------------------------------------------------------- clients


class _BaseClient:
    __slots__ = (
        "_native",
        "audio",
        "batches",
        "chat",
        "completions",
        "embeddings",
        "files",
        "images",
        "models",
        "moderations",
        "responses",
        "uploads",
    )
    _aio = False

    _chat_cls: type[Chat] = Chat
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
        timeout, proxy, ca_file = _http_client_settings(http_client, timeout, proxy, ca_file)
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

    def _calls(self, native: _native.Client) -> Any:
        """What the resources call: the native client (an Azure client with a token provider
        puts a token-refreshing wrapper in between)."""
        return native

    def _bind(self, native: _native.Client) -> None:
        self._native = native
        aio = self._aio
        native = self._calls(native)
        self.chat = self._chat_cls(native, aio)
        self.images = self._images_cls(native, aio)
        self.embeddings = self._embeddings_cls(native, aio)
        self.models = self._models_cls(native, aio)
        self.responses = (AsyncResponses if aio else Responses)(native, aio)
        self.files = (AsyncFiles if aio else Files)(native, aio)
        self.uploads = (AsyncUploads if aio else Uploads)(native, aio)
        self.batches = (AsyncBatches if aio else Batches)(native, aio)
        self.audio = (AsyncAudio if aio else Audio)(native, aio)
        self.moderations = (AsyncModerations if aio else Moderations)(native, aio)
        self.completions = (AsyncTextCompletions if aio else TextCompletions)(native, aio)

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
        webhook_secret: str | None = None,
        websocket_base_url: str | None = None,
        set_default_headers: Mapping[str, str] | None = None,
        set_default_query: Mapping[str, object] | None = None,
    ) -> Any:
        """A new client with some settings replaced (the rest, key included, carried over).
        ``default_headers`` / ``default_query`` add to the current ones, ``set_default_headers``
        / ``set_default_query`` replace them::

            quiet = client.with_options(timeout=5, set_default_headers={"x-app": "batch"})
        """
        timeout, proxy, ca_file = _http_client_settings(http_client, timeout, proxy, ca_file)
        native = self._native
        if set_default_headers is not None or set_default_query is not None:
            native = _replace_defaults(
                native, default_headers, set_default_headers, default_query, set_default_query
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
        return _restore_client(type(self), native.with_options(**kw))

    copy = with_options

    # ---- generic access for the long tail (the official client's get/post/...)
    def _request(self, method: str, path: str, cast_to: Any, body: Any, options: Any) -> Any:
        o = dict(options or {})
        native = self._native
        fn = native.arequest if self._aio else native.request
        args = (method, path.lstrip("/"), body, o.get("headers"), o.get("params"))
        r = fn(*args, _request_timeout(o.get("timeout")), o.get("max_retries"))
        return _acast(r, cast_to) if self._aio else _cast(r, cast_to)

    def get(self, path: str, *, cast_to: Any = object, options: Any = None, **_: Any) -> Any:
        """``GET`` any path under the base URL; ``options``: ``headers``, ``params``,
        ``timeout``, ``max_retries``. ``cast_to`` an ``openai_rs.types`` class, or ``object``
        for the generic object."""
        return self._request("GET", path, cast_to, None, options)

    def post(
        self, path: str, *, cast_to: Any = object, body: Any = None, options: Any = None, **_: Any
    ) -> Any:
        return self._request("POST", path, cast_to, body, options)

    def patch(
        self, path: str, *, cast_to: Any = object, body: Any = None, options: Any = None, **_: Any
    ) -> Any:
        return self._request("PATCH", path, cast_to, body, options)

    def put(
        self, path: str, *, cast_to: Any = object, body: Any = None, options: Any = None, **_: Any
    ) -> Any:
        return self._request("PUT", path, cast_to, body, options)

    def delete(
        self, path: str, *, cast_to: Any = object, body: Any = None, options: Any = None, **_: Any
    ) -> Any:
        return self._request("DELETE", path, cast_to, body, options)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore_client, (type(self), self._native))

    def __repr__(self) -> str:
        n = self._native
        return (
            f"{type(self).__name__}(base_url={n.base_url!r}, organization={n.organization!r}, "
            f"project={n.project!r}, max_retries={n.max_retries}, api_key='[REDACTED]')"
        )


def _cast(obj: Any, cast_to: Any) -> Any:
    """The generic answer as ``cast_to`` (its top level; nested objects stay generic)."""
    if isinstance(cast_to, type) and issubclass(cast_to, OpenAIObject) and isinstance(obj, dict):
        out = cast_to(obj)
        out._request_id = getattr(obj, "_request_id", None)
        return out
    return obj


async def _acast(awaitable: Any, cast_to: Any) -> Any:
    return _cast(await awaitable, cast_to)


class OpenAI(_BaseClient):
    """The synchronous client. Thread-safe: share one across threads."""

    __slots__ = ()

    def close(self) -> None:
        """Nothing to release eagerly: connections close when the client is garbage-collected."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def bulk(
        self,
        requests: Any,
        output: Any = None,
        *,
        concurrency: int = 16,
        rpm: int | None = None,
        tpm: int | None = None,
        max_cost: float | None = None,
        max_retries: int | None = None,
        order: str = "completed",
        progress: Any = None,
        collect: bool = True,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> BulkResults:
        """Runs many chat / responses / embeddings requests under a rate limit: ``requests`` a
        Batch API JSONL path or an iterable of ``{"custom_id", "method", "url", "body"}`` dicts.
        Rows finish or fail one by one (never the whole run); ``output`` gets a Batch API output
        line per row as it finishes, and rows it already holds are skipped (resume). ``progress``:
        a bar on a terminal (None: when stderr is one), False, or a callable given a dict.
        A file is checked whole, then read as rows are sent: with ``collect=False`` a run's
        memory does not grow with the file.

        >>> results = client.bulk("in.jsonl", output="out.jsonl", rpm=500, tpm=200_000)
        """
        from . import _bulk  # asyncio and friends: loaded by the first bulk run, not by import

        return _bulk.run(
            self._native,
            requests,
            output,
            progress,
            concurrency=concurrency,
            rpm=rpm,
            tpm=tpm,
            max_cost=max_cost,
            max_retries=max_retries,
            order=order,
            collect=collect,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
        )


class AsyncOpenAI(_BaseClient):
    """The asyncio client: every call returns an awaitable."""

    __slots__ = ()
    _aio = True
    _chat_cls = AsyncChat
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

    async def bulk(
        self,
        requests: Any,
        output: Any = None,
        *,
        concurrency: int = 16,
        rpm: int | None = None,
        tpm: int | None = None,
        max_cost: float | None = None,
        max_retries: int | None = None,
        order: str = "completed",
        progress: Any = None,
        collect: bool = True,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> BulkResults:
        """Runs many chat / responses / embeddings requests under a rate limit: ``requests`` a
        Batch API JSONL path or an iterable of ``{"custom_id", "method", "url", "body"}`` dicts.
        Rows finish or fail one by one (never the whole run); ``output`` gets a Batch API output
        line per row as it finishes, and rows it already holds are skipped (resume). ``progress``:
        a bar on a terminal (None: when stderr is one), False, or a callable given a dict.

        >>> results = await client.bulk("in.jsonl", output="out.jsonl", rpm=500)
        """
        from . import _bulk

        return await _bulk.arun(
            self._native,
            requests,
            output,
            progress,
            concurrency=concurrency,
            rpm=rpm,
            tpm=tpm,
            max_cost=max_cost,
            max_retries=max_retries,
            order=order,
            collect=collect,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
        )
