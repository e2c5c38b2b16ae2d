"""Running the real ``tgo`` command in a child process, as a user (or CI, with no stdin) would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

COVERAGE_ENV = "COVERAGE_PROCESS_CONFIG"  # set by coverage's `patch = subprocess` (pyproject.toml)


def run_tgo(env: Mapping[str, str], cwd: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m orchestrator *args`` in ``cwd`` with exactly ``env`` (plus, under `make test`, the
    variable through which coverage measures the child too); output captured as text."""
    child_env = dict(env)
    if COVERAGE_ENV in os.environ:
        child_env.setdefault(COVERAGE_ENV, os.environ[COVERAGE_ENV])
    return subprocess.run(
        [sys.executable, "-m", "orchestrator", *args],
        cwd=cwd,
        env=child_env,
        text=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        check=False,
        timeout=timeout,
    )
