"""Writing sops-encrypted files for tests, independently of tgo's decryption code.

Follows sops's published format (github.com/getsops/sops: ``aes/cipher.go``, ``sops.go``,
``stores/``): each leaf is ``ENC[AES256_GCM,data:..,iv:..,tag:..,type:..]`` encrypted with the data
key under a random 32-byte IV, with the key path ``a:b:`` as additional data; the MAC is the
upper-case hex SHA-512 of every leaf's bytes (``True``/``False`` for booleans), encrypted with the
``lastmodified`` timestamp as additional data. The data key itself is encrypted by an outside
implementation: pyrage (Rust age) for age recipients, the moto KMS server for KMS keys.
Nothing here imports tgo.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Callable
from typing import Any

import yaml
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

LASTMODIFIED = "2026-11-29T10:00:00Z"


def armor(age_file: bytes) -> str:
    """age's ASCII armor: PEM-like, 64 base64 columns."""
    text = base64.b64encode(age_file).decode()
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    return "-----BEGIN AGE ENCRYPTED FILE-----\n" + "\n".join(lines) + "\n-----END AGE ENCRYPTED FILE-----\n"


def _enc(key: bytes, clear: bytes, aad: str, kind: str) -> str:
    iv = os.urandom(32)
    sealed = AESGCM(key).encrypt(iv, clear, aad.encode())
    data, tag = sealed[:-16], sealed[-16:]
    b64 = base64.b64encode
    return f"ENC[AES256_GCM,data:{b64(data).decode()},iv:{b64(iv).decode()},tag:{b64(tag).decode()},type:{kind}]"


def _leaf(value: Any) -> tuple[bytes, str]:
    if isinstance(value, bool):
        return (b"True" if value else b"False"), "bool"
    if isinstance(value, int):
        return str(value).encode(), "int"
    if isinstance(value, float):
        return repr(value).encode(), "float"
    return str(value).encode(), "str"


def encrypt_tree(
    tree: dict[str, Any], key: bytes, *, keep: Callable[[list[str]], bool] = lambda path: False
) -> tuple[dict[str, Any], str]:
    """(encrypted tree, MAC hex). ``keep(path)``: leave that leaf in clear (e.g. an ``_unencrypted`` key)."""
    digest = hashlib.sha512()

    def walk(node: Any, path: list[str]) -> Any:
        if isinstance(node, dict):
            return {k: walk(v, [*path, k]) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, path) for v in node]
        if node is None:
            return None
        clear, kind = _leaf(node)
        digest.update(clear)
        if keep(path):
            return node
        return _enc(key, clear, ":".join(path) + ":", kind)

    return walk(tree, []), digest.hexdigest().upper()


def metadata(key: bytes, mac: str, *, age: list[dict[str, str]] = (), kms: list[dict[str, Any]] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    return {
        "kms": list(kms),
        "age": list(age),
        "lastmodified": LASTMODIFIED,
        "mac": _enc(key, mac.encode(), LASTMODIFIED, "str"),
        "unencrypted_suffix": "_unencrypted",
        "version": "3.9.0",
    }


def sops_yaml(tree: dict[str, Any], meta: dict[str, Any]) -> str:
    return yaml.safe_dump({**tree, "sops": meta}, sort_keys=False)


def sops_json(tree: dict[str, Any], meta: dict[str, Any]) -> str:
    return json.dumps({**tree, "sops": meta}, indent=4)


def _flatten(prefix: str, value: Any, out: dict[str, str]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}__map_{k}", v, out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _flatten(f"{prefix}__list_{i}", v, out)
    else:
        out[prefix] = str(value).replace("\n", "\\n")


def sops_dotenv(tree: dict[str, str], meta: dict[str, Any]) -> str:
    flat: dict[str, str] = {}
    for k, v in meta.items():
        if isinstance(v, list) and not v:
            continue
        _flatten(k, v, flat)
    lines = [f"{k}={v}" for k, v in tree.items()] + [f"sops_{k}={flat[k]}" for k in sorted(flat)]
    return "\n".join(lines) + "\n"
