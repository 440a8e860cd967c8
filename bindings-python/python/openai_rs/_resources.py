"""Resources declared over the core's endpoint table.

A method here names its operation (the spec's ``operationId``), says which arguments are path
parameters, query, body or files, and which ``openai_rs.types`` class the answer becomes; the
native ``Client.call`` / ``acall`` / ``pages`` / ``download`` / ``call_stream`` run it with the
core's retries, timeouts and typed errors. One class serves both clients: an async resource hands
back the awaitable of the native call.

Every resource also has ``with_raw_response`` and ``with_streaming_response`` (the same resource
in another mode): each helper below builds a zero-argument "thunk" that performs the request, and
the mode decides whether it runs now, runs into an ``APIResponse``, or runs when a context
manager is entered.
"""

from __future__ import annotations

import os
from functools import partial
from types import GenericAlias

from . import _native
from ._client_util import request_timeout

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Generator, Iterator, Mapping
    from typing import Any

    from typing_extensions import Self

__all__ = [
    "APIResponse",
    "AsyncAPIResponse",
    "AsyncPaginator",
    "Headers",
    "HttpxBinaryResponseContent",
    "Responses",
    "SyncPage",
]

_PLAIN, _RAW, _STREAMING = 0, 1, 2


class _Resource:
    __slots__ = ("_aio", "_c", "_mode")

    def __init__(self, native: _native.Client, aio: bool, mode: int = _PLAIN) -> None:
        self._c = native
        self._aio = aio
        self._mode = mode

    @property
    def with_raw_response(self) -> Self:
        """This resource, its methods answering an ``APIResponse`` (``.headers``,
        ``.status_code``, ``.request_id``, ``.parse()``)."""
        return type(self)(self._c, self._aio, _RAW)

    @property
    def with_streaming_response(self) -> Self:
        """This resource, its methods answering a context manager that sends the request when
        entered and gives an ``APIResponse`` whose body is read on demand."""
        return type(self)(self._c, self._aio, _STREAMING)

    def _run(self, thunk: Callable[[bool], Any]) -> Any:
        """Runs ``thunk(raw)`` as the mode says."""
        if self._mode == _STREAMING:
            return ResponseContextManager(thunk, self._aio)
        return thunk(self._mode == _RAW)

    def _call(
        self,
        op: str,
        cls: str | None,
        opts: dict[str, Any],
        *,
        path: dict[str, Any] | None = None,
        query: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        files: list[Any] | None = None,
    ) -> Any:
        fn = self._c.acall if self._aio else self._c.call
        aio = self._aio
        body, extra_body = _form_body(body, files, opts)
        if files is not None:
            # Form fields are flat: `expires_after={"anchor": ...}` goes as `expires_after[anchor]`.
            body = _flat_query(body)

        def thunk(raw: bool) -> Any:
            r: Any = fn(
                op,
                path,
                query,
                body,
                files,
                cls,
                opts.get("extra_headers"),
                opts.get("extra_query"),
                extra_body,
                request_timeout(opts.get("timeout")),
                None,
                raw,
            )
            if not raw:
                return r
            line = partial(
                self._c.request_line, op, path, query, body, files, opts.get("extra_query")
            )
            return _attach(_araw(r) if aio else APIResponse(*r), line)

        return self._run(thunk)

    def _list(
        self,
        op: str,
        cls: str | None,
        opts: dict[str, Any],
        *,
        path: dict[str, Any] | None = None,
        query: dict[str, Any] | None = None,
    ) -> Any:
        query = _flat_query(query)

        def pager() -> _native.Pager:
            return self._c.pages(
                op,
                path,
                query,
                cls,
                opts.get("extra_headers"),
                opts.get("extra_query"),
                request_timeout(opts.get("timeout")),
            )

        aio = self._aio

        def thunk(raw: bool) -> Any:
            if not raw:
                return AsyncPaginator(pager) if aio else SyncPage._first(pager())
            p = pager()
            line = partial(
                self._c.request_line, op, path, query, None, None, opts.get("extra_query")
            )
            if aio:
                return _attach(_araw_page(p), line)
            status, headers, body, page, retries = p.next_page(True)
            return _attach(APIResponse(status, headers, body, SyncPage(page, p), retries), line)

        return self._run(thunk)

    def _download(
        self,
        op: str,
        opts: dict[str, Any],
        *,
        path: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        files: list[Any] | None = None,
    ) -> Any:
        aio = self._aio
        body, extra_body = _form_body(body, files, opts)

        def thunk(raw: bool) -> Any:
            d = self._c.download(
                op,
                path,
                None,
                body,
                files,
                aio,
                opts.get("extra_headers"),
                opts.get("extra_query"),
                extra_body,
                request_timeout(opts.get("timeout")),
            )
            line = partial(
                self._c.request_line, op, path, None, body, files, opts.get("extra_query")
            )
            if aio:
                return _attach(_abinary(d, raw), line) if raw else _abinary(d, raw)
            content = HttpxBinaryResponseContent(d)
            if raw:
                return _attach(
                    APIResponse(d.status, d.headers, None, content, d.retries_taken), line
                )
            return content

        return self._run(thunk)

    def _stream(
        self,
        op: str,
        cls: str | None,
        opts: dict[str, Any],
        *,
        body: dict[str, Any] | None = None,
        files: list[Any] | None = None,
    ) -> Any:
        aio = self._aio
        body, extra_body = _form_body(body, files, opts)

        def thunk(raw: bool) -> Any:
            s = self._c.call_stream(
                op,
                None,
                None,
                body,
                files,
                cls,
                aio,
                opts.get("extra_headers"),
                opts.get("extra_query"),
                extra_body,
                request_timeout(opts.get("timeout")),
            )
            if not raw:
                return s
            line = partial(
                self._c.request_line, op, None, None, body, files, opts.get("extra_query")
            )
            return _attach(_astream_raw(s) if aio else _stream_raw(s), line)

        return self._run(thunk)


