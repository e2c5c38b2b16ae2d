"""The only module that starts subprocesses.

Contract:
- Every child gets an explicit environment (never ``os.environ`` implicitly) and an argv list, never
  a shell string, so secrets handed over in the environment never appear in any argv.
- :func:`run_capture` runs a short command to completion and returns its output; it raises
  :class:`~orchestrator.errors.ToolError` only when the program cannot be started at all.
- All functions here are thread-safe: they share no state.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from orchestrator.errors import ToolError


@dataclass(frozen=True, slots=True)
class Captured:
    """The result of a finished command."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def run_capture(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout: float | None = None,
    stdin: str | None = None,
) -> Captured:
    """Run ``argv`` in ``cwd`` with exactly ``env``; capture stdout and stderr as text.

    Raises ToolError when the executable is missing or not executable. A non-zero exit is a value.
    """
    try:
        proc = subprocess.run(  # argv list, never a shell
            list(argv),
            cwd=cwd,
            env=dict(env),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        raise ToolError(f"cannot run {argv[0]!r}: not found", hint="install it or put it on PATH") from exc
    except PermissionError as exc:
        raise ToolError(f"cannot run {argv[0]!r}: permission denied", hint="make it executable") from exc
    except subprocess.TimeoutExpired as exc:
        raise ToolError(f"{argv[0]!r} did not finish within {timeout} s") from exc
    return Captured(tuple(argv), proc.returncode, proc.stdout, proc.stderr)
