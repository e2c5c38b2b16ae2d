"""Running terraform for one module: prepare the working directory, auto-init, hooks, the command
with retries, after hooks, then (for plans with changes) ``terraform show -json`` of the saved plan,
once: the module is *released* (``released()``: its dependents may start) before that ``show`` runs,
so it is never on the critical path, and the plan's JSON is kept in the result (``plan_json``).

Contract:
- :meth:`ModuleExecutor.run` never raises for a failing module: a failed terraform, hook, bad
  source, unwritable working directory or unparsable plan is a :class:`ModuleRun` with
  ``status="failed"`` and a ``reason``.
  After the process group was interrupted it returns ``status="interrupted"`` and starts nothing.
- The child environment is ``base_env`` + extra_arguments ``env_vars`` + inputs as ``TF_VAR_*`` +
  ``credentials_env(cfg)`` (``None`` removes a variable), rebuilt before every process. It is never
  printed or logged.
- Thread-safe: one executor serves every module of a run; it keeps no per-module state.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from orchestrator.config.models import ModuleConfig
from orchestrator.errors import TgoError
from orchestrator.process import ProcessGroup, run_capture, run_supervised
from orchestrator.terraform import hooks
from orchestrator.terraform.binary import TerraformVersions
from orchestrator.terraform.commands import (
    ExtraArgs,
    TfCommand,
    build_argv,
    extra_arguments,
    init_argv,
    inputs_env,
)
from orchestrator.terraform.error_block import error_text
from orchestrator.terraform.lines import ModuleLines
from orchestrator.terraform.module_lock import module_lock
from orchestrator.terraform.parsing import PlanSummary, parse_outputs, plan_json, plan_summary
from orchestrator.terraform.plugin_cache import init_lock
from orchestrator.terraform.retry import ignored_because, retry_delay, retry_rules
from orchestrator.terraform.state_lock import lock_id_in, may_hold_lock
from orchestrator.terraform.workdir import LOCK_FILE, WorkDir, prepare

CredentialsEnv = Callable[[ModuleConfig], Mapping[str, str | None]]
RunStatus = Literal["succeeded", "failed", "interrupted"]
EnvFn = Callable[[], Mapping[str, str]]
"""Builds a child environment; called right before each process (credentials may have been refreshed)."""
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _initialised(work: WorkDir, out: ModuleLines | None, version: str | None = None) -> None:
    work.mark_initialised(version)
    _lock_file_back(work, out)


def _lock_file_back(work: WorkDir, out: ModuleLines | None) -> None:
    """``copy_terraform_lock_file``: the lock file terraform wrote in the copy goes back to the module
    directory, where users commit it. Raises OSError (the run then fails: "cannot prepare")."""
    if work.copy_lock_file_back() and out is not None and work.lock_file_home is not None:
        out.note(f"copied {LOCK_FILE} to {work.lock_file_home}")


def no_credentials(_cfg: ModuleConfig) -> Mapping[str, str | None]:
    return {}


@dataclass(frozen=True)
class ModuleRun:
    """The result of one module's terraform command."""

    status: RunStatus
    exit_code: int | None = None
    attempts: int = 0
    reason: str | None = None
    working_dir: Path | None = None
    plan_file: Path | None = None
    plan: PlanSummary | None = None
    stderr_tail: tuple[str, ...] = ()
    has_changes: bool = False
    forced_stop: bool = False
    """tgo stopped terraform with SIGTERM/SIGKILL (shutdown timeout, second signal)."""
    lock_maybe_left: bool = False
    """Forced and terraform died of a signal before its teardown: its state lock may still be held."""
    lock_id: str | None = None
    """The state lock ID terraform printed (``Lock Info: ID:``), if it printed one."""
    plan_json: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)
    """The one ``terraform show -json`` of the saved plan (None: empty plan, or not a plan)."""


@dataclass(frozen=True)
class ExecRequest:
    command: TfCommand
    multi: bool = True
    plan_out: Path | None = None
    interactive: bool = False
    color: bool = True


