"""Typed signatures of the client surface (every official parameter of each endpoint).

At run time each method forwards its keyword arguments unchanged to the native layer, so
parameters not listed here (new API fields) are passed through too.
"""

from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterable, Mapping
from os import PathLike
from typing import Any, Literal, Protocol, TypeAlias, TypeVar, overload

from typing_extensions import Self

from ._bulk import BulkResults
from ._chat_stream import AsyncChatCompletionStreamManager, ChatCompletionStreamManager
from ._native import AsyncStream as AsyncStream
from ._native import Client as _NativeClient
from ._native import Stream as Stream
from ._resources import (
    AsyncAudio,
    AsyncBatches,
    AsyncFiles,
    AsyncMessages,
    AsyncModerations,
    AsyncPaginator,
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
    _Resource,
)
from .types import (
    ChatCompletion,
    ChatCompletionDeleted,
    CreateEmbeddingResponse,
    ImagesResponse,
    Model,
    ModelDeleted,
    ModelsPage,
    NotGiven,
    ParsedChatCompletion,
)

__all__ = ["AsyncOpenAI", "AsyncStream", "OpenAI", "Stream", "Timeout"]

_UNSET: Any
_T = TypeVar("_T")

class Timeout:
    connect: float | None
    read: float | None
    write: float | None
    pool: float | None
    stream_idle: float | None
    total: float | None
    def __init__(
        self,
        timeout: float | None = 600.0,
        *,
        connect: float | NotGiven | None = ...,
        read: float | NotGiven | None = ...,
        stream_idle: float | NotGiven | None = ...,
        total: float | None = None,
        write: float | NotGiven | None = ...,
        pool: float | NotGiven | None = ...,
    ) -> None: ...

class _TimeoutLike(Protocol):
    """An ``httpx.Timeout`` (or anything with its ``connect`` / ``read`` seconds)."""

    @property
    def connect(self) -> float | None: ...
    @property
    def read(self) -> float | None: ...

_Timeout: TypeAlias = float | Timeout | _TimeoutLike | NotGiven | None
_Headers: TypeAlias = Mapping[str, str | Any] | None
_Query: TypeAlias = Mapping[str, object] | None
_Body: TypeAlias = Mapping[str, object] | None
_P: TypeAlias = Any  # a request parameter; NOT_GIVEN / omit leave it out

def _timeout_kwargs(timeout: Any) -> dict[str, Any]: ...
def _request_timeout(timeout: Any) -> float | None: ...
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
) -> dict[str, Any]: ...
def _replace_defaults(
    native: _NativeClient, headers: Any, set_headers: Any, query: Any, set_query: Any
) -> _NativeClient: ...
def _restore_native(kwargs: dict[str, Any]) -> _NativeClient: ...
def _restore_client(cls: type[_BaseClient], native: _NativeClient) -> _BaseClient: ...

