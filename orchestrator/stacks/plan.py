"""Planning ``stack generate``: every stack file under a directory, level by level, evaluated and
checked before anything is written, so a bad input generates nothing.

Level 0 is every ``terragrunt.stack.hcl`` below the root outside ``.terragrunt-stack`` directories
(hidden directories, ``.terragrunt-cache`` and ``.terraform`` skipped). A ``stack`` block's target
holds a copy of its source, so the nested stack file is read from the source and evaluated as if it
were already at its target (functions and relative sources resolve from the target directory); its
components form the next level. A stack file that a parent generates is planned with its parent,
not as a root (a ``no_dot_terragrunt_stack`` stack generated before sits outside
``.terragrunt-stack``). Nesting is capped at :data:`MAX_LEVELS`; a stack whose source is already
among its ancestors' sources is reported as a recursion.

Raises the problem found (file:line), or :class:`~orchestrator.errors.ConfigErrors` holding every
one when there are several.
Single-threaded; the reader's services may be shared.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from orchestrator.config.values import STACK_FILE, VALUES_FILE, read_values
from orchestrator.discovery import CONFIG_NAMES, SKIP_DIRS
from orchestrator.errors import ConfigError, ConfigErrors, Pos, TgoError
from orchestrator.hcl.ast import Body
from orchestrator.hcl.evaluator import EvalContext, Function
from orchestrator.hcl.values import Value
from orchestrator.stacks.stackfile import STACK_DIR, Component, evaluate_stack_file
from orchestrator.stacks.values_check import missing_values
from orchestrator.stacks.values_file import render_values

MAX_LEVELS = 16

Fetch = Callable[[str, Path, Pos, str], Path]
"""(source address, stack directory, position, attribute) -> the local directory to copy. Raises TgoError."""


class StackReader(Protocol):
    """Parsing and functions for stack and values files (the config loader provides them)."""

    def body(self, path: Path) -> Body: ...

    def functions(self, stack_file: Path) -> Mapping[str, Function]: ...

    def display(self, path: Path) -> str: ...

    def prefetch(self, paths: list[Path]) -> None:
        """Parse these files ahead (in parallel, or from a cache); errors wait for :meth:`body`."""


@dataclass(frozen=True)
class Target:
    """One component to write: ``source_dir``'s files into ``dir``, plus ``values_text`` if any."""

    component: Component
    dir: Path
    source_dir: Path
    values_text: str | None


@dataclass(frozen=True)
class PlannedStack:
    """One stack file: ``file`` is where it is (or will be), ``parsed`` where it was read from."""

    file: Path
    parsed: Path
    level: int
    targets: tuple[Target, ...]

    @property
    def dir(self) -> Path:
        return self.file.parent


@dataclass
class StackPlan:
    stacks: list[PlannedStack] = field(default_factory=list)

    @property
    def targets(self) -> list[Target]:
        return [t for s in self.stacks for t in s.targets]


@dataclass(frozen=True)
class _Pending:
    file: Path
    parsed: Path
    values: dict[str, Value] | None
    chain: tuple[Path, ...]
    """Source directories from the root stack down to this one (for recursion reports)."""
    parent: Component | None = None


def find_stack_files(root: Path, listed: Iterable[Path] | None = None) -> list[Path]:
    """Every stack file below ``root`` outside generated directories (see module doc), sorted.
    ``listed``: the files a walk of the resolved ``root`` already found (the command's one walk)."""
    if listed is not None:
        return sorted(
            p
            for p in listed
            if p.name == STACK_FILE
            and not any(d.startswith(".") or d in SKIP_DIRS for d in p.relative_to(root).parent.parts)
        )
    found: list[Path] = []
    for top, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS)
        if STACK_FILE in files:
            found.append(Path(top) / STACK_FILE)
    return sorted(found)


def both_files_error(stack_file: Path, display: str) -> ConfigError | None:
    """The error for a directory holding both a unit config and a stack file, else None."""
    for name in CONFIG_NAMES:
        if (stack_file.parent / name).is_file():
            return ConfigError(
                f"this directory holds both {name} and {STACK_FILE}",
                pos=Pos(display, 1),
                hint="a directory is either a unit or a stack: move one of them",
            )
    return None


def plan_stacks(root: Path, reader: StackReader, fetch: Fetch) -> StackPlan:
    """The whole generation under ``root`` (see module doc). Raises ConfigErrors."""
    errors: list[tuple[_Pending, TgoError]] = []
    plan = StackPlan()
    level = [_Pending(f, f, None, (f.parent,)) for f in find_stack_files(root)]
    depth = 0
    while level:
        reader.prefetch([p.parsed for p in level])
        if depth >= MAX_LEVELS:
            first = level[0]
            err = ConfigError(
                f"stacks nested more than {MAX_LEVELS} levels deep",
                pos=first.parent.pos if first.parent else Pos(reader.display(first.parsed)),
                hint="a stack probably includes itself through its sources",
            )
            errors.append((first, err))
            break
        children: list[_Pending] = []
        for pending in level:
            try:
                stack, nested = _plan_one(pending, depth, reader, fetch)
            except TgoError as err:
                errors.append((pending, err))
                continue
            plan.stacks.append(stack)
            children.extend(nested)
        level, depth = children, depth + 1
    generated = {t.dir / STACK_FILE for t in plan.targets if t.component.kind == "stack"}
    plan.stacks = [s for s in plan.stacks if s.level > 0 or s.file not in generated]
    problems = [e for p, e in errors if p.chain[1:] or p.file not in generated]
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ConfigErrors.collect(problems)
    return plan


