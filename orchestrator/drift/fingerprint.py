"""Stable fingerprints of drift.

A fingerprint hashes the module path, the resource address, the action and the *names* of the attributes
that differ, never their values: drift whose value keeps changing (a counter edited twice) stays the same
drift, ``ongoing`` rather than ``new``. The ``group`` key is the same hash without the module, so identical
drift in several modules (the same tag edited in every account) can be shown as one row.

Fingerprints are 16 hex digits of SHA-256 over a versioned, NUL-separated string: stable across runs,
machines and Python versions. Pure functions, thread-safe.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

_VERSION = "tgo-drift-v1"


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join((_VERSION, *parts)).encode()).hexdigest()[:16]


def group_key(address: str, action: str, attributes: Iterable[str]) -> str:
    """The fingerprint of a drift regardless of the module it is in."""
    return _digest("group", address, action, ",".join(sorted(set(attributes))))


def resource_fingerprint(module: str, address: str, action: str, attributes: Iterable[str]) -> str:
    """The fingerprint of one resource's drift in one module."""
    return _digest("resource", module, address, action, ",".join(sorted(set(attributes))))


def module_fingerprint(module: str, resource_fingerprints: Iterable[str], outputs: Iterable[str]) -> str:
    """The fingerprint of everything that differs in a module (resources and output names)."""
    return _digest("module", module, ",".join(sorted(resource_fingerprints)), ",".join(sorted(outputs)))
