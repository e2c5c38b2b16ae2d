"""A misspelt tgo flag (``--paralelism 3``) must not silently go to terraform. Pure.

An unknown ``--flag`` is a usage error with "did you mean --parallelism?" when it is close to one
of tgo's flags and is not a flag terraform takes for that command; anything else still goes to
terraform as before (tgo cannot know every flag of every terraform version, so only near-misses
of its own flags are stopped).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

_COMMON = frozenset({"help", "no-color", "input", "lock", "lock-timeout", "var", "var-file", "json", "chdir"})
_PLAN = frozenset(
    {
        "destroy", "refresh-only", "refresh", "replace", "target", "compact-warnings", "detailed-exitcode",
        "out", "parallelism", "state", "generate-config-out", "backup", "state-out", "auto-approve",
    }
)  # fmt: skip
TERRAFORM_FLAGS: dict[str, frozenset[str]] = {
    "init": frozenset(
        {
            "backend",
            "backend-config",
            "force-copy",
            "from-module",
            "get",
            "plugin-dir",
            "reconfigure",
            "migrate-state",
            "upgrade",
            "lockfile",
            "ignore-remote-version",
            "verify-plugins",
            "test-directory",
        }
    ),
    "plan": _PLAN,
    "apply": _PLAN,
    "destroy": _PLAN,
    "refresh": _PLAN,
    "validate": frozenset({"test-directory"}),
    "output": frozenset({"raw", "state"}),
    "show": frozenset(),
    "import": frozenset({"config", "allow-missing-config", "ignore-remote-version", "state", "state-out", "backup"}),
    "state": frozenset({"state", "state-out", "backup", "dry-run", "id", "ignore-remote-version"}),
    "providers": frozenset({"platform", "fs-mirror", "net-mirror", "enable-plugin-cache"}),
    "fmt": frozenset({"list", "write", "diff", "check", "recursive"}),
    "force-unlock": frozenset({"force"}),
    "workspace": frozenset({"force", "state"}),
    "taint": frozenset({"allow-missing", "state", "state-out", "backup", "ignore-remote-version"}),
    "untaint": frozenset({"allow-missing", "state", "state-out", "backup", "ignore-remote-version"}),
    "graph": frozenset({"type", "plan", "draw-cycles", "module-depth"}),
    "console": frozenset({"state", "plan"}),
    "test": frozenset({"filter", "test-directory", "verbose", "cloud-run"}),
}
ALL_TERRAFORM_FLAGS = frozenset().union(*TERRAFORM_FLAGS.values())


def terraform_takes(command: str | None, name: str) -> bool:
    """Whether terraform's ``command`` has the flag ``name`` (without dashes); for a command not in
    the table, whether any command has it."""
    known = TERRAFORM_FLAGS.get(command or "")
    return name in _COMMON or name in (known if known is not None else ALL_TERRAFORM_FLAGS)


def did_you_mean(arg: str, command: str | None, tgo_flags: Iterable[str]) -> str | None:
    """The tgo flag ``arg`` (an unknown ``--flag`` or ``--flag=value``) is a near-miss of, or None."""
    if not arg.startswith("--") or arg == "--":
        return None
    name = arg.partition("=")[0][2:]
    if not name or terraform_takes(command, name):
        return None
    ours = {flag[2:]: flag for flag in tgo_flags if flag.startswith("--")}
    close = difflib.get_close_matches(name, list(ours), n=1, cutoff=0.8)
    return ours[close[0]] if close else None
