"""Typed signatures of the resources (``_resources.py``): what each method answers, and the
asyncio variants (``AsyncFiles`` ...) whose methods answer awaitables."""

import os
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Iterable,
    Iterator,
    Mapping,
)
from typing import Any, Generic, Literal, TypeAlias, TypeVar, overload

from _typeshed import Incomplete
from typing_extensions import Self

from . import _native
from ._bulk import BulkResults
from ._client import _Timeout
from .types import (
    Batch,
    ChatCompletion,
    ChatCompletionDeleted,
    ChatCompletionStoreMessage,
    Completion,
    FileDeleted,
    FileObject,
    ModerationCreateResponse,
    NotGiven,
    ParsedResponse,
    Response,
    ResponseDeleted,
    Transcription,
    Translation,
    Upload,
    UploadPart,
)

_T = TypeVar("_T")
_Headers: TypeAlias = Mapping[str, str | Any] | None
_Query: TypeAlias = Mapping[str, object] | None
_Body: TypeAlias = Mapping[str, object] | None
_FileInput: TypeAlias = Any  # a path, an open file, bytes or a (name, bytes[, type]) tuple
# A stream of events (`ResponseStreamEvent`, transcript events), iterated / async-iterated.
_EventStream: TypeAlias = Any

__all__ = [
    "APIResponse",
    "AsyncAPIResponse",
    "AsyncPaginator",
    "Headers",
    "HttpxBinaryResponseContent",
    "Responses",
    "SyncPage",
]

class _Resource:
    _c: Incomplete
    _aio: Incomplete
    _mode: Incomplete
    def __init__(self, native: _native.Client, aio: bool, mode: int = ...) -> None: ...
    # This resource in another mode, whose methods answer an `APIResponse` (raw) or a context
    # manager giving one (streaming) instead of the typed objects: not expressible as `Self`,
    # and per-method wrapper classes are not written yet, so Any.
    @property
    def with_raw_response(self) -> Any: ...
    @property
    def with_streaming_response(self) -> Any: ...
    def _run(self, thunk: Callable[[bool], Any]) -> Any: ...
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
    ) -> Any: ...
    def _list(
        self,
        op: str,
        cls: str | None,
        opts: dict[str, Any],
        *,
        path: dict[str, Any] | None = None,
        query: dict[str, Any] | None = None,
    ) -> Any: ...
    def _download(
        self,
        op: str,
        opts: dict[str, Any],
        *,
        path: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        files: list[Any] | None = None,
    ) -> Any: ...
    def _stream(
        self,
        op: str,
        cls: str | None,
        opts: dict[str, Any],
        *,
        body: dict[str, Any] | None = None,
        files: list[Any] | None = None,
    ) -> Any: ...

class Headers:
    _pairs: Incomplete
    def __init__(self, pairs: list[tuple[str, str]]) -> None: ...
    def get_list(self, name: str) -> list[str]: ...
    def __getitem__(self, name: str) -> str: ...
    def get(self, name: str, default: Any = None) -> Any: ...
    def __contains__(self, name: object) -> bool: ...
    def keys(self) -> list[str]: ...
    def items(self) -> list[tuple[str, str]]: ...
    def __iter__(self) -> Iterator[str]: ...
    def __len__(self) -> int: ...

class RequestInfo:
    method: str
    url: str
    def __init__(self, method: str, url: str) -> None: ...

class APIResponse:
    status_code: Incomplete
    headers: Incomplete
    _body: Incomplete
    _parsed: Incomplete
    retries_taken: Incomplete
    def __init__(
        self,
        status: int,
        headers: list[tuple[str, str]],
        body: bytes | None,
        parsed: Any,
        retries_taken: int = 0,
    ) -> None: ...
    @property
    def request_id(self) -> str | None: ...
    @property
    def http_request(self) -> RequestInfo: ...
    @property
    def url(self) -> str: ...
    @property
    def is_closed(self) -> bool: ...
    def parse(self) -> Any: ...
    def read(self) -> bytes: ...
    @property
    def content(self) -> bytes: ...
    def text(self) -> str: ...
    def json(self) -> Any: ...
    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]: ...
    def iter_text(self, chunk_size: int | None = None) -> Iterator[str]: ...
    def iter_lines(self) -> Iterator[str]: ...
    def stream_to_file(
        self, file: str | os.PathLike[str], *, chunk_size: int | None = None
    ) -> None: ...
    def write_to_file(
        self, file: str | os.PathLike[str], *, chunk_size: int | None = None
    ) -> None: ...
    def close(self) -> None: ...

