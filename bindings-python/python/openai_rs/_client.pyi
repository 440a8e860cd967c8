"""Typed signatures of the client surface (every official parameter of each endpoint).

At run time each method forwards its keyword arguments unchanged to the native layer, so
parameters not listed here (new API fields) are passed through too.
"""

from collections.abc import AsyncIterator, Awaitable, Generator, Iterable, Mapping
from typing import Any, Literal, TypeAlias, overload

from typing_extensions import Self

from ._native import AsyncStream as AsyncStream
from ._native import Client as _NativeClient
from ._native import Stream as Stream
from .types import (
    ChatCompletion,
    CreateEmbeddingResponse,
    ImagesResponse,
    Model,
    ModelsPage,
    NotGiven,
)

__all__ = ["AsyncOpenAI", "AsyncStream", "OpenAI", "Stream", "Timeout"]

_UNSET: Any

class Timeout:
    connect: float | None
    read: float | None
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
    ) -> None: ...

_Timeout: TypeAlias = float | Timeout | NotGiven | None
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
def _restore_native(kwargs: dict[str, Any]) -> _NativeClient: ...
def _restore_client(cls: type[_BaseClient], native: _NativeClient) -> _BaseClient: ...

class Completions:
    def __init__(self, native: _NativeClient) -> None: ...
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

class Chat:
    completions: Completions
    def __init__(self, completions: Completions) -> None: ...

class AsyncChat(Chat):
    completions: AsyncCompletions

class Images:
    def __init__(self, native: _NativeClient) -> None: ...
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

class Embeddings:
    def __init__(self, native: _NativeClient) -> None: ...
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

class Models:
    def __init__(self, native: _NativeClient) -> None: ...
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
    chat: Chat
    images: Images
    embeddings: Embeddings
    models: Models
    _chat_cls: type[Chat]
    _completions_cls: type[Completions]
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
        http_client: None = None,
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
        http_client: None = None,
    ) -> Any: ...
    copy = with_options
    def __reduce__(self) -> tuple[Any, ...]: ...

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
        http_client: None = None,
    ) -> OpenAI: ...
    copy = with_options
    def close(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(self, *exc: object) -> None: ...

class AsyncOpenAI(_BaseClient):
    chat: AsyncChat
    images: AsyncImages
    embeddings: AsyncEmbeddings
    models: AsyncModels
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
        http_client: None = None,
    ) -> AsyncOpenAI: ...
    copy = with_options
    async def close(self) -> None: ...
    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, *exc: object) -> None: ...