def _opts(extra_headers: Any, extra_query: Any, extra_body: Any, timeout: Any) -> dict[str, Any]:
    return {
        "extra_headers": extra_headers,
        "extra_query": extra_query,
        "extra_body": extra_body,
        "timeout": timeout,
    }


def _form_body(
    body: dict[str, Any] | None, files: list[Any] | None, opts: dict[str, Any]
) -> tuple[dict[str, Any] | None, Any]:
    """``(body, extra_body)`` for the native call. A multipart request has no JSON body to merge
    ``extra_body`` into, so its keys become form fields, as the official SDK sends them."""
    extra = opts.get("extra_body")
    if files is None or not extra:
        return body, extra
    return {**(body or {}), **extra}, None


def _flat_query(query: dict[str, Any] | None) -> dict[str, Any] | None:
    """``metadata={"k": "v"}`` → ``metadata[k]=v``, as the API's deep-object query parameters
    and form fields want."""
    if not query or not any(isinstance(v, dict) for v in query.values()):
        return query
    out: dict[str, Any] = {}
    for k, v in query.items():
        if isinstance(v, dict):
            out.update({f"{k}[{sub}]": x for sub, x in v.items()})
        else:
            out[k] = v
    return out


# ---------------------------------------------------------------------------- raw responses


class Headers:
    """Response headers: a read-only, case-insensitive mapping (``headers["X-Request-Id"]``,
    ``.get()``, ``in``, ``items()``); ``get_list(name)`` gives every value of a repeated one."""

    __slots__ = ("_pairs",)

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = [(k.lower(), v) for k, v in pairs]

    def get_list(self, name: str) -> list[str]:
        name = name.lower()
        return [v for k, v in self._pairs if k == name]

    def __getitem__(self, name: str) -> str:
        values = self.get_list(name)
        if not values:
            raise KeyError(name)
        return ", ".join(values)

    def get(self, name: str, default: Any = None) -> Any:
        values = self.get_list(name)
        return ", ".join(values) if values else default

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and bool(self.get_list(name))

    def keys(self) -> list[str]:
        return list(dict.fromkeys(k for k, _ in self._pairs))

    def items(self) -> list[tuple[str, str]]:
        return [(k, self[k]) for k in self.keys()]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())

    def __repr__(self) -> str:
        return f"Headers({self.items()!r})"


class APIResponse:
    """A response as received (``with_raw_response`` / ``with_streaming_response``):
    ``status_code``, ``headers``, ``request_id``, the body (``read()``, ``text()``, ``json()``,
    ``iter_bytes()``) and ``parse()``, the object the plain method would have returned."""

    __slots__ = ("_body", "_parsed", "_request", "headers", "retries_taken", "status_code")

    def __init__(
        self,
        status: int,
        headers: list[tuple[str, str]],
        body: bytes | None,
        parsed: Any,
        retries_taken: int = 0,
    ) -> None:
        self.status_code = status
        self.headers = Headers(headers)
        self._body = body
        self._parsed = parsed
        self.retries_taken = retries_taken
        self._request: Callable[[], tuple[str, str]] | None = None

    @property
    def request_id(self) -> str | None:
        return self.headers.get("x-request-id")  # type: ignore[no-any-return]

    @property
    def http_request(self) -> RequestInfo:
        """The request this answers: ``.method`` and ``.url``, rebuilt from the call on first
        use (path parameters, query and Azure routing applied)."""
        if self._request is None:
            raise AttributeError("this response was not made by a call of the client")
        return RequestInfo(*self._request())

    @property
    def url(self) -> str:
        return self.http_request.url

    @property
    def is_closed(self) -> bool:
        return self._body is not None

    def parse(self) -> Any:
        return self._parsed

    def read(self) -> bytes:
        if self._body is None:
            p = self._parsed
            self._body = p.read() if isinstance(p, HttpxBinaryResponseContent) else b""
        return self._body

    @property
    def content(self) -> bytes:
        return self.read()

    def text(self) -> str:
        return self.read().decode("utf-8", "replace")

    def json(self) -> Any:
        import json

        return json.loads(self.read())

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        if self._body is None and isinstance(self._parsed, HttpxBinaryResponseContent):
            yield from self._parsed.iter_bytes(chunk_size)
        else:
            yield from _rechunk([self.read()], chunk_size)

    def iter_text(self, chunk_size: int | None = None) -> Iterator[str]:
        """The body as text pieces (UTF-8, decoded across chunk boundaries)."""
        return _decode(self.iter_bytes(chunk_size))

    def iter_lines(self) -> Iterator[str]:
        """The body line by line, without the line endings::

        with client.files.with_streaming_response.content(file_id) as r:
            for line in r.iter_lines():
                ...
        """
        return _lines(self.iter_text())

    def stream_to_file(
        self, file: str | os.PathLike[str], *, chunk_size: int | None = None
    ) -> None:
        """Writes the body to ``file`` as it arrives (the official
        ``StreamedBinaryAPIResponse.stream_to_file``)::

            with client.audio.speech.with_streaming_response.create(...) as r:
                r.stream_to_file("speech.mp3")
        """
        if self._body is None and isinstance(self._parsed, HttpxBinaryResponseContent):
            self._parsed.write_to_file(file)
            return
        with open(file, "wb") as f:
            f.write(self.read())

    write_to_file = stream_to_file

    def close(self) -> None:
        if isinstance(self._parsed, HttpxBinaryResponseContent):
            self._parsed.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} [{self.status_code}] request_id={self.request_id!r}>"


