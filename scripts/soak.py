#!/usr/bin/env python3
"""`make soak`: Python threads, asyncio tasks and C threads (tests/soak/soak_c.c) drive the mock
server together with a mix of faults for a while, and the run is judged on three things:

* every failure is typed: each fault must end in exactly the exception (or C status) it implies,
  anything else is "untyped" and fails the run;
* nothing hangs: a worker that makes no progress for 30 s, or outlives the run by 30 s, fails it;
* nothing leaks: RSS and open fds of this process and of the C process are sampled every second;
  after a warm-up (a fifth of the run, at least 10 s) RSS may grow by at most --max-rss-growth-mib
  (the mean of the last tenth of samples against the first tenth) and the fd count must be back
  to its post-warm-up value once the work stops.

usage: soak.py --seconds N --mock PATH --c-bin PATH
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import subprocess
import sys
import threading
import time
import uuid

import openai_rs

MSG = [{"role": "user", "content": "one two three four five"}]

# (name, x-mock-fault, stream, expected exception class name or None for success)
MIX = [
    ("ok", "", False, None),
    ("stream-ok", "", True, None),
    ("429-then-ok", "status=429;times=1;retry-after-ms=5", False, None),
    ("429", "status=429;retry-after-ms=5", False, "RateLimitError"),
    ("500", "status=500;retry-after-ms=5", False, "InternalServerError"),
    ("reset", "reset", False, "APIConnectionError"),
    ("malformed-json", "malformed-json", False, "APIResponseDecodeError"),
    ("stall", "delay-headers=2000", False, "APITimeoutError"),
    ("stream-truncated", "truncate-after=2", True, "APIStreamTruncatedError"),
    ("stream-reset", "reset-after=2", True, "APIStreamTruncatedError"),
    ("stream-error-event", "error-after=2", True, "APIStreamError"),
    ("stream-stall", "stall-after=1", True, "APITimeoutError"),
]

TIMEOUT = openai_rs.Timeout(0.3, stream_idle=0.3)


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: collections.Counter[tuple[str, str, str]] = collections.Counter()
        self.untyped: list[str] = []
        self.progress: dict[str, float] = {}

    def record(
        self,
        part: str,
        worker: str,
        name: str,
        want: str | None,
        got: BaseException | None,
    ):
        outcome = "ok" if got is None else type(got).__name__
        with self.lock:
            self.progress[worker] = time.monotonic()
            if (want is None and got is None) or (got is not None and outcome == want):
                self.counts[(part, name, outcome)] += 1
            else:
                self.counts[(part, name, "UNTYPED:" + outcome)] += 1
                if len(self.untyped) < 20:
                    self.untyped.append(
                        f"{part} {name}: wanted {want or 'success'}, got {got!r}"
                    )


def headers(spec: str) -> dict[str, str]:
    h = {"x-test-id": f"soak-{uuid.uuid4().hex[:12]}"}
    if spec:
        h["x-mock-fault"] = spec
    return h


def sync_worker(client, tally: Tally, stop: float, worker: str, seed: int) -> None:
    i = seed
    while time.monotonic() < stop:
        name, spec, stream, want = MIX[i % len(MIX)]
        i += 7
        err: BaseException | None = None
        try:
            r = client.chat.completions.create(
                model="gpt-4o-mini",
                messages=MSG,
                stream=stream,
                extra_headers=headers(spec),
            )
            if stream:
                for _ in r:
                    pass
        except Exception as e:  # noqa: BLE001 - every outcome is judged by its type
            err = e
        tally.record("py-threads", worker, name, want, err)


async def async_worker(
    client, tally: Tally, stop: float, worker: str, seed: int
) -> None:
    i = seed
    while time.monotonic() < stop:
        name, spec, stream, want = MIX[i % len(MIX)]
        i += 5
        err: BaseException | None = None
        try:
            r = await client.chat.completions.create(
                model="gpt-4o-mini",
                messages=MSG,
                stream=stream,
                extra_headers=headers(spec),
            )
            if stream:
                async for _ in r:
                    pass
        except Exception as e:  # noqa: BLE001 - judged by its type, like above
            err = e
        tally.record("py-asyncio", worker, name, want, err)


def asyncio_part(base_url: str, tally: Tally, stop: float, tasks: int) -> None:
    async def main() -> None:
        client = openai_rs.AsyncOpenAI(
            api_key="sk-soak", base_url=base_url, max_retries=1, timeout=TIMEOUT
        )
        await asyncio.gather(
            *(async_worker(client, tally, stop, f"task-{n}", n) for n in range(tasks))
        )
        await client.close()

    asyncio.run(main())


def rss_kib(pid: int | str = "self") -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fds(pid: int | str = "self") -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def trend(samples: list[tuple[float, int]], warm: float) -> tuple[float, float]:
    """(growth in KiB between the first and last tenth after warm-up, slope in KiB/min)."""
    after = [(t, v) for t, v in samples if t >= warm]
    if len(after) < 10:
        return 0.0, 0.0
    k = max(1, len(after) // 10)
    growth = sum(v for _, v in after[-k:]) / k - sum(v for _, v in after[:k]) / k
    n = len(after)
    mt = sum(t for t, _ in after) / n
    mv = sum(v for _, v in after) / n
    var = sum((t - mt) ** 2 for t, _ in after) or 1.0
    slope = sum((t - mt) * (v - mv) for t, v in after) / var * 60.0
    return growth, slope


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--mock", required=True)
    ap.add_argument("--c-bin", required=True)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--tasks", type=int, default=16)
    ap.add_argument("--c-threads", type=int, default=8)
    ap.add_argument("--max-rss-growth-mib", type=float, default=2.0)
    args = ap.parse_args()

    mock = subprocess.Popen(
        [args.mock], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert mock.stdout is not None
    base_url = mock.stdout.readline().strip()
    failures: list[str] = []
    try:
        start = time.monotonic()
        stop = start + args.seconds
        warm = max(10.0, args.seconds / 5)
        tally = Tally()
        cproc = subprocess.Popen(
            [args.c_bin, base_url, str(args.c_threads), str(args.seconds)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert cproc.stdout is not None
        assert cproc.stdout.readline().strip() == "ready"
        client = openai_rs.OpenAI(
            api_key="sk-soak", base_url=base_url, max_retries=1, timeout=TIMEOUT
        )
        workers = [
            threading.Thread(
                target=sync_worker,
                args=(client, tally, stop, f"thread-{n}", n),
                daemon=True,
            )
            for n in range(args.threads)
        ]
        workers.append(
            threading.Thread(
                target=asyncio_part,
                args=(base_url, tally, stop, args.tasks),
                daemon=True,
            )
        )
        for w in workers:
            w.start()
        py_rss: list[tuple[float, int]] = []
        c_rss: list[tuple[float, int]] = []
        py_fds: list[tuple[float, int]] = []
        while time.monotonic() < stop:
            t = time.monotonic() - start
            py_rss.append((t, rss_kib()))
            py_fds.append((t, fds()))
            if cproc.poll() is None:
                try:
                    c_rss.append((t, rss_kib(cproc.pid)))
                except OSError:
                    pass
            with tally.lock:
                stuck = [
                    w for w, at in tally.progress.items() if time.monotonic() - at > 30
                ]
            if stuck:
                failures.append(f"no progress for 30 s: {stuck}")
                break
            time.sleep(1.0)
        for w in workers:
            w.join(30)
        if any(w.is_alive() for w in workers):
            failures.append("Python workers still running 30 s after the end (hang)")
        try:
            c_out, _ = cproc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            cproc.kill()
            c_out, _ = cproc.communicate()
            failures.append("the C soak process hung")
        if cproc.returncode != 0:
            failures.append(f"the C soak process exited with {cproc.returncode}")
        time.sleep(2)  # let closed connections go
        fds_end = fds()
        fds_warm = next(
            (v for t, v in py_fds if t >= warm), py_fds[-1][1] if py_fds else 0
        )

        print(
            f"soak: {args.seconds:.0f} s, {args.threads} Python threads, {args.tasks} asyncio tasks, {args.c_threads} C threads"
        )
        total = collections.Counter()
        for (part, name, outcome), n in sorted(tally.counts.items()):
            print(f"  {part:10} {name:20} {outcome:28} {n}")
            total[part] += n
        for line in c_out.splitlines():
            print("  " + line)
            if line.startswith("c "):
                total["c-threads"] += sum(
                    int(kv.split("=")[1]) for kv in line.split()[2:]
                )
        print("  requests: " + ", ".join(f"{k} {v}" for k, v in sorted(total.items())))
        untyped = sum(
            n for (_, _, o), n in tally.counts.items() if o.startswith("UNTYPED")
        )
        if untyped:
            failures.append(
                f"{untyped} untyped failures in Python: " + "; ".join(tally.untyped)
            )
        for label, samples in (("python", py_rss), ("c", c_rss)):
            growth, slope = trend(samples, warm)
            first = samples[0][1] if samples else 0
            last = samples[-1][1] if samples else 0
            print(
                f"  {label} RSS: {first / 1024:.1f} -> {last / 1024:.1f} MiB; after warm-up "
                f"growth {growth / 1024:+.2f} MiB, slope {slope:+.1f} KiB/min"
            )
            if args.seconds >= 30 and growth > args.max_rss_growth_mib * 1024:
                failures.append(
                    f"{label} RSS grew {growth / 1024:.2f} MiB after warm-up"
                )
        print(f"  python fds: after warm-up {fds_warm}, at the end {fds_end}")
        if fds_end > fds_warm:
            failures.append(f"fds not back to baseline: {fds_warm} -> {fds_end}")
    finally:
        mock.terminate()
        mock.wait(10)
    for f in failures:
        print("soak: FAIL " + f)
    print("soak: " + ("passed" if not failures else "failed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
