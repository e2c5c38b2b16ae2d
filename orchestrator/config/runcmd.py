"""``run_cmd``: running a command for a config, once per (argv, directory, role) per run.

:class:`CommandRunner` owns the memo of outputs, so a command that many modules run (through a
shared ``root.hcl``) runs once. Commands run with the environment of the runtime, adjusted by the
``role_env`` callback for the module's role (so ``aws sts get-caller-identity`` in a ``run_cmd``
answers for that role, as in Terragrunt). Thread-safe: one lock guards the memo; two threads asking
for the same new command at once may both run it (the result is the same).

Raises :class:`~orchestrator.errors.EvalError` when the command fails.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from orchestrator.config.parallel import ParentOnly
from orchestrator.errors import EvalError
from orchestrator.process import run_capture
from orchestrator.runtime import Runtime

RoleEnv = Callable[[str | None], Mapping[str, str | None]]


class CommandRunner:
    """Runs ``run_cmd`` commands for one loader (see module doc)."""

    def __init__(self, runtime: Runtime, role_env: RoleEnv | None, *, allowed: bool = True) -> None:
        self.runtime = runtime
        self.allowed = allowed
        self.role_env = role_env
        self._lock = threading.Lock()
        self._runs: dict[tuple[tuple[str, ...], Path | None, str | None], str] = {}
        self.parent_only = False
        """In a forked child of a parallel load: a command not run yet raises ParentOnly (it runs once,
        in the parent, whose memo the later loads of the run use)."""

    def run(self, argv: Sequence[str], cwd: Path, *, quiet: bool, role: str | None, cache: str = "dir") -> str:
        """The command's standard output without its last newline; echoed to stderr unless ``quiet``.

        ``cache`` as Terragrunt's run_cmd options: "dir" remembers the output per (command, directory,
        role), "global" per (command, role) whatever the directory, "none" runs it every time."""
        if not self.allowed:
            raise EvalError(
                f"run_cmd({', '.join(repr(a) for a in argv)}) is not allowed: --no-run-cmd is set",
                hint="review the command; run without --no-run-cmd (or TGO_NO_RUN_CMD) to allow it",
            )
        key = (tuple(argv), None if cache == "global" else cwd, role)
        with self._lock:
            if cache != "none" and key in self._runs:
                return self._runs[key]
        if self.parent_only:
            raise ParentOnly(f"run_cmd({', '.join(repr(a) for a in argv)})")
        done = run_capture(argv, cwd=cwd, env=self._environment(role))
        if done.returncode != 0:
            detail = (done.stderr.strip().splitlines() or [""])[-1]
            raise EvalError(
                f"run_cmd({', '.join(repr(a) for a in argv)}) exited with {done.returncode}"
                + (f": {detail}" if detail else ""),
                hint="fix the command, or wrap it in try()",
            )
        output = done.stdout.removesuffix("\n")
        if not quiet and output:
            for line in output.splitlines():
                self.runtime.console.error(f"run_cmd: {line}")
        if cache != "none":
            with self._lock:
                self._runs[key] = output
        return output

    def _environment(self, role: str | None) -> dict[str, str]:
        env = dict(self.runtime.environ)
        if self.role_env is not None:
            for name, value in self.role_env(role).items():
                if value is None:
                    env.pop(name, None)
                else:
                    env[name] = value
        return env


__all__ = ["CommandRunner", "RoleEnv"]
