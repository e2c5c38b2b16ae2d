"""Running the real ``tgo`` command in a child process, as a user (or CI, with no stdin) would."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path


def run_tgo(env: Mapping[str, str], cwd: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m orchestrator *args`` in ``cwd`` with exactly ``env``; output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "orchestrator", *args],
        cwd=cwd,
        env=dict(env),
        text=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        check=False,
        timeout=timeout,
    )
