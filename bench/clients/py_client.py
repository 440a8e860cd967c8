"""One benchmark client process for the Python SDKs (openai_rs or the official openai).

python py_client.py --sdk openai_rs|openai --mode import|seq|threads|asyncio|stream
                    --base URL [--n N] [--concurrency C] [--seconds S]

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
start = time.perf_counter()
cpu_start = time.process_time()


def one():
    r = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    if not isinstance(r.choices[0].message.content, str):
        raise RuntimeError("no content")


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
        global errors
        aclient = sdk.AsyncOpenAI(api_key="sk-bench", base_url=a.base, max_retries=0)
        per = -(-a.n // a.concurrency)

        async def worker():
            global errors
            for _ in range(per):
                t = time.perf_counter()
                try:
                    r = await aclient.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
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
                extra_headers={"x-mock-fault": "events=99"},
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
            "requests": len(latencies) if a.mode != "import" else 0,
            "errors": errors,
            "chunks": chunks,
            "elapsed_s": time.perf_counter() - start,
            "latencies_ms": latencies,
            "import_ms": (T_READY - T_ARGS) * 1e3,
            "cpu_loop_s": time.process_time() - cpu_start,
            "peak_rss_kib": peak_rss_kib(),
        }
    )
)
