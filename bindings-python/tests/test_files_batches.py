"""Files, uploads and batches against the mock: multipart bodies as the journal saw them,
retries that resend the same bytes, binary answers read in chunks, every page walked once."""

from __future__ import annotations

import asyncio
import io
import json

import pytest

import openai_rs
from conftest import fault
from openai_rs import types
from openai_rs._resources import HttpxBinaryResponseContent

LINE = {
    "method": "POST",
    "url": "/v1/chat/completions",
    "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
}


def jsonl(n: int) -> bytes:
    return b"".join(json.dumps({"custom_id": f"r{i}", **LINE}).encode() + b"\n" for i in range(n))


def only(entries: list[dict], path: str) -> list[dict]:
    return [e for e in entries if e["path"] == path]


# ----------------------------------------------------------------------------------- create


def test_create_from_path_streams_the_file_with_its_name_and_type(client, mock, test_id, tmp_path):
    p = tmp_path / "in.jsonl"
    p.write_bytes(jsonl(3))
    f = client.files.create(file=p, purpose="batch", extra_headers={"x-test-id": test_id})
    assert isinstance(f, types.FileObject)
    assert (f.filename, f.bytes, f.purpose, f.status) == (
        "in.jsonl",
        p.stat().st_size,
        "batch",
        "processed",
    )
    assert f._request_id
    [entry] = mock.journal(test_id)
    parts = {p["name"]: p for p in entry["multipart"]}
    assert parts["file"]["filename"] == "in.jsonl"
    assert parts["file"]["content_type"] == "application/jsonl"
    assert parts["file"]["bytes"] == p.stat().st_size
    assert parts["purpose"]["filename"] is None and parts["purpose"]["bytes"] == len("batch")


@pytest.mark.parametrize(
    ("file", "name", "ctype"),
    [
        (b"raw bytes", "upload", "application/octet-stream"),
        (("notes.txt", b"some text"), "notes.txt", "text/plain"),
        (("data.bin", b"\x00\x01\x02", "application/x-custom"), "data.bin", "application/x-custom"),
        (io.BytesIO(b"in memory"), "upload", "application/octet-stream"),
        (("s.json", '{"text": "in a tuple"}'), "s.json", "application/json"),
    ],
    ids=["bytes", "tuple", "tuple-with-type", "bytesio", "tuple-with-str"],
)
def test_create_from_bytes_tuples_and_buffers(client, mock, test_id, file, name, ctype):
    f = client.files.create(file=file, purpose="user_data", extra_headers={"x-test-id": test_id})
    assert f.filename == name
    [entry] = mock.journal(test_id)
    part = next(p for p in entry["multipart"] if p["name"] == "file")
    assert (part["filename"], part["content_type"], part["bytes"]) == (name, ctype, f.bytes)


def test_create_from_an_open_file_goes_by_its_path(client, mock, test_id, tmp_path):
    p = tmp_path / "open.jsonl"
    p.write_bytes(jsonl(2))
    with open(p, "rb") as fh:
        f = client.files.create(file=fh, purpose="batch", extra_headers={"x-test-id": test_id})
        # Streamed by path: the handle was not read.
        assert fh.tell() == 0
    assert (f.filename, f.bytes) == ("open.jsonl", p.stat().st_size)
    assert client.files.content(f.id).read() == p.read_bytes()
    # A (name, open file) tuple goes by the path too, under the given name.
    with open(p, "rb") as fh:
        named = client.files.create(file=("renamed.jsonl", fh), purpose="batch")
        assert fh.tell() == 0
    assert named.filename == "renamed.jsonl" and named.bytes == p.stat().st_size
    # A file already read from is sent from where it stands, as httpx would.
    with open(p, "rb") as fh:
        fh.readline()
        rest = client.files.create(file=fh, purpose="batch")
    assert client.files.content(rest.id).read() == p.read_bytes().split(b"\n", 1)[1]


