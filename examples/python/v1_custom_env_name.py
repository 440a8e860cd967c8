# A custom environment variable name for the key.
import os
from openai_rs import OpenAI

client = OpenAI(
    api_key=os.environ.get("CUSTOM_ENV_NAME"),
)
print(client.chat.completions.create(
    model="gpt-3.5-turbo",
    messages=[{"role": "user", "content": "Hello!"}],
).choices[0].message.content)
