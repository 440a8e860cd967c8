"""``client.chat.completions.stream(...)``: the chunks of a chat stream as the official SDK's
events, and the parsed final completion.

The native stream assembles the final completion; this module only keeps what the events need
(each choice's text, refusal and tool-call arguments so far) and names the events as the
official ``ChatCompletionStream`` does: ``chunk``, ``content.delta`` / ``content.done``,
``refusal.delta`` / ``refusal.done``, ``tool_calls.function.arguments.delta`` / ``.done``::

    with client.chat.completions.stream(model=m, messages=msgs, response_format=Step) as stream:
        for event in stream:
            if event.type == "content.delta":
                print(event.delta, end="")
    step = stream.get_final_completion().choices[0].message.parsed
"""

from __future__ import annotations

from ._exceptions import ContentFilterFinishReasonError, LengthFinishReasonError
from ._parsing import (
    _given,
    _parse_arguments,
    _validate_json,
    parse_chat_completion,
    type_to_response_format_param,
)
from .types import OpenAIObject, ParsedChatCompletion

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator
    from typing import Any

    from typing_extensions import Self

__all__ = [
    "AsyncChatCompletionStream",
    "AsyncChatCompletionStreamManager",
    "ChatCompletionStream",
    "ChatCompletionStreamManager",
    "ChatCompletionStreamState",
    "ChunkEvent",
    "ContentDeltaEvent",
    "ContentDoneEvent",
    "FunctionToolCallArgumentsDeltaEvent",
    "FunctionToolCallArgumentsDoneEvent",
    "RefusalDeltaEvent",
    "RefusalDoneEvent",
]


class ChunkEvent(OpenAIObject):
    """``chunk``: every chunk as received; ``snapshot`` is the completion assembled so far (as
    of when it is read)."""

    __slots__ = ("_snapshot_of",)
    type: str
    chunk: Any

    @property
    def snapshot(self) -> Any:
        return self._snapshot_of()


class ContentDeltaEvent(OpenAIObject):
    __slots__ = ()
    type: str
    delta: str
    snapshot: str
    parsed: Any


class ContentDoneEvent(OpenAIObject):
    __slots__ = ()
    type: str
    content: str
    parsed: Any


class RefusalDeltaEvent(OpenAIObject):
    __slots__ = ()
    type: str
    delta: str
    snapshot: str


class RefusalDoneEvent(OpenAIObject):
    __slots__ = ()
    type: str
    refusal: str


class FunctionToolCallArgumentsDeltaEvent(OpenAIObject):
    __slots__ = ()
    type: str
    name: str
    index: int
    arguments: str
    parsed_arguments: Any
    arguments_delta: str


class FunctionToolCallArgumentsDoneEvent(OpenAIObject):
    __slots__ = ()
    type: str
    name: str
    index: int
    arguments: str
    parsed_arguments: Any


def _partial_json(text: str) -> Any:
    """The JSON text so far as a value (what the official SDK's ``jiter`` partial mode gives),
    ``None`` when it cannot be read yet."""
    try:
        from pydantic_core import from_json
    except ImportError:
        return None
    try:
        return from_json(text, allow_partial=True)
    except ValueError:
        return None


class _Choice:
    """What the events of one choice need: its text, refusal and tool calls so far."""

    __slots__ = (
        "content",
        "content_done",
        "current_tool",
        "done_tools",
        "finish_reason",
        "refusal",
        "refusal_done",
        "role",
        "tools",
    )

    def __init__(self) -> None:
        self.content: str | None = None
        self.refusal: str | None = None
        self.role: str | None = None
        self.finish_reason: str | None = None
        self.tools: list[dict[str, Any]] = []
        self.content_done = False
        self.refusal_done = False
        self.done_tools: set[int] = set()
        self.current_tool: int | None = None


