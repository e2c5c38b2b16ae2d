"""The rendered form of a config: Terragrunt's ``render-json`` shape.

Labelled blocks become objects keyed by label (``dependency.vpc``, ``generate.provider``,
``terraform.before_hook.fmt``, ``errors.retry.net``); ``locals`` and ``inputs`` are always present.
This form is what ``tgo render`` prints and what ``include.<label>`` / ``read_terragrunt_config``
expose to expressions. Pure functions.
"""

from __future__ import annotations

from typing import Any

from orchestrator.config.blocks import ERRORS_BLOCKS, TERRAFORM_BLOCKS


def _by_name(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    return {b["name"]: {k: v for k, v in b.items() if k != "name"} for b in blocks}


def _with_named(section: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: _by_name(v) if k in keys and isinstance(v, list) else v for k, v in section.items()}


def render_form(raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` (the loader's form, labelled blocks as lists) in render-json shape. Never mutates."""
    out: dict[str, Any] = {"locals": {}, "inputs": {}}
    for key, value in raw.items():
        if key in ("generate", "dependency"):
            out[key] = _by_name(value)
        elif key == "terraform":
            out[key] = _with_named(value, TERRAFORM_BLOCKS)
        elif key == "errors":
            out[key] = _with_named(value, ERRORS_BLOCKS)
        else:
            out[key] = value
    return out
