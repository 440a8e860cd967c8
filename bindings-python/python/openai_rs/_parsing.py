"""Structured outputs: ``chat.completions.parse``, ``responses.parse``, ``pydantic_function_tool``.

Loaded only when one of them is used, and it alone imports pydantic, so ``import openai_rs``
stays free of it. The strict schema is built exactly as the official SDK's
``to_strict_json_schema`` builds it (``openai/lib/_pydantic.py``), so the server sees the same
request whichever package sent it::

    class Step(pydantic.BaseModel):
        explanation: str
        output: str

    completion = client.chat.completions.parse(
        model="gpt-4o-mini", messages=[...], response_format=Step
    )
    step = completion.choices[0].message.parsed  # a Step
"""

from __future__ import annotations

import dataclasses
import json
import typing

from ._exceptions import ContentFilterFinishReasonError, LengthFinishReasonError
from .types import (
    NotGiven,
    Omit,
    ParsedChatCompletion,
    ParsedChatCompletionMessage,
    ParsedChoice,
    ParsedFunction,
    ParsedFunctionToolCall,
    ParsedResponse,
    ParsedResponseFunctionToolCall,
    ParsedResponseOutputMessage,
    ParsedResponseOutputText,
)

if typing.TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    import pydantic

__all__ = [
    "PydanticFunctionTool",
    "ResponsesPydanticFunctionTool",
    "pydantic_function_tool",
    "to_strict_json_schema",
    "type_to_response_format_param",
]

_MISSING = object()


def _pydantic() -> Any:
    try:
        import pydantic
    except ImportError:
        raise ImportError(
            "structured outputs (parse, pydantic_function_tool) need pydantic v2: "
            "pip install pydantic"
        ) from None
    return pydantic


def _given(v: Any) -> bool:
    return v is not None and not isinstance(v, (NotGiven, Omit))


# ------------------------------------------------------------------------------ strict schema


def to_strict_json_schema(model: Any) -> dict[str, Any]:
    """The JSON schema the API's strict mode accepts, for a pydantic model class or a
    ``pydantic.TypeAdapter`` (what the official ``to_strict_json_schema`` returns)."""
    pydantic = _pydantic()
    if isinstance(model, type) and issubclass(model, pydantic.BaseModel):
        schema = model.model_json_schema()  # type: ignore[attr-defined]
    elif isinstance(model, pydantic.TypeAdapter):
        schema = model.json_schema()
    else:
        raise TypeError(f"Non BaseModel types are only supported with Pydantic v2 - {model}")
    return _ensure_strict(schema, path=(), root=schema)


def _ensure_strict(
    json_schema: object, *, path: tuple[str, ...], root: dict[str, object]
) -> dict[str, Any]:
    # Mirrors `_ensure_strict_json_schema` step for step: the same order of mutations gives the
    # same key order, so the request body is byte-identical to the official SDK's.
    if not isinstance(json_schema, dict):
        raise TypeError(f"Expected {json_schema} to be a dictionary; path={path}")

    defs = json_schema.get("$defs")
    if isinstance(defs, dict):
        for name, sub in defs.items():
            _ensure_strict(sub, path=(*path, "$defs", name), root=root)

    definitions = json_schema.get("definitions")
    if isinstance(definitions, dict):
        for name, sub in definitions.items():
            _ensure_strict(sub, path=(*path, "definitions", name), root=root)

    if json_schema.get("type") == "object" and "additionalProperties" not in json_schema:
        json_schema["additionalProperties"] = False

    properties = json_schema.get("properties")
    if isinstance(properties, dict):
        json_schema["required"] = list(properties)
        json_schema["properties"] = {
            key: _ensure_strict(sub, path=(*path, "properties", key), root=root)
            for key, sub in properties.items()
        }

    items = json_schema.get("items")
    if isinstance(items, dict):
        json_schema["items"] = _ensure_strict(items, path=(*path, "items"), root=root)

    any_of = json_schema.get("anyOf")
    if isinstance(any_of, list):
        json_schema["anyOf"] = [
            _ensure_strict(v, path=(*path, "anyOf", str(i)), root=root)
            for i, v in enumerate(any_of)
        ]

    all_of = json_schema.get("allOf")
    if isinstance(all_of, list):
        if len(all_of) == 1:
            json_schema.update(_ensure_strict(all_of[0], path=(*path, "allOf", "0"), root=root))
            json_schema.pop("allOf")
        else:
            json_schema["allOf"] = [
                _ensure_strict(e, path=(*path, "allOf", str(i)), root=root)
                for i, e in enumerate(all_of)
            ]

    # A `None` default says nothing the nullable type does not already say.
    if json_schema.get("default", _MISSING) is None:
        json_schema.pop("default")

    # Strict mode refuses a `$ref` with sibling keys (e.g. a description): inline the target,
    # the local keys winning, and make the inlined copy strict too.
    ref = json_schema.get("$ref")
    if ref and len(json_schema) > 1:
        if not isinstance(ref, str):
            raise TypeError(f"Received non-string $ref - {ref}")
        resolved = _resolve_ref(root, ref)
        if not isinstance(resolved, dict):
            raise ValueError(
                f"Expected `$ref: {ref}` to resolved to a dictionary but got {resolved}"
            )
        json_schema.update({**resolved, **json_schema})
        json_schema.pop("$ref")
        return _ensure_strict(json_schema, path=path, root=root)

    return json_schema