class AsyncAPIResponse(APIResponse):
    """The async client's streaming response: the body methods are awaitables."""

    __slots__ = ()

    async def parse(self) -> Any:  # type: ignore[override]
        return self._parsed

    async def read(self) -> bytes:  # type: ignore[override]
        if self._body is None:
            p = self._parsed
            self._body = await p.aread() if isinstance(p, HttpxBinaryResponseContent) else b""
        return self._body

    async def text(self) -> str:  # type: ignore[override]
        return (await self.read()).decode("utf-8", "replace")

    async def json(self) -> Any:
        import json

        return json.loads(await self.read())

    async def iter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:  # type: ignore[override]
        if self._body is None and isinstance(self._parsed, HttpxBinaryResponseContent):
            async for b in self._parsed.aiter_bytes(chunk_size):
                yield b
        else:
            for b in _rechunk([await self.read()], chunk_size):
                yield b

    async def iter_text(self, chunk_size: int | None = None) -> AsyncIterator[str]:  # type: ignore[override]
        decoder = _decoder()
        async for c in self.iter_bytes(chunk_size):
            text = decoder.decode(c)
            if text:
                yield text
        tail = decoder.decode(b"", final=True)
        if tail:
            yield tail

    async def iter_lines(self) -> AsyncIterator[str]:  # type: ignore[override]
        split = _LineSplitter()
        async for piece in self.iter_text():
            for line in split.feed(piece):
                yield line
        for line in split.flush():
            yield line

    async def stream_to_file(  # type: ignore[override]
        self, file: str | os.PathLike[str], *, chunk_size: int | None = None
    ) -> None:
        if self._body is None and isinstance(self._parsed, HttpxBinaryResponseContent):
            await self._parsed.awrite_to_file(file)
            return
        body = await self.read()
        with open(file, "wb") as f:
            f.write(body)

    write_to_file = stream_to_file  # type: ignore[assignment]

    async def close(self) -> None:  # type: ignore[override]
        if isinstance(self._parsed, HttpxBinaryResponseContent):
            self._parsed.close()


class ResponseContextManager:
    """What a ``with_streaming_response`` method returns: the request goes out on ``with`` /
    ``async with``, and the connection of a binary answer closes on exit."""

    __slots__ = ("_resp", "_thunk")

    def __init__(self, thunk: Callable[[bool], Any], aio: bool) -> None:
        self._thunk = thunk
        self._resp: Any = None

    def __enter__(self) -> APIResponse:
        self._resp = self._thunk(True)
        return self._resp  # type: ignore[no-any-return]

    def __exit__(self, *exc: object) -> None:
        if self._resp is not None:
            self._resp.close()

    async def __aenter__(self) -> AsyncAPIResponse:
        r = await self._thunk(True)
        self._resp = AsyncAPIResponse(
            r.status_code, list(r.headers._pairs), r._body, r._parsed, r.retries_taken
        )
        self._resp._request = r._request
        return self._resp  # type: ignore[no-any-return]

    async def __aexit__(self, *exc: object) -> None:
        if self._resp is not None:
            await self._resp.close()


class RequestInfo:
    """``APIResponse.http_request``: the method and URL of the request (the shape of the
    official ``httpx.Request`` for what callers read of it)."""

    __slots__ = ("method", "url")

    def __init__(self, method: str, url: str) -> None:
        self.method = method
        self.url = url

    def __repr__(self) -> str:
        return f"<Request({self.method!r}, {self.url!r})>"


def _attach(r: Any, line: Callable[[], tuple[str, str]]) -> Any:
    """Gives a raw answer (or the awaitable of one) its ``http_request``."""
    if isinstance(r, APIResponse):
        r._request = line
        return r

    async def attached() -> APIResponse:
        resp: APIResponse = await r
        resp._request = line
        return resp

    return attached()


async def _araw(awaitable: Any) -> APIResponse:
    return APIResponse(*await awaitable)


async def _araw_page(pager: _native.Pager) -> APIResponse:
    status, headers, body, page, retries = await pager.anext_page(True)
    return APIResponse(status, headers, body, AsyncPage(page, pager), retries)


async def _abinary(awaitable: Any, raw: bool) -> Any:
    d = await awaitable
    content = HttpxBinaryResponseContent(d)
    return APIResponse(d.status, d.headers, None, content, d.retries_taken) if raw else content


def _stream_raw(s: Any) -> APIResponse:
    # The status is not kept on a stream; a stream only exists after a 2xx, and the API's
    # streams answer 200.
    return APIResponse(200, s.headers, None, s)


async def _astream_raw(awaitable: Any) -> APIResponse:
    return _stream_raw(await awaitable)


class _LineSplitter:
    """Lines split at ``\n``, ``\r\n`` or ``\r`` (as httpx does; not at the other Unicode
    breaks ``str.splitlines`` knows, which JSON strings may hold), fed text piece by piece."""

    __slots__ = ("_buf", "_eol")

    def __init__(self) -> None:
        import re

        self._eol = re.compile(r"\r\n|\r|\n")
        self._buf = ""

    def feed(self, piece: str) -> list[str]:
        buf = self._buf + piece
        # A trailing "\r" may be the first half of a "\r\n" split across pieces.
        held = buf.endswith("\r")
        *done, rest = self._eol.split(buf[:-1] if held else buf)
        self._buf = rest + "\r" if held else rest
        return done

    def flush(self) -> list[str]:
        buf, self._buf = self._buf, ""
        return [buf[:-1] if buf.endswith("\r") else buf] if buf else []


def _decoder() -> Any:
    import codecs

    return codecs.getincrementaldecoder("utf-8")("replace")


def _decode(chunks: Iterator[bytes]) -> Iterator[str]:
    decoder = _decoder()
    for c in chunks:
        text = decoder.decode(c)
        if text:
            yield text
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail


def _lines(pieces: Iterator[str]) -> Iterator[str]:
    split = _LineSplitter()
    for piece in pieces:
        yield from split.feed(piece)
    yield from split.flush()


def _rechunk(chunks: Any, size: int | None) -> Iterator[bytes]:
    if not size:
        yield from (c for c in chunks if c)
        return
    buf = b""
    for c in chunks:
        buf += c
        while len(buf) >= size:
            yield buf[:size]
            buf = buf[size:]
    if buf:
        yield buf


# ---------------------------------------------------------------------------- binary answers


