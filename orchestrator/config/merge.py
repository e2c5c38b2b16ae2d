"""Merging an included (parent) config with the config that includes it (child), as Terragrunt does.

Configs here are the loader's raw form: plain dicts keyed by Terragrunt's names, where labelled
blocks (``dependency``, ``generate``, hooks, ``extra_arguments``, ``errors.retry``...) are lists of
dicts carrying a ``name``. A key is "set" when present. Rules (Terragrunt's ``Merge``/``DeepMerge``):

- ``shallow`` (default): every attribute the child sets replaces the parent's; ``inputs`` are merged
  key by key (child wins); labelled blocks are merged by name (child's block replaces the parent's);
  ``terraform`` is merged field by field (``source`` replaced, hooks/extra_arguments by name).
- ``deep``: like shallow, but maps are merged recursively and lists concatenated (``inputs``,
  ``remote_state``, ``dependencies.paths``, ``mock_outputs``...), and same-named ``dependency``
  blocks are deep-merged rather than replaced.
- ``no_merge``: the child alone.
- ``locals`` are never merged: each file's locals are its own.
- ``exclude`` (both strategies, Terragrunt's ``ExcludeConfig.Merge``): the child's block replaces the
  parent's attribute by attribute: ``if``, ``exclude_dependencies`` and ``no_run`` always come from
  the child (unset stays unset), ``actions`` only when the child lists some.

Pure functions; inputs are never mutated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from orchestrator.hcl.values import Value

Raw = dict[str, Any]
MERGE_STRATEGIES = ("no_merge", "shallow", "deep")
NAMED_TERRAFORM_LISTS = ("extra_arguments", "before_hook", "after_hook", "error_hook")


def deep_merge_values(parent: Value, child: Value) -> Value:
    """Maps merged recursively, lists concatenated, anything else: the child's value."""
    if isinstance(parent, dict) and isinstance(child, dict):
        out = dict(parent)
        for key, value in child.items():
            out[key] = deep_merge_values(parent[key], value) if key in parent else value
        return out
    if isinstance(parent, list) and isinstance(child, list):
        return [*parent, *child]
    return child


def merge_named(parent: list[Raw], child: list[Raw], combine: Callable[[Raw, Raw], Raw] | None = None) -> list[Raw]:
    """Blocks merged by ``name``: parent order first, then new child blocks; ``combine`` or replace."""
    out = {b["name"]: b for b in parent}
    for block in child:
        name = block["name"]
        out[name] = combine(out[name], block) if combine and name in out else block
    return list(out.values())


def _merge_terraform(parent: Raw, child: Raw, deep: bool) -> Raw:
    out = dict(parent)
    for key, value in child.items():
        if key in NAMED_TERRAFORM_LISTS and key in parent:
            out[key] = merge_named(parent[key], value)
        elif deep and key in ("include_in_copy", "exclude_from_copy") and key in parent:
            out[key] = [*value, *parent[key]]
        else:
            out[key] = value
    return out


def _merge_errors(parent: Raw, child: Raw) -> Raw:
    out = dict(parent)
    for key, value in child.items():
        out[key] = merge_named(parent[key], value) if key in parent else value
    return out


def _merge_exclude(parent: Raw, child: Raw) -> Raw:
    out = {k: v for k, v in child.items() if k != "actions"}
    actions = child.get("actions")
    out["actions"] = actions if actions else parent.get("actions", actions)
    if out["actions"] is None:
        del out["actions"]
    return out


def _merge_dependencies(parent: Raw, child: Raw) -> Raw:
    paths = [*parent.get("paths", []), *child.get("paths", [])]
    out = {**parent, **child, "paths": list(dict.fromkeys(paths))}
    written = "__written"  # the paths as written, kept for render (see render.WRITTEN)
    if written in parent or written in child:
        out[written] = list(dict.fromkeys([*parent.get(written, []), *child.get(written, [])]))
    return out


def _deep_dict(parent: Raw, child: Raw) -> Raw:
    merged = deep_merge_values(parent, child)
    assert isinstance(merged, dict)
    return merged


def merge_configs(parent: Raw, child: Raw, strategy: str) -> Raw:
    """The child's config after merging ``parent`` into it with ``strategy`` (see module doc)."""
    if strategy == "no_merge":
        return dict(child)
    deep = strategy == "deep"
    out = {k: v for k, v in parent.items() if k != "locals"}
    if "locals" in child:
        out["locals"] = child["locals"]
    for key, value in child.items():
        if key not in out:
            out[key] = value
        elif key == "inputs":
            out[key] = _deep_dict(out[key], value) if deep else {**out[key], **value}
        elif key == "terraform":
            out[key] = _merge_terraform(out[key], value, deep)
        elif key == "generate":
            out[key] = merge_named(out[key], value)
        elif key == "dependency":
            out[key] = merge_named(out[key], value, _deep_dict if deep else None)
        elif key == "dependencies":
            out[key] = _merge_dependencies(out[key], value)
        elif key == "errors":
            out[key] = _merge_errors(out[key], value)
        elif key == "exclude" and isinstance(out[key], dict) and isinstance(value, dict):
            out[key] = _merge_exclude(out[key], value)
        elif key == "retryable_errors" and deep and isinstance(out[key], list) and isinstance(value, list):
            out[key] = [*out[key], *value]
        else:
            out[key] = value
    if "skip" not in child:
        out.pop("skip", None)
    return out


def merge_positions(
    parent: dict[tuple[str, ...], Any], child: dict[tuple[str, ...], Any]
) -> dict[tuple[str, ...], Any]:
    """Source positions follow the values: the child's win where both define a path."""
    return {**parent, **child}
