"""A sops document's data tree: decrypting its values and checking its MAC, as sops does.

sops keeps keys in clear and encrypts each leaf value with AES-256-GCM under the file's data key:
``ENC[AES256_GCM,data:<b64>,iv:<b64>,tag:<b64>,type:<str|int|float|bool|bytes>]``, with the path of
keys leading to the value (``a:b:``; list items add nothing) as additional data. Which leaves are
encrypted follows the file's metadata (``unencrypted_suffix``, default ``_unencrypted``;
``encrypted_suffix``; ``unencrypted_regex``; ``encrypted_regex``). The MAC is the upper-case hex
SHA-512 over every leaf's clear bytes in document order (only the encrypted ones, after a fixed
prefix, with ``mac_only_encrypted``), stored encrypted with the file's ``lastmodified`` as
additional data.

Pure; every function raises SopsError with a message that holds no plaintext.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ENC_RE = re.compile(r"^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]", re.DOTALL)
DEFAULT_UNENCRYPTED_SUFFIX = "_unencrypted"
# sha256(b"sops"): sops starts the MAC with it when mac_only_encrypted is set.
MAC_ONLY_ENCRYPTED_INIT = hashlib.sha256(b"sops").digest()
_GO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_GO_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})
_SELECTORS = ("unencrypted_suffix", "encrypted_suffix", "unencrypted_regex", "encrypted_regex")


class SopsError(Exception):
    """A sops file could not be decrypted; the message names what and why (never a value)."""


@dataclass(frozen=True)
class Rules:
    """Which leaves are encrypted (from the metadata); see the module doc."""

    unencrypted_suffix: str = ""
    encrypted_suffix: str = ""
    unencrypted_regex: str = ""
    encrypted_regex: str = ""
    mac_only_encrypted: bool = False

    @classmethod
    def of(cls, metadata: Mapping[str, Any]) -> Rules:
        given = {k: str(metadata[k]) for k in _SELECTORS if metadata.get(k)}
        if len(given) > 1:
            raise SopsError(f"the sops metadata sets more than one of {', '.join(sorted(given))}")
        for key in ("unencrypted_comment_regex", "encrypted_comment_regex"):
            if metadata.get(key):
                raise SopsError(f"sops files encrypted with {key} are not supported")
        if not given:
            given = {"unencrypted_suffix": DEFAULT_UNENCRYPTED_SUFFIX}
        only = metadata.get("mac_only_encrypted")
        return cls(**given, mac_only_encrypted=only is True or only == "true")

    def encrypted(self, path: list[str]) -> bool:
        """sops's ``shouldBeEncrypted`` for a leaf at ``path`` (comments aside)."""
        result = True
        if self.unencrypted_suffix and any(p.endswith(self.unencrypted_suffix) for p in path):
            result = False
        if self.encrypted_suffix:
            result = any(p.endswith(self.encrypted_suffix) for p in path)
        if self.unencrypted_regex and any(re.search(self.unencrypted_regex, p) for p in path):
            result = False
        if self.encrypted_regex:
            result = any(re.search(self.encrypted_regex, p) for p in path)
        return result


def go_float(value: float) -> str:
    """Go's ``strconv.FormatFloat(f, 'f', -1, 64)``: shortest digits, never an exponent."""
    if math.isnan(value):
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "+Inf" if value > 0 else "-Inf"
    text = format(Decimal(repr(value)).normalize(), "f")
    return "-0" if text == "0" and str(value).startswith("-") else text


def leaf_bytes(value: Any) -> bytes:
    """sops's ``ToBytes``: how a clear leaf enters the MAC."""
    if isinstance(value, bool):
        return b"True" if value else b"False"
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, int):
        return str(value).encode()
    if isinstance(value, float):
        return go_float(value).encode()
    if isinstance(value, bytes):
        return value
    raise SopsError(f"cannot compute the MAC over a value of type {type(value).__name__}")


