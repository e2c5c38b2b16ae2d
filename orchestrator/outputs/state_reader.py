"""Terraform state documents and where an S3 backend keeps them. Pure: no I/O.

Contract:
- :func:`outputs_document` turns the bytes of a state object into what ``terraform output -json``
  prints for it (``{name: {"sensitive", "type", "value"}}``), and :func:`output_values` into the values
  the config loader takes. Both raise :class:`Unreadable` (with a reason for the run report) for
  anything terraform itself would have to decide: not JSON, an encrypted state (OpenTofu's state
  encryption), a format version other than 4 (written by a newer or much older terraform), or
  outputs that are not the shape format 4 defines. A caller falls back to ``terraform output -json``.
- :func:`s3_location` says where the state of a module whose ``remote_state`` uses the s3 backend
  lives, as terraform's s3 backend computes it; it raises :class:`Unreadable` for settings that
  make terraform, not tgo, the one to read it (a backend that assumes its own role or uses a
  profile or static keys, customer-provided encryption keys, a missing bucket or key).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

STATE_FORMAT = 4
"""The state format terraform 0.12 through 1.x writes; anything else is left to terraform."""
DEFAULT_WORKSPACE = "default"
DEFAULT_WORKSPACE_PREFIX = "env:"
# s3 backend settings that change whose credentials (or which key material) read the object: tgo
# reads under the dependency's role only, so with any of these terraform reads the outputs.
_CREDENTIAL_SETTINGS = (
    "role_arn",
    "assume_role",
    "assume_role_with_web_identity",
    "profile",
    "access_key",
    "secret_key",
    "token",
    "shared_credentials_file",
    "shared_credentials_files",
    "sse_customer_key",
)


class Unreadable(Exception):
    """tgo does not read this state itself; ``reason`` says why (for the report), terraform decides."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def outputs_document(data: bytes) -> dict[str, dict[str, Any]]:
    """The state's root outputs as ``terraform output -json`` prints them. Raises Unreadable."""
    try:
        state = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise Unreadable("the state object is not JSON") from None
    if not isinstance(state, dict):
        raise Unreadable("the state object is not a JSON object")
    if "encrypted_data" in state or "encryption_version" in state:
        raise Unreadable("the state is encrypted")
    version = state.get("version")
    if version != STATE_FORMAT or isinstance(version, bool):
        raise Unreadable(f"state format version {version!r} (tgo reads version {STATE_FORMAT})")
    outputs = state.get("outputs")
    outputs = {} if outputs is None else outputs
    if not isinstance(outputs, dict):
        raise Unreadable("the state's outputs are not an object")
    shown: dict[str, dict[str, Any]] = {}
    for name, item in outputs.items():
        if not isinstance(item, dict) or "value" not in item or "type" not in item:
            raise Unreadable(f"output {name!r} in the state has no value or type")
        # `terraform output -json` prints sensitive, type, value for each output, sorted by name.
        shown[name] = {"sensitive": bool(item.get("sensitive", False)), "type": item["type"], "value": item["value"]}
    return dict(sorted(shown.items()))


def output_values(data: bytes) -> dict[str, Any]:
    """Each output's value (what the loader's ``dependency.<name>.outputs`` holds). Raises Unreadable."""
    return {name: item["value"] for name, item in outputs_document(data).items()}


@dataclass(frozen=True)
class S3Location:
    bucket: str
    key: str
    region: str | None
    endpoint: str | None
    path_style: bool

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def state_key(key: str, workspace: str, prefix: str | None) -> str:
    """The object key of ``workspace``'s state: ``key`` for the default workspace, else
    ``<workspace_key_prefix>/<workspace>/<key>`` (terraform's s3 backend, prefix ``env:`` by default)."""
    if workspace == DEFAULT_WORKSPACE:
        return key
    return f"{DEFAULT_WORKSPACE_PREFIX if prefix is None else prefix}/{workspace}/{key}"


def s3_location(config: Mapping[str, Any], workspace: str, environ: Mapping[str, str]) -> S3Location:
    """Where an s3 backend with ``config`` keeps ``workspace``'s state. Raises Unreadable (see module doc).

    Endpoint: the backend's ``endpoint`` (or ``endpoints.s3``), else ``AWS_ENDPOINT_URL_S3``, else
    ``AWS_S3_ENDPOINT`` (terraform 1.0's variable), else ``AWS_ENDPOINT_URL``. Region: the backend's
    ``region``, else ``AWS_REGION`` / ``AWS_DEFAULT_REGION`` (None: the client's default)."""
    for name in _CREDENTIAL_SETTINGS:
        if config.get(name):
            raise Unreadable(f"the s3 backend sets {name}: terraform reads this state")
    bucket, key = config.get("bucket"), config.get("key")
    if not isinstance(bucket, str) or not bucket or not isinstance(key, str) or not key:
        raise Unreadable("the s3 backend config has no bucket or key")
    prefix = config.get("workspace_key_prefix")
    endpoints = config.get("endpoints")
    endpoint = config.get("endpoint") or (endpoints.get("s3") if isinstance(endpoints, Mapping) else None)
    endpoint = (
        endpoint
        or environ.get("AWS_ENDPOINT_URL_S3")
        or environ.get("AWS_S3_ENDPOINT")
        or environ.get("AWS_ENDPOINT_URL")
        or None
    )
    region = config.get("region") or environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or None
    path_style = _truthy(config.get("force_path_style")) or _truthy(config.get("use_path_style"))
    return S3Location(
        bucket=bucket,
        key=state_key(key, workspace, prefix if isinstance(prefix, str) else None),
        region=str(region) if region else None,
        endpoint=str(endpoint) if endpoint else None,
        path_style=path_style,
    )


def workspace_of(environment_file: str | None, environ: Mapping[str, str]) -> str:
    """The workspace terraform would use: ``TF_WORKSPACE``, else the name in the working directory's
    ``.terraform/environment`` (``environment_file``, its text or None), else ``default``."""
    chosen = environ.get("TF_WORKSPACE") or (environment_file or "").strip()
    return chosen or DEFAULT_WORKSPACE
