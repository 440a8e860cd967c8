"""Stubs of the extension module `openai_rs._native` (checked by `mypy.stubtest`)."""

from collections.abc import Awaitable, Generator, Iterable, Mapping
from os import PathLike
from typing import Any, TypeAlias, final

from .types import (
    CallReport,
    ChatCompletion,
    ChatCompletionChunk,
    ConversationReply,
    ConversationUsage,
)

__all__ = [
    "AbortOnCancel",
    "Answer",
    "AsyncConversationStream",
    "AsyncStream",
    "BulkRun",
    "Client",
    "Conversation",
    "ConversationStream",
    "Download",
    "LoopBridge",
    "Pager",
    "ReadyAwaitable",
    "Secret",
    "Stream",
    "__version__",
    "_error_kinds",
    "_exception_class_for",
    "_refresh_log_level",
    "count_tokens",
    "dumps",
]
__version__: str

@final
class Answer:
    """A bulk row's answer as received; ``build()`` makes its response object."""

    def build(self) -> Any: ...

@final
class BulkRun:
    """A bulk run under way on the native runtime (see `OpenAI.bulk`)."""

    def __new__(
        cls,
        client: Client,
        requests: str | Iterable[Mapping[str, Any]],
        output: str | PathLike[str] | None = None,
        *,
        concurrency: int = 16,
        rpm: int | None = None,
        tpm: int | None = None,
        max_cost: float | None = None,
        max_retries: int | None = None,
        input_order: bool = False,
        collect: bool = True,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> BulkRun: ...
    @staticmethod
    def batch_api(
        client: Client,
        requests: str | Iterable[Mapping[str, Any]],
        *,
        state_file: str | None = None,
        poll_interval: float = 30.0,
        completion_window: str | None = None,
        max_lines: int = 50000,
        max_bytes: int = 209715200,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> BulkRun: ...
    def wait(self, timeout: float) -> bool: ...
    @property
    def done(self) -> bool: ...
    def progress(self) -> dict[str, Any]: ...
    def cancel(self) -> None: ...
    def result(
        self,
    ) -> tuple[
        list[tuple[int, str, Answer | None, Exception | None, int, str | None, int]], dict[str, Any]
    ]: ...

@final
class Secret:
    """An API key in a pickle: shown as `[REDACTED]`, stored scrambled."""

    def __new__(cls, scrambled: bytes) -> Secret: ...
    def __reduce__(self) -> tuple[Any, ...]: ...

@final
class Client:
    def __new__(
        cls,
        *,
        api_key: str | Secret | None = None,
        organization: str | None = None,
        project: str | None = None,
        base_url: str | None = None,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        stream_idle_timeout: float | None = None,
        total_timeout: float | None = None,
        no_timeout: bool = False,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        proxy: str | Mapping[str, str | None] | None = None,
        ca_file: str | None = None,
        azure: Mapping[str, Any] | None = None,
    ) -> Client: ...
    def with_options(
        self,
        *,
        api_key: str | Secret | None = None,
        organization: str | None = None,
        project: str | None = None,
        base_url: str | None = None,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        stream_idle_timeout: float | None = None,
        total_timeout: float | None = None,
        no_timeout: bool = False,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        proxy: str | Mapping[str, str | None] | None = None,
        ca_file: str | None = None,
        azure: Mapping[str, Any] | None = None,
    ) -> Client: ...
    def __reduce__(self) -> tuple[Any, ...]: ...
    def set_credential(self, token: str) -> None: ...
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
    def timeouts(self) -> tuple[float | None, float | None, float | None, float | None]: ...
    def chat_completion(
        self,
        params: dict[str, Any],
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> ChatCompletion: ...
    def chat_completion_stream(
        self,
        params: dict[str, Any],
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> Stream: ...
    def images_generate(
        self,
        params: dict[str, Any],
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> Any: ...
    def embeddings(
        self,
        params: dict[str, Any],
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> Any: ...
    def models_list(
        self,
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> Any: ...
    def models_retrieve(
        self,
        model: str,
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> Any: ...
    def request(
        self,
        method: str,
        path: str,
        body: object = None,
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> Any: ...
    def arequest(
        self,
        method: str,
        path: str,
        body: object = None,
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> Awaitable[Any]: ...
    def request_line(
        self,
        op: str,
        path: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
        files: list[Any] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> tuple[str, str]: ...
    def call(
        self,
        op: str,
        path: Mapping[str, object] | None = None,
        query: Mapping[str, object] | None = None,
        body: object = None,
        files: list[tuple[str, str | None, bytes | str, str | None]] | None = None,
        cls: str | None = None,
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        raw: bool = False,
    ) -> Any: ...
    def acall(
        self,
        op: str,
        path: Mapping[str, object] | None = None,
        query: Mapping[str, object] | None = None,
        body: object = None,
        files: list[tuple[str, str | None, bytes | str, str | None]] | None = None,
        cls: str | None = None,
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        raw: bool = False,
    ) -> Awaitable[Any]: ...
    def download(
        self,
        op: str,
        path: Mapping[str, object] | None = None,
        query: Mapping[str, object] | None = None,
        body: object = None,
        files: list[tuple[str, str | None, bytes | str, str | None]] | None = None,
        aio: bool = False,
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> Any: ...
    def call_stream(
        self,
        op: str,
        path: Mapping[str, object] | None = None,
        query: Mapping[str, object] | None = None,
        body: object = None,
        files: list[tuple[str, str | None, bytes | str, str | None]] | None = None,
        cls: str | None = None,
        aio: bool = False,
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> Any: ...
    def responses_stream(
        self,
        body: dict[str, Any],
        aio: bool = False,
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> Any: ...
    def pages(
        self,
        op: str,
        path: Mapping[str, object] | None = None,
        query: Mapping[str, object] | None = None,
        cls: str | None = None,
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> Pager: ...
    def achat_completion(
        self,
        params: dict[str, Any],
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> Awaitable[ChatCompletion]: ...
    def achat_completion_stream(
        self,
        params: dict[str, Any],
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> Awaitable[AsyncStream]: ...
    def aimages_generate(
        self,
        params: dict[str, Any],
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> Awaitable[Any]: ...
    def aembeddings(
        self,
        params: dict[str, Any],
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> Awaitable[Any]: ...
    def amodels_list(
        self,
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> Awaitable[Any]: ...
    def amodels_retrieve(
        self,
        model: str,
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> Awaitable[Any]: ...

@final
class Stream:
    """A synchronous stream of chunks: an iterator and a context manager."""

    def __iter__(self) -> Stream: ...
    def __next__(self) -> ChatCompletionChunk: ...
    def close(self) -> None: ...
    def __enter__(self) -> Stream: ...
    def __exit__(self, *_args: object) -> None: ...
    @property
    def request_id(self) -> str | None: ...
    @property
    def headers(self) -> list[tuple[str, str]]: ...
    def get_final_completion(self) -> ChatCompletion: ...
    def current_snapshot(self) -> Any: ...

@final
class Pager:
    """The cursor behind every list: one request per page, on demand."""

    def next_page(self, raw: bool = False) -> Any: ...
    def anext_page(self, raw: bool = False) -> Awaitable[Any]: ...
    def fork(self) -> Pager: ...
    def has_next_page(self) -> bool: ...

@final
class Download:
    """A binary answer being received, read in chunks."""

    @property
    def status(self) -> int: ...
    @property
    def headers(self) -> list[tuple[str, str]]: ...
    @property
    def request_id(self) -> str | None: ...
    @property
    def content_length(self) -> int | None: ...
    @property
    def retries_taken(self) -> int: ...
    def read_chunk(self) -> bytes | None: ...
    def aread_chunk(self) -> Awaitable[bytes | None]: ...
    def write_to_file(self, path: str | PathLike[str]) -> int: ...
    def awrite_to_file(self, path: str | PathLike[str]) -> Awaitable[int]: ...
    def close(self) -> None: ...

@final
class AsyncStream:
    """An asynchronous stream of chunks: an async iterator and async context manager."""

    def __aiter__(self) -> AsyncStream: ...
    def __anext__(self) -> Awaitable[ChatCompletionChunk]: ...
    def close(self) -> Awaitable[None]: ...
    def __aenter__(self) -> Awaitable[AsyncStream]: ...
    def __aexit__(self, *_args: object) -> Awaitable[None]: ...
    @property
    def request_id(self) -> str | None: ...
    @property
    def headers(self) -> list[tuple[str, str]]: ...
    def get_final_completion(self) -> Awaitable[ChatCompletion]: ...

@final
class ReadyAwaitable:
    """An awaitable whose value is already known."""

    def __await__(self) -> Generator[Any, None, Any]: ...
    def __iter__(self) -> ReadyAwaitable: ...
    def __next__(self) -> None: ...
    def send(self, value: object) -> None: ...
    def throw(self, typ: object, val: object = None, tb: object = None) -> None: ...
    def close(self) -> None: ...

@final
class LoopBridge:
    def drain(self) -> None: ...

@final
class AbortOnCancel:
    def __call__(self, fut: Any) -> None: ...

def dumps(obj: object, indent: int | None = None) -> str: ...
def _error_kinds() -> list[str]: ...
def _exception_class_for(kind: str, status: int | None = None) -> tuple[str, BaseException]: ...
def _refresh_log_level() -> bool: ...

_Content: TypeAlias = str | list[Any]

@final
class Conversation:
    """The core conversation (see `openai_rs.Conversation`)."""

    def __new__(cls, model: str) -> Conversation: ...
    def set_params(self, params: Mapping[str, Any]) -> None: ...
    @property
    def params(self) -> dict[str, Any]: ...
    @property
    def settings(self) -> dict[str, Any]: ...
    @property
    def model(self) -> str: ...
    @model.setter
    def model(self, model: str) -> None: ...
    @property
    def context_window(self) -> int | None: ...
    @context_window.setter
    def context_window(self, tokens: int | None) -> None: ...
    @property
    def reserve_output_tokens(self) -> int: ...
    @reserve_output_tokens.setter
    def reserve_output_tokens(self, tokens: int | None) -> None: ...
    @property
    def budget_usd(self) -> float | None: ...
    @budget_usd.setter
    def budget_usd(self, usd: float | None) -> None: ...
    @property
    def api(self) -> str: ...
    @api.setter
    def api(self, api: str) -> None: ...
    @property
    def encoding(self) -> str: ...
    @encoding.setter
    def encoding(self, name: str | None) -> None: ...
    def load_prices(self, path: str | PathLike[str]) -> None: ...
    @property
    def messages(self) -> list[dict[str, Any]]: ...
    @property
    def usage(self) -> ConversationUsage: ...
    @property
    def last_call(self) -> CallReport | None: ...
    def count_tokens(self) -> int: ...
    def push(self, message: Mapping[str, Any]) -> None: ...
    def set_system(self, text: _Content) -> None: ...
    def undo(self) -> list[dict[str, Any]]: ...
    def clear(self) -> None: ...
    def copy(self) -> Conversation: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(json: str) -> Conversation: ...
    def save(self, path: str | PathLike[str]) -> None: ...
    @staticmethod
    def load(path: str | PathLike[str]) -> Conversation: ...
    def send(
        self,
        client: Client,
        content: _Content | None = None,
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | None = None,
    ) -> ConversationReply: ...
    def stream(
        self,
        client: Client,
        content: _Content | None = None,
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | None = None,
    ) -> ConversationStream: ...
    def asend(
        self,
        client: Client,
        content: _Content | None = None,
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | None = None,
    ) -> Awaitable[ConversationReply]: ...
    def astream(
        self,
        client: Client,
        content: _Content | None = None,
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | None = None,
    ) -> AsyncConversationStream: ...

@final
class ConversationStream:
    """A streamed conversation turn: yields text deltas; committed once, when it completes."""

    def __iter__(self) -> ConversationStream: ...
    def __next__(self) -> str: ...
    def close(self) -> None: ...
    def __enter__(self) -> ConversationStream: ...
    def __exit__(self, *_args: object) -> None: ...
    @property
    def request_id(self) -> str | None: ...
    @property
    def reply(self) -> ConversationReply | None: ...
    def get_final_reply(self) -> ConversationReply: ...

@final
class AsyncConversationStream:
    """An async streamed conversation turn: `async for` yields text deltas."""

    def __aiter__(self) -> AsyncConversationStream: ...
    def __anext__(self) -> Awaitable[str]: ...
    def close(self) -> Awaitable[None]: ...
    def __aenter__(self) -> Awaitable[AsyncConversationStream]: ...
    def __aexit__(self, *_args: object) -> Awaitable[None]: ...
    @property
    def reply(self) -> ConversationReply | None: ...
    def get_final_reply(self) -> Awaitable[ConversationReply]: ...

def count_tokens(
    text_or_messages: str | list[Any], model: str = "gpt-4o-mini", encoding: str | None = None
) -> int: ...