class HttpxBinaryResponseContent:
    """A binary answer (``files.content``, ``audio.speech.create``), read as it arrives:
    ``content`` / ``read()`` (the whole body), ``text``, ``json()``, ``iter_bytes()``,
    ``write_to_file(path)`` (streamed to disk, never held whole), and the async forms
    ``aread()``, ``aiter_bytes()``, ``awrite_to_file()``."""

    __slots__ = ("_body", "_d")

    def __init__(self, download: _native.Download) -> None:
        self._d = download
        self._body: bytes | None = None

    @property
    def status_code(self) -> int:
        return self._d.status

    @property
    def headers(self) -> Headers:
        return Headers(self._d.headers)

    @property
    def request_id(self) -> str | None:
        return self._d.request_id

    @property
    def content(self) -> bytes:
        return self.read()

    @property
    def text(self) -> str:
        return self.read().decode("utf-8", "replace")

    def json(self) -> Any:
        import json

        return json.loads(self.read())

    def read(self) -> bytes:
        if self._body is None:
            chunks = []
            while (c := self._d.read_chunk()) is not None:
                chunks.append(c)
            self._body = b"".join(chunks)
        return self._body

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        if self._body is not None:
            yield from _rechunk([self._body], chunk_size)
            return

        def chunks() -> Iterator[bytes]:
            while (c := self._d.read_chunk()) is not None:
                yield c

        yield from _rechunk(chunks(), chunk_size)

    def write_to_file(self, file: str | os.PathLike[str]) -> None:
        if self._body is not None:
            with open(file, "wb") as f:
                f.write(self._body)
            return
        self._d.write_to_file(os.fspath(file))

    def stream_to_file(
        self, file: str | os.PathLike[str], *, chunk_size: int | None = None
    ) -> None:
        self.write_to_file(file)

    def close(self) -> None:
        self._d.close()

    async def aread(self) -> bytes:
        if self._body is None:
            chunks = []
            while (c := await self._d.aread_chunk()) is not None:
                chunks.append(c)
            self._body = b"".join(chunks)
        return self._body

    async def aiter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        if self._body is not None:
            for piece in _rechunk([self._body], chunk_size):
                yield piece
            return
        buf = b""
        while (c := await self._d.aread_chunk()) is not None:
            if not chunk_size:
                yield c
                continue
            buf += c
            while len(buf) >= chunk_size:
                yield buf[:chunk_size]
                buf = buf[chunk_size:]
        if buf:
            yield buf

    async def awrite_to_file(self, file: str | os.PathLike[str]) -> None:
        if self._body is not None:
            self.write_to_file(file)
            return
        await self._d.awrite_to_file(os.fspath(file))

    async def astream_to_file(
        self, file: str | os.PathLike[str], *, chunk_size: int | None = None
    ) -> None:
        await self.awrite_to_file(file)

    async def aclose(self) -> None:
        self._d.close()

    def __repr__(self) -> str:
        return f"<HttpxBinaryResponseContent [{self.status_code}] {self._d.content_length} bytes>"


# ------------------------------------------------------------------------------- file inputs


def _file_part(field: str, file: Any) -> tuple[str, str | None, bytes | str, str | None]:
    """One upload in the native form ``(field, filename, bytes | path, content_type)``.

    A path, or an open file that has one, goes by its path, so the core streams it from disk
    (and replays it on a retry) instead of reading it into memory here.
    """
    if isinstance(file, tuple):
        name, content = file[0], file[1]
        ctype = file[2] if len(file) > 2 else None
        # Inside a tuple a `str` is the content itself (as httpx sends it), not a path.
        if isinstance(content, str):
            return (field, name, content.encode(), ctype)
        _, _, data, _ = _file_part(field, content)
        return (field, name, data, ctype)
    if isinstance(file, (bytes, bytearray, memoryview)):
        return (field, "upload", bytes(file), None)
    if isinstance(file, (str, os.PathLike)):
        path = os.fspath(file)
        return (field, os.path.basename(path), path, None)
    name = getattr(file, "name", None)
    if isinstance(name, str) and os.path.isfile(name) and _at_start(file):
        return (field, os.path.basename(name), name, None)
    data = file.read()
    if isinstance(data, str):
        data = data.encode()
    return (field, os.path.basename(name) if isinstance(name, str) else "upload", data, None)


def _at_start(file: Any) -> bool:
    try:
        return file.tell() == 0  # type: ignore[no-any-return]
    except (AttributeError, OSError):
        return False


# ------------------------------------------------------------------------------------ pages


class SyncPage:
    """A page of a list. Iterating yields every item of this page and the pages after it,
    fetching the next page when this one runs out (``for f in client.files.list(limit=2)``);
    ``data`` is this page's items, ``has_next_page()`` / ``get_next_page()`` page by hand."""

    # ``SyncPage[FileObject]`` in annotations evaluated at run time (the stubs make it generic).
    __class_getitem__ = classmethod(GenericAlias)

    __slots__ = ("_page", "_pager")

    def __init__(self, page: Any, pager: _native.Pager) -> None:
        self._page = page
        self._pager = pager

    @classmethod
    def _first(cls, pager: _native.Pager) -> SyncPage:
        return cls(pager.next_page(), pager)

    @property
    def data(self) -> list[Any]:
        return list(self._page.get("data") or ()) if self._page is not None else []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._page, name)

    def __getitem__(self, key: str) -> Any:
        return self._page[key]

    def has_next_page(self) -> bool:
        return self._pager.has_next_page()

    def get_next_page(self) -> SyncPage:
        # `_pager` stays where this page left it; the next page gets a copy of its own, so
        # asking twice gives the same page and iterating again starts from here again.
        pager = self._pager.fork()
        page = pager.next_page()
        if page is None:
            raise RuntimeError("no next page; check has_next_page() first")
        return SyncPage(page, pager)

    def iter_pages(self) -> Iterator[SyncPage]:
        page: SyncPage | None = self
        while page is not None:
            yield page
            page = page.get_next_page() if page.has_next_page() else None

    def __iter__(self) -> Iterator[Any]:
        for page in self.iter_pages():
            yield from page.data

    def __repr__(self) -> str:
        return f"SyncPage({self._page!r})"


