"""Hash and UUID functions: md5, sha1, sha256, sha512, base64sha256, base64sha512, uuid, uuidv5.

All hash the UTF-8 bytes of a string. ``uuid`` is random on every call (as in Terraform).
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Callable, Mapping

from orchestrator.errors import EvalError
from orchestrator.hcl.functions.registry import Builtin, table, want_str
from orchestrator.hcl.values import Value

__all__ = ["FUNCTIONS", "digest"]

_NAMESPACES = {
    "dns": uuid.NAMESPACE_DNS,
    "url": uuid.NAMESPACE_URL,
    "oid": uuid.NAMESPACE_OID,
    "x500": uuid.NAMESPACE_X500,
}


def digest(algorithm: str, data: bytes, b64: bool = False) -> str:
    h = hashlib.new(algorithm, data)
    return base64.b64encode(h.digest()).decode() if b64 else h.hexdigest()


def _hasher(name: str, algorithm: str, b64: bool = False) -> Callable[[Value], Value]:
    def fn(text: Value) -> Value:
        return digest(algorithm, want_str(name, 1, text).encode(), b64)

    fn.__name__ = f"fn_{name}"
    return fn


def fn_uuid() -> Value:
    return str(uuid.uuid4())


def fn_uuidv5(namespace: Value, name: Value) -> Value:
    ns_text = want_str("uuidv5", 1, namespace)
    ns = _NAMESPACES.get(ns_text)
    if ns is None:
        try:
            ns = uuid.UUID(ns_text)
        except ValueError:
            raise EvalError(f'uuidv5(): namespace "{ns_text}" is not dns, url, oid, x500 or a UUID') from None
    return str(uuid.uuid5(ns, want_str("uuidv5", 2, name)))


FUNCTIONS: Mapping[str, Builtin] = table(
    _hasher("md5", "md5"),
    _hasher("sha1", "sha1"),
    _hasher("sha256", "sha256"),
    _hasher("sha512", "sha512"),
    _hasher("base64sha256", "sha256", b64=True),
    _hasher("base64sha512", "sha512", b64=True),
    fn_uuid,
    fn_uuidv5,
)
