"""``--progress auto|tty|plain|json|quiet``: which progress a run shows. Pure.

``auto`` picks ``tty`` (the live board) on a terminal, ``plain`` elsewhere: in a pipe, under
``CI=true`` and on GitHub Actions (``GITHUB_ACTIONS=true``), and when ``TERM=dumb``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, get_args

from orchestrator.errors import UsageError

ProgressChoice = Literal["auto", "tty", "plain", "json", "quiet"]
CHOICES: tuple[str, ...] = get_args(ProgressChoice)
TRUE = frozenset({"1", "true", "yes", "on"})


def parse_progress(value: str | None) -> ProgressChoice:
    """The ``--progress`` flag's value (default ``auto``). Raises UsageError for anything else."""
    if value is None:
        return "auto"
    for choice in ("auto", "tty", "plain", "json", "quiet"):
        if value == choice:
            return choice
    raise UsageError(f"--progress must be one of {', '.join(CHOICES)}, not {value!r}", attr="--progress")


def in_ci(environ: Mapping[str, str]) -> bool:
    return environ.get("CI", "").strip().lower() in TRUE or on_github(environ)


def on_github(environ: Mapping[str, str]) -> bool:
    """Running as a GitHub Actions step (``GITHUB_ACTIONS=true``)."""
    return environ.get("GITHUB_ACTIONS", "").strip().lower() == "true"


def choose_progress(
    choice: ProgressChoice, is_tty: bool, environ: Mapping[str, str]
) -> Literal["tty", "plain", "json", "quiet"]:
    """The progress mode for ``choice`` (see the module doc for ``auto``)."""
    if choice != "auto":
        return choice
    if not is_tty or in_ci(environ) or environ.get("TERM") == "dumb":
        return "plain"
    return "tty"
