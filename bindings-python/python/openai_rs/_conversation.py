"""``Conversation`` / ``AsyncConversation``: the chat history the guides keep by hand, fitted
into the model's context window before every call, with usage, cost and an optional budget.

Everything happens in the Rust core (``openai_core::Conversation``); this module only picks the
client and forwards arguments. The history keeps every message; only the request is trimmed
(oldest turns first, system messages always kept, a tool call always with its results). A turn
is all or nothing: a failed call, a failed or abandoned stream, a budget refusal or a turn too
large for the window leave the conversation exactly as it was.
"""

from __future__ import annotations

import os

from . import _native
from ._client import AsyncOpenAI, _BaseClient, _request_timeout

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Iterable, Mapping
    from typing import Any

    from typing_extensions import Self

    from .types import CallReport, ConversationReply, ConversationUsage

__all__ = [
    "AsyncConversation",
    "AsyncConversationStream",
    "Conversation",
    "ConversationStream",
    "count_tokens",
]

ConversationStream = _native.ConversationStream
AsyncConversationStream = _native.AsyncConversationStream


def count_tokens(
    text_or_messages: str | Iterable[Mapping[str, Any]],
    model: str = "gpt-4o-mini",
    encoding: str | None = None,
) -> int:
    """Tokens of a ``str`` (the text alone), or of a list of message dicts as the chat API bills
    them (3 per message, the role, the content, 3 to prime the reply), counted offline with the
    model's tokenizer (``encoding="cl100k_base"`` or ``"o200k_base"`` to choose it)::

        openai_rs.count_tokens("Hello, world!")                          # 4
        openai_rs.count_tokens([{"role": "user", "content": "Hello!"}])  # 9
    """
    if not isinstance(text_or_messages, str):
        text_or_messages = list(text_or_messages)
    return _native.count_tokens(text_or_messages, model, encoding)


def _native_client(client: Any) -> _native.Client:
    if isinstance(client, _BaseClient):
        return client._native
    if isinstance(client, _native.Client):
        return client
    raise TypeError(
        f"client must be an openai_rs.OpenAI or AsyncOpenAI, not {type(client).__name__}"
    )