def test_multipart_body_byte_for_byte(client, mock, test_id):
    client.files.create(
        file=('a b"c.txt', b"hello\r\n--x", "text/plain"),
        purpose="batch",
        expires_after={"anchor": "created_at", "seconds": 3600},
        extra_headers={"x-test-id": test_id},
    )
    [entry] = mock.journal(test_id)
    ctype = next(v for k, v in entry["headers"] if k == "content-type")
    boundary = ctype.split("boundary=")[1]

    def field(name: str, value: str) -> str:
        return f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'

    expected = (
        field("expires_after[anchor]", "created_at")
        + field("expires_after[seconds]", "3600")
        + field("purpose", "batch")
        + f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        + 'filename="a b%22c.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--x\r\n'
        + f"--{boundary}--\r\n"
    )
    assert entry["body"] == expected
    assert entry["body_bytes"] == len(expected.encode())


def test_a_retried_multipart_upload_sends_the_same_bytes_twice(client, mock, test_id, tmp_path):
    p = tmp_path / "big.jsonl"
    # Over 64 KiB, so the journal keeps a hash of the body instead of the body.
    p.write_bytes(jsonl(2000))
    f = client.files.create(
        file=p, purpose="batch", extra_headers=fault(test_id, "status=500;times=1")
    )
    entries = mock.journal(test_id)
    assert [e["status"] for e in entries] == [500, 200]
    first, second = entries
    assert first["body_bytes"] == second["body_bytes"] > p.stat().st_size
    assert first["body_fnv1a64"] == second["body_fnv1a64"] is not None
    assert client.files.content(f.id).read() == p.read_bytes()
    raw = client.files.with_raw_response.create(
        file=p, purpose="batch", extra_headers=fault(test_id + "r", "status=503;times=1")
    )
    assert raw.retries_taken == 1 and raw.parse().bytes == p.stat().st_size


def test_missing_purpose_is_the_servers_400(client):
    with pytest.raises(openai_rs.BadRequestError) as e:
        client.files.create(file=("a.txt", b"x"), purpose="")
    assert e.value.param == "purpose"


# ------------------------------------------------------------------ retrieve, list, delete


def test_retrieve_delete_and_404(client):
    f = client.files.create(file=("r.txt", b"retrieve me"), purpose="user_data")
    assert client.files.retrieve(f.id) == f
    deleted = client.files.delete(f.id)
    assert isinstance(deleted, types.FileDeleted) and deleted.deleted and deleted.id == f.id
    with pytest.raises(openai_rs.NotFoundError):
        client.files.retrieve(f.id)
    with pytest.raises(openai_rs.NotFoundError):
        client.files.content(f.id)


def test_list_walks_every_page_exactly_once(client, mock, test_id):
    purpose = "evals"  # a purpose no other test uses, so the count is this test's
    made = [client.files.create(file=(f"p{i}.txt", b"x"), purpose=purpose).id for i in range(5)]
    page = client.files.list(purpose=purpose, limit=2, extra_headers={"x-test-id": test_id})
    assert isinstance(page.data[0], types.FileObject) and len(page.data) == 2
    assert page.has_next_page()
    ids = [f.id for f in page]
    assert sorted(ids) == sorted(made) and len(ids) == 5
    requests = only(mock.journal(test_id), "/v1/files")
    # Pages of 2, 2, 1: three requests, each cursor once.
    assert len(requests) == 3
    afters = [q.split("after=")[1].split("&")[0] for q in (r["query"] for r in requests[1:])]
    assert len(set(afters)) == 2
    # Manual paging from the same first page: each page pages on by itself, so asking twice
    # gives the same page, and iterating again walks the same items.
    second = page.get_next_page()
    assert [f.id for f in second.data] == ids[2:4]
    assert [f.id for f in page.get_next_page().data] == ids[2:4]
    third = second.get_next_page()
    assert [f.id for f in third.data] == ids[4:] and not third.has_next_page()
    assert [f.id for f in second] == ids[2:]
    assert [f.id for f in page] == ids


