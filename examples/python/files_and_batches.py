"""The Batch API: upload a JSONL file of requests, create a batch, poll it, download the output
and join the answers to the questions by ``custom_id`` (output lines come back in any order)."""

import json
import os
import tempfile
import time

from openai_rs import OpenAI

client = OpenAI()
model = os.environ.get("OPENAI_MODEL", "gpt-4o-mini")

questions = {
    "q1": "What is the capital of France?",
    "q2": "What is 2 + 2?",
    "q3": "Name a prime number.",
}

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "requests.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for custom_id, question in questions.items():
            line = {
                "custom_id": custom_id,
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": {"model": model, "messages": [{"role": "user", "content": question}]},
            }
            f.write(json.dumps(line) + "\n")
    # A path (or an open file) is streamed from disk, never read whole into memory.
    batch_input = client.files.create(file=path, purpose="batch")
print("uploaded:", batch_input.filename, batch_input.bytes, "bytes")

batch = client.batches.create(
    input_file_id=batch_input.id, endpoint="/v1/chat/completions", completion_window="24h"
)
print("batch:", batch.status)

# Poll with a growing interval: quick against a test server, gentle on the real API.
delay = 0.2
while batch.status not in ("completed", "failed", "expired", "cancelled"):
    time.sleep(delay)
    delay = min(delay * 2, 60)
    raw = client.batches.with_raw_response.retrieve(batch.id)
    batch = raw.parse()
    print("batch:", batch.status, "| requests left:", raw.headers["x-ratelimit-remaining-requests"])

if batch.status != "completed":
    raise SystemExit(f"batch ended {batch.status}: {batch.errors}")
counts = batch.request_counts
print(f"done: {counts.completed} of {counts.total} succeeded, {counts.failed} failed")

answers = {}
for line in client.files.content(batch.output_file_id).text.splitlines():
    row = json.loads(line)
    message = row["response"]["body"]["choices"][0]["message"]
    answers[row["custom_id"]] = message["content"]
if batch.error_file_id:
    for line in client.files.content(batch.error_file_id).text.splitlines():
        row = json.loads(line)
        answers[row["custom_id"]] = "error: " + json.dumps(row["response"]["body"])

for custom_id, question in questions.items():
    print(f"{custom_id}: {question} -> {answers.get(custom_id, '(missing)')}")

for file_id in (batch_input.id, batch.output_file_id):
    client.files.delete(file_id)
# The list iterates over every page of files.
print("input file still listed:", any(f.id == batch_input.id for f in client.files.list()))
