"""Terraform argv building. Pure: no I/O except the injected ``exists`` check for optional var files.

Contract: :func:`build_argv` returns ``[terraform, command, *extra_arguments, *tgo_flags, *user_args]``
(flags before the user's positional arguments); tgo only adds ``-input=false`` / ``-auto-approve`` /
``-out=`` when the user did not already pass them. Nothing here raises.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestrator.config.models import ModuleConfig
from orchestrator.hcl.values import contains_unknown, to_jsonable

# Commands that read -input; others reject the flag.
INPUT_COMMANDS = frozenset({"init", "plan", "apply", "destroy", "import", "refresh"})
APPROVE_COMMANDS = frozenset({"apply", "destroy"})
# Commands that accept -no-color (terraform 1.0 and later).
NO_COLOR_COMMANDS = frozenset(
    {"init", "plan", "apply", "destroy", "refresh", "output", "show", "validate", "import", "get", "taint", "untaint"}
)
# Commands that change or read state and therefore need an initialised working directory.
NO_INIT_COMMANDS = frozenset({"init", "fmt", "version", "-version", "--version", "help", "-help", "--help"})


_TRUE = frozenset({"1", "t", "true"})  # Go's strconv.ParseBool, which terraform's boolean flags use


def _destroy_flag(arg: str) -> bool:
    name, eq, value = arg.lstrip("-").partition("=")
    return arg.startswith("-") and name == "destroy" and (not eq or value.lower() in _TRUE)


@dataclass(frozen=True)
class TfCommand:
    """A terraform command and the user's arguments for it, e.g. ``plan -detailed-exitcode``."""

    name: str
    args: tuple[str, ...] = ()

    @property
    def is_destroy(self) -> bool:
        """True for ``destroy`` and ``plan -destroy`` / ``apply -destroy``: run in reverse order,
        and ``prevent_destroy`` holds. Every spelling terraform's flag parser accepts counts
        (``-destroy``, ``--destroy``, ``-destroy=true``): one it missed would bypass prevent_destroy."""
        return self.name == "destroy" or (self.name in {"plan", "apply"} and any(map(_destroy_flag, self.args)))

    @property
    def detailed_exitcode(self) -> bool:
        return self.name == "plan" and "-detailed-exitcode" in self.args

    @property
    def plan_out(self) -> str | None:
        """The ``-out`` the user passed to plan, if any."""
        for i, arg in enumerate(self.args):
            if arg.startswith("-out="):
                return arg.split("=", 1)[1]
            if arg == "-out" and i + 1 < len(self.args):
                return self.args[i + 1]
        return None

    @property
    def needs_init(self) -> bool:
        return self.name not in NO_INIT_COMMANDS

    def __str__(self) -> str:
        return " ".join((self.name, *self.args))


@dataclass(frozen=True)
class ExtraArgs:
    """What ``extra_arguments`` blocks add for one command."""

    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)


def extra_arguments(cfg: ModuleConfig, command: str, exists: Callable[[Path], bool]) -> ExtraArgs:
    """Arguments, var files and env vars of every ``extra_arguments`` block listing ``command``,
    in declaration order. Optional var files that do not exist are left out, as Terragrunt does."""
    args: list[str] = []
    env: dict[str, str] = {}
    for block in cfg.terraform.extra_arguments if cfg.terraform else []:
        if command not in block.commands:
            continue
        args.extend(block.arguments)
        args.extend(f"-var-file={f}" for f in block.required_var_files)
        args.extend(f"-var-file={f}" for f in block.optional_var_files if exists(cfg.path / f))
        env.update(block.env_vars)
    return ExtraArgs(tuple(args), env)


def _has_flag(args: Sequence[str], flag: str) -> bool:
    return any(a == flag or a.startswith(flag + "=") for a in args)


def build_argv(
    terraform: str,
    command: TfCommand,
    extra: ExtraArgs,
    *,
    multi: bool,
    plan_out: Path | None = None,
    color: bool = True,
) -> list[str]:
    """The full argv. ``multi`` (run-all) adds ``-input=false`` and, for apply/destroy,
    ``-auto-approve``; ``plan_out`` adds ``-out=`` to a plan that has none; ``color=False`` (no
    colour terminal, ``NO_COLOR``, CI) adds ``-no-color`` where terraform accepts it."""
    given = [*extra.args, *command.args]
    ours: list[str] = []
    if multi and command.name in INPUT_COMMANDS and not _has_flag(given, "-input"):
        ours.append("-input=false")
    if multi and command.name in APPROVE_COMMANDS and not _has_flag(given, "-auto-approve"):
        ours.append("-auto-approve")
    if plan_out is not None and command.name == "plan" and command.plan_out is None:
        ours.append(f"-out={plan_out}")
    if not color and command.name in NO_COLOR_COMMANDS and "-no-color" not in given:
        ours.append("-no-color")
    # tgo's flags go before the user's arguments: terraform stops reading flags at the first
    # positional argument (`apply plan.tfplan`, `import ADDR ID`).
    return [terraform, command.name, *extra.args, *ours, *command.args]


def init_argv(
    terraform: str, backend_config: Mapping[str, Any] | None, extra: ExtraArgs, *, color: bool = True
) -> list[str]:
    """``terraform init -input=false`` plus ``-backend-config`` pairs when the backend is not generated."""
    argv = [terraform, "init", "-input=false", *([] if color else ["-no-color"]), *extra.args]
    for key, value in (backend_config or {}).items():
        text = value if isinstance(value, str) else json.dumps(to_jsonable(value))
        if isinstance(value, bool):
            text = "true" if value else "false"
        argv.append(f"-backend-config={key}={text}")
    return argv


def inputs_env(inputs: Mapping[str, Any]) -> dict[str, str]:
    """``TF_VAR_<name>`` for each input: strings raw, everything else JSON-encoded (as Terragrunt
    does). Inputs still unknown (mocked plans without a value) are left out so terraform reports
    the missing variable instead of receiving a wrong one."""
    env: dict[str, str] = {}
    for name, value in inputs.items():
        if contains_unknown(value):
            continue
        env[f"TF_VAR_{name}"] = value if isinstance(value, str) else json.dumps(to_jsonable(value))
    return env
