"""Structured outputs with pydantic: parse, pydantic_function_tool, the chat stream helper."""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel

import openai_rs
from openai_rs import OpenAI


class Step(BaseModel):
    explanation: str
    output: str


class MathResponse(BaseModel):
    steps: list[Step]
    final_answer: str


class Table(str, Enum):
    orders = "orders"
    customers = "customers"


class Query(BaseModel):
    table_name: Table
    columns: list[str]


client = OpenAI()


def solve() -> MathResponse | None:
    completion = client.chat.completions.parse(
        model="gpt-4o-2024-08-06",
        messages=[
            {"role": "system", "content": "You are a helpful math tutor."},
            {"role": "user", "content": "solve 8x + 31 = 2"},
        ],
        response_format=MathResponse,
    )
    message = completion.choices[0].message
    if message.parsed:
        for step in message.parsed.steps:
            print(step.explanation)
        print(message.parsed.final_answer)
    else:
        print(message.refusal)
    return message.parsed


def tools() -> None:
    completion = client.chat.completions.parse(
        model="gpt-4o-2024-08-06",
        messages=[{"role": "user", "content": "look up all my orders in may"}],
        tools=[openai_rs.pydantic_function_tool(Query)],
    )
    calls = completion.choices[0].message.tool_calls or []
    for call in calls:
        print(call.function.parsed_arguments)


def stream() -> None:
    with client.chat.completions.stream(
        model="gpt-4o-2024-08-06",
        messages=[{"role": "user", "content": "solve 8x + 31 = 2"}],
        response_format=MathResponse,
    ) as s:
        for event in s:
            if event.type == "content.delta":
                print(event.delta, end="")
            elif event.type == "content.done":
                print(event.content)
        final = s.get_final_completion()
    print(final.choices[0].message.parsed)


def main() -> None:
    solve()
    tools()
    stream()


if __name__ == "__main__":
    main()
