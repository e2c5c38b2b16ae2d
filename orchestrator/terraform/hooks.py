"""Hooks (``before_hook``, ``after_hook``, ``error_hook``) of one terraform command.

Contract: :func:`run_hooks` runs each matching hook through ``process.run_streaming`` in the
working directory (or the hook's ``working_dir``) with the module's environment (``env()``, built
anew for each hook), and returns the
first failing hook's description, or None. It raises nothing for a failing hook (the module fails);
ToolError when a hook's program cannot be started is caught and returned as a failure too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from orchestrator.config.models import ErrorHook, Hook, ModuleConfig
from orchestrator.errors import ToolError
from orchestrator.process import ProcessGroup, run_streaming
from orchestrator.terraform.lines import ModuleLines


def before_hooks(cfg: ModuleConfig, command: str) -> list[Hook]:
    return [h for h in (cfg.terraform.before_hook if cfg.terraform else []) if command in h.commands and h.if_]


def after_hooks(cfg: ModuleConfig, command: str, *, failed: bool) -> list[Hook]:
    hooks = cfg.terraform.after_hook if cfg.terraform else []
    return [h for h in hooks if command in h.commands and h.if_ and (h.run_on_error or not failed)]


def error_hooks(cfg: ModuleConfig, command: str, output: str) -> list[ErrorHook]:
    hooks = cfg.terraform.error_hook if cfg.terraform else []
    return [h for h in hooks if command in h.commands and any(_search(p, output) for p in h.on_errors)]


def _search(pattern: str, text: str) -> bool:
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return pattern in text


def run_hooks(
    hooks: Sequence[Hook | ErrorHook],
    kind: str,
    *,
    workdir: Path,
    env: Callable[[], Mapping[str, str]],
    out: ModuleLines,
    group: ProcessGroup,
) -> str | None:
    for hook in hooks:
        if not hook.execute:
            continue
        cwd = (workdir / hook.working_dir) if hook.working_dir else workdir
        out.note(f"{kind} {hook.name!r}: {hook.execute[0]}")

        def on_line(stream: str, line: str, hook: Hook | ErrorHook = hook) -> None:
            if stream == "stdout" and hook.suppress_stdout:
                return
            out.line(stream, line)

        try:
            code = run_streaming(hook.execute, cwd=cwd, env=env(), on_line=on_line, group=group)
        except ToolError as err:
            return f"{kind} {hook.name!r}: {err.message}"
        if code != 0:
            return f"{kind} {hook.name!r} exited with {code}"
    return None