class AsyncAPIResponse(APIResponse):
    async def parse(self) -> Any: ...
    _body: Incomplete
    async def read(self) -> bytes: ...  # type: ignore[override]
    async def text(self) -> str: ...  # type: ignore[override]
    async def json(self) -> Any: ...
    def iter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]: ...  # type: ignore[override]
    def iter_text(self, chunk_size: int | None = None) -> AsyncIterator[str]: ...  # type: ignore[override]
    def iter_lines(self) -> AsyncIterator[str]: ...  # type: ignore[override]
    async def stream_to_file(  # type: ignore[override]
        self, file: str | os.PathLike[str], *, chunk_size: int | None = None
    ) -> None: ...
    async def write_to_file(  # type: ignore[override]
        self, file: str | os.PathLike[str], *, chunk_size: int | None = None
    ) -> None: ...
    async def close(self) -> None: ...  # type: ignore[override]

class ResponseContextManager:
    _thunk: Incomplete
    _resp: Any
    def __init__(self, thunk: Callable[[bool], Any], aio: bool) -> None: ...
    def __enter__(self) -> APIResponse: ...
    def __exit__(self, *exc: object) -> None: ...
    async def __aenter__(self) -> AsyncAPIResponse: ...
    async def __aexit__(self, *exc: object) -> None: ...

class HttpxBinaryResponseContent:
    _d: Incomplete
    _body: bytes | None
    def __init__(self, download: _native.Download) -> None: ...
    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Headers: ...
    @property
    def request_id(self) -> str | None: ...
    @property
    def content(self) -> bytes: ...
    @property
    def text(self) -> str: ...
    def json(self) -> Any: ...
    def read(self) -> bytes: ...
    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]: ...
    def write_to_file(self, file: str | os.PathLike[str]) -> None: ...
    def stream_to_file(
        self, file: str | os.PathLike[str], *, chunk_size: int | None = None
    ) -> None: ...
    def close(self) -> None: ...
    async def aread(self) -> bytes: ...
    async def aiter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]: ...
    async def awrite_to_file(self, file: str | os.PathLike[str]) -> None: ...
    async def astream_to_file(
        self, file: str | os.PathLike[str], *, chunk_size: int | None = None
    ) -> None: ...
    async def aclose(self) -> None: ...

class SyncPage(Generic[_T]):
    _page: Incomplete
    _pager: Incomplete
    def __init__(self, page: Any, pager: _native.Pager) -> None: ...
    @classmethod
    def _first(cls, pager: _native.Pager) -> SyncPage[Any]: ...
    @property
    def data(self) -> list[_T]: ...
    def __getattr__(self, name: str) -> Any: ...
    def __getitem__(self, key: str) -> Any: ...
    def has_next_page(self) -> bool: ...
    def get_next_page(self) -> Self: ...
    def iter_pages(self) -> Iterator[Self]: ...
    def __iter__(self) -> Iterator[_T]: ...

class AsyncPage(Generic[_T]):
    _page: Incomplete
    _pager: Incomplete
    def __init__(self, page: Any, pager: _native.Pager) -> None: ...
    @property
    def data(self) -> list[_T]: ...
    def __getattr__(self, name: str) -> Any: ...
    def __getitem__(self, key: str) -> Any: ...
    def has_next_page(self) -> bool: ...
    async def get_next_page(self) -> Self: ...
    async def _items(self) -> AsyncIterator[_T]: ...
    def __aiter__(self) -> AsyncIterator[_T]: ...

class AsyncPaginator(Generic[_T]):
    _make: Incomplete
    def __init__(self, make: Any) -> None: ...
    async def _first(self) -> AsyncPage[_T]: ...
    def __await__(self) -> Generator[Any, None, AsyncPage[_T]]: ...
    async def _items(self) -> AsyncIterator[_T]: ...
    def __aiter__(self) -> AsyncIterator[_T]: ...

class InputItems(_Resource):
    def list(
        self,
        response_id: str,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **query: Any,
    ) -> Any: ...

