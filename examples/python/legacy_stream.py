# Legacy (v0) streaming with dict-style access, as old tutorials write it.
import openai_rs as openai

response = openai.ChatCompletion.create(
    model="gpt-3.5-turbo",
    messages=[{"role": "user", "content": "Tell me a short joke."}],
    stream=True,
)
for chunk in response:
    if chunk["choices"]:
        print(chunk["choices"][0]["delta"].get("content", "") or "", end="", flush=True)
print()

try:
    openai.Model.retrieve("no-such-model")
except openai.error.InvalidRequestError as e:
    print(f"error: {e.http_status} {e.code}")