class Completions(StoredCompletions):
    @overload
    def create(
        self,
        *,
        messages: Iterable[Mapping[str, Any]],
        model: str,
        stream: Literal[False] | NotGiven | None = False,
        audio: _P = ...,
        frequency_penalty: _P = ...,
        function_call: _P = ...,
        functions: _P = ...,
        logit_bias: _P = ...,
        logprobs: _P = ...,
        max_completion_tokens: _P = ...,
        max_tokens: _P = ...,
        metadata: _P = ...,
        modalities: _P = ...,
        n: _P = ...,
        parallel_tool_calls: _P = ...,
        prediction: _P = ...,
        presence_penalty: _P = ...,
        prompt_cache_key: _P = ...,
        reasoning_effort: _P = ...,
        response_format: _P = ...,
        safety_identifier: _P = ...,
        seed: _P = ...,
        service_tier: _P = ...,
        stop: _P = ...,
        store: _P = ...,
        stream_options: _P = ...,
        temperature: _P = ...,
        tool_choice: _P = ...,
        tools: _P = ...,
        top_logprobs: _P = ...,
        top_p: _P = ...,
        user: _P = ...,
        verbosity: _P = ...,
        web_search_options: _P = ...,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **params: Any,
    ) -> ChatCompletion: ...
    @overload
    def create(
        self,
        *,
        messages: Iterable[Mapping[str, Any]],
        model: str,
        stream: Literal[True],
        audio: _P = ...,
        frequency_penalty: _P = ...,
        function_call: _P = ...,
        functions: _P = ...,
        logit_bias: _P = ...,
        logprobs: _P = ...,
        max_completion_tokens: _P = ...,
        max_tokens: _P = ...,
        metadata: _P = ...,
        modalities: _P = ...,
        n: _P = ...,
        parallel_tool_calls: _P = ...,
        prediction: _P = ...,
        presence_penalty: _P = ...,
        prompt_cache_key: _P = ...,
        reasoning_effort: _P = ...,
        response_format: _P = ...,
        safety_identifier: _P = ...,
        seed: _P = ...,
        service_tier: _P = ...,
        stop: _P = ...,
        store: _P = ...,
        stream_options: _P = ...,
        temperature: _P = ...,
        tool_choice: _P = ...,
        tools: _P = ...,
        top_logprobs: _P = ...,
        top_p: _P = ...,
        user: _P = ...,
        verbosity: _P = ...,
        web_search_options: _P = ...,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **params: Any,
    ) -> Stream: ...
    @overload
    def create(
        self,
        *,
        stream: bool | NotGiven | None = False,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **params: Any,
    ) -> ChatCompletion | Stream: ...
    @overload
    def parse(
        self,
        *,
        messages: Iterable[Mapping[str, Any]] = ...,
        model: str = ...,
        response_format: type[_T],
        tools: Iterable[Mapping[str, Any]] | NotGiven = ...,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **params: Any,
    ) -> ParsedChatCompletion[_T]: ...
    @overload
    def parse(
        self,
        *,
        messages: Iterable[Mapping[str, Any]] = ...,
        model: str = ...,
        response_format: Mapping[str, Any] | NotGiven = ...,
        tools: Iterable[Mapping[str, Any]] | NotGiven = ...,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **params: Any,
    ) -> ParsedChatCompletion[Any]: ...
    def stream(
        self,
        *,
        messages: Iterable[Mapping[str, Any]] = ...,
        model: str = ...,
        response_format: type | Mapping[str, Any] | NotGiven = ...,
        tools: Iterable[Mapping[str, Any]] | NotGiven = ...,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **params: Any,
    ) -> ChatCompletionStreamManager: ...

class AsyncCompletions(Completions):
    @overload  # type: ignore[override]
    def create(
        self,
        *,
        messages: Iterable[Mapping[str, Any]],
        model: str,
        stream: Literal[False] | NotGiven | None = False,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **params: Any,
    ) -> Awaitable[ChatCompletion]: ...
    @overload
    def create(
        self,
        *,
        messages: Iterable[Mapping[str, Any]],
        model: str,
        stream: Literal[True],
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **params: Any,
    ) -> Awaitable[AsyncStream]: ...
    @overload
    def create(
        self,
        *,
        stream: bool | NotGiven | None = False,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **params: Any,
    ) -> Awaitable[ChatCompletion | AsyncStream]: ...
    @overload  # type: ignore[override]
    def parse(
        self,
        *,
        messages: Iterable[Mapping[str, Any]] = ...,
        model: str = ...,
        response_format: type[_T],
        tools: Iterable[Mapping[str, Any]] | NotGiven = ...,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **params: Any,
    ) -> Awaitable[ParsedChatCompletion[_T]]: ...
    @overload
    def parse(
        self,
        *,
        messages: Iterable[Mapping[str, Any]] = ...,
        model: str = ...,
        response_format: Mapping[str, Any] | NotGiven = ...,
        tools: Iterable[Mapping[str, Any]] | NotGiven = ...,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **params: Any,
    ) -> Awaitable[ParsedChatCompletion[Any]]: ...
    def stream(  # type: ignore[override]
        self,
        *,
        messages: Iterable[Mapping[str, Any]] = ...,
        model: str = ...,
        response_format: type | Mapping[str, Any] | NotGiven = ...,
        tools: Iterable[Mapping[str, Any]] | NotGiven = ...,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **params: Any,
    ) -> AsyncChatCompletionStreamManager: ...
    messages: AsyncMessages  # type: ignore[assignment]
    def retrieve(  # type: ignore[override]
        self,
        completion_id: str,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
    ) -> Awaitable[ChatCompletion]: ...
    def update(  # type: ignore[override]
        self,
        completion_id: str,
        *,
        metadata: Mapping[str, str] | None,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
    ) -> Awaitable[ChatCompletion]: ...
    def list(  # type: ignore[override]
        self,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **query: Any,
    ) -> AsyncPaginator[ChatCompletion]: ...
    def delete(  # type: ignore[override]
        self,
        completion_id: str,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
    ) -> Awaitable[ChatCompletionDeleted]: ...

