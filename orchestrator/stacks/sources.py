"""Fetching a stack component's source into a local directory, with ``terraform.source``'s fetcher.

Local paths resolve against the stack file's directory; ``git::`` / ``github.com/...`` sources are
cloned once per (URL, ref) into a cache directory and reused. ``--source-map`` entries apply first.
Raises ConfigError for unsupported sources, ToolError when git fails. Thread-safe as long as two
callers do not clone the same URL at once (generation plans on one thread).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from orchestrator.errors import Pos
from orchestrator.terraform.source import apply_source_map, parse_source
from orchestrator.terraform.workdir import clone_git


@dataclass(frozen=True)
class SourceFetcher:
    """``cache_dir``: where git clones go; ``env``: git's environment; ``source_map``: SOURCE=DEST pairs."""

    cache_dir: Path
    env: Mapping[str, str]
    source_map: Sequence[tuple[str, str]] = ()

    def __call__(self, address: str, stack_dir: Path, pos: Pos, attr: str) -> Path:
        """The local directory holding ``address``'s files (its ``//subdir`` applied)."""
        source = parse_source(apply_source_map(address, self.source_map), stack_dir, pos=pos, attr=attr)
        if source.kind == "local":
            base = Path(source.base)
        else:
            key = hashlib.sha256(f"{source.base}?ref={source.ref or ''}".encode()).hexdigest()[:16]
            base = self.cache_dir / key
            clone_git(source, base, self.env, pos, attr)
        return base / source.subdir if source.subdir else base
