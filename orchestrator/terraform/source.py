"""``terraform.source`` addresses: local paths and ``git::`` URLs, with ``//subdir`` and ``?ref=``. Pure.

Examples: ``../modules//vpc``, ``/abs/modules/app``, ``git::https://host/org/repo.git//vpc?ref=v1.2``,
``git::git@host:org/repo.git//vpc``. Raises ConfigError for an address tgo cannot fetch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

from orchestrator.errors import ConfigError, Pos

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


def parse_source(address: str, module_dir: Path, *, pos: Pos | None = None) -> Source:
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
    if address.startswith(REMOTE_PREFIXES):
        raise ConfigError(
            f"source {address!r} is not supported",
            pos=pos,
            attr="terraform.source",
            hint="use a local path or a git:: URL",
        )
    if address.startswith("file://"):
        address = address[len("file://") :]
    base, subdir = split_subdir(address)
    return Source("local", str((module_dir / base).resolve()), subdir, ref)