_TYPED: dict[str, str]

def _generic_create(
    res: _Resource, op: str, stream: Any, params: dict[str, Any], opts: dict[str, Any]
) -> Any: ...

class Chat(_Resource):
    completions: Completions
    def __init__(self, native: _NativeClient, aio: bool = False, mode: int = 0) -> None: ...

class AsyncChat(Chat):
    completions: AsyncCompletions

class Images(_Resource):
    def edit(
        self,
        *,
        image: Any,
        prompt: str,
        mask: Any = None,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> ImagesResponse: ...
    def create_variation(
        self,
        *,
        image: Any,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> ImagesResponse: ...
    def generate(
        self,
        *,
        prompt: str = ...,
        background: _P = ...,
        model: _P = ...,
        moderation: _P = ...,
        n: _P = ...,
        output_compression: _P = ...,
        output_format: _P = ...,
        quality: _P = ...,
        response_format: _P = ...,
        size: _P = ...,
        style: _P = ...,
        user: _P = ...,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **params: Any,
    ) -> ImagesResponse: ...

class AsyncImages(Images):
    def edit(  # type: ignore[override]
        self,
        *,
        image: Any,
        prompt: str,
        mask: Any = None,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> Awaitable[ImagesResponse]: ...
    def create_variation(  # type: ignore[override]
        self,
        *,
        image: Any,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **body: Any,
    ) -> Awaitable[ImagesResponse]: ...
    def generate(  # type: ignore[override]
        self,
        *,
        prompt: str = ...,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **params: Any,
    ) -> Awaitable[ImagesResponse]: ...

class Embeddings(_Resource):
    def create(
        self,
        *,
        input: str | list[str] | list[int] | list[list[int]] = ...,
        model: str = ...,
        dimensions: _P = ...,
        encoding_format: _P = ...,
        user: _P = ...,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **params: Any,
    ) -> CreateEmbeddingResponse: ...

class AsyncEmbeddings(Embeddings):
    def create(  # type: ignore[override]
        self,
        *,
        input: str | list[str] | list[int] | list[list[int]] = ...,
        model: str = ...,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
        **params: Any,
    ) -> Awaitable[CreateEmbeddingResponse]: ...

class Models(_Resource):
    def delete(
        self,
        model: str,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
    ) -> ModelDeleted: ...
    def list(
        self,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
    ) -> ModelsPage: ...
    def retrieve(
        self,
        model: str,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
    ) -> Model: ...

class AsyncModelsPager:
    def __init__(self, start: Any) -> None: ...
    def __await__(self) -> Generator[Any, None, ModelsPage]: ...
    def _iter(self) -> AsyncIterator[Model]: ...
    def __aiter__(self) -> AsyncIterator[Model]: ...

class AsyncModels(Models):
    def delete(  # type: ignore[override]
        self,
        model: str,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
    ) -> Awaitable[ModelDeleted]: ...
    def list(  # type: ignore[override]
        self,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
    ) -> AsyncModelsPager: ...
    def retrieve(  # type: ignore[override]
        self,
        model: str,
        *,
        extra_headers: _Headers = None,
        extra_query: _Query = None,
        extra_body: _Body = None,
        timeout: _Timeout = None,
    ) -> Awaitable[Model]: ...

class _BaseClient:
    _native: _NativeClient
    _aio: bool
    responses: Responses
    chat: Chat
    images: Images
    embeddings: Embeddings
    models: Models
    files: Files
    uploads: Uploads
    batches: Batches
    audio: Audio
    moderations: Moderations
    completions: TextCompletions
    _chat_cls: type[Chat]
    _images_cls: type[Images]
    _embeddings_cls: type[Embeddings]
    _models_cls: type[Models]
    def __init__(
        self,
        *,
        api_key: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        webhook_secret: str | None = None,
        base_url: str | None = None,
        websocket_base_url: str | None = None,
        timeout: _Timeout = ...,
        max_retries: int = 2,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        http_client: object | None = None,
        _strict_response_validation: bool = False,
        proxy: str | Mapping[str, str] | None = None,
        ca_file: str | None = None,
    ) -> None: ...
    def _bind(self, native: _NativeClient) -> None: ...
    @property
    def api_key(self) -> str: ...
    def expose_api_key(self) -> str: ...
    @property
    def base_url(self) -> str: ...
    @property
    def organization(self) -> str | None: ...
    @property
    def project(self) -> str | None: ...
    @property
    def max_retries(self) -> int: ...
    @property
    def timeout(self) -> Timeout: ...
    def with_options(
        self,
        *,
        api_key: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        base_url: str | None = None,
        timeout: _Timeout = ...,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        proxy: str | Mapping[str, str] | None = None,
        ca_file: str | None = None,
        http_client: object | None = None,
        webhook_secret: str | None = None,
        websocket_base_url: str | None = None,
        set_default_headers: Mapping[str, str] | None = None,
        set_default_query: Mapping[str, object] | None = None,
    ) -> Any: ...
    copy = with_options
    def _request(self, method: str, path: str, cast_to: Any, body: Any, options: Any) -> Any: ...
    def get(self, path: str, *, cast_to: Any = ..., options: Any = None, **_: Any) -> Any: ...
    def post(
        self, path: str, *, cast_to: Any = ..., body: Any = None, options: Any = None, **_: Any
    ) -> Any: ...
    def patch(
        self, path: str, *, cast_to: Any = ..., body: Any = None, options: Any = None, **_: Any
    ) -> Any: ...
    def put(
        self, path: str, *, cast_to: Any = ..., body: Any = None, options: Any = None, **_: Any
    ) -> Any: ...
    def delete(
        self, path: str, *, cast_to: Any = ..., body: Any = None, options: Any = None, **_: Any
    ) -> Any: ...
    def __reduce__(self) -> tuple[Any, ...]: ...

def _cast(obj: Any, cast_to: Any) -> Any: ...
async def _acast(awaitable: Any, cast_to: Any) -> Any: ...

class OpenAI(_BaseClient):
    chat: Chat
    images: Images
    embeddings: Embeddings
    models: Models
    def with_options(
        self,
        *,
        api_key: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        base_url: str | None = None,
        timeout: _Timeout = ...,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        proxy: str | Mapping[str, str] | None = None,
        ca_file: str | None = None,
        http_client: object | None = None,
        webhook_secret: str | None = None,
        websocket_base_url: str | None = None,
        set_default_headers: Mapping[str, str] | None = None,
        set_default_query: Mapping[str, object] | None = None,
    ) -> OpenAI: ...
    copy = with_options
    def close(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(self, *exc: object) -> None: ...
    def bulk(
        self,
        requests: str | PathLike[str] | Iterable[Mapping[str, Any]],
        output: str | PathLike[str] | None = None,
        *,
        concurrency: int = 16,
        rpm: int | None = None,
        tpm: int | None = None,
        max_cost: float | None = None,
        max_retries: int | None = None,
        order: Literal["completed", "input"] = "completed",
        progress: bool | Callable[[dict[str, Any]], None] | None = None,
        collect: bool = True,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> BulkResults: ...

class AsyncOpenAI(_BaseClient):
    chat: AsyncChat
    images: AsyncImages
    embeddings: AsyncEmbeddings
    models: AsyncModels
    responses: AsyncResponses
    files: AsyncFiles
    uploads: AsyncUploads
    batches: AsyncBatches
    audio: AsyncAudio
    moderations: AsyncModerations
    completions: AsyncTextCompletions
    def with_options(
        self,
        *,
        api_key: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        base_url: str | None = None,
        timeout: _Timeout = ...,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        proxy: str | Mapping[str, str] | None = None,
        ca_file: str | None = None,
        http_client: object | None = None,
        webhook_secret: str | None = None,
        websocket_base_url: str | None = None,
        set_default_headers: Mapping[str, str] | None = None,
        set_default_query: Mapping[str, object] | None = None,
    ) -> AsyncOpenAI: ...
    copy = with_options
    async def close(self) -> None: ...
    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def bulk(
        self,
        requests: str | PathLike[str] | Iterable[Mapping[str, Any]],
        output: str | PathLike[str] | None = None,
        *,
        concurrency: int = 16,
        rpm: int | None = None,
        tpm: int | None = None,
        max_cost: float | None = None,
        max_retries: int | None = None,
        order: Literal["completed", "input"] = "completed",
        progress: bool | Callable[[dict[str, Any]], None] | None = None,
        collect: bool = True,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> BulkResults: ...
