"""Fixtures for the config integration tests: a copy of sample-infra's live tree in tmp_path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parents[3] / "sample-infra"


@pytest.fixture
def sample_copy(tmp_path: Path) -> Path:
    """sample-infra's *.hcl files (the live tree, not the terraform modules) copied to tmp_path/live."""
    dest = tmp_path / "live"
    for src in SAMPLE.rglob("*.hcl"):
        if "modules" in src.relative_to(SAMPLE).parts or "provider" in src.relative_to(SAMPLE).parts:
            continue
        target = dest / src.relative_to(SAMPLE)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
    return dest