@dataclass
class ModuleExecutor:
    terraform_for: Callable[[ModuleConfig], str]
    base_env: Mapping[str, str]
    group: ProcessGroup
    credentials_env: CredentialsEnv = no_credentials
    sleep: Callable[[float], None] = field(default=lambda _s: None)
    cancel: threading.Event = field(default_factory=threading.Event)
    versions: TerraformVersions | None = None
    """Each binary's version: a working copy another version initialised is initialised again."""

    def env_for(self, cfg: ModuleConfig, extra: ExtraArgs) -> dict[str, str]:
        env = dict(self.base_env)
        env.update(extra.env)
        env.update(inputs_env(cfg.inputs))
        for key, value in self.credentials_env(cfg).items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    def _stopped(self) -> bool:
        return self.cancel.is_set() or self.group.interrupted

    def run(
        self, cfg: ModuleConfig, req: ExecRequest, out: ModuleLines, released: Callable[[], None] = lambda: None
    ) -> ModuleRun:
        """Run ``req.command`` in ``cfg``'s module; see the module doc. ``released`` is called (from
        this thread) when the command and its hooks succeeded and only reading the plan is left."""
        try:
            with module_lock(cfg.path):  # a second tgo on this tree fails the module, never races in it
                return self._run(cfg, req, out, released)
        except TgoError as err:
            out.note(f"error: {err.format()}")
            return ModuleRun("failed", reason=err.format(), stderr_tail=tuple(out.stderr_tail()))
        except OSError as err:  # the working directory could not be prepared (disk, permissions)
            reason = f"cannot prepare the working directory: {err}"
            out.note(f"error: {reason}")
            return ModuleRun("failed", reason=reason, stderr_tail=tuple(out.stderr_tail()))

    def _run(self, cfg: ModuleConfig, req: ExecRequest, out: ModuleLines, released: Callable[[], None]) -> ModuleRun:
        if self._stopped():
            return ModuleRun("interrupted", reason="interrupted before start")
        tf = self.terraform_for(cfg)
        work = prepare(cfg, self.env_for(cfg, ExtraArgs()))
        cmd = req.command
        version = self.versions.of(tf) if self.versions is not None else None
        before = work.initialised_by()
        upgrade = version is not None and before is not None and before != version
        if cmd.needs_init and (upgrade or work.needs_init()):
            if upgrade:
                out.notice(
                    f"terraform {before} initialised this working copy, {version} runs now: init -reconfigure -upgrade"
                )
            failed = self._init(cfg, tf, work, out, color=req.color, upgrade=upgrade, version=version)
            if failed is not None:
                return failed
        extra = extra_arguments(cfg, cmd.name, lambda p: p.is_file())

        def env() -> Mapping[str, str]:
            return self.env_for(cfg, extra)

        problem = hooks.run_hooks(
            hooks.before_hooks(cfg, cmd.name), "before_hook", workdir=work.path, env=env, out=out, group=self.group
        )
        if problem is not None:
            return self._finish(
                cfg, req, work=work, out=out, env=env, result=ModuleRun("failed", reason=problem, working_dir=work.path)
            )
        plan_file = (req.plan_out if cmd.plan_out is None else work.path / cmd.plan_out) if cmd.name == "plan" else None
        if plan_file is not None:
            plan_file.parent.mkdir(parents=True, exist_ok=True)
        if cmd.name == "init":  # an explicit init still gets the backend settings
            argv = [*init_argv(tf, work.backend_config, extra, color=req.color), *cmd.args]
        else:
            argv = build_argv(tf, cmd, extra, multi=req.multi, plan_out=req.plan_out, color=req.color)
        with init_lock(env(), work.path) if cmd.name == "init" else contextlib.nullcontext():
            result = self._attempts(cfg, argv, work=work, env=env, out=out, req=req)
        if result.status == "succeeded" and cmd.name == "init":
            _initialised(work, out, version)
        elif result.status == "succeeded" and cmd.name == "providers" and cmd.args[:1] == ("lock",):
            _lock_file_back(work, out)  # Terragrunt copies it back after `providers lock` too
        result = replace(
            result,
            working_dir=work.path,
            plan_file=plan_file if result.status == "succeeded" else None,
            has_changes=result.exit_code == 2 and cmd.detailed_exitcode,
        )
        result = self._finish(cfg, req, work=work, out=out, env=env, result=result)
        if result.status == "succeeded" and result.plan is None and result.plan_file and result.plan_file.is_file():
            released()  # dependents need the plan to have run, not to have been read
            result = self._summarise(tf, result, work, env)
        return result

    def _init(
        self,
        cfg: ModuleConfig,
        tf: str,
        work: WorkDir,
        out: ModuleLines,
        *,
        color: bool,
        upgrade: bool = False,
        version: str | None = None,
    ) -> ModuleRun | None:
        extra = extra_arguments(cfg, "init", lambda p: p.is_file())
        env = self.env_for(cfg, extra)  # one process
        if not upgrade:
            out.note("terraform init (working directory not initialised or backend/source changed)")
        again = ["-reconfigure", "-upgrade"] if upgrade else []
        with init_lock(env, work.path):  # inits writing one provider into a shared cache take turns
            done = run_supervised(
                [*init_argv(tf, work.backend_config, extra, color=color), *again],
                cwd=work.path,
                env=env,
                on_line=out.line,
                group=self.group,
            )
        code = done.code
        if code == 0:
            _initialised(work, out, version)
            return None
        status: RunStatus = "interrupted" if self._stopped() else "failed"
        tail = tuple(out.stderr_tail())
        reason = error_text(out.recent_stderr()) or f"terraform init exited with {code}"
        left = may_hold_lock(code, done.forced)
        return ModuleRun(
            status, code, 1, reason, work.path, stderr_tail=tail, forced_stop=done.forced, lock_maybe_left=left
        )

    def _attempts(
        self,
        cfg: ModuleConfig,
        argv: list[str],
        *,
        work: WorkDir,
        env: EnvFn,
        out: ModuleLines,
        req: ExecRequest,
    ) -> ModuleRun:
        rules = retry_rules(cfg)
        attempt = 0
        while True:
            attempt += 1
            lines: list[str] = []

            def on_line(stream: str, line: str, lines: list[str] = lines) -> None:
                lines.append(line)
                out.line(stream, line)

            done = run_supervised(
                argv, cwd=work.path, env=env(), on_line=on_line, group=self.group, interactive=req.interactive
            )
            code = done.code
            ok = code == 0 or (code == 2 and req.command.detailed_exitcode)
            if ok:
                # "No changes." means an empty plan: skip the extra `show -json` (it doubles the cost).
                # With -detailed-exitcode the exit code says whether anything differs, whatever the text says.
                detailed = req.command.detailed_exitcode
                empty = req.command.name == "plan" and (
                    (detailed and code == 0)
                    or (not detailed and any(_ANSI.sub("", ln).startswith("No changes.") for ln in lines))
                )
                return ModuleRun("succeeded", code, attempt, plan=PlanSummary() if empty else None)
            text = "\n".join(lines)
            if self._stopped():
                reason = "stopped by force (SIGTERM/SIGKILL)" if done.forced else "interrupted"
                return ModuleRun(
                    "interrupted",
                    code,
                    attempt,
                    reason,
                    stderr_tail=tuple(out.stderr_tail()),
                    forced_stop=done.forced,
                    lock_maybe_left=may_hold_lock(code, done.forced),
                    lock_id=lock_id_in(lines),
                )
            ignored = ignored_because(cfg, text)
            if ignored is not None:
                out.note(ignored)
                return ModuleRun("succeeded", code, attempt, ignored)
            delay = retry_delay(rules, text, attempt)
            if delay is None:
                reason = error_text(out.recent_stderr()) or f"terraform {req.command.name} exited with {code}"
                return ModuleRun("failed", code, attempt, reason, stderr_tail=tuple(out.stderr_tail()))
            out.retry(attempt + 1, delay, f"terraform {req.command.name} exited with {code}")
            self.sleep(delay)

    def _summarise(self, tf: str, result: ModuleRun, work: WorkDir, env: EnvFn) -> ModuleRun:
        assert result.plan_file is not None
        shown = run_capture([tf, "show", "-json", str(result.plan_file)], cwd=work.path, env=env())
        try:
            if shown.returncode != 0:
                raise ValueError(shown.stderr.strip()[-300:])
            data = plan_json(shown.stdout)
            plan = plan_summary(data)
        except ValueError as exc:
            return ModuleRun(
                "failed", result.exit_code, result.attempts, f"cannot read the saved plan: {exc}", work.path
            )
        return replace(result, plan=plan, has_changes=plan.has_changes or result.has_changes, plan_json=data)

    def _finish(
        self,
        cfg: ModuleConfig,
        req: ExecRequest,
        *,
        work: WorkDir,
        out: ModuleLines,
        env: EnvFn,
        result: ModuleRun,
    ) -> ModuleRun:
        name = req.command.name
        failed = result.status != "succeeded"
        problem = hooks.run_hooks(
            hooks.after_hooks(cfg, name, failed=failed),
            "after_hook",
            workdir=work.path,
            env=env,
            out=out,
            group=self.group,
        )
        if failed:
            text = "\n".join(result.stderr_tail)
            hooks.run_hooks(
                hooks.error_hooks(cfg, name, text), "error_hook", workdir=work.path, env=env, out=out, group=self.group
            )
        if problem is not None and not failed:
            return ModuleRun("failed", result.exit_code, result.attempts, problem, work.path)
        return result

    def read_outputs(self, cfg: ModuleConfig, out: ModuleLines | None = None) -> dict[str, Any] | None:
        """``terraform output -json`` in ``cfg``'s working directory (initialising it if needed).
        None when the module has no state or terraform fails (the loader then decides: mocks or
        an error)."""
        if self._stopped():
            return None
        tf = self.terraform_for(cfg)
        work = prepare(cfg, self.env_for(cfg, ExtraArgs()))
        if work.needs_init():
            extra = extra_arguments(cfg, "init", lambda p: p.is_file())
            init_env = self.env_for(cfg, extra)
            with init_lock(init_env, work.path):
                init = run_capture(init_argv(tf, work.backend_config, extra), cwd=work.path, env=init_env)
            if init.returncode != 0:
                if out is not None:
                    out.note(f"cannot read outputs of {cfg.path}: terraform init exited with {init.returncode}")
                return None
            _initialised(work, out)
        extra = extra_arguments(cfg, "output", lambda p: p.is_file())
        shown = run_capture([tf, "output", "-json"], cwd=work.path, env=self.env_for(cfg, extra))
        if shown.returncode != 0:
            return None
        try:
            return parse_outputs(shown.stdout)
        except ValueError:
            return None
