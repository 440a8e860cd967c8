"""Files (upload, list, retrieve, content), batches and pagination."""

from __future__ import annotations

from pathlib import Path

from openai_rs import OpenAI
from openai_rs.types import Batch, FileObject

client = OpenAI()


def upload(path: Path) -> FileObject:
    with path.open("rb") as f:
        return client.files.create(file=f, purpose="batch")


def upload_path(path: Path) -> FileObject:
    return client.files.create(file=path, purpose="fine-tune")


def list_files() -> list[str]:
    ids: list[str] = []
    for f in client.files.list(purpose="batch"):
        ids.append(f.id)
    first_page = client.files.list(limit=20)
    for f in first_page.data:
        print(f.filename, f.bytes)
    if first_page.has_next_page():
        next_page = first_page.get_next_page()
        print(len(next_page.data))
    for page in first_page.iter_pages():
        ids.extend(f.id for f in page.data)
    return ids


def content(file_id: str) -> bytes:
    info = client.files.retrieve(file_id)
    print(info.filename, info.purpose, info.status)
    return client.files.content(file_id).content


def batch(input_file: FileObject) -> Batch:
    b = client.batches.create(
        input_file_id=input_file.id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"job": "nightly"},
    )
    b = client.batches.retrieve(b.id)
    if b.status == "completed" and b.output_file_id:
        client.files.content(b.output_file_id).write_to_file("out.jsonl")
    for other in client.batches.list(limit=10):
        print(other.id, other.status)
    return client.batches.cancel(b.id)


def main() -> None:
    f = upload(Path("requests.jsonl"))
    print(upload_path(Path("train.jsonl")).id, list_files(), len(content(f.id)), batch(f).id)
    client.files.delete(f.id)


if __name__ == "__main__":
    main()
