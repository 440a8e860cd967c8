"""Typed signatures of `openai_rs._conversation` (see the module for the documentation)."""

import os
from collections.abc import Awaitable, Iterable, Mapping
from typing import Any, TypeAlias, overload

from typing_extensions import Self

from . import _native
from ._client import AsyncOpenAI, OpenAI
from ._native import AsyncConversationStream as AsyncConversationStream
from ._native import ConversationStream as ConversationStream
from .types import CallReport, ConversationReply, ConversationUsage

__all__ = [
    "AsyncConversation",
    "AsyncConversationStream",
    "Conversation",
    "ConversationStream",
    "count_tokens",
]

_Client: TypeAlias = OpenAI | AsyncOpenAI | _native.Client
_Content: TypeAlias = str | list[Any]
_Path: TypeAlias = str | os.PathLike[str]

def count_tokens(
    text_or_messages: str | Iterable[Mapping[str, Any]],
    model: str = "gpt-4o-mini",
    encoding: str | None = None,
) -> int: ...
def _native_client(client: Any) -> _native.Client: ...

class _ConversationBase:
    _client: _native.Client
    _conv: _native.Conversation
    def __init__(
        self,
        client: _Client,
        model: str = "gpt-4o-mini",
        system: _Content | None = None,
        *,
        max_context_tokens: int | None = None,
        reserve_output_tokens: int | None = None,
        budget_usd: float | None = None,
        encoding: str | None = None,
        prices: _Path | None = None,
        api: str = "chat.completions",
        **params: Any,
    ) -> None: ...
    @classmethod
    def _adopt(cls, conv: _native.Conversation, client: Any) -> Any: ...
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
    @property
    def params(self) -> dict[str, Any]: ...
    @property
    def settings(self) -> dict[str, Any]: ...
    def set_params(self, **params: Any) -> None: ...
    def load_prices(self, path: _Path) -> None: ...
    @property
    def messages(self) -> list[dict[str, Any]]: ...
    def push(self, message: Mapping[str, Any]) -> None: ...
    def set_system(self, content: _Content) -> None: ...
    def undo(self) -> list[dict[str, Any]]: ...
    def clear(self) -> None: ...
    def count_tokens(self) -> int: ...
    @property
    def usage(self) -> ConversationUsage: ...
    @property
    def cost(self) -> float: ...
    @property
    def last_call(self) -> CallReport | None: ...
    def copy(self) -> Self: ...
    def __copy__(self) -> Self: ...
    def __deepcopy__(self, memo: dict[int, Any]) -> Self: ...
    def to_json(self) -> str: ...
    def save(self, path: _Path) -> None: ...
    @classmethod
    def from_json(cls, json: str, client: _Client) -> Self: ...
    @classmethod
    def load(cls, path: _Path, client: _Client) -> Self: ...

class Conversation(_ConversationBase):
    @overload
    def __new__(  # type: ignore[misc]
        cls, client: AsyncOpenAI, *args: Any, **kwargs: Any
    ) -> AsyncConversation: ...
    @overload
    def __new__(cls, client: OpenAI | _native.Client, *args: Any, **kwargs: Any) -> Self: ...
    def send(
        self,
        content: _Content | None = None,
        *,
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: Any = None,
    ) -> ConversationReply: ...
    def stream(
        self,
        content: _Content | None = None,
        *,
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: Any = None,
    ) -> ConversationStream: ...

class AsyncConversation(_ConversationBase):
    def send(
        self,
        content: _Content | None = None,
        *,
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: Any = None,
    ) -> Awaitable[ConversationReply]: ...
    def stream(
        self,
        content: _Content | None = None,
        *,
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: Any = None,
    ) -> AsyncConversationStream: ...