class AsyncPage:
    """A page of an async list (``await client.files.list()``); ``async for`` over it yields
    every item of every page."""

    # ``SyncPage[FileObject]`` in annotations evaluated at run time (the stubs make it generic).
    __class_getitem__ = classmethod(GenericAlias)

    __slots__ = ("_page", "_pager")

    def __init__(self, page: Any, pager: _native.Pager) -> None:
        self._page = page
        self._pager = pager

    @property
    def data(self) -> list[Any]:
        return list(self._page.get("data") or ()) if self._page is not None else []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._page, name)

    def __getitem__(self, key: str) -> Any:
        return self._page[key]

    def has_next_page(self) -> bool:
        return self._pager.has_next_page()

    async def get_next_page(self) -> AsyncPage:
        pager = self._pager.fork()  # as in SyncPage.get_next_page
        page = await pager.anext_page()
        if page is None:
            raise RuntimeError("no next page; check has_next_page() first")
        return AsyncPage(page, pager)

    async def _items(self) -> AsyncIterator[Any]:
        page: AsyncPage | None = self
        while page is not None:
            for item in page.data:
                yield item
            page = await page.get_next_page() if page.has_next_page() else None

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._items()


class AsyncPaginator:
    """What an async list method returns: ``await`` it for the first page, or ``async for``
    over it for every item (the official ``AsyncPaginator``)."""

    # ``SyncPage[FileObject]`` in annotations evaluated at run time (the stubs make it generic).
    __class_getitem__ = classmethod(GenericAlias)

    __slots__ = ("_make",)

    def __init__(self, make: Any) -> None:
        self._make = make

    async def _first(self) -> AsyncPage:
        pager = self._make()
        return AsyncPage(await pager.anext_page(), pager)

    def __await__(self) -> Generator[Any, None, AsyncPage]:
        return self._first().__await__()

    async def _items(self) -> AsyncIterator[Any]:
        page = await self._first()
        async for item in page:
            yield item

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._items()


# -------------------------------------------------------------------------------- responses


class InputItems(_Resource):
    """``client.responses.input_items``."""

    __slots__ = ()

    def list(
        self,
        response_id: str,
        *,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
        **query: Any,
    ) -> Any:
        """Every input item of a stored response, page after page."""
        opts = _opts(extra_headers, extra_query, extra_body, timeout)
        return self._list(
            "listInputItems", "ResponseItem", opts, path={"response_id": response_id}, query=query
        )


class InputTokens(_Resource):
    """``client.responses.input_tokens``."""

    __slots__ = ()

    def count(
        self,
        *,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
        **body: Any,
    ) -> Any:
        opts = _opts(extra_headers, extra_query, extra_body, timeout)
        return self._call("Getinputtokencounts", "InputTokensCount", opts, body=body)


class ResponseStreamManager:
    """``client.responses.stream(...)``: a context manager over the events, with the running
    snapshot and the final response::

        with client.responses.stream(model="gpt-4o-mini", input="Hi") as stream:
            for event in stream:
                if event.type == "response.output_text.delta":
                    print(event.delta, end="")
            final = stream.get_final_response()
    """

    __slots__ = ("_make", "_post", "_stream")

    def __init__(self, make: Any, post: Any = None) -> None:
        self._make = make
        self._post = post  # parses the final response (`text_format=`, pydantic tools)
        self._stream: Any = None

    def __enter__(self) -> Self:
        self._stream = self._make()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stream is not None:
            self._stream.close()

    def __iter__(self) -> Iterator[Any]:
        return iter(self._stream)

    @property
    def text_deltas(self) -> Iterator[str]:
        """The text deltas only."""
        for event in self._stream:
            if event.get("type") == "response.output_text.delta":
                yield event.get("delta") or ""

    def until_done(self) -> ResponseStreamManager:
        for _ in self._stream:
            pass
        return self

    def get_final_response(self) -> Any:
        final = self._stream.get_final_completion()
        return final if self._post is None else self._post(final)

    def current_snapshot(self) -> Any:
        return self._stream.current_snapshot()

    def close(self) -> None:
        self._stream.close()


class AsyncResponseStreamManager:
    """The async ``client.responses.stream(...)``: ``async with``, ``async for``."""

    __slots__ = ("_make", "_post", "_stream")

    def __init__(self, make: Any, post: Any = None) -> None:
        self._make = make
        self._post = post
        self._stream: Any = None

    async def __aenter__(self) -> Self:
        self._stream = await self._make()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._stream is not None:
            await self._stream.close()

    def __aiter__(self) -> Any:
        return self._stream.__aiter__()

    async def _deltas(self) -> AsyncIterator[str]:
        async for event in self._stream:
            if event.get("type") == "response.output_text.delta":
                yield event.get("delta") or ""

    @property
    def text_deltas(self) -> AsyncIterator[str]:
        return self._deltas()

    async def until_done(self) -> AsyncResponseStreamManager:
        async for _ in self._stream:
            pass
        return self

    async def get_final_response(self) -> Any:
        final = await self._stream.get_final_completion()
        return final if self._post is None else self._post(final)

    async def close(self) -> None:
        await self._stream.close()


