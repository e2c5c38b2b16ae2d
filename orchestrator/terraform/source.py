"""``terraform.source`` addresses: local paths and ``git::`` URLs, with ``//subdir`` and ``?ref=``. Pure.

Examples: ``../modules//vpc``, ``/abs/modules/app``, ``git::https://host/org/repo.git//vpc?ref=v1.2``,
``git::git@host:org/repo.git//vpc``. Raises ConfigError for an address tgo cannot fetch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

from orchestrator.errors import ConfigError, Pos, UsageError

REMOTE_PREFIXES = ("http://", "https://", "s3::", "gcs::", "hg::", "tfr://", "github.com/", "bitbucket.org/")


@dataclass(frozen=True)
class Source:
    kind: str  # "local" or "git"
    base: str  # a directory (local, absolute) or a clone URL (git)
    subdir: str = ""
    ref: str | None = None


def split_subdir(address: str) -> tuple[str, str]:
    """Split ``base//subdir`` (the ``//`` after a URL scheme's ``://`` does not count)."""
    scheme = address.find("://")
    start = scheme + 3 if scheme >= 0 else 0
    pos = address.find("//", start)
    if pos < 0:
        return address, ""
    return address[:pos], address[pos + 2 :].strip("/")


def parse_source(address: str, module_dir: Path, *, pos: Pos | None = None, attr: str = "terraform.source") -> Source:
    """``address`` as a :class:`Source`; a relative local path is relative to ``module_dir``.
    ``github.com/org/repo//sub?ref=x`` is a git source (go-getter's GitHub shorthand). Raises
    ConfigError (at ``pos``, naming ``attr``) for what tgo cannot fetch (``cas::``, s3, http...)."""
    query = ""
    if "?" in address:
        address, query = address.split("?", 1)
    refs = parse_qs(query).get("ref")
    ref = refs[0] if refs else None
    if address.startswith("git::"):
        base, subdir = split_subdir(address[len("git::") :])
        return Source("git", base, subdir, ref)
    if address.startswith("git@") or (address.endswith(".git") and "://" in address):
        base, subdir = split_subdir(address)
        return Source("git", base, subdir, ref)
    if address.startswith("cas::"):
        raise ConfigError(
            f"source {address!r}: cas:: sources are not supported by tgo",
            pos=pos,
            attr=attr,
            hint="use a local path or a git:: URL",
        )
    if address.startswith("github.com/"):
        base, subdir = split_subdir(address)
        return Source("git", "https://" + base.removesuffix(".git") + ".git", subdir, ref)
    if address.startswith(REMOTE_PREFIXES):
        raise ConfigError(
            f"source {address!r} is not supported",
            pos=pos,
            attr=attr,
            hint="use a local path or a git:: URL",
        )
    if address.startswith("file://"):
        address = address[len("file://") :]
    base, subdir = split_subdir(address)
    return Source("local", str((module_dir / base).resolve()), subdir, ref)


SOURCE_MAP_ENV = "TG_SOURCE_MAP"


def _map_key(address: str) -> str:
    """What a source map compares: the part before ``//`` without ``?query`` and ``git::``."""
    base, _ = split_subdir(address.split("?", 1)[0])
    return base.removeprefix("git::").rstrip("/")


def parse_source_map(entries: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """``SOURCE=DEST`` entries (``--source-map``, or ``TG_SOURCE_MAP`` split on commas) as pairs.
    The last ``=`` separates them (URLs may hold ``=`` in their query). Raises UsageError."""
    pairs: list[tuple[str, str]] = []
    for raw in entries:
        entry = raw.strip()
        if not entry:
            continue
        source, eq, dest = entry.rpartition("=")
        if not eq or not source or not dest:
            raise UsageError(
                f"--source-map expects SOURCE=DEST, got {entry!r}",
                attr="--source-map",
                hint="e.g. --source-map git::https://example.com/catalog.git=../catalog",
            )
        pairs.append((source, dest))
    return tuple(pairs)


def source_map_from_env(env: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The pairs of ``TG_SOURCE_MAP`` (comma-separated ``SOURCE=DEST``). Raises UsageError."""
    return parse_source_map(env.get(SOURCE_MAP_ENV, "").split(","))


def apply_source_map(address: str, source_map: Iterable[tuple[str, str]]) -> str:
    """``address`` with its base (before ``//``, query and ``git::`` ignored) replaced by the
    destination of the first matching entry; the ``//subdir`` is kept and the query (a ``ref`` means
    nothing for a local path) dropped. Unchanged when nothing matches. Pure."""
    key = _map_key(address)
    for source, dest in source_map:
        if _map_key(source) == key:
            _, subdir = split_subdir(address.split("?", 1)[0])
            return dest.rstrip("/") + (f"//{subdir}" if subdir else "")
    return address


def source_for_module(flag: str, address: str | None, *, single: bool) -> str | None:
    """The source a module runs from under ``--source flag``, as Terragrunt's
    ``GetTerragruntSourceForModule``: for one module the flag itself; in a run-all the flag joined
    with the module's ``//subdir`` (or, without one, the last part of the source's path up to its
    first dot: ``git::...org/vpc.git`` gives ``<flag>//vpc``). None: no override (no flag, or the
    module has no ``terraform.source``)."""
    if not flag or not address:
        return None
    if single:
        return flag
    base, subdir = split_subdir(address.split("?", 1)[0])
    if not subdir:
        match = re.match(r"(?:.+/)(.+?)(?:\.|$)", base)
        subdir = match.group(1) if match else ""
    return flag.rstrip("/\\") + "//" + subdir.lstrip("/\\")
