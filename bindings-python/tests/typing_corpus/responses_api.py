"""The Responses API: create, stream, parse."""

from __future__ import annotations

from pydantic import BaseModel

from openai_rs import OpenAI
from openai_rs.types.responses import Response, ResponseInputParam

client = OpenAI()


def create() -> str:
    response = client.responses.create(
        model="gpt-4o",
        instructions="You are a coding assistant that talks like a pirate.",
        input="How do I check if a Python object is an instance of a class?",
    )
    print(response.id, response.status)
    return response.output_text


def conversation() -> Response:
    items: ResponseInputParam = [
        {"role": "user", "content": "knock knock."},
        {"role": "assistant", "content": "Who's there?"},
        {"role": "user", "content": "Orange."},
    ]
    first = client.responses.create(model="gpt-4o", input=items)
    return client.responses.create(model="gpt-4o", input="and then?", previous_response_id=first.id)


def stream() -> None:
    events = client.responses.create(model="gpt-4o", input="Write a haiku.", stream=True)
    for event in events:
        if event.type == "response.output_text.delta":
            print(event.delta, end="")


def stream_manager() -> None:
    with client.responses.stream(model="gpt-4o", input="Write a haiku.") as stream:
        for event in stream:
            if event.type == "response.output_text.delta":
                print(event.delta, end="")
        final = stream.get_final_response()
    print(final.output_text)


class CalendarEvent(BaseModel):
    name: str
    date: str
    participants: list[str]


def parse() -> CalendarEvent | None:
    response = client.responses.parse(
        model="gpt-4o",
        input=[
            {"role": "system", "content": "Extract the event information."},
            {"role": "user", "content": "Alice and Bob are going to a science fair on Friday."},
        ],
        text_format=CalendarEvent,
    )
    event = response.output_parsed
    if event is not None:
        print(event.name, event.participants)
    return event


def main() -> None:
    print(create(), conversation().output_text)
    stream()
    stream_manager()
    parse()


if __name__ == "__main__":
    main()