class Responses(_Resource):
    """``client.responses``: create (``stream=True`` too), stream, retrieve, delete, cancel,
    ``input_items.list``, ``input_tokens.count``::

        resp = client.responses.create(model="gpt-4o-mini", input="Hello!")
        print(resp.output_text)
    """

    __slots__ = ("input_items", "input_tokens")

    def __init__(self, native: _native.Client, aio: bool, mode: int = _PLAIN) -> None:
        super().__init__(native, aio, mode)
        self.input_items = InputItems(native, aio, mode)
        self.input_tokens = InputTokens(native, aio, mode)

    def create(
        self,
        *,
        stream: Any = False,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
        **body: Any,
    ) -> Any:
        if stream and self._mode != _PLAIN:
            # The generic stream keeps the headers (the typed one keeps only the request id).
            opts = _opts(extra_headers, extra_query, extra_body, timeout)
            return self._stream("createResponse", "ResponseStreamEvent", opts, body=body)
        if stream:
            return self._c.responses_stream(
                body,
                self._aio,
                extra_headers,
                extra_query,
                extra_body,
                request_timeout(timeout),
            )
        opts = _opts(extra_headers, extra_query, extra_body, timeout)
        return self._call("createResponse", "Response", opts, body=body)

    def stream(
        self,
        *,
        text_format: Any = None,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
        **body: Any,
    ) -> Any:
        """The events of a streamed create; with ``text_format=`` (or pydantic tools)
        ``get_final_response()`` is a ``ParsedResponse`` as ``parse`` gives."""
        post = None
        if text_format is not None or "tools" in body:
            from ._parsing import prepare_response_body

            post = prepare_response_body(text_format, body.pop("tools", None), body)

        def make() -> Any:
            return self._c.responses_stream(
                body, self._aio, extra_headers, extra_query, extra_body, request_timeout(timeout)
            )

        if self._aio:
            return AsyncResponseStreamManager(make, post)
        return ResponseStreamManager(make, post)

    def parse(
        self,
        *,
        text_format: Any = None,
        tools: Any = None,
        text: Any = None,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
        **body: Any,
    ) -> Any:
        """``create`` with ``text_format=`` a pydantic model, dataclass or ``TypedDict`` (sent as
        ``text.format``), answering a ``ParsedResponse`` whose ``output_parsed`` is an instance
        of it::

            r = client.responses.parse(model=m, input="...", text_format=Event)
            event = r.output_parsed
        """
        from ._parsing import responses_parse

        return responses_parse(
            self, text_format, tools, text, extra_headers, extra_query, extra_body, timeout, body
        )

    def retrieve(
        self,
        response_id: str,
        *,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
        **query: Any,
    ) -> Any:
        opts = _opts(extra_headers, extra_query, extra_body, timeout)
        return self._call(
            "getResponse", "Response", opts, path={"response_id": response_id}, query=query
        )

    def delete(
        self,
        response_id: str,
        *,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
    ) -> Any:
        opts = _opts(extra_headers, extra_query, extra_body, timeout)
        return self._call(
            "deleteResponse", "ResponseDeleted", opts, path={"response_id": response_id}
        )

    def cancel(
        self,
        response_id: str,
        *,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
    ) -> Any:
        opts = _opts(extra_headers, extra_query, extra_body, timeout)
        return self._call("cancelResponse", "Response", opts, path={"response_id": response_id})


# ------------------------------------------------------------------------------------ files


class Files(_Resource):
    """``client.files``: create (multipart: a path, an open file, bytes or a ``(name, bytes[,
    content_type])`` tuple), retrieve, list (every page), delete, content (binary),
    wait_for_processing."""

    __slots__ = ()

    def create(
        self,
        *,
        file: Any,
        purpose: str,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
        **body: Any,
    ) -> Any:
        opts = _opts(extra_headers, extra_query, extra_body, timeout)
        body["purpose"] = purpose
        files = [_file_part("file", file)]
        return self._call("createFile", "FileObject", opts, body=body, files=files)

    def retrieve(
        self,
        file_id: str,
        *,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
    ) -> Any:
        opts = _opts(extra_headers, extra_query, extra_body, timeout)
        return self._call("retrieveFile", "FileObject", opts, path={"file_id": file_id})

    def list(
        self,
        *,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
        **query: Any,
    ) -> Any:
        """Every file, page after page (``purpose``, ``limit``, ``order``, ``after``)."""
        opts = _opts(extra_headers, extra_query, extra_body, timeout)
        return self._list("listFiles", "FileList", opts, query=query)

    def delete(
        self,
        file_id: str,
        *,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
    ) -> Any:
        opts = _opts(extra_headers, extra_query, extra_body, timeout)
        return self._call("deleteFile", "FileDeleted", opts, path={"file_id": file_id})

    def content(
        self,
        file_id: str,
        *,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
    ) -> Any:
        """The file's bytes as an ``HttpxBinaryResponseContent`` (read on demand)."""
        opts = _opts(extra_headers, extra_query, extra_body, timeout)
        return self._download("downloadFile", opts, path={"file_id": file_id})

    def wait_for_processing(
        self,
        id: str,  # noqa: A002 - the official parameter name
        *,
        poll_interval: float = 5.0,
        max_wait_seconds: float = 30 * 60,
    ) -> Any:
        """Polls ``retrieve`` until the file is ``processed``, ``error`` or ``deleted``."""
        plain = type(self)(self._c, self._aio)
        if self._aio:
            return _await_file(plain, id, poll_interval, max_wait_seconds)
        import time

        start = time.monotonic()
        file = plain.retrieve(id)
        while file.status not in ("processed", "error", "deleted"):
            if time.monotonic() - start > max_wait_seconds:
                raise RuntimeError(
                    f"giving up on waiting for file {id} to finish processing after "
                    f"{max_wait_seconds} seconds"
                )
            time.sleep(poll_interval)
            file = plain.retrieve(id)
        return file


async def _await_file(files: Files, id: str, interval: float, max_wait: float) -> Any:  # noqa: A002
    import asyncio
    import time

    start = time.monotonic()
    file = await files.retrieve(id)
    while file.status not in ("processed", "error", "deleted"):
        if time.monotonic() - start > max_wait:
            raise RuntimeError(f"giving up on waiting for file {id} after {max_wait} seconds")
        await asyncio.sleep(interval)
        file = await files.retrieve(id)
    return file


# ---------------------------------------------------------------------------------- uploads


class Parts(_Resource):
    """``client.uploads.parts``."""

    __slots__ = ()

    def create(
        self,
        upload_id: str,
        *,
        data: Any,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
    ) -> Any:
        opts = _opts(extra_headers, extra_query, extra_body, timeout)
        files = [_file_part("data", data)]
        return self._call(
            "addUploadPart", "UploadPart", opts, path={"upload_id": upload_id}, files=files
        )


