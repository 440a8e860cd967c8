"""Response objects.

Every JSON object of a response is a ``dict`` subclass, built in Rust straight from the raw
response body (one pass, no validation layer). So both styles work, in any mix::

    resp.choices[0].message.content
    resp["choices"][0]["message"]["content"]
    resp.choices[0].message["content"]
    resp.choices[0].message.get("content")

Known fields that the server left out read as ``None`` (like the official SDK's optional fields);
unknown fields sent by the server are kept and reachable both ways. ``to_dict()`` /
``model_dump()`` give plain dicts, ``to_json()`` / ``model_dump_json()`` JSON text, and
``json.dumps(resp)`` works too.

The field annotations below are the single source of truth: they give the attribute names and
tell the Rust converter which class to build at each position.
"""

try:  # the C module behind `operator`, without the cost of importing `operator`
    from _operator import methodcaller
except ImportError:  # pragma: no cover - other interpreters
    from operator import methodcaller

from . import _native

# `typing` costs milliseconds to import; only type checkers need it. The field annotations below
# are evaluated at class creation (cheaply, no `from __future__ import annotations`), with `Any`
# standing for "any value".
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any, ClassVar
else:
    Any = object

__all__ = [
    "NOT_GIVEN",
    "CallReport",
    "ChatCompletion",
    "ChatCompletionAudio",
    "ChatCompletionChunk",
    "ChatCompletionMessage",
    "ChatCompletionMessageToolCall",
    "ChatCompletionTokenLogprob",
    "Choice",
    "ChoiceDelta",
    "ChoiceDeltaFunctionCall",
    "ChoiceDeltaToolCall",
    "ChoiceDeltaToolCallFunction",
    "ChoiceLogprobs",
    "ChunkChoice",
    "CompletionTokensDetails",
    "CompletionUsage",
    "ConversationReply",
    "ConversationUsage",
    "CreateEmbeddingResponse",
    "Embedding",
    "EmbeddingUsage",
    "Function",
    "FunctionCall",
    "Image",
    "ImagesResponse",
    "Model",
    "ModelsPage",
    "NotGiven",
    "Omit",
    "OpenAIObject",
    "PromptTokensDetails",
    "TopLogprob",
    "not_given",
    "omit",
]


class NotGiven:
    """The "argument not given" sentinel (``openai_rs.NOT_GIVEN``); such arguments are not sent."""

    __slots__ = ()

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"


class Omit:
    """``omit``: leave this argument (or, in ``extra_headers``, this header) out of the request."""

    __slots__ = ()

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "omit"

    def __reduce__(self) -> str:
        return "omit"


NOT_GIVEN = NotGiven()
not_given = NOT_GIVEN
omit = Omit()

_DICT_NAMES = frozenset(dir(dict))


def _node(tp: Any) -> tuple[int, type | None]:
    """(0, None) any value; (1, cls) an object of cls; (2, cls) a list of cls objects."""
    args = getattr(tp, "__args__", ())
    if getattr(tp, "__origin__", None) is list:
        kind, cls = _node(args[0]) if args else (0, None)
        return (2, cls) if kind == 1 else (0, None)
    if isinstance(tp, type):
        return (1, tp) if issubclass(tp, OpenAIObject) else (0, None)
    real = [a for a in args if a is not type(None)]
    return _node(real[0]) if len(real) == 1 else (0, None)


def _field(name: str) -> property:
    def fset(self: dict[str, Any], value: Any) -> None:
        self[name] = value

    def fdel(self: dict[str, Any]) -> None:
        self.pop(name, None)

    return property(methodcaller("get", name), fset, fdel)


def _plain(v: Any, exclude_none: bool) -> Any:
    if isinstance(v, dict):
        return {
            k: _plain(x, exclude_none) for k, x in v.items() if not (exclude_none and x is None)
        }
    if isinstance(v, list):
        return [_plain(x, exclude_none) for x in v]
    return v


def _rebuild(
    cls: "type[OpenAIObject]", data: dict[str, Any], request_id: str | None
) -> "OpenAIObject":
    obj = cls(data)
    if request_id is not None:
        object.__setattr__(obj, "_request_id", request_id)
    return obj


