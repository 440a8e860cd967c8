# Streaming (v1): print the reply as it arrives, then the token usage of the request.
from openai_rs import OpenAI

client = OpenAI()

with client.chat.completions.create(
    model="gpt-4o-mini",
    messages=[{"role": "user", "content": "Write a haiku about recursion."}],
    stream=True,
    stream_options={"include_usage": True},
) as stream:
    finish_reason = None
    for chunk in stream:
        if chunk.usage:
            usage = chunk.usage
        for choice in chunk.choices:
            print(choice.delta.content or "", end="", flush=True)
            finish_reason = choice.finish_reason or finish_reason
print()
print(f"finish_reason: {finish_reason}")
print(f"total tokens: {usage.total_tokens}")