class _ConversationBase:
    __slots__ = ("_client", "_conv")

    _client: _native.Client
    _conv: _native.Conversation

    def __init__(
        self,
        client: Any,
        model: str = "gpt-4o-mini",
        system: str | list[Any] | None = None,
        *,
        max_context_tokens: int | None = None,
        reserve_output_tokens: int | None = None,
        budget_usd: float | None = None,
        encoding: str | None = None,
        prices: str | os.PathLike[str] | None = None,
        api: str = "chat.completions",
        **params: Any,
    ) -> None:
        conv = _native.Conversation(model)
        conv.api = api
        if params:
            conv.set_params(params)
        if system is not None:
            conv.set_system(system)
        conv.context_window = max_context_tokens
        conv.reserve_output_tokens = reserve_output_tokens
        conv.budget_usd = budget_usd
        conv.encoding = encoding
        if prices is not None:
            conv.load_prices(os.fspath(prices))
        self._client = _native_client(client)
        self._conv = conv

    def _turn(
        self,
        method: Any,
        content: Any,
        extra_headers: Any,
        extra_query: Any,
        extra_body: Any,
        timeout: Any,
    ) -> Any:
        # One place that hands a turn's arguments to the native call (send or stream, sync or
        # async).
        args = (content, extra_headers, extra_query, extra_body, _request_timeout(timeout))
        return method(self._client, *args)

    @classmethod
    def _adopt(cls, conv: _native.Conversation, client: Any) -> Any:
        kind: type[_ConversationBase] = cls
        if cls is Conversation and isinstance(client, AsyncOpenAI):
            kind = AsyncConversation
        obj = object.__new__(kind)
        obj._client = _native_client(client)
        obj._conv = conv
        return obj

    # ---- model, parameters, settings
    @property
    def model(self) -> str:
        return self._conv.model

    @model.setter
    def model(self, model: str) -> None:
        self._conv.model = model

    @property
    def context_window(self) -> int | None:
        """The context window the history is fitted into: ``max_context_tokens`` if set, else
        the model's (``None``: unknown model, nothing is trimmed). Settable; ``None`` resets."""
        return self._conv.context_window

    @context_window.setter
    def context_window(self, tokens: int | None) -> None:
        self._conv.context_window = tokens

    @property
    def reserve_output_tokens(self) -> int:
        """Tokens kept free for the reply: ``max_tokens`` / ``max_completion_tokens`` if set,
        else the setting, else the model's maximum output capped at a quarter of the window."""
        return self._conv.reserve_output_tokens

    @reserve_output_tokens.setter
    def reserve_output_tokens(self, tokens: int | None) -> None:
        self._conv.reserve_output_tokens = tokens

    @property
    def budget_usd(self) -> float | None:
        """A call whose estimated cost would bring the total over this is refused unsent."""
        return self._conv.budget_usd

    @budget_usd.setter
    def budget_usd(self, usd: float | None) -> None:
        self._conv.budget_usd = usd

    @property
    def api(self) -> str:
        """``"chat.completions"`` (default) or ``"responses"``: the API the turns go over; the
        history, trimming, usage and budget rules are the same either way."""
        return self._conv.api

    @api.setter
    def api(self, api: str) -> None:
        self._conv.api = api

    @property
    def encoding(self) -> str:
        """The tokenizer used for counting (``o200k_base`` or ``cl100k_base``)."""
        return self._conv.encoding

    @encoding.setter
    def encoding(self, name: str | None) -> None:
        self._conv.encoding = name

    @property
    def params(self) -> dict[str, Any]:
        """The request parameters sent with every call (model included, history not)."""
        return self._conv.params  # type: ignore[no-any-return]

    @property
    def settings(self) -> dict[str, Any]:
        """The overrides as saved: context_window, reserve_output_tokens, encoding, budget_usd,
        prices (only those set)."""
        return self._conv.settings  # type: ignore[no-any-return]

    def set_params(self, **params: Any) -> None:
        """Merges request parameters (temperature, max_tokens, tools, ...); ``None`` removes."""
        self._conv.set_params(params)

    def load_prices(self, path: str | os.PathLike[str]) -> None:
        """Adds prices from a JSON file (``{"models": {"name": {"input": USD per 1M, "output":
        ..., "cached_input": ...}}}``) over the built-in table."""
        self._conv.load_prices(os.fspath(path))

    # ---- history
    @property
    def messages(self) -> list[dict[str, Any]]:
        """The whole history (a copy), system messages included, nothing trimmed."""
        return self._conv.messages  # type: ignore[no-any-return]

    def push(self, message: Mapping[str, Any]) -> None:
        """Appends a message of any role (few-shot examples, tool results, ...)."""
        self._conv.push(message)

    def set_system(self, content: str | list[Any]) -> None:
        """Sets the system message (replacing a leading system or developer message)."""
        self._conv.set_system(content)

    def undo(self) -> list[dict[str, Any]]:
        """Removes the last turn (the last user message and all after it) and returns it.
        Usage and cost are not refunded."""
        return self._conv.undo()  # type: ignore[no-any-return]

    def clear(self) -> None:
        """Removes every message but the system ones."""
        self._conv.clear()

    def count_tokens(self) -> int:
        """The prompt tokens of the whole history (and tools) as it would be sent untrimmed."""
        return self._conv.count_tokens()

    # ---- usage
    @property
    def usage(self) -> ConversationUsage:
        """Totals over every call: calls, prompt/completion/total/cached/reasoning tokens,
        cost_usd."""
        return self._conv.usage

    @property
    def cost(self) -> float:
        """USD spent so far (calls with a known price)."""
        return self._conv.usage.cost_usd

    @property
    def last_call(self) -> CallReport | None:
        """The last call's report (usage, cost, dropped, finish_reason)."""
        return self._conv.last_call

    # ---- branch, save, load
    def copy(self) -> Self:
        """An independent branch (same client)."""
        return self._adopt(self._conv.copy(), self._client)  # type: ignore[no-any-return]

    __copy__ = copy

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        return self.copy()

    def to_json(self) -> str:
        """The conversation as versioned JSON (history, parameters, settings, usage)."""
        return self._conv.to_json()

    def save(self, path: str | os.PathLike[str]) -> None:
        """Writes ``to_json()`` to ``path`` atomically."""
        self._conv.save(os.fspath(path))

    @classmethod
    def from_json(cls, json: str, client: Any) -> Self:
        """Reads what ``to_json()`` wrote, bound to ``client``."""
        return cls._adopt(_native.Conversation.from_json(json), client)  # type: ignore[no-any-return]

    @classmethod
    def load(cls, path: str | os.PathLike[str], client: Any) -> Self:
        """Reads a file written by ``save()``, bound to ``client``."""
        return cls._adopt(_native.Conversation.load(os.fspath(path)), client)  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        c = self._conv
        return (
            f"{type(self).__name__}(model={c.model!r}, messages={len(c.messages)}, "
            f"cost_usd={c.usage.cost_usd:.6f})"
        )