class OpenAIObject(dict):  # type: ignore[type-arg]
    """Base of every response object: a ``dict`` with attribute access."""

    __slots__ = ("_request_id",)
    _schema: "ClassVar[dict[str, tuple[int, type | None]]]" = {}  # noqa: RUF012

    if TYPE_CHECKING:
        _request_id: str | None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        schema = dict(cls._schema)
        for name, tp in cls.__annotations__.items():
            if name.startswith("_"):
                continue
            schema[name] = _node(tp)
            if name not in _DICT_NAMES:
                setattr(cls, name, _field(name))
        cls._schema = schema

    def __getattr__(self, name: str) -> Any:
        if name[:2] != "__":
            try:
                return self[name]
            except KeyError:
                if name == "_request_id":
                    return None
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name[:1] == "_":
            object.__setattr__(self, name, value)
        else:
            self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __dir__(self) -> list[str]:
        return sorted(set(dir(type(self))) | {k for k in self if isinstance(k, str)})

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.items())})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), dict(self), self._request_id))

    def to_dict(
        self,
        *,
        mode: str = "python",
        use_api_names: bool = True,
        exclude_unset: bool = True,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        warnings: bool = True,
    ) -> dict[str, Any]:
        """A plain ``dict`` (nested objects become plain dicts and lists)."""
        return _plain(self, exclude_none)  # type: ignore[no-any-return]

    def model_dump(
        self,
        *,
        mode: str = "python",
        include: Any = None,
        exclude: Any = None,
        by_alias: bool | None = None,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        round_trip: bool = False,
        warnings: bool | str = True,
    ) -> dict[str, Any]:
        """Same as ``to_dict()`` (pydantic's name)."""
        return _plain(self, exclude_none)  # type: ignore[no-any-return]

    def to_json(
        self,
        *,
        indent: int | None = 2,
        use_api_names: bool = True,
        exclude_unset: bool = True,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        warnings: bool = True,
    ) -> str:
        """JSON text (indented by 2 by default, like the official ``to_json``)."""
        return _native.dumps(_plain(self, True) if exclude_none else self, indent)

    def model_dump_json(
        self,
        *,
        indent: int | None = None,
        include: Any = None,
        exclude: Any = None,
        by_alias: bool | None = None,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        round_trip: bool = False,
        warnings: bool | str = True,
    ) -> str:
        """Compact JSON text (pydantic's name)."""
        return _native.dumps(_plain(self, True) if exclude_none else self, indent)


# ---------------------------------------------------------------------------- chat completions


class CompletionTokensDetails(OpenAIObject):
    __slots__ = ()
    accepted_prediction_tokens: int | None
    audio_tokens: int | None
    reasoning_tokens: int | None
    rejected_prediction_tokens: int | None


class PromptTokensDetails(OpenAIObject):
    __slots__ = ()
    audio_tokens: int | None
    cached_tokens: int | None


class CompletionUsage(OpenAIObject):
    __slots__ = ()
    completion_tokens: int
    prompt_tokens: int
    total_tokens: int
    completion_tokens_details: CompletionTokensDetails | None
    prompt_tokens_details: PromptTokensDetails | None


class Function(OpenAIObject):
    """The function a tool call invokes; ``arguments`` is JSON text written by the model."""

    __slots__ = ()
    arguments: str
    name: str


class FunctionCall(OpenAIObject):
    """The legacy ``function_call`` of a message."""

    __slots__ = ()
    arguments: str
    name: str


class ChatCompletionMessageToolCall(OpenAIObject):
    __slots__ = ()
    id: str
    function: Function
    type: str


class ChatCompletionAudio(OpenAIObject):
    __slots__ = ()
    id: str
    data: str
    expires_at: int
    transcript: str


class ChatCompletionMessage(OpenAIObject):
    __slots__ = ()
    content: str | None
    refusal: str | None
    role: str
    annotations: list[Any] | None
    audio: ChatCompletionAudio | None
    function_call: FunctionCall | None
    tool_calls: list[ChatCompletionMessageToolCall] | None


class TopLogprob(OpenAIObject):
    __slots__ = ()
    token: str
    bytes: list[int] | None
    logprob: float


class ChatCompletionTokenLogprob(OpenAIObject):
    __slots__ = ()
    token: str
    bytes: list[int] | None
    logprob: float
    top_logprobs: list[TopLogprob]


class ChoiceLogprobs(OpenAIObject):
    __slots__ = ()
    content: list[ChatCompletionTokenLogprob] | None
    refusal: list[ChatCompletionTokenLogprob] | None


class Choice(OpenAIObject):
    __slots__ = ()
    finish_reason: str
    index: int
    logprobs: ChoiceLogprobs | None
    message: ChatCompletionMessage


class ChatCompletion(OpenAIObject):
    __slots__ = ()
    id: str
    choices: list[Choice]
    created: int
    model: str
    object: str
    service_tier: str | None
    system_fingerprint: str | None
    usage: CompletionUsage | None


