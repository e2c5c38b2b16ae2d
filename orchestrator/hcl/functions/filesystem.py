"""Filesystem functions: file, fileexists, fileset, templatefile, templatestring, basename, dirname, abspath,
pathexpand, filebase64 and file hashes.

Relative paths resolve against ``ctx.base_dir`` (the directory of the config file being evaluated), as
Terragrunt does; ``~`` expands to the user's home as in Terraform. These functions read files but never
write; a missing or unreadable file is an EvalError saying where it was looked for.
"""

from __future__ import annotations

import base64
import os
import posixpath
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from orchestrator.errors import EvalError, TgoError
from orchestrator.hcl.functions.crypto import digest
from orchestrator.hcl.functions.globs import compile_glob
from orchestrator.hcl.functions.registry import Builtin, table, want_obj, want_str
from orchestrator.hcl.values import Value

if TYPE_CHECKING:
    from orchestrator.hcl.evaluator import EvalContext

__all__ = ["FUNCTIONS", "resolve"]


def resolve(ctx: EvalContext, path: str) -> Path:
    """``path`` with ``~`` expanded, relative to ``ctx.base_dir`` unless absolute."""
    return ctx.base_dir / os.path.expanduser(path)


def _read_bytes(ctx: EvalContext, fname: str, value: Value) -> bytes:
    path = resolve(ctx, want_str(fname, 1, value))
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise EvalError(
            f'{fname}(): no file exists at "{path}"', hint=f"relative paths start at {ctx.base_dir}"
        ) from None
    except IsADirectoryError:
        raise EvalError(f'{fname}(): "{path}" is a directory, not a file') from None
    except OSError as exc:
        raise EvalError(f'{fname}(): cannot read "{path}": {exc.strerror}') from None


def _read_text(ctx: EvalContext, fname: str, value: Value) -> str:
    raw = _read_bytes(ctx, fname, value)
    try:
        return raw.decode()
    except UnicodeDecodeError:
        raise EvalError(f"{fname}(): the file is not valid UTF-8", hint="use filebase64() for binary files") from None


def fn_file(ctx: EvalContext, path: Value) -> Value:
    return _read_text(ctx, "file", path)


def fn_filebase64(ctx: EvalContext, path: Value) -> Value:
    return base64.b64encode(_read_bytes(ctx, "filebase64", path)).decode()


def fn_filemd5(ctx: EvalContext, path: Value) -> Value:
    return digest("md5", _read_bytes(ctx, "filemd5", path))


def fn_filesha1(ctx: EvalContext, path: Value) -> Value:
    return digest("sha1", _read_bytes(ctx, "filesha1", path))


def fn_filesha256(ctx: EvalContext, path: Value) -> Value:
    return digest("sha256", _read_bytes(ctx, "filesha256", path))


def fn_filesha512(ctx: EvalContext, path: Value) -> Value:
    return digest("sha512", _read_bytes(ctx, "filesha512", path))


def fn_filebase64sha256(ctx: EvalContext, path: Value) -> Value:
    return digest("sha256", _read_bytes(ctx, "filebase64sha256", path), b64=True)


def fn_filebase64sha512(ctx: EvalContext, path: Value) -> Value:
    return digest("sha512", _read_bytes(ctx, "filebase64sha512", path), b64=True)


def fn_fileexists(ctx: EvalContext, path: Value) -> Value:
    target = resolve(ctx, want_str("fileexists", 1, path))
    if target.is_dir():
        raise EvalError(f'fileexists(): "{target}" is a directory, not a file')
    return target.is_file()


def fn_fileset(ctx: EvalContext, path: Value, pattern: Value) -> Value:
    """Terraform's fileset: the files (not directories) under ``path`` whose path relative to it
    matches the doublestar ``pattern`` (:mod:`.globs`); an invalid pattern is an error."""
    root = resolve(ctx, want_str("fileset", 1, path))
    glob = want_str("fileset", 2, pattern)
    try:
        matcher = compile_glob(glob)
    except ValueError as exc:
        raise EvalError(f'fileset(): invalid pattern "{glob}": {exc}') from None
    if not root.is_dir():
        return []
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        for name in filenames:
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            if matcher.fullmatch(rel):
                found.append(rel)
    return sorted(found)


def _render(ctx: EvalContext, fname: str, text: str, source: str, variables: Value, *, base_dir: Path) -> Value:
    # Imported here: the evaluator imports this package, and templates need the parser and evaluator.
    from orchestrator.hcl.evaluator import EvalContext, evaluate
    from orchestrator.hcl.parser import parse_template

    scope = want_obj(fname, 2, variables)
    try:
        expr = parse_template(text, source)
    except TgoError as exc:
        raise EvalError(f"{fname}(): {exc.format()}") from None
    inner = EvalContext(variables=scope, functions=ctx.functions, base_dir=base_dir)
    return evaluate(expr, inner)


def fn_templatefile(ctx: EvalContext, path: Value, variables: Value) -> Value:
    target = resolve(ctx, want_str("templatefile", 1, path))
    text = _read_text(ctx, "templatefile", path)
    return _render(ctx, "templatefile", text, str(target), variables, base_dir=target.parent)


def fn_templatestring(ctx: EvalContext, template: Value, variables: Value) -> Value:
    """Terraform 1.9's templatestring: render a string value as a template (the evaluator checks
    that the first argument is a reference, not a literal template)."""
    text = want_str("templatestring", 1, template)
    return _render(ctx, "templatestring", text, "<templatestring>", variables, base_dir=ctx.base_dir)


def fn_basename(path: Value) -> Value:
    text = want_str("basename", 1, path)
    if text == "":
        return "."
    stripped = text.rstrip("/")
    return posixpath.basename(stripped) if stripped else "/"


def fn_dirname(path: Value) -> Value:
    # Go's filepath.Dir: "." for a bare name, "/" for the root, no trailing slash.
    text = want_str("dirname", 1, path)
    head = posixpath.dirname(text)
    if head == "":
        return "."
    return posixpath.normpath(head) if head != "/" else "/"


def fn_abspath(ctx: EvalContext, path: Value) -> Value:
    return os.path.normpath(resolve(ctx, want_str("abspath", 1, path)).absolute()).replace(os.sep, "/")


def fn_pathexpand(path: Value) -> Value:
    return os.path.expanduser(want_str("pathexpand", 1, path))


FUNCTIONS: Mapping[str, Builtin] = table(
    fn_file,
    fn_filebase64,
    fn_filemd5,
    fn_filesha1,
    fn_filesha256,
    fn_filesha512,
    fn_filebase64sha256,
    fn_filebase64sha512,
    fn_fileexists,
    fn_fileset,
    fn_templatefile,
    fn_templatestring,
    fn_basename,
    fn_dirname,
    fn_abspath,
    fn_pathexpand,
)
