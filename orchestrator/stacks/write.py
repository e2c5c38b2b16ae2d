"""Writing a :class:`~orchestrator.stacks.plan.StackPlan` to disk, and ``stack clean``.

Each stack file's generation is recorded in ``<stack dir>/.terragrunt-stack/.tgo-stack-manifest.json``:
per component, its target directory and the files written there. Regeneration then:

- copies each source over its target with :func:`~orchestrator.terraform.workdir.copy_tree`, leaving
  files that already hold the same bytes untouched (an unchanged regeneration writes nothing, mtimes
  included), and writes ``terragrunt.values.hcl`` only when its text changed;
- removes the files a previous generation wrote into a target and this one did not;
- removes a component that left the stack file: its whole directory when it lies inside
  ``.terragrunt-stack`` (everything there is generated), else only the files the manifest lists (a
  ``no_dot_terragrunt_stack`` target may hold the user's files) and its ``.terragrunt-stack``.

Files the user wrote are never removed outside ``.terragrunt-stack``. Stacks are written in plan
order (parents before the stacks they generate). Raises OSError.
"""

from __future__ import annotations

import json
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestrator.config.values import VALUES_FILE
from orchestrator.stacks.plan import PlannedStack, StackPlan, Target
from orchestrator.stacks.stackfile import STACK_DIR
from orchestrator.terraform.workdir import CopyRules, copy_tree

MANIFEST = ".tgo-stack-manifest.json"
_NEVER_FROM_SOURCE = (f"**/{STACK_DIR}", f"**/{MANIFEST}")
COPY_ALL = CopyRules.of(["**"], _NEVER_FROM_SOURCE)
COPY_ALL_BUT_VALUES = CopyRules.of(["**"], [*_NEVER_FROM_SOURCE, VALUES_FILE])
WRITERS = 8
"""Stacks of one level are written by this many threads: generation waits on the filesystem
(open, mkdir), and those calls release the GIL."""


@dataclass
class WriteReport:
    """What a generation did: files ``written`` (created or changed), files and directories ``removed``."""

    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    targets: int = 0


def write_plan(plan: StackPlan) -> WriteReport:
    """Write every stack of ``plan``; see the module doc."""
    report = WriteReport()
    levels: dict[int, list[PlannedStack]] = {}
    for stack in plan.stacks:
        levels.setdefault(stack.level, []).append(stack)
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        for level in sorted(levels):
            # Parents before children: a level starts when the previous one is written.
            parts = list(pool.map(_write_one, levels[level]))
            for part in parts:
                report.written += part.written
                report.removed += part.removed
                report.targets += part.targets
    return report


def _write_one(stack: PlannedStack) -> WriteReport:
    report = WriteReport()
    _write_stack(stack, report)
    return report


def _load_manifest(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    targets = data.get("targets") if isinstance(data, dict) else None
    return targets if isinstance(targets, dict) else {}


def _write_stack(stack: PlannedStack, report: WriteReport) -> None:
    manifest_path = stack.dir / STACK_DIR / MANIFEST
    before = _load_manifest(manifest_path)
    now: dict[str, Any] = {}
    new_dirs = {t.dir for t in stack.targets}
    previous_files: dict[Path, set[str]] = {}
    for entry in before.values():
        target = stack.dir / str(entry.get("dir", ""))
        files = {str(f) for f in entry.get("files", [])}
        if target in new_dirs:
            previous_files.setdefault(target, set()).update(files)
        elif target != stack.dir and target.is_relative_to(stack.dir):
            _remove_component(stack.dir, target, files, bool(entry.get("no_dot")), report)
    for t in stack.targets:
        files = _write_target(t, previous_files.get(t.dir, set()), report)
        rel_dir = t.dir.relative_to(stack.dir).as_posix()
        now[t.component.address] = {
            "dir": rel_dir,
            "kind": t.component.kind,
            "no_dot": t.component.no_dot,
            "files": sorted(files),
        }
        report.targets += 1
    text = json.dumps({"targets": now}, indent=1, sort_keys=True) + "\n"
    if not now and not before:
        return
    if not manifest_path.is_file() or manifest_path.read_text() != text:
        manifest_path.parent.mkdir(parents=True, exist_ok=True)
        manifest_path.write_text(text)
        report.written.append(manifest_path)


def _write_target(t: Target, previous: set[str], report: WriteReport) -> set[str]:
    """Copy the source, write the values file; remove what only the previous generation wrote.
    Returns the files of this generation, relative to the target."""
    rules = COPY_ALL_BUT_VALUES if t.values_text is not None else COPY_ALL
    unchanged: set[Path] = set()
    # A source holding its own target (a local source "." and a no_dot path) must not copy the copy.
    written = copy_tree(t.source_dir, t.dir, rules, skip=lambda p: p == t.dir, unchanged=unchanged)
    report.written.extend(sorted(written))
    files = {p.relative_to(t.dir).as_posix() for p in written | unchanged}
    if not files:  # an empty source: the target still exists (a file copied created it otherwise)
        t.dir.mkdir(parents=True, exist_ok=True)
    if t.values_text is not None:
        values = t.dir / VALUES_FILE
        try:
            same = values.read_text() == t.values_text
        except FileNotFoundError:
            same = False
        if not same:
            values.write_text(t.values_text)
            report.written.append(values)
        files.add(VALUES_FILE)
    for rel in sorted(previous - files):
        stale = t.dir / rel
        if stale.is_file() or stale.is_symlink():
            stale.unlink()
            report.removed.append(stale)
            _prune_empty(stale.parent, t.dir)
    return files


def _remove_component(stack_dir: Path, target: Path, files: set[str], no_dot: bool, report: WriteReport) -> None:
    if not no_dot and (stack_dir / STACK_DIR) in target.parents:
        if target.exists():
            shutil.rmtree(target)
            report.removed.append(target)
            _prune_empty(target.parent, stack_dir / STACK_DIR)
        return
    for rel in sorted(files):
        path = target / rel
        if path.is_file():
            path.unlink()
            report.removed.append(path)
    if (target / STACK_DIR).is_dir():
        shutil.rmtree(target / STACK_DIR)
        report.removed.append(target / STACK_DIR)
    for rel in sorted(files, key=lambda r: -r.count("/")):
        _prune_empty((target / rel).parent, stack_dir)


def _prune_empty(directory: Path, stop: Path) -> None:
    """Remove ``directory`` and its parents while empty, up to (not including) ``stop``."""
    while directory != stop and stop in directory.parents:
        try:
            directory.rmdir()
        except OSError:
            return
        directory = directory.parent


def clean(root: Path) -> list[Path]:
    """Remove every ``.terragrunt-stack`` directory below ``root`` (and nothing else: units generated
    with ``no_dot_terragrunt_stack`` stay, as Terragrunt's ``stack clean`` leaves them). Returns them."""
    removed: list[Path] = []
    for top, dirs, _files in os.walk(root):
        if STACK_DIR in dirs:
            shutil.rmtree(Path(top) / STACK_DIR)
            removed.append(Path(top) / STACK_DIR)
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in {"node_modules"}]
    return sorted(removed)
