"""make bench: openai_rs, the official openai SDK, the C library and a raw Rust lower bound,
measured in one run against the mock server, interleaved, with ratios.

python bench/run.py [--smoke] [--rounds N] [--only MODE[,MODE]] [--json OUT] [--markdown OUT]

The mock server is pinned to CPU 0 and every client process to CPU 1 (taskset), so a client's
own cost is what differs. Each measured loop is bounded in count and in seconds.

The bulk modes: `bulk` is N chat rows at concurrency 64 with no limit (openai_rs `client.bulk`,
the official SDK's asyncio.Semaphore loop, C `openai_client_bulk_run`, against the raw bound's
`conc` mode); `bulk-rpm` runs rows against a second mock that enforces BULK_RPM requests per
minute, and reads from that mock's journal the 429s it sent and the rate it accepted requests at.
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.join(ROOT, "bench")

p = argparse.ArgumentParser()
p.add_argument("--smoke", action="store_true", help="a few requests per mode, one round")
p.add_argument("--rounds", type=int, default=3)
p.add_argument(
    "--only",
    default=None,
    metavar="MODE[,MODE]",
    help="run only these modes (import seq conc stream stream1 rseq rstream rstream1 upload download bulk bulk-rpm)",
)
p.add_argument(
    "--count",
    default=None,
    metavar="MODE=N[,MODE=N]",
    help="override a mode's request count (for a quick look: --only bulk --count bulk=5000)",
)
p.add_argument(
    "--bulk-window-ms",
    type=int,
    default=1000,
    help="bulk-rpm: the limited mock's bucket holds this many ms of the limit (1000: strict)",
)
p.add_argument("--python", default=os.path.join(HERE, ".venv", "bin", "python"))
p.add_argument("--mock", default=os.path.join(ROOT, "target", "release", "openai-mock"))
p.add_argument("--raw", default=os.path.join(ROOT, "target", "release", "bench-raw"))
p.add_argument("--c-client", default=os.path.join(ROOT, "target", "bench", "c_client"))
p.add_argument("--json", default=None)
p.add_argument("--markdown", default=None)
p.add_argument(
    "--render",
    metavar="JSON",
    default=None,
    help="write --markdown from a saved --json run (after editing NOTES.md), running nothing",
)
a = p.parse_args()

if a.smoke:
    ROUNDS, SECONDS = 1, 10.0
    COUNTS = {
        "seq": 20,
        "conc": 128,
        "stream": 5,
        "stream1": 5,
        "rseq": 20,
        "rstream": 5,
        "rstream1": 5,
        "upload": 1,
        "download": 1,
        "bulk": 128,
        "bulk-rpm": 150,
    }
    FILE_MIB = 8
else:
    ROUNDS, SECONDS = a.rounds, 12.0
    COUNTS = {
        "seq": 3000,
        "conc": 40000,
        "stream": 600,
        "stream1": 600,
        "rseq": 3000,
        "rstream": 600,
        "rstream1": 600,
        "upload": 3,
        "download": 3,
        "bulk": 40000,
        "bulk-rpm": 2100,
    }
    FILE_MIB = 256

for item in (a.count or "").split(","):
    if item.strip():
        mode, _, n = item.partition("=")
        if not n.strip().isdigit():
            sys.exit(f"bench: --count wants MODE=N, not {item!r}")
        COUNTS[mode.strip()] = int(n)

# The limited bulk run: the second mock enforces BULK_RPM, and the runner is asked for the same.
# Its bucket holds one second of the limit (the real API's windows are short too; a minute's
# worth would let the first 6,000 requests through at any speed), so a client that bursts past
# the rate is refused at once. 6,000 rpm is 100 requests a second: the full run's 2,100 rows are
# a second's burst and 20 s of pacing.
BULK_RPM = 6000
RATE_WINDOW_MS = a.bulk_window_ms
# The bulk-rpm run lasts as long as the limit makes it: no time bound of 12 s.
BULK_RPM_SECONDS = 120.0

PIN = shutil.which("taskset") is not None and (os.cpu_count() or 1) >= 2


def pinned(cpu, argv):
    return (["taskset", "-c", str(cpu)] + argv) if PIN else argv


def start_mock(extra=("--no-journal",)):
    proc = subprocess.Popen(
        pinned(0, [a.mock, "--threads", "1", *extra]),
        stdout=subprocess.PIPE,
        text=True,
    )
    url = proc.stdout.readline().strip()
    if not url.startswith("http"):
        proc.kill()
        sys.exit(f"bench: the mock server did not start ({url!r})")
    return proc, url


LIMITED = "{limited-mock}"


def start_limited_mock():
    """The mock for bulk-rpm: the journal on (it is where 429s and arrival times are read)."""
    return start_mock(("--rpm", str(BULK_RPM), "--rate-window-ms", str(RATE_WINDOW_MS)))


def mock_root(url):
    return url.removesuffix("/v1")


def journal(url):
    with urllib.request.urlopen(mock_root(url) + "/__mock/journal", timeout=30) as r:
        return json.load(r)


def limited_outcome(url):
    """What the limited mock saw of one run: the 429s it sent, and the rate at which it accepted
    requests over the steady part. The runner, like the mock, may send one second's worth of the
    limit at once when it starts; the rate is taken from the arrival times (at the mock) of the
    accepted requests after that burst and after the first 10 % of them, to the last one:
    (k2 - k1) / (t[k2] - t[k1]), in requests per minute."""
    entries = journal(url)
    accepted = sorted(e["at_ms"] for e in entries if e["status"] == 200)
    out = {
        "mock_requests": len(entries),
        "mock_429s": sum(e["status"] == 429 for e in entries),
        "mock_accepted": len(accepted),
        "rate_rpm": float("nan"),
    }
    k1 = max(len(accepted) // 10, -(-BULK_RPM // 60))
    k2 = len(accepted) - 1
    if k2 - k1 >= 10 and accepted[k2] > accepted[k1]:
        out["rate_rpm"] = 60e3 * (k2 - k1) / (accepted[k2] - accepted[k1])
    return out


def run_measured(argv, allow_errors=False, seconds=None):
    """Like run_client, but measures peak RSS and CPU of exactly that child with os.wait4."""
    proc = subprocess.Popen(pinned(1, argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + (seconds or SECONDS) * 4 + 30
    chunks = []
    # Read stdout fully before reaping so the child never blocks on a full pipe.
    while True:
        data = proc.stdout.read(65536)
        if not data:
            break
        chunks.append(data)
        if time.time() > deadline:
            proc.kill()
            sys.exit(f"bench: {argv} timed out")
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"bench: {argv} failed ({proc.returncode}):\n{err.decode(errors='replace')}")
    res = json.loads(b"".join(chunks).decode().strip().splitlines()[-1])
    if res.get("errors") and not allow_errors:
        sys.exit(f"bench: {argv} had {res['errors']} failed requests")
    # The client's own VmHWM: ru_maxrss from wait4 starts at the harness's RSS (the child was
    # forked from it before the exec), so it cannot show anything smaller than the harness.
    own = res.get("peak_rss_kib")
    res["peak_rss_mib"] = (own if own and own > 0 else usage.ru_maxrss) / 1024.0
    res["cpu_s"] = usage.ru_utime + usage.ru_stime
    return res


# Rows that may fail: the official SDK has no rate limiter, so against the limited mock some of
# its rows fail with 429 after the SDK's two retries. That is what the row shows.
ALLOW_ERRORS = {("bulk-rpm", "openai asyncio + Semaphore(64)")}


def clients(url, modes):
    py = [a.python, os.path.join(HERE, "clients", "py_client.py"), "--base", url]
    raw = [a.raw, "--base", url]
    c = [a.c_client, "--base", url]
    have_c = os.path.exists(a.c_client)
    table = {
        "import": [
            ("openai_rs", py + ["--sdk", "openai_rs", "--mode", "import"]),
            ("openai", py + ["--sdk", "openai", "--mode", "import"]),
        ],
        "seq": [
            ("raw", raw + ["--mode", "seq"]),
            ("openai_rs", py + ["--sdk", "openai_rs", "--mode", "seq"]),
            ("openai", py + ["--sdk", "openai", "--mode", "seq"]),
        ],
        "conc": [
            ("raw", raw + ["--mode", "conc", "--concurrency", "64"]),
            ("openai_rs threads", py + ["--sdk", "openai_rs", "--mode", "threads"]),
            ("openai_rs asyncio", py + ["--sdk", "openai_rs", "--mode", "asyncio"]),
            ("openai threads", py + ["--sdk", "openai", "--mode", "threads"]),
            ("openai asyncio", py + ["--sdk", "openai", "--mode", "asyncio"]),
        ],
        "stream": [
            ("raw", raw + ["--mode", "stream"]),
            ("openai_rs", py + ["--sdk", "openai_rs", "--mode", "stream"]),
            ("openai", py + ["--sdk", "openai", "--mode", "stream"]),
        ],
        "rseq": [
            ("raw", raw + ["--mode", "rseq"]),
            ("openai_rs", py + ["--sdk", "openai_rs", "--mode", "rseq"]),
            ("openai", py + ["--sdk", "openai", "--mode", "rseq"]),
        ],
        "rstream": [
            ("raw", raw + ["--mode", "rstream"]),
            ("openai_rs", py + ["--sdk", "openai_rs", "--mode", "rstream"]),
            ("openai", py + ["--sdk", "openai", "--mode", "rstream"]),
        ],
    }
    # The same streams with the whole SSE body in one write: what parsing costs, without the
    # mock's write per event (which makes the event-by-event rows measure the network).
    one = ["--fault", "events=99;one-write"]
    for mode in ("stream", "rstream"):
        table[mode + "1"] = [(name, cmd + one) for name, cmd in table[mode]]
    # Bulk, no limit: 64 at a time; the raw bound is its conc mode at concurrency 64.
    table["bulk"] = [
        ("raw", raw + ["--mode", "conc", "--concurrency", "64"]),
        ("openai_rs bulk", py + ["--sdk", "openai_rs", "--mode", "bulk", "--concurrency", "64"]),
        (
            "openai asyncio + Semaphore(64)",
            py + ["--sdk", "openai", "--mode", "bulk", "--concurrency", "64"],
        ),
    ]
    # Bulk under the limited mock's BULK_RPM: openai_rs (and C) asked for the same limit. The
    # limited mock is started afresh for each run (its bucket full, its journal empty), so its
    # URL is filled in then.
    pyl = [a.python, os.path.join(HERE, "clients", "py_client.py"), "--base", LIMITED]
    rpm = ["--rpm", str(BULK_RPM)]
    table["bulk-rpm"] = [
        (
            "openai_rs bulk",
            pyl + ["--sdk", "openai_rs", "--mode", "bulk", "--concurrency", "64"] + rpm,
        ),
        (
            "openai asyncio + Semaphore(64)",
            pyl + ["--sdk", "openai", "--mode", "bulk", "--concurrency", "64"],
        ),
    ]
    if have_c:
        table["bulk"].append(("C bulk", c + ["--mode", "bulk", "--concurrency", "64"]))
        table["bulk-rpm"].append(
            (
                "C bulk",
                [a.c_client, "--base", LIMITED, "--mode", "bulk", "--concurrency", "64"] + rpm,
            )
        )
        table["seq"].append(("C", c + ["--mode", "seq"]))
        table["conc"].append(("C threads", c + ["--mode", "conc", "--concurrency", "64"]))
        table["conc"].append(("C queue", c + ["--mode", "queue", "--concurrency", "64"]))
        table["stream"].append(("C", c + ["--mode", "stream"]))
        table["rseq"].append(("C", c + ["--mode", "rseq"]))
        table["rstream"].append(("C", c + ["--mode", "rstream"]))
        table["stream1"].append(("C", c + ["--mode", "stream"] + one))
        table["rstream1"].append(("C", c + ["--mode", "rstream"] + one))
    big = os.path.join(ROOT, "target", "bench", f"transfer-{FILE_MIB}MiB.bin")
    if "upload" in modes or "download" in modes:
        os.makedirs(os.path.dirname(big), exist_ok=True)
        with open(big, "wb") as f:
            # Random-looking bytes, not a sparse file: the transfer is what is measured.
            block = os.urandom(1 << 20)
            f.writelines(block for _ in range(FILE_MIB))
    for mode in ("upload", "download"):
        table[mode] = [
            ("raw", raw + ["--mode", mode, "--file", big]),
            ("openai_rs", py + ["--sdk", "openai_rs", "--mode", mode, "--file", big]),
            ("openai", py + ["--sdk", "openai", "--mode", mode, "--file", big]),
        ]
        if have_c:
            table[mode].append(("C", c + ["--mode", mode, "--file", big]))
    table = {mode: rows for mode, rows in table.items() if mode in modes}
    for mode, rows in table.items():
        n = COUNTS.get(mode, 1)
        seconds = BULK_RPM_SECONDS if mode == "bulk-rpm" else SECONDS
        for _, argv in rows:
            argv += ["--n", str(n), "--seconds", str(seconds)]
    return table, have_c


def pct(values, q):
    values = sorted(values)
    if not values:
        return float("nan")
    k = min(len(values) - 1, max(0, round(q * (len(values) - 1))))
    return values[k]


def summarise(mode, res):
    lat = res["latencies_ms"]
    s = {"peak_rss_mib": res["peak_rss_mib"], "cpu_s": res["cpu_s"], "requests": res["requests"]}
    if mode == "import":
        s["import_ms"] = res["import_ms"]
    elif mode in ("bulk", "bulk-rpm"):
        # Rows per second over the whole run (for bulk-rpm, as the client saw it), CPU per row.
        s["rps"] = res["requests"] / res["elapsed_s"] if res["elapsed_s"] else 0.0
        s["cpu_ms_per_req"] = 1e3 * res.get("cpu_loop_s", res["cpu_s"]) / max(1, res["requests"])
        s["failed_rows"] = res.get("errors", 0)
        if mode == "bulk-rpm":
            for k in ("rate_rpm", "mock_429s", "mock_requests", "mock_accepted"):
                s[k] = res[k]
    else:
        s["p50_ms"] = pct(lat, 0.5)
        s["p99_ms"] = pct(lat, 0.99)
        s["rps"] = res["requests"] / res["elapsed_s"] if res["elapsed_s"] else 0.0
        s["chunks_per_s"] = res["chunks"] / res["elapsed_s"] if res["elapsed_s"] else 0.0
        # CPU of the measured loop only (the process's start-up is not a per-request cost).
        s["cpu_ms_per_req"] = 1e3 * res.get("cpu_loop_s", res["cpu_s"]) / max(1, res["requests"])
    return s


def any_c(med):
    return any(name.startswith("C") for by_client in med.values() for name in by_client)


def rerender(path):
    with open(path) as f:
        saved = json.load(f)
    report = render(
        saved["medians"],
        any_c(saved["medians"]),
        saved["meta"].get("bulk_rpm", BULK_RPM),
        saved["meta"].get("rate_window_ms", RATE_WINDOW_MS),
    )
    with open(a.markdown, "w") as f:
        f.write(render_file(saved["meta"], report))


ALL_MODES = [
    "import",
    "seq",
    "conc",
    "stream",
    "stream1",
    "rseq",
    "rstream",
    "rstream1",
    "upload",
    "download",
    "bulk",
    "bulk-rpm",
]
# Counts that must hold in every round (zero 429s is a promise per run): the worst round, not
# the median.
WORST_OF_ROUNDS = {"mock_429s", "failed_rows"}


def combine(key, values):
    return max(values) if key in WORST_OF_ROUNDS else statistics.median(values)


def main():
    if a.render:
        return rerender(a.render)
    modes = ALL_MODES
    if a.only:
        modes = [m.strip() for m in a.only.split(",") if m.strip()]
        unknown = [m for m in modes if m not in ALL_MODES]
        if unknown:
            sys.exit(f"bench: unknown mode(s) {unknown}; the modes are {ALL_MODES}")
    mock, url = start_mock()
    try:
        table, have_c = clients(url, modes)
        results = {mode: {name: [] for name, _ in rows} for mode, rows in table.items()}
        for r in range(ROUNDS):
            for mode, rows in table.items():
                # Interleaved, A B C, B C A, C A B, ...: drift hits every client alike, and no
                # client always runs first in its mode (the first uploader meets a disk that the
                # others' 256 MiB have not yet filled with dirty pages).
                k = r % len(rows)
                for name, argv in rows[k:] + rows[:k]:
                    allow = (mode, name) in ALLOW_ERRORS
                    if mode != "bulk-rpm":
                        res = run_measured(argv, allow)
                    else:
                        limited, lurl = start_limited_mock()
                        try:
                            argv = [lurl if x == LIMITED else x for x in argv]
                            res = run_measured(argv, allow, BULK_RPM_SECONDS)
                            res.update(limited_outcome(lurl))
                        finally:
                            limited.terminate()
                            limited.wait()
                    results[mode][name].append(summarise(mode, res))
            print(f"bench: round {r + 1}/{ROUNDS} done", file=sys.stderr)
    finally:
        mock.terminate()
        mock.wait()
    med = {
        mode: {
            name: {k: combine(k, [x[k] for x in runs]) for k in runs[0]}
            for name, runs in by_client.items()
        }
        for mode, by_client in results.items()
    }
    report = render(med, have_c)
    print(report)
    meta = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
        "python": platform.python_version(),
        "smoke": a.smoke,
        "rounds": ROUNDS,
        "pinned": PIN,
        "counts": {m: n for m, n in COUNTS.items() if m in modes},
        "bulk_rpm": BULK_RPM,
        "rate_window_ms": RATE_WINDOW_MS,
    }
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"meta": meta, "medians": med}, f, indent=2)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(render_file(meta, report))


TARGETS = {
    ("seq", "openai_rs"): ("p50 ≤ 1.5× raw", lambda r: r <= 1.5),
    ("seq", "C"): ("p50 ≤ 1.1× raw", lambda r: r <= 1.1),
    ("conc", "openai_rs threads"): ("≥ 0.5× raw", lambda r: r >= 0.5),
    ("conc", "openai_rs asyncio"): ("≥ 0.5× raw", lambda r: r >= 0.5),
    ("conc", "C threads"): ("≥ 1/1.1 of raw", lambda r: r >= 1 / 1.1),
    ("conc", "C queue"): ("≥ 1/1.1 of raw", lambda r: r >= 1 / 1.1),
    ("stream", "openai_rs"): ("≥ 0.5× raw", lambda r: r >= 0.5),
    ("stream", "C"): ("≥ 1/1.1 of raw", lambda r: r >= 1 / 1.1),
    ("stream1", "openai_rs"): ("≥ 0.7× raw", lambda r: r >= 0.7),
    ("stream1", "C"): ("≥ 0.95× raw", lambda r: r >= 0.95),
    ("rseq", "openai_rs"): ("p50 ≤ 1.3× raw", lambda r: r <= 1.3),
    ("rstream", "openai_rs"): ("≥ 0.8× raw", lambda r: r >= 0.8),
    ("upload", "openai_rs"): ("≥ 0.8× raw", lambda r: r >= 0.8),
    ("download", "openai_rs"): ("≥ 0.8× raw", lambda r: r >= 0.8),
    ("bulk", "openai_rs bulk"): ("≥ 0.8× raw", lambda r: r >= 0.8),
    ("bulk", "C bulk"): ("≥ 0.8× raw", lambda r: r >= 0.8),
}
BULK_RPM_TARGETS = {"openai_rs bulk", "C bulk"}


def verdict(mode, name, ratio):
    t = TARGETS.get((mode, name))
    if not t:
        return ""
    return f"{t[0]}: {'met' if t[1](ratio) else 'MISSED'}"


def bulk_rpm_verdict(name, s, rpm):
    """Zero 429s from the mock in every round, no failed row, and the median accepted rate
    within 5 % of the limit."""
    if name not in BULK_RPM_TARGETS:
        return ""
    ok = s["mock_429s"] == 0 and s["failed_rows"] == 0 and abs(s["rate_rpm"] / rpm - 1) <= 0.05
    return f"0 429s, rate within 5 % of the limit: {'met' if ok else 'MISSED'}"


def render(med, have_c, rpm=BULK_RPM, window_ms=RATE_WINDOW_MS):
    lines = [
        "| mode | client | median | ratio to raw | p99 | peak RSS MiB | CPU ms/req | target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, s in med.get("import", {}).items():
        ok = (
            "≤ 20 ms: " + ("met" if s["import_ms"] <= 20 else "MISSED")
            if name == "openai_rs"
            else ""
        )
        lines.append(
            f"| import + construct | {name} | {s['import_ms']:.1f} ms | | | {s['peak_rss_mib']:.1f} | | {ok} |"
        )
    if "seq" in med:
        raw = med["seq"]["raw"]
        for name, s in med["seq"].items():
            ratio = s["p50_ms"] / raw["p50_ms"]
            rss = f"{s['peak_rss_mib']:.1f}"
            if name == "openai_rs":
                rss += " (≤ 15: " + ("met" if s["peak_rss_mib"] <= 15 else "MISSED") + ")"
            lines.append(
                f"| sequential p50 | {name} | {s['p50_ms']:.3f} ms | {ratio:.2f}× | {s['p99_ms']:.3f} ms | {rss} | {s['cpu_ms_per_req']:.3f} | {verdict('seq', name, ratio)} |"
            )
    if "conc" in med:
        raw = med["conc"]["raw"]
        for name, s in med["conc"].items():
            ratio = s["rps"] / raw["rps"]
            lines.append(
                f"| concurrency 64 | {name} | {s['rps']:.0f} req/s | {ratio:.2f}× | {s['p99_ms']:.2f} ms | {s['peak_rss_mib']:.1f} | {s['cpu_ms_per_req']:.3f} | {verdict('conc', name, ratio)} |"
            )
    if "stream" in med:
        raw = med["stream"]["raw"]
        for name, s in med["stream"].items():
            ratio = s["chunks_per_s"] / raw["chunks_per_s"]
            lines.append(
                f"| streaming (101 events) | {name} | {s['chunks_per_s']:.0f} chunks/s | {ratio:.2f}× | | {s['peak_rss_mib']:.1f} | {s['cpu_ms_per_req']:.3f} | {verdict('stream', name, ratio)} |"
            )
    if "stream1" in med:
        raw = med["stream1"]["raw"]
        for name, s in med["stream1"].items():
            ratio = s["chunks_per_s"] / raw["chunks_per_s"]
            lines.append(
                f"| streaming, body in one write (parsing) | {name} | {s['chunks_per_s']:.0f} chunks/s | {ratio:.2f}× | | {s['peak_rss_mib']:.1f} | {s['cpu_ms_per_req']:.3f} | {verdict('stream1', name, ratio)} |"
            )
    if "rseq" in med:
        raw = med["rseq"]["raw"]
        for name, s in med["rseq"].items():
            ratio = s["p50_ms"] / raw["p50_ms"]
            lines.append(
                f"| responses p50 | {name} | {s['p50_ms']:.3f} ms | {ratio:.2f}× | {s['p99_ms']:.3f} ms | {s['peak_rss_mib']:.1f} | {s['cpu_ms_per_req']:.3f} | {verdict('rseq', name, ratio)} |"
            )
    if "rstream" in med:
        raw = med["rstream"]["raw"]
        for name, s in med["rstream"].items():
            ratio = s["chunks_per_s"] / raw["chunks_per_s"]
            lines.append(
                f"| responses stream (named events) | {name} | {s['chunks_per_s']:.0f} events/s | {ratio:.2f}× | | {s['peak_rss_mib']:.1f} | {s['cpu_ms_per_req']:.3f} | {verdict('rstream', name, ratio)} |"
            )
    if "rstream1" in med:
        raw = med["rstream1"]["raw"]
        for name, s in med["rstream1"].items():
            ratio = s["chunks_per_s"] / raw["chunks_per_s"]
            lines.append(
                f"| responses stream, body in one write | {name} | {s['chunks_per_s']:.0f} events/s | {ratio:.2f}× | | {s['peak_rss_mib']:.1f} | {s['cpu_ms_per_req']:.3f} | {verdict('rstream1', name, ratio)} |"
            )
    for mode in ("upload", "download"):
        if mode not in med:
            continue
        raw = med[mode]["raw"]
        for name, s in med[mode].items():
            ratio = s["chunks_per_s"] / raw["chunks_per_s"] if raw["chunks_per_s"] else float("nan")
            lines.append(
                f"| file {mode} ({FILE_MIB} MiB) | {name} | {s['chunks_per_s'] / 2**20:.0f} MiB/s | {ratio:.2f}× | | {s['peak_rss_mib']:.1f} | | {verdict(mode, name, ratio)} |"
            )
    if "bulk" in med:
        raw = med["bulk"]["raw"]
        for name, s in med["bulk"].items():
            ratio = s["rps"] / raw["rps"]
            label = "raw (conc 64)" if name == "raw" else name
            failed = f", {s['failed_rows']} rows failed" if s.get("failed_rows") else ""
            lines.append(
                f"| bulk, 64 at a time, no limit | {label} | {s['rps']:.0f} rows/s{failed} | {ratio:.2f}× | | {s['peak_rss_mib']:.1f} | {s['cpu_ms_per_req']:.3f} | {verdict('bulk', name, ratio)} |"
            )
    if "bulk-rpm" in med:
        for name, s in med["bulk-rpm"].items():
            failed = f", {s['failed_rows']} rows failed" if s["failed_rows"] else ""
            lines.append(
                f"| bulk under a {rpm:,} rpm limit ({window_ms} ms bucket) | {name} | {s['rate_rpm']:.0f} req/min accepted; 429s from the mock: {s['mock_429s']}{failed} | {s['rate_rpm'] / rpm:.3f}× the limit | | {s['peak_rss_mib']:.1f} | {s['cpu_ms_per_req']:.3f} | {bulk_rpm_verdict(name, s, rpm)} |"
            )
    if not have_c:
        lines.append("")
        lines.append("(C client not built: run `make bench`, which builds it.)")
    return "\n".join(lines)


NOTES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "NOTES.md")


def render_file(meta, report):
    # The hand-written analysis (what the profiles show) follows the table, so a re-run keeps it.
    notes = ""
    if os.path.exists(NOTES):
        with open(NOTES, encoding="utf-8") as f:
            notes = f.read()
    return (
        "# Benchmark results\n\n"
        f"Machine: {meta['machine']}; Python {meta['python']}; mock pinned to CPU 0 and clients to "
        f"CPU 1: {meta['pinned']}; {meta['rounds']} interleaved rounds, medians; counts {meta['counts']}.\n\n"
        "Command: `make bench`\n\n" + report + "\n" + ("\n" + notes if notes else "")
    )


main()