class ChatCompletionStreamState:
    """Turns chunks into events; usable on its own over ``create(stream=True)``::

    state = ChatCompletionStreamState(response_format=Step)
    for chunk in client.chat.completions.create(..., stream=True):
        for event in state.handle_chunk(chunk):
            ...
    """

    def __init__(self, *, input_tools: Any = None, response_format: Any = None) -> None:
        self._tools = list(input_tools) if _given(input_tools) else []
        self._format = response_format
        self._rich = response_format if isinstance(response_format, type) else None
        self._parseable = self._rich is not None or any(
            t.get("type") == "function" and t.get("function", {}).get("strict") for t in self._tools
        )
        self._choices: dict[int, _Choice] = {}
        self._meta: dict[str, Any] = {}

    def _tool(self, name: str | None) -> Any:
        for t in self._tools:
            if t.get("type") == "function" and t.get("function", {}).get("name") == name:
                return t
        return None

    def current_completion_snapshot(self) -> ParsedChatCompletion:
        """The completion assembled from the chunks so far."""
        choices = []
        for index in sorted(self._choices):
            c = self._choices[index]
            message: dict[str, Any] = {"role": c.role or "assistant", "content": c.content}
            message["refusal"] = c.refusal
            if c.tools:
                message["tool_calls"] = [dict(t, function=dict(t["function"])) for t in c.tools]
            choices.append(
                {
                    "index": index,
                    "finish_reason": c.finish_reason,
                    "logprobs": None,
                    "message": message,
                }
            )
        data = {**self._meta, "object": "chat.completion", "choices": choices}
        return ParsedChatCompletion.model_validate(data)

    def handle_chunk(self, chunk: Any) -> list[Any]:
        """The events of one chunk, in the official order."""
        if chunk.get("object", "chat.completion.chunk") != "chat.completion.chunk":
            return []  # e.g. Azure's asynchronous content filter events
        for key in ("id", "created", "model", "system_fingerprint", "service_tier", "usage"):
            if chunk.get(key) is not None:
                self._meta[key] = chunk[key]
        first = ChunkEvent(type="chunk", chunk=chunk)
        first._snapshot_of = self.current_completion_snapshot
        events: list[Any] = [first]
        for choice in chunk.get("choices") or ():
            index = choice.get("index", 0)
            state = self._choices.get(index)
            if state is None:
                state = self._choices[index] = _Choice()
            delta = choice.get("delta") or {}
            self._accumulate(state, choice, delta)
            if delta.get("content") is not None:
                parsed = _partial_json(state.content or "") if self._rich else None
                events.append(
                    ContentDeltaEvent(
                        type="content.delta",
                        delta=delta["content"],
                        snapshot=state.content,
                        parsed=parsed,
                    )
                )
            if delta.get("refusal") is not None:
                events.append(
                    RefusalDeltaEvent(
                        type="refusal.delta", delta=delta["refusal"], snapshot=state.refusal
                    )
                )
            for call in delta.get("tool_calls") or ():
                tool = state.tools[call.get("index", 0)]
                fn = tool["function"]
                events.append(
                    FunctionToolCallArgumentsDeltaEvent(
                        type="tool_calls.function.arguments.delta",
                        name=fn["name"],
                        index=call.get("index", 0),
                        arguments=fn["arguments"],
                        parsed_arguments=fn.get("parsed_arguments"),
                        arguments_delta=(call.get("function") or {}).get("arguments") or "",
                    )
                )
            events.extend(self._done_events(state, delta))
        return events

    def _accumulate(self, state: _Choice, choice: Any, delta: Any) -> None:
        if delta.get("role"):
            state.role = delta["role"]
        if delta.get("content") is not None:
            state.content = (state.content or "") + delta["content"]
        if delta.get("refusal") is not None:
            state.refusal = (state.refusal or "") + delta["refusal"]
        for call in delta.get("tool_calls") or ():
            i = call.get("index", 0)
            while len(state.tools) <= i:
                state.tools.append(
                    {"id": None, "type": "function", "function": {"name": None, "arguments": ""}}
                )
            tool = state.tools[i]
            if call.get("id"):
                tool["id"] = call["id"]
            if call.get("type"):
                tool["type"] = call["type"]
            fn = call.get("function") or {}
            if fn.get("name"):
                tool["function"]["name"] = fn["name"]
            tool["function"]["arguments"] += fn.get("arguments") or ""
            spec = self._tool(tool["function"]["name"])
            args = tool["function"]["arguments"]
            if spec is not None and spec["function"].get("strict") and args:
                tool["function"]["parsed_arguments"] = _partial_json(args)
        finish = choice.get("finish_reason")
        if finish:
            state.finish_reason = finish
            if self._parseable and finish == "length":
                raise LengthFinishReasonError(completion=self.current_completion_snapshot())
            if self._parseable and finish == "content_filter":
                raise ContentFilterFinishReasonError(completion=self.current_completion_snapshot())

    def _done_events(self, state: _Choice, delta: Any) -> list[Any]:
        events: list[Any] = []
        if state.finish_reason:
            events += self._content_done(state)
            if state.current_tool is not None and state.current_tool not in state.done_tools:
                events += self._tool_done(state, state.current_tool)
        for call in delta.get("tool_calls") or ():
            i = call.get("index", 0)
            if state.current_tool != i:
                events += self._content_done(state)
                if state.current_tool is not None:
                    events += self._tool_done(state, state.current_tool)
            state.current_tool = i
        return events

    def _content_done(self, state: _Choice) -> list[Any]:
        events: list[Any] = []
        if state.content and not state.content_done:
            state.content_done = True
            parsed = None
            if self._rich is not None and not state.refusal:
                parsed = _validate_json(self._rich, state.content)
            events.append(
                ContentDoneEvent(type="content.done", content=state.content, parsed=parsed)
            )
        if state.refusal is not None and not state.refusal_done:
            state.refusal_done = True
            events.append(RefusalDoneEvent(type="refusal.done", refusal=state.refusal))
        return events

    def _tool_done(self, state: _Choice, index: int) -> list[Any]:
        if index in state.done_tools:
            return []
        state.done_tools.add(index)
        fn = state.tools[index]["function"]
        spec = self._tool(fn["name"])
        parsed = None if spec is None else _parse_arguments(spec["function"], fn["arguments"])
        fn["parsed_arguments"] = parsed
        return [
            FunctionToolCallArgumentsDoneEvent(
                type="tool_calls.function.arguments.done",
                name=fn["name"],
                index=index,
                arguments=fn["arguments"],
                parsed_arguments=parsed,
            )
        ]

    def final(self, completion: Any) -> ParsedChatCompletion:
        """The native stream's final completion, parsed."""
        return parse_chat_completion(
            response_format=self._rich, input_tools=self._tools, chat_completion=completion
        )


