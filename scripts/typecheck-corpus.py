#!/usr/bin/env python3
"""Type-checks bindings-python/tests/typing_corpus with mypy and pyright.

    scripts/typecheck-corpus.py --pyright .tools/pyright/node_modules/.bin/pyright [--against ...]

``--against openai_rs`` (the default) checks the scripts as written; ``--against openai`` copies
them to a temporary directory with ``openai_rs`` rewritten to ``openai`` and checks them against
the official SDK (installed in the dev venv), which shows the scripts are code that type-checks
with the official package in the first place; ``both`` does both. Exits non-zero on any finding.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "bindings-python" / "tests" / "typing_corpus"
CACHE = REPO / ".tools"


def check(where: Path, label: str, pyright: str) -> bool:
    files = sorted(str(p) for p in where.glob("*.py"))
    if not files:
        sys.exit(f"typecheck-corpus: no scripts in {where}")
    ok = True
    mypy = [
        sys.executable,
        "-m",
        "mypy",
        "--strict",
        "--no-error-summary",
        "--cache-dir",
        str(CACHE / f"mypy-cache-{label}"),
        *files,
    ]
    r = subprocess.run(mypy, cwd=where, capture_output=True, text=True)
    if r.returncode != 0:
        ok = False
        print(f"== mypy against {label}: FAILED\n{r.stdout}{r.stderr}")
    else:
        print(f"== mypy against {label}: clean ({len(files)} scripts)")
    pr = [pyright, "--pythonpath", sys.executable, "--warnings", *files]
    r = subprocess.run(pr, cwd=where, capture_output=True, text=True)
    if r.returncode != 0:
        ok = False
        print(f"== pyright against {label}: FAILED\n{r.stdout}{r.stderr}")
    else:
        print(f"== pyright against {label}: clean")
    return ok


def rewritten(dest: Path) -> Path:
    for src in CORPUS.glob("*.py"):
        text = re.sub(r"\bopenai_rs\b", "openai", src.read_text())
        (dest / src.name).write_text(text)
    return dest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pyright", required=True, help="the pyright executable (from npm)")
    ap.add_argument("--against", choices=("openai_rs", "openai", "both"), default="openai_rs")
    args = ap.parse_args()
    args.pyright = shutil.which(os.path.abspath(args.pyright)) or shutil.which(args.pyright)
    if args.pyright is None:
        sys.exit("typecheck-corpus: pyright not found (make py-typecheck installs it)")
    CACHE.mkdir(exist_ok=True)
    ok = True
    if args.against in ("openai_rs", "both"):
        ok &= check(CORPUS, "openai_rs", args.pyright)
    if args.against in ("openai", "both"):
        with tempfile.TemporaryDirectory(prefix="typing-corpus-") as tmp:
            ok &= check(rewritten(Path(tmp)), "openai", args.pyright)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