def _plan_one(pending: _Pending, depth: int, reader: StackReader, fetch: Fetch) -> tuple[PlannedStack, list[_Pending]]:
    clash = both_files_error(pending.file, reader.display(pending.file)) if depth == 0 else None
    if clash is not None:
        raise clash
    functions = reader.functions(pending.file)
    values = pending.values
    if depth == 0 and (pending.file.parent / VALUES_FILE).is_file():
        values = _read_values_file(pending.file.parent / VALUES_FILE, reader, functions)
    variables: dict[str, Value] = {} if values is None else {"values": values}
    context = EvalContext(variables=variables, functions=functions, base_dir=pending.file.parent)
    components = evaluate_stack_file(reader.body(pending.parsed), context)
    targets: list[Target] = []
    nested: list[_Pending] = []
    for c in components:
        base = pending.file.parent if c.no_dot else pending.file.parent / STACK_DIR
        target_dir = base / c.path
        source_dir = fetch(c.source, pending.file.parent, c.source_pos, f"{c.address}.source")
        _validate_source(c, source_dir, reader)
        if c.kind == "unit" and not c.no_validation:
            _check_values_reads(c, source_dir, reader, functions, pending.parsed)
        # Named relative to the target, so the text is the same in every checkout.
        origin = f'{c.kind} "{c.name}" in {os.path.relpath(pending.file, target_dir)}'
        text = render_values(c.values, origin, c.pos, f"{c.address}.values") if c.values is not None else None
        targets.append(Target(c, target_dir, source_dir, text))
        if c.kind == "stack" and (source_dir / STACK_FILE).is_file():
            if source_dir in pending.chain:
                loop = (*pending.chain[pending.chain.index(source_dir) :], source_dir)
                raise ConfigError(
                    "stack recursion: " + " -> ".join(reader.display(p) for p in loop),
                    pos=c.source_pos,
                    attr=f"{c.address}.source",
                    hint="a stack may not generate itself, directly or through other stacks",
                )
            child_values = c.values
            if child_values is None and (source_dir / VALUES_FILE).is_file():
                child_values = _read_values_file(source_dir / VALUES_FILE, reader, functions)
            child = _Pending(
                target_dir / STACK_FILE, source_dir / STACK_FILE, child_values, (*pending.chain, source_dir), c
            )
            nested.append(child)
    return PlannedStack(pending.file, pending.parsed, depth, tuple(targets)), nested


def _validate_source(c: Component, source_dir: Path, reader: StackReader) -> None:
    if not source_dir.is_dir():
        raise ConfigError(
            f"source {c.source!r} is not a directory ({reader.display(source_dir)})",
            pos=c.source_pos,
            attr=f"{c.address}.source",
            hint="fix the path, or map it to a local checkout with --source-map",
        )
    if c.no_validation:
        return
    has_unit = any((source_dir / n).is_file() for n in CONFIG_NAMES)
    has_stack = (source_dir / STACK_FILE).is_file()
    if c.kind == "unit" and not has_unit:
        raise ConfigError(
            f"unit source {c.source!r} holds no terragrunt.hcl",
            pos=c.source_pos,
            attr=f"{c.address}.source",
            hint="point it at a unit directory, or set no_validation = true",
        )
    if c.kind == "stack" and not has_stack:
        raise ConfigError(
            f"stack source {c.source!r} holds no {STACK_FILE}",
            pos=c.source_pos,
            attr=f"{c.address}.source",
            hint="point it at a stack directory, or set no_validation = true",
        )
    if has_unit and has_stack:
        raise ConfigError(
            f"source {c.source!r} holds both terragrunt.hcl and {STACK_FILE}",
            pos=c.source_pos,
            attr=f"{c.address}.source",
            hint="a directory is either a unit or a stack",
        )


def _check_values_reads(
    c: Component, source_dir: Path, reader: StackReader, functions: Mapping[str, Function], stack_file: Path
) -> None:
    unit_file = source_dir / CONFIG_NAMES[0]
    if not unit_file.is_file():
        return
    values = c.values
    if values is None and (source_dir / VALUES_FILE).is_file():
        values = _read_values_file(source_dir / VALUES_FILE, reader, functions)
    missing = missing_values(reader.body(unit_file), None if values is None else set(values))
    if missing is None:
        return
    key, expr = missing
    declared = f"{reader.display(stack_file)}:{c.pos.line}"
    raise ConfigError(
        f"values.{key} is not set by {c.kind} {c.name!r} ({declared})",
        pos=expr.pos,
        attr=f"values.{key}",
        hint=f"add {key} to that block's values, or read it as try(values.{key}, <default>)",
    )


def _read_values_file(path: Path, reader: StackReader, functions: Mapping[str, Function]) -> dict[str, Value]:
    return read_values(reader.body(path), EvalContext(variables={}, functions=functions, base_dir=path.parent))