# ----------------------------------------------------------------------------------- streaming


class ChoiceDeltaFunctionCall(OpenAIObject):
    __slots__ = ()
    arguments: str | None
    name: str | None


class ChoiceDeltaToolCallFunction(OpenAIObject):
    __slots__ = ()
    arguments: str | None
    name: str | None


class ChoiceDeltaToolCall(OpenAIObject):
    __slots__ = ()
    index: int
    id: str | None
    function: ChoiceDeltaToolCallFunction | None
    type: str | None


class ChoiceDelta(OpenAIObject):
    __slots__ = ()
    content: str | None
    function_call: ChoiceDeltaFunctionCall | None
    refusal: str | None
    role: str | None
    tool_calls: list[ChoiceDeltaToolCall] | None


class ChunkChoice(OpenAIObject):
    """A choice of a stream chunk (the official SDK's ``chat_completion_chunk.Choice``)."""

    __slots__ = ()
    delta: ChoiceDelta
    finish_reason: str | None
    index: int
    logprobs: ChoiceLogprobs | None


class ChatCompletionChunk(OpenAIObject):
    __slots__ = ()
    id: str
    choices: list[ChunkChoice]
    created: int
    model: str
    object: str
    service_tier: str | None
    system_fingerprint: str | None
    usage: CompletionUsage | None


# -------------------------------------------------------------------- images, embeddings, models


class Image(OpenAIObject):
    __slots__ = ()
    b64_json: str | None
    revised_prompt: str | None
    url: str | None


class ImagesResponse(OpenAIObject):
    __slots__ = ()
    created: int
    background: str | None
    data: list[Image] | None
    output_format: str | None
    quality: str | None
    size: str | None
    usage: Any


class Embedding(OpenAIObject):
    __slots__ = ()
    embedding: list[float]
    index: int
    object: str


class EmbeddingUsage(OpenAIObject):
    """The usage of an embeddings call (the official SDK's ``create_embedding_response.Usage``)."""

    __slots__ = ()
    prompt_tokens: int
    total_tokens: int


class CreateEmbeddingResponse(OpenAIObject):
    __slots__ = ()
    data: list[Embedding]
    model: str
    object: str
    usage: EmbeddingUsage


class Model(OpenAIObject):
    __slots__ = ()
    id: str
    created: int
    object: str
    owned_by: str


class ModelsPage(OpenAIObject):
    """``models.list()``: iterating yields the models (like the official ``SyncPage[Model]``)."""

    __slots__ = ()
    data: list[Model]
    object: str

    def __iter__(self) -> "Iterator[Model]":  # type: ignore[override]
        return iter(self.get("data") or ())

    def has_next_page(self) -> bool:
        return False


# -------------------------------------------------------------------------------- conversations


class CallReport(OpenAIObject):
    """What one ``Conversation`` call did: the API's usage, its cost in USD (``None`` when the
    model has no known price), and the history indices of the messages left out of the request
    to fit the context window (``dropped``, oldest first)."""

    __slots__ = ()
    model: str
    usage: CompletionUsage
    usage_estimated: bool
    cost_usd: float | None
    estimated_prompt_tokens: int
    dropped: list[int]
    finish_reason: str | None


class ConversationUsage(OpenAIObject):
    """Usage summed over a ``Conversation``'s calls (``cost_usd`` leaves out unpriced calls)."""

    __slots__ = ()
    calls: int
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cached_tokens: int
    reasoning_tokens: int
    cost_usd: float
    unpriced_calls: int


class ConversationReply(OpenAIObject):
    """A ``Conversation`` reply, already appended to the history. ``str(reply)`` is its text::

    reply = conv.send("Hello!")
    print(reply, reply.usage.total_tokens, reply.cost, reply.dropped)
    """

    __slots__ = ()
    message: ChatCompletionMessage
    completion: ChatCompletion
    report: CallReport

    @property
    def content(self) -> str:
        """The reply's text (empty for a tool-call-only reply)."""
        return self.message.content or ""

    @property
    def usage(self) -> CompletionUsage:
        return self.report.usage

    @property
    def cost(self) -> float | None:
        """USD, ``None`` when the model has no known price."""
        return self.report.cost_usd

    @property
    def dropped(self) -> list[int]:
        """History indices left out of this request to fit the context window."""
        return self.report.dropped

    @property
    def finish_reason(self) -> str | None:
        return self.report.finish_reason

    def __str__(self) -> str:
        return self.content
