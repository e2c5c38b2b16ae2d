"""The shape of a Terragrunt config file, and evaluating its blocks into the loader's raw form.

:func:`check_structure` rejects unknown top-level attributes and blocks (with a "did you mean"
hint), wrong label counts and repeated blocks, before anything is evaluated.

:class:`BlockEvaluator` turns blocks into plain dicts: labelled blocks become dicts with a
``name`` key; ``positions`` records where each attribute path was written (keys such as
``("dependency", "vpc", "config_path")``) so validation errors can point at the source.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from orchestrator.config.scope import did_you_mean
from orchestrator.errors import ConfigError, Pos, TgoError
from orchestrator.hcl.ast import Attribute, Block, Body, Expr
from orchestrator.hcl.values import Value

log = logging.getLogger(__name__)

PosKey = tuple[str, ...]
Positions = dict[PosKey, Pos]

IAM_ATTRIBUTES = ("iam_role", "iam_assume_role_duration", "iam_assume_role_session_name", "iam_web_identity_token")
TOP_ATTRIBUTES = frozenset(
    {
        *IAM_ATTRIBUTES,
        "inputs",
        "remote_state",
        "generate",
        "prevent_destroy",
        "skip",
        "terraform_binary",
        "terraform_version_constraint",
        "terragrunt_version_constraint",
        "download_dir",
        "retryable_errors",
        "retry_max_attempts",
        "retry_sleep_interval_sec",
    }
)
# block type -> allowed label counts
TOP_BLOCKS: dict[str, tuple[int, ...]] = {
    "include": (0, 1),
    "locals": (0,),
    "terraform": (0,),
    "remote_state": (0,),
    "generate": (1,),
    "dependency": (1,),
    "dependencies": (0,),
    "errors": (0,),
    "exclude": (0,),
    "feature": (1,),
    "engine": (0,),
    "catalog": (0,),
    "stack": (0, 1),
    "unit": (0, 1),
}
IGNORED_BLOCKS = frozenset({"engine", "catalog", "stack", "unit"})
SINGLE_BLOCKS = frozenset({"locals", "terraform", "remote_state", "dependencies", "errors", "exclude", "engine"})
LABELLED_UNIQUE = frozenset({"include", "generate", "dependency", "feature"})
TERRAFORM_BLOCKS = ("extra_arguments", "before_hook", "after_hook", "error_hook")
ERRORS_BLOCKS = ("retry", "ignore")


def _labels_text(counts: tuple[int, ...]) -> str:
    return " or ".join("no label" if n == 0 else f"{n} label" for n in counts)


def _check_block(block: Block, seen: set[tuple[str, tuple[str, ...]]]) -> None:
    allowed = TOP_BLOCKS.get(block.type)
    if allowed is None:
        choices = [*TOP_BLOCKS, *TOP_ATTRIBUTES]
        raise ConfigError(
            f"unknown block {block.type!r}",
            pos=block.pos,
            attr=block.type,
            hint=did_you_mean(block.type, choices) or "remove it; see docs/config.md for the blocks tgo reads",
        )
    if len(block.labels) not in allowed:
        raise ConfigError(
            f"block {block.type!r} takes {_labels_text(allowed)}, got {len(block.labels)}",
            pos=block.pos,
            attr=block.type,
            hint=f'write it as {block.type} "name" {{ ... }}'
            if allowed == (1,)
            else f"write it as {block.type} {{ ... }}",
        )
    key = (block.type, block.labels if block.type in LABELLED_UNIQUE else ())
    if key in seen and (block.type in SINGLE_BLOCKS or block.type in LABELLED_UNIQUE):
        what = f'{block.type} "{block.labels[0]}"' if block.labels else block.type
        raise ConfigError(
            f"{what} is defined more than once in this file",
            pos=block.pos,
            attr=".".join((block.type, *block.labels)),
            hint="merge them into one block",
        )
    seen.add(key)


def check_structure(body: Body) -> None:
    """Raise ConfigError for the first unknown or misplaced top-level item in ``body``."""
    for name, attr in body.attributes.items():
        if name not in TOP_ATTRIBUTES:
            hint = did_you_mean(name, [*TOP_ATTRIBUTES, *TOP_BLOCKS])
            if name in TOP_BLOCKS:
                hint = f"{name} is a block: write {name} {{ ... }} without '='"
            raise ConfigError(
                f"unknown attribute {name!r}",
                pos=attr.pos,
                attr=name,
                hint=hint or "remove it; see docs/config.md for the attributes tgo reads",
            )
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for block in body.blocks:
        _check_block(block, seen)
        if block.type == "remote_state" and "remote_state" in body.attributes:
            raise ConfigError(
                "remote_state is set both as a block and as an attribute",
                pos=block.pos,
                attr="remote_state",
                hint="keep one of them",
            )


def blocks_of(body: Body, btype: str) -> list[Block]:
    return [b for b in body.blocks if b.type == btype]


class BlockEvaluator:
    """Evaluates attributes and blocks with one evaluation function; fills ``positions``."""

    def __init__(self, evaluate: Callable[[Expr], Value], positions: Positions) -> None:
        self._evaluate = evaluate
        self.positions = positions

    def value(self, attr: Attribute, path: PosKey) -> Value:
        self.positions[path] = attr.pos
        try:
            return self._evaluate(attr.expr)
        except TgoError as err:
            raise err.with_context(pos=attr.pos, attr=".".join(path)) from None

    def attributes(self, body: Body, path: PosKey, *, allow_blocks: tuple[str, ...] = ()) -> dict[str, Any]:
        """Every attribute of ``body`` evaluated; a nested block not in ``allow_blocks`` is an error."""
        for block in body.blocks:
            if block.type not in allow_blocks:
                where = ".".join(path)
                hint = did_you_mean(block.type, allow_blocks) if allow_blocks else None
                raise ConfigError(
                    f"unexpected block {block.type!r} inside {where}",
                    pos=block.pos,
                    attr=f"{where}.{block.type}",
                    hint=hint or (f"{block.type} is an attribute here: write {block.type} = {{ ... }}"),
                )
        return {name: self.value(attr, (*path, name)) for name, attr in body.attributes.items()}

    def named(self, block: Block, path: PosKey) -> dict[str, Any]:
        """A labelled block as a dict with ``name`` (its label) and its attributes."""
        name = block.labels[0]
        self.positions[(*path, name)] = block.pos
        return {"name": name, **self.attributes(block.body, (*path, name))}

    def named_list(self, body: Body, btype: str, path: PosKey) -> list[dict[str, Any]]:
        out = []
        for block in blocks_of(body, btype):
            if len(block.labels) != 1:
                raise ConfigError(
                    f"block {btype!r} needs exactly one label",
                    pos=block.pos,
                    attr=".".join((*path, btype)),
                    hint=f'write it as {btype} "name" {{ ... }}',
                )
            out.append(self.named(block, (*path, btype)))
        return out

    def terraform(self, block: Block) -> dict[str, Any]:
        self.positions[("terraform",)] = block.pos
        out = self.attributes(block.body, ("terraform",), allow_blocks=TERRAFORM_BLOCKS)
        for btype in TERRAFORM_BLOCKS:
            items = self.named_list(block.body, btype, ("terraform",))
            if items:
                out[btype] = items
        return out

    def errors(self, block: Block) -> dict[str, Any]:
        self.positions[("errors",)] = block.pos
        out = self.attributes(block.body, ("errors",), allow_blocks=ERRORS_BLOCKS)
        for btype in ERRORS_BLOCKS:
            items = self.named_list(block.body, btype, ("errors",))
            if items:
                out[btype] = items
        return out

    def plain(self, block: Block) -> dict[str, Any]:
        self.positions[(block.type,)] = block.pos
        return self.attributes(block.body, (block.type,))


def log_ignored_blocks(body: Body, logged: set[str], file: str) -> None:
    """Report once per loader (``logged``) each block type tgo accepts but does not act on."""
    for block in body.blocks:
        if block.type in IGNORED_BLOCKS and block.type not in logged:
            logged.add(block.type)
            log.debug("%s: block %r is accepted but tgo does not act on it", file, block.type)
