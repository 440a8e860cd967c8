"""``python -m openai_rs bulk IN.jsonl OUT.jsonl --concurrency N --rpm R --tpm T``."""

from __future__ import annotations

import sys


def _main(argv: list[str]) -> int:
    if not argv or argv[0] != "bulk":
        print(
            "usage: python -m openai_rs bulk IN.jsonl OUT.jsonl [--concurrency N] [--rpm R] "
            "[--tpm T] [--max-cost USD] [--no-progress]",
            file=sys.stderr,
        )
        return 2
    from ._bulk import main

    return main(argv[1:])


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