def test_wait_for_processing(client):
    f = client.files.create(file=("w.txt", b"x"), purpose="user_data")
    assert client.files.wait_for_processing(f.id, poll_interval=0.01).status == "processed"


# ------------------------------------------------------------------------------ content


def test_content_read_text_iter_and_write_to_file(client, tmp_path):
    data = bytes(range(256)) * 1000
    f = client.files.create(file=("blob.bin", data), purpose="user_data")
    c = client.files.content(f.id)
    assert isinstance(c, HttpxBinaryResponseContent)
    assert c.status_code == 200 and c.headers["content-type"] == "application/octet-stream"
    chunks = list(c.iter_bytes(chunk_size=1000))
    assert b"".join(chunks) == data and {len(x) for x in chunks} == {1000}
    assert client.files.content(f.id).content == data
    out = tmp_path / "out.bin"
    client.files.content(f.id).write_to_file(out)
    assert out.read_bytes() == data
    client.files.content(f.id).stream_to_file(tmp_path / "s.bin")
    assert (tmp_path / "s.bin").read_bytes() == data
    text = client.files.create(file=("t.txt", "héllo".encode()), purpose="user_data")
    assert client.files.content(text.id).text == "héllo"


def test_content_once_consumed_cannot_be_written_again(client, tmp_path):
    f = client.files.create(file=("x.txt", b"abc"), purpose="user_data")
    c = client.files.content(f.id)
    c.write_to_file(tmp_path / "a")
    with pytest.raises(openai_rs.InvalidArgumentError):
        c.write_to_file(tmp_path / "b")


# -------------------------------------------------------------------------------- uploads


def test_uploads_parts_complete_and_cancel(client, mock, test_id):
    up = client.uploads.create(bytes=6, filename="u.txt", mime_type="text/plain", purpose="batch")
    assert isinstance(up, types.Upload) and up.status == "pending"
    p1 = client.uploads.parts.create(up.id, data=b"abc", extra_headers={"x-test-id": test_id})
    p2 = client.uploads.parts.create(up.id, data=b"def")
    assert isinstance(p1, types.UploadPart) and p1.upload_id == up.id
    [entry] = mock.journal(test_id)
    assert [(p["name"], p["bytes"]) for p in entry["multipart"]] == [("data", 3)]
    done = client.uploads.complete(up.id, part_ids=[p2.id, p1.id])
    assert done.status == "completed" and isinstance(done.file, types.FileObject)
    assert client.files.content(done.file.id).read() == b"defabc"
    other = client.uploads.create(bytes=1, filename="c", mime_type="text/plain", purpose="batch")
    assert client.uploads.cancel(other.id).status == "cancelled"


def test_upload_file_chunked(client, mock, test_id, tmp_path):
    p = tmp_path / "chunked.bin"
    data = bytes(range(256)) * 40  # 10240 bytes: 3 parts of 4096, 4096, 2048
    p.write_bytes(data)
    up = client.uploads.upload_file_chunked(
        file=p, mime_type="application/octet-stream", purpose="batch", part_size=4096
    )
    assert up.status == "completed" and up.file.bytes == len(data) and up.filename == p.name
    assert client.files.content(up.file.id).read() == data
    mem = client.uploads.upload_file_chunked(
        file=b"12345", filename="m.txt", mime_type="text/plain", purpose="batch", part_size=2
    )
    assert client.files.content(mem.file.id).read() == b"12345"


# -------------------------------------------------------------------------------- batches


