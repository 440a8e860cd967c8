# asyncio: several requests at once on one AsyncOpenAI client, then an async stream.
import asyncio

from openai_rs import AsyncOpenAI


async def main() -> None:
    client = AsyncOpenAI()
    questions = ["What is a monad?", "What is a closure?", "What is a coroutine?"]
    replies = await asyncio.gather(
        *(
            client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": q}], max_tokens=60
            )
            for q in questions
        )
    )
    for q, r in zip(questions, replies):
        print(f"Q: {q}\nA: {r.choices[0].message.content}")

    stream = await client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Count to five."}],
        stream=True,
    )
    async with stream:
        async for chunk in stream:
            for choice in chunk.choices:
                print(choice.delta.content or "", end="", flush=True)
    print()
    await client.close()


asyncio.run(main())
