"""Error handling with the exception classes, the async client and async pagination."""

from __future__ import annotations

import asyncio
from pathlib import Path

import openai_rs
from openai_rs import AsyncOpenAI, DefaultHttpxClient, OpenAI

client = OpenAI(max_retries=0, timeout=20.0)
proxied = OpenAI(http_client=DefaultHttpxClient(proxy="http://proxy.example:3128"))


def handle() -> None:
    try:
        client.files.create(file=open("input.jsonl", "rb"), purpose="fine-tune")  # noqa: SIM115
    except openai_rs.APIConnectionError as e:
        print("The server could not be reached")
        print(e.__cause__)
    except openai_rs.RateLimitError as e:
        print("A 429 status code was received; we should back off a bit.", e.status_code)
    except openai_rs.NotFoundError as e:
        print(e.status_code, e.response.status_code, e.response.headers.get("x-request-id"))
    except openai_rs.APIStatusError as e:
        print(e.status_code, e.response, e.request_id, e.code, e.param, e.type)
    except openai_rs.OpenAIError as e:
        print("other", e)


def timeouts() -> None:
    try:
        client.with_options(timeout=5.0).chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "Hi"}]
        )
    except openai_rs.APITimeoutError:
        print("timed out")
    except openai_rs.BadRequestError as e:
        print(e.message, e.body)


async def run_async() -> None:
    aclient = AsyncOpenAI()
    completion = await aclient.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Say this is a test"}]
    )
    print(completion.choices[0].message.content)
    stream = await aclient.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Count"}], stream=True
    )
    async for chunk in stream:
        if chunk.choices:
            print(chunk.choices[0].delta.content or "", end="")
    embedding = await aclient.embeddings.create(model="text-embedding-3-small", input="x")
    print(len(embedding.data[0].embedding))
    async for model in aclient.models.list():
        print(model.id)
    uploaded = await aclient.files.create(file=Path("data.jsonl"), purpose="batch")
    batch = await aclient.batches.create(
        input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    print(batch.status, (await aclient.batches.retrieve(batch.id)).request_counts)
    async for f in aclient.files.list():
        print(f.filename)
    first = await aclient.files.list(limit=5)
    print([f.id for f in first.data])
    data = await aclient.files.content(uploaded.id)
    print(len(data.content))
    transcript = await aclient.audio.transcriptions.create(
        model="whisper-1", file=Path("speech.mp3")
    )
    print(transcript.text)
    response = await aclient.responses.create(model="gpt-4o", input="Hi")
    print(response.output_text)
    moderation = await aclient.moderations.create(input="text")
    print(moderation.results[0].flagged)
    legacy = await aclient.completions.create(model="gpt-3.5-turbo-instruct", prompt="Hi")
    print(legacy.choices[0].text)
    edited = await aclient.images.edit(image=Path("otter.png"), prompt="Add a hat")
    print(edited.created)
    print((await aclient.models.delete("ft:gpt-4o-mini:org:custom:1")).deleted)
    kept = await aclient.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "keep"}], store=True
    )
    stored = await aclient.chat.completions.retrieve(kept.id)
    print(stored.id)
    async for c in aclient.chat.completions.list(limit=5):
        print(c.id)
    async for m in aclient.chat.completions.messages.list(kept.id):
        print(m.content)
    await aclient.close()


def main() -> None:
    handle()
    timeouts()
    asyncio.run(run_async())


if __name__ == "__main__":
    main()
