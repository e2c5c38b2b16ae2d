"""``include`` blocks: reading one (:func:`include_spec`) and what ``include.<label>`` shows.

An exposed include is visible as ``include.<label>`` (or, unlabelled, as ``include.<attribute>``).
Before the module's dependencies are known (in ``feature``, ``locals``, ``iam_*`` and ``dependency``
blocks) only the included file's ``locals`` come without evaluating the rest of it:
:class:`EarlyExposure` gives those at once and evaluates the included file on its own (with its own
dependency blocks, as Terragrunt does at that stage) only when something else is read. After the
dependencies are known, ``include`` shows the included files as evaluated with the module's merged
dependencies (:func:`exposure`).

Pure apart from the callbacks given; one instance belongs to one file evaluation (one thread).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestrator.config.merge import MERGE_STRATEGIES
from orchestrator.config.scope import did_you_mean
from orchestrator.errors import ConfigError, Pos, TgoError
from orchestrator.hcl.ast import Attribute, Block
from orchestrator.hcl.evaluator import EvalContext, evaluate
from orchestrator.hcl.values import Value

INCLUDE_ATTRIBUTES = ("path", "expose", "merge_strategy")


@dataclass(frozen=True)
class IncludeSpec:
    label: str
    path: Path
    expose: bool
    merge_strategy: str
    pos: Pos


def _eval_attr(attr: Attribute, where: str, ectx: EvalContext) -> Value:
    try:
        return evaluate(attr.expr, ectx)
    except TgoError as err:
        raise err.with_context(pos=attr.pos, attr=where) from None


def include_spec(block: Block, ectx: EvalContext, target: Callable[[Attribute, str, Value], Path]) -> IncludeSpec:
    """One include block read; ``target(attr, where, value)`` checks and resolves its path.

    Raises ConfigError for unknown attributes, a missing path, a bad ``expose`` or strategy."""
    label = block.labels[0] if block.labels else ""
    where = f"include.{label}" if label else "include"
    attrs = block.body.attributes
    for name, attr in attrs.items():
        if name not in INCLUDE_ATTRIBUTES:
            hint = did_you_mean(name, INCLUDE_ATTRIBUTES) or "include takes path, expose and merge_strategy"
            raise ConfigError(f"unknown attribute {name!r}", pos=attr.pos, attr=f"{where}.{name}", hint=hint)
    if "path" not in attrs:
        raise ConfigError(
            "include needs a path",
            pos=block.pos,
            attr=f"{where}.path",
            hint='add path = find_in_parent_folders("root.hcl")',
        )
    path = target(attrs["path"], f"{where}.path", _eval_attr(attrs["path"], f"{where}.path", ectx))
    expose = _eval_attr(attrs["expose"], f"{where}.expose", ectx) if "expose" in attrs else False
    if not isinstance(expose, bool):
        raise ConfigError(
            f"must be true or false, got {expose!r}",
            pos=attrs["expose"].pos,
            attr=f"{where}.expose",
            hint="write expose = true",
        )
    strategy = "shallow"
    if "merge_strategy" in attrs:
        strategy = _eval_attr(attrs["merge_strategy"], f"{where}.merge_strategy", ectx)
    if strategy not in MERGE_STRATEGIES:
        raise ConfigError(
            f"unknown merge strategy {strategy!r}",
            pos=attrs["merge_strategy"].pos,
            attr=f"{where}.merge_strategy",
            hint=(did_you_mean(str(strategy), MERGE_STRATEGIES) or "use no_merge, shallow or deep"),
        )
    return IncludeSpec(label, path, expose, str(strategy), block.pos)


class _EarlyFile(Mapping[str, Value]):
    """One included file before dependencies are known: ``locals`` at once, the rest on demand."""

    def __init__(self, locals_: Mapping[str, Value], full: Callable[[], dict[str, Any]]) -> None:
        self._locals = locals_
        self._full = full

    def __getitem__(self, key: str) -> Value:
        if key == "locals":
            return self._locals
        return self._full()[key]

    def __contains__(self, key: object) -> bool:
        return key == "locals" or key in self._full()

    def __iter__(self) -> Iterator[str]:
        return iter(self._full())

    def __len__(self) -> int:
        return len(self._full())


class EarlyExposure(Mapping[str, Value]):
    """``include`` before dependencies are known (see module doc and :func:`exposure`).

    ``files`` is (spec, locals of the included file, full evaluation callback) per exposed include;
    ``alone`` tells that the file has one include only and it is unlabelled.
    """

    def __init__(
        self, files: Sequence[tuple[IncludeSpec, Mapping[str, Value], Callable[[], dict[str, Any]]]], *, alone: bool
    ) -> None:
        self._top: _EarlyFile | None = None
        self._labelled: dict[str, Value] = {}
        for spec, locals_, full in files:
            early = _EarlyFile(locals_, full)
            if alone:
                self._top = early
            else:
                self._labelled[spec.label] = early

    def _view(self) -> Mapping[str, Value]:
        return self._top if self._top is not None else self._labelled

    def __getitem__(self, key: str) -> Value:
        return self._view()[key]

    def __contains__(self, key: object) -> bool:
        return key in self._view()

    def __iter__(self) -> Iterator[str]:
        return iter(self._view())

    def __len__(self) -> int:
        return len(self._view())


def exposure(files: list[tuple[IncludeSpec, dict[str, Any]]]) -> dict[str, Value]:
    """``include`` after dependencies are known: ``files`` is (spec, exposed form) per include.

    As Terragrunt: a file whose only include is unlabelled sees it as ``include.<attribute>``;
    otherwise each exposed include is ``include.<label>``, an unlabelled one ``include[""]``."""
    if len(files) == 1 and not files[0][0].label:
        spec, form = files[0]
        return dict(form) if spec.expose else {}
    return {spec.label: form for spec, form in files if spec.expose}


__all__ = ["EarlyExposure", "IncludeSpec", "exposure", "include_spec"]
