"""Formatting one HCL text with ``terraform fmt -`` (stdin to stdout): the canonical layout users
already get from terraform, applied to Terragrunt's ``*.hcl`` files.

Contract: :func:`format_text` never touches a file; it returns the formatted text, or an
:class:`~orchestrator.errors.HclSyntaxError` (as a value) naming ``path`` and the line terraform
reported. It raises ToolError only when terraform cannot be started. Thread-safe (no state).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from orchestrator.errors import HclSyntaxError, Pos
from orchestrator.process import run_capture

# terraform's diagnostics for stdin read "Error: <summary>\n\n  on <stdin> line N...\n\n<detail>".
_SUMMARY = re.compile(r"^Error: (.+)$", re.MULTILINE)
_LINE = re.compile(r"on <stdin> line (\d+)")
# Only what terraform needs: no checkpoint call, no colour; its own environment otherwise.
_ENV = {"CHECKPOINT_DISABLE": "1"}


@dataclass(frozen=True, slots=True)
class Formatted:
    """``text`` is the formatted content, or None when ``error`` says why it could not be formatted."""

    text: str | None
    error: HclSyntaxError | None = None


def format_text(
    terraform: str, text: str, *, path: Path, environ: Mapping[str, str], cwd: Path, timeout: float = 60
) -> Formatted:
    """``text`` (the content of ``path``) as ``terraform fmt`` lays it out."""
    done = run_capture(
        [terraform, "fmt", "-no-color", "-"], cwd=cwd, env={**environ, **_ENV}, stdin=text, timeout=timeout
    )
    if done.returncode == 0:
        return Formatted(done.stdout)
    return Formatted(None, syntax_error(done.stderr, path))


def syntax_error(stderr: str, path: Path) -> HclSyntaxError:
    """terraform's first diagnostic as one error at ``path:line``."""
    summary = _SUMMARY.search(stderr)
    line = _LINE.search(stderr)
    detail = ""
    if summary:
        # The detail is the first non-blank line after the source excerpt (lines starting with a space).
        after = stderr[summary.end() :].splitlines()
        rest = [ln for ln in after if ln.strip() and not ln.startswith((" ", "\t"))]
        detail = rest[0].strip() if rest else ""
    message = summary.group(1).strip() if summary else (stderr.strip().splitlines() or ["terraform fmt failed"])[-1]
    if detail:
        message = f"{message}: {detail}"
    return HclSyntaxError(
        message,
        pos=Pos(str(path), int(line.group(1)) if line else 0),
        hint="fix the syntax; `tgo hcl fmt` formats only valid files",
    )
