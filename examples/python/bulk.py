"""Bulk work: 20 chat requests in the Batch API's line format, run under a rate limit with the
answers appended to a JSONL file; a second run with the same output file skips what is done."""

import json
import os
from pathlib import Path

from openai_rs import OpenAI

client = OpenAI()
model = os.environ.get("OPENAI_MODEL", "gpt-4o-mini")

requests = Path("questions.jsonl")
with requests.open("w", encoding="utf-8") as f:
    for i in range(20):
        body = {"model": model, "messages": [{"role": "user", "content": f"What is {i} + {i}?"}]}
        line = {"custom_id": f"q{i}", "method": "POST", "url": "/v1/chat/completions", "body": body}
        f.write(json.dumps(line) + "\n")

output = Path("answers.jsonl")
output.unlink(missing_ok=True)
results = client.bulk(requests, output=output, concurrency=8, rpm=600, progress=False)
s = results.summary
print(f"first run: {s['ok']} ok, {s['failed']} failed, {s['skipped']} skipped")
first = sorted(results, key=lambda r: r.index)[0]
print("q0:", first.response.choices[0].message.content)

again = client.bulk(requests, output=output, concurrency=8, progress=False)
print(f"second run: {again.summary['ok']} ok, {again.summary['skipped']} skipped")
print("output lines:", len(output.read_text(encoding="utf-8").splitlines()))
