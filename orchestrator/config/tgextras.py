"""Terragrunt's functions that read files, AWS or the run's flags (the table's newer half).

Each entry of :data:`EXTRA_FUNCTIONS` takes the file context, the host (the loader's session) and
the evaluated arguments. Relative paths are resolved against the module's directory, as
Terragrunt resolves them against its working directory (also from an included or read file).
Every file these functions read is recorded in the run's :class:`~.reads.ReadLog`.
Raises EvalError (HclSyntaxError for a bad tfvars file) with what to do.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from orchestrator.config.constraints import constraint_check
from orchestrator.config.context import FileContext
from orchestrator.config.reads import expand_glob
from orchestrator.config.retryable import DEFAULT_RETRYABLE_ERRORS
from orchestrator.config.sops import KeyServiceError
from orchestrator.config.tfvars import read_tfvars
from orchestrator.errors import EvalError, relpath
from orchestrator.hcl.values import Value

if TYPE_CHECKING:
    from orchestrator.config.tgfunctions import Host

Extra = Callable[[FileContext, "Host", tuple[Value, ...]], Value]


def _arity(name: str, args: tuple[Value, ...], count: int) -> None:
    if len(args) != count:
        raise EvalError(f"{name}() takes {count} argument(s), got {len(args)}")


def _path_arg(name: str, ctx: FileContext, args: tuple[Value, ...]) -> tuple[str, Path]:
    _arity(name, args, 1)
    given = args[0]
    if not isinstance(given, str):
        raise EvalError(f"{name}() path must be a string, got {type(given).__name__}")
    return given, Path(ctx.original_dir, given).resolve() if given else Path(ctx.original_dir)


def sops_decrypt_file(ctx: FileContext, host: Host, args: tuple[Value, ...]) -> Value:
    _, path = _path_arg("sops_decrypt_file", ctx, args)
    host.extras.reads.note(ctx.original_dir, path)
    return host.extras.sops.decrypt(path, relpath(path, host.cwd), ctx.iam_role)


def read_tfvars_file(ctx: FileContext, host: Host, args: tuple[Value, ...]) -> Value:
    _, path = _path_arg("read_tfvars_file", ctx, args)
    host.extras.reads.note(ctx.original_dir, path)
    return read_tfvars(path, relpath(path, host.cwd))


def mark_as_read(ctx: FileContext, host: Host, args: tuple[Value, ...]) -> Value:
    given, path = _path_arg("mark_as_read", ctx, args)
    host.extras.reads.note(ctx.original_dir, path)
    return given


def mark_glob_as_read(ctx: FileContext, host: Host, args: tuple[Value, ...]) -> Value:
    given, _ = _path_arg("mark_glob_as_read", ctx, args)
    pattern = given if Path(given).is_absolute() else f"{Path(ctx.original_dir).as_posix()}/{given}"
    try:
        found = expand_glob(pattern)
    except ValueError as err:
        raise EvalError(f"mark_glob_as_read(): could not expand glob {given!r}: {err}") from None
    for path in found:
        host.extras.reads.note(ctx.original_dir, path)
    return [path.as_posix() for path in found]


def get_aws_account_alias(ctx: FileContext, host: Host, args: tuple[Value, ...]) -> Value:
    _arity("get_aws_account_alias", args, 0)
    aws = host.extras.aws
    if aws is None:
        raise EvalError("get_aws_account_alias() is not available here", hint="run it through a tgo command")
    try:
        return aws.get().account_alias(ctx.iam_role)
    except KeyServiceError as err:
        raise EvalError(f"get_aws_account_alias(): {err}", hint="the role needs iam:ListAccountAliases") from None


def get_terragrunt_source_cli_flag(ctx: FileContext, host: Host, args: tuple[Value, ...]) -> Value:
    _arity("get_terragrunt_source_cli_flag", args, 0)
    return host.extras.source


def get_default_retryable_errors(ctx: FileContext, host: Host, args: tuple[Value, ...]) -> Value:
    _arity("get_default_retryable_errors", args, 0)
    return list(DEFAULT_RETRYABLE_ERRORS)


def get_working_dir(ctx: FileContext, host: Host, args: tuple[Value, ...]) -> Value:
    """The directory terraform runs in for the module: its working copy when it has a source.
    The module's config is evaluated for it, with ``get_working_dir()`` itself giving ``""`` there,
    as Terragrunt does."""
    _arity("get_working_dir", args, 0)
    services, module = host.extras, ctx.original_dir
    if services.working_dir is None:
        raise EvalError("get_working_dir() is not available here")
    if services.building(module):
        return ""
    services.enter(module)
    try:
        config = host.load_module(module)
    finally:
        services.leave(module)
    return str(services.working_dir(config))


def _constraint_check(ctx: FileContext, host: Host, args: tuple[Value, ...]) -> Value:
    return constraint_check(*args)


EXTRA_FUNCTIONS: dict[str, Extra] = {
    "sops_decrypt_file": sops_decrypt_file,
    "read_tfvars_file": read_tfvars_file,
    "mark_as_read": mark_as_read,
    "mark_glob_as_read": mark_glob_as_read,
    "get_aws_account_alias": get_aws_account_alias,
    "get_terragrunt_source_cli_flag": get_terragrunt_source_cli_flag,
    "get_default_retryable_errors": get_default_retryable_errors,
    "get_working_dir": get_working_dir,
    "constraint_check": _constraint_check,
}
