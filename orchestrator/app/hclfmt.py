"""``tgo hcl fmt``: lay out every ``*.hcl`` file of a tree the way ``terraform fmt`` does.

Which files (Terragrunt's ``hcl fmt``): every ``*.hcl`` below the working dir, or the one ``--file``.
Hidden directories (``.terragrunt-cache``, ``.terragrunt-stack``, ``.terraform``, ``.git``...) and
``_boilerplate`` are skipped, and so is any directory named by ``--exclude-dir`` (a name matched
against each path segment, as Terragrunt does).

Contract: a file is written only when its formatted text differs from its bytes on disk, and never
with ``check``; a file that is not valid HCL is reported (an error value) and left alone. Nothing here
prints; :func:`format_tree` returns one :class:`FileResult` per file, in path order. It raises
ToolError when terraform cannot be started, UsageError for a ``--file`` that does not exist.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from orchestrator.errors import HclSyntaxError, Pos, UsageError
from orchestrator.terraform.fmt import Formatted

SKIP_NAMES = frozenset({"_boilerplate"})
# terraform fmt is a process per file (~0.1 s of CPU each): a few at once keep both cores busy.
WORKERS = 4

Formatter = Callable[[str, Path], Formatted]
"""``(text, path) -> Formatted``: the text laid out, or the syntax error (``path`` is for messages)."""


@dataclass(frozen=True)
class FmtOptions:
    """``working_dir`` is absolute; ``file`` (absolute) formats that one file only."""

    working_dir: Path
    check: bool = False
    diff: bool = False
    file: Path | None = None
    exclude_dirs: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileResult:
    path: Path
    status: Literal["unchanged", "changed", "error"]
    diff: str | None = None
    error: HclSyntaxError | None = None


def hcl_files(root: Path, exclude_dirs: Sequence[str] = ()) -> list[Path]:
    """Every ``*.hcl`` file below ``root`` (sorted), skipping the directories named in the module doc."""
    skip = SKIP_NAMES | set(exclude_dirs)
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        # Pruning in place keeps os.walk out of skipped directories.
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in skip]
        out.extend(Path(dirpath) / f for f in filenames if f.endswith(".hcl"))
    return sorted(out)


def unified_diff(old: str, new: str, label: str) -> str:
    """A ``diff -u`` of one file, labelled ``old/<label>`` and ``new/<label>`` as Terragrunt prints it."""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), f"old/{label}", f"new/{label}"
    )
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def _one(path: Path, opts: FmtOptions, fmt: Formatter) -> FileResult:
    try:
        raw = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        # HCL is UTF-8; terraform would reject the file anyway, and it is left alone.
        where = Pos(str(path), path.read_bytes()[: exc.start].count(b"\n") + 1)
        return FileResult(path, "error", error=HclSyntaxError("not UTF-8 text", pos=where, hint="save it as UTF-8"))
    done = fmt(raw, path)
    if done.text is None:
        return FileResult(path, "error", error=done.error)
    if done.text == raw:
        return FileResult(path, "unchanged")
    label = path.relative_to(opts.working_dir).as_posix() if path.is_relative_to(opts.working_dir) else str(path)
    diff = unified_diff(raw, done.text, label) if opts.diff else None
    if not opts.check:
        path.write_bytes(done.text.encode("utf-8"))
    return FileResult(path, "changed", diff=diff)


def format_tree(opts: FmtOptions, fmt: Formatter) -> list[FileResult]:
    """Format the files ``opts`` selects (see module doc); write the changed ones unless ``check``."""
    if opts.file is not None:
        if not opts.file.is_file():
            raise UsageError(f"{opts.file} is not a file", attr="--file")
        files = [opts.file]
    else:
        files = hcl_files(opts.working_dir, opts.exclude_dirs)
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(lambda p: _one(p, opts, fmt), files))
