"""Bulk runs: many chat, responses or embeddings requests under a rate limit (``client.bulk``).

The work happens in the native core (pacing, shared pauses after 429s, retries, the resumable
output file); this module only starts a run, draws its progress and wraps the results.
"""

from __future__ import annotations

import asyncio
import gc
import importlib.util
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TextIO

from . import _native

ProgressArg = bool | Callable[[dict[str, Any]], None] | None

# How often the progress display is refreshed (and how soon Ctrl-C is noticed).
_TICK = 0.1


class BulkResult:
    """One row's outcome: ``response`` (a ``ChatCompletion``, ``Response`` or
    ``CreateEmbeddingResponse``, built from the answer on first use) or ``error`` (the
    exception a single call would have raised).

    >>> for r in results:
    ...     print(r.custom_id, r.response if r.ok else r.error)
    """

    __slots__ = (
        "_answer",
        "_response",
        "custom_id",
        "error",
        "index",
        "request_id",
        "retries",
        "status_code",
    )
    _FIELDS = ("index", "custom_id", "response", "error", "status_code", "request_id", "retries")

    def __init__(
        self,
        index: int,
        custom_id: str,
        response: Any,
        error: Exception | None,
        status_code: int,
        request_id: str | None,
        retries: int,
    ) -> None:
        self.index = index
        self.custom_id = custom_id
        # A native Answer becomes the response object when `response` is first read.
        lazy = isinstance(response, _native.Answer)
        self._answer: _native.Answer | None = response if lazy else None
        self._response: Any = None if lazy else response
        self.error = error
        self.status_code = status_code
        self.request_id = request_id
        self.retries = retries

    @property
    def response(self) -> Any:
        if self._answer is not None:
            self._response, self._answer = self._answer.build(), None
        return self._response

    @property
    def ok(self) -> bool:
        return self.error is None

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f) for f in self._FIELDS)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BulkResult):
            return NotImplemented
        return self._values() == other._values()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        fields = ", ".join(f"{f}={v!r}" for f, v in zip(self._FIELDS, self._values(), strict=True))
        return f"BulkResult({fields})"

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (BulkResult, self._values())


class BulkResults(list[BulkResult]):
    """The rows of a run (as completed, or in input order), plus ``summary``: rows ok / failed /
    skipped (already in the output file) / not_run (cost budget), tokens, cost_usd, elapsed,
    rate_limited (429s seen) and pauses (shared waits after them).

    >>> results = client.bulk("in.jsonl", output="out.jsonl", rpm=500)
    >>> results.summary["ok"], results.summary["cost_usd"]
    """

    summary: dict[str, Any]

    def __init__(self, rows: Iterable[BulkResult], summary: dict[str, Any]) -> None:
        super().__init__(rows)
        self.summary = summary

    @property
    def failed(self) -> list[BulkResult]:
        return [r for r in self if not r.ok]


def _fmt_secs(s: float | None) -> str:
    if s is None:
        return "?"
    s = int(s)
    return (
        f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
    )


def describe(p: Mapping[str, Any]) -> str:
    """One line of progress: ``120/1000 ok 118 failed 2 | 40.1/s | 12,345 tok | $0.0123``."""
    total = p.get("total")
    done = p["done"]
    head = f"{done}/{total}" if total is not None else f"{done}"
    return (
        f"{head} failed {p['failed']} in flight {p['in_flight']} | {p['rows_per_sec']:.1f}/s"
        f" | {p['prompt_tokens'] + p['completion_tokens']:,} tok | ${p['cost_usd']:.4f}"
        f" | 429s {p['rate_limited']} | ETA {_fmt_secs(p.get('eta'))}"
    )


