"""Run every benchmark in bench/ one after the other (``make bench``).

Each benchmark prints its own figures as ratios measured within one run, because this machine's
timings are noisy; nothing here asserts a time. Pass names to run a subset:
``python bench/run_all.py parse schedule``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = ["schedule", "parse", "sts", "overhead", "drift"]


def main(argv: list[str]) -> int:
    names = argv or BENCHES
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; choose from {BENCHES}", file=sys.stderr)
        return 64
    failed = []
    for name in names:
        print(f"\n=== bench_{name}.py", flush=True)
        start = time.perf_counter()
        code = subprocess.call([sys.executable, str(HERE / f"bench_{name}.py")])
        print(f"=== bench_{name}.py: exit {code} in {time.perf_counter() - start:.1f} s", flush=True)
        if code:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
