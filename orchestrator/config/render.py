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
    """``raw`` (the loader's form, labelled blocks as lists) as ``include.<label>`` and
    ``read_terragrunt_config`` expose it: labelled blocks keyed by name, ``locals`` and ``inputs``
    always objects, dependency paths absolute. Never mutates."""
    out: dict[str, Any] = {"locals": {}, "inputs": {}}
    for key, item in raw.items():
        value = item
        if key == "dependency":
            value = [{k: v for k, v in d.items() if k != WRITTEN} for d in item]
        elif key == "dependencies" and isinstance(item, dict):
            value = {k: v for k, v in item.items() if k != WRITTEN}
        if key in ("generate", "dependency"):
            out[key] = _by_name(value)
        elif key == "terraform":
            out[key] = _with_named(value, TERRAFORM_BLOCKS)
        elif key == "errors":
            out[key] = _with_named(value, ERRORS_BLOCKS)
        else:
            out[key] = value
    return out


# -- tgo render --json: Terragrunt's render-json shape ---------------------------------------------
# Go strings Terragrunt always renders ("" when unset).
STRING_FIELDS = (
    "terraform_binary",
    "terraform_version_constraint",
    "terragrunt_version_constraint",
    "download_dir",
    "iam_role",
    "iam_assume_role_session_name",
    "iam_web_identity_token",
)
DEPENDENCY_FIELDS = (
    ("enabled", "enabled"),
    ("skip", "skip_outputs"),  # Terragrunt's cty tag for skip_outputs is "skip"
    ("mock_outputs", "mock_outputs"),
    ("mock_outputs_allowed_terraform_commands", "mock_outputs_allowed_terraform_commands"),
    ("mock_outputs_merge_with_state", "mock_outputs_merge_with_state"),
    ("mock_outputs_merge_strategy_with_state", "mock_outputs_merge_strategy_with_state"),
)
WRITTEN = "__written"
# Attributes tgo reads that Terragrunt's render does not show: rendered under "tgo".
TGO_EXTRAS = ("skip", "retryable_errors", "retry_max_attempts", "retry_sleep_interval_sec")


def _dependency_json(dep: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": dep["name"], "config_path": dep.get(WRITTEN, dep.get("config_path"))}
    for key, source in DEPENDENCY_FIELDS:
        out[key] = dep.get(source)
    out["outputs"] = None  # render fetches no output, as Terragrunt's render
    out["inputs"] = None
    return out


def _generate_json(gen: dict[str, Any]) -> dict[str, Any]:
    return {
        "path": gen.get("path"),
        "if_exists": gen.get("if_exists", "overwrite_terragrunt"),
        "if_disabled": gen.get("if_disabled", "skip"),
        "comment_prefix": gen.get("comment_prefix", "# "),
        "contents": gen.get("contents"),
        "disable_signature": bool(gen.get("disable_signature", False)),
        "disable": bool(gen.get("disable", False)),
    }


def _terraform_json(tf: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        key: tf.get(key) for key in ("source", "include_in_copy", "exclude_from_copy", "copy_terraform_lock_file")
    }
    for key in TERRAFORM_BLOCKS:
        out[key] = _by_name(tf.get(key, []))
    return out


def _remote_state_json(state: dict[str, Any]) -> dict[str, Any]:
    return {
        "backend": state.get("backend", ""),
        "disable_init": bool(state.get("disable_init", False)),
        "disable_dependency_optimization": bool(state.get("disable_dependency_optimization", False)),
        "generate": state.get("generate"),
        "config": state.get("config"),
        "encryption": state.get("encryption"),
    }


def _sections_json(raw: dict[str, Any], out: dict[str, Any]) -> None:
    if "engine" in raw:
        engine = raw["engine"]
        out["engine"] = {k: engine.get(k) or "" for k in ("source", "version", "type")}
        out["engine"]["meta"] = engine.get("meta")
    if "exclude" in raw:
        exclude = raw["exclude"]
        out["exclude"] = {
            "actions": exclude.get("actions"),
            "if": exclude.get("if"),
            "exclude_dependencies": bool(exclude.get("exclude_dependencies", False)),
        }
    if "errors" in raw:
        errors = raw["errors"]
        out["errors"] = {k: errors[k] for k in ERRORS_BLOCKS if k in errors}  # lists, as Terragrunt's
    if "terraform" in raw:
        out["terraform"] = _terraform_json(raw["terraform"])
    if "remote_state" in raw:
        out["remote_state"] = _remote_state_json(raw["remote_state"])


def render_json(raw: dict[str, Any], *, used_mocks: bool) -> dict[str, Any]:
    """``raw`` in the shape of ``terragrunt render --json`` (Terragrunt's TerragruntConfigAsCty):
    the string fields always present ("" when unset), ``dependencies``, ``iam_assume_role_duration``,
    ``inputs`` and ``locals`` null when unset, ``dependency``/``generate``/``feature`` objects keyed
    by name, paths as written in the config, dependency ``outputs`` null (render fetches none), and
    what tgo adds under ``tgo``. Never mutates ``raw``."""
    out: dict[str, Any] = {name: raw.get(name) or "" for name in STRING_FIELDS}
    _sections_json(raw, out)
    deps = raw.get("dependencies")
    out["dependencies"] = None if deps is None else {"paths": deps.get(WRITTEN, deps.get("paths"))}
    if "prevent_destroy" in raw:
        out["prevent_destroy"] = raw["prevent_destroy"]
    out["dependency"] = {d["name"]: _dependency_json(d) for d in raw.get("dependency", [])}
    out["generate"] = {g["name"]: _generate_json(g) for g in raw.get("generate", [])}
    out["iam_assume_role_duration"] = raw.get("iam_assume_role_duration")
    out["inputs"] = raw.get("inputs")
    out["locals"] = raw.get("locals")
    out["feature"] = {name: {"name": name, "default": value} for name, value in raw.get("feature", {}).items()}
    extras = {
        k: raw[k] for k in ("skip", "retryable_errors", "retry_max_attempts", "retry_sleep_interval_sec") if k in raw
    }
    out["tgo"] = {
        "used_mock_outputs": used_mocks,
        "dependency_outputs": {d["name"]: d.get("outputs") for d in raw.get("dependency", [])},
        **extras,
    }
    return out
