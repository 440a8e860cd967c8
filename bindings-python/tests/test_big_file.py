"""A 1 GiB file uploads and downloads with flat memory.

The file is sparse (``truncate``), so it takes no disk; the mock stores the upload sparsely too.
The work runs in a child process so its peak RSS (``VmHWM``) is its own: the growth over the
baseline measured after a warm-up upload must stay under 64 MiB, which a client that read the
file, or the answer, whole (1 GiB) cannot meet.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

GIB = 1 << 30

CHILD = textwrap.dedent(
    """
    import json, os, sys
    import openai_rs

    def hwm():
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        raise SystemExit("no VmHWM")

    base_url, path, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
    client = openai_rs.OpenAI(api_key="sk-big", base_url=base_url, timeout=120)
    # Warm up every code path on a small file, then take the baseline.
    small = client.files.create(file=("warm.bin", b"x" * 1024), purpose="user_data")
    sum(map(len, client.files.content(small.id).iter_bytes()))
    base = hwm()
    with open(path, "rb") as fh:
        f = client.files.create(file=fh, purpose="user_data")
    after_upload = hwm()
    received = 0
    for chunk in client.files.content(f.id).iter_bytes():
        received += len(chunk)
    after_download = hwm()
    client.files.delete(f.id)
    print(json.dumps({
        "bytes": f.bytes, "received": received, "base": base,
        "upload": after_upload - base, "download": after_download - base,
    }))
    """
)


def test_one_gib_upload_and_download_with_flat_memory(base_url, tmp_path):
    if not sys.platform.startswith("linux"):
        pytest.skip("VmHWM is Linux's")
    path = tmp_path / "big.bin"
    with open(path, "wb") as fh:
        fh.truncate(GIB)  # sparse: no disk used
    out = subprocess.run(
        [sys.executable, "-c", CHILD, base_url, str(path), str(GIB)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    r = json.loads(out.stdout)
    assert r["bytes"] == GIB and r["received"] == GIB
    limit = 64 << 20
    assert r["upload"] < limit, f"upload grew peak RSS by {r['upload'] >> 20} MiB"
    assert r["download"] < limit, f"download grew peak RSS by {r['download'] >> 20} MiB"