class InputTokens(_Resource):
    def count(
        self,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> Any: ...

class ResponseStreamManager(Generic[_T]):
    _make: Incomplete
    _post: Incomplete
    _stream: Any
    def __init__(self, make: Any, post: Any = None) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(self, *exc: object) -> None: ...
    def __iter__(self) -> Iterator[Any]: ...
    @property
    def text_deltas(self) -> Iterator[str]: ...
    def until_done(self) -> Self: ...
    def get_final_response(self) -> ParsedResponse[_T]: ...
    def current_snapshot(self) -> Any: ...
    def close(self) -> None: ...

class AsyncResponseStreamManager(Generic[_T]):
    _make: Incomplete
    _post: Incomplete
    _stream: Any
    def __init__(self, make: Any, post: Any = None) -> None: ...
    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, *exc: object) -> None: ...
    def __aiter__(self) -> AsyncIterator[Any]: ...
    async def _deltas(self) -> AsyncIterator[str]: ...
    @property
    def text_deltas(self) -> AsyncIterator[str]: ...
    async def until_done(self) -> Self: ...
    async def get_final_response(self) -> ParsedResponse[_T]: ...
    async def close(self) -> None: ...

class Responses(_Resource):
    input_items: InputItems
    input_tokens: InputTokens
    def __init__(self, native: _native.Client, aio: bool, mode: int = ...) -> None: ...
    @overload
    def create(
        self,
        *,
        stream: Literal[False] | NotGiven | None = False,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> Response: ...
    @overload
    def create(
        self,
        *,
        stream: Literal[True],
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> _EventStream: ...
    @overload
    def create(
        self,
        *,
        stream: bool | NotGiven | None = False,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> Response | _EventStream: ...
    @overload
    def stream(
        self,
        *,
        text_format: type[_T],
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> ResponseStreamManager[_T]: ...
    @overload
    def stream(
        self,
        *,
        text_format: NotGiven | None = None,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> ResponseStreamManager[Any]: ...
    @overload
    def parse(
        self,
        *,
        text_format: type[_T],
        tools: Iterable[Mapping[str, Any]] | NotGiven | None = None,
        text: Any = None,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> ParsedResponse[_T]: ...
    @overload
    def parse(
        self,
        *,
        text_format: NotGiven | None = None,
        tools: Iterable[Mapping[str, Any]] | NotGiven | None = None,
        text: Any = None,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> ParsedResponse[Any]: ...
    def retrieve(
        self,
        response_id: str,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **query: Any,
    ) -> Response: ...
    def delete(
        self,
        response_id: str,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
    ) -> ResponseDeleted: ...
    def cancel(
        self,
        response_id: str,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
    ) -> Response: ...

class AsyncResponses(Responses):
    @overload  # type: ignore[override]
    def create(
        self,
        *,
        stream: Literal[False] | NotGiven | None = False,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> Awaitable[Response]: ...
    @overload
    def create(
        self,
        *,
        stream: Literal[True],
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> Awaitable[_EventStream]: ...
    @overload
    def create(
        self,
        *,
        stream: bool | NotGiven | None = False,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> Awaitable[Response | _EventStream]: ...
    @overload  # type: ignore[override]
    def stream(
        self,
        *,
        text_format: type[_T],
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> AsyncResponseStreamManager[_T]: ...
    @overload
    def stream(
        self,
        *,
        text_format: NotGiven | None = None,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> AsyncResponseStreamManager[Any]: ...
    @overload  # type: ignore[override]
    def parse(
        self,
        *,
        text_format: type[_T],
        tools: Iterable[Mapping[str, Any]] | NotGiven | None = None,
        text: Any = None,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> Awaitable[ParsedResponse[_T]]: ...
    @overload
    def parse(
        self,
        *,
        text_format: NotGiven | None = None,
        tools: Iterable[Mapping[str, Any]] | NotGiven | None = None,
        text: Any = None,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> Awaitable[ParsedResponse[Any]]: ...
    def retrieve(  # type: ignore[override]
        self,
        response_id: str,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **query: Any,
    ) -> Awaitable[Response]: ...
    def delete(  # type: ignore[override]
        self,
        response_id: str,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
    ) -> Awaitable[ResponseDeleted]: ...
    def cancel(  # type: ignore[override]
        self,
        response_id: str,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
    ) -> Awaitable[Response]: ...

class Files(_Resource):
    def create(
        self,
        *,
        file: _FileInput,
        purpose: str,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> FileObject: ...
    def retrieve(
        self,
        file_id: str,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
    ) -> FileObject: ...
    def list(
        self,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **query: Any,
    ) -> SyncPage[FileObject]: ...
    def delete(
        self,
        file_id: str,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
    ) -> FileDeleted: ...
    def content(
        self,
        file_id: str,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
    ) -> HttpxBinaryResponseContent: ...
    def wait_for_processing(
        self, id: str, *, poll_interval: float = 5.0, max_wait_seconds: float = ...
    ) -> FileObject: ...

class AsyncFiles(Files):
    def create(  # type: ignore[override]
        self,
        *,
        file: _FileInput,
        purpose: str,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> Awaitable[FileObject]: ...
    def retrieve(  # type: ignore[override]
        self,
        file_id: str,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
    ) -> Awaitable[FileObject]: ...
    def list(  # type: ignore[override]
        self,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **query: Any,
    ) -> AsyncPaginator[FileObject]: ...
    def delete(  # type: ignore[override]
        self,
        file_id: str,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
    ) -> Awaitable[FileDeleted]: ...
    def content(  # type: ignore[override]
        self,
        file_id: str,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
    ) -> Awaitable[HttpxBinaryResponseContent]: ...
    def wait_for_processing(  # type: ignore[override]
        self, id: str, *, poll_interval: float = 5.0, max_wait_seconds: float = ...
    ) -> Awaitable[FileObject]: ...

class Parts(_Resource):
    def create(
        self,
        upload_id: str,
        *,
        data: _FileInput,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
    ) -> UploadPart: ...

class AsyncParts(Parts):
    def create(  # type: ignore[override]
        self,
        upload_id: str,
        *,
        data: _FileInput,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
    ) -> Awaitable[UploadPart]: ...

class Uploads(_Resource):
    parts: Parts
    def __init__(self, native: _native.Client, aio: bool, mode: int = ...) -> None: ...
    def create(
        self,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> Upload: ...
    def complete(
        self,
        upload_id: str,
        *,
        part_ids: list[str],
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> Upload: ...
    def cancel(
        self,
        upload_id: str,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
    ) -> Upload: ...
    def upload_file_chunked(
        self,
        *,
        file: str | os.PathLike[str] | bytes,
        mime_type: str,
        purpose: str,
        filename: str | None = None,
        bytes: int | None = None,
        part_size: int | None = None,
        md5: Any = None,
    ) -> Upload: ...

class AsyncUploads(Uploads):
    parts: AsyncParts
    def create(  # type: ignore[override]
        self,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> Awaitable[Upload]: ...
    def complete(  # type: ignore[override]
        self,
        upload_id: str,
        *,
        part_ids: list[str],
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> Awaitable[Upload]: ...
    def cancel(  # type: ignore[override]
        self,
        upload_id: str,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
    ) -> Awaitable[Upload]: ...
    def upload_file_chunked(  # type: ignore[override]
        self,
        *,
        file: str | os.PathLike[str] | bytes,
        mime_type: str,
        purpose: str,
        filename: str | None = None,
        bytes: int | None = None,
        part_size: int | None = None,
        md5: Any = None,
    ) -> Awaitable[Upload]: ...

class Batches(_Resource):
    def run(
        self,
        requests: str | os.PathLike[str] | Iterable[Mapping[str, Any]],
        *,
        state_file: str | os.PathLike[str] | None = None,
        poll_interval: float = 30.0,
        completion_window: str = "24h",
        progress: Any = None,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        timeout: float | None = None,
    ) -> BulkResults: ...
    def create(
        self,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> Batch: ...
    def retrieve(
        self,
        batch_id: str,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
    ) -> Batch: ...
    def list(
        self,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **query: Any,
    ) -> SyncPage[Batch]: ...
    def cancel(
        self,
        batch_id: str,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
    ) -> Batch: ...

class AsyncBatches(Batches):
    def run(  # type: ignore[override]
        self,
        requests: str | os.PathLike[str] | Iterable[Mapping[str, Any]],
        *,
        state_file: str | os.PathLike[str] | None = None,
        poll_interval: float = 30.0,
        completion_window: str = "24h",
        progress: Any = None,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        timeout: float | None = None,
    ) -> Awaitable[BulkResults]: ...
    def create(  # type: ignore[override]
        self,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> Awaitable[Batch]: ...
    def retrieve(  # type: ignore[override]
        self,
        batch_id: str,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
    ) -> Awaitable[Batch]: ...
    def list(  # type: ignore[override]
        self,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **query: Any,
    ) -> AsyncPaginator[Batch]: ...
    def cancel(  # type: ignore[override]
        self,
        batch_id: str,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
    ) -> Awaitable[Batch]: ...

_TextFormat: TypeAlias = Literal["text", "srt", "vtt"]

class _AudioText(_Resource):
    _op: str
    _cls: str
    def create(
        self,
        *,
        file: _FileInput,
        model: str,
        stream: Any = False,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> Any: ...
    def _text(self, opts: dict[str, Any], body: dict[str, Any], files: list[Any]) -> Any: ...

class Transcriptions(_AudioText):
    @overload
    def create(
        self,
        *,
        file: _FileInput,
        model: str,
        stream: Literal[False] | NotGiven | None = False,
        response_format: _TextFormat,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> str: ...
    @overload
    def create(
        self,
        *,
        file: _FileInput,
        model: str,
        stream: Literal[True],
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> _EventStream: ...
    @overload
    def create(
        self,
        *,
        file: _FileInput,
        model: str,
        stream: Literal[False] | NotGiven | None = False,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> Transcription: ...

class AsyncTranscriptions(Transcriptions):
    @overload  # type: ignore[override]
    def create(
        self,
        *,
        file: _FileInput,
        model: str,
        stream: Literal[False] | NotGiven | None = False,
        response_format: _TextFormat,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> Awaitable[str]: ...
    @overload
    def create(
        self,
        *,
        file: _FileInput,
        model: str,
        stream: Literal[True],
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> Awaitable[_EventStream]: ...
    @overload
    def create(
        self,
        *,
        file: _FileInput,
        model: str,
        stream: Literal[False] | NotGiven | None = False,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> Awaitable[Transcription]: ...

class Translations(_AudioText):
    @overload
    def create(
        self,
        *,
        file: _FileInput,
        model: str,
        stream: Literal[False] | NotGiven | None = False,
        response_format: _TextFormat,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> str: ...
    @overload
    def create(
        self,
        *,
        file: _FileInput,
        model: str,
        stream: Literal[False] | NotGiven | None = False,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> Translation: ...

class AsyncTranslations(Translations):
    @overload  # type: ignore[override]
    def create(
        self,
        *,
        file: _FileInput,
        model: str,
        stream: Literal[False] | NotGiven | None = False,
        response_format: _TextFormat,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> Awaitable[str]: ...
    @overload
    def create(
        self,
        *,
        file: _FileInput,
        model: str,
        stream: Literal[False] | NotGiven | None = False,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> Awaitable[Translation]: ...

class Speech(_Resource):
    def create(
        self,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> HttpxBinaryResponseContent: ...

class AsyncSpeech(Speech):
    def create(  # type: ignore[override]
        self,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> Awaitable[HttpxBinaryResponseContent]: ...

class Audio(_Resource):
    transcriptions: Transcriptions
    translations: Translations
    speech: Speech
    def __init__(self, native: _native.Client, aio: bool, mode: int = ...) -> None: ...

class AsyncAudio(Audio):
    transcriptions: AsyncTranscriptions
    translations: AsyncTranslations
    speech: AsyncSpeech

class Moderations(_Resource):
    def create(
        self,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> ModerationCreateResponse: ...

class AsyncModerations(Moderations):
    def create(  # type: ignore[override]
        self,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> Awaitable[ModerationCreateResponse]: ...

class TextCompletions(_Resource):
    @overload
    def create(
        self,
        *,
        stream: Literal[False] | NotGiven | None = False,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> Completion: ...
    @overload
    def create(
        self,
        *,
        stream: Literal[True],
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> _EventStream: ...
    @overload
    def create(
        self,
        *,
        stream: bool | NotGiven | None = False,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> Completion | _EventStream: ...

class AsyncTextCompletions(TextCompletions):
    @overload  # type: ignore[override]
    def create(
        self,
        *,
        stream: Literal[False] | NotGiven | None = False,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> Awaitable[Completion]: ...
    @overload
    def create(
        self,
        *,
        stream: Literal[True],
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> Awaitable[_EventStream]: ...
    @overload
    def create(
        self,
        *,
        stream: bool | NotGiven | None = False,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> Awaitable[Completion | _EventStream]: ...

class Messages(_Resource):
    def list(
        self,
        completion_id: str,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **query: Any,
    ) -> SyncPage[ChatCompletionStoreMessage]: ...

class AsyncMessages(Messages):
    def list(  # type: ignore[override]
        self,
        completion_id: str,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **query: Any,
    ) -> AsyncPaginator[ChatCompletionStoreMessage]: ...

class StoredCompletions(_Resource):
    messages: Messages
    def __init__(self, native: _native.Client, aio: bool, mode: int = ...) -> None: ...
    def retrieve(
        self,
        completion_id: str,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
    ) -> ChatCompletion: ...
    def update(
        self,
        completion_id: str,
        *,
        metadata: Mapping[str, str] | None,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
    ) -> ChatCompletion: ...
    def list(
        self,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **query: Any,
    ) -> SyncPage[ChatCompletion]: ...
    def delete(
        self,
        completion_id: str,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
    ) -> ChatCompletionDeleted: ...