class _LineBar:
    """The built-in bar: one line on a terminal, redrawn in place."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.width = 0

    def update(self, p: Mapping[str, Any]) -> None:
        total = p.get("total")
        bar = ""
        if total:
            filled = int(20 * min(p["done"], total) / total)
            bar = "[" + "#" * filled + "." * (20 - filled) + "] "
        text = bar + describe(p)
        self.out.write("\r" + text.ljust(self.width))
        self.out.flush()
        self.width = len(text)

    def close(self) -> None:
        self.out.write("\n")
        self.out.flush()


class _TqdmBar:
    def __init__(self) -> None:
        from tqdm import tqdm  # type: ignore[import-untyped,unused-ignore]

        self.bar = tqdm(unit="row", dynamic_ncols=True)

    def update(self, p: Mapping[str, Any]) -> None:
        if p.get("total") is not None and self.bar.total != p["total"]:
            self.bar.total = p["total"]
        self.bar.n = p["done"]
        self.bar.set_postfix_str(
            f"failed {p['failed']}, {p['prompt_tokens'] + p['completion_tokens']:,} tok, "
            f"${p['cost_usd']:.4f}, 429s {p['rate_limited']}",
            refresh=False,
        )
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()


class _Callback:
    def __init__(self, fn: Callable[[dict[str, Any]], None]) -> None:
        self.fn = fn

    def update(self, p: dict[str, Any]) -> None:
        self.fn(p)

    def close(self) -> None:
        pass


class _NoBar:
    def update(self, p: dict[str, Any]) -> None:
        pass

    def close(self) -> None:
        pass


def _display(progress: ProgressArg) -> _LineBar | _TqdmBar | _Callback | _NoBar:
    if callable(progress):
        return _Callback(progress)
    if progress is None:
        progress = sys.stderr.isatty()
    if not progress:
        return _NoBar()
    if importlib.util.find_spec("tqdm") is not None:
        return _TqdmBar()
    return _LineBar(sys.stderr)


def _start(native: _native.Client, requests: Any, output: Any, **kw: Any) -> _native.BulkRun:
    order = kw.pop("order")
    if order not in ("completed", "input"):
        raise ValueError(f"order must be 'completed' or 'input', not {order!r}")
    if isinstance(requests, (str, os.PathLike)):
        requests = os.fspath(requests)
    elif isinstance(requests, (bytes, Mapping)):
        raise TypeError("requests must be a path or an iterable of request dicts")
    out = os.fspath(output) if output is not None else None
    return _native.BulkRun(native, requests, out, input_order=order == "input", **kw)


def _finish(run: _native.BulkRun) -> BulkResults:
    # Tens of thousands of new rows would set off the cyclic collector again and again, each
    # time walking every object the caller holds (their request dicts too); none of these
    # objects can form a cycle.
    enabled = gc.isenabled()
    gc.disable()
    try:
        rows, summary = run.result()
        return BulkResults((BulkResult(*r) for r in rows), summary)
    finally:
        if enabled:
            gc.enable()


def _watch(r: _native.BulkRun, progress: ProgressArg) -> BulkResults:
    bar = _display(progress)
    try:
        while not r.wait(_TICK):
            bar.update(r.progress())
        bar.update(r.progress())
    except BaseException:
        # Ctrl-C (or any error in a progress callback): stop sending; finished rows are saved.
        r.cancel()
        raise
    finally:
        bar.close()
    return _finish(r)


async def _awatch(r: _native.BulkRun, progress: ProgressArg) -> BulkResults:
    bar = _display(progress)
    try:
        while not r.done:
            bar.update(r.progress())
            await asyncio.sleep(_TICK)
        bar.update(r.progress())
    except BaseException:
        r.cancel()
        raise
    finally:
        bar.close()
    return _finish(r)


def run(
    native: _native.Client,
    requests: Any,
    output: Any,
    progress: ProgressArg,
    **kw: Any,
) -> BulkResults:
    return _watch(_start(native, requests, output, **kw), progress)


async def arun(
    native: _native.Client,
    requests: Any,
    output: Any,
    progress: ProgressArg,
    **kw: Any,
) -> BulkResults:
    return await _awatch(_start(native, requests, output, **kw), progress)


def _start_batch_api(native: _native.Client, requests: Any, **kw: Any) -> _native.BulkRun:
    if isinstance(requests, (str, os.PathLike)):
        requests = os.fspath(requests)
    elif isinstance(requests, (bytes, Mapping)):
        raise TypeError("requests must be a path or an iterable of request dicts")
    if kw.get("state_file") is not None:
        kw["state_file"] = os.fspath(kw["state_file"])
    return _native.BulkRun.batch_api(native, requests, **kw)


def run_batch_api(
    native: _native.Client, requests: Any, progress: ProgressArg, **kw: Any
) -> BulkResults:
    return _watch(_start_batch_api(native, requests, **kw), progress)


async def arun_batch_api(
    native: _native.Client, requests: Any, progress: ProgressArg, **kw: Any
) -> BulkResults:
    return await _awatch(_start_batch_api(native, requests, **kw), progress)


def main(argv: list[str]) -> int:
    """``python -m openai_rs bulk IN.jsonl OUT.jsonl [--concurrency N] [--rpm R] [--tpm T]``."""
    import argparse

    from ._client import OpenAI

    ap = argparse.ArgumentParser(
        prog="python -m openai_rs bulk",
        description="Run a Batch API input file through the live API under a rate limit, "
        "appending Batch API output lines; run again with the same output to resume.",
    )
    ap.add_argument("input", help="JSONL, one {custom_id, method, url, body} per line")
    ap.add_argument("output", help="JSONL output (appended; rows already in it are skipped)")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--rpm", type=int, default=None, help="requests per minute")
    ap.add_argument("--tpm", type=int, default=None, help="tokens per minute (estimated)")
    ap.add_argument("--max-cost", type=float, default=None, help="stop sending past this USD")
    ap.add_argument("--max-retries", type=int, default=None)
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args(argv)

    client = OpenAI()
    started = time.monotonic()
    # A line per second when stderr is not a terminal (a log), the bar when it is.
    progress: ProgressArg = False
    if not args.no_progress:
        progress = True if sys.stderr.isatty() else _every_second(sys.stderr)
    try:
        res = run(
            client._native,
            args.input,
            args.output,
            progress,
            concurrency=args.concurrency,
            rpm=args.rpm,
            tpm=args.tpm,
            max_cost=args.max_cost,
            max_retries=args.max_retries,
            order="completed",
            collect=False,
        )
    except KeyboardInterrupt:
        print(
            f"interrupted after {time.monotonic() - started:.1f} s; finished rows are in "
            f"{args.output}: run again to resume",
            file=sys.stderr,
        )
        return 130
    s = res.summary
    print(
        f"rows ok {s['ok']}, failed {s['failed']}, skipped {s['skipped']}, "
        f"not run {s['not_run']} | tokens {s['prompt_tokens']:,} in, "
        f"{s['completion_tokens']:,} out | cost ${s['cost_usd']:.4f} | "
        f"time {s['elapsed']:.1f} s | 429s {s['rate_limited']}, pauses {s['pauses']}"
    )
    return 0 if s["failed"] == 0 else 1


def _every_second(out: TextIO) -> Callable[[dict[str, Any]], None]:
    last = [0.0]

    def show(p: dict[str, Any]) -> None:
        now = time.monotonic()
        if now - last[0] >= 1.0:
            last[0] = now
            print(describe(p), file=out, flush=True)

    return show
