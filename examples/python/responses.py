"""The Responses API: a response, the same request streamed, and a function call round trip."""

import json
import os

from openai_rs import OpenAI

client = OpenAI()
model = os.environ.get("OPENAI_MODEL", "gpt-4o-mini")

resp = client.responses.create(
    model=model, instructions="Be brief.", input="Explain recursion in one sentence."
)
print("output_text:", resp.output_text)
print("tokens:", resp.usage.input_tokens, "input +", resp.usage.output_tokens, "output")

with client.responses.stream(model=model, input="Explain recursion in one sentence.") as stream:
    print("streamed: ", end="")
    for text in stream.text_deltas:
        print(text, end="", flush=True)
    print("\nfinal status:", stream.get_final_response().status)

tools = [
    {
        "type": "function",
        "name": "get_weather",
        "description": "The current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    }
]
question = [{"role": "user", "content": "What is the weather in Paris?"}]
first = client.responses.create(model=model, input=question, tools=tools)
calls = [item for item in first.output if item.type == "function_call"]
for call in calls:
    print("function call:", call.name, json.loads(call.arguments))
if calls:
    answers = [
        {"type": "function_call_output", "call_id": c.call_id, "output": "sunny, 21 C"}
        for c in calls
    ]
    final = client.responses.create(
        model=model, input=question + [dict(c) for c in calls] + answers, tools=tools
    )
    print("answer:", final.output_text)
else:
    print("answer:", first.output_text)
