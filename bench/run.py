"""make bench: openai_rs, the official openai SDK, the C library and a raw Rust lower bound,
measured in one run against the mock server, interleaved, with ratios.

python bench/run.py [--smoke] [--rounds N] [--json OUT] [--markdown OUT]

The mock server is pinned to CPU 0 and every client process to CPU 1 (taskset), so a client's
own cost is what differs. Each measured loop is bounded in count and in seconds.
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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.join(ROOT, "bench")

p = argparse.ArgumentParser()
p.add_argument("--smoke", action="store_true", help="a few requests per mode, one round")
p.add_argument("--rounds", type=int, default=3)
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
    COUNTS = {"seq": 20, "conc": 128, "stream": 5}
else:
    ROUNDS, SECONDS = a.rounds, 12.0
    COUNTS = {"seq": 3000, "conc": 40000, "stream": 600}

PIN = shutil.which("taskset") is not None and (os.cpu_count() or 1) >= 2


def pinned(cpu, argv):
    return (["taskset", "-c", str(cpu)] + argv) if PIN else argv


def start_mock():
    proc = subprocess.Popen(
        pinned(0, [a.mock, "--no-journal", "--threads", "1"]),
        stdout=subprocess.PIPE,
        text=True,
    )
    url = proc.stdout.readline().strip()
    if not url.startswith("http"):
        proc.kill()
        sys.exit(f"bench: the mock server did not start ({url!r})")
    return proc, url


def run_measured(argv):
    """Like run_client, but measures peak RSS and CPU of exactly that child with os.wait4."""
    proc = subprocess.Popen(pinned(1, argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + SECONDS * 4 + 30
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
    if res.get("errors"):
        sys.exit(f"bench: {argv} had {res['errors']} failed requests")
    # The client's own VmHWM: ru_maxrss from wait4 starts at the harness's RSS (the child was
    # forked from it before the exec), so it cannot show anything smaller than the harness.
    own = res.get("peak_rss_kib")
    res["peak_rss_mib"] = (own if own and own > 0 else usage.ru_maxrss) / 1024.0
    res["cpu_s"] = usage.ru_utime + usage.ru_stime
    return res


def clients(url):
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
    }
    if have_c:
        table["seq"].append(("C", c + ["--mode", "seq"]))
        table["conc"].append(("C threads", c + ["--mode", "conc", "--concurrency", "64"]))
        table["stream"].append(("C", c + ["--mode", "stream"]))
    for mode, rows in table.items():
        n = COUNTS.get(mode, 1)
        for _, argv in rows:
            argv += ["--n", str(n), "--seconds", str(SECONDS)]
    return table, have_c


def pct(values, q):
    values = sorted(values)
    if not values:
        return float("nan")
    k = min(len(values) - 1, max(0, int(round(q * (len(values) - 1)))))
    return values[k]


def summarise(mode, res):
    lat = res["latencies_ms"]
    s = {"peak_rss_mib": res["peak_rss_mib"], "cpu_s": res["cpu_s"], "requests": res["requests"]}
    if mode == "import":
        s["import_ms"] = res["import_ms"]
    else:
        s["p50_ms"] = pct(lat, 0.5)
        s["p99_ms"] = pct(lat, 0.99)
        s["rps"] = res["requests"] / res["elapsed_s"] if res["elapsed_s"] else 0.0
        s["chunks_per_s"] = res["chunks"] / res["elapsed_s"] if res["elapsed_s"] else 0.0
        # CPU of the measured loop only (the process's start-up is not a per-request cost).
        s["cpu_ms_per_req"] = 1e3 * res.get("cpu_loop_s", res["cpu_s"]) / max(1, res["requests"])
    return s


def rerender(path):
    with open(path) as f:
        saved = json.load(f)
    report = render(saved["medians"], "C" in saved["medians"]["seq"])
    with open(a.markdown, "w") as f:
        f.write(render_file(saved["meta"], report))


def main():
    if a.render:
        return rerender(a.render)
    mock, url = start_mock()
    try:
        table, have_c = clients(url)
        results = {mode: {name: [] for name, _ in rows} for mode, rows in table.items()}
        for r in range(ROUNDS):
            for mode, rows in table.items():
                # Interleaved: A B C, A B C, ... so drift hits every client alike.
                for name, argv in rows:
                    results[mode][name].append(summarise(mode, run_measured(argv)))
            print(f"bench: round {r + 1}/{ROUNDS} done", file=sys.stderr)
    finally:
        mock.terminate()
        mock.wait()
    med = {
        mode: {
            name: {k: statistics.median(x[k] for x in runs) for k in runs[0]}
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
        "counts": COUNTS,
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
    ("stream", "openai_rs"): ("≥ 0.5× raw", lambda r: r >= 0.5),
    ("stream", "C"): ("≥ 1/1.1 of raw", lambda r: r >= 1 / 1.1),
}


def verdict(mode, name, ratio):
    t = TARGETS.get((mode, name))
    if not t:
        return ""
    return f"{t[0]}: {'met' if t[1](ratio) else 'MISSED'}"


def render(med, have_c):
    lines = ["| mode | client | median | ratio to raw | p99 | peak RSS MiB | CPU ms/req | target |",
             "|---|---|---|---|---|---|---|---|"]
    for name, s in med["import"].items():
        ok = "≤ 20 ms: " + ("met" if s["import_ms"] <= 20 else "MISSED") if name == "openai_rs" else ""
        lines.append(f"| import + construct | {name} | {s['import_ms']:.1f} ms | | | {s['peak_rss_mib']:.1f} | | {ok} |")
    raw = med["seq"]["raw"]
    for name, s in med["seq"].items():
        ratio = s["p50_ms"] / raw["p50_ms"]
        rss = f"{s['peak_rss_mib']:.1f}"
        if name == "openai_rs":
            rss += " (≤ 15: " + ("met" if s["peak_rss_mib"] <= 15 else "MISSED") + ")"
        lines.append(f"| sequential p50 | {name} | {s['p50_ms']:.3f} ms | {ratio:.2f}× | {s['p99_ms']:.3f} ms | {rss} | {s['cpu_ms_per_req']:.3f} | {verdict('seq', name, ratio)} |")
    raw = med["conc"]["raw"]
    for name, s in med["conc"].items():
        ratio = s["rps"] / raw["rps"]
        lines.append(f"| concurrency 64 | {name} | {s['rps']:.0f} req/s | {ratio:.2f}× | {s['p99_ms']:.2f} ms | {s['peak_rss_mib']:.1f} | {s['cpu_ms_per_req']:.3f} | {verdict('conc', name, ratio)} |")
    raw = med["stream"]["raw"]
    for name, s in med["stream"].items():
        ratio = s["chunks_per_s"] / raw["chunks_per_s"]
        lines.append(f"| streaming (101 events) | {name} | {s['chunks_per_s']:.0f} chunks/s | {ratio:.2f}× | | {s['peak_rss_mib']:.1f} | {s['cpu_ms_per_req']:.3f} | {verdict('stream', name, ratio)} |")
    if not have_c:
        lines.append("")
        lines.append("(C client not built: run `make bench`, which builds it.)")
    return "\n".join(lines)


NOTES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "NOTES.md")


def render_file(meta, report):
    # The hand-written analysis (what the profiles show) follows the table, so a re-run keeps it.
    notes = open(NOTES, encoding="utf-8").read() if os.path.exists(NOTES) else ""
    return (
        "# Benchmark results\n\n"
        f"Machine: {meta['machine']}; Python {meta['python']}; mock pinned to CPU 0 and clients to "
        f"CPU 1: {meta['pinned']}; {meta['rounds']} interleaved rounds, medians; counts {meta['counts']}.\n\n"
        "Command: `make bench`\n\n" + report + "\n" + ("\n" + notes if notes else "")
    )


main()
