"""Chat completions: create, stream, typed message lists, tools, raw responses."""

from __future__ import annotations

import json

from openai_rs import OpenAI, Timeout
from openai_rs.types.chat import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionContentPartParam,
    ChatCompletionMessageParam,
    ChatCompletionMessageToolCall,
    ChatCompletionToolParam,
)

client = OpenAI()


def ask(question: str) -> str:
    messages: list[ChatCompletionMessageParam] = [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": question},
    ]
    completion: ChatCompletion = client.chat.completions.create(
        model="gpt-4o",
        messages=messages,
        temperature=0.2,
        max_tokens=200,
    )
    choice = completion.choices[0]
    if completion.usage is not None:
        print(completion.usage.prompt_tokens, completion.usage.completion_tokens)
    print(choice.finish_reason, completion.id, completion.model)
    return choice.message.content or ""


def stream(question: str) -> str:
    parts: list[str] = []
    response = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": question}],
        stream=True,
    )
    for chunk in response:
        if not chunk.choices:
            continue
        delta = chunk.choices[0].delta.content
        if delta:
            parts.append(delta)
    return "".join(parts)


def collect(chunks: list[ChatCompletionChunk]) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


TOOLS: list[ChatCompletionToolParam] = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get the weather for a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]


def with_tools() -> None:
    messages: list[ChatCompletionMessageParam] = [
        {"role": "user", "content": "What is the weather in Paris?"}
    ]
    completion = client.chat.completions.create(model="gpt-4o", messages=messages, tools=TOOLS)
    message = completion.choices[0].message
    for call in message.tool_calls or []:
        if call.type == "function":
            messages.append({"role": "tool", "tool_call_id": call.id, "content": run_tool(call)})


def run_tool(call: ChatCompletionMessageToolCall) -> str:
    args = json.loads(call.function.arguments)
    return json.dumps({"city": args.get("city", "Paris"), "forecast": "sunny"})


def raw() -> None:
    response = client.chat.completions.with_raw_response.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "Say this is a test"}],
    )
    print(response.headers.get("x-request-id"))
    completion = response.parse()
    print(completion.choices[0].message.content)


def options() -> None:
    completion = client.with_options(max_retries=5, timeout=20.0).chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "Hi"}],
        extra_headers={"x-my-header": "1"},
        extra_query={"trace": "1"},
        extra_body={"custom": True},
        timeout=10,
    )
    print(completion._request_id)


def configured() -> None:
    patient = OpenAI(timeout=Timeout(60.0, read=5.0, write=10.0, connect=2.0), max_retries=0)
    quick = patient.with_options(timeout=Timeout(5.0), default_headers={"x-app": "corpus"})
    print(
        quick.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "Hi"}], timeout=Timeout(2.0)
        ).id
    )
    copied = patient.copy(organization="org-x", default_query={"debug": "1"})
    print(copied.base_url)


def vision(url: str) -> str | None:
    content: list[ChatCompletionContentPartParam] = [
        {"type": "text", "text": "What is in this image?"},
        {"type": "image_url", "image_url": {"url": url, "detail": "low"}},
    ]
    completion = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": content}]
    )
    return completion.choices[0].message.content


def stream_with_context() -> None:
    with client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "Count to 3"}],
        stream=True,
        stream_options={"include_usage": True},
    ) as stream:
        for chunk in stream:
            if chunk.usage is not None:
                print(chunk.usage.total_tokens)


def main() -> None:
    configured()
    print(vision("https://example.com/cat.png"))
    stream_with_context()
    print(ask("Hello"), stream("Hello"))
    with_tools()
    raw()
    options()


if __name__ == "__main__":
    main()