class Conversation(_ConversationBase):
    """A chat whose history is kept, fitted into the context window before every call, with
    usage, cost and an optional budget::

        from openai_rs import Conversation, OpenAI

        conv = Conversation(OpenAI(), "gpt-4o-mini", system="You are terse.", budget_usd=0.10)
        reply = conv.send("What is a monad?")
        print(reply, reply.dropped, conv.usage.total_tokens, conv.cost)

    ``params`` are request parameters sent with every call (``temperature``, ``max_tokens``,
    ``tools``, ``response_format``, ...). Given an ``AsyncOpenAI`` client, ``Conversation(...)``
    returns an ``AsyncConversation``. Safe to share between threads: no lock is held while a
    request is in flight, and a reply whose history changed meanwhile is refused, not mixed in.
    """

    __slots__ = ()

    def __new__(cls, client: Any, *args: Any, **kwargs: Any) -> Any:
        if cls is Conversation and isinstance(client, AsyncOpenAI):
            return AsyncConversation(client, *args, **kwargs)
        return object.__new__(cls)

    def send(
        self,
        content: str | list[Any] | None = None,
        *,
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: Any = None,
    ) -> ConversationReply:
        """Sends ``content`` (a ``str``, or content parts with images) and appends it and the
        reply; on any error nothing is appended. ``None`` sends the history as it is (after
        ``push``-ing tool results, say)."""
        return self._turn(self._conv.send, content, extra_headers, extra_query, extra_body, timeout)

    def stream(
        self,
        content: str | list[Any] | None = None,
        *,
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: Any = None,
    ) -> ConversationStream:
        """Streams the reply: iterating yields its text deltas (``str``); the user message and
        the reply are appended once, when the stream completes (``stream.reply`` then holds the
        ``ConversationReply``). A failed, closed or abandoned stream appends nothing::

            with conv.stream("Tell me a joke.") as s:
                for text in s:
                    print(text, end="", flush=True)
        """
        return self._turn(
            self._conv.stream, content, extra_headers, extra_query, extra_body, timeout
        )


class AsyncConversation(_ConversationBase):
    """``Conversation`` for ``AsyncOpenAI``: ``send`` is awaited, ``stream`` is iterated with
    ``async for``::

        conv = AsyncConversation(AsyncOpenAI(), system="You are terse.")
        reply = await conv.send("Hi!")
        async for text in conv.stream("And again, streamed."):
            print(text, end="")
    """

    __slots__ = ()

    def send(
        self,
        content: str | list[Any] | None = None,
        *,
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: Any = None,
    ) -> Awaitable[ConversationReply]:
        """Awaitable ``Conversation.send``. The turn is checked (window, budget) right away."""
        return self._turn(
            self._conv.asend, content, extra_headers, extra_query, extra_body, timeout
        )

    def stream(
        self,
        content: str | list[Any] | None = None,
        *,
        extra_headers: Mapping[str, Any] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: Any = None,
    ) -> AsyncConversationStream:
        """``async for text in conv.stream(...)``: the request is sent at the first step; the
        reply is appended once, when the stream completes. ``async with`` closes it."""
        return self._turn(
            self._conv.astream, content, extra_headers, extra_query, extra_body, timeout
        )