def test_batch_lifecycle_and_output_joined_by_custom_id(client, test_id):
    f = client.files.create(file=("b.jsonl", jsonl(4)), purpose="batch")
    b = client.batches.create(
        input_file_id=f.id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"job": "t"},
        extra_headers=fault(test_id, "batch-polls=2"),
    )
    assert isinstance(b, types.Batch) and b.status == "validating"
    assert isinstance(b.request_counts, types.BatchRequestCounts)
    statuses = []
    while b.status not in ("completed", "failed"):
        b = client.batches.retrieve(b.id)
        statuses.append(b.status)
    assert statuses == ["in_progress", "completed"]
    assert b.request_counts.completed == 4
    lines = [json.loads(x) for x in client.files.content(b.output_file_id).text.splitlines()]
    assert sorted(x["custom_id"] for x in lines) == [f"r{i}" for i in range(4)]
    assert all(x["response"]["status_code"] == 200 for x in lines)


def test_batch_cancel_and_list_pages(client, mock, test_id):
    f = client.files.create(file=("c.jsonl", jsonl(1)), purpose="batch")
    made = [
        client.batches.create(
            input_file_id=f.id, endpoint="/v1/chat/completions", completion_window="24h"
        ).id
        for _ in range(3)
    ]
    assert client.batches.cancel(made[0]).status == "cancelling"
    assert client.batches.retrieve(made[0]).status == "cancelled"
    with pytest.raises(openai_rs.ConflictError):
        client.batches.cancel(made[0])
    # Newest first; walk until ours are all seen (other tests make batches too).
    seen = []
    for b in client.batches.list(limit=1, extra_headers={"x-test-id": test_id}):
        seen.append(b.id)
        if set(made) <= set(seen):
            break
    assert seen[:3] == made[::-1]
    assert len(mock.journal(test_id)) == 3


# ---------------------------------------------------------------------------------- async


def test_async_files_batches_and_uploads(aclient, mock, test_id, tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_bytes(jsonl(2))

    async def main() -> None:
        f = await aclient.files.create(file=p, purpose="batch")
        assert isinstance(f, types.FileObject) and f.filename == "a.jsonl"
        assert (await aclient.files.retrieve(f.id)).id == f.id
        c = await aclient.files.content(f.id)
        assert await c.aread() == p.read_bytes()
        # `.content` works on the async client too (read synchronously, like the official
        # async client whose answer is read before it is returned).
        assert (await aclient.files.content(f.id)).content == p.read_bytes()
        c2 = await aclient.files.content(f.id)
        assert b"".join([x async for x in c2.aiter_bytes(7)]) == p.read_bytes()
        await (await aclient.files.content(f.id)).awrite_to_file(tmp_path / "o")
        assert (tmp_path / "o").read_bytes() == p.read_bytes()
        more = [
            (await aclient.files.create(file=(f"x{i}", b"x"), purpose="fine-tune")).id
            for i in range(3)
        ]
        ids = [
            x.id
            async for x in aclient.files.list(
                purpose="fine-tune", limit=2, extra_headers={"x-test-id": test_id}
            )
        ]
        assert set(more) <= set(ids) and len(ids) == len(set(ids))
        first = await aclient.files.list(purpose="fine-tune", limit=2)
        assert len(first.data) == 2 and first.has_next_page()
        nxt = [x.id for x in (await first.get_next_page()).data]
        assert nxt == [x.id for x in (await first.get_next_page()).data] == ids[2:4]
        assert [x.id async for x in first] == ids
        assert (await aclient.files.wait_for_processing(f.id, poll_interval=0.01)).id == f.id
        b = await aclient.batches.create(
            input_file_id=f.id,
            endpoint="/v1/chat/completions",
            completion_window="24h",
            extra_headers=fault(test_id + "b", "batch-polls=0"),
        )
        assert b.status == "completed"
        assert (await aclient.batches.retrieve(b.id)).output_file_id == b.output_file_id
        assert b.id in [x.id async for x in aclient.batches.list(limit=100)]
        up = await aclient.uploads.upload_file_chunked(
            file=p, mime_type="text/plain", purpose="batch", part_size=10
        )
        assert (await (await aclient.files.content(up.file.id)).aread()) == p.read_bytes()
        assert (await aclient.files.delete(f.id)).deleted

    asyncio.run(main())