def decrypt_value(text: str, key: bytes, additional: str) -> Any:
    """One ``ENC[...]`` value in clear, typed as its ``type:`` says. Raises SopsError."""
    if text == "":
        return ""
    match = ENC_RE.match(text)
    if match is None:
        raise SopsError("a value that should be encrypted is not in sops's ENC[AES256_GCM,...] format")
    try:
        data, iv, tag = (base64.b64decode(part, validate=True) for part in match.groups()[:3])
        clear = AESGCM(key).decrypt(iv, data + tag, additional.encode())
    except (ValueError, InvalidTag):
        raise SopsError(f"the value at {additional!r} cannot be decrypted with the data key") from None
    return _typed(clear, match.group(4))


def _typed(clear: bytes, kind: str) -> Any:
    text = clear.decode("utf-8", "replace")
    try:
        if kind == "str":
            return text
        if kind in ("int", "int64"):
            return int(text)
        if kind == "float":
            return float(text)
        if kind == "bytes":
            return clear
        if kind == "bool":
            if text in _GO_TRUE or text in _GO_FALSE:
                return text in _GO_TRUE
            raise ValueError(text)
        if kind == "comment":
            return text
    except ValueError:
        raise SopsError(f"an encrypted {kind} value does not parse as one") from None
    raise SopsError(f"unknown sops value type {kind!r}")


Leaf = Callable[[Any, list[str]], Any]


def _walk(node: Any, path: list[str], leaf: Leaf) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if not isinstance(key, str):
                raise SopsError(f"the tree holds a non-string key ({key!r}); sops supports string keys only")
            out[key] = _walk(value, [*path, key], leaf)
        return out
    if isinstance(node, list):
        return [_walk(item, path, leaf) for item in node]
    if node is None:
        return None
    return leaf(node, path)


def decrypt_tree(branches: list[Any], key: bytes, rules: Rules) -> tuple[list[Any], str]:
    """(branches in clear, the MAC computed over them). Raises SopsError."""
    digest = hashlib.sha512()
    if rules.mac_only_encrypted:
        digest.update(MAC_ONLY_ENCRYPTED_INIT)

    def leaf(value: Any, path: list[str]) -> Any:
        encrypted = rules.encrypted(path)
        if encrypted:
            if not isinstance(value, str):
                raise SopsError(f"the value at {':'.join(path)!r} should be encrypted and is not")
            value = decrypt_value(value, key, ":".join(path) + ":")
        if encrypted or not rules.mac_only_encrypted:
            digest.update(leaf_bytes(value))
        return value

    clear = [_walk(branch, [], leaf) for branch in branches]
    return clear, digest.hexdigest().upper()


def rfc3339(stamp: str) -> str:
    """``lastmodified`` as Go's ``time.Format(time.RFC3339)`` writes it (the MAC's additional data)."""
    try:
        parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        raise SopsError(f"the sops metadata has an invalid lastmodified {stamp!r}") from None
    offset = parsed.utcoffset()
    text = parsed.replace(microsecond=0, tzinfo=None).isoformat()
    if offset is None or not offset:
        return text + "Z"
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{text}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def check_mac(metadata: Mapping[str, Any], key: bytes, computed: str) -> None:
    """Compare the stored MAC with ``computed``. Raises SopsError on a mismatch or a missing MAC."""
    stored = metadata.get("mac")
    if not isinstance(stored, str) or not stored:
        raise SopsError("the sops metadata has no MAC")
    lastmodified = metadata.get("lastmodified")
    if not isinstance(lastmodified, str):
        raise SopsError("the sops metadata has no lastmodified")
    try:
        original = decrypt_value(stored, key, rfc3339(lastmodified))
    except SopsError:
        raise SopsError("the MAC cannot be decrypted (the file or its lastmodified was changed)") from None
    if original != computed:
        raise SopsError("MAC mismatch: the file was modified after it was encrypted")
