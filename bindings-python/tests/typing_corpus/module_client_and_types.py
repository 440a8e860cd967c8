"""The module-level client and the type imports current code uses."""

from __future__ import annotations

import json
import os

import openai_rs
from openai_rs.types import ChatModel, Embedding, ImagesResponse
from openai_rs.types.chat import ChatCompletionAssistantMessageParam
from openai_rs.types.chat.completion_create_params import ResponseFormat
from openai_rs.types.responses import (
    FunctionToolParam,
    ResponseFunctionToolCall,
    ResponseInputItemParam,
    ResponseOutputMessage,
    ToolParam,
)
from openai_rs.types.shared_params import ResponseFormatJSONSchema

openai_rs.api_key = os.environ.get("OPENAI_API_KEY")
openai_rs.max_retries = 3

MODEL: ChatModel = "gpt-4o-mini"

JSON_FORMAT: ResponseFormat = {"type": "json_object"}
SCHEMA: ResponseFormatJSONSchema = {
    "type": "json_schema",
    "json_schema": {
        "name": "answer",
        "schema": {"type": "object", "properties": {"a": {"type": "string"}}},
        "strict": True,
    },
}

WEATHER: FunctionToolParam = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    "strict": False,
}
TOOLS: list[ToolParam] = [WEATHER]


def module_level() -> str | None:
    completion = openai_rs.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Hi"}], response_format=SCHEMA
    )
    reply: ChatCompletionAssistantMessageParam = {
        "role": "assistant",
        "content": completion.choices[0].message.content,
    }
    print(reply)
    return completion.choices[0].message.content


def tool_round_trip() -> None:
    client = openai_rs.OpenAI()
    inputs: list[ResponseInputItemParam] = [{"role": "user", "content": "Weather in Paris?"}]
    response = client.responses.create(model=MODEL, input=inputs, tools=TOOLS)
    for item in response.output:
        if isinstance(item, ResponseFunctionToolCall):
            args = json.loads(item.arguments)
            inputs.append(
                {"type": "function_call_output", "call_id": item.call_id, "output": str(args)}
            )
        elif isinstance(item, ResponseOutputMessage):
            print(item.content)
    if response.usage is not None:
        print(response.usage.input_tokens, response.usage.output_tokens)


def vectors(items: list[Embedding]) -> list[list[float]]:
    return [e.embedding for e in items]


def first_url(images: ImagesResponse) -> str | None:
    return images.data[0].url if images.data else None


def main() -> None:
    print(module_level(), vectors([]), first_url(ImagesResponse.construct()))
    tool_round_trip()


if __name__ == "__main__":
    main()
