"""One benchmark client process for the Python SDKs (openai_rs or the official openai).

python py_client.py --sdk openai_rs|openai
                    --mode import|seq|threads|asyncio|stream|rseq|rstream|upload|download|bulk
                    --base URL [--n N] [--concurrency C] [--seconds S] [--file F] [--rpm R]

The same code drives both SDKs: openai_rs is a drop-in replacement, so only the import differs.
Prints one JSON object (latencies in ms, counts, elapsed seconds).
"""

import argparse
import json
import time

T0 = time.perf_counter()

p = argparse.ArgumentParser()
p.add_argument("--sdk", required=True, choices=["openai_rs", "openai"])
p.add_argument("--mode", required=True)
p.add_argument("--base", required=True)
p.add_argument("--n", type=int, default=100)
p.add_argument("--concurrency", type=int, default=64)
p.add_argument("--seconds", type=float, default=30.0)
p.add_argument("--file", default="")
p.add_argument("--rpm", type=int, default=0, help="bulk: openai_rs keeps under R requests/min")
p.add_argument(
    "--fault", default="events=99", help="stream modes: the mock's fault header (one-write, ...)"
)
a = p.parse_args()

T_ARGS = time.perf_counter()
if a.sdk == "openai_rs":
    import openai_rs as sdk
else:
    import openai as sdk
client = sdk.OpenAI(api_key="sk-bench", base_url=a.base, max_retries=0)
T_READY = time.perf_counter()

MESSAGES = [{"role": "user", "content": "Hello!"}]
latencies = []
errors = 0
chunks = 0
rows_done = None  # bulk: rows run (the other modes count their latencies)
rate_limited = None  # bulk: 429s the client saw, when it says
start = time.perf_counter()
cpu_start = time.process_time()


def one():
    r = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    if not isinstance(r.choices[0].message.content, str):
        raise TypeError("no content")


def out_of_time():
    return time.perf_counter() - start > a.seconds


if a.mode == "import":
    latencies.append((T_READY - T_ARGS) * 1e3)
elif a.mode == "seq":
    for _ in range(a.n):
        t = time.perf_counter()
        try:
            one()
        except Exception:
            errors += 1
        latencies.append((time.perf_counter() - t) * 1e3)
        if out_of_time():
            break