class Uploads(_Resource):
    """``client.uploads``: create, ``parts.create``, complete, cancel, and
    ``upload_file_chunked`` (the whole flow for a large file)."""

    __slots__ = ("parts",)

    def __init__(self, native: _native.Client, aio: bool, mode: int = _PLAIN) -> None:
        super().__init__(native, aio, mode)
        self.parts = (AsyncParts if aio else Parts)(native, aio, mode)

    def create(
        self,
        *,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
        **body: Any,
    ) -> Any:
        """``bytes``, ``filename``, ``mime_type``, ``purpose``."""
        opts = _opts(extra_headers, extra_query, extra_body, timeout)
        return self._call("createUpload", "Upload", opts, body=body)

    def complete(
        self,
        upload_id: str,
        *,
        part_ids: list[str],
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
        **body: Any,
    ) -> Any:
        opts = _opts(extra_headers, extra_query, extra_body, timeout)
        body["part_ids"] = part_ids
        return self._call(
            "completeUpload", "Upload", opts, path={"upload_id": upload_id}, body=body
        )

    def cancel(
        self,
        upload_id: str,
        *,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
    ) -> Any:
        opts = _opts(extra_headers, extra_query, extra_body, timeout)
        return self._call("cancelUpload", "Upload", opts, path={"upload_id": upload_id})

    def upload_file_chunked(
        self,
        *,
        file: str | os.PathLike[str] | bytes,
        mime_type: str,
        purpose: str,
        filename: str | None = None,
        bytes: int | None = None,  # noqa: A002 - the official parameter name
        part_size: int | None = None,
        md5: Any = None,
    ) -> Any:
        """Creates an upload, sends ``file`` in parts of ``part_size`` bytes (64 MiB by default;
        one part in memory at a time) and completes it; returns the completed ``Upload``."""
        plain = type(self)(self._c, self._aio)
        size = part_size or 64 * 1024 * 1024
        path: str | None = None
        if isinstance(file, (str, os.PathLike)):
            path = os.fspath(file)
            total = os.path.getsize(path)
            filename = filename or os.path.basename(path)
        else:
            total = len(file)
            if filename is None:
                raise TypeError("filename= is needed when file is bytes")
        if bytes is not None and bytes != total:
            raise ValueError(f"bytes={bytes} but the file has {total}")
        extra = {} if md5 is None else {"md5": md5}

        def pieces() -> Iterator[Any]:
            if path is None:
                for at in range(0, max(total, 1), size):
                    yield file[at : at + size]  # type: ignore[index]
                return
            with open(path, "rb") as f:
                while chunk := f.read(size):
                    yield chunk

        create = {"bytes": total, "filename": filename, "mime_type": mime_type, "purpose": purpose}
        if self._aio:
            return _achunked(plain, create, pieces(), extra)
        upload = plain.create(**create)
        ids = [plain.parts.create(upload.id, data=p).id for p in pieces()]
        return plain.complete(upload.id, part_ids=ids, **extra)


async def _achunked(up: Uploads, create: dict[str, Any], pieces: Any, extra: Any) -> Any:
    upload = await up.create(**create)
    ids = [(await up.parts.create(upload.id, data=p)).id for p in pieces]
    return await up.complete(upload.id, part_ids=ids, **extra)


# ---------------------------------------------------------------------------------- batches


class Batches(_Resource):
    """``client.batches``: create, retrieve, list (every page), cancel, and ``run``: many
    requests through the Batch API in one call."""

    __slots__ = ()

    def run(
        self,
        requests: Any,
        *,
        state_file: Any = None,
        poll_interval: float = 30.0,
        completion_window: str = "24h",
        progress: Any = None,
        extra_headers: Any = None,
        extra_query: Any = None,
        timeout: float | None = None,
    ) -> Any:
        """Runs ``requests`` (a Batch API JSONL path, or ``{"custom_id", "method", "url",
        "body"}`` dicts) through the Batch API: files of at most 50,000 lines / 200 MB are
        uploaded, batches created and polled, and their output joined back by ``custom_id``.
        Gives the same ``BulkResults`` as ``client.bulk``, in input order. ``state_file`` keeps
        the batch ids: run again with it to resume instead of paying twice.

        >>> results = client.batches.run("in.jsonl", state_file="batches.json")
        """
        from . import _bulk

        fn = _bulk.arun_batch_api if self._aio else _bulk.run_batch_api
        return fn(
            self._c,
            requests,
            progress,
            state_file=state_file,
            poll_interval=poll_interval,
            completion_window=completion_window,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
        )

    def create(
        self,
        *,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
        **body: Any,
    ) -> Any:
        """``input_file_id``, ``endpoint``, ``completion_window``, ``metadata``."""
        opts = _opts(extra_headers, extra_query, extra_body, timeout)
        return self._call("createBatch", "Batch", opts, body=body)

    def retrieve(
        self,
        batch_id: str,
        *,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
    ) -> Any:
        opts = _opts(extra_headers, extra_query, extra_body, timeout)
        return self._call("retrieveBatch", "Batch", opts, path={"batch_id": batch_id})

    def list(
        self,
        *,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
        **query: Any,
    ) -> Any:
        opts = _opts(extra_headers, extra_query, extra_body, timeout)
        return self._list("listBatches", "BatchList", opts, query=query)

    def cancel(
        self,
        batch_id: str,
        *,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
    ) -> Any:
        opts = _opts(extra_headers, extra_query, extra_body, timeout)
        return self._call("cancelBatch", "Batch", opts, path={"batch_id": batch_id})


# ------------------------------------------------------------------------------------ audio

# Formats the API answers as plain text rather than JSON.
_TEXT_FORMATS = ("text", "srt", "vtt")