def _resolve_ref(root: dict[str, object], ref: str) -> object:
    if not ref.startswith("#/"):
        raise ValueError(f"Unexpected $ref format {ref!r}; Does not start with #/")
    resolved: Any = root
    for key in ref[2:].split("/"):
        resolved = resolved[key]
        if not isinstance(resolved, dict):
            raise ValueError(f"encountered non-dictionary entry while resolving {ref}")
    return resolved


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, _pydantic().BaseModel)


def _adaptable(tp: Any) -> bool:
    """Types that go through ``pydantic.TypeAdapter``: pydantic and stdlib dataclasses and
    ``TypedDict``s."""
    if hasattr(tp, "__pydantic_config__"):
        return True
    if not isinstance(tp, type):
        return False
    # typing_extensions (a pydantic dependency) also knows its own TypedDicts.
    from typing_extensions import is_typeddict

    return dataclasses.is_dataclass(tp) or is_typeddict(tp)


def _schema_source(tp: Any) -> Any:
    if _is_model(tp):
        return tp
    if _adaptable(tp):
        return _pydantic().TypeAdapter(tp)
    raise TypeError(f"Unsupported response_format type - {tp}")


def _validate_json(tp: Any, text: str | bytes) -> Any:
    if _is_model(tp):
        return tp.model_validate_json(text)
    if _adaptable(tp):
        return _pydantic().TypeAdapter(tp).validate_json(text)
    raise TypeError(f"Unable to automatically parse response format type {tp}")


def type_to_response_format_param(response_format: Any) -> Any:
    """``response_format=Model`` → the ``json_schema`` response format the request carries (a
    dict passes through unchanged)."""
    if not _given(response_format) or isinstance(response_format, dict):
        return response_format
    return {
        "type": "json_schema",
        "json_schema": {
            "schema": to_strict_json_schema(_schema_source(response_format)),
            "name": response_format.__name__,
            "strict": True,
        },
    }


# ------------------------------------------------------------------------------ function tools


class PydanticFunctionTool(dict):  # type: ignore[type-arg]
    """The ``function`` of a tool made by ``pydantic_function_tool``: the plain definition, plus
    the model its arguments are parsed into (not sent)."""

    model: Any

    def __init__(self, defn: dict[str, Any], model: Any) -> None:
        super().__init__(defn)
        self.model = model


class ResponsesPydanticFunctionTool(dict):  # type: ignore[type-arg]
    """A Responses function tool that carries the model its arguments are parsed into."""

    model: Any

    def __init__(self, tool: dict[str, Any], model: Any) -> None:
        super().__init__(tool)
        self.model = model


