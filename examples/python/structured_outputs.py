"""Structured outputs: a pydantic model as the response format (chat and Responses API), and a
strict function tool whose arguments come back parsed. Needs pydantic (pip install pydantic)."""

import os

from pydantic import BaseModel

from openai_rs import OpenAI, pydantic_function_tool


class CalendarEvent(BaseModel):
    name: str
    date: str
    participants: list[str]


class GetWeather(BaseModel):
    """The current weather in a city."""

    city: str


client = OpenAI()
model = os.environ.get("OPENAI_MODEL", "gpt-4o-mini")
prompt = "Alice and Bob are going to a science fair on Friday."

completion = client.chat.completions.parse(
    model=model,
    messages=[
        {"role": "system", "content": "Extract the event information."},
        {"role": "user", "content": prompt},
    ],
    response_format=CalendarEvent,
)
event = completion.choices[0].message.parsed
print("chat parsed:", type(event).__name__, event.name if event else None)

response = client.responses.parse(model=model, input=prompt, text_format=CalendarEvent)
print("responses parsed:", type(response.output_parsed).__name__)

tooled = client.chat.completions.parse(
    model=model,
    messages=[{"role": "user", "content": "Paris"}],
    tools=[pydantic_function_tool(GetWeather)],
)
for call in tooled.choices[0].message.tool_calls or []:
    print("tool:", call.function.name, call.function.parsed_arguments)