elif a.mode == "threads":
    import threading

    lock = threading.Lock()
    per = -(-a.n // a.concurrency)

    def worker():
        global errors
        mine = []
        bad = 0
        for _ in range(per):
            t = time.perf_counter()
            try:
                one()
            except Exception:
                bad += 1
            mine.append((time.perf_counter() - t) * 1e3)
            if out_of_time():
                break
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=worker) for _ in range(a.concurrency)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
elif a.mode == "asyncio":
    import asyncio

    async def main():
        aclient = sdk.AsyncOpenAI(api_key="sk-bench", base_url=a.base, max_retries=0)
        per = -(-a.n // a.concurrency)

        async def worker():
            global errors
            for _ in range(per):
                t = time.perf_counter()
                try:
                    r = await aclient.chat.completions.create(
                        model="gpt-4o-mini", messages=MESSAGES
                    )
                    assert isinstance(r.choices[0].message.content, str)
                except Exception:
                    errors += 1
                latencies.append((time.perf_counter() - t) * 1e3)
                if out_of_time():
                    break

        await asyncio.gather(*(worker() for _ in range(a.concurrency)))
        close = getattr(aclient, "close", None)
        if close is not None:
            res = close()
            if asyncio.iscoroutine(res):
                await res

    asyncio.run(main())
elif a.mode == "stream":
    for _ in range(a.n):
        t = time.perf_counter()
        try:
            s = client.chat.completions.create(
                model="gpt-4o-mini",
                messages=MESSAGES,
                stream=True,
                extra_headers={"x-mock-fault": a.fault},
            )
            for chunk in s:
                if chunk.choices:
                    _ = chunk.choices[0].delta.content
                    chunks += 1
        except Exception:
            errors += 1
        latencies.append((time.perf_counter() - t) * 1e3)
        if out_of_time():
            break
elif a.mode == "rseq":
    # The Responses API, non-streamed: output_text is what callers read.
    for _ in range(a.n):
        t = time.perf_counter()
        try:
            r = client.responses.create(model="gpt-4o-mini", input="Hello!")
            if not isinstance(r.output_text, str):
                raise TypeError("no output_text")
        except Exception:
            errors += 1
        latencies.append((time.perf_counter() - t) * 1e3)
        if out_of_time():
            break
elif a.mode == "rstream":
    # The Responses API streamed: every named event counts.
    for _ in range(a.n):
        t = time.perf_counter()
        try:
            s = client.responses.create(
                model="gpt-4o-mini",
                input="Hello!",
                stream=True,
                extra_headers={"x-mock-fault": a.fault},
            )
            for event in s:
                _ = event.type
                chunks += 1
        except Exception:
            errors += 1
        latencies.append((time.perf_counter() - t) * 1e3)
        if out_of_time():
            break
elif a.mode in ("upload", "download"):
    # A large file up (read from disk by the SDK) or down (streamed, counted, never held).
    import os

    size = os.path.getsize(a.file)
    file_id = None
    if a.mode == "download":
        with open(a.file, "rb") as f:
            file_id = client.files.create(file=f, purpose="user_data").id
    for _ in range(a.n):
        t = time.perf_counter()
        try:
            if file_id is None:
                with open(a.file, "rb") as f:
                    client.files.create(file=f, purpose="user_data")
                chunks += size
            else:
                with client.files.with_streaming_response.content(file_id) as r:
                    for piece in r.iter_bytes():
                        chunks += len(piece)
        except Exception:
            errors += 1
        latencies.append((time.perf_counter() - t) * 1e3)
        if out_of_time():
            break
elif a.mode == "bulk":
    # N chat rows in the Batch API line format, run 64 at a time with each row's result or error
    # kept. openai_rs: one client.bulk call (its pacing, with --rpm, is what bulk-rpm measures).
    # openai: the official SDK's best equivalent, an asyncio.Semaphore loop over AsyncOpenAI,
    # which has no rate limiter of its own (it retries a 429 after retry-after, twice by default).
    rows = [
        {
            "custom_id": f"row-{i}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": "gpt-4o-mini", "messages": MESSAGES},
        }
        for i in range(a.n)
    ]
    # The rows are the caller's data: the clock starts once they exist.
    start = time.perf_counter()
    cpu_start = time.process_time()
    if a.sdk == "openai_rs":
        res = client.bulk(
            rows,
            concurrency=a.concurrency,
            rpm=a.rpm or None,
            max_retries=2,
            progress=False,
        )
        for r in res:
            if not (r.ok and isinstance(r.response.choices[0].message.content, str)):
                errors += 1
        rows_done = len(res)
        rate_limited = res.summary["rate_limited"]
    else:
        import asyncio

        async def bulk_loop():
            global errors, rows_done
            aclient = sdk.AsyncOpenAI(api_key="sk-bench", base_url=a.base)
            sem = asyncio.Semaphore(a.concurrency)
            results = [None] * len(rows)

            async def one_row(i, row):
                async with sem:
                    if out_of_time():
                        return  # not run: the loop is bounded in seconds too
                    t = time.perf_counter()
                    try:
                        r = await aclient.chat.completions.create(**row["body"])
                        if not isinstance(r.choices[0].message.content, str):
                            raise TypeError("no content")
                        results[i] = r
                    except Exception as e:
                        results[i] = e
                    latencies.append((time.perf_counter() - t) * 1e3)

            await asyncio.gather(*(one_row(i, row) for i, row in enumerate(rows)))
            rows_done = sum(r is not None for r in results)
            errors = sum(isinstance(r, Exception) for r in results)
            await aclient.close()

        asyncio.run(bulk_loop())
else:
    raise SystemExit(f"unknown mode {a.mode}")


def peak_rss_kib():
    """This process's own peak RSS. The harness's wait4 figure is no use: a child's ru_maxrss
    starts at the RSS of the harness it was forked from, before the exec."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


print(
    json.dumps(
        {
            "requests": rows_done
            if rows_done is not None
            else (len(latencies) if a.mode != "import" else 0),
            "errors": errors,
            "chunks": chunks,
            "elapsed_s": time.perf_counter() - start,
            "latencies_ms": latencies,
            "import_ms": (T_READY - T_ARGS) * 1e3,
            "cpu_loop_s": time.process_time() - cpu_start,
            "peak_rss_kib": peak_rss_kib(),
            "rate_limited": rate_limited,
        }
    )
)
