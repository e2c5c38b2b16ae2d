"""Terragrunt's functions, bound to one :class:`~orchestrator.config.context.FileContext`.

Each function takes evaluated argument values and returns a value; bad arguments raise
:class:`~orchestrator.errors.EvalError` (the evaluator adds the call's position). Anything that
touches the outside world (environment, subprocesses, other config files, AWS identity) goes
through the :class:`Host` (the loader), which owns the memos and their locks.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from orchestrator.config.context import FileContext, posix_relpath
from orchestrator.config.fnservices import FunctionServices
from orchestrator.config.fscache import FsCache
from orchestrator.config.models import ModuleConfig
from orchestrator.config.tgextras import EXTRA_FUNCTIONS
from orchestrator.errors import EvalError, TgoError, relpath
from orchestrator.hcl.values import UNKNOWN, Value

COMMANDS_NEED_VARS = ["apply", "console", "destroy", "import", "plan", "push", "refresh"]
COMMANDS_NEED_INPUT = ["apply", "import", "init", "plan", "refresh"]
# Terragrunt's TERRAFORM_COMMANDS_NEED_LOCKING (no init: it takes -lock but locks nothing to protect).
COMMANDS_NEED_LOCKING = ["apply", "destroy", "import", "plan", "refresh", "taint", "untaint"]
COMMANDS_NEED_PARALLELISM = ["apply", "plan", "destroy"]
DEFAULT_CONFIG_NAMES = ("terragrunt.hcl", "terragrunt.hcl.json")
# run_cmd's own options, Terragrunt's spellings, before the command (any order).
RUN_CMD_QUIET = "--terragrunt-quiet"
RUN_CMD_GLOBAL_CACHE = "--terragrunt-global-cache"
RUN_CMD_NO_CACHE = "--terragrunt-no-cache"

TgFunction = Callable[..., Value]

COMMAND_LISTS = {
    "get_terraform_commands_that_need_vars": COMMANDS_NEED_VARS,
    "get_terraform_commands_that_need_input": COMMANDS_NEED_INPUT,
    "get_terraform_commands_that_need_locking": COMMANDS_NEED_LOCKING,
    "get_terraform_commands_that_need_parallelism": COMMANDS_NEED_PARALLELISM,
}
CONSTANTS = frozenset(
    {
        "get_terragrunt_dir",
        "get_original_terragrunt_dir",
        "get_terraform_command",
        "get_terraform_cli_args",
        "get_platform",
    }
)
REPO_FUNCTIONS = frozenset({"get_repo_root", "get_path_from_repo_root", "get_path_to_repo_root"})
IDENTITY_FUNCTIONS = {
    "get_aws_account_id": "account_id",
    "get_aws_caller_identity_arn": "arn",
    "get_aws_caller_identity_user_id": "user_id",
}
METHODS = frozenset(
    {
        "find_in_parent_folders",
        "path_relative_to_include",
        "path_relative_from_include",
        "get_parent_terragrunt_dir",
        "read_terragrunt_config",
        "get_env",
        "run_cmd",
    }
)
FUNCTION_NAMES = frozenset(
    {*COMMAND_LISTS, *CONSTANTS, *REPO_FUNCTIONS, *IDENTITY_FUNCTIONS, *METHODS, *EXTRA_FUNCTIONS}
)


class Host(Protocol):
    """What the functions need from the loader. Implementations must be thread-safe."""

    environ: Mapping[str, str]
    cwd: Path
    fs: FsCache
    extras: FunctionServices

    def run_cmd(self, argv: Sequence[str], cwd: Path, *, quiet: bool, role: str | None, cache: str = "dir") -> str:
        """``cache``: "dir" (memo per directory), "global" (one memo for all directories) or "none"."""
        ...

    def read_config(self, path: Path, ctx: FileContext) -> Value: ...

    def aws_identity(self, role: str | None) -> Mapping[str, str]: ...

    def repo_root(self, start: Path) -> Path: ...

    def load_module(self, module_dir: Path) -> ModuleConfig: ...


def _str(value: Value, what: str) -> str:
    if not isinstance(value, str):
        raise EvalError(f"{what} must be a string, got {type(value).__name__}")
    return value


def _arity(name: str, args: tuple[Value, ...], low: int, high: int) -> None:
    if not low <= len(args) <= high:
        expected = str(low) if low == high else f"{low} to {high}"
        raise EvalError(f"{name}() takes {expected} argument(s), got {len(args)}")


def _platform() -> str:
    if sys.platform.startswith("win"):
        return "windows"
    return "darwin" if sys.platform == "darwin" else sys.platform.rstrip("0123456789")


def _unknown_in_unknown_out(fn: TgFunction) -> TgFunction:
    """As Terraform's built-ins do: an unknown argument gives an unknown result."""

    def wrapper(*args: Value) -> Value:
        for a in args:
            if a is UNKNOWN:
                return UNKNOWN
        return fn(*args)

    return wrapper


