"""Embeddings, images, models and moderations."""

from __future__ import annotations

import base64
from pathlib import Path

from openai_rs import OpenAI
from openai_rs.types import CreateEmbeddingResponse, Model, ModerationCreateResponse

client = OpenAI()


def embed(texts: list[str]) -> list[list[float]]:
    response: CreateEmbeddingResponse = client.embeddings.create(
        model="text-embedding-3-small", input=texts
    )
    print(response.usage.total_tokens)
    return [item.embedding for item in response.data]


def image() -> bytes:
    result = client.images.generate(model="gpt-image-1", prompt="A cute baby sea otter", n=1)
    data = result.data or []
    b64 = data[0].b64_json if data else None
    return base64.b64decode(b64) if b64 else b""


def edit(path: Path) -> str | None:
    with path.open("rb") as f:
        result = client.images.edit(model="gpt-image-1", image=f, prompt="Add a hat")
    variation = client.images.create_variation(image=path, n=1)
    urls = [img.url for img in variation.data or []]
    print(urls)
    return result.data[0].b64_json if result.data else None


def legacy_completion() -> str:
    completion = client.completions.create(
        model="gpt-3.5-turbo-instruct", prompt="Say this is a test", max_tokens=7
    )
    return completion.choices[0].text


def stored(completion_id: str) -> None:
    stored = client.chat.completions.retrieve(completion_id)
    print(stored.model)
    for c in client.chat.completions.list(limit=10):
        print(c.id, c.created)
    for m in client.chat.completions.messages.list(completion_id):
        print(m.role, m.content)
    updated = client.chat.completions.update(completion_id, metadata={"tag": "x"})
    print(updated.id, client.chat.completions.delete(completion_id).deleted)


def models() -> list[str]:
    ids = [m.id for m in client.models.list()]
    model: Model = client.models.retrieve("gpt-4o")
    print(model.owned_by, model.created)
    print(client.models.delete("ft:gpt-4o-mini:org:custom:1").deleted)
    return ids


def moderate(text: str) -> bool:
    response: ModerationCreateResponse = client.moderations.create(
        model="omni-moderation-latest", input=text
    )
    result = response.results[0]
    print(result.categories)
    return result.flagged


def main() -> None:
    print(embed(["hello"]), len(image()), models(), moderate("hi"))
    print(edit(Path("otter.png")), legacy_completion())
    kept = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "keep"}], store=True
    )
    stored(kept.id)


if __name__ == "__main__":
    main()