class ChatCompletionStream:
    """The events of a chat stream (``for event in stream``); ``get_final_completion()``."""

    def __init__(self, raw: Any, state: ChatCompletionStreamState) -> None:
        self._raw = raw
        self._state = state
        self._events = self._iter()

    def _iter(self) -> Iterator[Any]:
        for chunk in self._raw:
            yield from self._state.handle_chunk(chunk)

    def __iter__(self) -> Iterator[Any]:
        return self._events

    def __next__(self) -> Any:
        return next(self._events)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._raw.close()

    def until_done(self) -> Self:
        for _ in self._events:
            pass
        return self

    def get_final_completion(self) -> ParsedChatCompletion:
        """Reads the rest of the stream; the whole completion, parsed as ``parse`` does."""
        self.until_done()
        return self._state.final(self._raw.get_final_completion())

    @property
    def current_completion_snapshot(self) -> ParsedChatCompletion:
        return self._state.current_completion_snapshot()

    @property
    def response(self) -> Any:
        return self._raw


class ChatCompletionStreamManager:
    """``with client.chat.completions.stream(...) as stream:``; the request is sent on entry."""

    def __init__(self, make: Callable[[], Any], state: ChatCompletionStreamState) -> None:
        self._make = make
        self._state = state
        self._stream: ChatCompletionStream | None = None

    def __enter__(self) -> ChatCompletionStream:
        self._stream = ChatCompletionStream(self._make(), self._state)
        return self._stream

    def __exit__(self, *exc: object) -> None:
        if self._stream is not None:
            self._stream.close()


class AsyncChatCompletionStream:
    """The async events of a chat stream (``async for event in stream``)."""

    def __init__(self, raw: Any, state: ChatCompletionStreamState) -> None:
        self._raw = raw
        self._state = state
        self._events = self._iter()

    async def _iter(self) -> AsyncIterator[Any]:
        async for chunk in self._raw:
            for event in self._state.handle_chunk(chunk):
                yield event

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._events

    async def __anext__(self) -> Any:
        return await self._events.__anext__()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self._raw.close()

    async def until_done(self) -> Self:
        async for _ in self._events:
            pass
        return self

    async def get_final_completion(self) -> ParsedChatCompletion:
        await self.until_done()
        return self._state.final(await self._raw.get_final_completion())

    @property
    def current_completion_snapshot(self) -> ParsedChatCompletion:
        return self._state.current_completion_snapshot()


class AsyncChatCompletionStreamManager:
    """``async with client.chat.completions.stream(...) as stream:``."""

    def __init__(self, make: Callable[[], Any], state: ChatCompletionStreamState) -> None:
        self._make = make
        self._state = state
        self._stream: AsyncChatCompletionStream | None = None

    async def __aenter__(self) -> AsyncChatCompletionStream:
        self._stream = AsyncChatCompletionStream(await self._make(), self._state)
        return self._stream

    async def __aexit__(self, *exc: object) -> None:
        if self._stream is not None:
            await self._stream.close()


def chat_stream(
    res: Any,
    response_format: Any,
    tools: Any,
    extra_headers: Any,
    extra_query: Any,
    extra_body: Any,
    timeout: Any,
    params: dict[str, Any],
) -> Any:
    """``client.chat.completions.stream(...)``: a manager that starts a streamed create."""
    params.pop("stream", None)
    input_tools = list(tools) if _given(tools) else None
    if input_tools is not None:
        params["tools"] = input_tools
    if _given(response_format):
        params["response_format"] = type_to_response_format_param(response_format)
    headers = {"X-Stainless-Helper-Method": "chat.completions.stream", **(extra_headers or {})}
    state = ChatCompletionStreamState(input_tools=input_tools, response_format=response_format)

    def make() -> Any:
        return res.create(
            stream=True,
            extra_headers=headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
            **params,
        )

    if res._aio:
        return AsyncChatCompletionStreamManager(make, state)
    return ChatCompletionStreamManager(make, state)
