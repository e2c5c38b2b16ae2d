"""Compatibility run over the corpus of real-world configuration styles (tests/support/compat_corpus.py).

    python bench/compat_run.py

Writes each repository to a temporary directory, runs ``tgo render --all --json`` on it in a fresh
process, and prints how many repositories and modules render with the values Terragrunt gives,
then every failure's first line (a tgo error, or the first value that differs).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from tests.support.compat_corpus import REPOS, lookup  # noqa: E402


def check(name: str, tmp: Path) -> tuple[int, int, list[str]]:
    """(modules expected, modules matching, failure lines) of one repository."""
    files, expected = REPOS[name]()
    for rel, text in files.items():
        path = tmp / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    done = subprocess.run(
        [sys.executable, "-m", "orchestrator", "render", "--all", "--json", "--no-cache"],
        cwd=tmp,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp)},
    )
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["(no message)"])[0]
        return len(expected), 0, [f"{name}: {first}"]
    rendered = json.loads(done.stdout)
    failures: list[str] = []
    good = 0
    for module, values in expected.items():
        bad = [k for k, v in values.items() if _get(rendered.get(module, {}), k) != v]
        if bad:
            failures.append(f"{name}/{module}: {bad[0]} is {_get(rendered.get(module, {}), bad[0])!r}")
        else:
            good += 1
    return len(expected), good, failures


def _get(rendered: object, dotted: str) -> object:
    try:
        return lookup(rendered, dotted)
    except (KeyError, TypeError, IndexError):
        return "<missing>"


def main() -> None:
    total = good = repos_ok = 0
    failures: list[str] = []
    for name in sorted(REPOS):
        with tempfile.TemporaryDirectory() as tmp:
            expected, matched, failed = check(name, Path(tmp))
        total, good = total + expected, good + matched
        repos_ok += not failed
        failures.extend(failed)
    print(f"repositories rendering as Terragrunt does: {repos_ok} of {len(REPOS)}")
    print(f"modules rendering with the expected values: {good} of {total}")
    for line in failures:
        print(f"FAIL {line}")


if __name__ == "__main__":
    main()