class TerragruntFunctions(Mapping[str, TgFunction]):
    """The function table for one file evaluation: a read-only mapping, built lazily.

    Functions are made on first lookup (most expressions call two or three of the thirty), so a
    table costs nothing to create per evaluation phase. Not shared between threads.
    """

    def __init__(self, ctx: FileContext, host: Host) -> None:
        self.ctx = ctx
        self.host = host
        self._made: dict[str, TgFunction] = {}

    def table(self) -> TerragruntFunctions:
        return self

    def __getitem__(self, name: str) -> TgFunction:
        fn = self._made.get(name)
        if fn is None:
            fn = _unknown_in_unknown_out(self._make(name))
            self._made[name] = fn
        return fn

    def __iter__(self) -> Iterator[str]:
        return iter(FUNCTION_NAMES)

    def __len__(self) -> int:
        return len(FUNCTION_NAMES)

    def __contains__(self, name: object) -> bool:
        return name in FUNCTION_NAMES

    def get(self, name: str, default: Any = None) -> Any:
        """``Mapping.get`` without raising and catching KeyError for a name that is not a
        Terragrunt function: every call of a Terraform built-in asks here first."""
        if name not in FUNCTION_NAMES:
            return default
        try:
            return self[name]
        except KeyError:
            return default

    def _make(self, name: str) -> TgFunction:
        if name in COMMAND_LISTS:
            return self._const(name, COMMAND_LISTS[name])
        if name in CONSTANTS:
            return self._const(name, self._constant(name))
        if name in REPO_FUNCTIONS:
            return lambda *a: self._repo(name, a)
        if name in IDENTITY_FUNCTIONS:
            return lambda *a: self._identity(name, a, IDENTITY_FUNCTIONS[name])
        if name in METHODS:
            fn: TgFunction = getattr(self, name)
            return fn
        if name in EXTRA_FUNCTIONS:
            extra = EXTRA_FUNCTIONS[name]
            return lambda *a: extra(self.ctx, self.host, a)
        raise KeyError(name)

    def _constant(self, name: str) -> Value:
        ctx = self.ctx
        values: dict[str, Value] = {
            "get_terragrunt_dir": str(ctx.terragrunt_dir),
            "get_original_terragrunt_dir": str(ctx.original_dir),
            "get_terraform_command": ctx.command or "",
            "get_terraform_cli_args": [],
            "get_platform": _platform(),
        }
        return values[name]

    @staticmethod
    def _const(name: str, value: Value) -> TgFunction:
        def fn(*args: Value) -> Value:
            _arity(name, args, 0, 0)
            return list(value) if isinstance(value, list) else value

        return fn

    def find_in_parent_folders(self, *args: Value) -> Value:
        """The nearest file named ``name`` in a parent of the module's directory (absolute path)."""
        _arity("find_in_parent_folders", args, 0, 2)
        names = (_str(args[0], "find_in_parent_folders() name"),) if args else DEFAULT_CONFIG_NAMES
        found = self.host.fs.find_up_from(self.ctx.config_file, names)
        if found is not None:
            return str(found)
        if len(args) == 2:
            return args[1]
        raise EvalError(
            f"cannot find {names[0]!r} in any parent folder of {relpath(self.ctx.terragrunt_dir, self.host.cwd)}",
            hint="create it, fix the name, or pass a fallback as the second argument",
        )

    def _target(self, name: str, args: tuple[Value, ...]) -> Path | None:
        _arity(name, args, 0, 1)
        label = _str(args[0], f"{name}() label") if args else None
        return self.ctx.include_target_dir(label)

    def path_relative_to_include(self, *args: Value) -> Value:
        target = self._target("path_relative_to_include", args)
        return "." if target is None else posix_relpath(self.ctx.terragrunt_dir, target)

    def path_relative_from_include(self, *args: Value) -> Value:
        target = self._target("path_relative_from_include", args)
        return "." if target is None else posix_relpath(target, self.ctx.terragrunt_dir)

    def get_parent_terragrunt_dir(self, *args: Value) -> Value:
        target = self._target("get_parent_terragrunt_dir", args)
        return str(target or self.ctx.terragrunt_dir)

    def read_terragrunt_config(self, *args: Value) -> Value:
        _arity("read_terragrunt_config", args, 1, 2)
        path = self.host.fs.resolve_in(self.ctx.terragrunt_dir, _str(args[0], "read_terragrunt_config() path"))
        if not self.host.fs.is_file(path):
            if len(args) == 2:
                return args[1]
            raise EvalError(
                f"read_terragrunt_config(): {relpath(path, self.host.cwd)} does not exist",
                hint="fix the path or pass a default as the second argument",
            )
        self.host.extras.reads.note(self.ctx.original_dir, path)
        try:
            return self.host.read_config(path, self.ctx)
        except EvalError:
            raise
        except TgoError as err:
            # An error in the file read is an error of this call, so try() falls back on it as in
            # Terragrunt; its own position (in the file read) is kept.
            raise EvalError(err.message, pos=err.pos, attr=err.attr, hint=err.hint) from None

    def get_env(self, *args: Value) -> Value:
        _arity("get_env", args, 1, 2)
        name = _str(args[0], "get_env() name")
        value = self.host.environ.get(name)
        if value is not None:
            return value
        if len(args) == 2:
            return args[1]
        raise EvalError(
            f"environment variable {name} is not set",
            hint=f'set it, or give a default: get_env("{name}", "")',
        )

    def run_cmd(self, *args: Value) -> Value:
        words = [_str(a, "run_cmd() argument") for a in args]
        quiet = False
        cache = "dir"
        while words and words[0] in (RUN_CMD_QUIET, RUN_CMD_GLOBAL_CACHE, RUN_CMD_NO_CACHE):
            word = words.pop(0)
            if word == RUN_CMD_QUIET:
                quiet = True
                continue
            wanted = "global" if word == RUN_CMD_GLOBAL_CACHE else "none"
            if cache not in ("dir", wanted):
                raise EvalError(
                    f"run_cmd(): {RUN_CMD_GLOBAL_CACHE} and {RUN_CMD_NO_CACHE} cannot be used together",
                    hint="keep one of them",
                )
            cache = wanted
        if not words:
            raise EvalError("run_cmd() needs a command to run")
        return self.host.run_cmd(words, self.ctx.terragrunt_dir, quiet=quiet, role=self.ctx.iam_role, cache=cache)

    def _repo(self, name: str, args: tuple[Value, ...]) -> Value:
        _arity(name, args, 0, 0)
        root = self.host.repo_root(self.ctx.terragrunt_dir)
        if name == "get_repo_root":
            return str(root)
        if name == "get_path_from_repo_root":
            return posix_relpath(self.ctx.terragrunt_dir, root)
        return posix_relpath(root, self.ctx.terragrunt_dir)

    def _identity(self, name: str, args: tuple[Value, ...], key: str) -> Value:
        _arity(name, args, 0, 0)
        return self.host.aws_identity(self.ctx.iam_role).get(key, UNKNOWN)