class _AudioText(_Resource):
    __slots__ = ()
    _op = ""
    _cls = ""

    def create(
        self,
        *,
        file: Any,
        model: str,
        stream: Any = False,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
        **body: Any,
    ) -> Any:
        opts = _opts(extra_headers, extra_query, extra_body, timeout)
        body["model"] = model
        files = [_file_part("file", file)]
        if stream:
            # A multipart body carries the flag itself (the core adds it to JSON bodies only).
            body["stream"] = True
            return self._stream(self._op, None, opts, body=body, files=files)
        if body.get("response_format") in _TEXT_FORMATS:
            if self._mode != _PLAIN:
                # The raw answer's body is the text (`.text()`, `.read()`).
                return self._download(self._op, opts, body=body, files=files)
            return self._text(opts, body, files)
        return self._call(self._op, self._cls, opts, body=body, files=files)

    def _text(self, opts: dict[str, Any], body: dict[str, Any], files: list[Any]) -> Any:
        """A text answer (``str``), read through the binary call since it is not JSON."""
        t = request_timeout(opts["timeout"])
        headers, query = opts["extra_headers"], opts["extra_query"]
        d = self._c.download(self._op, None, None, body, files, self._aio, headers, query, None, t)
        return _atext(d) if self._aio else HttpxBinaryResponseContent(d).text


async def _atext(awaitable: Any) -> str:
    return (await HttpxBinaryResponseContent(await awaitable).aread()).decode()


class Transcriptions(_AudioText):
    """``client.audio.transcriptions``."""

    __slots__ = ()
    _op = "createTranscription"
    _cls = "Transcription"


class Translations(_AudioText):
    """``client.audio.translations``."""

    __slots__ = ()
    _op = "createTranslation"
    _cls = "Translation"


class Speech(_Resource):
    """``client.audio.speech``: the audio as an ``HttpxBinaryResponseContent``."""

    __slots__ = ()

    def create(
        self,
        *,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
        **body: Any,
    ) -> Any:
        opts = _opts(extra_headers, extra_query, extra_body, timeout)
        return self._download("createSpeech", opts, body=body)


class Audio(_Resource):
    """``client.audio``."""

    __slots__ = ("speech", "transcriptions", "translations")

    def __init__(self, native: _native.Client, aio: bool, mode: int = _PLAIN) -> None:
        super().__init__(native, aio, mode)
        self.transcriptions = (AsyncTranscriptions if aio else Transcriptions)(native, aio, mode)
        self.translations = (AsyncTranslations if aio else Translations)(native, aio, mode)
        self.speech = (AsyncSpeech if aio else Speech)(native, aio, mode)


# ------------------------------------------------------------------ moderations, completions


class Moderations(_Resource):
    """``client.moderations``."""

    __slots__ = ()

    def create(
        self,
        *,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
        **body: Any,
    ) -> Any:
        opts = _opts(extra_headers, extra_query, extra_body, timeout)
        return self._call("createModeration", "ModerationCreateResponse", opts, body=body)


class TextCompletions(_Resource):
    """``client.completions``: legacy text completions (``stream=True`` too)."""

    __slots__ = ()

    def create(
        self,
        *,
        stream: Any = False,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
        **body: Any,
    ) -> Any:
        opts = _opts(extra_headers, extra_query, extra_body, timeout)
        if stream:
            return self._stream("createCompletion", "Completion", opts, body=body)
        return self._call("createCompletion", "Completion", opts, body=body)


# ------------------------------------------------------------------- stored chat completions


class Messages(_Resource):
    """``client.chat.completions.messages``."""

    __slots__ = ()

    def list(
        self,
        completion_id: str,
        *,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
        **query: Any,
    ) -> Any:
        opts = _opts(extra_headers, extra_query, extra_body, timeout)
        return self._list(
            "getChatCompletionMessages",
            "ChatCompletionStoreMessageList",
            opts,
            path={"completion_id": completion_id},
            query=query,
        )


class StoredCompletions(_Resource):
    """The stored-completion methods of ``client.chat.completions``: retrieve, update, list,
    delete, ``messages.list``."""

    __slots__ = ("messages",)

    def __init__(self, native: _native.Client, aio: bool, mode: int = _PLAIN) -> None:
        super().__init__(native, aio, mode)
        self.messages = (AsyncMessages if aio else Messages)(native, aio, mode)

    def retrieve(
        self,
        completion_id: str,
        *,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
    ) -> Any:
        opts = _opts(extra_headers, extra_query, extra_body, timeout)
        path = {"completion_id": completion_id}
        return self._call("getChatCompletion", "ChatCompletion", opts, path=path)

    def update(
        self,
        completion_id: str,
        *,
        metadata: Mapping[str, str] | None,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
    ) -> Any:
        opts = _opts(extra_headers, extra_query, extra_body, timeout)
        path = {"completion_id": completion_id}
        body = {"metadata": metadata}
        return self._call("updateChatCompletion", "ChatCompletion", opts, path=path, body=body)

    def list(
        self,
        *,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
        **query: Any,
    ) -> Any:
        """Every stored completion (``model``, ``metadata``, ``order``, ``limit``, ``after``)."""
        opts = _opts(extra_headers, extra_query, extra_body, timeout)
        return self._list("listChatCompletions", "ChatCompletionList", opts, query=query)

    def delete(
        self,
        completion_id: str,
        *,
        extra_headers: Any = None,
        extra_query: Any = None,
        extra_body: Any = None,
        timeout: Any = None,
    ) -> Any:
        opts = _opts(extra_headers, extra_query, extra_body, timeout)
        path = {"completion_id": completion_id}
        return self._call("deleteChatCompletion", "ChatCompletionDeleted", opts, path=path)


# ------------------------------------------------------------------------ asyncio variants
# The same resources; separate classes only so that the stubs can say their methods answer
# awaitables (`AsyncOpenAI.files` is an `AsyncFiles`).


class AsyncResponses(Responses):
    __slots__ = ()


class AsyncFiles(Files):
    __slots__ = ()


class AsyncParts(Parts):
    __slots__ = ()


class AsyncUploads(Uploads):
    __slots__ = ()


class AsyncBatches(Batches):
    __slots__ = ()


class AsyncTranscriptions(Transcriptions):
    __slots__ = ()


class AsyncTranslations(Translations):
    __slots__ = ()


class AsyncSpeech(Speech):
    __slots__ = ()


class AsyncAudio(Audio):
    __slots__ = ()


class AsyncModerations(Moderations):
    __slots__ = ()


class AsyncTextCompletions(TextCompletions):
    __slots__ = ()


class AsyncMessages(Messages):
    __slots__ = ()