def pydantic_function_tool(
    model: type[pydantic.BaseModel],
    *,
    name: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """A strict function tool whose parameters are ``model``'s schema; ``parse`` then gives
    ``tool_calls[i].function.parsed_arguments`` as a ``model`` instance::

        tools = [openai_rs.pydantic_function_tool(GetWeather)]
    """
    if description is None:
        # Not inspect.getdoc(): that would fall back to pydantic's own docstring.
        description = model.__doc__
    function = PydanticFunctionTool(
        {
            "name": name or model.__name__,
            "strict": True,
            "parameters": to_strict_json_schema(_schema_source(model)),
        },
        model,
    )
    if description is not None:
        function["description"] = description
    return {"type": "function", "function": function}


def _validate_chat_tools(tools: Any) -> list[Any] | None:
    if not _given(tools):
        return None
    tools = list(tools)
    for tool in tools:
        if tool["type"] != "function":
            raise ValueError(
                "Currently only `function` tool types support auto-parsing; "
                f"Received `{tool['type']}`"
            )
        if tool["function"].get("strict") is not True:
            raise ValueError(
                f"`{tool['function']['name']}` is not strict. "
                "Only `strict` function tools can be auto-parsed"
            )
    return tools


def _parse_arguments(fn: Any, arguments: str) -> Any:
    if isinstance(fn, (PydanticFunctionTool, ResponsesPydanticFunctionTool)):
        return _validate_json(fn.model, arguments)
    if not fn.get("strict"):
        return None
    return json.loads(arguments)


# ----------------------------------------------------------------------------- chat completions


def parse_chat_completion(
    *, response_format: Any, input_tools: list[Any] | None, chat_completion: Any
) -> ParsedChatCompletion:
    """The completion as a ``ParsedChatCompletion``: ``message.parsed`` and each strict tool
    call's ``function.parsed_arguments`` filled in."""
    tools = input_tools or []
    rich = _given(response_format) and not isinstance(response_format, dict)
    choices = []
    for choice in chat_completion.get("choices") or ():
        finish = choice.get("finish_reason")
        if finish == "length":
            raise LengthFinishReasonError(completion=chat_completion)
        if finish == "content_filter":
            raise ContentFilterFinishReasonError(completion=chat_completion)
        message: ParsedChatCompletionMessage[Any] = ParsedChatCompletionMessage(
            choice.get("message") or {}
        )
        calls = []
        for call in message.get("tool_calls") or ():
            if call.get("type") != "function":
                calls.append(call)
                continue
            function = ParsedFunction(call.get("function") or {})
            name = function.get("name")
            tool = next(
                (
                    t
                    for t in tools
                    if t.get("type") == "function" and t.get("function", {}).get("name") == name
                ),
                None,
            )
            function["parsed_arguments"] = (
                None if tool is None else _parse_arguments(tool["function"], function.arguments)
            )
            parsed_call = ParsedFunctionToolCall(call)
            parsed_call["function"] = function
            calls.append(parsed_call)
        content = message.get("content")
        message["parsed"] = (
            _validate_json(response_format, content)
            if rich and content and not message.get("refusal")
            else None
        )
        message["tool_calls"] = calls or None
        parsed_choice: ParsedChoice[Any] = ParsedChoice(choice)
        parsed_choice["message"] = message
        choices.append(parsed_choice)
    out: ParsedChatCompletion[Any] = ParsedChatCompletion(chat_completion)
    out["choices"] = choices
    out._request_id = getattr(chat_completion, "_request_id", None)
    return out


def _after(result: Any, aio: bool, post: Callable[[Any], Any]) -> Any:
    """Applies ``post`` to what a create call gave: the object, an ``APIResponse`` (raw mode),
    or, for the async client, an awaitable of either."""
    from ._resources import APIResponse, ResponseContextManager

    if isinstance(result, ResponseContextManager):
        raise TypeError("parse() has no with_streaming_response form; use with_raw_response")

    def apply(r: Any) -> Any:
        if isinstance(r, APIResponse):
            r._parsed = post(r._parsed)
            return r
        return post(r)

    if not aio:
        return apply(result)

    async def run() -> Any:
        return apply(await result)

    return run()


def chat_parse(
    res: Any,
    response_format: Any,
    tools: Any,
    extra_headers: Any,
    extra_query: Any,
    extra_body: Any,
    timeout: Any,
    params: dict[str, Any],
) -> Any:
    """``client.chat.completions.parse(...)``: a plain create with the schema, then parsing."""
    if params.pop("stream", False):
        raise TypeError("parse() does not stream; use client.chat.completions.stream(...)")
    input_tools = _validate_chat_tools(tools)
    if input_tools is not None:
        params["tools"] = input_tools
    if _given(response_format):
        params["response_format"] = type_to_response_format_param(response_format)
    headers = {"X-Stainless-Helper-Method": "chat.completions.parse", **(extra_headers or {})}
    result = res.create(
        extra_headers=headers,
        extra_query=extra_query,
        extra_body=extra_body,
        timeout=timeout,
        **params,
    )
    return _after(
        result,
        res._aio,
        lambda c: parse_chat_completion(
            response_format=response_format, input_tools=input_tools, chat_completion=c
        ),
    )


# ------------------------------------------------------------------------------------ responses


def type_to_text_format_param(tp: Any) -> dict[str, Any]:
    """``text_format=Model`` → the ``text.format`` of a Responses request."""
    rf = type_to_response_format_param(tp)
    return {
        "type": "json_schema",
        "strict": True,
        "name": rf["json_schema"]["name"],
        "schema": rf["json_schema"]["schema"],
    }


def _responses_tools(tools: Any) -> list[Any] | None:
    """Chat-shaped tools from ``pydantic_function_tool`` become Responses function tools."""
    if not _given(tools):
        return None
    out: list[Any] = []
    for tool in tools:
        if tool.get("type") != "function" or "function" not in tool:
            out.append(tool)
            continue
        function = tool["function"]
        if not isinstance(function, PydanticFunctionTool):
            raise TypeError(
                "Expected Chat Completions function tool shape to be created using "
                "`openai_rs.pydantic_function_tool()`"
            )
        new = ResponsesPydanticFunctionTool(
            {
                "type": "function",
                "name": function["name"],
                "description": function.get("description"),
                "parameters": function["parameters"],
                "strict": function.get("strict") or False,
            },
            function.model,
        )
        new.update({k: v for k, v in function.items() if k not in new})
        out.append(new)
    return out


def _parse_text(text: str, text_format: Any, phase: str | None) -> Any:
    # Only a final answer (or a message without a phase) is the structured result.
    if phase is not None and phase != "final_answer":
        return None
    if not _given(text_format):
        return None
    return _validate_json(text_format, text)


def parse_response(*, text_format: Any, input_tools: list[Any] | None, response: Any) -> Any:
    """The response as a ``ParsedResponse``: each ``output_text`` part's ``parsed``, each
    function call's ``parsed_arguments``, and ``output_parsed``."""
    output: list[Any] = []
    for item in response.get("output") or ():
        kind = item.get("type")
        if kind == "message":
            msg = ParsedResponseOutputMessage(item)
            content: list[Any] = []
            for part in item.get("content") or ():
                if part.get("type") != "output_text":
                    content.append(part)
                    continue
                p = ParsedResponseOutputText(part)
                p["parsed"] = _parse_text(part.get("text"), text_format, item.get("phase"))
                content.append(p)
            msg["content"] = content
            output.append(msg)
        elif kind == "function_call":
            call = ParsedResponseFunctionToolCall(item)
            tool = next(
                (
                    t
                    for t in input_tools or ()
                    if t.get("type") == "function" and t.get("name") == item.get("name")
                ),
                None,
            )
            call["parsed_arguments"] = (
                None if tool is None else _parse_arguments(tool, item.get("arguments"))
            )
            output.append(call)
        else:
            output.append(item)
    out: ParsedResponse[Any] = ParsedResponse(response)
    out["output"] = output
    out._request_id = getattr(response, "_request_id", None)
    return out


def prepare_response_body(text_format: Any, tools: Any, body: dict[str, Any]) -> Any:
    """Puts ``text_format`` (as ``text.format``) and ``tools`` (chat-shaped pydantic tools made
    Responses tools) into a Responses request ``body``; the parser of its answer."""
    text: Any = body.get("text")
    if _given(text_format):
        text = dict(text) if _given(text) else {}
        if "format" in text:
            raise TypeError("Cannot mix and match text.format with text_format")
        text["format"] = type_to_text_format_param(text_format)
        body["text"] = text
    input_tools = _responses_tools(tools)
    if input_tools is not None:
        body["tools"] = input_tools
    return lambda r: parse_response(text_format=text_format, input_tools=input_tools, response=r)


def responses_parse(
    res: Any,
    text_format: Any,
    tools: Any,
    text: Any,
    extra_headers: Any,
    extra_query: Any,
    extra_body: Any,
    timeout: Any,
    body: dict[str, Any],
) -> Any:
    """``client.responses.parse(...)``: a plain create with ``text.format``, then parsing."""
    if body.pop("stream", False):
        raise TypeError("parse() does not stream; use client.responses.stream(...)")
    if _given(text):
        body["text"] = text
    post = prepare_response_body(text_format, tools, body)
    result = res.create(
        extra_headers=extra_headers,
        extra_query=extra_query,
        extra_body=extra_body,
        timeout=timeout,
        **body,
    )
    return _after(result, res._aio, post)
